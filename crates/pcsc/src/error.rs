//! PC/SC error codes as [`TransportError`]s.

use inkan_apdu::TransportError;

/// When an error happened: the same PC/SC code means different things while a reader is
/// being chosen and in the middle of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Talking to the service, listing readers, connecting.
    Open,
    /// During a session with a connected card.
    Session,
}

/// Maps a PC/SC error to a [`TransportError`]. `reader` names the reader for messages.
pub fn map_error(e: pcsc::Error, phase: Phase, reader: &str) -> TransportError {
    use pcsc::Error as E;
    match (e, phase) {
        (E::NoService | E::ServiceStopped, Phase::Open) => TransportError::NoReader(
            "the PC/SC service is not running (start pcscd, or install it: apt-get install pcscd)"
                .to_owned(),
        ),
        (E::NoReadersAvailable, Phase::Open) => {
            TransportError::NoReader("the PC/SC service lists no reader".to_owned())
        }
        (E::UnknownReader | E::ReaderUnavailable, Phase::Open) => {
            TransportError::NoReader(format!("reader '{reader}' is gone"))
        }
        (
            E::NoService
            | E::ServiceStopped
            | E::NoReadersAvailable
            | E::UnknownReader
            | E::ReaderUnavailable
            | E::CommError,
            Phase::Session,
        ) => TransportError::ReaderRemoved,
        (E::NoSmartcard | E::RemovedCard, Phase::Open) => TransportError::NoCard,
        (E::NoSmartcard | E::RemovedCard, Phase::Session) => TransportError::CardRemoved,
        (E::ResetCard, _) => TransportError::CardReset,
        (E::SharingViolation, _) => TransportError::Busy(format!(
            "another program holds the card in '{reader}'; close it and retry"
        )),
        (E::Timeout, _) => TransportError::Timeout { millis: 0 },
        (E::UnresponsiveCard | E::UnpoweredCard | E::UnsupportedCard, _) => TransportError::Io(
            format!("the card in '{reader}' does not answer ({e}); reinsert it"),
        ),
        (E::ProtoMismatch, _) => TransportError::Protocol(format!(
            "the card in '{reader}' speaks no protocol the reader offers"
        )),
        (other, _) => TransportError::Io(format!("PC/SC: {other} ({:#010X})", other as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcsc::Error as E;

    #[test]
    fn typed() {
        let m = |e, p| map_error(e, p, "R");
        assert!(
            matches!(m(E::NoService, Phase::Open), TransportError::NoReader(s) if s.contains("pcscd"))
        );
        assert_eq!(
            m(E::ReaderUnavailable, Phase::Session),
            TransportError::ReaderRemoved
        );
        assert_eq!(
            m(E::UnknownReader, Phase::Session),
            TransportError::ReaderRemoved
        );
        assert_eq!(
            m(E::ServiceStopped, Phase::Session),
            TransportError::ReaderRemoved
        );
        assert_eq!(
            m(E::RemovedCard, Phase::Session),
            TransportError::CardRemoved
        );
        assert_eq!(
            m(E::NoSmartcard, Phase::Session),
            TransportError::CardRemoved
        );
        assert_eq!(m(E::NoSmartcard, Phase::Open), TransportError::NoCard);
        assert_eq!(m(E::ResetCard, Phase::Session), TransportError::CardReset);
        assert!(matches!(
            m(E::SharingViolation, Phase::Open),
            TransportError::Busy(_)
        ));
        assert!(
            matches!(m(E::Eof, Phase::Session), TransportError::Io(s) if s.contains("0x80100"))
        );
    }
}
