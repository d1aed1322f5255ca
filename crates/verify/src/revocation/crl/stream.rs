//! The streaming CRL reader (`std`): a CRL read from any [`Read`] in chunks, so that a
//! national-scale CRL is never whole in memory. This thread walks the revoked entries
//! of each chunk while a second one hashes the signed bytes (RFC 5280 §5.1.1.3) of the
//! same chunk; a chunk goes back to the reading thread for reuse once both are done.

use std::io::Read;
use std::sync::{Arc, mpsc};

use super::collect::{Collector, walk_entries};
use super::index::Parsed;
use super::info::{CrlInfo, ReadLimits, check_issuer};
use super::parse::Head;
use crate::alg::HashAlg;
use crate::asn1;
use crate::error::CrlError;
use crate::x509::Cert;

/// Bytes per read: small enough for the caches of both threads.
pub(super) const CHUNK: usize = 256 * 1024;
/// Most bytes before the first entry (issuer name, times): the first read grows to this.
const MAX_HEAD: usize = 1 << 20;
/// Chunks queued for the hashing thread before the reader waits for it.
const IN_FLIGHT: usize = 8;
/// Largest single entry completed across chunks (a usual entry is under 64 bytes).
const MAX_ENTRY: usize = 1 << 20;
/// Most bytes after the entries: crlExtensions, signatureAlgorithm, signatureValue.
const MAX_TAIL: usize = 16 << 20;

