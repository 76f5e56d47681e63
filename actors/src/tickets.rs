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

use std::collections::HashMap;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};

use domovoy_domain::event::{Audience, Event, EventKind, SlaNotice, Topic};
use domovoy_domain::ids::{ClassifierId, TicketId, UserId};
use domovoy_domain::ticket::{HistoryChange, SummaryNames, Ticket, TicketSummary};
use domovoy_store::{Db, Source, StoreError, StoreResult, WriteTx, classifier, tickets, users};

use crate::cluster::ClusterHandle;
use crate::hub::{Deliver, HubHandle, Lagged, Notice, Subscriber, SubscriberId};
use crate::metrics::Metrics;
use crate::presence::{PRESENCE_RENEW, PresenceBook, Viewer, ViewerInfo};
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
/// its topics (the previous holder's queue too).
pub async fn announce_update(
    tx: &mut WriteTx,
    ticket: &Ticket,
    previous_assignee: Option<UserId>,
) -> StoreResult<TicketSummary> {
    let summary = summary(&mut *tx, ticket).await?;
    let resident = resident_of(&mut *tx, ticket).await?;
    tx.emit(&Event::TicketUpdated(summary.clone(), Audience { previous_assignee, resident }));
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
                    announce_update(tx, &saved, None).await?;
                    tx.emit(&Event::TicketSla(SlaNotice {
                        ticket_id: saved.id,
                        number: saved.number.to_string(),
                        state: saved.sla.state,
                        building_id: Some(saved.building_id),
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
    cluster: Option<ClusterHandle>,
    metrics: Metrics,
    directory: Addr<Directory>,
    me: SubscriberId,
    presence: PresenceBook,
    timer: Option<(DateTime<Utc>, SpawnHandle)>,
    idle_since: Option<std::time::Instant>,
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

    fn presence_changed(&mut self) {
        self.hub.broadcast(self.topic(), self.presence.frame(&self.topic()));
        if let Some(cluster) = &self.cluster {
            cluster.announce_presence(self.topic(), self.presence.local_viewers());
        }
        self.update_idle();
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
        ctx.run_interval(PRESENCE_RENEW, |actor, ctx| {
            if actor.presence.expire() {
                actor.presence_changed();
            } else if actor.presence.has_local()
                && let Some(cluster) = &actor.cluster
            {
                cluster.announce_presence(actor.topic(), actor.presence.local_viewers());
            }
            if actor.idle_since.is_some_and(|since| since.elapsed() >= TICKET_IDLE) {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.hub.forget(self.me);
        self.directory.do_send(Gone { id: self.id });
    }
}

/// Arm the SLA timer at `at`.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Arm {
    id: TicketId,
    at: DateTime<Utc>,
}

#[derive(Message, Debug)]
#[rtype(result = "()")]
struct SetPresence {
    id: TicketId,
    viewer: Viewer,
}

#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Leave {
    id: Option<TicketId>,
    session: SubscriberId,
}

#[derive(Message, Debug)]
#[rtype(result = "()")]
struct RemotePresence {
    id: TicketId,
    node: std::sync::Arc<str>,
    viewers: Vec<ViewerInfo>,
}

#[derive(Message, Debug)]
#[rtype(result = "Vec<ViewerInfo>")]
struct Viewers {
    id: TicketId,
}

#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Gone {
    id: TicketId,
}

/// Read the tickets due within the horizon and arm them.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Scan;

impl Handler<Arm> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: Arm, ctx: &mut Context<Self>) {
        self.arm(msg.at, ctx);
    }
}

impl Handler<SetPresence> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: SetPresence, _ctx: &mut Context<Self>) {
        if self.presence.set(msg.viewer) {
            self.presence_changed();
        }
    }
}

impl Handler<Leave> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: Leave, _ctx: &mut Context<Self>) {
        if self.presence.leave(msg.session) {
            self.presence_changed();
        }
    }
}

impl Handler<RemotePresence> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: RemotePresence, _ctx: &mut Context<Self>) {
        self.presence.set_remote(&msg.node, msg.viewers);
        self.hub.broadcast(self.topic(), self.presence.frame(&self.topic()));
    }
}

impl Handler<Viewers> for TicketActor {
    type Result = MessageResult<Viewers>;

    fn handle(&mut self, _msg: Viewers, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.presence.viewers())
    }
}

impl Handler<Deliver> for TicketActor {
    type Result = ();

