//! What people did during the autonomous run: manual drive commands (a rescue) and emergency
//! stops, counted as episodes rather than messages.

use fleet_protocol::{CommandKind, DEADMAN_DEFAULT, EventKind};

use crate::grading::run::Run;

/// Drive commands repeat every `DRIVE_REPEAT` while a key is held: commands closer together
/// than the dead-man timeout are one intervention.
const SAME_INTERVENTION_MS: i64 = DEADMAN_DEFAULT.as_millis() as i64;

/// Manual interventions: bursts of drive commands to this robot after line following began.
pub fn interventions(run: &Run) -> u32 {
    let start = run.autonomous_start_ms();
    let mut count = 0;
    let mut last: Option<i64> = None;
    for command in &run.commands {
        if command.at_ms < start || !matches!(command.kind, CommandKind::Drive { .. }) {
            continue;
        }
        if last.is_none_or(|at| command.at_ms - at > SAME_INTERVENTION_MS) {
            count += 1;
        }
        last = Some(command.at_ms);
    }
    count
}

/// Times the robot was emergency-stopped: an `estopped` event or an estop command (its own or
/// the fleet's) starts an episode unless one is already open; a release ends it. Counting
/// episodes keeps a command and the robot's event about it from counting twice.
pub fn estops(run: &Run) -> u32 {
    let start = run.autonomous_start_ms();
    // (time, opens) from both sources, merged in time order (commands first on a tie: the
    // command causes the event).
    let mut edges: Vec<(i64, u8, bool)> = Vec::new();
    for c in run.commands.iter().filter(|c| c.at_ms >= start) {
        match c.kind {
            CommandKind::Estop => edges.push((c.at_ms, 0, true)),
            CommandKind::Release => edges.push((c.at_ms, 0, false)),
            _ => {}
        }
    }
    for e in run.events.iter().filter(|e| e.at_ms >= start) {
        match e.kind {
            EventKind::Estopped => edges.push((e.at_ms, 1, true)),
            EventKind::Released => edges.push((e.at_ms, 1, false)),
            _ => {}
        }
    }
    edges.sort_by_key(|&(at, source, _)| (at, source));
    let mut open = false;
    let mut count = 0;
    for (_, _, opens) in edges {
        if opens && !open {
            count += 1;
        }
        open = opens;
    }
    count
}
