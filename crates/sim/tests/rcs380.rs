//! Every `inkan-card` operation over the virtual RC-S380 (Port-100, ISO/IEC 14443-3 Type B,
//! ISO/IEC 14443-4), transcripts of the set-up and of ISO-DEP chaining, and seeded fault
//! schedules.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use inkan_apdu::{Transport, TransportError};
use inkan_card::{DigestInfo, HashAlg};
use inkan_ccid::UsbPipe;
use inkan_pasori::{PasoriError, PasoriOptions, PasoriTransport};
use inkan_sim::readers::rcs380::{ContactlessCard, RfFault, VirtualRcS380};
use inkan_sim::readers::{FaultConfig, is_pin_verify};
use inkan_sim::{InitOptions, PinId, SoftCard};

mod common;
use common::{every_operation, run};

fn soft_card() -> SoftCard {
    SoftCard::generate(&InitOptions::default()).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn open(reader: VirtualRcS380, opts: PasoriOptions) -> PasoriTransport<VirtualRcS380> {
    run(PasoriTransport::open(reader, opts)).unwrap()
}

const SELECT_JPKI: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];

#[test]
fn every_operation_over_the_rc_s380() {
    let mut card = soft_card();
    let variants: [(&str, u16, ContactlessCard, PasoriOptions); 4] = [
        (
            "06C1",
            0x06C1,
            ContactlessCard::default(),
            PasoriOptions::default(),
        ),
        (
            "06C3 CID 5",
            0x06C3,
            ContactlessCard::default(),
            PasoriOptions {
                cid: Some(5),
                ..PasoriOptions::default()
            },
        ),
        (
            "FSC 32, FSD 64",
            0x06C1,
            ContactlessCard {
                fsci: 2,
                ..ContactlessCard::default()
            },
            PasoriOptions {
                fsdi: 5,
                ..PasoriOptions::default()
            },
        ),
        (
            "FWI 4, no CID",
            0x06C3,
            ContactlessCard {
                fwi: 4,
                cid_supported: false,
                ..ContactlessCard::default()
            },
            PasoriOptions {
                cid: Some(1),
                ..PasoriOptions::default()
            },
        ),
    ];
    for (name, pid, params, opts) in variants {
        let reader = VirtualRcS380::new(card)
            .with_product_id(pid)
            .with_card_params(params);
        let t = open(reader, opts);
        assert_eq!(t.firmware(), Some([0x01, 0x11]));
        let link = t.link().unwrap();
        assert_eq!(link.cid, opts.cid.filter(|_| params.cid_supported));
        let t = every_operation(t);
        let f = t.figures();
        assert!(!t.pipe().field_on(), "{name}: field off after power_off");
        let reader = t.into_pipe();
        println!(
            "RC-S380 {name:>15}: {} APDUs, {} USB transfers, {} B out / {} B in, RF {} B {:.1} ms (driver model {} B {:.1} ms), {} blocks, {} WTX, elapsed {:.1} ms",
            f.apdus,
            f.usb_transfers,
            f.usb_bytes_out,
            f.usb_bytes_in,
            reader.wire_bytes(),
            reader.wire_us() as f64 / 1000.0,
            f.wire_bytes,
            f.wire_time_us as f64 / 1000.0,
            f.blocks_sent,
            f.time_extensions,
            f.elapsed_us.unwrap_or(0) as f64 / 1000.0
        );
        // The driver's model of the RF link matches the reader's.
        assert_eq!(f.wire_bytes, reader.wire_bytes(), "{name}");
        assert_eq!(f.wire_time_us, reader.wire_us(), "{name}");
        // Signing takes longer than FWT: the card asked for more time.
        assert!(f.time_extensions > 0, "{name}");
        assert_eq!(f.retransmissions + f.recoveries, 0, "{name}");
        assert_eq!(reader.verifies_at_card(), 12, "{name}");
        assert_eq!(reader.fault_counts().total, 0);
        card = reader.into_card();
        card.clear_log();
    }
}

#[test]
fn descriptors() {
    let mut r = VirtualRcS380::new(soft_card()).with_product_id(0x06C3);
    let d = run(r.control_in(0x80, 6, 0x0100, 0, 18)).unwrap();
    assert_eq!(u16::from_le_bytes([d[8], d[9]]), inkan_pasori::VENDOR_ID);
    assert_eq!(u16::from_le_bytes([d[10], d[11]]), 0x06C3);
    assert!(inkan_pasori::PRODUCT_IDS.contains(&0x06C3));
    let c = run(r.control_in(0x80, 6, 0x0200, 0, 255)).unwrap();
    assert_eq!(usize::from(u16::from_le_bytes([c[2], c[3]])), c.len());
    // A vendor-specific interface (not class 0x0B): WebUSB may claim it.
    assert_eq!(c[9 + 5], 0xFF);
    assert_eq!(run(r.interrupt_in(10)), Err(inkan_ccid::PipeError::Stall));
}

