//! Wycheproof vectors (tests/data/wycheproof, see SOURCE.txt there) against every
//! compiled backend: RSASSA-PKCS1-v1_5, RSASSA-PSS and ECDSA (P-256, P-384; DER).
//!
//! Verdicts: "valid" must verify, "invalid" must not. "acceptable" vectors (a DigestInfo
//! without its NULL in PKCS#1 v1.5, flag MissingNull; …) may go either way. PSS groups
//! whose hash inkan does not take (SHA-1, SHA-224) or whose MGF1 hash differs from the
//! message hash are counted as skipped: the table refuses those schemes as
//! unsupported-algorithm before any key is used (tested in `alg_table.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use inkan_verify::{Backend, HashAlg, Scheme, verify_message, verify_pkcs1v15};

fn vectors_dir() -> Option<PathBuf> {
    Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/wycheproof"))
}

fn hash(name: &str) -> Option<HashAlg> {
    match name {
        "SHA-256" => Some(HashAlg::Sha256),
        "SHA-384" => Some(HashAlg::Sha384),
        "SHA-512" => Some(HashAlg::Sha512),
        _ => None,
    }
}

fn read(name: &str) -> serde_json::Value {
    let f = vectors_dir().unwrap().join(name);
    serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap()
}

/// Counts of one file and backend.
#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    skipped: usize,
}

/// Runs every test of `groups` under `scheme_of(group)` (None: the group is skipped).
fn run_groups(
    file: &str,
    backend: Backend,
    scheme_of: impl Fn(&serde_json::Value) -> Option<Scheme>,
) -> Tally {
    let j = read(file);
    let mut t = Tally::default();
    for g in j["testGroups"].as_array().unwrap() {
        let tests = g["tests"].as_array().unwrap();
        let Some(scheme) = scheme_of(g) else {
            t.skipped += tests.len();
            continue;
        };
        let spki = hex::decode(g["publicKeyDer"].as_str().unwrap()).unwrap();
        for v in tests {
            let msg = hex::decode(v["msg"].as_str().unwrap()).unwrap();
            let sig = hex::decode(v["sig"].as_str().unwrap()).unwrap();
            let r = verify_message(backend, &spki, scheme, &msg, &sig, "test");
            let id = v["tcId"].as_u64().unwrap();
            match v["result"].as_str().unwrap() {
                "valid" => {
                    assert!(
                        r.is_ok(),
                        "{backend:?} {file} tcId {id}: valid rejected: {r:?}"
                    );
                    t.valid += 1;
                }
                "invalid" => {
                    assert!(r.is_err(), "{backend:?} {file} tcId {id}: invalid accepted");
                    t.invalid += 1;
                }
                _ => t.acceptable += 1,
            }
        }
    }
    println!("{backend:?} {file}: {t:?}");
    t
}

#[test]
fn wycheproof_ecdsa_all_backends() {
    for &backend in Backend::all() {
        for file in [
            "ecdsa_secp256r1_sha256_test.json",
            "ecdsa_secp384r1_sha256_test.json",
            "ecdsa_secp384r1_sha384_test.json",
        ] {
            let t = run_groups(file, backend, |g| {
                hash(g["sha"].as_str()?).map(Scheme::Ecdsa)
            });
            assert!(
                t.valid > 0 && t.invalid > 100 && t.skipped == 0,
                "{file}: {t:?}"
            );
        }
    }
}

#[test]
fn wycheproof_rsa_pss_all_backends() {
    let scheme = |g: &serde_json::Value| {
        let h = hash(g["sha"].as_str()?)?;
        if g["mgf"].as_str()? != "MGF1" || g["mgfSha"].as_str()? != g["sha"].as_str()? {
            return None;
        }
        Some(Scheme::RsaPss {
            hash: h,
            salt_len: usize::try_from(g["sLen"].as_u64()?).ok()?,
        })
    };
    for &backend in Backend::all() {
        let t = run_groups("rsa_pss_2048_sha256_mgf1_32_test.json", backend, scheme);
        assert!(t.valid > 0 && t.invalid > 0 && t.skipped == 0, "{t:?}");
        let t = run_groups("rsa_pss_misc_test.json", backend, scheme);
        // SHA-256/384/512 with the same MGF1 hash and salts 0, 20, 28, 32, 48, 64.
        assert!(t.valid >= 15 && t.skipped > 0, "{t:?}");
    }
}

#[test]
fn wycheproof_rsa_pkcs1v15_all_backends() {
    let Some(dir) = vectors_dir() else { return };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("rsa_signature_") && n.ends_with(".json")
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no rsa_signature_*.json in {}",
        dir.display()
    );
    for &backend in Backend::all() {
        let (mut valid, mut invalid, mut acceptable) = (0usize, 0usize, 0usize);
        for f in &files {
            let j: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            for g in j["testGroups"].as_array().unwrap() {
                let hash = match g["sha"].as_str().unwrap() {
                    "SHA-256" => HashAlg::Sha256,
                    "SHA-384" => HashAlg::Sha384,
                    "SHA-512" => HashAlg::Sha512,
                    other => panic!("unexpected hash {other}"),
                };
                let key = hex::decode(g["publicKeyAsn"].as_str().unwrap()).unwrap();
                for t in g["tests"].as_array().unwrap() {
                    let msg = hex::decode(t["msg"].as_str().unwrap()).unwrap();
                    let sig = hex::decode(t["sig"].as_str().unwrap()).unwrap();
                    let ok = verify_pkcs1v15(backend, &key, hash, &msg, &sig, "test").is_ok();
                    let id = t["tcId"].as_u64().unwrap();
                    match t["result"].as_str().unwrap() {
                        "valid" => {
                            assert!(ok, "{backend:?} {} tcId {id}: valid rejected", f.display());
                            valid += 1;
                        }
                        "invalid" => {
                            assert!(
                                !ok,
                                "{backend:?} {} tcId {id}: invalid accepted",
                                f.display()
                            );
                            invalid += 1;
                        }
                        _ => acceptable += 1,
                    }
                }
            }
        }
        println!("{backend:?}: {valid} valid, {invalid} invalid, {acceptable} acceptable");
        assert!(valid > 0 && invalid > 0);
    }
}
