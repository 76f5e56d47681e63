//! Layouts, the chessboard, unit cards and search under `/api/v1`.

use actix_web::{HttpResponse, get, post, put, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_domain::ids::{BuildingId, UnitId};
use domovoy_domain::layout::condo::CondoMap;
use domovoy_domain::layout::{Layout, LayoutSpec};
use domovoy_store::layout::Replaced;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::tickets::api::TicketDto;
use domovoy_app::places::{self, Chessboard};
use domovoy_app::search::{self as search_service, SearchParams, SearchResults};
use domovoy_app::tickets::{Lookup, shows_contacts};

/// What a layout change did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplacedDto {
    pub created: usize,
    pub updated: usize,
    pub removed: usize,
}

impl From<Replaced> for ReplacedDto {
    fn from(r: Replaced) -> Self {
        Self { created: r.created, updated: r.updated, removed: r.removed }
    }
}

/// The building's layout as a plan: `{"sections":[{"name","kind","floors":
/// [{"number","name","units":[{"label","kind","area","external_id"}]}]}]}`
/// (floors bottom-up).
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/buildings/{id}/layout")]
pub async fn get_layout(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Layout>, ApiError> {
    let stored = places::get_layout(&state, &caller, BuildingId::from_uuid(*id)).await?;
    Ok(web::Json(stored.to_plan()))
}

/// Replaces the building's layout with a plan (the shape `GET` returns).
/// Units keep their ids where the section, kind and label (or billing id)
/// stay; dropping a unit that tickets or clients name is refused (409).
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    request_body = serde_json::Value,
    responses(
        (status = 200, body = ReplacedDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/buildings/{id}/layout")]
pub async fn put_layout(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<Layout>,
) -> Result<web::Json<ReplacedDto>, ApiError> {
    let done = places::replace_layout(&state, &caller, BuildingId::from_uuid(*id), body.into_inner()).await?;
    Ok(web::Json(done.into()))
}

/// Generates a regular layout: `{"sections":2,"kind":"entrance","first_floor":2,
/// "last_floor":25,"units_per_floor":6,"unit_kind":"apartment","first_number":1,
/// "ground_floor":{"kind":"retail","units_per_section":2},"parking":{"levels":1,"spaces_per_level":40}}`.
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    request_body = serde_json::Value,
    responses(
        (status = 200, body = ReplacedDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/buildings/{id}/layout/generate")]
pub async fn generate_layout(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<LayoutSpec>,
) -> Result<web::Json<ReplacedDto>, ApiError> {
    let done = places::generate_layout(&state, &caller, BuildingId::from_uuid(*id), &body).await?;
    Ok(web::Json(done.into()))
}

/// The layout as condo's `Property.map` JSON.
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/buildings/{id}/layout/condo")]
pub async fn export_condo(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<CondoMap>, ApiError> {
    Ok(web::Json(places::export_condo(&state, &caller, BuildingId::from_uuid(*id)).await?))
}

/// Replaces the layout with condo's `Property.map` JSON.
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    request_body = serde_json::Value,
    responses(
        (status = 200, body = ReplacedDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/buildings/{id}/layout/condo")]
pub async fn import_condo(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<CondoMap>,
) -> Result<web::Json<ReplacedDto>, ApiError> {
    let done = places::import_condo(&state, &caller, BuildingId::from_uuid(*id), &body).await?;
    Ok(web::Json(done.into()))
}

/// The live chessboard: sections, floors top-down, a cell per unit with its
/// overlays. Subscribe to `building:<id>` with `since` = `live_seq` for changes.
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Chessboard), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/buildings/{id}/chessboard")]
pub async fn chessboard(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Chessboard>, ApiError> {
    Ok(web::Json(places::chessboard(&state, &caller, BuildingId::from_uuid(*id)).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPersonDto {
    pub client_id: Uuid,
    pub name: String,
    /// `owner`, `tenant`, `occupant`.
    pub role: &'static str,
    /// The role in the caller's language («Собственник»).
    pub role_label: &'static str,
    /// `1/2`; owners only.
    pub share: Option<String>,
    pub valid_from: Option<chrono::NaiveDate>,
    pub valid_to: Option<chrono::NaiveDate>,
    pub account: Option<String>,
    pub has_account: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitCardDto {
    pub id: Uuid,
    pub building_id: Uuid,
    pub building_name: String,
    /// "кв. 45".
    pub title: String,
    pub label: String,
    pub kind: &'static str,
    pub section: String,
    pub floor: i32,
    pub area: Option<f64>,
    pub external_id: Option<String>,
    /// Empty without client reading.
    pub people: Vec<UnitPersonDto>,
    /// Newest first; empty without ticket reading.
    pub tickets: Vec<TicketDto>,
}

/// A unit: where it is, who is linked to it, its tickets.
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = UnitCardDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/units/{id}")]
pub async fn get_unit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<UnitCardDto>, ApiError> {
    let card = places::unit_card(&state, &caller, UnitId::from_uuid(*id)).await?;
    let lookup = Lookup::load(&state, &card.tickets).await?;
    Ok(web::Json(UnitCardDto {
        id: card.unit.id.as_uuid(),
        building_id: card.unit.building_id.as_uuid(),
        building_name: card.building_name,
        title: card.title,
        label: card.unit.label,
        kind: card.unit.kind.code(),
        section: card.unit.section_name,
        floor: card.unit.floor,
        area: card.unit.area,
        external_id: card.unit.external_id,
        people: card
            .people
            .into_iter()
            .map(|p| UnitPersonDto {
                client_id: p.client_id.as_uuid(),
                name: p.name,
                role: p.link.role.code(),
                role_label: (caller.t().pl.link_role_label)(p.link.role),
                share: p.link.share.map(|s| s.to_string()),
                valid_from: p.link.valid_from,
                valid_to: p.link.valid_to,
                account: p.link.account,
                has_account: p.has_account,
            })
            .collect(),
        tickets: card.tickets.iter().map(|t| TicketDto::with_lookup(t, &lookup, shows_contacts(&caller, t))).collect(),
    }))
}

/// Searches clients, units, tickets and buildings the caller may read.
#[utoipa::path(
    tag = "buildings",
    params(SearchParams),
    responses((status = 200, body = SearchResults)),
    security(("bearer" = []))
)]
#[get("/api/v1/search")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(search_service::search(&state, &caller, &query.q).await?))
}
