//! `/api/v1/roles` and `/api/v1/permissions`: the role model.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use uuid::Uuid;

use domovoy_domain::ids::RoleId;
use domovoy_domain::permission::Permission;

use crate::auth::{Caller, RequestContext};
use crate::error::{ApiError, ErrorBody};
use crate::roles::dto::{PermissionDto, RoleDto, RoleRequest};
use crate::state::AppState;
use domovoy_app::roles::{self, RoleInput};

/// The fixed permission catalog roles are composed from.
#[utoipa::path(tag = "roles", responses((status = 200, body = Vec<PermissionDto>)), security(("bearer" = [])))]
#[get("/api/v1/permissions")]
pub async fn list_permissions(_caller: Caller, req: HttpRequest) -> web::Json<Vec<PermissionDto>> {
    let t = RequestContext::of(&req).t();
    web::Json(Permission::ALL.iter().map(|p| PermissionDto::new(*p, t)).collect())
}

/// Every role.
#[utoipa::path(
    tag = "roles",
    responses((status = 200, body = Vec<RoleDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/roles")]
pub async fn list_roles(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Vec<RoleDto>>, ApiError> {
    Ok(web::Json(roles::list(&state, &caller).await?.iter().map(RoleDto::from).collect()))
}

fn input(body: RoleRequest) -> RoleInput {
    RoleInput {
        name: body.name,
        description: body.description,
        permissions: body.permissions,
        account_kind: body.account_kind,
    }
}

/// Composes a new role.
#[utoipa::path(
    tag = "roles",
    request_body = RoleRequest,
    responses((status = 201, body = RoleDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/roles")]
pub async fn create_role(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let role = roles::create(&state, &caller, &input(body.into_inner())).await?;
    Ok(HttpResponse::Created().json(RoleDto::from(&role)))
}

/// Replaces a role's name, description and permissions.
#[utoipa::path(
    tag = "roles",
    params(("id" = Uuid, Path)),
    request_body = RoleRequest,
    responses((status = 200, body = RoleDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/api/v1/roles/{id}")]
pub async fn update_role(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<RoleRequest>,
) -> Result<web::Json<RoleDto>, ApiError> {
    let role = roles::update(&state, &caller, RoleId::from_uuid(*id), &input(body.into_inner())).await?;
    Ok(web::Json(RoleDto::from(&role)))
}

/// Deletes a role that nobody holds.
#[utoipa::path(
    tag = "roles",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/api/v1/roles/{id}")]
pub async fn delete_role(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    roles::delete(&state, &caller, RoleId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
