//! Card directories: `init`, persistence across reopen, the `apdu.log` file, typed errors
//! for missing or corrupt directories, and the `SimTransport`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;

use inkan_apdu::Transport;
use inkan_sim::state::{LOG_FILE, STATE_FILE};
use inkan_sim::{InitOptions, PinId, SimError, SimTransport, SoftCard, init};

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

const SEL_JPKI: &str = "00A4040C0AD392F000260100000001";

fn sw(resp: &[u8]) -> u16 {
    u16::from_be_bytes([resp[resp.len() - 2], resp[resp.len() - 1]])
}

#[test]
fn init_writes_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("card");
    init(&dir, &InitOptions::default()).unwrap();
    for f in [
        STATE_FILE,
        "sign-key.pem",
        "auth-key.pem",
        "sign-cert.der",
        "sign-ca.der",
        "auth-cert.der",
        "auth-ca.der",
        "pki/sign-root-gen1.pem",
        "pki/sign-root-gen3.pem",
        "pki/auth-root-gen3.pem",
        "pki/sign.crl",
        "pki/auth.crl",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let root = fs::read_to_string(dir.join("pki/sign-root-gen3.pem")).unwrap();
    assert!(root.starts_with("-----BEGIN CERTIFICATE-----"));
    let key = fs::read_to_string(dir.join("sign-key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    // The card's CA certificate is the root that issued it.
    let ca = fs::read(dir.join("sign-ca.der")).unwrap();
    let pem_der = pem_body(&root);
    assert_eq!(ca, pem_der);
    // A second init refuses.
    assert!(matches!(
        init(&dir, &InitOptions::default()),
        Err(SimError::AlreadyInitialized { .. })
    ));
}

fn pem_body(pem: &str) -> Vec<u8> {
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    der
}

#[test]
fn counters_and_pins_survive_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, &InitOptions::default()).unwrap();

    let mut card = SoftCard::open(dir).unwrap();
    assert_eq!(sw(&card.process(&unhex(SEL_JPKI))), 0x9000);
    assert_eq!(sw(&card.process(&unhex("00A4020C020018"))), 0x9000);
    assert_eq!(sw(&card.process(&unhex("002000800430303030"))), 0x63C2);
    assert_eq!(sw(&card.process(&unhex("00A4020C02001B"))), 0x9000);
    assert_eq!(sw(&card.process(&unhex("0020008006414243313233"))), 0x9000);
    assert_eq!(sw(&card.process(&unhex("00240180065A5A5A393939"))), 0x9000);
    drop(card);

    let mut card = SoftCard::open(dir).unwrap();
    assert_eq!(card.retries(PinId::Auth), 2);
    assert!(
        !card.is_verified(PinId::Sign),
        "a reopened card starts powered off"
    );
    card.process(&unhex(SEL_JPKI));
    card.process(&unhex("00A4020C020018"));
    assert_eq!(sw(&card.process(&unhex("00200080"))), 0x63C2);
    card.process(&unhex("00A4020C02001B"));
    assert_eq!(sw(&card.process(&unhex("0020008006414243313233"))), 0x63C4);
    assert_eq!(sw(&card.process(&unhex("00200080065A5A5A393939"))), 0x9000);
    drop(card);

    // The log file has every APDU: one `>` and one `<` line each.
    let log = fs::read_to_string(dir.join(LOG_FILE)).unwrap();
    let commands = log.lines().filter(|l| l.starts_with("> ")).count();
    let responses = log.lines().filter(|l| l.starts_with("< ")).count();
    assert_eq!((commands, responses), (12, 12));
    assert!(log.contains("> 002000800430303030\n< 63C2\n"));
}

#[test]
fn lockout_persists() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path(), &InitOptions::default()).unwrap();
    for expected in [0x63C2, 0x63C1, 0x63C0, 0x6984] {
        // A new "session" each time: the counter comes from the directory.
        let mut card = SoftCard::open(tmp.path()).unwrap();
        card.process(&unhex(SEL_JPKI));
        card.process(&unhex("00A4020C020018"));
        assert_eq!(sw(&card.process(&unhex("002000800439393939"))), expected);
    }
    let mut card = SoftCard::open(tmp.path()).unwrap();
    card.process(&unhex(SEL_JPKI));
    card.process(&unhex("00A4020C020018"));
    assert_eq!(sw(&card.process(&unhex("002000800431323334"))), 0x6984);
}

