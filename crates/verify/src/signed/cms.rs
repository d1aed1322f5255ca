//! CMS SignedData verification (RFC 5652 §5).
//!
//! A signature made with the My Number Card arrives as a CMS SignedData (attached or
//! detached content, §5.2) with signed attributes (contentType, messageDigest,
//! signingTime, signing-certificate-v2 of RFC 5035). The message is read with a BER
//! reader ([`super::ber`]): indefinite lengths and constructed OCTET STRINGs, as
//! streaming signers write them, are accepted everywhere except in the signed
//! attributes, which §5.4 requires in DER and which are verified exactly as embedded
//! (only the `[0]` tag replaced by SET OF, as §5.4 says). Certificates are taken as
//! embedded too; one that does not parse is skipped, and the signer is found among all
//! of them by issuer and serial number or subject key identifier (§5.3). Attributes
//! that §11 allows once (contentType, messageDigest, signingTime, and the signing
//! certificate attributes of RFC 5035 §5.4) must appear once, with one value.

use alloc::vec::Vec;

use der::Decode;
use der::asn1::{ObjectIdentifier as Oid, OctetString};
use spki::AlgorithmIdentifierOwned;
use x509_cert::name::Name;

use super::ber::{Element, Reader};
use super::{Purpose, verify_signer};
use crate::alg::HashAlg;
use crate::error::Error;
use crate::oid;
use crate::path::{ValidatedPath, ValidationOptions};
use crate::revocation::{CertStatus, TimeSource};
use crate::time::UnixTime;
use crate::trust::TrustStore;
use crate::x509::Cert;
use crate::x509::jpki::{CertKind, JpkiIdentity, identity};
use crate::x509::name::name_eq;

/// id-aa-signingCertificate (RFC 2634 §5.4).
const ATTR_SIGNING_CERT_V1: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");

/// The signed content of a detached signature.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Content<'a> {
    /// In memory.
    Bytes(&'a [u8]),
    /// A file, hashed as it is read (any size; feature `std`).
    #[cfg(feature = "std")]
    File(std::path::PathBuf),
}

/// The outcome of a successful CMS verification.
#[derive(Clone, Debug)]
pub struct CmsVerification {
    /// The signer's certificate.
    pub signer: Cert,
    /// The validated path of the signer.
    pub path: ValidatedPath,
    /// eContentType (RFC 5652 §5.2).
    pub content_type: Oid,
    /// Bytes of signed content (the eContent, or the detached content given by the caller).
    pub content_len: usize,
    /// The digest algorithm of the signer.
    pub digest: HashAlg,
    /// The signingTime attribute (RFC 5652 §11.3), if present: the signer's claim.
    pub signing_time: Option<UnixTime>,
    /// The JPKI certificate kind of the signer.
    pub kind: CertKind,
    /// The JPKI identity of the signer, if the certificate carries one.
    pub identity: Option<JpkiIdentity>,
}

impl CmsVerification {
    /// Revocation status of the signer certificate.
    pub fn signer_status(&self) -> Option<&CertStatus> {
        self.path.revocation.first()
    }
}

/// ESSCertIDv2 (RFC 5035 §4).
#[derive(Clone, Debug, der::Sequence)]
struct EssCertIdV2 {
    /// DEFAULT id-sha256 when absent.
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<der::Any>,
}

/// SigningCertificateV2 (RFC 5035 §3).
#[derive(Clone, Debug, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<der::Any>,
}

fn cms_err(detail: &'static str) -> Error {
    Error::Cms { detail }
}

fn oid_of(e: &Element<'_>, what: &'static str) -> Result<Oid, Error> {
    if e.tag != 0x06 {
        return Err(Error::malformed(what, "not an OBJECT IDENTIFIER"));
    }
    Oid::from_bytes(e.content).map_err(|x| Error::malformed(what, x))
}

fn alg_of(e: &Element<'_>, what: &'static str) -> Result<AlgorithmIdentifierOwned, Error> {
    AlgorithmIdentifierOwned::from_der(e.raw).map_err(|x| Error::malformed(what, x))
}

/// SignerIdentifier (RFC 5652 §5.3).
enum Sid {
    IssuerSerial(Name, Vec<u8>),
    Ski(Vec<u8>),
}

