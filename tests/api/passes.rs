//! Passes and the guard desk over HTTP and the WebSocket, with the demo's
//! people: a resident's pass is found by its plate in Latin letters, two
//! marks make one visit (409 with it), the desk and the host hear of the
//! arrival live, a guard never gets the host's phone, residents read and
//! cancel only their own passes, staff of another building get nothing.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, building_id, error_code};

const WAIT: Duration = Duration::from_secs(5);

async fn passes_work_end_to_end(app: TestApp) {
    let admin = app.token("admin").await;
    let tower = building_id(&app, &admin, "ЖК «Северная звезда»").await;
    let resident = app.token("+79001000001").await;
    let neighbour = app.token("+79001000002").await;
    let guard = app.token("guard").await;
    let technician = app.token("technician").await;
    let concierge_elsewhere = app.token("concierge").await;

    // The desk and the host follow live before anything happens.
    let mut desk = WsClient::connect(&app, &guard).await;
    desk.follow(&format!("building:{tower}"), None).await;
    let me: Value = app.get(&resident, "/api/v1/me").await.json().await.unwrap();
    let mut host = WsClient::connect(&app, &resident).await;
    host.follow(&format!("user:{}", me["user"]["id"].as_str().unwrap()), None).await;
    let mut tech = WsClient::connect(&app, &technician).await;
    tech.follow(&format!("building:{tower}"), None).await;

    // The resident has one flat: no unit to choose.
    let body = json!({"kind": "vehicle", "visitor_name": "Сергеев Олег", "plate": "а 777 мр 799",
                      "vehicle": "Шкода, серая", "visitor_phone": "+7 916 555-44-33"});
    let response = app.post(&resident, "/api/v1/passes", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let issued: Value = response.json().await.unwrap();
    let id = issued["id"].as_str().unwrap().to_owned();
    assert_eq!(issued["building_id"], tower.as_str());
    assert_eq!(issued["status"], "active");
    assert_eq!(issued["plate"], "А777МР 799");
    assert!(issued["link"].as_str().unwrap().starts_with("/p/"));
    desk.expect_event("pass.created", WAIT).await;

    // The link opens the pass without sign-in; a made-up one does not.
    let shared = crate::helpers::client().get(app.url(issued["link"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(shared.status(), StatusCode::OK);
    assert!(shared.text().await.unwrap().contains(issued["pin"].as_str().unwrap()));
    let made_up = crate::helpers::client().get(app.url("/p/not-a-real-link")).send().await.unwrap();
    assert_eq!(made_up.status(), StatusCode::NOT_FOUND);

    // The guard types the plate in Latin letters without the region.
    let found: Value =
        app.get(&guard, &format!("/api/v1/passes/check?building_id={tower}&q=A777MP")).await.json().await.unwrap();
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(items[0]["valid"], true);
    assert_eq!(items[0]["unit_label"], "кв. 45");
    assert_eq!(items[0]["host_name"], "Иванов Иван Иванович");
    let text = found.to_string();
    assert!(!text.contains("79001000001") && !text.contains("79165554433"), "no phones for a guard: {text}");

    // Staff of another building, and a neighbour, get nothing.
    let elsewhere = app.get(&concierge_elsewhere, &format!("/api/v1/passes/check?building_id={tower}&q=A777MP")).await;
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    let theirs = app.get(&neighbour, &format!("/api/v1/passes/{id}")).await;
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
    let cancel = app.post(&neighbour, &format!("/api/v1/passes/{id}/cancel"), &json!({})).await;
    assert_eq!(cancel.status(), StatusCode::FORBIDDEN);
    let mine: Value = app.get(&neighbour, "/api/v1/passes").await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 0);

    // The arrival: 201, then 409 with the visit for the second mark.
    let first = app.post(&guard, &format!("/api/v1/passes/{id}/arrival"), &json!({})).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let visit: Value = first.json().await.unwrap();
    let again = app.post(&guard, &format!("/api/v1/passes/{id}/arrival"), &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"]["code"], "already_on_site");
    assert_eq!(body["visit"]["id"], visit["visit"]["id"]);

    let arrived = desk.expect_event("visit.arrived", WAIT).await;
    assert_eq!(arrived["data"]["visitor_name"], "Сергеев Олег");
    assert!(arrived["data"].get("visitor_phone").is_none());
    host.expect_event("visit.arrived", WAIT).await;
    // A technician follows the building's board, not its visitors.
    let seen = tech.drain(Duration::from_millis(500)).await;
    assert!(seen.iter().all(|m| !m["kind"].as_str().unwrap_or_default().starts_with("visit.")), "{seen:?}");

    let on_site: Value =
        app.get(&guard, &format!("/api/v1/visits?building_id={tower}&on_site=true")).await.json().await.unwrap();
    let here: Vec<&Value> =
        on_site["items"].as_array().unwrap().iter().filter(|v| v["pass_id"] == id.as_str()).collect();
    assert_eq!(here.len(), 1, "{on_site}");

    // On site: the host cannot cancel; after the departure they can.
    let refused = app.post(&resident, &format!("/api/v1/passes/{id}/cancel"), &json!({})).await;
    assert_eq!(error_code(refused).await, "pass_on_site");
    let left = app.post(&guard, &format!("/api/v1/passes/{id}/departure"), &json!({})).await;
    assert_eq!(left.status(), StatusCode::OK);
    desk.expect_event("visit.departed", WAIT).await;
    let cancelled = app.post(&resident, &format!("/api/v1/passes/{id}/cancel"), &json!({})).await;
    assert_eq!(cancelled.status(), StatusCode::OK);

    // A visitor without a pass: the desk asks, the host answers.
    let request = json!({"building_id": tower, "unit": "кв. 45", "visitor_name": "Зайцев Кирилл"});
    let response = app.post(&guard, "/api/v1/passes/requests", &request).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let asked: Value = response.json().await.unwrap();
    assert_eq!(asked["status"], "requested");
    assert_eq!(asked["unit_label"], "кв. 45");
    let asked_id = asked["id"].as_str().unwrap();
    host.expect_event("pass.created", WAIT).await;
    let arrival = app.post(&guard, &format!("/api/v1/passes/{asked_id}/arrival"), &json!({})).await;
    assert_eq!(error_code(arrival).await, "pass_not_valid", "not before the host agrees");
    for (who, expected) in
        [(&guard, StatusCode::FORBIDDEN), (&neighbour, StatusCode::FORBIDDEN), (&resident, StatusCode::OK)]
    {
        let answer = app.post(who, &format!("/api/v1/passes/{asked_id}/approve"), &json!({})).await;
        assert_eq!(answer.status(), expected);
    }
    let again = app.post(&resident, &format!("/api/v1/passes/{asked_id}/deny"), &json!({})).await;
    assert_eq!(error_code(again).await, "pass_finished");
    let unknown = json!({"building_id": tower, "unit": "9999", "visitor_name": "Кто-то"});
    let response = app.post(&guard, "/api/v1/passes/requests", &unknown).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A resident cannot issue for someone else's building or unit.
    let other = building_id(&app, &admin, "БЦ «Гранит»").await;
    let foreign =
        json!({"building_id": other, "unit_id": "0192a7c4-0000-7000-8000-000000000000", "visitor_name": "Гость"});
    let response = app.post(&resident, "/api/v1/passes", &foreign).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn passes_work_end_to_end_on_sqlite() {
    passes_work_end_to_end(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn passes_work_end_to_end_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    passes_work_end_to_end(app).await;
}
