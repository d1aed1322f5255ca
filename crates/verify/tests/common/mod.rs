//! The free-form test PKI of `inkan-testpki` (`spec`), plus the verifier types tests need.
#![allow(dead_code, clippy::unwrap_used)]

pub use inkan_testpki::spec::*;
use inkan_verify::UnixTime;

/// An RFC 3339 time as the verifier's [`UnixTime`].
pub fn t(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

/// The certificate of a spec, parsed by the verifier.
pub trait AsCert {
    /// The parsed certificate.
    fn cert(&self) -> inkan_verify::Cert;
}

impl AsCert for CertSpec {
    fn cert(&self) -> inkan_verify::Cert {
        inkan_verify::Cert::from_der(&self.der()).unwrap()
    }
}

/// A trust store holding `root` as an explicit anchor.
pub fn store_with(root: &CertSpec) -> inkan_verify::TrustStore {
    let mut s = inkan_verify::TrustStore::new();
    s.add_explicit(&root.der()).unwrap();
    s
}
