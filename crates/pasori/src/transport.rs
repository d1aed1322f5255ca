//! [`PasoriTransport`]: an [`inkan_apdu::Transport`] over any [`UsbPipe`] to an RC-S380.

use crate::error::PasoriError;
use crate::frame::{self, Frame};
use crate::isodep::{IsoDepConfig, IsoDepHost, IsoDepStats, Rx, Step};
use crate::port100::{self, CommStatus, Command};
use crate::typeb::{self, ATQB_TIMEOUT_US, Atqb, DELTA_FWT_US, FWT_MAX_US, TURNAROUND_US};
use alloc::vec::Vec;
use inkan_apdu::{Transport, TransportError};
use inkan_usb::{Figures, PipeError, UsbPipe};

/// USB vendor ID of Sony (from the reader registry of `inkan-usb`).
pub const VENDOR_ID: u16 = inkan_usb::registry::SONY;
/// USB product IDs of the RC-S380 (FACTS §6: 054C:06C1 and 054C:06C3).
pub const PRODUCT_IDS: [u16; 2] = inkan_usb::registry::RC_S380_PRODUCT_IDS;
/// The largest bulk-IN transfer asked for (a frame of [`frame::MAX_DATA`] and its
/// envelope).
pub const MAX_TRANSFER: usize = frame::MAX_DATA + 16;

/// Driver options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasoriOptions {
    /// Timeout for the ACK of every command and the reply of commands without RF, ms.
    pub command_timeout_ms: u32,
    /// Added to the RF timeout when waiting for an InCommRF reply on USB, ms.
    pub usb_margin_ms: u32,
    /// REQB/WUPB attempts per activation round.
    pub poll_attempts: u8,
    /// Activation rounds (field reset between rounds).
    pub activation_rounds: u8,
    /// AFI sent in REQB/WUPB (0: every application family).
    pub afi: u8,
    /// FSDI sent in ATTRIB (8: 256 bytes).
    pub fsdi: u8,
    /// CID to use when the card supports one (`None`: no CID).
    pub cid: Option<u8>,
    /// ISO-DEP error recoveries in a row.
    pub max_retries: u8,
    /// S(WTX) requests accepted for one APDU.
    pub max_wtx: u16,
    /// Deadline of one APDU, enforced when the pipe has a clock, ms.
    pub apdu_deadline_ms: u64,
}

impl Default for PasoriOptions {
    fn default() -> Self {
        PasoriOptions {
            command_timeout_ms: 1_000,
            usb_margin_ms: 500,
            poll_attempts: 3,
            activation_rounds: 2,
            afi: 0,
            fsdi: 8,
            cid: None,
            max_retries: 2,
            max_wtx: 200,
            apdu_deadline_ms: 60_000,
        }
    }
}

/// The activated card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardLink {
    /// Its ATQB.
    pub atqb: Atqb,
    /// MBLI from the answer to ATTRIB.
    pub mbli: u8,
    /// The CID in use.
    pub cid: Option<u8>,
    /// The ISO-DEP parameters.
    pub isodep: IsoDepConfig,
}

enum RfResult {
    Frame(Vec<u8>),
    Timeout,
    Garbled,
    FieldOff,
}

/// An RC-S380 driving a contactless My Number Card: Port-100 set-up, Type B 106 kbit/s
/// activation, then APDUs over ISO-DEP.
///
/// After a failed exchange the driver resets the field and activates the card again to
/// learn whether it is still there: the failing APDU reports [`TransportError::CardRemoved`]
/// when it is gone, else its own error; the next APDU goes to a freshly reset card (no
/// PIN stays verified). A command is never sent again by the driver.
#[derive(Debug)]
pub struct PasoriTransport<P: UsbPipe> {
    pipe: P,
    opts: PasoriOptions,
    firmware: Option<[u8; 2]>,
    rf_on: bool,
    link: Option<CardLink>,
    host: Option<IsoDepHost>,
    had_card: bool,
    figures: Figures,
    past: IsoDepStats,
    start_us: Option<u64>,
}

impl<P: UsbPipe> PasoriTransport<P> {
    /// Sets the reader up and activates the card.
    pub async fn open(pipe: P, opts: PasoriOptions) -> Result<Self, PasoriError> {
        let mut t = Self::setup(pipe, opts).await?;
        t.activate().await?;
        Ok(t)
    }

