//! The verification service for relying parties (`inkan serve`): log people in with the
//! user-authentication certificate (challenge–response), check signed documents (CMS,
//! e-Tax / e-Gov XML), say which CRLs are in use and keep them fresh.
//!
//! JSON in and out over HTTP/1.1 ([`ROUTES`]; the OpenAPI 3.1 document is served at
//! `/openapi.json`). The checks are `inkan-verify`'s, through one long-lived
//! [`Verifier`] (anchors, intermediates, CRLs and validated paths kept between requests)
//! and the same report types `inkan verify` prints; this crate only translates HTTP.
//!
//! Bounds on every request: the body size ([`Config::body_limit`], 8 MiB by default; a
//! larger body is `413 body-too-large` before it is buffered), the time to answer
//! ([`Config::request_timeout`], `503 request-timeout`), and the requests answered at
//! once ([`Config::max_concurrent`], more are `503 overloaded` at once rather than
//! queued). Verification runs on the blocking pool, off the I/O threads. TLS belongs to
//! a reverse proxy in front (the service listens on plain HTTP, on 127.0.0.1 by
//! default).
//!
//! Logs (`tracing`) carry the route, status and time of each request; names, addresses
//! and other personal data of signers only with [`Config::log_identities`].
#![forbid(unsafe_code)]

pub mod challenges;
pub mod crls;
pub mod fetch;
pub mod metrics;
mod openapi;
pub mod redis;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use inkan_verify::report::{CmsReport, ErrorReport, LoginReport, XmlReport};
use inkan_verify::signed::cms::Content;
use inkan_verify::{
    Backend, Cert, CrlSet, Error as VerifyError, HashAlg, Purpose, RevocationOptions, TrustStore,
    UnixTime, ValidationOptions, Verifier,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Digest as _;
use utoipa::ToSchema;

use challenges::{ChallengeStore, MemoryChallenges, StoreError};
use crls::CrlSnapshot;
use metrics::Metrics;

/// Every route: method and path (the router and the OpenAPI document are both checked
/// against this list).
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/challenges"),
    ("post", "/v1/login"),
    ("post", "/v1/documents/verify"),
    ("get", "/v1/crls"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
];

/// How the service runs.
#[derive(Clone)]
pub struct Config {
    /// Where to listen (plain HTTP).
    pub listen: SocketAddr,
    /// Trust anchors.
    pub trust: TrustStore,
    /// Intermediate certificates.
    pub intermediates: Vec<Cert>,
    /// Directories (or files) of CRLs; empty: revocation is not checked.
    pub crl_dirs: Vec<PathBuf>,
    /// Reload the CRLs this often (verify before swap; the last good set stays), after
    /// fetching the [`Config::crl_sources`].
    pub refresh: Option<Duration>,
    /// The CRL store (as `inkan crl fetch` keeps it) that the sources refresh; its CRLs
    /// are used beside those of [`Config::crl_dirs`].
    pub crl_store: Option<PathBuf>,
    /// CRL URLs fetched into [`Config::crl_store`] at start and on every refresh
    /// (conditional GET; a CRL replaces the stored one only when it verifies with a
    /// known CA's key and is newer).
    pub crl_sources: Vec<String>,
    /// Time bound of one CRL fetch.
    pub fetch_timeout: Duration,
    /// Size bound of one fetched CRL, bytes.
    pub max_crl_bytes: u64,
    /// Lifetime of a login challenge, seconds.
    pub challenge_ttl: u64,
    /// Largest request body, bytes.
    pub body_limit: usize,
    /// Longest time to answer a request.
    pub request_timeout: Duration,
    /// Requests answered at once; more are refused with `503 overloaded`.
    pub max_concurrent: usize,
    /// Put signers' names in the logs.
    pub log_identities: bool,
    /// Origins allowed to call the API from a browser (CORS); empty: none.
    pub cors_origins: Vec<String>,
    /// Signature backend (default: AWS-LC when compiled in, else RustCrypto).
    pub backend: Backend,
    /// Keep challenges in Redis at this URL (`redis://HOST:PORT[/DB]`), shared by
    /// every instance; `None`: in this process's memory.
    pub redis: Option<String>,
}

impl Config {
    /// Whether revocation is checked: CRL directories or a CRL store configured.
    pub fn checks_revocation(&self) -> bool {
        !self.crl_dirs.is_empty() || self.crl_store.is_some()
    }

    /// Defaults: 127.0.0.1:8443, no CRLs, challenges for 120 s, 8 MiB bodies, 30 s per
    /// request, 64 requests at once.
    pub fn new(trust: TrustStore) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            trust,
            intermediates: Vec::new(),
            crl_dirs: Vec::new(),
            refresh: None,
            crl_store: None,
            crl_sources: Vec::new(),
            fetch_timeout: Duration::from_secs(60),
            max_crl_bytes: 1 << 30,
            challenge_ttl: 120,
            body_limit: 8 << 20,
            request_timeout: Duration::from_secs(30),
            max_concurrent: 64,
            log_identities: false,
            cors_origins: Vec::new(),
            // The last compiled backend: AWS-LC with the `aws-lc` feature.
            backend: Backend::all().last().copied().unwrap_or_default(),
            redis: None,
        }
    }
}

