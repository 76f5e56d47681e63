//! `/api/v1/passes`, `/api/v1/visits`, `/api/v1/blocklist`.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{Duration, Utc};
use serde::Deserialize;
use uuid::Uuid;

use domovoy_app::passes::{self, BlockInput, Marked, PassInput, VisitRequest};
use domovoy_app::{AppError, Rule};
use domovoy_domain::FieldError;
use domovoy_domain::ids::{BlockEntryId, BuildingId, PassId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_store::passes::Pass;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::passes::dto::{
    ArrivalRequest, BlockedDto, CheckedDto, CheckedList, IssuedDto, MarkedDto, PassDto, VisitDto, VisitList,
};
use crate::state::AppState;

/// Whether the caller sees the visitor's whole phone: the host, and those
/// who may read contacts in the building.
pub fn shows_phone(caller: &Caller, pass: &Pass) -> bool {
    caller.user_id().is_some_and(|me| pass.host_user_id == Some(me))
        || caller.can(Permission::ClientsContactsRead, &Target::building(pass.building_id))
}

fn building_param(raw: Option<&str>) -> Result<BuildingId, ApiError> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty());
    let Some(raw) = raw else { return Err(AppError::field("building_id", FieldError::Required).into()) };
    raw.parse().map_err(|_| AppError::field("building_id", FieldError::InvalidFormat).into())
}

