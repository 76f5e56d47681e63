//! Clients: cards, their units and consents, and who may see what.
//!
//! A client belongs to the buildings of the units they are linked to: a
//! staff member reaches a client through any of those buildings (or
//! everywhere); a resident reaches only their own client record. Phones and
//! e-mails need the personal-data permission on top, and every time staff
//! see them the audit log records it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::client::{Channel, Client, ClientDraft, ClientInput, UnitLink};
use domovoy_domain::event::{Event, OccupancyChange};
use domovoy_domain::ids::{BuildingId, ClientId, TicketId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::ticket::Ticket;
use domovoy_store::audit::{self, AuditQuery, Change};
use domovoy_store::clients::{self, LinkedUnit};
use domovoy_store::tickets::{self, TicketQuery, TicketSort};
use domovoy_store::{StoreError, layout};

use crate::App;
use crate::AppError;
use crate::Requester;

/// The buildings a client belongs to (through their units).
fn buildings_of(links: &[LinkedUnit]) -> BTreeSet<BuildingId> {
    links.iter().map(|l| l.unit.building_id).collect()
}

/// Whether the requester holds `permission` for this client: everywhere, in
/// one of the client's buildings, or as the resident the record belongs to.
fn allowed(requester: &Requester, permission: Permission, client: &Client, buildings: &BTreeSet<BuildingId>) -> bool {
    let own = client.card.user_id.map(|owner| Target::SYSTEM.owned_by(owner));
    requester.principal().can(permission, &Target::SYSTEM)
        || buildings.iter().any(|b| requester.principal().can(permission, &Target::building(*b)))
        || own.is_some_and(|target| requester.principal().can(permission, &target))
}

fn require(
    requester: &Requester,
    permission: Permission,
    client: &Client,
    buildings: &BTreeSet<BuildingId>,
) -> Result<(), AppError> {
    if allowed(requester, permission, client, buildings) { Ok(()) } else { Err(AppError::Forbidden) }
}

fn parse(input: &ClientInput) -> Result<ClientDraft, AppError> {
    input.parse().map_err(AppError::Problems)
}

/// Checks that every unit of `links` is in a building where the requester may
/// edit clients, and each link's combination.
async fn check_links(app: &App, requester: &Requester, links: Vec<UnitLink>) -> Result<Vec<UnitLink>, AppError> {
    let mut checked = Vec::with_capacity(links.len());
    for (i, link) in links.into_iter().enumerate() {
        let link =
            link.validate().map_err(|(field, e)| AppError::Problems(vec![(format!("units[{i}].{field}"), e)]))?;
        let unit = layout::unit(&app.db, link.unit_id).await.map_err(|e| match e {
            StoreError::NotFound => AppError::Problems(vec![(format!("units[{i}].unit_id"), FieldError::Unknown)]),
            other => other.into(),
        })?;
        requester.require(Permission::ClientsEdit, &Target::building(unit.building_id))?;
        checked.push(link);
    }
    Ok(checked)
}

/// A new client, optionally with units (client editing).
pub async fn create(
    app: &App,
    requester: &Requester,
    input: &ClientInput,
    links: Vec<UnitLink>,
) -> Result<Client, AppError> {
    let reach = requester.reach(Permission::ClientsEdit)?;
    if !reach.reaches_buildings() {
        return Err(AppError::Forbidden);
    }
    // Someone who edits clients in some buildings only must say where the
    // client lives, or would create a card they cannot see.
    if !reach.everywhere && links.is_empty() {
        return Err(AppError::Problems(vec![("units".to_owned(), FieldError::Required)]));
    }
    let draft = parse(input)?;
    let links = check_links(app, requester, links).await?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let client = clients::insert(tx, &draft).await?;
            clients::set_links(tx, client.id, &links).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::ClientCreated, client.id)
                    .summary(client.card.name.clone())
                    .after(&client),
            )
            .await?;
            Ok(client)
        })
    })
    .await
}