/// The running service's state.
pub struct App {
    cfg: Config,
    verifier: RwLock<Arc<Verifier<CrlSet>>>,
    crls: RwLock<CrlSnapshot>,
    challenges: Arc<dyn ChallengeStore>,
    /// The challenge store is across the network (its calls go to the blocking pool).
    remote_store: bool,
    metrics: Metrics,
    in_flight: AtomicUsize,
    slots: tokio::sync::Semaphore,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// One round over the CRL sources into the store: each fetched, verified and stored or
/// kept as it was; the outcome logged. Never fails the caller: the last good CRLs stay.
fn fetch_sources(cfg: &Config) {
    let Some(dir) = &cfg.crl_store else {
        tracing::warn!("CRL sources given without a CRL store; nothing fetched");
        return;
    };
    let mut store = match inkan_verify::revocation::store::CrlStore::open(dir) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "the CRL store cannot be opened");
            return;
        }
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(cfg.fetch_timeout))
        .http_status_as_error(false)
        .max_redirects(3)
        .build()
        .into();
    let cas = crls::cas(&cfg.trust, &cfg.intermediates);
    for url in &cfg.crl_sources {
        let mut r = inkan_verify::revocation::refresh::Refresh::begin(
            &mut store,
            url,
            UnixTime::from_secs(now_secs()),
        );
        let outcome = fetch::exchange(&agent, &mut r, url, &cas, cfg.max_crl_bytes);
        match &outcome {
            inkan_verify::revocation::refresh::Outcome::Updated(_) => {
                tracing::info!(url = %url, "CRL fetched and stored");
            }
            inkan_verify::revocation::refresh::Outcome::NotModified => {
                tracing::info!(url = %url, "CRL not modified");
            }
            inkan_verify::revocation::refresh::Outcome::Failed(e) => {
                tracing::warn!(url = %url, code = e.code, error = %e.message, "CRL fetch failed; the stored CRL stays");
            }
        }
        r.finish(&outcome);
    }
}

/// The CRLs `cfg` names, after a round over its sources: empty when revocation is not
/// checked, else every CRL verified (the first failure is the error).
fn load_crls(cfg: &Config) -> Result<CrlSnapshot, String> {
    if !cfg.crl_sources.is_empty() {
        fetch_sources(cfg);
    }
    if !cfg.checks_revocation() {
        return Ok(CrlSnapshot::default());
    }
    crls::load(
        &cfg.crl_dirs,
        cfg.crl_store.as_deref(),
        &cfg.trust,
        &cfg.intermediates,
        cfg.backend,
        now_secs(),
    )
}

fn verifier_for(cfg: &Config, crls: &CrlSet) -> Verifier<CrlSet> {
    let placeholder = CrlSet::new();
    let mut o = ValidationOptions::new(UnixTime::from_secs(now_secs()));
    o.backend = cfg.backend;
    if cfg.checks_revocation() {
        o.revocation = Some(RevocationOptions::new(&placeholder));
    }
    Verifier::new(
        cfg.trust.clone(),
        cfg.intermediates.clone(),
        crls.clone(),
        o,
    )
}

