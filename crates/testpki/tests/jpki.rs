//! Tests of the JPKI-profile test PKI: structure (parsed back with `x509-cert`),
//! determinism, generations, and interoperability with OpenSSL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use der::{Decode, Encode, Tagged};
use inkan_testpki::jpki::{
    self as pki, AuthCertSpec, CrlBuilder, CrlOptions, CrlScope, DateTime, Hierarchy, Identity,
    PkiError, Reason, RevokedEntry, RootCa, SignatureCertSpec, TestPki, Validity,
};
use rsa::Pkcs1v15Sign;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

type Crl = CertificateList<x509_cert::certificate::Rfc5280>;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    CrlReason, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};

const SEED: u64 = 20_250_101;
/// 2025-01-01T00:00:00Z, the validation time given to OpenSSL.
const AT_EPOCH: &str = "1735689600";

fn dt(y: u16, m: u8, d: u8) -> DateTime {
    DateTime::new(y, m, d, 0, 0, 0).unwrap()
}

fn root_validity() -> Validity {
    Validity::new(dt(2023, 1, 1), dt(2033, 1, 1)).unwrap()
}

fn leaf_validity() -> Validity {
    Validity::new(
        dt(2024, 6, 1),
        DateTime::new(2029, 6, 14, 14, 59, 59).unwrap(),
    )
    .unwrap()
}

fn scope() -> CrlScope {
    CrlScope::new("Tokyo-to", "Chiyoda-ku")
}

fn test_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate(SEED, 3, root_validity()).unwrap())
}

fn holder_key() -> rsa::PrivateKey {
    pki::test_key(SEED, "holder/sign").unwrap()
}

fn auth_key() -> rsa::PrivateKey {
    pki::test_key(SEED, "holder/auth").unwrap()
}

fn sign_leaf(root: &RootCa, serial: &[u8]) -> Vec<u8> {
    let key = holder_key();
    pki::issue_signature_cert(
        root,
        &SignatureCertSpec {
            serial,
            subject_key: key.as_public_key(),
            common_name: "20240601TEST0000000000001",
            scope: scope(),
            identity: &Identity::example(),
            validity: leaf_validity(),
        },
    )
    .unwrap()
}

fn auth_leaf(root: &RootCa, serial: &[u8]) -> Vec<u8> {
    let key = auth_key();
    pki::issue_auth_cert(
        root,
        &AuthCertSpec {
            serial,
            subject_key: key.as_public_key(),
            common_name: "AUTH0123456789ABCDEF",
            scope: Some(scope()),
            validity: leaf_validity(),
        },
    )
    .unwrap()
}

/// Checks the signature of a certificate or CRL (`SEQUENCE { tbs, alg, sig }`) with `root`.
fn signed_by(tbs_der: &[u8], signature: &[u8], root: &RootCa) -> bool {
    let digest = Sha256::digest(tbs_der);
    root.rsa_public_key()
        .unwrap()
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
        .is_ok()
}

fn cert_signed_by(cert: &Certificate, root: &RootCa) -> bool {
    let tbs = cert.tbs_certificate().to_der().unwrap();
    signed_by(&tbs, cert.signature().raw_bytes(), root)
}

// ------------------------------------------------------------------------------------------
// Structure
// ------------------------------------------------------------------------------------------

#[test]
fn roots_have_the_jpki_root_profile() {
    let pki = test_pki();
    assert_eq!(pki.sign_roots.len(), 3);
    assert_eq!(pki.auth_roots.len(), 3);
    for root in pki.sign_roots.iter().chain(&pki.auth_roots) {
        let cert = Certificate::from_der(root.cert_der()).unwrap();
        let tbs = cert.tbs_certificate();
        assert_eq!(tbs.subject().to_der().unwrap(), root.name_der());
        assert_eq!(tbs.issuer(), tbs.subject());
        assert_eq!(
            tbs.signature().oid.to_string(),
            "1.2.840.113549.1.1.11",
            "sha256WithRSAEncryption"
        );
        let subject = tbs.subject().to_string();
        assert!(subject.contains("O=JPKI-TEST"), "{subject}");
        assert!(
            subject.contains("OU=Japan Agency for Local Authority Information Systems"),
            "{subject}"
        );
        assert!(subject.contains(root.hierarchy().org_unit()), "{subject}");
        assert!(cert_signed_by(&cert, root), "self-signed");

        let (crit, ku) = tbs.get_extension::<KeyUsage>().unwrap().unwrap();
        assert!(crit);
        assert!(ku.0.contains(KeyUsages::KeyCertSign) && ku.0.contains(KeyUsages::CRLSign));
        assert!(!ku.0.contains(KeyUsages::DigitalSignature));
        let (crit, bc) = tbs.get_extension::<BasicConstraints>().unwrap().unwrap();
        assert!(crit && bc.ca);
        let (crit, ski) = tbs
            .get_extension::<SubjectKeyIdentifier>()
            .unwrap()
            .unwrap();
        assert!(!crit);
        assert_eq!(ski.0.as_bytes(), root.subject_key_id());
        assert!(
            tbs.get_extension::<CrlDistributionPoints>()
                .unwrap()
                .is_some()
        );
        assert!(tbs.get_extension::<SubjectAltName>().unwrap().is_some());
    }
}

