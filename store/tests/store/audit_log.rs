//! The audit log: recorded with the change, filtered and paged.

use domovoy_domain::audit::AuditAction;
use domovoy_store::audit::{self, Actor, AuditQuery, AuditScope, Change};
use domovoy_store::{Db, StoreError, buildings};

use crate::helpers::{add_user, building_draft, staff};

async fn a_change_and_its_audit_entry_commit_together(db: &Db) {
    let admin = add_user(db, staff("admin", "Администратор")).await;
    let actor = Actor {
        user_id: Some(admin.id),
        login: "admin".into(),
        ip: Some("10.0.0.5".into()),
        request_id: Some("req-1".into()),
    };
    let draft = building_draft("ЖК Парус", "Europe/Moscow");
    let a = actor.clone();
    let building = db
        .write(move |tx| {
            Box::pin(async move {
                let building = buildings::insert(tx, &draft).await?;
                audit::record(
                    tx,
                    Change::new(&a, AuditAction::BuildingCreated, building.id)
                        .building(Some(building.id))
                        .summary("Создан объект «ЖК Парус»")
                        .after(&building),
                )
                .await?;
                Ok::<_, StoreError>(building)
            })
        })
        .await
        .unwrap()
        .value;

    // A failing write leaves neither the change nor its entry.
    let a = actor.clone();
    let failed = db
        .write(move |tx| {
            Box::pin(async move {
                audit::record(tx, Change::new(&a, AuditAction::BuildingUpdated, "x")).await?;
                Err::<(), _>(StoreError::NotFound)
            })
        })
        .await;
    assert!(failed.is_err());

    let page = audit::list(db, &AuditQuery::everything(50)).await.unwrap();
    assert_eq!(page.entries.len(), 1);
    let entry = &page.entries[0];
    assert_eq!(entry.action, AuditAction::BuildingCreated);
    assert_eq!(entry.entity_kind, "building");
    assert_eq!(entry.actor_id, Some(admin.id));
    assert_eq!(entry.ip.as_deref(), Some("10.0.0.5"));
    assert_eq!(entry.after.as_ref().unwrap()["name"], "ЖК Парус");
    assert_eq!(entry.building_id, Some(building.id));
}

async fn the_log_pages_newest_first_and_filters(db: &Db) {
    let admin = add_user(db, staff("admin", "Администратор")).await;
    let other = add_user(db, staff("other", "Другой")).await;
    let b1 = crate::helpers::add_building(db, "Объект 1").await;
    let b2 = crate::helpers::add_building(db, "Объект 2").await;
    for i in 0..7 {
        let (who, building) = if i % 2 == 0 { (&admin, b1.id) } else { (&other, b2.id) };
        let actor = Actor { user_id: Some(who.id), login: who.login.to_string(), ip: None, request_id: None };
        db.write(move |tx| {
            Box::pin(async move {
                audit::record(tx, Change::new(&actor, AuditAction::BuildingUpdated, i).building(Some(building))).await
            })
        })
        .await
        .unwrap();
    }
    let first = audit::list(db, &AuditQuery::everything(3)).await.unwrap();
    assert_eq!(first.entries.iter().map(|e| e.entity_id.clone().unwrap()).collect::<Vec<_>>(), vec!["6", "5", "4"]);
    let mut query = AuditQuery::everything(3);
    query.before = first.next_cursor;
    let second = audit::list(db, &query).await.unwrap();
    assert_eq!(second.entries.iter().map(|e| e.entity_id.clone().unwrap()).collect::<Vec<_>>(), vec!["3", "2", "1"]);
    query.before = second.next_cursor;
    let last = audit::list(db, &query).await.unwrap();
    assert_eq!(last.entries.len(), 1);
    assert_eq!(last.next_cursor, None);

    let mut by_actor = AuditQuery::everything(50);
    by_actor.actor = Some(other.id);
    assert_eq!(audit::list(db, &by_actor).await.unwrap().entries.len(), 3);

    let mut scoped = AuditQuery::everything(50);
    scoped.scope = AuditScope::Buildings(vec![b1.id]);
    let entries = audit::list(db, &scoped).await.unwrap().entries;
    assert_eq!(entries.len(), 4);
    assert!(entries.iter().all(|e| e.building_id == Some(b1.id)));

    let mut nothing = AuditQuery::everything(50);
    nothing.scope = AuditScope::Buildings(vec![]);
    assert!(audit::list(db, &nothing).await.unwrap().entries.is_empty());

    let mut by_action = AuditQuery::everything(50);
    by_action.action = Some(AuditAction::UserCreated);
    assert!(audit::list(db, &by_action).await.unwrap().entries.is_empty());
}

domovoy_store::backend_tests!(a_change_and_its_audit_entry_commit_together, the_log_pages_newest_first_and_filters);
