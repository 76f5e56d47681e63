//! What tickets are routed and timed by: the classifier, SLA policies and
//! their templates, the production calendar, teams and assignment rules;
//! and each user's saved board filters. Changing any of it takes the
//! `tickets.settings` permission for all buildings and is audited.

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::classifier::{ClassifierKind, parse_item_code, parse_item_name};
use domovoy_domain::error::FieldErrors;
use domovoy_domain::ids::{BuildingId, ClassifierId, SlaPolicyId, TeamId, UserId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::sla::{CalendarDay, DayKind, SLA_TEMPLATES, Schedule, SlaTargets, SlaTemplate, parse_calendar};
use domovoy_domain::ticket::Priority;
use domovoy_store::audit::{self, Actor, Change};
use domovoy_store::classifier::{self, ClassifierItem, NewItem};
use domovoy_store::saved_filters::{self, SavedFilter};
use domovoy_store::sla::{self, PolicyDraft, SlaPolicy};
use domovoy_store::teams::{self, Assignee, AssignmentRule, Team};

use super::{optional, present};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Longest SLA target: a year.
const MAX_TARGET_MINUTES: i64 = 525_600;

fn require_settings(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Permission::TicketsSettings, &Target::SYSTEM)
}

/// Reading reference data needs only working with tickets somewhere.
fn require_reader(caller: &Caller) -> Result<(), ApiError> {
    let p = &caller.principal;
    if p.can_somewhere(Permission::TicketsRead) || p.can_somewhere(Permission::TicketsCreate) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

fn parse_uuid<T: From<Uuid>>(raw: &str) -> Result<T, FieldError> {
    raw.trim().parse::<Uuid>().map(T::from).map_err(|_| FieldError::InvalidFormat)
}

// ---- Classifier --------------------------------------------------------

pub async fn classifier(state: &AppState, caller: &Caller) -> Result<Vec<ClassifierItem>, ApiError> {
    require_reader(caller)?;
    Ok(classifier::list(&state.db).await?)
}

/// A new classifier item as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ItemInput {
    /// `place`, `category` or `problem`.
    pub kind: String,
    /// For problems: the category's id.
    pub parent_id: Option<String>,
    pub code: String,
    pub name: String,
    pub sort_order: Option<i64>,
}

pub async fn create_item(state: &AppState, caller: &Caller, input: &ItemInput) -> Result<ClassifierItem, ApiError> {
    require_settings(caller)?;
    let mut errors = FieldErrors::new();
    let kind = errors.check("kind", input.kind.parse::<ClassifierKind>());
    let parent = optional(&mut errors, "parent_id", input.parent_id.as_deref(), parse_uuid::<ClassifierId>);
    let code = errors.check("code", parse_item_code(&input.code));
    let name = errors.check("name", parse_item_name(&input.name));
    if kind == Some(ClassifierKind::Problem)
        && parent.is_none()
        && input.parent_id.as_deref().is_none_or(|p| p.trim().is_empty())
    {
        errors.add("parent_id", FieldError::Required);
    }
    errors.clone().into_result()?;
    let (Some(kind), Some(code), Some(name)) = (kind, code, name) else { return Err(ApiError::Validation(errors)) };
    let parent = if kind == ClassifierKind::Problem { parent } else { None };
    let new = NewItem { kind, parent_id: parent, code, name, sort_order: input.sort_order.unwrap_or(100) };
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                if let Some(parent) = new.parent_id {
                    let item = classifier::get(&mut *tx, parent)
                        .await
                        .map_err(|_| ApiError::field("parent_id", FieldError::Unknown))?;
                    if item.kind != ClassifierKind::Category {
                        return Err(ApiError::field("parent_id", FieldError::NotAllowed));
                    }
                }
                if classifier::find_by_code(&mut *tx, &new.code).await?.is_some() {
                    return Err(ApiError::field("code", FieldError::Taken));
                }
                let item = classifier::insert(tx, &new).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::ClassifierItemCreated, item.id)
                        .summary(item.name.clone())
                        .after(&item),
                )
                .await?;
                Ok(item)
            })
        })
        .await
}

/// A change of an item's name, order or activity.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ItemUpdate {
    pub name: Option<String>,
    pub sort_order: Option<i64>,
    /// An inactive item is kept on old tickets but offered for no new one.
    pub active: Option<bool>,
}

