//! `inkan verify …`: the relying party's side. Certificate paths (RFC 5280 §6), CMS
//! SignedData (RFC 5652 §5) and login signatures, with revocation from CRL files or the
//! persisted CRL store. Thin: inputs are read through `inkan_verify::fs`, the checks are
//! the library's, and the verdicts are its `report` types.
//!
//! Output is one verdict: `{"valid":true, …}` and exit 0, or
//! `{"valid":false, "error":{"code":…,"message":…}, …}` and exit 10 (`exit::INVALID`).
//! Unreadable files give exit 9 and bad arguments exit 2, with `"valid":false` too.

use crate::error::{CliError, exit};
use crate::ocsp_http::HttpOcsp;
use clap::{Args, Subcommand};
use inkan_verify::report::{ChainReport, CmsReport, ErrorReport, LoginReport, RevocationReport};
use inkan_verify::revocation::store::CrlStore;
use inkan_verify::{
    AnchorSource, Cert, CertStatus, CrlSet, Error as VerifyError, HashAlg, Purpose,
    RevocationOptions, RevocationSource, Sources, TrustStore, UnixTime, ValidatedPath,
    ValidationOptions, fs as vfs,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// `inkan verify` subcommands.
#[derive(Subcommand, Debug)]
pub enum VerifyCmd {
    /// Validates a certificate path (RFC 5280 §6.1) from LEAF to a trust anchor.
    ///
    /// Inputs are PEM (any number of certificates or CRLs per file) or DER (one per
    /// file), files or directories; every flag can be repeated. Each --trust-anchor
    /// certificate is trusted because you name it (the J-LIS fingerprint pins are not
    /// required here; the output says whether an anchor matched one); it must be a CA
    /// certificate. The path is built from the intermediates in any order, choosing
    /// issuers by name, key identifier and signature (all J-LIS root generations share
    /// one name).
    ///
    /// Revocation: without --crl, --crl-store and --ocsp none is checked. With CRLs (files, or
    /// the store `inkan crl fetch` keeps), every certificate of the path below the
    /// trust anchor must be covered by a valid CRL: per issuer and distribution point
    /// the complete CRL with the highest cRLNumber that is not past its nextUpdate at
    /// --at and signed by its issuer (or a delegated CRL signer), with the newest
    /// applicable delta CRL; a certificate on it gives `revoked`, one that no CRL covers
    /// `revocation-unknown`. The JSON names the CRL that decided. A CRL issued after
    /// --at is used as of --at: an entry dated after --at means good then
    /// (`revoked_later` in the JSON), except for key or CA compromise.
    ///
    /// Policy (RFC 5280 §6.1.1): --policy sets user-initial-policy-set (default
    /// anyPolicy); the three flags set initial-explicit-policy,
    /// initial-policy-mapping-inhibit and initial-any-policy-inhibit.
    ///
    /// Also checked: the trust anchor's own validity period at --at, basic constraints
    /// and path length, key usage of the CAs, name constraints, unknown critical
    /// extensions (rejected), at most 8 certificates and a work budget. Not checked:
    /// host names and extended key usage (`verify cms` and `verify login` check the
    /// purpose).
    ///
    /// Exit 0: valid. Exit 10: not valid (the JSON error code says why). Exit 9: a
    /// file cannot be read. Exit 2: bad arguments.
    #[command(verbatim_doc_comment)]
    Chain(ChainArgs),
    /// Verifies a CMS SignedData (a `.p7s`, e.g. from `inkan card sign --format cms`):
    /// the signer's signature over the signed attributes, the message digest of the
    /// content, signing-certificate-v2, the signer's path to a trust anchor at --at and
    /// its revocation, and that the signer's certificate is a signature certificate
    /// (a user-authentication certificate is refused with `certificate-kind` unless
    /// --allow-auth-cert). Prints the signer's identity from the certificate (name,
    /// address, birth date, sex), the certificate kind, the signing time as the signer
    /// claims it and the revocation status.
    Cms(CmsArgs),
    /// Verifies a login: an RSASSA-PKCS1-v1_5 signature over a challenge made with the
    /// user-authentication key (`inkan card sign --key auth`), the certificate's kind,
    /// its path and revocation. Challenges must be random bytes: one that parses as DER
    /// signed attributes, a DigestInfo or an XML SignedInfo is refused
    /// (`challenge-structured`), since its signature would sign a document.
    Login(LoginArgs),
    /// Verifies the XML signatures of an e-Tax filing (`.xtx`: sibling `dsig:Signature`
    /// elements after the procedure element), a deduction certificate (enveloped), or
    /// an e-Gov application (a ZIP with `kousei.xml`, or `kousei.xml` with
    /// --attachments): every reference (where it points, transforms, digest), the
    /// signature value, then the signer's path and revocation as for `cms`. One result
    /// per signature; valid (exit 0) when every signature is valid and every child of
    /// the document element is covered by one, else exit 10.
    Xml(XmlArgs),
}

/// `inkan verify xml`.
#[derive(Args, Debug)]
pub struct XmlArgs {
    /// The signed XML document (at most 64 MiB), or an e-Gov application ZIP.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Where files referenced by name are: a directory or a ZIP (default: beside
    /// --in for an XML file; inside it for a ZIP).
    #[arg(long, value_name = "DIR|ZIP")]
    attachments: Option<PathBuf>,
    #[command(flatten)]
    anchors: AnchorArgs,
    /// Accept a JPKI user-authentication certificate as the signer.
    #[arg(long)]
    allow_auth_cert: bool,
}

/// Revocation inputs shared by every verify command.
#[derive(Args, Debug)]
pub struct RevocationArgs {
    /// CRLs (PEM/DER file or directory; in a directory, certificates and other files
    /// are skipped, a CRL that does not parse is an error). Without --crl and
    /// --crl-store, revocation is not checked and the output says `not-checked`.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// The CRL store `inkan crl fetch` or `inkan crl index` keeps (its `store`
    /// directory). Repeatable; combines with --crl.
    #[arg(long, value_name = "DIR")]
    crl_store: Vec<PathBuf>,
    /// Ask an OCSP responder (RFC 6960) about every certificate below the trust
    /// anchor: an http:// URL, or `aia` for the URL in each certificate's
    /// authorityInfoAccess. Each request carries a fresh nonce; the answer must be
    /// signed by the certificate's issuer or a responder it certified
    /// (id-kp-OCSPSigning), current at --at, and say `good` or `revoked`. A responder
    /// that says `unknown`, fails or cannot be reached leaves the decision to --crl /
    /// --crl-store, and without them gives `revocation-unknown`: never valid.
    #[arg(long, value_name = "URL|aia")]
    ocsp: Option<String>,
    /// Seconds each OCSP request may take, from connecting to the last byte.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    ocsp_timeout: u64,
}

/// Options shared by `cms` and `login`.
#[derive(Args, Debug)]
pub struct AnchorArgs {
    /// Trust anchors: a PEM/DER file or a directory of them (e.g. the J-LIS roots of
    /// every generation). Anchors matching a published J-LIS fingerprint are reported
    /// as `pinned`, others as `explicit`; every anchor must be a CA certificate.
    #[arg(long, value_name = "DIR", required = true)]
    trust_anchors: Vec<PathBuf>,
    /// Refuse anchors that match no published J-LIS root fingerprint (`untrusted-root`).
    #[arg(long)]
    pinned_only: bool,
    /// Extra intermediate certificates (PEM/DER file or directory).
    #[arg(long, value_name = "FILE")]
    intermediate: Vec<PathBuf>,
    #[command(flatten)]
    revocation: RevocationArgs,
    /// Validation time, RFC 3339 (`2025-01-31T09:00:00Z`, `2025-01-31T18:00:00.5+09:00`;
    /// fractions of a second are dropped) [default: now].
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
    #[command(flatten)]
    revocation: RevocationArgs,
    /// Validation time, RFC 3339 (`2025-01-31T09:00:00Z`, `2025-01-31T18:00:00.5+09:00`;
    /// fractions of a second are dropped) [default: now].
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
    /// The CMS SignedData, DER (`.p7s`) or PEM (`CMS`/`PKCS7`); at most 64 MiB. Give
    /// it several times to check many signatures in one run: anchors, CRLs and options
    /// are loaded once and a signer's validated path is remembered; the report then
    /// lists every file (`signatures`), and the run is valid when every one is.
    #[arg(long, value_name = "FILE.p7s", required = true)]
    signature: Vec<PathBuf>,
    /// The signed document, for a detached signature (hashed as it is read, any size).
    #[arg(long, value_name = "FILE")]
    content: Option<PathBuf>,
    #[command(flatten)]
    anchors: AnchorArgs,
    /// Accept a signer certificate revoked after the signing time claimed in the CMS
    /// (otherwise `revoked-after-signing`, exit 10). A revocation for key compromise,
    /// or with an invalidity date at or before the claimed time, stays `revoked`: the
    /// claimed time is the signer's word.
    #[arg(long)]
    accept_revoked_after_signing: bool,
    /// Accept a JPKI user-authentication certificate as the signer (refused by
    /// default with `certificate-kind`: a login server can have that key sign any
    /// bytes it sends).
    #[arg(long)]
    allow_auth_cert: bool,
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
    Invalid(VerifyError),
    /// Bad usage or unreadable input.
    Cli(CliError),
}

impl From<CliError> for Failure {
    fn from(e: CliError) -> Self {
        Failure::Cli(e)
    }
}

/// Errors from the verify crate: unreadable input is exit 9 (`io`), an input over its
/// size bound too; anything else (a malformed certificate, a bad anchor) is a verdict.
impl From<VerifyError> for Failure {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::Io { detail } => Failure::Cli(CliError::new("io", exit::IO, detail)),
            e @ VerifyError::TooLarge { .. } => {
                Failure::Cli(CliError::new(e.code(), exit::IO, e.to_string()))
            }
            e => Failure::Invalid(e),
        }
    }
}

