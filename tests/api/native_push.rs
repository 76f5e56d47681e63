//! APNs and FCM end to end, against local services the tests control.
//!
//! Apple's stand-in speaks HTTP/2 over TLS only (as Apple does), with a
//! certificate of the tests' own CA (`tests/fixtures/`), which the server
//! trusts through `push.apns.ca_file`. Google's stand-in is plain HTTP on
//! loopback (`push.allow_http_endpoints`), and also issues the OAuth token
//! for the service account's signed assertion, which it verifies.
//!
//! Assigning a ticket to the technician pushes to each of their phones:
//! the request has the service's shape and verifies; a phone the service
//! calls gone is removed at once; an expired APNs provider token is made
//! anew; 429 and 503 with `Retry-After` are tried again and delivered once;
//! nothing more is sent after a success.

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use ring::signature::{self, KeyPair as _};
use serde_json::{Value, json};

use domovoy::settings::Settings;
use domovoy_mobile_bridge::push::apns::ApnsConfig;
use domovoy_mobile_bridge::push::fcm::FcmConfig;

use crate::helpers::{TestApp, building_id};

const KEY_ID: &str = "K3Y1D00001";
const TEAM_ID: &str = "T3AM000001";
const BUNDLE: &str = "ru.domovoy.staff";
const PROJECT: &str = "domovoy-test";
const ACCESS_TOKEN: &str = "ya29.domovoy-test-access";
/// An iPhone whose push meets an expired provider token, then is delayed
/// twice, then delivered.
const IPHONE: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
/// An iPhone whose app was deleted: Apple answers 410.
const OLD_IPHONE: &str = "00000000000000000000000000000000000000000000000000000000deadbeef";
const ANDROID: &str = "fcm-token-1:APA91bH_domovoy_test";
const OLD_ANDROID: &str = "fcm-token-2:APA91bH_uninstalled";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// One request a stand-in heard.
#[derive(Debug, Clone)]
struct Heard {
    path: String,
    http2: bool,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Heard {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What a stand-in answers for a path (FCM: `path#token`): scripted
/// answers in order, then 200.
type Script = HashMap<String, VecDeque<(u16, Option<&'static str>, &'static str)>>;

#[derive(Default)]
struct Service {
    heard: Mutex<Vec<Heard>>,
    script: Mutex<Script>,
    /// FCM: the service account's public key the assertion must verify with.
    account_key: Option<Vec<u8>>,
}

impl Service {
    fn heard(&self, path: &str) -> Vec<Heard> {
        self.heard.lock().unwrap().iter().filter(|h| h.path == path).cloned().collect()
    }

    async fn wait_for(&self, path: &str, count: usize) -> Vec<Heard> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let heard = self.heard(path);
            if heard.len() >= count {
                return heard;
            }
            assert!(Instant::now() < deadline, "{count} requests to {path} within 30 s; heard {}", heard.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn answer(request: HttpRequest, body: web::Bytes, service: web::Data<Service>) -> HttpResponse {
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    let path = request.path().to_owned();
    service.heard.lock().unwrap().push(Heard {
        path: path.clone(),
        http2: request.version() == actix_web::http::Version::HTTP_2,
        headers,
        body: body.to_vec(),
    });
    if path == "/token" {
        return token(&body, &service);
    }
    // FCM has one address for every phone: its script goes by the token.
    let key = match serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b["message"]["token"].as_str().map(str::to_owned))
    {
        Some(token) => format!("{path}#{token}"),
        None => path,
    };
    let scripted = service.script.lock().unwrap().get_mut(&key).and_then(VecDeque::pop_front);
    let (status, retry_after, text) = scripted.unwrap_or((200, None, r#"{"name":"projects/domovoy-test/messages/1"}"#));
    let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if let Some(after) = retry_after {
        response.insert_header(("retry-after", after));
    }
    response.content_type("application/json").body(text)
}

/// Google's token endpoint: the assertion must be the service account's,
/// signed with its key, asking for the messaging scope.
fn token(body: &[u8], service: &Service) -> HttpResponse {
    let form = format!("http://form/?{}", std::str::from_utf8(body).unwrap());
    let form: HashMap<String, String> = reqwest::Url::parse(&form).unwrap().query_pairs().into_owned().collect();
    assert_eq!(form["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
    let assertion = &form["assertion"];
    let (signed, signature) = assertion.rsplit_once('.').unwrap();
    let key = service.account_key.as_ref().unwrap();
    signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key)
        .verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(signature.trim_end_matches('=')).unwrap())
        .expect("the assertion is signed with the service account's key");
    let claims = signed.split('.').nth(1).unwrap().trim_end_matches('=');
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    assert_eq!(claims["iss"], "push@domovoy-test.iam.gserviceaccount.com");
    assert!(claims["scope"].as_str().unwrap().contains("https://www.googleapis.com/auth/firebase.messaging"));
    HttpResponse::Ok().json(json!({"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}))
}

/// Starts a stand-in on 127.0.0.1: TLS with HTTP/2 (Apple) or plain HTTP.
fn start(service: Arc<Service>, tls: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let data = web::Data::from(service);
    let server = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(answer)))
        .workers(1)
        .disable_signals();
    let server = if tls {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer> =
            CertificateDer::pem_file_iter(fixture("server.pem")).unwrap().collect::<Result<_, _>>().unwrap();
        let key = PrivateKeyDer::from_pem_file(fixture("server-key.pem")).unwrap();
        let mut config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .unwrap();
        // Apple's service speaks HTTP/2 only.
        config.alpn_protocols = vec![b"h2".to_vec()];
        server.listen_rustls_0_23(listener, config).unwrap()
    } else {
        server.listen(listener).unwrap()
    };
    actix_web::rt::spawn(server.run());
    format!("{}://127.0.0.1:{port}", if tls { "https" } else { "http" })
}

async fn register(app: &TestApp, phone: &str, platform: &str, token: &str) -> String {
    let body = json!({"platform": platform, "token": token, "app_version": "2.1 (native)"});
    let response = app.post(phone, "/api/v1/devices", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

/// Files a ticket and assigns it to the technician; its id and number.
async fn assign_new_ticket(app: &TestApp, text: &str) -> (String, String) {
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let technician = app.user_id(&admin, "technician").await;
    let tower = building_id(app, &admin, "ЖК «Северная звезда»").await;
    let body = json!({"building_id": tower, "description": text, "source": "phone"});
    let ticket: Value = app.post(&dispatcher, "/api/v1/tickets", &body).await.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap().to_owned();
    let assigned =
        app.put(&dispatcher, &format!("/api/v1/tickets/{id}/assignee"), &json!({"assignee_id": technician})).await;
    assert_eq!(assigned.status(), StatusCode::OK);
    (id, ticket["number"].as_str().unwrap().to_owned())
}

/// Waits until the phone's device list no longer holds `gone`.
async fn wait_removed(app: &TestApp, phone: &str, gone: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let devices: Value = app.get(phone, "/api/v1/devices").await.json().await.unwrap();
        if devices.as_array().unwrap().iter().all(|d| d["id"] != gone) {
            return devices;
        }
        assert!(Instant::now() < deadline, "the gone device is removed: {devices}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn with_native(apns: Option<String>, fcm: Option<PathBuf>) -> impl FnOnce(&mut Settings) {
    move |settings| {
        settings.push.allow_http_endpoints = true;
        settings.outbox.poll_interval_ms = 50;
        settings.push.apns = apns.map(|url| ApnsConfig {
            key_file: fixture("apns-auth-key.p8"),
            key_id: KEY_ID.to_owned(),
            team_id: TEAM_ID.to_owned(),
            topic: BUNDLE.to_owned(),
            url,
            ca_file: Some(fixture("ca.pem")),
        });
        settings.push.fcm = fcm.map(|file| FcmConfig {
            service_account_file: file,
            project_id: None,
            url: String::new(),
            ca_file: None,
        });
    }
}

#[actix_web::test]
async fn apns_pushes_reach_iphones_over_http2_and_a_deleted_app_is_forgotten() {
    let service = Arc::new(Service::default());
    service.script.lock().unwrap().extend([
        (
            format!("/3/device/{IPHONE}"),
            VecDeque::from([
                (403, None, r#"{"reason":"ExpiredProviderToken"}"#),
                (503, Some("1"), r#"{"reason":"ServiceUnavailable"}"#),
                (429, Some("1"), r#"{"reason":"TooManyRequests"}"#),
            ]),
        ),
        (format!("/3/device/{OLD_IPHONE}"), VecDeque::from([(410, None, r#"{"reason":"Unregistered"}"#)])),
    ]);
    let url = start(service.clone(), true);
    let app = TestApp::spawn_configured(with_native(Some(url), None)).await;
    let phone = app.token("technician").await;
    register(&app, &phone, "apns", IPHONE).await;
    let old = register(&app, &phone, "apns", OLD_IPHONE).await;

    let (ticket, number) = assign_new_ticket(&app, "Протечка в подвале, секция 2").await;
    let tries = service.wait_for(&format!("/3/device/{IPHONE}"), 4).await;
    // An expired provider token is made anew and the push sent again at once.
    assert_ne!(tries[0].headers["authorization"], tries[1].headers["authorization"]);
    let request = &tries[3];
    assert!(request.http2, "APNs is spoken over HTTP/2");
    assert_eq!(request.headers["apns-topic"], BUNDLE);
    assert_eq!(request.headers["apns-push-type"], "alert");
    assert_eq!(request.headers["apns-priority"], "10");
    assert!(request.headers["apns-collapse-id"].len() <= 64);
    // The provider token: ES256 by the team's key, its id in the header.
    let jwt = request.headers["authorization"].strip_prefix("bearer ").unwrap();
    let (signed, signature) = jwt.rsplit_once('.').unwrap();
    let pem = std::fs::read_to_string(fixture("apns-auth-key.p8")).unwrap();
    let key = signature::EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &pem_der(&pem),
        &ring::rand::SystemRandom::new(),
    )
    .unwrap();
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, key.public_key().as_ref())
        .verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(signature).unwrap())
        .expect("the provider token verifies with the team's key");
    let (header, claims) = signed.split_once('.').unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    assert_eq!(header, json!({"alg": "ES256", "kid": KEY_ID}));
    assert_eq!(claims["iss"], TEAM_ID);
    // The body: the app words the alert itself; the data names the ticket.
    let body = request.json();
    assert_eq!(body["aps"]["alert"]["loc-key"], "push.ticket.assigned");
    assert_eq!(body["aps"]["alert"]["loc-args"], json!([number]));
    assert_eq!(body["aps"]["content-available"], 1);
    assert_eq!(body["ticket_id"], ticket.as_str());
    assert!(body.get("device_id").is_none());

    // 410: the device is removed at once, and never tried again.
    let devices = wait_removed(&app, &phone, &old).await;
    assert_eq!(devices.as_array().unwrap().len(), 1);
    assert_eq!(service.heard(&format!("/3/device/{OLD_IPHONE}")).len(), 1);
    // Delivered once: nothing more after the success.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(service.heard(&format!("/3/device/{IPHONE}")).len(), 4);

    let admin = app.token("admin").await;
    let overview: Value = app.get(&admin, "/api/v1/admin/push").await.json().await.unwrap();
    let apns = overview["providers"].as_array().unwrap().iter().find(|p| p["platform"] == "apns").unwrap().clone();
    assert_eq!(apns["configured"], true, "{overview}");
}

/// Google's stand-in and an app sending to it with a service account of
/// the tests' key; the app, the stand-in and the send path.
async fn fcm_app() -> (TestApp, Arc<Service>, String) {
    let mut service = Service::default();
    let key_pem = std::fs::read_to_string(fixture("fcm-service-account.key")).unwrap();
    let key = signature::RsaKeyPair::from_pkcs8(&pem_der(&key_pem)).unwrap();
    service.account_key = Some(key.public().as_ref().to_vec());
    let service = Arc::new(service);
    let url = start(service.clone(), false);
    let account = json!({
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "0123456789abcdef",
        "private_key": key_pem,
        "client_email": "push@domovoy-test.iam.gserviceaccount.com",
        "client_id": "100000000000000000001",
        "token_uri": format!("{url}/token"),
    });
    let dir = domovoy_store::testing::temp_dir();
    let file = dir.join("service-account.json");
    std::fs::write(&file, account.to_string()).unwrap();
    let app = TestApp::spawn_configured(|settings| {
        with_native(None, Some(file))(settings);
        settings.push.fcm.as_mut().unwrap().url = url.clone();
    })
    .await;
    (app, service, format!("/v1/projects/{PROJECT}/messages:send"))
}

#[actix_web::test]
async fn fcm_pushes_reach_android_phones_with_the_service_accounts_token() {
    let (app, service, send) = fcm_app().await;
    let phone = app.token("technician").await;
    register(&app, &phone, "fcm", ANDROID).await;
    let old = register(&app, &phone, "fcm", OLD_ANDROID).await;
    let unregistered = r#"{"error":{"code":404,"status":"NOT_FOUND","details":[{"errorCode":"UNREGISTERED"}]}}"#;
    service.script.lock().unwrap().extend([
        (
            format!("{send}#{ANDROID}"),
            VecDeque::from([(503, Some("1"), r#"{"error":{"code":503,"status":"UNAVAILABLE"}}"#)]),
        ),
        (format!("{send}#{OLD_ANDROID}"), VecDeque::from([(404, None, unregistered)])),
    ]);

    let (ticket, number) = assign_new_ticket(&app, "Не работает лифт, подъезд 1").await;
    service.wait_for(&send, 3).await;
    let to = |token: &str| -> Vec<Heard> {
        service.heard(&send).into_iter().filter(|h| h.json()["message"]["token"] == token).collect()
    };
    // The phone whose app was uninstalled is removed at once.
    let _ = wait_removed(&app, &phone, &old).await;
    assert_eq!(to(OLD_ANDROID).len(), 1);
    let tries = to(ANDROID);
    assert_eq!(tries.len(), 2, "503, then delivered");
    let request = &tries[1];
    assert_eq!(request.headers["authorization"], format!("Bearer {ACCESS_TOKEN}"));
    let message = &request.json()["message"];
    assert_eq!(message["data"]["ticket_id"], ticket.as_str());
    assert_eq!(message["data"]["kind"], "ticket.assigned");
    assert_eq!(message["data"]["number"], number.as_str());
    assert_eq!(message["android"]["priority"], "high");
    assert_eq!(message["android"]["notification"]["title_loc_key"], "push_ticket_assigned_title");
    assert_eq!(message["android"]["notification"]["body_loc_args"], json!([number]));
    assert_eq!(service.heard("/token").len(), 1, "the access token is kept, not fetched per push");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(to(ANDROID).len(), 2, "delivered once");
}

#[actix_web::test]
async fn a_resident_hears_of_their_requests_moves_and_their_guests_arrival() {
    let (app, service, send) = fcm_app().await;
    let resident = app.token("+79001000001").await;
    let phone = "fcm-resident:APA91bH_flat_45";
    register(&app, &resident, "fcm", phone).await;
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let technician = app.token("technician").await;
    let technician_id = app.user_id(&admin, "technician").await;

    // The resident's own request: filing it tells them nothing.
    let tower = building_id(&app, &admin, "ЖК «Северная звезда»").await;
    let request =
        json!({"building_id": tower, "description": "Не закрывается окно в подъезде", "source": "resident_app"});
    let filed = app.post(&resident, "/api/v1/tickets", &request).await;
    assert_eq!(filed.status(), StatusCode::CREATED);
    let ticket: Value = filed.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap();
    let assigned =
        app.put(&dispatcher, &format!("/api/v1/tickets/{id}/assignee"), &json!({"assignee_id": technician_id})).await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let started =
        app.post(&technician, &format!("/api/v1/tickets/{id}/transitions"), &json!({"to": "in_progress"})).await;
    assert_eq!(started.status(), StatusCode::OK, "{}", started.text().await.unwrap());

    // The guest arrives.
    let pass = app.post(&resident, "/api/v1/passes", &json!({"kind": "guest", "visitor_name": "Сидоров Пётр"})).await;
    assert_eq!(pass.status(), StatusCode::CREATED);
    let pass: Value = pass.json().await.unwrap();
    let guard = app.token("guard").await;
    let arrived =
        app.post(&guard, &format!("/api/v1/passes/{}/arrival", pass["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(arrived.status(), StatusCode::CREATED);

    // Her phone: the two moves (assigned, in progress), then the guest.
    let heard = service.wait_for(&send, 3).await;
    let data: Vec<Value> = heard.iter().map(|h| h.json()["message"]["data"].clone()).collect();
    assert!(heard.iter().all(|h| h.json()["message"]["token"] == phone));
    let said: Vec<(&str, &str)> =
        data.iter().map(|d| (d["kind"].as_str().unwrap(), d["detail"].as_str().unwrap())).collect();
    assert_eq!(
        said,
        [
            ("ticket.status_changed", "assigned"),
            ("ticket.status_changed", "in_progress"),
            ("visit.arrived", "Сидоров Пётр")
        ]
    );
    assert_eq!(data[0]["ticket_id"], id);
    assert_eq!(data[0]["number"], ticket["number"]);
    assert!(data[2].get("ticket_id").is_none(), "an arrival has no ticket: {}", data[2]);
    let words = &heard[2].json()["message"]["android"]["notification"];
    assert_eq!(words["title_loc_key"], "push_visit_arrived_title");
    assert_eq!(words["body_loc_args"], json!(["Сидоров Пётр"]));

    // The same in her list, also for a resident without a phone.
    let list: Value = app.get(&resident, "/api/v1/notifications").await.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    assert_eq!(items[0]["kind"], "visit.arrived");
    assert_eq!(items[0]["detail"], "Сидоров Пётр");
    assert_eq!(items[1]["detail"], "in_progress");

    // And on her start page in the cabinet, newest first, in words.
    let browser = app.browser();
    app.browser_login(&browser, "+79001000001", domovoy::demo::DEMO_PASSWORD).await;
    let home = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let notices = &home[home.find(r#"data-testid="home-notices""#).expect("the notices section")..];
    let guest = notices.find("Ваш гость пришёл").expect("the arrival");
    let started = notices.find("В работе").expect("the new status in words");
    assert!(guest < started, "newest first");
    assert!(notices.contains("Сидоров Пётр"));
    assert!(notices.contains(&format!("№ {} — В работе", ticket["number"].as_str().unwrap())));
}
