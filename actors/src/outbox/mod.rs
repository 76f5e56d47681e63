//! The outbox dispatcher: sends what the outbox holds, with retries.
//!
//! Every [`OutboxSettings::poll_interval`] the dispatcher claims due
//! messages for a lease, hands each to its channel (webhook here, e-mail in
//! [`email`], push in `domovoy-mobile-bridge`), and records the outcome: sent, retried
//! later with exponential backoff and jitter, or given up after
//! `max_attempts`. A dispatcher that dies mid-send leaves its lease to
//! expire; the next one sends again (at least once), and receivers dedupe
//! on the message's stable key.

pub mod answer;
pub mod email;
pub mod hmac;
pub mod sms;
pub mod webhook;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use futures_util::future::{BoxFuture, join_all};
use rand::Rng as _;

use domovoy_store::outbox::{self, OutboxMessage};
use domovoy_store::{Db, StoreError};

use crate::metrics::Metrics;

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (network, 5xx, rate limit).
    #[error("temporary failure: {0}")]
    Retry(String),
    /// Worth trying again, not before `after` (the receiver's `Retry-After`).
    #[error("temporary failure: {error} (again in {after:?} at the earliest)")]
    RetryAfter { error: String, after: Duration },
    /// Will never work (the target is gone, the message is refused).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// A message sent: the receiver may have named it (an SMS gateway's id,
/// which its delivery report quotes), kept with the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    pub receipt: Option<String>,
}

/// Something that sends outbox messages of one channel.
pub trait Channel: Send + Sync {
    /// The outbox `channel` value this sender handles.
    fn name(&self) -> &'static str;

    /// Sends one message. Receivers get `message.dedup_key` to dedupe on.
    fn send<'a>(&'a self, message: &'a OutboxMessage) -> BoxFuture<'a, Result<Sent, SendError>>;

    /// The lane of a message: messages of one batch in the same lane (one
    /// device, say) are sent one after another in the order they were
    /// queued, so that a person reads "assigned" before "done"; messages of
    /// different lanes go out concurrently. `None`: no order to keep.
    fn lane(&self, _message: &OutboxMessage) -> Option<String> {
        None
    }
}

/// How the dispatcher paces itself.
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    /// How often due messages are looked for.
    pub poll_interval: Duration,
    /// How long a claimed message is held; a send must finish within it.
    pub lease: Duration,
    /// Messages claimed (and sent concurrently) at once.
    pub batch: i64,
    /// Attempts before giving up.
    pub max_attempts: i64,
    /// The first retry's delay; each further one doubles, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Messages per minute some channels may send (on this node): an SMS
    /// gateway's or mail server's limit. Unpaced channels send at once.
    pub per_minute: HashMap<String, u32>,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            batch: 32,
            max_attempts: 12,
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(3600),
            per_minute: HashMap::new(),
        }
    }
}

impl OutboxSettings {
    /// When attempt `attempt` (from 1) failed, the next one is due after
    /// this delay: exponential, capped, with ±20 % jitter so that a failed
    /// burst does not retry in step.
    pub fn retry_delay(&self, attempt: i64) -> Duration {
        let exponent = u32::try_from(attempt.clamp(1, 30) - 1).unwrap_or(0);
        let delay = self.base_backoff.saturating_mul(2u32.saturating_pow(exponent)).min(self.max_backoff);
        delay.mul_f64(rand::rng().random_range(0.8..1.2))
    }

    /// As [`Self::retry_delay`], but never sooner than the receiver asked
    /// (`Retry-After`, capped at `max_backoff`).
    pub fn retry_delay_after(&self, attempt: i64, asked: Option<Duration>) -> Duration {
        let backoff = self.retry_delay(attempt);
        asked.map_or(backoff, |asked| backoff.max(asked.min(self.max_backoff)))
    }
}

/// The longest a send waits for its channel's pace within a round; a
/// message whose turn is further away goes back to the queue until then,
/// so a slow channel never holds the others' round.
const MAX_PACE_WAIT: Duration = Duration::from_secs(2);

/// How far behind the present a paced channel's next slot may be taken.
const PACE_CATCH_UP: Duration = Duration::from_millis(250);

/// Spaces one channel's sends evenly: one every `interval`.
#[derive(Debug)]
struct Pacer {
    interval: Duration,
    next: std::sync::Mutex<tokio::time::Instant>,
}

/// When a paced message may go.
enum Turn {
    /// At this instant (within [`MAX_PACE_WAIT`]): the slot is taken.
    At(tokio::time::Instant),
    /// Not in this round: its turn is this far away (the slot is left free).
    Later(Duration),
}

