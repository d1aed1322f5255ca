//! The operations of the JavaScript API over any [`Transport`], free of JavaScript types
//! so that they run (and are tested) natively against the software card too.

use crate::certinfo::CertSummary;
use crate::error::WebError;
use crate::photo::{self, Rgba};
use inkan_apdu::Transport;
use inkan_card::{
    AuthPin, BasicInfo, CardError, CertSlot, LastTry, MyNumber, MyNumberCard, PinKind, PinStatus,
    SignPin, TextPin, TokenInfo,
};
use zeroize::Zeroizing;

/// The steps an operation reports, in order, to a progress callback.
pub use inkan_signer::step;

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
    /// The summary of `der`.
    pub summary: Option<CertSummary>,
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

/// The result of [`Session::authenticate`].
pub use inkan_signer::Login;

/// Largest document [`Session::sign_document`] takes (the CMS is built in memory).
pub use inkan_signer::MAX_DOCUMENT_LEN;

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
    /// From the API's name (`sign`, `auth`).
    pub fn from_name(name: &str) -> Result<Self, WebError> {
        match name {
            "sign" => Ok(ChangeablePin::Sign),
            "auth" => Ok(ChangeablePin::Auth),
            other => Err(WebError::invalid(format!(
                "only the signature PIN (\"sign\") and the user-authentication PIN (\"auth\") \
                 can be changed here, not {other:?}"
            ))),
        }
    }
}

/// A progress callback: the step name.
pub type Progress<'a> = &'a mut dyn FnMut(&'static str);

impl<T: Transport> Session<T> {
    /// Selects the JPKI application: fails with `not-my-number-card` on other cards.
    pub async fn connect(transport: T) -> Result<Self, WebError> {
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

    async fn pin_info(&mut self, kind: PinKind) -> Result<PinInfo, WebError> {
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
    pub async fn status(&mut self, progress: Progress<'_>) -> Result<CardStatus, WebError> {
        progress(step::READ_STATUS);
        let token = self.card.token_info().await?;
        let mut certificates = Vec::with_capacity(4);
        for slot in CertSlot::ALL {
            if slot == CertSlot::Sign {
                certificates.push(CertEntry {
                    slot,
                    der: None,
                    summary: None,
                    needs_pin: true,
                });
                continue;
            }
            progress(step::READ_CERTIFICATE);
            let der = self.card.read_certificate(slot).await?;
            let summary = der.as_deref().map(CertSummary::parse).transpose()?;
            certificates.push(CertEntry {
                slot,
                der,
                summary,
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
    ) -> Result<Vec<CertEntry>, WebError> {
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
            let summary = der.as_deref().map(CertSummary::parse).transpose()?;
            out.push(CertEntry {
                slot,
                needs_pin: slot == CertSlot::Sign && der.is_none(),
                der,
                summary,
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
    ) -> Result<Vec<u8>, WebError> {
        let pin = SignPin::new(pin).map_err(CardError::from)?;
        Ok(inkan_signer::sign_document(
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

    /// Signs a login challenge with the user-authentication key: RSASSA-PKCS1-v1_5 with
    /// SHA-256 over `challenge`, plus the certificate a server needs to check it.
    pub async fn authenticate(
        &mut self,
        pin: &str,
        challenge: &[u8],
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Login, WebError> {
        let pin = AuthPin::new(pin).map_err(CardError::from)?;
        inkan_signer::login(&mut self.card, pin, challenge, last_try, progress)
            .await
            .map_err(|e| match e {
                inkan_signer::LoginError::Card(c) => c.into(),
                other => WebError::new(other.code(), other.to_string()),
            })
    }

    /// The My Number (card info input support AP; its 4-digit PIN).
    pub async fn my_number(
        &mut self,
        pin: &str,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<MyNumber, WebError> {
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
    ) -> Result<BasicInfo, WebError> {
        let pin = TextPin::new(pin).map_err(CardError::from)?;
        progress(step::VERIFY_PIN);
        let info = self.card.basic_info(&pin, last_try).await?;
        progress(step::READ_DATA);
        Ok(info)
    }

    /// The face photo, decoded: the My Number is read with the card info PIN, then opens
    /// the card surface AP (照合番号A), so the person types one 4-digit PIN (FACTS §4).
    pub async fn face_photo(
        &mut self,
        pin: &str,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Rgba, WebError> {
        let pin = TextPin::new(pin).map_err(CardError::from)?;
        progress(step::VERIFY_PIN);
        let number = self.card.my_number(&pin, last_try).await?;
        progress(step::READ_DATA);
        let surface = self.card.surface(&number, last_try).await?;
        progress(step::DECODE_PHOTO);
        let jp2 = Zeroizing::new(surface.photo.to_vec());
        photo::decode_jpeg2000(&jp2)
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
    ) -> Result<(), WebError> {
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
