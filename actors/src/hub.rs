//! The hub: routes committed events to everything that follows their topics,
//! per topic strictly in sequence.
//!
//! Events reach the hub after their commit, from this node's writes and
//! (with Redis) from other nodes. Two requests that commit seq 5 and 6 of a
//! topic may hand them over in the other order, and Redis may lose or
//! reorder messages, so the hub never delivers out of order: an event that
//! arrives early is held until the gap fills, or, after [`GAP_WAIT`], the
//! missing events are read from the database (committed events are always
//! there). A duplicate (seq already delivered) is dropped.
//!
//! Subscribers are reached through bounded mailboxes: one that is full is
//! dropped from all its topics and told so ([`Lagged`]), so a slow client
//! never slows the others. What the hub delivers while it works through its
//! own mailbox goes out as one [`Deliver`] per subscriber when that mailbox
//! is empty: a burst (a group commit of hundreds of tickets arrives as
//! hundreds of publishes at once) fills a subscriber's mailbox by one
//! message, not by one per event, so a burst's size alone never makes a
//! subscriber look slow.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix::prelude::*;
use bytestring::ByteString;
use serde::Serialize;

use domovoy_domain::event::{Exposure, Shown, Topic, redact};
use domovoy_domain::policy::Principal;
use domovoy_store::Db;
use domovoy_store::events::{self, StoredEvent};

use crate::metrics::Metrics;

/// How long an early event waits for the ones before it before they are read
/// from the database. Reordering between two local commits resolves in
/// microseconds; this covers Redis delivering out of order without making a
/// genuinely lost message wait long.
pub const GAP_WAIT: Duration = Duration::from_millis(50);

/// Most events one gap read fetches; a longer gap is read in several steps.
const GAP_READ_LIMIT: i64 = 1000;

/// A committed event ready for delivery, with its wire frame rendered once
/// for all subscribers.
#[derive(Debug)]
pub struct LiveEvent {
    pub topic: Topic,
    pub seq: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    /// `{"type":"event","topic",…}` as sent on the WebSocket.
    pub frame: ByteString,
    /// What a follower must hold to see it (the policy on live updates).
    pub exposure: Exposure,
    /// The frame without some fields (links to clients, contacts), one per
    /// set of withheld fields, rendered the first time a follower needs it.
    redacted: [OnceLock<ByteString>; 4],
}

#[derive(Serialize)]
struct EventFrame<'a> {
    r#type: &'static str,
    topic: &'a Topic,
    seq: i64,
    kind: &'a str,
    data: &'a serde_json::Value,
}

impl LiveEvent {
    pub fn from_stored(event: StoredEvent) -> Self {
        let frame = EventFrame {
            r#type: "event",
            topic: &event.topic,
            seq: event.seq,
            kind: &event.kind,
            data: &event.payload,
        };
        // Serialising plain strings, integers and a JSON value cannot fail.
        let frame = serde_json::to_string(&frame).unwrap_or_default();
        let exposure = Exposure::of(event.topic, &event.kind, &event.payload);
        Self {
            topic: event.topic,
            seq: event.seq,
            kind: event.kind,
            payload: event.payload,
            frame: frame.into(),
            exposure,
            redacted: Default::default(),
        }
    }

    /// The frame `principal` may receive: the whole event, the event
    /// without its personal fields, or nothing (its sequence number still
    /// counts as seen).
    pub fn frame_for(&self, principal: &Principal) -> Option<ByteString> {
        match self.exposure.shown_to(principal) {
            Shown::Hidden => None,
            Shown::Shown(withheld) if withheld.is_empty() => Some(self.frame.clone()),
            Shown::Shown(withheld) => Some(
                self.redacted[withheld.index() % 4]
                    .get_or_init(|| {
                        let data = redact(&self.payload, withheld);
                        let frame = EventFrame {
                            r#type: "event",
                            topic: &self.topic,
                            seq: self.seq,
                            kind: &self.kind,
                            data: &data,
                        };
                        serde_json::to_string(&frame).unwrap_or_default().into()
                    })
                    .clone(),
            ),
        }
    }
}

/// Events for a subscriber, in order per topic: what the hub delivered to
/// it since its last delivery (one or many).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Deliver(pub Vec<Arc<LiveEvent>>);

