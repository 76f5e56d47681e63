//! The live scenarios: `idle`, `board`, `fanout`, `reconnect`.
//!
//! Events are tickets created through `POST /api/v1/tickets` at an offered
//! rate (open loop: a slow answer does not delay the next request), each
//! description carrying a marker; every session records what it receives,
//! so publish→receive latency is measured in one process from the
//! scheduled send time, and every expected delivery is counted.

use std::ops::Range;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::baseline::{BroadcastServer, Publisher};
use crate::lock;
use crate::server::{Proc, Server, Spawned, Usage, marker};
use crate::stats::{Figures, Latencies, round3};
use crate::ws::{self, Session, Shared};

/// Where events are published: our server (tickets) or the baseline
/// broadcast server (bare frames).
pub enum Events<'a> {
    Ours { server: &'a Arc<Server>, building: &'a str },
    Baseline(&'a mut Publisher),
}

/// Everything published in a run: the schedule and the answers.
#[derive(Default)]
pub struct Published {
    pub sent: Vec<Instant>,
    pub acknowledged: Vec<bool>,
    pub errors: u64,
}

impl Published {
    /// Publishes markers `next..` at `rate` per second for `duration`.
    pub async fn publish(
        &mut self,
        events: &mut Events<'_>,
        run: &str,
        rate: f64,
        duration: Duration,
    ) -> anyhow::Result<Range<u64>> {
        let first = self.sent.len() as u64;
        let count = (rate * duration.as_secs_f64()).round() as u64;
        let start = Instant::now() + Duration::from_millis(10);
        let acks: Arc<Mutex<Vec<(u64, bool)>>> = Arc::default();
        let mut tasks = Vec::new();
        for i in 0..count {
            let n = first + i;
            let at = start + Duration::from_secs_f64(i as f64 / rate);
            tokio::time::sleep_until(at.into()).await;
            self.sent.push(at);
            self.acknowledged.push(false);
            let tag = marker(run, n);
            match events {
                Events::Ours { server, building } => {
                    let (server, building, acks) = ((*server).clone(), (*building).to_owned(), acks.clone());
                    tasks.push(tokio::spawn(async move {
                        let ok = matches!(
                            server.create(&building, &format!("{tag}-key"), &tag).await,
                            Ok(status) if status == reqwest::StatusCode::CREATED
                        );
                        lock(&acks).push((n, ok));
                    }));
                }
                Events::Baseline(publisher) => {
                    let ok = publisher.publish(&tag).await.is_ok();
                    lock(&acks).push((n, ok));
                }
            }
        }
        for task in tasks {
            task.await?;
        }
        for (n, ok) in std::mem::take(&mut *lock(&acks)) {
            self.acknowledged[n as usize] = ok;
            if !ok {
                self.errors += 1;
            }
        }
        Ok(first..first + count)
    }
}

