//! The decisions around the cryptography: which CRL decides, what may be a trust
//! anchor, name constraints on emailAddress, extended key usage, which certificate may
//! sign a document, the signer's clock against key compromise, CMS fidelity. Every PKI
//! here is made by the test (`inkan_testpki::spec`), not taken from the software card.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use inkan_testpki::cms::CmsSpec;
use inkan_verify::signed::cms::Content;
use inkan_verify::{
    CertStatus, CrlSet, Error, Purpose, RevocationOptions, RevocationReason, RevocationScope,
    TrustStore, ValidationOptions, verify_cms, verify_path,
};

const DOC: Purpose = Purpose::Document {
    allow_auth_cert: false,
};
const SIGN_POLICY: &str = "1.2.392.200149.8.5.1.1.20";
const AUTH_POLICY: &str = "1.2.392.200149.8.5.1.3.30";

fn leaf_serial() -> u64 {
    leaf().serial
}

/// The leaf's revocation status with `crls` (in this order), at AT.
fn status(crls: &[Vec<u8>]) -> Result<CertStatus, Error> {
    let mut set = CrlSet::new();
    for c in crls {
        set.add_der(c).unwrap();
    }
    let mut r = RevocationOptions::new(&set);
    r.scope = RevocationScope::Leaf;
    let mut o = ValidationOptions::new(t(AT));
    o.revocation = Some(r);
    verify_path(&leaf().cert(), &[inter().cert()], &store_with(&root()), &o)
        .map(|p| p.revocation[0].clone())
}

fn crl(number: u64, this_update: &str) -> CrlSpec {
    CrlSpec::new(INTER, 1)
        .number(number)
        .times(this_update, Some("2025-06-20T00:00:00Z"))
}

fn delta(number: u64, base: u64, this_update: &str) -> CrlSpec {
    crl(number, this_update).ext(delta_indicator(base))
}

fn every_order(crls: &[Vec<u8>]) -> Vec<Vec<Vec<u8>>> {
    let mut out = vec![crls.to_vec()];
    let mut r = crls.to_vec();
    r.reverse();
    out.push(r);
    if crls.len() > 2 {
        let mut rot = crls.to_vec();
        rot.rotate_left(1);
        out.push(rot);
    }
    out
}

/// (Issue item 1.) The complete CRL with the highest number decides, whatever the order given: an
/// older CRL never hides a newer revocation, and a hold a newer CRL lifted is lifted.
#[test]
fn newest_complete_crl_decides() {
    let s = leaf_serial();
    let old = crl(5, "2025-05-20T00:00:00Z").der();
    let new = crl(6, "2025-05-30T00:00:00Z")
        .entry(revoked(s, "2025-05-25T00:00:00Z", Some(1)))
        .der();
    for order in every_order(&[old.clone(), new.clone()]) {
        match status(&order) {
            Err(Error::Revoked { crl, .. }) => {
                assert_eq!(crl.unwrap().number.as_deref(), Some("6"));
            }
            other => panic!("{other:?}"),
        }
    }
    // A hold on the old CRL, lifted by the newer one.
    let held = crl(5, "2025-05-20T00:00:00Z")
        .entry(revoked(s, "2025-05-19T00:00:00Z", Some(6)))
        .der();
    let lifted = crl(6, "2025-05-30T00:00:00Z").der();
    for order in every_order(&[held, lifted]) {
        match status(&order).unwrap() {
            CertStatus::Good { crls, .. } => assert_eq!(crls[0].number.as_deref(), Some("6")),
            other => panic!("{other:?}"),
        }
    }
}

