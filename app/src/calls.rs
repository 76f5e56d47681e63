//! Telephony's use-cases: a PBX's call events in (webhook, SIP, AMI, the
//! demo's simulated calls), the caller matched to clients, the call routed
//! to dispatchers and published on the `calls` topic; the call log, the
//! caller's card, missed calls called back; the PBX integrations, the
//! routing of extensions and queues, and blocked numbers.
//!
//! Every door turns what its PBX says into a [`CallSignal`] and calls
//! [`signal`] (or [`cti`] with a webhook's token). Pieces of one call may
//! come in any order and more than once; the domain's
//! [`CallTimes`](domovoy_domain::call::CallTimes) folds them, and the row of
//! the call is locked while it does, so a call is stored and counted once.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::call::{
    CALLBACK_WITHIN, CallDirection, CallResult, CallState, CallTimes, HangupCause, NUMBER_MAX, PbxCallId, caller_phone,
};
use domovoy_domain::contact::Phone;
use domovoy_domain::error::{FieldErrors, bounded_text};
use domovoy_domain::event::{CallNotice, CallerMatch, Event};
use domovoy_domain::ids::{BuildingId, CallId, ClientId, PbxIntegrationId, TeamId, TicketId, UnitId, UserId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::ticket::Ticket;
use domovoy_store::audit::{self, Change};
use domovoy_store::calls::{self, BlockedNumber, Call, CallQuery, Integration, NewCall, Outcome, Route, RouteTarget};
use domovoy_store::tickets::{TicketQuery, TicketSort};
use domovoy_store::{WriteTx, clients, teams, tickets, users};

use crate::common::present;
use crate::secret::{hash_secret, new_secret};
use crate::{App, AppError, AppResult, Requester, Rule};

/// Which piece of a call a PBX reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalKind {
    /// Zammad's `newCall`, a SIP INVITE, AMI's Newchannel.
    Ringing,
    /// Zammad's `answer`, AMI's BridgeEnter.
    Answered,
    /// Zammad's `hangup`, SIP CANCEL/BYE, AMI's Hangup.
    Ended(Option<HangupCause>),
}

/// One piece of a call, as any door reads it from its PBX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSignal {
    pub kind: SignalKind,
    pub call_id: PbxCallId,
    pub direction: CallDirection,
    /// As sent (`+7…`, `8…`, `anonymous`, an extension).
    pub from: String,
    pub to: String,
    pub queue: Option<String>,
    /// The PBX's users or extensions the call rings at (Zammad's `user[]`).
    pub users: Vec<String>,
    /// The extension that answered.
    pub answering: Option<String>,
    pub recording_url: Option<String>,
    pub at: DateTime<Utc>,
}

/// Longest PBX user, queue or extension name we keep.
pub const NAME_MAX: usize = 100;
/// Most `user[]` entries of one event that are looked at.
pub const USERS_MAX: usize = 50;

impl CallSignal {
    /// Checks the free-form parts: numbers and names bounded and printable.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let printable = |v: &str, max: usize| {
            if v.len() > max {
                Err(FieldError::TooLong { max })
            } else if v.chars().any(char::is_control) {
                Err(FieldError::InvalidFormat)
            } else {
                Ok(())
            }
        };
        errors.check("from", printable(&self.from, NUMBER_MAX));
        errors.check("to", printable(&self.to, NUMBER_MAX));
        if let Some(queue) = &self.queue {
            errors.check("queue", printable(queue, NAME_MAX));
        }
        if let Some(answering) = &self.answering {
            errors.check("answeringNumber", printable(answering, NAME_MAX));
        }
        if self.users.len() > USERS_MAX {
            errors.add("user", FieldError::TooLong { max: USERS_MAX });
        }
        for user in &self.users {
            errors.check("user", printable(user, NAME_MAX));
        }
        if let Some(url) = &self.recording_url {
            errors.check("recordingUrl", printable(url, 2000));
        }
        errors.into_result()
    }
}

/// What the PBX is told to do with a ringing call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Ring on.
    Accept,
    /// Refuse (a blocked number): Zammad's `{"action":"reject","reason":"busy"}`.
    Reject,
}

/// What a call piece did.
#[derive(Debug, Clone)]
pub struct Signalled {
    pub call: Call,
    pub verdict: Verdict,
    /// Whether this piece was the first heard of the call.
    pub new: bool,
}

