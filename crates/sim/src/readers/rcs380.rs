//! A virtual Sony PaSoRi RC-S380 (054C:06C1 / 054C:06C3) with the [`SoftCard`] lying on
//! it as a contactless ISO/IEC 14443 Type B card.
//!
//! The reader speaks Port-100 over a [`UsbPipe`]: every well-formed command frame is
//! acknowledged, then answered (nfcpy's `rcs380.py` command set). InCommRF frames go
//! over a modelled RF link at 106 kbit/s to the card, which runs ISO/IEC 14443-3 Type B
//! activation (REQB/WUPB → ATQB, ATTRIB) and the PICC side of ISO/IEC 14443-4
//! (block rules 9–13 of §7.5.3, chaining both ways, S(WTX) while it computes,
//! S(DESELECT)). Time is simulated: USB transfers, RF frames ("1 etu = 128/fc",
//! ISO/IEC 14443-2 §9.1), turnaround and card processing advance a clock. Seeded faults
//! lose frames, damage them, add WTX requests, take the card away or drop the field.

use super::faults::Rng;
use super::{FaultConfig, USB_TRANSFER_US, is_pin_verify, processing_us};
use crate::SoftCard;
use inkan_ccid::{PipeError, UsbPipe};
use inkan_pasori::frame::{self, Frame};
use inkan_pasori::isodep::{self, Block, Parsed};
use inkan_pasori::port100::{self, CommStatus, Command, code};
use inkan_pasori::typeb::{self, Atqb};
use std::collections::VecDeque;

/// Entries kept in the RF log.
const RF_LOG_CAP: usize = 100_000;

/// One injected RF fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RfFault {
    /// The host's frame never reaches the card.
    LostToCard,
    /// The card's answer is lost.
    LostFromCard,
    /// The host's frame reaches the card damaged: its CRC_B fails and the card stays
    /// silent (ISO/IEC 14443-4 §7.5.4: the PICC ignores invalid frames).
    CrcToCard,
    /// The card's answer reaches the reader damaged: CRC_ERROR.
    CrcFromCard,
    /// The card asks for a waiting-time extension before answering.
    CardWtx,
    /// The card is taken off the reader.
    CardAway,
    /// The RF field drops (the card loses power): RF_OFF_ERROR.
    FieldLost,
}

/// How many RF faults of each kind were injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RfFaultCounts {
    /// Every fault.
    pub total: u64,
    /// Lost frames (either direction).
    pub lost: u64,
    /// Damaged frames (either direction).
    pub crc: u64,
    /// Extra WTX requests.
    pub wtx: u64,
    /// Card taken away.
    pub card_away: u64,
    /// Field dropped.
    pub field_lost: u64,
}

impl RfFaultCounts {
    fn count(&mut self, f: RfFault) {
        self.total += 1;
        match f {
            RfFault::LostToCard | RfFault::LostFromCard => self.lost += 1,
            RfFault::CrcToCard | RfFault::CrcFromCard => self.crc += 1,
            RfFault::CardWtx => self.wtx += 1,
            RfFault::CardAway => self.card_away += 1,
            RfFault::FieldLost => self.field_lost += 1,
        }
    }
}

fn pick(cfg: &FaultConfig, rng: &mut Rng) -> Option<RfFault> {
    if rng.unit() >= cfg.rate {
        return None;
    }
    if cfg.terminal && rng.below(40) == 0 {
        return Some(if rng.below(2) == 0 {
            RfFault::CardAway
        } else {
            RfFault::FieldLost
        });
    }
    const LIST: [RfFault; 5] = [
        RfFault::LostToCard,
        RfFault::LostFromCard,
        RfFault::CrcToCard,
        RfFault::CrcFromCard,
        RfFault::CardWtx,
    ];
    let i = usize::try_from(rng.below(LIST.len() as u64)).unwrap_or(0);
    LIST.get(i).copied()
}

