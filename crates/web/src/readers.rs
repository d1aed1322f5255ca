//! The readers inkan knows, the device chooser's filters, and the choice of driver from
//! a device's descriptors (FACTS §6).

use crate::error::{WebError, code};
use inkan_ccid::{CcidInterface, DescriptorError, descriptor};

/// How a reader is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// CCID on a vendor-class (0xFF) interface: a normal web page may claim it.
    CcidVendorClass,
    /// CCID on a Smart Card class (0x0B) interface: protected from normal web pages.
    CcidSmartCardClass,
    /// Sony NFC Port-100 (RC-S380), then ISO 14443-4 Type B.
    Port100,
}

impl Protocol {
    /// A stable name (`ccid`, `ccid`, `port100`).
    pub fn driver_name(self) -> &'static str {
        match self {
            Protocol::CcidVendorClass | Protocol::CcidSmartCardClass => "ccid",
            Protocol::Port100 => "port100",
        }
    }
}

/// A reader model inkan knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderSpec {
    /// Product name.
    pub name: &'static str,
    /// idVendor.
    pub vendor_id: u16,
    /// idProduct.
    pub product_id: u16,
    /// How it is driven.
    pub protocol: Protocol,
}

impl ReaderSpec {
    /// Whether a normal https page can claim it.
    pub fn page_usable(&self) -> bool {
        self.protocol != Protocol::CcidSmartCardClass
    }
}

const fn spec(
    name: &'static str,
    vendor_id: u16,
    product_id: u16,
    protocol: Protocol,
) -> ReaderSpec {
    ReaderSpec {
        name,
        vendor_id,
        product_id,
        protocol,
    }
}

/// Every reader of FACTS §6, page-usable ones first.
pub const SUPPORTED_READERS: &[ReaderSpec] = &[
    spec(
        "NTT Communications SCR3310-NTTCom",
        0x04E6,
        0x511A,
        Protocol::CcidVendorClass,
    ),
    spec(
        "SCR331-DI-NTTCom",
        0x04E6,
        0x5120,
        Protocol::CcidVendorClass,
    ),
    spec("Sony PaSoRi RC-S380/S", 0x054C, 0x06C1, Protocol::Port100),
    spec("Sony PaSoRi RC-S380/P", 0x054C, 0x06C3, Protocol::Port100),
    spec(
        "Sony PaSoRi RC-S300/S",
        0x054C,
        0x0DC8,
        Protocol::CcidSmartCardClass,
    ),
    spec(
        "Sony PaSoRi RC-S300/P",
        0x054C,
        0x0DC9,
        Protocol::CcidSmartCardClass,
    ),
    spec("ACS ACR39U", 0x072F, 0xB100, Protocol::CcidSmartCardClass),
    spec("ACS ACR1251", 0x072F, 0x221A, Protocol::CcidSmartCardClass),
    spec("ACS ACR1252", 0x072F, 0x223E, Protocol::CcidSmartCardClass),
    spec(
        "Identiv SCR3310",
        0x04E6,
        0x5116,
        Protocol::CcidSmartCardClass,
    ),
];

/// USB class code of Smart Card interfaces (CCID spec §4.3, bInterfaceClass 0x0B).
pub const SMART_CARD_CLASS: u8 = 0x0B;

/// One `USBDeviceFilter` of `navigator.usb.requestDevice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// `{ vendorId, productId }`.
    Device {
        /// idVendor.
        vendor_id: u16,
        /// idProduct.
        product_id: u16,
    },
    /// `{ classCode }`: any device with an interface of this class, so that a
    /// smart-card reader inkan does not list still shows up and gets guidance.
    Class(u8),
}

/// The chooser's filters: every supported reader, then any Smart Card class device.
pub fn request_filters() -> Vec<Filter> {
    SUPPORTED_READERS
        .iter()
        .map(|r| Filter::Device {
            vendor_id: r.vendor_id,
            product_id: r.product_id,
        })
        .chain(core::iter::once(Filter::Class(SMART_CARD_CLASS)))
        .collect()
}

/// The known model with this VID:PID.
pub fn lookup(vendor_id: u16, product_id: u16) -> Option<&'static ReaderSpec> {
    SUPPORTED_READERS
        .iter()
        .find(|r| r.vendor_id == vendor_id && r.product_id == product_id)
}

/// A display name: the known model name, else the product string, else VID:PID.
pub fn display_name(vendor_id: u16, product_id: u16, product_name: Option<&str>) -> String {
    match (lookup(vendor_id, product_id), product_name) {
        (Some(r), _) => r.name.to_owned(),
        (None, Some(p)) if !p.trim().is_empty() => p.trim().to_owned(),
        _ => format!("USB device {vendor_id:04X}:{product_id:04X}"),
    }
}

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
            DriverChoice::Ccid(_) => "ccid",
            DriverChoice::Port100 { .. } => "port100",
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

    /// Whether the interface is of a class browsers protect from normal pages.
    pub fn protected_class(&self) -> bool {
        match self {
            DriverChoice::Ccid(i) => i.protected_class(),
            DriverChoice::Port100 { .. } => false,
        }
    }
}

