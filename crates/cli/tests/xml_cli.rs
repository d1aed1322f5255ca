//! `inkan card sign-xml` and `inkan verify xml` through the binary: the JSON contract and
//! exit codes, the signature PIN's rules (checked in the card's APDU log), and documents
//! refused before anything reaches the card or memory.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;
use common::{SimCard, inkan, s, sim_card};
use serde_json::json;

const FILING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DATA xmlns="http://xml.e-tax.nta.go.jp/XSD/shotoku" id="DATA"><RKO0010 id="RKO0010"><NAME>山田 太郎</NAME></RKO0010></DATA>
"#;
const AT: &str = "2024-04-15T00:00:00Z";

fn filing(c: &SimCard) -> std::path::PathBuf {
    let p = c.path("f.xtx");
    std::fs::write(&p, FILING).unwrap();
    p
}

fn verify(c: &SimCard, file: &std::path::Path, extra: &[&str]) -> common::Run {
    let pki = c.dir.join("pki");
    let crl = pki.join("sign.crl");
    let mut a = vec![
        "verify",
        "xml",
        "--in",
        s(file),
        "--trust-anchors",
        s(&pki),
        "--crl",
        s(&crl),
        "--at",
        AT,
        "--json",
    ];
    a.extend_from_slice(extra);
    inkan(&a, &[])
}

#[test]
fn sign_twice_then_verify_json_contract() {
    let c = sim_card(&[]);
    let f = filing(&c);
    let (one, two) = (c.path("1.xtx"), c.path("2.xtx"));
    for (i, o) in [(&f, &one), (&one, &two)] {
        let r = c.card(
            "sign-xml",
            &["--in", s(i), "--out", s(o), "--ref", "RKO0010"],
            Some("ABC123"),
        );
        assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
        let v = r.json();
        assert_eq!(v["ok"], json!(true));
        assert_eq!(v["references"], json!(["#RKO0010"]));
    }
    let r = verify(&c, &two, &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["ok"], json!(true));
    assert_eq!(v["valid"], json!(true));
    let sigs = v["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    for (i, sig) in sigs.iter().enumerate() {
        assert_eq!(sig["id"], json!(format!("Signature{}", i + 1)));
        assert_eq!(sig["valid"], json!(true));
        assert_eq!(
            sig["references"],
            json!([{"uri": "#RKO0010", "valid": true}])
        );
        assert_eq!(sig["certificate_kind"], json!("signature"));
        assert_eq!(sig["revocation"]["status"], json!("good"));
        assert!(sig["signer"]["subject"].is_string());
    }
    // One signature broken: exit 10, the other still valid.
    let text = std::fs::read_to_string(&two).unwrap();
    let at = text.rfind("<dsig:SignatureValue>").unwrap() + "<dsig:SignatureValue>".len();
    let mut b = text.into_bytes();
    b[at] = if b[at] == b'Q' { b'R' } else { b'Q' };
    let bad = c.path("bad.xtx");
    std::fs::write(&bad, b).unwrap();
    let r = verify(&c, &bad, &[]);
    assert_eq!(r.code, 10, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["valid"], json!(false));
    assert_eq!(v["signatures"][0]["valid"], json!(true));
    assert_eq!(v["signatures"][1]["error"]["code"], json!("bad-signature"));
}

#[test]
fn sign_xml_keeps_the_pin_rules() {
    let c = sim_card(&[]);
    let f = filing(&c);
    let out = c.path("o.xtx");
    let sign = |pin: &str, extra: &[&str]| {
        let mut a = vec!["--in", s(&f), "--out", s(&out), "--ref", "RKO0010"];
        a.extend_from_slice(extra);
        c.card("sign-xml", &a, Some(pin))
    };
    // A malformed PIN never reaches the card, nor is it echoed.
    for pin in ["abc-12", "AB12", "ABCDEFGHIJKLMNOPQ"] {
        let r = sign(pin, &[]);
        assert_eq!(r.code, 8, "{}", r.stdout);
        assert_eq!(r.json()["error"]["code"], json!("pin-format"));
        assert!(!r.stdout.contains(pin) && !r.stderr.contains(pin));
    }
    assert!(c.commands().is_empty(), "{:?}", c.commands());
    // A document that cannot be signed as asked: no PIN is even asked for.
    let r = c.card(
        "sign-xml",
        &["--in", s(&f), "--out", s(&out), "--ref", "nope"],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], json!("xml-reference-missing"));
    assert!(c.commands().is_empty());
    // Wrong PINs count down; the last try needs confirmation; blocked sends nothing.
    for left in [4, 3, 2, 1] {
        let r = sign("WRONG1", &[]);
        assert_eq!(r.code, 5, "{}", r.stdout);
        assert_eq!(r.json()["error"]["retries_left"], json!(left));
    }
    assert_eq!(c.verifies_with_data(), 4);
    for pin in ["WRONG1", "ABC123"] {
        let r = sign(pin, &[]);
        assert_eq!(r.code, 7, "{}", r.stdout);
    }
    assert_eq!(c.verifies_with_data(), 4, "a VERIFY on the last try");
    let r = sign("ABC123", &["--allow-last-try"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(c.verifies_with_data(), 5);
    assert_eq!(verify(&c, &out, &[]).code, 0);
}

#[test]
fn hostile_documents_are_refused_with_their_codes() {
    let c = sim_card(&[]);
    let laughs = c.path("lol.xml");
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 \"lol\">\n");
    for i in 1..10 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        doc.push_str(&format!("<!ENTITY lol{i} \"{prev}\">\n"));
    }
    doc.push_str("]>\n<lolz>&lol9;</lolz>\n");
    std::fs::write(&laughs, doc).unwrap();
    let xxe = c.path("xxe.xml");
    std::fs::write(
        &xxe,
        "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>",
    )
    .unwrap();
    for f in [&laughs, &xxe] {
        let r = verify(&c, f, &[]);
        assert_eq!(r.code, 10, "{}", r.stdout);
        let v = r.json();
        assert_eq!(v["ok"], json!(true));
        assert_eq!(v["valid"], json!(false));
        assert_eq!(v["error"]["code"], json!("xml-dtd-refused"));
    }
    // 1 GB (sparse): refused by the size limit before it is read.
    let big = c.path("big.xml");
    let fh = std::fs::File::create(&big).unwrap();
    fh.set_len(1 << 30).unwrap();
    let r = verify(&c, &big, &[]);
    assert_eq!(r.code, 10, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], json!("xml-too-large"));
    // Not XML; XML without a signature.
    let junk = c.path("junk.xml");
    std::fs::write(&junk, b"<a><b></a>").unwrap();
    assert_eq!(
        verify(&c, &junk, &[]).json()["error"]["code"],
        json!("xml-malformed")
    );
    let f = filing(&c);
    assert_eq!(
        verify(&c, &f, &[]).json()["error"]["code"],
        json!("xml-no-signature")
    );
}
