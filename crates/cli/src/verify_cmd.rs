//! `inkan verify …`: the relying party's side. Certificate paths (RFC 5280 §6), CMS
//! SignedData (RFC 5652 §5) and login signatures, with revocation from CRLs.
//!
//! Output is one verdict: `{"valid":true, …}` and exit 0, or
//! `{"valid":false, "error":{"code":…,"message":…}, …}` and exit 10 (`exit::INVALID`).
//! Unreadable files give exit 9 and bad arguments exit 2, with `"valid":false` too.

use crate::error::{CliError, exit};
use clap::{Args, Subcommand};
use inkan_verify::{
    AnchorSource, Cert, CertStatus, CrlSet, Error as VerifyError, HashAlg, JpkiIdentity,
    KeyUsageBits, RevocationOptions, Sex, TrustStore, UnixTime, ValidatedPath, ValidationOptions,
};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// `inkan verify` subcommands.
#[derive(Subcommand, Debug)]
pub enum VerifyCmd {
    /// Validates a certificate path (RFC 5280 §6.1) from LEAF to a trust anchor.
    ///
    /// Inputs are PEM (any number of certificates or CRLs per file) or DER (one per
    /// file), files or directories; every flag can be repeated. Each --trust-anchor
    /// certificate is trusted because you name it (the J-LIS fingerprint pins are not
    /// required here; the output says whether an anchor matched one). The path is built
    /// from the intermediates in any order, choosing issuers by name, key identifier and
    /// signature (all J-LIS root generations share one name).
    ///
    /// Revocation: without --crl none is checked. With one or more --crl, every
    /// certificate of the path below the trust anchor must be covered by a valid CRL
    /// (signed by its issuer or a delegated CRL signer, current at --at, delta CRLs
    /// applied); a certificate on a CRL gives `revoked`, one that no CRL covers gives
    /// `revocation-unknown`.
    ///
    /// Policy (RFC 5280 §6.1.1): --policy sets user-initial-policy-set (default
    /// anyPolicy); the three flags set initial-explicit-policy,
    /// initial-policy-mapping-inhibit and initial-any-policy-inhibit.
    ///
    /// Also checked: the trust anchor's own validity period at --at, basic constraints
    /// and path length, key usage of the CAs, name constraints, unknown critical
    /// extensions (rejected), at most 8 certificates and a work budget. Not checked:
    /// host names and extended key usage (JPKI certificates carry none).
    ///
    /// Exit 0: valid. Exit 10: not valid (the JSON error code says why). Exit 9: a
    /// file cannot be read. Exit 2: bad arguments.
    #[command(verbatim_doc_comment)]
    Chain(ChainArgs),
    /// Verifies a CMS SignedData (a `.p7s`, e.g. from `inkan card sign --format cms`):
    /// the signer's signature over the signed attributes, the message digest of the
    /// content, signing-certificate-v2, the signer's path to a trust anchor at --at and
    /// its revocation. Prints the signer's identity from the certificate (name, address,
    /// birth date, sex), the certificate kind, the claimed signing time and the
    /// revocation status.
    Cms(CmsArgs),
    /// Verifies a login: an RSASSA-PKCS1-v1_5 signature over a challenge made with the
    /// user-authentication key (`inkan card sign --key auth`), the certificate's kind,
    /// its path and revocation.
    Login(LoginArgs),
}

/// Options shared by `cms` and `login`.
#[derive(Args, Debug)]
pub struct AnchorArgs {
    /// Trust anchors: a PEM/DER file or a directory of them (e.g. the J-LIS roots of
    /// every generation). Anchors matching a published J-LIS fingerprint are reported
    /// as `pinned`, others as `explicit`.
    #[arg(long, value_name = "DIR", required = true)]
    trust_anchors: Vec<PathBuf>,
    /// Refuse anchors that match no published J-LIS root fingerprint (`untrusted-root`).
    #[arg(long)]
    pinned_only: bool,
    /// Extra intermediate certificates (PEM/DER file or directory).
    #[arg(long, value_name = "FILE")]
    intermediate: Vec<PathBuf>,
    /// CRLs (PEM/DER file or directory). Without any, revocation is not checked and the
    /// output says `not-checked`; with some, the signer must be covered by one.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// Validation time, RFC 3339 UTC (`2025-01-31T09:00:00Z`) [default: now].
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
}

