//! The live spine over a real WebSocket: replay, order, scope, presence,
//! slow clients.

use std::time::Duration;

use domovoy_actors::session::MAX_BEHIND;
use domovoy_domain::event::{BuildingInfo, Event, Topic};
use futures_util::StreamExt as _;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, building_id, client, rename_building};

const TOWER: &str = "ЖК «Северная звезда»";
const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(400);

/// A fresh app, its administrator's token, the tower's id and live topic.
struct Tower {
    app: TestApp,
    admin: String,
    id: String,
    topic: String,
}

impl Tower {
    async fn open() -> Tower {
        let app = TestApp::spawn().await;
        let admin = app.token("admin").await;
        let id = building_id(&app, &admin, TOWER).await;
        let topic = format!("building:{id}");
        Tower { app, admin, id, topic }
    }
}

fn events_of(messages: &[Value], topic: &str) -> Vec<i64> {
    messages
        .iter()
        .filter(|m| m["type"] == "event" && m["topic"] == topic)
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_client_that_missed_events_gets_exactly_those_on_resubscribing() {
    let Tower { app, admin, id, topic } = Tower::open().await;

    let mut ws = WsClient::connect(&app, &admin).await;
    let start = ws.follow(&topic, None).await;
    rename_building(&app, &admin, &id, "Башня 1").await;
    let first = ws.expect("event", WAIT).await;
    assert_eq!(first["seq"], start + 1);
    assert_eq!(first["kind"], "building.updated");
    assert_eq!(first["data"]["name"], "Башня 1");
    drop(ws);

    // Offline: seven changes go by.
    for n in 2..=8 {
        rename_building(&app, &admin, &id, &format!("Башня {n}")).await;
    }
    let mut ws = WsClient::connect(&app, &admin).await;
    ws.subscribe(&topic, Some(start + 1)).await;
    let messages = ws.drain(QUIET).await;
    let seqs = events_of(&messages, &topic);
    assert_eq!(seqs, ((start + 2)..=(start + 8)).collect::<Vec<_>>(), "exactly the missed ones, in order, once");
    let names: Vec<&str> =
        messages.iter().filter(|m| m["type"] == "event").map(|m| m["data"]["name"].as_str().unwrap()).collect();
    assert_eq!(names.last(), Some(&"Башня 8"));
    assert!(messages.iter().any(|m| m["type"] == "subscribed" && m["seq"] == start + 8));
    assert!(!messages.iter().any(|m| m["type"] == "resync"));

    // And live events continue after the replay, without a gap.
    rename_building(&app, &admin, &id, "Башня 9").await;
    let next = ws.expect("event", WAIT).await;
    assert_eq!(next["seq"], start + 9);
}

#[actix_web::test]
async fn a_client_asking_for_history_that_is_gone_is_told_to_resync() {
    let Tower { app, admin, id, topic } = Tower::open().await;
    rename_building(&app, &admin, &id, "Башня").await;
    // A sequence number from the future (a database restored from backup).
    let mut ws = WsClient::connect(&app, &admin).await;
    ws.subscribe(&topic, Some(1_000)).await;
    let message = ws.expect("resync", WAIT).await;
    assert_eq!(message["topic"], topic);
    let metrics = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("domovoy_resyncs_total 1"), "{metrics}");
}

