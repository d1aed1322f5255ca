//! Sorting of CRL index records by key: a most-significant-digit radix sort in two
//! phases, so that the caller can overlap the first with other work.
//!
//! * Phase 1 ([`scatter`], one thread): a histogram of the keys' top bits (one read
//!   pass) and an in-place permutation of the records into buckets by the first digit —
//!   the top bits of the key over the range in use. The buckets hold 16 to 32 thousand
//!   records (32 buckets for a million keys): few enough for the hardware prefetchers to
//!   follow every bucket's write position, which matters more than anything else once
//!   the records are out of the cache. Sorted and reverse-sorted inputs stop here.
//! * Phase 2 ([`Scattered::finish`]): every bucket (a few hundred KiB, L2-resident) is
//!   distributed on its next bits into a scratch buffer, about one record per
//!   sub-bucket, and insertion-sorted back. Two threads take buckets from the two ends
//!   of a queue. Skewed buckets recurse over their own key range (in place while
//!   large), so clustered keys cost a few more passes, never a quadratic sort.
//!
//! Everything happens in the input's allocation plus one bucket-sized scratch buffer
//! per thread: a second buffer as large as the input would cost a page fault per 4 KiB
//! on first touch, which on a virtual machine is more than the whole sort. Equal keys
//! end up adjacent, in no particular order of payload.

use alloc::vec::Vec;

/// One record: key (a serial number as an unsigned value) and payload.
type Rec = (u64, u64);

/// Up to this many records, insertion sort.
const INSERTION_MAX: usize = 24;
/// Bits of the first digit at most, and of the raw histogram of phase 1.
const TOP_BITS: u32 = 12;
/// Shift of the raw histogram: the top `TOP_BITS` of the key itself.
const RAW_SHIFT: u32 = u64::BITS - TOP_BITS;
/// The first digit aims at `2^TOP_LOG` to `2^(TOP_LOG + 1)` records per bucket.
const TOP_LOG: u32 = 14;
/// Bits of a digit in phase 2, at most (about one record per sub-bucket).
const SUB_BITS: u32 = 16;
/// Buckets above this many records are split in place (by [`permute`]) rather than
/// through the scratch buffer, which therefore never exceeds it; below it, counts fit
/// in 16 bits.
const BIG: usize = (1 << 16) - 1;
/// Records from which phase 2 uses a second thread.
#[cfg(feature = "std")]
const PAR_MIN: usize = 1 << 15;
/// Radix levels before a comparison sort takes over. Every level shortens the key range
/// by at least one bit, so this is only a safety net.
const MAX_DEPTH: u32 = 16;

/// The records after phase 1: permuted into buckets by their first digit, to be sorted
/// independently by [`Scattered::finish`].
pub(crate) struct Scattered {
    /// The records, bucket after bucket.
    recs: Vec<Rec>,
    /// Records per bucket (none: `recs` is sorted already).
    counts: Vec<u32>,
    /// The keys of one bucket agree above their low `shift` bits.
    shift: u32,
}

