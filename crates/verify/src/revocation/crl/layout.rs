//! The persisted layout of a CRL index: one buffer, the same in memory and on disk.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "INKANCRL"
//!      8     4  format version (3), little-endian
//!     12     4  key width W in bytes (1..=32)
//!     16     8  entry count n (main table)
//!     24     8  metadata length M
//!     32     8  checksum: XXH3-64 of the two XXH3-64 values (little-endian, 16 bytes)
//!               of bytes 48 to the end of the serials and of the rest (computed
//!               on two threads)
//!     40     8  reserved (0)
//!     48     M  metadata: issuer, times, CRL number, delta base, IDP, AKI, the
//!               signature algorithm, signature value and the digest of the signed
//!               bytes (so that the signature is checked again whenever the CRL is
//!               used), the signer key hash, unsupported features, the side list of
//!               entries for other certificate issuers and of invalidity dates
//!   48+M   n·W  serials: two's complement, sign-extended to W bytes, top bit flipped,
//!               so that byte order is numeric order; sorted, no duplicates
//!      …   n·8  per entry: revocationDate (seconds since 1970) << 8 | reason code
//!               (0xFF: no reasonCode extension)
//! ```
//!
//! The checksum detects corruption, not tampering: whoever can write the file can also
//! replace the trust anchors. The signature kept in the metadata is verified by the
//! key of the CRL issuer every time the index answers a revocation question.

use alloc::string::String;
use alloc::vec::Vec;

use super::info::{CrlInfo, ExtraEntry};
use crate::error::{CrlError, RevocationReason};
use crate::time::UnixTime;

pub(super) const MAGIC: &[u8; 8] = b"INKANCRL";
/// The persisted format version written by this build.
pub const INDEX_FORMAT_VERSION: u32 = 3;
pub(super) const HEADER_LEN: usize = 48;
pub(super) const MAX_WIDTH: usize = 32;

/// The checksum of an index layout: XXH3-64 over the two XXH3-64 values of bytes 48 to
/// the end of the serials and of the packed dates after them, which two threads compute
/// at once for a large index.
pub(super) fn checksum(buf: &[u8], keys_at: usize, count: usize, width: usize) -> u64 {
    let split = keys_at
        .saturating_add(count.saturating_mul(width))
        .clamp(HEADER_LEN.min(buf.len()), buf.len());
    let (front, back) = buf.split_at(split);
    let front = front.get(HEADER_LEN..).unwrap_or(&[]);
    let h = |part: &[u8]| xxhash_rust::xxh3::xxh3_64(part);
    let (a, b) = if buf.len() >= 1 << 20 {
        crate::par::join2(|| h(back), || h(front))
    } else {
        (h(back), h(front))
    };
    let mut both = [0u8; 16];
    let (x, y) = both.split_at_mut(8);
    x.copy_from_slice(&b.to_le_bytes());
    y.copy_from_slice(&a.to_le_bytes());
    h(&both)
}

pub(super) fn write_header(buf: &mut Vec<u8>, w: usize, n: usize, meta_len: usize) {
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&INDEX_FORMAT_VERSION.to_le_bytes());
    buf.extend_from_slice(&(w as u32).to_le_bytes());
    buf.extend_from_slice(&(n as u64).to_le_bytes());
    buf.extend_from_slice(&(meta_len as u64).to_le_bytes());
    buf.extend_from_slice(&0u64.to_le_bytes()); // checksum, filled in when sealed
    buf.extend_from_slice(&0u64.to_le_bytes());
}

/// The header fields of a layout: (width, count, metadata length, checksum).
pub(super) fn read_header(buf: &[u8]) -> Result<(usize, usize, usize, u64), CrlError> {
    let corrupt = |offset, what| CrlError::IndexCorrupt { offset, what };
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
        return Err(CrlError::IndexVersion { found: version });
    }
    let width = u32_at(12) as usize;
    if width == 0 || width > MAX_WIDTH {
        return Err(corrupt(12, "bad key width"));
    }
    let count = usize::try_from(u64_at(16)).map_err(|_| corrupt(16, "bad count"))?;
    let meta_len = usize::try_from(u64_at(24)).map_err(|_| corrupt(24, "bad length"))?;
    Ok((width, count, meta_len, u64_at(32)))
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

fn put_opt(out: &mut Vec<u8>, v: Option<&[u8]>) {
    match v {
        None => out.push(0),
        Some(b) => {
            out.push(1);
            put_bytes(out, b);
        }
    }
}

fn put_time(out: &mut Vec<u8>, t: Option<UnixTime>) {
    put_opt(out, t.map(|t| t.0.to_le_bytes()).as_ref().map(|b| &b[..]));
}

