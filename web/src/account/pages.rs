//! The caller's own profile, password, sessions and API tokens.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::ids::TokenId;
use domovoy_domain::password::NewPassword;
use domovoy_store::tokens::TokenKind;

use crate::auth::csrf::NoFields;
use crate::auth::{CsrfForm, PageCaller};
use crate::error::PageError;
use crate::i18n::Catalog;
use crate::pages::{
    Chrome, DoneQuery, FormFailure, Section, fmt_opt_time, fmt_time, html_with_status, locales, notice, see_other,
};
use crate::state::AppState;
use domovoy_app::account;
use domovoy_app::users::{self, ProfileInput};

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    display_name: String,
    email: Option<String>,
    phone: Option<String>,
    locale: Option<String>,
}

#[derive(Debug)]
struct TokenLine {
    id: String,
    kind: &'static str,
    name: String,
    ip: String,
    created: String,
    last_used: String,
    expires: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    login: String,
    profile: ProfileView,
    locales: Vec<(&'static str, &'static str)>,
    tokens: Vec<TokenLine>,
    new_token: Option<String>,
    errors: Vec<(String, String)>,
    password_min: usize,
}

/// Profile fields as shown in a form.
#[derive(Debug, Default)]
pub struct ProfileView {
    pub display_name: String,
    pub email: String,
    pub phone: String,
    pub locale: &'static str,
}

impl ProfileView {
    pub fn of(user: &domovoy_domain::account::User) -> Self {
        Self {
            display_name: user.display_name.to_string(),
            email: user.email.as_ref().map(ToString::to_string).unwrap_or_default(),
            phone: user.phone.as_ref().map(ToString::to_string).unwrap_or_default(),
            locale: user.locale.code(),
        }
    }
}

fn kind_label(t: &Catalog, kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Session => t.token_kind_session,
        TokenKind::Api => t.token_kind_api,
        TokenKind::Device => t.token_kind_device,
    }
}

async fn render(
    state: &AppState,
    caller: &PageCaller,
    status: StatusCode,
    done: Option<&str>,
    failure: FormFailure,
    profile: Option<ProfileView>,
    new_token: Option<String>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let tz = state.config.display_time_zone;
    let tokens = account::tokens(state, caller)
        .await?
        .into_iter()
        .map(|token| TokenLine {
            id: token.id.to_string(),
            kind: kind_label(t, token.kind),
            name: domovoy_domain::account::readable_session_name(&token.name),
            ip: token.ip.clone().unwrap_or_default(),
            created: fmt_time(token.created_at, tz),
            last_used: fmt_time(token.last_used_at, tz),
            expires: fmt_opt_time(token.expires_at, tz, t),
            current: token.id == caller.token.id,
        })
        .collect();
    let page = AccountPage {
        t,
        chrome: Chrome::new(caller, Section::Account, "/account")
            .with_notice(notice(t, done))
            .with_error(failure.message),
        login: caller.user().login.to_string(),
        profile: profile.unwrap_or_else(|| ProfileView::of(caller.user())),
        locales: locales(t),
        tokens,
        new_token,
        errors: failure.fields,
        password_min: NewPassword::MIN,
    };
    html_with_status(&page, status)
}

#[get("/account")]
pub async fn show_account(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    render(&state, &caller, StatusCode::OK, query.done.as_deref(), FormFailure::default(), None, None).await
}

#[post("/account/profile")]
pub async fn save_profile(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<ProfileForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let input = ProfileInput {
        display_name: form.display_name.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        locale: form.locale.clone(),
    };
    match users::update_profile(&state, &caller, caller.user().id, &input).await {
        Ok(user) => {
            let mut response = see_other("/account?done=saved");
            response
                .add_cookie(&crate::account::sign_in::lang_cookie(&state, user.locale))
                .map_err(PageError::internal)?;
            Ok(response)
        }
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            let view = ProfileView {
                display_name: form.display_name,
                email: form.email.unwrap_or_default(),
                phone: form.phone.unwrap_or_default(),
                locale: caller.user().locale.code(),
            };
            render(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, Some(view), None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    repeat_password: String,
}

#[post("/account/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    match account::change_password(
        &state,
        &caller,
        &form.current_password,
        &form.new_password,
        Some(&form.repeat_password),
    )
    .await
    {
        Ok(()) => Ok(see_other("/account?done=password_changed")),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, None, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
}

/// Creates an API token and shows its secret once, on this response only.
#[post("/account/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    match account::create_api_token(&state, &caller, &form.0.name).await {
        Ok((_, secret)) => {
            render(&state, &caller, StatusCode::OK, None, FormFailure::default(), None, Some(secret)).await
        }
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, None, None).await
        }
    }
}

#[post("/account/tokens/{id}/revoke")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    account::revoke_token(&state, &caller, TokenId::from_uuid(*id)).await?;
    Ok(see_other("/account?done=token_revoked"))
}
