//! A software My Number Card that processes raw command APDUs.
//!
//! [`SoftCard`] carries the three applications (APs) inkan talks to, selected by DF name
//! (ISO/IEC 7816-4 §11.2.2, SELECT with P1 = `04`):
//!
//! | AP | AID | EFs |
//! |---|---|---|
//! | JPKI AP (公的個人認証AP) | [`JPKI_AID`] | certificates `0001` `0002` `000A` `000B`, token info `0006`, availability `0008`, keys `0017` `001A`, PINs `0018` `001B` |
//! | card info input support AP (券面事項入力補助AP) | [`TEXT_AID`] | My Number `0001`, basic 4 info `0002`, PIN `0011`, 照合番号A `0014`, 照合番号B `0015` |
//! | card surface AP (券面事項確認AP) | [`SURFACE_AID`] | surface entries `0002`, 照合番号B `0012`, 照合番号A `0013` |
//!
//! Commands: SELECT (ISO/IEC 7816-4 §11.2.2), READ BINARY (§11.3.3), VERIFY (§11.5.6),
//! CHANGE REFERENCE DATA (§11.5.7) and the proprietary COMPUTE DIGITAL SIGNATURE
//! `80 2A 00 80` of the JPKI AP. Status words follow ISO/IEC 7816-4 §5.6 (Tables 5 and 6).
//!
//! The card never panics: every input, however malformed, gets a status word.

use std::fmt;

use inkan_apdu::Command;
use inkan_apdu::tlv::{self, TlvReader};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, PrivateKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::pki::PkiError;

/// AID of the JPKI AP (公的個人認証AP).
pub const JPKI_AID: [u8; 10] = inkan_profile::aid::JPKI;
/// AID of the card info input support AP (券面事項入力補助AP).
pub const TEXT_AID: [u8; 10] = inkan_profile::aid::CARD_INFO;
/// AID of the card surface AP (券面事項確認AP).
pub const SURFACE_AID: [u8; 10] = inkan_profile::aid::SURFACE;

/// File identifiers of the EFs this card carries (SELECT with P1 = `02`,
/// ISO/IEC 7816-4 §11.2.2: "select EF under the current DF").
pub mod fid {
    /// JPKI AP: signature certificate (needs the signature PIN).
    pub const JPKI_SIGN_CERT: u16 = inkan_profile::fid::jpki::SIGN_CERT;
    /// JPKI AP: signature CA certificate.
    pub const JPKI_SIGN_CA: u16 = inkan_profile::fid::jpki::SIGN_CA_CERT;
    /// JPKI AP: token info (32-byte space-padded label).
    pub const JPKI_TOKEN_INFO: u16 = inkan_profile::fid::jpki::TOKEN_INFO;
    /// JPKI AP: certificate availability (3 bytes).
    pub const JPKI_AVAILABILITY: u16 = inkan_profile::fid::jpki::AVAILABILITY;
    /// JPKI AP: user-authentication certificate.
    pub const JPKI_AUTH_CERT: u16 = inkan_profile::fid::jpki::AUTH_CERT;
    /// JPKI AP: user-authentication CA certificate.
    pub const JPKI_AUTH_CA: u16 = inkan_profile::fid::jpki::AUTH_CA_CERT;
    /// JPKI AP: user-authentication private key.
    pub const JPKI_AUTH_KEY: u16 = inkan_profile::fid::jpki::AUTH_KEY;
    /// JPKI AP: user-authentication PIN (4 digits, 3 tries).
    pub const JPKI_AUTH_PIN: u16 = inkan_profile::fid::jpki::AUTH_PIN;
    /// JPKI AP: signature private key.
    pub const JPKI_SIGN_KEY: u16 = inkan_profile::fid::jpki::SIGN_KEY;
    /// JPKI AP: signature PIN (6–16 of `A-Z0-9`, 5 tries).
    pub const JPKI_SIGN_PIN: u16 = inkan_profile::fid::jpki::SIGN_PIN;

    /// Card info AP: My Number (`FF 10 0C` + 12 digits + `FF FF`).
    pub const TEXT_MY_NUMBER: u16 = inkan_profile::fid::card_info::MY_NUMBER;
    /// Card info AP: basic 4 info (`FF 20 …`).
    pub const TEXT_BASIC_INFO: u16 = inkan_profile::fid::card_info::BASIC_INFO;
    /// Card info AP: its 4-digit PIN (3 tries), opens `0001` and `0002`.
    pub const TEXT_PIN: u16 = inkan_profile::fid::card_info::PIN;
    /// Card info AP: 照合番号A (the 12-digit My Number), opens `0001` only.
    pub const TEXT_PIN_A: u16 = inkan_profile::fid::card_info::MATCH_NUMBER_A;
    /// Card info AP: 照合番号B (birth YYMMDD + expiry year + security code), opens `0002` only.
    pub const TEXT_PIN_B: u16 = inkan_profile::fid::card_info::MATCH_NUMBER_B;

    /// Surface AP: the surface entries (`FF 20 { DF21 … DF2A }`).
    pub const SURFACE_ENTRIES: u16 = inkan_profile::fid::surface::DATA;
    /// Surface AP: 照合番号B (birth YYMMDD + expiry year + security code).
    ///
    /// Source: the public readers jpki/myna (`src/cli.rs`, PIN status of the visual AP)
    /// and aokiapp's `@aokiapp/mynacard` constants (`KENKAKU_AP_EF.PIN_B`) both use `0012`.
    pub const SURFACE_PIN_B: u16 = 0x0012;
    /// Surface AP: 照合番号A (the 12-digit My Number).
    ///
    /// Source: jpki/myna (`src/visual.rs`, `read_entries` selects `0013` and verifies the
    /// My Number there) and `@aokiapp/mynacard` (`KENKAKU_AP_EF.PIN_A = 0x13`).
    pub const SURFACE_PIN_A: u16 = inkan_profile::fid::surface::MATCH_NUMBER_A;
}

/// Tries of 照合番号A / 照合番号B. Not documented publicly; ten is an assumption.
pub const MATCH_NUMBER_TRIES: u8 = 10;