pub async fn update_item(
    state: &AppState,
    caller: &Caller,
    id: ClassifierId,
    change: &ItemUpdate,
) -> Result<ClassifierItem, ApiError> {
    require_settings(caller)?;
    let name = match present(change.name.as_deref()) {
        Some(raw) => Some(parse_item_name(raw).map_err(|e| ApiError::field("name", e))?),
        None => None,
    };
    let (change, actor) = (change.clone(), caller.actor());
    state
        .write(move |tx| {
            Box::pin(async move {
                let before = classifier::get(&mut *tx, id).await?;
                let after = classifier::update(
                    tx,
                    id,
                    name.as_deref().unwrap_or(&before.name),
                    change.sort_order.unwrap_or(before.sort_order),
                    change.active.unwrap_or(before.active),
                )
                .await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::ClassifierItemUpdated, id)
                        .summary(after.name.clone())
                        .before(&before)
                        .after(&after),
                )
                .await?;
                Ok(after)
            })
        })
        .await
}

// ---- SLA policies ------------------------------------------------------

pub async fn policies(state: &AppState, caller: &Caller) -> Result<Vec<SlaPolicy>, ApiError> {
    require_reader(caller)?;
    Ok(sla::list(&state.db).await?)
}

/// A new SLA policy as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PolicyInput {
    pub name: String,
    /// Empty: every building.
    pub building_id: Option<String>,
    /// A category id or code; empty: every category.
    pub category: Option<String>,
    /// Empty: every priority.
    pub priority: Option<String>,
    pub response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    /// Percent of a target after which the ticket is in warning (default 75).
    pub warn_percent: Option<i64>,
    /// `true`: every minute counts; `false`: working hours by the calendar.
    pub around_the_clock: Option<bool>,
    /// `HH:MM`, for working hours (default 09:00).
    pub work_start: Option<String>,
    /// `HH:MM` (default 18:00).
    pub work_end: Option<String>,
}

fn parse_minutes(value: Option<i64>) -> Result<Option<i64>, FieldError> {
    match value {
        None => Ok(None),
        Some(m) if (1..=MAX_TARGET_MINUTES).contains(&m) => Ok(Some(m)),
        Some(_) => Err(FieldError::InvalidFormat),
    }
}

fn parse_time(raw: Option<&str>, default: (u32, u32)) -> Result<NaiveTime, FieldError> {
    match present(raw) {
        None => NaiveTime::from_hms_opt(default.0, default.1, 0).ok_or(FieldError::InvalidFormat),
        Some(text) => NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| FieldError::InvalidFormat),
    }
}

async fn resolve_category(state: &AppState, raw: Option<&str>) -> Result<Option<ClassifierId>, ApiError> {
    let Some(raw) = present(raw) else { return Ok(None) };
    let id = match raw.parse::<Uuid>() {
        Ok(uuid) => ClassifierId::from_uuid(uuid),
        Err(_) => {
            classifier::find_by_code(&state.db, raw).await?.ok_or(ApiError::field("category", FieldError::Unknown))?
        }
    };
    let item = classifier::get(&state.db, id).await.map_err(|_| ApiError::field("category", FieldError::Unknown))?;
    if item.kind != ClassifierKind::Category {
        return Err(ApiError::field("category", FieldError::NotAllowed));
    }
    Ok(Some(id))
}

