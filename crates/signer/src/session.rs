//! A holder's session with the card: every operation a front end offers (state, certificates,
//! document and login signatures, the My Number, the basic 4 info, the surface photo, PIN
//! changes), each format-checking its PINs before they reach the card, going through the
//! card's lockout guard and reporting its [`step`]s. The browser's JavaScript API and the
//! CLI are thin layers over it.

use crate::cms::CmsError;
use crate::login::LoginError;
use core::fmt;
use inkan_apdu::Transport;
use inkan_card::{
    AuthPin, BasicInfo, CardError, CertSlot, LastTry, MyNumber, MyNumberCard, PinKind, PinStatus,
    SignPin, TextPin, TokenInfo,
};
use zeroize::Zeroizing;

use crate::step;

/// Why a session operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// The card, the reader or a PIN.
    Card(CardError),
    /// Making the CMS.
    Cms(CmsError),
    /// Making the login signature.
    Login(LoginError),
    /// Making the XML signature.
    Xml(crate::xml::XmlSignError),
}

impl SessionError {
    /// A stable kebab-case code (the card's, [`CmsError::code`] or [`LoginError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::Card(e) => e.code(),
            SessionError::Cms(e) => e.code(),
            SessionError::Login(e) => e.code(),
            SessionError::Xml(e) => e.code(),
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Card(e) => write!(f, "{e}"),
            SessionError::Cms(e) => write!(f, "{e}"),
            SessionError::Login(e) => write!(f, "{e}"),
            SessionError::Xml(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<CardError> for SessionError {
    fn from(e: CardError) -> Self {
        SessionError::Card(e)
    }
}

impl From<CmsError> for SessionError {
    fn from(e: CmsError) -> Self {
        match e {
            CmsError::Card(c) => SessionError::Card(c),
            other => SessionError::Cms(other),
        }
    }
}

impl From<crate::xml::XmlSignError> for SessionError {
    fn from(e: crate::xml::XmlSignError) -> Self {
        match e {
            crate::xml::XmlSignError::Card(c) => SessionError::Card(c),
            other => SessionError::Xml(other),
        }
    }
}

impl From<LoginError> for SessionError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Card(c) => SessionError::Card(c),
            other => SessionError::Login(other),
        }
    }
}

/// A PIN's counter as the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinInfo {
    /// Which PIN.
    pub kind: PinKind,
    /// Tries left, when the card tells (`None` after a successful VERIFY on cards that
    /// then answer `9000`).
    pub remaining: Option<u8>,
    /// Tries a fresh card allows.
    pub max: Option<u8>,
    /// Whether it is blocked.
    pub blocked: bool,
    /// Whether the card has this PIN at all (no signature PIN without a signature
    /// certificate).
    pub present: bool,
}

/// One certificate slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertEntry {
    /// The slot.
    pub slot: CertSlot,
    /// The DER bytes, when read.
    pub der: Option<Vec<u8>>,
    /// Whether reading it needs the signature PIN (the signature certificate).
    pub needs_pin: bool,
}

/// What [`Session::status`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardStatus {
    /// The token label and kind.
    pub token: TokenInfo,
    /// The certificates readable without a PIN, and the signature certificate's slot
    /// (not read: it needs the signature PIN).
    pub certificates: Vec<CertEntry>,
    /// The signature, user-authentication and card info PINs.
    pub pins: Vec<PinInfo>,
}

pub use crate::login::Login;

/// A connected My Number Card.
pub struct Session<T: Transport> {
    card: MyNumberCard<T>,
}

impl<T: Transport> core::fmt::Debug for Session<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

/// Which PIN [`Session::change_pin`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeablePin {
    /// The signature PIN.
    Sign,
    /// The user-authentication PIN.
    Auth,
}

impl ChangeablePin {
    /// From its name (`sign`, `auth`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sign" => Some(ChangeablePin::Sign),
            "auth" => Some(ChangeablePin::Auth),
            _ => None,
        }
    }
}

