//! A CRL reader for national-scale CRLs (RFC 5280 §5): one pass over the DER, the
//! signature checked over the raw TBS bytes (§5.1.1.3), and the revoked serials indexed
//! without an object per entry.
//!
//! The index is a single byte buffer in its persisted layout (see [`CrlIndex::as_bytes`]):
//!
//! ```text
//! offset  size  field
//!      0     8  magic "INKANCRL"
//!      8     4  format version (2), little-endian
//!     12     4  key width W in bytes (1..=32)
//!     16     8  entry count n
//!     24     8  metadata length M
//!     32     8  checksum: XXH3-64 of the two XXH3-64 values (little-endian, 16 bytes)
//!               of bytes 48 to the end of the serials and of the rest (computed
//!               on two threads)
//!     40     8  reserved (0)
//!     48     M  metadata (issuer, times, CRL number, IDP, AKI, signer key hash, …)
//!   48+M   n·W  serials: two's complement, sign-extended to W bytes, top bit flipped,
//!               so that byte order is numeric order; sorted, no duplicates
//!      …   n·8  per entry: revocationDate (seconds since 1970) << 8 | reason code
//!               (0xFF: no reasonCode extension)
//! ```
//!
//! Lookups are a binary search over the fixed-width serials. Memory is n·(W+8) bytes plus
//! the metadata: for one million 8-byte serials, about 17 MB.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use der::Decode;
use sha2::Digest;
use x509_cert::name::Name;

use crate::cert::Cert;
use crate::crl::RevocationReason;
use crate::crl_der::{self, Reader, Tlv, der_err};
use crate::sig::Backend;
use crate::time::UnixTime;

#[cfg(feature = "std")]
mod stream;

/// Errors of the CRL reader, the index and the store. Each has a stable [`code`](Self::code).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrlIndexError {
    /// The CRL is not valid DER or breaks the RFC 5280 §5.1 structure at `offset`.
    Der {
        /// Byte offset from the start of the CRL.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// The CRL uses a feature the index does not handle (indirect CRLs, RFC 5280 §5.3.3;
    /// an unknown critical extension, §5.2, §5.3), so it must not be used.
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
    Signature(crate::Error),
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
    /// A file or directory operation failed (`std` only).
    Io {
        /// Path and OS error.
        detail: String,
    },
}

impl CrlIndexError {
    /// A stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Der { .. } => "crl-malformed",
            Self::Unsupported { .. } => "crl-unsupported",
            Self::TooLarge { .. } => "crl-too-large",
            Self::DuplicateSerial { .. } => "crl-duplicate-serial",
            Self::IssuerMismatch { .. } => "crl-issuer-mismatch",
            Self::Signature(crate::Error::BadSignature { .. }) => "crl-bad-signature",
            Self::Signature(_) => "crl-signature-unsupported",
            Self::Expired { .. } => "crl-expired",
            Self::NotYetValid { .. } => "crl-not-yet-valid",
            Self::DeltaMismatch { .. } => "crl-delta-mismatch",
            Self::IndexCorrupt { .. } => "crl-index-corrupt",
            Self::IndexVersion { .. } => "crl-index-version",
            Self::IndexChecksum => "crl-index-checksum",
            Self::Io { .. } => "io",
        }
    }
}

impl fmt::Display for CrlIndexError {
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

#[cfg(feature = "std")]
impl std::error::Error for CrlIndexError {}

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

/// The CRL-level fields of a CRL (RFC 5280 §5.1.2, §5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// SHA-256 of the SubjectPublicKeyInfo whose key verified the signature (all zero
    /// when not verified).
    pub signer_spki_sha256: [u8; 32],
    /// SHA-256 of the CRL's signature value, which identifies the CRL (of the last CRL
    /// merged in, for a base + delta merge).
    pub crl_sha256: [u8; 32],
}

impl Default for CrlInfo {
    fn default() -> Self {
        Self {
            issuer_der: Vec::new(),
            this_update: UnixTime(0),
            next_update: None,
            number: None,
            delta_base: None,
            idp_der: None,
            aki: None,
            signer_spki_sha256: [0; 32],
            crl_sha256: [0; 32],
        }
    }
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
}

/// One revocation found in the index (RFC 5280 §5.1.2.6, §5.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// revocationDate.
    pub revoked_at: UnixTime,
    /// The reasonCode, if the entry has one (absent means unspecified).
    pub reason: Option<RevocationReason>,
}

impl Revocation {
    /// The reason, absent read as unspecified (RFC 5280 §5.3.1).
    pub fn reason_or_unspecified(&self) -> RevocationReason {
        self.reason.unwrap_or(RevocationReason::Unspecified)
    }
}

/// A CRL parsed without walking its entries: the TBS bytes, signature and CRL fields.
#[derive(Clone, Debug)]
pub struct RawCrl<'a> {
    der: &'a [u8],
    tbs: &'a [u8],
    sig_alg: spki::AlgorithmIdentifierOwned,
    signature: &'a [u8],
    info: CrlInfo,
    /// The content of revokedCertificates and its offset.
    revoked: Option<(usize, &'a [u8])>,
    limits: ReadLimits,
}

const TAG_SEQ: u8 = 0x30;
const TAG_INT: u8 = 0x02;
const TAG_BOOL: u8 = 0x01;
const TAG_OCTETS: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_BITS: u8 = 0x03;
const TAG_ENUM: u8 = 0x0a;

// OID contents (DER, without tag and length) of the extensions the reader handles.
const OID_CRL_REASON: &[u8] = &[0x55, 0x1d, 0x15];
const OID_INVALIDITY_DATE: &[u8] = &[0x55, 0x1d, 0x18];
const OID_HOLD_INSTRUCTION: &[u8] = &[0x55, 0x1d, 0x17];
const OID_CERT_ISSUER: &[u8] = &[0x55, 0x1d, 0x1d];
const OID_CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];
const OID_DELTA: &[u8] = &[0x55, 0x1d, 0x1b];
const OID_IDP: &[u8] = &[0x55, 0x1d, 0x1c];
const OID_AKI: &[u8] = &[0x55, 0x1d, 0x23];
const OID_IAN: &[u8] = &[0x55, 0x1d, 0x12];
const OID_FRESHEST: &[u8] = &[0x55, 0x1d, 0x2e];
const OID_AIA: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];

/// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
/// (RFC 5280 §4.1): returns (OID content, critical, value TLV).
fn extension<'a>(t: &Tlv<'a>) -> Result<(&'a [u8], bool, Tlv<'a>), CrlIndexError> {
    if t.tag != TAG_SEQ {
        return Err(der_err(t.offset, "extension is not a SEQUENCE"));
    }
    let mut r = t.reader();
    let oid = r.expect(TAG_OID, "expected extension OID")?;
    if oid.content.is_empty() {
        return Err(der_err(oid.offset, "empty OID"));
    }
    let mut critical = false;
    if r.peek_tag() == Some(TAG_BOOL) {
        let b = r.read()?;
        match b.content {
            [0xff] => critical = true,
            [0x00] => return Err(der_err(b.offset, "DEFAULT FALSE encoded (X.690 §11.5)")),
            _ => return Err(der_err(b.offset, "BOOLEAN not 0xFF")),
        }
    }
    let value = r.expect(TAG_OCTETS, "expected extnValue OCTET STRING")?;
    r.finish("trailing data in extension")?;
    Ok((oid.content, critical, value))
}

