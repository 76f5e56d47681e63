//! The session actor: one per WebSocket connection.
//!
//! A client subscribes to topics with the last sequence number it saw; the
//! session checks the policy, registers with the hub, replays what the
//! client missed from the event log (or tells it to reload a snapshot when
//! that history is gone), then forwards live events strictly in sequence,
//! dropping duplicates. Outgoing frames go through a queue to a writer task
//! that owns the socket. A client is too slow when it falls behind in time:
//! the oldest frame not yet handed to its socket waited [`MAX_BEHIND`]
//! (or the queue holds [`MAX_QUEUED_BYTES`], the bound on its memory). Its
//! session is closed (1013, `slow_consumer`) and it reconnects and replays;
//! it never slows the others. A burst (a group commit of a thousand
//! tickets) that the client reads within that time is not slowness.
//!
//! Protocol (JSON text frames):
//! - client: `{"type":"subscribe","topic":"building:<id>","since":<seq|null>}`,
//!   `{"type":"unsubscribe","topic":…}`,
//!   `{"type":"presence","topic":…,"state":"viewing"|"editing"|"away"}`
//! - server: `{"type":"event","topic","seq","kind","data"}`,
//!   `{"type":"subscribed","topic","seq"}`, `{"type":"resync","topic"}`,
//!   `{"type":"presence","topic","viewers":[…]}`,
//!   `{"type":"error","code","message","topic"?}`
//!
//! Every session also follows its account's own topic (`user:<id>`) without
//! being asked, and acknowledges it with `subscribed` like any other: a
//! client waiting for its own topics must match `subscribed` by topic.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_ws::{CloseCode, CloseReason, Message as WsMessage, ProtocolError};
use bytestring::ByteString;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, watch};

use domovoy_domain::account::{AccountKind, DisplayName};
use domovoy_domain::event::{EventKind, Topic};
use domovoy_domain::policy::Principal;
use domovoy_store::Db;
use domovoy_store::events::{self, StoredEvent};

use crate::access::may_follow;
use crate::hub::{Deliver, HubHandle, Lagged, LiveEvent, Notice, Subscriber, SubscriberId};
use crate::metrics::Metrics;
use crate::presence::{PresenceHandle, PresenceState, Viewer};

/// How often the server pings an idle client. Proxies (nginx's default
/// `proxy_read_timeout` is 60 s) close quieter connections.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(20);
/// A client silent for this long (no pong, no message) is gone: a laptop
/// that went to sleep, a phone that lost the network.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);
/// How far behind a client may fall: when the oldest frame not yet handed
/// to its socket has waited this long, the client is too slow, and it
/// reconnects and replays from the log (or reloads) instead.
pub const MAX_BEHIND: Duration = Duration::from_secs(10);
/// Most bytes of frames queued for one client: the bound on a session's
/// memory whatever the client does. A burst of a thousand tickets on a
/// board is under 1 MiB.
pub const MAX_QUEUED_BYTES: usize = 4 * 1024 * 1024;
/// What a queued frame costs beyond its payload (the queue's bookkeeping).
const FRAME_OVERHEAD: usize = 64;
/// Deliveries waiting in the session's mailbox before the hub drops it.
/// The hub sends what it gathered in one round as one delivery, so this
/// counts rounds of the hub, not events.
pub const MAILBOX: usize = 512;
/// Longest the last words to a client too slow to read them may wait, and
/// then how long the server may take to let go of the connection before it
/// is cut (see [`Connection`]).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the writer looks whether the server let go of the connection.
const LET_GO_POLL: Duration = Duration::from_millis(50);
/// Most missed events replayed on one subscribe; beyond this a snapshot is
/// cheaper than the history, and the client is told to reload.
pub const REPLAY_LIMIT: i64 = 1000;
/// Most topics one connection follows.
pub const MAX_TOPICS: usize = 256;
/// Close code telling the client its access changed: reconnect (which
/// authenticates again) and reload.
pub const CLOSE_ACCESS_CHANGED: u16 = 4000;

/// What a session needs from the application.
#[derive(Debug, Clone)]
pub struct SessionDeps {
    pub db: Db,
    pub hub: HubHandle,
    pub presence: PresenceHandle,
    pub metrics: Metrics,
    /// Flips to `true` when the server shuts down.
    pub shutdown: watch::Receiver<bool>,
}