/// `inkan verify chain`.
#[derive(Args, Debug)]
pub struct ChainArgs {
    /// A trust anchor certificate (PEM/DER file or directory). Repeatable.
    #[arg(long, value_name = "FILE", required = true)]
    trust_anchor: Vec<PathBuf>,
    /// An intermediate certificate (PEM/DER file or directory). Repeatable.
    #[arg(long, value_name = "FILE")]
    intermediate: Vec<PathBuf>,
    /// A CRL (PEM/DER file or directory). Repeatable. Any --crl turns on revocation
    /// checking for the whole path.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// Validation time, RFC 3339 UTC (`2025-01-31T09:00:00Z`) [default: now].
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// An OID of user-initial-policy-set. Repeatable. Default: anyPolicy.
    #[arg(long, value_name = "OID")]
    policy: Vec<String>,
    /// initial-explicit-policy: the path must be valid for a policy of the set.
    #[arg(long)]
    require_explicit_policy: bool,
    /// initial-policy-mapping-inhibit.
    #[arg(long)]
    inhibit_policy_mapping: bool,
    /// initial-any-policy-inhibit.
    #[arg(long)]
    inhibit_any_policy: bool,
    /// The certificate to validate (PEM or DER; the first certificate of the file).
    #[arg(value_name = "LEAF")]
    leaf: PathBuf,
}

/// `inkan verify cms`.
#[derive(Args, Debug)]
pub struct CmsArgs {
    /// The CMS SignedData, DER (`.p7s`) or PEM (`CMS`/`PKCS7`).
    #[arg(long, value_name = "FILE.p7s")]
    signature: PathBuf,
    /// The signed document, for a detached signature.
    #[arg(long, value_name = "FILE")]
    content: Option<PathBuf>,
    #[command(flatten)]
    anchors: AnchorArgs,
    /// Accept a signer certificate revoked after the signing time claimed in the CMS
    /// (otherwise `revoked-after-signing`, exit 10).
    #[arg(long)]
    accept_revoked_after_signing: bool,
}

/// `inkan verify login`.
#[derive(Args, Debug)]
pub struct LoginArgs {
    /// The challenge the server issued, in hex (the bytes that were signed).
    #[arg(long, value_name = "HEX")]
    challenge: String,
    /// The raw RSASSA-PKCS1-v1_5 signature (e.g. 256 bytes from `inkan card sign --key auth`).
    #[arg(long, value_name = "FILE")]
    signature: PathBuf,
    /// The user-authentication certificate (PEM/DER).
    #[arg(long, value_name = "FILE")]
    certificate: PathBuf,
    /// The hash the signature was made with.
    #[arg(long, value_name = "ALG", default_value = "sha256")]
    hash: String,
    #[command(flatten)]
    anchors: AnchorArgs,
}

/// A verdict or a failure to reach one.
enum Failure {
    /// Verification ran: not valid.
    Invalid(VerifyError, Map<String, Value>),
    /// Bad usage or unreadable input.
    Cli(CliError),
}

impl From<CliError> for Failure {
    fn from(e: CliError) -> Self {
        Failure::Cli(e)
    }
}

fn invalid(e: VerifyError) -> Failure {
    Failure::Invalid(e, Map::new())
}

/// Input errors from the verify crate: I/O is exit 9, anything else (a malformed
/// certificate, a bad anchor) is a verdict.
fn load_err(e: VerifyError) -> Failure {
    match e {
        VerifyError::Io { detail } => Failure::Cli(CliError::new("io", exit::IO, detail)),
        e => invalid(e),
    }
}

fn usage(msg: impl Into<String>) -> Failure {
    Failure::Cli(CliError::new("usage", exit::USAGE, msg))
}

