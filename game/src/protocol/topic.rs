//! The legacy topics: `init` and `tanks/<id>/{init,flag,shots,shots/in,shots/out,qr_code}`.

use super::{ParseError, TankId, shown};

/// What the game master subscribes to: everything robots send.
pub const MASTER_SUBSCRIPTIONS: [&str; 4] =
    ["init", "tanks/+/flag", "tanks/+/shots", "tanks/+/qr_code"];

/// One legacy topic, with the robot it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LegacyTopic {
    /// `init`: robots announce themselves with `INIT <id>`.
    Init,
    /// `tanks/<id>/init`: the master's registration answers.
    TankInit(TankId),
    /// `tanks/<id>/flag`: zone entries and exits, and the master's flag answers.
    Flag(TankId),
    /// `tanks/<id>/shots`: the robot reports who hit it.
    Shots(TankId),
    /// `tanks/<id>/shots/in`: the master confirms the robot was hit.
    ShotsIn(TankId),
    /// `tanks/<id>/shots/out`: the master tells a shooter it hit (or hit a team-mate).
    ShotsOut(TankId),
    /// `tanks/<id>/qr_code`: a scanned base code, and the master's verdict.
    QrCode(TankId),
}

impl LegacyTopic {
    pub fn parse(topic: &str) -> Result<Self, ParseError> {
        if topic == "init" {
            return Ok(LegacyTopic::Init);
        }
        let unknown = || ParseError::UnknownTopic(shown(topic));
        let rest = topic.strip_prefix("tanks/").ok_or_else(unknown)?;
        let (raw_id, tail) = rest.split_once('/').ok_or_else(unknown)?;
        let make: fn(TankId) -> LegacyTopic = match tail {
            "init" => LegacyTopic::TankInit,
            "flag" => LegacyTopic::Flag,
            "shots" => LegacyTopic::Shots,
            "shots/in" => LegacyTopic::ShotsIn,
            "shots/out" => LegacyTopic::ShotsOut,
            "qr_code" => LegacyTopic::QrCode,
            _ => return Err(unknown()),
        };
        Ok(make(parse_id(raw_id)?))
    }

    pub fn to_topic(&self) -> String {
        let (id, tail) = match self {
            LegacyTopic::Init => return "init".to_owned(),
            LegacyTopic::TankInit(id) => (id, "init"),
            LegacyTopic::Flag(id) => (id, "flag"),
            LegacyTopic::Shots(id) => (id, "shots"),
            LegacyTopic::ShotsIn(id) => (id, "shots/in"),
            LegacyTopic::ShotsOut(id) => (id, "shots/out"),
            LegacyTopic::QrCode(id) => (id, "qr_code"),
        };
        format!("tanks/{id}/{tail}")
    }

    /// A short name for errors and counters.
    pub fn name(&self) -> &'static str {
        match self {
            LegacyTopic::Init => "init",
            LegacyTopic::TankInit(_) => "tanks/+/init",
            LegacyTopic::Flag(_) => "tanks/+/flag",
            LegacyTopic::Shots(_) => "tanks/+/shots",
            LegacyTopic::ShotsIn(_) => "tanks/+/shots/in",
            LegacyTopic::ShotsOut(_) => "tanks/+/shots/out",
            LegacyTopic::QrCode(_) => "tanks/+/qr_code",
        }
    }
}

/// What a player subscribes to: every answer the master can send it.
pub fn player_subscriptions(id: &TankId) -> [String; 5] {
    [
        LegacyTopic::TankInit(id.clone()).to_topic(),
        LegacyTopic::Flag(id.clone()).to_topic(),
        LegacyTopic::ShotsIn(id.clone()).to_topic(),
        LegacyTopic::ShotsOut(id.clone()).to_topic(),
        LegacyTopic::QrCode(id.clone()).to_topic(),
    ]
}

/// Ends the MQTT client id of a robot's game connection when it logs in with the robot's own
/// credential, whose username its main connection already uses as client id. `@` is in no
/// robot or student id (nor the orchestrator's usernames), so a broker can allow exactly this
/// second client id to a robot's credential without letting anyone take over another session.
pub const GAME_CLIENT_SUFFIX: &str = "@game";

/// The client id of the game connection of the robot logged in as `username`: `<username>@game`.
pub fn game_client_id(username: &str) -> String {
    format!("{username}{GAME_CLIENT_SUFFIX}")
}

/// A robot id from a topic level or a payload word, refused if it could forge a topic.
pub(crate) fn parse_id(raw: &str) -> Result<TankId, ParseError> {
    TankId::parse(raw).map_err(|source| ParseError::BadId {
        id: shown(raw),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> TankId {
        TankId::parse("0xdca632bf91cc").unwrap()
    }

    #[test]
    fn every_topic_reads_back_as_itself() {
        for topic in [
            LegacyTopic::Init,
            LegacyTopic::TankInit(id()),
            LegacyTopic::Flag(id()),
            LegacyTopic::Shots(id()),
            LegacyTopic::ShotsIn(id()),
            LegacyTopic::ShotsOut(id()),
            LegacyTopic::QrCode(id()),
        ] {
            assert_eq!(LegacyTopic::parse(&topic.to_topic()), Ok(topic));
        }
        assert_eq!(
            LegacyTopic::ShotsOut(id()).to_topic(),
            "tanks/0xdca632bf91cc/shots/out"
        );
    }

    #[test]
    fn hostile_or_foreign_topics_are_refused() {
        let long = format!("tanks/{}/flag", "a".repeat(65));
        for topic in [
            "",
            "tanks",
            "tanks/",
            "tanks//flag",
            "tanks/+/flag",
            "tanks/#/flag",
            "tanks/a b/flag",
            "tanks/x/flag/extra",
            "tanks/x/score",
            "robots/x/status",
            "init/x",
            long.as_str(),
        ] {
            assert!(LegacyTopic::parse(topic).is_err(), "{topic:?} was accepted");
        }
    }
}
