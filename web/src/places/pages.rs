//! Building layout pages, the live chessboard, unit cards and the export of
//! a chessboard selection.

use std::collections::HashSet;

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::client::Occupancy;
use domovoy_domain::ids::{BuildingId, UnitId};
use domovoy_domain::layout::condo::CondoMap;
use domovoy_domain::layout::{GroundFloor, Layout, LayoutSpec, ParkingSpec, SectionKind, UnitKind};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::sla::SlaState;

use crate::auth::{CsrfForm, PageCaller};
use crate::pages::{Chrome, FormFailure, Section, html, see_other};
use crate::tickets::pages::Choice;
use domovoy_app::AppError;

use crate::error::PageError;
use crate::export::{self, ExportFormat, Table};
use crate::i18n::Catalog;
use crate::state::AppState;
use domovoy_app::places::{self, Cell, Chessboard};

/// A cell as the template draws it.
struct CellView {
    id: String,
    label: String,
    kind: &'static str,
    kind_label: &'static str,
    ownership: &'static str,
    ownership_label: &'static str,
    open: usize,
    worst: &'static str,
    emergency: bool,
    app: usize,
    people: usize,
    area: String,
    /// `[{"id","sla","priority","number"}]` for the live updates.
    tickets_json: String,
    title: String,
}

struct FloorView {
    number: i32,
    title: String,
    cells: Vec<CellView>,
}

struct SectionView {
    title: String,
    floors: Vec<FloorView>,
}

fn cell_view(cell: &Cell, t: &Catalog, section: &str, floor: i32) -> CellView {
    let kind: UnitKind = cell.kind.parse().unwrap_or(UnitKind::Apartment);
    let ownership: Occupancy = cell.ownership.parse().unwrap_or(Occupancy::Vacant);
    let tickets: Vec<serde_json::Value> = cell
        .tickets
        .iter()
        .map(|tk| serde_json::json!({"id": tk.id, "sla": tk.sla_state, "priority": tk.priority, "number": tk.number}))
        .collect();
    CellView {
        id: cell.id.to_string(),
        label: cell.label.clone(),
        kind: cell.kind,
        kind_label: (t.pl.unit_kind_label)(kind),
        ownership: cell.ownership,
        ownership_label: (t.pl.occupancy_label)(ownership),
        open: cell.open_tickets,
        worst: cell.worst_sla.unwrap_or(if cell.open_tickets > 0 { "none" } else { "" }),
        emergency: cell.emergency,
        app: cell.app_users,
        people: cell.people,
        area: cell.area.map(|a| format!("{a}")).unwrap_or_default(),
        tickets_json: serde_json::to_string(&tickets).unwrap_or_else(|_| "[]".to_owned()),
        title: format!("{} · {section} · {}", cell.label, (t.pl.floor_title)(floor)),
    }
}

#[derive(Template)]
#[template(path = "chessboard.html")]
struct ChessboardPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    building_id: String,
    building_name: String,
    live_seq: i64,
    units: usize,
    sections: Vec<SectionView>,
    can_manage: bool,
    can_export: bool,
    /// «Write to these»: the selection goes to the mailing editor.
    can_mail: bool,
    /// The selection can become a survey's audience.
    can_survey: bool,
    /// A unit to open at once (`?unit=` from search).
    open_unit: String,
    kinds: Vec<(&'static str, &'static str)>,
    ownerships: Vec<(&'static str, &'static str)>,
    sla_labels: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Deserialize)]
pub struct ChessboardQuery {
    unit: Option<Uuid>,
}

