//! Every `inkan-card` operation over the five virtual CCID readers, seeded fault
//! schedules, removal and unplug.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use inkan_apdu::{Transport, TransportError};
use inkan_card::{DigestInfo, HashAlg};
use inkan_ccid::{CcidOptions, CcidTransport, ExchangeLevel, SlotEvent};
use inkan_sim::readers::{FaultConfig, ReaderModel, VirtualReader, is_pin_verify};
use inkan_sim::{InitOptions, SoftCard};
use std::path::PathBuf;

mod common;
use common::{every_operation, run};

fn soft_card() -> SoftCard {
    SoftCard::generate(&InitOptions::default()).unwrap()
}

fn open(model: ReaderModel, card: SoftCard) -> CcidTransport<VirtualReader> {
    run(CcidTransport::open(
        VirtualReader::new(model, card),
        CcidOptions::default(),
    ))
    .unwrap()
}

#[test]
fn descriptors_match_the_dumps() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/ccid-readers");
    if !dir.is_dir() {
        println!("skipped: descriptor dumps not found at ../shared/vectors/ccid-readers");
        return;
    }
    let files = [
        (ReaderModel::Scr3310NttCom, "SCR3310-NTTCom.txt"),
        (ReaderModel::Scr331DiNttCom, "SCR331-DI-NTTCom.txt"),
        (ReaderModel::Acr39u, "ACS_ACR39U_ICC_Reader.txt"),
        (ReaderModel::Acr1252, "ACS_ACR1252_Reader.txt"),
        (ReaderModel::RcS300, "SONY_FeliCa_RC-S300_S.txt"),
    ];
    for (model, file) in files {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let field = |name: &str| -> String {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{name}:")))
                .unwrap_or_else(|| panic!("{file}: no {name}"));
            line.split(':')
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .to_string()
        };
        let hex = |s: String| u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
        let f = model.facts();
        assert_eq!(hex(field("idVendor")), u32::from(f.vendor_id), "{file}");
        assert_eq!(hex(field("idProduct")), u32::from(f.product_id), "{file}");
        assert_eq!(
            hex(field("bInterfaceClass")),
            u32::from(f.interface_class),
            "{file}"
        );
        assert_eq!(hex(field("dwFeatures")), f.features, "{file}");
        assert_eq!(
            field("dwMaxCCIDMessageLength").parse::<u32>().unwrap(),
            f.max_message_len
        );
        assert_eq!(
            field("dwMaxIFSD").parse::<u32>().unwrap(),
            f.max_ifsd,
            "{file}"
        );
        assert_eq!(
            field("dwDataRate").parse::<u32>().unwrap(),
            f.data_rate,
            "{file}"
        );
        assert_eq!(
            field("dwMaxDataRate").parse::<u32>().unwrap(),
            f.max_data_rate,
            "{file}"
        );
        let clock: f64 = field("dwDefaultClock").parse().unwrap();
        assert_eq!(
            (clock * 1000.0).round() as u32,
            f.default_clock_khz,
            "{file}"
        );
        assert_eq!(
            hex(field("bMaxSlotIndex")),
            u32::from(f.max_slot_index),
            "{file}"
        );
    }
}

#[test]
fn every_operation_over_each_reader() {
    let mut card = soft_card();
    for model in ReaderModel::ALL {
        let t = open(model, card);
        let tpdu = model.descriptor().level() == ExchangeLevel::Tpdu;
        assert_eq!(t.link().level == ExchangeLevel::Tpdu, tpdu);
        if tpdu {
            // TA1 = 13 is within every TPDU model's rate: Di = 4 is in force.
            assert_eq!(t.link().fidi, 0x13, "{model:?}");
            assert!(t.link().ifsd > 200, "{model:?} IFSD {}", t.link().ifsd);
        }
        let t = every_operation(t);
        let f = t.figures();
        let reader = t.into_pipe();
        println!(
            "{:>17}: {} APDUs, {} USB transfers, {} B out / {} B in, wire {} B {:.1} ms (driver model {:.1} ms), elapsed {:.1} ms",
            model.name(),
            f.apdus,
            f.usb_transfers,
            f.usb_bytes_out,
            f.usb_bytes_in,
            reader.wire_bytes(),
            reader.wire_us() as f64 / 1000.0,
            f.wire_time_us as f64 / 1000.0,
            f.elapsed_us.unwrap_or(0) as f64 / 1000.0
        );
        assert_eq!(reader.verifies_at_card(), 12, "{model:?}");
        card = reader.into_card();
        card.clear_log();
    }
}

#[test]
fn parses_the_descriptor_over_control_transfers() {
    for model in ReaderModel::ALL {
        let t = open(model, soft_card());
        assert_eq!(t.interface().interface_class, model.facts().interface_class);
        assert_eq!(t.interface().ccid, model.descriptor());
        assert_eq!(
            t.interface().protected_class(),
            matches!(
                model,
                ReaderModel::Acr39u | ReaderModel::Acr1252 | ReaderModel::RcS300
            )
        );
        assert_eq!(ReaderModel::from_name(model.name()), Some(model));
    }
}

