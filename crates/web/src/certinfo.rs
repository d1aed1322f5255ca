//! What the page shows about a certificate: names, serial, validity and how soon it ends.

use crate::error::{WebError, code};
use der::Decode;
use x509_cert::Certificate;

/// Days before `notAfter` from which the page warns.
pub const EXPIRY_WARNING_DAYS: i64 = 90;

/// A certificate, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// Subject, RFC 4514 form.
    pub subject: String,
    /// Issuer, RFC 4514 form.
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// notBefore, seconds since the Unix epoch.
    pub not_before: u64,
    /// notAfter, seconds since the Unix epoch.
    pub not_after: u64,
}

/// How a certificate stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Not valid yet.
    NotYetValid,
    /// Valid, more than [`EXPIRY_WARNING_DAYS`] left.
    Valid,
    /// Valid, ends within [`EXPIRY_WARNING_DAYS`].
    ExpiresSoon,
    /// Past notAfter.
    Expired,
}

impl Validity {
    /// A stable name (`not-yet-valid`, `valid`, `expires-soon`, `expired`).
    pub fn name(self) -> &'static str {
        match self {
            Validity::NotYetValid => "not-yet-valid",
            Validity::Valid => "valid",
            Validity::ExpiresSoon => "expires-soon",
            Validity::Expired => "expired",
        }
    }
}

impl CertSummary {
    /// Parses a DER certificate.
    pub fn parse(der: &[u8]) -> Result<CertSummary, WebError> {
        let cert = Certificate::from_der(der).map_err(|e| {
            WebError::new(
                code::CERTIFICATE_PARSE,
                format!("a certificate on the card cannot be parsed: {e}"),
            )
        })?;
        let tbs = cert.tbs_certificate();
        let v = tbs.validity();
        let serial: String = tbs
            .serial_number()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        Ok(CertSummary {
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial,
            not_before: v.not_before.to_unix_duration().as_secs(),
            not_after: v.not_after.to_unix_duration().as_secs(),
        })
    }

    /// Whole days from `now` (Unix seconds) to notAfter; negative once expired.
    pub fn days_left(&self, now: u64) -> i64 {
        let diff = i128::from(self.not_after) - i128::from(now);
        i64::try_from(diff.div_euclid(86_400)).unwrap_or(i64::MIN)
    }

    /// How the certificate stands at `now` (Unix seconds), passed in by the caller.
    pub fn validity(&self, now: u64) -> Validity {
        if now < self.not_before {
            Validity::NotYetValid
        } else if now > self.not_after {
            Validity::Expired
        } else if self.days_left(now) < EXPIRY_WARNING_DAYS {
            Validity::ExpiresSoon
        } else {
            Validity::Valid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(not_before: u64, not_after: u64) -> CertSummary {
        CertSummary {
            subject: String::new(),
            issuer: String::new(),
            serial: String::new(),
            not_before,
            not_after,
        }
    }

    #[test]
    fn validity_at_explicit_times() {
        let day = 86_400;
        let c = summary(100 * day, 400 * day);
        assert_eq!(c.validity(50 * day), Validity::NotYetValid);
        assert_eq!(c.validity(200 * day), Validity::Valid);
        assert_eq!(c.validity(350 * day), Validity::ExpiresSoon);
        assert_eq!(c.days_left(350 * day), 50);
        assert_eq!(c.validity(401 * day), Validity::Expired);
        assert!(c.days_left(401 * day) < 0);
    }

    #[test]
    fn garbage_is_a_parse_error() {
        assert_eq!(
            CertSummary::parse(&[0x30, 0x03, 1, 2, 3]).unwrap_err().code,
            code::CERTIFICATE_PARSE
        );
    }
}