/// The card's contactless parameters (its ATQB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactlessCard {
    /// PUPI.
    pub pupi: [u8; 4],
    /// FSCI: the largest frame the card takes (8: 256 bytes).
    pub fsci: u8,
    /// FWI: its frame waiting time (8: about 77 ms).
    pub fwi: u8,
    /// Whether it takes a CID.
    pub cid_supported: bool,
}

impl Default for ContactlessCard {
    fn default() -> Self {
        ContactlessCard {
            pupi: [0x4D, 0x4E, 0x43, 0x31],
            fsci: 8,
            fwi: 8,
            cid_supported: true,
        }
    }
}

impl ContactlessCard {
    /// The ATQB: ISO/IEC 14443-4 compliant, 106 kbit/s only, no NAD.
    pub fn atqb(&self) -> Atqb {
        Atqb {
            pupi: self.pupi,
            app_data: [0; 4],
            bit_rates: 0,
            fsci: self.fsci,
            protocol_type: 1,
            fwi: self.fwi,
            adc: 0,
            fo: u8::from(self.cid_supported),
            sfgi: None,
        }
    }
}

/// One RF exchange as the reader saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RfExchange {
    /// The frame the host sent (no CRC).
    pub to_card: Vec<u8>,
    /// The card's answer, if it answered (even if it was then lost or damaged).
    pub from_card: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Picc {
    Off,
    Idle,
    Ready,
    Active,
    Halt,
}

/// What the card does with a frame: answer after `delay_us` of work, or stay silent.
struct CardOut {
    answer: Option<Vec<u8>>,
    delay_us: u64,
}

impl CardOut {
    fn silent() -> CardOut {
        CardOut {
            answer: None,
            delay_us: 0,
        }
    }
    fn now(b: Vec<u8>) -> CardOut {
        CardOut {
            answer: Some(b),
            delay_us: 0,
        }
    }
}

struct Pending {
    ready_at: u64,
    bytes: Vec<u8>,
}

/// A virtual RC-S380 with a software card on it.
pub struct VirtualRcS380 {
    product_id: u16,
    params: ContactlessCard,
    card: SoftCard,
    card_present: bool,
    unplugged: bool,
    command_type: u8,
    rf_settings: Option<[u8; 4]>,
    field_on: bool,
    picc: Picc,
    cid: Option<u8>,
    reply_cid: Option<u8>,
    fsd: usize,
    bn: u8,
    last_block: Vec<u8>,
    rx_chain: Vec<u8>,
    tx_rest: Vec<u8>,
    work_left_us: u64,
    response_ready: Option<Vec<u8>>,
    extra_wtx: bool,
    clock_us: u64,
    wire_us: u64,
    wire_bytes: u64,
    replies: VecDeque<Pending>,
    commands: Vec<Vec<u8>>,
    rf_log: Vec<RfExchange>,
    faults: Option<(FaultConfig, Rng)>,
    forced: Option<RfFault>,
    counts: RfFaultCounts,
    verifies: u64,
}

impl std::fmt::Debug for VirtualRcS380 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualRcS380")
            .field("product_id", &self.product_id)
            .field("clock_us", &self.clock_us)
            .field("card_present", &self.card_present)
            .field("field_on", &self.field_on)
            .finish_non_exhaustive()
    }
}

impl VirtualRcS380 {
    /// USB product IDs of the two RC-S380 versions.
    pub const PRODUCT_IDS: [u16; 2] = [0x06C1, 0x06C3];