#[get("/buildings/{id}/chessboard")]
pub async fn chessboard(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    query: web::Query<ChessboardQuery>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let building = BuildingId::from_uuid(*id);
    let board: Chessboard = places::chessboard(&state, &caller, building).await?;
    let sections = board
        .sections
        .iter()
        .map(|s| {
            let kind: SectionKind = s.kind.parse().unwrap_or(SectionKind::Entrance);
            let title = (t.pl.section_title)(kind, &s.name);
            SectionView {
                floors: s
                    .floors
                    .iter()
                    .map(|f| FloorView {
                        number: f.number,
                        title: f.name.clone().unwrap_or_else(|| f.number.to_string()),
                        cells: f.units.iter().map(|c| cell_view(c, t, &title, f.number)).collect(),
                    })
                    .collect(),
                title,
            }
        })
        .collect();
    let target = Target::building(building);
    let page = ChessboardPage {
        t,
        chrome: Chrome::new(&caller, Section::Buildings, &format!("/buildings/{building}/chessboard")),
        building_id: building.to_string(),
        building_name: board.building_name.clone(),
        live_seq: board.live_seq,
        units: board.units,
        sections,
        can_manage: caller.principal().can(Permission::BuildingsManage, &target),
        can_export: caller.principal().can(Permission::ReportsExport, &target)
            || caller.principal().can(Permission::ClientsRead, &target),
        can_mail: caller.principal().can(Permission::MailingsSend, &target),
        can_survey: caller.principal().can(Permission::SurveysManage, &target),
        open_unit: query.unit.map(|u| u.to_string()).unwrap_or_default(),
        kinds: UnitKind::ALL.iter().map(|k| (k.code(), (t.pl.unit_kind_label)(*k))).collect(),
        ownerships: Occupancy::ALL.iter().map(|o| (o.code(), (t.pl.occupancy_label)(*o))).collect(),
        sla_labels: [SlaState::Active, SlaState::Warning, SlaState::Breached]
            .into_iter()
            .map(|s| (s.code(), (t.tk.sla_state_label)(s)))
            .collect(),
    };
    html(&page)
}

#[derive(Debug, Deserialize)]
pub struct ExportForm {
    /// Unit ids, comma-separated.
    units: String,
    format: Option<String>,
}

/// The selected units of a chessboard as CSV or XLSX: where each is, its
/// kind and area, who is linked, open tickets.
#[post("/buildings/{id}/chessboard/export")]
pub async fn export_selection(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<ExportForm>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let building = BuildingId::from_uuid(*id);
    let target = Target::building(building);
    if !(caller.principal().can(Permission::ReportsExport, &target)
        || caller.principal().can(Permission::ClientsRead, &target))
    {
        return Err(PageError::forbidden());
    }
    let format = ExportFormat::parse(form.0.format.as_deref())?;
    let wanted: HashSet<UnitId> =
        form.0.units.split(',').filter_map(|s| s.trim().parse::<Uuid>().ok()).map(UnitId::from_uuid).collect();
    let board = places::chessboard(&state, &caller, building).await?;
    let mut table = Table {
        headers: vec![
            t.pl.unit_section.to_owned(),
            t.pl.unit_floor.to_owned(),
            t.pl.unit_card.to_owned(),
            t.pl.overlay_kind.to_owned(),
            t.pl.unit_area.to_owned(),
            t.pl.overlay_ownership.to_owned(),
            t.pl.unit_people.to_owned(),
            t.pl.overlay_app.to_owned(),
            t.pl.unit_tickets.to_owned(),
        ],
        rows: Vec::new(),
    };
    for section in &board.sections {
        let kind: SectionKind = section.kind.parse().unwrap_or(SectionKind::Entrance);
        for floor in &section.floors {
            for cell in floor.units.iter().filter(|c| wanted.contains(&c.id)) {
                let view = cell_view(cell, t, "", floor.number);
                table.rows.push(vec![
                    (t.pl.section_title)(kind, &section.name),
                    floor.number.to_string(),
                    cell.label.clone(),
                    view.kind_label.to_owned(),
                    view.area.replace('.', ","),
                    view.ownership_label.to_owned(),
                    cell.people.to_string(),
                    cell.app_users.to_string(),
                    cell.open_tickets.to_string(),
                ]);
            }
        }
    }
    let stem = format!("units-{}", board.building_name.chars().filter(|c| c.is_alphanumeric()).collect::<String>());
    Ok(export::download(&table, format, &stem, t.pl.chessboard)?)
}

struct PersonView {
    client_id: String,
    name: String,
    role: &'static str,
    details: String,
    app: bool,
}

/// A ticket in a short list (unit and client cards).
pub(crate) struct TicketLine {
    pub id: String,
    pub number: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub description: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    id: String,
    title: String,
    building_id: String,
    building_name: String,
    section: String,
    floor: i32,
    kind: &'static str,
    area: String,
    external_id: String,
    people: Vec<PersonView>,
    tickets: Vec<TicketLine>,
    can_create_ticket: bool,
}

