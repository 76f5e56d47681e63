//! Operations endpoints: health, readiness, metrics, the API description.

use actix_web::{HttpResponse, get, web};
use serde_json::json;
use utoipa::OpenApi;

use crate::api::ApiDoc;
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

/// Prometheus text exposition.
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render())
}

/// The OpenAPI document of every `/api/v1` route.
#[get("/openapi.json")]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
