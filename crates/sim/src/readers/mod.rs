//! Virtual CCID readers hosting the [`SoftCard`]: the five models of
//! `vectors/ccid-readers/`, a wire-time model and seeded fault injection.
//!
//! TPDU-level models run the card side of ISO/IEC 7816-3 T=1 ([`T1Card`]); APDU-level
//! models pass APDUs (with CCID §6.1.4 wLevelParameter chaining). Time is simulated:
//! every transfer advances a clock by USB time plus I/O-line time ("1 etu = F/D × 1/f",
//! ISO/IEC 7816-3 §7.1; characters of 12 etu or 11 when N = 255, §8.3; BGT 22 etu, §11.2)
//! plus card processing time. Nothing sleeps.

mod device;
mod faults;
mod models;
pub mod rcs380;
mod t1card;

pub use device::VirtualDevice;
pub use faults::{Fault, FaultConfig, FaultCounts};
pub use models::{ModelFacts, ReaderModel};
pub use t1card::{CardStep, T1Card};

use crate::SoftCard;
use faults::Rng;
use inkan_ccid::message::{
    CommandStatus, HostFrame, HostMessage, IccStatus, Notification, ReaderFrame, ReaderMessage,
    SlotState, T1Parameters, slot_error,
};
use inkan_ccid::{Atr, Edc, PipeError, UsbPipe, atr};
use std::collections::VecDeque;

/// The contact ATR the virtual card answers with (FACTS §5): TA1 = 13 (Fi 372, Di 4),
/// TC1 = FF, T=1 only, IFSC 251, BWI 4, CWI 6, LRC.
pub const CONTACT_ATR: [u8; 19] = [
    0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12, 0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6,
    0x01, 0xC0, 0x3B,
];

/// The ATR a PC/SC-style contactless reader builds for a Type B card (FACTS §5).
pub const CONTACTLESS_ATR: [u8; 13] = [
    0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x05, 0xE0, 0xB3, 0x81, 0xA1, 0x00, 0x7F,
];

/// USB time per bulk transfer (µs): one full-speed frame for the round trip, split.
const USB_TRANSFER_US: u64 = 500;
/// Contactless bit rate of the model (ISO/IEC 14443 at 424 kbit/s), 10 bits a byte.
const CONTACTLESS_BPS: u64 = 424_000;

/// Simulated card processing time of a command (µs).
fn processing_us(apdu: &[u8]) -> u64 {
    match apdu.get(1) {
        Some(0x2A) => 600_000,
        Some(0x20 | 0x24) => 20_000,
        _ => 1_000,
    }
}

/// Whether an APDU is a VERIFY that carries a PIN (what must never be sent twice).
pub fn is_pin_verify(apdu: &[u8]) -> bool {
    apdu.get(1) == Some(&0x20) && apdu.len() > 5
}

struct Pending {
    ready_at: u64,
    bytes: Vec<u8>,
}

/// A virtual CCID reader with a software card in its slot.
pub struct VirtualReader {
    model: ReaderModel,
    card: SoftCard,
    card_present: bool,
    unplugged: bool,
    powered: bool,
    fidi: u8,
    bwi: u8,
    t1: T1Card,
    clock_us: u64,
    wire_us: u64,
    wire_bytes: u64,
    replies: VecDeque<Pending>,
    notifications: VecDeque<Vec<u8>>,
    stall_next: bool,
    apdu_rx: Vec<u8>,
    apdu_tx: Vec<u8>,
    faults: Option<(FaultConfig, Rng)>,
    counts: FaultCounts,
    verifies: u64,
}

impl std::fmt::Debug for VirtualReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualReader")
            .field("model", &self.model)
            .field("clock_us", &self.clock_us)
            .field("card_present", &self.card_present)
            .finish_non_exhaustive()
    }
}

impl VirtualReader {
    /// A reader of `model` with `card` inserted.
    pub fn new(model: ReaderModel, card: SoftCard) -> VirtualReader {
        let atr = Atr::parse(&CONTACT_ATR).ok();
        let ifsc = atr.as_ref().map_or(32, Atr::ifsc);
        VirtualReader {
            model,
            card,
            card_present: true,
            unplugged: false,
            powered: false,
            fidi: 0x11,
            bwi: 4,
            t1: T1Card::new(ifsc, Edc::Lrc),
            clock_us: 0,
            wire_us: 0,
            wire_bytes: 0,
            replies: VecDeque::new(),
            notifications: VecDeque::new(),
            stall_next: false,
            apdu_rx: Vec::new(),
            apdu_tx: Vec::new(),
            faults: None,
            counts: FaultCounts::default(),
            verifies: 0,
        }
    }