/// The event payload of a call.
pub fn notice(call: &Call) -> CallNotice {
    CallNotice {
        id: call.id,
        call_id: call.pbx_call_id.clone(),
        direction: call.direction.code().to_owned(),
        from: call.from_number.clone(),
        to: call.to_number.clone(),
        state: call.state().code().to_owned(),
        result: call.result().map(|r| r.code().to_owned()),
        clients: call.clients.iter().map(|(id, name)| CallerMatch { id: *id, name: name.clone() }).collect(),
        building_id: call.building_id,
        user_ids: call.routed_to.clone(),
        queue: call.queue.clone(),
        operator: call.operator_name.clone(),
        ticket_ids: call.ticket_ids(),
        callback_open: call.callback_open(),
        started_at: call.times.started_at,
        answered_at: call.times.answered_at,
        ended_at: call.times.ended_at,
    }
}

/// The live PBX integration a webhook token names; an unknown or revoked
/// token is `NotFound`.
pub async fn integration_by_token(app: &App, token: &str) -> AppResult<Integration> {
    let hash = hash_secret(token);
    calls::integration_by_token(&app.db, &hash).await?.ok_or(AppError::NotFound)
}

/// A piece of a call from a PBX integration's webhook.
pub async fn cti(app: &App, integration: &Integration, signal: CallSignal) -> AppResult<Signalled> {
    signal.validate()?;
    let integration = integration.id;
    let source = format!("cti:{integration}");
    let outcome = app
        .write(move |tx| {
            Box::pin(async move {
                calls::touch_integration(tx, integration).await?;
                apply(tx, &source, signal).await
            })
        })
        .await?;
    count(app, &outcome);
    Ok(outcome)
}

/// A piece of a call from a door that is the product's own (SIP, AMI, the
/// demo's simulator); `source` names the door (`sip`, `ami`, `demo`).
pub async fn signal(
    app: &App,
    requester: &Requester,
    source: &'static str,
    signal: CallSignal,
) -> AppResult<Signalled> {
    requester.require(Permission::CallsReceive, &Target::SYSTEM)?;
    signal.validate()?;
    let outcome = app.write(move |tx| Box::pin(async move { apply(tx, source, signal).await })).await?;
    count(app, &outcome);
    Ok(outcome)
}

fn count(app: &App, outcome: &Signalled) {
    if outcome.new {
        app.metrics.calls_received.with(&[outcome.call.direction.code()]).inc();
    }
}

/// Folds one piece into its call, inside the caller's transaction.
async fn apply(tx: &mut WriteTx, source: &str, signal: CallSignal) -> AppResult<Signalled> {
    let party = match signal.direction {
        CallDirection::In => caller_phone(&signal.from),
        CallDirection::Out => caller_phone(&signal.to),
    };
    let first = NewCall {
        source: source.to_owned(),
        pbx_call_id: signal.call_id.as_str().to_owned(),
        direction: signal.direction,
        from_number: signal.from.clone(),
        to_number: signal.to.clone(),
        party_phone: party.clone(),
        times: match signal.kind {
            SignalKind::Ringing => CallTimes::ringing(signal.at),
            _ => CallTimes::unseen(signal.at),
        },
    };
    let (mut call, new) = calls::upsert(tx, &first).await?;
    let before = (call.state(), call.result());
    let mut verdict = Verdict::Accept;
    if new {
        let matched = match &party {
            Some(phone) => clients::find_by_phone(&mut *tx, phone).await?,
            None => Vec::new(),
        };
        calls::set_clients(tx, call.id, &matched).await?;
        call.building_id = building_of(tx, &matched).await?;
    }
    // A piece that came before the ringing may lack the numbers.
    if call.from_number.is_empty() {
        call.from_number = signal.from.clone();
    }
    if call.to_number.is_empty() {
        call.to_number = signal.to.clone();
    }
    if call.queue.is_none() {
        call.queue = signal.queue.as_deref().and_then(|q| present(Some(q))).map(str::to_owned);
    }
    if call.routed_to.is_empty() && (!signal.users.is_empty() || call.queue.is_some()) {
        call.routed_to = route(tx, &signal.users, call.queue.as_deref()).await?;
    }
    if signal.recording_url.is_some() {
        call.recording_url = signal.recording_url.clone();
    }
    match signal.kind {
        SignalKind::Ringing => {
            let rang = call.times.on_ringing(signal.at);
            let blocked = match (&party, signal.direction) {
                (Some(phone), CallDirection::In) => calls::is_blocked(&mut *tx, phone).await?,
                _ => false,
            };
            if blocked && (rang || new) && call.state() == CallState::Ringing {
                call.times.reject(signal.at);
            }
            if call.times.rejected {
                verdict = Verdict::Reject;
            }
        }
        SignalKind::Answered => {
            call.times.on_answer(signal.at);
            let answering = signal.answering.as_deref().or(signal.users.first().map(String::as_str));
            if call.operator_id.is_none()
                && let Some(name) = answering.and_then(|a| present(Some(a)))
            {
                call.operator_extension = Some(name.to_owned());
                if let Some((id, display)) = calls::user_named(&mut *tx, name).await? {
                    call.operator_id = Some(id);
                    call.operator_name = Some(display);
                }
            }
        }
        SignalKind::Ended(cause) => {
            call.times.on_hangup(signal.at, cause);
        }
    }
    if call.times.needs_callback(call.direction) && call.callback_due_at.is_none() {
        call.callback_due_at = call.times.ended_at.map(|end| end + CALLBACK_WITHIN);
    }
    let after = (call.state(), call.result());
    let mut call = calls::save(tx, &call).await?;
    // An answered outbound call to a number closes that number's missed
    // calls: the dispatcher called back.
    let mut closed = Vec::new();
    if call.direction == CallDirection::Out
        && call.times.answered_at.is_some()
        && before.0 == CallState::Ringing
        && let Some(phone) = &party
    {
        for id in calls::open_callbacks_from(&mut *tx, phone.e164()).await? {
            let mut missed = calls::get(&mut *tx, id).await?;
            missed.callback_done_at = Some(tx.now());
            missed.callback_by = call.operator_id;
            let missed = calls::save(tx, &missed).await?;
            closed.push(missed);
        }
    }
    if new || before != after {
        let notice = notice(&call);
        let event = match call.state() {
            CallState::Ringing => Event::CallRinging(notice),
            CallState::Answered => Event::CallAnswered(notice),
            CallState::Ended => Event::CallEnded(notice),
        };
        tx.emit(&event);
    }
    for missed in &closed {
        tx.emit(&Event::CallUpdated(notice(missed)));
    }
    if !closed.is_empty() {
        call = calls::get(&mut *tx, call.id).await?;
    }
    Ok(Signalled { call, verdict, new })
}