fn usage(msg: impl Into<String>) -> Failure {
    Failure::Cli(CliError::new("usage", exit::USAGE, msg))
}

/// A verdict reached: the report (JSON), its text, and whether it says valid (`verify
/// xml` reports invalid signatures in its report; the others fail with
/// [`Failure::Invalid`]).
struct Valid {
    json: Value,
    text: String,
    valid: bool,
}

fn valid(report: &impl Serialize, text: String) -> Result<Valid, Failure> {
    let json = serde_json::to_value(report)
        .map_err(|e| Failure::Cli(CliError::new("internal", exit::INTERNAL, e.to_string())))?;
    Ok(Valid {
        json,
        text,
        valid: true,
    })
}

/// Runs a verify command, prints the verdict (JSON with `json`) and returns the exit code.
pub fn run(cmd: &VerifyCmd, json_mode: bool) -> i32 {
    let r = match cmd {
        VerifyCmd::Chain(a) => chain(a),
        VerifyCmd::Cms(a) => cms(a),
        VerifyCmd::Login(a) => login(a),
        VerifyCmd::Xml(a) => xml(a),
    };
    // `verify xml` answers `ok` and a `signatures` list even for a refused document.
    let xml = matches!(cmd, VerifyCmd::Xml(_));
    match r {
        Ok(v) => {
            let mut obj = Map::new();
            obj.insert("valid".into(), json!(v.valid));
            if xml {
                obj.insert("ok".into(), json!(true));
            }
            if let Value::Object(m) = v.json {
                obj.extend(m);
            }
            if json_mode {
                println!("{}", Value::Object(obj));
            } else {
                println!("{}", v.text);
            }
            if v.valid { exit::OK } else { exit::INVALID }
        }
        Err(Failure::Invalid(e)) => {
            if json_mode {
                let mut obj = Map::new();
                obj.insert("valid".into(), json!(false));
                obj.insert("error".into(), json!(ErrorReport::from(&e)));
                if xml {
                    obj.insert("ok".into(), json!(true));
                    obj.insert("signatures".into(), json!([]));
                }
                let obj = Value::Object(obj);
                println!("{obj}");
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

impl AnchorArgs {
    /// The trust anchors, intermediates and revocation sources these flags name.
    fn load(&self) -> Result<(TrustStore, Vec<Cert>, Revocation), Failure> {
        Ok((
            load_anchors(&self.trust_anchors, self.pinned_only)?,
            load_certs(&self.intermediate)?,
            Revocation::load(&self.revocation)?,
        ))
    }
}

fn parse_at(at: Option<&str>) -> Result<UnixTime, Failure> {
    match at {
        Some(s) => UnixTime::parse_rfc3339(s)
            .ok_or_else(|| usage(format!("--at {s}: expected an RFC 3339 time such as 2025-01-31T09:00:00Z or 2025-01-31T18:00:00+09:00"))),
        None => SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| UnixTime::from_secs(d.as_secs()))
            .map_err(|_| usage("the system clock is before 1970; pass --at")),
    }
}

/// Every certificate in the files or directories.
fn load_certs(paths: &[PathBuf]) -> Result<Vec<Cert>, Failure> {
    Ok(vfs::load_parsed_certificates(paths)?)
}

/// The first certificate of a PEM/DER file.
fn load_one_cert(path: &Path) -> Result<Cert, Failure> {
    let ders = vfs::load_certificates(std::slice::from_ref(&path.to_path_buf()))?;
    let der = ders.first().ok_or_else(|| {
        Failure::Invalid(VerifyError::Malformed {
            what: "certificate file",
            detail: format!("{}: no certificate", path.display()),
        })
    })?;
    Ok(Cert::from_der(der)?)
}

/// Anchors: pinned when they match a J-LIS fingerprint, else explicit (refused with
/// `pinned_only`); each must be a CA certificate.
fn load_anchors(paths: &[PathBuf], pinned_only: bool) -> Result<TrustStore, Failure> {
    let mut store = TrustStore::new();
    if pinned_only {
        store.load_pinned(paths)?;
    } else {
        store.load_named(paths)?;
    }
    if store.is_empty() {
        return Err(usage("no trust anchor certificate found"));
    }
    Ok(store)
}

/// The CRLs of `--crl`, the stores of `--crl-store` opened, the `--ocsp` client.
struct Revocation {
    set: CrlSet,
    stores: Vec<CrlStore>,
    ocsp: Option<HttpOcsp>,
    checked: bool,
}

impl Revocation {
    fn load(a: &RevocationArgs) -> Result<Self, Failure> {
        let mut set = CrlSet::new();
        vfs::load_crls(&a.crl, &mut set)?;
        let stores = a
            .crl_store
            .iter()
            .map(|d| CrlStore::open_existing(d).map_err(VerifyError::from))
            .collect::<Result<Vec<_>, _>>()?;
        let ocsp = a
            .ocsp
            .as_deref()
            .map(|spec| HttpOcsp::new(spec, Duration::from_secs(a.ocsp_timeout.max(1))))
            .transpose()
            .map_err(usage)?;
        Ok(Self {
            set,
            stores,
            checked: !a.crl.is_empty() || !a.crl_store.is_empty() || ocsp.is_some(),
            ocsp,
        })
    }

    fn sources(&self) -> Sources<'_> {
        let mut s = Sources::new();
        s.push(&self.set);
        for st in &self.stores {
            s.push(st as &dyn RevocationSource);
        }
        if let Some(o) = &self.ocsp {
            s.set_ocsp(o);
        }
        s
    }
}

fn parse_oid(s: &str) -> Result<der::asn1::ObjectIdentifier, Failure> {
    der::asn1::ObjectIdentifier::new(s).map_err(|e| usage(format!("--policy {s}: {e}")))
}

fn anchor_label(p: &ValidatedPath) -> &'static str {
    match p.anchor.source {
        AnchorSource::Pinned(pin) => pin.label,
        AnchorSource::Explicit => "explicit",
    }
}

fn status_text(s: Option<&CertStatus>, checked: bool) -> String {
    let r = RevocationReport::from(s);
    match r.status {
        "not-checked" if checked => "not checked for this certificate".to_owned(),
        "not-checked" => "not checked (no --crl, --crl-store or --ocsp given)".to_owned(),
        "good" if r.ocsp.is_some() => {
            let o = r.ocsp.as_ref();
            format!(
                "good (OCSP answer of {} from {}, signed by {})",
                o.map(|o| o.this_update.as_str()).unwrap_or("-"),
                o.map(|o| o.url.as_str()).unwrap_or("-"),
                match o.map(|o| o.responder) {
                    Some("delegated") => "a responder the issuer certified",
                    _ => "the issuer",
                },
            )
        }
        "good" => {
            let which = r
                .crls
                .first()
                .map(|c| {
                    format!(
                        ", CRL number {} of {}",
                        c.number.as_deref().unwrap_or("none"),
                        c.this_update
                    )
                })
                .unwrap_or_default();
            format!("good (not on the CRL{which})")
        }
        "revoked-after-signing" => format!(
            "revoked at {} ({}), after the signing time",
            r.revoked_at.unwrap_or_default(),
            r.reason.unwrap_or("unspecified")
        ),
        _ => format!("unknown: {}", r.detail.unwrap_or("")),
    }
}

fn identity_text(id: Option<&inkan_verify::report::IdentityReport>, lines: &mut Vec<String>) {
    let Some(id) = id else {
        return;
    };
    let or_dash = |s: Option<&str>| s.unwrap_or("-").to_owned();
    lines.push(format!("  name:       {}", or_dash(id.name.as_deref())));
    lines.push(format!("  address:    {}", or_dash(id.address.as_deref())));
    lines.push(format!(
        "  birth date: {}",
        or_dash(id.birth_date.as_deref())
    ));
    lines.push(format!("  sex:        {}", id.sex.unwrap_or("-")));
}

fn chain(a: &ChainArgs) -> Result<Valid, Failure> {
    let at = parse_at(a.at.as_deref())?;
    let policies = a
        .policy
        .iter()
        .map(|s| parse_oid(s))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = load_one_cert(&a.leaf)?;
    let mut store = TrustStore::new();
    // The operator names these anchors: explicit, but labelled pinned when they match.
    store.load_named(&a.trust_anchor)?;
    let inter = load_certs(&a.intermediate)?;
    let rev = Revocation::load(&a.revocation)?;
    let sources = rev.sources();
    let mut o = ValidationOptions::new(at);
    o.initial_policy_set = policies;
    o.initial_explicit_policy = a.require_explicit_policy;
    o.initial_policy_mapping_inhibit = a.inhibit_policy_mapping;
    o.initial_any_policy_inhibit = a.inhibit_any_policy;
    o.revocation = rev.checked.then(|| RevocationOptions::new(&sources));
    let p = inkan_verify::verify_path(&leaf, &inter, &store, &o)?;
    let report = ChainReport::new(&leaf, &p, at, rev.checked);
    let text = format!(
        "VALID at {at}: {} ({} certificate{} to the anchor {}, {})\n  policies:   {}\n  revocation: {}",
        leaf.subject(),
        p.chain.len(),
        if p.chain.len() == 1 { "" } else { "s" },
        p.anchor.cert.subject(),
        anchor_label(&p),
        if report.policies.is_empty() {
            "none (no valid policy tree)".to_owned()
        } else {
            report.policies.join(", ")
        },
        status_text(p.revocation.first(), rev.checked),
    );
    valid(&report, text)
}

fn read_cms(path: &Path) -> Result<Vec<u8>, Failure> {
    let raw = vfs::read_bounded(path, vfs::MAX_CMS, "CMS SignedData")?;
    if raw.starts_with(b"-----BEGIN") {
        der::pem::decode_vec(&raw).map(|(_, d)| d).map_err(|e| {
            Failure::Invalid(VerifyError::Malformed {
                what: "CMS PEM",
                detail: e.to_string(),
            })
        })
    } else {
        Ok(raw)
    }
}

fn cms(a: &CmsArgs) -> Result<Valid, Failure> {
    let at = parse_at(a.anchors.at.as_deref())?;
    let content = a
        .content
        .as_ref()
        .map(|p| inkan_verify::signed::cms::Content::File(p.clone()));
    let (store, inter, rev) = a.anchors.load()?;
    let placeholder = CrlSet::new();
    let mut o = ValidationOptions::new(at);
    o.revocation = rev.checked.then(|| {
        let mut r = RevocationOptions::new(&placeholder);
        r.accept_revoked_after_signing = a.accept_revoked_after_signing;
        r
    });
    let verifier = inkan_verify::Verifier::new(store, inter, rev.sources(), o);
    let purpose = Purpose::Document {
        allow_auth_cert: a.allow_auth_cert,
    };
    let one = |path: &Path| -> Result<(Value, String), Failure> {
        let der = read_cms(path)?;
        let v = verifier.verify_cms(&der, content.as_ref(), at, purpose)?;
        cms_report(&v, at, content.is_some(), rev.checked)
    };
    if let [only] = a.signature.as_slice() {
        let (json, text) = one(only)?;
        return Ok(Valid {
            json,
            text,
            valid: true,
        });
    }
    // Several signatures: one entry each, valid or not; the run is valid when all are.
    let mut entries = Vec::with_capacity(a.signature.len());
    let mut lines = Vec::new();
    let mut all = true;
    for path in &a.signature {
        let file = path.display().to_string();
        match one(path) {
            Ok((json, text)) => {
                let mut m = Map::new();
                m.insert("file".into(), json!(file));
                m.insert("valid".into(), json!(true));
                if let Value::Object(r) = json {
                    m.extend(r);
                }
                entries.push(Value::Object(m));
                lines.push(format!("{file}: {text}"));
            }
            Err(Failure::Invalid(e)) => {
                all = false;
                entries.push(json!({"file": file, "valid": false, "error": ErrorReport::from(&e)}));
                lines.push(format!("{file}: INVALID: {e} [{}]", e.code()));
            }
            Err(Failure::Cli(e)) => {
                all = false;
                entries.push(json!({
                    "file": file,
                    "valid": false,
                    "error": {"code": e.code, "message": e.message},
                }));
                lines.push(format!("{file}: INVALID: {} [{}]", e.message, e.code));
            }
        }
    }
    Ok(Valid {
        json: json!({ "signatures": entries }),
        text: lines.join("\n"),
        valid: all,
    })
}

/// The report of one verified CMS (JSON) and its text.
fn cms_report(
    v: &inkan_verify::CmsVerification,
    at: UnixTime,
    detached: bool,
    checked: bool,
) -> Result<(Value, String), Failure> {
    let report = CmsReport::new(v, at, detached);
    let who = report
        .identity
        .as_ref()
        .and_then(|i| i.name.clone())
        .unwrap_or_else(|| v.signer.subject().to_string());
    let mut lines = vec![format!(
        "VALID signature by {who} ({} certificate)",
        report.kind
    )];
    identity_text(report.identity.as_ref(), &mut lines);
    lines.push(format!(
        "  signed at:  {} (as claimed by the signer)",
        report.signing_time.as_deref().unwrap_or("-")
    ));
    lines.push(format!(
        "  revocation: {}",
        status_text(v.signer_status(), checked)
    ));
    lines.push(format!(
        "  anchor:     {} ({})",
        v.path.anchor.cert.subject(),
        anchor_label(&v.path)
    ));
    lines.push(format!("  checked at: {at}"));
    let Valid { json, text, .. } = valid(&report, lines.join("\n"))?;
    Ok((json, text))
}

fn login(a: &LoginArgs) -> Result<Valid, Failure> {
    let at = parse_at(a.anchors.at.as_deref())?;
    let challenge =
        hex::decode(a.challenge.trim()).map_err(|e| usage(format!("--challenge: {e}")))?;
    let hash = match a.hash.to_ascii_lowercase().replace('-', "").as_str() {
        "sha256" => HashAlg::Sha256,
        "sha384" => HashAlg::Sha384,
        "sha512" => HashAlg::Sha512,
        other => return Err(usage(format!("--hash {other}: sha256, sha384 or sha512"))),
    };
    let signature = vfs::read_bounded(&a.signature, vfs::MAX_SIGNATURE, "signature")?;
    let cert = load_one_cert(&a.certificate)?;
    let (store, inter, rev) = a.anchors.load()?;
    let sources = rev.sources();
    let mut o = ValidationOptions::new(at);
    o.revocation = rev.checked.then(|| RevocationOptions::new(&sources));
    let v = inkan_verify::verify_login(&challenge, &signature, hash, &cert, &inter, &store, &o)?;
    let report = LoginReport::new(&v, &cert, at);
    let text = format!(
        "VALID login by {} (user-authentication certificate)\n  revocation: {}\n  checked at: {at}",
        v.subject,
        status_text(v.path.revocation.first(), rev.checked)
    );
    valid(&report, text)
}

/// Files referenced by name, looked up in a directory (bounded reads; names are plain
/// relative names, checked by `inkan-xml` before they reach here).
struct DirAttachments(PathBuf);

impl inkan_xml::Attachments for DirAttachments {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, inkan_xml::XmlError> {
        let p = self.0.join(name);
        if !p.is_file() {
            return Ok(None);
        }
        vfs::read_bounded(&p, inkan_xml::egov::MAX_TOTAL, "attachment")
            .map(Some)
            .map_err(|e| inkan_xml::XmlError::ReferenceMissing {
                uri: format!("{name} ({e})"),
            })
    }
}

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// `verify xml`: the report of every signature, valid or not; a document refused as a
/// whole is [`Failure::Invalid`].
fn xml(a: &XmlArgs) -> Result<Valid, Failure> {
    let at = parse_at(a.anchors.at.as_deref())?;
    let limit = inkan_xml::Limits::DEFAULT.max_bytes as u64;
    let too_large = || {
        Failure::Invalid(VerifyError::Xml(inkan_xml::XmlError::TooLarge {
            limit: "bytes",
            max: limit as usize,
        }))
    };
    // A file larger than any package is refused before a byte is read.
    if std::fs::metadata(&a.input).is_ok_and(|m| m.len() > inkan_xml::egov::MAX_TOTAL) {
        return Err(too_large());
    }
    let raw = match vfs::read_bounded(&a.input, inkan_xml::egov::MAX_TOTAL, "XML document") {
        Ok(r) => r,
        Err(VerifyError::TooLarge { .. }) => return Err(too_large()),
        Err(e) => return Err(e.into()),
    };
    let xml_err = |e| Failure::Invalid(VerifyError::Xml(e));
    let (document, attachments): (Vec<u8>, Box<dyn inkan_xml::Attachments>) = if is_zip(&raw) {
        let p = inkan_xml::egov::Package::from_zip(&raw).map_err(xml_err)?;
        (p.kousei.clone(), Box::new(p))
    } else {
        let att: Box<dyn inkan_xml::Attachments> = match &a.attachments {
            Some(z) if z.is_file() => {
                let bytes = vfs::read_bounded(z, inkan_xml::egov::MAX_TOTAL, "attachments ZIP")?;
                Box::new(inkan_xml::egov::Package::from_zip(&bytes).map_err(xml_err)?)
            }
            Some(d) => Box::new(DirAttachments(d.clone())),
            None => Box::new(DirAttachments(
                a.input.parent().map(Path::to_path_buf).unwrap_or_default(),
            )),
        };
        (raw, att)
    };
    let (store, inter, rev) = a.anchors.load()?;
    let sources = rev.sources();
    let mut o = ValidationOptions::new(at);
    o.revocation = rev.checked.then(|| RevocationOptions::new(&sources));
    let purpose = Purpose::Document {
        allow_auth_cert: a.allow_auth_cert,
    };
    let v = inkan_verify::verify_xml(
        &document,
        attachments.as_ref(),
        &inkan_xml::Limits::DEFAULT,
        &store,
        &inter,
        &o,
        purpose,
    )?;
    let report = inkan_verify::report::XmlReport::new(&v, at);
    let mut lines = Vec::new();
    for (i, s) in v.signatures.iter().enumerate() {
        let name = s.id.clone().unwrap_or_else(|| format!("#{}", i + 1));
        match &s.result {
            Ok(ok) => {
                let who = ok
                    .identity
                    .as_ref()
                    .and_then(|id| id.name.clone())
                    .unwrap_or_else(|| ok.signer.subject().to_string());
                lines.push(format!(
                    "VALID signature {name} by {who} ({} certificate)",
                    ok.kind.as_str()
                ));
                lines.push(format!(
                    "  revocation: {}",
                    status_text(ok.signer_status(), rev.checked)
                ));
                lines.push(format!(
                    "  anchor:     {} ({})",
                    ok.path.anchor.cert.subject(),
                    anchor_label(&ok.path)
                ));
            }
            Err(e) => lines.push(format!("INVALID signature {name}: {e} [{}]", e.code())),
        }
        for r in &s.references {
            match &r.result {
                Ok(()) => lines.push(format!("  reference {:?}: ok", r.uri)),
                Err(e) => lines.push(format!("  reference {:?}: {e} [{}]", r.uri, e.code())),
            }
        }
    }
    if !v.unsigned.is_empty() {
        lines.push(format!(
            "INVALID document: no valid signature covers {} [xml-wrapping]",
            v.unsigned.join(", ")
        ));
    }
    lines.push(format!("  checked at: {at}"));
    let mut v = valid(&report, lines.join("\n"))?;
    v.valid = report.valid;
    Ok(v)
}
