//! The long-lived `Verifier`: remembered paths hold exactly as long as what decided them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use inkan_verify::{
    CertStatus, CrlSet, RevocationOptions, RevocationScope, ValidationOptions, Verifier,
};

const DP: &str = "CN=Chiyoda,OU=Tokyo,OU=CRL Distribution Points,O=JPKI-TEST,C=JP";

fn leaf_with_dp() -> CertSpec {
    leaf().serial(4242).ext(crl_dp_dir(DP))
}

/// A CRL of the intermediate, thisUpdate 2025-05-30, nextUpdate 2025-06-06, revoking
/// `serials`.
fn crl(number: u64, serials: &[u64]) -> CrlSet {
    let mut c = CrlSpec::new(INTER, 1);
    c.exts = vec![
        aki(1),
        crl_number(number),
        idp(Some(DP), true, false, None, false),
    ];
    for s in serials {
        c = c.entry(revoked(*s, "2025-05-01T00:00:00Z", Some(1)));
    }
    let mut set = CrlSet::new();
    set.add_der(&c.der()).unwrap();
    set
}

fn verifier(set: CrlSet, tweak: impl FnOnce(&mut RevocationOptions<'_>)) -> Verifier<CrlSet> {
    let placeholder = CrlSet::new();
    let mut r = RevocationOptions::new(&placeholder);
    r.scope = RevocationScope::Leaf;
    tweak(&mut r);
    let mut o = ValidationOptions::new(t(AT));
    o.revocation = Some(r);
    Verifier::new(store_with(&root()), vec![inter().cert()], set, o)
}

#[test]
fn a_path_is_remembered_within_its_window_only() {
    let v = verifier(crl(1, &[]), |_| {});
    let leaf = leaf_with_dp().cert();
    assert_eq!(v.cached_paths(), 0);
    let p = v.verify_path(&leaf, t(AT)).unwrap();
    assert!(matches!(p.revocation[0], CertStatus::Good { .. }));
    assert_eq!(v.cached_paths(), 1);
    let again = v.verify_path(&leaf, t("2025-06-05T23:59:59Z")).unwrap();
    assert_eq!(again.chain, p.chain);
    // After the CRL's nextUpdate the remembered path no longer holds: the CRL is stale.
    let e = v.verify_path(&leaf, t("2025-06-06T00:00:01Z")).unwrap_err();
    assert_eq!(e.code(), "revocation-unknown");
    // Before its thisUpdate the CRL still decides (read as of that time: it knows
    // more than an older one), and the remembered path holds.
    let before = v.verify_path(&leaf, t("2025-05-29T00:00:00Z")).unwrap();
    assert_eq!(before.chain, p.chain);
    assert_eq!(v.cached_paths(), 1);
    // After the leaf's notAfter: expired, however fresh a CRL would be.
    assert_eq!(
        v.verify_path(&leaf, t("2041-01-01T00:00:00Z"))
            .unwrap_err()
            .code(),
        "expired"
    );
}

#[test]
fn new_crls_forget_remembered_paths() {
    let mut v = verifier(crl(1, &[]), |_| {});
    let leaf = leaf_with_dp().cert();
    v.verify_path(&leaf, t(AT)).unwrap();
    assert_eq!(v.cached_paths(), 1);
    v.set_source(crl(2, &[4242]));
    assert_eq!(v.cached_paths(), 0);
    assert_eq!(v.verify_path(&leaf, t(AT)).unwrap_err().code(), "revoked");
    assert_eq!(v.cached_paths(), 0);
}

#[test]
fn unknown_status_is_never_remembered() {
    let v = verifier(CrlSet::new(), |r| r.allow_unknown = true);
    let leaf = leaf_with_dp().cert();
    let p = v.verify_path(&leaf, t(AT)).unwrap();
    assert!(matches!(p.revocation[0], CertStatus::Unknown { .. }));
    assert_eq!(v.cached_paths(), 0);
}

#[test]
fn without_revocation_the_window_is_the_validity() {
    let mut o = ValidationOptions::new(t(AT));
    o.revocation = None;
    let v = Verifier::new(store_with(&root()), vec![inter().cert()], CrlSet::new(), o);
    let leaf = leaf().cert();
    v.verify_path(&leaf, t(AT)).unwrap();
    assert_eq!(v.cached_paths(), 1);
    v.verify_path(&leaf, t("2039-12-31T00:00:00Z")).unwrap();
    assert_eq!(
        v.verify_path(&leaf, t("2040-01-02T00:00:00Z"))
            .unwrap_err()
            .code(),
        "expired"
    );
}
