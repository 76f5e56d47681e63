//! Mailings through a real SMTP server (aiosmtpd): the client-service
//! office writes to one section of the tower; letters arrive with a Russian
//! subject and text rendered per recipient and an unsubscribe link; people
//! without consent to e-mail get none (but the cabinet notice); the link
//! works without signing in and withdraws the consent, so the next mailing
//! skips that person, while an emergency notice still reaches them; every
//! delivery is counted once; a mailing sends once.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, building_id, client, error_code};
use crate::smtp::{SmtpServer, header, mail_app, part_body};

/// The section of the tower where the demo resident Иванов (unit 45)
/// lives.
pub(crate) async fn ivanovs_section(app: &TestApp, token: &str) -> String {
    let tower = building_id(app, token, "ЖК «Северная звезда»").await;
    let board: Value = app.get(token, &format!("/api/v1/buildings/{tower}/chessboard")).await.json().await.unwrap();
    for section in board["sections"].as_array().unwrap() {
        let has = section["floors"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["units"].as_array().unwrap())
            .any(|u| u["label"] == "45" && u["kind"] == "apartment");
        if has {
            return section["id"].as_str().unwrap().to_owned();
        }
    }
    panic!("no section holds unit 45: {board}");
}

/// Waits until no delivery of the mailing waits in the outbox (20 s at most).
pub(crate) async fn settled(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..200 {
        let mailing: Value = app.get(token, &format!("/api/v1/mailings/{id}")).await.json().await.unwrap();
        if mailing["counts"]["queued"] == 0 {
            return mailing;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the mailing {id} still has deliveries waiting");
}

/// The client card as the office reads it.
pub(crate) async fn client_card(app: &TestApp, token: &str, client: &str) -> Value {
    app.get(token, &format!("/api/v1/clients/{client}")).await.json().await.unwrap()
}

pub(crate) async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let created = app.post(token, "/api/v1/mailings", body).await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text().await.unwrap());
    created.json().await.unwrap()
}

pub(crate) async fn send(app: &TestApp, token: &str, id: &str) -> Value {
    let sent = app.post(token, &format!("/api/v1/mailings/{id}/send"), &json!({})).await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED, "{}", sent.text().await.unwrap());
    sent.json().await.unwrap()
}

fn recipient(letter: &str) -> String {
    let line = letter.lines().find(|l| l.starts_with("X-RcptTo: ")).expect("the envelope recipient");
    line["X-RcptTo: ".len()..].trim().to_owned()
}