// -------------------------------------------------------------------------------------------
// Errors
// -------------------------------------------------------------------------------------------

/// Errors of the software card and its directory.
#[derive(Debug)]
#[non_exhaustive]
pub enum SimError {
    /// Reading or writing a file of the card directory failed.
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file of the card directory is not there.
    Missing {
        /// The file.
        path: std::path::PathBuf,
    },
    /// A file of the card directory cannot be understood.
    Corrupt {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `init` was pointed at a directory that already holds a card.
    AlreadyInitialized {
        /// The directory.
        path: std::path::PathBuf,
    },
    /// An option or a personal-data field has a bad value.
    InvalidOption {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Building the test PKI failed.
    Pki(PkiError),
    /// An RSA operation or key encoding failed.
    Crypto(String),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            SimError::Missing { path } => {
                write!(
                    f,
                    "{}: missing (not a software card directory?)",
                    path.display()
                )
            }
            SimError::Corrupt { path, reason } => {
                write!(f, "{}: corrupt: {reason}", path.display())
            }
            SimError::AlreadyInitialized { path } => {
                write!(f, "{}: already holds a software card", path.display())
            }
            SimError::InvalidOption { field, reason } => write!(f, "invalid {field}: {reason}"),
            SimError::Pki(e) => write!(f, "test PKI: {e}"),
            SimError::Crypto(m) => write!(f, "RSA: {m}"),
        }
    }
}

impl std::error::Error for SimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SimError::Io { source, .. } => Some(source),
            SimError::Pki(e) => Some(e),
            _ => None,
        }
    }
}

impl From<PkiError> for SimError {
    fn from(e: PkiError) -> Self {
        SimError::Pki(e)
    }
}

// -------------------------------------------------------------------------------------------
// Options and persistent state
// -------------------------------------------------------------------------------------------

/// Which token label EF `0006` carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A My Number Card: `JPKIAPICCTOKEN2`.
    #[default]
    Card,
    /// An older resident card (住基カード): `JPKIAPICCTOKEN`.
    OlderCard,
    /// A JPKI applet on an Android phone: `JPKIAPGPSETOKEN`.
    Phone,
}

impl TokenKind {
    /// The label at the start of EF `0006`, before the space padding.
    pub fn label(self) -> &'static str {
        match self {
            TokenKind::Card => "JPKIAPICCTOKEN2",
            TokenKind::OlderCard => "JPKIAPICCTOKEN",
            TokenKind::Phone => "JPKIAPGPSETOKEN",
        }
    }
}

/// How EF `0001` of the JPKI AP looks on a card without a signature certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingSignCert {
    /// EFs `0001`, `001A` and `001B` do not exist (`6A82`).
    #[default]
    Absent,
    /// EF `0001` exists with size zero: READ BINARY at offset 0 answers `6B00`.
    Empty,
    /// EF `0001` exists and holds only padding bytes.
    Blank,
}

/// The answer to an empty VERIFY (`00 20 00 80`) once the PIN has been verified. Both have
/// been observed on real cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifiedStatusAnswer {
    /// `63Cx`, the retry counter, as before the VERIFY.
    #[default]
    RetriesLeft,
    /// `9000`.
    Ok,
}

/// The answer to an empty VERIFY of a blocked PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockedStatusAnswer {
    /// `63C0`.
    #[default]
    NoTriesLeft,
    /// `6984`.
    Blocked,
}

/// Behaviour switches of a software card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CardOptions {
    /// Token label in EF `0006`.
    pub token: TokenKind,
    /// Whether the JPKI AP exists (a non-JPKI card answers `6A82` to its SELECT).
    pub jpki: bool,
    /// Layout of EF `0001` when there is no signature certificate.
    pub missing_sign_cert: MissingSignCert,
    /// Answer to an empty VERIFY after a successful VERIFY.
    pub verified_status: VerifiedStatusAnswer,
    /// Answer to an empty VERIFY of a blocked PIN.
    pub blocked_status: BlockedStatusAnswer,
    /// Byte that pads EFs after their data object (`FF` or `00`).
    pub padding: u8,
    /// Whether extended-length APDUs are accepted (otherwise `6700`).
    pub extended_length: bool,
}

impl Default for CardOptions {
    fn default() -> Self {
        CardOptions {
            token: TokenKind::Card,
            jpki: true,
            missing_sign_cert: MissingSignCert::Absent,
            verified_status: VerifiedStatusAnswer::RetriesLeft,
            blocked_status: BlockedStatusAnswer::NoTriesLeft,
            padding: 0xFF,
            extended_length: false,
        }
    }
}

/// The PINs of the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinId {
    /// JPKI signature PIN (EF `001B`): 6–16 of `A-Z0-9`, 5 tries.
    Sign,
    /// JPKI user-authentication PIN (EF `0018`): 4 digits, 3 tries.
    Auth,
    /// Card info AP PIN (EF `0011`): 4 digits, 3 tries.
    Text,
    /// Card info AP 照合番号A (EF `0014`): the My Number.
    TextA,
    /// Card info AP 照合番号B (EF `0015`).
    TextB,
    /// Surface AP 照合番号A (EF `0013`): the My Number.
    SurfaceA,
    /// Surface AP 照合番号B (EF `0012`).
    SurfaceB,
}

impl PinId {
    /// All PINs.
    pub const ALL: [PinId; 7] = [
        PinId::Sign,
        PinId::Auth,
        PinId::Text,
        PinId::TextA,
        PinId::TextB,
        PinId::SurfaceA,
        PinId::SurfaceB,
    ];

    /// Tries of a fresh counter.
    pub fn max_tries(self) -> u8 {
        match self {
            PinId::Sign => 5,
            PinId::Auth | PinId::Text => 3,
            PinId::TextA | PinId::TextB | PinId::SurfaceA | PinId::SurfaceB => MATCH_NUMBER_TRIES,
        }
    }

    /// Whether CHANGE REFERENCE DATA may set a new value.
    pub fn changeable(self) -> bool {
        matches!(self, PinId::Sign | PinId::Auth | PinId::Text)
    }

