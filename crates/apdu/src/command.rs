//! Command APDUs (ISO/IEC 7816-4 §5.1, "Command-response pairs").

use alloc::vec::Vec;
use core::fmt;
use zeroize::Zeroize;

/// The largest Ne a short APDU can ask for (Le = `00`).
pub const MAX_SHORT_LE: usize = 256;
/// The largest Ne an extended APDU can ask for (Le = `0000`).
pub const MAX_EXTENDED_LE: usize = 65_536;
/// The largest Nc of a short APDU.
const MAX_SHORT_LC: usize = 255;
/// The largest Nc of an extended APDU.
const MAX_EXTENDED_LC: usize = 65_535;

/// The four cases of ISO/IEC 7816-4 §5.1 (Table 1):
/// "Case 1: no data, no Le … Case 4: command data and Le".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandCase {
    /// No command data, no response data expected.
    Case1,
    /// No command data, response data expected (Le present).
    Case2,
    /// Command data, no response data expected.
    Case3,
    /// Command data and response data expected.
    Case4,
}

/// Why a byte string is not a well-formed command APDU, or a command cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// Fewer than the four header bytes.
    TooShort {
        /// How many bytes there were.
        len: usize,
    },
    /// The body does not match any of the encodings of ISO/IEC 7816-4 §5.1.
    BadLength {
        /// How many bytes there were.
        len: usize,
    },
    /// Lc of zero in an extended APDU, which ISO/IEC 7816-4 §5.1 does not allow.
    ZeroLc,
    /// The data is longer than 65 535 bytes.
    DataTooLong {
        /// Its length.
        len: usize,
    },
    /// Ne outside 1..=65 536.
    BadLe {
        /// The value asked for.
        le: usize,
    },
    /// The command needs extended length but the caller asked for short.
    NeedsExtended,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::TooShort { len } => {
                write!(
                    f,
                    "command APDU of {len} bytes is shorter than its 4-byte header"
                )
            }
            CommandError::BadLength { len } => {
                write!(
                    f,
                    "command APDU of {len} bytes has an inconsistent Lc/Le encoding"
                )
            }
            CommandError::ZeroLc => write!(f, "extended command APDU with Lc = 0"),
            CommandError::DataTooLong { len } => {
                write!(f, "command data of {len} bytes exceeds 65535")
            }
            CommandError::BadLe { le } => write!(f, "Ne {le} is outside 1..=65536"),
            CommandError::NeedsExtended => {
                write!(
                    f,
                    "command needs extended length fields but short was required"
                )
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CommandError {}

/// A command APDU.
///
/// `le` is Ne, the maximum number of response bytes expected: `None` for no
/// Le field, `Some(256)` for short `Le = 00`, `Some(65536)` for extended
/// `Le = 0000`. The data field is zeroized when the command is dropped, and a
/// command marked [`sensitive`](Command::sensitive) (a VERIFY or CHANGE
/// REFERENCE DATA carrying a PIN) never shows its data in `Debug` or in a
/// [`Trace`](crate::Trace).
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    data: Vec<u8>,
    le: Option<usize>,
    sensitive: bool,
}

impl Drop for Command {
    fn drop(&mut self) {
        self.data.zeroize();
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Command");
        d.field("cla", &format_args!("{:02X}", self.cla))
            .field("ins", &format_args!("{:02X}", self.ins))
            .field("p1", &format_args!("{:02X}", self.p1))
            .field("p2", &format_args!("{:02X}", self.p2));
        if self.sensitive {
            d.field(
                "data",
                &format_args!("<{} bytes redacted>", self.data.len()),
            );
        } else {
            d.field("data", &format_args!("{}", crate::hex_upper(&self.data)));
        }
        d.field("le", &self.le).finish()
    }
}

