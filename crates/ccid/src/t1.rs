//! The T=1 block transmission protocol (ISO/IEC 7816-3 §11), host side, as a
//! deterministic state machine: it is given a command APDU, then each received block or
//! timeout, and answers with the next block to send or the outcome.
//!
//! "A block consists of a mandatory prologue field (NAD, PCB, LEN), an optional
//! information field (INF, 0 to 254 bytes) and a mandatory epilogue field (EDC)"
//! (§11.3.1).

use crate::atr::Edc;
use alloc::vec::Vec;
use core::fmt;

/// Largest information field: "LEN ... values 00 to FE" (§11.3.2.3).
pub const MAX_INF: usize = 254;

/// The three kinds of blocks (§11.3.2.2, PCB coding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// I-block (PCB b8 = 0): "b7 send-sequence number N(S), b6 more-data bit M".
    I {
        /// N(S).
        ns: bool,
        /// M: chaining in progress.
        more: bool,
        /// INF.
        inf: Vec<u8>,
    },
    /// R-block (PCB 10xxxxxx): "b5 N(R); b4–b1: 0000 error-free, 0001 EDC and/or parity
    /// error, 0010 other errors".
    R {
        /// N(R): the N(S) of the next expected I-block.
        nr: bool,
        /// Error code (low nibble: 0, 1 or 2).
        error: u8,
    },
    /// S-block (PCB 11xxxxxx): "b6 = 0 request, 1 response; b5–b1 0 RESYNCH, 1 IFS,
    /// 2 ABORT, 3 WTX".
    S {
        /// Whether this is a response.
        response: bool,
        /// The S-block function.
        kind: SKind,
        /// INF (1 byte for IFS and WTX).
        inf: Vec<u8>,
    },
}

/// S-block functions (§11.3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SKind {
    /// RESYNCH (0).
    Resynch,
    /// IFS (1): INF carries the new IFS.
    Ifs,
    /// ABORT (2).
    Abort,
    /// WTX (3): INF carries the multiplier.
    Wtx,
    /// Any other code (4 is the obsolete VPP error).
    Other(u8),
}

impl SKind {
    fn code(self) -> u8 {
        match self {
            SKind::Resynch => 0,
            SKind::Ifs => 1,
            SKind::Abort => 2,
            SKind::Wtx => 3,
            SKind::Other(c) => c & 0x1F,
        }
    }
    fn from_code(c: u8) -> SKind {
        match c {
            0 => SKind::Resynch,
            1 => SKind::Ifs,
            2 => SKind::Abort,
            3 => SKind::Wtx,
            other => SKind::Other(other),
        }
    }
}

/// Why bytes are not a valid block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockError {
    /// Shorter than prologue plus epilogue.
    TooShort(usize),
    /// LEN disagrees with the bytes received, or is FF (§11.3.2.3: "FF is reserved").
    BadLength,
    /// The EDC does not match (§11.4.5).
    Edc,
    /// PCB codes something undefined (an R-block with bits 6..1 other than N(R) and 0/1/2).
    BadPcb(u8),
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockError::TooShort(n) => write!(f, "T=1 block of {n} bytes is too short"),
            BlockError::BadLength => write!(f, "T=1 block LEN does not match"),
            BlockError::Edc => write!(f, "T=1 block EDC mismatch"),
            BlockError::BadPcb(p) => write!(f, "T=1 block PCB {p:#04X} is undefined"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BlockError {}

/// LRC: "the exclusive-oring of all the bytes of the block" before it (§11.4.5).
pub fn lrc(data: &[u8]) -> u8 {
    data.iter().fold(0, |a, b| a ^ b)
}

/// CRC of §11.4.5 ("as specified in ISO/IEC 13239"): polynomial x¹⁶+x¹²+x⁵+1, bit
/// reflected, initial value FFFF; sent most significant byte first.
pub fn crc(data: &[u8]) -> u16 {
    let mut c: u16 = 0xFFFF;
    for b in data {
        c ^= u16::from(*b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x8408
            } else {
                c >> 1
            };
        }
    }
    c
}