#[actix_web::test]
async fn subscribing_outside_ones_scope_gives_an_error_and_never_events() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let granite = building_id(&app, &admin, "БЦ «Гранит»").await;
    let tower = building_id(&app, &admin, TOWER).await;
    let guard = app.token("guard").await; // works at the tower only
    let mut ws = WsClient::connect(&app, &guard).await;
    ws.subscribe(&format!("building:{granite}"), None).await;
    let error = ws.expect("error", WAIT).await;
    assert_eq!(error["code"], "forbidden");
    assert_eq!(error["topic"], format!("building:{granite}"));
    ws.follow(&format!("building:{tower}"), None).await;

    let admin_id = app.user_id(&admin, "admin").await;
    ws.subscribe(&format!("user:{admin_id}"), None).await;
    assert_eq!(ws.expect("error", WAIT).await["code"], "forbidden", "nobody follows another user's notices");
    ws.subscribe(&format!("queue:{admin_id}"), None).await;
    assert_eq!(ws.expect("error", WAIT).await["code"], "forbidden", "nobody follows another user's queue");

    rename_building(&app, &admin, &granite, "БЦ «Гранит-2»").await;
    rename_building(&app, &admin, &tower, "Башня").await;
    let messages = ws.drain(QUIET).await;
    assert!(events_of(&messages, &format!("building:{granite}")).is_empty(), "no events of the forbidden topic");
    assert_eq!(events_of(&messages, &format!("building:{tower}")).len(), 1);

    ws.send(json!({"type": "subscribe", "topic": "garage:1"})).await;
    assert_eq!(ws.expect("error", WAIT).await["code"], "bad_topic");
    ws.send(json!({"hello": "world"})).await;
    assert_eq!(ws.expect("error", WAIT).await["code"], "bad_message");
}

#[actix_web::test]
async fn a_websocket_needs_a_valid_session() {
    let app = TestApp::spawn().await;
    let refused = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/ws?token=nonsense", app.port)).await;
    assert!(refused.is_err(), "an unknown token cannot open a live connection");
}

#[actix_web::test]
async fn viewers_of_a_building_see_each_other() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let manager = app.token("manager").await;
    let topic = format!("building:{}", building_id(&app, &admin, TOWER).await);
    let mut anna = WsClient::connect(&app, &admin).await;
    anna.follow(&topic, None).await;
    anna.send(json!({"type": "presence", "topic": topic, "state": "viewing"})).await;
    let mut dmitry = WsClient::connect(&app, &manager).await;
    dmitry.follow(&topic, None).await;
    dmitry.send(json!({"type": "presence", "topic": topic, "state": "editing"})).await;
    let seen = loop {
        let presence = anna.expect("presence", WAIT).await;
        if presence["viewers"].as_array().unwrap().len() == 2 {
            break presence;
        }
    };
    let viewers = seen["viewers"].as_array().unwrap();
    let dmitry_entry = viewers.iter().find(|v| v["name"] == "Волков Дмитрий Андреевич").unwrap();
    assert_eq!(dmitry_entry["state"], "editing");
    // Closing the connection leaves the page.
    drop(dmitry);
    loop {
        let presence = anna.expect("presence", WAIT).await;
        if presence["viewers"].as_array().unwrap().len() == 1 {
            break;
        }
    }
}

#[actix_web::test]
async fn a_change_of_access_closes_the_live_connection() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let guard = app.token("guard").await;
    let mut ws = WsClient::connect(&app, &guard).await;
    let guard_id = app.user_id(&admin, "guard").await;
    // Every session follows its own account's notices from the start.
    assert_eq!(ws.expect("subscribed", WAIT).await["topic"], format!("user:{guard_id}"));
    let disabled = app.post(&admin, &format!("/api/v1/users/{guard_id}/disable"), &json!({})).await;
    assert_eq!(disabled.status(), reqwest::StatusCode::OK);
    let closed = ws.expect("closed", WAIT).await;
    assert_eq!(closed["code"], 4000);
}

