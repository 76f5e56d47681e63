//! The `reports` scenario: a database filled with `--tickets` tickets over
//! `--years` years and `--buildings` buildings, with a call for every
//! second ticket and a guest's visit for every fourth (written straight
//! into the spawned server's database, in its own format), then every
//! report timed over HTTP for a year of all buildings and a month of one,
//! while intake runs beside at `--intake-rate` tickets a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use serde_json::{Value, json};
use sqlx::Connection as _;

use crate::server::{Server, Spawned, marker};
use crate::stats::{Figures, Latencies, Summary, round3};

const REPORTS: [&str; 7] = ["sla", "backlog", "workload", "quality", "sources", "calls", "visits"];
/// A call is generated beside every `CALL_EVERY`th ticket, a visit
/// (with its guest's pass) beside every `VISIT_EVERY`th: half as many calls
/// as tickets (phone is 3 of 8 tickets' source, and some calls file
/// nothing), a quarter as many visits.
const CALL_EVERY: u64 = 2;
const VISIT_EVERY: u64 = 4;
/// Generated tickets are numbered from here, far above what intake
/// numbers in a year: no clash with it.
const FIRST_SEQ: u64 = 50_000_000;
/// Rows per INSERT statement.
const CHUNK: usize = 500;

/// A small deterministic generator (xorshift): the same data every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn time(at: DateTime<Utc>) -> String {
    format!("'{}'", at.to_rfc3339_opts(SecondsFormat::AutoSi, false))
}

/// One generated ticket as SQL values, in [`COLUMNS`] order, and, for one
/// that was reopened, its history entry in [`HISTORY_COLUMNS`] order (the
/// database's trigger counts it into `reopen_count`, as for a real one).
fn row(rng: &mut Rng, n: u64, building: &str, now: DateTime<Utc>, days: u64, pg: bool) -> (String, Option<String>) {
    let uuid = |u: &str| if pg { format!("'{u}'") } else { format!("X'{}'", u.replace('-', "")) };
    let created = now - chrono::Duration::minutes(i64::try_from(rng.below(days * 1440)).unwrap_or(0) + 5);
    // A v7 id of the filing time, as the server makes them.
    let seconds = u64::try_from(created.timestamp()).unwrap_or_default();
    let id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        seconds,
        u32::try_from(n % 1_000_000).unwrap_or(0) * 1000,
    ));
    let source = ["phone", "phone", "phone", "resident_app", "web_cabinet", "email", "walk_in", "staff"]
        [usize::try_from(rng.below(8)).unwrap_or(0)];
    let priority = ["normal", "normal", "normal", "high", "emergency"][usize::try_from(rng.below(5)).unwrap_or(0)];
    let age_days = (now - created).num_days();
    let respond = chrono::Duration::minutes(i64::try_from(rng.below(90)).unwrap_or(0) + 2);
    let resolve = chrono::Duration::minutes(i64::try_from(rng.below(48 * 60)).unwrap_or(0) + 30);
    let (status, responded, resolved) = if age_days > 14 || created + resolve < now - chrono::Duration::days(2) {
        let status =
            ["closed", "closed", "closed", "done", "cancelled", "rejected"][usize::try_from(rng.below(6)).unwrap_or(0)];
        let worked = matches!(status, "closed" | "done");
        (status, Some(created + respond), worked.then_some(created + resolve))
    } else {
        let status =
            ["new", "accepted", "assigned", "in_progress", "on_hold"][usize::try_from(rng.below(5)).unwrap_or(0)];
        (status, (status != "new").then_some(created + respond), None)
    };
    let response_due = created + chrono::Duration::minutes(60);
    let resolution_due = created + chrono::Duration::hours(24);
    let rating = (resolved.is_some() && rng.below(10) < 6)
        .then(|| [5, 5, 5, 4, 4, 3, 2, 1][usize::try_from(rng.below(8)).unwrap_or(0)]);
    let reopened = resolved.is_some() && rng.below(100) < 3;
    let state = match resolved {
        Some(at) if at <= resolution_due => "met",
        Some(_) => "breached",
        None if now >= resolution_due && status != "cancelled" && status != "rejected" => "breached",
        None => "active",
    };
    let opt = |at: Option<DateTime<Utc>>| at.map_or_else(|| "NULL".to_owned(), time);
    let history = resolved.filter(|_| reopened).map(|at| {
        let at = at + chrono::Duration::hours(1);
        let seconds = u64::try_from(at.timestamp()).unwrap_or_default();
        let entry = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            seconds,
            u32::try_from(n % 1_000_000).unwrap_or(0) * 1000,
        ));
        format!(
            "({}, {}, {}, NULL, 'Житель', 'status', '{{\"from\":\"done\",\"to\":\"reopened\"}}', {})",
            uuid(&entry.to_string()),
            uuid(&id.to_string()),
            time(at),
            if pg { "true" } else { "1" },
        )
    });
    let ticket = format!(
        "({id}, {year}, {seq}, '{source}', {building}, '{priority}', 'Нагрузка отчётов: течёт кран', '{status}', 1, {created}, {updated}, \
         {responded}, {resolved}, {closed}, '{state}', {response_due}, {resolution_due}, {used}, {rating}, {flagged}, '{n:08} течёт кран', 0)",
        id = uuid(&id.to_string()),
        year = created.year(),
        seq = FIRST_SEQ + n,
        building = uuid(building),
        created = time(created),
        updated = time(resolved.unwrap_or(created)),
        responded = opt(responded),
        resolved = opt(resolved),
        closed = opt(resolved.filter(|_| status == "closed")),
        response_due = time(response_due),
        resolution_due = time(resolution_due),
        used = resolved.map_or(0, |at| (at - created).num_minutes()),
        rating = rating.map_or_else(|| "NULL".to_owned(), |r| r.to_string()),
        flagged = if pg { "false" } else { "0" },
    );
    (ticket, history)
}

