//! Faults between the parts: a loopback proxy that hangs (a lost network)
//! or loses a reply after the server answered, and what the product does
//! about them.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use domovoy_store::testing::TestDb;

use crate::helpers::{TestApp, WsClient, building_id, client, tickets_by_text};
use crate::nodes::Node;

/// A loopback TCP proxy to `target`. Frozen, it forwards nothing either
/// way and leaves new connections unanswered, as a server behind a lost
/// network does (it hangs rather than refuses). Cut, it closes every
/// connection and closes new ones at once, as a stopped server does. Told
/// to lose replies, it forwards a request, then drops the server's answer
/// and closes the client's connection: the server did the work, the client
/// never hears.
pub struct FaultProxy {
    pub port: u16,
    frozen: Arc<AtomicBool>,
    cut: tokio::sync::watch::Sender<bool>,
    losses: Arc<Losses>,
}

/// Which pieces of the servers' answers the proxy loses: the next `next`,
/// and one in every `every` after them (0: none).
#[derive(Default)]
struct Losses {
    next: AtomicU32,
    every: AtomicU32,
    seen: AtomicU32,
    lost: AtomicU32,
}

impl Losses {
    /// Whether the piece of an answer now on its way back is lost.
    fn take(&self) -> bool {
        let every = self.every.load(Ordering::Relaxed);
        let lose = self.next.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(1)).is_ok()
            || (every > 0 && self.seen.fetch_add(1, Ordering::Relaxed) % every == every - 1);
        if lose {
            self.lost.fetch_add(1, Ordering::Relaxed);
        }
        lose
    }
}

impl FaultProxy {
    pub async fn start(target: String) -> FaultProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (frozen, losses) = (Arc::new(AtomicBool::new(false)), Arc::new(Losses::default()));
        let (cut, cut_seen) = tokio::sync::watch::channel(false);
        let (held, losing) = (frozen.clone(), losses.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *cut_seen.borrow() {
                    continue; // dropped: closed at once
                }
                let (frozen, losing, target, cut) = (held.clone(), losing.clone(), target.clone(), cut_seen.clone());
                tokio::spawn(async move {
                    while frozen.load(Ordering::Relaxed) {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    let Ok(server) = TcpStream::connect(&target).await else { return };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::spawn(pipe(client_read, server_write, frozen.clone(), None, cut.clone()));
                    pipe(server_read, client_write, frozen, Some(losing), cut).await;
                });
            }
        });
        FaultProxy { port, frozen, cut, losses }
    }

    pub fn freeze(&self, frozen: bool) {
        self.frozen.store(frozen, Ordering::Relaxed);
    }

    /// Closes every connection and refuses new ones (`true`) or lets them
    /// through again.
    pub fn cut(&self, cut: bool) {
        self.cut.send_replace(cut);
    }

    /// The next `count` answers (on any connection) are lost.
    pub fn lose_replies(&self, count: u32) {
        self.losses.next.store(count, Ordering::Relaxed);
    }

    /// From now on one answer in every `every` is lost (0: none).
    pub fn lose_one_reply_in(&self, every: u32) {
        self.losses.every.store(every, Ordering::Relaxed);
    }

    /// How many answers the proxy has lost.
    pub fn replies_lost(&self) -> u32 {
        self.losses.lost.load(Ordering::Relaxed)
    }
}

/// Copies `from` to `to`, holding each piece while frozen, until either
/// side closes or the proxy is cut; on the way back (`losing` given) a
/// piece that arrives while replies are to be lost ends the connection
/// instead.
async fn pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
    losing: Option<Arc<Losses>>,
    mut cut: tokio::sync::watch::Receiver<bool>,
) {
    let mut buffer = vec![0_u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            read = from.read(&mut buffer) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            _ = cut.wait_for(|cut| *cut) => return,
        };
        while frozen.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if losing.as_ref().is_some_and(|losses| losses.take()) {
            return;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

/// An app on a fresh PostgreSQL database reached through a [`FaultProxy`],
/// or `None` (said) without `DOMOVOY_TEST_POSTGRES_URL`.
pub async fn on_postgres_through_a_proxy() -> Option<(TestApp, FaultProxy)> {
    let Ok(server) = std::env::var("DOMOVOY_TEST_POSTGRES_URL") else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return None;
    };
    let proxy = FaultProxy::start(through(&server, 0).1).await;
    let app = TestApp::spawn_postgres_configured(|settings| {
        let url = settings.database_url.as_ref().unwrap().expose().to_owned();
        settings.database_url = Some(domovoy::settings::Secret::new(through(&url, proxy.port).0));
    })
    .await?;
    Some((app, proxy))
}

/// `url` with its host and port replaced by 127.0.0.1:`port`, and the
/// host and port it named.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, host) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let host = if host.contains(':') { host.to_owned() } else { format!("{host}:5432") };
    let user = if user.is_empty() { String::new() } else { format!("{user}@") };
    (format!("{scheme}://{user}127.0.0.1:{port}/{path}"), host)
}

