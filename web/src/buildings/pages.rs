//! Building pages: the list, a building's card, creating and editing.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::building::{Building, BuildingKind, RUSSIAN_TIME_ZONES};
use domovoy_domain::event::Topic;
use domovoy_domain::ids::BuildingId;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;

use crate::pages::{Chrome, DoneQuery, FormFailure, Section, html_with_status, notice, see_other};
use crate::users::pages::scope_text;

use crate::auth::{Caller, CsrfForm, PageCaller};
use crate::error::PageError;
use crate::i18n::Catalog;
use crate::state::AppState;
use domovoy_app::buildings::{self, BuildingInput};

#[derive(Debug)]
struct BuildingLine {
    id: String,
    name: String,
    address: String,
    kind: &'static str,
    time_zone: &'static str,
}

impl BuildingLine {
    fn new(b: &Building, t: &Catalog) -> Self {
        Self {
            id: b.id.to_string(),
            name: b.name.to_string(),
            address: b.address.to_string(),
            kind: t.building_kind(&b.kind),
            time_zone: b.time_zone.name(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct BuildingForm {
    name: String,
    address: String,
    kind: String,
    time_zone: String,
}

impl BuildingForm {
    fn of(b: &Building) -> Self {
        Self {
            name: b.name.to_string(),
            address: b.address.to_string(),
            kind: b.kind.code().to_owned(),
            time_zone: b.time_zone.name().to_owned(),
        }
    }

    fn input(&self) -> BuildingInput {
        BuildingInput {
            name: self.name.clone(),
            address: self.address.clone(),
            kind: Some(self.kind.clone()),
            time_zone: self.time_zone.clone(),
        }
    }
}

fn kinds(t: &Catalog) -> Vec<(&'static str, &'static str)> {
    BuildingKind::ALL.iter().map(|k| (k.code(), t.building_kind(k))).collect()
}

#[derive(Template)]
#[template(path = "buildings.html")]
struct ListPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    buildings: Vec<BuildingLine>,
    can_create: bool,
    form: BuildingForm,
    form_action: &'static str,
    form_submit: &'static str,
    kinds: Vec<(&'static str, &'static str)>,
    zones: &'static [&'static str],
    errors: Vec<(String, String)>,
}

async fn render_list(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    done: Option<&str>,
    form: BuildingForm,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let list = buildings::list(state, caller).await?;
    let page = ListPage {
        t,
        chrome: Chrome::new(caller, Section::Buildings, "/buildings")
            .with_notice(notice(t, done))
            .with_error(failure.message),
        buildings: list.iter().map(|b| BuildingLine::new(b, t)).collect(),
        can_create: caller.principal().can(Permission::BuildingsManage, &Target::SYSTEM),
        form,
        form_action: "/buildings",
        form_submit: t.create,
        kinds: kinds(t),
        zones: RUSSIAN_TIME_ZONES,
        errors: failure.fields,
    };
    html_with_status(&page, status)
}

#[get("/buildings")]
pub async fn list_buildings(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let form =
        BuildingForm { kind: "residential".into(), time_zone: "Europe/Moscow".into(), ..BuildingForm::default() };
    render_list(&state, &caller, StatusCode::OK, query.done.as_deref(), form, FormFailure::default()).await
}

#[post("/buildings")]
pub async fn create_building(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<BuildingForm>,
) -> Result<HttpResponse, PageError> {
    match buildings::create(&state, &caller, &form.0.input()).await {
        Ok(building) => Ok(see_other(&format!("/buildings/{}?done=building_created", building.id))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render_list(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, form.0, failure).await
        }
    }
}

#[derive(Debug)]
struct PersonLine {
    user_name: String,
    role: String,
    scope: String,
}

#[derive(Template)]
#[template(path = "building.html")]
struct DetailPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    building: BuildingLine,
    /// The building topic's sequence number this page shows: live updates
    /// continue from it.
    live_seq: i64,
    viewers: Vec<String>,
    /// Kind code → label, for live updates of the kind (JSON).
    kind_labels: String,
    can_manage: bool,
    can_chessboard: bool,
    people: Vec<PersonLine>,
    form: BuildingForm,
    form_action: String,
    form_submit: &'static str,
    kinds: Vec<(&'static str, &'static str)>,
    zones: &'static [&'static str],
    errors: Vec<(String, String)>,
}

async fn render_detail(
    state: &AppState,
    caller: &Caller,
    id: BuildingId,
    status: StatusCode,
    done: Option<&str>,
    form: Option<BuildingForm>,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    // The sequence number is read before the data, so an event committed in
    // between is replayed rather than missed (the page may show it twice:
    // harmless, updates are idempotent).
    let live_seq = domovoy_app::live::position(state, Topic::Building(id)).await?;
    let building = buildings::get(state, caller, id).await?;
    let viewers = state
        .building_viewers(id)
        .await
        .into_iter()
        .filter(|v| v.user_id != caller.user().id)
        .map(|v| v.name)
        .collect();
    let can_manage = caller.principal().can(Permission::BuildingsManage, &Target::building(id));
    let people = if can_manage {
        buildings::people(state, caller, id)
            .await?
            .iter()
            .map(|a| PersonLine { user_name: a.user_name.clone(), role: a.role_name.clone(), scope: scope_text(t, a) })
            .collect()
    } else {
        Vec::new()
    };
    let page = DetailPage {
        t,
        chrome: Chrome::new(caller, Section::Buildings, &format!("/buildings/{id}"))
            .with_notice(notice(t, done))
            .with_error(failure.message),
        building: BuildingLine::new(&building, t),
        live_seq,
        viewers,
        kind_labels: serde_json::to_string(&kinds(t).into_iter().collect::<std::collections::BTreeMap<_, _>>())
            .unwrap_or_default(),
        can_manage,
        can_chessboard: caller.principal().can(Permission::ChessboardRead, &Target::building(id)),
        people,
        form: form.unwrap_or_else(|| BuildingForm::of(&building)),
        form_action: format!("/buildings/{id}"),
        form_submit: t.save,
        kinds: kinds(t),
        zones: RUSSIAN_TIME_ZONES,
        errors: failure.fields,
    };
    html_with_status(&page, status)
}

#[get("/buildings/{id}")]
pub async fn show_building(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    render_detail(
        &state,
        &caller,
        BuildingId::from_uuid(*id),
        StatusCode::OK,
        query.done.as_deref(),
        None,
        FormFailure::default(),
    )
    .await
}

#[post("/buildings/{id}")]
pub async fn update_building(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<BuildingForm>,
) -> Result<HttpResponse, PageError> {
    let id = BuildingId::from_uuid(*id);
    match buildings::update(&state, &caller, id, &form.0.input()).await {
        Ok(_) => Ok(see_other(&format!("/buildings/{id}?done=saved"))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render_detail(&state, &caller, id, StatusCode::UNPROCESSABLE_ENTITY, None, Some(form.0), failure).await
        }
    }
}