fn oid_string(content: &[u8]) -> String {
    match der::asn1::ObjectIdentifier::from_bytes(content) {
        Ok(o) => alloc::format!("{o}"),
        Err(_) => String::from("(bad OID)"),
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// CertificateList and tbsCertList up to the revoked entries (RFC 5280 §5.1): what the
/// first bytes of a CRL tell, so that a streaming reader can walk the entries as they
/// arrive; [`Head::parse_tail`] reads what follows them.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    /// One past the end of the CertificateList: the length of the CRL.
    pub outer_end: usize,
    /// Where tbsCertList (the signed bytes, §5.1.1.3) starts and ends.
    pub tbs_start: usize,
    pub tbs_end: usize,
    v2: bool,
    /// tbsCertList.signature, DER: must equal signatureAlgorithm (§5.1.1.2).
    inner_alg_der: Vec<u8>,
    pub sig_alg: spki::AlgorithmIdentifierOwned,
    issuer_der: Vec<u8>,
    this_update: u64,
    next_update: Option<u64>,
    /// Content of revokedCertificates (§5.1.2.6): start and end.
    pub revoked: Option<(usize, usize)>,
    /// Where tbsCertList resumes after the entries (or after nextUpdate without them).
    pub tail_start: usize,
}

impl Head {
    /// Reads the head from `prefix`, the first bytes of a CRL (all of it, or enough to
    /// reach revokedCertificates).
    pub(crate) fn parse(prefix: &[u8]) -> Result<Self, CrlIndexError> {
        let mut top = Reader::new(prefix);
        let outer = top.read_header(usize::MAX)?;
        if outer.tag != TAG_SEQ {
            return Err(der_err(outer.offset, "CertificateList is not a SEQUENCE"));
        }
        // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }
        let tbs = top.read_header(outer.end)?;
        if tbs.tag != TAG_SEQ {
            return Err(der_err(tbs.offset, "tbsCertList is not a SEQUENCE"));
        }
        let at_hand = prefix
            .get(tbs.content_offset..tbs.end.min(prefix.len()))
            .unwrap_or(&[]);
        let mut t = Reader::with_base(at_hand, tbs.content_offset);
        // version Version OPTIONAL -- if present, MUST be v2 (§5.1.2.1)
        let mut v2 = false;
        if t.peek_tag() == Some(TAG_INT) {
            let v = t.read()?;
            if v.content != [1] {
                return Err(der_err(v.offset, "version is not v2"));
            }
            v2 = true;
        }
        // signature AlgorithmIdentifier (§5.1.2.2)
        let inner_alg = t.expect(TAG_SEQ, "signature is not a SEQUENCE")?;
        let inner_alg_der = prefix.get(inner_alg.offset..inner_alg.end()).unwrap_or(&[]);
        let sig_alg = spki::AlgorithmIdentifierOwned::from_der(inner_alg_der)
            .map_err(|_| der_err(inner_alg.offset, "bad AlgorithmIdentifier"))?;
        // issuer Name (§5.1.2.3), non-empty
        let issuer = t.expect(TAG_SEQ, "issuer is not a SEQUENCE")?;
        let issuer_der = prefix.get(issuer.offset..issuer.end()).unwrap_or(&[]);
        if issuer.content.is_empty() {
            return Err(der_err(issuer.offset, "empty issuer name"));
        }
        Name::from_der(issuer_der).map_err(|_| der_err(issuer.offset, "bad issuer Name"))?;
        // thisUpdate, nextUpdate (§5.1.2.4, §5.1.2.5)
        let this_update = crl_der::time(&t.read()?)?;
        let mut next_update = None;
        if matches!(t.peek_tag(), Some(0x17 | 0x18)) {
            next_update = Some(crl_der::time(&t.read()?)?);
        }
        // revokedCertificates SEQUENCE OF … OPTIONAL (§5.1.2.6)
        let (revoked, tail_start) = if t.peek_tag() == Some(TAG_SEQ) {
            let rv = t.read_header(tbs.end)?;
            (Some((rv.content_offset, rv.end)), rv.end)
        } else {
            (None, t.offset())
        };
        Ok(Self {
            outer_end: outer.end,
            tbs_start: tbs.offset,
            tbs_end: tbs.end,
            v2,
            inner_alg_der: inner_alg_der.to_vec(),
            sig_alg,
            issuer_der: issuer_der.to_vec(),
            this_update,
            next_update,
            revoked,
            tail_start,
        })
    }

    /// Reads what follows the entries: crlExtensions (§5.1.2.7), then
    /// signatureAlgorithm and signatureValue (§5.1.1.2, §5.1.1.3). `tail` holds the
    /// bytes from [`tail_start`](Self::tail_start) to the end of the input. Returns the
    /// CRL fields and the signature.
    pub(crate) fn parse_tail<'t>(
        &self,
        tail: &'t [u8],
        limits: ReadLimits,
    ) -> Result<(CrlInfo, &'t [u8]), CrlIndexError> {
        let rest_of_tbs = self.tbs_end.saturating_sub(self.tail_start);
        let after_tbs = self.outer_end.saturating_sub(self.tbs_end);
        if tail.len() < rest_of_tbs.saturating_add(after_tbs) {
            return Err(der_err(0, "length beyond the enclosing element"));
        }
        let (tbs_rest, outer_rest) = tail.split_at(rest_of_tbs);
        let (outer_rest, trailing) = outer_rest.split_at(after_tbs);
        if !trailing.is_empty() {
            return Err(der_err(self.outer_end, "trailing data after the CRL"));
        }
        let mut t = Reader::with_base(tbs_rest, self.tail_start);
        let mut info = CrlInfo {
            issuer_der: self.issuer_der.clone(),
            this_update: UnixTime(self.this_update),
            next_update: self.next_update.map(UnixTime),
            ..CrlInfo::default()
        };
        let mut indirect = false;
        // crlExtensions [0] EXPLICIT Extensions OPTIONAL (§5.1.2.7), v2 only
        if t.peek_tag() == Some(0xa0) {
            let wrap = t.read()?;
            if !self.v2 {
                return Err(der_err(wrap.offset, "extensions in a v1 CRL"));
            }
            indirect = crl_extensions(&wrap, &mut info, limits)?;
        }
        t.finish("trailing data in tbsCertList")?;
        let mut r = Reader::with_base(outer_rest, self.tbs_end);
        let alg = r.expect(TAG_SEQ, "signatureAlgorithm is not a SEQUENCE")?;
        let sig = r.expect(TAG_BITS, "signatureValue is not a BIT STRING")?;
        r.finish("trailing data in CertificateList")?;
        let alg_der = outer_rest
            .get(..alg.end().saturating_sub(self.tbs_end))
            .unwrap_or(&[]);
        if alg_der != self.inner_alg_der.as_slice() {
            return Err(der_err(
                alg.offset,
                "signature algorithms differ (RFC 5280 §5.1.1.2)",
            ));
        }
        let signature = match sig.content.split_first() {
            Some((0, rest)) => rest,
            _ => return Err(der_err(sig.offset, "signature BIT STRING has unused bits")),
        };
        if indirect {
            return Err(CrlIndexError::Unsupported {
                offset: self.tbs_start,
                what: String::from("indirect CRL (RFC 5280 §5.3.3)"),
            });
        }
        info.crl_sha256 = sha256(signature);
        Ok((info, signature))
    }
}

/// Extensions (RFC 5280 §5.2) from `[0] EXPLICIT Extensions` into `info`; returns
/// whether the issuingDistributionPoint marks an indirect CRL.
fn crl_extensions(
    wrap: &Tlv<'_>,
    info: &mut CrlInfo,
    limits: ReadLimits,
) -> Result<bool, CrlIndexError> {
    let mut indirect = false;
    let mut w = wrap.reader();
    let exts = w.expect(TAG_SEQ, "Extensions is not a SEQUENCE")?;
    w.finish("trailing data after Extensions")?;
    if exts.content.is_empty() {
        return Err(der_err(exts.offset, "empty Extensions"));
    }
    let mut er = exts.reader();
    let mut seen: Vec<&[u8]> = Vec::new();
    while !er.is_empty() {
        if seen.len() >= limits.max_extensions {
            return Err(CrlIndexError::TooLarge {
                what: "CRL extensions",
                limit: limits.max_extensions as u64,
            });
        }
        let e = er.read()?;
        let (oid, critical, value) = extension(&e)?;
        if seen.contains(&oid) {
            return Err(der_err(e.offset, "duplicate CRL extension (RFC 5280 §5.2)"));
        }
        seen.push(oid);
        let mut vr = value.reader();
        match oid {
            OID_CRL_NUMBER => {
                let n = vr.expect(TAG_INT, "cRLNumber is not an INTEGER")?;
                info.number = Some(crl_der::unsigned(&n)?.to_vec());
            }
            OID_DELTA => {
                let n = vr.expect(TAG_INT, "BaseCRLNumber is not an INTEGER")?;
                info.delta_base = Some(crl_der::unsigned(&n)?.to_vec());
            }
            OID_IDP => {
                let idp = x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint::from_der(
                    value.content,
                )
                .map_err(|_| der_err(value.content_offset, "bad issuingDistributionPoint"))?;
                indirect = idp.indirect_crl;
                info.idp_der = Some(value.content.to_vec());
                vr = Reader::new(&[]);
            }
            OID_AKI => {
                let aki = x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(value.content)
                    .map_err(|_| der_err(value.content_offset, "bad authorityKeyIdentifier"))?;
                info.aki = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                vr = Reader::new(&[]);
            }
            OID_IAN | OID_FRESHEST | OID_AIA => vr = Reader::new(&[]),
            other => {
                if critical {
                    return Err(CrlIndexError::Unsupported {
                        offset: e.offset,
                        what: alloc::format!(
                            "unknown critical CRL extension {}",
                            oid_string(other)
                        ),
                    });
                }
                vr = Reader::new(&[]);
            }
        }
        vr.finish("trailing data in extension value")?;
    }
    Ok(indirect)
}

impl<'a> RawCrl<'a> {
    /// Parses the CRL structure (RFC 5280 §5.1) except the revoked entries, which
    /// [`index`](Self::index) walks.
    pub fn parse(der: &'a [u8]) -> Result<Self, CrlIndexError> {
        Self::parse_with(der, ReadLimits::default())
    }

    /// [`parse`](Self::parse) with explicit bounds.
    pub fn parse_with(der: &'a [u8], limits: ReadLimits) -> Result<Self, CrlIndexError> {
        // The whole structure first, so that a truncated or padded file is reported as such.
        let mut top = Reader::new(der);
        let outer = top.expect(TAG_SEQ, "CertificateList is not a SEQUENCE")?;
        top.finish("trailing data after the CRL")?;
        let tbs = outer
            .reader()
            .expect(TAG_SEQ, "tbsCertList is not a SEQUENCE")?;
        let head = Head::parse(der)?;
        let tail = der.get(head.tail_start..).unwrap_or(&[]);
        let (info, signature) = head.parse_tail(tail, limits)?;
        let tbs_der = der.get(tbs.offset..tbs.end()).unwrap_or(&[]);
        let revoked = head.revoked.map(|(s, e)| (s, der.get(s..e).unwrap_or(&[])));
        Ok(Self {
            der,
            tbs: tbs_der,
            sig_alg: head.sig_alg,
            signature,
            info,
            revoked,
            limits,
        })
    }

    /// The CRL-level fields.
    pub fn info(&self) -> &CrlInfo {
        &self.info
    }

