//! DigestInfo, the structure the card signs (RFC 8017 §9.2, EMSA-PKCS1-v1_5).

use sha2::Digest;

/// A hash algorithm the card's PKCS#1 v1.5 signatures are used with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// The DER prefix of DigestInfo for this hash (RFC 8017 §9.2, note 1:
    /// "SHA-256: (0x)30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 || H").
    pub fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            HashAlg::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            HashAlg::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            HashAlg::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }

    /// The digest length in bytes.
    pub fn len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// Always false: a digest is never empty (present for API symmetry with `len`).
    pub fn is_empty(self) -> bool {
        false
    }

    /// The name used on the command line and in JSON (`sha256`, …).
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
        }
    }

    /// Parses `sha256`, `sha384`, `sha512` (also with a dash, any case).
    pub fn from_name(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "sha256" => Some(HashAlg::Sha256),
            "sha384" => Some(HashAlg::Sha384),
            "sha512" => Some(HashAlg::Sha512),
            _ => None,
        }
    }

    /// Hashes `data`.
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// A DER DigestInfo `SEQUENCE { AlgorithmIdentifier, OCTET STRING digest }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestInfo(Vec<u8>);

impl DigestInfo {
    /// Wraps a digest already computed. `None` if its length does not fit `alg`.
    pub fn from_digest(alg: HashAlg, digest: &[u8]) -> Option<Self> {
        if digest.len() != alg.len() {
            return None;
        }
        let mut v = alg.digest_info_prefix().to_vec();
        v.extend_from_slice(digest);
        Some(DigestInfo(v))
    }

    /// Hashes `data` and wraps the digest.
    pub fn of_data(alg: HashAlg, data: &[u8]) -> Self {
        let mut v = alg.digest_info_prefix().to_vec();
        v.extend_from_slice(&alg.hash(data));
        DigestInfo(v)
    }

    /// SHA-256 of `data`, wrapped: [`DigestInfo::of_data`] with [`HashAlg::Sha256`]
    /// without linking the other hashes (the browser's signer uses only this one).
    pub fn sha256(data: &[u8]) -> Self {
        let mut v = HashAlg::Sha256.digest_info_prefix().to_vec();
        v.extend_from_slice(&sha2::Sha256::digest(data));
        DigestInfo(v)
    }

    /// The DER bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_shortcut_is_of_data_with_sha256() {
        for data in [&b""[..], b"abc", &[0u8; 200]] {
            assert_eq!(
                DigestInfo::sha256(data),
                DigestInfo::of_data(HashAlg::Sha256, data)
            );
        }
        assert_eq!(DigestInfo::sha256(b"abc").as_bytes().len(), 19 + 32);
    }
}
