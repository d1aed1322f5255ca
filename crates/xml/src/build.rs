//! Making an XML signature (XMLDSig §3.1) the way e-Tax and e-Gov expect it, around a
//! signature value computed elsewhere (the card): a `dsig:Signature` element appended as
//! the last child of the document element — after the procedure element and after
//! earlier signatures, each of them independent — referencing elements by ID with
//! Canonical XML 1.0 as transform (plus enveloped-signature for a signature over the
//! document element) and attached files by name (raw bytes), SHA-256 digests,
//! RSA-SHA256 over the inclusive-canonical SignedInfo, and the certificates in
//! `KeyInfo/X509Data`.
//!
//! Not one byte of the input changes: the output is the input with the signature
//! inserted before the document element's end tag, nothing else (no whitespace, which an
//! enveloped signature's digest would cover).

use base64ct::{Base64, Encoding};
use inkan_profile::xmldsig as u;

use crate::alg::{C14nMethod, DigestAlg, SignatureAlg, Transform};
use crate::dsig::{
    NoAttachments, ReferenceInfo, Target, dereference, digest_target, percent_decode,
};
use crate::dsig::{read_signature, signature_elements, signed_info_bytes};
use crate::error::XmlError;
use crate::profile::{Profile, describe};
use crate::reader::{Limits, parse};

/// What a new signature references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefSpec {
    /// An element by its `id`/`Id`/`ID` (e-Tax: the procedure element; with
    /// [`SignSpec::enveloped`], the document element).
    Id(String),
    /// A file beside the document, by name, with its bytes (e-Gov attachments).
    File {
        /// The file name as the reference's URI gives it (percent-encoded there).
        name: String,
        /// Its content.
        bytes: Vec<u8>,
    },
}

/// How to sign.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignSpec {
    /// The references, in order. Empty with `enveloped`: the document element.
    pub references: Vec<RefSpec>,
    /// An enveloped signature over the document element (deduction certificates).
    pub enveloped: bool,
    /// The signature's `Id` (default: `Signature1`, `Signature2`, … the first not
    /// taken).
    pub signature_id: Option<String>,
    /// DER certificates for `KeyInfo/X509Data`, the signer's first.
    pub certificates: Vec<Vec<u8>>,
}

/// The document with the signature in place but without its value: sign
/// [`PreparedXml::signed_info`] (RSA-SHA256), then [`PreparedXml::finish`].
#[derive(Clone, Debug)]
pub struct PreparedXml {
    head: Vec<u8>,
    tail: Vec<u8>,
    signed_info: Vec<u8>,
    id: String,
    references: Vec<String>,
}

impl PreparedXml {
    /// The canonical SignedInfo: the bytes to sign with RSA-SHA256.
    pub fn signed_info(&self) -> &[u8] {
        &self.signed_info
    }

    /// The new signature's `Id`.
    pub fn signature_id(&self) -> &str {
        &self.id
    }

    /// The URIs of its references as they read once percent-decoded (`#RKO0010`,
    /// `#構成情報`, `a.pdf`; `""` for the whole document).
    pub fn references(&self) -> &[String] {
        &self.references
    }

    /// The signed document: `signature` (RSASSA-PKCS1-v1_5, the card's output) placed in
    /// SignatureValue.
    pub fn finish(self, signature: &[u8]) -> Vec<u8> {
        let mut out = self.head;
        out.extend_from_slice(Base64::encode_string(signature).as_bytes());
        out.extend_from_slice(&self.tail);
        out
    }
}

/// A signature to be made over one document, in the three steps a signer takes around
/// the card: [`Template::check`] before any PIN is sent, [`Template::prepare`] once the
/// certificates are read (they go in `KeyInfo`, which SignedInfo does not cover), and
/// [`Template::finish`] with the card's value.
#[derive(Clone, Debug)]
pub struct Template {
    document: Vec<u8>,
    spec: SignSpec,
    limits: Limits,
    prepared: Option<PreparedXml>,
}