/// Why the session refuses a client's message (the `code` of an `error`
/// frame); the sentence beside it is the door's, in the person's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// Not JSON with a known `type`.
    BadMessage,
    /// Binary frames are not part of the protocol.
    Binary,
    /// The topic does not parse.
    BadTopic,
    TooManyTopics,
    /// The policy refuses the subscription.
    Forbidden,
    /// The database or the hub did not answer: try again.
    Unavailable,
    /// Presence on a topic not followed.
    NotSubscribed,
}

impl SessionError {
    pub const ALL: &'static [SessionError] = &[
        Self::BadMessage,
        Self::Binary,
        Self::BadTopic,
        Self::TooManyTopics,
        Self::Forbidden,
        Self::Unavailable,
        Self::NotSubscribed,
    ];

    /// The stable code of the protocol.
    pub const fn code(self) -> &'static str {
        match self {
            Self::BadMessage | Self::Binary => "bad_message",
            Self::BadTopic => "bad_topic",
            Self::TooManyTopics => "too_many_topics",
            Self::Forbidden => "forbidden",
            Self::Unavailable => "unavailable",
            Self::NotSubscribed => "not_subscribed",
        }
    }
}

/// The person behind a connection.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub principal: Principal,
    pub name: DisplayName,
    /// Words the person reads for each refusal, in their language.
    pub describe: fn(SessionError) -> &'static str,
}

/// The connection under a session, as the HTTP server holds it.
///
/// After a session's last frame the server still has to hand what it
/// buffered to the socket before it closes the connection. A client that
/// stopped reading (a suspended laptop, a network gone without a reset)
/// never takes it, and the server would keep the connection, and a
/// graceful stop of the node, waiting until that client reads again. The
/// session's writer gives the server [`CLOSE_TIMEOUT`] to let go, then cuts
/// (at once when the client did not make room even for the close frame).
pub trait Connection {
    /// Whether the server still holds the connection.
    fn open(&self) -> bool;
    /// Ends the connection at once, dropping what the client did not take.
    fn cut(&self);
}

/// Starts a session actor for an upgraded connection; `connection`, when
/// the server can give one, lets the session cut a client that stopped
/// reading.
pub fn start(
    ws: actix_ws::Session,
    stream: actix_ws::MessageStream,
    connection: Option<Box<dyn Connection>>,
    user: SessionUser,
    deps: SessionDeps,
) {
    let (out, queue) = mpsc::unbounded_channel();
    let (last_words, said) = oneshot::channel();
    let backlog = Arc::new(Backlog::default());
    deps.metrics.ws_sessions.inc();
    SessionActor::create(move |ctx| {
        ctx.set_mailbox_capacity(MAILBOX);
        ctx.add_stream(stream);
        let writer = Writer { ws, backlog: backlog.clone(), metrics: deps.metrics.clone(), session: ctx.address() };
        actix::spawn(async move {
            let handed = writer.run(queue, said).await;
            if let Some(connection) = connection {
                // A client that did not make room even for the close frame
                // is cut at once.
                let_go(connection.as_ref(), if handed { CLOSE_TIMEOUT } else { Duration::ZERO }).await;
            }
        });
        SessionActor {
            id: deps.hub.subscriber_id(),
            user,
            deps,
            out,
            last_words: Some(last_words),
            backlog,
            topics: HashMap::new(),
            attempts: 0,
            last_heard: Instant::now(),
        }
    });
}

enum Outgoing {
    Text(ByteString),
    Pong(bytes::Bytes),
    Ping,
}

impl Outgoing {
    /// What the frame counts against [`MAX_QUEUED_BYTES`].
    fn size(&self) -> usize {
        FRAME_OVERHEAD
            + match self {
                Self::Text(text) => text.len(),
                Self::Pong(bytes) => bytes.len(),
                Self::Ping => 0,
            }
    }
}

/// A frame and when it was queued.
type Queued = (Instant, Outgoing);

/// What the session and its writer share about the queue between them.
#[derive(Debug, Default)]
struct Backlog {
    /// Bytes of the frames queued and not yet taken by the writer.
    bytes: AtomicUsize,
    /// The client was found too slow (so it is counted once).
    lagged: AtomicBool,
}

impl Backlog {
    /// Marks the client too slow; `true` the first time (to count it once).
    fn fell_behind(&self) -> bool {
        !self.lagged.swap(true, Ordering::Relaxed)
    }
}

fn slow_consumer() -> CloseReason {
    CloseReason { code: CloseCode::Again, description: Some("slow_consumer".to_owned()) }
}