    /// Whether `value` has this PIN's format, as the card checks a new PIN.
    pub fn format_ok(self, value: &[u8]) -> bool {
        let digits = |n: usize| value.len() == n && value.iter().all(u8::is_ascii_digit);
        match self {
            PinId::Sign => {
                (6..=16).contains(&value.len())
                    && value
                        .iter()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }
            PinId::Auth | PinId::Text => digits(4),
            PinId::TextA | PinId::SurfaceA => digits(12),
            PinId::TextB | PinId::SurfaceB => digits(14),
        }
    }
}

/// One PIN: its value and the tries left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinState {
    /// The value, ASCII.
    pub value: String,
    /// Tries left; 0 means blocked.
    pub remaining: u8,
}

/// Every PIN of the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pins {
    /// JPKI signature PIN.
    pub sign: PinState,
    /// JPKI user-authentication PIN.
    pub auth: PinState,
    /// Card info AP PIN.
    pub text: PinState,
    /// Card info AP 照合番号A.
    pub text_a: PinState,
    /// Card info AP 照合番号B.
    pub text_b: PinState,
    /// Surface AP 照合番号A.
    pub surface_a: PinState,
    /// Surface AP 照合番号B.
    pub surface_b: PinState,
}

impl Pins {
    /// The state of one PIN.
    pub fn get(&self, id: PinId) -> &PinState {
        match id {
            PinId::Sign => &self.sign,
            PinId::Auth => &self.auth,
            PinId::Text => &self.text,
            PinId::TextA => &self.text_a,
            PinId::TextB => &self.text_b,
            PinId::SurfaceA => &self.surface_a,
            PinId::SurfaceB => &self.surface_b,
        }
    }

    fn get_mut(&mut self, id: PinId) -> &mut PinState {
        match id {
            PinId::Sign => &mut self.sign,
            PinId::Auth => &mut self.auth,
            PinId::Text => &mut self.text,
            PinId::TextA => &mut self.text_a,
            PinId::TextB => &mut self.text_b,
            PinId::SurfaceA => &mut self.surface_a,
            PinId::SurfaceB => &mut self.surface_b,
        }
    }
}

/// The holder's data as the card info and surface APs show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Name (UTF-8).
    pub name: String,
    /// Address (UTF-8).
    pub address: String,
    /// Birth date `YYYYMMDD`.
    pub birth_date: String,
    /// Sex: `1` male, `2` female, `9` not applicable.
    pub sex: String,
    /// The 12-digit My Number.
    pub my_number: String,
    /// Card expiry `YYYYMMDD`.
    pub card_expiry: String,
    /// The 4-digit security code printed on the card.
    pub security_code: String,
}

/// Everything of a card that changes or is configured, stored as `state.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardState {
    /// Format version of this file.
    pub format: u32,
    /// Behaviour switches.
    pub options: CardOptions,
    /// The holder.
    pub person: Person,
    /// PINs and counters.
    pub pins: Pins,
}

/// Current format of [`CardState`].
pub const STATE_FORMAT: u32 = 1;

impl CardState {
    /// Checks formats and counters (used when loading a directory).
    pub fn validate(&self) -> Result<(), String> {
        if self.format != STATE_FORMAT {
            return Err(format!("unsupported format {}", self.format));
        }
        for id in PinId::ALL {
            let p = self.pins.get(id);
            if !id.format_ok(p.value.as_bytes()) {
                return Err(format!("PIN {id:?} has a bad format"));
            }
            if p.remaining > id.max_tries() {
                return Err(format!("PIN {id:?} has {} tries left", p.remaining));
            }
        }
        if !my_number_valid(&self.person.my_number) {
            return Err("my_number has a bad check digit".to_owned());
        }
        Ok(())
    }
}

/// Whether `n` is 12 digits with a correct check digit: with the first 11 digits weighted
/// 6,5,4,3,2,7,6,5,4,3,2 from the left, r = sum mod 11; check = 0 when r ≤ 1, else 11 − r.
pub fn my_number_valid(n: &str) -> bool {
    let b = n.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (body, check) = b.split_at(11);
    my_number_check_digit(body).is_some_and(|c| check.first() == Some(&(b'0' + c)))
}

/// The check digit of the first 11 digits of a My Number (`None` if not 11 ASCII digits).
pub fn my_number_check_digit(first11: &[u8]) -> Option<u8> {
    inkan_profile::mynumber::check_digit(first11)
}

/// The card's private keys.
#[derive(Clone)]
pub struct CardKeys {
    /// Signature key (EF `001A`).
    pub sign: PrivateKey,
    /// User-authentication key (EF `0017`).
    pub auth: PrivateKey,
}

impl fmt::Debug for CardKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardKeys { .. }")
    }
}

/// The certificates on the card (DER).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardCerts {
    /// Signature certificate, if the card has one.
    pub sign: Option<Vec<u8>>,
    /// Signature CA certificate.
    pub sign_ca: Vec<u8>,
    /// User-authentication certificate.
    pub auth: Vec<u8>,
    /// User-authentication CA certificate.
    pub auth_ca: Vec<u8>,
}

// -------------------------------------------------------------------------------------------
// The file system
// -------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ap {
    Jpki,
    Text,
    Surface,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyRef {
    Sign,
    Auth,
}

#[derive(Debug, Clone)]
enum EfBody {
    /// A transparent EF; readable when `access` is empty or one of its PINs is verified.
    Binary {
        data: Vec<u8>,
        access: &'static [PinId],
    },
    Pin(PinId),
    Key {
        key: KeyRef,
        pin: PinId,
    },
}

#[derive(Debug, Clone)]
struct Ef {
    fid: u16,
    body: EfBody,
}

#[derive(Debug, Clone)]
struct Application {
    ap: Ap,
    aid: [u8; 10],
    efs: Vec<Ef>,
}

/// One APDU exchange as the card saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApduLogEntry {
    /// The command bytes as received.
    pub command: Vec<u8>,
    /// The response bytes (data, SW1, SW2).
    pub response: Vec<u8>,
}

impl ApduLogEntry {
    /// The status word of the response.
    pub fn sw(&self) -> u16 {
        match self.response.as_slice() {
            [.., a, b] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        }
    }

