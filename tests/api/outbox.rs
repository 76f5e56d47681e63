//! The outbox across a crash: webhooks are delivered at least once, each
//! message at most once per attempt, and nothing is lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use domovoy_store::testing::TestDb;

use crate::helpers::client;
use crate::nodes::{Node, free_port};

/// What the receiving integration saw: delivery id, signature, body.
type Received = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A webhook receiver that answers at once, or slowly while `slow` is set
/// (so a sender can die mid-request).
async fn start_receiver(slow: Arc<AtomicBool>) -> (u16, Received) {
    let received: Received = Arc::new(Mutex::new(Vec::new()));
    let port = free_port();
    let log = received.clone();
    let server = HttpServer::new(move || {
        let (log, slow) = (log.clone(), slow.clone());
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: web::Json<Value>| {
                let (log, slow) = (log.clone(), slow.clone());
                async move {
                    let header = |name: &str| {
                        req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
                    };
                    log.lock().unwrap().push((
                        header("x-domovoy-delivery"),
                        header("x-domovoy-signature"),
                        body.into_inner(),
                    ));
                    if slow.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    HttpResponse::Ok().finish()
                }
            }),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", port))
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    (port, received)
}

#[actix_web::test]
async fn a_node_killed_while_sending_loses_no_webhook_and_repeats_only_interrupted_ones() {
    let test_db = TestDb::sqlite().await;
    domovoy::demo::seed(&test_db.db).await.unwrap();
    let dir = test_db.dir().unwrap().to_owned();
    let slow = Arc::new(AtomicBool::new(false));
    let (receiver_port, received) = start_receiver(slow.clone()).await;
    let env = [
        ("DOMOVOY_DATABASE_URL", test_db.url.clone()),
        ("DOMOVOY_OUTBOX__LEASE_SECS", "2".to_owned()),
        ("DOMOVOY_OUTBOX__POLL_INTERVAL_MS", "100".to_owned()),
    ];
    let mut first = Node::start(&dir, &env).await;
    let token = first.token("admin").await;
    let created = client()
        .post(first.url("/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"name": "1С", "url": format!("http://127.0.0.1:{receiver_port}/hook"), "event_kinds": ["building.updated"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let secret = created.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();

    let buildings: Vec<Value> =
        client().get(first.url("/api/v1/buildings")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let id = buildings[0]["id"].as_str().unwrap().to_owned();
    let rename = |n: usize| {
        let (url, token) = (first.url(&format!("/api/v1/buildings/{id}")), token.clone());
        async move {
            let body = json!({"name": format!("Объект {n}"), "address": "г. Москва", "time_zone": "Europe/Moscow"});
            let response = client().put(url).bearer_auth(token).json(&body).send().await.unwrap();
            assert!(response.status().is_success());
        }
    };
    let db = domovoy_store::Db::connect(&test_db.url, &domovoy_store::DbOptions::default()).await.unwrap();
    let wait_for = |what: &'static str, done: Box<dyn Fn() -> bool>| async move {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };

    // Ten changes delivered and acknowledged.
    let total = 20;
    for n in 0..10 {
        rename(n).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while domovoy_store::outbox::backlog(&db).await.unwrap() > 0 || received.lock().unwrap().len() < 10 {
        assert!(Instant::now() < deadline, "the first ten were not sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let acknowledged: std::collections::HashSet<String> =
        received.lock().unwrap().iter().map(|(d, _, _)| d.clone()).collect();

    // Ten more; the receiver now holds its answers, and the node is killed
    // while they are in flight.
    slow.store(true, Ordering::SeqCst);
    for n in 10..total {
        rename(n).await;
    }
    let log = received.clone();
    wait_for("a request in flight", Box::new(move || log.lock().unwrap().len() > 10)).await;
    first.kill();
    slow.store(false, Ordering::SeqCst);
    let backlog = domovoy_store::outbox::backlog(&db).await.unwrap();
    assert!(backlog > 0, "messages were in flight, unacknowledged, at the kill");
    let at_kill = received.lock().unwrap().len();

    // Another node on the same database takes over after the leases expire.
    let second = Node::start(&dir, &env).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let distinct: std::collections::HashSet<String> =
            received.lock().unwrap().iter().map(|(d, _, _)| d.clone()).collect();
        if distinct.len() == total && domovoy_store::outbox::backlog(&db).await.unwrap() == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {total} deliveries arrived and were acknowledged",
            distinct.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(second);

    let received = received.lock().unwrap().clone();
    // Every request is signed with the webhook's secret.
    for (_, signature, body) in &received {
        let expected = domovoy_actors::outbox::hmac::hex(&domovoy_actors::outbox::hmac::hmac_sha256(
            secret.as_bytes(),
            &serde_json::to_vec(body).unwrap(),
        ));
        assert_eq!(signature, &format!("sha256={expected}"));
        assert_eq!(body["kind"], "building.updated");
    }
    // The consumer dedupes by delivery id: each event exactly once.
    let mut per_delivery: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (delivery, _, _) in &received {
        *per_delivery.entry(delivery).or_default() += 1;
    }
    assert_eq!(per_delivery.len(), total);
    let seqs: std::collections::BTreeSet<i64> = received.iter().map(|(_, _, b)| b["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs.len(), total, "every committed change reached the integration");

    // Repeats only for messages interrupted by the kill, each sent at most
    // once per attempt; acknowledged ones were never sent again.
    for delivery in &acknowledged {
        assert_eq!(per_delivery[delivery.as_str()], 1, "{delivery} was sent again after it was acknowledged");
    }
    // The webhook's messages (the demo's history has texts of its own).
    let states: Vec<_> = domovoy_store::outbox::recent(&db, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.channel == domovoy_store::webhooks::CHANNEL)
        .collect();
    assert_eq!(states.len(), total);
    for state in &states {
        assert!(state.sent_at.is_some(), "{} was not marked sent", state.dedup_key);
        let sends = per_delivery[state.dedup_key.as_str()];
        assert!(sends as i64 <= state.attempts, "{}: {sends} sends in {} attempts", state.dedup_key, state.attempts);
    }
    let repeated = per_delivery.values().filter(|n| **n > 1).count();
    assert!(repeated <= at_kill - acknowledged.len(), "only messages in flight at the kill repeat");
    db.close().await;
}
