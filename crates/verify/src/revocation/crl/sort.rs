//! Sorting index records (serial value, packed date and reason) by serial.
//!
//! One in-place distribution of the records into 256 buckets by the top bits of the
//! key over the range in use (American flag sort: every record moves at most once, in
//! the input's own allocation — a second buffer as large as the input would cost a page
//! fault per 4 KiB on first touch), then the standard library's unstable sort on each
//! bucket, which is small enough to stay in the cache; the buckets are split between
//! two threads. For a million random 64-bit serials this takes about a third of a plain
//! `sort_unstable` (`just bench-crl` measures the whole load). Equal keys end up
//! adjacent, in no particular order of payload.

/// One record: key (a serial number as an unsigned value) and payload.
pub(super) type Rec = (u64, u64);

/// Below this many records, one `sort_unstable`.
const SMALL: usize = 1 << 12;
/// Digit bits of the distribution.
const BITS: u32 = 8;
const BUCKETS: usize = 1 << BITS;

/// Sorts `v` by key.
pub(super) fn sort_records(v: &mut [Rec]) {
    if v.len() < SMALL {
        v.sort_unstable_by_key(|r| r.0);
        return;
    }
    if v.windows(2).all(|w| matches!(w, [a, b] if a.0 <= b.0)) {
        return;
    }
    let (lo, hi) = v
        .iter()
        .fold((u64::MAX, 0u64), |(lo, hi), r| (lo.min(r.0), hi.max(r.0)));
    let range = hi - lo;
    let shift = (u64::BITS - range.leading_zeros()).saturating_sub(BITS);
    let bucket = |k: u64| ((k - lo) >> shift) as usize & (BUCKETS - 1);
    let mut counts = [0usize; BUCKETS];
    for r in v.iter() {
        if let Some(c) = counts.get_mut(bucket(r.0)) {
            *c += 1;
        }
    }
    let mut ends = [0usize; BUCKETS];
    let mut sum = 0usize;
    for (e, c) in ends.iter_mut().zip(counts) {
        sum += c;
        *e = sum;
    }
    let mut next = [0usize; BUCKETS];
    for (n, (e, c)) in next.iter_mut().zip(ends.iter().zip(counts)) {
        *n = e - c;
    }
    // The permutation: each step puts one record into its bucket for good, so there are
    // at most `v.len()` steps in all.
    for b in 0..BUCKETS {
        let end = ends.get(b).copied().unwrap_or(0);
        while let Some(&i) = next.get(b).filter(|&&i| i < end) {
            let Some(mut x) = v.get(i).copied() else {
                break;
            };
            let mut d = bucket(x.0);
            while d != b {
                let Some(slot) = next.get_mut(d) else { break };
                let Some(y) = v.get_mut(*slot) else { break };
                core::mem::swap(&mut x, y);
                *slot += 1;
                d = bucket(x.0);
            }
            if let Some(y) = v.get_mut(i) {
                *y = x;
            }
            if let Some(n) = next.get_mut(b) {
                *n += 1;
            }
        }
    }
    // Two halves at a bucket boundary, each sorted bucket by bucket.
    let mid = ends
        .iter()
        .copied()
        .find(|&e| e >= v.len() / 2)
        .unwrap_or(v.len());
    let (first, second) = v.split_at_mut(mid);
    let sort_buckets = |part: &mut [Rec], offset: usize| {
        let mut start = 0usize;
        for &e in &ends {
            let Some(end) = e.checked_sub(offset).filter(|&x| x <= part.len()) else {
                continue;
            };
            if let Some(b) = part.get_mut(start..end) {
                b.sort_unstable_by_key(|r| r.0);
            }
            start = end;
        }
    };
    let upper = std::sync::Mutex::new(Some(second));
    crate::par::join2(
        || {
            if let Some(s) = upper.lock().ok().and_then(|mut g| g.take()) {
                sort_buckets(s, mid);
            }
        },
        || sort_buckets(first, 0),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn splitmix64(s: &mut u64) -> u64 {
        *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Keys of several shapes: uniform, a small range, all equal, ascending,
    /// descending, clusters far apart, one outlier beside dense keys, powers of two,
    /// two values, organ pipe.
    fn keys(kind: usize, n: usize, seed: u64) -> Vec<Rec> {
        let mut s = seed;
        let n64 = n as u64;
        (0..n64)
            .map(|i| {
                let r = splitmix64(&mut s);
                let k = match kind {
                    0 => r,
                    1 => r % 1000,
                    2 => 42,
                    3 => i * 3,
                    4 => u64::MAX - i / 2,
                    5 => (r % 4) << 60 | (r >> 40),
                    6 if i == n64 / 2 => u64::MAX,
                    6 => 1_000_000 + r % (4 * n64 + 1),
                    7 => 1u64 << (r % 64),
                    8 => r & 1,
                    _ if i < n64 / 2 => i,
                    _ => n64 - i,
                };
                (k, i)
            })
            .collect()
    }

    #[test]
    fn agrees_with_sort_unstable() {
        for n in [0usize, 1, 2, 100, SMALL - 1, SMALL, 50_000, 300_000] {
            for kind in 0..10 {
                let v = keys(kind, n, 7 + kind as u64);
                let mut want = v.clone();
                want.sort_unstable();
                let mut got = v;
                sort_records(&mut got);
                assert!(
                    got.windows(2).all(|w| w[0].0 <= w[1].0),
                    "n={n} kind={kind}"
                );
                got.sort_unstable();
                assert_eq!(got, want, "records lost: n={n} kind={kind}");
            }
        }
    }
}
