//! Port-100 commands and replies.
//!
//! A command is the frame data `D6 <code> <parameters>`; its reply is `D7 <code + 1>
//! <result>`. The codes and parameter layouts are those nfcpy's `rcs380.py` driver
//! uses with the RC-S380.

use alloc::vec::Vec;
use core::fmt;

/// First byte of a host command.
pub const COMMAND: u8 = 0xD6;
/// First byte of a chip reply.
pub const REPLY: u8 = 0xD7;

/// Command codes.
pub mod code {
    /// InSetRF: bit rate and RF type for sending and receiving.
    pub const IN_SET_RF: u8 = 0x00;
    /// InSetProtocol: framing settings as (key, value) pairs.
    pub const IN_SET_PROTOCOL: u8 = 0x02;
    /// InCommRF: send a frame over RF and receive the answer.
    pub const IN_COMM_RF: u8 = 0x04;
    /// SwitchRF: the field on (1) or off (0).
    pub const SWITCH_RF: u8 = 0x06;
    /// ResetDevice.
    pub const RESET_DEVICE: u8 = 0x12;
    /// GetFirmwareVersion: minor, major.
    pub const GET_FIRMWARE_VERSION: u8 = 0x20;
    /// GetPDDataVersion: minor, major.
    pub const GET_PD_DATA_VERSION: u8 = 0x22;
    /// GetCommandType.
    pub const GET_COMMAND_TYPE: u8 = 0x28;
    /// SetCommandType: 1 selects the command set nfcpy uses.
    pub const SET_COMMAND_TYPE: u8 = 0x2A;
}

/// The InSetRF value for ISO/IEC 14443 Type B at 106 kbit/s: send (3, 7), receive
/// (15, 7), as in nfcpy's settings table ("106B").
pub const TYPE_B_106_RF: [u8; 4] = [0x03, 0x07, 0x0F, 0x07];

/// InSetProtocol keys.
pub mod key {
    /// Initial guard time after the field comes on.
    pub const INITIAL_GUARD_TIME: u8 = 0x00;
    /// The chip appends the CRC.
    pub const ADD_CRC: u8 = 0x01;
    /// The chip checks and strips the CRC.
    pub const CHECK_CRC: u8 = 0x02;
    /// Type B start of frame sent.
    pub const ADD_SOF: u8 = 0x09;
    /// Type B start of frame expected.
    pub const CHECK_SOF: u8 = 0x0A;
    /// Type B end of frame sent.
    pub const ADD_EOF: u8 = 0x0B;
    /// Type B end of frame expected.
    pub const CHECK_EOF: u8 = 0x0C;
}

/// The InSetProtocol defaults nfcpy sends before every technology's own settings.
pub const PROTOCOL_DEFAULTS: [(u8, u8); 19] = [
    (0x00, 0x18),
    (0x01, 0x01),
    (0x02, 0x01),
    (0x03, 0x00),
    (0x04, 0x00),
    (0x05, 0x00),
    (0x06, 0x00),
    (0x07, 0x08),
    (0x08, 0x00),
    (0x09, 0x00),
    (0x0A, 0x00),
    (0x0B, 0x00),
    (0x0C, 0x00),
    (0x0E, 0x04),
    (0x0F, 0x00),
    (0x10, 0x00),
    (0x11, 0x00),
    (0x12, 0x00),
    (0x13, 0x06),
];

/// Type B framing: initial guard time 20, SOF and EOF sent and checked (nfcpy's
/// `sense_ttb`). CRC_B is added and checked by the chip (defaults).
pub const TYPE_B_PROTOCOL: [(u8, u8); 5] = [
    (key::INITIAL_GUARD_TIME, 20),
    (key::ADD_SOF, 1),
    (key::CHECK_SOF, 1),
    (key::ADD_EOF, 1),
    (key::CHECK_EOF, 1),
];