    /// A change of the ticket (on any node) may move its SLA timer.
    fn handle(&mut self, msg: Deliver, ctx: &mut Context<Self>) {
        if msg.0.kind != EventKind::TicketUpdated.code() && msg.0.kind != EventKind::TicketCreated.code() {
            return;
        }
        let next =
            msg.0.payload.get("sla_next_change").and_then(|v| serde_json::from_value::<DateTime<Utc>>(v.clone()).ok());
        if let Some(next) = next.filter(|n| *n - Utc::now() < horizon()) {
            self.arm(next, ctx);
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

struct Directory {
    db: Db,
    hub: HubHandle,
    calendar: CalendarCache,
    cluster: Option<ClusterHandle>,
    metrics: Metrics,
    actors: HashMap<TicketId, Addr<TicketActor>>,
    scanning: bool,
}

impl Actor for Directory {
    type Context = Context<Self>;

    // Scans come from the application's SLA scan job (`domovoy_app::jobs`),
    // right after start and every minute; a command-line process starts no
    // directory at all.
}

impl Directory {
    fn actor(&mut self, id: TicketId, ctx: &Context<Self>) -> Addr<TicketActor> {
        if let Some(addr) = self.actors.get(&id).filter(|a| a.connected()) {
            return addr.clone();
        }
        let addr = TicketActor {
            id,
            db: self.db.clone(),
            hub: self.hub.clone(),
            calendar: self.calendar.clone(),
            cluster: self.cluster.clone(),
            metrics: self.metrics.clone(),
            directory: ctx.address(),
            me: self.hub.subscriber_id(),
            presence: PresenceBook::default(),
            timer: None,
            idle_since: Some(std::time::Instant::now()),
        }
        .start();
        self.actors.insert(id, addr.clone());
        addr
    }
}

impl Handler<Scan> for Directory {
    type Result = ();

    fn handle(&mut self, _msg: Scan, ctx: &mut Context<Self>) {
        if self.scanning {
            return;
        }
        self.scanning = true;
        let db = self.db.clone();
        let until = Utc::now() + horizon();
        ctx.spawn(fut::wrap_future::<_, Self>(async move { tickets::sla_due(&db, until, 10_000).await }).map(
            |result, directory, ctx| {
                directory.scanning = false;
                match result {
                    Ok(due) => {
                        for (id, at) in due {
                            directory.actor(id, ctx).do_send(Arm { id, at });
                        }
                    }
                    Err(error) => tracing::warn!(%error, "SLA scan failed; retrying at the next"),
                }
            },
        ));
    }
}

impl Handler<Arm> for Directory {
    type Result = ();

    fn handle(&mut self, msg: Arm, ctx: &mut Context<Self>) {
        self.actor(msg.id, ctx).do_send(msg);
    }
}

impl Handler<SetPresence> for Directory {
    type Result = ();

    fn handle(&mut self, msg: SetPresence, ctx: &mut Context<Self>) {
        self.actor(msg.id, ctx).do_send(msg);
    }
}

impl Handler<Leave> for Directory {
    type Result = ();

    fn handle(&mut self, msg: Leave, _ctx: &mut Context<Self>) {
        match msg.id {
            Some(id) => {
                if let Some(addr) = self.actors.get(&id) {
                    addr.do_send(msg);
                }
            }
            None => {
                for addr in self.actors.values() {
                    addr.do_send(Leave { id: None, session: msg.session });
                }
            }
        }
    }
}

impl Handler<RemotePresence> for Directory {
    type Result = ();

    fn handle(&mut self, msg: RemotePresence, ctx: &mut Context<Self>) {
        self.actor(msg.id, ctx).do_send(msg);
    }
}

impl Handler<Viewers> for Directory {
    type Result = ResponseFuture<Vec<ViewerInfo>>;

    fn handle(&mut self, msg: Viewers, ctx: &mut Context<Self>) -> Self::Result {
        let addr = self.actor(msg.id, ctx);
        Box::pin(async move { addr.send(msg).await.unwrap_or_default() })
    }
}

impl Handler<Gone> for Directory {
    type Result = ();

    fn handle(&mut self, msg: Gone, _ctx: &mut Context<Self>) {
        if self.actors.get(&msg.id).is_some_and(|a| !a.connected()) {
            self.actors.remove(&msg.id);
        }
    }
}

/// The typed handle to this node's ticket actors.
#[derive(Clone)]
pub struct TicketsHandle {
    directory: Addr<Directory>,
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
        let directory = Directory {
            db,
            hub,
            calendar: calendar.clone(),
            cluster,
            metrics,
            actors: HashMap::new(),
            scanning: false,
        }
        .start();
        Self { directory, calendar }
    }

    /// The production calendar the SLA clocks use.
    pub fn calendar(&self) -> &CalendarCache {
        &self.calendar
    }

    /// After a ticket changed on this node: arms its timer if its SLA state
    /// changes by itself within the horizon.
    pub fn changed(&self, ticket: &Ticket) {
        if let Some(at) = ticket.sla.next_change.filter(|at| *at - Utc::now() < horizon()) {
            self.directory.do_send(Arm { id: ticket.id, at });
        }
    }

    pub fn set_presence(&self, id: TicketId, viewer: Viewer) {
        self.directory.do_send(SetPresence { id, viewer });
    }

    pub fn leave(&self, id: Option<TicketId>, session: SubscriberId) {
        self.directory.do_send(Leave { id, session });
    }

    pub fn remote_presence(&self, id: TicketId, node: std::sync::Arc<str>, viewers: Vec<ViewerInfo>) {
        self.directory.do_send(RemotePresence { id, node, viewers });
    }

    /// Who is looking at a ticket now (all nodes).
    pub async fn viewers(&self, id: TicketId) -> Vec<ViewerInfo> {
        self.directory.send(Viewers { id }).await.unwrap_or_default()
    }

    /// Re-reads the tickets due within the horizon now (tests, after a
    /// calendar import).
    pub fn scan(&self) {
        self.directory.do_send(Scan);
    }
}
