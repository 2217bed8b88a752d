//! The web pages, embedded in the binary (no separate server, no build step): the fleet
//! dashboard at `/`, one robot's remote at `/remote/{id}`, their modules, styles and icon under
//! `/assets/`, and `/assets/protocol.js`, generated from the protocol crate. Pages are open;
//! what they may change depends on the token they hold.

mod assets;
mod protocol_js;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::ApiError;
use super::robots::robot_id;
use assets::Asset;

#[get("/")]
pub(super) async fn index(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    page(&req, "index.html")
}

#[get("/remote/{id}")]
pub(super) async fn remote(
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // The page reads its robot from the address; refuse ids that could not be a robot's.
    robot_id(&id)?;
    page(&req, "remote.html")
}

#[get("/assets/{name:.*}")]
pub(super) async fn asset(
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if name.as_str() == protocol_js::NAME {
        return Ok(protocol_js::response());
    }
    let file = assets::find(&name).ok_or_else(|| ApiError::NotFound(format!("no asset {name}")))?;
    Ok(serve(&req, file))
}

fn page(req: &HttpRequest, name: &str) -> Result<HttpResponse, ApiError> {
    let file = assets::find(name)
        .ok_or_else(|| ApiError::Internal(format!("page {name} not embedded")))?;
    let mut response = serve(req, file);
    // A page's first address may carry a token: never send it on to another site.
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// The file, or 304 when the browser already holds this version. `no-cache` makes the browser
/// ask every time (modules import each other by fixed names, so a stale one would mix
/// versions), and the ETag keeps that question cheap.
fn serve(req: &HttpRequest, file: &Asset) -> HttpResponse {
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == file.etag));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, file.etag))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    if fresh {
        response.finish()
    } else {
        response
            .content_type(assets::content_type(file.name))
            .body(file.body)
    }
}
