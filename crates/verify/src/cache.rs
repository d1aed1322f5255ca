//! Parsed certificates remembered by a long-lived verifier ([`crate::verifier::Verifier`]),
//! which [`crate::ValidationOptions::cache`] carries into CMS parsing (with the validated
//! paths of [`crate::path::PathCache`]).
//!
//! A signed object carries its signer's certificates, the same bytes every time: a
//! certificate is parsed once and found again by its DER (an XXH3 key, the bytes compared
//! in full, so a collision costs a parse, never a wrong certificate).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::x509::Cert;

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
