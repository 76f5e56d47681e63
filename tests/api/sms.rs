//! Mailings by text message through a gateway the test runs on loopback:
//! SMS.ru's API (form in, JSON out, answered per number) and a generic
//! HTTP gateway (JSON in). A mailing by SMS, then e-mail, then the cabinet
//! reaches each resident by the first channel they agreed to; the gateway's
//! refusal of a number fails that delivery with its reason, a gateway that
//! is down is tried again; every accepted number gets its text once; the
//! short unsubscribe link in a text withdraws the SMS consent without
//! signing in, and an emergency text carries no such link.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use reqwest::StatusCode;
use serde_json::{Value, json};

use domovoy_actors::outbox::sms::{BodyFormat, HttpGatewayConfig, SmsConfig, SmsRuConfig};

use crate::helpers::{TestApp, client, error_code, hidden_value};
use crate::mailings::{client_card, create, ivanovs_section, send, settled};
use crate::nodes::free_port;

/// What a gateway was asked: its fields (form or JSON) and headers.
#[derive(Debug, Clone)]
struct Asked {
    fields: HashMap<String, String>,
    authorization: String,
    at: std::time::Instant,
}

#[derive(Clone, Default)]
struct Gateway {
    asked: Arc<Mutex<Vec<Asked>>>,
    /// Requests answered 503 before any is taken.
    down_for: Arc<AtomicUsize>,
}

impl Gateway {
    fn asked(&self) -> Vec<Asked> {
        self.asked.lock().unwrap().clone()
    }

    /// Records a request; answers whether the gateway is up for it.
    fn record(&self, req: &HttpRequest, fields: HashMap<String, String>) -> bool {
        let authorization =
            req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        self.asked.lock().unwrap().push(Asked { fields, authorization, at: std::time::Instant::now() });
        self.down_for.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_err()
    }
}

/// Numbers the gateways refuse for good (SMS.ru's 207): those ending in 7.
fn barred(digits: &str) -> bool {
    digits.ends_with('7')
}

