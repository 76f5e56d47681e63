//! Operations endpoints: health, readiness, metrics, the API description.

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

/// 200 when requests can be served: the database answers and every
/// migration is applied; 503 with the reason otherwise.
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if let Err(error) = state.db.ping().await {
        tracing::warn!(%error, "readiness: database unreachable");
        return HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "not_ready", "reason": "database_unreachable" }));
    }
    match state.db.migrations_current().await {
        Ok(true) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Ok(false) => {
            HttpResponse::ServiceUnavailable().json(json!({ "status": "not_ready", "reason": "migrations_pending" }))
        }
        Err(error) => {
            tracing::warn!(%error, "readiness: cannot read migrations");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "not_ready", "reason": "database_error" }))
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
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render())
}

/// The OpenAPI document of every `/api/v1` route.
#[get("/openapi.json")]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