/// A message for followers of a topic that is not part of its event
/// sequence (presence: who is looking at this now).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Notice(pub ByteString);

/// The subscriber fell behind and was removed from these topics.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Lagged(pub Vec<Topic>);

/// After a gap read: where delivery may jump to, if the log no longer has
/// some of the events the read was for.
///
/// The read asked for the `wanted` events after the then last delivered,
/// up to `first_held` (the earliest event held back), and `found` of them
/// were before `first_held`. Everything before
/// `first_held` was committed before it (a topic's numbers follow commit
/// order), so if the read found fewer and delivery (now at `last`) still
/// stops short of `first_held`, the rest is gone (pruned): subscribers see
/// the jump and resynchronise. A gap after `first_held` opened while the
/// read ran and gets a read of its own; so does a read that hit the limit.
fn pruned_until(last: i64, first_held: i64, wanted: i64, found: i64) -> Option<i64> {
    (last + 1 < first_held && found < wanted && wanted < GAP_READ_LIMIT).then_some(first_held - 1)
}

/// Identifies a subscriber across its topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriberId(u64);

/// A subscriber id for unit tests of this crate.
#[cfg(test)]
pub(crate) fn test_subscriber_id(n: u64) -> SubscriberId {
    SubscriberId(n)
}

/// Where a subscriber receives events.
#[derive(Debug, Clone)]
pub struct Subscriber {
    pub id: SubscriberId,
    pub deliver: Recipient<Deliver>,
    pub notice: Recipient<Notice>,
    pub lagged: Recipient<Lagged>,
}

/// Events committed on this node or announced by another.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Publish {
    events: Vec<StoredEvent>,
    origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Local,
    Remote,
}

/// Follow `topic`; replies with the last sequence number the hub delivered
/// on it, if it knows one.
#[derive(Message, Debug)]
#[rtype(result = "Option<i64>")]
struct Subscribe {
    topic: Topic,
    subscriber: Subscriber,
    /// The topic's position read just before this registration (`None`
    /// when the read failed).
    before: Option<i64>,
}

/// Stop following `topic`.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Unsubscribe {
    topic: Topic,
    id: SubscriberId,
}

/// Stop following everything (the subscriber is going away).
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Forget {
    id: SubscriberId,
}

/// Hands a notice to the followers of a topic (no sequence, no history).
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Broadcast {
    topic: Topic,
    frame: ByteString,
}

/// Read from the database whatever followed topics may have missed: after
/// the cluster doorbell reconnects (at once), and periodically on every node
/// (the application's catch-up job), so events committed where no hub could
/// be told (another node while Redis is down, a command-line process)
/// arrive.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct CatchUp {
    /// Read only what was committed by the previous sweep and is still not
    /// delivered: events committed since may be on their way through this
    /// node's own mailbox, and reading them too would double the work of a
    /// busy hub for nothing (found by the fan-out benchmark).
    confirmed: bool,
}

/// The state of one followed topic.
#[derive(Debug, Default)]
struct TopicState {
    /// The last sequence number delivered; `None` until the first event.
    last: Option<i64>,
    /// Events that arrived before their predecessors.
    held: BTreeMap<i64, Arc<LiveEvent>>,
    subscribers: Vec<Subscriber>,
    /// A gap timer or a gap read is under way.
    gap_pending: bool,
    /// The topic's position is being read from the database: events are
    /// held until it is known, rather than guessed from the first to come
    /// (concurrent commits publish out of order, and a guess would drop
    /// the earlier ones).
    baseline_pending: bool,
}

/// The hub actor. Its state is private; other crates use [`HubHandle`].
#[derive(Debug)]
struct Hub {
    db: Db,
    metrics: Metrics,
    topics: HashMap<Topic, TopicState>,
    /// Which topics each subscriber follows, to drop it from all at once.
    following: HashMap<SubscriberId, HashSet<Topic>>,
    /// Each followed topic's position in the database at the last sweep.
    committed_seen: HashMap<Topic, i64>,
    /// Events delivered but not yet handed over, per subscriber, in order;
    /// sent by [`Hub::flush`] once the hub's mailbox is empty.
    outgoing: HashMap<SubscriberId, Outgoing>,
}