pub(crate) fn ticket_lines(
    tickets: &[domovoy_domain::ticket::Ticket],
    t: &Catalog,
    state: &AppState,
) -> Vec<TicketLine> {
    tickets
        .iter()
        .map(|tk| TicketLine {
            id: tk.id.to_string(),
            number: tk.number.to_string(),
            status: (t.tk.status_label)(tk.status()),
            status_code: tk.status().code(),
            description: tk.description.as_str().chars().take(140).collect(),
            created: crate::pages::fmt_time(tk.created_at, state.config.display_time_zone),
        })
        .collect()
}

/// A unit's card: where it is, who is linked, its tickets.
#[get("/units/{id}")]
pub async fn show_unit(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let card = places::unit_card(&state, &caller, UnitId::from_uuid(*id)).await?;
    let people = card
        .people
        .iter()
        .map(|p| {
            let mut details = Vec::new();
            if let Some(share) = p.link.share {
                details.push(format!("{} {share}", t.pl.client_share));
            }
            if p.link.valid_from.is_some() || p.link.valid_to.is_some() {
                let day =
                    |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default();
                details.push(format!("{} {}–{}", t.pl.client_period, day(p.link.valid_from), day(p.link.valid_to)));
            }
            if let Some(account) = &p.link.account {
                details.push(format!("{} {account}", t.pl.client_account));
            }
            PersonView {
                client_id: p.client_id.to_string(),
                name: p.name.clone(),
                role: (t.pl.link_role_label)(p.link.role),
                details: details.join(" · "),
                app: p.has_account,
            }
        })
        .collect();
    let target = Target::building(card.unit.building_id);
    let page = UnitPage {
        t,
        chrome: Chrome::new(&caller, Section::Buildings, &format!("/units/{}", card.unit.id)),
        id: card.unit.id.to_string(),
        title: card.title.clone(),
        building_id: card.unit.building_id.to_string(),
        building_name: card.building_name.clone(),
        section: card.unit.section_name.clone(),
        floor: card.unit.floor,
        kind: (t.pl.unit_kind_label)(card.unit.kind),
        area: card.unit.area.map(|a| format!("{a}")).unwrap_or_default(),
        external_id: card.unit.external_id.clone().unwrap_or_default(),
        people,
        tickets: ticket_lines(&card.tickets, t, &state),
        can_create_ticket: caller.principal().can(Permission::TicketsCreate, &target),
    };
    html(&page)
}

/// The generator's form, as typed.
#[derive(Debug, Clone, Deserialize)]
pub struct GenerateForm {
    sections: String,
    kind: String,
    first_floor: String,
    last_floor: String,
    units_per_floor: String,
    unit_kind: String,
    first_number: String,
    #[serde(default)]
    by_floor: Option<String>,
    ground_kind: String,
    ground_units: String,
    parking_levels: String,
    parking_spaces: String,
}

impl Default for GenerateForm {
    fn default() -> Self {
        Self {
            sections: "1".into(),
            kind: "entrance".into(),
            first_floor: "2".into(),
            last_floor: "9".into(),
            units_per_floor: "4".into(),
            unit_kind: "apartment".into(),
            first_number: "1".into(),
            by_floor: None,
            ground_kind: String::new(),
            ground_units: "0".into(),
            parking_levels: "0".into(),
            parking_spaces: "0".into(),
        }
    }
}