/// A Port-100 command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// InSetRF with its four bytes (send type/rate, receive type/rate).
    InSetRf([u8; 4]),
    /// InSetProtocol with (key, value) pairs.
    InSetProtocol(Vec<(u8, u8)>),
    /// InCommRF: `timeout` in units of 0.1 ms (0 = do not wait), then the RF frame
    /// (without CRC; the chip adds it).
    InCommRf {
        /// Receive timeout, 0.1 ms units.
        timeout: u16,
        /// The frame to send.
        data: Vec<u8>,
    },
    /// SwitchRF on or off.
    SwitchRf(bool),
    /// GetFirmwareVersion.
    GetFirmwareVersion,
    /// GetPDDataVersion.
    GetPdDataVersion,
    /// GetCommandType.
    GetCommandType,
    /// SetCommandType.
    SetCommandType(u8),
    /// ResetDevice with a start-up delay in ms.
    ResetDevice(u16),
    /// Any other command code with raw parameters.
    Other {
        /// The command code.
        code: u8,
        /// Its parameters.
        params: Vec<u8>,
    },
}

impl Command {
    /// The command code.
    pub fn code(&self) -> u8 {
        match self {
            Command::InSetRf(_) => code::IN_SET_RF,
            Command::InSetProtocol(_) => code::IN_SET_PROTOCOL,
            Command::InCommRf { .. } => code::IN_COMM_RF,
            Command::SwitchRf(_) => code::SWITCH_RF,
            Command::GetFirmwareVersion => code::GET_FIRMWARE_VERSION,
            Command::GetPdDataVersion => code::GET_PD_DATA_VERSION,
            Command::GetCommandType => code::GET_COMMAND_TYPE,
            Command::SetCommandType(_) => code::SET_COMMAND_TYPE,
            Command::ResetDevice(_) => code::RESET_DEVICE,
            Command::Other { code, .. } => *code,
        }
    }

    /// The frame data: `D6 <code> <parameters>`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(8);
        v.push(COMMAND);
        v.push(self.code());
        match self {
            Command::InSetRf(b) => v.extend_from_slice(b),
            Command::InSetProtocol(pairs) => {
                for (k, val) in pairs {
                    v.push(*k);
                    v.push(*val);
                }
            }
            Command::InCommRf { timeout, data } => {
                v.extend_from_slice(&timeout.to_le_bytes());
                v.extend_from_slice(data);
            }
            Command::SwitchRf(on) => v.push(u8::from(*on)),
            Command::SetCommandType(t) => v.push(*t),
            Command::ResetDevice(d) => v.extend_from_slice(&d.to_le_bytes()),
            Command::Other { params, .. } => v.extend_from_slice(params),
            Command::GetFirmwareVersion | Command::GetPdDataVersion | Command::GetCommandType => {}
        }
        v
    }

    /// The whole USB frame.
    pub fn to_frame(&self) -> Vec<u8> {
        crate::frame::encode(&self.to_bytes())
    }

    /// Decodes frame data as a command (the chip's side; used by the virtual reader).
    pub fn parse(data: &[u8]) -> Result<Command, ReplyError> {
        let (&head, rest) = data.split_first().ok_or(ReplyError::Short)?;
        if head != COMMAND {
            return Err(ReplyError::NotReply { first: head });
        }
        let (&c, p) = rest.split_first().ok_or(ReplyError::Short)?;
        Ok(match (c, p) {
            (code::IN_SET_RF, [a, b, c2, d]) => Command::InSetRf([*a, *b, *c2, *d]),
            (code::IN_SET_PROTOCOL, p) if p.len() % 2 == 0 => Command::InSetProtocol(
                p.chunks_exact(2)
                    .filter_map(|kv| match kv {
                        [k, v] => Some((*k, *v)),
                        _ => None,
                    })
                    .collect(),
            ),
            (code::IN_COMM_RF, [lo, hi, data @ ..]) => Command::InCommRf {
                timeout: u16::from_le_bytes([*lo, *hi]),
                data: data.to_vec(),
            },
            (code::SWITCH_RF, [on]) => Command::SwitchRf(*on != 0),
            (code::GET_FIRMWARE_VERSION, []) => Command::GetFirmwareVersion,
            (code::GET_PD_DATA_VERSION, []) => Command::GetPdDataVersion,
            (code::GET_COMMAND_TYPE, []) => Command::GetCommandType,
            (code::SET_COMMAND_TYPE, [t]) => Command::SetCommandType(*t),
            (code::RESET_DEVICE, [lo, hi]) => Command::ResetDevice(u16::from_le_bytes([*lo, *hi])),
            (code, params) => Command::Other {
                code,
                params: params.to_vec(),
            },
        })
    }
}

