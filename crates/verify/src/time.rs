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

    /// Parses an RFC 3339 date-time (§5.6), as the CLI's `--at` takes it:
    /// `YYYY-MM-DDTHH:MM:SS`, optional fractional seconds (dropped: validation works in
    /// whole seconds, so `…:00.999Z` is `…:00Z`), then `Z` or an offset `±HH:MM`
    /// (`2024-04-01T09:00:00+09:00` is `2024-04-01T00:00:00Z`). `T` and `Z` may be lower
    /// case (§5.6 note). Times before 1970 and leap seconds are refused.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let num = |r: core::ops::Range<usize>| -> Option<u16> {
            let part = s.get(r)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let sep_ok = b.len() >= 20
            && b.get(4) == Some(&b'-')
            && b.get(7) == Some(&b'-')
            && matches!(b.get(10), Some(b'T') | Some(b't'))
            && b.get(13) == Some(&b':')
            && b.get(16) == Some(&b':');
        if !sep_ok {
            return None;
        }
        // time-secfrac = "." 1*DIGIT
        let mut at = 19;
        if b.get(at) == Some(&b'.') {
            let digits = b
                .get(at + 1..)?
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits == 0 {
                return None;
            }
            at += 1 + digits;
        }
        // time-offset = "Z" / time-numoffset
        let offset: i64 = match b.get(at..)? {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let h = num(at + 1..at + 3)?;
                let m = num(at + 4..at + 6)?;
                if h > 23 || m > 59 {
                    return None;
                }
                let secs = i64::from(h) * 3600 + i64::from(m) * 60;
                if *sign == b'+' { secs } else { -secs }
            }
            _ => return None,
        };
        let narrow = |v: u16| u8::try_from(v).ok();
        let local = Self::from_ymd_hms(
            num(0..4)?,
            narrow(num(5..7)?)?,
            narrow(num(8..10)?)?,
            narrow(num(11..13)?)?,
            narrow(num(14..16)?)?,
            narrow(num(17..19)?)?,
        )?;
        let utc = i64::try_from(local.0).ok()?.checked_sub(offset)?;
        u64::try_from(utc).ok().map(Self)
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
        let z = UnixTime::parse_rfc3339("2024-04-01T00:00:00Z").unwrap();
        for same in [
            "2024-04-01T00:00:00.005Z",
            "2024-04-01T00:00:00.999999999Z",
            "2024-04-01T09:00:00+09:00",
            "2024-04-01t09:00:00.5+09:00",
            "2024-03-31T19:30:00-04:30",
        ] {
            assert_eq!(UnixTime::parse_rfc3339(same), Some(z), "{same}");
        }
        for bad in [
            "2024-04-01T00:00:00",
            "2024-04-01T00:00:00.Z",
            "2024-04-01T00:00:00+0900",
            "2024-04-01T00:00:00+24:00",
            "2024-04-01T00:00:00Z ",
            "1970-01-01T08:59:59+09:00",
            "2024-04-01T00:00:60Z",
        ] {
            assert!(UnixTime::parse_rfc3339(bad).is_none(), "{bad}");
        }
        assert_eq!(
            UnixTime::parse_rfc3339("1970-01-01T09:00:00+09:00"),
            Some(UnixTime(0))
        );
        assert!(UnixTime::parse_rfc3339("２024-02-28T00:00:00Z").is_none());
    }
}
