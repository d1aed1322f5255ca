//! OCSP (RFC 6960), sans-IO: the request for one certificate, and the checked answer.
//!
//! [`request`] encodes an `OCSPRequest` (§4.1.1) for a certificate and its issuer —
//! `CertID` with SHA-1 hashes of the issuer's name and key, as responders expect — with
//! a nonce (RFC 8954) when one is given. [`check_response`] takes the responder's bytes
//! and decides, or says why it cannot (every failure is
//! [`Error::RevocationUnknown`]: a responder that errs, lies about its identity or
//! answers stale is no evidence either way, never "valid"):
//!
//! - `responseStatus` successful and an `id-pkix-ocsp-basic` response (§4.2.1);
//! - the signature over `tbsResponseData` by the issuer's key, or by a delegated
//!   responder: a certificate in the response issued (and signed) by the issuer, with
//!   `id-kp-OCSPSigning` in its extended key usage and valid at the validation time
//!   (§4.2.2.2); `responderID` names the signer (by name or by SHA-1 of its key);
//! - the `SingleResponse` for this `CertID`, `thisUpdate` not after the validation time
//!   (with a clock-skew allowance), `nextUpdate` not before it (or, without
//!   `nextUpdate`, `thisUpdate` at most [`OcspCheck::max_age`] old, §4.2.2.1);
//! - the nonce echoed when one was sent;
//! - then good, revoked (time and reason) or unknown.
//!
//! Fetching (HTTP POST of the request, bounded time and size) belongs to the front end.

use alloc::string::String;
use alloc::vec::Vec;

use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use sha1::Digest as _;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};

use crate::alg::Backend;
use crate::asn1::{Reader, Tlv, time, unsigned};
pub use crate::error::Responder;
use crate::error::{Error, RevocationReason};
use crate::time::UnixTime;
use crate::x509::{Cert, name_eq};

/// id-pkix-ocsp-basic (RFC 6960 §4.2.1).
pub const OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce (RFC 6960 §4.4.1, RFC 8954).
pub const OCSP_NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-kp-OCSPSigning (RFC 5280 §4.2.1.12).
pub const KP_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");
/// id-sha1 (RFC 3279 §2.2.1), the CertID hash responders expect.
const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
/// id-sha256, accepted in a response's CertID too.
const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");

/// The largest response accepted (a front end stops reading here).
pub const MAX_RESPONSE: usize = 256 * 1024;

fn unknown(detail: &'static str) -> Error {
    Error::RevocationUnknown { depth: 0, detail }
}

/// The `CertID` of a certificate (§4.1.1), with its hash algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
struct CertId {
    sha1_name: [u8; 20],
    sha1_key: [u8; 20],
    sha256_name: [u8; 32],
    sha256_key: [u8; 32],
    serial: Vec<u8>,
}

/// An encoded request and what checking its answer needs.
#[derive(Clone, Debug)]
pub struct OcspRequest {
    /// The DER `OCSPRequest`, to POST as `application/ocsp-request` (RFC 6960 §A.1).
    pub der: Vec<u8>,
    /// The nonce sent, if any.
    pub nonce: Option<Vec<u8>>,
    id: CertId,
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = alloc::vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let len = bytes.get(skip..).unwrap_or(&[]);
        v.push(0x80 | len.len() as u8);
        v.extend_from_slice(len);
    }
    v.extend_from_slice(content);
    v
}

fn issuer_key_bits(issuer: &Cert) -> Result<Vec<u8>, Error> {
    let spki = SubjectPublicKeyInfoRef::from_der(issuer.spki_der())
        .map_err(|e| Error::malformed("issuer subjectPublicKeyInfo", e))?;
    Ok(spki.subject_public_key.raw_bytes().to_vec())
}

