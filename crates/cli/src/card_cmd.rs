//! `inkan card …`: the holder's operations on a My Number Card.

use crate::certinfo;
use crate::error::{CliError, exit};
use crate::output::Outcome;
use crate::pin_input::read_secret;
use crate::reader::{self, AnyTransport, ReaderSpec};
use clap::{Args, Subcommand, ValueEnum};
use inkan_card::{
    AuthPin, CardError, CertSlot, DigestInfo, HashAlg, KeyPin, LastTry, MyNumberCard, PinKind,
    PinStatus, SignPin, TextPin,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Options every card command takes.
#[derive(Args, Debug, Clone)]
pub struct ReaderArgs {
    /// The reader: `pcsc` (the first PC/SC reader holding a My Number Card),
    /// `pcsc:NAME` (a reader whose name contains NAME), `pcsc:#N` (see `inkan card
    /// list`), or `sim:DIR` for the software card in DIR (see `inkan sim init`).
    #[arg(long, value_name = "READER")]
    pub reader: String,
    /// How `--reader sim:DIR` is reached: `ccid:MODEL` puts the software card in a
    /// virtual CCID reader driven by inkan's CCID driver (host-side T=1 for the TPDU
    /// models); MODEL is one of `scr3310-nttcom`, `scr331-di-nttcom`, `acr39u`,
    /// `acr1252`, `rc-s300`. `pasori:rc-s380` lays it on a virtual Sony RC-S380 driven
    /// by the contactless driver (Port-100, ISO/IEC 14443 Type B, ISO-DEP). Without it
    /// the card is called directly. `--json` output then carries transport figures.
    #[arg(long, value_name = "VIA")]
    pub via: Option<String>,
    /// With `--via`: inject seeded faults on the virtual reader, `SEED:RATE` (e.g.
    /// `7:0.05`): corrupted or lost blocks, WTX, time extensions, stalls, removal.
    #[arg(long, value_name = "SEED:RATE")]
    pub faults: Option<String>,
    /// Name of an environment variable holding the PIN (for scripts). Without
    /// it the PIN is asked for on the terminal. PINs are never taken from the
    /// command line.
    #[arg(long, value_name = "VAR")]
    pub pin_env: Option<String>,
    /// Use the last remaining PIN try. Without this flag inkan refuses to
    /// send a PIN when only one try is left, because a wrong PIN would block it.
    #[arg(long)]
    pub allow_last_try: bool,
}

/// Which key signs.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyArg {
    /// The signature key (signature PIN, 6-16 characters).
    Sign,
    /// The user-authentication key (4-digit PIN).
    Auth,
}

/// Hash algorithms.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashArg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl From<HashArg> for HashAlg {
    fn from(h: HashArg) -> Self {
        match h {
            HashArg::Sha256 => HashAlg::Sha256,
            HashArg::Sha384 => HashAlg::Sha384,
            HashArg::Sha512 => HashAlg::Sha512,
        }
    }
}

/// Output format of `inkan card sign`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatArg {
    /// The raw 256-byte PKCS#1 v1.5 signature.
    Raw,
    /// A DER CMS SignedData (`.p7s`, CAdES-BES, SHA-256) with the signature certificate;
    /// verify it with `inkan verify cms` or `openssl cms -verify`.
    Cms,
}