    /// Turns on seeded fault injection.
    pub fn with_faults(mut self, cfg: FaultConfig) -> VirtualReader {
        self.faults = Some((cfg, Rng::new(cfg.seed)));
        self
    }

    /// The model.
    pub fn model(&self) -> ReaderModel {
        self.model
    }

    /// The card.
    pub fn card(&self) -> &SoftCard {
        &self.card
    }

    /// The card, mutably.
    pub fn card_mut(&mut self) -> &mut SoftCard {
        &mut self.card
    }

    /// Takes the card out of the reader.
    pub fn into_card(self) -> SoftCard {
        self.card
    }

    /// Simulated time so far, µs.
    pub fn clock_us(&self) -> u64 {
        self.clock_us
    }

    /// Time spent on the card's I/O line, µs.
    pub fn wire_us(&self) -> u64 {
        self.wire_us
    }

    /// Bytes on the card's I/O line.
    pub fn wire_bytes(&self) -> u64 {
        self.wire_bytes
    }

    /// VERIFY commands with a PIN that reached the card.
    pub fn verifies_at_card(&self) -> u64 {
        self.verifies
    }

    /// Faults injected so far.
    pub fn fault_counts(&self) -> FaultCounts {
        self.counts
    }

    /// Removes the card now (NotifySlotChange follows).
    pub fn remove_card(&mut self) {
        if self.card_present {
            self.card_present = false;
            self.powered = false;
            self.card.power_off();
            self.notifications
                .push_back(Notification::SlotChange(vec![0b10]).encode());
        }
    }

    /// Inserts the card again.
    pub fn insert_card(&mut self) {
        if !self.card_present {
            self.card_present = true;
            self.notifications
                .push_back(Notification::SlotChange(vec![0b11]).encode());
        }
    }

    /// Unplugs the reader: every transfer fails with `Disconnected` from now on.
    pub fn unplug(&mut self) {
        self.unplugged = true;
    }

    fn etu_ns(&self) -> u64 {
        let f = u64::from(atr::fi(self.fidi >> 4).unwrap_or(372));
        let d = u64::from(atr::di(self.fidi & 0x0F).unwrap_or(1));
        let clock = u64::from(self.clock_khz());
        f * 1_000_000 / (d * clock)
    }

    /// I/O-line time of one block of `len` bytes (TC1 = FF: 11 etu a character) plus
    /// BGT 22 etu, or at the contactless rate for contactless models.
    fn line_us(&mut self, len: usize) -> u64 {
        self.wire_bytes += len as u64;
        let us = if self.model.facts().contactless {
            (len as u64 + 4) * 10 * 1_000_000 / CONTACTLESS_BPS
        } else {
            (len as u64 * 11 + 22) * self.etu_ns() / 1000
        };
        self.wire_us += us;
        us
    }

    /// The ICC clock in force: raised to the card's fmax for the current Fi when the
    /// model changes its clock automatically (dwFeatures 0x10).
    fn clock_khz(&self) -> u32 {
        self.model.descriptor().clock_khz_for_fi(self.fidi >> 4)
    }

    fn bwt_us(&self) -> u64 {
        let clock = u64::from(self.clock_khz());
        (1u64 << self.bwi.min(9)) * 960 * 372 * 1000 / clock + 11 * self.etu_ns() / 1000
    }

    fn pick(&mut self) -> Option<Fault> {
        let (cfg, rng) = self.faults.as_mut()?;
        let f = cfg.pick(rng, self.model.facts().features & 0x0001_0000 != 0)?;
        self.counts.count(f);
        Some(f)
    }

    fn reply(&mut self, seq: u8, state: SlotState, message: ReaderMessage, delay_us: u64) {
        let frame = ReaderFrame {
            slot: 0,
            seq,
            state,
            message,
        };
        self.replies.push_back(Pending {
            ready_at: self.clock_us + delay_us,
            bytes: frame.encode(),
        });
    }

