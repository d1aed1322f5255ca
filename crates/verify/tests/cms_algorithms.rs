//! CMS signatures of other algorithms than the card's, made by `openssl cms -sign` under a
//! PKI made here with the OpenSSL command line: ECDSA P-256 and P-384 (RFC 5753 / RFC
//! 5758 §3.2), RSASSA-PSS (RFC 4056, certificates and signer), and an algorithm the table
//! does not have (Ed25519), which must be `unsupported-algorithm` with its OID, never a
//! bad signature. Every compiled backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{now, openssl_available, openssl_in};

use std::path::{Path, PathBuf};

use inkan_verify::signed::cms::Content;
use inkan_verify::{Backend, CertKind, Purpose, TrustStore, ValidationOptions, report, verify_cms};

const DOC: Purpose = Purpose::Document {
    allow_auth_cert: false,
};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("inkan-cms-alg-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `openssl genpkey` arguments for a key kind.
fn genpkey(kind: &str) -> Vec<&str> {
    match kind {
        "p256" => vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "p384" => vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        "rsa" => vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "ed25519" => vec!["-algorithm", "ED25519"],
        other => panic!("key kind {other}"),
    }
}

/// A root (key `root_kind`) and a leaf (key `leaf_kind`) signed by it, both with SHA-384
/// (and PSS padding when `pss`); then a CMS signature by the leaf over `content`.
/// Returns the directory (root.der, sig.p7s, sig-detached.p7s).
fn pki_and_cms(name: &str, root_kind: &str, leaf_kind: &str, pss: bool, content: &[u8]) -> PathBuf {
    let d = scratch(name);
    for (who, kind) in [("root", root_kind), ("leaf", leaf_kind)] {
        let mut a = vec!["genpkey"];
        a.extend(genpkey(kind));
        let out = format!("{who}.key");
        a.extend(["-out", &out]);
        openssl_in(&d, &a);
    }
    std::fs::write(
        d.join("ext.cnf"),
        "[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
         extendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .unwrap();
    let mut sigopt: Vec<&str> = Vec::new();
    if pss {
        sigopt.extend([
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ]);
    }
    let md: &[&str] = if root_kind == "ed25519" {
        &[]
    } else {
        &["-sha384"]
    };
    let mut a = vec![
        "req",
        "-new",
        "-x509",
        "-key",
        "root.key",
        "-subj",
        "/CN=inkan algorithm test root",
        "-days",
        "3650",
        "-config",
        "/dev/null",
        "-out",
        "root.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-addext",
        "subjectKeyIdentifier=hash",
    ];
    a.extend(md);
    a.extend(&sigopt);
    openssl_in(&d, &a);
    openssl_in(
        &d,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=inkan algorithm test signer",
            "-config",
            "/dev/null",
            "-out",
            "leaf.csr",
        ],
    );
    let mut a = vec![
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "root.pem",
        "-CAkey",
        "root.key",
        "-set_serial",
        "7",
        "-days",
        "365",
        "-extfile",
        "ext.cnf",
        "-extensions",
        "leaf",
        "-out",
        "leaf.pem",
    ];
    a.extend(md);
    a.extend(&sigopt);
    openssl_in(&d, &a);
    openssl_in(
        &d,
        &[
            "x509", "-in", "root.pem", "-outform", "DER", "-out", "root.der",
        ],
    );
    std::fs::write(d.join("content"), content).unwrap();
    for (out, detached) in [("sig.p7s", false), ("sig-detached.p7s", true)] {
        let mut a = vec![
            "cms", "-sign", "-binary", "-in", "content", "-signer", "leaf.pem", "-inkey",
            "leaf.key", "-outform", "DER", "-out", out,
        ];
        a.extend(["-md", "sha384"]);
        if pss {
            a.extend(["-keyopt", "rsa_padding_mode:pss"]);
        }
        if !detached {
            a.push("-nodetach");
        }
        openssl_in(&d, &a);
    }
    d
}

fn store(dir: &Path) -> TrustStore {
    let mut s = TrustStore::new();
    s.add_explicit(&std::fs::read(dir.join("root.der")).unwrap())
        .unwrap();
    s
}

/// The CMS of `dir` verifies with every backend; a tampered content or signature fails
/// with the codes relying parties tell apart.
fn verifies_and_tampering_fails(dir: &Path, content: &[u8]) {
    let store = store(dir);
    let p7s = std::fs::read(dir.join("sig.p7s")).unwrap();
    let detached = std::fs::read(dir.join("sig-detached.p7s")).unwrap();
    for &b in Backend::all() {
        let mut o = ValidationOptions::new(now());
        o.backend = b;
        let v = verify_cms(&p7s, None, &store, &[], &o, DOC)
            .unwrap_or_else(|e| panic!("{b:?} {}: {e}", dir.display()));
        assert_eq!(v.content_len, content.len());
        assert_eq!(v.kind, CertKind::Other);
        let c = Content::Bytes(content);
        verify_cms(&detached, Some(&c), &store, &[], &o, DOC).unwrap();
        let e = verify_cms(
            &detached,
            Some(&Content::Bytes(b"tampered")),
            &store,
            &[],
            &o,
            DOC,
        )
        .unwrap_err();
        assert_eq!(e.code(), "digest-mismatch", "{b:?}: {e}");
        // The signature value is the last field of SignerInfo: the DER ends with it.
        let mut bad = p7s.clone();
        let at = bad.len() - 5;
        bad[at] ^= 0x40;
        let e = verify_cms(&bad, None, &store, &[], &o, DOC).unwrap_err();
        assert!(
            ["bad-signature", "malformed"].contains(&e.code()),
            "{b:?}: {e} ({})",
            e.code()
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn ecdsa_p256_signer_under_a_p384_root() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let content = b"inkan: signed with ECDSA P-256\n";
    let d = pki_and_cms("p256", "p384", "p256", false, content);
    verifies_and_tampering_fails(&d, content);
}

#[test]
fn ecdsa_p384_signer_and_root() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let content = b"inkan: signed with ECDSA P-384, as the next-generation card will\n";
    let d = pki_and_cms("p384", "p384", "p384", false, content);
    verifies_and_tampering_fails(&d, content);
}

#[test]
fn rsa_pss_certificates_and_signer() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let content = b"inkan: signed with RSASSA-PSS\n";
    let d = pki_and_cms("pss", "rsa", "rsa", true, content);
    verifies_and_tampering_fails(&d, content);
}

#[test]
fn an_ed25519_issuer_is_unsupported_with_its_oid_not_a_bad_signature() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    // OpenSSL 3.0 cannot make an Ed25519 CMS signer; an Ed25519 root over a P-256 signer
    // puts the algorithm in the path instead.
    let d = pki_and_cms("ed25519", "ed25519", "p256", false, b"x");
    let store = store(&d);
    let p7s = std::fs::read(d.join("sig.p7s")).unwrap();
    for &b in Backend::all() {
        let mut o = ValidationOptions::new(now());
        o.backend = b;
        let e = verify_cms(&p7s, None, &store, &[], &o, DOC).unwrap_err();
        assert_eq!(e.code(), "unsupported-algorithm", "{b:?}: {e}");
        let r = report::ErrorReport::from(&e);
        assert_eq!(r.oid.as_deref(), Some("1.3.101.112"), "{r:?}");
    }
    std::fs::remove_dir_all(&d).ok();
}
