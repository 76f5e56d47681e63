//! User administration pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::account::{AccountKind, User};
use domovoy_domain::ids::{AssignmentId, RoleId, UserId};
use domovoy_domain::policy::GrantScope;
use domovoy_store::assignments::Assignment;
use domovoy_store::users::UserFilter;

use crate::account::pages::ProfileView;
use crate::auth::csrf::NoFields;
use crate::auth::{Caller, CsrfForm, PageCaller};
use crate::pages::{
    Chrome, DoneQuery, FormFailure, Section, fmt_opt_time, html, html_with_status, locales, notice, safe_next,
    see_other, url_encode,
};
use domovoy_app::AppError;

use crate::error::PageError;
use crate::i18n::Catalog;
use crate::state::AppState;
use domovoy_app::users::{self, NewUserInput, ProfileInput, parse_scope};
use domovoy_app::{buildings, roles};

/// Accounts per page of the list.
const PAGE_SIZE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    disabled: Option<String>,
    after: Option<String>,
}

#[derive(Debug)]
struct UserLine {
    id: String,
    login: String,
    name: String,
    kind: &'static str,
    last_sign_in: String,
    state: String,
}

#[derive(Debug, Default)]
struct FilterView {
    q: String,
    kind: String,
    disabled: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    kind: String,
    login: String,
    display_name: String,
    email: String,
    phone: String,
    password: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    filter: FilterView,
    users: Vec<UserLine>,
    next_page: Option<String>,
    form: NewUserForm,
    errors: Vec<(String, String)>,
}

fn state_text(user: &User, t: &Catalog) -> String {
    if user.is_disabled() {
        t.state_disabled.to_owned()
    } else if user.failed_logins > 0 {
        t.failed_sign_ins(user.failed_logins)
    } else {
        t.state_active.to_owned()
    }
}

async fn render_list(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    query: &ListQuery,
    status: StatusCode,
    form: NewUserForm,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let tz = state.config.display_time_zone;
    let kind = match query.kind.as_deref() {
        Some("staff") => Some(AccountKind::Staff),
        Some("resident") => Some(AccountKind::Resident),
        _ => None,
    };
    let filter = UserFilter {
        text: query.q.clone(),
        kind,
        include_disabled: query.disabled.is_some(),
        after_login: query.after.clone(),
        limit: PAGE_SIZE,
    };
    let found = users::list(state, caller, &filter).await?;
    let next_page = (found.len() == PAGE_SIZE as usize).then(|| {
        let last = found.last().map(|u| u.login.to_string()).unwrap_or_default();
        format!(
            "/admin/users?q={}&kind={}{}&after={}",
            url_encode(query.q.as_deref().unwrap_or("")),
            url_encode(query.kind.as_deref().unwrap_or("")),
            if filter.include_disabled { "&disabled=1" } else { "" },
            url_encode(&last)
        )
    });
    let lines = found
        .iter()
        .map(|u| UserLine {
            id: u.id.to_string(),
            login: u.login.to_string(),
            name: u.display_name.to_string(),
            kind: t.account_kind(&u.kind),
            last_sign_in: fmt_opt_time(u.last_sign_in_at, tz, t),
            state: state_text(u, t),
        })
        .collect();
    let page = UsersPage {
        t,
        chrome: Chrome::new(caller, Section::Users, &req.uri().to_string()).with_error(failure.message),
        filter: FilterView {
            q: query.q.clone().unwrap_or_default(),
            kind: query.kind.clone().unwrap_or_default(),
            disabled: filter.include_disabled,
        },
        users: lines,
        next_page,
        form,
        errors: failure.fields,
    };
    html_with_status(&page, status)
}

#[get("/admin/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: PageCaller,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let form = NewUserForm { kind: "staff".into(), ..NewUserForm::default() };
    render_list(&state, &caller, &req, &query, StatusCode::OK, form, FormFailure::default()).await
}

