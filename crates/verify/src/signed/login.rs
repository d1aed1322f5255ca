//! Login signatures: a raw RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2) over a server's
//! challenge, made with the JPKI user-authentication key.
//!
//! The card signs a DigestInfo of the hash of whatever it is given, so a challenge that
//! is itself the signed part of a document — the DER of CMS signed attributes
//! (RFC 5652 §5.4), a DigestInfo (RFC 8017 §9.2), an XML-DSig SignedInfo — would come
//! back as a valid signature over that document. Such challenges are refused
//! ([`Error::Challenge`]); servers make challenges of random bytes.

use alloc::string::String;

use der::Decode;

use super::{Purpose, verify_signer};
use crate::alg::HashAlg;
use crate::error::Error;
use crate::path::{ValidatedPath, ValidationOptions};
use crate::trust::TrustStore;
use crate::x509::Cert;
use crate::x509::jpki::CertKind;

/// The outcome of a successful login verification.
#[derive(Clone, Debug)]
pub struct LoginVerification {
    /// The validated path of the user-authentication certificate.
    pub path: ValidatedPath,
    /// The certificate's subject (for JPKI: `CN=<opaque id>, C=JP`), RFC 4514 form.
    pub subject: String,
    /// The certificate's JPKI kind (always user authentication).
    pub kind: CertKind,
}

/// What `challenge` parses as, if it is structured data a document signature covers.
pub fn structured_challenge(challenge: &[u8]) -> Option<&'static str> {
    match challenge.first() {
        Some(0x31) if x509_cert::attr::Attributes::from_der(challenge).is_ok() => {
            Some("DER signed attributes (RFC 5652 §5.4)")
        }
        Some(0x30) if spki::AlgorithmIdentifierOwned::from_der(challenge).is_err() => {
            // DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }
            #[derive(der::Sequence)]
            struct DigestInfo {
                _alg: spki::AlgorithmIdentifierOwned,
                _digest: der::asn1::OctetString,
            }
            DigestInfo::from_der(challenge)
                .is_ok()
                .then_some("a DER DigestInfo (RFC 8017 §9.2)")
        }
        Some(b'<') => {
            let head = challenge.get(..challenge.len().min(256)).unwrap_or(&[]);
            let text = core::str::from_utf8(head).unwrap_or("");
            let tag = text.trim_start_matches('<');
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .next()
                .unwrap_or("");
            (name == "SignedInfo" || name.ends_with(":SignedInfo"))
                .then_some("an XML-DSig SignedInfo (XMLDSig §4.4)")
        }
        _ => None,
    }
}

/// Verifies a login: `signature` is RSASSA-PKCS1-v1_5 (an RSA key) or ECDSA (an EC key,
/// DER) with `hash` over `challenge` by the key of `cert`, which must be a JPKI user-authentication certificate (by policy) with a
/// valid path to `store` at `opts.at`; a structured challenge is refused.
pub fn verify_login(
    challenge: &[u8],
    signature: &[u8],
    hash: HashAlg,
    cert: &Cert,
    intermediates: &[Cert],
    store: &TrustStore,
    opts: &ValidationOptions<'_>,
) -> Result<LoginVerification, Error> {
    if let Some(parses_as) = structured_challenge(challenge) {
        return Err(Error::Challenge { parses_as });
    }
    super::check_purpose(cert, Purpose::Login)?;
    // The scheme follows the key: RSASSA-PKCS1-v1_5 for today's card, ECDSA (a DER
    // Ecdsa-Sig-Value, RFC 3279 §2.2.3) for an EC key such as the next-generation
    // card's P-384 (FACTS §10).
    let scheme = match crate::alg::public_key(cert.spki_der())? {
        crate::alg::PublicKey::Ec { .. } => crate::alg::Scheme::Ecdsa(hash),
        crate::alg::PublicKey::Rsa { .. } => crate::alg::Scheme::RsaPkcs1v15(hash),
    };
    crate::alg::verify_message(
        opts.backend,
        cert.spki_der(),
        scheme,
        challenge,
        signature,
        "login",
    )?;
    let (kind, path) = verify_signer(cert, &[], intermediates, store, opts, Purpose::Login, None)?;
    Ok(LoginVerification {
        subject: cert.subject_string(),
        path,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::structured_challenge;

    #[test]
    fn random_and_structured_challenges() {
        assert_eq!(structured_challenge(&[0x12; 32]), None);
        assert_eq!(structured_challenge(&[]), None);
        // SET { SEQUENCE { contentType, SET { id-data } } }
        let attrs = [
            0x31, 0x1a, 0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
            0x03, 0x31, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
        ];
        assert!(structured_challenge(&attrs).is_some());
        assert!(
            structured_challenge(&attrs[..attrs.len() - 2]).is_none(),
            "truncated is not DER"
        );
        // DigestInfo for SHA-256.
        let mut di = vec![
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        di.extend_from_slice(&[0xab; 32]);
        assert!(structured_challenge(&di).is_some());
        assert!(
            structured_challenge(
                b"<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
            )
            .is_some()
        );
        assert!(structured_challenge(b"<SignedInfo>").is_some());
        assert_eq!(structured_challenge(b"<hello/>"), None);
    }
}