/// Sends through `proxy` with the server's answer lost (asserted: the
/// client sees its connection broken), then again; the retry's answer.
pub async fn answer_after_a_lost_reply<F, Sent>(proxy: &FaultProxy, send: F) -> reqwest::Response
where
    F: Fn() -> Sent,
    Sent: Future<Output = reqwest::Result<reqwest::Response>>,
{
    proxy.lose_replies(1);
    let lost = send().await;
    assert!(lost.is_err(), "the first answer was to be lost: {lost:?}");
    send().await.unwrap()
}

/// A ticket filed through a proxy that loses the server's answer: the
/// ticket was committed, the dispatcher's client saw only a broken
/// connection and sends the same request again with the same key. It gets
/// the first answer (the same ticket, marked as a replay), and the ticket
/// is stored once.
async fn a_lost_reply_is_answered_again_by_the_retry(app: TestApp) {
    let token = app.token("dispatcher").await;
    let building = building_id(&app, &app.token("admin").await, "БЦ «Гранит»").await;
    let proxy = FaultProxy::start(format!("127.0.0.1:{}", app.port)).await;
    let description = format!("Потерянный ответ {}", uuid::Uuid::now_v7().simple());
    let body = json!({ "building_id": building, "description": description, "source": "phone" });
    let send = || {
        client()
            .post(format!("http://127.0.0.1:{}/api/v1/tickets", proxy.port))
            .bearer_auth(&token)
            .header("Idempotency-Key", "lost-reply-1")
            .timeout(Duration::from_secs(10))
            .json(&body)
            .send()
    };

    let again = answer_after_a_lost_reply(&proxy, send).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let ticket: Value = again.json().await.unwrap();
    assert_eq!(ticket["description"], description.as_str());

    let listed: Value = app
        .get(&token, &format!("/api/v1/tickets?q={}", domovoy_web::pages::url_encode(&description)))
        .await
        .json()
        .await
        .unwrap();
    let found: Vec<&str> = listed["items"].as_array().unwrap().iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(found, [ticket["id"].as_str().unwrap()], "stored once, the ticket the retry was told of");
}

