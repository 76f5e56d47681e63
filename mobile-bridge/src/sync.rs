//! The offline sync: numbered changes applied exactly once, and what
//! changed for the person since the device's cursor.
//!
//! The protocol and its one conflict rule are in ARCHITECTURE.md («Staff
//! app sync»). In short: change `n` of a device is applied only right after
//! `n - 1`; the device's last applied number and the answer go into the
//! transaction that applies the change, so a change sent twice is applied
//! once and answered the same way; a change that does not fit the ticket as
//! it is now (reassigned, cancelled, moved on by someone else) is answered
//! `conflict` with the ticket as it is, and still takes its number, so one
//! refused change never blocks the ones behind it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use domovoy_app::attachments::{self, PhotoAnnouncement};
use domovoy_app::completion::{self, TicketChecklist};
use domovoy_app::tickets::{self as use_cases, TransitionRequest};
use domovoy_app::{App, AppError, AppResult, Requester};
use domovoy_domain::FieldError;
use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::device::{MutationStatus, SeqCheck, check_seq};
use domovoy_domain::error::FieldErrors;
use domovoy_domain::ids::{ClassifierId, CommentId, DeviceId, TicketId};
use domovoy_domain::sla::SlaState;
use domovoy_domain::ticket::{HoldReason, PhotoStage, Priority, Ticket, TicketStatus};
use domovoy_store::devices::{self, Answer, Notification};
use domovoy_store::{buildings, classifier, tickets};

/// The most changes one request may carry; the device sends the rest next.
pub const MAX_MUTATIONS: usize = 200;
/// The most notifications one answer carries.
const NOTIFICATIONS_LIMIT: i64 = 50;
/// The most open tickets a queue carries.
const QUEUE_LIMIT: u32 = 500;
/// How far back from the cursor a delta looks again, for writes that
/// committed on another node while this one read (a clock's skew).
const CURSOR_OVERLAP: Duration = Duration::seconds(5);

/// `POST /api/v1/sync`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncRequest {
    /// The device registered with `POST /api/v1/devices`.
    pub device_id: String,
    /// The cursor of the previous answer; absent or null for everything.
    pub cursor: Option<String>,
    /// The device's pending changes, in order, numbered without gaps.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub mutations: Vec<Value>,
}

/// The answer: what became of each change, what changed since the cursor,
/// and the cursor to send next time.
#[derive(Debug, Clone, Serialize)]
pub struct SyncAnswer {
    pub results: Vec<Value>,
    pub changes: Changes,
    pub cursor: String,
}

/// What changed for the person since the cursor.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    /// Everything (no cursor was given): the device replaces what it holds.
    pub full: bool,
    /// The ids of the open tickets assigned to the person, most urgent
    /// first; a ticket the device holds that is not here left the queue.
    pub queue: Vec<TicketId>,
    /// Those of the queue's tickets changed since the cursor.
    pub tickets: Vec<SyncTicket>,
    /// Comments on the queue's tickets added since the cursor.
    pub comments: Vec<SyncComment>,
    /// The categories (on a full sync).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<SyncCategory>>,
    /// The person's notifications since the cursor (the latest 50 on a
    /// full sync), newest first, and how many are unread.
    pub notifications: Vec<Notification>,
    pub unread: i64,
}

/// A ticket as the staff app shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SyncTicket {
    pub id: TicketId,
    pub number: String,
    pub status: TicketStatus,
    pub hold_reason: Option<HoldReason>,
    /// Since when the person is on their way to it («в пути»).
    pub en_route_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub description: String,
    pub category: Option<String>,
    pub place: Option<String>,
    pub problem: Option<String>,
    /// Where exactly («кв. 45, подъезд 2»).
    pub location: Option<String>,
    pub building_id: domovoy_domain::ids::BuildingId,
    pub building_name: String,
    pub address: String,
    /// The contact, only for those who may see contacts.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub sla_state: SlaState,
    pub response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The statuses the person may move it to now.
    pub moves: Vec<TicketStatus>,
    /// Whether «В пути» is offered (`ticket.set_off`).
    pub can_set_off: bool,
    pub can_comment: bool,
    /// Whether photos may be added (`ticket.photo`).
    pub can_attach: bool,
    /// The photos taken before and after the work, oldest first.
    pub photos: Vec<SyncPhoto>,
    /// What the category asks before done, with what is ticked.
    pub checklist: TicketChecklist,
}

