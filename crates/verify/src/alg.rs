//! Signature algorithms and their verification, over a message or over a digest
//! computed earlier (a CRL's signed bytes are hashed while they stream in, RFC 5280
//! §5.1.1.3), with a choice of backend.
//!
//! One table ([`scheme`]) maps an AlgorithmIdentifier to a [`Scheme`]:
//! RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2; RFC 4055 §5 OIDs), RSASSA-PSS (RFC 8017 §8.1.2;
//! RFC 4055 §3.1 parameters: SHA-256/384/512, MGF1 with the same hash, trailer field 1)
//! and ECDSA (RFC 5758 §3.2: `ecdsa-with-SHA256/384/512`, DER `Ecdsa-Sig-Value`) on
//! P-256, P-384 and P-521 (RFC 5480 §2.1.1.1 named curves). Anything else is
//! [`Error::UnsupportedAlgorithm`] with its OID, never a bad signature; a key that cannot
//! make the scheme (an EC key under an RSA algorithm) is a bad signature.
//!
//! The default backend is pure Rust (`rsa`, `p256`/`p384`/`p521`; it also builds for
//! wasm32); the `aws-lc` feature adds [`Backend::AwsLc`], AWS-LC through `aws-lc-rs`, for
//! servers (RSA-PSS with a salt other than the hash length, which aws-lc-rs does not
//! offer, runs on the pure-Rust code). Both backends are run against the same
//! Wycheproof vectors and chain tests.

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

    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
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

/// A signature scheme of the table, with everything its verification needs besides
/// the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5 with this hash (RFC 8017 §8.2).
    RsaPkcs1v15(HashAlg),
    /// RSASSA-PSS (RFC 8017 §8.1) with this hash, MGF1 with the same hash, and this salt
    /// length in bytes.
    RsaPss {
        /// The message hash (and MGF1's).
        hash: HashAlg,
        /// The salt length (RFC 4055 §3.1 `saltLength`).
        salt_len: usize,
    },
    /// ECDSA with this hash (FIPS 186-5 §6.4.2), the signature a DER `Ecdsa-Sig-Value`
    /// (RFC 3279 §2.2.3).
    Ecdsa(HashAlg),
}

impl Scheme {
    /// The hash of the signed bytes.
    pub fn hash(self) -> HashAlg {
        match self {
            Scheme::RsaPkcs1v15(h) | Scheme::RsaPss { hash: h, .. } | Scheme::Ecdsa(h) => h,
        }
    }
}

fn unsupported(o: &ObjectIdentifier) -> Error {
    Error::UnsupportedAlgorithm {
        algorithm: alloc::format!("{o}"),
    }
}

/// `RSASSA-PSS-params` (RFC 4055 §3.1); every field has a DEFAULT (SHA-1, MGF1 with
/// SHA-1, 20, 1).
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u32>,
}

/// The PSS scheme of `RSASSA-PSS-params`. SHA-1 (the default hash and MGF hash) and a
/// mask hash other than the message hash are unsupported; a trailer field other than 1
/// is malformed (RFC 4055 §3.1: "MUST be 1").
fn pss_scheme(sig_alg: &AlgorithmIdentifierOwned) -> Result<Scheme, Error> {
    let bad = |d: &str| Error::malformed("RSASSA-PSS parameters", d);
    let params = sig_alg
        .parameters
        .as_ref()
        .ok_or_else(|| bad("absent (the SHA-1 defaults are not supported)"))?;
    let p: PssParams = params
        .decode_as()
        .map_err(|e| Error::malformed("RSASSA-PSS parameters", e))?;
    let sha1 = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
    let hash_alg = p.hash.as_ref().ok_or_else(|| unsupported(&sha1))?;
    if !params_absent_or_null(hash_alg) {
        return Err(bad("hash parameters must be NULL or absent"));
    }
    let hash = HashAlg::from_digest_oid(&hash_alg.oid).ok_or_else(|| unsupported(&hash_alg.oid))?;
    let mgf = p.mask_gen.as_ref().ok_or_else(|| unsupported(&oid::MGF1))?;
    if mgf.oid != oid::MGF1 {
        return Err(unsupported(&mgf.oid));
    }
    let mgf_hash: AlgorithmIdentifierOwned = mgf
        .parameters
        .as_ref()
        .ok_or_else(|| bad("MGF1 without its hash"))?
        .decode_as()
        .map_err(|e| Error::malformed("RSASSA-PSS MGF1 hash", e))?;
    if mgf_hash.oid != hash_alg.oid {
        return Err(unsupported(&mgf_hash.oid));
    }
    if p.trailer.is_some_and(|t| t != 1) {
        return Err(bad("trailerField must be 1"));
    }
    let salt_len = usize::try_from(p.salt_len.unwrap_or(20)).map_err(|_| bad("saltLength"))?;
    Ok(Scheme::RsaPss { hash, salt_len })
}

