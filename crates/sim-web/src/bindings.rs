//! The wasm-bindgen layer.

use crate::{CardFiles, VirtualDevice, card_from_files, pipe_error_name};
use inkan_sim::SoftCard;
use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(obj: &JsValue, key: &str) -> Result<String, JsError> {
    get(obj, key)
        .as_string()
        .ok_or_else(|| JsError::new(&format!("card files: {key} must be a string")))
}

fn bytes(obj: &JsValue, key: &str) -> Result<Vec<u8>, JsError> {
    let v = get(obj, key);
    if v.is_instance_of::<Uint8Array>() {
        Ok(Uint8Array::new(&v).to_vec())
    } else {
        Err(JsError::new(&format!(
            "card files: {key} must be a Uint8Array"
        )))
    }
}

/// A software My Number Card.
#[wasm_bindgen]
pub struct VirtualCard {
    card: Option<SoftCard>,
}

#[wasm_bindgen]
impl VirtualCard {
    /// From the files of `inkan sim init`: `{ state, signKey, authKey, signCert?, signCa,
    /// authCert, authCa }` (strings for JSON and PEM, Uint8Array for DER).
    #[wasm_bindgen(js_name = fromFiles)]
    pub fn from_files(files: JsValue) -> Result<VirtualCard, JsError> {
        let sign_cert = match get(&files, "signCert") {
            v if v.is_undefined() || v.is_null() => None,
            _ => Some(bytes(&files, "signCert")?),
        };
        let f = CardFiles {
            state: text(&files, "state")?,
            sign_key: text(&files, "signKey")?,
            auth_key: text(&files, "authKey")?,
            sign_cert,
            sign_ca: bytes(&files, "signCa")?,
            auth_cert: bytes(&files, "authCert")?,
            auth_ca: bytes(&files, "authCa")?,
        };
        let card = card_from_files(&f).map_err(|e| JsError::new(&e))?;
        Ok(VirtualCard { card: Some(card) })
    }
}

fn js_err(e: &inkan_ccid::PipeError) -> JsError {
    JsError::new(pipe_error_name(e))
}

/// A virtual reader with a card in it, as a USB device.
#[wasm_bindgen]
pub struct VirtualUsbReader {
    dev: VirtualDevice,
}

/// The model names: `scr3310-nttcom`, `scr331-di-nttcom`, `acr39u`, `acr1252`,
/// `rc-s300`, `rc-s380`.
#[wasm_bindgen(js_name = readerModels)]
pub fn reader_models() -> Array {
    crate::models().into_iter().map(JsValue::from_str).collect()
}

#[wasm_bindgen]
impl VirtualUsbReader {
    /// A reader of `model` holding `card` (the card moves into the reader).
    #[wasm_bindgen(constructor)]
    pub fn new(model: &str, card: &mut VirtualCard) -> Result<VirtualUsbReader, JsError> {
        let c = card
            .card
            .take()
            .ok_or_else(|| JsError::new("this card is already in a reader"))?;
        let dev = VirtualDevice::new(model, c).map_err(|e| JsError::new(&e))?;
        Ok(VirtualUsbReader { dev })
    }

    /// The model name.
    #[wasm_bindgen(getter)]
    pub fn model(&self) -> String {
        self.dev.model().to_owned()
    }

    /// idVendor.
    #[wasm_bindgen(getter, js_name = vendorId)]
    pub fn vendor_id(&self) -> u16 {
        self.dev.ids().0
    }

    /// idProduct.
    #[wasm_bindgen(getter, js_name = productId)]
    pub fn product_id(&self) -> u16 {
        self.dev.ids().1
    }

    /// bInterfaceClass of the reader interface (0xFF vendor, 0x0B smart card).
    #[wasm_bindgen(getter, js_name = interfaceClass)]
    pub fn interface_class(&self) -> u8 {
        self.dev.ids().2
    }

    /// The configuration descriptor.
    #[wasm_bindgen(js_name = configDescriptor)]
    pub fn config_descriptor(&mut self) -> Result<Vec<u8>, JsError> {
        self.dev.config_descriptor().map_err(|e| js_err(&e))
    }

    /// Bulk-OUT. Throws `disconnected` once unplugged.
    #[wasm_bindgen(js_name = transferOut)]
    pub fn transfer_out(&mut self, data: &[u8]) -> Result<(), JsError> {
        self.dev.transfer_out(data).map_err(|e| js_err(&e))
    }

    /// Bulk-IN: the next reply, or `undefined` when none is queued.
    #[wasm_bindgen(js_name = transferIn)]
    pub fn transfer_in(&mut self, max_len: usize) -> Result<Option<Vec<u8>>, JsError> {
        self.dev.transfer_in(max_len).map_err(|e| js_err(&e))
    }

    /// Interrupt-IN: the next notification, or `undefined`.
    #[wasm_bindgen(js_name = interruptIn)]
    pub fn interrupt_in(&mut self) -> Result<Option<Vec<u8>>, JsError> {
        self.dev.interrupt_in().map_err(|e| js_err(&e))
    }

    /// Control-IN (GET_DESCRIPTOR). Throws `stall` for other requests.
    #[wasm_bindgen(js_name = controlTransferIn)]
    pub fn control_transfer_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        len: u16,
    ) -> Result<Vec<u8>, JsError> {
        self.dev
            .control_in(request_type, request, value, index, len)
            .map_err(|e| js_err(&e))
    }

    /// Simulated time of the last transfer, µs.
    #[wasm_bindgen(getter, js_name = lastDelayMicros)]
    pub fn last_delay_micros(&self) -> f64 {
        self.dev.last_delay_us() as f64
    }

    /// Unplugs the reader.
    pub fn unplug(&mut self) {
        self.dev.unplug();
    }

    /// Takes the card out.
    #[wasm_bindgen(js_name = removeCard)]
    pub fn remove_card(&mut self) {
        self.dev.remove_card();
    }

    /// Puts the card back.
    #[wasm_bindgen(js_name = insertCard)]
    pub fn insert_card(&mut self) {
        self.dev.insert_card();
    }

    /// Tries left of `sign`, `auth` or `text`.
    pub fn retries(&self, pin: &str) -> Option<u8> {
        self.dev.retries(pin)
    }

    /// VERIFY commands with a PIN that reached the card.
    #[wasm_bindgen(js_name = verifiesAtCard)]
    pub fn verifies_at_card(&self) -> f64 {
        self.dev.verifies_at_card() as f64
    }
}