/// A photo of a ticket, as the staff app lists it; its thumbnail is at
/// `/api/v1/attachments/<id>?thumbnail=1`.
#[derive(Debug, Clone, Serialize)]
pub struct SyncPhoto {
    pub id: Uuid,
    pub stage: PhotoStage,
    /// A signature: the signer's name.
    pub caption: Option<String>,
    pub has_thumbnail: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncComment {
    pub id: CommentId,
    pub ticket_id: TicketId,
    pub author_name: String,
    pub body: String,
    pub public: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncCategory {
    pub id: ClassifierId,
    pub code: String,
    pub name: String,
}

/// How a door words a refused change for people (the web door's catalog):
/// the answer's `error` object, kept with the answer.
pub type Describe<'a> = &'a (dyn Fn(&AppError) -> Value + Sync);

/// A change of the device, as numbered.
#[derive(Debug, Clone)]
struct Numbered {
    seq: i64,
    id: Uuid,
    /// What to do, or why it cannot be read (the change is refused, and
    /// still takes its number).
    change: Result<Change, FieldErrors>,
}

#[derive(Debug, Clone)]
enum Change {
    Transition {
        ticket_id: TicketId,
        request: TransitionRequest,
    },
    Comment {
        ticket_id: TicketId,
        text: String,
        public: bool,
    },
    SetOff {
        ticket_id: TicketId,
    },
    /// A photo is announced; its bytes follow (`PUT /api/v1/photos/<id>`).
    Photo {
        ticket_id: TicketId,
        photo: PhotoAnnouncement,
    },
    /// An item of the ticket's checklist ticked or unticked.
    Check {
        ticket_id: TicketId,
        item: String,
        checked: bool,
    },
}

impl Change {
    fn ticket_id(&self) -> TicketId {
        match self {
            Self::Transition { ticket_id, .. }
            | Self::Comment { ticket_id, .. }
            | Self::SetOff { ticket_id }
            | Self::Photo { ticket_id, .. }
            | Self::Check { ticket_id, .. } => *ticket_id,
        }
    }
}

/// Applies the device's pending changes and answers what changed since its
/// cursor.
pub async fn sync(
    app: &App,
    requester: &Requester,
    request: &SyncRequest,
    describe: Describe<'_>,
) -> AppResult<SyncAnswer> {
    let device_id: DeviceId = request
        .device_id
        .trim()
        .parse::<Uuid>()
        .map(DeviceId::from_uuid)
        .map_err(|_| AppError::field("device_id", FieldError::InvalidFormat))?;
    let since = parse_cursor(request.cursor.as_deref())?;
    let batch = read_batch(&request.mutations)?;
    let device = crate::devices::own(app, requester, device_id).await?;

    let mut results = Vec::with_capacity(batch.len());
    // Changes applied before: answered as then.
    let seen: Vec<&Numbered> =
        batch.iter().filter(|m| check_seq(device.applied_seq, m.seq) == SeqCheck::Seen).collect();
    if let (Some(first), Some(last)) = (seen.first(), seen.last()) {
        let kept: HashMap<i64, Answer> =
            devices::answers(&app.db, device_id, first.seq, last.seq).await?.into_iter().map(|a| (a.seq, a)).collect();
        for m in &seen {
            results.push(repeat(m, kept.get(&m.seq), describe));
        }
    }
    // The rest must start right after the last applied.
    let pending: Vec<&Numbered> = batch.iter().skip(seen.len()).collect();
    if let Some(first) = pending.first()
        && let SeqCheck::Gap { expected } = check_seq(device.applied_seq, first.seq)
    {
        return Err(AppError::SyncGap { expected });
    }
    for m in pending {
        results.push(apply_next(app, requester, device_id, m, describe).await?);
    }
    if batch.is_empty() && Utc::now() - device.last_seen_at > Duration::minutes(1) {
        app.write(move |tx| Box::pin(async move { Ok(devices::touch(tx, device_id).await?) })).await?;
    }

    let now = Utc::now();
    let changes = changes(app, requester, since).await?;
    Ok(SyncAnswer { results, changes, cursor: cursor_of(now) })
}

/// Reads the batch's numbering (every change needs its `seq` and `id`, in
/// order without gaps) and each change (a change that does not read is
/// refused on its own).
fn read_batch(raw: &[Value]) -> AppResult<Vec<Numbered>> {
    if raw.len() > MAX_MUTATIONS {
        return Err(AppError::field("mutations", FieldError::TooLong { max: MAX_MUTATIONS }));
    }
    let mut problems = Vec::new();
    let mut batch = Vec::with_capacity(raw.len());
    for (i, value) in raw.iter().enumerate() {
        let seq = value.get("seq").and_then(Value::as_i64).filter(|s| *s >= 1);
        let id = value.get("id").and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok());
        if seq.is_none() {
            problems.push((format!("mutations[{i}].seq"), FieldError::InvalidFormat));
        }
        if id.is_none() {
            problems.push((format!("mutations[{i}].id"), FieldError::InvalidFormat));
        }
        if let (Some(seq), Some(id)) = (seq, id) {
            if let Some(previous) = batch.last().map(|m: &Numbered| m.seq)
                && seq != previous + 1
            {
                problems.push((format!("mutations[{i}].seq"), FieldError::NotAllowed));
            }
            batch.push(Numbered { seq, id, change: read_change(value) });
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Problems(problems));
    }
    Ok(batch)
}

fn read_change(value: &Value) -> Result<Change, FieldErrors> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut errors = FieldErrors::new();
    let ticket_id = match text("ticket_id").map(|s| s.parse::<Uuid>()) {
        Some(Ok(id)) => Some(TicketId::from_uuid(id)),
        Some(Err(_)) => {
            errors.add("ticket_id", FieldError::InvalidFormat);
            None
        }
        None => {
            errors.add("ticket_id", FieldError::Required);
            None
        }
    };
    let change = match value.get("kind").and_then(Value::as_str) {
        Some("ticket.transition") => {
            let to = text("to").unwrap_or_default();
            if to.is_empty() {
                errors.add("to", FieldError::Required);
            }
            ticket_id.map(|ticket_id| Change::Transition {
                ticket_id,
                request: TransitionRequest {
                    to,
                    reason: text("reason"),
                    hold_reason: text("hold_reason"),
                    version: None,
                },
            })
        }
        Some("ticket.set_off") => ticket_id.map(|ticket_id| Change::SetOff { ticket_id }),
        Some("ticket.photo") => {
            let photo_id = match text("photo_id").map(|s| s.parse::<Uuid>()) {
                Some(Ok(id)) => Some(id),
                Some(Err(_)) => {
                    errors.add("photo_id", FieldError::InvalidFormat);
                    None
                }
                None => {
                    errors.add("photo_id", FieldError::Required);
                    None
                }
            };
            let stage = match text("stage").map(|s| s.parse::<PhotoStage>()) {
                Some(Ok(stage)) => Some(stage),
                Some(Err(error)) => {
                    errors.add("stage", error);
                    None
                }
                None => {
                    errors.add("stage", FieldError::Required);
                    None
                }
            };
            let size = value.get("size").and_then(Value::as_u64);
            if size.is_none() {
                errors.add("size", FieldError::Required);
            }
            match (ticket_id, photo_id, stage, size) {
                (Some(ticket_id), Some(id), Some(stage), Some(size)) => Some(Change::Photo {
                    ticket_id,
                    photo: PhotoAnnouncement { id, stage, caption: text("caption"), size },
                }),
                _ => None,
            }
        }
        Some("ticket.check") => {
            let item = text("item").unwrap_or_default();
            if item.is_empty() {
                errors.add("item", FieldError::Required);
            }
            let checked = value.get("checked").and_then(Value::as_bool);
            if checked.is_none() {
                errors.add("checked", FieldError::Required);
            }
            ticket_id.zip(checked).map(|(ticket_id, checked)| Change::Check { ticket_id, item, checked })
        }
        Some("ticket.comment") => ticket_id.map(|ticket_id| Change::Comment {
            ticket_id,
            text: text("text").unwrap_or_default(),
            public: value.get("public").and_then(Value::as_bool).unwrap_or(false),
        }),
        Some(_) => {
            errors.add("kind", FieldError::Unknown);
            None
        }
        None => {
            errors.add("kind", FieldError::Required);
            None
        }
    };
    match change {
        Some(change) if errors.is_empty() => Ok(change),
        _ => Err(errors),
    }
}

