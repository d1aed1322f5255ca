//! The service's CRLs: loaded from directories, checked before they are used, swapped
//! whole.
//!
//! A load reads every CRL of the directories (PEM or DER; other files skipped) and
//! verifies each one's signature with the key of a CA the service knows (a trust anchor
//! or an intermediate with the CRL issuer's name, RFC 5280 §6.3.3 (f)); one CRL that does
//! not parse or verify fails the whole load, and the running service keeps the CRLs it
//! had ("last good kept"). A successful load replaces the verifier's source at once, so
//! a request sees either the old set or the new one, never a mixture.

use std::path::PathBuf;

use inkan_verify::x509::name_eq;
use inkan_verify::{Backend, Cert, Crl, CrlSet, TrustStore, UnixTime, fs as vfs};
use serde::Serialize;
use utoipa::ToSchema;

/// One loaded CRL, as `GET /v1/crls` shows it.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct CrlSummary {
    /// The issuer, RFC 4514.
    pub issuer: String,
    /// cRLNumber, lowercase hex (`null` without one).
    pub number: Option<String>,
    /// A delta CRL (RFC 5280 §5.2.4).
    pub delta: bool,
    /// thisUpdate, RFC 3339.
    pub this_update: String,
    /// nextUpdate, RFC 3339.
    pub next_update: Option<String>,
    /// Revoked entries.
    pub entries: usize,
    /// nextUpdate not passed at the time of the answer.
    pub fresh: bool,
    /// SHA-256 of the DER CRL, hex.
    pub sha256: String,
}

/// The CRLs in use and what they were loaded from.
#[derive(Clone, Default)]
pub struct CrlSnapshot {
    /// The CRLs.
    pub set: CrlSet,
    /// When they were loaded, seconds since the Unix epoch.
    pub loaded_at: u64,
}

impl CrlSnapshot {
    /// The summaries at `now`.
    pub fn summaries(&self, now: UnixTime) -> Vec<CrlSummary> {
        self.set.crls().iter().map(|c| summary(c, now)).collect()
    }

    /// Every CRL's nextUpdate is still ahead at `now` (a CRL without one counts as
    /// stale).
    pub fn all_fresh(&self, now: UnixTime) -> bool {
        self.set
            .crls()
            .iter()
            .all(|c| c.info().next_update.is_some_and(|n| n >= now))
    }
}

fn summary(c: &Crl, now: UnixTime) -> CrlSummary {
    let i = c.info();
    CrlSummary {
        issuer: i.issuer_string(),
        number: i.crl_ref().number,
        delta: i.is_delta(),
        this_update: i.this_update.to_string(),
        next_update: i.next_update.map(|t| t.to_string()),
        entries: c.len(),
        fresh: i.next_update.is_some_and(|n| n >= now),
        sha256: hex::encode(i.crl_sha256),
    }
}

/// The CA certificates a CRL may be signed by: anchors and intermediates.
pub fn cas(anchors: &TrustStore, intermediates: &[Cert]) -> Vec<Cert> {
    anchors
        .anchors()
        .iter()
        .map(|a| a.cert.clone())
        .chain(intermediates.iter().cloned())
        .collect()
}

/// Reads the CRLs of `dirs` and of the store `store` (the one `--crl-source` refreshes),
/// and verifies each with a known CA's key; the first failure is the error (and nothing
/// is returned).
pub fn load(
    dirs: &[PathBuf],
    store: Option<&std::path::Path>,
    anchors: &TrustStore,
    intermediates: &[Cert],
    backend: Backend,
    now: u64,
) -> Result<CrlSnapshot, String> {
    let mut set = CrlSet::new();
    vfs::load_crls(dirs, &mut set).map_err(|e| e.to_string())?;
    if let Some(dir) = store {
        let st = inkan_verify::revocation::store::CrlStore::open(dir).map_err(|e| e.to_string())?;
        for c in st.all().map_err(|e| e.to_string())? {
            set.add_shared(c);
        }
    }
    let cas = cas(anchors, intermediates);
    for c in set.crls() {
        let issuer = c.info().issuer();
        let verified = cas.iter().any(|ca| {
            issuer.as_ref().is_some_and(|n| name_eq(n, ca.subject()))
                && c.verify_signed_by(ca.spki_der(), backend).is_ok()
        });
        if !verified {
            return Err(format!(
                "the CRL of {} (number {}) is not signed by a CA this service knows",
                c.info().issuer_string(),
                c.info().crl_ref().number.as_deref().unwrap_or("none")
            ));
        }
    }
    Ok(CrlSnapshot {
        set,
        loaded_at: now,
    })
}
