//! Reports (`reports.read`): SLA, backlog and ageing, workload, quality and
//! sources, counted in Rust from one lean row per ticket on both backends.
//!
//! Rules every report keeps:
//! - a ticket counts in the period it was filed in, the dates being the
//!   ticket's building's own (both ends included); only the backlog's
//!   "closed per day" counts by the day a ticket was resolved, and its
//!   ageing looks at what is open now;
//! - the requester's reach for `reports.read` limits every figure, list
//!   and export (a manager of one building counts that building only);
//! - every count is a [`Measure`]: [`drill`] lists the tickets behind a
//!   figure with the same test that counted it;
//! - times are working minutes of the ticket's SLA policy (its schedule,
//!   the production calendar, the building's zone); a ticket without a
//!   policy is measured in plain minutes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate, TimeZone as _, Timelike as _, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use domovoy_domain::FieldError;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::ids::{BuildingId, ClassifierId, SlaPolicyId, TeamId, TicketId, UserId};
use domovoy_domain::pass::{PassKind, VisitFacts};
use domovoy_domain::permission::Permission;
use domovoy_domain::report::{GroupBy, Measure, Period, ReportName, WindowKind, mean, percentile, period_start, share};
use domovoy_domain::sla::{ProductionCalendar, WorkClock};
use domovoy_domain::ticket::{Priority, TicketNumber, TicketSource, TicketStatus};
use domovoy_store::reports::{self as store, ReportScope, TicketFact, Window};
use domovoy_store::tickets::AssigneeFilter;
use domovoy_store::{buildings, classifier, sla, teams, users};

use crate::common::optional;
use crate::{App, AppError, AppResult, Requester};

/// The most tickets one report reads; a report that reaches it says so
/// (`truncated`) rather than counting part of the period as the whole.
pub const MAX_FACTS: u64 = 1_000_000;
/// The most tickets a drill-down lists on a page.
pub const DRILL_MAX: usize = 1_000;
/// The most tickets a drill-down's download holds.
pub const DRILL_EXPORT_MAX: usize = 100_000;
/// The most rows of a report's list of breaches or low ratings.
pub const LIST_MAX: usize = 500;

/// The filters every report shares, as they travel in URLs. Every field is
/// optional; unknown values are field errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReportFilter {
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub from: Option<String>,
    /// Last day, included, `YYYY-MM-DD` (default: today); at most 366 days.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "is_blank")]
    pub building_id: Option<String>,
    /// A category id.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub category: Option<String>,
    /// `normal`, `high` or `emergency`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub priority: Option<String>,
    /// `phone`, `resident_app`, `web_cabinet`, `email`, `walk_in`, `staff`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub source: Option<String>,
    /// A team id.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub team: Option<String>,
    /// `none` or a user id.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub assignee: Option<String>,
    /// What the main table's rows are: `building`, `category`, `priority`,
    /// `source`, `team`, `assignee`, `day`, `week`, `month` (each report has
    /// its default).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub group: Option<String>,
}

fn is_blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

fn parse_day(raw: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| FieldError::InvalidFormat)
}

fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, FieldError> {
    raw.trim().parse().map_err(|_| FieldError::InvalidFormat)
}

/// A filter read and checked.
#[derive(Debug, Clone, PartialEq)]
struct Parsed {
    period: Period,
    scope: ReportScope,
    group: Option<GroupBy>,
}

impl ReportFilter {
    fn parse(&self, today: NaiveDate) -> AppResult<Parsed> {
        let mut errors = FieldErrors::new();
        let to = optional(&mut errors, "to", self.to.as_deref(), parse_day);
        let from = optional(&mut errors, "from", self.from.as_deref(), parse_day);
        let building = optional(&mut errors, "building_id", self.building_id.as_deref(), parse_id::<BuildingId>);
        let scope = ReportScope {
            buildings: building.map(|b| vec![b]),
            category: optional(&mut errors, "category", self.category.as_deref(), parse_id::<ClassifierId>),
            priority: optional(&mut errors, "priority", self.priority.as_deref(), str::parse::<Priority>),
            source: optional(&mut errors, "source", self.source.as_deref(), str::parse::<TicketSource>),
            team: optional(&mut errors, "team", self.team.as_deref(), parse_id::<TeamId>),
            assignee: optional(&mut errors, "assignee", self.assignee.as_deref(), |raw| match raw {
                "none" => Ok(AssigneeFilter::Nobody),
                id => parse_id::<UserId>(id).map(AssigneeFilter::User),
            }),
        };
        let group = optional(&mut errors, "group", self.group.as_deref(), |raw| {
            raw.parse::<GroupBy>().and_then(|g| if g == GroupBy::Status { Err(FieldError::Unknown) } else { Ok(g) })
        });
        errors.into_result()?;
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| Period::last_30_days(to).from);
        let period = Period::new(from, to).map_err(|(field, error)| AppError::field(field, error))?;
        Ok(Parsed { period, scope, group })
    }
}

/// A group's name as a page shows it: entities by name, the rest by code
/// (the page words them).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Label {
    /// A building, category, team or person.
    Name(String),
    /// No category, team or assignee.
    Nobody,
    Source(TicketSource),
    Priority(Priority),
    Status(TicketStatus),
    Day(NaiveDate),
    Week(NaiveDate),
    Month(NaiveDate),
    /// An hour of the day, 0–23.
    Hour(u32),
    /// What a figure counts (a list's "which clock").
    Measure(Measure),
    /// A kind of pass (the visits report).
    PassKind(PassKind),
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Label(Label),
    Count(i64),
    /// A fraction 0–1; `None` when there is nothing to divide by.
    Share(Option<f64>),
    /// Minutes (working minutes under an SLA policy).
    Minutes(Option<f64>),
    /// An average of ratings.
    Average(Option<f64>),
    Text(String),
    Ticket {
        id: TicketId,
        number: TicketNumber,
    },
    Time(Option<DateTime<Utc>>),
}

/// A column: its key (the page words it) and, for a count, the figure it
/// counts, narrowed to one group of another dimension when `slice` is set
/// (the sources' trend: a column per source).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slice: Option<(GroupBy, String)>,
}

impl Column {
    fn plain(key: &str) -> Self {
        Self { key: key.to_owned(), measure: None, slice: None }
    }

    fn count(measure: Measure) -> Self {
        Self { key: measure.code().to_owned(), measure: Some(measure), slice: None }
    }
}

/// A row: its group's key (for drill-downs) and its cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub key: Option<String>,
    pub values: Vec<Value>,
}

/// A table of a report; the first is the main one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub key: &'static str,
    /// What the rows are (`None`: a list of tickets).
    pub group_by: Option<GroupBy>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// A headline figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Total {
    pub key: &'static str,
    pub value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
}

/// A report, counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub name: ReportName,
    pub period: Period,
    pub filter: ReportFilter,
    pub group_by: GroupBy,
    pub totals: Vec<Total>,
    pub tables: Vec<Table>,
    /// More tickets matched than [`MAX_FACTS`]: the figures count the
    /// first ones only.
    pub truncated: bool,
    pub generated_at: DateTime<Utc>,
}

impl Report {
    /// A headline figure by key.
    pub fn total(&self, key: &str) -> Option<&Value> {
        self.totals.iter().find(|t| t.key == key).map(|t| &t.value)
    }
}

/// What the counting needs besides the tickets: zones, names, clocks.
struct Context {
    now: DateTime<Utc>,
    period: Period,
    default_zone: Tz,
    zones: HashMap<BuildingId, Tz>,
    buildings: HashMap<BuildingId, String>,
    categories: HashMap<ClassifierId, String>,
    teams: HashMap<TeamId, String>,
    users: HashMap<UserId, String>,
    policies: HashMap<SlaPolicyId, sla::SlaPolicy>,
    calendar: Arc<ProductionCalendar>,
}

