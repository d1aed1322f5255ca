//! The XML half of `signXml` in the browser, as a wasm module of its own.
//!
//! The signer's bundle (`inkan-web`) stays within its size budget by not carrying the
//! XML reader and Canonical XML: `inkan.js` loads this module the first time a page
//! signs XML, builds an [`inkan_xml::Template`] here from the document and the options,
//! and hands it to the signer, which calls `check`, `prepare` and `finish` around the
//! card's signature exactly as the CLI does natively (`inkan_signer::xml::sign_with`).
//! Errors are thrown as `InkanError`-shaped `Error`s with the `xml-*` codes, which the
//! signer relays unchanged.
//!
//! [`spec`] (reading the options) is plain Rust and tested natively; the wasm-bindgen
//! class is compiled for `wasm32` only.
#![forbid(unsafe_code)]

pub mod spec;

#[cfg(target_arch = "wasm32")]
mod api;
