//! The algorithms of an XML signature, by URI (XMLDSig §6): digests, signature methods,
//! canonicalisation methods and transforms. Which of them a document may use is the
//! [`crate::profile::Profile`]'s decision, not this module's.

use inkan_profile::xmldsig as u;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// A digest method (XMLDSig §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestAlg {
    /// SHA-1 (older data; verification only).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlg {
    /// The algorithm for `uri`.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            u::SHA1 => Self::Sha1,
            u::SHA256 => Self::Sha256,
            u::SHA384 => Self::Sha384,
            u::SHA512 => Self::Sha512,
            _ => return None,
        })
    }

    /// Its URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => u::SHA1,
            Self::Sha256 => u::SHA256,
            Self::Sha384 => u::SHA384,
            Self::Sha512 => u::SHA512,
        }
    }

    /// A fresh hasher.
    pub fn hasher(self) -> Hasher {
        match self {
            Self::Sha1 => Hasher::Sha1(Sha1::new()),
            Self::Sha256 => Hasher::Sha256(Sha256::new()),
            Self::Sha384 => Hasher::Sha384(Sha384::new()),
            Self::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finish()
    }
}

/// A running digest of one of [`DigestAlg`].
#[derive(Clone, Debug)]
pub enum Hasher {
    /// SHA-1.
    Sha1(Sha1),
    /// SHA-256.
    Sha256(Sha256),
    /// SHA-384.
    Sha384(Sha384),
    /// SHA-512.
    Sha512(Sha512),
}

impl Hasher {
    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    /// The digest.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

impl bergshamra_c14n::C14nSink for Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// A signature method (XMLDSig §6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-1 (older data; verification only).
    RsaSha1,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (what the card makes).
    RsaSha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaSha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaSha512,
}

impl SignatureAlg {
    /// The algorithm for `uri`.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            u::RSA_SHA1 => Self::RsaSha1,
            u::RSA_SHA256 => Self::RsaSha256,
            u::RSA_SHA384 => Self::RsaSha384,
            u::RSA_SHA512 => Self::RsaSha512,
            _ => return None,
        })
    }

    /// Its URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaSha1 => u::RSA_SHA1,
            Self::RsaSha256 => u::RSA_SHA256,
            Self::RsaSha384 => u::RSA_SHA384,
            Self::RsaSha512 => u::RSA_SHA512,
        }
    }

    /// The digest it signs.
    pub fn digest(self) -> DigestAlg {
        match self {
            Self::RsaSha1 => DigestAlg::Sha1,
            Self::RsaSha256 => DigestAlg::Sha256,
            Self::RsaSha384 => DigestAlg::Sha384,
            Self::RsaSha512 => DigestAlg::Sha512,
        }
    }
}

/// A canonicalisation method (XMLDSig §6.5): Canonical XML 1.0 or Exclusive XML
/// Canonicalization 1.0, with or without comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum C14nMethod {
    /// Canonical XML 1.0 (inclusive: ancestors' namespace declarations and `xml:`
    /// attributes are carried into a subset, C14N 1.0 §2.4).
    Inclusive,
    /// Canonical XML 1.0 with comments.
    InclusiveWithComments,
    /// Exclusive XML Canonicalization 1.0 (only visibly used namespaces, Exc-C14N §3).
    Exclusive,
    /// Exclusive XML Canonicalization 1.0 with comments.
    ExclusiveWithComments,
}

impl C14nMethod {
    /// The method for `uri`.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            u::C14N => Self::Inclusive,
            u::C14N_WITH_COMMENTS => Self::InclusiveWithComments,
            u::EXC_C14N => Self::Exclusive,
            u::EXC_C14N_WITH_COMMENTS => Self::ExclusiveWithComments,
            _ => return None,
        })
    }

    /// Its URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Inclusive => u::C14N,
            Self::InclusiveWithComments => u::C14N_WITH_COMMENTS,
            Self::Exclusive => u::EXC_C14N,
            Self::ExclusiveWithComments => u::EXC_C14N_WITH_COMMENTS,
        }
    }

    /// Whether comments are kept.
    pub fn with_comments(self) -> bool {
        matches!(
            self,
            Self::InclusiveWithComments | Self::ExclusiveWithComments
        )
    }

    pub(crate) fn mode(self) -> bergshamra_c14n::C14nMode {
        use bergshamra_c14n::C14nMode as M;
        match self {
            Self::Inclusive => M::Inclusive,
            Self::InclusiveWithComments => M::InclusiveWithComments,
            Self::Exclusive => M::Exclusive,
            Self::ExclusiveWithComments => M::ExclusiveWithComments,
        }
    }
}

/// A reference transform (XMLDSig §6.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transform {
    /// Enveloped signature (§6.6.4): the signature element containing the transform is
    /// removed from the node-set.
    Enveloped,
    /// A canonicalisation (§6.6.1); for exclusive, the InclusiveNamespaces PrefixList.
    C14n(C14nMethod, Vec<String>),
}
