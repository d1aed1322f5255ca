//! CMS SignedData (RFC 5652 §5) of any shape, signed with a key of the [`crate::spec`]
//! pool: attached or detached content, any certificate set (junk included), any number
//! of signingTime attributes, extra signed attributes, and BER framing (indefinite
//! lengths, a constructed eContent) as streaming signers write it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use sha2::Digest;

use crate::spec::{int, key, octets, oid, seq, tlv};

/// id-data.
pub const ID_DATA: &str = "1.2.840.113549.1.7.1";
/// id-signedData.
pub const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";

/// A SignedData to build.
#[derive(Clone, Debug)]
pub struct CmsSpec {
    /// The content.
    pub content: Vec<u8>,
    /// Leave eContent out (a detached signature).
    pub detached: bool,
    /// The signer's certificate (DER), for the SignerIdentifier and signingCertificateV2.
    pub signer_cert: Vec<u8>,
    /// The signer's pool key.
    pub signer_key: usize,
    /// The certificates field, each as embedded.
    pub certs: Vec<Vec<u8>>,
    /// signingTime attributes, seconds since 1970 (none, one, or several).
    pub signing_times: Vec<u64>,
    /// Further signed attributes, each an encoded `Attribute`.
    pub extra_attrs: Vec<Vec<u8>>,
    /// Include the signingCertificateV2 attribute (RFC 5035).
    pub signing_cert_v2: bool,
    /// Indefinite lengths and a constructed eContent outside the signed attributes.
    pub ber: bool,
}

impl CmsSpec {
    /// An attached signature over `content` by `signer_cert` (pool key `signer_key`),
    /// the signer's certificate in the set, one signingTime.
    pub fn new(content: &[u8], signer_cert: Vec<u8>, signer_key: usize, signing_time: u64) -> Self {
        Self {
            content: content.to_vec(),
            detached: false,
            certs: vec![signer_cert.clone()],
            signer_cert,
            signer_key,
            signing_times: vec![signing_time],
            extra_attrs: Vec::new(),
            signing_cert_v2: true,
            ber: false,
        }
    }

    /// IssuerAndSerialNumber of the signer's certificate (RFC 5652 §10.2.4), as the
    /// certificate encodes them.
    fn issuer_and_serial(&self) -> Vec<u8> {
        use der::{Decode, Encode};
        let c = x509_cert::Certificate::from_der(&self.signer_cert).unwrap();
        let tbs = c.tbs_certificate();
        seq(&[
            tbs.issuer().to_der().unwrap(),
            tbs.serial_number().to_der().unwrap(),
        ])
    }

    /// The signed attributes as a DER SET OF (sorted, X.690 §11.6).
    fn signed_attrs(&self) -> Vec<u8> {
        let attr = |id: &str, value: Vec<u8>| seq(&[oid(id), tlv(0x31, &value)]);
        let mut attrs = vec![
            attr("1.2.840.113549.1.9.3", oid(ID_DATA)),
            attr(
                "1.2.840.113549.1.9.4",
                octets(&sha2::Sha256::digest(&self.content)),
            ),
        ];
        for &t in &self.signing_times {
            attrs.push(attr("1.2.840.113549.1.9.5", crate::spec::time(t)));
        }
        if self.signing_cert_v2 {
            let hash = sha2::Sha256::digest(&self.signer_cert);
            let ess = seq(&[seq(&[octets(&hash)])]);
            attrs.push(attr("1.2.840.113549.1.9.16.2.47", seq(&[ess])));
        }
        attrs.extend(self.extra_attrs.iter().cloned());
        attrs.sort();
        tlv(0x31, &attrs.concat())
    }

    /// The ContentInfo, DER (or BER with [`CmsSpec::ber`]).
    pub fn der(&self) -> Vec<u8> {
        let signed = self.signed_attrs();
        let sig = key(self.signer_key)
            .pkcs1v15_sign::<rsa::sha2::Sha256>(&signed)
            .unwrap();
        let sha256 = seq(&[oid("2.16.840.1.101.3.4.2.1")]);
        let mut implicit_attrs = signed.clone();
        implicit_attrs[0] = 0xa0;
        let signer_info = seq(&[
            int(1),
            self.issuer_and_serial(),
            sha256.clone(),
            implicit_attrs,
            seq(&[oid("1.2.840.113549.1.1.1"), vec![0x05, 0x00]]),
            octets(&sig),
        ]);
        let cons = |tag: u8, parts: &[Vec<u8>]| -> Vec<u8> {
            if self.ber {
                let mut v = vec![tag, 0x80];
                for p in parts {
                    v.extend_from_slice(p);
                }
                v.extend_from_slice(&[0, 0]);
                v
            } else {
                tlv(tag, &parts.concat())
            }
        };
        let mut eci = vec![oid(ID_DATA)];
        if !self.detached {
            let os = if self.ber {
                // A constructed OCTET STRING in two segments (X.690 §8.7.3).
                let (a, b) = self.content.split_at(self.content.len() / 2);
                cons(0x24, &[octets(a), octets(b)])
            } else {
                octets(&self.content)
            };
            eci.push(cons(0xa0, &[os]));
        }
        let mut sd = vec![int(1), tlv(0x31, &sha256), cons(0x30, &eci)];
        if !self.certs.is_empty() {
            sd.push(cons(0xa0, &self.certs));
        }
        sd.push(tlv(0x31, &signer_info));
        let signed_data = cons(0x30, &sd);
        cons(0x30, &[oid(ID_SIGNED_DATA), cons(0xa0, &[signed_data])])
    }
}
