//! `inkan serve`: the verification service (`inkan-server`) with its options from the
//! command line. Thin: anchors, intermediates and CRL directories are read as `inkan
//! verify` reads them; everything else is the server crate's.

use crate::error::{CliError, exit};
use clap::Args;
use inkan_verify::{TrustStore, fs as vfs};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `inkan serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// A JSON file with any of the options below, by their long names with `_` for `-`
    /// (`{"trust_anchors":["roots/"],"crl_dir":["crls/"],"refresh":"1h"}`); relative
    /// paths are read from the file's directory. Flags given on the command line win.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (plain HTTP; put TLS in a reverse proxy in front). Port 0
    /// picks a free port; the address is printed as `listening on http://ADDR`.
    /// [default: 127.0.0.1:8443]
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Trust anchors: a PEM/DER file or a directory of them (e.g. the J-LIS roots of
    /// every generation). Repeatable; required (here or in --config).
    #[arg(long, value_name = "DIR")]
    trust_anchors: Vec<PathBuf>,
    /// Extra intermediate certificates (PEM/DER file or directory). Repeatable.
    #[arg(long, value_name = "FILE")]
    intermediate: Vec<PathBuf>,
    /// A directory (or file) of CRLs, e.g. the one `inkan crl fetch` keeps fresh.
    /// Repeatable. Every CRL must verify with a known CA's key; the service does not
    /// start otherwise, and a later reload that fails keeps the CRLs in use. Without
    /// it (and --crl-store), revocation is not checked.
    #[arg(long, value_name = "DIR")]
    crl_dir: Vec<PathBuf>,
    /// The CRL store (as `inkan crl fetch` keeps it) whose CRLs are used beside
    /// --crl-dir's, and into which --crl-source fetches.
    #[arg(long, value_name = "DIR")]
    crl_store: Option<PathBuf>,
    /// A CRL URL (http://) fetched into --crl-store at start and on every --refresh
    /// (default 1h with sources): conditional GET, verified with a known CA's key,
    /// stored only when newer; a failed fetch keeps the stored CRL. Repeatable.
    #[arg(long, value_name = "URL")]
    crl_source: Vec<String>,
    /// Fetch the sources and reload the CRLs this often (`90s`, `5m`, `1h`, or seconds).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    refresh: Option<Duration>,
    /// Lifetime of a login challenge, seconds. [default: 120]
    #[arg(long, value_name = "SECS")]
    challenge_ttl: Option<u64>,
    /// Largest request body, bytes. [default: 8388608]
    #[arg(long, value_name = "BYTES")]
    body_limit: Option<usize>,
    /// Longest time to answer one request (`30s`, `2m`, or seconds). [default: 30s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    request_timeout: Option<Duration>,
    /// Requests answered at once; more are refused with 503 `overloaded`. [default: 64]
    #[arg(long, value_name = "N")]
    max_concurrent: Option<usize>,
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

/// The `--config` file: the same options.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    #[serde(default)]
    trust_anchors: Vec<PathBuf>,
    #[serde(default)]
    intermediate: Vec<PathBuf>,
    #[serde(default)]
    crl_dir: Vec<PathBuf>,
    crl_store: Option<PathBuf>,
    #[serde(default)]
    crl_source: Vec<String>,
    refresh: Option<String>,
    challenge_ttl: Option<u64>,
    body_limit: Option<usize>,
    request_timeout: Option<String>,
    max_concurrent: Option<usize>,
    #[serde(default)]
    cors_origin: Vec<String>,
    #[serde(default)]
    log_identities: bool,
    redis: Option<String>,
}

/// Flags over the file: a list flag given replaces the file's list.
fn pick<T: Clone>(flag: &[T], file: Vec<T>) -> Vec<T> {
    if flag.is_empty() { file } else { flag.to_vec() }
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
        Err(e) => crate::output::failure(json_mode, &e),
    }
}

fn serve(a: &ServeArgs) -> Result<(), CliError> {
    let usage = |m: String| CliError::new("usage", exit::USAGE, m);
    let (file, base) = match &a.config {
        Some(p) => {
            let text = vfs::read_bounded(p, 1 << 20, "config file")
                .map_err(|e| CliError::new(e.code(), exit::IO, format!("{}: {e}", p.display())))?;
            let f: FileConfig = serde_json::from_slice(&text)
                .map_err(|e| usage(format!("{}: {e}", p.display())))?;
            (f, p.parent().map(PathBuf::from).unwrap_or_default())
        }
        None => (FileConfig::default(), PathBuf::new()),
    };
    let rel = |v: Vec<PathBuf>| -> Vec<PathBuf> { v.into_iter().map(|p| base.join(p)).collect() };
    let duration = |name: &str, v: Option<String>| -> Result<Option<Duration>, CliError> {
        v.map(|s| parse_duration(&s).map_err(|e| usage(format!("{name}: {e}"))))
            .transpose()
    };
    let trust_anchors = pick(&a.trust_anchors, rel(file.trust_anchors));
    if trust_anchors.is_empty() {
        return Err(usage(
            "--trust-anchors is required (on the command line or in --config)".into(),
        ));
    }
    let crl_store = a.crl_store.clone().or(file.crl_store.map(|p| base.join(p)));
    let crl_sources = pick(&a.crl_source, file.crl_source);
    if !crl_sources.is_empty() && crl_store.is_none() {
        return Err(usage("--crl-source needs --crl-store".into()));
    }
    let io = |e: inkan_verify::Error| CliError::new(e.code(), exit::IO, e.to_string());
    let mut trust = TrustStore::new();
    trust.load_named(&trust_anchors).map_err(io)?;
    if trust.is_empty() {
        return Err(usage("no trust anchor certificate found".into()));
    }
    let intermediates =
        vfs::load_parsed_certificates(&pick(&a.intermediate, rel(file.intermediate)))
            .map_err(io)?;
    let mut cfg = inkan_server::Config::new(trust);
    if let Some(l) = a.listen.or(file.listen) {
        cfg.listen = l;
    }
    cfg.intermediates = intermediates;
    cfg.crl_dirs = pick(&a.crl_dir, rel(file.crl_dir));
    cfg.refresh = match a.refresh {
        Some(r) => Some(r),
        None => duration("refresh", file.refresh)?,
    }
    .or_else(|| (!crl_sources.is_empty()).then(|| Duration::from_secs(3600)));
    cfg.crl_store = crl_store;
    cfg.crl_sources = crl_sources;
    if let Some(t) = a.challenge_ttl.or(file.challenge_ttl) {
        cfg.challenge_ttl = t.max(1);
    }
    if let Some(b) = a.body_limit.or(file.body_limit) {
        cfg.body_limit = b.max(1024);
    }
    if let Some(t) = match a.request_timeout {
        Some(t) => Some(t),
        None => duration("request_timeout", file.request_timeout)?,
    } {
        cfg.request_timeout = t;
    }
    if let Some(n) = a.max_concurrent.or(file.max_concurrent) {
        cfg.max_concurrent = n.max(1);
    }
    cfg.cors_origins = pick(&a.cors_origin, file.cors_origin);
    cfg.log_identities = a.log_identities || file.log_identities;
    cfg.redis = a.redis.clone().or(file.redis);
    inkan_server::init_logs();
    inkan_server::serve_blocking(cfg).map_err(|e| CliError::new("serve", exit::IO, e))
}
