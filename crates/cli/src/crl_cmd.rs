//! `inkan crl …`: index CRLs, check serials, refresh CRLs over HTTP (RFC 5280 §5).

use crate::error::{CliError, exit};
use crate::output::Outcome;
use clap::{Args, Subcommand};
use inkan_verify::crl_index::{CrlIndex, CrlIndexError, CrlInfo, RawCrl, ReadLimits};
use inkan_verify::crl_store::{CrlStore, write_atomic};
use inkan_verify::{Backend, Cert, UnixTime};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// `inkan crl` subcommands.
#[derive(Subcommand, Debug)]
pub enum CrlCmd {
    /// Verifies CRLs (signature by one of the CAs, issuer match) and writes their indexes
    /// into DIR, one per issuer and distribution point. Delta CRLs are merged into their
    /// base CRL.
    Index {
        /// CRL files (DER or PEM).
        #[arg(long = "crl", value_name = "F", required = true, num_args = 1..)]
        crls: Vec<PathBuf>,
        /// CA certificates that may have signed the CRLs (DER or PEM).
        #[arg(long = "ca", value_name = "F", required = true, num_args = 1..)]
        cas: Vec<PathBuf>,
        /// Index directory (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Checks serial numbers (hex) against an index directory or against CRL files.
    Check {
        /// Index directory written by `inkan crl index` or `inkan crl fetch`.
        #[arg(long, value_name = "DIR", conflicts_with = "crls")]
        index: Option<PathBuf>,
        /// CRL file (DER or PEM), verified with `--ca` first; repeat for several.
        #[arg(long = "crl", value_name = "F")]
        crls: Vec<PathBuf>,
        /// CA certificates. With `--crl`: required, the CRLs must verify with one of them.
        /// With `--index`: only indexes of CRLs this CA issued and signed are used.
        /// Repeat for several.
        #[arg(long = "ca", value_name = "F")]
        cas: Vec<PathBuf>,
        /// Serial numbers in hex (colons allowed).
        #[arg(value_name = "SERIAL", required = true)]
        serials: Vec<String>,
    },
    /// Refreshes the CRLs listed in a JSON config file (see the README) over HTTP.
    Fetch {
        /// The config file.
        #[arg(long, value_name = "F")]
        config: PathBuf,
        /// The current time (RFC 3339, `YYYY-MM-DDTHH:MM:SSZ`), for tests.
        #[arg(long, value_name = "TIME", hide = true)]
        at: Option<String>,
    },
    /// Writes a large signed test CRL and its CA certificate (benchmarks).
    #[command(hide = true)]
    Generate {
        /// Number of entries.
        #[arg(long)]
        entries: usize,
        /// The CRL (DER).
        #[arg(long, value_name = "F")]
        out: PathBuf,
        /// The CA certificate (PEM).
        #[arg(long, value_name = "F")]
        ca_out: PathBuf,
        /// Serial length in bytes.
        #[arg(long, default_value_t = 8)]
        serial_bytes: usize,
    },
    /// Measures load+verify time, peak memory, lookup latency and index reopen time.
    #[command(hide = true)]
    Bench(BenchArgs),
}

/// Arguments of the hidden `crl bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The CRL (DER or PEM).
    #[arg(long, value_name = "F")]
    crl: PathBuf,
    /// The CA certificate.
    #[arg(long, value_name = "F")]
    ca: PathBuf,
    /// Where to persist the index for the reopen measurement.
    #[arg(long, value_name = "DIR")]
    index_dir: PathBuf,
}

/// Runs an `inkan crl` command.
pub fn run(cmd: &CrlCmd, json_mode: bool) -> Result<Outcome, CliError> {
    match cmd {
        CrlCmd::Index { crls, cas, out } => index(crls, cas, out),
        CrlCmd::Check {
            index,
            crls,
            cas,
            serials,
        } => check(index.as_deref(), crls, cas, serials),
        CrlCmd::Fetch { config, at } => fetch(config, at.as_deref(), json_mode),
        CrlCmd::Generate {
            entries,
            out,
            ca_out,
            serial_bytes,
        } => generate(*entries, out, ca_out, *serial_bytes),
        CrlCmd::Bench(b) => bench(b),
    }
}

