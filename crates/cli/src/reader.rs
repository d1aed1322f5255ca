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
    Sim(inkan_sim::SimTransport),
}

impl Transport for AnyTransport {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            AnyTransport::Sim(t) => t.transmit(command).await,
        }
    }

    fn supports_extended(&self) -> bool {
        match self {
            AnyTransport::Sim(t) => t.supports_extended(),
        }
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        match self {
            AnyTransport::Sim(t) => t.power_off().await,
        }
    }
}

/// Opens the reader `--reader` names.
pub fn open(spec: &ReaderSpec) -> Result<AnyTransport, CliError> {
    match spec {
        ReaderSpec::Sim(dir) => inkan_sim::SimTransport::open(dir)
            .map(AnyTransport::Sim)
            .map_err(|e| {
                CliError::new(
                    "reader-not-found",
                    exit::READER,
                    format!("software card in {}: {e}", dir.display()),
                )
            }),
    }
}
