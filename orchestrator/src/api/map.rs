//! `GET /api/map`: the course the simulated robots drive on (floor size, the line as segments,
//! white zones with their roles, start pose), in metres, x right and y up, for the dashboard
//! to draw. docs/api.md ("Map") describes the answer.

use actix_web::{HttpResponse, get, web};
use fleet_course::{Course, ZoneRole};
use serde::Serialize;

use super::AppState;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseMap {
    pub width: f64,
    pub height: f64,
    pub line_width: f64,
    /// `[x1, y1, x2, y2]` per straight piece of the line.
    pub segments: Vec<[f64; 4]>,
    pub zones: Vec<CourseZone>,
    pub start: fleet_protocol::Pose,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseZone {
    pub name: String,
    /// `finish`, `capture`, `base` or `white`, so a page can draw each kind its own way.
    pub role: ZoneRole,
    /// A base's team (`red`, `blue`); `null` for other zones. A base's QR code is not served:
    /// pages have no use for it and the game master hands it out.
    pub team: Option<String>,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl From<&Course> for CourseMap {
    fn from(map: &Course) -> Self {
        let (width, height) = map.size();
        Self {
            width,
            height,
            line_width: map.line_width(),
            segments: map
                .segments()
                .iter()
                .map(|(a, b)| [a.x, a.y, b.x, b.y])
                .collect(),
            zones: map
                .zones()
                .iter()
                .map(|z| CourseZone {
                    name: z.name.clone(),
                    role: z.role,
                    team: z.team.clone(),
                    x: z.x,
                    y: z.y,
                    w: z.w,
                    h: z.h,
                })
                .collect(),
            start: map.start(),
        }
    }
}

#[get("/map")]
pub(super) async fn course(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.map.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oval_course_becomes_a_closed_chain_of_segments_with_its_finish_zone() {
        let drawn = CourseMap::from(&Course::oval());
        assert_eq!((drawn.width, drawn.height), (2.4, 1.2));
        let first = drawn.segments.first().unwrap();
        let last = drawn.segments.last().unwrap();
        // Closed line: the last piece ends where the first begins.
        assert_eq!([last[2], last[3]], [first[0], first[1]]);
        assert!(
            drawn
                .segments
                .windows(2)
                .all(|w| w[0][2] == w[1][0] && w[0][3] == w[1][1])
        );
        assert_eq!(drawn.zones.len(), 1);
        assert_eq!(drawn.zones[0].name, "finish");
    }

    #[test]
    fn zones_carry_their_role_and_a_base_its_team_in_the_json_answer() {
        let oval = serde_json::to_value(CourseMap::from(&Course::oval())).unwrap();
        assert_eq!(oval["zones"][0]["role"], "finish");
        assert_eq!(oval["zones"][0]["team"], serde_json::Value::Null);
        let arena = serde_json::to_value(CourseMap::from(&Course::arena())).unwrap();
        let zones = arena["zones"].as_array().unwrap();
        let roles: Vec<(&str, Option<&str>)> = zones
            .iter()
            .map(|z| (z["role"].as_str().unwrap(), z["team"].as_str()))
            .collect();
        assert_eq!(
            roles,
            [
                ("capture", None),
                ("base", Some("red")),
                ("base", Some("blue"))
            ]
        );
        assert!(zones.iter().all(|z| z.get("qr_code").is_none()));
        // The fields the dashboard already reads are still there.
        for field in ["width", "height", "line_width", "segments", "start"] {
            assert!(arena.get(field).is_some(), "{field}");
        }
    }
}
