//! Sending a command and collecting its whole answer.

use crate::{
    Command, CommandError, MAX_SHORT_LE, Response, ResponseError, Status, Trace, Transport,
    TransportError,
};
use alloc::vec::Vec;
use core::fmt;

/// Bounds and choices for [`exchange_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeOptions {
    /// The most GET RESPONSE commands sent for one command.
    pub max_get_response: usize,
    /// The most response data bytes accepted for one command.
    pub max_response_len: usize,
    /// Whether to split data longer than 255 bytes with command chaining
    /// (ISO/IEC 7816-4 §5.1.1.1) when extended length is not available.
    pub chaining: bool,
}

impl Default for ExchangeOptions {
    fn default() -> Self {
        ExchangeOptions {
            max_get_response: 256,
            max_response_len: 65_536,
            chaining: true,
        }
    }
}

/// Why an exchange failed. (A status word other than `9000` is not a
/// failure here: it is returned in the [`Response`] for the caller to judge.)
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The reader or link failed.
    Transport(TransportError),
    /// The command cannot be encoded.
    Command(CommandError),
    /// The answer is not a response APDU.
    Response(ResponseError),
    /// The card kept answering `61xx` past [`ExchangeOptions::max_get_response`].
    TooManyGetResponse {
        /// The bound that was reached.
        limit: usize,
    },
    /// The card sent more data than [`ExchangeOptions::max_response_len`].
    ResponseTooLong {
        /// The bound that was exceeded.
        limit: usize,
    },
    /// The card answered `6Cxx` twice in a row.
    WrongLeLoop,
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::Transport(e) => write!(f, "{e}"),
            ExchangeError::Command(e) => write!(f, "{e}"),
            ExchangeError::Response(e) => write!(f, "{e}"),
            ExchangeError::TooManyGetResponse { limit } => {
                write!(f, "card asked for more than {limit} GET RESPONSE commands")
            }
            ExchangeError::ResponseTooLong { limit } => {
                write!(f, "card sent more than {limit} bytes of response data")
            }
            ExchangeError::WrongLeLoop => write!(f, "card answered 6Cxx to the corrected Le"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ExchangeError {}

impl From<TransportError> for ExchangeError {
    fn from(e: TransportError) -> Self {
        ExchangeError::Transport(e)
    }
}

impl From<CommandError> for ExchangeError {
    fn from(e: CommandError) -> Self {
        ExchangeError::Command(e)
    }
}

impl From<ResponseError> for ExchangeError {
    fn from(e: ResponseError) -> Self {
        ExchangeError::Response(e)
    }
}

/// Sends `cmd` with the default options and no trace.
pub async fn exchange<T: Transport + ?Sized>(
    transport: &mut T,
    cmd: &Command,
) -> Result<Response, ExchangeError> {
    exchange_with(transport, cmd, &ExchangeOptions::default(), None).await
}

async fn send_one<T: Transport + ?Sized>(
    transport: &mut T,
    cmd: &Command,
    extended: bool,
    trace: &mut Option<&mut Trace>,
) -> Result<Response, ExchangeError> {
    let bytes = zeroize::Zeroizing::new(cmd.encode(extended)?);
    if let Some(t) = trace.as_deref_mut() {
        t.command(&bytes, cmd.is_sensitive(), cmd.data().len());
    }
    let raw = transport.transmit(&bytes).await?;
    if let Some(t) = trace.as_deref_mut() {
        t.response(&raw);
    }
    Ok(Response::parse(&raw)?)
}

/// Sends `cmd` and returns its complete response.
///
/// - Encoding: short when it fits; extended when the transport
///   [supports it](Transport::supports_extended); otherwise data longer than
///   255 bytes is sent with command chaining (ISO/IEC 7816-4 §5.1.1.1: "bit 5
///   of CLA set to 1 … the command is not the last command of a chain"), and
///   Ne above 256 is reduced to 256 (the card then answers `61xx`).
/// - `6Cxx` (ISO/IEC 7816-4 §5.1.3: "Wrong Le field; SW2 encodes the exact
///   number of available data bytes"): the same command is sent once more with
///   Le = `xx`.
/// - `61xx` ("SW2 encodes the number of data bytes still available"): GET
///   RESPONSE (`00 C0 00 00 xx`, ISO/IEC 7816-4 §11.6.4 in the 2020 edition)
///   is sent until the card stops asking, within
///   [`ExchangeOptions::max_get_response`]; the pieces are concatenated.
///
/// Every other status word is returned to the caller in the [`Response`].
pub async fn exchange_with<T: Transport + ?Sized>(
    transport: &mut T,
    cmd: &Command,
    opts: &ExchangeOptions,
    mut trace: Option<&mut Trace>,
) -> Result<Response, ExchangeError> {
    let extended = !cmd.fits_short() && transport.supports_extended();
    let mut first = if extended || cmd.data().len() <= 255 {
        let mut c = cmd.clone();
        if !extended && let Some(ne) = c.le() {
            c = c.with_le(ne.min(MAX_SHORT_LE));
        }
        send_one(transport, &c, extended, &mut trace).await?
    } else if opts.chaining {
        send_chained(transport, cmd, &mut trace).await?
    } else {
        return Err(ExchangeError::Command(CommandError::NeedsExtended));
    };

    if let Status::WrongLe(n) = first.status {
        let ne = if n == 0 { MAX_SHORT_LE } else { usize::from(n) };
        let c = cmd.clone().with_le(ne);
        first = send_one(transport, &c, false, &mut trace).await?;
        if matches!(first.status, Status::WrongLe(_)) {
            return Err(ExchangeError::WrongLeLoop);
        }
    }

    let mut data = core::mem::take(&mut first.data);
    let mut status = first.status;
    let mut rounds = 0;
    while let Status::MoreData(n) = status {
        if rounds >= opts.max_get_response {
            return Err(ExchangeError::TooManyGetResponse {
                limit: opts.max_get_response,
            });
        }
        rounds += 1;
        let ne = if n == 0 { MAX_SHORT_LE } else { usize::from(n) };
        let get = Command::new(cmd.cla & 0x03, 0xC0, 0x00, 0x00).with_le(ne);
        let r = send_one(transport, &get, false, &mut trace).await?;
        if data.len() + r.data.len() > opts.max_response_len {
            return Err(ExchangeError::ResponseTooLong {
                limit: opts.max_response_len,
            });
        }
        data.extend_from_slice(&r.data);
        status = r.status;
    }
    Ok(Response::new(data, status))
}

async fn send_chained<T: Transport + ?Sized>(
    transport: &mut T,
    cmd: &Command,
    trace: &mut Option<&mut Trace>,
) -> Result<Response, ExchangeError> {
    let chunks: Vec<&[u8]> = cmd.data().chunks(255).collect();
    let last = chunks.len().saturating_sub(1);
    let mut resp = Response::status(Status::Success);
    for (i, chunk) in chunks.into_iter().enumerate() {
        let mut c = Command::new(cmd.cla, cmd.ins, cmd.p1, cmd.p2).with_data(chunk);
        if cmd.is_sensitive() {
            c = c.sensitive();
        }
        if i == last {
            if let Some(ne) = cmd.le() {
                c = c.with_le(ne.min(MAX_SHORT_LE));
            }
        } else {
            c.cla |= 0x10;
        }
        resp = send_one(transport, &c, false, trace).await?;
        if i != last && !resp.status.is_success() {
            return Ok(resp);
        }
    }
    Ok(resp)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use alloc::collections::VecDeque;
    use alloc::vec;

    /// A transport that answers from a script and records what it was sent.
    struct Scripted {
        answers: VecDeque<Vec<u8>>,
        sent: Vec<Vec<u8>>,
    }

    impl Scripted {
        fn new(answers: &[&[u8]]) -> Self {
            Scripted {
                answers: answers.iter().map(|a| a.to_vec()).collect(),
                sent: Vec::new(),
            }
        }
    }

    impl Transport for Scripted {
        async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command.to_vec());
            self.answers.pop_front().ok_or(TransportError::CardRemoved)
        }
    }

    fn run<F: core::future::Future>(f: F) -> F::Output {
        pollster::block_on(f)
    }

    #[test]
    fn get_response_is_followed() {
        let mut t = Scripted::new(&[&[0x61, 0x03], &[1, 2, 3, 0x61, 0x02], &[4, 5, 0x90, 0x00]]);
        let cmd = Command::new(0x80, 0x2A, 0x00, 0x80)
            .with_data(&[9])
            .with_le(256);
        let r = run(exchange(&mut t, &cmd)).unwrap();
        assert_eq!(r.data, [1, 2, 3, 4, 5]);
        assert!(r.status.is_success());
        assert_eq!(t.sent[1], [0x00, 0xC0, 0x00, 0x00, 0x03]);
        assert_eq!(t.sent[2], [0x00, 0xC0, 0x00, 0x00, 0x02]);
    }

    #[test]
    fn wrong_le_resends_once() {
        let mut t = Scripted::new(&[&[0x6C, 0x11], &[0xAA; 19][..]]);
        // 17 bytes of data + 9000 in the second answer.
        let mut second = vec![0xAA; 17];
        second.extend_from_slice(&[0x90, 0x00]);
        t.answers[1] = second;
        let cmd = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(256);
        let r = run(exchange(&mut t, &cmd)).unwrap();
        assert_eq!(r.data.len(), 17);
        assert_eq!(t.sent[1], [0x00, 0xB0, 0x00, 0x00, 0x11]);

        let mut t = Scripted::new(&[&[0x6C, 0x11], &[0x6C, 0x10]]);
        assert_eq!(run(exchange(&mut t, &cmd)), Err(ExchangeError::WrongLeLoop));
    }

    #[test]
    fn get_response_loop_is_bounded() {
        let answers: Vec<&[u8]> = (0..10).map(|_| &[0x61u8, 0x01][..]).collect();
        let mut t = Scripted::new(&answers);
        let opts = ExchangeOptions {
            max_get_response: 3,
            ..ExchangeOptions::default()
        };
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(1);
        assert_eq!(
            run(exchange_with(&mut t, &cmd, &opts, None)),
            Err(ExchangeError::TooManyGetResponse { limit: 3 })
        );
        assert_eq!(t.sent.len(), 4);
    }

    #[test]
    fn long_data_is_chained_without_extended() {
        let mut t = Scripted::new(&[&[0x90, 0x00], &[0x90, 0x00]]);
        let data = vec![0x55; 300];
        let cmd = Command::new(0x80, 0x2A, 0x00, 0x80).with_data(&data);
        run(exchange(&mut t, &cmd)).unwrap();
        assert_eq!(t.sent[0][0], 0x90);
        assert_eq!(t.sent[0][4], 255);
        assert_eq!(t.sent[1][0], 0x80);
        assert_eq!(t.sent[1][4], 45);
    }

    #[test]
    fn garbage_answer_is_typed() {
        let mut t = Scripted::new(&[&[0x90]]);
        let cmd = Command::new(0, 0xA4, 4, 0x0C).with_data(&[1]);
        assert_eq!(
            run(exchange(&mut t, &cmd)),
            Err(ExchangeError::Response(ResponseError { len: 1 }))
        );
        let mut t = Scripted::new(&[]);
        assert_eq!(
            run(exchange(&mut t, &cmd)),
            Err(ExchangeError::Transport(TransportError::CardRemoved))
        );
    }

    #[test]
    fn trace_redacts_pins() {
        let mut t = Scripted::new(&[&[0x63, 0xC2]]);
        let mut trace = Trace::default();
        let cmd = Command::new(0, 0x20, 0, 0x80)
            .with_data(b"9876")
            .sensitive();
        let r = run(exchange_with(
            &mut t,
            &cmd,
            &ExchangeOptions::default(),
            Some(&mut trace),
        ))
        .unwrap();
        assert_eq!(r.status, Status::RetriesLeft(2));
        let text = trace.to_text();
        assert_eq!(text, "> 0020008004 [4 secret bytes not shown]\n< 63C2\n");
        assert!(!text.contains("39383736"));
    }
}
