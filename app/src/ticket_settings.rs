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
use domovoy_domain::error::{FieldErrors, bounded_text};
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

use crate::App;
use crate::AppError;
use crate::Requester;
use crate::common::{optional, present};

/// Longest SLA target: a year.
const MAX_TARGET_MINUTES: i64 = 525_600;

fn require_settings(requester: &Requester) -> Result<(), AppError> {
    requester.require(Permission::TicketsSettings, &Target::SYSTEM)
}

/// SLA policies and assignment rules of one building are its manager's
/// (`tickets.settings` granted for that building); those of every building
/// need the permission everywhere.
fn require_settings_for(requester: &Requester, building: Option<BuildingId>) -> Result<(), AppError> {
    requester.require(Permission::TicketsSettings, &building.map_or(Target::SYSTEM, Target::building))
}

/// Settings of some building: checked before looking anything up, so
/// nobody without the right learns what exists.
fn require_some_settings(requester: &Requester) -> Result<(), AppError> {
    if requester.principal().can_somewhere(Permission::TicketsSettings) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// The building an input names, for the permission check before anything
/// else is looked at (a malformed id needs the permission everywhere).
fn named_building(raw: Option<&str>) -> Option<BuildingId> {
    raw.map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| b.parse::<Uuid>().ok().map(BuildingId::from_uuid))
        .unwrap_or(None)
}

/// Whether the requester may edit settings of `building` (`None`: every
/// building): what the settings page offers.
pub fn may_edit_settings(requester: &Requester, building: Option<BuildingId>) -> bool {
    require_settings_for(requester, building).is_ok()
}

