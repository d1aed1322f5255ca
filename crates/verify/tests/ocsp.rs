//! OCSP (RFC 6960) against `openssl ocsp` as the responder: inkan writes the request,
//! OpenSSL answers it from an index file (signed by the CA or by a delegated responder),
//! inkan checks the answer. Good, revoked with reason, unknown, stale, from the future,
//! a wrong signer, a delegated responder without id-kp-OCSPSigning, a nonce mismatch,
//! garbage and error statuses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{now, openssl_available, openssl_in};

use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};

use inkan_verify::revocation::ocsp::{
    OcspCheck, OcspStatus, Responder, aia_ocsp_urls, check_response, request,
};
use inkan_verify::{
    Backend, Cert, CertStatus, CrlSet, Error, OcspFetch, OcspFetchError, RevocationOptions,
    RevocationReason, Sources, TrustStore, UnixTime, ValidationOptions, verify_path,
};

struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn path(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }

    fn cert(&self, name: &str) -> Cert {
        let pem = std::fs::read(self.path(&format!("{name}.pem"))).unwrap();
        let (_, der) = der::pem::decode_vec(&pem).unwrap();
        Cert::from_der(&der).unwrap()
    }

    /// `openssl ocsp` answering `req` from the index, signed by `signer` (`ca`,
    /// `responder`, …); `extra` arguments appended.
    fn answer(&self, req: &[u8], signer: &str, extra: &[&str]) -> Vec<u8> {
        std::fs::write(self.path("req.der"), req).unwrap();
        let cert = format!("{signer}.pem");
        let key = format!("{signer}.key");
        let mut a = vec![
            "ocsp",
            "-index",
            "index.txt",
            "-CA",
            "ca.pem",
            "-rsigner",
            &cert,
            "-rkey",
            &key,
            "-reqin",
            "req.der",
            "-respout",
            "resp.der",
        ];
        a.extend_from_slice(extra);
        openssl_in(&self.dir, &a);
        std::fs::read(self.path("resp.der")).unwrap()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A CA, two leaves (one revoked for keyCompromise), a third leaf not in the index, a
/// delegated responder (id-kp-OCSPSigning), a certificate of the CA without that EKU,
/// and an unrelated CA.
fn pki(name: &str) -> Pki {
    let dir = std::env::temp_dir().join(format!("inkan-ocsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let p = Pki { dir };
    let d = &p.dir;
    std::fs::write(
        d.join("ext.cnf"),
        "[leaf]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         authorityInfoAccess=OCSP;URI:http://127.0.0.1:8888/ocsp\n\
         [responder]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=OCSPSigning\n\
         [plain]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n",
    )
    .unwrap();
    for ca in ["ca", "other"] {
        openssl_in(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.pem"),
                "-subj",
                &format!("/CN=inkan OCSP test {ca}"),
                "-days",
                "30",
                "-config",
                "/dev/null",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
    }
    for (leaf, serial, ext) in [
        ("good", "1001", "leaf"),
        ("revoked", "1002", "leaf"),
        ("stranger", "1003", "leaf"),
        ("responder", "2001", "responder"),
        ("plain", "2002", "plain"),
    ] {
        openssl_in(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{leaf}.key"),
                "-out",
                &format!("{leaf}.csr"),
                "-subj",
                &format!("/CN=inkan OCSP {leaf}"),
                "-config",
                "/dev/null",
            ],
        );
        openssl_in(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{leaf}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                &format!("0x{serial}"),
                "-days",
                "20",
                "-extfile",
                "ext.cnf",
                "-extensions",
                ext,
                "-out",
                &format!("{leaf}.pem"),
            ],
        );
    }
    std::fs::write(
        d.join("index.txt"),
        "V\t491231235959Z\t\t1001\tunknown\t/CN=inkan OCSP good\n\
         R\t491231235959Z\t240301000000Z,keyCompromise\t1002\tunknown\t/CN=inkan OCSP revoked\n\
         V\t491231235959Z\t\t2001\tunknown\t/CN=inkan OCSP responder\n\
         V\t491231235959Z\t\t2002\tunknown\t/CN=inkan OCSP plain\n",
    )
    .unwrap();
    p
}

fn check(at: UnixTime, b: Backend) -> OcspCheck {
    let mut c = OcspCheck::new(at);
    c.backend = b;
    c
}

#[test]
fn good_revoked_unknown_from_the_ca_and_a_delegated_responder() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let p = pki("statuses");
    let ca = p.cert("ca");
    let nonce = [0x5a; 16];
    for &b in Backend::all() {
        for (signer, responder) in [
            ("ca", Responder::Issuer),
            ("responder", Responder::Delegated),
        ] {
            for extra in [&["-ndays", "1"][..], &["-ndays", "1", "-resp_key_id"][..]] {
                let good = p.cert("good");
                let req = request(&good, &ca, Some(&nonce)).unwrap();
                let resp = p.answer(&req.der, signer, extra);
                let a = check_response(&resp, &req, &ca, &check(now(), b)).unwrap();
                assert_eq!(a.status, OcspStatus::Good, "{signer} {extra:?}");
                assert_eq!(a.responder, responder);
                assert!(a.next_update.is_some());

                let revoked = p.cert("revoked");
                let req = request(&revoked, &ca, Some(&nonce)).unwrap();
                let resp = p.answer(&req.der, signer, extra);
                let a = check_response(&resp, &req, &ca, &check(now(), b)).unwrap();
                assert_eq!(
                    a.status,
                    OcspStatus::Revoked {
                        revoked_at: UnixTime::parse_rfc3339("2024-03-01T00:00:00Z").unwrap(),
                        reason: RevocationReason::KeyCompromise,
                    }
                );

                let stranger = p.cert("stranger");
                let req = request(&stranger, &ca, None).unwrap();
                let resp = p.answer(&req.der, signer, extra);
                let a = check_response(&resp, &req, &ca, &check(now(), b)).unwrap();
                assert_eq!(a.status, OcspStatus::Unknown);
            }
        }
    }
    assert_eq!(
        aia_ocsp_urls(&p.cert("good")),
        vec!["http://127.0.0.1:8888/ocsp".to_owned()]
    );
}

#[test]
fn stale_future_wrong_signer_and_nonce_are_unknown() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let p = pki("refusals");
    let ca = p.cert("ca");
    let good = p.cert("good");
    // Judged at `at`: must be revocation-unknown; its message.
    let refused = |resp: &[u8], req: &inkan_verify::revocation::ocsp::OcspRequest, at: UnixTime| {
        let e = check_response(resp, req, &ca, &check(at, Backend::default())).unwrap_err();
        assert_eq!(e.code(), "revocation-unknown", "{e}");
        e.to_string()
    };
    let req = request(&good, &ca, Some(&[1; 16])).unwrap();
    let resp = p.answer(&req.der, "ca", &["-ndays", "1"]);
    // Stale: two days later, past nextUpdate.
    let later = now().saturating_add(2 * 86400);
    let m = refused(&resp, &req, later);
    assert!(m.contains("stale"), "{m}");
    // From the future: an hour before it was made.
    let before = now().saturating_sub(3600);
    let m = refused(&resp, &req, before);
    assert!(m.contains("future"), "{m}");
    // Without nextUpdate, a response is good for max_age only.
    let resp = p.answer(&req.der, "ca", &[]);
    check_response(&resp, &req, &ca, &check(now(), Backend::default())).unwrap();
    let m = refused(&resp, &req, now().saturating_add(3600));
    assert!(m.contains("too old"), "{m}");
    // Another request's nonce.
    let other = request(&good, &ca, Some(&[2; 16])).unwrap();
    let resp = p.answer(&req.der, "ca", &["-ndays", "1"]);
    let m = refused(&resp, &other, now());
    assert!(m.contains("nonce"), "{m}");
    // Signed by an unrelated CA, or by a certificate of the CA without OCSPSigning.
    let resp = p.answer(&req.der, "other", &["-ndays", "1"]);
    let m = refused(&resp, &req, now());
    assert!(m.contains("not from the issuer"), "{m}");
    let resp = p.answer(&req.der, "plain", &["-ndays", "1"]);
    let m = refused(&resp, &req, now());
    assert!(m.contains("OCSPSigning"), "{m}");
    // A tampered response (a digit of producedAt, inside the signed data): the signature
    // fails.
    let mut resp = p.answer(&req.der, "ca", &["-ndays", "1"]);
    let at = resp.windows(2).position(|w| w == [0x18, 0x0f]).unwrap() + 2 + 13;
    resp[at] ^= 1;
    let m = refused(&resp, &req, now());
    assert!(m.contains("signature"), "{m}");
    // Garbage, truncation and an error status (tryLater).
    for bad in [
        &b""[..],
        b"\x30\x03\x0a\x01\x03",
        b"<html>not OCSP</html>",
        &resp[..resp.len() / 2],
    ] {
        refused(bad, &req, now());
    }
    // A nonce of 33 bytes is refused before anything is sent.
    assert_eq!(
        request(&good, &ca, Some(&[0; 33])).unwrap_err().code(),
        "malformed"
    );
}

