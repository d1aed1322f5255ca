//! Signature algorithms and their verification: RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2)
//! with a choice of backend, over a message or over a digest computed earlier (a CRL's
//! signed bytes are hashed while they stream in, RFC 5280 §5.1.1.3).
//!
//! The default backend is the pure-Rust `rsa` crate (it also builds for wasm32); the
//! `aws-lc` feature adds [`Backend::AwsLc`], AWS-LC through `aws-lc-rs`, for servers.
//! Both backends are run against the same Wycheproof vectors and chain tests.

use alloc::vec::Vec;

use der::asn1::ObjectIdentifier;
use der::{Decode, Tagged};
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};

use crate::error::Error;
use crate::oid;

/// Which implementation performs the RSA public-key operation and padding check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// RustCrypto's `rsa` crate (default; pure Rust; wasm32).
    #[default]
    RustCrypto,
    /// AWS-LC through `aws-lc-rs` (feature `aws-lc`). Accepts moduli of 2048–8192 bits only.
    #[cfg(feature = "aws-lc")]
    AwsLc,
}

impl Backend {
    /// Every backend compiled into this build, default first.
    pub fn all() -> &'static [Backend] {
        &[
            Backend::RustCrypto,
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc,
        ]
    }
}

/// The digest inside a PKCS#1 v1.5 signature (and of CMS messageDigest, RFC 5652 §11.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The lowercase name, e.g. `sha256`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// The digest algorithm for a digest OID (RFC 5754 §2).
    pub fn from_digest_oid(o: &ObjectIdentifier) -> Option<Self> {
        match *o {
            oid::SHA256 => Some(Self::Sha256),
            oid::SHA384 => Some(Self::Sha384),
            oid::SHA512 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The digest OID (RFC 5754 §2).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha256 => oid::SHA256,
            Self::Sha384 => oid::SHA384,
            Self::Sha512 => oid::SHA512,
        }
    }
}

/// Parameters of a digest or RSA AlgorithmIdentifier must be absent or NULL (RFC 4055 §5,
/// RFC 5754 §2).
fn params_absent_or_null(alg: &AlgorithmIdentifierOwned) -> bool {
    match &alg.parameters {
        None => true,
        Some(any) => any.tag() == der::Tag::Null && any.value().is_empty(),
    }
}

/// Maps a signature AlgorithmIdentifier (RFC 4055 §5: `sha256WithRSAEncryption` …) to
/// its digest. `rsaEncryption` alone (used in CMS signerInfos, RFC 3370 §3.2) takes the
/// digest from `digest_alg`.
pub(crate) fn signature_hash(
    sig_alg: &AlgorithmIdentifierOwned,
    digest_alg: Option<&AlgorithmIdentifierOwned>,
) -> Result<HashAlg, Error> {
    let unsupported = |o: &ObjectIdentifier| Error::UnsupportedAlgorithm {
        algorithm: alloc::format!("{o}"),
    };
    if !params_absent_or_null(sig_alg) {
        return Err(Error::malformed(
            "signature algorithm",
            "RSA PKCS#1 v1.5 parameters must be NULL or absent",
        ));
    }
    match sig_alg.oid {
        oid::SHA256_WITH_RSA => Ok(HashAlg::Sha256),
        oid::SHA384_WITH_RSA => Ok(HashAlg::Sha384),
        oid::SHA512_WITH_RSA => Ok(HashAlg::Sha512),
        oid::RSA_ENCRYPTION => {
            let d = digest_alg.ok_or_else(|| unsupported(&sig_alg.oid))?;
            HashAlg::from_digest_oid(&d.oid).ok_or_else(|| unsupported(&d.oid))
        }
        ref o => Err(unsupported(o)),
    }
}

/// Extracts the PKCS#1 `RSAPublicKey` from a DER SubjectPublicKeyInfo with algorithm
/// `rsaEncryption` (RFC 3279 §2.3.1).
pub fn rsa_key_from_spki(spki_der: &[u8]) -> Result<Vec<u8>, Error> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| Error::malformed("subjectPublicKeyInfo", e))?;
    if spki.algorithm.oid != oid::RSA_ENCRYPTION {
        return Err(Error::UnsupportedAlgorithm {
            algorithm: alloc::format!("{}", spki.algorithm.oid),
        });
    }
    spki.subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| Error::malformed("subjectPublicKeyInfo", "unused bits in key"))
}

/// Verifies an RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.2) over `message` with the
/// PKCS#1 `RSAPublicKey` DER `public_key`.
///
/// Returns [`Error::BadSignature`] (`what` = `what`) when the signature does not verify and
/// [`Error::Malformed`] when the key cannot be parsed.
pub fn verify_pkcs1v15(
    backend: Backend,
    public_key: &[u8],
    hash: HashAlg,
    message: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    match backend {
        Backend::RustCrypto => rustcrypto_verify(public_key, hash, message, signature, what),
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => awslc_verify(public_key, hash, message, signature, what),
    }
}

