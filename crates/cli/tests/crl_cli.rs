//! `inkan crl …` end to end: index, check, and fetch against a real HTTP server on
//! 127.0.0.1 that misbehaves in every way a CRL server can.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::inkan;

use inkan_testpki::jpki::{
    self as pki, CrlOptions, Hierarchy, Reason, RevokedEntry, RootCa, Validity,
};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

type RootCache = Mutex<Vec<((Hierarchy, u32), RootCa)>>;

fn root(h: Hierarchy, g: u32) -> RootCa {
    static ROOTS: OnceLock<RootCache> = OnceLock::new();
    let m = ROOTS.get_or_init(|| Mutex::new(Vec::new()));
    let mut v = m.lock().unwrap();
    if let Some((_, r)) = v.iter().find(|(k, _)| *k == (h, g)) {
        return r.clone();
    }
    let validity = Validity::new(
        pki::utc(2020, 1, 1, 0, 0, 0).unwrap(),
        pki::utc(2040, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let key = pki::test_key(11, &format!("crl-cli/{h:?}/{g}")).unwrap();
    let r = RootCa::new(h, g, key, &[0x20, g as u8], validity).unwrap();
    v.push(((h, g), r.clone()));
    r
}

fn day(m: u8, d: u8) -> der::DateTime {
    pki::utc(2025, m, d, 0, 0, 0).unwrap()
}

fn make_crl(
    root: &RootCa,
    serials: &[u64],
    this: der::DateTime,
    next: der::DateTime,
    n: u64,
) -> Vec<u8> {
    let entries: Vec<RevokedEntry> = serials
        .iter()
        .map(|s| RevokedEntry {
            serial: s.to_be_bytes().to_vec(),
            revoked_at: day(5, 20),
            reason: Some(Reason::AffiliationChanged),
        })
        .collect();
    pki::build_crl(root, &entries, this, next, n, &CrlOptions::default()).unwrap()
}

/// What the test server answers.
#[derive(Clone)]
enum Mode {
    /// 200 with the body and ETag; 304 when If-None-Match matches.
    Serve { body: Vec<u8>, etag: String },
    /// This status, empty body.
    Status(u16),
    /// Announces the full length, sends half, closes.
    Truncated(Vec<u8>),
    /// Waits this long before answering.
    Slow(Duration, Vec<u8>),
    /// Answers at once, sends half the body, waits this long, sends the rest.
    SlowBody(Duration, Vec<u8>),
}

struct Server {
    url: String,
    mode: Arc<Mutex<Mode>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/sign.crl", listener.local_addr().unwrap());
        let mode = Arc::new(Mutex::new(Mode::Status(404)));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (m, r) = (mode.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (m, r) = (m.clone(), r.clone());
                std::thread::spawn(move || handle(stream, &m, &r));
            }
        });
        Server {
            url,
            mode,
            requests,
        }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

fn handle(mut s: TcpStream, mode: &Mutex<Mode>, log: &Mutex<Vec<String>>) {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 65536 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&req).to_string();
    log.lock().unwrap().push(head.clone());
    let inm = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("if-none-match: ")
                .or_else(|| l.strip_prefix("If-None-Match: "))
        })
        .map(str::to_owned);
    let m = mode.lock().unwrap().clone();
    let _ = match m {
        Mode::Serve { body, etag } => {
            if inm.as_deref() == Some(etag.as_str()) {
                s.write_all(
                    format!(
                        "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
                    )
                    .as_bytes(),
                )
            } else {
                s.write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\nETag: {etag}\r\nLast-Modified: Sun, 01 Jun 2025 00:00:00 GMT\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .as_bytes(),
                )
                .and_then(|_| s.write_all(&body))
            }
        }
        Mode::Status(code) => s.write_all(
            format!("HTTP/1.1 {code} Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        ),
        Mode::Truncated(body) => s
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|_| s.write_all(&body[..body.len() / 2])),
        Mode::SlowBody(d, body) => {
            let half = body.len() / 2;
            s.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|_| s.write_all(&body[..half]))
            .and_then(|_| s.flush())
            .and_then(|_| {
                std::thread::sleep(d);
                s.write_all(&body[half..])
            })
        }
        Mode::Slow(d, body) => {
            std::thread::sleep(d);
            s.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|_| s.write_all(&body))
        }
    };
    let _ = s.flush();
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_str().unwrap().to_owned()
}

const AT: &str = "2025-06-02T00:00:00Z";

