//! The operations of the JavaScript API over any [`Transport`], free of JavaScript types
//! so that they run (and are tested) natively against the software card too. The
//! operations themselves are `inkan-signer`'s [`inkan_signer::Session`]; this layer adds
//! what the page shows (certificate summaries, the photo through its decoder) and the
//! page's errors.

use crate::certinfo::CertSummary;
use crate::error::WebError;
use inkan_apdu::Transport;
use inkan_card::{BasicInfo, CertSlot, LastTry, MyNumber, MyNumberCard, TokenInfo};

/// The steps an operation reports, in order, to a progress callback.
pub use inkan_signer::step;
/// What builds the XML around the card's signature (in the browser: the XML module's).
pub use inkan_signer::xml::XmlTemplate;
pub use inkan_signer::{ChangeablePin, Login, MAX_DOCUMENT_LEN, PinInfo, Progress};

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

impl CertEntry {
    fn from_signer(e: inkan_signer::CertEntry) -> Result<Self, WebError> {
        Ok(CertEntry {
            slot: e.slot,
            summary: e.der.as_deref().map(CertSummary::parse).transpose()?,
            der: e.der,
            needs_pin: e.needs_pin,
        })
    }
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

/// The changeable PIN the API names `sign` or `auth`.
pub fn changeable_pin(name: &str) -> Result<ChangeablePin, WebError> {
    ChangeablePin::from_name(name).ok_or_else(|| {
        WebError::invalid(format!(
            "only the signature PIN (\"sign\") and the user-authentication PIN (\"auth\") \
             can be changed here, not {name:?}"
        ))
    })
}

/// A connected My Number Card.
pub struct Session<T: Transport> {
    inner: inkan_signer::Session<T>,
}

impl<T: Transport> core::fmt::Debug for Session<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl<T: Transport> Session<T> {
    /// Selects the JPKI application: fails with `not-my-number-card` on other cards.
    pub async fn connect(transport: T) -> Result<Self, WebError> {
        Ok(Session {
            inner: inkan_signer::Session::connect(transport).await?,
        })
    }

    /// The card client.
    pub fn card_mut(&mut self) -> &mut MyNumberCard<T> {
        self.inner.card_mut()
    }

    /// Gives the transport back.
    pub fn into_transport(self) -> T {
        self.inner.into_transport()
    }

    /// Powers the card off so that no verified PIN lingers (FACTS §3).
    pub async fn forget_pins(&mut self) {
        self.inner.forget_pins().await;
    }

    /// Token info, the certificates free to read (with summaries), and every PIN's
    /// counter (read without consuming a try).
    pub async fn status(&mut self, progress: Progress<'_>) -> Result<CardStatus, WebError> {
        let s = self.inner.status(progress).await?;
        Ok(CardStatus {
            token: s.token,
            certificates: s
                .certificates
                .into_iter()
                .map(CertEntry::from_signer)
                .collect::<Result<_, _>>()?,
            pins: s.pins,
        })
    }

    /// Every certificate; the signature certificate too when `sign_pin` is given.
    pub async fn certificates(
        &mut self,
        sign_pin: Option<&str>,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Vec<CertEntry>, WebError> {
        self.inner
            .certificates(sign_pin, last_try, progress)
            .await?
            .into_iter()
            .map(CertEntry::from_signer)
            .collect()
    }

    /// A CMS SignedData (CAdES-BES) over `data` with the signature key.
    pub async fn sign_document(
        &mut self,
        pin: &str,
        data: &[u8],
        detached: bool,
        signing_time: u64,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Vec<u8>, WebError> {
        Ok(self
            .inner
            .sign_document(pin, data, detached, signing_time, last_try, progress)
            .await?)
    }

    /// One XML signature (`dsig:Signature`, RSA-SHA256) made with the signature key as
    /// `template` describes; the document's other bytes unchanged. The document and the
    /// references are checked before the PIN is sent (an `xml-*` error costs no try).
    pub async fn sign_xml(
        &mut self,
        pin: &str,
        template: &mut dyn XmlTemplate,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Vec<u8>, WebError> {
        Ok(self
            .inner
            .sign_xml_with(pin, template, last_try, progress)
            .await?)
    }

    /// A login signature over `challenge` with the user-authentication key.
    pub async fn authenticate(
        &mut self,
        pin: &str,
        challenge: &[u8],
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<Login, WebError> {
        Ok(self
            .inner
            .authenticate(pin, challenge, last_try, progress)
            .await?)
    }

    /// The My Number (card info PIN).
    pub async fn my_number(
        &mut self,
        pin: &str,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<MyNumber, WebError> {
        Ok(self.inner.my_number(pin, last_try, progress).await?)
    }

    /// The basic 4 info (card info PIN).
    pub async fn basic_info(
        &mut self,
        pin: &str,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<BasicInfo, WebError> {
        Ok(self.inner.basic_info(pin, last_try, progress).await?)
    }

    /// The face photo, read (JPEG 2000) and given to `decode` (in the browser: the
    /// photo module's decoder, loaded on first use, so the signer's bundle carries no
    /// JPEG 2000 code), after the `decode-photo` step.
    pub async fn face_photo<R>(
        &mut self,
        pin: &str,
        last_try: LastTry,
        progress: Progress<'_>,
        decode: impl FnOnce(&[u8]) -> Result<R, WebError>,
    ) -> Result<R, WebError> {
        let jp2 = self.inner.face_photo_jp2(pin, last_try, progress).await?;
        progress(step::DECODE_PHOTO);
        decode(&jp2)
    }

    /// Changes the signature or user-authentication PIN.
    pub async fn change_pin(
        &mut self,
        which: ChangeablePin,
        current: &str,
        new: &str,
        last_try: LastTry,
        progress: Progress<'_>,
    ) -> Result<(), WebError> {
        Ok(self
            .inner
            .change_pin(which, current, new, last_try, progress)
            .await?)
    }
}
