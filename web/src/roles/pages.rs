//! The role editor: a permission matrix, roles as columns.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::ids::RoleId;
use domovoy_domain::permission::{Permission, PermissionGroup, PermissionSet};
use domovoy_domain::policy::Target;

use crate::auth::csrf::{FormPairs, NoFields};
use crate::auth::{Caller, CsrfForm, PageCaller};
use crate::error::PageError;
use crate::i18n::Catalog;
use crate::pages::{Chrome, DoneQuery, FormFailure, Section, html_with_status, notice, see_other};
use crate::state::AppState;
use domovoy_app::roles::{self, RoleInput};

#[derive(Debug)]
struct RoleColumn {
    id: String,
    name: String,
    description: String,
    template: Option<&'static str>,
    kind: &'static str,
    /// Resident roles are marked; staff roles are the usual case.
    resident: bool,
    deletable: bool,
}

#[derive(Debug)]
struct Cell {
    value: String,
    aria: String,
    checked: bool,
}

#[derive(Debug)]
struct Row {
    code: &'static str,
    label: &'static str,
    cells: Vec<Cell>,
}

#[derive(Debug)]
struct Group {
    label: &'static str,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    roles: Vec<RoleColumn>,
    groups: Vec<Group>,
    form_name: String,
    form_description: String,
    errors: Vec<(String, String)>,
}

async fn render(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    done: Option<&str>,
    failure: FormFailure,
    form: (String, String),
) -> Result<HttpResponse, PageError> {
    caller.require(Permission::AdminRoles, &Target::SYSTEM)?;
    let t = caller.t();
    let all = roles::list(state, caller).await?;
    let columns = all
        .iter()
        .map(|r| RoleColumn {
            id: r.id.to_string(),
            name: r.name.to_string(),
            description: r.description.clone(),
            // Worth noting only once the role was renamed.
            template: r.template.map(|t| t.default_name()).filter(|name| *name != r.name.as_str()),
            kind: t.account_kind(&r.account_kind),
            resident: r.account_kind == domovoy_domain::account::AccountKind::Resident,
            deletable: r.template.is_none(),
        })
        .collect();
    let groups = PermissionGroup::ALL
        .iter()
        .map(|group| Group {
            label: t.permission_group(group),
            rows: group
                .permissions()
                .map(|permission| Row {
                    code: permission.code(),
                    label: t.permission(&permission),
                    cells: all
                        .iter()
                        .map(|role| Cell {
                            value: format!("{}:{}", role.id, permission.code()),
                            aria: format!("{} — {}", role.name, t.permission(&permission)),
                            checked: role.permissions.contains(permission),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let page = RolesPage {
        t,
        chrome: Chrome::new(caller, Section::Roles, "/admin/roles")
            .with_notice(notice(t, done))
            .with_error(failure.message),
        roles: columns,
        groups,
        form_name: form.0,
        form_description: form.1,
        errors: failure.fields,
    };
    html_with_status(&page, status)
}

#[get("/admin/roles")]
pub async fn show_roles(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    render(&state, &caller, StatusCode::OK, query.done.as_deref(), FormFailure::default(), Default::default()).await
}

/// Reads the matrix form: `role=<id>` for every column shown and
/// `p=<role id>:<permission>` for every ticked box.
fn parse_matrix(pairs: &FormPairs) -> Result<Vec<(RoleId, PermissionSet)>, PageError> {
    let mut columns: Vec<RoleId> = Vec::new();
    let mut sets: HashMap<RoleId, PermissionSet> = HashMap::new();
    for (key, value) in pairs {
        match key.as_str() {
            "role" => columns.push(RoleId::from_uuid(value.parse::<Uuid>().map_err(|_| PageError::BadForm)?)),
            "p" => {
                let (role, code) = value.split_once(':').ok_or(PageError::BadForm)?;
                let role = RoleId::from_uuid(role.parse::<Uuid>().map_err(|_| PageError::BadForm)?);
                let permission = code.parse::<Permission>().map_err(|_| PageError::BadForm)?;
                sets.entry(role).or_default().insert(permission);
            }
            _ => {}
        }
    }
    Ok(columns.into_iter().map(|id| (id, sets.get(&id).copied().unwrap_or_default())).collect())
}

/// Saves every column of the matrix in one transaction.
#[post("/admin/roles/matrix")]
pub async fn save_matrix(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let matrix = parse_matrix(&form.0)?;
    match roles::save_matrix(&state, &caller, matrix).await {
        Ok(_) => Ok(see_other("/admin/roles?done=roles_saved")),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, Default::default()).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NewRoleForm {
    name: String,
    description: Option<String>,
    account_kind: Option<String>,
}

#[post("/admin/roles")]
pub async fn create_role(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<NewRoleForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let input = RoleInput {
        name: form.name.clone(),
        description: form.description.clone(),
        permissions: Vec::new(),
        account_kind: form.account_kind,
    };
    match roles::create(&state, &caller, &input).await {
        Ok(_) => Ok(see_other("/admin/roles?done=role_created")),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            let kept = (form.name, form.description.unwrap_or_default());
            render(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, kept).await
        }
    }
}

#[post("/admin/roles/{id}/delete")]
pub async fn delete_role(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    match roles::delete(&state, &caller, RoleId::from_uuid(*id)).await {
        Ok(_) => Ok(see_other("/admin/roles?done=role_deleted")),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, Default::default()).await
        }
    }
}
