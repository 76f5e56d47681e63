//! Passes and the guard desk over HTTP and the WebSocket, with the demo's
//! people: a resident's pass is found by its plate in Latin letters, two
//! marks make one visit (409 with it), the desk and the host hear of the
//! arrival live, a guard never gets the host's phone, residents read and
//! cancel only their own passes, staff of another building get nothing.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, building_id, error_code};

const WAIT: Duration = Duration::from_secs(5);

async fn passes_work_end_to_end(app: TestApp) {
    let admin = app.token("admin").await;
    let tower = building_id(&app, &admin, "ЖК «Северная звезда»").await;
    let resident = app.token("+79001000001").await;
    let neighbour = app.token("+79001000002").await;
    let guard = app.token("guard").await;
    let technician = app.token("technician").await;
    let concierge_elsewhere = app.token("concierge").await;

    // The desk and the host follow live before anything happens.
    let mut desk = WsClient::connect(&app, &guard).await;
    desk.follow(&format!("building:{tower}"), None).await;
    let me: Value = app.get(&resident, "/api/v1/me").await.json().await.unwrap();
    let mut host = WsClient::connect(&app, &resident).await;
    host.follow(&format!("user:{}", me["user"]["id"].as_str().unwrap()), None).await;
    let mut tech = WsClient::connect(&app, &technician).await;
    tech.follow(&format!("building:{tower}"), None).await;

    // The resident has one flat: no unit to choose.
    let body = json!({"kind": "vehicle", "visitor_name": "Сергеев Олег", "plate": "а 777 мр 799",
                      "vehicle": "Шкода, серая", "visitor_phone": "+7 916 555-44-33"});
    let response = app.post(&resident, "/api/v1/passes", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let issued: Value = response.json().await.unwrap();
    let id = issued["id"].as_str().unwrap().to_owned();
    assert_eq!(issued["building_id"], tower.as_str());
    assert_eq!(issued["status"], "active");
    assert_eq!(issued["plate"], "А777МР 799");
    assert!(issued["link"].as_str().unwrap().starts_with("/p/"));
    desk.expect_event("pass.created", WAIT).await;

    // The link opens the pass without sign-in; a made-up one does not.
    let shared = crate::helpers::client().get(app.url(issued["link"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(shared.status(), StatusCode::OK);
    assert!(shared.text().await.unwrap().contains(issued["pin"].as_str().unwrap()));
    let made_up = crate::helpers::client().get(app.url("/p/not-a-real-link")).send().await.unwrap();
    assert_eq!(made_up.status(), StatusCode::NOT_FOUND);

    // The guard types the plate in Latin letters without the region.
    let found: Value =
        app.get(&guard, &format!("/api/v1/passes/check?building_id={tower}&q=A777MP")).await.json().await.unwrap();
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(items[0]["valid"], true);
    assert_eq!(items[0]["unit_label"], "кв. 45");
    assert_eq!(items[0]["host_name"], "Иванов Иван Иванович");
    let text = found.to_string();
    assert!(!text.contains("79001000001") && !text.contains("79165554433"), "no phones for a guard: {text}");

    // Staff of another building, and a neighbour, get nothing.
    let elsewhere = app.get(&concierge_elsewhere, &format!("/api/v1/passes/check?building_id={tower}&q=A777MP")).await;
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    let theirs = app.get(&neighbour, &format!("/api/v1/passes/{id}")).await;
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
    let cancel = app.post(&neighbour, &format!("/api/v1/passes/{id}/cancel"), &json!({})).await;
    assert_eq!(cancel.status(), StatusCode::FORBIDDEN);
    let mine: Value = app.get(&neighbour, "/api/v1/passes").await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 0);

    // The arrival: 201, then 409 with the visit for the second mark.
    let first = app.post(&guard, &format!("/api/v1/passes/{id}/arrival"), &json!({})).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let visit: Value = first.json().await.unwrap();
    let again = app.post(&guard, &format!("/api/v1/passes/{id}/arrival"), &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"]["code"], "already_on_site");
    assert_eq!(body["visit"]["id"], visit["visit"]["id"]);

    let arrived = desk.expect_event("visit.arrived", WAIT).await;
    assert_eq!(arrived["data"]["visitor_name"], "Сергеев Олег");
    assert!(arrived["data"].get("visitor_phone").is_none());
    host.expect_event("visit.arrived", WAIT).await;
    // The host's cabinet says so, and keeps saying so after a reload.
    let cabinet = app.browser();
    app.browser_login(&cabinet, "+79001000001", domovoy::demo::DEMO_PASSWORD).await;
    let page = cabinet.get(app.url("/passes")).send().await.unwrap().text().await.unwrap();
    let guests = &page[page.find("data-testid=\"my-guests\"").expect("the guests' list")..];
    assert!(guests.contains("Ваш гость пришёл") && guests.contains("Сергеев Олег"), "{guests}");
    let neighbours = app.browser();
    app.browser_login(&neighbours, "+79001000002", domovoy::demo::DEMO_PASSWORD).await;
    let theirs = neighbours.get(app.url("/passes")).send().await.unwrap().text().await.unwrap();
    assert!(!theirs.contains("Сергеев Олег"), "another resident's guest is not listed");
    // A technician follows the building's board, not its visitors.
    let seen = tech.drain(Duration::from_millis(500)).await;
    assert!(seen.iter().all(|m| !m["kind"].as_str().unwrap_or_default().starts_with("visit.")), "{seen:?}");

    let on_site: Value =
        app.get(&guard, &format!("/api/v1/visits?building_id={tower}&on_site=true")).await.json().await.unwrap();
    let here: Vec<&Value> =
        on_site["items"].as_array().unwrap().iter().filter(|v| v["pass_id"] == id.as_str()).collect();
    assert_eq!(here.len(), 1, "{on_site}");

    // On site: the host cannot cancel; after the departure they can.
    let refused = app.post(&resident, &format!("/api/v1/passes/{id}/cancel"), &json!({})).await;
    assert_eq!(error_code(refused).await, "pass_on_site");
    let left = app.post(&guard, &format!("/api/v1/passes/{id}/departure"), &json!({})).await;
    assert_eq!(left.status(), StatusCode::OK);
    desk.expect_event("visit.departed", WAIT).await;
    let cancelled = app.post(&resident, &format!("/api/v1/passes/{id}/cancel"), &json!({})).await;
    assert_eq!(cancelled.status(), StatusCode::OK);

    // A visitor without a pass: the desk asks, the host answers.
    let request = json!({"building_id": tower, "unit": "кв. 45", "visitor_name": "Зайцев Кирилл"});
    let response = app.post(&guard, "/api/v1/passes/requests", &request).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let asked: Value = response.json().await.unwrap();
    assert_eq!(asked["status"], "requested");
    assert_eq!(asked["unit_label"], "кв. 45");
    let asked_id = asked["id"].as_str().unwrap();
    host.expect_event("pass.created", WAIT).await;
    let arrival = app.post(&guard, &format!("/api/v1/passes/{asked_id}/arrival"), &json!({})).await;
    assert_eq!(error_code(arrival).await, "pass_not_valid", "not before the host agrees");
    for (who, expected) in
        [(&guard, StatusCode::FORBIDDEN), (&neighbour, StatusCode::FORBIDDEN), (&resident, StatusCode::OK)]
    {
        let answer = app.post(who, &format!("/api/v1/passes/{asked_id}/approve"), &json!({})).await;
        assert_eq!(answer.status(), expected);
    }
    let again = app.post(&resident, &format!("/api/v1/passes/{asked_id}/deny"), &json!({})).await;
    assert_eq!(error_code(again).await, "pass_finished");
    let unknown = json!({"building_id": tower, "unit": "9999", "visitor_name": "Кто-то"});
    let response = app.post(&guard, "/api/v1/passes/requests", &unknown).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Names are found by the beginnings of their words in any order, an
    // initial included; usable passes before finished ones.
    let mut named = Vec::new();
    for name in ["Сидорова Анна Петровна", "Анна Сидоренко"] {
        let response = app.post(&resident, "/api/v1/passes", &json!({"kind": "guest", "visitor_name": name})).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        named.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let names = async |q: &str| -> Vec<String> {
        let found: Value = app
            .get(&guard, &format!("/api/v1/passes/check?building_id={tower}&q={}", q.replace(' ', "%20")))
            .await
            .json()
            .await
            .unwrap();
        found["items"].as_array().unwrap().iter().map(|p| p["visitor_name"].as_str().unwrap().to_owned()).collect()
    };
    let mut both = names("анна сид").await;
    both.sort();
    assert_eq!(both, ["Анна Сидоренко", "Сидорова Анна Петровна"]);
    assert_eq!(names("А. Сидорова").await, ["Сидорова Анна Петровна"]);
    assert_eq!(names("сидоренко анна").await, ["Анна Сидоренко"]);
    assert!(names("Анна Сидоров Иван").await.is_empty(), "every word must match");
    let cancelled = app.post(&resident, &format!("/api/v1/passes/{}/cancel", named[0]), &json!({})).await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert_eq!(names("анна сид").await, ["Анна Сидоренко", "Сидорова Анна Петровна"], "the cancelled one last");

    // A resident cannot issue for someone else's building or unit.
    let other = building_id(&app, &admin, "БЦ «Гранит»").await;
    let foreign =
        json!({"building_id": other, "unit_id": "0192a7c4-0000-7000-8000-000000000000", "visitor_name": "Гость"});
    let response = app.post(&resident, "/api/v1/passes", &foreign).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn passes_work_end_to_end_on_sqlite() {
    passes_work_end_to_end(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn passes_work_end_to_end_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    passes_work_end_to_end(app).await;
}

/// A ticket assigned to an outside company's worker brings them a
/// contractor pass the guard finds by name; a new assignee or the ticket
/// done cancels it. The concierge's page issues a pass on a resident's
/// behalf by the flat's number and hands over its PIN, link and QR code,
/// and a manager keeps the blocklist there.
async fn contractors_and_the_office(app: TestApp) {
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let guard = app.token("guard").await;
    let tower = building_id(&app, &admin, "ЖК «Северная звезда»").await;
    let technician_id = app.user_id(&admin, "technician").await;
    let plumber_id = app.user_id(&admin, "plumber").await;

    let team = json!({"name": "Лифтовики", "company": "ООО «Лифтсервис»", "members": [technician_id]});
    let response = app.post(&admin, "/api/v1/teams", &team).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let teams: Value = app.get(&admin, "/api/v1/teams").await.json().await.unwrap();
    assert!(teams.as_array().unwrap().iter().any(|t| t["company"] == "ООО «Лифтсервис»"), "{teams}");

    let body = json!({"building_id": tower, "description": "Лифт застревает между 5 и 6 этажами", "source": "phone"});
    let ticket: Value = app.post(&dispatcher, "/api/v1/tickets", &body).await.json().await.unwrap();
    let id = ticket["id"].as_str().unwrap().to_owned();
    let assign = async |user: &str| {
        let response =
            app.put(&dispatcher, &format!("/api/v1/tickets/{id}/assignee"), &json!({ "assignee_id": user })).await;
        assert_eq!(response.status(), StatusCode::OK);
    };
    let contractor_passes = async || -> Vec<Value> {
        let found: Value =
            app.get(&guard, &format!("/api/v1/passes/check?building_id={tower}&q=Петров")).await.json().await.unwrap();
        found["items"].as_array().unwrap().iter().filter(|p| p["kind"] == "contractor").cloned().collect()
    };
    assert!(contractor_passes().await.is_empty(), "nothing before the assignment");

    assign(&technician_id).await;
    let passes = contractor_passes().await;
    assert_eq!(passes.len(), 1, "{passes:?}");
    assert_eq!(passes[0]["valid"], true);
    assert_eq!(passes[0]["visitor_name"], "Петров Сергей Николаевич");
    assert_eq!(passes[0]["company"], "ООО «Лифтсервис»");
    assert_eq!(passes[0]["ticket_id"], id.as_str());
    // Assigned again to the same worker (another change): still one pass.
    let accepted =
        app.post(&dispatcher, &format!("/api/v1/tickets/{id}/transitions"), &json!({"to": "accepted"})).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(contractor_passes().await.iter().filter(|p| p["valid"] == true).count(), 1);

    // The company's own plumber takes it over: the contractor's pass ends.
    assign(&plumber_id).await;
    let passes = contractor_passes().await;
    assert!(passes.iter().all(|p| p["valid"] == false && p["status"] == "cancelled"), "{passes:?}");

    // Back to the contractor, then done: a new pass, then none valid.
    assign(&technician_id).await;
    assert_eq!(contractor_passes().await.iter().filter(|p| p["valid"] == true).count(), 1);
    let technician = app.token("technician").await;
    for to in ["in_progress", "done"] {
        let moved = app.post(&technician, &format!("/api/v1/tickets/{id}/transitions"), &json!({"to": to})).await;
        assert_eq!(moved.status(), StatusCode::OK, "{to}");
    }
    let passes = contractor_passes().await;
    assert_eq!(passes.len(), 2, "{passes:?}");
    assert!(passes.iter().all(|p| p["valid"] == false), "{passes:?}");

    // The office page: a pass on a resident's behalf by the flat's number.
    let browser = app.browser();
    app.browser_login(&browser, "admin", domovoy::demo::DEMO_PASSWORD).await;
    let page = browser.get(app.url(&format!("/guard/passes?building={tower}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("Пропуска объекта") && page.contains("Стоп-лист"), "{page:.300}");
    let csrf = crate::helpers::hidden_value(&page, "csrf_token");
    let form = [
        ("csrf_token", csrf.as_str()),
        ("building_id", tower.as_str()),
        ("unit", "кв. 45"),
        ("kind", "delivery"),
        ("visitor_name", "Курьер Самоката"),
    ];
    let issued = browser.post(app.url("/guard/passes")).form(&form).send().await.unwrap();
    assert_eq!(issued.status(), StatusCode::CREATED);
    let issued = issued.text().await.unwrap();
    assert!(issued.contains("data-testid=\"office-qr\"") && issued.contains("<svg role=\"img\" class=\"qr\""));
    let link = issued.split("href=\"").find(|s| s.contains("/p/")).and_then(|s| s.split('"').next()).unwrap();
    assert!(link.starts_with("http://127.0.0.1:"), "an absolute link to forward: {link}");
    let pin = issued.split("data-testid=\"office-pin\">").nth(1).and_then(|s| s.split('<').next()).unwrap();
    let found: Value =
        app.get(&guard, &format!("/api/v1/passes/check?building_id={tower}&q={pin}")).await.json().await.unwrap();
    let item = &found["items"][0];
    assert_eq!(item["visitor_name"], "Курьер Самоката", "{found}");
    assert_eq!(item["unit_label"], "кв. 45");
    assert_eq!(item["host_name"], "Иванов Иван Иванович", "the flat's resident hosts");
    // The scanned QR code (the link typed by a scanner) finds it too.
    let scanned: Value = crate::helpers::client()
        .get(app.url("/api/v1/passes/check"))
        .query(&[("building_id", tower.as_str()), ("q", link)])
        .bearer_auth(&guard)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(scanned["items"][0]["visitor_name"], "Курьер Самоката", "{scanned}");
    // A flat that is not there: the form says so and nothing is issued.
    let unknown = [
        ("csrf_token", csrf.as_str()),
        ("building_id", tower.as_str()),
        ("unit", "9999"),
        ("kind", "guest"),
        ("visitor_name", "Никто"),
    ];
    let refused = browser.post(app.url("/guard/passes")).form(&unknown).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let none: Value =
        app.get(&guard, &format!("/api/v1/passes/check?building_id={tower}&q=Никто")).await.json().await.unwrap();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);

    // The blocklist: added with a plate, matched at the desk, removed.
    let block = [
        ("csrf_token", csrf.as_str()),
        ("building_id", tower.as_str()),
        ("name", "Хулиганов Пётр"),
        ("plates", "х 001 хх 77"),
        ("reason", "Повредил шлагбаум"),
    ];
    let added = browser.post(app.url("/guard/blocklist")).form(&block).send().await.unwrap();
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let list: Value = app.get(&guard, &format!("/api/v1/blocklist?building_id={tower}")).await.json().await.unwrap();
    let entry =
        list.as_array().unwrap().iter().find(|b| b["name"] == "Хулиганов Пётр").unwrap_or_else(|| panic!("{list}"));
    assert_eq!(entry["building_id"], tower.as_str());
    let entry_id = entry["id"].as_str().unwrap();
    let guard_browser = app.browser();
    app.browser_login(&guard_browser, "guard", domovoy::demo::DEMO_PASSWORD).await;
    let guard_page = guard_browser.get(app.url("/guard/passes")).send().await.unwrap().text().await.unwrap();
    assert!(guard_page.contains("Хулиганов Пётр"), "the guard sees the blocklist");
    assert!(!guard_page.contains("/guard/blocklist/"), "but may not change it");
    assert!(!guard_page.contains("office-issue-form"), "nor issue passes");
    let guard_csrf = crate::helpers::hidden_value(&guard_page, "csrf_token");
    let remove = [("csrf_token", guard_csrf.as_str()), ("building", tower.as_str())];
    let refused =
        guard_browser.post(app.url(&format!("/guard/blocklist/{entry_id}/remove"))).form(&remove).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let remove = [("csrf_token", csrf.as_str()), ("building", tower.as_str())];
    let removed =
        browser.post(app.url(&format!("/guard/blocklist/{entry_id}/remove"))).form(&remove).send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let list: Value = app.get(&guard, &format!("/api/v1/blocklist?building_id={tower}")).await.json().await.unwrap();
    assert!(list.as_array().unwrap().iter().all(|b| b["name"] != "Хулиганов Пётр"));
}

#[actix_web::test]
async fn contractors_and_the_office_on_sqlite() {
    contractors_and_the_office(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn contractors_and_the_office_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    contractors_and_the_office(app).await;
}

/// Reads one AMI message (up to its blank line) from `socket`.
async fn read_ami_message(socket: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt as _;
    let mut received = Vec::new();
    let mut buf = [0u8; 512];
    while !received.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(WAIT, socket.read(&mut buf)).await.expect("the AMI peer hears something").unwrap();
        assert!(n > 0, "the AMI client hung up");
        received.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(received).unwrap()
}

/// The desk rings a pass's host through the PBX (a scripted AMI peer): the
/// desk's phone first, then the host's number, which never reaches the
/// desk; the call is audited; a desk without an extension is told so; staff
/// without `passes.check` in the building cannot ring.
async fn the_desk_rings_the_host(app: TestApp, pbx: tokio::net::TcpListener) {
    use tokio::io::AsyncWriteExt as _;
    let (mut ami, _) = tokio::time::timeout(WAIT, pbx.accept()).await.expect("the AMI client connects").unwrap();
    ami.write_all(b"Asterisk Call Manager/7.0.3\r\n").await.unwrap();
    let login = read_ami_message(&mut ami).await;
    assert!(login.contains("Action: Login"), "{login}");
    ami.write_all(b"Response: Success\r\nActionID: domovoy-login\r\nMessage: Authentication accepted\r\n\r\n")
        .await
        .unwrap();

    let admin = app.token("admin").await;
    let guard = app.token("guard").await;
    let technician = app.token("technician").await;
    let resident = app.token("+79001000001").await;
    let tower = building_id(&app, &admin, "ЖК «Северная звезда»").await;
    let issued: Value = app
        .post(&resident, "/api/v1/passes", &json!({"kind": "guest", "visitor_name": "Лебедев Артём Ильич"}))
        .await
        .json()
        .await
        .unwrap();
    let id = issued["id"].as_str().unwrap().to_owned();
    let ring = format!("/api/v1/passes/{id}/call-host");

    // The desk has no extension yet; a technician may not ring at all.
    assert_eq!(error_code(app.post(&guard, &ring, &json!({})).await).await, "no_extension");
    assert_eq!(app.post(&technician, &ring, &json!({})).await.status(), StatusCode::FORBIDDEN);

    let guard_id: domovoy_domain::ids::UserId = app.user_id(&admin, "guard").await.parse().unwrap();
    app.store()
        .write(move |tx| {
            Box::pin(async move {
                let target = domovoy_store::calls::RouteTarget::User { id: guard_id, name: "Пост".to_owned() };
                domovoy_store::calls::set_route(tx, "extension", "102", &target).await
            })
        })
        .await
        .unwrap();

    // The client may still be reading the login's answer: a moment later
    // it is connected.
    let mut rang = app.post(&guard, &ring, &json!({})).await;
    for _ in 0..50 {
        if rang.status() != StatusCode::UNPROCESSABLE_ENTITY {
            break;
        }
        assert_eq!(error_code(rang).await, "dialer_unavailable");
        tokio::time::sleep(Duration::from_millis(100)).await;
        rang = app.post(&guard, &ring, &json!({})).await;
    }
    assert_eq!(rang.status(), StatusCode::NO_CONTENT);
    assert!(rang.text().await.unwrap().is_empty(), "nothing about the number comes back");
    let action = read_ami_message(&mut ami).await;
    for line in ["Action: Originate", "Channel: PJSIP/102", "Exten: 89001000001"] {
        assert!(action.contains(line), "{line} in {action}");
    }

    // The desk's page offers the call and never prints the number; its
    // button rings the same way.
    let browser = app.browser();
    app.browser_login(&browser, "guard", domovoy::demo::DEMO_PASSWORD).await;
    let desk = browser
        .get(app.url(&format!("/guard?building={tower}&q=%D0%9B%D0%B5%D0%B1%D0%B5%D0%B4%D0%B5%D0%B2")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(desk.contains("data-testid=\"call-host\""), "the call button is on the match");
    assert!(!desk.contains("9001000001") && !desk.contains("900 100-00-01"), "no host number on the desk");
    let csrf = crate::helpers::hidden_value(&desk, "csrf_token");
    let back = browser
        .post(app.url(&format!("/guard/passes/{id}/call-host")))
        .form(&[("csrf_token", csrf.as_str()), ("q", "Лебедев")])
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert!(back.headers()["location"].to_str().unwrap().contains("done=host_called"));
    assert!(read_ami_message(&mut ami).await.contains("Exten: 89001000001"));

    let audit: Value = app.get(&admin, "/api/v1/audit?action=pass.host_called").await.json().await.unwrap();
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{audit}");
    assert!(entries.iter().all(|e| e["actor_login"] == "guard"));
}

fn with_ami(listener: &tokio::net::TcpListener) -> impl FnOnce(&mut domovoy::settings::Settings) + use<> {
    let address = listener.local_addr().unwrap().to_string();
    move |settings| {
        settings.telephony.ami = Some(domovoy::settings::AmiSettings {
            address,
            username: "domovoy".to_owned(),
            secret: domovoy::settings::Secret::new("s3cret".to_owned()),
            inbound_contexts: vec!["from-trunk".to_owned()],
            originate_channel: None,
            originate_context: None,
        });
    }
}

#[actix_web::test]
async fn the_desk_rings_the_host_on_sqlite() {
    let pbx = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = TestApp::spawn_configured(with_ami(&pbx)).await;
    the_desk_rings_the_host(app, pbx).await;
}

#[actix_web::test]
async fn the_desk_rings_the_host_on_postgres() {
    let pbx = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let Some(app) = TestApp::spawn_postgres_configured(with_ami(&pbx)).await else { return };
    the_desk_rings_the_host(app, pbx).await;
}
