//! A BER-TLV reader (ISO/IEC 7816-4 §5.2, "BER-TLV data objects", which
//! takes its encoding rules from ISO/IEC 8825-1).
//!
//! Every error carries the byte offset, counted from the start of the buffer
//! given to the reader (plus a base offset for nested reads), at which the
//! problem was found.
//!
//! The My Number Card uses tags such as `FF10`, `FF20` and `DF21`, and pads
//! its files with `FF` bytes after the last data object, so a reader of
//! card files reads the data objects it expects and leaves the rest.

use core::fmt;

/// The longest tag this reader accepts, in bytes (ISO/IEC 7816-4 §5.2: "the
/// tag field consists of one or more consecutive bytes"; three is the most
/// used in practice, four fits a `u32`).
pub const MAX_TAG_LEN: usize = 4;
/// The most length bytes after `8x` this reader accepts (lengths up to 2^32 - 1).
pub const MAX_LENGTH_BYTES: usize = 4;

/// What went wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlvError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// The kind of problem.
    pub kind: TlvErrorKind,
}

/// The kinds of BER-TLV decoding error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlvErrorKind {
    /// The buffer ended inside the tag field.
    TruncatedTag,
    /// The tag is longer than [`MAX_TAG_LEN`] bytes.
    TagTooLong,
    /// The buffer ended inside the length field.
    TruncatedLength,
    /// `80`: the indefinite form, which ISO/IEC 7816-4 BER-TLV does not use.
    IndefiniteLength,
    /// More than [`MAX_LENGTH_BYTES`] length bytes, or the reserved `FF`.
    LengthTooLong,
    /// The value runs past the end of the buffer.
    TruncatedValue {
        /// Bytes the length field announced.
        needed: usize,
        /// Bytes actually left.
        available: usize,
    },
    /// A data object with this tag was expected but not found.
    Missing {
        /// The tag looked for.
        tag: u32,
    },
    /// A different tag was found where a given one was required.
    UnexpectedTag {
        /// The tag required.
        expected: u32,
        /// The tag found.
        found: u32,
    },
}

impl fmt::Display for TlvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.offset;
        match &self.kind {
            TlvErrorKind::TruncatedTag => write!(f, "BER-TLV: data ends inside a tag at byte {at}"),
            TlvErrorKind::TagTooLong => write!(f, "BER-TLV: tag longer than 4 bytes at byte {at}"),
            TlvErrorKind::TruncatedLength => {
                write!(f, "BER-TLV: data ends inside a length at byte {at}")
            }
            TlvErrorKind::IndefiniteLength => {
                write!(f, "BER-TLV: indefinite length at byte {at}")
            }
            TlvErrorKind::LengthTooLong => {
                write!(f, "BER-TLV: length field too long at byte {at}")
            }
            TlvErrorKind::TruncatedValue { needed, available } => write!(
                f,
                "BER-TLV: value at byte {at} needs {needed} bytes but {available} remain"
            ),
            TlvErrorKind::Missing { tag } => {
                write!(
                    f,
                    "BER-TLV: no data object with tag {tag:X} (searched from byte {at})"
                )
            }
            TlvErrorKind::UnexpectedTag { expected, found } => write!(
                f,
                "BER-TLV: expected tag {expected:X} at byte {at}, found {found:X}"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TlvError {}

/// One data object: its tag, its value, and where it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes as a big-endian number (`DF21` → `0xDF21`).
    pub tag: u32,
    /// The value field.
    pub value: &'a [u8],
    /// Offset of the first tag byte.
    pub offset: usize,
    /// Offset of the first value byte.
    pub value_offset: usize,
}

impl Tlv<'_> {
    /// Whether bit 6 of the first tag byte is set (a constructed data object,
    /// whose value is itself a sequence of data objects; ISO/IEC 8825-1 §8.1.2.5).
    pub fn is_constructed(&self) -> bool {
        let first = if self.tag > 0xFF_FFFF {
            self.tag >> 24
        } else if self.tag > 0xFFFF {
            self.tag >> 16
        } else if self.tag > 0xFF {
            self.tag >> 8
        } else {
            self.tag
        };
        first & 0x20 != 0
    }

    /// A reader over the value, with offsets continuing those of this object.
    pub fn children(&self) -> TlvReader<'_> {
        TlvReader::with_base(self.value, self.value_offset)
    }

    /// Offset just past the end of this object.
    pub fn end(&self) -> usize {
        self.value_offset + self.value.len()
    }
}

