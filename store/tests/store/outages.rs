//! Outages: the units of the sections named are selected and their open
//! tickets linked (not a closed one, not another section's); a ticket filed
//! later for such a unit is linked while the outage is open and not after
//! it is closed; a second close changes nothing; a unit's open outages are
//! found.

use domovoy_domain::ids::{BuildingId, MailingId, UnitId};
use domovoy_domain::layout::{LayoutSpec, SectionKind, UnitKind};
use domovoy_domain::mailing::{Audience, MailingChannel, MailingKind, NewMailing};
use domovoy_domain::outage::NewOutage;
use domovoy_domain::ticket::TicketStatus;
use domovoy_store::tickets::{TicketQuery, TicketSort};
use domovoy_store::{Db, buildings, layout, mailings, outages, tickets};

use crate::helpers::{add_user, building_draft, insert, staff, ticket};

async fn building(db: &Db) -> BuildingId {
    let draft = building_draft("Дом у парка", "Europe/Moscow");
    db.write(move |tx| Box::pin(async move { buildings::insert(tx, &draft).await })).await.unwrap().value.id
}

/// A notice for the outage to point at (its sending is the app's).
async fn notice(db: &Db, audience: &Audience) -> MailingId {
    let new =
        NewMailing::new("Отключение", "Текст", MailingKind::Emergency, vec![MailingChannel::InApp], audience.clone())
            .unwrap();
    db.write(move |tx| Box::pin(async move { mailings::insert(tx, &new, None).await })).await.unwrap().value.id
}

async fn filed(db: &Db, building: BuildingId, unit: UnitId) -> domovoy_domain::ticket::Ticket {
    let mut parts = ticket(building, "Нет горячей воды", None);
    parts.unit_id = Some(unit);
    let filed = insert(db, parts).await;
    let id = filed.id;
    db.write(move |tx| Box::pin(async move { outages::link_new_ticket(tx, id, unit).await })).await.unwrap();
    filed
}

async fn linked(db: &Db, outage: domovoy_domain::ids::OutageId) -> usize {
    let query = TicketQuery { outage: Some(outage), sort: TicketSort::Newest, limit: 100, ..TicketQuery::default() };
    tickets::list(db, &query).await.unwrap().items.len()
}

async fn an_outage_selects_its_units_and_links_their_tickets(db: &Db) {
    let b = building(db).await;
    let spec = LayoutSpec {
        sections: 2,
        kind: SectionKind::Entrance,
        first_floor: 1,
        last_floor: 4,
        units_per_floor: 2,
        unit_kind: UnitKind::Apartment,
        first_number: 1,
        by_floor: false,
        ground_floor: None,
        parking: None,
    };
    let plan = spec.generate().unwrap();
    db.write(move |tx| Box::pin(async move { layout::replace(tx, b, &plan).await })).await.unwrap();
    let stored = layout::load(db, b).await.unwrap();
    let (first, second) = (&stored.sections[0], &stored.sections[1]);
    let unit_of = |section: &layout::Section| section.floors[0].units[0].id;
    let (here, there) = (unit_of(first), unit_of(second));

    // Before: an open ticket here, a done one here, an open one there.
    let open_here = filed(db, b, here).await;
    let mut done = ticket(b, "Капает кран", None);
    done.unit_id = Some(here);
    done.status = TicketStatus::Done;
    insert(db, done).await;
    filed(db, b, there).await;

    let new = NewOutage::new("hot_water", "", vec![], vec![first.id], "2026-12-10T09:00", "2026-12-10T18:00").unwrap();
    let mailing = notice(db, &new.audience).await;
    let (outage, units, linked_now) = db
        .write(move |tx| Box::pin(async move { outages::insert(tx, &new, &[b], mailing, None).await }))
        .await
        .unwrap()
        .value;
    assert_eq!(units, 8, "the first section's eight flats");
    assert_eq!(linked_now, 1, "only the open ticket of the section");
    assert_eq!(outages::unit_count(db, outage.id).await.unwrap(), 8);
    assert_eq!(outages::of_ticket(db, open_here.id).await.unwrap()[0].id, outage.id);
    let found = outages::open_for_units(db, &[here, there]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, here);

    // Filed while it lasts: linked here, not there.
    filed(db, b, here).await;
    filed(db, b, there).await;
    assert_eq!(linked(db, outage.id).await, 2);

    // Closed once; then new tickets are their own.
    let id = outage.id;
    let closing = notice(db, &outage.audience).await;
    let user = add_user(db, staff("dispatcher-o", "Диспетчер")).await.id;
    let first_close =
        db.write(move |tx| Box::pin(async move { outages::close(tx, id, closing, user).await })).await.unwrap().value;
    assert!(first_close);
    let again = notice(db, &outage.audience).await;
    let second_close =
        db.write(move |tx| Box::pin(async move { outages::close(tx, id, again, user).await })).await.unwrap().value;
    assert!(!second_close, "closed once");
    assert_eq!(outages::get(db, id).await.unwrap().closing_notice_id, Some(closing));
    assert!(outages::open_for_units(db, &[here]).await.unwrap().is_empty());
    filed(db, b, here).await;
    assert_eq!(linked(db, outage.id).await, 2, "a ticket after the close is not linked");
    assert_eq!(outages::list(db, true, 10).await.unwrap().len(), 0);
    assert_eq!(outages::list(db, false, 10).await.unwrap().len(), 1);
}

domovoy_store::backend_tests!(an_outage_selects_its_units_and_links_their_tickets);