    /// The INS byte of the command.
    pub fn ins(&self) -> Option<u8> {
        self.command.get(1).copied()
    }
}

struct Reply {
    data: Vec<u8>,
    sw: u16,
}

impl Reply {
    fn sw(sw: u16) -> Self {
        Reply {
            data: Vec::new(),
            sw,
        }
    }

    fn ok(data: Vec<u8>) -> Self {
        Reply { data, sw: SW_OK }
    }

    fn into_bytes(self) -> Vec<u8> {
        let mut out = self.data;
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }
}

// Status words, ISO/IEC 7816-4 §5.6 Tables 5 and 6.
const SW_OK: u16 = 0x9000;
const SW_MEMORY_FAILURE: u16 = 0x6581;
const SW_WRONG_LENGTH: u16 = 0x6700;
const SW_INCOMPATIBLE_FILE: u16 = 0x6981;
const SW_SECURITY: u16 = 0x6982;
const SW_BLOCKED: u16 = 0x6984;
const SW_NOT_ALLOWED: u16 = 0x6986;
const SW_WRONG_DATA: u16 = 0x6A80;
const SW_NOT_FOUND: u16 = 0x6A82;
const SW_WRONG_P1P2: u16 = 0x6A86;
const SW_REF_NOT_FOUND: u16 = 0x6A88;
const SW_WRONG_OFFSET: u16 = 0x6B00;
const SW_INS: u16 = 0x6D00;
const SW_CLA: u16 = 0x6E00;
const SW_UNKNOWN: u16 = 0x6F00;

fn sw_retries(n: u8) -> u16 {
    0x63C0 | u16::from(n.min(15))
}

/// A software My Number Card.
///
/// Feed it command APDUs with [`process`](SoftCard::process); it answers like the card
/// described in FACTS §1–4. Build one in memory with [`SoftCard::generate`], or open a card
/// directory with [`SoftCard::open`](crate::SoftCard::open) (state saved after every change).
pub struct SoftCard {
    state: CardState,
    keys: CardKeys,
    certs: CardCerts,
    apps: Vec<Application>,
    current_ap: Option<Ap>,
    current_ef: Option<u16>,
    verified: Vec<PinId>,
    log: Vec<ApduLogEntry>,
    dirty: bool,
    pub(crate) store: Option<Box<dyn Persist>>,
}

/// Where a card opened from a directory keeps its state and APDU log (`state.rs` says how);
/// an in-memory card has none.
pub(crate) trait Persist: Send + Sync {
    /// Writes `state.json`.
    fn save_state(&self, state: &CardState) -> Result<(), SimError>;
    /// Appends a command and its response to `apdu.log`.
    fn append_log(&self, command: &[u8], response: &[u8]) -> Result<(), SimError>;
    /// Appends a comment line to `apdu.log`.
    fn append_log_line(&self, text: &str) -> Result<(), SimError>;
}

impl fmt::Debug for SoftCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftCard")
            .field("options", &self.state.options)
            .field("current_ap", &self.current_ap)
            .field("current_ef", &self.current_ef)
            .field("verified", &self.verified)
            .field("log_entries", &self.log.len())
            .finish_non_exhaustive()
    }
}

impl SoftCard {
    /// A card from its parts (no directory behind it).
    pub fn from_parts(
        state: CardState,
        keys: CardKeys,
        certs: CardCerts,
    ) -> Result<SoftCard, SimError> {
        state.validate().map_err(|reason| SimError::InvalidOption {
            field: "state",
            reason,
        })?;
        let apps = build_apps(&state, &keys, &certs)?;
        Ok(SoftCard {
            state,
            keys,
            certs,
            apps,
            current_ap: None,
            current_ef: None,
            verified: Vec::new(),
            log: Vec::new(),
            dirty: false,
            store: None,
        })
    }

    /// The persistent state (options, holder, PINs and counters).
    pub fn state(&self) -> &CardState {
        &self.state
    }

    /// The certificates on the card.
    pub fn certs(&self) -> &CardCerts {
        &self.certs
    }

    /// The card's private keys (a test card: handy to cross-check signatures).
    pub fn keys(&self) -> &CardKeys {
        &self.keys
    }

    /// Tries left of a PIN.
    pub fn retries(&self, pin: PinId) -> u8 {
        self.state.pins.get(pin).remaining
    }

    /// Whether a PIN is currently verified (security status, ISO/IEC 7816-4 §5.4).
    pub fn is_verified(&self, pin: PinId) -> bool {
        self.verified.contains(&pin)
    }

    /// Replaces the behaviour switches (rebuilding the files) and saves the state.
    pub fn set_options(&mut self, options: CardOptions) -> Result<(), SimError> {
        let mut state = self.state.clone();
        state.options = options;
        self.apps = build_apps(&state, &self.keys, &self.certs)?;
        self.state = state;
        self.current_ap = None;
        self.current_ef = None;
        self.verified.clear();
        if let Some(store) = &self.store {
            store.save_state(&self.state)?;
        }
        Ok(())
    }

    /// Every APDU processed since the card was made or opened (or the log was cleared).
    pub fn log(&self) -> &[ApduLogEntry] {
        &self.log
    }

    /// Forgets the in-memory APDU log (the `apdu.log` file of a directory stays).
    pub fn clear_log(&mut self) {
        self.log.clear();
    }

    /// Powers the card off: the security status (verified PINs) and the current AP and EF
    /// are lost (ISO/IEC 7816-4 §5.4: security status is reset at card reset).
    pub fn power_off(&mut self) {
        self.current_ap = None;
        self.current_ef = None;
        self.verified.clear();
        if let Some(store) = &self.store {
            let _ = store.append_log_line("# power off");
        }
    }