/// A reply that does not fit the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// Shorter than its layout.
    Short,
    /// Does not start with `D7` (or `D6` for a command).
    NotReply {
        /// The first byte.
        first: u8,
    },
    /// Answers another command.
    WrongCode {
        /// The code expected (command + 1).
        expected: u8,
        /// The code received.
        got: u8,
    },
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::Short => write!(f, "Port-100 reply too short"),
            ReplyError::NotReply { first } => {
                write!(f, "Port-100 frame starts with {first:#04X}, not D7")
            }
            ReplyError::WrongCode { expected, got } => write!(
                f,
                "Port-100 reply code {got:#04X}, expected {expected:#04X}"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ReplyError {}

/// Checks `D7 <code+1>` and returns the result bytes after it.
pub fn reply_body(data: &[u8], command_code: u8) -> Result<&[u8], ReplyError> {
    match data {
        [REPLY, got, rest @ ..] => {
            let expected = command_code.wrapping_add(1);
            if *got == expected {
                Ok(rest)
            } else {
                Err(ReplyError::WrongCode {
                    expected,
                    got: *got,
                })
            }
        }
        [first, ..] => Err(ReplyError::NotReply { first: *first }),
        [] => Err(ReplyError::Short),
    }
}

/// Encodes a reply `D7 <code+1> <body>`.
pub fn reply(command_code: u8, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 2);
    v.push(REPLY);
    v.push(command_code.wrapping_add(1));
    v.extend_from_slice(body);
    v
}

/// The status word of an InCommRF reply: a 32-bit little-endian bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommStatus(pub u32);

impl CommStatus {
    /// No error.
    pub const OK: CommStatus = CommStatus(0);
    /// Protocol error.
    pub const PROTOCOL: CommStatus = CommStatus(0x0000_0001);
    /// Parity error.
    pub const PARITY: CommStatus = CommStatus(0x0000_0002);
    /// CRC error: the frame arrived damaged.
    pub const CRC: CommStatus = CommStatus(0x0000_0004);
    /// Collision.
    pub const COLLISION: CommStatus = CommStatus(0x0000_0008);
    /// Receive buffer overflow.
    pub const OVERFLOW: CommStatus = CommStatus(0x0000_0010);
    /// Over-temperature.
    pub const TEMPERATURE: CommStatus = CommStatus(0x0000_0040);
    /// Nothing received within the timeout.
    pub const RECEIVE_TIMEOUT: CommStatus = CommStatus(0x0000_0080);
    /// The RF field went off.
    pub const RF_OFF: CommStatus = CommStatus(0x0000_0400);
    /// Could not transmit within the timeout.
    pub const TRANSMIT_TIMEOUT: CommStatus = CommStatus(0x0000_0800);
    /// Received frame of a bad length.
    pub const RECEIVE_LENGTH: CommStatus = CommStatus(0x8000_0000);

    /// Whether every bit of `other` is set.
    pub fn has(self, other: CommStatus) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// The name of the most telling bit.
    pub fn name(self) -> &'static str {
        const NAMES: [(CommStatus, &str); 10] = [
            (CommStatus::RF_OFF, "RF_OFF_ERROR"),
            (CommStatus::RECEIVE_TIMEOUT, "RECEIVE_TIMEOUT_ERROR"),
            (CommStatus::CRC, "CRC_ERROR"),
            (CommStatus::PARITY, "PARITY_ERROR"),
            (CommStatus::COLLISION, "COLLISION_ERROR"),
            (CommStatus::OVERFLOW, "OVERFLOW_ERROR"),
            (CommStatus::PROTOCOL, "PROTOCOL_ERROR"),
            (CommStatus::TEMPERATURE, "TEMPERATURE_ERROR"),
            (CommStatus::TRANSMIT_TIMEOUT, "TRANSMIT_TIMEOUT_ERROR"),
            (CommStatus::RECEIVE_LENGTH, "RECEIVE_LENGTH_ERROR"),
        ];
        if self.0 == 0 {
            return "NO_ERROR";
        }
        NAMES
            .iter()
            .find(|(s, _)| self.has(*s))
            .map_or("UNKNOWN_ERROR", |(_, n)| n)
    }
}