/// The building of the matched clients, when they all live in one.
async fn building_of(tx: &mut WriteTx, matched: &[ClientId]) -> AppResult<Option<BuildingId>> {
    let mut buildings = BTreeSet::new();
    for client in matched {
        for link in clients::links(&mut *tx, *client).await? {
            buildings.insert(link.unit.building_id);
        }
    }
    Ok(if buildings.len() == 1 { buildings.into_iter().next() } else { None })
}

/// The users a call rings at: its `user[]` names (mapped extensions or
/// logins) and the members of its queue's team.
async fn route(tx: &mut WriteTx, names: &[String], queue: Option<&str>) -> AppResult<Vec<UserId>> {
    let mut routed = BTreeSet::new();
    for name in names.iter().filter_map(|n| present(Some(n))) {
        if let Some((id, _)) = calls::user_named(&mut *tx, name).await? {
            routed.insert(id);
        }
    }
    if let Some(queue) = queue {
        routed.extend(calls::queue_members(&mut *tx, queue).await?);
    }
    Ok(routed.into_iter().collect())
}

// ---- Reading calls ------------------------------------------------------------

/// Whether the requester receives this call: calls of one building for
/// those who receive calls there, others for everyone who receives calls.
fn may_see(requester: &Requester, call: &Call) -> bool {
    match call.building_id {
        Some(building) => requester.can(Permission::CallsReceive, &Target::building(building)),
        None => requester.principal().can_somewhere(Permission::CallsReceive),
    }
}

/// A filter of the call log, as the doors take it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct CallFilter {
    /// `in` or `out`.
    pub direction: Option<String>,
    /// `ringing`, `answered`, `ended`.
    pub state: Option<String>,
    /// `answered`, `missed`, `busy`, `rejected`, `failed`.
    pub result: Option<String>,
    pub client_id: Option<String>,
    pub ticket_id: Option<String>,
    pub operator_id: Option<String>,
    /// First day, `YYYY-MM-DD` (the company's zone).
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
    /// `true`: only missed calls not yet called back.
    pub callback: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of the call log.
#[derive(Debug, Clone, Serialize)]
pub struct CallPage {
    pub items: Vec<Call>,
    pub next_cursor: Option<String>,
}

fn cursor_of(call: &Call) -> String {
    format!("{}_{}", call.times.started_at.timestamp_micros(), call.id)
}

fn parse_cursor(raw: &str) -> Result<(DateTime<Utc>, CallId), FieldError> {
    let (micros, id) = raw.split_once('_').ok_or(FieldError::InvalidFormat)?;
    let micros: i64 = micros.parse().map_err(|_| FieldError::InvalidFormat)?;
    let at = DateTime::from_timestamp_micros(micros).ok_or(FieldError::InvalidFormat)?;
    Ok((at, id.parse().map_err(|_| FieldError::InvalidFormat)?))
}

