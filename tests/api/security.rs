//! Hostile input and probing as an attacker would: each test here failed
//! on the code before its fix.

use std::io::Write as _;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, building_id, client, error_code};

const NORTH_STAR: &str = "ЖК «Северная звезда»";

/// An XLSX file with these members, deflated.
fn xlsx(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in members {
            zip.start_file(*name, options).unwrap();
            zip.write_all(body).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

async fn import(app: &TestApp, token: &str, building: &str, body: Vec<u8>) -> reqwest::Response {
    client()
        .post(app.url(&format!("/api/v1/import/clients?building_id={building}&dry_run=true")))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// `/healthz` answers within `limit`.
async fn healthy(app: &TestApp, limit: Duration) {
    let started = Instant::now();
    let response = tokio::time::timeout(limit, client().get(app.url("/healthz")).send()).await;
    assert!(matches!(response, Ok(Ok(ref r)) if r.status().is_success()), "healthz after {:?}", started.elapsed());
}

/// A 239-byte file whose one cell is named `ZZZZZZZZ2` once made the
/// server allocate five terabytes and abort.
#[actix_web::test]
async fn a_cell_named_beyond_the_last_column_is_refused_and_the_server_lives() {
    let app = TestApp::spawn().await;
    let manager = app.token("manager").await;
    let tower = building_id(&app, &manager, NORTH_STAR).await;
    let sheet = br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c r="ZZZZZZZZ2" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
    let file = xlsx(&[("xl/worksheets/sheet1.xml", sheet)]);
    let response = import(&app, &manager, &tower, file).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["problems"][0]["code"], "too_wide", "{report}");
    // A cell far right but within a spreadsheet's columns is refused the
    // same way, without padding a row out to it.
    let wide = br#"<worksheet><sheetData><row r="1"><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
    let report: Value =
        import(&app, &manager, &tower, xlsx(&[("xl/worksheets/sheet1.xml", wide)])).await.json().await.unwrap();
    assert_eq!(report["problems"][0]["code"], "too_wide", "{report}");
    healthy(&app, Duration::from_secs(1)).await;
}

/// A few megabytes that unpack to hundreds: refused at the limit, read off
/// the async workers, while health checks keep answering.
#[actix_web::test]
async fn a_zip_bomb_is_refused_and_health_checks_answer_meanwhile() {
    let app = TestApp::spawn().await;
    let manager = app.token("manager").await;
    let tower = building_id(&app, &manager, NORTH_STAR).await;
    let mut strings = b"<sst>".to_vec();
    strings.resize(200 * 1024 * 1024, b'a');
    let sheet = br#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
    let file = xlsx(&[("xl/sharedStrings.xml", &strings), ("xl/worksheets/sheet1.xml", sheet)]);
    assert!(file.len() < 2 * 1024 * 1024, "the bomb is small: {} bytes", file.len());
    drop(strings);
    let (report, ()) =
        tokio::join!(async { import(&app, &manager, &tower, file).await.json::<Value>().await.unwrap() }, async {
            for _ in 0..10 {
                healthy(&app, Duration::from_secs(1)).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    assert_eq!(report["problems"][0]["code"], "too_large", "{report}");
}

/// The right to import is checked before the file is read: a refused
/// upload is answered at once, without waiting for (or holding) its body.
#[actix_web::test]
async fn an_import_without_the_right_is_refused_before_its_body_is_read() {
    let app = TestApp::spawn().await;
    let resident = app.token("+79001000001").await;
    let tower = building_id(&app, &app.token("admin").await, NORTH_STAR).await;
    // A body that declares 45 MiB, sends one and then never ends.
    let path = format!("/api/v1/import/clients?building_id={tower}&dry_run=true");
    let status = post_and_stall(&app, &path, &resident, 45 * 1024 * 1024, 1024 * 1024).await;
    assert_eq!(status, 403, "refused without waiting for the body");
    // Too large is said before reading too.
    let admin = app.token("admin").await;
    let status = post_and_stall(&app, &path, &admin, 60 * 1024 * 1024, 0).await;
    assert_eq!(status, 413, "too large without reading the body");
}

/// Sends a POST declaring `declared` bytes of body, sends `sent` of them and
/// stalls; the status line the server answers with within five seconds.
async fn post_and_stall(app: &TestApp, path: &str, token: &str, declared: usize, sent: usize) -> u16 {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer without taking all of it: do not wait on that.
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(&vec![b'x'; sent])).await;
    let mut reader = tokio::io::BufReader::new(stream);
    let mut status_line = String::new();
    tokio::time::timeout(Duration::from_secs(5), reader.read_line(&mut status_line))
        .await
        .expect("answered without the whole body")
        .unwrap();
    status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"))
}

/// A JSON body over the limit is too large (413), not "invalid JSON".
#[actix_web::test]
async fn a_json_body_over_the_limit_is_413() {
    let app = TestApp::spawn().await;
    let token = app.token("dispatcher").await;
    let body = json!({ "building_id": "x", "description": "a".repeat(300 * 1024), "source": "phone" });
    let response = app.post(&token, "/api/v1/tickets", &body).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, "body_too_large");
}

async fn patch(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    client().patch(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

/// A PATCH changes what it names: fields left out stay as they were.
#[actix_web::test]
async fn a_profile_patch_keeps_the_fields_it_does_not_name() {
    let app = TestApp::spawn().await;
    let token = app.token("dispatcher").await;
    let full = json!({"display_name": "Смирнова Анна", "email": "anna@example.ru", "phone": "+7 912 000-11-22"});
    assert_eq!(patch(&app, &token, "/api/v1/me", &full).await.status(), StatusCode::OK);
    let only_name = patch(&app, &token, "/api/v1/me", &json!({"display_name": "Смирнова Анна Сергеевна"})).await;
    assert_eq!(only_name.status(), StatusCode::OK);
    let me: Value = app.get(&token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["display_name"], "Смирнова Анна Сергеевна");
    assert_eq!(me["user"]["email"], "anna@example.ru", "{me}");
    assert_eq!(me["user"]["phone"], "+79120001122");
    // `null` removes; the administrator's PATCH follows the same rule.
    assert_eq!(patch(&app, &token, "/api/v1/me", &json!({"email": null})).await.status(), StatusCode::OK);
    let admin = app.token("admin").await;
    let id = app.user_id(&admin, "dispatcher").await;
    let by_admin = patch(&app, &admin, &format!("/api/v1/users/{id}"), &json!({"locale": "en"})).await;
    assert_eq!(by_admin.status(), StatusCode::OK);
    let user: Value = by_admin.json().await.unwrap();
    assert_eq!(user["email"], Value::Null);
    assert_eq!(user["phone"], "+79120001122");
    assert_eq!(user["display_name"], "Смирнова Анна Сергеевна");
    assert_eq!(user["locale"], "en");
}

/// Answers carrying personal data are not kept by browsers or proxies;
/// HSTS is sent when configured.
#[actix_web::test]
async fn answers_are_not_cached_and_hsts_is_sent_when_configured() {
    let app = TestApp::spawn().await;
    let token = app.token("dispatcher").await;
    for path in ["/api/v1/me", "/api/v1/tickets"] {
        let response = app.get(&token, path).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert!(!response.headers().contains_key("strict-transport-security"), "{path}");
    }
    let browser = app.browser();
    app.browser_login(&browser, "dispatcher", domovoy::demo::DEMO_PASSWORD).await;
    let page = browser.get(app.url("/tickets")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let secured = TestApp::spawn_configured(|s| s.http.hsts_max_age_secs = 31_536_000).await;
    let response = client().get(secured.url("/healthz")).send().await.unwrap();
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
}

/// `/metrics` answers this machine only, or the bearer of its token.
#[actix_web::test]
async fn metrics_answer_only_this_machine_or_the_bearer_of_their_token() {
    let app = TestApp::spawn_configured(|s| s.http.trust_forwarded_for = true).await;
    let local = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(local.status(), StatusCode::OK);
    // Relayed from outside by the proxy: refused.
    let relayed = client().get(app.url("/metrics")).header("x-forwarded-for", "203.0.113.9").send().await.unwrap();
    assert_eq!(relayed.status(), StatusCode::FORBIDDEN);

    let guarded =
        TestApp::spawn_configured(|s| s.metrics.token = Some(domovoy::settings::Secret::new("prom-secret-1"))).await;
    let without = client().get(guarded.url("/metrics")).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN, "with a token set, even this machine needs it");
    let wrong = client().get(guarded.url("/metrics")).bearer_auth("prom-secret-2").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = client().get(guarded.url("/metrics")).bearer_auth("prom-secret-1").send().await.unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(right.text().await.unwrap().contains("domovoy_"));
}

/// The open socket of `token` closes with 4000 within five seconds.
async fn closes_within_seconds(ws: &mut WsClient, what: &str) {
    let started = Instant::now();
    loop {
        let message = ws.next(Duration::from_secs(5)).await.unwrap_or_else(|| panic!("{what}: still open after 5 s"));
        if message["type"] == "closed" {
            assert_eq!(message["code"], 4000, "{what}");
            break;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5), "{what}: closed after {:?}", started.elapsed());
}

/// Every way a credential ends closes the sockets opened with it.
#[actix_web::test]
async fn sign_out_revocation_and_a_password_change_close_open_sockets() {
    let app = TestApp::spawn().await;
    // Signing out.
    let token = app.token("technician").await;
    let mut ws = WsClient::connect(&app, &token).await;
    ws.expect("subscribed", Duration::from_secs(5)).await;
    assert_eq!(app.post(&token, "/api/v1/auth/logout", &json!({})).await.status(), StatusCode::NO_CONTENT);
    closes_within_seconds(&mut ws, "after logout").await;

    // Revoking the token from another session.
    let other = app.token("technician").await;
    let doomed: Value = app.post(&other, "/api/v1/me/tokens", &json!({"name": "планшет"})).await.json().await.unwrap();
    let mut ws = WsClient::connect(&app, doomed["token"].as_str().unwrap()).await;
    ws.expect("subscribed", Duration::from_secs(5)).await;
    let id = doomed["info"]["id"].as_str().unwrap();
    let revoke = client().delete(app.url(&format!("/api/v1/me/tokens/{id}"))).bearer_auth(&other).send().await.unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    closes_within_seconds(&mut ws, "after revocation").await;

    // A password change from another session ends the others.
    let mut ws = WsClient::connect(&app, &other).await;
    ws.expect("subscribed", Duration::from_secs(5)).await;
    let third = app.token("technician").await;
    let change = json!({"current_password": domovoy::demo::DEMO_PASSWORD, "new_password": "новый пароль 2026"});
    assert_eq!(app.post(&third, "/api/v1/me/password", &change).await.status(), StatusCode::NO_CONTENT);
    closes_within_seconds(&mut ws, "after a password change elsewhere").await;
}

/// A guard sees the flats on the chessboard, not their tickets.
#[actix_web::test]
async fn a_guards_chessboard_has_no_tickets() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let tower = building_id(&app, &dispatcher, NORTH_STAR).await;
    let flat = crate::places::unit(&app, &dispatcher, &tower, "118").await;
    let ticket = json!({"building_id": tower, "unit_id": flat["id"], "description": "Звонить Марии по 8-916-000-00-00", "source": "phone"});
    assert_eq!(app.post(&dispatcher, "/api/v1/tickets", &ticket).await.status(), StatusCode::CREATED);
    let seen_by_dispatcher = crate::places::unit(&app, &dispatcher, &tower, "118").await;
    assert!(seen_by_dispatcher["open_tickets"].as_u64().unwrap() >= 1);
    let guard = app.token("guard").await;
    let board = app.get(&guard, &format!("/api/v1/buildings/{tower}/chessboard")).await.text().await.unwrap();
    let seen_by_guard = crate::places::unit(&app, &guard, &tower, "118").await;
    assert_eq!(seen_by_guard["open_tickets"], 0);
    assert_eq!(seen_by_guard["tickets"], json!([]));
    assert!(!board.contains("\"sla_state\""), "no ticket anywhere on the guard's board");
}

/// Phone search needs the right to read contacts; personal-data searches
/// are audited and limited per account.
#[actix_web::test]
async fn phone_search_needs_contacts_and_searches_are_audited_and_limited() {
    let app = TestApp::spawn().await;
    let guard = app.token("guard").await;
    let found = crate::places::search(&app, &guard, "+79001000002").await;
    assert_eq!(found["clients"], json!([]), "a guard cannot find a client by phone: {found}");
    let dispatcher = app.token("dispatcher").await;
    let found = crate::places::search(&app, &dispatcher, "+79001000002").await;
    assert_eq!(found["clients"][0]["name"], "Фёдорова Алёна Михайловна", "{found}");
    let admin = app.token("admin").await;
    let log: Value = app.get(&admin, "/api/v1/audit?action=client.searched&limit=10").await.json().await.unwrap();
    let entries = log["items"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["actor_login"] == "dispatcher"), "{log}");
    // Walking a number out digit by digit meets the limit.
    let mut limited = None;
    for i in 0..100 {
        let response = app.get(&dispatcher, &format!("/api/v1/search?q=%2B7900100{i:04}")).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((i, response));
            break;
        }
    }
    let (after, response) = limited.expect("searches are limited");
    assert!(after <= 60, "limited after {after} searches");
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().starts_with("Слишком много поисковых запросов"), "{body}");
}

/// Scope applies to nested lists: a client card shows only units in the
/// requester's buildings; residents read no staff lists.
#[actix_web::test]
async fn nested_lists_follow_scope_and_residents_read_no_staff_lists() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let tower = building_id(&app, &admin, NORTH_STAR).await;
    let granite = building_id(&app, &admin, "БЦ «Гранит»").await;
    let flat = crate::places::unit(&app, &admin, &tower, "7").await;
    let office = crate::places::unit(&app, &admin, &granite, "708").await;
    let body = json!({
        "name": "Ёлкина Вера Степановна", "phones": ["8 (912) 700-07-07"],
        "units": [{"unit_id": flat["id"], "role": "owner"}, {"unit_id": office["id"], "role": "tenant"}],
    });
    let created: Value = app.post(&admin, "/api/v1/clients", &body).await.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["units"].as_array().unwrap().len(), 2);
    let manager = app.token("manager").await;
    let card: Value = app.get(&manager, &format!("/api/v1/clients/{id}")).await.json().await.unwrap();
    let titles: Vec<&str> = card["units"].as_array().unwrap().iter().map(|u| u["title"].as_str().unwrap()).collect();
    assert_eq!(titles, vec!["кв. 7"], "the office in a building outside his scope is not shown");

    let resident = app.token("+79001000001").await;
    for path in ["/api/v1/teams", "/api/v1/assignment-rules", "/api/v1/sla/policies"] {
        assert_eq!(app.get(&resident, path).await.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(app.get(&manager, path).await.status(), StatusCode::OK, "{path}");
    }
}

