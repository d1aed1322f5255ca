//! inkan-pcsc against a real pcscd with vsmartcard's vpcd driver, the software card
//! played in-process by `inkan_sim::vpcd`. Runs only with `INKAN_PCSC_TESTS=1`
//! (`tests/pcsc/run.sh` sets it up); vpcd's port from `INKAN_PCSC_VPCD_PORT`
//! (default 35963).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use inkan_pcsc::{
    CardPresence, PcscOptions, PcscTransport, ReaderChoice, Transport, TransportError, list_readers,
};
use inkan_sim::vpcd::{VpcdOptions, serve};
use inkan_sim::{InitOptions, SoftCard};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
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

fn port() -> u16 {
    std::env::var("INKAN_PCSC_VPCD_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(inkan_sim::vpcd::DEFAULT_PORT)
}

/// The software card, served to vpcd on a thread until dropped.
struct Served {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<SoftCard>>,
    reader: String,
    _guard: MutexGuard<'static, ()>,
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether every reader is empty (not merely without a My Number Card: after a card
/// leaves, the service may report it present but unpowered until its next poll).
fn all_empty() -> bool {
    list_readers(&PcscOptions::new(&inkan_profile::aid::SELECT_JPKI))
        .is_ok_and(|v| v.iter().all(|r| r.presence == CardPresence::Empty))
}

fn reader_with_card() -> Option<String> {
    list_readers(&PcscOptions::new(&inkan_profile::aid::SELECT_JPKI))
        .ok()?
        .into_iter()
        .find(|r| r.presence == CardPresence::MyNumberCard)
        .map(|r| r.name)
}

fn serve_card() -> Served {
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    wait_for(
        "no card left from an earlier test",
        Duration::from_secs(10),
        all_empty,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        let mut card = SoftCard::generate(&InitOptions::default()).unwrap();
        let opts = VpcdOptions {
            port: port(),
            give_up_after: Duration::from_secs(30),
            poll: Duration::from_millis(20),
            ..Default::default()
        };
        serve(&mut card, &opts, &stop2, &mut |_| {}).unwrap();
        card
    });
    let mut reader = None;
    wait_for("pcscd to see the card", Duration::from_secs(15), || {
        reader = reader_with_card();
        reader.is_some()
    });
    Served {
        stop,
        thread: Some(thread),
        reader: reader.unwrap(),
        _guard: guard,
    }
}

impl Served {
    /// Takes the card out (closes the vpcd connection) and gives it back.
    fn remove(&mut self) -> SoftCard {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn sw(r: &[u8]) -> u16 {
    u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]])
}

const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_AUTH_PIN: &str = "00A4020C020018";
const SELECT_AUTH_KEY: &str = "00A4020C020017";
/// DigestInfo of SHA-256 over nothing.
const SIGN_EMPTY: &str = "802A008033 3031300D060960864801650304020105000420 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 00";

fn verify_auth(t: &mut PcscTransport) {
    for c in [SELECT_JPKI, SELECT_AUTH_PIN] {
        assert_eq!(sw(&run(t.transmit(&hex(c))).unwrap()), 0x9000);
    }
    let mut v = hex("0020008004");
    v.extend_from_slice(b"1234");
    assert_eq!(sw(&run(t.transmit(&v)).unwrap()), 0x9000);
}

fn try_sign(t: &mut PcscTransport) -> Result<Vec<u8>, TransportError> {
    for c in [SELECT_JPKI, SELECT_AUTH_KEY] {
        let r = run(t.transmit(&hex(c)))?;
        assert_eq!(sw(&r), 0x9000);
    }
    run(t.transmit(&hex(SIGN_EMPTY)))
}

#[test]
fn lists_readers_and_finds_the_card() {
    if !enabled() {
        return;
    }
    let s = serve_card();
    let readers = list_readers(&PcscOptions::new(&inkan_profile::aid::SELECT_JPKI)).unwrap();
    assert!(readers.len() >= 2, "{readers:?}");
    let mine: Vec<_> = readers
        .iter()
        .filter(|r| r.presence == CardPresence::MyNumberCard)
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].atr, inkan_sim::vpcd::MY_NUMBER_CARD_ATR.to_vec());
    assert!(
        readers
            .iter()
            .any(|r| r.presence == CardPresence::Empty && r.atr.is_empty())
    );
    // Every way of choosing lands on the same reader.
    for choice in [
        ReaderChoice::FirstMyNumberCard,
        ReaderChoice::Name(s.reader.to_lowercase()),
        ReaderChoice::Index(mine[0].index),
        ReaderChoice::Name("Virtual PCD".into()),
    ] {
        let t = PcscTransport::open(&choice, &PcscOptions::new(&inkan_profile::aid::SELECT_JPKI))
            .unwrap();
        assert_eq!(t.reader_name(), s.reader, "{choice:?}");
        assert_eq!(t.atr(), &inkan_sim::vpcd::MY_NUMBER_CARD_ATR);
    }
    // An empty reader named exactly: no card. An unknown name: no reader.
    let empty = readers
        .iter()
        .find(|r| r.presence == CardPresence::Empty)
        .unwrap();
    let e = PcscTransport::open(
        &ReaderChoice::Index(empty.index),
        &PcscOptions::new(&inkan_profile::aid::SELECT_JPKI),
    )
    .unwrap_err();
    assert_eq!(e, TransportError::NoCard);
    let e = PcscTransport::open(
        &ReaderChoice::Name("no such reader".into()),
        &PcscOptions::new(&inkan_profile::aid::SELECT_JPKI),
    )
    .unwrap_err();
    assert!(matches!(e, TransportError::NoReader(_)), "{e:?}");
}