impl Sid {
    fn matches(&self, c: &Cert) -> bool {
        match self {
            Sid::IssuerSerial(issuer, serial) => {
                name_eq(issuer, c.issuer()) && serial.as_slice() == c.serial()
            }
            Sid::Ski(ski) => c.subject_key_id() == Some(ski.as_slice()),
        }
    }
}

/// The parts of SignedData this verifier uses.
struct Parsed<'a> {
    econtent_type: Oid,
    econtent: Option<Vec<u8>>,
    certs: Vec<Cert>,
    sid: Sid,
    digest_alg: AlgorithmIdentifierOwned,
    /// The signed attributes as embedded, `[0]` tag included.
    signed_attrs: Option<&'a [u8]>,
    sig_alg: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
}

/// ContentInfo (RFC 5652 §3) → SignedData (§5.1) → one SignerInfo (§5.3).
fn parse<'d>(der: &'d [u8], cache: Option<&crate::cache::CertCache>) -> Result<Parsed<'d>, Error> {
    let mut top = Reader::new(der);
    let ci = top.expect(0x30, "ContentInfo is not a SEQUENCE")?;
    top.finish("trailing data after ContentInfo")?;
    let mut r = ci.reader();
    if oid_of(&r.read()?, "contentType")? != oid::CMS_SIGNED_DATA {
        return Err(cms_err("not a SignedData"));
    }
    let wrap = r.expect(0xa0, "content is not [0] EXPLICIT")?;
    r.finish("trailing data in ContentInfo")?;
    let mut w = wrap.reader();
    let sd = w.expect(0x30, "SignedData is not a SEQUENCE")?;
    w.finish("trailing data after SignedData")?;
    let mut s = sd.reader();
    s.expect(0x02, "SignedData version is not an INTEGER")?;
    s.expect(0x31, "digestAlgorithms is not a SET")?;
    // encapContentInfo
    let eci = s.expect(0x30, "encapContentInfo is not a SEQUENCE")?;
    let mut e = eci.reader();
    let econtent_type = oid_of(&e.read()?, "eContentType")?;
    let econtent = if e.is_empty() {
        None
    } else {
        let ew = e.expect(0xa0, "eContent is not [0] EXPLICIT")?;
        let mut er = ew.reader();
        let os = er.read()?;
        if os.tag & !0x20 != 0x04 {
            return Err(Error::malformed("CMS eContent", "not an OCTET STRING"));
        }
        er.finish("trailing data in eContent")?;
        Some(os.string(0x04)?)
    };
    e.finish("trailing data in encapContentInfo")?;
    // certificates [0] IMPLICIT CertificateSet OPTIONAL: every plain Certificate that
    // parses; other CertificateChoices and junk are skipped.
    let mut certs = Vec::new();
    if s.peek_tag() == Some(0xa0) {
        let set = s.read()?;
        let mut cr = set.reader();
        while !cr.is_empty() {
            let c = cr.read()?;
            let parsed = || match cache {
                Some(k) => k.parse(c.raw),
                None => Cert::from_der(c.raw),
            };
            if c.tag == 0x30
                && let Ok(cert) = parsed()
            {
                certs.push(cert);
            }
        }
    }
    // crls [1] IMPLICIT RevocationInfoChoices OPTIONAL: not used here.
    if s.peek_tag() == Some(0xa1) {
        s.read()?;
    }
    let sis = s.expect(0x31, "signerInfos is not a SET")?;
    s.finish("trailing data in SignedData")?;
    let mut si_r = sis.reader();
    if si_r.is_empty() {
        return Err(cms_err("no signerInfo"));
    }
    let si = si_r.expect(0x30, "SignerInfo is not a SEQUENCE")?;
    if !si_r.is_empty() {
        return Err(cms_err("more than one signerInfo"));
    }
    let mut f = si.reader();
    f.expect(0x02, "SignerInfo version is not an INTEGER")?;
    let sid_e = f.read()?;
    let sid = match sid_e.tag {
        0x30 => {
            let mut ir = sid_e.reader();
            let issuer = ir.expect(0x30, "issuer is not a Name")?;
            let serial = ir.expect(0x02, "serialNumber is not an INTEGER")?;
            ir.finish("trailing data in IssuerAndSerialNumber")?;
            Sid::IssuerSerial(
                Name::from_der(issuer.raw).map_err(|x| Error::malformed("sid issuer", x))?,
                serial.content.to_vec(),
            )
        }
        0x80 | 0xa0 => Sid::Ski(sid_e.string(0x04)?),
        _ => return Err(Error::malformed("SignerIdentifier", "unknown choice")),
    };
    let digest_alg = alg_of(&f.read()?, "digestAlgorithm")?;
    let signed_attrs = if f.peek_tag() == Some(0xa0) {
        Some(f.read()?.raw)
    } else {
        None
    };
    let sig_alg = alg_of(&f.read()?, "signatureAlgorithm")?;
    let sig = f.read()?;
    if sig.tag & !0x20 != 0x04 {
        return Err(Error::malformed("CMS signature", "not an OCTET STRING"));
    }
    let signature = sig.string(0x04)?;
    if f.peek_tag() == Some(0xa1) {
        f.read()?;
    }
    f.finish("trailing data in SignerInfo")?;
    Ok(Parsed {
        econtent_type,
        econtent,
        certs,
        sid,
        digest_alg,
        signed_attrs,
        sig_alg,
        signature,
    })
}