    /// An RC-S380 (054C:06C1) with `card` on it.
    pub fn new(card: SoftCard) -> VirtualRcS380 {
        VirtualRcS380 {
            product_id: 0x06C1,
            params: ContactlessCard::default(),
            card,
            card_present: true,
            unplugged: false,
            command_type: 0,
            rf_settings: None,
            field_on: false,
            picc: Picc::Off,
            cid: None,
            reply_cid: None,
            fsd: 256,
            bn: 1,
            last_block: Vec::new(),
            rx_chain: Vec::new(),
            tx_rest: Vec::new(),
            work_left_us: 0,
            response_ready: None,
            extra_wtx: false,
            clock_us: 0,
            wire_us: 0,
            wire_bytes: 0,
            replies: VecDeque::new(),
            commands: Vec::new(),
            rf_log: Vec::new(),
            faults: None,
            forced: None,
            counts: RfFaultCounts::default(),
            verifies: 0,
        }
    }

    /// idProduct (one of the two RC-S380 variants).
    pub fn product_id(&self) -> u16 {
        self.product_id
    }

    /// The 054C:06C3 version.
    pub fn with_product_id(mut self, product_id: u16) -> VirtualRcS380 {
        self.product_id = product_id;
        self
    }

    /// Other card parameters (FSC, FWT, CID support).
    pub fn with_card_params(mut self, params: ContactlessCard) -> VirtualRcS380 {
        self.params = params;
        self
    }

    /// Turns on seeded fault injection (one draw per RF exchange).
    pub fn with_faults(mut self, cfg: FaultConfig) -> VirtualRcS380 {
        self.faults = Some((cfg, Rng::new(cfg.seed)));
        self
    }

    /// Injects `fault` into the next RF exchange (deterministic tests).
    pub fn inject(&mut self, fault: RfFault) {
        self.forced = Some(fault);
    }

    /// The card.
    pub fn card(&self) -> &SoftCard {
        &self.card
    }

    /// The card, mutably.
    pub fn card_mut(&mut self) -> &mut SoftCard {
        &mut self.card
    }

    /// Takes the card back.
    pub fn into_card(self) -> SoftCard {
        self.card
    }

    /// Simulated time so far, µs.
    pub fn clock_us(&self) -> u64 {
        self.clock_us
    }

    /// Time on the RF link (frames both ways and turnarounds), µs.
    pub fn wire_us(&self) -> u64 {
        self.wire_us
    }

    /// Bytes on the RF link, with CRC_B.
    pub fn wire_bytes(&self) -> u64 {
        self.wire_bytes
    }

    /// VERIFY commands with a PIN that reached the card.
    pub fn verifies_at_card(&self) -> u64 {
        self.verifies
    }

    /// Faults injected so far.
    pub fn fault_counts(&self) -> RfFaultCounts {
        self.counts
    }

    /// The frame data of every command the host sent (`D6 …`), in order.
    pub fn commands(&self) -> &[Vec<u8>] {
        &self.commands
    }

    /// Every RF exchange, in order (at most 100 000 kept).
    pub fn rf_log(&self) -> &[RfExchange] {
        &self.rf_log
    }

    /// Whether the RF field is on.
    pub fn field_on(&self) -> bool {
        self.field_on
    }

    /// Takes the card off the reader.
    pub fn remove_card(&mut self) {
        if self.card_present {
            self.card_present = false;
            self.power_card(false);
        }
    }

    /// Puts the card back (it powers up if the field is on).
    pub fn insert_card(&mut self) {
        if !self.card_present {
            self.card_present = true;
            if self.field_on {
                self.picc = Picc::Idle;
            }
        }
    }

    /// Unplugs the reader: every transfer fails with `Disconnected` from now on.
    pub fn unplug(&mut self) {
        self.unplugged = true;
    }

    /// The device descriptor (USB 2.0 §9.6.1).
    pub fn device_descriptor(&self) -> Vec<u8> {
        let pid = self.product_id.to_le_bytes();
        vec![
            18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x4C, 0x05, pid[0], pid[1], 0x11, 0x01, 1, 2, 4, 1,
        ]
    }

