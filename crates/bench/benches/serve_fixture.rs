//! Fixtures for `just bench-serve` (not a timed benchmark): the software card's test
//! roots, a CMS it signed (CAdES-BES over a 16 KiB document, as `inkan card sign
//! --format cms` makes it), the JSON body of a `POST /v1/documents/verify` for it, and
//! fresh CRLs of every root (valid from an hour ago to tomorrow) with `--crl-entries N`
//! revoked serials each (default 10000).
//!
//! Usage: `cargo bench -p inkan-bench --bench serve_fixture -- --out DIR [--crl-entries N]`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use inkan_card::{LastTry, MyNumberCard, SignPin};
use inkan_signer::sign_document;
use inkan_sim::{InitOptions, SimTransport, SoftCard};
use inkan_testpki::jpki::{CrlOptions, RevokedEntry, build_crl};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() {
    let Some(out) = arg("--out").map(PathBuf::from) else {
        // `cargo bench` without arguments runs every bench: nothing to do here.
        println!("serve_fixture: pass --out DIR");
        return;
    };
    let entries: u32 = arg("--crl-entries")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    std::fs::create_dir_all(out.join("roots")).unwrap();
    std::fs::create_dir_all(out.join("crls")).unwrap();

    let (soft, pki) = SoftCard::generate_with_pki(&InitOptions::default()).unwrap();
    for (i, root) in pki.sign_roots.iter().chain(&pki.auth_roots).enumerate() {
        std::fs::write(
            out.join(format!("roots/root{i}.pem")),
            root.cert_pem().unwrap(),
        )
        .unwrap();
    }
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t = |s: u64| der::DateTime::from_unix_duration(Duration::from_secs(s)).unwrap();
    let mut card = pollster::block_on(MyNumberCard::connect(SimTransport::new(soft))).unwrap();
    let doc = vec![0x42u8; 16 * 1024];
    let p7s = pollster::block_on(sign_document(
        &mut card,
        &SignPin::new("ABC123").unwrap(),
        &doc,
        false,
        now - 60,
        LastTry::Refuse,
        &mut |_| {},
    ))
    .unwrap();
    std::fs::write(out.join("doc.p7s"), &p7s).unwrap();
    let b64 = <base64ct::Base64 as base64ct::Encoding>::encode_string(&p7s);
    std::fs::write(
        out.join("body.json"),
        format!("{{\"format\":\"cms\",\"signature\":\"{b64}\"}}"),
    )
    .unwrap();
    let revoked: Vec<RevokedEntry> = (0..entries)
        .map(|i| RevokedEntry {
            serial: [&[0x7f][..], &i.to_be_bytes()].concat(),
            revoked_at: t(now - 7200),
            reason: None,
        })
        .collect();
    for (i, root) in pki.sign_roots.iter().chain(&pki.auth_roots).enumerate() {
        let crl = build_crl(
            root,
            &revoked,
            t(now - 3600),
            t(now + 86400),
            1,
            &CrlOptions::default(),
        )
        .unwrap();
        std::fs::write(out.join(format!("crls/root{i}.crl")), crl).unwrap();
    }
    println!(
        "serve_fixture: {} (CMS {} bytes, {} CRLs of {entries} entries)",
        out.display(),
        p7s.len(),
        pki.sign_roots.len() + pki.auth_roots.len()
    );
}
