//! Scenarios shared by the reader test suites.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use inkan_apdu::Transport;
use inkan_card::{
    AuthPin, CardError, CertSlot, DigestInfo, HashAlg, KeyPin, LastTry, MyNumberCard, PinKind,
    PinStatus, SignPin, TextPin, TokenKind,
};
use inkan_sim::InitOptions;

/// Blocks on a future (the virtual readers never wait on real time).
pub fn run<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

/// Runs every `inkan-card` operation over `t`, against a card made with
/// `InitOptions::default()`: token info, the four certificates, PIN status, signing
/// with both keys, one wrong VERIFY (reported, not retried), My Number, basic 4 info,
/// the surface, and both PIN changes and back (12 VERIFYs with a PIN reach the card).
/// Returns the transport, powered off.
pub fn every_operation<T: Transport>(t: T) -> T {
    let mut c = run(MyNumberCard::connect(t)).unwrap();
    assert_eq!(run(c.token_info()).unwrap().kind, TokenKind::MyNumberCard);
    for slot in [CertSlot::Auth, CertSlot::AuthCa, CertSlot::SignCa] {
        let der = run(c.read_certificate(slot)).unwrap().unwrap();
        assert_eq!(der[0], 0x30);
    }
    assert_eq!(
        run(c.read_certificate(CertSlot::Sign)),
        Err(CardError::PinRequired { pin: PinKind::Sign })
    );
    assert_eq!(
        run(c.pin_status(PinKind::Sign)).unwrap(),
        PinStatus::Remaining(5)
    );
    let sp = SignPin::new("ABC123").unwrap();
    let sign_cert = run(c.read_sign_certificate(&sp, LastTry::Refuse)).unwrap();
    assert_eq!(sign_cert[0], 0x30);
    let sig = run(c.sign(
        &KeyPin::Sign(sp.clone()),
        &DigestInfo::of_data(HashAlg::Sha256, b"document"),
        LastTry::Refuse,
    ))
    .unwrap();
    assert_eq!(sig.len(), 256);
    let ap = AuthPin::new("1234").unwrap();
    let sig = run(c.sign(
        &KeyPin::Auth(ap.clone()),
        &DigestInfo::of_data(HashAlg::Sha256, b"challenge"),
        LastTry::Refuse,
    ))
    .unwrap();
    assert_eq!(sig.len(), 256);
    assert_eq!(
        run(c.verify(PinKind::Auth, b"9999", LastTry::Refuse)),
        Err(CardError::WrongPin {
            pin: PinKind::Auth,
            retries_left: 2
        })
    );
    run(c.verify(PinKind::Auth, ap.as_bytes(), LastTry::Refuse)).unwrap();
    let tp = TextPin::new("1234").unwrap();
    let n = run(c.my_number(&tp, LastTry::Refuse)).unwrap();
    assert_eq!(n.as_str(), InitOptions::default().my_number);
    let info = run(c.basic_info(&tp, LastTry::Refuse)).unwrap();
    assert_eq!(info.name.as_str(), InitOptions::default().name);
    let surface = run(c.surface(&n, LastTry::Refuse)).unwrap();
    assert_eq!(&surface.photo[..2], &[0xFF, 0x4F]);
    let new = SignPin::new("NEW1234").unwrap();
    run(c.change_sign_pin(&sp, &new, LastTry::Refuse)).unwrap();
    run(c.change_sign_pin(&new, &sp, LastTry::Refuse)).unwrap();
    let newa = AuthPin::new("4321").unwrap();
    run(c.change_auth_pin(&ap, &newa, LastTry::Refuse)).unwrap();
    run(c.change_auth_pin(&newa, &ap, LastTry::Refuse)).unwrap();
    run(c.power_off()).unwrap();
    c.into_transport()
}