/// Runs a verify command, prints the verdict (JSON with `json`) and returns the exit code.
pub fn run(cmd: &VerifyCmd, json_mode: bool) -> i32 {
    let r = match cmd {
        VerifyCmd::Chain(a) => chain(a),
        VerifyCmd::Cms(a) => cms(a),
        VerifyCmd::Login(a) => login(a),
    };
    match r {
        Ok((v, text)) => {
            let mut obj = Map::new();
            obj.insert("valid".into(), json!(true));
            if let Value::Object(m) = v {
                obj.extend(m);
            }
            if json_mode {
                println!("{}", Value::Object(obj));
            } else {
                println!("{text}");
            }
            exit::OK
        }
        Err(Failure::Invalid(e, extra)) => {
            let mut err = Map::new();
            err.insert("code".into(), json!(e.code()));
            err.insert("message".into(), json!(e.to_string()));
            err.extend(error_details(&e));
            let mut obj = Map::new();
            obj.insert("valid".into(), json!(false));
            obj.insert("error".into(), Value::Object(err));
            obj.extend(extra);
            if json_mode {
                println!("{}", Value::Object(obj));
            } else {
                println!("INVALID: {e} [{}]", e.code());
            }
            exit::INVALID
        }
        Err(Failure::Cli(e)) => {
            if json_mode {
                let mut v = e.to_json();
                if let Some(o) = v.as_object_mut() {
                    o.insert("valid".into(), json!(false));
                }
                println!("{v}");
            } else {
                eprintln!("inkan: {} [{}]", e.message, e.code);
            }
            e.exit
        }
    }
}

/// Machine-readable context of a verification error (added to the JSON error object).
fn error_details(e: &VerifyError) -> Map<String, Value> {
    let mut m = Map::new();
    match e {
        VerifyError::Revoked {
            depth,
            serial,
            revoked_at,
            reason,
        } => {
            m.insert("depth".into(), json!(depth));
            m.insert("serial".into(), json!(serial));
            m.insert("revoked_at".into(), json!(revoked_at.to_string()));
            m.insert("reason".into(), json!(reason.name()));
        }
        VerifyError::RevokedAfterSigning {
            depth,
            serial,
            revoked_at,
            signing_time,
            reason,
        } => {
            m.insert("depth".into(), json!(depth));
            m.insert("serial".into(), json!(serial));
            m.insert("revoked_at".into(), json!(revoked_at.to_string()));
            m.insert("signing_time".into(), json!(signing_time.to_string()));
            m.insert("reason".into(), json!(reason.name()));
        }
        VerifyError::Expired {
            depth,
            not_after,
            at,
        } => {
            m.insert("depth".into(), json!(depth));
            m.insert("not_after".into(), json!(not_after.to_string()));
            m.insert("at".into(), json!(at.to_string()));
        }
        VerifyError::NotYetValid {
            depth,
            not_before,
            at,
        } => {
            m.insert("depth".into(), json!(depth));
            m.insert("not_before".into(), json!(not_before.to_string()));
            m.insert("at".into(), json!(at.to_string()));
        }
        VerifyError::RevocationUnknown { depth, .. }
        | VerifyError::NotCa { depth }
        | VerifyError::PathLength { depth }
        | VerifyError::KeyUsage { depth, .. }
        | VerifyError::NameConstraints { depth, .. } => {
            m.insert("depth".into(), json!(depth));
        }
        _ => {}
    }
    m
}

fn parse_at(at: Option<&str>) -> Result<UnixTime, Failure> {
    match at {
        Some(s) => UnixTime::parse_rfc3339(s)
            .ok_or_else(|| usage(format!("--at {s}: expected YYYY-MM-DDTHH:MM:SSZ"))),
        None => SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| UnixTime::from_secs(d.as_secs()))
            .map_err(|_| usage("the system clock is before 1970; pass --at")),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Cli(CliError::io("cannot read", path, &e)))
}

/// Splits a PEM bundle or a DER blob into DER items.
type SplitFn = fn(&[u8]) -> Result<Vec<Vec<u8>>, VerifyError>;

/// DER blobs of the given kind from files (PEM or DER; a blob that does not parse is a
/// verdict) or directories (where files holding something else, such as a CRL next to
/// the roots, are skipped).
fn load_ders(
    paths: &[PathBuf],
    split: SplitFn,
    parses: fn(&[u8]) -> bool,
) -> Result<Vec<Vec<u8>>, Failure> {
    let mut out = Vec::new();
    for p in paths {
        let dir = p.is_dir();
        for data in inkan_verify::fs::read_file_or_dir(p).map_err(load_err)? {
            match split(&data) {
                Ok(ders) if dir => out.extend(ders.into_iter().filter(|d| parses(d))),
                Ok(ders) => out.extend(ders),
                Err(_) if dir => {}
                Err(e) => return Err(invalid(e)),
            }
        }
    }
    Ok(out)
}