/// Creates an account and opens its page, showing the initial password once.
#[post("/admin/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: PageCaller,
    req: HttpRequest,
    form: CsrfForm<NewUserForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let input = NewUserInput {
        kind: Some(form.kind.clone()),
        login: form.login.clone(),
        display_name: form.display_name.clone(),
        email: Some(form.email.clone()),
        phone: Some(form.phone.clone()),
        locale: None,
        password: Some(form.password.clone()),
    };
    match users::create(&state, &caller, input).await {
        Ok(created) => {
            let revealed = created.generated_password.as_deref().map(|p| (caller.t().user_created)(p));
            render_detail(&state, &caller, created.user.id, StatusCode::CREATED, None, FormFailure::default(), revealed)
                .await
        }
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            let form = NewUserForm { password: String::new(), ..form };
            render_list(&state, &caller, &req, &ListQuery::default(), StatusCode::UNPROCESSABLE_ENTITY, form, failure)
                .await
        }
    }
}

#[derive(Debug)]
struct UserView {
    id: String,
    login: String,
    name: String,
    kind: &'static str,
    state: String,
    last_sign_in: String,
    disabled: bool,
    locked: bool,
}

#[derive(Debug)]
struct AssignmentLine {
    id: String,
    role: String,
    scope: String,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    user: UserView,
    profile: ProfileView,
    locales: Vec<(&'static str, &'static str)>,
    assignments: Vec<AssignmentLine>,
    roles: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    revealed_password: Option<String>,
}

/// "Where a role applies" in words.
pub fn scope_text(t: &Catalog, assignment: &Assignment) -> String {
    match assignment.scope {
        GrantScope::AllBuildings => t.scope_all.to_owned(),
        GrantScope::Own => t.scope_own.to_owned(),
        GrantScope::Building(_) => t.scope_in(assignment.building_name.as_deref().unwrap_or("?")),
    }
}

async fn render_detail(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    status: StatusCode,
    done: Option<&str>,
    failure: FormFailure,
    revealed_password: Option<String>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let tz = state.config.display_time_zone;
    let user = users::get(state, caller, id).await?;
    let held = users::assignments_of(state, caller, id).await?;
    let roles = roles::list(state, caller)
        .await?
        .into_iter()
        .filter(|r| r.account_kind == user.kind)
        .map(|r| (r.id.to_string(), r.name.to_string()))
        .collect();
    let scopes = match user.kind {
        AccountKind::Resident => vec![("own".to_owned(), t.scope_own.to_owned())],
        AccountKind::Staff => std::iter::once(("all".to_owned(), t.scope_all.to_owned()))
            .chain(
                buildings::list(state, caller)
                    .await?
                    .into_iter()
                    .map(|b| (b.id.to_string(), t.scope_in(b.name.as_str()))),
            )
            .collect(),
    };
    let page = UserPage {
        t,
        chrome: Chrome::new(caller, Section::Users, &format!("/admin/users/{id}"))
            .with_notice(notice(t, done))
            .with_error(failure.message),
        user: UserView {
            id: user.id.to_string(),
            login: user.login.to_string(),
            name: user.display_name.to_string(),
            kind: t.account_kind(&user.kind),
            state: state_text(&user, t),
            last_sign_in: fmt_opt_time(user.last_sign_in_at, tz, t),
            disabled: user.is_disabled(),
            locked: user.failed_logins > 0,
        },
        profile: ProfileView::of(&user),
        locales: locales(t),
        assignments: held
            .iter()
            .map(|a| AssignmentLine { id: a.id.to_string(), role: a.role_name.clone(), scope: scope_text(t, a) })
            .collect(),
        roles,
        scopes,
        errors: failure.fields,
        revealed_password,
    };
    html_with_status(&page, status)
}

