//! Administration: accounts, roles, assignments, the audit log.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, client, error_code};

#[actix_web::test]
async fn an_administrator_creates_an_account_that_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let created = app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"login": "Petrova", "display_name": "Петрова Ирина", "email": "petrova@uk.example"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["user"]["login"], "petrova");
    let password = body["initial_password"].as_str().unwrap().to_owned();
    let signed_in = app.login("petrova", &password).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let token = signed_in.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    // No roles yet: nothing but her own profile.
    assert_eq!(app.get(&token, "/api/v1/buildings").await.status(), StatusCode::FORBIDDEN);

    let roles: Vec<Value> = app.get(&admin, "/api/v1/roles").await.json().await.unwrap();
    let dispatcher = roles.iter().find(|r| r["template"] == "dispatcher").unwrap()["id"].as_str().unwrap().to_owned();
    let buildings: Vec<Value> = app.get(&admin, "/api/v1/buildings").await.json().await.unwrap();
    let building = buildings[0]["id"].as_str().unwrap().to_owned();
    let user_id = body["user"]["id"].as_str().unwrap();
    let granted = app
        .post(
            &admin,
            &format!("/api/v1/users/{user_id}/assignments"),
            &json!({"role_id": dispatcher, "scope": building}),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::CREATED);
    let visible: Vec<Value> = app.get(&token, "/api/v1/buildings").await.json().await.unwrap();
    assert_eq!(visible.len(), 1);

    let twice = app
        .post(
            &admin,
            &format!("/api/v1/users/{user_id}/assignments"),
            &json!({"role_id": dispatcher, "scope": building}),
        )
        .await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = twice.json().await.unwrap();
    assert_eq!(body["error"]["field_codes"]["role"], "taken");
}

#[actix_web::test]
async fn invalid_accounts_are_refused_field_by_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let before: Vec<Value> = app.get(&admin, "/api/v1/users?limit=500").await.json().await.unwrap();
    let response = app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"login": "1bad login", "display_name": "", "email": "not-an-email", "password": "short"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    let fields = body["error"]["fields"].as_object().unwrap();
    assert_eq!(fields["display_name"], "Обязательное поле");
    assert_eq!(fields["email"], "Неверный адрес e-mail");
    assert!(fields["login"].as_str().unwrap().contains("Латинские"));
    assert!(fields.contains_key("password"));
    let taken = app.post(&admin, "/api/v1/users", &json!({"login": "guard", "display_name": "Второй охранник"})).await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(taken.json::<Value>().await.unwrap()["error"]["fields"]["login"], "Этот логин уже занят");
    let after: Vec<Value> = app.get(&admin, "/api/v1/users?limit=500").await.json().await.unwrap();
    assert_eq!(before.len(), after.len());
}

#[actix_web::test]
async fn the_last_administrator_cannot_be_removed() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let admin_id = app.user_id(&admin, "admin").await;
    let own = app.post(&admin, &format!("/api/v1/users/{admin_id}/disable"), &json!({})).await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(own).await, "self_disable");

    let assignments: Vec<Value> =
        app.get(&admin, &format!("/api/v1/users/{admin_id}/assignments")).await.json().await.unwrap();
    let only = assignments[0]["id"].as_str().unwrap();
    let revoked =
        client().delete(app.url(&format!("/api/v1/assignments/{only}"))).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(revoked).await, "last_administrator");

    let roles: Vec<Value> = app.get(&admin, "/api/v1/roles").await.json().await.unwrap();
    let administrator = roles.iter().find(|r| r["template"] == "administrator").unwrap();
    let weakened = client()
        .put(app.url(&format!("/api/v1/roles/{}", administrator["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .json(&json!({"name": "Администратор", "permissions": ["audit.read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(weakened.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing changed: the administrator still administers.
    assert_eq!(app.get(&admin, "/api/v1/users").await.status(), StatusCode::OK);
}

#[actix_web::test]
async fn roles_are_composed_from_the_catalog_and_deleted_when_unused() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let catalog: Vec<Value> = app.get(&admin, "/api/v1/permissions").await.json().await.unwrap();
    assert!(catalog.iter().any(|p| p["code"] == "passes.check" && p["label"] == "Проверка пропусков"));
    let created = app
        .post(
            &admin,
            "/api/v1/roles",
            &json!({"name": "Ночной охранник", "permissions": ["passes.check", "passes.mark"]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let role: Value = created.json().await.unwrap();
    assert_eq!(role["permissions"], json!(["passes.check", "passes.mark"]));
    let unknown = app.post(&admin, "/api/v1/roles", &json!({"name": "Странная", "permissions": ["tickets.fly"]})).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let deleted = client()
        .delete(app.url(&format!("/api/v1/roles/{}", role["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn every_change_is_in_the_audit_log_with_who_and_what() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let created = app
        .post(
            &admin,
            "/api/v1/buildings",
            &json!({"name": "ЖК «Парус»", "address": "Казань", "time_zone": "Europe/Moscow"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let page: Value = app.get(&admin, "/api/v1/audit?action=building.created&actor=admin").await.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["actor_login"], "admin");
    assert_eq!(items[0]["after"]["name"], "ЖК «Парус»");
    assert!(items[0]["request_id"].as_str().is_some_and(|id| !id.is_empty()));

    let signed_in: Value = app.get(&admin, "/api/v1/audit?action=auth.signed_in").await.json().await.unwrap();
    assert!(!signed_in["items"].as_array().unwrap().is_empty());

    let csv = app.get(&admin, "/api/v1/audit/export?format=csv&action=building.created").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains("ЖК «Парус»") && text.contains("Создан объект"), "{text}");

    let bad = app.get(&admin, "/api/v1/audit?from=yesterday").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_actor = app.get(&admin, "/api/v1/audit?actor=nobody").await;
    assert_eq!(unknown_actor.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn administration_works_on(app: &TestApp) {
    let admin = app.token("admin").await;
    let created = app
        .post(
            &admin,
            "/api/v1/users",
            &json!({"kind": "resident", "login": "8 912 345-67-89", "display_name": "Жилец"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["user"]["login"], "+79123456789");
    let page: Value = app.get(&admin, "/api/v1/audit?action=user.created&limit=1").await.json().await.unwrap();
    assert_eq!(page["items"][0]["summary"], "Жилец (+79123456789)");
}

#[actix_web::test]
async fn administration_works_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    administration_works_on(&app).await;
}