/// A subscriber's events waiting for the next [`Hub::flush`].
#[derive(Debug)]
struct Outgoing {
    deliver: Recipient<Deliver>,
    events: Vec<Arc<LiveEvent>>,
}

impl Actor for Hub {
    type Context = Context<Self>;
}

impl Hub {
    /// Takes one event in: delivers it and whatever it unblocks, holds it if
    /// it is early, drops it if it is a duplicate.
    fn accept(&mut self, event: Arc<LiveEvent>, ctx: &mut Context<Self>) {
        let topic = event.topic;
        let Some(state) = self.topics.get_mut(&topic) else {
            // Nobody here follows the topic: nothing to deliver or order.
            return;
        };
        if state.last.is_none() && state.baseline_pending {
            state.held.insert(event.seq, event);
            return;
        }
        // Without a known position (its read failed) the first event fixes
        // the baseline; subscribers recover anything earlier from the log.
        let last = *state.last.get_or_insert(event.seq - 1);
        if event.seq <= last {
            return;
        }
        if event.seq > last + 1 {
            state.held.insert(event.seq, event);
            if !state.gap_pending {
                state.gap_pending = true;
                ctx.run_later(GAP_WAIT, move |hub, ctx| hub.fill_gap(topic, ctx));
            }
            return;
        }
        self.deliver(topic, &event, ctx);
        self.drain_held(topic, ctx);
    }

    /// Delivers held events that are now next in line.
    fn drain_held(&mut self, topic: Topic, ctx: &mut Context<Self>) {
        loop {
            let Some(state) = self.topics.get_mut(&topic) else { return };
            let next = state.last.map_or(0, |l| l + 1);
            let Some(event) = state.held.remove(&next) else { return };
            self.deliver(topic, &event, ctx);
        }
    }

    /// Hands `event` to every subscriber of its topic: gathers it for each,
    /// and makes sure a flush follows.
    fn deliver(&mut self, topic: Topic, event: &Arc<LiveEvent>, ctx: &mut Context<Self>) {
        let Some(state) = self.topics.get_mut(&topic) else { return };
        state.last = Some(event.seq);
        if state.subscribers.is_empty() {
            return;
        }
        if self.outgoing.is_empty() {
            // Polled once the mailbox is drained: everything the messages
            // waiting now deliver goes out together.
            ctx.spawn(fut::wrap_future::<_, Self>(std::future::ready(())).map(|(), hub, _ctx| hub.flush()));
        }
        for subscriber in &state.subscribers {
            self.outgoing
                .entry(subscriber.id)
                .or_insert_with(|| Outgoing { deliver: subscriber.deliver.clone(), events: Vec::new() })
                .events
                .push(event.clone());
        }
    }

    /// Sends every subscriber what was gathered for it, in one message; a
    /// subscriber whose mailbox is full is dropped from all its topics.
    fn flush(&mut self) {
        let mut dropped = Vec::new();
        for (id, Outgoing { deliver, events }) in self.outgoing.drain() {
            let count = events.len() as u64;
            match deliver.try_send(Deliver(events)) {
                Ok(()) => self.metrics.events_delivered.add(count),
                Err(SendError::Full(_)) => dropped.push((id, true)),
                Err(SendError::Closed(_)) => dropped.push((id, false)),
            }
        }
        for (id, lagging) in dropped {
            let topics = self.forget(id);
            if lagging {
                self.metrics.slow_consumer_drops.inc();
                if let Some(subscriber) = topics.1 {
                    subscriber.lagged.do_send(Lagged(topics.0));
                }
            }
        }
    }

