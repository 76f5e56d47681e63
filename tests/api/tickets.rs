//! Tickets over HTTP: intake that loses nothing and creates nothing twice,
//! the workflow with its permissions and version checks, SLA, ratings,
//! files.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, building_id, client, error_code};

const NORTH_STAR: &str = "ЖК «Северная звезда»";
const GRANITE: &str = "БЦ «Гранит»";

/// A ticket body a dispatcher would send.
fn phone_ticket(building: &str, text: &str) -> Value {
    json!({
        "building_id": building,
        "description": text,
        "source": "phone",
        "category": "plumbing",
        "priority": "high",
        "contact_name": "Кузьмина Ольга",
        "contact_phone": "+7 916 555-12-34",
        "location": "кв. 45",
    })
}

async fn create(app: &TestApp, token: &str, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut request = client().post(app.url("/api/v1/tickets")).bearer_auth(token).json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

/// How many tickets the text finds.
async fn count_matching(app: &TestApp, token: &str, text: &str) -> usize {
    let path = format!("/api/v1/tickets?q={}&limit=500", domovoy_web::pages::url_encode(text));
    let list: Value = app.get(token, &path).await.json().await.unwrap();
    list["items"].as_array().unwrap().len()
}

async fn transition(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.post(token, &format!("/api/v1/tickets/{id}/transitions"), &body).await
}

#[actix_web::test]
async fn a_retried_request_returns_the_first_answer_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let building = building_id(&app, &dispatcher, NORTH_STAR).await;
    let body = phone_ticket(&building, "Течёт кран на кухне, повтор запроса");

    let first = create(&app, &dispatcher, &body, Some("call-0001")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert!(first["number"].as_str().unwrap().starts_with("2026-") || first["number"].as_str().unwrap().len() == 11);
    assert_eq!(first["description"], "Течёт кран на кухне, повтор запроса");
    assert_eq!(first["location"], "кв. 45");
    assert_eq!(first["contact_phone"], "+79165551234");

    // The same key and body, with the fields in another order: a retry.
    let reordered = json!({
        "source": "phone",
        "location": "кв. 45",
        "description": "Течёт кран на кухне, повтор запроса",
        "building_id": building,
        "priority": "high",
        "category": "plumbing",
        "contact_phone": "+7 916 555-12-34",
        "contact_name": "Кузьмина Ольга",
    });
    let again = create(&app, &dispatcher, &reordered, Some("call-0001")).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(count_matching(&app, &dispatcher, "повтор запроса").await, 1);

    // The same key with another body is refused and changes nothing.
    let mut other = body.clone();
    other["description"] = json!("Совсем другая заявка");
    let refused = create(&app, &dispatcher, &other, Some("call-0001")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "idempotency_key_reused");
    assert!(error["error"]["message"].as_str().unwrap().contains("Idempotency-Key"));
    assert_eq!(count_matching(&app, &dispatcher, "Совсем другая").await, 0);

    // Keys are per account: another dispatcher's identical key is theirs.
    let admin = app.token("admin").await;
    let own = create(&app, &admin, &body, Some("call-0001")).await;
    assert_eq!(own.status(), StatusCode::CREATED);
    assert_ne!(own.json::<Value>().await.unwrap()["id"], first["id"]);
}

#[actix_web::test]
async fn a_hundred_concurrent_requests_with_one_key_create_one_ticket() {
    let app = TestApp::spawn().await;
    concurrent_requests_create_one_ticket(&app).await;
}

#[actix_web::test]
async fn a_hundred_concurrent_requests_with_one_key_create_one_ticket_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    concurrent_requests_create_one_ticket(&app).await;
}

async fn concurrent_requests_create_one_ticket(app: &TestApp) {
    let dispatcher = app.token("dispatcher").await;
    let building = building_id(app, &dispatcher, NORTH_STAR).await;
    let body = phone_ticket(&building, "Сто одновременных повторов одной заявки");
    let requests = (0..100).map(|_| create(app, &dispatcher, &body, Some("burst-key")));
    let responses = futures_util::future::join_all(requests).await;
    let mut ids = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::CREATED);
        ids.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every answer names the same ticket");
    assert_eq!(count_matching(app, &dispatcher, "Сто одновременных повторов").await, 1);
}

