//! CMS SignedData (OpenSSL interop), JPKI identity and login signatures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use std::process::Command;

use inkan_verify::signed::cms::Content;
use inkan_verify::{
    Backend, CertKind, CrlSet, HashAlg, Purpose, RevocationOptions, RevocationScope, Sex,
    ValidationOptions, cert_kind, identity, verify_cms, verify_login,
};

const DOC: Purpose = Purpose::Document {
    allow_auth_cert: false,
};
use rsa::pkcs8::EncodePrivateKey;

const SIGN_POLICY: &str = "1.2.392.200149.8.5.1.1.20";
const AUTH_POLICY: &str = "1.2.392.200149.8.5.1.3.30";

fn other_name(oid_s: &str, v: &str) -> Vec<u8> {
    tlv(
        0xa0,
        &[oid(oid_s), tlv(0xa0, &tlv(0x0c, v.as_bytes()))].concat(),
    )
}

fn signature_leaf() -> CertSpec {
    leaf()
        .serial(777)
        .ext(policies(true, &[SIGN_POLICY]))
        .ext(san(&[
            other_name("1.2.392.200149.8.5.5.1", "公的 太郎"),
            other_name("1.2.392.200149.8.5.5.2", "0"),
            other_name("1.2.392.200149.8.5.5.3", "1"),
            other_name("1.2.392.200149.8.5.5.4", "419800101"),
            other_name("1.2.392.200149.8.5.5.5", "東京都千代田区"),
            other_name("1.2.392.200149.8.5.5.6", "0"),
        ]))
}

#[test]
fn jpki_identity_from_san() {
    let c = signature_leaf().cert();
    assert_eq!(cert_kind(&c), CertKind::Signature);
    let id = identity(&c).unwrap().unwrap();
    assert_eq!(id.name.as_deref(), Some("公的 太郎"));
    assert_eq!(id.sex, Some(Sex::Male));
    let b = id.birth_date.unwrap();
    assert_eq!((b.era_digit, b.year, b.month, b.day), (4, 1980, 1, 1));
    assert_eq!(id.address.as_deref(), Some("東京都千代田区"));
    assert_eq!(id.name_substitute_flags.as_deref(), Some("0"));
    let auth = leaf().ext(policies(true, &[AUTH_POLICY])).cert();
    assert_eq!(cert_kind(&auth), CertKind::UserAuthentication);
    assert!(identity(&auth).unwrap().is_none());
}

#[test]
fn login_signature() {
    let l = leaf().ext(policies(true, &[AUTH_POLICY]));
    let challenge = b"server challenge 0123456789";
    let sig = key(2)
        .pkcs1v15_sign::<rsa::sha2::Sha256>(challenge)
        .unwrap();
    let store = store_with(&root());
    let o = ValidationOptions::new(t(AT));
    for &b in Backend::all() {
        let mut o = o.clone();
        o.backend = b;
        let r = verify_login(
            challenge,
            &sig,
            HashAlg::Sha256,
            &l.cert(),
            &[inter().cert()],
            &store,
            &o,
        )
        .unwrap();
        assert!(r.subject.contains("CN=Leaf"));
    }
    let e = verify_login(
        b"other",
        &sig,
        HashAlg::Sha256,
        &l.cert(),
        &[inter().cert()],
        &store,
        &o,
    )
    .unwrap_err();
    assert_eq!(e.code(), "bad-signature");
    let e = verify_login(
        challenge,
        &sig,
        HashAlg::Sha256,
        &signature_leaf().cert(),
        &[inter().cert()],
        &store,
        &o,
    )
    .unwrap_err();
    assert_eq!(e.code(), "certificate-kind");
}

fn openssl_sign(content: &[u8], detached: bool, cades: bool) -> Vec<u8> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("inkan-verify-cms-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let leaf_pem = der::pem::encode_string(
        "CERTIFICATE",
        der::pem::LineEnding::LF,
        &signature_leaf().der(),
    )
    .unwrap();
    let inter_pem =
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &inter().der()).unwrap();
    std::fs::write(dir.join("leaf.pem"), leaf_pem).unwrap();
    std::fs::write(dir.join("inter.pem"), inter_pem).unwrap();
    std::fs::write(
        dir.join("key.pem"),
        key(2)
            .to_pkcs8_pem(der::pem::LineEnding::LF)
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    std::fs::write(dir.join("content"), content).unwrap();
    let mut cmd = Command::new("openssl");
    cmd.current_dir(&dir).args([
        "cms",
        "-sign",
        "-binary",
        "-in",
        "content",
        "-signer",
        "leaf.pem",
        "-inkey",
        "key.pem",
        "-certfile",
        "inter.pem",
        "-md",
        "sha256",
        "-outform",
        "DER",
        "-out",
        "out.p7s",
    ]);
    if !detached {
        cmd.arg("-nodetach");
    }
    if cades {
        cmd.arg("-cades");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let der = std::fs::read(dir.join("out.p7s")).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    der
}

#[test]
fn openssl_cms_attached_and_detached() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let content = b"inkan: a document to sign\n";
    let store = store_with(&root());
    let o = ValidationOptions::new(t(AT));
    for (detached, cades) in [(false, false), (true, false), (false, true)] {
        let p7s = openssl_sign(content, detached, cades);
        for &b in Backend::all() {
            let mut o = o.clone();
            o.backend = b;
            let d = detached.then_some(&content[..]);
            let d = d.map(Content::Bytes);
            let v = verify_cms(&p7s, d.as_ref(), &store, &[], &o, DOC).unwrap();
            assert_eq!(v.content_len, content.len());
            assert_eq!(v.kind, CertKind::Signature);
            assert_eq!(
                v.identity.as_ref().unwrap().name.as_deref(),
                Some("公的 太郎")
            );
            assert!(v.signing_time.is_some());
        }
        if detached {
            let e = verify_cms(
                &p7s,
                Some(&Content::Bytes(b"tampered")),
                &store,
                &[],
                &o,
                DOC,
            )
            .unwrap_err();
            assert_eq!(e.code(), "digest-mismatch");
            let e = verify_cms(&p7s, None, &store, &[], &o, DOC).unwrap_err();
            assert_eq!(e.code(), "cms");
        }
    }
}

#[test]
fn openssl_cms_with_revocation_and_signing_time() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let p7s = openssl_sign(b"x", false, false);
    let store = store_with(&root());
    // The signature is made "now" (OpenSSL's clock); revoke well after it and validate at a
    // time after the revocation: revocation after the signing time is reported distinctly.
    let at = "2039-06-01T00:00:00Z";
    let mut crl = CrlSpec::new(INTER, 1).entry(revoked(777, "2039-05-01T00:00:00Z", Some(3)));
    crl.this_update = secs("2039-05-30T00:00:00Z");
    crl.next_update = Some(secs("2039-06-06T00:00:00Z"));
    let mut set = CrlSet::new();
    set.add_der(&crl.der()).unwrap();
    let mut r = RevocationOptions::new(&set);
    r.scope = RevocationScope::Leaf;
    let mut o = ValidationOptions::new(t(at));
    o.revocation = Some(r);
    let e = verify_cms(&p7s, None, &store, &[], &o, DOC).unwrap_err();
    assert_eq!(e.code(), "revoked-after-signing", "{e}");
}
