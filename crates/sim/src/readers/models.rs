//! The five reader models, with facts taken from their real descriptor dumps
//! (`vectors/ccid-readers/*.txt`): VID/PID, interface class, CCID class descriptor.

use inkan_ccid::CcidDescriptor;

/// A CCID reader model the virtual reader imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReaderModel {
    /// NTT Communications SCR3310-NTTCom (04E6:511A): vendor-class interface, TPDU level.
    Scr3310NttCom,
    /// SCR331-DI-NTTCom (04E6:5120): vendor-class interface, TPDU level, two slots.
    Scr331DiNttCom,
    /// ACS ACR39U (072F:B100): CCID class, TPDU level.
    Acr39u,
    /// ACS ACR1252 (072F:223E): CCID class, short and extended APDU level (PICC).
    Acr1252,
    /// Sony RC-S300/S (054C:0DC8): CCID class, short and extended APDU level.
    RcS300,
}

/// What the virtual reader needs to know about a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelFacts {
    /// CLI name (`--via ccid:NAME`).
    pub name: &'static str,
    /// idVendor.
    pub vendor_id: u16,
    /// idProduct.
    pub product_id: u16,
    /// bInterfaceClass: 0xFF vendor or 0x0B smart card.
    pub interface_class: u8,
    /// bcdCCID.
    pub bcd_ccid: u16,
    /// bMaxSlotIndex.
    pub max_slot_index: u8,
    /// bVoltageSupport.
    pub voltage_support: u8,
    /// dwProtocols.
    pub protocols: u32,
    /// dwDefaultClock, kHz.
    pub default_clock_khz: u32,
    /// dwMaximumClock, kHz.
    pub maximum_clock_khz: u32,
    /// dwDataRate, bps.
    pub data_rate: u32,
    /// dwMaxDataRate, bps.
    pub max_data_rate: u32,
    /// dwMaxIFSD.
    pub max_ifsd: u32,
    /// dwFeatures.
    pub features: u32,
    /// dwMaxCCIDMessageLength.
    pub max_message_len: u32,
    /// bClassGetResponse / bClassEnvelope.
    pub class_bytes: u8,
    /// Whether the card is reached contactless (ISO/IEC 14443) rather than by contacts.
    pub contactless: bool,
}

impl ReaderModel {
    /// All five models.
    pub const ALL: [ReaderModel; 5] = [
        ReaderModel::Scr3310NttCom,
        ReaderModel::Scr331DiNttCom,
        ReaderModel::Acr39u,
        ReaderModel::Acr1252,
        ReaderModel::RcS300,
    ];

    /// The model by its CLI name (`scr3310-nttcom`, `scr331-di-nttcom`, `acr39u`,
    /// `acr1252`, `rc-s300`).
    pub fn from_name(name: &str) -> Option<ReaderModel> {
        ReaderModel::ALL
            .into_iter()
            .find(|m| m.facts().name.eq_ignore_ascii_case(name))
    }

