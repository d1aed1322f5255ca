//! Status words (ISO/IEC 7816-4 §5.1.3).

use core::fmt;

/// The status word SW1-SW2 that ends every response APDU.
///
/// ISO/IEC 7816-4 §5.1.3: "The trailer of a response APDU consists of two
/// mandatory bytes SW1-SW2 … the status bytes". Codes that inkan acts on have
/// their own variant; every other code is kept in [`Status::Other`], so
/// `Status::from(u16::from(s)) == s` holds for every status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// `9000`: normal processing.
    Success,
    /// `61xx`: normal processing, `xx` more bytes available with GET RESPONSE
    /// (`00` meaning 256 or more).
    MoreData(u8),
    /// `6281`: part of returned data may be corrupted.
    CorruptedData,
    /// `6282`: end of file or record reached before reading Ne bytes.
    EndOfFile,
    /// `63Cx`: verification failed, `x` tries left (ISO/IEC 7816-4 §5.1.3,
    /// "counter provided by `x`"). `63C0` means blocked.
    RetriesLeft(u8),
    /// `6581`: memory failure.
    MemoryFailure,
    /// `6700`: wrong length.
    WrongLength,
    /// `6881`: logical channel not supported.
    LogicalChannelNotSupported,
    /// `6882`: secure messaging not supported.
    SecureMessagingNotSupported,
    /// `6884`: command chaining not supported.
    ChainingNotSupported,
    /// `6981`: command incompatible with file structure.
    IncompatibleFileStructure,
    /// `6982`: security status not satisfied.
    SecurityStatusNotSatisfied,
    /// `6983`: authentication method blocked.
    AuthMethodBlocked,
    /// `6984`: reference data not usable (a blocked PIN on the My Number Card).
    ReferenceDataNotUsable,
    /// `6985`: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// `6986`: command not allowed (no current EF).
    CommandNotAllowed,
    /// `6A80`: incorrect parameters in the command data field.
    IncorrectData,
    /// `6A81`: function not supported.
    FunctionNotSupported,
    /// `6A82`: file or application not found.
    FileNotFound,
    /// `6A83`: record not found.
    RecordNotFound,
    /// `6A84`: not enough memory space in the file.
    NotEnoughMemory,
    /// `6A86`: incorrect parameters P1-P2.
    IncorrectP1P2,
    /// `6A88`: referenced data not found.
    ReferencedDataNotFound,
    /// `6B00`: wrong parameters P1-P2 (for READ BINARY: offset beyond the EF).
    WrongP1P2,
    /// `6Cxx`: wrong Le field; `xx` is the exact length available.
    WrongLe(u8),
    /// `6D00`: instruction code not supported or invalid.
    InstructionNotSupported,
    /// `6E00`: class not supported.
    ClassNotSupported,
    /// `6F00`: no precise diagnosis.
    NoPreciseDiagnosis,
    /// Any other status word, kept as received.
    Other(u16),
}

impl Status {
    /// Whether this is `9000`.
    pub fn is_success(self) -> bool {
        self == Status::Success
    }

    /// SW1 and SW2 as bytes.
    pub fn to_bytes(self) -> [u8; 2] {
        u16::from(self).to_be_bytes()
    }

    /// Builds a status from SW1 and SW2.
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        Status::from(u16::from_be_bytes([sw1, sw2]))
    }

    /// A short English description, for error messages.
    pub fn description(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::MoreData(_) => "more data available",
            Status::CorruptedData => "returned data may be corrupted",
            Status::EndOfFile => "end of file reached",
            Status::RetriesLeft(_) => "verification failed",
            Status::MemoryFailure => "memory failure",
            Status::WrongLength => "wrong length",
            Status::LogicalChannelNotSupported => "logical channel not supported",
            Status::SecureMessagingNotSupported => "secure messaging not supported",
            Status::ChainingNotSupported => "command chaining not supported",
            Status::IncompatibleFileStructure => "command incompatible with file structure",
            Status::SecurityStatusNotSatisfied => "security status not satisfied",
            Status::AuthMethodBlocked => "authentication method blocked",
            Status::ReferenceDataNotUsable => "reference data not usable (blocked)",
            Status::ConditionsNotSatisfied => "conditions of use not satisfied",
            Status::CommandNotAllowed => "command not allowed",
            Status::IncorrectData => "incorrect data",
            Status::FunctionNotSupported => "function not supported",
            Status::FileNotFound => "file or application not found",
            Status::RecordNotFound => "record not found",
            Status::NotEnoughMemory => "not enough memory",
            Status::IncorrectP1P2 => "incorrect P1-P2",
            Status::ReferencedDataNotFound => "referenced data not found",
            Status::WrongP1P2 => "wrong P1-P2 (offset beyond end of file)",
            Status::WrongLe(_) => "wrong Le",
            Status::InstructionNotSupported => "instruction not supported",
            Status::ClassNotSupported => "class not supported",
            Status::NoPreciseDiagnosis => "no precise diagnosis",
            Status::Other(_) => "unknown status",
        }
    }
}

