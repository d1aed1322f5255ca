//! [`WebUsbPipe`]: an [`inkan_usb::UsbPipe`] over WebUSB.
//!
//! WebUSB's `transferIn` has no timeout of its own (FACTS §6), so every transfer is raced
//! against a JavaScript timer, the device's disconnect and the caller's `AbortSignal`.
//! A `transferIn` that loses the race to the timer cannot be cancelled: it stays pending
//! and the next read waits on it instead of starting another, so that no reply is lost
//! to a forgotten transfer.

use crate::js::{self, Timer};
use core::cell::{Cell, RefCell};
use inkan_usb::{PipeError, UsbPipe};
use js_sys::{Function, Promise, Uint8Array};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    UsbControlTransferParameters, UsbDevice, UsbDirection, UsbInTransferResult, UsbRecipient,
    UsbRequestType, UsbTransferStatus,
};

/// State shared by the pipe and the card handle that owns it.
pub struct Shared {
    /// Set once the device is gone (disconnect event or a transfer saying so).
    pub gone: Cell<bool>,
    /// Set when the caller's abort signal ended a transfer.
    pub aborted: Cell<bool>,
    /// The running operation's abort promise (resolves to [`js::ABORTED`]).
    pub abort: RefCell<Option<Promise>>,
    gone_promise: Promise,
    gone_resolve: RefCell<Option<Function>>,
}

impl Shared {
    /// Fresh state.
    pub fn new() -> Rc<Shared> {
        let mut resolver = None;
        let gone_promise = Promise::new(&mut |resolve, _| resolver = Some(resolve));
        Rc::new(Shared {
            gone: Cell::new(false),
            aborted: Cell::new(false),
            abort: RefCell::new(None),
            gone_promise,
            gone_resolve: RefCell::new(resolver),
        })
    }

    /// Marks the device gone and ends every wait on it.
    pub fn mark_gone(&self) {
        self.gone.set(true);
        if let Some(f) = self.gone_resolve.borrow_mut().take() {
            let _ = f.call1(&JsValue::UNDEFINED, &JsValue::from_str(js::GONE));
        }
    }
}

/// The endpoints of the claimed interface (WebUSB takes endpoint numbers, without the
/// direction bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoints {
    /// Bulk-OUT endpoint number.
    pub bulk_out: u8,
    /// Bulk-IN endpoint number.
    pub bulk_in: u8,
    /// Interrupt-IN endpoint number.
    pub interrupt_in: Option<u8>,
}

impl Endpoints {
    /// From bEndpointAddress values.
    pub fn from_addresses(bulk_out: u8, bulk_in: u8, interrupt_in: Option<u8>) -> Self {
        Endpoints {
            bulk_out: bulk_out & 0x0F,
            bulk_in: bulk_in & 0x0F,
            interrupt_in: interrupt_in.map(|a| a & 0x0F),
        }
    }
}

/// Timeout of control and bulk-OUT transfers (ms).
pub const OUT_TIMEOUT_MS: u32 = 5_000;

/// A claimed reader interface over WebUSB.
pub struct WebUsbPipe {
    device: UsbDevice,
    endpoints: Option<Endpoints>,
    shared: Rc<Shared>,
    pending_in: Option<Promise>,
    pending_interrupt: Option<Promise>,
}

impl core::fmt::Debug for WebUsbPipe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebUsbPipe")
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

enum Outcome {
    Done(JsValue),
    TimedOut,
}

impl WebUsbPipe {
    /// A pipe on an opened device. Without endpoints only control transfers work (used
    /// to read the configuration descriptor before choosing the driver).
    pub fn new(device: UsbDevice, endpoints: Option<Endpoints>, shared: Rc<Shared>) -> Self {
        WebUsbPipe {
            device,
            endpoints,
            shared,
            pending_in: None,
            pending_interrupt: None,
        }
    }

    /// The device.
    pub fn device(&self) -> &UsbDevice {
        &self.device
    }

    /// Sets the endpoints once the interface is claimed.
    pub fn set_endpoints(&mut self, endpoints: Endpoints) {
        self.endpoints = Some(endpoints);
    }

