//! Passes: a usable pass's PIN is taken in its building, and the desk's
//! name search follows the pass's status through the word index.

use chrono::{Duration, Utc};

use domovoy_domain::ids::BuildingId;
use domovoy_domain::pass::{PassKind, PassStatus, Pin, Validity};
use domovoy_store::passes::{self, NewPass, Pass};
use domovoy_store::{Db, buildings};

use crate::helpers::building_draft;

async fn building(db: &Db, name: &str) -> BuildingId {
    let draft = building_draft(name, "Europe/Moscow");
    db.write(move |tx| Box::pin(async move { buildings::insert(tx, &draft).await })).await.unwrap().value.id
}

async fn issue(db: &Db, building: BuildingId, name: &str, pin: &str) -> Pass {
    let now = Utc::now();
    let new = NewPass {
        building_id: building,
        unit_id: None,
        host_client_id: None,
        host_user_id: None,
        kind: PassKind::Guest,
        status: PassStatus::Active,
        visitor_name: name.to_owned(),
        visitor_phone: None,
        plate: None,
        vehicle: String::new(),
        parking_space: String::new(),
        company: String::new(),
        work: String::new(),
        ticket_id: None,
        validity: Validity::Once { from: now - Duration::hours(1), until: now + Duration::hours(8) },
        pin: Pin::parse(pin).unwrap(),
        link_hash: pin.as_bytes().to_vec(),
        note: String::new(),
        issued_by: None,
    };
    db.write(move |tx| Box::pin(async move { passes::insert(tx, &new).await })).await.unwrap().value
}

async fn names(db: &Db, building: BuildingId, query: &str) -> Vec<String> {
    passes::check(db, building, query, Utc::now()).await.unwrap().into_iter().map(|p| p.visitor_name).collect()
}

async fn a_pin_is_taken_while_its_pass_may_be_used(db: &Db) {
    let tower = building(db, "Башня").await;
    let other = building(db, "Гранит").await;
    let pass = issue(db, tower, "Гость Первый", "123456").await;
    let taken = |building: BuildingId, pin: &'static str| {
        db.write(move |tx| Box::pin(async move { passes::pin_taken(tx, building, &Pin::parse(pin).unwrap()).await }))
    };
    assert!(taken(tower, "123456").await.unwrap().value);
    assert!(!taken(tower, "654321").await.unwrap().value);
    assert!(!taken(other, "123456").await.unwrap().value, "another building's PIN is free");
    let id = pass.id;
    db.write(move |tx| {
        Box::pin(async move { passes::set_status(tx, id, &[PassStatus::Active], PassStatus::Cancelled).await })
    })
    .await
    .unwrap();
    assert!(!taken(tower, "123456").await.unwrap().value, "a cancelled pass frees its PIN");
}

async fn the_name_search_follows_the_status(db: &Db) {
    let tower = building(db, "Башня").await;
    let first = issue(db, tower, "Сидорова Анна Петровна", "111111").await;
    issue(db, tower, "Анна Сидоренко", "222222").await;
    issue(db, tower, "Иван Петров", "333333").await;
    let mut both = names(db, tower, "анна сид").await;
    both.sort();
    assert_eq!(both, ["Анна Сидоренко", "Сидорова Анна Петровна"]);
    assert_eq!(names(db, tower, "А. Сидорова").await, ["Сидорова Анна Петровна"]);
    assert_eq!(names(db, tower, "петр").await.len(), 2, "a patronymic and a surname");
    assert!(names(db, tower, "анна иван").await.is_empty(), "every word must begin a word of one name");
    // On site first, then active; a cancelled one after them.
    let id = first.id;
    db.write(move |tx| {
        Box::pin(async move { passes::set_status(tx, id, &[PassStatus::Active], PassStatus::OnSite).await })
    })
    .await
    .unwrap();
    assert_eq!(names(db, tower, "анна").await, ["Сидорова Анна Петровна", "Анна Сидоренко"]);
    db.write(move |tx| {
        Box::pin(async move { passes::set_status(tx, id, &[PassStatus::OnSite], PassStatus::Cancelled).await })
    })
    .await
    .unwrap();
    assert_eq!(names(db, tower, "анна").await, ["Анна Сидоренко", "Сидорова Анна Петровна"]);
}

domovoy_store::backend_tests!(a_pin_is_taken_while_its_pass_may_be_used, the_name_search_follows_the_status);