async fn parse_policy(
    state: &AppState,
    input: &PolicyInput,
    template: Option<String>,
) -> Result<PolicyDraft, ApiError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", parse_item_name(&input.name));
    let building = optional(&mut errors, "building_id", input.building_id.as_deref(), parse_uuid::<BuildingId>);
    let priority = optional(&mut errors, "priority", input.priority.as_deref(), str::parse::<Priority>);
    let response = errors.check("response_minutes", parse_minutes(input.response_minutes)).flatten();
    let resolution = errors.check("resolution_minutes", parse_minutes(input.resolution_minutes)).flatten();
    if response.is_none() && resolution.is_none() && !errors.iter().any(|(f, _)| f.ends_with("_minutes")) {
        errors.add("resolution_minutes", FieldError::Required);
    }
    let warn = errors.check(
        "warn_percent",
        u8::try_from(input.warn_percent.unwrap_or(75))
            .ok()
            .filter(|p| (1..=99).contains(p))
            .ok_or(FieldError::InvalidFormat),
    );
    let around = input.around_the_clock.unwrap_or(true);
    let start = errors.check("work_start", parse_time(input.work_start.as_deref(), (9, 0)));
    let end = errors.check("work_end", parse_time(input.work_end.as_deref(), (18, 0)));
    if let (Some(start), Some(end)) = (start, end)
        && !around
        && start >= end
    {
        errors.add("work_end", FieldError::InvalidFormat);
    }
    let category = match resolve_category(state, input.category.as_deref()).await {
        Ok(category) => category,
        Err(ApiError::Validation(more)) => {
            for (field, error) in more.iter() {
                errors.add(field, error.clone());
            }
            None
        }
        Err(other) => return Err(other),
    };
    if let Some(id) = building
        && domovoy_store::buildings::get(&state.db, id).await.is_err()
    {
        errors.add("building_id", FieldError::Unknown);
    }
    errors.clone().into_result()?;
    let (Some(name), Some(warn), Some(start), Some(end)) = (name, warn, start, end) else {
        return Err(ApiError::Validation(errors));
    };
    Ok(PolicyDraft {
        name,
        building_id: building,
        category_id: category,
        priority,
        targets: SlaTargets { response_minutes: response, resolution_minutes: resolution, warn_percent: warn },
        schedule: if around { Schedule::AroundTheClock } else { Schedule::WorkingHours { start, end } },
        template,
    })
}

async fn insert_policy(state: &AppState, caller: &Caller, draft: PolicyDraft) -> Result<SlaPolicy, ApiError> {
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let policy = sla::insert(tx, &draft).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::SlaPolicyCreated, policy.id)
                        .building(policy.building_id)
                        .summary(policy.name.clone())
                        .after(&policy),
                )
                .await?;
                Ok(policy)
            })
        })
        .await
}

/// A new policy. Tickets already open keep their deadlines until they are
/// reclassified; new tickets get the policy at once.
pub async fn create_policy(state: &AppState, caller: &Caller, input: &PolicyInput) -> Result<SlaPolicy, ApiError> {
    require_settings(caller)?;
    let draft = parse_policy(state, input, None).await?;
    insert_policy(state, caller, draft).await
}

pub async fn delete_policy(state: &AppState, caller: &Caller, id: SlaPolicyId) -> Result<(), ApiError> {
    require_settings(caller)?;
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let policy = sla::delete(tx, id).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::SlaPolicyDeleted, id)
                        .building(policy.building_id)
                        .summary(policy.name.clone())
                        .before(&policy),
                )
                .await?;
                Ok(())
            })
        })
        .await
}

/// The regulated deadlines an administrator may adopt.
pub fn templates() -> &'static [SlaTemplate] {
    SLA_TEMPLATES
}

/// Adds a policy from a template (once per template).
pub async fn adopt_template(state: &AppState, caller: &Caller, code: &str) -> Result<SlaPolicy, ApiError> {
    require_settings(caller)?;
    let template = SLA_TEMPLATES.iter().find(|t| t.code == code).ok_or(ApiError::NotFound)?;
    if sla::list(&state.db).await?.iter().any(|p| p.template.as_deref() == Some(template.code)) {
        return Err(ApiError::field("template", FieldError::Taken));
    }
    let input = PolicyInput {
        name: template.name.chars().take(120).collect(),
        category: Some(template.category.to_owned()),
        priority: Some(template.priority.code().to_owned()),
        response_minutes: template.response_minutes,
        resolution_minutes: template.resolution_minutes,
        around_the_clock: Some(template.around_the_clock),
        ..PolicyInput::default()
    };
    let draft = parse_policy(state, &input, Some(template.code.to_owned())).await?;
    insert_policy(state, caller, draft).await
}

// ---- Production calendar -------------------------------------------------

pub async fn calendar(state: &AppState, caller: &Caller, year: Option<i32>) -> Result<Vec<CalendarDay>, ApiError> {
    require_reader(caller)?;
    let days = sla::calendar_days(&state.db).await?;
    Ok(match year {
        Some(year) => days.into_iter().filter(|d| chrono::Datelike::year(&d.date) == year).collect(),
        None => days,
    })
}

/// Adds the days of a calendar file (see `parse_calendar`); days already
/// there are kept. Returns how many were added. The whole file is checked
/// before anything is written.
pub async fn import_calendar(state: &AppState, caller: &Caller, text: &str) -> Result<u64, ApiError> {
    require_settings(caller)?;
    import_calendar_as(state, caller.actor(), text).await
}

