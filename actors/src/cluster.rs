//! The cluster doorbell: Redis pub/sub between nodes.
//!
//! Each node publishes the events it committed; every other node hands them
//! to its hub. Redis is only a doorbell: the database is the truth, and
//! pub/sub may drop messages (a Redis restart, a stalled connection). So:
//! - the hub detects a gap in a topic's sequence and reads the missing
//!   events from the database;
//! - a loss at the tail of a burst shows no gap, so every two seconds the
//!   hub compares what it delivered with the database and reads what is
//!   missing (the application's catch-up job, `domovoy_app::jobs`, which
//!   runs with or without Redis);
//! - after reconnecting, the node catches up at once.
//!
//! With Redis down a node keeps serving its own clients; events of other
//! nodes reach it by the catch-up reads, a few seconds late.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use domovoy_domain::event::Topic;
use domovoy_store::events::StoredEvent;

use crate::hub::HubHandle;
use crate::metrics::Metrics;
use crate::presence::PresenceHandle;
use crate::presence::ViewerInfo;

/// The Redis channel of committed events.
const EVENTS_CHANNEL: &str = "domovoy:events";
/// The Redis channel of presence announcements.
const PRESENCE_CHANNEL: &str = "domovoy:presence";
/// Messages waiting for the publisher; beyond this they are dropped (the
/// catch-up reads deliver them) rather than growing memory while Redis is
/// unreachable.
const PUBLISH_QUEUE: usize = 8192;
/// How long one PUBLISH may take before Redis counts as unreachable.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the listener pings Redis: a stalled server (SIGSTOP, a dead
/// network path) sends no error, only silence.
const LISTENER_PING: Duration = Duration::from_secs(3);
/// Reconnect backoff bounds.
const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

#[derive(Serialize, Deserialize)]
struct EventsMessage {
    node: String,
    events: Vec<StoredEvent>,
}

#[derive(Serialize, Deserialize)]
struct PresenceMessage {
    node: String,
    topic: Topic,
    viewers: Vec<ViewerInfo>,
}

enum Outbound {
    Events(Vec<StoredEvent>),
    Presence(Topic, Vec<ViewerInfo>),
}

/// The handle that sends to the other nodes.
#[derive(Clone)]
pub struct ClusterHandle {
    node: Arc<str>,
    queue: mpsc::Sender<Outbound>,
}

impl std::fmt::Debug for ClusterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterHandle").field("node", &self.node).finish()
    }
}

impl ClusterHandle {
    /// Starts the publisher. `node` names this process in messages, so it
    /// ignores its own.
    pub fn start(redis_url: &str, node: Arc<str>) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(redis_url)?;
        let (queue, rx) = mpsc::channel(PUBLISH_QUEUE);
        // Runs until the application's actix system stops (the task is
        // dropped with it) or every handle is gone (the queue closes).
        actix::spawn(publish_loop(client, node.to_string(), rx));
        Ok(Self { node, queue })
    }

    pub fn node(&self) -> Arc<str> {
        self.node.clone()
    }

    /// Rings the other nodes about committed events; never waits.
    pub fn publish_events(&self, events: Vec<StoredEvent>) {
        // Full or closed: the other nodes' catch-up reads deliver them.
        let _ = self.queue.try_send(Outbound::Events(events));
    }

    /// Tells the other nodes who looks at `topic` here.
    pub fn announce_presence(&self, topic: Topic, viewers: Vec<ViewerInfo>) {
        let _ = self.queue.try_send(Outbound::Presence(topic, viewers));
    }
}

fn backoff(previous: Duration) -> Duration {
    let next = (previous * 2).clamp(BACKOFF_MIN, BACKOFF_MAX);
    // Jitter, so that nodes restarted together do not reconnect in step.
    let jitter = rand::rng().random_range(0.8..1.2);
    next.mul_f64(jitter)
}

