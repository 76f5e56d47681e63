//! Health, readiness, metrics, the API description, unknown routes.

use reqwest::StatusCode;
use serde_json::Value;

use crate::faults::on_postgres_through_a_proxy;
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

#[actix_web::test]
async fn readiness_answers_within_a_second_while_the_database_hangs_and_recovers_by_itself() {
    use std::time::{Duration, Instant};
    let Some((app, proxy)) = on_postgres_through_a_proxy().await else { return };
    let ready = client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    let metrics = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("\ndomovoy_database_up 1\n"), "{metrics}");

    // The database stops answering: the probe says so within the second,
    // every time it asks, and so does the metric the alert watches.
    proxy.freeze(true);
    let asked = Instant::now();
    let metrics = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("\ndomovoy_database_up 0\n"), "{metrics}");
    assert!(asked.elapsed() < Duration::from_millis(1_500), "metrics answered after {:?}", asked.elapsed());
    for _ in 0..3 {
        let asked = Instant::now();
        let ready = client().get(app.url("/readyz")).send().await.unwrap();
        let took = asked.elapsed();
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ready.json::<Value>().await.unwrap()["reason"], "database_unreachable");
        assert!(took < Duration::from_millis(1_500), "readiness answered after {took:?}");
    }

    // It answers again: ready without a restart.
    proxy.freeze(false);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ready = client().get(app.url("/readyz")).send().await.unwrap();
        if ready.status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "not ready 10 s after the database answered again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let metrics = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("\ndomovoy_database_up 1\n"), "{metrics}");
}

/// Every metric the shipped alerting rules watch is one the product
/// reports (a renamed metric would leave an alert that never fires), and
/// the SLA scan's has a value once the first scan ran.
#[actix_web::test]
async fn the_alerting_rules_watch_metrics_the_product_reports() {
    let rules = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/prometheus-alerts.yml")).unwrap();
    let app = TestApp::spawn().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let metrics = loop {
        let text = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        let scanned = text
            .lines()
            .find_map(|l| l.strip_prefix("domovoy_sla_scan_last_success_timestamp_seconds "))
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        if scanned > 0 {
            assert!((chrono::Utc::now().timestamp() - scanned).abs() < 60, "scanned at {scanned}");
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "no SLA scan within 10 s of the start:\n{text}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut watched = 0;
    for line in rules.lines().filter_map(|l| l.trim().strip_prefix("expr:")) {
        for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| w.starts_with("domovoy_"))
        {
            watched += 1;
            assert!(metrics.contains(&format!("# TYPE {word} ")), "the rules watch {word}, which /metrics lacks");
        }
    }
    assert!(watched >= 4, "{watched} metrics watched");
}
