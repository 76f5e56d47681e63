//! Ticket pages: the dispatcher's board (list and kanban), quick creation,
//! a ticket's card with its timeline and quick actions, the resident's
//! own requests, and the board's CSV export.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::event::Topic;
use domovoy_domain::ids::{BuildingId, TicketId, UserId};
use domovoy_domain::permission::Permission;
use domovoy_domain::sla::SlaState;
use domovoy_domain::ticket::{HistoryChange, HistoryEntry};
use domovoy_domain::ticket::{HoldReason, Priority, Ticket, TicketSource, TicketStatus};

use crate::auth::csrf::NoFields;
use crate::auth::{Caller, CsrfForm, PageCaller};
use crate::pages::{Chrome, FormFailure, Section, fmt_time, html, html_with_status, see_other};
use domovoy_app::AppError;

use crate::error::PageError;
use crate::export::{ExportFormat, Table, download};
use crate::i18n::Catalog;
use crate::state::AppState;
use domovoy_app::ticket_filter::TicketFilter;
use domovoy_app::tickets::{
    self, IdempotencyKey, Intake, Lookup, NewTicket, TicketUpdate, TransitionRequest, available_transitions,
};
use domovoy_app::{buildings, ticket_settings};

/// Statuses shown as kanban columns, in workflow order.
const KANBAN: [TicketStatus; 7] = [
    TicketStatus::New,
    TicketStatus::Reopened,
    TicketStatus::Accepted,
    TicketStatus::Assigned,
    TicketStatus::InProgress,
    TicketStatus::OnHold,
    TicketStatus::Done,
];

/// Tickets a kanban shows at most (the most urgent).
const KANBAN_LIMIT: u32 = 400;
/// Rows a CSV export holds at most.
const EXPORT_LIMIT: usize = 10_000;

/// The client beside a ticket.
#[derive(Debug, Clone)]
pub struct ClientSummary {
    pub id: String,
    pub name: String,
    pub units: Vec<String>,
    pub tags: Vec<String>,
    pub open: usize,
    pub past: usize,
}

/// A value and its label, for selects.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: &impl ToString, label: impl Into<String>) -> Self {
        Self { value: value.to_string(), label: label.into() }
    }
}

/// The deadline that matters now and how it looks.
#[derive(Debug, Clone, Default)]
pub struct Due {
    /// `sla-active`, `sla-warning`, `sla-breached`, `sla-paused`, `sla-met`.
    pub class: &'static str,
    pub state: String,
    /// "через 2 ч" or "просрочено на 15 мин"; empty without a deadline.
    pub text: String,
    /// RFC 3339, for the page to keep the text current.
    pub at: String,
    pub local: String,
}

fn sla_class(state: SlaState) -> &'static str {
    match state {
        SlaState::None => "",
        SlaState::Met => "sla-met",
        SlaState::Paused => "sla-paused",
        SlaState::Active => "sla-active",
        SlaState::Warning => "sla-warning",
        SlaState::Breached => "sla-breached",
    }
}

fn due(ticket: &Ticket, t: &Catalog, state: &AppState, now: DateTime<Utc>) -> Due {
    let at = match (ticket.responded_at(), ticket.sla.response_due, ticket.resolved_at()) {
        (None, Some(response), None) => Some(response),
        (_, _, None) => ticket.sla.resolution_due,
        _ => None,
    };
    let running = ticket.status().is_open() && ticket.sla.state != SlaState::Paused;
    let text = match at.filter(|_| running) {
        Some(at) if at >= now => (t.tk.due_in)(&t.tk.minutes(&(at - now).num_minutes())),
        Some(at) => (t.tk.overdue_by)(&t.tk.minutes(&(now - at).num_minutes())),
        None => String::new(),
    };
    Due {
        class: sla_class(ticket.sla.state),
        state: t.tk.sla_state(&ticket.sla.state).to_owned(),
        text,
        at: at.filter(|_| running).map(|a| a.to_rfc3339()).unwrap_or_default(),
        local: at.map(|a| fmt_time(a, state.config.display_time_zone)).unwrap_or_default(),
    }
}

/// One ticket on the board.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub number: String,
    pub created: String,
    pub building: String,
    pub location: String,
    pub description: String,
    pub category: String,
    pub priority: &'static str,
    pub priority_label: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub assignee: String,
    /// «Исполнитель в пути с …», or empty.
    pub en_route: String,
    pub due: Due,
    pub version: i64,
    pub flagged: bool,
    /// Statuses it may be dragged to (kanban).
    pub moves: String,
}

impl Row {
    fn new(
        ticket: &Ticket,
        lookup: &Lookup,
        t: &Catalog,
        state: &AppState,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Self {
        let description: String = ticket.description.as_str().chars().take(140).collect();
        Self {
            id: ticket.id.to_string(),
            number: ticket.number.to_string(),
            created: fmt_time(ticket.created_at, state.config.display_time_zone),
            building: lookup.building(ticket.building_id).to_owned(),
            location: ticket.location.clone().unwrap_or_default(),
            description,
            category: lookup.item(ticket.problem_id).or(lookup.item(ticket.category_id)).unwrap_or_default().to_owned(),
            priority: ticket.priority.code(),
            priority_label: t.tk.priority(&ticket.priority),
            status: ticket.status().code(),
            status_label: t.tk.status(&ticket.status()),
            assignee: lookup.user(ticket.assignee_id()).unwrap_or(t.tk.unassigned).to_owned(),
            en_route: en_route(ticket, t, state.config.display_time_zone),
            due: due(ticket, t, state, now),
            version: ticket.version,
            flagged: ticket.flagged(),
            moves: available_transitions(caller, ticket).iter().map(|s| s.code()).collect::<Vec<_>>().join(" "),
        }
    }
}

/// A kanban column.
#[derive(Debug)]
pub struct Column {
    pub status: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub rows: Vec<Row>,
}

/// A status counter above the board.
#[derive(Debug)]
pub struct Counter {
    pub label: &'static str,
    pub count: i64,
    pub href: String,
    pub active: bool,
}

/// A live topic the page follows, with the sequence it was rendered at.
#[derive(Debug)]
pub struct LiveTopic {
    pub topic: String,
    pub seq: i64,
}

/// The board's own parameters beside its filter.
#[derive(Debug, Deserialize, Default)]
pub struct BoardView {
    /// `list` (default) or `kanban`.
    pub view: Option<String>,
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "tickets.html")]
struct BoardPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    staff: bool,
    /// A technician: «Мои / Все» first, the filters folded away.
    own_queue: bool,
    /// The list shows the caller's own tickets.
    mine: bool,
    filter: TicketFilter,
    kanban: bool,
    rows: Vec<Row>,
    columns: Vec<Column>,
    counters: Vec<Counter>,
    total: i64,
    next_href: Option<String>,
    first_href: Option<String>,
    list_href: String,
    kanban_href: String,
    export_href: String,
    query: String,
    buildings: Vec<Choice>,
    categories: Vec<Choice>,
    statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    sources: Vec<Choice>,
    sla_states: Vec<Choice>,
    saved: Vec<(String, String, String)>,
    live: Vec<LiveTopic>,
    can_create: bool,
    errors: Vec<(String, String)>,
    hold_reasons: Vec<Choice>,
}

