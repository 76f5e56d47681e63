//! The wall clock stepped under a running node (NTP correcting a clock an
//! hour off, a VM restored from a snapshot): the real binary under
//! libfaketime, whose offset the test changes while the node runs. Only the
//! wall clock moves (`CLOCK_REALTIME`, which every timestamp and SLA
//! deadline is read from); the monotonic clock the timers run on goes on,
//! as it does when a real clock is stepped. On SQLite the database's clock
//! is the node's own; on PostgreSQL the server's clock stays right while
//! the node's moves, and no query reads the server's (`now()` appears in no
//! statement of `store/`), so the node's clock is the one that counts there
//! too.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use domovoy_store::testing::{TestDb, temp_dir};

use crate::helpers::{WsClient, client, id_of_user, users_path};
use crate::nodes::Node;

/// Debian's `libfaketime` (package `faketime`), the thread-safe variant.
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// The offset file libfaketime reads on every call, and the node's
/// environment to read it.
struct SteppedClock(PathBuf);

impl SteppedClock {
    fn new(dir: &Path) -> SteppedClock {
        let file = dir.join("faketime");
        std::fs::write(&file, "+0\n").unwrap();
        SteppedClock(file)
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LD_PRELOAD", LIBFAKETIME.to_owned()),
            ("FAKETIME_TIMESTAMP_FILE", self.0.display().to_string()),
            ("FAKETIME_NO_CACHE", "1".to_owned()),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()),
        ]
    }

    /// Sets the node's wall clock `hours` off the machine's.
    fn step_to(&self, hours: i32) {
        std::fs::write(&self.0, format!("{hours:+}h\n")).unwrap();
    }
}

/// A ticket whose response is due in 30 minutes; the clock steps an hour
/// forward: within the SLA scan's minute the ticket is breached, once. The
/// clock steps back: a dispatcher's change re-evaluates the ticket at the
/// earlier time, and it stays breached (the verdict on the same deadlines
/// does not go back, so the breach is not announced again when the real
/// time comes), and timers armed after the step still fire on time.
#[actix_web::test]
async fn sla_timers_neither_fire_twice_nor_stop_when_the_wall_clock_steps_an_hour() {
    if libfaketime_is_installed() {
        let test_db = TestDb::sqlite().await;
        let dir = test_db.dir().unwrap().to_owned();
        sla_timers_when_the_clock_steps(&test_db, &dir).await;
    }
}

/// The same on PostgreSQL, whose own clock is not stepped.
#[actix_web::test]
async fn sla_timers_neither_fire_twice_nor_stop_when_the_wall_clock_steps_an_hour_on_postgres() {
    if libfaketime_is_installed()
        && let Some(test_db) = TestDb::postgres().await
    {
        let dir = temp_dir();
        sla_timers_when_the_clock_steps(&test_db, &dir).await;
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn libfaketime_is_installed() -> bool {
    let installed = Path::new(LIBFAKETIME).exists();
    if !installed {
        eprintln!("skipped: libfaketime is not installed (Debian's package faketime)");
    }
    installed
}

/// The scenario, with the node's data (and the clock's offset file) in `dir`.
async fn sla_timers_when_the_clock_steps(test_db: &TestDb, dir: &Path) {
    domovoy::demo::seed(&test_db.db).await.unwrap();
    let clock = SteppedClock::new(dir);
    let mut env = clock.env();
    env.push(("DOMOVOY_DATABASE_URL", test_db.url.clone()));
    let node = Node::start(dir, &env).await;
    let admin = node.token("admin").await;
    let dispatcher = node.token("dispatcher").await;
    let buildings = node.get_json(&admin, "/api/v1/buildings").await;
    let building = buildings[0]["id"].as_str().unwrap().to_owned();
    let policy = |name: &str, category: &str, response: Option<i64>, resolution: i64, warn: i64| {
        json!({
            "name": name, "building_id": building, "category": category, "response_minutes": response,
            "resolution_minutes": resolution, "warn_percent": warn, "around_the_clock": true,
        })
    };
    let post =
        |token: &str, path: &str, body: Value| client().post(node.url(path)).bearer_auth(token).json(&body).send();
    let created = post(&admin, "/api/v1/sla/policies", policy("Реакция за 30 минут", "noise", Some(30), 240, 75));
    assert_eq!(created.await.unwrap().status(), StatusCode::CREATED);
    let mut ws = WsClient::connect_port(node.port, &dispatcher).await;
    ws.follow(&format!("building:{building}"), None).await;
    let ticket = |category: &str, description: &str| json!({ "building_id": building, "description": description, "source": "phone", "category": category });
    let answer = post(&dispatcher, "/api/v1/tickets", ticket("noise", "Шумят соседи сверху")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::CREATED);
    let noisy: Value = answer.json().await.unwrap();
    let id = noisy["id"].as_str().unwrap().to_owned();
    assert_eq!(noisy["sla"]["state"], "active");

    // An hour forward: the response (due in 30 minutes) is now late.
    clock.step_to(1);
    let (breach, _) = next_sla_change(&mut ws, &noisy["id"], None, Duration::from_secs(90)).await;
    assert_eq!(breach["data"]["state"], "breached");

    // Back to the right time. A dispatcher assigns the ticket: its SLA is
    // evaluated again, at a time before its deadline.
    clock.step_to(0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let users = node.get_json(&admin, &users_path("technician")).await;
    let technician = id_of_user(&users, "technician");
    let assigned = client()
        .put(node.url(&format!("/api/v1/tickets/{id}/assignee")))
        .bearer_auth(&dispatcher)
        .json(&json!({ "assignee_id": technician }))
        .send()
        .await
        .unwrap();
    assert_eq!(assigned.status(), StatusCode::OK);
    let assigned: Value = assigned.json().await.unwrap();
    assert_eq!(assigned["sla"]["state"], "breached", "a breach announced stays: {}", assigned["sla"]);

    // Timers armed after the step back fire on time: a policy that warns
    // 2.4 s after a ticket comes in.
    let quick = post(&admin, "/api/v1/sla/policies", policy("Проверка таймера", "lift", None, 1, 4));
    assert_eq!(quick.await.unwrap().status(), StatusCode::CREATED);
    let answer = post(&dispatcher, "/api/v1/tickets", ticket("lift", "Лифт скрипит на пятом этаже")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::CREATED);
    let stuck: Value = answer.json().await.unwrap();
    let (warned, meanwhile) = next_sla_change(&mut ws, &stuck["id"], Some(&noisy["id"]), Duration::from_secs(15)).await;
    assert_eq!(warned["data"]["state"], "warning");
    // Nothing more about the first ticket: no step back to «active», no
    // second breach.
    assert!(meanwhile.is_empty(), "the breached ticket was announced again: {meanwhile:?}");
    let now = node.get_json(&dispatcher, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(now["sla"]["state"], "breached");
}

/// The next `ticket.sla` event about `ticket` within `wait`, and those about
/// `watched` that came before it. The demo's own tickets in the building
/// change too (their deadlines come with the clock) and are passed over.
async fn next_sla_change(
    ws: &mut WsClient,
    ticket: &Value,
    watched: Option<&Value>,
    wait: Duration,
) -> (Value, Vec<Value>) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut meanwhile = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = ws.expect_event("ticket.sla", left).await;
        if &event["data"]["ticket_id"] == ticket {
            return (event, meanwhile);
        }
        if watched.is_some_and(|w| &event["data"]["ticket_id"] == w) {
            meanwhile.push(event);
        }
    }
}
