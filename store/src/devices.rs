//! The staff app's devices and the answers given to their numbered offline
//! changes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::device::{
    MutationStatus, Platform, PushAddress, PushKind, PushNotice, RATING_REQUEST_EVERY, WebPushSubscription,
};
use domovoy_domain::ids::{DeviceId, TicketId, TokenId, UserId};

use crate::db::{Db, Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};
use crate::users::expect_one;

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: DeviceId,
    pub user_id: UserId,
    /// The sign-in it registered with.
    pub token_id: Option<TokenId>,
    pub platform: Platform,
    pub push: PushAddress,
    pub app_version: Option<String>,
    /// The number of the last offline change applied (0: none yet).
    pub applied_seq: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// A device to register.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub user_id: UserId,
    pub token_id: Option<TokenId>,
    pub platform: Platform,
    pub push: PushAddress,
    pub app_version: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DeviceRow {
    id: Uuid,
    user_id: Uuid,
    token_id: Option<Uuid>,
    platform: String,
    push_address: Option<String>,
    push_p256dh: Option<String>,
    push_auth: Option<String>,
    app_version: Option<String>,
    applied_seq: i64,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

impl TryFrom<DeviceRow> for Device {
    type Error = StoreError;

    fn try_from(row: DeviceRow) -> StoreResult<Self> {
        let platform: Platform = decode("devices.platform", &row.platform, str::parse)?;
        let push = match (platform, row.push_address) {
            (Platform::None, _) | (_, None) => PushAddress::None,
            (Platform::Webpush, Some(endpoint)) => PushAddress::WebPush(WebPushSubscription {
                endpoint,
                p256dh: row.push_p256dh.unwrap_or_default(),
                auth: row.push_auth.unwrap_or_default(),
            }),
            (_, Some(token)) => PushAddress::Token(token),
        };
        Ok(Self {
            id: DeviceId::from_uuid(row.id),
            user_id: UserId::from_uuid(row.user_id),
            token_id: row.token_id.map(TokenId::from_uuid),
            platform,
            push,
            app_version: row.app_version,
            applied_seq: row.applied_seq,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
        })
    }
}

macro_rules! device_columns {
    () => {
        "id, user_id, token_id, platform, push_address, push_p256dh, push_auth, app_version, \
         applied_seq, created_at, last_seen_at"
    };
}

/// Registers a device. A push address registered before (the same browser
/// subscribing again, perhaps for another person) moves to the new device:
/// one address, one device, so nothing is pushed twice or to the wrong person.
pub async fn insert(tx: &mut WriteTx, new: &NewDevice) -> StoreResult<Device> {
    let id = DeviceId::new();
    let now = tx.now();
    let (address, p256dh, auth) = columns_of(&new.push);
    on_conn!(&mut *tx, c => {
        if let Some(address) = address {
            sqlx::query("DELETE FROM devices WHERE platform = $1 AND push_address = $2")
                .bind(new.platform.code())
                .bind(address)
                .execute(&mut *c)
                .await?;
        }
        sqlx::query(
            "INSERT INTO devices (id, user_id, token_id, platform, push_address, push_p256dh, push_auth, app_version,
                                  applied_seq, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)",
        )
        .bind(id.as_uuid())
        .bind(new.user_id.as_uuid())
        .bind(new.token_id.map(|t| t.as_uuid()))
        .bind(new.platform.code())
        .bind(address)
        .bind(p256dh)
        .bind(auth)
        .bind(&new.app_version)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    get(&mut *tx, id).await
}

fn columns_of(push: &PushAddress) -> (Option<&str>, Option<&str>, Option<&str>) {
    match push {
        PushAddress::WebPush(s) => (Some(s.endpoint.as_str()), Some(s.p256dh.as_str()), Some(s.auth.as_str())),
        PushAddress::Token(token) => (Some(token.as_str()), None, None),
        PushAddress::None => (None, None, None),
    }
}

/// Changes where a person's device gets its pushes (the app allowed
/// notifications, or its browser renewed the subscription); the address
/// leaves any other device that held it.
pub async fn set_push(
    tx: &mut WriteTx,
    user: UserId,
    id: DeviceId,
    platform: Platform,
    push: &PushAddress,
) -> StoreResult<Device> {
    let (address, p256dh, auth) = columns_of(push);
    let now = tx.now();
    let done = on_conn!(&mut *tx, c => {
        if let Some(address) = address {
            sqlx::query("DELETE FROM devices WHERE platform = $1 AND push_address = $2 AND id <> $3")
                .bind(platform.code())
                .bind(address)
                .bind(id.as_uuid())
                .execute(&mut *c)
                .await?;
        }
        sqlx::query(
            "UPDATE devices SET platform = $3, push_address = $4, push_p256dh = $5, push_auth = $6, last_seen_at = $7
             WHERE id = $1 AND user_id = $2",
        )
        .bind(id.as_uuid())
        .bind(user.as_uuid())
        .bind(platform.code())
        .bind(address)
        .bind(p256dh)
        .bind(auth)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    expect_one(done)?;
    get(&mut *tx, id).await
}

pub async fn get<'a>(source: impl Into<Source<'a>>, id: DeviceId) -> StoreResult<Device> {
    let row: DeviceRow = on_conn!(source, c => {
        sqlx::query_as(concat!("SELECT ", device_columns!(), " FROM devices WHERE id = $1"))
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

#[derive(sqlx::FromRow)]
struct NamedDeviceRow {
    #[sqlx(flatten)]
    device: DeviceRow,
    user_name: String,
}

/// Every registered device with its person's name, the most recently seen
/// first, at most `limit` (for administrators).
pub async fn list_all(db: &Db, limit: i64) -> StoreResult<Vec<(Device, String)>> {
    let rows: Vec<NamedDeviceRow> = on_conn!(db, c => {
        sqlx::query_as(concat!(
            "SELECT ",
            device_columns!(),
            ", (SELECT display_name FROM users WHERE users.id = devices.user_id) AS user_name
             FROM devices ORDER BY last_seen_at DESC, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter().map(|row| Ok((Device::try_from(row.device)?, row.user_name))).collect()
}

/// A person's devices, the most recently seen first.
pub async fn list_for_user(db: &Db, user: UserId) -> StoreResult<Vec<Device>> {
    let rows: Vec<DeviceRow> = on_conn!(db, c => {
        sqlx::query_as(concat!(
            "SELECT ",
            device_columns!(),
            " FROM devices WHERE user_id = $1 ORDER BY last_seen_at DESC, id"
        ))
            .bind(user.as_uuid())
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(Device::try_from).collect()
}

/// Removes a person's device (and the answers kept for it).
pub async fn delete(tx: &mut WriteTx, user: UserId, id: DeviceId) -> StoreResult<()> {
    let done = on_conn!(tx, c => {
        sqlx::query("DELETE FROM devices WHERE id = $1 AND user_id = $2")
            .bind(id.as_uuid())
            .bind(user.as_uuid())
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    expect_one(done)
}

/// Takes change number `seq` as the device's next: true when the last
/// applied was `seq - 1` (and is now `seq`). Run first in the change's
/// transaction: on PostgreSQL the row stays locked until the commit, so a
/// second request with the same change waits and then finds it taken.
pub async fn advance(tx: &mut WriteTx, id: DeviceId, seq: i64) -> StoreResult<bool> {
    let now = tx.now();
    let done = on_conn!(tx, c => {
        sqlx::query("UPDATE devices SET applied_seq = $2, last_seen_at = $3 WHERE id = $1 AND applied_seq = $2 - 1")
            .bind(id.as_uuid())
            .bind(seq)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(done == 1)
}

/// Marks the device seen now.
pub async fn touch(tx: &mut WriteTx, id: DeviceId) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(tx, c => {
        sqlx::query("UPDATE devices SET last_seen_at = $2 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// The answer given to one change, kept to be given again.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub seq: i64,
    pub mutation_id: Uuid,
    pub status: MutationStatus,
    pub body: serde_json::Value,
}

/// Keeps the answer to change `seq` (in the transaction that applied it).
pub async fn record(tx: &mut WriteTx, device: DeviceId, answer: &Answer) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO device_mutations (device_id, seq, mutation_id, status, answer, applied_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(device.as_uuid())
        .bind(answer.seq)
        .bind(answer.mutation_id)
        .bind(answer.status.code())
        .bind(Json(&answer.body))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AnswerRow {
    seq: i64,
    mutation_id: Uuid,
    status: String,
    answer: Json<serde_json::Value>,
}

/// The answers kept for changes `from..=to` of a device.
pub async fn answers(db: &Db, device: DeviceId, from: i64, to: i64) -> StoreResult<Vec<Answer>> {
    let rows: Vec<AnswerRow> = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT seq, mutation_id, status, answer FROM device_mutations
             WHERE device_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq",
        )
        .bind(device.as_uuid())
        .bind(from)
        .bind(to)
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter()
        .map(|row| {
            Ok(Answer {
                seq: row.seq,
                mutation_id: row.mutation_id,
                status: decode("device_mutations.status", &row.status, str::parse)?,
                body: row.answer.0,
            })
        })
        .collect()
}

/// The outbox channel of pushes to devices.
pub const PUSH_CHANNEL: &str = "push";

/// The condition that a row of `devices` can be pushed to now (`$n`): it
/// has a push address, and the sign-in it registered with is neither
/// revoked nor expired. One text for every query that asks.
pub(crate) fn reachable_sql(now: usize) -> String {
    format!(
        "devices.push_address IS NOT NULL AND NOT EXISTS (SELECT 1 FROM auth_tokens t
         WHERE t.id = devices.token_id AND (t.revoked_at IS NOT NULL OR t.expires_at <= ${now}))"
    )
}

/// A person's devices pushes reach now (a push to the person, not to one
/// device, is fanned out to these when it leaves).
pub async fn reachable_of<'a>(source: impl Into<Source<'a>>, user: UserId) -> StoreResult<Vec<Device>> {
    let sql = format!(
        "SELECT {} FROM devices WHERE devices.user_id = $1 AND {} ORDER BY last_seen_at DESC, id",
        device_columns!(),
        reachable_sql(2)
    );
    let rows: Vec<DeviceRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(user.as_uuid()).bind(Utc::now()).fetch_all(&mut *c).await?
    });
    rows.into_iter().map(Device::try_from).collect()
}

/// A push to a person (a mailing's): one outbox message, fanned out to
/// their devices when it leaves, and one delivery to account for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonPush {
    pub user: UserId,
    pub kind: PushKind,
    /// The title's line (a mailing's subject).
    pub detail: String,
    /// The start of the words.
    pub text: String,
}

/// The longest `text` a person's push carries, in characters (push
/// services take about 4 KB; a notification shows a few lines).
pub const PERSON_PUSH_TEXT: usize = 240;

/// Queues pushes to people under the given keys, each now or not before its
/// time; a key queued before keeps its push. Answers how many were added.
pub async fn enqueue_to_people<'a>(
    tx: &mut WriteTx,
    pushes: impl IntoIterator<Item = (&'a str, &'a PersonPush, Option<DateTime<Utc>>)>,
) -> StoreResult<u64> {
    let messages: Vec<_> = pushes
        .into_iter()
        .map(|(key, push, not_before)| {
            let text: String = push.text.chars().take(PERSON_PUSH_TEXT).collect();
            let payload = json!({"user_id": push.user, "kind": push.kind.code(), "detail": push.detail, "text": text});
            (key.to_owned(), payload, not_before)
        })
        .collect();
    crate::outbox::enqueue_many(tx, PUSH_CHANNEL, &messages).await
}

/// Puts the pushes a write's events call for into the outbox, one message
/// per device that can receive them (a push address, of a sign-in still
/// valid), in the write's transaction: a push goes out if and only if its
/// cause committed.
pub(crate) async fn enqueue_pushes(tx: &mut WriteTx, notices: &[PushNotice]) -> StoreResult<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let mut users: Vec<Uuid> = notices.iter().map(|n| n.user.as_uuid()).collect();
    users.sort_unstable();
    users.dedup();
    let now = tx.now();
    // Each person's devices pushes reach, read in a bounded number of
    // parameters per query.
    let mut devices: std::collections::HashMap<Uuid, Vec<Uuid>> = std::collections::HashMap::new();
    for chunk in users.chunks(500) {
        let sql = format!(
            "SELECT id, user_id FROM devices WHERE user_id IN ({}) AND {}",
            crate::mailings::numbered(1, chunk.len()),
            reachable_sql(chunk.len() + 1)
        );
        let found: Vec<(Uuid, Uuid)> = on_conn!(&mut *tx, c => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for user in chunk {
                query = query.bind(*user);
            }
            query.bind(now).fetch_all(&mut *c).await?
        });
        for (device, user) in found {
            devices.entry(user).or_default().push(device);
        }
    }
    // One notification row per notice (the person's in-app list keeps it,
    // phone or not) and one outbox message per device, each written in
    // batches: a survey published to thousands is a few statements.
    let mut rows = Vec::with_capacity(notices.len());
    let mut messages = Vec::new();
    for notice in notices {
        let notice = rating_request(tx, notice).await?;
        let id = Uuid::now_v7();
        for device in devices.get(&notice.user.as_uuid()).into_iter().flatten() {
            let mut payload = json!({
                "device_id": device,
                "kind": notice.kind.code(),
                "ticket_id": notice.ticket_id,
                "number": notice.number,
            });
            if let Some(detail) = &notice.detail {
                payload["detail"] = json!(detail);
            }
            messages.push((format!("{id}:{device}"), payload, None));
        }
        rows.push((id, notice));
    }
    for chunk in rows.chunks(NOTIFICATION_BATCH) {
        let values = (0..chunk.len())
            .map(|r| {
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, $1)",
                    r * 6 + 2,
                    r * 6 + 3,
                    r * 6 + 4,
                    r * 6 + 5,
                    r * 6 + 6,
                    r * 6 + 7
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO notifications (id, user_id, kind, ticket_id, number, detail, created_at) VALUES {values}"
        );
        on_conn!(&mut *tx, c => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
            for (id, notice) in chunk {
                query = query
                    .bind(*id)
                    .bind(notice.user.as_uuid())
                    .bind(notice.kind.code())
                    .bind(notice.ticket_id.map(|t| t.as_uuid()))
                    .bind(&notice.number)
                    .bind(&notice.detail);
            }
            query.execute(&mut *c).await?.rows_affected()
        });
    }
    crate::outbox::enqueue_many(tx, PUSH_CHANNEL, &messages).await?;
    Ok(())
}

/// Notification rows one statement writes at most.
const NOTIFICATION_BATCH: usize = 500;

/// A resident's request done: asked to rate it instead, when this ticket
/// was never asked about and the person was not asked within
/// [`RATING_REQUEST_EVERY`] (the `rating_requests` row, written here, is
/// the rule: once per ticket by its primary key).
async fn rating_request(tx: &mut WriteTx, notice: &PushNotice) -> StoreResult<PushNotice> {
    let done = notice.kind == PushKind::TicketStatusChanged
        && notice.detail.as_deref() == Some(domovoy_domain::ticket::TicketStatus::Done.code());
    let Some(ticket) = notice.ticket_id.filter(|_| done) else {
        return Ok(notice.clone());
    };
    let now = tx.now();
    let asked = on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO rating_requests (ticket_id, user_id, sent_at)
             SELECT $1, $2, $3
             WHERE NOT EXISTS (SELECT 1 FROM rating_requests WHERE user_id = $2 AND sent_at > $4)
             ON CONFLICT (ticket_id) DO NOTHING",
        )
        .bind(ticket.as_uuid())
        .bind(notice.user.as_uuid())
        .bind(now)
        .bind(now - RATING_REQUEST_EVERY)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(if asked == 1 { PushNotice { kind: PushKind::RatingRequested, ..notice.clone() } } else { notice.clone() })
}

/// Puts a test push for `device` into the outbox (the person checks that
/// notifications reach the phone).
pub async fn enqueue_test(tx: &mut WriteTx, device: DeviceId) -> StoreResult<()> {
    let payload = json!({"device_id": device, "kind": "test"});
    crate::outbox::enqueue(tx, PUSH_CHANNEL, &format!("test:{}", Uuid::now_v7()), &payload).await?;
    Ok(())
}

/// Removes a device its push service called gone (404, 410, `UNREGISTERED`).
pub async fn forget(tx: &mut WriteTx, id: DeviceId) -> StoreResult<bool> {
    let done = on_conn!(tx, c => {
        sqlx::query("DELETE FROM devices WHERE id = $1").bind(id.as_uuid()).execute(&mut *c).await?.rows_affected()
    });
    Ok(done == 1)
}

/// A notification in a person's in-app list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: Uuid,
    /// As the push says it: `ticket.assigned`, …
    #[serde(serialize_with = "push_kind_code")]
    pub kind: PushKind,
    pub ticket_id: Option<TicketId>,
    /// The ticket's number as it was said (empty without a ticket).
    pub number: String,
    /// The new status's code (`ticket.status_changed`), the guest's name
    /// (`visit.arrived`).
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

fn push_kind_code<S: serde::Serializer>(kind: &PushKind, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(kind.code())
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: Uuid,
    kind: String,
    ticket_id: Option<Uuid>,
    number: String,
    detail: Option<String>,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

/// The person's notifications, newest first: those since `since` (all
/// without it), `limit` at most.
pub async fn notifications(
    db: &Db,
    user: UserId,
    since: Option<DateTime<Utc>>,
    limit: i64,
) -> StoreResult<Vec<Notification>> {
    let since = since.unwrap_or(DateTime::UNIX_EPOCH);
    let rows: Vec<NotificationRow> = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT id, kind, ticket_id, number, detail, created_at, read_at FROM notifications
             WHERE user_id = $1 AND created_at >= $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(user.as_uuid())
        .bind(since)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter()
        .map(|row| {
            Ok(Notification {
                id: row.id,
                kind: decode("notifications.kind", &row.kind, str::parse)?,
                ticket_id: row.ticket_id.map(TicketId::from_uuid),
                number: row.number,
                detail: row.detail,
                created_at: row.created_at,
                read: row.read_at.is_some(),
            })
        })
        .collect()
}

/// How many of the person's notifications are unread.
pub async fn unread(db: &Db, user: UserId) -> StoreResult<i64> {
    Ok(on_conn!(db, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user.as_uuid())
            .fetch_one(&mut *c)
            .await?
    }))
}

/// Marks the person's notifications up to `up_to` (by id, so those that
/// came after the person looked stay unread) as read; returns how many.
pub async fn mark_read(tx: &mut WriteTx, user: UserId, up_to: Uuid) -> StoreResult<u64> {
    let now = tx.now();
    Ok(on_conn!(tx, c => {
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id <= $3 AND read_at IS NULL")
            .bind(now)
            .bind(user.as_uuid())
            .bind(up_to)
            .execute(&mut *c)
            .await?
            .rows_affected()
    }))
}

/// Forgets notifications older than `before`.
pub async fn prune_notifications(tx: &mut WriteTx, before: DateTime<Utc>) -> StoreResult<u64> {
    Ok(on_conn!(tx, c => {
        sqlx::query("DELETE FROM notifications WHERE created_at < $1").bind(before).execute(&mut *c).await?.rows_affected()
    }))
}
