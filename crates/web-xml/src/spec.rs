//! `signXml`'s options as an [`inkan_xml::SignSpec`]: element ids first, then the
//! attached files, in the order given.

use inkan_xml::{RefSpec, SignSpec};

/// One attached file: its name (as the reference URI gives it) and its bytes.
pub struct Attachment {
    /// The file name.
    pub name: String,
    /// Its content.
    pub data: Vec<u8>,
}

/// Why the options cannot be used (an `invalid-argument` for the page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub String);

/// The spec of a signature over `references` (element ids) and `attachments` (files by
/// name), enveloped or not, with an optional signature `Id`.
pub fn sign_spec(
    references: Vec<String>,
    attachments: Vec<Attachment>,
    enveloped: bool,
    signature_id: Option<String>,
) -> Result<SignSpec, SpecError> {
    if let Some(r) = references.iter().find(|r| r.is_empty()) {
        return Err(SpecError(format!(
            "a reference is an element id, not an empty string ({r:?})"
        )));
    }
    if attachments.iter().any(|a| a.name.is_empty()) {
        return Err(SpecError("an attachment needs a file name".into()));
    }
    if signature_id.as_deref() == Some("") {
        return Err(SpecError("signatureId is empty".into()));
    }
    let refs = references
        .into_iter()
        .map(RefSpec::Id)
        .chain(attachments.into_iter().map(|a| RefSpec::File {
            name: a.name,
            bytes: a.data,
        }))
        .collect();
    Ok(SignSpec {
        references: refs,
        enveloped,
        signature_id,
        certificates: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_then_files_in_order() {
        let s = sign_spec(
            vec!["構成情報".into()],
            vec![
                Attachment {
                    name: "b.xml".into(),
                    data: b"<b/>".to_vec(),
                },
                Attachment {
                    name: "a.pdf".into(),
                    data: b"%PDF".to_vec(),
                },
            ],
            false,
            Some("S1".into()),
        )
        .unwrap();
        assert_eq!(
            s.references,
            vec![
                RefSpec::Id("構成情報".into()),
                RefSpec::File {
                    name: "b.xml".into(),
                    bytes: b"<b/>".to_vec()
                },
                RefSpec::File {
                    name: "a.pdf".into(),
                    bytes: b"%PDF".to_vec()
                },
            ]
        );
        assert_eq!(s.signature_id.as_deref(), Some("S1"));
        assert!(s.certificates.is_empty());
    }

    #[test]
    fn empty_names_refused() {
        assert!(sign_spec(vec![String::new()], vec![], false, None).is_err());
        let a = Attachment {
            name: String::new(),
            data: vec![],
        };
        assert!(sign_spec(vec![], vec![a], false, None).is_err());
        assert!(sign_spec(vec![], vec![], true, Some(String::new())).is_err());
        assert!(sign_spec(vec![], vec![], true, None).is_ok());
    }
}
