//! Request logging: one `tracing` line per API request with its method, path, status and
//! duration (debug for successes, so a busy dashboard does not flood the log; info for 4xx and
//! error for 5xx, whose cause `error.rs` logs beside it).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing::{debug, error, info};

pub(super) async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let (method, path) = (req.method().clone(), req.path().to_owned());
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1e3;
    match status {
        500.. => error!(%method, %path, status, ms, "request"),
        400.. => info!(%method, %path, status, ms, "request"),
        _ => debug!(%method, %path, status, ms, "request"),
    }
    Ok(response)
}
