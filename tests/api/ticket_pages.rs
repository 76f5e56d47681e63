//! The ticket pages, fetched and posted as a browser would.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use domovoy::demo::DEMO_PASSWORD;

use crate::helpers::{TestApp, building_id, hidden_value};

async fn signed_in(app: &TestApp, login: &str) -> Client {
    let browser = app.browser();
    let response = app.browser_login(&browser, login, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{login} signs in");
    browser
}

async fn page(browser: &Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = browser.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[actix_web::test]
async fn the_quick_form_files_one_ticket_however_often_it_is_sent() {
    let app = TestApp::spawn().await;
    let browser = signed_in(&app, "dispatcher").await;
    let (status, form) = page(&browser, &app, "/tickets/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("Новая заявка") && form.contains("Что случилось") && form.contains("Сантехника и водоснабжение")
    );
    let csrf = hidden_value(&form, "csrf_token");
    let key = hidden_value(&form, "idempotency_key");
    let token = app.token("dispatcher").await;
    let building = building_id(&app, &token, "ЖК «Северная звезда»").await;
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("source", "phone"),
        ("building_id", building.as_str()),
        ("location", "кв. 12"),
        ("description", "Не закрывается дверь подъезда"),
        ("category", ""),
        ("problem", ""),
        ("place", ""),
        ("priority", "normal"),
        ("contact_name", ""),
        ("contact_phone", ""),
    ];
    let first = browser.post(app.url("/tickets")).form(&fields).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/tickets/") && location.ends_with("?done=ticket_created"), "{location}");
    // The same form sent again (a double click, a resend): the same ticket.
    let again = browser.post(app.url("/tickets")).form(&fields).send().await.unwrap();
    assert_eq!(again.headers()["location"].to_str().unwrap(), location);
    let list: Value = app.get(&token, "/api/v1/tickets?q=закрывается").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let (status, card) = page(&browser, &app, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(card.contains("Заявка создана"));
    assert!(card.contains("Не закрывается дверь подъезда") && card.contains("кв. 12"));
    assert!(card.contains("Принять"), "the dispatcher may accept it");

    // A form without a description is shown again with the message.
    let mut missing = fields;
    missing[5] = ("description", "");
    missing[1] = ("idempotency_key", "01a2177a-0000-7000-8000-000000000000");
    let refused = browser.post(app.url("/tickets")).form(&missing).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("Обязательное поле"));
}

#[actix_web::test]
async fn the_board_lists_open_tickets_in_both_views_and_exports_them() {
    let app = TestApp::spawn().await;
    let token = app.token("dispatcher").await;
    let building = building_id(&app, &token, "БЦ «Гранит»").await;
    for (text, priority) in [("Протечка в серверной", "emergency"), ("Скрипит дверь", "normal")]
    {
        let body = json!({ "building_id": building, "description": text, "source": "phone", "priority": priority });
        assert_eq!(app.post(&token, "/api/v1/tickets", &body).await.status(), StatusCode::CREATED);
    }
    let browser = signed_in(&app, "dispatcher").await;
    let (status, board) = page(&browser, &app, "/tickets").await;
    assert_eq!(status, StatusCode::OK);
    let emergency = board.find("Протечка в серверной").unwrap();
    let normal = board.find("Скрипит дверь").unwrap();
    assert!(emergency < normal, "the emergency comes first");
    assert!(board.contains("Открытые <b>2</b>"));
    assert!(board.contains("data-topics=\"building:"), "the board follows its buildings live");

    let (status, kanban) = page(&browser, &app, "/tickets?view=kanban").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kanban.contains("data-column=\"in_progress\"") && kanban.contains("Скрипит дверь"));

    let export = browser.get(app.url("/tickets/export?status=open")).send().await.unwrap();
    assert_eq!(export.status(), StatusCode::OK);
    let bytes = export.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("№;Создана;Объект;"), "{text}");
    assert_eq!(text.lines().count(), 3);

    // A hand-edited URL shows the board with a message, not an error page.
    let (status, bad) = page(&browser, &app, "/tickets?status=lost").await;
    assert_eq!(status, StatusCode::OK);
    assert!(bad.contains("Неизвестное значение"));

    // A saved filter comes back as a link.
    let csrf = hidden_value(&board, "csrf_token");
    let saved = browser
        .post(app.url("/tickets/filters"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Срочные аварийные"),
            ("query", "status=open&priority=emergency"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, board) = page(&browser, &app, "/tickets").await;
    let saved = board.find("Срочные аварийные").map(|i| &board[i.saturating_sub(120)..i]).unwrap_or_default();
    assert!(saved.contains("/tickets?status=open&#38;priority=emergency"), "the saved filter is listed: {saved}");
}

#[actix_web::test]
async fn a_stale_form_on_the_ticket_page_says_someone_was_faster() {
    let app = TestApp::spawn().await;
    let token = app.token("dispatcher").await;
    let building = building_id(&app, &token, "БЦ «Гранит»").await;
    let body = json!({ "building_id": building, "description": "Не работает кондиционер", "source": "phone" });
    let ticket: Value = app.post(&token, "/api/v1/tickets", &body).await.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap();
    let browser = signed_in(&app, "dispatcher").await;
    let (_, card) = page(&browser, &app, &format!("/tickets/{id}")).await;
    let csrf = hidden_value(&card, "csrf_token");
    // Someone else accepts it meanwhile.
    let accepted = app.post(&token, &format!("/api/v1/tickets/{id}/transitions"), &json!({ "to": "accepted" })).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let late = browser
        .post(app.url(&format!("/tickets/{id}/status")))
        .form(&[("csrf_token", csrf.as_str()), ("to", "on_hold"), ("hold_reason", "waiting_parts"), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let html = late.text().await.unwrap();
    assert!(html.contains("изменил кто-то другой"));
    assert!(html.contains("Принята"), "the page shows the ticket as it is now");
    let now: Value = app.get(&token, &format!("/api/v1/tickets/{id}")).await.json().await.unwrap();
    assert_eq!(now["status"], "accepted");
}

#[actix_web::test]
async fn a_resident_sees_only_their_requests_and_rates_finished_work() {
    let app = TestApp::spawn().await;
    let resident = app.token("+79001000003").await;
    let token = app.token("dispatcher").await;
    let building = building_id(&app, &token, "Квартал «Сосновый бор»").await;
    let body = json!({ "building_id": building, "description": "Не горит фонарь у дома 3", "source": "web_cabinet" });
    let ticket: Value = app.post(&resident, "/api/v1/tickets", &body).await.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap();
    let browser = signed_in(&app, "+79001000003").await;
    let (status, mine) = page(&browser, &app, "/tickets").await;
    assert_eq!(status, StatusCode::OK);
    assert!(mine.contains("Мои заявки") && mine.contains("Не горит фонарь у дома 3"));
    assert!(!mine.contains("Канбан") && !mine.contains("Скачать CSV"));

    let admin = app.token("admin").await;
    let technician_id = app.user_id(&admin, "technician").await;
    let assign =
        app.put(&admin, &format!("/api/v1/tickets/{id}/assignee"), &json!({ "assignee_id": technician_id })).await;
    // The demo technician works in the tower and Granite, not here.
    assert_eq!(assign.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let plumber = app.token("plumber").await;
    let plumber_id = app.user_id(&admin, "plumber").await;
    let assigned =
        app.put(&admin, &format!("/api/v1/tickets/{id}/assignee"), &json!({ "assignee_id": plumber_id })).await;
    assert_eq!(assigned.status(), StatusCode::OK);
    for to in ["in_progress", "done"] {
        let moved = app.post(&plumber, &format!("/api/v1/tickets/{id}/transitions"), &json!({ "to": to })).await;
        assert_eq!(moved.status(), StatusCode::OK, "{to}");
    }
    let (_, card) = page(&browser, &app, &format!("/tickets/{id}")).await;
    assert!(card.contains("Оцените выполнение"));
    assert!(!card.contains("Внутренний"), "no internal notes for residents");
    let csrf = hidden_value(&card, "csrf_token");
    let rated = browser
        .post(app.url(&format!("/tickets/{id}/rate")))
        .form(&[("csrf_token", csrf.as_str()), ("rating", "4"), ("comment", "Быстро")])
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), StatusCode::SEE_OTHER);
    let location = rated.headers()["location"].to_str().unwrap().to_owned();
    let (_, card) = page(&browser, &app, &location).await;
    assert!(card.contains("Спасибо за оценку!") && card.contains("Закрыта"));
}

#[actix_web::test]
async fn reference_data_pages_are_for_those_who_manage_them() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, "admin").await;
    for (tab, marker) in
        [("classifier", "Засор"), ("sla", "ПП РФ № 416"), ("calendar", "Новогодние каникулы"), ("teams", "Сантехники")]
    {
        let path = if tab == "calendar" {
            "/admin/tickets?tab=calendar&year=2026".to_owned()
        } else {
            format!("/admin/tickets?tab={tab}")
        };
        let (status, html) = page(&admin, &app, &path).await;
        assert_eq!(status, StatusCode::OK, "{tab}");
        assert!(html.contains(marker), "{tab} shows {marker}");
    }
    let (_, html) = page(&admin, &app, "/admin/tickets?tab=calendar").await;
    let csrf = hidden_value(&html, "csrf_token");
    let bad = admin
        .post(app.url("/admin/tickets/calendar"))
        .form(&[("csrf_token", csrf.as_str()), ("action", "import"), ("text", "2029-02-30 holiday нет такого дня")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("Строка 1"));

    let dispatcher = signed_in(&app, "dispatcher").await;
    let (status, _) = page(&dispatcher, &app, "/admin/tickets").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, home) = page(&dispatcher, &app, "/").await;
    assert!(home.contains("href=\"/tickets\"") && !home.contains("href=\"/admin/tickets\""));
}
