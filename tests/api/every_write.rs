//! Every kind of write the front line makes, through the shipped nginx to
//! two nodes on one PostgreSQL and one Redis, while something fails for ten
//! seconds (PostgreSQL stopped with `pg_ctl stop -m immediate`, a node
//! SIGKILLed, Redis hung, replies lost after the commit) and comes back: dispatchers filing tickets, a
//! guard marking arrivals, the staff app sending sync batches, the PBX
//! sending call events, the office sending mailings; two boards follow the
//! building.
//!
//! Each client does what its real counterpart does with a refusal: it tries
//! the same operation again (the same key, the same pass, the same batch,
//! the same call id, the same draft) until it is acknowledged, and only
//! then goes on. Every attempt is logged. Afterwards one checker reads
//! everything back through the API and counts, per kind, what was
//! acknowledged and is missing (lost) and what is stored twice; a commit
//! whose answer the fault cut off must be found by the retry, not made
//! again.
//!
//! The tests need Redis and nginx, the PostgreSQL stop also PostgreSQL's
//! server programs and root (a cluster of its own); they say they skipped
//! otherwise.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::faults::{FaultProxy, Outage, ScratchPostgres, file_by_phone, on_scratch_postgres};
use crate::helpers::{TestApp, WsClient, building_id, client, tickets_by_text};
use crate::nodes::{Node, Redis};
use crate::proxy::{Nginx, two_nodes_behind_nginx_can_run};

/// The kinds of write, each with its own client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Ticket,
    Arrival,
    Sync,
    Call,
    Mailing,
}

const KINDS: [Kind; 5] = [Kind::Ticket, Kind::Arrival, Kind::Sync, Kind::Call, Kind::Mailing];

/// How one attempt ended.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// Acknowledged, with what the answer named (a ticket, a visit, a
    /// mailing), to compare with what is stored.
    Done(String),
    /// 503 `unavailable`: nothing promised; the client tries again.
    Refused,
}

/// One attempt of operation `op` of a kind: when it was answered (from the
/// start of the run) and how long it took.
#[derive(Clone, Debug)]
pub(crate) struct Attempt {
    pub kind: Kind,
    pub op: usize,
    pub at: Duration,
    pub took: Duration,
    pub outcome: Outcome,
}

/// Every attempt of every client, in the order they were answered.
#[derive(Clone, Default)]
pub(crate) struct History(Arc<Mutex<Vec<Attempt>>>);

impl History {
    pub(crate) fn attempts(&self) -> Vec<Attempt> {
        self.0.lock().unwrap().clone()
    }

    /// Operation → what its acknowledgement named, for one kind.
    pub(crate) fn done(&self, kind: Kind) -> HashMap<usize, String> {
        let mut done = HashMap::new();
        for attempt in self.attempts().into_iter().filter(|a| a.kind == kind) {
            if let Outcome::Done(named) = attempt.outcome {
                assert!(done.insert(attempt.op, named).is_none(), "{kind:?} {} acknowledged twice", attempt.op);
            }
        }
        done
    }
}