    /// The configuration descriptor: one vendor-specific interface (class FF) with a
    /// bulk-OUT endpoint 0x02 and a bulk-IN endpoint 0x81 of 64 bytes.
    pub fn config_descriptor(&self) -> Vec<u8> {
        let mut v = vec![9, 2, 32, 0, 1, 1, 0, 0x80, 0xFA];
        v.extend_from_slice(&[9, 4, 0, 0, 2, 0xFF, 0xFF, 0xFF, 0]);
        v.extend_from_slice(&[7, 5, 0x81, 2, 64, 0, 0]);
        v.extend_from_slice(&[7, 5, 0x02, 2, 64, 0, 0]);
        v
    }

    fn power_card(&mut self, on: bool) {
        self.card.power_off();
        self.rx_chain.clear();
        self.tx_rest.clear();
        self.response_ready = None;
        self.work_left_us = 0;
        self.picc = if on && self.card_present {
            Picc::Idle
        } else {
            Picc::Off
        };
    }

    fn set_field(&mut self, on: bool) {
        if on != self.field_on {
            self.field_on = on;
            self.power_card(on);
        }
    }

    fn queue(&mut self, data: &[u8], delay_us: u64) {
        self.replies.push_back(Pending {
            ready_at: self.clock_us + delay_us,
            bytes: frame::encode(data),
        });
    }

    fn handle(&mut self, data: Vec<u8>) {
        let Ok(cmd) = Command::parse(&data) else {
            self.replies.push_back(Pending {
                ready_at: self.clock_us,
                bytes: frame::ERROR_FRAME.to_vec(),
            });
            return;
        };
        if self.commands.len() < RF_LOG_CAP {
            self.commands.push(data);
        }
        self.replies.push_back(Pending {
            ready_at: self.clock_us,
            bytes: frame::ACK.to_vec(),
        });
        let c = cmd.code();
        let needs_type = matches!(
            cmd,
            Command::InSetRf(_) | Command::InSetProtocol(_) | Command::InCommRf { .. }
        );
        if needs_type && self.command_type != 1 {
            // nfcpy's status table: 7 = COMMANDTYPE_ERROR.
            let body = if c == code::IN_COMM_RF {
                port100::comm_reply(CommStatus::PROTOCOL, &[])
            } else {
                port100::reply(c, &[7])
            };
            self.queue(&body, 0);
            return;
        }
        match cmd {
            Command::SetCommandType(t) => {
                self.command_type = t;
                self.queue(&port100::reply(c, &[0]), 0);
            }
            Command::GetCommandType => {
                self.queue(&port100::reply(c, &[0, 0, 0, 0, 0, 0, 0, 0x03]), 0);
            }
            Command::GetFirmwareVersion => self.queue(&port100::reply(c, &[0x11, 0x01]), 0),
            Command::GetPdDataVersion => self.queue(&port100::reply(c, &[0x00, 0x01]), 0),
            Command::SwitchRf(on) => {
                self.set_field(on);
                // The field settles for a few milliseconds before the reply.
                self.queue(&port100::reply(c, &[0]), if on { 5_000 } else { 0 });
            }
            Command::InSetRf(b) => {
                self.rf_settings = Some(b);
                self.queue(&port100::reply(c, &[0]), 0);
            }
            Command::InSetProtocol(pairs) => {
                let ok = pairs.iter().all(|(k, _)| *k <= 0x13);
                self.queue(&port100::reply(c, &[if ok { 0 } else { 1 }]), 0);
            }
            Command::ResetDevice(_) => {
                self.set_field(false);
                self.command_type = 0;
                self.queue(&port100::reply(c, &[]), 0);
            }
            Command::InCommRf { timeout, data } => self.comm_rf(timeout, data),
            _ => self.replies.push_back(Pending {
                ready_at: self.clock_us,
                bytes: frame::ERROR_FRAME.to_vec(),
            }),
        }
    }

    fn air(&mut self, len: usize) -> u64 {
        self.wire_bytes += len as u64 + 2;
        let t = typeb::frame_time_us(len);
        self.wire_us += t;
        t
    }

