//! What a mission is: its kind and parameters, as a teacher writes them (JSON through the API
//! or the CLI), checked before anything is sent to a robot.
//!
//! ```json
//! {"kind":"line_follow","speed":0.5,"laps":1}
//! {"kind":"script","steps":[{"step":"drive","speed":0.4,"turn":0,"ms":1500},
//!   {"step":"servo","joint":"claw","angle":45},{"step":"wait","ms":300},{"step":"stop"}]}
//! ```

use std::time::Duration;

use fleet_protocol::{CommandKind, Joint};
use serde::{Deserialize, Serialize};

/// Longest single step, and longest timeout a mission may ask for.
pub const MAX_STEP_MS: u64 = 10 * 60 * 1000;
pub const MAX_TIMEOUT_MS: u64 = 60 * 60 * 1000;
pub const MAX_STEPS: usize = 200;
pub const MAX_LAPS: u32 = 100;
/// The longest map name or path a mission may give.
pub const MAX_MAP_NAME: usize = 400;
/// A line-follow course may take this long unless the mission says otherwise.
pub const LINE_FOLLOW_DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// A script gets the sum of its steps plus this much slack for acks unless it says otherwise.
pub const SCRIPT_TIMEOUT_SLACK: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MissionSpec {
    /// On-robot line following round a course, ending in the finish zone.
    LineFollow(LineFollowSpec),
    /// Timed drive, servo and LED steps, played by the orchestrator.
    Script(ScriptSpec),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineFollowSpec {
    /// Forward speed of the follower, 0 < speed <= 1.
    #[serde(default = "default_follow_speed")]
    pub speed: f32,
    /// Laps to complete: a lap ends when the robot enters the finish zone after having left it
    /// and gone round (`fleet_course::LapCounter`).
    /// 0 ends the mission at the first finish zone it reaches.
    #[serde(default = "default_laps")]
    pub laps: u32,
    /// Whether a `line_lost` event fails the run (true, the course rule), or only the robot's
    /// follower giving up does (false: it may find the line again).
    #[serde(default = "default_true")]
    pub lost_line_fails: bool,
    /// The course the run is on, for grading: a shipped map (`oval`, `arena`) or a map file;
    /// absent: the server's map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<String>,
}

fn default_true() -> bool {
    true
}

fn default_follow_speed() -> f32 {
    0.5
}

fn default_laps() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptSpec {
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Drive for `ms` (the orchestrator repeats the command inside the robot's dead-man).
    Drive {
        speed: f32,
        #[serde(default)]
        turn: f32,
        ms: u64,
    },
    /// Move a servo, then wait `ms` for it to get there.
    Servo {
        joint: Joint,
        angle: f32,
        #[serde(default)]
        ms: u64,
    },
    Led {
        r: u8,
        g: u8,
        b: u8,
    },
    /// Do nothing (the robot stands still) for `ms`.
    Wait {
        ms: u64,
    },
    Stop,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid mission: {0}")]
pub struct SpecError(pub String);

impl Step {
    /// The command this step starts with (`None` for a wait).
    pub fn command(&self) -> Option<CommandKind> {
        match *self {
            Step::Drive { speed, turn, .. } => Some(CommandKind::Drive { speed, turn }),
            Step::Servo { joint, angle, .. } => Some(CommandKind::Servo { joint, angle }),
            Step::Led { r, g, b } => Some(CommandKind::Led { r, g, b }),
            Step::Wait { .. } => None,
            Step::Stop => Some(CommandKind::Stop),
        }
    }

    pub fn duration(&self) -> Duration {
        match *self {
            Step::Drive { ms, .. } | Step::Servo { ms, .. } | Step::Wait { ms } => {
                Duration::from_millis(ms)
            }
            Step::Led { .. } | Step::Stop => Duration::ZERO,
        }
    }
}

impl MissionSpec {
    /// The kind's name, as stored and shown.
    pub fn kind(&self) -> &'static str {
        match self {
            MissionSpec::LineFollow(_) => "line_follow",
            MissionSpec::Script(_) => "script",
        }
    }

    pub fn validate(&self) -> Result<(), SpecError> {
        match self {
            MissionSpec::LineFollow(s) => {
                if !(s.speed.is_finite() && s.speed > 0.0 && s.speed <= 1.0) {
                    return Err(SpecError(format!(
                        "line_follow speed {} must be in (0, 1]",
                        s.speed
                    )));
                }
                if s.laps > MAX_LAPS {
                    return Err(SpecError(format!(
                        "{} laps is more than {MAX_LAPS}",
                        s.laps
                    )));
                }
                if let Some(map) = &s.map
                    && (map.trim().is_empty() || map.len() > MAX_MAP_NAME)
                {
                    return Err(SpecError(format!(
                        "map {map:?} must be a map's name or path of 1..={MAX_MAP_NAME} bytes"
                    )));
                }
                Ok(())
            }
            MissionSpec::Script(s) => {
                if s.steps.is_empty() || s.steps.len() > MAX_STEPS {
                    return Err(SpecError(format!(
                        "a script needs 1..={MAX_STEPS} steps, got {}",
                        s.steps.len()
                    )));
                }
                for (i, step) in s.steps.iter().enumerate() {
                    if step.duration() > Duration::from_millis(MAX_STEP_MS) {
                        return Err(SpecError(format!(
                            "step {i} lasts more than {MAX_STEP_MS} ms"
                        )));
                    }
                    if let Some(command) = step.command() {
                        command
                            .validate()
                            .map_err(|e| SpecError(format!("step {i}: {e}")))?;
                    }
                }
                Ok(())
            }
        }
    }

    /// How long the mission may run when the assignment names no timeout.
    pub fn default_timeout(&self) -> Duration {
        match self {
            MissionSpec::LineFollow(_) => LINE_FOLLOW_DEFAULT_TIMEOUT,
            MissionSpec::Script(s) => {
                s.steps.iter().map(Step::duration).sum::<Duration>() + SCRIPT_TIMEOUT_SLACK
            }
        }
    }
}

/// The timeout to run with: the one asked for (checked), or the kind's default.
pub fn timeout_for(spec: &MissionSpec, asked_ms: Option<u64>) -> Result<Duration, SpecError> {
    match asked_ms {
        None => Ok(spec.default_timeout()),
        Some(0) => Err(SpecError("timeout_ms must be positive".into())),
        Some(ms) if ms > MAX_TIMEOUT_MS => Err(SpecError(format!(
            "timeout_ms {ms} is more than {MAX_TIMEOUT_MS}"
        ))),
        Some(ms) => Ok(Duration::from_millis(ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<MissionSpec, String> {
        serde_json::from_str::<MissionSpec>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_line_follow_mission_may_name_its_map_but_not_a_blank_one() {
        let spec = parse(r#"{"kind":"line_follow","map":"arena"}"#).unwrap();
        let MissionSpec::LineFollow(s) = &spec else {
            panic!("{spec:?}")
        };
        assert_eq!(s.map.as_deref(), Some("arena"));
        assert!(spec.validate().is_ok());
        let blank = parse(r#"{"kind":"line_follow","map":" "}"#).unwrap();
        assert!(blank.validate().unwrap_err().0.contains("map"));
    }

    #[test]
    fn a_line_follow_mission_takes_defaults_for_what_it_leaves_out() {
        let spec = parse(r#"{"kind":"line_follow"}"#).unwrap();
        assert_eq!(
            spec,
            MissionSpec::LineFollow(LineFollowSpec {
                speed: 0.5,
                laps: 1,
                lost_line_fails: true,
                map: None,
            })
        );
        assert!(spec.validate().is_ok());
        assert_eq!(spec.default_timeout(), LINE_FOLLOW_DEFAULT_TIMEOUT);
    }

    #[test]
    fn a_script_reads_its_steps_and_gets_their_total_as_its_default_timeout() {
        let spec = parse(
            r#"{"kind":"script","steps":[{"step":"drive","speed":0.4,"ms":1500},
                {"step":"servo","joint":"claw","angle":45,"ms":200},{"step":"wait","ms":300},
                {"step":"led","r":1,"g":2,"b":3},{"step":"stop"}]}"#,
        )
        .unwrap();
        assert!(spec.validate().is_ok());
        assert_eq!(
            spec.default_timeout(),
            Duration::from_millis(2000) + SCRIPT_TIMEOUT_SLACK
        );
    }

    #[test]
    fn unknown_kinds_fields_and_steps_are_refused_by_name() {
        assert!(parse(r#"{"kind":"fly"}"#).unwrap_err().contains("fly"));
        assert!(
            parse(r#"{"kind":"line_follow","sped":0.5}"#)
                .unwrap_err()
                .contains("sped")
        );
        assert!(
            parse(r#"{"kind":"script","steps":[{"step":"jump"}]}"#)
                .unwrap_err()
                .contains("jump")
        );
    }

    #[test]
    fn out_of_range_parameters_are_refused_with_the_step_that_holds_them() {
        let bad_speed = parse(r#"{"kind":"line_follow","speed":0}"#).unwrap();
        assert!(bad_speed.validate().unwrap_err().0.contains("speed 0"));
        let bad_step = parse(
            r#"{"kind":"script","steps":[{"step":"stop"},{"step":"drive","speed":3,"ms":10}]}"#,
        )
        .unwrap();
        let err = bad_step.validate().unwrap_err().0;
        assert!(err.starts_with("step 1:"), "{err}");
        let empty = parse(r#"{"kind":"script","steps":[]}"#).unwrap();
        assert!(empty.validate().is_err());
        assert!(timeout_for(&empty, Some(0)).is_err());
        assert_eq!(
            timeout_for(&bad_speed, Some(1234)).unwrap(),
            Duration::from_millis(1234)
        );
    }
}
