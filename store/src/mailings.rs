//! Mailings and their deliveries: one row per recipient and channel.
//!
//! An outward delivery's state is its outbox message's (sent, failed with
//! the error, waiting), read through the row's `outbox_key`: the dispatcher
//! that sends the message records it once, and the report can never say
//! "sent" of a letter still waiting or the reverse.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::building::TimeZone;
use domovoy_domain::client::{Channel, LinkRole};
use domovoy_domain::ids::{
    BuildingId, ClientId, DeliveryId, MailingId, MailingTemplateId, SectionId, SegmentId, UserId,
};
use domovoy_domain::layout::SectionKind;
use domovoy_domain::mailing::{
    Audience, DeliveryStatus, Exclusion, Mailing, MailingChannel, MailingKind, MailingStatus, MailingTemplate,
    NewMailing, NewSegment, NewTemplate, SCHEDULE_FORMAT, Segment,
};

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};

/// Delivery rows one statement writes at most.
const INSERT_BATCH: usize = 400;

#[derive(sqlx::FromRow)]
struct MailingRow {
    id: Uuid,
    title: String,
    body: String,
    kind: String,
    channels: String,
    audience: Json<Audience>,
    status: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    scheduled_for: Option<String>,
    scheduled_by: Option<Uuid>,
}

impl TryFrom<MailingRow> for Mailing {
    type Error = StoreError;

    fn try_from(row: MailingRow) -> StoreResult<Self> {
        Ok(Self {
            id: MailingId::from_uuid(row.id),
            title: row.title,
            body: row.body,
            kind: decode("mailings.kind", &row.kind, str::parse)?,
            channels: channels_of("mailings.channels", &row.channels)?,
            audience: row.audience.0,
            status: decode("mailings.status", &row.status, str::parse)?,
            created_by: row.created_by.map(UserId::from_uuid),
            created_at: row.created_at,
            sent_at: row.sent_at,
            scheduled_for: row
                .scheduled_for
                .map(|at| decode("mailings.scheduled_for", &at, |t| NaiveDateTime::parse_from_str(t, SCHEDULE_FORMAT)))
                .transpose()?,
            scheduled_by: row.scheduled_by.map(UserId::from_uuid),
        })
    }
}

const COLUMNS: &str =
    "id, title, body, kind, channels, audience, status, created_by, created_at, sent_at, scheduled_for, scheduled_by";

/// Channels as stored (codes, in order, comma-separated), read back.
fn channels_of(column: &'static str, text: &str) -> StoreResult<Vec<MailingChannel>> {
    text.split(',').map(|c| decode(column, c, str::parse)).collect()
}

fn channels_text(channels: &[MailingChannel]) -> String {
    channels.iter().map(|c| c.code()).collect::<Vec<_>>().join(",")
}

/// Writes a draft.
pub async fn insert(tx: &mut WriteTx, new: &NewMailing, by: Option<UserId>) -> StoreResult<Mailing> {
    let now = tx.now();
    let id = MailingId::new();
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO mailings (id, title, body, kind, channels, audience, status, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.as_uuid())
        .bind(&new.title)
        .bind(&new.body)
        .bind(new.kind.code())
        .bind(channels_text(&new.channels))
        .bind(Json(&new.audience))
        .bind(MailingStatus::Draft.code())
        .bind(by.map(|u| u.as_uuid()))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(Mailing {
        id,
        title: new.title.clone(),
        body: new.body.clone(),
        kind: new.kind,
        channels: new.channels.clone(),
        audience: new.audience.clone(),
        status: MailingStatus::Draft,
        created_by: by,
        created_at: now,
        sent_at: None,
        scheduled_for: None,
        scheduled_by: None,
    })
}

pub async fn get<'a>(source: impl Into<Source<'a>>, id: MailingId) -> StoreResult<Mailing> {
    let sql = format!("SELECT {COLUMNS} FROM mailings WHERE id = $1");
    let row: Option<MailingRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id.as_uuid()).fetch_optional(&mut *c).await?
    });
    row.ok_or(StoreError::NotFound)?.try_into()
}

/// The newest mailings first, at most `limit`.
pub async fn list<'a>(source: impl Into<Source<'a>>, limit: i64) -> StoreResult<Vec<Mailing>> {
    let sql = format!("SELECT {COLUMNS} FROM mailings ORDER BY created_at DESC, id DESC LIMIT $1");
    let rows: Vec<MailingRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).fetch_all(&mut *c).await?
    });
    rows.into_iter().map(Mailing::try_from).collect()
}