impl Context {
    /// The period in UTC, a day wider on each side (no zone is a day away
    /// from UTC); the exact cut is made per ticket in its building's zone.
    fn utc_window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.period.from.checked_sub_days(Days::new(1)).unwrap_or(self.period.from);
        let end = self.period.to.checked_add_days(Days::new(2)).unwrap_or(self.period.to);
        (utc_midnight(start), utc_midnight(end))
    }

    fn zone(&self, building: BuildingId) -> Tz {
        self.zones.get(&building).copied().unwrap_or(self.default_zone)
    }

    fn local_day(&self, fact: &TicketFact, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone(fact.building_id)).date_naive()
    }

    /// The moment the measure's window looks at.
    fn moment(fact: &TicketFact, window: WindowKind) -> Option<DateTime<Utc>> {
        match window {
            WindowKind::Resolved => fact.resolved_at,
            WindowKind::Created | WindowKind::Open => Some(fact.created_at),
        }
    }

    fn in_period(&self, fact: &TicketFact, window: WindowKind) -> bool {
        match window {
            WindowKind::Open => fact.status.is_open(),
            _ => Self::moment(fact, window).is_some_and(|at| self.period.contains(self.local_day(fact, at))),
        }
    }

    /// Minutes from `from` to `to` on the ticket's SLA clock (working
    /// time), or plain minutes without a policy.
    #[allow(clippy::cast_precision_loss)]
    fn minutes(&self, fact: &TicketFact, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        match fact.sla_policy_id.and_then(|p| self.policies.get(&p)) {
            Some(policy) => {
                let clock = WorkClock {
                    schedule: policy.schedule,
                    calendar: self.calendar.clone(),
                    zone: self.zone(fact.building_id),
                };
                clock.working_seconds(from, to) / 60
            }
            None => (to - from).num_minutes().max(0),
        }
    }

    /// Minutes to the first response (or the resolution, if that came first).
    fn response_minutes(&self, fact: &TicketFact) -> Option<i64> {
        let at = fact.responded_at.or(fact.resolved_at)?;
        Some(self.minutes(fact, fact.created_at, at))
    }

    /// Minutes to the resolution: the SLA clock's own count (pauses
    /// excluded) under a policy.
    fn resolution_minutes(&self, fact: &TicketFact) -> Option<i64> {
        if !is_resolved(fact) {
            return None;
        }
        let at = fact.resolved_at?;
        Some(if fact.sla_policy_id.is_some_and(|p| self.policies.contains_key(&p)) {
            fact.sla_used_minutes
        } else {
            (at - fact.created_at).num_minutes().max(0)
        })
    }

    /// The key and the label of the fact's group.
    fn group(&self, by: GroupBy, fact: &TicketFact, window: WindowKind) -> (String, Label) {
        fn named<I: std::hash::Hash + Eq + ToString>(id: Option<I>, names: &HashMap<I, String>) -> (String, Label) {
            match id {
                Some(id) => {
                    let key = id.to_string();
                    let name = names.get(&id).cloned().unwrap_or_else(|| key.clone());
                    (key, Label::Name(name))
                }
                None => ("none".to_owned(), Label::Nobody),
            }
        }
        match by {
            GroupBy::Building => named(Some(fact.building_id), &self.buildings),
            GroupBy::Category => named(fact.category_id, &self.categories),
            GroupBy::Team => named(fact.team_id, &self.teams),
            GroupBy::Assignee | GroupBy::Operator => named(fact.assignee_id, &self.users),
            GroupBy::Priority => (fact.priority.code().to_owned(), Label::Priority(fact.priority)),
            GroupBy::Source => (fact.source.code().to_owned(), Label::Source(fact.source)),
            GroupBy::Status => (fact.status.code().to_owned(), Label::Status(fact.status)),
            GroupBy::Hour => {
                let at = Self::moment(fact, window).unwrap_or(fact.created_at);
                let hour = at.with_timezone(&self.zone(fact.building_id)).hour();
                (format!("{hour:02}"), Label::Hour(hour))
            }
            GroupBy::Day | GroupBy::Week | GroupBy::Month => {
                let at = Self::moment(fact, window).unwrap_or(fact.created_at);
                let start = period_start(by, self.local_day(fact, at));
                let label = period_label(by, start);
                (start.to_string(), label)
            }
        }
    }
}

/// The label of a day's, week's or month's group starting on `start`.
fn period_label(by: GroupBy, start: NaiveDate) -> Label {
    match by {
        GroupBy::Week => Label::Week(start),
        GroupBy::Month => Label::Month(start),
        _ => Label::Day(start),
    }
}

fn is_resolved(fact: &TicketFact) -> bool {
    matches!(fact.status, TicketStatus::Done | TicketStatus::Closed)
}

fn is_ended_unworked(fact: &TicketFact) -> bool {
    matches!(fact.status, TicketStatus::Rejected | TicketStatus::Cancelled)
}

/// Whether the first response met its target: `None` without a target,
/// while it still runs, or for a ticket rejected or cancelled unanswered.
fn response_met(fact: &TicketFact, now: DateTime<Utc>) -> Option<bool> {
    let due = fact.response_due?;
    match fact.responded_at.or(fact.resolved_at) {
        Some(at) => Some(at <= due),
        None if is_ended_unworked(fact) => None,
        None => (now >= due).then_some(false),
    }
}

/// Whether the resolution met its target: `None` without a target, while
/// it still runs, or for a ticket rejected or cancelled.
fn resolution_met(fact: &TicketFact, now: DateTime<Utc>) -> Option<bool> {
    if is_ended_unworked(fact) {
        return None;
    }
    let due = fact.resolution_due?;
    match fact.resolved_at.filter(|_| is_resolved(fact)) {
        Some(at) => Some(at <= due),
        None => (now >= due).then_some(false),
    }
}

/// Whether `fact` counts in `measure` (its window aside).
pub fn passes(measure: Measure, fact: &TicketFact, now: DateTime<Utc>) -> bool {
    match measure {
        Measure::Tickets | Measure::Closed => true,
        Measure::ResponseMet => response_met(fact, now) == Some(true),
        Measure::ResponseBreached => response_met(fact, now) == Some(false),
        Measure::ResolutionMet => resolution_met(fact, now) == Some(true),
        Measure::ResolutionBreached => resolution_met(fact, now) == Some(false),
        Measure::Resolved => is_resolved(fact),
        Measure::Open => fact.status.is_open(),
        Measure::Reopened => fact.reopen_count > 0,
        Measure::FirstTimeFix => is_resolved(fact) && fact.reopen_count == 0,
        Measure::Rated => fact.rating.is_some(),
        Measure::LowRating => fact.rating.is_some_and(|r| r <= 3),
        Measure::Rating1 | Measure::Rating2 | Measure::Rating3 | Measure::Rating4 | Measure::Rating5 => {
            fact.rating.and_then(Measure::of_rating) == Some(measure)
        }
        Measure::AgeDay | Measure::AgeThreeDays | Measure::AgeWeek | Measure::AgeMonth | Measure::AgeOlder => {
            fact.status.is_open() && Measure::age_bucket(fact.created_at, now) == measure
        }
    }
}

/// The tickets each window needs, read once.
struct Facts {
    created: Vec<TicketFact>,
    resolved: Vec<TicketFact>,
    open: Vec<TicketFact>,
    truncated: bool,
}

impl Facts {
    fn of(&self, window: WindowKind) -> &[TicketFact] {
        match window {
            WindowKind::Created => &self.created,
            WindowKind::Resolved => &self.resolved,
            WindowKind::Open => &self.open,
        }
    }
}

