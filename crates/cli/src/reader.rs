//! Choosing a reader from `--reader`, and listing PC/SC readers.

use crate::error::{CliError, exit};
use crate::output::Outcome;
use inkan_apdu::{Transport, TransportError};
use inkan_card::CardError;
use inkan_pcsc::{CardPresence, PcscOptions, PcscTransport, ReaderChoice};
use inkan_readers::UsbReader;
use inkan_sim::readers::VirtualDevice;
use serde_json::json;
use std::path::PathBuf;

/// What `--reader` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderSpec {
    /// `sim:DIR`: the software card whose state is in DIR.
    Sim(PathBuf),
    /// `pcsc` or `pcsc:NAME` (a substring of the reader name) or `pcsc:#N` (an index
    /// in `inkan card list`): a reader of the system PC/SC service.
    Pcsc(ReaderChoice),
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
        if s == "pcsc" {
            return Ok(ReaderSpec::Pcsc(ReaderChoice::FirstMyNumberCard));
        }
        if let Some(name) = s.strip_prefix("pcsc:") {
            return Ok(ReaderSpec::Pcsc(ReaderChoice::parse(name)));
        }
        Err(CliError::new(
            "reader-not-found",
            exit::READER,
            format!(
                "unknown reader '{s}': use pcsc, pcsc:NAME (part of the reader's name), pcsc:#N or sim:DIR"
            ),
        ))
    }
}

/// Any of the transports the CLI can drive.
pub enum AnyTransport {
    /// The software card.
    Sim(Box<inkan_sim::SimTransport>),
    /// A card in a PC/SC reader.
    Pcsc(PcscTransport),
    /// The software card in a virtual USB reader (`--via ccid:MODEL` or
    /// `--via pasori:rc-s380`), driven by the USB driver `inkan-readers` chose from the
    /// device's descriptors, as for real hardware.
    Usb(Box<UsbReader<VirtualDevice>>),
}

impl AnyTransport {
    /// Transport figures for `--json`: APDUs, USB transfers, bytes on the wire and
    /// simulated wire time, for the reader drivers (none for a direct software card).
    pub fn figures(&self) -> Option<serde_json::Value> {
        let AnyTransport::Usb(t) = self else {
            return None;
        };
        let f = t.figures();
        let device = t.pipe();
        let mut v = serde_json::json!({
            "apdus": f.apdus,
            "usb_transfers": f.usb_transfers,
            "usb_bytes_out": f.usb_bytes_out,
            "usb_bytes_in": f.usb_bytes_in,
            "wire_bytes": device.wire_bytes(),
            "wire_time_us": device.wire_us(),
            "simulated_time_us": device.clock_us(),
            "faults_injected": device.faults_injected(),
            "reader": device.name(),
        });
        let extra = match &**t {
            UsbReader::Ccid(_) => serde_json::json!({
                "driver": "ccid",
                "t1_blocks_sent": f.blocks_sent,
                "time_extensions": f.time_extensions,
                "stale_replies": f.stale_replies,
            }),
            _ => serde_json::json!({
                "driver": "pasori",
                "isodep_blocks_sent": f.blocks_sent,
                "retransmissions": f.retransmissions,
                "wtx": f.time_extensions,
            }),
        };
        if let (Some(m), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
            m.extend(e);
        }
        Some(v)
    }
}

impl Transport for AnyTransport {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            AnyTransport::Sim(t) => t.transmit(command).await,
            AnyTransport::Pcsc(t) => t.transmit(command).await,
            AnyTransport::Usb(t) => t.transmit(command).await,
        }
    }

    fn supports_extended(&self) -> bool {
        match self {
            AnyTransport::Sim(t) => t.supports_extended(),
            AnyTransport::Pcsc(t) => t.supports_extended(),
            AnyTransport::Usb(t) => t.supports_extended(),
        }
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        match self {
            AnyTransport::Sim(t) => t.power_off().await,
            AnyTransport::Pcsc(t) => t.power_off().await,
            AnyTransport::Usb(t) => t.power_off().await,
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
        ReaderSpec::Pcsc(choice) => {
            PcscTransport::open(choice, &PcscOptions::new(&inkan_profile::aid::SELECT_JPKI))
                .map(AnyTransport::Pcsc)
                .map_err(|e| CliError::from(CardError::Transport(e)))
        }
    }
}

fn presence_text(p: &CardPresence) -> String {
    match p {
        CardPresence::Empty => "no card".to_owned(),
        CardPresence::MyNumberCard => "My Number Card".to_owned(),
        CardPresence::OtherCard => "a card that is not a My Number Card".to_owned(),
        CardPresence::InUse => "a card in use by another program".to_owned(),
        CardPresence::Mute => "a card that does not answer".to_owned(),
        CardPresence::Unknown(m) => format!("unknown ({m})"),
    }
}

