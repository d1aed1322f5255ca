//! Property tests: Port-100 frames round-trip, parsers never panic, the ISO-DEP engine
//! ends every exchange within its bound whatever the card sends.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use inkan_pasori::frame::{self, Frame};
use inkan_pasori::isodep::{IsoDepConfig, IsoDepHost, Parsed, Rx, Step, i_block};
use inkan_pasori::{Atqb, Command};
use proptest::prelude::*;

proptest! {
    #[test]
    fn frames_round_trip(data in proptest::collection::vec(any::<u8>(), 1..600)) {
        let f = Frame::parse(&frame::encode(&data)).unwrap();
        if data == [0x7F] {
            prop_assert_eq!(f, Frame::Error);
        } else {
            prop_assert_eq!(&f, &Frame::Data(data.clone()));
        }
        if data.len() < 255 && data != [0x7F] {
            prop_assert_eq!(Frame::parse(&frame::encode_normal(&data)).unwrap(), Frame::Data(data));
        }
    }

    #[test]
    fn parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Frame::parse(&data);
        let _ = Command::parse(&data);
        let _ = Atqb::parse(&data);
        let _ = Parsed::parse(&data);
    }

    #[test]
    fn isodep_always_ends(
        fsci in 0u8..13,
        cid in proptest::option::of(0u8..15),
        apdu in proptest::collection::vec(any::<u8>(), 0..300),
        answers in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 0..200),
    ) {
        let cfg = IsoDepConfig {
            fsc: inkan_pasori::typeb::fsci_to_fsc(fsci),
            fsd: 256,
            cid,
            fwt_us: 10_000,
            max_retries: 2,
            max_wtx: 4,
            max_response: 4096,
        };
        let mut h = IsoDepHost::new(cfg);
        let mut step = h.begin(&apdu);
        let mut sent = 0;
        for a in &answers {
            let Step::Send { block, .. } = &step else { break };
            sent += 1;
            prop_assert!(block.len() + 2 <= cfg.fsc.max(16));
            step = match a.first() {
                None => h.on_rx(Rx::Timeout),
                Some(0) => h.on_rx(Rx::Garbled),
                // Mostly well-formed blocks: an I-block with our block number or not.
                Some(1) => h.on_rx(Rx::Block(&i_block(a.len() as u8 & 1, a.len() > 4, cid, a))),
                Some(_) => h.on_rx(Rx::Block(a)),
            };
        }
        prop_assert!(sent <= answers.len());
    }
}