impl Pacer {
    fn new(per_minute: u32) -> Self {
        Self {
            interval: Duration::from_secs(60) / per_minute.max(1),
            next: std::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    fn turn(&self) -> Turn {
        let now = tokio::time::Instant::now();
        let mut next = self.next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Slots missed while a round was being claimed and marked are
        // taken up to PACE_CATCH_UP late, so the channel keeps its rate
        // across rounds (and never exceeds it by more than that window).
        let slot = (*next).max(now.checked_sub(PACE_CATCH_UP).unwrap_or(now));
        if slot - now > MAX_PACE_WAIT {
            return Turn::Later(slot - now);
        }
        *next = slot + self.interval;
        Turn::At(slot)
    }
}

/// What one send came to.
enum Outcome {
    /// With the receiver's receipt, when it gave one.
    Sent(Option<String>),
    /// Not tried: the channel's pace has room for it after this long.
    Postponed(Duration),
    /// `after`: the receiver asked to wait at least this long.
    Failed { error: String, retry: bool, after: Option<Duration> },
}

struct Dispatcher {
    db: Db,
    channels: HashMap<&'static str, Arc<dyn Channel>>,
    pacers: Arc<HashMap<String, Pacer>>,
    metrics: Metrics,
    settings: OutboxSettings,
    /// A round is under way; ticks skip until it ends.
    busy: bool,
    rounds: u64,
}

impl Actor for Dispatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.settings.poll_interval, |dispatcher, ctx| dispatcher.tick(ctx));
    }
}

impl Dispatcher {
    fn tick(&mut self, ctx: &mut Context<Self>) {
        if self.busy {
            return;
        }
        self.busy = true;
        self.rounds += 1;
        let round = round(
            self.db.clone(),
            self.channels.clone(),
            self.pacers.clone(),
            self.settings.clone(),
            self.metrics.clone(),
        );
        // The backlog gauge is refreshed every few seconds, not every round.
        let refresh_backlog = self.rounds % 10 == 1;
        let (db, metrics) = (self.db.clone(), self.metrics.clone());
        ctx.spawn(
            fut::wrap_future::<_, Self>(async move {
                let result = round.await;
                if refresh_backlog && let Ok(backlog) = outbox::backlog(&db).await {
                    metrics.outbox_backlog.set(backlog);
                }
                result
            })
            .map(|result, dispatcher, ctx| {
                dispatcher.busy = false;
                match result {
                    // A full batch: more are likely waiting, so the next
                    // round starts now rather than at the next tick (a
                    // backlog drains at the senders' pace, not the poll's).
                    Ok(claimed) if claimed >= usize::try_from(dispatcher.settings.batch).unwrap_or(usize::MAX) => {
                        dispatcher.tick(ctx);
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "outbox round failed"),
                }
            }),
        );
    }
}

/// Claims, sends and records one batch; answers how many were claimed.
async fn round(
    db: Db,
    channels: HashMap<&'static str, Arc<dyn Channel>>,
    pacers: Arc<HashMap<String, Pacer>>,
    settings: OutboxSettings,
    metrics: Metrics,
) -> Result<usize, StoreError> {
    let lease_until = chrono::Utc::now() + chrono::Duration::from_std(settings.lease).unwrap_or_default();
    let batch = settings.batch;
    let claimed = db.write(move |tx| Box::pin(async move { outbox::claim(tx, lease_until, batch).await })).await?.value;
    if claimed.is_empty() {
        return Ok(0);
    }
    let count = claimed.len();
    let outcomes = send_in_lanes(&channels, &pacers, &claimed).await;
    let now = chrono::Utc::now();
    let mut records = Vec::with_capacity(claimed.len());
    for (message, outcome) in claimed.into_iter().zip(outcomes) {
        match &outcome {
            Outcome::Sent(_) => metrics.outbox_sent.with(&[&message.channel]).inc(),
            Outcome::Postponed(_) => {}
            Outcome::Failed { error, .. } => {
                metrics.outbox_failures.with(&[&message.channel]).inc();
                tracing::warn!(channel = %message.channel, key = %message.dedup_key, attempt = message.attempt, %error, "send failed");
            }
        }
        let retry_at = match &outcome {
            Outcome::Failed { retry: true, after, .. } if message.attempt < settings.max_attempts => {
                let delay = settings.retry_delay_after(message.attempt, *after);
                Some(now + chrono::Duration::from_std(delay).unwrap_or_default())
            }
            _ => None,
        };
        records.push((message.id, message.attempt, outcome, retry_at));
    }
    db.write(move |tx| {
        Box::pin(async move {
            for (id, attempt, outcome, retry_at) in records {
                match outcome {
                    Outcome::Sent(receipt) => outbox::mark_sent(tx, id, attempt, receipt.as_deref()).await?,
                    Outcome::Postponed(after) => {
                        let until = now + chrono::Duration::from_std(after).unwrap_or_default();
                        outbox::postpone(tx, id, attempt, until).await?;
                    }
                    Outcome::Failed { error, .. } => outbox::mark_failed(tx, id, attempt, &error, retry_at).await?,
                }
            }
            Ok::<_, StoreError>(())
        })
    })
    .await?;
    Ok(count)
}

