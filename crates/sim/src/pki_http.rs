//! `inkan sim pki serve`: the software PKI's CRLs and roots over HTTP/1.1 (RFC 9110,
//! RFC 9111 conditional requests), so that `inkan crl fetch` and `inkan serve` keep up
//! with a card's life events.
//!
//! `GET` or `HEAD /NAME` answers the file `NAME` of `DIR/pki` when it is a CRL (`.crl`,
//! `application/pkix-crl`, RFC 5280 §4.2.1.13) or a root certificate (`.pem`); `GET /`
//! lists them. Every answer carries `ETag` (SHA-256 of the file's bytes, RFC 9110 §8.8.3)
//! and `Last-Modified` (its modification time, §8.8.2); `If-None-Match` with that tag, or
//! `If-Modified-Since` with that date, gives `304 Not Modified` (§13.1.2, §13.1.3: a
//! date is compared as the client echoes it back). One request per connection; the head
//! is at most 8 KiB and must arrive within 5 seconds. The ledger and the card's files are
//! never served.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::state::PKI_DIR;

/// The longest request head read.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request head.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// One answered request, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// The method.
    pub method: String,
    /// The path asked for.
    pub path: String,
    /// The status sent.
    pub status: u16,
}

/// Serves `dir/pki` on `listener` until `stop` is set (checked between connections);
/// `log` sees every answer.
pub fn serve(
    dir: &Path,
    listener: &TcpListener,
    stop: &AtomicBool,
    log: &mut dyn FnMut(&Served),
) -> std::io::Result<()> {
    let root = dir.join(PKI_DIR);
    for conn in listener.incoming() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let Ok(stream) = conn else { continue };
        if let Some(s) = answer(&root, stream) {
            log(&s);
        }
    }
    Ok(())
}

/// `true` for a name the server gives out: letters, digits, `._-`, ending in `.crl` or
/// `.pem`, not starting with a dot.
fn servable(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && (name.ends_with(".crl") || name.ends_with(".pem"))
}

fn listing(root: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| servable(n))
                .take(10_000)
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut s = names.join("\n");
    s.push('\n');
    s
}

struct Request {
    method: String,
    path: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
}

fn read_head(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.take(MAX_HEAD as u64));
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut req = Request {
        method,
        path,
        if_none_match: None,
        if_modified_since: None,
    };
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let l = line.trim_end();
        if l.is_empty() {
            return Some(req);
        }
        if let Some((k, v)) = l.split_once(':') {
            let v = v.trim().to_owned();
            if k.eq_ignore_ascii_case("if-none-match") {
                req.if_none_match = Some(v);
            } else if k.eq_ignore_ascii_case("if-modified-since") {
                req.if_modified_since = Some(v);
            }
        }
    }
}

fn answer(root: &Path, mut stream: TcpStream) -> Option<Served> {
    stream.set_read_timeout(Some(READ_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(READ_TIMEOUT)).ok()?;
    let Some(req) = read_head(&stream) else {
        let _ = respond(&mut stream, 400, &[], b"bad request\n", true);
        return Some(Served {
            method: String::new(),
            path: String::new(),
            status: 400,
        });
    };
    let head_only = req.method == "HEAD";
    let status = if req.method != "GET" && !head_only {
        let _ = respond(
            &mut stream,
            405,
            &[("Allow", "GET, HEAD".to_owned())],
            b"only GET and HEAD\n",
            head_only,
        );
        405
    } else {
        let name = req.path.split('?').next().unwrap_or_default();
        let name = name.strip_prefix('/').unwrap_or(name);
        if name.is_empty() {
            let body = listing(root);
            let _ = respond(
                &mut stream,
                200,
                &[("Content-Type", "text/plain; charset=utf-8".to_owned())],
                body.as_bytes(),
                head_only,
            );
            200
        } else if !servable(name) {
            let _ = respond(&mut stream, 404, &[], b"not found\n", head_only);
            404
        } else {
            file(root.join(name), &req, &mut stream, head_only)
        }
    };
    Some(Served {
        method: req.method,
        path: req.path,
        status,
    })
}

fn file(path: PathBuf, req: &Request, stream: &mut TcpStream, head_only: bool) -> u16 {
    let (Ok(bytes), Ok(meta)) = (std::fs::read(&path), std::fs::metadata(&path)) else {
        let _ = respond(stream, 404, &[], b"not found\n", head_only);
        return 404;
    };
    let digest = Sha256::digest(&bytes);
    let etag = format!("\"{}\"", hex::encode(digest.get(..16).unwrap_or_default()));
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| http_date(d.as_secs()))
        .unwrap_or_else(|| http_date(now_secs()));
    let headers = [
        ("ETag", etag.clone()),
        ("Last-Modified", modified.clone()),
        ("Cache-Control", "no-cache".to_owned()),
    ];
    // RFC 9110 §13.1.3: If-Modified-Since only counts without If-None-Match.
    let not_modified = match (&req.if_none_match, &req.if_modified_since) {
        (Some(tags), _) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        (None, Some(since)) => *since == modified,
        (None, None) => false,
    };
    if not_modified {
        let _ = respond(stream, 304, &headers, b"", true);
        return 304;
    }
    let kind = if path.extension().is_some_and(|e| e == "crl") {
        "application/pkix-crl"
    } else {
        "application/x-pem-file"
    };
    let mut all = headers.to_vec();
    all.push(("Content-Type", kind.to_owned()));
    let _ = respond(stream, 200, &all, &bytes, head_only);
    200
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if status != 304 {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only && status != 304 {
        stream.write_all(body)?;
    }
    stream.flush()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(unix: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix / 86_400;
    let rem = unix % 86_400;
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS.get((days % 7) as usize).copied().unwrap_or("Thu");
    let month = MONTHS
        .get(usize::from(m.saturating_sub(1)))
        .copied()
        .unwrap_or("Jan");
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(days: u64) -> (u64, u8, u8) {
    // Shifted to start on 0000-03-01, in 400-year eras of 146,097 days.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_rfc_9110_writes_them() {
        // RFC 9110 §5.6.7's example.
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn only_crls_and_roots_are_served() {
        assert!(servable("sign.crl"));
        assert!(servable("sign-root-gen3.pem"));
        for bad in [
            "ledger.json",
            "../state.json",
            ".x.crl",
            "a/b.crl",
            "",
            "k.pem/..",
        ] {
            assert!(!servable(bad), "{bad}");
        }
    }
}
