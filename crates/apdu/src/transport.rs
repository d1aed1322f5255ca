//! The async transport a reader driver implements.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// What can go wrong below the APDU layer: the reader, the USB link, the
/// card's presence, the driver's protocol engine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// No reader is connected, or the one named does not exist.
    NoReader(String),
    /// The reader was unplugged or disconnected while in use.
    ReaderRemoved,
    /// No card is in the reader (or in the field).
    NoCard,
    /// The card was removed (or left the field) during the exchange.
    CardRemoved,
    /// The card was reset by someone else; verified PINs are gone.
    CardReset,
    /// The reader or card did not answer within the time allowed.
    Timeout {
        /// The time allowed, in milliseconds.
        millis: u64,
    },
    /// The reader sent something the driver cannot make sense of.
    Protocol(String),
    /// The reader is held by another program.
    Busy(String),
    /// An operating-system or browser error.
    Io(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::NoReader(what) => write!(f, "no reader: {what}"),
            TransportError::ReaderRemoved => write!(f, "the reader was disconnected"),
            TransportError::NoCard => write!(f, "no card in the reader"),
            TransportError::CardRemoved => write!(f, "the card was removed"),
            TransportError::CardReset => write!(f, "the card was reset by another program"),
            TransportError::Timeout { millis } => {
                write!(f, "no answer from the reader within {millis} ms")
            }
            TransportError::Protocol(m) => write!(f, "reader protocol error: {m}"),
            TransportError::Busy(m) => write!(f, "the reader is in use: {m}"),
            TransportError::Io(m) => write!(f, "reader I/O error: {m}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TransportError {}

/// Moves APDUs to a card and back. Implemented by reader drivers (CCID,
/// Port-100, PC/SC) and by the software card.
///
/// Backends only move bytes: chaining, `61xx` and `6Cxx` are handled above
/// them by [`exchange`](crate::exchange). The futures carry no `Send` bound
/// so that single-threaded WebAssembly backends can implement the trait.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends one encoded command APDU and returns the whole response APDU
    /// (data followed by SW1-SW2).
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Whether extended-length APDUs may be sent (ISO/IEC 7816-4 §5.1).
    /// Defaults to `false`: the My Number Card is only known to take short APDUs.
    fn supports_extended(&self) -> bool {
        false
    }

    /// Powers the card down (or resets it) so that no verified PIN lingers.
    /// Transports that cannot do this return `Ok(())`.
    async fn power_off(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command).await
    }

    fn supports_extended(&self) -> bool {
        (**self).supports_extended()
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        (**self).power_off().await
    }
}
