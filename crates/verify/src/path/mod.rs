//! Certification path building and validation (RFC 5280 §6.1) at an explicit time.
//!
//! Building: from the leaf, candidate issuers are trust anchors and intermediates whose
//! subject matches the issuer name (RFC 5280 §7.1), whose subjectKeyIdentifier does not
//! contradict the authorityKeyIdentifier, and whose key verifies the signature. All JPKI
//! root generations share one subject, so several candidates are normal; every attempt
//! costs work budget. Each complete path is then validated per §6.1.2–§6.1.5, and
//! revocation per §6.3 when [`ValidationOptions::revocation`] is set.

use alloc::vec::Vec;

use der::asn1::ObjectIdentifier as Oid;

mod policy;

use crate::alg::Backend;
use crate::cache::CertCache;
use crate::error::Error;
use crate::revocation::check::{CrlIssuers, check_certificate};
use crate::revocation::{CertStatus, RevocationOptions};
use crate::time::UnixTime;
use crate::trust::{TrustAnchor, TrustStore};
use crate::x509::name::{NameConstraintState, name_eq};
use crate::x509::{Cert, KeyUsageBits};
use policy::PolicyTree;
use std::collections::HashMap;
use std::sync::Mutex;

/// Inputs of path validation (RFC 5280 §6.1.1) and limits on the work done.
#[derive(Clone, Debug)]
pub struct ValidationOptions<'a> {
    /// The validation time (§6.1.1 (c)).
    pub at: UnixTime,
    /// RSA backend.
    pub backend: Backend,
    /// user-initial-policy-set (§6.1.1 (c)); empty means {anyPolicy}.
    pub initial_policy_set: Vec<Oid>,
    /// initial-explicit-policy (§6.1.1 (g)).
    pub initial_explicit_policy: bool,
    /// initial-policy-mapping-inhibit (§6.1.1 (e)).
    pub initial_policy_mapping_inhibit: bool,
    /// initial-any-policy-inhibit (§6.1.1 (i)).
    pub initial_any_policy_inhibit: bool,
    /// Key usage bits the leaf must have when it carries a keyUsage extension
    /// (e.g. digitalSignature + nonRepudiation for a JPKI signature certificate).
    pub leaf_key_usage: KeyUsageBits,
    /// Require the leaf to carry keyUsage at all when `leaf_key_usage` is not empty.
    pub require_leaf_key_usage_extension: bool,
    /// Also check the trust anchor certificate's validity period (not required by §6.1).
    pub check_anchor_validity: bool,
    /// Maximum number of certificates between leaf and anchor, leaf included.
    pub max_path_len: usize,
    /// Work budget: issuer candidates tried (each may cost a signature verification).
    pub budget: u32,
    /// Maximum live nodes per depth of the valid_policy_tree.
    pub max_policy_nodes: usize,
    /// Revocation checking; `None` skips it.
    pub revocation: Option<RevocationOptions<'a>>,
    /// Certificates parsed and paths validated earlier under the same anchors,
    /// intermediates, CRLs and options, reused while they hold ([`Caches`]);
    /// `None` parses and validates every time. Its owner (a
    /// [`crate::verifier::Verifier`]) clears it when any of those changes.
    pub cache: Option<&'a Caches>,
}

impl ValidationOptions<'_> {
    /// Defaults at time `at`: any policy, no inhibit flags, no revocation checking,
    /// a path of at most 8 certificates and a budget of 100 candidates.
    pub fn new(at: UnixTime) -> Self {
        Self {
            at,
            backend: Backend::default(),
            initial_policy_set: Vec::new(),
            initial_explicit_policy: false,
            initial_policy_mapping_inhibit: false,
            initial_any_policy_inhibit: false,
            leaf_key_usage: KeyUsageBits::NONE,
            require_leaf_key_usage_extension: false,
            check_anchor_validity: true,
            max_path_len: 8,
            budget: 100,
            max_policy_nodes: 1000,
            revocation: None,
            cache: None,
        }
    }
}

