//! Outages end to end, with a real SMTP server (aiosmtpd): a dispatcher
//! registers a hot-water outage for one section of the tower; its
//! residents get the emergency notice by e-mail (consents aside, no
//! unsubscribe line) and in the cabinet, push notices go to those with the
//! app; the section's open ticket is linked, and so is one filed while the
//! outage lasts; the banner lists it; a call from a resident of the section
//! shows it on the pop-up; closing it tells the same people; a second close
//! is refused; a ticket filed after the close is not linked.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, building_id, client, error_code};
use crate::mailings::ivanovs_section;
use crate::places::unit;
use crate::smtp::{SmtpServer, header, mail_app};

const TOWER: &str = "ЖК «Северная звезда»";

async fn ticket_for_unit(app: &TestApp, token: &str, building: &str, unit: &str, key: &str) -> String {
    let created = client()
        .post(app.url("/api/v1/tickets"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"building_id": building, "unit_id": unit, "description": "Нет горячей воды в ванной",
                      "source": "phone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text().await.unwrap());
    created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn outage(app: &TestApp, token: &str, id: &str) -> Value {
    let got = app.get(token, &format!("/api/v1/outages/{id}")).await;
    assert_eq!(got.status(), StatusCode::OK);
    got.json().await.unwrap()
}

async fn outages_notify_link_and_warn(app: &TestApp, smtp: &SmtpServer) {
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let tower = building_id(app, &dispatcher, TOWER).await;
    let section = ivanovs_section(app, &dispatcher).await;
    let flat45 = unit(app, &dispatcher, &tower, "45").await["id"].as_str().unwrap().to_owned();
    let before = ticket_for_unit(app, &dispatcher, &tower, &flat45, "outage-before").await;

    // Refusals: without `outages.manage`, a resident, wrong fields (all at
    // once), a section that does not exist.
    let body = json!({"kind": "hot_water", "section_ids": [section], "details": "Авария на вводе",
                      "starts_at": "2026-12-10T09:00", "ends_at": "2026-12-10T18:00"});
    for login in ["technician", "service", "+79001000001"] {
        let token = app.token(login).await;
        assert_eq!(app.post(&token, "/api/v1/outages", &body).await.status(), StatusCode::FORBIDDEN, "{login}");
    }
    let wrong = app
        .post(
            &dispatcher,
            "/api/v1/outages",
            &json!({"kind": "flood", "section_ids": [section], "starts_at": "2026-12-10T18:00", "ends_at": "2026-12-10T09:00"}),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong: Value = wrong.json().await.unwrap();
    assert_eq!(wrong["error"]["field_codes"]["kind"], "unknown", "{wrong}");
    assert_eq!(wrong["error"]["field_codes"]["ends_at"], "not_allowed", "{wrong}");
    let nowhere = json!({"kind": "gas", "section_ids": ["0190a5c6-0000-7000-8000-000000000000"],
                         "starts_at": "2026-12-10T09:00", "ends_at": "2026-12-10T18:00"});
    assert_eq!(app.post(&dispatcher, "/api/v1/outages", &nowhere).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let none: Value = app.get(&dispatcher, "/api/v1/outages").await.json().await.unwrap();
    assert_eq!(none, json!([]), "a refused registration leaves nothing");
    let drafts: Value = app.get(&admin, "/api/v1/mailings").await.json().await.unwrap();
    assert!(
        drafts.as_array().unwrap().iter().all(|m| m["kind"] != "emergency" || m["status"] == "sent"),
        "no notice is left half-made: {drafts}"
    );

    // Registered: the notice in the dispatcher's language from the kind,
    // the times and the details.
    let opened = app.post(&dispatcher, "/api/v1/outages", &body).await;
    assert_eq!(opened.status(), StatusCode::CREATED, "{}", opened.text().await.unwrap());
    let opened: Value = opened.json().await.unwrap();
    let id = opened["id"].as_str().unwrap().to_owned();
    assert_eq!(opened["building_names"], json!([TOWER]));
    assert!(opened["units"].as_i64().unwrap() > 10, "the section's units: {opened}");
    assert_eq!(opened["tickets_linked"], 1, "the open ticket of flat 45: {opened}");
    let people = opened["notice"]["audience_size"].as_u64().unwrap();
    let by_email = opened["notice"]["reached"]["email"].as_u64().unwrap_or(0);
    assert!(by_email > 0 && opened["notice"]["in_app"].as_u64().unwrap() == people, "{opened}");
    assert_eq!(
        opened["notice"]["excluded"].get("no_consent"),
        None,
        "an emergency notice overrides consents: {opened}"
    );

    let letters = smtp.wait_for(by_email as usize).await;
    assert_eq!(letters.len(), by_email as usize, "each with an address once");
    assert!(letters.iter().all(|l| header(l, "Subject") == "Отключение горячей воды"));
    let first = &letters[0];
    assert_eq!(header(first, "Subject"), "Отключение горячей воды");
    assert!(!first.contains("List-Unsubscribe"), "no unsubscribe in an emergency");

    let view = outage(app, &dispatcher, &id).await;
    assert_eq!(view["ticket_ids"], json!([before]));
    assert_eq!(view["notice_title"], "Отключение горячей воды");
    let text = view["notice_body"].as_str().unwrap();
    assert!(
        text.contains("С 10.12 09:00 до 10.12 18:00 (ориентировочно) — отключение горячей воды.")
            && text.contains("Авария на вводе."),
        "{text}"
    );

    // The resident of flat 45 reads it in the cabinet and got a push.
    let resident = app.token("+79001000001").await;
    let notices: Value = app.get(&resident, "/api/v1/notices").await.json().await.unwrap();
    assert_eq!(notices[0]["subject"], "Отключение горячей воды", "{notices}");
    let browser = app.browser();
    app.browser_login(&browser, "+79001000001", domovoy::demo::DEMO_PASSWORD).await;
    let home = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Отключение в вашем доме"), "the push notice is on the start page");

    // The banner's list: staff who read tickets or receive calls see it;
    // residents do not.
    for login in ["dispatcher", "technician", "manager"] {
        let token = app.token(login).await;
        let open: Value = app.get(&token, "/api/v1/outages?open=true").await.json().await.unwrap();
        assert_eq!(open[0]["id"], id.as_str(), "{login}: {open}");
    }
    assert_eq!(app.get(&resident, "/api/v1/outages").await.status(), StatusCode::FORBIDDEN);

    // A ticket filed for the section while it lasts is linked.
    let during = ticket_for_unit(app, &dispatcher, &tower, &flat45, "outage-during").await;
    assert_eq!(outage(app, &dispatcher, &id).await["ticket_ids"], json!([during, before]), "the newest first");

    // A call from Иванов: the pop-up warns of the outage.
    let pbx: Value = app.post(&admin, "/api/v1/integrations/pbx", &json!({"name": "АТС"})).await.json().await.unwrap();
    let url = pbx["url"].as_str().unwrap();
    let ring = [("event", "newCall"), ("from", "89001000001"), ("to", "100"), ("direction", "in"), ("callId", "o-1")];
    assert_eq!(client().post(app.url(url)).form(&ring).send().await.unwrap().status(), StatusCode::OK);
    let calls: Value = app.get(&dispatcher, "/api/v1/calls?state=ringing").await.json().await.unwrap();
    let call = calls["items"][0]["id"].as_str().unwrap().to_owned();
    let card: Value = app.get(&dispatcher, &format!("/api/v1/calls/{call}/card")).await.json().await.unwrap();
    let warned = &card["callers"][0]["outages"];
    assert_eq!(warned[0]["id"], id.as_str(), "{card}");
    assert_eq!(warned[0]["ends_at"], "2026-12-10T18:00");

    // Closed: the same people are told; once only.
    let service = app.token("service").await;
    let refused = app.post(&service, &format!("/api/v1/outages/{id}/close"), &json!({})).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "the office sees outages but may not close them");
    let closed = app.post(&dispatcher, &format!("/api/v1/outages/{id}/close"), &json!({})).await;
    assert_eq!(closed.status(), StatusCode::OK, "{}", closed.text().await.unwrap());
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(closed["audience_size"].as_u64().unwrap(), people, "the same people");
    let letters = smtp.wait_for(2 * by_email as usize).await;
    let closing = letters.iter().filter(|l| header(l, "Subject") == "Отключение горячей воды завершено").count();
    assert_eq!(closing, by_email as usize, "each with an address told once");
    let again = app.post(&dispatcher, &format!("/api/v1/outages/{id}/close"), &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "outage_closed");
    let open: Value = app.get(&dispatcher, "/api/v1/outages?open=true").await.json().await.unwrap();
    assert_eq!(open, json!([]));
    let view = outage(app, &dispatcher, &id).await;
    assert!(view["closed_at"].is_string() && view["closing_notice_counts"]["sent"].as_u64().is_some(), "{view}");

    // After the close a new ticket of the flat is its own.
    ticket_for_unit(app, &dispatcher, &tower, &flat45, "outage-after").await;
    assert_eq!(outage(app, &dispatcher, &id).await["ticket_ids"], json!([during, before]));

    // The pages: the list, the detail with its tickets.
    let browser = app.browser();
    app.browser_login(&browser, "dispatcher", domovoy::demo::DEMO_PASSWORD).await;
    let page = browser.get(app.url(&format!("/outages/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Авария: Горячая вода") && page.contains("Закрыта"), "the detail page");
    let list = browser.get(app.url("/outages")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Сейчас аварий нет.") && list.contains("Зарегистрировать аварию"), "the list page");
}

#[actix_web::test]
async fn outages_notify_link_and_warn_on_sqlite() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let app = mail_app(&smtp, false).await.unwrap();
    outages_notify_link_and_warn(&app, &smtp).await;
}

#[actix_web::test]
async fn outages_notify_link_and_warn_on_postgres() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let Some(app) = mail_app(&smtp, true).await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    outages_notify_link_and_warn(&app, &smtp).await;
}
