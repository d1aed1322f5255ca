//! ATR parser and PPS response check: never panic; derived values stay in range.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = inkan_ccid::Atr::parse(data) {
        assert!((1..=254).contains(&a.ifsc()));
        let (bwi, _) = a.bwi_cwi();
        assert!(bwi <= 9);
        let _ = (a.fi_di(), a.edc(), a.protocols(), a.specific_mode());
    }
    let req = inkan_ccid::atr::pps_request(1, data.first().copied().unwrap_or(0x11));
    let _ = inkan_ccid::atr::pps_confirmed(&req, data);
});