/// A v7 id of `at`, distinct for each `n` within a second.
fn id_at(at: DateTime<Utc>, n: u64) -> uuid::Uuid {
    let seconds = u64::try_from(at.timestamp()).unwrap_or_default();
    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        seconds,
        u32::try_from(n % 1_000_000).unwrap_or(0) * 1000,
    ))
}

/// One generated call in [`CALL_COLUMNS`] order: nine of ten inbound; of
/// those, most answered (some after more than five minutes), some missed
/// or busy and then called back (mostly within ten minutes, some late,
/// some of the last days not yet); an operator of the first few staff
/// (`operators` SQL expressions), a building for most.
fn call_row(
    rng: &mut Rng,
    n: u64,
    building: &str,
    operators: &[String],
    now: DateTime<Utc>,
    days: u64,
    pg: bool,
) -> String {
    let uuid = |u: &str| if pg { format!("'{u}'") } else { format!("X'{}'", u.replace('-', "")) };
    let started = now - chrono::Duration::minutes(i64::try_from(rng.below(days * 1440)).unwrap_or(0) + 5);
    let id = id_at(started, n);
    let inbound = rng.below(10) > 0;
    let wait = chrono::Duration::seconds(i64::try_from(rng.below(360)).unwrap_or(0) + 3);
    let outcome = rng.below(100);
    let (result, answered, cause) = match outcome {
        0..=84 => ("answered", Some(started + wait), "normalClearing"),
        85..=96 => ("missed", None, "noAnswer"),
        _ => ("busy", None, "busy"),
    };
    let ended = answered
        .map_or(started + wait, |at| at + chrono::Duration::seconds(i64::try_from(rng.below(600)).unwrap_or(0) + 20));
    let operator_at = usize::try_from(rng.below(operators.len() as u64)).unwrap_or(0);
    let operator = answered.and_then(|_| operators.get(operator_at)).map_or_else(|| "NULL".to_owned(), Clone::clone);
    let extension = answered.map_or_else(|| "NULL".to_owned(), |_| format!("'{}'", 101 + operator_at));
    let missed = inbound && answered.is_none();
    let due = missed.then(|| ended + chrono::Duration::minutes(10));
    // Called back 1 to 30 minutes after the call: in time up to 10.
    let done = due.and_then(|_| {
        let at = ended + chrono::Duration::minutes(i64::try_from(rng.below(30)).unwrap_or(0) + 1);
        (at < now && rng.below(10) < 9).then_some(at)
    });
    let building = if rng.below(100) < 85 { uuid(building) } else { "NULL".to_owned() };
    let opt = |at: Option<DateTime<Utc>>| at.map_or_else(|| "NULL".to_owned(), time);
    let (from, to) = if inbound {
        (format!("+7916{:07}", n % 10_000_000), "+74950000000".to_owned())
    } else {
        ("+74950000000".to_owned(), format!("+7916{:07}", n % 10_000_000))
    };
    format!(
        "({id}, 'sip', 'gen-{n}', '{direction}', '{from}', '{to}', '{from}', '{to}', NULL, {extension}, {operator}, 'ended', '{result}', \
         '{cause}', {yes}, {no}, {started}, {answered}, {ended}, NULL, {building}, '[]', {due}, {done}, NULL, NULL, {ended})",
        id = uuid(&id.to_string()),
        direction = if inbound { "in" } else { "out" },
        yes = if pg { "true" } else { "1" },
        no = if pg { "false" } else { "0" },
        started = time(started),
        answered = opt(answered),
        ended = time(ended),
        due = opt(due),
        done = opt(done),
    )
}