#[test]
fn signature_cert_has_the_jpki_profile() {
    let pki = test_pki();
    let root = &pki.sign_roots[0];
    let der = sign_leaf(root, &[0x0A, 0xBC, 0xDE]);
    let cert = Certificate::from_der(&der).unwrap();
    let tbs = cert.tbs_certificate();
    assert!(cert_signed_by(&cert, root));
    assert_eq!(tbs.issuer().to_der().unwrap(), root.name_der());
    assert_eq!(tbs.serial_number().as_bytes(), &[0x0A, 0xBC, 0xDE]);
    // RFC 4514 order (last RDN first).
    assert_eq!(
        tbs.subject().to_string(),
        "CN=20240601TEST0000000000001,L=Chiyoda-ku,L=Tokyo-to,C=JP"
    );

    let (crit, ku) = tbs.get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(crit);
    assert!(ku.0.contains(KeyUsages::DigitalSignature));
    assert!(ku.0.contains(KeyUsages::NonRepudiation));
    assert!(!ku.0.contains(KeyUsages::KeyCertSign));

    let (crit, policies) = tbs.get_extension::<CertificatePolicies>().unwrap().unwrap();
    assert!(crit, "certificatePolicies is critical");
    assert_eq!(policies.0.len(), 1);
    assert_eq!(
        policies.0[0].policy_identifier.to_string(),
        "1.2.392.200149.8.5.1.1.20"
    );

    let (_, san) = tbs.get_extension::<SubjectAltName>().unwrap().unwrap();
    let id = Identity::example();
    let expected = [
        ("1.2.392.200149.8.5.5.1", id.name.as_str()),
        ("1.2.392.200149.8.5.5.2", id.name_flags.as_str()),
        ("1.2.392.200149.8.5.5.3", id.sex.as_str()),
        ("1.2.392.200149.8.5.5.4", id.birth_date.as_str()),
        ("1.2.392.200149.8.5.5.5", id.address.as_str()),
        ("1.2.392.200149.8.5.5.6", id.address_flags.as_str()),
    ];
    assert_eq!(san.0.len(), expected.len());
    for (gn, (oid, value)) in san.0.iter().zip(expected) {
        let GeneralName::OtherName(other) = gn else {
            panic!("expected otherName, got {gn:?}");
        };
        assert_eq!(other.type_id.to_string(), oid);
        assert_eq!(other.value.tag(), der::Tag::Utf8String);
        assert_eq!(std::str::from_utf8(other.value.value()).unwrap(), value);
    }

    let (_, aki) = tbs
        .get_extension::<AuthorityKeyIdentifier>()
        .unwrap()
        .unwrap();
    assert_eq!(
        aki.key_identifier.unwrap().as_bytes(),
        root.subject_key_id()
    );

    let (_, dps) = tbs
        .get_extension::<CrlDistributionPoints>()
        .unwrap()
        .unwrap();
    let Some(DistributionPointName::FullName(names)) = &dps.0[0].distribution_point else {
        panic!("expected fullName");
    };
    let GeneralName::DirectoryName(dn) = &names[0] else {
        panic!("expected directoryName");
    };
    assert_eq!(
        dn.to_der().unwrap(),
        scope().directory_name_der(Hierarchy::Signature).unwrap()
    );
    assert_eq!(
        dn.to_string(),
        "CN=Chiyoda-ku,OU=Tokyo-to,OU=CRL Distribution Points,OU=JPKI for digital signature,O=JPKI-TEST,C=JP"
    );

    // The subject public key is the one passed in.
    let spki = tbs.subject_public_key_info().to_der().unwrap();
    assert_eq!(spki, pki::spki_der(holder_key().as_public_key()).unwrap());
}

#[test]
fn auth_cert_has_no_personal_data() {
    let pki = test_pki();
    let root = &pki.auth_roots[2];
    let der = auth_leaf(root, &[0x42]);
    let cert = Certificate::from_der(&der).unwrap();
    let tbs = cert.tbs_certificate();
    assert!(cert_signed_by(&cert, root));
    let subject = tbs.subject();
    assert_eq!(subject.as_ref().len(), 2, "only CN and C");
    assert_eq!(subject.to_string(), "C=JP,CN=AUTH0123456789ABCDEF");
    let (crit, ku) = tbs.get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(crit);
    assert!(ku.0.contains(KeyUsages::DigitalSignature));
    assert!(!ku.0.contains(KeyUsages::NonRepudiation));
    let (crit, policies) = tbs.get_extension::<CertificatePolicies>().unwrap().unwrap();
    assert!(crit);
    assert_eq!(
        policies.0[0].policy_identifier.to_string(),
        "1.2.392.200149.8.5.1.3.30"
    );
    assert!(tbs.get_extension::<SubjectAltName>().unwrap().is_none());
}

