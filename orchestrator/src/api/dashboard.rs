//! The web pages, embedded in the binary (no separate server, no build step): the fleet
//! dashboard at `/`, one robot's remote at `/remote/{id}`, their scripts and styles under
//! `/assets/`. Pages are open; what they may change depends on the token they are given.

use actix_web::{HttpResponse, get, web};

use super::ApiError;
use super::robots::robot_id;

const INDEX_HTML: &str = include_str!("../../assets/index.html");
const REMOTE_HTML: &str = include_str!("../../assets/remote.html");

/// Every file under `/assets/`: name, content type, content.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/style.css"),
    ),
    (
        "common.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/common.js"),
    ),
    (
        "dashboard.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/dashboard.js"),
    ),
    (
        "remote.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/remote.js"),
    ),
];

fn html(body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // The pages carry tokens in their address: never send it on to anyone.
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(body)
}

#[get("/")]
pub(super) async fn index() -> HttpResponse {
    html(INDEX_HTML)
}

#[get("/remote/{id}")]
pub(super) async fn remote(id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    // The page reads its robot from the address; refuse ids that could not be a robot's.
    robot_id(&id)?;
    Ok(html(REMOTE_HTML))
}

#[get("/assets/{name}")]
pub(super) async fn asset(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name.as_str())
        .ok_or_else(|| ApiError::NotFound(format!("no asset {name}")))?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header(("Cache-Control", "no-cache"))
        .body(*body))
}
