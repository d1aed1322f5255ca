//! [`CcidTransport`]: an [`inkan_apdu::Transport`] over any [`UsbPipe`].

use crate::atr::{self, Atr, Edc};
use crate::descriptor::{self, CcidInterface, ExchangeLevel, feature};
use crate::error::CcidError;
use crate::message::{
    CommandStatus, HostFrame, HostMessage, IccStatus, Notification, ReaderFrame, ReaderMessage,
    T1Parameters, Voltage, slot_error,
};
use crate::t1::{Step, T1Config, T1Host};
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;
use inkan_apdu::{Transport, TransportError};
use inkan_usb::{Figures, PipeError, UsbPipe};

/// Driver options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CcidOptions {
    /// bSlot to use.
    pub slot: u8,
    /// Timeout of a reader command that does not involve the card (ms).
    pub command_timeout_ms: u32,
    /// Added to the block waiting time for each TPDU read, and the whole wait for an
    /// APDU-level read between time extensions (ms).
    pub usb_margin_ms: u32,
    /// Time extensions (bStatus 0x80) accepted for one command.
    pub max_time_extensions: u16,
    /// Replies with a stale bSeq skipped for one command.
    pub max_stale_replies: u16,
    /// Deadline of one APDU, enforced when the pipe has a clock (ms).
    pub apdu_deadline_ms: u64,
    /// Whether to negotiate a faster FI/DI from TA1 (PPS / SetParameters).
    pub negotiate_speed: bool,
}

impl Default for CcidOptions {
    fn default() -> Self {
        CcidOptions {
            slot: 0,
            command_timeout_ms: 5_000,
            usb_margin_ms: 1_000,
            max_time_extensions: 120,
            max_stale_replies: 8,
            apdu_deadline_ms: 120_000,
            negotiate_speed: true,
        }
    }
}

/// The negotiated link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkParams {
    /// The exchange level.
    pub level: ExchangeLevel,
    /// FI/DI in force (TA1 format).
    pub fidi: u8,
    /// Clock in kHz (dwDefaultClock).
    pub clock_khz: u32,
    /// Extra guard time N (TC1).
    pub guard_n: u8,
    /// BWI and CWI.
    pub bwi: u8,
    /// CWI.
    pub cwi: u8,
    /// EDC.
    pub edc: Edc,
    /// IFSC.
    pub ifsc: u8,
    /// IFSD.
    pub ifsd: u8,
}

impl LinkParams {
    /// One elementary time unit in nanoseconds: "1 etu = F/D × 1/f" (ISO/IEC 7816-3 §7.1).
    pub fn etu_ns(&self) -> u64 {
        let f = u64::from(atr::fi(self.fidi >> 4).unwrap_or(372));
        let d = u64::from(atr::di(self.fidi & 0x0F).unwrap_or(1));
        let clock = u64::from(self.clock_khz.max(1));
        f * 1_000_000 / (d * clock)
    }

    /// Bits per second on the I/O line.
    pub fn bit_rate(&self) -> u64 {
        1_000_000_000 / self.etu_ns().max(1)
    }

    /// Character duration in etu for T=1: "CGT = 12 etu + R × N/f"; "if N = 255, … CGT =
    /// 11 etu" (ISO/IEC 7816-3 §8.3 and §11.2).
    pub fn char_etu(&self) -> u64 {
        if self.guard_n == 255 {
            11
        } else {
            12 + u64::from(self.guard_n)
        }
    }

    /// Modelled time of one block of `len` bytes plus the block guard time "BGT = 22 etu"
    /// (§11.2), in ns.
    pub fn block_ns(&self, len: usize) -> u64 {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        (len.saturating_mul(self.char_etu()) + 22).saturating_mul(self.etu_ns())
    }

    /// BWT in ms: "BWT = 11 etu + 2^BWI × 960 × Fd/f" with Fd = 372 (§11.4.3).
    pub fn bwt_ms(&self) -> u32 {
        let clock = u64::from(self.clock_khz.max(1));
        let bwt_us =
            11 * self.etu_ns() / 1000 + (1u64 << self.bwi.min(9)) * 960 * 372 * 1000 / clock;
        u32::try_from(bwt_us / 1000 + 1).unwrap_or(u32::MAX)
    }
}

/// A card-insertion event from NotifySlotChange (CCID §6.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotEvent {
    /// A card is present.
    Inserted,
    /// The card was taken out.
    Removed,
    /// The reader reported a hardware error (§6.3.2).
    HardwareError(u8),
}