/// An incremental digest of the signed bytes.
enum Hasher {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(alg: HashAlg) -> Self {
        use sha2::Digest;
        match alg {
            HashAlg::Sha256 => Self::Sha256(sha2::Sha256::new()),
            HashAlg::Sha384 => Self::Sha384(sha2::Sha384::new()),
            HashAlg::Sha512 => Self::Sha512(sha2::Sha512::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        use sha2::Digest;
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    fn finish(self) -> Vec<u8> {
        use sha2::Digest;
        match self {
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// The part of the chunk at `at` that lies in `range` (absolute offsets).
fn clip(chunk: &[u8], at: usize, range: (usize, usize)) -> &[u8] {
    let lo = range.0.max(at).saturating_sub(at);
    let hi = range
        .1
        .min(at.saturating_add(chunk.len()))
        .saturating_sub(at);
    chunk.get(lo..hi).unwrap_or(&[])
}

/// Pages of the index layout the hashing thread faults in after each chunk it hashes.
const PAGES_PER_CHUNK: usize = 48;
/// Below this many entries the walk is short and nothing is faulted in ahead.
const LAYOUT_AHEAD_MIN: usize = 1 << 16;

/// Writes one byte in each of the next `pages` 4 KiB pages of `v` from `done` on, so
/// that the kernel maps them now; returns where it stopped.
fn touch(v: &mut [u8], done: usize, pages: usize) -> usize {
    let end = done.saturating_add(pages.saturating_mul(4096)).min(v.len());
    for p in (done..end).step_by(4096) {
        if let Some(b) = v.get_mut(p) {
            *b = 1;
        }
    }
    end
}

/// A buffer the size the index of a large CRL will likely need (from the entries of the
/// first chunk: their average size and key width), for the hashing thread to fault in
/// while the walk goes on; `None` for a small CRL or entries beyond 64 bits.
fn layout_estimate(w: &Walker<'_>) -> Option<Vec<u8>> {
    let (count, width) = w.entries.fast_shape()?;
    let (start, end) = w.head.revoked?;
    let walked = w.carry_at.checked_sub(start)?;
    if count < 64 || walked == 0 {
        return None;
    }
    let expect = end
        .saturating_sub(start)
        .saturating_mul(count)
        .checked_div(walked)?
        .saturating_mul(51)
        / 50;
    if expect < LAYOUT_AHEAD_MIN || expect > w.limits.max_entries {
        return None;
    }
    let key = width.saturating_add(1).min(9);
    let bytes = expect.saturating_mul(key + 8).saturating_add(64 * 1024);
    Some(alloc::vec![0u8; bytes])
}

/// Reads into `buf` until it is full or the input ends; returns the count.
fn fill(src: &mut impl Read, buf: &mut [u8]) -> Result<usize, CrlError> {
    let mut n = 0;
    // Bounded: every successful read advances `n` towards `buf.len()`; a zero read ends.
    while let Some(rest) = buf.get_mut(n..).filter(|r| !r.is_empty()) {
        match src.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(CrlError::Io {
                    detail: alloc::format!("reading the CRL: {e}"),
                });
            }
        }
    }
    Ok(n)
}

/// What the reading thread does with each chunk: walk the entries in it, complete an
/// entry cut by the previous chunk, keep the bytes after the entries.
struct Walker<'l> {
    head: Head,
    limits: &'l ReadLimits,
    entries: Collector,
    /// An entry cut by the end of a chunk, and where it starts.
    carry: Vec<u8>,
    carry_at: usize,
    /// The bytes from `head.tail_start` on.
    tail: Vec<u8>,
    /// The first entry error: the walk stops, the reading and hashing go on, and the
    /// error is reported only if the signature verifies (when one is checked).
    failed: Option<CrlError>,
}

impl Walker<'_> {
    fn feed(&mut self, at: usize, data: &[u8]) -> Result<(), CrlError> {
        if let Some(range) = self.head.revoked
            && self.failed.is_none()
        {
            let region = clip(data, at, range);
            if !region.is_empty() {
                let base = range.0.max(at);
                let last = base.saturating_add(region.len()) == range.1;
                if let Err(e) = self.entries_in(region, base, last) {
                    self.failed = Some(e);
                    self.carry = Vec::new();
                }
            }
        }
        let tail = clip(data, at, (self.head.tail_start, usize::MAX));
        if self.tail.len().saturating_add(tail.len()) > MAX_TAIL {
            return Err(CrlError::TooLarge {
                what: "bytes after the revoked entries",
                limit: MAX_TAIL as u64,
            });
        }
        self.tail.extend_from_slice(tail);
        Ok(())
    }

    fn entries_in(&mut self, region: &[u8], base: usize, last: bool) -> Result<(), CrlError> {
        let mut taken = 0usize;
        // First the entry the previous chunk cut, copied in steps that at least double
        // what is held; bounded: every step takes at least one byte of `region`.
        while !self.carry.is_empty() && taken < region.len() {
            let step = (region.len() - taken).min(self.carry.len().max(256));
            self.carry
                .extend_from_slice(region.get(taken..taken + step).unwrap_or(&[]));
            taken += step;
            let fin = last && taken == region.len();
            if fin || !asn1::needs_more(&self.carry) {
                let used = walk_entries(
                    &self.carry,
                    self.carry_at,
                    fin,
                    &mut self.entries,
                    self.limits,
                )?;
                self.carry.drain(..used.min(self.carry.len()));
                self.carry_at = self.carry_at.saturating_add(used);
            }
            if self.carry.len() > MAX_ENTRY {
                return Err(CrlError::TooLarge {
                    what: "revoked entry size",
                    limit: MAX_ENTRY as u64,
                });
            }
        }
        let rest = region.get(taken..).unwrap_or(&[]);
        if self.carry.is_empty() && !rest.is_empty() {
            let at = base.saturating_add(taken);
            let used = walk_entries(rest, at, last, &mut self.entries, self.limits)?;
            self.carry
                .extend_from_slice(rest.get(used..).unwrap_or(&[]));
            self.carry_at = at.saturating_add(used);
        }
        Ok(())
    }
}

/// Reads a DER CRL from `src`: the first read of `first_size` bytes (which grows until
/// the head is in, up to [`MAX_HEAD`]), the later ones of `chunk_size`. With `cas`, the
/// entries are not walked when none of them can have issued the CRL (by name).
///
/// Bounds beyond `limits`: the bytes before the first entry must come within the first
/// 1 MiB, one entry within 1 MiB, and what follows the entries within 16 MiB.
pub(super) fn read(
    mut src: impl Read,
    cas: Option<&[Cert]>,
    limits: ReadLimits,
    first_size: usize,
    chunk_size: usize,
) -> Result<Parsed, CrlError> {
    let chunk_size = chunk_size.max(1);
    let mut first = alloc::vec![0u8; first_size.clamp(1, MAX_HEAD)];
    let mut n = fill(&mut src, &mut first)?;
    // Bounded: the buffer at least doubles each round, up to MAX_HEAD.
    let head = loop {
        match Head::parse(first.get(..n).unwrap_or(&[])) {
            Ok(h) => break h,
            Err(e) if n < first.len() || first.len() >= MAX_HEAD => return Err(e),
            Err(_) => {
                let more = first.len().saturating_mul(2).min(MAX_HEAD);
                first.resize(more, 0);
                n += fill(&mut src, first.get_mut(n..).unwrap_or(&mut []))?;
            }
        }
    };
    // The issuer name is known now: stop early if no CA can have issued the CRL.
    if let Some(cas) = cas {
        let named = CrlInfo {
            issuer_der: head.issuer_der.clone(),
            ..CrlInfo::default()
        };
        let mut last_err = CrlError::IssuerMismatch {
            detail: "no CA given",
        };
        if !cas.iter().any(|ca| match check_issuer(&named, ca) {
            Ok(()) => true,
            Err(e) => {
                last_err = e;
                false
            }
        }) {
            return Err(last_err);
        }
    }
    let hash = crate::alg::signature_hash(&head.sig_alg, None).ok();
    let tbs = (head.tbs_start, head.tbs_end);
    let mut entries = Collector::new(&head.issuer_der);
    if let Some((s, e)) = head.revoked {
        entries.reserve_for(e.saturating_sub(s), &limits);
    }
    let mut w = Walker {
        head,
        limits: &limits,
        entries,
        carry: Vec::new(),
        carry_at: 0,
        tail: Vec::new(),
        failed: None,
    };
    let (total, digest, layout) = std::thread::scope(|s| -> Result<_, CrlError> {
        let (tx, rx) = mpsc::sync_channel::<(usize, usize, Arc<Vec<u8>>)>(IN_FLIGHT);
        let (back_tx, back_rx) = mpsc::channel::<Arc<Vec<u8>>>();
        let (layout_tx, layout_rx) = mpsc::channel::<Vec<u8>>();
        let mut inline = None;
        let mut worker = None;
        if let Some(alg) = hash {
            let spawned = std::thread::Builder::new()
                .name(String::from("crl-digest"))
                .spawn_scoped(s, move || {
                    let mut h = Hasher::new(alg);
                    let mut layout: Option<(Vec<u8>, usize)> = None;
                    for (at, len, chunk) in rx {
                        h.update(clip(chunk.get(..len).unwrap_or(&[]), at, tbs));
                        let _ = back_tx.send(chunk);
                        // This thread waits for the walk: meanwhile, it faults in some
                        // pages of the index the walk will produce.
                        match layout.as_mut() {
                            Some((v, done)) => *done = touch(v, *done, PAGES_PER_CHUNK),
                            None => layout = layout_rx.try_recv().ok().map(|v| (v, 0)),
                        }
                    }
                    (h.finish(), layout.map(|(v, _)| v))
                });
            match spawned {
                Ok(j) => worker = Some(j),
                Err(_) => inline = Some(Hasher::new(alg)),
            }
        }
        let tx = worker.as_ref().map(|_| tx);
        let mut pool: Vec<Vec<u8>> = Vec::new();
        let mut live = 0usize;
        let mut at = 0usize;
        let mut buf = first;
        let mut len = n;
        // Bounded: each round consumes `len` > 0 bytes of the input, and stops at
        // its end.
        loop {
            let chunk = Arc::new(buf);
            let data = chunk.get(..len).unwrap_or(&[]);
            match (&tx, &mut inline) {
                (Some(tx), _) => {
                    if tx.send((at, len, Arc::clone(&chunk))).is_ok() {
                        live += 1;
                    }
                }
                (None, Some(h)) => h.update(clip(data, at, tbs)),
                (None, None) => {}
            }
            w.feed(at, data)?;
            if at == 0
                && tx.is_some()
                && let Some(v) = layout_estimate(&w)
            {
                let _ = layout_tx.send(v);
            }
            at = at.saturating_add(len);
            let full = len == chunk.len();
            drop(chunk);
            if !full {
                break;
            }
            // A buffer the hashing thread is done with, else a new one (at most
            // IN_FLIGHT + 2 exist).
            while let Ok(b) = back_rx.try_recv() {
                live = live.saturating_sub(1);
                if let Ok(v) = Arc::try_unwrap(b)
                    && v.len() == chunk_size
                {
                    pool.push(v);
                }
            }
            if pool.is_empty()
                && live > IN_FLIGHT
                && let Ok(b) = back_rx.recv()
            {
                live = live.saturating_sub(1);
                if let Ok(v) = Arc::try_unwrap(b)
                    && v.len() == chunk_size
                {
                    pool.push(v);
                }
            }
            buf = pool.pop().unwrap_or_else(|| alloc::vec![0u8; chunk_size]);
            len = fill(&mut src, &mut buf)?;
            if len == 0 {
                break;
            }
        }
        drop(tx);
        let (digest, layout) = match (worker, inline) {
            (Some(j), _) => j.join().ok().map_or((None, None), |(d, l)| (Some(d), l)),
            (None, Some(h)) => (Some(h.finish()), None),
            (None, None) => (None, None),
        };
        Ok((at, digest, layout))
    })?;
    let Walker {
        head,
        entries,
        tail,
        failed,
        ..
    } = w;
    if total < head.outer_end {
        return Err(asn1::der_err(0, "length beyond the enclosing element").into());
    }
    let mut info = head.parse_tail(&tail, limits)?;
    info.tbs_digest = digest.unwrap_or_default();
    let index = match failed {
        Some(e) => Err(e),
        None => entries.finish(info.clone(), layout),
    };
    Ok(Parsed { info, index })
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use super::super::Crl;
    use super::*;
    use crate::alg::Backend;
    use inkan_testpki::jpki::{
        self as pki, CrlOptions, Hierarchy, Reason, RevokedEntry, RootCa, Validity,
    };
    use std::sync::OnceLock;

    fn root() -> &'static RootCa {
        static ROOT: OnceLock<RootCa> = OnceLock::new();
        ROOT.get_or_init(|| {
            let v = Validity::new(
                pki::utc(2020, 1, 1, 0, 0, 0).unwrap(),
                pki::utc(2040, 1, 1, 0, 0, 0).unwrap(),
            )
            .unwrap();
            let key = pki::test_key(9, "crl-stream").unwrap();
            RootCa::new(Hierarchy::Signature, 1, key, &[0x20, 1], v).unwrap()
        })
    }

