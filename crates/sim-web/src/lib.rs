//! The virtual readers of `inkan-sim` (five CCID models and the RC-S380) with a software
//! My Number Card, as JavaScript objects with synchronous `transferOut` / `transferIn` /
//! `controlTransferIn`. `www/fake-usb.js` wraps them in a stand-in for `navigator.usb`,
//! used by the demo's "virtual card" mode and by the browser tests.
//!
//! The device logic is in [`VirtualDevice`], free of JavaScript types; the wasm-bindgen
//! layer is compiled on `wasm32` only.
#![forbid(unsafe_code)]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use inkan_ccid::{PipeError, UsbPipe};
use inkan_sim::SoftCard;
use inkan_sim::card::{CardCerts, CardKeys, CardState, PinId};
use inkan_sim::readers::rcs380::VirtualRcS380;
use inkan_sim::readers::{ReaderModel, VirtualReader};
use rsa::PrivateKey;
use rsa::pkcs8::DecodePrivateKey;

#[cfg(target_arch = "wasm32")]
mod bindings;

/// How long (simulated) a read waits for a queued reply before it counts as "nothing
/// pending" and the JavaScript side keeps the transfer open.
const READ_WINDOW_MS: u32 = 30_000;

/// Runs a future that never waits (the virtual readers answer at once) to completion.
fn now<F: Future>(f: F) -> Option<F::Output> {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// The files of a card directory made by `inkan sim init` (`crates/sim/src/state.rs`).
#[derive(Debug, Clone, Default)]
pub struct CardFiles {
    /// `state.json`.
    pub state: String,
    /// `sign-key.pem`.
    pub sign_key: String,
    /// `auth-key.pem`.
    pub auth_key: String,
    /// `sign-cert.der`, absent on a card without one.
    pub sign_cert: Option<Vec<u8>>,
    /// `sign-ca.der`.
    pub sign_ca: Vec<u8>,
    /// `auth-cert.der`.
    pub auth_cert: Vec<u8>,
    /// `auth-ca.der`.
    pub auth_ca: Vec<u8>,
}

/// Builds the software card from its files.
pub fn card_from_files(f: &CardFiles) -> Result<SoftCard, String> {
    let state: CardState =
        serde_json::from_str(&f.state).map_err(|e| format!("state.json: {e}"))?;
    let key =
        |pem: &str, what: &str| PrivateKey::from_pkcs8_pem(pem).map_err(|e| format!("{what}: {e}"));
    let keys = CardKeys {
        sign: key(&f.sign_key, "sign-key.pem")?,
        auth: key(&f.auth_key, "auth-key.pem")?,
    };
    let certs = CardCerts {
        sign: f.sign_cert.clone(),
        sign_ca: f.sign_ca.clone(),
        auth: f.auth_cert.clone(),
        auth_ca: f.auth_ca.clone(),
    };
    SoftCard::from_parts(state, keys, certs).map_err(|e| e.to_string())
}

enum Dev {
    Ccid(Box<VirtualReader>),
    RcS380(Box<VirtualRcS380>),
}

/// A virtual USB reader with a card in it.
pub struct VirtualDevice {
    dev: Dev,
    model: &'static str,
    last_delay_us: u64,
}

/// The models: the five CCID readers' names (`scr3310-nttcom`, …) and `rc-s380`.
pub fn models() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = ReaderModel::ALL.iter().map(|m| m.name()).collect();
    v.push("rc-s380");
    v
}

/// What a transfer failed with, as the JavaScript side names it.
pub fn pipe_error_name(e: &PipeError) -> &'static str {
    match e {
        PipeError::Disconnected => "disconnected",
        PipeError::Stall => "stall",
        PipeError::Timeout { .. } => "timeout",
        _ => "babble",
    }
}