/// Phase 1, on one thread: a histogram of the keys' first digit and an in-place
/// permutation of the records into buckets by that digit. Small, sorted and
/// reverse-sorted inputs are finished here.
pub(crate) fn scatter(mut recs: Vec<Rec>) -> Scattered {
    let done = |recs| Scattered {
        recs,
        counts: Vec::new(),
        shift: 0,
    };
    let n = recs.len();
    if n <= INSERTION_MAX {
        insertion_sort(&mut recs);
        return done(recs);
    }
    if u32::try_from(n).is_err() {
        // Bucket counts are 32-bit.
        recs.sort_unstable_by_key(|r| r.0);
        return done(recs);
    }
    // In order already, either way? (Unordered keys end these at the first few records.)
    if recs.is_sorted_by_key(|r| r.0) {
        return done(recs);
    }
    if recs.is_sorted_by(|a, b| a.0 >= b.0) {
        recs.reverse();
        return done(recs);
    }
    // One pass: a histogram of the top bits of the keys, of which the first digit is a
    // coarsening when the keys spread over most of the 64-bit range, as random serials
    // do. Backwards: the records written last are the likeliest to be in the cache.
    let mut raw = [0u32; 1 << TOP_BITS];
    for r in recs.iter().rev() {
        if let Some(c) = raw.get_mut((r.0 >> RAW_SHIFT) as usize) {
            *c += 1;
        }
    }
    // The key range, to within the raw buckets.
    let first = raw.iter().position(|&c| c != 0).unwrap_or(0) as u64;
    let last = raw.iter().rposition(|&c| c != 0).unwrap_or(0) as u64;
    let (mut lo, mut hi) = (
        first << RAW_SHIFT,
        (last << RAW_SHIFT) | (u64::MAX >> TOP_BITS),
    );
    let bits_for = |need: u32| log2(n).saturating_sub(TOP_LOG).clamp(1, TOP_BITS).min(need);
    let mut need = u64::BITS - (hi - lo).leading_zeros();
    let fold = need - bits_for(need) >= RAW_SHIFT;
    if !fold {
        // A narrow range: the exact one, for a finer digit.
        (lo, hi) = min_max(&recs);
        need = u64::BITS - (hi - lo).leading_zeros();
    }
    let shift = need - bits_for(need);
    let digit = Digit::new(lo, hi, shift);
    let mut counts = alloc::vec![0u32; digit.buckets];
    if fold {
        for (i, &c) in (0u64..).zip(raw.iter()) {
            if c != 0
                && let Some(x) = counts.get_mut(digit.of(i << RAW_SHIFT))
            {
                *x += c;
            }
        }
    } else {
        histogram(&recs, digit, &mut counts);
    }
    permute(&mut recs, &counts, digit);
    Scattered {
        recs,
        counts,
        shift,
    }
}

impl Scattered {
    /// Phase 2: sorts every bucket, on two threads when `threads` is true, the build has
    /// `std` and there are enough records (on this one if no thread can be started), and
    /// returns the sorted records, in the input's allocation.
    pub(crate) fn finish(self, threads: bool) -> Vec<Rec> {
        let Scattered {
            mut recs,
            counts,
            shift,
        } = self;
        if counts.is_empty() {
            return recs;
        }
        #[cfg(feature = "std")]
        if threads && recs.len() >= PAR_MIN {
            sort_parallel(&mut recs, &counts, shift);
            return recs;
        }
        #[cfg(not(feature = "std"))]
        let _ = threads;
        let lopsided = recs.len() / 4 * 3;
        let mut work = Work::new(&counts);
        let mut rest = recs.as_mut_slice();
        for &c in &counts {
            let Some((b, r)) = core::mem::take(&mut rest).split_at_mut_checked(c as usize) else {
                break;
            };
            rest = r;
            work.sort_bucket(b, shift, 0, b.len() > lopsided);
        }
        recs
    }
}

/// Sorts `recs` by key (equal keys adjacent): [`scatter`] then [`Scattered::finish`].
pub(crate) fn sort_records(recs: Vec<Rec>, threads: bool) -> Vec<Rec> {
    scatter(recs).finish(threads)
}