    fn status(&self) -> SlotState {
        let icc = if !self.card_present {
            IccStatus::Absent
        } else if self.powered {
            IccStatus::Active
        } else {
            IccStatus::Inactive
        };
        SlotState::new(icc, CommandStatus::Ok, 0)
    }

    fn failed(&self, error: u8) -> SlotState {
        let s = self.status();
        SlotState::new(s.icc(), CommandStatus::Failed, error)
    }

    fn data(&mut self, seq: u8, data: Vec<u8>, chain: u8, delay_us: u64) {
        let st = self.status();
        self.reply(seq, st, ReaderMessage::DataBlock { chain, data }, delay_us);
    }

    fn handle(&mut self, frame: HostFrame) {
        let seq = frame.seq;
        if frame.slot > self.model.facts().max_slot_index {
            let st = SlotState::new(IccStatus::Absent, CommandStatus::Failed, 5);
            self.reply(seq, st, ReaderMessage::SlotStatus { clock: 0 }, 0);
            return;
        }
        match frame.message {
            HostMessage::IccPowerOn { .. } => {
                if !self.card_present {
                    self.reply_failed(seq, slot_error::ICC_MUTE, 0);
                    return;
                }
                self.card.power_off();
                self.powered = true;
                self.fidi = 0x11;
                self.bwi = 4;
                let atr = if self.model.facts().contactless {
                    CONTACTLESS_ATR.to_vec()
                } else {
                    CONTACT_ATR.to_vec()
                };
                self.t1 = T1Card::new(Atr::parse(&CONTACT_ATR).map_or(32, |a| a.ifsc()), Edc::Lrc);
                self.apdu_rx.clear();
                self.apdu_tx.clear();
                let d = self.line_us(atr.len());
                self.data(seq, atr, 0, d);
            }
            HostMessage::IccPowerOff => {
                self.powered = false;
                self.card.power_off();
                let st = self.status();
                self.reply(seq, st, ReaderMessage::SlotStatus { clock: 0 }, 0);
            }
            HostMessage::GetSlotStatus | HostMessage::Abort => {
                let st = self.status();
                self.reply(seq, st, ReaderMessage::SlotStatus { clock: 0 }, 0);
            }
            HostMessage::GetParameters | HostMessage::ResetParameters => {
                let st = self.status();
                let data = self.params().to_bytes();
                self.reply(seq, st, ReaderMessage::Parameters { protocol: 1, data }, 0);
            }
            HostMessage::SetParameters { protocol, data } => {
                let Some(p) = T1Parameters::from_bytes(&data).filter(|_| protocol == 1) else {
                    let st = self.failed(if protocol == 1 { 10 } else { 7 });
                    let data = self.params().to_bytes();
                    self.reply(seq, st, ReaderMessage::Parameters { protocol: 1, data }, 0);
                    return;
                };
                // Auto-PPS readers run PPS with the card now; the card accepts its TA1 or
                // the default.
                let card_ta1 = CONTACT_ATR[2];
                let mut delay = 0;
                if p.findex_dindex == card_ta1 || p.findex_dindex == 0x11 {
                    if p.findex_dindex != self.fidi {
                        delay = 2 * self.line_us(4);
                    }
                    self.fidi = p.findex_dindex;
                    self.bwi = p.waiting_integers >> 4;
                    let st = self.status();
                    let data = self.params().to_bytes();
                    self.reply(
                        seq,
                        st,
                        ReaderMessage::Parameters { protocol: 1, data },
                        delay,
                    );
                } else {
                    let st = self.failed(10);
                    let data = self.params().to_bytes();
                    self.reply(seq, st, ReaderMessage::Parameters { protocol: 1, data }, 0);
                }
            }
            HostMessage::Escape(_) => {
                let st = self.status();
                self.reply(seq, st, ReaderMessage::Escape(vec![]), 0);
            }
            HostMessage::XfrBlock { level, data, bwi } => self.xfr(seq, level, data, bwi),
            _ => {
                let st = self.failed(slot_error::CMD_NOT_SUPPORTED);
                self.reply(seq, st, ReaderMessage::SlotStatus { clock: 0 }, 0);
            }
        }
    }

