//! # inkan-readers
//!
//! The one place the browser and the CLI learn which USB reader drivers exist:
//!
//! - [`choose_driver`]: from a device's VID:PID and configuration descriptor to a
//!   [`DriverChoice`] — the RC-S380 by its IDs (it has no class descriptor), anything
//!   with a CCID class descriptor (CCID §5.1) on a 0x0B or 0xFF interface by that;
//! - [`UsbReader`]: an [`inkan_apdu::Transport`] over either driver, with one set of
//!   [`Figures`].
//!
//! A new USB reader driver is a new crate under `inkan-usb`, a variant of
//! [`DriverChoice`] and of [`UsbReader`] here, and nothing in the front ends.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use inkan_apdu::{Transport, TransportError};
use inkan_ccid::{
    CcidError, CcidInterface, CcidOptions, CcidTransport, DescriptorError, ExchangeLevel,
};
use inkan_pasori::{PasoriError, PasoriOptions, PasoriTransport};
use inkan_usb::registry::{self, Protocol};
use inkan_usb::{Figures, TransferType, UsbPipe};

/// Which driver runs a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverChoice {
    /// A CCID reader on this interface.
    Ccid(CcidInterface),
    /// A Sony RC-S380 (Port-100): the interface to claim and its bulk endpoints.
    Port100 {
        /// bInterfaceNumber.
        interface_number: u8,
        /// bEndpointAddress of bulk-OUT.
        bulk_out: u8,
        /// bEndpointAddress of bulk-IN.
        bulk_in: u8,
    },
}

impl DriverChoice {
    /// `ccid` or `port100`.
    pub fn name(&self) -> &'static str {
        match self {
            DriverChoice::Ccid(_) => Protocol::CcidVendorClass.driver_name(),
            DriverChoice::Port100 { .. } => Protocol::Port100.driver_name(),
        }
    }

    /// The interface to claim.
    pub fn interface_number(&self) -> u8 {
        match self {
            DriverChoice::Ccid(i) => i.interface_number,
            DriverChoice::Port100 {
                interface_number, ..
            } => *interface_number,
        }
    }

    /// The alternate setting to select.
    pub fn alternate_setting(&self) -> u8 {
        match self {
            DriverChoice::Ccid(i) => i.alternate_setting,
            DriverChoice::Port100 { .. } => 0,
        }
    }

    /// The claimed interface's class (0xFF vendor, 0x0B Smart Card).
    pub fn interface_class(&self) -> u8 {
        match self {
            DriverChoice::Ccid(i) => i.interface_class,
            DriverChoice::Port100 { .. } => registry::VENDOR_CLASS,
        }
    }

    /// Whether the interface is of a class browsers protect from normal pages.
    pub fn protected_class(&self) -> bool {
        self.interface_class() == registry::SMART_CARD_CLASS
    }

    /// bulk-OUT, bulk-IN and interrupt-IN endpoint addresses.
    pub fn endpoints(&self) -> (u8, u8, Option<u8>) {
        match self {
            DriverChoice::Ccid(i) => (i.bulk_out, i.bulk_in, i.interrupt_in),
            DriverChoice::Port100 {
                bulk_out, bulk_in, ..
            } => (*bulk_out, *bulk_in, None),
        }
    }

    /// The exchange level: `tpdu`, `short-apdu`, `extended-apdu` (CCID) or `iso-dep`.
    pub fn level(&self) -> &'static str {
        match self {
            DriverChoice::Ccid(i) => match i.ccid.level() {
                ExchangeLevel::Tpdu => "tpdu",
                ExchangeLevel::ShortApdu => "short-apdu",
                ExchangeLevel::ExtendedApdu => "extended-apdu",
                ExchangeLevel::Character => "character",
            },
            DriverChoice::Port100 { .. } => "iso-dep",
        }
    }
}

/// Why a device cannot be driven, or its driver could not open it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReaderError {
    /// The device is not a reader inkan can drive (no CCID interface, no bulk endpoints,
    /// unreadable descriptors); the text says which and names the device.
    Unsupported(String),
    /// The CCID driver failed.
    Ccid(CcidError),
    /// The RC-S380 driver failed.
    Pasori(PasoriError),
}

