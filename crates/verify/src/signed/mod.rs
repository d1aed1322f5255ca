//! Signed objects: what every format shares once its own structure is checked.
//!
//! A format (CMS today; XML and PDF next) finds the signer's certificate and checks its
//! own signature and digests; then [`verify_signer`] does the rest, the same for all: the
//! certificate must be fit for the purpose (a document signature needs a signature
//! certificate — the JPKI user-authentication key signs whatever a login server sends,
//! so a document "signed" with it proves nothing — with digitalSignature or
//! nonRepudiation, RFC 5280 §4.2.1.3, and an extended key usage, if any, that allows
//! document signing, §4.2.1.12; a login needs the user-authentication certificate), and
//! the certification path to a trust anchor is validated at the validation time, with
//! revocation judged against the signing time and where that time comes from.

mod ber;
pub mod cms;
pub mod login;
pub mod xml;

use crate::error::Error;
use crate::oid;
use crate::path::{ValidatedPath, ValidationOptions, verify_path};
use crate::revocation::TimeSource;
use crate::time::UnixTime;
use crate::trust::TrustStore;
use crate::x509::jpki::{CertKind, cert_kind};
use crate::x509::{Cert, KeyUsageBits};

/// What a signature is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Purpose {
    /// A signed document (CMS, XML, PDF). `allow_auth_cert` accepts the JPKI
    /// user-authentication certificate as signer (`--allow-auth-cert`).
    Document {
        /// Accept a user-authentication certificate.
        allow_auth_cert: bool,
    },
    /// A login: a challenge signed with the user-authentication key.
    Login,
}

/// The purposes an extended key usage must name for a document signature (RFC 5280
/// §4.2.1.12; RFC 9336 §3.1 documentSigning; emailProtection, which S/MIME and CMS
/// signers carry; anyExtendedKeyUsage).
const DOCUMENT_PURPOSES: [der::asn1::ObjectIdentifier; 3] = [
    oid::KP_DOCUMENT_SIGNING,
    oid::KP_EMAIL_PROTECTION,
    oid::ANY_EXTENDED_KEY_USAGE,
];

/// The purposes an extended key usage must name for a login (TLS-style client
/// authentication).
const LOGIN_PURPOSES: [der::asn1::ObjectIdentifier; 2] =
    [oid::KP_CLIENT_AUTH, oid::ANY_EXTENDED_KEY_USAGE];

/// Checks that `signer` may make a signature for `purpose`; returns its JPKI kind.
pub fn check_purpose(signer: &Cert, purpose: Purpose) -> Result<CertKind, Error> {
    let kind = cert_kind(signer);
    let (eku_ok, missing): (&[der::asn1::ObjectIdentifier], &'static str) = match purpose {
        Purpose::Document { allow_auth_cert } => {
            if kind == CertKind::UserAuthentication && !allow_auth_cert {
                return Err(Error::CertificateKind {
                    expected: "signature",
                    found: kind.as_str(),
                });
            }
            let ku = signer.key_usage();
            if ku.is_some_and(|k| {
                !k.contains(KeyUsageBits::DIGITAL_SIGNATURE)
                    && !k.contains(KeyUsageBits::NON_REPUDIATION)
            }) {
                return Err(Error::KeyUsage {
                    depth: 0,
                    missing: "digitalSignature or nonRepudiation",
                });
            }
            (
                &DOCUMENT_PURPOSES,
                "an extended key usage for document signing",
            )
        }
        Purpose::Login => {
            if kind != CertKind::UserAuthentication {
                return Err(Error::CertificateKind {
                    expected: "user-authentication",
                    found: kind.as_str(),
                });
            }
            if signer
                .key_usage()
                .is_some_and(|k| !k.contains(KeyUsageBits::DIGITAL_SIGNATURE))
            {
                return Err(Error::KeyUsage {
                    depth: 0,
                    missing: "digitalSignature",
                });
            }
            (
                &LOGIN_PURPOSES,
                "an extended key usage for client authentication",
            )
        }
    };
    if let Some((purposes, _critical)) = signer.extended_key_usage()
        && !purposes.iter().any(|p| eku_ok.contains(p))
    {
        return Err(Error::KeyUsage { depth: 0, missing });
    }
    Ok(kind)
}

/// The shared step of every format: `signer` fit for `purpose`, and its path from the
/// `pool` of certificates (those of the signed object, then the caller's
/// intermediates) to an anchor of `store` at `opts.at`; revocation judged against
/// `signing_time` when the options do not set one.
pub fn verify_signer(
    signer: &Cert,
    object_certs: &[Cert],
    intermediates: &[Cert],
    store: &TrustStore,
    opts: &ValidationOptions<'_>,
    purpose: Purpose,
    signing_time: Option<(UnixTime, TimeSource)>,
) -> Result<(CertKind, ValidatedPath), Error> {
    let kind = check_purpose(signer, purpose)?;
    let mut o = opts.clone();
    if let Some(r) = o.revocation.as_mut()
        && r.signing_time.is_none()
    {
        r.signing_time = signing_time;
    }
    // The caller's intermediates are tried alone first: decoy certificates in the
    // signed object cannot spend the work budget the intermediates need. Then all.
    let path = if intermediates.is_empty() {
        verify_path(signer, object_certs, store, &o)?
    } else {
        match verify_path(signer, intermediates, store, &o) {
            Ok(p) => p,
            Err(_) => {
                let mut all = intermediates.to_vec();
                all.extend_from_slice(object_certs);
                verify_path(signer, &all, store, &o)?
            }
        }
    };
    Ok((kind, path))
}
