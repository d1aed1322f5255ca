//! # inkan-xml
//!
//! The XML signature core that making (`inkan-signer`) and checking (`inkan-verify`)
//! share, for e-Tax filings, deduction certificates and e-Gov applications (W3C XML
//! Signature Syntax and Processing, Second Edition):
//!
//! - [`reader`]: a bounded XML reader — size, depth, attribute and node limits, UTF-8
//!   only, no DTD (a `DOCTYPE` is refused, so no entity is ever expanded) — with `id`,
//!   `Id` and `ID` recognised as IDs and a duplicate refused;
//! - [`c14n`]: Canonical XML 1.0 and Exclusive XML Canonicalization 1.0, with and
//!   without comments, of a document or a document subset (through `bergshamra-c14n`);
//! - [`alg`]: digests (SHA-1/256/384/512), signature methods, canonicalisations and
//!   transforms by URI;
//! - [`dsig`]: the `Signature` element read, references dereferenced (by ID, the whole
//!   document, attached files by name), transformed, digested and compared;
//! - [`profile`]: the e-Tax / e-Gov profile — allowed algorithms and where a reference
//!   may point (signature wrapping refused), and unsigned content found;
//! - [`build`]: a new signature appended without changing a byte of the document, around
//!   a signature value made elsewhere (the card).
//!
//! The public-key step (RSA over the canonical SignedInfo) and the signer's certificate
//! path are `inkan-verify`'s; the card's signature is `inkan-signer`'s. Builds for
//! wasm32.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alg;
pub mod build;
pub mod c14n;
pub mod dsig;
#[cfg(feature = "zip")]
pub mod egov;
pub mod error;
pub mod model;
pub mod profile;
pub mod reader;

pub use alg::{C14nMethod, DigestAlg, SignatureAlg, Transform};
pub use build::{PreparedXml, RefSpec, SignSpec, Template, prepare};
pub use dsig::{Attachments, NoAttachments, SignatureInfo, Target};
pub use error::XmlError;
pub use profile::Profile;
pub use reader::{Limits, Xml, parse};
pub use uppsala::NodeId;
