//! The My Number (個人番号): 12 digits, the last a check digit.

use core::fmt;
use zeroize::Zeroizing;

/// Why a string is not a My Number. It never contains the digits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MyNumberError {
    /// Not exactly 12 ASCII digits.
    Format,
    /// The 12th digit does not match the first eleven.
    CheckDigit,
}

impl fmt::Display for MyNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MyNumberError::Format => write!(f, "a My Number is exactly 12 digits"),
            MyNumberError::CheckDigit => write!(f, "the My Number's check digit does not match"),
        }
    }
}

impl std::error::Error for MyNumberError {}

/// A My Number whose check digit has been verified. Zeroized on drop and
/// redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct MyNumber(Zeroizing<String>);

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MyNumber(<redacted>)")
    }
}

/// The check digit of the first 11 digits (FACTS §4): weights 6,5,4,3,2,7,6,5,4,3,2
/// from the left, r = Σ digit × weight mod 11, check = 0 when r ≤ 1, else 11 − r.
/// Returns `None` unless `first11` is 11 ASCII digits.
pub fn check_digit(first11: &[u8]) -> Option<u8> {
    inkan_profile::mynumber::check_digit(first11)
}

impl MyNumber {
    /// Parses 12 ASCII digits and checks the check digit.
    pub fn new(s: &str) -> Result<Self, MyNumberError> {
        let b = s.as_bytes();
        let (first, last) = match b.split_last() {
            Some((last, first)) if b.len() == 12 && b.iter().all(u8::is_ascii_digit) => {
                (first, *last)
            }
            _ => return Err(MyNumberError::Format),
        };
        match check_digit(first) {
            Some(c) if c == last - b'0' => Ok(MyNumber(Zeroizing::new(s.to_owned()))),
            _ => Err(MyNumberError::CheckDigit),
        }
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits shown as `**** **** 1234`, for screens.
    pub fn masked(&self) -> String {
        let tail = self.0.get(8..).unwrap_or_default();
        format!("**** **** {tail}")
    }
}

impl core::str::FromStr for MyNumber {
    type Err = MyNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MyNumber::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        // 12345678901 → Σ = 1·6+2·5+3·4+4·3+5·2+6·7+7·6+8·5+9·4+0·3+1·2 = 212,
        // 212 mod 11 = 3, check = 8.
        assert_eq!(check_digit(b"12345678901"), Some(8));
        assert!(MyNumber::new("123456789018").is_ok());
        assert_eq!(
            MyNumber::new("123456789012"),
            Err(MyNumberError::CheckDigit)
        );
        assert_eq!(MyNumber::new("12345678901"), Err(MyNumberError::Format));
        assert_eq!(MyNumber::new("12345678901a"), Err(MyNumberError::Format));
        // r ≤ 1 gives 0: 00000000000 → 0.
        assert!(MyNumber::new("000000000000").is_ok());
        assert_eq!(
            MyNumber::new("123456789018").unwrap().masked(),
            "**** **** 9018"
        );
    }
}
