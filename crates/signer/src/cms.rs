//! CMS SignedData / CAdES-BES around a card signature.
//!
//! The card computes RSASSA-PKCS1-v1_5 over a DigestInfo it is given (FACTS §3); a document
//! signature is a CMS SignedData (RFC 5652 §5) whose single SignerInfo carries signed
//! attributes (RFC 5652 §5.3, §5.4):
//!
//! - contentType (RFC 5652 §11.1): `id-data`,
//! - messageDigest (RFC 5652 §11.2): SHA-256 of the content,
//! - signingTime (RFC 5652 §11.3): given by the caller (no hidden clock; UTCTime from 1950
//!   to 2049, GeneralizedTime otherwise),
//! - signing-certificate-v2 (RFC 5035 §3): the SHA-256 of the signer certificate and its
//!   issuer and serial number, which makes it CAdES-BES (ETSI EN 319 122-1 §5.2.2.3).
//!
//! The signature value is RSASSA-PKCS1-v1_5 with SHA-256 over the DER encoding of the
//! `SET OF Attribute` (RFC 5652 §5.4: "the DER encoding of the SignedAttrs value", with
//! the EXPLICIT SET OF tag, not the `[0] IMPLICIT` tag used inside SignerInfo).
//!
//! Two steps, so that any signer (the card behind WebUSB, PC/SC, a test key) fits:
//!
//! 1. [`PreparedCms::new`] builds the signed attributes and returns the [`DigestInfo`] the
//!    card must sign ([`PreparedCms::digest_info`]);
//! 2. [`PreparedCms::finish`] takes the 256-byte signature, checks it against the signer
//!    certificate's key, and returns the DER `ContentInfo` (a `.p7s`).
//!
//! [`sign_document`] does both with a [`MyNumberCard`]. The SignedData itself is assembled
//! by the `cms` crate's `SignedDataBuilder`. Nothing here does I/O or reads a clock, so it
//! works on wasm32.

use core::cell::RefCell;
use core::fmt;
use core::time::Duration;

use ::cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use ::cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use ::cms::content_info::ContentInfo;
use ::cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::asn1::{ObjectIdentifier as Oid, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence, Tag};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::{Keypair, Signer, Verifier};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, DecodePublicKey, SignatureAlgorithmIdentifier};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use inkan_apdu::Transport;
use inkan_card::{CardError, CertSlot, DigestInfo, KeyKind, LastTry, MyNumberCard, SignPin};

/// `id-data` (RFC 5652 §4).
const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// `id-contentType` (RFC 5652 §11.1).
const ID_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// `id-signingTime` (RFC 5652 §11.3).
const ID_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
/// `id-aa-signingCertificateV2` (RFC 5035 §3).
const ID_AA_SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// `id-sha256` (RFC 5754 §2.2).
const ID_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// `sha256WithRSAEncryption` (RFC 5754 §3.2, RFC 8017 Appendix A.2.4).
const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");

/// Length of a JPKI signature (RSA-2048).
const SIGNATURE_LEN: usize = 256;

/// Why a CMS signature could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CmsError {
    /// The card operation failed (PIN, reader, card).
    Card(CardError),
    /// The signer certificate cannot be used: not DER X.509, or its key is not RSA.
    Certificate {
        /// What is wrong.
        detail: String,
    },
    /// The signing time cannot be encoded (before 1970 or after 9999).
    SigningTime {
        /// Seconds since the Unix epoch, as given.
        secs: u64,
    },
    /// The signature does not verify with the signer certificate's public key (the card
    /// signed with another key, or returned garbage).
    BadSignature,
    /// The document is larger than [`MAX_DOCUMENT_LEN`]; nothing was sent to the card.
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// DER encoding failed (input too large, or an internal inconsistency).
    Encoding {
        /// Encoder detail.
        detail: String,
    },
}

impl CmsError {
    /// A stable kebab-case code: the card's codes pass through ([`CardError::code`]),
    /// the others are `cms-certificate`, `cms-signing-time`, `cms-bad-signature`,
    /// `cms-encoding` and `invalid-argument` (a document over [`MAX_DOCUMENT_LEN`]).
    pub fn code(&self) -> &'static str {
        match self {
            CmsError::Card(e) => e.code(),
            CmsError::Certificate { .. } => "cms-certificate",
            CmsError::SigningTime { .. } => "cms-signing-time",
            CmsError::BadSignature => "cms-bad-signature",
            CmsError::Encoding { .. } => "cms-encoding",
            CmsError::TooLarge { .. } => "invalid-argument",
        }
    }
}

