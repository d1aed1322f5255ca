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

/// The next-generation PKI (FACTS §10): P-384 roots signing with ECDSA/SHA-384, a
/// 10-year certificate for an RSA card key (the card side stays RSA), a CRL signed with
/// P-384; trusted beside today's RSA roots, as relying parties will hold both.
#[test]
fn next_generation_p384_chain_and_crl_beside_rsa_roots() {
    use inkan_testpki::jpki::{CrlOptions, KeyAlg, Reason, RevokedEntry, build_crl};
    use inkan_verify::{CertStatus, CrlSet, RevocationOptions, RevocationReason, RevocationScope};

    let validity = Validity::new(
        utc(2027, 1, 1, 0, 0, 0).unwrap(),
        utc(2047, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let next = TestPki::generate_with(8, &[validity], KeyAlg::EcdsaP384).unwrap();
    let today = TestPki::generate(8, 1, validity).unwrap();
    let mut store = TrustStore::new();
    for r in next.sign_roots.iter().chain(&today.sign_roots) {
        store.add_explicit(r.cert_der()).unwrap();
    }
    let root = &next.sign_roots[0];
    assert_eq!(root.key().alg(), KeyAlg::EcdsaP384);
    let key = test_key(8, "next-gen leaf").unwrap();
    let id = Identity::example();
    let leaf_validity = Validity::new(
        utc(2028, 4, 1, 0, 0, 0).unwrap(),
        utc(2038, 3, 31, 14, 59, 59).unwrap(),
    )
    .unwrap();
    let der = issue_signature_cert(
        root,
        &SignatureCertSpec {
            serial: &[0x38, 0x40],
            subject_key: &key.to_public_key(),
            common_name: "next-generation signer",
            scope: CrlScope::new("Tokyo-to", "Chiyoda-ku"),
            identity: &id,
            validity: leaf_validity,
        },
    )
    .unwrap();
    let leaf = Cert::from_der(&der).unwrap();
    assert_eq!(
        leaf.x509().signature_algorithm().oid.to_string(),
        "1.2.840.10045.4.3.3"
    );
    let at = UnixTime::parse_rfc3339("2037-06-01T00:00:00Z").unwrap();
    for &b in inkan_verify::Backend::all() {
        let mut o = ValidationOptions::new(at);
        o.backend = b;
        let p = verify_path(&leaf, &[], &store, &o).unwrap();
        assert_eq!(p.anchor.cert.der(), root.cert_der(), "{b:?}");
    }
    // A P-384 CRL with the certificate on it (a move: affiliationChanged).
    let crl = build_crl(
        root,
        &[RevokedEntry {
            serial: vec![0x38, 0x40],
            revoked_at: utc(2037, 5, 1, 0, 0, 0).unwrap(),
            reason: Some(Reason::AffiliationChanged),
        }],
        utc(2037, 5, 30, 0, 0, 0).unwrap(),
        utc(2037, 6, 29, 0, 0, 0).unwrap(),
        7,
        &CrlOptions::default(),
    )
    .unwrap();
    let mut set = CrlSet::new();
    set.add_der(&crl).unwrap();
    for &b in inkan_verify::Backend::all() {
        let mut r = RevocationOptions::new(&set);
        r.scope = RevocationScope::Leaf;
        r.allow_unknown = false;
        let mut o = ValidationOptions::new(at);
        o.backend = b;
        o.revocation = Some(r);
        let e = verify_path(&leaf, &[], &store, &o).unwrap_err();
        assert_eq!(e.code(), "revoked", "{b:?}: {e}");
        let mut r = RevocationOptions::new(&set);
        r.scope = RevocationScope::Leaf;
        r.accept_revoked_after_signing = true;
        r.signing_time = Some((
            UnixTime::parse_rfc3339("2036-01-01T00:00:00Z").unwrap(),
            inkan_verify::TimeSource::Caller,
        ));
        let mut o = ValidationOptions::new(at);
        o.backend = b;
        o.revocation = Some(r);
        let p = verify_path(&leaf, &[], &store, &o).unwrap();
        assert!(matches!(
            p.revocation[0],
            CertStatus::RevokedAfterSigning {
                reason: RevocationReason::AffiliationChanged,
                ..
            }
        ));
    }
}
