//! Parsed X.509 certificates (RFC 5280 §4) with the extensions path validation needs.

use alloc::string::String;
use alloc::vec::Vec;

use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use sha2::Digest;
use x509_cert::Certificate;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    InhibitAnyPolicy, KeyUsage, NameConstraints, PolicyConstraints, PolicyMappings, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::error::Error;
use crate::oid;
use crate::time::UnixTime;
use crate::x509::hex_string;

/// Key usage bits (RFC 5280 §4.2.1.3), bit `n` of the KeyUsage BIT STRING is `1 << n`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyUsageBits(pub u16);

impl KeyUsageBits {
    /// digitalSignature (0).
    pub const DIGITAL_SIGNATURE: Self = Self(1 << 0);
    /// nonRepudiation / contentCommitment (1).
    pub const NON_REPUDIATION: Self = Self(1 << 1);
    /// keyEncipherment (2).
    pub const KEY_ENCIPHERMENT: Self = Self(1 << 2);
    /// dataEncipherment (3).
    pub const DATA_ENCIPHERMENT: Self = Self(1 << 3);
    /// keyAgreement (4).
    pub const KEY_AGREEMENT: Self = Self(1 << 4);
    /// keyCertSign (5).
    pub const KEY_CERT_SIGN: Self = Self(1 << 5);
    /// cRLSign (6).
    pub const CRL_SIGN: Self = Self(1 << 6);
    /// No bits.
    pub const NONE: Self = Self(0);

    /// The union of two sets.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// All bits of `other` are set in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) fn first_missing_name(self, required: Self) -> &'static str {
        const NAMES: [&str; 9] = [
            "digitalSignature",
            "nonRepudiation",
            "keyEncipherment",
            "dataEncipherment",
            "keyAgreement",
            "keyCertSign",
            "cRLSign",
            "encipherOnly",
            "decipherOnly",
        ];
        for (i, n) in NAMES.iter().enumerate() {
            let bit = 1u16 << i;
            if required.0 & bit != 0 && self.0 & bit == 0 {
                return n;
            }
        }
        "unknown"
    }
}

/// The extensions of a certificate that this crate processes (RFC 5280 §4.2).
#[derive(Clone, Debug, Default)]
pub(crate) struct Exts {
    pub basic: Option<BasicConstraints>,
    pub key_usage: Option<KeyUsageBits>,
    pub ski: Option<Vec<u8>>,
    pub aki: Option<Vec<u8>>,
    pub policies: Option<Vec<Oid>>,
    pub policy_mappings: Option<Vec<(Oid, Oid)>>,
    pub policy_constraints: Option<PolicyConstraints>,
    pub inhibit_any: Option<u32>,
    pub permitted: Option<Vec<GeneralSubtree>>,
    pub excluded: Option<Vec<GeneralSubtree>>,
    pub has_name_constraints: bool,
    pub san: Option<Vec<GeneralName>>,
    pub crl_dps: Option<Vec<DistributionPoint>>,
    /// extKeyUsage purposes and whether the extension is critical (RFC 5280 §4.2.1.12).
    pub eku: Option<(Vec<Oid>, bool)>,
    pub unknown_critical: Vec<Oid>,
}

/// Extensions recognised without further processing: their presence, critical or not,
/// does not make a certificate unusable.
const UNDERSTOOD: &[Oid] = &[oid::CE_IAN, oid::PE_AIA, oid::CE_FRESHEST_CRL];

/// A parsed certificate: the DER, the decoded fields and the processed extensions.
/// Shared, not copied: a clone (a path, a report, a cache hit) is a reference count.
#[derive(Clone)]
pub struct Cert(pub(crate) alloc::sync::Arc<CertInner>);

/// What a [`Cert`] holds.
pub(crate) struct CertInner {
    der: Vec<u8>,
    tbs: core::ops::Range<usize>,
    cert: Certificate,
    spki: Vec<u8>,
    sha256: [u8; 32],
    pub(crate) exts: Exts,
    /// Subject and issuer in RFC 4514 form, made on first use (the attribute names come
    /// from a long OID table).
    #[cfg(feature = "std")]
    names: std::sync::OnceLock<(String, String)>,
}

impl core::fmt::Debug for Cert {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cert")
            .field("subject", &alloc::format!("{}", self.subject()))
            .field("issuer", &alloc::format!("{}", self.issuer()))
            .field("serial", &self.serial_hex())
            .field("sha256", &hex_string(&self.0.sha256))
            .finish()
    }
}

impl PartialEq for Cert {
    fn eq(&self, other: &Self) -> bool {
        alloc::sync::Arc::ptr_eq(&self.0, &other.0) || self.0.der == other.0.der
    }
}
impl Eq for Cert {}