/// The table: maps a signature AlgorithmIdentifier (RFC 4055 §5
/// `sha256WithRSAEncryption` …, RFC 4055 §3.1 `id-RSASSA-PSS`, RFC 5758 §3.2
/// `ecdsa-with-SHA256` …) to its [`Scheme`]. `rsaEncryption` alone (used in CMS
/// signerInfos, RFC 3370 §3.2) takes the digest from `digest_alg`.
pub fn scheme(
    sig_alg: &AlgorithmIdentifierOwned,
    digest_alg: Option<&AlgorithmIdentifierOwned>,
) -> Result<Scheme, Error> {
    let pkcs1 = |h: HashAlg| {
        if params_absent_or_null(sig_alg) {
            Ok(Scheme::RsaPkcs1v15(h))
        } else {
            Err(Error::malformed(
                "signature algorithm",
                "RSA PKCS#1 v1.5 parameters must be NULL or absent",
            ))
        }
    };
    let ecdsa = |h: HashAlg| {
        // RFC 5758 §3.2: "the encoding MUST omit the parameters field".
        if sig_alg.parameters.is_none() {
            Ok(Scheme::Ecdsa(h))
        } else {
            Err(Error::malformed(
                "signature algorithm",
                "ECDSA parameters must be absent",
            ))
        }
    };
    match sig_alg.oid {
        oid::SHA256_WITH_RSA => pkcs1(HashAlg::Sha256),
        oid::SHA384_WITH_RSA => pkcs1(HashAlg::Sha384),
        oid::SHA512_WITH_RSA => pkcs1(HashAlg::Sha512),
        oid::RSA_ENCRYPTION => {
            let d = digest_alg.ok_or_else(|| unsupported(&sig_alg.oid))?;
            pkcs1(HashAlg::from_digest_oid(&d.oid).ok_or_else(|| unsupported(&d.oid))?)
        }
        oid::RSASSA_PSS => pss_scheme(sig_alg),
        oid::ECDSA_WITH_SHA256 => ecdsa(HashAlg::Sha256),
        oid::ECDSA_WITH_SHA384 => ecdsa(HashAlg::Sha384),
        oid::ECDSA_WITH_SHA512 => ecdsa(HashAlg::Sha512),
        ref o => Err(unsupported(o)),
    }
}

/// The hash of the bytes signed under `sig_alg` ([`scheme`]'s).
pub(crate) fn signature_hash(
    sig_alg: &AlgorithmIdentifierOwned,
    digest_alg: Option<&AlgorithmIdentifierOwned>,
) -> Result<HashAlg, Error> {
    scheme(sig_alg, digest_alg).map(Scheme::hash)
}

/// A named elliptic curve (RFC 5480 §2.1.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    /// secp256r1.
    P256,
    /// secp384r1 (the next-generation card's, FACTS §10).
    P384,
    /// secp521r1.
    P521,
}