/// Moves a mailing from `from` (a draft sent by hand, or a scheduled one
/// whose time came) to sent; answers false when it was not there any more
/// (someone sent or called it off first), and then nothing may be queued.
pub async fn mark_sent(tx: &mut WriteTx, id: MailingId, from: MailingStatus, by: UserId) -> StoreResult<bool> {
    let now = tx.now();
    let moved = on_conn!(tx, c => {
        sqlx::query(
            "UPDATE mailings SET status = $2, sent_by = $3, sent_at = $4, due_at = NULL WHERE id = $1 AND status = $5",
        )
        .bind(id.as_uuid())
        .bind(MailingStatus::Sent.code())
        .bind(by.as_uuid())
        .bind(now)
        .bind(from.code())
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(moved == 1)
}

/// Schedules a draft for `at` (wall-clock), due at `due`; answers false
/// when it is not a draft.
pub async fn schedule(
    tx: &mut WriteTx,
    id: MailingId,
    at: NaiveDateTime,
    due: DateTime<Utc>,
    by: UserId,
) -> StoreResult<bool> {
    let moved = on_conn!(tx, c => {
        sqlx::query(
            "UPDATE mailings SET status = $2, scheduled_for = $3, due_at = $4, scheduled_by = $5 WHERE id = $1 AND status = $6",
        )
        .bind(id.as_uuid())
        .bind(MailingStatus::Scheduled.code())
        .bind(at.format(SCHEDULE_FORMAT).to_string())
        .bind(due)
        .bind(by.as_uuid())
        .bind(MailingStatus::Draft.code())
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(moved == 1)
}

/// Takes a scheduled mailing back to a draft; answers false when it is not
/// scheduled (sent already, or called off).
pub async fn unschedule(tx: &mut WriteTx, id: MailingId) -> StoreResult<bool> {
    let moved = on_conn!(tx, c => {
        sqlx::query(
            "UPDATE mailings SET status = $2, scheduled_for = NULL, due_at = NULL, scheduled_by = NULL
             WHERE id = $1 AND status = $3",
        )
        .bind(id.as_uuid())
        .bind(MailingStatus::Draft.code())
        .bind(MailingStatus::Scheduled.code())
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(moved == 1)
}

/// Scheduled mailings due by `now`, the earliest first, at most `limit`.
pub async fn due<'a>(source: impl Into<Source<'a>>, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<MailingId>> {
    let ids: Vec<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT id FROM mailings WHERE status = $1 AND due_at <= $2 ORDER BY due_at, id LIMIT $3")
            .bind(MailingStatus::Scheduled.code())
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?
    });
    Ok(ids.into_iter().map(MailingId::from_uuid).collect())
}

/// The time zones of these buildings.
pub async fn zones_of<'a>(source: impl Into<Source<'a>>, buildings: &[BuildingId]) -> StoreResult<Vec<TimeZone>> {
    if buildings.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT DISTINCT time_zone FROM buildings WHERE id IN ({})", numbered(1, buildings.len()));
    let zones: Vec<String> = on_conn!(source, c => {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for building in buildings {
            query = query.bind(building.as_uuid());
        }
        query.fetch_all(&mut *c).await?
    });
    zones.iter().map(|zone| decode("buildings.time_zone", zone, TimeZone::parse)).collect()
}

/// The buildings an audience touches (its buildings, and those of its
/// sections and units that exist).
pub async fn audience_buildings<'a>(
    source: impl Into<Source<'a>>,
    audience: &Audience,
) -> StoreResult<Vec<BuildingId>> {
    let (b, s, u) = (audience.building_ids.len(), audience.section_ids.len(), audience.unit_ids.len());
    let mut parts = Vec::new();
    if b > 0 {
        parts.push(format!("SELECT id FROM buildings WHERE id IN ({})", numbered(1, b)));
    }
    if s > 0 {
        parts.push(format!("SELECT building_id FROM sections WHERE id IN ({})", numbered(1 + b, s)));
    }
    if u > 0 {
        parts.push(format!("SELECT building_id FROM units WHERE id IN ({})", numbered(1 + b + s, u)));
    }
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = parts.join(" UNION ");
    let ids = audience_ids(audience);
    let rows: Vec<Uuid> = on_conn!(source, c => {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for id in &ids {
            query = query.bind(*id);
        }
        query.fetch_all(&mut *c).await?
    });
    Ok(rows.into_iter().map(BuildingId::from_uuid).collect())
}

/// Every section with its building, in layout order: the audience form's
/// choices.
pub async fn sections<'a>(
    source: impl Into<Source<'a>>,
) -> StoreResult<Vec<(BuildingId, SectionId, SectionKind, String)>> {
    let rows: Vec<(Uuid, Uuid, String, String)> = on_conn!(source, c => {
        sqlx::query_as("SELECT building_id, id, kind, name FROM sections ORDER BY building_id, position, name")
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter()
        .map(|(b, s, kind, name)| {
            Ok((BuildingId::from_uuid(b), SectionId::from_uuid(s), decode("sections.kind", &kind, str::parse)?, name))
        })
        .collect()
}

/// The audience's ids in the order the queries number them: buildings,
/// sections, units.
pub(crate) fn audience_ids(audience: &Audience) -> Vec<Uuid> {
    audience
        .building_ids
        .iter()
        .map(|id| id.as_uuid())
        .chain(audience.section_ids.iter().map(|id| id.as_uuid()))
        .chain(audience.unit_ids.iter().map(|id| id.as_uuid()))
        .collect()
}

/// What the store knows of one person in an audience, for routing and for
/// the text's variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub client_id: ClientId,
    pub name: String,
    /// The first of their units in the audience (by building and label).
    pub unit_label: String,
    pub building_name: String,
    pub building_address: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub consents: Vec<Channel>,
    /// Their account, when they have one that pushes reach now (a device
    /// with a push address, signed in).
    pub app_user: Option<UserId>,
    /// Their (first) unit's building's zone: quiet hours are its.
    pub time_zone: TimeZone,
}

#[derive(sqlx::FromRow)]
struct RecipientRow {
    client_id: Uuid,
    name: String,
    unit_label: String,
    building_name: String,
    building_address: String,
    time_zone: String,
    role: String,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    email: Option<String>,
    phone: Option<String>,
    consent_push: bool,
    consent_email: bool,
    consent_sms: bool,
    app_user: Option<Uuid>,
}

/// The condition on `u` (units) and `l` (client_units) that picks an
/// audience's units, its parameters numbered from `$1` in the order of
/// [`audience_ids`]; `None` for an audience of nothing. Unit kinds and
/// floors narrow what the ids name.
pub(crate) fn audience_filter(audience: &Audience) -> Option<String> {
    let (b, s, u) = (audience.building_ids.len(), audience.section_ids.len(), audience.unit_ids.len());
    let mut wheres = Vec::new();
    if b > 0 {
        wheres.push(format!("u.building_id IN ({})", numbered(1, b)));
    }
    if s > 0 {
        wheres.push(format!("u.section_id IN ({})", numbered(1 + b, s)));
    }
    if u > 0 {
        wheres.push(format!("u.id IN ({})", numbered(1 + b + s, u)));
    }
    if wheres.is_empty() {
        return None;
    }
    let mut filter = format!("({})", wheres.join(" OR "));
    // Kinds and floor numbers are written into the text: a closed set of
    // codes and two checked integers, nothing a person typed.
    if !audience.unit_kinds.is_empty() {
        let kinds: Vec<String> = audience.unit_kinds.iter().map(|k| format!("'{}'", k.code())).collect();
        filter.push_str(&format!(" AND u.kind IN ({})", kinds.join(", ")));
    }
    if let Some(floors) = audience.floors {
        filter.push_str(&format!(
            " AND u.floor_id IN (SELECT f.id FROM floors f WHERE f.number BETWEEN {} AND {})",
            floors.from, floors.to
        ));
    }
    Some(filter)
}

/// A link's role as stored.
pub(crate) fn link_role(code: &str) -> StoreResult<LinkRole> {
    decode("client_units.role", code, str::parse)
}

/// Whether a link as `role`, valid from / to, counts in the audience on
/// `today` (a tenant only within their lease).
pub(crate) fn in_audience(
    audience: &Audience,
    role: LinkRole,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    let current = valid_from.is_none_or(|from| from <= today) && valid_to.is_none_or(|to| today <= to);
    audience.takes(role) && current
}

pub(crate) fn numbered(from: usize, count: usize) -> String {
    (from..from + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The people linked to the audience's units as its roles, each once (a
/// tenant only within their lease on `today`), in building and unit order.
pub async fn recipients<'a>(
    source: impl Into<Source<'a>>,
    audience: &Audience,
    today: NaiveDate,
) -> StoreResult<Vec<Recipient>> {
    let Some(filter) = audience_filter(audience) else {
        return Ok(Vec::new());
    };
    let ids = audience_ids(audience);
    let reachable = crate::devices::reachable_sql(ids.len() + 1);
    let sql = format!(
        "SELECT c.id AS client_id, c.name, u.label AS unit_label, b.name AS building_name,
                b.address AS building_address, b.time_zone, l.role, l.valid_from, l.valid_to,
                (SELECT e.email FROM client_emails e WHERE e.client_id = c.id ORDER BY e.position LIMIT 1) AS email,
                (SELECT p.e164 FROM client_phones p WHERE p.client_id = c.id ORDER BY p.position LIMIT 1) AS phone,
                EXISTS (SELECT 1 FROM client_consents k WHERE k.client_id = c.id AND k.channel = 'push') AS consent_push,
                EXISTS (SELECT 1 FROM client_consents k WHERE k.client_id = c.id AND k.channel = 'email') AS consent_email,
                EXISTS (SELECT 1 FROM client_consents k WHERE k.client_id = c.id AND k.channel = 'sms') AS consent_sms,
                CASE WHEN EXISTS (SELECT 1 FROM devices WHERE devices.user_id = c.user_id AND {reachable})
                     THEN c.user_id END AS app_user
         FROM client_units l
         JOIN units u ON u.id = l.unit_id
         JOIN buildings b ON b.id = u.building_id
         JOIN clients c ON c.id = l.client_id
         WHERE {filter}
         ORDER BY b.name, u.label, c.name, c.id"
    );
    let rows: Vec<RecipientRow> = on_conn!(source, c => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in &ids {
            query = query.bind(*id);
        }
        query.bind(Utc::now()).fetch_all(&mut *c).await?
    });
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for row in rows {
        if !in_audience(audience, link_role(&row.role)?, row.valid_from, row.valid_to, today)
            || !seen.insert(row.client_id)
        {
            continue;
        }
        let consents =
            [(row.consent_push, Channel::Push), (row.consent_email, Channel::Email), (row.consent_sms, Channel::Sms)]
                .into_iter()
                .filter_map(|(given, channel)| given.then_some(channel))
                .collect();
        out.push(Recipient {
            client_id: ClientId::from_uuid(row.client_id),
            name: row.name,
            unit_label: row.unit_label,
            building_name: row.building_name,
            building_address: row.building_address,
            email: row.email,
            phone: row.phone,
            consents,
            app_user: row.app_user.map(UserId::from_uuid),
            time_zone: decode("buildings.time_zone", &row.time_zone, TimeZone::parse)?,
        });
    }
    Ok(out)
}

/// The people a sent mailing went to (by any channel, or skipped).
pub async fn recipients_of<'a>(source: impl Into<Source<'a>>, mailing: MailingId) -> StoreResult<Vec<ClientId>> {
    let ids: Vec<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT DISTINCT client_id FROM mailing_deliveries WHERE mailing_id = $1")
            .bind(mailing.as_uuid())
            .fetch_all(&mut *c)
            .await?
    });
    Ok(ids.into_iter().map(ClientId::from_uuid).collect())
}