/// The answer to a change applied before. A number reused for another
/// change (a device that lost its outbox's order) is refused, not applied.
fn repeat(m: &Numbered, kept: Option<&Answer>, describe: Describe<'_>) -> Value {
    match kept {
        Some(answer) if answer.mutation_id == m.id => {
            let mut body = answer.body.clone();
            body["was"] = json!(answer.status.code());
            body["status"] = json!(MutationStatus::Duplicate.code());
            body
        }
        Some(_) => {
            answer(m, MutationStatus::Rejected, Some(describe(&AppError::field("seq", FieldError::Taken))), None)
        }
        // Applied so long ago that its answer is no longer kept.
        None => answer(m, MutationStatus::Duplicate, None, None),
    }
}

fn answer(m: &Numbered, status: MutationStatus, error: Option<Value>, extra: Option<Value>) -> Value {
    let mut body = json!({"seq": m.seq, "id": m.id, "status": status.code()});
    if let Some(error) = error {
        body["error"] = error;
    }
    if let Some(Value::Object(extra)) = extra {
        for (k, v) in extra {
            body[k] = v;
        }
    }
    body
}

enum Attempt {
    Applied(Value, Box<Ticket>),
    /// Another request applied this number meanwhile.
    Taken,
}

/// Applies the device's next change: the change, its number and its answer
/// commit together or not at all.
async fn apply_next(
    app: &App,
    requester: &Requester,
    device: DeviceId,
    m: &Numbered,
    describe: Describe<'_>,
) -> AppResult<Value> {
    let refusal = match &m.change {
        Ok(change) => {
            let calendar = app.calendar().await?;
            let max_bytes = app.config.max_attachment_bytes;
            let (requester, change, numbered) = (requester.clone(), change.clone(), m.clone());
            let attempt = app
                .write(move |tx| {
                    Box::pin(async move {
                        if !devices::advance(tx, device, numbered.seq).await? {
                            return Ok(Attempt::Taken);
                        }
                        let (ticket, extra) = match &change {
                            Change::Transition { ticket_id, request } => {
                                let ticket =
                                    use_cases::transition_in(tx, &requester, calendar, *ticket_id, request).await?;
                                (ticket, json!({}))
                            }
                            Change::Comment { ticket_id, text, public } => {
                                let (comment, ticket) =
                                    use_cases::comment_in(tx, &requester, *ticket_id, text, *public).await?;
                                (ticket, json!({"comment_id": comment.id}))
                            }
                            Change::SetOff { ticket_id } => {
                                let ticket = use_cases::set_off_in(tx, &requester, calendar, *ticket_id, None).await?;
                                (ticket, json!({}))
                            }
                            Change::Photo { ticket_id, photo } => {
                                let ticket =
                                    attachments::announce_photo_in(tx, &requester, max_bytes, *ticket_id, photo)
                                        .await?;
                                (ticket, json!({"photo_id": photo.id}))
                            }
                            Change::Check { ticket_id, item, checked } => {
                                let ticket =
                                    completion::check_in(tx, &requester, *ticket_id, item, *checked).await?;
                                (ticket, json!({}))
                            }
                        };
                        let mut extra = extra;
                        extra["ticket"] =
                            json!({"id": ticket.id, "status": ticket.status(), "version": ticket.version, "en_route_at": ticket.en_route_at()});
                        let body = answer(&numbered, MutationStatus::Applied, None, Some(extra));
                        let kept = Answer {
                            seq: numbered.seq,
                            mutation_id: numbered.id,
                            status: MutationStatus::Applied,
                            body: body.clone(),
                        };
                        devices::record(tx, device, &kept).await?;
                        Ok(Attempt::Applied(body, Box::new(ticket)))
                    })
                })
                .await;
            match attempt {
                Ok(Attempt::Applied(body, ticket)) => {
                    app.ticket_changed(&ticket);
                    return Ok(body);
                }
                Ok(Attempt::Taken) => return taken(app, device, m, describe).await,
                Err(error) if is_outage(&error) => return Err(error),
                Err(error) => error,
            }
        }
        Err(errors) => AppError::Validation(errors.clone()),
    };
    refuse(app, requester, device, m, &refusal, describe).await
}

