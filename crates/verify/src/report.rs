//! What a verification reports, as serde types: the CLI prints them as JSON (`inkan
//! verify … --json`), the service returns them, and nobody maps errors to JSON by hand.
//! Times are RFC 3339 UTC strings, serials and hashes lowercase hex.

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use crate::error::{CrlRef, Error, OcspRef};
use crate::path::ValidatedPath;
use crate::revocation::{CertStatus, TimeSource};
use crate::signed::cms::CmsVerification;
use crate::signed::login::LoginVerification;
use crate::signed::xml::{SignatureOutcome, XmlVerification};
use crate::time::UnixTime;
use crate::trust::{AnchorSource, TrustAnchor};
use crate::x509::jpki::{CertKind, JpkiIdentity, Sex};
use crate::x509::{Cert, hex_string};

/// A certificate, as reports show it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CertReport {
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// notBefore.
    pub not_before: String,
    /// notAfter.
    pub not_after: String,
    /// SHA-256 of the DER.
    pub sha256: String,
}

impl From<&Cert> for CertReport {
    fn from(c: &Cert) -> Self {
        Self {
            subject: c.subject_string(),
            issuer: c.issuer_string(),
            serial: c.serial_hex(),
            not_before: c.not_before().to_string(),
            not_after: c.not_after().to_string(),
            sha256: hex_string(&c.sha256()),
        }
    }
}

/// The trust anchor a path ends at.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AnchorReport {
    /// The anchor certificate.
    #[serde(flatten)]
    pub cert: CertReport,
    /// `pinned` (a published J-LIS root) or `explicit` (named by the operator).
    pub source: &'static str,
    /// The J-LIS root's label, when pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<&'static str>,
}

impl From<&TrustAnchor> for AnchorReport {
    fn from(a: &TrustAnchor) -> Self {
        let (source, label) = match a.source {
            AnchorSource::Pinned(pin) => ("pinned", Some(pin.label)),
            AnchorSource::Explicit => ("explicit", None),
        };
        Self {
            cert: (&a.cert).into(),
            source,
            label,
        }
    }
}

/// A CRL that decided a status.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CrlReport {
    /// cRLNumber, hex (`null` without one).
    pub number: Option<String>,
    /// thisUpdate.
    pub this_update: String,
    /// nextUpdate.
    pub next_update: Option<String>,
    /// The delta CRL applied: its number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_number: Option<Option<String>>,
    /// The delta CRL applied: its thisUpdate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_this_update: Option<String>,
    /// The certificate is on this CRL with a revocationDate after the validation time:
    /// good then, revoked (or on hold) from this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_later: Option<String>,
}

impl From<&CrlRef> for CrlReport {
    fn from(r: &CrlRef) -> Self {
        Self {
            number: r.number.clone(),
            this_update: r.this_update.to_string(),
            next_update: r.next_update.map(|t| t.to_string()),
            delta_number: r.delta.as_ref().map(|d| d.0.clone()),
            delta_this_update: r.delta.as_ref().map(|d| d.1.to_string()),
            revoked_later: r.revoked_later.map(|t| t.to_string()),
        }
    }
}

/// The OCSP response that decided (RFC 6960 §4.2.1).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct OcspReport {
    /// The responder's URL.
    pub url: String,
    /// producedAt.
    pub produced_at: String,
    /// thisUpdate.
    pub this_update: String,
    /// nextUpdate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_update: Option<String>,
    /// `issuer` (signed by the certificate's issuer) or `delegated` (by a responder
    /// certificate the issuer gave id-kp-OCSPSigning).
    pub responder: &'static str,
}

impl From<&OcspRef> for OcspReport {
    fn from(r: &OcspRef) -> Self {
        Self {
            url: r.url.clone(),
            produced_at: r.produced_at.to_string(),
            this_update: r.this_update.to_string(),
            next_update: r.next_update.map(|t| t.to_string()),
            responder: r.responder.as_str(),
        }
    }
}

/// The revocation status of one certificate.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RevocationReport {
    /// `not-checked`, `good`, `revoked-after-signing` or `unknown`.
    pub status: &'static str,
    /// revocationDate, when revoked after signing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// The reason, when revoked after signing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// Why the status is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'static str>,
    /// The CRLs that decided.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crls: Vec<CrlReport>,
    /// The OCSP response that decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocsp: Option<OcspReport>,
}

