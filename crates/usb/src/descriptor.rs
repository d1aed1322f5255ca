//! Configuration descriptors (USB 2.0 §9.6.3–§9.6.6) walked into interfaces, their
//! class-specific descriptors and their endpoints.
//!
//! WebUSB exposes interfaces and endpoints but not class-specific descriptors, so every
//! driver reads the whole configuration with GET_DESCRIPTOR (§9.4.3) and walks it here.
//! "The first interface descriptor follows the configuration descriptor. The endpoint
//! descriptors for the first interface follow the first interface descriptor" (§9.4.3);
//! class-specific descriptors sit among them — some vendor readers put the CCID class
//! descriptor after their endpoints, so a class descriptor belongs to the interface it
//! follows, wherever it is placed.

use crate::pipe::{PipeError, UsbPipe};
use alloc::vec::Vec;
use core::fmt;

/// bDescriptorType of a configuration descriptor (USB 2.0 Table 9-5).
pub const CONFIGURATION: u8 = 2;
/// bDescriptorType of an interface descriptor (USB 2.0 Table 9-5).
pub const INTERFACE: u8 = 4;
/// bDescriptorType of an endpoint descriptor (USB 2.0 Table 9-5).
pub const ENDPOINT: u8 = 5;
/// Hard limit on the configuration descriptors this crate reads or walks.
pub const MAX_CONFIG_LEN: usize = 4096;

/// Why configuration-descriptor bytes cannot be walked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DescriptorError {
    /// A descriptor's bLength runs past the end or is below 2.
    Truncated {
        /// Byte offset of the bad descriptor.
        offset: usize,
    },
    /// More bytes than [`MAX_CONFIG_LEN`].
    TooLong(usize),
    /// The header is not a configuration descriptor.
    NotConfiguration,
    /// The control transfer that reads the descriptor failed.
    Pipe(PipeError),
}

impl fmt::Display for DescriptorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DescriptorError::Truncated { offset } => {
                write!(f, "USB descriptor at byte {offset} is truncated")
            }
            DescriptorError::TooLong(n) => write!(f, "configuration descriptor of {n} bytes"),
            DescriptorError::NotConfiguration => {
                write!(
                    f,
                    "the device did not answer with a configuration descriptor"
                )
            }
            DescriptorError::Pipe(e) => write!(f, "reading the configuration descriptor: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DescriptorError {}

/// bmAttributes bits 1..0 of an endpoint descriptor (USB 2.0 §9.6.6, Table 9-13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferType {
    /// 00.
    Control,
    /// 01.
    Isochronous,
    /// 10.
    Bulk,
    /// 11.
    Interrupt,
}

/// One endpoint descriptor (USB 2.0 §9.6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// bEndpointAddress: bit 7 is the direction (1 = IN), bits 3..0 the number.
    pub address: u8,
    /// The transfer type from bmAttributes.
    pub transfer: TransferType,
    /// wMaxPacketSize.
    pub max_packet_size: u16,
}

impl Endpoint {
    /// Whether the endpoint is IN (device to host).
    pub fn is_in(&self) -> bool {
        self.address & 0x80 != 0
    }
}

/// One interface (alternate setting) with what follows its descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// bInterfaceNumber.
    pub number: u8,
    /// bAlternateSetting.
    pub alternate_setting: u8,
    /// bInterfaceClass (0x0B Smart Card, 0xFF vendor-specific).
    pub class: u8,
    /// bInterfaceSubClass.
    pub subclass: u8,
    /// bInterfaceProtocol.
    pub protocol: u8,
    /// Every descriptor that is neither interface nor endpoint, whole (bLength first).
    pub class_descriptors: Vec<Vec<u8>>,
    /// The endpoints, in descriptor order.
    pub endpoints: Vec<Endpoint>,
}

impl Interface {
    /// The first endpoint of this type and direction.
    pub fn endpoint(&self, transfer: TransferType, is_in: bool) -> Option<u8> {
        self.endpoints
            .iter()
            .find(|e| e.transfer == transfer && e.is_in() == is_in)
            .map(|e| e.address)
    }