/// CSV exports never carry a formula a spreadsheet would run.
#[actix_web::test]
async fn csv_exports_neutralise_formulas() {
    let app = TestApp::spawn().await;
    let resident = app.token("+79001000001").await;
    let me: Value = app.get(&resident, "/api/v1/me").await.json().await.unwrap();
    let building = me["user"]["units"][0]["building_id"].as_str().map(str::to_owned);
    let building = match building {
        Some(b) => b,
        None => building_id(&app, &app.token("admin").await, NORTH_STAR).await,
    };
    let ticket = json!({"building_id": building, "description": "=cmd|' /C calc'!A0", "location": "=HYPERLINK(\"http://x\")", "source": "resident_app"});
    let created = app.post(&resident, "/api/v1/tickets", &ticket).await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text().await.unwrap());
    let browser = app.browser();
    app.browser_login(&browser, "dispatcher", domovoy::demo::DEMO_PASSWORD).await;
    let csv = browser.get(app.url("/tickets/export?format=csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("'=cmd|"), "{csv}");
    assert!(!csv.contains(";=cmd") && !csv.contains("\"=cmd"), "no cell starts with a formula");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
}

/// Control characters are refused with a field error; text is stored NFC.
#[actix_web::test]
async fn control_characters_are_refused_at_the_boundary() {
    let app = TestApp::spawn().await;
    let dispatcher = app.token("dispatcher").await;
    let tower = building_id(&app, &dispatcher, NORTH_STAR).await;
    for bad in ["течёт\u{0}кран", "звонок\u{7}", "\u{1b}[31mкрасный"] {
        let ticket = json!({"building_id": tower, "description": bad, "source": "phone"});
        let response = app.post(&dispatcher, "/api/v1/tickets", &ticket).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["field_codes"]["description"], "unprintable", "{body}");
    }
    let token = app.post(&dispatcher, "/api/v1/me/tokens", &json!({"name": "АТС\u{fffe}"})).await;
    assert_eq!(token.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Newlines and tabs are text; a decomposed «й» is stored composed.
    let ticket = json!({"building_id": tower, "description": "Строка 1\n\tстрока 2, и\u{306}", "source": "phone"});
    let created: Value = app.post(&dispatcher, "/api/v1/tickets", &ticket).await.json().await.unwrap();
    assert_eq!(created["description"], "Строка 1\n\tстрока 2, й");
}

/// condo's schema allows a unit without a name and keeps parking apart from
/// residential sections.
#[actix_web::test]
async fn a_condo_map_with_unnamed_units_and_a_parking_named_like_a_section_is_accepted() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let created = app
        .post(
            &admin,
            "/api/v1/buildings",
            &json!({"name": "Дом с паркингом", "address": "г. Казань, ул. Новая, 5", "time_zone": "Europe/Moscow"}),
        )
        .await;
    let building = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let map = json!({
        "dv": 1, "type": "building",
        "sections": [{"id": "s1", "type": "section", "index": 1, "name": "1", "floors": [
            {"id": "f2", "type": "floor", "index": 2, "name": "2", "units": [
                {"id": "u1", "type": "unit", "unitType": "flat", "label": "1", "name": null},
                {"id": "u2", "type": "unit", "unitType": "flat", "label": "2"}
            ]}
        ]}],
        "parking": [{"id": "p1", "type": "section", "index": 1, "name": "1", "floors": [
            {"id": "pf", "type": "floor", "index": -1, "name": "-1", "units": [
                {"id": "pu1", "type": "unit", "unitType": "parking", "label": "1", "name": null}
            ]}
        ]}]
    });
    let response = app.put(&admin, &format!("/api/v1/buildings/{building}/layout/condo"), &map).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["created"], 3);
}
