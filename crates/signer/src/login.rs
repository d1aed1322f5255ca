//! Login signatures with the user-authentication key (FACTS §3: the card signs a
//! DigestInfo with RSASSA-PKCS1-v1_5, RFC 8017 §8.2).

use core::fmt;
use inkan_apdu::Transport;
use inkan_card::{AuthPin, CardError, CertSlot, DigestInfo, KeyPin, LastTry, MyNumberCard};

/// The largest challenge [`login`] signs.
pub const MAX_CHALLENGE_LEN: usize = 4096;

/// What [`login`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// RSASSA-PKCS1-v1_5 with SHA-256 over the challenge, 256 bytes.
    pub signature: Vec<u8>,
    /// The user-authentication certificate (DER).
    pub certificate: Vec<u8>,
    /// The user-authentication CA certificate from the card (DER), if present.
    pub ca_certificate: Option<Vec<u8>>,
}

/// Why a login signature could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginError {
    /// The challenge is empty or longer than [`MAX_CHALLENGE_LEN`]; nothing was sent.
    Challenge {
        /// Its length.
        len: usize,
    },
    /// The card has no user-authentication certificate.
    NoAuthCertificate,
    /// The card operation failed (PIN, reader, card).
    Card(CardError),
}

impl LoginError {
    /// A stable code: `invalid-argument`, `no-auth-certificate`, or the card's.
    pub fn code(&self) -> &'static str {
        match self {
            LoginError::Challenge { .. } => "invalid-argument",
            LoginError::NoAuthCertificate => "no-auth-certificate",
            LoginError::Card(e) => e.code(),
        }
    }
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginError::Challenge { len } => write!(
                f,
                "the challenge must be 1 to {MAX_CHALLENGE_LEN} bytes, not {len}"
            ),
            LoginError::NoAuthCertificate => {
                f.write_str("this card has no user-authentication certificate")
            }
            LoginError::Card(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LoginError {}

impl From<CardError> for LoginError {
    fn from(e: CardError) -> Self {
        LoginError::Card(e)
    }
}

/// Signs `challenge` with the user-authentication key (the PIN verified through the
/// lockout guard), then reads the user-authentication certificate and its CA.
pub async fn login<T: Transport>(
    card: &mut MyNumberCard<T>,
    pin: AuthPin,
    challenge: &[u8],
    last_try: LastTry,
    progress: &mut dyn FnMut(&'static str),
) -> Result<Login, LoginError> {
    if challenge.is_empty() || challenge.len() > MAX_CHALLENGE_LEN {
        return Err(LoginError::Challenge {
            len: challenge.len(),
        });
    }
    progress(crate::step::VERIFY_PIN);
    let digest_info = DigestInfo::sha256(challenge);
    let signature = card
        .sign(&KeyPin::Auth(pin), &digest_info, last_try)
        .await?;
    progress(crate::step::READ_CERTIFICATE);
    let certificate = card
        .read_certificate(CertSlot::Auth)
        .await?
        .ok_or(LoginError::NoAuthCertificate)?;
    let ca_certificate = card.read_certificate(CertSlot::AuthCa).await?;
    Ok(Login {
        signature,
        certificate,
        ca_certificate,
    })
}
