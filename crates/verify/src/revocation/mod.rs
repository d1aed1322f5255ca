//! Revocation (RFC 5280 §6.3): one model for every source.
//!
//! A [`RevocationSource`] answers one question — which CRLs (complete and delta) a
//! given issuer has published — and the checking algorithm ([`check`]) is written once
//! over it: per scope (issuer and distribution point) the complete CRL with the highest
//! cRLNumber that is current and signed by the right key, the newest delta CRL that
//! applies to it, then the certificate's entry. The sources:
//!
//! - [`CrlSet`]: CRLs given in memory (files on the command line, a service's upload);
//! - [`store::CrlStore`] (feature `std`): the persisted indexes `inkan crl fetch` keeps
//!   fresh, loaded on demand;
//! - [`Sources`]: several of them at once.
//!
//! A new source (a provider's service) implements the trait; nothing above it
//! changes. [`ocsp`] is RFC 6960's request and checked answer, sans-IO; a source that
//! can reach responders returns an [`OcspFetch`] (the front end's HTTP) from
//! [`RevocationSource::ocsp`], and the checking algorithm asks it before CRLs. [`refresh`] is the sans-IO logic of keeping a store fresh over HTTP.

pub mod check;
pub mod crl;
pub mod ocsp;
#[cfg(feature = "std")]
pub mod refresh;
mod scope;
#[cfg(feature = "std")]
pub mod store;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use x509_cert::name::Name;

use crate::error::{CrlError, Error};
pub use crate::error::{CrlRef, OcspRef, Responder, RevocationReason};
use crate::time::UnixTime;
use crate::x509::{Cert, name_eq};
pub use crl::{Crl, CrlInfo, ReadLimits, Revocation};

/// Where revocation information comes from. Shared between threads (a service answers
/// from one source on every worker).
pub trait RevocationSource: Sync {
    /// The CRLs, complete and delta, whose issuer is `issuer` (RFC 5280 §5.1.2.3; names
    /// compared as §7.1 says).
    fn crls(&self, issuer: &Name) -> Result<Vec<Arc<Crl>>, Error>;

    /// Certificates that sign CRLs on behalf of a CA (delegated CRL signers, RFC 5280
    /// §6.3.3 (f)); each is accepted only if its issuer's key verifies it.
    fn crl_signers(&self) -> &[Cert] {
        &[]
    }

    /// The OCSP responders this source asks (RFC 6960), if any: the checking algorithm
    /// then asks them first, and CRLs decide only when no answer does.
    fn ocsp(&self) -> Option<&dyn OcspFetch> {
        None
    }
}

/// Why an OCSP request got no response to check (the front end's I/O failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OcspFetchError(pub &'static str);

/// The I/O of OCSP (RFC 6960 §A.1: an HTTP POST of the DER request), supplied by a
/// front end; the request and the checking of the answer stay in [`ocsp`], sans-IO.
pub trait OcspFetch: Sync {
    /// A fresh random nonce for the next request (RFC 8954 §2.1), or `None` to send none.
    fn nonce(&self) -> Option<[u8; 16]>;

    /// Sends `request` (a DER `OCSPRequest` for `cert`) to the responder for `cert` and
    /// returns its URL and the response body, read to at most [`ocsp::MAX_RESPONSE`]
    /// bytes; `Ok(None)` when no responder is known for `cert` (CRLs then decide). Must
    /// be bounded in time.
    fn fetch(
        &self,
        cert: &Cert,
        request: &[u8],
    ) -> Result<Option<(String, Vec<u8>)>, OcspFetchError>;
}

/// CRLs held in memory, and delegated CRL signer certificates.
#[derive(Clone, Debug, Default)]
pub struct CrlSet {
    crls: Vec<Arc<Crl>>,
    signers: Vec<Cert>,
}

impl CrlSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parsed CRL.
    pub fn add(&mut self, crl: Crl) {
        self.crls.push(Arc::new(crl));
    }

    /// Adds a CRL held elsewhere too (a store's, a cache's).
    pub fn add_shared(&mut self, crl: Arc<Crl>) {
        self.crls.push(crl);
    }

    /// Parses and adds a DER CRL.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), CrlError> {
        self.add(Crl::from_der(der)?);
        Ok(())
    }

    /// Parses and adds every CRL of a PEM bundle or one DER CRL; returns the count.
    pub fn add_pem_or_der(&mut self, data: &[u8]) -> Result<usize, Error> {
        let v = crate::x509::pem::crls(data)?;
        for d in &v {
            self.add_der(d)?;
        }
        Ok(v.len())
    }

    /// Adds a delegated CRL signer: a certificate issued by a CA of the path, carrying
    /// cRLSign, whose key signs CRLs on the CA's behalf (RFC 5280 §6.3.3 (f)).
    pub fn add_delegated_signer(&mut self, der: &[u8]) -> Result<(), Error> {
        self.signers.push(Cert::from_der(der)?);
        Ok(())
    }

    /// The CRLs.
    pub fn crls(&self) -> &[Arc<Crl>] {
        &self.crls
    }

    /// Number of CRLs.
    pub fn len(&self) -> usize {
        self.crls.len()
    }

    /// No CRLs.
    pub fn is_empty(&self) -> bool {
        self.crls.is_empty()
    }
}

impl RevocationSource for CrlSet {
    fn crls(&self, issuer: &Name) -> Result<Vec<Arc<Crl>>, Error> {
        Ok(self
            .crls
            .iter()
            .filter(|c| c.info().issuer().is_some_and(|n| name_eq(&n, issuer)))
            .cloned()
            .collect())
    }

