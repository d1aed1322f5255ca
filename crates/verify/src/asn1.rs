//! A strict DER walker (ITU-T X.690 §10): single-byte tags, definite minimal lengths,
//! every element bounded by its parent, and byte offsets (from the start of the input) in
//! every error. Used for CRLs, where it runs over millions of entries.

use crate::error::DerError;

/// One TLV: its tag, where it starts and its content.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    /// Offset of the tag byte in the whole input.
    pub offset: usize,
    /// Offset of the first content byte.
    pub content_offset: usize,
    pub content: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over the content of this (constructed) TLV.
    #[inline]
    pub fn reader(&self) -> Reader<'a> {
        Reader {
            data: self.content,
            pos: 0,
            base: self.content_offset,
        }
    }

    /// Offset one past the last byte.
    #[inline]
    pub fn end(&self) -> usize {
        self.content_offset.saturating_add(self.content.len())
    }
}

/// Reads consecutive TLVs from a slice whose first byte lies at `base` in the input.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

/// The tag and extent of an element whose content may lie beyond the bytes at hand.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    pub tag: u8,
    pub offset: usize,
    pub content_offset: usize,
    /// One past the last content byte.
    pub end: usize,
}

/// Tag, header size and content length of the TLV at the start of `b` (at absolute
/// `offset`, for errors); `None` if `b` ends inside the header. The same rules as
/// [`Reader::read`]: one-byte tags, definite minimal lengths of at most four bytes.
#[inline]
fn header_of(b: &[u8], offset: usize) -> Result<Option<(u8, usize, usize)>, DerError> {
    let (tag, first) = match b {
        [] | [_] => return Ok(None),
        [t, f, ..] => (*t, *f),
    };
    if tag & 0x1f == 0x1f {
        return Err(der_err(offset, "multi-byte tags are not supported"));
    }
    if first < 0x80 {
        return Ok(Some((tag, 2, usize::from(first))));
    }
    if first == 0x80 {
        return Err(der_err(offset.saturating_add(1), "indefinite length"));
    }
    let n = usize::from(first & 0x7f);
    if n > 4 {
        return Err(der_err(offset.saturating_add(1), "length too large"));
    }
    let Some(bytes) = b.get(2..2 + n) else {
        return Ok(None);
    };
    let len = bytes.iter().fold(0usize, |l, &x| (l << 8) | usize::from(x));
    if bytes.first() == Some(&0) || len < 0x80 {
        return Err(der_err(offset.saturating_add(1), "non-minimal length"));
    }
    Ok(Some((tag, 2 + n, len)))
}

/// Whether `b` is the beginning of a well-formed TLV that continues past its end: a
/// streaming reader waits for more bytes instead of reporting an error.
#[inline]
pub(crate) fn needs_more(b: &[u8]) -> bool {
    match header_of(b, 0) {
        Ok(None) => true,
        Ok(Some((_, hdr, len))) => b.len() < hdr.saturating_add(len),
        Err(_) => false,
    }
}

#[cold]
pub(crate) fn der_err(offset: usize, what: &'static str) -> DerError {
    DerError { offset, what }
}

impl<'a> Reader<'a> {
    /// A reader over the whole input.
    #[inline]
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            base: 0,
        }
    }

    /// Absolute offset of the next byte.
    /// A reader over `data`, which starts at byte `base` of the input.
    #[inline]
    pub fn with_base(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    /// Reads the tag and length of the next element (X.690 §8.1.2, §8.1.3, §10.1) and
    /// steps over the header only: for an element whose content is not all in `data`
    /// (a streaming reader's first bytes). The content must end by `limit` (absolute).
    pub fn read_header(&mut self, limit: usize) -> Result<Header, DerError> {
        let offset = self.offset();
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let (tag, hdr, len) =
            header_of(rest, offset)?.ok_or_else(|| der_err(offset, "unexpected end of data"))?;
        let content_offset = offset.saturating_add(hdr);
        let end = content_offset
            .checked_add(len)
            .filter(|&e| e <= limit)
            .ok_or_else(|| der_err(offset, "length beyond the enclosing element"))?;
        self.pos = self.pos.saturating_add(hdr);
        Ok(Header {
            tag,
            offset,
            content_offset,
            end,
        })
    }

    #[inline]
    pub fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// No bytes left.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The tag of the next TLV, if any.
    #[inline]
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads one TLV (X.690 §8.1, §10.1: definite, minimal length).
    #[inline]
    pub fn read(&mut self) -> Result<Tlv<'a>, DerError> {
        let offset = self.offset();
        let tag = *self
            .data
            .get(self.pos)
            .ok_or_else(|| der_err(offset, "unexpected end of data"))?;
        if tag & 0x1f == 0x1f {
            return Err(der_err(offset, "multi-byte tags are not supported"));
        }
        let first = *self
            .data
            .get(self.pos.saturating_add(1))
            .ok_or_else(|| der_err(offset.saturating_add(1), "truncated length"))?;
        let mut hdr = 2usize;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(der_err(offset.saturating_add(1), "indefinite length"));
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return Err(der_err(offset.saturating_add(1), "length too large"));
            }
            let bytes = self
                .data
                .get(self.pos.saturating_add(2)..self.pos.saturating_add(2).saturating_add(n))
                .ok_or_else(|| der_err(offset.saturating_add(2), "truncated length"))?;
            let mut len = 0usize;
            for &b in bytes {
                len = (len << 8) | usize::from(b);
            }
            if bytes.first() == Some(&0) || len < 0x80 {
                return Err(der_err(offset.saturating_add(1), "non-minimal length"));
            }
            hdr = 2 + n;
            len
        };
        let start = self.pos.saturating_add(hdr);
        let end = start
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| der_err(offset, "length beyond the enclosing element"))?;
        let content = self.data.get(start..end).unwrap_or(&[]);
        self.pos = end;
        Ok(Tlv {
            tag,
            offset,
            content_offset: self.base.saturating_add(start),
            content,
        })
    }

    /// Reads one TLV that must carry `tag`.
    #[inline]
    pub fn expect(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, DerError> {
        let off = self.offset();
        if self.peek_tag() != Some(tag) {
            return Err(der_err(off, what));
        }
        self.read()
    }

    /// Fails unless every byte was read.
    #[inline]
    pub fn finish(&self, what: &'static str) -> Result<(), DerError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(der_err(self.offset(), what))
        }
    }
}

