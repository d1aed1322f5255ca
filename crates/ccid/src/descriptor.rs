//! The CCID class descriptor (CCID spec §5.1) found in configuration-descriptor bytes.

use alloc::vec::Vec;
use core::fmt;

/// bDescriptorType of the CCID class descriptor ("Smart Card Device Class", §5.1).
pub const CCID_DESCRIPTOR_TYPE: u8 = 0x21;
/// bLength of the CCID class descriptor: 54 bytes (§5.1).
pub const CCID_DESCRIPTOR_LEN: usize = 54;
pub use inkan_usb::descriptor::{MAX_CONFIG_LEN, config_total_length};

/// dwFeatures bits (CCID §5.1, Table 5.1-1).
pub mod feature {
    /// 0x02 "Automatic parameter configuration based on ATR data".
    pub const AUTO_CONFIG_ATR: u32 = 0x0000_0002;
    /// 0x04 "Automatic activation of ICC on inserting".
    pub const AUTO_ACTIVATION: u32 = 0x0000_0004;
    /// 0x08 "Automatic ICC voltage selection".
    pub const AUTO_VOLTAGE: u32 = 0x0000_0008;
    /// 0x10 "Automatic ICC clock frequency change according to active parameters
    /// provided by the Host or self determined".
    pub const AUTO_CLOCK: u32 = 0x0000_0010;
    /// 0x20 "Automatic baud rate change according to active parameters provided by the
    /// Host or self determined".
    pub const AUTO_BAUD: u32 = 0x0000_0020;
    /// 0x40 "Automatic parameters negotiation made by the CCID".
    pub const AUTO_PARAMETERS: u32 = 0x0000_0040;
    /// 0x80 "Automatic PPS made by the CCID according to the active parameters".
    pub const AUTO_PPS: u32 = 0x0000_0080;
    /// 0x100 "CCID can set ICC in clock stop mode".
    pub const CLOCK_STOP: u32 = 0x0000_0100;
    /// 0x200 "NAD value other than 00 accepted (T=1 protocol in use)".
    pub const NAD: u32 = 0x0000_0200;
    /// 0x400 "Automatic IFSD exchange as first exchange (T=1 protocol in use)".
    pub const AUTO_IFSD: u32 = 0x0000_0400;
    /// 0x10000 "TPDU level exchanges with CCID".
    pub const TPDU: u32 = 0x0001_0000;
    /// 0x20000 "Short APDU level exchange with CCID".
    pub const SHORT_APDU: u32 = 0x0002_0000;
    /// 0x40000 "Short and Extended APDU level exchange with CCID".
    pub const EXTENDED_APDU: u32 = 0x0004_0000;
    /// Mask of the exchange-level bits.
    pub const LEVEL_MASK: u32 = 0x0007_0000;
}

/// The exchange level a reader offers (dwFeatures bits 16–18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeLevel {
    /// Character level: none of the level bits set. Not supported by this driver.
    Character,
    /// TPDU level: the host runs T=1.
    Tpdu,
    /// Short APDU level.
    ShortApdu,
    /// Short and extended APDU level.
    ExtendedApdu,
}

/// Why configuration-descriptor bytes yield no usable CCID interface.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DescriptorError {
    /// A descriptor's bLength runs past the end or is below 2.
    Truncated {
        /// Byte offset of the bad descriptor.
        offset: usize,
    },
    /// No interface carries a 54-byte CCID class descriptor.
    NoCcidInterface,
    /// The CCID interface lacks a bulk-IN or bulk-OUT endpoint.
    MissingEndpoint,
    /// More bytes than [`MAX_CONFIG_LEN`].
    TooLong(usize),
    /// The configuration could not be read or walked for another reason.
    Usb(inkan_usb::DescriptorError),
}

impl From<inkan_usb::DescriptorError> for DescriptorError {
    fn from(e: inkan_usb::DescriptorError) -> Self {
        match e {
            inkan_usb::DescriptorError::Truncated { offset } => {
                DescriptorError::Truncated { offset }
            }
            inkan_usb::DescriptorError::TooLong(n) => DescriptorError::TooLong(n),
            other => DescriptorError::Usb(other),
        }
    }
}

