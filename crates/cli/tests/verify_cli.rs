//! `inkan verify chain|cms|login` and `inkan card sign --format cms`, end to end with the
//! software card, its test PKI and OpenSSL in both directions.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// Inside the software card's CRL window (thisUpdate 2024-04-01, nextUpdate +30 days).
const AT: &str = "2024-04-15T00:00:00Z";
const INVALID: i32 = 10;

fn write(p: &Path, data: &[u8]) {
    std::fs::write(p, data).unwrap();
}

fn pki(card: &SimCard, name: &str) -> PathBuf {
    card.dir.join("pki").join(name)
}

/// A software card made through the library, with a revoked signature certificate.
fn revoked_card() -> SimCard {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("card");
    inkan_sim::init(
        &dir,
        &inkan_sim::InitOptions {
            revoke_sign_cert: true,
            ..Default::default()
        },
    )
    .unwrap();
    SimCard {
        reader: format!("sim:{}", s(&dir)),
        dir,
        tmp,
    }
}

fn sign_cms(card: &SimCard, input: &Path, out: &Path, detached: bool) {
    let mut args = vec!["--in", s(input), "--out", s(out), "--format", "cms"];
    if detached {
        args.push("--detached");
    }
    let r = card.card("sign", &args, Some("ABC123"));
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["format"], "cms");
    assert_eq!(j["detached"], detached);
}

fn verify_cms(card: &SimCard, p7s: &Path, content: Option<&Path>, extra: &[&str]) -> Run {
    let pki_dir = card.dir.join("pki");
    let mut a = vec![
        "verify",
        "cms",
        "--json",
        "--signature",
        s(p7s),
        "--trust-anchors",
        s(&pki_dir),
    ];
    if let Some(c) = content {
        a.extend_from_slice(&["--content", s(c)]);
    }
    a.extend_from_slice(extra);
    inkan(&a, &[])
}

fn sign_crl(card: &SimCard) -> String {
    s(&pki(card, "sign.crl")).to_owned()
}

