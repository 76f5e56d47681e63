//! The role model over HTTP: who may read and change what.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

#[actix_web::test]
async fn a_guard_gets_403_on_user_administration_and_the_audit_log() {
    let app = TestApp::spawn().await;
    let guard = app.token("guard").await;
    for path in ["/api/v1/users", "/api/v1/audit", "/api/v1/roles", "/api/v1/audit/export"] {
        let response = app.get(&guard, path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(error_code(response).await, "forbidden");
    }
    let admin = app.token("admin").await;
    for path in ["/api/v1/users", "/api/v1/audit", "/api/v1/roles"] {
        assert_eq!(app.get(&admin, path).await.status(), StatusCode::OK, "{path}");
    }
}

#[actix_web::test]
async fn a_resident_cannot_read_another_residents_data() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let own_id = app.user_id(&admin, "+79001000001").await;
    let other_id = app.user_id(&admin, "+79001000002").await;
    let resident = app.token("+79001000001").await;
    let own = app.get(&resident, &format!("/api/v1/users/{own_id}")).await;
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(own.json::<Value>().await.unwrap()["display_name"], "Иванов Иван Иванович");
    let other = app.get(&resident, &format!("/api/v1/users/{other_id}")).await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    let body = other.text().await.unwrap();
    assert!(!body.contains("Фёдорова"));
    assert_eq!(
        app.get(&resident, &format!("/api/v1/users/{other_id}/assignments")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(&resident, "/api/v1/users").await.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn building_scoped_staff_see_only_their_buildings() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let all: Vec<Value> = app.get(&admin, "/api/v1/buildings").await.json().await.unwrap();
    assert_eq!(all.len(), 3);
    let manager = app.token("manager").await;
    let mine: Vec<Value> = app.get(&manager, "/api/v1/buildings").await.json().await.unwrap();
    let names: Vec<&str> = mine.iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["ЖК «Северная звезда»", "Квартал «Сосновый бор»"]);
    let granite = all.iter().find(|b| b["name"] == "БЦ «Гранит»").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&manager, &format!("/api/v1/buildings/{granite}")).await.status(), StatusCode::FORBIDDEN);
    let guard = app.token("guard").await;
    let guard_sees: Vec<Value> = app.get(&guard, "/api/v1/buildings").await.json().await.unwrap();
    assert_eq!(guard_sees.len(), 1);
}

#[actix_web::test]
async fn a_manager_edits_his_building_but_creates_none() {
    let app = TestApp::spawn().await;
    let manager = app.token("manager").await;
    let mine: Vec<Value> = app.get(&manager, "/api/v1/buildings").await.json().await.unwrap();
    let id = mine[0]["id"].as_str().unwrap();
    let body = json!({"name": "ЖК «Северная звезда», корп. 1", "address": "Москва", "kind": "residential", "time_zone": "Europe/Moscow"});
    let updated = app.post(&manager, "/api/v1/buildings", &body).await;
    assert_eq!(updated.status(), StatusCode::FORBIDDEN);
    let put = crate::helpers::client()
        .put(app.url(&format!("/api/v1/buildings/{id}")))
        .bearer_auth(&manager)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(put.json::<Value>().await.unwrap()["name"], "ЖК «Северная звезда», корп. 1");
}
