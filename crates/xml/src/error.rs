//! One error type for reading, canonicalising, resolving and building XML signatures,
//! each variant with a stable code (the `xml-*` codes of the README's table).

use core::fmt;

/// Why an XML document or one of its signatures was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlError {
    /// Not well-formed XML (XML 1.0 §2.1), not UTF-8, or a signature element that does
    /// not have the structure of XMLDSig §4 (a missing `SignedInfo`, bad base64 …).
    Malformed {
        /// What is wrong (never document content beyond an element or attribute name).
        detail: String,
    },
    /// The document has a document type declaration (XML 1.0 §2.8). None is read:
    /// no entity is expanded, no external subset fetched.
    DtdRefused,
    /// The document is over a limit of [`crate::Limits`].
    TooLarge {
        /// Which limit (`bytes`, `depth`, `attributes`, `nodes`, `attachment`).
        limit: &'static str,
        /// Its value.
        max: usize,
    },
    /// An ID value appears on two elements (across `id`, `Id` and `ID`).
    DuplicateId {
        /// The value.
        id: String,
    },
    /// A reference points at nothing: an unknown ID or a missing attachment.
    ReferenceMissing {
        /// The reference's URI.
        uri: String,
    },
    /// A reference's digest does not match its content (XMLDSig §3.2.1).
    DigestMismatch {
        /// The reference's URI.
        uri: String,
    },
    /// A transform or a canonicalisation the profile does not allow.
    UnsupportedTransform {
        /// Its algorithm URI.
        algorithm: String,
    },
    /// A digest or signature algorithm the profile does not allow.
    UnsupportedAlgorithm {
        /// Its algorithm URI.
        algorithm: String,
    },
    /// A reference resolves somewhere the profile does not allow, or signed content
    /// carries something the signature does not cover (signature wrapping).
    Wrapping {
        /// What was found.
        detail: String,
    },
    /// The document carries no XML signature.
    NoSignature,
    /// An error another instance of this crate reported across a boundary (the
    /// browser's XML module, a separate wasm instance, to the signer's): its code and
    /// message as they were. Made by [`XmlError::relayed`].
    Relayed {
        /// One of [`XmlError::CODES`].
        code: &'static str,
        /// The message as the other side wrote it.
        message: String,
    },
}

impl XmlError {
    /// Every code [`XmlError::code`] can return (the README's `xml-*` rows).
    pub const CODES: [&'static str; 10] = [
        "xml-malformed",
        "xml-dtd-refused",
        "xml-too-large",
        "xml-duplicate-id",
        "xml-reference-missing",
        "xml-digest-mismatch",
        "xml-unsupported-transform",
        "xml-unsupported-algorithm",
        "xml-wrapping",
        "xml-no-signature",
    ];

    /// The error another instance reported as `code` and `message`; `None` when `code`
    /// is not one of [`XmlError::CODES`].
    pub fn relayed(code: &str, message: impl Into<String>) -> Option<Self> {
        let code = Self::CODES.iter().find(|c| **c == code)?;
        Some(XmlError::Relayed {
            code,
            message: message.into(),
        })
    }

    /// The stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            XmlError::Malformed { .. } => "xml-malformed",
            XmlError::DtdRefused => "xml-dtd-refused",
            XmlError::TooLarge { .. } => "xml-too-large",
            XmlError::DuplicateId { .. } => "xml-duplicate-id",
            XmlError::ReferenceMissing { .. } => "xml-reference-missing",
            XmlError::DigestMismatch { .. } => "xml-digest-mismatch",
            XmlError::UnsupportedTransform { .. } => "xml-unsupported-transform",
            XmlError::UnsupportedAlgorithm { .. } => "xml-unsupported-algorithm",
            XmlError::Wrapping { .. } => "xml-wrapping",
            XmlError::NoSignature => "xml-no-signature",
            XmlError::Relayed { code, .. } => code,
        }
    }

    pub(crate) fn malformed(detail: impl Into<String>) -> Self {
        XmlError::Malformed {
            detail: detail.into(),
        }
    }

    pub(crate) fn wrapping(detail: impl Into<String>) -> Self {
        XmlError::Wrapping {
            detail: detail.into(),
        }
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlError::Malformed { detail } => write!(f, "malformed XML: {detail}"),
            XmlError::DtdRefused => f.write_str(
                "the document has a DOCTYPE declaration; documents with a DTD are refused",
            ),
            XmlError::TooLarge { limit, max } => {
                write!(f, "the document is over the {limit} limit ({max})")
            }
            XmlError::DuplicateId { id } => {
                write!(f, "the ID {id:?} appears on more than one element")
            }
            XmlError::ReferenceMissing { uri } => {
                write!(
                    f,
                    "reference {uri:?} points at nothing in the document or its attachments"
                )
            }
            XmlError::DigestMismatch { uri } => {
                write!(
                    f,
                    "the digest of reference {uri:?} does not match its content"
                )
            }
            XmlError::UnsupportedTransform { algorithm } => {
                write!(f, "transform {algorithm} is not allowed")
            }
            XmlError::UnsupportedAlgorithm { algorithm } => {
                write!(f, "algorithm {algorithm} is not allowed")
            }
            XmlError::Wrapping { detail } => write!(f, "signature wrapping: {detail}"),
            XmlError::NoSignature => f.write_str("the document carries no XML signature"),
            XmlError::Relayed { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for XmlError {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_code_is_listed_and_relays_to_itself() {
        let all = [
            XmlError::malformed("x"),
            XmlError::DtdRefused,
            XmlError::TooLarge {
                limit: "bytes",
                max: 1,
            },
            XmlError::DuplicateId { id: "a".into() },
            XmlError::ReferenceMissing { uri: "#a".into() },
            XmlError::DigestMismatch { uri: "#a".into() },
            XmlError::UnsupportedTransform {
                algorithm: "u".into(),
            },
            XmlError::UnsupportedAlgorithm {
                algorithm: "u".into(),
            },
            XmlError::wrapping("w"),
            XmlError::NoSignature,
        ];
        assert_eq!(all.len(), XmlError::CODES.len());
        for e in all {
            assert!(XmlError::CODES.contains(&e.code()), "{}", e.code());
            let r = XmlError::relayed(e.code(), e.to_string()).unwrap();
            assert_eq!(r.code(), e.code());
            assert_eq!(r.to_string(), e.to_string());
        }
        assert_eq!(XmlError::relayed("pin-wrong", "no"), None);
    }
}
