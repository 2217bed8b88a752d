//! The class roster (teacher only): `GET /api/roster`, `POST /api/roster/import`,
//! `PUT /api/roster/{student}/robot`, `POST /api/roster/{student}/token` (a new token, the old
//! one stops working), `DELETE /api/roster/{student}`. Bodies and answers are in
//! [`crate::contract::roster`].

use actix_web::{HttpResponse, delete, get, post, put, web};

use super::robots::robot_id;
use super::{ApiError, AppState, Teacher};
use crate::contract::roster::{Assign, Removed, RosterImport};
use crate::domain::now_ms;
use crate::roster::{ClassError, StudentId};

impl From<ClassError> for ApiError {
    fn from(e: ClassError) -> Self {
        match e {
            ClassError::Roster(_) | ClassError::NameTaken(_) => ApiError::BadRequest(e.to_string()),
            ClassError::UnknownStudent(_) | ClassError::NotEnrolled(_) => {
                ApiError::NotFound(e.to_string())
            }
            ClassError::Store(e) => e.into(),
            ClassError::Group(e) => e.into(),
            ClassError::Credential(e) => ApiError::internal_from("issuing a credential", e),
        }
    }
}

pub(super) fn student_id(raw: &str) -> Result<StudentId, ApiError> {
    StudentId::parse(raw).map_err(|e| ApiError::BadRequest(e.to_string()))
}

#[get("/roster")]
pub(super) async fn list(_: Teacher, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.class.list().await?))
}

#[post("/roster/import")]
pub(super) async fn import(
    _: Teacher,
    state: web::Data<AppState>,
    body: web::Json<RosterImport>,
) -> Result<HttpResponse, ApiError> {
    let report = state.class.import(&body.csv, now_ms()).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[put("/roster/{student}/robot")]
pub(super) async fn assign(
    _: Teacher,
    state: web::Data<AppState>,
    student: web::Path<String>,
    body: web::Json<Assign>,
) -> Result<HttpResponse, ApiError> {
    let student = student_id(&student)?;
    let robot = robot_id(&body.robot)?;
    let view = state.class.assign(&student, &robot, now_ms()).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[post("/roster/{student}/token")]
pub(super) async fn reissue(
    _: Teacher,
    state: web::Data<AppState>,
    student: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let issued = state
        .class
        .reissue(&student_id(&student)?, now_ms())
        .await?;
    Ok(HttpResponse::Ok().json(issued))
}

#[delete("/roster/{student}")]
pub(super) async fn remove(
    _: Teacher,
    state: web::Data<AppState>,
    student: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let student = student_id(&student)?;
    state.class.remove(&student).await?;
    Ok(HttpResponse::Ok().json(Removed {
        removed: student.to_string(),
    }))
}