/// Reads the tickets of `windows`, cut to the period in each building's
/// own zone. The UTC window is a day wider on each side (no zone is a day
/// away from UTC); the exact cut is made per ticket.
async fn read_facts(app: &App, ctx: &Context, scope: &ReportScope, windows: &[WindowKind]) -> AppResult<Facts> {
    let (from, to) = ctx.utc_window();
    let mut facts = Facts { created: Vec::new(), resolved: Vec::new(), open: Vec::new(), truncated: false };
    for window in windows {
        let stored = match window {
            WindowKind::Created => Window::Created(from, to),
            WindowKind::Resolved => Window::Resolved(from, to),
            WindowKind::Open => Window::Open,
        };
        let mut rows = store::facts(&app.db, scope, stored, MAX_FACTS).await?;
        facts.truncated |= rows.len() as u64 >= MAX_FACTS;
        rows.retain(|f| ctx.in_period(f, *window));
        match window {
            WindowKind::Created => facts.created = rows,
            WindowKind::Resolved => facts.resolved = rows,
            WindowKind::Open => facts.open = rows,
        }
    }
    Ok(facts)
}

/// When the tickets of `window` were filed or resolved, by building, cut
/// to the period in each building's zone (the backlog's flow).
async fn read_moments(
    app: &App,
    ctx: &Context,
    scope: &ReportScope,
    window: WindowKind,
) -> AppResult<(Vec<(BuildingId, DateTime<Utc>)>, bool)> {
    let (from, to) = ctx.utc_window();
    let stored = match window {
        WindowKind::Resolved => Window::Resolved(from, to),
        _ => Window::Created(from, to),
    };
    let mut rows = store::moments(&app.db, scope, stored, MAX_FACTS).await?;
    let truncated = rows.len() as u64 >= MAX_FACTS;
    rows.retain(|(building, at)| ctx.period.contains(at.with_timezone(&ctx.zone(*building)).date_naive()));
    Ok((rows, truncated))
}

fn utc_midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
}

/// Checks a report's filters as counting `name` would (fields, the
/// grouping, buildings within the requester's reach of `permission`)
/// without counting anything.
pub fn check_filter(
    app: &App,
    requester: &Requester,
    name: ReportName,
    filter: &ReportFilter,
    permission: Permission,
) -> AppResult<()> {
    let today = domovoy_store::stored_now().with_timezone(&app.config.display_time_zone).date_naive();
    let parsed = checked_filter(requester, filter, permission, today)?;
    check_grouping(name, parsed.group.unwrap_or_else(|| default_group(name)))
}

fn check_grouping(name: ReportName, by: GroupBy) -> AppResult<()> {
    if groupings(name).contains(&by) { Ok(()) } else { Err(AppError::field("group", FieldError::NotAllowed)) }
}

/// `today` ends the default period.
fn checked_filter(
    requester: &Requester,
    filter: &ReportFilter,
    permission: Permission,
    today: NaiveDate,
) -> AppResult<Parsed> {
    requester.reach(Permission::ReportsRead)?;
    let reach = requester.reach(permission)?;
    if !reach.reaches_buildings() {
        return Err(AppError::Forbidden);
    }
    let mut parsed = filter.parse(today)?;
    if let Some(allowed) = reach.building_filter() {
        match &parsed.scope.buildings {
            Some(asked) if asked.iter().any(|b| !allowed.contains(b)) => return Err(AppError::Forbidden),
            Some(_) => {}
            None => parsed.scope.buildings = Some(allowed.iter().copied().collect()),
        }
    }
    Ok(parsed)
}

/// Checks the permission, narrows the scope to the requester's buildings
/// and loads what labels and clocks need.
async fn prepare(
    app: &App,
    requester: &Requester,
    filter: &ReportFilter,
    permission: Permission,
) -> AppResult<(Parsed, Context)> {
    let now = domovoy_store::stored_now();
    let all_buildings = buildings::list(&app.db).await?;
    // Each building counts by its own dates, so the default period ends on
    // the latest "today" of any of them: a call at 04:00 in Vladivostok is
    // in the report while Moscow's day is still the day before.
    let today = all_buildings
        .iter()
        .map(|b| now.with_timezone(&b.time_zone.tz()).date_naive())
        .chain([now.with_timezone(&app.config.display_time_zone).date_naive()])
        .max()
        .unwrap_or_else(|| now.date_naive());
    let parsed = checked_filter(requester, filter, permission, today)?;
    let zones = all_buildings.iter().map(|b| (b.id, b.time_zone.tz())).collect();
    let building_names = all_buildings.iter().map(|b| (b.id, b.name.to_string())).collect();
    let categories = classifier::list(&app.db).await?.into_iter().map(|c| (c.id, c.name)).collect();
    let teams = teams::list(&app.db).await?.into_iter().map(|t| (t.id, t.name)).collect();
    let policies = sla::list(&app.db).await?.into_iter().map(|p| (p.id, p)).collect();
    let ctx = Context {
        now,
        period: parsed.period,
        default_zone: app.config.display_time_zone,
        zones,
        buildings: building_names,
        categories,
        teams,
        users: HashMap::new(),
        policies,
        calendar: app.calendar().await?,
    };
    Ok((parsed, ctx))
}

/// Names of the people the facts are assigned to.
async fn load_people(app: &App, ctx: &mut Context, facts: &Facts) -> AppResult<()> {
    let mut ids: Vec<UserId> = [&facts.created, &facts.resolved, &facts.open]
        .iter()
        .flat_map(|list| list.iter().filter_map(|f| f.assignee_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ctx.users = users::names(&app.db, &ids).await?;
    Ok(())
}

/// The windows a report reads.
fn windows(name: ReportName) -> &'static [WindowKind] {
    match name {
        // Its flow reads only when and where (`read_moments`).
        ReportName::Backlog => &[WindowKind::Open],
        // Calls and visits, not tickets (`calls_report`, `visits_report`).
        ReportName::Calls | ReportName::Visits => &[],
        _ => &[WindowKind::Created],
    }
}

/// Recounts the kept reopen counts from the tickets' history (the
/// operator's `domovoy reports recount`); answers how many were wrong.
pub async fn recount_reopens(app: &App, requester: &Requester) -> AppResult<u64> {
    requester.require(Permission::TicketsSettings, &domovoy_domain::policy::Target::SYSTEM)?;
    let done = app.db.write(|tx| Box::pin(async move { store::recount_reopens(tx).await })).await?;
    Ok(done.value)
}

/// What a report's rows may be grouped by, in the order a form offers them.
pub fn groupings(name: ReportName) -> &'static [GroupBy] {
    use GroupBy::{Assignee, Building, Category, Day, Hour, Month, Operator, Priority, Source, Team, Week};
    match name {
        ReportName::Calls => &[Operator, Building, Day, Week, Month, Hour],
        ReportName::Visits => &[Building, Day, Week, Month, Hour],
        _ => &[Building, Category, Priority, Source, Team, Assignee, Day, Week, Month, Hour],
    }
}

fn default_group(name: ReportName) -> GroupBy {
    match name {
        ReportName::Sla | ReportName::Quality => GroupBy::Building,
        ReportName::Backlog => GroupBy::Day,
        ReportName::Workload => GroupBy::Assignee,
        ReportName::Sources => GroupBy::Source,
        ReportName::Calls => GroupBy::Operator,
        ReportName::Visits => GroupBy::Day,
    }
}

/// Counts a report (`reports.read`, within the requester's buildings).
pub async fn run(app: &App, requester: &Requester, name: ReportName, filter: &ReportFilter) -> AppResult<Report> {
    count_report(app, requester, name, filter, Permission::ReportsRead).await
}

/// Counts a report to be downloaded as a file: `reports.export` as well,
/// within the buildings the requester may export.
pub async fn export(app: &App, requester: &Requester, name: ReportName, filter: &ReportFilter) -> AppResult<Report> {
    count_report(app, requester, name, filter, Permission::ReportsExport).await
}

/// Whether the requester may download reports somewhere.
pub fn may_export(requester: &Requester) -> bool {
    requester.reach(Permission::ReportsExport).is_ok_and(|r| r.reaches_buildings())
}