    /// The DER of tbsCertList, the signed bytes (RFC 5280 §5.1.1.3).
    pub fn tbs(&self) -> &'a [u8] {
        self.tbs
    }

    /// The whole CRL DER.
    pub fn der(&self) -> &'a [u8] {
        self.der
    }

    /// Checks that `ca` issued this CRL: issuer name equals the CA's subject (RFC 5280
    /// §5.1.2.3), authorityKeyIdentifier matches its subjectKeyIdentifier when both are
    /// present (§5.2.1), the CA may sign CRLs (cRLSign, §4.2.1.3), and the signature over
    /// the raw TBS bytes verifies with its key (§5.1.1.3).
    pub fn verify_signed_by(&mut self, ca: &Cert, backend: Backend) -> Result<(), CrlIndexError> {
        self.check_issuer(ca)?;
        crate::sig::verify_with_spki(
            backend,
            ca.spki_der(),
            &self.sig_alg,
            None,
            self.tbs,
            self.signature,
            "CRL",
        )
        .map_err(CrlIndexError::Signature)?;
        self.info.signer_spki_sha256 = sha256(ca.spki_der());
        Ok(())
    }

    /// The issuer checks of [`verify_signed_by`](Self::verify_signed_by), without the
    /// signature.
    fn check_issuer(&self, ca: &Cert) -> Result<(), CrlIndexError> {
        check_issuer(&self.info, ca)
    }

    /// [`verify_signed_by`](Self::verify_signed_by) with each of `cas` in turn until one
    /// checks out, then [`index`](Self::index): the same checks and the same result, but
    /// the TBS bytes are hashed once, on a second thread while this one walks the entries
    /// (`std` builds; elsewhere, or if no thread can be started, one after the other).
    ///
    /// When no CA checks out, the error is the last signature failure if there was one,
    /// else the last issuer mismatch; entry errors are reported only for a CRL whose
    /// signature verified.
    pub fn verify_and_index(
        &mut self,
        cas: &[Cert],
        backend: Backend,
    ) -> Result<CrlIndex, CrlIndexError> {
        let mut last = CrlIndexError::IssuerMismatch {
            detail: "no CA given",
        };
        let mut candidates = false;
        for ca in cas {
            match self.check_issuer(ca) {
                Ok(()) => candidates = true,
                Err(e) => last = e,
            }
        }
        if !candidates {
            return Err(last);
        }
        let hash = crate::sig::rsa_hash_for(&self.sig_alg, None);
        let tbs = self.tbs;
        let (digest, index) = join2(
            || {
                hash.as_ref()
                    .ok()
                    .map(|&h| Prehashed::compute(backend, h, tbs))
            },
            || self.index_unsealed(),
        );
        for ca in cas {
            if let Err(e) = self.check_issuer(ca) {
                if !matches!(last, CrlIndexError::Signature(_)) {
                    last = e;
                }
                continue;
            }
            let checked = match (&hash, &digest) {
                (Err(e), _) => Err(e.clone()),
                (Ok(_), Some(d)) => d.verify(ca.spki_der(), self.signature),
                (Ok(h), None) => {
                    Prehashed::compute(backend, *h, tbs).verify(ca.spki_der(), self.signature)
                }
            };
            match checked {
                Ok(()) => {
                    let mut index = index?;
                    let spki = sha256(ca.spki_der());
                    self.info.signer_spki_sha256 = spki;
                    index.set_signer(spki);
                    return Ok(index.sealed());
                }
                Err(e) => last = CrlIndexError::Signature(e),
            }
        }
        Err(last)
    }

    /// Walks revokedCertificates once and builds the index.
    ///
    /// Each entry (RFC 5280 §5.1.2.6) is `SEQUENCE { userCertificate INTEGER,
    /// revocationDate Time, crlEntryExtensions Extensions OPTIONAL }`; the reasonCode
    /// (§5.3.1) is kept, invalidityDate (§5.3.2) and holdInstructionCode are skipped,
    /// certificateIssuer (§5.3.3) and unknown critical entry extensions make the CRL
    /// unusable (§5.3).
    pub fn index(&self) -> Result<CrlIndex, CrlIndexError> {
        self.index_unsealed().map(CrlIndex::sealed)
    }

    /// [`index`](Self::index) without the checksum, which the caller fills in.
    fn index_unsealed(&self) -> Result<CrlIndex, CrlIndexError> {
        let mut c = Collector::new();
        if let Some((off, content)) = self.revoked {
            c.reserve_for(content.len(), &self.limits);
            walk_entries(content, off, true, &mut c, &self.limits)?;
        }
        c.finish(&self.info)
    }
}

/// Checks that `ca` may have issued a CRL with these fields: issuer name equals the CA's
/// subject (RFC 5280 §5.1.2.3), authorityKeyIdentifier matches its subjectKeyIdentifier
/// when both are present (§5.2.1), and the CA may sign CRLs (cRLSign, §4.2.1.3).
fn check_issuer(info: &CrlInfo, ca: &Cert) -> Result<(), CrlIndexError> {
    let issuer = info.issuer().ok_or(CrlIndexError::IssuerMismatch {
        detail: "issuer name undecodable",
    })?;
    if !crate::name::name_eq(&issuer, ca.subject()) {
        return Err(CrlIndexError::IssuerMismatch {
            detail: "the CRL issuer is not the CA's subject",
        });
    }
    if let (Some(a), Some(s)) = (info.aki.as_deref(), ca.subject_key_id())
        && a != s
    {
        return Err(CrlIndexError::IssuerMismatch {
            detail: "authorityKeyIdentifier differs from the CA's subjectKeyIdentifier",
        });
    }
    if ca
        .key_usage()
        .is_some_and(|ku| !ku.contains(crate::cert::KeyUsageBits::CRL_SIGN))
    {
        return Err(CrlIndexError::IssuerMismatch {
            detail: "the CA certificate lacks cRLSign",
        });
    }
    Ok(())
}

/// Walks revoked entries (RFC 5280 §5.1.2.6) in `data`, which starts at byte `base` of
/// the CRL, into `c`; returns how many bytes it consumed. With `last`, `data` ends where
/// revokedCertificates ends and must hold whole entries; otherwise an entry cut by the
/// end of `data` is left for the caller to complete (a streaming reader).
fn walk_entries(
    data: &[u8],
    base: usize,
    last: bool,
    c: &mut Collector,
    limits: &ReadLimits,
) -> Result<usize, CrlIndexError> {
    let mut pos = 0usize;
    // Bounded: every iteration consumes at least two bytes of `data` or returns.
    while let Some(mut rest) = data.get(pos..).filter(|r| !r.is_empty()) {
        if c.len() >= limits.max_entries {
            return Err(CrlIndexError::TooLarge {
                what: "revoked entries",
                limit: limits.max_entries as u64,
            });
        }
        if let Collector::Fast(f) = c {
            pos = f.walk_common(data, pos, limits);
            let Some(r) = data.get(pos..).filter(|r| !r.is_empty()) else {
                break;
            };
            rest = r;
        }
        let at = base.saturating_add(pos);
        if !last && crl_der::needs_more(rest) {
            return Ok(pos);
        }
        let mut r = Reader::with_base(rest, at);
        let entry = r.expect(TAG_SEQ, "revoked entry is not a SEQUENCE")?;
        let (serial, secs, reason) = entry_slow(&entry, limits)?;
        c.push(
            serial.content,
            serial.offset,
            secs,
            reason,
            limits.max_serial_len,
        )?;
        pos = pos
            .saturating_add(entry.end().saturating_sub(at))
            .max(pos + 2);
    }
    Ok(pos)
}

/// The common entry: `SEQUENCE { INTEGER, UTCTime, [reasonCode extension alone] }` with
/// a non-negative serial of at most 64 bits, in the exact bytes DER gives it, checked as
/// [`entry_slow`] would. Returns the serial value, its INTEGER length and the packed date
/// and reason; `None` for anything else, which [`entry_slow`] then reads (or rejects).
#[inline(always)]
fn entry_common(body: &[u8]) -> Option<(u64, usize, u64)> {
    let [TAG_INT, sl, rest @ ..] = body else {
        return None;
    };
    let sl = usize::from(*sl);
    let (serial, rest) = rest.split_at_checked(sl)?;
    let magnitude = match serial {
        // Minimal (X.690 §8.3.2) and non-negative, at most 64 bits.
        [0x00, b, m @ ..] if *b >= 0x80 && m.len() < 8 => serial.get(1..)?,
        [b, ..] if *b < 0x80 && sl <= 8 && !(*b == 0 && sl > 1) => serial,
        _ => return None,
    };
    // The value: the eight bytes that end the INTEGER, masked to the magnitude (one
    // load when the entry is long enough to hold them, as 6-byte and longer serials are).
    let end = 2 + sl;
    let window = end
        .checked_sub(8)
        .and_then(|s| body.get(s..end))
        .and_then(|w| <[u8; 8]>::try_from(w).ok());
    let value = match window {
        Some(w) => u64::from_be_bytes(w) & (u64::MAX >> (64 - 8 * magnitude.len())),
        None => magnitude
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    };
    let (t, rest) = rest.split_first_chunk::<15>()?;
    let [0x17, 13, time @ ..] = t else {
        return None;
    };
    let secs = crl_der::utc_time_fast(time)?;
    let reason = match rest {
        [] => NO_REASON,
        // crlEntryExtensions { Extension { reasonCode, OCTET STRING { ENUMERATED } } }
        [
            0x30,
            0x0c,
            0x30,
            0x0a,
            0x06,
            0x03,
            0x55,
            0x1d,
            0x15,
            0x04,
            0x03,
            0x0a,
            0x01,
            r,
        ] if *r <= 10 && *r != 7 => *r,
        _ => return None,
    };
    if secs >= 1 << 56 {
        return None;
    }
    Some((value, sl, secs << 8 | u64::from(reason)))
}

