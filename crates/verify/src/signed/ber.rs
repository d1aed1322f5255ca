//! A BER reader for CMS (ITU-T X.690 §8): definite lengths in any form, indefinite
//! lengths (§8.1.3.6, ended by end-of-contents), constructed strings (§8.7.3) — what
//! `openssl cms -sign -stream` and other streaming encoders write outside the signed
//! attributes, which RFC 5652 §5.4 alone requires to be DER. Every element is bounded
//! by its parent, nesting by [`MAX_DEPTH`]; offsets in errors are from the start of
//! the input.

use alloc::vec::Vec;

use crate::error::Error;

/// Deepest nesting of indefinite-length or constructed-string elements.
const MAX_DEPTH: u32 = 32;

fn err(offset: usize, what: &'static str) -> Error {
    Error::Malformed {
        what: "CMS",
        detail: alloc::format!("at byte {offset}: {what}"),
    }
}

/// One element: its identifier octet(s), where it lies, and its content.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Element<'a> {
    /// The first identifier octet (class, constructed bit, tag number ≤ 30).
    pub tag: u8,
    /// Offset of the first identifier octet.
    pub offset: usize,
    /// The whole encoding (identifier, length, content, end-of-contents).
    pub raw: &'a [u8],
    /// The content octets (for indefinite length: up to the end-of-contents).
    pub content: &'a [u8],
    /// Offset of the first content octet.
    pub content_offset: usize,
}

impl<'a> Element<'a> {
    /// Whether the constructed bit is set.
    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// A reader over the content of a constructed element.
    pub fn reader(&self) -> Reader<'a> {
        Reader {
            data: self.content,
            pos: 0,
            base: self.content_offset,
        }
    }

    /// The content of a string type (OCTET STRING and the like): the primitive content,
    /// or the concatenation of a constructed encoding's segments (X.690 §8.7.3),
    /// which must all be primitive strings of `universal` tag.
    pub fn string(&self, universal: u8) -> Result<Vec<u8>, Error> {
        if !self.constructed() {
            return Ok(self.content.to_vec());
        }
        let mut out = Vec::new();
        collect_segments(self, universal, &mut out, 0)?;
        Ok(out)
    }
}

fn collect_segments(
    e: &Element<'_>,
    universal: u8,
    out: &mut Vec<u8>,
    depth: u32,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(err(e.offset, "constructed string nested too deeply"));
    }
    let mut r = e.reader();
    while !r.is_empty() {
        let s = r.read()?;
        match s.tag {
            t if t == universal => out.extend_from_slice(s.content),
            t if t == universal | 0x20 => collect_segments(&s, universal, out, depth + 1)?,
            _ => return Err(err(s.offset, "constructed string segment of another type")),
        }
    }
    Ok(())
}

/// Reads consecutive elements.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over the whole input.
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            base: 0,
        }
    }

    /// No bytes left.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The identifier octet of the next element.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// Reads one element.
    pub fn read(&mut self) -> Result<Element<'a>, Error> {
        let start = self.pos;
        let offset = self.offset();
        let (tag, len, hdr) = header(self.data.get(start..).unwrap_or(&[]), offset)?;
        let content_start = start.saturating_add(hdr);
        let (content_end, end) = match len {
            Some(n) => {
                let e = content_start
                    .checked_add(n)
                    .filter(|&e| e <= self.data.len())
                    .ok_or_else(|| err(offset, "length beyond the enclosing element"))?;
                (e, e)
            }
            None => {
                if tag & 0x20 == 0 {
                    return Err(err(offset, "indefinite length on a primitive element"));
                }
                let e = indefinite_end(self.data, content_start, self.base, 0)?;
                (e, e.saturating_add(2))
            }
        };
        self.pos = end;
        Ok(Element {
            tag,
            offset,
            raw: self.data.get(start..end).unwrap_or(&[]),
            content: self.data.get(content_start..content_end).unwrap_or(&[]),
            content_offset: self.base.saturating_add(content_start),
        })
    }

    /// Reads one element that must carry `tag`.
    pub fn expect(&mut self, tag: u8, what: &'static str) -> Result<Element<'a>, Error> {
        let off = self.offset();
        if self.peek_tag() != Some(tag) {
            return Err(err(off, what));
        }
        self.read()
    }

    /// Fails unless every byte was read.
    pub fn finish(&self, what: &'static str) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(err(self.offset(), what))
        }
    }
}