impl From<Option<&CertStatus>> for RevocationReport {
    fn from(s: Option<&CertStatus>) -> Self {
        let mut r = Self {
            status: "not-checked",
            revoked_at: None,
            reason: None,
            detail: None,
            crls: Vec::new(),
            ocsp: None,
        };
        match s {
            None | Some(CertStatus::NotChecked) => {}
            Some(CertStatus::Good { crls, ocsp }) => {
                r.status = "good";
                r.crls = crls.iter().map(CrlReport::from).collect();
                r.ocsp = ocsp.as_ref().map(OcspReport::from);
            }
            Some(CertStatus::RevokedAfterSigning {
                revoked_at,
                reason,
                crl,
                ocsp,
            }) => {
                r.status = "revoked-after-signing";
                r.revoked_at = Some(revoked_at.to_string());
                r.reason = Some(reason.name());
                r.crls = crl.iter().map(CrlReport::from).collect();
                r.ocsp = ocsp.as_ref().map(OcspReport::from);
            }
            Some(CertStatus::Unknown { detail }) => {
                r.status = "unknown";
                r.detail = Some(detail);
            }
        }
        r
    }
}

/// The JPKI identity in a signature certificate.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct IdentityReport {
    /// Name.
    pub name: Option<String>,
    /// Name substitute-character flags, verbatim.
    pub name_substitute_flags: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Address substitute-character flags, verbatim.
    pub address_substitute_flags: Option<String>,
    /// Birth date `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// The era digit the certificate records before the date.
    pub birth_date_era_digit: Option<u8>,
    /// `male`, `female`, `not-applicable` or `other`.
    pub sex: Option<&'static str>,
    /// The recorded code (`1`, `2`, `9`, …).
    pub sex_code: Option<String>,
}

impl From<&JpkiIdentity> for IdentityReport {
    fn from(id: &JpkiIdentity) -> Self {
        let (sex, sex_code) = id
            .sex
            .as_ref()
            .map(|s| match s {
                Sex::Male => ("male", String::from("1")),
                Sex::Female => ("female", String::from("2")),
                Sex::NotApplicable => ("not-applicable", String::from("9")),
                Sex::Other(v) => ("other", v.clone()),
            })
            .unzip();
        Self {
            name: id.name.clone(),
            name_substitute_flags: id.name_substitute_flags.clone(),
            address: id.address.clone(),
            address_substitute_flags: id.address_substitute_flags.clone(),
            birth_date: id
                .birth_date
                .map(|b| alloc::format!("{:04}-{:02}-{:02}", b.year, b.month, b.day)),
            birth_date_era_digit: id.birth_date.map(|b| b.era_digit),
            sex,
            sex_code,
        }
    }
}

/// `verify chain`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ChainReport {
    /// The validation time.
    pub at: String,
    /// The end-entity certificate.
    pub leaf: CertReport,
    /// Its JPKI kind.
    pub kind: &'static str,
    /// Its JPKI identity.
    pub identity: Option<IdentityReport>,
    /// The path, leaf first, up to the certificate the anchor issued.
    pub chain: Vec<CertReport>,
    /// The trust anchor.
    pub anchor: AnchorReport,
    /// The user-constrained policy set (RFC 5280 §6.1.6).
    pub policies: Vec<String>,
    /// Whether revocation was checked.
    pub revocation_checked: bool,
    /// Per certificate of `chain`.
    pub revocation: Vec<RevocationReport>,
}

impl ChainReport {
    /// The report of a validated path for `leaf` at `at`.
    pub fn new(leaf: &Cert, path: &ValidatedPath, at: UnixTime, revocation_checked: bool) -> Self {
        Self {
            at: at.to_string(),
            leaf: leaf.into(),
            kind: crate::x509::jpki::cert_kind(leaf).as_str(),
            identity: crate::x509::jpki::identity(leaf)
                .ok()
                .flatten()
                .as_ref()
                .map(IdentityReport::from),
            chain: path.chain.iter().map(CertReport::from).collect(),
            anchor: (&path.anchor).into(),
            policies: path
                .policies
                .iter()
                .map(|o| alloc::format!("{o}"))
                .collect(),
            revocation_checked,
            revocation: path
                .revocation
                .iter()
                .map(|s| RevocationReport::from(Some(s)))
                .collect(),
        }
    }
}

/// `verify cms`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CmsReport {
    /// The validation time.
    pub at: String,
    /// The signer's certificate.
    pub signer: CertReport,
    /// Its JPKI kind.
    pub kind: &'static str,
    /// Its JPKI identity.
    pub identity: Option<IdentityReport>,
    /// The signingTime attribute.
    pub signing_time: Option<String>,
    /// Where `signing_time` comes from: `signer` (a claim by the holder of the key).
    pub signing_time_source: Option<&'static str>,
    /// The signer's revocation status.
    pub revocation: RevocationReport,
    /// eContentType.
    pub content_type: String,
    /// Whether the content was given separately.
    pub detached: bool,
    /// Bytes of signed content.
    pub content_length: usize,
    /// The digest algorithm.
    pub digest: &'static str,
    /// The trust anchor.
    pub anchor: AnchorReport,
}

