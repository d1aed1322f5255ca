//! The signature profile of e-Tax filings, deduction certificates (電子的控除証明書) and
//! e-Gov applications, written out: which algorithms and transforms are allowed, and
//! which elements a reference may point at.
//!
//! Where a reference may point (signature wrapping is a reference that verifies but
//! covers something else than what the reader of the document takes as signed):
//!
//! - never into a `Signature` element (an `Object` can hide a copy of signed content);
//! - a signature inside what it references (enveloped) must use the enveloped-signature
//!   transform, and may only reference the document element (deduction certificates:
//!   `URI="#<root id>"`, or `URI=""`);
//! - any other same-document reference must point at a child of the document element
//!   (e-Tax: the procedure element `URI="#RKO0010"`; e-Gov: `#構成情報`);
//! - a comment inside signed content is refused: a reference by ID selects its content
//!   without comments (XMLDSig §4.3.3.3), so a comment there is unsigned text a reader
//!   may still take for signed (`<Name>Tar<!---->o</Name>`);
//! - file references (e-Gov attachments) are plain names beside the document, raw bytes.
//!
//! And after every signature is checked, every child element of the document element
//! must be covered by a reference of a valid signature, or be (or hold) a signature
//! itself ([`Profile::unsigned_elements`]): a procedure element appended after signing is
//! content nobody signed.

use inkan_profile::xmldsig as u;
use uppsala::NodeId;

use crate::alg::{C14nMethod, DigestAlg, SignatureAlg, Transform};
use crate::error::XmlError;
use crate::model::{ReferenceInfo, SignatureInfo, Target};
use crate::reader::Xml;

/// Algorithms, transforms and reference rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Allowed canonicalisation methods (SignedInfo and transforms).
    pub c14n: &'static [C14nMethod],
    /// Allowed digest methods.
    pub digest: &'static [DigestAlg],
    /// Allowed signature methods.
    pub signature: &'static [SignatureAlg],
    /// Most references in one SignedInfo (an e-Gov application references each file).
    pub max_references: usize,
}

impl Profile {
    /// e-Tax, deduction certificates and e-Gov: Canonical XML 1.0 (inclusive; exclusive
    /// too, which other relying parties use), SHA-1/256/384/512, RSA PKCS#1 v1.5 with
    /// them. SHA-1 appears in older filings and deduction certificates (2023); inkan
    /// never signs with it.
    pub const JPKI: Profile = Profile {
        c14n: &[
            C14nMethod::Inclusive,
            C14nMethod::InclusiveWithComments,
            C14nMethod::Exclusive,
            C14nMethod::ExclusiveWithComments,
        ],
        digest: &[
            DigestAlg::Sha1,
            DigestAlg::Sha256,
            DigestAlg::Sha384,
            DigestAlg::Sha512,
        ],
        signature: &[
            SignatureAlg::RsaSha1,
            SignatureAlg::RsaSha256,
            SignatureAlg::RsaSha384,
            SignatureAlg::RsaSha512,
        ],
        max_references: 1024,
    };

    /// Whether transform `t` is allowed.
    pub fn allows_transform(&self, t: &Transform) -> bool {
        match t {
            Transform::Enveloped => true,
            Transform::C14n(m, _) => self.c14n.contains(m),
        }
    }

    /// Checks that reference `r` of `sig` may point at `target` (the rules of the
    /// [module documentation](self)).
    pub fn check_target(
        &self,
        xml: &Xml<'_>,
        sig: &SignatureInfo,
        r: &ReferenceInfo,
        target: &Target,
    ) -> Result<(), XmlError> {
        let root = xml.root()?;
        let t = match target {
            Target::File(..) => return Ok(()),
            Target::Document => root,
            Target::Element(n) => *n,
        };
        let name = describe(xml, t);
        let mut cur = Some(t);
        while let Some(c) = cur {
            if xml.is(c, u::NS, "Signature") {
                return Err(XmlError::wrapping(format!(
                    "the reference points at {name} inside a Signature element"
                )));
            }
            cur = xml.parent(c);
        }
        if xml.is_within(sig.node, t) {
            if !r.transforms.contains(&Transform::Enveloped) {
                return Err(XmlError::wrapping(format!(
                    "the signature is inside {name}, which it references without the enveloped-signature transform"
                )));
            }
            if t != root {
                return Err(XmlError::wrapping(format!(
                    "an enveloped signature must reference the document element, not {name}"
                )));
            }
        } else if xml.parent(t) != Some(root) {
            return Err(XmlError::wrapping(format!(
                "the reference points at {name}, which is not a child of the document element"
            )));
        }
        if has_comment_outside(xml, t, sig.node) {
            return Err(XmlError::wrapping(format!(
                "a comment inside the signed {name} is not covered by the signature"
            )));
        }
        Ok(())
    }

    /// The child elements of the document element that no valid signature covers and
    /// that are not (and do not hold) a signature, described as `name#id`. `covered`
    /// are the targets of the valid signatures' references.
    pub fn unsigned_elements(&self, xml: &Xml<'_>, covered: &[NodeId]) -> Vec<String> {
        let Ok(root) = xml.root() else {
            return Vec::new();
        };
        if covered.contains(&root) {
            return Vec::new();
        }
        xml.child_elements(root)
            .filter(|&c| !covered.contains(&c))
            .filter(|&c| {
                !xml.document()
                    .descendants(c)
                    .into_iter()
                    .chain([c])
                    .any(|d| xml.is(d, u::NS, "Signature"))
            })
            .map(|c| describe(xml, c))
            .collect()
    }
}

/// `name#id` of an element, for messages (names and IDs only, never content).
pub fn describe(xml: &Xml<'_>, n: NodeId) -> String {
    let name = xml.local_name(n).unwrap_or("?");
    match xml.id_of(n) {
        Some(id) => format!("{name}#{id}"),
        None => name.to_owned(),
    }
}

fn has_comment_outside(xml: &Xml<'_>, apex: NodeId, cut: NodeId) -> bool {
    let doc = xml.document();
    doc.descendants(apex).into_iter().any(|d| {
        matches!(doc.node_kind(d), Some(uppsala::NodeKind::Comment(_))) && !xml.is_within(d, cut)
    })
}
