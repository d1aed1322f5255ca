//! A long-lived verifier: trust anchors, intermediates, revocation sources and options
//! loaded once, for a relying party that checks many signatures (a batch, the HTTP
//! service).
//!
//! What it saves on each verification after the first:
//! - CRLs are parsed and indexed once, when the source is made; a CRL's signature is
//!   verified once per signing key ([`crate::Crl`] remembers the key that verified it, so
//!   a CRL is keyed by its content and checked once however many certificates it
//!   answers for);
//! - a validated path is remembered per certificate (by SHA-256 of the certificate,
//!   [`crate::path::cache`]) for as long as what decided it holds — certificate validity,
//!   CRL thisUpdate/nextUpdate, the maximum age — and forgotten when the revocation
//!   source is replaced ([`Verifier::set_source`]).
//!
//! - the certificates a signed object carries are parsed once ([`crate::cache::CertCache`]).
//!
//! So verifying the next CMS signature of a known signer costs the CMS structure, the
//! message digest and one signature verification (the signer's).

use alloc::vec::Vec;

use crate::alg::HashAlg;
use crate::error::Error;
use crate::path::Caches;
use crate::path::{ValidatedPath, ValidationOptions, verify_path};
use crate::revocation::RevocationSource;
use crate::signed::Purpose;
use crate::signed::cms::{CmsVerification, Content, verify_cms};
use crate::signed::login::{LoginVerification, verify_login};
use crate::signed::xml::{XmlVerification, verify_xml};
use crate::time::UnixTime;
use crate::trust::TrustStore;
use crate::x509::Cert;

/// How many validated paths (and parsed certificates) a verifier remembers at most (then
/// it starts again).
pub const MAX_CACHED_PATHS: usize = 100_000;

/// A source that knows no CRL: the placeholder of [`Verifier::new`]'s options, replaced by
/// the verifier's own source on every call.
struct NoCrls;

impl RevocationSource for NoCrls {
    fn crls(
        &self,
        _issuer: &x509_cert::name::Name,
    ) -> Result<Vec<alloc::sync::Arc<crate::Crl>>, Error> {
        Ok(Vec::new())
    }
}

static NO_CRLS: NoCrls = NoCrls;

/// Trust anchors, intermediates, a revocation source `S` and validation options, kept
/// for many verifications.
pub struct Verifier<S: RevocationSource> {
    store: TrustStore,
    intermediates: Vec<Cert>,
    source: S,
    options: ValidationOptions<'static>,
    caches: Caches,
}

/// `o` without what borrows: the revocation source (replaced by [`NO_CRLS`]) and the
/// path cache.
fn detach(o: ValidationOptions<'_>) -> ValidationOptions<'static> {
    let ValidationOptions {
        at,
        backend,
        initial_policy_set,
        initial_explicit_policy,
        initial_policy_mapping_inhibit,
        initial_any_policy_inhibit,
        leaf_key_usage,
        require_leaf_key_usage_extension,
        check_anchor_validity,
        max_path_len,
        budget,
        max_policy_nodes,
        revocation,
        cache: _,
    } = o;
    let revocation = revocation.map(|r| crate::RevocationOptions {
        source: &NO_CRLS,
        scope: r.scope,
        allow_unknown: r.allow_unknown,
        next_update_grace: r.next_update_grace,
        max_age: r.max_age,
        allow_missing_next_update: r.allow_missing_next_update,
        use_delta_crls: r.use_delta_crls,
        signing_time: r.signing_time,
        accept_revoked_after_signing: r.accept_revoked_after_signing,
    });
    ValidationOptions {
        at,
        backend,
        initial_policy_set,
        initial_explicit_policy,
        initial_policy_mapping_inhibit,
        initial_any_policy_inhibit,
        leaf_key_usage,
        require_leaf_key_usage_extension,
        check_anchor_validity,
        max_path_len,
        budget,
        max_policy_nodes,
        revocation,
        cache: None,
    }
}

impl<S: RevocationSource> Verifier<S> {
    /// A verifier over `store` and `intermediates`. `options` gives everything but the
    /// time (each call passes its own): when `options.revocation` is set, its settings
    /// apply with `source` as where CRLs come from (the source it names is not kept);
    /// when it is `None`, revocation is not checked. `options.cache` is not kept:
    /// the verifier has its own.
    pub fn new(
        store: TrustStore,
        intermediates: Vec<Cert>,
        source: S,
        options: ValidationOptions<'_>,
    ) -> Self {
        Self {
            store,
            intermediates,
            source,
            options: detach(options),
            caches: Caches::new(MAX_CACHED_PATHS),
        }
    }

    /// The options of one verification at `at`: the verifier's, with its source and its
    /// path cache.
    pub fn options_at(&self, at: UnixTime) -> ValidationOptions<'_> {
        let mut o = self.options.clone();
        o.at = at;
        if let Some(r) = o.revocation.as_mut() {
            r.source = &self.source;
        }
        o.cache = Some(&self.caches);
        o
    }

    /// Replaces the revocation source (new CRLs were fetched) and forgets every
    /// remembered path.
    pub fn set_source(&mut self, source: S) {
        self.source = source;
        self.caches.paths.clear();
    }

    /// The revocation source.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// The trust anchors.
    pub fn store(&self) -> &TrustStore {
        &self.store
    }

    /// How many validated paths are remembered.
    pub fn cached_paths(&self) -> usize {
        self.caches.paths.len()
    }

    /// [`verify_path`] for `leaf` at `at`.
    pub fn verify_path(&self, leaf: &Cert, at: UnixTime) -> Result<ValidatedPath, Error> {
        verify_path(leaf, &self.intermediates, &self.store, &self.options_at(at))
    }

    /// [`verify_cms`] of `der` (with `detached` content) at `at`.
    pub fn verify_cms(
        &self,
        der: &[u8],
        detached: Option<&Content<'_>>,
        at: UnixTime,
        purpose: Purpose,
    ) -> Result<CmsVerification, Error> {
        verify_cms(
            der,
            detached,
            &self.store,
            &self.intermediates,
            &self.options_at(at),
            purpose,
        )
    }

    /// [`verify_login`] of `signature` over `challenge` by `cert` at `at`.
    pub fn verify_login(
        &self,
        challenge: &[u8],
        signature: &[u8],
        hash: HashAlg,
        cert: &Cert,
        at: UnixTime,
    ) -> Result<LoginVerification, Error> {
        verify_login(
            challenge,
            signature,
            hash,
            cert,
            &self.intermediates,
            &self.store,
            &self.options_at(at),
        )
    }

    /// [`verify_xml`] of `document` (files it references by name from `attachments`)
    /// at `at`.
    pub fn verify_xml(
        &self,
        document: &[u8],
        attachments: &dyn inkan_xml::Attachments,
        limits: &inkan_xml::Limits,
        at: UnixTime,
        purpose: Purpose,
    ) -> Result<XmlVerification, Error> {
        verify_xml(
            document,
            attachments,
            limits,
            &self.store,
            &self.intermediates,
            &self.options_at(at),
            purpose,
        )
    }

    /// The intermediate certificates paths are built from.
    pub fn intermediates(&self) -> &[Cert] {
        &self.intermediates
    }
}