/// Deletes a draft (one whose sending failed on the way); answers whether
/// it was there.
pub async fn delete_draft(tx: &mut WriteTx, id: MailingId) -> StoreResult<bool> {
    let deleted = on_conn!(tx, c => {
        sqlx::query("DELETE FROM mailings WHERE id = $1 AND status = $2")
            .bind(id.as_uuid())
            .bind(MailingStatus::Draft.code())
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(deleted == 1)
}

/// One delivery to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub client_id: ClientId,
    /// `None` for a recipient nothing reaches.
    pub channel: Option<MailingChannel>,
    pub address: Option<String>,
    pub status: DeliveryStatus,
    pub reason: Option<Exclusion>,
    pub outbox_key: Option<String>,
    /// The stored form (a hash) of the unsubscribe link's secret.
    pub unsubscribe_token: Option<String>,
    pub subject: String,
    pub text: String,
}

impl NewDelivery {
    /// A notice in the recipient's cabinet: delivered as it is written.
    pub fn in_app(client_id: ClientId, subject: String, text: String) -> Self {
        Self {
            client_id,
            channel: Some(MailingChannel::InApp),
            address: None,
            status: DeliveryStatus::Delivered,
            reason: None,
            outbox_key: None,
            unsubscribe_token: None,
            subject,
            text,
        }
    }
}

/// Writes deliveries of `mailing`; a row already there for the same
/// recipient and channel stays as it was.
pub async fn insert_deliveries(tx: &mut WriteTx, mailing: MailingId, rows: &[NewDelivery]) -> StoreResult<()> {
    const WIDTH: usize = 13;
    let now = tx.now();
    for chunk in rows.chunks(INSERT_BATCH) {
        let values =
            (0..chunk.len()).map(|r| format!("({})", numbered(1 + r * WIDTH, WIDTH))).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "INSERT INTO mailing_deliveries (id, mailing_id, client_id, channel, address, status, reason, outbox_key,
                                             unsubscribe_token, subject, text, created_at, unsubscribed_at)
             VALUES {values} ON CONFLICT DO NOTHING"
        );
        on_conn!(&mut *tx, c => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for row in chunk {
                query = query
                    .bind(DeliveryId::new().as_uuid())
                    .bind(mailing.as_uuid())
                    .bind(row.client_id.as_uuid())
                    .bind(row.channel.map(MailingChannel::code))
                    .bind(row.address.as_deref())
                    .bind(row.status.code())
                    .bind(row.reason.map(Exclusion::code))
                    .bind(row.outbox_key.as_deref())
                    .bind(row.unsubscribe_token.as_deref())
                    .bind(&row.subject)
                    .bind(&row.text)
                    .bind(now)
                    .bind(None::<DateTime<Utc>>);
            }
            query.execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(())
}

/// The state of a delivery row, the outbox's for queued ones.
const STATUS_SQL: &str = "CASE WHEN d.status <> 'queued' THEN d.status
                               WHEN o.delivered_at IS NOT NULL THEN 'delivered'
                               WHEN o.undelivered_at IS NOT NULL THEN 'failed'
                               WHEN o.sent_at IS NOT NULL THEN 'sent'
                               WHEN o.failed_at IS NOT NULL THEN 'failed'
                               ELSE 'queued' END";

/// How many deliveries of the mailing are in each state.
pub async fn counts<'a>(
    source: impl Into<Source<'a>>,
    mailing: MailingId,
) -> StoreResult<BTreeMap<DeliveryStatus, i64>> {
    Ok(counts_of(source, &[mailing]).await?.remove(&mailing).unwrap_or_else(no_deliveries))
}

