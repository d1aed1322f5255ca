//! CCID bulk and interrupt messages (CCID spec rev 1.1, §6).
//!
//! "All messages ... begin with a 10-byte header: bMessageType, dwLength (little-endian,
//! the length of abData), bSlot, bSeq, and three message-specific bytes" (CCID §6.1).

use alloc::vec::Vec;
use core::fmt;

/// Length of the CCID message header (CCID §6.1).
pub const HEADER_LEN: usize = 10;

/// Message types (CCID §6.1 and §6.2, §6.3).
pub mod kind {
    /// PC_to_RDR_IccPowerOn (§6.1.1).
    pub const ICC_POWER_ON: u8 = 0x62;
    /// PC_to_RDR_IccPowerOff (§6.1.2).
    pub const ICC_POWER_OFF: u8 = 0x63;
    /// PC_to_RDR_GetSlotStatus (§6.1.3).
    pub const GET_SLOT_STATUS: u8 = 0x65;
    /// PC_to_RDR_XfrBlock (§6.1.4).
    pub const XFR_BLOCK: u8 = 0x6F;
    /// PC_to_RDR_GetParameters (§6.1.5).
    pub const GET_PARAMETERS: u8 = 0x6C;
    /// PC_to_RDR_ResetParameters (§6.1.6).
    pub const RESET_PARAMETERS: u8 = 0x6D;
    /// PC_to_RDR_SetParameters (§6.1.7).
    pub const SET_PARAMETERS: u8 = 0x61;
    /// PC_to_RDR_Escape (§6.1.8).
    pub const ESCAPE: u8 = 0x6B;
    /// PC_to_RDR_Abort (§6.1.13).
    pub const ABORT: u8 = 0x72;
    /// RDR_to_PC_DataBlock (§6.2.1).
    pub const DATA_BLOCK: u8 = 0x80;
    /// RDR_to_PC_SlotStatus (§6.2.2).
    pub const SLOT_STATUS: u8 = 0x81;
    /// RDR_to_PC_Parameters (§6.2.3).
    pub const PARAMETERS: u8 = 0x82;
    /// RDR_to_PC_Escape (§6.2.4).
    pub const RDR_ESCAPE: u8 = 0x83;
    /// RDR_to_PC_NotifySlotChange (§6.3.1).
    pub const NOTIFY_SLOT_CHANGE: u8 = 0x50;
    /// RDR_to_PC_HardwareError (§6.3.2).
    pub const HARDWARE_ERROR: u8 = 0x51;
}

/// Slot error codes of bError (CCID §6.2.6, Table 6.2-2).
pub mod slot_error {
    /// CMD_ABORTED.
    pub const CMD_ABORTED: u8 = 0xFF;
    /// ICC_MUTE: the card did not answer (within BWT, for TPDU exchanges).
    pub const ICC_MUTE: u8 = 0xFE;
    /// XFR_PARITY_ERROR.
    pub const XFR_PARITY_ERROR: u8 = 0xFD;
    /// XFR_OVERRUN.
    pub const XFR_OVERRUN: u8 = 0xFC;
    /// HW_ERROR.
    pub const HW_ERROR: u8 = 0xFB;
    /// BAD_ATR_TS.
    pub const BAD_ATR_TS: u8 = 0xF8;
    /// BAD_ATR_TCK.
    pub const BAD_ATR_TCK: u8 = 0xF7;
    /// ICC_PROTOCOL_NOT_SUPPORTED.
    pub const ICC_PROTOCOL_NOT_SUPPORTED: u8 = 0xF6;
    /// ICC_CLASS_NOT_SUPPORTED.
    pub const ICC_CLASS_NOT_SUPPORTED: u8 = 0xF5;
    /// PROCEDURE_BYTE_CONFLICT.
    pub const PROCEDURE_BYTE_CONFLICT: u8 = 0xF4;
    /// DEACTIVATED_PROTOCOL.
    pub const DEACTIVATED_PROTOCOL: u8 = 0xF3;
    /// BUSY_WITH_AUTO_SEQUENCE.
    pub const BUSY_WITH_AUTO_SEQUENCE: u8 = 0xF2;
    /// CMD_SLOT_BUSY.
    pub const CMD_SLOT_BUSY: u8 = 0xE0;
    /// Command not supported.
    pub const CMD_NOT_SUPPORTED: u8 = 0x00;
}

