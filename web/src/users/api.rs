//! `/api/v1/users`: user administration (permission `admin.users`).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::account::AccountKind;
use domovoy_domain::ids::{AssignmentId, RoleId, UserId};
use domovoy_store::users::UserFilter;

use crate::account::dto::ProfileRequest;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::users::dto::{AssignmentDto, CreatedUserDto, GrantRequest, NewUserRequest, PasswordResetDto, UserDto};
use domovoy_app::users::{self, NewUserInput, parse_scope};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Words to find in login, name, phone or e-mail.
    pub q: Option<String>,
    /// `staff` or `resident`.
    pub kind: Option<String>,
    /// Include disabled accounts.
    pub include_disabled: Option<bool>,
    /// The last login of the previous page.
    pub after: Option<String>,
    /// Page size, 1–500 (default 100).
    pub limit: Option<u32>,
}

/// Lists accounts, by login.
#[utoipa::path(
    tag = "users",
    params(UserQuery),
    responses((status = 200, body = Vec<UserDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UserQuery>,
) -> Result<web::Json<Vec<UserDto>>, ApiError> {
    let kind = match query.kind.as_deref() {
        None | Some("") => None,
        Some(code) => Some(code.parse::<AccountKind>().map_err(|e| ApiError::field("kind", e))?),
    };
    let filter = UserFilter {
        text: query.q.clone(),
        kind,
        include_disabled: query.include_disabled.unwrap_or(false),
        after_login: query.after.clone(),
        limit: query.limit.unwrap_or(100).clamp(1, 500),
    };
    let list = users::list(&state, &caller, &filter).await?;
    Ok(web::Json(list.iter().map(UserDto::from).collect()))
}

/// Creates an account; without a password one is generated and returned once.
#[utoipa::path(
    tag = "users",
    request_body = NewUserRequest,
    responses((status = 201, body = CreatedUserDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let created = users::create(
        &state,
        &caller,
        NewUserInput {
            kind: body.kind,
            login: body.login,
            display_name: body.display_name,
            email: body.email,
            phone: body.phone,
            locale: body.locale,
            password: body.password,
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .json(CreatedUserDto { user: UserDto::from(&created.user), initial_password: created.generated_password }))
}

/// One account: administrators see any, every account sees itself.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserDto>, ApiError> {
    let user = users::get(&state, &caller, UserId::from_uuid(*id)).await?;
    Ok(web::Json(UserDto::from(&user)))
}

/// Changes an account's profile.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    request_body = ProfileRequest,
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/api/v1/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ProfileRequest>,
) -> Result<web::Json<UserDto>, ApiError> {
    let user = users::patch_profile(&state, &caller, UserId::from_uuid(*id), body.into_inner().into()).await?;
    Ok(web::Json(UserDto::from(&user)))
}

/// Disables an account and ends its sessions.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/users/{id}/disable")]
pub async fn disable_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserDto>, ApiError> {
    let user = users::set_disabled(&state, &caller, UserId::from_uuid(*id), true).await?;
    Ok(web::Json(UserDto::from(&user)))
}

/// Re-enables an account.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/users/{id}/enable")]
pub async fn enable_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserDto>, ApiError> {
    let user = users::set_disabled(&state, &caller, UserId::from_uuid(*id), false).await?;
    Ok(web::Json(UserDto::from(&user)))
}

/// Lifts a sign-in lockout before it expires.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/users/{id}/unlock")]
pub async fn unlock_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    users::unlock(&state, &caller, UserId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets a generated password and ends all the account's sessions.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PasswordResetDto), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/users/{id}/password-reset")]
pub async fn reset_password(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PasswordResetDto>, ApiError> {
    let password = users::reset_password(&state, &caller, UserId::from_uuid(*id)).await?;
    Ok(web::Json(PasswordResetDto { password }))
}

/// The account's roles and where they apply.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<AssignmentDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/users/{id}/assignments")]
pub async fn list_assignments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<AssignmentDto>>, ApiError> {
    let list = users::assignments_of(&state, &caller, UserId::from_uuid(*id)).await?;
    Ok(web::Json(list.iter().map(AssignmentDto::from).collect()))
}

/// Grants a role for one building, all buildings, or (residents) their own things.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    request_body = GrantRequest,
    responses((status = 201, body = AssignmentDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/users/{id}/assignments")]
pub async fn grant_role(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<GrantRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = parse_scope(Some(&body.scope)).map_err(|e| ApiError::field("scope", e))?;
    let assignment =
        users::grant(&state, &caller, UserId::from_uuid(*id), RoleId::from_uuid(body.role_id), scope).await?;
    Ok(HttpResponse::Created().json(AssignmentDto::from(&assignment)))
}

/// Takes a role away.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "Assignment id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/api/v1/assignments/{id}")]
pub async fn revoke_role(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    users::revoke(&state, &caller, AssignmentId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