fn assert_invalid(r: &Run, code: &str) -> Value {
    assert_eq!(r.code, INVALID, "{} {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["valid"], false, "{j}");
    assert_eq!(j["error"]["code"], code, "{j}");
    assert!(
        j["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    j
}

fn assert_valid(r: &Run) -> Value {
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["valid"], true, "{j}");
    assert!(j.get("error").is_none());
    j
}

/// All sign roots of the card in one PEM file, for OpenSSL's -CAfile.
fn sign_roots_pem(card: &SimCard) -> PathBuf {
    let mut all = String::new();
    for g in 1..=3 {
        all.push_str(
            &std::fs::read_to_string(pki(card, &format!("sign-root-gen{g}.pem"))).unwrap(),
        );
    }
    let p = card.path("sign-roots.pem");
    write(&p, all.as_bytes());
    p
}

#[test]
fn card_sign_cms_verifies_with_openssl_and_inkan() {
    let card = sim_card(&[]);
    let doc = card.path("contract.txt");
    write(&doc, b"I agree to the terms.\n");
    let attached = card.path("contract.p7s");
    let detached = card.path("contract-detached.p7s");
    sign_cms(&card, &doc, &attached, false);
    sign_cms(&card, &doc, &detached, true);

    if have_openssl() {
        let roots = sign_roots_pem(&card);
        let out = card.path("openssl-out.txt");
        let (ok, msg) = openssl(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            s(&attached),
            "-CAfile",
            s(&roots),
            "-purpose",
            "any",
            "-out",
            s(&out),
        ]);
        assert!(ok, "openssl cms -verify (attached): {msg}");
        assert_eq!(std::fs::read(&out).unwrap(), b"I agree to the terms.\n");
        let (ok, msg) = openssl(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            s(&detached),
            "-content",
            s(&doc),
            "-CAfile",
            s(&roots),
            "-purpose",
            "any",
            "-out",
            s(&out),
        ]);
        assert!(ok, "openssl cms -verify (detached): {msg}");
        // OpenSSL sees the CAdES signing-certificate-v2 attribute.
        let (ok, msg) = openssl(&[
            "cms",
            "-cmsout",
            "-print",
            "-inform",
            "DER",
            "-in",
            s(&attached),
        ]);
        assert!(ok, "{msg}");
        assert!(msg.contains("id-smime-aa-signingCertificateV2"), "{msg}");
        assert!(msg.contains("signingTime"), "{msg}");
    }

    let crl = sign_crl(&card);
    for (p7s, content) in [(&attached, None), (&detached, Some(doc.as_path()))] {
        let j = assert_valid(&verify_cms(
            &card,
            p7s,
            content,
            &["--crl", &crl, "--at", AT],
        ));
        assert_eq!(j["kind"], "signature");
        assert_eq!(j["identity"]["name"], "試験 花子");
        assert_eq!(
            j["identity"]["address"],
            "東京都千代田区霞が関二丁目一番二号"
        );
        assert_eq!(j["identity"]["birth_date"], "1985-06-15");
        assert_eq!(j["identity"]["birth_date_era_digit"], 3);
        assert_eq!(j["identity"]["sex"], "female");
        assert_eq!(j["identity"]["sex_code"], "2");
        assert_eq!(j["revocation"]["status"], "good");
        assert_eq!(j["detached"], content.is_some());
        assert_eq!(j["content_length"], 22);
        assert!(j["signing_time"].as_str().unwrap().ends_with('Z'));
        assert_eq!(j["anchor"]["source"], "explicit");
    }

    // --at in another zone and with a fraction of a second is the same instant.
    let same = assert_valid(&verify_cms(
        &card,
        &attached,
        None,
        &["--crl", &crl, "--at", "2024-04-15T09:00:00.250+09:00"],
    ));
    assert_eq!(same["revocation"]["status"], "good");
    let r = verify_cms(&card, &attached, None, &["--at", "2024-04-15 00:00:00"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout.contains("RFC 3339") || r.stderr.contains("RFC 3339"),
        "{} {}",
        r.stdout,
        r.stderr
    );

    // Human output.
    let r = inkan(
        &[
            "verify",
            "cms",
            "--signature",
            s(&attached),
            "--trust-anchors",
            s(&card.dir.join("pki")),
            "--crl",
            &crl,
            "--at",
            AT,
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("VALID signature by 試験 花子"),
        "{}",
        r.stdout
    );

    // Tampered content, attached and detached.
    let mut t = std::fs::read(&attached).unwrap();
    let pos = t.windows(5).position(|w| w == b"agree").unwrap();
    t[pos] = b'A';
    let tampered = card.path("tampered.p7s");
    write(&tampered, &t);
    assert_invalid(
        &verify_cms(&card, &tampered, None, &["--at", AT]),
        "digest-mismatch",
    );
    let other = card.path("other.txt");
    write(&other, b"I do not agree.\n");
    assert_invalid(
        &verify_cms(&card, &detached, Some(&other), &["--at", AT]),
        "digest-mismatch",
    );
    let r = inkan(
        &[
            "verify",
            "cms",
            "--signature",
            s(&tampered),
            "--trust-anchors",
            s(&card.dir.join("pki")),
            "--at",
            AT,
        ],
        &[],
    );
    assert_eq!(r.code, INVALID);
    assert!(r.stdout.starts_with("INVALID"), "{}", r.stdout);
    // A detached signature without its content.
    assert_invalid(&verify_cms(&card, &detached, None, &["--at", AT]), "cms");
    // Only the auth roots: no path.
    let r = inkan(
        &[
            "verify",
            "cms",
            "--json",
            "--signature",
            s(&attached),
            "--trust-anchors",
            s(&pki(&card, "auth-root-gen3.pem")),
            "--at",
            AT,
        ],
        &[],
    );
    assert_invalid(&r, "unknown-issuer");
    // Only the published J-LIS roots are pinned: the test roots are refused.
    assert_invalid(
        &verify_cms(&card, &attached, None, &["--at", AT, "--pinned-only"]),
        "untrusted-root",
    );
    // After the certificate's notAfter.
    assert_invalid(
        &verify_cms(&card, &attached, None, &["--at", "2030-01-01T00:00:00Z"]),
        "expired",
    );
    // Stale CRL: revocation cannot be decided.
    assert_invalid(
        &verify_cms(
            &card,
            &attached,
            None,
            &["--crl", &crl, "--at", "2025-01-01T00:00:00Z"],
        ),
        "revocation-unknown",
    );
}

#[test]
fn revoked_signature_certificate_reports_affiliation_changed() {
    let card = revoked_card();
    let doc = card.path("doc.txt");
    write(&doc, b"moved house\n");
    let p7s = card.path("doc.p7s");
    sign_cms(&card, &doc, &p7s, false);
    let crl = sign_crl(&card);
    let j = assert_invalid(
        &verify_cms(&card, &p7s, None, &["--crl", &crl, "--at", AT]),
        "revoked",
    );
    assert_eq!(j["error"]["reason"], "affiliationChanged");
    assert_eq!(j["error"]["depth"], 0);
    assert_eq!(j["error"]["revoked_at"], "2024-04-01T00:00:00Z");
    // Without CRLs the revocation is not checked, and the output says so.
    let j = assert_valid(&verify_cms(&card, &p7s, None, &["--at", AT]));
    assert_eq!(j["revocation"]["status"], "not-checked");
    // The chain command sees the same.
    let cert = card.dir.join("sign-cert.der");
    let r = inkan(
        &[
            "verify",
            "chain",
            "--json",
            "--trust-anchor",
            s(&pki(&card, "sign-root-gen3.pem")),
            "--crl",
            &crl,
            "--at",
            AT,
            s(&cert),
        ],
        &[],
    );
    let j = assert_invalid(&r, "revoked");
    assert_eq!(j["error"]["reason"], "affiliationChanged");
}

/// CMS made by `openssl cms -sign` with the software card's key verifies with inkan.
#[test]
fn openssl_made_cms_verifies() {
    if !have_openssl() {
        return;
    }
    let card = sim_card(&[]);
    let doc = card.path("doc.txt");
    write(&doc, b"signed by OpenSSL\n");
    let cert_pem = card.path("sign-cert.pem");
    let (ok, msg) = openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        s(&card.dir.join("sign-cert.der")),
        "-out",
        s(&cert_pem),
    ]);
    assert!(ok, "{msg}");
    let key = card.dir.join("sign-key.pem");
    let crl = sign_crl(&card);
    for (name, extra) in [
        ("plain", vec![]),
        ("cades", vec!["-cades"]),
        ("detached", vec![]),
    ] {
        let out = card.path(&format!("openssl-{name}.p7s"));
        let mut a = vec![
            "cms",
            "-sign",
            "-binary",
            "-md",
            "sha256",
            "-in",
            s(&doc),
            "-signer",
            s(&cert_pem),
            "-inkey",
            s(&key),
            "-outform",
            "DER",
            "-out",
            s(&out),
        ];
        if name != "detached" {
            a.push("-nodetach");
        }
        a.extend(extra);
        let (ok, msg) = openssl(&a);
        assert!(ok, "openssl cms -sign {name}: {msg}");
        let content = (name == "detached").then_some(doc.as_path());
        let j = assert_valid(&verify_cms(
            &card,
            &out,
            content,
            &["--crl", &crl, "--at", AT],
        ));
        assert_eq!(j["identity"]["name"], "試験 花子", "{name}");
        assert_eq!(j["kind"], "signature");
    }
}