fn no_deliveries() -> BTreeMap<DeliveryStatus, i64> {
    DeliveryStatus::ALL.iter().map(|s| (*s, 0)).collect()
}

/// [`counts`] of several mailings in one query (the list's); a mailing
/// without deliveries has every state at 0.
pub async fn counts_of<'a>(
    source: impl Into<Source<'a>>,
    mailings: &[MailingId],
) -> StoreResult<HashMap<MailingId, BTreeMap<DeliveryStatus, i64>>> {
    let mut out: HashMap<MailingId, BTreeMap<DeliveryStatus, i64>> =
        mailings.iter().map(|id| (*id, no_deliveries())).collect();
    if mailings.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT d.mailing_id, {STATUS_SQL} AS state, COUNT(*) FROM mailing_deliveries d
         LEFT JOIN outbox o ON o.channel = d.channel AND o.dedup_key = d.outbox_key
         WHERE d.mailing_id IN ({}) GROUP BY 1, 2",
        numbered(1, mailings.len())
    );
    let rows: Vec<(Uuid, String, i64)> = on_conn!(source, c => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in mailings {
            query = query.bind(id.as_uuid());
        }
        query.fetch_all(&mut *c).await?
    });
    for (mailing, state, count) in rows {
        let state = decode("mailing_deliveries.status", &state, str::parse)?;
        *out.entry(MailingId::from_uuid(mailing)).or_insert_with(no_deliveries).entry(state).or_default() += count;
    }
    Ok(out)
}

