//! The virtual-card side of vsmartcard's vpcd protocol, so that `pcscd` sees a reader
//! holding the software card.
//!
//! vsmartcard's `vpcd` is a pcsc-lite reader driver. In its default configuration
//! (`DEVICENAME /dev/null:0x8C7B` in `/etc/reader.conf.d/vpcd`) it listens on TCP port
//! 35963 (and one more port per further slot) and a virtual card connects to it as a
//! client. Every message, in both directions, is a 2-byte big-endian length followed by
//! that many bytes. From the driver:
//!
//! | message | meaning | answer |
//! |---|---|---|
//! | 1 byte `00` | power off | none |
//! | 1 byte `01` | power on | none |
//! | 1 byte `02` | reset | none |
//! | 1 byte `04` | get ATR | the ATR |
//! | 2 or more bytes | a command APDU | the response APDU |
//!
//! The driver asks for the ATR to poll for the card's presence, so a card that stops
//! answering (or closes the connection) is "removed". [`serve`] connects, answers, and
//! when the connection drops (pcscd restarted) connects again with a bounded backoff.

use crate::card::SoftCard;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The port vpcd's first slot listens on.
pub const DEFAULT_PORT: u16 = 35963;

/// A contact ATR seen on My Number Cards (T=1 only).
pub const MY_NUMBER_CARD_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// Control message: power off.
pub const CTRL_OFF: u8 = 0;
/// Control message: power on.
pub const CTRL_ON: u8 = 1;
/// Control message: reset.
pub const CTRL_RESET: u8 = 2;
/// Control message: get the ATR.
pub const CTRL_ATR: u8 = 4;

/// How [`serve`] connects and waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcdOptions {
    /// Host of the pcscd running the vpcd driver.
    pub host: String,
    /// vpcd's port.
    pub port: u16,
    /// The ATR to report.
    pub atr: Vec<u8>,
    /// First wait before reconnecting; it doubles up to `backoff_max`.
    pub backoff_min: Duration,
    /// Longest wait between connection attempts.
    pub backoff_max: Duration,
    /// Give up after being disconnected this long without a successful connection.
    pub give_up_after: Duration,
    /// Longest a single connection attempt may take.
    pub connect_timeout: Duration,
    /// How long a message may take to arrive once its first byte has.
    pub message_timeout: Duration,
    /// How often the stop flag is looked at while idle.
    pub poll: Duration,
}

impl Default for VpcdOptions {
    fn default() -> Self {
        VpcdOptions {
            host: "127.0.0.1".to_owned(),
            port: DEFAULT_PORT,
            atr: MY_NUMBER_CARD_ATR.to_vec(),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(2),
            give_up_after: Duration::from_secs(600),
            connect_timeout: Duration::from_secs(2),
            message_timeout: Duration::from_secs(5),
            poll: Duration::from_millis(200),
        }
    }
}

/// Why [`serve`] stopped with an error.
#[derive(Debug)]
#[non_exhaustive]
pub enum VpcdError {
    /// The host name did not resolve.
    Resolve {
        /// `host:port`.
        target: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// No connection for longer than [`VpcdOptions::give_up_after`].
    GaveUp {
        /// `host:port`.
        target: String,
        /// How long it tried.
        after: Duration,
        /// The last connection error.
        last: String,
    },
}

impl std::fmt::Display for VpcdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VpcdError::Resolve { target, source } => write!(f, "cannot resolve {target}: {source}"),
            VpcdError::GaveUp {
                target,
                after,
                last,
            } => write!(
                f,
                "no vpcd at {target} for {} s (last error: {last}); is pcscd running with vsmartcard-vpcd?",
                after.as_secs()
            ),
        }
    }
}

impl std::error::Error for VpcdError {}

/// What happened, for the caller's log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VpcdEvent {
    /// Connected to vpcd: pcscd now sees the card.
    Connected(SocketAddr),
    /// The connection ended.
    Disconnected(String),
    /// A connection attempt failed; the next one is after the delay.
    Retrying {
        /// The error.
        error: String,
        /// The wait before the next attempt.
        delay: Duration,
    },
    /// A control message.
    Control(&'static str),
    /// A message the protocol does not define (ignored).
    Unknown(Vec<u8>),
}

/// Answers one message from vpcd: `Some(answer)` to send back, or `None`.
pub fn answer(card: &mut SoftCard, atr: &[u8], message: &[u8]) -> (Option<Vec<u8>>, VpcdEvent) {
    match message {
        [CTRL_OFF] => {
            card.power_off();
            (None, VpcdEvent::Control("power off"))
        }
        [CTRL_ON] => (None, VpcdEvent::Control("power on")),
        [CTRL_RESET] => {
            // A reset loses the security status just as a power cycle does.
            card.power_off();
            (None, VpcdEvent::Control("reset"))
        }
        [CTRL_ATR] => (Some(atr.to_vec()), VpcdEvent::Control("atr")),
        [] | [_] => (None, VpcdEvent::Unknown(message.to_vec())),
        apdu => {
            let mut r = card.process(apdu);
            if r.len() > usize::from(u16::MAX) {
                r = vec![0x6F, 0x00];
            }
            (Some(r), VpcdEvent::Control("apdu"))
        }
    }
}