impl App {
    /// The state for `cfg`: CRLs loaded (a load that fails is an error here: the service
    /// does not start on bad CRLs), challenges in Redis with [`Config::redis`] (which
    /// must answer now), else in memory.
    pub fn new(cfg: Config) -> Result<Arc<Self>, String> {
        let store: Box<dyn ChallengeStore> = match &cfg.redis {
            Some(url) => Box::new(redis::RedisChallenges::connect(
                url,
                Duration::from_secs(5),
            )?),
            None => Box::new(MemoryChallenges::new()),
        };
        Self::with_challenges(cfg, store)
    }

    /// The same with another challenge store.
    pub fn with_challenges(
        cfg: Config,
        challenges: Box<dyn ChallengeStore>,
    ) -> Result<Arc<Self>, String> {
        let snapshot = load_crls(&cfg)?;
        let verifier = verifier_for(&cfg, &snapshot.set);
        let slots = tokio::sync::Semaphore::new(cfg.max_concurrent.max(1));
        Ok(Arc::new(Self {
            cfg,
            verifier: RwLock::new(Arc::new(verifier)),
            crls: RwLock::new(snapshot),
            remote_store: challenges.is_remote(),
            challenges: Arc::from(challenges),
            metrics: Metrics::default(),
            in_flight: AtomicUsize::new(0),
            slots,
        }))
    }

    fn verifier(&self) -> Arc<Verifier<CrlSet>> {
        Arc::clone(&self.verifier.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Fetches the sources (if any) into the store, then loads the CRLs again; on
    /// success the new set (and a verifier with fresh caches) replaces the old at once,
    /// on failure the old stays. Returns the error.
    pub fn reload_crls(&self) -> Result<usize, String> {
        match load_crls(&self.cfg) {
            Ok(snapshot) => {
                let n = snapshot.set.len();
                let v = Arc::new(verifier_for(&self.cfg, &snapshot.set));
                *self.crls.write().unwrap_or_else(|p| p.into_inner()) = snapshot;
                *self.verifier.write().unwrap_or_else(|p| p.into_inner()) = v;
                self.metrics.crl_load("ok");
                tracing::info!(crls = n, "CRLs reloaded");
                Ok(n)
            }
            Err(e) => {
                self.metrics.crl_load("failed");
                tracing::warn!(error = %e, "CRL reload failed; the previous CRLs stay in use");
                Err(e)
            }
        }
    }
}

/// An error answer: `{"error":{"code","message"}}` (and the verify report's fields).
fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message.into()}})),
    )
        .into_response()
}

/// A request refused before any verification: status, code, message.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "bad-request",
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error(self.status, self.code, self.message)
    }
}

/// The work of one document verification: the verdict and its metrics code.
type Job = Box<dyn FnOnce() -> (Value, &'static str) + Send>;

fn verify_error(status: StatusCode, e: &VerifyError) -> Response {
    (status, axum::Json(json!({ "error": ErrorReport::from(e) }))).into_response()
}

/// The body as JSON of type `T`, or the answer refusing it.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Refusal> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refusal {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "body-too-large",
                message: "the request body is over the service's limit".into(),
            }
        } else {
            Refusal::bad(r.body_text())
        }
    })?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct
        .split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    {
        return Err(Refusal {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported-media-type",
            message: "send the request as Content-Type: application/json".into(),
        });
    }
    serde_json::from_slice(&body).map_err(|e| Refusal::bad(format!("JSON: {e}")))
}

fn b64(field: &str, s: &str) -> Result<Vec<u8>, Refusal> {
    BASE64
        .decode(s.trim())
        .map_err(|_| Refusal::bad(format!("{field}: not base64")))
}

/// Requests with bodies up to this size are verified on the I/O thread that read them
/// (well under a millisecond of work); larger ones on the blocking pool, so that a
/// large document does not hold up other connections.
const INLINE_BODY: usize = 256 * 1024;

/// Runs `f` where [`INLINE_BODY`] says.
async fn work<T: Send + 'static>(
    inline: bool,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    if inline { Ok(f()) } else { blocking(f).await }
}

/// Runs CPU-bound verification off the I/O threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(f).await.map_err(|_| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the verification task failed",
        )
    })
}

