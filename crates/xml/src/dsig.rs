//! The `Signature` element (XMLDSig §4) read into [`SignatureInfo`], and reference
//! processing (§4.3.3): dereferencing a URI (same-document by ID, the whole document,
//! or an attached file by name), applying the transforms, digesting and comparing.
//! What may be referenced and which algorithms are allowed is [`Profile`]'s to say.

use base64ct::{Base64, Encoding};
use inkan_profile::xmldsig as u;
use uppsala::NodeId;

use crate::alg::{C14nMethod, DigestAlg, SignatureAlg, Transform};
use crate::c14n::{Subset, canonicalize, canonicalize_to};
use crate::error::XmlError;
pub use crate::model::{ReferenceInfo, SignatureInfo, Target};
use crate::profile::Profile;
use crate::reader::Xml;

/// Files a signature may reference by name (e-Gov attachments): resolves a relative
/// file name to its bytes.
pub trait Attachments {
    /// The bytes of the file `name` (a relative name without `..`), if there is one.
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, XmlError>;
}

/// No attachments: every file reference is missing.
pub struct NoAttachments;

impl Attachments for NoAttachments {
    fn get(&self, _name: &str) -> Result<Option<Vec<u8>>, XmlError> {
        Ok(None)
    }
}

impl Attachments for [(String, Vec<u8>)] {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, XmlError> {
        Ok(self.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone()))
    }
}

impl Attachments for Vec<(String, Vec<u8>)> {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, XmlError> {
        Attachments::get(self.as_slice(), name)
    }
}

/// Every `Signature` element of the document, in document order.
pub fn signature_elements(xml: &Xml<'_>) -> Vec<NodeId> {
    let doc = xml.document();
    doc.descendants(doc.root())
        .into_iter()
        .filter(|&n| xml.is(n, u::NS, "Signature"))
        .collect()
}

fn need(xml: &Xml<'_>, n: NodeId, local: &str) -> Result<NodeId, XmlError> {
    xml.child(n, u::NS, local)
        .ok_or_else(|| XmlError::malformed(format!("{local} missing")))
}

fn algorithm_of(xml: &Xml<'_>, n: NodeId, what: &str) -> Result<String, XmlError> {
    xml.attr(n, "Algorithm")
        .map(str::to_owned)
        .ok_or_else(|| XmlError::malformed(format!("{what} without Algorithm")))
}

/// Base64 content (XMLDSig §6.1: whitespace allowed anywhere).
pub fn base64_of(text: &str, what: &str) -> Result<Vec<u8>, XmlError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    Base64::decode_vec(&compact).map_err(|_| XmlError::malformed(format!("{what}: not base64")))
}

