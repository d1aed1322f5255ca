//! A test PKI in the JPKI profile: roots, signature and user-authentication certificates,
//! and CRLs (full and delta), all with real RSA-2048 keys.
//!
//! Everything here is deterministic: keys come from a seeded CSPRNG ([`StdRng`] seeded
//! from SHA-256 of a `u64` seed and a label), RSASSA-PKCS1-v1_5 signatures are
//! deterministic, and every time is passed in by the caller (there is no hidden `now()`).
//! The same seed and the same times always give byte-identical DER.
//!
//! The certificates are DER-encoded directly (the field layout follows
//! [RFC 5280 §4.1](https://www.rfc-editor.org/rfc/rfc5280#section-4.1) and
//! [§5.1](https://www.rfc-editor.org/rfc/rfc5280#section-5.1)), which keeps the encoding
//! under full control (extension order, criticality, string types) and keeps the CRL builder
//! linear in the number of entries.
//!
//! Names are modelled on the production J-LIS hierarchy but use `O=JPKI-TEST`, so nothing
//! produced here can be confused with a production certificate:
//!
//! ```text
//! C=JP, O=JPKI-TEST, OU=JPKI for digital signature, OU=Japan Agency for Local Authority Information Systems
//! C=JP, O=JPKI-TEST, OU=JPKI for user authentication, OU=Japan Agency for Local Authority Information Systems
//! ```
//!
//! Typical use:
//!
//! ```
//! use inkan_testpki::jpki::{self as pki, utc, CrlOptions, CrlScope, Identity, Reason, RevokedEntry,
//!     SignatureCertSpec, TestPki, Validity};
//! # fn main() -> Result<(), pki::PkiError> {
//! // Three generations per hierarchy, like the production 2015/2019/2023 roots.
//! let pki = TestPki::generate(42, 3, Validity::new(utc(2023, 1, 1, 0, 0, 0)?, utc(2033, 1, 1, 0, 0, 0)?)?)?;
//! // The software card owns the holder key; only the public half goes into the certificate.
//! let holder = pki::test_key(42, "holder/sign")?;
//! let root = &pki.sign_roots[1];
//! let leaf = pki::issue_signature_cert(root, &SignatureCertSpec {
//!     serial: &[0x01, 0x23],
//!     subject_key: holder.as_public_key(),
//!     common_name: "202301010000000000000001",
//!     scope: CrlScope::new("Tokyo-to", "Chiyoda-ku"),
//!     identity: &Identity::example(),
//!     validity: Validity::new(utc(2024, 1, 1, 0, 0, 0)?, utc(2029, 1, 1, 0, 0, 0)?)?,
//! })?;
//! let crl = pki::build_crl(
//!     root,
//!     &[RevokedEntry { serial: vec![0x01, 0x23], revoked_at: utc(2024, 6, 1, 0, 0, 0)?,
//!         reason: Some(Reason::AffiliationChanged) }],
//!     utc(2024, 6, 2, 0, 0, 0)?,
//!     utc(2024, 6, 3, 0, 0, 0)?,
//!     1,
//!     &CrlOptions::default(),
//! )?;
//! assert!(pki::cert_to_pem(&leaf)?.starts_with("-----BEGIN CERTIFICATE-----"));
//! assert!(pki::crl_to_pem(&crl)?.starts_with("-----BEGIN X509 CRL-----"));
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use der::oid::ObjectIdentifier;
use der::pem::LineEnding;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
use rsa::{Pkcs1v15Sign, PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use sha2::{Digest, Sha256};

use crate::encode::*;

pub use der::DateTime;

/// RSA modulus size of every key made here.
pub const RSA_BITS: usize = 2048;

/// The `O=` value of every test name (the production hierarchy uses `O=JPKI`).
pub const TEST_ORGANIZATION: &str = "JPKI-TEST";

/// The second `OU=` of the root names.
pub const AGENCY_OU: &str = "Japan Agency for Local Authority Information Systems";

/// The `OU=` that marks the CRL distribution point names.
pub const CRL_DP_OU: &str = "CRL Distribution Points";

/// Certificate policy of the JPKI signature certificate (`1.2.392.200149.8.5.1.1.20`).
pub const SIGN_POLICY_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap(inkan_profile::oid::SIGN_POLICY);

/// Certificate policy of the JPKI user-authentication certificate (`1.2.392.200149.8.5.1.3.30`).
pub const AUTH_POLICY_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap(inkan_profile::oid::AUTH_POLICY);

/// subjectAltName otherName: name (UTF8String).
pub const SAN_NAME_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap(inkan_profile::oid::SAN_NAME);
/// subjectAltName otherName: name substitute-character flags (UTF8String).
pub const SAN_NAME_FLAGS_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap(inkan_profile::oid::SAN_NAME_FLAGS);
/// subjectAltName otherName: sex, `1` male, `2` female, `9` not applicable (UTF8String).
pub const SAN_SEX_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap(inkan_profile::oid::SAN_SEX);
/// subjectAltName otherName: birth date `EYYYYMMDD` (UTF8String).
pub const SAN_BIRTH_DATE_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap(inkan_profile::oid::SAN_BIRTH_DATE);
/// subjectAltName otherName: address (UTF8String).
pub const SAN_ADDRESS_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap(inkan_profile::oid::SAN_ADDRESS);
/// subjectAltName otherName: address substitute-character flags (UTF8String).
pub const SAN_ADDRESS_FLAGS_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap(inkan_profile::oid::SAN_ADDRESS_FLAGS);

// Attribute types (RFC 5280 §4.1.2.4, X.520).
const OID_COUNTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const OID_ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_ORG_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const OID_LOCALITY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

// Extensions (RFC 5280 §4.2, §5.2, §5.3).
const OID_SKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
const OID_REASON_CODE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");
const OID_DELTA_CRL_INDICATOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.27");
const OID_IDP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.28");
const OID_CRL_DP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");
const OID_CERT_POLICIES: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32");
const OID_AKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const OID_FRESHEST_CRL: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.46");

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Errors from building the test PKI.
#[derive(Debug)]
#[non_exhaustive]
pub enum PkiError {
    /// RSA key generation or signing failed.
    Rsa(rsa::Error),
    /// Encoding a key, a DER object or a PEM document failed.
    Encoding {
        /// What was being encoded.
        context: &'static str,
        /// The underlying error, as text.
        message: String,
    },
    /// A serial number is empty, zero, or longer than 20 octets (RFC 5280 §4.1.2.2).
    InvalidSerial {
        /// Length in octets after leading zeros were removed.
        len: usize,
    },
    /// A validity period ends before it begins.
    InvalidValidity {
        /// The start.
        not_before: DateTime,
        /// The end.
        not_after: DateTime,
    },
    /// An [`Identity`] field does not have the JPKI format.
    InvalidIdentity {
        /// The field name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A name attribute value is not encodable (empty, or not printable where required).
    InvalidName {
        /// The offending value.
        value: String,
    },
    /// `TestPki::generate` was asked for zero generations.
    NoGenerations,
    /// A calendar time is invalid or outside 1970–9999 (see [`utc`]).
    InvalidTime,
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa(e) => write!(f, "RSA operation failed: {e}"),
            Self::Encoding { context, message } => {
                write!(f, "encoding {context} failed: {message}")
            }
            Self::InvalidSerial { len } => write!(
                f,
                "invalid serial number ({len} octets): must be positive and at most 20 octets"
            ),
            Self::InvalidValidity {
                not_before,
                not_after,
            } => write!(
                f,
                "validity ends ({not_after}) before it begins ({not_before})"
            ),
            Self::InvalidIdentity { field, reason } => {
                write!(f, "invalid identity field `{field}`: {reason}")
            }
            Self::InvalidName { value } => write!(f, "invalid name attribute value {value:?}"),
            Self::NoGenerations => write!(f, "at least one root generation is needed"),
            Self::InvalidTime => write!(f, "invalid or unsupported UTC time"),
        }
    }
}

