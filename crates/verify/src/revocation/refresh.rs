//! Keeping a [`CrlStore`] fresh from CRL distribution points over HTTP, without doing
//! any networking: the caller's HTTP client asks [`Refresh::request`] for the
//! conditional headers (`If-None-Match`, `If-Modified-Since` from the last success,
//! RFC 9110 §13.1), then hands over what came back — a 304, another status, a body to
//! stream, or a transport failure — and gets the outcome. In between this module
//! verifies the CRL with the configured CA (issuer, authorityKeyIdentifier, cRLSign,
//! signature over the raw TBS bytes), checks thisUpdate ≤ now ≤ nextUpdate, refuses
//! indirect CRLs, delta CRLs without their complete CRL in the store, and CRLs older than
//! the one kept, and only then swaps the
//! index in. On any failure the last good index stays; per-source state (ETag,
//! Last-Modified, last success and error) is kept in `<store>/sources/`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::crl::{Crl, ReadLimits};
use super::store::{CrlStore, write_atomic};
use crate::alg::Backend;
use crate::error::CrlError;
use crate::time::UnixTime;
use crate::x509::Cert;

/// Per-source state kept in `<store>/sources/<hash>.json`.
#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq, Eq)]
pub struct SourceState {
    /// The source URL.
    pub url: String,
    /// ETag of the last 200 answer.
    pub etag: Option<String>,
    /// Last-Modified of the last 200 answer.
    pub last_modified: Option<String>,
    /// The store key of the CRL this source last delivered.
    pub key: Option<String>,
    /// When the last refresh succeeded (RFC 3339).
    pub last_success: Option<String>,
    /// The last failure: time, code and message.
    pub last_error: Option<String>,
}

/// Where a source's state lives.
pub fn state_path(store_dir: &Path, url: &str) -> PathBuf {
    let h = super::crl::sha256(url.as_bytes());
    store_dir.join("sources").join(format!(
        "{}.json",
        crate::x509::hex_string(h.get(..16).unwrap_or(&[]))
    ))
}

/// A failed refresh: a stable code (`crl-fetch-network`, `crl-fetch-timeout`,
/// `crl-fetch-http`, or a `crl-…` code of [`CrlError`]) and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshError {
    /// Stable code.
    pub code: &'static str,
    /// Human message.
    pub message: String,
}

impl From<CrlError> for RefreshError {
    fn from(e: CrlError) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// The conditional request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The URL.
    pub url: String,
    /// `If-None-Match`, when a CRL from this source is in use.
    pub if_none_match: Option<String>,
    /// `If-Modified-Since`, likewise.
    pub if_modified_since: Option<String>,
}

/// What a refresh did.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A new CRL was verified and stored.
    Updated(Arc<Crl>),
    /// The server said 304 and the CRL in use is still current.
    NotModified,
    /// It failed; the last good CRL (if any) stays in use.
    Failed(RefreshError),
}

/// The refresh of one source: state machine over one HTTP exchange.
pub struct Refresh<'s> {
    store: &'s mut CrlStore,
    state: SourceState,
    state_path: PathBuf,
    current: Option<Arc<Crl>>,
    at: UnixTime,
}