/// Checks a DER INTEGER's content is minimal (X.690 §8.3.2) and returns it.
#[inline]
pub(crate) fn integer<'a>(t: &Tlv<'a>) -> Result<&'a [u8], DerError> {
    match t.content {
        [] => Err(der_err(t.offset, "empty INTEGER")),
        [0x00, b, ..] if *b < 0x80 => Err(der_err(t.offset, "non-minimal INTEGER")),
        [0xff, b, ..] if *b >= 0x80 => Err(der_err(t.offset, "non-minimal INTEGER")),
        c => Ok(c),
    }
}

/// A non-negative INTEGER as unsigned big-endian magnitude without leading zeros.
#[inline]
pub(crate) fn unsigned<'a>(t: &Tlv<'a>) -> Result<&'a [u8], DerError> {
    let c = integer(t)?;
    if c.first().is_some_and(|&b| b >= 0x80) {
        return Err(der_err(t.offset, "negative number"));
    }
    let skip = c.iter().position(|&b| b != 0).unwrap_or(c.len());
    Ok(c.get(skip..).unwrap_or(&[]))
}

#[inline]
fn digits(b: &[u8], off: usize) -> Result<u32, DerError> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(der_err(off, "non-digit in time"));
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Ok(v)
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
#[inline]
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[inline]
fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        _ => 28,
    }
}

/// Time ::= UTCTime | GeneralizedTime (RFC 5280 §4.1.2.5.1, §4.1.2.5.2: `YYMMDDHHMMSSZ`
/// or `YYYYMMDDHHMMSSZ`, UTC, no fractions), as seconds since 1970. Years before 1970
/// are rejected.
#[inline]
pub(crate) fn time(t: &Tlv<'_>) -> Result<u64, DerError> {
    let off = t.offset;
    let (year, rest) = match (t.tag, t.content) {
        (0x17, c) if c.len() == 13 => {
            let (yy, rest) = c.split_at(2);
            let yy = digits(yy, off)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, rest)
        }
        (0x18, c) if c.len() == 15 => {
            let (yyyy, rest) = c.split_at(4);
            (digits(yyyy, off)?, rest)
        }
        (0x17 | 0x18, _) => return Err(der_err(off, "time not in the RFC 5280 form")),
        _ => return Err(der_err(off, "expected UTCTime or GeneralizedTime")),
    };
    let [m1, m2, d1, d2, h1, h2, i1, i2, s1, s2, z] = rest else {
        return Err(der_err(off, "time not in the RFC 5280 form"));
    };
    if *z != b'Z' {
        return Err(der_err(off, "time not in UTC (Z)"));
    }
    let month = digits(&[*m1, *m2], off)?;
    let day = digits(&[*d1, *d2], off)?;
    let hour = digits(&[*h1, *h2], off)?;
    let min = digits(&[*i1, *i2], off)?;
    let sec = digits(&[*s1, *s2], off)?;
    if year < 1970
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 59
    {
        return Err(der_err(off, "time out of range"));
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + min * 60 + sec);
    u64::try_from(secs).map_err(|_| der_err(off, "time out of range"))
}

