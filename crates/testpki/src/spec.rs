//! A free-form test PKI: certificates and CRLs of any content — also broken, non-conforming
//! or hostile — signed with a fixed pool of RSA-2048 keys, at fixed times.
//!
//! Where [`crate::jpki`] makes what the JPKI profile says, this module makes whatever a
//! test needs to show that a verifier refuses it: an end-entity certificate used as a CA,
//! a critical extended key usage, an emailAddress in a UTF8String, CRLs with any numbers,
//! times, deltas and entry extensions. Names are RFC 4514 strings; times are RFC 3339
//! strings or seconds since 1970. Encoding failures here are bugs in the calling test,
//! so the builders panic on them rather than return errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::str::FromStr;
use std::sync::OnceLock;

use der::Encode;
use der::asn1::ObjectIdentifier;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::{PrivateKey, PublicKey};
use sha2::Digest;

use crate::encode::{TAG_SEQUENCE, tlv as der_tlv};

/// Number of keys in [`key`]'s pool.
pub const KEYS: usize = 12;

/// Key `i` (`i < KEYS`) of a pool of RSA-2048 keys, generated once per process from fixed
/// seeds.
pub fn key(i: usize) -> &'static PrivateKey {
    static POOL: OnceLock<Vec<PrivateKey>> = OnceLock::new();
    let keys = POOL.get_or_init(|| {
        (0..KEYS as u64)
            .map(|s| crate::jpki::test_key(0x696e_6b61_6e00 + s, "spec/pool").unwrap())
            .collect()
    });
    &keys[i]
}

/// Seconds since 1970 of an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SSZ`.
pub fn secs(s: &str) -> u64 {
    let b = s.as_bytes();
    assert!(
        b.len() == 20 && b[19] == b'Z',
        "not YYYY-MM-DDTHH:MM:SSZ: {s}"
    );
    let n = |r: std::ops::Range<usize>| s[r].parse::<u16>().unwrap();
    let dt = der::DateTime::new(
        n(0..4),
        n(5..7) as u8,
        n(8..10) as u8,
        n(11..13) as u8,
        n(14..16) as u8,
        n(17..19) as u8,
    )
    .unwrap();
    dt.unix_duration().as_secs()
}

/// One TLV.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    der_tlv(tag, content)
}

/// A SEQUENCE of the encoded `parts`.
pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    der_tlv(TAG_SEQUENCE, &parts.concat())
}

/// A non-negative INTEGER.
pub fn int(v: u64) -> Vec<u8> {
    der_tlv(
        0x02,
        &crate::encode::unsigned_integer_content(&v.to_be_bytes()),
    )
}

/// An OBJECT IDENTIFIER from its dotted form.
pub fn oid(s: &str) -> Vec<u8> {
    ObjectIdentifier::new_unwrap(s).to_der().unwrap()
}

/// An OCTET STRING.
pub fn octets(b: &[u8]) -> Vec<u8> {
    der_tlv(0x04, b)
}

/// A BOOLEAN.
pub fn boolean(b: bool) -> Vec<u8> {
    der_tlv(0x01, &[if b { 0xff } else { 0 }])
}

/// A Name from an RFC 4514 string (last RDN first, like OpenSSL's `-nameopt RFC2253`).
pub fn name(s: &str) -> Vec<u8> {
    x509_cert::name::Name::from_str(s)
        .unwrap()
        .to_der()
        .unwrap()
}

/// A Name of one RDN per `(attribute OID, string tag, value)`, in the given order, with
/// the string type chosen by the caller (e.g. `0x0C` UTF8String where the profile says
/// IA5String).
pub fn raw_name(attrs: &[(&str, u8, &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = attrs
        .iter()
        .map(|(id, tag, v)| tlv(0x31, &seq(&[oid(id), tlv(*tag, v.as_bytes())])))
        .collect();
    tlv(0x30, &rdns.concat())
}

/// A Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050.
pub fn time(secs: u64) -> Vec<u8> {
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs)).unwrap();
    let mut out = Vec::new();
    crate::encode::push_time(&mut out, &dt);
    out
}

