//! Ticket actors: presence on a ticket's page and its SLA timers.
//!
//! A ticket actor starts when someone opens the ticket or when its SLA
//! state is about to change by itself (a warning, a breach) within
//! [`HORIZON`]. At that moment it re-evaluates the ticket and writes the new
//! state with a version check: with several nodes each may hold a timer,
//! but only the first write succeeds, so the change (and its event) happens
//! once. Timers live in memory but are re-armed from the database: every
//! minute (and right after a start) the application's SLA scan job asks the
//! directory to read the tickets due within the horizon ([`TicketsHandle::scan`])
//! and start their actors.

use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};

use domovoy_domain::event::{Audience, Event, EventKind, SlaNotice, Topic};
use domovoy_domain::ids::{ClassifierId, TicketId, UserId};
use domovoy_domain::ticket::{HistoryChange, SummaryNames, Ticket, TicketSummary};
use domovoy_store::{Db, Source, StoreError, StoreResult, WriteTx, classifier, tickets, users};

use crate::cluster::ClusterHandle;
use crate::directory::{
    Ask, Directory, Gone, Keyed, Leave, LivePresence, RemotePresence, SetPresence, To, ToAll, ToRunning, Viewers,
    presence_handlers,
};
use crate::hub::{Deliver, HubHandle, Lagged, Notice, Subscriber, SubscriberId};
use crate::metrics::Metrics;
use crate::presence::{PRESENCE_RENEW, Viewer, ViewerInfo};
use crate::sla::{CalendarCache, refresh};

/// How far ahead timers are armed. Tickets due later wait for a scan.
pub const HORIZON: Duration = Duration::from_secs(3600);
/// A ticket actor with nobody looking and no timer stops after this long.
pub const TICKET_IDLE: Duration = Duration::from_secs(120);

/// Builds a ticket's summary (names read in the same transaction or pool).
pub async fn summary<'a>(source: impl Into<Source<'a>>, ticket: &Ticket) -> StoreResult<TicketSummary> {
    let mut source: Source<'a> = source.into();
    let mut name_of = async |id: Option<ClassifierId>| -> StoreResult<Option<String>> {
        Ok(match id {
            Some(id) => Some(classifier::get(source.reborrow(), id).await?.name),
            None => None,
        })
    };
    let category = name_of(ticket.category_id).await?;
    let problem = name_of(ticket.problem_id).await?;
    let place = name_of(ticket.place_id).await?;
    let assignee = match ticket.assignee_id() {
        Some(id) => Some(users::get(source.reborrow(), id).await?.display_name.to_string()),
        None => None,
    };
    Ok(TicketSummary::of(ticket, SummaryNames { category, place, problem, assignee }))
}

/// The resident account that filed the ticket, if a resident did: they
/// hear of its changes on their own topic.
pub async fn resident_of<'a>(source: impl Into<Source<'a>>, ticket: &Ticket) -> StoreResult<Option<UserId>> {
    Ok(match ticket.created_by {
        Some(user) => {
            (users::get(source, user).await?.kind == domovoy_domain::account::AccountKind::Resident).then_some(user)
        }
        None => None,
    })
}

/// Announces that a ticket changed: its summary as `ticket.updated` on all
/// its topics (the previous holder's queue too). `audience` says what the
/// change was; the resident who filed the ticket is found here.
pub async fn announce_update(tx: &mut WriteTx, ticket: &Ticket, audience: Audience) -> StoreResult<TicketSummary> {
    let summary = summary(&mut *tx, ticket).await?;
    let resident = resident_of(&mut *tx, ticket).await?;
    tx.emit(&Event::TicketUpdated(summary.clone(), Audience { resident, ..audience }));
    Ok(summary)
}

/// What a fired SLA timer did.
#[derive(Debug)]
pub struct Fired {
    /// The ticket as stored now, when this timer changed it.
    pub saved: Option<Ticket>,
    /// Events to publish.
    pub events: Vec<domovoy_store::events::StoredEvent>,
    /// When the ticket's SLA changes next by itself (re-arm there).
    pub next_change: Option<DateTime<Utc>>,
}

/// Re-evaluates a ticket's SLA now and stores a changed state once. When
/// nothing changed (the timer was early, or another node was first) the
/// next change still comes back, so the timer is never lost.
pub async fn fire_sla(db: &Db, calendar: &CalendarCache, id: TicketId) -> StoreResult<Fired> {
    let calendar = calendar.get().await?;
    let result = db
        .write(move |tx| {
            Box::pin(async move {
                let ticket = tickets::get(&mut *tx, id).await?;
                let now = tx.now();
                let sla = refresh(tx, calendar, &ticket, now).await?;
                if sla == ticket.sla {
                    return Ok::<_, StoreError>(Err(ticket.sla.next_change));
                }
                let crossed = sla.state != ticket.sla.state;
                let previous = ticket.sla.state;
                let mut changed = ticket.clone();
                changed.sla = sla;
                let saved = match tickets::save(tx, &changed).await {
                    Ok(saved) => saved,
                    // Another node (or a person) changed it first; that
                    // write re-evaluated the SLA already.
                    Err(StoreError::Conflict(_)) => return Ok(Err(tickets::get(&mut *tx, id).await?.sla.next_change)),
                    Err(other) => return Err(other),
                };
                if crossed {
                    let change = HistoryChange::Sla { from: previous, to: saved.sla.state };
                    tickets::add_history(tx, saved.id, (None, SLA_ACTOR), &change).await?;
                    announce_update(tx, &saved, Audience::default()).await?;
                    tx.emit(&Event::TicketSla(SlaNotice {
                        ticket_id: saved.id,
                        number: saved.number.to_string(),
                        state: saved.sla.state,
                        building_id: Some(saved.building_id),
                        assignee: saved.assignee_id(),
                    }));
                }
                Ok(Ok(saved))
            })
        })
        .await?;
    Ok(match result.value {
        Ok(saved) => Fired { next_change: saved.sla.next_change, saved: Some(saved), events: result.events },
        Err(next_change) => Fired { saved: None, events: Vec::new(), next_change },
    })
}

