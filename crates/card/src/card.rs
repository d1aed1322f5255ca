//! The My Number Card client: applications, files, PIN guard, signing.

use crate::data::{
    BasicInfo, Surface, TokenInfo, parse_basic_info, parse_my_number, parse_surface,
};
use crate::digest::DigestInfo;
use crate::error::{CardError, DataKind, Operation};
use crate::mynumber::MyNumber;
use crate::pin::{AuthPin, LastTry, PinKind, SignPin, TextPin};
use inkan_apdu::tlv;
use inkan_apdu::{Command, ExchangeOptions, Response, Status, Trace, Transport, exchange_with};

/// DF names (AIDs) of the card's applications (FACTS §1).
pub mod aid {
    /// JPKI AP (公的個人認証AP).
    pub const JPKI: [u8; 10] = inkan_profile::aid::JPKI;
    /// Card info input support AP (券面事項入力補助AP).
    pub const CARD_INFO: [u8; 10] = inkan_profile::aid::CARD_INFO;
    /// Card surface AP (券面事項確認AP).
    pub const SURFACE: [u8; 10] = inkan_profile::aid::SURFACE;
}

/// File identifiers (FACTS §2, §4).
pub mod fid {
    /// JPKI: signature certificate (needs the signature PIN).
    pub const SIGN_CERT: u16 = inkan_profile::fid::jpki::SIGN_CERT;
    /// JPKI: signature CA certificate.
    pub const SIGN_CA_CERT: u16 = inkan_profile::fid::jpki::SIGN_CA_CERT;
    /// JPKI: token info.
    pub const TOKEN_INFO: u16 = inkan_profile::fid::jpki::TOKEN_INFO;
    /// JPKI: certificate availability.
    pub const AVAILABILITY: u16 = inkan_profile::fid::jpki::AVAILABILITY;
    /// JPKI: user-authentication certificate.
    pub const AUTH_CERT: u16 = inkan_profile::fid::jpki::AUTH_CERT;
    /// JPKI: user-authentication CA certificate.
    pub const AUTH_CA_CERT: u16 = inkan_profile::fid::jpki::AUTH_CA_CERT;
    /// JPKI: user-authentication private key.
    pub const AUTH_KEY: u16 = inkan_profile::fid::jpki::AUTH_KEY;
    /// JPKI: user-authentication PIN.
    pub const AUTH_PIN: u16 = inkan_profile::fid::jpki::AUTH_PIN;
    /// JPKI: signature private key.
    pub const SIGN_KEY: u16 = inkan_profile::fid::jpki::SIGN_KEY;
    /// JPKI: signature PIN.
    pub const SIGN_PIN: u16 = inkan_profile::fid::jpki::SIGN_PIN;
    /// Card info AP: its PIN.
    pub const TEXT_PIN: u16 = inkan_profile::fid::card_info::PIN;
    /// Card info AP: the My Number.
    pub const MY_NUMBER: u16 = inkan_profile::fid::card_info::MY_NUMBER;
    /// Card info AP: basic 4 info.
    pub const BASIC_INFO: u16 = inkan_profile::fid::card_info::BASIC_INFO;
    /// Card surface AP: 照合番号A (the My Number) reference.
    pub const SURFACE_PIN_A: u16 = inkan_profile::fid::surface::MATCH_NUMBER_A;
    /// Card surface AP: the surface data.
    pub const SURFACE_DATA: u16 = inkan_profile::fid::surface::DATA;
}

/// The largest EF this client reads: READ BINARY offsets have 15 bits
/// (ISO/IEC 7816-4 §11.3.3: "If bit 8 of P1 is set to 0, then P1-P2 encodes
/// an offset from 0 to 32 767").
pub const MAX_EF_LEN: usize = 0x7FFF;

/// The four certificates of the JPKI AP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertSlot {
    /// The signature certificate (署名用電子証明書); needs the signature PIN.
    Sign,
    /// The signature CA certificate.
    SignCa,
    /// The user-authentication certificate (利用者証明用電子証明書).
    Auth,
    /// The user-authentication CA certificate.
    AuthCa,
}