impl fmt::Display for DescriptorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DescriptorError::Truncated { offset } => {
                write!(f, "USB descriptor at byte {offset} is truncated")
            }
            DescriptorError::NoCcidInterface => {
                write!(f, "no interface with a CCID class descriptor")
            }
            DescriptorError::MissingEndpoint => {
                write!(f, "the CCID interface lacks a bulk-IN or bulk-OUT endpoint")
            }
            DescriptorError::TooLong(n) => write!(f, "configuration descriptor of {n} bytes"),
            DescriptorError::Usb(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DescriptorError {}

/// The fields of the CCID class descriptor (CCID §5.1, Table 5.1-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CcidDescriptor {
    /// bcdCCID (0x0110 for rev 1.1).
    pub bcd_ccid: u16,
    /// bMaxSlotIndex.
    pub max_slot_index: u8,
    /// bVoltageSupport: 1 5 V, 2 3 V, 4 1.8 V.
    pub voltage_support: u8,
    /// dwProtocols: bit 0 T=0, bit 1 T=1.
    pub protocols: u32,
    /// dwDefaultClock in kHz.
    pub default_clock_khz: u32,
    /// dwMaximumClock in kHz.
    pub maximum_clock_khz: u32,
    /// bNumClockSupported.
    pub num_clocks: u8,
    /// dwDataRate in bps (the default ICC I/O rate).
    pub data_rate: u32,
    /// dwMaxDataRate in bps.
    pub max_data_rate: u32,
    /// bNumDataRatesSupported.
    pub num_data_rates: u8,
    /// dwMaxIFSD: the largest IFSD the reader supports for T=1.
    pub max_ifsd: u32,
    /// dwSynchProtocols.
    pub synch_protocols: u32,
    /// dwMechanical.
    pub mechanical: u32,
    /// dwFeatures.
    pub features: u32,
    /// dwMaxCCIDMessageLength: header plus abData, 261 + 10 at least for short APDUs.
    pub max_message_len: u32,
    /// bClassGetResponse.
    pub class_get_response: u8,
    /// bClassEnvelope.
    pub class_envelope: u8,
    /// wLcdLayout.
    pub lcd_layout: u16,
    /// bPINSupport.
    pub pin_support: u8,
    /// bMaxCCIDBusySlots.
    pub max_busy_slots: u8,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([
        b.get(i).copied().unwrap_or(0),
        b.get(i + 1).copied().unwrap_or(0),
    ])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([
        b.get(i).copied().unwrap_or(0),
        b.get(i + 1).copied().unwrap_or(0),
        b.get(i + 2).copied().unwrap_or(0),
        b.get(i + 3).copied().unwrap_or(0),
    ])
}

fn u8_at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

impl CcidDescriptor {
    /// The ICC clock, in kHz, the reader runs once Fi is in force. With the feature
    /// "Automatic ICC clock frequency change according to active parameters provided by
    /// the Host or self determined" (dwFeatures 0x10, CCID §5.1) the reader raises the
    /// clock to the card's fmax for that Fi (ISO/IEC 7816-3 §8.3, Table 7), capped by
    /// dwMaximumClock; otherwise it keeps dwDefaultClock.
    pub fn clock_khz_for_fi(&self, fi_index: u8) -> u32 {
        if self.has(feature::AUTO_CLOCK) {
            crate::atr::fmax_khz(fi_index)
                .min(self.maximum_clock_khz.max(self.default_clock_khz))
                .max(1)
        } else {
            self.default_clock_khz.max(1)
        }
    }

