//! XML signatures of e-Tax filings, deduction certificates and e-Gov applications (W3C
//! XML Signature Syntax and Processing, Second Edition §3.2: core validation).
//!
//! Every `Signature` element of the document is checked on its own (a filing carries
//! the taxpayer's, the representative's and the tax accountant's side by side): each
//! reference resolved, checked against the profile's rules on where it may point,
//! transformed and digested (§3.2.1, in `inkan-xml`); the signature value over the
//! canonical SignedInfo checked with the key of the signer's certificate from
//! `KeyInfo/X509Data` (§3.2.2); then the signer's purpose, path and revocation exactly
//! as for CMS ([`verify_signer`]). XML signatures carry no signing time, so revocation
//! is judged at the validation time unless the caller gives one. Finally the document
//! is checked for content no valid signature covers
//! ([`inkan_xml::Profile::unsigned_elements`]).

use alloc::string::String;
use alloc::vec::Vec;

use inkan_xml::dsig::{
    Attachments, SignatureInfo, check_reference, read_signature, signature_elements,
    signed_info_bytes,
};
use inkan_xml::{Limits, Profile, SignatureAlg, Target, XmlError};

use super::{Purpose, verify_signer};
use crate::alg::{HashAlg, rsa_key_from_spki, verify_pkcs1v15, verify_pkcs1v15_sha1_legacy};
use crate::error::Error;
use crate::path::{ValidatedPath, ValidationOptions};
use crate::revocation::CertStatus;
use crate::trust::TrustStore;
use crate::x509::Cert;
use crate::x509::jpki::{CertKind, JpkiIdentity, identity};

/// One reference's outcome.
#[derive(Clone, Debug)]
pub struct ReferenceOutcome {
    /// The URI as written.
    pub uri: String,
    /// `Ok` when resolved, allowed and its digest matches.
    pub result: Result<(), XmlError>,
}

/// A signer whose signature and path are valid.
#[derive(Clone, Debug)]
pub struct XmlSigner {
    /// The signer's certificate.
    pub signer: Cert,
    /// Its validated path.
    pub path: ValidatedPath,
    /// Its JPKI kind.
    pub kind: CertKind,
    /// Its JPKI identity, if the certificate carries one.
    pub identity: Option<JpkiIdentity>,
    /// The signature method.
    pub method: SignatureAlg,
}

impl XmlSigner {
    /// Revocation status of the signer certificate.
    pub fn signer_status(&self) -> Option<&CertStatus> {
        self.path.revocation.first()
    }
}

/// One signature's outcome.
#[derive(Clone, Debug)]
pub struct SignatureOutcome {
    /// The signature's `Id`.
    pub id: Option<String>,
    /// Its references, in order (empty when the signature could not be read).
    pub references: Vec<ReferenceOutcome>,
    /// The signer's certificate, when one was found (also when the path fails).
    pub certificate: Option<Cert>,
    /// The verdict.
    pub result: Result<XmlSigner, Error>,
}

impl SignatureOutcome {
    /// Whether this signature is valid.
    pub fn valid(&self) -> bool {
        self.result.is_ok()
    }
}

/// Every signature of a document, and what no valid one covers.
#[derive(Clone, Debug)]
pub struct XmlVerification {
    /// One per `Signature` element, in document order.
    pub signatures: Vec<SignatureOutcome>,
    /// Child elements of the document element covered by no signature whose references
    /// and value are valid (`name#id`).
    pub unsigned: Vec<String>,
}

impl XmlVerification {
    /// Valid: every signature valid and nothing unsigned.
    pub fn valid(&self) -> bool {
        self.unsigned.is_empty() && self.signatures.iter().all(SignatureOutcome::valid)
    }
}

/// The signer among the KeyInfo certificates: the first that is not a CA certificate
/// (XMLDSig §4.4.4 lets X509Data carry the chain too), else the first.
fn pick_signer(certs: &[Cert]) -> Option<&Cert> {
    certs.iter().find(|c| !c.is_ca()).or_else(|| certs.first())
}