/// One delivery, as the mailing's report and the client card show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: DeliveryId,
    pub mailing_id: MailingId,
    pub mailing_title: String,
    pub mailing_kind: MailingKind,
    pub client_id: ClientId,
    pub client_name: String,
    pub channel: Option<MailingChannel>,
    pub address: Option<String>,
    pub status: DeliveryStatus,
    /// Why it was skipped, or the channel's last error.
    pub reason: Option<String>,
    pub attempts: i64,
    pub sent_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    mailing_id: Uuid,
    mailing_title: String,
    mailing_kind: String,
    client_id: Uuid,
    client_name: String,
    channel: Option<String>,
    address: Option<String>,
    state: String,
    reason: Option<String>,
    last_error: Option<String>,
    attempts: Option<i64>,
    sent_at: Option<DateTime<Utc>>,
    unsubscribed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;

    fn try_from(row: DeliveryRow) -> StoreResult<Self> {
        let status: DeliveryStatus = decode("mailing_deliveries.status", &row.state, str::parse)?;
        Ok(Self {
            id: DeliveryId::from_uuid(row.id),
            mailing_id: MailingId::from_uuid(row.mailing_id),
            mailing_title: row.mailing_title,
            mailing_kind: decode("mailings.kind", &row.mailing_kind, str::parse)?,
            client_id: ClientId::from_uuid(row.client_id),
            client_name: row.client_name,
            channel: row.channel.as_deref().map(|c| decode("mailing_deliveries.channel", c, str::parse)).transpose()?,
            address: row.address,
            // The channel's last error says why it failed (or why it waits);
            // a message that went out has none to show.
            reason: row.reason.or(match status {
                DeliveryStatus::Failed | DeliveryStatus::Queued => row.last_error,
                _ => None,
            }),
            status,
            attempts: row.attempts.unwrap_or(0),
            sent_at: row.sent_at,
            unsubscribed_at: row.unsubscribed_at,
            created_at: row.created_at,
        })
    }
}