/// A login challenge.
#[derive(Serialize, ToSchema)]
pub struct ChallengeResponse {
    /// Its id, for `POST /v1/login`.
    pub id: String,
    /// 32 random bytes, base64: what the card signs.
    pub challenge: String,
    /// When it stops being accepted, RFC 3339.
    pub expires_at: String,
}

/// `POST /v1/challenges`.
#[utoipa::path(post, path = "/v1/challenges", responses(
    (status = 200, description = "A new single-use challenge", body = ChallengeResponse),
    (status = 503, description = "The challenge store is full (`challenge-store-full`) or does not answer (`challenge-store-unavailable`)", body = ErrorBody),
))]
async fn issue_challenge(State(app): State<Arc<App>>) -> Response {
    let (store, ttl) = (Arc::clone(&app.challenges), app.cfg.challenge_ttl);
    let issued = match work(!app.remote_store, move || store.issue(now_secs(), ttl)).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    match issued {
        Ok(c) => axum::Json(ChallengeResponse {
            id: c.id,
            challenge: BASE64.encode(c.challenge),
            expires_at: UnixTime::from_secs(c.expires_at).to_string(),
        })
        .into_response(),
        Err(StoreError::Full) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "challenge-store-full",
            "too many outstanding challenges; try again later",
        ),
        Err(StoreError::Random) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "no random bytes from the system",
        ),
        Err(StoreError::Unavailable) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "challenge-store-unavailable",
            "the shared challenge store does not answer",
        ),
    }
}

/// An error answer's body.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// `{"code", "message", …}`: a stable code (the verify codes, `challenge-unknown`,
    /// `challenge-expired`, `challenge-used`, `bad-request`, `body-too-large`,
    /// `unsupported-media-type`, `request-timeout`, `overloaded`) and a message; for a
    /// refused verification also the report's fields (depth, serial, reason, …).
    #[schema(value_type = Object)]
    pub error: Value,
}

/// `POST /v1/login` body.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The id from `POST /v1/challenges`.
    pub challenge_id: String,
    /// The RSASSA-PKCS1-v1_5 signature over the challenge bytes, base64 (as
    /// `inkan card sign --key auth` makes it).
    pub signature: String,
    /// The user-authentication certificate, DER in base64.
    pub certificate: String,
    /// The hash the signature was made with: `sha256` (default), `sha384`, `sha512`.
    pub hash: Option<String>,
}

