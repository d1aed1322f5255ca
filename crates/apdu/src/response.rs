//! Response APDUs (ISO/IEC 7816-4 §5.1: "response data field … trailer SW1-SW2").

use crate::Status;
use alloc::vec::Vec;
use core::fmt;

/// A response APDU: optional data and the status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The response data field (possibly empty).
    pub data: Vec<u8>,
    /// The trailer SW1-SW2.
    pub status: Status,
}

/// A response of fewer than two bytes: there is no status word to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseError {
    /// How many bytes there were.
    pub len: usize,
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "response of {} byte(s) is too short to hold the status word SW1-SW2",
            self.len
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ResponseError {}

impl Response {
    /// A response with data and status.
    pub fn new(data: Vec<u8>, status: Status) -> Self {
        Response { data, status }
    }

    /// A bare status response.
    pub fn status(status: Status) -> Self {
        Response {
            data: Vec::new(),
            status,
        }
    }

    /// Splits raw response bytes into data and SW1-SW2.
    pub fn parse(bytes: &[u8]) -> Result<Self, ResponseError> {
        match bytes.split_last_chunk::<2>() {
            Some((data, [sw1, sw2])) => Ok(Response {
                data: data.to_vec(),
                status: Status::from_bytes(*sw1, *sw2),
            }),
            None => Err(ResponseError { len: bytes.len() }),
        }
    }

    /// Data followed by SW1-SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.status.to_bytes());
        out
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Response({} {})",
            crate::hex_upper(&self.data),
            self.status
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_back() {
        let r = Response::parse(&[1, 2, 0x90, 0x00]).unwrap();
        assert_eq!(r.data, [1, 2]);
        assert!(r.status.is_success());
        assert_eq!(r.to_bytes(), [1, 2, 0x90, 0x00]);
        assert_eq!(Response::parse(&[0x90]), Err(ResponseError { len: 1 }));
        assert_eq!(Response::parse(&[]), Err(ResponseError { len: 0 }));
    }
}