impl Block {
    /// The PCB byte.
    pub fn pcb(&self) -> u8 {
        match self {
            Block::I { ns, more, .. } => (u8::from(*ns) << 6) | (u8::from(*more) << 5),
            Block::R { nr, error } => 0x80 | (u8::from(*nr) << 4) | (error & 0x0F),
            Block::S { response, kind, .. } => 0xC0 | (u8::from(*response) << 5) | kind.code(),
        }
    }

    /// The information field.
    pub fn inf(&self) -> &[u8] {
        match self {
            Block::I { inf, .. } | Block::S { inf, .. } => inf,
            Block::R { .. } => &[],
        }
    }

    /// Encodes NAD, PCB, LEN, INF, EDC.
    pub fn encode(&self, nad: u8, edc: Edc) -> Vec<u8> {
        let inf = self.inf();
        let len = u8::try_from(inf.len().min(MAX_INF)).unwrap_or(0);
        let mut v = Vec::with_capacity(inf.len() + 5);
        v.push(nad);
        v.push(self.pcb());
        v.push(len);
        v.extend_from_slice(inf.get(..usize::from(len)).unwrap_or(inf));
        match edc {
            Edc::Lrc => v.push(lrc(&v)),
            Edc::Crc => {
                let c = crc(&v);
                v.extend_from_slice(&c.to_be_bytes());
            }
        }
        v
    }

    /// Decodes and checks one block; returns (NAD, block).
    pub fn decode(bytes: &[u8], edc: Edc) -> Result<(u8, Block), BlockError> {
        let edc_len = match edc {
            Edc::Lrc => 1,
            Edc::Crc => 2,
        };
        if bytes.len() < 3 + edc_len {
            return Err(BlockError::TooShort(bytes.len()));
        }
        let (body, check) = bytes.split_at(bytes.len() - edc_len);
        let ok = match edc {
            Edc::Lrc => check == [lrc(body)],
            Edc::Crc => check == crc(body).to_be_bytes(),
        };
        let [nad, pcb, len, inf @ ..] = body else {
            return Err(BlockError::TooShort(bytes.len()));
        };
        if *len == 0xFF || usize::from(*len) != inf.len() {
            return Err(BlockError::BadLength);
        }
        if !ok {
            return Err(BlockError::Edc);
        }
        let pcb = *pcb;
        let block = if pcb & 0x80 == 0 {
            Block::I {
                ns: pcb & 0x40 != 0,
                more: pcb & 0x20 != 0,
                inf: inf.to_vec(),
            }
        } else if pcb & 0x40 == 0 {
            if pcb & 0x20 != 0 || pcb & 0x0F > 2 || !inf.is_empty() {
                return Err(BlockError::BadPcb(pcb));
            }
            Block::R {
                nr: pcb & 0x10 != 0,
                error: pcb & 0x0F,
            }
        } else {
            Block::S {
                response: pcb & 0x20 != 0,
                kind: SKind::from_code(pcb & 0x1F),
                inf: inf.to_vec(),
            }
        };
        Ok((*nad, block))
    }
}

/// Why a T=1 exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum T1Error {
    /// Retransmissions and resynchronisation failed (§11.6.3.2, rules 6 and 7): "the
    /// interface device ... shall perform a deactivation" — the card must be reset.
    Unrecoverable,
    /// The card sent S(ABORT request) (§11.6.3.1, rule 9).
    Aborted,
    /// The exchange was resynchronised after the card may already have received the
    /// whole command; it is not sent again because it may not be repeatable (a VERIFY
    /// must never reach the card twice).
    NotRepeated,
    /// Too many blocks or WTX requests for one exchange (a bound against a looping card).
    TooManyBlocks,
    /// The card's IFS request or WTX carried an invalid value.
    BadSBlock,
    /// The exchange was given an empty APDU.
    EmptyCommand,
}