/// (Issue item 1.) Base + older delta + newer delta: the newest applicable delta decides.
#[test]
fn newest_applicable_delta_decides() {
    let s = leaf_serial();
    let base = crl(10, "2025-05-20T00:00:00Z").der();
    let d11 = delta(11, 10, "2025-05-25T00:00:00Z").der();
    let d12 = delta(12, 10, "2025-05-30T00:00:00Z")
        .entry(revoked(s, "2025-05-28T00:00:00Z", Some(3)))
        .der();
    for order in every_order(&[base.clone(), d11.clone(), d12.clone()]) {
        match status(&order) {
            Err(Error::Revoked { reason, crl, .. }) => {
                assert_eq!(reason, RevocationReason::AffiliationChanged);
                let crl = crl.unwrap();
                assert_eq!(crl.number.as_deref(), Some("a"));
                assert_eq!(crl.delta.as_ref().unwrap().0.as_deref(), Some("c"));
            }
            other => panic!("{other:?}"),
        }
    }
    // The reverse: a hold in the older delta, removeFromCRL in the newer one.
    let d11h = delta(11, 10, "2025-05-25T00:00:00Z")
        .entry(revoked(s, "2025-05-24T00:00:00Z", Some(6)))
        .der();
    let d12r = delta(12, 10, "2025-05-30T00:00:00Z")
        .entry(revoked(s, "2025-05-29T00:00:00Z", Some(8)))
        .der();
    for order in every_order(&[base.clone(), d11h, d12r]) {
        assert!(matches!(status(&order), Ok(CertStatus::Good { .. })));
    }
    // A delta for a base newer than the complete CRL at hand does not apply.
    let future = delta(14, 13, "2025-05-30T00:00:00Z")
        .entry(revoked(s, "2025-05-28T00:00:00Z", Some(1)))
        .der();
    assert!(matches!(
        status(&[base, future]),
        Ok(CertStatus::Good { .. })
    ));
}

/// (Issue item 3.) A trust anchor must be a CA certificate.
#[test]
fn end_entity_certificates_are_refused_as_anchors() {
    let mut store = TrustStore::new();
    let e = store.add_explicit(&leaf().der()).unwrap_err();
    assert!(matches!(e, Error::UntrustedRoot { .. }), "{e:?}");
    assert_eq!(e.code(), "untrusted-root");
    // A CA without keyCertSign is refused too.
    let no_sign = CertSpec::new(ROOT, ROOT, 0, 0)
        .ext(basic_constraints(true, None))
        .ext(key_usage(&[6]));
    assert_eq!(
        store.add_explicit(&no_sign.der()).unwrap_err().code(),
        "untrusted-root"
    );
    store.add_explicit(&root().der()).unwrap();
    // The attack: a user's (end-entity) certificate among the anchors, and a
    // "signature certificate" for another person minted with that user's key.
    let user = CertSpec::new("CN=user,O=JPKI-TEST,C=JP", INTER, 3, 1).ext(key_usage(&[0]));
    let forged = CertSpec::new(
        "CN=victim,O=JPKI-TEST,C=JP",
        "CN=user,O=JPKI-TEST,C=JP",
        4,
        3,
    )
    .ext(key_usage(&[0, 1]));
    let mut attacker = TrustStore::new();
    assert!(attacker.add_explicit(&user.der()).is_err());
    attacker.add_explicit(&root().der()).unwrap();
    let e = verify_path(
        &forged.cert(),
        &[user.cert(), inter().cert()],
        &attacker,
        &ValidationOptions::new(t(AT)),
    )
    .unwrap_err();
    assert_eq!(e.code(), "not-ca", "{e}");
}

/// (Issue item 4.) An excluded rfc822 subtree applies to the emailAddress attribute whatever its
/// string type.
#[test]
fn email_address_in_utf8string_is_constrained() {
    let constrained = inter().ext(name_constraints(&[], &[gn_email("evil.example")]));
    for tag in [0x16u8, 0x0c] {
        let mut l = leaf();
        l.subject_der = Some(raw_name(&[
            ("2.5.4.6", 0x13, "JP"),
            ("2.5.4.3", 0x0c, "Leaf"),
            ("1.2.840.113549.1.9.1", tag, "mallory@evil.example"),
        ]));
        let e = verify_path(
            &l.cert(),
            &[constrained.cert()],
            &store_with(&root()),
            &ValidationOptions::new(t(AT)),
        )
        .unwrap_err();
        assert_eq!(e.code(), "name-constraints", "tag {tag:#x}: {e}");
        // The same subject with an allowed domain passes.
        l.subject_der = Some(raw_name(&[
            ("2.5.4.6", 0x13, "JP"),
            ("1.2.840.113549.1.9.1", tag, "alice@good.example"),
        ]));
        verify_path(
            &l.cert(),
            &[constrained.cert()],
            &store_with(&root()),
            &ValidationOptions::new(t(AT)),
        )
        .unwrap();
    }
}

