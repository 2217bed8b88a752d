//! Judging a line-follow course from the robot's events and poses (the line follower runs on
//! the robot; the orchestrator only listens), by the lap rule grading shares
//! ([`fleet_course::LapCounter`]): a lap ends when the robot enters the finish zone after
//! having left it and gone round (passed the line's checkpoints, or, for a robot without a
//! pose, been out of the zone long enough), so a robot that starts inside or before the zone
//! still drives a lap, and leaving and re-entering the zone is none.
//! (The course itself, its map and geometry, is the `fleet-course` crate; this is its referee.)

use std::sync::Arc;

use fleet_course::{Course, LapCounter, Point};
use fleet_protocol::{EventKind, Pose};

use super::spec::LineFollowSpec;

/// What an event means for the course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Keep going (possibly with new progress to show).
    Continue,
    Succeeded(String),
    Failed(String),
    /// The robot was emergency-stopped: the mission is aborted, not failed by the student.
    Aborted(String),
}

#[derive(Debug, Clone)]
pub struct LapJudge {
    laps: u32,
    lost_line_fails: bool,
    course: Arc<Course>,
    counter: LapCounter,
    /// A zero-lap course: the robot reached the finish zone.
    reached: bool,
}

impl LapJudge {
    /// A judge of `spec` on `course`, the map the robot drives.
    pub fn new(spec: &LineFollowSpec, course: Arc<Course>) -> Self {
        Self {
            laps: spec.laps,
            lost_line_fails: spec.lost_line_fails,
            counter: LapCounter::new(&course),
            course,
            reached: false,
        }
    }

    /// "lap 1/3": the lap being driven, for live views of a running mission.
    pub fn progress(&self) -> String {
        if self.laps == 0 {
            "to the finish zone".to_owned()
        } else {
            format!(
                "lap {}/{}",
                (self.counter.done() + 1).min(self.laps),
                self.laps
            )
        }
    }

    /// What the robot achieved, once the mission is over (whatever ended it): "0/1 laps done"
    /// rather than "lap 1/1" for a robot that never got round, so an ended card does not read
    /// as if a lap had been driven.
    pub fn final_progress(&self) -> String {
        match (self.laps, self.reached) {
            (0, true) => "reached the finish zone".to_owned(),
            (0, false) => "finish zone not reached".to_owned(),
            (laps, _) => {
                let s = if laps == 1 { "" } else { "s" };
                format!("{}/{laps} lap{s} done", self.counter.done().min(laps))
            }
        }
    }

    /// The robot's pose (a simulated robot's telemetry has one), heard between its events.
    pub fn on_pose(&mut self, pose: &Pose) {
        let at = Point {
            x: pose.x,
            y: pose.y,
        };
        if let Some(fraction) = self.course.lap_fraction(at) {
            self.counter.position(fraction);
        }
    }