/// A message that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// Fewer than 10 bytes.
    ShortHeader {
        /// Bytes received.
        len: usize,
    },
    /// dwLength disagrees with the bytes received.
    LengthMismatch {
        /// dwLength.
        declared: u32,
        /// Bytes after the header.
        actual: usize,
    },
    /// An unknown bMessageType.
    UnknownType(u8),
    /// A message of the wrong direction for this decoder.
    UnexpectedType(u8),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::ShortHeader { len } => {
                write!(
                    f,
                    "CCID message of {len} bytes is shorter than its 10-byte header"
                )
            }
            CodecError::LengthMismatch { declared, actual } => write!(
                f,
                "CCID dwLength {declared} but {actual} bytes follow the header"
            ),
            CodecError::UnknownType(t) => write!(f, "unknown CCID message type {t:#04X}"),
            CodecError::UnexpectedType(t) => {
                write!(f, "CCID message type {t:#04X} not expected here")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CodecError {}

/// bmICCStatus, bits 0–1 of bStatus (CCID §6.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IccStatus {
    /// 0: an ICC is present and active.
    Active,
    /// 1: an ICC is present and inactive (not activated or shut down).
    Inactive,
    /// 2: no ICC is present.
    Absent,
    /// 3: RFU.
    Rfu,
}

/// bmCommandStatus, bits 6–7 of bStatus (CCID §6.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandStatus {
    /// 0: processed without error.
    Ok,
    /// 1: failed; bError is valid.
    Failed,
    /// 2: time extension requested ("the CCID needs more time": read again).
    TimeExtension,
    /// 3: RFU.
    Rfu,
}

/// The bStatus and bError pair of every RDR_to_PC bulk message (CCID §6.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotState {
    /// bStatus as sent.
    pub status: u8,
    /// bError as sent.
    pub error: u8,
}

impl SlotState {
    /// A successful status with the card active.
    pub const OK_ACTIVE: SlotState = SlotState {
        status: 0,
        error: 0,
    };

    /// bmICCStatus.
    pub fn icc(self) -> IccStatus {
        match self.status & 0x03 {
            0 => IccStatus::Active,
            1 => IccStatus::Inactive,
            2 => IccStatus::Absent,
            _ => IccStatus::Rfu,
        }
    }

    /// bmCommandStatus.
    pub fn command(self) -> CommandStatus {
        match self.status >> 6 {
            0 => CommandStatus::Ok,
            1 => CommandStatus::Failed,
            2 => CommandStatus::TimeExtension,
            _ => CommandStatus::Rfu,
        }
    }

    /// Builds a bStatus/bError pair.
    pub fn new(icc: IccStatus, command: CommandStatus, error: u8) -> SlotState {
        let i = match icc {
            IccStatus::Active => 0,
            IccStatus::Inactive => 1,
            IccStatus::Absent => 2,
            IccStatus::Rfu => 3,
        };
        let c = match command {
            CommandStatus::Ok => 0,
            CommandStatus::Failed => 1,
            CommandStatus::TimeExtension => 2,
            CommandStatus::Rfu => 3,
        };
        SlotState {
            status: (c << 6) | i,
            error,
        }
    }
}

/// bPowerSelect of IccPowerOn (CCID §6.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voltage {
    /// 0: automatic voltage selection.
    Auto,
    /// 1: 5.0 V.
    V5,
    /// 2: 3.0 V.
    V3,
    /// 3: 1.8 V.
    V1_8,
}

impl Voltage {
    fn code(self) -> u8 {
        match self {
            Voltage::Auto => 0,
            Voltage::V5 => 1,
            Voltage::V3 => 2,
            Voltage::V1_8 => 3,
        }
    }
    fn from_code(c: u8) -> Voltage {
        match c {
            1 => Voltage::V5,
            2 => Voltage::V3,
            3 => Voltage::V1_8,
            _ => Voltage::Auto,
        }
    }
}