impl From<u16> for Status {
    fn from(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => Status::Success,
            (0x61, n) => Status::MoreData(n),
            (0x62, 0x81) => Status::CorruptedData,
            (0x62, 0x82) => Status::EndOfFile,
            (0x63, n) if n & 0xF0 == 0xC0 => Status::RetriesLeft(n & 0x0F),
            (0x65, 0x81) => Status::MemoryFailure,
            (0x67, 0x00) => Status::WrongLength,
            (0x68, 0x81) => Status::LogicalChannelNotSupported,
            (0x68, 0x82) => Status::SecureMessagingNotSupported,
            (0x68, 0x84) => Status::ChainingNotSupported,
            (0x69, 0x81) => Status::IncompatibleFileStructure,
            (0x69, 0x82) => Status::SecurityStatusNotSatisfied,
            (0x69, 0x83) => Status::AuthMethodBlocked,
            (0x69, 0x84) => Status::ReferenceDataNotUsable,
            (0x69, 0x85) => Status::ConditionsNotSatisfied,
            (0x69, 0x86) => Status::CommandNotAllowed,
            (0x6A, 0x80) => Status::IncorrectData,
            (0x6A, 0x81) => Status::FunctionNotSupported,
            (0x6A, 0x82) => Status::FileNotFound,
            (0x6A, 0x83) => Status::RecordNotFound,
            (0x6A, 0x84) => Status::NotEnoughMemory,
            (0x6A, 0x86) => Status::IncorrectP1P2,
            (0x6A, 0x88) => Status::ReferencedDataNotFound,
            (0x6B, 0x00) => Status::WrongP1P2,
            (0x6C, n) => Status::WrongLe(n),
            (0x6D, 0x00) => Status::InstructionNotSupported,
            (0x6E, 0x00) => Status::ClassNotSupported,
            (0x6F, 0x00) => Status::NoPreciseDiagnosis,
            _ => Status::Other(sw),
        }
    }
}

impl From<Status> for u16 {
    fn from(s: Status) -> u16 {
        match s {
            Status::Success => 0x9000,
            Status::MoreData(n) => 0x6100 | u16::from(n),
            Status::CorruptedData => 0x6281,
            Status::EndOfFile => 0x6282,
            Status::RetriesLeft(n) => 0x63C0 | u16::from(n & 0x0F),
            Status::MemoryFailure => 0x6581,
            Status::WrongLength => 0x6700,
            Status::LogicalChannelNotSupported => 0x6881,
            Status::SecureMessagingNotSupported => 0x6882,
            Status::ChainingNotSupported => 0x6884,
            Status::IncompatibleFileStructure => 0x6981,
            Status::SecurityStatusNotSatisfied => 0x6982,
            Status::AuthMethodBlocked => 0x6983,
            Status::ReferenceDataNotUsable => 0x6984,
            Status::ConditionsNotSatisfied => 0x6985,
            Status::CommandNotAllowed => 0x6986,
            Status::IncorrectData => 0x6A80,
            Status::FunctionNotSupported => 0x6A81,
            Status::FileNotFound => 0x6A82,
            Status::RecordNotFound => 0x6A83,
            Status::NotEnoughMemory => 0x6A84,
            Status::IncorrectP1P2 => 0x6A86,
            Status::ReferencedDataNotFound => 0x6A88,
            Status::WrongP1P2 => 0x6B00,
            Status::WrongLe(n) => 0x6C00 | u16::from(n),
            Status::InstructionNotSupported => 0x6D00,
            Status::ClassNotSupported => 0x6E00,
            Status::NoPreciseDiagnosis => 0x6F00,
            Status::Other(sw) => sw,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", u16::from(*self), self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_word_round_trips() {
        for sw in 0..=u16::MAX {
            assert_eq!(u16::from(Status::from(sw)), sw, "{sw:04X}");
        }
    }

    #[test]
    fn known_codes() {
        assert_eq!(Status::from(0x63C2), Status::RetriesLeft(2));
        assert_eq!(Status::from(0x6B00), Status::WrongP1P2);
        assert_eq!(Status::from(0x6984), Status::ReferenceDataNotUsable);
        assert_eq!(Status::from(0x6312), Status::Other(0x6312));
        assert_eq!(alloc::format!("{}", Status::Success), "9000 (success)");
    }
}