fn parse_query(app: &App, filter: &CallFilter) -> AppResult<CallQuery> {
    let mut errors = FieldErrors::new();
    let zone = app.config.display_time_zone;
    let day = |raw: &str| -> Result<DateTime<Utc>, FieldError> {
        let date = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| FieldError::InvalidFormat)?;
        let local = date.and_hms_opt(0, 0, 0).ok_or(FieldError::InvalidFormat)?;
        local.and_local_timezone(zone).earliest().map(|t| t.with_timezone(&Utc)).ok_or(FieldError::InvalidFormat)
    };
    let query = CallQuery {
        direction: crate::optional(&mut errors, "direction", filter.direction.as_deref(), str::parse),
        state: crate::optional(&mut errors, "state", filter.state.as_deref(), str::parse),
        result: crate::optional(&mut errors, "result", filter.result.as_deref(), str::parse),
        client: crate::optional(&mut errors, "client_id", filter.client_id.as_deref(), |v| {
            v.trim().parse::<ClientId>().map_err(|_| FieldError::InvalidFormat)
        }),
        ticket: crate::optional(&mut errors, "ticket_id", filter.ticket_id.as_deref(), |v| {
            v.trim().parse::<TicketId>().map_err(|_| FieldError::InvalidFormat)
        }),
        operator: crate::optional(&mut errors, "operator_id", filter.operator_id.as_deref(), |v| {
            v.trim().parse::<UserId>().map_err(|_| FieldError::InvalidFormat)
        }),
        from: crate::optional(&mut errors, "from", filter.from.as_deref(), day),
        until: crate::optional(&mut errors, "to", filter.to.as_deref(), |v| day(v).map(|d| d + Duration::days(1))),
        callback_open: filter.callback.as_deref().is_some_and(|v| v == "true" || v == "1" || v == "on"),
        after: crate::optional(&mut errors, "cursor", filter.cursor.as_deref(), parse_cursor),
        limit: filter.limit.unwrap_or(50).clamp(1, 500),
    };
    errors.into_result()?;
    Ok(query)
}

/// The call log (`calls.receive`), newest first, as far as the requester
/// receives calls.
pub async fn list(app: &App, requester: &Requester, filter: &CallFilter) -> AppResult<CallPage> {
    requester.reach(Permission::CallsReceive)?;
    let mut query = parse_query(app, filter)?;
    let limit = usize::try_from(query.limit).unwrap_or(50);
    let mut items = Vec::new();
    // Calls of buildings the requester does not receive are skipped; a few
    // more pages are read to fill this one.
    for _ in 0..5 {
        let (page, more) = calls::list(&app.db, &query).await?;
        let last = page.last().map(|c| (c.times.started_at, c.id));
        for call in page {
            if items.len() < limit && may_see(requester, &call) {
                items.push(call);
            }
        }
        if items.len() >= limit || !more {
            let next_cursor = (more || items.len() >= limit).then(|| items.last().map(cursor_of)).flatten();
            return Ok(CallPage { items, next_cursor });
        }
        query.after = last;
    }
    let next_cursor = items.last().map(cursor_of);
    Ok(CallPage { items, next_cursor })
}

/// One call: refused without `calls.receive` anywhere; a call of a
/// building the requester does not receive is not found.
pub async fn get(app: &App, requester: &Requester, id: CallId) -> AppResult<Call> {
    requester.reach(Permission::CallsReceive)?;
    let call = calls::get(&app.db, id).await?;
    if !may_see(requester, &call) {
        return Err(AppError::NotFound);
    }
    Ok(call)
}

