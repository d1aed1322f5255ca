//! A sans-IO CCID reader driver for inkan, over the [`UsbPipe`] of `inkan-usb`.
//!
//! The browser can reach smart-card readers only over raw USB (WebUSB), so inkan is its
//! own driver. This crate holds:
//!
//! - [`message`]: the CCID messages (CCID spec rev 1.1 §6), bStatus/bError;
//! - [`descriptor`]: the CCID class descriptor (§5.1) and dwFeatures;
//! - [`atr`]: Answer-to-Reset parsing (ISO/IEC 7816-3 §8) and PPS (§9);
//! - [`t1`]: the T=1 block protocol (ISO/IEC 7816-3 §11) as a state machine;
//! - [`CcidTransport`]: an [`inkan_apdu::Transport`] over any [`UsbPipe`], for TPDU
//!   readers (the host runs T=1) and APDU readers (short and extended, with
//!   wLevelParameter chaining).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod atr;
pub mod descriptor;
mod error;
pub mod message;
pub mod t1;
mod transport;

pub use atr::{Atr, AtrError, Edc};
pub use descriptor::{CcidDescriptor, CcidInterface, DescriptorError, ExchangeLevel};
pub use error::{CcidError, slot_error_name};
pub use inkan_usb::{Figures, PipeError, UsbPipe};
pub use message::CodecError;
pub use t1::{Block, BlockError, T1Config, T1Error, T1Host};
pub use transport::{CcidOptions, CcidTransport, LinkParams, SlotEvent, repeatable};