/// A client's loop: the operations of `ops` one after another, `every`
/// apart, until `until` has passed since `started`; each is tried (50 ms
/// between refusals) until it is acknowledged, for 30 s at most.
/// `attempt(op)` sends operation `op` once.
pub(crate) async fn client_loop<F, Fut>(
    kind: Kind,
    history: History,
    started: Instant,
    until: Duration,
    every: Duration,
    ops: std::ops::Range<usize>,
    mut attempt: F,
) where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Outcome>,
{
    for op in ops {
        if started.elapsed() >= until {
            return;
        }
        let given_up = Instant::now() + Duration::from_secs(30);
        loop {
            let asked = Instant::now();
            let outcome = attempt(op).await;
            let took = asked.elapsed();
            let done = matches!(outcome, Outcome::Done(_));
            history.0.lock().unwrap().push(Attempt { kind, op, at: started.elapsed(), took, outcome });
            if done {
                break;
            }
            assert!(Instant::now() < given_up, "{kind:?} {op} still refused after 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(every).await;
    }
}

/// The answer's JSON when its status is `expected`; `None` for what the
/// fault may give instead of an answer (then the client tries again); any
/// other answer fails the test.
async fn answered(
    fault: Fault,
    what: &str,
    response: reqwest::Result<Response>,
    expected: &[StatusCode],
) -> Option<(StatusCode, Value)> {
    let response = match response {
        Ok(response) => response,
        Err(_) if fault == Fault::RepliesLost => return None,
        Err(error) => panic!("{what}: no answer through nginx: {error}"),
    };
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if fault.unanswered(status) {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(body["error"]["code"], "unavailable", "{what}: {body}");
        }
        return None;
    }
    assert!(expected.contains(&status), "{what}: {status} {body}");
    Some((status, body))
}

/// What goes wrong for ten seconds while the clients write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// PostgreSQL stopped (`pg_ctl stop -m immediate`), then started.
    PostgresStopped,
    /// One node SIGKILLed (nothing finished, nothing said), then started.
    NodeKilled,
    /// Redis hung (SIGSTOP: connections open, nothing answered), then
    /// resumed.
    RedisHung,
    /// One answer in five lost after the server sent it (a loopback proxy
    /// in front of nginx closes the client's connection instead): the work
    /// was done, the client never heard.
    RepliesLost,
}

impl Fault {
    /// Whether a client may get `status` instead of an answer while the
    /// fault lasts (and tries again): 503 while the database is down, 502
    /// from nginx for a request the killed node had taken. Redis hanging
    /// refuses nothing; a lost reply is no status at all.
    fn unanswered(self, status: StatusCode) -> bool {
        match self {
            Fault::PostgresStopped => status == StatusCode::SERVICE_UNAVAILABLE,
            Fault::NodeKilled => status == StatusCode::BAD_GATEWAY,
            Fault::RedisHung | Fault::RepliesLost => false,
        }
    }
}

/// A request through nginx that owns what it sends.
fn send(base: &str, path: &str, token: &str, body: &Value) -> impl Future<Output = reqwest::Result<Response>> + use<> {
    client().post(format!("{base}{path}")).bearer_auth(token).timeout(Duration::from_secs(20)).json(body).send()
}

/// [`send`] for the setup, which must be answered.
fn post(base: &str, path: &str, token: &str, body: &Value) -> impl Future<Output = Response> + use<> {
    let (sent, path) = (send(base, path, token, body), path.to_owned());
    async move { sent.await.unwrap_or_else(|e| panic!("POST {path}: {e}")) }
}