fn cert_id(cert: &Cert, issuer: &Cert) -> Result<CertId, Error> {
    let name = cert
        .issuer()
        .to_der()
        .map_err(|e| Error::malformed("issuer name", e))?;
    let key = issuer_key_bits(issuer)?;
    Ok(CertId {
        sha1_name: sha1::Sha1::digest(&name).into(),
        sha1_key: sha1::Sha1::digest(&key).into(),
        sha256_name: sha2::Sha256::digest(&name).into(),
        sha256_key: sha2::Sha256::digest(&key).into(),
        serial: cert.serial().to_vec(),
    })
}

/// The `OCSPRequest` for `cert`, issued by `issuer`, with `nonce` (RFC 8954 asks for 1 to
/// 32 bytes; 16 random bytes are usual) when given.
pub fn request(cert: &Cert, issuer: &Cert, nonce: Option<&[u8]>) -> Result<OcspRequest, Error> {
    if nonce.is_some_and(|n| n.is_empty() || n.len() > 32) {
        return Err(Error::malformed(
            "OCSP nonce",
            "1 to 32 bytes (RFC 8954 §2.1)",
        ));
    }
    let id = cert_id(cert, issuer)?;
    let sha1 = tlv(
        0x30,
        &[SHA1.to_der().unwrap_or_default(), alloc::vec![0x05, 0x00]].concat(),
    );
    let cert_id = tlv(
        0x30,
        &[
            sha1,
            tlv(0x04, &id.sha1_name),
            tlv(0x04, &id.sha1_key),
            tlv(0x02, cert.serial()),
        ]
        .concat(),
    );
    let request_list = tlv(0x30, &tlv(0x30, &cert_id));
    let mut tbs = request_list;
    if let Some(n) = nonce {
        let ext = tlv(
            0x30,
            &[
                OCSP_NONCE.to_der().unwrap_or_default(),
                tlv(0x04, &tlv(0x04, n)),
            ]
            .concat(),
        );
        tbs.extend(tlv(0xa2, &tlv(0x30, &ext)));
    }
    Ok(OcspRequest {
        der: tlv(0x30, &tlv(0x30, &tbs)),
        nonce: nonce.map(<[u8]>::to_vec),
        id,
    })
}

/// What the responder said about the certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OcspStatus {
    /// Not revoked (§2.2 "good").
    Good,
    /// Revoked at `revoked_at` for `reason` (unspecified when the response gives none).
    Revoked {
        /// revocationTime.
        revoked_at: UnixTime,
        /// revocationReason.
        reason: RevocationReason,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// A checked answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspAnswer {
    /// The status.
    pub status: OcspStatus,
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate.
    pub next_update: Option<UnixTime>,
    /// producedAt.
    pub produced_at: UnixTime,
    /// Who signed.
    pub responder: Responder,
}

/// How a response is judged.
#[derive(Clone, Copy, Debug)]
pub struct OcspCheck {
    /// The validation time.
    pub at: UnixTime,
    /// Signature backend.
    pub backend: Backend,
    /// Clock skew allowed between responder and verifier, seconds.
    pub skew: u64,
    /// How old a response without nextUpdate may be, seconds.
    pub max_age: u64,
}

impl OcspCheck {
    /// Judging at `at`: 5 minutes of skew, responses without nextUpdate at most 5 minutes
    /// old.
    pub fn new(at: UnixTime) -> Self {
        Self {
            at,
            backend: Backend::default(),
            skew: 300,
            max_age: 300,
        }
    }
}

fn der_unknown<T>(r: Result<T, crate::error::DerError>) -> Result<T, Error> {
    r.map_err(|_| unknown("the OCSP response is not DER of RFC 6960's form"))
}

fn gtime(t: &Tlv<'_>) -> Result<UnixTime, Error> {
    if t.tag != 0x18 {
        return Err(unknown("an OCSP time is not a GeneralizedTime"));
    }
    der_unknown(time(t)).map(UnixTime::from_secs)
}