/// A named BIT STRING with bits numbered from the most significant bit (DER: trailing
/// zero bits dropped).
pub fn named_bits(bits: &[u8]) -> Vec<u8> {
    let Some(max) = bits.iter().copied().max() else {
        return tlv(0x03, &[0]);
    };
    let nbytes = usize::from(max) / 8 + 1;
    let mut v = vec![0u8; nbytes];
    for &b in bits {
        v[usize::from(b) / 8] |= 0x80 >> (b % 8);
    }
    let unused = 7 - (max % 8);
    let mut c = vec![unused];
    c.extend(v);
    tlv(0x03, &c)
}

/// sha256WithRSAEncryption with NULL parameters (RFC 4055 §5).
pub fn sha256_rsa() -> Vec<u8> {
    crate::encode::sha256_rsa_algorithm()
}

/// The SubjectPublicKeyInfo of an RSA key (RFC 3279 §2.3.1).
pub fn spki(k: &PublicKey) -> Vec<u8> {
    let pkcs1 = k.to_pkcs1_der().unwrap();
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1.as_bytes());
    seq(&[
        seq(&[oid("1.2.840.113549.1.1.1"), vec![0x05, 0x00]]),
        tlv(0x03, &bits),
    ])
}

/// A key identifier for pool key `i`: the first 20 bytes of SHA-256 of its SPKI.
pub fn key_id(i: usize) -> Vec<u8> {
    let s = spki(key(i).as_public_key());
    sha2::Sha256::digest(&s)[..20].to_vec()
}

/// `Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }`.
pub fn ext(id: &str, critical: bool, value: Vec<u8>) -> Vec<u8> {
    if critical {
        seq(&[oid(id), boolean(true), octets(&value)])
    } else {
        seq(&[oid(id), octets(&value)])
    }
}

/// basicConstraints (RFC 5280 §4.2.1.9), critical.
pub fn basic_constraints(ca: bool, path_len: Option<u64>) -> Vec<u8> {
    let mut parts = vec![];
    if ca {
        parts.push(boolean(true));
    }
    if let Some(p) = path_len {
        parts.push(int(p));
    }
    ext("2.5.29.19", true, seq(&parts))
}

/// keyUsage (RFC 5280 §4.2.1.3), critical; bits 0 digitalSignature, 1 nonRepudiation,
/// 5 keyCertSign, 6 cRLSign.
pub fn key_usage(bits: &[u8]) -> Vec<u8> {
    ext("2.5.29.15", true, named_bits(bits))
}

/// extKeyUsage (RFC 5280 §4.2.1.12) with the given purposes.
pub fn ext_key_usage(critical: bool, purposes: &[&str]) -> Vec<u8> {
    ext(
        "2.5.29.37",
        critical,
        seq(&purposes.iter().map(|p| oid(p)).collect::<Vec<_>>()),
    )
}

/// subjectKeyIdentifier of pool key `i`.
pub fn ski(i: usize) -> Vec<u8> {
    ext("2.5.29.14", false, octets(&key_id(i)))
}

/// authorityKeyIdentifier naming pool key `i`.
pub fn aki(i: usize) -> Vec<u8> {
    ext("2.5.29.35", false, seq(&[tlv(0x80, &key_id(i))]))
}

/// certificatePolicies with the given policy OIDs.
pub fn policies(critical: bool, ids: &[&str]) -> Vec<u8> {
    ext(
        "2.5.29.32",
        critical,
        seq(&ids.iter().map(|p| seq(&[oid(p)])).collect::<Vec<_>>()),
    )
}

/// policyMappings (issuerDomainPolicy, subjectDomainPolicy) pairs.
pub fn policy_mappings(maps: &[(&str, &str)]) -> Vec<u8> {
    ext(
        "2.5.29.33",
        true,
        seq(&maps
            .iter()
            .map(|(a, b)| seq(&[oid(a), oid(b)]))
            .collect::<Vec<_>>()),
    )
}

/// policyConstraints.
pub fn policy_constraints(require: Option<u8>, inhibit: Option<u8>) -> Vec<u8> {
    let mut p = vec![];
    if let Some(r) = require {
        p.push(tlv(0x80, &[r]));
    }
    if let Some(i) = inhibit {
        p.push(tlv(0x81, &[i]));
    }
    ext("2.5.29.36", true, seq(&p))
}

