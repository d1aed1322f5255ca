//! `inkan sim …`: the software My Number Card.

use crate::card_cmd::Outcome;
use crate::error::{CliError, exit};
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
    },
}

/// Runs a sim command.
pub fn run(cmd: &SimCmd) -> Result<Outcome, CliError> {
    match cmd {
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
        } => {
            let mut o = inkan_sim::InitOptions {
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
            }
            inkan_sim::init(dir, &o).map_err(|e| {
                CliError::new(
                    "sim-init",
                    exit::IO,
                    format!("cannot create the software card: {e}"),
                )
            })?;
            Ok(Outcome {
                json: json!({"dir": dir.display().to_string()}),
                text: format!("created a software My Number Card in {}", dir.display()),
            })
        }
    }
}
