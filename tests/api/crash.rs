//! Intake across a stop: concurrent creates against a real server killed
//! with SIGKILL, or stopped with SIGTERM, midway. Every ticket acknowledged
//! with 201 exists after the restart, exactly once; a request that got no
//! answer, retried with its key, is filed once too. On SQLite, and on
//! PostgreSQL when configured.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde_json::{Value, json};

use domovoy_store::testing::{TestDb, temp_dir};

use crate::helpers::{WsClient, client, tickets_by_text};
use crate::nodes::Node;

/// Writers firing at once.
const WRITERS: usize = 24;
/// The node is stopped this long after the writers start.
const KILL_AFTER: Duration = Duration::from_millis(1500);
/// Requests one writer sends at most (the loop is bounded even if the kill
/// came late).
const MAX_PER_WRITER: usize = 2_000;

const PREFIX: &str = "Заявка под нагрузкой";

/// Each request's key → the ticket id answered with 201, or `None` when no
/// answer came (the node died with it in flight, or refused it).
type Outcomes = Arc<Mutex<HashMap<String, Option<String>>>>;

async fn post(port: u16, token: &str, building: &str, key: &str) -> Result<Option<String>, reqwest::Error> {
    let body = json!({ "building_id": building, "description": format!("{PREFIX} {key}"), "source": "phone" });
    let response = client()
        .post(format!("http://127.0.0.1:{port}/api/v1/tickets"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .timeout(Duration::from_secs(10))
        .json(&body)
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::CREATED {
        return Ok(None);
    }
    let created: Value = response.json().await?;
    Ok(created["id"].as_str().map(str::to_owned))
}

/// Every ticket of the run: description → ids.
async fn stored(node: &Node, token: &str) -> HashMap<String, Vec<String>> {
    tickets_by_text(&node.url(""), token, PREFIX).await
}

/// The id of the first building `token` sees on `node`.
async fn first_building(node: &Node, token: &str) -> String {
    node.get_json(token, "/api/v1/buildings").await[0]["id"].as_str().unwrap().to_owned()
}

/// How the node is stopped midway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// SIGKILL: a power cut for the process.
    Kill,
    /// SIGTERM, as `systemctl stop`: a live page open meanwhile is told to
    /// reconnect (close 1001, `server_restart`), requests in flight finish,
    /// the node exits cleanly.
    Term,
}

async fn stopped_midway(test_db: TestDb, stop: Stop) {
    domovoy::demo::seed(&test_db.db).await.unwrap();
    let scratch = temp_dir();
    let dir = test_db.dir().map_or_else(|| scratch.clone(), ToOwned::to_owned);
    let env = [("DOMOVOY_DATABASE_URL", test_db.url.clone())];
    let mut node = Node::start(&dir, &env).await;
    let token = node.token("dispatcher").await;
    let building = first_building(&node, &token).await;
    // A page following the building, reading its socket as a browser does.
    let mut ws = WsClient::connect_port(node.port, &token).await;
    ws.follow(&format!("building:{building}"), None).await;
    let session = tokio::spawn(async move {
        loop {
            match ws.next(Duration::from_secs(30)).await {
                Some(message) if message["type"] == "closed" => return Some(message),
                Some(_) => {}
                None => return None,
            }
        }
    });

    let outcomes: Outcomes = Arc::default();
    let stop_at = Instant::now() + KILL_AFTER + Duration::from_secs(3);
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (outcomes, token, building, port) = (outcomes.clone(), token.clone(), building.clone(), node.port);
        writers.push(tokio::spawn(async move {
            for n in 0..MAX_PER_WRITER {
                let key = format!("crash-{writer}-{n}");
                let answer = post(port, &token, &building, &key).await;
                let failed = answer.is_err();
                outcomes.lock().unwrap().insert(key, answer.ok().flatten());
                if failed || Instant::now() > stop_at {
                    break;
                }
            }
        }));
    }
    tokio::time::sleep(KILL_AFTER).await;
    match stop {
        Stop::Kill => node.kill(),
        Stop::Term => {
            let (exit, took) = node.terminate(Duration::from_secs(15)).await;
            assert!(exit.success(), "the node exits cleanly on SIGTERM: {exit}");
            let closed = session.await.unwrap().expect("the page is told before the node goes");
            assert_eq!(closed["code"], 1001, "going away: reconnect elsewhere");
            eprintln!("SIGTERM under intake: stopped in {took:?}");
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let outcomes = outcomes.lock().unwrap().clone();
    let acknowledged: HashMap<&String, &String> =
        outcomes.iter().filter_map(|(k, id)| id.as_ref().map(|id| (k, id))).collect();
    let unanswered: Vec<&String> = outcomes.iter().filter(|(_, id)| id.is_none()).map(|(k, _)| k).collect();
    assert!(acknowledged.len() > WRITERS, "the node took work before it died ({} acknowledged)", acknowledged.len());
    assert!(!unanswered.is_empty(), "the stop came while requests were in flight");
    eprintln!("{stop:?}: {} acknowledged, {} unanswered", acknowledged.len(), unanswered.len());

    let node = Node::start(&dir, &env).await;
    let token = node.token("dispatcher").await;
    let found = stored(&node, &token).await;
    for (key, id) in &acknowledged {
        let ids = found.get(&format!("{PREFIX} {key}")).unwrap_or_else(|| panic!("acknowledged {key} was lost"));
        assert_eq!(ids, &vec![(*id).clone()], "{key} is stored exactly once, as answered");
    }
    assert!(found.values().all(|ids| ids.len() == 1), "no request was filed twice");

    // The client retries what got no answer, with the same keys.
    for key in &unanswered {
        let answered = post(node.port, &token, &building, key).await.unwrap();
        assert!(answered.is_some(), "the retry of {key} is answered");
    }
    let found = stored(&node, &token).await;
    assert_eq!(found.len(), outcomes.len(), "every request is filed");
    assert!(found.values().all(|ids| ids.len() == 1), "retries filed nothing twice");
    let _ = std::fs::remove_dir_all(scratch);
}

#[actix_web::test]
async fn acknowledged_tickets_survive_a_kill_exactly_once_on_sqlite() {
    stopped_midway(TestDb::sqlite().await, Stop::Kill).await;
}

#[actix_web::test]
async fn a_node_stopped_under_intake_finishes_what_it_took_and_sends_pages_elsewhere() {
    stopped_midway(TestDb::sqlite().await, Stop::Term).await;
}

#[actix_web::test]
async fn acknowledged_tickets_survive_a_kill_exactly_once_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    stopped_midway(db, Stop::Kill).await;
}

/// A page that stopped reading (a laptop suspended with the board open)
/// while its building's events piled up does not hold up a graceful stop:
/// told «going away» like every page, it does not take even that, and its
/// connection is cut a second later. Before, the node waited for it until
/// `http.shutdown_timeout_secs` ran out (here 10 s).
#[actix_web::test]
async fn a_page_that_stopped_reading_does_not_hold_up_a_graceful_stop() {
    let test_db = TestDb::sqlite().await;
    domovoy::demo::seed(&test_db.db).await.unwrap();
    let dir = test_db.dir().expect("a SQLite test database has a directory").to_owned();
    let env = [("DOMOVOY_DATABASE_URL", test_db.url.clone()), ("DOMOVOY_HTTP__SHUTDOWN_TIMEOUT_SECS", "10".into())];
    let mut node = Node::start(&dir, &env).await;
    let admin = node.token("admin").await;
    let building = first_building(&node, &admin).await;
    let mut stalled = WsClient::connect_stalling(node.port, &admin).await;
    stalled.follow(&format!("building:{building}"), None).await;

    // About 1 KiB per event, 600 events: more than the stalled connection's
    // kernel buffers (256 KiB on the server's side, 4 KiB on the client's)
    // and the server's own buffers hold, so the server has frames it cannot
    // hand to the socket.
    let address = "г. Москва, ".to_owned() + &"очень длинный адрес ".repeat(14);
    let writes = (0..600).map(|n| {
        let (url, admin, address) = (node.url(&format!("/api/v1/buildings/{building}")), admin.clone(), address.clone());
        async move {
            let body = json!({"name": format!("{}{n}", "Башня ".repeat(30)), "address": address, "time_zone": "Europe/Moscow"});
            let response = client().put(url).bearer_auth(admin).json(&body).send().await.unwrap();
            assert!(response.status().is_success(), "{}", response.status());
        }
    });
    futures_util::stream::iter(writes).buffer_unordered(16).collect::<Vec<_>>().await;

    let (exit, took) = node.terminate(Duration::from_secs(15)).await;
    assert!(exit.success(), "the node exits cleanly on SIGTERM: {exit}");
    eprintln!("SIGTERM with a page that stopped reading: stopped in {took:?}");
    assert!(took < Duration::from_secs(5), "the stop waited {took:?} for the page");

    // The page, reading again, gets part of the flood and then loses the
    // connection: it reconnects and replays, as after any restart.
    let mut frames = 0;
    while let Some(Some(Ok(_))) = stalled.raw_next(Duration::from_secs(5)).await {
        frames += 1;
        assert!(frames < 600, "the page got the whole flood: it had not fallen behind");
    }
}