fn rustcrypto_verify(
    public_key: &[u8],
    hash: HashAlg,
    message: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let key = rsa::PublicKey::from_pkcs1_der(public_key)
        .map_err(|e| Error::malformed("RSA public key", e))?;
    let r = match hash {
        HashAlg::Sha256 => key.pkcs1v15_verify::<rsa::sha2::Sha256>(message, signature),
        HashAlg::Sha384 => key.pkcs1v15_verify::<rsa::sha2::Sha384>(message, signature),
        HashAlg::Sha512 => key.pkcs1v15_verify::<rsa::sha2::Sha512>(message, signature),
    };
    r.map_err(|_| Error::BadSignature { what })
}

#[cfg(feature = "aws-lc")]
fn awslc_verify(
    public_key: &[u8],
    hash: HashAlg,
    message: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    use aws_lc_rs::signature;
    let alg = match hash {
        HashAlg::Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        HashAlg::Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        HashAlg::Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
    };
    signature::UnparsedPublicKey::new(alg, public_key)
        .verify(message, signature)
        .map_err(|_| Error::BadSignature { what })
}

/// Verifies an RSASSA-PKCS1-v1_5 signature with SHA-1 (RFC 8017 §8.2.2, §9.2 note 1)
/// over `message`: only for XML signatures of older e-Tax data and deduction
/// certificates (`rsa-sha1`, XMLDSig §6.4.2), never for certificates, CRLs or CMS.
pub fn verify_pkcs1v15_sha1_legacy(
    backend: Backend,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let bad = || Error::BadSignature { what };
    match backend {
        Backend::RustCrypto => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            let key = rsa::PublicKey::from_pkcs1_der(public_key)
                .map_err(|e| Error::malformed("RSA public key", e))?;
            key.pkcs1v15_verify::<sha1::Sha1>(message, signature)
                .map_err(|_| bad())
        }
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => {
            use aws_lc_rs::signature;
            signature::UnparsedPublicKey::new(
                &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                public_key,
            )
            .verify(message, signature)
            .map_err(|_| bad())
        }
    }
}

/// Verifies `signature` made with the key in the DER SubjectPublicKeyInfo `spki_der` under
/// the X.509 signature algorithm `sig_alg` (RFC 5280 §4.1.1.2) over `digest`, the
/// digest of the signed bytes under the hash [`signature_hash`] gives for `sig_alg`.
pub(crate) fn verify_prehashed(
    backend: Backend,
    spki_der: &[u8],
    sig_alg: &AlgorithmIdentifierOwned,
    digest_alg: Option<&AlgorithmIdentifierOwned>,
    digest: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let hash = signature_hash(sig_alg, digest_alg)?;
    let key = rsa_key_from_spki(spki_der)?;
    let bad = || Error::BadSignature { what };
    match backend {
        Backend::RustCrypto => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            let key = rsa::PublicKey::from_pkcs1_der(&key)
                .map_err(|e| Error::malformed("RSA public key", e))?;
            let r = match hash {
                HashAlg::Sha256 => {
                    key.pkcs1v15_verify_prehash::<rsa::sha2::Sha256>(digest, signature)
                }
                HashAlg::Sha384 => {
                    key.pkcs1v15_verify_prehash::<rsa::sha2::Sha384>(digest, signature)
                }
                HashAlg::Sha512 => {
                    key.pkcs1v15_verify_prehash::<rsa::sha2::Sha512>(digest, signature)
                }
            };
            r.map_err(|_| bad())
        }
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => {
            use aws_lc_rs::{digest as d, signature as s};
            let (alg, dalg) = match hash {
                HashAlg::Sha256 => (&s::RSA_PKCS1_2048_8192_SHA256, &d::SHA256),
                HashAlg::Sha384 => (&s::RSA_PKCS1_2048_8192_SHA384, &d::SHA384),
                HashAlg::Sha512 => (&s::RSA_PKCS1_2048_8192_SHA512, &d::SHA512),
            };
            let dg = d::Digest::import_less_safe(digest, dalg).map_err(|_| bad())?;
            s::UnparsedPublicKey::new(alg, &key)
                .verify_digest(&dg, signature)
                .map_err(|_| bad())
        }
    }
}

/// Verifies `signature` made with the key in the DER SubjectPublicKeyInfo `spki_der` under
/// the X.509 signature algorithm `sig_alg` (RFC 5280 §4.1.1.2).
pub(crate) fn verify_with_spki(
    backend: Backend,
    spki_der: &[u8],
    sig_alg: &AlgorithmIdentifierOwned,
    digest_alg: Option<&AlgorithmIdentifierOwned>,
    message: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let hash = signature_hash(sig_alg, digest_alg)?;
    let key = rsa_key_from_spki(spki_der)?;
    verify_pkcs1v15(backend, &key, hash, message, signature, what)
}
