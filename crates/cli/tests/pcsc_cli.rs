//! `inkan card …` through the real PC/SC stack: pcscd with vsmartcard's vpcd driver,
//! the software card played by `inkan sim vpcd DIR`. The same scenarios as
//! `card_cli.rs`, with `--reader pcsc`. Runs only with `INKAN_PCSC_TESTS=1`
//! (`tests/pcsc/run.sh`, `just test-pcsc`); vpcd's port from `INKAN_PCSC_VPCD_PORT`
//! (default 35963).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{Run, SimCard, have_openssl, inkan, openssl, s, sim_card};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn enabled() -> bool {
    let on = std::env::var("INKAN_PCSC_TESTS").is_ok_and(|v| v == "1");
    if !on {
        eprintln!(
            "SKIP: set INKAN_PCSC_TESTS=1 with pcscd + vsmartcard-vpcd running (tests/pcsc/run.sh)"
        );
    }
    on
}

fn port() -> String {
    std::env::var("INKAN_PCSC_VPCD_PORT").unwrap_or_else(|_| "35963".to_owned())
}

fn list() -> Value {
    let r = inkan(&["card", "list", "--json"], &[]);
    assert_eq!(r.code, 0, "card list: {} {}", r.stdout, r.stderr);
    r.json()
}

fn readers_with_card() -> Vec<Value> {
    list()["readers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["my_number_card"] == json!(true))
        .cloned()
        .collect()
}

/// Whether every reader is empty (after a card leaves, pcscd may report it present but
/// unpowered until its next poll).
fn all_empty() -> bool {
    list()["readers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["card"] == json!("empty"))
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A software card in pcscd: `inkan sim vpcd DIR` running until dropped.
struct PcscCard {
    sim: SimCard,
    child: Option<Child>,
    /// The reader's name in pcscd.
    name: String,
    /// The reader's index in `inkan card list`.
    index: u64,
    _guard: MutexGuard<'static, ()>,
}

fn pcsc_card(extra: &[&str]) -> PcscCard {
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    wait_for(
        "no card left from an earlier test",
        Duration::from_secs(10),
        all_empty,
    );
    let sim = sim_card(extra);
    let log = std::fs::File::create(sim.path("vpcd.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_inkan"))
        .args(["sim", "vpcd", s(&sim.dir), "--port", &port()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut card = PcscCard {
        sim,
        child: Some(child),
        name: String::new(),
        index: 0,
        _guard: guard,
    };
    let mut found = Vec::new();
    wait_for("pcscd to see the card", Duration::from_secs(15), || {
        found = readers_with_card();
        !found.is_empty()
    });
    assert_eq!(found.len(), 1);
    card.name = found[0]["name"].as_str().unwrap().to_owned();
    card.index = found[0]["index"].as_u64().unwrap();
    card
}

impl PcscCard {
    /// `inkan card <cmd> --reader pcsc --json <args>` with `PIN` in the environment.
    fn card(&self, cmd: &str, args: &[&str], pin: Option<&str>) -> Run {
        self.card_on("pcsc", cmd, args, pin)
    }

    fn card_on(&self, reader: &str, cmd: &str, args: &[&str], pin: Option<&str>) -> Run {
        let mut a = vec!["card", cmd, "--reader", reader, "--json"];
        a.extend_from_slice(args);
        match pin {
            Some(p) => {
                a.extend_from_slice(&["--pin-env", "INKAN_TEST_PIN"]);
                inkan(&a, &[("INKAN_TEST_PIN", p)])
            }
            None => inkan(&a, &[]),
        }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.sim.path(name)
    }

    /// `card sign --key auth` of a one-byte document with this PIN.
    fn sign_with_auth_key(&self, pin: &str) -> Run {
        let doc = self.path("d");
        std::fs::write(&doc, "x").unwrap();
        let sig = self.path("d.sig");
        self.card(
            "sign",
            &["--in", s(&doc), "--out", s(&sig), "--key", "auth"],
            Some(pin),
        )
    }

    /// Stops `inkan sim vpcd`: the card leaves the reader.
    fn remove(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        wait_for(
            "pcscd to see the card go",
            Duration::from_secs(10),
            all_empty,
        );
    }
}

impl Drop for PcscCard {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn list_status_and_reader_choice() {
    if !enabled() {
        return;
    }
    let c = pcsc_card(&[]);
    let v = list();
    let readers = v["readers"].as_array().unwrap();
    assert!(readers.len() >= 2, "{v}");
    let mine = &readers[usize::try_from(c.index).unwrap()];
    assert_eq!(mine["card"], json!("my-number-card"));
    assert_eq!(mine["atr"], json!("3BE000FF8131FE4514"));
    assert!(
        readers
            .iter()
            .any(|r| r["card"] == json!("empty") && r["atr"].is_null())
    );
    let text = inkan(&["card", "list"], &[]);
    assert!(
        text.stdout
            .contains(&format!("#{} {}: My Number Card", c.index, c.name)),
        "{}",
        text.stdout
    );
    // Status by every kind of --reader.
    let by_index = format!("pcsc:#{}", c.index);
    let by_name = format!("pcsc:{}", c.name.to_lowercase());
    for reader in [
        "pcsc",
        "pcsc:",
        by_index.as_str(),
        by_name.as_str(),
        "pcsc:Virtual PCD",
    ] {
        let r = c.card_on(reader, "status", &[], None);
        assert_eq!(r.code, 0, "{reader}: {} {}", r.stdout, r.stderr);
        let v = r.json();
        assert_eq!(v["token"]["kind"], json!("my-number-card"));
        let left: Vec<_> = v["pins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["retries_left"].clone())
            .collect();
        assert_eq!(left, vec![json!(5), json!(3), json!(3)]);
    }
    assert_eq!(c.sim.verifies_with_data(), 0);
    let t = inkan(&["card", "status", "--reader", "pcsc"], &[]);
    assert_eq!(t.code, 0);
    assert!(t.stdout.contains("PIN sign  5 tries left"), "{}", t.stdout);
    // Errors: an unknown name, an index past the end, an empty reader.
    let r = c.card_on("pcsc:no such reader", "status", &[], None);
    assert_eq!(r.code, 3);
    assert_eq!(r.json()["error"]["code"], json!("reader-not-found"));
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&c.name)
    );
    let r = c.card_on("pcsc:#99", "status", &[], None);
    assert_eq!(r.code, 3);
    assert_eq!(r.json()["error"]["code"], json!("reader-not-found"));
    let empty = readers
        .iter()
        .find(|r| r["card"] == json!("empty"))
        .unwrap();
    let r = c.card_on(&format!("pcsc:#{}", empty["index"]), "status", &[], None);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], json!("card-absent"));
}

#[test]
fn sign_over_pcsc_verifies_with_openssl() {
    if !enabled() || !have_openssl() {
        return;
    }
    let c = pcsc_card(&[]);
    let out = c.path("certs");
    let r = c.card("certs", &["--out", s(&out)], Some("abc123"));
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(r.json()["certificates"].as_array().unwrap().len(), 4);
    // Progress goes to stderr (not a terminal here: one line per read).
    assert!(r.stderr.contains("read certificate"), "{}", r.stderr);
    let doc = c.path("doc.txt");
    std::fs::write(&doc, "契約書 — signed with inkan over PC/SC\n").unwrap();
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
    let bundle = c.path("roots.pem");
    let all: String = (1..=3)
        .map(|g| {
            std::fs::read_to_string(c.sim.dir.join(format!("pki/sign-root-gen{g}.pem"))).unwrap()
        })
        .collect();
    std::fs::write(&bundle, all).unwrap();
    let (ok, msg) = openssl(&["verify", "-CAfile", s(&bundle), s(&out.join("sign.pem"))]);
    assert!(ok, "{msg}");
}

/// After each command the card was powered off (pcscd relays SCARD_UNPOWER_CARD as
/// vpcd's power-off), so a verified PIN never outlives the command.
#[test]
fn no_verified_pin_outlives_a_command() {
    if !enabled() {
        return;
    }
    let c = pcsc_card(&[]);
    let r = c.sign_with_auth_key("1234");
    assert_eq!(r.code, 0, "{}", r.stdout);
    // vpcd's power-off message needs no answer, so pcscd may return before `inkan sim
    // vpcd` has logged it: wait a little.
    let after_sign = || {
        let log = std::fs::read_to_string(c.sim.dir.join("apdu.log")).unwrap();
        log.rsplit_once("> 802A0080")
            .map(|(_, rest)| rest.to_owned())
            .unwrap()
    };
    let start = Instant::now();
    while !after_sign().contains("# power off") {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no power-off after the signature:\n{}",
            after_sign()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // A raw session that does not verify cannot sign.
    let mut t = inkan_pcsc::PcscTransport::open(
        &inkan_pcsc::ReaderChoice::Index(usize::try_from(c.index).unwrap()),
        &inkan_pcsc::PcscOptions::new(&inkan_profile::aid::SELECT_JPKI),
    )
    .unwrap();
    use inkan_pcsc::Transport;
    let mut tx = |hex: &str| {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        pollster::block_on(t.transmit(&bytes)).unwrap()
    };
    assert_eq!(tx("00A4040C0AD392F000260100000001"), vec![0x90, 0x00]);
    assert_eq!(tx("00A4020C020017"), vec![0x90, 0x00]);
    assert_eq!(
        tx(
            "802A0080333031300D060960864801650304020105000420E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B85500"
        ),
        vec![0x69, 0x82]
    );
}

#[test]
fn my_number_info_and_photo() {
    if !enabled() {
        return;
    }
    let c = pcsc_card(&[
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
    assert!(inkan_card::MyNumber::new(&n).is_ok());
    let v = c.card("info", &[], Some("1234")).json();
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
    assert_eq!(&bytes[..4], &[0xFF, 0x4F, 0xFF, 0x51]);
    assert_eq!(r.json()["len"], json!(bytes.len()));
}

/// `inkan card change-pin --reader pcsc` (the card must be in pcscd).
fn change_pin(which: &str, old: &str, new: &str) -> Run {
    inkan(
        &[
            "card",
            "change-pin",
            "--reader",
            "pcsc",
            "--json",
            "--which",
            which,
            "--pin-env",
            "OLD",
            "--new-pin-env",
            "NEW",
        ],
        &[("OLD", old), ("NEW", new)],
    )
}

#[test]
fn change_pin_then_old_pin_fails_and_new_one_works() {
    if !enabled() {
        return;
    }
    let c = pcsc_card(&[]);
    let r = change_pin("sign", "ABC123", "NEWPIN99");
    assert_eq!(r.code, 0, "{}", r.stdout);
    let out = c.path("certs");
    let r = c.card("certs", &["--out", s(&out)], Some("ABC123"));
    assert_eq!(r.code, 5);
    assert_eq!(r.json()["error"]["code"], json!("pin-wrong"));
    assert_eq!(r.json()["error"]["retries_left"], json!(4));
    let r = c.card("certs", &["--out", s(&out)], Some("newpin99"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let before = c.sim.commands().len();
    let r = change_pin("auth", "1234", "12345");
    assert_eq!(r.code, 8);
    assert_eq!(r.json()["error"]["code"], json!("pin-format"));
    assert_eq!(c.sim.commands().len(), before);
    let r = change_pin("auth", "1234", "4321");
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = c.sign_with_auth_key("4321");
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn malformed_pin_never_reaches_the_card() {
    if !enabled() {
        return;
    }
    let c = pcsc_card(&[]);
    let doc = c.path("d");
    std::fs::write(&doc, "x").unwrap();
    let sig = c.path("d.sig");
    let out = c.path("certs");
    let before = c.sim.commands().len();
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        ("sign", vec!["--in", s(&doc), "--out", s(&sig)], "ABC-12"),
        ("sign", vec!["--in", s(&doc), "--out", s(&sig)], "ABC12"),
        (
            "sign",
            vec!["--in", s(&doc), "--out", s(&sig), "--key", "auth"],
            "12a4",
        ),
        ("certs", vec!["--out", s(&out)], "ABCDEFGHIJKLMNOPQ"),
        ("mynumber", vec![], "12345"),
        ("info", vec![], "abcd"),
        ("photo", vec!["--out", s(&out)], "１２３４"),
    ];
    for (cmd, args, pin) in cases {
        let r = c.card(cmd, &args, Some(pin));
        assert_eq!(r.code, 8, "{cmd} {pin}: {}", r.stdout);
        assert_eq!(r.json()["error"]["code"], json!("pin-format"));
        assert!(!r.stdout.contains(pin) && !r.stderr.contains(pin));
    }
    assert_eq!(c.sim.verifies_with_data(), 0);
    assert_eq!(
        c.sim.commands().len(),
        before,
        "something was sent: {:?}",
        c.sim.commands()
    );
}

#[test]
fn last_try_needs_confirmation_and_blocked_pin_sends_no_verify() {
    if !enabled() {
        return;
    }
    let c = pcsc_card(&[]);
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
        assert_eq!(r.code, 5, "{}", r.stdout);
        assert_eq!(r.json()["error"]["retries_left"], json!(left));
    }
    assert_eq!(c.sim.verifies_with_data(), 2);
    for pin in ["9999", "1234"] {
        let r = sign(pin, &[]);
        assert_eq!(r.code, 7, "{}", r.stdout);
        assert_eq!(
            r.json()["error"]["code"],
            json!("pin-last-try-needs-confirmation")
        );
    }
    assert_eq!(c.sim.verifies_with_data(), 2);
    let st = c.card("status", &[], None).json();
    assert_eq!(st["pins"][1]["retries_left"], json!(1));
    let r = sign("9999", &["--allow-last-try"]);
    assert_eq!(r.code, 6, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], json!("pin-blocked"));
    assert_eq!(c.sim.verifies_with_data(), 3);
    let r = sign("1234", &["--allow-last-try"]);
    assert_eq!(r.code, 6);
    assert_eq!(
        c.sim.verifies_with_data(),
        3,
        "a VERIFY was sent to a blocked PIN"
    );
    let st = c.card("status", &[], None).json();
    assert_eq!(st["pins"][1]["blocked"], json!(true));
    assert_eq!(st["pins"][0]["retries_left"], json!(5));
}

#[test]
fn right_pin_with_tries_used_resets_counter() {
    if !enabled() {
        return;
    }
    let c = pcsc_card(&[]);
    for _ in 0..2 {
        assert_eq!(c.card("mynumber", &[], Some("0000")).code, 5);
    }
    let r = c.card("mynumber", &["--allow-last-try"], Some("1234"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let st = c.card("status", &[], None).json();
    assert_eq!(st["pins"][2]["retries_left"], json!(3));
}

#[test]
fn card_without_signature_certificate() {
    if !enabled() {
        return;
    }
    let c = pcsc_card(&["--no-sign-cert"]);
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
}

#[test]
fn no_card_is_typed() {
    if !enabled() {
        return;
    }
    let mut c = pcsc_card(&[]);
    c.remove();
    let r = c.card("status", &[], None);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], json!("card-absent"));
    let v = list();
    assert!(
        v["readers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["card"] == json!("empty")),
        "{v}"
    );
}
