//! A record of the APDUs exchanged, safe to print: PIN bytes never appear.

use crate::hex_upper;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Which way an APDU went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Host to card.
    Command,
    /// Card to host.
    Response,
}

/// One traced APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    /// Which way it went.
    pub direction: Direction,
    /// The bytes, with the data field of sensitive commands removed.
    pub bytes: Vec<u8>,
    /// How many data bytes were removed (0 if none).
    pub redacted: usize,
}

impl fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arrow = match self.direction {
            Direction::Command => ">",
            Direction::Response => "<",
        };
        write!(f, "{arrow} {}", hex_upper(&self.bytes))?;
        if self.redacted > 0 {
            write!(f, " [{} secret bytes not shown]", self.redacted)?;
        }
        Ok(())
    }
}

/// A bounded log of APDUs (the oldest entries are dropped past the limit).
///
/// Commands marked [`sensitive`](crate::Command::sensitive) are recorded as
/// their header and Lc only.
#[derive(Debug, Clone)]
pub struct Trace {
    entries: VecDeque<TraceEntry>,
    limit: usize,
}

impl Default for Trace {
    fn default() -> Self {
        Trace::new(4096)
    }
}

impl Trace {
    /// A trace keeping at most `limit` entries.
    pub fn new(limit: usize) -> Self {
        Trace {
            entries: VecDeque::new(),
            limit: limit.max(1),
        }
    }

    fn push(&mut self, e: TraceEntry) {
        if self.entries.len() >= self.limit {
            self.entries.pop_front();
        }
        self.entries.push_back(e);
    }

    /// Records an encoded command. For a sensitive command only the header
    /// and the Lc field are kept: `header_len` is 5 for short encodings and
    /// 7 for extended ones.
    pub fn command(&mut self, encoded: &[u8], sensitive: bool, data_len: usize) {
        if sensitive && data_len > 0 {
            let keep = if encoded.get(4) == Some(&0) && encoded.len() > 5 {
                7
            } else {
                5
            };
            let bytes = encoded.get(..keep).unwrap_or_default().to_vec();
            self.push(TraceEntry {
                direction: Direction::Command,
                bytes,
                redacted: data_len,
            });
        } else {
            self.push(TraceEntry {
                direction: Direction::Command,
                bytes: encoded.to_vec(),
                redacted: 0,
            });
        }
    }

    /// Records a response.
    pub fn response(&mut self, bytes: &[u8]) {
        self.push(TraceEntry {
            direction: Direction::Response,
            bytes: bytes.to_vec(),
            redacted: 0,
        });
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &TraceEntry> {
        self.entries.iter()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The whole trace as text, one APDU per line.
    pub fn to_text(&self) -> String {
        use core::fmt::Write;
        let mut s = String::new();
        for e in &self.entries {
            let _ = writeln!(s, "{e}");
        }
        s
    }
}
