//! The one CRL type (RFC 5280 §5): read in one pass over the DER with the signed bytes
//! hashed on the way, the revoked serials indexed without an object per entry, the
//! signature kept so that it is checked against the issuer's key whenever the CRL is
//! used, and the same bytes in memory and on disk.
//!
//! Modules, each using only those before it: [`info`] (the CRL fields), [`layout`] (the
//! persisted format), `index` (the [`Crl`] and its lookups), `parse` (the DER
//! structure), `collect` (entries sorted and merged into the layout), `stream` and `read`
//! (reading from a stream or from memory). For one million 8-byte serials the index is
//! about 17 MB.

mod collect;
mod index;
pub mod info;
pub mod layout;
mod parse;
mod read;
mod stream;

pub use index::Crl;
#[cfg(feature = "std")]
pub(crate) use info::sha256;
pub(crate) use info::uint_cmp;
pub use info::{CrlInfo, ExtraEntry, ReadLimits, Revocation};
pub use layout::INDEX_FORMAT_VERSION;