/// Sorts the buckets of `v` (`counts[i]` records each, keys agreeing above their low
/// `shift` bits) on this thread and a second one: this one takes buckets from the front
/// of a queue, the other from the back, until they meet (which balances the load
/// whatever the bucket sizes and however late the second thread starts). If no thread
/// can be started, this one sorts them all.
#[cfg(feature = "std")]
fn sort_parallel(v: &mut [Rec], counts: &[u32], shift: u32) {
    // A bucket with most of the records hints at keys over many scales.
    let lopsided = v.len() / 4 * 3;
    let mut parts = alloc::collections::VecDeque::with_capacity(counts.len());
    let mut rest = v;
    for &c in counts {
        let Some((b, r)) = core::mem::take(&mut rest).split_at_mut_checked(c as usize) else {
            break;
        };
        rest = r;
        parts.push_back(b);
    }
    let queue = std::sync::Mutex::new(parts);
    let run = |front: bool| {
        let mut work = Work::new(counts);
        for _ in 0..counts.len() {
            let next = {
                let mut q = queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if front { q.pop_front() } else { q.pop_back() }
            };
            let Some(b) = next else { break };
            work.sort_bucket(b, shift, 0, b.len() > lopsided);
        }
    };
    std::thread::scope(|sc| {
        let other = std::thread::Builder::new()
            .name("crl-sort".into())
            .spawn_scoped(sc, || run(false));
        run(true);
        // The worker cannot panic: no indexing, no arithmetic that can trap.
        if let Ok(h) = other {
            let _ = h.join();
        }
    });
}

/// A radix digit: `(key >> shift) - base`, for keys in a known range.
#[derive(Clone, Copy)]
struct Digit {
    shift: u32,
    base: u64,
    /// Values the digit takes over the range: at most `2^(need - shift) + 1`.
    buckets: usize,
}

impl Digit {
    /// The digit over `lo ..= hi` that keeps the bits of the key above `shift`.
    fn new(lo: u64, hi: u64, shift: u32) -> Self {
        let base = lo >> shift;
        let buckets = usize::try_from((hi >> shift) - base)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        Digit {
            shift,
            base,
            buckets,
        }
    }

    /// The digit of `key`.
    fn of(self, key: u64) -> usize {
        ((key >> self.shift).wrapping_sub(self.base)) as usize
    }
}

/// The smallest and largest key (`(u64::MAX, 0)` for none).
fn min_max(v: &[Rec]) -> (u64, u64) {
    v.iter()
        .fold((u64::MAX, 0), |(lo, hi), r| (lo.min(r.0), hi.max(r.0)))
}

/// Adds the digits of the keys of `v` to `counts`.
fn histogram(v: &[Rec], digit: Digit, counts: &mut [u32]) {
    for r in v {
        if let Some(c) = counts.get_mut(digit.of(r.0)) {
            *c += 1;
        }
    }
}

/// Moves every record into its bucket (`counts[d]` records in bucket `d`, in order of
/// `d`), in place: in rounds, every unplaced position of every bucket swaps its record
/// to the next free place of the record's own bucket, which places one record per swap;
/// positions that received a foreign record wait for the next round. (After Skarupke's
/// ska_sort: unlike the cycles of an American flag sort, the swaps of one round are
/// independent, so that their cache misses overlap.)
fn permute(v: &mut [Rec], counts: &[u32], digit: Digit) {
    let mut next = Vec::with_capacity(counts.len());
    let mut end = Vec::with_capacity(counts.len());
    let mut sum = 0u32;
    for &c in counts {
        next.push(sum);
        sum = sum.wrapping_add(c);
        end.push(sum);
    }
    let mut todo: Vec<u32> = (0u32..)
        .zip(counts)
        .filter(|&(_, &c)| c != 0)
        .map(|(d, _)| d)
        .collect();
    // Every round places at least one record per bucket left.
    for _ in 0..=v.len() {
        if todo.is_empty() {
            break;
        }
        todo.retain(|&d| {
            let (Some(&from), Some(&to)) = (next.get(d as usize), end.get(d as usize)) else {
                return false;
            };
            sweep(v, &mut next, from as usize, to as usize, digit);
            next.get(d as usize).is_some_and(|&x| x < to)
        });
    }
}

/// One round of [`permute`] over the positions `from..to` of one bucket.
fn sweep(v: &mut [Rec], next: &mut [u32], from: usize, to: usize, digit: Digit) {
    for i in from..to.min(v.len()) {
        let Some(&r) = v.get(i) else { break };
        let Some(t) = next.get_mut(digit.of(r.0)) else {
            break;
        };
        let at = *t as usize;
        *t += 1;
        if let Some(x) = v.get_mut(at) {
            let y = *x;
            *x = r;
            if let Some(z) = v.get_mut(i) {
                *z = y;
            }
        }
    }
}