#[actix_web::test]
async fn a_client_that_stops_reading_does_not_hold_up_the_others() {
    let Tower { app, admin, id, topic } = Tower::open().await;

    // The stalled client: subscribes, reads until the server confirms it,
    // then never reads again.
    let mut stalled = WsClient::connect_stalling(app.port, &admin).await;
    stalled.follow(&topic, None).await;

    let mut healthy = WsClient::connect(&app, &admin).await;
    let start = healthy.follow(&topic, None).await;

    // A flood of large events (about 1 KiB each), written concurrently:
    // more than the stalled connection's queues and kernel buffers hold.
    let total: i64 = 2000;
    let long_address = "г. Москва, ".to_owned() + &"очень длинный адрес ".repeat(14);
    let long_name = "Башня ".repeat(30);
    let writes = (0..total).map(|n| {
        let (app_url, admin, address, long_name) =
            (app.url(&format!("/api/v1/buildings/{id}")), admin.clone(), long_address.clone(), long_name.clone());
        async move {
            let body = json!({"name": format!("{long_name}{n}"), "address": address, "time_zone": "Europe/Moscow"});
            client().put(app_url).bearer_auth(admin).json(&body).send().await.unwrap();
        }
    });
    let started = std::time::Instant::now();
    let flood = async {
        futures_util::stream::iter(writes).buffer_unordered(16).collect::<Vec<_>>().await;
        started.elapsed()
    };
    // The healthy client reads while the flood goes on.
    let read = async {
        let mut seqs = Vec::new();
        while seqs.len() < total as usize {
            let message =
                healthy.next(Duration::from_secs(10)).await.expect("events keep flowing to the healthy client");
            if message["type"] == "event" {
                seqs.push(message["seq"].as_i64().unwrap());
            }
        }
        (seqs, started.elapsed())
    };
    let (written, (seqs, delivered)) = tokio::join!(flood, read);
    assert_eq!(seqs, ((start + 1)..=(start + total)).collect::<Vec<_>>(), "every event, in order, once");
    assert!(delivered < written + Duration::from_secs(2), "written in {written:?}, delivered by {delivered:?}");

    // The stalled one falls behind by more than the server allows (its
    // first event of the flood has waited since the flood began); reading
    // after that, it ends with a close (1013, try again later) or a dropped
    // connection, far short of the flood.
    tokio::time::sleep((MAX_BEHIND + Duration::from_secs(2)).saturating_sub(started.elapsed())).await;
    let mut received = 0;
    let mut close_code = None;
    loop {
        match stalled.raw_next(Duration::from_secs(10)).await {
            Some(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(_)))) => received += 1,
            Some(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame)))) => {
                close_code = frame.map(|f| u16::from(f.code));
                break;
            }
            Some(Some(Ok(_))) => {}
            Some(Some(Err(_)) | None) => break,
            None => panic!("the stalled client was neither closed nor dropped"),
        }
    }
    assert!(received < total as usize, "received {received} of {total}");
    assert!(close_code.is_none_or(|code| code == 1013), "close code {close_code:?}");
    let metrics = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("domovoy_slow_consumer_drops_total 1"), "{metrics}");
}

/// A group commit hands the hub hundreds of writes at once, and an import
/// commits thousands of events in one: a client that reads them, even one
/// that looks away for a few seconds meanwhile, receives every one. What
/// makes a client slow is time behind, not a burst's size.
#[actix_web::test]
async fn a_burst_of_thousands_of_events_reaches_a_client_that_reads_it_within_seconds() {
    let Tower { app, admin, id, topic } = Tower::open().await;
    let mut ws = WsClient::connect(&app, &admin).await;
    let start = ws.follow(&topic, None).await;

    let building: Topic = topic.parse().unwrap();
    let event = Event::BuildingUpdated(BuildingInfo {
        id: id.parse().unwrap(),
        name: "Башня".to_owned(),
        address: "г. Москва, ул. Ленина, 1".to_owned(),
        kind: "residential".to_owned(),
        time_zone: "Europe/Moscow".to_owned(),
    });
    let write = |count: usize| {
        let event = event.clone();
        app.app.write(move |tx| {
            Box::pin(async move {
                for _ in 0..count {
                    tx.emit_to(building, &event);
                }
                Ok(())
            })
        })
    };
    // 500 writes at once, four events each (on SQLite they commit in one
    // or two groups), then one write of 2,000 events.
    let writes: Vec<_> = (0..500).map(|_| write(4)).collect();
    for written in futures_util::future::join_all(writes).await {
        written.unwrap();
    }
    write(2000).await.unwrap();
    let total: i64 = 4000;

    // The client looks away for three seconds, then reads.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut seqs = Vec::new();
    while seqs.len() < total as usize {
        let message = ws.next(WAIT).await.unwrap_or_else(|| panic!("{} of {total} events arrived", seqs.len()));
        if message["type"] == "event" {
            seqs.push(message["seq"].as_i64().unwrap());
        }
    }
    assert_eq!(seqs, ((start + 1)..=(start + total)).collect::<Vec<_>>(), "every event, in order, once");
    let metrics = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("domovoy_slow_consumer_drops_total 0"), "{metrics}");
}