#[test]
fn crl_parses_with_reasons_and_extensions() {
    let pki = test_pki();
    let root = &pki.sign_roots[1];
    let entries: Vec<RevokedEntry> = Reason::JPKI
        .iter()
        .enumerate()
        .map(|(i, r)| RevokedEntry {
            serial: vec![0x10, i as u8 + 1],
            revoked_at: dt(2024, 7, 1 + i as u8),
            reason: Some(*r),
        })
        .chain(std::iter::once(RevokedEntry {
            serial: vec![0xFF, 0xEE],
            revoked_at: dt(2024, 8, 1),
            reason: None,
        }))
        .collect();
    let options = CrlOptions {
        issuing_distribution_point: Some(scope()),
        only_contains_user_certs: true,
        delta_base: None,
        freshest_crl: None,
    };
    let der = pki::build_crl(
        root,
        &entries,
        dt(2024, 12, 31),
        dt(2025, 1, 2),
        77,
        &options,
    )
    .unwrap();
    let crl = Crl::from_der(&der).unwrap();
    let tbs = &crl.tbs_cert_list;
    assert_eq!(tbs.version, x509_cert::certificate::Version::V2);
    assert_eq!(tbs.issuer.to_der().unwrap(), root.name_der());
    assert!(signed_by(
        &tbs.to_der().unwrap(),
        crl.signature.raw_bytes(),
        root
    ));
    let revoked = tbs.revoked_certificates.as_ref().unwrap();
    assert_eq!(revoked.len(), entries.len());
    for (rc, e) in revoked.iter().zip(&entries) {
        // The INTEGER content gains a leading zero when the top bit is set.
        let mut expected = e.serial.clone();
        if expected[0] & 0x80 != 0 {
            expected.insert(0, 0);
        }
        assert_eq!(rc.serial_number.as_bytes(), &expected[..]);
        assert_eq!(rc.revocation_date.to_date_time(), e.revoked_at);
        let reason = rc.crl_entry_extensions.as_ref().map(|exts| {
            assert_eq!(exts.len(), 1);
            assert_eq!(exts[0].extn_id.to_string(), "2.5.29.21");
            CrlReason::from_der(exts[0].extn_value.as_bytes()).unwrap() as u8
        });
        assert_eq!(reason, e.reason.map(Reason::code));
    }
    let exts = tbs.crl_extensions.as_ref().unwrap();
    let ids: Vec<String> = exts.iter().map(|e| e.extn_id.to_string()).collect();
    assert_eq!(ids, ["2.5.29.35", "2.5.29.20", "2.5.29.28"]);
    let number = x509_cert::ext::pkix::CrlNumber::from_der(exts[1].extn_value.as_bytes()).unwrap();
    assert_eq!(number.0.as_bytes(), &[77]);
    assert!(exts[2].critical);
    let idp = IssuingDistributionPoint::from_der(exts[2].extn_value.as_bytes()).unwrap();
    assert!(idp.only_contains_user_certs);
    let Some(DistributionPointName::FullName(names)) = idp.distribution_point else {
        panic!("expected fullName");
    };
    let GeneralName::DirectoryName(dn) = &names[0] else {
        panic!("expected directoryName");
    };
    assert_eq!(
        dn.to_der().unwrap(),
        scope().directory_name_der(Hierarchy::Signature).unwrap()
    );
}

#[test]
fn delta_crl_and_empty_crl() {
    let pki = test_pki();
    let root = &pki.sign_roots[0];
    let options = CrlOptions {
        delta_base: Some(5),
        ..CrlOptions::default()
    };
    let mut b = CrlBuilder::new(root, dt(2024, 12, 31), dt(2025, 1, 1), 6, options);
    b.add(&[0x01], dt(2024, 12, 30), Some(Reason::RemoveFromCrl))
        .unwrap();
    assert_eq!(b.len(), 1);
    let der = b.finish().unwrap();
    let crl = Crl::from_der(&der).unwrap();
    let exts = crl.tbs_cert_list.crl_extensions.as_ref().unwrap();
    let delta = exts
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.27")
        .unwrap();
    assert!(delta.critical);

    let empty = pki::build_crl(
        root,
        &[],
        dt(2024, 12, 31),
        dt(2025, 1, 1),
        1,
        &CrlOptions::default(),
    )
    .unwrap();
    let crl = Crl::from_der(&empty).unwrap();
    assert!(crl.tbs_cert_list.revoked_certificates.is_none());
}

