//! The My Number Card over any [`inkan_apdu::Transport`].
//!
//! - [`MyNumberCard`]: detection by SELECT of the JPKI AID, token info, the
//!   four JPKI certificates, PIN retry counters, guarded VERIFY, signing with
//!   either key, PIN change, the My Number and basic 4 info, the card surface.
//! - [`SignPin`], [`AuthPin`], [`TextPin`], [`MyNumber`]: validated on
//!   construction, zeroized on drop, redacted in `Debug`.
//! - [`CardError`]: typed errors with a stable [`code`](CardError::code).
//!
//! Signature formats (CMS, and the XML and PDF to come) live in `inkan-signer`, above
//! this crate.
//!
//! The lockout guard (see [`MyNumberCard::verify`]) reads the retry counter
//! before every VERIFY, refuses a blocked PIN, refuses the last try unless
//! the caller passes [`LastTry::Allow`], and never retries.
#![forbid(unsafe_code)]

mod card;
mod data;
mod digest;
mod error;
mod mynumber;
mod pin;

pub use card::{
    CertSlot, KeyKind, KeyPin, MAX_EF_LEN, MyNumberCard, PinStatus, ProgressFn, aid, fid,
};
pub use data::{
    BasicInfo, Sex, Surface, TokenInfo, TokenKind, parse_basic_info, parse_my_number, parse_surface,
};
pub use digest::{DigestInfo, HashAlg};
pub use error::{CardError, DataKind, Operation};
pub use mynumber::{MyNumber, MyNumberError, check_digit};
pub use pin::{AuthPin, LastTry, PinFormatError, PinKind, SignPin, TextPin};
