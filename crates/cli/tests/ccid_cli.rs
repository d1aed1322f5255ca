//! `inkan card … --reader sim:DIR --via ccid:MODEL [--faults SEED:RATE]`: the software
//! card in each virtual CCID reader, driven by the CCID driver, with transport figures.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use common::{have_openssl, openssl, s, sim_card};
use serde_json::json;

const MODELS: [&str; 5] = [
    "scr3310-nttcom",
    "scr331-di-nttcom",
    "acr39u",
    "acr1252",
    "rc-s300",
];

#[test]
fn every_command_over_every_ccid_model_with_figures() {
    let c = sim_card(&[]);
    let doc = c.path("doc.txt");
    std::fs::write(&doc, "signed through a CCID reader\n").unwrap();
    for model in MODELS {
        let via = format!("ccid:{model}");
        let v = |extra: &[&str]| {
            let mut a: Vec<&str> = extra.to_vec();
            a.extend_from_slice(&["--via", &via]);
            a.iter().map(|x| x.to_string()).collect::<Vec<_>>()
        };
        let run = |cmd: &str, extra: &[&str], pin: Option<&str>| {
            let args = v(extra);
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            c.card(cmd, &refs, pin)
        };
        let r = run("status", &[], None);
        assert_eq!(r.code, 0, "{model}: {}", r.stderr);
        let st = r.json();
        assert_eq!(st["token"]["kind"], json!("my-number-card"));
        let t = &st["transport"];
        assert_eq!(t["driver"], json!("ccid"));
        assert_eq!(t["reader"], json!(model));
        assert!(t["apdus"].as_u64().unwrap() > 10, "{t}");
        assert!(t["usb_transfers"].as_u64().unwrap() >= t["apdus"].as_u64().unwrap());
        assert!(t["wire_bytes"].as_u64().unwrap() > 1000);
        assert!(t["wire_time_us"].as_u64().unwrap() > 0);

        let out = c.path(&format!("certs-{model}"));
        let r = run("certs", &["--out", s(&out)], Some("ABC123"));
        assert_eq!(r.code, 0, "{model}: {}", r.stdout);
        let sig = c.path(&format!("doc-{model}.sig"));
        let r = run("sign", &["--in", s(&doc), "--out", s(&sig)], Some("ABC123"));
        assert_eq!(r.code, 0, "{model}: {}", r.stdout);
        if have_openssl() {
            let pubkey = c.path("pub.pem");
            let (ok, m) = openssl(&[
                "x509",
                "-in",
                s(&out.join("sign.pem")),
                "-pubkey",
                "-noout",
                "-out",
                s(&pubkey),
            ]);
            assert!(ok, "{m}");
            let (ok, m) = openssl(&[
                "dgst",
                "-sha256",
                "-verify",
                s(&pubkey),
                "-signature",
                s(&sig),
                s(&doc),
            ]);
            assert!(ok, "{model}: {m}");
        }
        let r = run("info", &[], Some("1234"));
        assert_eq!(r.code, 0, "{model}: {}", r.stdout);
        assert!(r.json()["name"].as_str().is_some());
        // A wrong PIN through the reader: counted once, reported with the tries left.
        let r = run("mynumber", &[], Some("0000"));
        assert_eq!(r.code, 5, "{model}: {}", r.stdout);
        assert_eq!(r.json()["error"]["retries_left"], json!(2));
        let r = run("mynumber", &[], Some("1234"));
        assert_eq!(r.code, 0, "{model}: {}", r.stdout);
    }
}

#[test]
fn seeded_faults_end_in_an_answer_or_a_typed_error_and_never_repeat_verify() {
    let c = sim_card(&[]);
    let doc = c.path("d");
    std::fs::write(&doc, "x").unwrap();
    let sig = c.path("d.sig");
    let mut seen_faults = 0u64;
    for seed in 1..=12u32 {
        let faults = format!("{seed}:0.08");
        let before = c.verifies_with_data();
        let r = c.card(
            "sign",
            &[
                "--in",
                s(&doc),
                "--out",
                s(&sig),
                "--key",
                "auth",
                "--via",
                "ccid:scr3310-nttcom",
                "--faults",
                &faults,
            ],
            Some("1234"),
        );
        let v = r.json();
        match r.code {
            0 => {
                seen_faults += v["transport"]["faults_injected"].as_u64().unwrap();
            }
            3 | 4 => {
                let code = v["error"]["code"].as_str().unwrap();
                assert!(!code.is_empty() && !v["error"]["message"].as_str().unwrap().is_empty());
            }
            other => panic!("seed {seed}: unexpected exit {other}: {}", r.stdout),
        }
        assert!(
            c.verifies_with_data() - before <= 1,
            "seed {seed}: VERIFY sent twice"
        );
    }
    assert!(seen_faults > 0, "no fault was injected in 12 runs");
}

#[test]
fn via_and_faults_are_checked() {
    let c = sim_card(&[]);
    let r = c.card("status", &["--via", "ccid:nosuch"], None);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("scr3310-nttcom"), "{}", r.stdout);
    let r = c.card("status", &["--via", "ccid:acr39u", "--faults", "x"], None);
    assert_eq!(r.code, 2);
    let r = c.card("status", &["--faults", "1:0.1"], None);
    assert_eq!(r.code, 2);
}