/// Chooses the driver from the device's IDs and its full configuration descriptor
/// (read with GET_DESCRIPTOR because WebUSB does not expose class descriptors): the
/// RC-S380 by VID:PID (it has no class descriptor), anything with a CCID class
/// descriptor on a 0x0B or 0xFF interface by that descriptor.
pub fn choose_driver(
    vendor_id: u16,
    product_id: u16,
    config: &[u8],
) -> Result<DriverChoice, WebError> {
    if lookup(vendor_id, product_id).map(|r| r.protocol) == Some(Protocol::Port100) {
        return match first_interface_bulk(config) {
            Some((interface_number, bulk_out, bulk_in)) => Ok(DriverChoice::Port100 {
                interface_number,
                bulk_out,
                bulk_in,
            }),
            None => Err(WebError::new(
                code::READER_UNSUPPORTED,
                "the RC-S380's descriptors have no bulk endpoints",
            )),
        };
    }
    match descriptor::find_ccid_interface(config) {
        Ok(i) => Ok(DriverChoice::Ccid(i)),
        Err(DescriptorError::NoCcidInterface) => Err(WebError::new(
            code::READER_UNSUPPORTED,
            format!(
                "{} is not a smart-card reader inkan can use (no CCID interface)",
                display_name(vendor_id, product_id, None)
            ),
        )),
        Err(e) => Err(WebError::new(
            code::READER_UNSUPPORTED,
            format!(
                "the descriptors of {} cannot be read: {e}",
                display_name(vendor_id, product_id, None)
            ),
        )),
    }
}

/// The first interface's number and its first bulk-OUT and bulk-IN endpoint addresses
/// (USB 2.0 §9.6.5, §9.6.6).
fn first_interface_bulk(config: &[u8]) -> Option<(u8, u8, u8)> {
    let mut offset = 0usize;
    let mut interface: Option<u8> = None;
    let (mut out, mut inp) = (None, None);
    // Each step moves on by at least 2 bytes, so this ends.
    while let (Some(&len), Some(&kind)) = (config.get(offset), config.get(offset + 1)) {
        if len < 2 {
            return None;
        }
        match kind {
            4 if interface.is_some() => break,
            4 => interface = config.get(offset + 2).copied(),
            5 if interface.is_some() && len >= 7 => {
                let addr = config.get(offset + 2).copied()?;
                let attrs = config.get(offset + 3).copied()?;
                if attrs & 0x03 == 2 {
                    if addr & 0x80 != 0 {
                        inp = inp.or(Some(addr));
                    } else {
                        out = out.or(Some(addr));
                    }
                }
            }
            _ => {}
        }
        offset += usize::from(len);
    }
    Some((interface?, out?, inp?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration with one interface of `class`, a CCID descriptor and bulk and
    /// interrupt endpoints.
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
        assert_eq!(d.name(), "ccid");
        assert!(!d.protected_class());
        assert_eq!(d.interface_number(), 0);
        let DriverChoice::Ccid(i) = d else { panic!() };
        assert_eq!(
            (i.bulk_out, i.bulk_in, i.interrupt_in),
            (0x01, 0x82, Some(0x83))
        );
    }

    #[test]
    fn smart_card_class_is_protected() {
        let d = choose_driver(0x072F, 0x223E, &config(0x0B, true)).unwrap();
        assert!(d.protected_class());
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
    }

    #[test]
    fn other_devices_are_unsupported() {
        let e = choose_driver(0x1234, 0x5678, &config(0x03, false)).unwrap_err();
        assert_eq!(e.code, code::READER_UNSUPPORTED);
        let e = choose_driver(0x1234, 0x5678, &[9, 2, 9]).unwrap_err();
        assert_eq!(e.code, code::READER_UNSUPPORTED);
    }

    #[test]
    fn filters_cover_every_reader_and_the_class() {
        let f = request_filters();
        assert_eq!(f.len(), SUPPORTED_READERS.len() + 1);
        assert!(f.contains(&Filter::Class(0x0B)));
        assert!(lookup(0x054C, 0x06C3).is_some_and(ReaderSpec::page_usable));
        assert!(!lookup(0x072F, 0xB100).is_some_and(ReaderSpec::page_usable));
        assert_eq!(display_name(1, 2, Some(" X ")), "X");
        assert_eq!(display_name(1, 2, None), "USB device 0001:0002");
    }
}
