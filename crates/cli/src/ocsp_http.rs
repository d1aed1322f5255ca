//! OCSP over HTTP for `inkan verify … --ocsp URL|aia` (RFC 6960 Appendix A.1: the DER
//! `OCSPRequest` POSTed as `application/ocsp-request`). This is only the I/O, bounded in
//! time (one deadline per request) and size ([`ocsp::MAX_RESPONSE`]); the request, its
//! nonce's use and the checking of the answer are `inkan-verify`'s, written once.

use inkan_server::fetch::{is_timeout, ureq_error};
use inkan_verify::revocation::ocsp::{self, aia_ocsp_urls};
use inkan_verify::{Cert, OcspFetch, OcspFetchError};
use std::io::Read;
use std::time::Duration;

/// Which responder is asked.
#[derive(Clone, Debug)]
enum Target {
    /// One URL for every certificate.
    Url(String),
    /// Each certificate's authorityInfoAccess id-ad-ocsp URL (RFC 5280 §4.2.2.1).
    Aia,
}

/// A blocking OCSP client over `ureq`.
pub struct HttpOcsp {
    target: Target,
    agent: ureq::Agent,
}

impl HttpOcsp {
    /// `spec` is `aia` or an `http://` URL; `timeout` bounds each request (connect,
    /// send, answer).
    pub fn new(spec: &str, timeout: Duration) -> Result<Self, String> {
        let target = if spec == "aia" {
            Target::Aia
        } else if spec.starts_with("http://") {
            Target::Url(spec.to_owned())
        } else {
            return Err(format!(
                "--ocsp {spec}: expected an http:// URL or `aia` (OCSP responders answer over plain HTTP, RFC 6960 A.1)"
            ));
        };
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Ok(Self { target, agent })
    }
}

impl OcspFetch for HttpOcsp {
    fn nonce(&self) -> Option<[u8; 16]> {
        let mut n = [0u8; 16];
        getrandom::fill(&mut n).ok()?;
        Some(n)
    }

    fn fetch(
        &self,
        cert: &Cert,
        request: &[u8],
    ) -> Result<Option<(String, Vec<u8>)>, OcspFetchError> {
        let url = match &self.target {
            Target::Url(u) => u.clone(),
            Target::Aia => aia_ocsp_urls(cert)
                .into_iter()
                .find(|u| u.starts_with("http://"))
                .ok_or(OcspFetchError(
                    "the certificate names no http:// OCSP responder in its authorityInfoAccess",
                ))?,
        };
        let resp = self
            .agent
            .post(&url)
            .header("Content-Type", "application/ocsp-request")
            .header("Accept", "application/ocsp-response")
            .send(request);
        let mut resp = match resp {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => {
                return Err(OcspFetchError("the OCSP responder did not answer in time"));
            }
            Err(_) => {
                return Err(OcspFetchError("the OCSP responder could not be reached"));
            }
        };
        if resp.status().as_u16() != 200 {
            return Err(OcspFetchError(
                "the OCSP responder answered with an HTTP error status",
            ));
        }
        let limit = ocsp::MAX_RESPONSE as u64;
        let mut body = Vec::new();
        let read = resp
            .body_mut()
            .with_config()
            .limit(limit + 1)
            .reader()
            .take(limit + 1)
            .read_to_end(&mut body);
        match read {
            Ok(_) if body.len() as u64 > limit => {
                Err(OcspFetchError("the OCSP response is over 256 KiB"))
            }
            Ok(_) => Ok(Some((url, body))),
            Err(e) if is_timeout(&e) => {
                Err(OcspFetchError("the OCSP responder did not answer in time"))
            }
            // A Content-Length over the limit is refused before the body is read.
            Err(e)
                if ureq_error(&e)
                    .is_some_and(|u| matches!(u, ureq::Error::BodyExceedsLimit(_))) =>
            {
                Err(OcspFetchError("the OCSP response is over 256 KiB"))
            }
            Err(_) => Err(OcspFetchError("the OCSP response could not be read")),
        }
    }
}