async fn count_report(
    app: &App,
    requester: &Requester,
    name: ReportName,
    filter: &ReportFilter,
    permission: Permission,
) -> AppResult<Report> {
    let (parsed, mut ctx) = prepare(app, requester, filter, permission).await?;
    let mut facts = read_facts(app, &ctx, &parsed.scope, windows(name)).await?;
    load_people(app, &mut ctx, &facts).await?;
    let group_by = parsed.group.unwrap_or_else(|| default_group(name));
    check_grouping(name, group_by)?;
    let (totals, tables) = match name {
        ReportName::Sla => sla_report(&ctx, &facts.created, group_by),
        ReportName::Backlog => {
            let (opened, cut) = read_moments(app, &ctx, &parsed.scope, WindowKind::Created).await?;
            let (closed, cut_too) = read_moments(app, &ctx, &parsed.scope, WindowKind::Resolved).await?;
            facts.truncated |= cut || cut_too;
            backlog_report(&ctx, &facts.open, &opened, &closed, group_by)
        }
        ReportName::Workload => workload_report(&ctx, &facts.created, group_by),
        ReportName::Quality => quality_report(&ctx, &facts.created, group_by),
        ReportName::Sources => sources_report(&ctx, &facts.created, group_by),
        ReportName::Calls => {
            let (calls, cut) = read_calls(app, &ctx, &parsed.scope).await?;
            load_operators(app, &mut ctx, &calls).await?;
            facts.truncated |= cut;
            calls_report(&ctx, &calls, group_by)
        }
        ReportName::Visits => {
            let (visits, cut) = read_visits(app, &ctx, &parsed.scope).await?;
            facts.truncated |= cut;
            visits_report(&ctx, &visits, group_by)
        }
    };
    Ok(Report {
        name,
        period: parsed.period,
        filter: filter.clone(),
        group_by,
        totals,
        tables,
        truncated: facts.truncated,
        generated_at: ctx.now,
    })
}

/// Facts grouped by `by`, in the groups' order (time oldest first, the
/// rest by label).
fn grouped<'f>(
    ctx: &Context,
    facts: &'f [TicketFact],
    by: GroupBy,
    window: WindowKind,
) -> Vec<(String, Label, Vec<&'f TicketFact>)> {
    let mut groups: BTreeMap<String, (Label, Vec<&TicketFact>)> = BTreeMap::new();
    for fact in facts {
        let (key, label) = ctx.group(by, fact, window);
        groups.entry(key).or_insert_with(|| (label, Vec::new())).1.push(fact);
    }
    let mut out: Vec<_> = groups.into_iter().map(|(key, (label, facts))| (key, label, facts)).collect();
    if !by.is_time() {
        out.sort_by_cached_key(|a| label_order(&a.1));
    }
    out
}

/// Groups by name; "nobody" last; enums in their declared order.
fn label_order(label: &Label) -> (u8, String) {
    match label {
        Label::Name(name) => (1, name.to_lowercase()),
        Label::Nobody => (3, String::new()),
        Label::Source(s) => (2, format!("{:02}", TicketSource::ALL.iter().position(|x| x == s).unwrap_or(0))),
        Label::Priority(p) => (2, format!("{:02}", Priority::ALL.iter().position(|x| x == p).unwrap_or(0))),
        Label::Status(s) => (2, format!("{:02}", TicketStatus::ALL.iter().position(|x| x == s).unwrap_or(0))),
        Label::Day(d) | Label::Week(d) | Label::Month(d) => (2, d.to_string()),
        Label::Hour(h) => (2, format!("{h:02}")),
        Label::Measure(m) => (2, m.code().to_owned()),
        Label::PassKind(k) => (2, format!("{:02}", PassKind::ALL.iter().position(|x| x == k).unwrap_or(0))),
    }
}

fn count(facts: &[&TicketFact], measure: Measure, now: DateTime<Utc>) -> i64 {
    i64::try_from(facts.iter().filter(|f| passes(measure, f, now)).count()).unwrap_or(i64::MAX)
}

fn sorted(mut values: Vec<i64>) -> Vec<i64> {
    values.sort_unstable();
    values
}

/// The SLA figures of one set of tickets: counts, shares, median and 90th
/// percentile in working minutes.
fn sla_values(ctx: &Context, facts: &[&TicketFact]) -> Vec<Value> {
    let now = ctx.now;
    let response = sorted(facts.iter().filter_map(|f| ctx.response_minutes(f)).collect());
    let resolution = sorted(facts.iter().filter_map(|f| ctx.resolution_minutes(f)).collect());
    let (rm, rb) = (count(facts, Measure::ResponseMet, now), count(facts, Measure::ResponseBreached, now));
    let (sm, sb) = (count(facts, Measure::ResolutionMet, now), count(facts, Measure::ResolutionBreached, now));
    vec![
        Value::Count(count(facts, Measure::Tickets, now)),
        Value::Count(rm),
        Value::Count(rb),
        Value::Share(share(rm, rm + rb)),
        Value::Minutes(percentile(&response, 0.5)),
        Value::Minutes(percentile(&response, 0.9)),
        Value::Count(sm),
        Value::Count(sb),
        Value::Share(share(sm, sm + sb)),
        Value::Minutes(percentile(&resolution, 0.5)),
        Value::Minutes(percentile(&resolution, 0.9)),
    ]
}

const SLA_COLUMNS: [&str; 11] = [
    "tickets",
    "response_met",
    "response_breached",
    "response_share",
    "response_median",
    "response_p90",
    "resolution_met",
    "resolution_breached",
    "resolution_share",
    "resolution_median",
    "resolution_p90",
];

fn columns_for(keys: &[&str]) -> Vec<Column> {
    keys.iter()
        .map(|k| match k.parse::<Measure>() {
            Ok(m) => Column::count(m),
            Err(_) => Column::plain(k),
        })
        .collect()
}

fn totals_for(keys: &[&'static str], values: Vec<Value>) -> Vec<Total> {
    keys.iter().zip(values).map(|(k, value)| Total { key: k, value, measure: k.parse::<Measure>().ok() }).collect()
}

fn group_table(
    ctx: &Context,
    key: &'static str,
    facts: &[TicketFact],
    by: GroupBy,
    window: WindowKind,
    columns: &[&str],
    values: impl Fn(&[&TicketFact]) -> Vec<Value>,
) -> Table {
    let rows = grouped(ctx, facts, by, window)
        .into_iter()
        .map(|(key, label, group)| {
            let mut cells = vec![Value::Label(label)];
            cells.extend(values(&group));
            Row { key: Some(key), values: cells }
        })
        .collect();
    let mut all = vec![Column::plain("group")];
    all.extend(columns_for(columns));
    Table { key, group_by: Some(by), columns: all, rows }
}

fn label_of(ctx: &Context, by: GroupBy, fact: &TicketFact) -> Value {
    Value::Label(ctx.group(by, fact, WindowKind::Created).1)
}

/// A late clock: minutes late, the ticket, which clock, due, done.
type Breach<'f> = (i64, &'f TicketFact, Measure, DateTime<Utc>, Option<DateTime<Utc>>);