fn delivery_select(filter: &str, tail: &str) -> String {
    format!(
        "SELECT d.id, d.mailing_id, m.title AS mailing_title, m.kind AS mailing_kind, d.client_id,
                c.name AS client_name, d.channel, d.address, {STATUS_SQL} AS state, d.reason, o.last_error,
                o.attempts, o.sent_at, d.unsubscribed_at, d.created_at
         FROM mailing_deliveries d
         JOIN mailings m ON m.id = d.mailing_id
         JOIN clients c ON c.id = d.client_id
         LEFT JOIN outbox o ON o.channel = d.channel AND o.dedup_key = d.outbox_key
         WHERE {filter} {tail}"
    )
}

/// A mailing's deliveries in recipient order, `limit` from `offset`.
pub async fn deliveries<'a>(
    source: impl Into<Source<'a>>,
    mailing: MailingId,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<Delivery>> {
    let sql = delivery_select("d.mailing_id = $1", "ORDER BY c.name, d.client_id, d.channel LIMIT $2 OFFSET $3");
    let rows: Vec<DeliveryRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(mailing.as_uuid())
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(Delivery::try_from).collect()
}

/// What a client received (and was skipped for), the newest first.
pub async fn for_client<'a>(source: impl Into<Source<'a>>, client: ClientId, limit: i64) -> StoreResult<Vec<Delivery>> {
    let sql = delivery_select("d.client_id = $1", "ORDER BY d.created_at DESC, d.id LIMIT $2");
    let rows: Vec<DeliveryRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(client.as_uuid()).bind(limit).fetch_all(&mut *c).await?
    });
    rows.into_iter().map(Delivery::try_from).collect()
}

/// A notice in a resident's cabinet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub id: DeliveryId,
    pub mailing_id: MailingId,
    pub kind: MailingKind,
    pub subject: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// The mailing's files (filled in by the use-case that reads them).
    pub files: Vec<MailingFile>,
}

/// The in-app notices of a client, the newest first.
pub async fn notices<'a>(source: impl Into<Source<'a>>, client: ClientId, limit: i64) -> StoreResult<Vec<Notice>> {
    let rows: Vec<(Uuid, Uuid, String, String, String, DateTime<Utc>)> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT d.id, d.mailing_id, m.kind, d.subject, d.text, d.created_at
             FROM mailing_deliveries d JOIN mailings m ON m.id = d.mailing_id
             WHERE d.client_id = $1 AND d.channel = 'in_app'
             ORDER BY d.created_at DESC, d.id LIMIT $2",
        )
        .bind(client.as_uuid())
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter()
        .map(|(id, mailing, kind, subject, text, created_at)| {
            Ok(Notice {
                id: DeliveryId::from_uuid(id),
                mailing_id: MailingId::from_uuid(mailing),
                kind: decode("mailings.kind", &kind, str::parse)?,
                subject,
                text,
                created_at,
                files: Vec::new(),
            })
        })
        .collect()
}

/// A file attached to a mailing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MailingFile {
    pub id: Uuid,
    pub mailing_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

const FILE_COLUMNS: &str = "id, mailing_id, file_name, content_type, size_bytes, sha256, created_at";

/// Attaches a file (its bytes already in place) to a mailing that is still
/// a draft; answers false when it is not (sent or scheduled meanwhile).
pub async fn insert_file(tx: &mut WriteTx, file: &MailingFile) -> StoreResult<bool> {
    let added = on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO mailing_files (id, mailing_id, file_name, content_type, size_bytes, sha256, created_at)
             SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM mailings WHERE id = $2 AND status = $8)",
        )
        .bind(file.id)
        .bind(file.mailing_id)
        .bind(&file.file_name)
        .bind(&file.content_type)
        .bind(file.size_bytes)
        .bind(&file.sha256)
        .bind(file.created_at)
        .bind(MailingStatus::Draft.code())
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(added == 1)
}