/// Owns the socket: sends queued frames in order, closes when the session
/// ends, and decides when the client is too far behind.
struct Writer {
    ws: actix_ws::Session,
    backlog: Arc<Backlog>,
    metrics: Metrics,
    session: Addr<SessionActor>,
}

impl Writer {
    /// Sends queued frames until the session's last words (`said`), the
    /// end of the session, the client's close, or the client falling
    /// [`MAX_BEHIND`]; then the close frame, if the client did not close.
    /// Returns whether the close frame (if any) was handed to the server.
    ///
    /// The last words come ahead of what is still queued, even while a
    /// frame waits for the socket: whatever ends a session (the node
    /// stopping, access changed, the client too slow) has the client
    /// reconnect and replay from the log, and a client that stopped reading
    /// would otherwise keep the close waiting for up to [`MAX_BEHIND`].
    async fn run(
        mut self,
        mut queue: mpsc::UnboundedReceiver<Queued>,
        mut said: oneshot::Receiver<CloseReason>,
    ) -> bool {
        let reason = loop {
            let next = tokio::select! {
                biased;
                // The sender gone without words: the session ended (its
                // client's stream did).
                words = &mut said => break words.ok(),
                next = queue.recv() => next,
            };
            let Some((queued, frame)) = next else { break None };
            self.backlog.bytes.fetch_sub(frame.size(), Ordering::Relaxed);
            // What is left of this frame's time: a socket that does not take
            // it by then belongs to a client too far behind.
            let Some(left) = MAX_BEHIND.checked_sub(queued.elapsed()) else { break Some(self.fell_behind()) };
            let ws = &mut self.ws;
            let send = async move {
                match frame {
                    Outgoing::Text(text) => ws.text(text).await,
                    Outgoing::Pong(bytes) => ws.pong(&bytes).await,
                    Outgoing::Ping => ws.ping(b"").await,
                }
            };
            let sent = tokio::select! {
                biased;
                words = &mut said => break words.ok(),
                sent = tokio::time::timeout(left, send) => sent,
            };
            match sent {
                Ok(Ok(())) => {}
                // Closed by the client.
                Ok(Err(_)) => return true,
                Err(_) => break Some(self.fell_behind()),
            }
        };
        // The last frame; a client too slow to take it loses the connection.
        tokio::time::timeout(CLOSE_TIMEOUT, self.ws.close(reason)).await.is_ok()
    }

    /// Counts the client as too slow (once) and tells the session.
    fn fell_behind(&self) -> CloseReason {
        if self.backlog.fell_behind() {
            self.metrics.slow_consumer_drops.inc();
        }
        self.session.do_send(Lagged(Vec::new()));
        slow_consumer()
    }
}

/// Waits up to `grace` for the server to close the connection after the
/// session's last frame, and cuts it if it has not.
async fn let_go(connection: &dyn Connection, grace: Duration) {
    let deadline = Instant::now() + grace;
    while connection.open() {
        if Instant::now() >= deadline {
            tracing::debug!("a websocket client did not take its last frames; connection cut");
            connection.cut();
            return;
        }
        tokio::time::sleep(LET_GO_POLL).await;
    }
}

/// Where a followed topic stands.
enum Follow {
    /// Registered with the hub; the replay is being read. Live events that
    /// arrive meanwhile wait here. `attempt` names this start: an earlier
    /// start of the same topic completing later must not take it over.
    Starting { buffer: Vec<Arc<LiveEvent>>, attempt: u64 },
    /// Events up to `last` were sent.
    Live { last: i64 },
}

/// The outcome of starting a subscription.
enum Started {
    Denied,
    Ready { replay: Vec<StoredEvent>, last: i64, resync: bool },
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    Subscribe { topic: String, since: Option<i64> },
    Unsubscribe { topic: String },
    Presence { topic: String, state: PresenceState },
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerMessage<'a> {
    Subscribed {
        topic: &'a Topic,
        seq: i64,
    },
    Resync {
        topic: &'a Topic,
    },
    Error {
        code: &'a str,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        topic: Option<&'a str>,
    },
}

pub struct SessionActor {
    id: SubscriberId,
    user: SessionUser,
    deps: SessionDeps,
    out: mpsc::UnboundedSender<Queued>,
    /// Hands the writer the session's close reason; `None` once the session
    /// is closing.
    last_words: Option<oneshot::Sender<CloseReason>>,
    backlog: Arc<Backlog>,
    topics: HashMap<Topic, Follow>,
    /// Counts subscription starts, so a start that a newer subscription to
    /// the same topic replaced is recognised when it completes.
    attempts: u64,
    last_heard: Instant,
}

