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

/// Whether the `openssl` command runs (tests that use it as an oracle skip without it).
pub fn openssl_available() -> bool {
    std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `openssl ARGS` in `dir`; fails the test with its stderr when it fails.
pub fn openssl_in(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The system clock (for PKIs OpenSSL makes "now").
pub fn now() -> UnixTime {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    UnixTime::from_secs(d.as_secs())
}