/// One generated guest's pass and its visit, in [`PASS_COLUMNS`] and
/// [`VISIT_COLUMNS`] order: a pass for a day or two, the guest arrives
/// within it and stays from ten minutes to four hours; one in twenty
/// stays past the pass's end; those of the last hours may still be on site.
fn visit_rows(rng: &mut Rng, n: u64, building: &str, now: DateTime<Utc>, days: u64, pg: bool) -> (String, String) {
    let uuid = |u: &str| if pg { format!("'{u}'") } else { format!("X'{}'", u.replace('-', "")) };
    let hash = |u: &uuid::Uuid| if pg { format!("'\\x{}'::bytea", u.simple()) } else { format!("X'{}'", u.simple()) };
    let arrived = now - chrono::Duration::minutes(i64::try_from(rng.below(days * 1440)).unwrap_or(0) + 5);
    let valid_from = arrived - chrono::Duration::minutes(i64::try_from(rng.below(600)).unwrap_or(0));
    let overstay = rng.below(20) == 0;
    let stay = chrono::Duration::minutes(i64::try_from(rng.below(230)).unwrap_or(0) + 10);
    let valid_until = if overstay {
        arrived + stay / 2
    } else {
        arrived + stay + chrono::Duration::hours(i64::try_from(rng.below(36)).unwrap_or(0) + 1)
    };
    let departed = (arrived + stay < now).then_some(arrived + stay);
    let kind =
        ["guest", "guest", "guest", "delivery", "contractor", "vehicle"][usize::try_from(rng.below(6)).unwrap_or(0)];
    let pass = id_at(valid_from, n);
    let visit = id_at(arrived, n);
    let name = format!("Гость {n:08}");
    let pass_row = format!(
        "({id}, {building}, '{kind}', '{status}', '{name}', '{search}', 'once', {from}, {until}, '{pin:06}', {link}, 1, {from}, {updated})",
        id = uuid(&pass.to_string()),
        building = uuid(building),
        status = if departed.is_some() { "closed" } else { "on_site" },
        search = name.to_lowercase(),
        from = time(valid_from),
        until = time(valid_until),
        pin = n % 1_000_000,
        // Unique to the generated pass; no link leads to it.
        link = hash(&uuid::Uuid::from_u128((0x6c6f_6164_u128 << 96) | u128::from(n))),
        updated = time(departed.unwrap_or(arrived)),
    );
    let visit_row = format!(
        "({id}, {pass}, {building}, {arrived}, {departed})",
        id = uuid(&visit.to_string()),
        pass = uuid(&pass.to_string()),
        building = uuid(building),
        arrived = time(arrived),
        departed = departed.map_or_else(|| "NULL".to_owned(), time),
    );
    (pass_row, visit_row)
}

const CALL_COLUMNS: &str = "id, source, pbx_call_id, direction, from_number, to_number, from_e164, to_e164, queue, \
     operator_extension, operator_id, state, result, end_cause, rang, rejected, started_at, answered_at, ended_at, \
     recording_url, building_id, routed_to, callback_due_at, callback_done_at, callback_by, callback_note, updated_at";
const PASS_COLUMNS: &str = "id, building_id, kind, status, visitor_name, visitor_search, validity, valid_from, valid_until, \
     pin, link_hash, version, created_at, updated_at";
const VISIT_COLUMNS: &str = "id, pass_id, building_id, arrived_at, departed_at";

const COLUMNS: &str = "id, year, seq, source, building_id, priority, description, status, version, created_at, updated_at, \
     responded_at, resolved_at, closed_at, sla_state, response_due, resolution_due, sla_used_minutes, rating, flagged, \
     search_text, reopen_count";
