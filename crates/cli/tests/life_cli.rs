//! The holder's life through the CLI: sign, verify, an event, `crl fetch` from
//! `inkan sim pki serve`, verify again — for every event of `inkan sim event`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn pki_serve(card: &SimCard) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_inkan"))
        .args([
            "sim",
            "pki",
            "serve",
            s(&card.dir),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().strip_prefix("serving ").unwrap().to_owned();
    (Server(child), url)
}

fn rfc3339(secs: u64) -> String {
    inkan_verify::UnixTime::from_secs(secs).to_string()
}

struct Life {
    card: SimCard,
    t0: u64,
    config: PathBuf,
    store: PathBuf,
    _server: Server,
}

impl Life {
    fn event(&self, kind: &str, offset: u64, extra: &[&str]) -> Run {
        let at = rfc3339(self.t0 + offset);
        let mut a = vec![
            "sim",
            "event",
            s(&self.card.dir),
            kind,
            "--at",
            &at,
            "--json",
        ];
        a.extend_from_slice(extra);
        inkan(&a, &[])
    }

    fn ok_event(&self, kind: &str, offset: u64, extra: &[&str]) -> Value {
        let r = self.event(kind, offset, extra);
        assert_eq!(r.code, 0, "{kind}: {}{}", r.stdout, r.stderr);
        let j = r.json();
        // Then the relying party fetches what the PKI now publishes.
        let at = rfc3339(self.t0 + offset + 60);
        let f = inkan(
            &[
                "crl",
                "fetch",
                "--json",
                "--config",
                s(&self.config),
                "--at",
                &at,
            ],
            &[],
        );
        assert_eq!(f.code, 0, "fetch after {kind}: {}{}", f.stdout, f.stderr);
        for src in f.json()["sources"].as_array().unwrap() {
            assert_eq!(src["status"], "updated", "{src}");
        }
        j
    }

    fn pki(&self, name: &str) -> PathBuf {
        self.card.dir.join("pki").join(name)
    }

    fn verify(&self, what: &[&str], offset: u64) -> Run {
        let at = rfc3339(self.t0 + offset);
        let mut a = vec!["verify"];
        a.extend_from_slice(what);
        a.extend_from_slice(&["--json", "--crl-store", s(&self.store), "--at", &at]);
        inkan(&a, &[])
    }

    fn cms(&self, p7s: &Path, offset: u64) -> Run {
        let pki = self.card.dir.join("pki");
        self.verify(
            &["cms", "--signature", s(p7s), "--trust-anchors", s(&pki)],
            offset,
        )
    }

    fn chain(&self, cert: &Path, root: &str, offset: u64) -> Run {
        let root = self.pki(root);
        self.verify(&["chain", "--trust-anchor", s(&root), s(cert)], offset)
    }
}

fn code_of(r: &Run) -> String {
    let j = r.json();
    if j["valid"] == true {
        assert_eq!(r.code, 0, "{}", r.stdout);
        "valid".to_owned()
    } else {
        j["error"]["code"].as_str().unwrap_or("?").to_owned()
    }
}

fn reason_of(r: &Run) -> String {
    r.json()["error"]["reason"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn life() -> Life {
    let card = sim_card(&[]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (server, url) = pki_serve(&card);
    let store = card.path("store");
    let config = card.path("fetch.json");
    let pki = card.dir.join("pki");
    let sources: Vec<Value> = [
        ("sign.crl", "sign-root-gen3.pem"),
        ("sign-delta.crl", "sign-root-gen3.pem"),
        ("auth.crl", "auth-root-gen3.pem"),
        ("auth-delta.crl", "auth-root-gen3.pem"),
    ]
    .iter()
    .map(|(crl, ca)| serde_json::json!({"url": format!("{url}{crl}"), "ca": s(&pki.join(ca))}))
    .collect();
    std::fs::write(
        &config,
        serde_json::json!({"store": s(&store), "sources": sources}).to_string(),
    )
    .unwrap();
    let l = Life {
        card,
        t0: now - 3600,
        config,
        store,
        _server: server,
    };
    // Fresh CRLs before anything happens (the card's first ones are from its issuance).
    l.ok_event("publish", 0, &[]);
    l
}

#[test]
fn moving_house_revokes_the_signature_certificate_only() {
    let l = life();
    let doc = l.card.path("doc.txt");
    std::fs::write(&doc, b"before the move\n").unwrap();
    let p7s = l.card.path("doc.p7s");
    let r = l.card.card(
        "sign",
        &["--in", s(&doc), "--out", s(&p7s), "--format", "cms"],
        Some("ABC123"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let auth = l.card.dir.join("auth-cert.der");
    let old_sign = l.card.path("old-sign.der");
    std::fs::copy(l.card.dir.join("sign-cert.der"), &old_sign).unwrap();
    // Signed an hour after t0 (now); verified 2 hours after the move.
    assert_eq!(code_of(&l.cms(&p7s, 3600 + 60)), "valid");

    let j = l.ok_event(
        "personal-info-changed",
        2 * 3600,
        &["--address", "大阪府大阪市北区中之島一丁目三番二十号"],
    );
    assert_eq!(j["card_fields"], serde_json::json!(["address"]));
    assert_eq!(j["revoked"][0]["certificate"], "sign");
    assert_eq!(j["revoked"][0]["reason"], "affiliationChanged");
    assert_eq!(j["has_sign_cert"], false);
    assert!(!l.card.dir.join("sign-cert.der").exists());
    // The card's basic 4 info says the new address.
    let r = l.card.card("info", &[], Some("1234"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("大阪府大阪市北区"), "{}", r.stdout);

    // The signature made before the move: revoked after signing, affiliationChanged.
    let r = l.cms(&p7s, 3 * 3600);
    assert_eq!(code_of(&r), "revoked-after-signing");
    assert_eq!(reason_of(&r), "affiliationChanged");
    // The certificate itself: revoked.
    let r = l.chain(&old_sign, "sign-root-gen3.pem", 3 * 3600);
    assert_eq!(code_of(&r), "revoked");
    assert_eq!(reason_of(&r), "affiliationChanged");
    // Judged at a time before the move, with today's CRL: valid.
    let r = l.cms(&p7s, 3600 + 60);
    assert_eq!(code_of(&r), "valid", "{}", r.stdout);
    // The user-authentication certificate is untouched.
    assert_eq!(
        code_of(&l.chain(&auth, "auth-root-gen3.pem", 3 * 3600)),
        "valid"
    );
    // Without a signature certificate the card cannot sign documents.
    let r = l.card.card(
        "sign",
        &["--in", s(&doc), "--out", s(&p7s), "--format", "cms"],
        Some("ABC123"),
    );
    assert_eq!(r.json()["error"]["code"], "no-signature-certificate");

    // Reissue: a new certificate with the new address, valid.
    let j = l.ok_event("reissue-sign", 4 * 3600, &[]);
    let serial = j["issued_sign_cert"].as_str().unwrap().to_owned();
    let new_sign = l.card.dir.join("sign-cert.der");
    assert_eq!(
        code_of(&l.chain(&new_sign, "sign-root-gen3.pem", 5 * 3600)),
        "valid"
    );
    assert_eq!(serial.len(), 16);
    assert_ne!(
        std::fs::read(&new_sign).unwrap(),
        std::fs::read(&old_sign).unwrap()
    );
    // Twice is refused, nothing written.
    let r = l.event("reissue-sign", 5 * 3600, &[]);
    assert_eq!(r.code, 12);
    assert_eq!(r.json()["error"]["code"], "sign-cert-present");
}

#[test]
fn lost_suspends_both_and_found_releases_them() {
    let l = life();
    let auth = l.card.dir.join("auth-cert.der");
    let sign = l.card.dir.join("sign-cert.der");
    let j = l.ok_event("lost", 3600, &[]);
    assert_eq!(j["revoked"].as_array().unwrap().len(), 2);
    for c in [(&auth, "auth-root-gen3.pem"), (&sign, "sign-root-gen3.pem")] {
        let r = l.chain(c.0, c.1, 2 * 3600);
        assert_eq!(code_of(&r), "revoked");
        assert_eq!(reason_of(&r), "certificateHold");
        // Before the loss: good (the entry is dated later).
        assert_eq!(code_of(&l.chain(c.0, c.1, 1800)), "valid");
    }
    // An event in the past, and found twice, are refused.
    let r = l.event("found", 60, &[]);
    assert_eq!(
        (r.code, r.json()["error"]["code"].clone()),
        (12, "event-in-the-past".into())
    );
    let r = l.event("personal-info-changed", 2 * 3600, &["--name", "試験 次郎"]);
    assert_eq!(r.json()["error"]["code"], "card-lost");

    let j = l.ok_event("found", 3 * 3600, &[]);
    assert_eq!(j["released"].as_array().unwrap().len(), 2);
    assert_eq!(j["released"][0]["reason"], "removeFromCRL");
    // The delta lists the releases; the complete CRL no longer lists anything.
    let delta = j["crls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["file"] == "auth-delta.crl")
        .unwrap()
        .clone();
    assert_eq!(delta["entries"], 1);
    for c in [(&auth, "auth-root-gen3.pem"), (&sign, "sign-root-gen3.pem")] {
        assert_eq!(code_of(&l.chain(c.0, c.1, 4 * 3600)), "valid");
    }
    let r = l.event("found", 4 * 3600, &[]);
    assert_eq!(r.json()["error"]["code"], "card-not-lost");
}

#[test]
fn the_period_of_stay_renewed_then_ended() {
    let l = life();
    let auth = l.card.dir.join("auth-cert.der");
    let j = l.ok_event("renew-stay", 3600, &["--until", "2031-06-15"]);
    assert_eq!(j["card_expiry"], "20310615");
    assert_eq!(j["card_fields"], serde_json::json!(["card_expiry"]));
    let r = l.event("renew-stay", 3600, &["--until", "2030-01-01"]);
    assert_eq!(r.json()["error"]["code"], "stay-not-later");
    let j = l.ok_event("expire", 2 * 3600, &[]);
    assert_eq!(j["expired"], true);
    assert_eq!(j["revoked"][0]["reason"], "cessationOfOperation");
    let r = l.chain(&auth, "auth-root-gen3.pem", 3 * 3600);
    assert_eq!(code_of(&r), "revoked");
    assert_eq!(reason_of(&r), "cessationOfOperation");
    let r = l.event("publish", 3 * 3600, &[]);
    assert_eq!(
        (r.code, r.json()["error"]["code"].clone()),
        (12, "card-expired".into())
    );
}

#[test]
fn nothing_new_is_not_modified() {
    let l = life();
    // No event since the last fetch: every source answers 304.
    let at = rfc3339(l.t0 + 120);
    let f = inkan(
        &[
            "crl",
            "fetch",
            "--json",
            "--config",
            s(&l.config),
            "--at",
            &at,
        ],
        &[],
    );
    assert_eq!(f.code, 0, "{}{}", f.stdout, f.stderr);
    for src in f.json()["sources"].as_array().unwrap() {
        assert_eq!(src["status"], "not-modified", "{src}");
    }
}