impl Template {
    /// A signature over `document` as `spec` says (its `certificates` are replaced by
    /// [`Template::prepare`]'s), read within `limits`.
    pub fn new(document: Vec<u8>, spec: SignSpec, limits: Limits) -> Self {
        Template {
            document,
            spec,
            limits,
            prepared: None,
        }
    }

    /// Checks that the signature can be made (see [`prepare`] for what is refused) and
    /// returns the reference URIs it will carry ([`PreparedXml::references`]).
    pub fn check(&self) -> Result<Vec<String>, XmlError> {
        Ok(prepare(&self.document, &self.spec, &self.limits)?
            .references()
            .to_vec())
    }

    /// Prepares the signature with `certificates` (DER, the signer's first) in
    /// `KeyInfo/X509Data` and returns the canonical SignedInfo to sign.
    pub fn prepare(&mut self, certificates: &[Vec<u8>]) -> Result<&[u8], XmlError> {
        self.spec.certificates = certificates.to_vec();
        let prepared = self
            .prepared
            .insert(prepare(&self.document, &self.spec, &self.limits)?);
        Ok(prepared.signed_info())
    }

    /// The signed document with `signature` in SignatureValue. Refused (as malformed
    /// use) before [`Template::prepare`] succeeded, or a second time.
    pub fn finish(&mut self, signature: &[u8]) -> Result<Vec<u8>, XmlError> {
        let prepared = self
            .prepared
            .take()
            .ok_or_else(|| XmlError::malformed("the signature was not prepared (prepare first)"))?;
        Ok(prepared.finish(signature))
    }
}

/// The digest and signature methods inkan signs with.
pub const SIGN_DIGEST: DigestAlg = DigestAlg::Sha256;
/// See [`SIGN_DIGEST`].
pub const SIGN_METHOD: SignatureAlg = SignatureAlg::RsaSha256;

/// Percent-encodes what a URI reference may not carry as is (RFC 3986 §2.1; non-ASCII
/// as UTF-8, RFC 3987 §3.1), so `構成情報` becomes `%E6%A7%8B%E6%88%90%E6%83%85%E5%A0%B1`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$'()*+,;=:@/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c))
        && !id.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
}

