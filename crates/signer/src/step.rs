//! The steps an operation reports, in order, to a progress callback.
/// Reading the PIN's retry counter and verifying it.
pub const VERIFY_PIN: &str = "verify-pin";
/// Reading a certificate.
pub const READ_CERTIFICATE: &str = "read-certificate";
/// Hashing the document and building what is signed (signed attributes, SignedInfo).
pub const PREPARE: &str = "prepare";
/// The card computes the signature.
pub const CARD_SIGNS: &str = "card-signs";
/// Assembling the signed object (CMS SignedData, signed XML).
pub const FINISH: &str = "finish";
/// Reading the card info or surface AP.
pub const READ_DATA: &str = "read-data";
/// Decoding the face photo.
pub const DECODE_PHOTO: &str = "decode-photo";
/// Changing the PIN.
pub const CHANGE_PIN: &str = "change-pin";
/// Reading the card's state.
pub const READ_STATUS: &str = "read-status";