#[test]
fn large_crl_is_linear() {
    let pki = test_pki();
    let root = &pki.sign_roots[0];
    let n: u32 = 200_000;
    let start = std::time::Instant::now();
    let mut b = CrlBuilder::new(
        root,
        dt(2024, 12, 31),
        dt(2025, 1, 1),
        9,
        CrlOptions::default(),
    );
    b.reserve(n as usize);
    for i in 0..n {
        let serial = (i + 1).to_be_bytes();
        b.add(&serial, dt(2024, 1, 1), Some(Reason::AffiliationChanged))
            .unwrap();
    }
    let der = b.finish().unwrap();
    let elapsed = start.elapsed();
    eprintln!("{n} entries: {} bytes in {elapsed:?}", der.len());
    assert!(
        elapsed < std::time::Duration::from_secs(20),
        "building took {elapsed:?}"
    );
    let crl = Crl::from_der(&der).unwrap();
    assert_eq!(
        crl.tbs_cert_list.revoked_certificates.unwrap().len(),
        n as usize
    );
}

/// A national-size CRL: `cargo test -p inkan-sim --test pki -- --ignored million`.
#[test]
#[ignore = "slow: a million entries"]
fn million_entry_crl() {
    let pki = test_pki();
    let mut b = CrlBuilder::new(
        &pki.sign_roots[0],
        dt(2024, 12, 31),
        dt(2025, 1, 1),
        1,
        CrlOptions::default(),
    );
    let start = std::time::Instant::now();
    b.reserve(1_000_000);
    for i in 0..1_000_000u32 {
        let reason = Reason::JPKI[i as usize % 7];
        b.add(&(i + 1).to_be_bytes(), dt(2024, 1, 1), Some(reason))
            .unwrap();
    }
    let der = b.finish().unwrap();
    eprintln!("1e6 entries: {} bytes in {:?}", der.len(), start.elapsed());
    let crl = Crl::from_der(&der).unwrap();
    assert_eq!(
        crl.tbs_cert_list.revoked_certificates.unwrap().len(),
        1_000_000
    );
}

#[test]
fn times_from_2050_use_generalized_time() {
    let pki = test_pki();
    let root = &pki.auth_roots[0];
    let key = auth_key();
    let der = pki::issue_auth_cert(
        root,
        &AuthCertSpec {
            serial: &[1],
            subject_key: key.as_public_key(),
            common_name: "X",
            scope: None,
            validity: Validity::new(dt(2049, 1, 1), dt(2051, 1, 1)).unwrap(),
        },
    )
    .unwrap();
    let cert = Certificate::from_der(&der).unwrap();
    let v = cert.tbs_certificate().validity();
    assert!(matches!(v.not_before, x509_cert::time::Time::UtcTime(_)));
    assert!(matches!(v.not_after, x509_cert::time::Time::GeneralTime(_)));
    assert_eq!(v.not_after.to_date_time(), dt(2051, 1, 1));
}

#[test]
fn invalid_inputs_are_errors() {
    let pki = test_pki();
    let root = &pki.sign_roots[0];
    let key = holder_key();
    let spec = |serial: &'static [u8], identity: &'static Identity| SignatureCertSpec {
        serial,
        subject_key: key.as_public_key(),
        common_name: "X",
        scope: scope(),
        identity,
        validity: leaf_validity(),
    };
    static GOOD: OnceLock<Identity> = OnceLock::new();
    let good = GOOD.get_or_init(Identity::example);
    assert!(matches!(
        pki::issue_signature_cert(root, &spec(&[], good)),
        Err(PkiError::InvalidSerial { len: 0 })
    ));
    assert!(matches!(
        pki::issue_signature_cert(root, &spec(&[0, 0], good)),
        Err(PkiError::InvalidSerial { len: 0 })
    ));
    assert!(matches!(
        pki::issue_signature_cert(root, &spec(&[1; 21], good)),
        Err(PkiError::InvalidSerial { len: 21 })
    ));
    // 20 octets with the top bit set is fine (a leading zero is added in the encoding).
    assert!(pki::issue_signature_cert(root, &spec(&[0x80; 20], good)).is_ok());

    static BAD_SEX: OnceLock<Identity> = OnceLock::new();
    let bad_sex = BAD_SEX.get_or_init(|| Identity {
        sex: "3".into(),
        ..Identity::example()
    });
    let err = pki::issue_signature_cert(root, &spec(&[1], bad_sex)).unwrap_err();
    assert!(matches!(
        err,
        PkiError::InvalidIdentity { field: "sex", .. }
    ));
    assert!(err.to_string().contains("sex"));

    for bad in ["19850615", "619850615", "31985061X", "319851315"] {
        let id = Identity {
            birth_date: bad.into(),
            ..Identity::example()
        };
        assert!(
            matches!(
                id.validate(),
                Err(PkiError::InvalidIdentity {
                    field: "birth_date",
                    ..
                })
            ),
            "{bad}"
        );
    }

    assert!(matches!(
        Validity::new(dt(2025, 1, 2), dt(2025, 1, 1)),
        Err(PkiError::InvalidValidity { .. })
    ));
    assert!(matches!(
        TestPki::generate(1, 0, root_validity()),
        Err(PkiError::NoGenerations)
    ));
    let backwards = CrlBuilder::new(
        root,
        dt(2025, 1, 2),
        dt(2025, 1, 1),
        1,
        CrlOptions::default(),
    );
    assert!(backwards.finish().is_err());
}