/// A progress callback: the step name.
pub type Progress<'a> = &'a mut dyn FnMut(&'static str);

impl<T: Transport> Session<T> {
    /// Selects the JPKI application: fails with `not-my-number-card` on other cards.
    pub async fn connect(transport: T) -> Result<Self, SessionError> {
        Ok(Session {
            card: MyNumberCard::connect(transport).await?,
        })
    }

    /// The card client.
    pub fn card_mut(&mut self) -> &mut MyNumberCard<T> {
        &mut self.card
    }

    /// Gives the transport back.
    pub fn into_transport(self) -> T {
        self.card.into_transport()
    }

    /// Powers the card off so that no verified PIN lingers (FACTS §3). Best effort: a
    /// reader that is gone has forgotten the PIN anyway.
    pub async fn forget_pins(&mut self) {
        let _ = self.card.power_off().await;
    }

    async fn pin_info(&mut self, kind: PinKind) -> Result<PinInfo, SessionError> {
        let (status, present) = match self.card.pin_status(kind).await {
            Ok(s) => (Some(s), true),
            Err(CardError::NoSignatureCertificate) => (None, false),
            Err(e) => return Err(e.into()),
        };
        Ok(PinInfo {
            kind,
            remaining: status.and_then(PinStatus::remaining),
            max: kind.max_tries(),
            blocked: status == Some(PinStatus::Blocked),
            present,
        })
    }

    /// Token info, the certificates free to read, and every PIN's counter (read without
    /// consuming a try).
    pub async fn status(&mut self, progress: Progress<'_>) -> Result<CardStatus, SessionError> {
        progress(step::READ_STATUS);
        let token = self.card.token_info().await?;
        let mut certificates = Vec::with_capacity(4);
        for slot in CertSlot::ALL {
            if slot == CertSlot::Sign {
                certificates.push(CertEntry {
                    slot,
                    der: None,
                    needs_pin: true,
                });
                continue;
            }
            progress(step::READ_CERTIFICATE);
            let der = self.card.read_certificate(slot).await?;
            certificates.push(CertEntry {
                slot,
                der,
                needs_pin: false,
            });
        }
        let mut pins = Vec::with_capacity(3);
        for kind in [PinKind::Sign, PinKind::Auth, PinKind::Text] {
            pins.push(self.pin_info(kind).await?);
        }
        if let Some(sign) = pins.first()
            && !sign.present
            && let Some(entry) = certificates.iter_mut().find(|c| c.slot == CertSlot::Sign)
        {
            entry.needs_pin = false;
        }
        Ok(CardStatus {
            token,
            certificates,
            pins,
        })
    }

    /// Every certificate; the signature certificate too when `sign_pin` is given
    /// (it is verified through the lockout guard).
    pub async fn certificates(
        &mut self,
        sign_pin: Option<&str>,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Vec<CertEntry>, SessionError> {
        let mut out = Vec::with_capacity(4);
        for slot in CertSlot::ALL {
            let der = if slot == CertSlot::Sign {
                match sign_pin {
                    Some(p) => {
                        let pin = SignPin::new(p).map_err(CardError::from)?;
                        progress(step::VERIFY_PIN);
                        Some(self.card.read_sign_certificate(&pin, last_try).await?)
                    }
                    None => None,
                }
            } else {
                progress(step::READ_CERTIFICATE);
                self.card.read_certificate(slot).await?
            };
            out.push(CertEntry {
                slot,
                needs_pin: slot == CertSlot::Sign && der.is_none(),
                der,
            });
        }
        Ok(out)
    }

    /// Signs `data` with the signature key: a CMS SignedData (CAdES-BES: contentType,
    /// messageDigest, signingTime, signing-certificate-v2; SHA-256), attached or
    /// detached, with the signature CA certificate from the card included.
    pub async fn sign_document(
        &mut self,
        pin: &str,
        data: &[u8],
        detached: bool,
        signing_time: u64,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Vec<u8>, SessionError> {
        let pin = SignPin::new(pin).map_err(CardError::from)?;
        Ok(crate::cms::sign_document(
            &mut self.card,
            &pin,
            data,
            detached,
            signing_time,
            last_try,
            progress,
        )
        .await?)
    }

    /// Signs an XML document with the signature key as `spec` says (e-Tax sibling
    /// signature, enveloped, e-Gov with attachments): the document with one
    /// `dsig:Signature` added, no other byte changed. The document and references are
    /// checked before the PIN is sent.
    pub async fn sign_xml(
        &mut self,
        pin: &str,
        document: &[u8],
        spec: &crate::xml::SignSpec,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Vec<u8>, SessionError> {
        let mut template =
            inkan_xml::Template::new(document.to_vec(), spec.clone(), crate::xml::Limits::DEFAULT);
        self.sign_xml_with(pin, &mut template, last_try, progress)
            .await
    }

    /// Makes the XML signature `template` describes with the signature key (see
    /// [`crate::xml::sign_with`]); the browser passes its XML module's template here.
    pub async fn sign_xml_with(
        &mut self,
        pin: &str,
        template: &mut dyn crate::xml::XmlTemplate,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Vec<u8>, SessionError> {
        let pin = SignPin::new(pin).map_err(CardError::from)?;
        Ok(crate::xml::sign_with(&mut self.card, &pin, template, last_try, progress).await?)
    }

    /// Signs a login challenge with the user-authentication key: RSASSA-PKCS1-v1_5 with
    /// SHA-256 over `challenge`, plus the certificate a server needs to check it.
    pub async fn authenticate(
        &mut self,
        pin: &str,
        challenge: &[u8],
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Login, SessionError> {
        let pin = AuthPin::new(pin).map_err(CardError::from)?;
        crate::login::login(&mut self.card, pin, challenge, last_try, progress)
            .await
            .map_err(SessionError::from)
    }

    /// The My Number (card info input support AP; its 4-digit PIN).
    pub async fn my_number(
        &mut self,
        pin: &str,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<MyNumber, SessionError> {
        let pin = TextPin::new(pin).map_err(CardError::from)?;
        progress(step::VERIFY_PIN);
        Ok(self.card.my_number(&pin, last_try).await?)
    }

    /// The basic 4 info (card info input support AP; its 4-digit PIN).
    pub async fn basic_info(
        &mut self,
        pin: &str,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<BasicInfo, SessionError> {
        let pin = TextPin::new(pin).map_err(CardError::from)?;
        progress(step::VERIFY_PIN);
        let info = self.card.basic_info(&pin, last_try).await?;
        progress(step::READ_DATA);
        Ok(info)
    }

    /// The face photo as the card stores it (JPEG 2000): the My Number is read with the
    /// card info PIN, then opens the card surface AP (照合番号A), so the person types one
    /// 4-digit PIN (FACTS §4). Decoding is the front end's.
    pub async fn face_photo_jp2(
        &mut self,
        pin: &str,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, SessionError> {
        let pin = TextPin::new(pin).map_err(CardError::from)?;
        progress(step::VERIFY_PIN);
        let number = self.card.my_number(&pin, last_try).await?;
        progress(step::READ_DATA);
        let surface = self.card.surface(&number, last_try).await?;
        Ok(Zeroizing::new(surface.photo.to_vec()))
    }

    /// Changes the signature or user-authentication PIN; the current one is verified
    /// through the lockout guard first.
    pub async fn change_pin(
        &mut self,
        which: ChangeablePin,
        current: &str,
        new: &str,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<(), SessionError> {
        progress(step::VERIFY_PIN);
        match which {
            ChangeablePin::Sign => {
                let cur = SignPin::new(current).map_err(CardError::from)?;
                let new = SignPin::new(new).map_err(CardError::from)?;
                progress(step::CHANGE_PIN);
                self.card.change_sign_pin(&cur, &new, last_try).await?;
            }
            ChangeablePin::Auth => {
                let cur = AuthPin::new(current).map_err(CardError::from)?;
                let new = AuthPin::new(new).map_err(CardError::from)?;
                progress(step::CHANGE_PIN);
                self.card.change_auth_pin(&cur, &new, last_try).await?;
            }
        }
        Ok(())
    }
}