#[actix_web::test]
async fn a_reply_lost_after_the_commit_is_answered_again_by_the_retry_on_sqlite() {
    a_lost_reply_is_answered_again_by_the_retry(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn a_reply_lost_after_the_commit_is_answered_again_by_the_retry_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    a_lost_reply_is_answered_again_by_the_retry(app).await;
}

/// Replies lost under load: eight dispatchers file tickets at once through
/// a proxy that loses one answer in seven after the server sent it. Each
/// retries what it did not hear with the same key, as the app does. Every
/// retry of a lost answer is answered with the first answer (201, the same
/// ticket, a replay), no answer that was heard is a replay, every ticket is
/// stored once, and a board following the building (not through the proxy)
/// is told of each once.
async fn lost_replies_under_load_are_answered_again_by_the_retries(app: TestApp, backend: &str) {
    const WRITERS: usize = 8;
    const EACH: usize = 40;
    let token = app.token("dispatcher").await;
    let building = building_id(&app, &app.token("admin").await, "БЦ «Гранит»").await;
    let mut board = WsClient::connect(&app, &token).await;
    board.follow(&format!("building:{building}"), None).await;
    let proxy = FaultProxy::start(format!("127.0.0.1:{}", app.port)).await;
    proxy.lose_one_reply_in(7);
    let run = uuid::Uuid::now_v7().simple().to_string();
    let through_proxy = format!("http://127.0.0.1:{}", proxy.port);
    let writers = (0..WRITERS).map(|writer| {
        let (base, token, building, run) = (through_proxy.clone(), token.clone(), building.clone(), run.clone());
        tokio::spawn(async move {
            let mut filed = Vec::with_capacity(EACH);
            for n in 0..EACH {
                let description = format!("Ответ потерян {run} {writer}-{n}");
                let key = format!("lost-{run}-{writer}-{n}");
                let mut unheard = 0_u32;
                let answer = loop {
                    let sent =
                        file_by_phone(&base, &token, &building, &description, key.clone(), Duration::from_secs(10));
                    match sent.await {
                        Ok(answer) => break answer,
                        Err(_) if unheard < 10 => unheard += 1,
                        Err(e) => panic!("{key}: ten answers in a row unheard, the last: {e}"),
                    }
                };
                assert_eq!(answer.status(), StatusCode::CREATED, "{key}");
                let replayed = answer.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
                let ticket: Value = answer.json().await.unwrap();
                filed.push((description, ticket["id"].as_str().unwrap().to_owned(), unheard, replayed));
            }
            filed
        })
    });
    let filed: Vec<_> = futures_util::future::join_all(writers).await.into_iter().flat_map(Result::unwrap).collect();
    proxy.lose_one_reply_in(0);

    let stored =
        tickets_by_text(&format!("http://127.0.0.1:{}", app.port), &token, &format!("Ответ потерян {run}")).await;
    let unheard: u32 = filed.iter().map(|(_, _, unheard, _)| unheard).sum();
    assert_eq!(unheard, proxy.replies_lost(), "every answer the client did not hear was one the proxy lost");
    assert!(unheard as usize >= WRITERS * EACH / 10, "the proxy was to lose about one answer in seven: {unheard}");
    for (description, id, unheard, replayed) in &filed {
        assert_eq!(stored.get(description), Some(&vec![id.clone()]), "{description}: stored once, as answered");
        assert_eq!(*replayed, *unheard > 0, "{description}: a replay exactly when an answer was lost ({unheard} lost)");
    }
    assert_eq!(stored.len(), WRITERS * EACH);

    let mut told: HashMap<String, u32> = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while told.len() < filed.len() {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = board.expect_event("ticket.created", left).await;
        *told.entry(event["data"]["id"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    // Anything still on its way would be a second announcement.
    for message in board.drain(Duration::from_millis(500)).await {
        if message["kind"] == "ticket.created" {
            *told.entry(message["data"]["id"].as_str().unwrap().to_owned()).or_default() += 1;
        }
    }
    for (description, id, _, _) in &filed {
        assert_eq!(told.get(id), Some(&1), "{description}: the board was told of it once");
    }
    eprintln!(
        "{backend}: {} tickets, {unheard} answers lost and retried, {} stored, {} on the board, 0 twice",
        filed.len(),
        stored.len(),
        told.len()
    );
}

#[actix_web::test]
async fn lost_replies_under_load_are_answered_again_by_the_retries_on_sqlite() {
    lost_replies_under_load_are_answered_again_by_the_retries(TestApp::spawn().await, "SQLite").await;
}

#[actix_web::test]
async fn lost_replies_under_load_are_answered_again_by_the_retries_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    lost_replies_under_load_are_answered_again_by_the_retries(app, "PostgreSQL").await;
}

/// A guard's arrival mark whose answer is lost after the commit (the desk's
/// network drops it): the desk marks again and is answered 409
/// `already_on_site` with the visit the lost answer carried; one visit is
/// recorded. An arrival needs no key: the open visit is its own.
#[actix_web::test]
async fn an_arrival_mark_whose_reply_was_lost_is_recorded_once() {
    let app = TestApp::spawn().await;
    let tower = building_id(&app, &app.token("admin").await, "ЖК «Северная звезда»").await;
    let (resident, guard) = (app.token("+79001000001").await, app.token("guard").await);
    let body = json!({"kind": "vehicle", "visitor_name": "Сергеев Олег", "plate": "а 777 мр 799"});
    let issued = app.post(&resident, "/api/v1/passes", &body).await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    let pass = issued.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let proxy = FaultProxy::start(format!("127.0.0.1:{}", app.port)).await;
    let mark = || {
        client()
            .post(format!("http://127.0.0.1:{}/api/v1/passes/{pass}/arrival", proxy.port))
            .bearer_auth(&guard)
            .timeout(Duration::from_secs(10))
            .json(&json!({}))
            .send()
    };

    let again = answer_after_a_lost_reply(&proxy, mark).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["error"]["code"], "already_on_site");

    let on_site: Value = app.get(&guard, &format!("/api/v1/visits?building_id={tower}")).await.json().await.unwrap();
    let visits: Vec<&Value> = on_site["items"].as_array().unwrap().iter().filter(|v| v["pass_id"] == pass).collect();
    assert_eq!(visits.len(), 1, "one visit recorded: {on_site}");
    assert_eq!(visits[0]["id"], again["visit"]["id"], "the retry is told of the visit the lost answer carried");
}

/// Files a ticket taken by phone in `building` of the server at `base`,
/// under the idempotency key `key`, waiting `timeout` at most; the request
/// owns what it sends, so it may outlive the caller's borrows.
pub(crate) fn file_by_phone(
    base: &str,
    token: &str,
    building: &str,
    description: &str,
    key: String,
    timeout: Duration,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<> {
    let body = json!({ "building_id": building, "description": description, "source": "phone" });
    client()
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .timeout(timeout)
        .json(&body)
        .send()
}

/// A tmpfs of `megabytes` mounted for the test, unmounted (lazily: the app
/// may still hold its files) when dropped; `None` where this process may
/// not mount.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = std::env::temp_dir().join(format!("domovoy-disk-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            let _ = std::fs::remove_dir(&dir);
            return None;
        }
        Some(SmallDisk(dir))
    }

    /// Fills what is left with one file; answers its path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write as _;
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0_u8; 1 << 20];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.flush();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// The SQLite database's disk fills up under intake: a ticket that cannot
/// be written is answered 503 (never 201), leaves nothing behind, and once
/// space returns the same request with the same key files it — without a
/// restart. Every ticket answered 201 is stored once.
#[actix_web::test]
async fn a_full_disk_refuses_writes_with_503_and_recovers_when_space_returns() {
    let Some(disk) = SmallDisk::mount(64) else {
        eprintln!("skipped: this process may not mount a tmpfs (the test needs root)");
        return;
    };
    let dir = disk.0.clone();
    let app = TestApp::spawn_configured(|settings| {
        settings.database_url =
            Some(domovoy::settings::Secret::new(format!("sqlite://{}", dir.join("domovoy.db").display())));
        settings.data_dir = dir.clone();
    })
    .await;
    fill_up_and_recover(&app, &disk, "SQLite").await;
    drop(app);
}