/// A matched caller as the pop-up shows them to this requester.
#[derive(Debug, Clone, Serialize)]
pub struct CallerCard {
    pub id: ClientId,
    pub name: String,
    /// The units in buildings where the requester reads clients.
    pub units: Vec<CallerUnit>,
    /// Open tickets the requester may read.
    pub open_tickets: Vec<Ticket>,
    /// Open outages covering their units: the call is likely about one.
    pub outages: Vec<domovoy_domain::outage::Outage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallerUnit {
    pub id: UnitId,
    pub building_id: BuildingId,
    pub title: String,
    pub building_name: String,
}

/// The pop-up: the call, its callers as far as the requester may read
/// them, and the number's last calls.
#[derive(Debug, Clone, Serialize)]
pub struct CallCard {
    pub call: Call,
    pub callers: Vec<CallerCard>,
    pub recent: Vec<Call>,
}

/// Most open tickets shown per caller, and earlier calls of the number.
const CARD_TICKETS: u32 = 10;
const CARD_RECENT: i64 = 5;

pub async fn card(app: &App, requester: &Requester, id: CallId) -> AppResult<CallCard> {
    let call = get(app, requester, id).await?;
    let me = requester.principal().user_id;
    let client_reach = requester.principal().reach(Permission::ClientsRead);
    let ticket_reach = requester.principal().reach(Permission::TicketsRead);
    let mut callers = Vec::new();
    for (client, name) in &call.clients {
        let units: Vec<CallerUnit> = clients::links(&app.db, *client)
            .await?
            .into_iter()
            .filter(|l| client_reach.covers(&Target::building(l.unit.building_id), me))
            .map(|l| CallerUnit {
                id: l.unit.id,
                building_id: l.unit.building_id,
                title: l.unit.title(),
                building_name: l.building_name,
            })
            .collect();
        let open_tickets = if ticket_reach.is_nothing() {
            Vec::new()
        } else {
            let query = TicketQuery {
                client: Some(*client),
                open_only: true,
                buildings: ticket_reach.building_filter().map(|b| b.iter().copied().collect()),
                sort: TicketSort::Newest,
                limit: CARD_TICKETS,
                ..TicketQuery::default()
            };
            tickets::list(&app.db, &query).await?.items
        };
        let unit_ids: Vec<UnitId> = units.iter().map(|u| u.id).collect();
        let mut outages: Vec<domovoy_domain::outage::Outage> = Vec::new();
        for (_, outage) in crate::outages::open_for_units(app, requester, &unit_ids).await? {
            if !outages.iter().any(|o| o.id == outage.id) {
                outages.push(outage);
            }
        }
        callers.push(CallerCard { id: *client, name: name.clone(), units, open_tickets, outages });
    }
    let recent = match &call.party_phone {
        Some(_) if !call.clients.is_empty() => {
            let query = CallQuery {
                client: call.clients.first().map(|(id, _)| *id),
                limit: CARD_RECENT + 1,
                ..CallQuery::default()
            };
            calls::list(&app.db, &query).await?.0.into_iter().filter(|c| c.id != call.id).take(5).collect()
        }
        _ => Vec::new(),
    };
    Ok(CallCard { call, callers, recent })
}

/// The calls of a client (its card) that the requester receives.
pub async fn of_client(app: &App, requester: &Requester, client: ClientId, limit: i64) -> AppResult<Vec<Call>> {
    if !requester.principal().can_somewhere(Permission::CallsReceive) {
        return Ok(Vec::new());
    }
    let query = CallQuery { client: Some(client), limit, ..CallQuery::default() };
    Ok(calls::list(&app.db, &query).await?.0.into_iter().filter(|c| may_see(requester, c)).collect())
}

/// The calls linked to a ticket the requester reads.
pub async fn of_ticket(app: &App, requester: &Requester, ticket: TicketId) -> AppResult<Vec<Call>> {
    if !requester.principal().can_somewhere(Permission::CallsReceive) {
        return Ok(Vec::new());
    }
    let query = CallQuery { ticket: Some(ticket), limit: 50, ..CallQuery::default() };
    Ok(calls::list(&app.db, &query).await?.0.into_iter().filter(|c| may_see(requester, c)).collect())
}

/// Closes a missed call's callback task by hand ("called back from a
/// mobile", "the resident came in").
pub async fn callback_done(app: &App, requester: &Requester, id: CallId, note: Option<&str>) -> AppResult<Call> {
    let call = get(app, requester, id).await?;
    let note = match present(note) {
        Some(note) => Some(bounded_text(note, 1, 500).map_err(|e| AppError::field("note", e))?),
        None => None,
    };
    if call.callback_due_at.is_none() {
        return Err(AppError::NotFound);
    }
    let (actor, user) = (requester.actor(), requester.user_id());
    app.write(move |tx| {
        Box::pin(async move {
            let mut call = calls::get(&mut *tx, id).await?;
            if call.callback_done_at.is_some() {
                return Err(AppError::Rule(Rule::CallbackClosed));
            }
            call.callback_done_at = Some(tx.now());
            call.callback_by = user;
            call.callback_note = note;
            let call = calls::save(tx, &call).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::CallbackDone, call.id).summary(call.from_number.clone()),
            )
            .await?;
            tx.emit(&Event::CallUpdated(notice(&call)));
            Ok(call)
        })
    })
    .await
}

/// Links a new ticket to the call it was taken from (inside the ticket's
/// transaction). The call must be one the filer receives.
pub(crate) async fn link_ticket(
    tx: &mut WriteTx,
    requester_sees: &impl Fn(&Call) -> bool,
    call: CallId,
    ticket: TicketId,
    by: Option<UserId>,
) -> AppResult<()> {
    let found = match calls::get(&mut *tx, call).await {
        Ok(found) => found,
        Err(domovoy_store::StoreError::NotFound) => return Err(AppError::field("call_id", FieldError::Unknown)),
        Err(other) => return Err(other.into()),
    };
    if !requester_sees(&found) {
        return Err(AppError::field("call_id", FieldError::Unknown));
    }
    calls::link_ticket(tx, call, ticket, by).await?;
    let linked = calls::get(&mut *tx, call).await?;
    tx.emit(&Event::CallUpdated(notice(&linked)));
    Ok(())
}

