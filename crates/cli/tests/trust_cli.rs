//! The verifier's trust decisions through the `inkan` binary, with a PKI the test makes
//! (`inkan_testpki::spec`): CRL directories in any name order, index rollback, bounded
//! inputs, and anchors that are no CAs.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

use inkan_testpki::cms::CmsSpec;
use inkan_testpki::spec::*;
use std::path::{Path, PathBuf};

fn put(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

/// A PKI on disk: root, intermediate and leaf, and two CRLs of the intermediate whose
/// file names sort the older first.
struct Pki {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    root: PathBuf,
    inter: PathBuf,
    leaf: PathBuf,
    crls: PathBuf,
}

fn pki() -> Pki {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let root_p = put(&dir, "root.der", &root().der());
    let inter_p = put(&dir, "inter.der", &inter().der());
    let leaf_p = put(&dir, "leaf.der", &leaf().der());
    let crls = dir.join("crls");
    std::fs::create_dir(&crls).unwrap();
    let older = CrlSpec::new(INTER, 1)
        .number(5)
        .times("2025-05-20T00:00:00Z", Some("2025-06-20T00:00:00Z"));
    let newer = CrlSpec::new(INTER, 1)
        .number(6)
        .times("2025-05-30T00:00:00Z", Some("2025-06-30T00:00:00Z"))
        .entry(revoked(leaf().serial, "2025-05-25T00:00:00Z", Some(3)));
    put(&crls, "sign-20261001.crl", &older.der());
    put(&crls, "sign-20261120.crl", &newer.der());
    Pki {
        _tmp: tmp,
        dir,
        root: root_p,
        inter: inter_p,
        leaf: leaf_p,
        crls,
    }
}

fn chain(p: &Pki, crl: &Path) -> Run {
    inkan(
        &[
            "--json",
            "verify",
            "chain",
            "--trust-anchor",
            s(&p.root),
            "--intermediate",
            s(&p.inter),
            "--crl",
            s(crl),
            "--at",
            AT,
            s(&p.leaf),
        ],
        &[],
    )
}

/// The newer CRL decides although its file sorts after the older one; a file in the
/// directory that is a broken CRL is an error, never skipped; other files are skipped.
#[test]
fn crl_directory_newest_decides_and_broken_crls_fail() {
    let p = pki();
    put(&p.crls, "README.txt", b"CRLs of the test PKI\n");
    put(&p.crls, "inter-copy.der", &inter().der());
    let r = chain(&p, &p.crls);
    assert_eq!(r.code, 10, "{}", r.stdout);
    let j = r.json();
    assert_eq!(j["error"]["code"], "revoked", "{j}");
    assert_eq!(j["error"]["reason"], "affiliationChanged");
    assert_eq!(j["error"]["crl"]["number"], "6", "{j}");
    assert_eq!(j["error"]["crl"]["this_update"], "2025-05-30T00:00:00Z");
    // A CRL cut short in the directory.
    let newest = CrlSpec::new(INTER, 1).number(7).der();
    put(&p.crls, "sign-20261201.crl", &newest[..newest.len() / 2]);
    let r = chain(&p, &p.crls);
    assert_eq!(r.code, 10, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], "malformed");
    assert!(r.stdout.contains("sign-20261201.crl"), "{}", r.stdout);
}