    fn ca() -> Cert {
        Cert::from_der(root().cert_der()).unwrap()
    }

    /// `n` entries of every shape: serials of 1 to 20 bytes (some with the top bit set),
    /// dates from 1970 to 2069 (GeneralizedTime from 2050), with and without reasons.
    fn entries(n: usize, seed: u64) -> Vec<RevokedEntry> {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        (0..n)
            .map(|i| {
                let r = next();
                let len = if i % 5 == 4 {
                    9 + (r % 7) as usize
                } else {
                    1 + (r % 8) as usize
                };
                let mut serial: Vec<u8> = (0..len).map(|k| (next() >> (k % 8)) as u8).collect();
                serial[0] |= 1;
                serial.extend_from_slice(&(i as u32).to_be_bytes()); // distinct
                let year = 1970 + (r >> 8) % 100;
                let reason = match (r >> 20) % 3 {
                    0 => None,
                    _ => Some(Reason::JPKI[((r >> 24) % 8) as usize]),
                };
                RevokedEntry {
                    serial,
                    revoked_at: pki::utc(
                        year as u16,
                        1 + ((r >> 32) % 12) as u8,
                        1 + ((r >> 40) % 28) as u8,
                        13,
                        5,
                        59,
                    )
                    .unwrap(),
                    reason,
                }
            })
            .collect()
    }