    /// Processes one command APDU and returns the response APDU (data, SW1, SW2).
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let reply = self.dispatch(apdu);
        let mut response = reply.into_bytes();
        if self.dirty {
            self.dirty = false;
            if let Some(store) = &self.store
                && store.save_state(&self.state).is_err()
            {
                response = SW_MEMORY_FAILURE.to_be_bytes().to_vec();
            }
        }
        if let Some(store) = &self.store {
            let _ = store.append_log(apdu, &response);
        }
        self.log.push(ApduLogEntry {
            command: apdu.to_vec(),
            response: response.clone(),
        });
        response
    }

    fn dispatch(&mut self, apdu: &[u8]) -> Reply {
        let Ok(cmd) = Command::parse(apdu) else {
            return Reply::sw(SW_WRONG_LENGTH);
        };
        let extended = matches!(apdu, [_, _, _, _, 0, _, _, ..]);
        if extended && !self.state.options.extended_length {
            return Reply::sw(SW_WRONG_LENGTH);
        }
        match (cmd.cla, cmd.ins) {
            (0x00, 0xA4) => self.select(&cmd),
            (0x00, 0xB0) => self.read_binary(&cmd),
            (0x00, 0x20) => self.verify(&cmd),
            (0x00, 0x24) => self.change(&cmd),
            (0x80, 0x2A) => self.sign(&cmd),
            (0x00 | 0x80, 0xA4 | 0xB0 | 0x20 | 0x24 | 0x2A) => Reply::sw(SW_CLA),
            (0x00 | 0x80, _) => Reply::sw(SW_INS),
            _ => Reply::sw(SW_CLA),
        }
    }

    fn app(&self, ap: Ap) -> Option<&Application> {
        self.apps.iter().find(|a| a.ap == ap)
    }

    fn current(&self) -> Option<&Ef> {
        let ap = self.current_ap?;
        let fid = self.current_ef?;
        self.app(ap)?.efs.iter().find(|e| e.fid == fid)
    }

    /// SELECT (ISO/IEC 7816-4 §11.2.2): P1 `04` by DF name, P1 `02` EF under the current DF.
    fn select(&mut self, cmd: &Command) -> Reply {
        if !matches!(cmd.p2, 0x0C | 0x00) {
            return Reply::sw(SW_WRONG_P1P2);
        }
        match cmd.p1 {
            0x04 => {
                if cmd.data().is_empty() {
                    return Reply::sw(SW_WRONG_LENGTH);
                }
                let Some(ap) = self
                    .apps
                    .iter()
                    .find(|a| a.aid.as_slice() == cmd.data())
                    .map(|a| a.ap)
                else {
                    return Reply::sw(SW_NOT_FOUND);
                };
                if self.current_ap != Some(ap) {
                    self.verified.clear();
                }
                self.current_ap = Some(ap);
                self.current_ef = None;
                Reply::ok(Vec::new())
            }
            0x02 => {
                let [hi, lo] = cmd.data() else {
                    return Reply::sw(SW_WRONG_LENGTH);
                };
                let fid = u16::from_be_bytes([*hi, *lo]);
                let found = self
                    .current_ap
                    .and_then(|ap| self.app(ap))
                    .is_some_and(|a| a.efs.iter().any(|e| e.fid == fid));
                if !found {
                    return Reply::sw(SW_NOT_FOUND);
                }
                self.current_ef = Some(fid);
                Reply::ok(Vec::new())
            }
            _ => Reply::sw(SW_WRONG_P1P2),
        }
    }

    fn access_ok(&self, access: &[PinId]) -> bool {
        access.is_empty() || access.iter().any(|p| self.verified.contains(p))
    }

    /// READ BINARY (ISO/IEC 7816-4 §11.3.3) with a 15-bit offset in P1-P2 (P1 bit 8 = 0).
    fn read_binary(&mut self, cmd: &Command) -> Reply {
        if cmd.p1 & 0x80 != 0 {
            // Short EF identifier addressing (§11.3.3) is not supported.
            return Reply::sw(SW_WRONG_P1P2);
        }
        let (Some(ne), true) = (cmd.le(), cmd.data().is_empty()) else {
            return Reply::sw(SW_WRONG_LENGTH);
        };
        let Some(ef) = self.current() else {
            return Reply::sw(SW_NOT_ALLOWED);
        };
        let EfBody::Binary { data, access } = &ef.body else {
            return Reply::sw(SW_INCOMPATIBLE_FILE);
        };
        if !self.access_ok(access) {
            return Reply::sw(SW_SECURITY);
        }
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        match data.get(offset..) {
            Some(rest) if !rest.is_empty() => Reply::ok(rest.iter().take(ne).copied().collect()),
            _ => Reply::sw(SW_WRONG_OFFSET),
        }
    }

    fn current_pin(&self) -> Option<PinId> {
        match self.current()?.body {
            EfBody::Pin(p) => Some(p),
            _ => None,
        }
    }

    /// VERIFY (ISO/IEC 7816-4 §11.5.6), P2 `80`: the PIN of the current EF.
    fn verify(&mut self, cmd: &Command) -> Reply {
        if cmd.p1 != 0x00 || cmd.p2 != 0x80 {
            return Reply::sw(SW_WRONG_P1P2);
        }
        if cmd.le().is_some() {
            return Reply::sw(SW_WRONG_LENGTH);
        }
        let Some(pin) = self.current_pin() else {
            return Reply::sw(SW_REF_NOT_FOUND);
        };
        let remaining = self.state.pins.get(pin).remaining;
        let options = &self.state.options;
        if cmd.data().is_empty() {
            // §11.5.6: "If the data field is absent, the command may be used to retrieve
            // the number of further allowed retries ('63CX')".
            return if remaining == 0 {
                match options.blocked_status {
                    BlockedStatusAnswer::NoTriesLeft => Reply::sw(sw_retries(0)),
                    BlockedStatusAnswer::Blocked => Reply::sw(SW_BLOCKED),
                }
            } else if self.verified.contains(&pin)
                && options.verified_status == VerifiedStatusAnswer::Ok
            {
                Reply::sw(SW_OK)
            } else {
                Reply::sw(sw_retries(remaining))
            };
        }
        if remaining == 0 {
            return Reply::sw(SW_BLOCKED);
        }
        let state = self.state.pins.get_mut(pin);
        if state.value.as_bytes() == cmd.data() {
            if state.remaining != pin.max_tries() {
                state.remaining = pin.max_tries();
                self.dirty = true;
            }
            if !self.verified.contains(&pin) {
                self.verified.push(pin);
            }
            Reply::sw(SW_OK)
        } else {
            state.remaining = state.remaining.saturating_sub(1);
            let left = state.remaining;
            self.dirty = true;
            self.verified.retain(|p| *p != pin);
            Reply::sw(sw_retries(left))
        }
    }

    /// CHANGE REFERENCE DATA (ISO/IEC 7816-4 §11.5.7), P1 `01`: new value only, after a
    /// successful VERIFY of the current EF's PIN.
    fn change(&mut self, cmd: &Command) -> Reply {
        if cmd.p1 != 0x01 || cmd.p2 != 0x80 {
            return Reply::sw(SW_WRONG_P1P2);
        }
        if cmd.data().is_empty() || cmd.le().is_some() {
            return Reply::sw(SW_WRONG_LENGTH);
        }
        let Some(pin) = self.current_pin() else {
            return Reply::sw(SW_REF_NOT_FOUND);
        };
        if self.state.pins.get(pin).remaining == 0 {
            return Reply::sw(SW_BLOCKED);
        }
        if !self.verified.contains(&pin) {
            return Reply::sw(SW_SECURITY);
        }
        if !pin.changeable() {
            return Reply::sw(SW_NOT_ALLOWED);
        }
        if !pin.format_ok(cmd.data()) {
            return Reply::sw(SW_WRONG_DATA);
        }
        let Ok(value) = String::from_utf8(cmd.data().to_vec()) else {
            return Reply::sw(SW_WRONG_DATA);
        };
        let state = self.state.pins.get_mut(pin);
        state.value = value;
        state.remaining = pin.max_tries();
        self.dirty = true;
        Reply::sw(SW_OK)
    }

    /// COMPUTE DIGITAL SIGNATURE `80 2A 00 80`: RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) over the
    /// DigestInfo in the data field, with the key of the current EF.
    fn sign(&mut self, cmd: &Command) -> Reply {
        if cmd.p1 != 0x00 || cmd.p2 != 0x80 {
            return Reply::sw(SW_WRONG_P1P2);
        }
        if cmd.data().is_empty() {
            return Reply::sw(SW_WRONG_LENGTH);
        }
        let Some(EfBody::Key { key, pin }) = self.current().map(|e| e.body.clone()) else {
            return Reply::sw(SW_REF_NOT_FOUND);
        };
        if !self.verified.contains(&pin) {
            return Reply::sw(SW_SECURITY);
        }
        if !is_digest_info(cmd.data()) {
            return Reply::sw(SW_WRONG_DATA);
        }
        let key = match key {
            KeyRef::Sign => &self.keys.sign,
            KeyRef::Auth => &self.keys.auth,
        };
        match key.sign(Pkcs1v15Sign::new_unprefixed(), cmd.data()) {
            Ok(sig) => Reply::ok(sig),
            Err(_) => Reply::sw(SW_UNKNOWN),
        }
    }
}

