//! `inkan serve`: the verification service (`inkan-server`) with its options from the
//! command line. Thin: anchors, intermediates and CRL directories are read as `inkan
//! verify` reads them; everything else is the server crate's.

use crate::error::{CliError, exit};
use clap::Args;
use inkan_verify::{Cert, TrustStore, fs as vfs};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `inkan serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (plain HTTP; put TLS in a reverse proxy in front). Port 0
    /// picks a free port; the address is printed as `listening on http://ADDR`.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Trust anchors: a PEM/DER file or a directory of them (e.g. the J-LIS roots of
    /// every generation). Repeatable.
    #[arg(long, value_name = "DIR", required = true)]
    trust_anchors: Vec<PathBuf>,
    /// Extra intermediate certificates (PEM/DER file or directory). Repeatable.
    #[arg(long, value_name = "FILE")]
    intermediate: Vec<PathBuf>,
    /// A directory (or file) of CRLs, e.g. the one `inkan crl fetch` keeps fresh.
    /// Repeatable. Every CRL must verify with a known CA's key; the service does not
    /// start otherwise, and a later reload that fails keeps the CRLs in use. Without
    /// it, revocation is not checked.
    #[arg(long, value_name = "DIR")]
    crl_dir: Vec<PathBuf>,
    /// The CRL store (as `inkan crl fetch` keeps it) whose CRLs are used beside
    /// --crl-dir's, and into which --crl-source fetches.
    #[arg(long, value_name = "DIR")]
    crl_store: Option<PathBuf>,
    /// A CRL URL (http://) fetched into --crl-store at start and on every --refresh
    /// (default 1h with sources): conditional GET, verified with a known CA's key,
    /// stored only when newer; a failed fetch keeps the stored CRL. Repeatable.
    #[arg(long, value_name = "URL", requires = "crl_store")]
    crl_source: Vec<String>,
    /// Fetch the sources and reload the CRLs this often (`90s`, `5m`, `1h`, or seconds).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    refresh: Option<Duration>,
    /// Lifetime of a login challenge, seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    challenge_ttl: u64,
    /// Largest request body, bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    body_limit: usize,
    /// Longest time to answer one request (`30s`, `2m`, or seconds).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    request_timeout: Duration,
    /// Requests answered at once; more are refused with 503 `overloaded`.
    #[arg(long, value_name = "N", default_value_t = 64)]
    max_concurrent: usize,
    /// Let a browser page from ORIGIN call the API (CORS). Repeatable.
    #[arg(long, value_name = "ORIGIN")]
    cors_origin: Vec<String>,
    /// Write signers' names into the logs (off by default: no personal data in logs).
    #[arg(long)]
    log_identities: bool,
    /// Keep login challenges in Redis (`redis://HOST:PORT[/DB]`), so that several
    /// instances behind a load balancer share them: issued on one, taken once on any.
    /// Without it, challenges live in this process (another instance's are
    /// `challenge-unknown`).
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
}

/// `90s`, `5m`, `1h`, `2d` or plain seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s}: expected a duration such as 90s, 5m or 1h"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(format!("{s}: the unit is s, m, h or d")),
    };
    let secs = n
        .checked_mul(mult)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("{s}: out of range"))?;
    Ok(Duration::from_secs(secs))
}

/// Runs the service until SIGTERM or Ctrl-C; returns the exit code.
pub fn run(a: &ServeArgs, json_mode: bool) -> i32 {
    match serve(a) {
        Ok(()) => exit::OK,
        Err(e) => {
            if json_mode {
                println!("{}", e.to_json());
            } else {
                eprintln!("inkan: {} [{}]", e.message, e.code);
            }
            e.exit
        }
    }
}

fn serve(a: &ServeArgs) -> Result<(), CliError> {
    let io = |e: inkan_verify::Error| CliError::new(e.code(), exit::IO, e.to_string());
    let mut trust = TrustStore::new();
    for der in vfs::load_certificates(&a.trust_anchors).map_err(io)? {
        if TrustStore::pin_of(&der).is_some() {
            trust.add_pinned(&der).map_err(io)?;
        } else {
            trust.add_explicit(&der).map_err(io)?;
        }
    }
    if trust.is_empty() {
        return Err(CliError::new(
            "usage",
            exit::USAGE,
            "no trust anchor certificate found",
        ));
    }
    let intermediates = vfs::load_certificates(&a.intermediate)
        .map_err(io)?
        .iter()
        .map(|d| Cert::from_der(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    let mut cfg = inkan_server::Config::new(trust);
    cfg.listen = a.listen;
    cfg.intermediates = intermediates;
    cfg.crl_dirs = a.crl_dir.clone();
    cfg.crl_store = a.crl_store.clone();
    cfg.crl_sources = a.crl_source.clone();
    cfg.refresh = a
        .refresh
        .or_else(|| (!a.crl_source.is_empty()).then(|| Duration::from_secs(3600)));
    cfg.challenge_ttl = a.challenge_ttl.max(1);
    cfg.body_limit = a.body_limit.max(1024);
    cfg.request_timeout = a.request_timeout;
    cfg.max_concurrent = a.max_concurrent.max(1);
    cfg.cors_origins = a.cors_origin.clone();
    cfg.log_identities = a.log_identities;
    cfg.redis = a.redis.clone();
    inkan_server::init_logs();
    inkan_server::serve_blocking(cfg).map_err(|e| CliError::new("serve", exit::IO, e))
}