    fn comm_rf(&mut self, timeout: u16, data: Vec<u8>) {
        let timeout_us = if timeout == 0 {
            u64::from(u16::MAX) * 100
        } else {
            u64::from(timeout) * 100
        };
        if !self.field_on {
            // InCommRF switches the field on by itself (nfcpy never sends SwitchRF on).
            self.set_field(true);
        }
        let tx_us = self.air(data.len());
        let fault = match (self.card_present, self.forced.take(), self.faults.as_mut()) {
            (true, Some(f), _) => Some(f),
            (true, None, Some((cfg, rng))) => pick(cfg, rng),
            _ => None,
        };
        if let Some(f) = fault {
            self.counts.count(f);
        }
        let mut entry = RfExchange {
            to_card: data.clone(),
            from_card: None,
        };
        let timed_out = |s: &mut Self, entry: RfExchange| {
            s.log_rf(entry);
            let body = port100::comm_reply(CommStatus::RECEIVE_TIMEOUT, &[]);
            s.queue(&body, tx_us + timeout_us);
        };
        match fault {
            Some(RfFault::FieldLost) => {
                self.set_field(false);
                self.log_rf(entry);
                let body = port100::comm_reply(CommStatus::RF_OFF, &[]);
                self.queue(&body, tx_us);
                return;
            }
            Some(RfFault::CardAway) => {
                self.remove_card();
                return timed_out(self, entry);
            }
            Some(RfFault::LostToCard | RfFault::CrcToCard) => return timed_out(self, entry),
            Some(RfFault::CardWtx) => self.extra_wtx = true,
            _ => {}
        }
        let type_b = self.rf_settings == Some(port100::TYPE_B_106_RF);
        let out = if type_b {
            self.card_rx(&data)
        } else {
            CardOut::silent()
        };
        let Some(answer) = out.answer else {
            return timed_out(self, entry);
        };
        self.wire_us += typeb::TURNAROUND_US;
        let rx_us = self.air(answer.len());
        entry.from_card = Some(answer.clone());
        // The chip's receive timeout runs until the start of the card's frame.
        let start = typeb::TURNAROUND_US + out.delay_us;
        let at = tx_us + start + rx_us;
        if start > timeout_us || fault == Some(RfFault::LostFromCard) {
            return timed_out(self, entry);
        }
        self.log_rf(entry);
        let body = if fault == Some(RfFault::CrcFromCard) {
            port100::comm_reply(CommStatus::CRC, &[])
        } else {
            port100::comm_reply(CommStatus::OK, &answer)
        };
        self.queue(&body, at);
    }

    fn log_rf(&mut self, e: RfExchange) {
        if self.rf_log.len() < RF_LOG_CAP {
            self.rf_log.push(e);
        }
    }

    /// The card's side of one RF frame.
    fn card_rx(&mut self, frame: &[u8]) -> CardOut {
        match self.picc {
            Picc::Off => CardOut::silent(),
            Picc::Idle | Picc::Ready | Picc::Halt => {
                if let Some(wakeup) = typeb::parse_reqb(frame) {
                    // ISO/IEC 14443-3 §7.7: a PICC in HALT answers WUPB only.
                    if self.picc == Picc::Halt && !wakeup {
                        return CardOut::silent();
                    }
                    self.picc = Picc::Ready;
                    return CardOut::now(self.params.atqb().to_bytes());
                }
                match typeb::parse_attrib(frame) {
                    Some((pupi, fsdi, cid))
                        if self.picc == Picc::Ready && pupi == self.params.pupi =>
                    {
                        if !self.params.cid_supported && cid != 0 {
                            return CardOut::silent();
                        }
                        self.picc = Picc::Active;
                        self.cid = self.params.cid_supported.then_some(cid);
                        self.fsd = typeb::fsci_to_fsc(fsdi);
                        // §7.5.3.3: "the PICC block number shall be initialized to 1".
                        self.bn = 1;
                        self.last_block.clear();
                        self.rx_chain.clear();
                        self.tx_rest.clear();
                        self.response_ready = None;
                        CardOut::now(vec![cid & 0x0F])
                    }
                    _ => CardOut::silent(),
                }
            }
            Picc::Active => self.card_block(frame),
        }
    }