async fn mailings_reach_residents_by_email_and_in_the_cabinet(app: &TestApp, smtp: &SmtpServer) {
    let service = app.token("service").await;
    let section = ivanovs_section(app, &service).await;
    let audience = json!({ "section_ids": [section] });

    // Refusals: a dispatcher may not send mailings; a text with a variable
    // that does not exist; a channel the server has no gateway for.
    let dispatcher = app.token("dispatcher").await;
    let body = json!({ "title": "t", "body": "b", "kind": "news", "channels": ["email"], "audience": audience });
    assert_eq!(app.post(&dispatcher, "/api/v1/mailings", &body).await.status(), StatusCode::FORBIDDEN);
    let typo =
        json!({ "title": "t", "body": "{{ nmae }}", "kind": "news", "channels": ["email"], "audience": audience });
    let typo = app.post(&service, "/api/v1/mailings", &typo).await;
    assert_eq!(typo.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let typo: Value = typo.json().await.unwrap();
    assert_eq!(typo["error"]["field_codes"]["body"], "unknown", "{typo}");
    let sms = json!({ "title": "t", "body": "b", "kind": "news", "channels": ["sms"], "audience": audience });
    let sms = app.post(&service, "/api/v1/mailings", &sms).await;
    assert_eq!(sms.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(sms).await, "channel_unavailable");
    let nobody = json!({ "title": "t", "body": "b", "kind": "news", "channels": ["email"], "audience": {} });
    assert_eq!(app.post(&service, "/api/v1/mailings", &nobody).await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The works notice, by e-mail and in the cabinet.
    let created = create(
        app,
        &service,
        &json!({
            "title": "Отключение горячей воды, {{ building }}",
            "body": "Здравствуйте, {{ name }}!\nВ помещении {{ unit }} не будет горячей воды 10.12 с 10:00 до 18:00.",
            "kind": "works",
            "channels": ["email", "in_app"],
            "audience": audience,
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let size = created["audience_size"].as_u64().unwrap();
    let by_email = created["reached"]["email"].as_u64().unwrap();
    assert!(size > 5 && by_email > 0 && by_email < size, "some have e-mail and consent, some not: {created}");
    assert_eq!(created["in_app"].as_u64().unwrap(), size, "the cabinet notice reaches everyone");
    let excluded: u64 = created["excluded"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(by_email + excluded, size, "everyone is either reached by e-mail or says why not: {created}");
    assert!(created["excluded"]["no_consent"].as_u64().unwrap_or(0) > 0, "the demo has e-mails without consent");

    // The preview renders for the first recipients.
    let preview: Value = app.get(&service, &format!("/api/v1/mailings/{id}/preview")).await.json().await.unwrap();
    let first = &preview["recipients"][0];
    assert!(
        first["subject"].as_str().unwrap().starts_with("Отключение горячей воды, ЖК «Северная звезда»"),
        "{preview}"
    );
    assert!(first["text"].as_str().unwrap().contains(first["client_name"].as_str().unwrap()), "{preview}");

    // Files go with every letter: two attached, one taken off again.
    // A PDF's second line is binary (as real ones are): the letter carries it base64.
    let pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let attach = |name: &'static str| {
        client()
            .post(app.url(&format!("/api/v1/mailings/{id}/files")))
            .query(&[("name", name)])
            .bearer_auth(&service)
            .header("content-type", "application/octet-stream")
            .body(pdf.clone())
            .send()
    };
    let spare = attach("Лишний.pdf").await.unwrap();
    assert_eq!(spare.status(), StatusCode::CREATED);
    let spare: Value = spare.json().await.unwrap();
    assert_eq!(attach("График работ.pdf").await.unwrap().status(), StatusCode::CREATED);
    let removed = app.delete(&service, &format!("/api/v1/mailings/{id}/files/{}", spare["id"].as_str().unwrap())).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let files: Value = app.get(&service, &format!("/api/v1/mailings/{id}/files")).await.json().await.unwrap();
    assert_eq!(files.as_array().unwrap().len(), 1, "{files}");
    assert_eq!(files[0]["file_name"], "График работ.pdf");
    assert_eq!(files[0]["content_type"], "application/pdf");

    // Sent once: a second send is refused.
    let sent = send(app, &service, &id).await;
    assert_eq!(sent["reached"]["email"].as_u64().unwrap(), by_email);
    let again = app.post(&service, &format!("/api/v1/mailings/{id}/send"), &json!({})).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(again).await, "mailing_already_sent");
    let late = attach("Поздно.pdf").await.unwrap();
    assert_eq!(late.status(), StatusCode::UNPROCESSABLE_ENTITY, "a sent mailing keeps its files");

    // The letters arrive, one per reached person, each with their name.
    let letters = smtp.wait_for(usize::try_from(by_email).unwrap()).await;
    let mailing = settled(app, &service, &id).await;
    assert_eq!(mailing["counts"]["sent"].as_u64().unwrap(), by_email, "{mailing}");
    assert_eq!(mailing["counts"]["delivered"].as_u64().unwrap(), size, "the cabinet notices: {mailing}");
    assert_eq!(mailing["counts"]["skipped"], 0, "everyone has the cabinet notice");
    assert_eq!(mailing["done_percent"], 100);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let letters_now = smtp.letters();
    assert_eq!(letters_now.len(), letters.len(), "nothing more than one letter each");
    let addresses: HashSet<String> = letters.iter().map(|l| recipient(l)).collect();
    assert_eq!(addresses.len(), letters.len(), "no one got two");
    let ivanov = letters.iter().find(|l| recipient(l) == "ivanov@mail.demo").expect("Иванов has e-mail and consent");
    assert_eq!(header(ivanov, "Subject"), "Отключение горячей воды, ЖК «Северная звезда»");
    let text = String::from_utf8(part_body(ivanov, "Content-Type: text/plain")).unwrap().replace("\r\n", "\n");
    assert!(text.starts_with("Здравствуйте, Иванов Иван Иванович!\nВ помещении 45 не будет"), "{text}");
    assert_eq!(part_body(ivanov, "Content-Type: application/pdf"), pdf, "the file, read from the disk when sent");
    let list_unsubscribe = header(ivanov, "List-Unsubscribe");
    assert!(
        list_unsubscribe.starts_with(&format!("<{}/unsubscribe/", app.url("").trim_end_matches('/'))),
        "{list_unsubscribe}"
    );
    assert_eq!(header(ivanov, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    let link = list_unsubscribe.trim_start_matches('<').trim_end_matches('>').to_owned();
    assert!(text.contains(&link), "the link is in the text too: {text}");

    // Whoever got a letter agreed to e-mail; the report says why others got none.
    let deliveries: Value =
        app.get(&service, &format!("/api/v1/mailings/{id}/deliveries?limit=500")).await.json().await.unwrap();
    let deliveries = deliveries.as_array().unwrap();
    assert_eq!(deliveries.len() as u64, size + by_email, "one row per person and channel");
    for d in deliveries.iter().filter(|d| d["channel"] == "email") {
        assert_eq!(d["status"], "sent", "{d}");
        assert!(addresses.contains(d["address"].as_str().unwrap()), "{d}");
        let card = client_card(app, &service, d["client_id"].as_str().unwrap()).await;
        assert!(card["consents"].as_array().unwrap().iter().any(|c| c["channel"] == "email"), "{card}");
    }

    // The resident reads the notice in the cabinet.
    let resident = app.token("+79001000001").await;
    let notices: Value = app.get(&resident, "/api/v1/notices").await.json().await.unwrap();
    assert_eq!(notices[0]["subject"], "Отключение горячей воды, ЖК «Северная звезда»", "{notices}");
    assert_eq!(notices[0]["kind"], "works");
    let file_url = notices[0]["files"][0]["url"].as_str().unwrap().to_owned();
    let download = app.get(&resident, &file_url).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().to_vec(), pdf, "the resident downloads the notice's file");
    let technician = app.token("technician").await;
    assert_eq!(app.get(&technician, &file_url).await.status(), StatusCode::NOT_FOUND, "not theirs to read");

    // The link opens a question without signing in; a page open changes
    // nothing (mail scanners open links); the button withdraws the consent.
    let anonymous = client();
    let page = anonymous.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("Больше не присылать вам рассылки (E-mail)?"), "{page}");
    let ivanov_client = deliveries.iter().find(|d| d["address"] == "ivanov@mail.demo").unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let card = client_card(app, &service, &ivanov_client).await;
    assert!(card["consents"].as_array().unwrap().iter().any(|c| c["channel"] == "email"), "still agreed: {card}");
    // The one-click POST of a mail client (RFC 8058), no CSRF token.
    let done = anonymous.post(&link).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("Готово: рассылки (E-mail) вам больше не придут"));
    let card = client_card(app, &service, &ivanov_client).await;
    assert!(!card["consents"].as_array().unwrap().iter().any(|c| c["channel"] == "email"), "withdrawn: {card}");
    assert!(
        card["mailings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mailing_id"] == id.as_str() && !m["unsubscribed_at"].is_null())
    );
    // Again: nothing more happens; an unknown link is a clear 404.
    assert_eq!(anonymous.post(&link).send().await.unwrap().status(), StatusCode::OK);
    // Well-formed but unknown (looked up), and not a secret at all.
    let unknown = anonymous.get(app.url(&format!("/unsubscribe/{}", "A".repeat(43)))).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let unknown = anonymous.get(app.url("/unsubscribe/..%2F..")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.text().await.unwrap().contains("Ссылка для отписки не найдена"));

    // The next news skips Иванов by e-mail (no consent now)…
    let before = smtp.letters().len();
    let news = create(
        app,
        &service,
        &json!({ "title": "Новости дома", "body": "Во дворе установили новые скамейки.", "kind": "news",
                 "channels": ["email"], "audience": { "unit_ids": [], "section_ids": [section] } }),
    )
    .await;
    let news_id = news["id"].as_str().unwrap().to_owned();
    assert_eq!(news["reached"]["email"].as_u64().unwrap(), by_email - 1, "{news}");
    send(app, &service, &news_id).await;
    let all = smtp.wait_for(before + usize::try_from(by_email - 1).unwrap()).await;
    settled(app, &service, &news_id).await;
    let news_letters: Vec<&String> = all.iter().filter(|l| header(l, "Subject") == "Новости дома").collect();
    assert_eq!(news_letters.len() as u64, by_email - 1);
    assert!(news_letters.iter().all(|l| recipient(l) != "ivanov@mail.demo"), "the unsubscribed person got none");
    let skipped: Value =
        app.get(&service, &format!("/api/v1/mailings/{news_id}/deliveries?limit=500")).await.json().await.unwrap();
    let ivanov_row = skipped.as_array().unwrap().iter().find(|d| d["client_id"] == ivanov_client.as_str()).unwrap();
    assert_eq!((ivanov_row["status"].as_str(), ivanov_row["reason"].as_str()), (Some("skipped"), Some("no_consent")));

    // …but an emergency notice reaches everyone with an address, without
    // an unsubscribe link.
    let before = smtp.letters().len();
    let emergency = create(
        app,
        &service,
        &json!({ "title": "Авария: нет холодной воды", "body": "Аварийная бригада работает. Ориентировочно до 20:00.",
                 "kind": "emergency", "channels": ["email"], "audience": { "section_ids": [section] } }),
    )
    .await;
    let emergency_id = emergency["id"].as_str().unwrap().to_owned();
    let with_address = emergency["reached"]["email"].as_u64().unwrap();
    assert!(with_address > by_email, "consent does not matter: {emergency}");
    assert_eq!(emergency["excluded"].get("no_consent"), None, "{emergency}");
    send(app, &service, &emergency_id).await;
    let all = smtp.wait_for(before + usize::try_from(with_address).unwrap()).await;
    let to_ivanov = all
        .iter()
        .find(|l| recipient(l) == "ivanov@mail.demo" && header(l, "Subject") == "Авария: нет холодной воды")
        .expect("the emergency notice reaches the unsubscribed person");
    assert!(!to_ivanov.contains("List-Unsubscribe"), "no unsubscribe from emergencies");

    // The office downloads the deliveries report.
    let browser = app.browser();
    app.browser_login(&browser, "service", domovoy::demo::DEMO_PASSWORD).await;
    let csv = browser.get(app.url(&format!("/mailings/{id}?format=csv"))).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("Получатель") && csv.contains("ivanov@mail.demo") && csv.contains("Отправлено"), "{csv}");
    let list = browser.get(app.url("/mailings")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Отключение горячей воды") && list.contains("Авария: нет холодной воды"));
}

#[actix_web::test]
async fn mailings_reach_residents_on_sqlite() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let app = mail_app(&smtp, false).await.unwrap();
    mailings_reach_residents_by_email_and_in_the_cabinet(&app, &smtp).await;
}

#[actix_web::test]
async fn mailings_reach_residents_on_postgres() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let Some(app) = mail_app(&smtp, true).await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    mailings_reach_residents_by_email_and_in_the_cabinet(&app, &smtp).await;
}

