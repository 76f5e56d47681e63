//! `/api/v1/auth`: sign in for programs and devices, sign out.

use actix_web::{HttpRequest, HttpResponse, post, web};

use domovoy_store::tokens::TokenKind;

use crate::account::dto::{LoginRequest, LoginResponse};
use crate::auth::{Caller, RequestContext};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::users::dto::UserDto;
use domovoy_app::auth::{SignInRequest, sign_in, sign_out};

/// Signs in with a login (or a resident's phone) and password; returns a
/// bearer token for every `/api/v1` route.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 403, description = "Account disabled", body = ErrorBody),
        (status = 429, description = "Account locked or too many attempts", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let context = RequestContext::of(&req);
    let body = body.into_inner();
    let kind = match body.kind.as_deref() {
        None | Some("api") => TokenKind::Api,
        Some("device") => TokenKind::Device,
        Some(_) => return Err(ApiError::field("kind", domovoy_domain::FieldError::Unknown)),
    };
    let token_name = body
        .device_name
        .filter(|n| !n.trim().is_empty())
        .or_else(|| context.user_agent.clone())
        .unwrap_or_else(|| "API".to_owned());
    let signed_in = sign_in(
        &state,
        SignInRequest {
            login: &body.login,
            password: body.password,
            kind,
            token_name: token_name.chars().take(100).collect(),
            origin: &context.origin(),
        },
    )
    .await?;
    Ok(web::Json(LoginResponse {
        token: signed_in.secret,
        expires_at: signed_in.expires_at,
        user: UserDto::from(&signed_in.user),
    }))
}

/// Revokes the token (or ends the session) used for this request.
#[utoipa::path(
    tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/auth/logout")]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    sign_out(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}
