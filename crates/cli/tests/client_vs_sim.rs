//! The real client (`inkan-card`) against the software card (`inkan-sim`),
//! in memory, for every operation and the card variants.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use der::Decode;
use inkan_card::{
    AuthPin, CardError, CertSlot, DigestInfo, HashAlg, KeyKind, KeyPin, LastTry, MyNumberCard,
    PinKind, PinStatus, SignPin, TextPin, TokenKind,
};
use inkan_sim::card::{BlockedStatusAnswer, MissingSignCert, VerifiedStatusAnswer};
use inkan_sim::{InitOptions, SimTransport, SoftCard};
use rsa::PublicKey as RsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use spki::DecodePublicKey;

fn run<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

/// Keys come from `inkan_sim::pki::test_key`, memoized per process, so this is quick after the first call.
fn base_card() -> SoftCard {
    SoftCard::generate(&InitOptions::default()).unwrap()
}

fn card_with(f: impl FnOnce(&mut inkan_sim::card::CardOptions)) -> MyNumberCard<SimTransport> {
    let mut sc = base_card();
    let mut o = sc.state().options.clone();
    f(&mut o);
    sc.set_options(o).unwrap();
    run(MyNumberCard::connect(SimTransport::new(sc))).unwrap()
}

fn card() -> MyNumberCard<SimTransport> {
    card_with(|_| {})
}

fn public_key(cert_der: &[u8]) -> RsaPublicKey {
    let cert = x509_cert::Certificate::from_der(cert_der).unwrap();
    let spki = der::Encode::to_der(cert.tbs_certificate().subject_public_key_info()).unwrap();
    RsaPublicKey::from_public_key_der(&spki).unwrap()
}

fn verifies(cert: &[u8], hash: HashAlg, data: &[u8], sig: &[u8]) -> bool {
    let key = public_key(cert);
    let s = Signature::try_from(sig).unwrap();
    match hash {
        HashAlg::Sha256 => VerifyingKey::<sha2::Sha256>::new(key)
            .verify(data, &s)
            .is_ok(),
        HashAlg::Sha384 => VerifyingKey::<sha2::Sha384>::new(key)
            .verify(data, &s)
            .is_ok(),
        _ => VerifyingKey::<sha2::Sha512>::new(key)
            .verify(data, &s)
            .is_ok(),
    }
}

#[test]
fn every_operation() {
    let mut c = card();
    assert_eq!(run(c.token_info()).unwrap().kind, TokenKind::MyNumberCard);
    for slot in [CertSlot::Auth, CertSlot::AuthCa, CertSlot::SignCa] {
        let der = run(c.read_certificate(slot)).unwrap().unwrap();
        x509_cert::Certificate::from_der(&der).unwrap();
    }
    assert_eq!(
        run(c.read_certificate(CertSlot::Sign)),
        Err(CardError::PinRequired { pin: PinKind::Sign })
    );
    for (k, n) in [(PinKind::Sign, 5), (PinKind::Auth, 3), (PinKind::Text, 3)] {
        assert_eq!(run(c.pin_status(k)).unwrap(), PinStatus::Remaining(n));
    }
    let sp = SignPin::new("abc123").unwrap();
    let sign_cert = run(c.read_sign_certificate(&sp, LastTry::Refuse)).unwrap();
    let auth_cert = run(c.read_certificate(CertSlot::Auth)).unwrap().unwrap();
    for hash in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
        let data = b"document";
        let sig = run(c.sign(
            &KeyPin::Sign(sp.clone()),
            &DigestInfo::of_data(hash, data),
            LastTry::Refuse,
        ))
        .unwrap();
        assert!(verifies(&sign_cert, hash, data, &sig));
        let sig = run(c.sign(
            &KeyPin::Auth(AuthPin::new("1234").unwrap()),
            &DigestInfo::of_data(hash, b"challenge"),
            LastTry::Refuse,
        ))
        .unwrap();
        assert!(verifies(&auth_cert, hash, b"challenge", &sig));
        assert!(!verifies(&sign_cert, hash, b"challenge", &sig));
    }
    let tp = TextPin::new("1234").unwrap();
    let n = run(c.my_number(&tp, LastTry::Refuse)).unwrap();
    assert_eq!(n.as_str(), InitOptions::default().my_number);
    let info = run(c.basic_info(&tp, LastTry::Refuse)).unwrap();
    assert_eq!(info.name.as_str(), InitOptions::default().name);
    let surface = run(c.surface(&n, LastTry::Refuse)).unwrap();
    assert_eq!(&surface.photo[..2], &[0xFF, 0x4F]);
    assert!(surface.name_image.starts_with(b"\x89PNG"));
    run(c.change_sign_pin(&sp, &SignPin::new("NEW1234").unwrap(), LastTry::Refuse)).unwrap();
    run(c.change_auth_pin(
        &AuthPin::new("1234").unwrap(),
        &AuthPin::new("0000").unwrap(),
        LastTry::Refuse,
    ))
    .unwrap();
    run(c.power_off()).unwrap();
    assert_eq!(
        run(c.sign(
            &KeyPin::Sign(sp),
            &DigestInfo::of_data(HashAlg::Sha256, b"x"),
            LastTry::Refuse
        )),
        Err(CardError::WrongPin {
            pin: PinKind::Sign,
            retries_left: 4
        })
    );
    run(c.sign(
        &KeyPin::Auth(AuthPin::new("0000").unwrap()),
        &DigestInfo::of_data(HashAlg::Sha256, b"x"),
        LastTry::Refuse,
    ))
    .unwrap();
}