/// One entry (RFC 5280 §5.1.2.6): `SEQUENCE { userCertificate INTEGER, revocationDate
/// Time, crlEntryExtensions Extensions OPTIONAL }`; the reasonCode (§5.3.1) is kept,
/// invalidityDate (§5.3.2) and holdInstructionCode are skipped, certificateIssuer
/// (§5.3.3) and unknown critical entry extensions make the CRL unusable (§5.3).
fn entry_slow<'e>(
    entry: &Tlv<'e>,
    limits: &ReadLimits,
) -> Result<(Tlv<'e>, u64, u8), CrlIndexError> {
    let mut er = entry.reader();
    let serial = er.expect(TAG_INT, "userCertificate is not an INTEGER")?;
    crl_der::integer(&serial)?;
    if serial.content.len() > limits.max_serial_len {
        return Err(CrlIndexError::TooLarge {
            what: "serial number length",
            limit: limits.max_serial_len as u64,
        });
    }
    let secs = crl_der::time(&er.read()?)?;
    let mut reason = NO_REASON;
    if !er.is_empty() {
        let exts = er.expect(TAG_SEQ, "crlEntryExtensions is not a SEQUENCE")?;
        er.finish("trailing data in revoked entry")?;
        if exts.content.is_empty() {
            return Err(der_err(exts.offset, "empty crlEntryExtensions"));
        }
        let mut xr = exts.reader();
        let mut seen: [&[u8]; 4] = [&[]; 4];
        let mut n = 0usize;
        while !xr.is_empty() {
            if n >= limits.max_extensions {
                return Err(CrlIndexError::TooLarge {
                    what: "entry extensions",
                    limit: limits.max_extensions as u64,
                });
            }
            let e = xr.read()?;
            let (oid, critical, value) = extension(&e)?;
            if seen.iter().take(n.min(4)).any(|s| *s == oid) {
                return Err(der_err(
                    e.offset,
                    "duplicate entry extension (RFC 5280 §5.3)",
                ));
            }
            if let Some(slot) = seen.get_mut(n) {
                *slot = oid;
            }
            n += 1;
            match oid {
                OID_CRL_REASON => {
                    let mut vr = value.reader();
                    let v = vr.expect(TAG_ENUM, "reasonCode is not ENUMERATED")?;
                    vr.finish("trailing data in reasonCode")?;
                    let code = match v.content {
                        [c] if *c < 0x80 => *c,
                        _ => return Err(der_err(v.offset, "bad reasonCode")),
                    };
                    if RevocationReason::from_code(u32::from(code)).is_none() {
                        return Err(der_err(v.offset, "unknown reasonCode value"));
                    }
                    reason = code;
                }
                OID_INVALIDITY_DATE | OID_HOLD_INSTRUCTION => {}
                OID_CERT_ISSUER => {
                    return Err(CrlIndexError::Unsupported {
                        offset: e.offset,
                        what: String::from("certificateIssuer entry extension (RFC 5280 §5.3.3)"),
                    });
                }
                other if critical => {
                    return Err(CrlIndexError::Unsupported {
                        offset: e.offset,
                        what: alloc::format!(
                            "unknown critical entry extension {}",
                            oid_string(other)
                        ),
                    });
                }
                _ => {}
            }
        }
    }
    Ok((serial, secs, reason))
}

/// The digest of the TBS bytes, made by the backend that will check the signature.
enum Prehashed {
    RustCrypto(crate::sig::HashAlg, Vec<u8>),
    #[cfg(feature = "aws-lc")]
    AwsLc(crate::sig::HashAlg, aws_lc_rs::digest::Digest),
}

impl Prehashed {
    fn compute(backend: Backend, hash: crate::sig::HashAlg, data: &[u8]) -> Self {
        match backend {
            Backend::RustCrypto => Self::RustCrypto(hash, hash.digest(data)),
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => {
                use aws_lc_rs::digest;
                let alg = match hash {
                    crate::sig::HashAlg::Sha256 => &digest::SHA256,
                    crate::sig::HashAlg::Sha384 => &digest::SHA384,
                    crate::sig::HashAlg::Sha512 => &digest::SHA512,
                };
                Self::AwsLc(hash, digest::digest(alg, data))
            }
        }
    }

    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2) over the digest, with the key in `spki_der`;
    /// the same errors as [`crate::sig::verify_with_spki`].
    fn verify(&self, spki_der: &[u8], signature: &[u8]) -> Result<(), crate::Error> {
        let key = crate::sig::rsa_key_from_spki(spki_der)?;
        let bad = || crate::Error::BadSignature { what: "CRL" };
        match self {
            Self::RustCrypto(hash, d) => {
                use crate::sig::HashAlg;
                use rsa::pkcs1::DecodeRsaPublicKey;
                let key = rsa::PublicKey::from_pkcs1_der(&key)
                    .map_err(|e| crate::Error::malformed("RSA public key", e))?;
                let r = match hash {
                    HashAlg::Sha256 => {
                        key.pkcs1v15_verify_prehash::<rsa::sha2::Sha256>(d, signature)
                    }
                    HashAlg::Sha384 => {
                        key.pkcs1v15_verify_prehash::<rsa::sha2::Sha384>(d, signature)
                    }
                    HashAlg::Sha512 => {
                        key.pkcs1v15_verify_prehash::<rsa::sha2::Sha512>(d, signature)
                    }
                };
                r.map_err(|_| bad())
            }
            #[cfg(feature = "aws-lc")]
            Self::AwsLc(hash, d) => {
                use aws_lc_rs::signature;
                let alg = match hash {
                    crate::sig::HashAlg::Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    crate::sig::HashAlg::Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    crate::sig::HashAlg::Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                };
                signature::UnparsedPublicKey::new(alg, &key)
                    .verify_digest(d, signature)
                    .map_err(|_| bad())
            }
        }
    }
}

/// Runs `a` on a second thread while `b` runs on this one (`std` builds); one after the
/// other where no thread can be started (no `std`, wasm32 without threads, or an OS
/// refusal).
fn join2<A: Send, B>(a: impl Fn() -> A + Sync, b: impl FnOnce() -> B) -> (A, B) {
    #[cfg(feature = "std")]
    {
        let a = &a;
        std::thread::scope(|s| {
            match std::thread::Builder::new()
                .name(String::from("crl-digest"))
                .spawn_scoped(s, a)
            {
                Ok(h) => {
                    let rb = b();
                    let ra = h.join().unwrap_or_else(|_| a());
                    (ra, rb)
                }
                Err(_) => (a(), b()),
            }
        })
    }
    #[cfg(not(feature = "std"))]
    {
        (a(), b())
    }
}

const NO_REASON: u8 = 0xff;
const MAGIC: &[u8; 8] = b"INKANCRL";
/// The persisted format version written by this build.
pub const INDEX_FORMAT_VERSION: u32 = 2;
const HEADER_LEN: usize = 48;
const MAX_WIDTH: usize = 32;

/// Accumulates entries as fixed-width two's-complement keys, widening when a longer
/// serial appears (at most `MAX_WIDTH` times in all).
struct Builder {
    width: usize,
    max_len: usize,
    keys: Vec<u8>,
    packed: Vec<u64>,
}

/// Sign-extends a minimal two's-complement INTEGER into `out` (`out.len()` ≥ `v.len()`).
fn sign_extend(v: &[u8], out: &mut [u8]) {
    let pad = if v.first().is_some_and(|&b| b >= 0x80) {
        0xff
    } else {
        0
    };
    let split = out.len().saturating_sub(v.len());
    let (head, tail) = out.split_at_mut(split);
    head.fill(pad);
    tail.copy_from_slice(v.get(..tail.len()).unwrap_or(v));
}

