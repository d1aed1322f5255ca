//! Typed verification errors with stable codes.

use alloc::string::String;
use core::fmt;

use crate::crl::RevocationReason;
use crate::time::UnixTime;

/// Why a verification failed.
///
/// Each variant carries the context needed for a useful message; [`Error::code`] maps it
/// to a stable kebab-case string for JSON output and for the JavaScript API. `depth`
/// counts certificates from the leaf (0) towards the trust anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Input could not be parsed or violates a MUST of the profile (DER, RFC 5280 §4, RFC 5652 §5).
    Malformed {
        /// What was being parsed.
        what: &'static str,
        /// Parser detail.
        detail: String,
    },
    /// An algorithm (signature, digest, key type) this crate does not implement.
    UnsupportedAlgorithm {
        /// Dotted OID or name of the algorithm.
        algorithm: String,
    },
    /// A signature did not verify (certificate, CRL, CMS signer or login signature).
    BadSignature {
        /// What was signed.
        what: &'static str,
    },
    /// The certificate's notAfter is before the validation time (RFC 5280 §6.1.3 (a)(2)).
    Expired {
        /// Position in the path (0 = leaf).
        depth: usize,
        /// The certificate's notAfter.
        not_after: UnixTime,
        /// The validation time.
        at: UnixTime,
    },
    /// The certificate's notBefore is after the validation time (RFC 5280 §6.1.3 (a)(2)).
    NotYetValid {
        /// Position in the path (0 = leaf).
        depth: usize,
        /// The certificate's notBefore.
        not_before: UnixTime,
        /// The validation time.
        at: UnixTime,
    },
    /// No path to a trust anchor: no certificate with a matching name, key identifier
    /// and signature (RFC 5280 §6.1.3 (a)(1), (a)(4)).
    UnknownIssuer {
        /// The issuer name that could not be found (RFC 4514 form).
        issuer: String,
    },
    /// A root certificate offered to [`crate::TrustStore::add_pinned`] matches none of
    /// the pinned J-LIS fingerprints.
    UntrustedRoot {
        /// SHA-256 of the offered certificate's DER, lowercase hex.
        sha256: String,
    },
    /// An intermediate certificate is not a CA (basicConstraints, RFC 5280 §6.1.4 (k)).
    NotCa {
        /// Position in the path.
        depth: usize,
    },
    /// pathLenConstraint exceeded (RFC 5280 §6.1.4 (l), (m)).
    PathLength {
        /// Position in the path of the certificate that broke the limit.
        depth: usize,
    },
    /// A required key usage bit is missing (RFC 5280 §6.1.4 (n), §4.2.1.3).
    KeyUsage {
        /// Position in the path.
        depth: usize,
        /// Name of the missing bit.
        missing: &'static str,
    },
    /// Certificate policy processing failed (RFC 5280 §6.1.3 (d)–(f), §6.1.4 (a), §6.1.5 (g)).
    Policy {
        /// Which rule failed.
        detail: &'static str,
    },
    /// A name is outside the permitted or inside the excluded subtrees
    /// (RFC 5280 §6.1.3 (b), (c)).
    NameConstraints {
        /// Position in the path.
        depth: usize,
        /// The offending name.
        name: String,
    },
    /// A critical extension this crate does not process (RFC 5280 §4.2, §6.1.4 (o), §6.1.5 (f)).
    UnknownCriticalExtension {
        /// Position in the path (or `usize::MAX` for a CRL).
        depth: usize,
        /// Dotted OID of the extension.
        oid: String,
    },
    /// Path building or policy processing ran out of its work budget.
    BudgetExceeded {
        /// Which budget.
        what: &'static str,
    },
    /// The certificate was revoked at or before the relevant time (RFC 5280 §6.3).
    Revoked {
        /// Position in the path.
        depth: usize,
        /// Serial number, hex.
        serial: String,
        /// The CRL entry's revocationDate.
        revoked_at: UnixTime,
        /// The CRL entry's reasonCode (absent means unspecified).
        reason: RevocationReason,
    },
    /// The certificate was revoked, but only after the signing time given by the caller
    /// (or the CMS signing-time). The signature was made while the certificate was good;
    /// whether that is acceptable is the relying party's decision.
    RevokedAfterSigning {
        /// Position in the path.
        depth: usize,
        /// Serial number, hex.
        serial: String,
        /// The CRL entry's revocationDate.
        revoked_at: UnixTime,
        /// The signing time it was compared with.
        signing_time: UnixTime,
        /// The CRL entry's reasonCode.
        reason: RevocationReason,
    },
    /// No usable CRL determines the certificate's status (RFC 5280 §6.3.3 (k)).
    RevocationUnknown {
        /// Position in the path.
        depth: usize,
        /// Why no usable CRL was found.
        detail: &'static str,
    },
    /// The CMS message digest attribute does not match the content (RFC 5652 §11.2).
    DigestMismatch,
    /// The CMS structure is valid DER but cannot be verified as asked (RFC 5652 §5).
    Cms {
        /// What is wrong.
        detail: &'static str,
    },
    /// The certificate is not of the JPKI kind the caller asked for.
    CertificateKind {
        /// What was expected.
        expected: &'static str,
    },
    /// Reading a file failed (only with the `std` feature).
    Io {
        /// Path and OS error.
        detail: String,
    },
}

