//! Challenges in Redis, shared by every instance behind a load balancer: issued on one,
//! taken once on any.
//!
//! A challenge is the key `inkan:challenge:ID` holding `EXPIRES_AT:HEX`, set with `NX`
//! (an id is never reused) and a Redis expiry a grace period after its own, so that a
//! late login is told `challenge-expired` rather than `challenge-unknown`. Taking it is
//! one Lua script — atomic in Redis — that reads and deletes the key and leaves the
//! tombstone `inkan:used:ID` for the same time: of two instances taking the same id at
//! once, one gets the bytes and the other `challenge-used`.
//!
//! The client speaks RESP2 (the Redis serialization protocol) over one TCP connection,
//! reopened after an error; every exchange is bounded in time and in reply size.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::Duration;

use crate::challenges::{CHALLENGE_LEN, ChallengeStore, Issued, StoreError, TakeError};

/// How long past its expiry a challenge (or its tombstone) stays in Redis, seconds.
const GRACE: u64 = 600;
/// The largest reply read, bytes.
const MAX_REPLY: usize = 4096;

const TAKE: &str = "local v = redis.call('GET', KEYS[1]) \
if v then redis.call('DEL', KEYS[1]) redis.call('SET', KEYS[2], '1', 'EX', ARGV[1]) return v end \
if redis.call('EXISTS', KEYS[2]) == 1 then return 'used' end \
return false";

/// A reply (RESP2).
#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Simple(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Error(String),
}

/// Challenges in Redis.
pub struct RedisChallenges {
    addr: String,
    db: u32,
    timeout: Duration,
    conn: Mutex<Option<BufReader<TcpStream>>>,
}

impl RedisChallenges {
    /// A store at `url` (`redis://HOST:PORT[/DB]`); connects and PINGs once, so a wrong
    /// address fails here rather than at the first login.
    pub fn connect(url: &str, timeout: Duration) -> Result<Self, String> {
        let rest = url
            .strip_prefix("redis://")
            .ok_or_else(|| format!("{url}: expected redis://HOST:PORT[/DB]"))?;
        let (hostport, db) = match rest.split_once('/') {
            Some((h, d)) if !d.is_empty() => (
                h,
                d.parse()
                    .map_err(|_| format!("{url}: the database is a number"))?,
            ),
            Some((h, _)) => (h, 0),
            None => (rest, 0),
        };
        if hostport.contains('@') {
            return Err(format!("{url}: passwords in the URL are not supported"));
        }
        let addr = if hostport.contains(':') {
            hostport.to_owned()
        } else {
            format!("{hostport}:6379")
        };
        let s = Self {
            addr,
            db,
            timeout,
            conn: Mutex::new(None),
        };
        match s.command(&[b"PING"])? {
            Reply::Simple(p) if p == "PONG" => Ok(s),
            r => Err(format!("{url}: PING answered {r:?}")),
        }
    }

    fn open(&self) -> Result<BufReader<TcpStream>, String> {
        let sock = self
            .addr
            .to_socket_addrs()
            .map_err(|e| format!("redis {}: {e}", self.addr))?
            .next()
            .ok_or_else(|| format!("redis {}: no address", self.addr))?;
        let st = TcpStream::connect_timeout(&sock, self.timeout)
            .map_err(|e| format!("redis {}: {e}", self.addr))?;
        st.set_read_timeout(Some(self.timeout))
            .and_then(|()| st.set_write_timeout(Some(self.timeout)))
            .map_err(|e| e.to_string())?;
        let _ = st.set_nodelay(true);
        let mut c = BufReader::new(st);
        if self.db != 0 {
            let db = self.db.to_string();
            match exchange(&mut c, &[b"SELECT", db.as_bytes()])? {
                Reply::Simple(_) => {}
                r => return Err(format!("redis SELECT {db}: {r:?}")),
            }
        }
        Ok(c)
    }

    /// One command; the connection is reopened once if it had failed.
    fn command(&self, args: &[&[u8]]) -> Result<Reply, String> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        for attempt in 0..2 {
            if guard.is_none() {
                *guard = Some(self.open()?);
            }
            let Some(c) = guard.as_mut() else { continue };
            match exchange(c, args) {
                Ok(r) => return Ok(r),
                Err(e) => {
                    *guard = None;
                    if attempt == 1 {
                        return Err(e);
                    }
                }
            }
        }
        Err("redis: no connection".into())
    }
}

fn exchange(c: &mut BufReader<TcpStream>, args: &[&[u8]]) -> Result<Reply, String> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    c.get_mut()
        .write_all(&out)
        .map_err(|e| format!("redis: {e}"))?;
    read_reply(c)
}

fn read_line(c: &mut impl BufRead) -> Result<String, String> {
    let mut line = Vec::new();
    c.by_ref()
        .take(MAX_REPLY as u64)
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("redis: {e}"))?;
    if !line.ends_with(b"\r\n") {
        return Err("redis: a reply line is cut off or too long".into());
    }
    line.truncate(line.len() - 2);
    String::from_utf8(line).map_err(|_| "redis: a reply line is not UTF-8".into())
}