/// SMS.ru's `sms/send` and a generic JSON gateway on a loopback port.
async fn start_gateway() -> (u16, Gateway) {
    let gateway = Gateway::default();
    let port = free_port();
    let state = gateway.clone();
    let server = HttpServer::new(move || {
        let (smsru, generic) = (state.clone(), state.clone());
        App::new()
            .route(
                "/sms/send",
                web::post().to(move |req: HttpRequest, form: web::Form<HashMap<String, String>>| {
                    let gateway = smsru.clone();
                    async move {
                        let form = form.into_inner();
                        if !gateway.record(&req, form.clone()) {
                            return HttpResponse::ServiceUnavailable().body("busy");
                        }
                        if form.get("api_id").map(String::as_str) != Some("test-api-id") {
                            return HttpResponse::Ok().json(json!({"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}));
                        }
                        let to = form.get("to").cloned().unwrap_or_default();
                        let one = if barred(&to) {
                            json!({"status": "ERROR", "status_code": 207, "status_text": "На этот номер нельзя отправлять сообщения"})
                        } else {
                            json!({"status": "OK", "status_code": 100, "sms_id": format!("000-{to}")})
                        };
                        HttpResponse::Ok().json(json!({"status": "OK", "status_code": 100, "sms": {to: one}, "balance": 100.5}))
                    }
                }),
            )
            .route(
                "/generic",
                web::post().to(move |req: HttpRequest, body: web::Json<HashMap<String, String>>| {
                    let gateway = generic.clone();
                    async move {
                        let body = body.into_inner();
                        let to = body.get("phone").cloned().unwrap_or_default();
                        if !gateway.record(&req, body) {
                            return HttpResponse::ServiceUnavailable().body("busy");
                        }
                        if barred(&to) {
                            HttpResponse::BadRequest().body("bad number")
                        } else {
                            HttpResponse::Ok().body("result=ACCEPTED")
                        }
                    }
                }),
            )
    })
    .workers(1)
    .bind(("127.0.0.1", port))
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    (port, gateway)
}

async fn sms_app(config: SmsConfig) -> TestApp {
    TestApp::spawn_configured(move |s| {
        s.sms = Some(config);
        s.outbox.poll_interval_ms = 100;
    })
    .await
}

/// The secret word of the test's delivery reports' address.
const REPORT_SECRET: &str = "test-report-secret-0123";

/// SMS.ru reports on two of the mailing's texts (by the ids it gave them):
/// one delivered, one not (the phone was off past the text's lifetime).
/// An address with another word is not found and changes nothing; a
/// second report on a text, an unknown id, a text on its way and SMS.ru's
/// test entry change nothing either. The mailing's page words the reason.
async fn delivery_reports_mark_texts_delivered_or_not(app: &TestApp, token: &str, id: &str, deliveries: &[Value]) {
    let sent: Vec<&Value> = deliveries.iter().filter(|d| d["status"] == "sent").take(2).collect();
    let sms_id = |d: &Value| format!("000-{}", d["address"].as_str().unwrap().trim_start_matches('+'));
    let (reached, missed) = (sent[0], sent[1]);
    let report = |secret: &str, entries: Vec<String>| {
        let form: Vec<(&str, String)> = entries.into_iter().map(|e| ("data[]", e)).collect();
        client().post(app.url(&format!("/api/v1/sms/smsru-reports/{secret}"))).form(&form).send()
    };
    let entries = vec![
        format!("sms_status\n{}\n103\n1765000000", sms_id(reached)),
        format!("sms_status\n{}\n104\n1765000000", sms_id(missed)),
    ];
    let forged = report("not-the-secret-word-00", entries.clone()).await.unwrap();
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    let before: Value = app.get(token, &format!("/api/v1/mailings/{id}")).await.json().await.unwrap();
    let mut entries = entries;
    entries.extend([
        "sms_status\nno-such-id\n103\n1765000000".to_owned(),
        format!("sms_status\n{}\n102\n1765000000", sms_id(sent[0])),
        "callback_test\n1".to_owned(),
    ]);
    let taken = report(REPORT_SECRET, entries).await.unwrap();
    assert_eq!(taken.status(), StatusCode::OK);
    assert_eq!(taken.text().await.unwrap(), "100", "what SMS.ru waits for");
    let again = report(REPORT_SECRET, vec![format!("sms_status\n{}\n103\n1765000001", sms_id(missed))]).await;
    assert_eq!(again.unwrap().status(), StatusCode::OK);

    let rows: Vec<Value> =
        app.get(token, &format!("/api/v1/mailings/{id}/deliveries?limit=500")).await.json().await.unwrap();
    let row = |d: &Value| rows.iter().find(|r| r["id"] == d["id"]).cloned().unwrap();
    assert_eq!(row(reached)["status"], "delivered", "{}", row(reached));
    assert_eq!(row(reached)["reason"], Value::Null);
    assert_eq!(row(missed)["status"], "failed", "the first report stands: {}", row(missed));
    assert_eq!(row(missed)["reason"], "smsru:104");
    let after: Value = app.get(token, &format!("/api/v1/mailings/{id}")).await.json().await.unwrap();
    let count = |m: &Value, state: &str| m["counts"][state].as_u64().unwrap();
    assert_eq!(count(&after, "sent"), count(&before, "sent") - 2, "{after}");
    assert_eq!(count(&after, "delivered"), count(&before, "delivered") + 1, "{after}");
    assert_eq!(count(&after, "failed"), count(&before, "failed") + 1, "{after}");
    let browser = app.browser();
    app.browser_login(&browser, "service", domovoy::demo::DEMO_PASSWORD).await;
    let page = browser.get(app.url(&format!("/mailings/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("SMS.ru: не доставлено — истёк срок жизни сообщения (телефон был недоступен) (код 104)"),
        "the reason in words"
    );
}

#[actix_web::test]
async fn a_mailing_by_sms_reaches_each_agreed_number_once_through_smsru() {
    let (port, gateway) = start_gateway().await;
    let app = sms_app(SmsConfig::Smsru(SmsRuConfig {
        api_id: "test-api-id".to_owned(),
        from: Some("UK-Domovoy".to_owned()),
        url: Some(format!("http://127.0.0.1:{port}/sms/send")),
        report_secret: Some(REPORT_SECRET.to_owned()),
    }))
    .await;
    let service = app.token("service").await;
    let section = ivanovs_section(&app, &service).await;
    let audience = json!({ "section_ids": [section] });

    // A text has no subject and a bounded length.
    let long = "Очень длинный текст. ".repeat(20);
    let refused = app
        .post(
            &service,
            "/api/v1/mailings",
            &json!({ "title": "t", "body": long, "kind": "news", "channels": ["sms"], "audience": audience }),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["field_codes"]["body"], "too_long", "{refused}");

    // SMS first, e-mail for those a text cannot reach (no mail server here:
    // e-mail is not offered), the cabinet for all.
    let no_mail = app
        .post(
            &service,
            "/api/v1/mailings",
            &json!({ "title": "t", "body": "b", "kind": "news", "channels": ["sms", "email"], "audience": audience }),
        )
        .await;
    assert_eq!(error_code(no_mail).await, "mail_not_configured");
    let created = create(
        &app,
        &service,
        &json!({
            "title": "Собрание собственников",
            "body": "{{ name }}, собрание собственников {{ building }} пройдёт 12.12 в 19:00 во дворе.",
            "kind": "news",
            "channels": ["sms", "in_app"],
            "audience": audience,
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let by_sms = created["reached"]["sms"].as_u64().unwrap();
    let size = created["audience_size"].as_u64().unwrap();
    assert!(by_sms > 3 && by_sms < size, "owners and tenants agreed to texts, co-owners did not: {created}");
    assert!(created["excluded"]["no_consent"].as_u64().unwrap() > 0, "{created}");

    // The preview shows the first recipient's text on each channel as it
    // goes out: the text with its unsubscribe line (the link a
    // placeholder), and the cabinet's notice with its title.
    let preview: Value = app.get(&service, &format!("/api/v1/mailings/{id}/preview")).await.json().await.unwrap();
    let channels = preview["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 2, "{preview}");
    assert_eq!((channels[0]["channel"].as_str(), channels[0]["subject"].as_str()), (Some("sms"), Some("")));
    let text = channels[0]["text"].as_str().unwrap();
    assert!(text.contains(", собрание собственников ЖК «Северная звезда»"), "{text}");
    assert!(text.ends_with(&format!("Отписаться: {}", app.url("/unsubscribe/…"))), "{text}");
    assert_eq!(channels[1]["channel"], "in_app");
    assert_eq!(channels[1]["subject"], "Собрание собственников");
    let browser = app.browser();
    app.browser_login(&browser, "service", domovoy::demo::DEMO_PASSWORD).await;
    let page = browser.get(app.url(&format!("/mailings/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Как выглядит в каждом канале") && page.contains("знаков из 536"), "the channels' preview");

    // The gateway is down for the first request: that text is tried again.
    gateway.down_for.store(1, Ordering::SeqCst);
    let sent = send(&app, &service, &id).await;
    assert_eq!(sent["reached"]["sms"].as_u64().unwrap(), by_sms);
    let mailing = settled(&app, &service, &id).await;
    let mut deliveries = Vec::new();
    for offset in (0..).step_by(500) {
        let page: Vec<Value> = app
            .get(&service, &format!("/api/v1/mailings/{id}/deliveries?limit=500&offset={offset}"))
            .await
            .json()
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        deliveries.extend(page.into_iter().filter(|d| d["channel"] == "sms"));
    }
    assert_eq!(deliveries.len() as u64, by_sms, "one row per person reached by text: {mailing}");

    // Every number: asked once more than it failed; accepted ones once.
    let asked = gateway.asked();
    assert_eq!(asked.len() as u64, by_sms + 1, "one retry after the 503, nothing else twice");
    let mut accepted = HashMap::<String, usize>::new();
    for a in &asked[1..] {
        assert_eq!(a.fields["api_id"], "test-api-id");
        assert_eq!(a.fields["from"], "UK-Domovoy");
        assert_eq!(a.fields["json"], "1");
        *accepted.entry(a.fields["to"].clone()).or_default() += 1;
    }
    assert!(accepted.values().all(|n| *n == 1), "no number texted twice: {accepted:?}");
    let (mut sent_rows, mut failed_rows) = (0, 0);
    for d in &deliveries {
        let digits = d["address"].as_str().unwrap().trim_start_matches('+').to_owned();
        assert!(accepted.contains_key(&digits), "{d}");
        if barred(&digits) {
            assert_eq!(d["status"], "failed", "{d}");
            assert!(d["reason"].as_str().unwrap().contains("207"), "the gateway's reason is kept: {d}");
            failed_rows += 1;
        } else {
            assert_eq!(d["status"], "sent", "{d}");
            sent_rows += 1;
        }
    }
    assert!(sent_rows > 0);
    assert_eq!(mailing["counts"]["sent"].as_u64().unwrap(), sent_rows, "{mailing}");
    assert_eq!(mailing["counts"]["failed"].as_u64().unwrap(), failed_rows, "{mailing}");
    assert_eq!(mailing["done_percent"], 100);
    delivery_reports_mark_texts_delivered_or_not(&app, &service, &id, &deliveries).await;

    // The text: the body rendered for its reader (no title), and a short
    // unsubscribe line with a link that needs no sign-in.
    let first = deliveries.iter().find(|d| d["status"] == "sent").unwrap();
    let digits = first["address"].as_str().unwrap().trim_start_matches('+');
    let text = &asked.iter().rev().find(|a| a.fields["to"] == digits).unwrap().fields["msg"];
    let name = first["client_name"].as_str().unwrap();
    assert!(text.starts_with(&format!("{name}, собрание собственников ЖК «Северная звезда»")), "{text}");
    assert!(!text.contains("Собрание собственников\n"), "no title in a text: {text}");
    let link = text.lines().last().unwrap().strip_prefix("Отписаться: ").expect("the unsubscribe line").to_owned();
    assert!(link.starts_with(&app.url("/unsubscribe/")), "{link}");
    let anonymous = client();
    let page = anonymous.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Больше не присылать вам рассылки (SMS)?"), "{page}");
    let done = anonymous.post(&link).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let who = first["client_id"].as_str().unwrap();
    let card = client_card(&app, &service, who).await;
    assert!(!card["consents"].as_array().unwrap().iter().any(|c| c["channel"] == "sms"), "withdrawn: {card}");

    // The next news skips that person; an emergency text reaches them,
    // with no unsubscribe line.
    let news = create(
        &app,
        &service,
        &json!({ "title": "Новости", "body": "Во дворе новые скамейки.", "kind": "news", "channels": ["sms"], "audience": audience }),
    )
    .await;
    assert_eq!(news["reached"]["sms"].as_u64().unwrap(), by_sms - 1, "{news}");
    let emergency = create(
        &app,
        &service,
        &json!({ "title": "Авария", "body": "Нет холодной воды до 20:00.", "kind": "emergency", "channels": ["sms"], "audience": audience }),
    )
    .await;
    let emergency_id = emergency["id"].as_str().unwrap().to_owned();
    assert!(emergency["reached"]["sms"].as_u64().unwrap() > by_sms, "emergencies need no consent: {emergency}");
    let before = gateway.asked().len();
    send(&app, &service, &emergency_id).await;
    settled(&app, &service, &emergency_id).await;
    let texts: Vec<Asked> = gateway.asked()[before..].to_vec();
    assert!(texts.iter().any(|a| a.fields["to"] == digits), "the unsubscribed person is told of the emergency");
    assert!(texts.iter().all(|a| a.fields["msg"] == "Нет холодной воды до 20:00."), "no unsubscribe line: {texts:?}");
}

#[actix_web::test]
async fn a_generic_gateway_gets_the_fields_it_was_configured_with() {
    let (port, gateway) = start_gateway().await;
    let fields = [("phone", "{digits}"), ("message", "{text}"), ("id", "{key}"), ("sender", "UK")];
    let app = sms_app(SmsConfig::Http(HttpGatewayConfig {
        url: format!("http://127.0.0.1:{port}/generic"),
        format: BodyFormat::Json,
        fields: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        headers: [("Authorization".to_owned(), "Bearer gw-token".to_owned())].into(),
        accepted_when: Some("ACCEPTED".to_owned()),
    }))
    .await;

    // The administrator's page shows the gateway without its key and sends
    // a test text to the administrator's own phone, once they have one.
    let admin = app.token("admin").await;
    let browser = app.browser();
    app.browser_login(&browser, "admin", domovoy::demo::DEMO_PASSWORD).await;
    let page = browser.get(app.url("/admin/integrations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<code>HTTP (127.0.0.1)</code>"), "the gateway is shown");
    assert!(!page.contains("gw-token"), "never its key");
    assert!(page.contains("В вашем профиле нет телефона"), "no phone yet");
    let patched = client()
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&admin)
        .json(&json!({ "phone": "8 (916) 555-12-34" }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let page = browser.get(app.url("/admin/integrations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Отправить пробное SMS на +7 916 555-12-34"), "{page}");
    let sent = browser
        .post(app.url("/admin/integrations/sms/test"))
        .form(&[("csrf_token", hidden_value(&page, "csrf_token").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let mut asked = Vec::new();
    for _ in 0..100 {
        asked = gateway.asked();
        if !asked.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let test = asked.first().expect("the test text reached the gateway");
    assert_eq!(test.fields["phone"], "79165551234");
    assert_eq!(test.fields["sender"], "UK");
    assert!(test.fields["message"].starts_with("Домовой: пробное SMS"), "{test:?}");
    assert!(test.fields["id"].starts_with("test:"), "the stable key: {test:?}");
    assert_eq!(test.authorization, "Bearer gw-token");
}

/// The code in the last text the gateway got for `digits`, waiting for it
/// (10 s at most).
async fn texted_code(gateway: &Gateway, digits: &str, after: usize) -> String {
    for _ in 0..100 {
        let asked = gateway.asked();
        if let Some(text) = asked.iter().skip(after).rfind(|a| a.fields["to"] == digits) {
            let msg = &text.fields["msg"];
            let code: String = msg
                .split_whitespace()
                .map(|w| w.trim_end_matches('.'))
                .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or_default()
                .to_owned();
            assert_eq!(code.len(), 6, "a six-digit code in {msg:?}");
            return code;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no text reached {digits}");
}

async fn ask_code(app: &TestApp, phone: &str) -> reqwest::Response {
    client().post(app.url("/api/v1/auth/code")).json(&json!({ "phone": phone })).send().await.unwrap()
}

async fn code_sign_in(app: &TestApp, phone: &str, code: &str) -> reqwest::Response {
    client()
        .post(app.url("/api/v1/auth/code/sign-in"))
        .json(&json!({ "phone": phone, "code": code }))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn residents_sign_in_with_a_code_by_sms_on_sqlite() {
    let (port, gateway) = start_gateway().await;
    let app = TestApp::spawn_configured(move |s| code_settings(s, port)).await;
    residents_sign_in_with_a_code_and_wrong_codes_lock_the_number(&app, &gateway).await;
}

#[actix_web::test]
async fn residents_sign_in_with_a_code_by_sms_on_postgres() {
    let (port, gateway) = start_gateway().await;
    let Some(app) = TestApp::spawn_postgres_configured(move |s| code_settings(s, port)).await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    residents_sign_in_with_a_code_and_wrong_codes_lock_the_number(&app, &gateway).await;
}

/// An SMS.ru gateway on `port`, a fast outbox, and room for many codes.
fn code_settings(s: &mut domovoy::Settings, port: u16) {
    s.sms = Some(SmsConfig::Smsru(SmsRuConfig {
        report_secret: None,
        api_id: "test-api-id".to_owned(),
        from: None,
        url: Some(format!("http://127.0.0.1:{port}/sms/send")),
    }));
    s.outbox.poll_interval_ms = 100;
    // This test asks for more codes than an address may in a minute.
    s.auth.codes_per_minute = 100;
}

async fn residents_sign_in_with_a_code_and_wrong_codes_lock_the_number(app: &TestApp, gateway: &Gateway) {
    // Иванов, a demo resident, signs in with his number.
    let ivanov = "79001000001";
    let sent = ask_code(app, "8 (900) 100-00-01").await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent, json!({ "phone": "+79001000001", "expires_in_secs": 300, "resend_after_secs": 60 }));
    let code = texted_code(gateway, ivanov, 0).await;
    let text = gateway.asked().last().unwrap().fields["msg"].clone();
    assert_eq!(text, format!("Домовой: код для входа {code}. Никому его не сообщайте."));
    // Once a minute per number.
    let again = ask_code(app, "+79001000001").await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(again.headers().contains_key("retry-after"));
    // A wrong code, then the right one; the right one once only.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(code_sign_in(app, "+79001000001", wrong).await.status(), StatusCode::UNAUTHORIZED);
    let signed_in = code_sign_in(app, "+7 900 100 00 01", &code).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let token = signed_in.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let me: Value = app.get(&token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["user"]["login"], "+79001000001", "{me}");
    assert_eq!(code_sign_in(app, "+79001000001", &code).await.status(), StatusCode::UNAUTHORIZED, "used");
    let bad = code_sign_in(app, "+79001000001", "12ab").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ask_code(app, "не номер").await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A number without an account is answered alike, and nothing is texted.
    let before = gateway.asked().len();
    let stranger = ask_code(app, "+79990000000").await;
    assert_eq!(stranger.status(), StatusCode::ACCEPTED);
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(gateway.asked().len(), before, "no text to a number without an account");

    // Five wrong codes lock the number: the right code is refused, no new
    // code is sent, until the lock ends.
    domovoy_store::testing::age_sign_in_codes(app.store(), chrono::Duration::minutes(2)).await.unwrap();
    let before = gateway.asked().len();
    assert_eq!(ask_code(app, "+79001000001").await.status(), StatusCode::ACCEPTED);
    let code = texted_code(gateway, ivanov, before).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(code_sign_in(app, "+79001000001", wrong).await.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = code_sign_in(app, "+79001000001", &code).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "locked: the right code is refused too");
    domovoy_store::testing::age_sign_in_codes(app.store(), chrono::Duration::minutes(2)).await.unwrap();
    assert_eq!(ask_code(app, "+79001000001").await.status(), StatusCode::TOO_MANY_REQUESTS, "no code while locked");
    domovoy_store::testing::age_sign_in_codes(app.store(), chrono::Duration::minutes(14)).await.unwrap();

    // In the browser, after the lock: the sign-in page offers the code, the
    // code opens a session.
    let browser = app.browser();
    let page = browser.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Войти по коду из SMS"), "{page}");
    let page = browser.get(app.url("/login/code")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf_token");
    let before = gateway.asked().len();
    let asked = browser
        .post(app.url("/login/code"))
        .form(&[("csrf_token", csrf.as_str()), ("phone", "+7 900 100-00-01"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let page = asked.text().await.unwrap();
    assert!(page.contains("Если номер +7 900 100-00-01 зарегистрирован, на него отправлен код"), "{page}");
    let code = texted_code(gateway, ivanov, before).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = browser
        .post(app.url("/login/code/sign-in"))
        .form(&[("csrf_token", csrf.as_str()), ("phone", "+79001000001"), ("code", wrong), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.text().await.unwrap().contains("Код неверен или устарел"));
    let entered = browser
        .post(app.url("/login/code/sign-in"))
        .form(&[("csrf_token", csrf.as_str()), ("phone", "+79001000001"), ("code", code.as_str()), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(entered.status(), StatusCode::SEE_OTHER);
    let home = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.unwrap().contains("Иванов"), "the resident's cabinet");
}

#[actix_web::test]
async fn mailings_wait_for_the_end_of_quiet_hours_but_emergencies_do_not() {
    use chrono::Timelike as _;
    let (port, gateway) = start_gateway().await;
    // Quiet hours around the present hour in the tower's zone (Moscow).
    let hour = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Moscow).hour();
    let quiet = format!("{:02}:00-{:02}:00", (hour + 23) % 24, (hour + 2) % 24);
    let app = TestApp::spawn_configured(move |s| {
        s.sms = Some(SmsConfig::Smsru(SmsRuConfig {
            report_secret: None,
            api_id: "test-api-id".to_owned(),
            from: None,
            url: Some(format!("http://127.0.0.1:{port}/sms/send")),
        }));
        s.outbox.poll_interval_ms = 100;
        s.mailings.quiet_hours = quiet;
    })
    .await;
    let service = app.token("service").await;
    let section = ivanovs_section(&app, &service).await;
    let audience = json!({ "section_ids": [section] });
    let news = create(
        &app,
        &service,
        &json!({ "title": "Новости", "body": "Во дворе новые скамейки.", "kind": "news", "channels": ["sms"], "audience": audience }),
    )
    .await;
    let news_id = news["id"].as_str().unwrap().to_owned();
    let by_sms = news["reached"]["sms"].as_u64().unwrap();
    send(&app, &service, &news_id).await;
    let emergency = create(
        &app,
        &service,
        &json!({ "title": "Авария", "body": "Нет холодной воды до 20:00.", "kind": "emergency", "channels": ["sms"], "audience": audience }),
    )
    .await;
    let emergency_id = emergency["id"].as_str().unwrap().to_owned();
    send(&app, &service, &emergency_id).await;
    let done = settled(&app, &service, &emergency_id).await;
    assert_eq!(done["done_percent"], 100, "the emergency leaves in quiet hours: {done}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let asked = gateway.asked();
    assert!(!asked.is_empty());
    assert!(asked.iter().all(|a| a.fields["msg"] == "Нет холодной воды до 20:00."), "no news at night: {asked:?}");
    let held: Value = app.get(&service, &format!("/api/v1/mailings/{news_id}")).await.json().await.unwrap();
    assert_eq!(held["counts"]["queued"].as_u64().unwrap(), by_sms, "the news waits for the morning: {held}");
}

#[actix_web::test]
async fn a_scheduled_mailing_leaves_at_its_time_on_sqlite() {
    let (port, gateway) = start_gateway().await;
    let app = TestApp::spawn_configured(move |s| code_settings(s, port)).await;
    a_scheduled_mailing_leaves_at_its_time_on_the_buildings_clock(&app, &gateway).await;
}

#[actix_web::test]
async fn a_scheduled_mailing_leaves_at_its_time_on_postgres() {
    let (port, gateway) = start_gateway().await;
    let Some(app) = TestApp::spawn_postgres_configured(move |s| code_settings(s, port)).await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    a_scheduled_mailing_leaves_at_its_time_on_the_buildings_clock(&app, &gateway).await;
}

async fn a_scheduled_mailing_leaves_at_its_time_on_the_buildings_clock(app: &TestApp, gateway: &Gateway) {
    let service = app.token("service").await;
    let section = ivanovs_section(app, &service).await;
    let created = create(
        app,
        &service,
        &json!({ "title": "Собрание", "body": "Собрание в четверг в 19:00.", "kind": "news",
                 "channels": ["sms", "in_app"], "audience": { "section_ids": [section] } }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let by_sms = created["reached"]["sms"].as_u64().unwrap();
    let schedule = |at: String| {
        let (app, service, id) = (app, &service, &id);
        async move { app.post(service, &format!("/api/v1/mailings/{id}/schedule"), &json!({ "at": at })).await }
    };
    let moscow = |minutes: i64| {
        (chrono::Utc::now() + chrono::Duration::minutes(minutes))
            .with_timezone(&chrono_tz::Europe::Moscow)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    // The past and nonsense are refused on the field.
    let past: Value = schedule(moscow(-5)).await.json().await.unwrap();
    assert_eq!(past["error"]["field_codes"]["at"], "not_allowed", "{past}");
    let nonsense: Value = schedule("завтра утром".to_owned()).await.json().await.unwrap();
    assert_eq!(nonsense["error"]["field_codes"]["at"], "invalid_format", "{nonsense}");

    // Scheduled: not sendable by hand, nothing due yet, can be called off.
    let at = moscow(3);
    let scheduled = schedule(at.clone()).await;
    assert_eq!(scheduled.status(), StatusCode::OK);
    let scheduled: Value = scheduled.json().await.unwrap();
    assert_eq!(
        (scheduled["status"].as_str(), scheduled["scheduled_for"].as_str()),
        (Some("scheduled"), Some(at.as_str()))
    );
    let by_hand = app.post(&service, &format!("/api/v1/mailings/{id}/send"), &json!({})).await;
    assert_eq!(error_code(by_hand).await, "mailing_already_sent");
    let now = chrono::Utc::now();
    assert_eq!(domovoy_app::mailings::send_due(&app.app, now).await.unwrap(), 0);
    let off: Value =
        app.post(&service, &format!("/api/v1/mailings/{id}/unschedule"), &json!({})).await.json().await.unwrap();
    assert_eq!(off["status"], "draft", "{off}");
    assert!(schedule(at.clone()).await.status().is_success());

    // Its time comes (the job, run as if four minutes later): it is sent,
    // the cabinet notice at once, the texts when the tower's clock shows
    // the time; the job does not send it twice.
    let later = now + chrono::Duration::minutes(4);
    assert_eq!(domovoy_app::mailings::send_due(&app.app, later).await.unwrap(), 1);
    assert_eq!(domovoy_app::mailings::send_due(&app.app, later).await.unwrap(), 0);
    // The wall clock set back an hour after it went (NTP correcting a
    // fast clock), then forward again: the rounds at those times find
    // nothing to send (the job takes its time from the wall clock).
    for stepped in [later - chrono::Duration::hours(1), later] {
        assert_eq!(domovoy_app::mailings::send_due(&app.app, stepped).await.unwrap(), 0);
    }
    let sent: Value = app.get(&service, &format!("/api/v1/mailings/{id}")).await.json().await.unwrap();
    assert_eq!(sent["status"], "sent", "{sent}");
    assert_eq!(
        sent["counts"]["queued"].as_u64().unwrap(),
        by_sms,
        "the texts wait for their time on the tower's clock: {sent}"
    );
    let resident = app.token("+79001000001").await;
    let notices: Value = app.get(&resident, "/api/v1/notices").await.json().await.unwrap();
    assert_eq!(notices[0]["subject"], "Собрание", "{notices}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(gateway.asked().is_empty(), "no text before its time");
    domovoy_store::testing::release_outbox(app.store()).await.unwrap();
    let done = settled(app, &service, &id).await;
    assert_eq!(done["done_percent"], 100, "{done}");
    assert_eq!(gateway.asked().len() as u64, by_sms);

    // One whose author can no longer send when its time comes (the account
    // disabled) is not sent: it is a draft again, and the audit says why.
    let second = create(
        app,
        &service,
        &json!({ "title": "Собрание-2", "body": "Перенос собрания.", "kind": "news",
                 "channels": ["in_app"], "audience": { "section_ids": [section] } }),
    )
    .await;
    let second_id = second["id"].as_str().unwrap().to_owned();
    let scheduled =
        app.post(&service, &format!("/api/v1/mailings/{second_id}/schedule"), &json!({ "at": moscow(3) })).await;
    assert!(scheduled.status().is_success());
    let admin = app.token("admin").await;
    let service_id = app.user_id(&admin, "service").await;
    let disabled = app.post(&admin, &format!("/api/v1/users/{service_id}/disable"), &json!({})).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(domovoy_app::mailings::send_due(&app.app, later).await.unwrap(), 0);
    let back: Value = app.get(&admin, &format!("/api/v1/mailings/{second_id}")).await.json().await.unwrap();
    assert_eq!((back["status"].as_str(), back["counts"]["delivered"].as_u64()), (Some("draft"), Some(0)), "{back}");
    let audit: Value = app.get(&admin, "/api/v1/audit?action=mailing.unscheduled").await.json().await.unwrap();
    assert!(audit.to_string().contains("account_disabled"), "{audit}");
}

#[actix_web::test]
async fn a_paced_channel_sends_no_faster_than_its_rate() {
    let (port, gateway) = start_gateway().await;
    let app = TestApp::spawn_configured(move |s| {
        code_settings(s, port);
        // Two texts a second.
        s.outbox.per_minute.insert("sms".to_owned(), 120);
    })
    .await;
    let service = app.token("service").await;
    let section = ivanovs_section(&app, &service).await;
    let created = create(
        &app,
        &service,
        &json!({ "title": "Лифт", "body": "Лифт на вашем этаже работает.", "kind": "news", "channels": ["sms"],
                 "audience": { "section_ids": [section], "floors": { "from": 3, "to": 3 } } }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let by_sms = usize::try_from(created["reached"]["sms"].as_u64().unwrap()).unwrap();
    assert!(by_sms >= 4, "a few texts to pace: {created}");
    send(&app, &service, &id).await;
    let done = settled(&app, &service, &id).await;
    assert_eq!(done["done_percent"], 100, "{done}");
    let asked = gateway.asked();
    assert_eq!(asked.len(), by_sms, "each once, none lost to the pacing");
    let spread = asked.last().unwrap().at - asked.first().unwrap().at;
    // One slot every 500 ms; the first may be taken up to 250 ms late.
    let least = std::time::Duration::from_millis(500) * u32::try_from(by_sms - 1).unwrap()
        - std::time::Duration::from_millis(250);
    assert!(spread >= least.mul_f64(0.95), "{by_sms} texts in {spread:?}: faster than two a second");
}