/// The same on PostgreSQL: a cluster of its own whose data directory (its
/// tables and its write-ahead log) is on a small disk that fills up under
/// intake. A table that cannot grow fails the statement with SQLSTATE 53100
/// (`could not extend file … No space left on device`), which the product
/// answers 503, as on SQLite; when space returns, the next request files
/// without restarting either server.
#[actix_web::test]
async fn a_full_disk_under_postgres_refuses_writes_with_503_and_recovers_when_space_returns() {
    let Some(disk) = SmallDisk::mount(192) else {
        eprintln!("skipped: this process may not mount a tmpfs (the test needs root)");
        return;
    };
    let Some((app, postgres)) = on_scratch_postgres(&disk.0.join("pgdata")).await else { return };
    // The write-ahead log moves to a fresh segment, written out whole
    // before the disk fills: the log of the tickets below has room (a
    // segment that cannot be created is a PANIC, PostgreSQL stopping
    // itself: `postgres_out_of_log_space…`).
    postgres.sql("CHECKPOINT; SELECT pg_switch_wal()");
    fill_up_and_recover(&app, &disk, "PostgreSQL").await;
    drop(app);
    // The refusals were the full disk's, not a crash of the server.
    let log = std::fs::read_to_string(postgres.data.join("server.log")).unwrap();
    let full: Vec<&str> = log.lines().filter(|line| line.contains("No space left on device")).collect();
    assert!(!full.is_empty(), "PostgreSQL did not run out of space:\n{log}");
    assert!(!log.contains("PANIC"), "PostgreSQL crashed:\n{log}");
    eprintln!("PostgreSQL said: {}", full[0]);
}