fn cms_by(signer: &CertSpec) -> Vec<u8> {
    CmsSpec::new(
        b"a document",
        signer.der(),
        signer.key,
        secs("2025-05-01T00:00:00Z"),
    )
    .der()
}

fn verify(p7s: &[u8], purpose: Purpose, o: &ValidationOptions<'_>) -> Result<(), Error> {
    verify_cms(
        p7s,
        None,
        &store_with(&root()),
        &[inter().cert()],
        o,
        purpose,
    )
    .map(|_| ())
}

/// (Issue item 5.) A critical (or any) extended key usage must allow document signing.
#[test]
fn extended_key_usage_must_allow_document_signing() {
    let o = ValidationOptions::new(t(AT));
    for (purposes, ok) in [
        (&["1.3.6.1.5.5.7.3.1"][..], false), // serverAuth
        (&["1.3.6.1.5.5.7.3.8"][..], false), // timeStamping
        (&["1.3.6.1.5.5.7.3.4"][..], true),  // emailProtection
        (&["2.5.29.37.0"][..], true),        // anyExtendedKeyUsage
        (&["1.3.6.1.5.5.7.3.36"][..], true), // documentSigning
    ] {
        let signer = leaf().ext(ext_key_usage(true, purposes));
        let r = verify(&cms_by(&signer), DOC, &o);
        assert_eq!(r.is_ok(), ok, "{purposes:?}: {r:?}");
        if !ok {
            assert_eq!(r.unwrap_err().code(), "key-usage");
        }
    }
    verify(&cms_by(&leaf()), DOC, &o).unwrap();
}

/// (Issue item 6.) A login certificate does not sign documents (unless the caller allows it).
#[test]
fn user_authentication_certificates_do_not_sign_documents() {
    let o = ValidationOptions::new(t(AT));
    let auth = leaf().ext(policies(true, &[AUTH_POLICY]));
    let e = verify(&cms_by(&auth), DOC, &o).unwrap_err();
    assert_eq!(e.code(), "certificate-kind");
    verify(
        &cms_by(&auth),
        Purpose::Document {
            allow_auth_cert: true,
        },
        &o,
    )
    .unwrap();
    let sign = leaf().ext(policies(true, &[SIGN_POLICY]));
    verify(&cms_by(&sign), DOC, &o).unwrap();
    // nonRepudiation alone makes a signature certificate (8).
    let nr = CertSpec::new(LEAF, INTER, 2, 1)
        .ext(key_usage(&[1]))
        .ext(policies(true, &[SIGN_POLICY]));
    verify(&cms_by(&nr), DOC, &o).unwrap();
    let ke = CertSpec::new(LEAF, INTER, 2, 1).ext(key_usage(&[2]));
    assert_eq!(
        verify(&cms_by(&ke), DOC, &o).unwrap_err().code(),
        "key-usage"
    );
}

/// (Issue item 7.) The signingTime is the signer's claim: a key compromise, or an invalidity date at
/// or before it, makes the revocation one before signing.
#[test]
fn compromise_and_invalidity_override_the_claimed_time() {
    let s = leaf_serial();
    let signed_at = "2025-05-01T00:00:00Z";
    let p7s = cms_by(&leaf());
    let run = |entry: Revoked, accept: bool| {
        let c = crl(7, "2025-05-30T00:00:00Z").entry(entry).der();
        let mut set = CrlSet::new();
        set.add_der(&c).unwrap();
        let mut r = RevocationOptions::new(&set);
        r.scope = RevocationScope::Leaf;
        r.accept_revoked_after_signing = accept;
        let mut o = ValidationOptions::new(t(AT));
        o.revocation = Some(r);
        verify_cms(&p7s, None, &store_with(&root()), &[inter().cert()], &o, DOC).map(|v| {
            assert_eq!(v.signing_time, Some(t(signed_at)));
            v.signer_status().cloned()
        })
    };
    // Revoked after the claimed time for a benign reason: after signing.
    let benign = revoked(s, "2025-05-20T00:00:00Z", Some(3));
    assert_eq!(
        run(benign.clone(), false).unwrap_err().code(),
        "revoked-after-signing"
    );
    assert!(matches!(
        run(benign, true).unwrap(),
        Some(CertStatus::RevokedAfterSigning { .. })
    ));
    // keyCompromise: the claimed time proves nothing.
    let compromised = revoked(s, "2025-05-20T00:00:00Z", Some(1));
    assert_eq!(run(compromised, true).unwrap_err().code(), "revoked");
    // invalidityDate before the claimed time.
    let invalid_before =
        revoked(s, "2025-05-20T00:00:00Z", Some(3)).ext(invalidity_date("2025-04-20T00:00:00Z"));
    match run(invalid_before, true).unwrap_err() {
        Error::Revoked { invalidity, .. } => {
            assert_eq!(invalidity, Some(t("2025-04-20T00:00:00Z")))
        }
        other => panic!("{other:?}"),
    }
    // invalidityDate after it: after signing, accepted when asked.
    let invalid_after =
        revoked(s, "2025-05-20T00:00:00Z", Some(3)).ext(invalidity_date("2025-05-10T00:00:00Z"));
    assert!(run(invalid_after, true).is_ok());
}