    /// Parses the 54 bytes of a class descriptor (bLength 0x36, bDescriptorType 0x21).
    pub fn parse(b: &[u8]) -> Option<CcidDescriptor> {
        if b.len() < CCID_DESCRIPTOR_LEN {
            return None;
        }
        Some(CcidDescriptor {
            bcd_ccid: u16_at(b, 2),
            max_slot_index: u8_at(b, 4),
            voltage_support: u8_at(b, 5),
            protocols: u32_at(b, 6),
            default_clock_khz: u32_at(b, 10),
            maximum_clock_khz: u32_at(b, 14),
            num_clocks: u8_at(b, 18),
            data_rate: u32_at(b, 19),
            max_data_rate: u32_at(b, 23),
            num_data_rates: u8_at(b, 27),
            max_ifsd: u32_at(b, 28),
            synch_protocols: u32_at(b, 32),
            mechanical: u32_at(b, 36),
            features: u32_at(b, 40),
            max_message_len: u32_at(b, 44),
            class_get_response: u8_at(b, 48),
            class_envelope: u8_at(b, 49),
            lcd_layout: u16_at(b, 50),
            pin_support: u8_at(b, 52),
            max_busy_slots: u8_at(b, 53),
        })
    }

    /// Encodes the 54 bytes (for virtual readers).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(CCID_DESCRIPTOR_LEN);
        v.push(54);
        v.push(CCID_DESCRIPTOR_TYPE);
        v.extend_from_slice(&self.bcd_ccid.to_le_bytes());
        v.push(self.max_slot_index);
        v.push(self.voltage_support);
        v.extend_from_slice(&self.protocols.to_le_bytes());
        v.extend_from_slice(&self.default_clock_khz.to_le_bytes());
        v.extend_from_slice(&self.maximum_clock_khz.to_le_bytes());
        v.push(self.num_clocks);
        v.extend_from_slice(&self.data_rate.to_le_bytes());
        v.extend_from_slice(&self.max_data_rate.to_le_bytes());
        v.push(self.num_data_rates);
        v.extend_from_slice(&self.max_ifsd.to_le_bytes());
        v.extend_from_slice(&self.synch_protocols.to_le_bytes());
        v.extend_from_slice(&self.mechanical.to_le_bytes());
        v.extend_from_slice(&self.features.to_le_bytes());
        v.extend_from_slice(&self.max_message_len.to_le_bytes());
        v.push(self.class_get_response);
        v.push(self.class_envelope);
        v.extend_from_slice(&self.lcd_layout.to_le_bytes());
        v.push(self.pin_support);
        v.push(self.max_busy_slots);
        v
    }

    /// Whether dwFeatures has all bits of `mask`.
    pub fn has(&self, mask: u32) -> bool {
        self.features & mask == mask
    }

    /// The exchange level. "Only one of [the level bits] shall be present" (§5.1); when
    /// several are, the highest wins.
    pub fn level(&self) -> ExchangeLevel {
        if self.has(feature::EXTENDED_APDU) {
            ExchangeLevel::ExtendedApdu
        } else if self.has(feature::SHORT_APDU) {
            ExchangeLevel::ShortApdu
        } else if self.has(feature::TPDU) {
            ExchangeLevel::Tpdu
        } else {
            ExchangeLevel::Character
        }
    }

    /// Whether T=1 is offered (dwProtocols bit 1).
    pub fn supports_t1(&self) -> bool {
        self.protocols & 2 != 0
    }

    /// The largest abData the reader takes in one message.
    pub fn max_data_len(&self) -> usize {
        usize::try_from(self.max_message_len)
            .unwrap_or(usize::MAX)
            .saturating_sub(crate::message::HEADER_LEN)
    }
}

/// A CCID interface found in a configuration descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CcidInterface {
    /// bInterfaceNumber.
    pub interface_number: u8,
    /// bAlternateSetting.
    pub alternate_setting: u8,
    /// bInterfaceClass: 0x0B (Smart Card) or 0xFF (vendor, e.g. SCR3310-NTTCom).
    pub interface_class: u8,
    /// The class descriptor.
    pub ccid: CcidDescriptor,
    /// bEndpointAddress of bulk-OUT.
    pub bulk_out: u8,
    /// bEndpointAddress of bulk-IN.
    pub bulk_in: u8,
    /// bEndpointAddress of interrupt-IN, if any.
    pub interrupt_in: Option<u8>,
}

impl CcidInterface {
    /// Whether browsers block this interface for normal pages (class 0x0B is a WebUSB
    /// protected class).
    pub fn protected_class(&self) -> bool {
        self.interface_class == 0x0B
    }
}