#[actix_web::test]
async fn a_cabinet_notice_needs_no_mail_server_and_email_needs_one() {
    let app = TestApp::spawn().await;
    let service = app.token("service").await;
    let section = ivanovs_section(&app, &service).await;
    let email = json!({ "title": "t", "body": "b", "kind": "news", "channels": ["email"],
                        "audience": { "section_ids": [section] } });
    let refused = app.post(&service, "/api/v1/mailings", &email).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(refused).await, "mail_not_configured");

    // Owners only, in the cabinet.
    let created = create(
        &app,
        &service,
        &json!({ "title": "Собрание собственников", "body": "{{ name }}, приглашаем на собрание {{ date }}.",
                 "kind": "news", "channels": ["in_app"],
                 "audience": { "section_ids": [section], "link_roles": ["owner"] } }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let size = created["audience_size"].as_u64().unwrap();
    assert_eq!(created["in_app"].as_u64().unwrap(), size);
    assert_eq!(created["excluded"], json!({}), "a cabinet-only notice leaves no one out: {created}");
    send(&app, &service, &id).await;
    let mailing = settled(&app, &service, &id).await;
    assert_eq!(mailing["counts"]["delivered"].as_u64().unwrap(), size, "{mailing}");
    let deliveries: Value =
        app.get(&service, &format!("/api/v1/mailings/{id}/deliveries?limit=500")).await.json().await.unwrap();
    for d in deliveries.as_array().unwrap() {
        let card = client_card(&app, &service, d["client_id"].as_str().unwrap()).await;
        assert!(card["units"].as_array().unwrap().iter().any(|u| u["role"] == "owner"), "owners only: {card}");
    }
    let resident = app.token("+79001000001").await;
    let notices: Value = app.get(&resident, "/api/v1/notices").await.json().await.unwrap();
    let text = notices[0]["text"].as_str().unwrap();
    assert!(text.starts_with("Иванов Иван Иванович, приглашаем на собрание "), "{notices}");
    // The resident's start page shows it.
    let browser = app.browser();
    app.browser_login(&browser, "+79001000001", domovoy::demo::DEMO_PASSWORD).await;
    let home = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Собрание собственников"), "the notice is on the start page");
}

#[actix_web::test]
async fn the_office_saves_mailing_texts_as_templates_and_starts_from_them() {
    let app = TestApp::spawn().await;
    let service = app.token("service").await;
    let template = json!({
        "name": "Отключение воды",
        "title": "Отключение воды, {{ building }}",
        "body": "{{ name }}, 10.12 с 10:00 до 18:00 не будет горячей воды.",
        "kind": "works",
        "channels": ["in_app"],
    });
    let saved = app.post(&service, "/api/v1/mailing-templates", &template).await;
    assert_eq!(saved.status(), StatusCode::CREATED);
    let saved: Value = saved.json().await.unwrap();
    let id = saved["id"].as_str().unwrap().to_owned();
    assert_eq!((saved["kind"].as_str(), saved["channels"][0].as_str()), (Some("works"), Some("in_app")));

    // The name is unique; the texts are checked as a mailing's; only those
    // who send mailings see templates.
    let again: Value = app.post(&service, "/api/v1/mailing-templates", &template).await.json().await.unwrap();
    assert_eq!(again["error"]["field_codes"]["name"], "taken", "{again}");
    let typo =
        json!({ "name": "Опечатка", "title": "t", "body": "{{ nmae }}", "kind": "news", "channels": ["in_app"] });
    let typo: Value = app.post(&service, "/api/v1/mailing-templates", &typo).await.json().await.unwrap();
    assert_eq!(typo["error"]["field_codes"]["body"], "unknown", "{typo}");
    let dispatcher = app.token("dispatcher").await;
    assert_eq!(app.get(&dispatcher, "/api/v1/mailing-templates").await.status(), StatusCode::FORBIDDEN);
    let list: Value = app.get(&service, "/api/v1/mailing-templates").await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // In the pages: the list offers it, the editor opens with its texts,
    // and the editor saves another under a new name.
    let browser = app.browser();
    app.browser_login(&browser, "service", domovoy::demo::DEMO_PASSWORD).await;
    let list_page = browser.get(app.url("/mailings")).send().await.unwrap().text().await.unwrap();
    assert!(list_page.contains("Отключение воды") && list_page.contains(&format!("/mailings/new?template={id}")));
    let editor =
        browser.get(app.url(&format!("/mailings/new?template={id}"))).send().await.unwrap().text().await.unwrap();
    assert!(editor.contains("value=\"Отключение воды, {{ building }}\""), "the title is filled in");
    assert!(editor.contains("{{ name }}, 10.12 с 10:00 до 18:00 не будет горячей воды."), "the body is filled in");
    let csrf = crate::helpers::hidden_value(&editor, "csrf_token");
    let form = [
        ("csrf_token", csrf.as_str()),
        ("kind", "news"),
        ("channel", "in_app"),
        ("title", "Собрание"),
        ("body", "Собрание в четверг."),
        ("template_name", "Собрание"),
    ];
    let saved = browser.post(app.url("/mailings/templates")).form(&form).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let location = saved.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("done=template_saved"), "{location}");
    let nameless =
        [("csrf_token", csrf.as_str()), ("kind", "news"), ("channel", "in_app"), ("title", "t"), ("body", "b")];
    let refused = browser.post(app.url("/mailings/templates")).form(&nameless).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Deleted once.
    let path = format!("/api/v1/mailing-templates/{id}");
    assert_eq!(app.delete(&service, &path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&service, &path).await.status(), StatusCode::NOT_FOUND, "deleted once");
}

