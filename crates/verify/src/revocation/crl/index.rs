//! The indexed CRL: one buffer in the persisted layout ([`super::layout`]), the CRL
//! fields, and the keys its signature was checked with; lookups by binary search over
//! fixed-width serials.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use std::sync::Mutex;

use der::Decode;
use x509_cert::name::Name;

use super::info::{CrlInfo, ExtraEntry, Revocation, check_issuer, hex_or_none, serial_cmp, sha256};
use super::layout::{self, HEADER_LEN};
use super::parse::NO_REASON;
use crate::alg::Backend;
use crate::error::{CrlError, Error, RevocationReason};
use crate::time::UnixTime;
use crate::x509::{Cert, name_eq};

/// A parsed, indexed CRL: one buffer in the persisted layout, the CRL fields, and the
/// keys its signature was already checked with.
pub struct Crl {
    buf: Vec<u8>,
    info: CrlInfo,
    width: usize,
    count: usize,
    keys_at: usize,
    /// SHA-256 of the SubjectPublicKeyInfos whose key verified the signature in this
    /// process (a few at most).
    verified: Mutex<Vec<[u8; 32]>>,
}

impl Clone for Crl {
    fn clone(&self) -> Self {
        Self {
            buf: self.buf.clone(),
            info: self.info.clone(),
            width: self.width,
            count: self.count,
            keys_at: self.keys_at,
            verified: Mutex::new(self.verified.lock().map(|v| v.clone()).unwrap_or_default()),
        }
    }
}

impl PartialEq for Crl {
    fn eq(&self, other: &Self) -> bool {
        self.buf == other.buf
    }
}
impl Eq for Crl {}

impl fmt::Debug for Crl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.info.issuer_string())
            .field("number", &hex_or_none(self.info.number.as_deref()))
            .field("delta", &self.info.is_delta())
            .field("entries", &self.count)
            .finish_non_exhaustive()
    }
}

/// What [`Crl::parse`] found: the CRL fields (always, once the structure around the
/// entries parsed), and the index or the first error of the entry walk. An entry error
/// is reported only for a CRL whose signature verifies, when the caller checks one.
pub(crate) struct Parsed {
    pub info: CrlInfo,
    pub index: Result<Crl, CrlError>,
}

impl Parsed {
    /// The index, or the entry error.
    pub(super) fn crl(self) -> Result<Crl, CrlError> {
        self.index
    }

    /// The index, after the issuer and signature checks against the first of `cas`
    /// that verifies it. When none does, the error is the last signature failure if
    /// there was one, else the last issuer mismatch.
    pub(super) fn signed_by(self, cas: &[Cert], backend: Backend) -> Result<Crl, CrlError> {
        let mut last = CrlError::IssuerMismatch {
            detail: "no CA given",
        };
        for ca in cas {
            if let Err(e) = check_issuer(&self.info, ca) {
                if !matches!(last, CrlError::Signature(_)) {
                    last = e;
                }
                continue;
            }
            let sig_alg = self.info.sig_alg().map_err(CrlError::Signature)?;
            match crate::alg::verify_prehashed(
                backend,
                ca.spki_der(),
                &sig_alg,
                None,
                &self.info.tbs_digest,
                &self.info.signature,
                "CRL",
            ) {
                Ok(()) => {
                    let mut crl = self.index?;
                    crl.set_signer(sha256(ca.spki_der()));
                    return Ok(crl);
                }
                Err(e) => last = CrlError::Signature(e),
            }
        }
        Err(last)
    }
}

impl Crl {
    /// A sealed index over `buf` (the checksum filled in).
    pub(super) fn sealed(
        mut buf: Vec<u8>,
        info: CrlInfo,
        width: usize,
        count: usize,
        meta_len: usize,
    ) -> Self {
        let keys_at = HEADER_LEN.saturating_add(meta_len);
        let sum = layout::checksum(&buf, keys_at, count, width);
        if let Some(s) = buf.get_mut(32..40) {
            s.copy_from_slice(&sum.to_le_bytes());
        }
        Self {
            buf,
            info,
            width,
            count,
            keys_at,
            verified: Mutex::new(Vec::new()),
        }
    }

