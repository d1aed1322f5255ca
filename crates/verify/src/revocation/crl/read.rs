//! Reading a CRL: the structure parsed, the signed bytes hashed on a second thread while
//! the entries are walked — from memory, or streamed from any reader ([`super::stream`]).

use super::collect::{self, Collector};
use super::index::{Crl, Parsed};
use super::info::ReadLimits;
use super::{parse, stream};
use crate::alg::Backend;
use crate::error::CrlError;
use crate::x509::Cert;

impl Crl {
    /// Parses and indexes a DER CRL. Its signature is not checked here: that happens
    /// when it is used for a certificate (against the key of the CRL issuer on the
    /// path, RFC 5280 §6.3.3 (f)), or with [`Crl::from_der_signed_by`].
    pub fn from_der(der: &[u8]) -> Result<Self, CrlError> {
        Self::parse(der, ReadLimits::default())?.crl()
    }

    /// [`Crl::from_der`] with explicit bounds.
    pub fn from_der_with(der: &[u8], limits: ReadLimits) -> Result<Self, CrlError> {
        Self::parse(der, limits)?.crl()
    }

    /// Parses `der`, checks that one of `cas` issued and signed it (issuer name,
    /// authorityKeyIdentifier, cRLSign, the signature over the raw TBS bytes), and
    /// indexes it. Entry errors are reported only for a CRL whose signature verifies.
    pub fn from_der_signed_by(
        der: &[u8],
        cas: &[Cert],
        backend: Backend,
    ) -> Result<Self, CrlError> {
        Self::parse(der, ReadLimits::default())?.signed_by(cas, backend)
    }

    /// Reads a DER CRL from `src` in chunks, never whole in memory (see [`stream`]);
    /// the signed bytes are hashed on a second thread while this one walks the entries.
    /// A read error is [`CrlError::Io`]; a CRL cut short is [`CrlError::Der`].
    pub fn from_reader(src: impl std::io::Read, limits: ReadLimits) -> Result<Self, CrlError> {
        stream::read(src, None, limits, stream::CHUNK, stream::CHUNK)?.crl()
    }

    /// [`Crl::from_reader`], checked as [`Crl::from_der_signed_by`] checks; the
    /// entries are not walked at all when no CA's name matches the CRL issuer.
    pub fn from_reader_signed_by(
        src: impl std::io::Read,
        cas: &[Cert],
        backend: Backend,
        limits: ReadLimits,
    ) -> Result<Self, CrlError> {
        stream::read(src, Some(cas), limits, stream::CHUNK, stream::CHUNK)?.signed_by(cas, backend)
    }

    /// Parses the structure, hashes the signed bytes (on a second thread) and walks the
    /// entries.
    fn parse(der: &[u8], limits: ReadLimits) -> Result<Parsed, CrlError> {
        // The whole structure first, so that a truncated or padded file is reported as such.
        let mut top = crate::asn1::Reader::new(der);
        let outer = top.expect(parse::TAG_SEQ, "CertificateList is not a SEQUENCE")?;
        top.finish("trailing data after the CRL")?;
        outer
            .reader()
            .expect(parse::TAG_SEQ, "tbsCertList is not a SEQUENCE")?;
        let head = parse::Head::parse(der)?;
        let tail = der.get(head.tail_start..).unwrap_or(&[]);
        let mut info = head.parse_tail(tail, limits)?;
        let tbs = der.get(head.tbs_start..head.tbs_end).unwrap_or(&[]);
        let hash = crate::alg::signature_hash(&head.sig_alg, None).ok();
        let (digest, collected) = crate::par::join2(
            || hash.map(|h| h.digest(tbs)).unwrap_or_default(),
            || {
                let mut c = Collector::new(&head.issuer_der);
                if let Some((s, e)) = head.revoked {
                    let content = der.get(s..e).unwrap_or(&[]);
                    c.reserve_for(content.len(), &limits);
                    collect::walk_entries(content, s, true, &mut c, &limits).map(|_| c)
                } else {
                    Ok(c)
                }
            },
        );
        info.tbs_digest = digest;
        let index = collected.and_then(|c| c.finish(info.clone(), None));
        Ok(Parsed { info, index })
    }
}
