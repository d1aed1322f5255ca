//! CRL reason codes (RFC 5280 §5.3.1):
//!
//! ```text
//! CRLReason ::= ENUMERATED {
//!      unspecified             (0),
//!      keyCompromise           (1),
//!      cACompromise            (2),
//!      affiliationChanged      (3),
//!      superseded              (4),
//!      cessationOfOperation    (5),
//!      certificateHold         (6),
//!           -- value 7 is not used
//!      removeFromCRL           (8),
//!      privilegeWithdrawn      (9),
//!      aACompromise           (10) }
//! ```
//!
//! JPKI revokes a signature certificate with affiliationChanged whenever the holder's
//! name, address, birth date or sex changes, and suspends both certificates of a lost
//! card with certificateHold.

use core::fmt;

/// The reason of a CRL entry (RFC 5280 §5.3.1); an entry without reasonCode reads as
/// [`RevocationReason::Unspecified`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RevocationReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3): for a JPKI signature certificate, the holder's name,
    /// address, birth date or sex changed.
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6): suspended, e.g. a lost card.
    CertificateHold,
    /// removeFromCRL (8): only in delta CRLs, lifts a hold (RFC 5280 §5.2.4).
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
}

impl RevocationReason {
    /// Every reason, in code order.
    pub const ALL: [RevocationReason; 10] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::RemoveFromCrl,
        Self::PrivilegeWithdrawn,
        Self::AaCompromise,
    ];

    /// The reasons JPKI uses, plus removeFromCRL (for delta CRLs).
    pub const JPKI: [RevocationReason; 8] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::RemoveFromCrl,
    ];

    /// The reason for an ENUMERATED value; `None` for 7 and values above 10.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            _ => return None,
        })
    }

    /// The ENUMERATED value.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    /// The RFC 5280 name, e.g. `affiliationChanged`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "aACompromise",
        }
    }

    /// The reason for an RFC 5280 name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::RevocationReason;

    #[test]
    fn codes_and_names_round_trip() {
        for r in RevocationReason::ALL {
            assert_eq!(RevocationReason::from_code(u32::from(r.code())), Some(r));
            assert_eq!(RevocationReason::from_name(r.name()), Some(r));
        }
        assert_eq!(RevocationReason::from_code(7), None);
        assert_eq!(RevocationReason::from_code(11), None);
    }
}
