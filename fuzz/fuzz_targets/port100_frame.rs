//! The Port-100 frame parser and reply decoders fed arbitrary bytes: never panic; a
//! frame that parses re-encodes to bytes that parse to the same frame.
#![no_main]
use inkan_pasori::frame::{self, Frame};
use inkan_pasori::port100::{self, Command};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = Frame::parse(data) {
        assert_eq!(Frame::parse(&f.encode()), Ok(f.clone()));
        if let Frame::Data(d) = &f {
            assert!(d.len() <= frame::MAX_DATA);
            if let Ok(body) = port100::reply_body(d, port100::code::IN_COMM_RF) {
                let _ = port100::comm_result(body);
            }
            if let Ok(c) = Command::parse(d) {
                assert_eq!(Command::parse(&c.to_bytes()), Ok(c));
            }
        }
    }
    let _ = inkan_pasori::Atqb::parse(data);
    let _ = inkan_pasori::typeb::parse_attrib_answer(data, 0);
});
