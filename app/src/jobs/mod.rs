//! Background jobs: the work nobody asks for, each on its own timer.
//!
//! Started once per serving node by `src/startup.rs` ([`Jobs::start`]),
//! never by a command-line process, and stopped by [`Jobs::stop`] (or by
//! dropping the handle) when the node shuts down: each job is a task that
//! loops on an interval and is aborted between ticks, so a job stopped
//! mid-write leaves that write to its transaction (committed or rolled back
//! whole). Every job is safe to run on several nodes at once: its writes
//! check what they change inside the transaction.
//!
//! | job | every | what it does |
//! |---|---|---|
//! | catch-up | [`CATCH_UP_INTERVAL`] | the hub compares what it delivered with the event log and reads what it missed for at least one interval: events of other nodes when Redis dropped them, and of command-line processes, which have no hub |
//! | SLA scan | [`SLA_SCAN_INTERVAL`] | tickets whose SLA state changes within the hour get their timers armed (also right after start) |
//! | scheduled reports | [`REPORT_MAIL_INTERVAL`] | queues the e-mails of subscribed reports that are due ([`crate::report_subscriptions::send_due`]) |
//! | scheduled mailings | [`SURVEY_OPENING_INTERVAL`] | sends the mailings whose time came on the first of their buildings' clocks ([`crate::mailings::send_due`]) |
//! | survey openings | [`SURVEY_OPENING_INTERVAL`] | tells the residents of a survey published ahead of its opening time, once it opens ([`crate::surveys::announce_due`]) |
//! | housekeeping | [`HOUSEKEEPING_INTERVAL`] | prunes event history, old idempotency keys and long-expired tokens; forgets idle sign-in limiter entries; closes done tickets nobody confirmed ([`auto_close`]); expires passes whose period ended |

pub mod auto_close;

use std::time::Duration;

use domovoy_store::{devices, events, idempotency, sign_in_codes, tokens};

use crate::App;

/// How often the hub compares what it delivered with the event log. A
/// sweep reads only events that were already committed at the sweep before
/// (newer ones may still be on their way through this node), so an event
/// committed elsewhere (another node with Redis down, a command-line
/// process) reaches a live screen within two intervals, 2 s; each sweep is
/// one indexed query for all followed topics.
pub const CATCH_UP_INTERVAL: Duration = Duration::from_secs(1);

/// How often the tickets due within the hour are read to arm SLA timers.
/// The horizon is an hour, so a minute leaves every timer armed in time.
pub const SLA_SCAN_INTERVAL: Duration = Duration::from_secs(60);

/// How often due report subscriptions are looked for (letters go at 07:00;
/// a minute late is on time).
pub const REPORT_MAIL_INTERVAL: Duration = Duration::from_secs(60);

/// How often surveys due to open are looked for (a minute late is on time).
pub const SURVEY_OPENING_INTERVAL: Duration = Duration::from_secs(60);

/// How often housekeeping runs.
pub const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(300);

/// Expired and revoked tokens are kept this long for the audit trail of
/// "who was signed in", then deleted.
const TOKEN_KEEP_DAYS: i64 = 30;
/// A staff-app photo announced this many days ago whose bytes never came
/// is given up; the phone is then told it was not kept.
const PHOTO_KEEP_DAYS: i64 = 14;
/// A person's in-app notifications are kept this long.
const NOTIFICATION_KEEP_DAYS: i64 = 90;

/// A retried request is recognised by its `Idempotency-Key` this long.
const IDEMPOTENCY_KEEP: chrono::Duration = chrono::Duration::hours(48);

/// What the jobs need besides the application.
#[derive(Debug, Clone, Copy)]
pub struct JobSettings {
    /// Event history kept for reconnecting clients.
    pub event_retention: chrono::Duration,
}