fn sla_report(ctx: &Context, facts: &[TicketFact], by: GroupBy) -> (Vec<Total>, Vec<Table>) {
    let all: Vec<&TicketFact> = facts.iter().collect();
    let totals = totals_for(&SLA_COLUMNS, sla_values(ctx, &all));
    let main = group_table(ctx, "groups", facts, by, WindowKind::Created, &SLA_COLUMNS, |g| sla_values(ctx, g));
    // The breaches, the latest first, with how late: ranked first, rows
    // made for the kept ones only.
    let mut breaches: Vec<Breach<'_>> = Vec::new();
    for fact in facts {
        for (measure, due, done) in [
            (Measure::ResponseBreached, fact.response_due, fact.responded_at.or(fact.resolved_at)),
            (Measure::ResolutionBreached, fact.resolution_due, fact.resolved_at.filter(|_| is_resolved(fact))),
        ] {
            if let Some(due) = due.filter(|_| passes(measure, fact, ctx.now)) {
                breaches.push((ctx.minutes(fact, due, done.unwrap_or(ctx.now)), fact, measure, due, done));
            }
        }
    }
    breaches.sort_by_key(|b| std::cmp::Reverse(b.0));
    breaches.truncate(LIST_MAX);
    let breaches: Vec<Row> = breaches
        .into_iter()
        .map(|(late, fact, measure, due, done)| Row {
            key: Some(fact.id.to_string()),
            values: vec![
                Value::Ticket { id: fact.id, number: fact.number },
                label_of(ctx, GroupBy::Building, fact),
                label_of(ctx, GroupBy::Category, fact),
                Value::Label(Label::Measure(measure)),
                Value::Time(Some(due)),
                Value::Time(done),
                #[allow(clippy::cast_precision_loss)]
                Value::Minutes(Some(late as f64)),
                Value::Label(Label::Status(fact.status)),
                label_of(ctx, GroupBy::Assignee, fact),
            ],
        })
        .collect();
    let list = Table {
        key: "breaches",
        group_by: None,
        columns: columns_for(&[
            "ticket", "building", "category", "clock", "due", "done_at", "late", "status", "assignee",
        ]),
        rows: breaches,
    };
    (totals, vec![main, list])
}

fn backlog_report(
    ctx: &Context,
    open: &[TicketFact],
    opened: &[(BuildingId, DateTime<Utc>)],
    closed: &[(BuildingId, DateTime<Utc>)],
    by: GroupBy,
) -> (Vec<Total>, Vec<Table>) {
    let now = ctx.now;
    let by = if by.is_time() { by } else { GroupBy::Day };
    let size = |list: &[(BuildingId, DateTime<Utc>)]| i64::try_from(list.len()).unwrap_or(i64::MAX);
    let open_refs: Vec<&TicketFact> = open.iter().collect();
    let totals = vec![
        Total { key: "open", value: Value::Count(count(&open_refs, Measure::Open, now)), measure: Some(Measure::Open) },
        Total { key: "opened", value: Value::Count(size(opened)), measure: Some(Measure::Tickets) },
        Total { key: "closed", value: Value::Count(size(closed)), measure: Some(Measure::Closed) },
    ];
    // Opened against closed, per day (or week, month) of the period, every
    // one of them shown, quiet ones too.
    let per_period = |list: &[(BuildingId, DateTime<Utc>)]| {
        let mut counts: HashMap<NaiveDate, i64> = HashMap::new();
        for (building, at) in list {
            *counts.entry(period_start(by, at.with_timezone(&ctx.zone(*building)).date_naive())).or_default() += 1;
        }
        counts
    };
    let (opened, closed) = (per_period(opened), per_period(closed));
    let mut starts: Vec<NaiveDate> = ctx.period.days().map(|d| period_start(by, d)).collect();
    starts.dedup();
    let flow_rows = starts
        .into_iter()
        .map(|start| {
            let key = start.to_string();
            let (o, c) = (opened.get(&start).copied().unwrap_or(0), closed.get(&start).copied().unwrap_or(0));
            let label = period_label(by, start);
            Row {
                key: Some(key),
                values: vec![Value::Label(label), Value::Count(o), Value::Count(c), Value::Count(o - c)],
            }
        })
        .collect();
    let flow_columns = vec![
        Column::plain("group"),
        Column { key: "opened".to_owned(), measure: Some(Measure::Tickets), slice: None },
        Column::count(Measure::Closed),
        Column::plain("balance"),
    ];
    let flow = Table { key: "flow", group_by: Some(by), columns: flow_columns, rows: flow_rows };
    // Open now by status and age.
    let mut age_keys: Vec<&str> = Measure::AGES.iter().map(|m| m.code()).collect();
    age_keys.push("open");
    let ageing = group_table(ctx, "ageing", open, GroupBy::Status, WindowKind::Open, &age_keys, |g| {
        let mut values: Vec<Value> = Measure::AGES.iter().map(|m| Value::Count(count(g, *m, now))).collect();
        values.push(Value::Count(count(g, Measure::Open, now)));
        values
    });
    (totals, vec![flow, ageing])
}

const WORKLOAD_COLUMNS: [&str; 8] = [
    "tickets",
    "resolved",
    "open",
    "reopened",
    "reopen_share",
    "first_time_fix",
    "first_time_fix_share",
    "resolution_median",
];

fn workload_values(ctx: &Context, facts: &[&TicketFact]) -> Vec<Value> {
    let now = ctx.now;
    let reopened = count(facts, Measure::Reopened, now);
    let first = count(facts, Measure::FirstTimeFix, now);
    // Finished at least once: done now, or reopened after being done.
    let finished =
        i64::try_from(facts.iter().filter(|f| is_resolved(f) || f.reopen_count > 0).count()).unwrap_or(i64::MAX);
    let resolution = sorted(facts.iter().filter_map(|f| ctx.resolution_minutes(f)).collect());
    vec![
        Value::Count(count(facts, Measure::Tickets, now)),
        Value::Count(count(facts, Measure::Resolved, now)),
        Value::Count(count(facts, Measure::Open, now)),
        Value::Count(reopened),
        Value::Share(share(reopened, finished)),
        Value::Count(first),
        Value::Share(share(first, finished)),
        Value::Minutes(percentile(&resolution, 0.5)),
    ]
}

fn workload_report(ctx: &Context, facts: &[TicketFact], by: GroupBy) -> (Vec<Total>, Vec<Table>) {
    let all: Vec<&TicketFact> = facts.iter().collect();
    let totals = totals_for(&WORKLOAD_COLUMNS, workload_values(ctx, &all));
    let main =
        group_table(ctx, "groups", facts, by, WindowKind::Created, &WORKLOAD_COLUMNS, |g| workload_values(ctx, g));
    (totals, vec![main])
}

const QUALITY_COLUMNS: [&str; 8] =
    ["rated", "average", "rating_5", "rating_4", "rating_3", "rating_2", "rating_1", "low_rating"];

fn quality_values(ctx: &Context, facts: &[&TicketFact]) -> Vec<Value> {
    let now = ctx.now;
    let ratings: Vec<i64> = facts.iter().filter_map(|f| f.rating.map(i64::from)).collect();
    let mut values = vec![Value::Count(count(facts, Measure::Rated, now)), Value::Average(mean(&ratings))];
    values.extend(Measure::RATINGS.iter().map(|m| Value::Count(count(facts, *m, now))));
    values.push(Value::Count(count(facts, Measure::LowRating, now)));
    values
}

fn quality_report(ctx: &Context, facts: &[TicketFact], by: GroupBy) -> (Vec<Total>, Vec<Table>) {
    let all: Vec<&TicketFact> = facts.iter().collect();
    let totals = totals_for(&QUALITY_COLUMNS, quality_values(ctx, &all));
    let main = group_table(ctx, "groups", facts, by, WindowKind::Created, &QUALITY_COLUMNS, |g| quality_values(ctx, g));
    let mut low: Vec<&TicketFact> = facts.iter().filter(|f| passes(Measure::LowRating, f, ctx.now)).collect();
    low.sort_by_key(|f| (f.rating, std::cmp::Reverse(f.created_at)));
    low.truncate(LIST_MAX);
    let list = Table {
        key: "low",
        group_by: None,
        columns: columns_for(&["ticket", "rating", "comment", "building", "category", "assignee"]),
        rows: low
            .into_iter()
            .map(|f| Row {
                key: Some(f.id.to_string()),
                values: vec![
                    Value::Ticket { id: f.id, number: f.number },
                    Value::Count(f.rating.map_or(0, i64::from)),
                    Value::Text(f.rating_comment.clone().unwrap_or_default()),
                    label_of(ctx, GroupBy::Building, f),
                    label_of(ctx, GroupBy::Category, f),
                    label_of(ctx, GroupBy::Assignee, f),
                ],
            })
            .collect(),
    };
    (totals, vec![main, list])
}