fn crl_error(e: &CrlIndexError) -> CliError {
    let exit = match e {
        CrlIndexError::Io { .. } => exit::IO,
        _ => exit::INVALID,
    };
    let mut err = CliError::new(e.code(), exit, e.to_string());
    if let CrlIndexError::Der { offset, .. } | CrlIndexError::Unsupported { offset, .. } = e {
        err = err.with("offset", json!(offset));
    }
    err
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::io("cannot read", path, &e))
}

/// DER as is; PEM (`X509 CRL` / `CERTIFICATE`) decoded.
fn der_or_pem(data: Vec<u8>, path: &Path) -> Result<Vec<Vec<u8>>, CliError> {
    if data.first() == Some(&0x30) {
        return Ok(vec![data]);
    }
    let blobs = inkan_verify::pem::blocks(&data, &["X509 CRL", "CERTIFICATE"]).map_err(|e| {
        CliError::new(
            "crl-malformed",
            exit::INVALID,
            format!("{}: {e}", path.display()),
        )
    })?;
    if blobs.is_empty() {
        return Err(CliError::new(
            "crl-malformed",
            exit::INVALID,
            format!("{}: neither DER nor PEM", path.display()),
        ));
    }
    Ok(blobs)
}

fn load_cas(paths: &[PathBuf]) -> Result<Vec<Cert>, CliError> {
    let mut out = Vec::new();
    for p in paths {
        for der in der_or_pem(read(p)?, p)? {
            out.push(Cert::from_der(&der).map_err(|e| {
                CliError::new("malformed", exit::INVALID, format!("{}: {e}", p.display()))
            })?);
        }
    }
    Ok(out)
}

/// Parses, verifies with the first CA that checks out, and indexes (hashing the signed
/// bytes concurrently with the entry walk).
fn verify_with_any(der: &[u8], cas: &[Cert]) -> Result<CrlIndex, CrlIndexError> {
    RawCrl::parse(der)?.verify_and_index(cas, Backend::default())
}

/// Loads CRL files, verifies them and merges deltas into their bases.
fn load_verified(crls: &[PathBuf], cas: &[Cert]) -> Result<Vec<CrlIndex>, CliError> {
    let mut bases: Vec<CrlIndex> = Vec::new();
    let mut deltas: Vec<CrlIndex> = Vec::new();
    for p in crls {
        let in_file = |e: CrlIndexError| {
            let mut err = crl_error(&e);
            err.message = format!("{}: {}", p.display(), err.message);
            err.with("file", json!(p.display().to_string()))
        };
        let mut f = std::fs::File::open(p).map_err(|e| CliError::io("cannot read", p, &e))?;
        let mut lead = [0u8; 1];
        let got = f
            .read(&mut lead)
            .map_err(|e| CliError::io("cannot read", p, &e))?;
        let mut found = Vec::new();
        if got == 1 && lead == [0x30] {
            // DER: streamed, never whole in memory.
            let src = std::io::Read::chain(&lead[..], f);
            found.push(
                CrlIndex::from_reader_verified(src, cas, Backend::default(), ReadLimits::default())
                    .map_err(in_file)?,
            );
        } else {
            let mut data = lead.get(..got).unwrap_or(&[]).to_vec();
            f.read_to_end(&mut data)
                .map_err(|e| CliError::io("cannot read", p, &e))?;
            for der in der_or_pem(data, p)? {
                found.push(verify_with_any(&der, cas).map_err(in_file)?);
            }
        }
        for idx in found {
            if idx.is_delta() {
                deltas.push(idx);
            } else {
                bases.push(idx);
            }
        }
    }
    for d in deltas {
        let key = CrlStore::key_of(&d);
        let base = bases
            .iter_mut()
            .find(|b| CrlStore::key_of(b) == key)
            .ok_or_else(|| {
                CliError::new(
                    "crl-delta-mismatch",
                    exit::INVALID,
                    "a delta CRL without its base CRL",
                )
            })?;
        *base = base.merge_delta(&d).map_err(|e| crl_error(&e))?;
    }
    Ok(bases)
}