    /// Reads the events missing before the first held one of `topic`.
    fn fill_gap(&mut self, topic: Topic, ctx: &mut Context<Self>) {
        let Some(state) = self.topics.get_mut(&topic) else { return };
        let (Some(last), Some(first_held)) = (state.last, state.held.keys().next().copied()) else {
            state.gap_pending = false;
            return;
        };
        if first_held <= last + 1 {
            state.gap_pending = false;
            self.drain_held(topic, ctx);
            return;
        }
        let db = self.db.clone();
        let wanted = (first_held - last - 1).min(GAP_READ_LIMIT);
        self.metrics.gap_reads.inc();
        let read = async move { events::read_since(&db, topic, last, wanted).await };
        ctx.spawn(fut::wrap_future::<_, Self>(read).map(move |result, hub, ctx| {
            match result {
                Ok(found) => {
                    let before_held = found.iter().filter(|e| e.seq < first_held).count();
                    let found_count = i64::try_from(before_held).unwrap_or(i64::MAX);
                    for stored in found {
                        hub.accept_from_store(stored, ctx);
                    }
                    if let Some(state) = hub.topics.get_mut(&topic)
                        && let Some(last) = state.last
                        && let Some(skip_to) = pruned_until(last, first_held, wanted, found_count)
                    {
                        tracing::warn!(%topic, after = last, next = first_held, "events missing from the log are skipped");
                        state.last = Some(skip_to);
                    }
                }
                Err(error) => tracing::warn!(%error, %topic, "cannot read a sequence gap; retrying"),
            }
            if let Some(state) = hub.topics.get_mut(&topic) {
                state.gap_pending = false;
            }
            hub.drain_held(topic, ctx);
            let still_gap = hub.topics.get(&topic).is_some_and(|s| !s.held.is_empty());
            if still_gap && let Some(state) = hub.topics.get_mut(&topic) {
                state.gap_pending = true;
                ctx.run_later(GAP_WAIT, move |hub, ctx| hub.fill_gap(topic, ctx));
            }
        }));
    }

    fn accept_from_store(&mut self, stored: StoredEvent, ctx: &mut Context<Self>) {
        self.accept(Arc::new(LiveEvent::from_stored(stored)), ctx);
    }

    /// Removes a subscriber from every topic; returns the topics and the
    /// subscriber (to tell it).
    fn forget(&mut self, id: SubscriberId) -> (Vec<Topic>, Option<Subscriber>) {
        self.outgoing.remove(&id);
        let topics: Vec<Topic> = self.following.remove(&id).map(|t| t.into_iter().collect()).unwrap_or_default();
        let mut found = None;
        for topic in &topics {
            if let Some(state) = self.topics.get_mut(topic) {
                if let Some(at) = state.subscribers.iter().position(|s| s.id == id) {
                    found = Some(state.subscribers.swap_remove(at));
                }
                if state.subscribers.is_empty() && state.held.is_empty() {
                    self.topics.remove(topic);
                }
            }
        }
        (topics, found)
    }
}

impl Handler<Publish> for Hub {
    type Result = ();

    fn handle(&mut self, msg: Publish, ctx: &mut Context<Self>) {
        if msg.origin == Origin::Local {
            self.metrics.events_published.add(msg.events.len() as u64);
        }
        for stored in msg.events {
            if !self.topics.contains_key(&stored.topic) {
                continue;
            }
            let event = Arc::new(LiveEvent::from_stored(stored));
            if msg.origin == Origin::Remote {
                let gap = self.topics.get(&event.topic).and_then(|s| s.last).is_some_and(|l| event.seq > l + 1);
                if gap {
                    self.metrics.redis_gap_reads.inc();
                }
            }
            self.accept(event, ctx);
        }
    }
}

impl Handler<Subscribe> for Hub {
    type Result = Option<i64>;

