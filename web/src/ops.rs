//! Operations endpoints: health, readiness, metrics, the API description.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use domovoy_app::secret::same_secret;
use serde_json::json;
use utoipa::OpenApi;

use crate::api::ApiDoc;
use crate::auth::RequestContext;
use crate::state::AppState;

/// 200 while the process runs.
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "version": state.web().version }))
}

/// How long `/readyz` waits for the database: a load balancer probing
/// every second needs its answer within the second, and a database that
/// does not answer in this time is as good as down for a request.
const READY_WITHIN: Duration = Duration::from_millis(800);

/// 200 when requests can be served: the database answers and every
/// migration is applied; 503 with the reason otherwise, within
/// [`READY_WITHIN`] even when the database hangs (stopped, or the network
/// to it lost) rather than refuses.
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (status, reason) = match tokio::time::timeout(READY_WITHIN, readiness(&state)).await {
        Ok(Ok(())) => return HttpResponse::Ok().json(json!({ "status": "ready" })),
        Ok(Err(reason)) => (StatusCode::SERVICE_UNAVAILABLE, reason),
        Err(_) => {
            tracing::warn!(within_ms = READY_WITHIN.as_millis(), "readiness: the database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "database_unreachable")
        }
    };
    HttpResponse::build(status).json(json!({ "status": "not_ready", "reason": reason }))
}

/// Whether the database answers and holds every migration; the reason
/// code when not.
async fn readiness(state: &AppState) -> Result<(), &'static str> {
    if let Err(error) = state.db.ping().await {
        tracing::warn!(%error, "readiness: database unreachable");
        return Err("database_unreachable");
    }
    match state.db.migrations_current().await {
        Ok(true) => Ok(()),
        Ok(false) => Err("migrations_pending"),
        Err(error) => {
            tracing::warn!(%error, "readiness: cannot read migrations");
            Err("database_error")
        }
    }
}

/// Prometheus text exposition: for the bearer of `metrics.token` when one
/// is configured, otherwise for clients on this machine only (the client
/// address honours `X-Forwarded-For` behind a trusted proxy, so a request
/// from outside relayed by nginx is not taken for a local one).
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let allowed = match &state.web().metrics_token {
        Some(token) => req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| same_secret(given.trim(), token)),
        None => RequestContext::of(&req).ip.is_some_and(|ip| ip.is_loopback()),
    };
    if !allowed {
        return HttpResponse::Forbidden().finish();
    }
    // Each scrape asks the database, as the readiness probe does: an alert
    // on `domovoy_database_up` needs no probe of its own.
    let up = tokio::time::timeout(READY_WITHIN, state.db.ping()).await.is_ok_and(|answer| answer.is_ok());
    state.metrics.database_up.set(i64::from(up));
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render())
}

/// The OpenAPI document of every `/api/v1` route.
#[get("/openapi.json")]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