    /// The CLI name.
    pub fn name(self) -> &'static str {
        self.facts().name
    }

    /// The descriptor facts.
    pub fn facts(self) -> ModelFacts {
        match self {
            ReaderModel::Scr3310NttCom => ModelFacts {
                name: "scr3310-nttcom",
                vendor_id: 0x04E6,
                product_id: 0x511A,
                interface_class: 0xFF,
                bcd_ccid: 0x0110,
                max_slot_index: 0,
                voltage_support: 0x07,
                protocols: 0x03,
                default_clock_khz: 4800,
                maximum_clock_khz: 8000,
                data_rate: 12903,
                max_data_rate: 412_903,
                max_ifsd: 252,
                features: 0x0001_01BA,
                max_message_len: 271,
                class_bytes: 0xFF,
                contactless: false,
            },
            ReaderModel::Scr331DiNttCom => ModelFacts {
                name: "scr331-di-nttcom",
                vendor_id: 0x04E6,
                product_id: 0x5120,
                interface_class: 0xFF,
                bcd_ccid: 0x0100,
                max_slot_index: 1,
                voltage_support: 0x01,
                protocols: 0x03,
                default_clock_khz: 4000,
                maximum_clock_khz: 12000,
                data_rate: 10753,
                max_data_rate: 344_105,
                max_ifsd: 252,
                features: 0x0001_00BA,
                max_message_len: 263,
                class_bytes: 0xFF,
                contactless: false,
            },
            ReaderModel::Acr39u => ModelFacts {
                name: "acr39u",
                vendor_id: 0x072F,
                product_id: 0xB100,
                interface_class: 0x0B,
                bcd_ccid: 0x0110,
                max_slot_index: 0,
                voltage_support: 0x07,
                protocols: 0x03,
                default_clock_khz: 4800,
                maximum_clock_khz: 16000,
                data_rate: 12903,
                max_data_rate: 826_000,
                max_ifsd: 247,
                features: 0x0001_00B2,
                max_message_len: 271,
                class_bytes: 0xFF,
                contactless: false,
            },
            ReaderModel::Acr1252 => ModelFacts {
                name: "acr1252",
                vendor_id: 0x072F,
                product_id: 0x223E,
                interface_class: 0x0B,
                bcd_ccid: 0x0100,
                max_slot_index: 0,
                voltage_support: 0x07,
                protocols: 0x02,
                default_clock_khz: 4000,
                maximum_clock_khz: 4000,
                data_rate: 10752,
                max_data_rate: 250_000,
                max_ifsd: 254,
                features: 0x0004_04BA,
                max_message_len: 522,
                class_bytes: 0x00,
                contactless: true,
            },
            ReaderModel::RcS300 => ModelFacts {
                name: "rc-s300",
                vendor_id: 0x054C,
                product_id: 0x0DC8,
                interface_class: 0x0B,
                bcd_ccid: 0x0110,
                max_slot_index: 0,
                voltage_support: 0x07,
                protocols: 0x02,
                default_clock_khz: 4000,
                maximum_clock_khz: 4000,
                data_rate: 115_200,
                max_data_rate: 921_600,
                max_ifsd: 254,
                features: 0x0004_007E,
                max_message_len: 522,
                class_bytes: 0x00,
                contactless: true,
            },
        }
    }

    /// The CCID class descriptor.
    pub fn descriptor(self) -> CcidDescriptor {
        let f = self.facts();
        CcidDescriptor {
            bcd_ccid: f.bcd_ccid,
            max_slot_index: f.max_slot_index,
            voltage_support: f.voltage_support,
            protocols: f.protocols,
            default_clock_khz: f.default_clock_khz,
            maximum_clock_khz: f.maximum_clock_khz,
            num_clocks: 0,
            data_rate: f.data_rate,
            max_data_rate: f.max_data_rate,
            num_data_rates: 0,
            max_ifsd: f.max_ifsd,
            synch_protocols: 0,
            mechanical: 0,
            features: f.features,
            max_message_len: f.max_message_len,
            class_get_response: f.class_bytes,
            class_envelope: f.class_bytes,
            lcd_layout: 0,
            pin_support: 0,
            max_busy_slots: 1,
        }
    }

    /// Endpoint addresses used by the virtual reader: bulk-OUT, bulk-IN, interrupt-IN.
    pub const ENDPOINTS: (u8, u8, u8) = (0x02, 0x82, 0x83);

    /// The full configuration descriptor: configuration, interface, CCID class and three
    /// endpoint descriptors (USB 2.0 §9.6.3–9.6.6, CCID §5.1–5.3).
    pub fn config_descriptor(self) -> Vec<u8> {
        let f = self.facts();
        let ccid = self.descriptor().to_bytes();
        let (out_ep, in_ep, int_ep) = Self::ENDPOINTS;
        let mut body = Vec::new();
        body.extend_from_slice(&[9, 4, 0, 0, 3, f.interface_class, 0, 0, 0]);
        body.extend_from_slice(&ccid);
        body.extend_from_slice(&[7, 5, out_ep, 2, 64, 0, 0]);
        body.extend_from_slice(&[7, 5, in_ep, 2, 64, 0, 0]);
        body.extend_from_slice(&[7, 5, int_ep, 3, 8, 0, 16]);
        let total = u16::try_from(body.len() + 9)
            .unwrap_or(u16::MAX)
            .to_le_bytes();
        let mut v = vec![9, 2, total[0], total[1], 1, 1, 0, 0x80, 50];
        v.extend_from_slice(&body);
        v
    }
}