fn sources_report(ctx: &Context, facts: &[TicketFact], by: GroupBy) -> (Vec<Total>, Vec<Table>) {
    let now = ctx.now;
    let all: Vec<&TicketFact> = facts.iter().collect();
    let total = count(&all, Measure::Tickets, now);
    let mut totals = vec![Total { key: "tickets", value: Value::Count(total), measure: Some(Measure::Tickets) }];
    for source in TicketSource::ALL {
        let n = i64::try_from(facts.iter().filter(|f| f.source == *source).count()).unwrap_or(i64::MAX);
        totals.push(Total { key: source.code(), value: Value::Count(n), measure: Some(Measure::Tickets) });
    }
    let main = group_table(ctx, "groups", facts, by, WindowKind::Created, &["tickets", "share"], |g| {
        let n = count(g, Measure::Tickets, now);
        vec![Value::Count(n), Value::Share(share(n, total))]
    });
    // The trend: a row per week (per day for a month or less), a column per
    // source.
    let step = if ctx.period.len_days() <= 31 { GroupBy::Day } else { GroupBy::Week };
    let mut columns = vec![Column::plain("group")];
    columns.extend(TicketSource::ALL.iter().map(|s| Column {
        key: s.code().to_owned(),
        measure: Some(Measure::Tickets),
        slice: Some((GroupBy::Source, s.code().to_owned())),
    }));
    columns.push(Column::count(Measure::Tickets));
    let rows = grouped(ctx, facts, step, WindowKind::Created)
        .into_iter()
        .map(|(key, label, group)| {
            let mut values = vec![Value::Label(label)];
            for source in TicketSource::ALL {
                values.push(Value::Count(
                    i64::try_from(group.iter().filter(|f| f.source == *source).count()).unwrap_or(i64::MAX),
                ));
            }
            values.push(Value::Count(i64::try_from(group.len()).unwrap_or(i64::MAX)));
            Row { key: Some(key), values }
        })
        .collect();
    (totals, vec![main, Table { key: "trend", group_by: Some(step), columns, rows }])
}

/// The calls of the period within the scope's buildings (a call of no
/// known building only when the scope is every building), cut by the day
/// of its building's zone (the company's for a call of no building); the
/// assignee filter is the operator.
async fn read_calls(app: &App, ctx: &Context, scope: &ReportScope) -> AppResult<(Vec<CallRecord>, bool)> {
    let (from, to) = ctx.utc_window();
    let limit = i64::try_from(MAX_FACTS).unwrap_or(i64::MAX);
    let mut calls = domovoy_store::calls::facts_between(&app.db, from, to, scope.buildings.as_deref(), limit).await?;
    let truncated = calls.len() as u64 >= MAX_FACTS;
    calls.retain(|call| {
        let operator = match scope.assignee {
            None => true,
            Some(AssigneeFilter::Nobody) => call.operator_id.is_none(),
            Some(AssigneeFilter::User(user)) => call.operator_id == Some(user),
        };
        let zone = call.building_id.map_or(ctx.default_zone, |b| ctx.zone(b));
        operator && ctx.period.contains(call.outcome.times.started_at.with_timezone(&zone).date_naive())
    });
    Ok((calls, truncated))
}

