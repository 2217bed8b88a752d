//! `GET /api/stats`: the counters that tell whether anything is being dropped, and why.

use actix_web::{HttpResponse, get, web};

use super::{ApiError, AppState};
use crate::actors::GetFleetStats;
use crate::contract::{Health, Stats};

#[get("/stats")]
pub(super) async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let fleet = state.fleet.send(GetFleetStats).await?;
    Ok(HttpResponse::Ok().json(Stats {
        fleet,
        mqtt: state.link.snapshot(),
        recorder: state.recorder.stats(),
    }))
}

#[get("/healthz")]
pub(super) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}
