//! The card side of T=1 (ISO/IEC 7816-3 §11) for the virtual TPDU readers.

use inkan_ccid::Edc;
use inkan_ccid::t1::{Block, BlockError, SKind};

/// What the card does with a received block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardStep {
    /// Send this block back.
    Reply(Vec<u8>),
    /// The command APDU is complete: run it, then call [`T1Card::respond`].
    Execute(Vec<u8>),
}

/// Card-side T=1 state.
#[derive(Debug, Clone)]
pub struct T1Card {
    edc: Edc,
    ifsc: u8,
    ifsd: u8,
    next_ns: bool,
    expected: bool,
    rx: Vec<u8>,
    tx: Vec<u8>,
    tx_off: usize,
    chaining_out: bool,
    last_i: Option<Block>,
    held: Option<Block>,
    held_wtx: u8,
}

impl T1Card {
    /// A card with its IFSC (from its ATR) and EDC; IFSD starts at 32 (§11.4.2).
    pub fn new(ifsc: u8, edc: Edc) -> T1Card {
        T1Card {
            edc,
            ifsc,
            ifsd: 32,
            next_ns: false,
            expected: false,
            rx: Vec::new(),
            tx: Vec::new(),
            tx_off: 0,
            chaining_out: false,
            last_i: None,
            held: None,
            held_wtx: 1,
        }
    }

    /// The IFSD the host announced.
    pub fn ifsd(&self) -> u8 {
        self.ifsd
    }

    fn enc(&self, b: &Block) -> Vec<u8> {
        b.encode(0, self.edc)
    }

    fn r(&self, error: u8) -> CardStep {
        CardStep::Reply(self.enc(&Block::R {
            nr: self.expected,
            error,
        }))
    }

    fn next_chunk(&mut self) -> Block {
        let n = usize::from(self.ifsd.max(1));
        let rest = self.tx.len().saturating_sub(self.tx_off);
        let len = rest.min(n);
        let inf = self
            .tx
            .get(self.tx_off..self.tx_off + len)
            .unwrap_or(&[])
            .to_vec();
        self.tx_off += len;
        let more = rest > n;
        self.chaining_out = more;
        let b = Block::I {
            ns: self.next_ns,
            more,
            inf,
        };
        self.next_ns = !self.next_ns;
        self.last_i = Some(b.clone());
        b
    }

    /// The first block of the response to the executed command. With `wtx = Some(m)` the
    /// card first asks for more time with S(WTX request) and sends the block after the
    /// host's S(WTX response).
    pub fn respond(&mut self, response: Vec<u8>, wtx: Option<u8>) -> Vec<u8> {
        self.tx = response;
        self.tx_off = 0;
        let b = self.next_chunk();
        match wtx {
            Some(m) => {
                self.held = Some(b);
                self.held_wtx = m.max(1);
                self.enc(&Block::S {
                    response: false,
                    kind: SKind::Wtx,
                    inf: vec![m.max(1)],
                })
            }
            None => self.enc(&b),
        }
    }

    /// Processes one block from the host.
    pub fn on_block(&mut self, bytes: &[u8]) -> CardStep {
        let block = match Block::decode(bytes, self.edc) {
            Ok((_, b)) => b,
            Err(BlockError::Edc) => return self.r(1),
            Err(_) => return self.r(2),
        };
        match block {
            Block::I { ns, more, inf } => {
                if ns != self.expected || inf.len() > usize::from(self.ifsc) {
                    return self.r(2);
                }
                self.expected = !self.expected;
                // A new I-block acknowledges our last one.
                self.chaining_out = false;
                self.held = None;
                self.rx.extend_from_slice(&inf);
                if more {
                    self.r(0)
                } else {
                    CardStep::Execute(std::mem::take(&mut self.rx))
                }
            }
            Block::R { nr, .. } => {
                if self.held.is_some() {
                    // Still waiting for the WTX response: repeat the request.
                    return CardStep::Reply(self.enc(&Block::S {
                        response: false,
                        kind: SKind::Wtx,
                        inf: vec![self.held_wtx],
                    }));
                }
                if self.chaining_out && nr == self.next_ns {
                    let b = self.next_chunk();
                    return CardStep::Reply(self.enc(&b));
                }
                match &self.last_i {
                    Some(b @ Block::I { ns, .. }) if *ns == nr => CardStep::Reply(self.enc(b)),
                    _ => self.r(0),
                }
            }
            Block::S {
                response: false,
                kind,
                inf,
            } => match (kind, inf.as_slice()) {
                (SKind::Resynch, _) => {
                    self.next_ns = false;
                    self.expected = false;
                    self.rx.clear();
                    self.tx.clear();
                    self.chaining_out = false;
                    self.last_i = None;
                    self.held = None;
                    CardStep::Reply(self.enc(&Block::S {
                        response: true,
                        kind: SKind::Resynch,
                        inf: Vec::new(),
                    }))
                }
                (SKind::Ifs, [v]) if (1..=254).contains(v) => {
                    self.ifsd = *v;
                    CardStep::Reply(self.enc(&Block::S {
                        response: true,
                        kind: SKind::Ifs,
                        inf: vec![*v],
                    }))
                }
                (SKind::Abort, _) => {
                    self.rx.clear();
                    self.chaining_out = false;
                    CardStep::Reply(self.enc(&Block::S {
                        response: true,
                        kind: SKind::Abort,
                        inf: Vec::new(),
                    }))
                }
                _ => self.r(2),
            },
            Block::S {
                response: true,
                kind: SKind::Wtx,
                ..
            } => match self.held.take() {
                Some(b) => CardStep::Reply(self.enc(&b)),
                None => self.r(2),
            },
            Block::S { response: true, .. } => self.r(2),
        }
    }
}
