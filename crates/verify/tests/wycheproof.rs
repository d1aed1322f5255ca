//! Wycheproof RSASSA-PKCS1-v1_5 vectors against every compiled backend.
//!
//! Verdicts: "valid" must verify, "invalid" must not. The only "acceptable" vectors in
//! the 2048/3072-bit files are tcId 8, a DigestInfo without the NULL parameters
//! (flag MissingNull); either outcome is accepted for them (both backends reject them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use inkan_verify::{Backend, HashAlg, verify_pkcs1v15};

fn vectors_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/wycheproof");
    if d.is_dir() {
        Some(d)
    } else {
        println!("SKIP: Wycheproof vectors not found at {}", d.display());
        None
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