/// A CCID reader driving the My Number Card: power-on, parameter set-up per the reader's
/// dwFeatures, then APDUs (T=1 TPDUs or APDU-level XfrBlocks).
#[derive(Debug)]
pub struct CcidTransport<P: UsbPipe> {
    pipe: P,
    iface: CcidInterface,
    opts: CcidOptions,
    seq: u8,
    atr: Option<Atr>,
    link: LinkParams,
    t1: Option<T1Host>,
    powered: bool,
    removed: bool,
    figures: Figures,
    start_us: Option<u64>,
    apdu_start_us: Option<u64>,
}

/// Whether a command may be sent again after a T=1 resynchronisation (reads only).
pub fn repeatable(apdu: &[u8]) -> bool {
    match apdu.get(1) {
        Some(0xA4 | 0xB0 | 0xB1 | 0xB2 | 0xC0 | 0xCA) => true,
        // VERIFY without data only reads the retry counter (FACTS §3).
        Some(0x20) => apdu.len() <= 5,
        _ => false,
    }
}

impl<P: UsbPipe> CcidTransport<P> {
    /// Reads the configuration descriptor over the control pipe, finds the CCID
    /// interface and opens the reader.
    pub async fn open(mut pipe: P, opts: CcidOptions) -> Result<Self, CcidError> {
        let config = inkan_usb::descriptor::read_config(&mut pipe, 0)
            .await
            .map_err(|e| match e {
                inkan_usb::DescriptorError::Pipe(p) => CcidError::from(p),
                other => CcidError::Descriptor(other.into()),
            })?;
        let iface = descriptor::find_ccid_interface(&config).map_err(CcidError::Descriptor)?;
        Self::with_interface(pipe, iface, opts).await
    }

    /// Opens a reader whose interface is already known: powers the card on and sets the
    /// link up.
    pub async fn with_interface(
        pipe: P,
        iface: CcidInterface,
        opts: CcidOptions,
    ) -> Result<Self, CcidError> {
        let level = iface.ccid.level();
        if level == ExchangeLevel::Character {
            return Err(CcidError::Unsupported(
                "character-level CCID readers".to_string(),
            ));
        }
        let start_us = pipe.now_micros();
        let link = LinkParams {
            level,
            fidi: 0x11,
            clock_khz: iface.ccid.default_clock_khz.max(1),
            guard_n: 0,
            bwi: 4,
            cwi: 13,
            edc: Edc::Lrc,
            ifsc: 32,
            ifsd: 32,
        };
        let mut t = CcidTransport {
            pipe,
            iface,
            opts,
            seq: 0,
            atr: None,
            link,
            t1: None,
            powered: false,
            removed: false,
            figures: Figures::default(),
            start_us,
            apdu_start_us: None,
        };
        t.power_on().await?;
        Ok(t)
    }

    /// The CCID interface in use.
    pub fn interface(&self) -> &CcidInterface {
        &self.iface
    }

    /// The card's ATR (after power-on).
    pub fn atr(&self) -> Option<&Atr> {
        self.atr.as_ref()
    }

    /// The link parameters in force.
    pub fn link(&self) -> LinkParams {
        self.link
    }