/// PostgreSQL's write-ahead log out of space (the log on a small disk of
/// its own, in 1 MB segments; the tables elsewhere): PostgreSQL cannot go
/// on without its log and stops itself (a PANIC). Meanwhile tickets are
/// answered 503, never 201 without a commit; once the administrator makes
/// room and starts PostgreSQL, intake answers 201 again without
/// restarting Domovoy, and the refused requests retried with their keys
/// are filed once. Every 201 is stored once.
#[actix_web::test]
async fn postgres_out_of_log_space_stops_and_intake_recovers_when_it_is_started() {
    use std::time::Instant;
    let Some(disk) = SmallDisk::mount(64) else {
        eprintln!("skipped: this process may not mount a tmpfs (the test needs root)");
        return;
    };
    let data = std::env::temp_dir().join(format!("domovoy-pg-{}", uuid::Uuid::now_v7().simple()));
    let _ = std::process::Command::new("chown").arg("postgres:postgres").arg(&disk.0).status();
    let wal = format!("--waldir={}", disk.0.join("wal").display());
    let Some((app, postgres)) = on_scratch_postgres_with(&data, &[&wal, "--wal-segsize=1"]).await else {
        let _ = std::fs::remove_dir_all(&data);
        return;
    };
    let token = app.token("dispatcher").await;
    let building = building_id(&app, &app.token("admin").await, "БЦ «Гранит»").await;
    let prefix = format!("Журнал полон {}", uuid::Uuid::now_v7().simple());
    let post = |key: String| {
        let description = format!("{prefix} {key} — течь");
        file_by_phone(&app.url(""), &token, &building, &description, key, Duration::from_secs(15))
    };

    // The log keeps only what the last checkpoint needs (the set-up's
    // segments go instead of waiting to be reused, so that making room
    // later lets PostgreSQL recover and the log fills within a segment), and
    // from then on everything (a replication slot whose standby never
    // comes, a common way for a log to fill a disk): it has to grow.
    postgres.sql("ALTER SYSTEM SET wal_recycle = off");
    postgres.sql("SELECT pg_reload_conf()");
    postgres.sql("CHECKPOINT");
    postgres.sql("SELECT pg_create_physical_replication_slot('standby_never_came', true)");
    // The log's disk filled; tickets one after another until PostgreSQL
    // stops, and on for two seconds more.
    let filler = disk.fill();
    let (mut filed, mut refused) = (Vec::new(), Vec::new());
    let mut first_refusal: Option<Instant> = None;
    for n in 0..20_000 {
        if first_refusal.is_some_and(|at| at.elapsed() > Duration::from_secs(2)) {
            break;
        }
        let key = format!("wal-{n}");
        let answer = post(key.clone()).await.unwrap();
        match answer.status() {
            StatusCode::CREATED => filed.push(key),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(answer.json::<Value>().await.unwrap()["error"]["code"], "unavailable");
                first_refusal.get_or_insert_with(Instant::now);
                refused.push(key);
            }
            other => panic!("{key}: {other} {}", answer.text().await.unwrap()),
        }
    }
    assert!(!refused.is_empty(), "{} tickets filed and PostgreSQL never ran out of log space", filed.len());
    eprintln!("{} tickets filed before the log's disk was full, {} refused after", filed.len(), refused.len());
    let log = std::fs::read_to_string(postgres.data.join("server.log")).unwrap();
    let panic = log.lines().find(|line| line.contains("PANIC")).unwrap_or_else(|| panic!("no PANIC:\n{log}"));
    assert!(panic.contains("No space left on device"), "{panic}");
    eprintln!("PostgreSQL said: {panic}");

    // Room made; PostgreSQL started again by the administrator (unless it
    // came back by itself): 201 again, without restarting Domovoy.
    std::fs::remove_file(filler).unwrap();
    if postgres.running() {
        eprintln!("PostgreSQL was running again by itself");
    } else {
        let mut start = postgres.server(true);
        tokio::task::spawn_blocking(move || succeed(&mut start)).await.unwrap();
    }
    let started = Instant::now();
    let back = loop {
        let key = format!("back-{}", uuid::Uuid::now_v7().simple());
        if post(key.clone()).await.unwrap().status() == StatusCode::CREATED {
            filed.push(key);
            break started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(5), "no 201 within 5 s of PostgreSQL's start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    eprintln!("201 again {} ms after PostgreSQL started", back.as_millis());
    for key in &refused {
        assert_eq!(post(key.clone()).await.unwrap().status(), StatusCode::CREATED, "{key} retried");
    }
    let stored = tickets_by_text(&app.url(""), &token, &prefix).await;
    for key in filed.iter().chain(&refused) {
        let ids = stored.iter().filter(|(text, _)| text.contains(&format!(" {key} "))).map(|(_, ids)| ids.len());
        assert_eq!(ids.sum::<usize>(), 1, "{key} is stored once");
    }
    assert_eq!(stored.len(), filed.len() + refused.len(), "nothing else was stored");
    drop(app);
    drop(postgres);
    let _ = std::fs::remove_dir_all(&data);
}

/// Fills `disk`, which holds `app`'s database, and files tickets until one
/// is refused: every one before is answered 201 and stored, the refused
/// one (503 `unavailable`, twice) leaves nothing; once the space returns,
/// the same request files it as new, and the next one too.
async fn fill_up_and_recover(app: &TestApp, disk: &SmallDisk, backend: &str) {
    let token = app.token("dispatcher").await;
    let building = building_id(app, &app.token("admin").await, "БЦ «Гранит»").await;
    let prefix = format!("Полный диск {}", uuid::Uuid::now_v7().simple());
    let post = |key: String| {
        let description = format!("{prefix} {key} {}", "течёт кран ".repeat(30));
        file_by_phone(&app.url(""), &token, &building, &description, key, Duration::from_secs(10))
    };

    let filler = disk.fill();
    let mut created = 0;
    let refused = loop {
        assert!(created < 400, "400 tickets fitted on a full disk");
        let key = format!("full-{created}");
        let answer = post(key.clone()).await.unwrap();
        match answer.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(answer.json::<Value>().await.unwrap()["error"]["code"], "unavailable");
                break key;
            }
            other => panic!("{key}: {other} {}", answer.text().await.unwrap()),
        }
    };
    eprintln!("{backend}: {created} tickets written before the disk was full");
    // Refused again while the disk is full; reading still works.
    assert_eq!(post(refused.clone()).await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    let before = tickets_by_text(&app.url(""), &token, &prefix).await;
    assert_eq!(before.len(), created, "every 201 is stored, the refused one is not");
    assert!(!before.keys().any(|d| d.contains(&format!(" {refused} "))), "the refused ticket left nothing");

    // Space returns: the same request files it, as new; the next one too.
    std::fs::remove_file(filler).unwrap();
    let again = post(refused.clone()).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert!(again.headers().get("idempotent-replayed").is_none(), "a refused request was not a replay");
    assert_eq!(post("after-space".to_owned()).await.unwrap().status(), StatusCode::CREATED);
    let after = tickets_by_text(&app.url(""), &token, &prefix).await;
    assert_eq!(after.len(), created + 2);
    assert!(after.values().all(|ids| ids.len() == 1), "nothing stored twice");
}

/// An app on a PostgreSQL cluster of its own in `data`, or `None` (said)
/// without `DOMOVOY_TEST_POSTGRES_URL` or where the cluster cannot be made.
pub(crate) async fn on_scratch_postgres(data: &std::path::Path) -> Option<(TestApp, ScratchPostgres)> {
    on_scratch_postgres_with(data, &[]).await
}