impl fmt::Display for T1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            T1Error::Unrecoverable => {
                write!(f, "T=1 error recovery failed; the card must be reset")
            }
            T1Error::Aborted => write!(f, "the card aborted the T=1 chain"),
            T1Error::NotRepeated => write!(
                f,
                "T=1 resynchronised after the command may have reached the card; not repeated"
            ),
            T1Error::TooManyBlocks => write!(f, "too many T=1 blocks for one exchange"),
            T1Error::BadSBlock => write!(f, "invalid S-block from the card"),
            T1Error::EmptyCommand => write!(f, "empty command"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for T1Error {}

/// Parameters of the T=1 link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T1Config {
    /// IFSC: the card's maximum information field (ATR, default 32).
    pub ifsc: u8,
    /// IFSD: the host's maximum information field (default 32, §11.4.2).
    pub ifsd: u8,
    /// EDC kind.
    pub edc: Edc,
    /// NAD to send (0: no addressing).
    pub nad: u8,
    /// Attempts per block before resynchronisation (ISO/IEC 7816-3 §11.6.3.2 leaves it
    /// to the implementation; libccid and this engine use 3).
    pub max_retries: u8,
    /// RESYNCH attempts before giving up (3).
    pub max_resynch: u8,
}

impl Default for T1Config {
    fn default() -> Self {
        T1Config {
            ifsc: 32,
            ifsd: 32,
            edc: Edc::Lrc,
            nad: 0,
            max_retries: 3,
            max_resynch: 3,
        }
    }
}

/// What the engine wants next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send these block bytes and wait for the card's block. `wtx` is the waiting-time
    /// multiplier the card asked for (1 normally): the wait is `wtx × BWT`.
    Send {
        /// The encoded block.
        block: Vec<u8>,
        /// WTX multiplier for this wait.
        wtx: u8,
    },
    /// The exchange finished: the response APDU (or IFS negotiation result, empty).
    Done(Vec<u8>),
    /// The exchange failed.
    Failed(T1Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    /// Our chained I-block (M = 1) is out; waiting for R(N(S)+1).
    SendingChain,
    /// Our last I-block is out; waiting for the card's I-block.
    AwaitResponse,
    /// The card is chaining; we acknowledged with an R-block.
    Receiving,
    /// We sent S(IFS request) and wait for S(IFS response).
    IfsRequest,
    /// We sent S(RESYNCH request).
    Resynch,
}

/// The host (interface device) side of T=1.
#[derive(Debug, Clone)]
pub struct T1Host {
    cfg: T1Config,
    ns: bool,
    nr: bool,
    phase: Phase,
    before_resynch: Phase,
    tx: Vec<u8>,
    tx_off: usize,
    tx_len: usize,
    final_sent: bool,
    repeatable: bool,
    rx: Vec<u8>,
    last_sent: Block,
    last_i: Option<Block>,
    errors: u8,
    resynchs: u8,
    steps: u32,
    max_steps: u32,
    ifsd_request: u8,
    needs_resynch: bool,
}

/// Highest number of blocks the engine accepts per exchange beyond what the APDU sizes
/// need (a bound against a card that never stops sending WTX or chaining).
const STEP_SLACK: u32 = 64;

impl T1Host {
    /// A new engine; sequence numbers start at 0 (§11.6.2.1).
    pub fn new(cfg: T1Config) -> T1Host {
        T1Host {
            cfg,
            ns: false,
            nr: false,
            phase: Phase::Idle,
            before_resynch: Phase::Idle,
            tx: Vec::new(),
            tx_off: 0,
            tx_len: 0,
            final_sent: false,
            repeatable: true,
            rx: Vec::new(),
            last_sent: Block::R {
                nr: false,
                error: 0,
            },
            last_i: None,
            errors: 0,
            resynchs: 0,
            steps: 0,
            max_steps: STEP_SLACK,
            ifsd_request: 0,
            needs_resynch: false,
        }
    }

    /// The link parameters in force (IFSC changes when the card sends S(IFS request)).
    pub fn config(&self) -> T1Config {
        self.cfg
    }

    /// Marks the link as out of step (after a failed exchange): the next exchange starts
    /// with S(RESYNCH request) before sending anything of its command.
    pub fn mark_out_of_step(&mut self) {
        self.needs_resynch = true;
        self.phase = Phase::Idle;
    }

