//! A sans-IO driver for the Sony PaSoRi RC-S380 (NFC Port-100 chip) for inkan.
//!
//! The RC-S380 is the contactless reader most people in Japan own for the My Number
//! Card. It is not a CCID device: it speaks Sony's Port-100 vendor protocol on two bulk
//! endpoints, so a normal web page may claim it over WebUSB (FACTS §6). This crate holds:
//!
//! - [`frame`]: Port-100 frames (ACK, NACK, normal, extended, error) and checksums;
//! - [`port100`]: the commands (InSetRF, InSetProtocol, InCommRF, SwitchRF, …), the
//!   set-up sequence and the Type B 106 kbit/s settings;
//! - [`typeb`]: ISO/IEC 14443-3 Type B activation (REQB/WUPB, ATQB, ATTRIB) and timing;
//! - [`isodep`]: the ISO/IEC 14443-4 block protocol (I/R/S blocks, chaining both ways,
//!   WTX, CID, error recovery, DESELECT) as a state machine;
//! - [`PasoriTransport`]: an [`inkan_apdu::Transport`] over any [`inkan_usb::UsbPipe`].
//!
//! The protocol facts follow nfcpy's `rcs380.py` driver and aruneko/WebUSB-RC-S380;
//! the code is inkan's own.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod error;
pub mod frame;
pub mod isodep;
pub mod port100;
mod transport;
pub mod typeb;

pub use error::PasoriError;
pub use frame::{Frame, FrameError};
pub use inkan_usb::{Figures, PipeError, UsbPipe};
pub use isodep::{IsoDepConfig, IsoDepError, IsoDepHost, IsoDepStats};
pub use port100::{CommStatus, Command};
pub use transport::{
    CardLink, MAX_TRANSFER, PRODUCT_IDS, PasoriOptions, PasoriTransport, VENDOR_ID,
};
pub use typeb::{Atqb, TypeBError};
