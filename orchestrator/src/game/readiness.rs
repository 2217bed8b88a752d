//! The readiness gate before a game starts, as a pure function of who registered and what the
//! fleet knows: a legacy robot is ready once registered (nothing else can be checked); the
//! project's agent must also be online, not estopped, and its sensors reporting.

use std::collections::BTreeSet;

use fleet_protocol::{RobotId, RobotMode};

use crate::actors::{Liveness, RobotView};
use crate::contract::game::{PlayerKind, Readiness};

/// A player is the project's agent when the fleet has heard its birth status.
pub fn kind_of(view: Option<&RobotView>) -> PlayerKind {
    match view {
        Some(v) if v.status.is_some() => PlayerKind::Agent,
        _ => PlayerKind::Legacy,
    }
}

/// Every robot expected (registered, or on the roster), checked; sorted by id.
pub fn check(
    registered: &BTreeSet<RobotId>,
    roster: &BTreeSet<RobotId>,
    robots: &[RobotView],
) -> Vec<Readiness> {
    registered
        .union(roster)
        .map(|id| {
            let view = robots.iter().find(|v| &v.id == id);
            let kind = kind_of(view);
            let reason = if !registered.contains(id) {
                Some("not registered (no INIT yet)".to_owned())
            } else {
                match (kind, view) {
                    (PlayerKind::Agent, Some(v)) => agent_problem(v),
                    _ => None,
                }
            };
            Readiness {
                robot: id.clone(),
                kind,
                ready: reason.is_none(),
                reason,
            }
        })
        .collect()
}

fn agent_problem(view: &RobotView) -> Option<String> {
    if view.state != Liveness::Online {
        return Some(view.state.as_str().to_owned());
    }
    match &view.telemetry {
        None => Some("no sensor readings yet".to_owned()),
        Some(t) if t.mode == RobotMode::Estopped => Some("emergency-stopped".to_owned()),
        Some(_) => None,
    }
}

/// `a (offline), b (not registered)` for an error message.
pub fn describe(not_ready: &[Readiness]) -> String {
    not_ready
        .iter()
        .map(|r| {
            format!(
                "{} ({})",
                r.robot,
                r.reason.as_deref().unwrap_or("not ready")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use fleet_protocol::{Backend, Status, Telemetry};

    use super::*;

    fn id(raw: &str) -> RobotId {
        RobotId::parse(raw).unwrap()
    }

    fn agent(raw: &str, state: Liveness, mode: Option<RobotMode>) -> RobotView {
        let mut view = RobotView::unknown(id(raw));
        view.state = state;
        view.status = Some(Status::online(id(raw), "0.1.0", Backend::Sim, vec![], 1));
        view.telemetry = mode.map(|mode| Telemetry {
            mode,
            ..Telemetry::new(1, 1)
        });
        view
    }

    #[test]
    fn a_legacy_robot_is_ready_once_registered_and_an_agent_only_when_online_free_and_reporting() {
        let registered: BTreeSet<RobotId> = ["0xaa", "0xbb", "0xcc", "0xdd", "0xee"]
            .into_iter()
            .map(id)
            .collect();
        let roster: BTreeSet<RobotId> = [id("0xff")].into();
        let robots = vec![
            agent("0xbb", Liveness::Online, Some(RobotMode::Idle)),
            agent("0xcc", Liveness::Offline, Some(RobotMode::Idle)),
            agent("0xdd", Liveness::Online, Some(RobotMode::Estopped)),
            agent("0xee", Liveness::Online, None),
        ];
        let checked = check(&registered, &roster, &robots);
        let summary: Vec<(&str, PlayerKind, bool)> = checked
            .iter()
            .map(|r| (r.robot.as_str(), r.kind, r.ready))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("0xaa", PlayerKind::Legacy, true),
                ("0xbb", PlayerKind::Agent, true),
                ("0xcc", PlayerKind::Agent, false),
                ("0xdd", PlayerKind::Agent, false),
                ("0xee", PlayerKind::Agent, false),
                ("0xff", PlayerKind::Legacy, false),
            ]
        );
        let not_ready: Vec<Readiness> = checked.into_iter().filter(|r| !r.ready).collect();
        assert_eq!(
            describe(&not_ready),
            "0xcc (offline), 0xdd (emergency-stopped), 0xee (no sensor readings yet), \
             0xff (not registered (no INIT yet))"
        );
    }
}