/// Whether the change could not be tried at all (the database is away):
/// the batch stops, nothing takes a number, the device sends it again.
fn is_outage(error: &AppError) -> bool {
    matches!(error, AppError::Unavailable(_) | AppError::Unexpected(_) | AppError::TooManyRequests { .. })
}

/// Keeps a refused change's answer and takes its number.
async fn refuse(
    app: &App,
    requester: &Requester,
    device: DeviceId,
    m: &Numbered,
    refusal: &AppError,
    describe: Describe<'_>,
) -> AppResult<Value> {
    // The ticket as it is now, when the person may still read it: the
    // answer is then a conflict and carries it.
    let current = match &m.change {
        Ok(change) => match use_cases::get(app, requester, change.ticket_id()).await {
            Ok(ticket) => Some(ticket),
            Err(AppError::NotFound | AppError::Forbidden) => None,
            Err(other) => return Err(other),
        },
        Err(_) => None,
    };
    let conflict = current.is_some()
        && matches!(
            refusal,
            AppError::Workflow(_) | AppError::VersionConflict { .. } | AppError::Conflict | AppError::Forbidden
        );
    let (status, extra) = match (conflict, current) {
        (true, Some(ticket)) => {
            let shown = render(app, requester, std::slice::from_ref(&ticket)).await?;
            (MutationStatus::Conflict, Some(json!({"current": shown.into_iter().next()})))
        }
        _ => (MutationStatus::Rejected, None),
    };
    let body = answer(m, status, Some(describe(refusal)), extra);
    let kept = Answer { seq: m.seq, mutation_id: m.id, status, body: body.clone() };
    let seq = m.seq;
    let recorded = app
        .write(move |tx| {
            Box::pin(async move {
                if !devices::advance(tx, device, seq).await? {
                    return Ok(false);
                }
                devices::record(tx, device, &kept).await?;
                Ok(true)
            })
        })
        .await?;
    if recorded { Ok(body) } else { taken(app, device, m, describe).await }
}