/// The buffers of phase 2 on one thread, grown as needed.
struct Work {
    /// Room for one bucket (at most [`BIG`] records).
    scratch: Vec<Rec>,
    /// Histogram of [`sort_from`].
    hist: Vec<u32>,
    /// Histogram of the usual case (buckets of fewer than 2^16 records, so that the
    /// counts fit: half the cache footprint).
    small: Vec<u16>,
}

impl Work {
    /// Buffers for buckets of `counts` records: the scratch area is allocated at once
    /// (zeroed memory, which costs no pass: the page faults come at first use).
    fn new(counts: &[u32]) -> Self {
        let most = counts.iter().copied().max().unwrap_or(0) as usize;
        let size = if most > INSERTION_MAX {
            most.min(BIG)
        } else {
            0
        };
        Work {
            scratch: alloc::vec![(0, 0); size],
            hist: Vec::new(),
            small: Vec::new(),
        }
    }

    /// Sorts one bucket whose keys agree above their low `shift` bits: distributed on
    /// the next bits into the scratch area, then insertion-sorted back (which only moves
    /// records within their sub-bucket, about one record on average). Large buckets are
    /// split in place first (`skewed`: the bucket holds most of the records of the level
    /// above); buckets with a frequent digit go to [`sort_from`].
    fn sort_bucket(&mut self, b: &mut [Rec], shift: u32, depth: u32, skewed: bool) {
        let m = b.len();
        if m <= INSERTION_MAX {
            insertion_sort(b);
            return;
        }
        if shift == 0 {
            // All keys equal.
            return;
        }
        if m > BIG {
            self.split_in_place(b, depth, skewed);
            return;
        }
        let Work {
            scratch,
            hist,
            small,
        } = self;
        if scratch.len() < m {
            scratch.resize(m, (0, 0));
        }
        let Some(s) = scratch.get_mut(..m) else {
            return;
        };
        let bits = (log2(m) + 1).min(SUB_BITS).min(shift);
        let s2 = shift - bits;
        let mask = (1u64 << bits) - 1;
        let digit = move |k: u64| ((k >> s2) & mask) as usize;
        if small.len() < 1 << bits {
            small.resize(1 << bits, 0);
        }
        let Some(h) = small.get_mut(..1 << bits) else {
            return;
        };
        h.fill(0);
        for r in b.iter() {
            if let Some(c) = h.get_mut(digit(r.0)) {
                *c = c.wrapping_add(1);
            }
        }
        let mut sum = 0u16;
        let mut most = 0u16;
        for c in h.iter_mut() {
            let x = *c;
            most = most.max(x);
            *c = sum;
            sum = sum.wrapping_add(x);
        }
        // (`m < 2^16`: the counts and offsets fit; `most == 0` cannot happen.)
        if most as usize > INSERTION_MAX || most == 0 {
            sort_from(b, s, false, hist, depth);
            return;
        }
        for &r in b.iter() {
            if let Some(p) = h.get_mut(digit(r.0)) {
                if let Some(slot) = s.get_mut(*p as usize) {
                    *slot = r;
                }
                *p = p.wrapping_add(1);
            }
        }
        insert_from(s, b);
    }

