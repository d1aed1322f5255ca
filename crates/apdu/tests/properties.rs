//! Property tests: the parsers never panic, and encodings round-trip.
#![allow(clippy::unwrap_used, missing_docs)]

use inkan_apdu::tlv::{self, TlvReader};
use inkan_apdu::{Command, Response, Status};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn command_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(c) = Command::parse(&bytes) {
            // Whatever parses re-encodes to something that parses to the same command.
            let again = Command::parse(&c.encode(!c.fits_short() || bytes.get(4) == Some(&0)).unwrap()).unwrap();
            prop_assert_eq!(again, c);
        }
    }

    #[test]
    fn command_round_trips(
        cla in any::<u8>(), ins in any::<u8>(), p1 in any::<u8>(), p2 in any::<u8>(),
        data in proptest::collection::vec(any::<u8>(), 0..400),
        le in proptest::option::of(1usize..=65_536),
        extended in any::<bool>(),
    ) {
        let mut c = Command::new(cla, ins, p1, p2).with_data(&data);
        if let Some(le) = le { c = c.with_le(le); }
        match c.encode(extended) {
            Ok(bytes) => prop_assert_eq!(Command::parse(&bytes).unwrap(), c),
            Err(_) => prop_assert!(!extended && !c.fits_short()),
        }
    }

    #[test]
    fn response_round_trips(data in proptest::collection::vec(any::<u8>(), 0..300), sw in any::<u16>()) {
        let r = Response::new(data, Status::from(sw));
        prop_assert_eq!(Response::parse(&r.to_bytes()).unwrap(), r);
    }

    #[test]
    fn tlv_reader_never_panics_and_ends(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut n = 0usize;
        for item in TlvReader::new(&bytes) {
            n += 1;
            prop_assert!(n <= bytes.len());
            if let Ok(t) = item {
                prop_assert!(t.end() <= bytes.len());
                for child in t.children() { let _ = child; }
            }
        }
        let _ = tlv::parse_header(&bytes);
    }

    #[test]
    fn tlv_round_trips(tags in proptest::collection::vec((prop_oneof![Just(0x04u32), Just(0xDF21), Just(0xFF20), Just(0x5F1F)], proptest::collection::vec(any::<u8>(), 0..300)), 0..6)) {
        let mut buf = Vec::new();
        for (t, v) in &tags { tlv::encode(*t, v, &mut buf); }
        let read: Vec<_> = TlvReader::new(&buf).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(read.len(), tags.len());
        for (r, (t, v)) in read.iter().zip(&tags) {
            prop_assert_eq!(r.tag, *t);
            prop_assert_eq!(r.value, &v[..]);
        }
    }
}
