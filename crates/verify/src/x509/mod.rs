//! X.509 certificates (RFC 5280 §4): parsing with the extensions path validation
//! needs, names and their comparison (§7.1), PEM, and the JPKI profile of a certificate
//! (its kind and the holder's identity).

mod cert;
pub mod jpki;
pub mod name;
pub mod pem;

pub(crate) use cert::tlv_len;
pub use cert::{Cert, KeyUsageBits};
pub use name::name_eq;

/// Lowercase hex.
pub fn hex_string(b: &[u8]) -> alloc::string::String {
    use core::fmt::Write;
    let mut s = alloc::string::String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}
