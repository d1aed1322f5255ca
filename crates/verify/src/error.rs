//! Typed errors with stable codes: [`Error`] for verification, [`CrlError`] for reading,
//! storing and refreshing CRLs, [`DerError`] for the DER walker under both.

use alloc::string::String;
use core::fmt;

use crate::time::UnixTime;
pub use inkan_profile::RevocationReason;

/// A DER structure error at a byte offset (ITU-T X.690 §10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DerError {
    /// Byte offset from the start of the input.
    pub offset: usize,
    /// What is wrong.
    pub what: &'static str,
}

impl fmt::Display for DerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.what)
    }
}

/// The CRL that decided a revocation status: its cRLNumber (RFC 5280 §5.2.3) and
/// thisUpdate, and those of the delta CRL applied to it (§5.2.4), if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlRef {
    /// cRLNumber, lowercase hex without leading zeros (`None`: the CRL has none).
    pub number: Option<String>,
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate.
    pub next_update: Option<UnixTime>,
    /// The delta CRL applied: its number and thisUpdate.
    pub delta: Option<(Option<String>, UnixTime)>,
    /// The certificate's entry is dated after the validation time (a CRL issued later):
    /// good at that time, revoked or on hold from this date (RFC 5280 §5.1.2.6).
    pub revoked_later: Option<UnixTime>,
}

/// Who signed an OCSP response (RFC 6960 §4.2.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Responder {
    /// The certificate's issuer itself.
    Issuer,
    /// A delegated responder certified by the issuer for OCSP signing.
    Delegated,
}

impl Responder {
    /// `issuer` or `delegated`, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issuer => "issuer",
            Self::Delegated => "delegated",
        }
    }
}

