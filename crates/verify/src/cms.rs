//! CMS SignedData verification (RFC 5652 §5) and login signatures.
//!
//! A signature made in the browser with the My Number Card arrives as a CMS SignedData
//! (attached or detached content, RFC 5652 §5.2) with signed attributes (contentType,
//! messageDigest, signingTime, signing-certificate-v2 of RFC 5035). A login arrives as a
//! raw RSASSA-PKCS1-v1_5 signature over a server challenge, made with the
//! user-authentication key.

use alloc::vec::Vec;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{ObjectIdentifier as Oid, OctetString};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;

use crate::cert::Cert;
use crate::crl::CertStatus;
use crate::error::Error;
use crate::jpki::{CertKind, JpkiIdentity, cert_kind, identity};
use crate::name::name_eq;
use crate::oid;
use crate::path::{ValidatedPath, ValidationOptions, verify_path};
use crate::sig::HashAlg;
use crate::time::UnixTime;
use crate::trust::TrustStore;

/// The outcome of a successful CMS verification.
#[derive(Clone, Debug)]
pub struct CmsVerification {
    /// The signer's certificate.
    pub signer: Cert,
    /// The validated path of the signer.
    pub path: ValidatedPath,
    /// eContentType (RFC 5652 §5.2).
    pub content_type: Oid,
    /// The signed content (the eContent, or the detached content given by the caller).
    pub content: Vec<u8>,
    /// The digest algorithm of the signer.
    pub digest: HashAlg,
    /// The signingTime attribute (RFC 5652 §11.3), if present.
    pub signing_time: Option<UnixTime>,
    /// The JPKI certificate kind of the signer.
    pub kind: CertKind,
    /// The JPKI identity of the signer, if the certificate carries one.
    pub identity: Option<JpkiIdentity>,
}

impl CmsVerification {
    /// Revocation status of the signer certificate.
    pub fn signer_status(&self) -> Option<&CertStatus> {
        self.path.revocation.first()
    }
}

/// ESSCertIDv2 (RFC 5035 §4).
#[derive(Clone, Debug, der::Sequence)]
struct EssCertIdV2 {
    /// DEFAULT id-sha256 when absent.
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<der::Any>,
}

/// SigningCertificateV2 (RFC 5035 §3).
#[derive(Clone, Debug, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<der::Any>,
}

fn cms_err(detail: &'static str) -> Error {
    Error::Cms { detail }
}

/// Upper bound on certificates taken from one CMS message.
const MAX_CMS_CERTS: usize = 32;

