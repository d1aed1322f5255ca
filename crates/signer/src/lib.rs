//! # inkan-signer
//!
//! What a holder does with the signature and user-authentication keys, written once for
//! every front end (the browser's `inkan-web`, the `inkan` CLI, the coming PKCS#11
//! module) over [`inkan_card::MyNumberCard`] on any transport:
//!
//! - [`sign_document`]: a CMS SignedData / CAdES-BES (RFC 5652 §5, RFC 5035) with the
//!   signer and signature CA certificates; [`PreparedCms`] for signers that are not a card;
//! - [`login`]: RSASSA-PKCS1-v1_5 with SHA-256 over a challenge with the
//!   user-authentication key, and the certificates a server needs;
//! - [`sign_xml`]: an XML signature (e-Tax, deduction certificates, e-Gov) appended to a
//!   document without changing a byte of it;
//! - [`Session`]: every operation a holder does with the card, for any front end;
//! - [`step`]: the progress steps every operation reports.
//!
//! A new signature format (PDF next) is a new module here beside [`cms`] and [`xml`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cms;
mod login;
pub mod session;
pub mod step;
pub mod xml;

pub use crate::cms::{CmsError, CmsOptions, MAX_DOCUMENT_LEN, PreparedCms, sign_document};
pub use login::{Login, LoginError, MAX_CHALLENGE_LEN, login};
pub use session::{CardStatus, CertEntry, ChangeablePin, PinInfo, Progress, Session, SessionError};
pub use xml::{XmlSignError, XmlTemplate, check_xml, sign_xml};
