//! inkan-sim: a software My Number Card, a JPKI-profile test PKI and virtual readers,
//! for inkan's tests.

pub mod card;
pub mod pki;
pub mod readers;
pub mod state;
pub mod vpcd;

pub use card::{
    ApduLogEntry, BlockedStatusAnswer, CardOptions, MissingSignCert, PinId, SimError, SoftCard,
    TokenKind, VerifiedStatusAnswer,
};
pub use state::{InitOptions, SimTransport, init};