    fn send(&mut self, b: Block, wtx: u8) -> Step {
        let bytes = b.encode(self.cfg.nad, self.cfg.edc);
        if matches!(b, Block::I { .. }) {
            self.last_i = Some(b.clone());
        }
        self.last_sent = b;
        Step::Send { block: bytes, wtx }
    }

    fn fail(&mut self, e: T1Error) -> Step {
        self.phase = Phase::Idle;
        self.needs_resynch = true;
        Step::Failed(e)
    }

    /// Sends S(IFS request) with `ifsd` ("the interface device ... sends S(IFS request)
    /// to indicate a new IFSD", §11.4.2).
    pub fn negotiate_ifsd(&mut self, ifsd: u8) -> Step {
        let ifsd = ifsd.clamp(1, 254);
        self.ifsd_request = ifsd;
        self.begin_common(2);
        self.phase = Phase::IfsRequest;
        self.send(
            Block::S {
                response: false,
                kind: SKind::Ifs,
                inf: alloc::vec![ifsd],
            },
            1,
        )
    }

    fn begin_common(&mut self, blocks: u32) {
        self.errors = 0;
        self.resynchs = 0;
        self.steps = 0;
        self.max_steps = blocks.saturating_add(STEP_SLACK);
        self.rx.clear();
        self.final_sent = false;
    }

    /// Starts sending `apdu`. `repeatable` says whether the command may be sent again
    /// after a resynchronisation (SELECT, READ BINARY: yes; VERIFY, CHANGE, SIGN: no).
    pub fn begin(&mut self, apdu: &[u8], repeatable: bool) -> Step {
        if apdu.is_empty() {
            return Step::Failed(T1Error::EmptyCommand);
        }
        let ifsc = usize::from(self.cfg.ifsc.max(1));
        let ifsd = usize::from(self.cfg.ifsd.max(1));
        let blocks = apdu.len() / ifsc + 65_536 / ifsd + 2;
        self.begin_common(u32::try_from(blocks).unwrap_or(u32::MAX));
        self.tx = apdu.to_vec();
        self.repeatable = repeatable;
        self.tx_off = 0;
        if self.needs_resynch {
            self.before_resynch = Phase::Idle;
            self.phase = Phase::Resynch;
            return self.send(
                Block::S {
                    response: false,
                    kind: SKind::Resynch,
                    inf: Vec::new(),
                },
                1,
            );
        }
        self.send_chunk()
    }

    fn send_chunk(&mut self) -> Step {
        let ifsc = usize::from(self.cfg.ifsc.max(1));
        let rest = self.tx.len().saturating_sub(self.tx_off);
        self.tx_len = rest.min(ifsc);
        let more = rest > ifsc;
        let inf = self
            .tx
            .get(self.tx_off..self.tx_off + self.tx_len)
            .unwrap_or(&[])
            .to_vec();
        self.phase = if more {
            Phase::SendingChain
        } else {
            self.final_sent = true;
            Phase::AwaitResponse
        };
        let ns = self.ns;
        self.send(Block::I { ns, more, inf }, 1)
    }

    /// Feeds the bytes of one block received from the card.
    pub fn on_block(&mut self, bytes: &[u8]) -> Step {
        if let Some(s) = self.count_step() {
            return s;
        }
        match Block::decode(bytes, self.cfg.edc) {
            Ok((_, b)) => self.on_valid(b),
            Err(BlockError::Edc) => self.on_error(1),
            Err(_) => self.on_error(2),
        }
    }

    /// Reports that no block arrived within the block waiting time (the reader's
    /// ICC_MUTE): "BWT ... exceeded" is an error handled like an invalid block (§11.6.3.2,
    /// rule 7.4 … rule 7.5 in the annex).
    pub fn on_timeout(&mut self) -> Step {
        if let Some(s) = self.count_step() {
            return s;
        }
        self.on_error(2)
    }

    fn count_step(&mut self) -> Option<Step> {
        self.steps = self.steps.saturating_add(1);
        (self.steps > self.max_steps).then(|| self.fail(T1Error::TooManyBlocks))
    }

