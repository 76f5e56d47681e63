//! Durable intake: `intake` (creates with unique idempotency keys while a
//! WebSocket client follows the board) and `intake-crash` (the same while
//! the server is killed with SIGKILL and restarted, the client retrying
//! with the same keys).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::lock;
use crate::server::{Server, Spawned, marker};
use crate::stats::{Figures, Latencies, round3};
use crate::ws::{self, Shared};

/// How requests are offered.
#[derive(Debug, Clone, Copy)]
pub enum Offer {
    /// `n` requests in flight at once (closed loop).
    Concurrency(usize),
    /// `r` requests a second whatever the answers take (open loop);
    /// latency counts from the scheduled send time.
    Rate(f64),
}

/// Freezes of the spawned server during an intake run: `count` of `each`,
/// spread evenly over the run.
#[derive(Debug, Clone, Copy)]
pub struct Freezes {
    pub pid: u32,
    pub count: usize,
    pub each: Duration,
}

impl Freezes {
    /// Stops and resumes the process on schedule; returns when done.
    async fn run(self, started: Instant, duration: Duration) -> anyhow::Result<()> {
        let pid = self.pid.to_string();
        let signal = |name: &str| -> anyhow::Result<()> {
            let status = std::process::Command::new("kill").args([name, &pid]).status()?;
            anyhow::ensure!(status.success(), "kill {name} {pid} failed");
            Ok(())
        };
        for i in 1..=self.count {
            let at = started + duration.mul_f64(i as f64 / (self.count + 1) as f64);
            tokio::time::sleep_until(at.into()).await;
            signal("-STOP")?;
            tokio::time::sleep(self.each).await;
            signal("-CONT")?;
        }
        Ok(())
    }
}

/// One answered create: when it was due, when it was answered, the outcome.
struct Answer {
    n: u64,
    due: Instant,
    answered: Instant,
    created: bool,
    error: Option<String>,
}

