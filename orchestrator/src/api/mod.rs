//! The HTTP API (actix-web) under `/api`, and the dashboard page at `/`. JSON in and out;
//! errors are `{"error": "..."}` with a status code that says what kind of failure it was.

mod access;
pub mod auth;
mod dashboard;
mod enroll;
mod error;
mod estop;
mod export;
mod game;
mod grades;
mod groups;
mod many;
pub mod map;
mod missions;
mod replay;
mod request_log;
mod retention;
mod robots;
mod roster;
mod runs;
mod sessions;
mod stats;
mod stops;
mod stream;

use std::sync::Arc;

use actix::Addr;
use actix_web::web;

pub use auth::{Access, RobotDriver, Teacher};
pub use error::ApiError;
pub use map::CourseMap;

use crate::actors::FleetActor;
use crate::actors::mission::MissionControl;
use crate::game::GameControl;
use crate::mqtt::LinkCounters;
use crate::recorder::RecorderHandle;
use crate::roster::ClassAccess;
use crate::store::Store;

/// What every handler can reach.
pub struct AppState {
    pub fleet: Addr<FleetActor>,
    pub recorder: RecorderHandle,
    pub store: Store,
    pub link: Arc<LinkCounters>,
    /// Assigns and aborts missions.
    pub missions: Addr<MissionControl>,
    /// The course's game: new, start, pause, resume, end, show.
    pub game: GameControl,
    /// The tokens mutating routes accept (see [`auth`]).
    pub access: Arc<Access>,
    /// The course simulated robots drive on, for the dashboard's map.
    pub map: Arc<CourseMap>,
    /// Where people open this server (`http://192.168.1.20:8080`, never `0.0.0.0`): the start
    /// of the links it hands out.
    pub base_url: String,
    /// The roster, the enrolled robots and who holds each emergency stop.
    pub class: Arc<ClassAccess>,
    /// Where robots connect (`mqtt://192.168.1.20:1883`), for an enrolled robot's settings.
    pub robot_broker_url: String,
}

/// Registers every route; used by the server and by tests.
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(state)
            .app_data(error::json_config())
            .app_data(error::path_config())
            .service(dashboard::index)
            .service(dashboard::remote)
            .service(dashboard::replay)
            .service(dashboard::game)
            .service(dashboard::grades)
            .service(dashboard::grade_run)
            .service(dashboard::asset)
            .service(
                web::scope("/api")
                    .wrap(actix_web::middleware::from_fn(request_log::log_request))
                    .service(robots::list)
                    .service(enroll::throttled)
                    .service(robots::one)
                    .service(robots::command)
                    .service(sessions::list)
                    .service(sessions::start)
                    .service(sessions::stop)
                    .service(retention::prune)
                    .service(retention::remove)
                    .service(replay::summary)
                    .service(replay::records)
                    .service(export::download)
                    .service(stream::stream)
                    .service(stats::stats)
                    .service(stats::health)
                    .service(estop::estop)
                    .service(estop::release)
                    .service(groups::list)
                    .service(groups::create)
                    .service(groups::one)
                    .service(groups::remove)
                    .service(groups::add_members)
                    .service(groups::remove_member)
                    .service(groups::command)
                    .service(groups::command_all)
                    .service(missions::assign)
                    .service(missions::list)
                    .service(missions::one)
                    .service(missions::abort)
                    .service(game::list)
                    .service(game::create)
                    .service(game::one)
                    .service(game::start)
                    .service(game::pause)
                    .service(game::resume)
                    .service(game::end)
                    .service(map::course)
                    .service(grades::leaderboard)
                    .service(grades::grade_now)
                    .service(grades::one)
                    .service(grades::trace)
                    .service(grades::set_override)
                    .service(runs::start)
                    .service(runs::end)
                    .service(runs::open)
                    .service(runs::of_session)
                    .service(access::whoami)
                    .service(access::students)
                    .service(stops::stop)
                    .service(roster::list)
                    .service(roster::import)
                    .service(roster::assign)
                    .service(roster::reissue)
                    .service(roster::remove)
                    .service(enroll::enroll)
                    .service(enroll::revoke)
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
