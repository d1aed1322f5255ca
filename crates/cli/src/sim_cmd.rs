//! `inkan sim …`: the software My Number Card.

use crate::error::{CliError, exit};
use crate::output::Outcome;
use clap::Subcommand;
use serde_json::json;
use std::path::PathBuf;

/// `inkan sim` subcommands.
#[derive(Subcommand, Debug)]
pub enum SimCmd {
    /// Creates a software My Number Card in DIR, with real RSA-2048 keys and
    /// certificates from a generated JPKI-TEST PKI (roots and CRL in DIR/pki).
    /// Default PINs: signature `ABC123`, user authentication `1234`, card info `1234`.
    Init {
        /// Directory for the card's state (created; must be empty or absent).
        dir: PathBuf,
        /// Signature PIN (6-16 of A-Z0-9).
        #[arg(long, default_value = "ABC123")]
        sign_pin: String,
        /// User-authentication PIN (4 digits).
        #[arg(long, default_value = "1234")]
        auth_pin: String,
        /// Card info input support PIN (4 digits).
        #[arg(long, default_value = "1234")]
        text_pin: String,
        /// Holder's name.
        #[arg(long)]
        name: Option<String>,
        /// Holder's address.
        #[arg(long)]
        address: Option<String>,
        /// Birth date, YYYYMMDD (or YYYY-MM-DD).
        #[arg(long)]
        birth_date: Option<String>,
        /// Sex: 1 male, 2 female, 9 not applicable.
        #[arg(long)]
        sex: Option<String>,
        /// Certificate and card expiry, YYYY-MM-DD (or YYYYMMDD).
        #[arg(long)]
        not_after: Option<String>,
        /// Make a card without a signature certificate (as for a child under 15).
        #[arg(long)]
        no_sign_cert: bool,
        /// Seed for keys and certificates (same seed, same card).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The CA keys that sign the certificates and CRLs: rsa-2048 (today's JPKI) or
        /// ecdsa-p384 (the next-generation card's: ECDSA with SHA-384, certificates valid
        /// 10 years unless --not-after says otherwise). The card's own keys stay
        /// RSA-2048: the next-generation card's command set is not published.
        #[arg(long, default_value = "rsa-2048", value_parser = ["rsa-2048", "ecdsa-p384"])]
        algorithm: String,
    },
    /// Puts the software card in DIR into pcscd, through vsmartcard's vpcd driver
    /// (package vsmartcard-vpcd): connects to vpcd, answers power, reset, ATR and APDU
    /// messages, and reconnects when pcscd restarts. State is saved in DIR and every
    /// APDU appended to DIR/apdu.log. Runs until killed.
    Vpcd {
        /// Directory of the software card (made by `inkan sim init`).
        dir: PathBuf,
        /// Host of the pcscd running vpcd.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// vpcd's port (its reader.conf DEVICENAME/CHANNELID; 35963 is its first slot).
        #[arg(long, default_value_t = inkan_sim::vpcd::DEFAULT_PORT)]
        port: u16,
        /// The ATR, in hex [default: 3BE000FF8131FE4514, a My Number Card's].
        #[arg(long, value_name = "HEX")]
        atr: Option<String>,
        /// Give up after this many seconds without a connection to vpcd.
        #[arg(long, value_name = "SECS", default_value_t = 600)]
        give_up_after: u64,
    },
    /// Plays an event of the holder's life on the software card in DIR and its PKI, and
    /// writes new CRLs into DIR/pki: per CA a complete CRL (sign.crl, auth.crl) and a
    /// delta CRL against the previous one (sign-delta.crl, auth-delta.crl), both with
    /// the same cRLNumber, thisUpdate --at, nextUpdate 30 days later.
    ///
    /// personal-info-changed (--name, --address, --birth-date, --sex): the basic 4 info
    /// changes and the signature certificate is revoked (affiliationChanged); the card
    /// has none until reissue-sign; the user-authentication certificate stays valid.
    /// reissue-sign: a new signature key and certificate with the current info.
    /// lost: both certificates on hold (certificateHold). found: both released
    /// (removeFromCRL in the delta, gone from the complete CRL). renew-stay --until
    /// DATE: the card's expiry moves to DATE (the certificates keep theirs).
    /// expire: the period of stay ends without renewal: both certificates revoked
    /// (cessationOfOperation), the card void. publish: no change, new CRLs.
    ///
    /// Exit 12 (code card-lost, card-not-lost, card-expired, sign-cert-present,
    /// nothing-changed, event-in-the-past, stay-not-later, no-ledger): the card cannot
    /// take the event; nothing was written.
    Event {
        /// Directory of the software card (made by `inkan sim init`).
        dir: PathBuf,
        /// The event.
        #[arg(value_enum)]
        kind: EventKind,
        /// When it happens, RFC 3339 or YYYY-MM-DD [default: now]. Not before the
        /// card's last event.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// personal-info-changed: the new name.
        #[arg(long)]
        name: Option<String>,
        /// personal-info-changed: the new address.
        #[arg(long)]
        address: Option<String>,
        /// personal-info-changed: the new birth date, YYYYMMDD (or YYYY-MM-DD).
        #[arg(long)]
        birth_date: Option<String>,
        /// personal-info-changed: the new sex: 1 male, 2 female, 9 not applicable.
        #[arg(long)]
        sex: Option<String>,
        /// renew-stay: the new end of the period of stay (the card's expiry),
        /// YYYY-MM-DD (or YYYYMMDD).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
    },
    /// The software PKI.
    #[command(subcommand)]
    Pki(PkiCmd),
}