/// `crl index` keeps the newest of what it is given, and the store never goes back to
/// an older CRL of a scope, whoever writes it.
#[test]
fn crl_index_never_rolls_back() {
    let p = pki();
    let store = p.dir.join("store");
    let older = p.crls.join("sign-20261001.crl");
    let newer = p.crls.join("sign-20261120.crl");
    let serial = format!("{:x}", leaf().serial);
    let index = |crls: &[&Path]| {
        let mut a = vec![
            "--json",
            "crl",
            "index",
            "--ca",
            s(&p.inter),
            "--out",
            s(&store),
        ];
        for c in crls {
            a.extend_from_slice(&["--crl", s(c)]);
        }
        inkan(&a, &[])
    };
    let check = || inkan(&["crl", "check", "--index", s(&store), &serial], &[]);
    // New then old on one command line: the new one is stored.
    let r = index(&[&newer, &older]);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(r.json()["indexes"][0]["crl_number"], "06");
    assert_eq!(r.json()["superseded"][0]["crl_number"], "05");
    assert!(check().stdout.contains("revoked affiliationChanged"));
    // A later, offline index of the old CRL into the same store is refused.
    let r = index(&[&older]);
    assert_eq!(r.code, 10, "{} {}", r.stdout, r.stderr);
    assert_eq!(r.json()["error"]["code"], "crl-older");
    assert!(check().stdout.contains("revoked affiliationChanged"));
    // The verify commands read the store.
    let r = inkan(
        &[
            "--json",
            "verify",
            "chain",
            "--trust-anchor",
            s(&p.root),
            "--intermediate",
            s(&p.inter),
            "--crl-store",
            s(&store),
            "--at",
            AT,
            s(&p.leaf),
        ],
        &[],
    );
    assert_eq!(r.json()["error"]["crl"]["number"], "6", "{}", r.stdout);
}

/// Inputs are bounded: `/dev/zero` as a signature is refused at its limit, and a
/// directory with more entries than the limit is an error, not a silent cut.
#[test]
fn inputs_are_bounded() {
    let p = pki();
    if Path::new("/dev/zero").exists() {
        let start = std::time::Instant::now();
        let r = inkan(
            &[
                "--json",
                "verify",
                "cms",
                "--signature",
                "/dev/zero",
                "--trust-anchors",
                s(&p.root),
            ],
            &[],
        );
        assert_eq!(r.code, 9, "{}", r.stdout);
        assert_eq!(r.json()["error"]["code"], "input-too-large");
        assert!(start.elapsed().as_secs() < 60);
        let r = inkan(
            &[
                "--json",
                "verify",
                "login",
                "--challenge",
                "00112233",
                "--signature",
                "/dev/zero",
                "--certificate",
                s(&p.leaf),
                "--trust-anchors",
                s(&p.root),
            ],
            &[],
        );
        assert_eq!(r.json()["error"]["code"], "input-too-large");
    }
    let many = p.dir.join("many");
    std::fs::create_dir(&many).unwrap();
    std::fs::copy(&p.root, many.join("root.der")).unwrap();
    for i in 0..10_000 {
        std::fs::write(many.join(format!("f{i:05}")), b"x").unwrap();
    }
    let r = inkan(
        &[
            "--json",
            "verify",
            "chain",
            "--trust-anchor",
            s(&many),
            s(&p.leaf),
        ],
        &[],
    );
    assert_eq!(r.code, 9, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], "input-too-large");
}

/// An end-entity certificate among the anchors is refused when loaded.
#[test]
fn anchors_must_be_cas() {
    let p = pki();
    let anchors = p.dir.join("anchors");
    std::fs::create_dir(&anchors).unwrap();
    std::fs::copy(&p.root, anchors.join("root.der")).unwrap();
    std::fs::copy(&p.leaf, anchors.join("user.der")).unwrap();
    let p7s = put(
        &p.dir,
        "doc.p7s",
        &CmsSpec::new(
            b"doc",
            leaf().der(),
            leaf().key,
            secs("2025-05-01T00:00:00Z"),
        )
        .der(),
    );
    let r = inkan(
        &[
            "--json",
            "verify",
            "cms",
            "--signature",
            s(&p7s),
            "--trust-anchors",
            s(&anchors),
            "--intermediate",
            s(&p.inter),
            "--at",
            AT,
        ],
        &[],
    );
    assert_eq!(r.code, 10, "{}", r.stdout);
    let j = r.json();
    assert_eq!(j["error"]["code"], "untrusted-root", "{j}");
    assert!(
        j["error"]["detail"].as_str().unwrap().contains("not a CA"),
        "{j}"
    );
    std::fs::remove_file(anchors.join("user.der")).unwrap();
    let r = inkan(
        &[
            "--json",
            "verify",
            "cms",
            "--signature",
            s(&p7s),
            "--trust-anchors",
            s(&anchors),
            "--intermediate",
            s(&p.inter),
            "--at",
            AT,
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()["signing_time_source"], "signer");
}
