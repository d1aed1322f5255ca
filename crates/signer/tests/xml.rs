//! XML signatures made with the software card and checked by `inkan-verify`: e-Tax
//! sibling signatures, an enveloped deduction-certificate-shaped document, an e-Gov
//! application with attachments and a non-ASCII id, the bytes of the input kept, and
//! the attacks the profile refuses (each with its code).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::{AT, DOC, opts, pin, run, store};
use inkan_card::{LastTry, MyNumberCard, SignPin};
use inkan_signer::sign_xml;
use inkan_signer::xml::{Limits, RefSpec, SignSpec};
use inkan_sim::pki::TestPki;
use inkan_sim::{InitOptions, SimTransport};
use inkan_verify::signed::xml::XmlVerification;
use inkan_verify::{UnixTime, verify_xml};
use inkan_xml::NoAttachments;
use inkan_xml::dsig::Attachments;

const FILING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DATA xmlns="http://xml.e-tax.nta.go.jp/XSD/shotoku" xmlns:gen="http://xml.e-tax.nta.go.jp/XSD/general" id="DATA">
  <RKO0010 VR="23.0.0" id="RKO0010">
    <gen:NAME>山田 太郎</gen:NAME>
    <AMOUNT>1200000</AMOUNT>
  </RKO0010>
</DATA>
"#;

const DEDUCTION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<KOJO xmlns="http://xml.e-tax.nta.go.jp/XSD/kojo" id="KOJO"><SHOMEI><NAME>生命保険料控除証明書</NAME><AMOUNT>80000</AMOUNT></SHOMEI></KOJO>"#;

const KOUSEI: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<構成管理><構成情報 id="構成情報"><申請書属性情報><申請種別>新規</申請種別></申請書属性情報><添付書類属性情報><ファイル名>a.pdf</ファイル名><ファイル名>b.txt</ファイル名></添付書類属性情報></構成情報></構成管理>"#;

fn sim() -> (MyNumberCard<SimTransport>, TestPki) {
    common::sim(&InitOptions::default())
}

fn sign(card: &mut MyNumberCard<SimTransport>, doc: &[u8], spec: &SignSpec) -> Vec<u8> {
    let mut steps = Vec::new();
    let out = run(sign_xml(
        card,
        &pin(),
        doc,
        spec,
        &Limits::DEFAULT,
        LastTry::Refuse,
        &mut |s| steps.push(s),
    ))
    .unwrap();
    assert_eq!(
        steps,
        [
            "verify-pin",
            "read-certificate",
            "prepare",
            "card-signs",
            "finish"
        ]
    );
    out
}

fn refs(ids: &[&str]) -> SignSpec {
    SignSpec {
        references: ids.iter().map(|i| RefSpec::Id((*i).into())).collect(),
        ..SignSpec::default()
    }
}

fn check(doc: &[u8], att: &dyn Attachments, pki: &TestPki) -> XmlVerification {
    verify_xml(doc, att, &Limits::DEFAULT, &store(pki), &[], &opts(), DOC).unwrap()
}

fn sig_code(v: &XmlVerification, i: usize) -> &'static str {
    v.signatures[i]
        .result
        .as_ref()
        .err()
        .map(|e| e.code())
        .unwrap_or("valid")
}

/// The output is the input with one insertion: same prefix, same suffix.
fn assert_only_inserted(before: &[u8], after: &[u8]) {
    let at = before
        .iter()
        .zip(after)
        .position(|(a, b)| a != b)
        .unwrap_or(before.len());
    let tail = before.len() - at;
    assert_eq!(&after[after.len() - tail..], &before[at..]);
    assert!(after.len() > before.len());
}

#[test]
fn etax_two_sibling_signatures_both_valid_and_bytes_kept() {
    let (mut card, pki) = sim();
    let one = sign(&mut card, FILING.as_bytes(), &refs(&["RKO0010"]));
    assert_only_inserted(FILING.as_bytes(), &one);
    let two = sign(&mut card, &one, &refs(&["RKO0010"]));
    assert_only_inserted(&one, &two);
    let v = check(&two, &NoAttachments, &pki);
    assert!(v.valid(), "{v:?}");
    assert_eq!(v.signatures.len(), 2);
    assert_eq!(v.signatures[0].id.as_deref(), Some("Signature1"));
    assert_eq!(v.signatures[1].id.as_deref(), Some("Signature2"));
    let s = v.signatures[0].result.as_ref().unwrap();
    assert_eq!(s.kind, inkan_verify::CertKind::Signature);
    assert_eq!(s.method, inkan_xml::SignatureAlg::RsaSha256);
    assert!(s.identity.is_some(), "the JPKI identity is read");
    assert_eq!(v.signatures[0].references[0].uri, "#RKO0010");
}

