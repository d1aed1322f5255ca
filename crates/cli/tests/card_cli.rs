//! `inkan card …` end to end against the software card, through the binary.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;
use common::{have_openssl, inkan, openssl, s, sim_card};
use serde_json::json;

#[test]
fn status_reports_token_certificates_and_pins_without_using_a_try() {
    let c = sim_card(&[]);
    let r = c.card("status", &[], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["ok"], json!(true));
    assert_eq!(v["token"]["kind"], json!("my-number-card"));
    let certs = v["certificates"].as_array().unwrap();
    let by = |slot: &str| {
        certs
            .iter()
            .find(|c| c["slot"] == json!(slot))
            .unwrap()
            .clone()
    };
    assert_eq!(by("auth")["readable"], json!(true));
    assert!(by("auth")["days_to_expiry"].as_i64().is_some());
    assert!(
        by("auth-ca")["subject"]
            .as_str()
            .unwrap()
            .contains("O=JPKI-TEST")
    );
    assert_eq!(by("sign")["present"], json!(true));
    assert_eq!(by("sign")["needs_pin"], json!("sign"));
    let pins = v["pins"].as_array().unwrap();
    let left: Vec<_> = pins
        .iter()
        .map(|p| (p["pin"].clone(), p["retries_left"].clone()))
        .collect();
    assert_eq!(
        left,
        vec![
            (json!("sign"), json!(5)),
            (json!("auth"), json!(3)),
            (json!("text"), json!(3))
        ]
    );
    assert_eq!(c.verifies_with_data(), 0);
    // Text mode too.
    let t = inkan(&["card", "status", "--reader", &c.reader], &[]);
    assert_eq!(t.code, 0);
    assert!(t.stdout.contains("PIN sign  5 tries left"), "{}", t.stdout);
}