/// `inkan card` subcommands.
#[derive(Subcommand, Debug)]
pub enum CardCmd {
    /// Lists the PC/SC readers and whether each holds a My Number Card
    /// (use one with `--reader pcsc:#N` or `--reader pcsc:NAME`).
    List,
    /// Token type, certificates and their expiry, every PIN's remaining tries.
    /// Uses no PIN and consumes no try.
    Status {
        #[command(flatten)]
        reader: ReaderArgs,
    },
    /// Writes the certificates to DIR as `<slot>.der` and `<slot>.pem`
    /// (auth, auth-ca, sign-ca, and sign, which needs the signature PIN).
    Certs {
        #[command(flatten)]
        reader: ReaderArgs,
        /// Output directory (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Do not read the signature certificate (no PIN is asked).
        #[arg(long)]
        no_sign_cert: bool,
    },
    /// Signs a file: PKCS#1 v1.5 over the file's hash, as a raw 256-byte signature or
    /// (`--format cms`, signature key, SHA-256) a CMS SignedData.
    Sign {
        #[command(flatten)]
        reader: ReaderArgs,
        /// The file to sign.
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
        /// Where to write the signature.
        #[arg(long, value_name = "FILE.sig")]
        out: PathBuf,
        /// Hash algorithm.
        #[arg(long, value_enum, default_value = "sha256")]
        hash: HashArg,
        /// Which key: `sign` (documents) or `auth` (login challenges).
        #[arg(long, value_enum, default_value = "sign")]
        key: KeyArg,
        /// Output format.
        #[arg(long, value_enum, default_value = "raw")]
        format: FormatArg,
        /// With `--format cms`: leave the document out of the SignedData.
        #[arg(long)]
        detached: bool,
    },
    /// Signs an XML document with the signature key (RSA-SHA256, Canonical XML 1.0,
    /// SHA-256): appends a `dsig:Signature` as the last child of the document element,
    /// changing no other byte. e-Tax: `--ref` the procedure element's id (earlier
    /// signatures stay valid); deduction certificates: `--enveloped` (the document
    /// element); e-Gov: `--ref 構成情報 --attachment FILE…` (files by name, raw bytes).
    SignXml {
        #[command(flatten)]
        reader: ReaderArgs,
        /// The XML document (UTF-8, no DTD, at most 64 MiB).
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
        /// Where to write the signed document.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The id of an element to sign (a child of the document element). Repeatable.
        #[arg(long = "ref", value_name = "ID")]
        references: Vec<String>,
        /// A file referenced by its name (e-Gov attachments). Repeatable.
        #[arg(long = "attachment", value_name = "FILE")]
        attachments: Vec<PathBuf>,
        /// An enveloped signature over the document element (its id, or `URI=""`).
        #[arg(long)]
        enveloped: bool,
        /// The new signature's Id [default: Signature1, Signature2, … the first free].
        #[arg(long, value_name = "ID")]
        signature_id: Option<String>,
    },
    /// Shows the My Number (asks for the 4-digit card info PIN).
    Mynumber {
        #[command(flatten)]
        reader: ReaderArgs,
    },
    /// Shows the basic 4 info: name, address, birth date, sex (card info PIN).
    Info {
        #[command(flatten)]
        reader: ReaderArgs,
    },
    /// Writes the face photo (JPEG 2000) to FILE (card info PIN).
    Photo {
        #[command(flatten)]
        reader: ReaderArgs,
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Changes the signature PIN or the user-authentication PIN.
    ChangePin {
        #[command(flatten)]
        reader: ReaderArgs,
        /// Which PIN to change.
        #[arg(long, value_enum, default_value = "sign")]
        which: KeyArg,
        /// Name of an environment variable holding the new PIN (for scripts).
        #[arg(long, value_name = "VAR")]
        new_pin_env: Option<String>,
    },
}

type Card = MyNumberCard<AnyTransport>;

fn progress_to_stderr(card: &mut Card) {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    card.set_progress(Box::new(move |what, done, total| {
        // On a terminal one line is redrawn; in logs only the end of each read shows.
        if tty {
            eprint!("\rreading {what}: {done}/{total} bytes");
            if done >= total {
                eprintln!();
            }
        } else if done >= total {
            eprintln!("read {what}: {total} bytes");
        }
    }));
}

async fn connect(args: &ReaderArgs) -> Result<Card, CliError> {
    let spec = ReaderSpec::parse(&args.reader)?;
    let t = reader::open_via(&spec, args.via.as_deref(), args.faults.as_deref()).await?;
    let mut card = MyNumberCard::connect(t).await?;
    progress_to_stderr(&mut card);
    Ok(card)
}

fn pin_prompt(kind: PinKind) -> String {
    format!("{}: ", kind.describe())
}

fn sign_pin(args: &ReaderArgs) -> Result<SignPin, CliError> {
    let s = read_secret(args.pin_env.as_deref(), &pin_prompt(PinKind::Sign))?;
    SignPin::new(&s).map_err(|e| CardError::PinFormat(e).into())
}

fn auth_pin(args: &ReaderArgs) -> Result<AuthPin, CliError> {
    let s = read_secret(args.pin_env.as_deref(), &pin_prompt(PinKind::Auth))?;
    AuthPin::new(&s).map_err(|e| CardError::PinFormat(e).into())
}

fn text_pin(args: &ReaderArgs) -> Result<TextPin, CliError> {
    let s = read_secret(args.pin_env.as_deref(), &pin_prompt(PinKind::Text))?;
    TextPin::new(&s).map_err(|e| CardError::PinFormat(e).into())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| CliError::io("cannot write", path, &e))
}