/// `inkan sim pki` subcommands.
#[derive(Subcommand, Debug)]
pub enum PkiCmd {
    /// Serves the CRLs and roots of DIR/pki over HTTP (GET/HEAD /sign.crl,
    /// /sign-delta.crl, /auth.crl, /auth-delta.crl, /sign-root-gen3.pem, …; / lists
    /// them), with ETag and Last-Modified and 304 Not Modified for conditional
    /// requests, so `inkan crl fetch` and `inkan serve --crl-source` keep up with
    /// `inkan sim event`. Prints `serving http://ADDR/` and runs until killed.
    Serve {
        /// Directory of the software card (made by `inkan sim init`).
        dir: PathBuf,
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8480")]
        listen: String,
    },
}

/// The events of `inkan sim event`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// Name, address, birth date or sex changed.
    PersonalInfoChanged,
    /// A new signature certificate.
    ReissueSign,
    /// The card was reported lost.
    Lost,
    /// The lost card was found.
    Found,
    /// The period of stay was renewed.
    RenewStay,
    /// The period of stay ended without renewal.
    Expire,
    /// New CRLs, nothing changed.
    Publish,
}

/// Runs a sim command.
pub fn run(cmd: &SimCmd) -> Result<Outcome, CliError> {
    match cmd {
        SimCmd::Event {
            dir,
            kind,
            at,
            name,
            address,
            birth_date,
            sex,
            until,
        } => {
            let info = inkan_sim::life::InfoChange {
                name: name.clone(),
                address: address.clone(),
                birth_date: birth_date.as_ref().map(|d| d.replace('-', "")),
                sex: sex.clone(),
            };
            event(dir, *kind, at.as_deref(), info, until.as_deref())
        }
        SimCmd::Pki(PkiCmd::Serve { dir, listen }) => pki_serve(dir, listen),
        SimCmd::Vpcd {
            dir,
            host,
            port,
            atr,
            give_up_after,
        } => vpcd(dir, host, *port, atr.as_deref(), *give_up_after),
        SimCmd::Init {
            dir,
            sign_pin,
            auth_pin,
            text_pin,
            name,
            address,
            birth_date,
            sex,
            not_after,
            no_sign_cert,
            seed,
            algorithm,
        } => {
            let algorithm = inkan_testpki::jpki::KeyAlg::from_name(algorithm).ok_or_else(|| {
                CliError::new(
                    "usage",
                    exit::USAGE,
                    format!("--algorithm {algorithm}: expected rsa-2048 or ecdsa-p384"),
                )
            })?;
            let mut o = inkan_sim::InitOptions {
                algorithm,
                sign_pin: sign_pin.clone(),
                auth_pin: auth_pin.clone(),
                text_pin: text_pin.clone(),
                seed: *seed,
                with_sign_cert: !no_sign_cert,
                ..Default::default()
            };
            if let Some(v) = name {
                o.name = v.clone();
            }
            if let Some(v) = address {
                o.address = v.clone();
            }
            if let Some(v) = birth_date {
                o.birth_date = v.replace('-', "");
            }
            if let Some(v) = sex {
                o.sex = v.clone();
            }
            if let Some(v) = not_after {
                o.not_after = v.replace('-', "");
            } else if algorithm == inkan_testpki::jpki::KeyAlg::EcdsaP384 {
                // Ten years from the default issuance (2024-04-01), FACTS §10.
                o.not_after = "20340331".to_owned();
            }
            inkan_sim::init(dir, &o).map_err(|e| {
                CliError::new(
                    "sim-init",
                    exit::IO,
                    format!("cannot create the software card: {e}"),
                )
            })?;
            Ok(Outcome {
                json: json!({"dir": dir.display().to_string(), "algorithm": algorithm.name()}),
                text: format!(
                    "created a software My Number Card in {} (CA keys {})",
                    dir.display(),
                    algorithm.name()
                ),
            })
        }
    }
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let s: String = s
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && *c != ':')
        .collect();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