    /// Records the key that verified the CRL when it was indexed.
    fn set_signer(&mut self, spki_sha256: [u8; 32]) {
        self.info.signer_spki_sha256 = spki_sha256;
        let meta = layout::encode_meta(&self.info);
        let keys = self.buf.get(self.keys_at..).unwrap_or(&[]).to_vec();
        let mut buf = Vec::with_capacity(HEADER_LEN + meta.len() + keys.len());
        layout::write_header(&mut buf, self.width, self.count, meta.len());
        buf.extend_from_slice(&meta);
        buf.extend_from_slice(&keys);
        let verified = self.verified.lock().map(|v| v.clone()).unwrap_or_default();
        *self = Self::sealed(buf, self.info.clone(), self.width, self.count, meta.len());
        if let Ok(mut v) = self.verified.lock() {
            *v = verified;
            v.push(spki_sha256);
        }
    }

    /// Reads a persisted index (see [`layout`]), checking magic, version, sizes and the
    /// XXH3-64 checksum. Sort order is not re-checked (that would cost a pass over every
    /// key on each open); a tampered file can give wrong answers but never panics.
    pub fn from_bytes(buf: Vec<u8>) -> Result<Self, CrlError> {
        let (width, count, meta_len, sum) = layout::read_header(&buf)?;
        let expected = count
            .checked_mul(width + 8)
            .and_then(|b| b.checked_add(meta_len))
            .and_then(|b| b.checked_add(HEADER_LEN))
            .ok_or(CrlError::IndexCorrupt {
                offset: 16,
                what: "sizes overflow",
            })?;
        if expected != buf.len() {
            return Err(CrlError::IndexCorrupt {
                offset: buf.len().min(expected),
                what: "length does not match header",
            });
        }
        if layout::checksum(&buf, HEADER_LEN + meta_len, count, width) != sum {
            return Err(CrlError::IndexChecksum);
        }
        let info = layout::decode_meta(buf.get(HEADER_LEN..HEADER_LEN + meta_len).unwrap_or(&[]))?;
        Ok(Self {
            buf,
            info,
            width,
            count,
            keys_at: HEADER_LEN + meta_len,
            verified: Mutex::new(Vec::new()),
        })
    }

    /// The metadata of a persisted index without reading its entries: the first
    /// `HEADER_LEN + M` bytes of the file are enough (not checksummed).
    pub fn info_from_prefix(prefix: &[u8]) -> Result<(CrlInfo, usize), CrlError> {
        let (_, _, meta_len, _) = layout::read_header(prefix)?;
        let meta = prefix
            .get(HEADER_LEN..HEADER_LEN.saturating_add(meta_len))
            .ok_or(CrlError::IndexCorrupt {
                offset: prefix.len(),
                what: "truncated metadata",
            })?;
        Ok((layout::decode_meta(meta)?, HEADER_LEN + meta_len))
    }

    /// The CRL fields.
    pub fn info(&self) -> &CrlInfo {
        &self.info
    }

    /// Number of revoked entries for certificates of the CRL issuer.
    pub fn len(&self) -> usize {
        self.count
    }

    /// No entries at all.
    pub fn is_empty(&self) -> bool {
        self.count == 0 && self.info.extras.iter().all(|e| e.issuer_der.is_none())
    }

    /// Key width in bytes.
    pub fn key_width(&self) -> usize {
        self.width
    }

    /// The persisted form.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// A delta CRL (RFC 5280 §5.2.4).
    pub fn is_delta(&self) -> bool {
        self.info.is_delta()
    }

    /// Fails when the CRL carries something that makes it unusable here: an unknown
    /// critical extension, or an indirect CRL where `allow_indirect` is false.
    pub fn check_supported(&self, allow_indirect: bool) -> Result<(), CrlError> {
        if let Some((offset, what)) = &self.info.unsupported {
            return Err(CrlError::Unsupported {
                offset: *offset,
                what: what.clone(),
            });
        }
        if self.info.indirect && !allow_indirect {
            return Err(CrlError::Unsupported {
                offset: 0,
                what: String::from("indirect CRL (RFC 5280 §5.3.3)"),
            });
        }
        Ok(())
    }

