//! Object identifiers used by the verifier.

use der::asn1::ObjectIdentifier as Oid;

/// rsaEncryption (RFC 3279 §2.3.1).
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// sha256WithRSAEncryption (RFC 4055 §5).
pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption (RFC 4055 §5).
pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption (RFC 4055 §5).
pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
/// id-RSASSA-PSS (RFC 4055 §3.1), as a signature algorithm and as a key restricted to it.
pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
/// id-mgf1 (RFC 4055 §2.2).
pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
/// id-ecPublicKey (RFC 5480 §2.1.1).
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 / P-256 (RFC 5480 §2.1.1.1).
pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 / P-384 (RFC 5480 §2.1.1.1).
pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
/// secp521r1 / P-521 (RFC 5480 §2.1.1.1).
pub const SECP521R1: Oid = Oid::new_unwrap("1.3.132.0.35");
/// ecdsa-with-SHA256 (RFC 5758 §3.2).
pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384 (RFC 5758 §3.2).
pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
/// ecdsa-with-SHA512 (RFC 5758 §3.2).
pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
/// id-sha256 (RFC 5754 §2.2).
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384 (RFC 5754 §2.3).
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512 (RFC 5754 §2.4).
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

/// id-ce-subjectKeyIdentifier (RFC 5280 §4.2.1.2).
pub const CE_SKI: Oid = Oid::new_unwrap("2.5.29.14");
/// id-ce-keyUsage (RFC 5280 §4.2.1.3).
pub const CE_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
/// id-ce-privateKeyUsagePeriod.
pub const CE_PKUP: Oid = Oid::new_unwrap("2.5.29.16");
/// id-ce-subjectAltName (RFC 5280 §4.2.1.6).
pub const CE_SAN: Oid = Oid::new_unwrap("2.5.29.17");
/// id-ce-issuerAltName (RFC 5280 §4.2.1.7).
pub const CE_IAN: Oid = Oid::new_unwrap("2.5.29.18");
/// id-ce-basicConstraints (RFC 5280 §4.2.1.9).
pub const CE_BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
/// id-ce-cRLNumber (RFC 5280 §5.2.3).
pub const CE_CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
/// id-ce-cRLReasons (RFC 5280 §5.3.1).
pub const CE_CRL_REASON: Oid = Oid::new_unwrap("2.5.29.21");
/// id-ce-invalidityDate (RFC 5280 §5.3.2).
pub const CE_INVALIDITY_DATE: Oid = Oid::new_unwrap("2.5.29.24");
/// id-ce-deltaCRLIndicator (RFC 5280 §5.2.4).
pub const CE_DELTA_CRL_INDICATOR: Oid = Oid::new_unwrap("2.5.29.27");
/// id-ce-issuingDistributionPoint (RFC 5280 §5.2.5).
pub const CE_IDP: Oid = Oid::new_unwrap("2.5.29.28");
/// id-ce-certificateIssuer (RFC 5280 §5.3.3).
pub const CE_CERTIFICATE_ISSUER: Oid = Oid::new_unwrap("2.5.29.29");
/// id-ce-nameConstraints (RFC 5280 §4.2.1.10).
pub const CE_NAME_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.30");
/// id-ce-cRLDistributionPoints (RFC 5280 §4.2.1.13).
pub const CE_CRL_DP: Oid = Oid::new_unwrap("2.5.29.31");
/// id-ce-certificatePolicies (RFC 5280 §4.2.1.4).
pub const CE_CERT_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
/// id-ce-policyMappings (RFC 5280 §4.2.1.5).
pub const CE_POLICY_MAPPINGS: Oid = Oid::new_unwrap("2.5.29.33");
/// id-ce-authorityKeyIdentifier (RFC 5280 §4.2.1.1).
pub const CE_AKI: Oid = Oid::new_unwrap("2.5.29.35");
/// id-ce-policyConstraints (RFC 5280 §4.2.1.11).
pub const CE_POLICY_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.36");
/// id-ce-extKeyUsage (RFC 5280 §4.2.1.12).
pub const CE_EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
/// id-ce-freshestCRL (RFC 5280 §4.2.1.15).
pub const CE_FRESHEST_CRL: Oid = Oid::new_unwrap("2.5.29.46");
/// id-ce-inhibitAnyPolicy (RFC 5280 §4.2.1.14).
pub const CE_INHIBIT_ANY_POLICY: Oid = Oid::new_unwrap("2.5.29.54");
/// id-pe-authorityInfoAccess (RFC 5280 §4.2.2.1).
pub const PE_AIA: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
/// anyPolicy (RFC 5280 §4.2.1.4).
pub const ANY_POLICY: Oid = Oid::new_unwrap("2.5.29.32.0");
/// emailAddress attribute (PKCS #9), checked as rfc822Name (RFC 5280 §4.2.1.10).
pub const EMAIL_ADDRESS: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");

/// JPKI signature certificate policy.
pub const JPKI_SIGN_POLICY: Oid = Oid::new_unwrap(inkan_profile::oid::SIGN_POLICY);
/// JPKI user-authentication certificate policy.
pub const JPKI_AUTH_POLICY: Oid = Oid::new_unwrap(inkan_profile::oid::AUTH_POLICY);
/// JPKI SAN otherName: name.
pub const JPKI_NAME: Oid = Oid::new_unwrap(inkan_profile::oid::SAN_NAME);
/// JPKI SAN otherName: name substitute-character flags.
pub const JPKI_NAME_SUBST: Oid = Oid::new_unwrap(inkan_profile::oid::SAN_NAME_FLAGS);
/// JPKI SAN otherName: sex.
pub const JPKI_SEX: Oid = Oid::new_unwrap(inkan_profile::oid::SAN_SEX);
/// JPKI SAN otherName: birth date.
pub const JPKI_BIRTH: Oid = Oid::new_unwrap(inkan_profile::oid::SAN_BIRTH_DATE);
/// JPKI SAN otherName: address.
pub const JPKI_ADDRESS: Oid = Oid::new_unwrap(inkan_profile::oid::SAN_ADDRESS);
/// JPKI SAN otherName: address substitute-character flags.
pub const JPKI_ADDRESS_SUBST: Oid = Oid::new_unwrap(inkan_profile::oid::SAN_ADDRESS_FLAGS);

/// id-data (RFC 5652 §4).
pub const CMS_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData (RFC 5652 §5.1).
pub const CMS_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// id-contentType attribute (RFC 5652 §11.1).
pub const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest attribute (RFC 5652 §11.2).
pub const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// id-signingTime attribute (RFC 5652 §11.3).
pub const ATTR_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
/// id-aa-signingCertificateV2 (RFC 5035 §3).
pub const ATTR_SIGNING_CERT_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-kp-serverAuth (RFC 5280 §4.2.1.12).
pub const KP_SERVER_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.1");
/// id-kp-clientAuth (RFC 5280 §4.2.1.12).
pub const KP_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-kp-emailProtection (RFC 5280 §4.2.1.12).
pub const KP_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
/// id-kp-timeStamping (RFC 5280 §4.2.1.12).
pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
/// anyExtendedKeyUsage (RFC 5280 §4.2.1.12).
pub const ANY_EXTENDED_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37.0");
/// id-kp-documentSigning (RFC 9336 §3.1).
pub const KP_DOCUMENT_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.36");
