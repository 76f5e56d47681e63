//! `/api/v1/auth`: sign in for programs and devices, sign out.

use actix_web::{HttpRequest, HttpResponse, post, web};

use domovoy_store::tokens::TokenKind;

use crate::account::dto::{CodeLoginRequest, CodeRequest, CodeSentResponse, LoginRequest, LoginResponse};
use crate::auth::{Caller, RequestContext};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::users::dto::UserDto;
use domovoy_app::auth::{SignInRequest, SignedIn, sign_in, sign_out};
use domovoy_app::sign_in_code::{self, CodeSignIn};

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
    let (kind, token_name) = token_of(&context, body.kind.as_deref(), body.device_name)?;
    let signed_in = sign_in(
        &state,
        SignInRequest { login: &body.login, password: body.password, kind, token_name, origin: &context.origin() },
    )
    .await?;
    Ok(web::Json(answer(signed_in)))
}

/// The kind and name of a token asked for (`api` by default, named after
/// the device or the user agent).
fn token_of(
    context: &RequestContext,
    kind: Option<&str>,
    device_name: Option<String>,
) -> Result<(TokenKind, String), ApiError> {
    let kind = match kind {
        None | Some("api") => TokenKind::Api,
        Some("device") => TokenKind::Device,
        Some(_) => return Err(ApiError::field("kind", domovoy_domain::FieldError::Unknown)),
    };
    let name = device_name
        .filter(|n| !n.trim().is_empty())
        .or_else(|| context.user_agent.clone())
        .unwrap_or_else(|| "API".to_owned());
    Ok((kind, name.chars().take(100).collect()))
}

fn answer(signed_in: SignedIn) -> LoginResponse {
    LoginResponse { token: signed_in.secret, expires_at: signed_in.expires_at, user: UserDto::from(&signed_in.user) }
}

/// Sends a one-time sign-in code by SMS to a resident's number. The answer
/// is the same whether or not the number has an account (only then does a
/// text leave). Needs the server's `[sms]`.
#[utoipa::path(
    tag = "auth",
    request_body = CodeRequest,
    responses(
        (status = 202, description = "Sent (if the number has an account)", body = CodeSentResponse),
        (status = 422, description = "Not a phone number, or no SMS gateway", body = ErrorBody),
        (status = 429, description = "Too soon for this number or address, or the number is locked", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/code")]
pub async fn send_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let context = RequestContext::of(&req);
    let t = context.t();
    let sent = sign_in_code::send_code(&state, &body.phone, &t.code_text, &context.origin()).await?;
    Ok(HttpResponse::Accepted().json(CodeSentResponse {
        phone: sent.phone.e164().to_owned(),
        expires_in_secs: sent.expires_in.num_seconds(),
        resend_after_secs: sent.resend_after.num_seconds(),
    }))
}

/// Signs in with the code of the text; returns a bearer token. A wrong,
/// used or expired code → 401; five wrong codes lock the number for 15
/// minutes (429).
#[utoipa::path(
    tag = "auth",
    request_body = CodeLoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong, used or expired code", body = ErrorBody),
        (status = 403, description = "Account disabled", body = ErrorBody),
        (status = 422, description = "Not a phone number or not six digits", body = ErrorBody),
        (status = 429, description = "The number is locked, or too many attempts", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/code/sign-in")]
pub async fn sign_in_with_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<CodeLoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let context = RequestContext::of(&req);
    let body = body.into_inner();
    let (kind, token_name) = token_of(&context, body.kind.as_deref(), body.device_name)?;
    let request = CodeSignIn { phone: &body.phone, code: &body.code, kind, token_name, origin: &context.origin() };
    Ok(web::Json(answer(sign_in_code::sign_in(&state, request).await?)))
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
