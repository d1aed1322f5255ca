//! Explicit validation time.
//!
//! Every check in this crate takes the time as an argument: there is no hidden `now()`
//! (RFC 5280 §6.1.1 (c): "the current date/time" is an input of path validation).

use core::fmt;
use core::time::Duration;

/// Seconds since 1970-01-01T00:00:00Z, the validation time and the times found in
/// certificates, CRLs and CMS signed attributes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub u64);

impl UnixTime {
    /// The time `secs` seconds after the Unix epoch.
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// Builds a UTC time from calendar fields; `None` when a field is out of range.
    pub fn from_ymd_hms(year: u16, month: u8, day: u8, hour: u8, min: u8, sec: u8) -> Option<Self> {
        der::DateTime::new(year, month, day, hour, min, sec)
            .ok()
            .map(|d| Self(d.unix_duration().as_secs()))
    }

    /// Parses an RFC 3339 UTC time of the form `YYYY-MM-DDTHH:MM:SSZ` (as accepted by
    /// the CLI's `--at`). Fractional seconds and offsets other than `Z` are rejected.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 20 {
            return None;
        }
        let num = |r: core::ops::Range<usize>| -> Option<u16> {
            let part = s.get(r)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let sep_ok = b.get(4) == Some(&b'-')
            && b.get(7) == Some(&b'-')
            && matches!(b.get(10), Some(b'T') | Some(b't'))
            && b.get(13) == Some(&b':')
            && b.get(16) == Some(&b':')
            && matches!(b.get(19), Some(b'Z') | Some(b'z'));
        if !sep_ok {
            return None;
        }
        let narrow = |v: u16| u8::try_from(v).ok();
        Self::from_ymd_hms(
            num(0..4)?,
            narrow(num(5..7)?)?,
            narrow(num(8..10)?)?,
            narrow(num(11..13)?)?,
            narrow(num(14..16)?)?,
            narrow(num(17..19)?)?,
        )
    }

    /// Adds seconds, saturating.
    pub const fn saturating_add(self, secs: u64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// Subtracts seconds, saturating at the epoch.
    pub const fn saturating_sub(self, secs: u64) -> Self {
        Self(self.0.saturating_sub(secs))
    }

    pub(crate) fn from_x509(t: &x509_cert::time::Time) -> Self {
        Self(t.to_unix_duration().as_secs())
    }

    pub(crate) fn to_datetime(self) -> Option<der::DateTime> {
        der::DateTime::from_unix_duration(Duration::from_secs(self.0)).ok()
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_datetime() {
            Some(d) => write!(f, "{d}"),
            None => write!(f, "@{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = UnixTime::parse_rfc3339("2024-02-29T12:34:56Z").unwrap();
        assert_eq!(t.to_string(), "2024-02-29T12:34:56Z");
        assert_eq!(
            UnixTime::parse_rfc3339("1970-01-01T00:00:00Z"),
            Some(UnixTime(0))
        );
        assert!(UnixTime::parse_rfc3339("2024-02-30T00:00:00Z").is_none());
        assert!(UnixTime::parse_rfc3339("2024-02-28T00:00:00+09:00").is_none());
        assert!(UnixTime::parse_rfc3339("２024-02-28T00:00:00Z").is_none());
    }
}
