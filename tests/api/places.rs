//! Buildings' layouts, the chessboard, clients and search over HTTP, with
//! the demo's tower (about a thousand units) and its residents.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, building_id, error_code};

const NORTH_STAR: &str = "ЖК «Северная звезда»";
const GRANITE: &str = "БЦ «Гранит»";

pub(crate) async fn search(app: &TestApp, token: &str, q: &str) -> Value {
    let path = format!("/api/v1/search?q={}", domovoy_web::pages::url_encode(q));
    let response = app.get(token, &path).await;
    assert_eq!(response.status(), StatusCode::OK, "search {q}");
    response.json().await.unwrap()
}

fn cells(board: &Value) -> Vec<Value> {
    board["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["floors"].as_array().unwrap().iter().flat_map(|f| f["units"].as_array().unwrap().clone()))
        .collect()
}

/// The unit `label` of the building's chessboard.
pub(crate) async fn unit(app: &TestApp, token: &str, building: &str, label: &str) -> Value {
    let board: Value = app.get(token, &format!("/api/v1/buildings/{building}/chessboard")).await.json().await.unwrap();
    cells(&board).into_iter().find(|c| c["label"] == label).unwrap_or_else(|| panic!("no unit {label}"))
}

#[actix_web::test]
async fn the_demo_tower_has_a_thousand_units_top_down_with_live_cells() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let tower = building_id(&app, &dispatcher, NORTH_STAR).await;

    let board: Value =
        app.get(&dispatcher, &format!("/api/v1/buildings/{tower}/chessboard")).await.json().await.unwrap();
    assert!((1000..=1100).contains(&board["units"].as_u64().unwrap()), "{}", board["units"]);
    let first = &board["sections"][0];
    assert_eq!(first["name"], "1");
    assert_eq!(first["floors"][0]["number"], 25, "floors come top-down");
    assert_eq!(board["sections"].as_array().unwrap().last().unwrap()["kind"], "parking");
    let flat45 = unit(&app, &dispatcher, &tower, "45").await;
    assert_eq!(flat45["ownership"], "owner_occupied");
    assert_eq!(flat45["app_users"], 1, "the demo resident Иванов lives in 45");

    // A ticket about flat 45 changes that cell on a board that follows the
    // building topic from the snapshot's position.
    let mut ws = WsClient::connect(&app, &dispatcher).await;
    ws.subscribe(&format!("building:{tower}"), board["live_seq"].as_i64()).await;
    let before = flat45["open_tickets"].as_u64().unwrap();
    let body = json!({
        "building_id": tower, "unit_id": flat45["id"], "description": "Авария: прорвало трубу отопления",
        "source": "phone", "priority": "emergency",
    });
    let created = app.post(&dispatcher, "/api/v1/tickets", &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["location"], "кв. 45", "the unit names the place");
    assert!(created["client_id"].is_null(), "a unit alone does not say who called");
    let event = ws.expect_event("ticket.created", Duration::from_secs(5)).await;
    assert_eq!(event["data"]["unit_id"], flat45["id"]);
    let after = unit(&app, &dispatcher, &tower, "45").await;
    assert_eq!(after["open_tickets"].as_u64().unwrap(), before + 1);
    assert_eq!(after["emergency"], true);

    // A unit of another building, or one that does not exist, is refused.
    let granite = building_id(&app, &dispatcher, GRANITE).await;
    let office = unit(&app, &dispatcher, &granite, "101").await;
    let wrong = json!({"building_id": tower, "unit_id": office["id"], "description": "Не тот дом", "source": "phone"});
    let response = app.post(&dispatcher, "/api/v1/tickets", &wrong).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field_codes"]["unit_id"], "not_allowed");
    let ghost = json!({"building_id": tower, "unit_id": uuid::Uuid::now_v7(), "description": "Нет такой квартиры", "source": "phone"});
    let body: Value = app.post(&dispatcher, "/api/v1/tickets", &ghost).await.json().await.unwrap();
    assert_eq!(body["error"]["field_codes"]["unit_id"], "unknown");
}

