//! `/api/v1/outages`: register, list, read and close outages.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_app::outages::{self, Listed, NoticeInput, OutageInput, OutageView};
use domovoy_domain::ids::{BuildingId, OutageId, SectionId};
use domovoy_domain::outage::{Outage, TIME_FORMAT};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::mailings::api::AudienceDto;
use crate::state::AppState;

/// An outage.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutageDto {
    pub id: Uuid,
    /// `cold_water`, `hot_water`, `heating`, `electricity`, `gas`,
    /// `sewerage`, `elevator`, `other`.
    pub kind: &'static str,
    pub details: String,
    /// Every building it touches, and their names in the same order.
    pub building_ids: Vec<Uuid>,
    pub building_names: Vec<String>,
    /// The sections named (empty: the buildings whole).
    pub section_ids: Vec<Uuid>,
    /// Expected, on the buildings' clocks: `2026-12-10T09:00`.
    pub starts_at: String,
    pub ends_at: String,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The opening and closing notices (mailings).
    pub notice_id: Option<Uuid>,
    pub closing_notice_id: Option<Uuid>,
}

impl OutageDto {
    fn new(outage: &Outage, building_names: &[String]) -> Self {
        Self {
            id: outage.id.as_uuid(),
            kind: outage.kind.code(),
            details: outage.details.clone(),
            building_ids: outage.building_ids.iter().map(|b| b.as_uuid()).collect(),
            building_names: building_names.to_vec(),
            section_ids: outage.audience.section_ids.iter().map(|s| s.as_uuid()).collect(),
            starts_at: outage.starts_at.format(TIME_FORMAT).to_string(),
            ends_at: outage.ends_at.format(TIME_FORMAT).to_string(),
            opened_at: outage.opened_at,
            closed_at: outage.closed_at,
            notice_id: outage.notice_id.map(|m| m.as_uuid()),
            closing_notice_id: outage.closing_notice_id.map(|m| m.as_uuid()),
        }
    }
}

impl From<&Listed> for OutageDto {
    fn from(listed: &Listed) -> Self {
        Self::new(&listed.outage, &listed.building_names)
    }
}

/// An outage with what it did.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutageDetailDto {
    #[serde(flatten)]
    pub outage: OutageDto,
    pub units: i64,
    /// Linked tickets the caller may read, the newest first.
    pub ticket_ids: Vec<Uuid>,
    pub notice_title: String,
    pub notice_body: String,
    /// The notices' deliveries by state (`queued`, `sent`, `failed`, …).
    pub notice_counts: BTreeMap<&'static str, i64>,
    pub closing_notice_counts: BTreeMap<&'static str, i64>,
}

impl From<&OutageView> for OutageDetailDto {
    fn from(view: &OutageView) -> Self {
        Self {
            outage: OutageDto::new(&view.outage, &view.building_names),
            units: view.units,
            ticket_ids: view.tickets.iter().map(|t| t.id.as_uuid()).collect(),
            notice_title: view.notice_title.clone(),
            notice_body: view.notice_body.clone(),
            notice_counts: view.notice.iter().map(|(s, n)| (s.code(), *n)).collect(),
            closing_notice_counts: view.closing_notice.iter().map(|(s, n)| (s.code(), *n)).collect(),
        }
    }
}

/// An outage to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OutageRequest {
    /// `cold_water`, `hot_water`, `heating`, `electricity`, `gas`,
    /// `sewerage`, `elevator`, `other`.
    pub kind: String,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub building_ids: Vec<BuildingId>,
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub section_ids: Vec<SectionId>,
    /// Expected start on the buildings' clocks, `2026-12-10T09:00`.
    pub starts_at: String,
    /// Expected end, same form.
    pub ends_at: String,
    /// The emergency notice; left out (or a part empty), it is written
    /// from the kind, the times and the details in the caller's language.
    pub notice: Option<NoticeInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedDto {
    #[serde(flatten)]
    pub outage: OutageDto,
    pub units: i64,
    pub tickets_linked: i64,
    /// Whom the notice reached.
    pub notice: AudienceDto,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only those in effect.
    #[serde(default)]
    pub open: bool,
}

/// Outages the caller sees (they read tickets, receive calls or manage
/// outages in one of its buildings): those in effect first.
#[utoipa::path(tag = "outages", params(ListQuery), responses((status = 200, body = Vec<OutageDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/outages")]
pub async fn list_outages(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Vec<OutageDto>>, ApiError> {
    Ok(web::Json(outages::list(&state, &caller, query.open).await?.iter().map(OutageDto::from).collect()))
}

/// Registers an outage: selects the units of its buildings and sections,
/// sends their residents the emergency notice (every channel the server
/// sends by, consents aside; push to those with the app), links their open
/// tickets, and shows the banner to dispatchers; all in one transaction.
/// Needs `outages.manage` in every building touched.
#[utoipa::path(
    tag = "outages",
    request_body = OutageRequest,
    responses((status = 201, body = OpenedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/outages")]
pub async fn open_outage(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OutageRequest>,
) -> Result<HttpResponse, ApiError> {
    let t = caller.t();
    let body = body.into_inner();
    let notice = super::opening_notice(t, body.notice, &body.kind, &body.starts_at, &body.ends_at, &body.details);
    let input = OutageInput {
        kind: body.kind,
        details: body.details,
        building_ids: body.building_ids,
        section_ids: body.section_ids,
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        notice,
    };
    let opened = outages::open(&state, &caller, &input, &t.ml.footer).await?;
    Ok(HttpResponse::Created().json(OpenedDto {
        outage: OutageDto::new(&opened.outage, &opened.building_names),
        units: opened.units,
        tickets_linked: opened.tickets,
        notice: AudienceDto::from(&opened.reach),
    }))
}

#[utoipa::path(tag = "outages", params(("id" = Uuid, Path)), responses((status = 200, body = OutageDetailDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/outages/{id}")]
pub async fn get_outage(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OutageDetailDto>, ApiError> {
    Ok(web::Json(OutageDetailDto::from(&outages::get(&state, &caller, OutageId::from_uuid(*id)).await?)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CloseRequest {
    /// The closing notice; left out (or a part empty), it is written in the
    /// caller's language.
    pub notice: Option<NoticeInput>,
}

/// Closes an outage and tells those its notice went to that it is over,
/// in one transaction. Closed already → 409 `outage_closed`.
#[utoipa::path(tag = "outages", params(("id" = Uuid, Path)), request_body = CloseRequest, responses((status = 200, body = AudienceDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/outages/{id}/close")]
pub async fn close_outage(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<web::Json<CloseRequest>>,
) -> Result<web::Json<AudienceDto>, ApiError> {
    let t = caller.t();
    let id = OutageId::from_uuid(*id);
    let written = body.map(|b| b.into_inner()).unwrap_or_default().notice;
    let words = |kind| super::closing_notice(t, written.clone(), kind);
    let (_, reach) = outages::close(&state, &caller, id, &words, &t.ml.footer).await?;
    Ok(web::Json(AudienceDto::from(&reach)))
}