#[test]
fn power_off_forgets_the_verified_pin() {
    if !enabled() {
        return;
    }
    let mut s = serve_card();
    let mut t = PcscTransport::open(
        &ReaderChoice::FirstMyNumberCard,
        &PcscOptions::new(&inkan_profile::aid::SELECT_JPKI),
    )
    .unwrap();
    // Not verified: refused.
    assert_eq!(sw(&try_sign(&mut t).unwrap()), 0x6982);
    verify_auth(&mut t);
    let sig = try_sign(&mut t).unwrap();
    assert_eq!((sig.len(), sw(&sig)), (258, 0x9000));
    run(t.power_off()).unwrap();
    // The next command connects again: the PIN is gone.
    assert_eq!(sw(&try_sign(&mut t).unwrap()), 0x6982);
    drop(t);
    let card = s.remove();
    let log = card.log();
    assert!(log.len() >= 9, "{}", log.len());
}

#[test]
fn exclusive_while_open() {
    if !enabled() {
        return;
    }
    let s = serve_card();
    let mut t = PcscTransport::open(
        &ReaderChoice::FirstMyNumberCard,
        &PcscOptions::new(&inkan_profile::aid::SELECT_JPKI),
    )
    .unwrap();
    verify_auth(&mut t);
    let info = list_readers(&PcscOptions::new(&inkan_profile::aid::SELECT_JPKI)).unwrap();
    let held = info.iter().find(|r| r.name == s.reader).unwrap();
    assert_eq!(held.presence, CardPresence::InUse);
    // Nobody else gets in, shared or exclusive, by name or by search.
    for opts in [
        PcscOptions::new(&inkan_profile::aid::SELECT_JPKI),
        PcscOptions {
            exclusive: false,
            ..PcscOptions::new(&inkan_profile::aid::SELECT_JPKI)
        },
    ] {
        let e = PcscTransport::open(&ReaderChoice::Index(held.index), &opts).unwrap_err();
        assert!(matches!(e, TransportError::Busy(_)), "{e:?}");
        let e = PcscTransport::open(&ReaderChoice::FirstMyNumberCard, &opts).unwrap_err();
        assert!(matches!(e, TransportError::Busy(_)), "{e:?}");
    }
    assert_eq!(sw(&try_sign(&mut t).unwrap()), 0x9000);
    drop(t);
    // Dropping unpowers: a new session must verify again.
    let mut t = PcscTransport::open(
        &ReaderChoice::FirstMyNumberCard,
        &PcscOptions::new(&inkan_profile::aid::SELECT_JPKI),
    )
    .unwrap();
    assert_eq!(sw(&try_sign(&mut t).unwrap()), 0x6982);
}

#[test]
fn reset_by_another_program_is_reported_then_recovered() {
    if !enabled() {
        return;
    }
    let s = serve_card();
    let shared = PcscOptions {
        exclusive: false,
        ..PcscOptions::new(&inkan_profile::aid::SELECT_JPKI)
    };
    let mut t = PcscTransport::open(&ReaderChoice::FirstMyNumberCard, &shared).unwrap();
    verify_auth(&mut t);
    // Another program resets the card.
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = std::ffi::CString::new(s.reader.clone()).unwrap();
    let other = ctx
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .unwrap();
    assert!(other.disconnect(pcsc::Disposition::ResetCard).is_ok());
    // The next command reports the reset (once) ...
    let e = run(t.transmit(&hex(SELECT_JPKI))).unwrap_err();
    assert_eq!(e, TransportError::CardReset);
    // ... then the session goes on, without the verified PIN.
    assert_eq!(sw(&try_sign(&mut t).unwrap()), 0x6982);
    verify_auth(&mut t);
    assert_eq!(sw(&try_sign(&mut t).unwrap()), 0x9000);
}

#[test]
fn card_removal_is_typed() {
    if !enabled() {
        return;
    }
    let mut s = serve_card();
    let mut t = PcscTransport::open(
        &ReaderChoice::FirstMyNumberCard,
        &PcscOptions::new(&inkan_profile::aid::SELECT_JPKI),
    )
    .unwrap();
    verify_auth(&mut t);
    let _card = s.remove();
    let e = run(t.transmit(&hex(SELECT_JPKI))).unwrap_err();
    assert!(
        matches!(e, TransportError::CardRemoved),
        "expected CardRemoved, got {e:?}"
    );
    // Powering off a removed card is not an error (nothing can linger).
    run(t.power_off()).unwrap();
    wait_for(
        "pcscd to see the card go",
        Duration::from_secs(10),
        all_empty,
    );
    let e = PcscTransport::open(
        &ReaderChoice::FirstMyNumberCard,
        &PcscOptions::new(&inkan_profile::aid::SELECT_JPKI),
    )
    .unwrap_err();
    assert_eq!(e, TransportError::NoCard);
}