/// A public key the table can use, from a SubjectPublicKeyInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// An RSA key: the PKCS#1 `RSAPublicKey` DER; `pss_only` when the SPKI says
    /// `id-RSASSA-PSS` (RFC 4055 §1.2: the key may be used for PSS only).
    Rsa {
        /// `RSAPublicKey` DER.
        pkcs1: Vec<u8>,
        /// Restricted to RSASSA-PSS.
        pss_only: bool,
    },
    /// An EC key on a named curve: the SEC 1 point (RFC 5480 §2.2).
    Ec {
        /// The curve.
        curve: Curve,
        /// The encoded point.
        point: Vec<u8>,
    },
}

/// The key of a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): `rsaEncryption` (RFC 3279
/// §2.3.1), `id-RSASSA-PSS` (RFC 4055 §1.2) or `id-ecPublicKey` with a named curve (RFC
/// 5480 §2.1.1; `ecParameters` and `implicitCurve` are unsupported).
pub fn public_key(spki_der: &[u8]) -> Result<PublicKey, Error> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| Error::malformed("subjectPublicKeyInfo", e))?;
    let bits = spki
        .subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| Error::malformed("subjectPublicKeyInfo", "unused bits in key"))?;
    match spki.algorithm.oid {
        oid::RSA_ENCRYPTION => Ok(PublicKey::Rsa {
            pkcs1: bits,
            pss_only: false,
        }),
        oid::RSASSA_PSS => Ok(PublicKey::Rsa {
            pkcs1: bits,
            pss_only: true,
        }),
        oid::EC_PUBLIC_KEY => {
            let named = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or_else(|| unsupported(&oid::EC_PUBLIC_KEY))?;
            let curve = match named {
                oid::SECP256R1 => Curve::P256,
                oid::SECP384R1 => Curve::P384,
                oid::SECP521R1 => Curve::P521,
                ref o => return Err(unsupported(o)),
            };
            Ok(PublicKey::Ec { curve, point: bits })
        }
        ref o => Err(unsupported(o)),
    }
}

/// Extracts the PKCS#1 `RSAPublicKey` from a DER SubjectPublicKeyInfo with algorithm
/// `rsaEncryption` (RFC 3279 §2.3.1).
pub fn rsa_key_from_spki(spki_der: &[u8]) -> Result<Vec<u8>, Error> {
    match public_key(spki_der)? {
        PublicKey::Rsa {
            pkcs1,
            pss_only: false,
        } => Ok(pkcs1),
        _ => {
            let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
                .map_err(|e| Error::malformed("subjectPublicKeyInfo", e))?;
            Err(unsupported(&spki.algorithm.oid))
        }
    }
}

/// What was signed: the bytes, or their digest under the scheme's hash.
#[derive(Clone, Copy)]
enum Signed<'a> {
    Message(&'a [u8]),
    Digest(&'a [u8]),
}

impl Signed<'_> {
    fn digest(self, hash: HashAlg) -> Vec<u8> {
        match self {
            Signed::Message(m) => hash.digest(m),
            Signed::Digest(d) => d.to_vec(),
        }
    }
}

/// Verifies `signature` over `signed` with `key` under `scheme`.
fn verify_scheme(
    backend: Backend,
    key: &PublicKey,
    scheme: Scheme,
    signed: Signed<'_>,
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let bad = || Error::BadSignature { what };
    match (key, scheme) {
        (
            PublicKey::Rsa {
                pkcs1,
                pss_only: false,
            },
            Scheme::RsaPkcs1v15(hash),
        ) => rsa_pkcs1(backend, pkcs1, hash, signed, signature, what),
        (PublicKey::Rsa { pkcs1, .. }, Scheme::RsaPss { hash, salt_len }) => {
            rsa_pss(backend, pkcs1, hash, salt_len, signed, signature, what)
        }
        (PublicKey::Ec { curve, point }, Scheme::Ecdsa(hash)) => {
            let digest = signed.digest(hash);
            if digest.len() != hash.output_len() {
                return Err(bad());
            }
            ecdsa_verify(backend, *curve, point, hash, &digest, signature, what)
        }
        // The key cannot have made a signature of this kind.
        _ => Err(bad()),
    }
}

