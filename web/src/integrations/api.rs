//! `/api/v1/webhooks`: integrations that receive events (`admin.integrations`).

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_store::webhooks::Webhook;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use domovoy_app::webhooks;

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: Uuid,
    pub name: String,
    pub url: String,
    /// Event kind codes, or `["*"]` for all.
    pub event_kinds: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&Webhook> for WebhookDto {
    fn from(w: &Webhook) -> Self {
        Self {
            id: w.id,
            name: w.name.as_str().to_owned(),
            url: w.url.to_string(),
            event_kinds: w.event_kinds.clone(),
            active: w.active,
            created_at: w.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookRequest {
    pub name: String,
    /// `http://` or `https://`.
    pub url: String,
    /// Event kind codes (`building.updated`, …) or `["*"]`.
    pub event_kinds: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookDto {
    pub webhook: WebhookDto,
    /// The HMAC-SHA256 key of `X-Domovoy-Signature`; shown only here.
    pub secret: String,
}

/// The webhooks.
#[utoipa::path(tag = "integrations", responses((status = 200, body = Vec<WebhookDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Vec<WebhookDto>>, ApiError> {
    Ok(web::Json(webhooks::list(&state, &caller).await?.iter().map(WebhookDto::from).collect()))
}

/// Subscribes a URL to events; the response carries the signing secret once.
#[utoipa::path(
    tag = "integrations",
    request_body = WebhookRequest,
    responses((status = 201, body = CreatedWebhookDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<WebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let webhook = webhooks::create(&state, &caller, &body.name, &body.url, &body.event_kinds).await?;
    Ok(HttpResponse::Created()
        .json(CreatedWebhookDto { secret: webhook.secret.clone(), webhook: WebhookDto::from(&webhook) }))
}

/// Deletes a webhook; its undelivered messages are given up.
#[utoipa::path(
    tag = "integrations",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/api/v1/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(&state, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
