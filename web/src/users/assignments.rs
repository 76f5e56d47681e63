//! Assignments by building: who works where, in which role.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::account::{AccountKind, Login};
use domovoy_domain::ids::{BuildingId, RoleId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::{GrantScope, Target};
use domovoy_store::users::UserFilter;

use crate::auth::{Caller, CsrfForm, PageCaller};
use crate::pages::{Chrome, FormFailure, Section, html_with_status, notice, see_other};
use crate::users::pages::scope_text;
use domovoy_app::AppError;

use crate::error::PageError;
use crate::i18n::Catalog;
use crate::state::AppState;
use domovoy_app::users::ScopeChoice;
use domovoy_app::{buildings, roles, users};

#[derive(Debug)]
struct Line {
    id: String,
    user_id: String,
    user_name: String,
    user_login: String,
    role: String,
    scope: String,
    /// Granted for this building (can be revoked here), not for all.
    local: bool,
}

#[derive(Template)]
#[template(path = "assignments.html")]
struct AssignmentsPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    buildings: Vec<(String, String)>,
    selected: Option<String>,
    rows: Vec<Line>,
    staff: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    building_id: Option<String>,
    done: Option<String>,
}

async fn render(
    state: &AppState,
    caller: &Caller,
    building: Option<BuildingId>,
    status: StatusCode,
    done: Option<&str>,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    caller.require(Permission::AdminUsers, &Target::SYSTEM)?;
    let t = caller.t();
    let all = buildings::list(state, caller).await?;
    let selected = building.or_else(|| all.first().map(|b| b.id));
    let rows = match selected {
        Some(id) => buildings::people(state, caller, id)
            .await?
            .iter()
            .map(|a| Line {
                id: a.id.to_string(),
                user_id: a.user_id.to_string(),
                user_name: a.user_name.clone(),
                user_login: a.user_login.clone(),
                role: a.role_name.clone(),
                scope: if matches!(a.scope, GrantScope::Building(_)) {
                    t.this_building.to_owned()
                } else {
                    scope_text(t, a)
                },
                local: matches!(a.scope, GrantScope::Building(_)),
            })
            .collect(),
        None => Vec::new(),
    };
    let filter = UserFilter { kind: Some(AccountKind::Staff), limit: 1000, ..UserFilter::default() };
    let staff = users::list(state, caller, &filter)
        .await?
        .into_iter()
        .map(|u| (u.login.to_string(), u.display_name.to_string()))
        .collect();
    let roles = roles::list(state, caller)
        .await?
        .into_iter()
        .filter(|r| r.account_kind == AccountKind::Staff)
        .map(|r| (r.id.to_string(), r.name.to_string()))
        .collect();
    let path =
        selected.map_or_else(|| "/admin/assignments".to_owned(), |id| format!("/admin/assignments?building_id={id}"));
    let page = AssignmentsPage {
        t,
        chrome: Chrome::new(caller, Section::Assignments, &path)
            .with_notice(notice(t, done))
            .with_error(failure.message),
        buildings: all.iter().map(|b| (b.id.to_string(), b.name.to_string())).collect(),
        selected: selected.map(|id| id.to_string()),
        rows,
        staff,
        roles,
        errors: failure.fields,
    };
    html_with_status(&page, status)
}

#[get("/admin/assignments")]
pub async fn show_assignments(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let building = query.building_id.as_deref().and_then(|id| id.parse().ok());
    render(&state, &caller, building, StatusCode::OK, query.done.as_deref(), FormFailure::default()).await
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    building_id: String,
    login: String,
    role_id: String,
}

#[post("/admin/assignments")]
pub async fn assign(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<AssignForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let building: BuildingId = form.building_id.parse().map_err(|_| PageError::BadForm)?;
    let result = async {
        let login = Login::staff(&form.login).map_err(|e| AppError::field("login", e))?;
        let user = users::find_by_login(&state, &caller, &login)
            .await?
            .ok_or(AppError::field("login", FieldError::Unknown))?;
        let role = form.role_id.parse::<Uuid>().map_err(|_| AppError::field("role", FieldError::Required))?;
        users::grant(&state, &caller, user.id, RoleId::from_uuid(role), ScopeChoice::Building(building)).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/admin/assignments?building_id={building}&done=role_granted"))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render(&state, &caller, Some(building), StatusCode::UNPROCESSABLE_ENTITY, None, failure).await
        }
    }
}
