//! Web Push end to end: the technician's browser subscription (real P-256
//! keys) points at a local HTTP receiver standing in for the browser's push
//! service. Assigning a ticket makes Domovoy POST there; the receiver
//! decrypts the aes128gcm payload with the subscription's private key and
//! finds the ticket, and the VAPID header verifies against the server's
//! public key. A push service that answers 410 gets the device removed; a
//! 429 with `Retry-After` is tried again later, and delivered once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jwt_simple::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

use crate::helpers::{TestApp, building_id, client};

/// What the receiver heard: each request's headers (lower-case) and body.
type Heard = Arc<Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>;

/// A push service on 127.0.0.1: answers each request with the next of
/// `answers` (then 201), keeps what it heard.
async fn push_service(answers: Vec<(u16, Option<&'static str>)>) -> (String, Heard) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/push/sub-1", listener.local_addr().unwrap());
    let heard: Heard = Arc::default();
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    let keep = heard.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let (heard, answers) = (keep.clone(), answers.clone());
            tokio::spawn(async move {
                let mut reader = BufReader::new(socket);
                loop {
                    let mut headers = Vec::new();
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        reader.read_line(&mut line).await.unwrap();
                        let header = line.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        let (name, value) = header.split_once(':').unwrap();
                        headers.push((name.trim().to_lowercase(), value.trim().to_owned()));
                    }
                    let length: usize =
                        headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).await.unwrap();
                    heard.lock().unwrap().push((headers, body));
                    let (status, retry_after) = answers.lock().unwrap().next().unwrap_or((201, None));
                    let extra = retry_after.map(|r| format!("Retry-After: {r}\r\n")).unwrap_or_default();
                    let answer = format!("HTTP/1.1 {status} X\r\n{extra}Content-Length: 0\r\n\r\n");
                    reader.get_mut().write_all(answer.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (url, heard)
}

fn with_push(settings: &mut domovoy::settings::Settings) {
    settings.push.allow_http_endpoints = true;
    settings.push.vapid_subject = "mailto:ops@uk-domovoy.example".to_owned();
    settings.outbox.poll_interval_ms = 50;
}

async fn wait_for(heard: &Heard, count: usize, within: Duration) {
    let deadline = std::time::Instant::now() + within;
    while heard.lock().unwrap().len() < count {
        assert!(std::time::Instant::now() < deadline, "{count} pushes arrived in {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn assign(app: &TestApp, token: &str, ticket: &str, user: &str) {
    let response = app.put(token, &format!("/api/v1/tickets/{ticket}/assignee"), &json!({"assignee_id": user})).await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn ticket(app: &TestApp, token: &str, building: &str, text: &str) -> String {
    let body = json!({"building_id": building, "description": text, "source": "phone"});
    app.post(token, "/api/v1/tickets", &body).await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn assigning_a_ticket_pushes_to_the_technicians_browser(app: TestApp) {
    let (endpoint, heard) = push_service(vec![(429, Some("1"))]).await;
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let phone = app.token("technician").await;
    let technician = app.user_id(&admin, "technician").await;
    let tower = building_id(&app, &admin, "ЖК «Северная звезда»").await;

    // The browser subscribes with the server's key and real P-256 keys.
    let key: Value = app.get(&phone, "/api/v1/push/vapid-public-key").await.json().await.unwrap();
    let server_key = URL_SAFE_NO_PAD.decode(key["public_key"].as_str().unwrap()).unwrap();
    let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
    let subscription = json!({"platform": "webpush", "subscription": {
        "endpoint": endpoint,
        "keys": {"p256dh": URL_SAFE_NO_PAD.encode(keys.pub_as_raw().unwrap()), "auth": URL_SAFE_NO_PAD.encode(auth)}}});
    let device = app.post(&phone, "/api/v1/devices", &json!({"platform": "none"})).await.json::<Value>().await.unwrap();
    let device = device["id"].as_str().unwrap().to_owned();
    let enabled = client()
        .put(app.url(&format!("/api/v1/devices/{device}/push")))
        .bearer_auth(&phone)
        .json(&subscription)
        .send()
        .await
        .unwrap();
    assert_eq!(enabled.status(), StatusCode::OK);
    assert_eq!(enabled.json::<Value>().await.unwrap()["push"], true);

    // The dispatcher gives the technician a ticket. The service first says
    // 429 (Retry-After: 1 s); the push comes again and is delivered once.
    let id = ticket(&app, &dispatcher, &tower, "Не работает лифт в подъезде 2").await;
    assign(&app, &dispatcher, &id, &technician).await;
    wait_for(&heard, 2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = heard.clone();
    let heard = heard.lock().unwrap().clone();
    assert_eq!(heard.len(), 2, "one refused, one delivered, nothing more");
    let (headers, body) = &heard[1];
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(header("content-encoding"), "aes128gcm");
    assert_eq!(header("urgency"), "high");
    assert!(header("ttl").parse::<u32>().unwrap() > 0);

    // Decrypted with the subscription's private key: the ticket (the retry
    // is encrypted afresh, and says the same).
    let open = |body: &[u8]| -> Value {
        let plain = ece::decrypt(&keys.raw_components().unwrap(), &auth, body).expect("the payload decrypts");
        serde_json::from_slice(&plain).unwrap()
    };
    let payload = open(body);
    assert_eq!(open(&heard[0].1), payload, "the retry is the same message");
    assert_eq!(payload["kind"], "ticket.assigned");
    assert_eq!(payload["ticket_id"], id.as_str());
    assert!(payload.get("device_id").is_none());

    // VAPID: `vapid t=<JWT>, k=<the server's key>`, signed by that key, for
    // the push service's origin.
    let authorization = header("authorization");
    let rest = authorization.strip_prefix("vapid ").expect("VAPID authorization");
    let (mut jwt, mut k) = ("", "");
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=').unwrap();
        match name {
            "t" => jwt = value,
            "k" => k = value,
            _ => {}
        }
    }
    assert_eq!(URL_SAFE_NO_PAD.decode(k).unwrap(), server_key);
    let verifier = ES256PublicKey::from_bytes(&server_key).unwrap();
    let claims = verifier.verify_token::<Value>(jwt, None).expect("the VAPID signature verifies");
    let origin = endpoint.split("/push").next().unwrap();
    let audience = claims.audiences.unwrap().into_string().expect("one audience");
    assert_eq!(audience, origin, "aud is the service's origin");
    assert_eq!(claims.subject.as_deref(), Some("mailto:ops@uk-domovoy.example"));

    // «Проверить уведомления»: a test push to this device only.
    let test =
        client().post(app.url(&format!("/api/v1/devices/{device}/test"))).bearer_auth(&phone).send().await.unwrap();
    assert_eq!(test.status(), StatusCode::ACCEPTED);
    wait_for(&received, 3, Duration::from_secs(30)).await;
    let third = received.lock().unwrap()[2].1.clone();
    assert_eq!(open(&third)["kind"], "test");
    // Someone else's device is not found; a device without notifications says so.
    let other = client()
        .post(app.url(&format!("/api/v1/devices/{device}/test")))
        .bearer_auth(&dispatcher)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let quiet = app.post(&phone, "/api/v1/devices", &json!({"platform": "none"})).await.json::<Value>().await.unwrap();
    let quiet = client()
        .post(app.url(&format!("/api/v1/devices/{}/test", quiet["id"].as_str().unwrap())))
        .bearer_auth(&phone)
        .send()
        .await
        .unwrap();
    assert_eq!(quiet.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(quiet.json::<Value>().await.unwrap()["error"]["code"], "no_push_address");
}

#[actix_web::test]
async fn assigning_a_ticket_pushes_to_the_technicians_browser_on_sqlite() {
    assigning_a_ticket_pushes_to_the_technicians_browser(TestApp::spawn_configured(with_push).await).await;
}

#[actix_web::test]
async fn assigning_a_ticket_pushes_to_the_technicians_browser_on_postgres() {
    let Some(app) = TestApp::spawn_postgres_configured(with_push).await else { return };
    assigning_a_ticket_pushes_to_the_technicians_browser(app).await;
}

#[actix_web::test]
async fn a_subscription_its_service_calls_gone_is_removed() {
    let (endpoint, heard) = push_service(vec![(410, None)]).await;
    let app = TestApp::spawn_configured(with_push).await;
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let phone = app.token("technician").await;
    let technician = app.user_id(&admin, "technician").await;
    let tower = building_id(&app, &admin, "ЖК «Северная звезда»").await;
    subscribe(&app, &phone, &endpoint).await;

    let id = ticket(&app, &dispatcher, &tower, "Сломан домофон").await;
    assign(&app, &dispatcher, &id, &technician).await;
    wait_for(&heard, 1, Duration::from_secs(30)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let devices: Value = app.get(&phone, "/api/v1/devices").await.json().await.unwrap();
        if devices.as_array().unwrap().is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the gone device is removed: {devices}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another ticket: nothing is sent to the removed subscription.
    let second = ticket(&app, &dispatcher, &tower, "Не горит свет в лифтовом холле").await;
    assign(&app, &dispatcher, &second, &technician).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(heard.lock().unwrap().len(), 1);
}

#[actix_web::test]
async fn the_administrator_sees_the_phones_and_sends_a_test() {
    let (endpoint, heard) = push_service(vec![]).await;
    let app = TestApp::spawn_configured(with_push).await;
    let admin = app.token("admin").await;
    let phone = app.token("technician").await;
    let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
    let subscription = json!({"platform": "webpush", "app_version": "1", "subscription": {
        "endpoint": endpoint,
        "keys": {"p256dh": URL_SAFE_NO_PAD.encode(keys.pub_as_raw().unwrap()), "auth": URL_SAFE_NO_PAD.encode(auth)}}});
    let device = app.post(&phone, "/api/v1/devices", &subscription).await.json::<Value>().await.unwrap();
    let device = device["id"].as_str().unwrap().to_owned();

    let overview: Value = app.get(&admin, "/api/v1/admin/push").await.json().await.unwrap();
    assert_eq!(overview["providers"][0], json!({"platform": "webpush", "configured": true}));
    let listed = overview["devices"].as_array().unwrap().iter().find(|d| d["id"] == device.as_str()).unwrap();
    assert_eq!(listed["user_name"], "Петров Сергей Николаевич");
    assert_eq!(listed["push"], true);
    assert!(overview["last_success"].is_null());

    // The page's button: a test push, then the page shows the delivery.
    let browser = app.browser();
    app.browser_login(&browser, "admin", "demo").await;
    let page = browser.get(app.url("/admin/integrations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Уведомления на телефоны") && page.contains("Петров Сергей Николаевич"));
    let csrf = crate::helpers::hidden_value(&page, "csrf_token");
    let sent = browser
        .post(app.url(&format!("/admin/integrations/devices/{device}/test")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(sent.headers()["location"], "/admin/integrations?done=push_test");
    let after = browser.get(app.url("/admin/integrations?done=push_test")).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("Проверочное уведомление поставлено в очередь"));
    wait_for(&heard, 1, Duration::from_secs(30)).await;
    let plain = ece::decrypt(&keys.raw_components().unwrap(), &auth, &heard.lock().unwrap()[0].1).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&plain).unwrap()["kind"], "test");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let overview: Value = app.get(&admin, "/api/v1/admin/push").await.json().await.unwrap();
        if overview["last_success"].is_string() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the delivery is recorded: {overview}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Only administrators.
    assert_eq!(app.get(&phone, "/api/v1/admin/push").await.status(), StatusCode::FORBIDDEN);
}

/// A browser of the person signed in with `token` subscribes to pushes at
/// `endpoint` (real P-256 keys); answers what decrypts them.
async fn subscribe(app: &TestApp, token: &str, endpoint: &str) -> (ece::EcKeyComponents, Vec<u8>) {
    let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
    let subscription = json!({"platform": "webpush", "subscription": {
        "endpoint": endpoint,
        "keys": {"p256dh": URL_SAFE_NO_PAD.encode(keys.pub_as_raw().unwrap()), "auth": URL_SAFE_NO_PAD.encode(auth)}}});
    assert_eq!(app.post(token, "/api/v1/devices", &subscription).await.status(), StatusCode::CREATED);
    (keys.raw_components().unwrap(), auth.to_vec())
}

/// Иванов's delivery of a mailing, once nothing of it waits.
async fn ivanovs_delivery(app: &TestApp, token: &str, id: &str) -> Value {
    crate::mailings::settled(app, token, id).await;
    let deliveries: Value =
        app.get(token, &format!("/api/v1/mailings/{id}/deliveries?limit=500")).await.json().await.unwrap();
    deliveries
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["client_name"] == "Иванов Иван Иванович" && d["channel"] != "in_app")
        .cloned()
        .unwrap_or_else(|| panic!("Иванов's delivery: {deliveries}"))
}

/// A mailing by push: Иванов's two browsers are one delivery. The first
/// mailing is taken by one phone while the other's service fails: sent, and
/// never again to either. The second finds both busy (429): tried again,
/// then taken by both, once each. The third finds both gone: they are
/// removed and the delivery failed; the fourth does not reach him by push.
async fn a_mailing_reaches_a_residents_phones_once(app: TestApp) {
    let (phone, phone_heard) = push_service(vec![(201, None), (429, Some("1")), (201, None), (410, None)]).await;
    let (tablet, tablet_heard) = push_service(vec![(503, None), (429, Some("1")), (201, None), (410, None)]).await;
    let resident = app.token("+79001000001").await;
    let (keys, auth) = subscribe(&app, &resident, &phone).await;
    subscribe(&app, &resident, &tablet).await;
    let service = app.token("service").await;
    let section = crate::mailings::ivanovs_section(&app, &service).await;
    let mailing = |n: u32| {
        json!({ "title": format!("Новость {n} для {{{{ name }}}}"), "body": "Кв. {{ unit }}: двор убран.",
                "kind": "news", "channels": ["push", "in_app"], "audience": { "section_ids": [section] } })
    };

    let created = crate::mailings::create(&app, &service, &mailing(1)).await;
    assert_eq!(created["reached"]["push"], 1, "one resident of the section has a phone: {created}");
    let first = created["id"].as_str().unwrap().to_owned();
    crate::mailings::send(&app, &service, &first).await;
    let delivery = ivanovs_delivery(&app, &service, &first).await;
    assert_eq!((delivery["channel"].as_str(), delivery["status"].as_str()), (Some("push"), Some("sent")), "{delivery}");
    wait_for(&phone_heard, 1, Duration::from_secs(30)).await;
    wait_for(&tablet_heard, 1, Duration::from_secs(30)).await;
    let plain = ece::decrypt(&keys, &auth, &phone_heard.lock().unwrap()[0].1).expect("the payload decrypts");
    let payload: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(payload["kind"], "mailing");
    assert_eq!(payload["detail"], "Новость 1 для Иванов Иван Иванович");
    assert_eq!(payload["text"], "Кв. 45: двор убран.");
    assert!(payload.get("user_id").is_none(), "{payload}");

    let second = crate::mailings::create(&app, &service, &mailing(2)).await["id"].as_str().unwrap().to_owned();
    crate::mailings::send(&app, &service, &second).await;
    wait_for(&phone_heard, 3, Duration::from_secs(30)).await;
    wait_for(&tablet_heard, 3, Duration::from_secs(30)).await;
    assert_eq!(ivanovs_delivery(&app, &service, &second).await["status"], "sent");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(phone_heard.lock().unwrap().len(), 3, "the first mailing once, the second busy then once");
    assert_eq!(tablet_heard.lock().unwrap().len(), 3, "a failure under a taken push is not tried again");

    let third = crate::mailings::create(&app, &service, &mailing(3)).await["id"].as_str().unwrap().to_owned();
    crate::mailings::send(&app, &service, &third).await;
    let delivery = ivanovs_delivery(&app, &service, &third).await;
    assert_eq!(delivery["status"], "failed", "{delivery}");
    assert!(delivery["reason"].as_str().unwrap().contains("gone"), "{delivery}");
    let devices: Value = app.get(&resident, "/api/v1/devices").await.json().await.unwrap();
    assert_eq!(devices.as_array().unwrap().len(), 0, "both gone devices are removed: {devices}");
    let fourth = crate::mailings::create(&app, &service, &mailing(4)).await;
    assert_eq!(fourth["reached"].get("push"), None, "no phone reaches him now: {fourth}");
}

#[actix_web::test]
async fn a_mailing_reaches_a_residents_phones_once_on_sqlite() {
    a_mailing_reaches_a_residents_phones_once(TestApp::spawn_configured(with_push).await).await;
}

#[actix_web::test]
async fn a_mailing_reaches_a_residents_phones_once_on_postgres() {
    let Some(app) = TestApp::spawn_postgres_configured(with_push).await else { return };
    a_mailing_reaches_a_residents_phones_once(app).await;
}