#[test]
fn missing_and_corrupt_directories_are_typed_errors() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(matches!(
        SoftCard::open(&tmp.path().join("nothing")),
        Err(SimError::Missing { .. })
    ));
    init(tmp.path(), &InitOptions::default()).unwrap();

    let state = tmp.path().join(STATE_FILE);
    let good = fs::read(&state).unwrap();
    fs::write(&state, b"{ not json").unwrap();
    let e = SoftCard::open(tmp.path()).unwrap_err();
    assert!(matches!(e, SimError::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("corrupt"));

    // Well-formed JSON with an impossible counter.
    let mut v: serde_json::Value = serde_json::from_slice(&good).unwrap();
    v["pins"]["auth"]["remaining"] = 9.into();
    fs::write(&state, serde_json::to_vec(&v).unwrap()).unwrap();
    assert!(matches!(
        SoftCard::open(tmp.path()),
        Err(SimError::Corrupt { .. })
    ));
    fs::write(&state, &good).unwrap();

    let key = tmp.path().join("auth-key.pem");
    fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    assert!(matches!(
        SoftCard::open(tmp.path()),
        Err(SimError::Corrupt { .. })
    ));
    fs::remove_file(&key).unwrap();
    assert!(matches!(
        SoftCard::open(tmp.path()),
        Err(SimError::Missing { .. })
    ));
}

#[test]
fn card_without_signature_certificate_reopens() {
    let tmp = tempfile::tempdir().unwrap();
    init(
        tmp.path(),
        &InitOptions {
            with_sign_cert: false,
            ..InitOptions::default()
        },
    )
    .unwrap();
    assert!(!tmp.path().join("sign-cert.der").exists());
    let mut card = SoftCard::open(tmp.path()).unwrap();
    card.process(&unhex(SEL_JPKI));
    assert_eq!(sw(&card.process(&unhex("00A4020C020001"))), 0x6A82);
}

#[test]
fn transport_over_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path(), &InitOptions::default()).unwrap();
    let mut t = SimTransport::open(tmp.path()).unwrap();
    pollster::block_on(async {
        assert!(!t.supports_extended());
        assert_eq!(t.transmit(&unhex(SEL_JPKI)).await.unwrap(), [0x90, 0x00]);
        t.transmit(&unhex("00A4020C02001B")).await.unwrap();
        let r = t.transmit(&unhex("0020008006414243313233")).await.unwrap();
        assert_eq!(r, [0x90, 0x00]);
        assert!(t.card().is_verified(PinId::Sign));
        t.power_off().await.unwrap();
        assert!(!t.card().is_verified(PinId::Sign));
        assert_eq!(t.transmit(&unhex(SEL_JPKI)).await.unwrap(), [0x90, 0x00]);
        t.transmit(&unhex("00A4020C020001")).await.unwrap();
        assert_eq!(
            t.transmit(&unhex("00B0000004")).await.unwrap(),
            [0x69, 0x82]
        );
    });
    let log = fs::read_to_string(tmp.path().join(LOG_FILE)).unwrap();
    assert!(log.contains("# power off"));
}

#[test]
fn transport_in_memory() {
    let card = SoftCard::generate(&InitOptions::default()).unwrap();
    let mut t = SimTransport::new(card);
    pollster::block_on(async {
        assert_eq!(t.transmit(&unhex(SEL_JPKI)).await.unwrap(), [0x90, 0x00]);
        t.transmit(&unhex("00A4020C020006")).await.unwrap();
        let r = t.transmit(&unhex("00B000000F")).await.unwrap();
        assert_eq!(&r[..15], b"JPKIAPICCTOKEN2");
    });
    assert_eq!(t.card().log().len(), 3);
    let card = t.into_card();
    assert_eq!(card.log().len(), 3);
}

#[test]
fn revoked_signature_certificate_on_the_crl() {
    let tmp = tempfile::tempdir().unwrap();
    init(
        tmp.path(),
        &InitOptions {
            revoke_sign_cert: true,
            ..InitOptions::default()
        },
    )
    .unwrap();
    let plain = tempfile::tempdir().unwrap();
    init(plain.path(), &InitOptions::default()).unwrap();
    let revoked = fs::read(tmp.path().join("pki/sign.crl")).unwrap();
    let empty = fs::read(plain.path().join("pki/sign.crl")).unwrap();
    assert!(revoked.len() > empty.len());
    // Same seed, same everything else: deterministic.
    assert_eq!(
        fs::read(tmp.path().join("sign-cert.der")).unwrap(),
        fs::read(plain.path().join("sign-cert.der")).unwrap()
    );
}