impl std::error::Error for PkiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Rsa(e) => Some(e),
            _ => None,
        }
    }
}

impl From<rsa::Error> for PkiError {
    fn from(e: rsa::Error) -> Self {
        Self::Rsa(e)
    }
}

/// A UTC time from its components, e.g. `utc(2025, 1, 1, 0, 0, 0)`.
pub fn utc(
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minutes: u8,
    seconds: u8,
) -> Result<DateTime, PkiError> {
    DateTime::new(year, month, day, hour, minutes, seconds).map_err(|_| PkiError::InvalidTime)
}

fn encoding_error(context: &'static str, e: impl fmt::Display) -> PkiError {
    PkiError::Encoding {
        context,
        message: e.to_string(),
    }
}

/// Appends a certificate serial number (RFC 5280 §4.1.2.2: positive, at most 20 octets).
fn push_serial(out: &mut Vec<u8>, serial: &[u8]) -> Result<(), PkiError> {
    let significant = serial.iter().skip_while(|b| **b == 0).count();
    if significant == 0 || significant > 20 {
        return Err(PkiError::InvalidSerial { len: significant });
    }
    push_tlv(out, TAG_INTEGER, &unsigned_integer_content(serial));
    Ok(())
}

/// String type of a name attribute value.
#[derive(Clone, Copy)]
enum Str {
    Printable,
    Utf8,
}

fn is_printable(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

/// A `Name` (RFC 5280 §4.1.2.4) with one attribute per RDN, in the given order.
fn name(attrs: &[(ObjectIdentifier, Str, &str)]) -> Result<Vec<u8>, PkiError> {
    let mut rdns = Vec::new();
    for (id, kind, value) in attrs {
        if value.is_empty() {
            return Err(PkiError::InvalidName {
                value: (*value).to_owned(),
            });
        }
        let tag = match kind {
            Str::Printable => {
                if !is_printable(value) {
                    return Err(PkiError::InvalidName {
                        value: (*value).to_owned(),
                    });
                }
                TAG_PRINTABLE_STRING
            }
            Str::Utf8 => TAG_UTF8_STRING,
        };
        let atv = seq(&[&oid(id), &tlv(tag, value.as_bytes())]);
        push_tlv(&mut rdns, TAG_SET, &atv);
    }
    Ok(tlv(TAG_SEQUENCE, &rdns))
}

// ---------------------------------------------------------------------------------------------
// Public value types
// ---------------------------------------------------------------------------------------------

/// The two JPKI hierarchies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hierarchy {
    /// Signature certificates (署名用電子証明書), `OU=JPKI for digital signature`.
    Signature,
    /// User-authentication certificates (利用者証明用電子証明書),
    /// `OU=JPKI for user authentication`.
    Authentication,
}

impl Hierarchy {
    /// The hierarchy's `OU=` value.
    pub fn org_unit(self) -> &'static str {
        match self {
            Self::Signature => "JPKI for digital signature",
            Self::Authentication => "JPKI for user authentication",
        }
    }

    /// The certificate policy of this hierarchy's end-entity certificates.
    pub fn policy_oid(self) -> ObjectIdentifier {
        match self {
            Self::Signature => SIGN_POLICY_OID,
            Self::Authentication => AUTH_POLICY_OID,
        }
    }

    /// Short label used in root labels and key derivation (`sign` / `auth`).
    pub fn short_label(self) -> &'static str {
        match self {
            Self::Signature => "sign",
            Self::Authentication => "auth",
        }
    }

    /// DER `Name` of this hierarchy's roots:
    /// `C=JP, O=JPKI-TEST, OU=<hierarchy>, OU=Japan Agency for Local Authority Information Systems`.
    pub fn root_name_der(self) -> Result<Vec<u8>, PkiError> {
        name(&[
            (OID_COUNTRY, Str::Printable, "JP"),
            (OID_ORGANIZATION, Str::Utf8, TEST_ORGANIZATION),
            (OID_ORG_UNIT, Str::Utf8, self.org_unit()),
            (OID_ORG_UNIT, Str::Utf8, AGENCY_OU),
        ])
    }

    /// The Japanese organisation names put in the roots' subjectAltName directoryName,
    /// as in the production roots (with a test marker).
    fn japanese_names(self) -> [&'static str; 3] {
        match self {
            Self::Signature => [
                "公的個人認証サービス(試験用)",
                "公的個人認証サービス署名用",
                "地方公共団体情報システム機構",
            ],
            Self::Authentication => [
                "公的個人認証サービス(試験用)",
                "公的個人認証サービス利用者証明用",
                "地方公共団体情報システム機構",
            ],
        }
    }
}

/// A validity period (RFC 5280 §4.1.2.5). Both ends are inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// `notBefore`.
    pub not_before: DateTime,
    /// `notAfter`.
    pub not_after: DateTime,
}

impl Validity {
    /// A validity period; fails if `not_after` is before `not_before`.
    pub fn new(not_before: DateTime, not_after: DateTime) -> Result<Self, PkiError> {
        if not_after < not_before {
            return Err(PkiError::InvalidValidity {
                not_before,
                not_after,
            });
        }
        Ok(Self {
            not_before,
            not_after,
        })
    }

    fn check(&self) -> Result<(), PkiError> {
        Self::new(self.not_before, self.not_after).map(|_| ())
    }

    fn push(&self, out: &mut Vec<u8>) {
        let mut content = Vec::with_capacity(34);
        push_time(&mut content, &self.not_before);
        push_time(&mut content, &self.not_after);
        push_tlv(out, TAG_SEQUENCE, &content);
    }
}

