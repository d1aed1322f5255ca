//! # inkan-verify
//!
//! Verification for relying parties of the Japanese My Number Card (JPKI): signatures,
//! X.509 certification paths to the J-LIS roots of every generation (RFC 5280 §6),
//! revocation (RFC 5280 §5, §6.3) from CRLs held in memory or in a persisted store kept
//! fresh over HTTP, the JPKI identity in a signature certificate, CMS SignedData
//! (RFC 5652 §5) and login signatures.
//!
//! Principles: the caller passes the validation time, the trust anchors, the revocation
//! sources and the policy — there is no hidden `now()`; errors are typed and carry a
//! stable [`Error::code`]; results are [`report`] types that print as JSON; path building
//! has a work budget; every input has a size bound. File access lives in [`fs`] and
//! [`revocation::store`], behind the default `std` feature; without it the crate builds
//! for `wasm32-unknown-unknown`.
//!
//! Layers, each using only those before it: [`time`], [`oid`], [`error`], the DER walker
//! (`asn1`), [`alg`] (signature algorithms), [`x509`] (certificates, names, PEM, the JPKI
//! profile), [`trust`], [`revocation`] (CRLs, sources, the §6.3 check, store, refresh),
//! [`path`] (§6.1), [`signed`] (CMS, logins: the signed object → the verified signer),
//! [`report`].

#![forbid(unsafe_code)]

extern crate alloc;

pub mod alg;
mod asn1;
pub mod cache;
pub mod error;
#[cfg(feature = "std")]
pub mod fs;
pub mod oid;
mod par;
pub mod path;
pub mod report;
pub mod revocation;
pub mod signed;
pub mod time;
pub mod trust;
pub mod verifier;
pub mod x509;

pub use alg::{Backend, Curve, HashAlg, PublicKey, Scheme, verify_message, verify_pkcs1v15};
pub use error::{CrlError, CrlRef, Error, OcspRef, RevocationReason};
pub use path::{Caches, PathCache, ValidatedPath, ValidationOptions, verify_path};
pub use revocation::{
    CertStatus, Crl, CrlSet, OcspFetch, OcspFetchError, RevocationOptions, RevocationScope,
    RevocationSource, Sources, TimeSource,
};
pub use signed::Purpose;
pub use signed::cms::{CmsVerification, verify_cms};
pub use signed::login::{LoginVerification, verify_login};
pub use signed::xml::{XmlVerification, verify_xml};
pub use time::UnixTime;
pub use trust::{AnchorSource, JLIS_ROOT_PINS, RootPin, TrustAnchor, TrustStore};
pub use verifier::Verifier;
pub use x509::jpki::{BirthDate, CertKind, JpkiIdentity, Sex, cert_kind, identity};
pub use x509::{Cert, KeyUsageBits};
