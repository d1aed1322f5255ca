//! Opening a reader over WebUSB: open, configuration, descriptors, driver choice, claim.

use crate::error::{WebError, code};
use crate::guidance::Os;
use crate::js;
use crate::pipe::{Endpoints, OUT_TIMEOUT_MS, Shared, WebUsbPipe};
use crate::readers::{self, DriverChoice};
use inkan_apdu::{Transport, TransportError};
use inkan_ccid::{CcidOptions, CcidTransport, ExchangeLevel, UsbPipe, descriptor};
use inkan_pasori::{PasoriOptions, PasoriTransport};
use js_sys::Promise;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::UsbDevice;

/// The reader driver behind a card session. A new driver is a new variant here, built in
/// [`open`] from its [`DriverChoice`].
#[derive(Debug)]
pub enum Driver {
    /// A CCID reader (TPDU or APDU level).
    Ccid(CcidTransport<WebUsbPipe>),
    /// A Sony RC-S380 (Port-100, ISO 14443-4 Type B).
    Port100(PasoriTransport<WebUsbPipe>),
}

impl Transport for Driver {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            Driver::Ccid(t) => t.transmit(command).await,
            Driver::Port100(t) => t.transmit(command).await,
        }
    }

    fn supports_extended(&self) -> bool {
        match self {
            Driver::Ccid(t) => t.supports_extended(),
            Driver::Port100(t) => t.supports_extended(),
        }
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        match self {
            Driver::Ccid(t) => t.power_off().await,
            Driver::Port100(t) => t.power_off().await,
        }
    }
}

impl Driver {
    /// The device.
    pub fn device(&self) -> &UsbDevice {
        match self {
            Driver::Ccid(t) => t.pipe().device(),
            Driver::Port100(t) => t.pipe().device(),
        }
    }
}

/// What the page learns about the opened reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    /// Display name.
    pub name: String,
    /// idVendor.
    pub vendor_id: u16,
    /// idProduct.
    pub product_id: u16,
    /// `ccid` or `port100`.
    pub driver: &'static str,
    /// The claimed interface's class (0xFF vendor, 0x0B smart card).
    pub interface_class: u8,
    /// `tpdu`, `short-apdu`, `extended-apdu` (CCID), or `iso-dep` (Port-100).
    pub level: &'static str,
    /// The card's ATR, upper-case hex.
    pub atr: String,
    /// The claimed interface number.
    pub interface_number: u8,
}

async fn settle(p: Promise, shared: &Shared) -> Result<(), JsValue> {
    let timer = js::Timer::start(OUT_TIMEOUT_MS);
    let r = JsFuture::from(js::race(&[p.as_ref(), timer.promise.as_ref()])).await;
    timer.cancel();
    match r {
        Ok(v) if js::is_sentinel(&v, js::TIMEOUT) => Err(JsValue::from_str(
            "the browser did not answer within the time allowed",
        )),
        Ok(_) if shared.gone.get() => Err(JsValue::from_str("the device is gone")),
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    }
}

fn os_error(reader: &str, e: &JsValue, os: Os, claiming: bool) -> WebError {
    let (name, message) = js::error_name_and_message(e);
    match name.as_str() {
        "SecurityError" if claiming => WebError::blocked_by_browser(reader),
        // Linux without access to the device node ("Access denied"), Windows without
        // WinUSB, or a kernel driver/pcscd holding the interface ("Unable to claim
        // interface").
        "SecurityError" | "NetworkError" => WebError::claimed_by_os(reader, os),
        "NotFoundError" => WebError::new(
            "reader-removed",
            format!("{reader} was disconnected while it was being opened"),
        ),
        _ => WebError::new(
            code::READER_OPEN_FAILED,
            format!("{reader} could not be opened: {name} {message}"),
        ),
    }
}

/// Reads the whole configuration descriptor (USB 2.0 §9.4.3 GET_DESCRIPTOR): WebUSB
/// exposes interfaces and endpoints but not class descriptors.
async fn read_config(pipe: &mut WebUsbPipe) -> Result<Vec<u8>, WebError> {
    let head = pipe.control_in(0x80, 6, 0x0200, 0, 9).await?;
    let total = descriptor::config_total_length(&head).ok_or_else(|| {
        WebError::new(
            code::READER_UNSUPPORTED,
            "the device's configuration descriptor is malformed",
        )
    })?;
    Ok(pipe.control_in(0x80, 6, 0x0200, 0, total).await?)
}

