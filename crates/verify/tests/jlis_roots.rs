//! The real J-LIS roots in ../shared/vectors/jpki-ca load and match their pins.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use inkan_verify::{AnchorSource, TrustStore};

fn dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/jpki-ca");
    if d.is_dir() {
        Some(d)
    } else {
        println!("SKIP: J-LIS root vectors not found at {}", d.display());
        None
    }
}

#[test]
fn real_roots_match_pins() {
    let Some(d) = dir() else { return };
    let mut store = TrustStore::new();
    let n = store.load_pinned(std::slice::from_ref(&d)).unwrap();
    assert_eq!(n, 4);
    assert_eq!(store.len(), 4);
    for a in store.anchors() {
        assert!(matches!(a.source, AnchorSource::Pinned(_)));
        assert!(a.cert.is_self_issued());
        assert!(a.cert.is_ca());
        // Self-signed: the root's own key verifies it.
        println!(
            "{} serial {} {}",
            a.cert.subject(),
            a.cert.serial_hex(),
            a.cert.not_after()
        );
    }
    // Same subject, different keys for two generations of one hierarchy.
    let sign: Vec<_> = store
        .anchors()
        .iter()
        .filter(|a| a.cert.subject().to_string().contains("digital signature"))
        .collect();
    assert_eq!(sign.len(), 2);
    assert_ne!(sign[0].cert.spki_der(), sign[1].cert.spki_der());
}

#[test]
fn unpinned_root_is_refused_but_explicit_is_accepted() {
    let Some(d) = dir() else { return };
    let der = inkan_verify::fs::load_certificates(&[d.join("sign_ca_2023.pem")]).unwrap();
    let mut tampered = der[0].clone();
    // Flip a bit inside the signature: same structure, different fingerprint.
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let mut store = TrustStore::new();
    let err = store.add_pinned(&tampered).unwrap_err();
    assert_eq!(err.code(), "untrusted-root");
    store.add_explicit(&tampered).unwrap();
    assert_eq!(store.anchors()[0].source, AnchorSource::Explicit);
}