/// `POST /v1/login`.
///
/// The challenge is taken first (once, whatever the outcome), then the signature, the
/// certificate's kind (user authentication), its path and revocation are checked.
/// `subject_id` is the SHA-256 of the certificate's subjectPublicKeyInfo: the same for
/// every certificate on the same card key (a renewal that keeps the key, any CA
/// generation), different for a new card. JPKI gives nothing stable across a new
/// card: issuer and serial change with every certificate, and the subject is an opaque
/// id of the certificate.
#[utoipa::path(post, path = "/v1/login", request_body = LoginRequest, responses(
    (status = 200, description = "`{\"valid\":true, subject_id, kind, certificate, revocation, anchor, …}` (the `inkan verify login` report)", body = Object),
    (status = 400, description = "Malformed request (`bad-request`)", body = ErrorBody),
    (status = 401, description = "Refused: the verify code (`bad-signature`, `certificate-kind`, `revoked`, …)", body = ErrorBody),
    (status = 404, description = "`challenge-unknown`", body = ErrorBody),
    (status = 409, description = "`challenge-used`", body = ErrorBody),
    (status = 410, description = "`challenge-expired`", body = ErrorBody),
    (status = 413, description = "`body-too-large`", body = ErrorBody),
    (status = 415, description = "`unsupported-media-type`", body = ErrorBody),
    (status = 503, description = "`challenge-store-unavailable`", body = ErrorBody),
))]
async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let inline = body.as_ref().is_ok_and(|b| b.len() <= INLINE_BODY);
    let req: LoginRequest = match json_body(&headers, body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let (sig, cert_der) = match (
        b64("signature", &req.signature),
        b64("certificate", &req.certificate),
    ) {
        (Ok(s), Ok(c)) => (s, c),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let hash = match req.hash.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("sha256") => HashAlg::Sha256,
        Some("sha384") => HashAlg::Sha384,
        Some("sha512") => HashAlg::Sha512,
        Some(h) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad-request",
                format!("hash {h}: sha256, sha384 or sha512"),
            );
        }
    };
    let now = now_secs();
    let (store, id) = (Arc::clone(&app.challenges), req.challenge_id.clone());
    let taken = match work(!app.remote_store, move || store.take(&id, now)).await {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let challenge = match taken {
        Ok(c) => c,
        Err(e) => {
            app.metrics.outcome("login", e.code());
            let status = match e {
                challenges::TakeError::Unknown => StatusCode::NOT_FOUND,
                challenges::TakeError::Used => StatusCode::CONFLICT,
                challenges::TakeError::Expired => StatusCode::GONE,
                challenges::TakeError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            };

            return error(status, e.code(), e.message());
        }
    };
    let verifier = app.verifier();
    let r = work(inline, move || {
        let cert = Cert::from_der(&cert_der)?;
        let at = UnixTime::from_secs(now);
        let v = verifier.verify_login(&challenge, &sig, hash, &cert, at)?;
        let mut report =
            serde_json::to_value(LoginReport::new(&v, &cert, at)).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut report {
            m.insert("valid".into(), json!(true));
            m.insert(
                "subject_id".into(),
                json!(hex::encode(sha2::Sha256::digest(cert.spki_der()))),
            );
        }
        Ok::<Value, VerifyError>(report)
    })
    .await;
    match r {
        Ok(Ok(report)) => {
            app.metrics.outcome("login", "valid");
            axum::Json(report).into_response()
        }
        Ok(Err(e)) => {
            app.metrics.outcome("login", e.code());
            let status = match e {
                VerifyError::Malformed { .. } => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNAUTHORIZED,
            };
            verify_error(status, &e)
        }
        Err(resp) => resp,
    }
}

/// `POST /v1/documents/verify` body.
#[derive(Deserialize, ToSchema)]
pub struct DocumentRequest {
    /// `cms` or `xml`.
    pub format: String,
    /// CMS: the SignedData, DER in base64.
    pub signature: Option<String>,
    /// CMS: the signed content for a detached signature, base64.
    pub content: Option<String>,
    /// XML: the signed document (an e-Tax filing, a deduction certificate, or an e-Gov
    /// application ZIP), base64.
    pub document: Option<String>,
}

/// `POST /v1/documents/verify`.
#[utoipa::path(post, path = "/v1/documents/verify", request_body = DocumentRequest, responses(
    (status = 200, description = "The verdict: `{\"valid\":true, …the inkan verify cms / verify xml report…}` or `{\"valid\":false, \"error\":{…}}`", body = Object),
    (status = 400, description = "Malformed request (`bad-request`)", body = ErrorBody),
    (status = 413, description = "`body-too-large`", body = ErrorBody),
    (status = 415, description = "`unsupported-media-type`", body = ErrorBody),
))]
async fn verify_document(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let inline = body.as_ref().is_ok_and(|b| b.len() <= INLINE_BODY);
    let req: DocumentRequest = match json_body(&headers, body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let at = UnixTime::from_secs(now_secs());
    let verifier = app.verifier();
    let log_identities = app.cfg.log_identities;
    let (kind, job): (&'static str, Job) = match req.format.as_str() {
        "cms" => {
            let Some(sig) = &req.signature else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad-request",
                    "format cms needs \"signature\"",
                );
            };
            let der = match b64("signature", sig) {
                Ok(d) => d,
                Err(e) => return e.into_response(),
            };
            let content = match req
                .content
                .as_deref()
                .map(|c| b64("content", c))
                .transpose()
            {
                Ok(c) => c,
                Err(e) => return e.into_response(),
            };
            (
                "cms",
                Box::new(move || {
                    let detached = content.as_deref().map(Content::Bytes);
                    let purpose = Purpose::Document {
                        allow_auth_cert: false,
                    };
                    match verifier.verify_cms(&der, detached.as_ref(), at, purpose) {
                        Ok(v) => {
                            if log_identities {
                                let name = inkan_verify::identity(&v.signer)
                                    .ok()
                                    .flatten()
                                    .and_then(|i| i.name);
                                tracing::info!(signer = ?name, "CMS verified");
                            }
                            let mut r =
                                serde_json::to_value(CmsReport::new(&v, at, detached.is_some()))
                                    .unwrap_or(Value::Null);
                            if let Value::Object(m) = &mut r {
                                m.insert("valid".into(), json!(true));
                            }
                            (r, "valid")
                        }
                        Err(e) => (
                            json!({"valid": false, "error": ErrorReport::from(&e)}),
                            e.code(),
                        ),
                    }
                }),
            )
        }
        "xml" => {
            let Some(doc) = &req.document else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad-request",
                    "format xml needs \"document\"",
                );
            };
            let doc = match b64("document", doc) {
                Ok(d) => d,
                Err(e) => return e.into_response(),
            };
            ("xml", Box::new(move || xml_verdict(&verifier, &doc, at)))
        }
        other => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad-request",
                format!("format {other:?}: cms or xml"),
            );
        }
    };
    match work(inline, job).await {
        Ok((v, code)) => {
            app.metrics.outcome(kind, code);
            axum::Json(v).into_response()
        }
        Err(resp) => resp,
    }
}