#[actix_web::test]
async fn the_office_saves_an_audience_as_a_segment_and_writes_to_it_again() {
    let app = TestApp::spawn().await;
    let service = app.token("service").await;
    let section = ivanovs_section(&app, &service).await;
    let audience = json!({ "section_ids": [section], "link_roles": ["owner"], "floors": { "from": 2, "to": 5 } });
    let saved = app
        .post(
            &service,
            "/api/v1/audience-segments",
            &json!({ "name": "Собственники, 2–5 этажи", "audience": audience }),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::CREATED);
    let saved: Value = saved.json().await.unwrap();
    let id = saved["id"].as_str().unwrap().to_owned();
    assert_eq!(saved["audience"]["floors"], json!({ "from": 2, "to": 5 }), "{saved}");

    // Unique names; nobody chosen is refused; only those who send mailings,
    // and only to where they may send.
    let again: Value = app
        .post(
            &service,
            "/api/v1/audience-segments",
            &json!({ "name": "Собственники, 2–5 этажи", "audience": audience }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["error"]["field_codes"]["name"], "taken", "{again}");
    let empty = app.post(&service, "/api/v1/audience-segments", &json!({ "name": "Пусто", "audience": {} })).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let dispatcher = app.token("dispatcher").await;
    assert_eq!(app.get(&dispatcher, "/api/v1/audience-segments").await.status(), StatusCode::FORBIDDEN);

    // The editor opened with the segment has its choice; a mailing written
    // from it reaches the same people as one written by hand.
    let browser = app.browser();
    app.browser_login(&browser, "service", domovoy::demo::DEMO_PASSWORD).await;
    let list_page = browser.get(app.url("/mailings")).send().await.unwrap().text().await.unwrap();
    assert!(
        list_page.contains("Собственники, 2–5 этажи") && list_page.contains(&format!("/mailings/new?segment={id}"))
    );
    let editor =
        browser.get(app.url(&format!("/mailings/new?segment={id}"))).send().await.unwrap().text().await.unwrap();
    assert!(editor.contains(&format!("value=\"{section}\" checked")), "the section is chosen");
    assert!(editor.contains("name=\"floor_from\" value=\"2\""), "the floors are filled in");
    let by_hand = create(
        &app,
        &service,
        &json!({ "title": "t", "body": "b", "kind": "news", "channels": ["in_app"], "audience": audience }),
    )
    .await;
    assert!(by_hand["audience_size"].as_u64().unwrap() > 0);
    let csrf = crate::helpers::hidden_value(&editor, "csrf_token");
    let form = [
        ("csrf_token", csrf.as_str()),
        ("kind", "news"),
        ("channel", "in_app"),
        ("title", "t"),
        ("body", "b"),
        ("section", section.as_str()),
        ("role", "owner"),
        ("floor_from", "2"),
        ("floor_to", "5"),
    ];
    let created = browser.post(app.url("/mailings")).form(&form).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let mut named = form.to_vec();
    named.push(("segment_name", "Ещё один"));
    let saved = browser.post(app.url("/mailings/segments")).form(&named).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let list: Value = app.get(&service, "/api/v1/audience-segments").await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list[0]["audience"], list[1]["audience"], "the page saved the same choice: {list}");

    let path = format!("/api/v1/audience-segments/{id}");
    assert_eq!(app.delete(&service, &path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&service, &path).await.status(), StatusCode::NOT_FOUND, "deleted once");
}

