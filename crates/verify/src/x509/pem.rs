//! PEM (RFC 7468) and DER input.

use alloc::vec::Vec;

use crate::error::Error;

/// Upper bound on the number of PEM blocks read from one input.
const MAX_BLOCKS: usize = 10_000;

/// Splits `data` into DER blobs: every `-----BEGIN <label>-----` block whose label is in
/// `labels`, or `data` itself when it does not look like PEM.
pub fn blocks(data: &[u8], labels: &[&str]) -> Result<Vec<Vec<u8>>, Error> {
    let Ok(text) = core::str::from_utf8(data) else {
        return Ok(alloc::vec![data.to_vec()]);
    };
    if !text.contains("-----BEGIN ") {
        return Ok(alloc::vec![data.to_vec()]);
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        if out.len() >= MAX_BLOCKS {
            return Err(Error::malformed("PEM", "too many blocks"));
        }
        let block = rest.get(start..).unwrap_or("");
        let Some(end_marker) = block.find("-----END ") else {
            return Err(Error::malformed("PEM", "missing END line"));
        };
        let after_end = block.get(end_marker + 9..).unwrap_or("");
        let Some(close) = after_end.find("-----") else {
            return Err(Error::malformed("PEM", "bad END line"));
        };
        let total = end_marker + 9 + close + 5;
        let pem = block.get(..total).unwrap_or("");
        let (label, der) =
            der::pem::decode_vec(pem.as_bytes()).map_err(|e| Error::malformed("PEM", e))?;
        if labels.contains(&label) {
            out.push(der);
        }
        rest = block.get(total..).unwrap_or("");
    }
    Ok(out)
}

/// The certificates of a PEM bundle (`CERTIFICATE` blocks) or of a single DER certificate.
pub fn certificates(data: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    blocks(data, &["CERTIFICATE"])
}

/// The CRLs of a PEM bundle (`X509 CRL` blocks) or of a single DER CRL.
pub fn crls(data: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    blocks(data, &["X509 CRL"])
}