/// Changes a card; `version` (when given) must be the one the editor read.
pub async fn update(
    app: &App,
    requester: &Requester,
    id: ClientId,
    input: &ClientInput,
    version: Option<i64>,
) -> Result<Client, AppError> {
    let current = clients::get(&app.db, id).await?;
    let links = clients::links(&app.db, id).await?;
    require(requester, Permission::ClientsEdit, &current, &buildings_of(&links))?;
    let draft = parse(input)?;
    let actor = requester.actor();
    let result = app
        .write(move |tx| {
            Box::pin(async move {
                let after = clients::update(tx, id, &draft, version).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::ClientUpdated, id)
                        .summary(after.card.name.clone())
                        .before(&current)
                        .after(&after),
                )
                .await?;
                Ok(after)
            })
        })
        .await;
    match result {
        Err(AppError::Conflict) => {
            let now = clients::get(&app.db, id).await?;
            Err(AppError::VersionConflict { current: now.version })
        }
        other => other,
    }
}

/// Replaces the client's units; the chessboards of every building touched
/// (before or after) hear about it.
pub async fn set_units(app: &App, requester: &Requester, id: ClientId, links: Vec<UnitLink>) -> Result<(), AppError> {
    let client = clients::get(&app.db, id).await?;
    let before = clients::links(&app.db, id).await?;
    let before_buildings = buildings_of(&before);
    require(requester, Permission::ClientsEdit, &client, &before_buildings)?;
    // Links in buildings the requester does not reach stay as they are.
    let links = check_links(app, requester, links).await?;
    let kept: Vec<UnitLink> = before
        .iter()
        .filter(|l| !requester.principal().can(Permission::ClientsEdit, &Target::building(l.unit.building_id)))
        .map(|l| l.link.clone())
        .collect();
    let actor = requester.actor();
    let before_links: Vec<UnitLink> = before.iter().map(|l| l.link.clone()).collect();
    app.write(move |tx| {
        Box::pin(async move {
            let mut all = kept;
            all.extend(links);
            clients::set_links(tx, id, &all).await?;
            let after = clients::links(&mut *tx, id).await?;
            let mut touched = before_buildings;
            touched.extend(buildings_of(&after));
            audit::record(
                tx,
                Change::new(&actor, AuditAction::ClientUnitsChanged, id)
                    .summary(client.card.name.clone())
                    .before(&before_links)
                    .after(&all),
            )
            .await?;
            let units: Vec<_> = before_links.iter().chain(&all).map(|l| l.unit_id).collect();
            for building in touched {
                tx.emit(&Event::OccupancyChanged(OccupancyChange {
                    building_id: Some(building),
                    client_id: Some(id),
                    unit_ids: units.clone(),
                    import: false,
                }));
            }
            Ok(())
        })
    })
    .await
}

/// Gives (true) or withdraws (false) consent per channel; a consent already
/// given keeps its date.
pub async fn set_consents(
    app: &App,
    requester: &Requester,
    id: ClientId,
    wanted: &[(Channel, bool)],
) -> Result<(), AppError> {
    let client = clients::get(&app.db, id).await?;
    let links = clients::links(&app.db, id).await?;
    require(requester, Permission::ClientsEdit, &client, &buildings_of(&links))?;
    let current = clients::consents(&app.db, id).await?;
    let changes: Vec<(Channel, Option<DateTime<Utc>>)> = wanted
        .iter()
        .filter(|(channel, on)| current.iter().any(|(c, _)| c == channel) != *on)
        .map(|(channel, on)| (*channel, on.then(domovoy_store::stored_now)))
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            for (channel, given) in &changes {
                clients::set_consent(tx, id, *channel, *given).await?;
            }
            let after = clients::consents(&mut *tx, id).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::ClientConsentChanged, id)
                    .summary(client.card.name.clone())
                    .before(&current)
                    .after(&after),
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// One entry of the client's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineItem {
    pub at: DateTime<Utc>,
    pub event: TimelineEvent,
}

/// What happened, for the door to word in its language.
#[derive(Debug, Clone, Serialize)]
pub enum TimelineEvent {
    /// A ticket of the client was filed.
    Ticket { id: TicketId, number: String, excerpt: String },
    /// A change to the card, from the audit log.
    Audit { action: AuditAction, actor_login: String },
    /// The card was created (for those who cannot read the audit log).
    CardCreated,
}