#[actix_web::test]
async fn layouts_generate_round_trip_through_condo_and_refuse_to_drop_units_in_use() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let created = app
        .post(&admin, "/api/v1/buildings", &json!({"name": "Дом на Заречной", "address": "г. Пермь, ул. Заречная, 1", "time_zone": "Asia/Yekaterinburg"}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let building = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    let spec = json!({
        "sections": 2, "kind": "entrance", "first_floor": 2, "last_floor": 9, "units_per_floor": 4,
        "unit_kind": "apartment", "first_number": 1, "ground_floor": {"kind": "retail", "units_per_section": 1},
    });
    let done = app.post(&admin, &format!("/api/v1/buildings/{building}/layout/generate"), &spec).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.json::<Value>().await.unwrap(), json!({"created": 66, "updated": 0, "removed": 0}));

    // Export, import the same map: nothing is created or removed.
    let map: Value = app.get(&admin, &format!("/api/v1/buildings/{building}/layout/condo")).await.json().await.unwrap();
    assert_eq!(map["dv"], 1);
    assert_eq!(map["sections"][0]["floors"][0]["index"], 9, "condo draws floors top-down");
    assert_eq!(map["sections"][0]["floors"][8]["units"][0]["unitType"], "commercial");
    let again = app.put(&admin, &format!("/api/v1/buildings/{building}/layout/condo"), &map).await;
    assert_eq!(again.json::<Value>().await.unwrap(), json!({"created": 0, "updated": 66, "removed": 0}));
    let exported_again: Value =
        app.get(&admin, &format!("/api/v1/buildings/{building}/layout/condo")).await.json().await.unwrap();
    assert_eq!(exported_again, map, "same ids, same map");

    // A bad plan reports every place, and changes nothing.
    let mut bad = map.clone();
    bad["sections"][0]["floors"][0]["units"][1]["label"] = json!("1");
    bad["sections"][0]["floors"][0]["units"][2]["unitType"] = json!("castle");
    let response = app.put(&admin, &format!("/api/v1/buildings/{building}/layout/condo"), &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field_codes"], json!({"sections[0].floors[0].units[2].unitType": "unknown"}));

    // A ticket for flat 33; a plan without it is refused with its name.
    let flat = unit(&app, &admin, &building, "33").await;
    let ticket = json!({"building_id": building, "unit_id": flat["id"], "description": "Не работает домофон", "source": "phone"});
    assert_eq!(app.post(&admin, "/api/v1/tickets", &ticket).await.status(), StatusCode::CREATED);
    let smaller = json!({"sections": 1, "kind": "entrance", "first_floor": 2, "last_floor": 9, "units_per_floor": 4,
                          "unit_kind": "apartment", "first_number": 1});
    let response = app.post(&admin, &format!("/api/v1/buildings/{building}/layout/generate"), &smaller).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "in_use");
    assert!(body["error"]["message"].as_str().unwrap().contains("кв. 33"), "{body}");
    let board: Value = app.get(&admin, &format!("/api/v1/buildings/{building}/chessboard")).await.json().await.unwrap();
    assert_eq!(board["units"], 66, "nothing changed");

    // Only building managers change layouts.
    let dispatcher = app.token("dispatcher").await;
    let response = app.post(&dispatcher, &format!("/api/v1/buildings/{building}/layout/generate"), &spec).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn client_cards_hide_contacts_without_the_permission_and_audit_views() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let tower = building_id(&app, &admin, NORTH_STAR).await;
    let flat = unit(&app, &admin, &tower, "7").await;
    let body = json!({
        "name": "Ёлкина Вера Степановна", "phones": ["8 (912) 700-07-07"], "emails": ["vera@example.ru"],
        "tags": ["совет дома"],
        "units": [{"unit_id": flat["id"], "role": "owner", "share": "1/2", "account": "СЗ-7"}],
    });
    let created = app.post(&admin, "/api/v1/clients", &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let card: Value = created.json().await.unwrap();
    let id = card["id"].as_str().unwrap().to_owned();
    assert_eq!(card["phones"][0]["e164"], "+79127000707");
    assert_eq!(card["phones"][0]["raw"], "8 (912) 700-07-07");
    assert_eq!(card["units"][0]["title"], "кв. 7");
    assert_eq!(card["units"][0]["share"], "1/2");

    // A ticket filed for her shows her card's summary beside it.
    let ticket = json!({"building_id": tower, "unit_id": flat["id"], "client_id": id, "description": "Не закрывается окно", "source": "phone"});
    let ticket: Value = app.post(&admin, "/api/v1/tickets", &ticket).await.json().await.unwrap();
    assert_eq!(ticket["contact_name"], "Ёлкина Вера Степановна", "the client names the caller");
    let browser = app.browser();
    app.browser_login(&browser, "dispatcher", "demo").await;
    let page = browser
        .get(app.url(&format!("/tickets/{}", ticket["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-testid=\"ticket-client\""), "client summary on the ticket page");
    assert!(page.contains(&format!("/clients/{id}")));

    // The guard works in the tower but may not read personal data.
    let guard = app.token("guard").await;
    let seen: Value = app.get(&guard, &format!("/api/v1/clients/{id}")).await.json().await.unwrap();
    assert_eq!(seen["name"], "Ёлкина Вера Степановна");
    assert_eq!(seen["contacts_visible"], false);
    assert_eq!(seen["phones"], json!([]));
    assert_eq!(seen["emails"], json!([]));

    // The dispatcher sees them, and the audit log says so.
    let dispatcher = app.token("dispatcher").await;
    let seen: Value = app.get(&dispatcher, &format!("/api/v1/clients/{id}")).await.json().await.unwrap();
    assert_eq!(seen["emails"], json!(["vera@example.ru"]));
    let log: Value =
        app.get(&admin, "/api/v1/audit?action=client.contacts_viewed&limit=10").await.json().await.unwrap();
    let entries = log["items"].as_array().unwrap().clone();
    assert!(entries.iter().any(|e| e["entity_id"] == id.as_str()), "{log}");

    // Search finds her by the tail of her phone, by name with ё or a typo,
    // and the flat by "кв 7"; the guard's search has no clients group beyond reach.
    for q in ["07-07", "8 912 700", "елкина", "Ёлкина вера", "Елкена"] {
        let found = search(&app, &dispatcher, q).await;
        assert!(found["clients"].as_array().unwrap().iter().any(|c| c["id"] == id.as_str()), "{q}: {found}");
    }
    let found = search(&app, &dispatcher, "кв 7").await;
    assert!(found["units"].as_array().unwrap().iter().any(|u| u["id"] == flat["id"]), "{found}");
    assert!(found["clients"].as_array().unwrap().is_empty());

    // A stale edit is refused with the current version.
    let edit = json!({"name": "Ёлкина Вера Степановна", "phones": ["+7 912 700-07-08"], "version": 99});
    let response = app.put(&admin, &format!("/api/v1/clients/{id}"), &edit).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(response).await, "version_conflict");
    let bad = json!({"name": "", "phones": ["12"], "version": 1});
    let response = app.put(&admin, &format!("/api/v1/clients/{id}"), &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field_codes"], json!({"name": "required", "phones[0]": "invalid_format"}));

    // Consents keep their date; unknown channels are refused.
    let response =
        app.put(&admin, &format!("/api/v1/clients/{id}/consents"), &json!({"sms": true, "email": true})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app.put(&admin, &format!("/api/v1/clients/{id}/consents"), &json!({"pigeon": true})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let card: Value = app.get(&admin, &format!("/api/v1/clients/{id}")).await.json().await.unwrap();
    let channels: Vec<&str> =
        card["consents"].as_array().unwrap().iter().map(|c| c["channel"].as_str().unwrap()).collect();
    assert_eq!(channels, ["email", "sms"]);
}

#[actix_web::test]
async fn a_resident_sees_only_their_own_card_and_files_for_their_own_flat() {
    let app = TestApp::spawn().await;
    let resident = app.token("+79001000001").await;
    let admin = app.token("admin").await;
    let tower = building_id(&app, &admin, NORTH_STAR).await;
    let flat45 = unit(&app, &admin, &tower, "45").await;
    let flat46 = unit(&app, &admin, &tower, "46").await;
    let people: Value =
        app.get(&admin, &format!("/api/v1/units/{}", flat45["id"].as_str().unwrap())).await.json().await.unwrap();
    let own = people["people"].as_array().unwrap().iter().find(|p| p["has_account"] == true).unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let neighbour = people_of(&app, &admin, &flat46).await;

    assert_eq!(app.get(&resident, &format!("/api/v1/clients/{own}")).await.status(), StatusCode::OK);
    if let Some(other) = neighbour {
        assert_eq!(app.get(&resident, &format!("/api/v1/clients/{other}")).await.status(), StatusCode::FORBIDDEN);
    }
    let mine = json!({"building_id": tower, "unit_id": flat45["id"], "description": "Не греет батарея в спальне", "source": "resident_app"});
    let created = app.post(&resident, "/api/v1/tickets", &mine).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["client_id"], own.as_str(), "filed as the resident's client");
    let theirs = json!({"building_id": tower, "unit_id": flat46["id"], "description": "У соседа течёт", "source": "resident_app"});
    let response = app.post(&resident, "/api/v1/tickets", &theirs).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn people_of(app: &TestApp, admin: &str, unit: &Value) -> Option<String> {
    let card: Value =
        app.get(admin, &format!("/api/v1/units/{}", unit["id"].as_str().unwrap())).await.json().await.unwrap();
    card["people"].as_array().unwrap().first().map(|p| p["client_id"].as_str().unwrap().to_owned())
}