/// The running jobs of a node; aborted when stopped or dropped.
#[derive(Debug)]
pub struct Jobs {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Jobs {
    /// Starts every job. Without live parts (a command-line process) there
    /// is nothing to catch up or arm, so only housekeeping would run; the
    /// binary never starts jobs there.
    pub fn start(app: &App, settings: JobSettings) -> Jobs {
        let mut tasks = Vec::new();
        if let Some(live) = app.live() {
            let hub = live.hub.clone();
            tasks.push(tokio::spawn(every(CATCH_UP_INTERVAL, false, move || {
                hub.catch_up();
                std::future::ready(())
            })));
            let tickets = live.tickets.clone();
            // The first scan right away re-arms every timer after a restart.
            tasks.push(tokio::spawn(every(SLA_SCAN_INTERVAL, true, move || {
                tickets.scan();
                std::future::ready(())
            })));
        }
        let reports = app.clone();
        tasks.push(tokio::spawn(every(REPORT_MAIL_INTERVAL, true, move || {
            let app = reports.clone();
            async move {
                match crate::report_subscriptions::send_due(&app, chrono::Utc::now()).await {
                    Ok(queued) if queued > 0 => tracing::info!(letters = queued, "queued scheduled reports"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "scheduled reports failed"),
                }
            }
        })));
        let mailings = app.clone();
        tasks.push(tokio::spawn(every(SURVEY_OPENING_INTERVAL, true, move || {
            let app = mailings.clone();
            async move {
                match crate::mailings::send_due(&app, chrono::Utc::now()).await {
                    Ok(sent) if sent > 0 => tracing::info!(mailings = sent, "sent scheduled mailings"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "scheduled mailings failed"),
                }
            }
        })));
        let surveys = app.clone();
        tasks.push(tokio::spawn(every(SURVEY_OPENING_INTERVAL, true, move || {
            let app = surveys.clone();
            async move {
                match crate::surveys::announce_due(&app).await {
                    Ok(told) if told > 0 => tracing::info!(surveys = told, "told residents of surveys that opened"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "telling of opened surveys failed"),
                }
            }
        })));
        let app = app.clone();
        tasks.push(tokio::spawn(every(HOUSEKEEPING_INTERVAL, false, move || {
            let app = app.clone();
            async move { housekeeping(&app, settings).await }
        })));
        Jobs { tasks }
    }

    /// Stops every job between two ticks.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Runs `job` every `period` (first after one period, or at once when
/// `now`); a tick missed while a slow run was going is skipped, not
/// queued, so a stalled database does not make the job run in bursts.
async fn every<F, Fut>(period: Duration, now: bool, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let start = if now { tokio::time::Instant::now() } else { tokio::time::Instant::now() + period };
    let mut ticks = tokio::time::interval_at(start, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        job().await;
    }
}

/// One round of housekeeping; each part logs its own failure and the
/// others still run.
pub async fn housekeeping(app: &App, settings: JobSettings) {
    app.sign_in_limiter.forget_idle();
    app.code_limiter.forget_idle();
    app.login_throttle.forget_idle();
    app.search_limiter.forget_idle();
    let cutoff = chrono::Utc::now() - settings.event_retention;
    match app.db.write(move |tx| Box::pin(async move { events::prune_before(tx, cutoff).await })).await {
        Ok(done) if done.value > 0 => tracing::info!(events = done.value, "pruned event history"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "event history pruning failed"),
    }
    let now = chrono::Utc::now();
    let cutoff = now - crate::sign_in_code::FORGET_AFTER;
    let forgot = app.db.write(move |tx| Box::pin(async move { sign_in_codes::forget_before(tx, cutoff, now).await }));
    if let Err(error) = forgot.await {
        tracing::warn!(%error, "sign-in code clean-up failed");
    }
    let cutoff = chrono::Utc::now() - IDEMPOTENCY_KEEP;
    match app.db.write(move |tx| Box::pin(async move { idempotency::prune(tx, cutoff).await })).await {
        Ok(done) if done.value > 0 => tracing::debug!(keys = done.value, "forgot old idempotency keys"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "idempotency key clean-up failed"),
    }
    match auto_close::run(app, app.config.auto_close_after).await {
        Ok(closed) if closed > 0 => tracing::info!(tickets = closed, "closed done tickets nobody confirmed"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "auto-closing done tickets failed"),
    }
    match crate::passes::expire_due(app).await {
        Ok(expired) if expired > 0 => tracing::info!(passes = expired, "expired passes whose period ended"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "expiring passes failed"),
    }
    match crate::calls::end_stale(app).await {
        Ok(ended) if ended > 0 => tracing::info!(calls = ended, "ended calls the PBX never reported the end of"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "ending stale calls failed"),
    }
    match crate::attachments::forget_stale_photos(app, chrono::Duration::days(PHOTO_KEEP_DAYS)).await {
        Ok(forgotten) if forgotten > 0 => {
            tracing::info!(photos = forgotten, "forgot staff-app photos whose bytes never came");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "forgetting unfinished photos failed"),
    }
    let cutoff = chrono::Utc::now() - chrono::Duration::days(NOTIFICATION_KEEP_DAYS);
    match app.db.write(move |tx| Box::pin(async move { devices::prune_notifications(tx, cutoff).await })).await {
        Ok(done) if done.value > 0 => tracing::debug!(notifications = done.value, "forgot old notifications"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "notification clean-up failed"),
    }
    let cutoff = chrono::Utc::now() - chrono::Duration::days(TOKEN_KEEP_DAYS);
    match app.db.write(move |tx| Box::pin(async move { tokens::prune(tx, cutoff).await })).await {
        Ok(done) if done.value > 0 => tracing::info!(tokens = done.value, "deleted long-expired tokens"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "token clean-up failed"),
    }
}