fn info_json(info: &CrlInfo, entries: usize) -> Value {
    json!({
        "issuer": info.issuer_string(),
        "this_update": info.this_update.to_string(),
        "next_update": info.next_update.map(|t| t.to_string()),
        "crl_number": info.number.as_deref().map(hex::encode),
        "has_idp": info.idp_der.is_some(),
        "entries": entries,
    })
}

fn index(crls: &[PathBuf], cas: &[PathBuf], out: &Path) -> Result<Outcome, CliError> {
    let cas = load_cas(cas)?;
    let indexes = load_verified(crls, &cas)?;
    let store = CrlStore::open(out).map_err(|e| crl_error(&e))?;
    let mut items = Vec::new();
    let mut text = Vec::new();
    for idx in &indexes {
        let key = store.put(idx).map_err(|e| crl_error(&e))?;
        text.push(format!(
            "{key} {} entries, issuer {}, next update {}",
            idx.len(),
            idx.info().issuer_string(),
            idx.info()
                .next_update
                .map(|t| t.to_string())
                .unwrap_or_else(|| "none".into())
        ));
        let mut j = info_json(idx.info(), idx.len());
        if let Some(o) = j.as_object_mut() {
            o.insert("key".into(), json!(key));
        }
        items.push(j);
    }
    Ok(Outcome {
        json: json!({ "indexes": items }),
        text: text.join("\n"),
    })
}

/// Parses a hex serial (colons and a `0x` prefix allowed) into unsigned magnitude bytes.
fn parse_serial(s: &str) -> Result<Vec<u8>, CliError> {
    let bad = || {
        CliError::new(
            "bad-serial",
            exit::USAGE,
            format!("not a hex serial: {s:?}"),
        )
    };
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let mut digits: String = t.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 128 {
        return Err(bad());
    }
    if digits.len() % 2 == 1 {
        digits.insert(0, '0');
    }
    let bytes = hex::decode(&digits).map_err(|_| bad())?;
    let skip = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    Ok(bytes.get(skip..).unwrap_or(&[]).to_vec())
}

