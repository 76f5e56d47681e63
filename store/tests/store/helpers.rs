//! Builders shared by the store tests.

use std::sync::OnceLock;

use domovoy_domain::account::{AccountKind, DisplayName, Locale, Login, User};
use domovoy_domain::building::{Address, Building, BuildingDraft, BuildingKind, BuildingName, TimeZone};
use domovoy_domain::contact::Phone;
use domovoy_domain::ids::{BuildingId, TicketId, UserId};
use domovoy_domain::password::{NewPassword, hash_password};
use domovoy_domain::ticket::{
    Description, Priority, Ticket, TicketNumber, TicketParts, TicketSla, TicketSource, TicketStatus,
};
use domovoy_store::users::NewUser;
use domovoy_store::{Db, StoreError, buildings, tickets, users};

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

/// A new ticket in `building` (phoned in by Кузьмина, unnumbered).
pub fn ticket(building: BuildingId, text: &str, creator: Option<UserId>) -> TicketParts {
    let now = domovoy_store::stored_now();
    TicketParts {
        id: TicketId::new(),
        number: TicketNumber { year: 2026, seq: 0 },
        source: TicketSource::Phone,
        building_id: building,
        unit_id: None,
        client_id: None,
        contact_name: Some("Кузьмина Ольга".into()),
        contact_phone: Some(Phone::parse("+79165551234").unwrap()),
        location: Some("кв. 45".into()),
        place_id: None,
        category_id: None,
        problem_id: None,
        priority: Priority::Normal,
        description: Description::parse(text).unwrap(),
        status: TicketStatus::New,
        hold_reason: None,
        end_reason: None,
        assignee_id: None,
        en_route_at: None,
        team_id: None,
        created_by: creator,
        version: 1,
        created_at: now,
        updated_at: now,
        responded_at: None,
        resolved_at: None,
        closed_at: None,
        sla: TicketSla::none(),
        rating: None,
        rating_comment: None,
        rated_at: None,
        flagged: false,
    }
}

/// Numbers and stores a ticket.
pub async fn insert(db: &Db, ticket: TicketParts) -> Ticket {
    let mut ticket = Ticket::from_parts(ticket);
    db.write(move |tx| {
        Box::pin(async move {
            ticket.number = tickets::next_number(tx, ticket.number.year).await?;
            tickets::insert(tx, &ticket).await?;
            Ok::<_, StoreError>(ticket)
        })
    })
    .await
    .unwrap()
    .value
}
