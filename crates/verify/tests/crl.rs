//! CRL revocation (RFC 5280 §5, §6.3): one failing test per rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cloned_ref_to_slice_refs
)]

mod common;
use common::*;

use inkan_verify::{
    CertStatus, CrlSet, Error, RevocationOptions, RevocationReason, RevocationScope, TimeSource,
    ValidationOptions, verify_path,
};

fn good(s: &CertStatus) -> bool {
    matches!(s, CertStatus::Good { .. })
}

const DP: &str = "CN=Chiyoda,OU=Tokyo,OU=CRL Distribution Points,O=JPKI-TEST,C=JP";

fn leaf_with_dp() -> CertSpec {
    leaf().serial(4242).ext(crl_dp_dir(DP))
}

fn check(
    leaf: &CertSpec,
    crls: &[Vec<u8>],
    tweak: impl FnOnce(&mut RevocationOptions<'_>),
) -> Result<Vec<CertStatus>, Error> {
    let mut set = CrlSet::new();
    for c in crls {
        set.add_der(c).unwrap();
    }
    let mut r = RevocationOptions::new(&set);
    r.scope = RevocationScope::Leaf;
    tweak(&mut r);
    let mut o = ValidationOptions::new(t(AT));
    o.revocation = Some(r);
    verify_path(&leaf.cert(), &[inter().cert()], &store_with(&root()), &o).map(|p| p.revocation)
}

fn code<T>(r: Result<T, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn base() -> CrlSpec {
    CrlSpec::new(INTER, 1).ext(idp(Some(DP), true, false, None, false))
}

#[test]
fn good_and_revoked() {
    let st = check(&leaf_with_dp(), &[base().der()], |_| {}).unwrap();
    assert!(good(&st[0]), "{st:?}");
    assert_eq!(st[1], CertStatus::NotChecked);
    let crl = base()
        .entry(revoked(4242, "2025-05-01T00:00:00Z", Some(3)))
        .der();
    let e = check(&leaf_with_dp(), &[crl], |_| {}).unwrap_err();
    match e {
        Error::Revoked {
            depth: 0,
            reason,
            revoked_at,
            ..
        } => {
            assert_eq!(reason, RevocationReason::AffiliationChanged);
            assert_eq!(revoked_at, t("2025-05-01T00:00:00Z"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn revoked_after_signing_time_is_distinct() {
    let crl = base()
        .entry(revoked(4242, "2025-05-01T00:00:00Z", Some(3)))
        .der();
    let e = check(&leaf_with_dp(), &[crl.clone()], |r| {
        r.signing_time = Some((t("2025-04-01T00:00:00Z"), TimeSource::Caller))
    })
    .unwrap_err();
    assert_eq!(e.code(), "revoked-after-signing");
    let e = check(&leaf_with_dp(), &[crl.clone()], |r| {
        r.signing_time = Some((t("2025-05-02T00:00:00Z"), TimeSource::Caller))
    })
    .unwrap_err();
    assert_eq!(e.code(), "revoked");
    let st = check(&leaf_with_dp(), &[crl], |r| {
        r.signing_time = Some((t("2025-04-01T00:00:00Z"), TimeSource::Caller));
        r.accept_revoked_after_signing = true;
    })
    .unwrap();
    assert!(matches!(
        st[0],
        CertStatus::RevokedAfterSigning {
            reason: RevocationReason::AffiliationChanged,
            ..
        }
    ));
}

#[test]
fn no_crl_is_unknown_unless_allowed() {
    assert_eq!(
        code(check(&leaf_with_dp(), &[], |_| {})),
        "revocation-unknown"
    );
    let st = check(&leaf_with_dp(), &[], |r| r.allow_unknown = true).unwrap();
    assert!(matches!(st[0], CertStatus::Unknown { .. }));
}

#[test]
fn crl_signature_must_verify() {
    let mut c = base();
    c.key = 3; // signed by a stranger under the issuer's name
    c.exts = vec![crl_number(10), idp(Some(DP), true, false, None, false)];
    let crl = c.entry(revoked(4242, "2025-05-01T00:00:00Z", None)).der();
    assert_eq!(
        code(check(&leaf_with_dp(), &[crl], |_| {})),
        "revocation-unknown"
    );
}

#[test]
fn a_signature_with_unused_bits_reads_but_gives_unknown() {
    // PKITS 4.4.4 (Invalid Bad CRL Signature): the CRL is no help, the status is unknown.
    let mut c = base();
    c.exts = vec![crl_number(10), idp(Some(DP), true, false, None, false)];
    let mut crl = c.entry(revoked(4242, "2025-05-01T00:00:00Z", None)).der();
    // The last field is `BIT STRING { 00, 256 signature octets }` (RSA-2048).
    let at = crl.len() - 257;
    assert_eq!(crl[at], 0x00);
    crl[at] = 0x01;
    let mut set = CrlSet::new();
    set.add_der(&crl).unwrap();
    assert_eq!(
        code(check(&leaf_with_dp(), &[crl], |_| {})),
        "revocation-unknown"
    );
}

#[test]
fn stale_and_future_crls() {
    let mut c = base();
    c.next_update = Some(secs("2025-05-31T00:00:00Z"));
    let crl = c.der();
    assert_eq!(
        code(check(&leaf_with_dp(), &[crl.clone()], |_| {})),
        "revocation-unknown"
    );
    check(&leaf_with_dp(), &[crl], |r| r.next_update_grace = 2 * 86400).unwrap();
    // A CRL issued after the validation time decides, read as of that time: revoked
    // later is good then, revoked before is revoked; a key compromise counts whatever
    // its date.
    let future = || {
        let mut c = base();
        c.this_update = secs("2025-06-02T00:00:00Z");
        c.next_update = Some(secs("2025-06-09T00:00:00Z"));
        c
    };
    let st = check(&leaf_with_dp(), &[future().der()], |_| {}).unwrap();
    assert!(good(&st[0]), "{st:?}");
    let later = future().entry(revoked(4242, "2025-06-02T00:00:00Z", Some(6)));
    let st = check(&leaf_with_dp(), &[later.der()], |_| {}).unwrap();
    match &st[0] {
        CertStatus::Good { crls, .. } => {
            assert_eq!(crls[0].revoked_later, Some(t("2025-06-02T00:00:00Z")));
        }
        other => panic!("{other:?}"),
    }
    let before = future().entry(revoked(4242, "2025-05-01T00:00:00Z", Some(6)));
    assert_eq!(
        code(check(&leaf_with_dp(), &[before.der()], |_| {})),
        "revoked"
    );
    let compromised = future().entry(revoked(4242, "2025-06-02T00:00:00Z", Some(1)));
    assert_eq!(
        code(check(&leaf_with_dp(), &[compromised.der()], |_| {})),
        "revoked"
    );
    // Maximum age.
    assert_eq!(
        code(check(&leaf_with_dp(), &[base().der()], |r| r.max_age = Some(3600))),
        "revocation-unknown"
    );
    // Missing nextUpdate.
    let mut c = base();
    c.next_update = None;
    assert_eq!(
        code(check(&leaf_with_dp(), &[c.der()], |_| {})),
        "revocation-unknown"
    );
    check(&leaf_with_dp(), &[c.der()], |r| {
        r.allow_missing_next_update = true
    })
    .unwrap();
}

#[test]
fn issuing_distribution_point_must_match() {
    let other = CrlSpec::new(INTER, 1)
        .ext(idp(
            Some("CN=Other,OU=Tokyo,OU=CRL Distribution Points,O=JPKI-TEST,C=JP"),
            false,
            false,
            None,
            false,
        ))
        .entry(revoked(4242, "2025-05-01T00:00:00Z", None));
    assert_eq!(
        code(check(&leaf_with_dp(), &[other.der()], |_| {})),
        "revocation-unknown"
    );
    // A certificate without a CRL DP is not covered by a partitioned CRL.
    assert_eq!(
        code(check(&leaf().serial(4242), &[base().der()], |_| {})),
        "revocation-unknown"
    );
    // …but is by a full CRL without IDP.
    let full = CrlSpec::new(INTER, 1);
    check(&leaf().serial(4242), &[full.der()], |_| {}).unwrap();
}

#[test]
fn only_contains_ca_certs_does_not_cover_leaf() {
    let c = CrlSpec::new(INTER, 1).ext(idp(Some(DP), false, true, None, false));
    assert_eq!(
        code(check(&leaf_with_dp(), &[c.der()], |_| {})),
        "revocation-unknown"
    );
}

#[test]
fn only_some_reasons_needs_full_coverage() {
    let key_compromise = CrlSpec::new(INTER, 1).ext(idp(Some(DP), false, false, Some(&[1]), false));
    assert_eq!(
        code(check(&leaf_with_dp(), &[key_compromise.der()], |_| {})),
        "revocation-unknown"
    );
    let rest = CrlSpec::new(INTER, 1).ext(idp(
        Some(DP),
        false,
        false,
        Some(&[2, 3, 4, 5, 6, 7, 8]),
        false,
    ));
    check(&leaf_with_dp(), &[key_compromise.der(), rest.der()], |_| {}).unwrap();
}

#[test]
fn certificate_hold_and_remove_from_crl_in_delta() {
    let held = base().entry(revoked(4242, "2025-05-01T00:00:00Z", Some(6)));
    let e = check(&leaf_with_dp(), &[held.der()], |_| {}).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Revoked {
                reason: RevocationReason::CertificateHold,
                ..
            }
        ),
        "{e:?}"
    );
    let mut delta = CrlSpec::new(INTER, 1)
        .ext(idp(Some(DP), true, false, None, false))
        .ext(delta_indicator(10))
        .entry(revoked(4242, "2025-05-31T00:00:00Z", Some(8)));
    delta.exts[1] = crl_number(11);
    delta.this_update = secs("2025-05-31T00:00:00Z");
    check(&leaf_with_dp(), &[held.der(), delta.der()], |_| {}).unwrap();
    // Deltas can be switched off.
    assert_eq!(
        code(check(&leaf_with_dp(), &[held.der(), delta.der()], |r| r
            .use_delta_crls =
            false)),
        "revoked"
    );
    // A delta revoking a certificate the base does not list.
    let mut delta = CrlSpec::new(INTER, 1)
        .ext(idp(Some(DP), true, false, None, false))
        .ext(delta_indicator(10))
        .entry(revoked(4242, "2025-05-31T00:00:00Z", Some(1)));
    delta.exts[1] = crl_number(11);
    assert_eq!(
        code(check(&leaf_with_dp(), &[base().der(), delta.der()], |_| {})),
        "revoked"
    );
    // A delta whose base is newer than the complete CRL is not applied.
    let mut delta = CrlSpec::new(INTER, 1)
        .ext(idp(Some(DP), true, false, None, false))
        .ext(delta_indicator(12))
        .entry(revoked(4242, "2025-05-31T00:00:00Z", Some(1)));
    delta.exts[1] = crl_number(13);
    check(&leaf_with_dp(), &[base().der(), delta.der()], |_| {}).unwrap();
    // A delta alone is not a complete CRL.
    assert_eq!(
        code(check(&leaf_with_dp(), &[delta.der()], |_| {})),
        "revocation-unknown"
    );
}

#[test]
fn indirect_crl_by_delegated_signer() {
    const SIGNER: &str = "OU=CRL Signer,O=JPKI-TEST,C=JP";
    let signer = CertSpec::new(SIGNER, INTER, 4, 1).ext(key_usage(&[6]));
    // An indirect CRL: entries name their certificate issuer (RFC 5280 §5.3.3).
    let mut entry = revoked(4242, "2025-05-01T00:00:00Z", None);
    entry
        .extra_exts
        .push(ext("2.5.29.29", true, seq(&[gn_dir(INTER)])));
    let mut c = CrlSpec::new(SIGNER, 4).entry(entry);
    c.exts.push(idp(Some(DP), false, false, None, true));
    // The leaf names the delegated signer as cRLIssuer of its DP.
    let dp = ext(
        "2.5.29.31",
        false,
        seq(&[seq(&[
            tlv(0xa0, &tlv(0xa0, &gn_dir(DP))),
            tlv(0xa2, &gn_dir(SIGNER)),
        ])]),
    );
    let l = leaf().serial(4242).ext(dp);
    let mut set = CrlSet::new();
    set.add_der(&c.der()).unwrap();
    {
        let mut r = RevocationOptions::new(&set);
        r.scope = RevocationScope::Leaf;
        let mut o = ValidationOptions::new(t(AT));
        o.revocation = Some(r);
        let e = verify_path(&l.cert(), &[inter().cert()], &store_with(&root()), &o).unwrap_err();
        assert_eq!(e.code(), "revocation-unknown");
    }
    set.add_delegated_signer(&signer.der()).unwrap();
    let mut r = RevocationOptions::new(&set);
    r.scope = RevocationScope::Leaf;
    let mut o = ValidationOptions::new(t(AT));
    o.revocation = Some(r);
    let e = verify_path(&l.cert(), &[inter().cert()], &store_with(&root()), &o).unwrap_err();
    assert_eq!(e.code(), "revoked");
}

#[test]
fn unknown_critical_crl_extensions() {
    let c = base().ext(ext("1.2.3.4.9", true, vec![0x05, 0x00]));
    assert_eq!(
        code(check(&leaf_with_dp(), &[c.der()], |_| {})),
        "revocation-unknown"
    );
    let mut r = revoked(1, "2025-05-01T00:00:00Z", None);
    r.extra_exts.push(ext("1.2.3.4.10", true, vec![0x05, 0x00]));
    let c = base().entry(r);
    assert_eq!(
        code(check(&leaf_with_dp(), &[c.der()], |_| {})),
        "revocation-unknown"
    );
}

#[test]
fn crl_issuer_without_crl_sign() {
    let i = CertSpec::new(INTER, ROOT, 1, 0)
        .ext(basic_constraints(true, None))
        .ext(key_usage(&[5]));
    let mut set = CrlSet::new();
    set.add_der(&base().der()).unwrap();
    let mut r = RevocationOptions::new(&set);
    r.scope = RevocationScope::Leaf;
    let mut o = ValidationOptions::new(t(AT));
    o.revocation = Some(r);
    let e = verify_path(
        &leaf_with_dp().cert(),
        &[i.cert()],
        &store_with(&root()),
        &o,
    )
    .unwrap_err();
    assert_eq!(e.code(), "revocation-unknown");
}

#[test]
fn whole_chain_scope_checks_intermediates() {
    let root_crl =
        CrlSpec::new(ROOT, 0).entry(revoked(inter().serial, "2025-01-01T00:00:00Z", Some(2)));
    let e = check(&leaf_with_dp(), &[base().der(), root_crl.der()], |r| {
        r.scope = RevocationScope::Chain
    })
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Revoked {
                depth: 1,
                reason: RevocationReason::CaCompromise,
                ..
            }
        ),
        "{e:?}"
    );
    let root_crl = CrlSpec::new(ROOT, 0);
    let st = check(&leaf_with_dp(), &[base().der(), root_crl.der()], |r| {
        r.scope = RevocationScope::Chain
    })
    .unwrap();
    assert!(st.iter().all(good), "{st:?}");
}

#[test]
fn large_crl_lookup() {
    let mut c = base();
    for s in 0..20_000u64 {
        c.entries
            .push(revoked(1_000_000 + s, "2025-05-01T00:00:00Z", Some(3)));
    }
    let crl = c.der();
    let l = leaf().serial(1_012_345).ext(crl_dp_dir(DP));
    assert_eq!(code(check(&l, &[crl.clone()], |_| {})), "revoked");
    check(&leaf_with_dp(), &[crl], |_| {}).unwrap();
}

/// Revocation checking of the leaf only, with the given intermediates and CRLs.
fn check_with(inters: &[CertSpec], leaf: &CertSpec, crls: &[Vec<u8>]) -> Result<(), Error> {
    let mut set = CrlSet::new();
    for c in crls {
        set.add_der(c).unwrap();
    }
    let mut r = RevocationOptions::new(&set);
    r.scope = RevocationScope::Leaf;
    let mut o = ValidationOptions::new(t(AT));
    o.revocation = Some(r);
    let inters: Vec<_> = inters.iter().map(CertSpec::cert).collect();
    verify_path(&leaf.cert(), &inters, &store_with(&root()), &o).map(|_| ())
}

/// RFC 5280 §6.3.3 (f): the CA signs CRLs with a second key, certified by the root under the
/// CA's name with cRLSign only; that certificate's path to the same anchor is validated,
/// including its own revocation.
#[test]
fn crl_signed_by_a_separate_key_of_the_issuer() {
    let crl_signer = || CertSpec::new(INTER, ROOT, 3, 0).ext(key_usage(&[6]));
    let root_crl = CrlSpec::new(ROOT, 0).der();
    let crl = || CrlSpec::new(INTER, 3);
    // Without the CRL signing certificate, the CRL cannot be verified.
    assert_eq!(
        code(check_with(
            &[inter()],
            &leaf(),
            &[crl().der(), root_crl.clone()]
        )),
        "revocation-unknown"
    );
    check_with(
        &[inter(), crl_signer()],
        &leaf(),
        &[crl().der(), root_crl.clone()],
    )
    .unwrap();
    let revoking = crl().entry(revoked(4242, "2025-05-01T00:00:00Z", None));
    assert_eq!(
        code(check_with(
            &[inter(), crl_signer()],
            &leaf().serial(4242),
            &[revoking.der(), root_crl]
        )),
        "revoked"
    );
    // The CRL signing certificate is itself revoked: its CRLs are not used.
    let root_crl = CrlSpec::new(ROOT, 0)
        .entry(revoked(1021, "2025-05-01T00:00:00Z", None))
        .der();
    assert_eq!(
        code(check_with(
            &[inter(), crl_signer()],
            &leaf(),
            &[crl().der(), root_crl]
        )),
        "revocation-unknown"
    );
}

/// The other certificate of the CRL issuer must allow cRLSign and chain to the same anchor.
#[test]
fn crl_signing_certificate_needs_crl_sign_and_the_same_anchor() {
    const OTHER_ROOT: &str = "OU=Other Root,O=JPKI-TEST,C=JP";
    let root_crl = CrlSpec::new(ROOT, 0).der();
    let other_root_crl = CrlSpec::new(OTHER_ROOT, 4).der();
    let crl = CrlSpec::new(INTER, 3).der();
    let cert_sign_only = CertSpec::new(INTER, ROOT, 3, 0).ext(key_usage(&[5]));
    assert_eq!(
        code(check_with(
            &[inter(), cert_sign_only],
            &leaf(),
            &[crl.clone(), root_crl.clone()]
        )),
        "revocation-unknown"
    );
    let other_root = CertSpec::ca(OTHER_ROOT, OTHER_ROOT, 4, 4);
    let foreign = CertSpec::new(INTER, OTHER_ROOT, 3, 4).ext(key_usage(&[6]));
    assert_eq!(
        code(check_with(
            &[inter(), other_root, foreign],
            &leaf(),
            &[crl, root_crl, other_root_crl]
        )),
        "revocation-unknown"
    );
}

/// An indirect CRL issuer whose own certificate is covered by the CRL it signs (its path is
/// the one being validated, so no further path is needed for it).
#[test]
fn indirect_crl_issuer_covered_by_its_own_crl() {
    const SIGNER: &str = "OU=Indirect CRL Issuer,O=JPKI-TEST,C=JP";
    let dp = || {
        ext(
            "2.5.29.31",
            false,
            seq(&[seq(&[
                tlv(0xa0, &tlv(0xa0, &gn_dir(DP))),
                tlv(0xa2, &gn_dir(SIGNER)),
            ])]),
        )
    };
    let signer = CertSpec::new(SIGNER, INTER, 4, 1)
        .ext(key_usage(&[6]))
        .ext(dp());
    let mut crl = CrlSpec::new(SIGNER, 4);
    crl.exts.push(idp(Some(DP), false, false, None, true));
    let l = leaf().ext(dp());
    check_with(&[inter(), signer], &l, &[crl.der()]).unwrap();
    // Not usable without the issuer's certificate in the pool.
    assert_eq!(
        code(check_with(&[inter()], &l, &[crl.der()])),
        "revocation-unknown"
    );
}