/// A PC_to_RDR bulk-OUT message body (CCID §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostMessage {
    /// IccPowerOn: activates the card; the answer is a DataBlock holding the ATR.
    IccPowerOn {
        /// bPowerSelect.
        voltage: Voltage,
    },
    /// IccPowerOff: deactivates the card; the answer is a SlotStatus.
    IccPowerOff,
    /// GetSlotStatus; the answer is a SlotStatus.
    GetSlotStatus,
    /// XfrBlock: a TPDU, APDU or APDU part; the answer is a DataBlock.
    XfrBlock {
        /// bBWI: "used to extend the CCID's Block Waiting Timeout for this current
        /// transfer" (T=1: a WTX multiplier).
        bwi: u8,
        /// wLevelParameter: for extended APDU level, 0 whole APDU, 1 begins and
        /// continues, 2 ends, 3 continues, 0x10 empty "give me more" (§6.1.4).
        level: u16,
        /// abData.
        data: Vec<u8>,
    },
    /// GetParameters; the answer is a Parameters message.
    GetParameters,
    /// ResetParameters; the answer is a Parameters message.
    ResetParameters,
    /// SetParameters with the protocol data structure of §6.1.7 (5 bytes T=0, 7 T=1).
    SetParameters {
        /// bProtocolNum: 0 for T=0, 1 for T=1.
        protocol: u8,
        /// abProtocolDataStructure.
        data: Vec<u8>,
    },
    /// Escape: vendor-specific; the answer is an RDR_to_PC_Escape.
    Escape(Vec<u8>),
    /// Abort (sent on the bulk pipe after the ABORT control request, §6.1.13).
    Abort,
}

/// A whole PC_to_RDR message: the slot and sequence number and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFrame {
    /// bSlot.
    pub slot: u8,
    /// bSeq.
    pub seq: u8,
    /// The message.
    pub message: HostMessage,
}

fn header(kind: u8, data_len: usize, slot: u8, seq: u8, specific: [u8; 3]) -> Vec<u8> {
    let mut v = Vec::with_capacity(HEADER_LEN + data_len);
    v.push(kind);
    v.extend_from_slice(&u32::try_from(data_len).unwrap_or(u32::MAX).to_le_bytes());
    v.push(slot);
    v.push(seq);
    v.extend_from_slice(&specific);
    v
}

struct Raw<'a> {
    kind: u8,
    slot: u8,
    seq: u8,
    specific: [u8; 3],
    data: &'a [u8],
}

fn split(bytes: &[u8]) -> Result<Raw<'_>, CodecError> {
    let (h, data) = bytes
        .split_first_chunk::<HEADER_LEN>()
        .ok_or(CodecError::ShortHeader { len: bytes.len() })?;
    let [kind, l0, l1, l2, l3, slot, seq, s0, s1, s2] = *h;
    let declared = u32::from_le_bytes([l0, l1, l2, l3]);
    if usize::try_from(declared).ok() != Some(data.len()) {
        return Err(CodecError::LengthMismatch {
            declared,
            actual: data.len(),
        });
    }
    Ok(Raw {
        kind,
        slot,
        seq,
        specific: [s0, s1, s2],
        data,
    })
}

