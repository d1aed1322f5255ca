//! `inkan verify chain|cms|login --ocsp URL|aia` against `openssl ocsp` as the real
//! responder behind HTTP on 127.0.0.1 (an index file; responses signed by the CA or by a
//! delegated responder), and against responders that misbehave: down, stalling, replaying an old
//! answer (nonce mismatch), signed by a stranger, answering an HTTP error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{have_openssl, inkan, openssl, s};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SIGN_POLICY: &str = "1.2.392.200149.8.5.1.1.20";
const AUTH_POLICY: &str = "1.2.392.200149.8.5.1.3.30";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ossl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA; leaves `good` (signature policy), `revoked` (keyCompromise), `stranger` (not
/// in the index), `auth` (user-authentication policy); a delegated `responder`
/// (id-kp-OCSPSigning) and an unrelated CA `other`. Every leaf's AIA names
/// `http://127.0.0.1:{port}/`.
fn pki(dir: &Path, port: u16) {
    std::fs::write(
        dir.join("ext.cnf"),
        format!(
            "[sign]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
             certificatePolicies={SIGN_POLICY}\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:{port}/\n\
             [auth]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             certificatePolicies={AUTH_POLICY}\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:{port}/\n\
             [responder]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=OCSPSigning\n"
        ),
    )
    .unwrap();
    for ca in ["ca", "other"] {
        ossl(
            dir,
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
                &format!("/CN=inkan OCSP CLI {ca}"),
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
        ("good", "1001", "sign"),
        ("revoked", "1002", "sign"),
        ("stranger", "1003", "sign"),
        ("auth", "1004", "auth"),
        ("responder", "2001", "responder"),
    ] {
        ossl(
            dir,
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
                &format!("/CN=inkan OCSP CLI {leaf}"),
                "-config",
                "/dev/null",
            ],
        );
        ossl(
            dir,
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
        dir.join("index.txt"),
        "V\t491231235959Z\t\t1001\tunknown\t/CN=inkan OCSP CLI good\n\
         R\t491231235959Z\t240301000000Z,keyCompromise\t1002\tunknown\t/CN=inkan OCSP CLI revoked\n\
         V\t491231235959Z\t\t1004\tunknown\t/CN=inkan OCSP CLI auth\n\
         V\t491231235959Z\t\t2001\tunknown\t/CN=inkan OCSP CLI responder\n",
    )
    .unwrap();
}

/// An OCSP responder on 127.0.0.1:`port`: each HTTP POST's body goes to `openssl ocsp
/// -index … -reqin` (OpenSSL's responder logic answers from the index file, signing
/// with `signer`), and its `-respout` is the HTTP answer. (`openssl ocsp -port` would
/// listen on every interface; tests listen on 127.0.0.1 only.)
struct Responder {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Responder {
    fn start(dir: &Path, port: u16, signer: &str) -> Self {
        let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (dir, signer, flag) = (dir.to_path_buf(), signer.to_owned(), stop.clone());
        std::thread::spawn(move || {
            for (n, stream) in l.incoming().take(64).enumerate() {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                let Ok(mut st) = stream else { continue };
                let Some(body) = read_post(&mut st) else {
                    continue;
                };
                let (req, resp) = (
                    format!("req-{port}-{n}.der"),
                    format!("resp-{port}-{n}.der"),
                );
                std::fs::write(dir.join(&req), body).unwrap();
                ossl(
                    &dir,
                    &[
                        "ocsp",
                        "-index",
                        "index.txt",
                        "-CA",
                        "ca.pem",
                        "-rsigner",
                        &format!("{signer}.pem"),
                        "-rkey",
                        &format!("{signer}.key"),
                        "-ndays",
                        "1",
                        "-reqin",
                        &req,
                        "-respout",
                        &resp,
                    ],
                );
                let _ = st.write_all(&http_ok(&std::fs::read(dir.join(&resp)).unwrap()));
            }
        });
        Responder { port, stop }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The body of an HTTP/1.1 POST with Content-Length (bounded: 64 KiB).
fn read_post(st: &mut TcpStream) -> Option<Vec<u8>> {
    st.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())?;
            while buf.len() < end + 4 + len {
                let n = st.read(&mut chunk).ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf[end + 4..end + 4 + len].to_vec());
        }
        if buf.len() > 65536 {
            return None;
        }
        let n = st.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A hand-made HTTP responder on 127.0.0.1 answering every request (a bounded number)
/// with `reply` — or, with `None`, reading the request and never answering.
fn fake_responder(reply: Option<Vec<u8>>, connections: usize) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in l.incoming().take(connections) {
            let Ok(mut st) = stream else { continue };
            // The whole request first: closing with unread bytes would reset the
            // connection under the reply.
            let _ = read_post(&mut st);
            match &reply {
                Some(r) => {
                    let _ = st.write_all(r);
                    let _ = st.shutdown(std::net::Shutdown::Write);
                }
                // Stall: keep the connection open, say nothing.
                None => held.push(st),
            }
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    port
}

fn http_ok(body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    port: u16,
}

impl Setup {
    fn p(&self, f: &str) -> String {
        s(&self.dir.join(f)).to_owned()
    }

    fn chain(&self, leaf: &str, ocsp: &str, extra: &[&str]) -> common::Run {
        let (anchor, leaf) = (self.p("ca.pem"), self.p(&format!("{leaf}.pem")));
        let mut a = vec![
            "verify",
            "chain",
            "--json",
            "--trust-anchor",
            &anchor,
            "--ocsp",
            ocsp,
        ];
        a.extend_from_slice(extra);
        a.push(&leaf);
        inkan(&a, &[])
    }
}

fn setup() -> Option<Setup> {
    if !have_openssl() {
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let port = free_port();
    pki(&dir, port);
    Some(Setup {
        _tmp: tmp,
        dir,
        port,
    })
}

fn unknown_because(r: &common::Run, why: &str) {
    assert_eq!(r.code, 10, "{}{}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["valid"], false);
    assert_eq!(j["error"]["code"], "revocation-unknown", "{j}");
    let m = j["error"]["message"].as_str().unwrap();
    assert!(m.contains(why), "{m}");
}

#[test]
fn chain_good_revoked_unknown_from_a_real_responder() {
    let Some(t) = setup() else { return };
    let _ca = Responder::start(&t.dir, t.port, "ca");
    let url = format!("http://127.0.0.1:{}/", t.port);

    let r = t.chain("good", &url, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["valid"], true);
    assert_eq!(j["revocation_checked"], true, "{j}");
    let rev = &j["revocation"][0];
    assert_eq!(rev["status"], "good", "{j}");
    assert_eq!(rev["ocsp"]["responder"], "issuer");
    assert_eq!(rev["ocsp"]["url"], url);
    assert!(rev["ocsp"]["next_update"].is_string());
    assert!(rev.get("crls").is_none());

    // The same through each certificate's AIA.
    let r = t.chain("good", "aia", &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["revocation"][0]["ocsp"]["url"], url);

    // Text output says where the answer came from.
    let (anchor, leaf) = (t.p("ca.pem"), t.p("good.pem"));
    let r = inkan(
        &[
            "verify",
            "chain",
            "--trust-anchor",
            &anchor,
            "--ocsp",
            "aia",
            &leaf,
        ],
        &[],
    );
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("good (OCSP answer of"), "{}", r.stdout);

    let r = t.chain("revoked", &url, &[]);
    assert_eq!(r.code, 10, "{}{}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["error"]["code"], "revoked", "{j}");
    assert_eq!(j["error"]["reason"], "keyCompromise");
    assert_eq!(j["error"]["revoked_at"], "2024-03-01T00:00:00Z");
    assert_eq!(j["error"]["ocsp"]["responder"], "issuer");
    assert!(j["error"].get("crl").is_none());

    // Not in the index: the responder says unknown, which is never valid.
    unknown_because(&t.chain("stranger", &url, &[]), "does not know");

    // Stale: two days on, past the answer's nextUpdate (-ndays 1).
    let later = std::time::SystemTime::now() + Duration::from_secs(2 * 86400);
    let later = later
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let at = inkan_verify::UnixTime::from_secs(later).to_string();
    unknown_because(&t.chain("good", &url, &["--at", &at]), "stale");
}

#[test]
fn a_delegated_responder_and_a_stranger_signing() {
    let Some(t) = setup() else { return };
    let _d = Responder::start(&t.dir, t.port, "responder");
    let url = format!("http://127.0.0.1:{}/", t.port);
    let r = t.chain("good", &url, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["revocation"][0]["ocsp"]["responder"], "delegated");
    let r = t.chain("revoked", &url, &[]);
    assert_eq!(r.json()["error"]["code"], "revoked");
    drop(_d);

    // Answers signed by a CA that did not issue the certificate.
    let port = free_port();
    let _o = Responder::start(&t.dir, port, "other");
    unknown_because(
        &t.chain("good", &format!("http://127.0.0.1:{port}/"), &[]),
        "not from the issuer",
    );
}

#[test]
fn responder_down_stalling_replaying_or_failing_is_unknown() {
    let Some(t) = setup() else { return };
    // Down: nothing listens.
    let closed = free_port();
    unknown_because(
        &t.chain("good", &format!("http://127.0.0.1:{closed}/"), &[]),
        "could not be reached",
    );
    // Stalling: accepts and never answers; bounded by --ocsp-timeout.
    let stall = fake_responder(None, 1);
    let started = Instant::now();
    unknown_because(
        &t.chain(
            "good",
            &format!("http://127.0.0.1:{stall}/"),
            &["--ocsp-timeout", "1"],
        ),
        "did not answer in time",
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    // An HTTP error status.
    let err = fake_responder(
        Some(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec(),
        ),
        1,
    );
    unknown_because(
        &t.chain("good", &format!("http://127.0.0.1:{err}/"), &[]),
        "HTTP error status",
    );
    // Garbage with status 200.
    let junk = fake_responder(Some(http_ok(b"not an OCSP response")), 1);
    unknown_because(
        &t.chain("good", &format!("http://127.0.0.1:{junk}/"), &[]),
        "not DER",
    );
    // A replay: a genuine good answer captured for another request (OpenSSL's own
    // client, its own nonce), served again: the nonce does not match.
    let real = Responder::start(&t.dir, t.port, "ca");
    let (ok, out) = openssl(&[
        "ocsp",
        "-issuer",
        &t.p("ca.pem"),
        "-cert",
        &t.p("good.pem"),
        "-url",
        &format!("http://127.0.0.1:{}/", t.port),
        "-respout",
        &t.p("captured.der"),
        "-noverify",
    ]);
    assert!(ok, "{out}");
    drop(real);
    let captured = std::fs::read(t.dir.join("captured.der")).unwrap();
    let replay = fake_responder(Some(http_ok(&captured)), 1);
    unknown_because(
        &t.chain("good", &format!("http://127.0.0.1:{replay}/"), &[]),
        "nonce",
    );
    // Over the size bound.
    let huge = fake_responder(Some(http_ok(&vec![0x30; 300 * 1024])), 1);
    unknown_because(
        &t.chain("good", &format!("http://127.0.0.1:{huge}/"), &[]),
        "over 256 KiB",
    );
    // --ocsp aia with a certificate that names no responder (the delegated
    // responder's own certificate has no AIA).
    unknown_because(&t.chain("responder", "aia", &[]), "names no http:// OCSP");
    // Not a URL.
    let r = t.chain("good", "ftp://127.0.0.1/", &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], "usage");
}

#[test]
fn cms_and_login_check_revocation_over_ocsp() {
    let Some(t) = setup() else { return };
    let _ca = Responder::start(&t.dir, t.port, "ca");
    std::fs::write(t.dir.join("doc.txt"), b"a contract\n").unwrap();
    for (leaf, out) in [("good", "good.p7s"), ("revoked", "revoked.p7s")] {
        let (ok, o) = openssl(&[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-in",
            &t.p("doc.txt"),
            "-signer",
            &t.p(&format!("{leaf}.pem")),
            "-inkey",
            &t.p(&format!("{leaf}.key")),
            "-md",
            "sha256",
            "-outform",
            "DER",
            "-out",
            &t.p(out),
        ]);
        assert!(ok, "{o}");
    }
    let cms = |sig: &str| {
        inkan(
            &[
                "verify",
                "cms",
                "--json",
                "--signature",
                &t.p(sig),
                "--trust-anchors",
                &t.p("ca.pem"),
                "--ocsp",
                "aia",
            ],
            &[],
        )
    };
    let r = cms("good.p7s");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["revocation"]["status"], "good", "{j}");
    assert_eq!(j["revocation"]["ocsp"]["responder"], "issuer");
    let r = cms("revoked.p7s");
    assert_eq!(r.code, 10, "{}", r.stdout);
    assert_eq!(r.json()["error"]["code"], "revoked");

    // A login: the challenge signed with the user-authentication key.
    let challenge = [0x42u8; 32];
    std::fs::write(t.dir.join("challenge.bin"), challenge).unwrap();
    let (ok, o) = openssl(&[
        "dgst",
        "-sha256",
        "-sign",
        &t.p("auth.key"),
        "-out",
        &t.p("login.sig"),
        &t.p("challenge.bin"),
    ]);
    assert!(ok, "{o}");
    let hexc = hex::encode(challenge);
    let r = inkan(
        &[
            "verify",
            "login",
            "--json",
            "--challenge",
            &hexc,
            "--signature",
            &t.p("login.sig"),
            "--certificate",
            &t.p("auth.pem"),
            "--trust-anchors",
            &t.p("ca.pem"),
            "--ocsp",
            &format!("http://127.0.0.1:{}/", t.port),
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["revocation"]["status"], "good", "{j}");
    assert!(j["revocation"]["ocsp"]["produced_at"].is_string());
}
