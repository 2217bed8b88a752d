//! `GET /api/stream`: fleet changes as server-sent events, one JSON object per `data:` line.
//! One multiplexed stream per page (browsers allow ~6 connections per origin).

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::{ApiError, AppState};
use crate::actors::{FleetChange, SubscribeChanges};

/// A comment line this often keeps proxies and browsers from closing an idle stream.
const KEEPALIVE: Duration = Duration::from_secs(15);

#[get("/stream")]
pub(super) async fn stream(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let changes = state.fleet.send(SubscribeChanges).await?;
    let body = futures_util::stream::unfold(changes, |mut changes| async move {
        let chunk = next_chunk(&mut changes).await?;
        Some((Ok::<_, actix_web::Error>(chunk), changes))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

/// The next SSE chunk: a change, a `lagged` event (the client should re-read the robot list),
/// or a keepalive. `None` ends the stream (the fleet stopped).
async fn next_chunk(changes: &mut Receiver<FleetChange>) -> Option<Bytes> {
    match tokio::time::timeout(KEEPALIVE, changes.recv()).await {
        Err(_) => Some(Bytes::from_static(b": keepalive\n\n")),
        Ok(Ok(change)) => Some(sse_data(&change)),
        Ok(Err(RecvError::Lagged(missed))) => Some(Bytes::from(format!(
            "event: lagged\ndata: {{\"missed\":{missed}}}\n\n"
        ))),
        Ok(Err(RecvError::Closed)) => None,
    }
}

fn sse_data(change: &FleetChange) -> Bytes {
    // JSON never contains a raw newline, so one `data:` line per event is enough.
    let json = serde_json::to_string(change).unwrap_or_else(|_| "{}".to_owned());
    Bytes::from(format!("data: {json}\n\n"))
}