#[test]
fn power_off_clears_verified_pins() {
    let mut c = card();
    let di = DigestInfo::of_data(HashAlg::Sha256, b"x");
    run(c.sign(
        &KeyPin::Auth(AuthPin::new("1234").unwrap()),
        &di,
        LastTry::Refuse,
    ))
    .unwrap();
    run(c.sign_verified(KeyKind::Auth, &di)).unwrap();
    run(c.power_off()).unwrap();
    assert_eq!(
        run(c.sign_verified(KeyKind::Auth, &di)),
        Err(CardError::PinRequired { pin: PinKind::Auth })
    );
}

#[test]
fn both_answers_to_empty_verify_after_success() {
    for (answer, expect) in [
        (VerifiedStatusAnswer::RetriesLeft, PinStatus::Remaining(3)),
        (VerifiedStatusAnswer::Ok, PinStatus::NotReported),
    ] {
        let mut c = card_with(|o| o.verified_status = answer);
        let pin = AuthPin::new("1234").unwrap();
        run(c.verify(PinKind::Auth, pin.as_bytes(), LastTry::Refuse)).unwrap();
        assert_eq!(run(c.pin_status(PinKind::Auth)).unwrap(), expect);
        // The guard still lets the verified holder verify again.
        run(c.verify(PinKind::Auth, pin.as_bytes(), LastTry::Refuse)).unwrap();
    }
}

#[test]
fn both_answers_for_a_blocked_pin_stop_the_guard() {
    for answer in [
        BlockedStatusAnswer::NoTriesLeft,
        BlockedStatusAnswer::Blocked,
    ] {
        let mut c = card_with(|o| o.blocked_status = answer);
        let wrong = AuthPin::new("9999").unwrap();
        for _ in 0..3 {
            let _ = run(c.verify(PinKind::Auth, wrong.as_bytes(), LastTry::Allow));
        }
        assert_eq!(
            run(c.pin_status(PinKind::Auth)).unwrap(),
            PinStatus::Blocked
        );
        let sent_before = c.transport().card().log().len();
        let right = AuthPin::new("1234").unwrap();
        assert_eq!(
            run(c.verify(PinKind::Auth, right.as_bytes(), LastTry::Allow)),
            Err(CardError::PinBlocked { pin: PinKind::Auth })
        );
        let log = c.transport().card().log();
        let verifies_with_pin = log[sent_before..]
            .iter()
            .filter(|e| e.command.len() > 4 && e.command[1] == 0x20)
            .count();
        assert_eq!(verifies_with_pin, 0);
    }
}

#[test]
fn cards_without_signature_certificate() {
    for missing in [
        MissingSignCert::Absent,
        MissingSignCert::Empty,
        MissingSignCert::Blank,
    ] {
        let opts = InitOptions {
            with_sign_cert: false,
            missing_sign_cert: missing,
            ..InitOptions::default()
        };
        let sc = SoftCard::generate(&opts).unwrap();
        let mut c = run(MyNumberCard::connect(SimTransport::new(sc))).unwrap();
        let r = run(c.read_sign_certificate(&SignPin::new("ABC123").unwrap(), LastTry::Refuse));
        assert!(
            matches!(r, Err(CardError::NoSignatureCertificate)),
            "{missing:?}: {r:?}"
        );
        assert_eq!(r.unwrap_err().code(), "no-signature-certificate");
        // The authentication side still works.
        assert!(run(c.read_certificate(CertSlot::Auth)).unwrap().is_some());
    }
}

#[test]
fn non_jpki_card_is_refused_by_name() {
    let opts = InitOptions {
        with_jpki: false,
        ..InitOptions::default()
    };
    let sc = SoftCard::generate(&opts).unwrap();
    let e = run(MyNumberCard::connect(SimTransport::new(sc))).unwrap_err();
    assert_eq!(e.code(), "not-my-number-card");
    assert!(e.to_string().contains("no JPKI application"), "{e}");
}

#[test]
fn older_card_and_phone_tokens() {
    for (kind, want) in [
        (inkan_sim::card::TokenKind::OlderCard, TokenKind::OlderCard),
        (inkan_sim::card::TokenKind::Phone, TokenKind::Phone),
    ] {
        let mut c = card_with(|o| o.token = kind);
        assert_eq!(run(c.token_info()).unwrap().kind, want);
    }
}

#[test]
fn zero_padding_is_read_the_same() {
    let mut c = card_with(|o| o.padding = 0x00);
    let der = run(c.read_certificate(CertSlot::AuthCa)).unwrap().unwrap();
    x509_cert::Certificate::from_der(&der).unwrap();
}
