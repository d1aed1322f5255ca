//! The revocation status of one certificate (RFC 5280 §6.3.3), over any
//! [`RevocationSource`].
//!
//! For each distribution point of the certificate (or the implicit one), the CRLs of the
//! CRL issuer are grouped by scope — issuer and issuingDistributionPoint — and in each
//! scope that covers the certificate (§6.3.3 (b)) and still adds reasons (§6.3.3 (c),
//! (d)) [`select`] takes the complete CRL with the highest cRLNumber, then the latest
//! thisUpdate (§5.2.3), among those that are current and verify with the CRL issuer's
//! key (§6.3.3 (a), (f), (g)), and the newest delta CRL whose BaseCRLNumber that CRL
//! satisfies (§5.2.4, §6.3.3 (c)); [`entry`] then reads the certificate's entry, the
//! delta's superseding the complete CRL's and removeFromCRL lifting a hold
//! (§6.3.3 (i), (j)). The order in which CRLs are given never matters.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cmp::Ordering;

use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::name::Name;

use super::crl::{Crl, Revocation, uint_cmp};
use super::ocsp::{self, OcspCheck, OcspStatus};
use super::scope::{self, ALL_REASONS};
use super::{CertStatus, OcspFetch, RevocationOptions, RevocationScope, TimeSource};
use crate::alg::Backend;
use crate::error::{CrlRef, Error, OcspRef, RevocationReason};
use crate::time::UnixTime;
use crate::x509::{Cert, KeyUsageBits, hex_string, name_eq};

/// The CRLs of one scope that decide: a complete CRL and the delta applied to it.
#[derive(Clone, Debug)]
pub struct Selection {
    /// The complete CRL.
    pub complete: Arc<Crl>,
    /// The delta CRL applied to it, if any.
    pub delta: Option<Arc<Crl>>,
}

impl Selection {
    /// Which CRLs decided, for reports.
    pub fn crl_ref(&self) -> CrlRef {
        let mut r = self.complete.info().crl_ref();
        r.delta = self.delta.as_ref().map(|d| {
            let dr = d.info().crl_ref();
            (dr.number, dr.this_update)
        });
        r
    }
}

