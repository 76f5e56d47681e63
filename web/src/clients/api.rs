//! `/api/v1/clients`: client cards, their units and consents.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::client::{Channel, Client, ClientInput, LinkRole, Share, UnitLink};
use domovoy_domain::ids::{ClientId, UnitId};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Catalog;
use crate::state::AppState;
use crate::tickets::api::TicketDto;
use domovoy_app::clients::{self, ClientCard, TimelineEvent, TimelineItem};
use domovoy_app::tickets::{Lookup, shows_contacts};

/// A client's link to a unit as sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UnitLinkRequest {
    pub unit_id: Uuid,
    /// `owner`, `tenant` or `occupant`.
    pub role: String,
    /// Owners: `1/2`, `1`, `50%`.
    pub share: Option<String>,
    /// Tenants: the lease.
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// Лицевой счёт.
    pub account: Option<String>,
}

fn links(requests: &[UnitLinkRequest]) -> Result<Vec<UnitLink>, ApiError> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let role = r.role.parse::<LinkRole>().map_err(|e| problems.push((format!("units[{i}].role"), e))).ok();
        let share = match r.share.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => raw.parse::<Share>().map_err(|e| problems.push((format!("units[{i}].share"), e))).ok(),
        };
        if let Some(role) = role {
            out.push(UnitLink {
                unit_id: UnitId::from_uuid(r.unit_id),
                role,
                share,
                valid_from: r.valid_from,
                valid_to: r.valid_to,
                account: r.account.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned),
            });
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(ApiError::problems(problems)) }
}

/// A client's card as sent: the card fields, and (on creation) units.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ClientRequest {
    /// `person` (default) or `company`.
    pub kind: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    /// A company's name, or a person's full name ("Иванова Анна Петровна").
    pub name: Option<String>,
    pub inn: Option<String>,
    /// Any Russian form; stored as E.164 with the original kept.
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The resident account of this client.
    pub user_id: Option<Uuid>,
    /// The client's key in the billing system.
    pub external_id: Option<String>,
    /// On creation: the client's units.
    #[serde(default)]
    pub units: Vec<UnitLinkRequest>,
    /// On change: the version read (a stale one gets 409).
    pub version: Option<i64>,
}