impl CmsReport {
    /// The report of a verified CMS at `at`.
    pub fn new(v: &CmsVerification, at: UnixTime, detached: bool) -> Self {
        Self {
            at: at.to_string(),
            signer: (&v.signer).into(),
            kind: v.kind.as_str(),
            identity: v.identity.as_ref().map(IdentityReport::from),
            signing_time: v.signing_time.map(|t| t.to_string()),
            signing_time_source: v.signing_time.map(|_| time_source(TimeSource::Signer)),
            revocation: v.signer_status().into(),
            content_type: alloc::format!("{}", v.content_type),
            detached,
            content_length: v.content_len,
            digest: v.digest.name(),
            anchor: (&v.path.anchor).into(),
        }
    }
}

fn time_source(s: TimeSource) -> &'static str {
    match s {
        TimeSource::Signer => "signer",
        TimeSource::Caller => "caller",
    }
}

/// `verify xml`: every signature of the document.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct XmlReport {
    /// The validation time.
    pub at: String,
    /// Every signature is valid and no content is unsigned.
    pub valid: bool,
    /// One per `Signature` element, in document order.
    pub signatures: Vec<XmlSignatureReport>,
    /// Child elements of the document element no valid signature covers (`name#id`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsigned_elements: Vec<String>,
    /// Set when `unsigned_elements` is not empty: the `xml-wrapping` error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

/// One reference of an XML signature.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct XmlReferenceReport {
    /// The URI as written.
    pub uri: String,
    /// Resolved, allowed, and its digest matches.
    pub valid: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

/// One XML signature.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct XmlSignatureReport {
    /// The signature's `Id`.
    pub id: Option<String>,
    /// Its verdict.
    pub valid: bool,
    /// Its references.
    pub references: Vec<XmlReferenceReport>,
    /// The signer's certificate (when KeyInfo carries one, also for an invalid signature).
    pub signer: Option<CertReport>,
    /// Its JPKI kind.
    pub certificate_kind: Option<&'static str>,
    /// Its JPKI identity (valid signatures only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityReport>,
    /// The signature method URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_method: Option<&'static str>,
    /// The signer's revocation status (valid signatures; an invalid one's is in `error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation: Option<RevocationReport>,
    /// The trust anchor (valid signatures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<AnchorReport>,
    /// Why the signature is not valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

impl From<&SignatureOutcome> for XmlSignatureReport {
    fn from(o: &SignatureOutcome) -> Self {
        let references = o
            .references
            .iter()
            .map(|r| XmlReferenceReport {
                uri: r.uri.clone(),
                valid: r.result.is_ok(),
                error: r
                    .result
                    .as_ref()
                    .err()
                    .map(|e| ErrorReport::from(&Error::Xml(e.clone()))),
            })
            .collect();
        let kind = o
            .certificate
            .as_ref()
            .map(|c| crate::x509::jpki::cert_kind(c).as_str());
        match &o.result {
            Ok(s) => Self {
                id: o.id.clone(),
                valid: true,
                references,
                signer: Some((&s.signer).into()),
                certificate_kind: Some(s.kind.as_str()),
                identity: s.identity.as_ref().map(IdentityReport::from),
                signature_method: Some(s.method.uri()),
                revocation: Some(s.signer_status().into()),
                anchor: Some((&s.path.anchor).into()),
                error: None,
            },
            Err(e) => Self {
                id: o.id.clone(),
                valid: false,
                references,
                signer: o.certificate.as_ref().map(CertReport::from),
                certificate_kind: kind,
                identity: None,
                signature_method: None,
                revocation: None,
                anchor: None,
                error: Some(e.into()),
            },
        }
    }
}

impl XmlReport {
    /// The report of a verified document at `at`.
    pub fn new(v: &XmlVerification, at: UnixTime) -> Self {
        let error = (!v.unsigned.is_empty()).then(|| {
            ErrorReport::from(&Error::Xml(inkan_xml::XmlError::Wrapping {
                detail: alloc::format!("no valid signature covers {}", v.unsigned.join(", ")),
            }))
        });
        Self {
            at: at.to_string(),
            valid: v.valid(),
            signatures: v.signatures.iter().map(XmlSignatureReport::from).collect(),
            unsigned_elements: v.unsigned.clone(),
            error,
        }
    }
}