/// inhibitAnyPolicy.
pub fn inhibit_any(n: u64) -> Vec<u8> {
    ext("2.5.29.54", true, int(n))
}

/// GeneralName directoryName.
pub fn gn_dir(s: &str) -> Vec<u8> {
    tlv(0xa4, &name(s))
}
/// GeneralName dNSName.
pub fn gn_dns(s: &str) -> Vec<u8> {
    tlv(0x82, s.as_bytes())
}
/// GeneralName rfc822Name.
pub fn gn_email(s: &str) -> Vec<u8> {
    tlv(0x81, s.as_bytes())
}
/// GeneralName uniformResourceIdentifier.
pub fn gn_uri(s: &str) -> Vec<u8> {
    tlv(0x86, s.as_bytes())
}

/// nameConstraints with permitted and excluded subtrees of the given GeneralNames.
pub fn name_constraints(permitted: &[Vec<u8>], excluded: &[Vec<u8>]) -> Vec<u8> {
    let subtrees = |v: &[Vec<u8>]| {
        v.iter()
            .map(|g| seq(std::slice::from_ref(g)))
            .collect::<Vec<_>>()
            .concat()
    };
    let mut p = vec![];
    if !permitted.is_empty() {
        p.push(tlv(0xa0, &subtrees(permitted)));
    }
    if !excluded.is_empty() {
        p.push(tlv(0xa1, &subtrees(excluded)));
    }
    ext("2.5.29.30", true, seq(&p))
}

/// subjectAltName of the given GeneralNames.
pub fn san(names: &[Vec<u8>]) -> Vec<u8> {
    ext("2.5.29.17", false, seq(names))
}

/// cRLDistributionPoints with one DP whose fullName is the directoryName `dn`.
pub fn crl_dp_dir(dn: &str) -> Vec<u8> {
    ext(
        "2.5.29.31",
        false,
        seq(&[seq(&[tlv(0xa0, &tlv(0xa0, &gn_dir(dn)))])]),
    )
}

/// The default notBefore of [`CertSpec`].
pub const NB: &str = "2020-01-01T00:00:00Z";
/// The default notAfter of [`CertSpec`].
pub const NA: &str = "2040-01-01T00:00:00Z";
/// A validation time inside the defaults.
pub const AT: &str = "2025-06-01T00:00:00Z";

/// A certificate to build: subject and issuer names, keys from the pool, extensions.
#[derive(Clone, Debug)]
pub struct CertSpec {
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// The subject Name DER, overriding `subject` (for string types `name` cannot choose).
    pub subject_der: Option<Vec<u8>>,
    /// Serial number.
    pub serial: u64,
    /// notBefore, seconds since 1970.
    pub not_before: u64,
    /// notAfter, seconds since 1970.
    pub not_after: u64,
    /// The subject's pool key.
    pub key: usize,
    /// The issuer's pool key.
    pub issuer_key: usize,
    /// Extensions, each an encoded `Extension`.
    pub exts: Vec<Vec<u8>>,
    /// Sign with this pool key instead of `issuer_key` (a bad signature).
    pub signer_override: Option<usize>,
    /// The encoded `Validity`, overriding `not_before`/`not_after` (times the seconds
    /// since 1970 cannot give, such as a UTCTime of 1950).
    pub validity_der: Option<Vec<u8>>,
}

impl CertSpec {
    /// An end-entity certificate with subject and authority key identifiers.
    pub fn new(subject: &str, issuer: &str, key: usize, issuer_key: usize) -> Self {
        Self {
            subject: subject.into(),
            issuer: issuer.into(),
            subject_der: None,
            serial: 1000 + key as u64 * 7 + issuer_key as u64,
            not_before: secs(NB),
            not_after: secs(NA),
            key,
            issuer_key,
            exts: vec![ski(key), aki(issuer_key)],
            signer_override: None,
            validity_der: None,
        }
    }

    /// A CA certificate: basicConstraints cA, keyCertSign and cRLSign.
    pub fn ca(subject: &str, issuer: &str, key: usize, issuer_key: usize) -> Self {
        let mut s = Self::new(subject, issuer, key, issuer_key);
        s.exts.push(basic_constraints(true, None));
        s.exts.push(key_usage(&[5, 6]));
        s
    }

