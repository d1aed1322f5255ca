//! Elementary file identifiers, selected with `00 A4 02 0C 02 <FID>` after the
//! application (ISO/IEC 7816-4 §11.2.2; only P1 = `02` works for these EFs).

/// Files of the JPKI AP ([`crate::aid::JPKI`]).
pub mod jpki {
    /// The signature certificate (DER); reading it needs the signature PIN (`6982` before).
    pub const SIGN_CERT: u16 = 0x0001;
    /// The signature CA certificate.
    pub const SIGN_CA_CERT: u16 = 0x0002;
    /// Token info: the first 32 bytes are a space-padded label ([`crate::token`]).
    pub const TOKEN_INFO: u16 = 0x0006;
    /// Certificate availability, 3 bytes (`8F 8F 00` with both certificates; single source).
    pub const AVAILABILITY: u16 = 0x0008;
    /// The user-authentication certificate.
    pub const AUTH_CERT: u16 = 0x000A;
    /// The user-authentication CA certificate.
    pub const AUTH_CA_CERT: u16 = 0x000B;
    /// The user-authentication private key (COMPUTE DIGITAL SIGNATURE after SELECT).
    pub const AUTH_KEY: u16 = 0x0017;
    /// The user-authentication PIN.
    pub const AUTH_PIN: u16 = 0x0018;
    /// The signature private key.
    pub const SIGN_KEY: u16 = 0x001A;
    /// The signature PIN.
    pub const SIGN_PIN: u16 = 0x001B;
}

/// Files of the card info input support AP ([`crate::aid::CARD_INFO`]).
pub mod card_info {
    /// The My Number: `FF 10 0C` + 12 ASCII digits, then `FF` filler.
    pub const MY_NUMBER: u16 = 0x0001;
    /// The basic 4 info, BER-TLV `FF 20 { DF21 offsets, DF22 name, DF23 address,
    /// DF24 birth date, DF25 sex }`.
    pub const BASIC_INFO: u16 = 0x0002;
    /// The AP's 4-digit PIN.
    pub const PIN: u16 = 0x0011;
    /// 照合番号A (the 12-digit My Number): opens [`MY_NUMBER`] only.
    pub const MATCH_NUMBER_A: u16 = 0x0014;
    /// 照合番号B: opens [`BASIC_INFO`] only.
    pub const MATCH_NUMBER_B: u16 = 0x0015;
}

/// Files of the card surface AP ([`crate::aid::SURFACE`]).
pub mod surface {
    /// The surface data, BER-TLV `FF 20 { …, DF27 face photo (JPEG 2000), … }`.
    pub const DATA: u16 = 0x0002;
    /// 照合番号A (the My Number) reference, which opens [`DATA`].
    pub const MATCH_NUMBER_A: u16 = 0x0013;
}