/// The verdict on an XML document and its metrics code.
fn xml_verdict(verifier: &Verifier<CrlSet>, doc: &[u8], at: UnixTime) -> (Value, &'static str) {
    let purpose = Purpose::Document {
        allow_auth_cert: false,
    };
    let limits = inkan_xml::Limits::DEFAULT;
    let result = if doc.starts_with(b"PK\x03\x04") {
        inkan_xml::egov::Package::from_zip(doc)
            .map_err(VerifyError::Xml)
            .and_then(|p| verifier.verify_xml(&p.kousei.clone(), &p, &limits, at, purpose))
    } else {
        verifier.verify_xml(doc, &inkan_xml::NoAttachments, &limits, at, purpose)
    };
    match result {
        Ok(v) => {
            let report = XmlReport::new(&v, at);
            let valid = report.valid;
            let mut r = serde_json::to_value(report).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut r {
                m.insert("valid".into(), json!(valid));
            }
            (r, if valid { "valid" } else { "invalid" })
        }
        Err(e) => (
            json!({"valid": false, "error": ErrorReport::from(&e), "signatures": []}),
            e.code(),
        ),
    }
}

/// `GET /v1/crls` answer.
#[derive(Serialize, ToSchema)]
pub struct CrlsResponse {
    /// Whether revocation is checked (CRL directories configured).
    pub revocation_checked: bool,
    /// When the CRLs in use were loaded, RFC 3339.
    pub loaded_at: Option<String>,
    /// Every CRL in use.
    pub crls: Vec<crls::CrlSummary>,
}

/// `GET /v1/crls`.
#[utoipa::path(get, path = "/v1/crls", responses(
    (status = 200, description = "The CRLs in use", body = CrlsResponse),
))]
async fn list_crls(State(app): State<Arc<App>>) -> Response {
    let snap = app.crls.read().unwrap_or_else(|p| p.into_inner());
    let checked = app.cfg.checks_revocation();
    axum::Json(CrlsResponse {
        revocation_checked: checked,
        loaded_at: checked.then(|| UnixTime::from_secs(snap.loaded_at).to_string()),
        crls: snap.summaries(UnixTime::from_secs(now_secs())),
    })
    .into_response()
}

/// `GET /healthz`.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, description = "`{\"status\":\"ok\"}`: the process answers", body = Object),
))]
async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

/// `GET /readyz`.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "`{\"status\":\"ready\"}`: CRLs (when configured) loaded and fresh", body = Object),
    (status = 503, description = "`{\"status\":\"not-ready\",\"reasons\":[…]}`", body = Object),
))]
async fn readyz(State(app): State<Arc<App>>) -> Response {
    let mut reasons = Vec::new();
    if app.cfg.checks_revocation() {
        let snap = app.crls.read().unwrap_or_else(|p| p.into_inner());
        if snap.set.is_empty() {
            reasons.push("no CRL loaded");
        } else if !snap.all_fresh(UnixTime::from_secs(now_secs())) {
            reasons.push("a CRL is past its nextUpdate");
        }
    }
    if reasons.is_empty() {
        axum::Json(json!({"status": "ready"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "not-ready", "reasons": reasons})),
        )
            .into_response()
    }
}