impl Builder {
    fn new(max_len: usize) -> Self {
        Self {
            width: 0,
            max_len: max_len.min(MAX_WIDTH),
            keys: Vec::new(),
            packed: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.packed.len()
    }

    fn push(
        &mut self,
        v: &[u8],
        offset: usize,
        secs: u64,
        reason: u8,
    ) -> Result<(), CrlIndexError> {
        if v.len() > self.max_len {
            return Err(CrlIndexError::TooLarge {
                what: "serial number length",
                limit: self.max_len as u64,
            });
        }
        if v.len() > self.width {
            self.widen(v.len());
        }
        let start = self.keys.len();
        self.keys.resize(start.saturating_add(self.width), 0);
        if let Some(slot) = self.keys.get_mut(start..) {
            sign_extend(v, slot);
        }
        if secs >= 1 << 56 {
            return Err(der_err(offset, "revocationDate out of range"));
        }
        self.packed.push(secs << 8 | u64::from(reason));
        Ok(())
    }

    fn widen(&mut self, new_width: usize) {
        let old = self.width;
        let n = self.packed.len();
        let mut keys = Vec::with_capacity(n.saturating_mul(new_width));
        let mut tmp = [0u8; MAX_WIDTH];
        for k in self.keys.chunks_exact(old.max(1)).take(n) {
            if let Some(t) = tmp.get_mut(..new_width) {
                sign_extend(k, t);
                keys.extend_from_slice(t);
            }
        }
        self.keys = keys;
        self.width = new_width;
    }

    fn finish(mut self, info: &CrlInfo) -> Result<CrlIndex, CrlIndexError> {
        let w = self.width.max(1);
        if self.width == 0 {
            self.width = 1;
        }
        // Flip the sign bit: unsigned byte order becomes numeric order.
        for k in self.keys.chunks_exact_mut(w) {
            if let Some(b) = k.first_mut() {
                *b ^= 0x80;
            }
        }
        let n = self.packed.len();
        let sorted = self
            .keys
            .chunks_exact(w)
            .zip(self.keys.chunks_exact(w).skip(1))
            .all(|(a, b)| a < b);
        let order: Option<Vec<(u64, u32)>> = if sorted {
            None
        } else {
            if n > u32::MAX as usize {
                return Err(CrlIndexError::TooLarge {
                    what: "revoked entries",
                    limit: u64::from(u32::MAX),
                });
            }
            // Sort on the first eight bytes that differ between keys, ties broken by the
            // whole key.
            let keys = &self.keys;
            let first = keys.get(..w).unwrap_or(&[]);
            let common = keys
                .chunks_exact(w)
                .try_fold(w, |l, k| {
                    let d = first
                        .iter()
                        .zip(k)
                        .take(l)
                        .position(|(a, b)| a != b)
                        .unwrap_or(l);
                    if d == 0 { Err(0) } else { Ok(d) }
                })
                .unwrap_or_else(|e| e)
                .min(w.saturating_sub(1));
            let window = |i: usize| -> u64 {
                let mut p = [0u8; 8];
                let k = keys.get(i * w + common..i * w + w).unwrap_or(&[]);
                let m = k.len().min(8);
                if let (Some(d), Some(s)) = (p.get_mut(..m), k.get(..m)) {
                    d.copy_from_slice(s);
                }
                u64::from_be_bytes(p)
            };
            let exact = w - common <= 8;
            let pairs: Vec<(u64, u32)> = (0..n).map(|i| (window(i), i as u32)).collect();
            Some(bucket_sort(
                pairs,
                |p| p.0,
                |a, b| {
                    a.0.cmp(&b.0).then_with(|| {
                        if exact {
                            core::cmp::Ordering::Equal
                        } else {
                            let ka = keys.get(a.1 as usize * w..(a.1 as usize + 1) * w);
                            let kb = keys.get(b.1 as usize * w..(b.1 as usize + 1) * w);
                            ka.cmp(&kb)
                        }
                    })
                },
            ))
        };
        let meta = encode_meta(info);
        let mut buf = Vec::with_capacity(
            HEADER_LEN
                .saturating_add(meta.len())
                .saturating_add(n.saturating_mul(w + 8)),
        );
        write_header(&mut buf, w, n, meta.len());
        buf.extend_from_slice(&meta);
        match &order {
            None => buf.extend_from_slice(&self.keys),
            Some(o) => {
                for &(_, i) in o {
                    let i = i as usize;
                    buf.extend_from_slice(self.keys.get(i * w..i * w + w).unwrap_or(&[]));
                }
            }
        }
        drop(core::mem::take(&mut self.keys));
        match &order {
            None => {
                for p in &self.packed {
                    buf.extend_from_slice(&p.to_le_bytes());
                }
            }
            Some(o) => {
                for &(_, i) in o {
                    let p = self.packed.get(i as usize).copied().unwrap_or(0);
                    buf.extend_from_slice(&p.to_le_bytes());
                }
            }
        }
        let index = CrlIndex::unsealed(buf, info.clone(), w, n, meta.len());
        index.check_unique()?;
        Ok(index)
    }
}

/// Collects the entries of one CRL: [`FastBuilder`] while every serial is a
/// non-negative number of at most 64 bits (the usual case), [`Builder`] from the first
/// serial that is not.
enum Collector {
    Fast(FastBuilder),
    General(Builder),
}

impl Collector {
    pub(crate) fn new() -> Self {
        Self::Fast(FastBuilder::new())
    }

    /// Reserves room for the most entries `content_len` bytes of revokedCertificates can
    /// hold: the smallest entry is 20 bytes (SEQUENCE, one-byte INTEGER, UTCTime).
    /// Untouched pages of the reservation cost nothing.
    pub(crate) fn reserve_for(&mut self, content_len: usize, limits: &ReadLimits) {
        self.reserve((content_len / 20).min(limits.max_entries));
    }

    fn reserve(&mut self, n: usize) {
        match self {
            Self::Fast(f) => f.recs.reserve(n),
            Self::General(b) => b.packed.reserve(n),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Fast(f) => f.recs.len(),
            Self::General(b) => b.len(),
        }
    }

    #[inline]
    fn push(
        &mut self,
        serial: &[u8],
        offset: usize,
        secs: u64,
        reason: u8,
        max_serial_len: usize,
    ) -> Result<(), CrlIndexError> {
        if let Self::Fast(f) = self {
            if f.push(serial, offset, secs, reason)? {
                return Ok(());
            }
            let mut b = Builder::new(max_serial_len);
            b.packed.reserve(f.recs.capacity());
            let mut tmp = [0u8; 9];
            for &(v, packed) in &f.recs {
                let content = minimal_content(v, &mut tmp);
                b.push(content, offset, packed >> 8, (packed & 0xff) as u8)?;
            }
            *self = Self::General(b);
        }
        match self {
            Self::General(b) => b.push(serial, offset, secs, reason),
            Self::Fast(_) => Ok(()),
        }
    }

    pub(crate) fn finish(self, info: &CrlInfo) -> Result<CrlIndex, CrlIndexError> {
        self.finish_into(info, None)
    }

    /// The entries so far and the key width, while every serial fits 64 bits.
    #[cfg(feature = "std")]
    fn fast_shape(&self) -> Option<(usize, usize)> {
        match self {
            Self::Fast(f) => Some((f.recs.len(), f.width)),
            Self::General(_) => None,
        }
    }

    /// [`finish`](Self::finish), writing the index into `out` (whatever its contents)
    /// when given: memory the caller had faulted in while this thread was busy.
    fn finish_into(self, info: &CrlInfo, out: Option<Vec<u8>>) -> Result<CrlIndex, CrlIndexError> {
        match self {
            Self::Fast(f) => f.finish(info, out),
            Self::General(b) => b.finish(info),
        }
    }
}

/// The minimal two's-complement INTEGER content of a non-negative `v`, in `tmp`.
fn minimal_content(v: u64, tmp: &mut [u8; 9]) -> &[u8] {
    if let Some(t) = tmp.get_mut(1..) {
        t.copy_from_slice(&v.to_be_bytes());
    }
    // Keep one byte; keep a zero byte in front of a byte with the top bit set.
    let lead = (v.leading_zeros() / 8) as usize;
    let mut start = 1 + lead.min(7);
    if tmp.get(start).is_some_and(|&b| b >= 0x80) {
        start -= 1;
    }
    tmp.get(start..).unwrap_or(&[])
}

/// Entries whose serials are non-negative and fit 64 bits, as (serial value, packed
/// date and reason) pairs: 16 bytes each, sorted by value with a bucket sort.
struct FastBuilder {
    recs: Vec<(u64, u64)>,
    /// Longest INTEGER content seen: the key width.
    width: usize,
}

impl FastBuilder {
    /// Takes entries of the common shape ([`entry_common`]) from `data` at `pos` while
    /// they come whole; returns where it stopped (an entry of another shape, a cut entry,
    /// the entry limit or the end).
    fn walk_common(&mut self, data: &[u8], mut pos: usize, limits: &ReadLimits) -> usize {
        let room = limits.max_entries.saturating_sub(self.recs.len());
        let mut width = self.width;
        // Bounded: at most `room` iterations, each consuming an entry.
        for _ in 0..room {
            let Some([TAG_SEQ, l, body @ ..]) = data.get(pos..) else {
                break;
            };
            let l = usize::from(*l);
            let Some((v, w, packed)) = body.get(..l).filter(|_| l < 0x80).and_then(entry_common)
            else {
                break;
            };
            if w > limits.max_serial_len {
                break;
            }
            width = width.max(w);
            self.recs.push((v, packed));
            pos += 2 + l;
        }
        self.width = width;
        pos
    }

    fn new() -> Self {
        Self {
            recs: Vec::new(),
            width: 0,
        }
    }

    /// Takes the entry if its serial fits; `Ok(false)` if it does not.
    #[inline]
    fn push(
        &mut self,
        serial: &[u8],
        offset: usize,
        secs: u64,
        reason: u8,
    ) -> Result<bool, CrlIndexError> {
        // `serial` is a minimal INTEGER: a leading zero byte only before a byte ≥ 0x80.
        let magnitude = match serial {
            [b, ..] if *b >= 0x80 => return Ok(false),
            [0, rest @ ..] if !rest.is_empty() => rest,
            s => s,
        };
        if magnitude.len() > 8 {
            return Ok(false);
        }
        if secs >= 1 << 56 {
            return Err(der_err(offset, "revocationDate out of range"));
        }
        let v = magnitude
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        self.width = self.width.max(serial.len());
        self.recs.push((v, secs << 8 | u64::from(reason)));
        Ok(true)
    }

    /// Distributes the entries by value straight into the index layout (about two per
    /// bucket over the range of values), then sorts each bucket in place.
    fn finish(self, info: &CrlInfo, out: Option<Vec<u8>>) -> Result<CrlIndex, CrlIndexError> {
        // One instance per key width, so that key copies have a fixed size.
        match self.width {
            0 | 1 => self.finish_w::<1>(info, out),
            2 => self.finish_w::<2>(info, out),
            3 => self.finish_w::<3>(info, out),
            4 => self.finish_w::<4>(info, out),
            5 => self.finish_w::<5>(info, out),
            6 => self.finish_w::<6>(info, out),
            7 => self.finish_w::<7>(info, out),
            8 => self.finish_w::<8>(info, out),
            _ => self.finish_w::<9>(info, out),
        }
    }