    fn crl_signers(&self) -> &[Cert] {
        &self.signers
    }
}

/// Several sources consulted together: the CRLs of all of them compete as one set; the
/// first OCSP responder set (by [`Sources::set_ocsp`] or by a source) is asked.
#[derive(Default)]
pub struct Sources<'a> {
    sources: Vec<&'a dyn RevocationSource>,
    signers: Vec<Cert>,
    ocsp: Option<&'a dyn OcspFetch>,
}

impl<'a> Sources<'a> {
    /// No sources.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source.
    pub fn push(&mut self, s: &'a dyn RevocationSource) {
        self.signers.extend_from_slice(s.crl_signers());
        if self.ocsp.is_none() {
            self.ocsp = s.ocsp();
        }
        self.sources.push(s);
    }

    /// Asks `f` for OCSP answers (before any CRL).
    pub fn set_ocsp(&mut self, f: &'a dyn OcspFetch) {
        self.ocsp = Some(f);
    }

    /// No sources.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty() && self.ocsp.is_none()
    }
}

impl RevocationSource for Sources<'_> {
    fn crls(&self, issuer: &Name) -> Result<Vec<Arc<Crl>>, Error> {
        let mut out: Vec<Arc<Crl>> = Vec::new();
        for s in &self.sources {
            for c in s.crls(issuer)? {
                if !out
                    .iter()
                    .any(|o| o.info().crl_sha256 == c.info().crl_sha256)
                {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    fn crl_signers(&self) -> &[Cert] {
        &self.signers
    }

    fn ocsp(&self) -> Option<&dyn OcspFetch> {
        self.ocsp
    }
}

/// Which certificates of a path are checked for revocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationScope {
    /// Only the end-entity certificate.
    Leaf,
    /// Every certificate below the trust anchor.
    Chain,
}

/// Where a signing time comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeSource {
    /// Claimed by the signer (CMS signingTime, RFC 5652 §11.3): whoever holds the key
    /// can write any time there.
    Signer,
    /// Given by the caller, who vouches for it (a trusted time-stamp, an archive's
    /// reception date).
    Caller,
}

/// Revocation policy (RFC 5280 §6.3), all explicit.
#[derive(Clone)]
pub struct RevocationOptions<'a> {
    /// Where CRLs come from.
    pub source: &'a dyn RevocationSource,
    /// Which certificates are checked.
    pub scope: RevocationScope,
    /// When no usable CRL determines the status: `false` fails with
    /// [`Error::RevocationUnknown`], `true` reports [`CertStatus::Unknown`].
    pub allow_unknown: bool,
    /// A CRL stays usable this many seconds after its nextUpdate (staleness tolerance).
    pub next_update_grace: u64,
    /// If set, a CRL older than this many seconds (validation time − thisUpdate) is stale
    /// even before its nextUpdate.
    pub max_age: Option<u64>,
    /// Accept CRLs without nextUpdate (RFC 5280 §5.1.2.5 requires it).
    pub allow_missing_next_update: bool,
    /// Apply delta CRLs (RFC 5280 §5.2.4, §6.3.3 (c)).
    pub use_delta_crls: bool,
    /// When set, revocation dated after this time is reported as
    /// [`Error::RevokedAfterSigning`] (or accepted, see below) instead of
    /// [`Error::Revoked`] — unless the entry says the key was compromised, or gives an
    /// invalidityDate at or before it.
    pub signing_time: Option<(UnixTime, TimeSource)>,
    /// Turn revocation after `signing_time` into a [`CertStatus::RevokedAfterSigning`]
    /// success instead of an error.
    pub accept_revoked_after_signing: bool,
}

impl core::fmt::Debug for RevocationOptions<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RevocationOptions")
            .field("scope", &self.scope)
            .field("allow_unknown", &self.allow_unknown)
            .field("signing_time", &self.signing_time)
            .finish_non_exhaustive()
    }
}

impl<'a> RevocationOptions<'a> {
    /// Strict defaults: whole chain, unknown status fails, no grace, deltas used.
    pub fn new(source: &'a dyn RevocationSource) -> Self {
        Self {
            source,
            scope: RevocationScope::Chain,
            allow_unknown: false,
            next_update_grace: 0,
            max_age: None,
            allow_missing_next_update: false,
            use_delta_crls: true,
            signing_time: None,
            accept_revoked_after_signing: false,
        }
    }
}

/// Revocation outcome for one certificate that did not fail validation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertStatus {
    /// Not checked (scope or no revocation options).
    NotChecked,
    /// Not revoked: an OCSP response said `good`, or CRLs covering all reasons show
    /// the certificate unrevoked.
    Good {
        /// The CRLs that decided (one per reason partition or distribution point);
        /// empty when OCSP decided.
        crls: Vec<CrlRef>,
        /// The OCSP response that decided, if one did.
        ocsp: Option<OcspRef>,
    },
    /// Revoked after the signing time, accepted by the options.
    RevokedAfterSigning {
        /// revocationDate (revocationTime in OCSP).
        revoked_at: UnixTime,
        /// reasonCode.
        reason: RevocationReason,
        /// The CRL that decided, if a CRL did.
        crl: Option<CrlRef>,
        /// The OCSP response that decided, if OCSP did.
        ocsp: Option<OcspRef>,
    },
    /// Status unknown, accepted by the options.
    Unknown {
        /// Why.
        detail: &'static str,
    },
}