/// The municipality a certificate's CRL distribution point names. The directoryName is
/// `C=JP, O=JPKI-TEST, OU=<hierarchy>, OU=CRL Distribution Points, OU=<prefecture>, CN=<city>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CrlScope {
    /// Prefecture (都道府県), e.g. `Tokyo-to`.
    pub prefecture: String,
    /// City, ward, town or village (市区町村), e.g. `Chiyoda-ku`.
    pub city: String,
}

impl CrlScope {
    /// A scope from its two parts.
    pub fn new(prefecture: &str, city: &str) -> Self {
        Self {
            prefecture: prefecture.to_owned(),
            city: city.to_owned(),
        }
    }

    /// DER `Name` of the distribution point in the given hierarchy.
    pub fn directory_name_der(&self, hierarchy: Hierarchy) -> Result<Vec<u8>, PkiError> {
        name(&[
            (OID_COUNTRY, Str::Printable, "JP"),
            (OID_ORGANIZATION, Str::Utf8, TEST_ORGANIZATION),
            (OID_ORG_UNIT, Str::Utf8, hierarchy.org_unit()),
            (OID_ORG_UNIT, Str::Utf8, CRL_DP_OU),
            (OID_ORG_UNIT, Str::Utf8, &self.prefecture),
            (OID_COMMON_NAME, Str::Utf8, &self.city),
        ])
    }
}

/// `DistributionPointName ::= CHOICE { fullName [0] GeneralNames, ... }` holding one
/// `directoryName [4] Name` (RFC 5280 §4.2.1.13), wrapped in the explicit `[0]` of
/// `distributionPoint` as used by both DistributionPoint and IssuingDistributionPoint.
fn dp_name_field(directory_name: &[u8]) -> Vec<u8> {
    let general_name = tlv(TAG_CTX4_CONS, directory_name);
    let full_name = tlv(TAG_CTX0_CONS, &general_name);
    tlv(TAG_CTX0_CONS, &full_name)
}

/// `cRLDistributionPoints` value with one DistributionPoint naming `directory_name`
/// (RFC 5280 §4.2.1.13).
fn crl_dp_value(directory_name: &[u8]) -> Vec<u8> {
    let dp = tlv(TAG_SEQUENCE, &dp_name_field(directory_name));
    tlv(TAG_SEQUENCE, &dp)
}

/// The holder data carried in a signature certificate's subjectAltName (the "basic four"
/// plus substitute-character flags). All values are UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    /// Name (氏名), `1.2.392.200149.8.5.5.1`.
    pub name: String,
    /// Name substitute-character flags, `1.2.392.200149.8.5.5.2`.
    pub name_flags: String,
    /// Address (住所), `1.2.392.200149.8.5.5.5`.
    pub address: String,
    /// Address substitute-character flags, `1.2.392.200149.8.5.5.6`.
    pub address_flags: String,
    /// Birth date `EYYYYMMDD`: era digit (1 Meiji, 2 Taisho, 3 Showa, 4 Heisei, 5 Reiwa)
    /// then the Gregorian date, `1.2.392.200149.8.5.5.4`.
    pub birth_date: String,
    /// Sex: `1` male, `2` female, `9` not applicable, `1.2.392.200149.8.5.5.3`.
    pub sex: String,
}

impl Identity {
    /// A fictitious holder, for tests.
    pub fn example() -> Self {
        Self {
            name: "試験 花子".to_owned(),
            name_flags: "00000".to_owned(),
            address: "東京都千代田区霞が関二丁目一番二号".to_owned(),
            address_flags: "0000000000000000".to_owned(),
            birth_date: "319850615".to_owned(),
            sex: "2".to_owned(),
        }
    }

    /// Checks the formats of `sex` and `birth_date`, and that `name` and `address` are
    /// not empty.
    pub fn validate(&self) -> Result<(), PkiError> {
        if self.name.is_empty() {
            return Err(PkiError::InvalidIdentity {
                field: "name",
                reason: "empty",
            });
        }
        if self.address.is_empty() {
            return Err(PkiError::InvalidIdentity {
                field: "address",
                reason: "empty",
            });
        }
        if !matches!(self.sex.as_str(), "1" | "2" | "9") {
            return Err(PkiError::InvalidIdentity {
                field: "sex",
                reason: "must be 1, 2 or 9",
            });
        }
        let b = self.birth_date.as_bytes();
        if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
            return Err(PkiError::InvalidIdentity {
                field: "birth_date",
                reason: "must be 9 digits EYYYYMMDD",
            });
        }
        if !matches!(b.first(), Some(b'1'..=b'5')) {
            return Err(PkiError::InvalidIdentity {
                field: "birth_date",
                reason: "era digit must be 1 to 5",
            });
        }
        let num = |r: std::ops::Range<usize>| -> u32 {
            b.get(r)
                .unwrap_or(&[])
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
        };
        let (month, day) = (num(5..7), num(7..9));
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(PkiError::InvalidIdentity {
                field: "birth_date",
                reason: "month or day out of range",
            });
        }
        Ok(())
    }

    /// The subjectAltName `GeneralNames` value: six otherNames, each
    /// `otherName [0] { type-id, value [0] EXPLICIT UTF8String }` (RFC 5280 §4.2.1.6).
    fn san_value(&self) -> Vec<u8> {
        let items: [(&ObjectIdentifier, &str); 6] = [
            (&SAN_NAME_OID, &self.name),
            (&SAN_NAME_FLAGS_OID, &self.name_flags),
            (&SAN_SEX_OID, &self.sex),
            (&SAN_BIRTH_DATE_OID, &self.birth_date),
            (&SAN_ADDRESS_OID, &self.address),
            (&SAN_ADDRESS_FLAGS_OID, &self.address_flags),
        ];
        let mut names = Vec::new();
        for (id, value) in items {
            let value = tlv(TAG_CTX0_CONS, &tlv(TAG_UTF8_STRING, value.as_bytes()));
            let other = cons(TAG_CTX0_CONS, &[&oid(id), &value]);
            names.extend_from_slice(&other);
        }
        tlv(TAG_SEQUENCE, &names)
    }
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/// A CSPRNG seeded from SHA-256(`"inkan-sim/pki/v1"`, `seed`, `label`). Different labels give
/// independent streams, so adding a generation never changes the keys of the others.
pub fn derived_rng(seed: u64, label: &str) -> StdRng {
    let mut h = Sha256::new();
    h.update(b"inkan-sim/pki/v1\0");
    h.update(seed.to_be_bytes());
    h.update(label.as_bytes());
    let digest: [u8; 32] = h.finalize().into();
    StdRng::from_seed(digest)
}

type KeyCache = Mutex<HashMap<(u64, String), RsaPrivateKey>>;

fn key_cache() -> &'static KeyCache {
    static CACHE: OnceLock<KeyCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A deterministic RSA-2048 key for `(seed, label)`.