    fn finish_w<const W: usize>(
        self,
        info: &CrlInfo,
        out: Option<Vec<u8>>,
    ) -> Result<CrlIndex, CrlIndexError> {
        let recs = crate::crl_sort::sort_records(self.recs, true);
        let n = recs.len();
        let meta = encode_meta(info);
        let total = HEADER_LEN
            .saturating_add(meta.len())
            .saturating_add(n.saturating_mul(W + 8));
        let mut head = Vec::with_capacity(HEADER_LEN.saturating_add(meta.len()));
        write_header(&mut head, W, n, meta.len());
        head.extend_from_slice(&meta);
        // Zeroed pages come from the allocator untouched: each half of the layout is
        // first written (and faulted in) by the thread that fills it.
        // Every byte is written below, so the contents of `out` do not matter.
        let mut buf = match out {
            Some(mut b) => {
                b.resize(total, 0);
                b
            }
            None => alloc::vec![0u8; total],
        };
        let (h, body) = buf.split_at_mut(head.len().min(total));
        h.copy_from_slice(head.get(..h.len()).unwrap_or(&[]));
        let (keys, packed) = body.split_at_mut(n.saturating_mul(W).min(body.len()));
        let half = n / 2;
        let (r1, r2) = recs.split_at(half);
        let (k1, k2) = keys.split_at_mut(half.saturating_mul(W).min(keys.len()));
        let (p1, p2) = packed.split_at_mut(half.saturating_mul(8).min(packed.len()));
        if let (Some(a), Some(b)) = (r1.last(), r2.first())
            && a.0 == b.0
        {
            return Err(duplicate(a.0));
        }
        #[cfg(feature = "std")]
        let (e2, e1) = if n >= 1 << 16 {
            let upper = std::sync::Mutex::new(Some((k2, p2)));
            join2(
                || match upper.lock().ok().and_then(|mut g| g.take()) {
                    Some((k, p)) => emit::<W>(r2, k, p),
                    None => Ok(()),
                },
                || emit::<W>(r1, k1, p1),
            )
        } else {
            (emit::<W>(r2, k2, p2), emit::<W>(r1, k1, p1))
        };
        #[cfg(not(feature = "std"))]
        let (e2, e1) = (emit::<W>(r2, k2, p2), emit::<W>(r1, k1, p1));
        e1.and(e2)?;
        Ok(CrlIndex::unsealed(buf, info.clone(), W, n, meta.len()))
    }
}

/// A duplicate-serial error for the value `v`.
#[cold]
fn duplicate(v: u64) -> CrlIndexError {
    let mut tmp = [0u8; 9];
    CrlIndexError::DuplicateSerial {
        serial: hex(minimal_content(v, &mut tmp)),
    }
}

/// Writes sorted records into their part of the index layout: each value as a `W`-byte
/// key (sign-extended with zeros, top bit flipped) and its packed date and reason.
fn emit<const W: usize>(
    recs: &[(u64, u64)],
    keys: &mut [u8],
    packed: &mut [u8],
) -> Result<(), CrlIndexError> {
    let mut prev: Option<u64> = None;
    for ((&(v, p), k), q) in recs
        .iter()
        .zip(keys.chunks_exact_mut(W))
        .zip(packed.chunks_exact_mut(8))
    {
        if prev == Some(v) {
            return Err(duplicate(v));
        }
        prev = Some(v);
        let mut wide = [0u8; 16];
        if let Some(t) = wide.last_chunk_mut::<8>() {
            *t = v.to_be_bytes();
        }
        let mut key = wide.last_chunk::<W>().copied().unwrap_or([0; W]);
        if let Some(b) = key.first_mut() {
            *b ^= 0x80;
        }
        k.copy_from_slice(&key);
        q.copy_from_slice(&p.to_le_bytes());
    }
    Ok(())
}

/// Sorts `v` by `cmp`, where `key` is a numeric prefix of the order (`key(a) < key(b)`
/// implies `a` before `b`): a counting pass, one distribution into about n/2 buckets
/// over the range of keys, then a comparison sort within each bucket. Input already
/// in order is returned as is.
fn bucket_sort<T: Copy>(
    v: Vec<T>,
    key: impl Fn(&T) -> u64,
    cmp: impl Fn(&T, &T) -> core::cmp::Ordering,
) -> Vec<T> {
    let n = v.len();
    let Some(&fill) = v.first() else {
        return v;
    };
    if v.windows(2).all(|p| match p {
        [a, b] => cmp(a, b) != core::cmp::Ordering::Greater,
        _ => true,
    }) {
        return v;
    }
    let (lo, hi) = v.iter().fold((u64::MAX, 0u64), |(lo, hi), t| {
        let k = key(t);
        (lo.min(k), hi.max(k))
    });
    let range = hi.saturating_sub(lo);
    // About two entries per bucket, at most 2^20 buckets.
    let bits = (usize::BITS - 1 - n.leading_zeros())
        .saturating_sub(1)
        .clamp(1, 20);
    let shift = (u64::BITS - range.leading_zeros()).saturating_sub(bits);
    let buckets = usize::try_from(range >> shift).unwrap_or(0) + 1;
    let bucket = |t: &T| ((key(t).wrapping_sub(lo)) >> shift) as usize;
    let mut next = alloc::vec![0u32; buckets + 1];
    for t in &v {
        if let Some(c) = next.get_mut(bucket(t) + 1) {
            *c += 1;
        }
    }
    let mut sum = 0u32;
    for c in next.iter_mut() {
        sum += *c;
        *c = sum;
    }
    // next[b] is now where bucket b starts; it advances as the bucket fills.
    let starts = next.clone();
    let mut out = alloc::vec![fill; n];
    for t in &v {
        if let Some(p) = next.get_mut(bucket(t)) {
            if let Some(slot) = out.get_mut(*p as usize) {
                *slot = *t;
            }
            *p += 1;
        }
    }
    drop(v);
    for w in starts.windows(2) {
        if let [s, e] = *w
            && e - s > 1
            && let Some(b) = out.get_mut(s as usize..e as usize)
        {
            b.sort_unstable_by(&cmp);
        }
    }
    out
}

/// The checksum of an index layout (format version 2): XXH3-64 over the two XXH3-64
/// values of bytes 48 to the end of the serials and of the packed dates after them,
/// which two threads compute at once for a large index.
fn checksum(buf: &[u8], keys_at: usize, count: usize, width: usize) -> u64 {
    let split = keys_at
        .saturating_add(count.saturating_mul(width))
        .clamp(HEADER_LEN.min(buf.len()), buf.len());
    let (front, back) = buf.split_at(split);
    let front = front.get(HEADER_LEN..).unwrap_or(&[]);
    let h = |part: &[u8]| xxhash_rust::xxh3::xxh3_64(part);
    let (a, b) = if buf.len() >= 1 << 20 {
        join2(|| h(back), || h(front))
    } else {
        (h(back), h(front))
    };
    let mut both = [0u8; 16];
    let (x, y) = both.split_at_mut(8);
    x.copy_from_slice(&b.to_le_bytes());
    y.copy_from_slice(&a.to_le_bytes());
    h(&both)
}

fn write_header(buf: &mut Vec<u8>, w: usize, n: usize, meta_len: usize) {
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&INDEX_FORMAT_VERSION.to_le_bytes());
    buf.extend_from_slice(&(w as u32).to_le_bytes());
    buf.extend_from_slice(&(n as u64).to_le_bytes());
    buf.extend_from_slice(&(meta_len as u64).to_le_bytes());
    buf.extend_from_slice(&0u64.to_le_bytes()); // checksum, filled in by `seal`
    buf.extend_from_slice(&0u64.to_le_bytes());
}

fn put_opt(out: &mut Vec<u8>, v: Option<&[u8]>) {
    match v {
        None => out.push(0),
        Some(b) => {
            out.push(1);
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
    }
}

fn encode_meta(info: &CrlInfo) -> Vec<u8> {
    let mut m = Vec::with_capacity(256 + info.issuer_der.len());
    put_opt(&mut m, Some(&info.issuer_der));
    m.extend_from_slice(&info.this_update.0.to_le_bytes());
    put_opt(
        &mut m,
        info.next_update
            .map(|t| t.0.to_le_bytes())
            .as_ref()
            .map(|b| &b[..]),
    );
    put_opt(&mut m, info.number.as_deref());
    put_opt(&mut m, info.delta_base.as_deref());
    put_opt(&mut m, info.idp_der.as_deref());
    put_opt(&mut m, info.aki.as_deref());
    m.extend_from_slice(&info.signer_spki_sha256);
    m.extend_from_slice(&info.crl_sha256);
    m
}

struct MetaReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> MetaReader<'a> {
    fn corrupt(&self) -> CrlIndexError {
        CrlIndexError::IndexCorrupt {
            offset: HEADER_LEN.saturating_add(self.pos),
            what: "bad metadata",
        }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], CrlIndexError> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.corrupt())?;
        let s = self.data.get(self.pos..end).ok_or_else(|| self.corrupt())?;
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], CrlIndexError> {
        let s = self.take(N)?;
        s.try_into().map_err(|_| self.corrupt())
    }
    fn opt(&mut self) -> Result<Option<&'a [u8]>, CrlIndexError> {
        match self.array::<1>()? {
            [0] => Ok(None),
            [1] => {
                let n = u32::from_le_bytes(self.array::<4>()?) as usize;
                self.take(n).map(Some)
            }
            _ => Err(self.corrupt()),
        }
    }
}