/// As [`import_calendar`], for callers already authorised (the operator's
/// command line).
pub async fn import_calendar_as(state: &AppState, actor: Actor, text: &str) -> Result<u64, ApiError> {
    let days = parse_calendar(text).map_err(|(line, error)| ApiError::CalendarLine { line, error })?;
    add_days(state, actor, days, "import").await
}

/// One day typed into the form.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DayInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `holiday`, `workday` or `short`.
    pub kind: String,
    pub note: Option<String>,
}

pub async fn add_day(state: &AppState, caller: &Caller, input: &DayInput) -> Result<u64, ApiError> {
    require_settings(caller)?;
    let mut errors = FieldErrors::new();
    let date = errors
        .check("date", NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d").map_err(|_| FieldError::InvalidFormat));
    let kind = errors.check("kind", input.kind.trim().parse::<DayKind>());
    let note = optional(&mut errors, "note", input.note.as_deref(), parse_item_name);
    errors.clone().into_result()?;
    let (Some(date), Some(kind)) = (date, kind) else { return Err(ApiError::Validation(errors)) };
    add_days(state, caller.actor(), vec![CalendarDay { date, kind, note: note.unwrap_or_default() }], "add").await
}

async fn add_days(state: &AppState, actor: Actor, days: Vec<CalendarDay>, how: &'static str) -> Result<u64, ApiError> {
    let count = days.len();
    let added = state
        .write(move |tx| {
            Box::pin(async move {
                let added = sla::add_calendar_days(tx, &days).await?;
                let first = days.first().map(|d| d.date.to_string()).unwrap_or_default();
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::CalendarChanged, first.clone())
                        .summary(format!("{how}: {added} / {count}"))
                        .after(&serde_json::json!({ "added": added, "days": days })),
                )
                .await?;
                Ok(added)
            })
        })
        .await?;
    state.live.tickets.calendar().invalidate();
    Ok(added)
}

pub async fn remove_day(state: &AppState, caller: &Caller, date: NaiveDate) -> Result<(), ApiError> {
    require_settings(caller)?;
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                if sla::remove_calendar_day(tx, date).await? == 0 {
                    return Err(ApiError::NotFound);
                }
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::CalendarChanged, date).summary(format!("remove {date}")),
                )
                .await?;
                Ok(())
            })
        })
        .await?;
    state.live.tickets.calendar().invalidate();
    Ok(())
}

// ---- Teams and assignment rules ------------------------------------------

pub async fn teams(state: &AppState, caller: &Caller) -> Result<Vec<Team>, ApiError> {
    require_reader(caller)?;
    Ok(teams::list(&state.db).await?)
}

fn parse_members(raw: &[String]) -> Result<Vec<UserId>, ApiError> {
    let mut members = Vec::with_capacity(raw.len());
    for id in raw.iter().filter(|r| !r.trim().is_empty()) {
        members.push(parse_uuid::<UserId>(id).map_err(|e| ApiError::field("members", e))?);
    }
    members.sort_unstable();
    members.dedup();
    Ok(members)
}

/// Members must be enabled staff who work on tickets somewhere.
async fn check_members(state: &AppState, members: &[UserId]) -> Result<(), ApiError> {
    let workers = domovoy_store::assignments::holders(&state.db, Permission::TicketsTransition).await?;
    if members.iter().all(|m| workers.iter().any(|w| w.user_id == *m)) {
        Ok(())
    } else {
        Err(ApiError::field("members", FieldError::NotAllowed))
    }
}

pub async fn create_team(
    state: &AppState,
    caller: &Caller,
    name: &str,
    members: &[String],
) -> Result<TeamId, ApiError> {
    require_settings(caller)?;
    let name = parse_item_name(name).map_err(|e| ApiError::field("name", e))?;
    let members = parse_members(members)?;
    check_members(state, &members).await?;
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let id = teams::create(tx, &name, &members).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::TeamCreated, id)
                        .summary(name.clone())
                        .after(&serde_json::json!({ "name": name, "members": members })),
                )
                .await?;
                Ok(id)
            })
        })
        .await
}

