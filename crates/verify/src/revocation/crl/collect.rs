//! Collecting the entries of one CRL into the index layout (see [`super::layout`]).
//!
//! The main table holds the entries for certificates of the CRL issuer: fixed-width
//! keys (two's complement serials, sign-extended, top bit flipped so that byte order is
//! numeric order) and packed `revocationDate << 8 | reason`. Entries for other
//! certificate issuers (an indirect CRL, RFC 5280 §5.3.3) and the invalidity dates
//! (§5.3.2) go to a side list, [`ExtraEntry`]: both are rare.

use alloc::string::String;
use alloc::vec::Vec;

use super::index::Crl;
use super::info::{CrlInfo, ExtraEntry, ReadLimits, serial_cmp};
use super::layout::{self, HEADER_LEN, MAX_WIDTH, minimal_content, minimal_integer, sign_extend};
use super::parse::{EntryExtras, NO_REASON, TAG_SEQ, entry_common, entry_slow};
use crate::asn1::{self, Reader, der_err};
use crate::error::{CrlError, RevocationReason};
use crate::time::UnixTime;

/// A duplicate-serial error for the value `v`.
#[cold]
fn duplicate(v: u64) -> CrlError {
    let mut tmp = [0u8; 9];
    CrlError::DuplicateSerial {
        serial: crate::x509::hex_string(minimal_content(v, &mut tmp)),
    }
}

/// Entries as fixed-width two's-complement keys, widening when a longer serial appears
/// (at most `MAX_WIDTH` times in all): the general case, for serials beyond 64 bits or
/// negative ones.
struct General {
    width: usize,
    max_len: usize,
    keys: Vec<u8>,
    packed: Vec<u64>,
}

impl General {
    fn new(max_len: usize) -> Self {
        Self {
            width: 0,
            max_len: max_len.min(MAX_WIDTH),
            keys: Vec::new(),
            packed: Vec::new(),
        }
    }

