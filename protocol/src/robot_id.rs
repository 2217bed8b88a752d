//! Robot ids: validated once at the edge so that no topic can be forged from an id.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ProtocolError;

/// Longest accepted robot id, in bytes. A MAC id such as `0xdca632bf91cc` is 14.
pub const MAX_ID_LEN: usize = 64;

/// A robot id that is safe to put in a topic: no `/`, `+`, `#`, no empty or oversized id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct RobotId(String);

impl RobotId {
    pub fn parse(raw: &str) -> Result<Self, ProtocolError> {
        validate_token(raw)?;
        Ok(Self(raw.to_owned()))
    }

    /// The id built from a MAC address, as the course's robots name themselves (`0xdca632bf91cc`).
    pub fn from_mac(mac: [u8; 6]) -> Self {
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("0x{hex}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a token that will be used as a topic level or an identifier.
pub(crate) fn validate_token(raw: &str) -> Result<(), ProtocolError> {
    if raw.is_empty() {
        return Err(ProtocolError::EmptyId);
    }
    if raw.len() > MAX_ID_LEN {
        return Err(ProtocolError::IdTooLong {
            len: raw.len(),
            max: MAX_ID_LEN,
        });
    }
    if let Some(ch) = raw
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        let shown: String = raw.chars().take(MAX_ID_LEN).collect();
        return Err(ProtocolError::IdBadChar { id: shown, ch });
    }
    Ok(())
}

impl fmt::Display for RobotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for RobotId {
    type Err = ProtocolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for RobotId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mac_address_becomes_the_course_style_id() {
        let id = RobotId::from_mac([0xdc, 0xa6, 0x32, 0xbf, 0x91, 0xcc]);
        assert_eq!(id.as_str(), "0xdca632bf91cc");
        assert_eq!(RobotId::parse("0xdca632bf91cc").unwrap(), id);
    }

    #[test]
    fn hostile_ids_are_rejected_with_a_reason() {
        for bad in ["a/b", "+", "#", "robots/+/x", "sp ace", "nul\0", "é"] {
            assert!(
                matches!(RobotId::parse(bad), Err(ProtocolError::IdBadChar { .. })),
                "{bad:?} accepted"
            );
        }
        assert_eq!(RobotId::parse(""), Err(ProtocolError::EmptyId));
        let long = "a".repeat(1024);
        assert_eq!(
            RobotId::parse(&long),
            Err(ProtocolError::IdTooLong {
                len: 1024,
                max: MAX_ID_LEN
            })
        );
    }

    #[test]
    fn deserializing_validates_the_id() {
        assert!(serde_json::from_str::<RobotId>("\"a/b\"").is_err());
        assert_eq!(
            serde_json::from_str::<RobotId>("\"tank-1\"")
                .unwrap()
                .as_str(),
            "tank-1"
        );
    }
}