/// The attribute types RFC 5652 §11 and RFC 5035 §5.4 allow once in signedAttrs.
const SINGLE: [Oid; 5] = [
    oid::ATTR_CONTENT_TYPE,
    oid::ATTR_MESSAGE_DIGEST,
    oid::ATTR_SIGNING_TIME,
    oid::ATTR_SIGNING_CERT_V2,
    ATTR_SIGNING_CERT_V1,
];

/// What the signed attributes say, checked against the content and the signer.
struct Attrs {
    signing_time: Option<UnixTime>,
}

fn check_attrs(
    der: &[u8],
    econtent_type: &Oid,
    content_digest: &[u8],
    signer: &Cert,
) -> Result<Attrs, Error> {
    // RFC 5652 §5.4: DER, verified as embedded.
    let attrs = x509_cert::attr::Attributes::from_der(der)
        .map_err(|e| Error::malformed("signedAttrs (must be DER, RFC 5652 §5.4)", e))?;
    let mut seen: Vec<Oid> = Vec::new();
    let mut signing_time = None;
    let (mut digest_ok, mut type_ok) = (false, false);
    for a in attrs.iter() {
        if SINGLE.contains(&a.oid) {
            if seen.contains(&a.oid) {
                return Err(cms_err(
                    "an attribute RFC 5652 §11 allows once appears twice in signedAttrs",
                ));
            }
            seen.push(a.oid);
        }
        let mut values = a.values.iter();
        let v = values
            .next()
            .ok_or_else(|| cms_err("a signed attribute has no value"))?;
        if values.next().is_some() && SINGLE.contains(&a.oid) {
            return Err(cms_err("a signed attribute has more than one value"));
        }
        match a.oid {
            oid::ATTR_MESSAGE_DIGEST => {
                let md: OctetString = v
                    .decode_as()
                    .map_err(|e| Error::malformed("messageDigest", e))?;
                if md.as_bytes() != content_digest {
                    return Err(Error::DigestMismatch);
                }
                digest_ok = true;
            }
            oid::ATTR_CONTENT_TYPE => {
                let ct: Oid = v
                    .decode_as()
                    .map_err(|e| Error::malformed("contentType", e))?;
                if &ct != econtent_type {
                    return Err(cms_err("contentType attribute differs from eContentType"));
                }
                type_ok = true;
            }
            oid::ATTR_SIGNING_TIME => {
                let t = x509_cert::time::Time::from_der(
                    &der::Encode::to_der(v).map_err(|e| Error::malformed("signingTime", e))?,
                )
                .map_err(|e| Error::malformed("signingTime", e))?;
                signing_time = Some(UnixTime::from_x509(&t));
            }
            oid::ATTR_SIGNING_CERT_V2 => {
                let sc: SigningCertificateV2 = v
                    .decode_as()
                    .map_err(|e| Error::malformed("signingCertificateV2", e))?;
                let first = sc
                    .certs
                    .first()
                    .ok_or_else(|| cms_err("empty signingCertificateV2"))?;
                let h_oid = first.hash_algorithm.as_ref().map_or(oid::SHA256, |a| a.oid);
                let h = HashAlg::from_digest_oid(&h_oid).ok_or_else(|| {
                    Error::UnsupportedAlgorithm {
                        algorithm: alloc::format!("{h_oid}"),
                    }
                })?;
                if first.cert_hash.as_bytes() != h.digest(signer.der()).as_slice() {
                    return Err(cms_err(
                        "signingCertificateV2 does not match the signer certificate",
                    ));
                }
            }
            _ => {}
        }
    }
    // RFC 5652 §5.3: both attributes are required when signedAttrs is present.
    if !digest_ok || !type_ok {
        return Err(cms_err("signedAttrs lacks messageDigest or contentType"));
    }
    Ok(Attrs { signing_time })
}

