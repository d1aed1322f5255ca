//! The ISO-DEP (ISO/IEC 14443-4) PCD engine fed arbitrary PICC blocks, time-outs and
//! damaged frames: never panics, and every exchange ends within its block bound.
#![no_main]
use inkan_pasori::isodep::{IsoDepConfig, IsoDepHost, Parsed, Rx, Step};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((b, rest)) = data.split_first() else {
        return;
    };
    let cfg = IsoDepConfig {
        fsc: inkan_pasori::typeb::fsci_to_fsc(b & 0x0F),
        fsd: 256,
        cid: (b & 0x10 != 0).then_some(b >> 5),
        fwt_us: 5_000,
        max_retries: 2,
        max_wtx: 8,
        max_response: 1024,
    };
    let _ = Parsed::parse(rest);
    let mut host = IsoDepHost::new(cfg);
    let mut step = host.begin(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x02]);
    // Chunks split at 0xA5: empty = time-out, a lone 0x5A = damaged frame.
    let mut sends = 0usize;
    for chunk in rest.split(|b| *b == 0xA5) {
        match step {
            Step::Send { .. } => sends += 1,
            _ => {
                if host.is_broken() {
                    host = IsoDepHost::new(cfg);
                }
                step = host.begin(&[0x00, 0x20, 0x00, 0x80]);
                continue;
            }
        }
        step = match chunk {
            [] => host.on_rx(Rx::Timeout),
            [0x5A] => host.on_rx(Rx::Garbled),
            c => host.on_rx(Rx::Block(c)),
        };
    }
    assert!(sends <= rest.len() + 1);
});