/// The answer to a change another request applied meanwhile (the device
/// sent the batch again before the first answer came).
async fn taken(app: &App, device: DeviceId, m: &Numbered, describe: Describe<'_>) -> AppResult<Value> {
    let kept = devices::answers(&app.db, device, m.seq, m.seq).await?;
    let applied = devices::get(&app.db, device).await?.applied_seq;
    match check_seq(applied, m.seq) {
        SeqCheck::Seen => Ok(repeat(m, kept.first(), describe)),
        SeqCheck::Gap { expected } => Err(AppError::SyncGap { expected }),
        // Nothing else moves the number back: retried by the device.
        SeqCheck::Next => Err(AppError::Conflict),
    }
}

// ---- Changes since the cursor -------------------------------------------------------------

/// Cursors are the server's time of the answer: `t<milliseconds>`.
fn cursor_of(at: DateTime<Utc>) -> String {
    format!("t{}", at.timestamp_millis())
}

fn parse_cursor(raw: Option<&str>) -> AppResult<Option<DateTime<Utc>>> {
    let Some(raw) = raw.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    raw.strip_prefix('t')
        .and_then(|ms| ms.parse::<i64>().ok())
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
        .map(Some)
        .ok_or_else(|| AppError::field("cursor", FieldError::InvalidFormat))
}

