//! What robots send the game master, parsed from (topic, payload bytes) in one function.
//!
//! Payloads are words separated by spaces, as the reference master splits them; words after the
//! ones a message needs are ignored there too, so they are ignored here.

use serde::{Deserialize, Serialize};

use super::topic::parse_id;
use super::{Answer, Channel, LegacyTopic, MAX_PAYLOAD, ParseError, TankId, shown};

/// The weapon byte that leads every IR shot frame. The course has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weapon {
    /// `0xf1`, InfraLib's `LASER`.
    Laser,
}

impl Weapon {
    pub fn byte(self) -> u8 {
        match self {
            Weapon::Laser => 0xf1,
        }
    }

    pub fn from_byte(byte: u8) -> Option<Weapon> {
        (byte == 0xf1).then_some(Weapon::Laser)
    }
}

/// One message from a robot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// `INIT <id>` on `init`.
    Init { id: TankId },
    /// `ENTER_FLAG_AREA` on `tanks/<id>/flag`.
    EnterFlagArea { id: TankId },
    /// `EXIT_FLAG_AREA` on `tanks/<id>/flag`.
    ExitFlagArea { id: TankId },
    /// `SHOT_BY 0xf1<shooter MAC>` on `tanks/<victim>/shots`; the shooter's id is `0x<MAC>`.
    ShotBy {
        victim: TankId,
        shooter: TankId,
        weapon: Weapon,
    },
    /// `QR_CODE <code>` on `tanks/<id>/qr_code`.
    QrCode { id: TankId, code: String },
}

impl Inbound {
    /// The one parse function for everything the master subscribes to.
    pub fn parse(topic: &str, payload: &[u8]) -> Result<Inbound, ParseError> {
        if payload.len() > MAX_PAYLOAD {
            return Err(ParseError::PayloadTooLarge {
                len: payload.len(),
                max: MAX_PAYLOAD,
            });
        }
        let topic = LegacyTopic::parse(topic)?;
        let text = std::str::from_utf8(payload).map_err(|_| ParseError::NotUtf8)?;
        let mut words = text.split_ascii_whitespace();
        let verb = words.next().ok_or(ParseError::EmptyPayload {
            topic: topic.name(),
        })?;
        let unknown = || ParseError::UnknownVerb {
            topic: topic.name(),
            verb: shown(verb),
        };
        match (&topic, verb) {
            (LegacyTopic::Init, "INIT") => Ok(Inbound::Init {
                id: parse_id(argument(&mut words, "INIT")?)?,
            }),
            (LegacyTopic::Flag(id), "ENTER_FLAG_AREA") => {
                Ok(Inbound::EnterFlagArea { id: id.clone() })
            }
            (LegacyTopic::Flag(id), "EXIT_FLAG_AREA") => {
                Ok(Inbound::ExitFlagArea { id: id.clone() })
            }
            (LegacyTopic::Shots(id), "SHOT_BY") => {
                let (weapon, shooter) = parse_shot(argument(&mut words, "SHOT_BY")?)?;
                Ok(Inbound::ShotBy {
                    victim: id.clone(),
                    shooter,
                    weapon,
                })
            }
            (LegacyTopic::QrCode(id), "QR_CODE") => Ok(Inbound::QrCode {
                id: id.clone(),
                code: argument(&mut words, "QR_CODE")?.to_owned(),
            }),
            // The master subscribes to the topics it answers on, so it hears itself.
            (LegacyTopic::Flag(_), _) => Err(echo(Channel::Flag, text).unwrap_or_else(unknown)),
            (LegacyTopic::QrCode(_), _) => Err(echo(Channel::QrCode, text).unwrap_or_else(unknown)),
            (LegacyTopic::Init | LegacyTopic::Shots(_), _) => Err(unknown()),
            // Answer topics: a robot has no business publishing there; the master never subscribes.
            _ => Err(ParseError::UnknownTopic(topic.to_topic())),
        }
    }

    /// The robot this message is about (the victim, for a shot).
    pub fn id(&self) -> &TankId {
        match self {
            Inbound::Init { id }
            | Inbound::EnterFlagArea { id }
            | Inbound::ExitFlagArea { id }
            | Inbound::QrCode { id, .. } => id,
            Inbound::ShotBy { victim, .. } => victim,
        }
    }

    /// The (topic, payload) a robot publishes, as a player such as the project's agent sends it.
    pub fn to_wire(&self) -> (String, String) {
        match self {
            Inbound::Init { id } => ("init".to_owned(), format!("INIT {id}")),
            Inbound::EnterFlagArea { id } => (
                LegacyTopic::Flag(id.clone()).to_topic(),
                "ENTER_FLAG_AREA".to_owned(),
            ),
            Inbound::ExitFlagArea { id } => (
                LegacyTopic::Flag(id.clone()).to_topic(),
                "EXIT_FLAG_AREA".to_owned(),
            ),
            Inbound::ShotBy {
                victim,
                shooter,
                weapon,
            } => {
                // The IR frame carries the MAC without `0x`: the payload is the weapon's hex then it.
                let mac = shooter
                    .as_str()
                    .strip_prefix("0x")
                    .unwrap_or(shooter.as_str());
                (
                    LegacyTopic::Shots(victim.clone()).to_topic(),
                    format!("SHOT_BY 0x{:02x}{mac}", weapon.byte()),
                )
            }
            Inbound::QrCode { id, code } => (
                LegacyTopic::QrCode(id.clone()).to_topic(),
                format!("QR_CODE {code}"),
            ),
        }
    }
}

fn argument<'a>(
    words: &mut impl Iterator<Item = &'a str>,
    verb: &'static str,
) -> Result<&'a str, ParseError> {
    words.next().ok_or(ParseError::MissingArgument { verb })
}

/// `0xf1dca632bf91cc` -> (laser, `0xdca632bf91cc`), as the reference splits it: four characters
/// of weapon, the rest is the shooter's MAC.
fn parse_shot(arg: &str) -> Result<(Weapon, TankId), ParseError> {
    let bad = || ParseError::BadShot(shown(arg));
    let hex = arg.strip_prefix("0x").ok_or_else(bad)?;
    let (weapon, mac) = (hex.get(..2).ok_or_else(bad)?, hex.get(2..).ok_or_else(bad)?);
    if mac.is_empty() || !mac.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let byte = u8::from_str_radix(weapon, 16).map_err(|_| bad())?;
    let weapon = Weapon::from_byte(byte).ok_or(ParseError::UnknownWeapon(byte))?;
    Ok((weapon, parse_id(&format!("0x{mac}"))?))
}

fn echo(channel: Channel, text: &str) -> Option<ParseError> {
    Answer::parse(channel, text)
        .ok()
        .map(|a| ParseError::Echo(a.verb()))
}