/// Prepares a signature over `input` as `spec` says.
///
/// Refused: a reference to an unknown ID or to an element the verifier's profile would
/// not accept (not a child of the document element, or the document element without
/// `enveloped`); an empty document element (`<DATA/>` cannot take a child without
/// rewriting it); a document whose existing signature covers the document element
/// (appending would break it); a taken or invalid signature ID.
pub fn prepare(input: &[u8], spec: &SignSpec, limits: &Limits) -> Result<PreparedXml, XmlError> {
    let xml = parse(input, limits)?;
    let root = xml.root()?;
    let bom = input.len() - xml.text().len();
    let range = xml
        .range(root)
        .ok_or_else(|| XmlError::malformed("no source range for the document element"))?;
    let elem = xml.text().get(range.clone()).unwrap_or_default();
    if elem.ends_with("/>") {
        return Err(XmlError::malformed(
            "the document element is empty; a signature cannot be appended without rewriting it",
        ));
    }
    let end_tag = elem
        .rfind("</")
        .ok_or_else(|| XmlError::malformed("no end tag of the document element"))?;
    let at = bom + range.start + end_tag;

    for s in signature_elements(&xml) {
        if let Ok(info) = read_signature(&xml, s, &Profile::JPKI) {
            let over_root = info.references.iter().any(|r| {
                match dereference(&xml, r.uri.as_deref(), &NoAttachments) {
                    Ok(Target::Document) => true,
                    Ok(Target::Element(n)) => n == root,
                    _ => false,
                }
            });
            if over_root {
                return Err(XmlError::malformed(
                    "an existing signature covers the document element; another signature inside it would break that one",
                ));
            }
        }
    }

    let id = match &spec.signature_id {
        Some(id) => {
            if !valid_id(id) {
                return Err(XmlError::malformed(
                    "a signature ID is letters, digits, '-', '_' and '.', not starting with a digit",
                ));
            }
            if xml.by_id(id).is_some() {
                return Err(XmlError::DuplicateId { id: id.clone() });
            }
            id.clone()
        }
        None => (1..)
            .map(|n| format!("Signature{n}"))
            .find(|c| xml.by_id(c).is_none())
            .unwrap_or_default(),
    };

    let mut refs = spec.references.clone();
    if refs.is_empty() && spec.enveloped {
        refs.push(RefSpec::Id(xml.id_of(root).unwrap_or_default().to_owned()));
    }
    if refs.is_empty() {
        return Err(XmlError::malformed("nothing to sign: give a reference"));
    }
    let mut planned = Vec::with_capacity(refs.len());
    for r in &refs {
        planned.push(match r {
            RefSpec::Id(target_id) => {
                let (target, uri) = if target_id.is_empty() {
                    (root, String::new())
                } else {
                    let t = xml
                        .by_id(target_id)
                        .ok_or_else(|| XmlError::ReferenceMissing {
                            uri: format!("#{target_id}"),
                        })?;
                    (t, format!("#{}", percent_encode(target_id)))
                };
                if target == root {
                    if !spec.enveloped {
                        return Err(XmlError::wrapping(
                            "the reference is the document element, which contains the signature: sign it enveloped",
                        ));
                    }
                } else if xml.parent(target) != Some(root) {
                    return Err(XmlError::wrapping(format!(
                        "{} is not a child of the document element",
                        describe(&xml, target)
                    )));
                }
                let mut transforms = Vec::new();
                if target == root {
                    transforms.push(Transform::Enveloped);
                }
                transforms.push(Transform::C14n(C14nMethod::Inclusive, Vec::new()));
                ReferenceInfo {
                    uri: Some(uri),
                    transforms,
                    digest: SIGN_DIGEST,
                    digest_value: Vec::new(),
                }
            }
            RefSpec::File { name, bytes } => ReferenceInfo {
                uri: Some(percent_encode(name)),
                transforms: Vec::new(),
                digest: SIGN_DIGEST,
                digest_value: SIGN_DIGEST.digest(bytes),
            },
        });
    }

    // Digests of same-document references, computed in the document with the signature
    // in place (an enveloped one leaves itself out; others do not contain it).
    let draft = splice(input, at, &template(&id, &planned, &spec.certificates).0);
    let draft_xml = parse(&draft, &grown(limits, draft.len()))?;
    let sig_node = draft_xml
        .by_id(&id)
        .ok_or_else(|| XmlError::malformed("the new signature is not where it was put"))?;
    for (p, r) in planned.iter_mut().zip(&refs) {
        if matches!(r, RefSpec::Id(_)) {
            let target = dereference(&draft_xml, p.uri.as_deref(), &NoAttachments)?;
            p.digest_value = digest_target(&draft_xml, sig_node, p, &target)?;
        }
    }

    let (sig_text, value_at) = template(&id, &planned, &spec.certificates);
    let full = splice(input, at, &sig_text);
    let full_xml = parse(&full, &grown(limits, full.len()))?;
    let node = full_xml
        .by_id(&id)
        .ok_or_else(|| XmlError::malformed("the new signature is not where it was put"))?;
    let info = read_signature(&full_xml, node, &Profile::JPKI)?;
    let signed_info = signed_info_bytes(&full_xml, &info)?;
    let split = at + value_at;
    let references = planned
        .iter()
        .map(|r| percent_decode(r.uri.as_deref().unwrap_or_default()))
        .collect::<Result<_, _>>()?;
    Ok(PreparedXml {
        head: full.get(..split).unwrap_or_default().to_vec(),
        tail: full.get(split..).unwrap_or_default().to_vec(),
        signed_info,
        id,
        references,
    })
}

/// `limits` with room for the signature added.
fn grown(limits: &Limits, len: usize) -> Limits {
    Limits {
        max_bytes: limits.max_bytes.max(len),
        ..*limits
    }
}

