//! CRL reader (RFC 5280 §5.1): never panics, errors point inside the input, and an
//! index that is built answers for every serial it lists and survives a persist/reopen.
#![no_main]
use inkan_verify::Backend;
use inkan_verify::crl_index::{CrlIndex, CrlIndexError, RawCrl, ReadLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The streaming reader's head and issuer checks (no CA: it stops there).
    if let Err(CrlIndexError::Der { offset, .. }) =
        CrlIndex::from_reader_verified(data, &[], Backend::RustCrypto, ReadLimits::default())
    {
        assert!(offset <= data.len());
    }
    let raw = match RawCrl::parse(data) {
        Ok(r) => r,
        Err(CrlIndexError::Der { offset, .. }) => {
            assert!(offset <= data.len());
            return;
        }
        Err(_) => return,
    };
    assert!(raw.tbs().len() < data.len());
    match raw.index() {
        Ok(idx) => {
            for (serial, rev) in idx.iter().take(64) {
                assert_eq!(idx.lookup(&serial), Some(rev));
            }
            let again = CrlIndex::from_bytes(idx.as_bytes().to_vec()).expect("reopen");
            assert_eq!(again, idx);
        }
        Err(CrlIndexError::Der { offset, .. }) => assert!(offset <= data.len()),
        Err(_) => {}
    }
    // Persisted-index reader on arbitrary bytes.
    let _ = CrlIndex::from_bytes(data.to_vec()).map(|i| i.lookup(&[1]));
});