/// Verifies a DER CMS ContentInfo holding SignedData (RFC 5652 §5.6) with exactly one
/// signer: the signature, the signed attributes, the signer's path to `store` at
/// `opts.at` (certificates from the message plus `intermediates`), and revocation as
/// `opts.revocation` says. When the options carry no signing time, the signingTime
/// attribute is used to tell revocation after signing from revocation before it.
///
/// `detached` is the content when the message does not carry it (RFC 5652 §5.2: eContent
/// absent).
pub fn verify_cms(
    der: &[u8],
    detached: Option<&[u8]>,
    store: &TrustStore,
    intermediates: &[Cert],
    opts: &ValidationOptions<'_>,
) -> Result<CmsVerification, Error> {
    let ci = ContentInfo::from_der(der).map_err(|e| Error::malformed("CMS ContentInfo", e))?;
    if ci.content_type != oid::CMS_SIGNED_DATA {
        return Err(cms_err("not a SignedData"));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| Error::malformed("CMS SignedData", e))?;
    let econtent_type = sd.encap_content_info.econtent_type;
    let content: Vec<u8> = match (&sd.encap_content_info.econtent, detached) {
        (Some(_), Some(_)) => return Err(cms_err("content both attached and detached")),
        (Some(any), None) => {
            let os: OctetString = any
                .decode_as()
                .map_err(|e| Error::malformed("CMS eContent", e))?;
            os.as_bytes().to_vec()
        }
        (None, Some(d)) => d.to_vec(),
        (None, None) => return Err(cms_err("detached signature without content")),
    };

    let mut certs: Vec<Cert> = Vec::new();
    if let Some(set) = &sd.certificates {
        for c in set.0.iter().take(MAX_CMS_CERTS) {
            if let cms::cert::CertificateChoices::Certificate(c) = c {
                let d = c
                    .to_der()
                    .map_err(|e| Error::malformed("CMS certificate", e))?;
                certs.push(Cert::from_der(&d)?);
            }
        }
    }
    let mut signers = sd.signer_infos.0.iter();
    let si = signers.next().ok_or_else(|| cms_err("no signerInfo"))?;
    if signers.next().is_some() {
        return Err(cms_err("more than one signerInfo"));
    }
    // RFC 5652 §5.3: find the signer certificate by sid.
    let signer = certs
        .iter()
        .chain(intermediates.iter())
        .find(|c| match &si.sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                name_eq(&isn.issuer, c.issuer()) && isn.serial_number.as_bytes() == c.serial()
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                c.subject_key_id() == Some(ski.0.as_bytes())
            }
        })
        .cloned()
        .ok_or_else(|| cms_err("signer certificate not found"))?;

    let digest = HashAlg::from_digest_oid(&si.digest_alg.oid).ok_or_else(|| {
        Error::UnsupportedAlgorithm {
            algorithm: alloc::format!("{}", si.digest_alg.oid),
        }
    })?;

    let mut signing_time = None;
    let signed_message: Vec<u8> = match &si.signed_attrs {
        Some(attrs) => {
            let mut digest_ok = false;
            let mut type_ok = false;
            for a in attrs.iter() {
                let mut values = a.values.iter();
                let v = values.next();
                if values.next().is_some() {
                    return Err(cms_err("a signed attribute has more than one value"));
                }
                let Some(v) = v else {
                    return Err(cms_err("a signed attribute has no value"));
                };
                match a.oid {
                    oid::ATTR_MESSAGE_DIGEST => {
                        let md: OctetString = v
                            .decode_as()
                            .map_err(|e| Error::malformed("messageDigest", e))?;
                        if md.as_bytes() != digest.digest(&content).as_slice() {
                            return Err(Error::DigestMismatch);
                        }
                        digest_ok = true;
                    }
                    oid::ATTR_CONTENT_TYPE => {
                        let ct: Oid = v
                            .decode_as()
                            .map_err(|e| Error::malformed("contentType", e))?;
                        if ct != econtent_type {
                            return Err(cms_err("contentType attribute differs from eContentType"));
                        }
                        type_ok = true;
                    }
                    oid::ATTR_SIGNING_TIME => {
                        let t = x509_cert::time::Time::from_der(
                            &v.to_der().map_err(|e| Error::malformed("signingTime", e))?,
                        )
                        .map_err(|e| Error::malformed("signingTime", e))?;
                        signing_time = Some(UnixTime::from_x509(&t));
                    }
                    oid::ATTR_SIGNING_CERT_V2 => {
                        let sc: SigningCertificateV2 = v
                            .decode_as()
                            .map_err(|e| Error::malformed("signingCertificateV2", e))?;
                        let first = sc
                            .certs
                            .first()
                            .ok_or_else(|| cms_err("empty signingCertificateV2"))?;
                        let h_oid = first.hash_algorithm.as_ref().map_or(oid::SHA256, |a| a.oid);
                        let h = HashAlg::from_digest_oid(&h_oid).ok_or_else(|| {
                            Error::UnsupportedAlgorithm {
                                algorithm: alloc::format!("{h_oid}"),
                            }
                        })?;
                        if first.cert_hash.as_bytes() != h.digest(signer.der()).as_slice() {
                            return Err(cms_err(
                                "signingCertificateV2 does not match the signer certificate",
                            ));
                        }
                    }
                    _ => {}
                }
            }
            // RFC 5652 §5.3: both attributes are required when signedAttrs is present.
            if !digest_ok || !type_ok {
                return Err(cms_err("signedAttrs lacks messageDigest or contentType"));
            }
            attrs
                .to_der()
                .map_err(|e| Error::malformed("signedAttrs", e))?
        }
        None => {
            if econtent_type != oid::CMS_DATA {
                return Err(cms_err(
                    "signedAttrs are required for content types other than id-data",
                ));
            }
            content.clone()
        }
    };
    crate::sig::verify_with_spki(
        opts.backend,
        signer.spki_der(),
        &si.signature_algorithm,
        Some(&si.digest_alg),
        &signed_message,
        si.signature.as_bytes(),
        "CMS signer",
    )?;

    let mut o = opts.clone();
    if let Some(r) = o.revocation.as_mut()
        && r.signing_time.is_none()
    {
        r.signing_time = signing_time;
    }
    let path = verify_path(&signer, &certs, store, &o).or_else(|e| match e {
        Error::UnknownIssuer { .. } if !intermediates.is_empty() => {
            let mut all = certs.clone();
            all.extend_from_slice(intermediates);
            verify_path(&signer, &all, store, &o)
        }
        e => Err(e),
    })?;
    Ok(CmsVerification {
        kind: cert_kind(&signer),
        identity: identity(&signer)?,
        signer,
        path,
        content_type: econtent_type,
        content,
        digest,
        signing_time,
    })
}

/// The outcome of a successful login verification.
#[derive(Clone, Debug)]
pub struct LoginVerification {
    /// The validated path of the user-authentication certificate.
    pub path: ValidatedPath,
    /// The certificate's subject (for JPKI: `CN=<opaque id>, C=JP`), RFC 4514 form.
    pub subject: alloc::string::String,
}

/// Verifies a login: `signature` is RSASSA-PKCS1-v1_5 with `hash` over `challenge` by the
/// key of `cert`, which must be a JPKI user-authentication certificate (by policy) with a
/// valid path to `store` at `opts.at`.
pub fn verify_login(
    challenge: &[u8],
    signature: &[u8],
    hash: HashAlg,
    cert: &Cert,
    intermediates: &[Cert],
    store: &TrustStore,
    opts: &ValidationOptions<'_>,
) -> Result<LoginVerification, Error> {
    if cert_kind(cert) != CertKind::UserAuthentication {
        return Err(Error::CertificateKind {
            expected: "user-authentication",
        });
    }
    let key = crate::sig::rsa_key_from_spki(cert.spki_der())?;
    crate::sig::verify_pkcs1v15(opts.backend, &key, hash, challenge, signature, "login")?;
    let path = verify_path(cert, intermediates, store, opts)?;
    Ok(LoginVerification {
        subject: alloc::format!("{}", cert.subject()),
        path,
    })
}