    /// Transport figures so far.
    pub fn figures(&self) -> Figures {
        let mut f = self.figures;
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

    /// The longest one APDU may take when the pipe has a clock: the deadline plus one
    /// read (the last read may start just before it).
    pub fn apdu_time_bound_ms(&self) -> u64 {
        self.opts.apdu_deadline_ms + u64::from(self.read_timeout_ms(255))
    }

    fn read_timeout_ms(&self, wtx: u8) -> u32 {
        match self.link.level {
            ExchangeLevel::Tpdu => self
                .link
                .bwt_ms()
                .saturating_mul(u32::from(wtx.max(1)))
                .saturating_add(self.opts.usb_margin_ms),
            _ => self.opts.command_timeout_ms,
        }
    }

    fn check_deadline(&self) -> Result<(), CcidError> {
        if let (Some(start), Some(now)) = (self.apdu_start_us, self.pipe.now_micros())
            && now.saturating_sub(start) > self.opts.apdu_deadline_ms * 1000
        {
            return Err(CcidError::Deadline {
                millis: self.opts.apdu_deadline_ms,
            });
        }
        Ok(())
    }

    /// Sends one PC_to_RDR message and returns the matching reply, skipping replies
    /// with another bSeq ("the bSeq of the response ... shall be the same as the
    /// command's", CCID §6.2) and waiting through time extensions (bmCommandStatus 2).
    async fn command(
        &mut self,
        message: HostMessage,
        timeout_ms: u32,
    ) -> Result<ReaderFrame, CcidError> {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        let frame = HostFrame {
            slot: self.opts.slot,
            seq,
            message,
        };
        let during = frame.encode().first().copied().unwrap_or(0);
        let bytes = frame.encode();
        if bytes.len() > usize::try_from(self.iface.ccid.max_message_len).unwrap_or(usize::MAX) {
            return Err(CcidError::Unsupported(format!(
                "message of {} bytes exceeds dwMaxCCIDMessageLength {}",
                bytes.len(),
                self.iface.ccid.max_message_len
            )));
        }
        self.check_deadline()?;
        self.figures.usb_transfers += 1;
        self.figures.usb_bytes_out += bytes.len() as u64;
        self.pipe.bulk_out(&bytes).await?;
        let max_len = usize::try_from(self.iface.ccid.max_message_len)
            .unwrap_or(usize::MAX)
            .max(64);
        let mut stale = 0u16;
        let mut ext = 0u16;
        let bound =
            u32::from(self.opts.max_stale_replies) + u32::from(self.opts.max_time_extensions) + 1;
        for _ in 0..bound {
            self.check_deadline()?;
            self.figures.usb_transfers += 1;
            let reply = self.pipe.bulk_in(max_len, timeout_ms).await?;
            self.figures.usb_bytes_in += reply.len() as u64;
            let f = match ReaderFrame::decode(&reply) {
                Ok(f) => f,
                Err(e) => return Err(CcidError::Codec(e)),
            };
            if f.seq != seq || f.slot != self.opts.slot {
                stale += 1;
                self.figures.stale_replies += 1;
                if stale > self.opts.max_stale_replies {
                    return Err(CcidError::TooManyReplies);
                }
                continue;
            }
            match f.state.command() {
                CommandStatus::TimeExtension => {
                    ext += 1;
                    self.figures.time_extensions += 1;
                    if ext > self.opts.max_time_extensions {
                        return Err(CcidError::TooManyReplies);
                    }
                }
                CommandStatus::Failed => {
                    let icc = f.state.icc();
                    if icc == IccStatus::Absent {
                        self.removed = true;
                        self.powered = false;
                    }
                    return Err(CcidError::Slot {
                        during,
                        icc,
                        error: f.state.error,
                    });
                }
                CommandStatus::Ok | CommandStatus::Rfu => return Ok(f),
            }
        }
        Err(CcidError::TooManyReplies)
    }

    /// Powers the card on (IccPowerOn, CCID §6.1.1) and sets the link up: for TPDU
    /// readers PPS unless the reader has auto-PPS, SetParameters unless it negotiates
    /// parameters itself, and S(IFS request) unless it exchanges IFSD itself (FACTS §7).
    pub async fn power_on(&mut self) -> Result<(), CcidError> {
        let d = &self.iface.ccid;
        let voltage = if d.has(feature::AUTO_VOLTAGE) {
            Voltage::Auto
        } else if d.voltage_support & 1 != 0 || d.voltage_support == 0 {
            Voltage::V5
        } else if d.voltage_support & 2 != 0 {
            Voltage::V3
        } else {
            Voltage::V1_8
        };
        let timeout = self.opts.command_timeout_ms;
        let reply = match self
            .command(HostMessage::IccPowerOn { voltage }, timeout)
            .await
        {
            Ok(r) => r,
            Err(CcidError::Slot {
                icc: IccStatus::Absent,
                ..
            }) => return Err(CcidError::NoCard),
            Err(e) => return Err(e),
        };
        let ReaderMessage::DataBlock {
            data: atr_bytes, ..
        } = reply.message
        else {
            return Err(CcidError::UnexpectedReply(
                "IccPowerOn not answered by a DataBlock".to_string(),
            ));
        };
        self.removed = false;
        self.powered = true;
        if self.link.level != ExchangeLevel::Tpdu {
            self.atr = Atr::parse(&atr_bytes).ok();
            return Ok(());
        }
        let atr = Atr::parse(&atr_bytes).map_err(CcidError::Atr)?;
        if !atr.offers_t1() {
            return Err(CcidError::Unsupported(
                "the card does not offer T=1".to_string(),
            ));
        }
        let (bwi, cwi) = atr.bwi_cwi();
        let edc = atr.edc();
        let edc_len = if edc == Edc::Crc { 2 } else { 1 };
        let block_room = self.iface.ccid.max_data_len().saturating_sub(3 + edc_len);
        let room = u8::try_from(block_room.min(254)).unwrap_or(254);
        let ifsc = atr.ifsc().min(room);
        self.link.guard_n = atr.extra_guard_time();
        self.link.bwi = bwi;
        self.link.cwi = cwi;
        self.link.edc = edc;
        self.link.ifsc = ifsc;
        self.link.ifsd = 32;
        self.link.fidi = 0x11;
        self.figures.wire_bytes += atr_bytes.len() as u64;
        self.figures.wire_time_us += self.link.block_ns(atr_bytes.len()) / 1000;
        let wanted = self.choose_fidi(&atr);
        let d = self.iface.ccid.clone();
        let mut fidi = if atr.specific_mode().is_some() {
            atr.fidi()
        } else {
            0x11
        };
        if atr.specific_mode().is_none() && wanted != 0x11 {
            if d.has(feature::AUTO_PPS) || d.has(feature::AUTO_PARAMETERS) {
                // The reader runs PPS itself with the parameters it is given (or found).
                fidi = wanted;
            } else {
                // ISO/IEC 7816-3 §9: PPS request right after the ATR.
                let req = atr::pps_request(1, wanted);
                let r = self
                    .command(
                        HostMessage::XfrBlock {
                            bwi: 0,
                            level: 0,
                            data: req.to_vec(),
                        },
                        timeout,
                    )
                    .await;
                self.figures.wire_bytes += 8;
                self.figures.wire_time_us += 2 * self.link.block_ns(4) / 1000;
                if let Ok(ReaderFrame {
                    message: ReaderMessage::DataBlock { data, .. },
                    ..
                }) = r
                {
                    fidi = atr::pps_confirmed(&req, &data).unwrap_or(0x11);
                }
            }
        }
        self.link.fidi = fidi;
        self.link.clock_khz = d.clock_khz_for_fi(fidi >> 4);
        if !d.has(feature::AUTO_PARAMETERS) {
            let params = T1Parameters {
                findex_dindex: fidi,
                tcck: 0x10 | u8::from(edc == Edc::Crc) | (u8::from(atr.inverse) << 1),
                guard_time: self.link.guard_n,
                waiting_integers: (bwi << 4) | (cwi & 0x0F),
                clock_stop: 0,
                ifsc,
                nad: 0,
            };
            let r = self
                .command(
                    HostMessage::SetParameters {
                        protocol: 1,
                        data: params.to_bytes(),
                    },
                    timeout,
                )
                .await?;
            if let ReaderMessage::Parameters { data, .. } = &r.message
                && let Some(p) = T1Parameters::from_bytes(data)
            {
                self.link.fidi = p.findex_dindex;
                self.link.clock_khz = d.clock_khz_for_fi(p.findex_dindex >> 4);
            }
        }
        let max_ifsd = u8::try_from(d.max_ifsd.min(254))
            .unwrap_or(254)
            .min(room)
            .max(1);
        let mut host = T1Host::new(T1Config {
            ifsc,
            ifsd: 32,
            edc,
            ..T1Config::default()
        });
        if d.has(feature::AUTO_IFSD) {
            self.link.ifsd = max_ifsd;
            host = T1Host::new(T1Config {
                ifsc,
                ifsd: max_ifsd,
                edc,
                ..T1Config::default()
            });
            self.t1 = Some(host);
        } else {
            // "the interface device ... S(IFS request)" as first block (§11.4.2).
            let step = host.negotiate_ifsd(max_ifsd);
            self.t1 = Some(host);
            self.apdu_start_us = self.pipe.now_micros();
            let r = self.run_t1(step).await;
            self.apdu_start_us = None;
            r?;
            self.link.ifsd = self.t1.as_ref().map_or(32, |h| h.config().ifsd);
        }
        self.atr = Some(atr);
        Ok(())
    }

    /// TA1 if the reader can run the card that fast, else the default 0x11.
    fn choose_fidi(&self, atr: &Atr) -> u8 {
        let ta1 = atr.fidi();
        if !self.opts.negotiate_speed {
            return 0x11;
        }
        let (Some(f), Some(d)) = (atr::fi(ta1 >> 4), atr::di(ta1 & 0x0F)) else {
            return 0x11;
        };
        let clock_khz = self.iface.ccid.clock_khz_for_fi(ta1 >> 4);
        let rate = u64::from(clock_khz) * 1000 * u64::from(d) / u64::from(f);
        let fmax_ok = atr::fmax_khz(ta1 >> 4) >= clock_khz;
        if rate <= u64::from(self.iface.ccid.max_data_rate) && fmax_ok {
            ta1
        } else {
            0x11
        }
    }

    async fn run_t1(&mut self, first: Step) -> Result<Vec<u8>, CcidError> {
        let mut step = first;
        // Each step consumes one engine step; the engine fails with TooManyBlocks past
        // its own bound, so this loop's bound is never the one that stops it.
        for _ in 0..100_000u32 {
            match step {
                Step::Done(v) => return Ok(v),
                Step::Failed(e) => return Err(CcidError::T1(e)),
                Step::Send { block, wtx } => {
                    self.figures.blocks_sent += 1;
                    self.figures.wire_bytes += block.len() as u64;
                    self.figures.wire_time_us += self.link.block_ns(block.len()) / 1000;
                    let timeout = self.read_timeout_ms(wtx);
                    let r = self
                        .command(
                            HostMessage::XfrBlock {
                                bwi: if wtx > 1 { wtx } else { 0 },
                                level: 0,
                                data: block,
                            },
                            timeout,
                        )
                        .await;
                    let host = self
                        .t1
                        .as_mut()
                        .ok_or_else(|| CcidError::Unsupported("T=1 not set up".to_string()))?;
                    step = match r {
                        Ok(ReaderFrame {
                            message: ReaderMessage::DataBlock { data, .. },
                            ..
                        }) => {
                            self.figures.wire_bytes += data.len() as u64;
                            self.figures.wire_time_us += self.link.block_ns(data.len()) / 1000;
                            host.on_block(&data)
                        }
                        Err(CcidError::Slot {
                            error: slot_error::ICC_MUTE | slot_error::XFR_PARITY_ERROR,
                            icc: IccStatus::Active,
                            ..
                        }) => host.on_timeout(),
                        Ok(_) => {
                            host.mark_out_of_step();
                            return Err(CcidError::UnexpectedReply(
                                "XfrBlock not answered by a DataBlock".to_string(),
                            ));
                        }
                        Err(e) => {
                            host.mark_out_of_step();
                            return Err(e);
                        }
                    };
                }
            }
        }
        Err(CcidError::T1(crate::t1::T1Error::TooManyBlocks))
    }

    async fn apdu_level(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CcidError> {
        let max = self.iface.ccid.max_data_len().max(1);
        let timeout = self.opts.command_timeout_ms;
        self.count_apdu_wire(apdu.len());
        let mut reply = if apdu.len() <= max {
            self.command(
                HostMessage::XfrBlock {
                    bwi: 0,
                    level: 0,
                    data: apdu.to_vec(),
                },
                timeout,
            )
            .await?
        } else {
            if self.link.level != ExchangeLevel::ExtendedApdu {
                return Err(CcidError::Unsupported(format!(
                    "APDU of {} bytes on a short-APDU reader",
                    apdu.len()
                )));
            }
            // CCID §6.1.4: wLevelParameter 1 begins, 3 continues, 2 ends.
            let chunks: Vec<&[u8]> = apdu.chunks(max).collect();
            let n = chunks.len();
            let mut last = None;
            for (i, c) in chunks.into_iter().enumerate() {
                let level = if i == 0 {
                    1
                } else if i + 1 == n {
                    2
                } else {
                    3
                };
                let r = self
                    .command(
                        HostMessage::XfrBlock {
                            bwi: 0,
                            level,
                            data: c.to_vec(),
                        },
                        timeout,
                    )
                    .await?;
                last = Some(r);
            }
            last.ok_or_else(|| CcidError::UnexpectedReply("no reply".to_string()))?
        };
        let mut out = Vec::new();
        // Response chaining: bChainParameter 1 or 3 → ask for more with wLevelParameter
        // 0x10 (CCID §6.2.1). Bounded by the largest extended response.
        for _ in 0..(65_540 / max + 2) {
            let ReaderMessage::DataBlock { chain, data } = reply.message else {
                return Err(CcidError::UnexpectedReply(
                    "XfrBlock not answered by a DataBlock".to_string(),
                ));
            };
            out.extend_from_slice(&data);
            if chain != 1 && chain != 3 {
                self.count_apdu_wire(out.len());
                return Ok(out);
            }
            reply = self
                .command(
                    HostMessage::XfrBlock {
                        bwi: 0,
                        level: 0x10,
                        data: Vec::new(),
                    },
                    timeout,
                )
                .await?;
        }
        Err(CcidError::TooManyReplies)
    }

    fn count_apdu_wire(&mut self, len: usize) {
        // Estimate for APDU-level readers, which hide the card link: T=1-like framing of
        // 4 bytes per 254-byte block, 10 bits a byte at dwMaxDataRate.
        let blocks = len / 254 + 1;
        let bytes = (len + 4 * blocks) as u64;
        self.figures.wire_bytes += bytes;
        let bps = u64::from(self.iface.ccid.max_data_rate.max(1));
        self.figures.wire_time_us += bytes * 10 * 1_000_000 / bps;
    }

    /// Sends one APDU and returns the response APDU.
    pub async fn exchange(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CcidError> {
        if self.removed {
            return Err(CcidError::CardRemoved);
        }
        if !self.powered {
            self.power_on().await?;
        }
        self.figures.apdus += 1;
        self.apdu_start_us = self.pipe.now_micros();
        let r = match self.link.level {
            ExchangeLevel::Tpdu => {
                let step = match self.t1.as_mut() {
                    Some(h) => h.begin(apdu, repeatable(apdu)),
                    None => return Err(CcidError::Unsupported("T=1 not set up".to_string())),
                };
                self.run_t1(step).await
            }
            _ => self.apdu_level(apdu).await,
        };
        self.apdu_start_us = None;
        if let Err(CcidError::Slot {
            icc: IccStatus::Absent,
            ..
        }) = r
        {
            return Err(CcidError::CardRemoved);
        }
        r
    }

    /// Powers the card off (IccPowerOff, CCID §6.1.2): verified PINs are forgotten.
    pub async fn power_down(&mut self) -> Result<(), CcidError> {
        self.powered = false;
        if let Some(h) = self.t1.as_mut() {
            *h = T1Host::new(h.config());
        }
        let timeout = self.opts.command_timeout_ms;
        match self.command(HostMessage::IccPowerOff, timeout).await {
            Ok(_) => Ok(()),
            Err(CcidError::Slot {
                icc: IccStatus::Absent,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// GetSlotStatus (CCID §6.1.3): the card's presence.
    pub async fn slot_status(&mut self) -> Result<IccStatus, CcidError> {
        let timeout = self.opts.command_timeout_ms;
        match self.command(HostMessage::GetSlotStatus, timeout).await {
            Ok(f) => Ok(f.state.icc()),
            Err(CcidError::Slot { icc, .. }) => Ok(icc),
            Err(e) => Err(e),
        }
    }

    /// Waits at most `timeout_ms` for a notification on the interrupt pipe (CCID §6.3)
    /// and reports card insertion or removal in our slot. `Ok(None)` when nothing came
    /// or the reader has no interrupt endpoint.
    pub async fn poll_slot_change(
        &mut self,
        timeout_ms: u32,
    ) -> Result<Option<SlotEvent>, CcidError> {
        if self.iface.interrupt_in.is_none() {
            return Ok(None);
        }
        self.figures.usb_transfers += 1;
        let bytes = match self.pipe.interrupt_in(timeout_ms).await {
            Ok(b) => b,
            Err(PipeError::Timeout { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        self.figures.usb_bytes_in += bytes.len() as u64;
        let n = Notification::decode(&bytes).map_err(CcidError::Codec)?;
        match n {
            Notification::HardwareError { code, .. } => Ok(Some(SlotEvent::HardwareError(code))),
            Notification::SlotChange(_) => match n.slot_state(self.opts.slot) {
                Some((true, _)) => Ok(Some(SlotEvent::Inserted)),
                Some((false, _)) => {
                    self.removed = true;
                    self.powered = false;
                    Ok(Some(SlotEvent::Removed))
                }
                None => Ok(None),
            },
        }
    }

    /// Powers the card on again after a removal and re-insertion.
    pub async fn reconnect(&mut self) -> Result<(), CcidError> {
        self.removed = false;
        self.powered = false;
        self.t1 = None;
        self.power_on().await
    }
}

impl<P: UsbPipe> Transport for CcidTransport<P> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.exchange(command).await.map_err(TransportError::from)
    }

    fn supports_extended(&self) -> bool {
        self.link.level == ExchangeLevel::ExtendedApdu
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        self.power_down().await.map_err(TransportError::from)
    }
}