    fn endpoints(&self) -> Result<Endpoints, PipeError> {
        self.endpoints
            .ok_or_else(|| PipeError::Other("no interface claimed".into()))
    }

    fn handled(&self, p: &Promise) {
        js::handled(p);
    }

    fn check(&self) -> Result<(), PipeError> {
        if self.shared.gone.get() {
            return Err(PipeError::Disconnected);
        }
        if self.shared.aborted.get() {
            return Err(PipeError::Other("aborted".into()));
        }
        Ok(())
    }

    /// Races `transfer` against a timer, the disconnect and the abort signal.
    async fn race(&self, transfer: &Promise, timeout_ms: u32) -> Result<Outcome, PipeError> {
        let timer = Timer::start(timeout_ms);
        let abort = self.shared.abort.borrow().clone();
        let gone: &JsValue = self.shared.gone_promise.as_ref();
        let mut list: Vec<&JsValue> = vec![transfer.as_ref(), timer.promise.as_ref(), gone];
        if let Some(a) = abort.as_ref() {
            list.push(a.as_ref());
        }
        let result = JsFuture::from(js::race(&list)).await;
        timer.cancel();
        match result {
            Ok(v) if js::is_sentinel(&v, js::TIMEOUT) => Ok(Outcome::TimedOut),
            Ok(v) if js::is_sentinel(&v, js::GONE) => Err(PipeError::Disconnected),
            Ok(v) if js::is_sentinel(&v, js::ABORTED) => {
                self.shared.aborted.set(true);
                Err(PipeError::Other("aborted".into()))
            }
            Ok(v) => Ok(Outcome::Done(v)),
            Err(e) => Err(self.dom_error(&e)),
        }
    }

    /// Maps a rejected transfer. `NotFoundError`: the device is gone; `NetworkError`
    /// ("A transfer error has occurred") also comes with an unplug, so it counts as gone
    /// once the device reports closed.
    fn dom_error(&self, e: &JsValue) -> PipeError {
        let (name, message) = js::error_name_and_message(e);
        match name.as_str() {
            "NotFoundError" => {
                self.shared.mark_gone();
                PipeError::Disconnected
            }
            "NetworkError" | "InvalidStateError" if !self.device.opened() => {
                self.shared.mark_gone();
                PipeError::Disconnected
            }
            _ => PipeError::Other(format!("{name}: {message}")),
        }
    }

    async fn settle(&self, p: Promise, timeout_ms: u32) -> Result<(), PipeError> {
        match self.race(&p, timeout_ms).await? {
            Outcome::Done(_) => Ok(()),
            Outcome::TimedOut => Err(PipeError::Timeout { millis: timeout_ms }),
        }
    }

    /// `clearHalt` on an endpoint after a STALL.
    async fn clear_halt(&self, direction: UsbDirection, endpoint: u8) {
        let p: Promise = self.device.clear_halt(direction, endpoint).unchecked_into();
        self.handled(&p);
        let _ = self.settle(p, OUT_TIMEOUT_MS).await;
    }

    /// Resets the device (USB port reset) and drops pending reads: recovery after a
    /// transfer error. The interface must be claimed again by the caller afterwards
    /// when the browser releases it.
    pub async fn reset(&mut self) -> Result<(), PipeError> {
        self.pending_in = None;
        self.pending_interrupt = None;
        let p: Promise = self.device.reset().unchecked_into();
        self.handled(&p);
        self.settle(p, OUT_TIMEOUT_MS).await
    }

