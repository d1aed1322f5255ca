//! [`VirtualDevice`]: any virtual reader as one USB device, so that a front end opens it
//! the way it opens real hardware — configuration descriptor, driver choice, driver.

use super::VirtualReader;
use super::rcs380::VirtualRcS380;
use inkan_ccid::{PipeError, UsbPipe};

/// A virtual CCID reader or a virtual RC-S380.
#[derive(Debug)]
pub enum VirtualDevice {
    /// One of the five CCID models.
    Ccid(VirtualReader),
    /// The Sony RC-S380.
    RcS380(VirtualRcS380),
}

impl VirtualDevice {
    /// idVendor and idProduct, as the device descriptor gives them.
    pub fn ids(&self) -> (u16, u16) {
        match self {
            VirtualDevice::Ccid(r) => (r.model().facts().vendor_id, r.model().facts().product_id),
            VirtualDevice::RcS380(r) => (inkan_pasori::VENDOR_ID, r.product_id()),
        }
    }

    /// The model's CLI name (`scr3310-nttcom`, …, `rc-s380`).
    pub fn name(&self) -> &'static str {
        match self {
            VirtualDevice::Ccid(r) => r.model().name(),
            VirtualDevice::RcS380(_) => "rc-s380",
        }
    }

    /// Simulated time since the device was made, µs.
    pub fn clock_us(&self) -> u64 {
        match self {
            VirtualDevice::Ccid(r) => r.clock_us(),
            VirtualDevice::RcS380(r) => r.clock_us(),
        }
    }

    /// Modelled time on the card's link, µs.
    pub fn wire_us(&self) -> u64 {
        match self {
            VirtualDevice::Ccid(r) => r.wire_us(),
            VirtualDevice::RcS380(r) => r.wire_us(),
        }
    }

    /// Bytes on the card's link.
    pub fn wire_bytes(&self) -> u64 {
        match self {
            VirtualDevice::Ccid(r) => r.wire_bytes(),
            VirtualDevice::RcS380(r) => r.wire_bytes(),
        }
    }

    /// Faults injected so far.
    pub fn faults_injected(&self) -> u64 {
        match self {
            VirtualDevice::Ccid(r) => r.fault_counts().total,
            VirtualDevice::RcS380(r) => r.fault_counts().total,
        }
    }
}

impl UsbPipe for VirtualDevice {
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), PipeError> {
        match self {
            VirtualDevice::Ccid(r) => r.bulk_out(data).await,
            VirtualDevice::RcS380(r) => r.bulk_out(data).await,
        }
    }

    async fn bulk_in(&mut self, max_len: usize, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        match self {
            VirtualDevice::Ccid(r) => r.bulk_in(max_len, timeout_ms).await,
            VirtualDevice::RcS380(r) => r.bulk_in(max_len, timeout_ms).await,
        }
    }

    async fn interrupt_in(&mut self, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        match self {
            VirtualDevice::Ccid(r) => r.interrupt_in(timeout_ms).await,
            VirtualDevice::RcS380(r) => r.interrupt_in(timeout_ms).await,
        }
    }

    async fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        len: u16,
    ) -> Result<Vec<u8>, PipeError> {
        match self {
            VirtualDevice::Ccid(r) => r.control_in(request_type, request, value, index, len).await,
            VirtualDevice::RcS380(r) => {
                r.control_in(request_type, request, value, index, len).await
            }
        }
    }

    fn now_micros(&self) -> Option<u64> {
        match self {
            VirtualDevice::Ccid(r) => r.now_micros(),
            VirtualDevice::RcS380(r) => r.now_micros(),
        }
    }
}