fn cert_ders(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, Failure> {
    load_ders(paths, inkan_verify::pem::certificates, |d| {
        Cert::from_der(d).is_ok()
    })
}

/// Every certificate in the files or directories.
fn load_certs(paths: &[PathBuf]) -> Result<Vec<Cert>, Failure> {
    cert_ders(paths)?
        .iter()
        .map(|d| Cert::from_der(d).map_err(invalid))
        .collect()
}

/// The first certificate of a PEM/DER file.
fn load_one_cert(path: &Path) -> Result<Cert, Failure> {
    let data = read(path)?;
    let ders = inkan_verify::pem::certificates(&data).map_err(invalid)?;
    let der = ders.first().ok_or_else(|| {
        invalid(VerifyError::Malformed {
            what: "certificate file",
            detail: format!("{}: no certificate", path.display()),
        })
    })?;
    Cert::from_der(der).map_err(invalid)
}

/// Anchors: pinned when they match a J-LIS fingerprint, else explicit (refused with
/// `pinned_only`).
fn load_anchors(paths: &[PathBuf], pinned_only: bool) -> Result<TrustStore, Failure> {
    let mut store = TrustStore::new();
    for der in cert_ders(paths)? {
        match store.add_pinned(&der) {
            Ok(_) => {}
            Err(VerifyError::UntrustedRoot { .. }) if !pinned_only => {
                store.add_explicit(&der).map_err(invalid)?;
            }
            Err(e) => return Err(invalid(e)),
        }
    }
    if store.is_empty() {
        return Err(usage("no trust anchor certificate found"));
    }
    Ok(store)
}

fn load_crls(paths: &[PathBuf]) -> Result<CrlSet, Failure> {
    let mut set = CrlSet::new();
    for der in load_ders(paths, inkan_verify::pem::crls, |d| {
        inkan_verify::Crl::from_der(d).is_ok()
    })? {
        set.add_der(&der).map_err(invalid)?;
    }
    Ok(set)
}

fn parse_oid(s: &str) -> Result<der::asn1::ObjectIdentifier, Failure> {
    der::asn1::ObjectIdentifier::new(s).map_err(|e| usage(format!("--policy {s}: {e}")))
}

fn cert_json(c: &Cert) -> Value {
    json!({
        "subject": c.subject().to_string(),
        "issuer": c.issuer().to_string(),
        "serial": c.serial_hex(),
        "not_before": c.not_before().to_string(),
        "not_after": c.not_after().to_string(),
        "sha256": hex::encode(c.sha256()),
    })
}

fn anchor_json(p: &ValidatedPath) -> Value {
    let source = match p.anchor.source {
        AnchorSource::Pinned(pin) => json!({"source": "pinned", "label": pin.label}),
        AnchorSource::Explicit => json!({"source": "explicit"}),
    };
    let mut v = cert_json(&p.anchor.cert);
    if let (Some(o), Value::Object(s)) = (v.as_object_mut(), source) {
        o.extend(s);
    }
    v
}

fn status_json(s: Option<&CertStatus>) -> Value {
    match s {
        None | Some(CertStatus::NotChecked) => json!({"status": "not-checked"}),
        Some(CertStatus::Good) => json!({"status": "good"}),
        Some(CertStatus::RevokedAfterSigning { revoked_at, reason }) => json!({
            "status": "revoked-after-signing",
            "revoked_at": revoked_at.to_string(),
            "reason": reason.name(),
        }),
        Some(CertStatus::Unknown { detail }) => json!({"status": "unknown", "detail": detail}),
        Some(_) => json!({"status": "other"}),
    }
}

fn status_text(s: Option<&CertStatus>) -> String {
    match s {
        None | Some(CertStatus::NotChecked) => "not checked (no --crl given)".to_owned(),
        Some(CertStatus::Good) => "good (not on the CRL)".to_owned(),
        Some(CertStatus::RevokedAfterSigning { revoked_at, reason }) => {
            format!("revoked at {revoked_at} ({reason}), after the signing time")
        }
        Some(CertStatus::Unknown { detail }) => format!("unknown: {detail}"),
        Some(_) => "other".to_owned(),
    }
}

fn sex_name(s: &Sex) -> (&str, &str) {
    match s {
        Sex::Male => ("male", "1"),
        Sex::Female => ("female", "2"),
        Sex::NotApplicable => ("not-applicable", "9"),
        Sex::Other(v) => ("other", v.as_str()),
    }
}

fn identity_json(id: Option<&JpkiIdentity>) -> Value {
    let Some(id) = id else {
        return Value::Null;
    };
    let (sex, sex_code) = id.sex.as_ref().map(sex_name).unzip();
    json!({
        "name": id.name,
        "name_substitute_flags": id.name_substitute_flags,
        "address": id.address,
        "address_substitute_flags": id.address_substitute_flags,
        "birth_date": id.birth_date.map(|b| format!("{:04}-{:02}-{:02}", b.year, b.month, b.day)),
        "birth_date_era_digit": id.birth_date.map(|b| b.era_digit),
        "sex": sex,
        "sex_code": sex_code,
    })
}

fn identity_text(id: Option<&JpkiIdentity>, lines: &mut Vec<String>) {
    let Some(id) = id else {
        return;
    };
    let or_dash = |s: Option<&str>| s.unwrap_or("-").to_owned();
    lines.push(format!("  name:       {}", or_dash(id.name.as_deref())));
    lines.push(format!("  address:    {}", or_dash(id.address.as_deref())));
    lines.push(format!(
        "  birth date: {}",
        id.birth_date.map_or("-".to_owned(), |b| format!(
            "{:04}-{:02}-{:02}",
            b.year, b.month, b.day
        ))
    ));
    lines.push(format!(
        "  sex:        {}",
        id.sex.as_ref().map_or("-", |s| sex_name(s).0)
    ));
}

fn revocation_options<'a>(crls: &'a CrlSet, paths: &[PathBuf]) -> Option<RevocationOptions<'a>> {
    (!paths.is_empty()).then(|| RevocationOptions::new(crls))
}

