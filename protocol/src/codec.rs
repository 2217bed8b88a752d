//! Bytes <-> typed messages. Every payload goes through [`decode`], which bounds its size,
//! parses the JSON and checks the protocol version, so callers see one error type.

use serde::{Serialize, de::DeserializeOwned};

use crate::{PROTOCOL_VERSION, ProtocolError, Versioned};

/// Largest payload either side accepts. Telemetry is ~300 bytes; 16 KiB leaves room for
/// scripted missions while keeping a hostile client from making us parse megabytes.
pub const MAX_PAYLOAD_BYTES: usize = 16 * 1024;

pub fn decode<T: DeserializeOwned + Versioned>(bytes: &[u8]) -> Result<T, ProtocolError> {
    check_size(bytes)?;
    let msg: T = serde_json::from_slice(bytes).map_err(|e| ProtocolError::Json(e.to_string()))?;
    check_version(msg.version())?;
    Ok(msg)
}

pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    // Serializing our own plain data types cannot fail (no maps with non-string keys).
    serde_json::to_vec(msg).expect("protocol types always serialize")
}

pub(crate) fn check_size(bytes: &[u8]) -> Result<(), ProtocolError> {
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(ProtocolError::PayloadTooLarge {
            len: bytes.len(),
            max: MAX_PAYLOAD_BYTES,
        });
    }
    Ok(())
}

pub(crate) fn check_version(v: u32) -> Result<(), ProtocolError> {
    if v != PROTOCOL_VERSION {
        return Err(ProtocolError::Version {
            got: v,
            expected: PROTOCOL_VERSION,
        });
    }
    Ok(())
}

/// Asserts that a message survives encode -> decode unchanged (used by each message's tests).
#[cfg(test)]
pub(crate) fn assert_round_trip<T>(msg: &T)
where
    T: Serialize + DeserializeOwned + Versioned + PartialEq + std::fmt::Debug,
{
    let bytes = encode(msg);
    let back: T = decode(&bytes).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&bytes));
    });
    assert_eq!(&back, msg);
}