    fn params(&self) -> T1Parameters {
        T1Parameters {
            findex_dindex: self.fidi,
            tcck: 0x10,
            guard_time: 0xFF,
            waiting_integers: (self.bwi << 4) | 6,
            clock_stop: 0,
            ifsc: 251,
            nad: 0,
        }
    }

    fn run_card(&mut self, apdu: &[u8]) -> Vec<u8> {
        if is_pin_verify(apdu) {
            self.verifies += 1;
        }
        self.card.process(apdu)
    }

    fn xfr(&mut self, seq: u8, level: u16, data: Vec<u8>, bwi: u8) {
        if !self.card_present {
            self.reply_failed(seq, slot_error::ICC_MUTE, 0);
            return;
        }
        if !self.powered {
            self.reply_failed(seq, slot_error::ICC_MUTE, 0);
            return;
        }
        let fault = self.pick();
        match fault {
            Some(Fault::CardRemoved) => {
                self.remove_card();
                self.reply_failed(seq, slot_error::ICC_MUTE, 0);
                return;
            }
            Some(Fault::Unplug) => {
                self.unplug();
                return;
            }
            Some(Fault::Stall) => self.stall_next = true,
            Some(Fault::WrongSeq) => {
                let st = self.status();
                self.reply(
                    seq.wrapping_sub(3),
                    st,
                    ReaderMessage::DataBlock {
                        chain: 0,
                        data: vec![0x6F, 0x00],
                    },
                    0,
                );
            }
            Some(Fault::TimeExtension) => {
                let st = SlotState::new(IccStatus::Active, CommandStatus::TimeExtension, 1);
                self.reply(
                    seq,
                    st,
                    ReaderMessage::DataBlock {
                        chain: 0,
                        data: vec![],
                    },
                    100_000,
                );
            }
            _ => {}
        }
        let before = self.replies.len();
        if self.model.facts().features & 0x0001_0000 != 0 {
            self.tpdu(seq, data, bwi, fault);
        } else {
            self.apdu(seq, level, data);
        }
        match fault {
            Some(Fault::Duplicate) => {
                if let Some(p) = self.replies.back() {
                    let dup = Pending {
                        ready_at: p.ready_at,
                        bytes: p.bytes.clone(),
                    };
                    self.replies.push_back(dup);
                }
            }
            Some(Fault::UsbLoss) => {
                // The reply never reaches the host.
                while self.replies.len() > before {
                    self.replies.pop_back();
                }
            }
            _ => {}
        }
    }

    fn tpdu(&mut self, seq: u8, mut data: Vec<u8>, bwi: u8, fault: Option<Fault>) {
        let mult = u64::from(bwi.max(1));
        let mut delay = self.line_us(data.len());
        // PPS request straight after the ATR (ISO/IEC 7816-3 §9.2).
        if data.first() == Some(&0xFF) && data.len() == 4 {
            let ok = data.get(2) == Some(&CONTACT_ATR[2]) || data.get(2) == Some(&0x11);
            let resp = if ok {
                self.fidi = data.get(2).copied().unwrap_or(0x11);
                data.clone()
            } else {
                vec![0xFF, 0x01, 0xFE]
            };
            delay += self.line_us(resp.len());
            self.data(seq, resp, 0, delay);
            return;
        }
        match fault {
            Some(Fault::CorruptToCard) => {
                if let Some(b) = data.last_mut() {
                    *b ^= 0x5A;
                }
            }
            Some(Fault::DropToCard) => {
                self.reply_failed(seq, slot_error::ICC_MUTE, delay + self.bwt_us() * mult);
                return;
            }
            _ => {}
        }
        let mut out = match self.t1.on_block(&data) {
            CardStep::Reply(b) => b,
            CardStep::Execute(apdu) => {
                let resp = self.run_card(&apdu);
                delay += processing_us(&apdu);
                let wtx = (fault == Some(Fault::CardWtx)).then_some(2);
                self.t1.respond(resp, wtx)
            }
        };
        match fault {
            Some(Fault::CorruptFromCard) => {
                if let Some(b) = out.get_mut(1) {
                    *b ^= 0x01;
                }
            }
            Some(Fault::DropFromCard) => {
                self.reply_failed(seq, slot_error::ICC_MUTE, delay + self.bwt_us() * mult);
                return;
            }
            _ => {}
        }
        delay += self.line_us(out.len());
        self.data(seq, out, 0, delay);
    }

