//! The My Number (個人番号): 12 digits, the 12th a check digit.
//!
//! With the first 11 digits weighted 6,5,4,3,2,7,6,5,4,3,2 from the left,
//! r = (Σ digit × weight) mod 11; the check digit is 0 when r ≤ 1, else 11 − r
//! (行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 §8,
//! as summarised in FACTS §4).

/// Number of digits.
pub const LEN: usize = 12;

/// The check digit of the first 11 digits; `None` unless `first11` is 11 ASCII digits.
pub fn check_digit(first11: &[u8]) -> Option<u8> {
    const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    if first11.len() != LEN - 1 || !first11.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first11
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let r = sum % 11;
    Some(if r <= 1 { 0 } else { (11 - r) as u8 })
}

/// Whether `digits` is 12 ASCII digits whose last digit checks the first eleven.
pub fn is_valid(digits: &[u8]) -> bool {
    match digits.split_last() {
        Some((&last, first)) if digits.len() == LEN && last.is_ascii_digit() => {
            check_digit(first) == Some(last - b'0')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        // 12345678901: 1·6+2·5+3·4+4·3+5·2+6·7+7·6+8·5+9·4+0·3+1·2 = 212; 212 mod 11 = 3 → 8.
        assert_eq!(check_digit(b"12345678901"), Some(8));
        assert!(is_valid(b"123456789018"));
        assert!(!is_valid(b"123456789011"));
        // r ≤ 1 gives 0: 00000000000 → r = 0.
        assert_eq!(check_digit(b"00000000000"), Some(0));
        assert!(!is_valid(b"12345678901"));
        assert!(!is_valid(b"12345678901a"));
        assert_eq!(check_digit(b"1234567890"), None);
    }
}
