//! `/api/v1/me`: the caller's own account.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

use domovoy_domain::ids::TokenId;
use domovoy_domain::permission::Permission;

use crate::account::dto::{MeDto, NewTokenDto, NewTokenRequest, PasswordChangeRequest, ProfileRequest, TokenDto};
use crate::auth::{AuthVia, Caller};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::users::dto::{GrantDto, UserDto};
use domovoy_app::{account, users};

/// The caller's account, grants and permissions.
#[utoipa::path(tag = "me", responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/me")]
pub async fn get_me(caller: Caller) -> web::Json<MeDto> {
    web::Json(MeDto {
        user: UserDto::from(caller.user()),
        grants: caller.principal().grants().iter().map(GrantDto::from).collect(),
        permissions: caller.principal().permissions_anywhere().iter().map(Permission::code).collect(),
        csrf_token: (caller.via == AuthVia::Cookie).then(|| caller.csrf.clone()),
    })
}

/// Changes the caller's name, contacts or interface language.
#[utoipa::path(
    tag = "me",
    request_body = ProfileRequest,
    responses((status = 200, body = UserDto), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/api/v1/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ProfileRequest>,
) -> Result<web::Json<UserDto>, ApiError> {
    let user = users::patch_profile(&state, &caller, caller.user().id, body.into_inner().into()).await?;
    Ok(web::Json(UserDto::from(&user)))
}

/// Changes the caller's password; other sessions and tokens are revoked.
#[utoipa::path(
    tag = "me",
    request_body = PasswordChangeRequest,
    responses((status = 204), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<PasswordChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    account::change_password(&state, &caller, &body.current_password, &body.new_password, None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's live sessions and tokens.
#[utoipa::path(tag = "me", responses((status = 200, body = Vec<TokenDto>)), security(("bearer" = [])))]
#[get("/api/v1/me/tokens")]
pub async fn list_tokens(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Vec<TokenDto>>, ApiError> {
    let list = account::tokens(&state, &caller).await?;
    Ok(web::Json(list.iter().map(|t| TokenDto::new(t, caller.token.id)).collect()))
}

/// Creates an API token for integrations; the secret is in this response only.
#[utoipa::path(
    tag = "me",
    request_body = NewTokenRequest,
    responses((status = 201, body = NewTokenDto), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/me/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let (info, secret) = account::create_api_token(&state, &caller, &body.name).await?;
    Ok(HttpResponse::Created().json(NewTokenDto { token: secret, info: TokenDto::new(&info, caller.token.id) }))
}

/// Revokes one of the caller's sessions or tokens.
#[utoipa::path(
    tag = "me",
    params(("id" = Uuid, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/api/v1/me/tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    account::revoke_token(&state, &caller, TokenId::from_uuid(id.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}