// ------------------------------------------------------------------------------------------
// Determinism and generations
// ------------------------------------------------------------------------------------------

#[test]
fn same_seed_gives_identical_der() {
    let a = test_pki();
    let b = TestPki::generate(SEED, 3, root_validity()).unwrap();
    for (x, y) in a.sign_roots.iter().zip(&b.sign_roots) {
        assert_eq!(x.cert_der(), y.cert_der());
    }
    for (x, y) in a.auth_roots.iter().zip(&b.auth_roots) {
        assert_eq!(x.cert_der(), y.cert_der());
    }
    assert_eq!(
        sign_leaf(&a.sign_roots[0], &[7]),
        sign_leaf(&b.sign_roots[0], &[7])
    );
    let entries = [RevokedEntry {
        serial: vec![7],
        revoked_at: dt(2024, 9, 9),
        reason: Some(Reason::KeyCompromise),
    }];
    let crl = |p: &TestPki| {
        pki::build_crl(
            &p.sign_roots[0],
            &entries,
            dt(2024, 12, 31),
            dt(2025, 1, 1),
            3,
            &CrlOptions::default(),
        )
        .unwrap()
    };
    assert_eq!(crl(a), crl(&b));
}

#[test]
fn key_generation_is_deterministic_without_the_cache() {
    let k1 = rsa::PrivateKey::new(&mut pki::derived_rng(99, "k"), 2048).unwrap();
    let k2 = rsa::PrivateKey::new(&mut pki::derived_rng(99, "k"), 2048).unwrap();
    assert_eq!(k1, k2);
    let k3 = rsa::PrivateKey::new(&mut pki::derived_rng(100, "k"), 2048).unwrap();
    assert_ne!(k1.to_public_key(), k3.to_public_key());
}

#[test]
fn different_seed_gives_different_roots() {
    let v = root_validity();
    let other = TestPki::generate_with_validities(SEED + 1, &[v]).unwrap();
    assert_ne!(
        other.sign_roots[0].cert_der(),
        test_pki().sign_roots[0].cert_der()
    );
    assert_eq!(
        other.sign_roots[0].name_der(),
        test_pki().sign_roots[0].name_der()
    );
}

#[test]
fn generations_share_the_name_but_not_the_key() {
    let pki = test_pki();
    for roots in [&pki.sign_roots, &pki.auth_roots] {
        for (i, a) in roots.iter().enumerate() {
            assert_eq!(a.generation() as usize, i + 1);
            for b in roots.iter().skip(i + 1) {
                assert_eq!(a.name_der(), b.name_der());
                assert_ne!(a.spki_der().unwrap(), b.spki_der().unwrap());
                assert_ne!(a.serial(), b.serial());
                assert_ne!(a.subject_key_id(), b.subject_key_id());
            }
        }
    }
    assert_ne!(pki.sign_roots[0].name_der(), pki.auth_roots[0].name_der());
    assert_eq!(
        pki.root(Hierarchy::Signature, 2).unwrap().label(),
        "sign-gen2"
    );
    assert!(pki.root(Hierarchy::Authentication, 4).is_none());

    let leaf = Certificate::from_der(&sign_leaf(&pki.sign_roots[1], &[2])).unwrap();
    assert!(cert_signed_by(&leaf, &pki.sign_roots[1]));
    assert!(!cert_signed_by(&leaf, &pki.sign_roots[0]));
    assert!(!cert_signed_by(&leaf, &pki.sign_roots[2]));
}

// ------------------------------------------------------------------------------------------
// OpenSSL interoperability
// ------------------------------------------------------------------------------------------