/// Finds the first interface with a CCID class descriptor in full configuration-descriptor
/// bytes (USB 2.0 §9.6.3: configuration, then interface, class and endpoint descriptors),
/// walked by [`inkan_usb::descriptor::interfaces`]. Only interfaces of class 0x0B (Smart
/// Card, CCID §4.3) or 0xFF (vendor readers such as the SCR3310-NTTCom) count. Some vendor
/// readers place the 0x21 descriptor after their endpoints; both orders are accepted.
pub fn find_ccid_interface(config: &[u8]) -> Result<CcidInterface, DescriptorError> {
    use inkan_usb::TransferType::{Bulk, Interrupt};
    for i in inkan_usb::descriptor::interfaces(config)? {
        if i.class != 0x0B && i.class != 0xFF {
            continue;
        }
        let Some(ccid) = i
            .class_descriptor(CCID_DESCRIPTOR_TYPE, CCID_DESCRIPTOR_LEN)
            .and_then(CcidDescriptor::parse)
        else {
            continue;
        };
        return match (i.endpoint(Bulk, false), i.endpoint(Bulk, true)) {
            (Some(bulk_out), Some(bulk_in)) => Ok(CcidInterface {
                interface_number: i.number,
                alternate_setting: i.alternate_setting,
                interface_class: i.class,
                ccid,
                bulk_out,
                bulk_in,
                interrupt_in: i.endpoint(Interrupt, true),
            }),
            _ => Err(DescriptorError::MissingEndpoint),
        };
    }
    Err(DescriptorError::NoCcidInterface)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sample() -> CcidDescriptor {
        CcidDescriptor {
            bcd_ccid: 0x0110,
            max_slot_index: 0,
            voltage_support: 7,
            protocols: 3,
            default_clock_khz: 4800,
            maximum_clock_khz: 8000,
            num_clocks: 0,
            data_rate: 12903,
            max_data_rate: 412_903,
            num_data_rates: 0,
            max_ifsd: 252,
            synch_protocols: 0,
            mechanical: 0,
            features: 0x0001_01BA,
            max_message_len: 271,
            class_get_response: 0xFF,
            class_envelope: 0xFF,
            lcd_layout: 0,
            pin_support: 0,
            max_busy_slots: 1,
        }
    }

    #[test]
    fn round_trip_and_find() {
        let d = sample();
        let bytes = d.to_bytes();
        assert_eq!(bytes.len(), 54);
        assert_eq!(CcidDescriptor::parse(&bytes).unwrap(), d);
        let mut cfg = vec![9, 2, 0, 0, 1, 1, 0, 0x80, 50];
        cfg.extend_from_slice(&[9, 4, 0, 0, 3, 0xFF, 0, 0, 0]);
        // Descriptor after the endpoints, as some vendor readers do.
        cfg.extend_from_slice(&[7, 5, 0x01, 2, 64, 0, 0]);
        cfg.extend_from_slice(&[7, 5, 0x82, 2, 64, 0, 0]);
        cfg.extend_from_slice(&[7, 5, 0x83, 3, 8, 0, 16]);
        cfg.extend_from_slice(&bytes);
        let i = find_ccid_interface(&cfg).unwrap();
        assert_eq!(i.ccid, d);
        assert_eq!(
            (i.bulk_out, i.bulk_in, i.interrupt_in),
            (1, 0x82, Some(0x83))
        );
        assert!(!i.protected_class());
        assert_eq!(i.ccid.level(), ExchangeLevel::Tpdu);
        assert!(!i.ccid.has(feature::AUTO_IFSD));
        assert!(i.ccid.has(feature::AUTO_PPS));
    }

    #[test]
    fn bad_configs() {
        assert_eq!(
            find_ccid_interface(&[9, 2, 0]),
            Err(DescriptorError::Truncated { offset: 0 })
        );
        assert_eq!(
            find_ccid_interface(&[9, 4, 0, 0, 0, 0x0B, 0, 0, 0]),
            Err(DescriptorError::NoCcidInterface)
        );
        assert_eq!(
            find_ccid_interface(&[0, 0]),
            Err(DescriptorError::Truncated { offset: 0 })
        );
    }
}