///
/// Keys are memoized in memory for the life of the process (nothing is written to disk), so
/// tests that ask for the same key again pay for key generation only once. With the
/// workspace's `opt-level = 3` for dependencies one key takes well under a second even in
/// a debug build.
pub fn test_key(seed: u64, label: &str) -> Result<RsaPrivateKey, PkiError> {
    let id = (seed, label.to_owned());
    if let Ok(cache) = key_cache().lock()
        && let Some(key) = cache.get(&id)
    {
        return Ok(key.clone());
    }
    let mut rng = derived_rng(seed, label);
    let key = RsaPrivateKey::new(&mut rng, RSA_BITS)?;
    if let Ok(mut cache) = key_cache().lock() {
        cache.insert(id, key.clone());
    }
    Ok(key)
}

/// DER `SubjectPublicKeyInfo` of an RSA public key (RFC 5280 §4.1.2.7).
pub fn spki_der(key: &RsaPublicKey) -> Result<Vec<u8>, PkiError> {
    key.to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| encoding_error("SubjectPublicKeyInfo", e))
}

/// Key identifier of an RSA public key: the leftmost 160 bits of SHA-256 over the
/// subjectPublicKey BIT STRING value (RFC 7093 §2 method 1, an allowed alternative to the
/// SHA-1 method of RFC 5280 §4.2.1.2).
pub fn key_identifier(key: &RsaPublicKey) -> Result<[u8; 20], PkiError> {
    let pkcs1 = key
        .to_pkcs1_der()
        .map_err(|e| encoding_error("RSAPublicKey", e))?;
    let digest = Sha256::digest(pkcs1.as_bytes());
    let mut id = [0u8; 20];
    for (dst, src) in id.iter_mut().zip(digest.iter()) {
        *dst = *src;
    }
    Ok(id)
}

/// The algorithm of a test PKI's CA keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeyAlg {
    /// RSA-2048, RSASSA-PKCS1-v1_5 with SHA-256: today's JPKI.
    #[default]
    Rsa2048,
    /// ECDSA on P-384 with SHA-384: the next-generation card's JPKI (FACTS §10).
    EcdsaP384,
}

impl KeyAlg {
    /// The name the CLI takes: `rsa-2048`, `ecdsa-p384`.
    pub fn name(self) -> &'static str {
        match self {
            KeyAlg::Rsa2048 => "rsa-2048",
            KeyAlg::EcdsaP384 => "ecdsa-p384",
        }
    }

    /// Parses [`KeyAlg::name`].
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "rsa-2048" | "rsa" => Some(KeyAlg::Rsa2048),
            "ecdsa-p384" | "p384" => Some(KeyAlg::EcdsaP384),
            _ => None,
        }
    }
}

/// A CA's private key: what signs certificates and CRLs.
#[derive(Clone)]
pub enum CaKey {
    /// RSA (signatures RSASSA-PKCS1-v1_5 with SHA-256, sha256WithRSAEncryption).
    Rsa(RsaPrivateKey),
    /// ECDSA P-384 (signatures with SHA-384, ecdsa-with-SHA384, DER `Ecdsa-Sig-Value`).
    EcdsaP384(p384::ecdsa::SigningKey),
}

impl From<RsaPrivateKey> for CaKey {
    fn from(k: RsaPrivateKey) -> Self {
        CaKey::Rsa(k)
    }
}

impl CaKey {
    /// A deterministic key of `alg` for `(seed, label)` ([`test_key`] for RSA; for
    /// P-384 the scalar is SHA-384 of the seed and label, counted up until in range).
    pub fn generate(seed: u64, label: &str, alg: KeyAlg) -> Result<Self, PkiError> {
        match alg {
            KeyAlg::Rsa2048 => Ok(CaKey::Rsa(test_key(seed, label)?)),
            KeyAlg::EcdsaP384 => {
                for counter in 0u32..16 {
                    let mut h = sha2::Sha384::new();
                    h.update(b"inkan-sim/pki/p384\0");
                    h.update(seed.to_be_bytes());
                    h.update(label.as_bytes());
                    h.update(counter.to_be_bytes());
                    if let Ok(k) = p384::ecdsa::SigningKey::from_slice(&h.finalize()) {
                        return Ok(CaKey::EcdsaP384(k));
                    }
                }
                Err(encoding_error("P-384 key", "no scalar in range"))
            }
        }
    }

    /// The algorithm.
    pub fn alg(&self) -> KeyAlg {
        match self {
            CaKey::Rsa(_) => KeyAlg::Rsa2048,
            CaKey::EcdsaP384(_) => KeyAlg::EcdsaP384,
        }
    }

    /// DER `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7; RFC 5480 §2 for P-384).
    pub fn spki_der(&self) -> Result<Vec<u8>, PkiError> {
        match self {
            CaKey::Rsa(k) => spki_der(&k.to_public_key()),
            CaKey::EcdsaP384(k) => k
                .verifying_key()
                .to_public_key_der()
                .map(|d| d.as_bytes().to_vec())
                .map_err(|e| encoding_error("SubjectPublicKeyInfo", e)),
        }
    }

    /// Key identifier: the leftmost 160 bits of SHA-256 over the subjectPublicKey BIT
    /// STRING value (RFC 7093 §2 method 1).
    pub fn key_identifier(&self) -> Result<[u8; 20], PkiError> {
        match self {
            CaKey::Rsa(k) => key_identifier(&k.to_public_key()),
            CaKey::EcdsaP384(k) => {
                let point = k.verifying_key().to_sec1_point(false);
                let digest = Sha256::digest(point.as_bytes());
                let mut id = [0u8; 20];
                for (dst, src) in id.iter_mut().zip(digest.iter()) {
                    *dst = *src;
                }
                Ok(id)
            }
        }
    }

    /// The DER `AlgorithmIdentifier` of this key's signatures.
    pub fn signature_algorithm(&self) -> Vec<u8> {
        match self {
            CaKey::Rsa(_) => sha256_rsa_algorithm(),
            CaKey::EcdsaP384(_) => ecdsa_sha384_algorithm(),
        }
    }

    /// Signs `data`: RSASSA-PKCS1-v1_5 / SHA-256, or ECDSA P-384 / SHA-384 as a DER
    /// `Ecdsa-Sig-Value` (RFC 3279 §2.2.3; deterministic, RFC 6979).
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, PkiError> {
        match self {
            CaKey::Rsa(k) => Ok(k.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(data))?),
            CaKey::EcdsaP384(k) => {
                use p384::ecdsa::signature::Signer;
                let sig: p384::ecdsa::Signature = k.sign(data);
                Ok(sig.to_der().as_bytes().to_vec())
            }
        }
    }

    /// The private key as unencrypted PKCS#8 PEM (`PRIVATE KEY`), for `openssl`.
    pub fn pkcs8_pem(&self) -> Result<String, PkiError> {
        let pem = match self {
            CaKey::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
            CaKey::EcdsaP384(k) => k.to_pkcs8_pem(LineEnding::LF),
        };
        pem.map(|s| s.as_str().to_owned())
            .map_err(|e| encoding_error("PKCS#8 private key", e))
    }
}

