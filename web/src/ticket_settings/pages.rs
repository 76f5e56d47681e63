//! `/admin/tickets`: the classifier, SLA policies and their templates, the
//! production calendar, teams and assignment rules, on four tabs.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::ids::{ClassifierId, SlaPolicyId, TeamId};
use domovoy_domain::permission::Permission;
use domovoy_domain::sla::{DayKind, Schedule};
use domovoy_domain::ticket::Priority;
use domovoy_store::teams::Assignee;

use crate::auth::csrf::{FormPairs, NoFields};
use crate::auth::{Caller, CsrfForm, PageCaller};
use crate::pages::{Chrome, FormFailure, Section, html_with_status, notice, see_other};
use crate::tickets::pages::Choice;
use domovoy_app::AppError;

use crate::error::PageError;
use crate::i18n::Catalog;
use crate::state::AppState;
use domovoy_app::ticket_settings::{self as settings, DayInput, ItemInput, ItemUpdate, PolicyInput, RuleInput};

const TABS: [&str; 5] = ["classifier", "checklists", "sla", "calendar", "teams"];

/// A category's checklist on the settings page.
#[derive(Debug)]
struct ChecklistLine {
    id: String,
    category: String,
    /// The items, one a line, as the text area shows them.
    items: String,
    count: usize,
    signature: bool,
}

#[derive(Debug)]
struct ItemLine {
    id: String,
    code: String,
    name: String,
    sort_order: i64,
    active: bool,
}

#[derive(Debug)]
struct CategoryLine {
    item: ItemLine,
    problems: Vec<ItemLine>,
}

#[derive(Debug)]
struct PolicyLine {
    id: String,
    /// The requester may delete it (theirs: their building's, or any with
    /// the right everywhere).
    editable: bool,
    name: String,
    building: String,
    category: String,
    priority: String,
    response: String,
    resolution: String,
    schedule: String,
}

#[derive(Debug)]
struct TemplateLine {
    code: &'static str,
    name: &'static str,
    basis: &'static str,
    targets: String,
    adopted: bool,
}

#[derive(Debug)]
struct DayLine {
    date: String,
    weekday: String,
    kind: &'static str,
    note: String,
}

#[derive(Debug)]
struct TeamLine {
    id: String,
    name: String,
    company: String,
    members: Vec<String>,
}

#[derive(Debug)]
struct RuleLine {
    id: String,
    editable: bool,
    building: String,
    category: String,
    assignee: String,
}

#[derive(Template)]
#[template(path = "ticket_settings.html")]
struct SettingsPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    tab: &'static str,
    tabs: Vec<(&'static str, &'static str, bool)>,
    /// Settings of every building (the classifier, calendar, teams, and
    /// policies and rules for all buildings); otherwise only the policies
    /// and rules of the requester's own buildings.
    all: bool,
    places: Vec<ItemLine>,
    categories: Vec<CategoryLine>,
    kinds: Vec<Choice>,
    policies: Vec<PolicyLine>,
    templates: Vec<TemplateLine>,
    buildings: Vec<Choice>,
    category_choices: Vec<Choice>,
    priorities: Vec<Choice>,
    year: i32,
    years: Vec<i32>,
    days: Vec<DayLine>,
    day_kinds: Vec<Choice>,
    teams: Vec<TeamLine>,
    workers: Vec<Choice>,
    rules: Vec<RuleLine>,
    assignees: Vec<Choice>,
    checklists: Vec<ChecklistLine>,
    errors: Vec<(String, String)>,
}

#[derive(Debug, Deserialize, Default)]
pub struct SettingsQuery {
    tab: Option<String>,
    year: Option<i32>,
    done: Option<String>,
}

fn tab_of(raw: Option<&str>) -> &'static str {
    TABS.iter().copied().find(|t| Some(*t) == raw).unwrap_or("classifier")
}

fn require(caller: &Caller) -> Result<(), PageError> {
    if caller.principal().can_somewhere(Permission::TicketsSettings) { Ok(()) } else { Err(PageError::forbidden()) }
}

#[get("/admin/tickets")]
pub async fn show_settings(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<SettingsQuery>,
) -> Result<HttpResponse, PageError> {
    render(&state, &caller, &query, FormFailure::default(), StatusCode::OK).await
}

fn minutes_text(t: &Catalog, minutes: Option<i64>) -> String {
    minutes.map(|m| t.tk.minutes(&m)).unwrap_or_else(|| "—".to_owned())
}

