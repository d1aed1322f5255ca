//! One set of transport figures for every driver.

/// What a transport counted since it was opened. Every driver fills the counters that
/// apply to it and leaves the others at zero, so that a front end prints one shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// APDUs transmitted.
    pub apdus: u64,
    /// USB transfers (bulk, interrupt and control).
    pub usb_transfers: u64,
    /// Bytes sent over USB.
    pub usb_bytes_out: u64,
    /// Bytes received over USB.
    pub usb_bytes_in: u64,
    /// Bytes on the card's link: the contact I/O line (T=1 blocks, PPS, ATR; for
    /// APDU-level CCID readers an estimate) or the RF field (frames with CRC_B).
    pub wire_bytes: u64,
    /// Modelled time on that link at the negotiated rate, in µs.
    pub wire_time_us: u64,
    /// Elapsed time by the pipe's clock since the transport opened, in µs (when known).
    pub elapsed_us: Option<u64>,
    /// Protocol blocks sent: T=1 blocks (ISO/IEC 7816-3 §11) or ISO-DEP blocks
    /// (ISO/IEC 14443-4 §7).
    pub blocks_sent: u64,
    /// Blocks sent again after an error (ISO/IEC 14443-4 §7.5.4 rule 6).
    pub retransmissions: u64,
    /// R-block error recoveries (ISO/IEC 14443-4 §7.5.4 rules 4 and 5).
    pub recoveries: u64,
    /// Waiting-time extensions: CCID time extension replies (bStatus 0x80, CCID §6.2.6)
    /// or S(WTX) requests (ISO/IEC 14443-4 §7.3).
    pub time_extensions: u64,
    /// CCID replies with a stale bSeq skipped (CCID §6.2).
    pub stale_replies: u64,
    /// Contactless card activations (REQB/WUPB … ATTRIB, ISO/IEC 14443-3 §7).
    pub activations: u64,
}