/// A validated path.
#[derive(Clone, Debug)]
pub struct ValidatedPath {
    /// The certificates from the leaf (index 0) to the one issued by the anchor.
    pub chain: Vec<Cert>,
    /// The trust anchor the path ends at.
    pub anchor: TrustAnchor,
    /// The user-constrained policy set (§6.1.6); `[anyPolicy]` when unconstrained, empty
    /// when the valid_policy_tree is NULL (only possible without explicit policy).
    pub policies: Vec<Oid>,
    /// Revocation status per certificate of `chain`, same order.
    pub revocation: Vec<CertStatus>,
}

/// Builds and validates a path from `leaf` through any of `intermediates` to an anchor of
/// `store`, at `opts.at` (RFC 5280 §6.1).
pub fn verify_path(
    leaf: &Cert,
    intermediates: &[Cert],
    store: &TrustStore,
    opts: &ValidationOptions<'_>,
) -> Result<ValidatedPath, Error> {
    let Some(cache) = opts.cache.map(|c| &c.paths) else {
        return verify_path_inner(leaf, intermediates, store, opts, CRL_ISSUER_NESTING);
    };
    let id = leaf.sha256();
    if let Some(p) = cache.get(&id, opts.at) {
        return Ok(p);
    }
    let p = verify_path_inner(leaf, intermediates, store, opts, CRL_ISSUER_NESTING)?;
    cache.remember(id, &p, opts);
    Ok(p)
}

/// How deep CRL issuer paths may nest: the path of a CRL issuer may itself need a CRL
/// from another certificate of a CRL issuer (a self-issued key rollover above it).
const CRL_ISSUER_NESTING: u8 = 3;

/// [`verify_path`]; `crl_issuer_paths` > 0 allows CRLs signed by another certificate of
/// the CRL issuer than the path's (RFC 5280 §6.3.3 (f)), whose own paths are validated
/// with one level less (0: only the issuer certificate and delegated signers).
fn verify_path_inner(
    leaf: &Cert,
    intermediates: &[Cert],
    store: &TrustStore,
    opts: &ValidationOptions<'_>,
    crl_issuer_paths: u8,
) -> Result<ValidatedPath, Error> {
    let mut b = Builder {
        store,
        inter: intermediates,
        opts,
        budget: opts.budget,
        first_error: None,
        signature_error: None,
        crl_issuer_paths,
    };
    let mut chain = alloc::vec![leaf];
    if let Some(p) = b.build(&mut chain)? {
        return Ok(p);
    }
    if let Some(e) = b.first_error {
        return Err(e);
    }
    if let Some(e) = b.signature_error {
        return Err(e);
    }
    Err(Error::UnknownIssuer {
        issuer: alloc::format!("{}", chain.last().map_or(leaf, |c| *c).issuer()),
    })
}

struct Builder<'a, 'o> {
    store: &'a TrustStore,
    inter: &'a [Cert],
    opts: &'a ValidationOptions<'o>,
    budget: u32,
    first_error: Option<Error>,
    /// Why a candidate issuer's signature was refused: an algorithm the table does not
    /// have is kept over a bad signature, so that a caller can tell a missing feature
    /// from a forgery.
    signature_error: Option<Error>,
    crl_issuer_paths: u8,
}

/// The CRL issuers of a path being validated: its anchor and certificate pool, whose
/// other certificates may sign CRLs for it (RFC 5280 §6.3.3 (f)).
struct PathCrlIssuers<'p, 'o> {
    anchor: &'p TrustAnchor,
    pool: &'p [Cert],
    opts: &'p ValidationOptions<'o>,
    nesting: u8,
}

impl CrlIssuers for PathCrlIssuers<'_, '_> {
    fn anchor(&self) -> &Cert {
        &self.anchor.cert
    }
    fn pool(&self) -> &[Cert] {
        self.pool
    }
    fn validate(&self, signer: &Cert) -> Result<(), Error> {
        verify_crl_issuer(signer, self.anchor, self.pool, self.opts, self.nesting).map(|_| ())
    }
}