    /// Rule 7.1/7.2 of §11.6.3.2: on an error, send an R-block asking for the expected
    /// block, or repeat our own block; after `max_retries`, resynchronise (rule 6.3).
    fn on_error(&mut self, code: u8) -> Step {
        if self.phase == Phase::Idle {
            return self.fail(T1Error::Unrecoverable);
        }
        self.errors = self.errors.saturating_add(1);
        if self.errors > self.cfg.max_retries {
            return self.resynch();
        }
        match self.phase {
            // S-block requests are repeated as they are.
            Phase::Resynch | Phase::IfsRequest => {
                let b = self.last_sent.clone();
                self.send(b, 1)
            }
            _ => {
                let nr = self.nr;
                self.send(Block::R { nr, error: code }, 1)
            }
        }
    }

    fn resynch(&mut self) -> Step {
        self.resynchs = self.resynchs.saturating_add(1);
        if self.resynchs > self.cfg.max_resynch {
            return self.fail(T1Error::Unrecoverable);
        }
        self.errors = 0;
        if self.phase != Phase::Resynch {
            self.before_resynch = self.phase;
        }
        self.phase = Phase::Resynch;
        self.send(
            Block::S {
                response: false,
                kind: SKind::Resynch,
                inf: Vec::new(),
            },
            1,
        )
    }

    fn retransmit_i(&mut self) -> Step {
        match self.last_i.clone() {
            Some(b) => {
                self.errors = self.errors.saturating_add(1);
                if self.errors > self.cfg.max_retries {
                    return self.resynch();
                }
                self.send(b, 1)
            }
            None => self.on_error(2),
        }
    }

    fn on_valid(&mut self, b: Block) -> Step {
        match b {
            Block::S {
                response: false,
                kind,
                inf,
            } => self.on_s_request(kind, inf),
            Block::S {
                response: true,
                kind,
                inf,
            } => self.on_s_response(kind, &inf),
            Block::R { nr, .. } => self.on_r(nr),
            Block::I { ns, more, inf } => self.on_i(ns, more, inf),
        }
    }

    fn on_s_request(&mut self, kind: SKind, inf: Vec<u8>) -> Step {
        match kind {
            // "S(WTX request) ... the interface device shall acknowledge by S(WTX
            // response) with the same INF"; the next BWT is multiplied by it (§11.6.2.3).
            SKind::Wtx => match inf.as_slice() {
                [m] if *m > 0 => {
                    let m = *m;
                    self.send(
                        Block::S {
                            response: true,
                            kind: SKind::Wtx,
                            inf,
                        },
                        m,
                    )
                }
                _ => self.on_error(2),
            },
            // "S(IFS request) ... INF: new IFSC" 1..=254 (§11.4.2).
            SKind::Ifs => match inf.as_slice() {
                [v] if (1..=254).contains(v) => {
                    self.cfg.ifsc = *v;
                    self.send(
                        Block::S {
                            response: true,
                            kind: SKind::Ifs,
                            inf,
                        },
                        1,
                    )
                }
                _ => self.on_error(2),
            },
            // "S(ABORT request)": the card gives up the chain (§11.6.2.3). The exchange
            // fails; the next one starts with RESYNCH so both sides are in step again.
            SKind::Abort => self.fail(T1Error::Aborted),
            // The card may not request RESYNCH (only the interface device may, §11.6.3.1).
            SKind::Resynch | SKind::Other(_) => self.on_error(2),
        }
    }

