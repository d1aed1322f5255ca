//! CRLs (RFC 5280 §5) and revocation checking (RFC 5280 §6.3).

use core::fmt;

/// The reason in a CRL entry (RFC 5280 §5.3.1); absent means `Unspecified`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevocationReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3): for a JPKI signature certificate, the holder's name,
    /// address, birth date or sex changed.
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6): suspended, e.g. a lost card.
    CertificateHold,
    /// removeFromCRL (8): only in delta CRLs, lifts a hold.
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
}

impl RevocationReason {
    /// The reason for a reasonCode value.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            _ => return None,
        })
    }

    /// The reasonCode value.
    pub fn code(self) -> u32 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    /// The RFC 5280 name of the reason.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "aACompromise",
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

use alloc::vec::Vec;

use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlReason};
use x509_cert::name::Name;

use crate::cert::{Cert, KeyUsageBits, first_inner_tlv, hex_string};
use crate::error::Error;
use crate::name::name_eq;
use crate::oid;
use crate::path::ValidationOptions;
use crate::sig::Backend;
use crate::time::UnixTime;
use crate::trust::TrustAnchor;

/// One revoked certificate of a CRL (RFC 5280 §5.1.2.6, §5.3).
#[derive(Clone, Debug)]
struct Entry {
    serial: Vec<u8>,
    revoked_at: UnixTime,
    reason: RevocationReason,
    /// certificateIssuer in force for this entry (indirect CRLs, RFC 5280 §5.3.3);
    /// `None` means the CRL issuer.
    cert_issuer: Option<Name>,
}

/// A parsed, indexed CRL (RFC 5280 §5). Entries are sorted by serial number, so lookups
/// are logarithmic even for national CRLs with millions of entries.
#[derive(Clone, Debug)]
pub struct Crl {
    der_tbs: Vec<u8>,
    signature: Vec<u8>,
    sig_alg: spki::AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: UnixTime,
    next_update: Option<UnixTime>,
    number: Option<Vec<u8>>,
    delta_base: Option<Vec<u8>>,
    idp: Option<IssuingDistributionPoint>,
    idp_der: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    unknown_critical: Option<Oid>,
    entries: Vec<Entry>,
}

fn uint_bytes(u: &der::asn1::Uint) -> Vec<u8> {
    let b = u.as_bytes();
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(first..).unwrap_or(&[]).to_vec()
}

