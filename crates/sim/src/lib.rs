//! inkan-sim: a software My Number Card, a JPKI-profile test PKI and virtual readers,
//! for inkan's tests.

pub mod card;
mod dir;
pub mod life;
pub mod pki_http;
/// The test PKI of the software card (moved to `inkan-testpki`).
pub use inkan_testpki::jpki as pki;
pub mod readers;
pub mod state;
pub mod vpcd;

pub use card::{
    ApduLogEntry, BlockedStatusAnswer, CardOptions, MissingSignCert, PinId, SimError, SoftCard,
    TokenKind, VerifiedStatusAnswer,
};
pub use state::{InitOptions, SimTransport, init};