fn now() -> UnixTime {
    UnixTime::from_secs(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

fn check(
    index_dir: Option<&Path>,
    crls: &[PathBuf],
    cas: &[PathBuf],
    serials: &[String],
) -> Result<Outcome, CliError> {
    let serials: Vec<Vec<u8>> = serials
        .iter()
        .map(|s| parse_serial(s))
        .collect::<Result<_, _>>()?;
    let cas = load_cas(cas)?;
    let indexes = match index_dir {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(CliError::new(
                    "io",
                    exit::IO,
                    format!("no index directory {}", dir.display()),
                ));
            }
            let store = CrlStore::open(dir).map_err(|e| crl_error(&e))?;
            let mut v = Vec::new();
            for key in store.keys().map_err(|e| crl_error(&e))? {
                if let Some(idx) = store.get(&key).map_err(|e| crl_error(&e))? {
                    v.push(idx);
                }
            }
            if !cas.is_empty() {
                v.retain(|idx| {
                    cas.iter().any(|ca| {
                        let spki = sha2_256(ca.spki_der());
                        idx.info().signer_spki_sha256 == spki
                            && idx
                                .info()
                                .issuer()
                                .is_some_and(|n| inkan_verify::name::name_eq(&n, ca.subject()))
                    })
                });
            }
            v
        }
        None => {
            if crls.is_empty() || cas.is_empty() {
                return Err(CliError::new(
                    "usage",
                    exit::USAGE,
                    "give --index DIR, or --crl F and --ca F",
                ));
            }
            load_verified(crls, &cas)?
        }
    };
    if indexes.is_empty() {
        return Err(CliError::new(
            "crl-none",
            exit::INVALID,
            "no CRL to check against (none indexed, or none issued by the given CA)",
        ));
    }
    let at = now();
    let mut lines = Vec::new();
    let mut results = Vec::new();
    for s in &serials {
        let hexs = if s.is_empty() {
            "00".to_owned()
        } else {
            hex::encode(s)
        };
        let hit = indexes
            .iter()
            .find_map(|idx| idx.lookup_unsigned(s).map(|r| (idx, r)));
        match hit {
            Some((idx, r)) => {
                let reason = r.reason_or_unspecified().name();
                lines.push(format!("{hexs} revoked {reason} {}", r.revoked_at));
                results.push(json!({
                    "serial": hexs, "status": "revoked", "reason": reason,
                    "revocation_time": r.revoked_at.to_string(),
                    "reason_present": r.reason.is_some(),
                    "issuer": idx.info().issuer_string(),
                }));
            }
            None => {
                lines.push(format!("{hexs} not-revoked"));
                results.push(json!({ "serial": hexs, "status": "not-revoked" }));
            }
        }
    }
    let crls: Vec<Value> = indexes
        .iter()
        .map(|idx| {
            let mut j = info_json(idx.info(), idx.len());
            if let Some(o) = j.as_object_mut() {
                o.insert("staleness".into(), staleness(idx.info(), at));
            }
            j
        })
        .collect();
    Ok(Outcome {
        json: json!({ "results": results, "crls": crls }),
        text: lines.join("\n"),
    })
}

fn sha2_256(d: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(d).into()
}

/// Freshness against nextUpdate (RFC 5280 §5.1.2.5).
fn staleness(info: &CrlInfo, at: UnixTime) -> Value {
    match info.next_update {
        None => json!({ "stale": false, "next_update": null }),
        Some(nu) if at > nu => json!({
            "stale": true, "next_update": nu.to_string(),
            "stale_for_secs": at.as_secs() - nu.as_secs(),
        }),
        Some(nu) => json!({
            "stale": false, "next_update": nu.to_string(),
            "fresh_for_secs": nu.as_secs() - at.as_secs(),
        }),
    }
}

// ---------------------------------------------------------------------------------------
// fetch
// ---------------------------------------------------------------------------------------

/// The `crl fetch` config file (JSON).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct FetchConfig {
    /// Index directory; relative paths are relative to the config file.
    store: PathBuf,
    /// Whole-request timeout per source, seconds.
    #[serde(default = "default_timeout")]
    timeout_secs: u64,
    /// Largest CRL accepted, bytes.
    #[serde(default = "default_max_bytes")]
    max_bytes: u64,
    /// The CRLs.
    sources: Vec<Source>,
}