/// Encodes one message: 2-byte big-endian length, then the bytes (at most 65535).
pub fn frame(bytes: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(bytes.len()).ok()?;
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Some(out)
}

/// Connects to vpcd at `opts.host:opts.port` and plays `card` until `stop` is set, or
/// until it has been disconnected for longer than [`VpcdOptions::give_up_after`].
/// Reconnects after every disconnection (pcscd restarted), waiting `backoff_min`
/// doubling up to `backoff_max` between attempts.
pub fn serve(
    card: &mut SoftCard,
    opts: &VpcdOptions,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&VpcdEvent),
) -> Result<(), VpcdError> {
    let target = format!("{}:{}", opts.host, opts.port);
    let addrs: Vec<SocketAddr> = (opts.host.as_str(), opts.port)
        .to_socket_addrs()
        .map_err(|source| VpcdError::Resolve {
            target: target.clone(),
            source,
        })?
        .collect();
    let mut backoff = opts.backoff_min;
    let mut down_since = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        match connect(&addrs, opts.connect_timeout) {
            Ok((stream, peer)) => {
                on_event(&VpcdEvent::Connected(peer));
                let why = session(card, opts, stream, stop, on_event);
                on_event(&VpcdEvent::Disconnected(why));
                backoff = opts.backoff_min;
                down_since = Instant::now();
            }
            Err(last) => {
                if down_since.elapsed() >= opts.give_up_after {
                    return Err(VpcdError::GaveUp {
                        target,
                        after: opts.give_up_after,
                        last,
                    });
                }
                on_event(&VpcdEvent::Retrying {
                    error: last,
                    delay: backoff,
                });
                sleep_unless_stopped(backoff, opts.poll, stop);
                backoff = (backoff * 2).min(opts.backoff_max);
            }
        }
    }
    Ok(())
}

fn connect(addrs: &[SocketAddr], timeout: Duration) -> Result<(TcpStream, SocketAddr), String> {
    let mut last = String::from("no address");
    for a in addrs {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => return Ok((s, *a)),
            Err(e) => last = format!("{a}: {e}"),
        }
    }
    Err(last)
}

fn sleep_unless_stopped(total: Duration, step: Duration, stop: &AtomicBool) {
    let end = Instant::now() + total;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now >= end {
            break;
        }
        std::thread::sleep((end - now).min(step));
    }
}

/// Reading one message.
enum Read2 {
    /// Nothing arrived within the poll interval.
    Idle,
    /// The buffer was filled.
    Done,
}