    fn fwt_us(&self) -> u64 {
        typeb::fwt_us(self.params.fwi)
    }

    fn max_inf(&self) -> usize {
        self.fsd
            .saturating_sub(isodep::EDC_LEN + 1 + usize::from(self.reply_cid.is_some()))
            .max(1)
    }

    fn send_block(&mut self, b: Vec<u8>, delay_us: u64) -> CardOut {
        self.last_block = b.clone();
        CardOut {
            answer: Some(b),
            delay_us,
        }
    }

    /// The next block of the response (chaining when it exceeds FSD).
    fn next_chunk(&mut self, delay_us: u64) -> CardOut {
        let n = self.tx_rest.len().min(self.max_inf());
        let chunk: Vec<u8> = self.tx_rest.drain(..n).collect();
        let chaining = !self.tx_rest.is_empty();
        let b = isodep::i_block(self.bn, chaining, self.reply_cid, &chunk);
        self.send_block(b, delay_us)
    }

    /// Answers while computing: S(WTX) if the work left exceeds FWT, else the response.
    fn work(&mut self, budget_us: u64) -> CardOut {
        let fwt = self.fwt_us().max(1);
        if self.extra_wtx || self.work_left_us > budget_us {
            self.extra_wtx = false;
            // Ask before the time allowed runs out.
            let spent = (budget_us * 3 / 4).min(self.work_left_us);
            self.work_left_us -= spent;
            let wtxm = self.work_left_us.div_ceil(fwt).clamp(1, 59);
            let b = isodep::wtx_block(u8::try_from(wtxm).unwrap_or(59), self.reply_cid);
            return self.send_block(b, spent);
        }
        let left = std::mem::take(&mut self.work_left_us);
        self.tx_rest = self.response_ready.take().unwrap_or_default();
        self.next_chunk(left)
    }

    /// ISO/IEC 14443-4 PICC rules (§7.5.3): rule 10 "When an I-block is received, the
    /// PICC shall toggle its block number before sending a block"; rule 11 "When an
    /// R(ACK) or an R(NAK) block is received, if its block number is equal to the PICC's
    /// current block number, the last block shall be re-transmitted"; rule 12 "When an
    /// R(NAK) block is received, if its block number is not equal to the PICC's current
    /// block number, an R(ACK) block shall be sent"; rule 13 "When an R(ACK) block is
    /// received, if its block number is not equal to the PICC's current block number,
    /// and the PICC is in chaining, chaining shall be continued".
    fn card_block(&mut self, frame: &[u8]) -> CardOut {
        if frame.len() + isodep::EDC_LEN > typeb::fsci_to_fsc(self.params.fsci) {
            return CardOut::silent();
        }
        let Some(p) = Parsed::parse(frame) else {
            return CardOut::silent();
        };
        // §7.1.1.2: blocks for another CID (or with a CID the PICC does not use) are
        // ignored.
        // A PICC with CID 0 also answers blocks without CID, and answers likewise.
        let ours = match (p.cid, self.cid) {
            (None, None | Some(0)) => true,
            (Some(c), Some(mine)) => c == mine,
            (Some(_), None) | (None, Some(_)) => false,
        };
        if !ours {
            return CardOut::silent();
        }
        self.reply_cid = p.cid;
        match p.block {
            Block::I { chaining, inf, .. } => {
                self.bn ^= 1;
                if self.rx_chain.len() + inf.len() > 70_000 {
                    self.rx_chain.clear();
                    return CardOut::silent();
                }
                self.rx_chain.extend_from_slice(inf);
                if chaining {
                    let b = isodep::r_block(self.bn, false, self.reply_cid);
                    return self.send_block(b, 0);
                }
                let apdu = std::mem::take(&mut self.rx_chain);
                if is_pin_verify(&apdu) {
                    self.verifies += 1;
                }
                let resp = self.card.process(&apdu);
                self.work_left_us = processing_us(&apdu);
                self.response_ready = Some(resp);
                self.tx_rest.clear();
                let fwt = self.fwt_us();
                self.work(fwt)
            }
            Block::Ack { bn } | Block::Nak { bn } if bn == self.bn => {
                let b = self.last_block.clone();
                if b.is_empty() {
                    return CardOut::silent();
                }
                self.send_block(b, 0)
            }
            Block::Nak { .. } => {
                let b = isodep::r_block(self.bn, false, self.reply_cid);
                self.send_block(b, 0)
            }
            Block::Ack { .. } => {
                if self.tx_rest.is_empty() {
                    return CardOut::silent();
                }
                self.bn ^= 1;
                self.next_chunk(0)
            }
            Block::Wtx { inf } => {
                if self.response_ready.is_none() {
                    return CardOut::silent();
                }
                let wtxm = u64::from(inf & 0x3F).clamp(1, 59);
                let budget = (self.fwt_us() * wtxm).min(typeb::FWT_MAX_US);
                self.work(budget)
            }
            Block::Deselect => {
                self.picc = Picc::Halt;
                self.card.power_off();
                CardOut::now(isodep::deselect_block(self.reply_cid))
            }
        }
    }
}

