//! The trust store: every J-LIS root generation, pinned by fingerprint.
//!
//! The JPKI roots of one hierarchy (2015, 2019, 2023 generations) share one subject name,
//! so issuers are chosen by key identifier and signature, never by name alone
//! (see [`crate::path`]). A root certificate read from a card proves nothing on its own,
//! so [`TrustStore::add_pinned`] accepts only the published fingerprints; any other
//! anchor needs the operator's explicit [`TrustStore::add_explicit`].

use alloc::vec::Vec;

use crate::error::Error;
use crate::x509::{Cert, KeyUsageBits, hex_string};

/// A published J-LIS production root: hierarchy, generation, serial and the SHA-256 of its DER.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootPin {
    /// Human-readable label, e.g. `"JPKI sign gen 3 (2023-2033)"`.
    pub label: &'static str,
    /// Serial number, hex as published.
    pub serial: &'static str,
    /// SHA-256 of the certificate's DER, lowercase hex.
    pub sha256: &'static str,
}

/// The production J-LIS roots whose full fingerprints are known (FACTS §8). The 2019
/// generation (auth serial `0133C349`, sign serial `0132C4AB`) is not pinned here because
/// its full fingerprint is not at hand; add it with [`TrustStore::add_explicit`] after
/// checking it against J-LIS's published list.
pub const JLIS_ROOT_PINS: &[RootPin] = &[
    RootPin {
        label: "JPKI user authentication gen 1 (2015-2025)",
        serial: "01",
        sha256: "4dcfc4ca0aaf9fb2a3081b3f0c991c320b3acc008667a341eeaec5af1d58ca7d",
    },
    RootPin {
        label: "JPKI user authentication gen 3 (2023-2033)",
        serial: "06D18006",
        sha256: "64114f29620c24ed2631d46476a040e7ee740d956089c00b036a6a8118c322b5",
    },
    RootPin {
        label: "JPKI digital signature gen 1 (2015-2025)",
        serial: "01",
        sha256: "19645405a1fe14377434bd55957628ac4038557c542403a2243f21c706fc9355",
    },
    RootPin {
        label: "JPKI digital signature gen 3 (2023-2033)",
        serial: "067C6A21",
        sha256: "d227f6cde11d35c5252178f106f843d24651944975413b539fa2fb68dbfa365f",
    },
];

/// A trust anchor must be a CA: basicConstraints with cA set (RFC 5280 §4.2.1.9), and
/// keyCertSign when keyUsage is present (§4.2.1.3). An end-entity certificate among the
/// anchors would let its holder's key issue certificates in anyone's name.
fn check_ca(cert: &Cert) -> Result<(), Error> {
    let sha256 = || hex_string(&cert.sha256());
    if !cert.is_ca() {
        return Err(Error::UntrustedRoot {
            sha256: sha256(),
            reason: "it is not a CA certificate (basicConstraints cA is not set)",
        });
    }
    if cert
        .key_usage()
        .is_some_and(|ku| !ku.contains(KeyUsageBits::KEY_CERT_SIGN))
    {
        return Err(Error::UntrustedRoot {
            sha256: sha256(),
            reason: "its keyUsage does not allow keyCertSign",
        });
    }
    Ok(())
}

/// How an anchor entered the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnchorSource {
    /// Matched a [`JLIS_ROOT_PINS`] entry.
    Pinned(&'static RootPin),
    /// Added by the operator with [`TrustStore::add_explicit`].
    Explicit,
}

/// A trust anchor (RFC 5280 §6.1.1 (d)): a certificate whose name and key start paths.
#[derive(Clone, Debug)]
pub struct TrustAnchor {
    /// The anchor certificate.
    pub cert: Cert,
    /// Where it came from.
    pub source: AnchorSource,
}

/// A set of trust anchors; several generations with the same subject may coexist.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a root only if the SHA-256 of `der` matches a [`JLIS_ROOT_PINS`] entry;
    /// otherwise [`Error::UntrustedRoot`]. Adding the same root twice is a no-op.
    pub fn add_pinned(&mut self, der: &[u8]) -> Result<AnchorSource, Error> {
        let cert = Cert::from_der(der)?;
        let fp = hex_string(&cert.sha256());
        let pin = JLIS_ROOT_PINS
            .iter()
            .find(|p| p.sha256 == fp)
            .ok_or(Error::UntrustedRoot {
                sha256: fp,
                reason: "it matches no published J-LIS root fingerprint",
            })?;
        check_ca(&cert)?;
        Ok(self.insert(cert, AnchorSource::Pinned(pin)))
    }

    /// The J-LIS pin `der` matches, if any.
    pub fn pin_of(der: &[u8]) -> Option<&'static RootPin> {
        let fp = hex_string(&Cert::from_der(der).ok()?.sha256());
        JLIS_ROOT_PINS.iter().find(|p| p.sha256 == fp)
    }

    /// A store of one anchor (the anchor a CRL issuer's path must end at, RFC 5280 §6.3.3 (f)).
    pub(crate) fn with_anchor(anchor: TrustAnchor) -> Self {
        Self {
            anchors: alloc::vec![anchor],
        }
    }

    /// Adds any certificate as a trust anchor: the operator's explicit decision (a test
    /// hierarchy, the 2019 generation, a private PKI).
    pub fn add_explicit(&mut self, der: &[u8]) -> Result<AnchorSource, Error> {
        let cert = Cert::from_der(der)?;
        check_ca(&cert)?;
        Ok(self.insert(cert, AnchorSource::Explicit))
    }

    /// Adds the anchor unless the same certificate is present; returns the source in force.
    fn insert(&mut self, cert: Cert, source: AnchorSource) -> AnchorSource {
        match self.anchors.iter().find(|a| a.cert == cert) {
            Some(existing) => existing.source,
            None => {
                self.anchors.push(TrustAnchor { cert, source });
                source
            }
        }
    }

    /// Adds every certificate of a PEM bundle (or one DER certificate) with
    /// [`Self::add_pinned`]; returns how many were added.
    pub fn add_pinned_pem_or_der(&mut self, data: &[u8]) -> Result<usize, Error> {
        let certs = crate::x509::pem::certificates(data)?;
        for c in &certs {
            self.add_pinned(c)?;
        }
        Ok(certs.len())
    }

    /// Adds every certificate of a PEM bundle (or one DER certificate) with
    /// [`Self::add_explicit`]; returns how many were added.
    pub fn add_explicit_pem_or_der(&mut self, data: &[u8]) -> Result<usize, Error> {
        let certs = crate::x509::pem::certificates(data)?;
        for c in &certs {
            self.add_explicit(c)?;
        }
        Ok(certs.len())
    }

    /// The anchors.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// No anchors.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}