/// `verify login`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LoginReport {
    /// The validation time.
    pub at: String,
    /// The certificate's subject.
    pub subject: String,
    /// Its JPKI kind.
    pub kind: &'static str,
    /// The user-authentication certificate.
    pub certificate: CertReport,
    /// Its revocation status.
    pub revocation: RevocationReport,
    /// The trust anchor.
    pub anchor: AnchorReport,
}

impl LoginReport {
    /// The report of a verified login at `at`.
    pub fn new(v: &LoginVerification, cert: &Cert, at: UnixTime) -> Self {
        Self {
            at: at.to_string(),
            subject: v.subject.clone(),
            kind: CertKind::as_str(v.kind),
            certificate: cert.into(),
            revocation: v.path.revocation.first().into(),
            anchor: (&v.path.anchor).into(),
        }
    }
}

/// A failed verification: the stable code, a message and the context.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ErrorReport {
    /// Stable kebab-case code ([`Error::code`]).
    pub code: &'static str,
    /// Human message.
    pub message: String,
    /// Position in the path (0 = leaf).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<usize>,
    /// Serial of the revoked certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// revocationDate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// Revocation reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// invalidityDate of the CRL entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalidity_date: Option<String>,
    /// The signing time revocation was compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_time: Option<String>,
    /// The CRL that decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crl: Option<CrlReport>,
    /// The OCSP response that decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocsp: Option<OcspReport>,
    /// notAfter of an expired certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// notBefore of a certificate not yet valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// The validation time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The certificate kind expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<&'static str>,
    /// The certificate kind found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<&'static str>,
    /// SHA-256 of a refused anchor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Why an anchor was refused, or other detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The OID of an unsupported algorithm or unknown extension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
    /// The byte offset in a CRL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
}

impl From<&Error> for ErrorReport {
    fn from(e: &Error) -> Self {
        let mut r = Self {
            code: e.code(),
            message: e.to_string(),
            depth: None,
            serial: None,
            revoked_at: None,
            reason: None,
            invalidity_date: None,
            signing_time: None,
            crl: None,
            ocsp: None,
            not_after: None,
            not_before: None,
            at: None,
            expected: None,
            found: None,
            sha256: None,
            detail: None,
            oid: None,
            offset: None,
        };
        match e {
            Error::Revoked {
                depth,
                serial,
                revoked_at,
                reason,
                invalidity,
                crl,
                ocsp,
            } => {
                r.depth = Some(*depth);
                r.serial = Some(serial.clone());
                r.revoked_at = Some(revoked_at.to_string());
                r.reason = Some(reason.name());
                r.invalidity_date = invalidity.map(|t| t.to_string());
                r.crl = crl.as_deref().map(CrlReport::from);
                r.ocsp = ocsp.as_deref().map(OcspReport::from);
            }
            Error::RevokedAfterSigning {
                depth,
                serial,
                revoked_at,
                signing_time,
                reason,
                crl,
                ocsp,
            } => {
                r.depth = Some(*depth);
                r.serial = Some(serial.clone());
                r.revoked_at = Some(revoked_at.to_string());
                r.signing_time = Some(signing_time.to_string());
                r.reason = Some(reason.name());
                r.crl = crl.as_deref().map(CrlReport::from);
                r.ocsp = ocsp.as_deref().map(OcspReport::from);
            }
            Error::Expired {
                depth,
                not_after,
                at,
            } => {
                r.depth = Some(*depth);
                r.not_after = Some(not_after.to_string());
                r.at = Some(at.to_string());
            }
            Error::NotYetValid {
                depth,
                not_before,
                at,
            } => {
                r.depth = Some(*depth);
                r.not_before = Some(not_before.to_string());
                r.at = Some(at.to_string());
            }
            Error::RevocationUnknown { depth, detail } => {
                r.depth = Some(*depth);
                r.detail = Some(String::from(*detail));
            }
            Error::NotCa { depth }
            | Error::PathLength { depth }
            | Error::KeyUsage { depth, .. }
            | Error::NameConstraints { depth, .. } => r.depth = Some(*depth),
            Error::UnknownCriticalExtension { depth, oid } => {
                r.depth = Some(*depth);
                r.oid = Some(oid.clone());
            }
            Error::UnsupportedAlgorithm { algorithm } => r.oid = Some(algorithm.clone()),
            Error::CertificateKind { expected, found } => {
                r.expected = Some(expected);
                r.found = Some(found);
            }
            Error::UntrustedRoot { sha256, reason } => {
                r.sha256 = Some(sha256.clone());
                r.detail = Some(String::from(*reason));
            }
            Error::Crl(c) => r.offset = c.offset(),
            _ => {}
        }
        r
    }
}
