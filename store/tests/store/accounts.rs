//! Users, roles, assignments, tokens and buildings.

use chrono::{Duration, Utc};

use domovoy_domain::FieldError;
use domovoy_domain::account::{AccountKind, DisplayName, Locale, Login};
use domovoy_domain::contact::Email;
use domovoy_domain::ids::BuildingId;
use domovoy_domain::permission::{Permission, PermissionSet};
use domovoy_domain::policy::{GrantScope, Principal, Target};
use domovoy_domain::role::{RoleName, RoleTemplate};
use domovoy_store::roles::RoleDraft;
use domovoy_store::tokens::{NewToken, TokenKind};
use domovoy_store::users::{ProfileUpdate, UserFilter};
use domovoy_store::{Db, StoreError, assignments, buildings, roles, tokens, users};

use crate::helpers::{add_building, add_user, building_draft, resident, staff};

async fn a_created_account_reads_back_and_its_login_is_unique(db: &Db) {
    let user = add_user(db, staff("dispatcher", "Диспетчер Смирнова")).await;
    let read = users::get(db, user.id).await.unwrap();
    assert_eq!(read, user);
    assert_eq!(read.kind, AccountKind::Staff);
    let found = users::find_by_login(db, &Login::staff("DISPATCHER").unwrap()).await.unwrap();
    assert_eq!(found.map(|u| u.id), Some(user.id));

    let again = staff("dispatcher", "Другой");
    let err = db.write(move |tx| Box::pin(async move { users::insert(tx, &again).await })).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid { field: "login", error: FieldError::Taken }), "{err:?}");
    assert_eq!(users::count(db, AccountKind::Staff).await.unwrap(), 1);
}

async fn credentials_carry_the_hash_and_sign_in_state_is_recorded(db: &Db) {
    let user = add_user(db, staff("guard", "Охранник Петров")).await;
    let login = user.login.clone();
    let creds = users::credentials(db, &login).await.unwrap().unwrap();
    assert!(creds.password_hash.starts_with("$argon2id$"));
    assert!(users::credentials(db, &Login::staff("nobody").unwrap()).await.unwrap().is_none());

    for _ in 0..3 {
        db.write(move |tx| Box::pin(async move { users::record_failed_sign_in(tx, user.id).await })).await.unwrap();
    }
    let failed = users::get(db, user.id).await.unwrap();
    assert_eq!(failed.failed_logins, 3);
    db.write(move |tx| Box::pin(async move { users::record_sign_in(tx, user.id).await })).await.unwrap();
    let back = users::get(db, user.id).await.unwrap();
    assert_eq!(back.failed_logins, 0);
    assert!(back.last_sign_in_at.is_some());
}

async fn the_user_list_finds_cyrillic_names_regardless_of_case_and_yo(db: &Db) {
    add_user(db, staff("fedorov", "Фёдоров Пётр")).await;
    add_user(db, staff("ivanova", "Иванова Анна")).await;
    add_user(db, resident("8 912 345-67-89", "Федорова Алёна")).await;
    let find = |text: &str, kind: Option<AccountKind>| UserFilter {
        text: Some(text.to_owned()),
        kind,
        include_disabled: false,
        after_login: None,
        limit: 50,
    };
    let logins =
        |list: Vec<domovoy_domain::account::User>| list.into_iter().map(|u| u.login.to_string()).collect::<Vec<_>>();
    assert_eq!(logins(users::list(db, &find("ФЕДОРОВ", None)).await.unwrap()), vec!["+79123456789", "fedorov"]);
    assert_eq!(logins(users::list(db, &find("федоров петр", None)).await.unwrap()), vec!["fedorov"]);
    assert_eq!(
        logins(users::list(db, &find("федоров", Some(AccountKind::Resident))).await.unwrap()),
        vec!["+79123456789"]
    );
    assert_eq!(logins(users::list(db, &find("9123456789", None)).await.unwrap()), vec!["+79123456789"]);
    // LIKE wildcards in the query match literally.
    assert!(users::list(db, &find("%", None)).await.unwrap().is_empty());
    let page =
        UserFilter { text: None, kind: None, include_disabled: false, after_login: Some("fedorov".into()), limit: 1 };
    assert_eq!(logins(users::list(db, &page).await.unwrap()), vec!["ivanova"]);
}