async fn publish_loop(client: redis::Client, node: String, mut rx: mpsc::Receiver<Outbound>) {
    let mut connection: Option<redis::aio::ConnectionManager> = None;
    let mut retry_at = tokio::time::Instant::now();
    let mut delay = BACKOFF_MIN;
    let mut healthy = true;
    while let Some(message) = rx.recv().await {
        if connection.is_none() && tokio::time::Instant::now() >= retry_at {
            match tokio::time::timeout(REDIS_TIMEOUT, client.get_connection_manager()).await {
                Ok(Ok(manager)) => {
                    connection = Some(manager);
                    delay = BACKOFF_MIN;
                }
                _ => {
                    delay = backoff(delay);
                    retry_at = tokio::time::Instant::now() + delay;
                }
            }
        }
        let Some(manager) = connection.as_mut() else {
            if healthy {
                tracing::warn!("Redis unreachable: events reach other nodes through their database catch-up");
                healthy = false;
            }
            continue;
        };
        let (channel, payload) = match message {
            Outbound::Events(events) => {
                (EVENTS_CHANNEL, serde_json::to_string(&EventsMessage { node: node.clone(), events }))
            }
            Outbound::Presence(topic, viewers) => {
                (PRESENCE_CHANNEL, serde_json::to_string(&PresenceMessage { node: node.clone(), topic, viewers }))
            }
        };
        let Ok(payload) = payload else { continue };
        let published = tokio::time::timeout(
            REDIS_TIMEOUT,
            redis::cmd("PUBLISH").arg(channel).arg(payload).query_async::<i64>(manager),
        )
        .await;
        match published {
            Ok(Ok(_)) => {
                if !healthy {
                    tracing::info!("Redis reachable again: publishing events");
                    healthy = true;
                }
            }
            _ => {
                if healthy {
                    tracing::warn!("cannot publish to Redis: other nodes will catch up from the database");
                    healthy = false;
                }
                // The connection manager reconnects by itself, but a stalled
                // server needs a fresh start after the backoff.
                connection = None;
                delay = backoff(delay);
                retry_at = tokio::time::Instant::now() + delay;
            }
        }
    }
}

/// Starts listening to the other nodes, and the periodic catch-up.
pub fn start_listener(
    redis_url: &str,
    node: Arc<str>,
    hub: HubHandle,
    presence: PresenceHandle,
    metrics: Metrics,
) -> Result<(), redis::RedisError> {
    let client = redis::Client::open(redis_url)?;
    // Runs until the actix system stops. The periodic catch-up that finds
    // what Redis dropped is the application's job (it runs without Redis
    // too).
    actix::spawn(listen_loop(client, node, hub, presence, metrics));
    Ok(())
}

async fn listen_loop(
    client: redis::Client,
    node: Arc<str>,
    hub: HubHandle,
    presence: PresenceHandle,
    metrics: Metrics,
) {
    let mut delay = BACKOFF_MIN;
    loop {
        match listen_once(&client, &node, &hub, &presence, &metrics).await {
            Ok(()) => delay = BACKOFF_MIN,
            Err(error) => tracing::warn!(%error, "Redis subscription lost; reconnecting"),
        }
        metrics.redis_connected.set(0);
        delay = backoff(delay);
        tokio::time::sleep(delay).await;
    }
}

async fn listen_once(
    client: &redis::Client,
    node: &str,
    hub: &HubHandle,
    presence: &PresenceHandle,
    metrics: &Metrics,
) -> Result<(), redis::RedisError> {
    let timeout = |e: tokio::time::error::Elapsed| {
        redis::RedisError::from(std::io::Error::new(std::io::ErrorKind::TimedOut, e.to_string()))
    };
    let pubsub = tokio::time::timeout(REDIS_TIMEOUT, client.get_async_pubsub()).await.map_err(timeout)??;
    let (mut sink, mut stream) = pubsub.split();
    tokio::time::timeout(REDIS_TIMEOUT, sink.subscribe(&[EVENTS_CHANNEL, PRESENCE_CHANNEL]))
        .await
        .map_err(timeout)??;
    metrics.redis_connected.set(1);
    tracing::info!("listening to other nodes through Redis");
    // Whatever happened while disconnected is in the database.
    hub.catch_up_now();
    let mut pings = tokio::time::interval(LISTENER_PING);
    loop {
        tokio::select! {
            message = stream.next() => {
                let Some(message) = message else { return Ok(()) };
                receive(&message, node, hub, presence);
            }
            _ = pings.tick() => {
                // In subscriber mode Redis answers PING with an array; any
                // answer in time proves the connection alive.
                tokio::time::timeout(REDIS_TIMEOUT, sink.ping::<redis::Value>()).await.map_err(timeout)??;
            }
        }
    }
}

fn receive(message: &redis::Msg, node: &str, hub: &HubHandle, presence: &PresenceHandle) {
    let payload = message.get_payload_bytes();
    match message.get_channel_name() {
        EVENTS_CHANNEL => match serde_json::from_slice::<EventsMessage>(payload) {
            Ok(m) if m.node != node => hub.publish_remote(m.events),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "unreadable events message from Redis"),
        },
        PRESENCE_CHANNEL => match serde_json::from_slice::<PresenceMessage>(payload) {
            Ok(m) if m.node != node => presence.remote(m.topic, Arc::from(m.node), m.viewers),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "unreadable presence message from Redis"),
        },
        _ => {}
    }
}