    /// The first class-specific descriptor of this type and length.
    pub fn class_descriptor(&self, kind: u8, len: usize) -> Option<&[u8]> {
        self.class_descriptors
            .iter()
            .find(|d| d.len() == len && d.get(1) == Some(&kind))
            .map(Vec::as_slice)
    }
}

fn u8_at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// Walks full configuration-descriptor bytes into their interfaces. Descriptors before
/// the first interface (the configuration header, interface associations) are skipped.
pub fn interfaces(config: &[u8]) -> Result<Vec<Interface>, DescriptorError> {
    if config.len() > MAX_CONFIG_LEN {
        return Err(DescriptorError::TooLong(config.len()));
    }
    let mut out: Vec<Interface> = Vec::new();
    let mut offset = 0usize;
    // Each step moves on by bLength ≥ 2, so the walk ends.
    while offset < config.len() {
        let rest = config.get(offset..).unwrap_or(&[]);
        let len = usize::from(u8_at(rest, 0));
        if len < 2 || len > rest.len() {
            return Err(DescriptorError::Truncated { offset });
        }
        let d = rest.get(..len).unwrap_or(&[]);
        match u8_at(d, 1) {
            INTERFACE if len >= 9 => out.push(Interface {
                number: u8_at(d, 2),
                alternate_setting: u8_at(d, 3),
                class: u8_at(d, 5),
                subclass: u8_at(d, 6),
                protocol: u8_at(d, 7),
                class_descriptors: Vec::new(),
                endpoints: Vec::new(),
            }),
            ENDPOINT if len >= 7 => {
                if let Some(i) = out.last_mut() {
                    i.endpoints.push(Endpoint {
                        address: u8_at(d, 2),
                        transfer: match u8_at(d, 3) & 0x03 {
                            0 => TransferType::Control,
                            1 => TransferType::Isochronous,
                            2 => TransferType::Bulk,
                            _ => TransferType::Interrupt,
                        },
                        max_packet_size: u16::from_le_bytes([u8_at(d, 4), u8_at(d, 5)]),
                    });
                }
            }
            INTERFACE | ENDPOINT | CONFIGURATION => {}
            _ => {
                if let Some(i) = out.last_mut() {
                    i.class_descriptors.push(d.to_vec());
                }
            }
        }
        offset += len;
    }
    Ok(out)
}

/// The wTotalLength of a configuration descriptor header (USB 2.0 §9.6.3).
pub fn config_total_length(header: &[u8]) -> Option<u16> {
    (header.len() >= 4 && u8_at(header, 1) == CONFIGURATION)
        .then(|| u16::from_le_bytes([u8_at(header, 2), u8_at(header, 3)]))
}

