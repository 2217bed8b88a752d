//! `GET /`: the fleet dashboard, one static page embedded in the binary (no separate server).

use actix_web::{HttpResponse, get};

const INDEX_HTML: &str = include_str!("../../assets/index.html");

#[get("/")]
pub(super) async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX_HTML)
}