/// What changed for the requester since `since` (everything without it).
pub async fn changes(app: &App, requester: &Requester, since: Option<DateTime<Utc>>) -> AppResult<Changes> {
    let queue = use_cases::queue(app, requester, QUEUE_LIMIT).await?;
    let from = since.map(|at| at - CURSOR_OVERLAP);
    let changed: Vec<Ticket> = queue.iter().filter(|t| from.is_none_or(|from| t.updated_at >= from)).cloned().collect();
    let ids: Vec<TicketId> = queue.iter().map(|t| t.id).collect();
    let internal = requester.is_staff();
    let comments = tickets::comments_since(&app.db, &ids, from, internal)
        .await?
        .into_iter()
        .map(|(ticket_id, c)| SyncComment {
            id: c.id,
            ticket_id,
            author_name: c.author_name,
            body: c.body,
            public: c.public,
            created_at: c.created_at,
        })
        .collect();
    let categories = match since {
        Some(_) => None,
        None => Some(
            classifier::list(&app.db)
                .await?
                .into_iter()
                .filter(|i| i.kind == ClassifierKind::Category && i.active)
                .map(|i| SyncCategory { id: i.id, code: i.code, name: i.name })
                .collect(),
        ),
    };
    let user = requester.account()?.id;
    let notifications = devices::notifications(&app.db, user, from, NOTIFICATIONS_LIMIT).await?;
    let unread = devices::unread(&app.db, user).await?;
    Ok(Changes {
        notifications,
        unread,
        full: since.is_none(),
        queue: ids,
        tickets: render(app, requester, &changed).await?,
        comments,
        categories,
    })
}

