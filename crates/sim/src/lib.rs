//! inkan-sim: a software My Number Card, a JPKI-profile test PKI and virtual readers,
//! for inkan's tests.

pub mod pki;
