//! The T=1 host engine fed arbitrary card blocks: never panics, always ends (every
//! exchange finishes or fails within its block bound).
#![no_main]
use inkan_ccid::t1::{Block, Step, T1Config, T1Host};
use inkan_ccid::Edc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (cfg, rest) = match data.split_first() {
        Some((b, rest)) => (
            T1Config {
                ifsc: (b & 0x3F).max(1),
                edc: if b & 0x40 != 0 { Edc::Crc } else { Edc::Lrc },
                ..T1Config::default()
            },
            rest,
        ),
        None => return,
    };
    let _ = Block::decode(rest, cfg.edc);
    let mut host = T1Host::new(cfg);
    let mut step = host.begin(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x02], true);
    // Split the input into blocks at 0xA5 bytes; an empty chunk is a timeout.
    let mut n = 0;
    for chunk in rest.split(|b| *b == 0xA5) {
        n += 1;
        if !matches!(step, Step::Send { .. }) {
            step = host.begin(&[0x00, 0x20, 0x00, 0x80], false);
        }
        step = if chunk.is_empty() { host.on_timeout() } else { host.on_block(chunk) };
    }
    assert!(n <= rest.len() + 1);
});
