//! `/api/v1/cti/<token>`, `/api/v1/calls`, `/api/v1/integrations/pbx`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_app::AppError;
use domovoy_app::calls::{self, CallFilter};
use domovoy_app::tickets::{self, Lookup};
use domovoy_domain::ids::{CallId, PbxIntegrationId};
use domovoy_telephony::cti;

use crate::auth::Caller;
use crate::calls::dto::{CallCardDto, CallDto, CallList, CreatedIntegrationDto, IntegrationDto};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::tickets::api::TicketDto;

/// Largest CTI event body: a bridge sends a few hundred bytes.
pub const CTI_BODY_MAX: usize = 16 * 1024;
/// Longest token a webhook path may carry (ours are 43 characters).
const TOKEN_MAX: usize = 128;

/// A PBX reports a call event in Zammad's generic CTI format (form-encoded
/// or JSON). `newCall` is answered `{}` or, for a blocked number,
/// `{"action":"reject","reason":"busy"}`. An unknown token is 404 and says
/// nothing more; a malformed event is 400 and nothing is stored.
#[utoipa::path(
    tag = "telephony",
    params(("token" = String, Path, description = "The integration's secret token")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "event, callId, direction, from, to, user[], queue, answeringNumber, cause"),
    responses((status = 200, description = "{} or a rejection"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/api/v1/cti/{token}")]
pub async fn cti_event(
    state: web::Data<AppState>,
    token: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let refused = |reason: &str| state.metrics.telephony_refused.with(&["cti", reason]).inc();
    if token.len() > TOKEN_MAX {
        refused("token");
        return Err(AppError::NotFound.into());
    }
    let integration = match calls::integration_by_token(&state, &token).await {
        Ok(found) => found,
        Err(error) => {
            if matches!(error, AppError::NotFound) {
                refused("token");
            }
            return Err(error.into());
        }
    };
    if body.len() > CTI_BODY_MAX {
        refused("too_large");
        return Err(ApiError::BodyTooLarge { limit_kib: CTI_BODY_MAX / 1024 });
    }
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    let signal = match cti::parse(&body, json, Utc::now()) {
        Ok(signal) => signal,
        Err(error) => {
            refused("malformed");
            return Err(ApiError::MalformedEvent(error.to_string()));
        }
    };
    let kind = signal.kind;
    let outcome = calls::cti(&state, &integration, signal).await?;
    Ok(HttpResponse::Ok().json(cti::answer(kind, outcome.verdict)))
}

/// The call log, newest first (`calls.receive`; calls of buildings the
/// caller does not receive are left out).
#[utoipa::path(
    tag = "telephony",
    params(CallFilter),
    responses((status = 200, body = CallList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/calls")]
pub async fn list_calls(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CallFilter>,
) -> Result<web::Json<CallList>, ApiError> {
    let page = calls::list(&state, &caller, &query).await?;
    Ok(web::Json(CallList::from(&page)))
}

/// One call.
#[utoipa::path(
    tag = "telephony",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CallDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/calls/{id}")]
pub async fn get_call(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<CallDto>, ApiError> {
    let call = calls::get(&state, &caller, CallId::from_uuid(*id)).await?;
    Ok(web::Json(CallDto::from(&call)))
}

/// The caller's card for the pop-up: matched clients with the units and
/// open tickets the viewer may read, and the number's earlier calls.
#[utoipa::path(
    tag = "telephony",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CallCardDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/calls/{id}/card")]
pub async fn call_card(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<CallCardDto>, ApiError> {
    let card = calls::card(&state, &caller, CallId::from_uuid(*id)).await?;
    let all: Vec<_> = card.callers.iter().flat_map(|c| c.open_tickets.iter().cloned()).collect();
    let lookup = Lookup::load(&state, &all).await?;
    Ok(web::Json(CallCardDto::new(&card, |t| TicketDto::with_lookup(t, &lookup, tickets::shows_contacts(&caller, t)))))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CallbackRequest {
    /// How they were reached, what was agreed.
    pub note: Option<String>,
}

/// Closes a missed call's callback task (called back by other means).
#[utoipa::path(
    tag = "telephony",
    params(("id" = Uuid, Path)),
    request_body = CallbackRequest,
    responses((status = 200, body = CallDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/calls/{id}/callback")]
pub async fn call_back(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<web::Json<CallbackRequest>>,
) -> Result<web::Json<CallDto>, ApiError> {
    let note = body.and_then(|b| b.into_inner().note);
    let call = calls::callback_done(&state, &caller, CallId::from_uuid(*id), note.as_deref()).await?;
    Ok(web::Json(CallDto::from(&call)))
}

/// The PBX integrations (`admin.integrations`).
#[utoipa::path(
    tag = "telephony",
    responses((status = 200, body = Vec<IntegrationDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/integrations/pbx")]
pub async fn list_integrations(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<IntegrationDto>>, ApiError> {
    Ok(web::Json(calls::integrations(&state, &caller).await?.iter().map(IntegrationDto::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IntegrationRequest {
    pub name: String,
}

/// Connects a PBX: the answer carries the webhook's token and path, once.
#[utoipa::path(
    tag = "telephony",
    request_body = IntegrationRequest,
    responses((status = 201, body = CreatedIntegrationDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/integrations/pbx")]
pub async fn create_integration(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<IntegrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let (integration, token) = calls::create_integration(&state, &caller, &body.name).await?;
    Ok(HttpResponse::Created().json(CreatedIntegrationDto {
        id: integration.id.as_uuid(),
        name: integration.name,
        url: format!("/api/v1/cti/{token}"),
        token,
    }))
}

/// Revokes an integration: its webhook answers 404 from now on.
#[utoipa::path(
    tag = "telephony",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/api/v1/integrations/pbx/{id}")]
pub async fn revoke_integration(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    calls::revoke_integration(&state, &caller, PbxIntegrationId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OriginateRequest {
    /// The number to call, as typed.
    pub number: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct OriginatedDto {
    /// What the PBX dials (`8…` for Russian numbers).
    pub dialled: String,
}

/// Click-to-call: the caller's own phone (their extension) rings, then the
/// PBX dials the number (needs `[telephony.ami]` and the caller's
/// extension in the call routing).
#[utoipa::path(
    tag = "telephony",
    request_body = OriginateRequest,
    responses((status = 202, body = OriginatedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/calls/originate")]
pub async fn originate(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OriginateRequest>,
) -> Result<HttpResponse, ApiError> {
    let dialled = calls::originate(&state, &caller, &body.number).await?;
    Ok(HttpResponse::Accepted().json(OriginatedDto { dialled }))
}