impl HostFrame {
    /// Encodes the message with its 10-byte header.
    pub fn encode(&self) -> Vec<u8> {
        let (slot, seq) = (self.slot, self.seq);
        let (kind, specific, data): (u8, [u8; 3], &[u8]) = match &self.message {
            HostMessage::IccPowerOn { voltage } => {
                (kind::ICC_POWER_ON, [voltage.code(), 0, 0], &[])
            }
            HostMessage::IccPowerOff => (kind::ICC_POWER_OFF, [0; 3], &[]),
            HostMessage::GetSlotStatus => (kind::GET_SLOT_STATUS, [0; 3], &[]),
            HostMessage::XfrBlock { bwi, level, data } => {
                let l = level.to_le_bytes();
                (kind::XFR_BLOCK, [*bwi, l[0], l[1]], data)
            }
            HostMessage::GetParameters => (kind::GET_PARAMETERS, [0; 3], &[]),
            HostMessage::ResetParameters => (kind::RESET_PARAMETERS, [0; 3], &[]),
            HostMessage::SetParameters { protocol, data } => {
                (kind::SET_PARAMETERS, [*protocol, 0, 0], data)
            }
            HostMessage::Escape(data) => (kind::ESCAPE, [0; 3], data),
            HostMessage::Abort => (kind::ABORT, [0; 3], &[]),
        };
        let mut v = header(kind, data.len(), slot, seq, specific);
        v.extend_from_slice(data);
        v
    }

    /// Decodes a PC_to_RDR message (what a reader receives).
    pub fn decode(bytes: &[u8]) -> Result<HostFrame, CodecError> {
        let r = split(bytes)?;
        let [s0, s1, s2] = r.specific;
        let message = match r.kind {
            kind::ICC_POWER_ON => HostMessage::IccPowerOn {
                voltage: Voltage::from_code(s0),
            },
            kind::ICC_POWER_OFF => HostMessage::IccPowerOff,
            kind::GET_SLOT_STATUS => HostMessage::GetSlotStatus,
            kind::XFR_BLOCK => HostMessage::XfrBlock {
                bwi: s0,
                level: u16::from_le_bytes([s1, s2]),
                data: r.data.to_vec(),
            },
            kind::GET_PARAMETERS => HostMessage::GetParameters,
            kind::RESET_PARAMETERS => HostMessage::ResetParameters,
            kind::SET_PARAMETERS => HostMessage::SetParameters {
                protocol: s0,
                data: r.data.to_vec(),
            },
            kind::ESCAPE => HostMessage::Escape(r.data.to_vec()),
            kind::ABORT => HostMessage::Abort,
            kind::DATA_BLOCK
            | kind::SLOT_STATUS
            | kind::PARAMETERS
            | kind::RDR_ESCAPE
            | kind::NOTIFY_SLOT_CHANGE
            | kind::HARDWARE_ERROR => return Err(CodecError::UnexpectedType(r.kind)),
            other => return Err(CodecError::UnknownType(other)),
        };
        Ok(HostFrame {
            slot: r.slot,
            seq: r.seq,
            message,
        })
    }
}

/// An RDR_to_PC bulk-IN message body (CCID §6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReaderMessage {
    /// DataBlock: ATR, response TPDU/APDU or part of one.
    DataBlock {
        /// bChainParameter for extended APDU level: 0 whole, 1 begins (more follows),
        /// 2 ends, 3 continues, 0x10 empty, waiting for the next command part (§6.2.1).
        chain: u8,
        /// abData.
        data: Vec<u8>,
    },
    /// SlotStatus.
    SlotStatus {
        /// bClockStatus: 0 running, 1 stopped L, 2 stopped H, 3 stopped unknown.
        clock: u8,
    },
    /// Parameters: the protocol data structure currently in use (§6.2.3).
    Parameters {
        /// bProtocolNum.
        protocol: u8,
        /// abProtocolDataStructure.
        data: Vec<u8>,
    },
    /// Escape answer.
    Escape(Vec<u8>),
}

/// A whole RDR_to_PC bulk message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderFrame {
    /// bSlot.
    pub slot: u8,
    /// bSeq: copies the bSeq of the command it answers.
    pub seq: u8,
    /// bStatus / bError.
    pub state: SlotState,
    /// The message.
    pub message: ReaderMessage,
}