/// Names of the operators who answered `calls`.
async fn load_operators(app: &App, ctx: &mut Context, calls: &[CallRecord]) -> AppResult<()> {
    let mut ids: Vec<UserId> = calls.iter().filter_map(|c| c.operator_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ctx.users = users::names(&app.db, &ids).await?;
    Ok(())
}

type CallRecord = domovoy_store::calls::CallFact;

const CALL_COLUMNS: [&str; 8] = [
    "inbound",
    "answered",
    "answered_in_time",
    "answered_share",
    "missed",
    "called_back_in_time",
    "callback_share",
    "callbacks_open",
];

fn call_values(calls: &[&CallRecord]) -> Vec<Value> {
    let f = crate::calls::figures(calls.iter().map(|c| c.outcome));
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    vec![
        Value::Count(n(f.inbound)),
        Value::Count(n(f.answered)),
        Value::Count(n(f.answered_in_time)),
        Value::Share(share(n(f.answered_in_time), n(f.inbound))),
        Value::Count(n(f.missed)),
        Value::Count(n(f.called_back_in_time)),
        Value::Share(share(n(f.called_back_in_time), n(f.missed))),
        Value::Count(n(f.callbacks_open)),
    ]
}

/// A call's group: its operator, building, hour or day.
fn call_group(ctx: &Context, by: GroupBy, call: &CallRecord) -> (String, Label) {
    let zone = call.building_id.map_or(ctx.default_zone, |b| ctx.zone(b));
    let local = call.outcome.times.started_at.with_timezone(&zone);
    match by {
        GroupBy::Building => match call.building_id {
            Some(b) => (b.to_string(), Label::Name(ctx.buildings.get(&b).cloned().unwrap_or_default())),
            None => ("none".to_owned(), Label::Nobody),
        },
        GroupBy::Hour => (format!("{:02}", local.hour()), Label::Hour(local.hour())),
        GroupBy::Day | GroupBy::Week | GroupBy::Month => {
            let start = period_start(by, local.date_naive());
            let label = period_label(by, start);
            (start.to_string(), label)
        }
        _ => match (
            call.operator_id,
            call.operator_id.and_then(|id| ctx.users.get(&id).cloned()).or_else(|| call.operator_extension.clone()),
        ) {
            (Some(id), name) => (id.to_string(), Label::Name(name.unwrap_or_else(|| id.to_string()))),
            (None, Some(extension)) => (format!("ext:{extension}"), Label::Name(extension)),
            (None, None) => ("none".to_owned(), Label::Nobody),
        },
    }
}

/// Items grouped by `by` (time oldest first; every hour of the day, quiet
/// ones too; anything else, or no `by`, by label), `group` saying each
/// item's key and label.
fn rows_by<T>(
    items: &[T],
    by: Option<GroupBy>,
    group: impl Fn(&T) -> (String, Label),
) -> Vec<(String, Label, Vec<&T>)> {
    let mut groups: BTreeMap<String, (Label, Vec<&T>)> = BTreeMap::new();
    for item in items {
        let (k, label) = group(item);
        groups.entry(k).or_insert_with(|| (label, Vec::new())).1.push(item);
    }
    let mut rows: Vec<(String, Label, Vec<&T>)> =
        groups.into_iter().map(|(k, (label, items))| (k, label, items)).collect();
    if by == Some(GroupBy::Hour) {
        rows = (0..24)
            .map(|h| {
                let k = format!("{h:02}");
                let items = rows.iter().find(|r| r.0 == k).map(|r| r.2.clone()).unwrap_or_default();
                (k, Label::Hour(h), items)
            })
            .collect();
    } else if !by.is_some_and(GroupBy::is_time) {
        rows.sort_by_cached_key(|r| label_order(&r.1));
    }
    rows
}

/// A table of a group column and `columns`, each row's values from `values`.
fn table_of<T>(
    key: &'static str,
    by: Option<GroupBy>,
    columns: &[&str],
    rows: Vec<(String, Label, Vec<&T>)>,
    values: impl Fn(&[&T]) -> Vec<Value>,
) -> Table {
    let mut all = vec![Column::plain("group")];
    all.extend(columns.iter().map(|k| Column::plain(k)));
    Table {
        key,
        group_by: by,
        columns: all,
        rows: rows
            .into_iter()
            .map(|(k, label, items)| {
                let mut row = vec![Value::Label(label)];
                row.extend(values(&items));
                Row { key: Some(k), values: row }
            })
            .collect(),
    }
}

fn call_table(ctx: &Context, key: &'static str, calls: &[CallRecord], by: GroupBy) -> Table {
    let rows = rows_by(calls, Some(by), |call| call_group(ctx, by, call));
    table_of(key, Some(by), &CALL_COLUMNS, rows, call_values)
}

/// The calls report: its figures, by `by` (operator by default) and by
/// hour of the day.
fn calls_report(ctx: &Context, calls: &[CallRecord], by: GroupBy) -> (Vec<Total>, Vec<Table>) {
    let all: Vec<&CallRecord> = calls.iter().collect();
    let totals =
        CALL_COLUMNS.iter().zip(call_values(&all)).map(|(k, value)| Total { key: k, value, measure: None }).collect();
    let mut tables = vec![call_table(ctx, "groups", calls, by)];
    if by != GroupBy::Hour {
        tables.push(call_table(ctx, "hours", calls, GroupBy::Hour));
    }
    (totals, tables)
}

/// A visit as the visits report counts it: where, and its facts.
#[derive(Debug, Clone, Copy)]
struct VisitRecord {
    building: BuildingId,
    facts: VisitFacts,
}

/// The visits that arrived in the period (each building's own dates),
/// within the scope's buildings; the most any report reads is
/// [`MAX_FACTS`] (then `truncated`).
async fn read_visits(app: &App, ctx: &Context, scope: &ReportScope) -> AppResult<(Vec<VisitRecord>, bool)> {
    let mut buildings: Vec<BuildingId> = match &scope.buildings {
        Some(list) => list.clone(),
        None => ctx.buildings.keys().copied().collect(),
    };
    buildings.sort_unstable();
    let limit = i64::try_from(MAX_FACTS).unwrap_or(i64::MAX);
    let mut out = Vec::new();
    let mut truncated = false;
    for building in buildings {
        let zone = ctx.zone(building);
        let from = local_instant(zone, ctx.period.from, chrono::NaiveTime::MIN);
        let until = local_instant(zone, ctx.period.to.succ_opt().unwrap_or(ctx.period.to), chrono::NaiveTime::MIN);
        let left = limit - i64::try_from(out.len()).unwrap_or(i64::MAX);
        let visits = domovoy_store::passes::visit_facts(&app.db, building, from, until, left + 1).await?;
        truncated |= i64::try_from(visits.len()).unwrap_or(i64::MAX) > left;
        out.extend(
            visits.into_iter().take(usize::try_from(left).unwrap_or(0)).map(|facts| VisitRecord { building, facts }),
        );
        if truncated {
            break;
        }
    }
    Ok((out, truncated))
}

/// The moment `day` at `time` in `zone` (its first, should the clock
/// have been put back; the same wall time in UTC should it not exist).
pub(crate) fn local_instant(zone: Tz, day: NaiveDate, time: chrono::NaiveTime) -> DateTime<Utc> {
    zone.from_local_datetime(&day.and_time(time))
        .earliest()
        .map_or_else(|| day.and_time(time).and_utc(), |at| at.with_timezone(&Utc))
}

const VISIT_COLUMNS: [&str; 5] = ["visits", "on_site", "average_stay", "overstays", "overstay_share"];

fn visit_values(now: DateTime<Utc>) -> impl Fn(&[&VisitRecord]) -> Vec<Value> {
    move |visits| {
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        let stays: Vec<i64> = visits.iter().filter_map(|v| v.facts.stay()).map(|d| d.num_seconds()).collect();
        let overstays = n(visits.iter().filter(|v| v.facts.overstayed(now)).count());
        vec![
            Value::Count(n(visits.len())),
            Value::Count(n(visits.iter().filter(|v| v.facts.departed_at.is_none()).count())),
            Value::Minutes(mean(&stays).map(|seconds| seconds / 60.0)),
            Value::Count(overstays),
            Value::Share(share(overstays, n(visits.len()))),
        ]
    }
}

fn visit_group(ctx: &Context, by: GroupBy, visit: &VisitRecord) -> (String, Label) {
    let local = visit.facts.arrived_at.with_timezone(&ctx.zone(visit.building));
    match by {
        GroupBy::Hour => (format!("{:02}", local.hour()), Label::Hour(local.hour())),
        GroupBy::Day | GroupBy::Week | GroupBy::Month => {
            let start = period_start(by, local.date_naive());
            (start.to_string(), period_label(by, start))
        }
        _ => (visit.building.to_string(), Label::Name(ctx.buildings.get(&visit.building).cloned().unwrap_or_default())),
    }
}

/// The visits report: visits, those still on site, the average stay (of
/// those who left), overstays (on site after the pass ended), by `by` (day
/// by default) and by kind of pass.
fn visits_report(ctx: &Context, visits: &[VisitRecord], by: GroupBy) -> (Vec<Total>, Vec<Table>) {
    let values = visit_values(ctx.now);
    let all: Vec<&VisitRecord> = visits.iter().collect();
    let totals =
        VISIT_COLUMNS.iter().zip(values(&all)).map(|(k, value)| Total { key: k, value, measure: None }).collect();
    let groups =
        table_of("groups", Some(by), &VISIT_COLUMNS, rows_by(visits, Some(by), |v| visit_group(ctx, by, v)), &values);
    let kinds = rows_by(visits, None, |v| (v.facts.kind.code().to_owned(), Label::PassKind(v.facts.kind)));
    let kinds = table_of("kinds", None, &VISIT_COLUMNS, kinds, &values);
    (totals, vec![groups, kinds])
}

/// What the filter form offers the requester: their buildings, the
/// categories, teams and staff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FilterOptions {
    pub buildings: Vec<(BuildingId, String)>,
    pub categories: Vec<(ClassifierId, String)>,
    pub teams: Vec<(TeamId, String)>,
    pub people: Vec<(UserId, String)>,
}

/// The filter form's choices (`reports.read`).
pub async fn options(app: &App, requester: &Requester) -> AppResult<FilterOptions> {
    let reach = requester.reach(Permission::ReportsRead)?;
    let allowed = reach.building_filter();
    let buildings = buildings::list(&app.db)
        .await?
        .into_iter()
        .filter(|b| allowed.is_none_or(|a| a.contains(&b.id)))
        .map(|b| (b.id, b.name.to_string()))
        .collect();
    let categories = classifier::list(&app.db)
        .await?
        .into_iter()
        .filter(|c| c.kind == domovoy_domain::classifier::ClassifierKind::Category)
        .map(|c| (c.id, c.name))
        .collect();
    let teams = teams::list(&app.db).await?.into_iter().map(|t| (t.id, t.name)).collect();
    let filter = users::UserFilter {
        kind: Some(domovoy_domain::account::AccountKind::Staff),
        limit: 1000,
        ..users::UserFilter::default()
    };
    let mut people: Vec<(UserId, String)> =
        users::list(&app.db, &filter).await?.into_iter().map(|u| (u.id, u.display_name.to_string())).collect();
    people.sort_by_cached_key(|a| a.1.to_lowercase());
    Ok(FilterOptions { buildings, categories, teams, people })
}

/// What a drill-down asks for: the figure, and the groups it is narrowed
/// to (a row's, a column's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DrillQuery {
    /// The figure (`tickets`, `response_breached`, `age_week`, …).
    pub measure: Option<String>,
    /// The row's dimension and key.
    pub by: Option<String>,
    pub key: Option<String>,
    /// The column's dimension and key, when the column is a slice.
    pub slice_by: Option<String>,
    pub slice: Option<String>,
}

/// One ticket of a drill-down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillTicket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub building: String,
    pub category: Option<String>,
    pub status: TicketStatus,
    pub priority: Priority,
    pub source: TicketSource,
    pub assignee: Option<String>,
    pub rating: Option<u8>,
}

