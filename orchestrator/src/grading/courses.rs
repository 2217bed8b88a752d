//! Which course a run is graded on: the map its mission names (`"map"` in a line-follow
//! spec: a shipped map's name, `oval` or `arena`, or a map file), else the server's map, the
//! one the robots drove when the mission named none. Each map is read once per grading (and
//! once per server for the live lap judges of `actors/mission`).

use std::collections::BTreeMap;
use std::sync::Arc;

use fleet_course::MapError;

use super::Course;

/// The shipped maps a mission may name without a path.
const SHIPPED: [&str; 2] = ["oval", "arena"];

pub struct Courses {
    default: Arc<Course>,
    named: BTreeMap<String, Arc<Course>>,
}

impl Courses {
    /// `default`: the server's map, for missions that name none.
    pub fn new(default: Course) -> Self {
        Self {
            default: Arc::new(default),
            named: BTreeMap::new(),
        }
    }

    /// The server's map.
    pub fn server(&self) -> Arc<Course> {
        self.default.clone()
    }

    /// The course for a mission naming `map` (`None`: the server's).
    pub fn get(&mut self, map: Option<&str>) -> Result<Arc<Course>, MapError> {
        let Some(name) = map else {
            return Ok(self.default.clone());
        };
        if let Some(course) = self.named.get(name) {
            return Ok(course.clone());
        }
        let course = Arc::new(match name {
            "oval" => Course::oval(),
            "arena" => Course::arena(),
            path => Course::load(path)?,
        });
        self.named.insert(name.to_owned(), course.clone());
        Ok(course)
    }

    /// Whether `map` is a shipped map's name (anything else is read as a file path).
    pub fn is_shipped(map: &str) -> bool {
        SHIPPED.contains(&map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mission_naming_no_map_gets_the_servers_and_a_named_one_its_own() {
        let mut courses = Courses::new(Course::arena());
        assert_eq!(*courses.get(None).unwrap(), Course::arena());
        assert_eq!(*courses.get(Some("oval")).unwrap(), Course::oval());
        assert!(Courses::is_shipped("arena") && !Courses::is_shipped("maps/x.toml"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("square.toml");
        std::fs::write(
            &path,
            "[floor]\nwidth = 1.0\nheight = 1.0\n\n[line]\nwidth = 0.02\nclosed = true\n\
             points = [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.2, 0.8]]\n",
        )
        .unwrap();
        let square = courses.get(path.to_str()).unwrap();
        assert_eq!(square.size(), (1.0, 1.0));
        let missing = courses.get(Some("no/such/map.toml")).unwrap_err();
        assert!(
            missing.to_string().contains("no/such/map.toml"),
            "{missing}"
        );
    }
}