/// Reading the company's own organisation (teams and their members,
/// assignment rules, SLA norms) is for staff who work with tickets in some
/// building, never for residents.
fn require_staff_reader(requester: &Requester) -> Result<(), AppError> {
    if requester.principal().reach(Permission::TicketsRead).reaches_buildings() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Reading reference data needs only working with tickets somewhere.
fn require_reader(requester: &Requester) -> Result<(), AppError> {
    let p = &requester.principal();
    if p.can_somewhere(Permission::TicketsRead) || p.can_somewhere(Permission::TicketsCreate) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn parse_uuid<T: From<Uuid>>(raw: &str) -> Result<T, FieldError> {
    raw.trim().parse::<Uuid>().map(T::from).map_err(|_| FieldError::InvalidFormat)
}

// ---- Classifier --------------------------------------------------------

/// Staff who may work on tickets anywhere, by name: who can join a team or
/// be named by an assignment rule.
pub async fn workers(app: &App, requester: &Requester) -> Result<Vec<(UserId, String)>, AppError> {
    require_some_settings(requester)?;
    let mut workers: Vec<(UserId, String)> =
        domovoy_store::assignments::holders(&app.db, Permission::TicketsTransition)
            .await?
            .into_iter()
            .map(|h| (h.user_id, h.display_name))
            .collect();
    workers.dedup_by_key(|(id, _)| *id);
    Ok(workers)
}

pub async fn classifier(app: &App, requester: &Requester) -> Result<Vec<ClassifierItem>, AppError> {
    require_reader(requester)?;
    Ok(classifier::list(&app.db).await?)
}

/// A new classifier item as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemInput {
    /// `place`, `category` or `problem`.
    pub kind: String,
    /// For problems: the category's id.
    pub parent_id: Option<String>,
    pub code: String,
    pub name: String,
    pub sort_order: Option<i64>,
}

pub async fn create_item(app: &App, requester: &Requester, input: &ItemInput) -> Result<ClassifierItem, AppError> {
    require_settings(requester)?;
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
    let (Some(kind), Some(code), Some(name)) = (kind, code, name) else { return Err(AppError::Validation(errors)) };
    let parent = if kind == ClassifierKind::Problem { parent } else { None };
    let new = NewItem { kind, parent_id: parent, code, name, sort_order: input.sort_order.unwrap_or(100) };
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            if let Some(parent) = new.parent_id {
                let item = classifier::get(&mut *tx, parent)
                    .await
                    .map_err(|_| AppError::field("parent_id", FieldError::Unknown))?;
                if item.kind != ClassifierKind::Category {
                    return Err(AppError::field("parent_id", FieldError::NotAllowed));
                }
            }
            if classifier::find_by_code(&mut *tx, &new.code).await?.is_some() {
                return Err(AppError::field("code", FieldError::Taken));
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
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemUpdate {
    pub name: Option<String>,
    pub sort_order: Option<i64>,
    /// An inactive item is kept on old tickets but offered for no new one.
    pub active: Option<bool>,
}

pub async fn update_item(
    app: &App,
    requester: &Requester,
    id: ClassifierId,
    change: &ItemUpdate,
) -> Result<ClassifierItem, AppError> {
    require_settings(requester)?;
    let name = match present(change.name.as_deref()) {
        Some(raw) => Some(parse_item_name(raw).map_err(|e| AppError::field("name", e))?),
        None => None,
    };
    let (change, actor) = (change.clone(), requester.actor());
    app.write(move |tx| {
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

pub async fn policies(app: &App, requester: &Requester) -> Result<Vec<SlaPolicy>, AppError> {
    require_staff_reader(requester)?;
    Ok(sla::list(&app.db).await?)
}

/// A new SLA policy as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

async fn resolve_category(app: &App, raw: Option<&str>) -> Result<Option<ClassifierId>, AppError> {
    let Some(raw) = present(raw) else { return Ok(None) };
    let id = match raw.parse::<Uuid>() {
        Ok(uuid) => ClassifierId::from_uuid(uuid),
        Err(_) => {
            classifier::find_by_code(&app.db, raw).await?.ok_or(AppError::field("category", FieldError::Unknown))?
        }
    };
    let item = classifier::get(&app.db, id).await.map_err(|_| AppError::field("category", FieldError::Unknown))?;
    if item.kind != ClassifierKind::Category {
        return Err(AppError::field("category", FieldError::NotAllowed));
    }
    Ok(Some(id))
}

async fn parse_policy(app: &App, input: &PolicyInput, template: Option<String>) -> Result<PolicyDraft, AppError> {
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
    let category = match resolve_category(app, input.category.as_deref()).await {
        Ok(category) => category,
        Err(AppError::Validation(more)) => {
            for (field, error) in more.iter() {
                errors.add(field, error.clone());
            }
            None
        }
        Err(other) => return Err(other),
    };
    if let Some(id) = building
        && domovoy_store::buildings::get(&app.db, id).await.is_err()
    {
        errors.add("building_id", FieldError::Unknown);
    }
    errors.clone().into_result()?;
    let (Some(name), Some(warn), Some(start), Some(end)) = (name, warn, start, end) else {
        return Err(AppError::Validation(errors));
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

async fn insert_policy(app: &App, requester: &Requester, draft: PolicyDraft) -> Result<SlaPolicy, AppError> {
    let actor = requester.actor();
    app.write(move |tx| {
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
pub async fn create_policy(app: &App, requester: &Requester, input: &PolicyInput) -> Result<SlaPolicy, AppError> {
    require_settings_for(requester, named_building(input.building_id.as_deref()))?;
    let draft = parse_policy(app, input, None).await?;
    insert_policy(app, requester, draft).await
}

pub async fn delete_policy(app: &App, requester: &Requester, id: SlaPolicyId) -> Result<(), AppError> {
    require_some_settings(requester)?;
    let actor = requester.actor();
    let requester = requester.clone();
    app.write(move |tx| {
        Box::pin(async move {
            require_settings_for(&requester, sla::get(&mut *tx, id).await?.building_id)?;
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
pub async fn adopt_template(app: &App, requester: &Requester, code: &str) -> Result<SlaPolicy, AppError> {
    require_settings(requester)?;
    let template = SLA_TEMPLATES.iter().find(|t| t.code == code).ok_or(AppError::NotFound)?;
    if sla::list(&app.db).await?.iter().any(|p| p.template.as_deref() == Some(template.code)) {
        return Err(AppError::field("template", FieldError::Taken));
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
    let draft = parse_policy(app, &input, Some(template.code.to_owned())).await?;
    insert_policy(app, requester, draft).await
}

// ---- Production calendar -------------------------------------------------

pub async fn calendar(app: &App, requester: &Requester, year: Option<i32>) -> Result<Vec<CalendarDay>, AppError> {
    require_reader(requester)?;
    let days = sla::calendar_days(&app.db).await?;
    Ok(match year {
        Some(year) => days.into_iter().filter(|d| chrono::Datelike::year(&d.date) == year).collect(),
        None => days,
    })
}

/// Adds the days of a calendar file (see `parse_calendar`); days already
/// there are kept. Returns how many were added. The whole file is checked
/// before anything is written.
pub async fn import_calendar(app: &App, requester: &Requester, text: &str) -> Result<u64, AppError> {
    require_settings(requester)?;
    let actor = requester.actor();
    let days = parse_calendar(text).map_err(|(line, error)| AppError::CalendarLine { line, error })?;
    add_days(app, actor, days, "import").await
}

/// One day typed into the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `holiday`, `workday` or `short`.
    pub kind: String,
    pub note: Option<String>,
}

pub async fn add_day(app: &App, requester: &Requester, input: &DayInput) -> Result<u64, AppError> {
    require_settings(requester)?;
    let mut errors = FieldErrors::new();
    let date = errors
        .check("date", NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d").map_err(|_| FieldError::InvalidFormat));
    let kind = errors.check("kind", input.kind.trim().parse::<DayKind>());
    let note = optional(&mut errors, "note", input.note.as_deref(), parse_item_name);
    errors.clone().into_result()?;
    let (Some(date), Some(kind)) = (date, kind) else { return Err(AppError::Validation(errors)) };
    add_days(app, requester.actor(), vec![CalendarDay { date, kind, note: note.unwrap_or_default() }], "add").await
}

async fn add_days(app: &App, actor: Actor, days: Vec<CalendarDay>, how: &'static str) -> Result<u64, AppError> {
    let count = days.len();
    let added = app
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
    app.calendar_changed();
    Ok(added)
}

pub async fn remove_day(app: &App, requester: &Requester, date: NaiveDate) -> Result<(), AppError> {
    require_settings(requester)?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            if sla::remove_calendar_day(tx, date).await? == 0 {
                return Err(AppError::NotFound);
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
    app.calendar_changed();
    Ok(())
}

// ---- Teams and assignment rules ------------------------------------------

pub async fn teams(app: &App, requester: &Requester) -> Result<Vec<Team>, AppError> {
    require_staff_reader(requester)?;
    Ok(teams::list(&app.db).await?)
}

fn parse_members(raw: &[String]) -> Result<Vec<UserId>, AppError> {
    let mut members = Vec::with_capacity(raw.len());
    for id in raw.iter().filter(|r| !r.trim().is_empty()) {
        members.push(parse_uuid::<UserId>(id).map_err(|e| AppError::field("members", e))?);
    }
    members.sort_unstable();
    members.dedup();
    Ok(members)
}

/// Members must be enabled staff who work on tickets somewhere.
async fn check_members(app: &App, members: &[UserId]) -> Result<(), AppError> {
    let workers = domovoy_store::assignments::holders(&app.db, Permission::TicketsTransition).await?;
    if members.iter().all(|m| workers.iter().any(|w| w.user_id == *m)) {
        Ok(())
    } else {
        Err(AppError::field("members", FieldError::NotAllowed))
    }
}

/// A new team; `company` (an outside company's name) makes its members
/// contractors, who get a pass to the building of a ticket assigned to them.
pub async fn create_team(
    app: &App,
    requester: &Requester,
    name: &str,
    company: Option<&str>,
    members: &[String],
) -> Result<TeamId, AppError> {
    require_settings(requester)?;
    let name = parse_item_name(name).map_err(|e| AppError::field("name", e))?;
    let company = match present(company) {
        Some(raw) => Some(bounded_text(raw, 2, 120).map_err(|e| AppError::field("company", e))?),
        None => None,
    };
    let members = parse_members(members)?;
    check_members(app, &members).await?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let id = teams::create(tx, &name, company.as_deref(), &members).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::TeamCreated, id)
                    .summary(name.clone())
                    .after(&serde_json::json!({ "name": name, "company": company, "members": members })),
            )
            .await?;
            Ok(id)
        })
    })
    .await
}

pub async fn set_members(app: &App, requester: &Requester, team: TeamId, members: &[String]) -> Result<(), AppError> {
    require_settings(requester)?;
    let members = parse_members(members)?;
    check_members(app, &members).await?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let before = teams::list(&mut *tx).await?.into_iter().find(|t| t.id == team).ok_or(AppError::NotFound)?;
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

pub async fn rules(app: &App, requester: &Requester) -> Result<Vec<AssignmentRule>, AppError> {
    require_staff_reader(requester)?;
    Ok(teams::rules(&app.db).await?)
}

/// A new assignment rule as typed: exactly one of `user_id`, `team_id`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleInput {
    pub building_id: Option<String>,
    /// A category id or code.
    pub category: Option<String>,
    pub user_id: Option<String>,
    pub team_id: Option<String>,
}

pub async fn add_rule(app: &App, requester: &Requester, input: &RuleInput) -> Result<Uuid, AppError> {
    require_settings_for(requester, named_building(input.building_id.as_deref()))?;
    let mut errors = FieldErrors::new();
    let building = optional(&mut errors, "building_id", input.building_id.as_deref(), parse_uuid::<BuildingId>);
    let user = optional(&mut errors, "user_id", input.user_id.as_deref(), parse_uuid::<UserId>);
    let team = optional(&mut errors, "team_id", input.team_id.as_deref(), parse_uuid::<TeamId>);
    errors.into_result()?;
    let assignee = match (user, team) {
        (Some(user), None) => {
            let workers = domovoy_store::assignments::holders(&app.db, Permission::TicketsTransition).await?;
            let fits = workers.iter().any(|w| w.user_id == user && building.is_none_or(|b| w.reaches(b)));
            if !fits {
                return Err(AppError::field("user_id", FieldError::NotAllowed));
            }
            Assignee::User(user)
        }
        (None, Some(team)) => {
            if !teams::list(&app.db).await?.iter().any(|t| t.id == team) {
                return Err(AppError::field("team_id", FieldError::Unknown));
            }
            Assignee::Team(team)
        }
        _ => return Err(AppError::field("user_id", FieldError::Required)),
    };
    let category = resolve_category(app, input.category.as_deref()).await?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let id = teams::add_rule(tx, building, category, assignee).await?;
            let after = serde_json::json!({ "building_id": building, "category_id": category, "assignee": assignee });
            audit::record(tx, Change::new(&actor, AuditAction::RuleCreated, id).building(building).after(&after))
                .await?;
            Ok(id)
        })
    })
    .await
}

pub async fn delete_rule(app: &App, requester: &Requester, id: Uuid) -> Result<(), AppError> {
    require_some_settings(requester)?;
    let actor = requester.actor();
    let requester = requester.clone();
    app.write(move |tx| {
        Box::pin(async move {
            let before = teams::rules(&mut *tx).await?.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
            require_settings_for(&requester, before.building_id)?;
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

pub async fn saved_filters(app: &App, requester: &Requester) -> Result<Vec<SavedFilter>, AppError> {
    Ok(saved_filters::list(&app.db, requester.account()?.id).await?)
}

pub async fn save_filter(app: &App, requester: &Requester, name: &str, query: &str) -> Result<SavedFilter, AppError> {
    let name = parse_item_name(name).map_err(|e| AppError::field("name", e))?;
    // Kept only if it parses: a saved filter must open the board.
    let filter: super::ticket_filter::TicketFilter =
        serde_urlencoded::from_str(query).map_err(|_| AppError::field("query", FieldError::InvalidFormat))?;
    filter.to_query(requester.account()?.id)?;
    let (user, query) = (requester.account()?.id, filter.with_cursor(None).to_query_string());
    app.write(move |tx| Box::pin(async move { Ok(saved_filters::save(tx, user, &name, &query).await?) })).await
}

pub async fn delete_filter(app: &App, requester: &Requester, id: Uuid) -> Result<(), AppError> {
    let user = requester.account()?.id;
    app.write(move |tx| Box::pin(async move { Ok(saved_filters::delete(tx, user, id).await?) })).await
}