impl std::fmt::Debug for SessionActor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionActor").field("id", &self.id).field("topics", &self.topics.len()).finish()
    }
}

impl Actor for SessionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(HEARTBEAT_INTERVAL, |session, ctx| {
            if session.last_heard.elapsed() > CLIENT_TIMEOUT {
                session.close(ctx, CloseReason { code: CloseCode::Away, description: Some("timeout".to_owned()) });
            } else {
                session.queue(ctx, Outgoing::Ping);
            }
        });
        // Shut down cleanly with the server: "going away", so clients
        // reconnect (to another node, or to this one after the restart).
        let mut shutdown = self.deps.shutdown.clone();
        ctx.spawn(
            fut::wrap_future::<_, Self>(async move {
                while !*shutdown.borrow_and_update() {
                    if shutdown.changed().await.is_err() {
                        // The application is gone without a signal: same.
                        break;
                    }
                }
            })
            .map(|(), session, ctx| {
                session
                    .close(ctx, CloseReason { code: CloseCode::Away, description: Some("server_restart".to_owned()) });
            }),
        );
        // Every session follows its own account's notices, to learn when
        // its access changed.
        self.subscribe(Topic::User(self.user.principal.user_id), None, false, ctx);
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.deps.hub.forget(self.id);
        self.deps.presence.leave_all(self.id);
        self.deps.metrics.ws_sessions.dec();
    }
}

impl SessionActor {
    fn subscriber(&self, ctx: &Context<Self>) -> Subscriber {
        let addr = ctx.address();
        Subscriber {
            id: self.id,
            deliver: addr.clone().recipient(),
            notice: addr.clone().recipient(),
            lagged: addr.recipient(),
        }
    }

    /// Queues a frame for the writer. A queue at [`MAX_QUEUED_BYTES`]
    /// means the client does not keep up; a writer gone means the client is.
    fn queue(&mut self, ctx: &mut Context<Self>, frame: Outgoing) {
        if self.closing() {
            return;
        }
        let size = frame.size();
        if self.backlog.bytes.fetch_add(size, Ordering::Relaxed) + size > MAX_QUEUED_BYTES {
            if self.backlog.fell_behind() {
                self.deps.metrics.slow_consumer_drops.inc();
            }
            self.close(ctx, slow_consumer());
            return;
        }
        if self.out.send((Instant::now(), frame)).is_err() {
            // The writer is gone: the client closed.
            self.close(ctx, CloseReason { code: CloseCode::Away, description: None });
        }
    }

    /// Whether the session has said its last words.
    fn closing(&self) -> bool {
        self.last_words.is_none()
    }

    fn send<T: Serialize>(&mut self, ctx: &mut Context<Self>, message: &T) {
        // Serialising our own message types cannot fail.
        if let Ok(text) = serde_json::to_string(message) {
            self.queue(ctx, Outgoing::Text(text.into()));
        }
    }

    fn error(&mut self, ctx: &mut Context<Self>, error: SessionError, topic: Option<&str>) {
        let message = (self.user.describe)(error);
        self.send(ctx, &ServerMessage::Error { code: error.code(), message, topic });
    }

    /// Ends the session: the writer closes the socket with `reason`, ahead
    /// of whatever is still queued.
    fn close(&mut self, ctx: &mut Context<Self>, reason: CloseReason) {
        if let Some(last_words) = self.last_words.take() {
            let _ = last_words.send(reason);
        }
        ctx.stop();
    }