/// RFC 5280 §6.3.3 (f): validates a certification path for `signer`, the certificate of a
/// CRL issuer other than the checked certificate's issuer certificate (a separate CRL
/// signing key, the other key of a self-issued rollover, an indirect CRL issuer), to the
/// same trust anchor as the checked path, through the same certificate pool. The signer must
/// allow cRLSign when it has keyUsage; its path gets the same revocation checks, with
/// `nesting` levels of CRL issuer paths left.
fn verify_crl_issuer(
    signer: &Cert,
    anchor: &TrustAnchor,
    pool: &[Cert],
    opts: &ValidationOptions<'_>,
    nesting: u8,
) -> Result<ValidatedPath, Error> {
    let store = TrustStore::with_anchor(anchor.clone());
    let mut sub = ValidationOptions::new(opts.at);
    sub.backend = opts.backend;
    sub.leaf_key_usage = KeyUsageBits::CRL_SIGN;
    sub.check_anchor_validity = opts.check_anchor_validity;
    sub.max_path_len = opts.max_path_len;
    sub.budget = opts.budget;
    sub.max_policy_nodes = opts.max_policy_nodes;
    sub.revocation = opts.revocation.clone();
    verify_path_inner(signer, pool, &store, &sub, nesting)
}

/// `cand` may have issued `child`: names chain (§6.1.3 (a)(4)) and key identifiers
/// (RFC 5280 §4.2.1.1) do not contradict each other.
fn issuer_candidate(child: &Cert, cand: &Cert) -> bool {
    if !name_eq(child.issuer(), cand.subject()) {
        return false;
    }
    match (child.authority_key_id(), cand.subject_key_id()) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

impl<'a> Builder<'a, '_> {
    fn spend(&mut self) -> Result<(), Error> {
        if self.budget == 0 {
            return Err(Error::BudgetExceeded {
                what: "path building",
            });
        }
        self.budget -= 1;
        Ok(())
    }

    fn signature_failed(&mut self, e: Error) {
        let keep = match (&self.signature_error, &e) {
            (None, _) => true,
            (Some(Error::BadSignature { .. }), Error::BadSignature { .. }) => false,
            (Some(Error::BadSignature { .. }), _) => true,
            _ => false,
        };
        if keep {
            self.signature_error = Some(e);
        }
    }

    fn record(&mut self, e: Error) {
        if self.first_error.is_none() {
            self.first_error = Some(e);
        }
    }

    fn build(&mut self, chain: &mut Vec<&'a Cert>) -> Result<Option<ValidatedPath>, Error> {
        let Some(&cur) = chain.last() else {
            return Ok(None);
        };
        for anchor in self.store.anchors() {
            if !issuer_candidate(cur, &anchor.cert) {
                continue;
            }
            self.spend()?;
            if let Err(e) = cur.verify_signed_by(self.opts.backend, anchor.cert.spki_der()) {
                self.signature_failed(e);
                continue;
            }
            let pool = self
                .crl_issuer_paths
                .checked_sub(1)
                .map(|n| (self.inter, n));
            match validate(chain, anchor, self.opts, pool) {
                Ok(p) => return Ok(Some(p)),
                Err(e @ Error::BudgetExceeded { .. }) => return Err(e),
                Err(e) => self.record(e),
            }
        }
        if chain.len() >= self.opts.max_path_len {
            self.record(Error::PathLength { depth: chain.len() });
            return Ok(None);
        }
        for c in self.inter {
            if chain.contains(&c) || !issuer_candidate(cur, c) {
                continue;
            }
            self.spend()?;
            if let Err(e) = cur.verify_signed_by(self.opts.backend, c.spki_der()) {
                self.signature_failed(e);
                continue;
            }
            chain.push(c);
            let r = self.build(chain)?;
            chain.pop();
            if r.is_some() {
                return Ok(r);
            }
        }
        Ok(None)
    }
}

fn check_validity(c: &Cert, depth: usize, at: UnixTime) -> Result<(), Error> {
    if at < c.not_before() {
        return Err(Error::NotYetValid {
            depth,
            not_before: c.not_before(),
            at,
        });
    }
    if at > c.not_after() {
        return Err(Error::Expired {
            depth,
            not_after: c.not_after(),
            at,
        });
    }
    Ok(())
}

fn check_critical(c: &Cert, depth: usize) -> Result<(), Error> {
    match c.exts().unknown_critical.first() {
        Some(o) => Err(Error::UnknownCriticalExtension {
            depth,
            oid: alloc::format!("{o}"),
        }),
        None => Ok(()),
    }
}

