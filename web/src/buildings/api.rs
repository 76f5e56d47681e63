//! `/api/v1/buildings`.

use actix_web::{HttpResponse, get, post, put, web};
use uuid::Uuid;

use domovoy_domain::ids::BuildingId;

use crate::auth::Caller;
use crate::buildings::dto::{BuildingDto, BuildingRequest};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use domovoy_app::buildings::{self, BuildingInput};

fn input(body: BuildingRequest) -> BuildingInput {
    BuildingInput { name: body.name, address: body.address, kind: body.kind, time_zone: body.time_zone }
}

/// The buildings the caller may see, by name.
#[utoipa::path(
    tag = "buildings",
    responses((status = 200, body = Vec<BuildingDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/buildings")]
pub async fn list_buildings(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<BuildingDto>>, ApiError> {
    Ok(web::Json(buildings::list(&state, &caller).await?.iter().map(BuildingDto::from).collect()))
}

/// Creates a building (building management for all buildings).
#[utoipa::path(
    tag = "buildings",
    request_body = BuildingRequest,
    responses((status = 201, body = BuildingDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/buildings")]
pub async fn create_building(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<BuildingRequest>,
) -> Result<HttpResponse, ApiError> {
    let building = buildings::create(&state, &caller, &input(body.into_inner())).await?;
    Ok(HttpResponse::Created().json(BuildingDto::from(&building)))
}

/// One building.
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = BuildingDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/buildings/{id}")]
pub async fn get_building(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<BuildingDto>, ApiError> {
    let building = buildings::get(&state, &caller, BuildingId::from_uuid(*id)).await?;
    Ok(web::Json(BuildingDto::from(&building)))
}

/// Changes a building's card.
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    request_body = BuildingRequest,
    responses((status = 200, body = BuildingDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/api/v1/buildings/{id}")]
pub async fn update_building(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<BuildingRequest>,
) -> Result<web::Json<BuildingDto>, ApiError> {
    let building = buildings::update(&state, &caller, BuildingId::from_uuid(*id), &input(body.into_inner())).await?;
    Ok(web::Json(BuildingDto::from(&building)))
}