    fn subscribe(&mut self, topic: Topic, since: Option<i64>, explicit: bool, ctx: &mut Context<Self>) {
        if self.topics.contains_key(&topic) {
            // Subscribing again restarts the topic from `since`.
            self.deps.hub.unsubscribe(topic, self.id);
            self.topics.remove(&topic);
        }
        if self.topics.len() >= MAX_TOPICS {
            let text = topic.to_string();
            self.error(ctx, SessionError::TooManyTopics, Some(&text));
            return;
        }
        self.attempts += 1;
        let attempt = self.attempts;
        self.topics.insert(topic, Follow::Starting { buffer: Vec::new(), attempt });
        let (principal, db, hub, subscriber) =
            (self.user.principal.clone(), self.deps.db.clone(), self.deps.hub.clone(), self.subscriber(ctx));
        let start = async move {
            if explicit && !may_follow(&principal, topic, &db).await? {
                return Ok::<_, StartError>(Started::Denied);
            }
            hub.subscribe(topic, subscriber).await.map_err(StartError::hub)?;
            // Read after registering: everything committed before this read
            // is in it, everything after arrives live (and duplicates drop).
            let last = events::last_seq(&db, topic).await?;
            let Some(since) = since else { return Ok(Started::Ready { replay: Vec::new(), last, resync: false }) };
            if since > last || last - since > REPLAY_LIMIT {
                return Ok(Started::Ready { replay: Vec::new(), last, resync: since != last });
            }
            if since == last {
                return Ok(Started::Ready { replay: Vec::new(), last, resync: false });
            }
            let oldest = events::oldest_kept_seq(&db, topic).await?;
            if oldest.is_none_or(|oldest| oldest > since + 1) {
                // The history the client needs was pruned.
                return Ok(Started::Ready { replay: Vec::new(), last, resync: true });
            }
            let replay = events::read_since(&db, topic, since, last - since).await?;
            Ok(Started::Ready { replay, last, resync: false })
        };
        ctx.spawn(fut::wrap_future::<_, Self>(start).map(move |result, session, ctx| {
            session.started_subscription(topic, since, attempt, result, ctx);
        }));
    }

    fn started_subscription(
        &mut self,
        topic: Topic,
        since: Option<i64>,
        attempt: u64,
        result: Result<Started, StartError>,
        ctx: &mut Context<Self>,
    ) {
        let text = topic.to_string();
        match self.topics.get(&topic) {
            Some(Follow::Starting { attempt: current, .. }) if *current == attempt => {}
            // Subscribed again meanwhile (the page asked for the account's
            // own topic that every session follows from its start): the
            // newer start owns the topic and its hub registration.
            Some(_) => return,
            None => {
                // Unsubscribed (or lagged) while starting: nothing to do.
                self.deps.hub.unsubscribe(topic, self.id);
                return;
            }
        }
        let Some(Follow::Starting { buffer: buffered, .. }) = self.topics.remove(&topic) else { return };
        let (replay, last, resync) = match result {
            Ok(Started::Ready { replay, last, resync }) => (replay, last, resync),
            Ok(Started::Denied) => {
                self.error(ctx, SessionError::Forbidden, Some(&text));
                return;
            }
            Err(error) => {
                tracing::warn!(%error, topic = %text, "subscription failed");
                self.deps.hub.unsubscribe(topic, self.id);
                self.error(ctx, SessionError::Unavailable, Some(&text));
                return;
            }
        };
        let mut sent = since.unwrap_or(last).min(last);
        if resync {
            self.deps.metrics.resyncs.inc();
            self.send(ctx, &ServerMessage::Resync { topic: &topic });
            sent = last;
        } else if !replay.is_empty() {
            self.deps.metrics.replays.inc();
            for stored in replay {
                if stored.seq == sent + 1 {
                    sent = stored.seq;
                    // Replays show what live events show: the policy on
                    // what this account may see of each event.
                    if let Some(frame) = LiveEvent::from_stored(stored).frame_for(&self.user.principal) {
                        self.queue(ctx, Outgoing::Text(frame));
                    }
                }
            }
            if sent != last {
                // The log had a hole where the replay needed an event.
                tracing::debug!(%topic, sent, last, "the replay had a hole; the client resynchronises");
                self.deps.metrics.resyncs.inc();
                self.send(ctx, &ServerMessage::Resync { topic: &topic });
                sent = last;
            }
        }
        self.topics.insert(topic, Follow::Live { last: sent });
        self.send(ctx, &ServerMessage::Subscribed { topic: &topic, seq: sent });
        for event in buffered {
            self.forward(event, ctx);
        }
    }

    /// Sends a live event if it is the next one of its topic.
    fn forward(&mut self, event: Arc<LiveEvent>, ctx: &mut Context<Self>) {
        let topic = event.topic;
        let next = match self.topics.get_mut(&topic) {
            None => return,
            Some(Follow::Starting { buffer, .. }) => {
                if buffer.len() as i64 >= REPLAY_LIMIT {
                    // A flood while the replay was read: start over from a snapshot.
                    buffer.clear();
                }
                buffer.push(event);
                return;
            }
            Some(Follow::Live { last }) => {
                if event.seq <= *last {
                    return;
                }
                let in_order = event.seq == *last + 1;
                *last = event.seq;
                in_order
            }
        };
        if topic == Topic::User(self.user.principal.user_id) && event.kind == EventKind::AccessChanged.code() {
            let reason = CloseReason {
                code: CloseCode::Other(CLOSE_ACCESS_CHANGED),
                description: Some("access_changed".to_owned()),
            };
            self.close(ctx, reason);
            return;
        }
        if next {
            // An event this account may not see still counts as seen: the
            // next one follows it without a gap.
            if let Some(frame) = event.frame_for(&self.user.principal) {
                self.queue(ctx, Outgoing::Text(frame));
            }
        } else {
            // The hub delivers in order, so this is a hole in the log
            // (pruned while the client was away): reload from a snapshot.
            tracing::debug!(%topic, seq = event.seq, "a live event skipped ahead; the client resynchronises");
            self.deps.metrics.resyncs.inc();
            self.send(ctx, &ServerMessage::Resync { topic: &topic });
        }
    }