/// Compares two unsigned big-endian integers without leading zeros.
fn uint_cmp(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

const KNOWN_ENTRY_EXTS: &[Oid] = &[
    oid::CE_CRL_REASON,
    oid::CE_INVALIDITY_DATE,
    oid::CE_CERTIFICATE_ISSUER,
    Oid::new_unwrap("2.5.29.23"), // holdInstructionCode
];

impl Crl {
    /// Parses and indexes a DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let list = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der)
            .map_err(|e| Error::malformed("CRL", e))?;
        let tbs_range = first_inner_tlv(der)?;
        let der_tbs = der.get(tbs_range).unwrap_or(&[]).to_vec();
        let tbs = &list.tbs_cert_list;
        if tbs.signature != list.signature_algorithm {
            return Err(Error::malformed(
                "CRL",
                "signature algorithms differ (RFC 5280 §5.1.1.2)",
            ));
        }
        let mut crl = Self {
            der_tbs,
            signature: list
                .signature
                .as_bytes()
                .ok_or_else(|| Error::malformed("CRL", "signature has unused bits"))?
                .to_vec(),
            sig_alg: list.signature_algorithm.clone(),
            issuer: tbs.issuer.clone(),
            this_update: UnixTime::from_x509(&tbs.this_update),
            next_update: tbs.next_update.as_ref().map(UnixTime::from_x509),
            number: None,
            delta_base: None,
            idp: None,
            idp_der: None,
            aki: None,
            unknown_critical: None,
            entries: Vec::new(),
        };
        let mut seen: Vec<Oid> = Vec::new();
        for e in tbs.crl_extensions.as_deref().unwrap_or(&[]) {
            if seen.contains(&e.extn_id) {
                return Err(Error::malformed("CRL", "duplicate extension"));
            }
            seen.push(e.extn_id);
            let v = e.extn_value.as_bytes();
            let bad = |x: der::Error| Error::malformed("CRL extension", x);
            match e.extn_id {
                oid::CE_CRL_NUMBER => {
                    crl.number = Some(uint_bytes(&der::asn1::Uint::from_der(v).map_err(bad)?));
                }
                oid::CE_DELTA_CRL_INDICATOR => {
                    crl.delta_base = Some(uint_bytes(&der::asn1::Uint::from_der(v).map_err(bad)?));
                }
                oid::CE_IDP => {
                    crl.idp = Some(IssuingDistributionPoint::from_der(v).map_err(bad)?);
                    crl.idp_der = Some(v.to_vec());
                }
                oid::CE_AKI => {
                    crl.aki = AuthorityKeyIdentifier::from_der(v)
                        .map_err(bad)?
                        .key_identifier
                        .map(|k| k.as_bytes().to_vec());
                }
                oid::CE_IAN | oid::CE_FRESHEST_CRL | oid::PE_AIA => {}
                o => {
                    if e.critical && crl.unknown_critical.is_none() {
                        crl.unknown_critical = Some(o);
                    }
                }
            }
        }
        let indirect = crl.idp.as_ref().is_some_and(|i| i.indirect_crl);
        let mut current_issuer: Option<Name> = None;
        let revoked = tbs.revoked_certificates.as_deref().unwrap_or(&[]);
        crl.entries.reserve(revoked.len());
        for r in revoked {
            let mut reason = RevocationReason::Unspecified;
            for e in r.crl_entry_extensions.as_deref().unwrap_or(&[]) {
                let v = e.extn_value.as_bytes();
                match e.extn_id {
                    oid::CE_CRL_REASON => {
                        let code = CrlReason::from_der(v)
                            .map_err(|x| Error::malformed("CRL reasonCode", x))?;
                        reason = RevocationReason::from_code(code as u32)
                            .ok_or_else(|| Error::malformed("CRL reasonCode", "unknown value"))?;
                    }
                    oid::CE_CERTIFICATE_ISSUER if indirect => {
                        let names = x509_cert::ext::pkix::name::GeneralNames::from_der(v)
                            .map_err(|x| Error::malformed("CRL certificateIssuer", x))?;
                        current_issuer = names.into_iter().find_map(|g| match g {
                            GeneralName::DirectoryName(n) => Some(n),
                            _ => None,
                        });
                    }
                    o => {
                        if e.critical
                            && !KNOWN_ENTRY_EXTS.contains(&o)
                            && crl.unknown_critical.is_none()
                        {
                            crl.unknown_critical = Some(o);
                        }
                    }
                }
            }
            crl.entries.push(Entry {
                serial: r.serial_number.as_bytes().to_vec(),
                revoked_at: UnixTime::from_x509(&r.revocation_date),
                reason,
                cert_issuer: current_issuer.clone(),
            });
        }
        crl.entries.sort_by(|a, b| a.serial.cmp(&b.serial));
        Ok(crl)
    }

    /// The CRL issuer name.
    pub fn issuer(&self) -> &Name {
        &self.issuer
    }

    /// thisUpdate.
    pub fn this_update(&self) -> UnixTime {
        self.this_update
    }

    /// nextUpdate, if present.
    pub fn next_update(&self) -> Option<UnixTime> {
        self.next_update
    }

    /// A delta CRL (deltaCRLIndicator present, RFC 5280 §5.2.4).
    pub fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn lookup(&self, serial: &[u8], cert_issuer: &Name) -> Option<&Entry> {
        let start = self
            .entries
            .partition_point(|e| e.serial.as_slice() < serial);
        self.entries
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take_while(|e| e.serial == serial)
            .find(|e| name_eq(e.cert_issuer.as_ref().unwrap_or(&self.issuer), cert_issuer))
    }

    fn verify_signature(&self, backend: Backend, spki: &[u8]) -> Result<(), Error> {
        crate::sig::verify_with_spki(
            backend,
            spki,
            &self.sig_alg,
            None,
            &self.der_tbs,
            &self.signature,
            "CRL",
        )
    }
}