fn vpcd(
    dir: &std::path::Path,
    host: &str,
    port: u16,
    atr: Option<&str>,
    give_up_after: u64,
) -> Result<Outcome, CliError> {
    use inkan_sim::vpcd::{VpcdEvent, VpcdOptions, serve};
    let mut opts = VpcdOptions {
        host: host.to_owned(),
        port,
        give_up_after: std::time::Duration::from_secs(give_up_after),
        ..Default::default()
    };
    if let Some(a) = atr {
        opts.atr = parse_hex(a)
            .filter(|v| (2..=33).contains(&v.len()))
            .ok_or_else(|| CliError::new("usage", exit::USAGE, "--atr: 2 to 33 bytes in hex"))?;
    }
    let mut card = inkan_sim::SoftCard::open(dir).map_err(|e| {
        CliError::new(
            "reader-not-found",
            exit::READER,
            format!("software card in {}: {e}", dir.display()),
        )
    })?;
    eprintln!(
        "inkan sim vpcd: the card in {} goes to vpcd at {host}:{port} (stop: kill or Ctrl-C)",
        dir.display()
    );
    // Nothing sets this: the process runs until it is killed. The card's state is
    // written atomically after each change, so a kill loses nothing.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut retries = 0u64;
    let mut log = |e: &VpcdEvent| match e {
        VpcdEvent::Connected(peer) => {
            retries = 0;
            eprintln!("connected to vpcd at {peer}: pcscd sees the card");
        }
        VpcdEvent::Disconnected(why) => eprintln!("disconnected from vpcd: {why}"),
        VpcdEvent::Retrying { error, delay } => {
            // The first failure and then every 30th, not one line per attempt.
            if retries.is_multiple_of(30) {
                eprintln!(
                    "waiting for vpcd ({error}); retrying every {} ms or less",
                    delay.as_millis().max(100)
                );
            }
            retries += 1;
        }
        VpcdEvent::Control(what) if *what == "power off" || *what == "reset" => {
            eprintln!("{what}: verified PINs are forgotten");
        }
        VpcdEvent::Unknown(bytes) => {
            eprintln!("ignored an unknown vpcd message of {} bytes", bytes.len());
        }
        _ => {}
    };
    serve(&mut card, &opts, &stop, &mut log)
        .map_err(|e| CliError::new("vpcd-unreachable", exit::READER, e.to_string()))?;
    Ok(Outcome {
        json: json!({"dir": dir.display().to_string(), "stopped": true}),
        text: "stopped".to_owned(),
    })
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::new("usage", exit::USAGE, message)
}

/// `--at`: RFC 3339, or a date (midnight UTC); default now.
fn event_time(at: Option<&str>) -> Result<inkan_sim::pki::DateTime, CliError> {
    let secs = match at {
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        Some(s) => {
            let full = if s.len() == 10 {
                format!("{s}T00:00:00Z")
            } else {
                s.to_owned()
            };
            inkan_verify::UnixTime::parse_rfc3339(&full)
                .ok_or_else(|| usage(format!("--at {s}: expected RFC 3339 or YYYY-MM-DD")))?
                .as_secs()
        }
    };
    inkan_sim::pki::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|e| usage(format!("--at: {e}")))
}

