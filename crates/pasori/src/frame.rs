//! Port-100 frames: the envelope every command and reply travels in over USB.
//!
//! The Sony NFC Port-100 chip (RC-S380) uses the framing of the NXP PN53x family:
//!
//! ```text
//! ACK            00 00 FF 00 FF 00
//! NACK           00 00 FF FF 00 00
//! normal frame   00 00 FF LEN LCS DATA… DCS 00           LEN 1…254
//! extended frame 00 00 FF FF FF LENL LENH LCS DATA… DCS 00
//! error frame    00 00 FF 01 FF 7F 81 00                   (application error)
//! ```
//!
//! `LCS` makes the length bytes sum to 0 (mod 256), `DCS` does the same for the data.
//! The host sends extended frames; the chip answers a well-formed frame with an ACK
//! first, then with the reply. An ACK from the host cancels the command in progress.

use alloc::vec::Vec;
use core::fmt;

/// The ACK frame (both directions).
pub const ACK: [u8; 6] = [0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
/// The NACK frame: "send your last frame again".
pub const NACK: [u8; 6] = [0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00];
/// The application-level error frame (a normal frame carrying the single byte `7F`).
pub const ERROR_FRAME: [u8; 8] = [0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00];
/// The start of every frame.
pub const PREAMBLE: [u8; 3] = [0x00, 0x00, 0xFF];
/// The most data a frame may carry here (the RC-S380 takes about 290 bytes; replies
/// longer than this are refused before any allocation).
pub const MAX_DATA: usize = 1024;

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// ACK: the command was received (or, from the host, cancel).
    Ack,
    /// NACK: resend the last frame.
    Nack,
    /// The error frame: the chip could not process the command.
    Error,
    /// A normal or extended frame's data (a command `D6 …` or a reply `D7 …`).
    Data(Vec<u8>),
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer bytes than the frame needs.
    Truncated {
        /// Bytes the frame needs.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// The frame does not begin with `00 00 FF`.
    Preamble,
    /// The length checksum is wrong.
    LengthChecksum {
        /// The length as read.
        len: usize,
        /// The LCS byte as read.
        lcs: u8,
    },
    /// The data checksum is wrong.
    DataChecksum {
        /// The DCS the data calls for.
        expected: u8,
        /// The DCS byte as read.
        got: u8,
    },
    /// The frame claims more data than [`MAX_DATA`].
    TooLong {
        /// The length as read.
        len: usize,
    },
    /// A data frame with no data.
    Empty,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Truncated { needed, got } => {
                write!(f, "Port-100 frame truncated: {got} of {needed} bytes")
            }
            FrameError::Preamble => write!(f, "Port-100 frame does not start with 00 00 FF"),
            FrameError::LengthChecksum { len, lcs } => {
                write!(
                    f,
                    "Port-100 frame length {len} has a bad checksum {lcs:#04X}"
                )
            }
            FrameError::DataChecksum { expected, got } => write!(
                f,
                "Port-100 frame data checksum {got:#04X}, expected {expected:#04X}"
            ),
            FrameError::TooLong { len } => {
                write!(
                    f,
                    "Port-100 frame of {len} data bytes is longer than allowed"
                )
            }
            FrameError::Empty => write!(f, "Port-100 data frame without data"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FrameError {}

/// The two's-complement checksum: the byte that makes `bytes` sum to 0 (mod 256).
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |a, b| a.wrapping_add(*b))
        .wrapping_neg()
}

/// Wraps `data` in an extended frame (the form the host sends; nfcpy does the same).
/// Data longer than `u16::MAX` bytes is cut there: callers keep within [`MAX_DATA`].
pub fn encode(data: &[u8]) -> Vec<u8> {
    let n = data.len().min(usize::from(u16::MAX));
    let body = data.get(..n).unwrap_or(data);
    let len = u16::try_from(n).unwrap_or(u16::MAX).to_le_bytes();
    let mut v = Vec::with_capacity(n + 10);
    v.extend_from_slice(&PREAMBLE);
    v.extend_from_slice(&[0xFF, 0xFF]);
    v.extend_from_slice(&len);
    v.push(checksum(&len));
    v.extend_from_slice(body);
    v.push(checksum(body));
    v.push(0x00);
    v
}

/// Wraps `data` (1 to 254 bytes) in a normal frame; longer data gets an extended frame.
pub fn encode_normal(data: &[u8]) -> Vec<u8> {
    match u8::try_from(data.len()) {
        Ok(len @ 1..=0xFE) => {
            let mut v = Vec::with_capacity(data.len() + 7);
            v.extend_from_slice(&PREAMBLE);
            v.push(len);
            v.push(len.wrapping_neg());
            v.extend_from_slice(data);
            v.push(checksum(data));
            v.push(0x00);
            v
        }
        _ => encode(data),
    }
}

fn take(bytes: &[u8], at: usize) -> Result<u8, FrameError> {
    bytes.get(at).copied().ok_or(FrameError::Truncated {
        needed: at + 1,
        got: bytes.len(),
    })
}

impl Frame {
    /// Decodes one frame from the start of `bytes`; bytes after the frame are ignored
    /// (one USB transfer carries one frame). The postamble is not checked.
    ///
    /// nfcpy also reads the five bytes `00 00 FF FF FF` alone as an error frame; so
    /// does this parser.
    pub fn parse(bytes: &[u8]) -> Result<Frame, FrameError> {
        if bytes.len() < 5 {
            return Err(FrameError::Truncated {
                needed: 5,
                got: bytes.len(),
            });
        }
        if bytes.get(..3) != Some(&PREAMBLE[..]) {
            return Err(FrameError::Preamble);
        }
        let l = take(bytes, 3)?;
        let lcs = take(bytes, 4)?;
        let (len, start) = match (l, lcs) {
            (0x00, 0xFF) => return Ok(Frame::Ack),
            (0xFF, 0x00) => return Ok(Frame::Nack),
            (0xFF, 0xFF) => {
                if bytes.len() == 5 {
                    return Ok(Frame::Error);
                }
                let lo = take(bytes, 5)?;
                let hi = take(bytes, 6)?;
                let lcs = take(bytes, 7)?;
                let len = usize::from(u16::from_le_bytes([lo, hi]));
                if lo.wrapping_add(hi).wrapping_add(lcs) != 0 {
                    return Err(FrameError::LengthChecksum { len, lcs });
                }
                (len, 8)
            }
            (len, lcs) => {
                if len.wrapping_add(lcs) != 0 {
                    return Err(FrameError::LengthChecksum {
                        len: usize::from(len),
                        lcs,
                    });
                }
                (usize::from(len), 5)
            }
        };
        if len == 0 {
            return Err(FrameError::Empty);
        }
        if len > MAX_DATA {
            return Err(FrameError::TooLong { len });
        }
        let dcs = take(bytes, start + len)?;
        let data = bytes.get(start..start + len).ok_or(FrameError::Truncated {
            needed: start + len + 1,
            got: bytes.len(),
        })?;
        let expected = checksum(data);
        if expected != dcs {
            return Err(FrameError::DataChecksum { expected, got: dcs });
        }
        if data == [0x7F] {
            return Ok(Frame::Error);
        }
        Ok(Frame::Data(data.to_vec()))
    }

    /// Encodes the frame (data as an extended frame).
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Frame::Ack => ACK.to_vec(),
            Frame::Nack => NACK.to_vec(),
            Frame::Error => ERROR_FRAME.to_vec(),
            Frame::Data(d) => encode(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn known_frames() {
        // nfcpy's GetFirmwareVersion command frame.
        assert_eq!(
            encode(&[0xD6, 0x20]),
            [
                0, 0, 0xFF, 0xFF, 0xFF, 0x02, 0x00, 0xFE, 0xD6, 0x20, 0x0A, 0x00
            ]
        );
        assert_eq!(Frame::parse(&ACK), Ok(Frame::Ack));
        assert_eq!(Frame::parse(&NACK), Ok(Frame::Nack));
        assert_eq!(Frame::parse(&ERROR_FRAME), Ok(Frame::Error));
        assert_eq!(Frame::parse(&[0, 0, 0xFF, 0xFF, 0xFF]), Ok(Frame::Error));
        let n = encode_normal(&[0xD7, 0x21, 0x11, 0x01]);
        assert_eq!(n, [0, 0, 0xFF, 4, 0xFC, 0xD7, 0x21, 0x11, 0x01, 0xF6, 0]);
        assert_eq!(
            Frame::parse(&n),
            Ok(Frame::Data(vec![0xD7, 0x21, 0x11, 0x01]))
        );
    }

    #[test]
    fn bad_frames() {
        let mut f = encode(&[0xD7, 0x05, 0, 0, 0, 0, 0]);
        assert!(Frame::parse(&f).is_ok());
        f[9] ^= 1;
        assert!(matches!(
            Frame::parse(&f),
            Err(FrameError::DataChecksum { .. })
        ));
        f[7] ^= 1;
        assert!(matches!(
            Frame::parse(&f),
            Err(FrameError::LengthChecksum { .. })
        ));
        assert!(matches!(
            Frame::parse(&f[..4]),
            Err(FrameError::Truncated { .. })
        ));
        assert_eq!(
            Frame::parse(&[1, 0, 0xFF, 0, 0xFF]),
            Err(FrameError::Preamble)
        );
        let long = [0, 0, 0xFF, 0xFF, 0xFF, 0x00, 0x10, 0xF0];
        assert_eq!(Frame::parse(&long), Err(FrameError::TooLong { len: 4096 }));
    }
}