/// The check [`link_ticket`] needs, taken before the transaction.
pub(crate) fn visibility(requester: &Requester) -> impl Fn(&Call) -> bool + Send + 'static {
    let requester = requester.clone();
    move |call: &Call| may_see(&requester, call)
}

// ---- Click-to-call --------------------------------------------------------------

/// Places a call from an extension's phone to a number (the PBX rings the
/// extension first, then dials out). Implemented by a telephony door.
pub trait Dialer: Send + Sync + std::fmt::Debug {
    /// Asks the PBX to call; `Err` with a reason when it cannot now.
    fn originate(&self, extension: &str, number: &str) -> Result<(), String>;
}

/// A number as a Russian PBX's dialplan expects it: `8` and ten digits for
/// zone 7, `810` and the international number otherwise.
pub fn dial_string(phone: &Phone) -> String {
    let digits = phone.e164().trim_start_matches('+');
    match digits.strip_prefix('7') {
        Some(national) if phone.is_russian() => format!("8{national}"),
        _ => format!("810{digits}"),
    }
}

/// Click-to-call: the person's own phone (their extension) rings, then the
/// PBX dials `number`. The call then comes back through the door's events
/// like any other (outbound; answering it closes that number's missed
/// calls).
pub async fn originate(app: &App, requester: &Requester, number: &str) -> AppResult<String> {
    requester.reach(Permission::CallsReceive)?;
    let me = requester.account()?;
    let phone = Phone::parse(number).map_err(|e| AppError::field("number", e))?;
    ring(app, me.id, &phone).await
}

/// Rings `user`'s own phone (their extension), then has the PBX dial
/// `phone`; the dial string placed. The caller checks who may call whom.
pub(crate) async fn ring(app: &App, user: UserId, phone: &Phone) -> AppResult<String> {
    let dialer = app.dialer().ok_or(AppError::Rule(Rule::DialerUnavailable))?;
    let extension = calls::routes(&app.db)
        .await?
        .into_iter()
        .find(|r| r.kind == "extension" && matches!(&r.target, RouteTarget::User { id, .. } if *id == user))
        .map(|r| r.name)
        .ok_or(AppError::Rule(Rule::NoExtension))?;
    let dialled = dial_string(phone);
    dialer.originate(&extension, &dialled).map_err(|reason| {
        tracing::warn!(%reason, "click-to-call failed");
        AppError::Rule(Rule::DialerUnavailable)
    })?;
    Ok(dialled)
}

// ---- Settings: integrations, routing, blocked numbers ----------------------------

fn require_admin(requester: &Requester) -> AppResult<()> {
    requester.require(Permission::AdminIntegrations, &Target::SYSTEM)
}

pub async fn integrations(app: &App, requester: &Requester) -> AppResult<Vec<Integration>> {
    require_admin(requester)?;
    Ok(calls::integrations(&app.db).await?)
}

/// A new PBX integration and its token (shown once; the webhook's path is
/// `/api/v1/cti/<token>`).
pub async fn create_integration(app: &App, requester: &Requester, name: &str) -> AppResult<(Integration, String)> {
    require_admin(requester)?;
    let name = bounded_text(name, 1, NAME_MAX).map_err(|e| AppError::field("name", e))?;
    let token = new_secret();
    let hash = hash_secret(&token);
    let (actor, user) = (requester.actor(), requester.user_id());
    let integration = app
        .write(move |tx| {
            Box::pin(async move {
                let integration = calls::insert_integration(tx, &name, &hash, user).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::PbxIntegrationCreated, integration.id).summary(name.clone()),
                )
                .await?;
                Ok(integration)
            })
        })
        .await?;
    Ok((integration, token))
}

pub async fn revoke_integration(app: &App, requester: &Requester, id: PbxIntegrationId) -> AppResult<Integration> {
    require_admin(requester)?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let integration = calls::revoke_integration(tx, id).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::PbxIntegrationRevoked, id).summary(integration.name.clone()),
            )
            .await?;
            Ok(integration)
        })
    })
    .await
}

pub async fn routes(app: &App, requester: &Requester) -> AppResult<Vec<Route>> {
    require_admin(requester)?;
    Ok(calls::routes(&app.db).await?)
}