/// The digest of the signed content and its length.
fn content_digest(
    hash: HashAlg,
    econtent: Option<&[u8]>,
    detached: Option<&Content<'_>>,
) -> Result<(Vec<u8>, usize), Error> {
    match (econtent, detached) {
        (Some(_), Some(_)) => Err(cms_err("content both attached and detached")),
        (Some(c), None) => Ok((hash.digest(c), c.len())),
        (None, Some(Content::Bytes(c))) => Ok((hash.digest(c), c.len())),
        #[cfg(feature = "std")]
        (None, Some(Content::File(p))) => {
            let (d, n) = crate::fs::hash_file(p, hash)?;
            Ok((d, usize::try_from(n).unwrap_or(usize::MAX)))
        }
        (None, None) => Err(cms_err("detached signature without content")),
    }
}

/// Verifies a CMS ContentInfo holding SignedData (RFC 5652 §5.6) with exactly one
/// signer: the signature, the signed attributes, the signer's fitness for `purpose`
/// and path to `store` at `opts.at` (certificates from `intermediates` first, then from
/// the message), and revocation as `opts.revocation` says. When the options carry no
/// signing time, the signingTime attribute — the signer's claim — is used to tell
/// revocation after signing from revocation before it.
///
/// `detached` is the content when the message does not carry it (RFC 5652 §5.2:
/// eContent absent).
pub fn verify_cms(
    der: &[u8],
    detached: Option<&Content<'_>>,
    store: &TrustStore,
    intermediates: &[Cert],
    opts: &ValidationOptions<'_>,
    purpose: Purpose,
) -> Result<CmsVerification, Error> {
    let p = parse(der, opts.cache.map(|c| &c.certs))?;
    let signer = p
        .certs
        .iter()
        .chain(intermediates.iter())
        .find(|c| p.sid.matches(c))
        .cloned()
        .ok_or_else(|| cms_err("signer certificate not found"))?;
    let digest =
        HashAlg::from_digest_oid(&p.digest_alg.oid).ok_or_else(|| Error::UnsupportedAlgorithm {
            algorithm: alloc::format!("{}", p.digest_alg.oid),
        })?;
    let (md, content_len) = content_digest(digest, p.econtent.as_deref(), detached)?;
    let signing_time = match p.signed_attrs {
        Some(raw) => {
            // §5.4: the DER of SET OF Attribute — the embedded bytes, tag replaced.
            let mut set = raw.to_vec();
            if let Some(t) = set.first_mut() {
                *t = 0x31;
            }
            let a = check_attrs(&set, &p.econtent_type, &md, &signer)?;
            crate::alg::verify_with_spki(
                opts.backend,
                signer.spki_der(),
                &p.sig_alg,
                Some(&p.digest_alg),
                &set,
                &p.signature,
                "CMS signer",
            )?;
            a.signing_time
        }
        None => {
            if p.econtent_type != oid::CMS_DATA {
                return Err(cms_err(
                    "signedAttrs are required for content types other than id-data",
                ));
            }
            crate::alg::verify_prehashed(
                opts.backend,
                signer.spki_der(),
                &p.sig_alg,
                Some(&p.digest_alg),
                &md,
                &p.signature,
                "CMS signer",
            )?;
            None
        }
    };
    let (kind, path) = verify_signer(
        &signer,
        &p.certs,
        intermediates,
        store,
        opts,
        purpose,
        signing_time.map(|t| (t, TimeSource::Signer)),
    )?;
    Ok(CmsVerification {
        identity: identity(&signer)?,
        kind,
        signer,
        path,
        content_type: p.econtent_type,
        content_len,
        digest,
        signing_time,
    })
}
