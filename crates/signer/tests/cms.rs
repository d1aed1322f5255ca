//! The CMS / CAdES-BES builder: with the software card end to end, in two steps with a
//! software key, and its failure cases; every result is checked by `inkan-verify`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::{DOC, SIGNING_TIME, opts, pin, run, sim, store};
use der::{Decode, Encode};
use inkan_card::{LastTry, SignPin};
use inkan_signer::{CmsOptions, PreparedCms, sign_document};
use inkan_sim::InitOptions;
use inkan_verify::signed::cms::Content;
use inkan_verify::{Cert, CertKind, CrlSet, RevocationOptions, Sex, UnixTime, verify_cms};

#[test]
fn sign_document_attached_and_detached_verify() {
    let (mut card, pki) = sim(&InitOptions::default());
    let doc = b"contract: 1 yen, paid on delivery\n";
    let st = store(&pki);
    for detached in [false, true] {
        let p7s = run(sign_document(
            &mut card,
            &pin(),
            doc,
            detached,
            SIGNING_TIME,
            LastTry::Refuse,
            &mut |_| {},
        ))
        .unwrap();
        let v = verify_cms(
            &p7s,
            detached.then_some(Content::Bytes(&doc[..])).as_ref(),
            &st,
            &[],
            &opts(),
            DOC,
        )
        .unwrap();
        assert_eq!(v.content_len, doc.len());
        assert_eq!(v.kind, CertKind::Signature);
        assert_eq!(v.signing_time, Some(UnixTime::from_secs(SIGNING_TIME)));
        let id = v.identity.unwrap();
        assert_eq!(id.name.as_deref(), Some("試験 花子"));
        assert_eq!(id.sex, Some(Sex::Female));
        let b = id.birth_date.unwrap();
        assert_eq!((b.era_digit, b.year, b.month, b.day), (3, 1985, 6, 15));
        // Tampered content.
        let e = if detached {
            verify_cms(
                &p7s,
                Some(&Content::Bytes(b"contract: 2 yen")),
                &st,
                &[],
                &opts(),
                DOC,
            )
            .unwrap_err()
        } else {
            let mut t = p7s.clone();
            let pos = t.windows(8).position(|w| w == b"contract").unwrap();
            t[pos] ^= 0x20;
            verify_cms(&t, None, &st, &[], &opts(), DOC).unwrap_err()
        };
        assert_eq!(e.code(), "digest-mismatch");
    }
    // One VERIFY per signature: the PIN counter is intact.
    assert_eq!(
        run(card.pin_status(inkan_card::PinKind::Sign)).unwrap(),
        inkan_card::PinStatus::Remaining(5)
    );
}