/// Returns the byte range of the first element inside the outer SEQUENCE `der`.
pub(crate) fn first_inner_tlv(der: &[u8]) -> Result<core::ops::Range<usize>, Error> {
    let (hdr, _) = tlv_len(der).ok_or_else(|| Error::malformed("DER", "bad outer header"))?;
    let inner = der
        .get(hdr..)
        .ok_or_else(|| Error::malformed("DER", "truncated"))?;
    let (ihdr, ilen) = tlv_len(inner).ok_or_else(|| Error::malformed("DER", "bad inner header"))?;
    let end = hdr
        .checked_add(ihdr)
        .and_then(|v| v.checked_add(ilen))
        .filter(|&e| e <= der.len())
        .ok_or_else(|| Error::malformed("DER", "truncated"))?;
    Ok(hdr..end)
}

/// A copy of certificate `der` whose validity times before 1970 read 1970-01-01
/// 00:00:00 (same encoded lengths); `None` when there is none or the DER does not have the
/// shape of a certificate (RFC 5280 §4.1: `tbsCertificate` starts `[0] version`,
/// `serialNumber`, `signature`, `issuer`, `validity`).
fn pre_epoch_validity_as_epoch(der: &[u8]) -> Option<Vec<u8>> {
    let tbs = first_inner_tlv(der).ok()?;
    let (thdr, _) = tlv_len(der.get(tbs.clone())?)?;
    let mut at = tbs.start.checked_add(thdr)?;
    let skip = |at: usize| -> Option<usize> {
        let (h, l) = tlv_len(der.get(at..)?)?;
        at.checked_add(h)?.checked_add(l)
    };
    if der.get(at) == Some(&0xA0) {
        at = skip(at)?;
    }
    for _ in 0..3 {
        at = skip(at)?; // serialNumber, signature, issuer
    }
    if der.get(at) != Some(&0x30) {
        return None;
    }
    let (vh, _) = tlv_len(der.get(at..)?)?;
    let mut t = at.checked_add(vh)?;
    let mut out = der.to_vec();
    let mut changed = false;
    for _ in 0..2 {
        let (h, l) = tlv_len(der.get(t..)?)?;
        let body = t.checked_add(h)?;
        let content = der.get(body..body.checked_add(l)?)?;
        let digits = |r: core::ops::Range<usize>| -> Option<u32> {
            let d = content.get(r)?;
            d.iter().all(u8::is_ascii_digit).then_some(())?;
            core::str::from_utf8(d).ok()?.parse().ok()
        };
        let epoch: Option<&[u8]> = match (der.get(t), l) {
            (Some(0x17), 13) if (50..70).contains(&digits(0..2)?) => Some(b"700101000000"),
            (Some(0x18), 15) if digits(0..4)? < 1970 => Some(b"19700101000000"),
            _ => None,
        };
        if let Some(e) = epoch {
            out.get_mut(body..body + e.len())?.copy_from_slice(e);
            changed = true;
        }
        t = body.checked_add(l)?;
    }
    changed.then_some(out)
}

/// (header length, content length) of a DER TLV with a one-byte tag.
pub(crate) fn tlv_len(d: &[u8]) -> Option<(usize, usize)> {
    let first = *d.get(1)?;
    if first < 0x80 {
        return Some((2, usize::from(first)));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*d.get(2 + i)?);
    }
    Some((2 + n, len))
}

