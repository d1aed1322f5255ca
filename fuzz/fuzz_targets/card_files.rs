//! Parsers of the card's files (My Number, basic 4 info, surface, token info): never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = inkan_card::parse_my_number(data);
    let _ = inkan_card::parse_basic_info(data);
    let _ = inkan_card::parse_surface(data);
    let _ = inkan_card::TokenInfo::from_label(data);
});