/// Identifier and length octets at the start of `b`: (first identifier octet, content
/// length or `None` for indefinite, header size).
fn header(b: &[u8], offset: usize) -> Result<(u8, Option<usize>, usize), Error> {
    let (&tag, rest) = b
        .split_first()
        .ok_or_else(|| err(offset, "unexpected end of data"))?;
    if tag & 0x1f == 0x1f {
        return Err(err(offset, "high tag numbers are not used in CMS"));
    }
    let (&first, rest) = rest
        .split_first()
        .ok_or_else(|| err(offset.saturating_add(1), "truncated length"))?;
    if first < 0x80 {
        return Ok((tag, Some(usize::from(first)), 2));
    }
    if first == 0x80 {
        return Ok((tag, None, 2));
    }
    let n = usize::from(first & 0x7f);
    if n > 8 {
        return Err(err(offset.saturating_add(1), "length too large"));
    }
    let bytes = rest
        .get(..n)
        .ok_or_else(|| err(offset.saturating_add(2), "truncated length"))?;
    let len = bytes.iter().fold(0u64, |l, &x| (l << 8) | u64::from(x));
    let len =
        usize::try_from(len).map_err(|_| err(offset.saturating_add(1), "length too large"))?;
    Ok((tag, Some(len), 2 + n))
}

/// Where the content of an indefinite-length element starting at `start` ends (the
/// position of its end-of-contents octets).
fn indefinite_end(data: &[u8], start: usize, base: usize, depth: u32) -> Result<usize, Error> {
    if depth > MAX_DEPTH {
        return Err(err(
            base.saturating_add(start),
            "indefinite lengths nested too deeply",
        ));
    }
    let mut pos = start;
    // Bounded: every step advances `pos` by at least two bytes or returns.
    loop {
        let at = base.saturating_add(pos);
        let rest = data
            .get(pos..)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| err(at, "indefinite length without end-of-contents"))?;
        if rest.starts_with(&[0, 0]) {
            return Ok(pos);
        }
        let (tag, len, hdr) = header(rest, at)?;
        let content = pos.saturating_add(hdr);
        pos = match len {
            Some(n) => content
                .checked_add(n)
                .filter(|&e| e <= data.len())
                .ok_or_else(|| err(at, "length beyond the enclosing element"))?,
            None => {
                if tag & 0x20 == 0 {
                    return Err(err(at, "indefinite length on a primitive element"));
                }
                indefinite_end(data, content, base, depth + 1)?.saturating_add(2)
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_indefinite_and_constructed_strings() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" }, INTEGER 5 }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x02,
            0x01, 0x05, 0x00, 0x00,
        ];
        let mut r = Reader::new(&ber);
        let seq = r.read().unwrap();
        r.finish("trailing").unwrap();
        assert_eq!(seq.raw.len(), ber.len());
        let mut s = seq.reader();
        let os = s.read().unwrap();
        assert_eq!(os.string(0x04).unwrap(), b"abc");
        let i = s.expect(0x02, "int").unwrap();
        assert_eq!(i.content, &[5]);
        assert!(s.is_empty());
        // Non-minimal definite length.
        let nm = [0x04, 0x82, 0x00, 0x02, b'x', b'y'];
        assert_eq!(Reader::new(&nm).read().unwrap().content, b"xy");
    }

    #[test]
    fn malformed_inputs_are_errors() {
        for bad in [
            &[0x30, 0x80, 0x02, 0x01, 0x05][..],      // no end-of-contents
            &[0x04, 0x80, 0x00, 0x00],                // indefinite primitive
            &[0x30, 0x05, 0x02, 0x01],                // too short
            &[0x1f, 0x81, 0x00],                      // high tag number
            &[0x04, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1], // length of 9 octets
            &[0x24, 0x03, 0x02, 0x01, 0x00],          // constructed string of INTEGER
        ] {
            let mut r = Reader::new(bad);
            let res = r.read().and_then(|e| e.string(0x04).map(|_| ()));
            assert!(res.is_err(), "{bad:02x?}");
        }
        // Nesting bound: 40 nested indefinite SEQUENCEs.
        let mut deep = Vec::new();
        for _ in 0..40 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        for _ in 0..40 {
            deep.extend_from_slice(&[0, 0]);
        }
        assert!(Reader::new(&deep).read().is_err());
    }
}