/// `SubjectKeyIdentifier ::= KeyIdentifier` (RFC 5280 §4.2.1.2).
fn ski_value(id: &[u8; 20]) -> Vec<u8> {
    tlv(TAG_OCTET_STRING, id)
}

/// `AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier }`
/// (RFC 5280 §4.2.1.1).
fn aki_value(id: &[u8; 20]) -> Vec<u8> {
    tlv(TAG_SEQUENCE, &tlv(TAG_CTX0_PRIM, id))
}

/// Signs `tbs` with `key` and returns `SEQUENCE { tbs, signatureAlgorithm, BIT STRING
/// signature }` (RFC 5280 §4.1.1 and §5.1.1 have the same shape).
fn sign_and_wrap(key: &CaKey, tbs: &[u8]) -> Result<Vec<u8>, PkiError> {
    let signature = key.sign(tbs)?;
    let alg = key.signature_algorithm();
    let mut bits = Vec::with_capacity(signature.len() + 1);
    bits.push(0); // no unused bits
    bits.extend_from_slice(&signature);
    let bits = tlv(TAG_BIT_STRING, &bits);
    Ok(cons(TAG_SEQUENCE, &[tbs, &alg, &bits]))
}

/// Builds and signs a v3 certificate (RFC 5280 §4.1).
fn build_certificate(
    signer: &CaKey,
    serial: &[u8],
    issuer: &[u8],
    validity: &Validity,
    subject: &[u8],
    spki: &[u8],
    extensions: &[Vec<u8>],
) -> Result<Vec<u8>, PkiError> {
    validity.check()?;
    let mut tbs = Vec::with_capacity(1024);
    // version [0] EXPLICIT Version: v3(2)
    tbs.extend_from_slice(&[TAG_CTX0_CONS, 0x03, TAG_INTEGER, 0x01, 0x02]);
    push_serial(&mut tbs, serial)?;
    tbs.extend_from_slice(&signer.signature_algorithm());
    tbs.extend_from_slice(issuer);
    validity.push(&mut tbs);
    tbs.extend_from_slice(subject);
    tbs.extend_from_slice(spki);
    let ext_refs: Vec<&[u8]> = extensions.iter().map(Vec::as_slice).collect();
    let exts = seq(&ext_refs);
    push_tlv(&mut tbs, TAG_CTX3_CONS, &exts);
    let tbs = tlv(TAG_SEQUENCE, &tbs);
    sign_and_wrap(signer, &tbs)
}

// ---------------------------------------------------------------------------------------------
// Roots
// ---------------------------------------------------------------------------------------------

/// A self-signed test root: its key, certificate and generation.
#[derive(Clone)]
pub struct RootCa {
    hierarchy: Hierarchy,
    generation: u32,
    label: String,
    key: CaKey,
    key_id: [u8; 20],
    name: Vec<u8>,
    serial: Vec<u8>,
    validity: Validity,
    cert: Vec<u8>,
}

impl fmt::Debug for RootCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootCa")
            .field("label", &self.label)
            .field("serial", &hex::encode(&self.serial))
            .field("key_id", &hex::encode(self.key_id))
            .finish_non_exhaustive()
    }
}

impl RootCa {
    /// Makes a self-signed root for `hierarchy` with the given key, serial and validity.
    ///
    /// Extensions, in the order of the production roots:
    /// keyUsage keyCertSign + cRLSign, critical (RFC 5280 §4.2.1.3);
    /// subjectAltName directoryName with the Japanese organisation names (§4.2.1.6);
    /// basicConstraints cA, critical (§4.2.1.9);
    /// cRLDistributionPoints naming the root's own subject (the ARL, §4.2.1.13);
    /// subjectKeyIdentifier (§4.2.1.2).
    pub fn new(
        hierarchy: Hierarchy,
        generation: u32,
        key: impl Into<CaKey>,
        serial: &[u8],
        validity: Validity,
    ) -> Result<Self, PkiError> {
        let key = key.into();
        let key_id = key.key_identifier()?;
        let subject = hierarchy.root_name_der()?;
        let [jp_org, jp_unit, jp_agency] = hierarchy.japanese_names();
        let san_dir = name(&[
            (OID_COUNTRY, Str::Printable, "JP"),
            (OID_ORGANIZATION, Str::Utf8, jp_org),
            (OID_ORG_UNIT, Str::Utf8, jp_unit),
            (OID_ORG_UNIT, Str::Utf8, jp_agency),
        ])?;
        let san = tlv(TAG_SEQUENCE, &tlv(TAG_CTX4_CONS, &san_dir));
        let extensions = vec![
            // KeyUsage BIT STRING: keyCertSign(5), cRLSign(6) → 0000 0110, 1 unused bit.
            extension(&OID_KEY_USAGE, true, &[TAG_BIT_STRING, 0x02, 0x01, 0x06]),
            extension(&OID_SAN, false, &san),
            // BasicConstraints ::= SEQUENCE { cA TRUE }
            extension(
                &OID_BASIC_CONSTRAINTS,
                true,
                &[TAG_SEQUENCE, 0x03, TAG_BOOLEAN, 0x01, 0xFF],
            ),
            extension(&OID_CRL_DP, false, &crl_dp_value(&subject)),
            extension(&OID_SKI, false, &ski_value(&key_id)),
        ];
        let cert = build_certificate(
            &key,
            serial,
            &subject,
            &validity,
            &subject,
            &key.spki_der()?,
            &extensions,
        )?;
        Ok(Self {
            hierarchy,
            generation,
            label: format!("{}-gen{generation}", hierarchy.short_label()),
            key,
            key_id,
            name: subject,
            serial: serial.to_vec(),
            validity,
            cert,
        })
    }

    /// The root [`TestPki::generate_with`] makes for `(seed, hierarchy, generation,
    /// validity, alg)`: the same key, serial and certificate, without making the others
    /// (a software card's later events re-create only the roots that issued its
    /// certificates).
    pub fn generate(
        seed: u64,
        hierarchy: Hierarchy,
        generation: u32,
        validity: Validity,
        alg: KeyAlg,
    ) -> Result<Self, PkiError> {
        let prefix = match alg {
            KeyAlg::Rsa2048 => "root",
            KeyAlg::EcdsaP384 => "root-p384",
        };
        let label = format!("{prefix}/{}/gen{generation}", hierarchy.short_label());
        let key = CaKey::generate(seed, &label, alg)?;
        let serial = derived_serial(seed, &label);
        RootCa::new(hierarchy, generation, key, &serial, validity)
    }

