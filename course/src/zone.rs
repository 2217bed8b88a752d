//! White zones painted on the floor, each with its role in the course: the finish of a lap, the
//! game's capture zone, a team's base, or plain white.

use serde::{Deserialize, Serialize};

use crate::geometry::Point;

/// What a zone is for. In a map file, `role = "finish" | "capture" | "base" | "white"`; a zone
/// without a role is plain white.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZoneRole {
    /// Where a lap starts and ends (a start/finish zone).
    Finish,
    /// The game's capture zone, where the flag waits.
    Capture,
    /// A team's base (the zone has a `team`, and usually a `qr_code` to scan there).
    Base,
    /// A white zone with no meaning to the course.
    #[default]
    White,
}

impl ZoneRole {
    /// The name a map file and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneRole::Finish => "finish",
            ZoneRole::Capture => "capture",
            ZoneRole::Base => "base",
            ZoneRole::White => "white",
        }
    }
}

/// A named white rectangle, axis-aligned; `(x, y)` is its lower-left corner, metres.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub name: String,
    #[serde(default)]
    pub role: ZoneRole,
    /// The team a base belongs to (`"red"`, `"blue"`); only bases have one.
    #[serde(default)]
    pub team: Option<String>,
    /// The code of the QR label stuck in a base, which a robot scans to deposit the flag.
    #[serde(default)]
    pub qr_code: Option<String>,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Zone {
    /// Whether `p` is inside the zone or on its edge.
    pub fn contains(&self, p: Point) -> bool {
        p.x >= self.x && p.x <= self.x + self.w && p.y >= self.y && p.y <= self.y + self.h
    }

    pub fn centre(&self) -> Point {
        Point {
            x: self.x + self.w / 2.0,
            y: self.y + self.h / 2.0,
        }
    }

    /// Lower-left and upper-right corners.
    pub(crate) fn corners(&self) -> ((f64, f64), (f64, f64)) {
        ((self.x, self.y), (self.x + self.w, self.y + self.h))
    }

    /// Why this zone's team and QR code do not fit its role, if they do not: a base needs a
    /// team, and only a base may have a team or a QR code.
    pub(crate) fn role_problem(&self) -> Option<String> {
        let name = &self.name;
        match (self.role, &self.team, &self.qr_code) {
            (ZoneRole::Base, None, _) => Some(format!("base zone {name:?} needs a team")),
            (ZoneRole::Base, Some(team), _) if team.trim().is_empty() => {
                Some(format!("base zone {name:?} has an empty team"))
            }
            (ZoneRole::Base, _, Some(code)) if code.trim().is_empty() => {
                Some(format!("base zone {name:?} has an empty qr_code"))
            }
            (ZoneRole::Base, _, _) => None,
            (role, Some(_), _) | (role, None, Some(_)) => Some(format!(
                "zone {name:?} is a {} zone; only a base has a team or a qr_code",
                role.as_str()
            )),
            (_, None, None) => None,
        }
    }
}
