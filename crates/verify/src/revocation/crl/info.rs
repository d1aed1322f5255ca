//! The CRL fields (RFC 5280 §5.1.2, §5.2), an entry's revocation, the reader's bounds,
//! and the comparisons they need.

use alloc::string::String;
use alloc::vec::Vec;

use der::Decode;
use sha2::Digest;
use x509_cert::name::Name;

use crate::error::{CrlError, CrlRef, Error, RevocationReason};
use crate::time::UnixTime;
use crate::x509::{Cert, KeyUsageBits, name_eq};

/// Bounds on what the reader accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Most revoked entries.
    pub max_entries: usize,
    /// Longest serial number INTEGER content in bytes (RFC 5280 §4.1.2.2 allows 20
    /// octets; one more for the sign byte, and some slack for non-conforming CAs).
    pub max_serial_len: usize,
    /// Most extensions per entry and per CRL.
    pub max_extensions: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            max_entries: 64 * 1024 * 1024,
            max_serial_len: 32,
            max_extensions: 32,
        }
    }
}

/// An entry kept beside the main table: one for a certificate of another issuer (an
/// indirect CRL, RFC 5280 §5.3.3), or one that carries an invalidityDate (§5.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtraEntry {
    /// The certificateIssuer in force, Name DER; `None`: the CRL issuer.
    pub issuer_der: Option<Vec<u8>>,
    /// The serial, minimal two's-complement INTEGER content.
    pub serial: Vec<u8>,
    /// revocationDate.
    pub revoked_at: UnixTime,
    /// reasonCode, if present.
    pub reason: Option<RevocationReason>,
    /// invalidityDate, if present.
    pub invalidity: Option<UnixTime>,
}

/// The CRL-level fields of a CRL (RFC 5280 §5.1.2, §5.2) and its signature.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CrlInfo {
    /// issuer Name, DER (§5.1.2.3).
    pub issuer_der: Vec<u8>,
    /// thisUpdate (§5.1.2.4).
    pub this_update: UnixTime,
    /// nextUpdate (§5.1.2.5).
    pub next_update: Option<UnixTime>,
    /// cRLNumber (§5.2.3), unsigned big-endian without leading zeros.
    pub number: Option<Vec<u8>>,
    /// deltaCRLIndicator's BaseCRLNumber (§5.2.4), for a delta CRL.
    pub delta_base: Option<Vec<u8>>,
    /// issuingDistributionPoint extension value, DER (§5.2.5).
    pub idp_der: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier (§5.2.1).
    pub aki: Option<Vec<u8>>,
    /// signatureAlgorithm, DER (§5.1.1.2).
    pub sig_alg_der: Vec<u8>,
    /// signatureValue (§5.1.1.3).
    pub signature: Vec<u8>,
    /// The digest of tbsCertList under the signature algorithm's hash; empty when the
    /// algorithm is not supported (then no key verifies the CRL).
    pub tbs_digest: Vec<u8>,
    /// SHA-256 of the SubjectPublicKeyInfo of the CA that verified the CRL when it was
    /// indexed with a CA (all zero otherwise). Informational: every use checks the
    /// signature again.
    pub signer_spki_sha256: [u8; 32],
    /// SHA-256 of the CRL's signature value, which identifies the CRL.
    pub crl_sha256: [u8; 32],
    /// indirectCRL in the issuingDistributionPoint (§5.2.5).
    pub indirect: bool,
    /// The first feature that makes the CRL unusable (an unknown critical extension,
    /// §5.2, §5.3): its byte offset and what it is.
    pub unsupported: Option<(usize, String)>,
    /// Entries for other certificate issuers and invalidity dates, sorted by issuer and
    /// serial.
    pub extras: Vec<ExtraEntry>,
}