/// Points an extension at a user (`kind` = `extension`, `target` a login)
/// or a queue at a team (`queue`, `target` a team's name or id).
pub async fn set_route(app: &App, requester: &Requester, kind: &str, name: &str, target: &str) -> AppResult<Route> {
    require_admin(requester)?;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", bounded_text(name, 1, NAME_MAX));
    let kind = match kind.trim() {
        "extension" => Some("extension"),
        "queue" => Some("queue"),
        _ => {
            errors.add("kind", FieldError::Unknown);
            None
        }
    };
    errors.into_result()?;
    let (Some(name), Some(kind)) = (name, kind) else { return Err(AppError::Validation(FieldErrors::new())) };
    let target = present(Some(target)).ok_or(AppError::field("target", FieldError::Required))?;
    let resolved = if kind == "extension" {
        let login = domovoy_domain::account::Login::staff(target).map_err(|e| AppError::field("target", e))?;
        let user =
            users::find_by_login(&app.db, &login).await?.ok_or(AppError::field("target", FieldError::Unknown))?;
        RouteTarget::User { id: user.id, name: user.display_name.to_string() }
    } else {
        let teams = teams::list(&app.db).await?;
        let team = teams
            .into_iter()
            .find(|t| t.name == target || target.parse::<TeamId>().is_ok_and(|id| id == t.id))
            .ok_or(AppError::field("target", FieldError::Unknown))?;
        RouteTarget::Team { id: team.id, name: team.name }
    };
    let actor = requester.actor();
    let route = Route { kind: kind.to_owned(), name: name.clone(), target: resolved };
    let stored = route.clone();
    app.write(move |tx| {
        Box::pin(async move {
            calls::set_route(tx, &stored.kind, &stored.name, &stored.target).await?;
            audit::record(tx, Change::new(&actor, AuditAction::CallRouteSet, &stored.name).after(&stored)).await?;
            Ok(())
        })
    })
    .await?;
    Ok(route)
}

pub async fn delete_route(app: &App, requester: &Requester, kind: &str, name: &str) -> AppResult<()> {
    require_admin(requester)?;
    let (actor, kind, name) = (requester.actor(), kind.to_owned(), name.to_owned());
    app.write(move |tx| {
        Box::pin(async move {
            calls::delete_route(tx, &kind, &name).await?;
            audit::record(tx, Change::new(&actor, AuditAction::CallRouteDeleted, &name).summary(kind)).await?;
            Ok(())
        })
    })
    .await
}

pub async fn blocked(app: &App, requester: &Requester) -> AppResult<Vec<BlockedNumber>> {
    require_admin(requester)?;
    Ok(calls::blocked_numbers(&app.db).await?)
}

/// Blocks a number: its calls are answered with a rejection at the ringing.
pub async fn block(app: &App, requester: &Requester, number: &str, note: &str) -> AppResult<Phone> {
    require_admin(requester)?;
    let mut errors = FieldErrors::new();
    let phone = errors.check("number", Phone::parse(number));
    let note = match present(Some(note)) {
        Some(note) => errors.check("note", bounded_text(note, 1, 200)).unwrap_or_default(),
        None => String::new(),
    };
    errors.into_result()?;
    let Some(phone) = phone else { return Err(AppError::field("number", FieldError::Required)) };
    let (actor, user, stored) = (requester.actor(), requester.user_id(), phone.clone());
    app.write(move |tx| {
        Box::pin(async move {
            calls::block_number(tx, &stored, &note, user).await?;
            audit::record(tx, Change::new(&actor, AuditAction::NumberBlocked, stored.e164()).summary(note)).await?;
            Ok(())
        })
    })
    .await?;
    Ok(phone)
}

pub async fn unblock(app: &App, requester: &Requester, number: &str) -> AppResult<()> {
    require_admin(requester)?;
    let phone = Phone::parse(number).map_err(|e| AppError::field("number", e))?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            calls::unblock_number(tx, &phone).await?;
            audit::record(tx, Change::new(&actor, AuditAction::NumberUnblocked, phone.e164())).await?;
            Ok(())
        })
    })
    .await
}

// ---- Housekeeping -------------------------------------------------------------

/// A call a PBX never reported the end of is ended after this long (a
/// dropped webhook, a restarted bridge).
pub const STALE_AFTER: Duration = Duration::hours(4);

/// Ends calls left ringing or talking for longer than [`STALE_AFTER`]: a
/// ringing one becomes a missed call with its callback task.
pub async fn end_stale(app: &App) -> AppResult<usize> {
    let before = Utc::now() - STALE_AFTER;
    let ids = calls::stale(&app.db, before).await?;
    let count = ids.len();
    for id in ids {
        app.write(move |tx| {
            Box::pin(async move {
                let mut call = calls::get(&mut *tx, id).await?;
                let before = call.state();
                let at = tx.now();
                if !call.times.on_hangup(at, Some(HangupCause::NoAnswer)) {
                    return Ok(());
                }
                if call.times.needs_callback(call.direction) && call.callback_due_at.is_none() {
                    call.callback_due_at = Some(at + CALLBACK_WITHIN);
                }
                let call = calls::save(tx, &call).await?;
                if before != call.state() {
                    tx.emit(&Event::CallEnded(notice(&call)));
                }
                Ok(())
            })
        })
        .await?;
    }
    Ok(count)
}