pub(super) fn encode_meta(info: &CrlInfo) -> Vec<u8> {
    let mut m = Vec::with_capacity(512 + info.issuer_der.len() + info.signature.len());
    put_bytes(&mut m, &info.issuer_der);
    m.extend_from_slice(&info.this_update.0.to_le_bytes());
    put_time(&mut m, info.next_update);
    put_opt(&mut m, info.number.as_deref());
    put_opt(&mut m, info.delta_base.as_deref());
    put_opt(&mut m, info.idp_der.as_deref());
    put_opt(&mut m, info.aki.as_deref());
    put_bytes(&mut m, &info.sig_alg_der);
    put_bytes(&mut m, &info.signature);
    put_bytes(&mut m, &info.tbs_digest);
    m.extend_from_slice(&info.signer_spki_sha256);
    m.extend_from_slice(&info.crl_sha256);
    m.push(u8::from(info.indirect));
    match &info.unsupported {
        None => m.push(0),
        Some((at, what)) => {
            m.push(1);
            m.extend_from_slice(&(*at as u64).to_le_bytes());
            put_bytes(&mut m, what.as_bytes());
        }
    }
    m.extend_from_slice(&(info.extras.len() as u64).to_le_bytes());
    for e in &info.extras {
        put_opt(&mut m, e.issuer_der.as_deref());
        put_bytes(&mut m, &e.serial);
        m.extend_from_slice(&e.revoked_at.0.to_le_bytes());
        m.push(e.reason.map_or(0xff, RevocationReason::code));
        put_time(&mut m, e.invalidity);
    }
    m
}

struct MetaReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> MetaReader<'a> {
    fn corrupt(&self) -> CrlError {
        CrlError::IndexCorrupt {
            offset: HEADER_LEN.saturating_add(self.pos),
            what: "bad metadata",
        }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], CrlError> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.corrupt())?;
        let s = self.data.get(self.pos..end).ok_or_else(|| self.corrupt())?;
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], CrlError> {
        let s = self.take(N)?;
        s.try_into().map_err(|_| self.corrupt())
    }
    fn u64(&mut self) -> Result<u64, CrlError> {
        Ok(u64::from_le_bytes(self.array::<8>()?))
    }
    fn bytes(&mut self) -> Result<&'a [u8], CrlError> {
        let n = u32::from_le_bytes(self.array::<4>()?) as usize;
        self.take(n)
    }
    fn opt(&mut self) -> Result<Option<&'a [u8]>, CrlError> {
        match self.array::<1>()? {
            [0] => Ok(None),
            [1] => self.bytes().map(Some),
            _ => Err(self.corrupt()),
        }
    }
    fn time(&mut self) -> Result<Option<UnixTime>, CrlError> {
        match self.opt()? {
            None => Ok(None),
            Some(b) => Ok(Some(UnixTime(u64::from_le_bytes(
                b.try_into().map_err(|_| self.corrupt())?,
            )))),
        }
    }
}

pub(super) fn decode_meta(data: &[u8]) -> Result<CrlInfo, CrlError> {
    let mut r = MetaReader { data, pos: 0 };
    let issuer_der = r.bytes()?.to_vec();
    let this_update = UnixTime(r.u64()?);
    let next_update = r.time()?;
    let number = r.opt()?.map(<[u8]>::to_vec);
    let delta_base = r.opt()?.map(<[u8]>::to_vec);
    let idp_der = r.opt()?.map(<[u8]>::to_vec);
    let aki = r.opt()?.map(<[u8]>::to_vec);
    let sig_alg_der = r.bytes()?.to_vec();
    let signature = r.bytes()?.to_vec();
    let tbs_digest = r.bytes()?.to_vec();
    let signer_spki_sha256 = r.array::<32>()?;
    let crl_sha256 = r.array::<32>()?;
    let indirect = match r.array::<1>()? {
        [0] => false,
        [1] => true,
        _ => return Err(r.corrupt()),
    };
    let unsupported = match r.array::<1>()? {
        [0] => None,
        [1] => {
            let at = usize::try_from(r.u64()?).map_err(|_| r.corrupt())?;
            let what = String::from_utf8(r.bytes()?.to_vec()).map_err(|_| r.corrupt())?;
            Some((at, what))
        }
        _ => return Err(r.corrupt()),
    };
    let n = r.u64()?;
    // Each extra entry takes at least 19 bytes: a bound before any allocation.
    if n > (data.len() as u64) / 19 {
        return Err(r.corrupt());
    }
    let mut extras = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let issuer_der = r.opt()?.map(<[u8]>::to_vec);
        let serial = r.bytes()?.to_vec();
        let revoked_at = UnixTime(r.u64()?);
        let [code] = r.array::<1>()?;
        let reason = match code {
            0xff => None,
            c => Some(RevocationReason::from_code(u32::from(c)).ok_or_else(|| r.corrupt())?),
        };
        let invalidity = r.time()?;
        extras.push(ExtraEntry {
            issuer_der,
            serial,
            revoked_at,
            reason,
            invalidity,
        });
    }
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
        sig_alg_der,
        signature,
        tbs_digest,
        signer_spki_sha256,
        crl_sha256,
        indirect,
        unsupported,
        extras,
    })
}

/// Sign-extends a minimal two's-complement INTEGER into `out` (`out.len()` ≥ `v.len()`).
pub(super) fn sign_extend(v: &[u8], out: &mut [u8]) {
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

/// `v` without redundant sign bytes (X.690 §8.3.2): the minimal INTEGER content.
pub(super) fn minimal_integer(mut v: &[u8]) -> &[u8] {
    while let [a, b, ..] = v {
        if (*a == 0 && *b < 0x80) || (*a == 0xff && *b >= 0x80) {
            v = v.get(1..).unwrap_or(&[]);
        } else {
            break;
        }
    }
    v
}

/// The minimal two's-complement INTEGER content of a non-negative `v`, in `tmp`.
pub(super) fn minimal_content(v: u64, tmp: &mut [u8; 9]) -> &[u8] {
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
