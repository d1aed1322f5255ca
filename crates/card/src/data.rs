//! The data structures read from the card, parsed.

use crate::error::{CardError, DataKind};
use crate::mynumber::MyNumber;
use inkan_apdu::tlv::{Tlv, TlvReader};
use zeroize::Zeroizing;

/// What kind of JPKI token this is, from the token info label (FACTS §2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenKind {
    /// `JPKIAPICCTOKEN2`: a My Number Card.
    MyNumberCard,
    /// `JPKIAPICCTOKEN`: an older resident card (住基カード).
    OlderCard,
    /// `JPKIAPGPSETOKEN`: a phone (the JPKI function of a smartphone).
    Phone,
    /// Another label.
    Unknown,
}

impl TokenKind {
    /// A stable name (`my-number-card`, `older-card`, `phone`, `unknown`).
    pub fn name(&self) -> &'static str {
        match self {
            TokenKind::MyNumberCard => "my-number-card",
            TokenKind::OlderCard => "older-card",
            TokenKind::Phone => "phone",
            TokenKind::Unknown => "unknown",
        }
    }
}

/// The token info EF, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The label with its padding removed.
    pub label: String,
    /// What the label says the token is.
    pub kind: TokenKind,
}

impl TokenInfo {
    /// Parses the first 32 bytes: a label padded with spaces (or `00`/`FF`).
    pub fn from_label(bytes: &[u8]) -> Self {
        let raw = bytes.get(..32).unwrap_or(bytes);
        let text: String = raw
            .iter()
            .take_while(|b| **b != 0 && **b != 0xFF)
            .map(|b| {
                if b.is_ascii_graphic() || *b == b' ' {
                    char::from(*b)
                } else {
                    '?'
                }
            })
            .collect();
        let label = text.trim_end().to_owned();
        let kind = match label.as_str() {
            "JPKIAPICCTOKEN2" => TokenKind::MyNumberCard,
            "JPKIAPICCTOKEN" => TokenKind::OlderCard,
            "JPKIAPGPSETOKEN" => TokenKind::Phone,
            _ => TokenKind::Unknown,
        };
        TokenInfo { label, kind }
    }
}

/// Sex as the card encodes it (ISO/IEC 5218 codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sex {
    /// `1`.
    Male,
    /// `2`.
    Female,
    /// `9`: not applicable.
    NotApplicable,
    /// `0`: not known.
    NotKnown,
}

impl Sex {
    /// Parses the one-character code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "1" => Some(Sex::Male),
            "2" => Some(Sex::Female),
            "9" => Some(Sex::NotApplicable),
            "0" => Some(Sex::NotKnown),
            _ => None,
        }
    }

    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "1",
            Sex::Female => "2",
            Sex::NotApplicable => "9",
            Sex::NotKnown => "0",
        }
    }

    /// A stable English name.
    pub fn name(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::NotApplicable => "not-applicable",
            Sex::NotKnown => "not-known",
        }
    }
}

/// The basic 4 info (基本4情報) of the card info input support AP.
/// Personal data: zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicInfo {
    /// Name (UTF-8).
    pub name: Zeroizing<String>,
    /// Address (UTF-8).
    pub address: Zeroizing<String>,
    /// Birth date, `YYYYMMDD`.
    pub birth_date: Zeroizing<String>,
    /// Sex.
    pub sex: Sex,
}

impl core::fmt::Debug for BasicInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "BasicInfo(<redacted>)")
    }
}

/// The card surface data (券面事項確認AP EF `0002`).
#[derive(Clone, PartialEq, Eq)]
pub struct Surface {
    /// Birth date as stored (DF22).
    pub birth_date: Zeroizing<String>,
    /// Sex (DF23).
    pub sex: Option<Sex>,
    /// The surface signing public key, as stored (DF24).
    pub public_key: Vec<u8>,
    /// Image of the name (DF25, PNG).
    pub name_image: Zeroizing<Vec<u8>>,
    /// Image of the address (DF26, PNG).
    pub address_image: Zeroizing<Vec<u8>>,
    /// Face photo (DF27, JPEG 2000).
    pub photo: Zeroizing<Vec<u8>>,
    /// Signature over the surface data (DF28).
    pub signature: Vec<u8>,
    /// Card expiry as stored (DF29).
    pub expiry: String,
    /// Image of the security code (DF2A, PNG).
    pub security_code_image: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for Surface {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Surface")
            .field("photo_len", &self.photo.len())
            .field("expiry", &self.expiry)
            .finish_non_exhaustive()
    }
}

fn malformed(what: DataKind, detail: impl Into<String>) -> CardError {
    CardError::Malformed {
        what,
        detail: detail.into(),
    }
}

fn utf8(what: DataKind, t: &Tlv<'_>) -> Result<Zeroizing<String>, CardError> {
    core::str::from_utf8(t.value)
        .map(|s| Zeroizing::new(s.to_owned()))
        .map_err(|e| {
            malformed(
                what,
                format!(
                    "tag {:X} at byte {} is not UTF-8 (byte {})",
                    t.tag,
                    t.offset,
                    t.value_offset + e.valid_up_to()
                ),
            )
        })
}

