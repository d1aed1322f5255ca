//! Benchmarks across crates (`cargo bench -p inkan-bench`); the library is empty. They
//! live here so that `inkan-verify` never depends on the software card or the card client.
#![forbid(unsafe_code)]
