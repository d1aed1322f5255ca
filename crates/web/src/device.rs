//! Opening a reader over WebUSB: open, configuration, descriptors, driver choice, claim.

use crate::error::{WebError, code};
use crate::guidance::Os;
use crate::js;
use crate::pipe::{Endpoints, OUT_TIMEOUT_MS, Shared, WebUsbPipe};
use inkan_readers::{ReaderError, UsbReader, choose_driver};
use inkan_usb::registry;
use js_sys::Promise;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::UsbDevice;

/// The reader driver behind a card session: whichever of inkan's USB drivers
/// [`inkan_readers::choose_driver`] picked for the device.
pub type Driver = UsbReader<WebUsbPipe>;

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
    let name = registry::display_name(vid, pid, device.product_name().as_deref());
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
    let config = inkan_usb::descriptor::read_config(&mut pipe, 0)
        .await
        .map_err(|e| match e {
            inkan_usb::DescriptorError::Pipe(p) => WebError::from(p),
            other => WebError::new(
                code::READER_UNSUPPORTED,
                format!("the configuration descriptor of {name} cannot be read: {other}"),
            ),
        })?;
    let choice = choose_driver(vid, pid, &config).map_err(reader_error)?;
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
    let (bulk_out, bulk_in, interrupt_in) = choice.endpoints();
    pipe.set_endpoints(Endpoints::from_addresses(bulk_out, bulk_in, interrupt_in));
    let (interface_class, level) = (choice.interface_class(), choice.level());
    let reader = UsbReader::open(pipe, choice).await.map_err(reader_error)?;
    let info = ReaderInfo {
        name,
        vendor_id: vid,
        product_id: pid,
        driver: reader.driver(),
        interface_class,
        level,
        atr: reader.atr_hex(),
        interface_number: iface,
    };
    Ok((reader, info))
}

/// The page's error for a device no driver takes, or a driver that failed to open it.
fn reader_error(e: ReaderError) -> WebError {
    match e {
        ReaderError::Unsupported(m) => WebError::new(code::READER_UNSUPPORTED, m),
        ReaderError::Ccid(c) => c.into(),
        other => WebError::from(inkan_apdu::TransportError::from(other)),
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
