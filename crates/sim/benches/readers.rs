//! Reader benchmark: "read both certificates and sign" over each virtual reader,
//! with the transport figures next to the lower bound (the APDU payload bytes at
//! the fastest rate the card and the reader both allow).
//!
//! Run with `just bench-readers`. Time is the readers' simulated clock, so the
//! figures are exact and repeatable; nothing here measures the host.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use inkan_apdu::{Transport, TransportError};
use inkan_card::{CertSlot, DigestInfo, HashAlg, KeyPin, LastTry, MyNumberCard, SignPin};
use inkan_ccid::{CcidOptions, CcidTransport, atr};
use inkan_pasori::{PasoriOptions, PasoriTransport};
use inkan_sim::readers::rcs380::VirtualRcS380;
use inkan_sim::readers::{CONTACT_ATR, ReaderModel, VirtualReader};
use inkan_sim::{InitOptions, SoftCard};

/// Counts the APDU payload: command bytes plus response bytes.
struct Counting<T> {
    inner: T,
    payload: u64,
}

impl<T: Transport> Transport for Counting<T> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(command).await?;
        self.payload += (command.len() + r.len()) as u64;
        Ok(r)
    }
    fn supports_extended(&self) -> bool {
        self.inner.supports_extended()
    }
    async fn power_off(&mut self) -> Result<(), TransportError> {
        self.inner.power_off().await
    }
}

/// The contactless bit rate the virtual CCID readers model (ISO/IEC 14443 at 424 kbit/s).
const CONTACTLESS_BPS: u64 = 424_000;
/// The RC-S380 driver's Type B bit rate (ISO/IEC 14443-2: fc/128 ≈ 106 kbit/s).
const TYPE_B_106_BPS: u64 = 105_938;

/// Reads both certificates and signs; returns the payload bytes counted.
async fn scenario<T: Transport>(t: T, opts: &InitOptions) -> Counting<T> {
    let counting = Counting {
        inner: t,
        payload: 0,
    };
    let mut c = MyNumberCard::connect(counting).await.expect("connect");
    let pin = SignPin::new(&opts.sign_pin).unwrap();
    c.read_certificate(CertSlot::Auth).await.unwrap().unwrap();
    c.read_sign_certificate(&pin, LastTry::Refuse)
        .await
        .unwrap();
    let di = DigestInfo::of_data(HashAlg::Sha256, b"document");
    c.sign(&KeyPin::Sign(pin.clone()), &di, LastTry::Refuse)
        .await
        .unwrap();
    c.into_transport()
}

#[allow(clippy::too_many_arguments)]
fn row(
    name: &str,
    apdus: u64,
    usb: u64,
    usb_bytes: u64,
    payload: u64,
    wire_bytes: u64,
    wire_us: u64,
    bps: u64,
    total_us: u64,
) {
    // Lower bound: every payload byte as a 10-bit character (start, 8 data bits,
    // parity or stop) at the fastest rate both sides allow.
    let bound_us = payload * 10 * 1_000_000 / bps;
    let ratio = wire_us as f64 / bound_us.max(1) as f64;
    println!(
        "{:<18} {:>5} {:>6} {:>9} {:>9} {:>9} {:>11.1} {:>11.1} {:>6.2} {:>10.1}",
        name,
        apdus,
        usb,
        usb_bytes,
        payload,
        wire_bytes,
        wire_us as f64 / 1000.0,
        bound_us as f64 / 1000.0,
        ratio,
        total_us as f64 / 1000.0,
    );
}

/// The fastest I/O-line bit rate the card (its ATR's TA1: Fi, Di, fmax) and the
/// reader (dwMaximumClock, dwMaxDataRate) both allow: "1 etu = F/D × 1/f"
/// (ISO/IEC 7816-3 §7.1).
fn fastest_bps(model: ReaderModel) -> u64 {
    let facts = model.facts();
    if facts.contactless {
        return CONTACTLESS_BPS;
    }
    let ta1 = CONTACT_ATR[2];
    let f = u64::from(atr::fi(ta1 >> 4).unwrap_or(372));
    let d = u64::from(atr::di(ta1 & 0x0F).unwrap_or(1));
    let clock_khz = u64::from(atr::fmax_khz(ta1 >> 4).min(facts.maximum_clock_khz));
    let card_bps = d * clock_khz * 1000 / f;
    card_bps.min(u64::from(facts.max_data_rate))
}

fn main() {
    let opts = InitOptions::default();
    println!("read both certificates and sign (SHA-256), per reader; times are simulated\n");
    println!(
        "{:<18} {:>5} {:>6} {:>9} {:>9} {:>9} {:>11} {:>11} {:>6} {:>10}",
        "reader",
        "APDUs",
        "USB",
        "USB bytes",
        "payload",
        "wire B",
        "wire ms",
        "bound ms",
        "ratio",
        "total ms"
    );
    for model in ReaderModel::ALL {
        let card = SoftCard::generate(&opts).expect("software card");
        let reader = VirtualReader::new(model, card);
        let t = pollster::block_on(CcidTransport::open(reader, CcidOptions::default()))
            .expect("open reader");
        let counting = pollster::block_on(scenario(t, &opts));
        let fig = counting.inner.figures();
        let pipe = counting.inner.pipe();
        row(
            model.name(),
            fig.apdus,
            fig.usb_transfers,
            fig.usb_bytes_out + fig.usb_bytes_in,
            counting.payload,
            pipe.wire_bytes(),
            pipe.wire_us(),
            fastest_bps(model),
            pipe.clock_us(),
        );
    }
    let card = SoftCard::generate(&opts).expect("software card");
    let t = pollster::block_on(PasoriTransport::open(
        VirtualRcS380::new(card),
        PasoriOptions::default(),
    ))
    .expect("open RC-S380");
    let counting = pollster::block_on(scenario(t, &opts));
    let fig = counting.inner.figures();
    let pipe = counting.inner.pipe();
    row(
        "rc-s380 (pasori)",
        fig.apdus,
        fig.usb_transfers,
        fig.usb_bytes_out + fig.usb_bytes_in,
        counting.payload,
        pipe.wire_bytes(),
        pipe.wire_us(),
        TYPE_B_106_BPS,
        pipe.clock_us(),
    );
    println!(
        "\nwire ms: time on the card's I/O line (T=1 blocks incl. guard times, or contactless frames);\n\
         bound ms: payload bytes x 10 bits at the fastest rate card and reader both allow;\n\
         ratio: wire / bound (target <= 1.30); total ms: wire + USB + card processing.\n\
         The contactless CCID models are timed at 424 kbit/s, the RC-S380 at 106 kbit/s."
    );
}