#[test]
fn sign_verifies_with_openssl_against_the_certificate_written_by_certs() {
    if !have_openssl() {
        return;
    }
    let c = sim_card(&[]);
    let out = c.path("certs");
    let r = c.card("certs", &["--out", s(&out)], Some("abc123"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()["certificates"].as_array().unwrap().len(), 4);
    let doc = c.path("doc.txt");
    std::fs::write(&doc, "契約書 — signed with inkan\n").unwrap();
    for (key, pin, cert) in [("sign", "ABC123", "sign.pem"), ("auth", "1234", "auth.pem")] {
        for hash in ["sha256", "sha384", "sha512"] {
            let sig = c.path(&format!("doc.{key}.{hash}.sig"));
            let r = c.card(
                "sign",
                &[
                    "--in",
                    s(&doc),
                    "--out",
                    s(&sig),
                    "--hash",
                    hash,
                    "--key",
                    key,
                ],
                Some(pin),
            );
            assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
            assert_eq!(std::fs::read(&sig).unwrap().len(), 256);
            let pubkey = c.path("pub.pem");
            let (ok, msg) = openssl(&[
                "x509",
                "-in",
                s(&out.join(cert)),
                "-pubkey",
                "-noout",
                "-out",
                s(&pubkey),
            ]);
            assert!(ok, "{msg}");
            let (ok, msg) = openssl(&[
                "dgst",
                &format!("-{hash}"),
                "-verify",
                s(&pubkey),
                "-signature",
                s(&sig),
                s(&doc),
            ]);
            assert!(ok && msg.contains("Verified OK"), "{key} {hash}: {msg}");
            // A changed document does not verify.
            let other = c.path("other.txt");
            std::fs::write(&other, "something else").unwrap();
            let (ok, _) = openssl(&[
                "dgst",
                &format!("-{hash}"),
                "-verify",
                s(&pubkey),
                "-signature",
                s(&sig),
                s(&other),
            ]);
            assert!(!ok);
        }
    }
    // The signature certificate chains to the software card's test root (openssl verify).
    let roots: Vec<_> = (1..=3)
        .map(|g| c.dir.join(format!("pki/sign-root-gen{g}.pem")))
        .collect();
    let bundle = c.path("roots.pem");
    let all: String = roots
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    std::fs::write(&bundle, all).unwrap();
    let (ok, msg) = openssl(&["verify", "-CAfile", s(&bundle), s(&out.join("sign.pem"))]);
    assert!(ok, "{msg}");
}

#[test]
fn my_number_info_and_photo() {
    let c = sim_card(&[
        "--name",
        "番号 太郎",
        "--address",
        "大阪府大阪市北区中之島一丁目三番二十号",
        "--birth-date",
        "1970-01-02",
        "--sex",
        "1",
    ]);
    let r = c.card("mynumber", &[], Some("1234"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let n = r.json()["my_number"].as_str().unwrap().to_owned();
    assert_eq!(n.len(), 12);
    assert!(inkan_card::MyNumber::new(&n).is_ok());
    let r = c.card("info", &[], Some("1234"));
    let v = r.json();
    assert_eq!(v["name"], json!("番号 太郎"));
    assert_eq!(
        v["address"],
        json!("大阪府大阪市北区中之島一丁目三番二十号")
    );
    assert_eq!(v["birth_date"], json!("19700102"));
    assert_eq!(v["sex"], json!("male"));
    let photo = c.path("face.jp2");
    let r = c.card("photo", &["--out", s(&photo)], Some("1234"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let bytes = std::fs::read(&photo).unwrap();
    // A JPEG 2000 codestream starts with SOC (FF4F) and SIZ (FF51).
    assert_eq!(&bytes[..4], &[0xFF, 0x4F, 0xFF, 0x51]);
    assert_eq!(r.json()["len"], json!(bytes.len()));
}

#[test]
fn change_pin_then_old_pin_fails_and_new_one_works() {
    let c = sim_card(&[]);
    let r = inkan(
        &[
            "card",
            "change-pin",
            "--reader",
            &c.reader,
            "--json",
            "--which",
            "sign",
            "--pin-env",
            "OLD",
            "--new-pin-env",
            "NEW",
        ],
        &[("OLD", "ABC123"), ("NEW", "NEWPIN99")],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let out = c.path("certs");
    let r = c.card("certs", &["--out", s(&out)], Some("ABC123"));
    assert_eq!(r.code, 5);
    assert_eq!(r.json()["error"]["code"], json!("pin-wrong"));
    assert_eq!(r.json()["error"]["retries_left"], json!(4));
    let r = c.card("certs", &["--out", s(&out)], Some("newpin99"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    // Auth PIN too; a new PIN of the wrong format is refused before the card.
    let before = c.commands().len();
    let r = inkan(
        &[
            "card",
            "change-pin",
            "--reader",
            &c.reader,
            "--json",
            "--which",
            "auth",
            "--pin-env",
            "OLD",
            "--new-pin-env",
            "NEW",
        ],
        &[("OLD", "1234"), ("NEW", "12345")],
    );
    assert_eq!(r.code, 8);
    assert_eq!(r.json()["error"]["code"], json!("pin-format"));
    assert_eq!(c.commands().len(), before);
    let r = inkan(
        &[
            "card",
            "change-pin",
            "--reader",
            &c.reader,
            "--json",
            "--which",
            "auth",
            "--pin-env",
            "OLD",
            "--new-pin-env",
            "NEW",
        ],
        &[("OLD", "1234"), ("NEW", "4321")],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let doc = c.path("d");
    std::fs::write(&doc, "x").unwrap();
    let sig = c.path("d.sig");
    let r = c.card(
        "sign",
        &["--in", s(&doc), "--out", s(&sig), "--key", "auth"],
        Some("4321"),
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn malformed_pin_never_reaches_the_card() {
    let c = sim_card(&[]);
    let doc = c.path("d");
    std::fs::write(&doc, "x").unwrap();
    let sig = c.path("d.sig");
    let out = c.path("certs");
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        ("sign", vec!["--in", s(&doc), "--out", s(&sig)], "ABC-12"),
        ("sign", vec!["--in", s(&doc), "--out", s(&sig)], "ABC12"),
        (
            "sign",
            vec!["--in", s(&doc), "--out", s(&sig), "--key", "auth"],
            "12a4",
        ),
        (
            "sign",
            vec!["--in", s(&doc), "--out", s(&sig), "--key", "auth"],
            "123",
        ),
        ("certs", vec!["--out", s(&out)], "ABCDEFGHIJKLMNOPQ"),
        ("mynumber", vec![], "12345"),
        ("info", vec![], "abcd"),
        ("photo", vec!["--out", s(&out)], "１２３４"),
    ];
    for (cmd, args, pin) in cases {
        let r = c.card(cmd, &args, Some(pin));
        assert_eq!(r.code, 8, "{cmd} {pin}: {}", r.stdout);
        let v = r.json();
        assert_eq!(v["error"]["code"], json!("pin-format"));
        assert!(
            !r.stdout.contains(pin) && !r.stderr.contains(pin),
            "PIN echoed"
        );
    }
    assert_eq!(
        c.verifies_with_data(),
        0,
        "a malformed PIN reached the card"
    );
    assert!(
        c.commands().is_empty(),
        "nothing at all was sent: {:?}",
        c.commands()
    );
}

#[test]
fn last_try_needs_confirmation_and_blocked_pin_sends_no_verify() {
    let c = sim_card(&[]);
    let doc = c.path("d");
    std::fs::write(&doc, "x").unwrap();
    let sig = c.path("d.sig");
    let sign = |pin: &str, extra: &[&str]| {
        let mut a = vec!["--in", s(&doc), "--out", s(&sig), "--key", "auth"];
        a.extend_from_slice(extra);
        c.card("sign", &a, Some(pin))
    };
    for left in [2, 1] {
        let r = sign("9999", &[]);
        assert_eq!(r.code, 5);
        assert_eq!(r.json()["error"]["retries_left"], json!(left));
    }
    assert_eq!(c.verifies_with_data(), 2);
    // One try left: refused without --allow-last-try, even with the right PIN.
    for pin in ["9999", "1234"] {
        let r = sign(pin, &[]);
        assert_eq!(r.code, 7, "{}", r.stdout);
        assert_eq!(
            r.json()["error"]["code"],
            json!("pin-last-try-needs-confirmation")
        );
    }
    assert_eq!(
        c.verifies_with_data(),
        2,
        "a VERIFY was sent on the last try without confirmation"
    );
    // Status still shows one try, and consumes none.
    let st = c.card("status", &[], None).json();
    assert_eq!(st["pins"][1]["retries_left"], json!(1));
    // With confirmation, a wrong PIN blocks it.
    let r = sign("9999", &["--allow-last-try"]);
    assert_eq!(r.code, 6, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], json!("pin-blocked"));
    assert_eq!(c.verifies_with_data(), 3);
    // Blocked: even the right PIN with confirmation sends no VERIFY.
    let r = sign("1234", &["--allow-last-try"]);
    assert_eq!(r.code, 6);
    assert_eq!(
        c.verifies_with_data(),
        3,
        "a VERIFY was sent to a blocked PIN"
    );
    let st = c.card("status", &[], None).json();
    assert_eq!(st["pins"][1]["blocked"], json!(true));
    // The other PINs are untouched.
    assert_eq!(st["pins"][0]["retries_left"], json!(5));
}

#[test]
fn right_pin_with_tries_used_resets_counter_and_correct_last_try_works() {
    let c = sim_card(&[]);
    let doc = c.path("d");
    std::fs::write(&doc, "x").unwrap();
    let sig = c.path("d.sig");
    for _ in 0..2 {
        assert_eq!(c.card("mynumber", &[], Some("0000")).code, 5);
    }
    let r = c.card("mynumber", &["--allow-last-try"], Some("1234"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let st = c.card("status", &[], None).json();
    assert_eq!(st["pins"][2]["retries_left"], json!(3));
    let _ = sig;
}

#[test]
fn card_without_signature_certificate() {
    let c = sim_card(&["--no-sign-cert"]);
    let v = c.card("status", &[], None).json();
    let sign = v["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slot"] == json!("sign"))
        .unwrap()
        .clone();
    assert_eq!(sign["present"], json!(false));
    let doc = c.path("d");
    std::fs::write(&doc, "x").unwrap();
    let r = c.card(
        "sign",
        &["--in", s(&doc), "--out", s(&c.path("d.sig"))],
        Some("ABC123"),
    );
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], json!("no-signature-certificate"));
    // The auth key still works.
    let r = c.card(
        "sign",
        &[
            "--in",
            s(&doc),
            "--out",
            s(&c.path("d.sig")),
            "--key",
            "auth",
        ],
        Some("1234"),
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn reader_and_file_errors_are_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let r = inkan(
        &[
            "card",
            "status",
            "--reader",
            &format!("sim:{}", s(&missing)),
            "--json",
        ],
        &[],
    );
    assert_eq!(r.code, 3);
    assert_eq!(r.json()["error"]["code"], json!("reader-not-found"));
    let r = inkan(
        &["card", "status", "--reader", "usb:whatever", "--json"],
        &[],
    );
    assert_eq!(r.code, 3);
    let c = sim_card(&[]);
    let r = c.card(
        "sign",
        &["--in", s(&tmp.path().join("absent")), "--out", "x.sig"],
        Some("ABC123"),
    );
    assert_eq!(r.code, 9);
    assert_eq!(r.json()["error"]["code"], json!("io"));
    assert!(c.commands().is_empty());
    let doc = tmp.path().join("doc");
    std::fs::write(&doc, "x").unwrap();
    let r = inkan(
        &[
            "card",
            "sign",
            "--reader",
            &c.reader,
            "--json",
            "--pin-env",
            "UNSET_VAR_X",
            "--in",
            s(&doc),
            "--out",
            "b",
        ],
        &[],
    );
    assert_eq!(r.json()["error"]["code"], json!("pin-missing"));
    assert_eq!(r.code, 8);
    // Usage errors exit 2.
    assert_eq!(inkan(&["card", "sign"], &[]).code, 2);
}
