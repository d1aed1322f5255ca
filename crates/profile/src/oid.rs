//! JPKI object identifiers, dotted (use `ObjectIdentifier::new_unwrap` of the `der`
//! crate, a `const fn`, to get typed values).

/// Certificate policy of the JPKI signature certificate (marked critical).
pub const SIGN_POLICY: &str = "1.2.392.200149.8.5.1.1.20";
/// Certificate policy of the JPKI user-authentication certificate.
pub const AUTH_POLICY: &str = "1.2.392.200149.8.5.1.3.30";

/// subjectAltName otherName of the signature certificate: name (UTF8String).
pub const SAN_NAME: &str = "1.2.392.200149.8.5.5.1";
/// subjectAltName otherName: name substitute-character flags (UTF8String).
pub const SAN_NAME_FLAGS: &str = "1.2.392.200149.8.5.5.2";
/// subjectAltName otherName: sex, `1` male, `2` female, `9` not applicable (UTF8String).
pub const SAN_SEX: &str = "1.2.392.200149.8.5.5.3";
/// subjectAltName otherName: birth date `EYYYYMMDD`, era digit then the Gregorian date
/// (UTF8String).
pub const SAN_BIRTH_DATE: &str = "1.2.392.200149.8.5.5.4";
/// subjectAltName otherName: address (UTF8String).
pub const SAN_ADDRESS: &str = "1.2.392.200149.8.5.5.5";
/// subjectAltName otherName: address substitute-character flags (UTF8String).
pub const SAN_ADDRESS_FLAGS: &str = "1.2.392.200149.8.5.5.6";

#[cfg(test)]
mod tests {
    use der::asn1::ObjectIdentifier;

    #[test]
    fn all_parse() {
        for s in [
            super::SIGN_POLICY,
            super::AUTH_POLICY,
            super::SAN_NAME,
            super::SAN_NAME_FLAGS,
            super::SAN_SEX,
            super::SAN_BIRTH_DATE,
            super::SAN_ADDRESS,
            super::SAN_ADDRESS_FLAGS,
        ] {
            assert!(ObjectIdentifier::new(s).is_ok(), "{s}");
        }
    }
}
