//! The web pages, embedded in the binary (no separate server, no build step): the fleet
//! dashboard at `/`, one robot's remote at `/remote/{id}`, a session's replay at
//! `/replay/{id}`, a session's leaderboard at `/grades/{id}` and a graded run at
//! `/grades/run/{id}`, their modules, styles and icon under
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

/// The course's game: teams, players, the flag, scores, the arena, the teacher's controls.
#[get("/game")]
pub(super) async fn game(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    page(&req, "game.html")
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

/// A recorded session's replay, in a tab of its own (it reads the recording only).
#[get("/replay/{id}")]
pub(super) async fn replay(
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // The page reads its session from the address: a session id is a number.
    id.parse::<i64>()
        .map_err(|_| ApiError::NotFound(format!("no session {:?}", id.as_str())))?;
    page(&req, "replay.html")
}

/// A session's leaderboard (its grades, "grade now" for the teacher).
#[get("/grades/{session}")]
pub(super) async fn grades(
    req: HttpRequest,
    session: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    number(&session, "session")?;
    page(&req, "grades.html")
}

/// One graded run: its criteria, its path and traces, the teacher's override form.
#[get("/grades/run/{id}")]
pub(super) async fn grade_run(
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    number(&id, "grade")?;
    page(&req, "grade_run.html")
}

/// A page reads its subject from the address: refuse one that cannot be an id.
fn number(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::NotFound(format!("no {what} {raw:?}")))
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
        .ok_or_else(|| ApiError::internal(format!("page {name} not embedded")))?;
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

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use actix_web::{App, test};

    use super::*;

    #[actix_web::test]
    async fn an_asset_is_sent_with_its_type_and_etag_and_then_not_again_while_unchanged() {
        let app = test::init_service(App::new().service(asset)).await;
        let first = test::call_service(
            &app,
            test::TestRequest::get().uri("/assets/map.js").to_request(),
        )
        .await;
        assert_eq!(first.status(), StatusCode::OK);
        let headers = first.headers();
        assert_eq!(
            headers.get(header::CONTENT_TYPE).unwrap(),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "no-cache");
        let etag = headers.get(header::ETAG).unwrap().clone();
        let again = test::TestRequest::get()
            .uri("/assets/map.js")
            .insert_header((header::IF_NONE_MATCH, etag))
            .to_request();
        let again = test::call_service(&app, again).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(test::read_body(again).await.is_empty());
    }

    #[actix_web::test]
    async fn protocol_js_is_generated_and_unknown_or_escaping_names_are_not_found() {
        let app = test::init_service(App::new().service(asset)).await;
        let module = test::TestRequest::get()
            .uri("/assets/protocol.js")
            .to_request();
        let module = test::call_service(&app, module).await;
        assert_eq!(module.status(), StatusCode::OK);
        let body = test::read_body(module).await;
        assert_eq!(body, protocol_js::module().as_bytes());
        for uri in [
            "/assets/nope.js",
            "/assets/../Cargo.toml",
            "/assets/%2e%2e/build.rs",
        ] {
            let missing =
                test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{uri}");
        }
    }
}