    fn client_message(&mut self, text: &str, ctx: &mut Context<Self>) {
        let Ok(message) = serde_json::from_str::<ClientMessage>(text) else {
            self.error(ctx, SessionError::BadMessage, None);
            return;
        };
        let (raw, action) = match message {
            ClientMessage::Subscribe { topic, since } => (topic, Action::Subscribe(since)),
            ClientMessage::Unsubscribe { topic } => (topic, Action::Unsubscribe),
            ClientMessage::Presence { topic, state } => (topic, Action::Presence(state)),
        };
        let Ok(topic) = raw.parse::<Topic>() else {
            self.error(ctx, SessionError::BadTopic, Some(&raw));
            return;
        };
        match action {
            Action::Subscribe(since) => self.subscribe(topic, since, true, ctx),
            Action::Unsubscribe => {
                self.topics.remove(&topic);
                self.deps.hub.unsubscribe(topic, self.id);
                self.deps.presence.leave(topic, self.id);
            }
            Action::Presence(state) => {
                if !matches!(self.topics.get(&topic), Some(Follow::Live { .. })) {
                    self.error(ctx, SessionError::NotSubscribed, Some(&raw));
                    return;
                }
                let viewer = Viewer {
                    session: self.id,
                    user_id: self.user.principal.user_id,
                    name: self.user.name.to_string(),
                    state,
                };
                self.deps.presence.set(topic, viewer);
            }
        }
    }
}

enum Action {
    Subscribe(Option<i64>),
    Unsubscribe,
    Presence(PresenceState),
}

impl Handler<Deliver> for SessionActor {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Context<Self>) {
        for event in msg.0 {
            if self.closing() {
                return;
            }
            self.forward(event, ctx);
        }
    }
}

impl Handler<Notice> for SessionActor {
    type Result = ();

    fn handle(&mut self, msg: Notice, ctx: &mut Context<Self>) {
        // Notices say which staff are looking at or editing something: the
        // company's own business, not a resident's (who follows their
        // ticket's topic too).
        if self.user.principal.kind == AccountKind::Staff {
            self.queue(ctx, Outgoing::Text(msg.0));
        }
    }
}

impl Handler<Lagged> for SessionActor {
    type Result = ();

    /// The hub dropped this session for a full mailbox, or its writer found
    /// the client too far behind: it is too slow (counted where found).
    fn handle(&mut self, _msg: Lagged, ctx: &mut Context<Self>) {
        self.backlog.fell_behind();
        self.close(ctx, slow_consumer());
    }
}

impl StreamHandler<Result<WsMessage, ProtocolError>> for SessionActor {
    fn handle(&mut self, item: Result<WsMessage, ProtocolError>, ctx: &mut Context<Self>) {
        self.last_heard = Instant::now();
        match item {
            Ok(WsMessage::Text(text)) => self.client_message(&text, ctx),
            Ok(WsMessage::Ping(bytes)) => self.queue(ctx, Outgoing::Pong(bytes)),
            Ok(WsMessage::Pong(_)) => {}
            Ok(WsMessage::Close(_)) => self.close(ctx, CloseReason { code: CloseCode::Normal, description: None }),
            Ok(WsMessage::Binary(_)) => self.error(ctx, SessionError::Binary, None),
            Ok(WsMessage::Continuation(_) | WsMessage::Nop) => {}
            Err(error) => {
                tracing::debug!(%error, "websocket protocol error");
                self.close(ctx, CloseReason { code: CloseCode::Protocol, description: None });
            }
        }
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Why a subscription could not start.
#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error(transparent)]
    Store(#[from] domovoy_store::StoreError),
    #[error("the event hub has stopped")]
    Hub,
}

impl StartError {
    fn hub(_: crate::hub::HubGone) -> Self {
        Self::Hub
    }
}
