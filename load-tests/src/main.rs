//! `domovoy-load`: load tests against a running Domovoy server.
//!
//! - `intake`: concurrent `POST /api/v1/tickets` with idempotency keys for a
//!   bounded time and count, while a WebSocket client follows the board's
//!   building topic; reports throughput, latency percentiles, and whether
//!   every created ticket reached the live board (and how late).
//! - `board`: fills a building with open tickets up to a count, then times
//!   the dispatcher's board page (`GET /tickets`, server-rendered HTML) and
//!   the list API over that scope.
//!
//! Every loop is bounded in count and time; the server is addressed on
//! 127.0.0.1 only. `load-tests/run.sh` starts release servers on SQLite and
//! PostgreSQL and runs both; BENCHMARKS.md has the results.

// A report tool: printing the report is its job.
#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(name = "domovoy-load", about = "Load tests against a running Domovoy")]
struct Cli {
    /// The server, on this machine.
    #[arg(long = "target", alias = "url", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An account that may create and read tickets in every building.
    #[arg(long, default_value = "admin")]
    login: String,
    #[arg(long, env = "DOMOVOY_LOAD_PASSWORD", default_value = "demo")]
    password: String,
    /// Also print the figures as one JSON object on the last line.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Durable intake: concurrent creates, latency and live delivery.
    Intake {
        /// Requests in flight at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// How long to send, in seconds.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Stop after this many requests in all.
        #[arg(long, default_value_t = 100_000)]
        max: usize,
        /// Spread the tickets over this many buildings (each its own
        /// live topic), all followed by the board client.
        #[arg(long, default_value_t = 1)]
        buildings: usize,
    },
    /// The board page with many open tickets in scope.
    Board {
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
}

/// Latencies, summarised.
#[derive(Debug)]
struct Summary {
    count: usize,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    p999: Duration,
    max: Duration,
}

fn summarise(mut samples: Vec<Duration>) -> Summary {
    samples.sort_unstable();
    let at = |q: f64| -> Duration {
        if samples.is_empty() {
            return Duration::ZERO;
        }
        // Nearest rank: the smallest sample with at least q of all at or below it.
        let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        samples[rank - 1]
    };
    Summary {
        count: samples.len(),
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        p999: at(0.999),
        max: samples.last().copied().unwrap_or_default(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", millis(d))
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// When a created ticket's event first arrived live, and how many times.
type Seen = Arc<Mutex<HashMap<String, (Instant, u32)>>>;

struct Server {
    url: String,
    http: reqwest::Client,
    token: String,
}

impl Server {
    async fn sign_in(url: &str, login: &str, password: &str) -> anyhow::Result<Server> {
        let http =
            reqwest::Client::builder().cookie_store(true).pool_max_idle_per_host(512).build().context("HTTP client")?;
        let response = http
            .post(format!("{url}/api/v1/auth/login"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        if !response.status().is_success() {
            bail!("sign-in as {login} failed: {}", response.status());
        }
        let token = response.json::<Value>().await?["token"].as_str().context("no token")?.to_owned();
        Ok(Server { url: url.trim_end_matches('/').to_owned(), http, token })
    }

    async fn get_json(&self, path: &str) -> anyhow::Result<Value> {
        let response = self.http.get(format!("{}{path}", self.url)).bearer_auth(&self.token).send().await?;
        if !response.status().is_success() {
            bail!("GET {path}: {}", response.status());
        }
        Ok(response.json().await?)
    }

    /// The building tickets go to: the first one, or a new one.
    async fn building(&self) -> anyhow::Result<String> {
        Ok(self.buildings(1).await?.remove(0))
    }

    /// The first `count` buildings, creating as many as are missing.
    async fn buildings(&self, count: usize) -> anyhow::Result<Vec<String>> {
        let listed = self.get_json("/api/v1/buildings").await?;
        let mut ids: Vec<String> = listed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["id"].as_str().map(str::to_owned))
            .take(count)
            .collect();
        while ids.len() < count {
            let n = ids.len() + 1;
            let created: Value = self
                .http
                .post(format!("{}/api/v1/buildings", self.url))
                .bearer_auth(&self.token)
                .json(&json!({
                    "name": format!("ЖК «Нагрузка-{n}»"),
                    "address": format!("г. Москва, ул. Испытателей, д. {n}"),
                    "time_zone": "Europe/Moscow",
                }))
                .send()
                .await?
                .json()
                .await?;
            ids.push(created["id"].as_str().map(str::to_owned).context("building not created")?);
        }
        Ok(ids)
    }

    async fn create(&self, building: &str, key: &str) -> anyhow::Result<reqwest::StatusCode> {
        let body = json!({
            "building_id": building,
            "description": format!("Нагрузочная заявка {key}: течёт кран на кухне"),
            "source": "phone",
            "location": "кв. 45",
            "contact_phone": "+7 916 555-00-00",
        });
        let response = self
            .http
            .post(format!("{}/api/v1/tickets", self.url))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        // Read the body: the connection goes back to the pool.
        let _ = response.bytes().await?;
        Ok(status)
    }
}

/// Follows `topic` and records when each `ticket.created` arrives, by
/// ticket description key.
async fn follow(server: &Server, topic: String, seen: Seen) -> anyhow::Result<()> {
    let ws_url = format!("{}/ws?token={}", server.url.replacen("http", "ws", 1), server.token);
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url.as_str()).await.context("WebSocket")?;
    let subscribe = json!({ "type": "subscribe", "topic": topic, "since": null }).to_string();
    socket.send(tokio_tungstenite::tungstenite::Message::Text(subscribe.into())).await?;
    tokio::spawn(async move {
        while let Some(Ok(frame)) = socket.next().await {
            let text = match frame {
                tokio_tungstenite::tungstenite::Message::Text(text) => text,
                tokio_tungstenite::tungstenite::Message::Close(close) => {
                    eprintln!("the board's WebSocket was closed: {close:?}");
                    break;
                }
                _ => continue,
            };
            let Ok(message) = serde_json::from_str::<Value>(&text) else { continue };
            if !matches!(message["type"].as_str(), Some("event" | "subscribed" | "presence")) {
                eprintln!("the board's WebSocket said: {text}");
            }
            if message["kind"] == "ticket.created"
                && let Some(description) = message["data"]["description"].as_str()
                && let Some(key) = description.split(':').next().and_then(|d| d.rsplit(' ').next())
            {
                let mut seen = seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                seen.entry(key.to_owned()).or_insert((Instant::now(), 0)).1 += 1;
            }
        }
    });
    Ok(())
}

async fn intake(
    server: Arc<Server>,
    concurrency: usize,
    seconds: u64,
    max: usize,
    buildings: usize,
    json: bool,
) -> anyhow::Result<()> {
    let buildings = Arc::new(server.buildings(buildings.max(1)).await?);
    let seen: Seen = Arc::default();
    for building in buildings.iter() {
        follow(&server, format!("building:{building}"), seen.clone()).await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let run = uuid::Uuid::now_v7().simple().to_string();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let issued = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (server, buildings, issued, run) = (server.clone(), buildings.clone(), issued.clone(), run.clone());
        workers.push(tokio::spawn(async move {
            let mut results: Vec<(String, Duration, Instant, Result<reqwest::StatusCode, String>)> = Vec::new();
            while Instant::now() < deadline {
                let n = issued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= max {
                    break;
                }
                let key = format!("{run}-{n}");
                let sent = Instant::now();
                let building = &buildings[n % buildings.len()];
                let outcome = server.create(building, &key).await.map_err(|e| e.to_string());
                let done = Instant::now();
                results.push((key, done - sent, done, outcome));
            }
            results
        }));
    }
    let mut results = Vec::new();
    for worker in workers {
        results.extend(worker.await?);
    }
    let elapsed = started.elapsed();
    let created: Vec<_> =
        results.iter().filter(|r| matches!(r.3, Ok(s) if s == reqwest::StatusCode::CREATED)).collect();
    // Let the last events arrive (bounded).
    let waited = Instant::now();
    while waited.elapsed() < Duration::from_secs(10) {
        let all_seen = {
            let seen = seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            created.iter().all(|r| seen.contains_key(&r.0))
        };
        if all_seen {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let failed = results.len() - created.len();
    let latency = summarise(created.iter().map(|r| r.1).collect());
    let seen = seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let mut lags = Vec::new();
    let mut missing = 0;
    let mut repeated = 0;
    for (key, _, answered, _) in &created {
        match seen.get(key) {
            Some((at, times)) => {
                lags.push(at.saturating_duration_since(*answered));
                repeated += times - 1;
            }
            None => missing += 1,
        }
    }
    let lag = summarise(lags);
    // What the database holds of this run: exactly the 201s.
    let found = server.get_json(&format!("/api/v1/tickets?q={run}&limit=1")).await?;
    let stored: u64 = found["counts"].as_object().map_or(0, |c| c.values().filter_map(Value::as_u64).sum());
    let answered = created.len() as u64;
    let (lost, extra) = (answered.saturating_sub(stored), stored.saturating_sub(answered));
    println!(
        "intake: {} created, {failed} failed, in {:.1} s, concurrency {concurrency}",
        created.len(),
        elapsed.as_secs_f64()
    );
    println!("  throughput   {:.0} tickets/s", created.len() as f64 / elapsed.as_secs_f64());
    println!(
        "  latency      p50 {}  p95 {}  p99 {}  max {}",
        ms(latency.p50),
        ms(latency.p95),
        ms(latency.p99),
        ms(latency.max)
    );
    println!("  stored       {stored} tickets of this run in the database for {answered} answered 201");
    println!(
        "  live board   {} of {} events arrived ({repeated} twice); lag after the 201: p50 {}  p99 {}",
        lag.count,
        created.len(),
        ms(lag.p50),
        ms(lag.p99)
    );
    if let Some((_, _, _, Err(error))) = results.iter().find(|r| r.3.is_err()) {
        println!("  first error: {error}");
    }
    for (key, _, _, _) in created.iter().filter(|r| !seen.contains_key(&r.0)).take(5) {
        println!("  missing event: {key}");
    }
    if json {
        let figures = json!({
            "scenario": "intake",
            // Closed loop: `concurrency` requests in flight, no offered rate.
            "offered_rate": null,
            "concurrency": concurrency,
            "achieved_rate": answered as f64 / elapsed.as_secs_f64(),
            "p50_ms": millis(latency.p50),
            "p99_ms": millis(latency.p99),
            "p999_ms": millis(latency.p999),
            "max_ms": millis(latency.max),
            "errors": failed,
            "lost": lost,
            "duplicates": extra,
            "live_missing": missing,
            "live_duplicates": repeated,
            "live_lag_p99_ms": millis(lag.p99),
        });
        println!("{figures}");
    }
    if failed > 0 || missing > 0 || lost > 0 || extra > 0 || repeated > 0 {
        bail!(
            "{failed} requests failed, {lost} acknowledged tickets not stored, {extra} stored twice, \
             {missing} never reached the board, {repeated} reached it twice"
        );
    }
    Ok(())
}

async fn board(
    server: Arc<Server>,
    login: &str,
    password: &str,
    open: usize,
    requests: usize,
    json: bool,
) -> anyhow::Result<()> {
    let building = server.building().await?;
    let count = |list: &Value| {
        list["counts"].as_object().map_or(0, |c| {
            c.iter()
                .filter(|(s, _)| !["done", "closed", "rejected", "cancelled"].contains(&s.as_str()))
                .map(|(_, n)| n.as_u64().unwrap_or(0))
                .sum::<u64>()
        })
    };
    let list = server.get_json(&format!("/api/v1/tickets?building_id={building}&status=open&limit=1")).await?;
    let have = usize::try_from(count(&list)).unwrap_or(usize::MAX);
    if have < open {
        println!("board: filling the building with {} more open tickets…", open - have);
        let run = uuid::Uuid::now_v7().simple().to_string();
        let issued = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let missing = open - have;
        let mut workers = Vec::new();
        for _ in 0..32 {
            let (server, building, issued, run) = (server.clone(), building.clone(), issued.clone(), run.clone());
            workers.push(tokio::spawn(async move {
                loop {
                    let n = issued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= missing {
                        return Ok::<_, anyhow::Error>(());
                    }
                    let status = server.create(&building, &format!("{run}-{n}")).await?;
                    if status != reqwest::StatusCode::CREATED {
                        bail!("fill: {status}");
                    }
                }
            }));
        }
        for worker in workers {
            worker.await??;
        }
    }
    // The page as the dispatcher opens it, signed in by the form.
    let login_page = server.http.get(format!("{}/login", server.url)).send().await?.text().await?;
    let csrf = login_page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("no CSRF token on the sign-in page")?
        .to_owned();
    let signed = server
        .http
        .post(format!("{}/login", server.url))
        .form(&[("csrf_token", csrf.as_str()), ("login", login), ("password", password), ("next", "/")])
        .send()
        .await?;
    if !(signed.status().is_success() || signed.status().is_redirection()) {
        bail!("form sign-in failed: {}", signed.status());
    }
    let mut times = Vec::with_capacity(requests);
    let mut api_times = Vec::with_capacity(requests);
    let mut bytes = 0;
    for _ in 0..requests {
        let sent = Instant::now();
        let response = server.http.get(format!("{}/tickets?building_id={building}", server.url)).send().await?;
        if !response.status().is_success() {
            bail!("board page: {}", response.status());
        }
        bytes = response.bytes().await?.len();
        times.push(sent.elapsed());
        let sent = Instant::now();
        server.get_json(&format!("/api/v1/tickets?building_id={building}&status=open")).await?;
        api_times.push(sent.elapsed());
    }
    let list = server.get_json(&format!("/api/v1/tickets?building_id={building}&status=open&limit=1")).await?;
    let times_total: Duration = times.iter().sum();
    let page = summarise(times);
    let api = summarise(api_times);
    println!("board: {} open tickets in scope, {} loads of a {} KB page", count(&list), page.count, bytes / 1024);
    println!("  board page   p50 {}  p95 {}  p99 {}  max {}", ms(page.p50), ms(page.p95), ms(page.p99), ms(page.max));
    println!("  list API     p50 {}  p95 {}  p99 {}  max {}", ms(api.p50), ms(api.p95), ms(api.p99), ms(api.max));
    if json {
        let figures = json!({
            "scenario": "board",
            "offered_rate": null,
            "achieved_rate": page.count as f64 / times_total.as_secs_f64(),
            "open_tickets": count(&list),
            "p50_ms": millis(page.p50),
            "p99_ms": millis(page.p99),
            "p999_ms": millis(page.p999),
            "max_ms": millis(page.max),
            "errors": 0,
            "lost": 0,
            "duplicates": 0,
            "api_p99_ms": millis(api.p99),
        });
        println!("{figures}");
    }
    Ok(())
}

const SURNAMES: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
];
const NAMES: &[&str] = &[
    "Александр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Алексей",
    "Максим",
    "Евгений",
    "Иван",
    "Михаил",
    "Артём",
    "Николай",
    "Владимир",
    "Павел",
    "Роман",
    "Олег",
    "Игорь",
    "Виктор",
    "Константин",
    "Юрий",
    "Григорий",
];
const FATHERS: &[&str] =
    &["Александрович", "Сергеевич", "Дмитриевич", "Андреевич", "Алексеевич", "Иванович", "Михайлович", "Николаевич"];

/// The i-th generated client: name and phone (`+7 999 …`, unique).
fn generated(i: usize) -> (String, String) {
    let surname = SURNAMES[i % SURNAMES.len()];
    let name = NAMES[(i / SURNAMES.len()) % NAMES.len()];
    let father = FATHERS[(i / (SURNAMES.len() * NAMES.len())) % FATHERS.len()];
    (format!("{surname} {name} {father}"), format!("+7999{i:07}"))
}

/// What [`query`] sends, by `i % 6`.
const QUERY_KINDS: [&str; 6] = ["phone tail", "whole phone", "name prefix", "name + typo", "unit", "ticket number"];

/// One search as a dispatcher types it: the tail of a number, a whole
/// number, a surname's beginning, a name with a typo, a flat, a ticket.
fn query(i: usize, clients: usize) -> String {
    let n = (i.wrapping_mul(7919)) % clients.max(1);
    let (name, phone) = generated(n);
    match i % 6 {
        0 => phone[phone.len() - 4..].to_owned(),
        1 => format!("8 999 {}-{}-{}", &phone[5..8], &phone[8..10], &phone[10..12]),
        2 => name.chars().take(3 + i % 3).collect(),
        3 => {
            // One letter of the surname replaced: a typo.
            let mut chars: Vec<char> = name.chars().collect();
            let at = 3.min(chars.len().saturating_sub(1));
            chars[at] = if chars[at] == 'а' { 'о' } else { 'а' };
            chars.into_iter().collect::<String>().split(' ').take(2).collect::<Vec<_>>().join(" ")
        }
        4 => format!("кв {}", 1 + i % 960),
        _ => format!("2026-{:06}", 1 + i % 500),
    }
}

async fn search(
    server: Arc<Server>,
    clients: usize,
    requests: usize,
    concurrency: usize,
    json: bool,
) -> anyhow::Result<()> {
    let encode = |q: &str| {
        q.bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect::<String>()
    };
    // The last generated client's number tells whether the import ran.
    let (_, last_phone) = generated(clients.saturating_sub(1));
    let probe = server.get_json(&format!("/api/v1/search?q={}", encode(&last_phone))).await?;
    if probe["clients"].as_array().is_none_or(Vec::is_empty) {
        println!("search: importing {clients} generated clients through the billing import…");
        let mut csv = String::from("Код клиента;ФИО;Телефон\n");
        for i in 0..clients {
            let (name, phone) = generated(i);
            csv.push_str(&format!("LOAD-{i:07};{name};{phone}\n"));
        }
        let started = Instant::now();
        let response = server
            .http
            .post(format!("{}/api/v1/import/clients?dry_run=false", server.url))
            .bearer_auth(&server.token)
            .timeout(Duration::from_secs(1800))
            .body(csv)
            .send()
            .await?;
        let status = response.status();
        let report: Value = response.json().await?;
        if !status.is_success() || report["applied"] != true {
            bail!("import failed ({status}): {report}");
        }
        println!(
            "search: imported {} clients in {:.1} s ({:.0} rows/s)",
            report["created"],
            started.elapsed().as_secs_f64(),
            clients as f64 / started.elapsed().as_secs_f64()
        );
    }
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (server, next) = (server.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut empty = 0usize;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    return Ok::<_, anyhow::Error>((times, empty));
                }
                let q = query(i, clients);
                let sent = Instant::now();
                let found = server.get_json(&format!("/api/v1/search?q={}", encode(&q))).await?;
                times.push((i % QUERY_KINDS.len(), sent.elapsed()));
                let hits: usize =
                    ["clients", "units", "tickets"].iter().map(|k| found[k].as_array().map_or(0, Vec::len)).sum();
                if hits == 0 {
                    empty += 1;
                }
            }
        }));
    }
    let mut times = Vec::new();
    let mut empty = 0;
    for worker in workers {
        let (t, e) = worker.await??;
        times.extend(t);
        empty += e;
    }
    let elapsed = started.elapsed();
    let by_kind: Vec<(&str, Summary)> = QUERY_KINDS
        .iter()
        .enumerate()
        .map(|(k, name)| (*name, summarise(times.iter().filter(|(kind, _)| *kind == k).map(|(_, t)| *t).collect())))
        .collect();
    let latency = summarise(times.into_iter().map(|(_, t)| t).collect());
    println!(
        "search: {} searches over {clients} clients, {concurrency} at a time, {:.0}/s; {empty} found nothing",
        latency.count,
        latency.count as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  p50 {}  p95 {}  p99 {}  p99.9 {}  max {}",
        ms(latency.p50),
        ms(latency.p95),
        ms(latency.p99),
        ms(latency.p999),
        ms(latency.max)
    );
    for (name, s) in &by_kind {
        println!("  {name:<14} p50 {}  p99 {}  max {}", ms(s.p50), ms(s.p99), ms(s.max));
    }
    if json {
        let figures = json!({
            "scenario": "search",
            "offered_rate": null,
            "concurrency": concurrency,
            "clients": clients,
            "achieved_rate": latency.count as f64 / elapsed.as_secs_f64(),
            "p50_ms": millis(latency.p50),
            "p99_ms": millis(latency.p99),
            "p999_ms": millis(latency.p999),
            "max_ms": millis(latency.max),
            "errors": 0,
            "lost": 0,
            "duplicates": 0,
            "empty": empty,
        });
        println!("{figures}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    if !cli.url.starts_with("http://127.0.0.1") && !cli.url.starts_with("http://localhost") {
        bail!("load tests run against this machine only (http://127.0.0.1:…)");
    }
    let server = Arc::new(Server::sign_in(&cli.url, &cli.login, &cli.password).await?);
    match cli.command {
        Command::Intake { concurrency, seconds, max, buildings } => {
            intake(server, concurrency, seconds, max, buildings, cli.json).await
        }
        Command::Board { open, requests } => board(server, &cli.login, &cli.password, open, requests, cli.json).await,
        Command::Search { clients, requests, concurrency } => {
            search(server, clients, requests, concurrency, cli.json).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let summary = summarise(samples);
        assert_eq!(summary.p50, Duration::from_millis(50));
        assert_eq!(summary.p99, Duration::from_millis(99));
        assert_eq!(summary.p999, Duration::from_millis(100));
        assert_eq!(summary.max, Duration::from_millis(100));
        assert_eq!(summarise(Vec::new()).p99, Duration::ZERO);
    }
}