/// The header of a data object: tag, header length and value length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag as a number.
    pub tag: u32,
    /// Bytes of tag plus length fields.
    pub header_len: usize,
    /// The value length the length field announces.
    pub value_len: usize,
}

impl Header {
    /// Header plus value: the whole object's length, or `None` on overflow.
    pub fn total_len(&self) -> Option<usize> {
        self.header_len.checked_add(self.value_len)
    }
}

/// Decodes only the tag and length fields at the start of `bytes`.
///
/// This is what a reader of a padded EF needs: read a few bytes, learn the
/// DER object's total length (X.690 §8.1.3), then read exactly that much.
pub fn parse_header(bytes: &[u8]) -> Result<Header, TlvError> {
    parse_header_at(bytes, 0)
}

fn parse_header_at(bytes: &[u8], base: usize) -> Result<Header, TlvError> {
    let err = |pos: usize, kind| TlvError {
        offset: base + pos,
        kind,
    };
    // Tag field (ISO/IEC 8825-1 §8.1.2): low five bits all ones → more
    // bytes follow, each with bit 8 set except the last.
    let first = *bytes.first().ok_or(err(0, TlvErrorKind::TruncatedTag))?;
    let mut tag = u32::from(first);
    let mut pos = 1;
    if first & 0x1F == 0x1F {
        loop {
            if pos >= MAX_TAG_LEN {
                return Err(err(0, TlvErrorKind::TagTooLong));
            }
            let b = *bytes.get(pos).ok_or(err(pos, TlvErrorKind::TruncatedTag))?;
            tag = (tag << 8) | u32::from(b);
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    // Length field (ISO/IEC 8825-1 §8.1.3): short form below 80, long form
    // 81..84 followed by that many bytes, 80 is the indefinite form.
    let len_pos = pos;
    let l0 = *bytes
        .get(pos)
        .ok_or(err(len_pos, TlvErrorKind::TruncatedLength))?;
    pos += 1;
    let value_len = match l0 {
        0x00..=0x7F => usize::from(l0),
        0x80 => return Err(err(len_pos, TlvErrorKind::IndefiniteLength)),
        _ => {
            let n = usize::from(l0 & 0x7F);
            if n > MAX_LENGTH_BYTES {
                return Err(err(len_pos, TlvErrorKind::LengthTooLong));
            }
            let mut len: usize = 0;
            for _ in 0..n {
                let b = *bytes
                    .get(pos)
                    .ok_or(err(len_pos, TlvErrorKind::TruncatedLength))?;
                len = (len << 8) | usize::from(b);
                pos += 1;
            }
            len
        }
    };
    Ok(Header {
        tag,
        header_len: pos,
        value_len,
    })
}

/// Reads consecutive data objects from a buffer.
///
/// As an iterator it yields `Result<Tlv, TlvError>` and stops after the first
/// error, so it always ends.
#[derive(Debug, Clone)]
pub struct TlvReader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    failed: bool,
}

impl<'a> TlvReader<'a> {
    /// A reader over `buf`, offsets counted from its start.
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_base(buf, 0)
    }

    /// A reader over `buf` whose offsets start at `base` (for nested objects).
    pub fn with_base(buf: &'a [u8], base: usize) -> Self {
        TlvReader {
            buf,
            pos: 0,
            base,
            failed: false,
        }
    }

    /// Current offset.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Reads the next data object.
    pub fn read(&mut self) -> Result<Tlv<'a>, TlvError> {
        let rest = self.remaining();
        let at = self.offset();
        let h = parse_header_at(rest, at)?;
        let available = rest.len() - h.header_len;
        let value = rest
            .get(h.header_len..)
            .and_then(|v| v.get(..h.value_len))
            .ok_or(TlvError {
                offset: at,
                kind: TlvErrorKind::TruncatedValue {
                    needed: h.value_len,
                    available,
                },
            })?;
        let tlv = Tlv {
            tag: h.tag,
            value,
            offset: at,
            value_offset: at + h.header_len,
        };
        self.pos += h.header_len + h.value_len;
        Ok(tlv)
    }

    /// Reads the next data object and checks its tag.
    pub fn expect(&mut self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        let at = self.offset();
        let t = self.read()?;
        if t.tag == tag {
            Ok(t)
        } else {
            Err(TlvError {
                offset: at,
                kind: TlvErrorKind::UnexpectedTag {
                    expected: tag,
                    found: t.tag,
                },
            })
        }
    }

    /// Reads objects until one with `tag` is found. Stops at the end of the
    /// buffer or at the first malformed object (whose error is returned).
    pub fn find(&mut self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        let start = self.offset();
        while !self.remaining().is_empty() {
            let t = self.read()?;
            if t.tag == tag {
                return Ok(t);
            }
        }
        Err(TlvError {
            offset: start,
            kind: TlvErrorKind::Missing { tag },
        })
    }
}

