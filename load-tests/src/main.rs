//! `domovoy-load`: load tests against a Domovoy server on this machine.
//!
//! `domovoy-load <scenario> --target http://127.0.0.1:PORT [--duration S]
//! [--sessions N] [--rate R] [--baseline] [--json]`, or `--spawn` (with
//! `--database-url` for PostgreSQL) to start and stop a fresh server of
//! its own. With `--json` the last line is one JSON object with the keys of
//! the contract (`scenario`, `offered_rate`, `achieved_rate`, `p50_ms`,
//! `p99_ms`, `p999_ms`, `max_ms`, `errors`, `lost`, `duplicates`, and where
//! they apply `kib_per_session`, `deliveries_per_s`, `recovered_share`,
//! `back_after_s`, `baseline`, `ratio`).
//!
//! Scenarios: `idle`, `board`, `fanout`, `intake`, `intake-crash`,
//! `reconnect`, `cluster`, `board-page`, `search`, `calls`, `desk`, `sip`, `sync`, `push`, `reports`, `mailing` (see `load-tests/README.md`). Every
//! loop is bounded in count and time; only 127.0.0.1 is addressed.

// A report tool: printing the report is its job.
#![allow(clippy::print_stdout)]

mod baseline;
mod calls;
mod desk;
mod intake;
mod live;
mod mailing;
mod pages;
mod push;
mod reports;
mod server;
mod sip;
mod stats;
mod survey;
mod sync;
mod ws;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};

use crate::server::{Proc, Server, Spawned};
use crate::stats::Figures;