impl fmt::Display for CmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmsError::Card(e) => write!(f, "{e}"),
            CmsError::Certificate { detail } => {
                write!(f, "the signer certificate cannot be used: {detail}")
            }
            CmsError::SigningTime { secs } => {
                write!(f, "signing time {secs} s after the epoch cannot be encoded")
            }
            CmsError::BadSignature => write!(
                f,
                "the signature does not verify with the signer certificate's key"
            ),
            CmsError::Encoding { detail } => write!(f, "CMS encoding failed: {detail}"),
            CmsError::TooLarge { max, .. } => {
                write!(f, "the document is larger than {} MiB", max >> 20)
            }
        }
    }
}

impl std::error::Error for CmsError {}

impl From<CardError> for CmsError {
    fn from(e: CardError) -> Self {
        CmsError::Card(e)
    }
}

fn enc(e: impl fmt::Display) -> CmsError {
    CmsError::Encoding {
        detail: e.to_string(),
    }
}

/// `IssuerSerial` (RFC 5035 §4, from RFC 5755 §4.1):
///
/// ```asn1
/// IssuerSerial ::= SEQUENCE {
///     issuer                   GeneralNames,
///     serialNumber             CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// `ESSCertIDv2` (RFC 5035 §4):
///
/// ```asn1
/// ESSCertIDv2 ::= SEQUENCE {
///     hashAlgorithm           AlgorithmIdentifier
///                             DEFAULT {algorithm id-sha256},
///     certHash                Hash,
///     issuerSerial            IssuerSerial OPTIONAL }
/// ```
///
/// `hashAlgorithm` is always SHA-256 here and therefore omitted (X.690 §11.5: a DEFAULT
/// value is not encoded in DER).
#[derive(Clone, Debug, Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificateV2` (RFC 5035 §3):
///
/// ```asn1
/// SigningCertificateV2 ::=  SEQUENCE {
///     certs        SEQUENCE OF ESSCertIDv2,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn attribute(oid: Oid, value: Any) -> Result<Attribute, CmsError> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(enc)?;
    Ok(Attribute { oid, values })
}

/// The signingTime attribute (RFC 5652 §11.3): "Dates between 1 January 1950 and 31
/// December 2049 (inclusive) MUST be encoded as UTCTime. Any dates with year values
/// before 1950 or after 2049 MUST be encoded as GeneralizedTime."
fn signing_time_attribute(secs: u64) -> Result<Attribute, CmsError> {
    let dt = der::DateTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|_| CmsError::SigningTime { secs })?;
    let time = if (1950..2050).contains(&dt.year()) {
        Time::UtcTime(der::asn1::UtcTime::from_date_time(dt).map_err(enc)?)
    } else {
        Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt))
    };
    attribute(
        ID_SIGNING_TIME,
        Any::from_der(&time.to_der().map_err(enc)?).map_err(enc)?,
    )
}

/// The signing-certificate-v2 attribute (RFC 5035 §3) for `cert`.
fn signing_certificate_v2_attribute(cert: &Certificate, der: &[u8]) -> Result<Attribute, CmsError> {
    let tbs = cert.tbs_certificate();
    let id = EssCertIdV2 {
        hash_algorithm: None,
        cert_hash: OctetString::new(Sha256::digest(der).to_vec()).map_err(enc)?,
        issuer_serial: Some(IssuerSerial {
            issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
            serial_number: tbs.serial_number().clone(),
        }),
    };
    let value = SigningCertificateV2 { certs: vec![id] };
    attribute(
        ID_AA_SIGNING_CERTIFICATE_V2,
        Any::from_der(&value.to_der().map_err(enc)?).map_err(enc)?,
    )
}

/// Options of a CMS signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmsOptions {
    /// Leave the content out of the SignedData (RFC 5652 §5.2: eContent absent); the
    /// verifier needs the document separately.
    pub detached: bool,
    /// The signingTime attribute, in seconds since 1970-01-01T00:00:00Z. The caller passes
    /// the clock (there is none in here).
    pub signing_time: u64,
    /// A CA certificate (DER) to include next to the signer certificate in
    /// `certificates` (RFC 5652 §5.1). A verifier never trusts it for that reason.
    pub ca_certificate: Option<Vec<u8>>,
}

impl CmsOptions {
    /// Attached (`detached == false`) or detached content at `signing_time`, without a CA
    /// certificate.
    pub fn new(detached: bool, signing_time: u64) -> Self {
        CmsOptions {
            detached,
            signing_time,
            ca_certificate: None,
        }
    }
}

/// Signature algorithm stand-in for the `cms` builder: the key is on the card, so this
/// "signer" only records what the builder asks to sign (first pass) or hands back the
/// card's signature for exactly those bytes (second pass).
struct CardSigner {
    key: VerifyingKey<Sha256>,
    /// The card's signature; `None` on the recording pass.
    signature: Option<Signature>,
    /// The signed attributes the builder passed, as DER.
    seen: RefCell<Option<Vec<u8>>>,
}