#[test]
fn setup_transcript() {
    let t = open(VirtualRcS380::new(soft_card()), PasoriOptions::default());
    let expected = [
        // Set-up (after the host's ACK): SetCommandType 1, GetFirmwareVersion,
        // GetPDDataVersion, SwitchRF off.
        "D62A01",
        "D620",
        "D622",
        "D60600",
        // InSetRF 106B, InSetProtocol defaults, InSetProtocol Type B, SwitchRF on.
        "D600 03070F07",
        "D602 0018 0101 0201 0300 0400 0500 0600 0708 0800 0900 0A00 0B00 0C00 0E04 0F00 1000 1100 1200 1306",
        "D602 0014 0901 0A01 0B01 0C01",
        "D60601",
        // InCommRF REQB (30.1 ms), then ATTRIB (FWT 77.3 ms + ΔFWT): PUPI, param 1 = 0,
        // FSDI 8, protocol type 1, CID 0.
        "D604 2D01 050000",
        "D604 2B03 1D 4D4E4331 00 08 01 00",
    ];
    let got = t.pipe().commands();
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(hex::encode_upper(g), hex::encode_upper(hex(e)));
    }
    let rf = t.pipe().rf_log();
    assert_eq!(
        rf[0].from_card.as_deref(),
        Some(&hex("50 4D4E4331 00000000 00 81 81")[..])
    );
    assert_eq!(rf[1].from_card.as_deref(), Some(&[0x00][..]));
    let link = t.link().unwrap();
    assert_eq!(
        (link.isodep.fsc, link.isodep.fsd, link.cid),
        (256, 256, None)
    );
    // The first bytes on USB: the ACK, then the extended frame of SetCommandType.
    assert_eq!(
        inkan_pasori::Command::SetCommandType(1).to_frame(),
        hex("0000FFFFFF 0300 FD D62A01 FF 00")
    );
}

#[test]
fn isodep_chaining_transcript() {
    // FSC 32 (the card takes 28 bytes of INF with CID), FSD 64 (60 bytes back), CID 1.
    let reader = VirtualRcS380::new(soft_card()).with_card_params(ContactlessCard {
        fsci: 2,
        ..ContactlessCard::default()
    });
    let mut t = open(
        reader,
        PasoriOptions {
            fsdi: 5,
            cid: Some(1),
            ..PasoriOptions::default()
        },
    );
    let start = t.pipe().rf_log().len();
    assert_eq!(run(t.transmit(&SELECT_JPKI)).unwrap(), [0x90, 0x00]);
    assert_eq!(
        run(t.transmit(&hex("00A4020C02000A"))).unwrap(),
        [0x90, 0x00]
    );
    // READ BINARY of 100 bytes: 102 bytes come back in two blocks.
    let r = run(t.transmit(&hex("00B0000064"))).unwrap();
    assert_eq!(r.len(), 102);
    // A 40-byte command goes out in two blocks (PCD chaining).
    let mut long = hex("00A4040C22");
    long.extend_from_slice(&[0xD3; 34]);
    let r = run(t.transmit(&long)).unwrap();
    assert_eq!(r.len(), 2);
    let rf: Vec<(String, String)> = t.pipe().rf_log()[start..]
        .iter()
        .map(|e| {
            (
                hex::encode_upper(&e.to_card),
                e.from_card
                    .as_ref()
                    .map(hex::encode_upper)
                    .unwrap_or_default(),
            )
        })
        .collect();
    let want = |to: &str, from: &str| (to.replace(' ', ""), from.replace(' ', ""));
    assert_eq!(
        rf[0],
        want("0A01 00A4040C0AD392F000260100000001", "0A01 9000")
    );
    assert_eq!(rf[1], want("0B01 00A4020C02000A", "0B01 9000"));
    // Response chaining: I(0, chaining) with 60 bytes (FSD 64 − CRC − PCB − CID),
    // R(ACK, 1), last I(1) with the rest.
    assert_eq!(rf[2].0, "0A0100B0000064");
    assert!(rf[2].1.starts_with("1A01"));
    assert_eq!(rf[2].1.len(), 2 * (2 + 60));
    assert_eq!(rf[3].0, "AB01");
    assert!(rf[3].1.starts_with("0B01"));
    assert_eq!(rf[3].1.len(), 2 * (2 + 102 - 60));
    // Command chaining: I(0, chaining) with 28 bytes (FSC 32 − CRC − PCB − CID),
    // R(ACK, 0), last I(1).
    assert!(rf[4].0.starts_with("1A0100A4040C22"));
    assert_eq!(rf[4].0.len(), 2 * (2 + 28));
    assert_eq!(rf[4].1, "AA01");
    assert!(rf[5].0.starts_with("0B01"));
    assert_eq!(rf[5].0.len(), 2 * (2 + 39 - 28));
    assert_eq!(rf.len(), 6);
    // DESELECT at power-off, then the field goes off.
    run(t.power_off()).unwrap();
    let last = t.pipe().rf_log().last().unwrap().clone();
    assert_eq!(hex::encode_upper(&last.to_card), "CA01");
    assert_eq!(last.from_card, Some(vec![0xCA, 0x01]));
    assert!(!t.pipe().field_on());
    // The next APDU activates the card again.
    assert_eq!(run(t.transmit(&SELECT_JPKI)).unwrap(), [0x90, 0x00]);
    assert_eq!(t.figures().activations, 2);
}

