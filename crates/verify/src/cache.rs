//! What a long-lived verifier ([`crate::verifier::Verifier`]) remembers between
//! verifications: parsed certificates ([`CertCache`]) and validated paths
//! ([`PathCache`]), together [`Caches`], which [`crate::ValidationOptions::cache`] carries
//! into path validation and CMS parsing.
//!
//! ## Certificates
//!
//! A signed object carries its signer's certificates, the same bytes every time: a
//! certificate is parsed once and found again by its DER (an XXH3 key, the bytes compared
//! in full, so a collision costs a parse, never a wrong certificate).
//!
//! ## Paths
//!
//! A path validated at time `t` is valid at every time of a window computed from what
//! decided it: the validity periods of its certificates (RFC 5280 §6.1.3 (a)(2)) and of
//! the anchor when it is checked, and for each certificate whose revocation status came
//! from CRLs, their thisUpdate up to nextUpdate (plus the grace the options allow) and
//! the maximum age. Within that window, with the same trust anchors, intermediates, CRL
//! set and options, validating again gives the same path: that is what is remembered.
//! Only paths every certificate of which is good or not checked are kept; an unknown
//! status, a revocation after the signing time (which depends on the signing time) or a
//! delta CRL (whose own nextUpdate is not recorded) is validated afresh each time.
//!
//! The cache does not know the store, intermediates, CRLs or options it was filled
//! under: its owner clears it when any of them changes ([`PathCache::clear`]).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::path::{ValidatedPath, ValidationOptions};
use crate::revocation::CertStatus;
use crate::time::UnixTime;
use crate::x509::Cert;

/// Both caches of a verifier.
#[derive(Debug)]
pub struct Caches {
    /// Validated paths.
    pub paths: PathCache,
    /// Parsed certificates.
    pub certs: CertCache,
}

impl Caches {
    /// Empty caches of at most `max_entries` paths and as many certificates.
    pub fn new(max_entries: usize) -> Self {
        Self {
            paths: PathCache::new(max_entries),
            certs: CertCache::new(max_entries),
        }
    }
}

/// Parsed certificates by their DER.
#[derive(Debug)]
pub struct CertCache {
    entries: Mutex<HashMap<u64, Cert>>,
    max_entries: usize,
}

impl CertCache {
    /// An empty cache of at most `max_entries` certificates (emptied when full).
    pub fn new(max_entries: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            max_entries,
        }
    }

    /// `der` parsed ([`Cert::from_der`]), from the cache when it was parsed before.
    pub fn parse(&self, der: &[u8]) -> Result<Cert, crate::error::Error> {
        let key = xxhash_rust::xxh3::xxh3_64(der);
        if let Ok(map) = self.entries.lock()
            && let Some(c) = map.get(&key)
            && c.der() == der
        {
            return Ok(c.clone());
        }
        let c = Cert::from_der(der)?;
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= self.max_entries {
                map.clear();
            }
            map.insert(key, c.clone());
        }
        Ok(c)
    }

    /// How many certificates are remembered.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Validated paths by SHA-256 of the leaf certificate, each with the window of
/// validation times it holds for.
#[derive(Debug)]
pub struct PathCache {
    entries: Mutex<HashMap<[u8; 32], Remembered>>,
    max_entries: usize,
}

#[derive(Debug, Clone)]
struct Remembered {
    from: UnixTime,
    until: UnixTime,
    path: ValidatedPath,
}

impl PathCache {
    /// An empty cache holding at most `max_entries` paths (when full it is emptied and
    /// fills again: a bound, not an eviction policy).
    pub fn new(max_entries: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            max_entries,
        }
    }

    /// The path remembered for the leaf with SHA-256 `leaf`, if it holds at `at`.
    pub fn get(&self, leaf: &[u8; 32], at: UnixTime) -> Option<ValidatedPath> {
        let map = self.entries.lock().ok()?;
        let r = map.get(leaf)?;
        (r.from <= at && at <= r.until).then(|| r.path.clone())
    }

    /// Remembers `path`, validated for the leaf with SHA-256 `leaf` under `opts`, when
    /// what decided it gives a window (see the module documentation).
    pub fn remember(&self, leaf: [u8; 32], path: &ValidatedPath, opts: &ValidationOptions<'_>) {
        let Some((from, until)) = window(path, opts) else {
            return;
        };
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= self.max_entries {
                map.clear();
            }
            map.insert(
                leaf,
                Remembered {
                    from,
                    until,
                    path: path.clone(),
                },
            );
        }
    }

    /// Forgets every path (the CRLs, anchors, intermediates or options changed).
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }

    /// How many paths are remembered.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The validation times at which `path` stays valid under `opts`, or `None` when it
/// must not be remembered.
fn window(path: &ValidatedPath, opts: &ValidationOptions<'_>) -> Option<(UnixTime, UnixTime)> {
    let mut from = UnixTime::from_secs(0);
    let mut until = UnixTime::from_secs(u64::MAX);
    let mut narrow = |lo: UnixTime, hi: UnixTime| {
        from = from.max(lo);
        until = until.min(hi);
    };
    for c in &path.chain {
        narrow(c.not_before(), c.not_after());
    }
    if opts.check_anchor_validity {
        narrow(path.anchor.cert.not_before(), path.anchor.cert.not_after());
    }
    for status in &path.revocation {
        match status {
            CertStatus::NotChecked => {}
            CertStatus::Good { crls } => {
                let r = opts.revocation.as_ref()?;
                for crl in crls {
                    if crl.delta.is_some() {
                        return None;
                    }
                    let mut hi = match crl.next_update {
                        Some(n) => n.saturating_add(r.next_update_grace),
                        None => UnixTime::from_secs(u64::MAX),
                    };
                    if let Some(age) = r.max_age {
                        hi = hi.min(crl.this_update.saturating_add(age));
                    }
                    narrow(crl.this_update, hi);
                }
            }
            CertStatus::RevokedAfterSigning { .. } | CertStatus::Unknown { .. } => return None,
        }
    }
    (from <= opts.at && opts.at <= until).then_some((from, until))
}