impl fmt::Display for CommStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:#010X})", self.name(), self.0)
    }
}

/// Splits an InCommRF result (after `D7 05`): four status bytes, one byte the chip
/// uses for receive information, then the RF frame received (CRC stripped).
pub fn comm_result(body: &[u8]) -> Result<(CommStatus, &[u8]), ReplyError> {
    match body {
        [a, b, c, d, rest @ ..] => {
            let status = CommStatus(u32::from_le_bytes([*a, *b, *c, *d]));
            Ok((status, rest.get(1..).unwrap_or(&[])))
        }
        _ => Err(ReplyError::Short),
    }
}

/// Encodes an InCommRF result (the chip's side).
pub fn comm_reply(status: CommStatus, frame: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(frame.len() + 5);
    body.extend_from_slice(&status.0.to_le_bytes());
    body.push(0x00);
    body.extend_from_slice(frame);
    reply(code::IN_COMM_RF, &body)
}

/// An InCommRF timeout in 0.1 ms units for a wait of `us` microseconds: rounded up,
/// plus one unit, capped at `FFFF` (6.5 s).
pub fn comm_timeout(us: u64) -> u16 {
    let units = us.div_ceil(100).saturating_add(1);
    u16::try_from(units).unwrap_or(u16::MAX)
}

/// The device set-up sequence after the host's ACK (which cancels anything pending):
/// SetCommandType 1, GetFirmwareVersion, GetPDDataVersion, SwitchRF off — the order
/// of nfcpy's `Chipset.__init__`.
pub fn setup_sequence() -> [Command; 4] {
    [
        Command::SetCommandType(1),
        Command::GetFirmwareVersion,
        Command::GetPdDataVersion,
        Command::SwitchRf(false),
    ]
}

/// The Type B 106 kbit/s settings, sent before polling: InSetRF "106B", the
/// InSetProtocol defaults, then the Type B framing.
pub fn type_b_settings() -> [Command; 3] {
    [
        Command::InSetRf(TYPE_B_106_RF),
        Command::InSetProtocol(PROTOCOL_DEFAULTS.to_vec()),
        Command::InSetProtocol(TYPE_B_PROTOCOL.to_vec()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn round_trips() {
        let cmds = [
            Command::InSetRf(TYPE_B_106_RF),
            Command::InSetProtocol(TYPE_B_PROTOCOL.to_vec()),
            Command::InCommRf {
                timeout: 301,
                data: vec![5, 0, 0],
            },
            Command::SwitchRf(true),
            Command::GetFirmwareVersion,
            Command::GetPdDataVersion,
            Command::GetCommandType,
            Command::SetCommandType(1),
            Command::ResetDevice(0),
            Command::Other {
                code: 0x30,
                params: vec![1],
            },
        ];
        for c in cmds {
            assert_eq!(Command::parse(&c.to_bytes()), Ok(c));
        }
        assert_eq!(
            Command::InSetRf(TYPE_B_106_RF).to_bytes(),
            [0xD6, 0x00, 0x03, 0x07, 0x0F, 0x07]
        );
    }

    #[test]
    fn replies() {
        assert_eq!(
            reply_body(&[0xD7, 0x21, 0x11, 0x01], 0x20),
            Ok(&[0x11, 1][..])
        );
        assert_eq!(
            reply_body(&[0xD7, 0x03, 0x00], 0x20),
            Err(ReplyError::WrongCode {
                expected: 0x21,
                got: 0x03
            })
        );
        let r = comm_reply(CommStatus::RECEIVE_TIMEOUT, &[]);
        let body = reply_body(&r, code::IN_COMM_RF).unwrap();
        assert_eq!(
            comm_result(body),
            Ok((CommStatus::RECEIVE_TIMEOUT, &[][..]))
        );
        assert_eq!(CommStatus(0x84).name(), "RECEIVE_TIMEOUT_ERROR");
        assert_eq!(comm_timeout(30_000), 301);
        assert_eq!(comm_timeout(10_000_000), 0xFFFF);
    }
}
