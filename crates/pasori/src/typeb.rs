//! ISO/IEC 14443-3 Type B activation: REQB/WUPB, ATQB, ATTRIB and its answer, and the
//! timing of the 106 kbit/s link.
//!
//! Frames here carry no CRC_B: the Port-100 chip adds and checks it.

use alloc::vec::Vec;
use core::fmt;

/// The carrier frequency fc, Hz (ISO/IEC 14443-2 §6.1: "The frequency fc of the
/// operating field shall be 13,56 MHz ± 7 kHz").
pub const FC_HZ: u64 = 13_560_000;

/// The Anticollision prefix byte APf of REQB/WUPB (ISO/IEC 14443-3 §7.7.1: "APf = '05'").
pub const APF: u8 = 0x05;
/// The ATQB's first byte (ISO/IEC 14443-3 §7.9.1: "the first byte of ATQB is '50'").
pub const ATQB_FIRST: u8 = 0x50;
/// The ATTRIB command byte (ISO/IEC 14443-3 §7.10.1: "the first byte is '1D'").
pub const ATTRIB: u8 = 0x1D;

/// ΔFWT, the extra time the PCD allows after FWT, µs (ISO/IEC 14443-4 §7.2:
/// "ΔFWT = 49 152 / fc"), rounded up.
pub const DELTA_FWT_US: u64 = 3_625;
/// The most FWT may be, µs: FWI = 14 (ISO/IEC 14443-4 §7.2: "FWI … shall be 0 to 14";
/// "FWTmax" ≈ 4 949 ms).
pub const FWT_MAX_US: u64 = 4_949_278;
/// How long the PCD waits for an ATQB, µs. nfcpy waits 30 ms for SENSB_RES; the ATQB
/// itself follows REQB after TR0 + TR1 (ISO/IEC 14443-3 §7.1.6/§7.1.7), far sooner.
pub const ATQB_TIMEOUT_US: u64 = 30_000;

/// REQB or WUPB (ISO/IEC 14443-3 §7.7): `APf AFI PARAM`.
///
/// §7.7.3: PARAM "b4 … 0: REQB, 1: WUPB"; "b3–b1: N" (number of slots 2^N, here
/// N = 0: one slot). AFI 0 addresses every family (§7.7.2).
pub fn reqb(afi: u8, wakeup: bool) -> [u8; 3] {
    [APF, afi, if wakeup { 0x08 } else { 0x00 }]
}

/// Whether a frame is a REQB/WUPB; `Some(wakeup)`.
pub fn parse_reqb(frame: &[u8]) -> Option<bool> {
    match frame {
        [APF, _afi, param] if param & 0xE0 == 0 => Some(param & 0x08 != 0),
        _ => None,
    }
}

/// Why an activation frame is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeBError {
    /// Not an ATQB (wrong first byte or length).
    NotAtqb {
        /// The frame's length.
        len: usize,
    },
    /// The PICC does not follow ISO/IEC 14443-4 (Protocol_Type b1 = 0).
    NotIsoDep,
    /// The answer to ATTRIB is missing or for another CID.
    AttribAnswer {
        /// The frame's length.
        len: usize,
    },
}