async fn disabled_accounts_leave_the_default_list_and_profiles_update(db: &Db) {
    let user = add_user(db, staff("technician", "Техник Козлов")).await;
    let disabled =
        db.write(move |tx| Box::pin(async move { users::set_disabled(tx, user.id, true).await })).await.unwrap().value;
    assert!(disabled.is_disabled());
    let listed = users::list(db, &UserFilter { limit: 10, ..UserFilter::default() }).await.unwrap();
    assert!(listed.is_empty());
    let update = ProfileUpdate {
        display_name: DisplayName::parse("Козлов Иван").unwrap(),
        email: Some(Email::parse("kozlov@uk.example").unwrap()),
        phone: None,
        locale: Locale::En,
    };
    let updated = db
        .write(move |tx| Box::pin(async move { users::update_profile(tx, user.id, &update).await }))
        .await
        .unwrap()
        .value;
    assert_eq!(updated.display_name.as_str(), "Козлов Иван");
    assert_eq!(updated.locale, Locale::En);
    let by_email =
        UserFilter { text: Some("kozlov@uk".into()), include_disabled: true, limit: 10, ..UserFilter::default() };
    assert_eq!(users::list(db, &by_email).await.unwrap().len(), 1);
}

async fn template_roles_are_created_once_with_their_permissions(db: &Db) {
    let created = db.write(|tx| Box::pin(async move { roles::ensure_templates(tx).await })).await.unwrap().value;
    assert_eq!(created.len(), RoleTemplate::ALL.len());
    let again = db.write(|tx| Box::pin(async move { roles::ensure_templates(tx).await })).await.unwrap().value;
    assert!(again.is_empty());
    let all = roles::list(db).await.unwrap();
    assert_eq!(all.len(), RoleTemplate::ALL.len());
    for template in RoleTemplate::ALL {
        let role = all.iter().find(|r| r.template == Some(*template)).unwrap();
        assert_eq!(role.permissions, template.permissions(), "{template}");
        assert_eq!(role.account_kind, template.account_kind());
    }
}

async fn roles_are_composed_renamed_and_deleted_only_when_unused(db: &Db) {
    let draft = RoleDraft {
        name: RoleName::parse("Старший диспетчер").unwrap(),
        description: "Ночная смена".into(),
        permissions: [Permission::TicketsRead, Permission::TicketsAssign].into_iter().collect(),
        account_kind: AccountKind::Staff,
    };
    let d = draft.clone();
    let role = db.write(move |tx| Box::pin(async move { roles::insert(tx, &d, None).await })).await.unwrap().value;
    assert_eq!(role.permissions.len(), 2);

    let d = draft.clone();
    let dup = db.write(move |tx| Box::pin(async move { roles::insert(tx, &d, None).await })).await.unwrap_err();
    assert!(matches!(dup, StoreError::Invalid { field: "name", error: FieldError::Taken }), "{dup:?}");

    let mut changed = draft.clone();
    changed.permissions = PermissionSet::all();
    changed.name = RoleName::parse("Главный диспетчер").unwrap();
    let updated =
        db.write(move |tx| Box::pin(async move { roles::update(tx, role.id, &changed).await })).await.unwrap().value;
    assert_eq!(updated.permissions, PermissionSet::all());
    assert_eq!(updated.name.as_str(), "Главный диспетчер");

    let user = add_user(db, staff("night", "Ночной")).await;
    let assignment = db
        .write(move |tx| {
            Box::pin(async move { assignments::grant(tx, user.id, role.id, GrantScope::AllBuildings).await })
        })
        .await
        .unwrap()
        .value;
    let refused = db.write(move |tx| Box::pin(async move { roles::delete(tx, role.id).await })).await.unwrap_err();
    assert!(matches!(refused, StoreError::Invalid { field: "role", error: FieldError::NotAllowed }), "{refused:?}");
    db.write(move |tx| Box::pin(async move { assignments::revoke(tx, assignment.id).await })).await.unwrap();
    db.write(move |tx| Box::pin(async move { roles::delete(tx, role.id).await })).await.unwrap();
    assert!(matches!(roles::get(db, role.id).await, Err(StoreError::NotFound)));
}