/// The ПП РФ №416 figures of a set of inbound calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CallFigures {
    pub inbound: usize,
    pub answered: usize,
    /// Answered within 5 minutes of the first ring.
    pub answered_in_time: usize,
    pub missed: usize,
    /// Missed, and called back within 10 minutes.
    pub called_back_in_time: usize,
    /// Missed and not called back yet.
    pub callbacks_open: usize,
}

/// Counts the ПП РФ №416 figures of calls that went as `outcomes` say.
pub fn figures(outcomes: impl IntoIterator<Item = Outcome>) -> CallFigures {
    let mut f = CallFigures::default();
    for call in outcomes.into_iter().filter(|c| c.direction == CallDirection::In) {
        f.inbound += 1;
        match call.times.result() {
            Some(CallResult::Answered) => {
                f.answered += 1;
                if call.times.waiting().is_some_and(|w| w <= domovoy_domain::call::ANSWER_WITHIN) {
                    f.answered_in_time += 1;
                }
            }
            Some(CallResult::Missed | CallResult::Busy) => {
                f.missed += 1;
                match (call.callback_done_at, call.callback_due_at) {
                    (Some(done), Some(due)) if done <= due => f.called_back_in_time += 1,
                    (None, Some(_)) => f.callbacks_open += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    f
}

/// A simulated inbound call through the same path as a PBX's (`demo`
/// source): it rings now; [`answer_simulated`] and [`end_simulated`] go on.
/// The administrator's test call and `domovoy call simulate`.
pub async fn simulate(app: &App, requester: &Requester, from: &str) -> AppResult<Call> {
    require_admin(requester)?;
    let phone = Phone::parse(from).map_err(|e| AppError::field("from", e))?;
    let call_id =
        PbxCallId::parse(&format!("demo-{}", uuid::Uuid::now_v7())).map_err(|e| AppError::field("from", e))?;
    let piece = CallSignal {
        kind: SignalKind::Ringing,
        call_id,
        direction: CallDirection::In,
        from: phone.e164().to_owned(),
        to: "demo".to_owned(),
        queue: None,
        users: Vec::new(),
        answering: None,
        recording_url: None,
        at: Utc::now(),
    };
    Ok(signal(app, &Requester::system("demo", crate::Channel::Telephony), "demo", piece).await?.call)
}

fn simulated_piece(call: &Call, kind: SignalKind, who: Option<&str>) -> AppResult<CallSignal> {
    Ok(CallSignal {
        kind,
        call_id: PbxCallId::parse(&call.pbx_call_id).map_err(|e| AppError::field("call_id", e))?,
        direction: call.direction,
        from: call.from_number.clone(),
        to: call.to_number.clone(),
        queue: None,
        users: who.map(str::to_owned).into_iter().collect(),
        answering: who.map(str::to_owned),
        recording_url: None,
        at: Utc::now(),
    })
}

/// A simulated call is answered by `who` (a login or a mapped extension).
pub async fn answer_simulated(app: &App, requester: &Requester, call: &Call, who: &str) -> AppResult<Call> {
    require_admin(requester)?;
    let piece = simulated_piece(call, SignalKind::Answered, Some(who))?;
    Ok(signal(app, &Requester::system("demo", crate::Channel::Telephony), "demo", piece).await?.call)
}

/// A simulated call ends: talked if it was answered, otherwise missed.
pub async fn end_simulated(app: &App, requester: &Requester, call: &Call) -> AppResult<Call> {
    require_admin(requester)?;
    let cause = if call.times.answered_at.is_some() { HangupCause::NormalClearing } else { HangupCause::Cancel };
    let piece = simulated_piece(call, SignalKind::Ended(Some(cause)), None)?;
    Ok(signal(app, &Requester::system("demo", crate::Channel::Telephony), "demo", piece).await?.call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_dialled_as_a_russian_pbx_expects() {
        assert_eq!(dial_string(&Phone::parse("+7 900 100-00-02").unwrap()), "89001000002");
        assert_eq!(dial_string(&Phone::parse("8 (495) 123-45-67").unwrap()), "84951234567");
        assert_eq!(dial_string(&Phone::parse("+375 29 123-45-67").unwrap()), "810375291234567");
    }
}