#[test]
fn every_truncation_and_flipped_byte_is_an_answer_or_an_error() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let p = pki("mutations");
    let ca = p.cert("ca");
    let good = p.cert("good");
    let req = request(&good, &ca, Some(&[7; 16])).unwrap();
    let resp = p.answer(&req.der, "responder", &["-ndays", "1"]);
    let c = check(now(), Backend::default());
    let mut accepted = 0;
    for i in 0..resp.len() {
        let _ = check_response(&resp[..i], &req, &ca, &c).unwrap_err();
        let mut m = resp.clone();
        m[i] ^= 0x80;
        if let Ok(a) = check_response(&m, &req, &ca, &c) {
            // A change outside what is signed or read would leave the answer true.
            assert_eq!(a.status, OcspStatus::Good, "byte {i}");
            accepted += 1;
        }
    }
    println!(
        "{accepted} of {} flipped bytes still give the true answer",
        resp.len()
    );
    // Every byte of a delegated responder's answer is signed or checked (here: none).
    assert_eq!(accepted, 0);
}

/// An [`OcspFetch`] that answers through `openssl ocsp -reqin` (signed by `signer`),
/// records the nonces it handed out, or fails as told.
struct OpensslFetch<'p> {
    pki: &'p Pki,
    signer: &'static str,
    fail: Option<&'static str>,
    nonces: AtomicU8,
}