async fn grants_feed_the_policy_per_building(db: &Db) {
    db.write(|tx| Box::pin(async move { roles::ensure_templates(tx).await })).await.unwrap();
    let tower = add_building(db, "ЖК Башня").await;
    let office = add_building(db, "БЦ Офис").await;
    let guard_role = roles::find_by_template(db, RoleTemplate::Guard).await.unwrap().unwrap();
    let dispatcher_role = roles::find_by_template(db, RoleTemplate::Dispatcher).await.unwrap().unwrap();
    let user = add_user(db, staff("guard", "Охранник")).await;
    db.write(move |tx| {
        Box::pin(async move {
            assignments::grant(tx, user.id, guard_role, GrantScope::Building(tower.id)).await?;
            assignments::grant(tx, user.id, dispatcher_role, GrantScope::Building(office.id)).await
        })
    })
    .await
    .unwrap();

    let principal = Principal::new(user.id, user.kind, assignments::grants(db, user.id).await.unwrap());
    assert!(principal.can(Permission::PassesCheck, &Target::building(tower.id)));
    assert!(!principal.can(Permission::PassesCheck, &Target::building(office.id)));
    assert!(principal.can(Permission::TicketsCreate, &Target::building(office.id)));
    assert!(!principal.can(Permission::TicketsCreate, &Target::building(tower.id)));
    assert!(!principal.can(Permission::AuditRead, &Target::SYSTEM));

    let listed = assignments::for_user(db, user.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    let at_tower = assignments::for_building(db, tower.id).await.unwrap();
    assert_eq!(at_tower.len(), 1);
    assert_eq!(at_tower[0].building_name.as_deref(), Some("ЖК Башня"));

    let twice = db
        .write(move |tx| {
            Box::pin(async move { assignments::grant(tx, user.id, guard_role, GrantScope::Building(tower.id)).await })
        })
        .await
        .unwrap_err();
    assert!(matches!(twice, StoreError::Invalid { field: "role", error: FieldError::Taken }), "{twice:?}");
    let nowhere = db
        .write(move |tx| {
            Box::pin(async move {
                assignments::grant(tx, user.id, guard_role, GrantScope::Building(BuildingId::new())).await
            })
        })
        .await
        .unwrap_err();
    assert!(matches!(nowhere, StoreError::Invalid { field: "building_id", error: FieldError::Unknown }), "{nowhere:?}");
}

async fn resident_roles_fit_only_resident_accounts_on_their_own_things(db: &Db) {
    db.write(|tx| Box::pin(async move { roles::ensure_templates(tx).await })).await.unwrap();
    let resident_role = roles::find_by_template(db, RoleTemplate::Resident).await.unwrap().unwrap();
    let admin_role = roles::find_by_template(db, RoleTemplate::Administrator).await.unwrap().unwrap();
    let person = add_user(db, resident("+7 912 000-00-01", "Жилец")).await;
    let refused = db
        .write(move |tx| {
            Box::pin(async move { assignments::grant(tx, person.id, admin_role, GrantScope::AllBuildings).await })
        })
        .await
        .unwrap_err();
    assert!(matches!(refused, StoreError::Invalid { field: "role", error: FieldError::NotAllowed }), "{refused:?}");
    let wide = db
        .write(move |tx| {
            Box::pin(async move { assignments::grant(tx, person.id, resident_role, GrantScope::AllBuildings).await })
        })
        .await
        .unwrap_err();
    assert!(matches!(wide, StoreError::Invalid { field: "scope", error: FieldError::NotAllowed }), "{wide:?}");
    db.write(move |tx| {
        Box::pin(async move { assignments::grant(tx, person.id, resident_role, GrantScope::Own).await })
    })
    .await
    .unwrap();
    let principal = Principal::new(person.id, person.kind, assignments::grants(db, person.id).await.unwrap());
    assert!(principal.can(Permission::TicketsCreate, &Target::SYSTEM.owned_by(person.id)));
    assert!(!principal.can(Permission::TicketsCreate, &Target::SYSTEM.owned_by(domovoy_domain::ids::UserId::new())));
}

async fn tokens_authenticate_until_revoked_expired_or_disabled(db: &Db) {
    let user = add_user(db, staff("manager", "Управляющий")).await;
    let make = |secret: &[u8], expires: Option<chrono::DateTime<Utc>>| NewToken {
        user_id: user.id,
        kind: TokenKind::Session,
        secret_hash: secret.to_vec(),
        csrf_token: "csrf".into(),
        name: "Chrome".into(),
        ip: Some("127.0.0.1".into()),
        user_agent: None,
        expires_at: expires,
    };
    let live = make(b"live-secret", Some(Utc::now() + Duration::hours(1)));
    let old = make(b"old-secret", Some(Utc::now() - Duration::hours(1)));
    let other = make(b"other-secret", None);
    let (live_id, _, other_id) = db
        .write(move |tx| {
            Box::pin(async move {
                Ok::<_, StoreError>((
                    tokens::insert(tx, &live).await?,
                    tokens::insert(tx, &old).await?,
                    tokens::insert(tx, &other).await?,
                ))
            })
        })
        .await
        .unwrap()
        .value;
    let now = Utc::now();
    let found = tokens::authenticate(db, b"live-secret", now).await.unwrap().unwrap();
    assert_eq!(found.user.id, user.id);
    assert_eq!(found.token.id, live_id);
    assert_eq!(found.csrf_token, "csrf");
    assert!(tokens::authenticate(db, b"old-secret", now).await.unwrap().is_none());
    assert!(tokens::authenticate(db, b"unknown", now).await.unwrap().is_none());
    assert_eq!(tokens::list(db, user.id, now).await.unwrap().len(), 2);

    // Revoking all but the current session leaves only it.
    let revoked = db
        .write(move |tx| Box::pin(async move { tokens::revoke_all(tx, user.id, Some(live_id)).await }))
        .await
        .unwrap()
        .value;
    assert_eq!(revoked, 1);
    assert!(tokens::authenticate(db, b"other-secret", now).await.unwrap().is_none());
    let gone =
        db.write(move |tx| Box::pin(async move { tokens::revoke(tx, user.id, other_id).await })).await.unwrap_err();
    assert!(matches!(gone, StoreError::NotFound));

    db.write(move |tx| Box::pin(async move { users::set_disabled(tx, user.id, true).await })).await.unwrap();
    assert!(tokens::authenticate(db, b"live-secret", now).await.unwrap().is_none());
}

async fn buildings_keep_unique_names_and_their_time_zone(db: &Db) {
    let tower = add_building(db, "ЖК Северная звезда").await;
    assert_eq!(tower.time_zone.name(), "Europe/Moscow");
    let dup = building_draft("ЖК Северная звезда", "Asia/Omsk");
    let err = db.write(move |tx| Box::pin(async move { buildings::insert(tx, &dup).await })).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid { field: "name", error: FieldError::Taken }), "{err:?}");
    let moved = building_draft("ЖК Северная звезда", "Asia/Yekaterinburg");
    let updated =
        db.write(move |tx| Box::pin(async move { buildings::update(tx, tower.id, &moved).await })).await.unwrap().value;
    assert_eq!(updated.time_zone.name(), "Asia/Yekaterinburg");
    assert_eq!(buildings::list(db).await.unwrap(), vec![updated]);
}