impl ReaderFrame {
    /// Encodes the message with its header.
    pub fn encode(&self) -> Vec<u8> {
        let st = self.state;
        let (kind, third, data): (u8, u8, &[u8]) = match &self.message {
            ReaderMessage::DataBlock { chain, data } => (kind::DATA_BLOCK, *chain, data),
            ReaderMessage::SlotStatus { clock } => (kind::SLOT_STATUS, *clock, &[]),
            ReaderMessage::Parameters { protocol, data } => (kind::PARAMETERS, *protocol, data),
            ReaderMessage::Escape(data) => (kind::RDR_ESCAPE, 0, data),
        };
        let mut v = header(
            kind,
            data.len(),
            self.slot,
            self.seq,
            [st.status, st.error, third],
        );
        v.extend_from_slice(data);
        v
    }

    /// Decodes an RDR_to_PC bulk message (what the host receives).
    pub fn decode(bytes: &[u8]) -> Result<ReaderFrame, CodecError> {
        let r = split(bytes)?;
        let [status, error, third] = r.specific;
        let message = match r.kind {
            kind::DATA_BLOCK => ReaderMessage::DataBlock {
                chain: third,
                data: r.data.to_vec(),
            },
            kind::SLOT_STATUS => ReaderMessage::SlotStatus { clock: third },
            kind::PARAMETERS => ReaderMessage::Parameters {
                protocol: third,
                data: r.data.to_vec(),
            },
            kind::RDR_ESCAPE => ReaderMessage::Escape(r.data.to_vec()),
            kind::ICC_POWER_ON
            | kind::ICC_POWER_OFF
            | kind::GET_SLOT_STATUS
            | kind::XFR_BLOCK
            | kind::GET_PARAMETERS
            | kind::RESET_PARAMETERS
            | kind::SET_PARAMETERS
            | kind::ESCAPE
            | kind::ABORT
            | kind::NOTIFY_SLOT_CHANGE
            | kind::HARDWARE_ERROR => return Err(CodecError::UnexpectedType(r.kind)),
            other => return Err(CodecError::UnknownType(other)),
        };
        Ok(ReaderFrame {
            slot: r.slot,
            seq: r.seq,
            state: SlotState { status, error },
            message,
        })
    }
}

/// An interrupt-IN message (CCID §6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notification {
    /// RDR_to_PC_NotifySlotChange: bmSlotICCState, two bits per slot, "bit 0 current
    /// state (1 = card present), bit 1 changed since last notification" (§6.3.1).
    SlotChange(Vec<u8>),
    /// RDR_to_PC_HardwareError (§6.3.2).
    HardwareError {
        /// bSlot.
        slot: u8,
        /// bSeq of the message that failed.
        seq: u8,
        /// bHardwareErrorCode (1 = overcurrent).
        code: u8,
    },
}

impl Notification {
    /// Decodes an interrupt message.
    pub fn decode(bytes: &[u8]) -> Result<Notification, CodecError> {
        match bytes {
            [kind::NOTIFY_SLOT_CHANGE, rest @ ..] if !rest.is_empty() => {
                Ok(Notification::SlotChange(rest.to_vec()))
            }
            [kind::HARDWARE_ERROR, slot, seq, code] => Ok(Notification::HardwareError {
                slot: *slot,
                seq: *seq,
                code: *code,
            }),
            [] => Err(CodecError::ShortHeader { len: 0 }),
            [kind::NOTIFY_SLOT_CHANGE] | [kind::HARDWARE_ERROR, ..] => {
                Err(CodecError::ShortHeader { len: bytes.len() })
            }
            [other, ..] => Err(CodecError::UnknownType(*other)),
        }
    }

    /// Encodes the notification.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Notification::SlotChange(bits) => {
                let mut v = Vec::with_capacity(1 + bits.len());
                v.push(kind::NOTIFY_SLOT_CHANGE);
                v.extend_from_slice(bits);
                v
            }
            Notification::HardwareError { slot, seq, code } => {
                alloc::vec![kind::HARDWARE_ERROR, *slot, *seq, *code]
            }
        }
    }

    /// For a SlotChange: (present, changed) of `slot`.
    pub fn slot_state(&self, slot: u8) -> Option<(bool, bool)> {
        match self {
            Notification::SlotChange(bits) => {
                let byte = bits.get(usize::from(slot / 4))?;
                let shift = (slot % 4) * 2;
                Some((byte >> shift & 1 == 1, byte >> shift & 2 == 2))
            }
            Notification::HardwareError { .. } => None,
        }
    }
}

