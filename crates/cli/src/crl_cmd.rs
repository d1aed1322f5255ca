//! `inkan crl …`: index CRLs, check serials, refresh CRLs over HTTP (RFC 5280 §5).

use crate::error::{CliError, exit};
use crate::output::Outcome;
use clap::{Args, Subcommand};
use inkan_verify::revocation::check::{Selection, entry, group_by_scope, select};
use inkan_verify::revocation::refresh::{Outcome as Refreshed, Refresh, RefreshError};
use inkan_verify::revocation::store::CrlStore;
use inkan_verify::revocation::{Crl, CrlInfo, ReadLimits};
use inkan_verify::{Backend, Cert, CrlError, UnixTime};
use serde::Deserialize;
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
        /// Also write an end-entity certificate (PEM) the CA issued whose serial is not on
        /// the CRL, for `verify chain` benchmarks.
        #[arg(long, value_name = "F")]
        leaf_out: Option<PathBuf>,
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
            leaf_out,
        } => generate(*entries, out, ca_out, *serial_bytes, leaf_out.as_deref()),
        CrlCmd::Bench(b) => bench(b),
    }
}

fn crl_error(e: &CrlError) -> CliError {
    let exit = match e {
        CrlError::Io { .. } => exit::IO,
        _ => exit::INVALID,
    };
    let mut err = CliError::new(e.code(), exit, e.to_string());
    if let Some(offset) = e.offset() {
        err = err.with("offset", json!(offset));
    }
    err
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    inkan_verify::fs::read_bounded(path, inkan_verify::fs::MAX_CRL, "CRL or certificate file")
        .map_err(|e| match e {
            inkan_verify::Error::Io { detail } => CliError::new("io", exit::IO, detail),
            e => CliError::new(e.code(), exit::IO, e.to_string()),
        })
}