#[test]
fn card_removal_and_unplug() {
    let mut t = open(ReaderModel::Scr3310NttCom, soft_card());
    let select = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];
    assert_eq!(run(t.transmit(&select)).unwrap(), [0x90, 0x00]);
    t.pipe_mut().remove_card();
    assert_eq!(
        run(t.poll_slot_change(10)).unwrap(),
        Some(SlotEvent::Removed)
    );
    assert_eq!(run(t.transmit(&select)), Err(TransportError::CardRemoved));
    t.pipe_mut().insert_card();
    assert_eq!(
        run(t.poll_slot_change(10)).unwrap(),
        Some(SlotEvent::Inserted)
    );
    run(t.reconnect()).unwrap();
    assert_eq!(run(t.transmit(&select)).unwrap(), [0x90, 0x00]);
    t.pipe_mut().unplug();
    assert_eq!(run(t.transmit(&select)), Err(TransportError::ReaderRemoved));

    // Removed while not yet known to the driver: the reader's bmICCStatus tells.
    let mut t = open(ReaderModel::Acr1252, soft_card());
    t.pipe_mut().remove_card();
    assert_eq!(run(t.transmit(&select)), Err(TransportError::CardRemoved));
    let r = run(CcidTransport::open(
        {
            let mut v = VirtualReader::new(ReaderModel::Acr39u, soft_card());
            v.remove_card();
            v
        },
        CcidOptions::default(),
    ));
    assert_eq!(
        r.err().map(TransportError::from),
        Some(TransportError::NoCard)
    );
}

fn script() -> Vec<Vec<u8>> {
    let mut v = vec![
        vec![
            0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
            0x01,
        ],
        vec![0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A],
        vec![0x00, 0xB0, 0x00, 0x00, 0x00],
        vec![0x00, 0xB0, 0x01, 0x00, 0x00],
        vec![0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18],
        vec![0x00, 0x20, 0x00, 0x80],
        vec![0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4'],
        vec![0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x17],
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
    let schedules_per_model: u64 = 500;
    let script = script();
    let mut card = soft_card();
    let mut total_faults = 0;
    let mut ok_apdus = 0u64;
    let mut failed_apdus = 0u64;
    let mut schedules = 0u64;
    for model in ReaderModel::ALL {
        for seed in 0..schedules_per_model {
            schedules += 1;
            let cfg = FaultConfig {
                seed: seed * 7919 + model as u64,
                rate: [0.02, 0.1, 0.3][(seed % 3) as usize],
                terminal: true,
            };
            let reader = VirtualReader::new(model, card).with_faults(cfg);
            let opened = run(CcidTransport::open(reader, CcidOptions::default()));
            let mut t = match opened {
                Ok(t) => t,
                Err(e) => {
                    // Opening failed with a typed error; get the card back via a fresh
                    // reader is impossible, so regenerate.
                    let _ = TransportError::from(e);
                    card = soft_card();
                    continue;
                }
            };
            let bound_us = t.apdu_time_bound_ms() * 1000;
            for apdu in &script {
                let log_before = t.pipe().card().log().len();
                let start = t.pipe().clock_us();
                let r = run(t.transmit(apdu));
                let elapsed = t.pipe().clock_us() - start;
                assert!(
                    elapsed <= bound_us,
                    "{model:?} seed {seed}: {elapsed} µs > {bound_us}"
                );
                let log = &t.pipe().card().log()[log_before..];
                match r {
                    Ok(resp) => {
                        ok_apdus += 1;
                        let entry = log
                            .iter()
                            .rev()
                            .find(|e| &e.command == apdu)
                            .unwrap_or_else(|| panic!("{model:?} seed {seed}: answer without the card seeing {apdu:02X?}"));
                        assert_eq!(resp, entry.response, "{model:?} seed {seed}");
                    }
                    Err(e) => {
                        failed_apdus += 1;
                        // A typed error that renders.
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
                // Only reads may be repeated (after a T=1 resynchronisation).
                assert!(
                    log.len() <= 1 || inkan_ccid::repeatable(apdu),
                    "{model:?} seed {seed}: {apdu:02X?} ran {} times",
                    log.len()
                );
            }
            let reader = t.into_pipe();
            total_faults += reader.fault_counts().total;
            let verifies = reader
                .card()
                .log()
                .iter()
                .filter(|e| is_pin_verify(&e.command))
                .count();
            assert!(
                verifies <= 1,
                "{model:?} seed {seed}: VERIFY sent {verifies} times"
            );
            assert_eq!(verifies as u64, reader.verifies_at_card());
            card = reader.into_card();
            card.clear_log();
            card.power_off();
            if card.retries(inkan_sim::PinId::Auth) < 3 {
                card = soft_card();
            }
        }
    }
    println!(
        "{schedules} schedules, {total_faults} faults, {ok_apdus} APDUs answered, {failed_apdus} failed with typed errors"
    );
    assert!(total_faults > 1000);
    assert!(ok_apdus > failed_apdus);
}