/// The T=1 protocol data structure of SetParameters / Parameters (CCID §6.1.7, Table
/// 6.1-7, bProtocolNum = 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T1Parameters {
    /// bmFindexDindex: "B7-4 FI, B3-0 DI" (TA1 format).
    pub findex_dindex: u8,
    /// bmTCCKST1: 0x10 | bit1 convention (1 inverse) | bit0 checksum (1 CRC).
    pub tcck: u8,
    /// bGuardTimeT1: extra guard time (TC1 format).
    pub guard_time: u8,
    /// bmWaitingIntegersT1: "B7-4 BWI, B3-0 CWI".
    pub waiting_integers: u8,
    /// bClockStop: 0 not allowed.
    pub clock_stop: u8,
    /// bIFSC.
    pub ifsc: u8,
    /// bNadValue.
    pub nad: u8,
}

impl T1Parameters {
    /// The 7 bytes of abProtocolDataStructure.
    pub fn to_bytes(self) -> Vec<u8> {
        alloc::vec![
            self.findex_dindex,
            self.tcck,
            self.guard_time,
            self.waiting_integers,
            self.clock_stop,
            self.ifsc,
            self.nad
        ]
    }

    /// Parses the 7 bytes (more are tolerated and ignored).
    pub fn from_bytes(b: &[u8]) -> Option<T1Parameters> {
        let [
            findex_dindex,
            tcck,
            guard_time,
            waiting_integers,
            clock_stop,
            ifsc,
            nad,
        ] = *b.first_chunk::<7>()?;
        Some(T1Parameters {
            findex_dindex,
            tcck,
            guard_time,
            waiting_integers,
            clock_stop,
            ifsc,
            nad,
        })
    }

    /// Whether CRC (rather than LRC) is selected.
    pub fn crc(self) -> bool {
        self.tcck & 1 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn xfr_block_round_trip() {
        let f = HostFrame {
            slot: 0,
            seq: 7,
            message: HostMessage::XfrBlock {
                bwi: 2,
                level: 0x0010,
                data: vec![0, 0x40, 0],
            },
        };
        let b = f.encode();
        assert_eq!(b, [0x6F, 3, 0, 0, 0, 0, 7, 2, 0x10, 0, 0, 0x40, 0]);
        assert_eq!(HostFrame::decode(&b).unwrap(), f);
    }

    #[test]
    fn data_block_decode_and_status() {
        let b = [0x80, 2, 0, 0, 0, 0, 9, 0x80, 0, 0, 0x90, 0];
        let f = ReaderFrame::decode(&b).unwrap();
        assert_eq!(f.seq, 9);
        assert_eq!(f.state.command(), CommandStatus::TimeExtension);
        assert_eq!(f.encode(), b);
        let failed = SlotState::new(IccStatus::Absent, CommandStatus::Failed, 0xFE);
        assert_eq!(failed.status, 0x42);
        assert_eq!(failed.icc(), IccStatus::Absent);
    }

    #[test]
    fn bad_messages() {
        assert_eq!(
            ReaderFrame::decode(&[0x80, 1, 0, 0]),
            Err(CodecError::ShortHeader { len: 4 })
        );
        assert!(matches!(
            ReaderFrame::decode(&[0x80, 5, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(CodecError::LengthMismatch { .. })
        ));
        assert_eq!(
            ReaderFrame::decode(&[0x6F, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(CodecError::UnexpectedType(0x6F))
        );
    }

    #[test]
    fn notifications() {
        let n = Notification::decode(&[0x50, 0x02]).unwrap();
        assert_eq!(n.slot_state(0), Some((false, true)));
        assert_eq!(n.encode(), [0x50, 0x02]);
        let h = Notification::decode(&[0x51, 0, 3, 1]).unwrap();
        assert_eq!(h.encode(), [0x51, 0, 3, 1]);
    }
}