impl CertSlot {
    /// All four, in a fixed order.
    pub const ALL: [CertSlot; 4] = [
        CertSlot::Auth,
        CertSlot::AuthCa,
        CertSlot::Sign,
        CertSlot::SignCa,
    ];

    /// The EF holding it.
    pub fn fid(self) -> u16 {
        match self {
            CertSlot::Sign => fid::SIGN_CERT,
            CertSlot::SignCa => fid::SIGN_CA_CERT,
            CertSlot::Auth => fid::AUTH_CERT,
            CertSlot::AuthCa => fid::AUTH_CA_CERT,
        }
    }

    /// A stable name (`sign`, `sign-ca`, `auth`, `auth-ca`).
    pub fn name(self) -> &'static str {
        match self {
            CertSlot::Sign => "sign",
            CertSlot::SignCa => "sign-ca",
            CertSlot::Auth => "auth",
            CertSlot::AuthCa => "auth-ca",
        }
    }
}

/// Which private key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// The signature key (documents), guarded by the signature PIN.
    Sign,
    /// The user-authentication key (login challenges), guarded by the auth PIN.
    Auth,
}

impl KeyKind {
    /// A stable name (`sign`, `auth`).
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Sign => "sign",
            KeyKind::Auth => "auth",
        }
    }
}

/// A PIN for one of the two JPKI keys.
#[derive(Debug, Clone)]
pub enum KeyPin {
    /// For [`KeyKind::Sign`].
    Sign(SignPin),
    /// For [`KeyKind::Auth`].
    Auth(AuthPin),
}

impl KeyPin {
    fn key(&self) -> KeyKind {
        match self {
            KeyPin::Sign(_) => KeyKind::Sign,
            KeyPin::Auth(_) => KeyKind::Auth,
        }
    }
}

/// The state of a PIN's retry counter, read without consuming a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinStatus {
    /// `63Cx`: this many tries left (more than zero).
    Remaining(u8),
    /// `63C0` or `6984`: blocked.
    Blocked,
    /// `9000` to the empty VERIFY. Cards that answer this way do so after a
    /// successful VERIFY in the same session, which reset the counter, so the
    /// next try cannot be the last one; the exact count is not shown.
    NotReported,
}

impl PinStatus {
    /// Tries left if the card said.
    pub fn remaining(self) -> Option<u8> {
        match self {
            PinStatus::Remaining(n) => Some(n),
            PinStatus::Blocked => Some(0),
            PinStatus::NotReported => None,
        }
    }
}

/// Progress of a long read: `(what, bytes done, bytes total)`.
pub type ProgressFn<'a> = dyn FnMut(&str, usize, usize) + 'a;

/// Which application is selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ap {
    Jpki,
    CardInfo,
    Surface,
}

/// A My Number Card behind a [`Transport`].
///
/// Made by [`MyNumberCard::connect`], which checks that the card has the JPKI
/// application. Every VERIFY goes through the lockout guard
/// ([`MyNumberCard::verify`]). Call [`MyNumberCard::power_off`] when done so
/// that no verified PIN lingers.
pub struct MyNumberCard<T: Transport> {
    transport: T,
    trace: Trace,
    selected: Option<Ap>,
    options: ExchangeOptions,
    progress: Option<Box<ProgressFn<'static>>>,
}

