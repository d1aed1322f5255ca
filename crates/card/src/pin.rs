//! PINs as types that check their format when made and zeroize when dropped.
//!
//! FACTS §2–4: the signature PIN is 6 to 16 characters of `A-Z0-9` (sent
//! upper-cased); the user-authentication PIN and the card info input support
//! PIN are exactly 4 digits. A PIN that fails these checks never reaches the
//! card, so a typo cannot cost a try.

use core::fmt;
use zeroize::Zeroizing;

/// Which PIN (or PIN-like reference) a value or a counter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PinKind {
    /// The signature PIN (署名用パスワード), JPKI AP EF `001B`, 5 tries.
    Sign,
    /// The user-authentication PIN (利用者証明用暗証番号), JPKI AP EF `0018`, 3 tries.
    Auth,
    /// The card info input support PIN (券面事項入力補助用暗証番号), EF `0011`, 3 tries.
    Text,
    /// 照合番号A of the card surface AP: the 12-digit My Number, EF `0013`.
    SurfaceA,
}

impl PinKind {
    /// A stable lower-case name (`sign`, `auth`, `text`, `surface-a`).
    pub fn name(self) -> &'static str {
        match self {
            PinKind::Sign => "sign",
            PinKind::Auth => "auth",
            PinKind::Text => "text",
            PinKind::SurfaceA => "surface-a",
        }
    }

    /// A human description.
    pub fn describe(self) -> &'static str {
        match self {
            PinKind::Sign => "signature PIN (6-16 letters A-Z and digits)",
            PinKind::Auth => "user-authentication PIN (4 digits)",
            PinKind::Text => "card info input support PIN (4 digits)",
            PinKind::SurfaceA => "My Number (12 digits) for the card surface",
        }
    }

    /// The number of tries a fresh card allows (FACTS §2, §4).
    pub fn max_tries(self) -> Option<u8> {
        match self {
            PinKind::Sign => Some(5),
            PinKind::Auth | PinKind::Text => Some(3),
            PinKind::SurfaceA => None,
        }
    }
}

impl fmt::Display for PinKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Why a string is not a valid PIN. It never contains the PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinFormatError {
    /// Which PIN was being made.
    pub kind: PinKind,
    /// What rule it broke, without the PIN itself.
    pub rule: &'static str,
}

impl fmt::Display for PinFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a valid {}: {}", self.kind.describe(), self.rule)
    }
}

impl std::error::Error for PinFormatError {}

fn four_digits(kind: PinKind, s: &str) -> Result<Zeroizing<Vec<u8>>, PinFormatError> {
    if s.len() != 4 {
        return Err(PinFormatError {
            kind,
            rule: "must be exactly 4 digits",
        });
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinFormatError {
            kind,
            rule: "must contain only the digits 0-9",
        });
    }
    Ok(Zeroizing::new(s.as_bytes().to_vec()))
}

macro_rules! pin_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<Vec<u8>>);

        impl $name {
            /// The bytes sent to the card in VERIFY.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// Which PIN this is.
            pub fn kind(&self) -> PinKind {
                $kind
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl core::str::FromStr for $name {
            type Err = PinFormatError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }
    };
}

pin_type!(
    /// The signature PIN: 6 to 16 of `A-Z0-9`; lower-case letters are
    /// upper-cased as the card expects (FACTS §3: "The signature PIN is sent
    /// upper-cased").
    SignPin,
    PinKind::Sign
);
pin_type!(
    /// The user-authentication PIN: exactly 4 digits.
    AuthPin,
    PinKind::Auth
);
pin_type!(
    /// The card info input support PIN: exactly 4 digits.
    TextPin,
    PinKind::Text
);

impl SignPin {
    /// Checks the format and upper-cases.
    pub fn new(s: &str) -> Result<Self, PinFormatError> {
        let kind = PinKind::Sign;
        let n = s.chars().count();
        if !(6..=16).contains(&n) {
            return Err(PinFormatError {
                kind,
                rule: "must be 6 to 16 characters long",
            });
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PinFormatError {
                kind,
                rule: "must contain only letters A-Z and digits 0-9",
            });
        }
        Ok(SignPin(Zeroizing::new(s.to_ascii_uppercase().into_bytes())))
    }
}

impl AuthPin {
    /// Checks the format.
    pub fn new(s: &str) -> Result<Self, PinFormatError> {
        four_digits(PinKind::Auth, s).map(AuthPin)
    }
}

impl TextPin {
    /// Checks the format.
    pub fn new(s: &str) -> Result<Self, PinFormatError> {
        four_digits(PinKind::Text, s).map(TextPin)
    }
}

/// Whether the caller allows the guarded VERIFY to use the last remaining try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LastTry {
    /// Refuse to send VERIFY when only one try is left (the default).
    #[default]
    Refuse,
    /// The user confirmed: use the last try.
    Allow,
}

impl LastTry {
    /// `Allow` when `allow` is true.
    pub fn from_flag(allow: bool) -> Self {
        if allow {
            LastTry::Allow
        } else {
            LastTry::Refuse
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_pin_rules() {
        assert_eq!(SignPin::new("abc123").unwrap().as_bytes(), b"ABC123");
        assert!(SignPin::new("ABC12").is_err());
        assert!(SignPin::new("ABCDEFGHIJ1234567").is_err());
        assert!(SignPin::new("ABC-123").is_err());
        assert!(SignPin::new("ＡBC123").is_err());
        let e = SignPin::new("secret!").unwrap_err();
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn four_digit_rules() {
        assert!(AuthPin::new("0123").is_ok());
        assert!(AuthPin::new("123").is_err());
        assert!(AuthPin::new("12345").is_err());
        assert!(TextPin::new("12a4").is_err());
        assert!(TextPin::new("１２３４").is_err());
        assert_eq!(
            format!("{:?}", AuthPin::new("9876").unwrap()),
            "AuthPin(<redacted>)"
        );
    }
}
