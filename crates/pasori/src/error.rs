//! The driver's error type.

use crate::frame::FrameError;
use crate::isodep::IsoDepError;
use crate::port100::{CommStatus, ReplyError};
use crate::typeb::TypeBError;
use alloc::string::ToString;
use core::fmt;
use inkan_apdu::TransportError;
use inkan_usb::PipeError;

/// What can go wrong in the RC-S380 driver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasoriError {
    /// A USB transfer failed.
    Pipe(PipeError),
    /// Bytes from the reader are not a Port-100 frame.
    Frame(FrameError),
    /// A reply does not fit its command.
    Reply(ReplyError),
    /// The reader answered with the error frame.
    ErrorFrame {
        /// The command code.
        command: u8,
    },
    /// The reader did not acknowledge a command (NACK or something else instead of ACK).
    NotAcknowledged {
        /// The command code.
        command: u8,
    },
    /// A Port-100 command returned a non-zero status byte.
    Status {
        /// The command code.
        command: u8,
        /// The status byte (1 parameter, 2 PB, 3 RFCA, 4 temperature, 5 password,
        /// 6 receive, 7 command type error — nfcpy's table).
        status: u8,
    },
    /// An RF exchange failed in a way the protocol does not recover from.
    Comm(CommStatus),
    /// No Type B card answered the polling.
    NoCard,
    /// The card left the field during the session.
    CardRemoved,
    /// The RF field went off: the card lost power and every verified PIN with it.
    FieldLost,
    /// An activation frame is malformed, or the card lacks ISO/IEC 14443-4.
    TypeB(TypeBError),
    /// The ISO-DEP exchange failed.
    IsoDep(IsoDepError),
    /// The APDU did not finish within its deadline.
    Deadline {
        /// The deadline, ms.
        millis: u64,
    },
}

impl fmt::Display for PasoriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasoriError::Pipe(e) => write!(f, "{e}"),
            PasoriError::Frame(e) => write!(f, "{e}"),
            PasoriError::Reply(e) => write!(f, "{e}"),
            PasoriError::ErrorFrame { command } => {
                write!(
                    f,
                    "the RC-S380 rejected command {command:#04X} (error frame)"
                )
            }
            PasoriError::NotAcknowledged { command } => {
                write!(f, "the RC-S380 did not acknowledge command {command:#04X}")
            }
            PasoriError::Status { command, status } => write!(
                f,
                "RC-S380 command {command:#04X} failed with status {status:#04X}"
            ),
            PasoriError::Comm(s) => write!(f, "RF communication error {s}"),
            PasoriError::NoCard => write!(f, "no ISO/IEC 14443 Type B card on the reader"),
            PasoriError::CardRemoved => write!(f, "the card left the reader's field"),
            PasoriError::FieldLost => write!(f, "the reader's RF field went off"),
            PasoriError::TypeB(e) => write!(f, "{e}"),
            PasoriError::IsoDep(e) => write!(f, "{e}"),
            PasoriError::Deadline { millis } => write!(f, "no answer within {millis} ms"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PasoriError {}

impl From<PipeError> for PasoriError {
    fn from(e: PipeError) -> Self {
        PasoriError::Pipe(e)
    }
}

impl From<FrameError> for PasoriError {
    fn from(e: FrameError) -> Self {
        PasoriError::Frame(e)
    }
}

impl From<ReplyError> for PasoriError {
    fn from(e: ReplyError) -> Self {
        PasoriError::Reply(e)
    }
}

impl From<PasoriError> for TransportError {
    fn from(e: PasoriError) -> Self {
        match e {
            PasoriError::Pipe(PipeError::Disconnected) => TransportError::ReaderRemoved,
            PasoriError::Pipe(PipeError::Timeout { millis }) => TransportError::Timeout {
                millis: u64::from(millis),
            },
            PasoriError::Pipe(e) => TransportError::Io(e.to_string()),
            PasoriError::NoCard => TransportError::NoCard,
            PasoriError::CardRemoved => TransportError::CardRemoved,
            PasoriError::FieldLost => TransportError::CardReset,
            PasoriError::Deadline { millis } => TransportError::Timeout { millis },
            other => TransportError::Protocol(other.to_string()),
        }
    }
}