    fn crl(entries: &[RevokedEntry]) -> Vec<u8> {
        pki::build_crl(
            root(),
            entries,
            pki::utc(2025, 6, 1, 0, 0, 0).unwrap(),
            pki::utc(2025, 6, 8, 0, 0, 0).unwrap(),
            7,
            &CrlOptions::default(),
        )
        .unwrap()
    }

    /// The in-memory reader's answer: the index bytes, or the error code.
    fn in_memory(der: &[u8], cas: &[Cert]) -> Result<Vec<u8>, &'static str> {
        Crl::from_der_signed_by(der, cas, Backend::RustCrypto)
            .map(|i| i.as_bytes().to_vec())
            .map_err(|e| e.code())
    }

    fn streamed(
        der: &[u8],
        cas: &[Cert],
        first: usize,
        next: usize,
    ) -> Result<Vec<u8>, &'static str> {
        read(der, Some(cas), ReadLimits::default(), first, next)
            .and_then(|p| p.signed_by(cas, Backend::RustCrypto))
            .map(|i| i.as_bytes().to_vec())
            .map_err(|e| e.code())
    }

    /// Byte for byte the same index as the in-memory reader, however the input is cut
    /// into reads: entries cut anywhere, the head read in growing steps.
    #[test]
    fn same_index_at_any_chunking() {
        let cas = [ca()];
        for n in [0usize, 1, 5, 300] {
            let der = crl(&entries(n, n as u64));
            let want = in_memory(&der, &cas).unwrap();
            for (first, next) in [
                (1, 1),
                (2, 3),
                (7, 5),
                (40, 13),
                (100, 64),
                (der.len(), 1),
                (der.len() / 2, der.len()),
                (CHUNK, CHUNK),
            ] {
                assert_eq!(
                    streamed(&der, &cas, first, next).as_ref(),
                    Ok(&want),
                    "{n} entries, reads {first}/{next}"
                );
            }
        }
    }

    /// The public reader (default read sizes, the hashing thread) gives the in-memory
    /// reader's index, with `n` entries.
    fn assert_same_with_default_reads(der: &[u8], cas: &[Cert], n: usize) {
        let want = in_memory(der, cas).unwrap();
        let got = Crl::from_reader_signed_by(der, cas, Backend::RustCrypto, ReadLimits::default())
            .unwrap();
        assert_eq!(got.as_bytes(), want.as_slice());
        assert_eq!(got.len(), n);
    }

    /// 30,000 entries (over 1 MB) through the default 256 KiB reads and the hashing thread.
    #[test]
    fn large_crl_with_default_reads() {
        let cas = [ca()];
        let der = crl(&entries(30_000, 3));
        assert!(der.len() > 4 * CHUNK);
        assert_same_with_default_reads(&der, &cas, 30_000);
    }

    /// A CRL large enough for the index to be faulted in ahead by the hashing thread,
    /// once with an estimate that fits and once with one too small (short serials first,
    /// long ones after): the same index either way.
    #[test]
    fn index_layout_faulted_in_ahead() {
        let cas = [ca()];
        let day =
            |i: usize| pki::utc(2024, 1 + (i % 12) as u8, 1 + (i % 28) as u8, 0, 0, 0).unwrap();
        let long: Vec<RevokedEntry> = (0..70_000u64)
            .map(|i| RevokedEntry {
                serial: (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1 << 62)
                    .to_be_bytes()
                    .to_vec(),
                revoked_at: day(i as usize),
                reason: None,
            })
            .collect();
        let mut short_first: Vec<RevokedEntry> = (1..=20_000u32)
            .map(|i| RevokedEntry {
                serial: i
                    .to_be_bytes()
                    .iter()
                    .copied()
                    .skip_while(|&b| b == 0)
                    .collect(),
                revoked_at: day(i as usize),
                reason: Some(Reason::KeyCompromise),
            })
            .collect();
        short_first.extend(long.iter().take(60_000).cloned());
        for entries in [long, short_first] {
            assert_same_with_default_reads(&crl(&entries), &cas, entries.len());
        }
    }

    /// Truncated and corrupted CRLs fail with the error the in-memory reader gives.
    #[test]
    fn same_errors_as_in_memory() {
        let cas = [ca()];
        let der = crl(&entries(40, 11));
        for cut in (0..der.len()).step_by(7) {
            let a = in_memory(&der[..cut], &cas);
            assert!(a.is_err());
            assert_eq!(streamed(&der[..cut], &cas, 9, 4), a, "cut at {cut}");
        }
        for at in (0..der.len()).step_by(3) {
            let mut bad = der.clone();
            bad[at] ^= 0x55;
            assert_eq!(
                streamed(&bad, &cas, 9, 4),
                in_memory(&bad, &cas),
                "byte {at} changed"
            );
        }
        let mut long = der.clone();
        long.push(0);
        assert_eq!(streamed(&long, &cas, 9, 4), Err("crl-malformed"));
    }

    /// A reader that fails after `ok` bytes.
    struct Failing<'a> {
        data: &'a [u8],
        ok: usize,
    }

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.ok == 0 {
                return Err(std::io::Error::other("unplugged"));
            }
            let n = buf.len().min(self.ok).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.ok -= n;
            Ok(n)
        }
    }

    #[test]
    fn read_errors_and_wrong_issuer() {
        let cas = [ca()];
        let der = crl(&entries(2_000, 5));
        for ok in [0, 10, der.len() / 2] {
            let e = read(
                Failing { data: &der, ok },
                Some(&cas),
                ReadLimits::default(),
                64,
                64,
            )
            .and_then(|p| p.signed_by(&cas, Backend::RustCrypto))
            .unwrap_err();
            assert!(matches!(e, CrlError::Io { .. }), "{e:?}");
            assert!(e.to_string().contains("unplugged"));
        }
        assert_eq!(streamed(&der, &[], 64, 64), Err("crl-issuer-mismatch"));
        let other = {
            let v = Validity::new(
                pki::utc(2020, 1, 1, 0, 0, 0).unwrap(),
                pki::utc(2040, 1, 1, 0, 0, 0).unwrap(),
            )
            .unwrap();
            let key = pki::test_key(9, "crl-stream-other").unwrap();
            let r = RootCa::new(Hierarchy::Signature, 2, key, &[0x20, 2], v).unwrap();
            Cert::from_der(r.cert_der()).unwrap()
        };
        assert_eq!(
            streamed(&der, std::slice::from_ref(&other), 64, 64),
            in_memory(&der, std::slice::from_ref(&other))
        );
        // The right CA after a wrong one still verifies.
        assert_eq!(
            streamed(&der, &[other, ca()], 64, 64),
            in_memory(&der, &cas)
        );
    }

    /// The entry limit applies to streamed CRLs as to in-memory ones.
    #[test]
    fn entry_limit() {
        let cas = [ca()];
        let der = crl(&entries(50, 8));
        let limits = ReadLimits {
            max_entries: 49,
            ..ReadLimits::default()
        };
        let e = read(&der[..], Some(&cas), limits, 100, 100)
            .and_then(|p| p.signed_by(&cas, Backend::RustCrypto))
            .unwrap_err();
        assert_eq!(e.code(), "crl-too-large");
        let limits = ReadLimits {
            max_serial_len: 4,
            ..ReadLimits::default()
        };
        let e = read(&der[..], Some(&cas), limits, 100, 100)
            .and_then(|p| p.signed_by(&cas, Backend::RustCrypto))
            .unwrap_err();
        assert_eq!(e.code(), "crl-too-large");
    }
}
