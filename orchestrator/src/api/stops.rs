//! Who may lift an emergency stop. Every stop and release the API sends passes through
//! [`guard`], which records the teacher's and the students' stops in the ledger
//! ([`crate::roster::StopLedger`]) and refuses a student's release of a stop it did not set;
//! `GET /api/access/stop?robot=ID` tells a page whether its token may lift the robot's stop
//! (the remote hides "Release" otherwise).

use actix_web::{HttpRequest, HttpResponse, get, web};
use fleet_protocol::{CommandKind, RobotId};
use serde::Deserialize;

use super::auth::{Role, bearer};
use super::robots::robot_id;
use super::{ApiError, AppState};
use crate::contract::roster::StopView;
use crate::roster::{Commander, StopHolder, StopTarget};

/// Passes `kind` from `role` on `target` through the stop ledger (see
/// [`crate::roster::StopLedger::admit`]): 403 for a student's release of a stop it did not set.
pub(super) fn guard(
    state: &AppState,
    role: &Role,
    target: StopTarget<'_>,
    kind: &CommandKind,
) -> Result<(), ApiError> {
    let who = match role {
        Role::Teacher => Commander::Teacher,
        Role::Student { student, robot } => Commander::Student { student, robot },
    };
    state
        .class
        .stops()
        .admit(who, target, kind)
        .map_err(|refusal| ApiError::Forbidden(refusal.to_string()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StopQuery {
    robot: String,
}

#[get("/access/stop")]
pub(super) async fn stop(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<StopQuery>,
) -> Result<HttpResponse, ApiError> {
    let robot: RobotId = robot_id(&query.robot)?;
    let holder = state.class.stops().holder(&robot);
    let role = bearer(&req).and_then(|token| state.access.role(token, Some(&robot)));
    let may_release = match (&role, &holder) {
        (Some(Role::Teacher), _) => true,
        (Some(Role::Student { student, .. }), Some(StopHolder::Student(s))) => s == student,
        _ => false,
    };
    Ok(HttpResponse::Ok().json(StopView {
        robot,
        held_by: holder.map(|h| match h {
            StopHolder::Teacher => "teacher".to_owned(),
            StopHolder::Student(_) => "student".to_owned(),
        }),
        may_release,
    }))
}
