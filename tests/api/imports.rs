//! Billing imports over HTTP: a messy file is reported in full and writes
//! nothing; a good one imports; the same file again changes nothing; XLSX
//! and Windows-1251 read as well as UTF-8.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, building_id, client};

const NORTH_STAR: &str = "ЖК «Северная звезда»";

async fn import(
    app: &TestApp,
    token: &str,
    kind: &str,
    building: &str,
    dry_run: bool,
    body: Vec<u8>,
) -> reqwest::Response {
    client()
        .post(app.url(&format!("/api/v1/import/{kind}?building_id={building}&dry_run={dry_run}")))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn cp1251(text: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1251.encode(text).0.into_owned()
}

async fn found(app: &TestApp, token: &str, q: &str) -> usize {
    let path = format!("/api/v1/search?q={}", domovoy_web::pages::url_encode(q));
    let body: Value = app.get(token, &path).await.json().await.unwrap();
    body["clients"].as_array().unwrap().len()
}

const GOOD: &str = "Лицевой счёт;ФИО;Подъезд;Квартира;Доля;Телефон;E-mail;Статус\n\
СЗ-77001;Гаврилова Нина Павловна;1;кв. 3;1/2;8 (912) 111-22-33;nina@example.ru;Собственник\n\
СЗ-77001;Гаврилов Олег Ильич;1;3;1/2;+7 912 111-22-34;;собственник\n\
СЗ-77002;Шубин Артём Юрьевич;2;245;;89120001111;;арендатор\n";

#[actix_web::test]
async fn a_messy_file_is_reported_in_full_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let tower = building_id(&app, &admin, NORTH_STAR).await;
    let messy = "ФИО;Квартира;Телефон;Доля\n\
Лаптев Иван Сергеевич;3;12-34;1/2\n\
Лаптев Иван Сергеевич;3;12-34;1/2\n\
;4;89121234567;\n\
Рыбин Олег Андреевич;9999;89121234568;две трети\n";
    let response = import(&app, &admin, "clients", &tower, false, cp1251(messy)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["file"]["encoding"], "windows-1251");
    assert_eq!(report["applied"], false);
    let problems: Vec<(u64, String, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
                p["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        (2, "Телефон", "bad_phone"),
        (3, "", "duplicate_row"),
        (4, "ФИО", "required"),
        (5, "Доля", "bad_share"),
        (5, "Квартира", "unknown_unit"),
    ];
    assert_eq!(problems, expected.map(|(r, c, k)| (r, c.to_owned(), k.to_owned())));
    assert!(report["problems"][0]["message"].as_str().unwrap().contains("телефон"));
    assert_eq!(found(&app, &admin, "Лаптев").await, 0, "nothing was written");

    // A file with no name column says so at once.
    let nameless = import(&app, &admin, "clients", &tower, true, "Телефон;Квартира\n89121234567;3\n".into()).await;
    let report: Value = nameless.json().await.unwrap();
    assert_eq!(report["problems"][0]["code"], "no_name_column");
}

#[actix_web::test]
async fn a_good_file_imports_once_and_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let tower = building_id(&app, &admin, NORTH_STAR).await;

    let checked: Value = import(&app, &admin, "clients", &tower, true, cp1251(GOOD)).await.json().await.unwrap();
    assert_eq!(checked["problems"], json!([]));
    assert_eq!((checked["created"].as_u64(), checked["applied"].as_bool()), (Some(3), Some(false)));
    assert_eq!(found(&app, &admin, "Гаврилова Нина").await, 0, "a check writes nothing");

    let applied: Value = import(&app, &admin, "clients", &tower, false, cp1251(GOOD)).await.json().await.unwrap();
    assert_eq!((applied["created"].as_u64(), applied["applied"].as_bool()), (Some(3), Some(true)));
    assert_eq!(found(&app, &admin, "Гаврилова Нина").await, 1);
    let again: Value = import(&app, &admin, "clients", &tower, false, cp1251(GOOD)).await.json().await.unwrap();
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(0), Some(3))
    );
    assert_eq!(found(&app, &admin, "Гаврилова Нина").await, 1, "no duplicate");

    // Flat 3 now has two owners with half each; the chessboard says so.
    let search: Value = app
        .get(&admin, "/api/v1/search?q=%D0%93%D0%B0%D0%B2%D1%80%D0%B8%D0%BB%D0%BE%D0%B2%D0%B0")
        .await
        .json()
        .await
        .unwrap();
    let id = search["clients"][0]["id"].as_str().unwrap();
    let card: Value = app.get(&admin, &format!("/api/v1/clients/{id}")).await.json().await.unwrap();
    assert_eq!(card["units"][0]["title"], "кв. 3");
    assert_eq!(card["units"][0]["share"], "1/2");
    assert_eq!(card["units"][0]["account"], "СЗ-77001");
    assert_eq!(card["phones"][0]["e164"], "+79121112233");

    // The same rows as XLSX (what a billing system exports) read the same.
    let table = domovoy_web::export::Table {
        headers: GOOD.lines().next().unwrap().split(';').map(str::to_owned).collect(),
        rows: GOOD.lines().skip(1).map(|l| l.split(';').map(str::to_owned).collect()).collect(),
    };
    let xlsx = domovoy_web::export::xlsx_bytes(&table, "Лист1").unwrap();
    let from_xlsx: Value = import(&app, &admin, "clients", &tower, true, xlsx).await.json().await.unwrap();
    assert_eq!(from_xlsx["file"]["format"], "xlsx");
    assert_eq!(from_xlsx["unchanged"], 3, "{from_xlsx}");

    // Only those who edit clients may import them.
    let guard = app.token("guard").await;
    assert_eq!(import(&app, &guard, "clients", &tower, true, cp1251(GOOD)).await.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn units_import_into_a_layout_and_update_by_label() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let created = app
        .post(
            &admin,
            "/api/v1/buildings",
            &json!({"name": "Дом на Садовой", "address": "г. Тверь, Садовая, 2", "time_zone": "Europe/Moscow"}),
        )
        .await;
    let building = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let units = "Подъезд,Этаж,Помещение,Тип помещения,Площадь,Лицевой счёт\n\
1,1,Н1,нежилое,120.5,Т-Н1\n\
1,2,1,квартира,\"54,2\",Т-1\n\
1,2,2,квартира,61,Т-2\n";
    let applied: Value = import(&app, &admin, "units", &building, false, units.into()).await.json().await.unwrap();
    assert_eq!(applied["problems"], json!([]), "{applied}");
    assert_eq!(applied["created"], 3);
    let board: Value = app.get(&admin, &format!("/api/v1/buildings/{building}/chessboard")).await.json().await.unwrap();
    assert_eq!(board["units"], 3);
    assert_eq!(board["sections"][0]["floors"][0]["number"], 2, "top-down");
    assert_eq!(board["sections"][0]["floors"][0]["units"][0]["area"], 54.2);
    let again: Value = import(&app, &admin, "units", &building, false, units.into()).await.json().await.unwrap();
    assert_eq!((again["created"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(3)));
    let changed = units.replace("61,Т-2", "62,Т-2");
    let updated: Value = import(&app, &admin, "units", &building, false, changed.into()).await.json().await.unwrap();
    assert_eq!((updated["updated"].as_u64(), updated["unchanged"].as_u64()), (Some(1), Some(2)));
}
