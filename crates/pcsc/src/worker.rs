//! The PC/SC session on its own thread, so that every call the caller waits for has a
//! timeout (PC/SC itself has none for connect or transmit).

use crate::choice::{ReaderChoice, candidates};
use crate::error::{Phase, map_error};
use crate::is_success;
use inkan_apdu::{Transport, TransportError};
use pcsc::{Card, Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};
use std::ffi::CString;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

/// Options for [`PcscTransport::open`] and [`list_readers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcscOptions {
    /// The longest any single PC/SC step (connect, one APDU, disconnect) may take.
    pub timeout: Duration,
    /// Hold the card with `SCARD_SHARE_EXCLUSIVE` (the default). Sharing it lets other
    /// programs use a PIN verified in this session, or reset the card under it: only
    /// for tools that must coexist with another program, and for tests.
    pub exclusive: bool,
    /// The command that tells the wanted card from others: a card that answers `90 00`
    /// is reported as [`CardPresence::MyNumberCard`] and chosen by
    /// [`ReaderChoice::FirstMyNumberCard`]. This crate knows no card: the caller passes
    /// it (for the My Number Card, SELECT of the JPKI AP by DF name,
    /// `inkan_profile::aid::SELECT_JPKI`, ISO/IEC 7816-4 §11.2.2).
    pub probe: Vec<u8>,
}

impl PcscOptions {
    /// Exclusive access, a 30 s bound per step, and `probe` to recognise the card.
    pub fn new(probe: &[u8]) -> Self {
        PcscOptions {
            timeout: Duration::from_secs(30),
            exclusive: true,
            probe: probe.to_vec(),
        }
    }

    fn share_mode(&self) -> ShareMode {
        if self.exclusive {
            ShareMode::Exclusive
        } else {
            ShareMode::Shared
        }
    }
}

/// What a reader holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardPresence {
    /// No card.
    Empty,
    /// A card that answered `90 00` to [`PcscOptions::probe`].
    MyNumberCard,
    /// A card that refused [`PcscOptions::probe`].
    OtherCard,
    /// A card another program holds exclusively; it was not probed.
    InUse,
    /// A card that does not answer (inserted the wrong way round, or broken).
    Mute,
    /// Probing failed; the message says why.
    Unknown(String),
}

impl CardPresence {
    /// A stable kebab-case name.
    pub fn name(&self) -> &'static str {
        match self {
            CardPresence::Empty => "empty",
            CardPresence::MyNumberCard => "my-number-card",
            CardPresence::OtherCard => "other-card",
            CardPresence::InUse => "in-use",
            CardPresence::Mute => "mute",
            CardPresence::Unknown(_) => "unknown",
        }
    }
}

/// A reader as [`list_readers`] sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    /// Position in the service's list (what `pcsc:#N` selects).
    pub index: usize,
    /// The reader's name as the service reports it.
    pub name: String,
    /// What is in it.
    pub presence: CardPresence,
    /// The card's ATR, when a card is present.
    pub atr: Vec<u8>,
}

/// Runs `f` on a new thread and waits at most `timeout` for its result.
fn with_timeout<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TransportError> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("inkan-pcsc".to_owned())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| TransportError::Io(format!("cannot start a thread: {e}")))?;
    rx.recv_timeout(timeout).map_err(|e| match e {
        RecvTimeoutError::Timeout => timeout_error(timeout),
        RecvTimeoutError::Disconnected => {
            TransportError::Io("the PC/SC thread ended without an answer".to_owned())
        }
    })
}

fn timeout_error(timeout: Duration) -> TransportError {
    TransportError::Timeout {
        millis: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
    }
}

fn establish() -> Result<Context, TransportError> {
    Context::establish(Scope::User).map_err(|e| map_error(e, Phase::Open, ""))
}

fn reader_names(ctx: &Context) -> Result<Vec<CString>, TransportError> {
    match ctx.list_readers_owned() {
        Ok(v) => Ok(v),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_error(e, Phase::Open, "")),
    }
}

fn lossy(name: &CString) -> String {
    name.to_string_lossy().into_owned()
}

/// Buffer large enough for any response, short or extended.
fn receive_buffer() -> Vec<u8> {
    vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED]
}