/// `GET /metrics`.
#[utoipa::path(get, path = "/metrics", responses(
    (status = 200, description = "Prometheus text exposition (version 0.0.4)", body = String, content_type = "text/plain"),
))]
async fn metrics_text(State(app): State<Arc<App>>) -> Response {
    let crls = app.crls.read().unwrap_or_else(|p| p.into_inner()).set.len();
    let store = Arc::clone(&app.challenges);
    let outstanding = work(!app.remote_store, move || store.outstanding(now_secs()))
        .await
        .ok()
        .flatten();
    let text = app
        .metrics
        .render(crls, outstanding, app.in_flight.load(Ordering::Relaxed));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        text,
    )
        .into_response()
}

/// `GET /openapi.json`.
#[utoipa::path(get, path = "/openapi.json", responses(
    (status = 200, description = "This document (OpenAPI 3.1)", body = Object),
))]
async fn openapi_json() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        openapi::document(),
    )
        .into_response()
}

/// The route label for metrics and logs.
fn route_of(path: &str) -> &'static str {
    ROUTES
        .iter()
        .map(|(_, p)| *p)
        .find(|p| *p == path)
        .unwrap_or("other")
}

/// Every request: a slot (or `503 overloaded`), the deadline (or `503
/// request-timeout`), then metrics and a log line.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let route = route_of(req.uri().path());
    let started = Instant::now();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let resp = if declared.is_some_and(|n| n > app.cfg.body_limit as u64) {
        // Refused on the declared length, before a byte of the body is read.
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "the request body is over the service's limit",
        )
    } else {
        match app.slots.try_acquire() {
            Err(_) => error(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "too many requests at once; try again",
            ),
            Ok(_permit) => {
                app.in_flight.fetch_add(1, Ordering::Relaxed);
                let r = tokio::time::timeout(app.cfg.request_timeout, next.run(req)).await;
                app.in_flight.fetch_sub(1, Ordering::Relaxed);
                r.unwrap_or_else(|_| {
                    error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "request-timeout",
                        "the request took longer than the service allows",
                    )
                })
            }
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    app.metrics.request(route, status, secs);
    tracing::info!(route, status, ms = secs * 1000.0, "request");
    resp
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not-found", "no such route")
}

/// The router over `app`.
pub fn router(app: Arc<App>) -> Router {
    let mut r = Router::new()
        .route("/v1/challenges", post(issue_challenge))
        .route("/v1/login", post(login))
        .route("/v1/documents/verify", post(verify_document))
        .route("/v1/crls", get(list_crls))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(openapi_json))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(app.cfg.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            guard,
        ));
    if !app.cfg.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = app
            .cfg
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        r = r.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([header::CONTENT_TYPE]),
        );
    }
    r.with_state(app)
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting, lets the
/// requests in flight finish, and returns. Reloads the CRLs every `refresh` meanwhile.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let refresher = app.cfg.refresh.map(|every| {
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let a = Arc::clone(&app);
                let _ = tokio::task::spawn_blocking(move || a.reload_crls()).await;
            }
        })
    });
    let r = axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(t) = refresher {
        t.abort();
    }
    r
}

/// SIGTERM or Ctrl-C.
async fn termination() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// Logs to standard error, one line per event, at INFO and above (`INKAN_LOG` =
/// `error`, `warn`, `info`, `debug` or `trace` chooses another level; at `warn` the
/// per-request lines are off).
pub fn init_logs() {
    let level = match std::env::var("INKAN_LOG").as_deref() {
        Ok("error") => tracing::Level::ERROR,
        Ok("warn") => tracing::Level::WARN,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
}

/// Runs the service for `cfg` until SIGTERM or Ctrl-C, on its own runtime; prints
/// `listening on http://ADDR` on standard output once it accepts connections.
pub fn serve_blocking(cfg: Config) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    rt.block_on(async move {
        let listen = cfg.listen;
        let app = App::new(cfg)?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("listening on http://{addr}");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        run(listener, app, termination())
            .await
            .map_err(|e| format!("serve: {e}"))
    })
}