fn chain(a: &ChainArgs) -> Result<(Value, String), Failure> {
    let at = parse_at(a.at.as_deref())?;
    let policies = a
        .policy
        .iter()
        .map(|s| parse_oid(s))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = load_one_cert(&a.leaf)?;
    let mut store = TrustStore::new();
    // The operator names these anchors: explicit, but labelled pinned when they match.
    for der in cert_ders(&a.trust_anchor)? {
        if store.add_pinned(&der).is_err() {
            store.add_explicit(&der).map_err(invalid)?;
        }
    }
    let inter = load_certs(&a.intermediate)?;
    let crls = load_crls(&a.crl)?;
    let mut o = ValidationOptions::new(at);
    o.initial_policy_set = policies;
    o.initial_explicit_policy = a.require_explicit_policy;
    o.initial_policy_mapping_inhibit = a.inhibit_policy_mapping;
    o.initial_any_policy_inhibit = a.inhibit_any_policy;
    o.revocation = revocation_options(&crls, &a.crl);
    let p = inkan_verify::verify_path(&leaf, &inter, &store, &o).map_err(invalid)?;
    let kind = inkan_verify::cert_kind(&leaf);
    let id = inkan_verify::identity(&leaf).ok().flatten();
    let revocation: Vec<Value> = p.revocation.iter().map(|s| status_json(Some(s))).collect();
    let policies: Vec<String> = p.policies.iter().map(|o| o.to_string()).collect();
    let v = json!({
        "at": at.to_string(),
        "leaf": cert_json(&leaf),
        "kind": kind.as_str(),
        "identity": identity_json(id.as_ref()),
        "chain": p.chain.iter().map(cert_json).collect::<Vec<_>>(),
        "anchor": anchor_json(&p),
        "policies": policies,
        "revocation_checked": !a.crl.is_empty(),
        "revocation": revocation,
    });
    let text = format!(
        "VALID at {at}: {} ({} certificate{} to the anchor {}, {})\n  policies:   {}\n  revocation: {}",
        leaf.subject(),
        p.chain.len(),
        if p.chain.len() == 1 { "" } else { "s" },
        p.anchor.cert.subject(),
        match p.anchor.source {
            AnchorSource::Pinned(pin) => pin.label,
            AnchorSource::Explicit => "explicit",
        },
        if policies.is_empty() {
            "none (no valid policy tree)".to_owned()
        } else {
            policies.join(", ")
        },
        status_text(p.revocation.first()),
    );
    Ok((v, text))
}