    /// Sorts a large bucket: permuted in place by a digit over its own key range, then
    /// each part by [`Work::sort_bucket`]. When most records fall into one part twice in
    /// a row (`skewed`: at the level above), the keys are spread over many scales (powers
    /// of two, say), where each radix pass would peel off only a few of them: a
    /// comparison sort takes over.
    fn split_in_place(&mut self, b: &mut [Rec], depth: u32, skewed: bool) {
        if depth >= MAX_DEPTH {
            b.sort_unstable_by_key(|r| r.0);
            return;
        }
        let (lo, hi) = min_max(b);
        if lo >= hi {
            return;
        }
        let need = u64::BITS - (hi - lo).leading_zeros();
        let bits = log2(b.len())
            .saturating_sub(TOP_LOG)
            .clamp(1, TOP_BITS)
            .min(need);
        let shift = need - bits;
        let digit = Digit::new(lo, hi, shift);
        let mut counts = alloc::vec![0u32; digit.buckets];
        histogram(b, digit, &mut counts);
        let most = counts.iter().copied().max().unwrap_or(0) as usize;
        let lopsided = most > b.len() / 4 * 3;
        if lopsided && skewed {
            b.sort_unstable_by_key(|r| r.0);
            return;
        }
        permute(b, &counts, digit);
        let mut rest = b;
        for c in counts {
            let Some((part, r)) = core::mem::take(&mut rest).split_at_mut_checked(c as usize)
            else {
                break;
            };
            rest = r;
            self.sort_bucket(part, shift, depth + 1, lopsided);
        }
    }
}

/// Sorts the records of `data` into `other` (`into_other`) or back into `data`, the other
/// slice (of the same length) serving as scratch: one radix pass over the key range of
/// `data`, then an insertion sort when every bucket is small, else each bucket in turn.
fn sort_from(
    data: &mut [Rec],
    other: &mut [Rec],
    into_other: bool,
    hist: &mut Vec<u32>,
    depth: u32,
) {
    let n = data.len();
    if n != other.len() {
        return;
    }
    if n <= INSERTION_MAX || depth >= MAX_DEPTH {
        let v = if into_other {
            other.copy_from_slice(data);
            other
        } else {
            data
        };
        if n <= INSERTION_MAX {
            insertion_sort(v);
        } else {
            v.sort_unstable_by_key(|r| r.0);
        }
        return;
    }
    let (lo, hi) = min_max(data);
    if lo >= hi {
        if into_other {
            other.copy_from_slice(data);
        }
        return;
    }
    let need = u64::BITS - (hi - lo).leading_zeros();
    // About one record per bucket.
    let bits = (log2(n) + 1).min(SUB_BITS).min(need);
    let digit = Digit::new(lo, hi, need - bits);
    if hist.len() < digit.buckets {
        hist.resize(digit.buckets, 0);
    }
    let Some(h) = hist.get_mut(..digit.buckets) else {
        return;
    };
    h.fill(0);
    histogram(data, digit, h);
    let mut sum = 0u32;
    let mut most = 0u32;
    for c in h.iter_mut() {
        let x = *c;
        most = most.max(x);
        *c = sum;
        sum = sum.wrapping_add(x);
    }
    for &r in data.iter() {
        if let Some(p) = h.get_mut(digit.of(r.0)) {
            if let Some(slot) = other.get_mut(*p as usize) {
                *slot = r;
            }
            *p = p.wrapping_add(1);
        }
    }
    // `h[i]` is now the end of bucket `i` in `other`.
    if most as usize <= INSERTION_MAX {
        if into_other {
            insertion_sort(other);
        } else {
            insert_from(other, data);
        }
        return;
    }
    let ends: Vec<u32> = h.to_vec();
    let mut start = 0usize;
    let (mut o_rest, mut d_rest) = (other, data);
    for e in ends {
        let len = (e as usize).saturating_sub(start);
        start = e as usize;
        let Some((o, or)) = core::mem::take(&mut o_rest).split_at_mut_checked(len) else {
            break;
        };
        let Some((d, dr)) = core::mem::take(&mut d_rest).split_at_mut_checked(len) else {
            break;
        };
        (o_rest, d_rest) = (or, dr);
        // The bucket is in `o` now; it must end up in `o` if `into_other`, else in `d`.
        sort_from(o, d, !into_other, hist, depth + 1);
    }
}

/// Insertion sort by key, for a few records.
fn insertion_sort(v: &mut [Rec]) {
    for i in 1..v.len() {
        let Some(&x) = v.get(i) else { break };
        let j = shift_greater_up(v, i, x.0);
        if j != i
            && let Some(s) = v.get_mut(j)
        {
            *s = x;
        }
    }
}