/// The CRLs (complete and delta) and delegated CRL signer certificates available to
/// revocation checking.
#[derive(Clone, Debug, Default)]
pub struct CrlSet {
    crls: Vec<Crl>,
    signers: Vec<Cert>,
}

impl CrlSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parsed CRL.
    pub fn add(&mut self, crl: Crl) {
        self.crls.push(crl);
    }

    /// Parses and adds a DER CRL.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), Error> {
        self.crls.push(Crl::from_der(der)?);
        Ok(())
    }

    /// Parses and adds every CRL of a PEM bundle or one DER CRL; returns the count.
    pub fn add_pem_or_der(&mut self, data: &[u8]) -> Result<usize, Error> {
        let v = crate::pem::crls(data)?;
        for d in &v {
            self.add_der(d)?;
        }
        Ok(v.len())
    }

    /// Adds a delegated CRL signer: a certificate issued by a CA of the path, carrying
    /// cRLSign, whose key signs CRLs on the CA's behalf (RFC 5280 §6.3.3 (f)). It is
    /// accepted only if its issuer's key verifies it and it is valid at the time of use.
    pub fn add_delegated_signer(&mut self, der: &[u8]) -> Result<(), Error> {
        self.signers.push(Cert::from_der(der)?);
        Ok(())
    }

    /// The CRLs.
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }
}

/// Which certificates of a path are checked for revocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationScope {
    /// Only the end-entity certificate.
    Leaf,
    /// Every certificate below the trust anchor.
    Chain,
}

/// Revocation policy (RFC 5280 §6.3), all explicit.
#[derive(Clone, Debug)]
pub struct RevocationOptions<'a> {
    /// The available CRLs.
    pub crls: &'a CrlSet,
    /// Which certificates are checked.
    pub scope: RevocationScope,
    /// When no usable CRL determines the status: `false` fails with
    /// [`Error::RevocationUnknown`], `true` reports [`CertStatus::Unknown`].
    pub allow_unknown: bool,
    /// A CRL stays usable this many seconds after its nextUpdate (staleness tolerance).
    pub next_update_grace: u64,
    /// If set, a CRL older than this many seconds (validation time − thisUpdate) is stale
    /// even before its nextUpdate.
    pub max_age: Option<u64>,
    /// Accept CRLs without nextUpdate (RFC 5280 §5.1.2.5 requires it).
    pub allow_missing_next_update: bool,
    /// Apply delta CRLs (RFC 5280 §5.2.4, §6.3.3 (c)).
    pub use_delta_crls: bool,
    /// When set, revocation dated after this time is reported as
    /// [`Error::RevokedAfterSigning`] (or accepted, see below) instead of [`Error::Revoked`].
    pub signing_time: Option<UnixTime>,
    /// Turn revocation after `signing_time` into a [`CertStatus::RevokedAfterSigning`]
    /// success instead of an error.
    pub accept_revoked_after_signing: bool,
}

impl<'a> RevocationOptions<'a> {
    /// Strict defaults: whole chain, unknown status fails, no grace, deltas used.
    pub fn new(crls: &'a CrlSet) -> Self {
        Self {
            crls,
            scope: RevocationScope::Chain,
            allow_unknown: false,
            next_update_grace: 0,
            max_age: None,
            allow_missing_next_update: false,
            use_delta_crls: true,
            signing_time: None,
            accept_revoked_after_signing: false,
        }
    }
}