#[test]
fn card_away_field_loss_and_unplug() {
    let mut t = open(VirtualRcS380::new(soft_card()), PasoriOptions::default());
    assert_eq!(run(t.transmit(&SELECT_JPKI)).unwrap(), [0x90, 0x00]);
    t.pipe_mut().remove_card();
    assert_eq!(
        run(t.transmit(&SELECT_JPKI)),
        Err(TransportError::CardRemoved)
    );
    assert_eq!(
        run(t.transmit(&SELECT_JPKI)),
        Err(TransportError::CardRemoved)
    );
    t.pipe_mut().insert_card();
    assert_eq!(run(t.transmit(&SELECT_JPKI)).unwrap(), [0x90, 0x00]);
    t.pipe_mut().unplug();
    assert_eq!(
        run(t.transmit(&SELECT_JPKI)),
        Err(TransportError::ReaderRemoved)
    );
    // No card at all.
    let mut r = VirtualRcS380::new(soft_card());
    r.remove_card();
    let e = run(PasoriTransport::open(r, PasoriOptions::default())).unwrap_err();
    assert_eq!(e, PasoriError::NoCard);
    assert_eq!(TransportError::from(e), TransportError::NoCard);
}

#[test]
fn each_fault_kind_once() {
    let verify = hex("0020008004 31323334");
    let status = hex("00200080");
    let mut card = soft_card();
    for (fault, expect_ok) in [
        (RfFault::LostToCard, true),
        (RfFault::CrcToCard, true),
        (RfFault::LostFromCard, true),
        (RfFault::CrcFromCard, true),
        (RfFault::CardWtx, true),
        (RfFault::FieldLost, false),
        (RfFault::CardAway, false),
    ] {
        let mut t = open(VirtualRcS380::new(card), PasoriOptions::default());
        assert_eq!(run(t.transmit(&SELECT_JPKI)).unwrap(), [0x90, 0x00]);
        assert_eq!(
            run(t.transmit(&hex("00A4020C020018"))).unwrap(),
            [0x90, 0x00]
        );
        t.pipe_mut().inject(fault);
        let r = run(t.transmit(&verify));
        // Lost or damaged frames are recovered by ISO-DEP and the VERIFY runs once;
        // a field loss or the card going away happens before the card gets it.
        let once = u64::from(!matches!(fault, RfFault::CardAway | RfFault::FieldLost));
        assert_eq!(t.pipe().verifies_at_card(), once, "{fault:?}");
        if expect_ok {
            assert_eq!(r.unwrap(), [0x90, 0x00], "{fault:?}");
            // Still verified: the session survived.
            assert!(t.pipe().card().is_verified(PinId::Auth), "{fault:?}");
            assert_eq!(run(t.transmit(&status)).unwrap().len(), 2, "{fault:?}");
        } else if fault == RfFault::FieldLost {
            assert_eq!(r, Err(TransportError::CardReset));
            // The card was reset and activated again: nothing is verified.
            assert_eq!(run(t.transmit(&SELECT_JPKI)).unwrap(), [0x90, 0x00]);
            assert_eq!(
                run(t.transmit(&hex("00A4020C020018"))).unwrap(),
                [0x90, 0x00]
            );
            assert!(!t.pipe().card().is_verified(PinId::Auth));
        } else {
            assert_eq!(r, Err(TransportError::CardRemoved));
        }
        let f = t.figures();
        println!("{fault:?}: {f:?}");
        let reader = t.into_pipe();
        assert!(reader.verifies_at_card() <= 1);
        card = reader.into_card();
        card.clear_log();
        card.power_off();
    }
}

