//! Two nodes on one PostgreSQL and one Redis (PostgreSQL and Redis tests:
//! they run when DOMOVOY_TEST_POSTGRES_URL and DOMOVOY_TEST_REDIS_URL are
//! set; the Redis is a private `redis-server` the test may stop).

use std::time::Duration;

use serde_json::Value;

use domovoy_store::testing::TestDb;

use crate::helpers::{WsClient, client};
use crate::nodes::{Node, Redis};

const TOWER: &str = "ЖК «Северная звезда»";

async fn rename(node: &Node, token: &str, id: &str, name: &str) {
    let body = serde_json::json!({"name": name, "address": "г. Москва", "time_zone": "Europe/Moscow"});
    let response =
        client().put(node.url(&format!("/api/v1/buildings/{id}"))).bearer_auth(token).json(&body).send().await.unwrap();
    assert!(response.status().is_success());
}

/// Events on `topic` until `count` arrived (or none for `wait`).
async fn receive(ws: &mut WsClient, topic: &str, count: usize, wait: Duration) -> Vec<Value> {
    let mut events = Vec::new();
    while events.len() < count {
        let Some(message) = ws.next(wait).await else { break };
        if message["type"] == "event" && message["topic"] == topic {
            events.push(message);
        }
    }
    events
}

/// Two nodes on a fresh PostgreSQL database with the demo data and a
/// private Redis, an administrator's token and the tower's topic.
struct TwoNodes {
    a: Node,
    b: Node,
    redis: Redis,
    token: String,
    id: String,
    topic: String,
    _dir: TempDir,
    _db: TestDb,
}