/// DER as is; PEM (`X509 CRL` / `CERTIFICATE`) decoded.
fn der_or_pem(data: Vec<u8>, path: &Path) -> Result<Vec<Vec<u8>>, CliError> {
    if data.first() == Some(&0x30) {
        return Ok(vec![data]);
    }
    let blobs =
        inkan_verify::x509::pem::blocks(&data, &["X509 CRL", "CERTIFICATE"]).map_err(|e| {
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

/// Reads CRL files, each verified with the first of `cas` that issued and signed it: DER
/// streamed (never whole in memory), PEM decoded. Indirect CRLs and CRLs with unknown
/// critical extensions are refused (`crl-unsupported`).
fn load_verified(crls: &[PathBuf], cas: &[Cert]) -> Result<Vec<Crl>, CliError> {
    let mut out = Vec::new();
    for p in crls {
        let in_file = |e: CrlError| {
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
            let src = std::io::Read::chain(&lead[..], f).take(inkan_verify::fs::MAX_CRL);
            found.push(
                Crl::from_reader_signed_by(src, cas, Backend::default(), ReadLimits::default())
                    .map_err(in_file)?,
            );
        } else {
            drop(f);
            for der in der_or_pem(read(p)?, p)? {
                found
                    .push(Crl::from_der_signed_by(&der, cas, Backend::default()).map_err(in_file)?);
            }
        }
        for c in &found {
            c.check_supported(false).map_err(in_file)?;
        }
        out.extend(found);
    }
    Ok(out)
}

fn info_json(info: &CrlInfo, entries: usize) -> Value {
    json!({
        "issuer": info.issuer_string(),
        "this_update": info.this_update.to_string(),
        "next_update": info.next_update.map(|t| t.to_string()),
        "crl_number": info.number.as_deref().map(hex::encode),
        "delta_base": info.delta_base.as_deref().map(hex::encode),
        "has_idp": info.idp_der.is_some(),
        "entries": entries,
    })
}

/// Checks a batch for `crl index`: every delta applies to a complete CRL of its scope
/// (in the batch or in the store) with BaseCRLNumber ≤ its number < the delta's
/// (RFC 5280 §5.2.4); of several CRLs of one scope and kind only the newest is kept.
fn plan_index(batch: Vec<Crl>, store: &CrlStore) -> Result<(Vec<Crl>, Vec<Crl>), CliError> {
    let mut keep: Vec<Crl> = Vec::new();
    let mut superseded = Vec::new();
    for c in batch {
        let key = CrlStore::key_of(c.info());
        match keep.iter_mut().find(|k| CrlStore::key_of(k.info()) == key) {
            Some(k) => {
                if inkan_verify::revocation::store::is_older(k.info(), c.info()) {
                    superseded.push(std::mem::replace(k, c));
                } else {
                    superseded.push(c);
                }
            }
            None => keep.push(c),
        }
    }
    let mismatch =
        |detail: &str| CliError::new("crl-delta-mismatch", exit::INVALID, detail.to_owned());
    for d in keep.iter().filter(|c| c.is_delta()) {
        let base_key = CrlStore::key_of(d.info())
            .trim_end_matches(".delta")
            .to_owned();
        let base_info = keep
            .iter()
            .find(|c| !c.is_delta() && CrlStore::key_of(c.info()) == base_key)
            .map(|c| c.info().clone())
            .or_else(|| {
                store
                    .catalog()
                    .iter()
                    .find(|s| s.key == base_key)
                    .map(|s| s.info.clone())
            })
            .ok_or_else(|| mismatch("a delta CRL without its base CRL"))?;
        let (Some(base_n), Some(d_base), Some(d_n)) = (
            base_info.number.as_deref(),
            d.info().delta_base.as_deref(),
            d.info().number.as_deref(),
        ) else {
            return Err(mismatch("the base or the delta has no cRLNumber"));
        };
        let cmp = |a: &[u8], b: &[u8]| a.len().cmp(&b.len()).then_with(|| a.cmp(b));
        if cmp(d_base, base_n) == std::cmp::Ordering::Greater {
            return Err(mismatch("the delta's BaseCRLNumber is newer than the base"));
        }
        if cmp(d_n, base_n) != std::cmp::Ordering::Greater {
            return Err(mismatch("the delta is not newer than the base"));
        }
    }
    // Complete CRLs first, so that a delta is stored after its base.
    keep.sort_by_key(|c| c.is_delta());
    Ok((keep, superseded))
}

fn index(crls: &[PathBuf], cas: &[PathBuf], out: &Path) -> Result<Outcome, CliError> {
    let cas = load_cas(cas)?;
    let batch = load_verified(crls, &cas)?;
    let mut store = CrlStore::open(out).map_err(|e| crl_error(&e))?;
    let (keep, superseded) = plan_index(batch, &store)?;
    let mut items = Vec::new();
    let mut text = Vec::new();
    for c in &keep {
        let key = store.put(c).map_err(|e| crl_error(&e))?;
        text.push(format!(
            "{key} {} entries, issuer {}, next update {}",
            c.len(),
            c.info().issuer_string(),
            c.info()
                .next_update
                .map(|t| t.to_string())
                .unwrap_or_else(|| "none".into())
        ));
        let mut j = info_json(c.info(), c.len());
        if let Some(o) = j.as_object_mut() {
            o.insert("key".into(), json!(key));
        }
        items.push(j);
    }
    for c in &superseded {
        text.push(format!(
            "superseded: CRL number {} of {} (a newer one of the same scope was given)",
            c.info()
                .number
                .as_deref()
                .map(hex::encode)
                .unwrap_or_else(|| "none".into()),
            c.info().this_update
        ));
    }
    let superseded: Vec<Value> = superseded
        .iter()
        .map(|c| info_json(c.info(), c.len()))
        .collect();
    Ok(Outcome {
        json: json!({ "indexes": items, "superseded": superseded }),
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

/// The serial's INTEGER content (non-negative) from its unsigned magnitude.
fn integer_content(magnitude: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(magnitude.len() + 1);
    if magnitude.first().is_none_or(|&b| b >= 0x80) {
        v.push(0);
    }
    v.extend_from_slice(magnitude);
    v
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
    let candidates: Vec<Arc<Crl>> = match index_dir {
        Some(dir) => {
            let store = CrlStore::open_existing(dir).map_err(|e| crl_error(&e))?;
            let all = store.all().map_err(|e| crl_error(&e))?;
            if cas.is_empty() {
                all
            } else {
                // Only CRLs this CA issued and signed (the signature checked now).
                all.into_iter()
                    .filter(|c| {
                        cas.iter().any(|ca| {
                            inkan_verify::x509::name_eq(
                                &c.info().issuer().unwrap_or_default(),
                                ca.subject(),
                            ) && c
                                .verify_signed_by(ca.spki_der(), Backend::default())
                                .is_ok()
                        })
                    })
                    .collect()
            }
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
                .into_iter()
                .map(Arc::new)
                .collect()
        }
    };
    let groups = group_by_scope(&candidates);
    let selections: Vec<Selection> = groups.iter().filter_map(|g| select(g, |_| true)).collect();
    if selections.is_empty() {
        return Err(CliError::new(
            "crl-none",
            exit::INVALID,
            "no CRL to check against (none indexed, or none issued by the given CA)",
        ));
    }
    let issuers: Vec<String> = {
        let mut v: Vec<String> = selections
            .iter()
            .map(|s| s.complete.info().issuer_string())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    if issuers.len() > 1 {
        return Err(CliError::new(
            "usage",
            exit::USAGE,
            format!(
                "the CRLs are from {} issuers ({}): a serial is only meaningful with its issuer; name it with --ca",
                issuers.len(),
                issuers.join("; ")
            ),
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
        let content = integer_content(s);
        let hit = selections.iter().find_map(|sel| {
            let issuer = sel.complete.info().issuer()?;
            entry(sel, &issuer, &content).map(|r| (sel, r))
        });
        match hit {
            Some((sel, r)) => {
                let reason = r.reason_or_unspecified().name();
                lines.push(format!("{hexs} revoked {reason} {}", r.revoked_at));
                results.push(json!({
                    "serial": hexs, "status": "revoked", "reason": reason,
                    "revocation_time": r.revoked_at.to_string(),
                    "reason_present": r.reason.is_some(),
                    "invalidity_date": r.invalidity.map(|t| t.to_string()),
                    "issuer": sel.complete.info().issuer_string(),
                }));
            }
            None => {
                lines.push(format!("{hexs} not-revoked"));
                results.push(json!({ "serial": hexs, "status": "not-revoked" }));
            }
        }
    }
    let crls: Vec<Value> = selections
        .iter()
        .map(|sel| {
            let c = &sel.complete;
            let mut j = info_json(c.info(), c.len());
            if let Some(o) = j.as_object_mut() {
                o.insert("staleness".into(), staleness(c.info(), at));
                if let Some(d) = &sel.delta {
                    o.insert("delta".into(), info_json(d.info(), d.len()));
                }
            }
            j
        })
        .collect();
    Ok(Outcome {
        json: json!({ "results": results, "crls": crls }),
        text: lines.join("\n"),
    })
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
// fetch: the HTTP client here, the refresh logic in inkan_verify::revocation::refresh
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

const MAX_SOURCES: usize = 100_000;

fn fetch(config: &Path, at: Option<&str>, json_mode: bool) -> Result<Outcome, CliError> {
    let text = inkan_verify::fs::read_bounded(config, 16 << 20, "config file")
        .map_err(|e| CliError::new(e.code(), exit::IO, format!("{}: {e}", config.display())))?;
    let cfg: FetchConfig = serde_json::from_slice(&text)
        .map_err(|e| CliError::new("config", exit::USAGE, format!("{}: {e}", config.display())))?;
    if cfg.sources.len() > MAX_SOURCES {
        return Err(CliError::new("config", exit::USAGE, "too many sources"));
    }
    let base = config.parent().unwrap_or(Path::new("."));
    let store_dir = base.join(&cfg.store);
    let mut store = CrlStore::open(&store_dir).map_err(|e| crl_error(&e))?;
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
        let r = fetch_one(&agent, &mut store, src, base, cfg.max_bytes, at);
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

/// One source: the HTTP exchange driven by the refresh state machine; returns its report.
fn fetch_one(
    agent: &ureq::Agent,
    store: &mut CrlStore,
    src: &Source,
    base: &Path,
    max_bytes: u64,
    at: UnixTime,
) -> Value {
    let cas = load_cas(std::slice::from_ref(&base.join(&src.ca)));
    let mut refresh = Refresh::begin(store, &src.url, at);
    let outcome = match cas {
        Err(e) => Refreshed::Failed(RefreshError {
            code: e.code,
            message: e.message,
        }),
        Ok(cas) => inkan_server::fetch::exchange(agent, &mut refresh, &src.url, &cas, max_bytes),
    };
    let mut out = json!({ "url": src.url });
    if let Some(o) = out.as_object_mut() {
        match &outcome {
            Refreshed::Updated(_) => {
                o.insert("status".into(), json!("updated"));
            }
            Refreshed::NotModified => {
                o.insert("status".into(), json!("not-modified"));
            }
            Refreshed::Failed(e) => {
                o.insert("status".into(), json!("error"));
                o.insert(
                    "error".into(),
                    json!({ "code": e.code, "message": e.message }),
                );
            }
        }
        if let Some(c) = refresh.in_use() {
            let mut j = info_json(c.info(), c.len());
            if let Some(co) = j.as_object_mut() {
                co.insert("staleness".into(), staleness(c.info(), at));
                co.insert("key".into(), json!(CrlStore::key_of(c.info())));
            }
            o.insert("crl".into(), j);
        }
    }
    refresh.finish(&outcome);
    out
}

// ---------------------------------------------------------------------------------------
// generate, bench (hidden)
// ---------------------------------------------------------------------------------------

fn generate(
    entries: usize,
    out: &Path,
    ca_out: &Path,
    serial_bytes: usize,
    leaf_out: Option<&Path>,
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
    if let Some(leaf_out) = leaf_out {
        let key = pki::test_key(2, "bench/crl-leaf").map_err(internal)?;
        // Every CRL serial is odd in its first octet; this one is even, so it is not listed.
        let leaf = pki::issue_auth_cert(
            &root,
            &pki::AuthCertSpec {
                serial: &[0x02, 0x5E, 0xED],
                subject_key: &key.to_public_key(),
                common_name: "bench leaf",
                scope: None,
                validity: Validity::new(t(2021, 1, 1)?, t(2039, 1, 1)?).map_err(internal)?,
            },
        )
        .map_err(internal)?;
        let pem = pki::to_pem("CERTIFICATE", &leaf).map_err(internal)?;
        std::fs::write(leaf_out, pem).map_err(|e| CliError::io("cannot write", leaf_out, &e))?;
    }
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
    let _ = std::fs::remove_dir_all(&a.index_dir);
    let mut store = CrlStore::open(&a.index_dir).map_err(|e| crl_error(&e))?;
    let key = store.put(&idx).map_err(|e| crl_error(&e))?;
    let path = store.path_for(&key);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t2 = Instant::now();
        let again =
            inkan_verify::revocation::store::read_index(&path).map_err(|e| crl_error(&e))?;
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