async fn get(base: &str, path: &str, token: &str) -> Value {
    let response = client().get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

/// What the clients write to, set up before the run (while PostgreSQL is up).
struct Setup {
    fault: Fault,
    base: String,
    run: String,
    /// The phone's change `seq` has the id `ids + seq`, the same in a resend.
    ids: u128,
    dispatcher: String,
    guard: String,
    technician: String,
    service: String,
    granite: String,
    /// The guests' passes, one arrival each, and their building.
    passes: Vec<String>,
    pass_building: String,
    /// The ticket the technician's phone comments on, and the phone's id.
    ticket: String,
    device: String,
    /// The PBX's address for events.
    cti: String,
    /// The section of the tower the mailings go to.
    section: String,
}

const PASSES: usize = 240;
const BATCH: usize = 5;

impl Setup {
    async fn make(app: &TestApp, base: String, fault: Fault) -> Setup {
        let run = uuid::Uuid::now_v7().simple().to_string()[20..].to_owned();
        let admin = app.token("admin").await;
        let resident = app.token("+79001000001").await;
        let service = app.token("service").await;
        // Sixteen at a time: nginx's default 512 connections a worker.
        let passes: Vec<Value> = futures_util::stream::iter(0..PASSES)
            .map(|n| {
                let body = json!({"kind": "guest", "visitor_name": format!("Гость {run}-{n} Петрович")});
                let response = post(&base, "/api/v1/passes", &resident, &body);
                async move {
                    let response = response.await;
                    assert_eq!(response.status(), StatusCode::CREATED);
                    response.json::<Value>().await.unwrap()
                }
            })
            .buffered(16)
            .collect()
            .await;
        let pass_building = passes[0]["building_id"].as_str().unwrap().to_owned();
        let tower = building_id(app, &admin, "ЖК «Северная звезда»").await;
        let dispatcher = app.token("dispatcher").await;
        let ticket = post(
            &base,
            "/api/v1/tickets",
            &dispatcher,
            &json!({"building_id": tower, "description": format!("Обход стояков {run}"), "source": "staff"}),
        )
        .await;
        assert_eq!(ticket.status(), StatusCode::CREATED);
        let technician = app.token("technician").await;
        let device = post(&base, "/api/v1/devices", &technician, &json!({"platform": "none"})).await;
        assert!(device.status().is_success(), "the phone registers: {}", device.status());
        let pbx = post(&base, "/api/v1/integrations/pbx", &admin, &json!({"name": "Asterisk"})).await;
        assert_eq!(pbx.status(), StatusCode::CREATED);
        Setup {
            fault,
            run,
            ids: uuid::Uuid::now_v7().as_u128(),
            dispatcher,
            guard: app.token("guard").await,
            technician,
            granite: building_id(app, &admin, "БЦ «Гранит»").await,
            passes: passes.iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect(),
            pass_building,
            ticket: ticket.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned(),
            device: device.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned(),
            cti: pbx.json::<Value>().await.unwrap()["url"].as_str().unwrap().to_owned(),
            section: crate::mailings::ivanovs_section(app, &service).await,
            service,
            base,
        }
    }

    fn ticket_text(&self, op: usize) -> String {
        format!("База остановлена {} №{op}", self.run)
    }

    fn comment(&self, op: usize, i: usize) -> String {
        format!("Стояк {} {op}.{i} проверен", self.run)
    }

    fn call_id(&self, op: usize) -> String {
        format!("{}.{op}", self.run)
    }

    fn mailing_title(&self, op: usize) -> String {
        format!("Плановые работы {} №{op}", self.run)
    }
}

/// Starts every client; they run for `until` from `started`.
fn start_clients(
    setup: &Arc<Setup>,
    history: &History,
    started: Instant,
    until: Duration,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut clients = Vec::new();
    // Two dispatchers filing a ticket every 10 ms, each request with its
    // key (the retry of a refused one keeps it).
    for writer in 0..2 {
        let (s, history) = (setup.clone(), history.clone());
        let ops = writer * 100_000..(writer + 1) * 100_000;
        clients.push(tokio::spawn(client_loop(
            Kind::Ticket,
            history,
            started,
            until,
            Duration::from_millis(10),
            ops,
            move |op| {
                let key = format!("{}-{op}", s.run);
                let sent =
                    file_by_phone(&s.base, &s.dispatcher, &s.granite, &s.ticket_text(op), key, Duration::from_secs(20));
                let fault = s.fault;
                async move {
                    match answered(fault, "a ticket", sent.await, &[StatusCode::CREATED]).await {
                        Some((_, body)) => Outcome::Done(body["id"].as_str().unwrap().to_owned()),
                        None => Outcome::Refused,
                    }
                }
            },
        )));
    }
    // The guard marks each guest's arrival; a mark whose answer was cut
    // off is answered 409 `already_on_site` with the visit it made.
    let (s, h) = (setup.clone(), history.clone());
    clients.push(tokio::spawn(client_loop(
        Kind::Arrival,
        h,
        started,
        until,
        Duration::from_millis(100),
        0..PASSES,
        move |op| {
            let sent = send(&s.base, &format!("/api/v1/passes/{}/arrival", s.passes[op]), &s.guard, &json!({}));
            let fault = s.fault;
            async move {
                match answered(fault, "an arrival", sent.await, &[StatusCode::CREATED, StatusCode::CONFLICT]).await {
                    Some((status, body)) => {
                        if status == StatusCode::CONFLICT {
                            assert_eq!(body["error"]["code"], "already_on_site", "{body}");
                        }
                        Outcome::Done(body["visit"]["id"].as_str().unwrap().to_owned())
                    }
                    None => Outcome::Refused,
                }
            }
        },
    )));
    // The technician's phone: batches of five comments numbered on from
    // the last; a refused batch is sent again whole, as the outbox does.
    let (s, h) = (setup.clone(), history.clone());
    clients.push(tokio::spawn(client_loop(
        Kind::Sync,
        h,
        started,
        until,
        Duration::from_millis(80),
        0..10_000,
        move |op| {
            let mutations: Vec<Value> = (0..BATCH)
                .map(|i| {
                    let seq = op * BATCH + i + 1;
                    json!({"seq": seq, "id": uuid::Uuid::from_u128(s.ids + seq as u128),
                       "kind": "ticket.comment", "ticket_id": s.ticket, "text": s.comment(op, i)})
                })
                .collect();
            let sent =
                send(&s.base, "/api/v1/sync", &s.technician, &json!({"device_id": s.device, "mutations": mutations}));
            let fault = s.fault;
            async move {
                match answered(fault, "a sync batch", sent.await, &[StatusCode::OK]).await {
                    Some((_, body)) => {
                        let results = body["results"].as_array().unwrap();
                        assert_eq!(results.len(), BATCH, "{body}");
                        for result in results {
                            assert!(["applied", "duplicate"].contains(&result["status"].as_str().unwrap()), "{body}");
                        }
                        Outcome::Done(String::new())
                    }
                    None => Outcome::Refused,
                }
            }
        },
    )));
    // The PBX: a resident's call rings; the PBX sends the event again
    // until it is taken.
    let (s, h) = (setup.clone(), history.clone());
    clients.push(tokio::spawn(client_loop(
        Kind::Call,
        h,
        started,
        until,
        Duration::from_millis(50),
        0..10_000,
        move |op| {
            let event = json!({"event": "newCall", "from": "89001000002", "to": "4951234567", "direction": "in",
                           "callId": s.call_id(op), "user": "dispatcher"});
            let sent =
                client().post(format!("{}{}", s.base, s.cti)).timeout(Duration::from_secs(20)).json(&event).send();
            let fault = s.fault;
            async move {
                match answered(fault, "a call event", sent.await, &[StatusCode::OK]).await {
                    Some(_) => Outcome::Done(String::new()),
                    None => Outcome::Refused,
                }
            }
        },
    )));
    // The office: a draft for a section of the tower, then sent; a refused
    // send is sent again (the same draft), and a send whose answer was cut
    // off is told `mailing_already_sent`.
    let (s, h) = (setup.clone(), history.clone());
    let drafts: Arc<Mutex<HashMap<usize, String>>> = Arc::default();
    clients.push(tokio::spawn(client_loop(Kind::Mailing, h, started, until, Duration::from_millis(300), 0..10_000, move |op| {
        let (s, drafts) = (s.clone(), drafts.clone());
        async move {
            let draft = drafts.lock().unwrap().get(&op).cloned();
            let id = match draft {
                Some(id) => id,
                None => {
                    let body = json!({"title": s.mailing_title(op), "body": "Здравствуйте, {{ name }}! Завтра с 10:00 до 12:00 промывка труб.",
                                      "kind": "works", "channels": ["in_app"], "audience": {"section_ids": [s.section]}});
                    let created = send(&s.base, "/api/v1/mailings", &s.service, &body).await;
                    let Some((_, created)) = answered(s.fault, "a draft", created, &[StatusCode::CREATED]).await else {
                        return Outcome::Refused;
                    };
                    let id = created["id"].as_str().unwrap().to_owned();
                    drafts.lock().unwrap().insert(op, id.clone());
                    id
                }
            };
            let sent = send(&s.base, &format!("/api/v1/mailings/{id}/send"), &s.service, &json!({})).await;
            match answered(s.fault, "a send", sent, &[StatusCode::ACCEPTED, StatusCode::UNPROCESSABLE_ENTITY]).await {
                Some((status, body)) => {
                    if status == StatusCode::UNPROCESSABLE_ENTITY {
                        assert_eq!(body["error"]["code"], "mailing_already_sent", "{body}");
                    }
                    Outcome::Done(id)
                }
                None => Outcome::Refused,
            }
        }
    })));
    clients
}

/// Per kind: operations acknowledged, attempts refused, lost, stored twice.
#[derive(Debug, Default)]
struct Count {
    acknowledged: usize,
    refused: usize,
    lost: usize,
    twice: usize,
}

/// A board following `topic` through nginx, read all along; when its
/// connection goes (its node stopping), it connects again through nginx and
/// resumes after the last event it had, as the page does. Counts how many
/// times it was told of each ticket, and its reconnections; ends when
/// `stop` is set and nothing came for 2 s.
pub(crate) async fn board(
    nginx_port: u16,
    token: String,
    topic: String,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(HashMap<String, u32>, u32)> {
    // Subscribed before the first ticket is filed.
    let mut ws = WsClient::connect_port(nginx_port, &token).await;
    let mut seq = ws.follow(&topic, None).await;
    tokio::spawn(async move {
        let (mut told, mut reconnects) = (HashMap::new(), 0);
        loop {
            let asked = Instant::now();
            let message = ws.next(Duration::from_secs(2)).await;
            let gone = match &message {
                Some(event) if event["type"] == "event" => {
                    seq = event["seq"].as_i64().unwrap();
                    if event["kind"] == "ticket.created" {
                        *told.entry(event["data"]["id"].as_str().unwrap().to_owned()).or_default() += 1;
                    }
                    false
                }
                Some(other) => {
                    // Replayed events come before the confirmation; a
                    // `resync` would mean the history was not there.
                    assert!(["subscribed", "closed"].contains(&other["type"].as_str().unwrap_or("")), "{other}");
                    other["type"] == "closed"
                }
                // Nothing sooner than asked: the connection ended.
                None => asked.elapsed() < Duration::from_millis(1_900),
            };
            if message.is_none() && !gone && stop.load(Ordering::Relaxed) {
                return (told, reconnects);
            }
            if gone {
                reconnects += 1;
                let deadline = Instant::now() + Duration::from_secs(20);
                ws = loop {
                    match WsClient::try_connect_port(nginx_port, &token).await {
                        Ok(ws) => break ws,
                        Err(e) => assert!(Instant::now() < deadline, "the board could not reconnect: {e}"),
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                };
                // What went by meanwhile is replayed first, then confirmed.
                ws.subscribe(&topic, Some(seq)).await;
            }
        }
    })
}

/// Reads everything back and counts, per kind, against the history.
async fn check(s: &Setup, history: &History) -> HashMap<Kind, Count> {
    let mut counts: HashMap<Kind, Count> = HashMap::new();
    for attempt in history.attempts() {
        let count = counts.entry(attempt.kind).or_default();
        match attempt.outcome {
            Outcome::Done(_) => count.acknowledged += 1,
            Outcome::Refused => count.refused += 1,
        }
    }

    // Tickets: each acknowledged one stored once, as answered; nothing
    // else stored with the run's text (a ticket no answer named would be
    // a retry's second one).
    let stored = tickets_by_text(&s.base, &s.dispatcher, &format!("База остановлена {}", s.run)).await;
    let done = history.done(Kind::Ticket);
    let count = counts.get_mut(&Kind::Ticket).unwrap();
    for (op, id) in &done {
        match stored.get(&s.ticket_text(*op)) {
            Some(ids) => {
                count.twice += ids.len() - 1;
                count.lost += usize::from(!ids.contains(id));
            }
            None => count.lost += 1,
        }
    }
    count.twice +=
        stored.len() - stored.keys().filter(|text| done.keys().any(|op| s.ticket_text(*op) == **text)).count();

    // Arrivals: each marked pass has one visit, the one the answer named.
    let visits = get(&s.base, &format!("/api/v1/visits?building_id={}&on_site=true", s.pass_building), &s.guard).await;
    let mut by_pass: HashMap<&str, Vec<&str>> = HashMap::new();
    for visit in visits["items"].as_array().unwrap() {
        by_pass.entry(visit["pass_id"].as_str().unwrap()).or_default().push(visit["id"].as_str().unwrap());
    }
    let count = counts.get_mut(&Kind::Arrival).unwrap();
    for (op, visit) in history.done(Kind::Arrival) {
        match by_pass.get(s.passes[op].as_str()) {
            None => count.lost += 1,
            Some(found) => {
                count.twice += found.len() - 1;
                if !found.contains(&visit.as_str()) {
                    count.lost += 1;
                }
            }
        }
    }

    // Sync: every comment of every acknowledged batch once, in order.
    let timeline = get(&s.base, &format!("/api/v1/tickets/{}/timeline", s.ticket), &s.technician).await;
    let comments: Vec<&str> =
        timeline["comments"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    let batches = history.done(Kind::Sync).len();
    let expected: Vec<String> =
        (0..batches).flat_map(|op| (0..BATCH).map(move |i| (op, i))).map(|(op, i)| s.comment(op, i)).collect();
    let count = counts.get_mut(&Kind::Sync).unwrap();
    count.lost = expected.iter().filter(|text| !comments.contains(&text.as_str())).count();
    count.twice = comments.len() - comments.iter().collect::<std::collections::HashSet<_>>().len();
    assert_eq!(comments, expected, "every change once, in order");

    // Calls: each acknowledged call id stored once.
    let mut calls: HashMap<String, usize> = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(cursor) => format!("/api/v1/calls?limit=200&cursor={cursor}"),
            None => "/api/v1/calls?limit=200".to_owned(),
        };
        let page = get(&s.base, &page_path, &s.dispatcher).await;
        for call in page["items"].as_array().unwrap() {
            *calls.entry(call["call_id"].as_str().unwrap().to_owned()).or_default() += 1;
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let count = counts.get_mut(&Kind::Call).unwrap();
    for op in history.done(Kind::Call).keys() {
        match calls.get(&s.call_id(*op)) {
            None => count.lost += 1,
            Some(n) => count.twice += n - 1,
        }
    }

    // Mailings: each one sent has one delivery per recipient; no mailing of
    // the run is sent that no answer named.
    let count = counts.get_mut(&Kind::Mailing).unwrap();
    let sent = history.done(Kind::Mailing);
    for id in sent.values() {
        let mailing = get(&s.base, &format!("/api/v1/mailings/{id}"), &s.service).await;
        let deliveries = get(&s.base, &format!("/api/v1/mailings/{id}/deliveries?limit=500"), &s.service).await;
        let items = deliveries.as_array().unwrap();
        let clients: std::collections::HashSet<&str> = items.iter().map(|d| d["client_id"].as_str().unwrap()).collect();
        if items.is_empty() || mailing["status"] == "draft" {
            count.lost += 1;
        }
        count.twice += items.len() - clients.len();
    }
    let listed: Vec<Value> = serde_json::from_value(get(&s.base, "/api/v1/mailings", &s.service).await).unwrap();
    let ours: Vec<&Value> = listed.iter().filter(|m| m["title"].as_str().unwrap().contains(&s.run)).collect();
    let titles: Vec<&str> =
        ours.iter().filter(|m| m["status"] != "draft").map(|m| m["title"].as_str().unwrap()).collect();
    count.twice += titles.len() - titles.iter().collect::<std::collections::HashSet<_>>().len();
    count.twice +=
        ours.iter().filter(|m| m["status"] != "draft" && !sent.values().any(|id| m["id"] == id.as_str())).count();
    counts
}

/// Every kind of write through nginx to two nodes on one database and
/// Redis while `fault` lasts ten seconds: whatever is refused is refused as
/// the fault allows (never an acknowledgement without a commit); nothing
/// acknowledged is lost, nothing is stored twice; every kind is
/// acknowledged again within 5 s of the fault's end, without restarting a
/// node it did not kill; two boards (nginx puts one on each node) are told
/// of every ticket once, across a reconnection if their node was killed.
/// `postgres`: the cluster the nodes use when the fault stops it.
async fn every_kind_of_write_through(
    fault: Fault,
    app: &TestApp,
    database_url: String,
    postgres: Option<&ScratchPostgres>,
) {
    let dir = domovoy_store::testing::temp_dir();
    let mut redis = Some(Redis::start().await);
    let env = [
        ("DOMOVOY_DATABASE_URL", database_url),
        ("DOMOVOY_REDIS_URL", redis.as_ref().unwrap().url()),
        ("DOMOVOY_HTTP__TRUST_FORWARDED_FOR", "true".to_owned()),
        ("DOMOVOY_MAILINGS__QUIET_HOURS", "off".to_owned()),
    ];
    let mut nodes = [Node::start(&dir, &env).await, Node::start(&dir, &env).await];
    let nginx_dir = dir.join("nginx");
    std::fs::create_dir_all(&nginx_dir).unwrap();
    let nginx = Nginx::start(&nginx_dir, [nodes[0].port, nodes[1].port]).await;
    // The clients write through a proxy in front of nginx, which loses
    // replies while the fault lasts (and forwards everything otherwise).
    let proxy = FaultProxy::start(format!("127.0.0.1:{}", nginx.port)).await;
    let setup = Arc::new(Setup::make(app, format!("http://127.0.0.1:{}", proxy.port), fault).await);
    let stop = Arc::new(AtomicBool::new(false));
    let topic = format!("building:{}", setup.granite);
    let mut boards = Vec::new();
    for _ in 0..2 {
        boards.push(board(nginx.port, setup.dispatcher.clone(), topic.clone(), stop.clone()).await);
    }

    // The clients run for 16 s; the fault comes at 2 s for 10 s.
    let history = History::default();
    let started = Instant::now();
    let clients = start_clients(&setup, &history, started, Duration::from_secs(16));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let killed_port = nodes[1].port;
    match fault {
        Fault::PostgresStopped => Outage::Stopped(postgres.expect("the cluster to stop")).set(true).await,
        Fault::NodeKilled => nodes[1].kill(),
        Fault::RedisHung => redis.as_ref().unwrap().pause(),
        Fault::RepliesLost => proxy.lose_one_reply_in(5),
    }
    let fault_at = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    for node in &nodes {
        if fault == Fault::NodeKilled && node.port == killed_port {
            continue;
        }
        let ready = client().get(node.url("/readyz")).timeout(Duration::from_secs(2)).send().await.unwrap();
        let expected = if fault == Fault::PostgresStopped { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
        assert_eq!(ready.status(), expected, "node {}'s readiness while {fault:?}", node.port);
    }
    tokio::time::sleep(Duration::from_secs(9)).await;
    match fault {
        Fault::PostgresStopped => Outage::Stopped(postgres.expect("the cluster to start")).set(false).await,
        Fault::NodeKilled => {
            nodes[1] = Node::start_binary(Path::new(env!("CARGO_BIN_EXE_domovoy")), killed_port, &dir, &env).await;
        }
        Fault::RedisHung => redis.as_ref().unwrap().resume(),
        Fault::RepliesLost => proxy.lose_one_reply_in(0),
    }
    let over_at = started.elapsed();
    for client in clients {
        client.await.unwrap();
    }

    stop.store(true, Ordering::Relaxed);
    let attempts = history.attempts();
    let counts = check(&setup, &history).await;

    // Each board was told of every ticket acknowledged, once.
    let filed = history.done(Kind::Ticket);
    for heard in boards {
        let (told, reconnects) = heard.await.unwrap();
        let missed = filed.values().filter(|id| !told.contains_key(*id)).count();
        let doubled = told.values().filter(|n| **n > 1).count();
        eprintln!(
            "{fault:?}: a board told of {} tickets, {missed} missed, {doubled} twice, {reconnects} reconnections",
            told.len()
        );
        assert_eq!((missed, doubled), (0, 0), "a board: missed, twice");
    }
    if fault == Fault::RepliesLost {
        // Every attempt a client did not hear is one whose answer the proxy
        // lost: nothing else went wrong.
        let unheard = attempts.iter().filter(|a| matches!(a.outcome, Outcome::Refused)).count();
        eprintln!("{fault:?}: the proxy lost {} answers, {unheard} attempts unheard", proxy.replies_lost());
        assert_eq!(unheard, proxy.replies_lost() as usize, "every unheard attempt was an answer the proxy lost");
    }
    for kind in KINDS {
        let count = &counts[&kind];
        let of_kind = || attempts.iter().filter(|a| a.kind == kind);
        let back_after =
            of_kind().filter(|a| matches!(a.outcome, Outcome::Done(_)) && a.at > over_at).map(|a| a.at - over_at).min();
        let refusals = || of_kind().filter(|a| matches!(a.outcome, Outcome::Refused));
        let slowest_refusal = refusals().map(|a| a.took).max();
        let slow = refusals().filter(|a| a.took > Duration::from_secs(2)).count();
        eprintln!(
            "{fault:?}: {kind:?}: {} acknowledged, {} attempts refused ({slow} took over 2 s, the slowest \
             {slowest_refusal:?}), {} lost, {} twice; acknowledged {back_after:?} after the fault ended",
            count.acknowledged, count.refused, count.lost, count.twice
        );
        assert!(
            of_kind().any(|a| matches!(a.outcome, Outcome::Done(_)) && a.at < fault_at),
            "{kind:?} before the fault"
        );
        if matches!(fault, Fault::PostgresStopped | Fault::RepliesLost) {
            assert!(count.refused > 0, "{kind:?} was refused or unheard while {fault:?}");
        }
        let back_after = back_after.unwrap_or_else(|| panic!("{kind:?} acknowledged after the fault"));
        assert!(back_after < Duration::from_secs(5), "{kind:?} acknowledged again {back_after:?} after the fault");
        assert_eq!((count.lost, count.twice), (0, 0), "{kind:?}: lost, twice");
    }
    drop(nginx);
    drop(nodes);
    drop(redis.take());
    let _ = std::fs::remove_dir_all(&dir);
}

/// PostgreSQL stopped for ten seconds under every kind of write: refusals
/// are 503 (readiness too), never an acknowledgement without a commit.
#[actix_web::test]
async fn every_kind_of_write_rides_out_postgres_stopped_behind_nginx() {
    if !two_nodes_behind_nginx_can_run() {
        return;
    }
    let dir = domovoy_store::testing::temp_dir();
    let Some((app, postgres)) = on_scratch_postgres(&dir.join("pg")).await else { return };
    every_kind_of_write_through(Fault::PostgresStopped, &app, postgres.url(), Some(&postgres)).await;
    drop(app);
    drop(postgres);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One node SIGKILLed under every kind of write and started again ten
/// seconds later: what it had taken is answered 502 by nginx and, sent
/// again, is found or done once; the other node serves meanwhile.
#[actix_web::test]
async fn every_kind_of_write_rides_out_a_node_killed_behind_nginx() {
    on_shared_postgres(Fault::NodeKilled).await;
}

/// Redis hanging for ten seconds under every kind of write: nothing is
/// refused; the boards get every ticket of the other node through the
/// database's catch-up.
#[actix_web::test]
async fn every_kind_of_write_rides_out_redis_hanging_behind_nginx() {
    on_shared_postgres(Fault::RedisHung).await;
}

/// One answer in five lost for ten seconds under every kind of write (the
/// server did the work, the client never heard): each retry is answered as
/// the first time (a ticket's first answer, 409 `already_on_site` with the
/// visit, the batch's changes `duplicate`, the call once, 422
/// `mailing_already_sent`), nothing is done twice. A draft whose answer was
/// lost stays a draft nobody sends.
#[actix_web::test]
async fn every_kind_of_write_rides_out_lost_replies_behind_nginx() {
    on_shared_postgres(Fault::RepliesLost).await;
}

/// [`every_kind_of_write_through`] on a fresh database of CI's PostgreSQL
/// server (the faults that leave PostgreSQL alone), or skipped.
async fn on_shared_postgres(fault: Fault) {
    if !two_nodes_behind_nginx_can_run() {
        return;
    }
    let Some(app) = TestApp::spawn_postgres().await else { return };
    let url = app.database_url().to_owned();
    every_kind_of_write_through(fault, &app, url, None).await;
}
