//! The staff app's sync over HTTP with the demo's people: a technician's
//! phone registers, pulls its queue, sends numbered offline changes; a
//! batch sent again changes nothing and is answered as the first time; a
//! gap is refused with the number to send from; a ticket cancelled while the
//! phone was offline answers `conflict` with the ticket as it is; a ticket
//! outside the technician's buildings is refused and left untouched; the
//! dispatcher's board hears the applied changes live.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, WsClient, building_id, client, error_code};

const WAIT: Duration = Duration::from_secs(5);
const NORTH_STAR: &str = "ЖК «Северная звезда»";
const PINE_WOOD: &str = "Квартал «Сосновый бор»";

async fn ticket_in(app: &TestApp, token: &str, building: &str, description: &str) -> String {
    let body = json!({"building_id": building, "description": description, "source": "phone"});
    let response = app.post(token, "/api/v1/tickets", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn assign(app: &TestApp, token: &str, ticket: &str, user: &str) {
    let response = app.put(token, &format!("/api/v1/tickets/{ticket}/assignee"), &json!({"assignee_id": user})).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
}

fn change(seq: i64, body: Value) -> Value {
    let mut change = body;
    change["seq"] = json!(seq);
    change["id"] = json!(Uuid::now_v7());
    change
}

async fn sync(
    app: &TestApp,
    token: &str,
    device: &str,
    cursor: Option<&str>,
    mutations: &[Value],
) -> (StatusCode, Value) {
    let body = json!({"device_id": device, "cursor": cursor, "mutations": mutations});
    let response = app.post(token, "/api/v1/sync", &body).await;
    (response.status(), response.json().await.unwrap())
}

fn statuses(answer: &Value) -> Vec<&str> {
    answer["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect()
}

async fn the_staff_app_syncs_exactly_once(app: TestApp) {
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let tower = building_id(&app, &admin, NORTH_STAR).await;
    let pines = building_id(&app, &admin, PINE_WOOD).await;
    let technician_id = app.user_id(&admin, "technician").await;

    // The phone signs in once with a device token and registers (sync only).
    let login = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": "technician", "password": "demo", "kind": "device", "device_name": "Телефон Петрова"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let phone = login.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let registered = app.post(&phone, "/api/v1/devices", &json!({"platform": "none", "app_version": "1.0"})).await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let device = registered.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let listed: Value = app.get(&phone, "/api/v1/devices").await.json().await.unwrap();
    assert_eq!(listed[0]["id"], device.as_str());
    assert_eq!(listed[0]["current"], true);
    assert_eq!(listed[0]["push"], false);

    // Two tickets in the technician's queue, one in a building not theirs.
    let leak = ticket_in(&app, &dispatcher, &tower, "Течёт стояк в подвале, секция 2").await;
    let door = ticket_in(&app, &dispatcher, &tower, "Не закрывается дверь в подъезд 3").await;
    let elsewhere = ticket_in(&app, &admin, &pines, "Скрипит калитка во дворе").await;
    assign(&app, &dispatcher, &leak, &technician_id).await;
    assign(&app, &dispatcher, &door, &technician_id).await;

    // The first sync brings the whole queue and the categories.
    let (status, first) = sync(&app, &phone, &device, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["changes"]["full"], true);
    let queue: Vec<&str> = first["changes"]["queue"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(queue.contains(&leak.as_str()) && queue.contains(&door.as_str()), "{queue:?}");
    assert!(!queue.contains(&elsewhere.as_str()));
    let shown = first["changes"]["tickets"].as_array().unwrap().iter().find(|t| t["id"] == leak.as_str()).unwrap();
    assert_eq!(shown["building_name"], NORTH_STAR);
    assert!(shown["moves"].as_array().unwrap().contains(&json!("in_progress")), "{shown}");
    assert_eq!(shown["can_set_off"], true, "«Выезжаю» is offered: {shown}");
    assert!(shown["en_route_at"].is_null());
    assert!(!first["changes"]["categories"].as_array().unwrap().is_empty());
    let cursor = first["cursor"].as_str().unwrap().to_owned();

    // The dispatcher's board follows the tower.
    let mut board = WsClient::connect(&app, &dispatcher).await;
    board.follow(&format!("building:{tower}"), None).await;

    // Offline: start the work, comment, wait for parts.
    let batch = [
        change(1, json!({"kind": "ticket.transition", "ticket_id": leak, "to": "in_progress"})),
        change(2, json!({"kind": "ticket.comment", "ticket_id": leak, "text": "Перекрыл стояк, нужна муфта 32 мм"})),
        change(
            3,
            json!({"kind": "ticket.transition", "ticket_id": leak, "to": "on_hold", "hold_reason": "waiting_parts"}),
        ),
    ];
    let (status, applied) = sync(&app, &phone, &device, Some(&cursor), &batch).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(statuses(&applied), ["applied", "applied", "applied"], "{applied}");
    assert!(applied["results"][1]["comment_id"].is_string());
    let on_board = board.expect_event("ticket.updated", WAIT).await;
    assert_eq!(on_board["data"]["id"], leak.as_str());
    let ticket: Value = app.get(&dispatcher, &format!("/api/v1/tickets/{leak}")).await.json().await.unwrap();
    assert_eq!(ticket["status"], "on_hold");
    let version = ticket["version"].clone();

    // The answer was lost: the phone sends the same batch again. Nothing
    // changes, and every change is answered as the first time.
    let (status, again) = sync(&app, &phone, &device, Some(&cursor), &batch).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(statuses(&again), ["duplicate", "duplicate", "duplicate"]);
    assert_eq!(again["results"][1]["was"], "applied");
    assert_eq!(again["results"][1]["comment_id"], applied["results"][1]["comment_id"]);
    let ticket: Value = app.get(&dispatcher, &format!("/api/v1/tickets/{leak}")).await.json().await.unwrap();
    assert_eq!(ticket["version"], version);
    let page: Value = app.get(&dispatcher, &format!("/api/v1/tickets/{leak}/timeline")).await.json().await.unwrap();
    let comments = page["comments"].as_array().unwrap();
    assert_eq!(comments.iter().filter(|c| c["body"].as_str().unwrap().contains("муфта")).count(), 1, "{page}");

    // A number reused for another change is refused, not applied.
    let reused = change(2, json!({"kind": "ticket.comment", "ticket_id": leak, "text": "Другой текст"}));
    let (_, answer) = sync(&app, &phone, &device, None, &[reused]).await;
    assert_eq!(statuses(&answer), ["rejected"]);
    assert_eq!(answer["results"][0]["error"]["field_codes"]["seq"], "taken");

    // A change missing before the batch: refused whole, with where to resume.
    let (status, gap) = sync(
        &app,
        &phone,
        &device,
        None,
        &[change(5, json!({"kind": "ticket.comment", "ticket_id": leak, "text": "x"}))],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(gap["error"]["code"], "sync_gap");
    assert_eq!(gap["error"]["expected_seq"], 4);

    // While the phone was offline the ticket was cancelled.
    let cancelled = app
        .post(&admin, &format!("/api/v1/tickets/{door}/transitions"), &json!({"to": "cancelled", "reason": "Дубль"}))
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let batch = [
        change(4, json!({"kind": "ticket.transition", "ticket_id": door, "to": "in_progress"})),
        change(5, json!({"kind": "ticket.comment", "ticket_id": elsewhere, "text": "Смазал петли"})),
        change(6, json!({"kind": "ticket.teleport", "ticket_id": leak})),
        change(7, json!({"kind": "ticket.comment", "ticket_id": door, "text": "Дверь уже починили жильцы"})),
    ];
    let (status, mixed) = sync(&app, &phone, &device, Some(&cursor), &batch).await;
    assert_eq!(status, StatusCode::OK, "{mixed}");
    assert_eq!(statuses(&mixed), ["conflict", "rejected", "rejected", "applied"], "{mixed}");
    assert_eq!(mixed["results"][0]["current"]["status"], "cancelled");
    assert!(mixed["results"][0]["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(mixed["results"][1]["error"]["code"], "forbidden");
    assert_eq!(mixed["results"][2]["error"]["field_codes"]["kind"], "unknown");
    // The ticket elsewhere was not touched.
    let untouched: Value =
        app.get(&admin, &format!("/api/v1/tickets/{elsewhere}/timeline")).await.json().await.unwrap();
    assert!(untouched["comments"].as_array().unwrap().is_empty(), "{untouched}");

    // The delta since the first cursor: the leak changed, the door left.
    let (_, delta) = sync(&app, &phone, &device, Some(&cursor), &[]).await;
    assert_eq!(delta["changes"]["full"], false);
    assert!(delta["changes"].get("categories").is_none());
    let queue = delta["changes"]["queue"].as_array().unwrap();
    assert!(queue.contains(&json!(leak)) && !queue.contains(&json!(door)), "{queue:?}");
    assert!(delta["changes"]["tickets"].as_array().unwrap().iter().any(|t| t["id"] == leak.as_str()));
    assert!(
        delta["changes"]["comments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["body"] == "Перекрыл стояк, нужна муфта 32 мм")
    );

    // Nobody else can use the device; removed, it syncs no more.
    let (status, _) = sync(&app, &dispatcher, &device, None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let removed =
        client().delete(app.url(&format!("/api/v1/devices/{device}"))).bearer_auth(&phone).send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let response = app.post(&phone, "/api/v1/sync", &json!({"device_id": device})).await;
    assert_eq!(error_code(response).await, "not_found");
}

#[actix_web::test]
async fn the_staff_app_syncs_exactly_once_on_sqlite() {
    the_staff_app_syncs_exactly_once(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn the_staff_app_syncs_exactly_once_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    the_staff_app_syncs_exactly_once(app).await;
}

/// A technician's phone with a device token, registered for sync only.
async fn phone_of(app: &TestApp, login: &str) -> (String, String) {
    let signed_in = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": login, "password": "demo", "kind": "device", "device_name": "Телефон"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    let token = signed_in.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let registered = app.post(&token, "/api/v1/devices", &json!({"platform": "none", "app_version": "1.0"})).await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let device = registered.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    (token, device)
}

/// Sends a piece of a photo from `offset`.
async fn piece(app: &TestApp, token: &str, photo: &str, offset: usize, bytes: &[u8]) -> (StatusCode, Value) {
    let response = client()
        .put(app.url(&format!("/api/v1/photos/{photo}?offset={offset}")))
        .bearer_auth(token)
        .header("Content-Type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([u8::try_from(x % 256).unwrap(), u8::try_from(y % 256).unwrap(), 90])
    });
    let mut bytes = Vec::new();
    picture.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Jpeg).unwrap();
    bytes
}

async fn photos_go_up_in_pieces_exactly_once(app: TestApp) {
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let tower = building_id(&app, &admin, NORTH_STAR).await;
    let technician_id = app.user_id(&admin, "technician").await;
    let leak = ticket_in(&app, &dispatcher, &tower, "Течёт кран на кухне, кв. 12").await;
    assign(&app, &dispatcher, &leak, &technician_id).await;
    let (phone, device) = phone_of(&app, "technician").await;
    let photo = jpeg(800, 600);
    let (before, after, nonsense) = (Uuid::now_v7().to_string(), Uuid::now_v7().to_string(), Uuid::now_v7());

    // Bytes before the announcement are not taken.
    let (status, answer) = piece(&app, &phone, &before, 0, &photo).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");

    // Offline: a photo before the work, the start, a photo after; one
    // announcement that does not read (no size) is refused on its own.
    let announce = |seq, id: &str, stage: &str| {
        change(
            seq,
            json!({"kind": "ticket.photo", "ticket_id": leak, "photo_id": id, "stage": stage, "size": photo.len()}),
        )
    };
    let batch = [
        announce(1, &before, "before"),
        change(2, json!({"kind": "ticket.transition", "ticket_id": leak, "to": "in_progress"})),
        announce(3, &after, "after"),
        change(4, json!({"kind": "ticket.photo", "ticket_id": leak, "photo_id": nonsense, "stage": "during"})),
    ];
    let (status, applied) = sync(&app, &phone, &device, None, &batch).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(statuses(&applied), ["applied", "applied", "applied", "rejected"], "{applied}");
    assert_eq!(applied["results"][0]["photo_id"], before.as_str());
    let fields = &applied["results"][3]["error"]["field_codes"];
    assert_eq!(fields["stage"], "unknown", "{applied}");
    assert_eq!(fields["size"], "required", "{applied}");

    // The photo goes up in three pieces; the second breaks off and is
    // sent again from where the server says it stopped.
    let third = photo.len() / 3;
    let (status, first) = piece(&app, &phone, &before, 0, &photo[..third]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["received"], third);
    assert_eq!(first["complete"], false);
    let (status, skipped) = piece(&app, &phone, &before, 2 * third, &photo[2 * third..]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{skipped}");
    assert_eq!(skipped["error"]["code"], "upload_offset");
    assert_eq!(skipped["error"]["received"], third);
    // Another person cannot send its bytes.
    let (status, _) = piece(&app, &dispatcher, &before, third, &photo[third..]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, second) = piece(&app, &phone, &before, third, &photo[third..2 * third]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{second}");
    let (status, done) = piece(&app, &phone, &before, 2 * third, &photo[2 * third..]).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["complete"], true);
    assert_eq!(done["attachment"]["id"], before.as_str());
    assert_eq!(done["attachment"]["stage"], "before");
    // The last piece sent again (its answer was lost): the same answer.
    let (status, again) = piece(&app, &phone, &before, 2 * third, &photo[2 * third..]).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["attachment"], done["attachment"]);
    // More bytes than announced are refused and change nothing.
    let mut longer = photo.clone();
    longer.extend_from_slice(b"trailing");
    let (status, answer) = piece(&app, &phone, &after, 0, &longer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    // Not a photo: refused, and nothing is kept (the phone says so).
    let mut text = b"%PDF-1.7 not a photo".to_vec();
    text.resize(photo.len(), b' ');
    let (status, answer) = piece(&app, &phone, &after, 0, &text).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    let (status, whole) = piece(&app, &phone, &after, 0, &photo).await;
    assert_eq!(status, StatusCode::OK, "{whole}");

    // One attachment per photo, with its stage, a thumbnail and a history
    // entry each; the next sync lists them on the ticket.
    let timeline: Value = app.get(&dispatcher, &format!("/api/v1/tickets/{leak}/timeline")).await.json().await.unwrap();
    let files = timeline["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files.iter().map(|f| f["stage"].as_str().unwrap()).collect::<Vec<_>>(), ["before", "after"]);
    assert!(files.iter().all(|f| f["has_thumbnail"] == true && f["size_bytes"] == photo.len()));
    let thumbnail = client()
        .get(app.url(&format!("/api/v1/attachments/{before}?thumbnail=1")))
        .bearer_auth(&dispatcher)
        .send()
        .await
        .unwrap();
    assert_eq!(thumbnail.status(), StatusCode::OK);
    let (_, synced) = sync(&app, &phone, &device, None, &[]).await;
    let shown = synced["changes"]["tickets"].as_array().unwrap().iter().find(|t| t["id"] == leak.as_str()).unwrap();
    assert_eq!(shown["can_attach"], true);
    let listed: Vec<&str> = shown["photos"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [before.as_str(), after.as_str()]);
    // The dispatcher's ticket page labels them.
    let browser = app.browser();
    app.browser_login(&browser, "dispatcher", "demo").await;
    let page = browser.get(app.url(&format!("/tickets/{leak}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Фото до работ") && page.contains("Фото после работ"), "the ticket page labels the photos");

    // A batch sent again changes nothing: still two photos.
    let (_, replayed) = sync(&app, &phone, &device, None, &batch).await;
    assert_eq!(statuses(&replayed), ["duplicate", "duplicate", "duplicate", "duplicate"]);
    let timeline: Value = app.get(&dispatcher, &format!("/api/v1/tickets/{leak}/timeline")).await.json().await.unwrap();
    assert_eq!(timeline["attachments"].as_array().unwrap().len(), 2);
    let photos = timeline["history"].as_array().unwrap().iter().filter(|h| h["kind"] == "attachment").count();
    assert_eq!(photos, 2, "one history entry per photo");
    let dir = app.data_dir.join("files").join("tmp");
    let left: Vec<_> =
        std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "no pieces left behind: {left:?}");
}

#[actix_web::test]
async fn photos_go_up_in_pieces_exactly_once_on_sqlite() {
    photos_go_up_in_pieces_exactly_once(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn photos_go_up_in_pieces_exactly_once_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    photos_go_up_in_pieces_exactly_once(app).await;
}

fn png_signature() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(600, 240, |x, y| {
        if (i64::from(y) - 120 - i64::from(x) / 10).abs() < 3 { image::Rgb([16, 32, 74]) } else { image::Rgb([255; 3]) }
    });
    let mut bytes = Vec::new();
    picture.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

async fn a_checklist_and_a_signature_come_before_done(app: TestApp) {
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let tower = building_id(&app, &admin, NORTH_STAR).await;
    let technician_id = app.user_id(&admin, "technician").await;

    // The demo asks three items and a signature for gas; the company sets
    // a checklist for plumbing; a repeated item is refused; a dispatcher
    // may read the checklists but not change them.
    let listed: Value = app.get(&dispatcher, "/api/v1/checklists").await.json().await.unwrap();
    let gas = listed.as_array().unwrap().iter().find(|c| c["category"] == "Газ").unwrap().clone();
    assert_eq!(gas["items"].as_array().unwrap().len(), 3, "{gas}");
    assert_eq!(gas["signature"], true);
    let plumbing = listed.as_array().unwrap().iter().find(|c| c["items"].as_array().unwrap().is_empty()).unwrap();
    let path = format!("/api/v1/checklists/{}", plumbing["category_id"].as_str().unwrap());
    let set = app.put(&admin, &path, &json!({"items": ["Перекрыта вода\nНет протечек"], "signature": false})).await;
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(set.json::<Value>().await.unwrap()["items"], json!(["Перекрыта вода", "Нет протечек"]));
    let twice = app.put(&admin, &path, &json!({"items": ["Вода", "вода"]})).await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.put(&dispatcher, &path, &json!({"items": []})).await.status(), StatusCode::FORBIDDEN);

    let body = json!({"building_id": tower, "description": "Запах газа на кухне, кв. 40", "source": "phone", "category": "gas"});
    let leak = app.post(&dispatcher, "/api/v1/tickets", &body).await.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assign(&app, &dispatcher, &leak, &technician_id).await;
    let (phone, device) = phone_of(&app, "technician").await;
    let (_, first) = sync(&app, &phone, &device, None, &[]).await;
    let shown = first["changes"]["tickets"].as_array().unwrap().iter().find(|t| t["id"] == leak.as_str()).unwrap();
    let items: Vec<String> = shown["checklist"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(items.len(), 3, "{shown}");
    assert_eq!(shown["checklist"]["signature_required"], true);
    assert_eq!(shown["checklist"]["signed"], false);

    // Done too early is refused (and says why); each tick applies once.
    let signature = png_signature();
    let signature_id = Uuid::now_v7().to_string();
    let tick = |seq, item: &str| {
        change(seq, json!({"kind": "ticket.check", "ticket_id": leak, "item": item, "checked": true}))
    };
    let done = |seq| change(seq, json!({"kind": "ticket.transition", "ticket_id": leak, "to": "done"}));
    let batch = [
        change(1, json!({"kind": "ticket.transition", "ticket_id": leak, "to": "in_progress"})),
        done(2),
        tick(3, &items[0]),
        tick(4, &items[1]),
        tick(5, "Пункт, которого нет"),
        tick(6, &items[2]),
        done(7),
        change(
            8,
            json!({"kind": "ticket.photo", "ticket_id": leak, "photo_id": Uuid::now_v7(), "stage": "signature", "size": 10}),
        ),
        change(
            9,
            json!({"kind": "ticket.photo", "ticket_id": leak, "photo_id": signature_id, "stage": "signature",
            "caption": "Фёдорова А. М.", "size": signature.len()}),
        ),
        done(10),
        tick(11, &items[0]),
    ];
    let (status, answer) = sync(&app, &phone, &device, None, &batch).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        statuses(&answer),
        [
            "applied", "rejected", "applied", "applied", "rejected", "applied", "rejected", "rejected", "applied",
            "applied", "rejected"
        ],
        "{answer}"
    );
    let code = |i: usize| answer["results"][i]["error"]["code"].as_str().unwrap_or_default().to_owned();
    assert_eq!(code(1), "checklist_incomplete");
    assert!(answer["results"][1]["error"]["message"].as_str().unwrap().contains("чек-листа"));
    assert_eq!(answer["results"][4]["error"]["field_codes"]["item"], "unknown");
    assert_eq!(code(6), "signature_missing");
    assert_eq!(answer["results"][7]["error"]["field_codes"]["caption"], "required", "a signature names its signer");
    assert_eq!(code(10), "ticket_finished", "nothing to tick once done");

    // The signature's bytes come after done (a phone back in signal).
    let (status, signed) = piece(&app, &phone, &signature_id, 0, &signature).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["attachment"]["stage"], "signature");
    assert_eq!(signed["attachment"]["caption"], "Фёдорова А. М.");
    let ticket: Value = app.get(&dispatcher, &format!("/api/v1/tickets/{leak}")).await.json().await.unwrap();
    assert_eq!(ticket["status"], "done");

    // The office sees the checklist ticked and the signature on the page.
    let browser = app.browser();
    app.browser_login(&browser, "dispatcher", "demo").await;
    let page = browser.get(app.url(&format!("/tickets/{leak}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Чек-лист") && page.contains("Подпись жильца: получена"), "the page shows the checklist");
    assert_eq!(page.matches('☑').count(), 4, "three items and the signature are ticked");

    // The API ticks too, for whoever may move the ticket; a resident may not.
    let body =
        json!({"building_id": tower, "description": "Не работает плита, кв. 41", "source": "phone", "category": "gas"});
    let stove = app.post(&dispatcher, "/api/v1/tickets", &body).await.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let checks = format!("/api/v1/tickets/{stove}/checks");
    let ticked = app.put(&dispatcher, &checks, &json!({"item": items[0], "checked": true})).await;
    assert_eq!(ticked.status(), StatusCode::OK);
    let list = ticked.json::<Value>().await.unwrap();
    assert_eq!(list["items"][0]["checked"], true, "{list}");
    let unticked: Value =
        app.put(&dispatcher, &checks, &json!({"item": items[0], "checked": false})).await.json().await.unwrap();
    assert_eq!(unticked["items"][0]["checked"], false);
    let resident = app.token("+79001000001").await;
    let refused = app.put(&resident, &checks, &json!({"item": items[0], "checked": true})).await;
    assert!(matches!(refused.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", refused.status());
}

#[actix_web::test]
async fn a_checklist_and_a_signature_come_before_done_on_sqlite() {
    a_checklist_and_a_signature_come_before_done(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn a_checklist_and_a_signature_come_before_done_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    a_checklist_and_a_signature_come_before_done(app).await;
}

async fn what_is_pushed_stays_in_the_list(app: TestApp) {
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let tower = building_id(&app, &admin, NORTH_STAR).await;
    let technician_id = app.user_id(&admin, "technician").await;
    let (phone, device) = phone_of(&app, "technician").await;
    let before: Value = app.get(&phone, "/api/v1/notifications").await.json().await.unwrap();
    let unread_before = before["unread"].as_i64().unwrap();

    // Work given to the technician, then taken away: two notifications,
    // also with no phone that receives pushes.
    let ticket = ticket_in(&app, &dispatcher, &tower, "Не горит свет на лестнице, 5 этаж").await;
    assign(&app, &dispatcher, &ticket, &technician_id).await;
    let number =
        app.get(&dispatcher, &format!("/api/v1/tickets/{ticket}")).await.json::<Value>().await.unwrap()["number"]
            .as_str()
            .unwrap()
            .to_owned();
    let unassigned =
        app.put(&dispatcher, &format!("/api/v1/tickets/{ticket}/assignee"), &json!({"assignee_id": null})).await;
    assert_eq!(unassigned.status(), StatusCode::OK);
    let list: Value = app.get(&phone, "/api/v1/notifications?limit=5").await.json().await.unwrap();
    let kinds: Vec<&str> =
        list["items"].as_array().unwrap().iter().take(2).map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ticket.unassigned", "ticket.assigned"], "newest first: {list}");
    assert_eq!(list["items"][0]["number"], number.as_str());
    assert_eq!(list["items"][0]["ticket_id"], ticket.as_str());
    assert_eq!(list["items"][0]["read"], false);
    assert_eq!(list["unread"].as_i64().unwrap(), unread_before + 2);

    // The sync carries them; reading up to the older one leaves the newer.
    let (_, synced) = sync(&app, &phone, &device, None, &[]).await;
    assert_eq!(synced["changes"]["notifications"][0]["id"], list["items"][0]["id"]);
    assert_eq!(synced["changes"]["unread"], list["unread"]);
    let older = list["items"][1]["id"].as_str().unwrap();
    let read: Value =
        app.post(&phone, "/api/v1/notifications/read", &json!({"up_to": older})).await.json().await.unwrap();
    assert_eq!(read["unread"], 1, "the newer one stays unread");
    let newest = list["items"][0]["id"].as_str().unwrap();
    let read: Value =
        app.post(&phone, "/api/v1/notifications/read", &json!({"up_to": newest})).await.json().await.unwrap();
    assert_eq!(read["unread"], 0);
    // Nobody else sees them.
    let theirs: Value = app.get(&dispatcher, "/api/v1/notifications").await.json().await.unwrap();
    assert!(theirs["items"].as_array().unwrap().iter().all(|n| n["ticket_id"] != ticket.as_str()));

    // A guard's phone (no tickets to read) syncs with an empty queue.
    let (guard, guard_device) = phone_of(&app, "guard").await;
    let (status, synced) = sync(&app, &guard, &guard_device, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    assert_eq!(synced["changes"]["queue"], json!([]));
}

#[actix_web::test]
async fn what_is_pushed_stays_in_the_list_on_sqlite() {
    what_is_pushed_stays_in_the_list(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn what_is_pushed_stays_in_the_list_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    what_is_pushed_stays_in_the_list(app).await;
}

#[actix_web::test]
async fn a_push_subscription_is_checked_before_it_is_kept() {
    let app = TestApp::spawn().await;
    let technician = app.token("technician").await;
    let p256dh = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
    let subscription = |endpoint: &str, auth: &str| json!({"platform": "webpush", "subscription": {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}});
    // Plain http is refused unless `push.allow_http_endpoints` is set.
    let refused = app
        .post(&technician, "/api/v1/devices", &subscription("http://127.0.0.1:9/push", "tBHItJI5svbpez7KI4CCXg"))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["field_codes"]["subscription.endpoint"], "invalid_format");
    let short_key = app.post(&technician, "/api/v1/devices", &subscription("https://push.example/abc", "tBHI")).await;
    let error: Value = short_key.json().await.unwrap();
    assert_eq!(error["error"]["field_codes"]["subscription.keys.auth"], "invalid_format");
    let unknown = app.post(&technician, "/api/v1/devices", &json!({"platform": "pager"})).await;
    assert_eq!(error_code(unknown).await, "validation_failed");

    // The same browser subscribing again keeps one device, not two.
    let good = subscription("https://push.example/abc", "tBHItJI5svbpez7KI4CCXg");
    assert_eq!(app.post(&technician, "/api/v1/devices", &good).await.status(), StatusCode::CREATED);
    assert_eq!(app.post(&technician, "/api/v1/devices", &good).await.status(), StatusCode::CREATED);
    let listed: Value = app.get(&technician, "/api/v1/devices").await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["push"], true);

    let allowed = TestApp::spawn_configured(|s| s.push.allow_http_endpoints = true).await;
    let technician = allowed.token("technician").await;
    let local = subscription("http://127.0.0.1:9/push", "tBHItJI5svbpez7KI4CCXg");
    assert_eq!(allowed.post(&technician, "/api/v1/devices", &local).await.status(), StatusCode::CREATED);
}

/// A phone's whole batch against a real server SIGKILLed while it applies
/// it, then the same batch again after the restart: every change is stored
/// once and in order, those applied before the kill answer `duplicate`.
async fn a_batch_survives_a_kill(test_db: domovoy_store::testing::TestDb) {
    use crate::nodes::Node;

    domovoy::demo::seed(&test_db.db).await.unwrap();
    let scratch = std::env::temp_dir().join(format!("domovoy-sync-kill-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&scratch).unwrap();
    let dir = test_db.dir().map_or_else(|| scratch.clone(), ToOwned::to_owned);
    let env = [("DOMOVOY_DATABASE_URL", test_db.url.clone())];
    let mut node = Node::start(&dir, &env).await;
    let phone = node.token("technician").await;
    let call = |port: u16, path: &str| format!("http://127.0.0.1:{port}{path}");
    let buildings = node.get_json(&phone, "/api/v1/buildings").await;
    let tower = buildings.as_array().unwrap().iter().find(|b| b["name"] == NORTH_STAR).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"building_id": tower, "description": "Проверка стояков по всему дому", "source": "staff"});
    let dispatcher = node.token("dispatcher").await;
    let created: Value = client()
        .post(call(node.port, "/api/v1/tickets"))
        .bearer_auth(&dispatcher)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = created["id"].as_str().unwrap().to_owned();
    let device: Value = client()
        .post(call(node.port, "/api/v1/devices"))
        .bearer_auth(&phone)
        .json(&json!({"platform": "none"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device = device["id"].as_str().unwrap().to_owned();
    let batch: Vec<Value> = (1..=200)
        .map(|seq| {
            change(
                seq,
                json!({"kind": "ticket.comment", "ticket_id": ticket, "text": format!("Стояк №{seq} проверен")}),
            )
        })
        .collect();
    let request = json!({"device_id": device, "mutations": batch});

    // The batch goes; the node dies once a few changes are in.
    let sending = {
        let (url, phone, request) = (call(node.port, "/api/v1/sync"), phone.clone(), request.clone());
        tokio::spawn(async move { client().post(url).bearer_auth(phone).json(&request).send().await })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let devices: Value = client()
            .get(call(node.port, "/api/v1/devices"))
            .bearer_auth(&phone)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if devices[0]["applied_seq"].as_i64().unwrap() >= 3 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the batch started");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    node.kill();
    assert!(sending.await.unwrap().is_err(), "the answer was lost with the node");

    // After the restart the phone sends the same batch again.
    let node = Node::start(&dir, &env).await;
    let phone = node.token("technician").await;
    let answer: Value = client()
        .post(call(node.port, "/api/v1/sync"))
        .bearer_auth(&phone)
        .json(&request)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses = statuses(&answer);
    let before = statuses.iter().take_while(|s| **s == "duplicate").count();
    assert!((3..200).contains(&before), "the kill came midway: {before} applied before it");
    assert!(statuses[before..].iter().all(|s| *s == "applied"), "{statuses:?}");
    let timeline: Value = client()
        .get(call(node.port, &format!("/api/v1/tickets/{ticket}/timeline")))
        .bearer_auth(&phone)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: Vec<&str> =
        timeline["comments"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    let expected: Vec<String> = (1..=200).map(|seq| format!("Стояк №{seq} проверен")).collect();
    assert_eq!(stored, expected, "every change once, in order");
    let _ = std::fs::remove_dir_all(scratch);
}

#[actix_web::test]
async fn a_batch_survives_a_kill_exactly_once_on_sqlite() {
    a_batch_survives_a_kill(domovoy_store::testing::TestDb::sqlite().await).await;
}

#[actix_web::test]
async fn a_batch_survives_a_kill_exactly_once_on_postgres() {
    let Some(db) = domovoy_store::testing::TestDb::postgres().await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    a_batch_survives_a_kill(db).await;
}

#[actix_web::test]
async fn the_staff_app_is_served_from_the_binary_with_its_version() {
    let app = TestApp::spawn().await;
    let shell = client().get(app.url("/m/")).send().await.unwrap();
    assert_eq!(shell.status(), StatusCode::OK);
    assert!(shell.headers()["cache-control"].to_str().unwrap().contains("no-cache"));
    assert!(shell.text().await.unwrap().contains(r#"<link rel="manifest" href="/m/manifest.webmanifest">"#));
    let worker = client().get(app.url("/m/sw.js")).send().await.unwrap();
    assert_eq!(worker.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(worker.headers()["service-worker-allowed"], "/m/");
    let tag = worker.headers()["etag"].to_str().unwrap().to_owned();
    let text = worker.text().await.unwrap();
    assert!(!text.contains("__VERSION__") && text.contains(&tag.trim_matches('"').to_owned()), "{tag}");
    let again = client().get(app.url("/m/sw.js")).header("If-None-Match", &tag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let manifest = client().get(app.url("/m/manifest.webmanifest")).send().await.unwrap();
    assert_eq!(manifest.headers()["content-type"], "application/manifest+json");
    let manifest: Value = manifest.json().await.unwrap();
    assert_eq!(manifest["start_url"], "/m/");
    assert_eq!(manifest["lang"], "ru");
    assert_eq!(client().get(app.url("/m/missing.js")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let redirect = bare.get(app.url("/m")).send().await.unwrap();
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers()["location"], "/m/");
}
