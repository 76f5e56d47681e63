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
use domovoy_domain::event::{EventKind, Topic};
use domovoy_domain::ids::{BuildingId, ClientId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::ticket::Ticket;
use domovoy_store::audit::{self, AuditQuery, Change};
use domovoy_store::clients::{self, LinkedUnit};
use domovoy_store::tickets::{self, TicketQuery, TicketSort};
use domovoy_store::{StoreError, layout};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// The buildings a client belongs to (through their units).
fn buildings_of(links: &[LinkedUnit]) -> BTreeSet<BuildingId> {
    links.iter().map(|l| l.unit.building_id).collect()
}

/// Whether the caller holds `permission` for this client: everywhere, in
/// one of the client's buildings, or as the resident the record belongs to.
fn allowed(caller: &Caller, permission: Permission, client: &Client, buildings: &BTreeSet<BuildingId>) -> bool {
    let own = client.card.user_id.map(|owner| Target::SYSTEM.owned_by(owner));
    caller.principal.can(permission, &Target::SYSTEM)
        || buildings.iter().any(|b| caller.principal.can(permission, &Target::building(*b)))
        || own.is_some_and(|target| caller.principal.can(permission, &target))
}

fn require(
    caller: &Caller,
    permission: Permission,
    client: &Client,
    buildings: &BTreeSet<BuildingId>,
) -> Result<(), ApiError> {
    if allowed(caller, permission, client, buildings) { Ok(()) } else { Err(ApiError::Forbidden) }
}

fn parse(input: &ClientInput) -> Result<ClientDraft, ApiError> {
    input.parse().map_err(ApiError::Problems)
}

/// Checks that every unit of `links` is in a building where the caller may
/// edit clients, and each link's combination.
async fn check_links(state: &AppState, caller: &Caller, links: Vec<UnitLink>) -> Result<Vec<UnitLink>, ApiError> {
    let mut checked = Vec::with_capacity(links.len());
    for (i, link) in links.into_iter().enumerate() {
        let link =
            link.validate().map_err(|(field, e)| ApiError::Problems(vec![(format!("units[{i}].{field}"), e)]))?;
        let unit = layout::unit(&state.db, link.unit_id).await.map_err(|e| match e {
            StoreError::NotFound => ApiError::Problems(vec![(format!("units[{i}].unit_id"), FieldError::Unknown)]),
            other => other.into(),
        })?;
        caller.require(Permission::ClientsEdit, &Target::building(unit.building_id))?;
        checked.push(link);
    }
    Ok(checked)
}

/// A new client, optionally with units (client editing).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: &ClientInput,
    links: Vec<UnitLink>,
) -> Result<Client, ApiError> {
    let reach = caller.reach(Permission::ClientsEdit)?;
    if !reach.reaches_buildings() {
        return Err(ApiError::Forbidden);
    }
    // Someone who edits clients in some buildings only must say where the
    // client lives, or would create a card they cannot see.
    if !reach.everywhere && links.is_empty() {
        return Err(ApiError::Problems(vec![("units".to_owned(), FieldError::Required)]));
    }
    let draft = parse(input)?;
    let links = check_links(state, caller, links).await?;
    let actor = caller.actor();
    state
        .write(move |tx| {
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
    state: &AppState,
    caller: &Caller,
    id: ClientId,
    input: &ClientInput,
    version: Option<i64>,
) -> Result<Client, ApiError> {
    let current = clients::get(&state.db, id).await?;
    let links = clients::links(&state.db, id).await?;
    require(caller, Permission::ClientsEdit, &current, &buildings_of(&links))?;
    let draft = parse(input)?;
    let actor = caller.actor();
    let result = state
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
        Err(ApiError::Conflict) => {
            let now = clients::get(&state.db, id).await?;
            Err(ApiError::VersionConflict { current: now.version })
        }
        other => other,
    }
}

/// Replaces the client's units; the chessboards of every building touched
/// (before or after) hear about it.
pub async fn set_units(state: &AppState, caller: &Caller, id: ClientId, links: Vec<UnitLink>) -> Result<(), ApiError> {
    let client = clients::get(&state.db, id).await?;
    let before = clients::links(&state.db, id).await?;
    let before_buildings = buildings_of(&before);
    require(caller, Permission::ClientsEdit, &client, &before_buildings)?;
    // Links in buildings the caller does not reach stay as they are.
    let links = check_links(state, caller, links).await?;
    let kept: Vec<UnitLink> = before
        .iter()
        .filter(|l| !caller.principal.can(Permission::ClientsEdit, &Target::building(l.unit.building_id)))
        .map(|l| l.link.clone())
        .collect();
    let actor = caller.actor();
    let before_links: Vec<UnitLink> = before.iter().map(|l| l.link.clone()).collect();
    state
        .write(move |tx| {
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
                    tx.emit(
                        Topic::Building(building),
                        EventKind::OccupancyChanged,
                        &serde_json::json!({ "client_id": id, "unit_ids": units }),
                    )?;
                }
                Ok(())
            })
        })
        .await
}