#[test]
fn enveloped_deduction_certificate_and_no_second_signature_over_it() {
    let (mut card, pki) = sim();
    let spec = SignSpec {
        enveloped: true,
        ..SignSpec::default()
    };
    let signed = sign(&mut card, DEDUCTION.as_bytes(), &spec);
    assert_only_inserted(DEDUCTION.as_bytes(), &signed);
    let text = String::from_utf8(signed.clone()).unwrap();
    assert!(text.contains("URI=\"#KOJO\"") && text.contains("enveloped-signature"));
    let v = check(&signed, &NoAttachments, &pki);
    assert!(v.valid(), "{v:?}");
    // A second signature inside the root would break the first: refused before the card.
    let e = run(sign_xml(
        &mut card,
        &pin(),
        &signed,
        &spec,
        &Limits::DEFAULT,
        LastTry::Refuse,
        &mut |_| {},
    ))
    .unwrap_err();
    assert_eq!(e.code(), "xml-malformed");
}

#[test]
fn egov_application_with_attachments_and_a_non_ascii_id() {
    let (mut card, pki) = sim();
    let files = vec![
        ("a.pdf".to_owned(), b"%PDF-1.7 \x00\x01 binary".to_vec()),
        ("b.txt".to_owned(), "添付 text".as_bytes().to_vec()),
    ];
    let mut spec = refs(&["構成情報"]);
    for (name, bytes) in &files {
        spec.references.push(RefSpec::File {
            name: name.clone(),
            bytes: bytes.clone(),
        });
    }
    let signed = sign(&mut card, KOUSEI.as_bytes(), &spec);
    let text = String::from_utf8(signed.clone()).unwrap();
    assert!(
        text.contains("URI=\"#%E6%A7%8B%E6%88%90%E6%83%85%E5%A0%B1\""),
        "the id is percent-encoded UTF-8"
    );
    let v = check(&signed, &files, &pki);
    assert!(v.valid(), "{v:?}");
    assert_eq!(v.signatures[0].references.len(), 3);
    // A changed attachment, a missing one.
    let mut changed = files.clone();
    changed[1].1.push(b'!');
    let v = check(&signed, &changed, &pki);
    assert_eq!(sig_code(&v, 0), "xml-digest-mismatch");
    assert_eq!(
        v.signatures[0].references[2]
            .result
            .as_ref()
            .unwrap_err()
            .code(),
        "xml-digest-mismatch"
    );
    let v = check(&signed, &files[..1].to_vec(), &pki);
    assert_eq!(sig_code(&v, 0), "xml-reference-missing");
    // The ZIP form.
    let zip = {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        w.start_file("app/kousei.xml", o).unwrap();
        w.write_all(&signed).unwrap();
        for (n, b) in &files {
            w.start_file(format!("app/{n}"), o).unwrap();
            w.write_all(b).unwrap();
        }
        w.finish().unwrap().into_inner()
    };
    let p = inkan_xml::egov::Package::from_zip(&zip).unwrap();
    let v = check(&p.kousei, &p, &pki);
    assert!(v.valid(), "{v:?}");
}

fn signed_filing() -> (String, TestPki) {
    let (mut card, pki) = sim();
    let s = sign(&mut card, FILING.as_bytes(), &refs(&["RKO0010"]));
    (String::from_utf8(s).unwrap(), pki)
}