/// Waits (bounded) until the sessions have received every acknowledged
/// marker in `range`, or `grace` passes.
async fn settle(sessions: &[Session], published: &Published, range: &Range<u64>, grace: Duration) {
    let expected = published.acknowledged[range.start as usize..range.end as usize].iter().filter(|a| **a).count();
    let started = Instant::now();
    while started.elapsed() < grace {
        let complete = sessions.iter().all(|s| {
            let log = lock(&s.log);
            log.receipts.iter().filter(|(n, _)| range.contains(n)).count() >= expected
        });
        if complete {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Deliveries of `range`, as [`ws::tally`] counts them.
pub struct Step {
    pub sessions: usize,
    pub rate: f64,
    pub expected: u64,
    pub received: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub errors: u64,
    pub latencies: Latencies,
    pub seconds: f64,
}

impl Step {
    fn measure(sessions: &[Session], published: &Published, range: Range<u64>, rate: f64) -> Step {
        let (received, lost, duplicates, latencies) =
            ws::tally(sessions, &published.acknowledged, range.clone(), |n| published.sent[n as usize]);
        let answers = &published.acknowledged[range.start as usize..range.end as usize];
        let acknowledged = answers.iter().filter(|a| **a).count() as u64;
        Step {
            sessions: sessions.len(),
            rate,
            expected: acknowledged * sessions.len() as u64,
            received,
            lost,
            duplicates,
            errors: answers.len() as u64 - acknowledged,
            latencies,
            seconds: answers.len() as f64 / rate,
        }
    }

    fn deliveries_per_s(&self) -> f64 {
        self.received as f64 / self.seconds
    }

    fn print(&self, label: &str) {
        println!(
            "  {label}: {} sessions × {:.0} events/s: {} of {} delivered ({:.0}/s), lost {}, twice {}, failed publishes {}",
            self.sessions,
            self.rate,
            self.received,
            self.expected,
            self.deliveries_per_s(),
            self.lost,
            self.duplicates,
            self.errors
        );
        println!("    publish→receive {}", self.latencies.summary().line());
    }

    fn figures(&self, scenario: &str) -> Figures {
        let mut figures = Figures::new(scenario).latency(&self.latencies.summary());
        figures.offered_rate = Some(self.rate);
        figures.achieved_rate = round3((self.expected / self.sessions.max(1) as u64) as f64 / self.seconds);
        figures.errors = self.errors;
        figures.lost = self.lost;
        figures.duplicates = self.duplicates;
        figures.deliveries_per_s = Some(round3(self.deliveries_per_s()));
        figures.with("sessions", self.sessions).with("expected", self.expected).with("received", self.received)
    }
}

fn usage_figures(figures: Figures, before: Option<Usage>, after: Option<Usage>, seconds: f64) -> Figures {
    match (before, after) {
        (Some(before), Some(after)) => figures
            .with("server_rss_mib", round3(after.rss_kib as f64 / 1024.0))
            .with("server_cpu_share", round3((after.cpu_s - before.cpu_s) / seconds.max(0.001))),
        _ => figures,
    }
}

fn new_run() -> Arc<str> {
    Arc::from(uuid::Uuid::now_v7().simple().to_string().as_str())
}

/// `idle`: sessions that only follow two topics; server memory per
/// session. With `baseline`, the same number of sessions held by the bare
/// broadcast server, for what a WebSocket costs with nothing of ours.
pub async fn idle(
    server: &Arc<Server>,
    proc: Option<Proc>,
    sessions: usize,
    hold: Duration,
    baseline: bool,
) -> anyhow::Result<Figures> {
    let Some(proc) = proc else { bail!("idle needs the server's process: run with --spawn or on this machine") };
    let building = server.building().await?;
    let topics = vec![format!("building:{building}"), "calls".to_owned()];
    let mut figures = hold_idle("ours", proc, &server.ws_url(), &topics, sessions, hold).await?;
    if baseline {
        let broadcast = BroadcastServer::spawn().await?;
        let theirs = hold_idle("baseline", broadcast.proc(), &broadcast.url, &topics, sessions, hold).await?;
        let ratio = figures.kib_per_session.unwrap_or(0.0) / theirs.kib_per_session.unwrap_or(0.0).max(0.001);
        figures.ratio = Some(round3(ratio));
        figures.baseline = Some(Box::new(theirs));
    }
    Ok(figures)
}

async fn hold_idle(
    label: &str,
    proc: Proc,
    url: &str,
    topics: &[String],
    sessions: usize,
    hold: Duration,
) -> anyhow::Result<Figures> {
    let before = proc.usage().unwrap_or_default();
    let shared = Arc::new(Shared::default());
    let run = new_run();
    let started = Instant::now();
    let opened = ws::open_many(sessions, url, topics, &run, &shared, false).await?;
    let connect_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(hold).await;
    let after = proc.usage().unwrap_or_default();
    let errors: u64 = opened.iter().map(|s| u64::from(lock(&s.log).errors)).sum();
    let alive = shared.ready.load(Ordering::Relaxed);
    let per_session = (after.rss_kib.saturating_sub(before.rss_kib)) as f64 / sessions.max(1) as f64;
    println!(
        "idle ({label}): {sessions} sessions on {} topics each, subscribed in {connect_s:.1} s; \
         server RSS {} → {} MiB: {per_session:.1} KiB per session",
        topics.len(),
        before.rss_kib / 1024,
        after.rss_kib / 1024
    );
    for session in &opened {
        session.close();
    }
    let mut figures = Figures::new("idle");
    figures.achieved_rate = round3(alive as f64 / connect_s);
    figures.errors = errors;
    figures.kib_per_session = Some(round3(per_session));
    Ok(figures.with("sessions", sessions).with("server_rss_mib", round3(after.rss_kib as f64 / 1024.0)))
}

/// `board`: `sessions` on one building's topic, `rate` tickets a second
/// for `duration`. With `frozen`, as many more sessions follow the same
/// topic and never read: the server must cut them, keep its memory
/// bounded, and deliver to the others as if they were not there.
pub async fn board(
    server: &Arc<Server>,
    proc: Option<Proc>,
    sessions: usize,
    frozen: usize,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Figures> {
    let building = server.building().await?;
    let topic = format!("building:{building}");
    let run = new_run();
    let shared = Arc::new(Shared::default());
    let opened = ws::open_many(sessions, &server.ws_url(), std::slice::from_ref(&topic), &run, &shared, false).await?;
    let mut stopped = Vec::with_capacity(frozen);
    for _ in 0..frozen {
        stopped.push(ws::Frozen::open(&server.ws_url(), &topic).await?);
    }
    let drops_before = slow_drops(server).await;
    let before = proc.and_then(Proc::usage);
    let peak = proc.map(RssPeak::start);
    let mut published = Published::default();
    let range = published.publish(&mut Events::Ours { server, building: &building }, &run, rate, duration).await?;
    settle(&opened, &published, &range, Duration::from_secs(10)).await;
    let after = proc.and_then(Proc::usage);
    let peak_kib = match peak {
        Some(peak) => peak.stop().await,
        None => 0,
    };
    let step = Step::measure(&opened, &published, range, rate);
    println!("board:");
    step.print("ours");
    for session in &opened {
        session.close();
    }
    let mut figures = usage_figures(step.figures("board"), before, after, duration.as_secs_f64());
    if frozen > 0 {
        let cut = slow_drops(server).await - drops_before;
        let thawed = futures_util::future::join_all(stopped.into_iter().map(|s| s.thaw(Duration::from_secs(5)))).await;
        let still_open = thawed.iter().filter(|t| t.ended.is_none()).count();
        let frames: Vec<u64> = thawed.iter().map(|t| t.frames).collect();
        let (least, most) = (frames.iter().min().copied().unwrap_or(0), frames.iter().max().copied().unwrap_or(0));
        let endings: std::collections::BTreeSet<&str> = thawed.iter().filter_map(|t| t.ended.as_deref()).collect();
        println!(
            "  frozen: {frozen} sessions that never read; the server cut {cut} as too slow, {still_open} still open; \
             each then read {least}–{most} frames before the end ({})",
            endings.into_iter().collect::<Vec<_>>().join("; ")
        );
        println!(
            "  server RSS: {} MiB before, peak {} MiB, {} MiB after",
            before.map_or(0, |u| u.rss_kib / 1024),
            peak_kib / 1024,
            after.map_or(0, |u| u.rss_kib / 1024)
        );
        figures = figures
            .with("frozen", frozen)
            .with("frozen_cut", cut)
            .with("frozen_still_open", still_open)
            .with("server_rss_peak_mib", round3(peak_kib as f64 / 1024.0));
    }
    for (name, value) in server.delivery_counters().await {
        figures = figures.with(&name, value);
    }
    Ok(figures)
}

/// Sessions the server has cut as too slow so far (0 if it does not say).
async fn slow_drops(server: &Server) -> f64 {
    server
        .delivery_counters()
        .await
        .into_iter()
        .find(|(name, _)| name == "server_slow_consumer_drops")
        .map_or(0.0, |(_, v)| v)
}

/// The highest resident memory of a process, sampled four times a second
/// until stopped.
struct RssPeak {
    stop: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<u64>,
}

impl RssPeak {
    fn start(proc: Proc) -> RssPeak {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let task = tokio::spawn(async move {
            let mut peak = 0;
            while !stopping.load(Ordering::Relaxed) {
                peak = proc.usage().map_or(peak, |u| peak.max(u.rss_kib));
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            peak
        });
        RssPeak { stop, task }
    }

    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or(0)
    }
}

/// `fanout`: `sessions` on one topic, the event rate doubling from 10 a
/// second each `duration`, until p99 passes 500 ms (or anything is lost);
/// the headline is the most deliveries a second within it.
pub async fn fanout(
    server: &Arc<Server>,
    sessions: usize,
    start_rate: f64,
    duration: Duration,
    baseline: bool,
) -> anyhow::Result<Figures> {
    let building = server.building().await?;
    let mut ours = {
        let mut events = Events::Ours { server, building: &building };
        fanout_steps(
            "ours",
            &server.ws_url(),
            &format!("building:{building}"),
            &mut events,
            sessions,
            start_rate,
            duration,
        )
        .await?
    };
    if baseline {
        let broadcast = BroadcastServer::spawn().await?;
        let mut publisher = Publisher::connect(&broadcast.url).await?;
        let mut events = Events::Baseline(&mut publisher);
        let theirs =
            fanout_steps("baseline", &broadcast.url, "baseline", &mut events, sessions, start_rate, duration).await?;
        let ratio = ours.deliveries_per_s.unwrap_or(0.0) / theirs.deliveries_per_s.unwrap_or(0.0).max(1.0);
        ours.ratio = Some(round3(ratio));
        ours.baseline = Some(Box::new(theirs));
    }
    Ok(ours)
}

async fn fanout_steps(
    label: &str,
    url: &str,
    topic: &str,
    events: &mut Events<'_>,
    sessions: usize,
    start_rate: f64,
    duration: Duration,
) -> anyhow::Result<Figures> {
    let run = new_run();
    let mut published = Published::default();
    let mut best: Option<Step> = None;
    let (mut good, mut bad): (Option<f64>, Option<f64>) = (None, None);
    let mut rate = start_rate;
    println!("fanout ({label}):");
    // Bounded: at most 10 steps. The rate doubles until a step misses,
    // then halves the interval between the last good and the first bad
    // rate until they are within 15 % of each other.
    for _ in 0..10 {
        // Fresh sessions each step: a session the server dropped as too
        // slow in a missed step must not count against the next one.
        let shared = Arc::new(Shared::default());
        let opened = ws::open_many(sessions, url, &[topic.to_owned()], &run, &shared, false).await?;
        let range = published.publish(events, &run, rate, duration).await?;
        settle(&opened, &published, &range, Duration::from_secs(5)).await;
        let step = Step::measure(&opened, &published, range, rate);
        for session in &opened {
            session.close();
        }
        step.print(&format!("{rate:.0}/s"));
        if step.latencies.summary().p99 <= 500.0 && step.lost == 0 && step.errors == 0 {
            good = Some(rate);
            if best.as_ref().is_none_or(|b| step.deliveries_per_s() > b.deliveries_per_s()) {
                best = Some(step);
            }
        } else {
            bad = Some(rate);
        }
        rate = match (good, bad) {
            (_, None) => rate * 2.0,
            (Some(g), Some(b)) if b / g > 1.15 => (g + b) / 2.0,
            _ => break,
        };
    }
    let Some(best) = best else { bail!("{label}: even {start_rate} events/s missed p99 ≤ 500 ms") };
    Ok(best.figures("fanout").with("first_missed_rate", bad))
}

/// `reconnect`: `sessions` on one topic with some history; the server is
/// restarted (SIGKILL, as a crash), every session reconnects and resumes
/// from its last sequence number. Events keep being published while they
/// come back; every acknowledged one must arrive exactly once.
pub async fn reconnect(
    server: &Arc<Server>,
    spawned: &mut Spawned,
    sessions: usize,
    rate: f64,
) -> anyhow::Result<Figures> {
    let building = server.building().await?;
    let run = new_run();
    let shared = Arc::new(Shared::default());
    let opened =
        ws::open_many(sessions, &server.ws_url(), &[format!("building:{building}")], &run, &shared, true).await?;
    let mut published = Published::default();
    let before = published
        .publish(&mut Events::Ours { server, building: &building }, &run, rate, Duration::from_secs(2))
        .await?;
    settle(&opened, &published, &before, Duration::from_secs(10)).await;
    spawned.kill()?;
    let killed = Instant::now();
    let ready = spawned.restart().await?;
    println!("reconnect: server killed and back in {:.2} s; {sessions} sessions reconnecting…", ready.as_secs_f64());
    // Events while the sessions come back: those missed come from history.
    let during = published
        .publish(&mut Events::Ours { server, building: &building }, &run, rate, Duration::from_secs(2))
        .await?;
    // Bounded wait for every session to be subscribed again.
    let deadline = Instant::now() + Duration::from_secs(60);
    let back = loop {
        let (count, last) = opened.iter().fold((0usize, killed), |(count, last), s| {
            let log = lock(&s.log);
            match log.back_at {
                Some(at) if at > killed => (count + 1, last.max(at)),
                _ => (count, last),
            }
        });
        if count == sessions {
            break Some(last.duration_since(killed));
        }
        if Instant::now() > deadline {
            println!("  only {count} of {sessions} sessions came back within 60 s");
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let all = before.start..during.end;
    settle(&opened, &published, &all, Duration::from_secs(10)).await;
    let step = Step::measure(&opened, &published, all, rate);
    // Back from history: subscribed again after the kill, never told to
    // reload since.
    let (mut resyncs, mut recovered, mut reconnects) = (0u32, 0usize, 0u32);
    for session in &opened {
        let log = lock(&session.log);
        resyncs += log.resyncs;
        reconnects += log.reconnects;
        if log.back_at.is_some_and(|at| at > killed) && log.last_resync.is_none_or(|at| at < killed) {
            recovered += 1;
        }
    }
    let recovered = recovered as f64 / sessions.max(1) as f64;
    shared.stop.store(true, Ordering::Relaxed);
    for session in &opened {
        session.close();
    }
    step.print("events around the restart");
    println!(
        "  all back after {}; recovered from history {:.1} %, told to resync {resyncs}, reconnections {reconnects}",
        back.map_or("—".to_owned(), |b| format!("{:.2} s", b.as_secs_f64())),
        recovered * 100.0
    );
    let mut figures = step.figures("reconnect");
    figures.back_after_s = back.map(|b| round3(b.as_secs_f64()));
    figures.recovered_share = Some(round3(recovered));
    Ok(figures
        .with("server_ready_s", round3(ready.as_secs_f64()))
        .with("resyncs", resyncs)
        .with("reconnects", reconnects))
}

/// What happens to Redis half-way through `cluster`.
pub enum RedisFault<'a> {
    /// `CLIENT PAUSE` on the Redis of this URL: it hangs (connections stay
    /// open, nothing is answered) for the stall.
    Pause(&'a str),
    /// The tool's own Redis is killed and, after the stall, started again
    /// empty on the same port.
    Restart(&'a OwnRedis),
}

impl RedisFault<'_> {
    /// Makes Redis fail for `stall`, then brings it back.
    async fn inflict(&self, stall: Duration) -> anyhow::Result<()> {
        match self {
            RedisFault::Pause(url) => pause_redis(url, stall).await,
            RedisFault::Restart(redis) => redis.restart_empty(stall).await,
        }
    }

    /// What happened to Redis, for the report.
    fn described(&self) -> &'static str {
        match self {
            RedisFault::Pause(_) => "paused",
            RedisFault::Restart(_) => "killed and started empty after",
        }
    }
}

/// `cluster`: two nodes on one PostgreSQL and one Redis. `sessions` follow
/// a building on node B while tickets are created on node A at `rate` for
/// `duration`; half-way, Redis fails for `stall` (`fault`), and every
/// acknowledged ticket must still reach every session exactly once.
pub async fn cluster(
    a: &Arc<Server>,
    spawned: &Spawned,
    fault: RedisFault<'_>,
    sessions: usize,
    rate: f64,
    duration: Duration,
    stall: Duration,
) -> anyhow::Result<Figures> {
    let node = spawned.another_node().await?;
    let b = Server::sign_in(&node.url, &spawned.login, &spawned.password).await?;
    let building = a.building().await?;
    let run = new_run();
    let shared = Arc::new(Shared::default());
    let opened = ws::open_many(sessions, &b.ws_url(), &[format!("building:{building}")], &run, &shared, false).await?;
    // The nodes' Redis subscriptions are in place well within this.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let failing = async {
        tokio::time::sleep(duration / 2).await;
        fault.inflict(stall).await
    };
    let mut published = Published::default();
    let mut events = Events::Ours { server: a, building: &building };
    let publishing = published.publish(&mut events, &run, rate, duration);
    let (range, failed) = tokio::join!(publishing, failing);
    let range = range?;
    failed?;
    settle(&opened, &published, &range, Duration::from_secs(15)).await;
    let step = Step::measure(&opened, &published, range, rate);
    println!(
        "cluster: created on node A, followed on node B, Redis {} {:.1} s half-way",
        fault.described(),
        stall.as_secs_f64()
    );
    step.print("A → B");
    for session in &opened {
        session.close();
    }
    drop(node);
    let restarted = matches!(fault, RedisFault::Restart(_));
    Ok(step.figures("cluster").with("redis_stall_s", stall.as_secs_f64()).with("redis_restarted", restarted))
}

/// A Redis of the tool's own (`cluster --restart`): `redis-server` on a
/// free loopback port, keeping nothing on disk, killed when dropped.
pub struct OwnRedis {
    child: Mutex<std::process::Child>,
    port: u16,
}

impl OwnRedis {
    pub async fn start() -> anyhow::Result<OwnRedis> {
        let port = crate::server::free_port()?;
        let redis = OwnRedis { child: Mutex::new(Self::spawn(port)?), port };
        redis.wait_listening().await?;
        Ok(redis)
    }

    fn spawn(port: u16) -> anyhow::Result<std::process::Child> {
        std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .context("cluster --restart runs its own redis-server: is Redis installed?")
    }

    async fn wait_listening(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
            if Instant::now() > deadline {
                bail!("redis-server did not listen on port {} within 10 s", self.port);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// SIGKILL; `down` later, a new and empty Redis on the same port.
    async fn restart_empty(&self, down: Duration) -> anyhow::Result<()> {
        self.kill();
        tokio::time::sleep(down).await;
        *lock(&self.child) = Self::spawn(self.port)?;
        self.wait_listening().await
    }

    fn kill(&self) {
        let mut child = lock(&self.child);
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `CLIENT PAUSE <ms> ALL` on the Redis of `url` (`redis://host:port[/db]`):
/// every client of it waits, as in a Redis stall.
async fn pause_redis(url: &str, stall: Duration) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = url
        .strip_prefix("redis://")
        .and_then(|rest| rest.rsplit('@').next())
        .and_then(|rest| rest.split('/').next())
        .filter(|a| a.starts_with("127.0.0.1:") || a.starts_with("localhost:"))
        .with_context(|| format!("not a Redis on this machine: {url}"))?;
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let millis = stall.as_millis().to_string();
    let command = format!("*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n${}\r\n{millis}\r\n$3\r\nALL\r\n", millis.len());
    stream.write_all(command.as_bytes()).await?;
    let mut reply = [0u8; 64];
    let n = stream.read(&mut reply).await?;
    if !reply[..n].starts_with(b"+OK") {
        bail!("Redis refused the pause: {}", String::from_utf8_lossy(&reply[..n]));
    }
    Ok(())
}
