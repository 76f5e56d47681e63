//! Health, readiness, metrics, the API description, unknown routes.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, client, error_code};

#[actix_web::test]
async fn health_and_readiness_answer_when_the_database_is_there() {
    let app = TestApp::spawn().await;
    let health = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(health.headers().contains_key("x-request-id"));
    let ready = client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");
}

#[actix_web::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::spawn().await;
    client().get(app.url("/healthz")).send().await.unwrap();
    let text = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"domovoy_http_requests_total{method="GET",route="/healthz",status="200"} 1"#), "{text}");
    assert!(text.contains("domovoy_sign_ins_total"));
}

#[actix_web::test]
async fn every_api_route_is_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let doc: Value = client().get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/me/tokens/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}/assignments",
        "/api/v1/assignments/{id}",
        "/api/v1/roles",
        "/api/v1/permissions",
        "/api/v1/buildings",
        "/api/v1/buildings/{id}",
        "/api/v1/audit",
        "/api/v1/audit/export",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let docs = client().get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
}

#[actix_web::test]
async fn unknown_api_paths_answer_json_and_unknown_pages_answer_html() {
    let app = TestApp::spawn().await;
    let api = client().get(app.url("/api/v1/nowhere")).send().await.unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(api).await, "not_found");
    let page = client().get(app.url("/nowhere")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await.unwrap().contains("Страница не найдена"));
}

#[actix_web::test]
async fn malformed_json_gets_a_clear_error() {
    let app = TestApp::spawn().await;
    let response = client()
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"login\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_json");
    assert!(body["error"]["message"].as_str().unwrap().contains("JSON"));
}