fn pem(label: &str, der: &[u8]) -> Result<String, CliError> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map_err(|e| CliError::new("internal", exit::INTERNAL, e.to_string()))
}

/// Runs a card command. The card is powered off afterwards whatever happened,
/// so no verified PIN lingers.
pub fn run(cmd: &CardCmd) -> Result<Outcome, CliError> {
    pollster::block_on(async {
        let args = match cmd {
            CardCmd::List => return reader::list(),
            CardCmd::Status { reader }
            | CardCmd::Certs { reader, .. }
            | CardCmd::Sign { reader, .. }
            | CardCmd::SignXml { reader, .. }
            | CardCmd::Mynumber { reader }
            | CardCmd::Info { reader }
            | CardCmd::Photo { reader, .. }
            | CardCmd::ChangePin { reader, .. } => reader,
        };
        // Format-check PINs and read inputs before touching the card.
        let prepared = prepare(cmd, args)?;
        let mut card = connect(args).await?;
        let result = execute(&mut card, cmd, args, prepared).await;
        let off = card.power_off().await;
        let mut out = result?;
        off?;
        if let (Some(fig), Some(obj)) = (card.transport().figures(), out.json.as_object_mut()) {
            obj.insert("transport".into(), fig);
        }
        Ok(out)
    })
}

/// Inputs gathered before the card is touched: PINs (format-checked) and files.
enum Prepared {
    None,
    Certs(Option<SignPin>),
    Sign(KeyPin, DigestInfo),
    SignCms(SignPin, Vec<u8>),
    SignXml(SignPin, Vec<u8>, inkan_signer::xml::SignSpec, Vec<String>),
    Text(TextPin),
    Change(KeyPin, KeyPin),
}