#[test]
fn login_with_the_auth_key() {
    let card = sim_card(&[]);
    let challenge = hex::decode("6c6f67696e2d6368616c6c656e67652d30313233343536373839").unwrap();
    let ch_file = card.path("challenge.bin");
    write(&ch_file, &challenge);
    let sig = card.path("login.sig");
    let r = card.card(
        "sign",
        &["--key", "auth", "--in", s(&ch_file), "--out", s(&sig)],
        Some("1234"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let cert = card.dir.join("auth-cert.der");
    let pki_dir = card.dir.join("pki");
    let auth_crl = pki(&card, "auth.crl");
    let hexc = hex::encode(&challenge);
    let login = |ch: &str, cert: &Path, extra: &[&str]| {
        let mut a = vec![
            "verify",
            "login",
            "--json",
            "--challenge",
            ch,
            "--signature",
            s(&sig),
            "--certificate",
            s(cert),
            "--trust-anchors",
            s(&pki_dir),
            "--at",
            AT,
        ];
        a.extend_from_slice(extra);
        inkan(&a, &[])
    };
    let j = assert_valid(&login(&hexc, &cert, &["--crl", s(&auth_crl)]));
    assert_eq!(j["kind"], "user-authentication");
    assert_eq!(j["revocation"]["status"], "good");
    assert!(j["subject"].as_str().unwrap().contains("C=JP"));
    // Human output.
    let r = inkan(
        &[
            "verify",
            "login",
            "--challenge",
            &hexc,
            "--signature",
            s(&sig),
            "--certificate",
            s(&cert),
            "--trust-anchors",
            s(&pki_dir),
            "--at",
            AT,
        ],
        &[],
    );
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("VALID login"), "{}", r.stdout);
    // Wrong challenge.
    assert_invalid(&login("00112233", &cert, &[]), "bad-signature");
    // The signature certificate is not a login certificate.
    assert_invalid(
        &login(&hexc, &card.dir.join("sign-cert.der"), &[]),
        "certificate-kind",
    );
    // The sign CRL does not cover the auth certificate.
    assert_invalid(
        &login(&hexc, &cert, &["--crl", &sign_crl(&card)]),
        "revocation-unknown",
    );
    // Bad hex is a usage error.
    let r = login("xyz", &cert, &[]);
    assert_eq!(r.code, 2);
    assert_eq!(r.json()["error"]["code"], "usage");
}

#[test]
fn chain_checks() {
    let card = sim_card(&[]);
    let leaf = card.dir.join("sign-cert.der");
    let leaf_pem = card.path("leaf.pem");
    write(
        &leaf_pem,
        inkan_testpki::jpki::cert_to_pem(&std::fs::read(&leaf).unwrap())
            .unwrap()
            .as_bytes(),
    );
    let gen1 = pki(&card, "sign-root-gen1.pem");
    let gen2 = pki(&card, "sign-root-gen2.pem");
    let gen3 = pki(&card, "sign-root-gen3.pem");
    let crl = sign_crl(&card);
    let chain = |leaf: &Path, extra: &[&str]| {
        let mut a = vec!["verify", "chain", "--json"];
        a.extend_from_slice(extra);
        a.push(s(leaf));
        inkan(&a, &[])
    };
    // Valid: DER and PEM leaf, every root generation given (repeated flags), CRL checked.
    for l in [&leaf, &leaf_pem] {
        let j = assert_valid(&chain(
            l,
            &[
                "--trust-anchor",
                s(&gen1),
                "--trust-anchor",
                s(&gen2),
                "--trust-anchor",
                s(&gen3),
                "--crl",
                &crl,
                "--at",
                AT,
            ],
        ));
        assert_eq!(j["kind"], "signature");
        assert_eq!(j["revocation_checked"], true);
        assert_eq!(j["revocation"][0]["status"], "good");
        assert_eq!(j["chain"].as_array().unwrap().len(), 1);
        assert_eq!(j["anchor"]["not_before"], "2023-04-01T00:00:00Z");
        assert_eq!(j["identity"]["name"], "試験 花子");
    }
    // A directory of anchors, no CRL: no revocation checking.
    let j = assert_valid(&chain(
        &leaf,
        &["--trust-anchor", s(&card.dir.join("pki")), "--at", AT],
    ));
    assert_eq!(j["revocation_checked"], false);
    assert_eq!(j["revocation"][0]["status"], "not-checked");
    // Expired at a later time; not yet valid before issuance.
    let j = assert_invalid(
        &chain(
            &leaf,
            &["--trust-anchor", s(&gen3), "--at", "2031-01-01T00:00:00Z"],
        ),
        "expired",
    );
    assert_eq!(j["error"]["depth"], 0);
    assert_invalid(
        &chain(
            &leaf,
            &["--trust-anchor", s(&gen3), "--at", "2024-01-01T00:00:00Z"],
        ),
        "not-yet-valid",
    );
    // The wrong root generation only: no issuer.
    assert_invalid(
        &chain(&leaf, &["--trust-anchor", s(&gen1), "--at", AT]),
        "unknown-issuer",
    );
    // A CRL of another issuer does not cover the certificate.
    assert_invalid(
        &chain(
            &leaf,
            &[
                "--trust-anchor",
                s(&gen3),
                "--crl",
                s(&pki(&card, "auth.crl")),
                "--at",
                AT,
            ],
        ),
        "revocation-unknown",
    );
    // Policies: the JPKI signature policy is there, another one is not.
    let j = assert_valid(&chain(
        &leaf,
        &[
            "--trust-anchor",
            s(&gen3),
            "--at",
            AT,
            "--policy",
            "1.2.392.200149.8.5.1.1.20",
            "--require-explicit-policy",
        ],
    ));
    assert_eq!(j["policies"][0], "1.2.392.200149.8.5.1.1.20");
    assert_invalid(
        &chain(
            &leaf,
            &[
                "--trust-anchor",
                s(&gen3),
                "--at",
                AT,
                "--policy",
                "1.2.392.200149.8.5.1.3.30",
                "--require-explicit-policy",
            ],
        ),
        "policy",
    );
    // The inhibit flags are accepted (the JPKI chain names its policy explicitly).
    assert_valid(&chain(
        &leaf,
        &[
            "--trust-anchor",
            s(&gen3),
            "--at",
            AT,
            "--inhibit-policy-mapping",
            "--inhibit-any-policy",
            "--require-explicit-policy",
        ],
    ));
    // Usage and I/O errors.
    let r = chain(&leaf, &["--trust-anchor", s(&gen3), "--at", "yesterday"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.json()["valid"], false);
    let r = chain(
        &leaf,
        &["--trust-anchor", s(&gen3), "--policy", "not.an.oid"],
    );
    assert_eq!(r.code, 2);
    let r = chain(&card.path("missing.der"), &["--trust-anchor", s(&gen3)]);
    assert_eq!(r.code, 9);
    assert_eq!(r.json()["error"]["code"], "io");
    // A file that is not a certificate is a verdict.
    let junk = card.path("junk.der");
    write(&junk, b"\x30\x03\x02\x01\x01");
    assert_invalid(&chain(&junk, &["--trust-anchor", s(&gen3)]), "malformed");
    // Human output.
    let r = inkan(
        &[
            "verify",
            "chain",
            "--trust-anchor",
            s(&gen3),
            "--at",
            AT,
            s(&leaf),
        ],
        &[],
    );
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("VALID at 2024-04-15T00:00:00Z"),
        "{}",
        r.stdout
    );
}

#[test]
fn card_sign_format_flags() {
    let card = sim_card(&[]);
    let doc = card.path("d.txt");
    write(&doc, b"x");
    let out = card.path("d.sig");
    // Raw stays the default and writes 256 bytes.
    let r = card.card("sign", &["--in", s(&doc), "--out", s(&out)], Some("ABC123"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(&out).unwrap().len(), 256);
    // CMS needs the signature key and SHA-256; --detached needs CMS. Nothing is sent.
    for args in [
        vec!["--format", "cms", "--key", "auth"],
        vec!["--format", "cms", "--hash", "sha512"],
        vec!["--detached"],
    ] {
        let mut a = vec!["--in", s(&doc), "--out", s(&out)];
        a.extend(args);
        let before = card.verifies_with_data();
        let r = card.card("sign", &a, Some("ABC123"));
        assert_eq!(r.code, 2, "{a:?}: {}", r.stdout);
        assert_eq!(card.verifies_with_data(), before);
    }
    // A wrong PIN is the card's error code.
    let r = card.card(
        "sign",
        &["--in", s(&doc), "--out", s(&out), "--format", "cms"],
        Some("WRONG1"),
    );
    assert_eq!(r.code, 5);
    assert_eq!(r.json()["error"]["code"], "pin-wrong");
}

/// The CRL store that `inkan crl index` writes (as `crl fetch` keeps it), from the card's
/// CRLs and roots.
fn crl_store(card: &SimCard) -> PathBuf {
    let store = card.path("crl-store");
    let mut a = vec![
        "crl".to_owned(),
        "index".to_owned(),
        "--crl".to_owned(),
        sign_crl(card),
        s(&pki(card, "auth.crl")).to_owned(),
        "--out".to_owned(),
        s(&store).to_owned(),
        "--ca".to_owned(),
    ];
    for h in ["sign", "auth"] {
        for g in 1..=3 {
            a.push(s(&pki(card, &format!("{h}-root-gen{g}.pem"))).to_owned());
        }
    }
    let args: Vec<&str> = a.iter().map(String::as_str).collect();
    let r = inkan(&args, &[]);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    store
}

fn run_owned(args: Vec<String>) -> Run {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    inkan(&a, &[])
}

fn owned(p: &Path) -> String {
    s(p).to_owned()
}

/// `verify cms|chain|login --crl-store DIR` answers as `--crl FILE` does: the same
/// verdicts, codes, revocation details and deciding CRL.
#[test]
fn crl_store_gives_the_same_answers_as_crl_files() {
    for revoked in [false, true] {
        let card = if revoked {
            revoked_card()
        } else {
            sim_card(&[])
        };
        let store = owned(&crl_store(&card));
        let sign = sign_crl(&card);
        let auth = owned(&pki(&card, "auth.crl"));
        let doc = card.path("doc.txt");
        write(&doc, b"a contract\n");
        let p7s = card.path("doc.p7s");
        sign_cms(&card, &doc, &p7s, false);
        let by_file = verify_cms(&card, &p7s, None, &["--crl", &sign, "--at", AT]);
        let by_store = verify_cms(&card, &p7s, None, &["--crl-store", &store, "--at", AT]);
        let (f, st) = (by_file.json(), by_store.json());
        assert_eq!(by_file.code, by_store.code, "{f} / {st}");
        assert_eq!(f["valid"], !revoked);
        if revoked {
            assert_eq!(f["error"], st["error"]);
            assert_eq!(f["error"]["code"], "revoked");
            assert!(f["error"]["crl"]["number"].is_string(), "{f}");
        } else {
            assert_eq!(f["revocation"], st["revocation"]);
            assert_eq!(f["revocation"]["status"], "good");
            assert!(f["revocation"]["crls"][0]["number"].is_string(), "{f}");
        }
        // chain, for both certificates of the card.
        for (cert, crl) in [("sign-cert.der", &sign), ("auth-cert.der", &auth)] {
            let chain = |flag: &str, value: &str| {
                let mut a: Vec<String> = ["verify", "chain", "--json", "--at", AT]
                    .map(String::from)
                    .to_vec();
                for h in ["sign", "auth"] {
                    for g in 1..=3 {
                        a.push("--trust-anchor".into());
                        a.push(owned(&pki(&card, &format!("{h}-root-gen{g}.pem"))));
                    }
                }
                a.extend([
                    flag.to_owned(),
                    value.to_owned(),
                    owned(&card.dir.join(cert)),
                ]);
                run_owned(a)
            };
            let f = chain("--crl", crl);
            let st = chain("--crl-store", &store);
            assert_eq!(f.code, st.code, "{cert}: {} / {}", f.stdout, st.stdout);
            let (f, st) = (f.json(), st.json());
            assert_eq!(f["error"], st["error"], "{cert}");
            assert_eq!(f["revocation"], st["revocation"], "{cert}");
            assert_eq!(
                f["valid"],
                !(revoked && cert == "sign-cert.der"),
                "{cert}: {f}"
            );
        }
        // login with the auth key.
        let challenge = [0x5au8; 32];
        let ch_file = card.path("challenge.bin");
        write(&ch_file, &challenge);
        let sig = card.path("login.sig");
        let r = card.card(
            "sign",
            &["--key", "auth", "--in", s(&ch_file), "--out", s(&sig)],
            Some("1234"),
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let login = |flag: &str, value: &str| {
            let mut a: Vec<String> = [
                "verify",
                "login",
                "--json",
                "--challenge",
                &hex::encode(challenge),
                "--signature",
                s(&sig),
                "--certificate",
                &owned(&card.dir.join("auth-cert.der")),
                "--trust-anchors",
                &owned(&card.dir.join("pki")),
                "--at",
                AT,
            ]
            .map(String::from)
            .to_vec();
            a.extend([flag.to_owned(), value.to_owned()]);
            run_owned(a)
        };
        let (f, st) = (login("--crl", &auth), login("--crl-store", &store));
        assert_eq!(f.code, 0, "{}", f.stdout);
        assert_eq!(st.code, 0, "{}", st.stdout);
        assert_eq!(f.json()["revocation"], st.json()["revocation"]);
    }
}

#[test]
fn next_generation_p384_pki_verifies_beside_openssl() {
    // `inkan sim init --algorithm ecdsa-p384`: P-384 roots sign the certificates (10
    // years) and CRLs; the card still signs with its RSA key.
    let card = sim_card(&["--algorithm", "ecdsa-p384"]);
    let root = pki(&card, "sign-root-gen3.pem");
    let (ok, text) = openssl(&["x509", "-in", s(&root), "-noout", "-text"]);
    if have_openssl() {
        assert!(ok && text.contains("ecdsa-with-SHA384"), "{text}");
    }
    let doc = card.path("doc.txt");
    write(&doc, b"next-generation PKI\n");
    let p7s = card.path("doc.p7s");
    sign_cms(&card, &doc, &p7s, false);
    let crl = sign_crl(&card);
    let j = assert_valid(&verify_cms(&card, &p7s, None, &["--crl", &crl, "--at", AT]));
    assert_eq!(j["kind"], "signature");
    assert_eq!(j["revocation"]["status"], "good");
    // Ten years: still valid in 2033, expired after March 2034.
    let j = assert_valid(&verify_cms(
        &card,
        &p7s,
        None,
        &["--at", "2033-06-01T00:00:00Z"],
    ));
    assert_eq!(j["kind"], "signature");
    assert_invalid(
        &verify_cms(&card, &p7s, None, &["--at", "2034-06-01T00:00:00Z"]),
        "expired",
    );
    if have_openssl() {
        // OpenSSL agrees about the chain (the CMS signer and the P-384 root).
        let (ok, out) = openssl(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            s(&p7s),
            "-CAfile",
            s(&root),
            "-purpose",
            "any",
            "-attime",
            "1713139200",
            "-out",
            "/dev/null",
        ]);
        assert!(ok, "{out}");
    }
    let r = inkan(
        &[
            "sim",
            "init",
            s(&card.path("bad")),
            "--algorithm",
            "ecdsa-p256",
            "--json",
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
}

#[test]
fn many_signatures_in_one_run() {
    let card = sim_card(&[]);
    let mut files = Vec::new();
    for i in 0..3 {
        let doc = card.path(&format!("doc{i}.txt"));
        write(&doc, format!("document {i}\n").as_bytes());
        let p7s = card.path(&format!("doc{i}.p7s"));
        sign_cms(&card, &doc, &p7s, false);
        files.push(p7s);
    }
    let crl = sign_crl(&card);
    let mut args: Vec<&str> = vec!["--crl", &crl, "--at", AT];
    let all: Vec<String> = files.iter().map(|f| s(f).to_owned()).collect();
    // `verify_cms` passes the first file; the others come as more --signature flags.
    for f in &all[1..] {
        args.extend(["--signature", f.as_str()]);
    }
    let r = verify_cms(&card, &files[0], None, &args);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["valid"], true);
    let list = j["signatures"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    for (e, f) in list.iter().zip(&all) {
        assert_eq!(e["file"], f.as_str());
        assert_eq!(e["valid"], true);
        assert_eq!(e["revocation"]["status"], "good");
        assert_eq!(e["identity"]["name"], "試験 花子");
    }
    // One tampered and one missing file among them: the others stay valid, exit 10.
    let mut t = std::fs::read(&files[1]).unwrap();
    let pos = t.windows(8).position(|w| w == b"document").unwrap();
    t[pos] = b'D';
    write(&files[1], &t);
    let missing = card.path("missing.p7s");
    args.extend(["--signature", s(&missing)]);
    let r = verify_cms(&card, &files[0], None, &args);
    assert_eq!(r.code, INVALID, "{} {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["valid"], false);
    let list = j["signatures"].as_array().unwrap();
    let verdicts: Vec<bool> = list.iter().map(|e| e["valid"] == true).collect();
    assert_eq!(verdicts, [true, false, true, false]);
    assert_eq!(list[1]["error"]["code"], "digest-mismatch");
    assert!(list[3]["error"]["code"].is_string(), "{}", list[3]);
}
