//! The CLI's errors: a stable code, a message and an exit code.

use inkan_card::CardError;
use serde_json::{Map, Value, json};

/// Exit codes. Stable: scripts depend on them (documented in the README).
pub mod exit {
    /// Success (for `verify`: the signature is valid).
    pub const OK: i32 = 0;
    /// An unexpected internal error.
    pub const INTERNAL: i32 = 1;
    /// Bad command-line usage (clap's own code).
    pub const USAGE: i32 = 2;
    /// Reader or transport problem: no reader, unplugged, no card, timeout.
    pub const READER: i32 = 3;
    /// The card answered with an error or malformed data, or is not a My Number Card.
    pub const CARD: i32 = 4;
    /// Wrong PIN (a try was used).
    pub const PIN_WRONG: i32 = 5;
    /// The PIN is blocked.
    pub const PIN_BLOCKED: i32 = 6;
    /// One try left and `--allow-last-try` was not given; nothing was sent.
    pub const PIN_LAST_TRY: i32 = 7;
    /// The PIN has the wrong format, or none was given; nothing was sent.
    pub const PIN_FORMAT: i32 = 8;
    /// A local file could not be read or written.
    pub const IO: i32 = 9;
    /// Verification ran and the answer is "not valid".
    #[allow(dead_code)] // used by the `verify` commands
    pub const INVALID: i32 = 10;
    /// `crl fetch`: at least one CRL source could not be refreshed (the last good CRL
    /// stays in use).
    pub const CRL_FETCH: i32 = 11;
    /// `sim event`: the software card cannot take the event as it is (lost, void, …).
    pub const SIM_EVENT: i32 = 12;
}

/// An error as the CLI reports it.
#[derive(Debug)]
pub struct CliError {
    /// Stable kebab-case code.
    pub code: &'static str,
    /// Human message (never a PIN).
    pub message: String,
    /// Process exit code.
    pub exit: i32,
    /// Extra JSON fields (e.g. `retries_left`).
    pub extra: Map<String, Value>,
}

impl CliError {
    /// A new error.
    pub fn new(code: &'static str, exit: i32, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
            exit,
            extra: Map::new(),
        }
    }

    /// Adds a JSON field.
    pub fn with(mut self, key: &str, v: Value) -> Self {
        self.extra.insert(key.to_owned(), v);
        self
    }

    /// A file error.
    pub fn io(what: &str, path: &std::path::Path, e: &std::io::Error) -> Self {
        CliError::new("io", exit::IO, format!("{what} {}: {e}", path.display()))
    }

    /// The JSON error object.
    pub fn to_json(&self) -> Value {
        let mut err = Map::new();
        err.insert("code".into(), json!(self.code));
        err.insert("message".into(), json!(self.message));
        for (k, v) in &self.extra {
            err.insert(k.clone(), v.clone());
        }
        json!({ "ok": false, "error": Value::Object(err) })
    }
}

impl From<CardError> for CliError {
    fn from(e: CardError) -> Self {
        let code = e.code();
        let exit = match &e {
            CardError::Transport(_) => exit::READER,
            CardError::Exchange(_) => exit::CARD,
            CardError::WrongPin { .. } => exit::PIN_WRONG,
            CardError::PinBlocked { .. } => exit::PIN_BLOCKED,
            CardError::LastTryNeedsConfirmation { .. } => exit::PIN_LAST_TRY,
            CardError::PinFormat(_) => exit::PIN_FORMAT,
            _ if code.starts_with("reader-") || code.starts_with("card-absent") => exit::READER,
            _ => exit::CARD,
        };
        let mut out = CliError::new(code, exit, e.to_string());
        match &e {
            CardError::WrongPin { pin, retries_left } => {
                out = out
                    .with("pin", json!(pin.name()))
                    .with("retries_left", json!(retries_left));
            }
            CardError::PinBlocked { pin }
            | CardError::LastTryNeedsConfirmation { pin }
            | CardError::PinRequired { pin } => {
                out = out.with("pin", json!(pin.name()));
            }
            CardError::PinFormat(f) => {
                out = out.with("pin", json!(f.kind.name()));
            }
            CardError::Card { sw, .. } | CardError::NotMyNumberCard { sw } => {
                out = out.with("sw", json!(format!("{:04X}", u16::from(*sw))));
            }
            _ => {}
        }
        if let CardError::LastTryNeedsConfirmation { .. } = e {
            out.message.push_str(" (pass --allow-last-try)");
        }
        out
    }
}