fn prepare(cmd: &CardCmd, args: &ReaderArgs) -> Result<Prepared, CliError> {
    Ok(match cmd {
        CardCmd::List | CardCmd::Status { .. } => Prepared::None,
        CardCmd::Certs { no_sign_cert, .. } => Prepared::Certs(if *no_sign_cert {
            None
        } else {
            Some(sign_pin(args)?)
        }),
        CardCmd::Sign {
            input,
            hash,
            key,
            format,
            detached,
            ..
        } => {
            let data = std::fs::read(input).map_err(|e| CliError::io("cannot read", input, &e))?;
            if *format == FormatArg::Cms {
                if *key != KeyArg::Sign || *hash != HashArg::Sha256 {
                    return Err(CliError::new(
                        "usage",
                        exit::USAGE,
                        "--format cms signs with --key sign and --hash sha256",
                    ));
                }
                return Ok(Prepared::SignCms(sign_pin(args)?, data));
            }
            if *detached {
                return Err(CliError::new(
                    "usage",
                    exit::USAGE,
                    "--detached goes with --format cms",
                ));
            }
            let di = DigestInfo::of_data((*hash).into(), &data);
            let pin = match key {
                KeyArg::Sign => KeyPin::Sign(sign_pin(args)?),
                KeyArg::Auth => KeyPin::Auth(auth_pin(args)?),
            };
            Prepared::Sign(pin, di)
        }
        CardCmd::SignXml {
            input,
            references,
            attachments,
            enveloped,
            signature_id,
            ..
        } => {
            let limits = inkan_signer::xml::Limits::DEFAULT;
            let doc =
                inkan_verify::fs::read_bounded(input, limits.max_bytes as u64, "XML document")
                    .map_err(|e| xml_read_error(input, e))?;
            let mut spec = inkan_signer::xml::SignSpec {
                references: references
                    .iter()
                    .map(|r| inkan_signer::xml::RefSpec::Id(r.clone()))
                    .collect(),
                enveloped: *enveloped,
                signature_id: signature_id.clone(),
                certificates: Vec::new(),
            };
            for a in attachments {
                let name = a
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| {
                        CliError::new(
                            "usage",
                            exit::USAGE,
                            format!("--attachment {}: no file name", a.display()),
                        )
                    })?
                    .to_owned();
                let bytes =
                    inkan_verify::fs::read_bounded(a, inkan_xml::egov::MAX_TOTAL, "attachment")
                        .map_err(|e| xml_read_error(a, e))?;
                spec.references
                    .push(inkan_signer::xml::RefSpec::File { name, bytes });
            }
            // The document and its references are checked before a PIN is asked for.
            let refs = inkan_signer::check_xml(&doc, &spec, &limits).map_err(xml_sign_error)?;
            Prepared::SignXml(sign_pin(args)?, doc, spec, refs)
        }
        CardCmd::Mynumber { .. } | CardCmd::Info { .. } | CardCmd::Photo { .. } => {
            Prepared::Text(text_pin(args)?)
        }
        CardCmd::ChangePin {
            which, new_pin_env, ..
        } => {
            let kind = match which {
                KeyArg::Sign => PinKind::Sign,
                KeyArg::Auth => PinKind::Auth,
            };
            let current = read_secret(
                args.pin_env.as_deref(),
                &format!("current {}", pin_prompt(kind)),
            )?;
            let new = read_secret(new_pin_env.as_deref(), &format!("new {}", pin_prompt(kind)))?;
            if new_pin_env.is_none() {
                let again = read_secret(None, &format!("new {} (again)", pin_prompt(kind)))?;
                if *again != *new {
                    return Err(CliError::new(
                        "pin-mismatch",
                        exit::PIN_FORMAT,
                        "the two new PINs differ; nothing was changed",
                    ));
                }
            }
            let fmt = |e| CliError::from(CardError::PinFormat(e));
            match which {
                KeyArg::Sign => Prepared::Change(
                    KeyPin::Sign(SignPin::new(&current).map_err(fmt)?),
                    KeyPin::Sign(SignPin::new(&new).map_err(fmt)?),
                ),
                KeyArg::Auth => Prepared::Change(
                    KeyPin::Auth(AuthPin::new(&current).map_err(fmt)?),
                    KeyPin::Auth(AuthPin::new(&new).map_err(fmt)?),
                ),
            }
        }
    })
}

