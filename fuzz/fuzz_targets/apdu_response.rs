//! Response APDU parser and status words: never panic, always round-trip.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = inkan_apdu::Response::parse(data) {
        assert_eq!(r.to_bytes(), data);
        let _ = r.status.to_string();
    }
});