const HISTORY_COLUMNS: &str = "id, ticket_id, at, actor_id, actor_name, kind, data, public";

/// Fills the database with `count` tickets spread over `buildings`,
/// numbered after those an earlier run wrote.
async fn fill(database_url: &str, buildings: &[String], count: u64, years: u64) -> anyhow::Result<()> {
    let pg = database_url.starts_with("postgres");
    let now = Utc::now();
    let first = generated_before(database_url).await?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ first);
    let started = Instant::now();
    // The first few staff answer the generated calls.
    let operators: Vec<String> =
        (0..8).map(|k| format!("(SELECT id FROM users ORDER BY created_at, id LIMIT 1 OFFSET {k})")).collect();
    let days = years * 365;
    let mut statements = Vec::new();
    let mut n = first;
    while n < first + count {
        let (mut rows, mut history, mut calls, mut passes, mut visits) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in n..(n + CHUNK as u64).min(first + count) {
            let building = &buildings[usize::try_from(i).unwrap_or(0) % buildings.len()];
            let (ticket, reopened) = row(&mut rng, i, building, now, days, pg);
            rows.push(ticket);
            history.extend(reopened);
            if i % CALL_EVERY == 0 {
                calls.push(call_row(&mut rng, i, building, &operators, now, days, pg));
            }
            if i % VISIT_EVERY == 0 {
                let (pass, visit) = visit_rows(&mut rng, i, building, now, days, pg);
                passes.push(pass);
                visits.push(visit);
            }
        }
        n += rows.len() as u64;
        for (table, columns, values) in [
            ("tickets", COLUMNS, &rows),
            ("ticket_history", HISTORY_COLUMNS, &history),
            ("calls", CALL_COLUMNS, &calls),
            ("passes", PASS_COLUMNS, &passes),
            ("visits", VISIT_COLUMNS, &visits),
        ] {
            if !values.is_empty() {
                statements.push(format!("INSERT INTO {table} ({columns}) VALUES {}", values.join(", ")));
            }
        }
    }
    if pg {
        let mut conn = sqlx::PgConnection::connect(database_url).await?;
        for batch in statements.chunks(40) {
            let mut tx = conn.begin().await?;
            for sql in batch {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.as_str())).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
        sqlx::raw_sql("ANALYZE tickets, ticket_history, calls, passes, visits").execute(&mut conn).await?;
        conn.close().await?;
    } else {
        use std::str::FromStr as _;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(database_url)?.busy_timeout(Duration::from_secs(60));
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
        for batch in statements.chunks(40) {
            let mut tx = conn.begin().await?;
            for sql in batch {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.as_str())).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
        conn.close().await?;
    }
    println!(
        "reports: {count} tickets, {} calls and {} visits written in {:.1} s",
        (first..first + count).filter(|i| i % CALL_EVERY == 0).count(),
        (first..first + count).filter(|i| i % VISIT_EVERY == 0).count(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// How many tickets earlier runs generated (their numbers start at
/// [`FIRST_SEQ`]).
async fn generated_before(database_url: &str) -> anyhow::Result<u64> {
    let sql = format!("SELECT COALESCE(MAX(seq) - {FIRST_SEQ} + 1, 0) FROM tickets WHERE seq >= {FIRST_SEQ}");
    let count: i64 = if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url).await?;
        let count = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut conn).await?;
        conn.close().await?;
        count
    } else {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await?;
        let count = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut conn).await?;
        conn.close().await?;
        count
    };
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Intake at `rate` tickets a second until `stop`; answers how many were
/// acknowledged and how many failed.
fn intake_beside(
    server: Arc<Server>,
    building: String,
    rate: f64,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(u64, u64)> {
    tokio::spawn(async move {
        let run = uuid::Uuid::now_v7().simple().to_string();
        let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
        let mut n = 0;
        let mut tasks = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            ticker.tick().await;
            let tag = marker(&run, n);
            n += 1;
            let (server, building, ok, failed) = (server.clone(), building.clone(), ok.clone(), failed.clone());
            tasks.push(tokio::spawn(async move {
                match server.create(&building, &tag, &tag).await {
                    Ok(status) if status.is_success() => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    answer => {
                        // The first few failures are told, with what came back.
                        if failed.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("  intake beside failed: {answer:?}");
                        }
                    }
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
        (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed))
    })
}

/// What a report counted: its tickets, opened or rated tickets, inbound
/// calls or visits.
fn counted(totals: &Value) -> i64 {
    ["tickets", "opened", "rated", "inbound", "visits"].iter().find_map(|key| totals[key].as_i64()).unwrap_or(-1)
}

/// Times each report `requests` times for one query.
async fn time_reports(server: &Server, query: &str, requests: usize) -> anyhow::Result<Vec<(String, Summary, Value)>> {
    let mut out = Vec::new();
    for name in REPORTS {
        let mut latencies = Latencies::default();
        let mut totals = Value::Null;
        for _ in 0..requests {
            let sent = Instant::now();
            let response = server
                .http
                .get(format!("{}/api/v1/reports/{name}?{query}", server.url))
                .bearer_auth(&server.token)
                .timeout(Duration::from_secs(120))
                .send()
                .await?;
            let status = response.status();
            let body: Value = response.json().await?;
            latencies.record(sent.elapsed());
            if !status.is_success() {
                bail!("{name}?{query}: {status} {body}");
            }
            totals = body["totals"].clone();
        }
        out.push((name.to_owned(), latencies.summary(), totals));
    }
    Ok(out)
}

/// The `generate` scenario: `tickets` tickets over `years` years and
/// `buildings` buildings written into the server's database.
pub async fn generate(
    server: &Server,
    database_url: &str,
    tickets: u64,
    buildings: usize,
    years: u64,
) -> anyhow::Result<Figures> {
    if tickets == 0 || buildings == 0 || years == 0 {
        bail!("--tickets, --buildings and --years must be at least 1");
    }
    let ids = server.buildings(buildings).await?;
    fill(database_url, &ids, tickets, years).await.context("filling the database")?;
    Ok(Figures::new("generate").with("tickets", tickets).with("buildings", buildings).with("years", years))
}

pub async fn reports(
    server: Arc<Server>,
    spawned: Option<&Spawned>,
    tickets: u64,
    buildings: usize,
    years: u64,
    requests: usize,
    intake_rate: f64,
) -> anyhow::Result<Figures> {
    let Some(spawned) = spawned else { bail!("reports writes its tickets into the database: run it with --spawn") };
    let ids = server.buildings(buildings).await?;
    fill(&spawned.database_url, &ids, tickets, years).await.context("filling the database")?;
    let today = Utc::now().date_naive();
    let year = format!("from={}&to={today}", today - chrono::Days::new(364));
    let month = format!("from={}&to={today}&building_id={}", today - chrono::Days::new(29), ids[0]);
    let stop = Arc::new(AtomicBool::new(false));
    let beside = (intake_rate > 0.0)
        .then(|| intake_beside(server.clone(), ids[1 % ids.len()].clone(), intake_rate, stop.clone()));
    let started = Instant::now();
    let mut rows = Vec::new();
    for (case, query) in [("year, all buildings", &year), ("month, one building", &month)] {
        for (name, summary, totals) in time_reports(&server, query, requests).await? {
            println!("  {name:<9} {case:<20} {}  (counted: {})", summary.line(), counted(&totals));
            rows.push(
                json!({"report": name, "case": case, "p50_ms": round3(summary.p50), "max_ms": round3(summary.max)}),
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    let (acknowledged, failed) = match beside {
        Some(task) => task.await?,
        None => (0, 0),
    };
    let elapsed = started.elapsed().as_secs_f64();
    println!("  intake beside: {acknowledged} acknowledged ({:.0}/s), {failed} failed", acknowledged as f64 / elapsed);
    let worst = |case: &str| {
        rows.iter().filter(|r| r["case"] == case).map(|r| r["max_ms"].as_f64().unwrap_or(0.0)).fold(0.0, f64::max)
    };
    let mut figures = Figures::new("reports");
    figures.max_ms = worst("year, all buildings").max(worst("month, one building"));
    figures.errors = failed;
    figures.achieved_rate = round3(acknowledged as f64 / elapsed);
    figures.offered_rate = (intake_rate > 0.0).then_some(intake_rate);
    Ok(figures
        .with("tickets", tickets)
        .with("buildings", buildings)
        .with("year_all_max_ms", worst("year, all buildings"))
        .with("month_one_max_ms", worst("month, one building"))
        .with("reports", Value::Array(rows)))
}