#[test]
fn fetch_keeps_the_last_good_crl_on_every_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ca = root(Hierarchy::Signature, 1);
    write(dir, "ca.pem", ca.cert_pem().unwrap().as_bytes());
    let server = Server::start();
    let config = serde_json::json!({
        "store": "store",
        "timeout_secs": 1,
        "sources": [{ "url": server.url, "ca": "ca.pem" }],
    });
    let cfg = write(dir, "fetch.json", config.to_string().as_bytes());
    let store = dir.join("store");
    let store_s = store.to_str().unwrap().to_owned();
    let fetch = || {
        inkan(
            &["--json", "crl", "fetch", "--config", &cfg, "--at", AT],
            &[],
        )
    };
    let check = |serial: &str| inkan(&["crl", "check", "--index", &store_s, serial], &[]);

    // 1. A good CRL is fetched and indexed.
    let good = make_crl(&ca, &[0x1111, 0x2222], day(6, 1), day(6, 8), 1);
    server.set(Mode::Serve {
        body: good.clone(),
        etag: "\"v1\"".into(),
    });
    let r = fetch();
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["sources"][0]["status"], "updated");
    assert_eq!(j["sources"][0]["crl"]["entries"], 2);
    assert_eq!(j["sources"][0]["crl"]["staleness"]["stale"], false);
    let r = check("1111");
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        "1111 revoked affiliationChanged 2025-05-20T00:00:00Z\n"
    );
    let snapshot = |store: &Path| {
        let mut files: Vec<_> = std::fs::read_dir(store)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "crlidx"))
            .collect();
        files.sort();
        assert_eq!(files.len(), 1);
        std::fs::read(&files[0]).unwrap()
    };
    let v1 = snapshot(&store);

    // 2. Conditional request: 304 Not Modified.
    let r = fetch();
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()["sources"][0]["status"], "not-modified");
    assert!(
        server
            .requests
            .lock()
            .unwrap()
            .last()
            .unwrap()
            .to_ascii_lowercase()
            .contains("if-none-match: \"v1\""),
    );

    // 3. Every failure: error reported, exit 11, the last good CRL stays in use.
    let other = root(Hierarchy::Authentication, 1);
    let mut bad_sig = make_crl(&ca, &[0x3333], day(6, 1), day(6, 8), 2);
    let n = bad_sig.len();
    bad_sig[n - 3] ^= 0x01;
    let newer = make_crl(&ca, &[0x1111, 0x2222, 0x3333], day(6, 1), day(6, 8), 2);
    let cases: Vec<(Mode, &[&str])> = vec![
        (
            Mode::Truncated(newer.clone()),
            &["crl-fetch-network", "crl-malformed"],
        ),
        (
            Mode::Serve {
                body: make_crl(&other, &[0x3333], day(6, 1), day(6, 8), 2),
                etag: "\"w\"".into(),
            },
            &["crl-issuer-mismatch"],
        ),
        (
            Mode::Serve {
                body: bad_sig,
                etag: "\"b\"".into(),
            },
            &["crl-bad-signature"],
        ),
        (
            Mode::Serve {
                body: make_crl(&ca, &[0x3333], day(5, 1), day(5, 8), 2),
                etag: "\"e\"".into(),
            },
            &["crl-expired"],
        ),
        (
            Mode::Serve {
                body: b"<html>not a CRL</html>".to_vec(),
                etag: "\"h\"".into(),
            },
            &["crl-malformed"],
        ),
        (Mode::Status(500), &["crl-fetch-http"]),
        (Mode::Status(404), &["crl-fetch-http"]),
        (
            Mode::Slow(Duration::from_secs(3), newer.clone()),
            &["crl-fetch-timeout"],
        ),
        (
            Mode::SlowBody(Duration::from_secs(3), newer.clone()),
            &["crl-fetch-timeout"],
        ),
    ];
    for (mode, codes) in cases {
        server.set(mode);
        let r = fetch();
        assert_eq!(r.code, 11, "{}{}", r.stdout, r.stderr);
        let j = r.json();
        assert_eq!(j["ok"], false);
        assert_eq!(j["error"]["code"], "crl-fetch-failed");
        let src = &j["error"]["sources"][0];
        assert_eq!(src["status"], "error");
        let code = src["error"]["code"].as_str().unwrap();
        assert!(codes.contains(&code), "{code} not in {codes:?}: {src}");
        assert_eq!(
            src["crl"]["entries"], 2,
            "the last good CRL is reported in use"
        );
        assert_eq!(snapshot(&store), v1, "the last good index is untouched");
        let r = check("3333");
        assert_eq!(r.stdout, "3333 not-revoked\n");
    }

    // 4. Text mode names the failure and the CRL in use.
    server.set(Mode::Status(500));
    let r = inkan(&["crl", "fetch", "--config", &cfg, "--at", AT], &[]);
    assert_eq!(r.code, 11);
    assert!(r.stdout.contains("error [crl-fetch-http]"), "{}", r.stdout);
    assert!(r.stdout.contains("in use: 2 entries"), "{}", r.stdout);

    // 5. Staleness is reported against nextUpdate.
    server.set(Mode::Status(500));
    let r = inkan(
        &[
            "--json",
            "crl",
            "fetch",
            "--config",
            &cfg,
            "--at",
            "2025-06-10T00:00:00Z",
        ],
        &[],
    );
    let src = &r.json()["error"]["sources"][0];
    assert_eq!(src["crl"]["staleness"]["stale"], true, "{src}");
    assert_eq!(src["crl"]["staleness"]["stale_for_secs"], 2 * 86400);

    // 6. A newer good CRL replaces the old one.
    server.set(Mode::Serve {
        body: newer,
        etag: "\"v2\"".into(),
    });
    let r = fetch();
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()["sources"][0]["status"], "updated");
    assert_eq!(
        check("3333").stdout,
        "3333 revoked affiliationChanged 2025-05-20T00:00:00Z\n"
    );
}

