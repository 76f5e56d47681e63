//! `/api/v1/tickets`: intake, the board's list, a ticket's card, workflow,
//! assignment, comments, ratings, files.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_app::AppError;
use domovoy_domain::FieldError;
use domovoy_domain::ids::{TicketId, UserId};
use domovoy_domain::ticket::HistoryEntry;
use domovoy_domain::ticket::Ticket;
use domovoy_domain::ticket::TicketSummary;
use domovoy_store::tickets::{Attachment, Comment};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use domovoy_app::attachments;
use domovoy_app::ticket_filter::TicketFilter;
use domovoy_app::tickets::{self, IdempotencyKey, Intake, Lookup, NewTicket, TicketUpdate, TransitionRequest};

/// Longest `Idempotency-Key` accepted (Stripe's limit).
const MAX_KEY_LEN: usize = 255;

/// The SLA clock of a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaDto {
    /// `none`, `met`, `paused`, `active`, `warning`, `breached`.
    pub state: &'static str,
    pub policy_id: Option<Uuid>,
    pub response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    /// Working minutes the resolution clock has used.
    pub used_minutes: i64,
}

/// A ticket as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDto {
    pub id: Uuid,
    /// `2026-000123`.
    pub number: String,
    pub status: &'static str,
    pub source: &'static str,
    pub priority: &'static str,
    pub building_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub location: Option<String>,
    pub description: String,
    pub category_id: Option<Uuid>,
    pub category: Option<String>,
    pub place_id: Option<Uuid>,
    pub place: Option<String>,
    pub problem_id: Option<Uuid>,
    pub problem: Option<String>,
    /// Shown to those who may read personal contacts.
    pub contact_name: Option<String>,
    /// E.164; shown to those who may read personal contacts.
    pub contact_phone: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    /// Since when the assignee is on their way («в пути»); `null` when
    /// nobody is.
    pub en_route_at: Option<DateTime<Utc>>,
    pub team_id: Option<Uuid>,
    /// `waiting_client` or `waiting_parts` while on hold.
    pub hold_reason: Option<&'static str>,
    /// Why it was rejected or cancelled.
    pub end_reason: Option<String>,
    /// Bumped by every change; send it back to detect conflicting edits.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub sla: SlaDto,
    pub rating: Option<u8>,
    pub rating_comment: Option<String>,
    pub flagged: bool,
}

/// Names a ticket refers to, however they were looked up.
struct Names<'a> {
    category: Option<&'a str>,
    place: Option<&'a str>,
    problem: Option<&'a str>,
    assignee: Option<&'a str>,
}

impl TicketDto {
    fn build(t: &Ticket, names: &Names<'_>, contacts: bool) -> Self {
        Self {
            id: t.id.as_uuid(),
            number: t.number.to_string(),
            status: t.status().code(),
            source: t.source.code(),
            priority: t.priority.code(),
            building_id: t.building_id.as_uuid(),
            unit_id: t.unit_id.map(|u| u.as_uuid()),
            client_id: t.client_id.map(|c| c.as_uuid()),
            location: t.location.clone(),
            description: t.description.as_str().to_owned(),
            category_id: t.category_id.map(|c| c.as_uuid()),
            category: names.category.map(str::to_owned),
            place_id: t.place_id.map(|p| p.as_uuid()),
            place: names.place.map(str::to_owned),
            problem_id: t.problem_id.map(|p| p.as_uuid()),
            problem: names.problem.map(str::to_owned),
            contact_name: t.contact_name.clone().filter(|_| contacts),
            contact_phone: t.contact_phone.as_ref().filter(|_| contacts).map(|p| p.e164().to_owned()),
            assignee_id: t.assignee_id().map(|a| a.as_uuid()),
            assignee_name: names.assignee.map(str::to_owned),
            en_route_at: t.en_route_at(),
            team_id: t.team_id.map(|team| team.as_uuid()),
            hold_reason: t.hold_reason().map(|h| h.code()),
            end_reason: t.end_reason().map(str::to_owned),
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
            responded_at: t.responded_at(),
            resolved_at: t.resolved_at(),
            closed_at: t.closed_at(),
            sla: SlaDto {
                state: t.sla.state.code(),
                policy_id: t.sla.policy_id.map(|p| p.as_uuid()),
                response_due: t.sla.response_due,
                resolution_due: t.sla.resolution_due,
                used_minutes: t.sla.used_minutes,
            },
            rating: t.rating().map(|r| r.value()),
            rating_comment: t.rating_comment().map(str::to_owned),
            flagged: t.flagged(),
        }
    }