/// The newest first: higher cRLNumber (a CRL without one counts lowest), then later
/// thisUpdate (RFC 5280 §5.2.3: numbers increase monotonically).
fn newest_first(a: &Crl, b: &Crl) -> Ordering {
    let (na, nb) = (a.info().number.as_deref(), b.info().number.as_deref());
    let by_number = match (na, nb) {
        (Some(x), Some(y)) => uint_cmp(y, x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_number.then_with(|| b.info().this_update.cmp(&a.info().this_update))
}

/// Whether two CRLs have the same scope: issuer and issuingDistributionPoint.
pub fn same_scope(a: &Crl, b: &Crl) -> bool {
    a.info().idp_der == b.info().idp_der
        && match (a.info().issuer(), b.info().issuer()) {
            (Some(x), Some(y)) => name_eq(&x, &y),
            _ => false,
        }
}

/// Groups CRLs by scope (issuer and issuingDistributionPoint), in the order first seen.
pub fn group_by_scope(crls: &[Arc<Crl>]) -> Vec<Vec<Arc<Crl>>> {
    let mut groups: Vec<Vec<Arc<Crl>>> = Vec::new();
    for c in crls {
        match groups
            .iter_mut()
            .find(|g| g.first().is_some_and(|f| same_scope(f, c)))
        {
            Some(g) => g.push(Arc::clone(c)),
            None => groups.push(alloc::vec![Arc::clone(c)]),
        }
    }
    groups
}

/// In one scope: the newest complete CRL for which `usable` holds, and the newest
/// delta for which it holds whose BaseCRLNumber ≤ the complete CRL's number < the
/// delta's number (RFC 5280 §5.2.4). `usable` is asked about the newest first and no
/// more than needed (it may verify signatures).
pub fn select(scope: &[Arc<Crl>], mut usable: impl FnMut(&Crl) -> bool) -> Option<Selection> {
    let mut complete: Vec<&Arc<Crl>> = scope.iter().filter(|c| !c.is_delta()).collect();
    complete.sort_by(|a, b| newest_first(a, b));
    let chosen = complete.into_iter().find(|c| usable(c))?;
    let delta = chosen.info().number.as_deref().and_then(|n| {
        let mut deltas: Vec<&Arc<Crl>> = scope
            .iter()
            .filter(|d| {
                d.info().delta_base.as_deref().is_some_and(|b| {
                    uint_cmp(b, n) != Ordering::Greater
                        && d.info()
                            .number
                            .as_deref()
                            .is_some_and(|dn| uint_cmp(dn, n) == Ordering::Greater)
                })
            })
            .collect();
        deltas.sort_by(|a, b| newest_first(a, b));
        deltas.into_iter().find(|d| usable(d)).cloned()
    });
    Some(Selection {
        complete: Arc::clone(chosen),
        delta,
    })
}

/// The entry for `serial` of a certificate issued by `cert_issuer` in a selection: the
/// delta's entry supersedes the complete CRL's, and removeFromCRL in the delta lifts
/// a hold; a removeFromCRL entry is never a revocation.
pub fn entry(sel: &Selection, cert_issuer: &Name, serial: &[u8]) -> Option<Revocation> {
    let from_delta = sel
        .delta
        .as_ref()
        .and_then(|d| d.lookup_for(cert_issuer, serial));
    let e = match from_delta {
        Some(e) => e,
        None => sel.complete.lookup_for(cert_issuer, serial)?,
    };
    (e.reason != Some(RevocationReason::RemoveFromCrl)).then_some(e)
}

/// Where a CRL issuer other than the checked certificate's issuer certificate is looked
/// for (RFC 5280 §6.3.3 (f)); implemented by path validation, which validates the
/// certification path of such a CRL issuer to the same trust anchor.
pub(crate) trait CrlIssuers {
    /// The anchor of the checked path.
    fn anchor(&self) -> &Cert;
    /// The certificates paths are built from.
    fn pool(&self) -> &[Cert];
    /// Validates a path for `signer` to the checked path's anchor.
    fn validate(&self, signer: &Cert) -> Result<(), Error>;
}

/// Why the last candidate CRL was unusable, for [`Error::RevocationUnknown`].
#[derive(Clone, Copy)]
struct Unusable(&'static str);

/// Whether `crl` may decide at `at`: not past its nextUpdate (plus grace), not older than
/// the maximum age, no unknown critical extension. A CRL issued after `at` is usable: it
/// knows everything an older one knew, and [`revoked_at_time`] reads its entries as of `at`
/// (so a past time can be judged with today's CRL, as RFC 5280 §6.3.3 leaves to the relying
/// party; a CRL current at `at` is often no longer kept).
fn usable_at(crl: &Crl, at: UnixTime, opts: &RevocationOptions<'_>) -> Result<(), Unusable> {
    let info = crl.info();
    match info.next_update {
        Some(nu) if at > nu.saturating_add(opts.next_update_grace) => {
            return Err(Unusable("the CRL is stale (past nextUpdate)"));
        }
        Some(_) => {}
        None if !opts.allow_missing_next_update => {
            return Err(Unusable("the CRL has no nextUpdate"));
        }
        None => {}
    }
    if let Some(max) = opts.max_age
        && at.as_secs().saturating_sub(info.this_update.as_secs()) > max
    {
        return Err(Unusable("the CRL is older than the maximum age"));
    }
    if info.unsupported.is_some() {
        return Err(Unusable("the CRL has an unknown critical extension"));
    }
    Ok(())
}

fn aki_allows(crl: &Crl, c: &Cert) -> bool {
    crl.info()
        .aki
        .as_deref()
        .zip(c.subject_key_id())
        .is_none_or(|(a, s)| a == s)
}

fn crl_sign_ok(c: &Cert) -> bool {
    c.key_usage()
        .is_none_or(|ku| ku.contains(KeyUsageBits::CRL_SIGN))
}

/// Verifies the CRL signature by the certificate's issuer, by a delegated CRL signer the
/// issuer certified, or — with `ctx` — by any certificate of the CRL issuer (same name as
/// the CRL's issuer, cRLSign) whose own path to the same trust anchor validates (RFC 5280
/// §6.3.3 (f)): a separate CRL signing key, the other key of a self-issued key rollover,
/// an indirect CRL issuer. A CRL signed by `cert` itself (a CRL issuer's certificate
/// covered by its own indirect CRL) needs no further path: `cert`'s is being validated.
fn crl_signed_for(
    crl: &Crl,
    cert: &Cert,
    issuer: &Cert,
    at: UnixTime,
    backend: Backend,
    signers: &[Cert],
    ctx: Option<&dyn CrlIssuers>,
) -> Result<(), Unusable> {
    let Some(crl_issuer) = crl.info().issuer() else {
        return Err(Unusable("the CRL issuer name does not decode"));
    };
    if name_eq(&crl_issuer, issuer.subject())
        && aki_allows(crl, issuer)
        && crl.verify_signed_by(issuer.spki_der(), backend).is_ok()
    {
        return if crl_sign_ok(issuer) {
            Ok(())
        } else {
            Err(Unusable("the CRL issuer lacks cRLSign"))
        };
    }
    for s in signers {
        if !name_eq(s.subject(), &crl_issuer) || !name_eq(s.issuer(), issuer.subject()) {
            continue;
        }
        let Some(ku) = s.key_usage() else { continue };
        if !ku.contains(KeyUsageBits::CRL_SIGN) || at < s.not_before() || at > s.not_after() {
            continue;
        }
        if s.verify_signed_by(backend, issuer.spki_der()).is_err() {
            continue;
        }
        if crl.verify_signed_by(s.spki_der(), backend).is_ok() {
            return Ok(());
        }
    }
    if let Some(ctx) = ctx {
        let anchor = ctx.anchor();
        if name_eq(anchor.subject(), &crl_issuer)
            && crl_sign_ok(anchor)
            && crl.verify_signed_by(anchor.spki_der(), backend).is_ok()
        {
            return Ok(());
        }
        let mut why = None;
        for s in ctx.pool() {
            if s == issuer
                || !name_eq(s.subject(), &crl_issuer)
                || !crl_sign_ok(s)
                || !aki_allows(crl, s)
                || crl.verify_signed_by(s.spki_der(), backend).is_err()
            {
                continue;
            }
            if s == cert {
                return Ok(());
            }
            match ctx.validate(s) {
                Ok(()) => return Ok(()),
                Err(_) => why = Some("the CRL issuer's certification path does not validate"),
            }
        }
        if let Some(w) = why {
            return Err(Unusable(w));
        }
    }
    Err(Unusable(
        "the CRL signature does not verify with the issuer's or a delegated signer's key",
    ))
}

/// What decided a revocation status.
enum Evidence {
    Crl(CrlRef),
    Ocsp(OcspRef),
}

impl Evidence {
    fn split(self) -> (Option<CrlRef>, Option<OcspRef>) {
        match self {
            Self::Crl(c) => (Some(c), None),
            Self::Ocsp(o) => (None, Some(o)),
        }
    }
}

/// What asking the OCSP responder gave.
enum OcspOutcome {
    /// The answer decided (good, or revoked as the options judge it).
    Decided(Result<CertStatus, Error>),
    /// No responder is known for the certificate.
    NoResponder,
    /// No usable answer: why (an error, a stale or forged answer, `unknown`).
    Failed(&'static str),
}

/// RFC 6960: asks `f` about `cert` (issued by `issuer`) with a fresh nonce and checks the
/// answer at `at` ([`ocsp::check_response`]); `good` and `revoked` decide.
fn ask_ocsp(
    f: &dyn OcspFetch,
    cert: &Cert,
    issuer: &Cert,
    depth: usize,
    at: UnixTime,
    backend: Backend,
    opts: &RevocationOptions<'_>,
) -> OcspOutcome {
    let nonce = f.nonce();
    let Ok(req) = ocsp::request(cert, issuer, nonce.as_ref().map(|n| &n[..])) else {
        return OcspOutcome::Failed("no OCSP request can be made for the certificate");
    };
    let (url, body) = match f.fetch(cert, &req.der) {
        Ok(Some(r)) => r,
        Ok(None) => return OcspOutcome::NoResponder,
        Err(e) => return OcspOutcome::Failed(e.0),
    };
    let mut check = OcspCheck::new(at);
    check.backend = backend;
    let answer = match ocsp::check_response(&body, &req, issuer, &check) {
        Ok(a) => a,
        Err(Error::RevocationUnknown { detail, .. }) => return OcspOutcome::Failed(detail),
        Err(_) => return OcspOutcome::Failed("the OCSP response could not be checked"),
    };
    let r = OcspRef {
        url,
        produced_at: answer.produced_at,
        this_update: answer.this_update,
        next_update: answer.next_update,
        responder: answer.responder,
    };
    let later = |revoked_at: UnixTime, reason: RevocationReason| {
        !revoked_at_time(
            &Revocation {
                revoked_at,
                reason: Some(reason),
                invalidity: None,
            },
            at,
        )
    };
    match answer.status {
        OcspStatus::Good => OcspOutcome::Decided(Ok(CertStatus::Good {
            crls: Vec::new(),
            ocsp: Some(r),
        })),
        // Revoked after `at`: good at `at` (see `revoked_at_time`).
        OcspStatus::Revoked { revoked_at, reason } if later(revoked_at, reason) => {
            OcspOutcome::Decided(Ok(CertStatus::Good {
                crls: Vec::new(),
                ocsp: Some(r),
            }))
        }
        OcspStatus::Revoked { revoked_at, reason } => OcspOutcome::Decided(revoked(
            cert,
            depth,
            Revocation {
                revoked_at,
                reason: Some(reason),
                invalidity: None,
            },
            Evidence::Ocsp(r),
            opts,
        )),
        OcspStatus::Unknown => {
            OcspOutcome::Failed("the OCSP responder does not know the certificate")
        }
    }
}

/// RFC 5280 §6.3: the revocation status of `cert` (issued by `issuer`) at `at`; `ctx`
/// allows CRLs signed by other certificates of the CRL issuer (see [`crl_signed_for`]).
///
/// When the source has an OCSP responder ([`super::RevocationSource::ocsp`]), it is
/// asked first: `good` or `revoked` decides; without a usable answer the CRLs decide,
/// and when none does the status is unknown, saying why the OCSP answer was unusable.
pub(crate) fn check_certificate(
    cert: &Cert,
    issuer: &Cert,
    depth: usize,
    at: UnixTime,
    backend: Backend,
    opts: &RevocationOptions<'_>,
    ctx: Option<&dyn CrlIssuers>,
) -> Result<CertStatus, Error> {
    if opts.scope == RevocationScope::Leaf && depth > 0 {
        return Ok(CertStatus::NotChecked);
    }
    let mut ocsp_why = None;
    if let Some(f) = opts.source.ocsp() {
        match ask_ocsp(f, cert, issuer, depth, at, backend, opts) {
            OcspOutcome::Decided(d) => return d,
            OcspOutcome::NoResponder => {}
            OcspOutcome::Failed(why) => ocsp_why = Some(why),
        }
    }
    let implicit = [DistributionPoint {
        distribution_point: None,
        reasons: None,
        crl_issuer: None,
    }];
    let dps: &[DistributionPoint] = match cert.dist_points() {
        Some(d) if !d.is_empty() => d,
        _ => &implicit,
    };
    let signers = opts.source.crl_signers();
    let mut mask: u16 = 0;
    let mut decided: Vec<CrlRef> = Vec::new();
    const NO_CRL: &str = "no CRL from this issuer covers the certificate";
    let mut why = Unusable(NO_CRL);
    for dp in dps {
        if mask == ALL_REASONS {
            break;
        }
        let mut candidates: Vec<Arc<Crl>> = Vec::new();
        for name in scope::crl_issuer_names(cert, dp) {
            for c in opts.source.crls(&name)? {
                if !candidates
                    .iter()
                    .any(|o| o.info().crl_sha256 == c.info().crl_sha256)
                {
                    candidates.push(c);
                }
            }
        }
        for group in group_by_scope(&candidates) {
            if mask == ALL_REASONS {
                break;
            }
            let Some(first) = group.first() else { continue };
            let idp = scope::idp(first);
            if !scope::in_scope(first, idp.as_ref(), cert, dp) {
                continue;
            }
            // (c) reasons, (d)
            let idp_reasons =
                scope::reason_flags(idp.as_ref().and_then(|i| i.only_some_reasons.as_ref()));
            let interim = idp_reasons & scope::reason_flags(dp.reasons.as_ref());
            if interim & !mask == 0 {
                continue;
            }
            let mut usable = |c: &Crl| {
                if c.is_delta() && !opts.use_delta_crls {
                    return false;
                }
                match usable_at(c, at, opts)
                    .and_then(|()| crl_signed_for(c, cert, issuer, at, backend, signers, ctx))
                {
                    Ok(()) => true,
                    Err(u) => {
                        why = u;
                        false
                    }
                }
            };
            let Some(sel) = select(&group, &mut usable) else {
                continue;
            };
            let mut r = sel.crl_ref();
            if let Some(e) = entry(&sel, cert.issuer(), cert.serial()) {
                if revoked_at_time(&e, at) {
                    return revoked(cert, depth, e, Evidence::Crl(r), opts);
                }
                r.revoked_later = Some(e.revoked_at);
            }
            decided.push(r);
            mask |= interim;
        }
    }
    if mask == ALL_REASONS {
        return Ok(CertStatus::Good {
            crls: decided,
            ocsp: None,
        });
    }
    if let Some(o) = ocsp_why
        && why.0 == NO_CRL
    {
        why = Unusable(o);
    }
    if opts.allow_unknown {
        Ok(CertStatus::Unknown { detail: why.0 })
    } else {
        Err(Error::RevocationUnknown {
            depth,
            detail: why.0,
        })
    }
}

/// Whether an entry means the certificate was revoked (or on hold) at `at`: its
/// revocationDate (RFC 5280 §5.1.2.6) is at or before `at` — or the reason is a key or CA
/// compromise, which is reported whatever its date (the key may have been in other hands
/// before the CA heard of it). A certificate revoked later was not revoked at `at`.
fn revoked_at_time(e: &Revocation, at: UnixTime) -> bool {
    e.revoked_at <= at
        || matches!(
            e.reason_or_unspecified(),
            RevocationReason::KeyCompromise
                | RevocationReason::CaCompromise
                | RevocationReason::AaCompromise
        )
}

/// A revocation of `cert` as the options judge it: revoked, or revoked after the
/// signing time (RFC 5280 §5.3.2: an invalidityDate at or before the signing time, or a
/// compromised key with a time only the signer claims, is revoked before signing).
fn revoked(
    cert: &Cert,
    depth: usize,
    e: Revocation,
    evidence: Evidence,
    opts: &RevocationOptions<'_>,
) -> Result<CertStatus, Error> {
    let (crl, ocsp) = evidence.split();
    let reason = e.reason_or_unspecified();
    let compromise = matches!(
        reason,
        RevocationReason::KeyCompromise
            | RevocationReason::CaCompromise
            | RevocationReason::AaCompromise
    );
    let before_signing = match opts.signing_time {
        Some((st, source)) if e.revoked_at > st => {
            e.invalidity.is_some_and(|i| i <= st) || (compromise && source == TimeSource::Signer)
        }
        _ => true,
    };
    match opts.signing_time {
        Some((st, _)) if !before_signing => {
            if opts.accept_revoked_after_signing {
                Ok(CertStatus::RevokedAfterSigning {
                    revoked_at: e.revoked_at,
                    reason,
                    crl,
                    ocsp,
                })
            } else {
                Err(Error::RevokedAfterSigning {
                    depth,
                    serial: hex_string(cert.serial()),
                    revoked_at: e.revoked_at,
                    signing_time: st,
                    reason,
                    crl: crl.map(alloc::boxed::Box::new),
                    ocsp: ocsp.map(alloc::boxed::Box::new),
                })
            }
        }
        _ => Err(Error::Revoked {
            depth,
            serial: hex_string(cert.serial()),
            revoked_at: e.revoked_at,
            reason,
            invalidity: e.invalidity,
            crl: crl.map(alloc::boxed::Box::new),
            ocsp: ocsp.map(alloc::boxed::Box::new),
        }),
    }
}
