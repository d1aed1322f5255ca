//! Command APDU parser: never panics; what parses re-encodes and parses the same.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = inkan_apdu::Command::parse(data) {
        let extended = !c.fits_short() || data.get(4) == Some(&0);
        if let Ok(bytes) = c.encode(extended) {
            assert_eq!(inkan_apdu::Command::parse(&bytes).ok(), Some(c));
        }
    }
});