impl fmt::Display for TypeBError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeBError::NotAtqb { len } => write!(f, "not an ATQB ({len} bytes)"),
            TypeBError::NotIsoDep => write!(f, "the card does not speak ISO/IEC 14443-4"),
            TypeBError::AttribAnswer { len } => {
                write!(f, "bad answer to ATTRIB ({len} bytes)")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TypeBError {}

/// FSC (or FSD) in bytes for FSCI (FSDI) (ISO/IEC 14443-3 §7.9.4.2, table "FSCI to
/// FSC conversion": 0–8 → 16, 24, 32, 40, 48, 64, 96, 128, 256; amendment values
/// 9–C → 512, 1024, 2048, 4096; "FSCI = 'D' – 'F' is RFU", read as 256).
pub fn fsci_to_fsc(fsci: u8) -> usize {
    match fsci {
        0 => 16,
        1 => 24,
        2 => 32,
        3 => 40,
        4 => 48,
        5 => 64,
        6 => 96,
        7 => 128,
        9 => 512,
        10 => 1024,
        11 => 2048,
        12 => 4096,
        _ => 256,
    }
}

/// FWT in µs for FWI (ISO/IEC 14443-3 §7.9.4.3: "FWT = (256 × 16 / fc) × 2^FWI";
/// "FWI = 15 … the PICC shall be treated as FWI = 4").
pub fn fwt_us(fwi: u8) -> u64 {
    let fwi = if fwi > 14 { 4 } else { fwi };
    ((256 * 16) << fwi) * 1_000_000 / FC_HZ + 1
}

/// One elementary time unit at 106 kbit/s, in ns (ISO/IEC 14443-2 §9.1: "1 etu =
/// 128/fc").
pub const ETU_NS: u64 = 128 * 1_000_000_000 / FC_HZ;

/// Air time of a Type B frame of `len` bytes (without CRC) at 106 kbit/s, µs:
/// SOF (10 etu low, 2 etu high, ISO/IEC 14443-3 §7.1.4), 10 etu a character (start,
/// 8 data, stop, §7.1.3) for the bytes and the 2 CRC_B bytes, EOF (10 etu, §7.1.5).
pub fn frame_time_us(len: usize) -> u64 {
    let etu = 12 + (len as u64 + 2) * 10 + 10;
    etu * ETU_NS / 1000
}

/// The turnaround before a PICC answers: TR0 + TR1 at their defaults, µs
/// (ISO/IEC 14443-3 §7.1.6: "TR0min = 64/fs", TR1 default "80/fs", fs = fc/16).
pub const TURNAROUND_US: u64 = (64 + 80) * 16 * 1_000_000 / FC_HZ;

/// An ATQB (ISO/IEC 14443-3 §7.9): `'50' PUPI(4) ApplicationData(4) ProtocolInfo(3–4)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Atqb {
    /// The Pseudo-Unique PICC Identifier (§7.9.2).
    pub pupi: [u8; 4],
    /// Application data (§7.9.3).
    pub app_data: [u8; 4],
    /// Bit_Rate_capability (§7.9.4.1).
    pub bit_rates: u8,
    /// Max_Frame_Size code FSCI (§7.9.4.2, b8–b5 of the second byte).
    pub fsci: u8,
    /// Protocol_Type (§7.9.4.2, b4–b1): b1 = 1 means "PICC compliant with ISO/IEC
    /// 14443-4".
    pub protocol_type: u8,
    /// Frame Waiting time Integer FWI (§7.9.4.3, b8–b5 of the third byte).
    pub fwi: u8,
    /// Application Data Coding (b4–b3).
    pub adc: u8,
    /// Frame Option (b2–b1): "b2 = 1: NAD supported", "b1 = 1: CID supported".
    pub fo: u8,
    /// SFGI of an extended ATQB (§7.9.4.4, b8–b5 of the fourth byte).
    pub sfgi: Option<u8>,
}

impl Atqb {
    /// Parses an ATQB of 12 or 13 bytes.
    pub fn parse(frame: &[u8]) -> Result<Atqb, TypeBError> {
        match frame {
            [
                ATQB_FIRST,
                p0,
                p1,
                p2,
                p3,
                a0,
                a1,
                a2,
                a3,
                rates,
                size_type,
                fwi_adc_fo,
                rest @ ..,
            ] if rest.len() <= 1 => Ok(Atqb {
                pupi: [*p0, *p1, *p2, *p3],
                app_data: [*a0, *a1, *a2, *a3],
                bit_rates: *rates,
                fsci: size_type >> 4,
                protocol_type: size_type & 0x0F,
                fwi: fwi_adc_fo >> 4,
                adc: (fwi_adc_fo >> 2) & 0x03,
                fo: fwi_adc_fo & 0x03,
                sfgi: rest.first().map(|b| b >> 4),
            }),
            _ => Err(TypeBError::NotAtqb { len: frame.len() }),
        }
    }

    /// Encodes the ATQB (the card's side).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(13);
        v.push(ATQB_FIRST);
        v.extend_from_slice(&self.pupi);
        v.extend_from_slice(&self.app_data);
        v.push(self.bit_rates);
        v.push((self.fsci << 4) | (self.protocol_type & 0x0F));
        v.push((self.fwi << 4) | ((self.adc & 3) << 2) | (self.fo & 3));
        if let Some(s) = self.sfgi {
            v.push(s << 4);
        }
        v
    }

    /// FSC: the largest frame the PICC takes, bytes (including prologue and CRC).
    pub fn fsc(&self) -> usize {
        fsci_to_fsc(self.fsci)
    }

    /// FWT in µs.
    pub fn fwt_us(&self) -> u64 {
        fwt_us(self.fwi)
    }

    /// Whether the PICC speaks ISO/IEC 14443-4.
    pub fn iso_dep(&self) -> bool {
        self.protocol_type & 0x01 != 0
    }

    /// Whether the PICC takes a CID.
    pub fn cid_supported(&self) -> bool {
        self.fo & 0x01 != 0
    }

    /// Whether the PICC takes a NAD.
    pub fn nad_supported(&self) -> bool {
        self.fo & 0x02 != 0
    }
}

