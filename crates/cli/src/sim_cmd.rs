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
}

/// Runs a sim command.
pub fn run(cmd: &SimCmd) -> Result<Outcome, CliError> {
    match cmd {
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