async fn execute(
    card: &mut Card,
    cmd: &CardCmd,
    args: &ReaderArgs,
    prepared: Prepared,
) -> Result<Outcome, CliError> {
    let last = LastTry::from_flag(args.allow_last_try);
    match (cmd, prepared) {
        (CardCmd::Status { .. }, _) => status(card).await,
        (CardCmd::Certs { out, .. }, Prepared::Certs(pin)) => {
            std::fs::create_dir_all(out).map_err(|e| CliError::io("cannot create", out, &e))?;
            let mut written = Vec::new();
            for slot in CertSlot::ALL {
                let der = if slot == CertSlot::Sign {
                    match &pin {
                        Some(p) => Some(card.read_sign_certificate(p, last).await?),
                        None => continue,
                    }
                } else {
                    card.read_certificate(slot).await?
                };
                if let Some(der) = der {
                    let base = out.join(slot.name());
                    write_file(&base.with_extension("der"), &der)?;
                    write_file(
                        &base.with_extension("pem"),
                        pem("CERTIFICATE", &der)?.as_bytes(),
                    )?;
                    written.push(json!({"slot": slot.name(), "file": base.with_extension("der").display().to_string(), "len": der.len()}));
                }
            }
            let text = written
                .iter()
                .map(|w| {
                    format!(
                        "wrote {} ({} bytes)",
                        w["file"].as_str().unwrap_or(""),
                        w["len"]
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Outcome {
                json: json!({ "certificates": written }),
                text,
            })
        }
        (CardCmd::Sign { out, hash, key, .. }, Prepared::Sign(pin, di)) => {
            let sig = card.sign(&pin, &di, last).await?;
            write_file(out, &sig)?;
            let key_name = match key {
                KeyArg::Sign => "sign",
                KeyArg::Auth => "auth",
            };
            let hash_name = HashAlg::from(*hash).name();
            Ok(Outcome {
                json: json!({"key": key_name, "hash": hash_name, "signature": out.display().to_string(), "len": sig.len()}),
                text: format!(
                    "signed with the {key_name} key ({hash_name}); wrote {} ({} bytes)",
                    out.display(),
                    sig.len()
                ),
            })
        }
        (CardCmd::Sign { out, detached, .. }, Prepared::SignCms(pin, data)) => {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let p7s =
                inkan_signer::sign_document(card, &pin, &data, *detached, now, last, &mut |_| {})
                    .await
                    .map_err(|e| match e {
                        inkan_signer::CmsError::Card(c) => CliError::from(c),
                        e => CliError::new(e.code(), exit::CARD, e.to_string()),
                    })?;
            write_file(out, &p7s)?;
            let mode = if *detached { "detached" } else { "attached" };
            Ok(Outcome {
                json: json!({"key": "sign", "hash": "sha256", "format": "cms", "detached": detached, "signature": out.display().to_string(), "len": p7s.len()}),
                text: format!(
                    "signed with the sign key (CMS, sha256, content {mode}); wrote {} ({} bytes)",
                    out.display(),
                    p7s.len()
                ),
            })
        }
        (CardCmd::SignXml { out, .. }, Prepared::SignXml(pin, doc, spec, refs)) => {
            let signed = inkan_signer::sign_xml(
                card,
                &pin,
                &doc,
                &spec,
                &inkan_signer::xml::Limits::DEFAULT,
                last,
                &mut |_| {},
            )
            .await
            .map_err(xml_sign_error)?;
            write_file(out, &signed)?;
            Ok(Outcome {
                json: json!({"key": "sign", "format": "xml", "signature_method": "rsa-sha256", "enveloped": spec.enveloped, "references": refs, "out": out.display().to_string(), "len": signed.len()}),
                text: format!(
                    "signed with the sign key (XML, rsa-sha256{}); wrote {} ({} bytes)",
                    if spec.enveloped { ", enveloped" } else { "" },
                    out.display(),
                    signed.len()
                ),
            })
        }
        (CardCmd::Mynumber { .. }, Prepared::Text(pin)) => {
            let n = card.my_number(&pin, last).await?;
            Ok(Outcome {
                json: json!({ "my_number": n.as_str() }),
                text: n.as_str().to_owned(),
            })
        }
        (CardCmd::Info { .. }, Prepared::Text(pin)) => {
            let b = card.basic_info(&pin, last).await?;
            Ok(Outcome {
                json: json!({
                    "name": b.name.as_str(),
                    "address": b.address.as_str(),
                    "birth_date": b.birth_date.as_str(),
                    "sex": b.sex.name(),
                    "sex_code": b.sex.code(),
                }),
                text: format!(
                    "name:       {}\naddress:    {}\nbirth date: {}\nsex:        {}",
                    b.name.as_str(),
                    b.address.as_str(),
                    b.birth_date.as_str(),
                    b.sex.name()
                ),
            })
        }
        (CardCmd::Photo { out, .. }, Prepared::Text(pin)) => {
            let n = card.my_number(&pin, last).await?;
            let s = card.surface(&n, last).await?;
            write_file(out, &s.photo)?;
            Ok(Outcome {
                json: json!({"photo": out.display().to_string(), "len": s.photo.len(), "format": "jpeg2000", "expiry": s.expiry}),
                text: format!(
                    "wrote the face photo (JPEG 2000, {} bytes) to {}",
                    s.photo.len(),
                    out.display()
                ),
            })
        }
        (CardCmd::ChangePin { .. }, Prepared::Change(current, new)) => {
            let which = match (&current, &new) {
                (KeyPin::Sign(c), KeyPin::Sign(n)) => {
                    card.change_sign_pin(c, n, last).await?;
                    "sign"
                }
                (KeyPin::Auth(c), KeyPin::Auth(n)) => {
                    card.change_auth_pin(c, n, last).await?;
                    "auth"
                }
                _ => {
                    return Err(CliError::new(
                        "internal",
                        exit::INTERNAL,
                        "PIN kinds differ",
                    ));
                }
            };
            Ok(Outcome {
                json: json!({ "changed": which }),
                text: format!("the {which} PIN was changed"),
            })
        }
        _ => Err(CliError::new(
            "internal",
            exit::INTERNAL,
            "inconsistent command",
        )),
    }
}

async fn status(card: &mut Card) -> Result<Outcome, CliError> {
    let now = SystemTime::now();
    let token = card.token_info().await?;
    let mut text = vec![format!("token: {} ({})", token.kind.name(), token.label)];
    let mut certs = Vec::new();
    for slot in CertSlot::ALL {
        let entry = match card.read_certificate(slot).await {
            Ok(Some(der)) => {
                let mut v = certinfo::summary(&der, now);
                v.insert("slot".into(), json!(slot.name()));
                v.insert("present".into(), json!(true));
                v.insert("readable".into(), json!(true));
                let field = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
                text.push(format!(
                    "certificate {:<8} expires {} ({} days){}",
                    slot.name(),
                    field("not_after").as_str().unwrap_or("?"),
                    field("days_to_expiry"),
                    if field("valid_now") == json!(false) {
                        " NOT VALID NOW"
                    } else {
                        ""
                    }
                ));
                Value::Object(v)
            }
            Ok(None) | Err(CardError::NoSignatureCertificate) => {
                text.push(format!("certificate {:<8} absent", slot.name()));
                json!({"slot": slot.name(), "present": false})
            }
            Err(CardError::PinRequired { pin }) => {
                text.push(format!(
                    "certificate {:<8} present (the signature PIN is needed to read it)",
                    slot.name()
                ));
                json!({"slot": slot.name(), "present": true, "readable": false, "needs_pin": pin.name()})
            }
            Err(e) => return Err(e.into()),
        };
        certs.push(entry);
    }
    let mut pins = Vec::new();
    for kind in [PinKind::Sign, PinKind::Auth, PinKind::Text] {
        let st = match card.pin_status(kind).await {
            Ok(s) => s,
            Err(CardError::NoSignatureCertificate) => {
                pins.push(json!({"pin": kind.name(), "present": false}));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let (left, blocked) = match st {
            PinStatus::Remaining(n) => (json!(n), false),
            PinStatus::Blocked => (json!(0), true),
            PinStatus::NotReported => (Value::Null, false),
        };
        text.push(format!(
            "PIN {:<5} {}",
            kind.name(),
            match st {
                PinStatus::Remaining(1) => "1 try left: the next wrong PIN blocks it".to_owned(),
                PinStatus::Remaining(n) => format!("{n} tries left"),
                PinStatus::Blocked => "BLOCKED (reset at a municipal office)".to_owned(),
                PinStatus::NotReported =>
                    "verified in this session (count not reported)".to_owned(),
            }
        ));
        pins.push(json!({"pin": kind.name(), "present": true, "retries_left": left, "max": kind.max_tries(), "blocked": blocked}));
    }
    Ok(Outcome {
        json: json!({"token": {"label": token.label, "kind": token.kind.name()}, "certificates": certs, "pins": pins}),
        text: text.join("\n"),
    })
}

fn xml_read_error(path: &Path, e: inkan_verify::Error) -> CliError {
    match e {
        inkan_verify::Error::TooLarge { limit, .. } => CliError::new(
            "xml-too-large",
            exit::IO,
            format!("{} is larger than {limit} bytes", path.display()),
        ),
        e => CliError::new("io", exit::IO, e.to_string()),
    }
}

/// An XML signing error: the card's codes and exit codes pass through; a document that
/// cannot take the signature is bad input (exit 2), nothing was sent to the card.
fn xml_sign_error(e: inkan_signer::XmlSignError) -> CliError {
    match e {
        inkan_signer::XmlSignError::Card(c) => CliError::from(c),
        inkan_signer::XmlSignError::Xml(x) => CliError::new(x.code(), exit::USAGE, x.to_string()),
        e => CliError::new(e.code(), exit::CARD, e.to_string()),
    }
}
