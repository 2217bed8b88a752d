//! Missions: `POST /api/missions` (assign to a robot or a group), `GET /api/missions`
//! (`?robot=ID&active=true&limit=N`), `GET /api/missions/{id}` (with its transitions),
//! `POST /api/missions/{id}/abort`. What is shown is what the database holds: a mission actor
//! records each change before it announces it.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use super::many::group_name;
use super::robots::robot_id;
use super::{ApiError, AppState, Teacher};
use crate::actors::mission::{
    AbortById, AbortError, AssignError, AssignMission, Assignment, timeout_for,
};
use crate::contract::{AbortRequest, AssignRequest, GroupAssignment, MissionRecord, RefusedRobot};
use crate::domain::MissionId;

/// Most missions one list answer holds.
const MAX_LIST: u32 = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    robot: Option<String>,
    #[serde(default)]
    active: bool,
    limit: Option<u32>,
}

fn assign_error(e: &AssignError) -> ApiError {
    match e {
        AssignError::UnknownRobot(_) => ApiError::NotFound(e.to_string()),
        AssignError::Offline(_) | AssignError::Busy { .. } => ApiError::Conflict(e.to_string()),
        AssignError::Store(source) => {
            ApiError::internal_from("the mission could not be recorded", source.clone())
        }
    }
}

async fn record(state: &AppState, id: MissionId) -> Result<MissionRecord, ApiError> {
    state
        .store
        .get_mission(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no mission {id}")))
}

/// One robot: 201 with the mission, or the error for that robot (404 unknown, 409 offline or
/// busy). A group: 201 with `assigned` and `refused` lists when at least one robot got the
/// mission, 409 with the lists when none did.
#[post("/missions")]
pub(super) async fn assign(
    _: Teacher,
    state: web::Data<AppState>,
    body: web::Json<AssignRequest>,
) -> Result<HttpResponse, ApiError> {
    let AssignRequest {
        robot,
        group,
        mission,
        timeout_ms,
    } = body.into_inner();
    mission
        .validate()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let timeout =
        timeout_for(&mission, timeout_ms).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let (robots, group) = match (robot, group) {
        (Some(r), None) => (vec![robot_id(&r)?], None),
        (None, Some(g)) => {
            let name = group_name(&g)?;
            let members = state.store.get_group(&name).await?.members;
            if members.is_empty() {
                return Err(ApiError::Conflict(format!("group {name} has no robots")));
            }
            (members, Some(name))
        }
        _ => {
            return Err(ApiError::BadRequest(
                "name exactly one target: \"robot\" or \"group\"".into(),
            ));
        }
    };
    let by_group = group.is_some();
    let answers = state
        .missions
        .send(AssignMission {
            robots,
            group: group.clone(),
            spec: mission,
            timeout,
        })
        .await?;
    if !by_group {
        let Some(Assignment { result, .. }) = answers.into_iter().next() else {
            return Err(ApiError::internal("no answer for the robot"));
        };
        let id = result.map_err(|e| assign_error(&e))?;
        return Ok(HttpResponse::Created().json(record(&state, id).await?));
    }
    let mut assigned = Vec::new();
    let mut refused = Vec::new();
    for a in answers {
        match a.result {
            Ok(id) => assigned.push(record(&state, id).await?),
            Err(e) => refused.push(RefusedRobot {
                robot: a.robot,
                error: e.to_string(),
            }),
        }
    }
    let Some(group) = group else {
        return Err(ApiError::internal("a group assignment without its group"));
    };
    let none_assigned = assigned.is_empty();
    let mut body = GroupAssignment {
        error: None,
        group,
        assigned,
        refused,
    };
    if none_assigned {
        body.error = Some(format!(
            "no robot of group {} could take the mission",
            body.group
        ));
        return Ok(HttpResponse::Conflict().json(body));
    }
    Ok(HttpResponse::Created().json(body))
}

#[get("/missions")]
pub(super) async fn list(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = web::Query::<ListQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query: {e}")))?
        .into_inner();
    let robot = query.robot.as_deref().map(robot_id).transpose()?;
    let limit = query.limit.unwrap_or(100).min(MAX_LIST);
    let missions = state
        .store
        .list_missions(robot.as_ref(), query.active, limit)
        .await?;
    Ok(HttpResponse::Ok().json(missions))
}

#[get("/missions/{id}")]
pub(super) async fn one(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(record(&state, MissionId(id.into_inner())).await?))
}

#[post("/missions/{id}/abort")]
pub(super) async fn abort(
    _: Teacher,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Option<web::Json<AbortRequest>>,
) -> Result<HttpResponse, ApiError> {
    let id = MissionId(id.into_inner());
    let reason = body
        .and_then(|b| b.into_inner().reason)
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "aborted by the teacher".into());
    let reason: String = reason.chars().take(200).collect();
    let aborted = state
        .missions
        .send(AbortById {
            mission: id,
            reason,
        })
        .await?;
    let mission = record(&state, id).await?;
    match aborted {
        Ok(()) => Ok(HttpResponse::Ok().json(mission)),
        Err(AbortError::Ended { state: s, .. }) => Err(ApiError::Conflict(format!(
            "mission {id} already ended ({s})"
        ))),
        Err(AbortError::NotRunning(_)) => Err(ApiError::Conflict(format!(
            "mission {id} already ended ({})",
            mission.state
        ))),
    }
}
