//! Judging a line-follow course from the robot's events alone (the line follower runs on the
//! robot; the orchestrator only listens): a lap ends when the robot enters the finish zone
//! after having left it, so a robot that starts inside or before the zone still drives a lap.
//! (The course itself, its map and geometry, is the `fleet-course` crate; this is its referee.)

use fleet_protocol::EventKind;

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
    done: u32,
    /// The robot left the finish zone since the last counted entry.
    left_zone: bool,
    /// A zero-lap course: the robot reached the finish zone.
    reached: bool,
}

impl LapJudge {
    pub fn new(spec: &LineFollowSpec) -> Self {
        Self {
            laps: spec.laps,
            lost_line_fails: spec.lost_line_fails,
            done: 0,
            left_zone: false,
            reached: false,
        }
    }

    /// "lap 1/3": the lap being driven, for live views of a running mission.
    pub fn progress(&self) -> String {
        if self.laps == 0 {
            "to the finish zone".to_owned()
        } else {
            format!("lap {}/{}", (self.done + 1).min(self.laps), self.laps)
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
                format!("{}/{laps} lap{s} done", self.done.min(laps))
            }
        }
    }

    pub fn on_event(&mut self, event: &EventKind) -> Verdict {
        match event {
            EventKind::ZoneLeft => {
                self.left_zone = true;
                Verdict::Continue
            }
            EventKind::ZoneEntered if self.laps == 0 => {
                self.reached = true;
                Verdict::Succeeded("reached the finish zone".into())
            }
            EventKind::ZoneEntered if self.left_zone => {
                self.left_zone = false;
                self.done += 1;
                if self.done >= self.laps {
                    let s = if self.laps == 1 { "" } else { "s" };
                    Verdict::Succeeded(format!("completed {} lap{s}", self.laps))
                } else {
                    Verdict::Continue
                }
            }
            EventKind::ZoneEntered => Verdict::Continue,
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

    fn course(laps: u32) -> LapJudge {
        LapJudge::new(&LineFollowSpec {
            speed: 0.5,
            laps,
            lost_line_fails: true,
            map: None,
        })
    }

    #[test]
    fn entering_the_finish_zone_before_ever_leaving_it_is_not_a_lap() {
        let mut c = course(1);
        assert_eq!(c.on_event(&EventKind::ZoneEntered), Verdict::Continue);
        assert_eq!(c.on_event(&EventKind::ZoneLeft), Verdict::Continue);
        assert_eq!(
            c.on_event(&EventKind::ZoneEntered),
            Verdict::Succeeded("completed 1 lap".into())
        );
    }

    #[test]
    fn two_laps_need_two_entries_each_after_leaving_the_zone() {
        let mut c = course(2);
        assert_eq!(c.progress(), "lap 1/2");
        c.on_event(&EventKind::ZoneLeft);
        assert_eq!(c.on_event(&EventKind::ZoneEntered), Verdict::Continue);
        assert_eq!(c.progress(), "lap 2/2");
        // A second entry without leaving (a ragged zone edge) is not a lap.
        assert_eq!(c.on_event(&EventKind::ZoneEntered), Verdict::Continue);
        c.on_event(&EventKind::ZoneLeft);
        assert!(matches!(
            c.on_event(&EventKind::ZoneEntered),
            Verdict::Succeeded(_)
        ));
    }

    #[test]
    fn zero_laps_ends_at_the_first_finish_zone() {
        let mut c = course(0);
        assert!(matches!(
            c.on_event(&EventKind::ZoneEntered),
            Verdict::Succeeded(_)
        ));
    }

    #[test]
    fn losing_the_line_or_the_follower_stopping_fails_and_an_estop_aborts() {
        assert_eq!(
            course(1).on_event(&EventKind::LineLost),
            Verdict::Failed("line lost".into())
        );
        let stopped = EventKind::LineFollowStopped {
            reason: "line not found".into(),
        };
        assert_eq!(
            course(1).on_event(&stopped),
            Verdict::Failed("line following stopped: line not found".into())
        );
        assert!(matches!(
            course(1).on_event(&EventKind::Estopped),
            Verdict::Aborted(_)
        ));
        let mut lenient = LapJudge::new(&LineFollowSpec {
            speed: 0.5,
            laps: 1,
            lost_line_fails: false,
            map: None,
        });
        assert_eq!(lenient.on_event(&EventKind::LineLost), Verdict::Continue);
        assert_eq!(lenient.on_event(&EventKind::LineFound), Verdict::Continue);
    }
}

#[cfg(test)]
mod final_progress_tests {
    use super::*;

    fn judge(laps: u32) -> LapJudge {
        LapJudge::new(&LineFollowSpec {
            speed: 0.5,
            laps,
            lost_line_fails: true,
            map: None,
        })
    }

    #[test]
    fn a_lap_that_ended_before_it_was_driven_reads_none_done_not_lap_one_of_one() {
        // The robot started off the line: the follower searched, then gave up.
        let mut j = judge(1);
        let stopped = EventKind::LineFollowStopped {
            reason: "line not found".into(),
        };
        assert!(matches!(j.on_event(&stopped), Verdict::Failed(_)));
        assert_eq!(j.final_progress(), "0/1 lap done");
        assert_ne!(j.final_progress(), j.progress());
        // Nothing happened at all (offline, timed out before any event): same honest text.
        assert_eq!(judge(3).final_progress(), "0/3 laps done");
    }

    #[test]
    fn the_final_text_counts_the_laps_driven_before_the_end() {
        let mut j = judge(3);
        j.on_event(&EventKind::ZoneLeft);
        j.on_event(&EventKind::ZoneEntered);
        assert_eq!(j.progress(), "lap 2/3");
        assert!(matches!(
            j.on_event(&EventKind::LineLost),
            Verdict::Failed(_)
        ));
        assert_eq!(j.final_progress(), "1/3 laps done");

        let mut all = judge(1);
        all.on_event(&EventKind::ZoneLeft);
        assert!(matches!(
            all.on_event(&EventKind::ZoneEntered),
            Verdict::Succeeded(_)
        ));
        assert_eq!(all.final_progress(), "1/1 lap done");
    }

    #[test]
    fn a_zero_lap_course_ends_saying_whether_the_finish_zone_was_reached() {
        let mut j = judge(0);
        assert_eq!(j.final_progress(), "finish zone not reached");
        assert!(matches!(
            j.on_event(&EventKind::ZoneEntered),
            Verdict::Succeeded(_)
        ));
        assert_eq!(j.final_progress(), "reached the finish zone");
    }
}