    fn push(&mut self, v: &[u8], offset: usize, secs: u64, reason: u8) -> Result<(), CrlError> {
        if v.len() > self.max_len {
            return Err(CrlError::TooLarge {
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
            return Err(der_err(offset, "revocationDate out of range").into());
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

    fn finish(mut self, info: CrlInfo) -> Result<Crl, CrlError> {
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
        let keys = &self.keys;
        let key = |i: u32| {
            keys.get(i as usize * w..(i as usize + 1) * w)
                .unwrap_or(&[])
        };
        let mut order: Vec<u32> = (0..n as u32).collect();
        if n > u32::MAX as usize {
            return Err(CrlError::TooLarge {
                what: "revoked entries",
                limit: u64::from(u32::MAX),
            });
        }
        order.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
        if let Some(p) = order.windows(2).find(|p| match p {
            [a, b] => key(*a) == key(*b),
            _ => false,
        }) {
            let mut raw = key(p.first().copied().unwrap_or(0)).to_vec();
            if let Some(b) = raw.first_mut() {
                *b ^= 0x80;
            }
            return Err(CrlError::DuplicateSerial {
                serial: crate::x509::hex_string(minimal_integer(&raw)),
            });
        }
        let meta = layout::encode_meta(&info);
        let mut buf = Vec::with_capacity(
            HEADER_LEN
                .saturating_add(meta.len())
                .saturating_add(n.saturating_mul(w + 8)),
        );
        layout::write_header(&mut buf, w, n, meta.len());
        buf.extend_from_slice(&meta);
        for &i in &order {
            buf.extend_from_slice(key(i));
        }
        for &i in &order {
            let p = self.packed.get(i as usize).copied().unwrap_or(0);
            buf.extend_from_slice(&p.to_le_bytes());
        }
        Ok(Crl::sealed(buf, info, w, n, meta.len()))
    }
}

/// Entries whose serials are non-negative and fit 64 bits, as (serial value, packed
/// date and reason) pairs: 16 bytes each.
struct Fast {
    recs: Vec<(u64, u64)>,
    /// Longest INTEGER content seen: the key width.
    width: usize,
}

impl Fast {
    /// Takes the entry if its serial fits; `Ok(false)` if it does not.
    #[inline]
    fn push(
        &mut self,
        serial: &[u8],
        offset: usize,
        secs: u64,
        reason: u8,
    ) -> Result<bool, CrlError> {
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
            return Err(der_err(offset, "revocationDate out of range").into());
        }
        let v = magnitude
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        self.width = self.width.max(serial.len());
        self.recs.push((v, secs << 8 | u64::from(reason)));
        Ok(true)
    }

    /// Sorts the records and writes them into the index layout.
    fn finish(self, info: CrlInfo, out: Option<Vec<u8>>) -> Result<Crl, CrlError> {
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
        info: CrlInfo,
        out: Option<Vec<u8>>,
    ) -> Result<Crl, CrlError> {
        let mut recs = self.recs;
        let n = recs.len();
        // Two halves sorted on two threads, then merged straight into the layout (the
        // merge is split at the output's middle, so it runs on two threads too): no
        // buffer beyond the records and the layout.
        let half = n / 2;
        {
            let (a, b) = recs.split_at_mut(half);
            if n >= 1 << 16 {
                let upper = std::sync::Mutex::new(Some(b));
                crate::par::join2(
                    || {
                        if let Some(b) = upper.lock().ok().and_then(|mut g| g.take()) {
                            b.sort_unstable_by_key(|r| r.0);
                        }
                    },
                    || a.sort_unstable_by_key(|r| r.0),
                );
            } else {
                a.sort_unstable_by_key(|r| r.0);
                b.sort_unstable_by_key(|r| r.0);
            }
        }
        let meta = layout::encode_meta(&info);
        let total = HEADER_LEN
            .saturating_add(meta.len())
            .saturating_add(n.saturating_mul(W + 8));
        let mut head = Vec::with_capacity(HEADER_LEN.saturating_add(meta.len()));
        layout::write_header(&mut head, W, n, meta.len());
        head.extend_from_slice(&meta);
        // Every byte is written below, so the contents of `out` (memory the streaming
        // reader's second thread faulted in meanwhile) do not matter.
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
        let (a, b) = recs.split_at(half);
        // The first `mid` outputs take `i` records of `a` and `mid - i` of `b`.
        let mid = n / 2;
        let i = merge_split(a, b, mid);
        let (a1, a2) = a.split_at(i);
        let (b1, b2) = b.split_at(mid.saturating_sub(i).min(b.len()));
        let last1 = a1.last().map(|r| r.0).max(b1.last().map(|r| r.0));
        let first2 = match (a2.first(), b2.first()) {
            (Some(x), Some(y)) => Some(x.0.min(y.0)),
            (x, y) => x.or(y).map(|r| r.0),
        };
        if let (Some(l), Some(f)) = (last1, first2)
            && l == f
        {
            return Err(duplicate(l));
        }
        let (k1, k2) = keys.split_at_mut(mid.saturating_mul(W).min(keys.len()));
        let (p1, p2) = packed.split_at_mut(mid.saturating_mul(8).min(packed.len()));
        let (e2, e1) = if n >= 1 << 16 {
            let upper = std::sync::Mutex::new(Some((k2, p2)));
            crate::par::join2(
                || match upper.lock().ok().and_then(|mut g| g.take()) {
                    Some((k, p)) => emit_merged::<W>(a2, b2, k, p),
                    None => Ok(()),
                },
                || emit_merged::<W>(a1, b1, k1, p1),
            )
        } else {
            (
                emit_merged::<W>(a2, b2, k2, p2),
                emit_merged::<W>(a1, b1, k1, p1),
            )
        };
        e1.and(e2)?;
        Ok(Crl::sealed(buf, info, W, n, meta.len()))
    }
}

/// How many of the first `m` records of the merge of sorted `a` and `b` come from `a`
/// (ties from `a` first): the smallest `i` with `a[i] > b[m - i - 1]`, by bisection.
fn merge_split(a: &[(u64, u64)], b: &[(u64, u64)], m: usize) -> usize {
    let (mut lo, mut hi) = (m.saturating_sub(b.len()), m.min(a.len()));
    // Each step halves `hi - lo`, so this ends.
    while lo < hi {
        let i = lo + (hi - lo) / 2;
        let take_more = match (a.get(i), (m - i).checked_sub(1).and_then(|j| b.get(j))) {
            (Some(x), Some(y)) => x.0 <= y.0,
            _ => false,
        };
        if take_more {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    lo
}

/// Merges sorted `a` and `b` into their part of the index layout: each value as a
/// `W`-byte key (sign-extended with zeros, top bit flipped) and its packed date and
/// reason. Two equal serials are an error.
fn emit_merged<const W: usize>(
    a: &[(u64, u64)],
    b: &[(u64, u64)],
    keys: &mut [u8],
    packed: &mut [u8],
) -> Result<(), CrlError> {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    let merged = core::iter::from_fn(|| match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if y.0 < x.0 => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    });
    let mut prev: Option<u64> = None;
    for ((&(v, p), k), q) in merged
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

enum Table {
    Fast(Fast),
    General(General),
}

/// Collects the entries of one CRL: the fast table while every serial is a
/// non-negative number of at most 64 bits (the usual case), the general one from the
/// first serial that is not; the side list; and what the walk noticed.
pub(super) struct Collector {
    table: Table,
    /// The CRL issuer's Name DER: entries under another certificateIssuer go aside.
    crl_issuer: Vec<u8>,
    /// The certificateIssuer in force (RFC 5280 §5.3.3: it carries over to the next
    /// entries); `None` while it is the CRL issuer.
    current_issuer: Option<Vec<u8>>,
    extras: Vec<ExtraEntry>,
    /// Where the first certificateIssuer extension is (only allowed in indirect CRLs,
    /// which the walk cannot know yet: that is in the CRL extensions after the entries).
    pub(super) cert_issuer_at: Option<usize>,
    /// The first unknown critical entry extension.
    pub(super) unsupported: Option<(usize, String)>,
}

impl Collector {
    pub(super) fn new(crl_issuer: &[u8]) -> Self {
        Self {
            table: Table::Fast(Fast {
                recs: Vec::new(),
                width: 0,
            }),
            crl_issuer: crl_issuer.to_vec(),
            current_issuer: None,
            extras: Vec::new(),
            cert_issuer_at: None,
            unsupported: None,
        }
    }

    /// Reserves room for the most entries `content_len` bytes of revokedCertificates can
    /// hold: the smallest entry is 20 bytes (SEQUENCE, one-byte INTEGER, UTCTime).
    /// Untouched pages of the reservation cost nothing.
    pub(super) fn reserve_for(&mut self, content_len: usize, limits: &ReadLimits) {
        let n = (content_len / 20).min(limits.max_entries);
        match &mut self.table {
            Table::Fast(f) => f.recs.reserve(n),
            Table::General(b) => b.packed.reserve(n),
        }
    }

    pub(super) fn len(&self) -> usize {
        let main = match &self.table {
            Table::Fast(f) => f.recs.len(),
            Table::General(b) => b.packed.len(),
        };
        main.saturating_add(self.extras.len())
    }

    /// Takes entries of the common shape ([`entry_common`]) from `data` at `pos` while
    /// they come whole and belong to the CRL issuer; returns where it stopped (an entry
    /// of another shape, a cut entry, the entry limit or the end).
    #[inline]
    pub(super) fn walk_common(
        &mut self,
        data: &[u8],
        mut pos: usize,
        limits: &ReadLimits,
    ) -> usize {
        if self.current_issuer.is_some() {
            return pos;
        }
        let room = limits.max_entries.saturating_sub(self.len());
        let Table::Fast(f) = &mut self.table else {
            return pos;
        };
        let mut width = f.width;
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
            f.recs.push((v, packed));
            pos += 2 + l;
        }
        f.width = width;
        pos
    }

    /// One entry read by the general path.
    pub(super) fn push_entry(
        &mut self,
        serial: &[u8],
        offset: usize,
        secs: u64,
        reason: u8,
        extras: EntryExtras<'_>,
        limits: &ReadLimits,
    ) -> Result<(), CrlError> {
        if let Some((at, u)) = extras.unsupported
            && self.unsupported.is_none()
        {
            self.unsupported = Some((at, u));
        }
        if let Some((at, name)) = extras.cert_issuer {
            self.cert_issuer_at.get_or_insert(at);
            self.current_issuer = (name != self.crl_issuer.as_slice()).then(|| name.to_vec());
        }
        let reason_opt = (reason != NO_REASON)
            .then(|| RevocationReason::from_code(u32::from(reason)))
            .flatten();
        if self.current_issuer.is_some() || extras.invalidity.is_some() {
            if self.extras.len() >= limits.max_entries {
                return Err(CrlError::TooLarge {
                    what: "revoked entries",
                    limit: limits.max_entries as u64,
                });
            }
            self.extras.push(ExtraEntry {
                issuer_der: self.current_issuer.clone(),
                serial: minimal_integer(serial).to_vec(),
                revoked_at: UnixTime(secs),
                reason: reason_opt,
                invalidity: extras.invalidity.map(UnixTime),
            });
            if self.current_issuer.is_some() {
                return Ok(());
            }
        }
        self.push_main(serial, offset, secs, reason, limits.max_serial_len)
    }

    #[inline]
    fn push_main(
        &mut self,
        serial: &[u8],
        offset: usize,
        secs: u64,
        reason: u8,
        max_serial_len: usize,
    ) -> Result<(), CrlError> {
        if let Table::Fast(f) = &mut self.table {
            if f.push(serial, offset, secs, reason)? {
                return Ok(());
            }
            let mut b = General::new(max_serial_len);
            b.packed.reserve(f.recs.capacity());
            let mut tmp = [0u8; 9];
            for &(v, packed) in &f.recs {
                let content = minimal_content(v, &mut tmp);
                b.push(content, offset, packed >> 8, (packed & 0xff) as u8)?;
            }
            self.table = Table::General(b);
        }
        match &mut self.table {
            Table::General(b) => b.push(serial, offset, secs, reason),
            Table::Fast(_) => Ok(()),
        }
    }

    /// The entries so far and the key width, while every serial fits 64 bits.
    pub(super) fn fast_shape(&self) -> Option<(usize, usize)> {
        match &self.table {
            Table::Fast(f) => Some((f.recs.len(), f.width)),
            Table::General(_) => None,
        }
    }

    /// The index, once the tail told the CRL fields: checks what needed them (a
    /// certificateIssuer outside an indirect CRL, RFC 5280 §5.3.3), sorts the side list
    /// and writes the layout (into `out`, whatever its contents, when given).
    pub(super) fn finish(self, mut info: CrlInfo, out: Option<Vec<u8>>) -> Result<Crl, CrlError> {
        if let Some(at) = self.cert_issuer_at
            && !info.indirect
        {
            return Err(CrlError::Unsupported {
                offset: at,
                what: String::from(
                    "certificateIssuer entry extension in a CRL that is not indirect (RFC 5280 §5.3.3)",
                ),
            });
        }
        if info.unsupported.is_none() {
            info.unsupported = self.unsupported;
        }
        let mut extras = self.extras;
        extras.sort_by(|a, b| {
            a.issuer_der
                .cmp(&b.issuer_der)
                .then_with(|| serial_cmp(&a.serial, &b.serial))
        });
        if let Some(p) = extras.windows(2).find(|p| match p {
            [a, b] => a.issuer_der == b.issuer_der && a.serial == b.serial,
            _ => false,
        }) && let Some(first) = p.first()
            && first.issuer_der.is_some()
        {
            return Err(CrlError::DuplicateSerial {
                serial: crate::x509::hex_string(&first.serial),
            });
        }
        info.extras = extras;
        match self.table {
            Table::Fast(f) => f.finish(info, out),
            Table::General(b) => b.finish(info),
        }
    }
}

/// Walks revoked entries (RFC 5280 §5.1.2.6) in `data`, which starts at byte `base` of
/// the CRL, into `c`; returns how many bytes it consumed. With `last`, `data` ends where
/// revokedCertificates ends and must hold whole entries; otherwise an entry cut by the
/// end of `data` is left for the caller to complete (a streaming reader).
pub(super) fn walk_entries(
    data: &[u8],
    base: usize,
    last: bool,
    c: &mut Collector,
    limits: &ReadLimits,
) -> Result<usize, CrlError> {
    let mut pos = 0usize;
    // Bounded: every iteration consumes at least two bytes of `data` or returns.
    while data.get(pos..).is_some_and(|r| !r.is_empty()) {
        if c.len() >= limits.max_entries {
            return Err(CrlError::TooLarge {
                what: "revoked entries",
                limit: limits.max_entries as u64,
            });
        }
        pos = c.walk_common(data, pos, limits);
        let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) else {
            break;
        };
        let at = base.saturating_add(pos);
        if !last && asn1::needs_more(rest) {
            return Ok(pos);
        }
        let mut r = Reader::with_base(rest, at);
        let entry = r.expect(TAG_SEQ, "revoked entry is not a SEQUENCE")?;
        let (serial, secs, reason, extras) = entry_slow(&entry, limits)?;
        c.push_entry(serial.content, serial.offset, secs, reason, extras, limits)?;
        pos = pos
            .saturating_add(entry.end().saturating_sub(at))
            .max(pos + 2);
    }
    Ok(pos)
}

#[cfg(test)]
mod merge_tests {
    use super::*;

    /// The split and the two-part merge give the sorted whole for halves of every
    /// shape and every split point, and equal serials are refused.
    #[test]
    fn split_merge_sorts_and_finds_duplicates() {
        let shapes: [(&[u64], &[u64]); 6] = [
            (&[1, 3, 5, 7], &[2, 4, 6, 8]),
            (&[1, 2, 3, 4], &[5, 6, 7, 8]),
            (&[5, 6, 7, 8], &[1, 2, 3, 4]),
            (&[1, 9], &[2, 3, 4, 5, 6, 7]),
            (&[], &[1, 2, 3]),
            (&[4], &[]),
        ];
        for (a, b) in shapes {
            let a: Vec<(u64, u64)> = a.iter().map(|&v| (v, v * 10)).collect();
            let b: Vec<(u64, u64)> = b.iter().map(|&v| (v, v * 10)).collect();
            let n = a.len() + b.len();
            for mid in 0..=n {
                let i = merge_split(&a, &b, mid);
                let (a1, a2) = a.split_at(i);
                let (b1, b2) = b.split_at(mid - i);
                let mut k1 = vec![0u8; mid * 8];
                let mut p1 = vec![0u8; mid * 8];
                let mut k2 = vec![0u8; (n - mid) * 8];
                let mut p2 = vec![0u8; (n - mid) * 8];
                emit_merged::<8>(a1, b1, &mut k1, &mut p1).unwrap();
                emit_merged::<8>(a2, b2, &mut k2, &mut p2).unwrap();
                let keys: Vec<u64> = k1
                    .chunks(8)
                    .chain(k2.chunks(8))
                    .map(|c| u64::from_be_bytes(c.try_into().unwrap()) ^ (1 << 63))
                    .collect();
                let mut want: Vec<u64> = a.iter().chain(&b).map(|r| r.0).collect();
                want.sort_unstable();
                assert_eq!(keys, want, "a={a:?} b={b:?} mid={mid}");
                let packed: Vec<u64> = p1
                    .chunks(8)
                    .chain(p2.chunks(8))
                    .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                    .collect();
                assert_eq!(packed, want.iter().map(|v| v * 10).collect::<Vec<_>>());
            }
        }
        let (a, b) = ([(3u64, 0u64), (5, 0)], [(5u64, 1u64)]);
        let mut k = vec![0u8; 24];
        let mut p = vec![0u8; 24];
        assert!(emit_merged::<8>(&a, &b, &mut k, &mut p).is_err());
    }
}
