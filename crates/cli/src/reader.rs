//! Choosing a reader from `--reader`.

use crate::error::{CliError, exit};
use inkan_apdu::{Transport, TransportError};
use std::path::PathBuf;

/// What `--reader` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderSpec {
    /// `sim:DIR`: the software card whose state is in DIR.
    Sim(PathBuf),
}

impl ReaderSpec {
    /// Parses `--reader`.
    pub fn parse(s: &str) -> Result<Self, CliError> {
        if let Some(dir) = s.strip_prefix("sim:") {
            if dir.is_empty() {
                return Err(CliError::new(
                    "usage",
                    exit::USAGE,
                    "--reader sim:DIR needs a directory (made by `inkan sim init DIR`)",
                ));
            }
            return Ok(ReaderSpec::Sim(PathBuf::from(dir)));
        }
        Err(CliError::new(
            "reader-not-found",
            exit::READER,
            format!("unknown reader '{s}': use sim:DIR"),
        ))
    }
}

/// Any of the transports the CLI can drive.
pub enum AnyTransport {
    /// The software card.
    Sim(Box<inkan_sim::SimTransport>),
    /// The software card on a virtual RC-S380 (`--via pasori:rc-s380`).
    Pasori(Box<inkan_pasori::PasoriTransport<inkan_sim::readers::rcs380::VirtualRcS380>>),
}

impl Transport for AnyTransport {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            AnyTransport::Sim(t) => t.transmit(command).await,
            AnyTransport::Pasori(t) => t.transmit(command).await,
        }
    }

    fn supports_extended(&self) -> bool {
        match self {
            AnyTransport::Sim(t) => t.supports_extended(),
            AnyTransport::Pasori(t) => t.supports_extended(),
        }
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        match self {
            AnyTransport::Sim(t) => t.power_off().await,
            AnyTransport::Pasori(t) => t.power_off().await,
        }
    }
}

/// Opens the reader `--reader` names.
pub fn open(spec: &ReaderSpec) -> Result<AnyTransport, CliError> {
    match spec {
        ReaderSpec::Sim(dir) => inkan_sim::SimTransport::open(dir)
            .map(|t| AnyTransport::Sim(Box::new(t)))
            .map_err(|e| {
                CliError::new(
                    "reader-not-found",
                    exit::READER,
                    format!("software card in {}: {e}", dir.display()),
                )
            }),
    }
}

/// Opens the reader `--reader` names, reached the way `--via` says: `pasori:rc-s380`
/// puts the software card of `sim:DIR` on a virtual RC-S380.
pub async fn open_via(spec: &ReaderSpec, via: Option<&str>) -> Result<AnyTransport, CliError> {
    let Some(via) = via else {
        return open(spec);
    };
    let usage = |m: String| CliError::new("usage", exit::USAGE, m);
    if !via.eq_ignore_ascii_case("pasori:rc-s380") {
        return Err(usage(format!("unknown --via '{via}': use pasori:rc-s380")));
    }
    #[allow(unreachable_patterns)]
    let dir = match spec {
        ReaderSpec::Sim(dir) => dir,
        _ => {
            return Err(usage(
                "--via pasori:rc-s380 needs --reader sim:DIR".to_owned(),
            ));
        }
    };
    let card = inkan_sim::SoftCard::open(dir).map_err(|e| {
        CliError::new(
            "reader-not-found",
            exit::READER,
            format!("software card in {}: {e}", dir.display()),
        )
    })?;
    let reader = inkan_sim::readers::rcs380::VirtualRcS380::new(card);
    inkan_pasori::PasoriTransport::open(reader, inkan_pasori::PasoriOptions::default())
        .await
        .map(|t| AnyTransport::Pasori(Box::new(t)))
        .map_err(|e| CliError::from(inkan_card::CardError::Transport(e.into())))
}