fn rsa_pkcs1(
    backend: Backend,
    public_key: &[u8],
    hash: HashAlg,
    signed: Signed<'_>,
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let bad = || Error::BadSignature { what };
    match backend {
        Backend::RustCrypto => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            let key = rsa::PublicKey::from_pkcs1_der(public_key)
                .map_err(|e| Error::malformed("RSA public key", e))?;
            let digest = signed.digest(hash);
            let r = match hash {
                HashAlg::Sha256 => {
                    key.pkcs1v15_verify_prehash::<rsa::sha2::Sha256>(&digest, signature)
                }
                HashAlg::Sha384 => {
                    key.pkcs1v15_verify_prehash::<rsa::sha2::Sha384>(&digest, signature)
                }
                HashAlg::Sha512 => {
                    key.pkcs1v15_verify_prehash::<rsa::sha2::Sha512>(&digest, signature)
                }
            };
            r.map_err(|_| bad())
        }
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => {
            use aws_lc_rs::signature as s;
            let alg = match hash {
                HashAlg::Sha256 => &s::RSA_PKCS1_2048_8192_SHA256,
                HashAlg::Sha384 => &s::RSA_PKCS1_2048_8192_SHA384,
                HashAlg::Sha512 => &s::RSA_PKCS1_2048_8192_SHA512,
            };
            awslc_verify(alg, public_key, hash, signed, signature).map_err(|_| bad())
        }
    }
}

fn rsa_pss(
    backend: Backend,
    public_key: &[u8],
    hash: HashAlg,
    salt_len: usize,
    signed: Signed<'_>,
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let bad = || Error::BadSignature { what };
    #[cfg(feature = "aws-lc")]
    if backend == Backend::AwsLc && salt_len == hash.output_len() {
        use aws_lc_rs::signature as s;
        let alg = match hash {
            HashAlg::Sha256 => &s::RSA_PSS_2048_8192_SHA256,
            HashAlg::Sha384 => &s::RSA_PSS_2048_8192_SHA384,
            HashAlg::Sha512 => &s::RSA_PSS_2048_8192_SHA512,
        };
        return awslc_verify(alg, public_key, hash, signed, signature).map_err(|_| bad());
    }
    let _ = backend;
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::signature::hazmat::PrehashVerifier;
    let key = rsa::PublicKey::from_pkcs1_der(public_key)
        .map_err(|e| Error::malformed("RSA public key", e))?;
    let sig = rsa::pss::Signature::try_from(signature).map_err(|_| bad())?;
    let digest = signed.digest(hash);
    let r = match hash {
        HashAlg::Sha256 => {
            rsa::pss::VerifyingKey::<rsa::sha2::Sha256>::new_with_salt_len(key, salt_len)
                .verify_prehash(&digest, &sig)
        }
        HashAlg::Sha384 => {
            rsa::pss::VerifyingKey::<rsa::sha2::Sha384>::new_with_salt_len(key, salt_len)
                .verify_prehash(&digest, &sig)
        }
        HashAlg::Sha512 => {
            rsa::pss::VerifyingKey::<rsa::sha2::Sha512>::new_with_salt_len(key, salt_len)
                .verify_prehash(&digest, &sig)
        }
    };
    r.map_err(|_| bad())
}

