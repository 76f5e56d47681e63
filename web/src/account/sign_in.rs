//! Signing in and out in the browser, and the language switch.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use domovoy_domain::account::Locale;
use domovoy_store::tokens::TokenKind;

use crate::assets;
use crate::auth::csrf::NoFields;
use crate::auth::{CSRF_COOKIE, CsrfForm, LANG_COOKIE, MaybeCaller, PageCaller, RequestContext, SESSION_COOKIE};
use crate::pages::{html_with_status, safe_next, see_other};
use domovoy_app::AppError;
use domovoy_app::auth::{SignInRequest, SignedIn, sign_in, sign_out};
use domovoy_app::secret::new_secret;
use domovoy_app::sign_in_code::{self, CodeSignIn};

use crate::error::PageError;
use crate::i18n::Catalog;
use crate::state::AppState;
use domovoy_app::users::{self, ProfileInput};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'a Catalog,
    css: String,
    csrf: String,
    view: LoginView,
    /// Residents may ask for a code by SMS (the server has `[sms]`).
    by_code: bool,
    switch_to: &'static str,
}

/// Which form the sign-in page shows, with what was typed.
#[derive(Debug, Default)]
struct LoginView {
    mode: Mode,
    next: String,
    login: String,
    phone: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A login and a password.
    #[default]
    Password,
    /// A resident's number, to text a code to.
    Phone,
    /// The code that was texted.
    Code,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    done: Option<String>,
}

fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.web().secure_cookies)
        .finish()
}

/// The interface language cookie: a year, readable by the page's script.
pub fn lang_cookie(state: &AppState, locale: Locale) -> Cookie<'static> {
    Cookie::build(LANG_COOKIE, locale.code())
        .path("/")
        .same_site(SameSite::Lax)
        .secure(state.web().secure_cookies)
        .max_age(CookieDuration::days(365))
        .finish()
}

fn render(state: &AppState, req: &HttpRequest, status: StatusCode, view: LoginView) -> Result<HttpResponse, PageError> {
    let t = RequestContext::of(req).t();
    // The anonymous form's CSRF token: reuse the cookie so that several
    // open tabs keep working, create it on the first visit.
    let csrf = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_else(new_secret);
    let page = LoginPage {
        t,
        css: assets::url("app.css"),
        csrf: csrf.clone(),
        view,
        by_code: state.config.sms_enabled(),
        switch_to: t.switch_language_to.code(),
    };
    let mut response = html_with_status(&page, status)?;
    let cookie = Cookie::build(CSRF_COOKIE, csrf)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.web().secure_cookies)
        .finish();
    response.add_cookie(&cookie).map_err(PageError::internal)?;
    Ok(response)
}

/// The session's cookies after a sign-in, and on to `next`.
fn signed_in_response(state: &AppState, signed_in: SignedIn, next: &str) -> Result<HttpResponse, PageError> {
    let mut response = see_other(next);
    response.add_cookie(&session_cookie(state, signed_in.secret)).map_err(PageError::internal)?;
    response.add_cookie(&lang_cookie(state, signed_in.user.locale)).map_err(PageError::internal)?;
    let mut spent = Cookie::build(CSRF_COOKIE, "").path("/").finish();
    spent.make_removal();
    response.add_cookie(&spent).map_err(PageError::internal)?;
    Ok(response)
}

/// The sign-in page; signed-in visitors go straight on.
#[get("/login")]
pub async fn show_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeCaller,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(query.next.as_deref());
    if caller.0.is_some() {
        return Ok(see_other(next));
    }
    let t = RequestContext::of(&req).t();
    let notice = (query.done.as_deref() == Some("signed_out")).then(|| t.signed_out.to_owned());
    render(&state, &req, StatusCode::OK, LoginView { next: next.to_owned(), notice, ..LoginView::default() })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// Checks the credentials, opens a browser session and goes on to `next`.
#[post("/login")]
pub async fn submit_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let context = RequestContext::of(&req);
    let next = safe_next(form.next.as_deref()).to_owned();
    let request = SignInRequest {
        login: &form.login,
        password: form.password,
        kind: TokenKind::Session,
        token_name: domovoy_domain::account::device_name(context.user_agent.as_deref().unwrap_or_default()),
        origin: &context.origin(),
    };
    match sign_in(&state, request).await {
        Ok(signed_in) => signed_in_response(&state, signed_in, &next),
        Err(error @ (AppError::InvalidCredentials | AppError::AccountDisabled | AppError::TooManyRequests { .. })) => {
            let message = crate::error::message_of(&error, context.t());
            let view = LoginView { next, login: form.login, error: Some(message), ..LoginView::default() };
            render(&state, &req, crate::error::status_of(&error), view)
        }
        Err(other) => Err(other.into()),
    }
}

