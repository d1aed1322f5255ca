//! # inkan-usb
//!
//! The USB layer under inkan's reader drivers, written once for all of them:
//!
//! - [`UsbPipe`] and [`PipeError`]: the bulk, interrupt and control transfers a backend
//!   (WebUSB, a native USB stack, the virtual readers of `inkan-sim`) provides;
//! - [`descriptor`]: walking configuration descriptors (USB 2.0 §9.6) into interfaces,
//!   class descriptors and endpoints, and reading them with GET_DESCRIPTOR (§9.4.3);
//! - [`registry`]: the reader models inkan knows, by VID:PID, with the driver each needs;
//! - [`Figures`]: the transport figures every driver reports, under one set of names.
//!
//! The CCID driver (`inkan-ccid`) and the RC-S380 driver (`inkan-pasori`) depend on this
//! crate and not on each other; `inkan-readers` picks one of them for a device.
//!
//! `no_std` with `alloc`; no dependencies.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod descriptor;
mod figures;
mod pipe;
pub mod registry;

pub use descriptor::{DescriptorError, Endpoint, Interface, TransferType};
pub use figures::Figures;
pub use pipe::{PipeError, UsbPipe};
pub use registry::{Protocol, ReaderModel};