impl GenerateForm {
    fn spec(&self) -> Result<LayoutSpec, AppError> {
        let mut problems = Vec::new();
        let mut number = |field: &str, raw: &str| -> i64 {
            raw.trim().parse::<i64>().unwrap_or_else(|_| {
                problems.push((field.to_owned(), domovoy_domain::FieldError::InvalidFormat));
                0
            })
        };
        let sections = number("sections", &self.sections);
        let first_floor = number("first_floor", &self.first_floor);
        let last_floor = number("last_floor", &self.last_floor);
        let units_per_floor = number("units_per_floor", &self.units_per_floor);
        let first_number = number("first_number", &self.first_number);
        let ground_units = number("ground_floor", &self.ground_units);
        let levels = number("parking", &self.parking_levels);
        let spaces = number("parking", &self.parking_spaces);
        let kind = self.kind.parse::<SectionKind>().map_err(|e| problems.push(("kind".to_owned(), e))).ok();
        let unit_kind = self.unit_kind.parse::<UnitKind>().map_err(|e| problems.push(("unit_kind".to_owned(), e))).ok();
        let ground_kind = match self.ground_kind.trim() {
            "" => None,
            code => code.parse::<UnitKind>().map_err(|e| problems.push(("ground_floor".to_owned(), e))).ok(),
        };
        if !problems.is_empty() {
            return Err(AppError::Problems(problems));
        }
        let clamp = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        let floor = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(LayoutSpec {
            sections: clamp(sections),
            kind: kind.unwrap_or(SectionKind::Entrance),
            first_floor: floor(first_floor),
            last_floor: floor(last_floor),
            units_per_floor: clamp(units_per_floor),
            unit_kind: unit_kind.unwrap_or(UnitKind::Apartment),
            first_number: clamp(first_number),
            by_floor: self.by_floor.is_some(),
            ground_floor: ground_kind
                .filter(|_| ground_units > 0)
                .map(|kind| GroundFloor { kind, units_per_section: clamp(ground_units) }),
            parking: (levels > 0).then(|| ParkingSpec { levels: clamp(levels), spaces_per_level: clamp(spaces) }),
        })
    }
}

#[derive(Template)]
#[template(path = "layout.html")]
struct LayoutPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    building_id: String,
    building_name: String,
    generate: GenerateForm,
    text: String,
    units: usize,
    problems: Vec<String>,
    section_kinds: Vec<Choice>,
    unit_kinds: Vec<Choice>,
}

#[derive(Debug, Deserialize)]
pub struct LayoutQuery {
    created: Option<usize>,
    updated: Option<usize>,
    removed: Option<usize>,
}

async fn render_layout(
    state: &AppState,
    caller: &PageCaller,
    building: BuildingId,
    generate: GenerateForm,
    text: Option<String>,
    notice: Option<String>,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    caller.require(Permission::BuildingsManage, &Target::building(building))?;
    let name = domovoy_app::buildings::get(state, caller, building).await?.name.to_string();
    let stored = places::get_layout(state, caller, building).await?;
    let page = LayoutPage {
        t,
        chrome: Chrome::new(caller, Section::Buildings, &format!("/buildings/{building}/layout"))
            .with_notice(notice)
            .with_error(failure.message),
        building_id: building.to_string(),
        building_name: name,
        generate,
        text: text.unwrap_or_else(|| stored.to_plan().to_text()),
        units: stored.units().count(),
        problems: failure.fields.into_iter().map(|(field, message)| format!("{field}: {message}")).collect(),
        section_kinds: SectionKind::ALL.iter().map(|k| Choice::new(&k.code(), (t.pl.section_kind_label)(*k))).collect(),
        unit_kinds: UnitKind::ALL.iter().map(|k| Choice::new(&k.code(), (t.pl.unit_kind_label)(*k))).collect(),
    };
    html(&page)
}

fn replaced_notice(t: &Catalog, query: &LayoutQuery) -> Option<String> {
    Some((t.pl.layout_replaced)(query.created?, query.updated.unwrap_or(0), query.removed.unwrap_or(0)))
}

fn after_replace(building: BuildingId, done: domovoy_store::layout::Replaced) -> HttpResponse {
    see_other(&format!(
        "/buildings/{building}/layout?created={}&updated={}&removed={}",
        done.created, done.updated, done.removed
    ))
}

/// Turns a refusal into what the layout page shows.
fn layout_failure(error: AppError, t: &Catalog) -> Result<FormFailure, PageError> {
    match error {
        AppError::Problems(problems) => Ok(FormFailure {
            fields: problems.iter().map(|(path, e)| (path.clone(), t.field(path, e))).collect(),
            message: Some(t.invalid_input.to_owned()),
        }),
        AppError::InUse(names) => {
            Ok(FormFailure { fields: Vec::new(), message: Some((t.pl.in_use)(&names.join(", "))) })
        }
        other => FormFailure::from_error(other, t),
    }
}