/// RFC 5280 §6.1.2–§6.1.5 over `chain` (leaf first, signatures already verified while
/// building), then revocation (§6.3).
fn validate(
    chain: &[&Cert],
    anchor: &TrustAnchor,
    opts: &ValidationOptions<'_>,
    crl_issuer_pool: Option<(&[Cert], u8)>,
) -> Result<ValidatedPath, Error> {
    let n = chain.len();
    let at = opts.at;
    if opts.check_anchor_validity {
        check_validity(&anchor.cert, n, at)?;
    }
    // §6.1.2
    let mut tree = PolicyTree::new(opts.max_policy_nodes);
    let init = |flag: bool| if flag { 0 } else { n + 1 };
    let mut explicit_policy = init(opts.initial_explicit_policy);
    let mut inhibit_any = init(opts.initial_any_policy_inhibit);
    let mut policy_mapping = init(opts.initial_policy_mapping_inhibit);
    let mut nc = NameConstraintState::default();
    let mut max_path_length = n;
    // The anchor's own pathLenConstraint limits the path as well (RFC 5937 §3.2).
    if let Some(pl) = anchor
        .cert
        .exts()
        .basic
        .as_ref()
        .and_then(|b| b.path_len_constraint)
    {
        max_path_length = max_path_length.min(usize::from(pl));
    }
    let mut working_issuer = anchor.cert.subject();

    // chain is leaf-first; §6.1 processes from the anchor side.
    for (idx, cert) in chain.iter().rev().enumerate() {
        let i = idx + 1;
        let depth = n - i;
        let last = i == n;
        let self_issued = cert.is_self_issued();
        // §6.1.3 (a)
        check_validity(cert, depth, at)?;
        if !name_eq(cert.issuer(), working_issuer) {
            return Err(Error::UnknownIssuer {
                issuer: alloc::format!("{}", cert.issuer()),
            });
        }
        // (b), (c)
        if last || !self_issued {
            nc.check(cert.subject(), cert.subject_alt_names(), depth)?;
        }
        // (d), (e)
        tree.process_certificate(cert.policies(), inhibit_any > 0 || (!last && self_issued))?;
        // (f)
        if explicit_policy == 0 && tree.is_null() {
            return Err(Error::Policy {
                detail: "no acceptable policy while explicit policy is required",
            });
        }
        if !last {
            // §6.1.4 (a), (b)
            if let Some(m) = &cert.exts().policy_mappings {
                if m.iter()
                    .any(|(a, b)| *a == crate::oid::ANY_POLICY || *b == crate::oid::ANY_POLICY)
                {
                    return Err(Error::Policy {
                        detail: "policy mapping to or from anyPolicy",
                    });
                }
                tree.apply_mappings(m, policy_mapping > 0)?;
            }
            // (c)–(f)
            working_issuer = cert.subject();
            // (g)
            if cert.exts().has_name_constraints {
                nc.add(
                    cert.exts().permitted.as_deref(),
                    cert.exts().excluded.as_deref(),
                )?;
            }
            // (h)
            if !self_issued {
                explicit_policy = explicit_policy.saturating_sub(1);
                policy_mapping = policy_mapping.saturating_sub(1);
                inhibit_any = inhibit_any.saturating_sub(1);
            }
            // (i)
            if let Some(pc) = &cert.exts().policy_constraints {
                if let Some(r) = pc.require_explicit_policy {
                    explicit_policy = explicit_policy.min(r as usize);
                }
                if let Some(q) = pc.inhibit_policy_mapping {
                    policy_mapping = policy_mapping.min(q as usize);
                }
            }
            // (j)
            if let Some(v) = cert.exts().inhibit_any {
                inhibit_any = inhibit_any.min(v as usize);
            }
            // (k)
            if !cert.is_ca() {
                return Err(Error::NotCa { depth });
            }
            // (l)
            if !self_issued {
                if max_path_length == 0 {
                    return Err(Error::PathLength { depth });
                }
                max_path_length -= 1;
            }
            // (m)
            if let Some(pl) = cert
                .exts()
                .basic
                .as_ref()
                .and_then(|b| b.path_len_constraint)
            {
                max_path_length = max_path_length.min(usize::from(pl));
            }
            // (n)
            if let Some(ku) = cert.key_usage()
                && !ku.contains(KeyUsageBits::KEY_CERT_SIGN)
            {
                return Err(Error::KeyUsage {
                    depth,
                    missing: "keyCertSign",
                });
            }
            // (o)
            check_critical(cert, depth)?;
        } else {
            // §6.1.5 (a), (b)
            explicit_policy = explicit_policy.saturating_sub(1);
            if cert
                .exts()
                .policy_constraints
                .as_ref()
                .and_then(|pc| pc.require_explicit_policy)
                == Some(0)
            {
                explicit_policy = 0;
            }
            // (f)
            check_critical(cert, depth)?;
            // Caller's key usage requirement for the leaf.
            if opts.leaf_key_usage != KeyUsageBits::NONE {
                match cert.key_usage() {
                    Some(ku) if !ku.contains(opts.leaf_key_usage) => {
                        return Err(Error::KeyUsage {
                            depth,
                            missing: ku.first_missing_name(opts.leaf_key_usage),
                        });
                    }
                    None if opts.require_leaf_key_usage_extension => {
                        return Err(Error::KeyUsage {
                            depth,
                            missing: KeyUsageBits::NONE.first_missing_name(opts.leaf_key_usage),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    // §6.1.5 (g)
    let policies = tree.intersect(&opts.initial_policy_set);
    if explicit_policy == 0 && policies.is_empty() {
        return Err(Error::Policy {
            detail: "the user-constrained policy set is empty while explicit policy is required",
        });
    }

    // §6.3 revocation, leaf first.
    let mut revocation = Vec::with_capacity(n);
    let ctx = crl_issuer_pool.map(|(pool, nesting)| PathCrlIssuers {
        anchor,
        pool,
        opts,
        nesting,
    });
    for (depth, cert) in chain.iter().enumerate() {
        let issuer = chain.get(depth + 1).map_or(&anchor.cert, |c| *c);
        let status = match &opts.revocation {
            Some(r) => check_certificate(
                cert,
                issuer,
                depth,
                at,
                opts.backend,
                r,
                ctx.as_ref().map(|c| c as &dyn CrlIssuers),
            )?,
            None => CertStatus::NotChecked,
        };
        revocation.push(status);
    }

    Ok(ValidatedPath {
        chain: chain.iter().map(|c| (*c).clone()).collect(),
        anchor: anchor.clone(),
        policies,
        revocation,
    })
}

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

/// Validated paths by SHA-256 of the leaf certificate, for a long-lived verifier.
///
/// A path validated at time `t` is valid at every time of a window computed from what
/// decided it: the validity periods of its certificates (RFC 5280 §6.1.3 (a)(2)) and of
/// the anchor when it is checked, and for each certificate whose revocation status came
/// from CRLs, their thisUpdate up to nextUpdate (plus the grace the options allow) and
/// the maximum age. Within that window, with the same trust anchors, intermediates, CRL
/// set and options, validating again gives the same path: that is what is remembered.
/// Only paths every certificate of which is good or not checked are kept; an unknown
/// status, a revocation after the signing time (which depends on the signing time) or a
/// delta CRL (whose own nextUpdate is not recorded) is validated afresh each time. The
/// cache does not know the store, intermediates, CRLs or options it was filled under:
/// its owner clears it when any of them changes ([`PathCache::clear`]).
///
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
            // An OCSP answer is asked for afresh (with a nonce) each time.
            CertStatus::Good { ocsp: Some(_), .. } => return None,
            CertStatus::Good { crls, ocsp: None } => {
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
                    // Good at `at` on this CRL is good at any earlier time too (a CRL
                    // issued later is read as of the validation time), until an entry
                    // dated after `at` takes effect.
                    if let Some(later) = crl.revoked_later {
                        hi = hi.min(UnixTime::from_secs(later.as_secs().saturating_sub(1)));
                    }
                    narrow(UnixTime::from_secs(0), hi);
                }
            }
            CertStatus::RevokedAfterSigning { .. } | CertStatus::Unknown { .. } => return None,
        }
    }
    (from <= opts.at && opts.at <= until).then_some((from, until))
}
