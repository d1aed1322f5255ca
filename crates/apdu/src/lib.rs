//! ISO/IEC 7816-4 application protocol data units for inkan.
//!
//! This crate is `no_std` + `alloc`. It holds:
//!
//! - [`Command`]: command APDUs of the four cases of ISO/IEC 7816-4 §5.1
//!   ("Command-response pairs"), in short and extended length;
//! - [`Response`] and [`Status`]: response APDUs and their status words
//!   (ISO/IEC 7816-4 §5.1.3, "Status bytes"); unknown codes round-trip;
//! - [`tlv`]: a BER-TLV reader (ISO/IEC 7816-4 §5.2, "BER-TLV data objects")
//!   whose errors carry the byte offset;
//! - [`Transport`]: the async trait a reader driver implements (no `Send`
//!   bound, so it works on single-threaded wasm);
//! - [`exchange`]: sending a command with `61xx` GET RESPONSE, `6Cxx` resend
//!   and command chaining (ISO/IEC 7816-4 §5.3.3 and §5.1.1.1);
//! - [`Trace`]: a record of exchanged APDUs that never shows PIN bytes.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod command;
mod exchange;
mod response;
mod status;
pub mod tlv;
mod trace;
mod transport;

pub use command::{Command, CommandCase, CommandError, MAX_EXTENDED_LE, MAX_SHORT_LE};
pub use exchange::{ExchangeError, ExchangeOptions, exchange, exchange_with};
pub use response::{Response, ResponseError};
pub use status::Status;
pub use trace::{Direction, Trace, TraceEntry};
pub use transport::{Transport, TransportError};

/// Formats bytes as upper-case hex without separators, e.g. `00A4040C`.
pub fn hex_upper(bytes: &[u8]) -> alloc::string::String {
    use core::fmt::Write;
    let mut s = alloc::string::String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}