impl Keypair for CardSigner {
    type VerifyingKey = VerifyingKey<Sha256>;

    fn verifying_key(&self) -> Self::VerifyingKey {
        self.key.clone()
    }
}

impl SignatureAlgorithmIdentifier for CardSigner {
    type Params = der::AnyRef<'static>;

    /// sha256WithRSAEncryption with NULL parameters (RFC 5754 §3.2 refers to RFC 4055
    /// §5, whose parameters "MUST be NULL").
    const SIGNATURE_ALGORITHM_IDENTIFIER: spki::AlgorithmIdentifier<Self::Params> =
        spki::AlgorithmIdentifier {
            oid: SHA256_WITH_RSA,
            parameters: Some(der::AnyRef::NULL),
        };
}

impl Signer<Signature> for CardSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Signature, rsa::signature::Error> {
        let mut seen = self.seen.borrow_mut();
        if let Some(prev) = seen.as_ref()
            && prev.as_slice() != msg
        {
            return Err(rsa::signature::Error::new());
        }
        *seen = Some(msg.to_vec());
        match &self.signature {
            Some(s) => Ok(s.clone()),
            // Recording pass: any well-formed value; the result is discarded.
            None => Signature::try_from([0u8; SIGNATURE_LEN].as_slice()),
        }
    }
}

/// A CMS signature waiting for the card: the signed attributes are fixed, the
/// [`DigestInfo`] to sign is known.
#[derive(Debug, Clone)]
pub struct PreparedCms {
    cert_der: Vec<u8>,
    cert: Certificate,
    key: VerifyingKey<Sha256>,
    content: Vec<u8>,
    content_digest: Vec<u8>,
    opts: CmsOptions,
    signed_attrs: Vec<u8>,
    digest_info: DigestInfo,
}

impl PreparedCms {
    /// Step 1: the signed attributes (contentType, messageDigest, signingTime,
    /// signing-certificate-v2; RFC 5652 §5.3, RFC 5035 §3) for `content` signed by the
    /// holder of `signer_cert_der` (an RSA certificate, DER).
    pub fn new(signer_cert_der: &[u8], content: &[u8], opts: CmsOptions) -> Result<Self, CmsError> {
        let cert = Certificate::from_der(signer_cert_der).map_err(|e| CmsError::Certificate {
            detail: e.to_string(),
        })?;
        let key = verifying_key(&cert)?;
        if let Some(ca) = &opts.ca_certificate {
            Certificate::from_der(ca).map_err(|e| CmsError::Certificate {
                detail: format!("CA certificate: {e}"),
            })?;
        }
        let mut p = PreparedCms {
            cert_der: signer_cert_der.to_vec(),
            cert,
            key,
            content_digest: Sha256::digest(content).to_vec(),
            content: if opts.detached {
                Vec::new()
            } else {
                content.to_vec()
            },
            opts,
            signed_attrs: Vec::new(),
            digest_info: DigestInfo::sha256(&[]),
        };
        let recorder = p.signer(None);
        p.build(&recorder)?;
        let attrs = recorder
            .seen
            .into_inner()
            .ok_or_else(|| CmsError::Encoding {
                detail: "the builder produced no signed attributes".into(),
            })?;
        p.digest_info = DigestInfo::sha256(&attrs);
        p.signed_attrs = attrs;
        Ok(p)
    }

    /// What the card must sign: DigestInfo of SHA-256 over [`Self::signed_attributes`]
    /// (RFC 5652 §5.4, RFC 8017 §9.2).
    pub fn digest_info(&self) -> &DigestInfo {
        &self.digest_info
    }

    /// The DER `SET OF Attribute` that is signed (RFC 5652 §5.4).
    pub fn signed_attributes(&self) -> &[u8] {
        &self.signed_attrs
    }

    /// The SHA-256 of the content (the messageDigest attribute, RFC 5652 §11.2).
    pub fn content_digest(&self) -> &[u8] {
        &self.content_digest
    }

    /// Step 2: checks `signature` (RSASSA-PKCS1-v1_5, RFC 8017 §8.2) against the signer
    /// certificate's key and returns the DER `ContentInfo` holding the SignedData
    /// (RFC 5652 §3, §5.1) with the signer certificate (and the CA certificate if given).
    pub fn finish(self, signature: &[u8]) -> Result<Vec<u8>, CmsError> {
        let sig = Signature::try_from(signature).map_err(|_| CmsError::BadSignature)?;
        self.key
            .verify(&self.signed_attrs, &sig)
            .map_err(|_| CmsError::BadSignature)?;
        let signer = self.signer(Some(sig));
        *signer.seen.borrow_mut() = Some(self.signed_attrs.clone());
        let ci = self.build(&signer)?;
        ci.to_der().map_err(enc)
    }