pub async fn intake(
    server: &Arc<Server>,
    offer: Offer,
    duration: Duration,
    max: usize,
    buildings: usize,
    freezes: Option<Freezes>,
) -> anyhow::Result<Figures> {
    let buildings = Arc::new(server.buildings(buildings.max(1)).await?);
    let run: Arc<str> = Arc::from(uuid::Uuid::now_v7().simple().to_string().as_str());
    // The board: one session following every building.
    let shared = Arc::new(Shared::default());
    let topics: Vec<String> = buildings.iter().map(|b| format!("building:{b}")).collect();
    let board = ws::open_many(1, &server.ws_url(), &topics, &run, &shared, false).await?;
    let started = Instant::now();
    let deadline = started + duration;
    let freezer = freezes.map(|f| tokio::spawn(f.run(started, duration)));
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let create = {
        let (server, buildings, run, answers) = (server.clone(), buildings.clone(), run.clone(), answers.clone());
        move |n: u64, due: Instant| {
            let (server, buildings, run, answers) = (server.clone(), buildings.clone(), run.clone(), answers.clone());
            async move {
                let tag = marker(&run, n);
                let building = &buildings[n as usize % buildings.len()];
                let outcome = server.create(building, &tag, &tag).await;
                let answer = Answer {
                    n,
                    due,
                    answered: Instant::now(),
                    created: matches!(outcome, Ok(s) if s == reqwest::StatusCode::CREATED),
                    error: match outcome {
                        Ok(s) if s == reqwest::StatusCode::CREATED => None,
                        Ok(s) => Some(s.to_string()),
                        Err(e) => Some(format!("{e:#}")),
                    },
                };
                lock(&answers).push(answer);
            }
        }
    };
    match offer {
        Offer::Concurrency(concurrency) => {
            let issued = Arc::new(AtomicUsize::new(0));
            let mut workers = Vec::new();
            for _ in 0..concurrency {
                let (issued, create) = (issued.clone(), create.clone());
                workers.push(tokio::spawn(async move {
                    while Instant::now() < deadline {
                        let n = issued.fetch_add(1, Ordering::Relaxed);
                        if n >= max {
                            break;
                        }
                        create(n as u64, Instant::now()).await;
                    }
                }));
            }
            for worker in workers {
                worker.await?;
            }
        }
        Offer::Rate(rate) => {
            let count = ((rate * duration.as_secs_f64()) as usize).min(max);
            let mut tasks = Vec::with_capacity(count);
            for n in 0..count {
                let due = started + Duration::from_secs_f64(n as f64 / rate);
                tokio::time::sleep_until(due.into()).await;
                tasks.push(tokio::spawn(create(n as u64, due)));
            }
            for task in tasks {
                task.await?;
            }
        }
    }
    let elapsed = started.elapsed();
    if let Some(freezer) = freezer {
        freezer.await??;
    }
    let answers = std::mem::take(&mut *lock(&answers));
    let created: Vec<&Answer> = answers.iter().filter(|a| a.created).collect();
    // Let the last events reach the board (bounded).
    let waited = Instant::now();
    while waited.elapsed() < Duration::from_secs(10) {
        let seen = lock(&board[0].log).receipts.len();
        if seen >= created.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let latency: Latencies = created.iter().map(|a| a.answered - a.due).collect();
    let latency = latency.summary();
    let mut acknowledged = vec![false; answers.len()];
    let mut answered_at = vec![None; answers.len()];
    for a in &created {
        acknowledged[a.n as usize] = true;
        answered_at[a.n as usize] = Some(a.answered);
    }
    // Lag of the board behind the 201 (an event may come first: zero).
    let (seen, missing, repeated, lag) = ws::tally(&board, &acknowledged, 0..answers.len() as u64, |n| {
        answered_at[n as usize].unwrap_or_else(Instant::now)
    });
    let lag = lag.summary();
    // Which tickets the board missed, by answer time: a clue to where.
    let missing_keys: Vec<u64> = {
        let log = lock(&board[0].log);
        let got: std::collections::HashSet<u64> = log.receipts.iter().map(|(n, _)| *n).collect();
        let mut keys: Vec<(Instant, u64)> =
            created.iter().filter(|a| !got.contains(&a.n)).map(|a| (a.answered, a.n)).collect();
        keys.sort();
        keys.into_iter().map(|(_, n)| n).collect()
    };
    let (board_closed, board_resyncs) = {
        let log = lock(&board[0].log);
        (log.closed.clone(), log.resyncs)
    };
    board[0].close();
    // What the database holds of this run: exactly the 201s.
    let stored = server.stored(&run).await?;
    let answered = created.len() as u64;
    let (lost, extra) = (answered.saturating_sub(stored), stored.saturating_sub(answered));
    let failed = (answers.len() - created.len()) as u64;
    let offered = match offer {
        Offer::Concurrency(c) => format!("concurrency {c}"),
        Offer::Rate(r) => format!("offered {r:.0}/s"),
    };
    println!("intake: {answered} created, {failed} failed, in {:.1} s, {offered}", elapsed.as_secs_f64());
    if let Some(f) = freezes {
        println!("  the server stood still {} times for {} ms (SIGSTOP … SIGCONT)", f.count, f.each.as_millis());
    }
    println!("  throughput   {:.0} tickets/s", answered as f64 / elapsed.as_secs_f64());
    println!("  latency      {}", latency.line());
    println!("  stored       {stored} tickets of this run in the database for {answered} answered 201");
    println!(
        "  live board   {seen} of {answered} events arrived ({repeated} twice); lag after the 201: p50 {:.1} ms  p99 {:.1} ms",
        lag.p50, lag.p99
    );
    if let Some(error) = answers.iter().find_map(|a| a.error.as_ref()) {
        println!("  first error: {error}");
    }
    if !missing_keys.is_empty() {
        let last_answer = created.iter().map(|a| a.answered).max().unwrap_or_else(Instant::now);
        let first_missing = created.iter().filter(|a| missing_keys.contains(&a.n)).map(|a| a.answered).min();
        println!(
            "  missed by the board: {} tickets (keys {:?}…), answered from {:.0} ms before the last answer; \
             the board was told to resync {board_resyncs} times",
            missing_keys.len(),
            &missing_keys[..missing_keys.len().min(8)],
            first_missing.map_or(0.0, |f| last_answer.duration_since(f).as_secs_f64() * 1000.0)
        );
    }
    if let Some(reason) = &board_closed {
        println!("  the server closed the board's connection: {reason}");
    }
    let counters = server.delivery_counters().await;
    let mut figures = Figures::new("intake").latency(&latency);
    figures.offered_rate = match offer {
        Offer::Rate(r) => Some(r),
        Offer::Concurrency(_) => None,
    };
    figures.achieved_rate = round3(answered as f64 / elapsed.as_secs_f64());
    figures.errors = failed;
    figures.lost = lost;
    figures.duplicates = extra;
    if let Offer::Concurrency(c) = offer {
        figures = figures.with("concurrency", c);
    }
    for (name, value) in counters {
        figures = figures.with(&name, value);
    }
    let figures = figures
        .with("live_missing", missing)
        .with("live_duplicates", repeated)
        .with("live_lag_p99_ms", round3(lag.p99));
    if failed > 0 || missing > 0 || lost > 0 || extra > 0 || repeated > 0 {
        println!(
            "  FAILED: {failed} requests failed, {lost} acknowledged tickets not stored, {extra} stored twice, \
             {missing} never reached the board, {repeated} reached it twice"
        );
    }
    Ok(figures)
}

/// The raw durable commit rate on the same engine and disk, at the same
/// concurrency, as `baseline` of an intake run.
pub async fn raw_baseline(database_url: &str, concurrency: usize, duration: Duration) -> anyhow::Result<Figures> {
    let (rate, latencies) = crate::baseline::raw_commits(database_url, concurrency, duration).await?;
    let summary = latencies.summary();
    println!("  raw insert+commit: {rate:.0} commits/s at concurrency {concurrency}; {}", summary.line());
    let mut figures = Figures::new("intake-raw-commit").latency(&summary);
    figures.achieved_rate = round3(rate);
    Ok(figures.with("concurrency", concurrency))
}

/// `intake-crash`: `concurrency` clients create tickets for `duration`
/// while the server is killed `kills` times and restarted; a client whose
/// request failed retries it with the same key until it gets its 201.
pub async fn crash(
    server: &Arc<Server>,
    spawned: &mut Spawned,
    concurrency: usize,
    duration: Duration,
    kills: usize,
) -> anyhow::Result<Figures> {
    let building = server.building().await?;
    let run = uuid::Uuid::now_v7().simple().to_string();
    let started = Instant::now();
    let deadline = started + duration;
    // Retries stop this long after the sending ends (bounded).
    let give_up = deadline + Duration::from_secs(30);
    let issued = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (server, building, run, issued) = (server.clone(), building.clone(), run.clone(), issued.clone());
        workers.push(tokio::spawn(async move {
            // key → (attempts, acknowledged)
            let mut mine: HashMap<u64, (u32, bool)> = HashMap::new();
            let mut latencies = Latencies::default();
            while Instant::now() < deadline {
                let n = issued.fetch_add(1, Ordering::Relaxed) as u64;
                let tag = marker(&run, n);
                let first = Instant::now();
                let entry = mine.entry(n).or_insert((0, false));
                while Instant::now() < give_up {
                    entry.0 += 1;
                    match server.create(&building, &tag, &tag).await {
                        Ok(status) if status == reqwest::StatusCode::CREATED => {
                            entry.1 = true;
                            latencies.record(first.elapsed());
                            break;
                        }
                        // Refused, reset, 5xx while the server is down:
                        // the same request again, the same key.
                        _ => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }
            (mine, latencies)
        }));
    }
    // The killer: evenly spread SIGKILLs, each followed by a restart.
    let mut back = Vec::new();
    for k in 0..kills {
        let at = started + duration.mul_f64((k + 1) as f64 / (kills + 1) as f64);
        tokio::time::sleep_until(at.into()).await;
        spawned.kill()?;
        back.push(spawned.restart().await?);
    }
    let mut acknowledged = 0u64;
    let mut unresolved = 0u64;
    let mut retried = 0u64;
    let mut latencies = Latencies::default();
    for worker in workers {
        let (mine, l) = worker.await?;
        latencies.merge(&l);
        for (attempts, acked) in mine.values() {
            if *acked {
                acknowledged += 1;
            } else {
                unresolved += 1;
            }
            if *attempts > 1 {
                retried += 1;
            }
        }
    }
    let stored = server.stored(&run).await?;
    // Every acknowledged key was stored once; an unresolved one (never
    // answered 201 before giving up) may or may not have been.
    let lost = acknowledged.saturating_sub(stored);
    let duplicates = stored.saturating_sub(acknowledged + unresolved);
    let summary = latencies.summary();
    let worst_back = back.iter().max().copied().unwrap_or_default();
    println!(
        "intake-crash: {acknowledged} acknowledged ({retried} after retries, {unresolved} never answered), \
         {kills} SIGKILLs, {stored} stored"
    );
    println!("  lost {lost}, duplicates {duplicates}; back after a kill in at most {:.2} s", worst_back.as_secs_f64());
    println!("  latency to the 201, retries included: {}", summary.line());
    if lost > 0 || duplicates > 0 || unresolved > 0 {
        bail!("{lost} acknowledged tickets lost, {duplicates} duplicates, {unresolved} requests never answered");
    }
    let mut figures = Figures::new("intake-crash").latency(&summary);
    figures.achieved_rate = round3(acknowledged as f64 / started.elapsed().as_secs_f64());
    figures.lost = lost;
    figures.duplicates = duplicates;
    figures.errors = unresolved;
    figures.back_after_s = Some(round3(worst_back.as_secs_f64()));
    Ok(figures.with("kills", kills).with("retried", retried).with("concurrency", concurrency))
}
