//! The face photo in the browser, as a wasm module of its own.
//!
//! The card keeps the photo as JPEG 2000 (card surface AP, FACTS §6), which browsers
//! other than Safari cannot show. [`photo`] decodes it to RGBA and PNG; the signer's
//! bundle (`inkan-web`) does not carry the decoder: `inkan.js` loads this module the
//! first time a page asks for the photo and hands its `decodeJpeg2000` to the signer,
//! which calls it once the bytes are read. Errors are thrown as `InkanError`-shaped
//! `Error`s with the code `photo-decode`.
#![forbid(unsafe_code)]

pub mod photo;

pub use photo::{MAX_PIXELS, PhotoError, Rgba, decode_jpeg2000, encode_png};

#[cfg(target_arch = "wasm32")]
mod api;