/// Reads configuration descriptor `index` whole: GET_DESCRIPTOR (bmRequestType 0x80,
/// bRequest 6, wValue = type 2 << 8 | index; USB 2.0 §9.4.3) first for the 9-byte header,
/// then for wTotalLength bytes (at most [`MAX_CONFIG_LEN`]).
pub async fn read_config<P: UsbPipe + ?Sized>(
    pipe: &mut P,
    index: u8,
) -> Result<Vec<u8>, DescriptorError> {
    let value = u16::from(CONFIGURATION) << 8 | u16::from(index);
    let header = pipe
        .control_in(0x80, 6, value, 0, 9)
        .await
        .map_err(DescriptorError::Pipe)?;
    let total = config_total_length(&header).ok_or(DescriptorError::NotConfiguration)?;
    if usize::from(total) > MAX_CONFIG_LEN {
        return Err(DescriptorError::TooLong(usize::from(total)));
    }
    let full = pipe
        .control_in(0x80, 6, value, 0, total)
        .await
        .map_err(DescriptorError::Pipe)?;
    if full.len() < usize::from(total) {
        return Err(DescriptorError::Truncated { offset: full.len() });
    }
    Ok(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn sample() -> Vec<u8> {
        let mut c = vec![9, 2, 0, 0, 2, 1, 0, 0x80, 50];
        c.extend_from_slice(&[9, 4, 0, 0, 3, 0xFF, 0, 0, 0]);
        c.extend_from_slice(&[7, 5, 0x01, 2, 64, 0, 0]);
        c.extend_from_slice(&[7, 5, 0x82, 2, 64, 0, 0]);
        c.extend_from_slice(&[7, 5, 0x83, 3, 8, 0, 16]);
        c.extend_from_slice(&[4, 0x21, 1, 2]);
        c.extend_from_slice(&[9, 4, 1, 0, 1, 0x0B, 0, 0, 0]);
        c.extend_from_slice(&[7, 5, 0x84, 2, 0, 2, 0]);
        let total = c.len() as u16;
        c[2..4].copy_from_slice(&total.to_le_bytes());
        c
    }

    #[test]
    fn walks_interfaces_endpoints_and_class_descriptors() {
        let c = sample();
        assert_eq!(config_total_length(&c), Some(c.len() as u16));
        let i = interfaces(&c).unwrap();
        assert_eq!(i.len(), 2);
        assert_eq!((i[0].number, i[0].class), (0, 0xFF));
        assert_eq!(i[0].endpoint(TransferType::Bulk, false), Some(0x01));
        assert_eq!(i[0].endpoint(TransferType::Bulk, true), Some(0x82));
        assert_eq!(i[0].endpoint(TransferType::Interrupt, true), Some(0x83));
        // A class descriptor after the endpoints still belongs to interface 0.
        assert_eq!(i[0].class_descriptor(0x21, 4), Some(&[4u8, 0x21, 1, 2][..]));
        assert_eq!(i[1].class, 0x0B);
        assert_eq!(i[1].endpoints[0].max_packet_size, 512);
        assert!(i[1].class_descriptor(0x21, 4).is_none());
    }

    #[test]
    fn bad_bytes_are_typed_errors() {
        assert_eq!(
            interfaces(&[9, 2, 0]),
            Err(DescriptorError::Truncated { offset: 0 })
        );
        assert_eq!(
            interfaces(&[0, 0]),
            Err(DescriptorError::Truncated { offset: 0 })
        );
        assert_eq!(
            interfaces(&vec![2u8; MAX_CONFIG_LEN + 2]),
            Err(DescriptorError::TooLong(MAX_CONFIG_LEN + 2))
        );
        assert_eq!(config_total_length(&[9, 4, 0, 0]), None);
    }

    struct Dev(Vec<u8>, Vec<(u16, u16)>);
    impl UsbPipe for Dev {
        async fn bulk_out(&mut self, _: &[u8]) -> Result<(), PipeError> {
            Err(PipeError::Stall)
        }
        async fn bulk_in(&mut self, _: usize, _: u32) -> Result<Vec<u8>, PipeError> {
            Err(PipeError::Stall)
        }
        async fn interrupt_in(&mut self, _: u32) -> Result<Vec<u8>, PipeError> {
            Err(PipeError::Stall)
        }
        async fn control_in(
            &mut self,
            request_type: u8,
            request: u8,
            value: u16,
            _: u16,
            len: u16,
        ) -> Result<Vec<u8>, PipeError> {
            assert_eq!((request_type, request), (0x80, 6));
            self.1.push((value, len));
            Ok(self.0.iter().copied().take(usize::from(len)).collect())
        }
    }

    #[test]
    fn reads_header_then_whole_config() {
        let c = sample();
        let mut d = Dev(c.clone(), Vec::new());
        assert_eq!(pollster::block_on(read_config(&mut d, 0)).unwrap(), c);
        assert_eq!(d.1, vec![(0x0200, 9), (0x0200, c.len() as u16)]);
        let mut short = Dev(c[..20].to_vec(), Vec::new());
        assert!(matches!(
            pollster::block_on(read_config(&mut short, 0)),
            Err(DescriptorError::Truncated { offset: 20 })
        ));
        let mut huge = Dev(vec![9, 2, 0xFF, 0xFF, 1, 1, 0, 0x80, 50], Vec::new());
        assert_eq!(
            pollster::block_on(read_config(&mut huge, 0)),
            Err(DescriptorError::TooLong(0xFFFF))
        );
        let mut not = Dev(vec![18, 1, 0, 2], Vec::new());
        assert_eq!(
            pollster::block_on(read_config(&mut not, 0)),
            Err(DescriptorError::NotConfiguration)
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_garbage(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = interfaces(&bytes);
        }
    }
}