async fn render(
    state: &AppState,
    caller: &Caller,
    query: &SettingsQuery,
    failure: FormFailure,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    require(caller)?;
    let t = caller.t();
    let tab = tab_of(query.tab.as_deref());
    let mut items = settings::classifier(state, caller).await?;
    items.sort_by(|a, b| (a.sort_order, &a.name).cmp(&(b.sort_order, &b.name)));
    let line = |i: &domovoy_store::classifier::ClassifierItem| ItemLine {
        id: i.id.to_string(),
        code: i.code.clone(),
        name: i.name.clone(),
        sort_order: i.sort_order,
        active: i.active,
    };
    let places = items.iter().filter(|i| i.kind == ClassifierKind::Place).map(line).collect();
    let categories = items
        .iter()
        .filter(|i| i.kind == ClassifierKind::Category)
        .map(|c| CategoryLine {
            item: line(c),
            problems: items.iter().filter(|p| p.parent_id == Some(c.id)).map(line).collect(),
        })
        .collect();
    let name_of_item = |id: Option<ClassifierId>| {
        id.and_then(|id| items.iter().find(|i| i.id == id))
            .map(|i| i.name.clone())
            .unwrap_or_else(|| t.tk.any_category.to_owned())
    };
    let all_buildings = domovoy_app::buildings::list(state, caller).await?;
    let building_name = |id: Option<domovoy_domain::ids::BuildingId>| {
        id.and_then(|id| all_buildings.iter().find(|b| b.id == id))
            .map(|b| b.name.to_string())
            .unwrap_or_else(|| t.tk.any_building.to_owned())
    };
    let policies_stored = settings::policies(state, caller).await?;
    let policies = policies_stored
        .iter()
        .map(|p| PolicyLine {
            id: p.id.to_string(),
            editable: settings::may_edit_settings(caller, p.building_id),
            name: p.name.clone(),
            building: building_name(p.building_id),
            category: name_of_item(p.category_id),
            priority: p.priority.map_or_else(|| t.tk.any_priority.to_owned(), |pr| t.tk.priority(&pr).to_owned()),
            response: minutes_text(t, p.targets.response_minutes),
            resolution: minutes_text(t, p.targets.resolution_minutes),
            schedule: match p.schedule {
                Schedule::AroundTheClock => t.tk.schedule_around_the_clock.to_owned(),
                Schedule::WorkingHours { start, end } => format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")),
            },
        })
        .collect();
    let templates = settings::templates()
        .iter()
        .map(|tpl| TemplateLine {
            code: tpl.code,
            name: tpl.name,
            basis: tpl.basis,
            targets: format!("{} / {}", minutes_text(t, tpl.response_minutes), minutes_text(t, tpl.resolution_minutes)),
            adopted: policies_stored.iter().any(|p| p.template.as_deref() == Some(tpl.code)),
        })
        .collect();
    let all_days = settings::calendar(state, caller, None).await?;
    let this_year = Utc::now().with_timezone(&state.config.display_time_zone).year();
    let mut years: Vec<i32> = all_days.iter().map(|d| d.date.year()).chain([this_year]).collect();
    years.sort_unstable();
    years.dedup();
    let year = query.year.unwrap_or(this_year);
    let days = all_days
        .iter()
        .filter(|d| d.date.year() == year)
        .map(|d| DayLine {
            date: d.date.format("%Y-%m-%d").to_string(),
            weekday: (t.tk.weekday_label)(d.date.weekday()).to_owned(),
            kind: (t.tk.day_kind_label)(d.kind),
            note: d.note.clone(),
        })
        .collect();
    let teams_stored = settings::teams(state, caller).await?;
    let teams = teams_stored
        .iter()
        .map(|team| TeamLine {
            id: team.id.to_string(),
            name: team.name.clone(),
            company: team.company.clone().unwrap_or_default(),
            members: team.members.iter().map(|(id, _)| id.to_string()).collect(),
        })
        .collect();
    let workers: Vec<Choice> = settings::workers(state, caller)
        .await?
        .into_iter()
        .map(|(id, name)| Choice { value: id.to_string(), label: name })
        .collect();
    let worker_name = |id: String| workers.iter().find(|w| w.value == id).map(|w| w.label.clone()).unwrap_or_default();
    let rules = settings::rules(state, caller)
        .await?
        .iter()
        .map(|r| RuleLine {
            id: r.id.to_string(),
            editable: settings::may_edit_settings(caller, r.building_id),
            building: building_name(r.building_id),
            category: name_of_item(r.category_id),
            assignee: match r.assignee {
                Assignee::User(user) => (t.tk.rule_user)(&worker_name(user.to_string())),
                Assignee::Team(team) => (t.tk.rule_team)(
                    &teams_stored.iter().find(|x| x.id == team).map(|x| x.name.clone()).unwrap_or_default(),
                ),
            },
        })
        .collect();
    let mut assignees: Vec<Choice> = teams_stored
        .iter()
        .map(|team| Choice { value: format!("team:{}", team.id), label: (t.tk.rule_team)(&team.name) })
        .collect();
    assignees.extend(
        workers.iter().map(|w| Choice { value: format!("user:{}", w.value), label: (t.tk.rule_user)(&w.label) }),
    );
    let checklists = domovoy_app::completion::list(state, caller)
        .await?
        .into_iter()
        .map(|c| ChecklistLine {
            id: c.category_id.to_string(),
            category: c.category,
            items: c.items.join("\n"),
            count: c.items.len(),
            signature: c.signature,
        })
        .collect();
    let path = format!("/admin/tickets?tab={tab}");
    let page = SettingsPage {
        t,
        chrome: Chrome::new(caller, Section::TicketSettings, &path)
            .with_notice(notice(t, query.done.as_deref()))
            .with_error(failure.message),
        tab,
        tabs: TABS
            .iter()
            .map(|&code| {
                let label = match code {
                    "classifier" => t.tk.tab_classifier,
                    "checklists" => t.tk.tab_checklists,
                    "sla" => t.tk.tab_sla,
                    "calendar" => t.tk.tab_calendar,
                    _ => t.tk.tab_teams,
                };
                (code, label, code == tab)
            })
            .collect(),
        places,
        categories,
        kinds: [ClassifierKind::Place, ClassifierKind::Category, ClassifierKind::Problem]
            .iter()
            .map(|k| Choice { value: k.code().to_owned(), label: (t.tk.classifier_kind_label)(*k).to_owned() })
            .collect(),
        policies,
        templates,
        all: settings::may_edit_settings(caller, None),
        buildings: all_buildings
            .iter()
            .filter(|b| settings::may_edit_settings(caller, Some(b.id)))
            .map(|b| Choice { value: b.id.to_string(), label: b.name.to_string() })
            .collect(),
        category_choices: items
            .iter()
            .filter(|i| i.kind == ClassifierKind::Category)
            .map(|i| Choice { value: i.id.to_string(), label: i.name.clone() })
            .collect(),
        priorities: Priority::ALL
            .iter()
            .map(|p| Choice { value: p.code().to_owned(), label: t.tk.priority(p).to_owned() })
            .collect(),
        year,
        years,
        days,
        day_kinds: [DayKind::Holiday, DayKind::Workday, DayKind::Short]
            .iter()
            .map(|k| Choice { value: k.code().to_owned(), label: (t.tk.day_kind_label)(*k).to_owned() })
            .collect(),
        teams,
        workers,
        rules,
        assignees,
        checklists,
        errors: failure.fields,
    };
    html_with_status(&page, status)
}