    async fn read(
        &mut self,
        endpoint: u8,
        max_len: usize,
        timeout_ms: u32,
        interrupt: bool,
    ) -> Result<Vec<u8>, PipeError> {
        self.check()?;
        let slot = if interrupt {
            self.pending_interrupt.take()
        } else {
            self.pending_in.take()
        };
        let p = match slot {
            Some(p) => p,
            None => {
                let len = u32::try_from(max_len).unwrap_or(u32::MAX);
                let p: Promise = self.device.transfer_in(endpoint, len).unchecked_into();
                self.handled(&p);
                p
            }
        };
        match self.race(&p, timeout_ms).await {
            Ok(Outcome::TimedOut) => {
                if interrupt {
                    self.pending_interrupt = Some(p);
                } else {
                    self.pending_in = Some(p);
                }
                Err(PipeError::Timeout { millis: timeout_ms })
            }
            Err(PipeError::Other(m)) if m == "aborted" => {
                // Keep the transfer: its reply belongs to the next read.
                if interrupt {
                    self.pending_interrupt = Some(p);
                } else {
                    self.pending_in = Some(p);
                }
                Err(PipeError::Other(m))
            }
            Err(e) => Err(e),
            Ok(Outcome::Done(v)) => {
                let r: UsbInTransferResult = v.unchecked_into();
                match r.status() {
                    UsbTransferStatus::Ok => Ok(data_bytes(&r)),
                    UsbTransferStatus::Stall => {
                        self.clear_halt(UsbDirection::In, endpoint).await;
                        Err(PipeError::Stall)
                    }
                    _ => Err(PipeError::Other(
                        "babble: the reader sent more than asked for".into(),
                    )),
                }
            }
        }
    }
}

fn data_bytes(r: &UsbInTransferResult) -> Vec<u8> {
    match r.data() {
        Some(view) => Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset() as u32,
            view.byte_length() as u32,
        )
        .to_vec(),
        None => Vec::new(),
    }
}

impl UsbPipe for WebUsbPipe {
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), PipeError> {
        self.check()?;
        let ep = self.endpoints()?.bulk_out;
        let p: Promise = self
            .device
            .transfer_out_with_u8_slice(ep, data)
            .map_err(|e| self.dom_error(&e))?
            .unchecked_into();
        self.handled(&p);
        match self.race(&p, OUT_TIMEOUT_MS).await? {
            Outcome::TimedOut => Err(PipeError::Timeout {
                millis: OUT_TIMEOUT_MS,
            }),
            Outcome::Done(v) => {
                let status = js::get(&v, "status").as_string().unwrap_or_default();
                match status.as_str() {
                    "ok" => Ok(()),
                    "stall" => {
                        self.clear_halt(UsbDirection::Out, ep).await;
                        Err(PipeError::Stall)
                    }
                    other => Err(PipeError::Other(format!("transferOut status {other:?}"))),
                }
            }
        }
    }

    async fn bulk_in(&mut self, max_len: usize, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        let ep = self.endpoints()?.bulk_in;
        self.read(ep, max_len, timeout_ms, false).await
    }

    async fn interrupt_in(&mut self, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        let ep = self
            .endpoints()?
            .interrupt_in
            .ok_or_else(|| PipeError::Other("the reader has no interrupt endpoint".into()))?;
        self.read(ep, 64, timeout_ms, true).await
    }

    async fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        len: u16,
    ) -> Result<Vec<u8>, PipeError> {
        self.check()?;
        let kind = match (request_type >> 5) & 0x03 {
            0 => UsbRequestType::Standard,
            1 => UsbRequestType::Class,
            _ => UsbRequestType::Vendor,
        };
        let recipient = match request_type & 0x1F {
            0 => UsbRecipient::Device,
            1 => UsbRecipient::Interface,
            2 => UsbRecipient::Endpoint,
            _ => UsbRecipient::Other,
        };
        let setup = UsbControlTransferParameters::new(index, recipient, request, kind, value);
        let p: Promise = self
            .device
            .control_transfer_in(&setup, len)
            .unchecked_into();
        self.handled(&p);
        match self.race(&p, OUT_TIMEOUT_MS).await? {
            Outcome::TimedOut => Err(PipeError::Timeout {
                millis: OUT_TIMEOUT_MS,
            }),
            Outcome::Done(v) => {
                let r: UsbInTransferResult = v.unchecked_into();
                match r.status() {
                    UsbTransferStatus::Ok => Ok(data_bytes(&r)),
                    UsbTransferStatus::Stall => Err(PipeError::Stall),
                    _ => Err(PipeError::Other("babble on the control pipe".into())),
                }
            }
        }
    }

    fn now_micros(&self) -> Option<u64> {
        js::now_micros()
    }
}
