//! The ISO/IEC 14443-4 half-duplex block transmission protocol (ISO-DEP), PCD side,
//! as a sans-IO state machine: it is handed received blocks, time-outs and transmission
//! errors and answers with the next block to send and how long to wait for the reply.
//!
//! Blocks here carry no CRC_B (the reader chip adds and checks it), but FSC and FSD
//! count it (ISO/IEC 14443-4 §7.1: "the frame size … includes the prologue field, the
//! information field and the epilogue field").

use crate::typeb::{DELTA_FWT_US, FWT_MAX_US};
use alloc::vec::Vec;
use core::fmt;

/// PCB of an I-block (ISO/IEC 14443-4 §7.1.1.1: "b8–b7 00", "b6 0", "b5 chaining",
/// "b4 CID following", "b3 NAD following", "b2 1", "b1 block number").
pub const PCB_I: u8 = 0x02;
/// PCB of an R-block ("b8–b6 101", "b5 0 ACK / 1 NAK", "b4 CID", "b3 0", "b2 1",
/// "b1 block number").
pub const PCB_R: u8 = 0xA2;
/// PCB of an S-block ("b8–b7 11", "b6–b5 00 DESELECT / 11 WTX", "b4 CID", "b3 0",
/// "b2 1", "b1 0").
pub const PCB_S: u8 = 0xC2;
/// Chaining bit of an I-block (b5).
pub const CHAINING: u8 = 0x10;
/// NAK bit of an R-block (b5).
pub const NAK: u8 = 0x10;
/// CID-following bit (b4).
pub const CID_FOLLOWS: u8 = 0x08;
/// NAD-following bit of an I-block (b3).
pub const NAD_FOLLOWS: u8 = 0x04;
/// S-block kind bits for WTX (b6–b5 = 11).
pub const S_WTX: u8 = 0x30;
/// The largest WTXM (ISO/IEC 14443-4 §7.3: "WTXM … shall be coded in the range from
/// 1 to 59"; "the values 0 and 60 to 63 are RFU").
pub const WTXM_MAX: u8 = 59;
/// Bytes of CRC_B the frame sizes count (the chip adds them).
pub const EDC_LEN: usize = 2;

/// A decoded block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block<'a> {
    /// An I-block.
    I {
        /// Block number (b1).
        bn: u8,
        /// More blocks of the chain follow (b5).
        chaining: bool,
        /// The INF field.
        inf: &'a [u8],
    },
    /// R(ACK).
    Ack {
        /// Block number.
        bn: u8,
    },
    /// R(NAK).
    Nak {
        /// Block number.
        bn: u8,
    },
    /// S(DESELECT).
    Deselect,
    /// S(WTX) with its INF byte (b8–b7 power level, b6–b1 WTXM).
    Wtx {
        /// The INF byte.
        inf: u8,
    },
}

/// A block with its prologue's optional fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed<'a> {
    /// The block.
    pub block: Block<'a>,
    /// The CID, if the CID byte is present (b4–b1 of the CID field, §7.1.1.2).
    pub cid: Option<u8>,
    /// The NAD, if present (§7.1.1.3).
    pub nad: Option<u8>,
}