/// The tickets as the staff app shows them to the requester.
async fn render(app: &App, requester: &Requester, list: &[Ticket]) -> AppResult<Vec<SyncTicket>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let lookup = use_cases::Lookup::load(app, list).await?;
    let ids: Vec<TicketId> = list.iter().map(|t| t.id).collect();
    let mut photos: HashMap<Uuid, Vec<SyncPhoto>> = HashMap::new();
    for photo in tickets::photos_of(&app.db, &ids).await? {
        let Some(stage) = photo.stage else { continue };
        photos.entry(photo.ticket_id).or_default().push(SyncPhoto {
            id: photo.id,
            stage,
            caption: photo.caption,
            has_thumbnail: photo.has_thumbnail,
            created_at: photo.created_at,
        });
    }
    let wanted: HashSet<_> = list.iter().map(|t| t.building_id).collect();
    let mut checklists = completion::of_tickets(app, list).await?.into_iter();
    let places: HashMap<_, _> = buildings::list(&app.db)
        .await?
        .into_iter()
        .filter(|b| wanted.contains(&b.id))
        .map(|b| (b.id, (b.name.to_string(), b.address.to_string())))
        .collect();
    Ok(list
        .iter()
        .map(|t| {
            let capabilities = use_cases::capabilities(requester, t);
            let contacts = use_cases::shows_contacts(requester, t);
            let (building_name, address) = places.get(&t.building_id).cloned().unwrap_or_default();
            SyncTicket {
                id: t.id,
                number: t.number.to_string(),
                status: t.status(),
                hold_reason: t.hold_reason(),
                en_route_at: t.en_route_at(),
                priority: t.priority,
                description: t.description.as_str().to_owned(),
                category: lookup.item(t.category_id).map(str::to_owned),
                place: lookup.item(t.place_id).map(str::to_owned),
                problem: lookup.item(t.problem_id).map(str::to_owned),
                location: t.location.clone(),
                building_id: t.building_id,
                building_name,
                address,
                contact_name: t.contact_name.clone().filter(|_| contacts),
                contact_phone: t.contact_phone.as_ref().filter(|_| contacts).map(ToString::to_string),
                sla_state: t.sla.state,
                response_due: t.sla.response_due,
                resolution_due: t.sla.resolution_due,
                created_at: t.created_at,
                updated_at: t.updated_at,
                version: t.version,
                moves: capabilities.moves,
                can_set_off: capabilities.set_off,
                can_comment: capabilities.comment,
                can_attach: use_cases::may_attach(requester, t),
                photos: photos.remove(&t.id.as_uuid()).unwrap_or_default(),
                checklist: checklists.next().unwrap_or_default(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_nonsense_is_a_field_error() {
        let at = Utc.timestamp_millis_opt(1_765_000_000_123).unwrap();
        assert_eq!(parse_cursor(Some(&cursor_of(at))).unwrap(), Some(at));
        assert_eq!(parse_cursor(None).unwrap(), None);
        assert_eq!(parse_cursor(Some(" ")).unwrap(), None);
        for bad in ["x1", "t", "tabc", "t99999999999999999999"] {
            assert!(matches!(parse_cursor(Some(bad)), Err(AppError::Validation(_))), "{bad}");
        }
    }

    fn change(seq: i64, body: Value) -> Value {
        let mut v = body;
        v["seq"] = json!(seq);
        v["id"] = json!(Uuid::now_v7());
        v
    }

    #[test]
    fn a_batch_is_numbered_without_gaps_and_each_change_reads_on_its_own() {
        let ticket = Uuid::now_v7().to_string();
        let batch = read_batch(&[
            change(4, json!({"kind": "ticket.transition", "ticket_id": ticket, "to": "in_progress"})),
            change(5, json!({"kind": "ticket.comment", "ticket_id": ticket, "text": "Заменил кран"})),
            change(6, json!({"kind": "ticket.teleport", "ticket_id": ticket})),
            change(7, json!({"kind": "ticket.transition", "ticket_id": "nope"})),
        ])
        .unwrap();
        assert_eq!(batch.iter().map(|m| m.seq).collect::<Vec<_>>(), [4, 5, 6, 7]);
        assert!(matches!(batch[0].change, Ok(Change::Transition { .. })));
        assert!(matches!(batch[1].change, Ok(Change::Comment { public: false, .. })));
        let unknown = batch[2].change.as_ref().unwrap_err();
        assert_eq!(unknown.iter().map(|(f, e)| (*f, e.code())).collect::<Vec<_>>(), [("kind", "unknown")]);
        let broken = batch[3].change.as_ref().unwrap_err();
        assert_eq!(
            broken.iter().map(|(f, e)| (*f, e.code())).collect::<Vec<_>>(),
            [("ticket_id", "invalid_format"), ("to", "required")]
        );
    }

    #[test]
    fn a_batch_with_a_hole_or_without_numbers_is_refused_whole() {
        let ticket = Uuid::now_v7().to_string();
        let comment = json!({"kind": "ticket.comment", "ticket_id": ticket, "text": "x"});
        let hole = read_batch(&[change(1, comment.clone()), change(3, comment.clone())]);
        let Err(AppError::Problems(problems)) = hole else { panic!("{hole:?}") };
        assert_eq!(problems, vec![("mutations[1].seq".to_owned(), FieldError::NotAllowed)]);
        let unnumbered = read_batch(&[json!({"kind": "ticket.comment", "seq": 0, "id": "x"})]);
        let Err(AppError::Problems(problems)) = unnumbered else { panic!("{unnumbered:?}") };
        assert_eq!(problems.len(), 2);
        let too_many: Vec<Value> = (1..=MAX_MUTATIONS as i64 + 1).map(|s| change(s, comment.clone())).collect();
        assert!(matches!(read_batch(&too_many), Err(AppError::Validation(_))));
    }
}
