//! The token label: the first 32 bytes of the JPKI token info EF
//! ([`crate::fid::jpki::TOKEN_INFO`]), space-padded ASCII.

/// A My Number Card.
pub const MY_NUMBER_CARD: &str = "JPKIAPICCTOKEN2";
/// An older resident registry card (住基カード).
pub const OLDER_CARD: &str = "JPKIAPICCTOKEN";
/// The JPKI function of an Android phone (secure element, answers over NFC like a card).
pub const PHONE: &str = "JPKIAPGPSETOKEN";
/// Length of the label field.
pub const LABEL_LEN: usize = 32;