impl<'a> Parsed<'a> {
    /// Decodes one block (no CRC). `None` for anything not a valid block of
    /// ISO/IEC 14443-4 §7.1 (wrong fixed bits, missing fields, RFU S-blocks).
    pub fn parse(bytes: &'a [u8]) -> Option<Parsed<'a>> {
        let (&pcb, mut rest) = bytes.split_first()?;
        let mut cid = None;
        if pcb & CID_FOLLOWS != 0 {
            let (&c, r) = rest.split_first()?;
            // §7.1.1.2: "b6–b5 … shall be set to (00)b" (b8–b7: power level).
            if c & 0x30 != 0 {
                return None;
            }
            cid = Some(c & 0x0F);
            rest = r;
        }
        let bn = pcb & 0x01;
        let block = if pcb & 0xE2 == PCB_I {
            let mut nad = None;
            if pcb & NAD_FOLLOWS != 0 {
                let (&n, r) = rest.split_first()?;
                nad = Some(n);
                rest = r;
            }
            return Some(Parsed {
                block: Block::I {
                    bn,
                    chaining: pcb & CHAINING != 0,
                    inf: rest,
                },
                cid,
                nad,
            });
        } else if pcb & 0xE6 == PCB_R && rest.is_empty() {
            if pcb & NAK != 0 {
                Block::Nak { bn }
            } else {
                Block::Ack { bn }
            }
        } else if pcb & 0xC7 == PCB_S {
            match (pcb & 0x30, rest) {
                (0x00, []) => Block::Deselect,
                (S_WTX, [inf]) => Block::Wtx { inf: *inf },
                _ => return None,
            }
        } else {
            return None;
        };
        Some(Parsed {
            block,
            cid,
            nad: None,
        })
    }
}

fn prologue(pcb: u8, cid: Option<u8>, cap: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(cap + 2);
    match cid {
        Some(c) => {
            v.push(pcb | CID_FOLLOWS);
            v.push(c & 0x0F);
        }
        None => v.push(pcb),
    }
    v
}

/// Encodes an I-block.
pub fn i_block(bn: u8, chaining: bool, cid: Option<u8>, inf: &[u8]) -> Vec<u8> {
    let pcb = PCB_I | (bn & 1) | if chaining { CHAINING } else { 0 };
    let mut v = prologue(pcb, cid, inf.len());
    v.extend_from_slice(inf);
    v
}

/// Encodes R(ACK) or R(NAK).
pub fn r_block(bn: u8, nak: bool, cid: Option<u8>) -> Vec<u8> {
    prologue(PCB_R | (bn & 1) | if nak { NAK } else { 0 }, cid, 0)
}

/// Encodes S(DESELECT).
pub fn deselect_block(cid: Option<u8>) -> Vec<u8> {
    prologue(PCB_S, cid, 0)
}

/// Encodes S(WTX) with its INF byte.
pub fn wtx_block(inf: u8, cid: Option<u8>) -> Vec<u8> {
    let mut v = prologue(PCB_S | S_WTX, cid, 1);
    v.push(inf);
    v
}

/// Link parameters of one activated PICC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoDepConfig {
    /// FSC: the largest frame the PICC takes (from the ATQB), bytes with CRC.
    pub fsc: usize,
    /// FSD: the largest frame the PCD takes (from FSDI in ATTRIB), bytes with CRC.
    pub fsd: usize,
    /// The CID in use, if any (ISO/IEC 14443-4 §7.1.1.2).
    pub cid: Option<u8>,
    /// FWT from the ATQB, µs.
    pub fwt_us: u64,
    /// Error recoveries in a row before giving up (§7.5.4.2: the PCD "may re-transmit
    /// a block at least twice" — "at least 2" recommended).
    pub max_retries: u8,
    /// S(WTX) requests accepted for one APDU.
    pub max_wtx: u16,
    /// The longest response APDU accepted, bytes.
    pub max_response: usize,
}

impl IsoDepConfig {
    /// Bytes of INF an I-block to the PICC may carry.
    pub fn max_inf_out(&self) -> usize {
        self.fsc
            .max(16)
            .saturating_sub(EDC_LEN + 1 + usize::from(self.cid.is_some()))
    }

    /// The wait for a block, µs: FWT + ΔFWT (§7.2).
    pub fn block_timeout_us(&self) -> u64 {
        self.fwt_us.min(FWT_MAX_US) + DELTA_FWT_US
    }

    /// The wait after a WTX with multiplier `wtxm`: "FWTtemp = FWT × WTXM", no more
    /// than FWTmax (§7.3), plus ΔFWT.
    pub fn wtx_timeout_us(&self, wtxm: u8) -> u64 {
        (self.fwt_us.saturating_mul(u64::from(wtxm))).min(FWT_MAX_US) + DELTA_FWT_US
    }
}

