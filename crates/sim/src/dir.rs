//! The files of a card directory: their names, atomic writes, the [`Store`] the card
//! saves its state through, and the values derived from the holder's data that both
//! [`crate::state`] (making a card) and [`crate::life`] (events) compute.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rsa::PrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use sha2::{Digest, Sha256};

use crate::card::{CardState, Persist, SimError};
use crate::pki::{DateTime, Identity};

/// `state.json`.
pub const STATE_FILE: &str = "state.json";
/// The signature key, PKCS#8 PEM.
pub const SIGN_KEY_FILE: &str = "sign-key.pem";
/// The user-authentication key, PKCS#8 PEM.
pub const AUTH_KEY_FILE: &str = "auth-key.pem";
/// The signature certificate (absent on a card without one).
pub const SIGN_CERT_FILE: &str = "sign-cert.der";
/// The signature CA certificate.
pub const SIGN_CA_FILE: &str = "sign-ca.der";
/// The user-authentication certificate.
pub const AUTH_CERT_FILE: &str = "auth-cert.der";
/// The user-authentication CA certificate.
pub const AUTH_CA_FILE: &str = "auth-ca.der";
/// The APDU log.
pub const LOG_FILE: &str = "apdu.log";
/// The directory of test roots and CRLs.
pub const PKI_DIR: &str = "pki";

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where a card directory's files go.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    dir: PathBuf,
}

impl Persist for Store {
    fn save_state(&self, state: &CardState) -> Result<(), SimError> {
        let path = self.dir.join(STATE_FILE);
        let json = serde_json::to_vec_pretty(state).map_err(|e| SimError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomic(&path, &json)
    }

    fn append_log(&self, command: &[u8], response: &[u8]) -> Result<(), SimError> {
        let line = format!(
            "> {}\n< {}\n",
            inkan_apdu::hex_upper(command),
            inkan_apdu::hex_upper(response)
        );
        self.append(&line)
    }

    fn append_log_line(&self, text: &str) -> Result<(), SimError> {
        self.append(&format!("{text}\n"))
    }
}

impl Store {
    /// The store of the card directory `dir`.
    pub(crate) fn new(dir: &Path) -> Store {
        Store {
            dir: dir.to_path_buf(),
        }
    }

    fn append(&self, text: &str) -> Result<(), SimError> {
        let path = self.dir.join(LOG_FILE);
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        f.write_all(text.as_bytes()).map_err(io_err(&path))
    }
}

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).map_err(io_err(&tmp))?;
    fs::rename(&tmp, path).map_err(io_err(path))
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    fs::write(path, bytes).map_err(io_err(path))
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, SimError> {
    fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            SimError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            SimError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

pub(crate) fn read_key(path: &Path) -> Result<PrivateKey, SimError> {
    let bytes = read_file(path)?;
    let text = String::from_utf8(bytes).map_err(|_| SimError::Corrupt {
        path: path.to_path_buf(),
        reason: "not UTF-8 PEM".to_owned(),
    })?;
    PrivateKey::from_pkcs8_pem(&text).map_err(|e| SimError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

pub(crate) fn key_pem(key: &PrivateKey) -> Result<String, SimError> {
    key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .map(|s| s.as_str().to_owned())
        .map_err(|e| SimError::Crypto(e.to_string()))
}

pub(crate) fn read_cert(path: &Path) -> Result<Vec<u8>, SimError> {
    let der = read_file(path)?;
    // The file must be one DER object, as the card's EF would hold it.
    let header = inkan_apdu::tlv::parse_header(&der).map_err(|e| SimError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if header.tag != 0x30 || header.total_len() != Some(der.len()) {
        return Err(SimError::Corrupt {
            path: path.to_path_buf(),
            reason: "not a DER certificate".to_owned(),
        });
    }
    Ok(der)
}

pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> SimError {
    SimError::InvalidOption {
        field,
        reason: reason.into(),
    }
}

/// Parses `YYYYMMDD`.
pub(crate) fn parse_date(field: &'static str, s: &str) -> Result<(u16, u8, u8), SimError> {
    let b = s.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return Err(invalid(field, "must be 8 digits YYYYMMDD"));
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b.get(r)
            .unwrap_or_default()
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (y, m, d) = (num(0..4), num(4..6), num(6..8));
    let (Ok(y), Ok(m), Ok(d)) = (u16::try_from(y), u8::try_from(m), u8::try_from(d)) else {
        return Err(invalid(field, "out of range"));
    };
    DateTime::new(y, m, d, 0, 0, 0).map_err(|e| invalid(field, e.to_string()))?;
    Ok((y, m, d))
}

pub(crate) fn datetime(
    field: &'static str,
    s: &str,
    h: u8,
    mi: u8,
    sec: u8,
) -> Result<DateTime, SimError> {
    let (y, m, d) = parse_date(field, s)?;
    DateTime::new(y, m, d, h, mi, sec).map_err(|e| invalid(field, e.to_string()))
}

/// `EYYYYMMDD`: era digit (1 Meiji … 5 Reiwa) then the Gregorian date.
pub(crate) fn era_birth_date(yyyymmdd: &str) -> String {
    let era = match yyyymmdd {
        d if d < "19120730" => '1',
        d if d < "19261225" => '2',
        d if d < "19890108" => '3',
        d if d < "20190501" => '4',
        _ => '5',
    };
    format!("{era}{yyyymmdd}")
}

pub(crate) fn derived_bytes(seed: u64, label: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"inkan-sim/card/v1\0");
    h.update(seed.to_be_bytes());
    h.update(label.as_bytes());
    h.finalize().into()
}

/// The signature certificate's subjectAltName values (FACTS §8) for a holder: no
/// substitute characters in name or address, the birth date with its era digit.
pub(crate) fn identity(name: &str, address: &str, birth_date: &str, sex: &str) -> Identity {
    Identity {
        name: name.to_owned(),
        name_flags: "0".repeat(name.chars().count()),
        address: address.to_owned(),
        address_flags: "0".repeat(address.chars().count()),
        birth_date: era_birth_date(birth_date),
        sex: sex.to_owned(),
    }
}

/// 照合番号B (card info and surface APs): birth date `YYMMDD`, the card's expiry year,
/// the security code.
pub(crate) fn pin_b(birth_date: &str, card_expiry: &str, security_code: &str) -> String {
    let birth = birth_date.get(2..8).unwrap_or_default();
    let expiry_year = card_expiry.get(0..4).unwrap_or_default();
    format!("{birth}{expiry_year}{security_code}")
}

/// The serial as lowercase hex.
pub(crate) fn serial_hex(serial: &[u8]) -> String {
    hex::encode(serial)
}