    fn on_s_response(&mut self, kind: SKind, inf: &[u8]) -> Step {
        match (self.phase, kind) {
            (Phase::Resynch, SKind::Resynch) => {
                // "RESYNCH ... resets the send-sequence numbers to 0, IFSC and IFSD to
                // their default values" — the ATR values are restored by the caller.
                self.ns = false;
                self.nr = false;
                self.errors = 0;
                self.needs_resynch = false;
                self.rx.clear();
                if self.before_resynch == Phase::IfsRequest {
                    let ifsd = self.ifsd_request;
                    self.phase = Phase::IfsRequest;
                    return self.send(
                        Block::S {
                            response: false,
                            kind: SKind::Ifs,
                            inf: alloc::vec![ifsd],
                        },
                        1,
                    );
                }
                if self.final_sent && !self.repeatable {
                    return self.fail(T1Error::NotRepeated);
                }
                self.tx_off = 0;
                self.final_sent = false;
                self.send_chunk()
            }
            (Phase::IfsRequest, SKind::Ifs) if inf == [self.ifsd_request] => {
                self.cfg.ifsd = self.ifsd_request;
                self.phase = Phase::Idle;
                Step::Done(Vec::new())
            }
            _ => self.on_error(2),
        }
    }

    fn on_r(&mut self, nr: bool) -> Step {
        match self.phase {
            Phase::SendingChain => {
                if nr != self.ns {
                    // Acknowledgement of our chained block (rule 2.2).
                    self.ns = !self.ns;
                    self.errors = 0;
                    self.tx_off += self.tx_len;
                    self.send_chunk()
                } else {
                    // The card asks for our block again (rule 7.1 / 7.2).
                    self.retransmit_i()
                }
            }
            Phase::AwaitResponse => {
                if nr == self.ns {
                    self.retransmit_i()
                } else {
                    self.on_error(2)
                }
            }
            Phase::Receiving => {
                // The card did not get our acknowledgement: repeat it (rule 7.3).
                self.errors = self.errors.saturating_add(1);
                if self.errors > self.cfg.max_retries {
                    return self.resynch();
                }
                let b = self.last_sent.clone();
                self.send(b, 1)
            }
            Phase::IfsRequest | Phase::Resynch | Phase::Idle => self.on_error(2),
        }
    }

    fn on_i(&mut self, ns: bool, more: bool, inf: Vec<u8>) -> Step {
        match self.phase {
            Phase::AwaitResponse | Phase::Receiving => {
                if ns != self.nr {
                    return self.on_error(2);
                }
                if self.phase == Phase::AwaitResponse {
                    // The card's I-block acknowledges our last I-block.
                    self.ns = !self.ns;
                }
                self.nr = !self.nr;
                self.errors = 0;
                self.rx.extend_from_slice(&inf);
                if more {
                    self.phase = Phase::Receiving;
                    let nr = self.nr;
                    self.send(Block::R { nr, error: 0 }, 1)
                } else {
                    self.phase = Phase::Idle;
                    Step::Done(core::mem::take(&mut self.rx))
                }
            }
            _ => self.on_error(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn block_codec() {
        let b = Block::I {
            ns: true,
            more: false,
            inf: vec![0, 0xB0, 0, 0, 0],
        };
        let e = b.encode(0, Edc::Lrc);
        assert_eq!(e, [0, 0x40, 5, 0, 0xB0, 0, 0, 0, 0xF5]);
        assert_eq!(Block::decode(&e, Edc::Lrc).unwrap().1, b);
        let c = b.encode(0, Edc::Crc);
        assert_eq!(Block::decode(&c, Edc::Crc).unwrap().1, b);
        assert_eq!(Block::decode(&c, Edc::Lrc), Err(BlockError::BadLength));
        let mut bad = e.clone();
        bad[4] ^= 1;
        assert_eq!(Block::decode(&bad, Edc::Lrc), Err(BlockError::Edc));
        assert_eq!(Block::R { nr: true, error: 1 }.pcb(), 0x91);
        assert_eq!(
            Block::S {
                response: true,
                kind: SKind::Wtx,
                inf: vec![2]
            }
            .pcb(),
            0xE3
        );
        assert_eq!(
            Block::decode(&[0, 0xA0, 0, 0xA0], Edc::Lrc),
            Err(BlockError::BadPcb(0xA0))
        );
    }

    #[test]
    fn crc_check_value() {
        // CRC-16/IBM-SDLC family with final xor 0 of "123456789" (X.25 without xorout).
        assert_eq!(crc(b"123456789"), !0x906E);
    }
}