/// Fills `buf`. With `idle_ok`, returns [`Read2::Idle`] if not a byte arrived within
/// the socket's read timeout; once a byte has arrived the rest must follow within
/// `limit`.
fn read_full(
    stream: &mut TcpStream,
    buf: &mut [u8],
    idle_ok: bool,
    limit: Duration,
) -> Result<Read2, String> {
    let start = Instant::now();
    let mut got = 0;
    while got < buf.len() {
        let Some(rest) = buf.get_mut(got..) else {
            break;
        };
        match stream.read(rest) {
            Ok(0) => return Err("closed by vpcd".to_owned()),
            Ok(n) => got += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if got == 0 && idle_ok {
                    return Ok(Read2::Idle);
                }
                if start.elapsed() >= limit {
                    return Err(format!("message incomplete after {} ms", limit.as_millis()));
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(Read2::Done)
}

/// Asks the kernel to acknowledge received data immediately (Linux `TCP_QUICKACK`,
/// which the kernel clears again by itself, hence one call per read).
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_stream: &TcpStream) {}

/// One connection: answers messages until vpcd closes it, an error, or `stop`.
/// Returns why it ended.
fn session(
    card: &mut SoftCard,
    opts: &VpcdOptions,
    mut stream: TcpStream,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&VpcdEvent),
) -> String {
    let setup = stream
        .set_read_timeout(Some(opts.poll))
        .and_then(|()| stream.set_write_timeout(Some(opts.message_timeout)))
        .and_then(|()| stream.set_nodelay(true));
    if let Err(e) = setup {
        return format!("socket setup: {e}");
    }
    while !stop.load(Ordering::Relaxed) {
        quick_ack(&stream);
        let mut len = [0u8; 2];
        match read_full(&mut stream, &mut len, true, opts.message_timeout) {
            Ok(Read2::Idle) => continue,
            Ok(Read2::Done) => {}
            Err(e) => return e,
        }
        // Older vpcd (0.8, as in Debian 12) sends the length and the body in separate
        // segments with Nagle's algorithm on: the body leaves only once the length is
        // acknowledged, so acknowledge at once instead of after the delayed-ACK timer.
        quick_ack(&stream);
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if let Err(e) = read_full(&mut stream, &mut msg, false, opts.message_timeout) {
            return e;
        }
        let (reply, event) = answer(card, &opts.atr, &msg);
        on_event(&event);
        if let Some(r) = reply.as_deref().and_then(frame)
            && let Err(e) = stream.write_all(&r)
        {
            return format!("write: {e}");
        }
    }
    "stopped".to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use crate::state::InitOptions;
    use std::net::TcpListener;
    use std::sync::Arc;

    fn send(s: &mut TcpStream, bytes: &[u8]) {
        s.write_all(&frame(bytes).unwrap()).unwrap();
    }

    fn recv(s: &mut TcpStream) -> Vec<u8> {
        let mut len = [0u8; 2];
        s.read_exact(&mut len).unwrap();
        let mut b = vec![0u8; usize::from(u16::from_be_bytes(len))];
        s.read_exact(&mut b).unwrap();
        b
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn framing() {
        assert_eq!(frame(&[4]).unwrap(), vec![0, 1, 4]);
        assert_eq!(frame(&[0; 300]).unwrap()[..2], [1, 44]);
        assert!(frame(&vec![0; 65536]).is_none());
    }

    /// A fake vpcd driver: the protocol as pcscd's driver speaks it, then a "pcscd
    /// restart" (the listener closes the connection and accepts again).
    #[test]
    fn protocol_and_reconnect() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = Arc::clone(&stop);
        let server = std::thread::spawn(move || {
            let mut card = SoftCard::generate(&InitOptions::default()).unwrap();
            let opts = VpcdOptions {
                port,
                backoff_min: Duration::from_millis(10),
                backoff_max: Duration::from_millis(50),
                give_up_after: Duration::from_secs(20),
                poll: Duration::from_millis(20),
                ..Default::default()
            };
            let mut events = Vec::new();
            let r = serve(&mut card, &opts, &stop2, &mut |e| events.push(e.clone()));
            (r, events, card)
        });
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        send(&mut s, &[CTRL_ON]);
        send(&mut s, &[CTRL_ATR]);
        assert_eq!(recv(&mut s), MY_NUMBER_CARD_ATR.to_vec());
        // SELECT JPKI AP, then the auth PIN's tries (no try used).
        send(&mut s, &hex("00A4040C0AD392F000260100000001"));
        assert_eq!(recv(&mut s), vec![0x90, 0x00]);
        send(&mut s, &hex("00A4020C020018"));
        assert_eq!(recv(&mut s), vec![0x90, 0x00]);
        send(
            &mut s,
            &hex("0020008004")
                .into_iter()
                .chain(*b"1234")
                .collect::<Vec<_>>(),
        );
        assert_eq!(recv(&mut s), vec![0x90, 0x00]);
        // A power cycle forgets the verified PIN: signing needs it again.
        send(&mut s, &[CTRL_OFF]);
        send(&mut s, &[CTRL_ON]);
        send(&mut s, &hex("00A4040C0AD392F000260100000001"));
        assert_eq!(recv(&mut s), vec![0x90, 0x00]);
        send(&mut s, &hex("00A4020C020017"));
        assert_eq!(recv(&mut s), vec![0x90, 0x00]);
        send(
            &mut s,
            &hex("802A00800401020304 00".replace(' ', "").as_str()),
        );
        assert_eq!(recv(&mut s), vec![0x69, 0x82]);
        // An unknown control byte is ignored; the next ATR request is answered.
        send(&mut s, &[9]);
        send(&mut s, &[CTRL_RESET]);
        send(&mut s, &[CTRL_ATR]);
        assert_eq!(recv(&mut s).len(), MY_NUMBER_CARD_ATR.len());
        // "pcscd restarts": the connection drops, the card comes back.
        drop(s);
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        send(&mut s, &[CTRL_ATR]);
        assert_eq!(recv(&mut s), MY_NUMBER_CARD_ATR.to_vec());
        // Split frames are reassembled.
        let f = frame(&[CTRL_ATR]).unwrap();
        s.write_all(&f[..1]).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        s.write_all(&f[1..]).unwrap();
        assert_eq!(recv(&mut s), MY_NUMBER_CARD_ATR.to_vec());
        stop.store(true, Ordering::Relaxed);
        let (r, events, card) = server.join().unwrap();
        assert!(r.is_ok());
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, VpcdEvent::Connected(_)))
                .count(),
            2
        );
        assert!(events.contains(&VpcdEvent::Unknown(vec![9])));
        assert_eq!(card.log().len(), 6);
    }

    #[test]
    fn gives_up_after_the_limit() {
        // A port nobody listens on.
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut card = SoftCard::generate(&InitOptions::default()).unwrap();
        let opts = VpcdOptions {
            port,
            backoff_min: Duration::from_millis(10),
            backoff_max: Duration::from_millis(40),
            give_up_after: Duration::from_millis(300),
            poll: Duration::from_millis(10),
            ..Default::default()
        };
        let mut retries = 0;
        let stop = AtomicBool::new(false);
        let t = Instant::now();
        let r = serve(&mut card, &opts, &stop, &mut |e| {
            if matches!(e, VpcdEvent::Retrying { .. }) {
                retries += 1;
            }
        });
        assert!(matches!(r, Err(VpcdError::GaveUp { .. })), "{r:?}");
        assert!(retries >= 3);
        assert!(t.elapsed() < Duration::from_secs(5));
    }
}
