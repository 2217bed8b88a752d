//! The export bench's database: a generated class session (every robot's full telemetry
//! sample at a fixed rate), or one an earlier run kept (`BENCH_DB`).

use std::path::Path;

use fleet_protocol::{Pose, RobotId, RobotMode, Telemetry, encode, topic};
use orchestrator::domain::{Record, RecordKind};
use orchestrator::store::{RecordQuery, SessionId, Store};

/// Rows per generating transaction (the store writes them as 500-row INSERTs).
const GENERATE_BATCH: usize = 50_000;
const T0_MS: i64 = 1_700_000_000_000;

/// The session of a database kept by an earlier run, when it holds `rows` records.
pub async fn reusable(db: &Path, rows: u64) -> Option<SessionId> {
    if !db.exists() {
        return None;
    }
    let store = Store::open_read_only(db).await.ok()?;
    let session = store.list_sessions().await.ok()?.first()?.id;
    let counted = store
        .count_matching(&RecordQuery::session(session))
        .await
        .ok()?;
    (counted == rows).then_some(session)
}

pub async fn generate(db: &Path, robots: usize, hz: u64, secs: u64) -> SessionId {
    let store = Store::open(db).await.expect("a new database");
    let session = store
        .start_session("bench class", T0_MS)
        .await
        .expect("a session")
        .id;
    let ids: Vec<RobotId> = (0..robots)
        .map(|n| RobotId::parse(&format!("sim-{n:04}")).expect("a valid id"))
        .collect();
    let topics: Vec<String> = ids.iter().map(topic::telemetry).collect();
    let period_ms = 1_000 / hz as i64;
    let mut batch = Vec::with_capacity(GENERATE_BATCH);
    for tick in 0..secs * hz {
        let at_ms = T0_MS + tick as i64 * period_ms;
        for (n, robot) in ids.iter().enumerate() {
            // Robots' clocks are a few ms off the server's, and receipt spreads over the tick.
            let received = at_ms + (n as i64 % period_ms.max(1));
            batch.push((session, sample(robot, &topics[n], tick, received)));
        }
        if batch.len() >= GENERATE_BATCH {
            store.insert_records(&batch).await.expect("a batch");
            batch.clear();
        }
    }
    store.insert_records(&batch).await.expect("the last batch");
    store
        .stop_session(T0_MS + (secs * 1_000) as i64)
        .await
        .expect("stopped");
    store.close().await;
    session
}

/// A line-following robot's sample with every field set, as the simulator sends it.
fn sample(robot: &RobotId, topic: &str, seq: u64, at_ms: i64) -> Record {
    let mut t = Telemetry::new(seq, (at_ms - 3) as u64);
    t.mode = RobotMode::LineFollow;
    t.line.middle = true;
    t.line.left = seq.is_multiple_of(7);
    t.motors.left = 0.42;
    t.motors.right = 0.38;
    t.servos.camera_tilt = 90.0;
    t.servos.arm = 45.5;
    t.servos.forearm = 120.0;
    t.servos.wrist = 90.0;
    t.servos.claw = 30.0;
    t.battery_v = Some(7.83);
    t.pose = Some(Pose {
        x: 1.234_567 + seq as f64 * 1e-3,
        y: 0.765_432,
        heading: (seq as f64 * 0.01) % std::f64::consts::TAU,
    });
    Record {
        robot: Some(robot.clone()),
        kind: RecordKind::Telemetry,
        at_ms,
        topic: topic.to_owned(),
        payload: encode(&t),
    }
}