#[actix_web::test]
async fn bad_intake_gets_clear_errors_and_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let building = building_id(&app, &dispatcher, NORTH_STAR).await;

    let missing = create(&app, &dispatcher, &json!({}), Some("bad-1")).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = missing.json().await.unwrap();
    assert_eq!(error["error"]["code"], "validation_failed");
    for field in ["building_id", "description", "source"] {
        assert_eq!(error["error"]["field_codes"][field], "required", "{field}");
        assert_eq!(error["error"]["fields"][field], "Обязательное поле", "{field}");
    }

    let malformed = client()
        .post(app.url("/api/v1/tickets"))
        .bearer_auth(&dispatcher)
        .header("content-type", "application/json")
        .body("{\"building_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(malformed).await, "invalid_json");

    let long = json!({ "building_id": building, "description": "ы".repeat(4001), "source": "phone" });
    let too_long = create(&app, &dispatcher, &long, Some("bad-2")).await;
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = too_long.json().await.unwrap();
    assert_eq!(error["error"]["field_codes"]["description"], "too_long");
    assert!(error["error"]["fields"]["description"].as_str().unwrap().contains("4000"));

    let wrong = json!({
        "building_id": building, "description": "Текст заявки", "source": "pigeon",
        "priority": "whenever", "contact_phone": "12", "category": "no_such_category",
    });
    let error: Value = create(&app, &dispatcher, &wrong, None).await.json().await.unwrap();
    assert_eq!(error["error"]["field_codes"]["source"], "unknown");
    assert_eq!(error["error"]["field_codes"]["priority"], "unknown");
    assert_eq!(error["error"]["field_codes"]["contact_phone"], "invalid_format");

    let unknown_category = json!({ "building_id": building, "description": "Текст заявки", "source": "phone", "category": "no_such_category" });
    let error: Value = create(&app, &dispatcher, &unknown_category, Some("bad-3")).await.json().await.unwrap();
    assert_eq!(error["error"]["field_codes"]["category"], "unknown");

    // A refused request does not burn its key: fixed, it goes through.
    let fixed = json!({ "building_id": building, "description": "Текст заявки после исправления", "source": "phone" });
    assert_eq!(create(&app, &dispatcher, &fixed, Some("bad-3")).await.status(), StatusCode::CREATED);
    let list: Value = app.get(&dispatcher, "/api/v1/tickets?limit=500").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "only the fixed request left a ticket");

    let oversized_key = create(&app, &dispatcher, &fixed, Some(&"k".repeat(300))).await;
    assert_eq!(oversized_key.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn a_resident_files_a_ticket_and_is_refused_a_duplicate_politely() {
    let app = TestApp::spawn().await;
    let resident = app.token("+79001000001").await;
    let dispatcher = app.token("dispatcher").await;
    let building = building_id(&app, &dispatcher, NORTH_STAR).await;
    let body = json!({ "building_id": building, "description": "Не работает домофон во втором подъезде", "source": "resident_app" });
    let created = create(&app, &resident, &body, Some("app-1")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let ticket: Value = created.json().await.unwrap();
    assert_eq!(ticket["status"], "new");
    assert_eq!(ticket["source"], "resident_app");

    let duplicate = create(&app, &resident, &body, Some("app-2")).await;
    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = duplicate.json().await.unwrap();
    assert_eq!(error["error"]["code"], "duplicate_request");
    assert!(error["error"]["message"].as_str().unwrap().contains("уже подана"));

    // Residents write from their app, never "by phone".
    let phone = json!({ "building_id": building, "description": "Другая заявка жителя", "source": "phone" });
    let error: Value = create(&app, &resident, &phone, None).await.json().await.unwrap();
    assert_eq!(error["error"]["field_codes"]["source"], "not_allowed");

    // The resident sees their ticket; another resident does not.
    let mine: Value = app.get(&resident, "/api/v1/tickets").await.json().await.unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let other = app.token("+79001000002").await;
    let theirs: Value = app.get(&other, "/api/v1/tickets").await.json().await.unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let id = ticket["id"].as_str().unwrap();
    assert_eq!(app.get(&other, &format!("/api/v1/tickets/{id}")).await.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn a_ticket_goes_through_its_whole_workflow_and_the_resident_rates_it() {
    let app = TestApp::spawn().await;
    let resident = app.token("+79001000001").await;
    let dispatcher = app.token("dispatcher").await;
    let technician = app.token("technician").await;
    let building = building_id(&app, &dispatcher, NORTH_STAR).await;
    let body = json!({ "building_id": building, "description": "Не горит свет на 7 этаже", "source": "web_cabinet" });
    let ticket: Value = create(&app, &resident, &body, Some("wf-1")).await.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap().to_owned();

    let accepted = transition(&app, &dispatcher, &id, json!({ "to": "accepted" })).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let accepted: Value = accepted.json().await.unwrap();
    assert_eq!(accepted["status"], "accepted");
    assert!(accepted["responded_at"].is_string());

    // Work needs someone to do it.
    let refused = transition(&app, &dispatcher, &id, json!({ "to": "in_progress" })).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "assignee_required");

    let admin = app.token("admin").await;
    let technician_id = app.user_id(&admin, "technician").await;
    let guard_id = app.user_id(&admin, "guard").await;
    let not_a_worker =
        app.put(&dispatcher, &format!("/api/v1/tickets/{id}/assignee"), &json!({ "assignee_id": guard_id })).await;
    assert_eq!(not_a_worker.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let assigned: Value = app
        .put(&dispatcher, &format!("/api/v1/tickets/{id}/assignee"), &json!({ "assignee_id": technician_id }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(assigned["status"], "assigned");
    assert_eq!(assigned["assignee_name"], "Петров Сергей Николаевич");

    // Someone with an old version is told, not silently overwritten.
    let stale =
        transition(&app, &technician, &id, json!({ "to": "in_progress", "version": accepted["version"] })).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let error: Value = stale.json().await.unwrap();
    assert_eq!(error["error"]["code"], "version_conflict");
    assert!(error["error"]["message"].as_str().unwrap().contains("изменил кто-то другой"));

    let working =
        transition(&app, &technician, &id, json!({ "to": "in_progress", "version": assigned["version"] })).await;
    assert_eq!(working.status(), StatusCode::OK);
    let hold = transition(&app, &technician, &id, json!({ "to": "on_hold" })).await;
    assert_eq!(error_code(hold).await, "hold_reason_required");
    let held: Value = transition(&app, &technician, &id, json!({ "to": "on_hold", "hold_reason": "waiting_client" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(held["hold_reason"], "waiting_client");
    assert_eq!(transition(&app, &technician, &id, json!({ "to": "in_progress" })).await.status(), StatusCode::OK);

    // A technician may not close or reject: that is the dispatcher's.
    let reject = transition(&app, &technician, &id, json!({ "to": "rejected", "reason": "не наше" })).await;
    assert_eq!(reject.status(), StatusCode::FORBIDDEN);
    let not_allowed = transition(&app, &technician, &id, json!({ "to": "new" })).await;
    assert_eq!(not_allowed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = not_allowed.json().await.unwrap();
    assert_eq!(error["error"]["code"], "transition_not_allowed");
    assert_eq!(error["error"]["message"], "Из статуса «В работе» нельзя перейти в «Новая»");

    let done: Value = transition(&app, &technician, &id, json!({ "to": "done" })).await.json().await.unwrap();
    assert_eq!(done["status"], "done");
    assert!(done["resolved_at"].is_string());

    let comment = app
        .post(
            &technician,
            &format!("/api/v1/tickets/{id}/comments"),
            &json!({ "body": "Заменил лампу", "public": true }),
        )
        .await;
    assert_eq!(comment.status(), StatusCode::CREATED);
    let note = app
        .post(
            &technician,
            &format!("/api/v1/tickets/{id}/comments"),
            // A staff comment is internal unless marked for the resident.
            &json!({ "body": "Патрон старый, заменить при ремонте" }),
        )
        .await;
    assert_eq!(note.status(), StatusCode::CREATED);

    // Only the resident who asked rates, once; a good rating closes.
    let foreign = app.post(&dispatcher, &format!("/api/v1/tickets/{id}/rating"), &json!({ "rating": 5 })).await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let bad = app.post(&resident, &format!("/api/v1/tickets/{id}/rating"), &json!({ "rating": 9 })).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let rated: Value = app
        .post(&resident, &format!("/api/v1/tickets/{id}/rating"), &json!({ "rating": 5, "comment": "Спасибо!" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rated["status"], "closed");
    assert_eq!(rated["rating"], 5);
    let twice = app.post(&resident, &format!("/api/v1/tickets/{id}/rating"), &json!({ "rating": 4 })).await;
    assert_eq!(error_code(twice).await, "not_rateable");

    // The resident's timeline has no internal notes; staff see them.
    let theirs: Value = app.get(&resident, &format!("/api/v1/tickets/{id}/timeline")).await.json().await.unwrap();
    let bodies: Vec<&str> =
        theirs["comments"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Заменил лампу"]);
    let staff: Value = app.get(&dispatcher, &format!("/api/v1/tickets/{id}/timeline")).await.json().await.unwrap();
    assert_eq!(staff["comments"].as_array().unwrap().len(), 2);
    let kinds: Vec<&str> = staff["history"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "status", "assigned", "status", "status", "status", "status", "rating"]);
}

#[actix_web::test]
async fn a_low_rating_reopens_the_ticket_by_default() {
    let app = TestApp::spawn().await;
    let resident = app.token("+79001000002").await;
    let dispatcher = app.token("dispatcher").await;
    let building = building_id(&app, &dispatcher, NORTH_STAR).await;
    let body = json!({ "building_id": building, "description": "Холодные батареи в спальне", "source": "resident_app", "category": "heating" });
    let ticket: Value = create(&app, &resident, &body, Some("low-1")).await.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap();
    // Heating goes to the demo's plumbers: assigned at once.
    assert_eq!(ticket["status"], "assigned");
    let plumber = app.token("plumber").await;
    let assignee = if ticket["assignee_name"] == "Козлов Виктор Павлович" {
        plumber
    } else {
        app.token("technician").await
    };
    assert_eq!(transition(&app, &assignee, id, json!({ "to": "in_progress" })).await.status(), StatusCode::OK);
    assert_eq!(transition(&app, &assignee, id, json!({ "to": "done" })).await.status(), StatusCode::OK);
    let rated: Value = app
        .post(&resident, &format!("/api/v1/tickets/{id}/rating"), &json!({ "rating": 1 }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rated["status"], "reopened");
    assert_eq!(rated["rating"], 1);
}

#[actix_web::test]
async fn auto_assignment_takes_turns_within_a_team() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let building = building_id(&app, &dispatcher, GRANITE).await;
    let mut names = Vec::new();
    for n in 0..4 {
        let body = json!({ "building_id": building, "description": format!("Нет света в офисе {n}"), "source": "phone", "category": "electric" });
        let ticket: Value = create(&app, &dispatcher, &body, None).await.json().await.unwrap();
        assert_eq!(ticket["status"], "assigned");
        names.push(ticket["assignee_name"].as_str().unwrap().to_owned());
    }
    assert_ne!(names[0], names[1], "the team takes turns: {names:?}");
    assert_eq!(names[0], names[2]);
    assert_eq!(names[1], names[3]);
}

#[actix_web::test]
async fn contacts_are_shown_only_to_those_who_may_read_personal_data() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let building = building_id(&app, &dispatcher, GRANITE).await;
    let ticket: Value = create(&app, &dispatcher, &phone_ticket(&building, "Течёт потолок в переговорной"), None)
        .await
        .json()
        .await
        .unwrap();
    let id = ticket["id"].as_str().unwrap();
    let concierge = app.token("concierge").await;
    let seen: Value = app.get(&concierge, &format!("/api/v1/tickets/{id}")).await.json().await.unwrap();
    assert_eq!(seen["description"], "Течёт потолок в переговорной");
    assert!(seen["contact_phone"].is_null() && seen["contact_name"].is_null());
    let technician = app.token("technician").await;
    let seen: Value = app.get(&technician, &format!("/api/v1/tickets/{id}")).await.json().await.unwrap();
    assert_eq!(seen["contact_phone"], "+79165551234");
    // The guard has no business with tickets at all.
    let guard = app.token("guard").await;
    assert_eq!(app.get(&guard, "/api/v1/tickets").await.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn the_board_filters_pages_and_counts() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let north = building_id(&app, &dispatcher, NORTH_STAR).await;
    let granite = building_id(&app, &dispatcher, GRANITE).await;
    for n in 0..5 {
        let mut body = phone_ticket(&north, &format!("Протечка номер {n}"));
        body["priority"] = json!(if n == 0 { "emergency" } else { "normal" });
        body["category"] = json!("other");
        create(&app, &dispatcher, &body, None).await;
    }
    create(&app, &dispatcher, &phone_ticket(&granite, "Засор в туалете третьего этажа"), None).await;

    let page: Value =
        app.get(&dispatcher, &format!("/api/v1/tickets?building_id={north}&limit=2")).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["priority"], "emergency", "the most urgent first");
    assert_eq!(page["counts"]["new"], 5);
    let cursor = page["next_cursor"].as_str().unwrap();
    let mut seen = 2;
    let mut next = Some(cursor.to_owned());
    while let Some(cursor) = next {
        let page: Value = app
            .get(&dispatcher, &format!("/api/v1/tickets?building_id={north}&limit=2&cursor={cursor}"))
            .await
            .json()
            .await
            .unwrap();
        seen += page["items"].as_array().unwrap().len();
        next = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 5);

    let newest: Value = app.get(&dispatcher, "/api/v1/tickets?sort=newest&limit=1").await.json().await.unwrap();
    assert_eq!(newest["items"][0]["description"], "Засор в туалете третьего этажа");
    let found: Value = app.get(&dispatcher, "/api/v1/tickets?q=засор+ТРЕТЬЕГО").await.json().await.unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let by_phone: Value = app.get(&dispatcher, "/api/v1/tickets?q=79165551234").await.json().await.unwrap();
    assert_eq!(by_phone["items"].as_array().unwrap().len(), 6);
    let bad = app.get(&dispatcher, "/api/v1/tickets?status=lost&sort=random").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A manager of other buildings sees none of Granite's tickets.
    let manager = app.token("manager").await;
    let theirs: Value =
        app.get(&manager, &format!("/api/v1/tickets?building_id={granite}")).await.json().await.unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn an_adopted_emergency_template_sets_a_thirty_minute_deadline() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let building = building_id(&app, &dispatcher, NORTH_STAR).await;
    let body = json!({
        "building_id": building, "description": "Прорыв трубы в подвале, вода прибывает",
        "source": "phone", "category": "plumbing", "priority": "emergency",
    });
    let ticket: Value = create(&app, &dispatcher, &body, None).await.json().await.unwrap();
    assert_eq!(ticket["sla"]["state"], "active");
    let created = chrono::DateTime::parse_from_rfc3339(ticket["created_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(ticket["sla"]["response_due"].as_str().unwrap()).unwrap();
    assert_eq!((due - created).num_minutes(), 30);
    let policies: Vec<Value> = app.get(&dispatcher, "/api/v1/sla/policies").await.json().await.unwrap();
    let policy = policies.iter().find(|p| p["id"] == ticket["sla"]["policy_id"]).unwrap();
    assert_eq!(policy["template"], "pp416_emergency_localisation");
    // Adopting the same template twice is refused.
    let admin = app.token("admin").await;
    let again = app.post(&admin, "/api/v1/sla/templates/pp416_emergency_localisation/adopt", &json!({})).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.post(&dispatcher, "/api/v1/sla/templates/pp416_answer/adopt", &json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn an_sla_warning_is_announced_live_when_its_time_comes() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let building = building_id(&app, &admin, GRANITE).await;
    // A policy that warns two seconds after a ticket comes in.
    let policy = app
        .post(
            &admin,
            "/api/v1/sla/policies",
            &json!({
                "name": "Проверка таймера", "building_id": building, "category": "noise",
                "resolution_minutes": 1, "warn_percent": 4, "around_the_clock": true,
            }),
        )
        .await;
    assert_eq!(policy.status(), StatusCode::CREATED);
    let mut ws = WsClient::connect(&app, &admin).await;
    ws.follow(&format!("building:{building}"), None).await;
    let body =
        json!({ "building_id": building, "description": "Шумят соседи", "source": "phone", "category": "noise" });
    let ticket: Value = create(&app, &admin, &body, None).await.json().await.unwrap();
    assert_eq!(ticket["sla"]["state"], "active");
    let event = ws.expect_event("ticket.sla", Duration::from_secs(15)).await;
    assert_eq!(event["data"]["ticket_id"], ticket["id"]);
    assert_eq!(event["data"]["state"], "warning");
    let id = ticket["id"].as_str().unwrap();
    let now: Value = app.get(&admin, &format!("/api/v1/tickets/{id}")).await.json().await.unwrap();
    assert_eq!(now["sla"]["state"], "warning");
}

fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    let picture = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    picture.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

async fn upload(app: &TestApp, token: &str, id: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    client()
        .post(app.url(&format!("/api/v1/tickets/{id}/attachments?name={}", domovoy_web::pages::url_encode(name))))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn photos_get_thumbnails_and_wrong_or_oversized_files_are_refused() {
    let app = TestApp::spawn_configured(|s| s.tickets.max_attachment_mb = 1).await;
    let dispatcher = app.token("dispatcher").await;
    let building = building_id(&app, &dispatcher, NORTH_STAR).await;
    let ticket: Value = create(&app, &dispatcher, &phone_ticket(&building, "Трещина в стене подъезда"), None)
        .await
        .json()
        .await
        .unwrap();
    let id = ticket["id"].as_str().unwrap();

    let uploaded = upload(&app, &dispatcher, id, "трещина.png", png()).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let attachment: Value = uploaded.json().await.unwrap();
    assert_eq!(attachment["content_type"], "image/png");
    assert_eq!(attachment["has_thumbnail"], true);
    let attachment_id = attachment["id"].as_str().unwrap();
    let thumb = app.get(&dispatcher, &format!("/api/v1/attachments/{attachment_id}?thumbnail=1")).await;
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    let picture = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((picture.width(), picture.height()), (320, 240));
    let original = app.get(&dispatcher, &format!("/api/v1/attachments/{attachment_id}")).await;
    assert_eq!(original.bytes().await.unwrap().len(), png().len());

    let exe = upload(&app, &dispatcher, id, "photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00 not a photo".to_vec()).await;
    assert_eq!(exe.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(exe).await, "unsupported_file_type");
    let big =
        upload(&app, &dispatcher, id, "big.pdf", [b"%PDF-1.7\n".as_slice(), &vec![b'0'; 2 * 1024 * 1024]].concat())
            .await;
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let empty = upload(&app, &dispatcher, id, "empty.pdf", Vec::new()).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let timeline: Value = app.get(&dispatcher, &format!("/api/v1/tickets/{id}/timeline")).await.json().await.unwrap();
    assert_eq!(timeline["attachments"].as_array().unwrap().len(), 1, "refused files leave no record");
    // Nor files: only the photo, its thumbnail, and an empty temp folder.
    let dir = app.data_dir.join("files");
    let mut files = Vec::new();
    for entry in walk(&dir) {
        files.push(entry);
    }
    assert_eq!(files.len(), 2, "{files:?}");

    let resident = app.token("+79001000003").await;
    assert_eq!(
        app.get(&resident, &format!("/api/v1/attachments/{attachment_id}")).await.status(),
        StatusCode::FORBIDDEN
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[actix_web::test]
async fn settings_need_the_settings_permission_and_are_audited() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let item = json!({ "kind": "problem", "parent_id": null, "code": "lift_noise", "name": "Шумит лифт" });
    let refused = app.post(&admin, "/api/v1/classifier", &item).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "a problem needs its category");
    let items: Vec<Value> = app.get(&dispatcher, "/api/v1/classifier").await.json().await.unwrap();
    let lift = items.iter().find(|i| i["code"] == "lift").unwrap()["id"].clone();
    let item = json!({ "kind": "problem", "parent_id": lift, "code": "lift_noise", "name": "Шумит лифт" });
    assert_eq!(app.post(&dispatcher, "/api/v1/classifier", &item).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post(&admin, "/api/v1/classifier", &item).await.status(), StatusCode::CREATED);
    assert_eq!(error_code(app.post(&admin, "/api/v1/classifier", &item).await).await, "validation_failed");

    let bad = client()
        .post(app.url("/api/v1/calendar"))
        .bearer_auth(&admin)
        .body("2028-01-01 holiday Новый год\n2028-13-01 holiday ошибка\n")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = bad.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_calendar");
    assert!(error["error"]["message"].as_str().unwrap().starts_with("Строка 2"));
    let none: Vec<Value> = app.get(&admin, "/api/v1/calendar?year=2028").await.json().await.unwrap();
    assert!(none.is_empty(), "a bad file changes nothing");
    let good: Value = client()
        .post(app.url("/api/v1/calendar"))
        .bearer_auth(&admin)
        .body("# 2028\n2028-01-01 holiday Новый год\n2028-01-02 holiday Новогодние каникулы\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(good["added"], 2);
    let days: Vec<Value> = app.get(&admin, "/api/v1/calendar?year=2028").await.json().await.unwrap();
    assert_eq!(days.len(), 2);

    for action in ["calendar.changed", "classifier.created"] {
        let audit: Value = app.get(&admin, &format!("/api/v1/audit?action={action}")).await.json().await.unwrap();
        assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{action}");
    }
}

#[actix_web::test]
async fn the_assignee_sets_off_and_the_resident_and_the_board_see_it() {
    let app = TestApp::spawn().await;
    let resident = app.token("+79001000001").await;
    let dispatcher = app.token("dispatcher").await;
    let technician = app.token("technician").await;
    let admin = app.token("admin").await;
    let building = building_id(&app, &dispatcher, NORTH_STAR).await;
    let body =
        json!({ "building_id": building, "description": "Не закрывается окно в спальне", "source": "web_cabinet" });
    let ticket: Value = create(&app, &resident, &body, Some("set-off-1")).await.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap().to_owned();
    assert!(ticket["en_route_at"].is_null());
    let set_off = |token: &str| {
        client().post(app.url(&format!("/api/v1/tickets/{id}/set-off"))).bearer_auth(token.to_owned()).send()
    };

    // Nobody is assigned yet: nobody can be on the way.
    assert_eq!(set_off(&dispatcher).await.unwrap().status(), StatusCode::FORBIDDEN);
    let technician_id = app.user_id(&admin, "technician").await;
    let assigned =
        app.put(&dispatcher, &format!("/api/v1/tickets/{id}/assignee"), &json!({ "assignee_id": technician_id })).await;
    assert_eq!(assigned.status(), StatusCode::OK);

    // Only the assignee says they are coming; the dispatcher may not say it for them.
    assert_eq!(set_off(&dispatcher).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(set_off(&resident).await.unwrap().status(), StatusCode::FORBIDDEN);
    let coming = set_off(&technician).await.unwrap();
    assert_eq!(coming.status(), StatusCode::OK);
    let coming: Value = coming.json().await.unwrap();
    assert_eq!(coming["status"], "assigned");
    let since = coming["en_route_at"].as_str().expect("since when").to_owned();
    // A second tap changes nothing: same time, same version.
    let again: Value = set_off(&technician).await.unwrap().json().await.unwrap();
    assert_eq!(again["en_route_at"], since.as_str());
    assert_eq!(again["version"], coming["version"]);
    let timeline: Value = app.get(&dispatcher, &format!("/api/v1/tickets/{id}/timeline")).await.json().await.unwrap();
    let set_offs = timeline["history"].as_array().unwrap().iter().filter(|h| h["kind"] == "set_off").count();
    assert_eq!(set_offs, 1, "{timeline}");

    // The resident sees it on their start page and on the ticket, in Russian.
    let browser = app.browser();
    let login = app.browser_login(&browser, "+79001000001", domovoy::demo::DEMO_PASSWORD).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    for path in ["/".to_owned(), format!("/tickets/{id}")] {
        let html = browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Исполнитель в пути с"), "{path}: {html}");
    }
    let history = browser.get(app.url(&format!("/tickets/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(history.contains("выехал(а) на заявку"));

    // Starting the work ends the way; then nobody sets off to it.
    let started = transition(&app, &technician, &id, json!({ "to": "in_progress" })).await;
    assert_eq!(started.status(), StatusCode::OK);
    assert!(started.json::<Value>().await.unwrap()["en_route_at"].is_null());
    let late = set_off(&technician).await.unwrap();
    assert_eq!(late.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = late.json().await.unwrap();
    assert_eq!(error["error"]["code"], "cannot_set_off");
    assert!(error["error"]["message"].as_str().unwrap().contains("«В работе»"), "{error}");
}

/// What the resident's notification list says of one ticket, newest first.
async fn told_of(app: &TestApp, resident: &str, ticket: &str) -> Vec<String> {
    let list: Value = app.get(resident, "/api/v1/notifications?limit=100").await.json().await.unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["ticket_id"] == ticket)
        .map(|n| format!("{} {}", n["kind"].as_str().unwrap(), n["detail"].as_str().unwrap_or("")))
        .collect()
}

async fn rating_requests_go_once_per_ticket_and_once_a_week(app: &TestApp) {
    let resident = app.token("+79001000001").await;
    let dispatcher = app.token("dispatcher").await;
    let technician = app.token("technician").await;
    let admin = app.token("admin").await;
    let technician_id = app.user_id(&admin, "technician").await;
    let building = building_id(app, &dispatcher, NORTH_STAR).await;
    let done = |text: &'static str| {
        let body = json!({ "building_id": building, "description": text, "source": "web_cabinet" });
        let (resident, dispatcher, technician) = (resident.clone(), dispatcher.clone(), technician.clone());
        let assignee = json!({ "assignee_id": technician_id });
        async move {
            let ticket: Value = create(app, &resident, &body, None).await.json().await.unwrap();
            let id = ticket["id"].as_str().unwrap().to_owned();
            let assigned = app.put(&dispatcher, &format!("/api/v1/tickets/{id}/assignee"), &assignee).await;
            assert_eq!(assigned.status(), StatusCode::OK);
            for to in ["in_progress", "done"] {
                assert_eq!(transition(app, &technician, &id, json!({ "to": to })).await.status(), StatusCode::OK);
            }
            id
        }
    };
    // The first request done: the resident is asked to rate it.
    let first = done("Не горит лампа у лифта").await;
    assert_eq!(told_of(app, &resident, &first).await[0], "ticket.rate_request done");
    // The second, the same week: only its new status.
    let second = done("Скрипит дверь подъезда").await;
    assert_eq!(told_of(app, &resident, &second).await[0], "ticket.status_changed done");
    // A week later: the first, reopened and done again, is not asked about
    // twice; a new one is.
    domovoy_store::testing::date_rating_requests(app.store(), chrono::Utc::now() - chrono::TimeDelta::days(8))
        .await
        .unwrap();
    for to in ["reopened", "in_progress", "done"] {
        let moved = transition(app, &dispatcher, &first, json!({ "to": to })).await;
        assert_eq!(moved.status(), StatusCode::OK, "{to}: {}", moved.text().await.unwrap());
    }
    assert_eq!(told_of(app, &resident, &first).await[0], "ticket.status_changed done");
    let third = done("Нет воды в кране на кухне").await;
    assert_eq!(told_of(app, &resident, &third).await[0], "ticket.rate_request done");

    // On the cabinet's start page, in words, leading to the rating form.
    let browser = app.browser();
    app.browser_login(&browser, "+79001000001", domovoy::demo::DEMO_PASSWORD).await;
    let home = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Заявка выполнена — оцените работу"), "the request in words");
    assert!(home.contains(&format!("/tickets/{third}#rate")), "leads to the rating form");
}

#[actix_web::test]
async fn rating_requests_go_once_per_ticket_and_once_a_week_on_sqlite() {
    rating_requests_go_once_per_ticket_and_once_a_week(&TestApp::spawn().await).await;
}

#[actix_web::test]
async fn rating_requests_go_once_per_ticket_and_once_a_week_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    rating_requests_go_once_per_ticket_and_once_a_week(&app).await;
}
