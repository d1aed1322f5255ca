//! The face photo: JPEG 2000 (card surface AP, DF27) decoded in Rust to RGBA and PNG, so a
//! page can show it without a JPEG 2000 decoder (browsers other than Safari have none).

use core::fmt;
use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};

/// Why a photo could not be decoded (code `photo-decode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoError {
    /// What the decoder said.
    pub detail: String,
}

impl PhotoError {
    /// The stable code: `photo-decode`.
    pub fn code(&self) -> &'static str {
        "photo-decode"
    }
}

impl fmt::Display for PhotoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the face photo could not be decoded: {}", self.detail)
    }
}

impl std::error::Error for PhotoError {}

/// Largest photo accepted, in pixels (the card's photo is a few hundred pixels a side).
pub const MAX_PIXELS: u64 = 4096 * 4096;

/// A decoded image.
#[derive(Clone, PartialEq, Eq)]
pub struct Rgba {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height × 4` bytes, row by row, R G B A.
    pub pixels: Vec<u8>,
}

impl core::fmt::Debug for Rgba {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Rgba({}x{})", self.width, self.height)
    }
}

fn decode_error(detail: impl fmt::Display) -> PhotoError {
    PhotoError {
        detail: detail.to_string(),
    }
}

/// Decodes a JPEG 2000 codestream or JP2 file to 8-bit RGBA.
pub fn decode_jpeg2000(data: &[u8]) -> Result<Rgba, PhotoError> {
    let image = Image::new(data, &DecodeSettings::default()).map_err(decode_error)?;
    let (width, height) = (image.width(), image.height());
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 || pixels > MAX_PIXELS {
        return Err(decode_error(format!("unreasonable size {width}x{height}")));
    }
    let channels = usize::from(image.color_space().num_channels());
    let alpha = image.has_alpha();
    let cmyk = matches!(image.color_space(), ColorSpace::CMYK);
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(decode_error)?;
    let samples = decoded.data_u8();
    let stride = channels + usize::from(alpha);
    let count = usize::try_from(pixels).map_err(decode_error)?;
    if stride == 0 || samples.len() < count * stride {
        return Err(decode_error("fewer samples than pixels"));
    }
    let mut out = Vec::with_capacity(count * 4);
    for px in samples.chunks_exact(stride).take(count) {
        let at = |i: usize| px.get(i).copied().unwrap_or(0);
        let a = if alpha { at(stride - 1) } else { 255 };
        let (r, g, b) = match channels {
            1 | 2 => (at(0), at(0), at(0)),
            4 if cmyk => {
                let k = 255 - u16::from(at(3));
                let conv = |c: u8| ((255 - u16::from(c)) * k / 255) as u8;
                (conv(at(0)), conv(at(1)), conv(at(2)))
            }
            _ => (at(0), at(1), at(2)),
        };
        out.extend_from_slice(&[r, g, b, a]);
    }
    Ok(Rgba {
        width,
        height,
        pixels: out,
    })
}

/// CRC-32 (ISO 3309, as PNG §5.5 requires).
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for part in parts {
        for &b in *part {
            crc ^= u32::from(b);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// Encodes RGBA as PNG (ISO/IEC 15948): 8-bit truecolour with alpha, filter 0, the
/// zlib stream (RFC 1950) made of stored deflate blocks (RFC 1951 §3.2.4). No
/// compression: the photo is small and this keeps the module small.
pub fn encode_png(img: &Rgba) -> Vec<u8> {
    let row = img.width as usize * 4;
    let mut raw = Vec::with_capacity((row + 1) * img.height as usize);
    for line in img.pixels.chunks(row.max(1)).take(img.height as usize) {
        raw.push(0);
        raw.extend_from_slice(line);
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(0xFFFF).collect();
    if blocks.is_empty() {
        z.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    let last = blocks.len().saturating_sub(1);
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i == last));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    // Adler-32 (RFC 1950 §8).
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&img.width.to_be_bytes());
    ihdr.extend_from_slice(&img.height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_iend_is_the_well_known_value() {
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
    }

    #[test]
    fn png_layout() {
        let img = Rgba {
            width: 2,
            height: 1,
            pixels: vec![255, 0, 0, 255, 0, 255, 0, 128],
        };
        let png = encode_png(&img);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert!(png.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for data in [
            &b""[..],
            b"\xFF\x4F\xFF\x51",
            b"\x00\x00\x00\x0C\x6A\x50\x20\x20",
            b"hello",
        ] {
            let e = decode_jpeg2000(data).unwrap_err();
            assert_eq!(e.code(), "photo-decode");
        }
    }
}