fn decode_meta(data: &[u8]) -> Result<CrlInfo, CrlIndexError> {
    let mut r = MetaReader { data, pos: 0 };
    let issuer_der = r.opt()?.ok_or_else(|| r.corrupt())?.to_vec();
    let this_update = UnixTime(u64::from_le_bytes(r.array::<8>()?));
    let next_update = match r.opt()? {
        None => None,
        Some(b) => Some(UnixTime(u64::from_le_bytes(
            b.try_into().map_err(|_| r.corrupt())?,
        ))),
    };
    let number = r.opt()?.map(<[u8]>::to_vec);
    let delta_base = r.opt()?.map(<[u8]>::to_vec);
    let idp_der = r.opt()?.map(<[u8]>::to_vec);
    let aki = r.opt()?.map(<[u8]>::to_vec);
    let signer_spki_sha256 = r.array::<32>()?;
    let crl_sha256 = r.array::<32>()?;
    if r.pos != data.len() {
        return Err(r.corrupt());
    }
    Ok(CrlInfo {
        issuer_der,
        this_update,
        next_update,
        number,
        delta_base,
        idp_der,
        aki,
        signer_spki_sha256,
        crl_sha256,
    })
}

fn hex(b: &[u8]) -> String {
    crate::cert::hex_string(b)
}

/// Compares unsigned big-endian numbers without leading zeros.
fn uint_cmp(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// An index of the revoked serials of one CRL (or a base CRL with a delta merged in):
/// one buffer, fixed-width sorted serials, packed dates and reasons.
#[derive(Clone, PartialEq, Eq)]
pub struct CrlIndex {
    buf: Vec<u8>,
    info: CrlInfo,
    width: usize,
    count: usize,
    keys_at: usize,
}

impl fmt::Debug for CrlIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrlIndex")
            .field("issuer", &self.info.issuer_string())
            .field("entries", &self.count)
            .field("width", &self.width)
            .finish_non_exhaustive()
    }
}

impl CrlIndex {
    /// Parses `der`, checks it was issued and signed by `ca`, and indexes it.
    pub fn from_der_verified(
        der: &[u8],
        ca: &Cert,
        backend: Backend,
    ) -> Result<Self, CrlIndexError> {
        let mut raw = RawCrl::parse(der)?;
        raw.verify_and_index(core::slice::from_ref(ca), backend)
    }

    /// An index over `buf` whose checksum is not yet filled in (see [`sealed`](Self::sealed)).
    fn unsealed(buf: Vec<u8>, info: CrlInfo, width: usize, count: usize, meta_len: usize) -> Self {
        Self {
            buf,
            info,
            width,
            count,
            keys_at: HEADER_LEN.saturating_add(meta_len),
        }
    }

    /// Fills in the checksum.
    fn sealed(mut self) -> Self {
        let sum = checksum(&self.buf, self.keys_at, self.count, self.width);
        if let Some(s) = self.buf.get_mut(32..40) {
            s.copy_from_slice(&sum.to_le_bytes());
        }
        self
    }

    /// Records the key that verified the CRL, in the metadata (whose last 64 bytes are
    /// the signer and CRL hashes).
    fn set_signer(&mut self, spki_sha256: [u8; 32]) {
        self.info.signer_spki_sha256 = spki_sha256;
        let at = self.keys_at.saturating_sub(64);
        if let Some(s) = self.buf.get_mut(at..at + 32) {
            s.copy_from_slice(&spki_sha256);
        }
    }

    fn seal(
        mut buf: Vec<u8>,
        info: CrlInfo,
        width: usize,
        count: usize,
        meta_len: usize,
    ) -> Result<Self, CrlIndexError> {
        let keys_at = HEADER_LEN.saturating_add(meta_len);
        let sum = checksum(&buf, keys_at, count, width);
        if let Some(s) = buf.get_mut(32..40) {
            s.copy_from_slice(&sum.to_le_bytes());
        }
        Ok(Self {
            buf,
            info,
            width,
            count,
            keys_at: HEADER_LEN.saturating_add(meta_len),
        })
    }

    /// Reads a persisted index (see the module documentation for the layout), checking
    /// magic, version, sizes and the XXH3-64 checksum.
    ///
    /// The checksum detects corruption, not tampering: an index is a local file written
    /// by [`CrlIndex::as_bytes`] after the CRL's signature was verified, and whoever can
    /// write it can also replace it. Sort order is therefore not re-checked here (that
    /// would cost a pass over every key on each open); a tampered file can give wrong
    /// answers but never panics.
    pub fn from_bytes(buf: Vec<u8>) -> Result<Self, CrlIndexError> {
        let corrupt = |offset, what| CrlIndexError::IndexCorrupt { offset, what };
        let head = buf
            .get(..HEADER_LEN)
            .ok_or_else(|| corrupt(0, "truncated header"))?;
        let u32_at = |o: usize| {
            head.get(o..o + 4)
                .and_then(|s| s.try_into().ok())
                .map(u32::from_le_bytes)
                .unwrap_or(0)
        };
        let u64_at = |o: usize| {
            head.get(o..o + 8)
                .and_then(|s| s.try_into().ok())
                .map(u64::from_le_bytes)
                .unwrap_or(0)
        };
        if head.get(..8) != Some(&MAGIC[..]) {
            return Err(corrupt(0, "not an inkan CRL index"));
        }
        let version = u32_at(8);
        if version != INDEX_FORMAT_VERSION {
            return Err(CrlIndexError::IndexVersion { found: version });
        }
        let width = u32_at(12) as usize;
        if width == 0 || width > MAX_WIDTH {
            return Err(corrupt(12, "bad key width"));
        }
        let count = usize::try_from(u64_at(16)).map_err(|_| corrupt(16, "bad count"))?;
        let meta_len = usize::try_from(u64_at(24)).map_err(|_| corrupt(24, "bad length"))?;
        let sum = u64_at(32);
        let expected = count
            .checked_mul(width + 8)
            .and_then(|b| b.checked_add(meta_len))
            .and_then(|b| b.checked_add(HEADER_LEN))
            .ok_or_else(|| corrupt(16, "sizes overflow"))?;
        if expected != buf.len() {
            return Err(corrupt(
                buf.len().min(expected),
                "length does not match header",
            ));
        }
        if checksum(&buf, HEADER_LEN + meta_len, count, width) != sum {
            return Err(CrlIndexError::IndexChecksum);
        }
        let info = decode_meta(buf.get(HEADER_LEN..HEADER_LEN + meta_len).unwrap_or(&[]))?;
        let index = Self {
            buf,
            info,
            width,
            count,
            keys_at: HEADER_LEN + meta_len,
        };
        Ok(index)
    }

    /// Checks keys are strictly increasing.
    fn check_unique(&self) -> Result<(), CrlIndexError> {
        let keys = self.keys();
        let w = self.width;
        for (i, (a, b)) in keys
            .chunks_exact(w)
            .zip(keys.chunks_exact(w).skip(1))
            .enumerate()
        {
            if a >= b {
                if a == b {
                    return Err(CrlIndexError::DuplicateSerial {
                        serial: hex(&self.serial_at(i).unwrap_or_default()),
                    });
                }
                return Err(CrlIndexError::IndexCorrupt {
                    offset: self.keys_at + i * w,
                    what: "serials not sorted",
                });
            }
        }
        Ok(())
    }

    fn keys(&self) -> &[u8] {
        self.buf
            .get(self.keys_at..self.keys_at + self.count * self.width)
            .unwrap_or(&[])
    }

    fn packed_at(&self, i: usize) -> u64 {
        let o = self.keys_at + self.count * self.width + i * 8;
        self.buf
            .get(o..o + 8)
            .and_then(|s| s.try_into().ok())
            .map(u64::from_le_bytes)
            .unwrap_or(0)
    }

    fn revocation_at(&self, i: usize) -> Revocation {
        let p = self.packed_at(i);
        let code = (p & 0xff) as u8;
        Revocation {
            revoked_at: UnixTime(p >> 8),
            reason: if code == NO_REASON {
                None
            } else {
                RevocationReason::from_code(u32::from(code))
            },
        }
    }

    /// The serial at position `i`, as minimal two's-complement INTEGER content.
    fn serial_at(&self, i: usize) -> Option<Vec<u8>> {
        let k = self.keys().get(i * self.width..(i + 1) * self.width)?;
        let mut v = k.to_vec();
        if let Some(b) = v.first_mut() {
            *b ^= 0x80;
        }
        // Strip redundant sign bytes.
        let mut start = 0;
        while start + 1 < v.len() {
            let (a, b) = (v.get(start).copied()?, v.get(start + 1).copied()?);
            if (a == 0 && b < 0x80) || (a == 0xff && b >= 0x80) {
                start += 1;
            } else {
                break;
            }
        }
        Some(v.split_off(start))
    }

    /// The CRL fields.
    pub fn info(&self) -> &CrlInfo {
        &self.info
    }