#[get("/admin/users/{id}")]
pub async fn show_user(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    render_detail(
        &state,
        &caller,
        UserId::from_uuid(*id),
        StatusCode::OK,
        query.done.as_deref(),
        FormFailure::default(),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    display_name: String,
    email: Option<String>,
    phone: Option<String>,
    locale: Option<String>,
}

#[post("/admin/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<ProfileForm>,
) -> Result<HttpResponse, PageError> {
    let id = UserId::from_uuid(*id);
    let form = form.0;
    let input =
        ProfileInput { display_name: form.display_name, email: form.email, phone: form.phone, locale: form.locale };
    match users::update_profile(&state, &caller, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/admin/users/{id}?done=saved"))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render_detail(&state, &caller, id, StatusCode::UNPROCESSABLE_ENTITY, None, failure, None).await
        }
    }
}

/// The buttons on a user's page: enable, disable, unlock, reset password.
#[post("/admin/users/{id}/{action}")]
pub async fn user_action(
    state: web::Data<AppState>,
    caller: PageCaller,
    path: web::Path<(Uuid, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let (id, action) = path.into_inner();
    let id = UserId::from_uuid(id);
    let result: Result<Option<String>, AppError> = match action.as_str() {
        "disable" => users::set_disabled(&state, &caller, id, true).await.map(|_| None),
        "enable" => users::set_disabled(&state, &caller, id, false).await.map(|_| None),
        "unlock" => users::unlock(&state, &caller, id).await.map(|_| None),
        "reset-password" => users::reset_password(&state, &caller, id).await.map(Some),
        _ => return Err(PageError::not_found()),
    };
    match result {
        Ok(Some(password)) => {
            let revealed = (caller.t().password_reset_done)(&password);
            render_detail(&state, &caller, id, StatusCode::OK, None, FormFailure::default(), Some(revealed)).await
        }
        Ok(None) => {
            let done = match action.as_str() {
                "disable" => "disabled",
                "enable" => "enabled",
                _ => "unlocked",
            };
            Ok(see_other(&format!("/admin/users/{id}?done={done}")))
        }
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render_detail(&state, &caller, id, StatusCode::UNPROCESSABLE_ENTITY, None, failure, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    role_id: String,
    scope: String,
}

#[post("/admin/users/{id}/assignments")]
pub async fn grant_role(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<GrantForm>,
) -> Result<HttpResponse, PageError> {
    let id = UserId::from_uuid(*id);
    let result = async {
        let role = form
            .0
            .role_id
            .parse::<Uuid>()
            .map_err(|_| AppError::field("role", domovoy_domain::FieldError::Required))?;
        let scope = parse_scope(Some(&form.0.scope)).map_err(|e| AppError::field("scope", e))?;
        users::grant(&state, &caller, id, RoleId::from_uuid(role), scope).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/admin/users/{id}?done=role_granted"))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render_detail(&state, &caller, id, StatusCode::UNPROCESSABLE_ENTITY, None, failure, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    next: Option<String>,
}

#[post("/admin/assignments/{id}/revoke")]
pub async fn revoke_role(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<RevokeForm>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(form.0.next.as_deref()).to_owned();
    match users::revoke(&state, &caller, AssignmentId::from_uuid(*id)).await {
        Ok(assignment) => {
            let next = if next == "/" { format!("/admin/users/{}", assignment.user_id) } else { next };
            let separator = if next.contains('?') { '&' } else { '?' };
            Ok(see_other(&format!("{next}{separator}done=role_revoked")))
        }
        Err(error @ AppError::Rule(_)) => {
            // The refusal (last administrator) is shown on the page it came from.
            let t = caller.t();
            let failure = FormFailure::from_error(error, t)?;
            let message = failure.message.unwrap_or_default();
            let page = crate::pages::MessagePage {
                t,
                chrome: Chrome::new(&caller, Section::Users, &next),
                message,
                back: next,
            };
            html(&page)
        }
        Err(other) => Err(other.into()),
    }
}