/// RSASSA-PKCS1-v1_5 over the canonical SignedInfo (XMLDSig §6.4.2, RFC 6931 §2.3.2).
fn check_value(
    opts: &ValidationOptions<'_>,
    signer: &Cert,
    method: SignatureAlg,
    signed_info: &[u8],
    value: &[u8],
) -> Result<(), Error> {
    let key = rsa_key_from_spki(signer.spki_der())?;
    let what = "XML signature";
    match method {
        SignatureAlg::RsaSha1 => {
            verify_pkcs1v15_sha1_legacy(opts.backend, &key, signed_info, value, what)
        }
        SignatureAlg::RsaSha256 => verify_pkcs1v15(
            opts.backend,
            &key,
            HashAlg::Sha256,
            signed_info,
            value,
            what,
        ),
        SignatureAlg::RsaSha384 => verify_pkcs1v15(
            opts.backend,
            &key,
            HashAlg::Sha384,
            signed_info,
            value,
            what,
        ),
        SignatureAlg::RsaSha512 => verify_pkcs1v15(
            opts.backend,
            &key,
            HashAlg::Sha512,
            signed_info,
            value,
            what,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn one_signature(
    xml: &inkan_xml::Xml<'_>,
    info: &SignatureInfo,
    attachments: &dyn Attachments,
    store: &TrustStore,
    intermediates: &[Cert],
    opts: &ValidationOptions<'_>,
    purpose: Purpose,
    covered: &mut Vec<inkan_xml::NodeId>,
) -> SignatureOutcome {
    let mut references = Vec::with_capacity(info.references.len());
    let mut targets = Vec::new();
    let mut first_err: Option<XmlError> = None;
    for r in &info.references {
        let result = check_reference(xml, info, r, attachments, &Profile::JPKI);
        let result = match result {
            Ok(t) => {
                targets.push(t);
                Ok(())
            }
            Err(e) => {
                first_err.get_or_insert_with(|| e.clone());
                Err(e)
            }
        };
        references.push(ReferenceOutcome {
            uri: r.uri.clone().unwrap_or_default(),
            result,
        });
    }
    let certs: Vec<Cert> = info
        .certificates
        .iter()
        .filter_map(|d| Cert::from_der(d).ok())
        .collect();
    let certificate = pick_signer(&certs).cloned();
    // Covered (for the unsigned-content check) once the references and the value are
    // good, whatever the signer's path: wrapping is about structure, not trust.
    let mut sealed = false;
    let result = (|| {
        if let Some(e) = first_err {
            return Err(Error::Xml(e));
        }
        let signer = certificate.as_ref().ok_or_else(|| Error::Malformed {
            what: "XML signature",
            detail: "no usable certificate in KeyInfo/X509Data".into(),
        })?;
        let si = signed_info_bytes(xml, info).map_err(Error::Xml)?;
        check_value(opts, signer, info.method, &si, &info.value)?;
        sealed = true;
        let (kind, path) =
            verify_signer(signer, &certs, intermediates, store, opts, purpose, None)?;
        Ok(XmlSigner {
            identity: identity(signer)?,
            signer: signer.clone(),
            path,
            kind,
            method: info.method,
        })
    })();
    if sealed {
        for t in targets {
            match t {
                Target::Element(n) => covered.push(n),
                Target::Document => {
                    if let Ok(root) = xml.root() {
                        covered.push(root);
                    }
                }
                Target::File(..) => {}
            }
        }
    }
    SignatureOutcome {
        id: info.id.clone(),
        references,
        certificate,
        result,
    }
}

/// Verifies every XML signature of `document` (see the [module documentation](self)).
///
/// `Err` only for the document as a whole: not XML within `limits`, a DTD, a duplicate
/// ID, no signature at all. Each signature's own failure is in its
/// [`SignatureOutcome::result`].
pub fn verify_xml(
    document: &[u8],
    attachments: &dyn Attachments,
    limits: &Limits,
    store: &TrustStore,
    intermediates: &[Cert],
    opts: &ValidationOptions<'_>,
    purpose: Purpose,
) -> Result<XmlVerification, Error> {
    let xml = inkan_xml::parse(document, limits).map_err(Error::Xml)?;
    let nodes = signature_elements(&xml);
    if nodes.is_empty() {
        return Err(Error::Xml(XmlError::NoSignature));
    }
    let mut covered = Vec::new();
    let mut signatures = Vec::with_capacity(nodes.len());
    for n in nodes {
        signatures.push(match read_signature(&xml, n, &Profile::JPKI) {
            Ok(info) => one_signature(
                &xml,
                &info,
                attachments,
                store,
                intermediates,
                opts,
                purpose,
                &mut covered,
            ),
            Err(e) => SignatureOutcome {
                id: xml.attr(n, "Id").map(str::to_owned),
                references: Vec::new(),
                certificate: None,
                result: Err(Error::Xml(e)),
            },
        });
    }
    let unsigned = Profile::JPKI.unsigned_elements(&xml, &covered);
    Ok(XmlVerification {
        signatures,
        unsigned,
    })
}
