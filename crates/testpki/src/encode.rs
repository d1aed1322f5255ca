//! A small DER writer (ITU-T X.690 §8, §10): definite minimal lengths, the tags the test
//! PKI uses. Everything here is infallible: the inputs are the builders' own.

use der::DateTime;
use der::oid::ObjectIdentifier;

/// Universal and context-specific tags (X.690 §8.1.2).
// Universal tags.
/// sha256WithRSAEncryption (RFC 4055 §5).
pub const OID_SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// BOOLEAN.
pub const TAG_BOOLEAN: u8 = 0x01;
/// INTEGER.
pub const TAG_INTEGER: u8 = 0x02;
/// BIT STRING.
pub const TAG_BIT_STRING: u8 = 0x03;
/// OCTET STRING.
pub const TAG_OCTET_STRING: u8 = 0x04;
/// NULL.
pub const TAG_NULL: u8 = 0x05;
/// OBJECT IDENTIFIER.
pub const TAG_OID: u8 = 0x06;
/// ENUMERATED.
pub const TAG_ENUMERATED: u8 = 0x0A;
/// UTF8String.
pub const TAG_UTF8_STRING: u8 = 0x0C;
/// PrintableString.
pub const TAG_PRINTABLE_STRING: u8 = 0x13;
/// UTCTime.
pub const TAG_UTC_TIME: u8 = 0x17;
/// GeneralizedTime.
pub const TAG_GENERALIZED_TIME: u8 = 0x18;
/// SEQUENCE.
pub const TAG_SEQUENCE: u8 = 0x30;
/// SET.
pub const TAG_SET: u8 = 0x31;
// Context-specific tags.
/// [0] constructed.
pub const TAG_CTX0_CONS: u8 = 0xA0;
/// [3] constructed.
pub const TAG_CTX3_CONS: u8 = 0xA3;
/// [4] constructed.
pub const TAG_CTX4_CONS: u8 = 0xA4;
/// [0] primitive.
pub const TAG_CTX0_PRIM: u8 = 0x80;
/// [1] primitive.
pub const TAG_CTX1_PRIM: u8 = 0x81;

/// Appends a DER length (X.690 §8.1.3, definite form, minimal).
pub fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Fits in 7 bits.
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let significant: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(&significant);
}

/// Appends tag, length and content.
pub fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    push_len(out, content.len());
    out.extend_from_slice(content);
}

/// One TLV as a new vector.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    push_tlv(&mut out, tag, content);
    out
}

/// A constructed TLV whose content is the concatenation of `parts`.
pub fn cons(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 6);
    out.push(tag);
    push_len(&mut out, len);
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// A SEQUENCE of the concatenated `parts`.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    cons(TAG_SEQUENCE, parts)
}

/// An OBJECT IDENTIFIER.
pub fn oid(o: &ObjectIdentifier) -> Vec<u8> {
    tlv(TAG_OID, o.as_bytes())
}

/// Removes redundant leading zeros and adds one if the top bit is set, giving the content
/// octets of a non-negative INTEGER.
pub fn unsigned_integer_content(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut out = Vec::with_capacity(trimmed.len() + 1);
    match trimmed.first() {
        None => out.push(0),
        Some(first) if first & 0x80 != 0 => {
            out.push(0);
            out.extend_from_slice(&trimmed);
        }
        Some(_) => out.extend_from_slice(&trimmed),
    }
    out
}

/// Appends a non-negative INTEGER.
pub fn push_u64_integer(out: &mut Vec<u8>, value: u64) {
    push_tlv(
        out,
        TAG_INTEGER,
        &unsigned_integer_content(&value.to_be_bytes()),
    );
}

/// ecdsa-with-SHA384 (RFC 5758 §3.2).
pub const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

/// `AlgorithmIdentifier` for ecdsa-with-SHA384, parameters absent (RFC 5758 §3.2).
pub fn ecdsa_sha384_algorithm() -> Vec<u8> {
    seq(&[&oid(&OID_ECDSA_SHA384)])
}

/// `AlgorithmIdentifier` for sha256WithRSAEncryption, with the NULL parameters (RFC 4055 §5).
pub fn sha256_rsa_algorithm() -> Vec<u8> {
    seq(&[&oid(&OID_SHA256_RSA), &tlv(TAG_NULL, &[])])
}

/// `Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`
/// (RFC 5280 §4.1). DER omits `critical` when false.
pub fn extension(id: &ObjectIdentifier, critical: bool, value: &[u8]) -> Vec<u8> {
    let id = oid(id);
    let value = tlv(TAG_OCTET_STRING, value);
    if critical {
        seq(&[&id, &tlv(TAG_BOOLEAN, &[0xFF]), &value])
    } else {
        seq(&[&id, &value])
    }
}

/// Two decimal digits of `v`.
pub fn two_digits(out: &mut Vec<u8>, v: u8) {
    out.push(b'0' + (v / 10) % 10);
    out.push(b'0' + v % 10);
}

/// Appends a `Time` (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050.
pub fn push_time(out: &mut Vec<u8>, t: &DateTime) {
    let year = t.year();
    let mut s = Vec::with_capacity(15);
    if year < 2050 {
        two_digits(&mut s, (year % 100) as u8);
    } else {
        two_digits(&mut s, (year / 100 % 100) as u8);
        two_digits(&mut s, (year % 100) as u8);
    }
    two_digits(&mut s, t.month());
    two_digits(&mut s, t.day());
    two_digits(&mut s, t.hour());
    two_digits(&mut s, t.minutes());
    two_digits(&mut s, t.seconds());
    s.push(b'Z');
    let tag = if year < 2050 {
        TAG_UTC_TIME
    } else {
        TAG_GENERALIZED_TIME
    };
    push_tlv(out, tag, &s);
}