#[test]
fn wrapping_the_referenced_id_moved_duplicated_or_elsewhere() {
    let (signed, pki) = signed_filing();
    // Duplicated: a forged RKO0010 beside the signed one.
    let forged = r#"<RKO0010 id="RKO0010"><AMOUNT>9</AMOUNT></RKO0010>"#;
    let dup = signed.replacen("<dsig:Signature", &format!("{forged}<dsig:Signature"), 1);
    let o = opts();
    let e = verify_xml(
        dup.as_bytes(),
        &NoAttachments,
        &Limits::DEFAULT,
        &store(&pki),
        &[],
        &o,
        DOC,
    )
    .unwrap_err();
    assert_eq!(e.code(), "xml-duplicate-id");
    // Moved: the signed element hidden in an Object of the signature, a forged one
    // (other id) shown in its place.
    let start = signed.find("<RKO0010").unwrap();
    let end = signed.find("</RKO0010>").unwrap() + "</RKO0010>".len();
    let original = &signed[start..end];
    let moved = format!(
        "{}{}{}",
        &signed[..start],
        r#"<RKO0010 id="RKO0010-shown"><AMOUNT>9</AMOUNT></RKO0010>"#,
        &signed[end..]
    )
    .replacen(
        "</dsig:Signature>",
        &format!("<dsig:Object>{original}</dsig:Object></dsig:Signature>"),
        1,
    );
    let v = check(moved.as_bytes(), &NoAttachments, &pki);
    assert_eq!(sig_code(&v, 0), "xml-wrapping");
    assert!(!v.valid());
    // Pointing at another element: the reference re-aimed at a nested element.
    let nested = signed
        .replacen("<AMOUNT>", r#"<AMOUNT id="amt">"#, 1)
        .replacen("URI=\"#RKO0010\"", "URI=\"#amt\"", 1);
    let v = check(nested.as_bytes(), &NoAttachments, &pki);
    assert_eq!(sig_code(&v, 0), "xml-wrapping");
    // Unknown id.
    let gone = signed.replacen("URI=\"#RKO0010\"", "URI=\"#RKO9999\"", 1);
    let v = check(gone.as_bytes(), &NoAttachments, &pki);
    assert_eq!(sig_code(&v, 0), "xml-reference-missing");
}

#[test]
fn injected_comment_whitespace_and_appended_procedure_are_refused() {
    let (signed, pki) = signed_filing();
    assert!(check(signed.as_bytes(), &NoAttachments, &pki).valid());
    // A comment splitting signed text: C14N without comments hides it, so the digest
    // still matches; the profile refuses it.
    let comment = signed.replacen("山田 太郎", "山田<!-- -->太郎", 1);
    let v = check(comment.as_bytes(), &NoAttachments, &pki);
    assert_eq!(sig_code(&v, 0), "xml-wrapping");
    let ws = signed.replacen("1200000", "12 00000", 1);
    let v = check(ws.as_bytes(), &NoAttachments, &pki);
    assert_eq!(sig_code(&v, 0), "xml-digest-mismatch");
    // A second procedure element appended after signing: nobody signed it.
    let extra = signed.replacen(
        "</DATA>",
        r#"<RKO0020 id="RKO0020"><AMOUNT>1</AMOUNT></RKO0020></DATA>"#,
        1,
    );
    let v = check(extra.as_bytes(), &NoAttachments, &pki);
    assert!(
        v.signatures[0].valid(),
        "the signature itself still verifies"
    );
    assert!(!v.valid());
    assert_eq!(v.unsigned, ["RKO0020#RKO0020"]);
    let r = inkan_verify::report::XmlReport::new(&v, UnixTime::parse_rfc3339(AT).unwrap());
    assert_eq!(r.error.unwrap().code, "xml-wrapping");
    // A changed SignatureValue.
    let sv = signed.find("<dsig:SignatureValue>").unwrap() + "<dsig:SignatureValue>".len();
    let mut bad = signed.clone().into_bytes();
    bad[sv] = if bad[sv] == b'A' { b'B' } else { b'A' };
    let v = check(&bad, &NoAttachments, &pki);
    assert_eq!(sig_code(&v, 0), "bad-signature");
}

#[test]
fn documents_refused_before_signing_cost_no_pin_try() {
    let (mut card, _pki) = sim();
    let pin = SignPin::new("ABC123").unwrap();
    let cases: [(&str, SignSpec, &str); 5] = [
        (FILING, refs(&["nope"]), "xml-reference-missing"),
        (FILING, refs(&["DATA"]), "xml-wrapping"),
        ("<a><!DOCTYPE x></a>", refs(&["x"]), "xml-malformed"),
        (
            "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a id=\"x\">&e;</a>",
            refs(&["x"]),
            "xml-dtd-refused",
        ),
        ("<DATA id=\"x\"/>", refs(&["x"]), "xml-malformed"),
    ];
    for (doc, spec, code) in cases {
        let e = run(sign_xml(
            &mut card,
            &pin,
            doc.as_bytes(),
            &spec,
            &Limits::DEFAULT,
            LastTry::Refuse,
            &mut |_| panic!("a step began for {code}"),
        ))
        .unwrap_err();
        assert_eq!(e.code(), code, "{doc}");
    }
    let st = run(card.pin_status(inkan_card::PinKind::Sign)).unwrap();
    assert_eq!(st, inkan_card::PinStatus::Remaining(5), "no try was used");
}
