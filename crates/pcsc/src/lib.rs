//! A native [`Transport`] over the system PC/SC service: pcsc-lite's `pcscd` on
//! Linux and the BSDs, WinSCard on Windows, CryptoTokenKit on macOS.
//!
//! - [`list_readers`] lists the readers and what is in them (empty, a My Number Card,
//!   another card, in use by another program). The wanted card is recognised by the
//!   probe command the caller gives ([`PcscOptions::probe`]; for the My Number Card a
//!   SELECT of the JPKI AP), never by its ATR: this crate knows no card.
//! - [`PcscTransport::open`] picks a reader ([`ReaderChoice`]: the first one holding a My
//!   Number Card, a name substring, or an index) and holds the card with
//!   `SCARD_SHARE_EXCLUSIVE` for the whole session, so no other program can use a PIN
//!   verified in it.
//! - [`Transport::power_off`] disconnects with `SCARD_UNPOWER_CARD`: no verified PIN
//!   outlives the session. Dropping the transport does the same.
//! - Reader and card removal come back as typed [`TransportError`]s. When another program
//!   resets the card (`SCARD_W_RESET_CARD`) the transport reconnects and reports
//!   [`TransportError::CardReset`] once, so callers know verified PINs are gone.
//!
//! PC/SC calls have no timeout of their own, so every call runs on a worker thread and
//! the caller waits at most [`PcscOptions::timeout`]; after a timeout the transport
//! refuses further work (the card's state is unknown).
//!
//! The crate is native only: on `wasm32` it is empty.
#![cfg(not(target_arch = "wasm32"))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod choice;
mod error;
mod worker;

pub use choice::{ReaderChoice, candidates};
pub use error::{Phase, map_error};
pub use inkan_apdu::{Transport, TransportError};
pub use worker::{CardPresence, PcscOptions, PcscTransport, ReaderInfo, list_readers};

/// Whether a response APDU ends in `90 00`.
pub fn is_success(response: &[u8]) -> bool {
    response.ends_with(&[0x90, 0x00])
}
