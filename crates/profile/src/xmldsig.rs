//! XML signature identifiers (W3C XML Signature Syntax and Processing, Second Edition
//! §6, and RFC 6931 for the `xmldsig-more` URIs) and the names e-Tax and e-Gov use.

/// The XMLDSig namespace (XMLDSig §4: `http://www.w3.org/2000/09/xmldsig#`).
pub const NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Canonical XML 1.0 without comments (XMLDSig §6.6.1; W3C REC-xml-c14n-20010315).
pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Canonical XML 1.0 with comments.
pub const C14N_WITH_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// Exclusive XML Canonicalization 1.0 without comments (W3C REC-xml-exc-c14n-20020718 §3).
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Exclusive XML Canonicalization 1.0 with comments.
pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
/// The enveloped-signature transform (XMLDSig §6.6.4).
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// SHA-1 (XMLDSig §6.2.1): verification of older data only.
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
/// SHA-256 (XML Encryption §5.7.2).
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
/// SHA-384 (RFC 6931 §2.1.3).
pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
/// SHA-512 (XML Encryption §5.7.4).
pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";

/// RSASSA-PKCS1-v1_5 with SHA-1 (XMLDSig §6.4.2): verification of older data only.
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
/// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6931 §2.3.2).
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// RSASSA-PKCS1-v1_5 with SHA-384 (RFC 6931 §2.3.2).
pub const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
/// RSASSA-PKCS1-v1_5 with SHA-512 (RFC 6931 §2.3.2).
pub const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";

/// The namespace prefix e-Tax filings use for their signatures (`dsig:Signature`).
pub const ETAX_PREFIX: &str = "dsig";

/// The e-Gov configuration file (構成管理ファイル) in an application ZIP.
pub const EGOV_KOUSEI: &str = "kousei.xml";