    /// Adds an extension.
    pub fn ext(mut self, e: Vec<u8>) -> Self {
        self.exts.push(e);
        self
    }

    /// Sets the serial number.
    pub fn serial(mut self, s: u64) -> Self {
        self.serial = s;
        self
    }

    /// Sets the validity (RFC 3339 strings).
    pub fn validity(mut self, nb: &str, na: &str) -> Self {
        self.not_before = secs(nb);
        self.not_after = secs(na);
        self
    }

    /// The signed certificate, DER.
    pub fn der(&self) -> Vec<u8> {
        let subject = self
            .subject_der
            .clone()
            .unwrap_or_else(|| name(&self.subject));
        let mut tbs_parts = vec![
            tlv(0xa0, &int(2)),
            int(self.serial),
            sha256_rsa(),
            name(&self.issuer),
            self.validity_der
                .clone()
                .unwrap_or_else(|| seq(&[time(self.not_before), time(self.not_after)])),
            subject,
            spki(key(self.key).as_public_key()),
        ];
        if !self.exts.is_empty() {
            tbs_parts.push(tlv(0xa3, &seq(&self.exts)));
        }
        let tbs = seq(&tbs_parts);
        sign(&tbs, self.signer_override.unwrap_or(self.issuer_key))
    }
}

/// `SEQUENCE { tbs, sha256WithRSAEncryption, BIT STRING signature }` with pool key
/// `key_index` (RFC 5280 §4.1.1, §5.1.1).
pub fn sign(tbs: &[u8], key_index: usize) -> Vec<u8> {
    let sig = key(key_index)
        .pkcs1v15_sign::<rsa::sha2::Sha256>(tbs)
        .unwrap();
    let mut bits = vec![0u8];
    bits.extend(sig);
    seq(&[tbs.to_vec(), sha256_rsa(), tlv(0x03, &bits)])
}

/// One revoked certificate of a [`CrlSpec`].
#[derive(Clone, Debug)]
pub struct Revoked {
    /// userCertificate.
    pub serial: u64,
    /// revocationDate, seconds since 1970.
    pub at: u64,
    /// reasonCode value, if any.
    pub reason: Option<u8>,
    /// Further entry extensions (invalidityDate, certificateIssuer, anything).
    pub extra_exts: Vec<Vec<u8>>,
}

/// An entry revoking `serial` at `at` (RFC 3339) with an optional reasonCode.
pub fn revoked(serial: u64, at: &str, reason: Option<u8>) -> Revoked {
    Revoked {
        serial,
        at: secs(at),
        reason,
        extra_exts: vec![],
    }
}

impl Revoked {
    /// Adds an entry extension.
    pub fn ext(mut self, e: Vec<u8>) -> Self {
        self.extra_exts.push(e);
        self
    }
}

/// invalidityDate entry extension (RFC 5280 §5.3.2), a GeneralizedTime.
pub fn invalidity_date(at: &str) -> Vec<u8> {
    let s = at.replace(['-', ':', 'T'], "");
    ext("2.5.29.24", false, tlv(0x18, s.as_bytes()))
}

/// certificateIssuer entry extension (RFC 5280 §5.3.3) naming `dn`, critical.
pub fn certificate_issuer(dn: &str) -> Vec<u8> {
    ext("2.5.29.29", true, seq(&[gn_dir(dn)]))
}

/// A CRL to build.
#[derive(Clone, Debug)]
pub struct CrlSpec {
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// The signing pool key.
    pub key: usize,
    /// thisUpdate, seconds since 1970.
    pub this_update: u64,
    /// nextUpdate, seconds since 1970.
    pub next_update: Option<u64>,
    /// The entries.
    pub entries: Vec<Revoked>,
    /// CRL extensions, each an encoded `Extension`.
    pub exts: Vec<Vec<u8>>,
}

/// cRLNumber (RFC 5280 §5.2.3).
pub fn crl_number(n: u64) -> Vec<u8> {
    ext("2.5.29.20", false, int(n))
}

/// deltaCRLIndicator (RFC 5280 §5.2.4), critical.
pub fn delta_indicator(base: u64) -> Vec<u8> {
    ext("2.5.29.27", true, int(base))
}