    /// Sets the reader up without looking for a card: ACK (cancels anything pending),
    /// reads left-over replies, then the commands of [`port100::setup_sequence`].
    pub async fn setup(pipe: P, opts: PasoriOptions) -> Result<Self, PasoriError> {
        let start_us = pipe.now_micros();
        let mut t = PasoriTransport {
            pipe,
            opts,
            firmware: None,
            rf_on: false,
            link: None,
            host: None,
            had_card: false,
            figures: Figures::default(),
            past: IsoDepStats::default(),
            start_us,
        };
        t.write(&frame::ACK).await?;
        for _ in 0..8 {
            match t.read(10).await {
                Ok(_) => {}
                Err(PasoriError::Pipe(PipeError::Timeout { .. })) => break,
                Err(e) => return Err(e),
            }
        }
        for cmd in port100::setup_sequence() {
            let body = t.command(&cmd, opts.command_timeout_ms).await?;
            match cmd {
                Command::GetFirmwareVersion => {
                    if let [minor, major, ..] = body.as_slice() {
                        t.firmware = Some([*major, *minor]);
                    }
                }
                Command::SetCommandType(_) | Command::SwitchRf(_) => {
                    status_ok(cmd.code(), &body)?;
                }
                _ => {}
            }
        }
        Ok(t)
    }

    /// The firmware version as (major, minor).
    pub fn firmware(&self) -> Option<[u8; 2]> {
        self.firmware
    }

    /// The activated card, if any.
    pub fn link(&self) -> Option<CardLink> {
        self.link
    }

