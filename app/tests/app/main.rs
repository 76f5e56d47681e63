//! The use-cases on a real database, without a web door: what the command
//! line, the jobs and every other door rely on.

// Test bodies are helpers and async functions clippy does not see as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod jobs;
mod passes;
mod tickets;

use domovoy_actors::Metrics;
use domovoy_app::Origin;
use domovoy_app::buildings::BuildingInput;
use domovoy_app::{App, AppConfig, Channel, Requester};
use domovoy_domain::account::{AccountKind, DisplayName, Locale, Login};
use domovoy_domain::contact::Phone;
use domovoy_domain::ids::BuildingId;
use domovoy_domain::password::{NewPassword, hash_password};
use domovoy_domain::policy::{GrantScope, Principal};
use domovoy_domain::role::RoleTemplate;
use domovoy_store::users::NewUser;
use domovoy_store::{Db, StoreError, assignments, roles, users};

/// The application on `db`, as a command-line process has it (no live
/// parts), with its reference data.
pub async fn app(db: &Db) -> App {
    db.write(|tx| Box::pin(async move { roles::ensure_templates(tx).await })).await.unwrap();
    App::new(db.clone(), None, Metrics::new(), AppConfig::default())
}

/// The product itself acting (every permission).
pub fn system() -> Requester {
    Requester::system("test", Channel::Job)
}

pub async fn building(app: &App, name: &str) -> BuildingId {
    let input = BuildingInput {
        name: name.to_owned(),
        address: "г. Москва, ул. Тестовая, д. 1".to_owned(),
        kind: None,
        time_zone: "Europe/Moscow".to_owned(),
    };
    domovoy_app::buildings::create(app, &system(), &input).await.unwrap().id
}

/// A signed-in person holding `template` in `scope`.
pub async fn person(db: &Db, login: &str, template: RoleTemplate, scope: GrantScope) -> Requester {
    let kind = template.account_kind();
    let login = match kind {
        AccountKind::Staff => Login::staff(login).unwrap(),
        AccountKind::Resident => Login::resident(&Phone::parse(login).unwrap()),
    };
    let new = NewUser {
        login,
        display_name: DisplayName::parse("Проверка Тест").unwrap(),
        kind,
        email: None,
        phone: None,
        locale: Locale::Ru,
        password_hash: hash_password(&NewPassword::demo("demo-password")),
    };
    let user = db
        .write(move |tx| {
            Box::pin(async move {
                let user = users::insert(tx, &new).await?;
                let role = roles::find_by_template(&mut *tx, template).await?.ok_or(StoreError::NotFound)?;
                assignments::grant(tx, user.id, role, scope).await?;
                Ok::<_, StoreError>(user)
            })
        })
        .await
        .unwrap()
        .value;
    let grants = assignments::grants(db, user.id).await.unwrap();
    let principal = Principal::new(user.id, user.kind, grants);
    Requester::person(user, principal, None, Channel::Api, Origin::default())
}