/// Everything about a client on one screen.
#[derive(Debug, Clone, Serialize)]
pub struct ClientCard {
    pub client: Client,
    /// Phones and e-mails are in `client` only when this is true.
    pub contacts_visible: bool,
    pub units: Vec<LinkedUnit>,
    pub consents: Vec<(Channel, DateTime<Utc>)>,
    pub open_tickets: Vec<Ticket>,
    pub past_tickets: Vec<Ticket>,
    pub timeline: Vec<TimelineItem>,
    /// The mailings the client received (or was skipped in), the newest
    /// first; addresses only with `contacts_visible`.
    pub mailings: Vec<domovoy_store::mailings::Delivery>,
    pub can_edit: bool,
    pub can_create_ticket: bool,
}

/// The client card (client reading). Staff who see the contacts leave an
/// audit entry; without the personal-data permission the phones and
/// e-mails are removed.
pub async fn card(app: &App, requester: &Requester, id: ClientId) -> Result<ClientCard, AppError> {
    let mut client = clients::get(&app.db, id).await?;
    let units = clients::links(&app.db, id).await?;
    let buildings = buildings_of(&units);
    require(requester, Permission::ClientsRead, &client, &buildings)?;
    let contacts_visible = allowed(requester, Permission::ClientsContactsRead, &client, &buildings);
    let own_record = requester.owns(client.card.user_id);
    // The card lists only the units the requester may read clients in: a
    // manager of two buildings does not learn of the client's office in a
    // third. The resident sees all their own.
    let client_reach = requester.principal().reach(Permission::ClientsRead);
    let me = requester.principal().user_id;
    let units: Vec<_> = units
        .into_iter()
        .filter(|l| own_record || client_reach.covers(&Target::building(l.unit.building_id), me))
        .collect();
    if !contacts_visible {
        client.card.phones.clear();
        client.card.emails.clear();
    } else if !own_record && (!client.card.phones.is_empty() || !client.card.emails.is_empty()) {
        let actor = requester.actor();
        let name = client.card.name.clone();
        app.write(move |tx| {
            Box::pin(async move {
                audit::record(tx, Change::new(&actor, AuditAction::ClientContactsViewed, id).summary(name)).await?;
                Ok(())
            })
        })
        .await?;
    }
    let consents = clients::consents(&app.db, id).await?;
    let tickets_reach = requester.principal().reach(Permission::TicketsRead);
    let tickets = if tickets_reach.is_nothing() {
        Vec::new()
    } else {
        let query = TicketQuery {
            client: Some(id),
            buildings: tickets_reach.building_filter().map(|b| b.iter().copied().collect()),
            sort: TicketSort::Newest,
            limit: 100,
            ..TicketQuery::default()
        };
        tickets::list(&app.db, &query).await?.items
    };
    let (open_tickets, past_tickets): (Vec<Ticket>, Vec<Ticket>) =
        tickets.into_iter().partition(|t| t.status().is_open());
    let mut timeline: Vec<TimelineItem> = open_tickets
        .iter()
        .chain(&past_tickets)
        .map(|t| TimelineItem {
            at: t.created_at,
            event: TimelineEvent::Ticket {
                id: t.id,
                number: t.number.to_string(),
                excerpt: t.description.as_str().chars().take(120).collect(),
            },
        })
        .collect();
    if requester.principal().can(Permission::AuditRead, &Target::SYSTEM) {
        let mut query = AuditQuery::everything(50);
        query.entity_kind = Some("client".to_owned());
        query.entity_id = Some(id.to_string());
        for entry in audit::list(&app.db, &query).await?.entries {
            timeline.push(TimelineItem {
                at: entry.at,
                event: TimelineEvent::Audit { action: entry.action, actor_login: entry.actor_login },
            });
        }
    } else {
        timeline.push(TimelineItem { at: client.created_at, event: TimelineEvent::CardCreated });
    }
    timeline.sort_by_key(|item| std::cmp::Reverse(item.at));
    let mut mailings = domovoy_store::mailings::for_client(&app.db, id, 100).await?;
    if !contacts_visible {
        for delivery in &mut mailings {
            delivery.address = None;
        }
    }
    let can_edit = allowed(requester, Permission::ClientsEdit, &client, &buildings);
    let can_create_ticket =
        buildings.iter().any(|b| requester.principal().can(Permission::TicketsCreate, &Target::building(*b)));
    Ok(ClientCard {
        client,
        contacts_visible,
        units,
        consents,
        open_tickets,
        past_tickets,
        timeline,
        mailings,
        can_edit,
        can_create_ticket,
    })
}