/// Parses EF `0001` of the card info AP: `FF10 0C` + 12 ASCII digits, with
/// the check digit validated (FACTS §4).
pub fn parse_my_number(raw: &[u8]) -> Result<MyNumber, CardError> {
    let what = DataKind::MyNumber;
    let t = TlvReader::new(raw)
        .expect(0xFF10)
        .map_err(|e| malformed(what, e.to_string()))?;
    let s = core::str::from_utf8(t.value).map_err(|_| malformed(what, "not ASCII digits"))?;
    MyNumber::new(s).map_err(|e| malformed(what, e.to_string()))
}

/// Parses EF `0002` of the card info AP: `FF20 { DF21 offsets, DF22 name,
/// DF23 address, DF24 birth date, DF25 sex }` (FACTS §4), as real BER.
pub fn parse_basic_info(raw: &[u8]) -> Result<BasicInfo, CardError> {
    let what = DataKind::BasicInfo;
    let m = |e: inkan_apdu::tlv::TlvError| malformed(what, e.to_string());
    let outer = TlvReader::new(raw).expect(0xFF20).map_err(m)?;
    let get = |tag: u32| outer.children().find(tag).map_err(m);
    let name = utf8(what, &get(0xDF22)?)?;
    let address = utf8(what, &get(0xDF23)?)?;
    let birth = utf8(what, &get(0xDF24)?)?;
    let sex_t = get(0xDF25)?;
    let sex_s = utf8(what, &sex_t)?;
    let sex = Sex::from_code(&sex_s).ok_or_else(|| {
        malformed(
            what,
            format!("unknown sex code at byte {}", sex_t.value_offset),
        )
    })?;
    Ok(BasicInfo {
        name,
        address,
        birth_date: birth,
        sex,
    })
}

/// Parses EF `0002` of the card surface AP: `FF20 { DF21 … DF2A }` (FACTS §4).
pub fn parse_surface(raw: &[u8]) -> Result<Surface, CardError> {
    let what = DataKind::Surface;
    let m = |e: inkan_apdu::tlv::TlvError| malformed(what, e.to_string());
    let outer = TlvReader::new(raw).expect(0xFF20).map_err(m)?;
    let get = |tag: u32| outer.children().find(tag).map_err(m);
    let bytes = |tag: u32| get(tag).map(|t| Zeroizing::new(t.value.to_vec()));
    let sex_text = utf8(what, &get(0xDF23)?)?;
    Ok(Surface {
        birth_date: utf8(what, &get(0xDF22)?)?,
        sex: Sex::from_code(&sex_text),
        public_key: get(0xDF24)?.value.to_vec(),
        name_image: bytes(0xDF25)?,
        address_image: bytes(0xDF26)?,
        photo: bytes(0xDF27)?,
        signature: get(0xDF28)?.value.to_vec(),
        expiry: utf8(what, &get(0xDF29)?)?.to_string(),
        security_code_image: bytes(0xDF2A)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkan_apdu::tlv::encode;

    #[test]
    fn token_labels() {
        let mut l = b"JPKIAPICCTOKEN2".to_vec();
        l.resize(32, b' ');
        assert_eq!(TokenInfo::from_label(&l).kind, TokenKind::MyNumberCard);
        let mut l = b"JPKIAPICCTOKEN".to_vec();
        l.resize(32, b' ');
        assert_eq!(TokenInfo::from_label(&l).kind, TokenKind::OlderCard);
        assert_eq!(
            TokenInfo::from_label(b"JPKIAPGPSETOKEN\0\0").kind,
            TokenKind::Phone
        );
        assert_eq!(TokenInfo::from_label(&[0xFF; 32]).kind, TokenKind::Unknown);
    }

    #[test]
    fn basic_info_long_form() {
        let addr = "東京都千代田区霞が関二丁目一番二号".repeat(4);
        let mut inner = Vec::new();
        encode(0xDF21, &[0; 10], &mut inner);
        encode(0xDF22, "デジタル 花子".as_bytes(), &mut inner);
        encode(0xDF23, addr.as_bytes(), &mut inner);
        encode(0xDF24, b"19900101", &mut inner);
        encode(0xDF25, b"2", &mut inner);
        let mut f = Vec::new();
        encode(0xFF20, &inner, &mut f);
        f.extend_from_slice(&[0xFF; 20]);
        assert_eq!(f[2], 0x82);
        let b = parse_basic_info(&f).unwrap();
        assert_eq!(b.address.as_str(), addr);
        assert_eq!(b.sex, Sex::Female);
        // Truncated: the error carries an offset.
        let e = parse_basic_info(&f[..40]).unwrap_err();
        assert!(e.to_string().contains("byte"), "{e}");
        // Bad sex code.
        let mut inner2 = inner.clone();
        let n = inner2.len();
        inner2[n - 1] = b'7';
        let mut f2 = Vec::new();
        encode(0xFF20, &inner2, &mut f2);
        assert!(parse_basic_info(&f2).is_err());
    }

    #[test]
    fn my_number_file() {
        let mut f = vec![0xFF, 0x10, 0x0C];
        f.extend_from_slice(b"123456789018");
        f.extend_from_slice(&[0xFF, 0xFF]);
        assert_eq!(parse_my_number(&f).unwrap().as_str(), "123456789018");
        f[14] = b'2';
        assert_eq!(
            parse_my_number(&f).unwrap_err().code(),
            "card-data-malformed"
        );
    }
}