impl fmt::Display for ReaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReaderError::Unsupported(m) => f.write_str(m),
            ReaderError::Ccid(e) => write!(f, "{e}"),
            ReaderError::Pasori(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ReaderError {}

impl From<ReaderError> for TransportError {
    fn from(e: ReaderError) -> Self {
        match e {
            ReaderError::Unsupported(m) => TransportError::Protocol(m),
            ReaderError::Ccid(e) => e.into(),
            ReaderError::Pasori(e) => e.into(),
        }
    }
}

/// Chooses the driver from the device's IDs and its full configuration descriptor
/// (read with GET_DESCRIPTOR, USB 2.0 §9.4.3, because WebUSB does not expose class
/// descriptors).
pub fn choose_driver(
    vendor_id: u16,
    product_id: u16,
    config: &[u8],
) -> Result<DriverChoice, ReaderError> {
    let name = || registry::display_name(vendor_id, product_id, None);
    if registry::lookup(vendor_id, product_id).map(|r| r.protocol) == Some(Protocol::Port100) {
        let first = inkan_usb::descriptor::interfaces(config)
            .map_err(|e| {
                ReaderError::Unsupported(format!(
                    "the descriptors of {} cannot be read: {e}",
                    name()
                ))
            })?
            .into_iter()
            .next();
        return match first.map(|i| {
            (
                i.number,
                i.endpoint(TransferType::Bulk, false),
                i.endpoint(TransferType::Bulk, true),
            )
        }) {
            Some((interface_number, Some(bulk_out), Some(bulk_in))) => Ok(DriverChoice::Port100 {
                interface_number,
                bulk_out,
                bulk_in,
            }),
            _ => Err(ReaderError::Unsupported(format!(
                "the descriptors of {} have no bulk endpoints",
                name()
            ))),
        };
    }
    match inkan_ccid::descriptor::find_ccid_interface(config) {
        Ok(i) => Ok(DriverChoice::Ccid(i)),
        Err(DescriptorError::NoCcidInterface) => Err(ReaderError::Unsupported(format!(
            "{} is not a smart-card reader inkan can use (no CCID interface)",
            name()
        ))),
        Err(e) => Err(ReaderError::Unsupported(format!(
            "the descriptors of {} cannot be read: {e}",
            name()
        ))),
    }
}

/// A reader driven by one of inkan's USB drivers.
#[derive(Debug)]
pub enum UsbReader<P: UsbPipe> {
    /// A CCID reader (TPDU or APDU level).
    Ccid(CcidTransport<P>),
    /// A Sony RC-S380 (Port-100, ISO/IEC 14443-4 Type B).
    Port100(PasoriTransport<P>),
}

impl<P: UsbPipe> UsbReader<P> {
    /// Opens the reader with the driver `choice` names; the pipe must already talk to the
    /// choice's interface and endpoints. Powers (or activates) the card.
    pub async fn open(pipe: P, choice: DriverChoice) -> Result<Self, ReaderError> {
        match choice {
            DriverChoice::Ccid(iface) => {
                CcidTransport::with_interface(pipe, iface, CcidOptions::default())
                    .await
                    .map(UsbReader::Ccid)
                    .map_err(ReaderError::Ccid)
            }
            DriverChoice::Port100 { .. } => PasoriTransport::open(pipe, PasoriOptions::default())
                .await
                .map(UsbReader::Port100)
                .map_err(ReaderError::Pasori),
        }
    }

    /// Reads the configuration descriptor over `pipe`, chooses the driver and opens the
    /// reader: for backends whose pipe needs no interface claimed first (native USB stacks
    /// that route by endpoint address, the virtual readers of `inkan-sim`).
    pub async fn open_device(
        mut pipe: P,
        vendor_id: u16,
        product_id: u16,
    ) -> Result<Self, ReaderError> {
        let config = inkan_usb::descriptor::read_config(&mut pipe, 0)
            .await
            .map_err(|e| match e {
                inkan_usb::DescriptorError::Pipe(p) => ReaderError::Ccid(CcidError::Pipe(p)),
                other => ReaderError::Unsupported(format!(
                    "the descriptors of {} cannot be read: {other}",
                    registry::display_name(vendor_id, product_id, None)
                )),
            })?;
        let choice = choose_driver(vendor_id, product_id, &config)?;
        Self::open(pipe, choice).await
    }

    /// `ccid` or `port100`.
    pub fn driver(&self) -> &'static str {
        match self {
            UsbReader::Ccid(_) => Protocol::CcidVendorClass.driver_name(),
            UsbReader::Port100(_) => Protocol::Port100.driver_name(),
        }
    }

    /// The card's ATR, upper-case hex (empty for contactless cards, which have none).
    pub fn atr_hex(&self) -> String {
        match self {
            UsbReader::Ccid(t) => t
                .atr()
                .map(|a| a.raw.iter().map(|b| format!("{b:02X}")).collect())
                .unwrap_or_default(),
            UsbReader::Port100(_) => String::new(),
        }
    }

    /// The transport figures so far.
    pub fn figures(&self) -> Figures {
        match self {
            UsbReader::Ccid(t) => t.figures(),
            UsbReader::Port100(t) => t.figures(),
        }
    }

    /// The pipe.
    pub fn pipe(&self) -> &P {
        match self {
            UsbReader::Ccid(t) => t.pipe(),
            UsbReader::Port100(t) => t.pipe(),
        }
    }
}