    fn handle(&mut self, msg: Subscribe, ctx: &mut Context<Self>) -> Option<i64> {
        let fresh = !self.topics.contains_key(&msg.topic);
        if fresh && let Some(before) = msg.before {
            // The position read before registering: every event committed
            // after it arrives live (held until in order) or, if it was
            // published before the registration, is read from the log when
            // the gap shows. A position read after registering could be
            // ahead of events already held, and would drop them.
            let state = self.topics.entry(msg.topic).or_default();
            state.last = Some(before);
        } else if fresh {
            // A newly followed topic learns where its sequence stands, so
            // catch-up reads (which compare with the database) cover it
            // before its first event arrives.
            let (db, topic) = (self.db.clone(), msg.topic);
            ctx.spawn(fut::wrap_future::<_, Self>(async move { events::last_seq(&db, topic).await }).map(
                move |result, hub, ctx| {
                    let Some(state) = hub.topics.get_mut(&topic) else { return };
                    state.baseline_pending = false;
                    match result {
                        Ok(last) if state.last.is_none() => {
                            // Held events up to the position are older than
                            // every subscriber's replay: drop them.
                            state.last = Some(last);
                            state.held.retain(|seq, _| *seq > last);
                        }
                        Ok(_) => {}
                        Err(error) => {
                            tracing::warn!(%error, %topic, "cannot read a topic's position; starting from its first event");
                            if let Some(first) = state.held.keys().next().copied() {
                                state.last = Some(first - 1);
                            }
                        }
                    }
                    hub.drain_held(topic, ctx);
                    let gap = hub.topics.get_mut(&topic).filter(|s| !s.held.is_empty() && !s.gap_pending);
                    if let Some(state) = gap {
                        state.gap_pending = true;
                        ctx.run_later(GAP_WAIT, move |hub, ctx| hub.fill_gap(topic, ctx));
                    }
                },
            ));
        }
        let baseline_unknown = fresh && msg.before.is_none();
        let state = self.topics.entry(msg.topic).or_default();
        if baseline_unknown {
            state.baseline_pending = true;
        }
        if !state.subscribers.iter().any(|s| s.id == msg.subscriber.id) {
            state.subscribers.push(msg.subscriber.clone());
        }
        self.following.entry(msg.subscriber.id).or_default().insert(msg.topic);
        state.last
    }
}

impl Handler<Unsubscribe> for Hub {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _ctx: &mut Context<Self>) {
        if let Some(topics) = self.following.get_mut(&msg.id) {
            topics.remove(&msg.topic);
        }
        if let Some(state) = self.topics.get_mut(&msg.topic) {
            state.subscribers.retain(|s| s.id != msg.id);
            if state.subscribers.is_empty() && state.held.is_empty() {
                self.topics.remove(&msg.topic);
            }
        }
    }
}

impl Handler<Forget> for Hub {
    type Result = ();

    fn handle(&mut self, msg: Forget, _ctx: &mut Context<Self>) {
        self.forget(msg.id);
    }
}

impl Handler<Broadcast> for Hub {
    type Result = ();

    fn handle(&mut self, msg: Broadcast, _ctx: &mut Context<Self>) {
        let Some(state) = self.topics.get(&msg.topic) else { return };
        for subscriber in &state.subscribers {
            // Notices are best effort: a full mailbox skips one, the next
            // notice carries the whole state again.
            let _ = subscriber.notice.try_send(Notice(msg.frame.clone()));
        }
    }
}

impl Handler<CatchUp> for Hub {
    type Result = ();

    fn handle(&mut self, msg: CatchUp, ctx: &mut Context<Self>) {
        let known: Vec<(Topic, i64, Option<i64>)> = self
            .topics
            .iter()
            .filter(|(_, state)| !state.gap_pending)
            .filter_map(|(topic, state)| {
                let upto = if msg.confirmed { self.committed_seen.get(topic).copied() } else { Some(i64::MAX) };
                state.last.map(|last| (*topic, last, upto))
            })
            .collect();
        if known.is_empty() {
            self.committed_seen.clear();
            return;
        }
        let db = self.db.clone();
        // One query for every followed topic, then reads only where the
        // database was ahead of what was delivered here (at the previous
        // sweep, for a periodic one).
        let read = async move {
            let topics: Vec<Topic> = known.iter().map(|(t, ..)| *t).collect();
            let latest = events::last_seqs(&db, &topics).await?;
            let mut missed = Vec::new();
            for (topic, delivered, upto) in known {
                let target = latest.get(&topic).copied().unwrap_or(0).min(upto.unwrap_or(0));
                if target > delivered {
                    let count = (target - delivered).min(GAP_READ_LIMIT);
                    missed.extend(events::read_since(&db, topic, delivered, count).await?);
                }
            }
            Ok::<_, domovoy_store::StoreError>((missed, latest))
        };
        ctx.spawn(fut::wrap_future::<_, Self>(read).map(|result, hub, ctx| match result {
            Ok((missed, latest)) => {
                hub.committed_seen = latest;
                if !missed.is_empty() {
                    hub.metrics.redis_gap_reads.inc();
                }
                for stored in missed {
                    hub.accept_from_store(stored, ctx);
                }
            }
            Err(error) => tracing::warn!(%error, "catch-up read failed"),
        }));
    }
}