/// Looks into one reader: its state without connecting, then (when a card is present
/// and free) an exclusive connection and SELECT of the JPKI AP. Gives back the
/// connection when it holds a My Number Card.
fn probe(
    ctx: &Context,
    name: &CString,
    share: ShareMode,
    command: &[u8],
) -> (CardPresence, Vec<u8>, Option<Card>) {
    let mut states = [ReaderState::new(name.clone(), State::UNAWARE)];
    if let Err(e) = ctx.get_status_change(Duration::ZERO, &mut states) {
        return (
            CardPresence::Unknown(map_error(e, Phase::Open, &lossy(name)).to_string()),
            Vec::new(),
            None,
        );
    }
    let Some(state) = states.first() else {
        return (
            CardPresence::Unknown("no state".to_owned()),
            Vec::new(),
            None,
        );
    };
    let ev = state.event_state();
    let atr = state.atr().to_vec();
    if !ev.contains(State::PRESENT) {
        return (CardPresence::Empty, Vec::new(), None);
    }
    if ev.contains(State::MUTE) {
        return (CardPresence::Mute, atr, None);
    }
    if ev.contains(State::EXCLUSIVE) {
        return (CardPresence::InUse, atr, None);
    }
    let card = match ctx.connect(name, share, Protocols::ANY) {
        Ok(c) => c,
        Err(pcsc::Error::SharingViolation) => return (CardPresence::InUse, atr, None),
        Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard) => {
            return (CardPresence::Empty, Vec::new(), None);
        }
        Err(pcsc::Error::UnresponsiveCard | pcsc::Error::UnpoweredCard) => {
            return (CardPresence::Mute, atr, None);
        }
        Err(e) => {
            return (
                CardPresence::Unknown(map_error(e, Phase::Open, &lossy(name)).to_string()),
                atr,
                None,
            );
        }
    };
    let mut buf = receive_buffer();
    match card.transmit(command, &mut buf) {
        Ok(r) if is_success(r) => (CardPresence::MyNumberCard, atr, Some(card)),
        Ok(_) => {
            let _ = card.disconnect(Disposition::LeaveCard);
            (CardPresence::OtherCard, atr, None)
        }
        Err(e) => {
            let _ = card.disconnect(Disposition::LeaveCard);
            (
                CardPresence::Unknown(map_error(e, Phase::Open, &lossy(name)).to_string()),
                atr,
                None,
            )
        }
    }
}

/// Lists the readers and what each holds. Cards are probed with an exclusive
/// connection (so a card in use elsewhere is left alone) and left powered.
pub fn list_readers(opts: &PcscOptions) -> Result<Vec<ReaderInfo>, TransportError> {
    let probe_command = opts.probe.clone();
    with_timeout(opts.timeout, move || {
        let ctx = establish()?;
        let names = reader_names(&ctx)?;
        let mut out = Vec::with_capacity(names.len());
        for (index, name) in names.iter().enumerate() {
            let (presence, atr, card) = probe(&ctx, name, ShareMode::Exclusive, &probe_command);
            if let Some(card) = card {
                let _ = card.disconnect(Disposition::LeaveCard);
            }
            out.push(ReaderInfo {
                index,
                name: lossy(name),
                presence,
                atr,
            });
        }
        Ok(out)
    })?
}

/// The session's state, owned by the worker thread.
struct Session {
    ctx: Context,
    share: ShareMode,
    reader: CString,
    name: String,
    card: Option<Card>,
    buf: Vec<u8>,
}

