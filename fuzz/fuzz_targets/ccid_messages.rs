//! CCID messages, notifications and configuration descriptors: never panic; whatever
//! decodes re-encodes to the same bytes.
#![no_main]
use inkan_ccid::message::{HostFrame, Notification, ReaderFrame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = ReaderFrame::decode(data) {
        assert_eq!(f.encode(), data);
    }
    if let Ok(f) = HostFrame::decode(data) {
        assert_eq!(HostFrame::decode(&f.encode()).ok(), Some(f));
    }
    if let Ok(n) = Notification::decode(data) {
        let _ = n.slot_state(0);
        let _ = n.encode();
    }
    if let Ok(i) = inkan_ccid::descriptor::find_ccid_interface(data) {
        let _ = i.ccid.level();
        let _ = i.ccid.to_bytes();
    }
});