/// `inkan card list`: the PC/SC readers and whether each holds a My Number Card.
pub fn list() -> Result<Outcome, CliError> {
    let readers = inkan_pcsc::list_readers(&PcscOptions::new(&inkan_profile::aid::SELECT_JPKI))
        .map_err(|e| CliError::from(CardError::Transport(e)))?;
    let json_readers: Vec<_> = readers
        .iter()
        .map(|r| {
            json!({
                "index": r.index,
                "name": r.name,
                "reader": format!("pcsc:#{}", r.index),
                "card": r.presence.name(),
                "my_number_card": r.presence == CardPresence::MyNumberCard,
                "atr": if r.atr.is_empty() { None } else { Some(inkan_apdu::hex_upper(&r.atr)) },
            })
        })
        .collect();
    let text = if readers.is_empty() {
        "no PC/SC reader (is the reader plugged in and pcscd running?)".to_owned()
    } else {
        readers
            .iter()
            .map(|r| format!("#{} {}: {}", r.index, r.name, presence_text(&r.presence)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok(Outcome {
        json: json!({ "readers": json_readers }),
        text,
    })
}

/// Opens the reader `--reader` names, reached the way `--via` says:
/// `ccid:MODEL` puts the software card of `sim:DIR` in a virtual CCID reader
/// (`scr3310-nttcom`, `scr331-di-nttcom`, `acr39u`, `acr1252`, `rc-s300`) driven by
/// the CCID driver; `pasori:rc-s380` puts it on a virtual RC-S380 driven by the
/// Port-100 / ISO-DEP driver. `faults` (`SEED:RATE`) injects seeded faults on the
/// virtual reader.
pub async fn open_via(
    spec: &ReaderSpec,
    via: Option<&str>,
    faults: Option<&str>,
) -> Result<AnyTransport, CliError> {
    let usage = |m: String| CliError::new("usage", exit::USAGE, m);
    let Some(via) = via else {
        if faults.is_some() {
            return Err(usage(
                "--faults needs --via ccid:MODEL or --via pasori:rc-s380".to_owned(),
            ));
        }
        return open(spec);
    };
    let faults = match faults {
        Some(f) => Some(
            inkan_sim::readers::FaultConfig::parse(f)
                .ok_or_else(|| usage(format!("--faults '{f}': expected SEED:RATE, e.g. 7:0.05")))?,
        ),
        None => None,
    };
    #[allow(unreachable_patterns)]
    let dir = match spec {
        ReaderSpec::Sim(dir) => dir,
        _ => return Err(usage(format!("--via {via} needs --reader sim:DIR"))),
    };
    let open_card = || {
        inkan_sim::SoftCard::open(dir).map_err(|e| {
            CliError::new(
                "reader-not-found",
                exit::READER,
                format!("software card in {}: {e}", dir.display()),
            )
        })
    };
    if via.eq_ignore_ascii_case("pasori:rc-s380") {
        let mut reader = inkan_sim::readers::rcs380::VirtualRcS380::new(open_card()?);
        if let Some(cfg) = faults {
            reader = reader.with_faults(cfg);
        }
        return open_device(VirtualDevice::RcS380(reader)).await;
    }
    if let Some(name) = via.strip_prefix("ccid:") {
        let model = inkan_sim::readers::ReaderModel::from_name(name).ok_or_else(|| {
            usage(format!(
                "unknown CCID reader model '{name}': use scr3310-nttcom, scr331-di-nttcom, acr39u, acr1252 or rc-s300"
            ))
        })?;
        let mut reader = inkan_sim::readers::VirtualReader::new(model, open_card()?);
        if let Some(cfg) = faults {
            reader = reader.with_faults(cfg);
        }
        return open_device(VirtualDevice::Ccid(reader)).await;
    }
    Err(usage(format!(
        "unknown --via '{via}': use ccid:MODEL (scr3310-nttcom, scr331-di-nttcom, acr39u, acr1252, rc-s300) or pasori:rc-s380"
    )))
}

/// Opens a virtual USB device as real hardware is opened: configuration descriptor,
/// driver choice (`inkan-readers`), driver.
async fn open_device(device: VirtualDevice) -> Result<AnyTransport, CliError> {
    let (vendor_id, product_id) = device.ids();
    UsbReader::open_device(device, vendor_id, product_id)
        .await
        .map(|t| AnyTransport::Usb(Box::new(t)))
        .map_err(|e| CliError::from(inkan_card::CardError::Transport(e.into())))
}