impl Session {
    fn open(
        choice: &ReaderChoice,
        share: ShareMode,
        probe_command: &[u8],
    ) -> Result<(Session, Vec<u8>), TransportError> {
        let ctx = establish()?;
        let names = reader_names(&ctx)?;
        let shown: Vec<String> = names.iter().map(lossy).collect();
        let (found, needs_my_number_card) = candidates(&shown, choice)?;
        if !needs_my_number_card {
            let i = found.first().copied().unwrap_or_default();
            let reader = names
                .get(i)
                .cloned()
                .ok_or_else(|| TransportError::NoReader(format!("no reader #{i}")))?;
            let name = lossy(&reader);
            let card = ctx
                .connect(&reader, share, Protocols::ANY)
                .map_err(|e| map_error(e, Phase::Open, &name))?;
            let atr = card
                .status2_owned()
                .map(|s| s.atr().to_vec())
                .unwrap_or_default();
            return Ok((Session::new(ctx, share, reader, Some(card)), atr));
        }
        let mut seen = Vec::new();
        for i in found {
            let Some(reader) = names.get(i) else { continue };
            let (presence, atr, card) = probe(&ctx, reader, share, probe_command);
            if let Some(card) = card {
                return Ok((Session::new(ctx, share, reader.clone(), Some(card)), atr));
            }
            seen.push((i, lossy(reader), presence));
        }
        if seen.iter().all(|(_, _, p)| *p == CardPresence::Empty) {
            return Err(TransportError::NoCard);
        }
        if let Some((i, n, _)) = seen.iter().find(|(_, _, p)| *p == CardPresence::InUse) {
            return Err(TransportError::Busy(format!(
                "another program holds the card in #{i} '{n}' and no other reader holds a My Number Card"
            )));
        }
        Err(TransportError::NoReader(format!(
            "no reader holds a My Number Card ({})",
            seen.iter()
                .map(|(i, n, p)| format!("#{i} '{n}': {}", p.name()))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    fn new(ctx: Context, share: ShareMode, reader: CString, card: Option<Card>) -> Session {
        Session {
            name: lossy(&reader),
            ctx,
            share,
            reader,
            card,
            buf: receive_buffer(),
        }
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let card = match &mut self.card {
            Some(c) => c,
            None => {
                // Powered off earlier in this session: connect again, exclusively.
                let c = self
                    .ctx
                    .connect(&self.reader, self.share, Protocols::ANY)
                    .map_err(|e| map_error(e, Phase::Session, &self.name))?;
                self.card.insert(c)
            }
        };
        match card.transmit(apdu, &mut self.buf) {
            Ok(r) => Ok(r.to_vec()),
            Err(pcsc::Error::ResetCard) => {
                // Someone reset the card: take it back, and tell the caller that any
                // verified PIN (and the selected application) is gone.
                if let Err(e) = card.reconnect(self.share, Protocols::ANY, Disposition::LeaveCard) {
                    self.card = None;
                    return Err(map_error(e, Phase::Session, &self.name));
                }
                Err(TransportError::CardReset)
            }
            Err(e) => {
                let mapped = self.classify_failure(e);
                if matches!(
                    mapped,
                    TransportError::CardRemoved | TransportError::ReaderRemoved
                ) {
                    self.card = None;
                }
                Err(mapped)
            }
        }
    }

    /// A transmit failed. When the failure says only "the exchange did not happen"
    /// (`SCARD_E_NOT_TRANSACTED`, `SCARD_F_COMM_ERROR`), look whether the card or the
    /// reader went away: the service notices a removal on its next poll, so look for
    /// up to a second.
    fn classify_failure(&self, e: pcsc::Error) -> TransportError {
        let mapped = map_error(e, Phase::Session, &self.name);
        if !matches!(
            e,
            pcsc::Error::NotTransacted
                | pcsc::Error::CommError
                | pcsc::Error::UnresponsiveCard
                | pcsc::Error::UnpoweredCard
        ) {
            return mapped;
        }
        for _ in 0..10 {
            let mut states = [ReaderState::new(self.reader.clone(), State::UNAWARE)];
            match self.ctx.get_status_change(Duration::ZERO, &mut states) {
                Ok(()) => {
                    let ev = states.first().map(ReaderState::event_state);
                    if ev.is_some_and(|s| !s.contains(State::PRESENT)) {
                        return TransportError::CardRemoved;
                    }
                    if ev.is_some_and(|s| s.intersects(State::UNAVAILABLE | State::UNKNOWN)) {
                        return TransportError::ReaderRemoved;
                    }
                }
                Err(
                    pcsc::Error::UnknownReader
                    | pcsc::Error::ReaderUnavailable
                    | pcsc::Error::NoService
                    | pcsc::Error::ServiceStopped,
                ) => return TransportError::ReaderRemoved,
                Err(_) => return mapped,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        mapped
    }

    fn power_off(&mut self) -> Result<(), TransportError> {
        let Some(card) = self.card.take() else {
            return Ok(());
        };
        match card.disconnect(Disposition::UnpowerCard) {
            Ok(()) => Ok(()),
            Err((card, e)) => {
                drop(card); // disconnects with SCARD_RESET_CARD: the PIN state is gone too
                match map_error(e, Phase::Session, &self.name) {
                    // A card that is gone holds no verified PIN.
                    TransportError::CardRemoved
                    | TransportError::ReaderRemoved
                    | TransportError::NoCard => Ok(()),
                    other => Err(other),
                }
            }
        }
    }
}

enum Request {
    Transmit(Vec<u8>),
    PowerOff,
}

enum Reply {
    Opened(Result<(String, Vec<u8>), TransportError>),
    Data(Result<Vec<u8>, TransportError>),
    Off(Result<(), TransportError>),
    Closed,
}

/// A card in a PC/SC reader, held exclusively. See the crate documentation.
#[derive(Debug)]
pub struct PcscTransport {
    requests: Option<Sender<Request>>,
    replies: Receiver<Reply>,
    name: String,
    atr: Vec<u8>,
    timeout: Duration,
    /// Set after a timeout: the worker may still be stuck in PC/SC.
    broken: Option<TransportError>,
}

impl PcscTransport {
    /// Connects to the card `choice` picks, exclusively.
    pub fn open(
        choice: &ReaderChoice,
        opts: &PcscOptions,
    ) -> Result<PcscTransport, TransportError> {
        let (req_tx, req_rx) = mpsc::channel::<Request>();
        let (rep_tx, rep_rx) = mpsc::channel::<Reply>();
        let choice = choice.clone();
        let share = opts.share_mode();
        let probe = opts.probe.clone();
        std::thread::Builder::new()
            .name("inkan-pcsc".to_owned())
            .spawn(move || worker(&choice, share, &probe, &req_rx, &rep_tx))
            .map_err(|e| TransportError::Io(format!("cannot start a thread: {e}")))?;
        let (name, atr) = match rep_rx.recv_timeout(opts.timeout) {
            Ok(Reply::Opened(r)) => r?,
            Ok(_) => {
                return Err(TransportError::Io(
                    "the PC/SC thread answered out of turn".to_owned(),
                ));
            }
            Err(RecvTimeoutError::Timeout) => return Err(timeout_error(opts.timeout)),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(TransportError::Io(
                    "the PC/SC thread ended without an answer".to_owned(),
                ));
            }
        };
        Ok(PcscTransport {
            requests: Some(req_tx),
            replies: rep_rx,
            name,
            atr,
            timeout: opts.timeout,
            broken: None,
        })
    }

    /// The reader's name.
    pub fn reader_name(&self) -> &str {
        &self.name
    }

    /// The card's ATR as the reader reported it when the session began.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn call(&mut self, req: Request) -> Result<Reply, TransportError> {
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        let sent = self.requests.as_ref().map(|tx| tx.send(req));
        if !matches!(sent, Some(Ok(()))) {
            return Err(TransportError::Io("the PC/SC thread has ended".to_owned()));
        }
        match self.replies.recv_timeout(self.timeout) {
            Ok(r) => Ok(r),
            Err(RecvTimeoutError::Timeout) => {
                let e = timeout_error(self.timeout);
                self.broken = Some(e.clone());
                Err(e)
            }
            Err(RecvTimeoutError::Disconnected) => {
                let e = TransportError::Io("the PC/SC thread has ended".to_owned());
                self.broken = Some(e.clone());
                Err(e)
            }
        }
    }
}

fn worker(
    choice: &ReaderChoice,
    share: ShareMode,
    probe: &[u8],
    requests: &Receiver<Request>,
    replies: &Sender<Reply>,
) {
    let mut session = match Session::open(choice, share, probe) {
        Ok((s, atr)) => {
            let _ = replies.send(Reply::Opened(Ok((s.name.clone(), atr))));
            s
        }
        Err(e) => {
            let _ = replies.send(Reply::Opened(Err(e)));
            return;
        }
    };
    // Ends when the transport is dropped (the channel closes).
    for req in requests {
        let reply = match req {
            Request::Transmit(apdu) => Reply::Data(session.transmit(&apdu)),
            Request::PowerOff => Reply::Off(session.power_off()),
        };
        if replies.send(reply).is_err() {
            break;
        }
    }
    let _ = session.power_off();
    let _ = replies.send(Reply::Closed);
}

impl Transport for PcscTransport {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self.call(Request::Transmit(command.to_vec()))? {
            Reply::Data(r) => r,
            _ => Err(TransportError::Io(
                "the PC/SC thread answered out of turn".to_owned(),
            )),
        }
    }

    fn supports_extended(&self) -> bool {
        // The My Number Card is only known to take short APDUs (and the reader's
        // support for extended ones cannot be read portably).
        false
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        match self.call(Request::PowerOff)? {
            Reply::Off(r) => r,
            _ => Err(TransportError::Io(
                "the PC/SC thread answered out of turn".to_owned(),
            )),
        }
    }
}

impl Drop for PcscTransport {
    /// Closes the session: the worker unpowers the card. Waits a bounded time for it.
    fn drop(&mut self) {
        self.requests = None;
        if self.broken.is_none() {
            let wait = self.timeout.min(Duration::from_secs(5));
            // Skip any stale reply; stop at Closed or when the wait is over.
            for _ in 0..4 {
                match self.replies.recv_timeout(wait) {
                    Ok(Reply::Closed) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
    }
}