/// The tickets behind a figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drill {
    pub measure: Measure,
    pub period: Period,
    /// How many tickets the figure counts (the list may hold fewer:
    /// [`DRILL_MAX`] on a page, [`DRILL_EXPORT_MAX`] in a download).
    pub total: usize,
    pub tickets: Vec<DrillTicket>,
    /// The groups it is narrowed to, as labels.
    pub narrowed: Vec<(GroupBy, Label)>,
}

/// Lists the tickets a figure of a report counts (`reports.read`, within
/// the requester's buildings), with the test that counted them.
pub async fn drill(app: &App, requester: &Requester, filter: &ReportFilter, query: &DrillQuery) -> AppResult<Drill> {
    drill_with(app, requester, filter, query, Permission::ReportsRead, DRILL_MAX).await
}

/// [`drill`] for a download: `reports.export` as well.
pub async fn drill_export(
    app: &App,
    requester: &Requester,
    filter: &ReportFilter,
    query: &DrillQuery,
) -> AppResult<Drill> {
    drill_with(app, requester, filter, query, Permission::ReportsExport, DRILL_EXPORT_MAX).await
}

async fn drill_with(
    app: &App,
    requester: &Requester,
    filter: &ReportFilter,
    query: &DrillQuery,
    permission: Permission,
    limit: usize,
) -> AppResult<Drill> {
    let mut errors = FieldErrors::new();
    let measure = crate::common::required(&mut errors, "measure", query.measure.as_deref(), str::parse::<Measure>);
    let dimension = |errors: &mut FieldErrors, by_field, by: &Option<String>, key_field, key: &Option<String>| {
        let by = optional(errors, by_field, by.as_deref(), str::parse::<GroupBy>);
        match (by, crate::common::present(key.as_deref())) {
            (Some(by), Some(key)) => Some((by, key.to_owned())),
            (Some(_), None) => {
                errors.add(key_field, FieldError::Required);
                None
            }
            _ => None,
        }
    };
    let row = dimension(&mut errors, "by", &query.by, "key", &query.key);
    let column = dimension(&mut errors, "slice_by", &query.slice_by, "slice", &query.slice);
    errors.into_result()?;
    let Some(measure) = measure else { return Err(AppError::field("measure", FieldError::Required)) };
    let (parsed, mut ctx) = prepare(app, requester, filter, permission).await?;
    let window = measure.window();
    let facts = read_facts(app, &ctx, &parsed.scope, &[window]).await?;
    load_people(app, &mut ctx, &facts).await?;
    let narrowing: Vec<(GroupBy, String)> = row.into_iter().chain(column).collect();
    let mut narrowed: Vec<(GroupBy, Label)> = Vec::new();
    let mut matching: Vec<&TicketFact> = Vec::new();
    for fact in facts.of(window) {
        if !passes(measure, fact, ctx.now) {
            continue;
        }
        let mut fits = true;
        for (by, key) in &narrowing {
            let (k, label) = ctx.group(*by, fact, window);
            if &k != key {
                fits = false;
                break;
            }
            if !narrowed.iter().any(|(b, _)| b == by) {
                narrowed.push((*by, label));
            }
        }
        if fits {
            matching.push(fact);
        }
    }
    // Oldest first, as a period is read.
    matching.sort_by_key(|f| (f.created_at, f.id));
    let total = matching.len();
    let tickets = matching
        .into_iter()
        .take(limit)
        .map(|f| DrillTicket {
            id: f.id,
            number: f.number,
            created_at: f.created_at,
            resolved_at: f.resolved_at,
            building: ctx.buildings.get(&f.building_id).cloned().unwrap_or_default(),
            category: f.category_id.and_then(|c| ctx.categories.get(&c).cloned()),
            status: f.status,
            priority: f.priority,
            source: f.source,
            assignee: f.assignee_id.and_then(|u| ctx.users.get(&u).cloned()),
            rating: f.rating,
        })
        .collect();
    Ok(Drill { measure, period: parsed.period, total, tickets, narrowed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(minute: i64) -> TicketFact {
        let created = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        TicketFact {
            id: TicketId::new(),
            number: TicketNumber { year: 2026, seq: minute },
            building_id: BuildingId::new(),
            category_id: None,
            priority: Priority::Normal,
            source: TicketSource::Phone,
            status: TicketStatus::New,
            assignee_id: None,
            team_id: None,
            created_at: created,
            responded_at: None,
            resolved_at: None,
            closed_at: None,
            sla_policy_id: None,
            sla_state: domovoy_domain::sla::SlaState::None,
            response_due: Some(created + chrono::Duration::minutes(30)),
            resolution_due: Some(created + chrono::Duration::hours(24)),
            sla_used_minutes: 0,
            rating: None,
            rating_comment: None,
            reopen_count: 0,
        }
    }

    #[test]
    fn response_is_met_breached_or_still_running() {
        let f = fact(1);
        let due = f.response_due.unwrap();
        let early = due - chrono::Duration::minutes(1);
        assert_eq!(response_met(&f, early), None, "still running");
        assert_eq!(response_met(&f, due), Some(false), "due and unanswered");
        let answered = TicketFact { responded_at: Some(due), ..f.clone() };
        assert_eq!(response_met(&answered, due + chrono::Duration::days(1)), Some(true), "on the minute is met");
        let late = TicketFact { responded_at: Some(due + chrono::Duration::seconds(1)), ..f.clone() };
        assert_eq!(response_met(&late, due), Some(false));
        let cancelled = TicketFact { status: TicketStatus::Cancelled, ..f.clone() };
        assert_eq!(response_met(&cancelled, due + chrono::Duration::days(1)), None);
        let no_target = TicketFact { response_due: None, ..f };
        assert_eq!(response_met(&no_target, due), None);
    }

    #[test]
    fn resolution_counts_done_tickets_by_their_due_time() {
        let f = fact(2);
        let due = f.resolution_due.unwrap();
        let done = TicketFact { status: TicketStatus::Done, resolved_at: Some(due), ..f };
        assert!(passes(Measure::ResolutionMet, &done, due));
        assert!(passes(Measure::FirstTimeFix, &done, due));
        let reopened = TicketFact { status: TicketStatus::Reopened, reopen_count: 1, ..done };
        assert!(!passes(Measure::ResolutionMet, &reopened, due - chrono::Duration::minutes(1)));
        assert!(passes(Measure::ResolutionBreached, &reopened, due));
        assert!(passes(Measure::Reopened, &reopened, due) && !passes(Measure::FirstTimeFix, &reopened, due));
    }

    #[test]
    fn ratings_fall_in_one_measure_each() {
        let rated = TicketFact { rating: Some(3), ..fact(3) };
        let now = Utc::now();
        let hits: Vec<Measure> = Measure::RATINGS.iter().copied().filter(|m| passes(*m, &rated, now)).collect();
        assert_eq!(hits, vec![Measure::Rating3]);
        assert!(passes(Measure::LowRating, &rated, now) && passes(Measure::Rated, &rated, now));
        assert!(!passes(Measure::LowRating, &TicketFact { rating: Some(4), ..fact(4) }, now));
    }

    #[test]
    fn filters_are_checked_field_by_field() {
        let today: NaiveDate = "2026-12-06".parse().unwrap();
        let parsed = ReportFilter::default().parse(today).unwrap();
        assert_eq!(parsed.period, Period::last_30_days(today));
        let bad = ReportFilter {
            from: Some("06.12.2026".into()),
            priority: Some("urgent".into()),
            group: Some("status".into()),
            ..ReportFilter::default()
        };
        let Err(AppError::Validation(errors)) = bad.parse(today) else { panic!("refused") };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["from", "priority", "group"]);
        let backwards =
            ReportFilter { from: Some("2026-12-06".into()), to: Some("2026-12-01".into()), ..ReportFilter::default() };
        assert!(matches!(backwards.parse(today), Err(AppError::Validation(_))));
    }
}