    /// Answers an XfrBlock with an empty RDR_to_PC_DataBlock whose bStatus says
    /// "command failed" and whose bError is `error` (CCID §6.2.1, §6.2.6), after `delay`
    /// µs: e.g. ICC_MUTE when the card never answered the block.
    fn reply_failed(&mut self, seq: u8, error: u8, delay: u64) {
        let st = self.failed(error);
        self.reply(
            seq,
            st,
            ReaderMessage::DataBlock {
                chain: 0,
                data: vec![],
            },
            delay,
        );
    }

    fn apdu(&mut self, seq: u8, level: u16, data: Vec<u8>) {
        let max = self.model.descriptor().max_data_len().max(1);
        let mut delay = self.line_us(data.len());
        match level {
            0 => {
                self.apdu_rx.clear();
                self.apdu_tx.clear();
                let resp = self.run_card(&data);
                delay += processing_us(&data);
                self.apdu_tx = resp;
            }
            1 | 3 => {
                if level == 1 {
                    self.apdu_rx.clear();
                }
                self.apdu_rx.extend_from_slice(&data);
                self.data(seq, vec![], 0x10, delay);
                return;
            }
            2 => {
                self.apdu_rx.extend_from_slice(&data);
                let apdu = std::mem::take(&mut self.apdu_rx);
                let resp = self.run_card(&apdu);
                delay += processing_us(&apdu);
                self.apdu_tx = resp;
            }
            0x10 => {}
            _ => {
                self.reply_failed(seq, 7, 0);
                return;
            }
        }
        // Reader-side time extensions while the card works (CCID §6.2.6).
        let mut waited = 0;
        while delay.saturating_sub(waited) > 500_000 {
            waited += 500_000;
            let st = SlotState::new(IccStatus::Active, CommandStatus::TimeExtension, 1);
            self.reply(
                seq,
                st,
                ReaderMessage::DataBlock {
                    chain: 0,
                    data: vec![],
                },
                waited,
            );
        }
        let first = level != 0x10 && self.apdu_tx.len() > max;
        let n = self.apdu_tx.len().min(max);
        let chunk: Vec<u8> = self.apdu_tx.drain(..n).collect();
        let chain = match (first, self.apdu_tx.is_empty(), level == 0x10) {
            (_, true, true) => 2,
            (_, false, true) => 3,
            (true, false, false) => 1,
            _ => 0,
        };
        delay += self.line_us(chunk.len());
        self.data(seq, chunk, chain, delay);
    }
}

impl UsbPipe for VirtualReader {
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), PipeError> {
        if self.unplugged {
            return Err(PipeError::Disconnected);
        }
        self.clock_us += USB_TRANSFER_US;
        match HostFrame::decode(data) {
            Ok(frame) => self.handle(frame),
            Err(_) => {
                // CCID §6.1: a malformed command is answered with bError 0 (not supported).
                let seq = data.get(6).copied().unwrap_or(0);
                let st = self.failed(slot_error::CMD_NOT_SUPPORTED);
                self.reply(seq, st, ReaderMessage::SlotStatus { clock: 0 }, 0);
            }
        }
        Ok(())
    }

    async fn bulk_in(&mut self, max_len: usize, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        if self.unplugged {
            return Err(PipeError::Disconnected);
        }
        if self.stall_next {
            self.stall_next = false;
            return Err(PipeError::Stall);
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

    async fn interrupt_in(&mut self, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        if self.unplugged {
            return Err(PipeError::Disconnected);
        }
        match self.notifications.pop_front() {
            Some(n) => Ok(n),
            None => {
                self.clock_us += u64::from(timeout_ms) * 1000;
                Err(PipeError::Timeout { millis: timeout_ms })
            }
        }
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
        if request_type == 0x80 && request == 6 && value == 0x0200 {
            let mut c = self.model.config_descriptor();
            c.truncate(usize::from(len));
            Ok(c)
        } else {
            Err(PipeError::Stall)
        }
    }

    fn now_micros(&self) -> Option<u64> {
        Some(self.clock_us)
    }
}
