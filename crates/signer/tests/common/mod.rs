//! What the signer's tests share: the software card and its PKI, the trust store of its
//! signature roots, the validation time inside the sim's CRL window, the default PIN.
#![allow(dead_code, clippy::unwrap_used)]

use inkan_card::{MyNumberCard, SignPin};
use inkan_sim::pki::TestPki;
use inkan_sim::{InitOptions, SimTransport, SoftCard};
use inkan_verify::{TrustStore, UnixTime, ValidationOptions};

pub const DOC: inkan_verify::Purpose = inkan_verify::Purpose::Document {
    allow_auth_cert: false,
};

/// 2024-04-15T00:00:00Z: inside the sim's CRL window (issued 2024-04-01, +30 days).
pub const AT: &str = "2024-04-15T00:00:00Z";
/// 2024-04-10T09:00:00Z.
pub const SIGNING_TIME: u64 = 1_712_739_600;

pub fn run<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

pub fn sim(opts: &InitOptions) -> (MyNumberCard<SimTransport>, TestPki) {
    let (sc, pki) = SoftCard::generate_with_pki(opts).unwrap();
    (
        run(MyNumberCard::connect(SimTransport::new(sc))).unwrap(),
        pki,
    )
}

pub fn store(pki: &TestPki) -> TrustStore {
    let mut s = TrustStore::new();
    for r in &pki.sign_roots {
        s.add_explicit(r.cert_der()).unwrap();
    }
    s
}

pub fn opts() -> ValidationOptions<'static> {
    ValidationOptions::new(UnixTime::parse_rfc3339(AT).unwrap())
}

pub fn pin() -> SignPin {
    SignPin::new("ABC123").unwrap()
}
