//! What the game master sends a robot: an [`Answer`] on one of the robot's answer topics.

use serde::Serialize;

use super::{LegacyTopic, MAX_PAYLOAD, ParseError, TankId, shown};
use crate::Team;

/// Which of a robot's topics an answer goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Init,
    Flag,
    ShotsIn,
    ShotsOut,
    QrCode,
}

impl Channel {
    pub fn topic(self, id: &TankId) -> LegacyTopic {
        let id = id.clone();
        match self {
            Channel::Init => LegacyTopic::TankInit(id),
            Channel::Flag => LegacyTopic::Flag(id),
            Channel::ShotsIn => LegacyTopic::ShotsIn(id),
            Channel::ShotsOut => LegacyTopic::ShotsOut(id),
            Channel::QrCode => LegacyTopic::QrCode(id),
        }
    }
}

/// Every answer of the protocol, spelled as the reference master spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "answer", content = "value", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Answer {
    Team(Team),
    QrCode(String),
    End,
    GameAlreadyStarted,
    StartCatching,
    AlreadyGot,
    NotOnbase,
    AbortCatchingExit,
    AbortCatchingShot,
    FlagCatched,
    FlagLost,
    FlagDeposited,
    NoFlag,
    Win(Team),
    /// `SHOT` on the victim's `shots/in`.
    ShotIn,
    /// `SHOT` on the shooter's `shots/out`.
    ShotOut,
    FriendlyFire,
    ScanSuccessful,
    ScanFailed,
}

/// The answers without an argument, with the word and channel of each.
const PLAIN: [(Answer, &str, Channel); 15] = [
    (Answer::End, "END", Channel::Init),
    (
        Answer::GameAlreadyStarted,
        "GAME_ALREADY_STARTED",
        Channel::Init,
    ),
    (Answer::StartCatching, "START_CATCHING", Channel::Flag),
    (Answer::AlreadyGot, "ALREADY_GOT", Channel::Flag),
    (Answer::NotOnbase, "NOT_ONBASE", Channel::Flag),
    (
        Answer::AbortCatchingExit,
        "ABORT_CATCHING_EXIT",
        Channel::Flag,
    ),
    (
        Answer::AbortCatchingShot,
        "ABORT_CATCHING_SHOT",
        Channel::Flag,
    ),
    (Answer::FlagCatched, "FLAG_CATCHED", Channel::Flag),
    (Answer::FlagLost, "FLAG_LOST", Channel::Flag),
    (Answer::FlagDeposited, "FLAG_DEPOSITED", Channel::Flag),
    (Answer::NoFlag, "NO_FLAG", Channel::Flag),
    (Answer::ShotIn, "SHOT", Channel::ShotsIn),
    (Answer::ShotOut, "SHOT", Channel::ShotsOut),
    (Answer::FriendlyFire, "FRIENDLY_FIRE", Channel::ShotsOut),
    (Answer::ScanSuccessful, "SCAN_SUCCESSFUL", Channel::QrCode),
];

impl Answer {
    /// The payload's first word.
    pub fn verb(&self) -> &'static str {
        match self {
            Answer::Team(_) => "TEAM",
            Answer::QrCode(_) => "QR_CODE",
            Answer::Win(_) => "WIN",
            Answer::ScanFailed => "SCAN_FAILED",
            plain => PLAIN
                .iter()
                .find(|(a, _, _)| a == plain)
                .map_or("", |(_, word, _)| word),
        }
    }

    pub fn channel(&self) -> Channel {
        match self {
            Answer::Team(_) | Answer::QrCode(_) => Channel::Init,
            Answer::Win(_) => Channel::Flag,
            Answer::ScanFailed => Channel::QrCode,
            plain => PLAIN
                .iter()
                .find(|(a, _, _)| a == plain)
                .map_or(Channel::Flag, |(_, _, c)| *c),
        }
    }

    pub fn payload(&self) -> String {
        match self {
            Answer::Team(team) | Answer::Win(team) => format!("{} {team}", self.verb()),
            Answer::QrCode(code) => format!("QR_CODE {code}"),
            other => other.verb().to_owned(),
        }
    }

    /// Reads an answer heard on `channel`, as a player does.
    pub fn parse(channel: Channel, text: &str) -> Result<Answer, ParseError> {
        let mut words = text.split_ascii_whitespace();
        let verb = words.next().unwrap_or("");
        let team = |words: &mut std::str::SplitAsciiWhitespace<'_>, verb: &'static str| {
            let word = words.next().ok_or(ParseError::MissingArgument { verb })?;
            Team::from_wire(word).ok_or_else(|| ParseError::UnknownVerb {
                topic: "team",
                verb: shown(word),
            })
        };
        let answer = match (channel, verb) {
            (Channel::Init, "TEAM") => Answer::Team(team(&mut words, "TEAM")?),
            (Channel::Init, "QR_CODE") => Answer::QrCode(
                words
                    .next()
                    .ok_or(ParseError::MissingArgument { verb: "QR_CODE" })?
                    .to_owned(),
            ),
            (Channel::Flag, "WIN") => Answer::Win(team(&mut words, "WIN")?),
            (Channel::QrCode, "SCAN_FAILED") => Answer::ScanFailed,
            _ => PLAIN
                .iter()
                .find(|(_, word, c)| *word == verb && *c == channel)
                .map(|(a, _, _)| a.clone())
                .ok_or_else(|| ParseError::UnknownVerb {
                    topic: channel.topic_name(),
                    verb: shown(verb),
                })?,
        };
        Ok(answer)
    }
}

impl Channel {
    fn topic_name(self) -> &'static str {
        match self {
            Channel::Init => "tanks/+/init",
            Channel::Flag => "tanks/+/flag",
            Channel::ShotsIn => "tanks/+/shots/in",
            Channel::ShotsOut => "tanks/+/shots/out",
            Channel::QrCode => "tanks/+/qr_code",
        }
    }
}

/// One answer addressed to one robot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outbound {
    pub to: TankId,
    pub answer: Answer,
}

impl Outbound {
    pub fn new(to: &TankId, answer: Answer) -> Self {
        Self {
            to: to.clone(),
            answer,
        }
    }

    pub fn topic(&self) -> String {
        self.answer.channel().topic(&self.to).to_topic()
    }

    /// The (topic, payload) to publish.
    pub fn to_wire(&self) -> (String, String) {
        (self.topic(), self.answer.payload())
    }

    /// Reads what the master sent, as a player (the project's agent, a test client) does.
    pub fn parse(topic: &str, payload: &[u8]) -> Result<Outbound, ParseError> {
        if payload.len() > MAX_PAYLOAD {
            return Err(ParseError::PayloadTooLarge {
                len: payload.len(),
                max: MAX_PAYLOAD,
            });
        }
        let (channel, to) = match LegacyTopic::parse(topic)? {
            LegacyTopic::TankInit(id) => (Channel::Init, id),
            LegacyTopic::Flag(id) => (Channel::Flag, id),
            LegacyTopic::ShotsIn(id) => (Channel::ShotsIn, id),
            LegacyTopic::ShotsOut(id) => (Channel::ShotsOut, id),
            LegacyTopic::QrCode(id) => (Channel::QrCode, id),
            other => return Err(ParseError::UnknownTopic(other.to_topic())),
        };
        let text = std::str::from_utf8(payload).map_err(|_| ParseError::NotUtf8)?;
        Ok(Outbound {
            to,
            answer: Answer::parse(channel, text)?,
        })
    }
}
