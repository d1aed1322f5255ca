//! XML signatures with the card's signature key, for e-Tax filings (a `dsig:Signature`
//! appended after the procedure element, beside earlier ones), deduction-certificate
//! shaped documents (enveloped, over the document element) and e-Gov applications
//! (`kousei.xml` referencing `#構成情報` and every attached file by name).
//!
//! The structure is `inkan-xml`'s ([`inkan_xml::build`]): SignedInfo with Canonical XML
//! 1.0, RSA-SHA256 and SHA-256 references, canonicalised in the document where it will
//! sit. The card signs the DigestInfo of SHA-256 over that canonical SignedInfo
//! (XMLDSig §6.4.2: RSASSA-PKCS1-v1_5, RFC 8017 §8.2), after its PIN went through the
//! lockout guard exactly as for CMS; the value is checked against the certificate before
//! it is placed.

use core::fmt;

use der::Decode;
use rsa::pkcs1v15::Signature;
use rsa::signature::Verifier;
use x509_cert::Certificate;

use inkan_apdu::Transport;
use inkan_card::{CardError, CertSlot, DigestInfo, KeyKind, LastTry, MyNumberCard, SignPin};
pub use inkan_xml::{Limits, RefSpec, SignSpec, XmlError};

/// Why an XML signature could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlSignError {
    /// The card operation failed (PIN, reader, card).
    Card(CardError),
    /// The document cannot take the signature as asked (its `xml-*` code): not XML
    /// within the limits, a DTD, an unknown or disallowed reference, a taken ID.
    /// Nothing was sent to the card.
    Xml(XmlError),
    /// The signature certificate's key is not RSA, or it does not verify the card's
    /// signature (the card signed with another key, or returned garbage).
    BadSignature {
        /// What is wrong.
        detail: String,
    },
}

impl XmlSignError {
    /// A stable kebab-case code: the card's ([`CardError::code`]), the document's
    /// ([`XmlError::code`]), or `xml-bad-signature`.
    pub fn code(&self) -> &'static str {
        match self {
            XmlSignError::Card(e) => e.code(),
            XmlSignError::Xml(e) => e.code(),
            XmlSignError::BadSignature { .. } => "xml-bad-signature",
        }
    }
}

impl fmt::Display for XmlSignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlSignError::Card(e) => write!(f, "{e}"),
            XmlSignError::Xml(e) => write!(f, "{e}"),
            XmlSignError::BadSignature { detail } => {
                write!(f, "the card's XML signature does not verify: {detail}")
            }
        }
    }
}

impl std::error::Error for XmlSignError {}

impl From<CardError> for XmlSignError {
    fn from(e: CardError) -> Self {
        XmlSignError::Card(e)
    }
}

impl From<XmlError> for XmlSignError {
    fn from(e: XmlError) -> Self {
        XmlSignError::Xml(e)
    }
}

/// Checks that `spec` can be applied to `document` before any PIN is sent: the
/// document parses within `limits`, the references exist and are allowed. Returns the
/// reference URIs the signature will carry (percent-decoded; see
/// [`inkan_xml::PreparedXml::references`]). (The certificates are not known yet;
/// [`sign_xml`] prepares again with them.)
pub fn check_xml(
    document: &[u8],
    spec: &SignSpec,
    limits: &Limits,
) -> Result<Vec<String>, XmlSignError> {
    Ok(inkan_xml::prepare(document, spec, limits)?
        .references()
        .to_vec())
}

fn verify_value(cert_der: &[u8], signed_info: &[u8], sig: &[u8]) -> Result<(), XmlSignError> {
    let bad = |detail: String| XmlSignError::BadSignature { detail };
    let cert = Certificate::from_der(cert_der).map_err(|e| bad(e.to_string()))?;
    let key = crate::cms::verifying_key(&cert).map_err(|e| bad(e.to_string()))?;
    let s = Signature::try_from(sig).map_err(|e| bad(e.to_string()))?;
    key.verify(signed_info, &s)
        .map_err(|_| bad("the value does not verify with the signature certificate".into()))
}