fn event(
    dir: &std::path::Path,
    kind: EventKind,
    at: Option<&str>,
    info: inkan_sim::life::InfoChange,
    until: Option<&str>,
) -> Result<Outcome, CliError> {
    use inkan_sim::life::{Event, EventError, apply};
    let info_given = info.name.is_some()
        || info.address.is_some()
        || info.birth_date.is_some()
        || info.sex.is_some();
    if info_given && kind != EventKind::PersonalInfoChanged {
        return Err(usage(
            "--name, --address, --birth-date and --sex go with personal-info-changed",
        ));
    }
    if until.is_some() && kind != EventKind::RenewStay {
        return Err(usage("--until goes with renew-stay"));
    }
    let event = match kind {
        EventKind::PersonalInfoChanged => Event::PersonalInfoChanged(info),
        EventKind::ReissueSign => Event::ReissueSign,
        EventKind::Lost => Event::Lost,
        EventKind::Found => Event::Found,
        EventKind::RenewStay => Event::RenewStay {
            until: until
                .ok_or_else(|| usage("renew-stay needs --until DATE"))?
                .replace('-', ""),
        },
        EventKind::Expire => Event::Expire,
        EventKind::Publish => Event::Publish,
    };
    let at = event_time(at)?;
    let change = apply(dir, &event, &at).map_err(|e| match e {
        EventError::Refused(r) => CliError::new(r.code, exit::SIM_EVENT, r.message),
        EventError::Sim(inkan_sim::SimError::InvalidOption { field, reason }) => {
            usage(format!("{field}: {reason}"))
        }
        EventError::Sim(e) => CliError::new(
            "io",
            exit::IO,
            format!("software card in {}: {e}", dir.display()),
        ),
    })?;
    let mut text = format!("{} at {}", change.event, change.at);
    if !change.card_fields.is_empty() {
        text.push_str(&format!(
            "\ncard: {} changed",
            change.card_fields.join(", ")
        ));
    }
    if let Some(s) = &change.issued_sign_cert {
        text.push_str(&format!("\nnew signature certificate, serial {s}"));
    }
    for r in &change.revoked {
        text.push_str(&format!(
            "\n{} certificate {} on the CRL: {}",
            r.certificate, r.serial, r.reason
        ));
    }
    for r in &change.released {
        text.push_str(&format!(
            "\n{} certificate {} released (removeFromCRL in the delta)",
            r.certificate, r.serial
        ));
    }
    for c in &change.crls {
        text.push_str(&format!(
            "\nwrote pki/{} (number {}{}, {} entries)",
            c.file,
            c.number,
            c.base.map(|b| format!(", base {b}")).unwrap_or_default(),
            c.entries
        ));
    }
    text.push_str(&format!(
        "\nsignature certificate: {}; {}{}; card expiry {}",
        if change.has_sign_cert {
            "present"
        } else {
            "none"
        },
        if change.lost {
            "reported lost"
        } else {
            "not lost"
        },
        if change.expired {
            "; void (period of stay ended)"
        } else {
            ""
        },
        change.card_expiry
    ));
    let json = serde_json::to_value(&change)
        .map_err(|e| CliError::new("internal", exit::INTERNAL, e.to_string()))?;
    Ok(Outcome { json, text })
}

fn pki_serve(dir: &std::path::Path, listen: &str) -> Result<Outcome, CliError> {
    let pki = dir.join(inkan_sim::state::PKI_DIR);
    if !pki.is_dir() {
        return Err(CliError::new(
            "io",
            exit::IO,
            format!("{}: no software PKI here (inkan sim init)", pki.display()),
        ));
    }
    let listener = std::net::TcpListener::bind(listen)
        .map_err(|e| CliError::new("io", exit::IO, format!("listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::new("io", exit::IO, e.to_string()))?;
    println!("serving http://{addr}/");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let stop = std::sync::atomic::AtomicBool::new(false);
    inkan_sim::pki_http::serve(dir, &listener, &stop, &mut |s| {
        eprintln!("{} {} {}", s.method, s.path, s.status);
    })
    .map_err(|e| CliError::new("io", exit::IO, e.to_string()))?;
    Ok(Outcome {
        json: json!({"stopped": true}),
        text: "stopped".to_owned(),
    })
}
