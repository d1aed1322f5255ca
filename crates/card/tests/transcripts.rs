//! Hex transcript tests: for each operation, the exact APDUs the client
//! sends and how it reads the card's answers, including bad answers.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use inkan_apdu::{Transport, TransportError};
use inkan_card::{
    AuthPin, CardError, CertSlot, DigestInfo, HashAlg, KeyPin, LastTry, MyNumber, MyNumberCard,
    PinKind, PinStatus, SignPin, TextPin, TokenKind,
};
use std::collections::VecDeque;

/// A transport playing a transcript: each command must be exactly the one
/// expected, and gets the scripted answer.
struct Script {
    steps: VecDeque<(Vec<u8>, Vec<u8>)>,
    sent: Vec<Vec<u8>>,
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

impl Script {
    fn new(lines: &[(&str, &str)]) -> Self {
        Script {
            steps: lines.iter().map(|(c, r)| (h(c), h(r))).collect(),
            sent: Vec::new(),
        }
    }

    fn done(&self) {
        assert!(self.steps.is_empty(), "unused steps: {:?}", self.steps);
    }
}

impl Transport for Script {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        let (want, answer) = self.steps.pop_front().ok_or(TransportError::CardRemoved)?;
        assert_eq!(
            hex::encode_upper(command),
            hex::encode_upper(&want),
            "unexpected command"
        );
        Ok(answer)
    }
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_INFO: &str = "00A4040C0AD3921000310001010408";
const SELECT_SURFACE: &str = "00A4040C0AD3921000310001010402";

fn connect(lines: &[(&str, &str)]) -> MyNumberCard<Script> {
    let mut all = vec![(SELECT_JPKI, "9000")];
    all.extend_from_slice(lines);
    run(MyNumberCard::connect(Script::new(&all))).unwrap()
}

#[test]
fn detects_by_jpki_aid() {
    let e = run(MyNumberCard::connect(Script::new(&[(SELECT_JPKI, "6A82")]))).unwrap_err();
    assert_eq!(e.code(), "not-my-number-card");
    assert!(e.to_string().contains("not a My Number Card"));
}

#[test]
fn token_info() {
    let label = hex::encode(format!("{:<32}", "JPKIAPICCTOKEN2"));
    let mut card = connect(&[
        ("00A4020C020006", "9000"),
        ("00B0000020", &format!("{label}9000")),
    ]);
    let t = run(card.token_info()).unwrap();
    assert_eq!(t.kind, TokenKind::MyNumberCard);
    card.into_transport().done();
}

/// A fake DER certificate of `len` bytes total: `30 82 hi lo` + filler.
fn fake_cert(len: usize) -> Vec<u8> {
    let body = len - 4;
    let mut v = vec![0x30, 0x82, (body >> 8) as u8, body as u8];
    v.extend((0..body).map(|i| (i % 251) as u8));
    v
}

#[test]
fn reads_certificate_in_chunks_by_der_length() {
    let cert = fake_cert(600);
    let mut padded = cert.clone();
    padded.resize(2048, 0xFF);
    let first = format!("{}9000", hex::encode(&padded[..256]));
    let second = format!("{}9000", hex::encode(&padded[256..512]));
    let third = format!("{}9000", hex::encode(&padded[512..600]));
    let mut card = connect(&[
        ("00A4020C02000A", "9000"),
        ("00B0000000", &first),
        ("00B0010000", &second),
        ("00B0020058", &third),
    ]);
    let got = run(card.read_certificate(CertSlot::Auth)).unwrap().unwrap();
    assert_eq!(got, cert);
    card.into_transport().done();
}

#[test]
fn certificate_read_stops_on_6b00_with_typed_error() {
    let cert = fake_cert(600);
    let first = format!("{}9000", hex::encode(&cert[..256]));
    let mut card = connect(&[
        ("00A4020C02000A", "9000"),
        ("00B0000000", &first),
        ("00B0010000", "6B00"),
    ]);
    let e = run(card.read_certificate(CertSlot::Auth)).unwrap_err();
    assert_eq!(e.code(), "card-data-malformed");
    assert!(e.to_string().contains("256 of the 600"), "{e}");
}

#[test]
fn certificate_read_stops_on_empty_answer() {
    let cert = fake_cert(600);
    let first = format!("{}9000", hex::encode(&cert[..256]));
    let mut card = connect(&[
        ("00A4020C02000A", "9000"),
        ("00B0000000", &first),
        ("00B0010000", "9000"),
    ]);
    assert_eq!(
        run(card.read_certificate(CertSlot::Auth))
            .unwrap_err()
            .code(),
        "card-data-malformed"
    );
}

#[test]
fn absurd_certificate_length_is_refused_without_reading() {
    let mut card = connect(&[
        ("00A4020C02000A", "9000"),
        ("00B0000000", "3084FFFFFFFF009000"),
    ]);
    let e = run(card.read_certificate(CertSlot::Auth)).unwrap_err();
    assert_eq!(e.code(), "card-data-malformed");
    card.into_transport().done();
}

#[test]
fn truncated_der_header_is_typed() {
    let mut card = connect(&[("00A4020C02000A", "9000"), ("00B0000000", "30829000")]);
    let e = run(card.read_certificate(CertSlot::Auth)).unwrap_err();
    assert_eq!(e.code(), "card-data-malformed");
    assert!(e.to_string().contains("byte"), "{e}");
}

#[test]
fn sign_certificate_needs_pin_and_absent_one_is_reported() {
    let mut card = connect(&[("00A4020C020001", "9000"), ("00B0000000", "6982")]);
    assert_eq!(
        run(card.read_certificate(CertSlot::Sign)).unwrap_err(),
        CardError::PinRequired { pin: PinKind::Sign }
    );
    // A card without a signature certificate: the EF is erased.
    let erased = format!("{}9000", "FF".repeat(256));
    let mut card = connect(&[("00A4020C020001", "9000"), ("00B0000000", &erased)]);
    assert_eq!(run(card.read_certificate(CertSlot::Sign)).unwrap(), None);
    // Or absent.
    let mut card = connect(&[("00A4020C020001", "6A82")]);
    assert_eq!(run(card.read_certificate(CertSlot::Sign)).unwrap(), None);
}

#[test]
fn pin_status_reads_counter_without_a_try() {
    let mut card = connect(&[
        ("00A4020C02001B", "9000"),
        ("00200080", "63C5"),
        ("00A4020C020018", "9000"),
        ("00200080", "63C0"),
        ("00A4040C0AD3921000310001010408", "9000"),
        ("00A4020C020011", "9000"),
        ("00200080", "9000"),
        ("00A4020C020011", "9000"),
        ("00200080", "6984"),
    ]);
    assert_eq!(
        run(card.pin_status(PinKind::Sign)).unwrap(),
        PinStatus::Remaining(5)
    );
    assert_eq!(
        run(card.pin_status(PinKind::Auth)).unwrap(),
        PinStatus::Blocked
    );
    assert_eq!(
        run(card.pin_status(PinKind::Text)).unwrap(),
        PinStatus::NotReported
    );
    assert_eq!(
        run(card.pin_status(PinKind::Text)).unwrap(),
        PinStatus::Blocked
    );
    card.into_transport().done();
}

#[test]
fn guard_refuses_blocked_pin_without_verify() {
    let mut card = connect(&[("00A4020C020018", "9000"), ("00200080", "6984")]);
    let pin = AuthPin::new("1234").unwrap();
    let e = run(card.verify(PinKind::Auth, pin.as_bytes(), LastTry::Allow)).unwrap_err();
    assert_eq!(e, CardError::PinBlocked { pin: PinKind::Auth });
    let t = card.into_transport();
    assert!(t.sent.iter().all(|c| c.len() <= 4 || c[1] != 0x20));
    t.done();
}

#[test]
fn guard_refuses_last_try_unless_allowed() {
    let mut card = connect(&[("00A4020C02001B", "9000"), ("00200080", "63C1")]);
    let pin = SignPin::new("abc123").unwrap();
    let e = run(card.verify(PinKind::Sign, pin.as_bytes(), LastTry::Refuse)).unwrap_err();
    assert_eq!(e.code(), "pin-last-try-needs-confirmation");
    card.into_transport().done();

    let mut card = connect(&[
        ("00A4020C02001B", "9000"),
        ("00200080", "63C1"),
        ("0020008006414243313233", "9000"),
    ]);
    run(card.verify(PinKind::Sign, pin.as_bytes(), LastTry::Allow)).unwrap();
    card.into_transport().done();
}

#[test]
fn wrong_pin_is_reported_once_and_not_retried() {
    let mut card = connect(&[
        ("00A4020C020018", "9000"),
        ("00200080", "63C3"),
        ("002000800431313131", "63C2"),
    ]);
    let pin = AuthPin::new("1111").unwrap();
    let e = run(card.verify(PinKind::Auth, pin.as_bytes(), LastTry::Refuse)).unwrap_err();
    assert_eq!(
        e,
        CardError::WrongPin {
            pin: PinKind::Auth,
            retries_left: 2
        }
    );
    assert!(!e.to_string().contains("1111"));
    let t = card.into_transport();
    t.done();
    // The trace never shows the PIN.
}

#[test]
fn trace_redacts_pin() {
    let mut card = connect(&[
        ("00A4020C020018", "9000"),
        ("00200080", "63C3"),
        ("002000800439383736", "9000"),
    ]);
    let pin = AuthPin::new("9876").unwrap();
    run(card.verify(PinKind::Auth, pin.as_bytes(), LastTry::Refuse)).unwrap();
    let text = card.trace().to_text();
    assert!(!text.contains("39383736"), "{text}");
    assert!(
        text.contains("> 0020008004 [4 secret bytes not shown]"),
        "{text}"
    );
}

#[test]
fn sign_with_auth_key() {
    let di = DigestInfo::of_data(HashAlg::Sha256, b"challenge");
    let sig = "AB".repeat(256);
    let cmd = format!("802A008033{}00", hex::encode_upper(di.as_bytes()));
    let mut card = connect(&[
        ("00A4020C020018", "9000"),
        ("00200080", "63C3"),
        ("002000800431323334", "9000"),
        ("00A4020C020017", "9000"),
        (&cmd, &format!("{sig}9000")),
    ]);
    let pin = KeyPin::Auth(AuthPin::new("1234").unwrap());
    let got = run(card.sign(&pin, &di, LastTry::Refuse)).unwrap();
    assert_eq!(got.len(), 256);
    card.into_transport().done();
}

#[test]
fn sign_answer_of_wrong_length_is_typed() {
    let di = DigestInfo::of_data(HashAlg::Sha512, b"doc");
    let cmd = format!("802A008053{}00", hex::encode_upper(di.as_bytes()));
    let mut card = connect(&[("00A4020C02001A", "9000"), (&cmd, "01029000")]);
    let e = run(card.sign_verified(inkan_card::KeyKind::Sign, &di)).unwrap_err();
    assert_eq!(e.code(), "card-data-malformed");
}

#[test]
fn change_pin_sequence() {
    let mut card = connect(&[
        ("00A4020C02001B", "9000"),
        ("00200080", "63C5"),
        ("0020008006414243313233", "9000"),
        ("0024018007584B4344453132", "9000"),
    ]);
    let cur = SignPin::new("ABC123").unwrap();
    let new = SignPin::new("xkcde12").unwrap();
    run(card.change_sign_pin(&cur, &new, LastTry::Refuse)).unwrap();
    card.into_transport().done();
}

#[test]
fn my_number_and_basic_info() {
    let mut mn = String::from("FF100C");
    mn.push_str(&hex::encode_upper("123456789018"));
    mn.push_str("FFFF");
    let mut inner = Vec::new();
    inkan_apdu::tlv::encode(0xDF21, &[0; 4], &mut inner);
    inkan_apdu::tlv::encode(0xDF22, "番号 花子".as_bytes(), &mut inner);
    inkan_apdu::tlv::encode(0xDF23, "東京都千代田区".as_bytes(), &mut inner);
    inkan_apdu::tlv::encode(0xDF24, b"19900101", &mut inner);
    inkan_apdu::tlv::encode(0xDF25, b"2", &mut inner);
    let mut b4 = Vec::new();
    inkan_apdu::tlv::encode(0xFF20, &inner, &mut b4);
    let mut card = connect(&[
        (SELECT_INFO, "9000"),
        ("00A4020C020011", "9000"),
        ("00200080", "63C3"),
        ("002000800431323334", "9000"),
        ("00A4020C020001", "9000"),
        ("00B0000000", &format!("{mn}9000")),
        ("00A4020C020011", "9000"),
        ("00200080", "9000"),
        ("002000800431323334", "9000"),
        ("00A4020C020002", "9000"),
        ("00B0000000", &format!("{}9000", hex::encode_upper(&b4))),
    ]);
    let pin = TextPin::new("1234").unwrap();
    let n = run(card.my_number(&pin, LastTry::Refuse)).unwrap();
    assert_eq!(n.as_str(), "123456789018");
    let info = run(card.basic_info(&pin, LastTry::Refuse)).unwrap();
    assert_eq!(info.name.as_str(), "番号 花子");
    assert_eq!(info.birth_date.as_str(), "19900101");
    card.into_transport().done();
}

#[test]
fn surface_opened_with_my_number() {
    let mut inner = Vec::new();
    for (tag, v) in [
        (0xDF21u32, &b"\0\0"[..]),
        (0xDF22, b"19900101"),
        (0xDF23, b"2"),
        (0xDF24, b"PUBKEY"),
        (0xDF25, b"\x89PNG name"),
        (0xDF26, b"\x89PNG addr"),
        (0xDF27, b"\xFF\x4F\xFF\x51 photo"),
        (0xDF28, b"SIG"),
        (0xDF29, b"20350101"),
        (0xDF2A, b"\x89PNG code"),
    ] {
        inkan_apdu::tlv::encode(tag, v, &mut inner);
    }
    let mut f = Vec::new();
    inkan_apdu::tlv::encode(0xFF20, &inner, &mut f);
    let mut card = connect(&[
        (SELECT_SURFACE, "9000"),
        ("00A4020C020013", "9000"),
        ("00200080", "63CA"),
        (
            &format!("002000800C{}", hex::encode_upper("123456789018")),
            "9000",
        ),
        ("00A4020C020002", "9000"),
        ("00B0000000", &format!("{}9000", hex::encode_upper(&f))),
    ]);
    let n = MyNumber::new("123456789018").unwrap();
    let s = run(card.surface(&n, LastTry::Refuse)).unwrap();
    assert_eq!(&s.photo[..4], b"\xFF\x4F\xFF\x51");
    assert_eq!(s.expiry, "20350101");
    card.into_transport().done();
}

#[test]
fn garbage_and_unplug_are_typed() {
    // A one-byte answer is not a response APDU.
    let mut card = connect(&[("00A4020C020006", "90")]);
    assert_eq!(run(card.token_info()).unwrap_err().code(), "card-protocol");
    // The transport running dry stands for an unplugged reader.
    let mut card = connect(&[]);
    assert_eq!(run(card.token_info()).unwrap_err().code(), "card-removed");
    // An unexpected status word names the operation.
    let mut card = connect(&[("00A4020C020006", "6F00")]);
    let e = run(card.token_info()).unwrap_err();
    assert_eq!(e.code(), "card-error");
    assert!(e.to_string().contains("selecting a file"), "{e}");
}