async fn migrations_are_reported_current_after_migrating(db: &Db) {
    assert!(db.migrations_current().await.unwrap());
    db.ping().await.unwrap();
    // Migrating again is a no-op.
    db.migrate().await.unwrap();
}

/// A rolling upgrade: the node still on the previous release restarts (or
/// the company rolls back) after the new one migrated; it starts, says so,
/// and is ready.
async fn a_database_a_newer_release_migrated_is_accepted(db: &Db) {
    domovoy_store::testing::record_a_newer_migration(db).await.unwrap();
    db.migrate().await.unwrap();
    assert!(db.migrations_current().await.unwrap());
}

domovoy_store::backend_tests!(
    a_created_account_reads_back_and_its_login_is_unique,
    credentials_carry_the_hash_and_sign_in_state_is_recorded,
    the_user_list_finds_cyrillic_names_regardless_of_case_and_yo,
    disabled_accounts_leave_the_default_list_and_profiles_update,
    template_roles_are_created_once_with_their_permissions,
    roles_are_composed_renamed_and_deleted_only_when_unused,
    grants_feed_the_policy_per_building,
    resident_roles_fit_only_resident_accounts_on_their_own_things,
    tokens_authenticate_until_revoked_expired_or_disabled,
    buildings_keep_unique_names_and_their_time_zone,
    migrations_are_reported_current_after_migrating,
    a_database_a_newer_release_migrated_is_accepted,
);

mod backup {
    use domovoy_store::testing::{TestDb, temp_dir};
    use domovoy_store::{Db, DbOptions, users};

    use crate::helpers::{add_user, staff};

    #[tokio::test]
    async fn a_running_sqlite_database_is_copied_whole() {
        let test_db = TestDb::sqlite().await;
        add_user(&test_db.db, staff("keeper", "Хранитель")).await;
        let dir = temp_dir();
        let target = dir.join("backup.db");
        test_db.db.backup_sqlite(&target).await.unwrap();
        assert!(test_db.db.backup_sqlite(&target).await.is_err(), "an existing file is not overwritten");
        let copy = Db::connect(&format!("sqlite://{}", target.display()), &DbOptions::default()).await.unwrap();
        let login = domovoy_domain::account::Login::staff("keeper").unwrap();
        assert!(users::find_by_login(&copy, &login).await.unwrap().is_some());
        copy.close().await;
        test_db.db.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