impl Error {
    /// A stable kebab-case code, for JSON output and the JavaScript API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed",
            Self::UnsupportedAlgorithm { .. } => "unsupported-algorithm",
            Self::BadSignature { .. } => "bad-signature",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not-yet-valid",
            Self::UnknownIssuer { .. } => "unknown-issuer",
            Self::UntrustedRoot { .. } => "untrusted-root",
            Self::NotCa { .. } => "not-ca",
            Self::PathLength { .. } => "path-length",
            Self::KeyUsage { .. } => "key-usage",
            Self::Policy { .. } => "policy",
            Self::NameConstraints { .. } => "name-constraints",
            Self::UnknownCriticalExtension { .. } => "unknown-critical-extension",
            Self::BudgetExceeded { .. } => "budget-exceeded",
            Self::Revoked { .. } => "revoked",
            Self::RevokedAfterSigning { .. } => "revoked-after-signing",
            Self::RevocationUnknown { .. } => "revocation-unknown",
            Self::DigestMismatch => "digest-mismatch",
            Self::Cms { .. } => "cms",
            Self::CertificateKind { .. } => "certificate-kind",
            Self::Io { .. } => "io",
        }
    }

    pub(crate) fn malformed(what: &'static str, e: impl fmt::Display) -> Self {
        Self::Malformed {
            what,
            detail: alloc::format!("{e}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { what, detail } => write!(f, "malformed {what}: {detail}"),
            Self::UnsupportedAlgorithm { algorithm } => {
                write!(f, "unsupported algorithm {algorithm}")
            }
            Self::BadSignature { what } => write!(f, "the {what} signature does not verify"),
            Self::Expired {
                depth,
                not_after,
                at,
            } => write!(
                f,
                "certificate at depth {depth} expired at {not_after} (validation time {at})"
            ),
            Self::NotYetValid {
                depth,
                not_before,
                at,
            } => write!(
                f,
                "certificate at depth {depth} is valid only from {not_before} (validation time {at})"
            ),
            Self::UnknownIssuer { issuer } => {
                write!(f, "no trusted issuer found for \"{issuer}\"")
            }
            Self::UntrustedRoot { sha256 } => write!(
                f,
                "root certificate {sha256} matches no pinned J-LIS root fingerprint"
            ),
            Self::NotCa { depth } => write!(f, "certificate at depth {depth} is not a CA"),
            Self::PathLength { depth } => {
                write!(f, "path length constraint exceeded at depth {depth}")
            }
            Self::KeyUsage { depth, missing } => {
                write!(f, "certificate at depth {depth} lacks key usage {missing}")
            }
            Self::Policy { detail } => write!(f, "certificate policy check failed: {detail}"),
            Self::NameConstraints { depth, name } => write!(
                f,
                "name {name} of the certificate at depth {depth} violates name constraints"
            ),
            Self::UnknownCriticalExtension { depth, oid } => {
                write!(f, "unknown critical extension {oid} (depth {depth})")
            }
            Self::BudgetExceeded { what } => write!(f, "work budget exceeded: {what}"),
            Self::Revoked {
                depth,
                serial,
                revoked_at,
                reason,
            } => write!(
                f,
                "certificate {serial} at depth {depth} was revoked at {revoked_at} ({reason})"
            ),
            Self::RevokedAfterSigning {
                depth,
                serial,
                revoked_at,
                signing_time,
                reason,
            } => write!(
                f,
                "certificate {serial} at depth {depth} was revoked at {revoked_at} ({reason}), after the signing time {signing_time}"
            ),
            Self::RevocationUnknown { depth, detail } => write!(
                f,
                "revocation status of the certificate at depth {depth} is unknown: {detail}"
            ),
            Self::DigestMismatch => write!(f, "the message digest does not match the content"),
            Self::Cms { detail } => write!(f, "CMS: {detail}"),
            Self::CertificateKind { expected } => {
                write!(f, "not a JPKI {expected} certificate")
            }
            Self::Io { detail } => write!(f, "I/O: {detail}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

impl From<der::Error> for Error {
    fn from(e: der::Error) -> Self {
        Self::malformed("DER", e)
    }
}