/// Whether `data` is exactly one DER `DigestInfo` (RFC 8017 §9.2):
/// `SEQUENCE { SEQUENCE { OBJECT IDENTIFIER, NULL OPTIONAL }, OCTET STRING (16..=64) }`.
pub fn is_digest_info(data: &[u8]) -> bool {
    let mut outer = TlvReader::new(data);
    let Ok(seq) = outer.expect(0x30) else {
        return false;
    };
    if !outer.remaining().is_empty() {
        return false;
    }
    let mut inner = seq.children();
    let Ok(alg) = inner.expect(0x30) else {
        return false;
    };
    let mut alg_fields = alg.children();
    match alg_fields.expect(0x06) {
        Ok(oid) if !oid.value.is_empty() => {}
        _ => return false,
    }
    if !alg_fields.remaining().is_empty() {
        match alg_fields.expect(0x05) {
            Ok(null) if null.value.is_empty() && alg_fields.remaining().is_empty() => {}
            _ => return false,
        }
    }
    match inner.expect(0x04) {
        Ok(digest) => (16..=64).contains(&digest.value.len()) && inner.remaining().is_empty(),
        Err(_) => false,
    }
}

// -------------------------------------------------------------------------------------------
// File contents
// -------------------------------------------------------------------------------------------

/// `content` followed by `pad` bytes up to `max(min_size, content rounded up to 256)`.
fn padded(content: &[u8], min_size: usize, pad: u8) -> Vec<u8> {
    let size = content
        .len()
        .div_ceil(256)
        .saturating_mul(256)
        .max(min_size);
    let mut out = content.to_vec();
    out.resize(size, pad);
    out
}

/// Offsets (two bytes each, from the start of the `FF20` value) of the data objects that
/// follow a `DF21` object. Synthetic: the real meaning of `DF21` is not public.
fn with_offsets(items: &[(u32, &[u8])]) -> Vec<u8> {
    let mut offsets_len = Vec::new();
    tlv::encode(0xDF21, &vec![0; items.len() * 2], &mut offsets_len);
    let mut pos = offsets_len.len();
    let mut offsets = Vec::with_capacity(items.len() * 2);
    let mut body = Vec::new();
    for (tag, value) in items {
        offsets.extend_from_slice(&u16::try_from(pos).unwrap_or(u16::MAX).to_be_bytes());
        let before = body.len();
        tlv::encode(*tag, value, &mut body);
        pos += body.len() - before;
    }
    let mut inner = Vec::new();
    tlv::encode(0xDF21, &offsets, &mut inner);
    inner.extend_from_slice(&body);
    let mut out = Vec::new();
    tlv::encode(0xFF20, &inner, &mut out);
    out
}