/// [`on_scratch_postgres`] with more options for `initdb`.
async fn on_scratch_postgres_with(data: &std::path::Path, initdb: &[&str]) -> Option<(TestApp, ScratchPostgres)> {
    if std::env::var("DOMOVOY_TEST_POSTGRES_URL").is_err() {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return None;
    }
    let postgres = ScratchPostgres::start(data, initdb).inspect_err(|why| eprintln!("skipped: {why}")).ok()?;
    let url = postgres.url();
    let app = TestApp::spawn_configured(|settings| {
        settings.database_url = Some(domovoy::settings::Secret::new(url));
    })
    .await;
    Some((app, postgres))
}

/// A PostgreSQL cluster of the test's own (initdb'd as the `postgres`
/// user, trust authentication, listening on a free loopback port and a
/// socket in its data directory), stopped at once when dropped. CI's
/// server serves the other tests meanwhile, so it is not the one to fill
/// or stop.
pub(crate) struct ScratchPostgres {
    bin: std::path::PathBuf,
    data: std::path::PathBuf,
    port: u16,
}

impl ScratchPostgres {
    /// Creates (with `initdb`'s options besides ours) and starts a cluster
    /// in `data`; where it cannot, why (the test says it skipped).
    fn start(data: &std::path::Path, initdb: &[&str]) -> Result<ScratchPostgres, &'static str> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max()
            .ok_or("PostgreSQL's server programs (initdb, pg_ctl) are not installed")?;
        let root = std::process::Command::new("id").arg("-u").output().is_ok_and(|id| id.stdout == b"0\n");
        if !root {
            return Err("the cluster runs as the postgres user, which takes root to switch to");
        }
        std::fs::create_dir_all(data).unwrap();
        succeed(std::process::Command::new("chown").arg("postgres:postgres").arg(data));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = ScratchPostgres { bin, data: data.to_owned(), port };
        let options = [&["--auth=trust", "--username=postgres", "--no-sync"], initdb].concat();
        succeed(&mut cluster.program("initdb", &options));
        succeed(&mut cluster.server(true));
        Ok(cluster)
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs `sql` with `psql`; panics on an error.
    fn sql(&self, sql: &str) {
        let port = self.port.to_string();
        let mut psql = std::process::Command::new(self.bin.join("psql"));
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-c", sql]);
        succeed(&mut psql);
    }

    /// `pg_ctl start`, waiting until it takes connections, or `pg_ctl stop
    /// -m immediate` (the server's processes told to quit at once, as a
    /// crash: the next start recovers from the write-ahead log).
    fn server(&self, up: bool) -> std::process::Command {
        if up {
            let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.data.display());
            let log = self.data.join("server.log");
            self.program("pg_ctl", &["-w", "-t", "60", "-l", log.to_str().unwrap(), "-o", &options, "start"])
        } else {
            self.program("pg_ctl", &["-m", "immediate", "-w", "stop"])
        }
    }

    /// Whether the server is running (`pg_ctl status`).
    fn running(&self) -> bool {
        self.program("pg_ctl", &["status"]).output().is_ok_and(|o| o.status.success())
    }

    /// One of the server programs, run as the `postgres` user on the data
    /// directory.
    fn program(&self, program: &str, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(self.bin.join(program)).args(args).arg("-D").arg(&self.data);
        command
    }
}

/// Runs `command` to its end; panics with its error output if it failed.
fn succeed(command: &mut std::process::Command) {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        let _ = self.server(false).output();
    }
}

/// How the database goes away in [`intake_rides_out`].
pub(crate) enum Outage<'a> {
    /// The proxy in front of it closes every connection and closes new ones
    /// at once, as a stopped server does.
    Cut(&'a FaultProxy),
    /// The server itself stops (`pg_ctl stop -m immediate`) and starts
    /// again, recovering from its write-ahead log.
    Stopped(&'a ScratchPostgres),
}

impl Outage<'_> {
    pub(crate) async fn set(&self, away: bool) {
        match self {
            Outage::Cut(proxy) => proxy.cut(away),
            Outage::Stopped(cluster) => {
                let mut command = cluster.server(!away);
                // pg_ctl waits; the application under test runs on this thread.
                tokio::task::spawn_blocking(move || succeed(&mut command)).await.unwrap();
            }
        }
    }
}

/// PostgreSQL goes away under intake for three seconds (a proxy closes
/// every connection and refuses new ones) and returns.
#[actix_web::test]
async fn intake_rides_out_postgres_going_away_and_coming_back() {
    let Some((app, proxy)) = on_postgres_through_a_proxy().await else { return };
    intake_rides_out(&app, Outage::Cut(&proxy), Duration::from_secs(3)).await;
}

