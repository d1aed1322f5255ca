//! The USB pipe every reader driver talks through.
//!
//! A CCID reader uses three endpoints (CCID spec §3.2, "Endpoints"): bulk-OUT for
//! PC_to_RDR messages, bulk-IN for RDR_to_PC replies, and an optional interrupt-IN for
//! NotifySlotChange / HardwareError. The RC-S380 uses one bulk pair for Port-100 frames.
//! Class descriptors are read with a GET_DESCRIPTOR control transfer (USB 2.0 §9.4.3)
//! because WebUSB does not expose them.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// What a USB transfer can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PipeError {
    /// Nothing arrived within the time allowed.
    Timeout {
        /// The time allowed, in milliseconds.
        millis: u32,
    },
    /// The endpoint answered STALL.
    Stall,
    /// The device is gone (unplugged, or the browser revoked access).
    Disconnected,
    /// Any other transfer error reported by the platform.
    Other(String),
}

impl fmt::Display for PipeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipeError::Timeout { millis } => write!(f, "USB transfer timed out after {millis} ms"),
            PipeError::Stall => write!(f, "USB endpoint stalled"),
            PipeError::Disconnected => write!(f, "USB device disconnected"),
            PipeError::Other(m) => write!(f, "USB transfer failed: {m}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PipeError {}

/// The bulk pair, the optional interrupt-IN endpoint and the default control pipe of one
/// reader interface.
///
/// Implemented by the WebUSB backend, a native USB backend and the virtual readers of
/// `inkan-sim`. The futures have no `Send` bound so that single-threaded WebAssembly can
/// implement it. Every read takes a timeout: WebUSB's `transferIn` has none of its own,
/// so implementations race it against a timer.
#[allow(async_fn_in_trait)]
pub trait UsbPipe {
    /// Writes one message (a PC_to_RDR message, a Port-100 frame) to the bulk-OUT endpoint.
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), PipeError>;

    /// Reads one message (at most `max_len` bytes) from the bulk-IN endpoint,
    /// waiting at most `timeout_ms`.
    async fn bulk_in(&mut self, max_len: usize, timeout_ms: u32) -> Result<Vec<u8>, PipeError>;

    /// Reads one notification from the interrupt-IN endpoint, waiting at most `timeout_ms`.
    async fn interrupt_in(&mut self, timeout_ms: u32) -> Result<Vec<u8>, PipeError>;

    /// A control-IN transfer on endpoint 0 (USB 2.0 §9.3), used for GET_DESCRIPTOR.
    async fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        len: u16,
    ) -> Result<Vec<u8>, PipeError>;

    /// A monotonic clock in microseconds, if the platform has one (the virtual readers
    /// return their simulated time). Used for per-APDU deadlines and the figures.
    fn now_micros(&self) -> Option<u64> {
        None
    }
}

impl<P: UsbPipe + ?Sized> UsbPipe for &mut P {
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), PipeError> {
        (**self).bulk_out(data).await
    }
    async fn bulk_in(&mut self, max_len: usize, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        (**self).bulk_in(max_len, timeout_ms).await
    }
    async fn interrupt_in(&mut self, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        (**self).interrupt_in(timeout_ms).await
    }
    async fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        len: u16,
    ) -> Result<Vec<u8>, PipeError> {
        (**self)
            .control_in(request_type, request, value, index, len)
            .await
    }
    fn now_micros(&self) -> Option<u64> {
        (**self).now_micros()
    }
}