#[test]
fn index_and_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ca = root(Hierarchy::Signature, 1);
    let other = root(Hierarchy::Signature, 2); // same name, other key
    let ca_p = write(dir, "ca.pem", ca.cert_pem().unwrap().as_bytes());
    let other_p = write(dir, "other.pem", other.cert_pem().unwrap().as_bytes());
    let base = make_crl(&ca, &[0xabcd, 0x0102], day(6, 1), day(6, 8), 5);
    let delta = pki::build_crl(
        &ca,
        &[RevokedEntry {
            serial: vec![0x77],
            revoked_at: day(6, 3),
            reason: None,
        }],
        day(6, 4),
        day(6, 8),
        6,
        &CrlOptions {
            delta_base: Some(5),
            ..CrlOptions::default()
        },
    )
    .unwrap();
    let base_p = write(dir, "base.crl", &base);
    let delta_p = write(
        dir,
        "delta.pem",
        pki::crl_to_pem(&delta).unwrap().as_bytes(),
    );
    let out = dir.join("idx");
    let out_s = out.to_str().unwrap();

    let r = inkan(
        &[
            "crl", "index", "--crl", &base_p, &delta_p, "--ca", &ca_p, "--out", out_s,
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = inkan(
        &[
            "crl", "check", "--index", out_s, "ABCD", "0x77", "00:01:02", "99",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "abcd revoked affiliationChanged 2025-05-20T00:00:00Z\n\
         77 revoked unspecified 2025-06-03T00:00:00Z\n\
         0102 revoked affiliationChanged 2025-05-20T00:00:00Z\n\
         99 not-revoked\n"
    );
    // JSON.
    let r = inkan(&["--json", "crl", "check", "--index", out_s, "abcd"], &[]);
    let j = r.json();
    assert_eq!(j["ok"], true);
    assert_eq!(j["results"][0]["status"], "revoked");
    assert_eq!(j["results"][0]["reason"], "affiliationChanged");
    // Directly from files.
    let r = inkan(
        &[
            "crl", "check", "--crl", &base_p, "--ca", &ca_p, "abcd", "77",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "abcd revoked affiliationChanged 2025-05-20T00:00:00Z\n77 not-revoked\n"
    );
    // Wrong CA (same name, other key): non-zero, nothing printed on stdout.
    let r = inkan(
        &["crl", "check", "--crl", &base_p, "--ca", &other_p, "abcd"],
        &[],
    );
    assert_eq!(r.code, 10, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("crl-issuer-mismatch"), "{}", r.stderr);
    // Bad signature.
    let mut bad = base.clone();
    let n = bad.len();
    bad[n - 1] ^= 0x80;
    let bad_p = write(dir, "bad.crl", &bad);
    let r = inkan(
        &[
            "--json", "crl", "check", "--crl", &bad_p, "--ca", &ca_p, "abcd",
        ],
        &[],
    );
    assert_eq!(r.code, 10);
    assert_eq!(r.json()["error"]["code"], "crl-bad-signature");
    // Index restricted to a CA that signed nothing there.
    let r = inkan(
        &["crl", "check", "--index", out_s, "--ca", &other_p, "abcd"],
        &[],
    );
    assert_eq!(r.code, 10, "{}", r.stderr);
    // Truncated CRL file: offset reported.
    let trunc_p = write(dir, "trunc.crl", &base[..base.len() / 2]);
    let r = inkan(
        &[
            "--json", "crl", "check", "--crl", &trunc_p, "--ca", &ca_p, "abcd",
        ],
        &[],
    );
    assert_eq!(r.code, 10);
    assert_eq!(r.json()["error"]["code"], "crl-malformed");
    assert!(r.json()["error"]["offset"].is_u64());
    // Bad serial.
    let r = inkan(&["crl", "check", "--index", out_s, "xyz"], &[]);
    assert_eq!(r.code, 2);
}