    /// The hierarchy this root belongs to.
    pub fn hierarchy(&self) -> Hierarchy {
        self.hierarchy
    }

    /// Generation number, starting at 1.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// A label such as `sign-gen2`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Serial number octets as given when the root was made.
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// The root's validity.
    pub fn validity(&self) -> Validity {
        self.validity
    }

    /// DER `Name` of the root (subject = issuer; the same for every generation).
    pub fn name_der(&self) -> &[u8] {
        &self.name
    }

    /// The subjectKeyIdentifier, also used as authorityKeyIdentifier of what it issues.
    pub fn subject_key_id(&self) -> [u8; 20] {
        self.key_id
    }

    /// The certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert
    }

    /// The certificate, PEM (`CERTIFICATE`).
    pub fn cert_pem(&self) -> Result<String, PkiError> {
        cert_to_pem(&self.cert)
    }

    /// The private key.
    pub fn key(&self) -> &CaKey {
        &self.key
    }

    /// The RSA public key, for an RSA root.
    pub fn rsa_public_key(&self) -> Option<RsaPublicKey> {
        match &self.key {
            CaKey::Rsa(k) => Some(k.to_public_key()),
            CaKey::EcdsaP384(_) => None,
        }
    }

    /// The DER SubjectPublicKeyInfo of the root's key.
    pub fn spki_der(&self) -> Result<Vec<u8>, PkiError> {
        self.key.spki_der()
    }

    /// The private key as unencrypted PKCS#8 PEM (`PRIVATE KEY`), for `openssl`.
    /// This is a test key: the returned string is not zeroized.
    pub fn private_key_pkcs8_pem(&self) -> Result<String, PkiError> {
        self.key.pkcs8_pem()
    }

    /// Signs `data` with the root key (RSASSA-PKCS1-v1_5 / SHA-256, or ECDSA P-384 /
    /// SHA-384), e.g. to make a hand-built structure for a negative test.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, PkiError> {
        self.key.sign(data)
    }
}

/// Root serial: four octets derived from the seed and label, first octet in `01..=7F` (so the
/// INTEGER is positive and four octets long, like the production `067C6A21`).
fn derived_serial(seed: u64, label: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"inkan-sim/pki/serial\0");
    h.update(seed.to_be_bytes());
    h.update(label.as_bytes());
    let d = h.finalize();
    let mut serial: Vec<u8> = d.iter().take(4).copied().collect();
    if let Some(first) = serial.first_mut() {
        *first = (*first & 0x7F).max(1);
    }
    serial
}

/// Roots of both hierarchies, several generations each (like the production 2015, 2019 and
/// 2023 roots: same subject, different keys and serials).
#[derive(Debug, Clone)]
pub struct TestPki {
    /// Signature-hierarchy roots, generation 1 first.
    pub sign_roots: Vec<RootCa>,
    /// User-authentication roots, generation 1 first.
    pub auth_roots: Vec<RootCa>,
}

impl TestPki {
    /// `generations` roots per hierarchy, all with the same validity. Root keys are
    /// [`test_key`]`(seed, "root/<sign|auth>/gen<n>")`, so the output depends only on the
    /// arguments.
    pub fn generate(seed: u64, generations: usize, validity: Validity) -> Result<Self, PkiError> {
        let validities = vec![validity; generations];
        Self::generate_with_validities(seed, &validities)
    }

    /// One root per hierarchy for each entry of `validities` (generation `n` gets
    /// `validities[n - 1]`), for staggered generations.
    pub fn generate_with_validities(seed: u64, validities: &[Validity]) -> Result<Self, PkiError> {
        Self::generate_with(seed, validities, KeyAlg::Rsa2048)
    }

    /// [`TestPki::generate_with_validities`] with root keys of `alg` (labels
    /// `root/…` for RSA, `root-p384/…` for P-384).
    pub fn generate_with(
        seed: u64,
        validities: &[Validity],
        alg: KeyAlg,
    ) -> Result<Self, PkiError> {
        if validities.is_empty() {
            return Err(PkiError::NoGenerations);
        }
        let mut sign_roots = Vec::with_capacity(validities.len());
        let mut auth_roots = Vec::with_capacity(validities.len());
        for (n, validity) in (1u32..).zip(validities) {
            for hierarchy in [Hierarchy::Signature, Hierarchy::Authentication] {
                let root = RootCa::generate(seed, hierarchy, n, *validity, alg)?;
                match hierarchy {
                    Hierarchy::Signature => sign_roots.push(root),
                    Hierarchy::Authentication => auth_roots.push(root),
                }
            }
        }
        Ok(Self {
            sign_roots,
            auth_roots,
        })
    }

    /// The root of `hierarchy` with generation `generation` (1-based), if there is one.
    pub fn root(&self, hierarchy: Hierarchy, generation: u32) -> Option<&RootCa> {
        let roots = match hierarchy {
            Hierarchy::Signature => &self.sign_roots,
            Hierarchy::Authentication => &self.auth_roots,
        };
        roots.iter().find(|r| r.generation == generation)
    }
}

// ---------------------------------------------------------------------------------------------
// End-entity certificates
// ---------------------------------------------------------------------------------------------

/// `certificatePolicies` with one policy and no qualifiers (RFC 5280 §4.2.1.4).
fn policies_value(policy: &ObjectIdentifier) -> Vec<u8> {
    tlv(TAG_SEQUENCE, &tlv(TAG_SEQUENCE, &oid(policy)))
}

/// What goes into a signature certificate besides the issuing root.
#[derive(Debug, Clone)]
pub struct SignatureCertSpec<'a> {
    /// Serial number octets (big-endian, positive, at most 20 octets).
    pub serial: &'a [u8],
    /// The holder's public key (the software card keeps the private key).
    pub subject_key: &'a RsaPublicKey,
    /// Subject `CN=`, a serial-like identifier.
    pub common_name: &'a str,
    /// Municipality: subject `L=<prefecture>, L=<city>` and the CRL distribution point.
    pub scope: CrlScope,
    /// The holder data for the subjectAltName.
    pub identity: &'a Identity,
    /// Validity; `not_after` is typically the 5th birthday after issuance or the card
    /// expiry, whichever is earlier.
    pub validity: Validity,
}