#[get("/buildings/{id}/layout")]
pub async fn show_layout(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    query: web::Query<LayoutQuery>,
) -> Result<HttpResponse, PageError> {
    let notice = replaced_notice(caller.t(), &query);
    render_layout(
        &state,
        &caller,
        BuildingId::from_uuid(*id),
        GenerateForm::default(),
        None,
        notice,
        FormFailure::default(),
    )
    .await
}

#[post("/buildings/{id}/layout/generate")]
pub async fn generate_layout(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<GenerateForm>,
) -> Result<HttpResponse, PageError> {
    let building = BuildingId::from_uuid(*id);
    let result = match form.0.spec() {
        Ok(spec) => places::generate_layout(&state, &caller, building, &spec).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => Ok(after_replace(building, done)),
        Err(error) => {
            let failure = layout_failure(error, caller.t())?;
            render_layout(&state, &caller, building, form.0, None, None, failure).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct TextForm {
    text: String,
}

#[post("/buildings/{id}/layout/text")]
pub async fn save_layout_text(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<TextForm>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let building = BuildingId::from_uuid(*id);
    let result = match Layout::parse_text(&form.0.text) {
        Ok(plan) => places::replace_layout(&state, &caller, building, plan).await,
        Err(errors) => {
            let failure = FormFailure {
                fields: errors
                    .iter()
                    .map(|e| (String::new(), (t.pl.layout_text_error)(e.line, &e.problem.to_string())))
                    .collect(),
                message: Some(t.invalid_input.to_owned()),
            };
            let text = Some(form.0.text.clone());
            return render_layout(&state, &caller, building, GenerateForm::default(), text, None, failure).await;
        }
    };
    match result {
        Ok(done) => Ok(after_replace(building, done)),
        Err(error) => {
            let failure = layout_failure(error, t)?;
            let text = Some(form.0.text.clone());
            render_layout(&state, &caller, building, GenerateForm::default(), text, None, failure).await
        }
    }
}

/// condo's map uploaded as a file (multipart is not needed: the page reads
/// the file in the browser and posts its text).
#[derive(Debug, Deserialize)]
pub struct CondoForm {
    map: String,
}

#[post("/buildings/{id}/layout/condo")]
pub async fn import_condo(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<CondoForm>,
) -> Result<HttpResponse, PageError> {
    let building = BuildingId::from_uuid(*id);
    let map = match serde_json::from_str::<CondoMap>(&form.0.map) {
        Ok(map) => map,
        Err(e) => {
            let failure = FormFailure {
                fields: vec![("Property.map".to_owned(), e.to_string())],
                message: Some(caller.t().invalid_json.to_owned()),
            };
            return render_layout(&state, &caller, building, GenerateForm::default(), None, None, failure).await;
        }
    };
    match places::import_condo(&state, &caller, building, &map).await {
        Ok(done) => Ok(after_replace(building, done)),
        Err(error) => {
            let failure = layout_failure(error, caller.t())?;
            render_layout(&state, &caller, building, GenerateForm::default(), None, None, failure).await
        }
    }
}

/// The layout as condo's `Property.map`, downloaded.
#[get("/buildings/{id}/layout/condo.json")]
pub async fn export_condo(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let map = places::export_condo(&state, &caller, BuildingId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Content-Disposition", "attachment; filename=\"Property.map.json\""))
        .json(map))
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    building_id: String,
    building_name: String,
    can_clients: bool,
    can_units: bool,
}

/// The billing import of a building: clients (with ownership and accounts)
/// or units, checked first, applied all or nothing.
#[get("/buildings/{id}/import")]
pub async fn import_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let building = BuildingId::from_uuid(*id);
    let target = Target::building(building);
    let can_clients = caller.principal().can(Permission::ClientsEdit, &target);
    let can_units = caller.principal().can(Permission::BuildingsManage, &target);
    if !can_clients && !can_units {
        return Err(PageError::forbidden());
    }
    let name = domovoy_app::buildings::get(&state, &caller, building).await?.name.to_string();
    let page = ImportPage {
        t: caller.t(),
        chrome: Chrome::new(&caller, Section::Buildings, &format!("/buildings/{building}/import")),
        building_id: building.to_string(),
        building_name: name,
        can_clients,
        can_units,
    };
    html(&page)
}
