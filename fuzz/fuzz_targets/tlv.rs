//! BER-TLV reader: never panics, always ends, values stay inside the buffer.
#![no_main]
use libfuzzer_sys::fuzz_target;

fn walk(r: inkan_apdu::tlv::TlvReader<'_>, depth: usize, len: usize) {
    for t in r.flatten() {
        assert!(t.end() <= len + t.value_offset);
        if depth < 8 && t.is_constructed() {
            walk(t.children(), depth + 1, len);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = inkan_apdu::tlv::parse_header(data);
    walk(inkan_apdu::tlv::TlvReader::new(data), 0, data.len());
});