pub(super) fn hex_or_none(n: Option<&[u8]>) -> Option<String> {
    n.map(|b| {
        if b.is_empty() {
            String::from("0")
        } else {
            let s = crate::x509::hex_string(b);
            // Lowercase hex without leading zeros.
            match s.trim_start_matches('0') {
                "" => String::from("0"),
                t => String::from(t),
            }
        }
    })
}

impl CrlInfo {
    /// The issuer as a decoded Name.
    pub fn issuer(&self) -> Option<Name> {
        Name::from_der(&self.issuer_der).ok()
    }

    /// The issuer in RFC 4514 form.
    pub fn issuer_string(&self) -> String {
        match self.issuer() {
            Some(n) => alloc::format!("{n}"),
            None => String::from("?"),
        }
    }

    /// A delta CRL (deltaCRLIndicator present, RFC 5280 §5.2.4).
    pub fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    /// The number and times that identify this CRL in reports.
    pub fn crl_ref(&self) -> CrlRef {
        CrlRef {
            number: hex_or_none(self.number.as_deref()),
            this_update: self.this_update,
            next_update: self.next_update,
            delta: None,
            revoked_later: None,
        }
    }

    /// The signature algorithm, decoded.
    pub fn sig_alg(&self) -> Result<spki::AlgorithmIdentifierOwned, Error> {
        spki::AlgorithmIdentifierOwned::from_der(&self.sig_alg_der)
            .map_err(|e| Error::malformed("CRL signature algorithm", e))
    }
}

/// One revocation found in a CRL (RFC 5280 §5.1.2.6, §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// revocationDate.
    pub revoked_at: UnixTime,
    /// The reasonCode, if the entry has one (absent means unspecified).
    pub reason: Option<RevocationReason>,
    /// invalidityDate (§5.3.2): when the key is known or suspected to have been
    /// compromised or the certificate otherwise became invalid.
    pub invalidity: Option<UnixTime>,
}

impl Revocation {
    /// The reason, absent read as unspecified (RFC 5280 §5.3.1).
    pub fn reason_or_unspecified(&self) -> RevocationReason {
        self.reason.unwrap_or(RevocationReason::Unspecified)
    }
}

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// Orders two minimal two's-complement INTEGER contents numerically.
pub(crate) fn serial_cmp(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    let neg = |v: &[u8]| v.first().is_some_and(|&x| x >= 0x80);
    match (neg(a), neg(b)) {
        (false, true) => core::cmp::Ordering::Greater,
        (true, false) => core::cmp::Ordering::Less,
        (false, false) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, true) => b.len().cmp(&a.len()).then_with(|| a.cmp(b)),
    }
}

/// Compares unsigned big-endian numbers without leading zeros.
pub(crate) fn uint_cmp(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Checks that `ca` may have issued a CRL with these fields: issuer name equals the CA's
/// subject (RFC 5280 §5.1.2.3), authorityKeyIdentifier matches its subjectKeyIdentifier
/// when both are present (§5.2.1), and the CA may sign CRLs (cRLSign, §4.2.1.3).
pub(crate) fn check_issuer(info: &CrlInfo, ca: &Cert) -> Result<(), CrlError> {
    let issuer = info.issuer().ok_or(CrlError::IssuerMismatch {
        detail: "issuer name undecodable",
    })?;
    if !name_eq(&issuer, ca.subject()) {
        return Err(CrlError::IssuerMismatch {
            detail: "the CRL issuer is not the CA's subject",
        });
    }
    if let (Some(a), Some(s)) = (info.aki.as_deref(), ca.subject_key_id())
        && a != s
    {
        return Err(CrlError::IssuerMismatch {
            detail: "authorityKeyIdentifier differs from the CA's subjectKeyIdentifier",
        });
    }
    if ca
        .key_usage()
        .is_some_and(|ku| !ku.contains(KeyUsageBits::CRL_SIGN))
    {
        return Err(CrlError::IssuerMismatch {
            detail: "the CA certificate lacks cRLSign",
        });
    }
    Ok(())
}