impl VirtualDevice {
    /// A reader of `model` (see [`models`]) with `card` inserted.
    pub fn new(model: &str, card: SoftCard) -> Result<VirtualDevice, String> {
        if model.eq_ignore_ascii_case("rc-s380") {
            return Ok(VirtualDevice {
                dev: Dev::RcS380(Box::new(VirtualRcS380::new(card))),
                model: "rc-s380",
                last_delay_us: 0,
            });
        }
        let m = ReaderModel::from_name(model).ok_or_else(|| {
            format!(
                "unknown reader model {model:?}; known: {}",
                models().join(", ")
            )
        })?;
        Ok(VirtualDevice {
            dev: Dev::Ccid(Box::new(VirtualReader::new(m, card))),
            model: m.name(),
            last_delay_us: 0,
        })
    }

    /// The model name.
    pub fn model(&self) -> &'static str {
        self.model
    }

    /// idVendor, idProduct and bInterfaceClass of the reader interface.
    pub fn ids(&self) -> (u16, u16, u8) {
        match &self.dev {
            Dev::Ccid(r) => {
                let f = r.model().facts();
                (f.vendor_id, f.product_id, f.interface_class)
            }
            Dev::RcS380(_) => (0x054C, 0x06C1, 0xFF),
        }
    }

    fn clock(&self) -> u64 {
        match &self.dev {
            Dev::Ccid(r) => r.clock_us(),
            Dev::RcS380(r) => r.clock_us(),
        }
    }

    fn pipe(&mut self) -> &mut dyn PipeCalls {
        match &mut self.dev {
            Dev::Ccid(r) => r.as_mut(),
            Dev::RcS380(r) => r.as_mut(),
        }
    }

    /// The full configuration descriptor.
    pub fn config_descriptor(&mut self) -> Result<Vec<u8>, PipeError> {
        self.control_in(0x80, 6, 0x0200, 0, 4096)
    }

    /// A bulk-OUT transfer.
    pub fn transfer_out(&mut self, data: &[u8]) -> Result<(), PipeError> {
        let t0 = self.clock();
        let r = self.pipe().out(data);
        self.last_delay_us = self.clock().saturating_sub(t0);
        r
    }

    /// A bulk-IN transfer: `Ok(None)` when no reply is queued (the JavaScript side keeps
    /// the transfer pending until one is).
    pub fn transfer_in(&mut self, max_len: usize) -> Result<Option<Vec<u8>>, PipeError> {
        let t0 = self.clock();
        let r = self.pipe().inp(max_len, READ_WINDOW_MS);
        match r {
            Ok(bytes) => {
                self.last_delay_us = self.clock().saturating_sub(t0);
                Ok(Some(bytes))
            }
            Err(PipeError::Timeout { .. }) => {
                self.last_delay_us = 0;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// An interrupt-IN transfer: `Ok(None)` when no notification is queued.
    pub fn interrupt_in(&mut self) -> Result<Option<Vec<u8>>, PipeError> {
        match self.pipe().int(0) {
            Ok(b) => Ok(Some(b)),
            Err(PipeError::Timeout { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A control-IN transfer.
    pub fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        len: u16,
    ) -> Result<Vec<u8>, PipeError> {
        self.pipe().ctl(request_type, request, value, index, len)
    }

    /// Simulated time the last transfer took, µs (the fake paces replies with it).
    pub fn last_delay_us(&self) -> u64 {
        self.last_delay_us
    }

    /// Unplugs the reader: every transfer fails from now on.
    pub fn unplug(&mut self) {
        match &mut self.dev {
            Dev::Ccid(r) => r.unplug(),
            Dev::RcS380(r) => r.unplug(),
        }
    }

    /// Takes the card out.
    pub fn remove_card(&mut self) {
        match &mut self.dev {
            Dev::Ccid(r) => r.remove_card(),
            Dev::RcS380(r) => r.remove_card(),
        }
    }

    /// Puts the card back.
    pub fn insert_card(&mut self) {
        match &mut self.dev {
            Dev::Ccid(r) => r.insert_card(),
            Dev::RcS380(r) => r.insert_card(),
        }
    }

    fn card(&self) -> &SoftCard {
        match &self.dev {
            Dev::Ccid(r) => r.card(),
            Dev::RcS380(r) => r.card(),
        }
    }

    /// Tries left of `sign`, `auth` or `text`.
    pub fn retries(&self, pin: &str) -> Option<u8> {
        let id = match pin {
            "sign" => PinId::Sign,
            "auth" => PinId::Auth,
            "text" => PinId::Text,
            _ => return None,
        };
        Some(self.card().retries(id))
    }

    /// VERIFY commands with a PIN that reached the card.
    pub fn verifies_at_card(&self) -> u64 {
        match &self.dev {
            Dev::Ccid(r) => r.verifies_at_card(),
            Dev::RcS380(r) => r.verifies_at_card(),
        }
    }
}

/// The synchronous face of a virtual reader's [`UsbPipe`].
trait PipeCalls {
    fn out(&mut self, data: &[u8]) -> Result<(), PipeError>;
    fn inp(&mut self, max_len: usize, timeout_ms: u32) -> Result<Vec<u8>, PipeError>;
    fn int(&mut self, timeout_ms: u32) -> Result<Vec<u8>, PipeError>;
    fn ctl(
        &mut self,
        rt: u8,
        req: u8,
        value: u16,
        index: u16,
        len: u16,
    ) -> Result<Vec<u8>, PipeError>;
}

fn pending() -> PipeError {
    PipeError::Other("the virtual reader did not answer at once".into())
}

impl<P: UsbPipe> PipeCalls for P {
    fn out(&mut self, data: &[u8]) -> Result<(), PipeError> {
        now(self.bulk_out(data)).unwrap_or_else(|| Err(pending()))
    }
    fn inp(&mut self, max_len: usize, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        now(self.bulk_in(max_len, timeout_ms)).unwrap_or_else(|| Err(pending()))
    }
    fn int(&mut self, timeout_ms: u32) -> Result<Vec<u8>, PipeError> {
        now(self.interrupt_in(timeout_ms)).unwrap_or_else(|| Err(pending()))
    }
    fn ctl(
        &mut self,
        rt: u8,
        req: u8,
        value: u16,
        index: u16,
        len: u16,
    ) -> Result<Vec<u8>, PipeError> {
        now(self.control_in(rt, req, value, index, len)).unwrap_or_else(|| Err(pending()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkan_sim::InitOptions;

    #[test]
    fn every_model_answers_get_descriptor_and_power_on() {
        for m in models() {
            let card = SoftCard::generate(&InitOptions::default()).unwrap();
            let mut d = VirtualDevice::new(m, card).unwrap();
            let c = d.config_descriptor().unwrap();
            assert_eq!(c[1], 2, "{m}");
            assert_eq!(u16::from_le_bytes([c[2], c[3]]) as usize, c.len(), "{m}");
            assert_eq!(d.transfer_in(64).unwrap(), None, "{m}: nothing queued");
        }
        let card = SoftCard::generate(&InitOptions::default()).unwrap();
        let mut d = VirtualDevice::new("scr3310-nttcom", card).unwrap();
        assert_eq!(d.ids(), (0x04E6, 0x511A, 0xFF));
        // IccPowerOn, slot 0, seq 7.
        d.transfer_out(&[0x62, 0, 0, 0, 0, 0, 7, 0, 0, 0]).unwrap();
        let r = d.transfer_in(271).unwrap().unwrap();
        assert_eq!((r[0], r[6]), (0x80, 7));
        d.unplug();
        assert_eq!(d.transfer_out(&[0]).unwrap_err(), PipeError::Disconnected);
        assert!(
            VirtualDevice::new("nope", SoftCard::generate(&InitOptions::default()).unwrap())
                .is_err()
        );
    }
}