    /// Number of revoked entries.
    pub fn len(&self) -> usize {
        self.count
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Key width in bytes.
    pub fn key_width(&self) -> usize {
        self.width
    }

    /// The persisted form.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Looks up a serial given as DER INTEGER content (two's complement, as in a
    /// certificate, RFC 5280 §4.1.2.2). Non-minimal encodings are accepted.
    pub fn lookup(&self, serial: &[u8]) -> Option<Revocation> {
        // Strip redundant sign bytes so that the value fits the key width if it can.
        let mut v = serial;
        while let [a, b, rest @ ..] = v {
            if (*a == 0 && *b < 0x80) || (*a == 0xff && *b >= 0x80) {
                v = v.get(1..).unwrap_or(&[]);
                let _ = rest;
            } else {
                break;
            }
        }
        if v.is_empty() || v.len() > self.width {
            return None;
        }
        let mut key = [0u8; MAX_WIDTH];
        let key = key.get_mut(..self.width)?;
        sign_extend(v, key);
        if let Some(b) = key.first_mut() {
            *b ^= 0x80;
        }
        self.find(key).map(|i| self.revocation_at(i))
    }

    /// Looks up a serial given as an unsigned big-endian number (as printed in hex by
    /// tools, leading zeros allowed).
    pub fn lookup_unsigned(&self, magnitude: &[u8]) -> Option<Revocation> {
        let skip = magnitude
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(magnitude.len());
        let m = magnitude.get(skip..).unwrap_or(&[]);
        let mut v = [0u8; MAX_WIDTH + 1];
        let n = m.len() + 1;
        let slot = v.get_mut(..n)?;
        if let Some((first, rest)) = slot.split_first_mut() {
            *first = 0;
            rest.copy_from_slice(m);
        }
        self.lookup(slot)
    }

    fn find(&self, key: &[u8]) -> Option<usize> {
        let keys = self.keys();
        let w = self.width;
        let (mut lo, mut hi) = (0usize, self.count);
        // Binary search: at most log2(count)+1 iterations.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let k = keys.get(mid * w..mid * w + w)?;
            match k.cmp(key) {
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
                core::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Every entry in serial order: (serial as minimal INTEGER content, revocation).
    pub fn iter(&self) -> impl Iterator<Item = (Vec<u8>, Revocation)> + '_ {
        (0..self.count).map(|i| (self.serial_at(i).unwrap_or_default(), self.revocation_at(i)))
    }

    /// A delta CRL (RFC 5280 §5.2.4).
    pub fn is_delta(&self) -> bool {
        self.info.delta_base.is_some()
    }

    /// Checks thisUpdate ≤ `at` ≤ nextUpdate (RFC 5280 §5.1.2.4, §5.1.2.5). A CRL
    /// without nextUpdate never expires here.
    pub fn check_time(&self, at: UnixTime) -> Result<(), CrlIndexError> {
        if self.info.this_update > at {
            return Err(CrlIndexError::NotYetValid {
                this_update: self.info.this_update,
                at,
            });
        }
        match self.info.next_update {
            Some(nu) if at > nu => Err(CrlIndexError::Expired {
                next_update: nu,
                at,
            }),
            _ => Ok(()),
        }
    }

    /// Merges a delta CRL into this complete CRL (RFC 5280 §5.2.4): the delta must have
    /// the same issuer and scope, a BaseCRLNumber ≤ this CRL's number and a larger
    /// number. Delta entries replace base entries; removeFromCRL entries remove them.
    /// The result carries the delta's number and times.
    pub fn merge_delta(&self, delta: &CrlIndex) -> Result<CrlIndex, CrlIndexError> {
        let mismatch = |detail| CrlIndexError::DeltaMismatch { detail };
        if self.is_delta() {
            return Err(mismatch("the base is itself a delta CRL"));
        }
        let base_n = self
            .info
            .number
            .as_deref()
            .ok_or(mismatch("the base has no cRLNumber"))?;
        let d_base = delta
            .info
            .delta_base
            .as_deref()
            .ok_or(mismatch("not a delta CRL"))?;
        let d_n = delta
            .info
            .number
            .as_deref()
            .ok_or(mismatch("the delta has no cRLNumber"))?;
        if delta.info.issuer_der != self.info.issuer_der {
            return Err(mismatch("different issuers"));
        }
        if delta.info.idp_der != self.info.idp_der {
            return Err(mismatch("different issuingDistributionPoint"));
        }
        if self.info.signer_spki_sha256 != delta.info.signer_spki_sha256 {
            return Err(mismatch("signed by different keys"));
        }
        if uint_cmp(d_base, base_n) == core::cmp::Ordering::Greater {
            return Err(mismatch("the delta's BaseCRLNumber is newer than the base"));
        }
        if uint_cmp(d_n, base_n) != core::cmp::Ordering::Greater {
            return Err(mismatch("the delta is not newer than the base"));
        }
        let w = self.width.max(delta.width);
        let widen = |idx: &CrlIndex, i: usize, out: &mut [u8]| {
            let k = idx
                .keys()
                .get(i * idx.width..(i + 1) * idx.width)
                .unwrap_or(&[]);
            let mut raw = [0u8; MAX_WIDTH];
            let n = k.len();
            if let (Some(r), Some(o)) = (raw.get_mut(..n), out.get_mut(..)) {
                r.copy_from_slice(k);
                if let Some(b) = r.first_mut() {
                    *b ^= 0x80;
                }
                sign_extend(r, o);
                if let Some(b) = o.first_mut() {
                    *b ^= 0x80;
                }
            }
        };
        let mut keys: Vec<u8> = Vec::with_capacity((self.count + delta.count) * w);
        let mut packed: Vec<u64> = Vec::with_capacity(self.count + delta.count);
        let (mut i, mut j) = (0usize, 0usize);
        let mut a = [0u8; MAX_WIDTH];
        let mut b = [0u8; MAX_WIDTH];
        let remove = u64::from(RevocationReason::RemoveFromCrl.code() as u8);
        // Bounded: each iteration advances i or j.
        while i < self.count || j < delta.count {
            let ka = a.get_mut(..w).unwrap_or(&mut []);
            if i < self.count {
                widen(self, i, ka);
            }
            let kb = b.get_mut(..w).unwrap_or(&mut []);
            if j < delta.count {
                widen(delta, j, kb);
            }
            let (ka, kb) = (a.get(..w).unwrap_or(&[]), b.get(..w).unwrap_or(&[]));
            let take_base = j >= delta.count || (i < self.count && ka < kb);
            if take_base {
                keys.extend_from_slice(ka);
                packed.push(self.packed_at(i));
                i += 1;
            } else {
                if i < self.count && ka == kb {
                    i += 1;
                }
                let p = delta.packed_at(j);
                if p & 0xff != remove {
                    keys.extend_from_slice(kb);
                    packed.push(p);
                }
                j += 1;
            }
        }
        let mut info = self.info.clone();
        info.number = delta.info.number.clone();
        info.this_update = delta.info.this_update;
        info.next_update = delta.info.next_update;
        info.crl_sha256 = delta.info.crl_sha256;
        let meta = encode_meta(&info);
        let n = packed.len();
        let mut buf = Vec::with_capacity(HEADER_LEN + meta.len() + n * (w + 8));
        write_header(&mut buf, w, n, meta.len());
        buf.extend_from_slice(&meta);
        buf.extend_from_slice(&keys);
        for p in packed {
            buf.extend_from_slice(&p.to_le_bytes());
        }
        Self::seal(buf, info, w, n, meta.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucket sort (for serials beyond 64 bits) agrees with a comparison sort on spread, clustered,
    /// narrow and already ordered keys.
    #[test]
    fn sorts_agree_with_sort_unstable() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let shapes: [&dyn Fn(u64, usize) -> u64; 5] = [
            &|r, _| r,
            &|r, _| r >> 40,
            &|r, i| if i % 1000 == 0 { r } else { r % 50_000 },
            &|_, i| i as u64 * 3,
            &|r, _| r % 7,
        ];
        for n in [0usize, 1, 2, 17, 1000, 200_000] {
            for shape in &shapes {
                let v: Vec<(u64, u64)> = (0..n).map(|i| (shape(rnd(), i), i as u64)).collect();
                let mut want = v.clone();
                want.sort_by_key(|r| r.0);
                let keys = |s: &[(u64, u64)]| s.iter().map(|r| r.0).collect::<Vec<_>>();
                let got = bucket_sort(v, |r| r.0, |a, b| a.0.cmp(&b.0));
                assert_eq!(keys(&got), keys(&want), "bucket n={n}");
            }
        }
    }

    #[test]
    fn sign_extension_and_order() {
        let mut b = Builder::new(32);
        let serials: [&[u8]; 5] = [
            &[0x05],
            &[0x00, 0x80],
            &[0x80],
            &[0x01, 0x00, 0x00],
            &[0x7f],
        ];
        for (i, s) in serials.iter().enumerate() {
            let t = Tlv {
                tag: 2,
                offset: i,
                content_offset: i,
                content: s,
            };
            b.push(t.content, t.offset, 100 + i as u64, NO_REASON)
                .unwrap();
        }
        let idx = b.finish(&CrlInfo::default()).unwrap().sealed();
        assert_eq!(idx.key_width(), 3);
        for s in serials {
            assert!(idx.lookup(s).is_some(), "{s:?}");
        }
        assert!(idx.lookup(&[0x06]).is_none());
        assert!(idx.lookup_unsigned(&[0x80]).is_some());
        assert!(idx.lookup_unsigned(&[0x00, 0x00, 0x05]).is_some());
        let order: Vec<Vec<u8>> = idx.iter().map(|e| e.0).collect();
        assert_eq!(
            order,
            vec![
                vec![0x80],
                vec![0x05],
                vec![0x7f],
                vec![0x00, 0x80],
                vec![0x01, 0, 0]
            ]
        );
        let again = CrlIndex::from_bytes(idx.as_bytes().to_vec()).unwrap();
        assert_eq!(again, idx);
        // A changed bit anywhere after the header — metadata, serials, dates — is caught.
        let len = idx.as_bytes().len();
        let keys_end = len - 8 * idx.len();
        for at in [HEADER_LEN, keys_end - 1, keys_end, len - 1] {
            let mut bad = idx.as_bytes().to_vec();
            bad[at] ^= 1;
            assert_eq!(
                CrlIndex::from_bytes(bad),
                Err(CrlIndexError::IndexChecksum),
                "{at}"
            );
        }
    }
}