fn ecdsa_verify(
    backend: Backend,
    curve: Curve,
    point: &[u8],
    hash: HashAlg,
    digest: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let bad = || Error::BadSignature { what };
    match backend {
        Backend::RustCrypto => {
            use ecdsa::signature::hazmat::PrehashVerifier;
            let _ = hash;
            let key_err = |e: ecdsa::Error| Error::malformed("EC public key", e);
            let ok = match curve {
                Curve::P256 => {
                    let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(key_err)?;
                    let s = p256::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
                    k.verify_prehash(digest, &s).is_ok()
                }
                Curve::P384 => {
                    let k = p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(key_err)?;
                    let s = p384::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
                    k.verify_prehash(digest, &s).is_ok()
                }
                Curve::P521 => {
                    let k = p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(key_err)?;
                    let s = p521::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
                    k.verify_prehash(digest, &s).is_ok()
                }
            };
            if ok { Ok(()) } else { Err(bad()) }
        }
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => {
            use aws_lc_rs::signature as s;
            let alg = match (curve, hash) {
                (Curve::P256, HashAlg::Sha256) => &s::ECDSA_P256_SHA256_ASN1,
                (Curve::P256, HashAlg::Sha384) => &s::ECDSA_P256_SHA384_ASN1,
                (Curve::P256, HashAlg::Sha512) => &s::ECDSA_P256_SHA512_ASN1,
                (Curve::P384, HashAlg::Sha256) => &s::ECDSA_P384_SHA256_ASN1,
                (Curve::P384, HashAlg::Sha384) => &s::ECDSA_P384_SHA384_ASN1,
                (Curve::P384, HashAlg::Sha512) => &s::ECDSA_P384_SHA512_ASN1,
                (Curve::P521, HashAlg::Sha256) => &s::ECDSA_P521_SHA256_ASN1,
                (Curve::P521, HashAlg::Sha384) => &s::ECDSA_P521_SHA384_ASN1,
                (Curve::P521, HashAlg::Sha512) => &s::ECDSA_P521_SHA512_ASN1,
            };
            awslc_verify(alg, point, hash, Signed::Digest(digest), signature).map_err(|_| bad())
        }
    }
}

/// Keys AWS-LC has parsed, by algorithm and key bytes: a relying party sees the same
/// few CA and signer keys again and again, and parsing an RSA key costs about a third of
/// a verification. Bounded (emptied when full); a hash collision only costs a parse.
#[cfg(feature = "aws-lc")]
fn awslc_key(
    alg: &'static dyn aws_lc_rs::signature::VerificationAlgorithm,
    public_key: &[u8],
) -> Result<alloc::sync::Arc<aws_lc_rs::signature::ParsedPublicKey>, aws_lc_rs::error::Unspecified>
{
    use alloc::sync::Arc;
    use aws_lc_rs::signature::ParsedPublicKey;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Keys = Mutex<HashMap<(usize, u64), (Vec<u8>, Arc<ParsedPublicKey>)>>;
    const MAX_KEYS: usize = 4096;
    static KEYS: OnceLock<Keys> = OnceLock::new();
    let keys = KEYS.get_or_init(|| Mutex::new(HashMap::new()));
    let id = (
        alg as *const dyn aws_lc_rs::signature::VerificationAlgorithm as *const () as usize,
        xxhash_rust::xxh3::xxh3_64(public_key),
    );
    if let Ok(map) = keys.lock()
        && let Some((bytes, k)) = map.get(&id)
        && bytes.as_slice() == public_key
    {
        return Ok(k.clone());
    }
    let k =
        Arc::new(ParsedPublicKey::new(alg, public_key).map_err(|_| aws_lc_rs::error::Unspecified)?);
    if let Ok(mut map) = keys.lock() {
        if map.len() >= MAX_KEYS {
            map.clear();
        }
        map.insert(id, (public_key.to_vec(), k.clone()));
    }
    Ok(k)
}

#[cfg(feature = "aws-lc")]
fn awslc_verify(
    alg: &'static dyn aws_lc_rs::signature::VerificationAlgorithm,
    public_key: &[u8],
    hash: HashAlg,
    signed: Signed<'_>,
    signature: &[u8],
) -> Result<(), aws_lc_rs::error::Unspecified> {
    use aws_lc_rs::digest as d;
    let key = awslc_key(alg, public_key)?;
    match signed {
        Signed::Message(m) => key.verify_sig(m, signature),
        Signed::Digest(g) => {
            let dalg = match hash {
                HashAlg::Sha256 => &d::SHA256,
                HashAlg::Sha384 => &d::SHA384,
                HashAlg::Sha512 => &d::SHA512,
            };
            key.verify_digest_sig(&d::Digest::import_less_safe(g, dalg)?, signature)
        }
    }
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
    rsa_pkcs1(
        backend,
        public_key,
        hash,
        Signed::Message(message),
        signature,
        what,
    )
}