impl<P: UsbPipe> Transport for UsbReader<P> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            UsbReader::Ccid(t) => t.transmit(command).await,
            UsbReader::Port100(t) => t.transmit(command).await,
        }
    }

    fn supports_extended(&self) -> bool {
        match self {
            UsbReader::Ccid(t) => t.supports_extended(),
            UsbReader::Port100(t) => t.supports_extended(),
        }
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        match self {
            UsbReader::Ccid(t) => t.power_off().await,
            UsbReader::Port100(t) => t.power_off().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A configuration with one interface of `class`, optionally a CCID descriptor, and
    /// bulk and interrupt endpoints.
    fn config(class: u8, with_ccid: bool) -> Vec<u8> {
        let mut ccid = vec![0x36, 0x21, 0x10, 0x01, 0x00, 0x07, 0x03, 0x00, 0x00, 0x00];
        ccid.resize(0x36, 0);
        // dwFeatures (offset 40) = TPDU level; dwMaxCCIDMessageLength (44) = 271.
        ccid[40..44].copy_from_slice(&0x0001_00BAu32.to_le_bytes());
        ccid[44..48].copy_from_slice(&271u32.to_le_bytes());
        let mut body = vec![9, 4, 0, 0, 3, class, 0, 0, 0];
        if with_ccid {
            body.extend_from_slice(&ccid);
        }
        body.extend_from_slice(&[7, 5, 0x01, 2, 64, 0, 0]);
        body.extend_from_slice(&[7, 5, 0x82, 2, 64, 0, 0]);
        body.extend_from_slice(&[7, 5, 0x83, 3, 8, 0, 16]);
        let total = (9 + body.len()) as u16;
        let mut c = vec![9, 2];
        c.extend_from_slice(&total.to_le_bytes());
        c.extend_from_slice(&[1, 1, 0, 0x80, 50]);
        c.extend_from_slice(&body);
        c
    }

    #[test]
    fn vendor_class_ccid_is_page_usable() {
        let d = choose_driver(0x04E6, 0x511A, &config(0xFF, true)).unwrap();
        assert_eq!((d.name(), d.level()), ("ccid", "tpdu"));
        assert!(!d.protected_class());
        assert_eq!(d.interface_number(), 0);
        assert_eq!(d.endpoints(), (0x01, 0x82, Some(0x83)));
    }

    #[test]
    fn smart_card_class_is_protected() {
        let d = choose_driver(0x072F, 0x223E, &config(0x0B, true)).unwrap();
        assert!(d.protected_class());
        assert_eq!(d.interface_class(), 0x0B);
    }

    #[test]
    fn rc_s380_goes_to_port100_by_id() {
        let d = choose_driver(0x054C, 0x06C1, &config(0xFF, false)).unwrap();
        assert_eq!(
            d,
            DriverChoice::Port100 {
                interface_number: 0,
                bulk_out: 0x01,
                bulk_in: 0x82
            }
        );
        assert_eq!(
            (d.name(), d.level(), d.endpoints().2),
            ("port100", "iso-dep", None)
        );
        // An RC-S380 whose interface lacks bulk endpoints.
        let e = choose_driver(
            0x054C,
            0x06C1,
            &[9, 2, 18, 0, 1, 1, 0, 0x80, 50, 9, 4, 0, 0, 0, 0xFF, 0, 0, 0],
        );
        assert!(matches!(e, Err(ReaderError::Unsupported(m)) if m.contains("no bulk endpoints")));
    }

    #[test]
    fn other_devices_are_unsupported() {
        let e = choose_driver(0x1234, 0x5678, &config(0x03, false)).unwrap_err();
        assert!(matches!(&e, ReaderError::Unsupported(m) if m.contains("1234:5678")));
        let e = choose_driver(0x1234, 0x5678, &[9, 2, 9]).unwrap_err();
        assert!(matches!(&e, ReaderError::Unsupported(m) if m.contains("cannot be read")));
        // A CCID descriptor on a HID-class interface is not a reader.
        assert!(choose_driver(0x1234, 0x5678, &config(0x03, true)).is_err());
    }
}