/// A mailing's files, in the order attached.
pub async fn files<'a>(source: impl Into<Source<'a>>, mailing: MailingId) -> StoreResult<Vec<MailingFile>> {
    let sql = format!("SELECT {FILE_COLUMNS} FROM mailing_files WHERE mailing_id = $1 ORDER BY created_at, id");
    Ok(on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(mailing.as_uuid()).fetch_all(&mut *c).await?
    }))
}

pub async fn file<'a>(source: impl Into<Source<'a>>, id: Uuid) -> StoreResult<MailingFile> {
    let sql = format!("SELECT {FILE_COLUMNS} FROM mailing_files WHERE id = $1");
    let row: Option<MailingFile> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(&mut *c).await?
    });
    row.ok_or(StoreError::NotFound)
}

/// Removes a file from a mailing that is still a draft; answers whether it
/// was removed.
pub async fn delete_file(tx: &mut WriteTx, mailing: MailingId, id: Uuid) -> StoreResult<bool> {
    let deleted = on_conn!(tx, c => {
        sqlx::query(
            "DELETE FROM mailing_files WHERE id = $1 AND mailing_id = $2
               AND EXISTS (SELECT 1 FROM mailings WHERE id = $2 AND status = $3)",
        )
        .bind(id)
        .bind(mailing.as_uuid())
        .bind(MailingStatus::Draft.code())
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(deleted == 1)
}

/// Whether `client` received `mailing` in the cabinet.
pub async fn received<'a>(source: impl Into<Source<'a>>, mailing: MailingId, client: ClientId) -> StoreResult<bool> {
    let found: i64 = on_conn!(source, c => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM mailing_deliveries WHERE mailing_id = $1 AND client_id = $2 AND channel = 'in_app'",
        )
        .bind(mailing.as_uuid())
        .bind(client.as_uuid())
        .fetch_one(&mut *c)
        .await?
    });
    Ok(found > 0)
}

/// The delivery an unsubscribe link names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub delivery: DeliveryId,
    pub client_id: ClientId,
    pub channel: MailingChannel,
    pub mailing_title: String,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

/// A delivery row with its unsubscribe state: id, client, channel, the
/// mailing's title, when the link was used.
type UnsubscribeRow = (Uuid, Uuid, Option<String>, String, Option<DateTime<Utc>>);

/// The delivery whose unsubscribe secret's stored form is `token`.
pub async fn by_unsubscribe_token<'a>(source: impl Into<Source<'a>>, token: &str) -> StoreResult<Unsubscribe> {
    let row: Option<UnsubscribeRow> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT d.id, d.client_id, d.channel, m.title, d.unsubscribed_at
             FROM mailing_deliveries d JOIN mailings m ON m.id = d.mailing_id
             WHERE d.unsubscribe_token = $1",
        )
        .bind(token)
        .fetch_optional(&mut *c)
        .await?
    });
    let (id, client, channel, title, unsubscribed_at) = row.ok_or(StoreError::NotFound)?;
    let channel = channel.ok_or(StoreError::NotFound)?;
    Ok(Unsubscribe {
        delivery: DeliveryId::from_uuid(id),
        client_id: ClientId::from_uuid(client),
        channel: decode("mailing_deliveries.channel", &channel, str::parse)?,
        mailing_title: title,
        unsubscribed_at,
    })
}

/// Records that the link of `delivery` was used; answers false when it had
/// been already.
pub async fn mark_unsubscribed(tx: &mut WriteTx, delivery: DeliveryId) -> StoreResult<bool> {
    let now = tx.now();
    let done = on_conn!(tx, c => {
        sqlx::query("UPDATE mailing_deliveries SET unsubscribed_at = $2 WHERE id = $1 AND unsubscribed_at IS NULL")
            .bind(delivery.as_uuid())
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(done == 1)
}

#[derive(sqlx::FromRow)]
struct TemplateRow {
    id: Uuid,
    name: String,
    title: String,
    body: String,
    kind: String,
    channels: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<TemplateRow> for MailingTemplate {
    type Error = StoreError;

    fn try_from(row: TemplateRow) -> StoreResult<Self> {
        Ok(Self {
            id: MailingTemplateId::from_uuid(row.id),
            name: row.name,
            title: row.title,
            body: row.body,
            kind: decode("mailing_templates.kind", &row.kind, str::parse)?,
            channels: channels_of("mailing_templates.channels", &row.channels)?,
            created_at: row.created_at,
        })
    }
}

/// Refuses on `name` a name `table` (with a unique `name` column) holds
/// already: the form says so rather than the constraint failing.
async fn name_free(tx: &mut WriteTx, table: &'static str, name: &str) -> StoreResult<()> {
    // COUNT(*) is a 64-bit integer on both backends (a bare `1` is a
    // 32-bit one on PostgreSQL).
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE name = $1");
    let taken: i64 = on_conn!(tx, c => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(name).fetch_one(&mut *c).await?
    });
    if taken > 0 { Err(StoreError::invalid("name", domovoy_domain::FieldError::Taken)) } else { Ok(()) }
}

const TEMPLATE_COLUMNS: &str = "id, name, title, body, kind, channels, created_at";

/// Saves a template; a name in use is refused on `name`.
pub async fn insert_template(tx: &mut WriteTx, new: &NewTemplate, by: Option<UserId>) -> StoreResult<MailingTemplate> {
    let now = tx.now();
    let id = MailingTemplateId::new();
    name_free(tx, "mailing_templates", &new.name).await?;
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO mailing_templates (id, name, title, body, kind, channels, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.as_uuid())
        .bind(&new.name)
        .bind(&new.title)
        .bind(&new.body)
        .bind(new.kind.code())
        .bind(channels_text(&new.channels))
        .bind(by.map(|u| u.as_uuid()))
        .bind(now)
        .execute(&mut *c)
        .await?;
    });
    Ok(MailingTemplate {
        id,
        name: new.name.clone(),
        title: new.title.clone(),
        body: new.body.clone(),
        kind: new.kind,
        channels: new.channels.clone(),
        created_at: now,
    })
}