#[test]
fn revoked_signer_is_reported_with_its_reason() {
    let o = InitOptions {
        revoke_sign_cert: true,
        ..InitOptions::default()
    };
    let (mut card, pki) = sim(&o);
    let p7s = run(sign_document(
        &mut card,
        &pin(),
        b"x",
        false,
        SIGNING_TIME,
        LastTry::Refuse,
        &mut |_| {},
    ))
    .unwrap();
    // The CRL the sim would write: rebuild it from the same options.
    let tmp = std::env::temp_dir().join(format!("inkan-card-cms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    inkan_sim::init(&tmp, &o).unwrap();
    let mut crls = CrlSet::new();
    crls.add_der(&std::fs::read(tmp.join("pki/sign.crl")).unwrap())
        .unwrap();
    let _ = std::fs::remove_dir_all(&tmp);
    let mut vo = opts();
    vo.revocation = Some(RevocationOptions::new(&crls));
    let e = verify_cms(&p7s, None, &store(&pki), &[], &vo, DOC).unwrap_err();
    assert_eq!(e.code(), "revoked");
    assert!(e.to_string().contains("affiliationChanged"), "{e}");
}

#[test]
fn wrong_pin_is_a_card_error_and_nothing_is_signed() {
    let (mut card, _) = sim(&InitOptions::default());
    let e = run(sign_document(
        &mut card,
        &SignPin::new("WRONG1").unwrap(),
        b"x",
        false,
        SIGNING_TIME,
        LastTry::Refuse,
        &mut |_| {},
    ))
    .unwrap_err();
    assert_eq!(e.code(), "pin-wrong");
    assert!(matches!(e, inkan_signer::CmsError::Card(_)));
}

/// A software RSA key stands in for the card: the two-step API works with any signer.
#[test]
fn two_steps_with_a_software_key() {
    let (mut card, pki) = sim(&InitOptions::default());
    let cert = run(card.read_sign_certificate(&pin(), LastTry::Refuse)).unwrap();
    let opts_default = InitOptions::default();
    let key = inkan_sim::pki::test_key(opts_default.seed, "card/sign").unwrap();

    let ca = pki.sign_roots.last().unwrap().cert_der().to_vec();
    let mut o = CmsOptions::new(false, SIGNING_TIME);
    o.ca_certificate = Some(ca);
    let p = PreparedCms::new(&cert, b"hello", o).unwrap();
    // The DigestInfo is SHA-256 over the DER SET OF signed attributes.
    assert_eq!(p.signed_attributes()[0], 0x31);
    let mut expect = vec![
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    expect.extend_from_slice(&inkan_card::HashAlg::Sha256.hash(p.signed_attributes()));
    assert_eq!(p.digest_info().as_bytes(), expect.as_slice());
    let sig = key
        .sign(
            rsa::Pkcs1v15Sign::new_unprefixed(),
            p.digest_info().as_bytes(),
        )
        .unwrap();
    // A signature by another key is refused.
    let other = inkan_sim::pki::test_key(opts_default.seed, "card/auth").unwrap();
    let bad = other
        .sign(
            rsa::Pkcs1v15Sign::new_unprefixed(),
            p.digest_info().as_bytes(),
        )
        .unwrap();
    assert_eq!(
        p.clone().finish(&bad).unwrap_err().code(),
        "cms-bad-signature"
    );
    assert_eq!(
        p.clone().finish(&[1, 2, 3]).unwrap_err().code(),
        "cms-bad-signature"
    );
    let p7s = p.finish(&sig).unwrap();
    let v = verify_cms(&p7s, None, &store(&pki), &[], &opts(), DOC).unwrap();
    assert_eq!(v.content_len, 5);

    // Both certificates are in the SignedData, the signer info is version 1 with
    // issuerAndSerialNumber, and every signed attribute is there.
    let ci = cms::content_info::ContentInfo::from_der(&p7s).unwrap();
    let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    assert_eq!(sd.certificates.as_ref().unwrap().0.len(), 2);
    let si = sd.signer_infos.0.iter().next().unwrap();
    assert_eq!(si.version, cms::content_info::CmsVersion::V1);
    let oids: Vec<String> = si
        .signed_attrs
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.oid.to_string())
        .collect();
    for want in [
        "1.2.840.113549.1.9.3",
        "1.2.840.113549.1.9.4",
        "1.2.840.113549.1.9.5",
        "1.2.840.113549.1.9.16.2.47",
    ] {
        assert!(oids.iter().any(|o| o == want), "{want} missing in {oids:?}");
    }
    // The signed attributes in the message are exactly the ones that were signed.
    assert_eq!(
        si.signed_attrs.as_ref().unwrap().to_der().unwrap(),
        expect_attrs(&p7s)
    );
    let _ = Cert::from_der(&cert).unwrap();
}

fn expect_attrs(p7s: &[u8]) -> Vec<u8> {
    let ci = cms::content_info::ContentInfo::from_der(p7s).unwrap();
    let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    sd.signer_infos
        .0
        .iter()
        .next()
        .unwrap()
        .signed_attrs
        .as_ref()
        .unwrap()
        .to_der()
        .unwrap()
}

#[test]
fn signing_time_encoding_follows_rfc5652() {
    let (mut card, _) = sim(&InitOptions::default());
    let cert = run(card.read_sign_certificate(&pin(), LastTry::Refuse)).unwrap();
    // 2049-12-31T23:59:59Z is UTCTime (tag 0x17), 2050-01-01T00:00:00Z GeneralizedTime (0x18).
    for (secs, tag) in [(2_524_607_999u64, 0x17u8), (2_524_608_000, 0x18)] {
        let p = PreparedCms::new(&cert, b"", CmsOptions::new(true, secs)).unwrap();
        let a = p.signed_attributes();
        let st = [
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05,
        ];
        let pos = a.windows(st.len()).position(|w| w == st).unwrap();
        // OID, then SET (0x31 len), then the time.
        assert_eq!(a[pos + st.len() + 2], tag);
    }
    assert_eq!(
        PreparedCms::new(b"\x30\x00", b"", CmsOptions::new(true, 0))
            .unwrap_err()
            .code(),
        "cms-certificate"
    );
}

/// The card path puts the signature CA certificate beside the signer's (RFC 5652 §5.1
/// `certificates`), reports its steps in order, and refuses an oversized document before
/// the PIN reaches the card.
#[test]
fn card_cms_carries_the_ca_certificate_and_reports_steps() {
    let (mut card, pki) = sim(&InitOptions::default());
    let mut steps = Vec::new();
    let p7s = run(sign_document(
        &mut card,
        &pin(),
        b"hello",
        true,
        SIGNING_TIME,
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
    let ci = cms::content_info::ContentInfo::from_der(&p7s).unwrap();
    let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    let certs: Vec<Vec<u8>> = sd
        .certificates
        .as_ref()
        .unwrap()
        .0
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect();
    assert_eq!(certs.len(), 2);
    let ca = run(card.read_certificate(inkan_card::CertSlot::SignCa))
        .unwrap()
        .unwrap();
    assert!(certs.contains(&ca));
    // On JPKI cards the signature CA certificate is the J-LIS sign root (FACTS §2, EF 0002).
    assert!(pki.sign_roots.iter().any(|r| r.cert_der() == ca.as_slice()));

    let big = vec![0u8; inkan_signer::MAX_DOCUMENT_LEN + 1];
    let before = run(card.pin_status(inkan_card::PinKind::Sign)).unwrap();
    let e = run(sign_document(
        &mut card,
        &SignPin::new("WRONG1").unwrap(),
        &big,
        true,
        SIGNING_TIME,
        LastTry::Refuse,
        &mut |_| {},
    ))
    .unwrap_err();
    assert_eq!(e.code(), "invalid-argument");
    assert_eq!(
        run(card.pin_status(inkan_card::PinKind::Sign)).unwrap(),
        before
    );
}
