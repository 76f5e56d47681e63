//! Building layouts and clients: replacing a layout keeps unit ids and
//! refuses to drop units in use; clients with contacts, links, consents;
//! search by name (prefix, ё, typos) and by the tail of a phone number;
//! an audience of units narrowed by kind and floor.

use chrono::NaiveDate;

use domovoy_domain::client::{Channel, ClientInput, LinkRole, Share, UnitLink, query_words};
use domovoy_domain::ids::BuildingId;
use domovoy_domain::layout::{GroundFloor, Layout, LayoutSpec, SectionKind, UnitKind};
use domovoy_domain::mailing::{Audience, FloorRange};
use domovoy_store::layout::{self, Replaced};
use domovoy_store::{Db, StoreError, buildings, clients};

use crate::helpers::building_draft;

async fn building(db: &Db, name: &str) -> BuildingId {
    let draft = building_draft(name, "Asia/Yekaterinburg");
    db.write(move |tx| Box::pin(async move { buildings::insert(tx, &draft).await })).await.unwrap().value.id
}

fn spec(sections: u32, per_floor: u32) -> LayoutSpec {
    LayoutSpec {
        sections,
        kind: SectionKind::Entrance,
        first_floor: 2,
        last_floor: 5,
        units_per_floor: per_floor,
        unit_kind: UnitKind::Apartment,
        first_number: 1,
        by_floor: false,
        ground_floor: Some(GroundFloor { kind: UnitKind::Retail, units_per_section: 1 }),
        parking: None,
    }
}

async fn replace(db: &Db, building: BuildingId, plan: Layout) -> Result<Replaced, StoreError> {
    db.write(move |tx| Box::pin(async move { layout::replace(tx, building, &plan).await })).await.map(|c| c.value)
}

async fn add_client(db: &Db, name: &str, phones: &[&str]) -> domovoy_domain::client::Client {
    let input = ClientInput {
        name: Some(name.into()),
        phones: phones.iter().map(|p| p.to_string()).collect(),
        emails: vec!["anna@example.ru".into()],
        tags: vec!["совет дома".into()],
        ..Default::default()
    };
    let draft = input.parse().unwrap();
    db.write(move |tx| Box::pin(async move { clients::insert(tx, &draft).await })).await.unwrap().value
}

async fn layouts_replace_in_place_and_keep_unit_ids(db: &Db) {
    let b = building(db, "Башня").await;
    let done = replace(db, b, spec(2, 4).generate().unwrap()).await.unwrap();
    assert_eq!(done, Replaced { created: 34, updated: 0, removed: 0 });
    let stored = layout::load(db, b).await.unwrap();
    assert_eq!(stored.sections.len(), 2);
    let top = &stored.sections[0].floors[0];
    assert_eq!(top.number, 5, "floors come top-down");
    assert_eq!(stored.sections[0].floors.last().unwrap().units[0].label, "Н1");
    let unit16 = stored.units().find(|u| u.label == "16").unwrap().clone();
    assert_eq!(unit16.floor, 5);
    assert_eq!(unit16.section_name, "1");
    assert_eq!(stored.to_plan(), spec(2, 4).generate().unwrap());

    // A client owns unit 16: a plan without it is refused whole.
    let owner = add_client(db, "Ёлкина Анна", &["8 912 345-67-89"]).await;
    let link = UnitLink {
        unit_id: unit16.id,
        role: LinkRole::Owner,
        share: Some(Share::WHOLE),
        valid_from: None,
        valid_to: None,
        account: Some("ЛС-0016".into()),
    };
    db.write({
        let link = link.clone();
        move |tx| Box::pin(async move { clients::set_links(tx, owner.id, &[link]).await })
    })
    .await
    .unwrap();
    let smaller = spec(2, 3).generate().unwrap();
    match replace(db, b, smaller).await {
        Err(StoreError::InUse { names, .. }) => assert_eq!(names, ["кв. 16 (подъезд 1)"]),
        other => panic!("expected InUse, got {other:?}"),
    }
    assert_eq!(layout::load(db, b).await.unwrap(), stored, "nothing changed");

    // Renumbering around a kept unit swaps labels without tripping the index
    // and keeps every id whose label stays.
    let mut swapped = spec(2, 4).generate().unwrap();
    swapped.sections[0].floors[1].units.swap(0, 1);
    swapped.sections[0].floors[1].units[0].area = Some(54.5);
    let done = replace(db, b, swapped).await.unwrap();
    assert_eq!(done, Replaced { created: 0, updated: 34, removed: 0 });
    let after = layout::load(db, b).await.unwrap();
    let again16 = after.units().find(|u| u.label == "16").unwrap();
    assert_eq!(again16.id, unit16.id);
    let people = clients::unit_people(db, unit16.id).await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].link, link);

    // Adding a parking section creates only the new units.
    let mut bigger = spec(2, 4).generate().unwrap();
    bigger.sections.push(domovoy_domain::layout::SectionPlan {
        name: "Паркинг".into(),
        kind: SectionKind::Parking,
        floors: vec![domovoy_domain::layout::FloorPlan {
            number: -1,
            name: None,
            units: vec![domovoy_domain::layout::UnitPlan::new("М1", UnitKind::Parking)],
        }],
    });
    let done = replace(db, b, bigger).await.unwrap();
    assert_eq!(done.created, 1);
    let found = layout::find_by_label(db, "м1", None, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, UnitKind::Parking);
    let found = layout::find_by_label(db, "16", Some(UnitKind::Office), 10).await.unwrap();
    assert!(found.is_empty());
}

