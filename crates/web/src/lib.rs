//! inkan in the browser: signing with the My Number Card from a web page over WebUSB.
//!
//! - the readers inkan knows come from `inkan-usb`'s registry and the driver for a device
//!   from `inkan-readers`;
//! - [`guidance`]: what to tell a person whose reader the browser or the system withholds;
//! - [`session`]: the operations of the JavaScript API over any [`inkan_apdu::Transport`];
//! - [`certinfo`]: certificate summaries and expiry at an explicit time;
//! - [`error`]: [`WebError`], a stable `code` and a plain message;
//! - on `wasm32` only: `pipe` (a [`inkan_usb::UsbPipe`] over WebUSB), `device`
//!   (opening and claiming a reader), `api` (the wasm-bindgen exports behind the
//!   `inkan` npm package) and `xmlbridge` (the XML module's template, loaded on first
//!   use of `signXml`, as the signer's `XmlTemplate`).
#![forbid(unsafe_code)]

pub mod certinfo;
pub mod error;
pub mod guidance;
pub mod session;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
pub mod device;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
pub mod pipe;
#[cfg(target_arch = "wasm32")]
mod xmlbridge;

pub use error::WebError;