/// The ATTRIB command (ISO/IEC 14443-3 §7.10): `'1D' Identifier(4) Param1 Param2
/// Param3 Param4 [Higher-layer INF]`.
///
/// - Param 1 (§7.10.3): TR0/TR1 minimum and SOF/EOF suppression; 0 keeps the defaults.
/// - Param 2 (§7.10.4): "b8–b7 PICC to PCD", "b6–b5 PCD to PICC" bit rates (00 =
///   106 kbit/s), "b4–b1 … FSDI" (the largest frame the PCD receives).
/// - Param 3 (§7.10.5): "b4–b1 … Protocol_Type" confirmed from the ATQB.
/// - Param 4 (§7.10.6): "b4–b1 … CID", 0 when the PICC takes no CID.
pub fn attrib(pupi: [u8; 4], fsdi: u8, protocol_type: u8, cid: u8) -> Vec<u8> {
    let mut v = Vec::with_capacity(9);
    v.push(ATTRIB);
    v.extend_from_slice(&pupi);
    v.push(0x00);
    v.push(fsdi & 0x0F);
    v.push(protocol_type & 0x0F);
    v.push(cid & 0x0F);
    v
}

/// A decoded ATTRIB (the card's side): PUPI, FSDI, CID.
pub fn parse_attrib(frame: &[u8]) -> Option<([u8; 4], u8, u8)> {
    match frame {
        [ATTRIB, a, b, c, d, _p1, p2, _p3, p4, ..] => {
            Some(([*a, *b, *c, *d], p2 & 0x0F, p4 & 0x0F))
        }
        _ => None,
    }
}

/// Checks the answer to ATTRIB (ISO/IEC 14443-3 §7.11: first byte "b8–b5 MBLI",
/// "b4–b1 CID"; the CID must be the one sent, or 0) and returns MBLI.
pub fn parse_attrib_answer(frame: &[u8], cid: u8) -> Result<u8, TypeBError> {
    match frame.first() {
        Some(b) if b & 0x0F == cid & 0x0F => Ok(b >> 4),
        _ => Err(TypeBError::AttribAnswer { len: frame.len() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atqb_round_trip() {
        let a = Atqb {
            pupi: [1, 2, 3, 4],
            app_data: [0; 4],
            bit_rates: 0,
            fsci: 8,
            protocol_type: 1,
            fwi: 8,
            adc: 0,
            fo: 1,
            sfgi: None,
        };
        let b = a.to_bytes();
        assert_eq!(b, [0x50, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0x81, 0x81]);
        assert_eq!(Atqb::parse(&b), Ok(a));
        assert_eq!(a.fsc(), 256);
        assert!(a.iso_dep() && a.cid_supported() && !a.nad_supported());
        assert!(Atqb::parse(&b[..11]).is_err());
        // FWI 0 ≈ 302 µs, FWI 14 ≈ 4.95 s.
        assert_eq!(fwt_us(0), 303);
        assert!((4_949_000..=FWT_MAX_US).contains(&fwt_us(14)));
        assert_eq!(fwt_us(15), fwt_us(4));
    }

    #[test]
    fn attrib_frames() {
        let f = attrib([1, 2, 3, 4], 8, 1, 3);
        assert_eq!(f, [0x1D, 1, 2, 3, 4, 0, 8, 1, 3]);
        assert_eq!(parse_attrib(&f), Some(([1, 2, 3, 4], 8, 3)));
        assert_eq!(parse_attrib_answer(&[0x03], 3), Ok(0));
        assert!(parse_attrib_answer(&[0x01], 3).is_err());
        assert_eq!(reqb(0, true), [5, 0, 8]);
        assert_eq!(parse_reqb(&[5, 0, 0x10]), Some(false));
    }
}