/// The OCSP response that decided a revocation status (RFC 6960 §4.2.1): where it
/// came from, its times and who signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspRef {
    /// The responder's URL, as the front end that fetched it names it.
    pub url: String,
    /// producedAt.
    pub produced_at: UnixTime,
    /// thisUpdate of the certificate's SingleResponse.
    pub this_update: UnixTime,
    /// nextUpdate of the certificate's SingleResponse.
    pub next_update: Option<UnixTime>,
    /// Who signed the response.
    pub responder: Responder,
}

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
    /// A certificate offered as a trust anchor is refused: it matches no pinned J-LIS
    /// fingerprint (where pins are required), or it is not a CA certificate.
    UntrustedRoot {
        /// SHA-256 of the offered certificate's DER, lowercase hex.
        sha256: String,
        /// Why it is refused.
        reason: &'static str,
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
    /// A required key usage bit or extended key usage purpose is missing
    /// (RFC 5280 §6.1.4 (n), §4.2.1.3, §4.2.1.12).
    KeyUsage {
        /// Position in the path.
        depth: usize,
        /// Name of the missing bit or purpose.
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
        /// The entry's invalidityDate (RFC 5280 §5.3.2), if any.
        invalidity: Option<UnixTime>,
        /// The CRL that decided.
        crl: Option<alloc::boxed::Box<CrlRef>>,
        /// The OCSP response that decided.
        ocsp: Option<alloc::boxed::Box<OcspRef>>,
    },
    /// The certificate was revoked, but only after the signing time given by the caller
    /// (or claimed by the signer). The signature was made while the certificate was good;
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
        /// The CRL that decided.
        crl: Option<alloc::boxed::Box<CrlRef>>,
        /// The OCSP response that decided.
        ocsp: Option<alloc::boxed::Box<OcspRef>>,
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
    /// The CMS structure is valid but cannot be verified as asked (RFC 5652 §5).
    Cms {
        /// What is wrong.
        detail: &'static str,
    },
    /// The certificate is not of the JPKI kind the operation needs (a document signed
    /// with the user-authentication key, a login with another certificate).
    CertificateKind {
        /// What was expected.
        expected: &'static str,
        /// What the certificate is.
        found: &'static str,
    },
    /// A login challenge that is structured data a document signature is made over
    /// (DER SignedAttributes, a DigestInfo): a server could obtain a document signature
    /// with it. Challenges must be random bytes.
    Challenge {
        /// What the challenge parses as.
        parses_as: &'static str,
    },
    /// An input is larger than its bound.
    TooLarge {
        /// Which input.
        what: &'static str,
        /// The bound.
        limit: u64,
    },
    /// A CRL could not be used as input (not DER, a bound, an unsupported feature).
    Crl(alloc::boxed::Box<CrlError>),
    /// An XML document or signature refused (the `xml-*` codes of `inkan-xml`).
    Xml(inkan_xml::XmlError),
    /// Reading a file failed.
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
            Self::Challenge { .. } => "challenge-structured",
            Self::TooLarge { .. } => "input-too-large",
            // A CRL that is not DER is malformed input to `verify` (the README's code).
            Self::Crl(e) if matches!(**e, CrlError::Der { .. }) => "malformed",
            Self::Crl(e) => e.code(),
            Self::Xml(e) => e.code(),
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
            Self::UntrustedRoot { sha256, reason } => {
                write!(f, "trust anchor {sha256} refused: {reason}")
            }
            Self::NotCa { depth } => write!(f, "certificate at depth {depth} is not a CA"),
            Self::PathLength { depth } => {
                write!(f, "path length constraint exceeded at depth {depth}")
            }
            Self::KeyUsage { depth, missing } => {
                write!(f, "certificate at depth {depth} does not allow {missing}")
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
                invalidity,
                ..
            } => {
                write!(
                    f,
                    "certificate {serial} at depth {depth} was revoked at {revoked_at} ({reason})"
                )?;
                if let Some(i) = invalidity {
                    write!(f, ", invalid since {i}")?;
                }
                Ok(())
            }
            Self::RevokedAfterSigning {
                depth,
                serial,
                revoked_at,
                signing_time,
                reason,
                ..
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
            Self::CertificateKind { expected, found } => {
                write!(
                    f,
                    "not a JPKI {expected} certificate (it is a {found} certificate)"
                )
            }
            Self::Challenge { parses_as } => write!(
                f,
                "the challenge parses as {parses_as}: login challenges must be random bytes"
            ),
            Self::TooLarge { what, limit } => {
                write!(f, "{what} is larger than {limit} bytes")
            }
            Self::Crl(e) => write!(f, "CRL: {e}"),
            Self::Xml(e) => write!(f, "{e}"),
            Self::Io { detail } => write!(f, "I/O: {detail}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<der::Error> for Error {
    fn from(e: der::Error) -> Self {
        Self::malformed("DER", e)
    }
}

impl From<CrlError> for Error {
    fn from(e: CrlError) -> Self {
        match e {
            CrlError::Io { detail } => Self::Io { detail },
            e => Self::Crl(alloc::boxed::Box::new(e)),
        }
    }
}

/// Errors of the CRL reader, the CRL store and the refresh. Each has a stable
/// [`code`](Self::code).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrlError {
    /// The CRL is not valid DER or breaks the RFC 5280 §5.1 structure at `offset`.
    Der {
        /// Byte offset from the start of the CRL.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// The CRL uses a feature that makes it unusable where it is offered (a
    /// certificateIssuer entry outside an indirect CRL, RFC 5280 §5.3.3; an unknown
    /// critical extension, §5.2, §5.3; an indirect CRL or a delta CRL where only
    /// complete CRLs of one issuer are kept).
    Unsupported {
        /// Byte offset of the offending element.
        offset: usize,
        /// What it is.
        what: String,
    },
    /// A configured bound was exceeded.
    TooLarge {
        /// Which bound.
        what: &'static str,
        /// The bound.
        limit: u64,
    },
    /// A serial number appears twice in the CRL.
    DuplicateSerial {
        /// The serial, hex.
        serial: String,
    },
    /// The CRL issuer does not match the CA certificate (name, or authorityKeyIdentifier
    /// versus subjectKeyIdentifier, RFC 5280 §5.2.1, §6.3.3 (f)), or the CA lacks cRLSign.
    IssuerMismatch {
        /// What differs.
        detail: &'static str,
    },
    /// The signature over the TBS bytes does not verify, or its algorithm is unsupported
    /// (RFC 5280 §5.1.1.3).
    Signature(Error),
    /// The CRL's nextUpdate is before the time of use (RFC 5280 §5.1.2.5).
    Expired {
        /// nextUpdate.
        next_update: UnixTime,
        /// The time of use.
        at: UnixTime,
    },
    /// The CRL's thisUpdate is after the time of use (RFC 5280 §5.1.2.4).
    NotYetValid {
        /// thisUpdate.
        this_update: UnixTime,
        /// The time of use.
        at: UnixTime,
    },
    /// The CRL is older than the one kept for the same issuer and scope: a lower
    /// cRLNumber (RFC 5280 §5.2.3), or without numbers an earlier thisUpdate.
    Older {
        /// The offered CRL.
        offered: alloc::boxed::Box<CrlRef>,
        /// The one in use.
        in_use: alloc::boxed::Box<CrlRef>,
    },
    /// A delta CRL does not apply to the base CRL (RFC 5280 §5.2.4).
    DeltaMismatch {
        /// Why.
        detail: &'static str,
    },
    /// A persisted index is corrupt or truncated.
    IndexCorrupt {
        /// Byte offset in the index file.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// A persisted index has a format version this build does not read.
    IndexVersion {
        /// The version found.
        found: u32,
    },
    /// A persisted index's checksum does not match its contents.
    IndexChecksum,
    /// A file or directory operation failed.
    Io {
        /// Path and OS error.
        detail: String,
    },
}

impl CrlError {
    /// A stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Der { .. } => "crl-malformed",
            Self::Unsupported { .. } => "crl-unsupported",
            Self::TooLarge { .. } => "crl-too-large",
            Self::DuplicateSerial { .. } => "crl-duplicate-serial",
            Self::IssuerMismatch { .. } => "crl-issuer-mismatch",
            Self::Signature(Error::BadSignature { .. }) => "crl-bad-signature",
            Self::Signature(_) => "crl-signature-unsupported",
            Self::Expired { .. } => "crl-expired",
            Self::NotYetValid { .. } => "crl-not-yet-valid",
            Self::Older { .. } => "crl-older",
            Self::DeltaMismatch { .. } => "crl-delta-mismatch",
            Self::IndexCorrupt { .. } => "crl-index-corrupt",
            Self::IndexVersion { .. } => "crl-index-version",
            Self::IndexChecksum => "crl-index-checksum",
            Self::Io { .. } => "io",
        }
    }

    /// The byte offset in the CRL, for errors that have one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::Der { offset, .. } | Self::Unsupported { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

impl From<DerError> for CrlError {
    #[inline]
    fn from(e: DerError) -> Self {
        Self::Der {
            offset: e.offset,
            what: e.what,
        }
    }
}

fn number_text(n: &Option<String>) -> &str {
    n.as_deref().unwrap_or("none")
}

impl fmt::Display for CrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Der { offset, what } => write!(f, "malformed CRL at byte {offset}: {what}"),
            Self::Unsupported { offset, what } => {
                write!(f, "unsupported CRL feature at byte {offset}: {what}")
            }
            Self::TooLarge { what, limit } => write!(f, "CRL too large: {what} (limit {limit})"),
            Self::DuplicateSerial { serial } => {
                write!(f, "serial {serial} appears twice in the CRL")
            }
            Self::IssuerMismatch { detail } => write!(f, "CRL issuer mismatch: {detail}"),
            Self::Signature(e) => write!(f, "CRL signature: {e}"),
            Self::Expired { next_update, at } => {
                write!(
                    f,
                    "the CRL expired: nextUpdate {next_update} is before {at}"
                )
            }
            Self::NotYetValid { this_update, at } => {
                write!(
                    f,
                    "the CRL is not yet valid: thisUpdate {this_update} is after {at}"
                )
            }
            Self::Older { offered, in_use } => write!(
                f,
                "the CRL (number {}, thisUpdate {}) is older than the one in use (number {}, thisUpdate {})",
                number_text(&offered.number),
                offered.this_update,
                number_text(&in_use.number),
                in_use.this_update
            ),
            Self::DeltaMismatch { detail } => {
                write!(f, "the delta CRL does not apply: {detail}")
            }
            Self::IndexCorrupt { offset, what } => {
                write!(f, "corrupt CRL index at byte {offset}: {what}")
            }
            Self::IndexVersion { found } => {
                write!(f, "CRL index format version {found} is not supported")
            }
            Self::IndexChecksum => write!(f, "CRL index checksum mismatch"),
            Self::Io { detail } => write!(f, "I/O: {detail}"),
        }
    }
}

impl std::error::Error for CrlError {}