impl OcspFetch for OpensslFetch<'_> {
    fn nonce(&self) -> Option<[u8; 16]> {
        let n = self.nonces.fetch_add(1, Ordering::SeqCst).wrapping_add(1);
        Some([n; 16])
    }

    fn fetch(
        &self,
        _cert: &Cert,
        request: &[u8],
    ) -> Result<Option<(String, Vec<u8>)>, OcspFetchError> {
        if let Some(why) = self.fail {
            return Err(OcspFetchError(why));
        }
        Ok(Some((
            "http://responder.test/".into(),
            self.pki.answer(request, self.signer, &["-ndays", "1"]),
        )))
    }
}

#[test]
fn path_validation_asks_the_responder_and_maps_its_answer() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let p = pki("paths");
    let ca_pem = std::fs::read(p.path("ca.pem")).unwrap();
    let (_, ca_der) = der::pem::decode_vec(&ca_pem).unwrap();
    let mut store = TrustStore::new();
    store.add_explicit(&ca_der).unwrap();
    let fetch = |signer, fail| OpensslFetch {
        pki: &p,
        signer,
        fail,
        nonces: AtomicU8::new(0),
    };
    let run = |leaf: &str, f: &OpensslFetch<'_>, crls: &CrlSet| {
        let mut sources = Sources::new();
        sources.push(crls);
        sources.set_ocsp(f);
        let mut o = ValidationOptions::new(now());
        o.revocation = Some(RevocationOptions::new(&sources));
        verify_path(&p.cert(leaf), &[], &store, &o)
    };
    let none = CrlSet::new();
    for (signer, responder) in [
        ("ca", Responder::Issuer),
        ("responder", Responder::Delegated),
    ] {
        let f = fetch(signer, None);
        let v = run("good", &f, &none).unwrap();
        match &v.revocation[0] {
            CertStatus::Good {
                crls,
                ocsp: Some(r),
            } => {
                assert!(crls.is_empty());
                assert_eq!(r.responder, responder);
                assert_eq!(r.url, "http://responder.test/");
            }
            s => panic!("{s:?}"),
        }
        assert_eq!(
            f.nonces.load(Ordering::SeqCst),
            1,
            "one request, with a fresh nonce"
        );
        let report = inkan_verify::report::RevocationReport::from(v.revocation.first());
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["status"], "good");
        assert_eq!(json["ocsp"]["responder"], responder.as_str());

        match run("revoked", &f, &none).unwrap_err() {
            Error::Revoked {
                reason,
                ocsp: Some(r),
                crl: None,
                revoked_at,
                ..
            } => {
                assert_eq!(reason, RevocationReason::KeyCompromise);
                assert_eq!(r.responder, responder);
                assert_eq!(revoked_at.to_string(), "2024-03-01T00:00:00Z");
                let e = inkan_verify::report::ErrorReport::from(&Error::Revoked {
                    depth: 0,
                    serial: "1002".into(),
                    revoked_at,
                    reason,
                    invalidity: None,
                    crl: None,
                    ocsp: Some(r),
                });
                let j = serde_json::to_value(&e).unwrap();
                assert_eq!(j["code"], "revoked");
                assert_eq!(j["reason"], "keyCompromise");
                assert_eq!(j["ocsp"]["url"], "http://responder.test/");
            }
            e => panic!("{e:?}"),
        }
        // Unknown to the responder: never valid.
        let e = run("stranger", &f, &none).unwrap_err();
        assert_eq!(e.code(), "revocation-unknown");
        assert!(e.to_string().contains("does not know"), "{e}");
    }
    // The responder's I/O failed: unknown, and why.
    let down = fetch("ca", Some("the OCSP responder could not be reached"));
    let e = run("good", &down, &none).unwrap_err();
    assert_eq!(e.code(), "revocation-unknown");
    assert!(e.to_string().contains("could not be reached"), "{e}");
    // A certificate without its own CA as signer: the unrelated CA's answer is refused.
    let wrong = fetch("other", None);
    let e = run("good", &wrong, &none).unwrap_err();
    assert_eq!(e.code(), "revocation-unknown", "{e}");
}