fn default_timeout() -> u64 {
    30
}
fn default_max_bytes() -> u64 {
    1 << 30
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Source {
    /// `http://…` URL of a DER or PEM CRL.
    url: String,
    /// The CA certificate that must have signed it.
    ca: PathBuf,
}

/// Per-source state kept in `<store>/sources/<hash>.json`.
#[derive(Serialize, Deserialize, Debug, Default)]
struct SourceState {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    key: Option<String>,
    last_success: Option<String>,
    last_error: Option<String>,
}

const MAX_SOURCES: usize = 100_000;

fn state_path(store: &Path, url: &str) -> PathBuf {
    let h = sha2_256(url.as_bytes());
    store
        .join("sources")
        .join(format!("{}.json", hex::encode(h.get(..16).unwrap_or(&[]))))
}

fn fetch(config: &Path, at: Option<&str>, json_mode: bool) -> Result<Outcome, CliError> {
    let text = read(config)?;
    let cfg: FetchConfig = serde_json::from_slice(&text)
        .map_err(|e| CliError::new("config", exit::USAGE, format!("{}: {e}", config.display())))?;
    if cfg.sources.len() > MAX_SOURCES {
        return Err(CliError::new("config", exit::USAGE, "too many sources"));
    }
    let base = config.parent().unwrap_or(Path::new("."));
    let store_dir = base.join(&cfg.store);
    let store = CrlStore::open(&store_dir).map_err(|e| crl_error(&e))?;
    std::fs::create_dir_all(store_dir.join("sources"))
        .map_err(|e| CliError::io("cannot create", &store_dir, &e))?;
    let at = match at {
        Some(s) => UnixTime::parse_rfc3339(s)
            .ok_or_else(|| CliError::new("usage", exit::USAGE, "bad --at time"))?,
        None => now(),
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(cfg.timeout_secs.max(1))))
        .http_status_as_error(false)
        .max_redirects(3)
        .build()
        .into();
    let mut reports = Vec::new();
    let mut lines = Vec::new();
    let mut failed = 0usize;
    for src in &cfg.sources {
        let r = fetch_one(&agent, &store, src, base, cfg.max_bytes, at);
        if r.get("status").and_then(Value::as_str) == Some("error") {
            failed += 1;
        }
        lines.push(report_line(&r));
        reports.push(r);
    }
    let out = json!({ "sources": reports });
    if failed > 0 {
        if !json_mode {
            println!("{}", lines.join("\n"));
        }
        let mut e = CliError::new(
            "crl-fetch-failed",
            exit::CRL_FETCH,
            format!(
                "{failed} of {} CRL sources could not be refreshed; the last good CRLs stay in use",
                cfg.sources.len()
            ),
        );
        if let Some(s) = out.get("sources") {
            e = e.with("sources", s.clone());
        }
        return Err(e);
    }
    Ok(Outcome {
        json: out,
        text: lines.join("\n"),
    })
}

fn report_line(r: &Value) -> String {
    let url = r.get("url").and_then(Value::as_str).unwrap_or("?");
    let status = r.get("status").and_then(Value::as_str).unwrap_or("?");
    let mut s = format!("{url} {status}");
    if let Some(e) = r.get("error") {
        s.push_str(&format!(
            " [{}] {}",
            e.get("code").and_then(Value::as_str).unwrap_or("?"),
            e.get("message").and_then(Value::as_str).unwrap_or("")
        ));
    }
    match r.get("crl") {
        Some(c) => {
            let stale = c
                .pointer("/staleness/stale")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            s.push_str(&format!(
                "; in use: {} entries, next update {}{}",
                c.get("entries").and_then(Value::as_u64).unwrap_or(0),
                c.get("next_update")
                    .and_then(Value::as_str)
                    .unwrap_or("none"),
                if stale { " (STALE)" } else { "" }
            ));
        }
        None => s.push_str("; no CRL in use"),
    }
    s
}

struct FetchError {
    code: &'static str,
    message: String,
}