impl Command {
    /// A case 1 command: header only.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
            sensitive: false,
        }
    }

    /// Sets the command data (case 3, or case 4 with [`with_le`](Self::with_le)).
    pub fn with_data(mut self, data: &[u8]) -> Self {
        self.data.zeroize();
        self.data = data.to_vec();
        self
    }

    /// Sets Ne, the number of response bytes expected (1..=65 536).
    pub fn with_le(mut self, ne: usize) -> Self {
        self.le = Some(ne);
        self
    }

    /// Marks the data as secret (a PIN): it is zeroized on drop anyway, and is
    /// now also hidden from `Debug` and from traces.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Whether the data is secret.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// The command data field.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Ne, if an Le field is present.
    pub fn le(&self) -> Option<usize> {
        self.le
    }

    /// The case of ISO/IEC 7816-4 §5.1 this command falls in.
    pub fn case(&self) -> CommandCase {
        match (self.data.is_empty(), self.le.is_some()) {
            (true, false) => CommandCase::Case1,
            (true, true) => CommandCase::Case2,
            (false, false) => CommandCase::Case3,
            (false, true) => CommandCase::Case4,
        }
    }

    /// Whether the command fits in short length fields (Nc ≤ 255, Ne ≤ 256).
    pub fn fits_short(&self) -> bool {
        self.data.len() <= MAX_SHORT_LC && self.le.is_none_or(|ne| ne <= MAX_SHORT_LE)
    }

    /// Encodes the command, in short form when it fits, otherwise extended.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CommandError> {
        self.encode(!self.fits_short())
    }

    /// Encodes the command, forcing extended length fields when `extended`
    /// (ISO/IEC 7816-4 §5.1: "extended Lc field: 3 bytes, `00` then two
    /// bytes"; "extended Le field … 2 bytes when Lc is present, else 3").
    pub fn encode(&self, extended: bool) -> Result<Vec<u8>, CommandError> {
        let nc = self.data.len();
        if nc > MAX_EXTENDED_LC {
            return Err(CommandError::DataTooLong { len: nc });
        }
        if let Some(ne) = self.le
            && (ne == 0 || ne > MAX_EXTENDED_LE)
        {
            return Err(CommandError::BadLe { le: ne });
        }
        if !extended && !self.fits_short() {
            return Err(CommandError::NeedsExtended);
        }
        let mut out = Vec::with_capacity(4 + 3 + nc + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if extended {
            if nc > 0 {
                out.push(0);
                out.extend_from_slice(&(nc as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.le {
                if nc == 0 {
                    out.push(0);
                }
                let le = if ne == MAX_EXTENDED_LE { 0 } else { ne as u16 };
                out.extend_from_slice(&le.to_be_bytes());
            }
        } else {
            if nc > 0 {
                out.push(nc as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.le {
                out.push(if ne == MAX_SHORT_LE { 0 } else { ne as u8 });
            }
        }
        Ok(out)
    }

    /// Parses a command APDU in any of the seven encodings of ISO/IEC 7816-4
    /// §5.1 (case 1; cases 2, 3, 4 short; cases 2, 3, 4 extended).
    pub fn parse(bytes: &[u8]) -> Result<Self, CommandError> {
        let (header, body) = match bytes.split_first_chunk::<4>() {
            Some(split) => split,
            None => return Err(CommandError::TooShort { len: bytes.len() }),
        };
        let [cla, ins, p1, p2] = *header;
        let mut cmd = Command::new(cla, ins, p1, p2);
        let bad = CommandError::BadLength { len: bytes.len() };
        match body {
            [] => {}
            [le] => cmd.le = Some(short_ne(*le)),
            [0, hi, lo] => cmd.le = Some(extended_ne(*hi, *lo)),
            [0, hi, lo, tail @ ..] => {
                // Extended case 3 or 4: Lc is two bytes after the 00 marker.
                let nc = usize::from(u16::from_be_bytes([*hi, *lo]));
                if nc == 0 {
                    return Err(CommandError::ZeroLc);
                }
                if tail.len() == nc {
                    cmd.data = tail.to_vec();
                } else if tail.len() == nc + 2 {
                    let (data, le) = tail.split_at(nc);
                    cmd.data = data.to_vec();
                    if let [le_hi, le_lo] = le {
                        cmd.le = Some(extended_ne(*le_hi, *le_lo));
                    }
                } else {
                    return Err(bad);
                }
            }
            [lc, tail @ ..] => {
                let nc = usize::from(*lc);
                if nc == 0 {
                    return Err(bad);
                }
                if tail.len() == nc {
                    cmd.data = tail.to_vec();
                } else if tail.len() == nc + 1 {
                    let (data, le) = tail.split_at(nc);
                    cmd.data = data.to_vec();
                    cmd.le = le.first().map(|b| short_ne(*b));
                } else {
                    return Err(bad);
                }
            }
        }
        Ok(cmd)
    }
}

fn short_ne(le: u8) -> usize {
    if le == 0 {
        MAX_SHORT_LE
    } else {
        usize::from(le)
    }
}

fn extended_ne(hi: u8, lo: u8) -> usize {
    match u16::from_be_bytes([hi, lo]) {
        0 => MAX_EXTENDED_LE,
        n => usize::from(n),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec;

    #[test]
    fn encodes_each_case_short() {
        let c1 = Command::new(0x00, 0x20, 0x00, 0x80);
        assert_eq!(c1.to_bytes().unwrap(), vec![0x00, 0x20, 0x00, 0x80]);
        assert_eq!(c1.case(), CommandCase::Case1);
        let c2 = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(256);
        assert_eq!(c2.to_bytes().unwrap(), vec![0x00, 0xB0, 0x00, 0x00, 0x00]);
        let aid = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
        let c3 = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(&aid);
        let mut want = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
        want.extend_from_slice(&aid);
        assert_eq!(c3.to_bytes().unwrap(), want);
        let c4 = Command::new(0x80, 0x2A, 0x00, 0x80)
            .with_data(&[1, 2, 3])
            .with_le(256);
        assert_eq!(
            c4.to_bytes().unwrap(),
            vec![0x80, 0x2A, 0x00, 0x80, 3, 1, 2, 3, 0x00]
        );
        assert_eq!(c4.case(), CommandCase::Case4);
    }

    #[test]
    fn encodes_extended() {
        let data = vec![0xAB; 300];
        let c = Command::new(0x80, 0x2A, 0x00, 0x80)
            .with_data(&data)
            .with_le(65536);
        let b = c.to_bytes().unwrap();
        assert_eq!(&b[..7], &[0x80, 0x2A, 0x00, 0x80, 0x00, 0x01, 0x2C]);
        assert_eq!(&b[b.len() - 2..], &[0x00, 0x00]);
        assert_eq!(Command::parse(&b).unwrap(), c);
        let c2e = Command::new(0x00, 0xB0, 0, 0).with_le(1000);
        assert_eq!(c2e.to_bytes().unwrap(), vec![0, 0xB0, 0, 0, 0, 0x03, 0xE8]);
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(1000).encode(false),
            Err(CommandError::NeedsExtended)
        );
    }

    #[test]
    fn parse_rejects_inconsistent_lengths() {
        assert_eq!(
            Command::parse(&[0, 0xA4]),
            Err(CommandError::TooShort { len: 2 })
        );
        assert_eq!(
            Command::parse(&[0, 0xA4, 4, 0x0C, 5, 1, 2]),
            Err(CommandError::BadLength { len: 7 })
        );
        assert_eq!(
            Command::parse(&[0, 0xA4, 4, 0x0C, 0, 0, 0, 1]),
            Err(CommandError::ZeroLc)
        );
    }

    #[test]
    fn sensitive_data_is_hidden_in_debug() {
        let c = Command::new(0, 0x20, 0, 0x80)
            .with_data(b"1234")
            .sensitive();
        let s = format!("{c:?}");
        assert!(!s.contains("31323334"), "{s}");
        assert!(s.contains("redacted"));
    }
}
