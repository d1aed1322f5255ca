//! # inkan-verify
//!
//! Verification for relying parties of the Japanese My Number Card (JPKI): RSA
//! PKCS#1 v1.5 signatures, X.509 certification paths to the J-LIS roots (RFC 5280 §6),
//! revocation from CRLs (RFC 5280 §5, §6.3), the JPKI identity in a signature
//! certificate, CMS SignedData (RFC 5652 §5) and login signatures.
//!
//! Principles: the caller passes the validation time, the trust anchors, the CRLs and
//! the revocation policy — there is no hidden `now()`; errors are typed and carry a
//! stable [`Error::code`]; path building has a work budget; the core has no I/O (file
//! loading lives in [`fs`], behind the default `std` feature) so it builds for wasm32.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod cert;
pub mod cms;
pub mod crl;
mod crl_der;
pub mod crl_index;
mod crl_sort;
#[cfg(feature = "std")]
pub mod crl_store;
pub mod error;
#[cfg(feature = "std")]
pub mod fs;
pub mod jpki;
pub mod name;
pub mod oid;
pub mod path;
pub mod pem;
mod policy;
pub mod sig;
pub mod time;
pub mod trust;

pub use cert::{Cert, KeyUsageBits};
pub use cms::{CmsVerification, LoginVerification, verify_cms, verify_login};
pub use crl::{CertStatus, Crl, CrlSet, RevocationOptions, RevocationReason, RevocationScope};
pub use error::Error;
pub use jpki::{BirthDate, CertKind, JpkiIdentity, Sex, cert_kind, identity};
pub use path::{ValidatedPath, ValidationOptions, verify_path};
pub use sig::{Backend, HashAlg, verify_pkcs1v15};
pub use time::UnixTime;
pub use trust::{AnchorSource, JLIS_ROOT_PINS, RootPin, TrustAnchor, TrustStore};
