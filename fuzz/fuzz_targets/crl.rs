//! CRL reader (RFC 5280 §5.1): never panics, errors point inside the input, the
//! streaming reader agrees with the in-memory one, and an index that is built answers for
//! every serial it lists and survives a persist/reopen.
#![no_main]
use inkan_verify::revocation::ReadLimits;
use inkan_verify::{Crl, CrlError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = Crl::from_der(data);
    if let Err(CrlError::Der { offset, .. }) = &whole {
        assert!(*offset <= data.len());
    }
    // The streaming reader gives the same verdict on the same bytes.
    let streamed = Crl::from_reader(data, ReadLimits::default());
    assert_eq!(whole.is_ok(), streamed.is_ok());
    if let Ok(crl) = whole {
        for (serial, rev) in crl.iter().take(64) {
            assert_eq!(crl.lookup(&serial), Some(rev));
        }
        let again = Crl::from_bytes(crl.as_bytes().to_vec()).expect("reopen");
        assert_eq!(again.len(), crl.len());
        assert_eq!(again.info(), crl.info());
    }
    // Persisted-index reader on arbitrary bytes.
    let _ = Crl::from_bytes(data.to_vec()).map(|i| i.lookup(&[1]));
});
