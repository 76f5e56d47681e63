//! Every door reaches the same use-cases: a command-line change reaches the
//! running server's live sessions, and what an event shows follows the
//! policy of whoever follows it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, building_id, rename_building};
use crate::nodes::Redis;

const TOWER: &str = "ЖК «Северная звезда»";
const WAIT: Duration = Duration::from_secs(5);

/// Files a ticket in `building` as `token`'s account.
async fn file_ticket(app: &TestApp, token: &str, building: &str, text: &str) -> Value {
    let body = json!({"building_id": building, "description": text, "source": "phone"});
    let response = app.post(token, "/api/v1/tickets", &body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

#[actix_web::test]
async fn a_guard_following_a_building_receives_its_news_but_no_ticket_live_or_replayed() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let guard = app.token("guard").await;
    let dispatcher = app.token("dispatcher").await;
    let id = building_id(&app, &admin, TOWER).await;
    let topic = format!("building:{id}");

    let mut guard_ws = WsClient::connect(&app, &guard).await;
    let start = guard_ws.follow(&topic, None).await;
    let mut dispatcher_ws = WsClient::connect(&app, &dispatcher).await;
    dispatcher_ws.follow(&topic, None).await;

    let ticket = file_ticket(&app, &dispatcher, &id, "Звонить Марии по 8-916-000-00-00, течёт стояк").await;
    rename_building(&app, &admin, &id, "Башня после заявки").await;

    let seen = dispatcher_ws.expect_event("ticket.created", WAIT).await;
    assert_eq!(seen["data"]["id"], ticket["id"], "the dispatcher reads tickets there");
    // The guard's next event is the building's own news; the ticket's
    // sequence number passed by unseen.
    let news = guard_ws.expect("event", WAIT).await;
    assert_eq!(news["kind"], "building.updated", "{news}");
    assert!(news["seq"].as_i64().unwrap() > start + 1, "the ticket's events took numbers in between");
    let rest = guard_ws.drain(Duration::from_millis(300)).await;
    assert!(rest.iter().all(|m| !m["kind"].as_str().unwrap_or_default().starts_with("ticket.")), "{rest:?}");

    // Replayed history is judged as live events are.
    let mut again = WsClient::connect(&app, &guard).await;
    again.subscribe(&topic, Some(start)).await;
    let replay = again.drain(Duration::from_millis(500)).await;
    let kinds: Vec<&str> = replay.iter().filter(|m| m["type"] == "event").filter_map(|m| m["kind"].as_str()).collect();
    assert_eq!(kinds, ["building.updated"], "{replay:?}");
}

/// Runs `domovoy user disable LOGIN` as another process on the same
/// database.
fn disable_from_the_command_line(database_url: &str, login: &str) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_domovoy"))
        .args(["user", "disable", login])
        .env("DOMOVOY_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The session of `login` is closed with 4000 within five seconds of the
/// command.
async fn the_command_closes_the_open_socket(app: &TestApp, database_url: &str) {
    let token = app.token("technician").await;
    let mut ws = WsClient::connect(app, &token).await;
    // Connected and following its own topic.
    ws.expect("subscribed", WAIT).await;
    let started = std::time::Instant::now();
    disable_from_the_command_line(database_url, "technician");
    loop {
        let message = ws.next(Duration::from_secs(5)).await.expect("the socket closes within five seconds");
        if message["type"] == "closed" {
            assert_eq!(message["code"], 4000, "closed because its access changed");
            break;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5), "closed after {:?}", started.elapsed());
    // And the token no longer works.
    assert_eq!(app.get(&token, "/api/v1/me").await.status(), 401);
}

#[actix_web::test]
async fn disabling_a_user_from_the_command_line_closes_their_socket_on_sqlite_without_redis() {
    let app = TestApp::spawn().await;
    let url = app.database_url().to_owned();
    the_command_closes_the_open_socket(&app, &url).await;
}

#[actix_web::test]
async fn disabling_a_user_from_the_command_line_closes_their_socket_on_postgres_with_redis() {
    let redis = Redis::start().await;
    let redis_url = redis.url();
    let Some(app) = TestApp::spawn_postgres_configured(move |settings| {
        settings.redis_url = Some(domovoy::settings::Secret::new(redis_url));
    })
    .await
    else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    let url = app.database_url().to_owned();
    the_command_closes_the_open_socket(&app, &url).await;
}

/// A page whose filter does not parse answers as the API would (422, what
/// is wrong), not with a server error.
#[actix_web::test]
async fn a_page_with_a_filter_that_does_not_parse_is_refused_not_failed() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.browser_login(&browser, "dispatcher", domovoy::demo::DEMO_PASSWORD).await;
    for (path, field) in
        [("/tickets/export?priority=x", "priority"), ("/tickets/export?status=nonsense&format=xlsx", "status")]
    {
        let response = browser.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 422, "{path}");
        let page = response.text().await.unwrap();
        assert!(page.contains(&format!("{field}: ")), "{path}: the page says which field: {page}");
    }
    let token = app.token("dispatcher").await;
    assert_eq!(app.get(&token, "/api/v1/tickets?priority=x").await.status(), 422);
}
