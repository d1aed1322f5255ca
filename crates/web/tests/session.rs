//! The browser API's operations against the software card, natively: the same code runs
//! behind WebUSB in the browser.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use inkan_card::LastTry;
use inkan_sim::{InitOptions, SimTransport, SoftCard};
use inkan_web::session::{ChangeablePin, Session};
use inkan_xml::{Limits, RefSpec, SignSpec, Template};

fn session() -> Session<SimTransport> {
    let card = SoftCard::generate(&InitOptions::default()).unwrap();
    pollster::block_on(Session::connect(SimTransport::new(card))).unwrap()
}

/// The progress steps of a signature (CMS or XML), in order.
const SIGN_STEPS: [&str; 5] = [
    "verify-pin",
    "read-certificate",
    "prepare",
    "card-signs",
    "finish",
];

fn quiet() -> impl FnMut(&'static str) {
    |_| {}
}

#[test]
fn status_lists_token_certificates_and_counters() {
    let mut s = session();
    let st = pollster::block_on(s.status(&mut quiet())).unwrap();
    assert_eq!(st.token.label, "JPKIAPICCTOKEN2");
    assert_eq!(st.certificates.len(), 4);
    let auth = st
        .certificates
        .iter()
        .find(|c| c.slot == inkan_card::CertSlot::Auth)
        .unwrap();
    assert!(auth.summary.as_ref().unwrap().subject.contains("C=JP"));
    let remaining: Vec<_> = st.pins.iter().map(|p| p.remaining).collect();
    assert_eq!(remaining, vec![Some(5), Some(3), Some(3)]);
}

#[test]
fn sign_document_makes_a_cms_with_progress() {
    let mut s = session();
    let mut steps = Vec::new();
    let cms = pollster::block_on(s.sign_document(
        "abc123",
        b"hello",
        false,
        1_717_000_000,
        LastTry::Refuse,
        &mut |st| steps.push(st),
    ))
    .unwrap();
    assert_eq!(cms.first(), Some(&0x30));
    assert!(cms.windows(5).any(|w| w == b"hello"));
    assert_eq!(steps, SIGN_STEPS);
}

#[test]
fn wrong_pins_report_tries_and_the_last_try_needs_confirmation() {
    let mut s = session();
    let e = pollster::block_on(s.authenticate("9999", b"c", LastTry::Refuse, &mut quiet()))
        .unwrap_err();
    assert_eq!((e.code, e.retries_left), ("pin-wrong", Some(2)));
    let e = pollster::block_on(s.authenticate("9999", b"c", LastTry::Refuse, &mut quiet()))
        .unwrap_err();
    assert_eq!((e.code, e.retries_left), ("pin-wrong", Some(1)));
    let e = pollster::block_on(s.authenticate("1234", b"c", LastTry::Refuse, &mut quiet()))
        .unwrap_err();
    assert_eq!(e.code, "pin-last-try-needs-confirmation");
    let login =
        pollster::block_on(s.authenticate("1234", b"c", LastTry::Allow, &mut quiet())).unwrap();
    assert_eq!(login.signature.len(), 256);
    let e =
        pollster::block_on(s.authenticate("12a4", b"c", LastTry::Allow, &mut quiet())).unwrap_err();
    assert_eq!(e.code, "pin-format");
}