/// Verifies a signature under any [`Scheme`] of the table with the key in the DER
/// SubjectPublicKeyInfo `spki_der` over `message` (the Wycheproof tests and callers
/// that know the scheme already).
pub fn verify_message(
    backend: Backend,
    spki_der: &[u8],
    scheme: Scheme,
    message: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let key = public_key(spki_der)?;
    verify_scheme(
        backend,
        &key,
        scheme,
        Signed::Message(message),
        signature,
        what,
    )
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
        Backend::AwsLc => awslc_key(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            public_key,
        )
        .and_then(|k| k.verify_sig(message, signature))
        .map_err(|_| bad()),
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
    let scheme = scheme(sig_alg, digest_alg)?;
    let key = public_key(spki_der)?;
    verify_scheme(
        backend,
        &key,
        scheme,
        Signed::Digest(digest),
        signature,
        what,
    )
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
    verify_message(
        backend,
        spki_der,
        scheme(sig_alg, digest_alg)?,
        message,
        signature,
        what,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use der::Encode;
    use der::asn1::Any;

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = alloc::vec![tag];
        if body.len() < 0x80 {
            v.push(body.len() as u8);
        } else {
            v.push(0x81);
            v.push(body.len() as u8);
        }
        v.extend_from_slice(body);
        v
    }

    fn oid_der(o: &ObjectIdentifier) -> Vec<u8> {
        o.to_der().unwrap()
    }

    fn alg_id(o: ObjectIdentifier, params: Option<&[u8]>) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: o,
            parameters: params.map(|p| Any::from_der(p).unwrap()),
        }
    }

    fn hash_id(o: &ObjectIdentifier) -> Vec<u8> {
        tlv(0x30, &[oid_der(o), alloc::vec![0x05, 0x00]].concat())
    }

    /// RSASSA-PSS-params with explicit hash, MGF1(mgf_hash), salt and trailer.
    fn pss(
        hash: Option<&ObjectIdentifier>,
        mgf: Option<&ObjectIdentifier>,
        salt: Option<u8>,
        trailer: Option<u8>,
    ) -> Vec<u8> {
        let mut body = Vec::new();
        if let Some(h) = hash {
            body.extend(tlv(0xa0, &hash_id(h)));
        }
        if let Some(m) = mgf {
            body.extend(tlv(
                0xa1,
                &tlv(0x30, &[oid_der(&oid::MGF1), hash_id(m)].concat()),
            ));
        }
        if let Some(s) = salt {
            body.extend(tlv(0xa2, &[0x02, 0x01, s]));
        }
        if let Some(t) = trailer {
            body.extend(tlv(0xa3, &[0x02, 0x01, t]));
        }
        tlv(0x30, &body)
    }

    #[test]
    fn the_table() {
        let null = [0x05u8, 0x00];
        assert_eq!(
            scheme(&alg_id(oid::SHA384_WITH_RSA, Some(&null)), None).unwrap(),
            Scheme::RsaPkcs1v15(HashAlg::Sha384)
        );
        assert_eq!(
            scheme(&alg_id(oid::ECDSA_WITH_SHA384, None), None).unwrap(),
            Scheme::Ecdsa(HashAlg::Sha384)
        );
        assert_eq!(
            scheme(&alg_id(oid::ECDSA_WITH_SHA256, Some(&null)), None)
                .unwrap_err()
                .code(),
            "malformed"
        );
        let p = pss(Some(&oid::SHA256), Some(&oid::SHA256), Some(32), None);
        assert_eq!(
            scheme(&alg_id(oid::RSASSA_PSS, Some(&p)), None).unwrap(),
            Scheme::RsaPss {
                hash: HashAlg::Sha256,
                salt_len: 32
            }
        );
        // Salt 20 by default; trailer 1 written out is accepted.
        let p = pss(Some(&oid::SHA512), Some(&oid::SHA512), None, Some(1));
        assert_eq!(
            scheme(&alg_id(oid::RSASSA_PSS, Some(&p)), None).unwrap(),
            Scheme::RsaPss {
                hash: HashAlg::Sha512,
                salt_len: 20
            }
        );
        let unsupported = |a: &AlgorithmIdentifierOwned| match scheme(a, None).unwrap_err() {
            Error::UnsupportedAlgorithm { algorithm } => algorithm,
            e => panic!("{e:?}"),
        };
        // SHA-1 by default, a mask hash other than the message hash, an unknown OID.
        let p = pss(None, None, None, None);
        assert_eq!(
            unsupported(&alg_id(oid::RSASSA_PSS, Some(&p))),
            "1.3.14.3.2.26"
        );
        let p = pss(Some(&oid::SHA256), Some(&oid::SHA384), Some(32), None);
        assert_eq!(
            unsupported(&alg_id(oid::RSASSA_PSS, Some(&p))),
            oid::SHA384.to_string()
        );
        let ed25519 = ObjectIdentifier::new_unwrap("1.3.101.112");
        assert_eq!(unsupported(&alg_id(ed25519, None)), "1.3.101.112");
        // Malformed parameters are malformed, not unsupported.
        let p = pss(Some(&oid::SHA256), Some(&oid::SHA256), Some(32), Some(2));
        assert_eq!(
            scheme(&alg_id(oid::RSASSA_PSS, Some(&p)), None)
                .unwrap_err()
                .code(),
            "malformed"
        );
        assert_eq!(
            scheme(&alg_id(oid::RSASSA_PSS, None), None)
                .unwrap_err()
                .code(),
            "malformed"
        );
    }

    fn ec_spki(curve: &ObjectIdentifier, point: &[u8]) -> Vec<u8> {
        let alg = tlv(
            0x30,
            &[oid_der(&oid::EC_PUBLIC_KEY), oid_der(curve)].concat(),
        );
        let mut bits = alloc::vec![0u8];
        bits.extend_from_slice(point);
        tlv(0x30, &[alg, tlv(0x03, &bits)].concat())
    }

    #[test]
    fn keys_of_other_kinds_are_unsupported_and_mismatches_are_bad() {
        let secp256k1 = ObjectIdentifier::new_unwrap("1.3.132.0.10");
        match public_key(&ec_spki(&secp256k1, &[4; 65])).unwrap_err() {
            Error::UnsupportedAlgorithm { algorithm } => assert_eq!(algorithm, "1.3.132.0.10"),
            e => panic!("{e:?}"),
        }
        // A P-256 key (the generator point) under an RSA scheme: not a missing feature.
        let g = hex_literal(
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
             4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        );
        let spki = ec_spki(&oid::SECP256R1, &g);
        let e = verify_message(
            Backend::RustCrypto,
            &spki,
            Scheme::RsaPkcs1v15(HashAlg::Sha256),
            b"m",
            &[0; 256],
            "test",
        )
        .unwrap_err();
        assert_eq!(e.code(), "bad-signature");
        // Not a DER Ecdsa-Sig-Value: bad, not a panic.
        let e = verify_message(
            Backend::RustCrypto,
            &spki,
            Scheme::Ecdsa(HashAlg::Sha256),
            b"m",
            &[0x30, 0x00],
            "test",
        )
        .unwrap_err();
        assert_eq!(e.code(), "bad-signature");
        // A point that is not on the curve: the key is malformed.
        let mut off = g.clone();
        off[64] ^= 1;
        let e = verify_message(
            Backend::RustCrypto,
            &ec_spki(&oid::SECP256R1, &off),
            Scheme::Ecdsa(HashAlg::Sha256),
            b"m",
            &[0x30, 0x00],
            "test",
        )
        .unwrap_err();
        assert_eq!(e.code(), "malformed");
    }

    fn hex_literal(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
