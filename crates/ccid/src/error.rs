//! The driver's error type.

use crate::atr::AtrError;
use crate::descriptor::DescriptorError;
use crate::message::{CodecError, IccStatus, slot_error};
use crate::t1::T1Error;
use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;
use inkan_apdu::TransportError;
use inkan_usb::PipeError;

/// What can go wrong in the CCID driver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CcidError {
    /// A USB transfer failed.
    Pipe(PipeError),
    /// The configuration descriptor has no usable CCID interface.
    Descriptor(DescriptorError),
    /// A reply could not be decoded.
    Codec(CodecError),
    /// The card's ATR is malformed.
    Atr(AtrError),
    /// The reader reported a failed command (bmCommandStatus = 1, CCID §6.2.6).
    Slot {
        /// The command that failed (message type).
        during: u8,
        /// bmICCStatus.
        icc: IccStatus,
        /// bError.
        error: u8,
    },
    /// No card in the slot.
    NoCard,
    /// The card was removed during the session.
    CardRemoved,
    /// The T=1 exchange failed.
    T1(T1Error),
    /// The reader or card lacks something this driver needs.
    Unsupported(String),
    /// The reply is not what the command calls for.
    UnexpectedReply(String),
    /// More replies with a stale bSeq, or more time extensions, than allowed.
    TooManyReplies,
    /// The APDU did not finish within its deadline.
    Deadline {
        /// The deadline, in milliseconds.
        millis: u64,
    },
}

impl fmt::Display for CcidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CcidError::Pipe(e) => write!(f, "{e}"),
            CcidError::Descriptor(e) => write!(f, "{e}"),
            CcidError::Codec(e) => write!(f, "{e}"),
            CcidError::Atr(e) => write!(f, "{e}"),
            CcidError::Slot { during, icc, error } => write!(
                f,
                "reader reports failure of command {during:#04X}: bError {error:#04X} ({}), card {icc:?}",
                slot_error_name(*error)
            ),
            CcidError::NoCard => write!(f, "no card in the reader"),
            CcidError::CardRemoved => write!(f, "the card was removed"),
            CcidError::T1(e) => write!(f, "{e}"),
            CcidError::Unsupported(m) => write!(f, "unsupported: {m}"),
            CcidError::UnexpectedReply(m) => write!(f, "unexpected reader reply: {m}"),
            CcidError::TooManyReplies => {
                write!(
                    f,
                    "too many stale or time-extension replies from the reader"
                )
            }
            CcidError::Deadline { millis } => write!(f, "no answer within {millis} ms"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CcidError {}

/// The name of a bError code (CCID §6.2.6, Table 6.2-2).
pub fn slot_error_name(code: u8) -> &'static str {
    match code {
        slot_error::CMD_ABORTED => "CMD_ABORTED",
        slot_error::ICC_MUTE => "ICC_MUTE",
        slot_error::XFR_PARITY_ERROR => "XFR_PARITY_ERROR",
        slot_error::XFR_OVERRUN => "XFR_OVERRUN",
        slot_error::HW_ERROR => "HW_ERROR",
        slot_error::BAD_ATR_TS => "BAD_ATR_TS",
        slot_error::BAD_ATR_TCK => "BAD_ATR_TCK",
        slot_error::ICC_PROTOCOL_NOT_SUPPORTED => "ICC_PROTOCOL_NOT_SUPPORTED",
        slot_error::ICC_CLASS_NOT_SUPPORTED => "ICC_CLASS_NOT_SUPPORTED",
        slot_error::PROCEDURE_BYTE_CONFLICT => "PROCEDURE_BYTE_CONFLICT",
        slot_error::DEACTIVATED_PROTOCOL => "DEACTIVATED_PROTOCOL",
        slot_error::BUSY_WITH_AUTO_SEQUENCE => "BUSY_WITH_AUTO_SEQUENCE",
        slot_error::CMD_SLOT_BUSY => "CMD_SLOT_BUSY",
        slot_error::CMD_NOT_SUPPORTED => "command not supported",
        0x01..=0x7F => "bad parameter",
        _ => "RFU",
    }
}

impl From<PipeError> for CcidError {
    fn from(e: PipeError) -> Self {
        CcidError::Pipe(e)
    }
}

impl From<CcidError> for TransportError {
    fn from(e: CcidError) -> Self {
        match e {
            CcidError::Pipe(PipeError::Disconnected) => TransportError::ReaderRemoved,
            CcidError::Pipe(PipeError::Timeout { millis }) => TransportError::Timeout {
                millis: u64::from(millis),
            },
            CcidError::Pipe(other) => TransportError::Io(other.to_string()),
            CcidError::NoCard => TransportError::NoCard,
            CcidError::CardRemoved => TransportError::CardRemoved,
            CcidError::Deadline { millis } => TransportError::Timeout { millis },
            CcidError::Slot {
                icc: IccStatus::Absent,
                ..
            } => TransportError::CardRemoved,
            CcidError::Slot {
                error: slot_error::CMD_SLOT_BUSY,
                ..
            } => TransportError::Busy("slot busy".to_string()),
            other => TransportError::Protocol(format!("{other}")),
        }
    }
}