/// PostgreSQL itself stopped under intake for ten seconds (`pg_ctl stop -m
/// immediate`: what was in flight is cut, a commit may have been made
/// whose answer never came) and started again.
#[actix_web::test]
async fn intake_rides_out_postgres_stopped_for_ten_seconds() {
    let dir = std::env::temp_dir().join(format!("domovoy-pg-{}", uuid::Uuid::now_v7().simple()));
    let Some((app, postgres)) = on_scratch_postgres(&dir).await else { return };
    intake_rides_out(&app, Outage::Stopped(&postgres), Duration::from_secs(10)).await;
    drop(app);
    drop(postgres);
    let _ = std::fs::remove_dir_all(&dir);
}

/// PostgreSQL restarted while nobody writes (a maintenance window, a minor
/// upgrade): the pool's connections it closed are found out and replaced
/// before they are lent (sqlx pings a connection before lending it), so
/// the first requests after the restart are answered as if nothing
/// happened, not 503. Lending without the ping fails this test.
#[actix_web::test]
async fn a_quiet_postgres_restart_goes_unnoticed() {
    let dir = std::env::temp_dir().join(format!("domovoy-pg-{}", uuid::Uuid::now_v7().simple()));
    let Some((app, postgres)) = on_scratch_postgres(&dir).await else { return };
    let token = app.token("dispatcher").await;
    let building = building_id(&app, &app.token("admin").await, "БЦ «Гранит»").await;
    let file = |n: usize| {
        let body =
            json!({ "building_id": building, "description": format!("После перезапуска {n}"), "source": "phone" });
        let (app, token) = (&app, &token);
        async move { app.post(token, "/api/v1/tickets", &body).await.status() }
    };
    // Eight at once, so that the pool holds several connections.
    let warm = futures_util::future::join_all((0..8).map(file)).await;
    assert!(warm.iter().all(|s| *s == StatusCode::CREATED), "{warm:?}");

    for up in [false, true] {
        let mut command = postgres.server(up);
        tokio::task::spawn_blocking(move || succeed(&mut command)).await.unwrap();
    }

    // One by one, then eight at once: every pooled connection is asked for.
    for n in 8..16 {
        assert_eq!(file(n).await, StatusCode::CREATED, "ticket {n} after the restart");
        let list = app.get(&token, "/api/v1/tickets?limit=1").await.status();
        assert_eq!(list, StatusCode::OK, "a read after the restart");
    }
    let burst = futures_util::future::join_all((16..24).map(file)).await;
    assert!(burst.iter().all(|s| *s == StatusCode::CREATED), "{burst:?}");
    drop(app);
    drop(postgres);
    let _ = std::fs::remove_dir_all(&dir);
}

/// While the database is away tickets are answered 503 and readiness says
/// so, never 201 for what was not committed; every 201 is stored once;
/// intake answers 201 again within 5 s of its return, without a restart;
/// the refused requests retried with their keys are filed once.
async fn intake_rides_out(app: &TestApp, outage: Outage<'_>, away: Duration) {
    use std::sync::Mutex;
    use std::time::Instant;
    let token = app.token("dispatcher").await;
    let building = building_id(app, &app.token("admin").await, "БЦ «Гранит»").await;
    let prefix = format!("База ушла {}", uuid::Uuid::now_v7().simple());
    let post = {
        let (base, token, building, prefix) = (app.url(""), token.clone(), building.clone(), prefix.clone());
        move |key: String| {
            let description = format!("{prefix} {key}");
            file_by_phone(&base, &token, &building, &description, key, Duration::from_secs(15))
        }
    };

    // Four writers; the database goes at 1.5 s for `away`; they go on
    // 2.5 s after it returned.
    let started = Instant::now();
    let run_for = away + Duration::from_secs(4);
    // Each request's key → its status, the ticket answered, when it came
    // back, how long it took.
    type Outcomes = Arc<Mutex<HashMap<String, (u16, Option<String>, Duration, Duration)>>>;
    let outcomes: Outcomes = Arc::default();
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (post, outcomes) = (post.clone(), outcomes.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while started.elapsed() < run_for {
                let key = format!("away-{writer}-{n}");
                n += 1;
                let asked = Instant::now();
                let answer = post(key.clone()).await.unwrap();
                let took = asked.elapsed();
                let status = answer.status().as_u16();
                let id = if status == 201 {
                    answer.json::<Value>().await.unwrap()["id"].as_str().map(str::to_owned)
                } else {
                    let body: Value = answer.json().await.unwrap();
                    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("unavailable")), "{key}: {body}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    None
                };
                outcomes.lock().unwrap().insert(key, (status, id, started.elapsed(), took));
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    outage.set(true).await;
    let cut_at = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ready = client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE, "not ready while the database is away");
    tokio::time::sleep(away.saturating_sub(Duration::from_millis(500))).await;
    outage.set(false).await;
    let back_at = started.elapsed();
    for writer in writers {
        writer.await.unwrap();
    }

    let outcomes = outcomes.lock().unwrap().clone();
    let refused: Vec<&String> = outcomes.iter().filter(|(_, (s, ..))| *s == 503).map(|(k, _)| k).collect();
    assert!(!refused.is_empty(), "some requests came while the database was away");
    assert!(outcomes.values().any(|(s, _, at, _)| *s == 201 && *at < cut_at), "tickets were filed before");
    let first_after = outcomes
        .values()
        .filter(|(s, _, at, _)| *s == 201 && *at > back_at)
        .map(|(_, _, at, _)| *at - back_at)
        .min()
        .expect("tickets are filed again after the database returned");
    assert!(
        first_after < Duration::from_secs(5),
        "intake answered 201 again {first_after:?} after the database returned"
    );
    let slowest_refusal = outcomes.values().filter(|(s, ..)| *s == 503).map(|(.., took)| *took).max();
    // Only the requests in flight when it went wait out the pool's timeout
    // (one per writer); once one has, the others are told within a second.
    let slow = outcomes.values().filter(|(s, .., took)| *s == 503 && *took > Duration::from_secs(2)).count();
    assert!(slow <= 4, "{slow} refusals took more than 2 s");
    eprintln!(
        "away {away:?}: {} requests, {} refused while away (the slowest refusal took {slowest_refusal:?}); \
         201 again {first_after:?} after the database returned",
        outcomes.len(),
        refused.len()
    );

    // Every 201 stored once, as answered; the refused retried and filed once.
    for key in &refused {
        assert_eq!(post((*key).clone()).await.unwrap().status(), StatusCode::CREATED, "the retry of {key}");
    }
    let stored = tickets_by_text(&app.url(""), &token, &prefix).await;
    assert_eq!(stored.len(), outcomes.len(), "every request filed");
    for (key, (status, id, ..)) in &outcomes {
        let ids = &stored[&format!("{prefix} {key}")];
        assert_eq!(ids.len(), 1, "{key} stored once");
        if *status == 201 {
            assert_eq!(Some(&ids[0]), id.as_ref(), "{key} stored as answered");
        }
    }
}