/// What the engine wants done next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this block, then wait at most `timeout_us` for the answer.
    Send {
        /// The block (no CRC).
        block: Vec<u8>,
        /// The frame waiting time for its answer, µs.
        timeout_us: u64,
    },
    /// The exchange is over: the response APDU (empty after DESELECT).
    Done(Vec<u8>),
    /// The exchange failed; the PICC must be activated again before further use.
    Failed(IsoDepError),
}

/// What arrived (or did not) after a block was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rx<'a> {
    /// A frame with a good CRC.
    Block(&'a [u8]),
    /// Nothing within the timeout.
    Timeout,
    /// A frame arrived damaged (CRC, parity, framing error).
    Garbled,
}

/// Why an exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IsoDepError {
    /// No valid block after the allowed retries (§7.5.4.2).
    NoResponse {
        /// Recoveries attempted.
        retries: u8,
        /// Whether the last failure was a time-out (rather than an invalid block).
        timeout: bool,
    },
    /// More S(WTX) requests than allowed for one APDU.
    TooManyWtx {
        /// The limit.
        limit: u16,
    },
    /// The response is longer than allowed.
    ResponseTooLong {
        /// The limit.
        limit: usize,
    },
    /// More blocks than any APDU of this size needs.
    TooManyBlocks,
    /// A new exchange was started while one is running, or after a failure.
    NotReady,
}

impl fmt::Display for IsoDepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IsoDepError::NoResponse { retries, timeout } => write!(
                f,
                "no valid ISO-DEP block from the card after {retries} retries (last: {})",
                if *timeout {
                    "time-out"
                } else {
                    "invalid block"
                }
            ),
            IsoDepError::TooManyWtx { limit } => {
                write!(
                    f,
                    "the card asked for more than {limit} waiting-time extensions"
                )
            }
            IsoDepError::ResponseTooLong { limit } => {
                write!(f, "the card's response exceeds {limit} bytes")
            }
            IsoDepError::TooManyBlocks => write!(f, "too many ISO-DEP blocks for one APDU"),
            IsoDepError::NotReady => write!(f, "the ISO-DEP link is not ready"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for IsoDepError {}

/// Counters of the block protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IsoDepStats {
    /// Blocks sent (every kind).
    pub blocks_sent: u64,
    /// I-blocks sent again after the PICC's R(ACK) showed it had not got them (rule 6).
    pub retransmissions: u64,
    /// R(NAK) or, in PICC chaining, repeated R(ACK) sent for error recovery (rules 4, 5).
    pub recoveries: u64,
    /// S(WTX) requests answered.
    pub wtx: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    /// An I-block with chaining is out; an R(ACK) is due (rule 7).
    Chaining,
    /// The last I-block of the command is out; the response is due.
    Awaiting,
    /// The PICC is chaining; our R(ACK) is out.
    Receiving,
    /// S(DESELECT) is out.
    Deselecting,
    /// A failure: activate the PICC again.
    Broken,
}

/// The PCD side of ISO-DEP for one activated PICC.
#[derive(Debug, Clone)]
pub struct IsoDepHost {
    cfg: IsoDepConfig,
    state: State,
    bn: u8,
    apdu: Vec<u8>,
    pos: usize,
    last_i: Vec<u8>,
    rx: Vec<u8>,
    retries: u8,
    last_timeout: bool,
    wtx: u16,
    steps: u32,
    max_steps: u32,
    stats: IsoDepStats,
}

