//! The HTTP API (actix-web) under `/api`, and the dashboard page at `/`. JSON in and out;
//! errors are `{"error": "..."}` with a status code that says what kind of failure it was.

mod dashboard;
mod error;
mod robots;
mod sessions;
mod stats;
mod stream;

use std::sync::Arc;

use actix::Addr;
use actix_web::web;

pub use error::ApiError;

use crate::actors::FleetActor;
use crate::mqtt::LinkCounters;
use crate::recorder::RecorderHandle;
use crate::store::Store;

/// What every handler can reach.
pub struct AppState {
    pub fleet: Addr<FleetActor>,
    pub recorder: RecorderHandle,
    pub store: Store,
    pub link: Arc<LinkCounters>,
}

/// Registers every route; used by the server and by tests.
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(state)
            .app_data(error::json_config())
            .app_data(error::path_config())
            .service(dashboard::index)
            .service(
                web::scope("/api")
                    .service(robots::list)
                    .service(robots::one)
                    .service(robots::command)
                    .service(sessions::list)
                    .service(sessions::start)
                    .service(sessions::stop)
                    .service(stream::stream)
                    .service(stats::stats)
                    .service(stats::health)
                    .default_service(web::to(not_found)),
            );
    }
}

async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no API route {} {}",
        req.method(),
        req.path()
    )))
}