impl UsbPipe for VirtualRcS380 {
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), PipeError> {
        if self.unplugged {
            return Err(PipeError::Disconnected);
        }
        self.clock_us += USB_TRANSFER_US;
        match Frame::parse(data) {
            // The host's ACK cancels whatever is in progress.
            Ok(Frame::Ack) => self.replies.clear(),
            Ok(Frame::Nack) => {}
            Ok(Frame::Data(d)) => self.handle(d),
            Ok(Frame::Error) | Err(_) => self.replies.push_back(Pending {
                ready_at: self.clock_us,
                bytes: frame::ERROR_FRAME.to_vec(),
            }),
        }
        Ok(())
    }

    async fn bulk_in(&mut self, max_len: usize, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        if self.unplugged {
            return Err(PipeError::Disconnected);
        }
        let limit = self.clock_us + u64::from(timeout_ms) * 1000;
        match self.replies.front() {
            Some(p) if p.ready_at <= limit => {
                self.clock_us = self.clock_us.max(p.ready_at) + USB_TRANSFER_US;
                let bytes = self
                    .replies
                    .pop_front()
                    .map(|p| p.bytes)
                    .unwrap_or_default();
                if bytes.len() > max_len {
                    return Err(PipeError::Other(
                        "babble: reply longer than requested".into(),
                    ));
                }
                Ok(bytes)
            }
            _ => {
                self.clock_us = limit;
                Err(PipeError::Timeout { millis: timeout_ms })
            }
        }
    }

    async fn interrupt_in(&mut self, _timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        // The RC-S380 has no interrupt endpoint.
        if self.unplugged {
            return Err(PipeError::Disconnected);
        }
        Err(PipeError::Stall)
    }

    async fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        _index: u16,
        len: u16,
    ) -> Result<Vec<u8>, PipeError> {
        if self.unplugged {
            return Err(PipeError::Disconnected);
        }
        self.clock_us += USB_TRANSFER_US;
        let mut d = match (request_type, request, value) {
            (0x80, 6, 0x0100) => self.device_descriptor(),
            (0x80, 6, 0x0200) => self.config_descriptor(),
            _ => return Err(PipeError::Stall),
        };
        d.truncate(usize::from(len));
        Ok(d)
    }

    fn now_micros(&self) -> Option<u64> {
        Some(self.clock_us)
    }
}