/// Insertion sort of `src` into `dst` (of the same length), for records already near
/// their place: the largest record so far is carried in registers and each new one is
/// placed before or after it without a branch; only a record that belongs two or more
/// places back takes the (rare) insertion loop.
fn insert_from(src: &[Rec], dst: &mut [Rec]) {
    let n = src.len().min(dst.len());
    let (Some(&first), Some(rest)) = (src.first(), src.get(1..n)) else {
        return;
    };
    let mut last = first;
    // The key at `dst[i - 1]` (none for `i = 0`; 0 exceeds no key).
    let mut tail = 0u64;
    // `dst[..i]` is sorted and no record there exceeds `last`, which belongs at `i`.
    for (i, &x) in rest.iter().enumerate() {
        let (lo, hi) = if x.0 < last.0 { (x, last) } else { (last, x) };
        last = hi;
        if let Some(s) = dst.get_mut(i) {
            *s = lo;
        }
        if tail <= x.0 {
            tail = lo.0;
            continue;
        }
        // `x` (now at `i`) belongs further back: shift the greater records up by one.
        // The record that lands at `i` is the one that was at `i - 1`: `tail` stays.
        let j = shift_greater_up(dst, i, x.0);
        if let Some(s) = dst.get_mut(j) {
            *s = x;
        }
    }
    if let Some(s) = dst.get_mut(n - 1) {
        *s = last;
    }
}

/// Moves the records before `j` whose keys exceed `key` one place up (`v[..j]` is
/// sorted; `v[j]` is overwritten) and returns where a record with `key` belongs.
#[inline]
fn shift_greater_up(v: &mut [Rec], mut j: usize, key: u64) -> usize {
    // `j` decreases on every step; `get(usize::MAX)` ends the loop at the front.
    while let Some(&p) = v.get(j.wrapping_sub(1)) {
        if p.0 <= key {
            break;
        }
        if let Some(s) = v.get_mut(j) {
            *s = p;
        }
        j -= 1;
    }
    j
}

