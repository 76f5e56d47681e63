//! Telephony over HTTP and the WebSocket: a PBX integration is created and
//! revoked; Zammad's generic CTI events in both encodings ring the
//! dispatcher's pop-up live with the matched client; out-of-order and
//! repeated events make one call; a missed call becomes a callback task; a
//! blocked number is rejected; a malformed event stores nothing; a ticket
//! taken from a call links it; a dispatcher of another building and a guard
//! hear nothing of the call.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, building_id, client, error_code};

const WAIT: Duration = Duration::from_secs(5);

async fn cti(app: &TestApp, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client().post(app.url(url)).form(form).send().await.unwrap()
}

async fn cti_json(app: &TestApp, url: &str, body: &Value) -> reqwest::Response {
    client().post(app.url(url)).json(body).send().await.unwrap()
}

async fn calls(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page: Value = app.get(token, &format!("/api/v1/calls?{query}")).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

/// A dispatcher who works in one building only.
async fn dispatcher_of(app: &TestApp, admin: &str, building: &str) -> String {
    let created =
        app.post(admin, "/api/v1/users", &json!({"login": "granit-disp", "display_name": "Диспетчер Гранита"})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    let roles: Vec<Value> = app.get(admin, "/api/v1/roles").await.json().await.unwrap();
    let role = roles.iter().find(|r| r["template"] == "dispatcher").unwrap()["id"].as_str().unwrap().to_owned();
    let user = body["user"]["id"].as_str().unwrap();
    let granted = app
        .post(admin, &format!("/api/v1/users/{user}/assignments"), &json!({"role_id": role, "scope": building}))
        .await;
    assert_eq!(granted.status(), StatusCode::CREATED);
    let signed = app.login("granit-disp", body["initial_password"].as_str().unwrap()).await;
    signed.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

async fn telephony_works_end_to_end(app: TestApp) {
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let guard = app.token("guard").await;
    let granit = building_id(&app, &admin, "БЦ «Гранит»").await;
    let elsewhere = dispatcher_of(&app, &admin, &granit).await;

    // Only an administrator connects a PBX; the token is shown once.
    let refused = app.post(&dispatcher, "/api/v1/integrations/pbx", &json!({"name": "Asterisk"})).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let created = app.post(&admin, "/api/v1/integrations/pbx", &json!({"name": "Asterisk"})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let url = created["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/api/v1/cti/{}", created["token"].as_str().unwrap()));
    let listed: Value = app.get(&admin, "/api/v1/integrations/pbx").await.json().await.unwrap();
    assert!(!listed.to_string().contains(created["token"].as_str().unwrap()), "the token is never listed");

    // Receivers follow the calls topic; a guard may not.
    let mut desk = WsClient::connect(&app, &dispatcher).await;
    desk.follow("calls", None).await;
    let mut other = WsClient::connect(&app, &elsewhere).await;
    other.follow("calls", None).await;
    let mut guard_ws = WsClient::connect(&app, &guard).await;
    guard_ws.send(json!({"type": "subscribe", "topic": "calls", "since": null})).await;
    let refusal = guard_ws.expect("error", WAIT).await;
    assert_eq!(refusal["code"], "forbidden", "{refusal}");

    // A resident of the tower calls, form-encoded with two user[] entries;
    // the number comes with the trunk 8.
    let ring = [
        ("event", "newCall"),
        ("from", "89001000002"),
        ("to", "4951234567"),
        ("direction", "in"),
        ("callId", "1733300000.1"),
        ("user[]", "dispatcher"),
        ("user[]", "101"),
    ];
    let answer = cti(&app, &url, &ring).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.json::<Value>().await.unwrap(), json!({}));
    let ringing = desk.expect_event("call.ringing", WAIT).await;
    let data = &ringing["data"];
    assert_eq!(data["from"], "89001000002");
    assert_eq!(data["state"], "ringing");
    assert_eq!(data["clients"][0]["name"], "Фёдорова Алёна Михайловна", "{data}");
    let id = data["id"].as_str().unwrap().to_owned();
    // The same POST again (a bridge's retry): nothing new.
    assert_eq!(cti(&app, &url, &ring).await.status(), StatusCode::OK);

    // The pop-up's card: the unit and the tickets the viewer may read.
    let card: Value = app.get(&dispatcher, &format!("/api/v1/calls/{id}/card")).await.json().await.unwrap();
    assert_eq!(card["callers"][0]["units"][0]["title"], "кв. 118", "{card}");
    // A dispatcher of another building neither hears the call nor reads it.
    let card_elsewhere = app.get(&elsewhere, &format!("/api/v1/calls/{id}/card")).await;
    assert_eq!(card_elsewhere.status(), StatusCode::NOT_FOUND);
    assert!(calls(&app, &elsewhere, "").await.iter().all(|c| c["id"] != id.as_str()));

    // Answered (JSON), then a ticket is taken from the call, then hung up.
    let answered = cti_json(
        &app,
        &url,
        &json!({"event": "answer", "callId": "1733300000.1", "direction": "in", "from": "89001000002",
                "to": "4951234567", "user": "dispatcher", "answeringNumber": "dispatcher"}),
    )
    .await;
    assert_eq!(answered.status(), StatusCode::OK);
    let event = desk.expect_event("call.answered", WAIT).await;
    assert_eq!(event["data"]["operator"], "Смирнова Ольга Викторовна");
    let tower = card["callers"][0]["units"][0]["building_id"].as_str().unwrap().to_owned();
    let ticket = client()
        .post(app.url("/api/v1/tickets"))
        .bearer_auth(&dispatcher)
        .header("Idempotency-Key", "call-ticket-1")
        .json(&json!({"building_id": tower, "description": "Течёт кран на кухне", "source": "phone",
                      "client_id": card["callers"][0]["id"], "call_id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(ticket.status(), StatusCode::CREATED);
    let ticket: Value = ticket.json().await.unwrap();
    let linked = desk.expect_event("call.updated", WAIT).await;
    assert_eq!(linked["data"]["ticket_ids"][0], ticket["id"]);
    let hangup = [("event", "hangup"), ("callId", "1733300000.1"), ("cause", "normalClearing"), ("direction", "in")];
    assert_eq!(cti(&app, &url, &hangup).await.status(), StatusCode::OK);
    let ended = desk.expect_event("call.ended", WAIT).await;
    assert_eq!(ended["data"]["result"], "answered");
    let of_ticket = calls(&app, &dispatcher, &format!("ticket_id={}", ticket["id"].as_str().unwrap())).await;
    assert_eq!(of_ticket.len(), 1);
    assert_eq!(of_ticket[0]["result"], "answered");
    // Someone else's call cannot be linked.
    let foreign = app
        .post(
            &elsewhere,
            "/api/v1/tickets",
            &json!({"building_id": granit, "description": "Проверка связи звонка",
                                                      "source": "phone", "call_id": id}),
        )
        .await;
    assert_eq!(foreign.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // An unknown caller: the hang-up arrives before the ringing, twice.
    let early = [("event", "hangup"), ("callId", "x-2"), ("cause", "cancel"), ("direction", "in")];
    assert_eq!(cti(&app, &url, &early).await.status(), StatusCode::OK);
    assert_eq!(cti(&app, &url, &early).await.status(), StatusCode::OK);
    let late_ring =
        [("event", "newCall"), ("callId", "x-2"), ("from", "+74957771122"), ("to", "100"), ("direction", "in")];
    assert_eq!(cti(&app, &url, &late_ring).await.status(), StatusCode::OK);
    let missed: Vec<Value> = calls(&app, &dispatcher, "result=missed").await;
    assert_eq!(missed.len(), 1, "one call, counted once: {missed:?}");
    assert_eq!(missed[0]["from"], "+74957771122");
    assert_eq!(missed[0]["state"], "ended");
    assert!(missed[0]["callback_due_at"].is_string(), "a missed call is a callback task");
    // An unknown caller is for everyone who receives calls.
    assert_eq!(calls(&app, &elsewhere, "callback=true").await.len(), 1);
    let missed_id = missed[0]["id"].as_str().unwrap();
    let done =
        app.post(&dispatcher, &format!("/api/v1/calls/{missed_id}/callback"), &json!({"note": "дозвонились"})).await;
    assert_eq!(done.status(), StatusCode::OK);
    let again = app.post(&dispatcher, &format!("/api/v1/calls/{missed_id}/callback"), &json!({})).await;
    assert_eq!(error_code(again).await, "callback_closed");
    assert!(calls(&app, &dispatcher, "callback=true").await.is_empty());

    // Every cause ends a call with the right result.
    for (n, (cause, result)) in [
        ("busy", "busy"),
        ("noAnswer", "missed"),
        ("congestion", "failed"),
        ("notFound", "failed"),
        ("forwarded", "missed"),
        ("cancel", "missed"),
    ]
    .into_iter()
    .enumerate()
    {
        let call_id = format!("cause-{n}");
        let ring = [("event", "newCall"), ("callId", call_id.as_str()), ("from", "+74950000000"), ("direction", "in")];
        assert_eq!(cti(&app, &url, &ring).await.status(), StatusCode::OK);
        let end = [("event", "hangup"), ("callId", call_id.as_str()), ("cause", cause)];
        assert_eq!(cti(&app, &url, &end).await.status(), StatusCode::OK);
        let found = calls(&app, &admin, "limit=50").await;
        let call = found.iter().find(|c| c["call_id"] == call_id.as_str()).unwrap();
        assert_eq!(call["result"], result, "{cause}");
    }

    // A blocked number is rejected as Zammad does, and rings nobody.
    let blocked = app.browser();
    app.browser_login(&blocked, "admin", domovoy::demo::DEMO_PASSWORD).await;
    let page = blocked.get(app.url("/admin/integrations")).send().await.unwrap().text().await.unwrap();
    let title = page.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap();
    assert!(title.len() < 120 && !title.contains("<section"), "the page's title is its name: {title}");
    assert_eq!(page.matches("data-testid=\"pbx-section\"").count(), 1);
    let csrf = crate::helpers::hidden_value(&page, "csrf_token");
    let added = blocked
        .post(app.url("/admin/integrations/blocked"))
        .form(&[("csrf_token", csrf.as_str()), ("number", "8 (495) 111-22-33"), ("note", "спам")])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    desk.drain(Duration::from_millis(300)).await;
    let spam = [("event", "newCall"), ("callId", "spam-1"), ("from", "+74951112233"), ("direction", "in")];
    let answer: Value = cti(&app, &url, &spam).await.json().await.unwrap();
    assert_eq!(answer, json!({"action": "reject", "reason": "busy"}));
    let spam_event = desk.expect_event("call.ended", WAIT).await;
    assert_eq!(spam_event["data"]["result"], "rejected");

    // Malformed events are 400 and store nothing; an unknown token is 404.
    let before = calls(&app, &admin, "limit=500").await.len();
    for body in [
        vec![("event", "ring"), ("callId", "bad-1")],
        vec![("event", "newCall")],
        vec![("event", "newCall"), ("callId", "bad-2"), ("direction", "sideways")],
    ] {
        let response = cti(&app, &url, &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_code(response).await, "malformed_event");
    }
    let not_json = client()
        .post(app.url(&url))
        .header("Content-Type", "application/json")
        .body("{\"event\":")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(calls(&app, &admin, "limit=500").await.len(), before, "nothing stored");
    let unknown = cti(&app, "/api/v1/cti/not-a-token", &ring).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // The other building's dispatcher heard nothing of the tower's call,
    // only the unknown callers; the guard got nothing at all.
    for message in other.drain(Duration::from_millis(300)).await {
        if message["type"] == "event" {
            assert_ne!(message["data"]["id"], id.as_str(), "{message}");
        }
    }
    assert!(guard_ws.drain(Duration::from_millis(300)).await.iter().all(|m| m["type"] != "event"));

    // Revoked: the webhook answers 404 from now on.
    let integration = created["id"].as_str().unwrap();
    let revoked = client()
        .delete(app.url(&format!("/api/v1/integrations/pbx/{integration}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(cti(&app, &url, &ring).await.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn telephony_works_end_to_end_on_sqlite() {
    telephony_works_end_to_end(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn telephony_works_end_to_end_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    telephony_works_end_to_end(app).await;
}
