//! Sending one command to many robots: to all with one `fleet/cmd` broadcast (each robot acks
//! on its own topic), to a group with one publish per member, in parallel. A group cannot use
//! the broadcast topic: every agent listens there, and agents do not know their groups.

use std::time::Instant;

use fleet_protocol::CommandKind;
use futures_util::future::join_all;

use super::auth::Role;
use super::stops::guard;
use super::{ApiError, AppState};
use crate::actors::{BroadcastCommand, CommandOutcome, SendCommand};
use crate::contract::FanoutReport;
use crate::domain::GroupName;
use crate::roster::StopTarget;

pub(super) fn check(kind: &CommandKind) -> Result<(), ApiError> {
    kind.validate()
        .map_err(|e| ApiError::BadRequest(format!("invalid command: {e}")))
}

/// Only the teacher sends to many robots (the callers take [`super::Teacher`]), so a stop
/// or release here is the teacher's in the stop ledger.
pub(super) async fn to_all(state: &AppState, kind: CommandKind) -> Result<FanoutReport, ApiError> {
    check(&kind)?;
    guard(state, &Role::Teacher, StopTarget::All, &kind)?;
    let name = kind.name();
    let started = Instant::now();
    let answer = state.fleet.send(BroadcastCommand { kind }).await?;
    Ok(FanoutReport::new(
        "all".into(),
        name,
        Some(answer.cmd_id),
        started.elapsed(),
        answer.outcomes,
    ))
}

pub(super) async fn to_group(
    state: &AppState,
    group: &GroupName,
    kind: CommandKind,
) -> Result<FanoutReport, ApiError> {
    check(&kind)?;
    let members = state.store.get_group(group).await?.members;
    guard(state, &Role::Teacher, StopTarget::Robots(&members), &kind)?;
    let name = kind.name();
    let started = Instant::now();
    let sends = members.into_iter().map(|robot| {
        let (fleet, kind) = (state.fleet.clone(), kind.clone());
        async move {
            let outcome = fleet
                .send(SendCommand {
                    robot: robot.clone(),
                    kind,
                })
                .await
                .unwrap_or_else(|e| CommandOutcome::Failed {
                    reason: format!("the fleet did not answer: {e}"),
                });
            (robot, outcome)
        }
    });
    let outcomes = join_all(sends).await;
    Ok(FanoutReport::new(
        format!("group:{group}"),
        name,
        None,
        started.elapsed(),
        outcomes,
    ))
}

pub(super) fn group_name(raw: &str) -> Result<GroupName, ApiError> {
    Ok(GroupName::parse(raw)?)
}