fn build_apps(
    state: &CardState,
    keys: &CardKeys,
    certs: &CardCerts,
) -> Result<Vec<Application>, SimError> {
    let pad = state.options.padding;
    let person = &state.person;
    let mut apps = Vec::new();

    if state.options.jpki {
        let mut efs = Vec::new();
        let binary = |fid, data, access| Ef {
            fid,
            body: EfBody::Binary { data, access },
        };
        const SIGN: &[PinId] = &[PinId::Sign];
        match (&certs.sign, state.options.missing_sign_cert) {
            (Some(cert), _) => efs.push(binary(fid::JPKI_SIGN_CERT, padded(cert, 2048, pad), SIGN)),
            (None, MissingSignCert::Absent) => {}
            (None, MissingSignCert::Empty) => {
                efs.push(binary(fid::JPKI_SIGN_CERT, Vec::new(), SIGN))
            }
            (None, MissingSignCert::Blank) => {
                efs.push(binary(fid::JPKI_SIGN_CERT, vec![pad; 2048], SIGN))
            }
        }
        efs.push(binary(
            fid::JPKI_SIGN_CA,
            padded(&certs.sign_ca, 2048, pad),
            &[],
        ));
        efs.push(binary(
            fid::JPKI_AUTH_CERT,
            padded(&certs.auth, 2048, pad),
            &[],
        ));
        efs.push(binary(
            fid::JPKI_AUTH_CA,
            padded(&certs.auth_ca, 2048, pad),
            &[],
        ));
        let mut token = state.options.token.label().as_bytes().to_vec();
        token.resize(32, b' ');
        efs.push(binary(fid::JPKI_TOKEN_INFO, token, &[]));
        // Availability: 8F per certificate present (single source; the byte for a missing
        // signature certificate is a guess).
        let sign_flag = if certs.sign.is_some() { 0x8F } else { 0x00 };
        efs.push(binary(
            fid::JPKI_AVAILABILITY,
            vec![sign_flag, 0x8F, 0x00],
            &[],
        ));
        efs.push(Ef {
            fid: fid::JPKI_AUTH_KEY,
            body: EfBody::Key {
                key: KeyRef::Auth,
                pin: PinId::Auth,
            },
        });
        efs.push(Ef {
            fid: fid::JPKI_AUTH_PIN,
            body: EfBody::Pin(PinId::Auth),
        });
        let sign_present =
            certs.sign.is_some() || state.options.missing_sign_cert != MissingSignCert::Absent;
        if sign_present {
            efs.push(Ef {
                fid: fid::JPKI_SIGN_KEY,
                body: EfBody::Key {
                    key: KeyRef::Sign,
                    pin: PinId::Sign,
                },
            });
            efs.push(Ef {
                fid: fid::JPKI_SIGN_PIN,
                body: EfBody::Pin(PinId::Sign),
            });
        }
        apps.push(Application {
            ap: Ap::Jpki,
            aid: JPKI_AID,
            efs,
        });
    }

    // Card info input support AP.
    let mut my_number = vec![0xFF, 0x10, 0x0C];
    my_number.extend_from_slice(person.my_number.as_bytes());
    my_number.extend_from_slice(&[0xFF, 0xFF]);
    let basic4 = with_offsets(&[
        (0xDF22, person.name.as_bytes()),
        (0xDF23, person.address.as_bytes()),
        (0xDF24, person.birth_date.as_bytes()),
        (0xDF25, person.sex.as_bytes()),
    ]);
    apps.push(Application {
        ap: Ap::Text,
        aid: TEXT_AID,
        efs: vec![
            Ef {
                fid: fid::TEXT_MY_NUMBER,
                body: EfBody::Binary {
                    data: my_number,
                    access: &[PinId::Text, PinId::TextA],
                },
            },
            Ef {
                fid: fid::TEXT_BASIC_INFO,
                body: EfBody::Binary {
                    data: padded(&basic4, 512, pad),
                    access: &[PinId::Text, PinId::TextB],
                },
            },
            Ef {
                fid: fid::TEXT_PIN,
                body: EfBody::Pin(PinId::Text),
            },
            Ef {
                fid: fid::TEXT_PIN_A,
                body: EfBody::Pin(PinId::TextA),
            },
            Ef {
                fid: fid::TEXT_PIN_B,
                body: EfBody::Pin(PinId::TextB),
            },
        ],
    });

    // Card surface AP.
    let entries = surface_entries(person, keys)?;
    apps.push(Application {
        ap: Ap::Surface,
        aid: SURFACE_AID,
        efs: vec![
            Ef {
                fid: fid::SURFACE_ENTRIES,
                body: EfBody::Binary {
                    data: padded(&entries, 1024, pad),
                    access: &[PinId::SurfaceA, PinId::SurfaceB],
                },
            },
            Ef {
                fid: fid::SURFACE_PIN_B,
                body: EfBody::Pin(PinId::SurfaceB),
            },
            Ef {
                fid: fid::SURFACE_PIN_A,
                body: EfBody::Pin(PinId::SurfaceA),
            },
        ],
    });
    Ok(apps)
}

/// The surface AP's EF `0002`: `FF 20 { DF21 offsets, DF22 birth, DF23 sex, DF24 public key,
/// DF25 name PNG, DF26 address PNG, DF27 face photo (JPEG 2000), DF28 signature, DF29 expiry,
/// DF2A security-code PNG }`.
///
/// Synthetic parts: `DF24` is the card's user-authentication public key (PKCS#1
/// `RSAPublicKey`) and `DF28` an RSASSA-PKCS1-v1_5 SHA-256 signature with that key over the
/// encoded `DF22`–`DF27` objects; the images are small generated pictures.
fn surface_entries(person: &Person, keys: &CardKeys) -> Result<Vec<u8>, SimError> {
    let public = keys
        .auth
        .to_public_key()
        .to_pkcs1_der()
        .map_err(|e| SimError::Crypto(e.to_string()))?;
    let name_png = images::text_png(&person.name);
    let address_png = images::text_png(&person.address);
    let face = images::face_j2k();
    let code_png = images::text_png(&person.security_code);
    let signed_items: [(u32, &[u8]); 6] = [
        (0xDF22, person.birth_date.as_bytes()),
        (0xDF23, person.sex.as_bytes()),
        (0xDF24, public.as_bytes()),
        (0xDF25, &name_png),
        (0xDF26, &address_png),
        (0xDF27, &face),
    ];
    let mut signed = Vec::new();
    for (tag, value) in signed_items {
        tlv::encode(tag, value, &mut signed);
    }
    let digest = Sha256::digest(&signed);
    let signature = keys
        .auth
        .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
        .map_err(|e| SimError::Crypto(e.to_string()))?;
    let mut items: Vec<(u32, &[u8])> = signed_items.to_vec();
    items.push((0xDF28, &signature));
    items.push((0xDF29, person.card_expiry.as_bytes()));
    items.push((0xDF2A, &code_png));
    Ok(with_offsets(&items))
}