/// The demo's office has sent the tower a works notice by SMS: its report
/// shows texts sent and a few refused by the gateway with the reason,
/// nothing waiting (the demo sends nothing at start), and the client card
/// lists it with the channel.
#[actix_web::test]
async fn the_demo_shows_a_mailing_sent_by_sms_with_its_outcomes() {
    let app = TestApp::spawn().await;
    let service = app.token("service").await;
    let list: Value = app.get(&service, "/api/v1/mailings").await.json().await.unwrap();
    let works = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"] == "Плановое отключение электроэнергии")
        .unwrap_or_else(|| panic!("the demo's SMS mailing: {list}"));
    assert_eq!(works["status"], "sent");
    assert_eq!(works["channels"], json!(["sms", "in_app"]));
    let counts = &works["counts"];
    let (sent, failed) = (counts["sent"].as_u64().unwrap(), counts["failed"].as_u64().unwrap());
    assert!(sent > 100 && failed > 0 && failed * 20 < sent, "most texts went, a few were refused: {works}");
    assert_eq!(counts["queued"], 0, "{works}");
    let id = works["id"].as_str().unwrap();
    let deliveries: Value =
        app.get(&service, &format!("/api/v1/mailings/{id}/deliveries?limit=500")).await.json().await.unwrap();
    let refused = deliveries
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["status"] == "failed")
        .unwrap_or_else(|| panic!("a refused text among the first 500: {deliveries}"));
    assert_eq!(refused["channel"], "sms");
    assert!(refused["reason"].as_str().unwrap().contains("207"), "{refused}");
    let card = client_card(&app, &service, refused["client_id"].as_str().unwrap()).await;
    let mailings = card["mailings"].as_array().unwrap_or_else(|| panic!("the card lists mailings: {card}"));
    assert!(
        mailings.iter().any(|m| m["mailing_title"] == "Плановое отключение электроэнергии" && m["channel"] == "sms"),
        "{card}"
    );
}