fn cms(a: &CmsArgs) -> Result<(Value, String), Failure> {
    let at = parse_at(a.anchors.at.as_deref())?;
    let raw = read(&a.signature)?;
    let der = if raw.starts_with(b"-----BEGIN") {
        der::pem::decode_vec(&raw).map(|(_, d)| d).map_err(|e| {
            invalid(VerifyError::Malformed {
                what: "CMS PEM",
                detail: e.to_string(),
            })
        })?
    } else {
        raw
    };
    let content = a.content.as_deref().map(read).transpose()?;
    let store = load_anchors(&a.anchors.trust_anchors, a.anchors.pinned_only)?;
    let inter = load_certs(&a.anchors.intermediate)?;
    let crls = load_crls(&a.anchors.crl)?;
    let mut o = ValidationOptions::new(at);
    o.leaf_key_usage = KeyUsageBits::DIGITAL_SIGNATURE;
    o.revocation = revocation_options(&crls, &a.anchors.crl).map(|mut r| {
        r.accept_revoked_after_signing = a.accept_revoked_after_signing;
        r
    });
    let v =
        inkan_verify::verify_cms(&der, content.as_deref(), &store, &inter, &o).map_err(invalid)?;
    let status = v.signer_status();
    let signing_time = v.signing_time.map(|t| t.to_string());
    let j = json!({
        "at": at.to_string(),
        "signer": cert_json(&v.signer),
        "kind": v.kind.as_str(),
        "identity": identity_json(v.identity.as_ref()),
        "signing_time": signing_time,
        "revocation": status_json(status),
        "content_type": v.content_type.to_string(),
        "detached": content.is_some(),
        "content_length": v.content.len(),
        "digest": match v.digest { HashAlg::Sha256 => "sha256", HashAlg::Sha384 => "sha384", HashAlg::Sha512 => "sha512" },
        "anchor": anchor_json(&v.path),
    });
    let who = v
        .identity
        .as_ref()
        .and_then(|i| i.name.clone())
        .unwrap_or_else(|| v.signer.subject().to_string());
    let mut lines = vec![format!(
        "VALID signature by {who} ({} certificate)",
        v.kind.as_str()
    )];
    identity_text(v.identity.as_ref(), &mut lines);
    lines.push(format!(
        "  signed at:  {} (as claimed by the signer)",
        signing_time.as_deref().unwrap_or("-")
    ));
    lines.push(format!("  revocation: {}", status_text(status)));
    lines.push(format!(
        "  anchor:     {} ({})",
        v.path.anchor.cert.subject(),
        match v.path.anchor.source {
            AnchorSource::Pinned(pin) => pin.label,
            AnchorSource::Explicit => "explicit",
        }
    ));
    lines.push(format!("  checked at: {at}"));
    Ok((j, lines.join("\n")))
}

fn login(a: &LoginArgs) -> Result<(Value, String), Failure> {
    let at = parse_at(a.anchors.at.as_deref())?;
    let challenge =
        hex::decode(a.challenge.trim()).map_err(|e| usage(format!("--challenge: {e}")))?;
    let hash = match a.hash.to_ascii_lowercase().replace('-', "").as_str() {
        "sha256" => HashAlg::Sha256,
        "sha384" => HashAlg::Sha384,
        "sha512" => HashAlg::Sha512,
        other => return Err(usage(format!("--hash {other}: sha256, sha384 or sha512"))),
    };
    let signature = read(&a.signature)?;
    let cert = load_one_cert(&a.certificate)?;
    let store = load_anchors(&a.anchors.trust_anchors, a.anchors.pinned_only)?;
    let inter = load_certs(&a.anchors.intermediate)?;
    let crls = load_crls(&a.anchors.crl)?;
    let mut o = ValidationOptions::new(at);
    o.leaf_key_usage = KeyUsageBits::DIGITAL_SIGNATURE;
    o.revocation = revocation_options(&crls, &a.anchors.crl);
    let v = inkan_verify::verify_login(&challenge, &signature, hash, &cert, &inter, &store, &o)
        .map_err(invalid)?;
    let status = v.path.revocation.first();
    let j = json!({
        "at": at.to_string(),
        "subject": v.subject,
        "kind": inkan_verify::cert_kind(&cert).as_str(),
        "certificate": cert_json(&cert),
        "revocation": status_json(status),
        "anchor": anchor_json(&v.path),
    });
    let text = format!(
        "VALID login by {} (user-authentication certificate)\n  revocation: {}\n  checked at: {at}",
        v.subject,
        status_text(status)
    );
    Ok((j, text))
}
