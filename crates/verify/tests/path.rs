//! RFC 5280 §6.1 path validation: one passing chain and one failing test per check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use inkan_verify::{Backend, Cert, Error, KeyUsageBits, ValidationOptions, verify_path};

fn run(
    leaf: &CertSpec,
    inters: &[&CertSpec],
    root: &CertSpec,
    opts: &ValidationOptions<'_>,
) -> Result<inkan_verify::ValidatedPath, Error> {
    let inters: Vec<Cert> = inters.iter().map(|c| c.cert()).collect();
    verify_path(&leaf.cert(), &inters, &store_with(root), opts)
}

fn opts() -> ValidationOptions<'static> {
    ValidationOptions::new(t(AT))
}

fn code(r: Result<inkan_verify::ValidatedPath, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn valid_chain_every_backend() {
    for &b in Backend::all() {
        let mut o = opts();
        o.backend = b;
        let p = run(&leaf(), &[&inter()], &root(), &o).unwrap();
        assert_eq!(p.chain.len(), 2);
        // No certificatePolicies anywhere: the valid_policy_tree is NULL.
        assert!(p.policies.is_empty());
    }
}

#[test]
fn validity_times_before_1970() {
    // PKITS 4.2.3: a UTCTime notBefore of 1950 (RFC 5280 §4.1.2.5.1: YY ≥ 50 is 19YY).
    let times = |nb: (u8, &str), na: (u8, &str)| {
        seq(&[tlv(nb.0, nb.1.as_bytes()), tlv(na.0, na.1.as_bytes())])
    };
    for nb in [(0x17, "500101120000Z"), (0x18, "19500101120000Z")] {
        let mut l = leaf();
        l.validity_der = Some(times(nb, (0x17, "491231235959Z")));
        let c = l.cert();
        assert_eq!(c.not_before().as_secs(), 0, "read as 1970-01-01");
        assert_eq!(code(run(&l, &[&inter()], &root(), &opts())), "ok");
    }
    // A notAfter of 1969: expired, not malformed.
    let mut l = leaf();
    l.validity_der = Some(times((0x17, "500101120000Z"), (0x17, "691231235959Z")));
    assert_eq!(code(run(&l, &[&inter()], &root(), &opts())), "expired");
    // A tampered time is still caught by the signature (checked over the bytes as sent).
    let mut der = leaf().der();
    let at = der.windows(2).position(|w| w == [0x17, 0x0d]).unwrap() + 2;
    der[at..at + 2].copy_from_slice(b"55");
    let tampered = Cert::from_der(&der).unwrap();
    let e = verify_path(&tampered, &[inter().cert()], &store_with(&root()), &opts()).unwrap_err();
    assert_eq!(e.code(), "bad-signature");
}

#[test]
fn bad_signature() {
    let mut l = leaf();
    l.signer_override = Some(3);
    assert_eq!(
        code(run(&l, &[&inter()], &root(), &opts())),
        "bad-signature"
    );
}

#[test]
fn expired_and_not_yet_valid() {
    let l = leaf().validity("2020-01-01T00:00:00Z", "2025-01-01T00:00:00Z");
    let e = run(&l, &[&inter()], &root(), &opts()).unwrap_err();
    assert!(matches!(e, Error::Expired { depth: 0, .. }), "{e:?}");
    let l = leaf().validity("2025-07-01T00:00:00Z", "2030-01-01T00:00:00Z");
    assert_eq!(
        code(run(&l, &[&inter()], &root(), &opts())),
        "not-yet-valid"
    );
    let i = inter().validity("2020-01-01T00:00:00Z", "2025-01-01T00:00:00Z");
    let e = run(&leaf(), &[&i], &root(), &opts()).unwrap_err();
    assert!(matches!(e, Error::Expired { depth: 1, .. }), "{e:?}");
    // The anchor's own validity is checked by default and can be switched off.
    let r = root().validity("2010-01-01T00:00:00Z", "2020-06-01T00:00:00Z");
    let e = run(&leaf(), &[&inter()], &r, &opts()).unwrap_err();
    assert!(matches!(e, Error::Expired { depth: 2, .. }), "{e:?}");
    let mut o = opts();
    o.check_anchor_validity = false;
    run(&leaf(), &[&inter()], &r, &o).unwrap();
}

#[test]
fn name_chaining() {
    let l = CertSpec::new(LEAF, "OU=Someone Else,O=JPKI-TEST,C=JP", 2, 1);
    assert_eq!(
        code(run(&l, &[&inter()], &root(), &opts())),
        "unknown-issuer"
    );
    // No anchor at all.
    assert_eq!(code(run(&leaf(), &[], &root(), &opts())), "unknown-issuer");
}

#[test]
fn basic_constraints_ca() {
    let i = CertSpec::new(INTER, ROOT, 1, 0).ext(key_usage(&[5, 6]));
    assert_eq!(code(run(&leaf(), &[&i], &root(), &opts())), "not-ca");
    let i = CertSpec::new(INTER, ROOT, 1, 0).ext(basic_constraints(false, None));
    assert_eq!(code(run(&leaf(), &[&i], &root(), &opts())), "not-ca");
}

#[test]
fn path_length() {
    const I2: &str = "OU=Second,O=JPKI-TEST,C=JP";
    let i1 = CertSpec::new(INTER, ROOT, 1, 0).ext(basic_constraints(true, Some(0)));
    let i2 = CertSpec::ca(I2, INTER, 3, 1);
    let l = CertSpec::new(LEAF, I2, 2, 3);
    let e = run(&l, &[&i1, &i2], &root(), &opts()).unwrap_err();
    assert!(matches!(e, Error::PathLength { depth: 1 }), "{e:?}");
    let i1 = CertSpec::new(INTER, ROOT, 1, 0).ext(basic_constraints(true, Some(1)));
    run(&l, &[&i1, &i2], &root(), &opts()).unwrap();
    // The anchor's pathLenConstraint applies too.
    let r = CertSpec::new(ROOT, ROOT, 0, 0).ext(basic_constraints(true, Some(0)));
    assert_eq!(code(run(&leaf(), &[&inter()], &r, &opts())), "path-length");
    // max_path_len bounds building.
    let mut o = opts();
    o.max_path_len = 1;
    assert_eq!(code(run(&leaf(), &[&inter()], &root(), &o)), "path-length");
}

#[test]
fn self_issued_intermediate_does_not_count_for_path_length() {
    // Key rollover: INTER (key 1, pathLen 0) certifies its new key 3 under the same name.
    let i1 = CertSpec::new(INTER, ROOT, 1, 0)
        .ext(basic_constraints(true, Some(0)))
        .ext(key_usage(&[5, 6]));
    let rollover = CertSpec::ca(INTER, INTER, 3, 1);
    let l = CertSpec::new(LEAF, INTER, 2, 3);
    let p = run(&l, &[&i1, &rollover], &root(), &opts()).unwrap();
    assert_eq!(p.chain.len(), 3);
}

#[test]
fn key_usage_checks() {
    let i = CertSpec::new(INTER, ROOT, 1, 0)
        .ext(basic_constraints(true, None))
        .ext(key_usage(&[6]));
    let e = run(&leaf(), &[&i], &root(), &opts()).unwrap_err();
    assert_eq!(
        e,
        Error::KeyUsage {
            depth: 1,
            missing: "keyCertSign"
        }
    );
    let mut o = opts();
    o.leaf_key_usage = KeyUsageBits::DIGITAL_SIGNATURE.union(KeyUsageBits::NON_REPUDIATION);
    run(&leaf(), &[&inter()], &root(), &o).unwrap();
    let l = CertSpec::new(LEAF, INTER, 2, 1).ext(key_usage(&[0]));
    let e = run(&l, &[&inter()], &root(), &o).unwrap_err();
    assert_eq!(
        e,
        Error::KeyUsage {
            depth: 0,
            missing: "nonRepudiation"
        }
    );
    let l = CertSpec::new(LEAF, INTER, 2, 1);
    run(&l, &[&inter()], &root(), &o).unwrap();
    o.require_leaf_key_usage_extension = true;
    assert_eq!(code(run(&l, &[&inter()], &root(), &o)), "key-usage");
}

#[test]
fn unknown_critical_extension() {
    let l = leaf().ext(ext("1.2.3.4.5", true, vec![0x05, 0x00]));
    let e = run(&l, &[&inter()], &root(), &opts()).unwrap_err();
    assert_eq!(
        e,
        Error::UnknownCriticalExtension {
            depth: 0,
            oid: "1.2.3.4.5".into()
        }
    );
    let i = inter().ext(ext("1.2.3.4.6", true, vec![0x05, 0x00]));
    assert_eq!(
        code(run(&leaf(), &[&i], &root(), &opts())),
        "unknown-critical-extension"
    );
    // Non-critical unknown extensions are fine.
    let l = leaf().ext(ext("1.2.3.4.5", false, vec![0x05, 0x00]));
    run(&l, &[&inter()], &root(), &opts()).unwrap();
}

#[test]
fn duplicate_extension_is_malformed() {
    let der = leaf().ext(ski(2)).der();
    assert_eq!(Cert::from_der(&der).unwrap_err().code(), "malformed");
}

const P1: &str = "1.2.392.200149.8.5.1.1.20";
const P2: &str = "1.2.392.200149.8.5.1.3.30";
const ANY: &str = "2.5.29.32.0";

fn oids(v: &[&str]) -> Vec<der::asn1::ObjectIdentifier> {
    v.iter()
        .map(|s| der::asn1::ObjectIdentifier::new_unwrap(s))
        .collect()
}

#[test]
fn policies_explicit_and_initial_set() {
    let i = inter().ext(policies(false, &[ANY]));
    let l = leaf().ext(policies(true, &[P1]));
    let mut o = opts();
    o.initial_policy_set = oids(&[P1]);
    o.initial_explicit_policy = true;
    let p = run(&l, &[&i], &root(), &o).unwrap();
    assert_eq!(p.policies, oids(&[P1]));
    // Leaf policy outside the initial set.
    o.initial_policy_set = oids(&[P2]);
    assert_eq!(code(run(&l, &[&i], &root(), &o)), "policy");
    // Intermediate without policies: the tree becomes NULL.
    o.initial_policy_set = vec![];
    assert_eq!(code(run(&l, &[&inter()], &root(), &o)), "policy");
    // Without explicit policy the NULL tree is acceptable.
    o.initial_explicit_policy = false;
    let p = run(&l, &[&inter()], &root(), &o).unwrap();
    assert!(p.policies.is_empty());
}

#[test]
fn policy_constraints_require_explicit_policy() {
    let i = inter().ext(policy_constraints(Some(0), None));
    let l = leaf();
    assert_eq!(code(run(&l, &[&i], &root(), &opts())), "policy");
    let i = inter()
        .ext(policy_constraints(Some(0), None))
        .ext(policies(false, &[P1]));
    let l = leaf().ext(policies(false, &[P1]));
    run(&l, &[&i], &root(), &opts()).unwrap();
}

#[test]
fn inhibit_any_policy() {
    let i = inter().ext(policies(false, &[ANY]));
    let l = leaf().ext(policies(false, &[P1]));
    let mut o = opts();
    o.initial_explicit_policy = true;
    run(&l, &[&i], &root(), &o).unwrap();
    o.initial_any_policy_inhibit = true;
    assert_eq!(code(run(&l, &[&i], &root(), &o)), "policy");
    // inhibitAnyPolicy extension 0 in the intermediate: the leaf's anyPolicy no longer counts.
    let o2 = {
        let mut o = opts();
        o.initial_explicit_policy = true;
        o
    };
    let i = inter().ext(policies(false, &[ANY])).ext(inhibit_any(0));
    let l = leaf().ext(policies(false, &[ANY]));
    assert_eq!(code(run(&l, &[&i], &root(), &o2)), "policy");
}

#[test]
fn policy_mapping_and_inhibit() {
    let i = inter()
        .ext(policies(false, &[P1]))
        .ext(policy_mappings(&[(P1, P2)]));
    let l = leaf().ext(policies(false, &[P2]));
    let mut o = opts();
    o.initial_explicit_policy = true;
    o.initial_policy_set = oids(&[P1]);
    let p = run(&l, &[&i], &root(), &o).unwrap();
    assert_eq!(p.policies, oids(&[P2]));
    o.initial_policy_mapping_inhibit = true;
    assert_eq!(code(run(&l, &[&i], &root(), &o)), "policy");
    // Mapping anyPolicy is forbidden.
    let i = inter()
        .ext(policies(false, &[P1]))
        .ext(policy_mappings(&[(ANY, P2)]));
    assert_eq!(code(run(&l, &[&i], &root(), &opts())), "policy");
    // policyConstraints inhibitPolicyMapping 0 in the intermediate inhibits the next mapping.
    const I2: &str = "OU=Second,O=JPKI-TEST,C=JP";
    let i1 = inter()
        .ext(policies(false, &[ANY]))
        .ext(policy_constraints(None, Some(0)));
    let i2 = CertSpec::ca(I2, INTER, 3, 1)
        .ext(policies(false, &[P1]))
        .ext(policy_mappings(&[(P1, P2)]));
    let l = CertSpec::new(LEAF, I2, 2, 3).ext(policies(false, &[P2]));
    let mut o = opts();
    o.initial_explicit_policy = true;
    assert_eq!(code(run(&l, &[&i1, &i2], &root(), &o)), "policy");
}

#[test]
fn name_constraints_directory_name() {
    let i = inter().ext(name_constraints(&[gn_dir("O=JPKI-TEST,C=JP")], &[]));
    run(&leaf(), &[&i], &root(), &opts()).unwrap();
    let l = CertSpec::new("CN=Leaf,O=Other,C=JP", INTER, 2, 1);
    let e = run(&l, &[&i], &root(), &opts()).unwrap_err();
    assert!(
        matches!(e, Error::NameConstraints { depth: 0, .. }),
        "{e:?}"
    );
    let i = inter().ext(name_constraints(&[], &[gn_dir("CN=Leaf,O=JPKI-TEST,C=JP")]));
    assert_eq!(
        code(run(&leaf(), &[&i], &root(), &opts())),
        "name-constraints"
    );
}

#[test]
fn name_constraints_dns_email_uri() {
    let i = inter().ext(name_constraints(
        &[
            gn_dns("example.jp"),
            gn_email(".example.jp"),
            gn_uri(".example.jp"),
        ],
        &[gn_dns("bad.example.jp")],
    ));
    let ok = leaf().ext(san(&[
        gn_dns("www.example.jp"),
        gn_email("a@mail.example.jp"),
        gn_uri("https://x.example.jp/p"),
    ]));
    run(&ok, &[&i], &root(), &opts()).unwrap();
    for bad in [
        gn_dns("www.example.com"),
        gn_dns("x.bad.example.jp"),
        gn_email("a@example.com"),
        gn_uri("https://example.com/"),
    ] {
        let l = leaf().ext(san(&[bad]));
        assert_eq!(code(run(&l, &[&i], &root(), &opts())), "name-constraints");
    }
}

#[test]
fn several_root_generations_same_subject() {
    // Two roots with the same name and different keys (0 and 5): the intermediate is
    // issued by generation 2. With the AKI the right anchor is picked at once; without
    // it, by signature.
    let gen1 = root();
    let gen2 = CertSpec::ca(ROOT, ROOT, 5, 5);
    let mut store = inkan_verify::TrustStore::new();
    store.add_explicit(&gen1.der()).unwrap();
    store.add_explicit(&gen2.der()).unwrap();
    let i = CertSpec::ca(INTER, ROOT, 1, 5);
    let p = verify_path(&leaf().cert(), &[i.cert()], &store, &opts()).unwrap();
    assert_eq!(p.anchor.cert, gen2.cert());
    let mut i = CertSpec::ca(INTER, ROOT, 1, 5);
    i.exts = vec![basic_constraints(true, None)];
    let p = verify_path(&leaf().cert(), &[i.cert()], &store, &opts()).unwrap();
    assert_eq!(p.anchor.cert, gen2.cert());
}

#[test]
fn budget_exceeded_with_many_candidates() {
    // Many intermediates with the right name but the wrong key, no key identifiers.
    let decoys: Vec<CertSpec> = (3..8)
        .map(|k| {
            let mut c = CertSpec::ca(INTER, ROOT, k, 0);
            c.exts = vec![basic_constraints(true, None)];
            c.serial(k as u64)
        })
        .collect();
    let mut l = leaf();
    l.exts = vec![];
    let inters: Vec<Cert> = decoys.iter().map(|c| c.cert()).collect();
    let mut o = opts();
    o.budget = 3;
    let e = verify_path(&l.cert(), &inters, &store_with(&root()), &o).unwrap_err();
    assert_eq!(e.code(), "budget-exceeded");
    o.budget = 100;
    let e = verify_path(&l.cert(), &inters, &store_with(&root()), &o).unwrap_err();
    assert_eq!(e.code(), "bad-signature");
}