impl ClientRequest {
    fn input(&self) -> ClientInput {
        ClientInput {
            kind: self.kind.clone(),
            last_name: self.last_name.clone(),
            first_name: self.first_name.clone(),
            middle_name: self.middle_name.clone(),
            name: self.name.clone(),
            inn: self.inn.clone(),
            phones: self.phones.clone(),
            emails: self.emails.clone(),
            notes: self.notes.clone(),
            tags: self.tags.clone(),
            user_id: self.user_id.map(Into::into),
            external_id: self.external_id.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhoneDto {
    /// E.164 with `;ext=` for an extension.
    pub e164: String,
    /// `+7 912 345-67-89`.
    pub display: String,
    /// As typed or imported.
    pub raw: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientUnitDto {
    pub unit_id: Uuid,
    pub building_id: Uuid,
    pub building_name: String,
    /// "кв. 45".
    pub title: String,
    pub section: String,
    pub floor: i32,
    pub role: &'static str,
    pub share: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub account: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentDto {
    /// `push`, `email`, `sms`.
    pub channel: &'static str,
    pub given_at: DateTime<Utc>,
}

/// The client card.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientCardDto {
    pub id: Uuid,
    pub kind: &'static str,
    pub name: String,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub inn: Option<String>,
    /// False without the personal-data permission: `phones` and `emails` are empty then.
    pub contacts_visible: bool,
    pub phones: Vec<PhoneDto>,
    pub emails: Vec<String>,
    pub notes: String,
    pub tags: Vec<String>,
    pub has_account: bool,
    pub external_id: Option<String>,
    pub version: i64,
    pub units: Vec<ClientUnitDto>,
    pub consents: Vec<ConsentDto>,
    pub open_tickets: Vec<TicketDto>,
    pub past_tickets: Vec<TicketDto>,
    /// Newest first.
    pub timeline: Vec<TimelineDto>,
    /// The mailings the client received, one entry per channel, newest first.
    pub mailings: Vec<crate::mailings::api::DeliveryDto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn card_dto(state: &AppState, caller: &Caller, card: ClientCard) -> Result<ClientCardDto, ApiError> {
    let all: Vec<_> = card.open_tickets.iter().chain(&card.past_tickets).cloned().collect();
    let lookup = Lookup::load(state, &all).await?;
    let ticket = |t: &domovoy_domain::ticket::Ticket| TicketDto::with_lookup(t, &lookup, shows_contacts(caller, t));
    let c: Client = card.client;
    Ok(ClientCardDto {
        id: c.id.as_uuid(),
        kind: c.card.kind.code(),
        name: c.card.name,
        last_name: c.card.last_name,
        first_name: c.card.first_name,
        middle_name: c.card.middle_name,
        inn: c.card.inn,
        contacts_visible: card.contacts_visible,
        phones: c
            .card
            .phones
            .iter()
            .map(|p| PhoneDto {
                e164: serde_json::to_value(&p.phone)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                display: p.phone.to_string(),
                raw: p.raw.clone(),
            })
            .collect(),
        emails: c.card.emails.iter().map(|e| e.as_str().to_owned()).collect(),
        notes: c.card.notes,
        tags: c.card.tags,
        has_account: c.card.user_id.is_some(),
        external_id: c.card.external_id,
        version: c.version,
        units: card
            .units
            .iter()
            .map(|l| ClientUnitDto {
                unit_id: l.unit.id.as_uuid(),
                building_id: l.unit.building_id.as_uuid(),
                building_name: l.building_name.clone(),
                title: l.unit.title(),
                section: l.unit.section_name.clone(),
                floor: l.unit.floor,
                role: l.link.role.code(),
                share: l.link.share.map(|s| s.to_string()),
                valid_from: l.link.valid_from,
                valid_to: l.link.valid_to,
                account: l.link.account.clone(),
            })
            .collect(),
        consents: card.consents.iter().map(|(ch, at)| ConsentDto { channel: ch.code(), given_at: *at }).collect(),
        open_tickets: card.open_tickets.iter().map(ticket).collect(),
        past_tickets: card.past_tickets.iter().map(ticket).collect(),
        timeline: card.timeline.iter().map(|item| TimelineDto::new(item, caller.t())).collect(),
        mailings: card.mailings.iter().map(crate::mailings::api::DeliveryDto::from).collect(),
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

/// One entry of a client's timeline, in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineDto {
    pub at: DateTime<Utc>,
    /// `ticket` or `card`.
    pub kind: &'static str,
    pub text: String,
    /// Where it leads, when it is a page.
    pub link: Option<String>,
}

impl TimelineDto {
    pub fn new(item: &TimelineItem, t: &Catalog) -> Self {
        let (kind, text, link) = match &item.event {
            TimelineEvent::Ticket { id, number, excerpt } => {
                ("ticket", (t.pl.client_timeline_ticket)(number, excerpt), Some(format!("/tickets/{id}")))
            }
            TimelineEvent::Audit { action, actor_login } => {
                ("card", (t.pl.client_timeline_change)(t.audit_action(action), actor_login), None)
            }
            TimelineEvent::CardCreated => ("card", t.pl.client_timeline_created.to_owned(), None),
        };
        Self { at: item.at, kind, text, link }
    }
}

/// Creates a client (client editing). Staff limited to some buildings must
/// give `units` in them.
#[utoipa::path(
    tag = "clients",
    request_body = ClientRequest,
    responses((status = 201, body = ClientCardDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/clients")]
pub async fn create_client(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let links = links(&body.units)?;
    let client = clients::create(&state, &caller, &body.input(), links).await?;
    let card = clients::card(&state, &caller, client.id).await?;
    Ok(HttpResponse::Created().json(card_dto(&state, &caller, card).await?))
}

/// The client card: who they are, contacts (with the personal-data
/// permission; the view is audited), units, tickets, consents, timeline.
#[utoipa::path(
    tag = "clients",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ClientCardDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/clients/{id}")]
pub async fn get_client(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ClientCardDto>, ApiError> {
    let card = clients::card(&state, &caller, ClientId::from_uuid(*id)).await?;
    Ok(web::Json(card_dto(&state, &caller, card).await?))
}

/// Changes a client's card (units and consents have their own routes).
#[utoipa::path(
    tag = "clients",
    params(("id" = Uuid, Path)),
    request_body = ClientRequest,
    responses(
        (status = 200, body = ClientCardDto), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/clients/{id}")]
pub async fn update_client(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ClientRequest>,
) -> Result<web::Json<ClientCardDto>, ApiError> {
    let id = ClientId::from_uuid(*id);
    clients::update(&state, &caller, id, &body.input(), body.version).await?;
    let card = clients::card(&state, &caller, id).await?;
    Ok(web::Json(card_dto(&state, &caller, card).await?))
}

/// Replaces the client's units (in the buildings the caller edits).
#[utoipa::path(
    tag = "clients",
    params(("id" = Uuid, Path)),
    request_body = Vec<UnitLinkRequest>,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/api/v1/clients/{id}/units")]
pub async fn set_client_units(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<Vec<UnitLinkRequest>>,
) -> Result<HttpResponse, ApiError> {
    clients::set_units(&state, &caller, ClientId::from_uuid(*id), links(&body)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Consents per channel: `{"push": true, "email": false, "sms": true}`;
/// channels left out stay as they are.
#[utoipa::path(
    tag = "clients",
    params(("id" = Uuid, Path)),
    request_body = std::collections::BTreeMap<String, bool>,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/api/v1/clients/{id}/consents")]
pub async fn set_client_consents(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<std::collections::BTreeMap<String, bool>>,
) -> Result<HttpResponse, ApiError> {
    let mut wanted = Vec::new();
    let mut problems = Vec::new();
    for (channel, on) in body.iter() {
        match channel.parse::<Channel>() {
            Ok(c) => wanted.push((c, *on)),
            Err(_) => problems.push((channel.clone(), FieldError::Unknown)),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::problems(problems));
    }
    clients::set_consents(&state, &caller, ClientId::from_uuid(*id), &wanted).await?;
    Ok(HttpResponse::NoContent().finish())
}
