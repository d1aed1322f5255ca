//! The CRL structure (RFC 5280 §5.1) read with the strict DER walker: the head up to
//! the revoked entries, the entries one by one, and the tail (crlExtensions, signature).
//! The in-memory reader ([`super::Crl::from_der`]) and the streaming one
//! ([`super::stream`]) share all of it.

use alloc::string::String;
use alloc::vec::Vec;

use der::Decode;
use x509_cert::name::Name;

use super::info::{CrlInfo, ReadLimits, sha256};
use crate::asn1::{self, Reader, Tlv, der_err};
use crate::error::{CrlError, RevocationReason};
use crate::time::UnixTime;

pub(super) const TAG_SEQ: u8 = 0x30;
pub(super) const TAG_INT: u8 = 0x02;
const TAG_BOOL: u8 = 0x01;
const TAG_OCTETS: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_BITS: u8 = 0x03;
const TAG_ENUM: u8 = 0x0a;

// OID contents (RFC 5280 §5.2, §5.3).
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

/// No reasonCode extension on the entry.
pub(super) const NO_REASON: u8 = 0xff;

/// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
/// (RFC 5280 §4.1): returns (OID content, critical, value TLV).
fn extension<'a>(t: &Tlv<'a>) -> Result<(&'a [u8], bool, Tlv<'a>), CrlError> {
    if t.tag != TAG_SEQ {
        return Err(der_err(t.offset, "extension is not a SEQUENCE").into());
    }
    let mut r = t.reader();
    let oid = r.expect(TAG_OID, "expected extension OID")?;
    if oid.content.is_empty() {
        return Err(der_err(oid.offset, "empty OID").into());
    }
    let mut critical = false;
    if r.peek_tag() == Some(TAG_BOOL) {
        let b = r.read()?;
        match b.content {
            [0xff] => critical = true,
            [0x00] => return Err(der_err(b.offset, "DEFAULT FALSE encoded (X.690 §11.5)").into()),
            _ => return Err(der_err(b.offset, "BOOLEAN not 0xFF").into()),
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
    pub inner_alg_der: Vec<u8>,
    pub sig_alg: spki::AlgorithmIdentifierOwned,
    pub issuer_der: Vec<u8>,
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
    pub(crate) fn parse(prefix: &[u8]) -> Result<Self, CrlError> {
        let mut top = Reader::new(prefix);
        let outer = top.read_header(usize::MAX)?;
        if outer.tag != TAG_SEQ {
            return Err(der_err(outer.offset, "CertificateList is not a SEQUENCE").into());
        }
        // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }
        let tbs = top.read_header(outer.end)?;
        if tbs.tag != TAG_SEQ {
            return Err(der_err(tbs.offset, "tbsCertList is not a SEQUENCE").into());
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
                return Err(der_err(v.offset, "version is not v2").into());
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
            return Err(der_err(issuer.offset, "empty issuer name").into());
        }
        Name::from_der(issuer_der).map_err(|_| der_err(issuer.offset, "bad issuer Name"))?;
        // thisUpdate, nextUpdate (§5.1.2.4, §5.1.2.5)
        let this_update = asn1::time(&t.read()?)?;
        let mut next_update = None;
        if matches!(t.peek_tag(), Some(0x17 | 0x18)) {
            next_update = Some(asn1::time(&t.read()?)?);
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
    /// CRL fields (without the TBS digest, which the caller computed).
    pub(crate) fn parse_tail(&self, tail: &[u8], limits: ReadLimits) -> Result<CrlInfo, CrlError> {
        let rest_of_tbs = self.tbs_end.saturating_sub(self.tail_start);
        let after_tbs = self.outer_end.saturating_sub(self.tbs_end);
        if tail.len() < rest_of_tbs.saturating_add(after_tbs) {
            return Err(der_err(0, "length beyond the enclosing element").into());
        }
        let (tbs_rest, outer_rest) = tail.split_at(rest_of_tbs);
        let (outer_rest, trailing) = outer_rest.split_at(after_tbs);
        if !trailing.is_empty() {
            return Err(der_err(self.outer_end, "trailing data after the CRL").into());
        }
        let mut t = Reader::with_base(tbs_rest, self.tail_start);
        let mut info = CrlInfo {
            issuer_der: self.issuer_der.clone(),
            this_update: UnixTime(self.this_update),
            next_update: self.next_update.map(UnixTime),
            sig_alg_der: self.inner_alg_der.clone(),
            ..CrlInfo::default()
        };
        // crlExtensions [0] EXPLICIT Extensions OPTIONAL (§5.1.2.7), v2 only
        if t.peek_tag() == Some(0xa0) {
            let wrap = t.read()?;
            if !self.v2 {
                return Err(der_err(wrap.offset, "extensions in a v1 CRL").into());
            }
            crl_extensions(&wrap, &mut info, limits)?;
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
            )
            .into());
        }
        // A signature value with unused bits is no RSA or ECDSA signature (RFC 8017
        // §8.2.2: an octet string of length k): the CRL reads, its signature never
        // verifies, so the status it would give is unknown (PKITS 4.4.4), not a parse
        // error of the input.
        match sig.content.split_first() {
            Some((0, rest)) => {
                info.crl_sha256 = sha256(rest);
                info.signature = rest.to_vec();
            }
            _ => {
                info.crl_sha256 = sha256(sig.content);
                info.signature = Vec::new();
            }
        }
        Ok(info)
    }
}

/// Extensions (RFC 5280 §5.2) from `[0] EXPLICIT Extensions` into `info`. An unknown
/// critical extension does not fail the read: it is recorded in `info.unsupported`, and
/// the CRL is then unusable for revocation checking (§5.2: "a CRL … MUST NOT be used"
/// when a critical extension is not understood).
fn crl_extensions(wrap: &Tlv<'_>, info: &mut CrlInfo, limits: ReadLimits) -> Result<(), CrlError> {
    let mut w = wrap.reader();
    let exts = w.expect(TAG_SEQ, "Extensions is not a SEQUENCE")?;
    w.finish("trailing data after Extensions")?;
    if exts.content.is_empty() {
        return Err(der_err(exts.offset, "empty Extensions").into());
    }
    let mut er = exts.reader();
    let mut seen: Vec<&[u8]> = Vec::new();
    while !er.is_empty() {
        if seen.len() >= limits.max_extensions {
            return Err(CrlError::TooLarge {
                what: "CRL extensions",
                limit: limits.max_extensions as u64,
            });
        }
        let e = er.read()?;
        let (oid, critical, value) = extension(&e)?;
        if seen.contains(&oid) {
            return Err(der_err(e.offset, "duplicate CRL extension (RFC 5280 §5.2)").into());
        }
        seen.push(oid);
        let mut vr = value.reader();
        match oid {
            OID_CRL_NUMBER => {
                let n = vr.expect(TAG_INT, "cRLNumber is not an INTEGER")?;
                info.number = Some(asn1::unsigned(&n)?.to_vec());
            }
            OID_DELTA => {
                let n = vr.expect(TAG_INT, "BaseCRLNumber is not an INTEGER")?;
                info.delta_base = Some(asn1::unsigned(&n)?.to_vec());
            }
            OID_IDP => {
                let idp = x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint::from_der(
                    value.content,
                )
                .map_err(|_| der_err(value.content_offset, "bad issuingDistributionPoint"))?;
                info.indirect = idp.indirect_crl;
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
                if critical && info.unsupported.is_none() {
                    info.unsupported = Some((
                        e.offset,
                        alloc::format!("unknown critical CRL extension {}", oid_string(other)),
                    ));
                }
                vr = Reader::new(&[]);
            }
        }
        vr.finish("trailing data in extension value")?;
    }
    Ok(())
}

/// What an entry carries beyond serial, date and reason.
#[derive(Default)]
pub(super) struct EntryExtras<'e> {
    /// invalidityDate (§5.3.2), seconds since 1970.
    pub invalidity: Option<u64>,
    /// certificateIssuer (§5.3.3): the directoryName's Name DER, with the offset of the
    /// extension.
    pub cert_issuer: Option<(usize, &'e [u8])>,
    /// An unknown critical entry extension: offset and description.
    pub unsupported: Option<(usize, String)>,
}

/// The common entry: `SEQUENCE { INTEGER, UTCTime, [reasonCode extension alone] }` with
/// a non-negative serial of at most 64 bits, in the exact bytes DER gives it, checked as
/// [`entry_slow`] would. Returns the serial value, its INTEGER length and the packed date
/// and reason; `None` for anything else, which [`entry_slow`] then reads (or rejects).
#[inline(always)]
pub(super) fn entry_common(body: &[u8]) -> Option<(u64, usize, u64)> {
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
    let secs = asn1::utc_time_fast(time)?;
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

/// The first directoryName of a GeneralNames (RFC 5280 §4.2.1.6): `[4] EXPLICIT Name`.
fn first_directory_name<'a>(names: &Tlv<'a>) -> Result<Option<&'a [u8]>, CrlError> {
    let mut r = names.reader();
    let seq = r.expect(TAG_SEQ, "GeneralNames is not a SEQUENCE")?;
    r.finish("trailing data in certificateIssuer")?;
    let mut g = seq.reader();
    while !g.is_empty() {
        let n = g.read()?;
        if n.tag == 0xa4 {
            let mut inner = n.reader();
            let name = inner.expect(TAG_SEQ, "directoryName is not a Name")?;
            inner.finish("trailing data in directoryName")?;
            let start = name.offset.saturating_sub(n.content_offset);
            let end = name.end().saturating_sub(n.content_offset);
            return Ok(n.content.get(start..end));
        }
    }
    Ok(None)
}

/// One entry (RFC 5280 §5.1.2.6): `SEQUENCE { userCertificate INTEGER, revocationDate
/// Time, crlEntryExtensions Extensions OPTIONAL }`; the reasonCode (§5.3.1), the
/// invalidityDate (§5.3.2) and the certificateIssuer (§5.3.3) are kept,
/// holdInstructionCode is skipped, an unknown critical entry extension is recorded (it
/// makes the CRL unusable, §5.3).
pub(super) fn entry_slow<'e>(
    entry: &Tlv<'e>,
    limits: &ReadLimits,
) -> Result<(Tlv<'e>, u64, u8, EntryExtras<'e>), CrlError> {
    let mut er = entry.reader();
    let serial = er.expect(TAG_INT, "userCertificate is not an INTEGER")?;
    asn1::integer(&serial)?;
    if serial.content.len() > limits.max_serial_len {
        return Err(CrlError::TooLarge {
            what: "serial number length",
            limit: limits.max_serial_len as u64,
        });
    }
    let secs = asn1::time(&er.read()?)?;
    let mut reason = NO_REASON;
    let mut extras = EntryExtras::default();
    if !er.is_empty() {
        let exts = er.expect(TAG_SEQ, "crlEntryExtensions is not a SEQUENCE")?;
        er.finish("trailing data in revoked entry")?;
        if exts.content.is_empty() {
            return Err(der_err(exts.offset, "empty crlEntryExtensions").into());
        }
        let mut xr = exts.reader();
        let mut seen: [&[u8]; 4] = [&[]; 4];
        let mut n = 0usize;
        while !xr.is_empty() {
            if n >= limits.max_extensions {
                return Err(CrlError::TooLarge {
                    what: "entry extensions",
                    limit: limits.max_extensions as u64,
                });
            }
            let e = xr.read()?;
            let (oid, critical, value) = extension(&e)?;
            if seen.iter().take(n.min(4)).any(|s| *s == oid) {
                return Err(der_err(e.offset, "duplicate entry extension (RFC 5280 §5.3)").into());
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
                        _ => return Err(der_err(v.offset, "bad reasonCode").into()),
                    };
                    if RevocationReason::from_code(u32::from(code)).is_none() {
                        return Err(der_err(v.offset, "unknown reasonCode value").into());
                    }
                    reason = code;
                }
                OID_INVALIDITY_DATE => {
                    let mut vr = value.reader();
                    let t = vr.expect(0x18, "invalidityDate is not a GeneralizedTime")?;
                    vr.finish("trailing data in invalidityDate")?;
                    extras.invalidity = Some(asn1::time(&t)?);
                }
                OID_HOLD_INSTRUCTION => {}
                OID_CERT_ISSUER => {
                    let name = first_directory_name(&value)?.ok_or_else(|| {
                        der_err(value.offset, "certificateIssuer without directoryName")
                    })?;
                    extras.cert_issuer = Some((e.offset, name));
                }
                other if critical && extras.unsupported.is_none() => {
                    extras.unsupported = Some((
                        e.offset,
                        alloc::format!("unknown critical entry extension {}", oid_string(other)),
                    ));
                }
                _ => {}
            }
        }
    }
    Ok((serial, secs, reason, extras))
}