#[test]
fn my_number_basic_info_photo_and_change_pin() {
    let mut s = session();
    let n = pollster::block_on(s.my_number("1234", LastTry::Refuse, &mut quiet())).unwrap();
    assert_eq!(n.as_str(), "123456789018");
    let info = pollster::block_on(s.basic_info("1234", LastTry::Refuse, &mut quiet())).unwrap();
    assert_eq!(info.birth_date.as_str(), "19850615");
    let mut steps = Vec::new();
    let photo = pollster::block_on(s.face_photo(
        "1234",
        LastTry::Refuse,
        &mut |st| steps.push(st),
        |jp2| {
            inkan_web_photo::decode_jpeg2000(jp2)
                .map_err(|e| inkan_web::WebError::new(e.code(), e.to_string()))
        },
    ))
    .unwrap();
    assert_eq!(steps.last(), Some(&"decode-photo"));
    assert_eq!(
        photo.pixels.len(),
        (photo.width * photo.height * 4) as usize
    );
    let png = inkan_web_photo::encode_png(&photo);
    assert_eq!(&png[1..4], b"PNG");
    // What the decoder refuses comes back as its error, after the card was read.
    let e = pollster::block_on(s.face_photo("1234", LastTry::Refuse, &mut quiet(), |_| {
        Err::<(), _>(inkan_web::WebError::new("photo-decode", "no"))
    }))
    .unwrap_err();
    assert_eq!(e.code, "photo-decode");
    pollster::block_on(s.change_pin(
        ChangeablePin::Auth,
        "1234",
        "4321",
        LastTry::Refuse,
        &mut quiet(),
    ))
    .unwrap();
    pollster::block_on(s.forget_pins());
    pollster::block_on(s.authenticate("4321", b"c", LastTry::Refuse, &mut quiet())).unwrap();
}

const FILING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DATA xmlns="http://xml.e-tax.nta.go.jp/XSD/shotoku" xmlns:gen="http://xml.e-tax.nta.go.jp/XSD/general" id="DATA">
  <RKO0010 VR="24.0.0" id="RKO0010"><gen:NENBUN>令和6年分</gen:NENBUN></RKO0010>
</DATA>
"#;

/// The template the XML module builds in the browser (`inkan-web-xml` wraps this type).
fn template(document: &[u8], ids: &[&str]) -> Template {
    let spec = SignSpec {
        references: ids.iter().map(|i| RefSpec::Id((*i).to_owned())).collect(),
        ..SignSpec::default()
    };
    Template::new(document.to_vec(), spec, Limits::DEFAULT)
}

#[test]
fn sign_xml_inserts_one_signature_and_changes_no_other_byte() {
    let mut s = session();
    let mut steps = Vec::new();
    let signed = pollster::block_on(s.sign_xml(
        "abc123",
        &mut template(FILING.as_bytes(), &["RKO0010"]),
        LastTry::Refuse,
        &mut |st| steps.push(st),
    ))
    .unwrap();
    let at = FILING.rfind("</DATA>").unwrap();
    let tail = &FILING[at..];
    let signed = String::from_utf8(signed).unwrap();
    assert!(signed.starts_with(&FILING[..at]));
    assert!(signed.ends_with(tail));
    let inserted = &signed[at..signed.len() - tail.len()];
    assert!(inserted.starts_with("<dsig:Signature "), "{inserted}");
    assert!(inserted.contains(r##"URI="#RKO0010""##));
    assert_eq!(inserted.matches("<dsig:X509Certificate>").count(), 2);
    assert_eq!(steps, SIGN_STEPS);
}

#[test]
fn sign_xml_refuses_a_missing_reference_before_the_pin() {
    let mut s = session();
    let mut steps = Vec::new();
    let e = pollster::block_on(s.sign_xml(
        "ABC123",
        &mut template(FILING.as_bytes(), &["RKO9999"]),
        LastTry::Refuse,
        &mut |st| steps.push(st),
    ))
    .unwrap_err();
    assert_eq!(e.code, "xml-reference-missing");
    assert!(steps.is_empty(), "{steps:?}");
    let e = pollster::block_on(s.sign_xml(
        "ABC123",
        &mut template(b"<!DOCTYPE a><a id=\"a\"><b id=\"b\"/></a>", &["b"]),
        LastTry::Refuse,
        &mut quiet(),
    ))
    .unwrap_err();
    assert_eq!(e.code, "xml-dtd-refused");
    let st = pollster::block_on(s.status(&mut quiet())).unwrap();
    assert_eq!(st.pins.first().and_then(|p| p.remaining), Some(5));
    let e = pollster::block_on(s.sign_xml(
        "WRONG1",
        &mut template(FILING.as_bytes(), &["RKO0010"]),
        LastTry::Refuse,
        &mut quiet(),
    ))
    .unwrap_err();
    assert_eq!(
        (e.code, e.pin, e.retries_left),
        ("pin-wrong", Some("sign"), Some(4))
    );
}