/// A server that stands still for a moment (a VM paused, a disk stalling
/// every thread) while clients keep connecting: the kernel holds their
/// connections until it accepts them, and each is answered as soon as it
/// resumes. With `std`'s listen queue of 128 those of these 400 beyond it
/// had their handshakes dropped and retried later.
#[actix_web::test]
async fn connections_made_while_the_server_stands_still_are_answered_when_it_resumes() {
    const CLIENTS: usize = 400;
    let test_db = TestDb::sqlite().await;
    let node = Node::start(test_db.dir().unwrap(), &[("DOMOVOY_DATABASE_URL", test_db.url.clone())]).await;
    node.pause();
    let ask = |port: u16| async move {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer.starts_with(b"HTTP/1.1 200"))
    };
    let clients: Vec<_> =
        (0..CLIENTS).map(|_| tokio::spawn(tokio::time::timeout(Duration::from_secs(20), ask(node.port)))).collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    node.resume();
    let resumed = std::time::Instant::now();
    let mut answered = 0;
    let mut failures = std::collections::BTreeMap::<String, usize>::new();
    for client in clients {
        match client.await.unwrap() {
            Ok(Ok(true)) => answered += 1,
            Ok(Ok(false)) => *failures.entry("not 200".to_owned()).or_default() += 1,
            Ok(Err(error)) => *failures.entry(error.kind().to_string()).or_default() += 1,
            Err(_) => *failures.entry("no answer in 20 s".to_owned()).or_default() += 1,
        }
    }
    let last = resumed.elapsed();
    assert_eq!(answered, CLIENTS, "failed: {failures:?}");
    // Held by the kernel, every connection is served as soon as the server
    // runs (about 25 ms here); one that overflowed the queue waits for its
    // handshake to be retried (about 560 ms after the resume with 128).
    assert!(last < Duration::from_millis(300), "the last answer came {last:?} after the resume");
}

/// Clients and proxies keep an idle connection for a minute (nginx's
/// upstream `keepalive_timeout`, browsers longer) and send the next request
/// on it. A server that closes it sooner races them: the request that goes
/// out as it closes fails (a reset; a 502 from nginx, which does not resend
/// a POST). So the server keeps idle connections longer than they do; with
/// actix's 5 s this connection was gone after 6 s.
#[actix_web::test]
async fn an_idle_connection_is_kept_for_the_clients_next_request() {
    let app = TestApp::spawn().await;
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for round in 0..2 {
        if round == 1 {
            tokio::time::sleep(Duration::from_secs(6)).await;
        }
        stream.write_all(request).await.unwrap();
        let mut answer = [0_u8; 512];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await.unwrap().unwrap();
        assert!(
            answer[..read].starts_with(b"HTTP/1.1 200"),
            "round {round}: {:?}",
            String::from_utf8_lossy(&answer[..read])
        );
    }
}