impl<'s> Refresh<'s> {
    /// Starts refreshing `url` into `store` at time `at`: reads the source's state and
    /// the CRL it last delivered (if its index is intact).
    pub fn begin(store: &'s mut CrlStore, url: &str, at: UnixTime) -> Self {
        let state_path = state_path(store.dir(), url);
        let mut state: SourceState = std::fs::read(&state_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        if state.url != url {
            state = SourceState {
                url: url.to_owned(),
                ..SourceState::default()
            };
        }
        let current = state
            .key
            .as_deref()
            .and_then(|k| store.get(k).ok().flatten());
        Self {
            store,
            state,
            state_path,
            current,
            at,
        }
    }

    /// The request to send: conditional when a CRL from this source is in use.
    pub fn request(&self) -> Request {
        let cond = self.current.is_some();
        Request {
            url: self.state.url.clone(),
            if_none_match: self.state.etag.clone().filter(|_| cond),
            if_modified_since: self.state.last_modified.clone().filter(|_| cond),
        }
    }

    /// The CRL in use for this source (the new one after an update).
    pub fn in_use(&self) -> Option<&Arc<Crl>> {
        self.current.as_ref()
    }

    /// The server answered 304 Not Modified: the CRL in use must still be current.
    pub fn not_modified(&mut self) -> Outcome {
        match &self.current {
            Some(c) => match c.check_time(self.at) {
                Ok(()) => Outcome::NotModified,
                Err(e) => Outcome::Failed(e.into()),
            },
            None => Outcome::Failed(RefreshError {
                code: "crl-fetch-http",
                message: String::from("304 Not Modified without a stored CRL"),
            }),
        }
    }

    /// The server answered a status other than 200 or 304.
    pub fn status(&mut self, status: u16) -> Outcome {
        Outcome::Failed(RefreshError {
            code: "crl-fetch-http",
            message: format!("{}: HTTP status {status}", self.state.url),
        })
    }

    /// The exchange failed below HTTP (connection, timeout): `code` is
    /// `crl-fetch-network` or `crl-fetch-timeout`.
    pub fn failed(&mut self, code: &'static str, message: String) -> Outcome {
        Outcome::Failed(RefreshError { code, message })
    }

    /// A 200 answer: `body` is read (DER streamed into the index, PEM read whole),
    /// verified with one of `cas`, checked and stored. A read error of the body is
    /// returned as [`CrlError::Io`] so that the caller can tell a network failure from a
    /// bad CRL.
    pub fn body(
        &mut self,
        mut body: impl Read,
        etag: Option<String>,
        last_modified: Option<String>,
        cas: &[Cert],
        backend: Backend,
    ) -> Result<Outcome, CrlError> {
        let mut lead = [0u8; 1];
        let got = body.read(&mut lead).map_err(|e| CrlError::Io {
            detail: e.to_string(),
        })?;
        let parsed = if got == 1 && lead == [0x30] {
            Crl::from_reader_signed_by(
                std::io::Read::chain(&lead[..], body),
                cas,
                backend,
                ReadLimits::default(),
            )
        } else {
            let mut data = lead.get(..got).unwrap_or(&[]).to_vec();
            body.read_to_end(&mut data).map_err(|e| CrlError::Io {
                detail: e.to_string(),
            })?;
            let blobs =
                crate::x509::pem::blocks(&data, &["X509 CRL"]).map_err(|_| CrlError::Der {
                    offset: 0,
                    what: "neither DER nor PEM",
                })?;
            match blobs.first() {
                Some(der) => Crl::from_der_signed_by(der, cas, backend),
                None => Err(CrlError::Der {
                    offset: 0,
                    what: "neither DER nor PEM",
                }),
            }
        };
        let crl = match parsed {
            Err(e @ CrlError::Io { .. }) => return Err(e),
            Err(e) => return Ok(Outcome::Failed(e.into())),
            Ok(c) => c,
        };
        Ok(self.accept(crl, etag, last_modified))
    }

    fn accept(&mut self, crl: Crl, etag: Option<String>, last_modified: Option<String>) -> Outcome {
        if crl.is_delta()
            && let Err(e) = self.delta_applies(&crl)
        {
            return Outcome::Failed(e.into());
        }
        if let Err(e) = crl
            .check_supported(false)
            .and_then(|()| crl.check_time(self.at))
        {
            return Outcome::Failed(e.into());
        }
        match self.store.put(&crl) {
            Ok(key) => {
                self.state.key = Some(key);
                self.state.etag = etag;
                self.state.last_modified = last_modified;
                let crl = Arc::new(crl);
                self.current = Some(Arc::clone(&crl));
                Outcome::Updated(crl)
            }
            Err(e) => Outcome::Failed(e.into()),
        }
    }

    /// A delta CRL is kept only beside the complete CRL it applies to (RFC 5280 §5.2.4):
    /// one of its scope must be in the store with cRLNumber ≥ the delta's BaseCRLNumber
    /// (configure the complete CRL's source before the delta's).
    fn delta_applies(&self, delta: &Crl) -> Result<(), CrlError> {
        let key = CrlStore::key_of(delta.info());
        let base_key = key.trim_end_matches(".delta");
        let mismatch = |detail: &'static str| CrlError::DeltaMismatch { detail };
        let complete = self
            .store
            .catalog()
            .iter()
            .find(|s| s.key == base_key)
            .ok_or_else(|| mismatch("no complete CRL of this scope in the store for the delta"))?;
        match (
            complete.info.number.as_deref(),
            delta.info().delta_base.as_deref(),
        ) {
            (Some(n), Some(b)) if super::crl::uint_cmp(b, n) != core::cmp::Ordering::Greater => {
                Ok(())
            }
            (Some(_), Some(_)) => Err(mismatch(
                "the delta's BaseCRLNumber is newer than the complete CRL in the store",
            )),
            _ => Err(mismatch("the complete CRL has no cRLNumber")),
        }
    }

    /// Records the outcome in the source's state file (best effort: a state that
    /// cannot be written only costs a full download next time).
    pub fn finish(mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Updated(_) | Outcome::NotModified => {
                self.state.last_success = Some(self.at.to_string());
                self.state.last_error = None;
            }
            Outcome::Failed(e) => {
                self.state.last_error = Some(format!("{} {}: {}", self.at, e.code, e.message));
            }
        }
        if let Some(dir) = self.state_path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(b) = serde_json::to_vec_pretty(&self.state) {
            let _ = write_atomic(&self.state_path, &b);
        }
    }
}