impl<T: Transport> core::fmt::Debug for MyNumberCard<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MyNumberCard")
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> MyNumberCard<T> {
    /// Detects a My Number Card by a successful SELECT of the JPKI AID
    /// (FACTS §1: "never by ATR").
    pub async fn connect(transport: T) -> Result<Self, CardError> {
        let mut card = MyNumberCard {
            transport,
            trace: Trace::default(),
            selected: None,
            options: ExchangeOptions::default(),
            progress: None,
        };
        card.select_ap(Ap::Jpki).await?;
        Ok(card)
    }

    /// Sets a callback told of progress during long reads.
    pub fn set_progress(&mut self, f: Box<ProgressFn<'static>>) {
        self.progress = Some(f);
    }

    /// The APDUs exchanged so far (PINs redacted).
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The transport, for figures or to reuse it.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Gives the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Powers the card off, clearing every verified PIN.
    pub async fn power_off(&mut self) -> Result<(), CardError> {
        self.selected = None;
        self.transport.power_off().await?;
        Ok(())
    }

    async fn send(&mut self, cmd: &Command) -> Result<Response, CardError> {
        Ok(exchange_with(
            &mut self.transport,
            cmd,
            &self.options,
            Some(&mut self.trace),
        )
        .await?)
    }

    async fn select_ap(&mut self, ap: Ap) -> Result<(), CardError> {
        if self.selected == Some(ap) {
            return Ok(());
        }
        let aid = match ap {
            Ap::Jpki => &aid::JPKI,
            Ap::CardInfo => &aid::CARD_INFO,
            Ap::Surface => &aid::SURFACE,
        };
        // SELECT by DF name, no response data (ISO/IEC 7816-4 §11.2.2, P1=04, P2=0C).
        let r = self
            .send(&Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(aid))
            .await?;
        self.selected = None;
        match r.status {
            Status::Success => {
                self.selected = Some(ap);
                Ok(())
            }
            sw if ap == Ap::Jpki && matches!(sw, Status::FileNotFound) => {
                Err(CardError::NotMyNumberCard { sw })
            }
            sw => Err(CardError::Card {
                sw,
                during: Operation::SelectApplication,
            }),
        }
    }

    /// SELECT EF by file identifier (ISO/IEC 7816-4 §11.2.2, P1=02, P2=0C).
    /// Returns `false` when the card says the file does not exist.
    async fn select_ef(&mut self, ap: Ap, fid: u16) -> Result<bool, CardError> {
        self.select_ap(ap).await?;
        let r = self
            .send(&Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(&fid.to_be_bytes()))
            .await?;
        match r.status {
            Status::Success => Ok(true),
            Status::FileNotFound => Ok(false),
            sw => Err(CardError::Card {
                sw,
                during: Operation::SelectFile,
            }),
        }
    }

    async fn read_binary(&mut self, offset: usize, le: usize) -> Result<Response, CardError> {
        let [hi, lo] = (offset as u16).to_be_bytes();
        self.send(&Command::new(0x00, 0xB0, hi & 0x7F, lo).with_le(le))
            .await
    }

    /// Reads the BER object at the start of the current EF: its first bytes
    /// give the length (X.690 §8.1.3), then exactly that much is read, in
    /// 256-byte READ BINARY commands. Returns `None` when the EF holds no object
    /// (all `00` or `FF`, or empty). Stops on `6B00` and on an empty answer.
    async fn read_object(
        &mut self,
        what: DataKind,
        pin: Option<PinKind>,
    ) -> Result<Option<Vec<u8>>, CardError> {
        let first = self.read_binary(0, 256).await?;
        match first.status {
            Status::Success | Status::EndOfFile => {}
            Status::SecurityStatusNotSatisfied => {
                return Err(match pin {
                    Some(pin) => CardError::PinRequired { pin },
                    None => CardError::Card {
                        sw: first.status,
                        during: Operation::ReadBinary,
                    },
                });
            }
            Status::WrongP1P2 => return Ok(None),
            sw => {
                return Err(CardError::Card {
                    sw,
                    during: Operation::ReadBinary,
                });
            }
        }
        let mut data = first.data;
        if data.iter().all(|b| *b == 0x00 || *b == 0xFF) {
            // An empty or erased EF. (The card info files start with tag
            // `FF10`/`FF20`, so they are never all `FF`.)
            return Ok(None);
        }
        let header = tlv::parse_header(&data).map_err(|e| CardError::Malformed {
            what,
            detail: e.to_string(),
        })?;
        let total = match header.total_len() {
            Some(t) if t <= MAX_EF_LEN => t,
            _ => {
                return Err(CardError::Malformed {
                    what,
                    detail: format!(
                        "announced length {} exceeds the largest EF ({MAX_EF_LEN} bytes)",
                        header.value_len
                    ),
                });
            }
        };
        // Bounded: each round reads at least one byte or stops.
        while data.len() < total {
            let want = (total - data.len()).min(256);
            let r = self.read_binary(data.len(), want).await?;
            match r.status {
                Status::Success | Status::EndOfFile if !r.data.is_empty() => {
                    let take = r.data.len().min(total - data.len());
                    data.extend_from_slice(r.data.get(..take).unwrap_or_default());
                }
                Status::Success | Status::EndOfFile | Status::WrongP1P2 => {
                    return Err(CardError::Malformed {
                        what,
                        detail: format!(
                            "the file ends after {} of the {total} bytes its header announces",
                            data.len()
                        ),
                    });
                }
                sw => {
                    return Err(CardError::Card {
                        sw,
                        during: Operation::ReadBinary,
                    });
                }
            }
            if let Some(p) = self.progress.as_mut() {
                p(&what.to_string(), data.len(), total);
            }
        }
        data.truncate(total);
        Ok(Some(data))
    }

    /// Reads the token info label (FACTS §2, EF `0006`).
    pub async fn token_info(&mut self) -> Result<TokenInfo, CardError> {
        if !self.select_ef(Ap::Jpki, fid::TOKEN_INFO).await? {
            return Err(CardError::Malformed {
                what: DataKind::TokenInfo,
                detail: "EF 0006 is missing".into(),
            });
        }
        let r = self.read_binary(0, 32).await?;
        if !r.status.is_success() {
            return Err(CardError::Card {
                sw: r.status,
                during: Operation::ReadBinary,
            });
        }
        Ok(TokenInfo::from_label(&r.data))
    }

    /// Reads a certificate (DER). `Ok(None)` when the card holds none in that
    /// slot. The signature certificate needs the signature PIN verified first
    /// (see [`read_sign_certificate`](Self::read_sign_certificate)); without
    /// it the card answers `6982` and this returns [`CardError::PinRequired`].
    pub async fn read_certificate(&mut self, slot: CertSlot) -> Result<Option<Vec<u8>>, CardError> {
        if !self.select_ef(Ap::Jpki, slot.fid()).await? {
            return Ok(None);
        }
        let pin = (slot == CertSlot::Sign).then_some(PinKind::Sign);
        let der = self.read_object(DataKind::Certificate, pin).await?;
        if let Some(d) = &der
            && d.first() != Some(&0x30)
        {
            return Err(CardError::Malformed {
                what: DataKind::Certificate,
                detail: format!("EF {:04X} does not start with a DER SEQUENCE", slot.fid()),
            });
        }
        Ok(der)
    }

    /// Verifies the signature PIN (guarded) and reads the signature certificate.
    pub async fn read_sign_certificate(
        &mut self,
        pin: &SignPin,
        last_try: LastTry,
    ) -> Result<Vec<u8>, CardError> {
        self.verify(PinKind::Sign, pin.as_bytes(), last_try).await?;
        self.read_certificate(CertSlot::Sign)
            .await?
            .ok_or(CardError::NoSignatureCertificate)
    }

    fn pin_location(pin: PinKind) -> (Ap, u16) {
        match pin {
            PinKind::Sign => (Ap::Jpki, fid::SIGN_PIN),
            PinKind::Auth => (Ap::Jpki, fid::AUTH_PIN),
            PinKind::Text => (Ap::CardInfo, fid::TEXT_PIN),
            PinKind::SurfaceA => (Ap::Surface, fid::SURFACE_PIN_A),
        }
    }

    async fn select_pin(&mut self, pin: PinKind) -> Result<(), CardError> {
        let (ap, f) = Self::pin_location(pin);
        if self.select_ef(ap, f).await? {
            Ok(())
        } else if pin == PinKind::Sign {
            Err(CardError::NoSignatureCertificate)
        } else {
            Err(CardError::Card {
                sw: Status::FileNotFound,
                during: Operation::SelectFile,
            })
        }
    }

    /// Reads a PIN's retry counter with an empty VERIFY (`00 20 00 80`),
    /// which consumes no try (ISO/IEC 7816-4 §11.5.6: "If the command data
    /// field is absent, the command can be used … to retrieve the number of
    /// further allowed retries (SW1-SW2 = 63CX)").
    pub async fn pin_status(&mut self, pin: PinKind) -> Result<PinStatus, CardError> {
        self.select_pin(pin).await?;
        let r = self.send(&Command::new(0x00, 0x20, 0x00, 0x80)).await?;
        match r.status {
            Status::RetriesLeft(0) | Status::ReferenceDataNotUsable | Status::AuthMethodBlocked => {
                Ok(PinStatus::Blocked)
            }
            Status::RetriesLeft(n) => Ok(PinStatus::Remaining(n)),
            Status::Success => Ok(PinStatus::NotReported),
            sw => Err(CardError::Card {
                sw,
                during: Operation::Verify,
            }),
        }
    }

    /// VERIFY behind the lockout guard:
    ///
    /// 1. the retry counter is read first ([`pin_status`](Self::pin_status));
    /// 2. a blocked PIN is reported and no VERIFY is sent;
    /// 3. with one try left, VERIFY is sent only when `last_try` is
    ///    [`LastTry::Allow`];
    /// 4. VERIFY is sent once; a failure is reported with the tries left and
    ///    never retried.
    ///
    /// `pin` must already have passed its format check (the PIN types do it).
    pub async fn verify(
        &mut self,
        kind: PinKind,
        pin: &[u8],
        last_try: LastTry,
    ) -> Result<(), CardError> {
        match self.pin_status(kind).await? {
            PinStatus::Blocked => return Err(CardError::PinBlocked { pin: kind }),
            PinStatus::Remaining(1) if last_try == LastTry::Refuse => {
                return Err(CardError::LastTryNeedsConfirmation { pin: kind });
            }
            _ => {}
        }
        let r = self
            .send(
                &Command::new(0x00, 0x20, 0x00, 0x80)
                    .with_data(pin)
                    .sensitive(),
            )
            .await?;
        match r.status {
            Status::Success => Ok(()),
            Status::RetriesLeft(0) | Status::ReferenceDataNotUsable | Status::AuthMethodBlocked => {
                Err(CardError::PinBlocked { pin: kind })
            }
            Status::RetriesLeft(n) => Err(CardError::WrongPin {
                pin: kind,
                retries_left: n,
            }),
            sw => Err(CardError::Card {
                sw,
                during: Operation::Verify,
            }),
        }
    }

    /// Signs a DigestInfo with one of the JPKI keys, verifying its PIN first
    /// through the guard. COMPUTE DIGITAL SIGNATURE is `80 2A 00 80 Lc
    /// <DigestInfo> 00` after SELECT of the key EF; the card applies the
    /// PKCS#1 v1.5 padding (FACTS §3). Returns the 256-byte signature.
    pub async fn sign(
        &mut self,
        pin: &KeyPin,
        digest_info: &DigestInfo,
        last_try: LastTry,
    ) -> Result<Vec<u8>, CardError> {
        let key = pin.key();
        match pin {
            KeyPin::Sign(p) => self.verify(PinKind::Sign, p.as_bytes(), last_try).await?,
            KeyPin::Auth(p) => self.verify(PinKind::Auth, p.as_bytes(), last_try).await?,
        }
        self.sign_verified(key, digest_info).await
    }

    /// Signs with a key whose PIN was verified in this session.
    pub async fn sign_verified(
        &mut self,
        key: KeyKind,
        digest_info: &DigestInfo,
    ) -> Result<Vec<u8>, CardError> {
        let key_fid = match key {
            KeyKind::Sign => fid::SIGN_KEY,
            KeyKind::Auth => fid::AUTH_KEY,
        };
        if !self.select_ef(Ap::Jpki, key_fid).await? {
            return Err(match key {
                KeyKind::Sign => CardError::NoSignatureCertificate,
                KeyKind::Auth => CardError::Card {
                    sw: Status::FileNotFound,
                    during: Operation::SelectFile,
                },
            });
        }
        let r = self
            .send(
                &Command::new(0x80, 0x2A, 0x00, 0x80)
                    .with_data(digest_info.as_bytes())
                    .with_le(256),
            )
            .await?;
        match r.status {
            Status::Success if r.data.len() == 256 => Ok(r.data),
            Status::Success => Err(CardError::Malformed {
                what: DataKind::Signature,
                detail: format!("expected 256 bytes, got {}", r.data.len()),
            }),
            Status::SecurityStatusNotSatisfied => Err(CardError::PinRequired {
                pin: match key {
                    KeyKind::Sign => PinKind::Sign,
                    KeyKind::Auth => PinKind::Auth,
                },
            }),
            sw => Err(CardError::Card {
                sw,
                during: Operation::Sign,
            }),
        }
    }

    /// Changes the signature PIN: the current one is verified through the
    /// guard, then CHANGE REFERENCE DATA `00 24 01 80 Lc <new>` (ISO/IEC
    /// 7816-4 §11.5.7, P1=01: "command data field contains new reference data only").
    pub async fn change_sign_pin(
        &mut self,
        current: &SignPin,
        new: &SignPin,
        last_try: LastTry,
    ) -> Result<(), CardError> {
        self.change_pin(PinKind::Sign, current.as_bytes(), new.as_bytes(), last_try)
            .await
    }

    /// Changes the user-authentication PIN (see [`change_sign_pin`](Self::change_sign_pin)).
    pub async fn change_auth_pin(
        &mut self,
        current: &AuthPin,
        new: &AuthPin,
        last_try: LastTry,
    ) -> Result<(), CardError> {
        self.change_pin(PinKind::Auth, current.as_bytes(), new.as_bytes(), last_try)
            .await
    }

    async fn change_pin(
        &mut self,
        kind: PinKind,
        current: &[u8],
        new: &[u8],
        last_try: LastTry,
    ) -> Result<(), CardError> {
        self.verify(kind, current, last_try).await?;
        let r = self
            .send(
                &Command::new(0x00, 0x24, 0x01, 0x80)
                    .with_data(new)
                    .sensitive(),
            )
            .await?;
        match r.status {
            Status::Success => Ok(()),
            sw => Err(CardError::Card {
                sw,
                during: Operation::ChangePin,
            }),
        }
    }

    /// Reads the My Number from the card info input support AP, verifying
    /// its PIN through the guard; the check digit is validated.
    pub async fn my_number(
        &mut self,
        pin: &TextPin,
        last_try: LastTry,
    ) -> Result<MyNumber, CardError> {
        self.verify(PinKind::Text, pin.as_bytes(), last_try).await?;
        let raw = self
            .read_card_info_ef(fid::MY_NUMBER, DataKind::MyNumber)
            .await?;
        parse_my_number(&raw)
    }

    /// Reads the basic 4 info (name, address, birth date, sex), verifying
    /// the card info PIN through the guard.
    pub async fn basic_info(
        &mut self,
        pin: &TextPin,
        last_try: LastTry,
    ) -> Result<BasicInfo, CardError> {
        self.verify(PinKind::Text, pin.as_bytes(), last_try).await?;
        let raw = self
            .read_card_info_ef(fid::BASIC_INFO, DataKind::BasicInfo)
            .await?;
        parse_basic_info(&raw)
    }

    async fn read_card_info_ef(&mut self, f: u16, what: DataKind) -> Result<Vec<u8>, CardError> {
        if !self.select_ef(Ap::CardInfo, f).await? {
            return Err(CardError::Malformed {
                what,
                detail: format!("EF {f:04X} is missing"),
            });
        }
        self.read_object(what, Some(PinKind::Text))
            .await?
            .ok_or(CardError::Malformed {
                what,
                detail: "the file is empty".into(),
            })
    }

    /// Reads the card surface (face photo, name and address images, expiry)
    /// from the card surface AP, opened with 照合番号A (the My Number), so
    /// the card info PIN is the only PIN the user types (FACTS §4).
    pub async fn surface(
        &mut self,
        my_number: &MyNumber,
        last_try: LastTry,
    ) -> Result<Surface, CardError> {
        self.verify(PinKind::SurfaceA, my_number.as_str().as_bytes(), last_try)
            .await?;
        if !self.select_ef(Ap::Surface, fid::SURFACE_DATA).await? {
            return Err(CardError::Malformed {
                what: DataKind::Surface,
                detail: "EF 0002 is missing".into(),
            });
        }
        let raw = self
            .read_object(DataKind::Surface, Some(PinKind::SurfaceA))
            .await?
            .ok_or(CardError::Malformed {
                what: DataKind::Surface,
                detail: "the file is empty".into(),
            })?;
        parse_surface(&raw)
    }
}
