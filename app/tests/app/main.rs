//! The use-cases on a real database, without a web door: what the command
//! line, the jobs and every other door rely on.

// Test bodies are helpers and async functions clippy does not see as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod jobs;
mod tickets;

use domovoy_actors::Metrics;
use domovoy_app::buildings::BuildingInput;
use domovoy_app::{App, AppConfig, Channel, Requester};
use domovoy_domain::ids::BuildingId;
use domovoy_store::Db;

/// The application on `db`, as a command-line process has it (no live
/// parts), with its reference data.
pub async fn app(db: &Db) -> App {
    db.write(|tx| Box::pin(async move { domovoy_store::roles::ensure_templates(tx).await })).await.unwrap();
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