/// Issues a JPKI-profile signature certificate; returns its DER.
///
/// - subject `C=JP, L=<prefecture>, L=<city>, CN=<common_name>` (RFC 5280 §4.1.2.6)
/// - keyUsage digitalSignature + nonRepudiation, critical (RFC 5280 §4.2.1.3)
/// - certificatePolicies `1.2.392.200149.8.5.1.1.20`, critical (RFC 5280 §4.2.1.4)
/// - subjectAltName with six otherNames `1.2.392.200149.8.5.5.1`–`.6`, UTF8String
///   (RFC 5280 §4.2.1.6)
/// - cRLDistributionPoints with a directoryName (RFC 5280 §4.2.1.13), see [`CrlScope`]
/// - authorityKeyIdentifier = the root's key id (RFC 5280 §4.2.1.1)
/// - subjectKeyIdentifier (RFC 5280 §4.2.1.2)
pub fn issue_signature_cert(
    root: &RootCa,
    spec: &SignatureCertSpec<'_>,
) -> Result<Vec<u8>, PkiError> {
    spec.identity.validate()?;
    let subject = name(&[
        (OID_COUNTRY, Str::Printable, "JP"),
        (OID_LOCALITY, Str::Utf8, &spec.scope.prefecture),
        (OID_LOCALITY, Str::Utf8, &spec.scope.city),
        (OID_COMMON_NAME, Str::Utf8, spec.common_name),
    ])?;
    let dp_name = spec.scope.directory_name_der(root.hierarchy)?;
    let extensions = vec![
        // digitalSignature(0), nonRepudiation(1) → 1100 0000, 6 unused bits.
        extension(&OID_KEY_USAGE, true, &[TAG_BIT_STRING, 0x02, 0x06, 0xC0]),
        extension(&OID_CERT_POLICIES, true, &policies_value(&SIGN_POLICY_OID)),
        extension(&OID_SAN, false, &spec.identity.san_value()),
        extension(&OID_CRL_DP, false, &crl_dp_value(&dp_name)),
        extension(&OID_AKI, false, &aki_value(&root.key_id)),
        extension(
            &OID_SKI,
            false,
            &ski_value(&key_identifier(spec.subject_key)?),
        ),
    ];
    build_certificate(
        &root.key,
        spec.serial,
        &root.name,
        &spec.validity,
        &subject,
        &spki_der(spec.subject_key)?,
        &extensions,
    )
}

/// What goes into a user-authentication certificate besides the issuing root.
#[derive(Debug, Clone)]
pub struct AuthCertSpec<'a> {
    /// Serial number octets (big-endian, positive, at most 20 octets).
    pub serial: &'a [u8],
    /// The holder's public key.
    pub subject_key: &'a RsaPublicKey,
    /// Subject `CN=`, an opaque identifier.
    pub common_name: &'a str,
    /// CRL distribution point, if any. No personal data goes in the certificate; the
    /// distribution point names only a municipality.
    pub scope: Option<CrlScope>,
    /// Validity.
    pub validity: Validity,
}

/// Issues a JPKI-profile user-authentication certificate; returns its DER.
///
/// - subject `CN=<common_name>, C=JP` (RDNs in that order), nothing else (RFC 5280 §4.1.2.6)
/// - keyUsage digitalSignature, critical (RFC 5280 §4.2.1.3)
/// - certificatePolicies `1.2.392.200149.8.5.1.3.30`, critical (RFC 5280 §4.2.1.4)
/// - cRLDistributionPoints directoryName if `scope` is set (RFC 5280 §4.2.1.13)
/// - authorityKeyIdentifier (RFC 5280 §4.2.1.1), subjectKeyIdentifier (§4.2.1.2)
pub fn issue_auth_cert(root: &RootCa, spec: &AuthCertSpec<'_>) -> Result<Vec<u8>, PkiError> {
    let subject = name(&[
        (OID_COMMON_NAME, Str::Utf8, spec.common_name),
        (OID_COUNTRY, Str::Printable, "JP"),
    ])?;
    let mut extensions = vec![
        // digitalSignature(0) → 1000 0000, 7 unused bits.
        extension(&OID_KEY_USAGE, true, &[TAG_BIT_STRING, 0x02, 0x07, 0x80]),
        extension(&OID_CERT_POLICIES, true, &policies_value(&AUTH_POLICY_OID)),
    ];
    if let Some(scope) = &spec.scope {
        let dp_name = scope.directory_name_der(root.hierarchy)?;
        extensions.push(extension(&OID_CRL_DP, false, &crl_dp_value(&dp_name)));
    }
    extensions.push(extension(&OID_AKI, false, &aki_value(&root.key_id)));
    extensions.push(extension(
        &OID_SKI,
        false,
        &ski_value(&key_identifier(spec.subject_key)?),
    ));
    build_certificate(
        &root.key,
        spec.serial,
        &root.name,
        &spec.validity,
        &subject,
        &spki_der(spec.subject_key)?,
        &extensions,
    )
}

// ---------------------------------------------------------------------------------------------
// CRLs
// ---------------------------------------------------------------------------------------------

/// `CRLReason` (RFC 5280 §5.3.1), as the profile defines it.
pub use inkan_profile::RevocationReason as Reason;

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial number octets (big-endian, positive, at most 20 octets).
    pub serial: Vec<u8>,
    /// `revocationDate`.
    pub revoked_at: DateTime,
    /// reasonCode entry extension; `None` leaves it out.
    pub reason: Option<Reason>,
}

/// CRL extensions beyond authorityKeyIdentifier and cRLNumber, which are always present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrlOptions {
    /// issuingDistributionPoint (RFC 5280 §5.2.5, critical) naming the same directoryName
    /// as the certificates' cRLDistributionPoints, making this a partitioned CRL.
    pub issuing_distribution_point: Option<CrlScope>,
    /// With an issuingDistributionPoint: set onlyContainsUserCerts.
    pub only_contains_user_certs: bool,
    /// deltaCRLIndicator (RFC 5280 §5.2.4, critical) with this BaseCRLNumber: makes a
    /// delta CRL.
    pub delta_base: Option<u64>,
    /// freshestCRL (RFC 5280 §5.2.6, non-critical) naming where delta CRLs for this
    /// complete CRL are found (a directoryName, as in the certificates). Relying parties
    /// such as OpenSSL only consult delta CRLs when this is present.
    pub freshest_crl: Option<CrlScope>,
}

/// Streaming CRL builder: entries are encoded as they are added, so memory and time are
/// linear in the number of entries.
#[derive(Debug)]
pub struct CrlBuilder<'r> {
    root: &'r RootCa,
    this_update: DateTime,
    next_update: DateTime,
    crl_number: u64,
    options: CrlOptions,
    revoked: Vec<u8>,
    scratch: Vec<u8>,
    count: usize,
}

