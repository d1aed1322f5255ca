//! Whether a CRL covers a certificate (RFC 5280 §6.3.3 (b)) and for which reasons
//! (§6.3.3 (c), (d)): the CRL issuer against the distribution point's cRLIssuer or the
//! certificate issuer, the issuingDistributionPoint against the distribution point, the
//! onlyContains… flags and onlySomeReasons.

use alloc::vec::Vec;

use der::{Decode, Encode};
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint, ReasonFlags};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::name::Name;

use super::crl::Crl;
use crate::x509::{Cert, name_eq};

/// ReasonFlags bits for the reasons (RFC 5280 §4.2.1.13), bit 1 keyCompromise … bit 8
/// aACompromise.
pub(super) const ALL_REASONS: u16 = 0x1fe;

/// The reasons of a ReasonFlags; absent means all.
pub(super) fn reason_flags(f: Option<&ReasonFlags>) -> u16 {
    match f {
        // x509-cert numbers flag n as 1 << n.
        Some(r) => r.bits() & ALL_REASONS,
        None => ALL_REASONS,
    }
}

/// The decoded issuingDistributionPoint of a CRL (RFC 5280 §5.2.5).
pub(super) fn idp(crl: &Crl) -> Option<IssuingDistributionPoint> {
    crl.info()
        .idp_der
        .as_deref()
        .and_then(|d| IssuingDistributionPoint::from_der(d).ok())
}

fn wrap_sequence(content: &[u8]) -> Vec<u8> {
    let mut out = alloc::vec![0x30u8];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let tail = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | tail.len() as u8);
        out.extend_from_slice(tail);
    }
    out.extend_from_slice(content);
    out
}

/// The full names of a DistributionPointName; a nameRelativeToCRLIssuer is appended to
/// `base` (RFC 5280 §4.2.1.13).
fn dp_names(dpn: &DistributionPointName, base: &Name) -> Vec<GeneralName> {
    match dpn {
        DistributionPointName::FullName(names) => names.clone(),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => {
            let (Ok(b), Ok(r)) = (base.to_der(), rdn.to_der()) else {
                return Vec::new();
            };
            let inner = match crate::x509::tlv_len(&b) {
                Some((h, _)) => b.get(h..).unwrap_or(&[]).to_vec(),
                None => return Vec::new(),
            };
            let mut content = inner;
            content.extend_from_slice(&r);
            match Name::from_der(&wrap_sequence(&content)) {
                Ok(n) => alloc::vec![GeneralName::DirectoryName(n)],
                Err(_) => Vec::new(),
            }
        }
    }
}

fn general_name_eq(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::DirectoryName(x), GeneralName::DirectoryName(y)) => name_eq(x, y),
        (GeneralName::UniformResourceIdentifier(x), GeneralName::UniformResourceIdentifier(y)) => {
            x.as_str() == y.as_str()
        }
        _ => a.to_der().ok() == b.to_der().ok(),
    }
}

fn any_match(a: &[GeneralName], b: &[GeneralName]) -> bool {
    a.iter().any(|x| b.iter().any(|y| general_name_eq(x, y)))
}

/// The names under which the CRLs for `cert` through `dp` are issued: the
/// distribution point's cRLIssuer directoryNames, else the certificate's issuer.
pub(super) fn crl_issuer_names(cert: &Cert, dp: &DistributionPoint) -> Vec<Name> {
    match dp.crl_issuer.as_deref() {
        Some(names) => names
            .iter()
            .filter_map(|g| match g {
                GeneralName::DirectoryName(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        None => alloc::vec![cert.issuer().clone()],
    }
}

/// RFC 5280 §6.3.3 (b): the CRL's scope covers `cert` through distribution point `dp`.
pub(super) fn in_scope(
    crl: &Crl,
    idp: Option<&IssuingDistributionPoint>,
    cert: &Cert,
    dp: &DistributionPoint,
) -> bool {
    let Some(crl_issuer) = crl.info().issuer() else {
        return false;
    };
    // (b)(1) issuer
    let crl_issuer_names: Option<&[GeneralName]> = dp.crl_issuer.as_deref();
    let indirect = crl.info().indirect;
    match crl_issuer_names {
        Some(names) => {
            let m = names
                .iter()
                .any(|g| matches!(g, GeneralName::DirectoryName(n) if name_eq(n, &crl_issuer)));
            if !m || !indirect {
                return false;
            }
        }
        None => {
            if !name_eq(&crl_issuer, cert.issuer()) {
                return false;
            }
        }
    }
    let Some(idp) = idp else {
        return true;
    };
    // (b)(2)(i)
    if let Some(idp_dpn) = &idp.distribution_point {
        let idp_names = dp_names(idp_dpn, &crl_issuer);
        let ok = match (&dp.distribution_point, crl_issuer_names) {
            (Some(dpn), _) => {
                let base = match crl_issuer_names.and_then(|ns| {
                    ns.iter().find_map(|g| match g {
                        GeneralName::DirectoryName(n) => Some(n),
                        _ => None,
                    })
                }) {
                    Some(n) => n,
                    None => cert.issuer(),
                };
                any_match(&idp_names, &dp_names(dpn, base))
            }
            (None, Some(issuers)) => any_match(&idp_names, issuers),
            (None, None) => false,
        };
        if !ok {
            return false;
        }
    }
    // (ii)–(iv)
    if idp.only_contains_user_certs && cert.is_ca() {
        return false;
    }
    if idp.only_contains_ca_certs && !cert.is_ca() {
        return false;
    }
    !idp.only_contains_attribute_certs
}