/// After a form: back to the tab with a notice, or the tab with the errors.
async fn finish<T>(
    state: &AppState,
    caller: &Caller,
    tab: &'static str,
    result: Result<T, AppError>,
    done: &str,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(_) => Ok(see_other(&format!("/admin/tickets?tab={tab}&done={done}"))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            let query = SettingsQuery { tab: Some(tab.to_owned()), year: None, done: None };
            render(state, caller, &query, failure, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ItemForm {
    kind: String,
    parent_id: Option<String>,
    code: String,
    name: String,
    sort_order: Option<String>,
}

#[post("/admin/tickets/classifier")]
pub async fn create_item(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<ItemForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let input = ItemInput {
        kind: form.kind,
        parent_id: form.parent_id,
        code: form.code,
        name: form.name,
        sort_order: form.sort_order.and_then(|s| s.trim().parse().ok()),
    };
    let result = settings::create_item(&state, &caller, &input).await;
    finish(&state, &caller, "classifier", result, "item_created").await
}

#[derive(Debug, Deserialize)]
pub struct ItemUpdateForm {
    name: String,
    sort_order: Option<String>,
    active: Option<String>,
}

#[post("/admin/tickets/classifier/{id}")]
pub async fn update_item(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<ItemUpdateForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let change = ItemUpdate {
        name: Some(form.name),
        sort_order: form.sort_order.and_then(|s| s.trim().parse().ok()),
        active: Some(form.active.is_some()),
    };
    let result = settings::update_item(&state, &caller, ClassifierId::from_uuid(*id), &change).await;
    finish(&state, &caller, "classifier", result, "saved").await
}

#[derive(Debug, Deserialize)]
pub struct ChecklistForm {
    items: String,
    signature: Option<String>,
}

#[post("/admin/tickets/checklists/{id}")]
pub async fn set_checklist(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<ChecklistForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let category = ClassifierId::from_uuid(*id);
    let lines = [form.items];
    let result = domovoy_app::completion::set(&state, &caller, category, &lines, form.signature.is_some()).await;
    finish(&state, &caller, "checklists", result, "saved").await
}

#[derive(Debug, Deserialize)]
pub struct PolicyForm {
    name: String,
    building_id: Option<String>,
    category: Option<String>,
    priority: Option<String>,
    response_minutes: Option<String>,
    resolution_minutes: Option<String>,
    warn_percent: Option<String>,
    schedule: Option<String>,
    work_start: Option<String>,
    work_end: Option<String>,
}

/// A number field: blank is none, anything else must parse.
fn number(raw: Option<&str>, field: &'static str) -> Result<Option<i64>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => {
            text.parse().map(Some).map_err(|_| AppError::field(field, domovoy_domain::FieldError::InvalidFormat))
        }
    }
}

#[post("/admin/tickets/policies")]
pub async fn create_policy(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<PolicyForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let parsed = (|| {
        Ok::<_, AppError>(PolicyInput {
            name: form.name.clone(),
            building_id: form.building_id.clone(),
            category: form.category.clone(),
            priority: form.priority.clone(),
            response_minutes: number(form.response_minutes.as_deref(), "response_minutes")?,
            resolution_minutes: number(form.resolution_minutes.as_deref(), "resolution_minutes")?,
            warn_percent: number(form.warn_percent.as_deref(), "warn_percent")?,
            around_the_clock: Some(form.schedule.as_deref() != Some("working_hours")),
            work_start: form.work_start.clone(),
            work_end: form.work_end.clone(),
        })
    })();
    let result = match parsed {
        Ok(input) => settings::create_policy(&state, &caller, &input).await,
        Err(error) => Err(error),
    };
    finish(&state, &caller, "sla", result, "policy_created").await
}

#[post("/admin/tickets/policies/{id}/delete")]
pub async fn delete_policy(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let result = settings::delete_policy(&state, &caller, SlaPolicyId::from_uuid(*id)).await;
    finish(&state, &caller, "sla", result, "policy_deleted").await
}

#[post("/admin/tickets/templates/{code}/adopt")]
pub async fn adopt_template(
    state: web::Data<AppState>,
    caller: PageCaller,
    code: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let result = settings::adopt_template(&state, &caller, &code).await;
    finish(&state, &caller, "sla", result, "template_adopted").await
}

#[derive(Debug, Deserialize)]
pub struct CalendarForm {
    /// `import` (a whole file pasted) or `add` (one day).
    action: String,
    text: Option<String>,
    date: Option<String>,
    kind: Option<String>,
    note: Option<String>,
}

#[post("/admin/tickets/calendar")]
pub async fn calendar(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<CalendarForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let result = match form.action.as_str() {
        "import" => settings::import_calendar(&state, &caller, form.text.as_deref().unwrap_or_default()).await,
        "add" => {
            let input =
                DayInput { date: form.date.unwrap_or_default(), kind: form.kind.unwrap_or_default(), note: form.note };
            settings::add_day(&state, &caller, &input).await
        }
        _ => return Err(PageError::BadForm),
    };
    finish(&state, &caller, "calendar", result, "saved").await
}

#[post("/admin/tickets/calendar/{date}/delete")]
pub async fn delete_day(
    state: web::Data<AppState>,
    caller: PageCaller,
    date: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| PageError::not_found())?;
    let result = settings::remove_day(&state, &caller, date).await;
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/tickets?tab=calendar&year={}&done=day_removed", date.year()))),
        Err(error) => finish::<()>(&state, &caller, "calendar", Err(error), "").await,
    }
}

