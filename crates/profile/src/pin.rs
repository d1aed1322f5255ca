//! PIN rules of the card's applications.
//!
//! - Signature PIN (JPKI EF `001B`): 6 to 16 characters of `A-Z0-9`, 5 tries; sent
//!   upper-cased.
//! - User-authentication PIN (JPKI EF `0018`), card info input support PIN (EF `0011`):
//!   4 digits, 3 tries.
//!
//! VERIFY is `00 20 00 80 Lc <ASCII PIN>`; without data it reports the tries left as
//! `63 Cx` (ISO/IEC 7816-4 §11.5.6) and consumes none.

use core::ops::RangeInclusive;

/// Allowed length of the signature PIN.
pub const SIGN_LEN: RangeInclusive<usize> = 6..=16;
/// Length of the 4-digit PINs (user authentication, card info input support).
pub const DIGITS_LEN: usize = 4;
/// Tries of a fresh signature PIN.
pub const SIGN_TRIES: u8 = 5;
/// Tries of a fresh user-authentication PIN.
pub const AUTH_TRIES: u8 = 3;
/// Tries of a fresh card info input support PIN.
pub const TEXT_TRIES: u8 = 3;

/// A character the signature PIN may hold once upper-cased: `A-Z` or `0-9`.
pub fn is_sign_char(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

/// Whether `pin` (already upper-cased) is a signature PIN.
pub fn is_sign_pin(pin: &[u8]) -> bool {
    SIGN_LEN.contains(&pin.len()) && pin.iter().all(|&c| is_sign_char(c))
}

/// Whether `pin` is a 4-digit PIN.
pub fn is_digits_pin(pin: &[u8]) -> bool {
    pin.len() == DIGITS_LEN && pin.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(is_sign_pin(b"ABC123"));
        assert!(is_sign_pin(b"A234567890123456"));
        assert!(!is_sign_pin(b"ABC12"));
        assert!(!is_sign_pin(b"A2345678901234567"));
        assert!(!is_sign_pin(b"abc123"));
        assert!(!is_sign_pin(b"ABC-12"));
        assert!(is_digits_pin(b"1234"));
        assert!(!is_digits_pin(b"123"));
        assert!(!is_digits_pin(b"12a4"));
    }
}