impl<'a> Iterator for TlvReader<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.remaining().is_empty() {
            return None;
        }
        let r = self.read();
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }
}

/// Encodes a BER-TLV length field in the shortest form (ISO/IEC 8825-1 §8.1.3).
pub fn encode_length(len: usize, out: &mut alloc::vec::Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let sig = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | sig.len() as u8);
        out.extend_from_slice(sig);
    }
}

/// Encodes one data object: tag bytes (big-endian, without leading zero
/// bytes), length, value.
pub fn encode(tag: u32, value: &[u8], out: &mut alloc::vec::Vec<u8>) {
    let tb = tag.to_be_bytes();
    let skip = tb.iter().take_while(|b| **b == 0).count().min(3);
    out.extend_from_slice(tb.get(skip..).unwrap_or_default());
    encode_length(value.len(), out);
    out.extend_from_slice(value);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn my_number_file() {
        let mut f = vec![0xFF, 0x10, 0x0C];
        f.extend_from_slice(b"123456789018");
        f.extend_from_slice(&[0xFF, 0xFF]);
        let mut r = TlvReader::new(&f);
        let t = r.expect(0xFF10).unwrap();
        assert_eq!(t.value, b"123456789018");
        assert_eq!(t.value_offset, 3);
        assert_eq!(r.remaining(), &[0xFF, 0xFF]);
    }

    #[test]
    fn long_form_and_nesting() {
        let name = "山田 太郎".as_bytes();
        let mut inner = Vec::new();
        encode(0xDF22, name, &mut inner);
        encode(0xDF25, b"1", &mut inner);
        let mut outer = Vec::new();
        let big = vec![0x41; 200];
        encode(0xDF23, &big, &mut inner);
        encode(0xFF20, &inner, &mut outer);
        assert_eq!(&outer[..4], &[0xFF, 0x20, 0x81, inner.len() as u8]);
        let t = TlvReader::new(&outer).read().unwrap();
        assert!(t.is_constructed());
        let mut c = t.children();
        assert_eq!(c.find(0xDF25).unwrap().value, b"1");
        let all: Vec<_> = t.children().collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].value.len(), 200);
        assert_eq!(all[0].offset, 4);
    }

    #[test]
    fn errors_carry_offsets() {
        // A good object, then one whose value is truncated.
        let buf = [0x01, 0x01, 0xAA, 0xDF, 0x21, 0x05, 1, 2];
        let mut r = TlvReader::new(&buf);
        r.read().unwrap();
        let e = r.read().unwrap_err();
        assert_eq!(e.offset, 3);
        assert_eq!(
            e.kind,
            TlvErrorKind::TruncatedValue {
                needed: 5,
                available: 2
            }
        );
        assert_eq!(
            parse_header(&[0x30, 0x80]).unwrap_err().kind,
            TlvErrorKind::IndefiniteLength
        );
        assert_eq!(
            parse_header(&[0xDF]).unwrap_err(),
            TlvError {
                offset: 1,
                kind: TlvErrorKind::TruncatedTag
            }
        );
        assert_eq!(
            parse_header(&[0x1F, 0x81, 0x82, 0x83, 0x04, 0x00])
                .unwrap_err()
                .kind,
            TlvErrorKind::TagTooLong
        );
        assert_eq!(
            parse_header(&[0x30, 0x85, 1, 1, 1, 1, 1]).unwrap_err().kind,
            TlvErrorKind::LengthTooLong
        );
    }

    #[test]
    fn der_certificate_header() {
        let h = parse_header(&[0x30, 0x82, 0x05, 0xA1, 0x30]).unwrap();
        assert_eq!(h.header_len, 4);
        assert_eq!(h.value_len, 0x5A1);
        assert_eq!(h.total_len(), Some(0x5A5));
    }
}
