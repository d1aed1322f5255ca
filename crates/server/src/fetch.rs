//! CRLs over HTTP (RFC 5280 §4.2.1.13 distribution points served as `http://` URLs): one
//! conditional GET (`If-None-Match`, `If-Modified-Since`) driven by the sans-IO refresh
//! state machine of `inkan-verify` ([`Refresh`]), which verifies the CRL with the CA's
//! key before it replaces the stored one. Blocking (`ureq`), bounded in time by the
//! agent and in size by `max_bytes`. Used by `inkan crl fetch` and by the service's
//! background refresh (`--crl-source`).

use std::io::Read;

use inkan_verify::revocation::refresh::{Outcome as Refreshed, Refresh};
use inkan_verify::{Backend, Cert};

/// The ureq error inside the I/O error of a body read (ureq passes its own there).
pub fn ureq_error(e: &std::io::Error) -> Option<&ureq::Error> {
    e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>())
}

/// Whether a body read failed on the agent's deadline.
pub fn is_timeout(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || ureq_error(e).is_some_and(|u| matches!(u, ureq::Error::Timeout(_)))
}

/// A reader that keeps the first error it passed on (whether a timeout, and its text),
/// so that a CRL read that failed on the network can be told from a malformed CRL.
pub(crate) struct Recording<R> {
    inner: R,
    failed: Option<(bool, String)>,
}

impl<R: Read> Read for Recording<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if self.failed.is_none() && e.kind() != std::io::ErrorKind::Interrupted {
                self.failed = Some((is_timeout(e), e.to_string()));
            }
        })
    }
}

/// One exchange for `url`: the request `refresh` asks for, the answer fed back to it.
pub fn exchange(
    agent: &ureq::Agent,
    refresh: &mut Refresh<'_>,
    url: &str,
    cas: &[Cert],
    max_bytes: u64,
) -> Refreshed {
    let want = refresh.request();
    let mut req = agent.get(&want.url);
    if let Some(e) = &want.if_none_match {
        req = req.header("If-None-Match", e);
    }
    if let Some(lm) = &want.if_modified_since {
        req = req.header("If-Modified-Since", lm);
    }
    let mut resp = match req.call() {
        Ok(r) => r,
        Err(ureq::Error::Timeout(_)) => {
            return refresh.failed("crl-fetch-timeout", format!("{url}: timeout"));
        }
        Err(e) => return refresh.failed("crl-fetch-network", format!("{url}: {e}")),
    };
    match resp.status().as_u16() {
        304 => return refresh.not_modified(),
        200 => {}
        s => return refresh.status(s),
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let mut body = Recording {
        inner: resp.body_mut().with_config().limit(max_bytes).reader(),
        failed: None,
    };
    let r = refresh.body(&mut body, etag, last_modified, cas, Backend::default());
    // A failed read of the body is a network error (or a timeout), not a CRL error.
    let net = |b: &Recording<_>| {
        let (timeout, msg) = b
            .failed
            .clone()
            .unwrap_or((false, "reading the response body failed".to_owned()));
        (
            if timeout {
                "crl-fetch-timeout"
            } else {
                "crl-fetch-network"
            },
            format!("{url}: {msg}"),
        )
    };
    match r {
        Ok(Refreshed::Failed(e)) if body.failed.is_some() && e.code == "crl-malformed" => {
            let (code, msg) = net(&body);
            refresh.failed(code, msg)
        }
        Ok(o) => o,
        Err(_) => {
            let (code, msg) = net(&body);
            refresh.failed(code, msg)
        }
    }
}