/// Who SLA changes are recorded as in a ticket's history (pages word it).
pub const SLA_ACTOR: &str = "sla";

/// Timers fire this much after the moment they wait for, so that the
/// clock, read again, is surely past it.
const TIMER_SLACK: Duration = Duration::from_millis(50);

struct TicketActor {
    id: TicketId,
    db: Db,
    hub: HubHandle,
    calendar: CalendarCache,
    metrics: Metrics,
    directory: Addr<Directory<TicketActor>>,
    me: SubscriberId,
    presence: LivePresence,
    timer: Option<(DateTime<Utc>, SpawnHandle)>,
    idle_since: Option<std::time::Instant>,
}

/// What every ticket actor shares.
struct TicketDeps {
    db: Db,
    hub: HubHandle,
    calendar: CalendarCache,
    cluster: Option<ClusterHandle>,
    metrics: Metrics,
    /// A scan is under way (scans that come meanwhile are skipped). The
    /// directory is one actor, so a `Cell` suffices.
    scanning: std::cell::Cell<bool>,
}

impl Keyed for TicketActor {
    type Key = TicketId;
    type Deps = TicketDeps;

    fn start_for(id: TicketId, deps: &TicketDeps, directory: Addr<Directory<Self>>) -> Addr<Self> {
        TicketActor {
            id,
            db: deps.db.clone(),
            hub: deps.hub.clone(),
            calendar: deps.calendar.clone(),
            metrics: deps.metrics.clone(),
            directory,
            me: deps.hub.subscriber_id(),
            presence: LivePresence::new(Topic::Ticket(id), deps.hub.clone(), deps.cluster.clone()),
            timer: None,
            idle_since: Some(std::time::Instant::now()),
        }
        .start()
    }
}

impl TicketActor {
    fn topic(&self) -> Topic {
        Topic::Ticket(self.id)
    }

    /// Follows the ticket's topic through the hub (at start, and again
    /// after the hub dropped this actor as lagging).
    fn follow(&mut self, ctx: &mut Context<Self>) {
        let addr = ctx.address();
        let subscriber = Subscriber {
            id: self.me,
            deliver: addr.clone().recipient(),
            notice: addr.clone().recipient(),
            lagged: addr.recipient(),
        };
        let (hub, topic) = (self.hub.clone(), self.topic());
        ctx.spawn(fut::wrap_future::<_, Self>(async move { hub.subscribe(topic, subscriber).await }).map(|_, _, _| {}));
    }

    fn update_idle(&mut self) {
        let busy = self.presence.has_local() || self.timer.is_some();
        self.idle_since = if busy { None } else { Some(std::time::Instant::now()) };
    }

    /// Arms the timer for `at` (replacing a later one).
    fn arm(&mut self, at: DateTime<Utc>, ctx: &mut Context<Self>) {
        if let Some((current, handle)) = self.timer {
            if current <= at && current > Utc::now() {
                return;
            }
            ctx.cancel_future(handle);
        }
        let wait = (at - Utc::now()).to_std().unwrap_or_default() + TIMER_SLACK;
        let handle = ctx.run_later(wait, |actor, ctx| actor.fire(ctx));
        self.timer = Some((at, handle));
        self.update_idle();
    }

    fn fire(&mut self, ctx: &mut Context<Self>) {
        self.timer = None;
        let (db, calendar, id) = (self.db.clone(), self.calendar.clone(), self.id);
        ctx.spawn(fut::wrap_future::<_, Self>(async move { fire_sla(&db, &calendar, id).await }).map(
            |result, actor, ctx| {
                match result {
                    Ok(fired) => {
                        if fired.saved.is_some() {
                            actor.metrics.sla_changes.inc();
                            actor.hub.publish_local(fired.events);
                        }
                        if let Some(next) = fired.next_change.filter(|n| *n - Utc::now() < horizon()) {
                            actor.arm(next, ctx);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, ticket = %actor.id, "SLA timer failed; the next scan retries");
                    }
                }
                actor.update_idle();
            },
        ));
    }
}

fn horizon() -> chrono::Duration {
    chrono::Duration::from_std(HORIZON).unwrap_or_default()
}

