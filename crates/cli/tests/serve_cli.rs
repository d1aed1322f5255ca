//! `inkan serve` as a relying party runs it: the real binary on 127.0.0.1, the software
//! card signing the challenges and documents through `inkan card sign`, fresh CRLs made
//! with the card's test PKI. Logins accepted and refused (replay, expiry, another
//! instance's challenge, the signature key, a revoked certificate), CMS verdicts, a CRL
//! reload under load that changes answers without a failed request, malformed input,
//! the OpenAPI document, graceful shutdown on SIGTERM.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{SimCard, s, sim_card};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use base64ct::{Base64, Encoding};
use inkan_sim::{InitOptions, SoftCard};
use inkan_testpki::jpki::{CrlOptions, Reason, RevokedEntry, TestPki, build_crl};
use serde_json::{Value, json};

/// A running `inkan serve`.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        Self::start_logging(args, None)
    }

    /// Started with its log (standard error) going to `log`.
    fn start_logging(args: &[&str], log: Option<&Path>) -> Server {
        let stderr = match log {
            Some(p) => Stdio::from(std::fs::File::create(p).unwrap()),
            None => Stdio::null(),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_inkan"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("no address: {line:?}"))
            .to_owned();
        Server { child, base }
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        call(&self.base, method, path, body)
    }

    fn challenge(&self) -> (String, Vec<u8>) {
        let (st, c) = self.call("POST", "/v1/challenges", None);
        assert_eq!(st, 200, "{c}");
        let bytes = Base64::decode_vec(c["challenge"].as_str().unwrap()).unwrap();
        assert_eq!(bytes.len(), 32);
        (c["id"].as_str().unwrap().to_owned(), bytes)
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request to the service at `base`: status and JSON (or the text).
fn call(base: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let url = format!("{base}{path}");
    let r = match (method, body) {
        ("GET", _) => agent.get(&url).call(),
        (_, Some(b)) => agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(b.to_string().as_bytes()),
        (_, None) => agent.post(&url).send_empty(),
    };
    let mut r = r.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v)
}

fn b64(d: &[u8]) -> String {
    Base64::encode_string(d)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The card's PKI (the same seed as `inkan sim init`'s default) with its root keys.
fn card_pki() -> TestPki {
    SoftCard::generate_with_pki(&InitOptions::default())
        .unwrap()
        .1
}

fn serial_of(der_file: &Path) -> Vec<u8> {
    inkan_verify::Cert::from_der(&std::fs::read(der_file).unwrap())
        .unwrap()
        .serial()
        .to_vec()
}

/// Fresh CRLs (this hour to tomorrow) of every root into `dir`, `revoked` listed by
/// every one; written beside and renamed, so a reader never sees half a file.
fn write_crls(pki: &TestPki, dir: &Path, revoked: &[Vec<u8>], number: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let t = now();
    let this = der::DateTime::from_unix_duration(Duration::from_secs(t - 3600)).unwrap();
    let next = der::DateTime::from_unix_duration(Duration::from_secs(t + 86400)).unwrap();
    let entries: Vec<RevokedEntry> = revoked
        .iter()
        .map(|s| RevokedEntry {
            serial: s.clone(),
            revoked_at: der::DateTime::from_unix_duration(Duration::from_secs(t - 60)).unwrap(),
            reason: Some(Reason::AffiliationChanged),
        })
        .collect();
    for (i, root) in pki.sign_roots.iter().chain(&pki.auth_roots).enumerate() {
        let crl = build_crl(root, &entries, this, next, number, &CrlOptions::default()).unwrap();
        let name = format!("root{i}.crl");
        std::fs::write(dir.join(format!(".{name}.tmp")), &crl).unwrap();
        std::fs::rename(dir.join(format!(".{name}.tmp")), dir.join(&name)).unwrap();
    }
}

/// The card's user-authentication signature over `challenge`.
fn auth_sign(card: &SimCard, challenge: &[u8], key: &str, pin: &str) -> Vec<u8> {
    let (ch, sig) = (card.path("ch.bin"), card.path("ch.sig"));
    std::fs::write(&ch, challenge).unwrap();
    let r = card.card(
        "sign",
        &["--key", key, "--in", s(&ch), "--out", s(&sig)],
        Some(pin),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    std::fs::read(&sig).unwrap()
}

/// A `POST /v1/documents/verify` body: `text` in the file `name`, signed by the card as
/// `inkan card sign --format cms` does.
fn signed_document(card: &SimCard, name: &str, text: &str) -> Value {
    let (doc, p7s) = (card.path(name), card.path(&format!("{name}.p7s")));
    std::fs::write(&doc, text).unwrap();
    let r = card.card(
        "sign",
        &["--in", s(&doc), "--out", s(&p7s), "--format", "cms"],
        Some("ABC123"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    json!({"format": "cms", "signature": b64(&std::fs::read(&p7s).unwrap())})
}

fn login_body(id: &str, sig: &[u8], cert: &Path) -> Value {
    json!({
        "challenge_id": id,
        "signature": b64(sig),
        "certificate": b64(&std::fs::read(cert).unwrap()),
    })
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

#[test]
fn logins_accepted_and_refused_with_their_codes() {
    let card = sim_card(&[]);
    let pki = card_pki();
    let crl_dir = card.path("crls");
    write_crls(&pki, &crl_dir, &[], 1);
    let anchors = card.dir.join("pki");
    let a = Server::start(&["--trust-anchors", s(&anchors), "--crl-dir", s(&crl_dir)]);
    let auth_cert = card.dir.join("auth-cert.der");

    // Accepted.
    let (id, ch) = a.challenge();
    let sig = auth_sign(&card, &ch, "auth", "1234");
    let (st, v) = a.call(
        "POST",
        "/v1/login",
        Some(&login_body(&id, &sig, &auth_cert)),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["kind"], "user-authentication");
    assert_eq!(v["revocation"]["status"], "good", "{v}");
    let subject_id = v["subject_id"].as_str().unwrap();
    assert_eq!(subject_id.len(), 64);

    // The same login again: the challenge is used up.
    let (st, v) = a.call(
        "POST",
        "/v1/login",
        Some(&login_body(&id, &sig, &auth_cert)),
    );
    assert_eq!((st, code(&v)), (409, "challenge-used"), "{v}");
    // A made-up challenge.
    let (st, v) = a.call(
        "POST",
        "/v1/login",
        Some(&login_body(
            "00112233445566778899aabbccddeeff",
            &sig,
            &auth_cert,
        )),
    );
    assert_eq!((st, code(&v)), (404, "challenge-unknown"), "{v}");

    // A challenge of another instance (no shared store): unknown here.
    let b = Server::start(&["--trust-anchors", s(&anchors), "--challenge-ttl", "1"]);
    let (id_b, ch_b) = b.challenge();
    let sig_b = auth_sign(&card, &ch_b, "auth", "1234");
    let (st, v) = a.call(
        "POST",
        "/v1/login",
        Some(&login_body(&id_b, &sig_b, &auth_cert)),
    );
    assert_eq!((st, code(&v)), (404, "challenge-unknown"), "{v}");
    // Expired: B's challenges live one second.
    std::thread::sleep(Duration::from_millis(2200));
    let (st, v) = b.call(
        "POST",
        "/v1/login",
        Some(&login_body(&id_b, &sig_b, &auth_cert)),
    );
    assert_eq!((st, code(&v)), (410, "challenge-expired"), "{v}");

    // A signature with the signature key and its certificate: not a login certificate.
    let (id, ch) = a.challenge();
    let sig = auth_sign(&card, &ch, "sign", "ABC123");
    let sign_cert = card.dir.join("sign-cert.der");
    let (st, v) = a.call(
        "POST",
        "/v1/login",
        Some(&login_body(&id, &sig, &sign_cert)),
    );
    assert_eq!((st, code(&v)), (401, "certificate-kind"), "{v}");
    // A signature over another challenge.
    let (id, _) = a.challenge();
    let (st, v) = a.call(
        "POST",
        "/v1/login",
        Some(&login_body(&id, &sig_b, &auth_cert)),
    );
    assert_eq!((st, code(&v)), (401, "bad-signature"), "{v}");

    // The user-authentication certificate revoked: a service started on that CRL.
    let revoked_dir = card.path("crls-revoked");
    write_crls(&pki, &revoked_dir, &[serial_of(&auth_cert)], 2);
    let c = Server::start(&["--trust-anchors", s(&anchors), "--crl-dir", s(&revoked_dir)]);
    let (id, ch) = c.challenge();
    let sig = auth_sign(&card, &ch, "auth", "1234");
    let (st, v) = c.call(
        "POST",
        "/v1/login",
        Some(&login_body(&id, &sig, &auth_cert)),
    );
    assert_eq!((st, code(&v)), (401, "revoked"), "{v}");
    assert_eq!(v["error"]["reason"], "affiliationChanged");

    // Metrics count what happened.
    let (st, m) = a.call("GET", "/metrics", None);
    assert_eq!(st, 200);
    let m = m.as_str().unwrap();
    assert!(
        m.contains("inkan_verifications_total{kind=\"login\",code=\"valid\"} 1"),
        "{m}"
    );
    assert!(m.contains("code=\"challenge-used\"} 1"), "{m}");

    // SIGTERM: a clean exit.
    assert!(a.terminate().success());
}

#[test]
fn documents_and_a_crl_reload_under_load() {
    let card = sim_card(&[]);
    let pki = card_pki();
    let crl_dir = card.path("crls");
    write_crls(&pki, &crl_dir, &[], 1);
    let cms = signed_document(&card, "contract.txt", "契約書\n");
    let anchors = card.dir.join("pki");
    let srv = Server::start(&[
        "--trust-anchors",
        s(&anchors),
        "--crl-dir",
        s(&crl_dir),
        "--refresh",
        "1s",
    ]);
    let (st, v) = srv.call("POST", "/v1/documents/verify", Some(&cms));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["kind"], "signature");
    assert_eq!(v["revocation"]["status"], "good");
    assert!(v["identity"]["name"].is_string());
    let (_, crls) = srv.call("GET", "/v1/crls", None);
    assert_eq!(crls["crls"].as_array().unwrap().len(), 6, "{crls}");
    assert_eq!(crls["crls"][0]["fresh"], true);
    let (st, _) = srv.call("GET", "/readyz", None);
    assert_eq!(st, 200);

    // Load from four clients while the signature certificate is revoked (a change of
    // address): every answer is a 200, first valid, then revoked with affiliationChanged.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (base, body, stop) = (srv.base.clone(), cms.clone(), stop.clone());
        workers.push(std::thread::spawn(move || {
            let (mut valid, mut revoked, mut other) = (0u32, 0u32, Vec::new());
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
                let (st, v) = call(&base, "POST", "/v1/documents/verify", Some(&body));
                match (st, &v["valid"], code(&v)) {
                    (200, Value::Bool(true), _) => valid += 1,
                    (200, Value::Bool(false), "revoked") => revoked += 1,
                    _ => other.push(format!("{st} {v}")),
                }
            }
            (valid, revoked, other)
        }));
    }
    std::thread::sleep(Duration::from_millis(800));
    write_crls(
        &pki,
        &crl_dir,
        &[serial_of(&card.dir.join("sign-cert.der"))],
        2,
    );
    // Until the reload shows.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, v) = srv.call("POST", "/v1/documents/verify", Some(&cms));
        if code(&v) == "revoked" {
            assert_eq!(v["error"]["reason"], "affiliationChanged", "{v}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the reload did not change the answer"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (mut valid, mut revoked) = (0, 0);
    for w in workers {
        let (v, r, other) = w.join().unwrap();
        assert!(
            other.is_empty(),
            "failed requests during the reload: {other:?}"
        );
        valid += v;
        revoked += r;
    }
    assert!(valid > 0 && revoked > 0, "valid {valid}, revoked {revoked}");

    // A CRL that does not verify: the reload fails, the last good CRLs stay.
    let (_, before) = srv.call("GET", "/v1/crls", None);
    let mut bad = std::fs::read(crl_dir.join("root0.crl")).unwrap();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    std::fs::write(crl_dir.join("root0.crl"), &bad).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let (_, after) = srv.call("GET", "/v1/crls", None);
    assert_eq!(before["crls"], after["crls"]);
    let (_, m) = srv.call("GET", "/metrics", None);
    assert!(
        m.as_str()
            .unwrap()
            .contains("inkan_crl_loads_total{result=\"failed\"}")
    );
    let (_, v) = srv.call("POST", "/v1/documents/verify", Some(&cms));
    assert_eq!(code(&v), "revoked");
}

/// Raw HTTP on a fresh connection: the status code and the answer (read to the end of
/// its declared body, not to the close: the server may hold a connection whose request
/// body never came).
fn raw(base: &str, request: &[u8]) -> (u16, String) {
    let addr = base.strip_prefix("http://").unwrap();
    let mut st = TcpStream::connect(addr).unwrap();
    st.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = st.write_all(request);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&out[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if out.len() >= end + 4 + len {
                break;
            }
        }
        match st.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, text)
}

#[test]
fn malformed_input_gets_typed_errors_and_the_service_stays_up() {
    let card = sim_card(&[]);
    let anchors = card.dir.join("pki");
    let srv = Server::start(&[
        "--trust-anchors",
        s(&anchors),
        "--body-limit",
        "1048576",
        "--request-timeout",
        "3s",
    ]);
    let verify = |body: Value| srv.call("POST", "/v1/documents/verify", Some(&body));
    // Random bytes and a truncated certificate as CMS: a verdict, not a crash.
    let (st, v) =
        verify(json!({"format": "cms", "signature": b64(&[0x30, 0x82, 0x10, 0x00, 1, 2, 3])}));
    assert_eq!(
        (st, v["valid"].clone(), code(&v)),
        (200, json!(false), "malformed"),
        "{v}"
    );
    let cert = std::fs::read(card.dir.join("auth-cert.der")).unwrap();
    let (st, v) = verify(json!({"format": "cms", "signature": b64(&cert[..cert.len() / 2])}));
    assert_eq!((st, code(&v)), (200, "malformed"), "{v}");
    let (st, v) =
        verify(json!({"format": "xml", "document": b64(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>")}));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["valid"], false);
    // Request shapes.
    let (st, v) = verify(json!({"format": "pdf"}));
    assert_eq!((st, code(&v)), (400, "bad-request"), "{v}");
    let (st, v) = verify(json!({"format": "cms", "signature": "***"}));
    assert_eq!((st, code(&v)), (400, "bad-request"), "{v}");
    let (st, v) = verify(json!({"format": "cms"}));
    assert_eq!((st, code(&v)), (400, "bad-request"), "{v}");
    let (st, v) = srv.call(
        "POST",
        "/v1/login",
        Some(&json!({"challenge_id": "x", "signature": "AA==", "certificate": "AA==", "hash": "md5"})),
    );
    assert_eq!((st, code(&v)), (400, "bad-request"), "{v}");
    let (st, v) = srv.call("POST", "/v1/login", Some(&json!([1, 2, 3])));
    assert_eq!((st, code(&v)), (400, "bad-request"), "{v}");
    // Wrong content type.
    let body = b"{\"format\":\"cms\",\"signature\":\"AA==\"}";
    let (st, text) = raw(
        &srv.base,
        &[
            format!(
                "POST /v1/documents/verify HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
            body,
        ]
        .concat(),
    );
    assert_eq!(st, 415, "{text}");
    assert!(text.contains("unsupported-media-type"), "{text}");
    // A body over the limit (declared 100 MB): refused before it is read.
    let (st, text) = raw(
        &srv.base,
        b"POST /v1/documents/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n{\"format\":",
    );
    assert_eq!(st, 413, "{text}");
    assert!(text.contains("body-too-large"), "{text}");
    // A body that comes too slowly (slowloris): cut off at the request timeout.
    let (st, text) = raw(
        &srv.base,
        b"POST /v1/documents/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"format\":",
    );
    assert_eq!(st, 503, "{text}");
    assert!(text.contains("request-timeout"), "{text}");
    // An unknown route.
    let (st, v) = srv.call("GET", "/v2/nothing", None);
    assert_eq!((st, code(&v)), (404, "not-found"));
    // Random bytes in every field, many times over: typed answers only.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..200 {
        let mut junk = vec![0u8; 64 + (i * 37) % 4000];
        for b in &mut junk {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let body = match i % 3 {
            0 => json!({"format": "cms", "signature": b64(&junk), "content": b64(&junk)}),
            1 => json!({"format": "xml", "document": b64(&junk)}),
            _ => {
                json!({"challenge_id": hex::encode(&junk[..16]), "signature": b64(&junk), "certificate": b64(&junk)})
            }
        };
        let path = if i % 3 == 2 {
            "/v1/login"
        } else {
            "/v1/documents/verify"
        };
        let (st, v) = srv.call("POST", path, Some(&body));
        assert!(matches!(st, 200 | 400 | 401 | 404), "{st} {v}");
        assert!(v["error"]["code"].is_string(), "{v}");
    }
    // Still answering, within bounded memory.
    let (st, v) = srv.call("GET", "/healthz", None);
    assert_eq!((st, v), (200, json!({"status": "ok"})));
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", srv.child.id())).unwrap_or_default();
    if let Some(hwm) = status.lines().find(|l| l.starts_with("VmHWM:")) {
        let kib: u64 = hwm.split_whitespace().nth(1).unwrap().parse().unwrap();
        println!(
            "inkan serve peak RSS after the malformed-input run: {} MiB",
            kib / 1024
        );
        assert!(kib < 512 * 1024, "{hwm}");
    }
}

#[test]
fn every_route_is_in_the_served_openapi_document() {
    let card = sim_card(&[]);
    let srv = Server::start(&["--trust-anchors", s(&card.dir.join("pki"))]);
    let (st, doc) = srv.call("GET", "/openapi.json", None);
    assert_eq!(st, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for (method, path) in inkan_server::ROUTES {
        let op = &doc["paths"][*path][*method];
        assert!(op.is_object(), "{method} {path} not documented");
        // The route exists on the binary, and answers with a documented status.
        let (st, _) = srv.call(&method.to_uppercase(), path, Some(&json!({})));
        assert_ne!(st, 404, "{method} {path}");
        let documented = op["responses"].as_object().unwrap();
        assert!(
            documented.contains_key(&st.to_string()),
            "{method} {path} answered {st}, documented {:?}",
            documented.keys().collect::<Vec<_>>()
        );
    }
}

/// `redis-server` on its own port and directory, bound to 127.0.0.1, nothing saved.
struct Redis {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Redis {
    fn start() -> Option<Redis> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var_os("INKAN_REQUIRE_REDIS").is_none(),
                "redis-server is required here (just test-serve installs it)"
            );
            eprintln!("SKIP: redis-server not found (run: sudo apt-get install -y redis-server)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Redis {
            child,
            url: format!("redis://127.0.0.1:{port}"),
            _dir: dir,
        })
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_instances_share_challenges_through_redis() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let card = sim_card(&[]);
    let anchors = card.dir.join("pki");
    let a = Server::start(&["--trust-anchors", s(&anchors), "--redis", &redis.url]);
    let b = Server::start(&["--trust-anchors", s(&anchors), "--redis", &redis.url]);
    let cert = card.dir.join("auth-cert.der");

    // Issued on A, used on B; then used up on either.
    let (id, ch) = a.challenge();
    let sig = auth_sign(&card, &ch, "auth", "1234");
    let body = login_body(&id, &sig, &cert);
    let (st, v) = b.call("POST", "/v1/login", Some(&body));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["valid"], true);
    for srv in [&a, &b] {
        let (st, v) = srv.call("POST", "/v1/login", Some(&body));
        assert_eq!((st, code(&v)), (409, "challenge-used"), "{v}");
    }
    // The same login sent to both at once: exactly one is accepted.
    let (id, ch) = b.challenge();
    let sig = auth_sign(&card, &ch, "auth", "1234");
    let body = login_body(&id, &sig, &cert);
    let (ba, bb) = (a.base.clone(), b.base.clone());
    let (b1, b2) = (body.clone(), body.clone());
    let t1 = std::thread::spawn(move || call(&ba, "POST", "/v1/login", Some(&b1)).0);
    let t2 = std::thread::spawn(move || call(&bb, "POST", "/v1/login", Some(&b2)).0);
    let mut got = [t1.join().unwrap(), t2.join().unwrap()];
    got.sort_unstable();
    assert_eq!(got, [200, 409]);
    // Never issued anywhere.
    let (st, v) = a.call(
        "POST",
        "/v1/login",
        Some(&login_body("0123456789abcdef0123456789abcdef", &sig, &cert)),
    );
    assert_eq!((st, code(&v)), (404, "challenge-unknown"), "{v}");

    // Redis gone: a typed 503, and the service stays up.
    let _ = redis.child.kill();
    let _ = redis.child.wait();
    let (st, v) = a.call("POST", "/v1/challenges", None);
    assert_eq!((st, code(&v)), (503, "challenge-store-unavailable"), "{v}");
    let (st, _) = a.call("GET", "/healthz", None);
    assert_eq!(st, 200);
}

/// A static HTTP server on 127.0.0.1 for the files of `dir` (GET only, a bounded number
/// of connections); `/fail/…` answers 500.
fn file_server(dir: std::path::PathBuf) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in l.incoming().take(500) {
            let Ok(mut st) = stream else { continue };
            st.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match st.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&req)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let file = dir.join(path.trim_start_matches('/'));
            let resp = match std::fs::read(&file) {
                Ok(body) if !path.starts_with("/fail/") => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body);
                    r
                }
                _ => {
                    b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
                }
            };
            let _ = st.write_all(&resp);
        }
    });
    base
}

#[test]
fn crl_sources_are_fetched_into_the_store_and_refreshed() {
    let card = sim_card(&[]);
    let pki = card_pki();
    let published = card.path("published");
    write_crls(&pki, &published, &[], 1);
    let http = file_server(published.clone());
    let cms = signed_document(&card, "doc.txt", "転居届\n");
    let store = card.path("store");
    // Every root's CRL: the generations share one name, and each CRL is kept.
    let issuing: Vec<usize> = (0..6).collect();
    let sources: Vec<String> = issuing
        .iter()
        .map(|i| format!("{http}/root{i}.crl"))
        .collect();
    let mut args = vec![
        "--trust-anchors".to_owned(),
        s(&card.dir.join("pki")).to_owned(),
        "--crl-store".to_owned(),
        s(&store).to_owned(),
        "--refresh".to_owned(),
        "1s".to_owned(),
    ];
    for u in &sources {
        args.extend(["--crl-source".to_owned(), u.clone()]);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let srv = Server::start(&argv);
    // Fetched at start: the document is checked against them.
    let (_, crls) = srv.call("GET", "/v1/crls", None);
    assert_eq!(crls["crls"].as_array().unwrap().len(), 6, "{crls}");
    let (_, v) = srv.call("POST", "/v1/documents/verify", Some(&cms));
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["revocation"]["status"], "good");
    // The CA publishes a CRL revoking the signature certificate: the service picks it up.
    write_crls(
        &pki,
        &published,
        &[serial_of(&card.dir.join("sign-cert.der"))],
        2,
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (st, v) = srv.call("POST", "/v1/documents/verify", Some(&cms));
        assert_eq!(st, 200);
        if code(&v) == "revoked" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new CRL was not fetched: {v}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (_, crls) = srv.call("GET", "/v1/crls", None);
    assert!(
        crls["crls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["number"] == "2"),
        "{crls}"
    );
    // The publisher then serves a CRL that does not verify (a flipped byte): refused,
    // the stored CRL stays.
    for i in &issuing {
        let f = published.join(format!("root{i}.crl"));
        let mut bad = std::fs::read(&f).unwrap();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        std::fs::write(&f, &bad).unwrap();
    }
    std::thread::sleep(Duration::from_millis(2500));
    let (_, v) = srv.call("POST", "/v1/documents/verify", Some(&cms));
    assert_eq!(code(&v), "revoked", "{v}");
    let (st, _) = srv.call("GET", "/readyz", None);
    assert_eq!(st, 200);
}

#[test]
fn no_names_in_the_logs_unless_asked() {
    let card = sim_card(&[]);
    let cms = signed_document(&card, "doc.txt", "委任状\n");
    let anchors = card.dir.join("pki");
    for (flag, named) in [(None, false), (Some("--log-identities"), true)] {
        let log = card.path("serve.log");
        let mut args = vec!["--trust-anchors", s(&anchors)];
        args.extend(flag);
        let srv = Server::start_logging(&args, Some(&log));
        let (_, v) = srv.call("POST", "/v1/documents/verify", Some(&cms));
        assert_eq!(v["valid"], true, "{v}");
        let name = v["identity"]["name"].as_str().unwrap().to_owned();
        let address = v["identity"]["address"].as_str().unwrap().to_owned();
        assert!(srv.terminate().success());
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(
            text.contains("route=\"/v1/documents/verify\" status=200"),
            "{text}"
        );
        assert!(!text.contains(&address), "an address in the log: {text}");
        assert_eq!(text.contains(&name), named, "{flag:?}: {text}");
    }
}

#[test]
fn options_from_a_config_file_with_flags_over_them() {
    let card = sim_card(&[]);
    // Paths relative to the file's directory.
    let cfg = card.path("serve.json");
    std::fs::write(
        &cfg,
        r#"{"trust_anchors": ["card/pki"], "challenge_ttl": 1, "request_timeout": "5s", "max_concurrent": 8}"#,
    )
    .unwrap();
    let srv = Server::start(&["--config", s(&cfg), "--challenge-ttl", "7"]);
    let (st, c) = srv.call("POST", "/v1/challenges", None);
    assert_eq!(st, 200, "{c}");
    let exp = inkan_verify::UnixTime::parse_rfc3339(c["expires_at"].as_str().unwrap())
        .unwrap()
        .as_secs();
    // The flag (7 s) wins over the file (1 s).
    assert!((6..=8).contains(&(exp - now())), "{c}");
    let sig = auth_sign(
        &card,
        &Base64::decode_vec(c["challenge"].as_str().unwrap()).unwrap(),
        "auth",
        "1234",
    );
    let (st, v) = srv.call(
        "POST",
        "/v1/login",
        Some(&login_body(
            c["id"].as_str().unwrap(),
            &sig,
            &card.dir.join("auth-cert.der"),
        )),
    );
    assert_eq!(st, 200, "{v}");
    // A key the file may not have, and a file without anchors.
    std::fs::write(&cfg, r#"{"trust_anchor": ["x"]}"#).unwrap();
    let r = common::inkan(&["serve", "--config", s(&cfg)], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("unknown field"), "{}", r.stderr);
    std::fs::write(&cfg, r#"{"challenge_ttl": 5}"#).unwrap();
    let r = common::inkan(&["serve", "--config", s(&cfg)], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--trust-anchors is required"),
        "{}",
        r.stderr
    );
}