impl Cert {
    /// Parses a DER certificate and its extensions.
    ///
    /// Rejects duplicate extensions (RFC 5280 §4.2: "A certificate MUST NOT include more
    /// than one instance of a particular extension") and undecodable known extensions.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let cert = match Certificate::from_der(der) {
            Ok(c) => c,
            Err(e) => {
                // RFC 5280 §4.1.2.5.1: UTCTime years 50–69 are 1950–1969, which the DER
                // library cannot represent (its times start in 1970). Such a validity
                // time is read as 1970-01-01T00:00:00Z — the same verdict at any
                // validation time after 1970 (PKITS 4.2.3: a notBefore of 1950 is
                // valid). The signature is checked over the original bytes.
                let Some(patched) = pre_epoch_validity_as_epoch(der) else {
                    return Err(Error::malformed("certificate", e));
                };
                Certificate::from_der(&patched).map_err(|_| Error::malformed("certificate", e))?
            }
        };
        let tbs = first_inner_tlv(der)?;
        let spki = cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| Error::malformed("certificate", e))?;
        let sha256 = sha2::Sha256::digest(der).into();
        let exts = parse_exts(&cert)?;
        if cert.signature_algorithm() != cert.tbs_certificate().signature() {
            return Err(Error::malformed(
                "certificate",
                "signatureAlgorithm differs from the TBS signature field (RFC 5280 §4.1.1.2)",
            ));
        }
        Ok(Self(alloc::sync::Arc::new(CertInner {
            der: der.to_vec(),
            tbs,
            cert,
            spki,
            sha256,
            exts,
            #[cfg(feature = "std")]
            names: std::sync::OnceLock::new(),
        })))
    }

    /// The subject, RFC 4514 (as `Name`'s `Display` writes it; remembered).
    pub fn subject_string(&self) -> String {
        #[cfg(feature = "std")]
        return self.names().0.clone();
        #[cfg(not(feature = "std"))]
        return alloc::format!("{}", self.subject());
    }

    /// The issuer, RFC 4514 (remembered).
    pub fn issuer_string(&self) -> String {
        #[cfg(feature = "std")]
        return self.names().1.clone();
        #[cfg(not(feature = "std"))]
        return alloc::format!("{}", self.issuer());
    }

    #[cfg(feature = "std")]
    fn names(&self) -> &(String, String) {
        self.0.names.get_or_init(|| {
            (
                alloc::format!("{}", self.subject()),
                alloc::format!("{}", self.issuer()),
            )
        })
    }

    /// The processed extensions.
    pub(crate) fn exts(&self) -> &Exts {
        &self.0.exts
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    /// The decoded `x509-cert` certificate.
    pub fn x509(&self) -> &Certificate {
        &self.0.cert
    }

    /// SHA-256 of the DER (the J-LIS fingerprint form).
    pub fn sha256(&self) -> [u8; 32] {
        self.0.sha256
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.0.spki
    }

    /// Subject name.
    pub fn subject(&self) -> &Name {
        self.0.cert.tbs_certificate().subject()
    }

    /// Issuer name.
    pub fn issuer(&self) -> &Name {
        self.0.cert.tbs_certificate().issuer()
    }

    /// Serial number bytes (big-endian, as encoded).
    pub fn serial(&self) -> &[u8] {
        self.0.cert.tbs_certificate().serial_number().as_bytes()
    }

    /// Serial number in lowercase hex.
    pub fn serial_hex(&self) -> String {
        hex_string(self.serial())
    }

    /// notBefore.
    pub fn not_before(&self) -> UnixTime {
        UnixTime::from_x509(&self.0.cert.tbs_certificate().validity().not_before)
    }

    /// notAfter.
    pub fn not_after(&self) -> UnixTime {
        UnixTime::from_x509(&self.0.cert.tbs_certificate().validity().not_after)
    }

    /// The certificatePolicies identifiers, if the extension is present (RFC 5280 §4.2.1.4).
    pub fn policies(&self) -> Option<&[Oid]> {
        self.0.exts.policies.as_deref()
    }

    /// The subjectAltName entries, if present (RFC 5280 §4.2.1.6).
    pub fn subject_alt_names(&self) -> Option<&[GeneralName]> {
        self.0.exts.san.as_deref()
    }

    /// The keyUsage bits, if present.
    pub fn key_usage(&self) -> Option<KeyUsageBits> {
        self.0.exts.key_usage
    }

    /// The extKeyUsage purposes and whether the extension is critical, if present
    /// (RFC 5280 §4.2.1.12).
    pub fn extended_key_usage(&self) -> Option<(&[Oid], bool)> {
        self.0.exts.eku.as_ref().map(|(p, c)| (p.as_slice(), *c))
    }

    /// The cRLDistributionPoints, if present (RFC 5280 §4.2.1.13).
    pub fn dist_points(&self) -> Option<&[DistributionPoint]> {
        self.0.exts.crl_dps.as_deref()
    }

    /// basicConstraints cA.
    pub fn is_ca(&self) -> bool {
        self.0.exts.basic.as_ref().is_some_and(|b| b.ca)
    }

    /// subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.0.exts.ski.as_deref()
    }

    /// authorityKeyIdentifier keyIdentifier.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.0.exts.aki.as_deref()
    }

    /// Issuer equals subject (RFC 5280 §6.1: "self-issued").
    pub fn is_self_issued(&self) -> bool {
        crate::x509::name::name_eq(self.issuer(), self.subject())
    }

    pub(crate) fn tbs_der(&self) -> &[u8] {
        self.0.der.get(self.0.tbs.clone()).unwrap_or(&[])
    }

    /// Verifies this certificate's signature with `issuer_spki` (RFC 5280 §6.1.3 (a)(1)).
    pub(crate) fn verify_signed_by(
        &self,
        backend: crate::Backend,
        issuer_spki: &[u8],
    ) -> Result<(), Error> {
        let sig = self
            .0
            .cert
            .signature()
            .as_bytes()
            .ok_or_else(|| Error::malformed("certificate", "signature has unused bits"))?;
        crate::alg::verify_with_spki(
            backend,
            issuer_spki,
            self.0.cert.signature_algorithm(),
            None,
            self.tbs_der(),
            sig,
            "certificate",
        )
    }
}