fn splice(input: &[u8], at: usize, insert: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + insert.len());
    out.extend_from_slice(input.get(..at).unwrap_or_default());
    out.extend_from_slice(insert.as_bytes());
    out.extend_from_slice(input.get(at..).unwrap_or_default());
    out
}

/// The Signature element's text, and the offset in it where the signature value goes.
fn template(id: &str, refs: &[ReferenceInfo], certs: &[Vec<u8>]) -> (String, usize) {
    let p = inkan_profile::xmldsig::ETAX_PREFIX;
    let mut s = format!(
        "<{p}:Signature xmlns:{p}=\"{}\" Id=\"{id}\"><{p}:SignedInfo><{p}:CanonicalizationMethod Algorithm=\"{}\"/><{p}:SignatureMethod Algorithm=\"{}\"/>",
        u::NS,
        C14nMethod::Inclusive.uri(),
        SIGN_METHOD.uri()
    );
    for r in refs {
        s.push_str(&format!(
            "<{p}:Reference URI=\"{}\">",
            r.uri.as_deref().unwrap_or_default()
        ));
        if !r.transforms.is_empty() {
            s.push_str(&format!("<{p}:Transforms>"));
            for t in &r.transforms {
                let alg = match t {
                    Transform::Enveloped => u::ENVELOPED_SIGNATURE,
                    Transform::C14n(m, _) => m.uri(),
                };
                s.push_str(&format!("<{p}:Transform Algorithm=\"{alg}\"/>"));
            }
            s.push_str(&format!("</{p}:Transforms>"));
        }
        s.push_str(&format!(
            "<{p}:DigestMethod Algorithm=\"{}\"/><{p}:DigestValue>{}</{p}:DigestValue></{p}:Reference>",
            r.digest.uri(),
            Base64::encode_string(&r.digest_value)
        ));
    }
    s.push_str(&format!("</{p}:SignedInfo><{p}:SignatureValue>"));
    let value_at = s.len();
    s.push_str(&format!("</{p}:SignatureValue>"));
    if !certs.is_empty() {
        s.push_str(&format!("<{p}:KeyInfo><{p}:X509Data>"));
        for c in certs {
            s.push_str(&format!(
                "<{p}:X509Certificate>{}</{p}:X509Certificate>",
                Base64::encode_string(c)
            ));
        }
        s.push_str(&format!("</{p}:X509Data></{p}:KeyInfo>"));
    }
    s.push_str(&format!("</{p}:Signature>"));
    (s, value_at)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const DOC: &[u8] = br#"<DATA id="DATA"><P id="P">x</P></DATA>"#;

    fn template(id: &str) -> Template {
        let spec = SignSpec {
            references: vec![RefSpec::Id(id.into())],
            ..SignSpec::default()
        };
        Template::new(DOC.to_vec(), spec, Limits::DEFAULT)
    }

    #[test]
    fn template_steps_give_what_prepare_gives() {
        let mut t = template("P");
        assert_eq!(t.check().unwrap(), vec!["#P".to_owned()]);
        let cert = vec![0x30, 0x03, 0x02, 0x01, 0x01];
        let si = t.prepare(core::slice::from_ref(&cert)).unwrap().to_vec();
        let spec = SignSpec {
            references: vec![RefSpec::Id("P".into())],
            certificates: vec![cert],
            ..SignSpec::default()
        };
        let direct = prepare(DOC, &spec, &Limits::DEFAULT).unwrap();
        assert_eq!(si, direct.signed_info());
        assert_eq!(t.finish(b"sig").unwrap(), direct.finish(b"sig"));
        // One value per preparation.
        assert_eq!(t.finish(b"sig").unwrap_err().code(), "xml-malformed");
    }

    #[test]
    fn template_refuses_before_it_prepares() {
        let mut t = template("Q");
        assert_eq!(t.check().unwrap_err().code(), "xml-reference-missing");
        assert_eq!(t.finish(b"sig").unwrap_err().code(), "xml-malformed");
        assert_eq!(t.prepare(&[]).unwrap_err().code(), "xml-reference-missing");
    }
}