    /// The figures.
    pub fn figures(&self) -> Figures {
        let mut f = self.figures;
        let s = self
            .host
            .as_ref()
            .map(IsoDepHost::stats)
            .unwrap_or_default();
        f.blocks_sent = self.past.blocks_sent + s.blocks_sent;
        f.retransmissions = self.past.retransmissions + s.retransmissions;
        f.recoveries = self.past.recoveries + s.recoveries;
        f.time_extensions = self.past.wtx + s.wtx;
        f.elapsed_us = match (self.start_us, self.pipe.now_micros()) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a)),
            _ => None,
        };
        f
    }

    /// The pipe.
    pub fn pipe(&self) -> &P {
        &self.pipe
    }

    /// The pipe, mutably.
    pub fn pipe_mut(&mut self) -> &mut P {
        &mut self.pipe
    }

    /// Gives the pipe back.
    pub fn into_pipe(self) -> P {
        self.pipe
    }

    /// The longest one APDU can take by the pipe's clock, ms: the deadline, one more
    /// wait (FWTmax or a command) and a recovery (field reset and activation).
    pub fn apdu_time_bound_ms(&self) -> u64 {
        let o = &self.opts;
        let cmd = 2 * u64::from(o.command_timeout_ms) + 1;
        let rf =
            |us: u64| u64::from(o.command_timeout_ms) + us / 1000 + 1 + u64::from(o.usb_margin_ms);
        let round = 6 * cmd
            + u64::from(o.poll_attempts) * rf(ATQB_TIMEOUT_US)
            + rf(FWT_MAX_US + DELTA_FWT_US);
        o.apdu_deadline_ms
            + rf(FWT_MAX_US + DELTA_FWT_US)
            + cmd
            + u64::from(o.activation_rounds) * round
    }

    fn drop_host(&mut self) {
        if let Some(h) = self.host.take() {
            let s = h.stats();
            self.past.blocks_sent += s.blocks_sent;
            self.past.retransmissions += s.retransmissions;
            self.past.recoveries += s.recoveries;
            self.past.wtx += s.wtx;
        }
        self.link = None;
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), PasoriError> {
        self.figures.usb_transfers += 1;
        self.figures.usb_bytes_out += bytes.len() as u64;
        self.pipe.bulk_out(bytes).await?;
        Ok(())
    }

    async fn read(&mut self, timeout_ms: u32) -> Result<Frame, PasoriError> {
        self.figures.usb_transfers += 1;
        let bytes = self.pipe.bulk_in(MAX_TRANSFER, timeout_ms).await?;
        self.figures.usb_bytes_in += bytes.len() as u64;
        Ok(Frame::parse(&bytes)?)
    }

    /// Sends one command and returns its result bytes (after `D7 <code+1>`). The reply
    /// is awaited at most `reply_timeout_ms`; on a time-out the command is cancelled
    /// with an ACK.
    pub async fn command(
        &mut self,
        cmd: &Command,
        reply_timeout_ms: u32,
    ) -> Result<Vec<u8>, PasoriError> {
        let c = cmd.code();
        self.write(&cmd.to_frame()).await?;
        match self.read(self.opts.command_timeout_ms).await? {
            Frame::Ack => {}
            Frame::Error => return Err(PasoriError::ErrorFrame { command: c }),
            _ => return Err(PasoriError::NotAcknowledged { command: c }),
        }
        match self.read(reply_timeout_ms).await {
            Ok(Frame::Data(d)) => Ok(port100::reply_body(&d, c)?.to_vec()),
            Ok(Frame::Error) => Err(PasoriError::ErrorFrame { command: c }),
            Ok(_) => Err(PasoriError::NotAcknowledged { command: c }),
            Err(e @ PasoriError::Pipe(PipeError::Timeout { .. })) => {
                // Cancel the command so that its late reply is not read as the next.
                let _ = self.write(&frame::ACK).await;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    async fn simple(&mut self, cmd: Command) -> Result<(), PasoriError> {
        let body = self.command(&cmd, self.opts.command_timeout_ms).await?;
        status_ok(cmd.code(), &body)
    }

    /// Switches the RF field on or off (SwitchRF). Off resets the card.
    pub async fn switch_rf(&mut self, on: bool) -> Result<(), PasoriError> {
        self.simple(Command::SwitchRf(on)).await?;
        self.rf_on = on;
        if !on {
            self.drop_host();
        }
        Ok(())
    }

    /// One RF exchange (InCommRF) with a receive timeout of `timeout_us`.
    async fn rf(&mut self, data: &[u8], timeout_us: u64) -> Result<RfResult, PasoriError> {
        let timeout = port100::comm_timeout(timeout_us);
        let usb_ms = u32::try_from(u64::from(timeout) / 10 + 1)
            .unwrap_or(u32::MAX)
            .saturating_add(self.opts.usb_margin_ms);
        self.figures.wire_bytes += data.len() as u64 + 2;
        self.figures.wire_time_us += typeb::frame_time_us(data.len());
        let cmd = Command::InCommRf {
            timeout,
            data: data.to_vec(),
        };
        let body = self.command(&cmd, usb_ms).await?;
        let (status, frame) = port100::comm_result(&body)?;
        if status == CommStatus::OK {
            self.figures.wire_bytes += frame.len() as u64 + 2;
            self.figures.wire_time_us += TURNAROUND_US + typeb::frame_time_us(frame.len());
            Ok(RfResult::Frame(frame.to_vec()))
        } else if status.has(CommStatus::RF_OFF) {
            Ok(RfResult::FieldOff)
        } else if status.has(CommStatus::RECEIVE_TIMEOUT) {
            Ok(RfResult::Timeout)
        } else if status.has(CommStatus::TEMPERATURE) || status.has(CommStatus::TRANSMIT_TIMEOUT) {
            Err(PasoriError::Comm(status))
        } else {
            Ok(RfResult::Garbled)
        }
    }

    /// Type B 106 kbit/s settings, field on, REQB/WUPB polling (ISO/IEC 14443-3 §7.7),
    /// ATQB (§7.9), ATTRIB (§7.10) — in up to `activation_rounds` rounds with a field
    /// reset between them (a card left ACTIVE by a lost answer to ATTRIB answers
    /// neither WUPB nor ATTRIB until it is reset).
    pub async fn activate(&mut self) -> Result<CardLink, PasoriError> {
        self.drop_host();
        let mut last = PasoriError::NoCard;
        for round in 0..self.opts.activation_rounds.max(1) {
            if round > 0 || self.rf_on {
                self.switch_rf(false).await?;
            }
            for cmd in port100::type_b_settings() {
                self.simple(cmd).await?;
            }
            self.switch_rf(true).await?;
            match self.poll_and_attrib().await {
                Ok(link) => {
                    self.figures.activations += 1;
                    self.had_card = true;
                    self.link = Some(link);
                    self.host = Some(IsoDepHost::new(link.isodep));
                    return Ok(link);
                }
                Err(e @ (PasoriError::NoCard | PasoriError::FieldLost)) => last = e,
                Err(PasoriError::Comm(_)) => last = PasoriError::NoCard,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    async fn poll_and_attrib(&mut self) -> Result<CardLink, PasoriError> {
        let mut atqb = None;
        for attempt in 0..self.opts.poll_attempts.max(1) {
            // REQB first; WUPB afterwards wakes a card in the HALT state too (§7.7.3).
            let req = typeb::reqb(self.opts.afi, attempt > 0);
            match self.rf(&req, ATQB_TIMEOUT_US).await? {
                RfResult::Frame(f) => {
                    atqb = Some(Atqb::parse(&f).map_err(PasoriError::TypeB)?);
                    break;
                }
                RfResult::FieldOff => return Err(PasoriError::FieldLost),
                RfResult::Timeout | RfResult::Garbled => {}
            }
        }
        let atqb = atqb.ok_or(PasoriError::NoCard)?;
        if !atqb.iso_dep() {
            return Err(PasoriError::TypeB(typeb::TypeBError::NotIsoDep));
        }
        let cid = if atqb.cid_supported() {
            self.opts.cid.map(|c| c & 0x0F)
        } else {
            None
        };
        let a = typeb::attrib(
            atqb.pupi,
            self.opts.fsdi,
            atqb.protocol_type & 0x07,
            cid.unwrap_or(0),
        );
        let timeout = atqb.fwt_us().min(FWT_MAX_US) + DELTA_FWT_US;
        let mbli = match self.rf(&a, timeout).await? {
            RfResult::Frame(f) => {
                typeb::parse_attrib_answer(&f, cid.unwrap_or(0)).map_err(PasoriError::TypeB)?
            }
            RfResult::FieldOff => return Err(PasoriError::FieldLost),
            RfResult::Timeout | RfResult::Garbled => return Err(PasoriError::NoCard),
        };
        let isodep = IsoDepConfig {
            fsc: atqb.fsc(),
            fsd: typeb::fsci_to_fsc(self.opts.fsdi),
            cid,
            fwt_us: atqb.fwt_us(),
            max_retries: self.opts.max_retries,
            max_wtx: self.opts.max_wtx,
            max_response: 65_538,
        };
        Ok(CardLink {
            atqb,
            mbli,
            cid,
            isodep,
        })
    }

    fn deadline_passed(&self, start: Option<u64>) -> bool {
        match (start, self.pipe.now_micros()) {
            (Some(a), Some(b)) => b.saturating_sub(a) > self.opts.apdu_deadline_ms * 1000,
            _ => false,
        }
    }

    /// Runs the ISO-DEP engine from `step` to its end.
    async fn run(&mut self, mut step: Step, start: Option<u64>) -> Result<Vec<u8>, PasoriError> {
        // The engine bounds its own steps; this bound only guards against a bug.
        for _ in 0..1_000_000u32 {
            match step {
                Step::Done(r) => return Ok(r),
                Step::Failed(e) => return Err(PasoriError::IsoDep(e)),
                Step::Send { block, timeout_us } => {
                    if self.deadline_passed(start) {
                        return Err(PasoriError::Deadline {
                            millis: self.opts.apdu_deadline_ms,
                        });
                    }
                    let r = self.rf(&block, timeout_us).await?;
                    let Some(host) = self.host.as_mut() else {
                        return Err(PasoriError::IsoDep(crate::isodep::IsoDepError::NotReady));
                    };
                    step = match r {
                        RfResult::Frame(f) => host.on_rx(Rx::Block(&f)),
                        RfResult::Timeout => host.on_rx(Rx::Timeout),
                        RfResult::Garbled => host.on_rx(Rx::Garbled),
                        RfResult::FieldOff => return Err(PasoriError::FieldLost),
                    };
                }
            }
        }
        Err(PasoriError::IsoDep(
            crate::isodep::IsoDepError::TooManyBlocks,
        ))
    }

    /// Sends one APDU and returns the response APDU.
    pub async fn exchange(&mut self, apdu: &[u8]) -> Result<Vec<u8>, PasoriError> {
        if self.host.as_ref().is_none_or(|h| !h.is_idle()) {
            match self.activate().await {
                Ok(_) => {}
                Err(PasoriError::NoCard) if self.had_card => return Err(PasoriError::CardRemoved),
                Err(e) => return Err(e),
            }
        }
        self.figures.apdus += 1;
        let start = self.pipe.now_micros();
        let step = match self.host.as_mut() {
            Some(h) => h.begin(apdu),
            None => return Err(PasoriError::NoCard),
        };
        match self.run(step, start).await {
            Ok(r) => Ok(r),
            Err(e @ PasoriError::Pipe(PipeError::Disconnected)) => {
                self.drop_host();
                Err(e)
            }
            Err(e) => {
                // Is the card still there? Reset the field and activate it again.
                self.drop_host();
                match self.activate().await {
                    Ok(_) => Err(e),
                    Err(PasoriError::NoCard) => Err(PasoriError::CardRemoved),
                    Err(other) => Err(other),
                }
            }
        }
    }

    /// S(DESELECT) (ISO/IEC 14443-4 §8) when a card is active, then the field off:
    /// the card loses power and every verified PIN.
    pub async fn power_down(&mut self) -> Result<(), PasoriError> {
        if let Some(step) = self
            .host
            .as_mut()
            .filter(|h| h.is_idle())
            .map(IsoDepHost::deselect)
        {
            let start = self.pipe.now_micros();
            // The field goes off anyway; a card that misses DESELECT is reset by it.
            let _ = self.run(step, start).await;
        }
        self.switch_rf(false).await
    }

    /// Field off and a closing ACK, as nfcpy does; gives the pipe back.
    pub async fn close(mut self) -> Result<P, PasoriError> {
        self.switch_rf(false).await?;
        self.write(&frame::ACK).await?;
        Ok(self.pipe)
    }
}

fn status_ok(command: u8, body: &[u8]) -> Result<(), PasoriError> {
    match body.first() {
        Some(0) => Ok(()),
        Some(&status) => Err(PasoriError::Status { command, status }),
        None => Err(PasoriError::Reply(port100::ReplyError::Short)),
    }
}

impl<P: UsbPipe> Transport for PasoriTransport<P> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.exchange(command).await.map_err(TransportError::from)
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        self.power_down().await.map_err(TransportError::from)
    }
}