/// The PrefixList of an exclusive canonicalisation (Exc-C14N §3: `InclusiveNamespaces`
/// in its namespace, `#default` for the default namespace).
fn prefix_list(xml: &Xml<'_>, method_node: NodeId) -> Vec<String> {
    const EXC_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    xml.child(method_node, EXC_NS, "InclusiveNamespaces")
        .and_then(|n| xml.attr(n, "PrefixList"))
        .map(|l| l.split_ascii_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn transform_of(xml: &Xml<'_>, n: NodeId, profile: &Profile) -> Result<Transform, XmlError> {
    let alg = algorithm_of(xml, n, "Transform")?;
    let t = if alg == u::ENVELOPED_SIGNATURE {
        Transform::Enveloped
    } else if let Some(m) = C14nMethod::from_uri(&alg) {
        Transform::C14n(m, prefix_list(xml, n))
    } else {
        return Err(XmlError::UnsupportedTransform { algorithm: alg });
    };
    if !profile.allows_transform(&t) {
        return Err(XmlError::UnsupportedTransform { algorithm: alg });
    }
    Ok(t)
}

/// Reads the `Signature` element `node` (XMLDSig §4.1–§4.4), checking its algorithms
/// against `profile`.
pub fn read_signature(
    xml: &Xml<'_>,
    node: NodeId,
    profile: &Profile,
) -> Result<SignatureInfo, XmlError> {
    let si = need(xml, node, "SignedInfo")?;
    let cm = need(xml, si, "CanonicalizationMethod")?;
    let cm_uri = algorithm_of(xml, cm, "CanonicalizationMethod")?;
    let c14n = C14nMethod::from_uri(&cm_uri)
        .filter(|m| profile.c14n.contains(m))
        .ok_or(XmlError::UnsupportedTransform { algorithm: cm_uri })?;
    let sm = need(xml, si, "SignatureMethod")?;
    let sm_uri = algorithm_of(xml, sm, "SignatureMethod")?;
    let method = SignatureAlg::from_uri(&sm_uri)
        .filter(|m| profile.signature.contains(m))
        .ok_or(XmlError::UnsupportedAlgorithm { algorithm: sm_uri })?;
    if xml.child(sm, u::NS, "HMACOutputLength").is_some() {
        return Err(XmlError::malformed("HMACOutputLength on an RSA method"));
    }
    let mut references = Vec::new();
    for r in xml
        .child_elements(si)
        .filter(|&c| xml.is(c, u::NS, "Reference"))
    {
        if references.len() >= profile.max_references {
            return Err(XmlError::TooLarge {
                limit: "references",
                max: profile.max_references,
            });
        }
        let mut transforms = Vec::new();
        if let Some(ts) = xml.child(r, u::NS, "Transforms") {
            for t in xml.child_elements(ts) {
                transforms.push(transform_of(xml, t, profile)?);
            }
        }
        let dm = need(xml, r, "DigestMethod")?;
        let dm_uri = algorithm_of(xml, dm, "DigestMethod")?;
        let digest = DigestAlg::from_uri(&dm_uri)
            .filter(|d| profile.digest.contains(d))
            .ok_or(XmlError::UnsupportedAlgorithm { algorithm: dm_uri })?;
        let dv = need(xml, r, "DigestValue")?;
        references.push(ReferenceInfo {
            uri: xml.attr(r, "URI").map(str::to_owned),
            transforms,
            digest,
            digest_value: base64_of(&xml.text_of(dv), "DigestValue")?,
        });
    }
    if references.is_empty() {
        return Err(XmlError::malformed("SignedInfo has no Reference"));
    }
    let sv = need(xml, node, "SignatureValue")?;
    let value = base64_of(&xml.text_of(sv), "SignatureValue")?;
    let mut certificates = Vec::new();
    if let Some(ki) = xml.child(node, u::NS, "KeyInfo") {
        for xd in xml
            .child_elements(ki)
            .filter(|&c| xml.is(c, u::NS, "X509Data"))
        {
            for c in xml
                .child_elements(xd)
                .filter(|&c| xml.is(c, u::NS, "X509Certificate"))
            {
                certificates.push(base64_of(&xml.text_of(c), "X509Certificate")?);
            }
        }
    }
    Ok(SignatureInfo {
        node,
        id: xml.attr(node, "Id").map(str::to_owned),
        signed_info: si,
        c14n: (c14n, prefix_list(xml, cm)),
        method,
        references,
        value,
        certificates,
    })
}

/// The canonical SignedInfo: the bytes the signature value signs (XMLDSig §3.2.2).
pub fn signed_info_bytes(xml: &Xml<'_>, sig: &SignatureInfo) -> Result<Vec<u8>, XmlError> {
    let (m, p) = &sig.c14n;
    canonicalize(xml, Subset::element(sig.signed_info), *m, true, p)
}

/// Decodes `%XX` escapes of a URI reference (RFC 3986 §2.1) into UTF-8 (RFC 3987 §3.2:
/// `#%E6%A7%8B%E6%88%90%E6%83%85%E5%A0%B1` is `#構成情報`).
pub fn percent_decode(s: &str) -> Result<String, XmlError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut it = b.iter();
    while let Some(&c) = it.next() {
        if c == b'%' {
            let hex = |x: Option<&u8>| x.and_then(|&h| (h as char).to_digit(16));
            match (hex(it.next()), hex(it.next())) {
                (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                _ => return Err(XmlError::malformed("bad percent escape in a Reference URI")),
            }
        } else {
            out.push(c);
        }
    }
    String::from_utf8(out).map_err(|_| XmlError::malformed("Reference URI is not UTF-8"))
}

/// Dereferences `uri` (XMLDSig §4.3.3.2–§4.3.3.3). External URIs (with a scheme, or
/// absolute, or climbing with `..`) are never fetched: only a relative file name is
/// looked up among `attachments`.
pub fn dereference(
    xml: &Xml<'_>,
    uri: Option<&str>,
    attachments: &dyn Attachments,
) -> Result<Target, XmlError> {
    let Some(uri) = uri else {
        return Err(XmlError::ReferenceMissing { uri: String::new() });
    };
    let missing = || XmlError::ReferenceMissing {
        uri: uri.to_owned(),
    };
    if uri.is_empty() {
        return Ok(Target::Document);
    }
    if let Some(frag) = uri.strip_prefix('#') {
        if frag.starts_with("xpointer(") {
            return Err(XmlError::UnsupportedTransform {
                algorithm: uri.to_owned(),
            });
        }
        let id = percent_decode(frag)?;
        return xml.by_id(&id).map(Target::Element).ok_or_else(missing);
    }
    let name = percent_decode(uri)?;
    let external = name.contains(':')
        || name.starts_with('/')
        || name.contains('\\')
        || name.split('/').any(|c| c == ".." || c.is_empty())
        || name.contains('#')
        || name.contains('?');
    if external {
        return Err(XmlError::wrapping(format!(
            "reference {uri:?} is not a file name beside the document (never fetched)"
        )));
    }
    attachments
        .get(&name)?
        .map(|b| Target::File(name, b))
        .ok_or_else(missing)
}

/// Processes reference `r` of the signature `sig` (XMLDSig §3.2.1): dereferences it,
/// checks the target against `profile` (signature wrapping), applies the transforms,
/// digests and compares with DigestValue. Returns the target.
pub fn check_reference(
    xml: &Xml<'_>,
    sig: &SignatureInfo,
    r: &ReferenceInfo,
    attachments: &dyn Attachments,
    profile: &Profile,
) -> Result<Target, XmlError> {
    let uri = r.uri.clone().unwrap_or_default();
    let target = dereference(xml, r.uri.as_deref(), attachments)?;
    profile.check_target(xml, sig, r, &target)?;
    let digest = digest_target(xml, sig.node, r, &target)?;
    if digest != r.digest_value {
        return Err(XmlError::DigestMismatch { uri });
    }
    Ok(target)
}

/// The digest of what `r` selects, after its transforms (§4.3.3.2: a node-set left at
/// the end is canonicalised with Canonical XML 1.0 without comments). `signature` is the
/// signature element the enveloped transform removes.
pub fn digest_target(
    xml: &Xml<'_>,
    signature: NodeId,
    r: &ReferenceInfo,
    target: &Target,
) -> Result<Vec<u8>, XmlError> {
    let mut h = r.digest.hasher();
    let (apex, keeps_comments) = match target {
        Target::File(_, bytes) => {
            if !r.transforms.is_empty() {
                return Err(XmlError::UnsupportedTransform {
                    algorithm: "a transform on an attached file".into(),
                });
            }
            h.update(bytes);
            return Ok(h.finish());
        }
        Target::Document => (xml.root()?, false),
        Target::Element(n) => (*n, false),
    };
    let mut enveloped = false;
    let mut method = (C14nMethod::Inclusive, Vec::new());
    let mut seen_c14n = false;
    for t in &r.transforms {
        match t {
            Transform::Enveloped if !seen_c14n => enveloped = true,
            Transform::C14n(m, p) if !seen_c14n => {
                method = (*m, p.clone());
                seen_c14n = true;
            }
            _ => {
                return Err(XmlError::UnsupportedTransform {
                    algorithm: "a transform after canonicalisation".into(),
                });
            }
        }
    }
    let subset = Subset {
        apex: (!matches!(target, Target::Document)).then_some(apex),
        cut: (enveloped && xml.is_within(signature, apex) && signature != apex)
            .then_some(signature),
    };
    canonicalize_to(xml, subset, method.0, keeps_comments, &method.1, &mut h)?;
    Ok(h.finish())
}
