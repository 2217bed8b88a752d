//! The bench's class hour: one robot's generated records, laps of the oval with a wobble,
//! line losses, zone events, a rescue and an estop (the same rows for the same robot, every
//! run, so the grades' digest can be compared across builds).

use fleet_course::Course;
use fleet_protocol::{
    Command, CommandId, CommandKind, Event, EventKind, Pose, RobotId, RobotMode, Telemetry, encode,
    topic,
};
use orchestrator::domain::{Record, RecordKind};

pub const T0: i64 = 1_764_547_200_000;
const SAMPLE_MS: i64 = 50;
/// Speed along the line, metres per second (speed 0.5 of the 0.29 m/s full speed).
const SPEED: f64 = 0.145;

/// One robot's hour: following the oval with a wobble, a line loss every ~90 s, zone events at
/// the finish zone, a rescue (drive commands) at a quarter and an estop near the end.
pub fn generate(id: &RobotId, course: &Course, r: u64, len_ms: i64) -> Vec<Record> {
    let mut records = Vec::with_capacity((len_ms / SAMPLE_MS) as usize + 1_000);
    let mut event_seq = 0;
    let mut push_event = |records: &mut Vec<Record>, at_ms: i64, kind: EventKind| {
        event_seq += 1;
        records.push(Record {
            robot: Some(id.clone()),
            kind: RecordKind::Event,
            at_ms,
            topic: topic::events(id),
            payload: encode(&Event::new(event_seq, at_ms as u64, kind)),
        });
    };
    let command = |at_ms: i64, kind: CommandKind| Record {
        robot: Some(id.clone()),
        kind: RecordKind::Command,
        at_ms,
        topic: topic::cmd(id),
        payload: encode(&Command::new(
            CommandId::parse(&format!("c{at_ms}")).expect("a valid command id"),
            kind,
        )),
    };
    records.push(command(T0, CommandKind::LineFollow { speed: 0.5 }));
    push_event(&mut records, T0, EventKind::LineFollowStarted);
    let finish = course
        .zone("finish")
        .expect("the oval has a finish zone")
        .clone();
    let lap = course.line_length();
    let mut in_zone = false;
    let mut lost = false;
    let offset = r as f64 * 0.37;
    for i in 0..len_ms / SAMPLE_MS {
        let at_ms = T0 + i * SAMPLE_MS;
        let t = (at_ms - T0) as f64 / 1000.0;
        let on_course = course.pose_along((offset + t * SPEED) % lap);
        // A wobble of a few millimetres, and a loss of 0.6 s every 90 s.
        let losing = (at_ms - T0) % 90_000 > 89_400;
        let side = if losing {
            0.03
        } else {
            0.004 * (t * 1.3).sin()
        };
        let (s, c) = on_course.heading.sin_cos();
        let pose = Pose {
            x: on_course.x - side * s,
            y: on_course.y + side * c,
            heading: on_course.heading,
        };
        let zone = finish.contains(fleet_course::Point {
            x: pose.x,
            y: pose.y,
        });
        if zone != in_zone {
            let kind = if zone {
                EventKind::ZoneEntered
            } else {
                EventKind::ZoneLeft
            };
            push_event(&mut records, at_ms, kind);
            in_zone = zone;
        }
        if losing != lost {
            let kind = if losing {
                EventKind::LineLost
            } else {
                EventKind::LineFound
            };
            push_event(&mut records, at_ms, kind);
            lost = losing;
        }
        if i == len_ms / SAMPLE_MS / 4 {
            for k in 0..6 {
                let drive = CommandKind::Drive {
                    speed: 0.3,
                    turn: 0.1,
                };
                records.push(command(at_ms + k * 166, drive));
            }
        }
        if i == len_ms / SAMPLE_MS - 100 {
            records.push(command(at_ms, CommandKind::Estop));
            push_event(&mut records, at_ms + 5, EventKind::Estopped);
        }
        let mut sample = Telemetry::new(i as u64 + 1, at_ms as u64);
        sample.mode = RobotMode::LineFollow;
        sample.line.middle = !losing && !zone;
        sample.line.left = !losing && !zone && side > 0.003;
        sample.motors.left = 0.5;
        sample.motors.right = 0.48;
        sample.servos.camera_tilt = 90.0;
        sample.battery_v = Some(7.8);
        sample.pose = Some(pose);
        records.push(Record {
            robot: Some(id.clone()),
            kind: RecordKind::Telemetry,
            at_ms,
            topic: topic::telemetry(id),
            payload: encode(&sample),
        });
    }
    // Replay order, as the store returns it.
    records.sort_by_key(|r| r.at_ms);
    records
}
