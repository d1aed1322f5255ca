//! Seeded fault injection for the virtual readers.

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// A byte of the host's block is flipped on the way to the card (its EDC fails).
    CorruptToCard,
    /// A byte of the card's block is flipped on the way to the host.
    CorruptFromCard,
    /// The host's block is lost; the reader reports ICC_MUTE after BWT.
    DropToCard,
    /// The card's answer is lost; the reader reports ICC_MUTE after BWT.
    DropFromCard,
    /// The reader sends its reply twice (the copy arrives with a stale bSeq later).
    Duplicate,
    /// The card asks for a waiting-time extension (S(WTX request)) before answering.
    CardWtx,
    /// The reader sends a time extension (bStatus 0x80) before its reply.
    TimeExtension,
    /// The reader first sends a reply with a wrong bSeq.
    WrongSeq,
    /// The bulk-IN endpoint stalls once.
    Stall,
    /// The reply is lost on USB (the host's read times out).
    UsbLoss,
    /// The card is pulled out.
    CardRemoved,
    /// The reader is unplugged.
    Unplug,
}

/// Fault injection settings: `--faults SEED:RATE`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultConfig {
    /// Seed of the schedule.
    pub seed: u64,
    /// Probability of a fault per XfrBlock (0.0 – 1.0).
    pub rate: f64,
    /// Whether terminal faults (card removed, reader unplugged) may be drawn.
    pub terminal: bool,
}

impl FaultConfig {
    /// Parses `SEED:RATE` (e.g. `42:0.05`).
    pub fn parse(s: &str) -> Option<FaultConfig> {
        let (seed, rate) = s.split_once(':')?;
        let seed = seed.trim().parse().ok()?;
        let rate: f64 = rate.trim().parse().ok()?;
        (0.0..=1.0).contains(&rate).then_some(FaultConfig {
            seed,
            rate,
            terminal: true,
        })
    }

    pub(crate) fn pick(&self, rng: &mut Rng, tpdu: bool) -> Option<Fault> {
        if rng.unit() >= self.rate {
            return None;
        }
        const TPDU: [Fault; 10] = [
            Fault::CorruptToCard,
            Fault::CorruptFromCard,
            Fault::DropToCard,
            Fault::DropFromCard,
            Fault::Duplicate,
            Fault::CardWtx,
            Fault::TimeExtension,
            Fault::WrongSeq,
            Fault::Stall,
            Fault::UsbLoss,
        ];
        const APDU: [Fault; 5] = [
            Fault::Duplicate,
            Fault::TimeExtension,
            Fault::WrongSeq,
            Fault::Stall,
            Fault::UsbLoss,
        ];
        if self.terminal && rng.below(40) == 0 {
            return Some(if rng.below(2) == 0 {
                Fault::CardRemoved
            } else {
                Fault::Unplug
            });
        }
        let list: &[Fault] = if tpdu { &TPDU } else { &APDU };
        let i = usize::try_from(rng.below(list.len() as u64)).unwrap_or(0);
        list.get(i).copied()
    }
}

/// How many faults of each kind were injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultCounts {
    /// Every fault.
    pub total: u64,
    /// Corrupted blocks (either direction).
    pub corrupted: u64,
    /// Dropped blocks (either direction).
    pub dropped: u64,
    /// Duplicated replies.
    pub duplicated: u64,
    /// Card WTX requests.
    pub wtx: u64,
    /// Reader time extensions.
    pub time_extensions: u64,
    /// Wrong-seq replies.
    pub wrong_seq: u64,
    /// Stalls.
    pub stalls: u64,
    /// Replies lost on USB.
    pub usb_loss: u64,
    /// Card removals.
    pub removed: u64,
    /// Unplugs.
    pub unplugged: u64,
}

impl FaultCounts {
    pub(crate) fn count(&mut self, f: Fault) {
        self.total += 1;
        match f {
            Fault::CorruptToCard | Fault::CorruptFromCard => self.corrupted += 1,
            Fault::DropToCard | Fault::DropFromCard => self.dropped += 1,
            Fault::Duplicate => self.duplicated += 1,
            Fault::CardWtx => self.wtx += 1,
            Fault::TimeExtension => self.time_extensions += 1,
            Fault::WrongSeq => self.wrong_seq += 1,
            Fault::Stall => self.stalls += 1,
            Fault::UsbLoss => self.usb_loss += 1,
            Fault::CardRemoved => self.removed += 1,
            Fault::Unplug => self.unplugged += 1,
        }
    }
}

/// SplitMix64: small, seeded, reproducible.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}