fn enum_choices<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: impl Fn(&T) -> &'static str) -> Vec<Choice> {
    all.iter().map(|v| Choice::new(&code(*v), label(v))).collect()
}

/// The board: what the caller may see, filtered, most urgent first.
#[get("/tickets")]
pub async fn board(
    state: web::Data<AppState>,
    caller: PageCaller,
    filter: web::Query<TicketFilter>,
    view: web::Query<BoardView>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    render_board(&state, &caller, filter.into_inner(), &view, req.query_string(), None).await
}

async fn render_board(
    state: &AppState,
    caller: &Caller,
    filter: TicketFilter,
    view: &BoardView,
    raw_query: &str,
    failure: Option<FormFailure>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let staff = tickets::is_staff(caller);
    let kanban = staff && view.view.as_deref() == Some("kanban");
    let mut filter = filter;
    // Staff work on open tickets: that is the board unless they ask for
    // more ("all" or a status).
    if staff && !kanban && filter.status.as_deref().is_none_or(|s| s.trim().is_empty()) {
        filter.status = Some("open".to_owned());
    }
    // A technician's list opens on their own work; «Все» is one tap away.
    if raw_query.is_empty() && !kanban && tickets::works_own_queue(caller) {
        filter.assignee = Some("me".to_owned());
    }
    let (failure, store_query) = match filter.to_query(caller.user().id) {
        Ok(q) => (failure.unwrap_or_default(), q),
        Err(error) => {
            // A hand-edited URL: show the board unfiltered, say what was wrong.
            let failure = FormFailure::from_error(error, t)?;
            filter = TicketFilter::default();
            (failure, filter.to_query(caller.user().id).map_err(PageError::from)?)
        }
    };
    let mut store_query = store_query;
    let counted: Vec<TicketStatus> = if kanban && store_query.statuses.is_empty() {
        KANBAN.to_vec()
    } else if !store_query.statuses.is_empty() {
        store_query.statuses.clone()
    } else if store_query.open_only {
        TicketStatus::ALL.iter().copied().filter(|s| s.is_open()).collect()
    } else {
        TicketStatus::ALL.to_vec()
    };
    if kanban {
        store_query.limit = KANBAN_LIMIT;
        store_query.cursor = None;
        if store_query.statuses.is_empty() {
            store_query.statuses = KANBAN.to_vec();
        }
    }
    // The positions are read before the tickets, so a ticket committed in
    // between is replayed rather than missed (the board then refreshes once
    // more, which is harmless).
    let reachable = buildings::list(state, caller).await.unwrap_or_default();
    let topics: Vec<Topic> = match filter.building_id.as_deref().and_then(|b| b.parse::<Uuid>().ok()) {
        Some(id) => vec![Topic::Building(BuildingId::from_uuid(id))],
        None if staff => reachable.iter().map(|b| Topic::Building(b.id)).collect(),
        None => vec![Topic::User(caller.user().id)],
    };
    let seqs = domovoy_app::live::positions(state, &topics).await?;
    let (page, counts) = tickets::list(state, caller, store_query).await?;
    let lookup = Lookup::load(state, &page.items).await?;
    let now = Utc::now();
    let rows: Vec<Row> = page.items.iter().map(|ticket| Row::new(ticket, &lookup, t, state, caller, now)).collect();
    let count_of = |s: TicketStatus| counts.iter().find(|(status, _)| *status == s).map_or(0, |(_, n)| *n);
    let columns = if kanban {
        KANBAN
            .iter()
            .map(|status| Column {
                status: status.code(),
                label: t.tk.status(status),
                count: count_of(*status),
                rows: rows.iter().filter(|r| r.status == status.code()).cloned().collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let view_name = if kanban { "kanban" } else { "list" };
    let base = filter.with_cursor(None);
    let href = |f: &TicketFilter, view: &str| {
        let query = f.to_query_string();
        let view = if view == "kanban" { "view=kanban" } else { "" };
        match (query.is_empty(), view.is_empty()) {
            (true, true) => "/tickets".to_owned(),
            (true, false) => format!("/tickets?{view}"),
            (false, true) => format!("/tickets?{query}"),
            (false, false) => format!("/tickets?{query}&{view}"),
        }
    };
    let mut counters = vec![Counter {
        label: t.tk.filter_open,
        count: TicketStatus::ALL.iter().filter(|s| s.is_open()).map(|s| count_of(*s)).sum(),
        href: href(&TicketFilter { status: Some("open".into()), ..base.clone() }, view_name),
        active: base.status.as_deref() == Some("open"),
    }];
    for status in TicketStatus::ALL {
        let count = count_of(*status);
        // A resident sees the statuses their requests are in; staff also
        // the empty open ones (where work would show up).
        if count > 0 || (staff && !status.is_terminal()) {
            counters.push(Counter {
                label: t.tk.status(status),
                count,
                href: href(&TicketFilter { status: Some(status.code().into()), ..base.clone() }, view_name),
                active: base.status.as_deref() == Some(status.code()),
            });
        }
    }
    let total: i64 = counts.iter().filter(|(s, _)| counted.contains(s)).map(|(_, n)| *n).sum();

    let live = topics
        .iter()
        .map(|topic| LiveTopic { topic: topic.to_string(), seq: seqs.get(topic).copied().unwrap_or(0) })
        .collect();

    let categories = lookup
        .items
        .values()
        .filter(|i| i.kind == ClassifierKind::Category && i.active)
        .map(|i| (i.sort_order, i.name.clone(), i.id))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|(_, name, id)| Choice::new(&id, name))
        .collect();
    let saved = if staff {
        ticket_settings::saved_filters(state, caller)
            .await?
            .into_iter()
            .map(|f| {
                (
                    f.name.clone(),
                    if f.query.is_empty() { "/tickets".to_owned() } else { format!("/tickets?{}", f.query) },
                    f.id.to_string(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let next_href = page.next.map(|cursor| href(&filter.with_cursor(Some(cursor.to_string())), view_name));
    let first_href = filter.cursor.is_some().then(|| href(&base, view_name));
    let path = if raw_query.is_empty() { "/tickets".to_owned() } else { format!("/tickets?{raw_query}") };
    let can_create = caller.principal().can_somewhere(Permission::TicketsCreate)
        || caller.principal().reach(Permission::TicketsCreate).own;
    let page = BoardPage {
        t,
        chrome: Chrome::new(caller, Section::Tickets, &path)
            .with_notice(crate::pages::notice(t, view.done.as_deref()))
            .with_error(failure.message.clone()),
        staff,
        own_queue: tickets::works_own_queue(caller),
        mine: filter.assignee.as_deref() == Some("me"),
        kanban,
        rows,
        columns,
        counters,
        total,
        next_href,
        first_href,
        list_href: href(&base, "list"),
        kanban_href: href(&base, "kanban"),
        export_href: format!("/tickets/export?{}", base.to_query_string()),
        query: base.to_query_string(),
        buildings: reachable.iter().map(|b| Choice::new(&b.id, b.name.as_str())).collect(),
        categories,
        statuses: enum_choices(TicketStatus::ALL, TicketStatus::code, |s| t.tk.status(s)),
        priorities: enum_choices(Priority::ALL, Priority::code, |p| t.tk.priority(p)),
        sources: enum_choices(TicketSource::ALL, TicketSource::code, |s| t.tk.source(s)),
        sla_states: enum_choices(SlaState::ALL, SlaState::code, |s| t.tk.sla_state(s)),
        saved,
        live,
        can_create,
        errors: failure.fields,
        hold_reasons: enum_choices(HoldReason::ALL, HoldReason::code, |h| t.tk.hold_reason(h)),
        filter,
    };
    html(&page)
}

#[derive(Debug, Deserialize)]
pub struct SaveFilterForm {
    name: String,
    query: String,
}

/// Saves the board's current filter under a name.
#[post("/tickets/filters")]
pub async fn save_filter(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<SaveFilterForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    match ticket_settings::save_filter(&state, &caller, &form.name, &form.query).await {
        Ok(saved) => Ok(see_other(&format!(
            "/tickets?{}{}done=filter_saved",
            saved.query,
            if saved.query.is_empty() { "" } else { "&" }
        ))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            let filter: TicketFilter = serde_urlencoded::from_str(&form.query).unwrap_or_default();
            render_board(&state, &caller, filter, &BoardView::default(), &form.query, Some(failure)).await
        }
    }
}

#[post("/tickets/filters/{id}/delete")]
pub async fn delete_filter(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    ticket_settings::delete_filter(&state, &caller, *id).await?;
    Ok(see_other("/tickets?done=filter_deleted"))
}

/// The filtered board as a CSV file (opens in a Russian Excel).
#[get("/tickets/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: PageCaller,
    filter: web::Query<TicketFilter>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let mut query = filter.to_query(caller.user().id)?;
    query.limit = domovoy_app::ticket_filter::MAX_LIMIT;
    query.cursor = None;
    let mut all: Vec<Ticket> = Vec::new();
    loop {
        let (page, _) = tickets::list(&state, &caller, query.clone()).await?;
        all.extend(page.items);
        match page.next {
            Some(next) if all.len() < EXPORT_LIMIT => query.cursor = Some(next),
            _ => break,
        }
    }
    all.truncate(EXPORT_LIMIT);
    let lookup = Lookup::load(&state, &all).await?;
    let zone = state.config.display_time_zone;
    let table = Table {
        headers: [
            t.tk.col_number,
            t.tk.col_created,
            t.tk.col_building,
            t.tk.col_location,
            t.tk.col_description,
            t.tk.col_category,
            t.tk.field_problem,
            t.tk.col_priority,
            t.tk.col_status,
            t.tk.col_assignee,
            t.tk.field_source,
            t.tk.filter_sla,
            t.tk.label_response_due,
            t.tk.label_resolution_due,
            t.tk.label_rating,
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect(),
        rows: all
            .iter()
            .map(|ticket| {
                let opt = |at: Option<DateTime<Utc>>| at.map(|a| fmt_time(a, zone)).unwrap_or_default();
                vec![
                    ticket.number.to_string(),
                    fmt_time(ticket.created_at, zone),
                    lookup.building(ticket.building_id).to_owned(),
                    ticket.location.clone().unwrap_or_default(),
                    ticket.description.as_str().to_owned(),
                    lookup.item(ticket.category_id).unwrap_or_default().to_owned(),
                    lookup.item(ticket.problem_id).unwrap_or_default().to_owned(),
                    t.tk.priority(&ticket.priority).to_owned(),
                    t.tk.status(&ticket.status()).to_owned(),
                    lookup.user(ticket.assignee_id()).unwrap_or_default().to_owned(),
                    t.tk.source(&ticket.source).to_owned(),
                    t.tk.sla_state(&ticket.sla.state).to_owned(),
                    opt(ticket.sla.response_due),
                    opt(ticket.sla.resolution_due),
                    ticket.rating().map(|r| r.value().to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
    };
    let name = format!("tickets-{}", Utc::now().with_timezone(&zone).format("%Y-%m-%d"));
    Ok(download(&table, ExportFormat::Csv, &name, t.tk.board_title)?)
}

// ---- New ticket ------------------------------------------------------------

#[derive(Template)]
#[template(path = "ticket_new.html")]
struct NewPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    staff: bool,
    form: NewTicket,
    idempotency_key: String,
    buildings: Vec<Choice>,
    sources: Vec<Choice>,
    priorities: Vec<Choice>,
    places: Vec<Choice>,
    categories: Vec<Choice>,
    /// Problems: id, label, category id.
    problems: Vec<(String, String, String)>,
    errors: Vec<(String, String)>,
    /// Who and where, when prefilled from a client or unit card.
    party: String,
    /// A resident's own units: `building:unit` and «кв. 45, ЖК …».
    own_units: Vec<Choice>,
    /// The limit of one attachment, in megabytes.
    max_attachment_mb: u64,
}

/// "Иванов Иван — кв. 45, ЖК «Северная звезда»" for a prefilled form; fills
/// the location from the unit when it is empty.
async fn describe_party(state: &AppState, caller: &Caller, form: &mut NewTicket) -> String {
    use domovoy_domain::ids::{ClientId, UnitId};
    let parse = |raw: Option<&str>| raw.and_then(|v| v.trim().parse::<Uuid>().ok());
    let mut parts = Vec::new();
    let client = match parse(form.client_id.as_deref()) {
        Some(id) => domovoy_app::clients::card(state, caller, ClientId::from_uuid(id)).await.ok(),
        None => None,
    };
    if let Some(card) = client {
        if form.contact_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            form.contact_name = Some(card.client.card.name.clone());
        }
        if form.contact_phone.as_deref().is_none_or(|p| p.trim().is_empty()) {
            form.contact_phone = card.client.card.phones.first().map(|p| p.phone.to_string());
        }
        parts.push(card.client.card.name);
    }
    let unit = match parse(form.unit_id.as_deref()) {
        Some(id) => domovoy_app::places::unit_card(state, caller, UnitId::from_uuid(id)).await.ok(),
        None => None,
    };
    if let Some(card) = unit {
        if form.location.as_deref().is_none_or(|l| l.trim().is_empty()) {
            form.location = Some(card.title.clone());
        }
        form.building_id.get_or_insert_with(|| card.unit.building_id.to_string());
        parts.push(format!("{}, {}", card.title, card.building_name));
    }
    parts.join(" — ")
}

/// The quick-creation form (a fresh idempotency key with every render, so a
/// double click or a resent form files one ticket).
#[get("/tickets/new")]
pub async fn new_ticket(
    state: web::Data<AppState>,
    caller: PageCaller,
    prefill: web::Query<NewTicket>,
) -> Result<HttpResponse, PageError> {
    let mut form = prefill.into_inner();
    if form.source.is_none() {
        form.source = Some(if tickets::is_staff(&caller) { "phone" } else { "web_cabinet" }.to_owned());
    }
    render_new(&state, &caller, form, None, StatusCode::OK).await
}

async fn render_new(
    state: &AppState,
    caller: &Caller,
    form: NewTicket,
    key: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    render_new_with(state, caller, form, key, status, FormFailure::default()).await
}

async fn render_new_with(
    state: &AppState,
    caller: &Caller,
    form: NewTicket,
    key: Option<String>,
    status: StatusCode,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let mut form = form;
    let party = describe_party(state, caller, &mut form).await;
    let staff = tickets::is_staff(caller);
    let reach = caller.principal().reach(Permission::TicketsCreate);
    if reach.is_nothing() {
        return Err(PageError::forbidden());
    }
    let all = tickets::intake_buildings(state, caller).await?;
    let buildings =
        all.iter().map(|b| Choice::new(&b.id, format!("{} — {}", b.name.as_str(), b.address.as_str()))).collect();
    let own_units = tickets::own_units(state, caller)
        .await?
        .into_iter()
        .map(|u| Choice::new(&format!("{}:{}", u.building_id, u.unit_id), format!("{}, {}", u.title, u.building_name)))
        .collect();
    let items = ticket_settings::classifier(state, caller).await.unwrap_or_default();
    let mut items: Vec<_> = items.into_iter().filter(|i| i.active).collect();
    items.sort_by(|a, b| (a.sort_order, &a.name).cmp(&(b.sort_order, &b.name)));
    let of =
        |kind| items.iter().filter(|i| i.kind == kind).map(|i| Choice::new(&i.id, i.name.as_str())).collect::<Vec<_>>();
    let category_name = |id| items.iter().find(|i| Some(i.id) == id).map(|i| i.name.clone()).unwrap_or_default();
    let problems = items
        .iter()
        .filter(|i| i.kind == ClassifierKind::Problem)
        .map(|i| {
            (
                i.id.to_string(),
                format!("{} › {}", category_name(i.parent_id), i.name),
                i.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    // A resident here is in the web cabinet: that is the source.
    let sources = TicketSource::ALL
        .iter()
        .filter(|s| staff || **s == TicketSource::WebCabinet)
        .map(|s| Choice::new(&s.code(), t.tk.source(s)))
        .collect();
    let page = NewPage {
        t,
        chrome: Chrome::new(caller, Section::Tickets, "/tickets/new").with_error(failure.message),
        staff,
        form,
        idempotency_key: key.unwrap_or_else(|| Uuid::now_v7().to_string()),
        buildings,
        sources,
        priorities: enum_choices(Priority::ALL, Priority::code, |p| t.tk.priority(p)),
        places: of(ClassifierKind::Place),
        categories: of(ClassifierKind::Category),
        problems,
        errors: failure.fields,
        party,
        own_units,
        max_attachment_mb: state.config.max_attachment_bytes.div_ceil(1024 * 1024),
    };
    html_with_status(&page, status)
}

#[derive(Debug, Deserialize)]
pub struct NewTicketForm {
    #[serde(flatten)]
    ticket: NewTicket,
    /// A resident's choice among their units: `building_id:unit_id`.
    unit_choice: Option<String>,
    idempotency_key: String,
}

/// Files the form's ticket; on success opens it.
#[post("/tickets")]
pub async fn create_ticket(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<NewTicketForm>,
) -> Result<HttpResponse, PageError> {
    let NewTicketForm { ticket: mut input, unit_choice, idempotency_key } = form.0;
    if let Some((building, unit)) = unit_choice.as_deref().and_then(|c| c.split_once(':')) {
        input.building_id = Some(building.to_owned());
        input.unit_id = Some(unit.to_owned());
    }
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let input = NewTicket {
        unit_id: blank(input.unit_id),
        client_id: blank(input.client_id),
        category: blank(input.category),
        place: blank(input.place),
        problem: blank(input.problem),
        priority: blank(input.priority),
        contact_name: blank(input.contact_name),
        contact_phone: blank(input.contact_phone),
        location: blank(input.location),
        call_id: blank(input.call_id),
        ..input
    };
    let key = match Uuid::parse_str(idempotency_key.trim()) {
        Ok(key) => Some(IdempotencyKey {
            key: format!("form:{key}"),
            request_hash: <sha2::Sha256 as sha2::Digest>::digest(serde_json::to_vec(&input).unwrap_or_default())
                .to_vec(),
        }),
        Err(_) => None,
    };
    match tickets::create(&state, &caller, &input, key, render_created).await {
        Ok(Intake::Created { body, .. } | Intake::Replayed { body, .. }) => {
            let id = body["id"].as_str().unwrap_or_default();
            Ok(see_other(&format!("/tickets/{id}?done=ticket_created")))
        }
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render_new_with(&state, &caller, input, Some(idempotency_key), StatusCode::UNPROCESSABLE_ENTITY, failure)
                .await
        }
    }
}

fn render_created(ticket: &Ticket, _summary: &domovoy_domain::ticket::TicketSummary) -> serde_json::Value {
    serde_json::json!({ "id": ticket.id, "number": ticket.number })
}

// ---- A ticket ----------------------------------------------------------------

/// One line of the timeline: a history entry or a comment.
#[derive(Debug)]
pub struct Moment {
    pub at: String,
    pub who: String,
    pub text: String,
    /// A comment's body (shown as a quote).
    pub body: Option<String>,
    pub internal: bool,
    pub kind: &'static str,
}

#[derive(Debug)]
pub struct AttachmentView {
    pub id: String,
    pub name: String,
    pub size: String,
    pub thumbnail: bool,
    /// «Фото до работ» / «Фото после работ» for the staff app's photos.
    pub stage: Option<&'static str>,
}

/// An item of the ticket's checklist as the page shows it.
#[derive(Debug)]
pub struct CheckView {
    pub item: String,
    pub checked: bool,
    /// When it was ticked, in the company's zone.
    pub when: String,
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage<'a> {
    /// The category's checklist with what is ticked (empty: none asked).
    checks: Vec<CheckView>,
    /// Whether the resident must sign, and whether they did.
    signature: Option<bool>,
    t: &'a Catalog,
    chrome: Chrome,
    staff: bool,
    id: String,
    number: String,
    version: i64,
    status: &'static str,
    status_label: &'static str,
    en_route: String,
    priority: &'static str,
    priority_label: &'static str,
    description: String,
    facts: Vec<(&'static str, String)>,
    sla: Vec<(&'static str, String)>,
    due: Due,
    contact: Option<(String, String)>,
    /// The client card's summary: id, name, units, tags, open tickets.
    client: Option<ClientSummary>,
    same_phone: Vec<Row>,
    /// The calls linked to the ticket (for those who receive calls).
    calls: Vec<crate::calls::pages::CallBrief>,
    /// The outages it is linked to: id and what the line says.
    outages: Vec<(String, String)>,
    /// «Позвонить» next to the contact's phone (click-to-call).
    click_to_call: bool,
    timeline: Vec<Moment>,
    attachments: Vec<AttachmentView>,
    transitions: Vec<Choice>,
    hold_reasons: Vec<Choice>,
    needs_reason: Vec<&'static str>,
    can_assign: bool,
    assignees: Vec<Choice>,
    assignee: String,
    me: String,
    /// The caller may take the ticket themself.
    can_take: bool,
    can_classify: bool,
    priorities: Vec<Choice>,
    categories: Vec<Choice>,
    places: Vec<Choice>,
    problems: Vec<(String, String, String)>,
    category: String,
    place: String,
    problem: String,
    watching: bool,
    watchers: String,
    can_rate: bool,
    ratings: Vec<Choice>,
    viewers: Vec<String>,
    live_seq: i64,
    can_comment: bool,
    can_attach: bool,
    upload_hint: String,
    errors: Vec<(String, String)>,
}

#[derive(Debug, Deserialize, Default)]
pub struct TicketQueryString {
    done: Option<String>,
}

#[get("/tickets/{id}")]
pub async fn show_ticket(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    query: web::Query<TicketQueryString>,
) -> Result<HttpResponse, PageError> {
    let notice = crate::pages::notice(caller.t(), query.done.as_deref());
    render_ticket(&state, &caller, TicketId::from_uuid(*id), notice, FormFailure::default(), StatusCode::OK).await
}

/// «Исполнитель в пути с …» while the assignee is on the way, else empty.
pub(crate) fn en_route(ticket: &Ticket, t: &Catalog, zone: Tz) -> String {
    ticket.en_route_at().map(|at| (t.tk.en_route_since)(&fmt_time(at, zone))).unwrap_or_default()
}

/// A history entry in words.
fn history_text(entry: &HistoryEntry, t: &Catalog, lookup: &Lookup) -> String {
    match &entry.change {
        HistoryChange::Created { .. } => t.tk.history_created.to_owned(),
        HistoryChange::Status { from, to, reason, hold_reason } => {
            let mut text = (t.tk.history_status)(t.tk.status(from), t.tk.status(to));
            if let Some(reason) = reason {
                text = (t.tk.history_with_reason)(&text, reason);
            }
            if let Some(hold) = hold_reason {
                text = (t.tk.history_with_hold)(&text, t.tk.hold_reason(hold));
            }
            text
        }
        HistoryChange::Assigned { to: Some(id), .. } => {
            (t.tk.history_assigned)(lookup.user(Some(*id)).unwrap_or_default())
        }
        HistoryChange::Assigned { to: None, .. } => t.tk.history_unassigned.to_owned(),
        HistoryChange::Classified { .. } => t.tk.history_classified.to_owned(),
        HistoryChange::Rating { rating, comment, .. } => {
            let text = (t.tk.history_rating)(*rating);
            match comment {
                Some(comment) => (t.tk.history_with_quote)(&text, comment),
                None => text,
            }
        }
        HistoryChange::Sla { to, .. } => (t.tk.history_sla)(t.tk.sla_state(to)),
        HistoryChange::Attachment { file_name, stage: None, .. } => {
            (t.tk.history_with_reason)(t.tk.uploaded, file_name)
        }
        HistoryChange::Attachment { file_name, stage: Some(stage), .. } => {
            (t.tk.history_with_reason)(t.tk.photo_stage(*stage), file_name)
        }
        HistoryChange::SetOff => t.tk.history_set_off.to_owned(),
    }
}

/// A file size in words: "2.5 МБ", "120 КБ".
fn size_text(bytes: i64, t: &Catalog) -> String {
    match bytes {
        b if b >= 1024 * 1024 => (t.tk.size_megabytes)(b as f64 / 1024.0 / 1024.0),
        b if b >= 1024 => (t.tk.size_kilobytes)(b / 1024),
        b => (t.tk.size_bytes)(b),
    }
}

async fn render_ticket(
    state: &AppState,
    caller: &Caller,
    id: TicketId,
    notice: Option<String>,
    failure: FormFailure,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    // The position is read before the ticket, so a change committed in
    // between is replayed rather than missed (applying it twice is harmless).
    let view = tickets::view(state, caller, id).await?;
    let live_seq = view.live_seq;
    let ticket = &view.ticket;
    let staff = tickets::is_staff(caller);
    let zone = state.config.display_time_zone;
    let mut lookup = Lookup::load(state, std::slice::from_ref(ticket)).await?;
    lookup.users.extend(view.names.clone());
    // What the caller may do here: the same rule the use-cases enforce.
    let can = &view.capabilities;
    let (can_assign, can_classify) = (can.assign, can.classify);
    let now = Utc::now();

    let mut facts = vec![
        (t.tk.field_building, lookup.building(ticket.building_id).to_owned()),
        (t.tk.field_location, ticket.location.clone().unwrap_or_default()),
        (t.tk.field_category, lookup.item(ticket.category_id).unwrap_or_default().to_owned()),
        (t.tk.field_problem, lookup.item(ticket.problem_id).unwrap_or_default().to_owned()),
        (t.tk.field_place, lookup.item(ticket.place_id).unwrap_or_default().to_owned()),
        (t.tk.field_source, t.tk.source(&ticket.source).to_owned()),
        (t.tk.label_created, fmt_time(ticket.created_at, zone)),
        (t.tk.label_updated, fmt_time(ticket.updated_at, zone)),
        (t.tk.col_assignee, lookup.user(ticket.assignee_id()).unwrap_or(t.tk.unassigned).to_owned()),
    ];
    if let Some(team) = &view.team_name {
        facts.push((t.tk.label_team, team.clone()));
    }
    if let Some(hold) = ticket.hold_reason() {
        facts.push((t.tk.label_hold_reason, t.tk.hold_reason(&hold).to_owned()));
    }
    if let Some(reason) = ticket.end_reason() {
        facts.push((t.tk.label_end_reason, reason.to_owned()));
    }
    if let Some(rating) = ticket.rating() {
        let mut text = (t.tk.rating_label)(rating.value()).to_owned();
        if let Some(comment) = ticket.rating_comment() {
            text = (t.tk.history_with_quote)(&text, comment);
        }
        facts.push((t.tk.label_rating, text));
    }
    if ticket.flagged() {
        facts.push((t.tk.label_flagged, t.yes.to_owned()));
    }
    if !can.see_internal {
        // A resident reads where, when, who does it and when to expect it;
        // the company's classification, team and flags are its own.
        let public = [
            t.tk.field_building,
            t.tk.field_location,
            t.tk.label_created,
            t.tk.col_assignee,
            t.tk.label_hold_reason,
            t.tk.label_end_reason,
            t.tk.label_rating,
        ];
        facts.retain(|(label, _)| public.contains(label));
        if ticket.status().is_open()
            && let Some(due) = ticket.sla.resolution_due
        {
            facts.push((t.tk.expected, fmt_time(due, zone)));
        }
    }
    facts.retain(|(_, v)| !v.is_empty());

    let mut sla = Vec::new();
    if ticket.sla.policy_id.is_some() && can.see_internal {
        let opt = |at: Option<DateTime<Utc>>| at.map(|a| fmt_time(a, zone)).unwrap_or_default();
        sla.push((t.tk.filter_sla, t.tk.sla_state(&ticket.sla.state).to_owned()));
        sla.push((t.tk.label_response_due, opt(ticket.sla.response_due)));
        sla.push((t.tk.label_responded, opt(ticket.responded_at())));
        sla.push((t.tk.label_resolution_due, opt(ticket.sla.resolution_due)));
        sla.push((t.tk.label_sla_used, t.tk.minutes(&ticket.sla.used_minutes)));
        if let Some(policy) = &view.sla_policy_name {
            sla.push((t.tk.label_sla_policy, policy.clone()));
        }
        sla.retain(|(_, v)| !v.is_empty());
    }

    let mut timeline: Vec<(DateTime<Utc>, Moment)> = view
        .history
        .iter()
        .map(|h| {
            (
                h.at,
                Moment {
                    at: fmt_time(h.at, zone),
                    who: t.actor_name(h.actor_id, &h.actor_name).into_owned(),
                    text: history_text(h, t, &lookup),
                    body: None,
                    internal: !h.change.is_public(),
                    kind: "history",
                },
            )
        })
        .collect();
    timeline.extend(view.comments.iter().map(|c| {
        (
            c.created_at,
            Moment {
                at: fmt_time(c.created_at, zone),
                who: c.author_name.clone(),
                text: String::new(),
                body: Some(c.body.clone()),
                internal: !c.public,
                kind: "comment",
            },
        )
    }));
    timeline.sort_by_key(|(at, _)| *at);

    let contact = tickets::shows_contacts(caller, ticket)
        .then(|| {
            let phone = ticket.contact_phone.as_ref().map(|p| p.e164().to_owned()).unwrap_or_default();
            (ticket.contact_name.clone().unwrap_or_default(), phone)
        })
        .filter(|(name, phone)| !name.is_empty() || !phone.is_empty());
    let client = match ticket.client_id {
        Some(id) if staff => domovoy_app::clients::card(state, caller, id).await.ok().map(|card| ClientSummary {
            id: id.to_string(),
            name: card.client.card.name.clone(),
            units: card.units.iter().map(|l| format!("{}, {}", l.unit.title(), l.building_name)).collect(),
            tags: card.client.card.tags.clone(),
            open: card.open_tickets.len(),
            past: card.past_tickets.len(),
        }),
        _ => None,
    };
    let checklist = domovoy_app::completion::of_tickets(state, std::slice::from_ref(ticket)).await?.remove(0);
    let zone = state.config.display_time_zone;
    let checks = checklist
        .items
        .iter()
        .map(|c| CheckView {
            item: c.item.clone(),
            checked: c.checked,
            when: c
                .checked_at
                .map(|at| at.with_timezone(&zone).format("%d.%m.%Y %H:%M").to_string())
                .unwrap_or_default(),
        })
        .collect();
    let signature = checklist.signature_required.then_some(checklist.signed);
    // A finished ticket from before the checklist existed has nothing to show.
    let shown = ticket.status().is_open() || checklist.signed || checklist.items.iter().any(|c| c.checked);
    let (checks, signature) = if shown { (checks, signature) } else { (Vec::new(), None) };
    let same = if staff { tickets::same_phone(state, caller, ticket).await? } else { Vec::new() };
    let same_lookup = Lookup::load(state, &same).await?;
    let same_phone = same.iter().map(|x| Row::new(x, &same_lookup, t, state, caller, now)).collect();

    let items = ticket_settings::classifier(state, caller).await.unwrap_or_default();
    let choices = |kind| {
        items
            .iter()
            .filter(|i| i.kind == kind && (i.active))
            .map(|i| Choice::new(&i.id, i.name.as_str()))
            .collect::<Vec<_>>()
    };
    let category_name = |id| items.iter().find(|i| Some(i.id) == id).map(|i| i.name.clone()).unwrap_or_default();
    let problems = items
        .iter()
        .filter(|i| i.kind == ClassifierKind::Problem && i.active)
        .map(|i| {
            (
                i.id.to_string(),
                format!("{} › {}", category_name(i.parent_id), i.name),
                i.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let assignees = if can_assign {
        tickets::assignable(state, ticket.building_id)
            .await?
            .into_iter()
            .map(|(id, name)| Choice::new(&id, name))
            .collect()
    } else {
        Vec::new()
    };
    let assignees_can_take = assignees.iter().any(|a: &Choice| a.value == caller.user().id.to_string());
    let viewers =
        state.ticket_viewers(id).await.into_iter().filter(|v| v.user_id != caller.user().id).map(|v| v.name).collect();
    let calls = if staff { domovoy_app::calls::of_ticket(state, caller, id).await? } else { Vec::new() };
    let calls = crate::calls::pages::briefs(&calls, t, state.config.display_time_zone);
    let click_to_call = staff
        && !caller.is_resident()
        && caller.principal().can_somewhere(Permission::CallsReceive)
        && state.dialer().is_some();
    let outages = if staff { domovoy_app::outages::of_ticket(state, caller, id).await? } else { Vec::new() };
    let outages = outages.iter().map(|o| (o.id.to_string(), crate::outages::summary(t, o))).collect();
    let page = TicketPage {
        calls,
        outages,
        click_to_call,
        t,
        chrome: Chrome::new(caller, Section::Tickets, &format!("/tickets/{id}"))
            .with_notice(notice)
            .with_error(failure.message),
        staff,
        id: id.to_string(),
        number: ticket.number.to_string(),
        version: ticket.version,
        status: ticket.status().code(),
        status_label: t.tk.status(&ticket.status()),
        en_route: en_route(ticket, t, state.config.display_time_zone),
        priority: ticket.priority.code(),
        priority_label: t.tk.priority(&ticket.priority),
        description: ticket.description.as_str().to_owned(),
        facts,
        sla,
        due: due(ticket, t, state, now),
        contact,
        client,
        same_phone,
        timeline: timeline.into_iter().map(|(_, m)| m).collect(),
        checks,
        signature,
        attachments: view
            .attachments
            .iter()
            .map(|a| AttachmentView {
                id: a.id.to_string(),
                name: a.file_name.clone(),
                size: size_text(a.size_bytes, t),
                thumbnail: a.has_thumbnail,
                stage: a.stage.map(|s| t.tk.photo_stage(s)),
            })
            .collect(),
        transitions: can.moves.iter().map(|s| Choice::new(&s.code(), t.tk.transition(s))).collect(),
        hold_reasons: enum_choices(HoldReason::ALL, HoldReason::code, |h| t.tk.hold_reason(h)),
        needs_reason: vec![TicketStatus::Rejected.code(), TicketStatus::Cancelled.code()],
        can_assign,
        assignees,
        assignee: ticket.assignee_id().map(|a| a.to_string()).unwrap_or_default(),
        me: caller.user().id.to_string(),
        can_take: ticket.assignee_id() != Some(caller.user().id) && assignees_can_take,
        can_classify,
        priorities: enum_choices(Priority::ALL, Priority::code, |p| t.tk.priority(p)),
        categories: choices(ClassifierKind::Category),
        places: choices(ClassifierKind::Place),
        problems,
        category: ticket.category_id.map(|c| c.to_string()).unwrap_or_default(),
        place: ticket.place_id.map(|c| c.to_string()).unwrap_or_default(),
        problem: ticket.problem_id.map(|c| c.to_string()).unwrap_or_default(),
        watching: view.watchers.iter().any(|(u, _)| *u == caller.user().id),
        watchers: view.watchers.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", "),
        can_rate: can.rate,
        ratings: (1..=5).rev().map(|r| Choice::new(&r, (t.tk.rating_label)(r))).collect(),
        viewers,
        live_seq,
        can_comment: can.comment,
        can_attach: can.attach,
        upload_hint: t.tk.upload_limits(&state.config.max_attachment_bytes.div_ceil(1024 * 1024)),
        errors: failure.fields,
    };
    html_with_status(&page, status)
}

/// A form on the ticket page failed: show the page again with the message,
/// or, when someone changed the ticket meanwhile, its current state.
async fn ticket_failure(
    state: &AppState,
    caller: &Caller,
    id: TicketId,
    error: AppError,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let (failure, status) = match error {
        AppError::VersionConflict { .. } => {
            (FormFailure { fields: Vec::new(), message: Some(t.tk.conflict_reload.to_owned()) }, StatusCode::CONFLICT)
        }
        other => (FormFailure::from_error(other, t)?, StatusCode::UNPROCESSABLE_ENTITY),
    };
    render_ticket(state, caller, id, None, failure, status).await
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    to: String,
    reason: Option<String>,
    hold_reason: Option<String>,
    version: Option<i64>,
}

#[post("/tickets/{id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<StatusForm>,
) -> Result<HttpResponse, PageError> {
    let id = TicketId::from_uuid(*id);
    let form = form.0;
    let request =
        TransitionRequest { to: form.to, reason: form.reason, hold_reason: form.hold_reason, version: form.version };
    match tickets::transition(&state, &caller, id, &request).await {
        Ok(_) => Ok(see_other(&format!("/tickets/{id}?done=status_changed"))),
        Err(error) => ticket_failure(&state, &caller, id, error).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    /// A user id, or empty for nobody.
    assignee_id: Option<String>,
    version: Option<i64>,
}

#[post("/tickets/{id}/assign")]
pub async fn assign(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<AssignForm>,
) -> Result<HttpResponse, PageError> {
    let id = TicketId::from_uuid(*id);
    let assignee = match form.0.assignee_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(UserId::from_uuid(raw.parse::<Uuid>().map_err(|_| PageError::BadForm)?)),
        None => None,
    };
    match tickets::assign(&state, &caller, id, assignee, form.0.version).await {
        Ok(_) => Ok(see_other(&format!("/tickets/{id}?done=assigned"))),
        Err(error) => ticket_failure(&state, &caller, id, error).await,
    }
}

#[post("/tickets/{id}/classify")]
pub async fn classify(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<TicketUpdate>,
) -> Result<HttpResponse, PageError> {
    let id = TicketId::from_uuid(*id);
    match tickets::update(&state, &caller, id, &form.0).await {
        Ok(_) => Ok(see_other(&format!("/tickets/{id}?done=classified"))),
        Err(error) => ticket_failure(&state, &caller, id, error).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct CommentForm {
    body: String,
    /// `public` or `internal`.
    visibility: Option<String>,
}

#[post("/tickets/{id}/comments")]
pub async fn add_comment(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<CommentForm>,
) -> Result<HttpResponse, PageError> {
    let id = TicketId::from_uuid(*id);
    // Staff comments are internal unless marked for the resident; a
    // resident's are always public.
    let public = form.0.visibility.as_deref() == Some("public") || !tickets::is_staff(&caller);
    match tickets::comment(&state, &caller, id, &form.0.body, public).await {
        Ok(_) => Ok(see_other(&format!("/tickets/{id}?done=comment_added#timeline"))),
        Err(error) => ticket_failure(&state, &caller, id, error).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct WatchForm {
    on: String,
}

#[post("/tickets/{id}/watch")]
pub async fn watch(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<WatchForm>,
) -> Result<HttpResponse, PageError> {
    let id = TicketId::from_uuid(*id);
    tickets::watch(&state, &caller, id, form.0.on == "1").await?;
    Ok(see_other(&format!("/tickets/{id}?done=saved")))
}

#[derive(Debug, Deserialize)]
pub struct RateForm {
    rating: i64,
    comment: Option<String>,
}

#[post("/tickets/{id}/rate")]
pub async fn rate(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<RateForm>,
) -> Result<HttpResponse, PageError> {
    let id = TicketId::from_uuid(*id);
    match tickets::rate(&state, &caller, id, form.0.rating, form.0.comment.as_deref()).await {
        Ok(_) => Ok(see_other(&format!("/tickets/{id}?done=rated"))),
        Err(error) => ticket_failure(&state, &caller, id, error).await,
    }
}