/// A directory removed when dropped (after the nodes using it).
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TwoNodes {
    /// `None` (said) without `DOMOVOY_TEST_REDIS_URL` or PostgreSQL.
    async fn start() -> Option<TwoNodes> {
        let Ok(_) = std::env::var("DOMOVOY_TEST_REDIS_URL") else {
            eprintln!("skipped: DOMOVOY_TEST_REDIS_URL is not set, so this Redis test did not run");
            return None;
        };
        let db = TestDb::postgres().await?;
        domovoy::demo::seed(&db.db).await.unwrap();
        let redis = Redis::start().await;
        let dir = TempDir(domovoy_store::testing::temp_dir());
        let env = [("DOMOVOY_DATABASE_URL", db.url.clone()), ("DOMOVOY_REDIS_URL", redis.url())];
        let a = Node::start(&dir.0, &env).await;
        let b = Node::start(&dir.0, &env).await;
        let token = a.token("admin").await;
        let buildings: Vec<Value> =
            client().get(b.url("/api/v1/buildings")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        let id = buildings.iter().find(|x| x["name"] == TOWER).unwrap()["id"].as_str().unwrap().to_owned();
        let topic = format!("building:{id}");
        Some(TwoNodes { a, b, redis, token, id, topic, _dir: dir, _db: db })
    }
}

/// Waits until `node` reports its link to Redis up, `within` at most.
async fn connected(node: &Node, within: Duration) {
    let deadline = std::time::Instant::now() + within;
    loop {
        let metrics = client().get(node.url("/metrics")).send().await.unwrap().text().await.unwrap();
        if metrics.contains("domovoy_redis_connected 1") {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "node on port {} is not connected to Redis", node.port);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn events_committed_on_one_node_reach_clients_of_another_even_across_a_redis_stall() {
    let Some(nodes) = TwoNodes::start().await else { return };
    let (a, b, redis, token, id, topic) = (&nodes.a, &nodes.b, &nodes.redis, &nodes.token, &nodes.id, &nodes.topic);
    let mut ws = WsClient::connect_port(b.port, token).await;
    let start = ws.follow(topic, None).await;
    // Both nodes listen to Redis before the first write.
    for node in [a, b] {
        connected(node, Duration::from_secs(10)).await;
    }

    // With Redis healthy the doorbell rings at once: far sooner than the
    // periodic catch-up (every 2 s) would deliver.
    let mut slowest = Duration::ZERO;
    for n in 1..=5 {
        let sent = std::time::Instant::now();
        rename(a, token, id, &format!("Через узел A {n}")).await;
        let got = receive(&mut ws, topic, 1, Duration::from_secs(5)).await;
        assert_eq!(got.len(), 1, "node B delivers an event committed on node A");
        assert_eq!(got[0]["seq"], start + n);
        assert_eq!(got[0]["data"]["name"], format!("Через узел A {n}"));
        slowest = slowest.max(sent.elapsed());
    }
    assert!(slowest < Duration::from_millis(700), "slowest delivery through Redis took {slowest:?}");
    let start = start + 4;

    // Redis hangs (SIGSTOP): publishing stalls and fails, nothing is closed.
    redis.pause();
    for n in 0..10 {
        rename(a, token, id, &format!("Пока Redis стоит {n}")).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    redis.resume();
    for n in 0..5 {
        rename(a, token, id, &format!("После {n}")).await;
    }
    let rest = receive(&mut ws, topic, 15, Duration::from_secs(15)).await;
    let seqs: Vec<i64> = rest.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, ((start + 2)..=(start + 16)).collect::<Vec<_>>(), "every event, in order, once");
    let late = ws.drain(Duration::from_millis(500)).await;
    assert!(late.iter().all(|m| m["type"] != "event"), "no duplicates afterwards: {late:?}");

    let metrics = client().get(b.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("domovoy_redis_connected 1"), "node B is connected to Redis again");
}

/// Redis hangs for 30 s (SIGSTOP: it takes connections and answers
/// nothing, a blackhole), then dies and comes back empty. Node A keeps
/// taking writes throughout; node B's session gets every event in order,
/// once, and while Redis hangs each within the catch-up's few seconds
/// (read from the database), never waiting for Redis to return.
#[actix_web::test]
async fn events_reach_the_other_node_while_redis_hangs_for_30_s_and_after_it_restarts_empty() {
    let Some(mut nodes) = TwoNodes::start().await else { return };
    let (a, b, token, id, topic) = (&nodes.a, &nodes.b, &nodes.token, &nodes.id, &nodes.topic);
    let mut ws = WsClient::connect_port(b.port, token).await;
    let mut seq = ws.follow(topic, None).await;

    // One write a second for 30 s while Redis hangs: each reaches B.
    nodes.redis.pause();
    let mut slowest = Duration::ZERO;
    for n in 0..30 {
        let sent = std::time::Instant::now();
        rename(a, token, id, &format!("Redis молчит {n}")).await;
        let got = receive(&mut ws, topic, 1, Duration::from_secs(10)).await;
        assert_eq!(got.len(), 1, "event {n} reached node B while Redis hangs");
        seq += 1;
        assert_eq!(got[0]["seq"], seq, "in order, once");
        slowest = slowest.max(sent.elapsed());
        tokio::time::sleep(Duration::from_secs(1).saturating_sub(sent.elapsed())).await;
    }
    assert!(slowest < Duration::from_secs(5), "slowest delivery while Redis hung: {slowest:?}");
    eprintln!("Redis hung 30 s: 30 of 30 events reached node B, the slowest in {slowest:?}");

    // Redis dies and a new, empty one starts on its address.
    nodes.redis.restart_empty().await;
    for n in 0..10 {
        rename(a, token, id, &format!("Новый Redis {n}")).await;
    }
    let rest = receive(&mut ws, topic, 10, Duration::from_secs(15)).await;
    let seqs: Vec<i64> = rest.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, ((seq + 1)..=(seq + 10)).collect::<Vec<_>>(), "every event, in order, once");
    let late = ws.drain(Duration::from_millis(500)).await;
    assert!(late.iter().all(|m| m["type"] != "event"), "no duplicates afterwards: {late:?}");
    for node in [a, b] {
        connected(node, Duration::from_secs(40)).await;
    }
}

/// A node keeps a token it found for a second (`TOKEN_CACHE_TTL`), so that
/// a burst of requests reads it once: signed out on one node, the token is
/// refused there at once and on the other within that second.
#[actix_web::test]
async fn a_token_signed_out_on_one_node_is_refused_on_the_other_within_a_second() {
    let Some(nodes) = TwoNodes::start().await else { return };
    let token = nodes.a.token("dispatcher").await;
    let me = |node: &Node| client().get(node.url("/api/v1/me")).bearer_auth(&token).send();
    assert_eq!(me(&nodes.b).await.unwrap().status(), reqwest::StatusCode::OK, "known on the other node");
    let out = client().post(nodes.a.url("/api/v1/auth/logout")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(out.status(), reqwest::StatusCode::NO_CONTENT);
    let signed_out = std::time::Instant::now();
    assert_eq!(me(&nodes.a).await.unwrap().status(), reqwest::StatusCode::UNAUTHORIZED, "refused where signed out");
    while me(&nodes.b).await.unwrap().status() != reqwest::StatusCode::UNAUTHORIZED {
        assert!(
            signed_out.elapsed() < domovoy_app::auth::TOKEN_CACHE_TTL + Duration::from_millis(500),
            "the other node still takes the token {:?} after the sign-out",
            signed_out.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("refused on the other node {:?} after the sign-out", signed_out.elapsed());
}
