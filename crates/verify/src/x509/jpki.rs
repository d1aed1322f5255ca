//! JPKI certificate kinds and the identity in a signature certificate (FACTS §8).
//!
//! The signature certificate carries the holder's basic four items as subjectAltName
//! otherNames (RFC 5280 §4.2.1.6), each an UTF8String under `1.2.392.200149.8.5.5.1`–`.6`.
//! The user-authentication certificate carries no personal data.

use alloc::string::String;

use der::Tagged;
use x509_cert::ext::pkix::name::GeneralName;

use crate::error::Error;
use crate::oid;
use crate::x509::Cert;

/// Which JPKI certificate a certificate is, by certificate policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertKind {
    /// Signature certificate (署名用電子証明書), policy `1.2.392.200149.8.5.1.1.20`.
    Signature,
    /// User-authentication certificate (利用者証明用電子証明書), policy `1.2.392.200149.8.5.1.3.30`.
    UserAuthentication,
    /// Neither policy is present.
    Other,
}

impl CertKind {
    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signature => "signature",
            Self::UserAuthentication => "user-authentication",
            Self::Other => "other",
        }
    }
}

/// The kind of `cert` from its certificatePolicies (RFC 5280 §4.2.1.4).
pub fn cert_kind(cert: &Cert) -> CertKind {
    let p = cert.policies().unwrap_or(&[]);
    if p.contains(&oid::JPKI_SIGN_POLICY) {
        CertKind::Signature
    } else if p.contains(&oid::JPKI_AUTH_POLICY) {
        CertKind::UserAuthentication
    } else {
        CertKind::Other
    }
}

/// Sex as recorded in the certificate (`1` male, `2` female, `9` not applicable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sex {
    /// `1`.
    Male,
    /// `2`.
    Female,
    /// `9`.
    NotApplicable,
    /// Any other value, kept verbatim.
    Other(String),
}

/// A birth date `EYYYYMMDD`: era digit, then the Gregorian date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BirthDate {
    /// The leading era digit, as recorded (the date itself is Gregorian).
    pub era_digit: u8,
    /// Gregorian year.
    pub year: u16,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
}

impl BirthDate {
    /// Parses `EYYYYMMDD`.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num = |r: core::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u16>().ok());
        let d = Self {
            era_digit: b.first().map(|c| c - b'0')?,
            year: num(1..5)?,
            month: u8::try_from(num(5..7)?).ok()?,
            day: u8::try_from(num(7..9)?).ok()?,
        };
        if !(1..=12).contains(&d.month) || !(1..=31).contains(&d.day) {
            return None;
        }
        Some(d)
    }
}

/// The identity in a JPKI signature certificate's subjectAltName.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JpkiIdentity {
    /// Name (`.5.5.1`).
    pub name: Option<String>,
    /// Name substitute-character flags (`.5.5.2`), verbatim.
    pub name_substitute_flags: Option<String>,
    /// Sex (`.5.5.3`).
    pub sex: Option<Sex>,
    /// Birth date (`.5.5.4`).
    pub birth_date: Option<BirthDate>,
    /// Address (`.5.5.5`).
    pub address: Option<String>,
    /// Address substitute-character flags (`.5.5.6`), verbatim.
    pub address_substitute_flags: Option<String>,
}

/// Extracts the JPKI identity from the subjectAltName otherNames; `Ok(None)` when the
/// certificate has none of them (e.g. a user-authentication certificate).
pub fn identity(cert: &Cert) -> Result<Option<JpkiIdentity>, Error> {
    let mut id = JpkiIdentity::default();
    let mut any = false;
    for g in cert.subject_alt_names().unwrap_or(&[]) {
        let GeneralName::OtherName(o) = g else {
            continue;
        };
        let slot: &mut Option<String> = match o.type_id {
            oid::JPKI_NAME => &mut id.name,
            oid::JPKI_NAME_SUBST => &mut id.name_substitute_flags,
            oid::JPKI_ADDRESS => &mut id.address,
            oid::JPKI_ADDRESS_SUBST => &mut id.address_substitute_flags,
            oid::JPKI_SEX | oid::JPKI_BIRTH => {
                let v = utf8(&o.value)?;
                any = true;
                if o.type_id == oid::JPKI_SEX {
                    id.sex = Some(match v.as_str() {
                        "1" => Sex::Male,
                        "2" => Sex::Female,
                        "9" => Sex::NotApplicable,
                        _ => Sex::Other(v),
                    });
                } else {
                    id.birth_date = Some(BirthDate::parse(&v).ok_or_else(|| {
                        Error::malformed("JPKI birth date", "expected EYYYYMMDD")
                    })?);
                }
                continue;
            }
            _ => continue,
        };
        *slot = Some(utf8(&o.value)?);
        any = true;
    }
    Ok(any.then_some(id))
}

fn utf8(v: &der::Any) -> Result<String, Error> {
    if v.tag() != der::Tag::Utf8String {
        return Err(Error::malformed(
            "JPKI otherName",
            "value is not a UTF8String",
        ));
    }
    core::str::from_utf8(v.value())
        .map(String::from)
        .map_err(|e| Error::malformed("JPKI otherName", e))
}