fn read_reply(c: &mut impl BufRead) -> Result<Reply, String> {
    let line = read_line(c)?;
    let (kind, rest) = line.split_at(line.chars().next().map_or(0, char::len_utf8));
    match kind {
        "+" => Ok(Reply::Simple(rest.to_owned())),
        "-" => Ok(Reply::Error(rest.to_owned())),
        ":" => rest
            .parse()
            .map(Reply::Int)
            .map_err(|_| "redis: a bad integer reply".into()),
        "$" => {
            let n: i64 = rest
                .parse()
                .map_err(|_| "redis: a bad bulk length".to_owned())?;
            if n < 0 {
                return Ok(Reply::Bulk(None));
            }
            let n = usize::try_from(n).map_err(|_| "redis: a bad bulk length".to_owned())?;
            if n > MAX_REPLY {
                return Err("redis: a reply over the size bound".into());
            }
            let mut b = vec![0u8; n + 2];
            c.read_exact(&mut b).map_err(|e| format!("redis: {e}"))?;
            b.truncate(n);
            Ok(Reply::Bulk(Some(b)))
        }
        _ => Err(format!("redis: an unexpected reply {line:?}")),
    }
}

impl ChallengeStore for RedisChallenges {
    fn issue(&self, now: u64, ttl: u64) -> Result<Issued, StoreError> {
        let issued = Issued::fresh(now, ttl)?;
        let key = format!("inkan:challenge:{}", issued.id);
        let value = format!("{}:{}", issued.expires_at, hex::encode(issued.challenge));
        let ex = ttl.saturating_add(GRACE).to_string();
        match self.command(&[
            b"SET",
            key.as_bytes(),
            value.as_bytes(),
            b"EX",
            ex.as_bytes(),
            b"NX",
        ]) {
            Ok(Reply::Simple(ok)) if ok == "OK" => Ok(issued),
            Ok(r) => {
                tracing::warn!(reply = ?r, "redis refused a challenge");
                Err(StoreError::Unavailable)
            }
            Err(e) => {
                tracing::warn!(error = %e, "redis unavailable");
                Err(StoreError::Unavailable)
            }
        }
    }

    fn take(&self, id: &str, now: u64) -> Result<[u8; CHALLENGE_LEN], TakeError> {
        // Ids are 32 hex digits; anything else was never issued.
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(TakeError::Unknown);
        }
        let (key, used) = (format!("inkan:challenge:{id}"), format!("inkan:used:{id}"));
        let ex = GRACE.saturating_mul(2).to_string();
        let r = self
            .command(&[
                b"EVAL",
                TAKE.as_bytes(),
                b"2",
                key.as_bytes(),
                used.as_bytes(),
                ex.as_bytes(),
            ])
            .map_err(|e| {
                tracing::warn!(error = %e, "redis unavailable");
                TakeError::Unavailable
            })?;
        let v = match r {
            Reply::Bulk(Some(v)) if v == b"used" => return Err(TakeError::Used),
            Reply::Bulk(Some(v)) => v,
            Reply::Bulk(None) => return Err(TakeError::Unknown),
            other => {
                tracing::warn!(reply = ?other, "redis: unexpected answer to the take script");
                return Err(TakeError::Unavailable);
            }
        };
        let text = String::from_utf8(v).map_err(|_| TakeError::Unknown)?;
        let (exp, hexc) = text.split_once(':').ok_or(TakeError::Unknown)?;
        let expires_at: u64 = exp.parse().map_err(|_| TakeError::Unknown)?;
        let mut challenge = [0u8; CHALLENGE_LEN];
        hex::decode_to_slice(hexc, &mut challenge).map_err(|_| TakeError::Unknown)?;
        if now > expires_at {
            return Err(TakeError::Expired);
        }
        Ok(challenge)
    }

    fn outstanding(&self, _now: u64) -> Option<usize> {
        None
    }

    fn is_remote(&self) -> bool {
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn replies_parse_and_bad_ones_are_errors() {
        let p = |b: &[u8]| read_reply(&mut std::io::Cursor::new(b.to_vec()));
        assert_eq!(p(b"+OK\r\n"), Ok(Reply::Simple("OK".into())));
        assert_eq!(p(b":42\r\n"), Ok(Reply::Int(42)));
        assert_eq!(p(b"$-1\r\n"), Ok(Reply::Bulk(None)));
        assert_eq!(p(b"$3\r\nabc\r\n"), Ok(Reply::Bulk(Some(b"abc".to_vec()))));
        assert_eq!(p(b"-ERR no\r\n"), Ok(Reply::Error("ERR no".into())));
        assert!(p(b"$3\r\nab").is_err());
        assert!(p(b"$99999999\r\n").is_err());
        assert!(p(b"+OK").is_err());
        assert!(p(b"?what\r\n").is_err());
        assert!(p(&[b'+'; 10000]).is_err());
    }

    #[test]
    fn urls() {
        assert!(RedisChallenges::connect("http://x", Duration::from_secs(1)).is_err());
        assert!(RedisChallenges::connect("redis://:pw@x:1", Duration::from_secs(1)).is_err());
        // Nothing listens on port 1.
        assert!(RedisChallenges::connect("redis://127.0.0.1:1", Duration::from_secs(1)).is_err());
    }
}