#[test]
fn without_a_usable_ocsp_answer_the_crls_decide() {
    if !openssl_available() {
        println!("SKIP: openssl not found");
        return;
    }
    let p = pki("fallback");
    std::fs::write(
        p.path("ca.cnf"),
        "[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ndefault_md=sha256\ndefault_crl_days=1\n",
    )
    .unwrap();
    openssl_in(
        &p.dir,
        &[
            "ca", "-gencrl", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-out",
            "ca.crl",
        ],
    );
    let crl_pem = std::fs::read(p.path("ca.crl")).unwrap();
    let mut crls = CrlSet::new();
    assert_eq!(crls.add_pem_or_der(&crl_pem).unwrap(), 1);
    let ca_pem = std::fs::read(p.path("ca.pem")).unwrap();
    let (_, ca_der) = der::pem::decode_vec(&ca_pem).unwrap();
    let mut store = TrustStore::new();
    store.add_explicit(&ca_der).unwrap();
    // Answers signed by an unrelated CA: never usable, so the CRL decides.
    let f = OpensslFetch {
        pki: &p,
        signer: "other",
        fail: None,
        nonces: AtomicU8::new(0),
    };
    let run = |leaf: &str| {
        let mut sources = Sources::new();
        sources.push(&crls);
        sources.set_ocsp(&f);
        let mut o = ValidationOptions::new(now());
        o.revocation = Some(RevocationOptions::new(&sources));
        verify_path(&p.cert(leaf), &[], &store, &o)
    };
    match &run("good").unwrap().revocation[0] {
        CertStatus::Good { crls, ocsp: None } => assert_eq!(crls.len(), 1),
        s => panic!("{s:?}"),
    }
    match run("revoked").unwrap_err() {
        Error::Revoked {
            crl: Some(_),
            ocsp: None,
            reason,
            ..
        } => assert_eq!(reason, RevocationReason::KeyCompromise),
        e => panic!("{e:?}"),
    }
    assert_eq!(
        f.nonces.load(Ordering::SeqCst),
        2,
        "the responder was asked each time"
    );
}
