//! Chains from inkan-sim's JPKI-profile test PKI, with several root generations trusted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use inkan_testpki::jpki::{
    CrlScope, Hierarchy, Identity, SignatureCertSpec, TestPki, Validity, issue_signature_cert,
    test_key, utc,
};
use inkan_verify::{
    Cert, CertKind, KeyUsageBits, TrustStore, UnixTime, ValidationOptions, cert_kind, identity,
    verify_path,
};

#[test]
fn sim_signature_cert_validates_with_three_generations_trusted() {
    let validity = Validity::new(
        utc(2015, 1, 1, 0, 0, 0).unwrap(),
        utc(2045, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let pki = TestPki::generate(7, 3, validity).unwrap();
    let mut store = TrustStore::new();
    for r in pki.sign_roots.iter().chain(pki.auth_roots.iter()) {
        // Test roots are never pinned: they need the operator's explicit decision.
        assert_eq!(
            store.add_pinned(r.cert_der()).unwrap_err().code(),
            "untrusted-root"
        );
        store.add_explicit(r.cert_der()).unwrap();
    }
    assert_eq!(store.len(), 6);
    let root = pki.root(Hierarchy::Signature, 2).unwrap();
    let key = test_key(7, "leaf").unwrap();
    let id = Identity::example();
    let leaf_validity = Validity::new(
        utc(2024, 1, 1, 0, 0, 0).unwrap(),
        utc(2029, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let der = issue_signature_cert(
        root,
        &SignatureCertSpec {
            serial: &[0x12, 0x34],
            subject_key: &key.to_public_key(),
            common_name: "sim signer",
            scope: CrlScope::new("Tokyo", "Chiyoda"),
            identity: &id,
            validity: leaf_validity,
        },
    )
    .unwrap();
    let leaf = Cert::from_der(&der).unwrap();
    assert_eq!(cert_kind(&leaf), CertKind::Signature);
    assert!(identity(&leaf).unwrap().unwrap().name.is_some());
    let mut o = ValidationOptions::new(UnixTime::parse_rfc3339("2025-06-01T00:00:00Z").unwrap());
    o.initial_policy_set = vec![inkan_verify::oid::JPKI_SIGN_POLICY];
    o.leaf_key_usage = KeyUsageBits::DIGITAL_SIGNATURE.union(KeyUsageBits::NON_REPUDIATION);
    let p = verify_path(&leaf, &[], &store, &o).unwrap();
    assert_eq!(p.anchor.cert.der(), root.cert_der());
    // After the leaf's notAfter it is expired.
    let o = ValidationOptions::new(UnixTime::parse_rfc3339("2030-01-01T00:00:00Z").unwrap());
    assert_eq!(
        verify_path(&leaf, &[], &store, &o).unwrap_err().code(),
        "expired"
    );
}
