//! The demo's year of tickets is believable: a resident files a few
//! requests a month, not hundreds; stairwells and floors exist in the
//! building named; business-centre tenants do not write about flats; houses
//! without lifts have no lift tickets.

use std::collections::HashMap;

use serde_json::Value;

use crate::helpers::TestApp;

/// Every ticket the administrator sees, page by page.
async fn all_tickets(app: &TestApp, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = app
            .get(token, &format!("/api/v1/tickets?status=all&sort=newest&limit=100{cursor}"))
            .await
            .json()
            .await
            .unwrap();
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    out
}

#[actix_web::test]
async fn the_demo_year_fits_its_buildings_and_is_spread_over_residents() {
    let app = TestApp::spawn().await;
    let filed = domovoy::demo::seed_history(app.store(), 365, chrono::Utc::now()).await.unwrap();
    let admin = app.token("admin").await;
    let tickets = all_tickets(&app, &admin).await;
    assert_eq!(tickets.len(), filed);
    assert!(filed > 3000, "a year of a busy company: {filed}");
    let buildings: Vec<Value> = app.get(&admin, "/api/v1/buildings").await.json().await.unwrap();
    let name_of: HashMap<&str, &str> =
        buildings.iter().map(|b| (b["id"].as_str().unwrap(), b["name"].as_str().unwrap())).collect();

    // Each demo resident: a request every week or two.
    for login in ["+79001000001", "+79001000002", "+79001000003"] {
        let resident = app.token(login).await;
        let mine: Value = app.get(&resident, "/api/v1/tickets?status=all&limit=1").await.json().await.unwrap();
        let count: i64 = mine["counts"].as_object().unwrap().values().map(|n| n.as_i64().unwrap()).sum();
        assert!((5..=60).contains(&count), "{login} filed {count} requests in a year");
    }

    for ticket in &tickets {
        let building = name_of[ticket["building_id"].as_str().unwrap()];
        let location = ticket["location"].as_str().unwrap_or_default();
        let description = ticket["description"].as_str().unwrap_or_default();
        match building {
            "ЖК «Северная звезда»" => {
                // Four entrances, floors up to 25.
                if let Some(rest) = location.strip_prefix("подъезд ") {
                    let (entrance, floor) = rest.split_once(", ").unwrap();
                    let floor: i32 = floor.trim_end_matches(" этаж").parse().unwrap();
                    assert!(["1", "2", "3", "4"].contains(&entrance) && (1..=25).contains(&floor), "{location}");
                }
            }
            "Квартал «Сосновый бор»" => {
                assert!(!location.contains("подъезд"), "the quarter's houses are корпуса: {location}");
                if let Some(rest) = location.strip_prefix("корп. ")
                    && let Some((_, floor)) = rest.split_once(", ")
                    && let Some(floor) = floor.strip_suffix(" этаж")
                {
                    assert!((1..=3).contains(&floor.parse::<i32>().unwrap()), "three-storey houses: {location}");
                }
                assert!(!description.to_lowercase().contains("лифт"), "no lifts in three storeys: {description}");
            }
            "БЦ «Гранит»" => {
                assert!(!description.contains("квартир"), "offices, not flats: {description}");
                assert!(!location.contains("подъезд") && !location.starts_with("кв."), "{location}");
            }
            other => panic!("an unexpected building {other}"),
        }
    }
}

/// `domovoy demo` wipes and fills its own SQLite file: a database named on
/// its command line is refused with the reason, not silently passed over.
#[test]
fn the_demo_refuses_a_database_named_on_its_command_line() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_domovoy"))
        .args(["--database-url", "postgres://postgres@127.0.0.1:1/production", "demo", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--database-url к нему не применяется"), "{stderr}");
}
