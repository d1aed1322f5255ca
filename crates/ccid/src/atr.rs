//! Answer-to-Reset parsing (ISO/IEC 7816-3 §8) and PPS (ISO/IEC 7816-3 §9).

use alloc::vec::Vec;
use core::fmt;

/// "The number of characters of the answer to reset is at most 32" plus TS (§8.2.1).
pub const MAX_ATR_LEN: usize = 33;

/// Fi by FI (ISO/IEC 7816-3 §8.3, Table 7); `None` is RFU.
const FI_TABLE: [Option<u16>; 16] = [
    Some(372),
    Some(372),
    Some(558),
    Some(744),
    Some(1116),
    Some(1488),
    Some(1860),
    None,
    None,
    Some(512),
    Some(768),
    Some(1024),
    Some(1536),
    Some(2048),
    None,
    None,
];

/// f(max) in kHz by FI (ISO/IEC 7816-3 Table 7).
const FMAX_KHZ: [u32; 16] = [
    4000, 5000, 6000, 8000, 12000, 16000, 20000, 0, 0, 5000, 7500, 10000, 15000, 20000, 0, 0,
];

/// Di by DI (ISO/IEC 7816-3 §8.3, Table 8); `None` is RFU.
const DI_TABLE: [Option<u8>; 16] = [
    None,
    Some(1),
    Some(2),
    Some(4),
    Some(8),
    Some(16),
    Some(32),
    Some(64),
    Some(12),
    Some(20),
    None,
    None,
    None,
    None,
    None,
    None,
];

/// Fi of the FI nibble (ISO/IEC 7816-3 Table 7).
pub fn fi(index: u8) -> Option<u16> {
    FI_TABLE.get(usize::from(index & 0x0F)).copied().flatten()
}

/// f(max) in kHz of the FI nibble (ISO/IEC 7816-3 Table 7).
pub fn fmax_khz(index: u8) -> u32 {
    FMAX_KHZ
        .get(usize::from(index & 0x0F))
        .copied()
        .unwrap_or(0)
}

/// Di of the DI nibble (ISO/IEC 7816-3 Table 8).
pub fn di(index: u8) -> Option<u8> {
    DI_TABLE.get(usize::from(index & 0x0F)).copied().flatten()
}

/// Why an ATR is rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AtrError {
    /// TS is neither 3B (direct) nor 3F (inverse convention) (§8.1).
    BadTs(u8),
    /// The bytes end before the interface or historical bytes T0/TDi announce.
    Truncated,
    /// Bytes remain after TCK (or after the historical bytes when TCK is absent).
    TrailingBytes(usize),
    /// "The exclusive-oring of all the bytes T0 to TCK inclusive is null" fails (§8.2.5).
    BadTck,
    /// More than 33 bytes.
    TooLong(usize),
}

impl fmt::Display for AtrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtrError::BadTs(b) => write!(f, "ATR TS byte {b:#04X} is not 3B or 3F"),
            AtrError::Truncated => write!(f, "ATR ends before its announced bytes"),
            AtrError::TrailingBytes(n) => write!(f, "{n} bytes follow the end of the ATR"),
            AtrError::BadTck => write!(f, "ATR check byte TCK is wrong"),
            AtrError::TooLong(n) => write!(f, "ATR of {n} bytes exceeds 33"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AtrError {}

/// The error detection code of T=1 blocks: "TCi (i > 2) ... bit 1 = 0: LRC, 1: CRC"
/// (ISO/IEC 7816-3 §11.4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edc {
    /// One byte, the exclusive-or of the prologue and information field (§11.4.5).
    Lrc,
    /// Two bytes, CRC per ISO/IEC 13239 (§11.4.5).
    Crc,
}

/// One group of interface bytes: TAi, TBi, TCi and the protocol its TDi announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InterfaceGroup {
    /// TAi.
    pub ta: Option<u8>,
    /// TBi.
    pub tb: Option<u8>,
    /// TCi.
    pub tc: Option<u8>,
    /// The low nibble of TDi (protocol of the next group), if TDi is present.
    pub td: Option<u8>,
}

/// A parsed ATR (ISO/IEC 7816-3 §8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atr {
    /// The raw bytes.
    pub raw: Vec<u8>,
    /// TS: true for the inverse convention (3F).
    pub inverse: bool,
    /// Interface-byte groups 1, 2, 3 … in order.
    pub groups: Vec<InterfaceGroup>,
    /// Historical bytes T1 … TK.
    pub historical: Vec<u8>,
    /// TCK, when present.
    pub tck: Option<u8>,
}