/// (Issue item 8.) Attributes RFC 5652 §11 allows once must appear once.
#[test]
fn repeated_single_attributes_are_refused() {
    let o = ValidationOptions::new(t(AT));
    let mut spec = CmsSpec::new(
        b"doc",
        leaf().der(),
        leaf().key,
        secs("2025-05-01T00:00:00Z"),
    );
    spec.signing_times.push(secs("2030-01-01T00:00:00Z"));
    let e = verify(&spec.der(), DOC, &o).unwrap_err();
    assert_eq!(e.code(), "cms", "{e}");
}

/// (Issue item 8.) BER outside the signed attributes (indefinite lengths, constructed eContent).
#[test]
fn ber_framing_is_accepted() {
    let o = ValidationOptions::new(t(AT));
    let mut spec = CmsSpec::new(
        b"streamed content, BER",
        leaf().der(),
        leaf().key,
        secs("2025-05-01T00:00:00Z"),
    );
    spec.ber = true;
    let der = spec.der();
    assert_eq!(der[1], 0x80, "indefinite length");
    let v = verify_cms(&der, None, &store_with(&root()), &[inter().cert()], &o, DOC).unwrap();
    assert_eq!(v.content_len, b"streamed content, BER".len());
    // Detached too.
    spec.detached = true;
    verify_cms(
        &spec.der(),
        Some(&Content::Bytes(b"streamed content, BER")),
        &store_with(&root()),
        &[inter().cert()],
        &o,
        DOC,
    )
    .unwrap();
}

/// (Issue item 8.) The signer is found among any number of certificates; junk in the set is
/// skipped; decoys cannot spend the budget the intermediates need.
#[test]
fn certificate_set_fidelity() {
    let o = ValidationOptions::new(t(AT));
    let mut spec = CmsSpec::new(
        b"doc",
        leaf().der(),
        leaf().key,
        secs("2025-05-01T00:00:00Z"),
    );
    // 40 other certificates first, then junk, then the signer's.
    let mut certs: Vec<Vec<u8>> = (0..40)
        .map(|i| {
            CertSpec::new(&format!("CN=other {i},O=JPKI-TEST,C=JP"), INTER, 3, 1)
                .serial(5000 + i)
                .der()
        })
        .collect();
    certs.push(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    certs.push(leaf().der());
    spec.certs = certs;
    verify(&spec.der(), DOC, &o).unwrap();
    // Decoys: 150 certificates named like the intermediate, without a key identifier
    // (so each is a candidate costing a signature check), none with its key.
    let mut decoys: Vec<Vec<u8>> = (0..150)
        .map(|i| {
            let mut d = CertSpec::ca(INTER, ROOT, 3, 0).serial(9000 + i);
            d.exts
                .retain(|e| !e.windows(3).any(|w| w == [0x55, 0x1d, 0x0e]));
            d.der()
        })
        .collect();
    decoys.push(inter().der());
    decoys.push(leaf().der());
    spec.certs = decoys;
    // From the message alone, the decoys spend the whole budget before the real
    // intermediate is reached …
    let e = verify_cms(&spec.der(), None, &store_with(&root()), &[], &o, DOC).unwrap_err();
    assert_eq!(e.code(), "budget-exceeded");
    // … but the caller's intermediates are tried first.
    verify(&spec.der(), DOC, &o).unwrap();
}