/// Issues a pass: a resident for their own unit, staff on a resident's
/// behalf in their buildings. The answer's `link` opens the pass with its
/// QR code and PIN without sign-in; it is given only here.
#[utoipa::path(
    tag = "passes",
    request_body = PassInput,
    responses((status = 201, body = IssuedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/passes")]
pub async fn create_pass(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<PassInput>,
) -> Result<HttpResponse, ApiError> {
    let issued = passes::issue(&state, &caller, &body).await?;
    let dto = IssuedDto { pass: PassDto::new(&issued.pass, true), link: format!("/p/{}", issued.link_secret) };
    Ok(HttpResponse::Created().json(dto))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PassListQuery {
    /// Staff: the passes a building expects; residents: absent (their own).
    pub building_id: Option<String>,
}

/// A resident's own passes, or (with `building_id`) the passes a building
/// expects for its desk.
#[utoipa::path(
    tag = "passes",
    params(PassListQuery),
    responses((status = 200, body = Vec<PassDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/passes")]
pub async fn list_passes(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PassListQuery>,
) -> Result<web::Json<Vec<PassDto>>, ApiError> {
    let list: Vec<Pass> = match query.building_id.as_deref() {
        Some(raw) => {
            let building = building_param(Some(raw))?;
            passes::expected(&state, &caller, building).await?.into_iter().map(|c| c.pass).collect()
        }
        None => passes::mine(&state, &caller).await?,
    };
    Ok(web::Json(list.iter().map(|p| PassDto::new(p, shows_phone(&caller, p))).collect()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CheckQuery {
    pub building_id: Option<String>,
    /// A name, a plate in any look-alike letters, a PIN, the last four
    /// digits of a phone, or a scanned pass link.
    pub q: Option<String>,
}

/// The guard desk's search in one building: each match with whether it
/// admits now and why not. Audited.
#[utoipa::path(
    tag = "passes",
    params(CheckQuery),
    responses((status = 200, body = CheckedList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/passes/check")]
pub async fn check_passes(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CheckQuery>,
) -> Result<web::Json<CheckedList>, ApiError> {
    let building = building_param(query.building_id.as_deref())?;
    let found = passes::check(&state, &caller, building, query.q.as_deref().unwrap_or_default()).await?;
    let t = caller.t();
    Ok(web::Json(CheckedList { items: found.iter().map(|c| CheckedDto::new(c, t)).collect() }))
}

/// One pass (its host, or staff of its building).
#[utoipa::path(
    tag = "passes",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PassDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/passes/{id}")]
pub async fn get_pass(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PassDto>, ApiError> {
    let pass = passes::get(&state, &caller, PassId::from_uuid(*id)).await?;
    Ok(web::Json(PassDto::new(&pass, shows_phone(&caller, &pass))))
}

/// Cancels a pass (its host, or staff issuing passes in the building); a
/// pass whose visitor is on site cannot be cancelled.
#[utoipa::path(
    tag = "passes",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PassDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/passes/{id}/cancel")]
pub async fn cancel_pass(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PassDto>, ApiError> {
    let pass = passes::cancel(&state, &caller, PassId::from_uuid(*id)).await?;
    Ok(web::Json(PassDto::new(&pass, shows_phone(&caller, &pass))))
}

/// Marks a visitor's arrival: 201 with the visit; 409 `already_on_site`
/// with the open visit when another desk marked it first; 422
/// `pass_not_valid` or `blocklisted` (send `override_reason`).
#[utoipa::path(
    tag = "passes",
    params(("id" = Uuid, Path)),
    request_body = ArrivalRequest,
    responses(
        (status = 201, body = MarkedDto),
        (status = 409, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/passes/{id}/arrival")]
pub async fn mark_arrival(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<web::Json<ArrivalRequest>>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.and_then(|b| b.into_inner().override_reason);
    let marked = passes::arrive(&state, &caller, PassId::from_uuid(*id), reason.as_deref()).await?;
    let dto = MarkedDto::from(&marked);
    Ok(match marked {
        Marked::Arrived { .. } => HttpResponse::Created().json(dto),
        Marked::AlreadyOnSite { .. } => {
            let error = ApiError::from(AppError::Rule(Rule::AlreadyOnSite));
            let mut body = serde_json::to_value(error.body(caller.t(), None)).unwrap_or_default();
            if let Some(map) = body.as_object_mut() {
                map.insert("visit".to_owned(), serde_json::to_value(&dto.visit).unwrap_or_default());
            }
            HttpResponse::Conflict().json(body)
        }
    })
}

/// Marks a visitor's departure (never refused for the time).
#[utoipa::path(
    tag = "passes",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = MarkedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/passes/{id}/departure")]
pub async fn mark_departure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MarkedDto>, ApiError> {
    let visit = passes::depart(&state, &caller, PassId::from_uuid(*id)).await?;
    Ok(web::Json(MarkedDto { visit: Some(VisitDto::from(&visit)) }))
}

/// Rings the pass's host from the desk: the caller's phone (their
/// extension) rings first, then the PBX dials the first phone on the host's
/// card. 204: the PBX was asked; the number is never returned. 422
/// `no_host_phone`, `no_extension` or `dialer_unavailable`.
#[utoipa::path(
    tag = "passes",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/passes/{id}/call-host")]
pub async fn call_host(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    passes::call_host(&state, &caller, PassId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct VisitQuery {
    pub building_id: Option<String>,
    /// `true`: who is on site now; otherwise the last day's log.
    pub on_site: Option<bool>,
}

/// A building's visits: on site now, or the last 24 hours.
#[utoipa::path(
    tag = "passes",
    params(VisitQuery),
    responses((status = 200, body = VisitList), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/visits")]
pub async fn list_visits(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<VisitQuery>,
) -> Result<web::Json<VisitList>, ApiError> {
    let building = building_param(query.building_id.as_deref())?;
    let since = Utc::now() - Duration::hours(24);
    let visits = passes::visits(&state, &caller, building, query.on_site.unwrap_or(false), since).await?;
    Ok(web::Json(VisitList { items: visits.iter().map(VisitDto::from).collect(), next_cursor: None }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BlocklistQuery {
    pub building_id: Option<String>,
}

/// The blocklist entries that apply in a building.
#[utoipa::path(
    tag = "passes",
    params(BlocklistQuery),
    responses((status = 200, body = Vec<BlockedDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/blocklist")]
pub async fn list_blocklist(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<BlocklistQuery>,
) -> Result<web::Json<Vec<BlockedDto>>, ApiError> {
    let building = building_param(query.building_id.as_deref())?;
    Ok(web::Json(passes::blocklist(&state, &caller, building).await?.iter().map(BlockedDto::from).collect()))
}

/// Adds a blocklist entry (building management there; company-wide without
/// `building_id`).
#[utoipa::path(
    tag = "passes",
    request_body = BlockInput,
    responses((status = 201, body = BlockedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/blocklist")]
pub async fn create_block(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<BlockInput>,
) -> Result<HttpResponse, ApiError> {
    let entry = passes::block(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(BlockedDto::from(&entry)))
}

#[utoipa::path(
    tag = "passes",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/api/v1/blocklist/{id}")]
pub async fn delete_block(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    passes::unblock(&state, &caller, BlockEntryId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Writes down a visitor who came without a pass: a one-time pass waiting
/// for the host's answer (`status` `requested`). Desks of the building.
#[utoipa::path(
    tag = "passes",
    request_body = VisitRequest,
    responses((status = 201, body = PassDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/passes/requests")]
pub async fn request_visit(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<VisitRequest>,
) -> Result<HttpResponse, ApiError> {
    let pass = passes::request_visit(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(PassDto::new(&pass, shows_phone(&caller, &pass))))
}

/// The host (or staff issuing passes there) lets an on-the-spot visitor in.
#[utoipa::path(
    tag = "passes",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PassDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/passes/{id}/approve")]
pub async fn approve_pass(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PassDto>, ApiError> {
    let pass = passes::decide(&state, &caller, PassId::from_uuid(*id), true).await?;
    Ok(web::Json(PassDto::new(&pass, shows_phone(&caller, &pass))))
}

/// The host (or staff issuing passes there) refuses an on-the-spot visitor.
#[utoipa::path(
    tag = "passes",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PassDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/passes/{id}/deny")]
pub async fn deny_pass(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PassDto>, ApiError> {
    let pass = passes::decide(&state, &caller, PassId::from_uuid(*id), false).await?;
    Ok(web::Json(PassDto::new(&pass, shows_phone(&caller, &pass))))
}