/// Every template, by name.
pub async fn templates<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<MailingTemplate>> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM mailing_templates ORDER BY name, id");
    let rows: Vec<TemplateRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(&mut *c).await?
    });
    rows.into_iter().map(MailingTemplate::try_from).collect()
}

pub async fn template<'a>(source: impl Into<Source<'a>>, id: MailingTemplateId) -> StoreResult<MailingTemplate> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM mailing_templates WHERE id = $1");
    let row: Option<TemplateRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id.as_uuid()).fetch_optional(&mut *c).await?
    });
    row.ok_or(StoreError::NotFound)?.try_into()
}

/// Deletes a template; answers whether it was there.
pub async fn delete_template(tx: &mut WriteTx, id: MailingTemplateId) -> StoreResult<bool> {
    let deleted = on_conn!(tx, c => {
        sqlx::query("DELETE FROM mailing_templates WHERE id = $1").bind(id.as_uuid()).execute(&mut *c).await?.rows_affected()
    });
    Ok(deleted == 1)
}

#[derive(sqlx::FromRow)]
struct SegmentRow {
    id: Uuid,
    name: String,
    audience: Json<Audience>,
    created_at: DateTime<Utc>,
}

impl From<SegmentRow> for Segment {
    fn from(row: SegmentRow) -> Self {
        Self { id: SegmentId::from_uuid(row.id), name: row.name, audience: row.audience.0, created_at: row.created_at }
    }
}

/// Saves a segment; a name in use is refused on `name`.
pub async fn insert_segment(tx: &mut WriteTx, new: &NewSegment, by: Option<UserId>) -> StoreResult<Segment> {
    let now = tx.now();
    let id = SegmentId::new();
    name_free(tx, "audience_segments", &new.name).await?;
    on_conn!(tx, c => {
        sqlx::query("INSERT INTO audience_segments (id, name, audience, created_by, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.as_uuid())
            .bind(&new.name)
            .bind(Json(&new.audience))
            .bind(by.map(|u| u.as_uuid()))
            .bind(now)
            .execute(&mut *c)
            .await?;
    });
    Ok(Segment { id, name: new.name.clone(), audience: new.audience.clone(), created_at: now })
}

/// Every segment, by name.
pub async fn segments<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<Segment>> {
    let rows: Vec<SegmentRow> = on_conn!(source, c => {
        sqlx::query_as("SELECT id, name, audience, created_at FROM audience_segments ORDER BY name, id")
            .fetch_all(&mut *c)
            .await?
    });
    Ok(rows.into_iter().map(Segment::from).collect())
}

pub async fn segment<'a>(source: impl Into<Source<'a>>, id: SegmentId) -> StoreResult<Segment> {
    let row: Option<SegmentRow> = on_conn!(source, c => {
        sqlx::query_as("SELECT id, name, audience, created_at FROM audience_segments WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(row.ok_or(StoreError::NotFound)?.into())
}

/// Deletes a segment; answers whether it was there.
pub async fn delete_segment(tx: &mut WriteTx, id: SegmentId) -> StoreResult<bool> {
    let deleted = on_conn!(tx, c => {
        sqlx::query("DELETE FROM audience_segments WHERE id = $1").bind(id.as_uuid()).execute(&mut *c).await?.rows_affected()
    });
    Ok(deleted == 1)
}
