//! CMS verifications per second, per RSA backend (run by `just bench-verify`).
//!
//! Setup, outside the timed loop: the software card signs a document (CAdES-BES, as
//! `inkan card sign --format cms` does), the trust store holds the three test root
//! generations, and a CRL of the issuing root with `--crl-entries` revoked serials is
//! parsed and indexed once ("chain cached": anchors, CRL and options are reused).
//! Each timed iteration is a full `verify_cms`: CMS parsing, message digest, the signer's
//! signature, path building and validation to the root (one RSA verification), and the
//! CRL check (CRL signature, one RSA verification, and the serial lookup): three RSA
//! public-key operations per CMS. The raw RSA-2048 PKCS#1 v1.5 verify rate of each
//! backend is measured too, to compare with `openssl speed rsa2048`.
//!
//! Then the same CMS through a long-lived [`Verifier`] (anchors, CRL and options loaded
//! once, the validated path remembered per certificate): after the first verification
//! one RSA operation per CMS, the signer's.
//!
//! Output, one line per backend:
//! `backend=<name> cms_verify_per_s=<n> verifier_cms_per_s=<n> rsa2048_verify_per_s=<n> rsa_ops_per_cms=3`.
//! Options: `--seconds S` per measurement (default 3), `--crl-entries N` (default 10000).
//!
//! With `--p384 DIR` (a P-384 root `root.der` and a CMS `sig.p7s` signed with SHA-384 by a
//! P-384 leaf it issued, as `just bench-verify` makes them with OpenSSL: the shape of the
//! next-generation card's signatures), one more line per backend:
//! `p384 backend=<name> cms_verify_per_s=<n> verifier_cms_per_s=<n>` — no CRL there (two
//! ECDSA verifications per CMS, one through the Verifier).
//! No assertion on timing anywhere.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::{Duration, Instant};

use inkan_card::{LastTry, MyNumberCard, SignPin};
use inkan_signer::sign_document;
use inkan_sim::{InitOptions, SimTransport, SoftCard};
use inkan_testpki::jpki::{CrlOptions, RevokedEntry, build_crl, utc};
use inkan_verify::{
    Backend, Cert, CrlSet, HashAlg, RevocationOptions, TrustStore, UnixTime, ValidationOptions,
    Verifier, verify_cms, verify_pkcs1v15,
};