fn script() -> Vec<Vec<u8>> {
    let mut v = vec![
        SELECT_JPKI.to_vec(),
        hex("00A4020C02000A"),
        hex("00B0000000"),
        hex("00B0010000"),
        hex("00A4020C020018"),
        hex("00200080"),
        hex("0020008004 31323334"),
        hex("00A4020C020017"),
    ];
    let di = DigestInfo::of_data(HashAlg::Sha256, b"x");
    let mut sign = vec![0x80, 0x2A, 0x00, 0x80, di.as_bytes().len() as u8];
    sign.extend_from_slice(di.as_bytes());
    sign.push(0);
    v.push(sign);
    v
}

#[test]
fn seeded_fault_schedules() {
    let schedules: u64 = 2500;
    let script = script();
    let mut card = soft_card();
    let (mut total_faults, mut ok_apdus, mut failed_apdus, mut opened) = (0u64, 0u64, 0u64, 0u64);
    let mut kinds = inkan_sim::readers::rcs380::RfFaultCounts::default();
    for seed in 0..schedules {
        let cfg = FaultConfig {
            seed: seed * 7919 + 3,
            rate: [0.02, 0.1, 0.3][(seed % 3) as usize],
            terminal: true,
        };
        let params = ContactlessCard {
            fsci: [8, 2, 5][(seed % 5 % 3) as usize],
            ..ContactlessCard::default()
        };
        let opts = PasoriOptions {
            cid: (seed % 2 == 0).then_some(2),
            ..PasoriOptions::default()
        };
        let mut reader = VirtualRcS380::new(card)
            .with_card_params(params)
            .with_faults(cfg);
        {
            let opened_t = run(PasoriTransport::open(&mut reader, opts));
            if let Ok(mut t) = opened_t {
                opened += 1;
                let bound_us = t.apdu_time_bound_ms() * 1000;
                for apdu in &script {
                    let log_before = t.pipe().card().log().len();
                    let start = t.pipe().clock_us();
                    let r = run(t.transmit(apdu));
                    let elapsed = t.pipe().clock_us() - start;
                    assert!(
                        elapsed <= bound_us,
                        "seed {seed}: {elapsed} µs > {bound_us}"
                    );
                    let log = &t.pipe().card().log()[log_before..];
                    // ISO-DEP never makes the card run a command twice.
                    assert!(
                        log.len() <= 1,
                        "seed {seed}: {apdu:02X?} ran {} times",
                        log.len()
                    );
                    match r {
                        Ok(resp) => {
                            ok_apdus += 1;
                            let entry = log.last().unwrap_or_else(|| {
                                panic!("seed {seed}: answer without the card seeing {apdu:02X?}")
                            });
                            assert_eq!(&entry.command, apdu, "seed {seed}");
                            assert_eq!(resp, entry.response, "seed {seed}");
                        }
                        Err(e) => {
                            failed_apdus += 1;
                            assert!(!e.to_string().is_empty());
                            if matches!(
                                e,
                                TransportError::ReaderRemoved
                                    | TransportError::CardRemoved
                                    | TransportError::NoCard
                            ) {
                                break;
                            }
                        }
                    }
                }
            }
        }
        total_faults += reader.fault_counts().total;
        let k = reader.fault_counts();
        kinds.total += k.total;
        kinds.lost += k.lost;
        kinds.crc += k.crc;
        kinds.wtx += k.wtx;
        kinds.card_away += k.card_away;
        kinds.field_lost += k.field_lost;
        let verifies = reader
            .card()
            .log()
            .iter()
            .filter(|e| is_pin_verify(&e.command))
            .count();
        assert!(verifies <= 1, "seed {seed}: VERIFY sent {verifies} times");
        assert_eq!(verifies as u64, reader.verifies_at_card());
        card = reader.into_card();
        card.clear_log();
        card.power_off();
        assert_eq!(card.retries(inkan_sim::PinId::Auth), 3);
    }
    println!(
        "{schedules} schedules ({opened} opened), {total_faults} faults ({kinds:?}), {ok_apdus} APDUs answered, {failed_apdus} failed with typed errors"
    );
    assert!(total_faults > 2000);
    assert!(kinds.card_away > 0 && kinds.field_lost > 0);
    assert!(ok_apdus > failed_apdus);
}