/// The form that asks a resident's number for a code.
#[get("/login/code")]
pub async fn show_code_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeCaller,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(query.next.as_deref());
    if caller.0.is_some() {
        return Ok(see_other(next));
    }
    render(&state, &req, StatusCode::OK, LoginView { mode: Mode::Phone, next: next.to_owned(), ..LoginView::default() })
}

#[derive(Debug, Deserialize)]
pub struct CodeRequestForm {
    phone: String,
    next: Option<String>,
}

/// Texts a code to the number, then asks for it.
#[post("/login/code")]
pub async fn request_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<CodeRequestForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let context = RequestContext::of(&req);
    let t = context.t();
    let next = safe_next(form.next.as_deref()).to_owned();
    match sign_in_code::send_code(&state, &form.phone, &t.code_text, &context.origin()).await {
        Ok(sent) => {
            let view = LoginView {
                mode: Mode::Code,
                next,
                phone: sent.phone.e164().to_owned(),
                notice: Some((t.code_sent)(&sent.phone.to_string())),
                ..LoginView::default()
            };
            render(&state, &req, StatusCode::OK, view)
        }
        Err(error @ (AppError::Validation(_) | AppError::Rule(_) | AppError::TooManyRequests { .. })) => {
            let message = match &error {
                AppError::Validation(_) => t.code_invalid_phone.to_owned(),
                _ => crate::error::message_of(&error, t),
            };
            let view =
                LoginView { mode: Mode::Phone, next, phone: form.phone, error: Some(message), ..LoginView::default() };
            render(&state, &req, crate::error::status_of(&error), view)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    phone: String,
    code: String,
    next: Option<String>,
}

/// Opens a browser session with the texted code and goes on to `next`.
#[post("/login/code/sign-in")]
pub async fn submit_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let context = RequestContext::of(&req);
    let t = context.t();
    let next = safe_next(form.next.as_deref()).to_owned();
    let request = CodeSignIn {
        phone: &form.phone,
        code: &form.code,
        kind: TokenKind::Session,
        token_name: domovoy_domain::account::device_name(context.user_agent.as_deref().unwrap_or_default()),
        origin: &context.origin(),
    };
    match sign_in_code::sign_in(&state, request).await {
        Ok(signed_in) => signed_in_response(&state, signed_in, &next),
        Err(
            error @ (AppError::InvalidCredentials
            | AppError::Validation(_)
            | AppError::AccountDisabled
            | AppError::TooManyRequests { .. }),
        ) => {
            let message = match &error {
                AppError::InvalidCredentials | AppError::Validation(_) => t.code_wrong.to_owned(),
                _ => crate::error::message_of(&error, t),
            };
            let view =
                LoginView { mode: Mode::Code, next, phone: form.phone, error: Some(message), ..LoginView::default() };
            render(&state, &req, crate::error::status_of(&error), view)
        }
        Err(other) => Err(other.into()),
    }
}

/// Ends the browser session.
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    caller: PageCaller,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    sign_out(&state, &caller).await?;
    let mut response = see_other("/login?done=signed_out");
    let mut cookie = session_cookie(&state, String::new());
    cookie.make_removal();
    response.add_cookie(&cookie).map_err(PageError::internal)?;
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// Switches the interface language; for a signed-in user it is also saved
/// in their profile, so it follows them to other computers.
#[post("/language")]
pub async fn switch_language(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    form: CsrfForm<LanguageForm>,
) -> Result<HttpResponse, PageError> {
    let locale: Locale = form.0.lang.parse().map_err(|_| PageError::BadForm)?;
    if let Some(caller) = caller.0 {
        let user = caller.user();
        let input = ProfileInput {
            display_name: user.display_name.to_string(),
            email: user.email.as_ref().map(ToString::to_string),
            phone: user.phone.as_ref().map(|p| p.e164().to_owned()),
            locale: Some(locale.code().to_owned()),
        };
        users::update_profile(&state, &caller, user.id, &input).await?;
    }
    let mut response = see_other(safe_next(form.0.next.as_deref()));
    response.add_cookie(&lang_cookie(&state, locale)).map_err(PageError::internal)?;
    Ok(response)
}
