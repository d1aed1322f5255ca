//! A strict DER walker for the CRL reader: single-byte tags, definite minimal lengths,
//! every element bounded by its parent, and byte offsets (from the start of the input) in
//! every error.

use crate::crl_index::CrlIndexError;

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

#[cold]
pub(crate) fn der_err(offset: usize, what: &'static str) -> CrlIndexError {
    CrlIndexError::Der { offset, what }
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
    pub fn read(&mut self) -> Result<Tlv<'a>, CrlIndexError> {
        let offset = self.offset();
        let tag = *self
            .data
            .get(self.pos)
            .ok_or_else(|| der_err(offset, "unexpected end of data"))?;
        if tag & 0x1f == 0x1f {
            return Err(der_err(offset, "multi-byte tags are not used in CRLs"));
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
    pub fn expect(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, CrlIndexError> {
        let off = self.offset();
        if self.peek_tag() != Some(tag) {
            return Err(der_err(off, what));
        }
        self.read()
    }

    /// Fails unless every byte was read.
    #[inline]
    pub fn finish(&self, what: &'static str) -> Result<(), CrlIndexError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(der_err(self.offset(), what))
        }
    }
}

/// Checks a DER INTEGER's content is minimal (X.690 §8.3.2) and returns it.
#[inline]
pub(crate) fn integer<'a>(t: &Tlv<'a>) -> Result<&'a [u8], CrlIndexError> {
    match t.content {
        [] => Err(der_err(t.offset, "empty INTEGER")),
        [0x00, b, ..] if *b < 0x80 => Err(der_err(t.offset, "non-minimal INTEGER")),
        [0xff, b, ..] if *b >= 0x80 => Err(der_err(t.offset, "non-minimal INTEGER")),
        c => Ok(c),
    }
}

/// A non-negative INTEGER as unsigned big-endian magnitude without leading zeros.
#[inline]
pub(crate) fn unsigned<'a>(t: &Tlv<'a>) -> Result<&'a [u8], CrlIndexError> {
    let c = integer(t)?;
    if c.first().is_some_and(|&b| b >= 0x80) {
        return Err(der_err(t.offset, "negative number"));
    }
    let skip = c.iter().position(|&b| b != 0).unwrap_or(c.len());
    Ok(c.get(skip..).unwrap_or(&[]))
}

#[inline]
fn digits(b: &[u8], off: usize) -> Result<u32, CrlIndexError> {
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
pub(crate) fn time(t: &Tlv<'_>) -> Result<u64, CrlIndexError> {
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
}