    /// With names from a lookup loaded for a page of tickets.
    pub fn with_lookup(t: &Ticket, lookup: &Lookup, contacts: bool) -> Self {
        let names = Names {
            category: lookup.item(t.category_id),
            place: lookup.item(t.place_id),
            problem: lookup.item(t.problem_id),
            assignee: lookup.user(t.assignee_id()),
        };
        Self::build(t, &names, contacts)
    }

    /// With names from the ticket's summary (intake's answer). The creator
    /// sees the contacts they entered.
    fn with_summary(t: &Ticket, s: &TicketSummary) -> Self {
        let names = Names {
            category: s.category.as_deref(),
            place: s.place.as_deref(),
            problem: s.problem.as_deref(),
            assignee: s.assignee_name.as_deref(),
        };
        Self::build(t, &names, true)
    }
}

fn render_created(ticket: &Ticket, summary: &TicketSummary) -> serde_json::Value {
    serde_json::to_value(TicketDto::with_summary(ticket, summary)).unwrap_or_default()
}

/// The request's `Idempotency-Key` header (any unique string, up to 255
/// characters), if it has one.
pub(crate) fn idempotency_header(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("Idempotency-Key") else { return Ok(None) };
    let key = value.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(ApiError::field("idempotency_key", FieldError::InvalidFormat));
    }
    Ok(Some(key.to_owned()))
}

/// The first answer to a request sent again with its `Idempotency-Key`,
/// as it was stored, marked `Idempotent-Replayed: true`.
pub(crate) fn replayed(status: u16, body: serde_json::Value) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::CREATED);
    HttpResponse::build(status).insert_header(("Idempotent-Replayed", "true")).json(body)
}

/// The request's `Idempotency-Key` with the hash of what it asks for.
fn idempotency_key(req: &HttpRequest, body: &NewTicket) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(key) = idempotency_header(req)? else { return Ok(None) };
    // The parsed body, re-serialized: the same fields in another order or
    // spacing are the same request.
    let canonical = serde_json::to_vec(body).map_err(ApiError::internal)?;
    Ok(Some(IdempotencyKey { key, request_hash: Sha256::digest(&canonical).to_vec() }))
}

/// Files a new ticket. Send an `Idempotency-Key` (any unique string, up to
/// 255 characters): a retry with the same key and body gets the first
/// answer and creates nothing; the same key with another body is 422.
/// The answer comes only after the ticket is stored.
#[utoipa::path(
    tag = "tickets",
    request_body = NewTicketRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, body = TicketDto),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Field errors, a reused key, a duplicate request"),
        (status = 429, body = ErrorBody, description = "Too many requests from one resident today"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/tickets")]
pub async fn create_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewTicket>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req, &body)?;
    match tickets::create(&state, &caller, &body, key, render_created).await? {
        Intake::Created { body, .. } => Ok(HttpResponse::Created().json(body)),
        Intake::Replayed { status, body } => Ok(replayed(status, body)),
    }
}

