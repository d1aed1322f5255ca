//! Test PKI built by hand at fixed times: a tiny DER writer, a key pool, certificates
//! and CRLs with arbitrary (also broken) contents.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cloned_ref_to_slice_refs
)]

use std::str::FromStr;
use std::sync::OnceLock;

use der::Encode;
use der::asn1::ObjectIdentifier;
use inkan_verify::UnixTime;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::{PrivateKey, PublicKey};
use sha2::Digest;

pub fn t(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

/// A fixed pool of RSA-2048 keys, generated once per test binary from fixed seeds.
pub fn key(i: usize) -> &'static PrivateKey {
    static KEYS: OnceLock<Vec<PrivateKey>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        use rand::SeedableRng;
        (0..8u64)
            .map(|s| {
                let mut rng = rand::rngs::StdRng::seed_from_u64(0x696e6b616e + s);
                PrivateKey::new(&mut rng, 2048).unwrap()
            })
            .collect()
    });
    &keys[i]
}

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else if len < 0x10000 {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    } else {
        out.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub fn int(v: u64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let mut s: Vec<u8> = b.iter().skip_while(|&&x| x == 0).copied().collect();
    if s.is_empty() || s[0] & 0x80 != 0 {
        s.insert(0, 0);
    }
    tlv(0x02, &s)
}

pub fn oid(s: &str) -> Vec<u8> {
    ObjectIdentifier::new_unwrap(s).to_der().unwrap()
}

pub fn octets(b: &[u8]) -> Vec<u8> {
    tlv(0x04, b)
}

pub fn boolean(b: bool) -> Vec<u8> {
    tlv(0x01, &[if b { 0xff } else { 0 }])
}

/// RFC 4514 string (last RDN first, like OpenSSL's -nameopt RFC2253).
pub fn name(s: &str) -> Vec<u8> {
    x509_cert::name::Name::from_str(s)
        .unwrap()
        .to_der()
        .unwrap()
}

pub fn time(t: UnixTime) -> Vec<u8> {
    let d = std::time::Duration::from_secs(t.as_secs());
    let ut = der::asn1::UtcTime::from_unix_duration(d).unwrap();
    ut.to_der().unwrap()
}

/// A named BIT STRING with bits numbered from the most significant bit (DER: trailing
/// zero bits dropped).
pub fn named_bits(bits: &[u8]) -> Vec<u8> {
    let max = bits.iter().copied().max();
    let Some(max) = max else {
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

pub fn sha256_rsa() -> Vec<u8> {
    seq(&[oid("1.2.840.113549.1.1.11"), vec![0x05, 0x00]])
}

pub fn spki(k: &PublicKey) -> Vec<u8> {
    let pkcs1 = k.to_pkcs1_der().unwrap();
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1.as_bytes());
    seq(&[
        seq(&[oid("1.2.840.113549.1.1.1"), vec![0x05, 0x00]]),
        tlv(0x03, &bits),
    ])
}

pub fn key_id(i: usize) -> Vec<u8> {
    let s = spki(key(i).as_public_key());
    sha2::Sha256::digest(&s)[..20].to_vec()
}

pub fn ext(id: &str, critical: bool, value: Vec<u8>) -> Vec<u8> {
    if critical {
        seq(&[oid(id), boolean(true), octets(&value)])
    } else {
        seq(&[oid(id), octets(&value)])
    }
}

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

/// keyUsage bits: 0 digitalSignature, 1 nonRepudiation, 5 keyCertSign, 6 cRLSign.
pub fn key_usage(bits: &[u8]) -> Vec<u8> {
    ext("2.5.29.15", true, named_bits(bits))
}

pub fn ski(i: usize) -> Vec<u8> {
    ext("2.5.29.14", false, octets(&key_id(i)))
}

pub fn aki(i: usize) -> Vec<u8> {
    ext("2.5.29.35", false, seq(&[tlv(0x80, &key_id(i))]))
}

pub fn policies(critical: bool, ids: &[&str]) -> Vec<u8> {
    ext(
        "2.5.29.32",
        critical,
        seq(&ids.iter().map(|p| seq(&[oid(p)])).collect::<Vec<_>>()),
    )
}

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

pub fn inhibit_any(n: u64) -> Vec<u8> {
    ext("2.5.29.54", true, int(n))
}

/// GeneralName encodings.
pub fn gn_dir(s: &str) -> Vec<u8> {
    tlv(0xa4, &name(s))
}
pub fn gn_dns(s: &str) -> Vec<u8> {
    tlv(0x82, s.as_bytes())
}
pub fn gn_email(s: &str) -> Vec<u8> {
    tlv(0x81, s.as_bytes())
}
pub fn gn_uri(s: &str) -> Vec<u8> {
    tlv(0x86, s.as_bytes())
}

pub fn name_constraints(permitted: &[Vec<u8>], excluded: &[Vec<u8>]) -> Vec<u8> {
    let subtrees = |v: &[Vec<u8>]| {
        v.iter()
            .map(|g| seq(&[g.clone()]))
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

pub struct CertSpec {
    pub subject: String,
    pub issuer: String,
    pub serial: u64,
    pub not_before: UnixTime,
    pub not_after: UnixTime,
    pub key: usize,
    pub issuer_key: usize,
    pub exts: Vec<Vec<u8>>,
    pub signer_override: Option<usize>,
}

pub const NB: &str = "2020-01-01T00:00:00Z";
pub const NA: &str = "2040-01-01T00:00:00Z";
pub const AT: &str = "2025-06-01T00:00:00Z";

impl CertSpec {
    pub fn new(subject: &str, issuer: &str, key: usize, issuer_key: usize) -> Self {
        Self {
            subject: subject.into(),
            issuer: issuer.into(),
            serial: 1000 + key as u64 * 7 + issuer_key as u64,
            not_before: t(NB),
            not_after: t(NA),
            key,
            issuer_key,
            exts: vec![ski(key), aki(issuer_key)],
            signer_override: None,
        }
    }

    pub fn ca(subject: &str, issuer: &str, key: usize, issuer_key: usize) -> Self {
        let mut s = Self::new(subject, issuer, key, issuer_key);
        s.exts.push(basic_constraints(true, None));
        s.exts.push(key_usage(&[5, 6]));
        s
    }

    pub fn ext(mut self, e: Vec<u8>) -> Self {
        self.exts.push(e);
        self
    }

    pub fn serial(mut self, s: u64) -> Self {
        self.serial = s;
        self
    }

    pub fn validity(mut self, nb: &str, na: &str) -> Self {
        self.not_before = t(nb);
        self.not_after = t(na);
        self
    }

    pub fn der(&self) -> Vec<u8> {
        let mut tbs_parts = vec![
            tlv(0xa0, &int(2)),
            int(self.serial),
            sha256_rsa(),
            name(&self.issuer),
            seq(&[time(self.not_before), time(self.not_after)]),
            name(&self.subject),
            spki(key(self.key).as_public_key()),
        ];
        if !self.exts.is_empty() {
            tbs_parts.push(tlv(0xa3, &seq(&self.exts)));
        }
        let tbs = seq(&tbs_parts);
        sign(&tbs, self.signer_override.unwrap_or(self.issuer_key))
    }

    pub fn cert(&self) -> inkan_verify::Cert {
        inkan_verify::Cert::from_der(&self.der()).unwrap()
    }
}

pub fn sign(tbs: &[u8], key_index: usize) -> Vec<u8> {
    let sig = key(key_index)
        .pkcs1v15_sign::<rsa::sha2::Sha256>(tbs)
        .unwrap();
    let mut bits = vec![0u8];
    bits.extend(sig);
    seq(&[tbs.to_vec(), sha256_rsa(), tlv(0x03, &bits)])
}

pub struct Revoked {
    pub serial: u64,
    pub at: UnixTime,
    pub reason: Option<u8>,
    pub extra_exts: Vec<Vec<u8>>,
}

pub fn revoked(serial: u64, at: &str, reason: Option<u8>) -> Revoked {
    Revoked {
        serial,
        at: t(at),
        reason,
        extra_exts: vec![],
    }
}

pub struct CrlSpec {
    pub issuer: String,
    pub key: usize,
    pub this_update: UnixTime,
    pub next_update: Option<UnixTime>,
    pub entries: Vec<Revoked>,
    pub exts: Vec<Vec<u8>>,
}

pub fn crl_number(n: u64) -> Vec<u8> {
    ext("2.5.29.20", false, int(n))
}

pub fn delta_indicator(base: u64) -> Vec<u8> {
    ext("2.5.29.27", true, int(base))
}

/// issuingDistributionPoint: optional directoryName DP, flags, onlySomeReasons bits.
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
    pub fn new(issuer: &str, key: usize) -> Self {
        Self {
            issuer: issuer.into(),
            key,
            this_update: t("2025-05-30T00:00:00Z"),
            next_update: Some(t("2025-06-06T00:00:00Z")),
            entries: vec![],
            exts: vec![aki(key), crl_number(10)],
        }
    }

    pub fn entry(mut self, r: Revoked) -> Self {
        self.entries.push(r);
        self
    }

    pub fn ext(mut self, e: Vec<u8>) -> Self {
        self.exts.push(e);
        self
    }

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

pub const ROOT: &str = "OU=Test Root,O=JPKI-TEST,C=JP";
pub const INTER: &str = "OU=Test Intermediate,O=JPKI-TEST,C=JP";
pub const LEAF: &str = "CN=Leaf,O=JPKI-TEST,C=JP";

/// root (key 0) → intermediate (key 1) → leaf (key 2)
pub fn root() -> CertSpec {
    CertSpec::ca(ROOT, ROOT, 0, 0)
}
pub fn inter() -> CertSpec {
    CertSpec::ca(INTER, ROOT, 1, 0)
}
pub fn leaf() -> CertSpec {
    CertSpec::new(LEAF, INTER, 2, 1).ext(key_usage(&[0, 1]))
}

pub fn store_with(root: &CertSpec) -> inkan_verify::TrustStore {
    let mut s = inkan_verify::TrustStore::new();
    s.add_explicit(&root.der()).unwrap();
    s
}