/// issuingDistributionPoint (RFC 5280 §5.2.5): an optional directoryName DP, the scope
/// flags and onlySomeReasons bits.
pub fn idp(
    dp_dir: Option<&str>,
    only_user: bool,
    only_ca: bool,
    reasons: Option<&[u8]>,
    indirect: bool,
) -> Vec<u8> {
    let mut p = vec![];
    if let Some(d) = dp_dir {
        p.push(tlv(0xa0, &tlv(0xa0, &gn_dir(d))));
    }
    if only_user {
        p.push(tlv(0x81, &[0xff]));
    }
    if only_ca {
        p.push(tlv(0x82, &[0xff]));
    }
    if let Some(r) = reasons {
        let b = named_bits(r);
        p.push(tlv(0x83, &b[2..]));
    }
    if indirect {
        p.push(tlv(0x84, &[0xff]));
    }
    ext("2.5.29.28", true, seq(&p))
}

impl CrlSpec {
    /// A CRL by `issuer` with `key`: thisUpdate 2025-05-30, nextUpdate 2025-06-06,
    /// authorityKeyIdentifier and cRLNumber 10.
    pub fn new(issuer: &str, key: usize) -> Self {
        Self {
            issuer: issuer.into(),
            key,
            this_update: secs("2025-05-30T00:00:00Z"),
            next_update: Some(secs("2025-06-06T00:00:00Z")),
            entries: vec![],
            exts: vec![aki(key), crl_number(10)],
        }
    }

    /// Adds an entry.
    pub fn entry(mut self, r: Revoked) -> Self {
        self.entries.push(r);
        self
    }

    /// Adds a CRL extension.
    pub fn ext(mut self, e: Vec<u8>) -> Self {
        self.exts.push(e);
        self
    }

    /// Sets thisUpdate and nextUpdate (RFC 3339 strings).
    pub fn times(mut self, this_update: &str, next_update: Option<&str>) -> Self {
        self.this_update = secs(this_update);
        self.next_update = next_update.map(secs);
        self
    }

    /// Replaces the cRLNumber (and keeps the other extensions).
    pub fn number(mut self, n: u64) -> Self {
        let number_oid = oid("2.5.29.20");
        self.exts.retain(|e| !contains(e, &number_oid));
        self.exts.push(crl_number(n));
        self
    }

    /// The signed CRL, DER.
    pub fn der(&self) -> Vec<u8> {
        let mut parts = vec![
            int(1),
            sha256_rsa(),
            name(&self.issuer),
            time(self.this_update),
        ];
        if let Some(n) = self.next_update {
            parts.push(time(n));
        }
        if !self.entries.is_empty() {
            let entries: Vec<Vec<u8>> = self
                .entries
                .iter()
                .map(|e| {
                    let mut ep = vec![int(e.serial), time(e.at)];
                    let mut exts = e.extra_exts.clone();
                    if let Some(r) = e.reason {
                        exts.insert(0, ext("2.5.29.21", false, tlv(0x0a, &[r])));
                    }
                    if !exts.is_empty() {
                        ep.push(seq(&exts));
                    }
                    seq(&ep)
                })
                .collect();
            parts.push(seq(&entries));
        }
        if !self.exts.is_empty() {
            parts.push(tlv(0xa0, &seq(&self.exts)));
        }
        sign(&seq(&parts), self.key)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The subject of [`root`].
pub const ROOT: &str = "OU=Test Root,O=JPKI-TEST,C=JP";
/// The subject of [`inter`].
pub const INTER: &str = "OU=Test Intermediate,O=JPKI-TEST,C=JP";
/// The subject of [`leaf`].
pub const LEAF: &str = "CN=Leaf,O=JPKI-TEST,C=JP";

/// A self-signed root with pool key 0.
pub fn root() -> CertSpec {
    CertSpec::ca(ROOT, ROOT, 0, 0)
}
/// An intermediate CA (key 1) under [`root`].
pub fn inter() -> CertSpec {
    CertSpec::ca(INTER, ROOT, 1, 0)
}
/// An end-entity certificate (key 2, digitalSignature + nonRepudiation) under [`inter`].
pub fn leaf() -> CertSpec {
    CertSpec::new(LEAF, INTER, 2, 1).ext(key_usage(&[0, 1]))
}
