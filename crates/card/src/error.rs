//! The errors of card operations, each with a stable code.

use crate::pin::{PinFormatError, PinKind};
use core::fmt;
use inkan_apdu::{ExchangeError, Status, TransportError};

/// What was being done when the card answered with an error status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// SELECT of an application by DF name.
    SelectApplication,
    /// SELECT of an elementary file.
    SelectFile,
    /// READ BINARY.
    ReadBinary,
    /// VERIFY, or the empty VERIFY that reads the retry counter.
    Verify,
    /// CHANGE REFERENCE DATA.
    ChangePin,
    /// COMPUTE DIGITAL SIGNATURE.
    Sign,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::SelectApplication => "selecting an application",
            Operation::SelectFile => "selecting a file",
            Operation::ReadBinary => "reading a file",
            Operation::Verify => "verifying a PIN",
            Operation::ChangePin => "changing a PIN",
            Operation::Sign => "signing",
        })
    }
}

/// Which data structure was malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataKind {
    /// A certificate EF.
    Certificate,
    /// The token info EF.
    TokenInfo,
    /// The My Number EF.
    MyNumber,
    /// The basic 4 info EF.
    BasicInfo,
    /// The card surface EF.
    Surface,
    /// A signature returned by the card.
    Signature,
}

impl fmt::Display for DataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataKind::Certificate => "certificate",
            DataKind::TokenInfo => "token info",
            DataKind::MyNumber => "My Number",
            DataKind::BasicInfo => "basic 4 info",
            DataKind::Surface => "card surface data",
            DataKind::Signature => "signature",
        })
    }
}

/// An error from a card operation.
///
/// Never carries a PIN or personal data. [`CardError::code`] gives a stable
/// kebab-case code for programs (the CLI's JSON and the browser API).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CardError {
    /// The reader or the link failed.
    Transport(TransportError),
    /// An APDU exchange failed (garbage from the reader, loops).
    Exchange(ExchangeError),
    /// The card has no JPKI application: it is not a My Number Card.
    NotMyNumberCard {
        /// The status word SELECT answered.
        sw: Status,
    },
    /// The card answered an unexpected status word.
    Card {
        /// The status word.
        sw: Status,
        /// What was being done.
        during: Operation,
    },
    /// A PIN was rejected; the card counted a try.
    WrongPin {
        /// Which PIN.
        pin: PinKind,
        /// Tries left after this one.
        retries_left: u8,
    },
    /// The PIN is blocked; no VERIFY was sent (or this VERIFY blocked it).
    PinBlocked {
        /// Which PIN.
        pin: PinKind,
    },
    /// Only one try is left and the caller did not allow using it; no VERIFY was sent.
    LastTryNeedsConfirmation {
        /// Which PIN.
        pin: PinKind,
    },
    /// A PIN did not have the right format; nothing was sent to the card.
    PinFormat(PinFormatError),
    /// The PIN must be verified before this file can be read (`6982`).
    PinRequired {
        /// Which PIN.
        pin: PinKind,
    },
    /// The card carries no signature certificate (a card of a child under 15
    /// or a photo-ID-only card).
    NoSignatureCertificate,
    /// Data read from the card is not what the format says.
    Malformed {
        /// Which structure.
        what: DataKind,
        /// What is wrong, with the byte offset where known.
        detail: String,
    },
}

impl CardError {
    /// A stable code for programs.
    pub fn code(&self) -> &'static str {
        match self {
            CardError::Transport(t) => match t {
                TransportError::NoReader(_) => "reader-not-found",
                TransportError::ReaderRemoved => "reader-removed",
                TransportError::NoCard => "card-absent",
                TransportError::CardRemoved => "card-removed",
                TransportError::CardReset => "card-reset",
                TransportError::Timeout { .. } => "reader-timeout",
                TransportError::Busy(_) => "reader-busy",
                _ => "reader-error",
            },
            CardError::Exchange(ExchangeError::Transport(t)) => {
                CardError::Transport(t.clone()).code()
            }
            CardError::Exchange(_) => "card-protocol",
            CardError::NotMyNumberCard { .. } => "not-my-number-card",
            CardError::Card { .. } => "card-error",
            CardError::WrongPin { .. } => "pin-wrong",
            CardError::PinBlocked { .. } => "pin-blocked",
            CardError::LastTryNeedsConfirmation { .. } => "pin-last-try-needs-confirmation",
            CardError::PinFormat(_) => "pin-format",
            CardError::PinRequired { .. } => "pin-required",
            CardError::NoSignatureCertificate => "no-signature-certificate",
            CardError::Malformed { .. } => "card-data-malformed",
        }
    }
}

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardError::Transport(e) => write!(f, "{e}"),
            CardError::Exchange(e) => write!(f, "{e}"),
            CardError::NotMyNumberCard { sw } => write!(
                f,
                "this card is not a My Number Card: it has no JPKI application (SELECT answered {sw})"
            ),
            CardError::Card { sw, during } => {
                write!(f, "the card answered {sw} while {during}")
            }
            CardError::WrongPin { pin, retries_left } => write!(
                f,
                "wrong {}: {retries_left} {} left before it is blocked",
                pin.describe(),
                if *retries_left == 1 { "try" } else { "tries" }
            ),
            CardError::PinBlocked { pin } => write!(
                f,
                "the {} is blocked; it can only be reset at a municipal office",
                pin.describe()
            ),
            CardError::LastTryNeedsConfirmation { pin } => write!(
                f,
                "only one try is left for the {}; a wrong PIN now would block it. \
                 Confirm explicitly to use the last try",
                pin.describe()
            ),
            CardError::PinFormat(e) => write!(f, "{e}"),
            CardError::PinRequired { pin } => {
                write!(f, "the {} must be entered to read this", pin.describe())
            }
            CardError::NoSignatureCertificate => write!(
                f,
                "this card has no signature certificate (cards of children under 15 and \
                 photo-ID-only cards carry none)"
            ),
            CardError::Malformed { what, detail } => {
                write!(f, "malformed {what} on the card: {detail}")
            }
        }
    }
}

impl std::error::Error for CardError {}

impl From<TransportError> for CardError {
    fn from(e: TransportError) -> Self {
        CardError::Transport(e)
    }
}

impl From<ExchangeError> for CardError {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::Transport(t) => CardError::Transport(t),
            other => CardError::Exchange(other),
        }
    }
}

impl From<PinFormatError> for CardError {
    fn from(e: PinFormatError) -> Self {
        CardError::PinFormat(e)
    }
}
