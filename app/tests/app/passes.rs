//! Passes and the guard desk: a plate typed in other letters finds the
//! pass, two guards marking at once make one visit, a guard of another
//! building gets nothing, the blocklist needs an audited reason.

use domovoy_app::passes::{self, BlockInput, Marked, PassInput};
use domovoy_app::{AppError, Rule};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::pass::{PassStatus, Refusal};
use domovoy_domain::policy::GrantScope;
use domovoy_domain::role::RoleTemplate;
use domovoy_store::Db;
use domovoy_store::audit::{self, AuditQuery};

use crate::{app, building, person};

fn vehicle(building: domovoy_domain::ids::BuildingId, plate: &str) -> PassInput {
    PassInput {
        building_id: Some(building.to_string()),
        kind: Some("vehicle".to_owned()),
        visitor_name: Some("Сергеев Олег".to_owned()),
        visitor_phone: Some("+7 916 123-45-67".to_owned()),
        plate: Some(plate.to_owned()),
        vehicle: Some("Шкода, серая".to_owned()),
        ..PassInput::default()
    }
}

async fn desk_finds_marks_and_keeps_other_buildings_out(db: &Db) {
    let app = app(db).await;
    let tower = building(&app, "Башня").await;
    let other = building(&app, "Соседний дом").await;
    let concierge = person(db, "concierge1", RoleTemplate::Concierge, GrantScope::Building(tower)).await;
    let guard = person(db, "guard1", RoleTemplate::Guard, GrantScope::Building(tower)).await;
    let second = person(db, "guard2", RoleTemplate::Guard, GrantScope::Building(tower)).await;
    let stranger = person(db, "guard3", RoleTemplate::Guard, GrantScope::Building(other)).await;

    let issued = passes::issue(&app, &concierge, &vehicle(tower, "А 123 ВС 77")).await.unwrap();
    assert_eq!(issued.pass.status, PassStatus::Active);
    assert_eq!(issued.pass.pin.as_str().len(), 6);

    // Typed in Latin letters, without the region; and by PIN, and phone tail.
    for query in ["a123bc", "A123BC77", issued.pass.pin.as_str(), "4567", "сергеев"] {
        let found = passes::check(&app, &guard, tower, query).await.unwrap();
        assert_eq!(found.len(), 1, "{query}");
        assert!(found[0].valid, "{query}");
    }
    assert!(passes::check(&app, &guard, tower, "B777OP").await.unwrap().is_empty());
    // Looking up is audited.
    let checks =
        audit::list(db, &AuditQuery { action: Some(AuditAction::PassesChecked), ..AuditQuery::everything(100) })
            .await
            .unwrap();
    assert!(checks.entries.len() >= 5, "each look-up is in the audit log");

    // A guard of another building gets nothing.
    assert!(matches!(passes::check(&app, &stranger, tower, "A123BC").await, Err(AppError::Forbidden)));
    assert!(matches!(passes::arrive(&app, &stranger, issued.pass.id, None).await, Err(AppError::Forbidden)));
    assert!(matches!(passes::visits(&app, &stranger, tower, true, chrono::Utc::now()).await, Err(AppError::Forbidden)));

    // Two guards mark the same arrival at once: one visit.
    let (a, b) = tokio::join!(
        passes::arrive(&app, &guard, issued.pass.id, None),
        passes::arrive(&app, &second, issued.pass.id, None)
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    let arrived = outcomes.iter().filter(|m| matches!(m, Marked::Arrived { .. })).count();
    let already = outcomes.iter().filter(|m| matches!(m, Marked::AlreadyOnSite { visit: Some(_) })).count();
    assert_eq!((arrived, already), (1, 1), "{outcomes:?}");
    let on_site = passes::visits(&app, &guard, tower, true, chrono::Utc::now()).await.unwrap();
    assert_eq!(on_site.len(), 1);

    // On site: cannot be cancelled; leaves; a vehicle pass is usable again.
    assert!(matches!(passes::cancel(&app, &concierge, issued.pass.id).await, Err(AppError::Rule(Rule::PassOnSite))));
    let left = passes::depart(&app, &second, issued.pass.id).await.unwrap();
    assert!(left.visit.departed_at.is_some());
    assert_eq!(left.pass.status, PassStatus::Active, "a permanent vehicle pass stays active");
    assert!(matches!(passes::depart(&app, &guard, issued.pass.id).await, Err(AppError::Rule(Rule::NotOnSite))));
    passes::cancel(&app, &concierge, issued.pass.id).await.unwrap();
    let refused = passes::arrive(&app, &guard, issued.pass.id, None).await;
    assert!(matches!(refused, Err(AppError::Rule(Rule::PassNotValid(Refusal::Cancelled)))), "{refused:?}");
}

async fn a_one_time_pass_lets_in_once(db: &Db) {
    let app = app(db).await;
    let tower = building(&app, "Башня").await;
    let concierge = person(db, "concierge1", RoleTemplate::Concierge, GrantScope::Building(tower)).await;
    let guard = person(db, "guard1", RoleTemplate::Guard, GrantScope::Building(tower)).await;
    let input = PassInput {
        building_id: Some(tower.to_string()),
        visitor_name: Some("Курьер Самокат".to_owned()),
        kind: Some("delivery".to_owned()),
        ..PassInput::default()
    };
    let pass = passes::issue(&app, &concierge, &input).await.unwrap().pass;
    assert!(pass.validity.single_entry());
    passes::arrive(&app, &guard, pass.id, None).await.unwrap();
    let gone = passes::depart(&app, &guard, pass.id).await.unwrap();
    assert_eq!(gone.pass.status, PassStatus::Closed);
    let again = passes::arrive(&app, &guard, pass.id, None).await;
    assert!(matches!(again, Err(AppError::Rule(Rule::PassNotValid(Refusal::Used)))), "{again:?}");

    // A guard may not issue; bad input names every field at once.
    assert!(matches!(passes::issue(&app, &guard, &input).await, Err(AppError::Forbidden)));
    let bad = PassInput {
        building_id: Some(tower.to_string()),
        kind: Some("vehicle".to_owned()),
        visitor_name: Some("\u{7}".to_owned()),
        validity: Some("period".to_owned()),
        ..PassInput::default()
    };
    match passes::issue(&app, &concierge, &bad).await {
        Err(AppError::Validation(errors)) => {
            let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
            assert_eq!(fields, ["visitor_name", "plate", "valid_until"], "{errors:?}");
        }
        other => panic!("{other:?}"),
    }
}

async fn the_blocklist_needs_an_audited_reason(db: &Db) {
    let app = app(db).await;
    let tower = building(&app, "Башня").await;
    let manager = person(db, "manager1", RoleTemplate::PropertyManager, GrantScope::Building(tower)).await;
    let guard = person(db, "guard1", RoleTemplate::Guard, GrantScope::Building(tower)).await;
    let entry = BlockInput {
        building_id: Some(tower.to_string()),
        name: Some("Хулиганов Пётр".to_owned()),
        aliases: Some("Петя Гвоздь".to_owned()),
        plates: Some("o001oo77".to_owned()),
        reason: Some("Порча имущества в лифте".to_owned()),
        ..BlockInput::default()
    };
    assert!(matches!(passes::block(&app, &guard, &entry).await, Err(AppError::Forbidden)));
    passes::block(&app, &manager, &entry).await.unwrap();

    // Another name, the blocked car in Cyrillic look-alikes.
    let pass = passes::issue(&app, &manager, &vehicle(tower, "О001ОО77")).await.unwrap().pass;
    let found = passes::check(&app, &guard, tower, "O001OO").await.unwrap();
    assert_eq!(found[0].blocked.as_ref().map(|b| b.name.as_str()), Some("Хулиганов Пётр"));
    let refused = passes::arrive(&app, &guard, pass.id, None).await;
    assert!(matches!(refused, Err(AppError::Rule(Rule::Blocklisted))), "{refused:?}");
    passes::arrive(&app, &guard, pass.id, Some("Разрешил управляющий по телефону")).await.unwrap();
    let overrides =
        audit::list(db, &AuditQuery { action: Some(AuditAction::BlocklistOverridden), ..AuditQuery::everything(100) })
            .await
            .unwrap();
    assert_eq!(overrides.entries.len(), 1);
}

domovoy_store::backend_tests!(
    desk_finds_marks_and_keeps_other_buildings_out,
    a_one_time_pass_lets_in_once,
    the_blocklist_needs_an_audited_reason,
);