/// The typed handle other crates use to reach the hub.
#[derive(Clone)]
pub struct HubHandle {
    addr: Addr<Hub>,
    db: Db,
    next_id: Arc<AtomicU64>,
    cluster: Option<crate::cluster::ClusterHandle>,
}

impl std::fmt::Debug for HubHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubHandle").finish_non_exhaustive()
    }
}

impl HubHandle {
    /// Starts the hub on the current actix arbiter.
    pub fn start(db: Db, metrics: Metrics) -> Self {
        let addr = Hub {
            db: db.clone(),
            metrics,
            topics: HashMap::new(),
            following: HashMap::new(),
            committed_seen: HashMap::new(),
            outgoing: HashMap::new(),
        }
        .start();
        Self { addr, db, next_id: Arc::new(AtomicU64::new(1)), cluster: None }
    }

    /// The same hub, also ringing the other nodes on every local publish.
    pub fn with_cluster(mut self, cluster: Option<crate::cluster::ClusterHandle>) -> Self {
        self.cluster = cluster;
        self
    }

    /// Hands committed events to local followers and rings the other nodes.
    /// Never waits: intake must not be slowed by delivery.
    pub fn publish_local(&self, events: Vec<StoredEvent>) {
        if events.is_empty() {
            return;
        }
        if let Some(cluster) = &self.cluster {
            cluster.publish_events(events.clone());
        }
        self.addr.do_send(Publish { events, origin: Origin::Local });
    }

    /// Hands events committed on another node (from the cluster doorbell).
    pub fn publish_remote(&self, events: Vec<StoredEvent>) {
        if !events.is_empty() {
            self.addr.do_send(Publish { events, origin: Origin::Remote });
        }
    }

    /// A fresh subscriber id.
    pub fn subscriber_id(&self) -> SubscriberId {
        SubscriberId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Follows `topic`; returns the last sequence delivered on it, if known.
    pub async fn subscribe(&self, topic: Topic, subscriber: Subscriber) -> Result<Option<i64>, HubGone> {
        // Read before registering (see the `Subscribe` handler); a failed
        // read falls back to reading it in the hub, holding events meanwhile.
        let before = events::last_seq(&self.db, topic).await.ok();
        self.addr.send(Subscribe { topic, subscriber, before }).await.map_err(|_| HubGone)
    }

    pub fn unsubscribe(&self, topic: Topic, id: SubscriberId) {
        self.addr.do_send(Unsubscribe { topic, id });
    }

    /// Drops a subscriber from all its topics.
    pub fn forget(&self, id: SubscriberId) {
        self.addr.do_send(Forget { id });
    }

    /// Sends a notice to the followers of `topic` on this node.
    pub fn broadcast(&self, topic: Topic, frame: ByteString) {
        self.addr.do_send(Broadcast { topic, frame });
    }

    /// The periodic sweep: reads from the database what followed topics
    /// missed, among the events committed by the previous sweep.
    pub fn catch_up(&self) {
        self.addr.do_send(CatchUp { confirmed: true });
    }

    /// Reads everything followed topics missed, at once (after the cluster
    /// doorbell reconnects).
    pub fn catch_up_now(&self) {
        self.addr.do_send(CatchUp { confirmed: false });
    }
}

/// The hub has stopped (the process is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the event hub has stopped")]
pub struct HubGone;

#[cfg(test)]
mod gap_tests {
    use super::{GAP_READ_LIMIT, pruned_until};

    #[test]
    fn a_gap_read_skips_only_what_the_log_lacks_before_the_held_event() {
        // Read for 11 and 12 (13 held); both found and delivered.
        assert_eq!(pruned_until(12, 13, 2, 2), None);
        // 11 found, 12 pruned: delivery jumps to just before 13.
        assert_eq!(pruned_until(11, 13, 2, 1), Some(12));
        // Both found, delivered through 20 meanwhile; 23 arrived during the
        // read, 21 and 22 are still on their way: not skipped.
        assert_eq!(pruned_until(20, 13, 2, 2), None);
        assert_eq!(pruned_until(20, 13, 2, 1), None);
        // A read cut short by the limit says nothing about what is missing.
        assert_eq!(pruned_until(10, 10 + GAP_READ_LIMIT + 5, GAP_READ_LIMIT, 3), None);
    }
}