fn openssl_available() -> bool {
    match Command::new("openssl").arg("version").output() {
        Ok(out) if out.status.success() => true,
        _ => {
            eprintln!("SKIPPED: `openssl` is not on PATH; OpenSSL interop checks not run");
            false
        }
    }
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "inkan-sim-pki-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn openssl(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = Command::new("openssl");
    for a in args {
        cmd.arg(a);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn verify(root: &Path, leaf: &Path, policy: &str, extra: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
        &"verify",
        &"-attime",
        &AT_EPOCH,
        &"-CAfile",
        &root,
        &"-policy_check",
        &"-explicit_policy",
        &"-policy",
        &policy,
    ];
    args.extend_from_slice(extra);
    args.push(&leaf);
    openssl(&args)
}

const SIGN_POLICY: &str = "1.2.392.200149.8.5.1.1.20";
const AUTH_POLICY: &str = "1.2.392.200149.8.5.1.3.30";

#[test]
fn openssl_verifies_chains_with_policy() {
    if !openssl_available() {
        return;
    }
    let pki = test_pki();
    let dir = TempDir::new("verify");
    let roots: Vec<PathBuf> = pki
        .sign_roots
        .iter()
        .map(|r| dir.write(&format!("{}.pem", r.label()), &r.cert_pem().unwrap()))
        .collect();
    let leaf = dir.write(
        "leaf-gen2.pem",
        &pki::cert_to_pem(&sign_leaf(&pki.sign_roots[1], &[0x20, 0x01])).unwrap(),
    );

    let out = verify(&roots[1], &leaf, SIGN_POLICY, &[]);
    assert!(out.status.success(), "gen2 should verify: {}", text(&out));
    assert!(text(&out).contains(": OK"), "{}", text(&out));

    // Same issuer name, other key: must not verify.
    for other in [&roots[0], &roots[2]] {
        let out = verify(other, &leaf, SIGN_POLICY, &[]);
        assert!(
            !out.status.success(),
            "other generation verified: {}",
            text(&out)
        );
    }

    // Wrong policy required: explicit policy check fails.
    let out = verify(&roots[1], &leaf, AUTH_POLICY, &[]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("policy"), "{}", text(&out));

    // Expired at the validation time.
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> =
        vec![&"verify", &"-attime", &"2000000000", &"-CAfile", &roots[1]];
    args.push(&leaf);
    let out = openssl(&args);
    assert!(!out.status.success());
    assert!(text(&out).contains("expired"), "{}", text(&out));

    // User authentication.
    let auth_root = dir.write("auth-gen3.pem", &pki.auth_roots[2].cert_pem().unwrap());
    let auth = dir.write(
        "auth.pem",
        &pki::cert_to_pem(&auth_leaf(&pki.auth_roots[2], &[0x30])).unwrap(),
    );
    let out = verify(&auth_root, &auth, AUTH_POLICY, &[]);
    assert!(out.status.success(), "auth: {}", text(&out));
    let out = verify(&roots[2], &auth, AUTH_POLICY, &[]);
    assert!(
        !out.status.success(),
        "auth leaf under the sign root: {}",
        text(&out)
    );
}

#[test]
fn openssl_crl_check() {
    if !openssl_available() {
        return;
    }
    let pki = test_pki();
    let root = &pki.sign_roots[2];
    let dir = TempDir::new("crl");
    let root_pem = dir.write("root.pem", &root.cert_pem().unwrap());
    let revoked_leaf = dir.write(
        "revoked.pem",
        &pki::cert_to_pem(&sign_leaf(root, &[0x0C, 0x01])).unwrap(),
    );
    let good_leaf = dir.write(
        "good.pem",
        &pki::cert_to_pem(&sign_leaf(root, &[0x0C, 0x02])).unwrap(),
    );
    let entries = vec![
        RevokedEntry {
            serial: vec![0x0C, 0x01],
            revoked_at: dt(2024, 10, 1),
            reason: Some(Reason::AffiliationChanged),
        },
        RevokedEntry {
            serial: vec![0x0C, 0x03],
            revoked_at: dt(2024, 10, 2),
            reason: Some(Reason::CertificateHold),
        },
    ];
    for options in [
        CrlOptions::default(),
        CrlOptions {
            issuing_distribution_point: Some(scope()),
            only_contains_user_certs: true,
            delta_base: None,
            freshest_crl: None,
        },
    ] {
        let crl = pki::build_crl(
            root,
            &entries,
            dt(2024, 12, 31),
            dt(2025, 1, 2),
            12,
            &options,
        )
        .unwrap();
        let crl_pem = dir.write("crl.pem", &pki::crl_to_pem(&crl).unwrap());
        let out = verify(
            &root_pem,
            &revoked_leaf,
            SIGN_POLICY,
            &[&"-crl_check", &"-CRLfile", &crl_pem],
        );
        assert!(!out.status.success(), "{options:?}: {}", text(&out));
        assert!(
            text(&out).contains("certificate revoked"),
            "{options:?}: {}",
            text(&out)
        );
        let out = verify(
            &root_pem,
            &good_leaf,
            SIGN_POLICY,
            &[&"-crl_check", &"-CRLfile", &crl_pem],
        );
        assert!(out.status.success(), "{options:?}: {}", text(&out));
    }

    // A CRL signed by another generation (same issuer name) is not accepted.
    let crl = pki::build_crl(
        &pki.sign_roots[0],
        &entries,
        dt(2024, 12, 31),
        dt(2025, 1, 2),
        12,
        &CrlOptions::default(),
    )
    .unwrap();
    let crl_pem = dir.write("crl-gen1.pem", &pki::crl_to_pem(&crl).unwrap());
    let out = verify(
        &root_pem,
        &good_leaf,
        SIGN_POLICY,
        &[&"-crl_check", &"-CRLfile", &crl_pem],
    );
    assert!(!out.status.success(), "{}", text(&out));
}

#[test]
fn openssl_shows_san_other_names_and_crl_reasons() {
    if !openssl_available() {
        return;
    }
    let pki = test_pki();
    let root = &pki.sign_roots[0];
    let dir = TempDir::new("text");
    let leaf = dir.write(
        "leaf.pem",
        &pki::cert_to_pem(&sign_leaf(root, &[0x55])).unwrap(),
    );
    let out = openssl(&[&"x509", &"-in", &leaf, &"-noout", &"-text"]);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert_eq!(t.matches("othername").count(), 6, "{t}");
    // OpenSSL 3.0+ prints UTF8String otherName values; older versions say <unsupported>.
    if !t.contains("<unsupported>") {
        assert!(
            t.contains("othername: 1.2.392.200149.8.5.5.4::319850615"),
            "{t}"
        );
        assert!(
            t.contains("othername: 1.2.392.200149.8.5.5.1::試験 花子"),
            "{t}"
        );
    }
    assert!(t.contains("X509v3 Certificate Policies: critical"), "{t}");
    assert!(t.contains("Policy: 1.2.392.200149.8.5.1.1.20"), "{t}");
    assert!(t.contains("Digital Signature, Non Repudiation"), "{t}");
    assert!(t.contains("OU = CRL Distribution Points"), "{t}");
    assert!(
        t.contains("C = JP, L = Tokyo-to, L = Chiyoda-ku, CN = "),
        "{t}"
    );

    // The otherName values themselves, through the ASN.1 dump of the SAN extension.
    let der_path = dir.0.join("leaf.der");
    std::fs::write(&der_path, sign_leaf(root, &[0x55])).unwrap();
    let out = openssl(&[&"asn1parse", &"-inform", &"DER", &"-in", &der_path, &"-i"]);
    let dump = text(&out);
    let san_offset = dump
        .lines()
        .skip_while(|l| !l.contains("X509v3 Subject Alternative Name"))
        .nth(1)
        .and_then(|l| l.split(':').next())
        .map(|s| s.trim().to_owned())
        .expect("SAN in asn1parse output");
    let out = openssl(&[
        &"asn1parse",
        &"-inform",
        &"DER",
        &"-in",
        &der_path,
        &"-strparse",
        &san_offset,
    ]);
    let san = text(&out);
    for n in 1..=6 {
        assert!(san.contains(&format!("1.2.392.200149.8.5.5.{n}")), "{san}");
    }
    assert!(san.contains("UTF8STRING        :319850615"), "{san}");

    let entries: Vec<RevokedEntry> = Reason::JPKI
        .iter()
        .enumerate()
        .map(|(i, r)| RevokedEntry {
            serial: vec![0x70, i as u8],
            revoked_at: dt(2024, 11, 1),
            reason: Some(*r),
        })
        .collect();
    let crl = pki::build_crl(
        root,
        &entries,
        dt(2024, 12, 31),
        dt(2025, 1, 2),
        4,
        &CrlOptions {
            issuing_distribution_point: Some(scope()),
            only_contains_user_certs: false,
            delta_base: Some(3),
            freshest_crl: None,
        },
    )
    .unwrap();
    let crl_pem = dir.write("crl.pem", &pki::crl_to_pem(&crl).unwrap());
    let root_pem = dir.write("root.pem", &root.cert_pem().unwrap());
    let out = openssl(&[
        &"crl", &"-in", &crl_pem, &"-noout", &"-text", &"-CAfile", &root_pem,
    ]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("verify OK"), "{t}");
    for reason in [
        "Unspecified",
        "Key Compromise",
        "CA Compromise",
        "Affiliation Changed",
        "Superseded",
        "Cessation Of Operation",
        "Certificate Hold",
        "Remove From CRL",
    ] {
        assert!(t.contains(reason), "missing {reason}: {t}");
    }
    assert!(t.contains("X509v3 CRL Number"), "{t}");
    assert!(t.contains("X509v3 Delta CRL Indicator: critical"), "{t}");
    assert!(
        t.contains("X509v3 Issuing Distribution Point: critical"),
        "{t}"
    );
    assert!(t.contains("Next Update: Jan  2 00:00:00 2025 GMT"), "{t}");
}

#[test]
fn openssl_accepts_the_root_private_key() {
    if !openssl_available() {
        return;
    }
    let pki = test_pki();
    let root = &pki.auth_roots[1];
    let dir = TempDir::new("key");
    let key = dir.write("root.key", &root.private_key_pkcs8_pem().unwrap());
    let cert = dir.write("root.pem", &root.cert_pem().unwrap());
    let from_key = openssl(&[&"pkey", &"-in", &key, &"-pubout"]);
    assert!(from_key.status.success(), "{}", text(&from_key));
    let from_cert = openssl(&[&"x509", &"-in", &cert, &"-noout", &"-pubkey"]);
    assert!(from_cert.status.success(), "{}", text(&from_cert));
    assert_eq!(from_key.stdout, from_cert.stdout);
    assert!(String::from_utf8_lossy(&from_key.stdout).contains("BEGIN PUBLIC KEY"));

    // OpenSSL can issue with the exported key a certificate that our root verifies.
    let csr_key = dir.write(
        "leaf.key",
        &rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&auth_key(), der::pem::LineEnding::LF).unwrap(),
    );
    let csr = dir.0.join("leaf.csr");
    let out = openssl(&[
        &"req",
        &"-new",
        &"-key",
        &csr_key,
        &"-subj",
        &"/CN=openssl",
        &"-out",
        &csr,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let leaf = dir.0.join("leaf.pem");
    let out = openssl(&[
        &"x509",
        &"-req",
        &"-in",
        &csr,
        &"-CA",
        &cert,
        &"-CAkey",
        &key,
        &"-set_serial",
        &"5",
        &"-days",
        &"1",
        &"-sha256",
        &"-out",
        &leaf,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let pem = std::fs::read(&leaf).unwrap();
    let issued = Certificate::load_pem_chain(&pem).unwrap().remove(0);
    assert!(cert_signed_by(&issued, root));
}

#[test]
fn openssl_uses_delta_crls() {
    if !openssl_available() {
        return;
    }
    let pki = test_pki();
    let root = &pki.sign_roots[0];
    let dir = TempDir::new("delta");
    let root_pem = dir.write("root.pem", &root.cert_pem().unwrap());
    let leaf = dir.write(
        "leaf.pem",
        &pki::cert_to_pem(&sign_leaf(root, &[0x0D, 0x01])).unwrap(),
    );
    let idp = Some(scope());
    // Complete CRL number 10 (nothing about the leaf), pointing to its deltas.
    let base = pki::build_crl(
        root,
        &[RevokedEntry {
            serial: vec![0x0D, 0x99],
            revoked_at: dt(2024, 5, 1),
            reason: Some(Reason::Superseded),
        }],
        dt(2024, 12, 30),
        dt(2025, 1, 6),
        10,
        &CrlOptions {
            issuing_distribution_point: idp.clone(),
            freshest_crl: Some(scope()),
            ..CrlOptions::default()
        },
    )
    .unwrap();
    // Delta CRL number 11 against base 10: the leaf was revoked since.
    let delta = pki::build_crl(
        root,
        &[RevokedEntry {
            serial: vec![0x0D, 0x01],
            revoked_at: dt(2024, 12, 31),
            reason: Some(Reason::AffiliationChanged),
        }],
        dt(2024, 12, 31),
        dt(2025, 1, 2),
        11,
        &CrlOptions {
            issuing_distribution_point: idp,
            delta_base: Some(10),
            ..CrlOptions::default()
        },
    )
    .unwrap();
    let crls = format!(
        "{}{}",
        pki::crl_to_pem(&base).unwrap(),
        pki::crl_to_pem(&delta).unwrap()
    );
    let crls = dir.write("crls.pem", &crls);
    let base_only = dir.write("base.pem", &pki::crl_to_pem(&base).unwrap());

    let out = verify(
        &root_pem,
        &leaf,
        SIGN_POLICY,
        &[&"-crl_check", &"-CRLfile", &base_only],
    );
    assert!(out.status.success(), "base alone: {}", text(&out));
    let out = verify(
        &root_pem,
        &leaf,
        SIGN_POLICY,
        &[&"-crl_check", &"-use_deltas", &"-CRLfile", &crls],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("certificate revoked"), "{}", text(&out));
}

#[test]
fn openssl_verifies_a_p384_chain_and_crl() {
    if !openssl_available() {
        return;
    }
    // The next-generation PKI (P-384 roots, ECDSA with SHA-384) in OpenSSL's eyes.
    let pki = TestPki::generate_with(SEED, &[root_validity()], pki::KeyAlg::EcdsaP384).unwrap();
    let root = &pki.sign_roots[0];
    let dir = TempDir::new("p384");
    let root_pem = dir.write("root.pem", &root.cert_pem().unwrap());
    let leaf = dir.write(
        "leaf.pem",
        &pki::cert_to_pem(&sign_leaf(root, &[0x38, 0x40])).unwrap(),
    );
    let out = openssl(&[&"x509", &"-in", &root_pem, &"-noout", &"-text"]);
    let t = text(&out);
    assert!(t.contains("ecdsa-with-SHA384"), "{t}");
    assert!(t.contains("NIST CURVE: P-384"), "{t}");
    let out = verify(&root_pem, &leaf, SIGN_POLICY, &[]);
    assert!(out.status.success(), "{}", text(&out));
    // The private key exports for openssl and matches the certificate.
    let key = dir.write("root.key", &root.private_key_pkcs8_pem().unwrap());
    let a = openssl(&[&"pkey", &"-in", &key, &"-pubout"]);
    let b = openssl(&[&"x509", &"-in", &root_pem, &"-noout", &"-pubkey"]);
    assert!(a.status.success() && a.stdout == b.stdout, "{}", text(&a));
    // A CRL signed with the P-384 key verifies.
    let crl = pki::build_crl(
        root,
        &[],
        dt(2025, 1, 1),
        dt(2025, 1, 31),
        1,
        &pki::CrlOptions::default(),
    )
    .unwrap();
    let crl = dir.write("root.crl", &pki::crl_to_pem(&crl).unwrap());
    let out = openssl(&[&"crl", &"-in", &crl, &"-CAfile", &root_pem, &"-noout"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("verify OK"), "{}", text(&out));
}