/// Sends a claimed batch: lanes concurrently, each lane's messages in
/// order (see [`Channel::lane`]); answers one outcome per message, in the
/// batch's order.
async fn send_in_lanes(
    channels: &HashMap<&'static str, Arc<dyn Channel>>,
    pacers: &HashMap<String, Pacer>,
    claimed: &[OutboxMessage],
) -> Vec<Outcome> {
    let mut lanes: Vec<Vec<usize>> = Vec::new();
    let mut lane_of: HashMap<(&str, String), usize> = HashMap::new();
    for (index, message) in claimed.iter().enumerate() {
        let lane = channels.get(message.channel.as_str()).and_then(|channel| channel.lane(message));
        match lane {
            Some(lane) => {
                let next = lanes.len();
                let at = *lane_of.entry((message.channel.as_str(), lane)).or_insert(next);
                if at == next {
                    lanes.push(Vec::new());
                }
                lanes[at].push(index);
            }
            None => lanes.push(vec![index]),
        }
    }
    let sends = lanes.into_iter().map(|lane| async move {
        let mut outcomes = Vec::with_capacity(lane.len());
        for index in lane {
            outcomes.push((index, send_one(channels, pacers, &claimed[index]).await));
        }
        outcomes
    });
    let mut outcomes: Vec<(usize, Outcome)> = join_all(sends).await.into_iter().flatten().collect();
    outcomes.sort_by_key(|(index, _)| *index);
    outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}

async fn send_one(
    channels: &HashMap<&'static str, Arc<dyn Channel>>,
    pacers: &HashMap<String, Pacer>,
    message: &OutboxMessage,
) -> Outcome {
    let Some(channel) = channels.get(message.channel.as_str()) else {
        return Outcome::Failed {
            error: format!("no sender for channel {}", message.channel),
            retry: false,
            after: None,
        };
    };
    if let Some(pacer) = pacers.get(&message.channel) {
        match pacer.turn() {
            Turn::At(at) => tokio::time::sleep_until(at).await,
            Turn::Later(after) => return Outcome::Postponed(after),
        }
    }
    match channel.send(message).await {
        Ok(sent) => Outcome::Sent(sent.receipt),
        Err(SendError::Retry(error)) => Outcome::Failed { error, retry: true, after: None },
        Err(SendError::RetryAfter { error, after }) => Outcome::Failed { error, retry: true, after: Some(after) },
        Err(SendError::Permanent(error)) => Outcome::Failed { error, retry: false, after: None },
    }
}

/// Stop sending (the process is shutting down); claimed messages return to
/// the queue when their lease expires.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Stop;

impl Handler<Stop> for Dispatcher {
    type Result = ();

    fn handle(&mut self, _msg: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// The handle of the running dispatcher.
#[derive(Clone)]
pub struct OutboxHandle {
    addr: Addr<Dispatcher>,
}

impl std::fmt::Debug for OutboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxHandle").finish_non_exhaustive()
    }
}

impl OutboxHandle {
    /// Starts the dispatcher with its channels.
    pub fn start(db: Db, channels: Vec<Arc<dyn Channel>>, metrics: Metrics, settings: OutboxSettings) -> Self {
        let channels = channels.into_iter().map(|c| (c.name(), c)).collect();
        let pacers =
            Arc::new(settings.per_minute.iter().map(|(channel, rate)| (channel.clone(), Pacer::new(*rate))).collect());
        let addr = Dispatcher { db, channels, pacers, metrics, settings, busy: false, rounds: 0 }.start();
        Self { addr }
    }

    /// Stops sending; what is claimed but not sent goes back to the queue
    /// when its lease expires.
    pub fn stop(&self) {
        self.addr.do_send(Stop);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receivers_retry_after_is_honoured_up_to_the_cap() {
        let settings = OutboxSettings::default();
        let asked = settings.retry_delay_after(1, Some(Duration::from_secs(120)));
        assert!(asked >= Duration::from_secs(120), "{asked:?}");
        let capped = settings.retry_delay_after(1, Some(Duration::from_secs(86_400)));
        assert_eq!(capped, settings.max_backoff);
        let short = settings.retry_delay_after(1, Some(Duration::from_millis(1)));
        assert!(short >= Duration::from_secs(4), "the backoff wins over a shorter ask: {short:?}");
    }

    #[test]
    fn retries_back_off_exponentially_with_jitter_and_a_cap() {
        let settings = OutboxSettings::default();
        let first = settings.retry_delay(1);
        assert!(first >= Duration::from_secs(4) && first <= Duration::from_secs(6), "{first:?}");
        let fourth = settings.retry_delay(4);
        assert!(fourth >= Duration::from_secs(32) && fourth <= Duration::from_secs(48), "{fourth:?}");
        let late = settings.retry_delay(40);
        assert!(late <= Duration::from_secs(4320), "{late:?}");
    }
}
