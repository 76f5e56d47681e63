//! Builders shared by the store tests.

use std::sync::OnceLock;

use domovoy_domain::account::{AccountKind, DisplayName, Locale, Login, User};
use domovoy_domain::building::{Address, Building, BuildingDraft, BuildingKind, BuildingName, TimeZone};
use domovoy_domain::contact::Phone;
use domovoy_domain::password::{NewPassword, hash_password};
use domovoy_store::users::NewUser;
use domovoy_store::{Db, StoreError, buildings, users};

/// One argon2 hash for every test account: hashing is slow on purpose, and
/// hundreds of hashes on a test's single runtime thread would starve its
/// database connections.
fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(&NewPassword::demo("demo"))).clone()
}

pub fn staff(login: &str, name: &str) -> NewUser {
    NewUser {
        login: Login::staff(login).unwrap(),
        display_name: DisplayName::parse(name).unwrap(),
        kind: AccountKind::Staff,
        email: None,
        phone: None,
        locale: Locale::Ru,
        password_hash: password_hash(),
    }
}

pub fn resident(phone: &str, name: &str) -> NewUser {
    let phone = Phone::parse(phone).unwrap();
    NewUser {
        login: Login::resident(&phone),
        display_name: DisplayName::parse(name).unwrap(),
        kind: AccountKind::Resident,
        email: None,
        phone: Some(phone),
        locale: Locale::Ru,
        password_hash: password_hash(),
    }
}

pub async fn add_user(db: &Db, new: NewUser) -> User {
    db.write(move |tx| Box::pin(async move { users::insert(tx, &new).await }))
        .await
        .map(|c| c.value)
        .unwrap_or_else(|e: StoreError| panic!("insert user: {e:?}"))
}

pub fn building_draft(name: &str, zone: &str) -> BuildingDraft {
    BuildingDraft {
        name: BuildingName::parse(name).unwrap(),
        address: Address::parse("г. Москва, ул. Тестовая, д. 1").unwrap(),
        kind: BuildingKind::Residential,
        time_zone: TimeZone::parse(zone).unwrap(),
    }
}

pub async fn add_building(db: &Db, name: &str) -> Building {
    let draft = building_draft(name, "Europe/Moscow");
    db.write(move |tx| Box::pin(async move { buildings::insert(tx, &draft).await }))
        .await
        .map(|c| c.value)
        .unwrap_or_else(|e: StoreError| panic!("insert building: {e:?}"))
}