    fn signer(&self, signature: Option<Signature>) -> CardSigner {
        CardSigner {
            key: self.key.clone(),
            signature,
            seen: RefCell::new(None),
        }
    }

    /// Runs the `cms` SignedData builder (RFC 5652 §5.1–§5.4) with `signer`.
    fn build(&self, signer: &CardSigner) -> Result<ContentInfo, CmsError> {
        let econtent = if self.opts.detached {
            None
        } else {
            Some(Any::new(Tag::OctetString, self.content.as_slice()).map_err(enc)?)
        };
        let eci = EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent,
        };
        let digest_alg = AlgorithmIdentifierOwned {
            oid: ID_SHA256,
            parameters: None,
        };
        let tbs = self.cert.tbs_certificate();
        // RFC 5652 §5.3: issuerAndSerialNumber, SignerInfo version 1.
        let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        });
        let external = self.opts.detached.then_some(self.content_digest.as_slice());
        let mut si =
            SignerInfoBuilder::new(sid, digest_alg.clone(), &eci, external).map_err(enc)?;
        // The builder adds messageDigest itself and keeps our contentType (it checks that
        // it equals eContentType).
        si.add_signed_attribute(attribute(
            ID_CONTENT_TYPE,
            Any::from_der(&ID_DATA.to_der().map_err(enc)?).map_err(enc)?,
        )?)
        .map_err(enc)?;
        si.add_signed_attribute(signing_time_attribute(self.opts.signing_time)?)
            .map_err(enc)?;
        si.add_signed_attribute(signing_certificate_v2_attribute(
            &self.cert,
            &self.cert_der,
        )?)
        .map_err(enc)?;

        let mut b = SignedDataBuilder::new(&eci);
        b.add_digest_algorithm(digest_alg).map_err(enc)?;
        b.add_certificate(CertificateChoices::Certificate(self.cert.clone()))
            .map_err(enc)?;
        if let Some(ca) = &self.opts.ca_certificate {
            let c = Certificate::from_der(ca).map_err(|e| CmsError::Certificate {
                detail: format!("CA certificate: {e}"),
            })?;
            b.add_certificate(CertificateChoices::Certificate(c))
                .map_err(enc)?;
        }
        b.add_signer_info::<CardSigner, Signature>(si, signer)
            .map_err(enc)?;
        b.build().map_err(enc)
    }
}

/// The RSA key of `cert`'s subjectPublicKeyInfo (RFC 5280 §4.1.2.7), to check the card's
/// signature before it is used (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 §8.2.2).
pub(crate) fn verifying_key(cert: &Certificate) -> Result<VerifyingKey<Sha256>, CmsError> {
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(enc)?;
    VerifyingKey::<Sha256>::from_public_key_der(&spki).map_err(|e| CmsError::Certificate {
        detail: format!("not an RSA public key: {e}"),
    })
}

/// Largest document [`sign_document`] takes (the CMS is built in memory).
pub const MAX_DOCUMENT_LEN: usize = 256 * 1024 * 1024;

/// Signs `data` with the card's signature key and returns a DER CMS SignedData
/// (CAdES-BES, SHA-256; see the [module documentation](self)): verifies the signature PIN
/// through the lockout guard (once), reads the signature certificate and the signature CA
/// certificate (both go into `certificates`, RFC 5652 §5.1, so that a relying party can
/// build the path without fetching), builds the signed attributes with `signing_time`
/// (seconds since the Unix epoch), has the card sign them, and assembles the SignedData
/// with the content attached or `detached`. `progress` hears the steps of
/// [`crate::step`] in order. The CLI, the browser and the PKCS#11 module all sign here.
pub async fn sign_document<T: Transport>(
    card: &mut MyNumberCard<T>,
    pin: &SignPin,
    data: &[u8],
    detached: bool,
    signing_time: u64,
    last_try: LastTry,
    progress: &mut dyn FnMut(&'static str),
) -> Result<Vec<u8>, CmsError> {
    if data.len() > MAX_DOCUMENT_LEN {
        return Err(CmsError::TooLarge {
            len: data.len(),
            max: MAX_DOCUMENT_LEN,
        });
    }
    progress(crate::step::VERIFY_PIN);
    let cert = card.read_sign_certificate(pin, last_try).await?;
    progress(crate::step::READ_CERTIFICATE);
    let ca = card.read_certificate(CertSlot::SignCa).await?;
    progress(crate::step::PREPARE);
    let mut opts = CmsOptions::new(detached, signing_time);
    opts.ca_certificate = ca;
    let prepared = PreparedCms::new(&cert, data, opts)?;
    progress(crate::step::CARD_SIGNS);
    let sig = card
        .sign_verified(KeyKind::Sign, prepared.digest_info())
        .await?;
    progress(crate::step::FINISH);
    prepared.finish(&sig)
}