    /// An event of the robot, heard at `at_ms` (the orchestrator's clock).
    pub fn on_event(&mut self, at_ms: i64, event: &EventKind) -> Verdict {
        match event {
            EventKind::ZoneLeft => {
                self.counter.left(at_ms);
                Verdict::Continue
            }
            EventKind::ZoneEntered if self.laps == 0 => {
                self.reached = true;
                Verdict::Succeeded("reached the finish zone".into())
            }
            EventKind::ZoneEntered => {
                if self.counter.entered(at_ms).is_some() && self.counter.done() >= self.laps {
                    let s = if self.laps == 1 { "" } else { "s" };
                    Verdict::Succeeded(format!("completed {} lap{s}", self.laps))
                } else {
                    Verdict::Continue
                }
            }
            EventKind::LineLost if self.lost_line_fails => Verdict::Failed("line lost".into()),
            EventKind::LineFollowStopped { reason } => {
                Verdict::Failed(format!("line following stopped: {reason}"))
            }
            EventKind::Estopped => Verdict::Aborted("emergency stop".into()),
            EventKind::Fault { message } => Verdict::Failed(format!("robot fault: {message}")),
            _ => Verdict::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Out of the zone this long is a lap for a robot without a pose (on the oval: 5.6 s).
    const ROUND_MS: i64 = 40_000;

    /// A judge of `laps` laps on the oval, at the mission's default speed.
    pub(super) fn course(laps: u32) -> LapJudge {
        LapJudge::new(
            &LineFollowSpec {
                speed: 0.5,
                laps,
                lost_line_fails: true,
                map: None,
            },
            Arc::new(Course::oval()),
        )
    }

    #[test]
    fn entering_the_finish_zone_before_ever_leaving_it_is_not_a_lap() {
        let mut c = course(1);
        assert_eq!(c.on_event(0, &EventKind::ZoneEntered), Verdict::Continue);
        assert_eq!(c.on_event(500, &EventKind::ZoneLeft), Verdict::Continue);
        assert_eq!(
            c.on_event(500 + ROUND_MS, &EventKind::ZoneEntered),
            Verdict::Succeeded("completed 1 lap".into())
        );
    }

    #[test]
    fn two_laps_need_two_entries_each_after_leaving_the_zone() {
        let mut c = course(2);
        assert_eq!(c.progress(), "lap 1/2");
        c.on_event(0, &EventKind::ZoneLeft);
        assert_eq!(
            c.on_event(ROUND_MS, &EventKind::ZoneEntered),
            Verdict::Continue
        );
        assert_eq!(c.progress(), "lap 2/2");
        // A second entry without leaving (a ragged zone edge) is not a lap.
        assert_eq!(
            c.on_event(ROUND_MS + 100, &EventKind::ZoneEntered),
            Verdict::Continue
        );
        c.on_event(ROUND_MS + 500, &EventKind::ZoneLeft);
        assert!(matches!(
            c.on_event(2 * ROUND_MS + 500, &EventKind::ZoneEntered),
            Verdict::Succeeded(_)
        ));
    }

    #[test]
    fn zero_laps_ends_at_the_first_finish_zone() {
        let mut c = course(0);
        assert!(matches!(
            c.on_event(0, &EventKind::ZoneEntered),
            Verdict::Succeeded(_)
        ));
    }

    #[test]
    fn losing_the_line_or_the_follower_stopping_fails_and_an_estop_aborts() {
        assert_eq!(
            course(1).on_event(0, &EventKind::LineLost),
            Verdict::Failed("line lost".into())
        );
        let stopped = EventKind::LineFollowStopped {
            reason: "line not found".into(),
        };
        assert_eq!(
            course(1).on_event(0, &stopped),
            Verdict::Failed("line following stopped: line not found".into())
        );
        assert!(matches!(
            course(1).on_event(0, &EventKind::Estopped),
            Verdict::Aborted(_)
        ));
        let mut lenient = LapJudge::new(
            &LineFollowSpec {
                speed: 0.5,
                laps: 1,
                lost_line_fails: false,
                map: None,
            },
            Arc::new(Course::oval()),
        );
        assert_eq!(lenient.on_event(0, &EventKind::LineLost), Verdict::Continue);
        assert_eq!(
            lenient.on_event(10, &EventKind::LineFound),
            Verdict::Continue
        );
    }

    /// A short run started while the robot stood in the finish zone: out and back in at its
    /// edge within 1.6 s, the events (and poses) a marked run of 2 s had, graded once as a lap.
    #[test]
    fn a_short_run_started_in_the_finish_zone_gets_no_lap() {
        let mut blind = course(1);
        blind.on_event(0, &EventKind::ZoneEntered);
        blind.on_event(300, &EventKind::ZoneLeft);
        assert_eq!(
            blind.on_event(1_900, &EventKind::ZoneEntered),
            Verdict::Continue
        );
        assert_eq!(blind.final_progress(), "0/1 lap done");

        let mut seen = course(1);
        seen.on_event(0, &EventKind::ZoneEntered);
        seen.on_event(300, &EventKind::ZoneLeft);
        for x in [1.22, 1.23, 1.24, 1.23, 1.22] {
            seen.on_pose(&Pose {
                x,
                y: 0.2,
                heading: 0.0,
            });
        }
        assert_eq!(
            seen.on_event(1_900, &EventKind::ZoneEntered),
            Verdict::Continue
        );
        assert_eq!(seen.final_progress(), "0/1 lap done");
    }

    #[test]
    fn a_lap_seen_by_its_poses_counts_once_the_robot_has_gone_round() {
        let oval = Course::oval();
        let mut c = course(1);
        c.on_event(0, &EventKind::ZoneEntered);
        c.on_event(300, &EventKind::ZoneLeft);
        // Round the oval from the zone's exit (0.62 m along the line) to just before it.
        let length = oval.line_length();
        for i in 0..=240 {
            c.on_pose(&oval.pose_along(0.62 + (length - 0.13) * f64::from(i) / 240.0));
        }
        assert_eq!(
            c.on_event(36_000, &EventKind::ZoneEntered),
            Verdict::Succeeded("completed 1 lap".into())
        );
    }

    #[test]
    fn with_poses_time_out_of_the_zone_alone_is_no_lap() {
        // Out of the zone for a minute, but never further than 10 cm from it.
        let oval = Course::oval();
        let mut c = course(1);
        c.on_event(0, &EventKind::ZoneLeft);
        for i in 0..=10 {
            c.on_pose(&oval.pose_along(0.62 + f64::from(i) / 100.0));
        }
        assert_eq!(
            c.on_event(60_000, &EventKind::ZoneEntered),
            Verdict::Continue
        );
    }
}

#[cfg(test)]
mod final_progress_tests {
    use super::tests::course as judge;
    use super::*;

    #[test]
    fn a_lap_that_ended_before_it_was_driven_reads_none_done_not_lap_one_of_one() {
        // The robot started off the line: the follower searched, then gave up.
        let mut j = judge(1);
        let stopped = EventKind::LineFollowStopped {
            reason: "line not found".into(),
        };
        assert!(matches!(j.on_event(0, &stopped), Verdict::Failed(_)));
        assert_eq!(j.final_progress(), "0/1 lap done");
        assert_ne!(j.final_progress(), j.progress());
        // Nothing happened at all (offline, timed out before any event): same honest text.
        assert_eq!(judge(3).final_progress(), "0/3 laps done");
    }

    #[test]
    fn the_final_text_counts_the_laps_driven_before_the_end() {
        let mut j = judge(3);
        j.on_event(0, &EventKind::ZoneLeft);
        j.on_event(40_000, &EventKind::ZoneEntered);
        assert_eq!(j.progress(), "lap 2/3");
        assert!(matches!(
            j.on_event(41_000, &EventKind::LineLost),
            Verdict::Failed(_)
        ));
        assert_eq!(j.final_progress(), "1/3 laps done");

        let mut all = judge(1);
        all.on_event(0, &EventKind::ZoneLeft);
        assert!(matches!(
            all.on_event(40_000, &EventKind::ZoneEntered),
            Verdict::Succeeded(_)
        ));
        assert_eq!(all.final_progress(), "1/1 lap done");
    }

    #[test]
    fn a_zero_lap_course_ends_saying_whether_the_finish_zone_was_reached() {
        let mut j = judge(0);
        assert_eq!(j.final_progress(), "finish zone not reached");
        assert!(matches!(
            j.on_event(0, &EventKind::ZoneEntered),
            Verdict::Succeeded(_)
        ));
        assert_eq!(j.final_progress(), "reached the finish zone");
    }
}