/// Revocation outcome for one certificate that did not fail validation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertStatus {
    /// Not checked (scope or no revocation options).
    NotChecked,
    /// CRLs covering all reasons show the certificate unrevoked.
    Good,
    /// Revoked after the signing time, accepted by the options.
    RevokedAfterSigning {
        /// revocationDate.
        revoked_at: UnixTime,
        /// reasonCode.
        reason: RevocationReason,
    },
    /// Status unknown, accepted by the options.
    Unknown {
        /// Why.
        detail: &'static str,
    },
}

/// ReasonFlags bits for the reasons (RFC 5280 §4.2.1.13), bit 1 keyCompromise … bit 8 aACompromise.
const ALL_REASONS: u16 = 0x1fe;

fn reason_flags(f: Option<&x509_cert::ext::pkix::crl::dp::ReasonFlags>) -> u16 {
    match f {
        // x509-cert numbers flag n as 1 << n.
        Some(r) => r.bits() & ALL_REASONS,
        None => ALL_REASONS,
    }
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
            let inner = match crate::cert::tlv_len(&b) {
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

/// RFC 5280 §6.3.3 (b): the CRL's scope covers `cert` through distribution point `dp`.
fn in_scope(crl: &Crl, cert: &Cert, dp: &DistributionPoint) -> bool {
    // (b)(1) issuer
    let crl_issuer_names: Option<&[GeneralName]> = dp.crl_issuer.as_deref();
    let indirect = crl.idp.as_ref().is_some_and(|i| i.indirect_crl);
    match crl_issuer_names {
        Some(names) => {
            let m = names
                .iter()
                .any(|g| matches!(g, GeneralName::DirectoryName(n) if name_eq(n, &crl.issuer)));
            if !m || !indirect {
                return false;
            }
        }
        None => {
            if !name_eq(&crl.issuer, cert.issuer()) {
                return false;
            }
        }
    }
    let Some(idp) = &crl.idp else {
        return true;
    };
    // (b)(2)(i)
    if let Some(idp_dpn) = &idp.distribution_point {
        let idp_names = dp_names(idp_dpn, &crl.issuer);
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

/// Why the last candidate CRL was unusable, for [`Error::RevocationUnknown`].
#[derive(Clone, Copy)]
struct Unusable(&'static str);

fn usable_at(crl: &Crl, at: UnixTime, opts: &RevocationOptions<'_>) -> Result<(), Unusable> {
    if crl.this_update > at {
        return Err(Unusable(
            "the CRL's thisUpdate is after the validation time",
        ));
    }
    match crl.next_update {
        Some(nu) if at > nu.saturating_add(opts.next_update_grace) => {
            return Err(Unusable("the CRL is stale (past nextUpdate)"));
        }
        Some(_) => {}
        None if !opts.allow_missing_next_update => {
            return Err(Unusable("the CRL has no nextUpdate"));
        }
        None => {}
    }
    if let Some(max) = opts.max_age
        && at.as_secs().saturating_sub(crl.this_update.as_secs()) > max
    {
        return Err(Unusable("the CRL is older than the maximum age"));
    }
    if crl.unknown_critical.is_some() {
        return Err(Unusable("the CRL has an unknown critical extension"));
    }
    Ok(())
}

/// Where a CRL issuer other than the checked certificate's issuer certificate is looked
/// for (RFC 5280 §6.3.3 (f)): the pool of the checked path and its trust anchor.
pub(crate) struct CrlIssuerContext<'p, 'o> {
    /// The anchor of the checked path; the CRL issuer's path must end there too.
    pub(crate) anchor: &'p TrustAnchor,
    /// The certificates paths are built from.
    pub(crate) pool: &'p [Cert],
    /// The checked path's options (time, backend, limits, revocation).
    pub(crate) opts: &'p ValidationOptions<'o>,
    /// CRL issuer path levels left for the CRL issuer's own path.
    pub(crate) nesting: u8,
}

/// Verifies the CRL signature by the certificate's issuer, by a delegated CRL signer the
/// issuer certified, or — with `ctx` — by any certificate of the CRL issuer (same name as
/// the CRL's issuer, cRLSign) whose own path to the same trust anchor validates (RFC 5280
/// §6.3.3 (f)): a separate CRL signing key, the other key of a self-issued key rollover,
/// an indirect CRL issuer. A CRL signed by `cert` itself (a CRL issuer's certificate
/// covered by its own indirect CRL) needs no further path: `cert`'s is being validated.
fn crl_signed_for(
    crl: &Crl,
    cert: &Cert,
    issuer: &Cert,
    at: UnixTime,
    backend: Backend,
    set: &CrlSet,
    ctx: Option<&CrlIssuerContext<'_, '_>>,
) -> Result<(), Unusable> {
    let crl_sign_ok = |c: &Cert| {
        c.key_usage()
            .is_none_or(|ku| ku.contains(KeyUsageBits::CRL_SIGN))
    };
    if name_eq(&crl.issuer, issuer.subject())
        && crl
            .aki
            .as_deref()
            .zip(issuer.subject_key_id())
            .is_none_or(|(a, s)| a == s)
        && crl.verify_signature(backend, issuer.spki_der()).is_ok()
    {
        return if crl_sign_ok(issuer) {
            Ok(())
        } else {
            Err(Unusable("the CRL issuer lacks cRLSign"))
        };
    }
    for s in &set.signers {
        if !name_eq(s.subject(), &crl.issuer) || !name_eq(s.issuer(), issuer.subject()) {
            continue;
        }
        let Some(ku) = s.key_usage() else { continue };
        if !ku.contains(KeyUsageBits::CRL_SIGN) || at < s.not_before() || at > s.not_after() {
            continue;
        }
        if s.verify_signed_by(backend, issuer.spki_der()).is_err() {
            continue;
        }
        if crl.verify_signature(backend, s.spki_der()).is_ok() {
            return Ok(());
        }
    }
    if let Some(ctx) = ctx {
        let anchor = &ctx.anchor.cert;
        if name_eq(anchor.subject(), &crl.issuer)
            && crl_sign_ok(anchor)
            && crl.verify_signature(backend, anchor.spki_der()).is_ok()
        {
            return Ok(());
        }
        let mut why = None;
        for s in ctx.pool {
            if s == issuer
                || !name_eq(s.subject(), &crl.issuer)
                || !crl_sign_ok(s)
                || crl
                    .aki
                    .as_deref()
                    .zip(s.subject_key_id())
                    .is_some_and(|(a, k)| a != k)
                || crl.verify_signature(backend, s.spki_der()).is_err()
            {
                continue;
            }
            if s == cert {
                return Ok(());
            }
            match crate::path::verify_crl_issuer(s, ctx.anchor, ctx.pool, ctx.opts, ctx.nesting) {
                Ok(_) => return Ok(()),
                Err(_) => why = Some("the CRL issuer's certification path does not validate"),
            }
        }
        if let Some(w) = why {
            return Err(Unusable(w));
        }
    }
    Err(Unusable(
        "the CRL signature does not verify with the issuer's or a delegated signer's key",
    ))
}

/// Finds a usable delta CRL for `base` (RFC 5280 §5.2.4, §6.3.3 (c)).
fn find_delta<'s>(
    base: &Crl,
    cert: &Cert,
    issuer: &Cert,
    at: UnixTime,
    backend: Backend,
    opts: &RevocationOptions<'s>,
    ctx: Option<&CrlIssuerContext<'_, '_>>,
) -> Option<&'s Crl> {
    let base_number = base.number.as_deref()?;
    opts.crls.crls.iter().filter(|d| d.is_delta()).find(|d| {
        name_eq(&d.issuer, &base.issuer)
            && d.idp_der == base.idp_der
            && d.delta_base
                .as_deref()
                .is_some_and(|b| uint_cmp(b, base_number) != core::cmp::Ordering::Greater)
            && d.number
                .as_deref()
                .is_some_and(|n| uint_cmp(n, base_number) == core::cmp::Ordering::Greater)
            && usable_at(d, at, opts).is_ok()
            && crl_signed_for(d, cert, issuer, at, backend, opts.crls, ctx).is_ok()
    })
}

/// RFC 5280 §6.3: the revocation status of `cert` (issued by `issuer`) at `at`; `ctx`
/// allows CRLs signed by other certificates of the CRL issuer (see [`crl_signed_for`]).
pub(crate) fn check_certificate(
    cert: &Cert,
    issuer: &Cert,
    depth: usize,
    at: UnixTime,
    backend: Backend,
    opts: &RevocationOptions<'_>,
    ctx: Option<&CrlIssuerContext<'_, '_>>,
) -> Result<CertStatus, Error> {
    if opts.scope == RevocationScope::Leaf && depth > 0 {
        return Ok(CertStatus::NotChecked);
    }
    let implicit = [DistributionPoint {
        distribution_point: None,
        reasons: None,
        crl_issuer: None,
    }];
    let dps: &[DistributionPoint] = match cert.exts.crl_dps.as_deref() {
        Some(d) if !d.is_empty() => d,
        _ => &implicit,
    };
    let mut mask: u16 = 0;
    let mut why = Unusable("no CRL from this issuer covers the certificate");
    'dps: for dp in dps {
        for crl in opts.crls.crls.iter().filter(|c| !c.is_delta()) {
            if mask == ALL_REASONS {
                break 'dps;
            }
            if !in_scope(crl, cert, dp) {
                continue;
            }
            // (c) reasons
            let idp_reasons =
                reason_flags(crl.idp.as_ref().and_then(|i| i.only_some_reasons.as_ref()));
            let interim = idp_reasons & reason_flags(dp.reasons.as_ref());
            // (d)
            if interim & !mask == 0 {
                continue;
            }
            if let Err(u) = usable_at(crl, at, opts) {
                why = u;
                continue;
            }
            if let Err(u) = crl_signed_for(crl, cert, issuer, at, backend, opts.crls, ctx) {
                why = u;
                continue;
            }
            let delta = if opts.use_delta_crls {
                find_delta(crl, cert, issuer, at, backend, opts, ctx)
            } else {
                None
            };
            // (i), (j): the delta's entry, if any, supersedes the base's.
            let entry = match delta.and_then(|d| d.lookup(cert.serial(), cert.issuer())) {
                Some(e) => Some(e),
                None => crl
                    .lookup(cert.serial(), cert.issuer())
                    .filter(|e| e.reason != RevocationReason::RemoveFromCrl),
            };
            if let Some(e) = entry
                && e.reason != RevocationReason::RemoveFromCrl
            {
                return revoked(cert, depth, e, opts);
            }
            mask |= interim;
        }
    }
    if mask == ALL_REASONS {
        return Ok(CertStatus::Good);
    }
    if opts.allow_unknown {
        Ok(CertStatus::Unknown { detail: why.0 })
    } else {
        Err(Error::RevocationUnknown {
            depth,
            detail: why.0,
        })
    }
}

fn revoked(
    cert: &Cert,
    depth: usize,
    e: &Entry,
    opts: &RevocationOptions<'_>,
) -> Result<CertStatus, Error> {
    match opts.signing_time {
        Some(st) if e.revoked_at > st => {
            if opts.accept_revoked_after_signing {
                Ok(CertStatus::RevokedAfterSigning {
                    revoked_at: e.revoked_at,
                    reason: e.reason,
                })
            } else {
                Err(Error::RevokedAfterSigning {
                    depth,
                    serial: hex_string(cert.serial()),
                    revoked_at: e.revoked_at,
                    signing_time: st,
                    reason: e.reason,
                })
            }
        }
        _ => Err(Error::Revoked {
            depth,
            serial: hex_string(cert.serial()),
            revoked_at: e.revoked_at,
            reason: e.reason,
        }),
    }
}