/// Appends the `crlEntryExtensions` holding only a reasonCode (RFC 5280 §5.3.1):
/// `SEQUENCE { SEQUENCE { id-ce-cRLReasons, OCTET STRING { ENUMERATED code } } }`.
/// Written without intermediate allocations: it is on the per-entry path.
fn push_reason_extensions(out: &mut Vec<u8>, reason: Reason) {
    let id = OID_REASON_CODE.as_bytes();
    // ENUMERATED (3 octets) in an OCTET STRING (5), after the OID TLV.
    let ext_len = 2 + id.len() + 5;
    out.push(TAG_SEQUENCE);
    push_len(out, ext_len + 2);
    out.push(TAG_SEQUENCE);
    push_len(out, ext_len);
    push_tlv(out, TAG_OID, id);
    out.extend_from_slice(&[TAG_OCTET_STRING, 0x03, TAG_ENUMERATED, 0x01, reason.code()]);
}

impl<'r> CrlBuilder<'r> {
    /// A builder for a v2 CRL signed by `root` (RFC 5280 §5.1).
    pub fn new(
        root: &'r RootCa,
        this_update: DateTime,
        next_update: DateTime,
        crl_number: u64,
        options: CrlOptions,
    ) -> Self {
        Self {
            root,
            this_update,
            next_update,
            crl_number,
            options,
            revoked: Vec::new(),
            scratch: Vec::with_capacity(64),
            count: 0,
        }
    }

    /// Reserves room for about `entries` more entries.
    pub fn reserve(&mut self, entries: usize) {
        self.revoked.reserve(entries.saturating_mul(48));
    }

    /// Adds one entry: `SEQUENCE { userCertificate, revocationDate, crlEntryExtensions }`
    /// (RFC 5280 §5.1.2.6), with a reasonCode entry extension (§5.3.1) if `reason` is set.
    pub fn add(
        &mut self,
        serial: &[u8],
        revoked_at: DateTime,
        reason: Option<Reason>,
    ) -> Result<(), PkiError> {
        let mut entry = std::mem::take(&mut self.scratch);
        entry.clear();
        push_serial(&mut entry, serial)?;
        push_time(&mut entry, &revoked_at);
        if let Some(reason) = reason {
            push_reason_extensions(&mut entry, reason);
        }
        push_tlv(&mut self.revoked, TAG_SEQUENCE, &entry);
        self.scratch = entry;
        self.count += 1;
        Ok(())
    }

    /// Adds a [`RevokedEntry`].
    pub fn add_entry(&mut self, entry: &RevokedEntry) -> Result<(), PkiError> {
        self.add(&entry.serial, entry.revoked_at, entry.reason)
    }

    /// Number of entries added so far.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no entry has been added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Encodes and signs the CRL; returns its DER.
    ///
    /// CRL extensions: authorityKeyIdentifier (RFC 5280 §5.2.1), cRLNumber (§5.2.3),
    /// then deltaCRLIndicator (§5.2.4, critical), freshestCRL (§5.2.6) and
    /// issuingDistributionPoint (§5.2.5, critical) if requested in [`CrlOptions`].
    pub fn finish(self) -> Result<Vec<u8>, PkiError> {
        if self.next_update < self.this_update {
            return Err(PkiError::InvalidValidity {
                not_before: self.this_update,
                not_after: self.next_update,
            });
        }
        let mut number = Vec::new();
        push_u64_integer(&mut number, self.crl_number);
        let mut exts = vec![
            extension(&OID_AKI, false, &aki_value(&self.root.key_id)),
            extension(&OID_CRL_NUMBER, false, &number),
        ];
        if let Some(base) = self.options.delta_base {
            let mut base_der = Vec::new();
            push_u64_integer(&mut base_der, base);
            exts.push(extension(&OID_DELTA_CRL_INDICATOR, true, &base_der));
        }
        if let Some(scope) = &self.options.freshest_crl {
            let dp_name = scope.directory_name_der(self.root.hierarchy)?;
            exts.push(extension(&OID_FRESHEST_CRL, false, &crl_dp_value(&dp_name)));
        }
        if let Some(scope) = &self.options.issuing_distribution_point {
            let dp_name = scope.directory_name_der(self.root.hierarchy)?;
            let mut idp = dp_name_field(&dp_name);
            if self.options.only_contains_user_certs {
                idp.extend_from_slice(&[TAG_CTX1_PRIM, 0x01, 0xFF]);
            }
            exts.push(extension(&OID_IDP, true, &tlv(TAG_SEQUENCE, &idp)));
        }
        let ext_refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
        let crl_extensions = tlv(TAG_CTX0_CONS, &seq(&ext_refs));

        let mut head = Vec::with_capacity(512);
        head.extend_from_slice(&[TAG_INTEGER, 0x01, 0x01]); // version v2(1)
        head.extend_from_slice(&self.root.key.signature_algorithm());
        head.extend_from_slice(&self.root.name);
        push_time(&mut head, &self.this_update);
        push_time(&mut head, &self.next_update);

        let mut revoked_header = Vec::new();
        if self.count > 0 {
            revoked_header.push(TAG_SEQUENCE);
            push_len(&mut revoked_header, self.revoked.len());
        }
        let revoked_len = if self.count > 0 {
            revoked_header.len() + self.revoked.len()
        } else {
            0
        };
        let tbs_len = head.len() + revoked_len + crl_extensions.len();
        let mut tbs = Vec::with_capacity(tbs_len + 8);
        tbs.push(TAG_SEQUENCE);
        push_len(&mut tbs, tbs_len);
        tbs.extend_from_slice(&head);
        if self.count > 0 {
            tbs.extend_from_slice(&revoked_header);
            tbs.extend_from_slice(&self.revoked);
        }
        tbs.extend_from_slice(&crl_extensions);
        drop(self.revoked);
        sign_and_wrap(&self.root.key, &tbs)
    }
}

/// Builds a v2 CRL signed by `root` with the given entries (see [`CrlBuilder`]).
pub fn build_crl(
    root: &RootCa,
    entries: &[RevokedEntry],
    this_update: DateTime,
    next_update: DateTime,
    crl_number: u64,
    options: &CrlOptions,
) -> Result<Vec<u8>, PkiError> {
    let mut builder = CrlBuilder::new(root, this_update, next_update, crl_number, options.clone());
    builder.reserve(entries.len());
    for entry in entries {
        builder.add_entry(entry)?;
    }
    builder.finish()
}

// ---------------------------------------------------------------------------------------------
// PEM
// ---------------------------------------------------------------------------------------------

/// PEM (RFC 7468) with the given label and LF line endings.
pub fn to_pem(label: &'static str, der: &[u8]) -> Result<String, PkiError> {
    der::pem::encode_string(label, LineEnding::LF, der).map_err(|e| encoding_error(label, e))
}

/// A certificate as PEM (`CERTIFICATE`).
pub fn cert_to_pem(der: &[u8]) -> Result<String, PkiError> {
    to_pem("CERTIFICATE", der)
}

/// A CRL as PEM (`X509 CRL`).
pub fn crl_to_pem(der: &[u8]) -> Result<String, PkiError> {
    to_pem("X509 CRL", der)
}