impl From<CrlIndexError> for FetchError {
    fn from(e: CrlIndexError) -> Self {
        FetchError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

fn fetch_one(
    agent: &ureq::Agent,
    store: &CrlStore,
    src: &Source,
    base: &Path,
    max_bytes: u64,
    at: UnixTime,
) -> Value {
    let sp = state_path(store.dir(), &src.url);
    let mut state: SourceState = std::fs::read(&sp)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if state.url != src.url {
        state = SourceState {
            url: src.url.clone(),
            ..SourceState::default()
        };
    }
    // The last good CRL, if its index is intact.
    let current = state
        .key
        .as_deref()
        .and_then(|k| store.get(k).ok().flatten());
    let result = download_and_swap(
        agent,
        store,
        src,
        base,
        max_bytes,
        at,
        &mut state,
        current.as_ref(),
    );
    let in_use = match &result {
        Ok(Some(new)) => Some(new),
        _ => current.as_ref(),
    };
    let mut out = json!({ "url": src.url });
    let obj = out.as_object_mut();
    if let Some(o) = obj {
        match &result {
            Ok(Some(_)) => {
                o.insert("status".into(), json!("updated"));
            }
            Ok(None) => {
                o.insert("status".into(), json!("not-modified"));
            }
            Err(e) => {
                o.insert("status".into(), json!("error"));
                o.insert(
                    "error".into(),
                    json!({ "code": e.code, "message": e.message }),
                );
            }
        }
        if let Some(idx) = in_use {
            let mut c = info_json(idx.info(), idx.len());
            if let Some(co) = c.as_object_mut() {
                co.insert("staleness".into(), staleness(idx.info(), at));
                co.insert("key".into(), json!(CrlStore::key_of(idx)));
            }
            o.insert("crl".into(), c);
        }
    }
    match &result {
        Ok(_) => {
            state.last_success = Some(at.to_string());
            state.last_error = None;
        }
        Err(e) => state.last_error = Some(format!("{at} {}: {}", e.code, e.message)),
    }
    if let Ok(b) = serde_json::to_vec_pretty(&state) {
        let _ = write_atomic(&sp, &b);
    }
    out
}

/// A reader that keeps the first error it passed on (whether a timeout, and its text),
/// so that a CRL read that failed on the network can be told from a malformed CRL.
struct Recording<R> {
    inner: R,
    failed: Option<(bool, String)>,
}

impl<R: Read> Read for Recording<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if self.failed.is_none() && e.kind() != std::io::ErrorKind::Interrupted {
                // ureq passes its own error inside the io::Error of a body read.
                let timeout = e.kind() == std::io::ErrorKind::TimedOut
                    || e.get_ref()
                        .and_then(|i| i.downcast_ref::<ureq::Error>())
                        .is_some_and(|u| matches!(u, ureq::Error::Timeout(_)));
                self.failed = Some((timeout, e.to_string()));
            }
        })
    }
}

fn net_body_error(url: &str) -> FetchError {
    FetchError {
        code: "crl-fetch-network",
        message: format!("{url}: reading the response body failed"),
    }
}

