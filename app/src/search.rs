//! The one search box: clients, units, tickets and buildings at once.
//!
//! Each group is searched only when the requester may read that kind of thing,
//! and only within the buildings they reach. Search results never show
//! phones or e-mails (those are on the card, where viewing them is audited).
//! Finding clients by phone needs the right to see contacts: otherwise a
//! number could be rebuilt digit by digit from which prefixes find someone.
//! Searches through clients are audited and limited per account.

use serde::Serialize;

use domovoy_domain::audit::AuditAction;
use domovoy_domain::client::{UnitQuery, phone_digits, phone_start, query_words};
use domovoy_domain::ids::{BuildingId, ClientId, TicketId, UnitId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Reach;
use domovoy_domain::text::fold;
use domovoy_domain::ticket::TicketNumber;
use domovoy_store::audit::{self, Change};
use domovoy_store::{buildings, clients, layout, tickets};

use crate::App;
use crate::Requester;
use crate::{AppError, Limit};

#[derive(Debug, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct SearchParams {
    /// A phone in any form, a name (prefix, typos forgiven), "кв 45",
    /// an address or a ticket number.
    pub q: String,
}

/// Results per group.
const LIMIT: usize = 8;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientResult {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: ClientId,
    pub name: String,
    /// `person` or `company`.
    pub kind: &'static str,
    /// "кв. 45" and the like.
    pub units: Vec<String>,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitResult {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: UnitId,
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub building_id: BuildingId,
    pub building_name: String,
    pub section: String,
    pub floor: i32,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketResult {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: TicketId,
    pub number: String,
    pub status: &'static str,
    pub description: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuildingResult {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: BuildingId,
    pub name: String,
    pub address: String,
    pub url: String,
}

/// What one query found, grouped by kind.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub clients: Vec<ClientResult>,
    pub units: Vec<UnitResult>,
    pub tickets: Vec<TicketResult>,
    pub buildings: Vec<BuildingResult>,
}

fn reaches(reach: &Reach, building: BuildingId) -> bool {
    reach.everywhere || reach.buildings.contains(&building)
}

/// Records a search through clients: who looked for what, and how many
/// were found (not who).
async fn audit_search(app: &App, requester: &Requester, query: &str, found: usize) -> Result<(), AppError> {
    let actor = requester.actor();
    let summary = format!("«{query}» → {found}");
    app.write(move |tx| {
        Box::pin(async move {
            let change = Change::new(&actor, AuditAction::ClientsSearched, "search").summary(summary);
            audit::record(tx, change).await?;
            Ok(())
        })
    })
    .await
}

/// Searches everything the requester may read. A blank query finds nothing.
pub async fn search(app: &App, requester: &Requester, query: &str) -> Result<SearchResults, AppError> {
    let query = query.trim();
    let mut out = SearchResults::default();
    if query.is_empty() || query.chars().count() > 100 {
        return Ok(out);
    }
    let principal = &requester.principal();
    let unit_reach = principal.reach(Permission::ChessboardRead);
    let building_reach = principal.reach(Permission::BuildingsRead);
    let all_buildings = buildings::list(&app.db).await?;
    let building_name =
        |id: BuildingId| all_buildings.iter().find(|b| b.id == id).map(|b| b.name.to_string()).unwrap_or_default();

    let by_phone = phone_digits(query);
    // By phone: only where the requester may see contacts.
    let client_reach = match by_phone {
        Some(_) => principal.reach(Permission::ClientsContactsRead),
        None => principal.reach(Permission::ClientsRead),
    };
    if client_reach.reaches_buildings() {
        if let Some(user) = requester.user_id() {
            app.search_limiter
                .check(user)
                .map_err(|retry_after| AppError::TooManyRequests { limit: Limit::Search, retry_after })?;
        }
        // Staff limited to some buildings see only clients there: read more
        // to still fill the group after filtering.
        let words = query_words(query);
        // «иванов 45»: a surname and a flat. The numbers narrow the people
        // found by the words to those with such a unit.
        let (numbers, name_words): (Vec<String>, Vec<String>) =
            words.into_iter().partition(|w| w.chars().all(|c| c.is_ascii_digit()));
        let by_unit = !numbers.is_empty() && !name_words.is_empty();
        let want = if client_reach.everywhere && !by_unit { LIMIT } else { 50 };
        let mut hits = match &by_phone {
            Some(digits) => clients::search_by_phone(&app.db, digits, phone_start(query).as_deref(), want).await?,
            None if by_unit => clients::search_by_name(&app.db, &name_words, want).await?,
            None => {
                let all: Vec<String> = name_words.into_iter().chain(numbers.iter().cloned()).collect();
                clients::search_by_name(&app.db, &all, want).await?
            }
        };
        if !client_reach.everywhere {
            hits.retain(|h| h.units.iter().any(|(b, _)| reaches(&client_reach, *b)));
        }
        if by_phone.is_none() && by_unit {
            let label_of = |title: &str| title.rsplit(' ').next().unwrap_or_default().to_lowercase();
            hits.retain(|h| h.units.iter().any(|(_, title)| numbers.contains(&label_of(title))));
        }
        // Where a person may see more than one building, a unit says which.
        let several = client_reach.everywhere || client_reach.buildings.len() > 1;
        out.clients = hits
            .into_iter()
            .take(LIMIT)
            .map(|h| ClientResult {
                url: format!("/clients/{}", h.id),
                id: h.id,
                name: h.name,
                kind: h.kind.code(),
                units: h
                    .units
                    .into_iter()
                    .map(|(b, title)| if several { format!("{title}, {}", building_name(b)) } else { title })
                    .collect(),
            })
            .collect();
        audit_search(app, requester, query, out.clients.len()).await?;
    }

    if unit_reach.reaches_buildings()
        && let Some(unit_query) = UnitQuery::parse(query)
    {
        let units = layout::find_by_label(&app.db, &unit_query.label, unit_query.kind, 200).await?;
        out.units = units
            .into_iter()
            .filter(|u| reaches(&unit_reach, u.building_id))
            .take(LIMIT)
            .map(|u| UnitResult {
                url: format!("/buildings/{}/chessboard?unit={}", u.building_id, u.id),
                title: u.title(),
                building_name: building_name(u.building_id),
                building_id: u.building_id,
                section: u.section_name.clone(),
                floor: u.floor,
                id: u.id,
            })
            .collect();
    }

    let ticket_reach = principal.reach(Permission::TicketsRead);
    if ticket_reach.reaches_buildings()
        && let Ok(number) = query.parse::<TicketNumber>()
        && let Some(ticket) = tickets::find_by_number(&app.db, number).await?
        && reaches(&ticket_reach, ticket.building_id)
    {
        out.tickets.push(TicketResult {
            url: format!("/tickets/{}", ticket.id),
            id: ticket.id,
            number: ticket.number.to_string(),
            status: ticket.status().code(),
            description: ticket.description.as_str().chars().take(120).collect(),
        });
    }

    if building_reach.reaches_buildings() {
        let words = query_words(query);
        out.buildings = all_buildings
            .iter()
            .filter(|b| reaches(&building_reach, b.id))
            .filter(|b| {
                let text = fold(&format!("{} {}", b.name, b.address));
                !words.is_empty() && words.iter().all(|w| text.contains(w.as_str()))
            })
            .take(LIMIT)
            .map(|b| BuildingResult {
                id: b.id,
                name: b.name.to_string(),
                address: b.address.to_string(),
                url: format!("/buildings/{}/chessboard", b.id),
            })
            .collect();
    }
    Ok(out)
}