fn level_name(level: ExchangeLevel) -> &'static str {
    match level {
        ExchangeLevel::Tpdu => "tpdu",
        ExchangeLevel::ShortApdu => "short-apdu",
        ExchangeLevel::ExtendedApdu => "extended-apdu",
        ExchangeLevel::Character => "character",
    }
}

/// Opens `device`, picks the driver from its descriptors, claims the interface and
/// powers the card on. Errors: `reader-blocked-by-browser` (protected class),
/// `reader-claimed-by-os`, `reader-unsupported`, `reader-driver-missing`, and the
/// card/reader codes of power-on (`card-absent`, …).
pub async fn open(
    device: UsbDevice,
    shared: Rc<Shared>,
    os: Os,
) -> Result<(Driver, ReaderInfo), WebError> {
    let (vid, pid) = (device.vendor_id(), device.product_id());
    let name = readers::display_name(vid, pid, device.product_name().as_deref());
    if !device.opened() {
        let p: Promise = device.open().unchecked_into();
        settle(p, &shared)
            .await
            .map_err(|e| os_error(&name, &e, os, false))?;
    }
    if device.configuration().is_none() {
        let p: Promise = device.select_configuration(1).unchecked_into();
        settle(p, &shared)
            .await
            .map_err(|e| os_error(&name, &e, os, false))?;
    }
    let mut pipe = WebUsbPipe::new(device.clone(), None, shared.clone());
    let config = read_config(&mut pipe).await?;
    let choice = readers::choose_driver(vid, pid, &config)?;
    let iface = choice.interface_number();
    let p: Promise = device.claim_interface(iface).unchecked_into();
    settle(p, &shared)
        .await
        .map_err(|e| os_error(&name, &e, os, true))?;
    if choice.alternate_setting() != 0 {
        let p: Promise = device
            .select_alternate_interface(iface, choice.alternate_setting())
            .unchecked_into();
        settle(p, &shared)
            .await
            .map_err(|e| os_error(&name, &e, os, true))?;
    }
    match choice {
        DriverChoice::Ccid(ccid) => {
            pipe.set_endpoints(Endpoints::from_addresses(
                ccid.bulk_out,
                ccid.bulk_in,
                ccid.interrupt_in,
            ));
            let class = ccid.interface_class;
            let level = level_name(ccid.ccid.level());
            let t = CcidTransport::with_interface(pipe, ccid, CcidOptions::default()).await?;
            let atr = t
                .atr()
                .map(|a| a.raw.iter().map(|b| format!("{b:02X}")).collect())
                .unwrap_or_default();
            let info = ReaderInfo {
                name,
                vendor_id: vid,
                product_id: pid,
                driver: "ccid",
                interface_class: class,
                level,
                atr,
                interface_number: iface,
            };
            Ok((Driver::Ccid(t), info))
        }
        DriverChoice::Port100 {
            bulk_out, bulk_in, ..
        } => {
            pipe.set_endpoints(Endpoints::from_addresses(bulk_out, bulk_in, None));
            let t = PasoriTransport::open(pipe, PasoriOptions::default())
                .await
                .map_err(|e| WebError::from(TransportError::from(e)))?;
            let info = ReaderInfo {
                name,
                vendor_id: vid,
                product_id: pid,
                driver: "port100",
                interface_class: 0xFF,
                level: "iso-dep",
                atr: String::new(),
                interface_number: iface,
            };
            Ok((Driver::Port100(t), info))
        }
    }
}

/// Releases the interface and closes the device, best effort and bounded in time.
pub async fn release(device: &UsbDevice, interface: u8) {
    let shared = Shared::new();
    if device.opened() {
        let p: Promise = device.release_interface(interface).unchecked_into();
        js::handled(&p);
        let _ = settle(p, &shared).await;
        let p: Promise = device.close().unchecked_into();
        let _ = settle(p, &shared).await;
    }
}