async fn clients_keep_contacts_links_and_consents(db: &Db) {
    let b = building(db, "Дом").await;
    replace(db, b, spec(1, 2).generate().unwrap()).await.unwrap();
    let client = add_client(db, "Фёдорова Анна Петровна", &["8 (912) 345-67-89", "+7 495 123-45-67 доб. 12"]).await;
    let again = clients::get(db, client.id).await.unwrap();
    assert_eq!(again, client);
    assert_eq!(client.card.phones[1].phone.extension(), Some("12"));
    assert_eq!(client.card.tags, ["совет дома"]);

    // A stale editor gets a conflict; a current one bumps the version.
    let mut input = ClientInput { name: Some("Фёдорова Анна".into()), ..Default::default() };
    input.phones = vec!["89123456789".into()];
    let draft = input.parse().unwrap();
    let stale = draft.clone();
    let stale = db
        .write(move |tx| {
            Box::pin(async move { clients::update(tx, client.id, &stale, Some(client.version + 5)).await })
        })
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let updated = db
        .write(move |tx| Box::pin(async move { clients::update(tx, client.id, &draft, Some(client.version)).await }))
        .await
        .unwrap()
        .value;
    assert_eq!(updated.version, client.version + 1);
    assert_eq!(updated.card.phones.len(), 1);
    assert_eq!(updated.card.middle_name, None);

    let stored = layout::load(db, b).await.unwrap();
    let unit = stored.units().find(|u| u.label == "1").unwrap().id;
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let lease = UnitLink {
        unit_id: unit,
        role: LinkRole::Tenant,
        share: None,
        valid_from: Some(day(1, 1)),
        valid_to: Some(day(6, 30)),
        account: None,
    };
    db.write({
        let lease = lease.clone();
        move |tx| {
            Box::pin(async move {
                clients::set_links(tx, client.id, &[lease]).await?;
                clients::set_consent(tx, client.id, Channel::Sms, Some(domovoy_store::stored_now())).await?;
                clients::set_consent(tx, client.id, Channel::Email, Some(domovoy_store::stored_now())).await?;
                clients::set_consent(tx, client.id, Channel::Email, None).await
            })
        }
    })
    .await
    .unwrap();
    let links = clients::links(db, client.id).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].link, lease);
    assert_eq!(links[0].building_name, "Дом");
    let consents = clients::consents(db, client.id).await.unwrap();
    assert_eq!(consents.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [Channel::Sms]);
    let spring = clients::occupancy(db, b, day(3, 1)).await.unwrap();
    assert_eq!(spring.get(&unit), Some(&vec![(LinkRole::Tenant, false)]));
    let autumn = clients::occupancy(db, b, day(9, 1)).await.unwrap();
    assert!(!autumn.contains_key(&unit), "the lease ended");

    // A link to a unit that does not exist is refused on unit_id.
    let ghost = UnitLink { unit_id: domovoy_domain::ids::UnitId::new(), ..lease };
    let refused = db.write(move |tx| Box::pin(async move { clients::set_links(tx, client.id, &[ghost]).await })).await;
    assert!(matches!(refused, Err(StoreError::Invalid { field: "unit_id", .. })), "{refused:?}");
}

