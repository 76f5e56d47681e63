//! The page scenarios: `board-page` (the dispatcher's board with many
//! open tickets in scope) and `search` (the search box over many clients).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::server::{Server, marker};
use crate::stats::{Figures, Latencies, Summary, round3};

/// Signs the tool's HTTP client in through the sign-in form (its cookie
/// then opens pages).
pub async fn sign_in_form(server: &Server, login: &str, password: &str) -> anyhow::Result<()> {
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
    Ok(())
}

pub async fn board(
    server: Arc<Server>,
    login: &str,
    password: &str,
    open: usize,
    requests: usize,
) -> anyhow::Result<Figures> {
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
                    let tag = marker(&run, n as u64);
                    let status = server.create(&building, &tag, &tag).await?;
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
    sign_in_form(&server, login, password).await?;
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
    let page = times.into_iter().collect::<Latencies>().summary();
    let api = api_times.into_iter().collect::<Latencies>().summary();
    println!("board: {} open tickets in scope, {} loads of a {} KB page", count(&list), page.count, bytes / 1024);
    println!("  board page   {}", page.line());
    println!("  list API     {}", api.line());
    let mut figures = Figures::new("board-page").latency(&page);
    figures.achieved_rate = round3(page.count as f64 / times_total.as_secs_f64());
    Ok(figures.with("open_tickets", count(&list)).with("api_p99_ms", round3(api.p99)))
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

/// A query string value, percent-encoded byte by byte.
pub(crate) fn encode(q: &str) -> String {
    q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Makes sure the database holds `clients` generated clients (numbers
/// `+7999…`, see [`generated`]), importing them through the billing import
/// when the last one is missing.
pub async fn ensure_clients(server: &Server, clients: usize) -> anyhow::Result<()> {
    // The last generated client's number tells whether the import ran.
    let (_, last_phone) = generated(clients.saturating_sub(1));
    let probe = server.get_json(&format!("/api/v1/search?q={}", encode(&last_phone))).await?;
    if probe["clients"].as_array().is_none_or(Vec::is_empty) {
        println!("importing {clients} generated clients through the billing import…");
        let mut csv = String::from("Код клиента;ФИО;Телефон\n");
        for i in 0..clients {
            let (name, phone) = generated(i);
            csv.push_str(&format!("LOAD-{i:07};{name};{phone}\n"));
        }
        import_clients(server, csv, None).await?;
    }
    Ok(())
}

/// Applies a billing import of clients (`building`: the units' building)
/// and says how long it took; a refused import is an error with its report.
pub async fn import_clients(server: &Server, csv: String, building: Option<&str>) -> anyhow::Result<()> {
    let rows = csv.lines().count().saturating_sub(1);
    let mut url = format!("{}/api/v1/import/clients?dry_run=false", server.url);
    if let Some(building) = building {
        url.push_str(&format!("&building_id={building}"));
    }
    let started = Instant::now();
    let response =
        server.http.post(url).bearer_auth(&server.token).timeout(Duration::from_secs(1800)).body(csv).send().await?;
    let status = response.status();
    let report: Value = response.json().await?;
    if !status.is_success() || report["applied"] != true {
        bail!("import failed ({status}): {report}");
    }
    println!(
        "imported {} clients in {:.1} s ({:.0} rows/s)",
        report["created"],
        started.elapsed().as_secs_f64(),
        rows as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The `i`-th generated client: a name and a phone `+7999` + seven digits.
pub fn generated(i: usize) -> (String, String) {
    let surname = SURNAMES[i % SURNAMES.len()];
    let name = NAMES[(i / SURNAMES.len()) % NAMES.len()];
    let father = FATHERS[(i / (SURNAMES.len() * NAMES.len())) % FATHERS.len()];
    (format!("{surname} {name} {father}"), format!("+7999{i:07}"))
}

/// What [`query`] sends, by `i % 6`, and the JSON key of each one's p99.
const QUERY_KINDS: [(&str, &str); 6] = [
    ("phone tail", "p99_ms_phone_tail"),
    ("whole phone", "p99_ms_whole_phone"),
    ("name prefix", "p99_ms_name_prefix"),
    ("name + typo", "p99_ms_name_typo"),
    ("unit", "p99_ms_unit"),
    ("ticket number", "p99_ms_ticket_number"),
];

/// Tickets the database holds before searching, so that ticket numbers
/// are found.
const SEARCH_TICKETS: u64 = 500;

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

pub async fn search(
    server: Arc<Server>,
    clients: usize,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<Figures> {
    // Flats for the «кв N» searches: a 960-flat building (4 entrances,
    // floors 2–25, 10 per floor) unless the first building has units.
    let building = server.building().await?;
    let board = server.get_json(&format!("/api/v1/buildings/{building}/chessboard")).await?;
    if board["units"].as_u64().unwrap_or(0) == 0 {
        let spec = json!({"sections": 4, "kind": "entrance", "first_floor": 2, "last_floor": 25,
                          "units_per_floor": 10, "unit_kind": "apartment", "first_number": 1});
        let response = server
            .http
            .post(format!("{}/api/v1/buildings/{building}/layout/generate", server.url))
            .bearer_auth(&server.token)
            .json(&spec)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("layout not generated: {}", response.text().await?);
        }
    }
    if server.stored("").await? < SEARCH_TICKETS {
        let run = uuid::Uuid::now_v7().simple().to_string();
        for n in 0..SEARCH_TICKETS {
            let tag = marker(&run, n);
            let status = server.create(&building, &tag, &tag).await?;
            if status != reqwest::StatusCode::CREATED {
                bail!("tickets for the search: {status}");
            }
        }
    }
    ensure_clients(&server, clients).await?;
    let timed = timed_by_kind(requests, concurrency, QUERY_KINDS.len(), move |i| {
        let server = server.clone();
        async move {
            let found = server.get_json(&format!("/api/v1/search?q={}", encode(&query(i, clients)))).await?;
            Ok(["clients", "units", "tickets"].iter().any(|k| found[k].as_array().is_some_and(|a| !a.is_empty())))
        }
    })
    .await?;
    println!(
        "search: {} searches over {clients} clients, {concurrency} at a time, {:.0}/s; {} found nothing",
        timed.overall.count, timed.rate, timed.empty
    );
    timed.print(&QUERY_KINDS);
    let mut figures = Figures::new("search").latency(&timed.overall);
    figures.achieved_rate = round3(timed.rate);
    let figures = figures.with("concurrency", concurrency).with("clients", clients).with("empty", timed.empty);
    let figures = timed.figures(figures, &QUERY_KINDS);
    Ok(figures)
}

/// Requests timed by kind: request `i` is of kind `i % kinds`.
#[derive(Debug)]
pub struct Timed {
    pub overall: Summary,
    pub by_kind: Vec<Summary>,
    /// Requests that found nothing.
    pub empty: usize,
    /// Requests per second.
    pub rate: f64,
}

impl Timed {
    /// The overall percentiles and each kind's, indented under a headline.
    pub fn print(&self, kinds: &[(&str, &str)]) {
        println!("  {}", self.overall.line());
        for ((name, _), s) in kinds.iter().zip(&self.by_kind) {
            println!("  {name:<14} p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms", s.p50, s.p99, s.max);
        }
    }

    /// `figures` with each kind's p99 under its key.
    pub fn figures(&self, mut figures: Figures, kinds: &[(&str, &str)]) -> Figures {
        for ((_, key), s) in kinds.iter().zip(&self.by_kind) {
            figures = figures.with(key, round3(s.p99));
        }
        figures
    }
}

/// Sends `requests` requests, `concurrency` at a time: request `i` is
/// `one(i)`, answering whether it found anything; each is timed under its
/// kind, `i % kinds`.
pub async fn timed_by_kind<F, Fut>(requests: usize, concurrency: usize, kinds: usize, one: F) -> anyhow::Result<Timed>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<bool>> + Send + 'static,
{
    let one = Arc::new(one);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (one, next) = (one.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut empty = 0usize;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    return Ok::<_, anyhow::Error>((times, empty));
                }
                let sent = Instant::now();
                let found = one(i).await?;
                times.push((i % kinds.max(1), sent.elapsed()));
                empty += usize::from(!found);
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
    let by_kind = (0..kinds)
        .map(|k| times.iter().filter(|(kind, _)| *kind == k).map(|(_, t)| *t).collect::<Latencies>().summary())
        .collect();
    let overall = times.into_iter().map(|(_, t)| t).collect::<Latencies>().summary();
    let rate = overall.count as f64 / elapsed.as_secs_f64().max(0.001);
    Ok(Timed { overall, by_kind, empty, rate })
}