fn values(pairs: &FormPairs, key: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
}

#[post("/admin/tickets/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let name = values(&form.0, "name").into_iter().next().unwrap_or_default();
    let company = values(&form.0, "company").into_iter().next();
    let result = settings::create_team(&state, &caller, &name, company.as_deref(), &values(&form.0, "members")).await;
    finish(&state, &caller, "teams", result, "team_created").await
}

#[post("/admin/tickets/teams/{id}/members")]
pub async fn set_members(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let result = settings::set_members(&state, &caller, TeamId::from_uuid(*id), &values(&form.0, "members")).await;
    finish(&state, &caller, "teams", result, "members_saved").await
}

#[derive(Debug, Deserialize)]
pub struct RuleForm {
    building_id: Option<String>,
    category: Option<String>,
    /// `user:<id>` or `team:<id>`.
    assignee: String,
}

#[post("/admin/tickets/rules")]
pub async fn create_rule(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<RuleForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let (user_id, team_id) = match form.assignee.split_once(':') {
        Some(("user", id)) => (Some(id.to_owned()), None),
        Some(("team", id)) => (None, Some(id.to_owned())),
        _ => (None, None),
    };
    let input = RuleInput { building_id: form.building_id, category: form.category, user_id, team_id };
    let result = settings::add_rule(&state, &caller, &input).await;
    finish(&state, &caller, "teams", result, "rule_added").await
}

#[post("/admin/tickets/rules/{id}/delete")]
pub async fn delete_rule(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let result = settings::delete_rule(&state, &caller, *id).await;
    finish(&state, &caller, "teams", result, "rule_deleted").await
}