/// Small generated images for the surface AP.
mod images {
    use sha2::{Digest, Sha256};

    /// CRC-32 (ISO 3309, as PNG uses it).
    fn crc32(parts: &[&[u8]]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for part in parts {
            for &b in *part {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    let mask = (crc & 1).wrapping_neg();
                    crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
                }
            }
        }
        !crc
    }

    fn adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &d in data {
            a = (a + u32::from(d)) % 65_521;
            b = (b + a) % 65_521;
        }
        (b << 16) | a
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
    }

    /// A valid 8-bit greyscale PNG (ISO/IEC 15948) whose pixels come from `pixel(x, y)`,
    /// compressed with stored (uncompressed) deflate blocks (RFC 1951 §3.2.4).
    pub(super) fn gray_png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> u8) -> Vec<u8> {
        let mut raw = Vec::new();
        for y in 0..height {
            raw.push(0); // filter type None
            for x in 0..width {
                raw.push(pixel(x, y));
            }
        }
        let mut zlib = vec![0x78, 0x01];
        let mut blocks = raw.chunks(65_535).peekable();
        if blocks.peek().is_none() {
            zlib.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF]);
        }
        while let Some(block) = blocks.next() {
            zlib.push(u8::from(blocks.peek().is_none()));
            let len = u16::try_from(block.len()).unwrap_or(0);
            zlib.extend_from_slice(&len.to_le_bytes());
            zlib.extend_from_slice(&(!len).to_le_bytes());
            zlib.extend_from_slice(block);
        }
        zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale, deflate, no interlace
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &zlib);
        chunk(&mut png, b"IEND", &[]);
        png
    }

    /// A 64×16 PNG whose stripes are derived from `text` (stands for the card's printed text).
    pub(super) fn text_png(text: &str) -> Vec<u8> {
        let digest = Sha256::digest(text.as_bytes());
        gray_png(64, 16, |x, _y| {
            let bit = digest
                .get(usize::try_from(x / 8).unwrap_or(0))
                .map_or(0, |b| (b >> (x % 8)) & 1);
            if bit == 1 { 0x20 } else { 0xE0 }
        })
    }

    /// A minimal valid JPEG 2000 codestream (ITU-T T.800 Annex A): an 8×8 single-component
    /// 8-bit image, one tile, no wavelet decomposition, one quality layer, whose only packet
    /// is empty (so it decodes to a uniform mid-grey).
    pub(super) fn face_j2k() -> Vec<u8> {
        let mut j = vec![0xFF, 0x4F]; // SOC
        // SIZ (A.5.1): Lsiz 41, Rsiz 0, 8×8 image and tile at 0,0, one component,
        // Ssiz 7 (8-bit unsigned), no subsampling.
        j.extend_from_slice(&[0xFF, 0x51, 0x00, 41, 0x00, 0x00]);
        for v in [8u32, 8, 0, 0, 8, 8, 0, 0] {
            j.extend_from_slice(&v.to_be_bytes());
        }
        j.extend_from_slice(&[0x00, 0x01, 0x07, 0x01, 0x01]);
        // COD (A.6.1): Lcod 12, Scod 0, LRCP, 1 layer, no MCT, 0 decompositions,
        // 64×64 code-blocks, style 0, 5-3 reversible.
        j.extend_from_slice(&[
            0xFF, 0x52, 0x00, 12, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x04, 0x04, 0x00, 0x01,
        ]);
        // QCD (A.6.4): Lqcd 4, no quantization with 2 guard bits, LL exponent 8.
        j.extend_from_slice(&[0xFF, 0x5C, 0x00, 0x04, 0x40, 0x40]);
        // SOT (A.4.2): Lsot 10, tile 0, Psot = 12 + 2 + 1, part 0 of 1; SOD; one empty packet.
        j.extend_from_slice(&[
            0xFF, 0x90, 0x00, 10, 0x00, 0x00, 0x00, 0x00, 0x00, 15, 0x00, 0x01,
        ]);
        j.extend_from_slice(&[0xFF, 0x93, 0x00]);
        j.extend_from_slice(&[0xFF, 0xD9]); // EOC
        j
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn crc_of_iend() {
            assert_eq!(super::crc32(&[b"IEND"]), 0xAE42_6082);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit() {
        assert!(my_number_valid("123456789018"));
        assert!(!my_number_valid("123456789012"));
        assert!(!my_number_valid("12345678901"));
        assert!(!my_number_valid("12345678901a"));
        // r ≤ 1 → 0
        assert_eq!(my_number_check_digit(b"00000000000"), Some(0));
    }

    #[test]
    fn digest_info() {
        let mut di = hex::decode("3031300d060960864801650304020105000420").unwrap();
        di.extend_from_slice(&[0xAB; 32]);
        assert!(is_digest_info(&di));
        let mut no_null = hex::decode("302f300b0609608648016503040201").unwrap();
        no_null.extend_from_slice(&[0x04, 0x20]);
        no_null.extend_from_slice(&[0xAB; 32]);
        assert!(is_digest_info(&no_null));
        assert!(!is_digest_info(&[0xAB; 32]));
        assert!(!is_digest_info(&di[..di.len() - 1]));
        let mut trailing = di.clone();
        trailing.push(0);
        assert!(!is_digest_info(&trailing));
    }

    #[test]
    fn offsets_point_at_items() {
        let f = with_offsets(&[(0xDF22, b"abc"), (0xDF23, &[0x41; 200])]);
        let t = TlvReader::new(&f).expect(0xFF20).unwrap();
        let mut c = t.children();
        let offs = c.expect(0xDF21).unwrap().value.to_vec();
        let o1 = usize::from(u16::from_be_bytes([offs[0], offs[1]]));
        let o2 = usize::from(u16::from_be_bytes([offs[2], offs[3]]));
        assert_eq!(&t.value[o1..o1 + 2], &[0xDF, 0x22]);
        assert_eq!(&t.value[o2..o2 + 2], &[0xDF, 0x23]);
    }
}