/// A SingleResponse's CertID matches `id` (SHA-1 or SHA-256 hashes).
fn matches(certid: &Tlv<'_>, id: &CertId) -> Result<bool, Error> {
    let mut r = certid.reader();
    let alg = der_unknown(r.expect(0x30, "hashAlgorithm"))?;
    let name = der_unknown(r.expect(0x04, "issuerNameHash"))?;
    let key = der_unknown(r.expect(0x04, "issuerKeyHash"))?;
    let serial = der_unknown(r.expect(0x02, "serialNumber"))?;
    let alg_oid = der_unknown(alg.reader().expect(0x06, "hash OID"))?;
    let (n, k): (&[u8], &[u8]) = match Oid::from_bytes(alg_oid.content) {
        Ok(SHA1) => (&id.sha1_name, &id.sha1_key),
        Ok(SHA256) => (&id.sha256_name, &id.sha256_key),
        _ => return Ok(false),
    };
    let ours = id
        .serial
        .iter()
        .position(|&b| b != 0)
        .and_then(|i| id.serial.get(i..))
        .unwrap_or(&[]);
    Ok(name.content == n && key.content == k && der_unknown(unsigned(&serial))? == ours)
}

/// Checks the responder's `der` for `req` (which names the certificate) from the
/// certificate's `issuer` under `c`.
pub fn check_response(
    der: &[u8],
    req: &OcspRequest,
    issuer: &Cert,
    c: &OcspCheck,
) -> Result<OcspAnswer, Error> {
    if der.len() > MAX_RESPONSE {
        return Err(unknown("the OCSP response is over 256 KiB"));
    }
    let mut top = Reader::new(der);
    let resp = der_unknown(top.expect(0x30, "OCSPResponse"))?;
    der_unknown(top.finish("trailing data"))?;
    let mut r = resp.reader();
    let status = der_unknown(r.expect(0x0a, "responseStatus"))?;
    if status.content != [0] {
        return Err(unknown("the OCSP responder did not answer successfully"));
    }
    let bytes = der_unknown(r.expect(0xa0, "responseBytes"))?;
    let mut br = der_unknown(bytes.reader().expect(0x30, "ResponseBytes"))?.reader();
    let rtype = der_unknown(br.expect(0x06, "responseType"))?;
    if Oid::from_bytes(rtype.content) != Ok(OCSP_BASIC) {
        return Err(unknown("the OCSP response is not id-pkix-ocsp-basic"));
    }
    let basic_der = der_unknown(br.expect(0x04, "response"))?.content;

    let mut b = Reader::new(basic_der);
    let basic = der_unknown(b.expect(0x30, "BasicOCSPResponse"))?;
    der_unknown(b.finish("trailing data"))?;
    let mut br = basic.reader();
    let tbs = der_unknown(br.expect(0x30, "tbsResponseData"))?;
    let tbs_der = basic_der
        .get(tbs.offset..tbs.end())
        .ok_or_else(|| unknown("the OCSP response is truncated"))?;
    let alg = der_unknown(br.expect(0x30, "signatureAlgorithm"))?;
    let alg_der = basic_der.get(alg.offset..alg.end()).unwrap_or(&[]);
    let sig_alg = AlgorithmIdentifierOwned::from_der(alg_der)
        .map_err(|_| unknown("the OCSP signature algorithm does not parse"))?;
    let sig = der_unknown(br.expect(0x03, "signature"))?;
    let sig = match sig.content.split_first() {
        Some((0, rest)) => rest,
        _ => return Err(unknown("the OCSP signature has unused bits")),
    };
    let mut certs = Vec::new();
    if br.peek_tag() == Some(0xa0) {
        let wrap = der_unknown(br.read())?;
        let seq = der_unknown(wrap.reader().expect(0x30, "certs"))?;
        let mut cr = seq.reader();
        while !cr.is_empty() {
            let t = der_unknown(cr.read())?;
            let raw = basic_der.get(t.offset..t.end()).unwrap_or(&[]);
            if let Ok(cert) = Cert::from_der(raw) {
                certs.push(cert);
            }
        }
    }

    // ResponseData.
    let mut tr = tbs.reader();
    if tr.peek_tag() == Some(0xa0) {
        let v = der_unknown(tr.read())?;
        if v.content != [0x02, 0x01, 0x00] {
            return Err(unknown("an OCSP response version other than v1"));
        }
    }
    let responder_id = der_unknown(tr.read())?;
    let produced_at = gtime(&der_unknown(tr.read())?)?;
    let responses = der_unknown(tr.expect(0x30, "responses"))?;
    let mut extensions = None;
    if tr.peek_tag() == Some(0xa1) {
        extensions = Some(der_unknown(tr.read())?);
    }

    // Who signed: the issuer, or a delegated responder the issuer certified. The
    // responderID (§4.2.2.3) is read once; each candidate is compared with it.
    enum Named<'r> {
        ByName(x509_cert::name::Name),
        ByKey(&'r [u8]),
    }
    let named = match responder_id.tag {
        0xa1 => {
            let inner = der_unknown(responder_id.reader().expect(0x30, "byName"))?;
            let raw = basic_der.get(inner.offset..inner.end()).unwrap_or(&[]);
            Named::ByName(
                x509_cert::name::Name::from_der(raw)
                    .map_err(|_| unknown("the OCSP responderID name does not parse"))?,
            )
        }
        0xa2 => Named::ByKey(der_unknown(responder_id.reader().expect(0x04, "byKey"))?.content),
        _ => return Err(unknown("the OCSP responderID is neither byName nor byKey")),
    };
    let names_signer = |signer: &Cert| -> Result<bool, Error> {
        match &named {
            Named::ByName(name) => Ok(name_eq(name, signer.subject())),
            Named::ByKey(hash) => {
                Ok(*hash == sha1::Sha1::digest(issuer_key_bits(signer)?).as_slice())
            }
        }
    };
    let verify = |signer: &Cert| {
        crate::alg::verify_with_spki(
            c.backend,
            signer.spki_der(),
            &sig_alg,
            None,
            tbs_der,
            sig,
            "OCSP response",
        )
    };
    let responder = if names_signer(issuer)? {
        verify(issuer).map_err(|_| unknown("the OCSP response's signature does not verify"))?;
        Responder::Issuer
    } else {
        let delegate = certs
            .iter()
            .find(|d| names_signer(d).unwrap_or(false))
            .ok_or_else(|| {
                unknown(
                    "the OCSP response is signed by neither the issuer nor a responder it names",
                )
            })?;
        if !name_eq(delegate.issuer(), issuer.subject())
            || delegate
                .verify_signed_by(c.backend, issuer.spki_der())
                .is_err()
        {
            return Err(unknown(
                "the OCSP responder's certificate is not from the issuer",
            ));
        }
        if !delegate
            .extended_key_usage()
            .is_some_and(|(ekus, _)| ekus.contains(&KP_OCSP_SIGNING))
        {
            return Err(unknown(
                "the OCSP responder's certificate lacks id-kp-OCSPSigning",
            ));
        }
        if c.at < delegate.not_before() || c.at > delegate.not_after() {
            return Err(unknown(
                "the OCSP responder's certificate is not valid at the time",
            ));
        }
        verify(delegate).map_err(|_| unknown("the OCSP response's signature does not verify"))?;
        Responder::Delegated
    };

    // The nonce, when one was sent (§4.4.1).
    if let Some(sent) = &req.nonce {
        let mut echoed = None;
        if let Some(ext) = extensions {
            let list = der_unknown(ext.reader().expect(0x30, "responseExtensions"))?;
            let mut lr = list.reader();
            while !lr.is_empty() {
                let e = der_unknown(lr.expect(0x30, "Extension"))?;
                let mut er = e.reader();
                let id = der_unknown(er.expect(0x06, "extnID"))?;
                if er.peek_tag() == Some(0x01) {
                    der_unknown(er.read())?;
                }
                let value = der_unknown(er.expect(0x04, "extnValue"))?;
                if Oid::from_bytes(id.content) == Ok(OCSP_NONCE) {
                    echoed = Some(value.content);
                }
            }
        }
        let expected = tlv(0x04, sent);
        // Some responders echo the bare nonce; RFC 8954 wraps it in an OCTET STRING.
        if !echoed.is_some_and(|e| e == expected.as_slice() || e == sent.as_slice()) {
            return Err(unknown(
                "the OCSP response does not echo the request's nonce",
            ));
        }
    }

    // The SingleResponse for this certificate.
    let mut rr = responses.reader();
    while !rr.is_empty() {
        let single = der_unknown(rr.expect(0x30, "SingleResponse"))?;
        let mut sr = single.reader();
        let certid = der_unknown(sr.expect(0x30, "certID"))?;
        if !matches(&certid, &req.id)? {
            continue;
        }
        let status_tlv = der_unknown(sr.read())?;
        let this_update = gtime(&der_unknown(sr.read())?)?;
        let mut next_update = None;
        if sr.peek_tag() == Some(0xa0) {
            let n = der_unknown(sr.read())?;
            next_update = Some(gtime(&der_unknown(n.reader().read())?)?);
        }
        if this_update > c.at.saturating_add(c.skew) {
            return Err(unknown("the OCSP response is from the future (thisUpdate)"));
        }
        match next_update {
            Some(n) if n < this_update => {
                return Err(unknown(
                    "the OCSP response's nextUpdate is before its thisUpdate",
                ));
            }
            Some(n) if c.at > n.saturating_add(c.skew) => {
                return Err(unknown("the OCSP response is stale (past nextUpdate)"));
            }
            None if c.at > this_update.saturating_add(c.max_age) => {
                return Err(unknown("the OCSP response without nextUpdate is too old"));
            }
            _ => {}
        }
        let status = match status_tlv.tag {
            0x80 if status_tlv.content.is_empty() => OcspStatus::Good,
            0xa1 => {
                let mut ri = status_tlv.reader();
                let revoked_at = gtime(&der_unknown(ri.read())?)?;
                let mut reason = RevocationReason::Unspecified;
                if ri.peek_tag() == Some(0xa0) {
                    let w = der_unknown(ri.read())?;
                    let e = der_unknown(w.reader().expect(0x0a, "CRLReason"))?;
                    let code = match e.content {
                        [c] => u32::from(*c),
                        _ => return Err(unknown("an OCSP revocation reason out of range")),
                    };
                    reason = RevocationReason::from_code(code)
                        .ok_or_else(|| unknown("an OCSP revocation reason out of range"))?;
                }
                OcspStatus::Revoked { revoked_at, reason }
            }
            0x82 if status_tlv.content.is_empty() => OcspStatus::Unknown,
            _ => return Err(unknown("an OCSP certStatus of no known form")),
        };
        return Ok(OcspAnswer {
            status,
            this_update,
            next_update,
            produced_at,
            responder,
        });
    }
    Err(unknown(
        "the OCSP response says nothing about this certificate",
    ))
}

/// The OCSP responder URLs in a certificate's authorityInfoAccess (RFC 5280 §4.2.2.1,
/// id-ad-ocsp), for `--ocsp aia`.
pub fn aia_ocsp_urls(cert: &Cert) -> Vec<String> {
    use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;
    use x509_cert::ext::pkix::name::GeneralName;
    const AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
    let Some(exts) = cert.x509().tbs_certificate().extensions() else {
        return Vec::new();
    };
    exts.iter()
        .filter(|e| e.extn_id == crate::oid::PE_AIA)
        .filter_map(|e| AuthorityInfoAccessSyntax::from_der(e.extn_value.as_bytes()).ok())
        .flat_map(|aia| aia.0.into_iter())
        .filter(|ad| ad.access_method == AD_OCSP)
        .filter_map(|ad| match ad.access_location {
            GeneralName::UniformResourceIdentifier(u) => Some(u.as_str().into()),
            _ => None,
        })
        .collect()
}