fn arg_str(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// The ECDSA P-384 figures for the CMS in `dir` (see the module documentation).
fn p384(dir: &std::path::Path, secs: u64) {
    let root = std::fs::read(dir.join("root.der")).unwrap();
    let p7s = std::fs::read(dir.join("sig.p7s")).unwrap();
    let mut store = TrustStore::new();
    store.add_explicit(&root).unwrap();
    let purpose = inkan_verify::Purpose::Document {
        allow_auth_cert: false,
    };
    let now = UnixTime::from_secs(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    );
    for &backend in Backend::all() {
        let mut o = ValidationOptions::new(now);
        o.backend = backend;
        let v = verify_cms(&p7s, None, &store, &[], &o, purpose).unwrap();
        assert_eq!(v.digest, HashAlg::Sha384);
        let cms_rate = rate(secs, || {
            assert!(verify_cms(&p7s, None, &store, &[], &o, purpose).is_ok());
        });
        let verifier = Verifier::new(store.clone(), Vec::new(), CrlSet::new(), o.clone());
        verifier.verify_cms(&p7s, None, o.at, purpose).unwrap();
        let verifier_rate = rate(secs, || {
            assert!(verifier.verify_cms(&p7s, None, o.at, purpose).is_ok());
        });
        println!(
            "p384 backend={} cms_verify_per_s={cms_rate:.0} verifier_cms_per_s={verifier_rate:.0}",
            backend_name(backend)
        );
    }
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `f` repeatedly for `secs` seconds; returns calls per second.
fn rate(secs: u64, mut f: impl FnMut()) -> f64 {
    // Warm-up.
    for _ in 0..10 {
        f();
    }
    let budget = Duration::from_secs(secs);
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < budget {
        for _ in 0..16 {
            f();
        }
        n += 16;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn backend_name(b: Backend) -> &'static str {
    if b == Backend::default() {
        "rustcrypto"
    } else {
        "aws-lc"
    }
}

fn main() {
    let secs = arg("--seconds", 3);
    let entries = arg("--crl-entries", 10_000);

    let (soft, pki) = SoftCard::generate_with_pki(&InitOptions::default()).unwrap();
    let mut card = pollster::block_on(MyNumberCard::connect(SimTransport::new(soft))).unwrap();
    let doc = vec![0x42u8; 16 * 1024];
    // 2024-04-10T09:00:00Z, inside the CRL window below.
    let p7s = pollster::block_on(sign_document(
        &mut card,
        &SignPin::new("ABC123").unwrap(),
        &doc,
        false,
        1_712_739_600,
        LastTry::Refuse,
        &mut |_| {},
    ))
    .unwrap();

    let mut store = TrustStore::new();
    for r in &pki.sign_roots {
        store.add_explicit(r.cert_der()).unwrap();
    }
    // The card's certificate comes from the newest root valid at issuance (2024).
    let root = pki.sign_roots.last().unwrap();
    let revoked: Vec<RevokedEntry> = (0..entries)
        .map(|i| RevokedEntry {
            serial: [&[0x7f][..], &i.to_be_bytes()].concat(),
            revoked_at: utc(2024, 3, 1, 0, 0, 0).unwrap(),
            reason: None,
        })
        .collect();
    let crl = build_crl(
        root,
        &revoked,
        utc(2024, 4, 1, 0, 0, 0).unwrap(),
        utc(2024, 5, 1, 0, 0, 0).unwrap(),
        7,
        &CrlOptions::default(),
    )
    .unwrap();
    let mut crls = CrlSet::new();
    crls.add_der(&crl).unwrap();

    let root_cert = Cert::from_der(root.cert_der()).unwrap();
    let key = inkan_verify::alg::rsa_key_from_spki(root_cert.spki_der()).unwrap();
    let msg = b"openssl speed signs and verifies a 36-byte digest; any message will do";
    let sig = root.sign(msg).unwrap();

    println!(
        "# CMS: {} bytes, attached {} KiB document; CRL: {entries} entries; {secs} s per figure",
        p7s.len(),
        doc.len() / 1024
    );
    for &backend in Backend::all() {
        let mut o =
            ValidationOptions::new(UnixTime::parse_rfc3339("2024-04-15T00:00:00Z").unwrap());
        o.backend = backend;
        o.revocation = Some(RevocationOptions::new(&crls));
        // Must verify, with the CRL checked, before it is timed.
        let v = verify_cms(
            &p7s,
            None,
            &store,
            &[],
            &o,
            inkan_verify::Purpose::Document {
                allow_auth_cert: false,
            },
        )
        .unwrap();
        assert!(
            matches!(
                v.signer_status(),
                Some(inkan_verify::CertStatus::Good { .. })
            ),
            "the CRL must be checked"
        );
        verify_pkcs1v15(backend, &key, HashAlg::Sha256, msg, &sig, "bench").unwrap();

        let cms_rate = rate(secs, || {
            let r = verify_cms(
                &p7s,
                None,
                &store,
                &[],
                &o,
                inkan_verify::Purpose::Document {
                    allow_auth_cert: false,
                },
            );
            assert!(r.is_ok());
        });
        // The same CMS through a long-lived Verifier: the path (and so the certificate's
        // signature and the CRL lookup) is remembered after the first verification.
        let verifier = Verifier::new(store.clone(), Vec::new(), crls.clone(), o.clone());
        let doc_purpose = inkan_verify::Purpose::Document {
            allow_auth_cert: false,
        };
        let v = verifier.verify_cms(&p7s, None, o.at, doc_purpose).unwrap();
        assert!(matches!(
            v.signer_status(),
            Some(inkan_verify::CertStatus::Good { .. })
        ));
        assert_eq!(verifier.cached_paths(), 1);
        let verifier_rate = rate(secs, || {
            let r = verifier.verify_cms(&p7s, None, o.at, doc_purpose);
            assert!(r.is_ok());
        });
        let rsa_rate = rate(secs, || {
            let r = verify_pkcs1v15(backend, &key, HashAlg::Sha256, msg, &sig, "bench");
            assert!(r.is_ok());
        });
        println!(
            "backend={} cms_verify_per_s={:.0} verifier_cms_per_s={:.0} rsa2048_verify_per_s={:.0} rsa_ops_per_cms=3",
            backend_name(backend),
            cms_rate,
            verifier_rate,
            rsa_rate
        );
    }
    if let Some(dir) = arg_str("--p384") {
        p384(std::path::Path::new(&dir), secs);
    }
}