impl Actor for TicketActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.follow(ctx);
        // Renews presence and stops the actor when idle; ends with it.
        ctx.run_interval(PRESENCE_RENEW, |actor, ctx| {
            actor.presence.renew();
            if actor.idle_since.is_some_and(|since| since.elapsed() >= TICKET_IDLE) {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.hub.forget(self.me);
        self.directory.do_send(Gone(self.id));
    }
}

/// Arm the SLA timer at `at`.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Arm(DateTime<Utc>);

/// Read the tickets due within the horizon and arm them.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Scan;

impl Handler<Arm> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: Arm, ctx: &mut Context<Self>) {
        self.arm(msg.0, ctx);
    }
}

presence_handlers!(TicketActor, update_idle);

impl Handler<Deliver> for TicketActor {
    type Result = ();

    /// A change of the ticket (on any node) may move its SLA timer.
    fn handle(&mut self, msg: Deliver, ctx: &mut Context<Self>) {
        for event in msg.0 {
            if event.kind != EventKind::TicketUpdated.code() && event.kind != EventKind::TicketCreated.code() {
                continue;
            }
            let next = event
                .payload
                .get("sla_next_change")
                .and_then(|v| serde_json::from_value::<DateTime<Utc>>(v.clone()).ok());
            if let Some(next) = next.filter(|n| *n - Utc::now() < horizon()) {
                self.arm(next, ctx);
            }
        }
    }
}

impl Handler<Notice> for TicketActor {
    type Result = ();

    fn handle(&mut self, _msg: Notice, _ctx: &mut Context<Self>) {}
}

impl Handler<Lagged> for TicketActor {
    type Result = ();

    /// The hub dropped this actor from its topic (a full mailbox): follow
    /// it again. Only the subscription is renewed; the actor's timers keep
    /// running as they are.
    fn handle(&mut self, _msg: Lagged, ctx: &mut Context<Self>) {
        self.follow(ctx);
    }
}

impl Handler<Scan> for Directory<TicketActor> {
    type Result = ();

    fn handle(&mut self, _msg: Scan, ctx: &mut Context<Self>) {
        if self.deps().scanning.replace(true) {
            return;
        }
        let db = self.deps().db.clone();
        let until = Utc::now() + horizon();
        ctx.spawn(fut::wrap_future::<_, Self>(async move { tickets::sla_due(&db, until, 10_000).await }).map(
            |result, directory, ctx| {
                directory.deps().scanning.set(false);
                match result {
                    Ok(due) => {
                        directory.deps().metrics.sla_scanned_at.set(Utc::now().timestamp());
                        for (id, at) in due {
                            directory.actor(id, ctx).do_send(Arm(at));
                        }
                    }
                    Err(error) => tracing::warn!(%error, "SLA scan failed; retrying at the next"),
                }
            },
        ));
    }
}

/// The typed handle to this node's ticket actors.
#[derive(Clone)]
pub struct TicketsHandle {
    directory: Addr<Directory<TicketActor>>,
    calendar: CalendarCache,
}

impl std::fmt::Debug for TicketsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketsHandle").finish_non_exhaustive()
    }
}

impl TicketsHandle {
    pub fn start(db: Db, hub: HubHandle, cluster: Option<ClusterHandle>, metrics: Metrics) -> Self {
        let calendar = CalendarCache::new(db.clone());
        let deps =
            TicketDeps { db, hub, calendar: calendar.clone(), cluster, metrics, scanning: std::cell::Cell::new(false) };
        Self { directory: Directory::start(deps), calendar }
    }

    /// The production calendar the SLA clocks use.
    pub fn calendar(&self) -> &CalendarCache {
        &self.calendar
    }

    /// After a ticket changed on this node: arms its timer if its SLA state
    /// changes by itself within the horizon.
    pub fn changed(&self, ticket: &Ticket) {
        if let Some(at) = ticket.sla.next_change.filter(|at| *at - Utc::now() < horizon()) {
            self.directory.do_send(To { key: ticket.id, msg: Arm(at) });
        }
    }

    pub fn set_presence(&self, id: TicketId, viewer: Viewer) {
        self.directory.do_send(To { key: id, msg: SetPresence(viewer) });
    }

    /// A session stopped looking at one ticket, or (`None`) at all.
    pub fn leave(&self, id: Option<TicketId>, session: SubscriberId) {
        match id {
            Some(key) => self.directory.do_send(ToRunning { key, msg: Leave(session) }),
            None => self.directory.do_send(ToAll(Leave(session))),
        }
    }

    pub fn remote_presence(&self, id: TicketId, node: std::sync::Arc<str>, viewers: Vec<ViewerInfo>) {
        self.directory.do_send(To { key: id, msg: RemotePresence { node, viewers } });
    }

    /// Who is looking at a ticket now (all nodes).
    pub async fn viewers(&self, id: TicketId) -> Vec<ViewerInfo> {
        self.directory.send(Ask { key: id, msg: Viewers }).await.ok().flatten().unwrap_or_default()
    }

    /// Re-reads the tickets due within the horizon now (tests, after a
    /// calendar import).
    pub fn scan(&self) {
        self.directory.do_send(Scan);
    }
}