impl IsoDepHost {
    /// A freshly activated PICC: "the PCD block number shall be initialized to 0"
    /// (ISO/IEC 14443-4 §7.5.3.2, rule 1).
    pub fn new(cfg: IsoDepConfig) -> IsoDepHost {
        IsoDepHost {
            cfg,
            state: State::Idle,
            bn: 0,
            apdu: Vec::new(),
            pos: 0,
            last_i: Vec::new(),
            rx: Vec::new(),
            retries: 0,
            last_timeout: false,
            wtx: 0,
            steps: 0,
            max_steps: 0,
            stats: IsoDepStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> IsoDepConfig {
        self.cfg
    }

    /// The counters.
    pub fn stats(&self) -> IsoDepStats {
        self.stats
    }

    /// Whether a new exchange may start.
    pub fn is_idle(&self) -> bool {
        self.state == State::Idle
    }

    /// Whether the link failed (the PICC must be activated again).
    pub fn is_broken(&self) -> bool {
        self.state == State::Broken
    }

    fn send(&mut self, block: Vec<u8>, timeout_us: u64) -> Step {
        self.stats.blocks_sent += 1;
        Step::Send { block, timeout_us }
    }

    fn fail(&mut self, e: IsoDepError) -> Step {
        self.state = State::Broken;
        self.apdu.clear();
        self.rx.clear();
        Step::Failed(e)
    }

    /// Starts sending a command APDU.
    pub fn begin(&mut self, apdu: &[u8]) -> Step {
        if self.state != State::Idle {
            return Step::Failed(IsoDepError::NotReady);
        }
        self.apdu = apdu.to_vec();
        self.pos = 0;
        self.rx.clear();
        self.retries = 0;
        self.wtx = 0;
        self.steps = 0;
        let out = u32::try_from(apdu.len() / self.cfg.max_inf_out().max(1)).unwrap_or(u32::MAX);
        let inn = u32::try_from(self.cfg.max_response / 8).unwrap_or(u32::MAX);
        let extra = u32::from(self.cfg.max_wtx)
            .saturating_mul(u32::from(self.cfg.max_retries) + 1)
            .saturating_add(16);
        self.max_steps = out
            .saturating_add(inn)
            .saturating_add(extra)
            .saturating_mul(u32::from(self.cfg.max_retries) + 2);
        self.next_i()
    }

    fn next_i(&mut self) -> Step {
        let max = self.cfg.max_inf_out().max(1);
        let rest = self.apdu.get(self.pos..).unwrap_or(&[]);
        let n = rest.len().min(max);
        let chaining = rest.len() > n;
        let chunk = rest.get(..n).unwrap_or(&[]);
        let block = i_block(self.bn, chaining, self.cfg.cid, chunk);
        self.pos += n;
        self.last_i = block.clone();
        self.state = if chaining {
            State::Chaining
        } else {
            State::Awaiting
        };
        let t = self.cfg.block_timeout_us();
        self.send(block, t)
    }

    /// Starts S(DESELECT) (§8: the PICC goes to HALT).
    pub fn deselect(&mut self) -> Step {
        self.state = State::Deselecting;
        self.retries = 0;
        self.steps = 0;
        self.max_steps = u32::from(self.cfg.max_retries) + 4;
        let b = deselect_block(self.cfg.cid);
        let t = self.cfg.block_timeout_us();
        self.send(b, t)
    }

    /// Error recovery (§7.5.4.2). Rule 4: "When an invalid block is received or a FWT
    /// time-out occurs, an R(NAK) block shall be sent (except in the PICC chaining or
    /// S(DESELECT) cases)". Rule 5: "In the case of PICC chaining, when an invalid
    /// block is received or a FWT time-out occurs, an R(ACK) block shall be sent".
    /// Rule 8: an unanswered S(DESELECT) "may be re-transmitted".
    fn recover(&mut self, timeout: bool) -> Step {
        self.last_timeout = timeout;
        if self.retries >= self.cfg.max_retries {
            let e = IsoDepError::NoResponse {
                retries: self.retries,
                timeout,
            };
            return self.fail(e);
        }
        self.retries += 1;
        self.stats.recoveries += 1;
        let t = self.cfg.block_timeout_us();
        let b = match self.state {
            State::Deselecting => deselect_block(self.cfg.cid),
            State::Receiving => r_block(self.bn, false, self.cfg.cid),
            _ => r_block(self.bn, true, self.cfg.cid),
        };
        self.send(b, t)
    }

    /// Feeds what arrived after the last block sent.
    pub fn on_rx(&mut self, rx: Rx<'_>) -> Step {
        if matches!(self.state, State::Idle | State::Broken) {
            return Step::Failed(IsoDepError::NotReady);
        }
        self.steps = self.steps.saturating_add(1);
        if self.steps > self.max_steps {
            return self.fail(IsoDepError::TooManyBlocks);
        }
        let bytes = match rx {
            Rx::Timeout => return self.recover(true),
            Rx::Garbled => return self.recover(false),
            Rx::Block(b) => b,
        };
        // A frame longer than FSD is not a valid block.
        if bytes.len() + EDC_LEN > self.cfg.fsd {
            return self.recover(false);
        }
        let Some(p) = Parsed::parse(bytes) else {
            return self.recover(false);
        };
        // The CID must be ours; without one, none may be present (§7.1.1.2).
        if p.cid != self.cfg.cid {
            return self.recover(false);
        }
        match (self.state, p.block) {
            (State::Deselecting, Block::Deselect) => {
                self.state = State::Idle;
                Step::Done(Vec::new())
            }
            (State::Deselecting, _) => self.recover(false),
            (_, Block::Wtx { inf }) => {
                let wtxm = inf & 0x3F;
                if wtxm == 0 || wtxm > WTXM_MAX {
                    return self.recover(false);
                }
                self.wtx = self.wtx.saturating_add(1);
                if self.wtx > self.cfg.max_wtx {
                    let limit = self.cfg.max_wtx;
                    return self.fail(IsoDepError::TooManyWtx { limit });
                }
                self.stats.wtx += 1;
                self.retries = 0;
                // §7.3: the S(WTX) response carries the same WTXM; FWTtemp applies
                // to the PICC's next block only.
                let t = self.cfg.wtx_timeout_us(wtxm);
                let b = wtx_block(wtxm, self.cfg.cid);
                self.send(b, t)
            }
            (State::Chaining, Block::Ack { bn }) if bn == self.bn => {
                // Rule 2: toggle; rule 7: continue chaining.
                self.bn ^= 1;
                self.retries = 0;
                self.next_i()
            }
            (State::Chaining | State::Awaiting, Block::Ack { .. }) => {
                // Rule 6: "When an R(ACK) block is received, if its block number is not
                // equal to the PCD's current block number, the PCD shall re-transmit
                // the last I-block." The PICC shows it never got it.
                if self.retries >= self.cfg.max_retries {
                    let retries = self.retries;
                    return self.fail(IsoDepError::NoResponse {
                        retries,
                        timeout: self.last_timeout,
                    });
                }
                self.retries += 1;
                self.stats.retransmissions += 1;
                let b = self.last_i.clone();
                let t = self.cfg.block_timeout_us();
                self.send(b, t)
            }
            (State::Awaiting | State::Receiving, Block::I { bn, chaining, inf })
                if bn == self.bn =>
            {
                // Rule 2: "When an I-block … with a block number equal to the current
                // block number is received, the PCD shall toggle the current block
                // number".
                self.bn ^= 1;
                self.retries = 0;
                if self.rx.len() + inf.len() > self.cfg.max_response {
                    let limit = self.cfg.max_response;
                    return self.fail(IsoDepError::ResponseTooLong { limit });
                }
                self.rx.extend_from_slice(inf);
                if chaining {
                    // Rule B: a chained I-block is acknowledged with R(ACK).
                    self.state = State::Receiving;
                    let b = r_block(self.bn, false, self.cfg.cid);
                    let t = self.cfg.block_timeout_us();
                    self.send(b, t)
                } else {
                    self.state = State::Idle;
                    self.apdu.clear();
                    Step::Done(core::mem::take(&mut self.rx))
                }
            }
            _ => self.recover(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn cfg(fsc: usize) -> IsoDepConfig {
        IsoDepConfig {
            fsc,
            fsd: 256,
            cid: None,
            fwt_us: 10_000,
            max_retries: 2,
            max_wtx: 10,
            max_response: 70_000,
        }
    }

    fn sent(s: Step) -> Vec<u8> {
        match s {
            Step::Send { block, .. } => block,
            other => panic!("expected a block, got {other:?}"),
        }
    }

    #[test]
    fn blocks_parse() {
        assert_eq!(
            Parsed::parse(&[0x02, 0x90, 0x00]).unwrap().block,
            Block::I {
                bn: 0,
                chaining: false,
                inf: &[0x90, 0x00]
            }
        );
        assert_eq!(Parsed::parse(&[0xA3]).unwrap().block, Block::Ack { bn: 1 });
        assert_eq!(Parsed::parse(&[0xB2]).unwrap().block, Block::Nak { bn: 0 });
        assert_eq!(Parsed::parse(&[0xC2]).unwrap().block, Block::Deselect);
        let p = Parsed::parse(&[0xFA, 0x01, 0x05]).unwrap();
        assert_eq!((p.block, p.cid), (Block::Wtx { inf: 5 }, Some(1)));
        assert!(Parsed::parse(&[0xD2]).is_none());
        assert!(Parsed::parse(&[0xA2, 0x00]).is_none());
        assert!(Parsed::parse(&[]).is_none());
        assert!(Parsed::parse(&[0x0A]).is_none());
    }

    #[test]
    fn chaining_both_ways() {
        let mut h = IsoDepHost::new(cfg(16));
        // 13 bytes of INF per block at FSC 16.
        let apdu: Vec<u8> = (0..30).collect();
        let b = sent(h.begin(&apdu));
        assert_eq!(b[0], 0x12);
        assert_eq!(b.len(), 14);
        let b = sent(h.on_rx(Rx::Block(&[0xA2])));
        assert_eq!(b[0], 0x13);
        let b = sent(h.on_rx(Rx::Block(&[0xA3])));
        assert_eq!((b[0], b.len()), (0x02, 5));
        let b = sent(h.on_rx(Rx::Block(&[0x12, 1, 2])));
        assert_eq!(b, [0xA3]);
        assert_eq!(
            h.on_rx(Rx::Block(&[0x03, 0x90, 0x00])),
            Step::Done(vec![1, 2, 0x90, 0x00])
        );
    }

    #[test]
    fn recovery_and_wtx() {
        let mut h = IsoDepHost::new(cfg(256));
        sent(h.begin(&[0, 0x20, 0, 0x80, 1, 1]));
        assert_eq!(sent(h.on_rx(Rx::Timeout)), [0xB2]);
        // The PICC never got the I-block: it answers R(ACK) with its own number.
        assert_eq!(sent(h.on_rx(Rx::Block(&[0xA3])))[0], 0x02);
        match h.on_rx(Rx::Block(&[0xF2, 0x03])) {
            Step::Send { block, timeout_us } => {
                assert_eq!(block, [0xF2, 0x03]);
                assert_eq!(timeout_us, 30_000 + DELTA_FWT_US);
            }
            s => panic!("{s:?}"),
        }
        assert_eq!(
            h.on_rx(Rx::Block(&[0x02, 0x90, 0x00])),
            Step::Done(vec![0x90, 0])
        );
        // Three silent rounds: give up.
        sent(h.begin(&[0, 0xB0, 0, 0, 0]));
        assert_eq!(sent(h.on_rx(Rx::Timeout)), [0xB3]);
        assert_eq!(sent(h.on_rx(Rx::Garbled)), [0xB3]);
        assert!(matches!(
            h.on_rx(Rx::Timeout),
            Step::Failed(IsoDepError::NoResponse { retries: 2, .. })
        ));
        assert!(h.is_broken());
        assert_eq!(h.begin(&[0]), Step::Failed(IsoDepError::NotReady));
    }
}