    /// Verifies the CRL's signature (RFC 5280 §5.1.1.3) with the key in `spki_der`; a
    /// key that verified it once is remembered.
    pub fn verify_signed_by(&self, spki_der: &[u8], backend: Backend) -> Result<(), Error> {
        let id = sha256(spki_der);
        if self.verified.lock().is_ok_and(|v| v.contains(&id)) {
            return Ok(());
        }
        crate::alg::verify_prehashed(
            backend,
            spki_der,
            &self.info.sig_alg()?,
            None,
            &self.info.tbs_digest,
            &self.info.signature,
            "CRL",
        )?;
        if let Ok(mut v) = self.verified.lock()
            && v.len() < 8
        {
            v.push(id);
        }
        Ok(())
    }

    /// Checks thisUpdate ≤ `at` ≤ nextUpdate (RFC 5280 §5.1.2.4, §5.1.2.5). A CRL
    /// without nextUpdate never expires here.
    pub fn check_time(&self, at: UnixTime) -> Result<(), CrlError> {
        if self.info.this_update > at {
            return Err(CrlError::NotYetValid {
                this_update: self.info.this_update,
                at,
            });
        }
        match self.info.next_update {
            Some(nu) if at > nu => Err(CrlError::Expired {
                next_update: nu,
                at,
            }),
            _ => Ok(()),
        }
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
            invalidity: None,
        }
    }

    /// The serial at position `i`, as minimal two's-complement INTEGER content.
    fn serial_at(&self, i: usize) -> Option<Vec<u8>> {
        let k = self.keys().get(i * self.width..(i + 1) * self.width)?;
        let mut v = k.to_vec();
        if let Some(b) = v.first_mut() {
            *b ^= 0x80;
        }
        Some(layout::minimal_integer(&v).to_vec())
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

    /// The side-list entries of issuer `issuer` (`None`: the CRL issuer) and `serial`.
    fn extra(&self, issuer: Option<&[u8]>, serial: &[u8]) -> Option<&ExtraEntry> {
        let ex = &self.info.extras;
        let start = ex.partition_point(|e| match e.issuer_der.as_deref().cmp(&issuer) {
            core::cmp::Ordering::Less => true,
            core::cmp::Ordering::Greater => false,
            core::cmp::Ordering::Equal => {
                serial_cmp(&e.serial, serial) == core::cmp::Ordering::Less
            }
        });
        ex.get(start)
            .filter(|e| e.issuer_der.as_deref() == issuer && e.serial == serial)
    }

    /// Looks up a serial of a certificate of the CRL issuer, given as DER INTEGER
    /// content (two's complement, as in a certificate, RFC 5280 §4.1.2.2). Non-minimal
    /// encodings are accepted.
    pub fn lookup(&self, serial: &[u8]) -> Option<Revocation> {
        let v = layout::minimal_integer(serial);
        if v.is_empty() || v.len() > self.width {
            return None;
        }
        let mut key = [0u8; layout::MAX_WIDTH];
        let key = key.get_mut(..self.width)?;
        layout::sign_extend(v, key);
        if let Some(b) = key.first_mut() {
            *b ^= 0x80;
        }
        let mut r = self.find(key).map(|i| self.revocation_at(i))?;
        if !self.info.extras.is_empty() {
            r.invalidity = self.extra(None, v).and_then(|e| e.invalidity);
        }
        Some(r)
    }

    /// Looks up a serial of a certificate issued by `cert_issuer`: the main table when
    /// that is the CRL issuer, else the entries an indirect CRL lists under that
    /// certificateIssuer (RFC 5280 §5.3.3).
    pub fn lookup_for(&self, cert_issuer: &Name, serial: &[u8]) -> Option<Revocation> {
        let own = self.info.issuer().is_some_and(|n| name_eq(&n, cert_issuer));
        if own {
            return self.lookup(serial);
        }
        if !self.info.indirect {
            return None;
        }
        let v = layout::minimal_integer(serial);
        self.info
            .extras
            .iter()
            .filter(|e| {
                e.issuer_der
                    .as_deref()
                    .is_some_and(|d| Name::from_der(d).is_ok_and(|n| name_eq(&n, cert_issuer)))
            })
            .find(|e| e.serial == v)
            .map(|e| Revocation {
                revoked_at: e.revoked_at,
                reason: e.reason,
                invalidity: e.invalidity,
            })
    }

    /// Looks up a serial given as an unsigned big-endian number (as printed in hex by
    /// tools, leading zeros allowed).
    pub fn lookup_unsigned(&self, magnitude: &[u8]) -> Option<Revocation> {
        let skip = magnitude
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(magnitude.len());
        let m = magnitude.get(skip..).unwrap_or(&[]);
        let mut v = [0u8; layout::MAX_WIDTH + 1];
        let slot = v.get_mut(..m.len() + 1)?;
        if let Some((first, rest)) = slot.split_first_mut() {
            *first = 0;
            rest.copy_from_slice(m);
        }
        self.lookup(slot)
    }

    /// Every entry of the main table in serial order: (serial as minimal INTEGER
    /// content, revocation).
    pub fn iter(&self) -> impl Iterator<Item = (Vec<u8>, Revocation)> + '_ {
        (0..self.count).map(|i| (self.serial_at(i).unwrap_or_default(), self.revocation_at(i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revocation::crl::info::ReadLimits;
    use crate::revocation::crl::{collect, parse};

    fn collect(serials: &[&[u8]]) -> Crl {
        let mut c = collect::Collector::new(&[]);
        let limits = ReadLimits::default();
        for (i, s) in serials.iter().enumerate() {
            c.push_entry(
                s,
                i,
                100 + i as u64,
                parse::NO_REASON,
                parse::EntryExtras::default(),
                &limits,
            )
            .unwrap();
        }
        c.finish(CrlInfo::default(), None).unwrap()
    }

    #[test]
    fn sign_extension_and_order() {
        let serials: [&[u8]; 5] = [
            &[0x05],
            &[0x00, 0x80],
            &[0x80],
            &[0x01, 0x00, 0x00],
            &[0x7f],
        ];
        let idx = collect(&serials);
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
        let again = Crl::from_bytes(idx.as_bytes().to_vec()).unwrap();
        assert_eq!(again, idx);
        // A changed bit anywhere after the header — metadata, serials, dates — is caught.
        let len = idx.as_bytes().len();
        let keys_end = len - 8 * idx.len();
        for at in [HEADER_LEN, keys_end - 1, keys_end, len - 1] {
            let mut bad = idx.as_bytes().to_vec();
            bad[at] ^= 1;
            assert_eq!(Crl::from_bytes(bad), Err(CrlError::IndexChecksum), "{at}");
        }
    }

    #[test]
    fn duplicates_are_refused_on_both_paths() {
        let mut c = collect::Collector::new(&[]);
        let limits = ReadLimits::default();
        for s in [&[0x05u8][..], &[0x06], &[0x05]] {
            c.push_entry(
                s,
                0,
                1,
                parse::NO_REASON,
                parse::EntryExtras::default(),
                &limits,
            )
            .unwrap();
        }
        assert!(matches!(
            c.finish(CrlInfo::default(), None),
            Err(CrlError::DuplicateSerial { .. })
        ));
        // The general path (a negative serial forces it).
        let mut c = collect::Collector::new(&[]);
        for s in [&[0x80u8][..], &[0x05], &[0x05]] {
            c.push_entry(
                s,
                0,
                1,
                parse::NO_REASON,
                parse::EntryExtras::default(),
                &limits,
            )
            .unwrap();
        }
        assert!(matches!(
            c.finish(CrlInfo::default(), None),
            Err(CrlError::DuplicateSerial { .. })
        ));
    }

    #[test]
    fn serial_order() {
        use core::cmp::Ordering::*;
        assert_eq!(serial_cmp(&[0x80], &[0x05]), Less);
        assert_eq!(serial_cmp(&[0x00, 0x80], &[0x7f]), Greater);
        assert_eq!(serial_cmp(&[0xff, 0x00], &[0x80]), Less);
        assert_eq!(serial_cmp(&[0x05], &[0x05]), Equal);
    }
}
