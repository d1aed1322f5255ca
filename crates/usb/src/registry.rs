//! The reader models inkan knows (FACTS §6), by VID:PID, and the driver each needs.
//!
//! This is the one list: the browser's device chooser, the CLI and the virtual readers
//! of `inkan-sim` all read it.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// USB class code of Smart Card interfaces (CCID spec §4.3, bInterfaceClass 0x0B).
pub const SMART_CARD_CLASS: u8 = 0x0B;
/// USB class code of vendor-specific interfaces (bInterfaceClass 0xFF).
pub const VENDOR_CLASS: u8 = 0xFF;

/// idVendor of Sony.
pub const SONY: u16 = 0x054C;
/// idProduct of the two RC-S380 variants (S and P); both run the Port-100 protocol.
pub const RC_S380_PRODUCT_IDS: [u16; 2] = [0x06C1, 0x06C3];

/// How a reader is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// CCID on a vendor-class (0xFF) interface: a normal web page may claim it.
    CcidVendorClass,
    /// CCID on a Smart Card class (0x0B) interface: protected from normal web pages.
    CcidSmartCardClass,
    /// Sony NFC Port-100 (RC-S380), then ISO/IEC 14443-4 Type B.
    Port100,
}

impl Protocol {
    /// A stable name: `ccid` or `port100`.
    pub fn driver_name(self) -> &'static str {
        match self {
            Protocol::CcidVendorClass | Protocol::CcidSmartCardClass => "ccid",
            Protocol::Port100 => "port100",
        }
    }
}

/// A reader model inkan knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderModel {
    /// Product name.
    pub name: &'static str,
    /// idVendor.
    pub vendor_id: u16,
    /// idProduct.
    pub product_id: u16,
    /// How it is driven.
    pub protocol: Protocol,
}

impl ReaderModel {
    /// Whether a normal https page can claim it (class 0x0B is a WebUSB protected class).
    pub fn page_usable(&self) -> bool {
        self.protocol != Protocol::CcidSmartCardClass
    }
}

const fn model(
    name: &'static str,
    vendor_id: u16,
    product_id: u16,
    protocol: Protocol,
) -> ReaderModel {
    ReaderModel {
        name,
        vendor_id,
        product_id,
        protocol,
    }
}

/// Every reader of FACTS §6, page-usable ones first.
pub const SUPPORTED_READERS: &[ReaderModel] = &[
    model(
        "NTT Communications SCR3310-NTTCom",
        0x04E6,
        0x511A,
        Protocol::CcidVendorClass,
    ),
    model(
        "SCR331-DI-NTTCom",
        0x04E6,
        0x5120,
        Protocol::CcidVendorClass,
    ),
    model(
        "Sony PaSoRi RC-S380/S",
        SONY,
        RC_S380_PRODUCT_IDS[0],
        Protocol::Port100,
    ),
    model(
        "Sony PaSoRi RC-S380/P",
        SONY,
        RC_S380_PRODUCT_IDS[1],
        Protocol::Port100,
    ),
    model(
        "Sony PaSoRi RC-S300/S",
        SONY,
        0x0DC8,
        Protocol::CcidSmartCardClass,
    ),
    model(
        "Sony PaSoRi RC-S300/P",
        SONY,
        0x0DC9,
        Protocol::CcidSmartCardClass,
    ),
    model("ACS ACR39U", 0x072F, 0xB100, Protocol::CcidSmartCardClass),
    model("ACS ACR1251", 0x072F, 0x221A, Protocol::CcidSmartCardClass),
    model("ACS ACR1252", 0x072F, 0x223E, Protocol::CcidSmartCardClass),
    model(
        "Identiv SCR3310",
        0x04E6,
        0x5116,
        Protocol::CcidSmartCardClass,
    ),
];

/// The known model with this VID:PID.
pub fn lookup(vendor_id: u16, product_id: u16) -> Option<&'static ReaderModel> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_id_and_filters_cover_all() {
        for (i, a) in SUPPORTED_READERS.iter().enumerate() {
            for b in SUPPORTED_READERS.iter().skip(i + 1) {
                assert!((a.vendor_id, a.product_id) != (b.vendor_id, b.product_id));
            }
        }
        let f = request_filters();
        assert_eq!(f.len(), SUPPORTED_READERS.len() + 1);
        assert!(f.contains(&Filter::Class(0x0B)));
        assert!(lookup(SONY, 0x06C3).is_some_and(ReaderModel::page_usable));
        assert!(!lookup(0x072F, 0xB100).is_some_and(ReaderModel::page_usable));
        assert_eq!(
            lookup(SONY, 0x06C1).map(|r| r.protocol.driver_name()),
            Some("port100")
        );
        assert_eq!(display_name(1, 2, Some(" X ")), "X");
        assert_eq!(display_name(1, 2, None), "USB device 0001:0002");
        assert_eq!(
            display_name(SONY, 0x06C1, Some("x")),
            "Sony PaSoRi RC-S380/S"
        );
    }
}