impl Atr {
    /// Parses and checks an ATR. "If only T=0 is indicated, TCK shall be absent ... In
    /// all other cases, TCK shall be present" (§8.2.5).
    pub fn parse(bytes: &[u8]) -> Result<Atr, AtrError> {
        if bytes.len() > MAX_ATR_LEN {
            return Err(AtrError::TooLong(bytes.len()));
        }
        let mut it = bytes.iter().copied();
        let ts = it.next().ok_or(AtrError::Truncated)?;
        let inverse = match ts {
            0x3B => false,
            0x3F => true,
            other => return Err(AtrError::BadTs(other)),
        };
        let t0 = it.next().ok_or(AtrError::Truncated)?;
        let k = usize::from(t0 & 0x0F);
        let mut y = t0 >> 4;
        let mut groups = Vec::new();
        let mut needs_tck = false;
        // At most 32 bytes, so at most a bounded number of groups.
        for _ in 0..MAX_ATR_LEN {
            let mut g = InterfaceGroup::default();
            if y & 1 != 0 {
                g.ta = Some(it.next().ok_or(AtrError::Truncated)?);
            }
            if y & 2 != 0 {
                g.tb = Some(it.next().ok_or(AtrError::Truncated)?);
            }
            if y & 4 != 0 {
                g.tc = Some(it.next().ok_or(AtrError::Truncated)?);
            }
            let more = y & 8 != 0;
            if more {
                let td = it.next().ok_or(AtrError::Truncated)?;
                g.td = Some(td & 0x0F);
                if td & 0x0F != 0 {
                    needs_tck = true;
                }
                y = td >> 4;
            }
            groups.push(g);
            if !more {
                break;
            }
        }
        let mut historical = Vec::with_capacity(k);
        for _ in 0..k {
            historical.push(it.next().ok_or(AtrError::Truncated)?);
        }
        let tck = if needs_tck {
            let t = it.next().ok_or(AtrError::Truncated)?;
            let x = bytes.iter().skip(1).fold(0u8, |a, b| a ^ b);
            if x != 0 {
                return Err(AtrError::BadTck);
            }
            Some(t)
        } else {
            None
        };
        let rest = it.count();
        if rest != 0 {
            return Err(AtrError::TrailingBytes(rest));
        }
        Ok(Atr {
            raw: bytes.to_vec(),
            inverse,
            groups,
            historical,
            tck,
        })
    }

    fn group(&self, i: usize) -> Option<&InterfaceGroup> {
        self.groups.get(i)
    }

    /// TA1 (FI in the high nibble, DI in the low one), if present.
    pub fn ta1(&self) -> Option<u8> {
        self.group(0).and_then(|g| g.ta)
    }

    /// TA1 or its default 0x11 (Fi 372, Di 1).
    pub fn fidi(&self) -> u8 {
        self.ta1().unwrap_or(0x11)
    }

    /// (Fi, Di) from TA1, defaults (372, 1) (§8.3).
    pub fn fi_di(&self) -> (u16, u8) {
        let t = self.fidi();
        (fi(t >> 4).unwrap_or(372), di(t & 0x0F).unwrap_or(1))
    }

    /// TC1: "N ... extra guard time" (§8.3), default 0.
    pub fn extra_guard_time(&self) -> u8 {
        self.group(0).and_then(|g| g.tc).unwrap_or(0)
    }

    /// TA2 present: "specific mode" (§8.3). Bit 8 set: changing mode impossible.
    pub fn specific_mode(&self) -> Option<u8> {
        self.group(1).and_then(|g| g.ta)
    }

    /// The protocols the card offers (T values of TD1, TD2 …; T=0 when TD1 is absent).
    pub fn protocols(&self) -> Vec<u8> {
        let mut v: Vec<u8> = Vec::new();
        for g in &self.groups {
            if let Some(t) = g.td
                && t != 15
                && !v.contains(&t)
            {
                v.push(t);
            }
        }
        if v.is_empty() {
            v.push(0);
        }
        v
    }

    /// Whether T=1 is offered.
    pub fn offers_t1(&self) -> bool {
        self.protocols().contains(&1)
    }

    /// The first interface group for protocol `t` after TD1 (the T-specific bytes of §8.3,
    /// "the first TA for T=1" and so on).
    fn first_group_for(&self, t: u8) -> impl Iterator<Item = &InterfaceGroup> {
        self.groups
            .windows(2)
            .skip(1)
            .filter(move |w| w.first().and_then(|g| g.td) == Some(t))
            .filter_map(|w| w.get(1))
    }

    /// IFSC: "the first TA for T=1 ... encodes IFSC", default 32 (§11.4.2).
    pub fn ifsc(&self) -> u8 {
        self.first_group_for(1)
            .find_map(|g| g.ta)
            .filter(|v| (1..=254).contains(v))
            .unwrap_or(32)
    }