/// Simple formatting: the letter carries the words twice, plain (marks
/// dropped, list items as «•») and HTML (bold, a list, a link, everything
/// typed escaped); the cabinet's notice has the same HTML.
#[actix_web::test]
async fn a_formatted_mailing_arrives_as_html_and_as_plain_text() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let app = mail_app(&smtp, false).await.unwrap();
    let service = app.token("service").await;
    let section = ivanovs_section(&app, &service).await;
    let body = "**Важно:** собрание <b>во дворе</b>.\n- паспорт\n- квитанция\n\nПодробнее: https://uk.example/news/7.";
    let created = create(
        &app,
        &service,
        &json!({ "title": "Собрание", "body": body, "kind": "news", "channels": ["email", "in_app"],
                 "audience": { "section_ids": [section] } }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    send(&app, &service, &id).await;
    let letters = smtp.wait_for(usize::try_from(created["reached"]["email"].as_u64().unwrap()).unwrap()).await;
    let ivanov = letters.iter().find(|l| recipient(l) == "ivanov@mail.demo").expect("Иванов's letter");
    assert!(header(ivanov, "Content-Type").starts_with("multipart/alternative"), "{ivanov}");
    let plain = String::from_utf8(part_body(ivanov, "Content-Type: text/plain")).unwrap().replace("\r\n", "\n");
    assert!(
        plain.starts_with(
            "Важно: собрание <b>во дворе</b>.\n• паспорт\n• квитанция\n\nПодробнее: https://uk.example/news/7.\n\n-- \n"
        ),
        "{plain}"
    );
    let html = String::from_utf8(part_body(ivanov, "Content-Type: text/html")).unwrap();
    assert!(
        html.contains(
            "<p><strong>Важно:</strong> собрание &lt;b&gt;во дворе&lt;/b&gt;.</p><ul><li>паспорт</li><li>квитанция</li></ul>"
        ),
        "{html}"
    );
    assert!(html.contains("<a href=\"https://uk.example/news/7\">https://uk.example/news/7</a>."), "{html}");
    assert!(html.contains("/unsubscribe/"), "the footer's link: {html}");
    let resident = app.token("+79001000001").await;
    let notices: Value = app.get(&resident, "/api/v1/notices").await.json().await.unwrap();
    assert_eq!(notices[0]["text"], body, "{notices}");
    assert!(notices[0]["html"].as_str().unwrap().starts_with("<p><strong>Важно:</strong>"), "{notices}");
}
