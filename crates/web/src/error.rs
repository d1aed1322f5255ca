//! Errors of the browser API: a stable `code` for programs and a plain message for people.

use crate::guidance::{self, Os};
use core::fmt;
use inkan_apdu::TransportError;
use inkan_card::{CardError, PinKind};
use inkan_ccid::{CcidError, PipeError};
use inkan_signer::CmsError;

/// Stable error codes of the JavaScript API besides the card's own
/// ([`CardError::code`]: `pin-wrong`, `pin-blocked`, `pin-last-try-needs-confirmation`,
/// `pin-format`, `reader-removed`, …).
pub mod code {
    /// The browser has no WebUSB (Firefox, Safari) or the page is not a secure context.
    pub const WEBUSB_UNAVAILABLE: &str = "webusb-unavailable";
    /// The person closed the device chooser without picking a reader.
    pub const NO_READER_SELECTED: &str = "no-reader-selected";
    /// The USB device is not a reader inkan can drive.
    pub const READER_UNSUPPORTED: &str = "reader-unsupported";
    /// The reader needs a driver this build does not include (the RC-S380 before
    /// `inkan-pasori` exists).
    pub const READER_DRIVER_MISSING: &str = "reader-driver-missing";
    /// The browser refuses the reader's interface: USB class 0x0B (Smart Card) is a
    /// protected class for normal web pages.
    pub const READER_BLOCKED_BY_BROWSER: &str = "reader-blocked-by-browser";
    /// The operating system (a kernel driver, pcscd, a vendor driver on Windows) holds
    /// the reader.
    pub const READER_CLAIMED_BY_OS: &str = "reader-claimed-by-os";
    /// Opening the device failed for another reason.
    pub const READER_OPEN_FAILED: &str = "reader-open-failed";
    /// The card session is closed (disconnected, or the reader went away).
    pub const NOT_CONNECTED: &str = "not-connected";
    /// Another operation is running on this card; the API runs one at a time.
    pub const BUSY: &str = "busy";
    /// The caller aborted the operation (`AbortSignal`).
    pub const ABORTED: &str = "aborted";
    /// An argument is missing or has the wrong type or value.
    pub const INVALID_ARGUMENT: &str = "invalid-argument";
    /// The face photo could not be decoded.
    pub const PHOTO_DECODE: &str = "photo-decode";
    /// A certificate read from the card could not be parsed.
    pub const CERTIFICATE_PARSE: &str = "certificate-parse";
}

/// An error of the browser API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebError {
    /// A stable kebab-case code.
    pub code: &'static str,
    /// A plain-language message (never holds a PIN or personal data).
    pub message: String,
    /// For PIN errors: which PIN (`sign`, `auth`, `text`, `surface-a`).
    pub pin: Option<&'static str>,
    /// For `pin-wrong`: tries left.
    pub retries_left: Option<u8>,
}

impl WebError {
    /// An error with a code and a message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        WebError {
            code,
            message: message.into(),
            pin: None,
            retries_left: None,
        }
    }

    /// `invalid-argument`.
    pub fn invalid(message: impl Into<String>) -> Self {
        WebError::new(code::INVALID_ARGUMENT, message)
    }

    /// `reader-blocked-by-browser` with guidance for the reader named.
    pub fn blocked_by_browser(reader: &str) -> Self {
        WebError::new(
            code::READER_BLOCKED_BY_BROWSER,
            guidance::blocked_by_browser(reader),
        )
    }

    /// `reader-claimed-by-os` with guidance for `os`.
    pub fn claimed_by_os(reader: &str, os: Os) -> Self {
        WebError::new(
            code::READER_CLAIMED_BY_OS,
            guidance::claimed_by_os(reader, os),
        )
    }
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for WebError {}

fn pin_name(pin: PinKind) -> &'static str {
    pin.name()
}

impl From<CardError> for WebError {
    fn from(e: CardError) -> Self {
        let mut w = WebError::new(e.code(), e.to_string());
        match &e {
            CardError::WrongPin { pin, retries_left } => {
                w.pin = Some(pin_name(*pin));
                w.retries_left = Some(*retries_left);
            }
            CardError::PinBlocked { pin }
            | CardError::LastTryNeedsConfirmation { pin }
            | CardError::PinRequired { pin } => {
                w.pin = Some(pin_name(*pin));
                if matches!(e, CardError::PinBlocked { .. }) {
                    w.retries_left = Some(0);
                } else if matches!(e, CardError::LastTryNeedsConfirmation { .. }) {
                    w.retries_left = Some(1);
                }
            }
            CardError::PinFormat(f) => w.pin = Some(pin_name(f.kind)),
            _ => {}
        }
        w
    }
}

impl From<CmsError> for WebError {
    fn from(e: CmsError) -> Self {
        match e {
            CmsError::Card(c) => c.into(),
            other => WebError::new(other.code(), other.to_string()),
        }
    }
}

impl From<inkan_signer::SessionError> for WebError {
    fn from(e: inkan_signer::SessionError) -> Self {
        match e {
            inkan_signer::SessionError::Card(c) => c.into(),
            inkan_signer::SessionError::Cms(c) => c.into(),
            other => WebError::new(other.code(), other.to_string()),
        }
    }
}

impl From<TransportError> for WebError {
    fn from(e: TransportError) -> Self {
        CardError::Transport(e).into()
    }
}

impl From<CcidError> for WebError {
    fn from(e: CcidError) -> Self {
        match e {
            CcidError::Descriptor(d) => WebError::new(
                code::READER_UNSUPPORTED,
                format!("this USB device is not a smart-card reader inkan can use: {d}"),
            ),
            other => TransportError::from(other).into(),
        }
    }
}

impl From<PipeError> for WebError {
    fn from(e: PipeError) -> Self {
        CcidError::Pipe(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_errors_keep_their_codes_and_pin_details() {
        let e: WebError = CardError::WrongPin {
            pin: PinKind::Sign,
            retries_left: 2,
        }
        .into();
        assert_eq!(e.code, "pin-wrong");
        assert_eq!(e.pin, Some("sign"));
        assert_eq!(e.retries_left, Some(2));
        let e: WebError = CardError::LastTryNeedsConfirmation { pin: PinKind::Auth }.into();
        assert_eq!(e.code, "pin-last-try-needs-confirmation");
        assert_eq!(e.retries_left, Some(1));
        let e: WebError = CardError::PinBlocked { pin: PinKind::Auth }.into();
        assert_eq!(e.code, "pin-blocked");
    }

    #[test]
    fn transport_errors_map_to_reader_codes() {
        let e: WebError = PipeError::Disconnected.into();
        assert_eq!(e.code, "reader-removed");
        let e: WebError = PipeError::Timeout { millis: 5 }.into();
        assert_eq!(e.code, "reader-timeout");
        let e: WebError =
            CcidError::Descriptor(inkan_ccid::DescriptorError::NoCcidInterface).into();
        assert_eq!(e.code, code::READER_UNSUPPORTED);
    }
}