async fn search_finds_names_with_typos_and_phone_tails(db: &Db) {
    add_client(db, "Фёдорова Анна Петровна", &["8 (912) 345-67-89"]).await;
    add_client(db, "Федотов Пётр", &["+7 912 000-11-22"]).await;
    add_client(db, "Иванов Иван", &["+7 343 222-33-44"]).await;
    let names = |hits: Vec<clients::ClientHit>| hits.into_iter().map(|h| h.name).collect::<Vec<_>>();

    let by = |q: &str| query_words(q);
    assert_eq!(
        names(clients::search_by_name(db, &by("федо"), 10).await.unwrap()),
        ["Федотов Пётр", "Фёдорова Анна Петровна"]
    );
    assert_eq!(names(clients::search_by_name(db, &by("ФЁДОРОВА анна"), 10).await.unwrap()), ["Фёдорова Анна Петровна"]);
    // One typo in a six-letter word still finds the client.
    assert_eq!(names(clients::search_by_name(db, &by("ивонов"), 10).await.unwrap()), ["Иванов Иван"]);
    assert!(clients::search_by_name(db, &by("сидоров"), 10).await.unwrap().is_empty());

    assert_eq!(names(clients::search_by_phone(db, "6789", None, 10).await.unwrap()), ["Фёдорова Анна Петровна"]);
    assert_eq!(
        names(clients::search_by_phone(db, "79123456789", Some("+79123456789"), 10).await.unwrap()),
        ["Фёдорова Анна Петровна"]
    );
    assert_eq!(names(clients::search_by_phone(db, "912", None, 10).await.unwrap()), Vec::<String>::new());
    // A number being typed from its beginning.
    assert_eq!(names(clients::search_by_phone(db, "79120", Some("+79120"), 10).await.unwrap()), ["Федотов Пётр"]);
    let phone = domovoy_domain::contact::Phone::parse("+7 343 222-33-44").unwrap();
    assert_eq!(clients::find_by_phone(db, &phone).await.unwrap().len(), 1);
}

/// An audience of a hand-built building: narrowed by unit kind and by
/// floor, as a mailing's or a survey's.
async fn an_audience_narrows_by_unit_kind_and_floor(db: &Db) {
    let b = building(db, "Дом у реки").await;
    // Floors 2–5, two flats each; a shop on the ground floor.
    replace(db, b, spec(1, 2).generate().unwrap()).await.unwrap();
    let stored = layout::load(db, b).await.unwrap();
    let units: Vec<_> = stored.units().map(|u| u.id).collect();
    assert_eq!(units.len(), 9);
    for (i, unit) in units.iter().enumerate() {
        let client = add_client(db, &format!("Жилец {i}"), &[&format!("+7 912 000-00-{i:02}")]).await;
        let link = UnitLink {
            unit_id: *unit,
            role: LinkRole::Owner,
            share: None,
            valid_from: None,
            valid_to: None,
            account: None,
        };
        db.write(move |tx| Box::pin(async move { clients::set_links(tx, client.id, &[link]).await })).await.unwrap();
    }
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let count = |audience: Audience| async move {
        domovoy_store::surveys::eligible(db, &audience.validate().unwrap(), today, None).await.unwrap().len()
    };
    let all = Audience { building_ids: vec![b], ..Audience::default() };
    assert_eq!(count(all.clone()).await, 9);
    assert_eq!(count(Audience { unit_kinds: vec![UnitKind::Apartment], ..all.clone() }).await, 8);
    assert_eq!(count(Audience { unit_kinds: vec![UnitKind::Retail], ..all.clone() }).await, 1);
    let floors = |from, to| Some(FloorRange { from, to });
    assert_eq!(count(Audience { floors: floors(2, 3), ..all.clone() }).await, 4);
    assert_eq!(count(Audience { floors: floors(5, 5), unit_kinds: vec![UnitKind::Apartment], ..all.clone() }).await, 2);
    assert_eq!(count(Audience { floors: floors(4, 5), unit_kinds: vec![UnitKind::Retail], ..all.clone() }).await, 0);
    // Backwards or unknown floors are refused.
    assert!(Audience { floors: floors(5, 2), ..all.clone() }.validate().is_err());
    assert!(Audience { floors: floors(1, 900), ..all }.validate().is_err());
}

domovoy_store::backend_tests!(
    an_audience_narrows_by_unit_kind_and_floor,
    layouts_replace_in_place_and_keep_unit_ids,
    clients_keep_contacts_links_and_consents,
    search_finds_names_with_typos_and_phone_tails,
);
