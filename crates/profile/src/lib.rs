//! # inkan-profile
//!
//! The facts of the My Number Card and of JPKI that more than one crate needs, written
//! once: application identifiers, file identifiers, PIN rules, the token labels, the
//! My Number check digit, the JPKI object identifiers and the CRL reason codes of
//! RFC 5280 §5.3.1. No behaviour beyond the check digit and the PIN character rules:
//! the card client (`inkan-card`), the software card (`inkan-sim`), the test PKI and the
//! verifier each implement their side on their own, from these constants.
//!
//! `no_std`, no dependencies.

#![no_std]
#![forbid(unsafe_code)]

pub mod aid;
pub mod fid;
pub mod mynumber;
pub mod oid;
pub mod pin;
pub mod reason;
pub mod token;
pub mod xmldsig;

pub use reason::RevocationReason;