pub async fn set_members(state: &AppState, caller: &Caller, team: TeamId, members: &[String]) -> Result<(), ApiError> {
    require_settings(caller)?;
    let members = parse_members(members)?;
    check_members(state, &members).await?;
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let before =
                    teams::list(&mut *tx).await?.into_iter().find(|t| t.id == team).ok_or(ApiError::NotFound)?;
                teams::set_members(tx, team, &members).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::TeamUpdated, team)
                        .summary(before.name.clone())
                        .before(&before)
                        .after(&serde_json::json!({ "members": members })),
                )
                .await?;
                Ok(())
            })
        })
        .await
}

pub async fn rules(state: &AppState, caller: &Caller) -> Result<Vec<AssignmentRule>, ApiError> {
    require_reader(caller)?;
    Ok(teams::rules(&state.db).await?)
}

/// A new assignment rule as typed: exactly one of `user_id`, `team_id`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RuleInput {
    pub building_id: Option<String>,
    /// A category id or code.
    pub category: Option<String>,
    pub user_id: Option<String>,
    pub team_id: Option<String>,
}

pub async fn add_rule(state: &AppState, caller: &Caller, input: &RuleInput) -> Result<Uuid, ApiError> {
    require_settings(caller)?;
    let mut errors = FieldErrors::new();
    let building = optional(&mut errors, "building_id", input.building_id.as_deref(), parse_uuid::<BuildingId>);
    let user = optional(&mut errors, "user_id", input.user_id.as_deref(), parse_uuid::<UserId>);
    let team = optional(&mut errors, "team_id", input.team_id.as_deref(), parse_uuid::<TeamId>);
    errors.into_result()?;
    let assignee = match (user, team) {
        (Some(user), None) => {
            let workers = domovoy_store::assignments::holders(&state.db, Permission::TicketsTransition).await?;
            let fits = workers.iter().any(|w| w.user_id == user && building.is_none_or(|b| w.reaches(b)));
            if !fits {
                return Err(ApiError::field("user_id", FieldError::NotAllowed));
            }
            Assignee::User(user)
        }
        (None, Some(team)) => {
            if !teams::list(&state.db).await?.iter().any(|t| t.id == team) {
                return Err(ApiError::field("team_id", FieldError::Unknown));
            }
            Assignee::Team(team)
        }
        _ => return Err(ApiError::field("user_id", FieldError::Required)),
    };
    let category = resolve_category(state, input.category.as_deref()).await?;
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let id = teams::add_rule(tx, building, category, assignee).await?;
                let after =
                    serde_json::json!({ "building_id": building, "category_id": category, "assignee": assignee });
                audit::record(tx, Change::new(&actor, AuditAction::RuleCreated, id).building(building).after(&after))
                    .await?;
                Ok(id)
            })
        })
        .await
}

pub async fn delete_rule(state: &AppState, caller: &Caller, id: Uuid) -> Result<(), ApiError> {
    require_settings(caller)?;
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let before =
                    teams::rules(&mut *tx).await?.into_iter().find(|r| r.id == id).ok_or(ApiError::NotFound)?;
                teams::delete_rule(tx, id).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::RuleDeleted, id).building(before.building_id).before(&before),
                )
                .await?;
                Ok(())
            })
        })
        .await
}

// ---- Saved filters -------------------------------------------------------

pub async fn saved_filters(state: &AppState, caller: &Caller) -> Result<Vec<SavedFilter>, ApiError> {
    Ok(saved_filters::list(&state.db, caller.user.id).await?)
}

pub async fn save_filter(state: &AppState, caller: &Caller, name: &str, query: &str) -> Result<SavedFilter, ApiError> {
    let name = parse_item_name(name).map_err(|e| ApiError::field("name", e))?;
    // Kept only if it parses: a saved filter must open the board.
    let filter: super::ticket_filter::TicketFilter =
        serde_urlencoded::from_str(query).map_err(|_| ApiError::field("query", FieldError::InvalidFormat))?;
    filter.to_query(caller.user.id)?;
    let (user, query) = (caller.user.id, filter.with_cursor(None).to_query_string());
    state.write(move |tx| Box::pin(async move { Ok(saved_filters::save(tx, user, &name, &query).await?) })).await
}

pub async fn delete_filter(state: &AppState, caller: &Caller, id: Uuid) -> Result<(), ApiError> {
    let user = caller.user.id;
    state.write(move |tx| Box::pin(async move { Ok(saved_filters::delete(tx, user, id).await?) })).await
}