/// Gives (true) or withdraws (false) consent per channel; a consent already
/// given keeps its date.
pub async fn set_consents(
    state: &AppState,
    caller: &Caller,
    id: ClientId,
    wanted: &[(Channel, bool)],
) -> Result<(), ApiError> {
    let client = clients::get(&state.db, id).await?;
    let links = clients::links(&state.db, id).await?;
    require(caller, Permission::ClientsEdit, &client, &buildings_of(&links))?;
    let current = clients::consents(&state.db, id).await?;
    let changes: Vec<(Channel, Option<DateTime<Utc>>)> = wanted
        .iter()
        .filter(|(channel, on)| current.iter().any(|(c, _)| c == channel) != *on)
        .map(|(channel, on)| (*channel, on.then(domovoy_store::stored_now)))
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let actor = caller.actor();
    state
        .write(move |tx| {
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    pub at: DateTime<Utc>,
    /// `ticket`, `card`.
    pub kind: &'static str,
    pub text: String,
    /// Where it leads, when it is a page.
    pub link: Option<String>,
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
    pub can_edit: bool,
    pub can_create_ticket: bool,
}

/// The client card (client reading). Staff who see the contacts leave an
/// audit entry; without the personal-data permission the phones and
/// e-mails are removed.
pub async fn card(state: &AppState, caller: &Caller, id: ClientId) -> Result<ClientCard, ApiError> {
    let mut client = clients::get(&state.db, id).await?;
    let units = clients::links(&state.db, id).await?;
    let buildings = buildings_of(&units);
    require(caller, Permission::ClientsRead, &client, &buildings)?;
    let contacts_visible = allowed(caller, Permission::ClientsContactsRead, &client, &buildings);
    let own_record = client.card.user_id == Some(caller.user.id);
    if !contacts_visible {
        client.card.phones.clear();
        client.card.emails.clear();
    } else if !own_record && (!client.card.phones.is_empty() || !client.card.emails.is_empty()) {
        let actor = caller.actor();
        let name = client.card.name.clone();
        state
            .write(move |tx| {
                Box::pin(async move {
                    audit::record(tx, Change::new(&actor, AuditAction::ClientContactsViewed, id).summary(name)).await?;
                    Ok(())
                })
            })
            .await?;
    }
    let consents = clients::consents(&state.db, id).await?;
    let tickets_reach = caller.principal.reach(Permission::TicketsRead);
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
        tickets::list(&state.db, &query).await?.items
    };
    let (open_tickets, past_tickets): (Vec<Ticket>, Vec<Ticket>) =
        tickets.into_iter().partition(|t| t.status.is_open());
    let mut timeline: Vec<TimelineItem> = open_tickets
        .iter()
        .chain(&past_tickets)
        .map(|t| TimelineItem {
            at: t.created_at,
            kind: "ticket",
            text: format!("{} · {}", t.number, t.description.as_str().chars().take(120).collect::<String>()),
            link: Some(format!("/tickets/{}", t.id)),
        })
        .collect();
    if caller.principal.can(Permission::AuditRead, &Target::SYSTEM) {
        let mut query = AuditQuery::everything(50);
        query.entity_kind = Some("client".to_owned());
        query.entity_id = Some(id.to_string());
        for entry in audit::list(&state.db, &query).await?.entries {
            timeline.push(TimelineItem {
                at: entry.at,
                kind: "card",
                text: format!("{} · {}", caller.t().audit_action(&entry.action), entry.actor_login),
                link: None,
            });
        }
    } else {
        timeline.push(TimelineItem {
            at: client.created_at,
            kind: "card",
            text: caller.t().pl.client_timeline_created.to_owned(),
            link: None,
        });
    }
    timeline.sort_by_key(|item| std::cmp::Reverse(item.at));
    let can_edit = allowed(caller, Permission::ClientsEdit, &client, &buildings);
    let can_create_ticket =
        buildings.iter().any(|b| caller.principal.can(Permission::TicketsCreate, &Target::building(*b)));
    Ok(ClientCard {
        client,
        contacts_visible,
        units,
        consents,
        open_tickets,
        past_tickets,
        timeline,
        can_edit,
        can_create_ticket,
    })
}