    /// (BWI, CWI): "the first TB for T=1", defaults BWI 4 and CWI 13 (§11.4.3).
    pub fn bwi_cwi(&self) -> (u8, u8) {
        match self.first_group_for(1).find_map(|g| g.tb) {
            Some(tb) => ((tb >> 4).min(9), tb & 0x0F),
            None => (4, 13),
        }
    }

    /// EDC: "the first TC for T=1", bit 1 (§11.4.4), default LRC.
    pub fn edc(&self) -> Edc {
        match self.first_group_for(1).find_map(|g| g.tc) {
            Some(tc) if tc & 1 == 1 => Edc::Crc,
            _ => Edc::Lrc,
        }
    }
}

/// A PPS request (ISO/IEC 7816-3 §9.2): PPSS = FF, PPS0 = 0x10 | T (PPS1 present),
/// PPS1 = FI/DI, PCK so that the exclusive-or of all four bytes is null.
pub fn pps_request(protocol: u8, fidi: u8) -> [u8; 4] {
    let pps0 = 0x10 | (protocol & 0x0F);
    [0xFF, pps0, fidi, 0xFF ^ pps0 ^ fidi]
}

/// Checks a PPS response: "successful PPS exchange ... the response is identical to the
/// request" for the bytes the card accepts (§9.3). Returns the FI/DI that is now in
/// force: PPS1 when echoed, else the default 0x11.
pub fn pps_confirmed(request: &[u8; 4], response: &[u8]) -> Option<u8> {
    let x = response.iter().fold(0u8, |a, b| a ^ b);
    match response {
        [0xFF, pps0, rest @ ..] if x == 0 && (pps0 & 0x0F) == (request[1] & 0x0F) => {
            if pps0 & 0x10 != 0 {
                rest.first().filter(|b| **b == request[2]).copied()
            } else {
                Some(0x11)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn facts_atrs() {
        let a = Atr::parse(&h("3B E0 00 FF 81 31 FE 45 14")).unwrap();
        assert_eq!(a.fi_di(), (372, 1));
        assert_eq!(a.extra_guard_time(), 0xFF);
        assert_eq!(a.ifsc(), 254);
        assert_eq!(a.bwi_cwi(), (4, 5));
        assert_eq!(a.edc(), Edc::Lrc);
        assert_eq!(a.protocols(), [1]);

        let b = Atr::parse(&h(
            "3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B",
        ))
        .unwrap();
        assert_eq!(b.fi_di(), (372, 4));
        assert_eq!(b.ifsc(), 251);
        assert_eq!(b.bwi_cwi(), (4, 6));
        assert_eq!(b.historical.len(), 10);

        let c = Atr::parse(&h("3B C5 FF 81 31 FB 45 80 73 C6 01 00 00")).unwrap();
        assert_eq!(c.ifsc(), 251);
        let d = Atr::parse(&h("3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 00 D1 D6")).unwrap();
        assert_eq!(d.fi_di(), (512, 1));
        assert_eq!(d.specific_mode(), Some(0x81));
        assert_eq!(d.ifsc(), 254);
        assert_eq!(d.bwi_cwi(), (4, 0));
        let e = Atr::parse(&h("3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F")).unwrap();
        // PC/SC contactless pseudo-ATR: TD1 says T=0, TD2 says T=1.
        assert_eq!(e.protocols(), [0, 1]);
        assert!(e.offers_t1());
    }

    #[test]
    fn errors() {
        assert_eq!(
            Atr::parse(&h("3B E0 00 FF 81 31 FE 45 15")),
            Err(AtrError::BadTck)
        );
        assert_eq!(Atr::parse(&h("3A 00")), Err(AtrError::BadTs(0x3A)));
        assert_eq!(Atr::parse(&h("3B E0 00 FF")), Err(AtrError::Truncated));
        assert_eq!(Atr::parse(&h("3B 00 00")), Err(AtrError::TrailingBytes(1)));
        assert_eq!(Atr::parse(&[]), Err(AtrError::Truncated));
        // T=0 only: no TCK.
        assert!(Atr::parse(&h("3B 02 14 50")).is_ok());
    }

    #[test]
    fn pps() {
        let r = pps_request(1, 0x13);
        assert_eq!(r, [0xFF, 0x11, 0x13, 0xFD]);
        assert_eq!(pps_confirmed(&r, &r), Some(0x13));
        assert_eq!(pps_confirmed(&r, &[0xFF, 0x01, 0xFE]), Some(0x11));
        assert_eq!(pps_confirmed(&r, &[0xFF, 0x11, 0x12, 0xFC]), None);
    }
}