/// Downloads (conditionally), verifies and swaps in. `Ok(None)`: not modified.
#[allow(clippy::too_many_arguments)]
fn download_and_swap(
    agent: &ureq::Agent,
    store: &CrlStore,
    src: &Source,
    base: &Path,
    max_bytes: u64,
    at: UnixTime,
    state: &mut SourceState,
    current: Option<&CrlIndex>,
) -> Result<Option<CrlIndex>, FetchError> {
    let ca_path = base.join(&src.ca);
    let cas = load_cas(std::slice::from_ref(&ca_path)).map_err(|e| FetchError {
        code: e.code,
        message: e.message,
    })?;
    let mut req = agent.get(&src.url);
    if current.is_some() {
        if let Some(e) = &state.etag {
            req = req.header("If-None-Match", e);
        }
        if let Some(lm) = &state.last_modified {
            req = req.header("If-Modified-Since", lm);
        }
    }
    let net = |e: ureq::Error| {
        let code = match e {
            ureq::Error::Timeout(_) => "crl-fetch-timeout",
            _ => "crl-fetch-network",
        };
        FetchError {
            code,
            message: format!("{}: {e}", src.url),
        }
    };
    let mut resp = req.call().map_err(net)?;
    let status = resp.status().as_u16();
    if status == 304 {
        return match current {
            Some(c) => {
                c.check_time(at)?;
                Ok(None)
            }
            None => Err(FetchError {
                code: "crl-fetch-http",
                message: "304 Not Modified without a stored CRL".into(),
            }),
        };
    }
    if status != 200 {
        return Err(FetchError {
            code: "crl-fetch-http",
            message: format!("{}: HTTP status {status}", src.url),
        });
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header("etag");
    let last_modified = header("last-modified");
    let mut body = Recording {
        inner: resp.body_mut().with_config().limit(max_bytes).reader(),
        failed: None,
    };
    let body_err = |r: &Recording<_>| {
        let (timeout, msg) = r.failed.as_ref()?;
        Some(FetchError {
            code: if *timeout {
                "crl-fetch-timeout"
            } else {
                "crl-fetch-network"
            },
            message: format!("{}: {msg}", src.url),
        })
    };
    let mut lead = [0u8; 1];
    let got = body
        .read(&mut lead)
        .map_err(|_| body_err(&body).unwrap_or_else(|| net_body_error(&src.url)))?;
    let verified = if got == 1 && lead == [0x30] {
        // DER: streamed into the index, never whole in memory.
        let src_body = std::io::Read::chain(&lead[..], &mut body);
        CrlIndex::from_reader_verified(src_body, &cas, Backend::default(), ReadLimits::default())
    } else {
        let mut data = lead.get(..got).unwrap_or(&[]).to_vec();
        body.read_to_end(&mut data)
            .map_err(|_| body_err(&body).unwrap_or_else(|| net_body_error(&src.url)))?;
        let blobs = der_or_pem(data, Path::new(&src.url)).map_err(|e| FetchError {
            code: e.code,
            message: e.message,
        })?;
        let der = blobs.first().ok_or(FetchError {
            code: "crl-malformed",
            message: "empty body".into(),
        })?;
        verify_with_any(der, &cas)
    };
    // A failed read of the body is a network error (or a timeout), not a CRL error.
    let idx = match verified {
        Err(CrlIndexError::Io { .. }) => {
            return Err(body_err(&body).unwrap_or_else(|| net_body_error(&src.url)));
        }
        r => r?,
    };
    if idx.is_delta() {
        return Err(FetchError {
            code: "crl-unsupported",
            message: "delta CRLs are not fetched; configure the complete CRL".into(),
        });
    }
    idx.check_time(at)?;
    if let Some(c) = current
        && CrlStore::key_of(c) == CrlStore::key_of(&idx)
        && idx.info().this_update < c.info().this_update
    {
        return Err(FetchError {
            code: "crl-older",
            message: format!(
                "the server's CRL (thisUpdate {}) is older than the one in use ({})",
                idx.info().this_update,
                c.info().this_update
            ),
        });
    }
    let key = store.put(&idx)?;
    state.key = Some(key);
    state.etag = etag;
    state.last_modified = last_modified;
    Ok(Some(idx))
}

// ---------------------------------------------------------------------------------------
// generate, bench (hidden)
// ---------------------------------------------------------------------------------------

fn generate(
    entries: usize,
    out: &Path,
    ca_out: &Path,
    serial_bytes: usize,
) -> Result<Outcome, CliError> {
    use inkan_testpki::jpki::{
        self as pki, CrlBuilder, CrlOptions, Hierarchy, Reason, RootCa, Validity,
    };
    let internal = |e: pki::PkiError| CliError::new("internal", exit::INTERNAL, e.to_string());
    let t = |y, m, d| pki::utc(y, m, d, 0, 0, 0).map_err(internal);
    let validity = Validity::new(t(2020, 1, 1)?, t(2040, 1, 1)?).map_err(internal)?;
    let key = pki::test_key(1, "bench/crl-root").map_err(internal)?;
    let root = RootCa::new(
        Hierarchy::Signature,
        3,
        key,
        &[0x06, 0x7c, 0x6a, 0x21],
        validity,
    )
    .map_err(internal)?;
    let mut b = CrlBuilder::new(
        &root,
        t(2025, 6, 1)?,
        t(2035, 6, 8)?,
        1,
        CrlOptions::default(),
    );
    b.reserve(entries);
    let n = serial_bytes.clamp(1, 20);
    let mut x: u64 = 0x243f_6a88_85a3_08d3;
    let reasons = [
        Some(Reason::AffiliationChanged),
        Some(Reason::KeyCompromise),
        Some(Reason::CertificateHold),
        None,
        Some(Reason::Superseded),
    ];
    let base = t(2020, 1, 1)?.unix_duration().as_secs();
    let mut serial = vec![0u8; n];
    for i in 0..entries {
        // splitmix64: distinct 64-bit values, so serials are distinct.
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let zb = z.to_be_bytes();
        for (k, s) in serial.iter_mut().enumerate() {
            *s = zb.get(k % 8).copied().unwrap_or(0) ^ (k / 8) as u8;
        }
        if let Some(f) = serial.first_mut() {
            *f |= 1; // never zero
        }
        let when = base + (z % (5 * 365 * 86_400));
        let dt = der::DateTime::from_unix_duration(Duration::from_secs(when))
            .map_err(|e| CliError::new("internal", exit::INTERNAL, e.to_string()))?;
        b.add(
            &serial,
            dt,
            reasons.get(i % reasons.len()).copied().flatten(),
        )
        .map_err(internal)?;
    }
    let der = b.finish().map_err(internal)?;
    std::fs::write(out, &der).map_err(|e| CliError::io("cannot write", out, &e))?;
    let pem = root.cert_pem().map_err(internal)?;
    std::fs::write(ca_out, pem).map_err(|e| CliError::io("cannot write", ca_out, &e))?;
    Ok(Outcome {
        json: json!({ "entries": entries, "bytes": der.len() }),
        text: format!("{entries} entries, {} bytes", der.len()),
    })
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn bench(a: &BenchArgs) -> Result<Outcome, CliError> {
    let cas = load_cas(std::slice::from_ref(&a.ca))?;
    let t0 = Instant::now();
    let idx = load_verified(std::slice::from_ref(&a.crl), &cas)?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::new("crl-malformed", exit::INVALID, "no CRL"))?;
    let load = t0.elapsed();
    let hwm = vm_hwm_kb();
    // Lookups: every 7th entry present, plus absent serials.
    let serials: Vec<Vec<u8>> = idx.iter().step_by(7).map(|e| e.0).take(100_000).collect();
    let rounds = 2_000_000usize;
    let t1 = Instant::now();
    let mut found = 0usize;
    for i in 0..rounds {
        if let Some(s) = serials.get(i % serials.len().max(1)) {
            let mut probe = s.clone();
            if i % 2 == 1
                && let Some(l) = probe.last_mut()
            {
                *l ^= 0x55;
            }
            if idx.lookup(std::hint::black_box(&probe)).is_some() {
                found += 1;
            }
        }
    }
    let lookup_ns = t1.elapsed().as_nanos() as f64 / rounds as f64;
    let store = CrlStore::open(&a.index_dir).map_err(|e| crl_error(&e))?;
    let key = store.put(&idx).map_err(|e| crl_error(&e))?;
    let path = store.path_for(&key);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t2 = Instant::now();
        let again = inkan_verify::crl_store::read_index(&path).map_err(|e| crl_error(&e))?;
        best = best.min(t2.elapsed());
        if again.len() != idx.len() {
            return Err(CliError::new("internal", exit::INTERNAL, "reopen mismatch"));
        }
    }
    let index_bytes = idx.as_bytes().len();
    Ok(Outcome {
        json: json!({
            "entries": idx.len(), "load_verify_ms": load.as_secs_f64() * 1e3,
            "peak_rss_kb": hwm, "lookup_ns": lookup_ns, "lookups_found": found,
            "reopen_ms": best.as_secs_f64() * 1e3, "index_bytes": index_bytes,
        }),
        text: format!(
            "entries={} load_verify_ms={:.1} peak_rss_mb={:.1} lookup_ns={:.0} reopen_ms={:.2} index_mb={:.1}",
            idx.len(),
            load.as_secs_f64() * 1e3,
            hwm as f64 / 1024.0,
            lookup_ns,
            best.as_secs_f64() * 1e3,
            index_bytes as f64 / 1048576.0
        ),
    })
}