/// A mutex's contents even after a panicking holder: what a run recorded
/// is still worth reporting.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug, Parser)]
#[command(name = "domovoy-load", about = "Load tests against a Domovoy server on this machine")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
    /// The server, on this machine (ignored with --spawn).
    #[arg(long = "target", alias = "url", default_value = "http://127.0.0.1:8080", global = true)]
    url: String,
    /// Start a fresh server of our own (and stop it and remove its data at
    /// the end): SQLite in a temporary directory, or a new database on the
    /// PostgreSQL server of --database-url.
    #[arg(long, global = true)]
    spawn: bool,
    /// PostgreSQL: with --spawn, the server a fresh database is created on
    /// (and dropped after); without, the database the intake baseline
    /// writes its scratch table to.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Redis for the nodes of `cluster`.
    #[arg(long, default_value = "redis://127.0.0.1:6379", global = true)]
    redis_url: String,
    /// The server binary --spawn runs (default: `domovoy` beside this one).
    #[arg(long, global = true)]
    server_bin: Option<PathBuf>,
    /// An account that may create and read tickets in every building
    /// (ignored with --spawn, which makes its own).
    #[arg(long, default_value = "admin", global = true)]
    login: String,
    #[arg(long, env = "DOMOVOY_LOAD_PASSWORD", default_value = "demo", global = true, hide_env_values = true)]
    password: String,
    /// Seconds the scenario runs (per step in fanout).
    #[arg(long, global = true)]
    duration: Option<u64>,
    /// Live sessions (WebSocket connections).
    #[arg(long, global = true)]
    sessions: Option<usize>,
    /// Offered rate: requests or events a second (open loop).
    #[arg(long, global = true)]
    rate: Option<f64>,
    /// Also measure the baseline in the same run and report the ratio.
    #[arg(long, global = true)]
    baseline: bool,
    /// Print the figures as one JSON object on the last line.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Idle sessions on two topics: server memory per session; with
    /// --baseline, the bare broadcast server's for as many sessions.
    Idle,
    /// Sessions on a building's topic, tickets at a rate: publish→receive
    /// latency, every delivery counted (default 500 sessions × 10/s, 60 s).
    Board {
        /// Also this many sessions on the same topic that never read (a
        /// frozen app): how many the server cuts, its memory meanwhile,
        /// and whether the others notice.
        #[arg(long, default_value_t = 0)]
        frozen: usize,
    },
    /// Sessions × a doubling event rate until p99 passes 500 ms; with
    /// --baseline, the same against a minimal broadcast server.
    Fanout,
    /// Durable intake: creates with unique idempotency keys (closed loop
    /// at --concurrency, or open loop at --rate); with --baseline, the raw
    /// insert+commit rate of the same database.
    Intake {
        /// Requests in flight at once (closed loop, without --rate).
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Stop after this many requests in all.
        #[arg(long, default_value_t = 1_000_000)]
        max: usize,
        /// Spread the tickets over this many buildings (each its own live
        /// topic), all followed by the board client.
        #[arg(long, default_value_t = 1)]
        buildings: usize,
        /// Stand the spawned server still (SIGSTOP, then SIGCONT) this many
        /// times, spread over the run: a VM paused, a machine swapping. The
        /// writes that queued meanwhile then commit and publish as one
        /// burst, which the board must take (needs --spawn).
        #[arg(long, default_value_t = 0)]
        freezes: usize,
        /// How long each freeze lasts, in milliseconds.
        #[arg(long, default_value_t = 1500)]
        freeze_ms: u64,
    },
    /// Intake while the server is killed with SIGKILL and restarted
    /// (needs --spawn): lost and duplicated acknowledged tickets.
    IntakeCrash {
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// SIGKILLs, spread evenly over the run.
        #[arg(long, default_value_t = 3)]
        kills: usize,
    },
    /// All sessions dropped at once by a server restart (needs --spawn):
    /// time until all are back, share resumed from history.
    Reconnect,
    /// Two nodes on one PostgreSQL and Redis (needs --spawn and
    /// --database-url): sessions on B, tickets created on A, a Redis
    /// stall half-way; lost and duplicated deliveries.
    Cluster {
        /// How long Redis is paused (or, with --restart, away), in seconds.
        #[arg(long, default_value_t = 2.0)]
        stall: f64,
        /// Instead of pausing the Redis of --redis-url, run a Redis of the
        /// tool's own, kill it half-way and start it again empty after
        /// --stall seconds.
        #[arg(long)]
        restart: bool,
    },
    /// The dispatcher's board page with many open tickets in scope.
    BoardPage {
        /// Open tickets the building must hold before timing.
        #[arg(long, default_value_t = 10_000)]
        open: usize,
        /// Page loads to time.
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
    /// The search box over many clients: phones, names with typos, units.
    Search {
        /// Clients the database must hold (imported through the billing
        /// import when missing).
        #[arg(long, default_value_t = 100_000)]
        clients: usize,
        /// Searches to time.
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        /// Searches in flight at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// Telephony: PBX `newCall` webhooks at --rate (default 50/s) for
    /// callers among many clients, dispatchers on the `calls` topic:
    /// ringing → pop-up latency, every pop-up counted.
    Calls {
        /// Clients the database must hold (imported when missing).
        #[arg(long, default_value_t = 100_000)]
        clients: usize,
    },
    /// The guard desk: a building with many passes and a day's visits;
    /// the desk's search timed, and arrivals marked at --rate (default
    /// 20/s) seen live by --sessions other desks (default 2).
    Desk {
        /// Passes the building must hold (issued through the API when
        /// missing).
        #[arg(long, default_value_t = 100_000)]
        passes: usize,
        /// Arrivals to mark before timing (a day's visits).
        #[arg(long, default_value_t = 10_000)]
        visits: usize,
        /// Searches to time.
        #[arg(long, default_value_t = 2_000)]
        searches: usize,
        /// Searches in flight at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// The SIP listener under SIPp: INVITEs at --rate (default 50/s) from
    /// callers among many clients, each cancelled --ring-ms later;
    /// INVITE → pop-up latency and every call accounted for.
    Sip {
        /// Clients the database must hold (imported when missing).
        #[arg(long, default_value_t = 100_000)]
        clients: usize,
        /// How long each call rings before the PBX cancels it.
        #[arg(long, default_value_t = 1_000)]
        ring_ms: u64,
        /// The listener when not --spawn (a spawned server listens on a
        /// free port of its own).
        #[arg(long)]
        listener: Option<String>,
        /// The SIPp binary (Debian's `sip-tester`).
        #[arg(long, default_value = "sipp")]
        sipp: PathBuf,
    },
    /// The staff app's sync: first and delta syncs of a queue of --tickets,
    /// then --devices phones coming online at once with --mutations
    /// changes each; every change checked applied once and in order.
    Sync {
        #[arg(long, default_value_t = 200)]
        devices: usize,
        #[arg(long, default_value_t = 50)]
        mutations: usize,
        #[arg(long, default_value_t = 200)]
        tickets: usize,
        /// Seconds over which the devices come online (0: all at once).
        #[arg(long, default_value_t = 0.0)]
        over: f64,
    },
    /// Pushes through the outbox: --devices browsers of one person, each
    /// told of --tickets assignments, to a local Web Push service that
    /// counts every (device, ticket) once.
    Push {
        #[arg(long, default_value_t = 100)]
        devices: usize,
        #[arg(long, default_value_t = 100)]
        tickets: usize,
    },
    /// A mailing by e-mail to --recipients residents (imported with their
    /// addresses when missing) through the outbox to an SMTP server of the
    /// tool's own: the audience resolved, every letter queued, each
    /// recipient's letters counted; --kills SIGKILLs the server while the
    /// letters go out (with --spawn).
    Mailing {
        #[arg(long, default_value_t = 10_000)]
        recipients: usize,
        #[arg(long, default_value_t = 0)]
        kills: usize,
        /// The spawned server's outbox lease (`outbox.lease_secs`; default
        /// the server's, 60): letters a killed node had claimed wait this
        /// long before another round takes them.
        #[arg(long)]
        lease_secs: Option<u64>,
        /// The spawned server's pace for e-mail (`outbox.per_minute.email`):
        /// letters per minute; unpaced when unset.
        #[arg(long)]
        per_minute: Option<u32>,
        /// Where the SMTP sink listens when the server is not spawned
        /// (configure the server's `mail.smtp_url` to it).
        #[arg(long, default_value = "127.0.0.1:2525")]
        smtp_listen: String,
    },
    /// A survey answered by --residents residents at once, each through
    /// their own account (set up first, not timed): every answer stored
    /// once (retries replayed, double submits refused), the answering
    /// time, and the results' latency over --requests calls.
    Survey {
        #[arg(long, default_value_t = 5_000)]
        residents: usize,
        /// Answers in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 20)]
        requests: usize,
    },
    /// Reports over many tickets (written straight into the spawned
    /// server's database): every report timed for a year of all buildings
    /// and a month of one, with intake running beside.
    Reports {
        #[arg(long, default_value_t = 1_000_000)]
        tickets: u64,
        #[arg(long, default_value_t = 40)]
        buildings: usize,
        /// The tickets are spread over this many years up to now.
        #[arg(long, default_value_t = 3)]
        years: u64,
        /// Requests per report and case.
        #[arg(long, default_value_t = 5)]
        requests: usize,
        /// Tickets a second filed through the API while the reports run (0: none).
        #[arg(long, default_value_t = 100.0)]
        intake_rate: f64,
    },
    /// A generator for benchmarks and trials: fills the database of the
    /// server at --url (given as --database-url, in its own format) with
    /// --tickets tickets of realistic history (statuses, SLA outcomes,
    /// ratings, sources, reopens) over --years years and --buildings
    /// buildings (created through the API when fewer exist). Nothing is
    /// timed; the data stays.
    Generate {
        #[arg(long, default_value_t = 100_000)]
        tickets: u64,
        #[arg(long, default_value_t = 10)]
        buildings: usize,
        #[arg(long, default_value_t = 1)]
        years: u64,
    },
    /// The minimal WebSocket broadcast server the live baselines use.
    #[command(hide = true)]
    BaselineServer {
        #[arg(long)]
        listen: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    server::raise_file_limit();
    if let Scenario::BaselineServer { listen } = &cli.scenario {
        return baseline::broadcast_server(listen).await;
    }
    // The mailing's SMTP sink runs before the server, which is told of it.
    let inbox = mailing::Inbox::default();
    let mut env = Vec::new();
    if let Scenario::Mailing { smtp_listen, lease_secs, per_minute, .. } = &cli.scenario {
        if let Some(lease) = lease_secs {
            env.push(("DOMOVOY_OUTBOX__LEASE_SECS".to_owned(), lease.to_string()));
        }
        if let Some(pace) = per_minute {
            env.push(("DOMOVOY_OUTBOX__PER_MINUTE__EMAIL".to_owned(), pace.to_string()));
        }
        let listen = if cli.spawn { "127.0.0.1:0" } else { smtp_listen.as_str() };
        let address = mailing::smtp_sink(listen, inbox.clone()).await?;
        println!("SMTP sink on {address}");
        env.push(("DOMOVOY_MAIL__SMTP_URL".to_owned(), format!("smtp://{address}")));
        env.push(("DOMOVOY_MAIL__FROM".to_owned(), "Домовой <noreply@load.demo>".to_owned()));
    }
    // Every resident of `survey` signs in from this one address.
    if matches!(cli.scenario, Scenario::Survey { .. }) {
        env.push(("DOMOVOY_AUTH__SIGN_IN_PER_MINUTE".to_owned(), "1000000".to_owned()));
    }
    let own_redis = match cli.scenario {
        // Checked before a Redis is started for nothing.
        Scenario::Cluster { .. } if !cli.spawn => bail!("cluster starts its own nodes: run it with --spawn"),
        Scenario::Cluster { restart: true, .. } => Some(live::OwnRedis::start().await?),
        _ => None,
    };
    let redis_url = own_redis.as_ref().map_or_else(|| cli.redis_url.clone(), live::OwnRedis::url);
    let mut spawned = if cli.spawn {
        let bin = match &cli.server_bin {
            Some(bin) => bin.clone(),
            None => std::env::current_exe()?.with_file_name("domovoy"),
        };
        let redis = matches!(cli.scenario, Scenario::Cluster { .. }).then_some(redis_url.as_str());
        let spawned = Spawned::start(&bin, cli.database_url.as_deref(), redis, env).await?;
        println!("spawned {} on {}", spawned.url, if cli.database_url.is_some() { "PostgreSQL" } else { "SQLite" });
        Some(spawned)
    } else {
        None
    };
    // On PostgreSQL without autovacuum, autovacuum is stood in for.
    let analyzed = match (spawned.as_ref(), &cli.database_url) {
        (Some(s), Some(_)) => Some(s.database_url.clone()),
        (None, Some(url)) => Some(url.clone()),
        (_, None) => None,
    }
    .map(|url| {
        tokio::spawn(async move {
            if let Err(error) = server::autovacuum(url).await {
                eprintln!("autovacuum stand-in stopped: {error:#}");
            }
        })
    });
    let result = run(&cli, spawned.as_mut(), own_redis.as_ref(), inbox).await;
    if let Some(task) = analyzed {
        task.abort();
    }
    if let Some(spawned) = spawned {
        spawned.stop().await.context("stopping the spawned server")?;
    }
    let figures = result?;
    if cli.json {
        println!("{}", serde_json::to_string(&figures)?);
    }
    if figures.lost > 0 || figures.duplicates > 0 {
        bail!("{} lost, {} duplicated", figures.lost, figures.duplicates);
    }
    Ok(())
}

async fn run(
    cli: &Cli,
    mut spawned: Option<&mut Spawned>,
    own_redis: Option<&live::OwnRedis>,
    inbox: mailing::Inbox,
) -> anyhow::Result<Figures> {
    let (url, login, password) = match spawned.as_deref() {
        Some(s) => (s.url.clone(), s.login.clone(), s.password.clone()),
        None => (cli.url.clone(), cli.login.clone(), cli.password.clone()),
    };
    if !url.starts_with("http://127.0.0.1") && !url.starts_with("http://localhost") {
        bail!("load tests run against this machine only (http://127.0.0.1:…)");
    }
    let proc = match spawned.as_deref() {
        Some(s) => s.proc(),
        None => url.rsplit(':').next().and_then(|p| p.trim_end_matches('/').parse().ok()).and_then(Proc::listening_on),
    };
    let server = Arc::new(Server::sign_in(&url, &login, &password).await?);
    let duration = |default: u64| Duration::from_secs(cli.duration.unwrap_or(default));
    let sessions = |default: usize| cli.sessions.unwrap_or(default);
    let rate = |default: f64| cli.rate.unwrap_or(default);
    match &cli.scenario {
        Scenario::Idle => live::idle(&server, proc, sessions(1000), duration(5), cli.baseline).await,
        Scenario::Board { frozen } => {
            live::board(&server, proc, sessions(500), *frozen, rate(10.0), duration(60)).await
        }
        Scenario::Fanout => live::fanout(&server, sessions(1000), rate(10.0), duration(10), cli.baseline).await,
        Scenario::Intake { concurrency, max, buildings, freezes, freeze_ms } => {
            let offer = match cli.rate {
                Some(r) => intake::Offer::Rate(r),
                None => intake::Offer::Concurrency(*concurrency),
            };
            let freezes = match (*freezes, spawned.as_deref()) {
                (0, _) => None,
                (count, Some(s)) => Some(intake::Freezes {
                    pid: s.pid().context("the spawned server is not running")?,
                    count,
                    each: Duration::from_millis(*freeze_ms),
                }),
                (_, None) => bail!("--freezes needs --spawn (a server of our own to stop)"),
            };
            let mut figures = intake::intake(&server, offer, duration(20), *max, *buildings, freezes).await?;
            if cli.baseline {
                let database = match (spawned.as_deref(), &cli.database_url) {
                    (Some(s), _) => s.baseline_database_url(),
                    (None, Some(url)) => url.clone(),
                    (None, None) => bail!("--baseline needs --spawn or --database-url (where the raw commits go)"),
                };
                let theirs = intake::raw_baseline(&database, *concurrency, duration(20)).await?;
                figures.ratio = Some(stats::round3(figures.achieved_rate / theirs.achieved_rate.max(1.0)));
                figures.baseline = Some(Box::new(theirs));
            }
            Ok(figures)
        }
        Scenario::IntakeCrash { concurrency, kills } => {
            let Some(spawned) = spawned.as_deref_mut() else {
                bail!("intake-crash kills the server: run it with --spawn")
            };
            intake::crash(&server, spawned, *concurrency, duration(20), *kills).await
        }
        Scenario::Reconnect => {
            let Some(spawned) = spawned else { bail!("reconnect restarts the server: run it with --spawn") };
            live::reconnect(&server, spawned, sessions(5000), rate(50.0)).await
        }
        Scenario::Cluster { stall, .. } => {
            let Some(spawned) = spawned.as_deref() else { unreachable!("cluster without --spawn is refused above") };
            let stall = Duration::from_secs_f64(*stall);
            let fault = match own_redis {
                Some(redis) => live::RedisFault::Restart(redis),
                None => live::RedisFault::Pause(&cli.redis_url),
            };
            live::cluster(&server, spawned, fault, sessions(200), rate(20.0), duration(30), stall).await
        }
        Scenario::BoardPage { open, requests } => pages::board(server, &login, &password, *open, *requests).await,
        Scenario::Search { clients, requests, concurrency } => {
            pages::search(server, *clients, *requests, *concurrency).await
        }
        Scenario::Calls { clients } => calls::calls(&server, *clients, sessions(10), rate(50.0), duration(60)).await,
        Scenario::Desk { passes, visits, searches, concurrency } => {
            desk::desk(&server, *passes, *visits, *searches, *concurrency, sessions(2), rate(20.0), duration(30)).await
        }
        Scenario::Sip { clients, ring_ms, listener, sipp } => {
            let listener = match (spawned.as_deref(), listener) {
                (_, Some(listener)) => listener.clone(),
                (Some(s), None) => format!("127.0.0.1:{}", s.sip_port),
                (None, None) => {
                    bail!("sip needs --listener 127.0.0.1:PORT (the server's [telephony.sip] listen) or --spawn")
                }
            };
            let run = sip::SipRun {
                listener: &listener,
                sipp,
                clients: *clients,
                sessions: sessions(10),
                rate: rate(50.0),
                duration: duration(60),
                ring: Duration::from_millis(*ring_ms),
            };
            sip::sip(&server, &run).await
        }
        Scenario::Sync { devices, mutations, tickets, over } => {
            sync::sync(&server, *devices, *mutations, *tickets, Duration::from_secs_f64(over.max(0.0))).await
        }
        Scenario::Push { devices, tickets } => push::push(&server, *devices, *tickets).await,
        Scenario::Mailing { recipients, kills, .. } => {
            mailing::mailing(&server, spawned, inbox, *recipients, *kills).await
        }
        Scenario::Survey { residents, concurrency, requests } => {
            survey::survey(&server, (&login, &password), *residents, *concurrency, *requests).await
        }
        Scenario::Reports { tickets, buildings, years, requests, intake_rate } => {
            reports::reports(server.clone(), spawned.as_deref(), *tickets, *buildings, *years, *requests, *intake_rate)
                .await
        }
        Scenario::Generate { tickets, buildings, years } => {
            let database_url = match (spawned.as_deref(), &cli.database_url) {
                (Some(s), _) => s.database_url.clone(),
                (None, Some(url)) => url.clone(),
                (None, None) => bail!("generate writes into the server's database: give it as --database-url"),
            };
            reports::generate(&server, &database_url, *tickets, *buildings, *years).await
        }
        Scenario::BaselineServer { .. } => unreachable!("handled before a server is needed"),
    }
}