/// A UTCTime `YYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.1) as seconds since 1970, or `None`
/// where [`time`] would give an error (or a year before 1970): a branch-light path for
/// the millions of revocation dates of a large CRL; [`time`] reports the error.
#[inline(always)]
pub(crate) fn utc_time_fast(c: &[u8; 13]) -> Option<u64> {
    const HI: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const LANES: u64 = 0x00ff_00ff_00ff_00ff;
    let (ymdh, rest) = c.split_first_chunk::<8>()?;
    let (ms, z) = rest.split_first_chunk::<4>()?;
    if z != [b'Z'] {
        return None;
    }
    // Twelve ASCII digits, eight and four at a time: every byte 0x30..=0x39.
    let x = u64::from_le_bytes(*ymdh);
    let y = u64::from(u32::from_le_bytes(*ms));
    let digits = |v: u64, ones: u64| {
        v & (HI & ones) == ZEROS & ones
            && (v + (0x0606_0606_0606_0606 & ones)) & (HI & ones) == ZEROS & ones
    };
    if !digits(x, u64::MAX) || !digits(y, 0xffff_ffff) {
        return None;
    }
    // Each pair of digits into a 16-bit lane: tens × 10 + ones.
    let pairs = |v: u64| (v & LANES) * 10 + ((v >> 8) & LANES);
    let t = pairs(x - ZEROS);
    let u = pairs(y - (ZEROS & 0xffff_ffff));
    let lane = |v: u64, i: u32| ((v >> (16 * i)) & 0xffff) as u32;
    let (yy, month, day, hour) = (lane(t, 0), lane(t, 1), lane(t, 2), lane(t, 3));
    let (min, sec) = (lane(u, 0), lane(u, 1));
    // RFC 5280 §4.1.2.5.1: YY ≥ 50 is 19YY, else 20YY; 1950–2049 has a leap year
    // exactly when YY is a multiple of four (2000 included).
    let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
    let leap = yy % 4 == 0;
    const BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    const LENGTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let m = month.checked_sub(1)? as usize;
    let (&before, &length) = (BEFORE.get(m)?, LENGTH.get(m)?);
    let length = length + u32::from(leap && m == 1);
    if year < 1970 || day == 0 || day > length || hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    // Leap days in 1970..year: 1972, 1976, …
    let days =
        (year - 1970) * 365 + (year - 1969) / 4 + before + u32::from(leap && m > 1) + day - 1;
    Some(u64::from(days) * 86_400 + u64::from(hour * 3600 + min * 60 + sec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_must_be_minimal() {
        assert!(
            Reader::new(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5])
                .read()
                .is_err()
        );
        assert!(Reader::new(&[0x04, 0x80, 0, 0]).read().is_err());
        assert!(Reader::new(&[0x04, 0x82, 0x00, 0x81]).read().is_err());
        assert!(Reader::new(&[0x04, 0x03, 1, 2]).read().is_err());
        let t = Reader::new(&[0x04, 0x02, 1, 2]).read().unwrap();
        assert_eq!(t.content, &[1, 2]);
    }

    #[test]
    fn times() {
        let t = Tlv {
            tag: 0x17,
            offset: 0,
            content_offset: 2,
            content: b"240229123456Z",
        };
        assert_eq!(time(&t).unwrap(), 1_709_210_096);
        let g = Tlv {
            tag: 0x18,
            content: b"20500101000000Z",
            ..t
        };
        assert_eq!(time(&g).unwrap(), 2_524_608_000);
        let bad = Tlv {
            content: b"230229123456Z",
            ..t
        };
        assert!(time(&bad).is_err());
    }

    /// The fast UTCTime path agrees with [`time`] on every day of 1950–2049 at several
    /// times of day, and on malformed inputs (where it declines).
    #[test]
    fn fast_utc_time_agrees() {
        let mut checked = 0;
        for yy in 0..100u32 {
            for m in 0..=13u32 {
                for d in 0..=32u32 {
                    for hms in ["000000", "235959", "123456", "240000", "236000", "235960"] {
                        let s = alloc::format!("{yy:02}{m:02}{d:02}{hms}Z");
                        let c: [u8; 13] = s.as_bytes().try_into().unwrap();
                        let t = Tlv {
                            tag: 0x17,
                            offset: 0,
                            content_offset: 2,
                            content: &c,
                        };
                        assert_eq!(utc_time_fast(&c), time(&t).ok(), "{s}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100_000);
        for bad in [
            b"2402291234 6Z",
            b"240229123456z",
            b"24022912345:Z",
            b"2402291234/6Z",
        ] {
            assert_eq!(utc_time_fast(bad), None);
        }
    }

    #[test]
    fn headers_and_incomplete_elements() {
        // A 300-byte SEQUENCE of which only the header and 10 bytes are at hand.
        let mut b = vec![0x30, 0x82, 0x01, 0x2c];
        b.extend_from_slice(&[0; 10]);
        assert!(needs_more(&b));
        assert!(needs_more(&b[..3]));
        assert!(needs_more(&[0x30]));
        assert!(!needs_more(&[0x30, 0x80]));
        assert!(!needs_more(&[0x30, 0x81, 0x05]));
        assert!(!needs_more(&[0x30, 0x01, 0x00]));
        let h = Reader::with_base(&b, 100).read_header(500).unwrap();
        assert_eq!(
            (h.tag, h.offset, h.content_offset, h.end),
            (0x30, 100, 104, 404)
        );
        assert!(Reader::with_base(&b, 100).read_header(403).is_err());
        assert!(Reader::new(&b[..3]).read_header(usize::MAX).is_err());
    }
}