/// `floor(log2(n))` for `n >= 1` (0 for 0).
fn log2(n: usize) -> u32 {
    (usize::BITS - 1).saturating_sub(n.leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn splitmix64(s: &mut u64) -> u64 {
        *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    const KINDS: usize = 16;

    /// Keys of several shapes; payloads are the record's index (all distinct).
    fn gen_keys(kind: usize, n: usize, seed: u64) -> Vec<Rec> {
        let mut s = seed;
        let n64 = n as u64;
        (0..n64)
            .map(|i| {
                let r = splitmix64(&mut s);
                let k = match kind {
                    // Uniform 64-bit, as in the benchmark.
                    0 => r,
                    // A small range: many duplicates.
                    1 => r % 1000,
                    // All equal.
                    2 => 42,
                    // Ascending, descending (with duplicates).
                    3 => i.wrapping_mul(3),
                    4 => u64::MAX - i / 2,
                    // A few clusters of nearby keys, far apart.
                    5 => (r % 4) << 60 | (r >> 40),
                    // Dense keys and one outlier: one huge bucket.
                    6 => {
                        if i == n64 / 2 {
                            u64::MAX
                        } else {
                            1_000_000 + r % (4 * n64 + 1)
                        }
                    }
                    // Powers of two: skewed over many levels.
                    7 => 1u64 << (r % 64),
                    // Few bits set in the low half.
                    8 => r & 0x0000_0000_0f0f_0f0f,
                    // Nearly sorted: ascending with a few random keys.
                    9 => {
                        if r.is_multiple_of(100) {
                            r
                        } else {
                            i << 20
                        }
                    }
                    // Shuffled sequential serials below a common prefix.
                    10 => 0x1234_5678_0000_0000 | (r % n64.max(1)),
                    // Two values.
                    11 => r & 1,
                    // Around the middle of the range.
                    12 => (1u64 << 63).wrapping_add(r >> 44).wrapping_sub(1 << 19),
                    // Uniform keys, each about twice.
                    13 => splitmix64(&mut (r % (n64 / 2 + 1))),
                    // Uniform over the top half only, with runs of equal keys.
                    14 => (r | 1 << 63) & !0xff,
                    // Organ pipe: ascending then descending.
                    _ => {
                        if i < n64 / 2 {
                            i
                        } else {
                            n64 - i
                        }
                    }
                };
                (k, i)
            })
            .collect()
    }

    /// `sort_records` agrees with `sort_unstable_by_key` on the keys and keeps the
    /// records.
    fn check(v: Vec<Rec>, threads: bool) {
        let mut want = v.clone();
        want.sort_unstable_by_key(|r| r.0);
        let mut pairs = v.clone();
        pairs.sort_unstable();
        let got = sort_records(v, threads);
        assert_eq!(got.len(), want.len());
        assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "not sorted");
        assert!(got.iter().map(|r| r.0).eq(want.iter().map(|r| r.0)));
        let mut got_pairs = got;
        got_pairs.sort_unstable();
        assert_eq!(got_pairs, pairs, "records changed");
    }

    #[test]
    fn agrees_with_sort_unstable() {
        for n in [0usize, 1, 2, 3, 17, 24, 25, 26, 100, 1000, 5000, 100_000] {
            for kind in 0..KINDS {
                for threads in [false, true] {
                    check(gen_keys(kind, n, n as u64 * 31 + kind as u64), threads);
                }
            }
        }
    }

    #[test]
    fn large_and_skewed_inputs() {
        // Buckets above `BIG` (split in place), several levels deep.
        for kind in [0, 1, 5, 6, 7, 10, 13, 14] {
            check(gen_keys(kind, 300_000, 7 + kind as u64), true);
        }
        check(gen_keys(6, 200_000, 3), false);
    }

    #[test]
    fn phases_separately() {
        let v = gen_keys(0, 70_000, 99);
        let mut want = v.clone();
        want.sort_unstable();
        let s = scatter(v);
        let mut got = s.finish(true);
        assert!(got.windows(2).all(|w| w[0].0 <= w[1].0));
        got.sort_unstable();
        assert_eq!(got, want);
    }

    #[test]
    fn extremes() {
        check(vec![(u64::MAX, 1), (0, 2), (u64::MAX, 3), (0, 4)], false);
        let mut v: Vec<Rec> = (0..1000)
            .map(|i| (if i % 2 == 0 { 0 } else { u64::MAX }, i))
            .collect();
        v.push((1 << 63, 5000));
        check(v, true);
        check(vec![(5, 0), (5, 1)], true);
        check(vec![(6, 0), (5, 1)], true);
        assert!(sort_records(Vec::new(), true).is_empty());
        assert_eq!(sort_records(vec![(3, 4)], false), vec![(3, 4)]);
        // Sorted input comes back as it was, in place.
        let v: Vec<Rec> = (0..50_000).map(|i| (i, i)).collect();
        let p = v.as_ptr();
        let got = sort_records(v, true);
        assert_eq!(got.as_ptr(), p);
        assert!(got.iter().enumerate().all(|(i, r)| r.0 == i as u64));
    }

    #[test]
    fn insertion_sorts() {
        let mut s = 1u64;
        for n in 0..60 {
            let v: Vec<Rec> = (0..n).map(|i| (splitmix64(&mut s) % 10, i)).collect();
            let mut want: Vec<u64> = v.iter().map(|r| r.0).collect();
            want.sort_unstable();
            let mut a = v.clone();
            insertion_sort(&mut a);
            assert!(a.iter().map(|r| r.0).eq(want.iter().copied()));
            let mut b = vec![(0, 0); v.len()];
            insert_from(&v, &mut b);
            assert!(b.iter().map(|r| r.0).eq(want.iter().copied()));
            b.sort_unstable();
            let mut c = v.clone();
            c.sort_unstable();
            assert_eq!(b, c);
        }
    }
}