fn parse_exts(cert: &Certificate) -> Result<Exts, Error> {
    let mut out = Exts::default();
    let Some(list) = cert.tbs_certificate().extensions() else {
        return Ok(out);
    };
    let mut seen: Vec<&Oid> = Vec::with_capacity(list.len());
    for e in list {
        if seen.contains(&&e.extn_id) {
            return Err(Error::malformed(
                "certificate",
                alloc::format!("duplicate extension {}", e.extn_id),
            ));
        }
        seen.push(&e.extn_id);
        let v = e.extn_value.as_bytes();
        let bad = |x: der::Error| {
            Error::malformed(
                "certificate extension",
                alloc::format!("{}: {x}", e.extn_id),
            )
        };
        match e.extn_id {
            oid::CE_BASIC_CONSTRAINTS => {
                out.basic = Some(BasicConstraints::from_der(v).map_err(bad)?)
            }
            oid::CE_KEY_USAGE => {
                let ku = KeyUsage::from_der(v).map_err(bad)?;
                out.key_usage = Some(KeyUsageBits(ku.0.bits()));
            }
            oid::CE_SKI => {
                out.ski = Some(
                    SubjectKeyIdentifier::from_der(v)
                        .map_err(bad)?
                        .0
                        .as_bytes()
                        .to_vec(),
                )
            }
            oid::CE_AKI => {
                out.aki = AuthorityKeyIdentifier::from_der(v)
                    .map_err(bad)?
                    .key_identifier
                    .map(|k| k.as_bytes().to_vec());
            }
            oid::CE_CERT_POLICIES => {
                let p = CertificatePolicies::from_der(v).map_err(bad)?;
                let ids: Vec<Oid> = p.0.iter().map(|i| i.policy_identifier).collect();
                let mut sorted = ids.clone();
                sorted.sort();
                sorted.dedup();
                if sorted.len() != ids.len() {
                    return Err(Error::malformed(
                        "certificate",
                        "duplicate policy identifier (RFC 5280 §4.2.1.4)",
                    ));
                }
                out.policies = Some(ids);
            }
            oid::CE_POLICY_MAPPINGS => {
                let m = PolicyMappings::from_der(v).map_err(bad)?;
                out.policy_mappings = Some(
                    m.0.iter()
                        .map(|x| (x.issuer_domain_policy, x.subject_domain_policy))
                        .collect(),
                );
            }
            oid::CE_POLICY_CONSTRAINTS => {
                let pc = PolicyConstraints::from_der(v).map_err(bad)?;
                if pc.require_explicit_policy.is_none() && pc.inhibit_policy_mapping.is_none() {
                    return Err(Error::malformed(
                        "certificate",
                        "empty policyConstraints (RFC 5280 §4.2.1.11)",
                    ));
                }
                out.policy_constraints = Some(pc);
            }
            oid::CE_INHIBIT_ANY_POLICY => {
                out.inhibit_any = Some(InhibitAnyPolicy::from_der(v).map_err(bad)?.0)
            }
            oid::CE_NAME_CONSTRAINTS => {
                let nc = NameConstraints::from_der(v).map_err(bad)?;
                out.has_name_constraints = true;
                out.permitted = nc.permitted_subtrees;
                out.excluded = nc.excluded_subtrees;
            }
            oid::CE_SAN => out.san = Some(SubjectAltName::from_der(v).map_err(bad)?.0),
            oid::CE_CRL_DP => {
                out.crl_dps = Some(CrlDistributionPoints::from_der(v).map_err(bad)?.0)
            }
            oid::CE_EXT_KEY_USAGE => {
                let purposes = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(v)
                    .map_err(bad)?
                    .0;
                if purposes.is_empty() {
                    return Err(Error::malformed(
                        "certificate",
                        "empty extKeyUsage (RFC 5280 §4.2.1.12: SIZE (1..MAX))",
                    ));
                }
                out.eku = Some((purposes, e.critical));
            }
            ref o if UNDERSTOOD.contains(o) => {}
            ref o => {
                if e.critical {
                    out.unknown_critical.push(*o);
                }
            }
        }
    }
    Ok(out)
}