/// What builds the XML around the card's signature value, in the order the signer
/// calls it. [`inkan_xml::Template`] is the implementation of the CLI and of native
/// code; the browser's is the same type in a separate wasm module (loaded on first use,
/// so the signer's bundle does not carry the XML code), reached through JavaScript,
/// whose errors come back as [`XmlError::Relayed`].
pub trait XmlTemplate {
    /// Checks the document and the references before any PIN is sent; returns the
    /// reference URIs the signature will carry.
    fn check(&mut self) -> Result<Vec<String>, XmlError>;
    /// Puts `certificates` (DER, the signer's first) in `KeyInfo` and returns the
    /// canonical SignedInfo to sign.
    fn prepare(&mut self, certificates: &[Vec<u8>]) -> Result<Vec<u8>, XmlError>;
    /// The signed document, `signature` in SignatureValue.
    fn finish(&mut self, signature: &[u8]) -> Result<Vec<u8>, XmlError>;
}

impl XmlTemplate for inkan_xml::Template {
    fn check(&mut self) -> Result<Vec<String>, XmlError> {
        inkan_xml::Template::check(self)
    }

    fn prepare(&mut self, certificates: &[Vec<u8>]) -> Result<Vec<u8>, XmlError> {
        inkan_xml::Template::prepare(self, certificates).map(<[u8]>::to_vec)
    }

    fn finish(&mut self, signature: &[u8]) -> Result<Vec<u8>, XmlError> {
        inkan_xml::Template::finish(self, signature)
    }
}

/// Signs `document` with the card's signature key as `spec` says and returns the
/// signed document: the input with one `dsig:Signature` added, every other byte
/// unchanged. `spec.certificates` is replaced by the signature certificate and the
/// signature CA certificate read from the card. See [`sign_with`].
pub async fn sign_xml<T: Transport>(
    card: &mut MyNumberCard<T>,
    pin: &SignPin,
    document: &[u8],
    spec: &SignSpec,
    limits: &Limits,
    last_try: LastTry,
    progress: &mut dyn FnMut(&'static str),
) -> Result<Vec<u8>, XmlSignError> {
    let mut template = inkan_xml::Template::new(document.to_vec(), spec.clone(), *limits);
    sign_with(card, pin, &mut template, last_try, progress).await
}

/// Makes the signature `template` describes with the card's signature key.
///
/// The document and references are checked before the PIN is sent (an error there
/// costs no try); the PIN is verified through the lockout guard, once; the signature
/// certificate and the signature CA certificate go in `KeyInfo`; the card signs the
/// DigestInfo of SHA-256 over the canonical SignedInfo; the value is checked against
/// the certificate before it is placed. `progress` hears [`crate::step`]s in order.
pub async fn sign_with<T: Transport>(
    card: &mut MyNumberCard<T>,
    pin: &SignPin,
    template: &mut dyn XmlTemplate,
    last_try: LastTry,
    progress: &mut dyn FnMut(&'static str),
) -> Result<Vec<u8>, XmlSignError> {
    template.check()?;
    progress(crate::step::VERIFY_PIN);
    let cert = card.read_sign_certificate(pin, last_try).await?;
    progress(crate::step::READ_CERTIFICATE);
    let ca = card.read_certificate(CertSlot::SignCa).await?;
    progress(crate::step::PREPARE);
    let certificates: Vec<Vec<u8>> = core::iter::once(cert.clone()).chain(ca).collect();
    let signed_info = template.prepare(&certificates)?;
    progress(crate::step::CARD_SIGNS);
    let di = DigestInfo::sha256(&signed_info);
    let sig = card.sign_verified(KeyKind::Sign, &di).await?;
    progress(crate::step::FINISH);
    verify_value(&cert, &signed_info, &sig)?;
    Ok(template.finish(&sig)?)
}