/// For the OpenAPI document: the body of `POST /api/v1/tickets`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // Documents NewTicket, which the handler parses.
pub struct NewTicketRequest {
    pub building_id: Uuid,
    pub description: String,
    /// `phone`, `resident_app`, `web_cabinet`, `email`, `walk_in`, `staff`.
    pub source: String,
    pub unit_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    /// A category's id or code (`plumbing`).
    pub category: Option<String>,
    pub place: Option<String>,
    pub problem: Option<String>,
    /// `normal` (default), `high`, `emergency`.
    pub priority: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// "кв. 45, подъезд 2".
    pub location: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketListDto {
    pub items: Vec<TicketDto>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
    /// Tickets matching the filter (its status aside) per status.
    pub counts: std::collections::BTreeMap<&'static str, i64>,
}

/// Tickets the caller may see, most urgent first by default.
#[utoipa::path(
    tag = "tickets",
    params(TicketFilter),
    responses((status = 200, body = TicketListDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/tickets")]
pub async fn list_tickets(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<TicketFilter>,
) -> Result<web::Json<TicketListDto>, ApiError> {
    let query = filter.to_query(caller.user().id)?;
    let (page, counts) = tickets::list(&state, &caller, query).await?;
    let lookup = Lookup::load(&state, &page.items).await?;
    Ok(web::Json(TicketListDto {
        items: page
            .items
            .iter()
            .map(|t| TicketDto::with_lookup(t, &lookup, tickets::shows_contacts(&caller, t)))
            .collect(),
        next_cursor: page.next.map(|c| c.to_string()),
        counts: counts.into_iter().map(|(status, n)| (status.code(), n)).collect(),
    }))
}

/// One ticket.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TicketDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/tickets/{id}")]
pub async fn get_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<TicketDto>, ApiError> {
    let ticket = tickets::get(&state, &caller, TicketId::from_uuid(*id)).await?;
    Ok(web::Json(dto(&state, &caller, &ticket).await?))
}

async fn dto(state: &AppState, caller: &Caller, ticket: &Ticket) -> Result<TicketDto, ApiError> {
    let lookup = Lookup::load(state, std::slice::from_ref(ticket)).await?;
    Ok(TicketDto::with_lookup(ticket, &lookup, tickets::shows_contacts(caller, ticket)))
}

/// A ticket's history and comments (internal ones only for staff).
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineDto {
    pub history: Vec<HistoryDto>,
    #[schema(value_type = Vec<Object>)]
    pub comments: Vec<Comment>,
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<Attachment>,
    /// Who follows the ticket: `[{"id","name"}]`.
    pub watchers: Vec<WatcherDto>,
}

/// One entry of a ticket's history: what changed (`kind`: `created`,
/// `status`, `assigned`, `classified`, `rating`, `sla`, `attachment`) and
/// its details (`data`).
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryDto {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub kind: &'static str,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// Whether the resident who filed the ticket sees it.
    pub public: bool,
}

impl From<&HistoryEntry> for HistoryDto {
    fn from(entry: &HistoryEntry) -> Self {
        Self {
            id: entry.id,
            at: entry.at,
            actor_id: entry.actor_id.map(|u| u.as_uuid()),
            actor_name: entry.actor_name.clone(),
            kind: entry.change.kind(),
            data: entry.change.data(),
            public: entry.change.is_public(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatcherDto {
    pub id: Uuid,
    pub name: String,
}

#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TimelineDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/tickets/{id}/timeline")]
pub async fn ticket_timeline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<TimelineDto>, ApiError> {
    let view = tickets::view(&state, &caller, TicketId::from_uuid(*id)).await?;
    Ok(web::Json(TimelineDto {
        history: view.history.iter().map(HistoryDto::from).collect(),
        comments: view.comments,
        attachments: view.attachments,
        watchers: view.watchers.into_iter().map(|(id, name)| WatcherDto { id: id.as_uuid(), name }).collect(),
    }))
}

/// Moves a ticket through its workflow. Rejecting and cancelling need a
/// `reason`; putting on hold needs a `hold_reason`. Send the `version` you
/// saw to be told (409) when someone changed the ticket meanwhile.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = TransitionRequest,
    responses(
        (status = 200, body = TicketDto),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Changed by someone else"),
        (status = 422, body = ErrorBody, description = "Not allowed by the workflow"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/tickets/{id}/transitions")]
pub async fn transition_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<TransitionRequest>,
) -> Result<web::Json<TicketDto>, ApiError> {
    let ticket = tickets::transition(&state, &caller, TicketId::from_uuid(*id), &body).await?;
    Ok(web::Json(dto(&state, &caller, &ticket).await?))
}

/// The version the assignee saw, to catch a change made meanwhile.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SetOffRequest {
    pub version: Option<i64>,
}

/// The assignee says they set off to the ticket («в пути»): the resident
/// and the dispatcher see it. Repeating it changes nothing; the next move
/// (starting the work) ends it.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = SetOffRequest,
    responses(
        (status = 200, body = TicketDto),
        (status = 403, body = ErrorBody, description = "Not the ticket's assignee"),
        (status = 409, body = ErrorBody, description = "Changed by someone else"),
        (status = 422, body = ErrorBody, description = "The ticket does not wait for a visit (`cannot_set_off`)"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/tickets/{id}/set-off")]
pub async fn set_off_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<web::Json<SetOffRequest>>,
) -> Result<web::Json<TicketDto>, ApiError> {
    let version = body.and_then(|b| b.version);
    let ticket = tickets::set_off(&state, &caller, TicketId::from_uuid(*id), version).await?;
    Ok(web::Json(dto(&state, &caller, &ticket).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignRequest {
    /// A staff member who works on the building's tickets, or `null`.
    pub assignee_id: Option<Uuid>,
    pub version: Option<i64>,
}

/// Assigns (or unassigns) a ticket.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = AssignRequest,
    responses((status = 200, body = TicketDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/api/v1/tickets/{id}/assignee")]
pub async fn assign_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<AssignRequest>,
) -> Result<web::Json<TicketDto>, ApiError> {
    let assignee = body.assignee_id.map(UserId::from_uuid);
    let ticket = tickets::assign(&state, &caller, TicketId::from_uuid(*id), assignee, body.version).await?;
    Ok(web::Json(dto(&state, &caller, &ticket).await?))
}

/// Changes priority or classification; the SLA is evaluated again.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = TicketUpdate,
    responses((status = 200, body = TicketDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/api/v1/tickets/{id}")]
pub async fn update_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<TicketUpdate>,
) -> Result<web::Json<TicketDto>, ApiError> {
    let ticket = tickets::update(&state, &caller, TicketId::from_uuid(*id), &body).await?;
    Ok(web::Json(dto(&state, &caller, &ticket).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentRequest {
    pub body: String,
    /// Seen by the resident. Staff comments are internal unless `true`;
    /// a resident's are always public.
    pub public: Option<bool>,
}

/// Adds a comment.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = CommentRequest,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/tickets/{id}/comments")]
pub async fn comment_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let comment = tickets::comment(
        &state,
        &caller,
        TicketId::from_uuid(*id),
        &body.body,
        body.public.unwrap_or(!tickets::is_staff(&caller)),
    )
    .await?;
    Ok(HttpResponse::Created().json(comment))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RatingRequest {
    /// 1 to 5.
    pub rating: i64,
    pub comment: Option<String>,
}

/// The resident rates finished work: 3 to 5 closes the ticket; 1 or 2
/// reopens it or flags it for a manager, by the company's setting.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = RatingRequest,
    responses((status = 200, body = TicketDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/tickets/{id}/rating")]
pub async fn rate_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<RatingRequest>,
) -> Result<web::Json<TicketDto>, ApiError> {
    let ticket = tickets::rate(&state, &caller, TicketId::from_uuid(*id), body.rating, body.comment.as_deref()).await?;
    Ok(web::Json(dto(&state, &caller, &ticket).await?))
}

/// Follows a ticket.
#[utoipa::path(tag = "tickets", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[put("/api/v1/tickets/{id}/watch")]
pub async fn watch_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    tickets::watch(&state, &caller, TicketId::from_uuid(*id), true).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Stops following a ticket.
#[utoipa::path(tag = "tickets", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/v1/tickets/{id}/watch")]
pub async fn unwatch_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    tickets::watch(&state, &caller, TicketId::from_uuid(*id), false).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name as the user sees it.
    pub name: String,
}

/// Attaches a file: the raw bytes as the body, its name in `?name=`. The
/// kind is read from the content: photos (JPEG, PNG, WebP, HEIC), MP4
/// video, PDF, Word and Excel, text. Photos get a thumbnail.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Object),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "Over the size limit"),
        (status = 415, body = ErrorBody, description = "A kind of file not accepted"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/tickets/{id}/attachments")]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Refuse at once what says it is too large, before reading a byte.
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > state.config.max_attachment_bytes) {
        return Err(AppError::FileTooLarge { max_mb: state.config.max_attachment_bytes.div_ceil(1024 * 1024) }.into());
    }
    let attachment = attachments::upload(&state, &caller, TicketId::from_uuid(*id), &query.name, payload).await?;
    Ok(HttpResponse::Created().json(attachment))
}

/// An item of a ticket's checklist, ticked or not.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckInput {
    pub item: String,
    pub checked: bool,
}

/// Ticks (or unticks) an item of the ticket's checklist; answers the
/// checklist. The staff app sends the same as `ticket.check` in its sync.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = CheckInput,
    responses(
        (status = 200, body = Object, description = "The checklist: items, signature_required, signed"),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Not an item of the checklist, or the ticket is finished"),
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/tickets/{id}/checks")]
pub async fn check_ticket_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<CheckInput>,
) -> Result<HttpResponse, ApiError> {
    let checklist =
        domovoy_app::completion::check(&state, &caller, TicketId::from_uuid(*id), &body.item, body.checked).await?;
    Ok(HttpResponse::Ok().json(checklist))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PhotoPieceQuery {
    /// Where this piece starts in the photo: the bytes received so far.
    pub offset: u64,
}

/// Where a photo's upload stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoUploadState {
    /// Whether the photo is whole and attached to its ticket.
    pub complete: bool,
    /// Bytes received so far: the next piece starts here.
    pub received: u64,
    /// The photo's size as announced.
    pub size: u64,
    /// The attachment, once complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub attachment: Option<Attachment>,
}

/// Sends a piece of a photo the staff app announced in its sync
/// (`ticket.photo`): the bytes from `?offset=` on, as the body. Pieces may
/// stop anywhere and resume: a piece that does not start where the
/// received bytes end is answered 409 `upload_offset` with `received`.
/// The last piece attaches the photo to its ticket under the announced id;
/// sending it again answers as the first time.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The photo's id, made by the phone"), PhotoPieceQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = PhotoUploadState, description = "The photo is whole and attached"),
        (status = 202, body = PhotoUploadState, description = "More bytes are expected"),
        (status = 403, body = ErrorBody, description = "Announced by someone else"),
        (status = 404, body = ErrorBody, description = "Not announced (or given up after 14 days)"),
        (status = 409, body = ErrorBody, description = "upload_offset: resume from `received`"),
        (status = 415, body = ErrorBody, description = "Not a photo"),
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/photos/{id}")]
pub async fn upload_photo(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PhotoPieceQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let progress = attachments::receive_photo(&state, &caller, *id, query.offset, payload).await?;
    Ok(match progress {
        attachments::PhotoProgress::Partial { received, size } => {
            HttpResponse::Accepted().json(PhotoUploadState { complete: false, received, size, attachment: None })
        }
        attachments::PhotoProgress::Complete(attachment) => {
            let size = u64::try_from(attachment.size_bytes).unwrap_or(0);
            HttpResponse::Ok().json(PhotoUploadState {
                complete: true,
                received: size,
                size,
                attachment: Some(attachment),
            })
        }
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DownloadQuery {
    /// `1`: the photo's thumbnail.
    pub thumbnail: Option<u8>,
}

/// Downloads an attachment (or its thumbnail).
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path), DownloadQuery),
    responses((status = 200, description = "The file"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/attachments/{id}")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse, ApiError> {
    let thumbnail = query.thumbnail == Some(1);
    let (attachment, path) = attachments::open(&state, &caller, *id, thumbnail).await?;
    let content_type = if thumbnail { "image/jpeg" } else { attachment.content_type.as_str() };
    crate::export::stored_file(&path, &attachment.file_name, content_type, thumbnail).await
}
