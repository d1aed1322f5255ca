//! DF names (AIDs) of the card's applications, selected with
//! `00 A4 04 0C 0A <AID>` (ISO/IEC 7816-4 §11.2.2, SELECT by DF name).
//!
//! Detect a My Number Card by a successful SELECT of [`JPKI`], never by its ATR: the ATR
//! depends on the card and the reader.

/// JPKI AP (公的個人認証AP): the two certificates and keys.
pub const JPKI: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
/// Card info input support AP (券面事項入力補助AP): the My Number and the basic 4 info.
pub const CARD_INFO: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
/// Card surface AP (券面事項確認AP): the face photo and the images of the card's face.
pub const SURFACE: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];

/// The complete SELECT command of the JPKI AP, `00 A4 04 0C 0A <JPKI>` (no answer data
/// asked: P2 = `0C`), for a transport that probes readers for a My Number Card.
pub const SELECT_JPKI: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];

#[cfg(test)]
mod tests {
    #[test]
    fn select_carries_the_jpki_aid() {
        assert_eq!(super::SELECT_JPKI.get(5..), Some(&super::JPKI[..]));
        assert_eq!(super::SELECT_JPKI.get(4), Some(&10));
    }
}
