//! Clients: cards, phones, e-mails, links to units, consents, and search.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{Expr, ExprTrait, Query};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::client::{
    Channel, Client, ClientDraft, ClientKind, ClientPhone, LinkRole, Share, UnitLink, reversed_digits, search_terms,
    typo_budget, within_typo,
};
use domovoy_domain::contact::{Email, Phone};
use domovoy_domain::ids::{BuildingId, ClientId, UnitId, UserId};
use domovoy_domain::text::fold;

use crate::Backend;
use crate::db::{Source, WriteTx, dialect, fetch_all_built};
use crate::error::{StoreError, StoreResult, decode};
use crate::layout::{self, Unit};

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: Uuid,
    kind: String,
    last_name: Option<String>,
    first_name: Option<String>,
    middle_name: Option<String>,
    name: String,
    inn: Option<String>,
    notes: String,
    tags: Json<Vec<String>>,
    user_id: Option<Uuid>,
    external_id: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const CLIENT_COLUMNS: &str = "id, kind, last_name, first_name, middle_name, name, inn, notes, tags, user_id, external_id, \
                              version, created_at, updated_at";

fn phone_from_stored(e164: &str, extension: Option<&str>) -> StoreResult<Phone> {
    let text = match extension {
        Some(ext) => format!("{e164} доб. {ext}"),
        None => e164.to_owned(),
    };
    decode("client_phones.e164", &text, Phone::parse)
}

/// One client's card.
pub async fn get<'a>(source: impl Into<Source<'a>>, id: ClientId) -> StoreResult<Client> {
    let mut source: Source<'a> = source.into();
    let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = $1");
    type PhoneRow = (String, Option<String>, String);
    let (row, phones, emails): (ClientRow, Vec<PhoneRow>, Vec<String>) = on_conn!(source.reborrow(), c => {
        let row = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id.as_uuid()).fetch_one(&mut *c).await?;
        let phones = sqlx::query_as("SELECT e164, extension, raw FROM client_phones WHERE client_id = $1 ORDER BY position")
            .bind(id.as_uuid())
            .fetch_all(&mut *c)
            .await?;
        let emails = sqlx::query_scalar("SELECT email FROM client_emails WHERE client_id = $1 ORDER BY position")
            .bind(id.as_uuid())
            .fetch_all(&mut *c)
            .await?;
        (row, phones, emails)
    });
    let phones = phones
        .into_iter()
        .map(|(e164, ext, raw)| Ok(ClientPhone { phone: phone_from_stored(&e164, ext.as_deref())?, raw }))
        .collect::<StoreResult<_>>()?;
    let emails =
        emails.into_iter().map(|e| decode("client_emails.email", &e, Email::parse)).collect::<StoreResult<_>>()?;
    Ok(Client {
        id: ClientId::from_uuid(row.id),
        card: ClientDraft {
            kind: decode("clients.kind", &row.kind, str::parse::<ClientKind>)?,
            last_name: row.last_name,
            first_name: row.first_name,
            middle_name: row.middle_name,
            name: row.name,
            inn: row.inn,
            phones,
            emails,
            notes: row.notes,
            tags: row.tags.0,
            user_id: row.user_id.map(UserId::from_uuid),
            external_id: row.external_id,
        },
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The client with this billing id, if any.
pub async fn find_by_external<'a>(source: impl Into<Source<'a>>, external_id: &str) -> StoreResult<Option<ClientId>> {
    let id: Option<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT id FROM clients WHERE external_id = $1").bind(external_id).fetch_optional(&mut *c).await?
    });
    Ok(id.map(ClientId::from_uuid))
}

/// The client whose resident account this is, if any.
pub async fn find_by_user<'a>(source: impl Into<Source<'a>>, user: UserId) -> StoreResult<Option<ClientId>> {
    let id: Option<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT id FROM clients WHERE user_id = $1").bind(user.as_uuid()).fetch_optional(&mut *c).await?
    });
    Ok(id.map(ClientId::from_uuid))
}

/// The accounts of these clients (those who have one), in no order.
pub async fn users_of<'a>(source: impl Into<Source<'a>>, clients: &[ClientId]) -> StoreResult<Vec<UserId>> {
    let mut source: Source<'a> = source.into();
    let mut users = Vec::new();
    // A bounded number of parameters per query.
    for chunk in clients.chunks(500) {
        let sql = format!(
            "SELECT user_id FROM clients WHERE user_id IS NOT NULL AND id IN ({})",
            crate::mailings::numbered(1, chunk.len())
        );
        let ids: Vec<Uuid> = on_conn!(source.reborrow(), c => {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
            for client in chunk {
                query = query.bind(client.as_uuid());
            }
            query.fetch_all(&mut *c).await?
        });
        users.extend(ids.into_iter().map(UserId::from_uuid));
    }
    Ok(users)
}

/// Clients having this exact number (caller ID lookup).
pub async fn find_by_phone<'a>(source: impl Into<Source<'a>>, phone: &Phone) -> StoreResult<Vec<ClientId>> {
    let ids: Vec<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT DISTINCT client_id FROM client_phones WHERE e164 = $1 LIMIT 50")
            .bind(phone.e164())
            .fetch_all(&mut *c)
            .await?
    });
    Ok(ids.into_iter().map(ClientId::from_uuid).collect())
}

async fn check_unique(tx: &mut WriteTx, draft: &ClientDraft, except: Option<ClientId>) -> StoreResult<()> {
    if let Some(external) = &draft.external_id
        && let Some(other) = find_by_external(&mut *tx, external).await?
        && Some(other) != except
    {
        return Err(StoreError::invalid("external_id", FieldError::Taken));
    }
    if let Some(user) = draft.user_id
        && let Some(other) = find_by_user(&mut *tx, user).await?
        && Some(other) != except
    {
        return Err(StoreError::invalid("user_id", FieldError::Taken));
    }
    Ok(())
}

/// Writes the card's contacts and search words (after clearing the old).
async fn write_details(tx: &mut WriteTx, id: ClientId, draft: &ClientDraft) -> StoreResult<()> {
    let terms = search_terms(draft);
    on_conn!(tx, c => {
        for table in ["client_phones", "client_emails", "client_terms"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE client_id = $1")))
                .bind(id.as_uuid())
                .execute(&mut *c)
                .await?
                .rows_affected();
        }
        for (position, phone) in draft.phones.iter().enumerate() {
            sqlx::query(
                "INSERT INTO client_phones (client_id, position, e164, extension, raw, reversed) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.as_uuid())
            .bind(position as i64)
            .bind(phone.phone.e164())
            .bind(phone.phone.extension())
            .bind(&phone.raw)
            .bind(reversed_digits(phone.phone.e164()))
            .execute(&mut *c)
            .await?
            .rows_affected();
        }
        for (position, email) in draft.emails.iter().enumerate() {
            sqlx::query("INSERT INTO client_emails (client_id, position, email) VALUES ($1, $2, $3)")
                .bind(id.as_uuid())
                .bind(position as i64)
                .bind(email.as_str())
                .execute(&mut *c)
                .await?
                .rows_affected();
        }
        for (term, lead) in &terms {
            sqlx::query("INSERT INTO client_terms (client_id, term, lead) VALUES ($1, $2, $3)")
                .bind(id.as_uuid())
                .bind(term)
                .bind(i64::from(*lead))
                .execute(&mut *c)
                .await?
                .rows_affected();
        }
    });
    Ok(())
}

/// Creates a client; a billing id or resident account already used by
/// another client is refused on that field.
pub async fn insert(tx: &mut WriteTx, draft: &ClientDraft) -> StoreResult<Client> {
    check_unique(tx, draft, None).await?;
    save_row(tx, ClientId::new(), draft, INSERT_CLIENT).await
}

/// Changes a client's card. `expected_version`, when given, must be the
/// stored one: a stale editor gets [`StoreError::Conflict`].
pub async fn update(
    tx: &mut WriteTx,
    id: ClientId,
    draft: &ClientDraft,
    expected_version: Option<i64>,
) -> StoreResult<Client> {
    let current = get(&mut *tx, id).await?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(StoreError::Conflict("clients.version".to_owned()));
    }
    check_unique(tx, draft, Some(id)).await?;
    save_row(tx, id, draft, UPDATE_CLIENT).await
}

/// Creating and changing a card bind the same values, `$1` … `$12`.
const INSERT_CLIENT: &str = "INSERT INTO clients (id, kind, last_name, first_name, middle_name, name, inn, notes, tags,
                                                  user_id, external_id, version, created_at, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12)";
const UPDATE_CLIENT: &str =
    "UPDATE clients SET kind = $2, last_name = $3, first_name = $4, middle_name = $5, name = $6,
                                    inn = $7, notes = $8, tags = $9, user_id = $10, external_id = $11,
                                    version = version + 1, updated_at = $12
                             WHERE id = $1";

/// Writes the card row with `sql` ([`INSERT_CLIENT`] or [`UPDATE_CLIENT`]),
/// then its contacts and search words, and reads the card back.
async fn save_row(tx: &mut WriteTx, id: ClientId, draft: &ClientDraft, sql: &'static str) -> StoreResult<Client> {
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(sql)
        .bind(id.as_uuid())
        .bind(draft.kind.code())
        .bind(draft.last_name.as_deref())
        .bind(draft.first_name.as_deref())
        .bind(draft.middle_name.as_deref())
        .bind(&draft.name)
        .bind(draft.inn.as_deref())
        .bind(&draft.notes)
        .bind(Json(&draft.tags))
        .bind(draft.user_id.map(|u| u.as_uuid()))
        .bind(draft.external_id.as_deref())
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    write_details(tx, id, draft).await?;
    get(tx, id).await
}

/// A client's link to a unit, with the unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkedUnit {
    pub link: UnitLink,
    pub unit: Unit,
    pub building_name: String,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    client_id: Uuid,
    unit_id: Uuid,
    role: String,
    share_num: Option<i64>,
    share_den: Option<i64>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    account: Option<String>,
}

impl TryFrom<&LinkRow> for UnitLink {
    type Error = StoreError;

    fn try_from(row: &LinkRow) -> StoreResult<Self> {
        let share = match (row.share_num, row.share_den) {
            (Some(n), Some(d)) => Some(
                Share::new(n as u32, d as u32)
                    .map_err(|_| StoreError::Corrupt(format!("client_units.share {n}/{d}")))?,
            ),
            _ => None,
        };
        Ok(UnitLink {
            unit_id: UnitId::from_uuid(row.unit_id),
            role: decode("client_units.role", &row.role, str::parse::<LinkRole>)?,
            share,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            account: row.account.clone(),
        })
    }
}

const LINK_COLUMNS: &str = "client_id, unit_id, role, share_num, share_den, valid_from, valid_to, account";

/// Replaces the client's links to units with `links` (each validated).
pub async fn set_links(tx: &mut WriteTx, client: ClientId, links: &[UnitLink]) -> StoreResult<()> {
    let now = tx.now();
    let mut seen = HashSet::new();
    for link in links {
        if !seen.insert((link.unit_id, link.role)) {
            return Err(StoreError::invalid("units", FieldError::Taken));
        }
        layout::unit(&mut *tx, link.unit_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::invalid("unit_id", FieldError::Unknown),
            other => other,
        })?;
    }
    on_conn!(tx, c => {
        sqlx::query("DELETE FROM client_units WHERE client_id = $1").bind(client.as_uuid()).execute(&mut *c).await?.rows_affected();
        for link in links {
            sqlx::query(
                "INSERT INTO client_units (id, client_id, unit_id, role, share_num, share_den, valid_from, valid_to, account, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Uuid::now_v7())
            .bind(client.as_uuid())
            .bind(link.unit_id.as_uuid())
            .bind(link.role.code())
            .bind(link.share.map(|s| i64::from(s.numerator)))
            .bind(link.share.map(|s| i64::from(s.denominator)))
            .bind(link.valid_from)
            .bind(link.valid_to)
            .bind(link.account.as_deref())
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected();
        }
    });
    Ok(())
}

/// The client's units, with building names.
pub async fn links<'a>(source: impl Into<Source<'a>>, client: ClientId) -> StoreResult<Vec<LinkedUnit>> {
    let mut source: Source<'a> = source.into();
    let sql = format!("SELECT {LINK_COLUMNS} FROM client_units WHERE client_id = $1 ORDER BY created_at");
    let rows: Vec<LinkRow> = on_conn!(source.reborrow(), c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(client.as_uuid()).fetch_all(&mut *c).await?
    });
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let unit = layout::unit(source.reborrow(), UnitId::from_uuid(row.unit_id)).await?;
        let building_name: String = on_conn!(source.reborrow(), c => {
            sqlx::query_scalar("SELECT name FROM buildings WHERE id = $1")
                .bind(unit.building_id.as_uuid())
                .fetch_one(&mut *c)
                .await?
        });
        out.push(LinkedUnit { link: UnitLink::try_from(row)?, unit, building_name });
    }
    Ok(out)
}

/// A person or company linked to a unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitPerson {
    pub client_id: ClientId,
    pub name: String,
    pub kind: ClientKind,
    pub link: UnitLink,
    /// Registered in the resident app.
    pub has_account: bool,
}

/// Everyone linked to the unit, owners first.
pub async fn unit_people<'a>(source: impl Into<Source<'a>>, unit: UnitId) -> StoreResult<Vec<UnitPerson>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        link: LinkRow,
        name: String,
        kind: String,
        user_id: Option<Uuid>,
    }
    let rows: Vec<Row> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT l.client_id, l.unit_id, l.role, l.share_num, l.share_den, l.valid_from, l.valid_to, l.account,
                    k.name, k.kind, k.user_id
             FROM client_units l JOIN clients k ON k.id = l.client_id
             WHERE l.unit_id = $1 ORDER BY l.role, k.name",
        )
        .bind(unit.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    rows.iter()
        .map(|r| {
            Ok(UnitPerson {
                client_id: ClientId::from_uuid(r.link.client_id),
                name: r.name.clone(),
                kind: decode("clients.kind", &r.kind, str::parse)?,
                link: UnitLink::try_from(&r.link)?,
                has_account: r.user_id.is_some(),
            })
        })
        .collect()
}

/// Who lives in or owns each unit of a building, for the chessboard:
/// per unit, its active links' roles and whether each client has an app account.
pub async fn occupancy<'a>(
    source: impl Into<Source<'a>>,
    building: BuildingId,
    today: NaiveDate,
) -> StoreResult<HashMap<UnitId, Vec<(LinkRole, bool)>>> {
    let rows: Vec<LinkRowWithAccount> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT l.client_id, l.unit_id, l.role, l.share_num, l.share_den, l.valid_from, l.valid_to, l.account,
                    k.user_id IS NOT NULL AS has_account
             FROM client_units l JOIN units u ON u.id = l.unit_id JOIN clients k ON k.id = l.client_id
             WHERE u.building_id = $1",
        )
        .bind(building.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    let mut out: HashMap<UnitId, Vec<(LinkRole, bool)>> = HashMap::new();
    for row in &rows {
        let link = UnitLink::try_from(&row.link)?;
        if link.active_on(today) {
            out.entry(link.unit_id).or_default().push((link.role, row.has_account));
        }
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct LinkRowWithAccount {
    #[sqlx(flatten)]
    link: LinkRow,
    has_account: bool,
}

/// The channels the client agreed to, with when.
pub async fn consents<'a>(
    source: impl Into<Source<'a>>,
    client: ClientId,
) -> StoreResult<Vec<(Channel, DateTime<Utc>)>> {
    let rows: Vec<(String, DateTime<Utc>)> = on_conn!(source, c => {
        sqlx::query_as("SELECT channel, given_at FROM client_consents WHERE client_id = $1 ORDER BY channel")
            .bind(client.as_uuid())
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(|(channel, at)| Ok((decode("client_consents.channel", &channel, str::parse)?, at))).collect()
}

/// Records (`Some(when)`) or withdraws (`None`) consent to `channel`.
pub async fn set_consent(
    tx: &mut WriteTx,
    client: ClientId,
    channel: Channel,
    given_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query("DELETE FROM client_consents WHERE client_id = $1 AND channel = $2")
            .bind(client.as_uuid())
            .bind(channel.code())
            .execute(&mut *c)
            .await?
            .rows_affected();
        if let Some(at) = given_at {
            sqlx::query("INSERT INTO client_consents (client_id, channel, given_at) VALUES ($1, $2, $3)")
                .bind(client.as_uuid())
                .bind(channel.code())
                .bind(at)
                .execute(&mut *c)
                .await?
                .rows_affected();
        }
    });
    Ok(())
}

/// A client found by search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientHit {
    pub id: ClientId,
    pub name: String,
    pub kind: ClientKind,
    pub phones: Vec<Phone>,
    /// Units as "кв. 45" with building ids.
    pub units: Vec<(BuildingId, String)>,
}

/// Rows whose `column` starts with `prefix`: a range both backends answer
/// from a btree index (PostgreSQL compares in the "C" collation so that the
/// range is bytewise, as SQLite's is).
fn prefix_sql(backend: Backend, select: &str, column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("{select} WHERE {column} >= $1 AND {column} < $2"),
        Backend::Postgres => format!("{select} WHERE {column} COLLATE \"C\" >= $1 AND {column} COLLATE \"C\" < $2"),
    }
}

/// [`prefix_sql`] in the index's order, for a `LIMIT`: PostgreSQL's generic
/// plan of a prepared statement cannot see how narrow the range is, and
/// without the order it chose a full scan (20–45 ms on 100,000 phones
/// against 0.03 ms through the index).
fn prefix_sql_ordered(backend: Backend, select: &str, column: &str) -> String {
    let order = match backend {
        Backend::Sqlite => format!(" ORDER BY {column}"),
        Backend::Postgres => format!(" ORDER BY {column} COLLATE \"C\""),
    };
    prefix_sql(backend, select, column) + &order
}

/// The smallest string greater than every string starting with `prefix`.
pub(crate) fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Most candidates whose names are read to order the results.
const CANDIDATES: usize = 500;

/// Most distinct words looked at for one typed word.
const TERM_CANDIDATES: i64 = 5_000;

/// Most clients one search reads names of.
const WORD_CANDIDATES: usize = 200;

/// The distinct stored words starting with `$1` (up to `$3`, the end of
/// the range in `$2`), walked through the index one word at a time: a
/// `DISTINCT` over the range reads every client's row ("ив" is 6,000 rows
/// of Ивановы), the walk reads one row per distinct word.
fn distinct_terms_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "WITH RECURSIVE walk(term, n) AS (\
               SELECT (SELECT term FROM client_terms WHERE term >= $1 AND term < $2 ORDER BY term LIMIT 1), 1 \
               UNION ALL \
               SELECT (SELECT term FROM client_terms WHERE term > walk.term AND term < $2 ORDER BY term LIMIT 1), n + 1 \
               FROM walk WHERE walk.term IS NOT NULL AND n < $3) \
             SELECT term FROM walk WHERE term IS NOT NULL"
        }
        Backend::Postgres => {
            "WITH RECURSIVE walk(term, n) AS (\
               SELECT (SELECT term FROM client_terms WHERE term COLLATE \"C\" >= $1 AND term COLLATE \"C\" < $2 \
                       ORDER BY term COLLATE \"C\" LIMIT 1), 1::bigint \
               UNION ALL \
               SELECT (SELECT c.term FROM client_terms c WHERE c.term COLLATE \"C\" > walk.term COLLATE \"C\" \
                       AND c.term COLLATE \"C\" < $2 ORDER BY c.term COLLATE \"C\" LIMIT 1), n + 1 \
               FROM walk WHERE walk.term IS NOT NULL AND n < $3) \
             SELECT term FROM walk WHERE term IS NOT NULL"
        }
    }
}

/// The stored words that `word` matches (its beginning, with the typos
/// [`typo_budget`] allows after the first two letters), with the typos used.
async fn matching_terms(source: Source<'_>, word: &str) -> StoreResult<Vec<(usize, String)>> {
    let budget = typo_budget(word);
    let anchor: String = if budget == 0 { word.to_owned() } else { word.chars().take(2).collect() };
    let terms: Vec<String> = on_conn!(source, c => {
        sqlx::query_scalar(distinct_terms_sql(dialect(&*c)))
            .bind(&anchor)
            .bind(prefix_end(&anchor))
            .bind(TERM_CANDIDATES)
            .fetch_all(&mut *c)
            .await?
    });
    let mut matched: Vec<(usize, String)> = terms
        .into_iter()
        .filter_map(|term| (0..=budget).find(|edits| within_typo(word, &term, *edits)).map(|edits| (edits, term)))
        .collect();
    matched.sort();
    matched.truncate(200);
    Ok(matched)
}

/// Clients with a word among `driver` (a leading word when `lead_only`)
/// and, for each list of `others`, a word among it: one query, the other
/// words checked per candidate through the client index.
async fn candidates(
    source: Source<'_>,
    driver: &[(usize, String)],
    lead_only: bool,
    others: &[Vec<(usize, String)>],
) -> StoreResult<Vec<(Uuid, String)>> {
    let mut binds: Vec<&str> = Vec::new();
    fn list<'t>(terms: &'t [(usize, String)], binds: &mut Vec<&'t str>) -> String {
        let start = binds.len();
        binds.extend(terms.iter().map(|(_, t)| t.as_str()));
        (start + 1..=binds.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
    }
    let mut sql =
        format!("SELECT t.client_id, t.term FROM client_terms t WHERE t.term IN ({})", list(driver, &mut binds));
    if lead_only {
        sql.push_str(" AND t.lead = 1");
    }
    for terms in others {
        let placeholders = list(terms, &mut binds);
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM client_terms o WHERE o.client_id = t.client_id AND o.term IN ({placeholders}))"
        ));
    }
    sql.push_str(&format!(" LIMIT {WORD_CANDIDATES}"));
    Ok(on_conn!(source, c => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for term in &binds {
            query = query.bind(*term);
        }
        query.fetch_all(&mut *c).await?
    }))
}

#[derive(sea_query::Iden)]
enum Clients {
    Table,
    Id,
    Name,
    Kind,
}

/// Clients whose name matches every word (prefixes, with typos), best first.
///
/// The first word is taken as the surname (people type «Фамилия Имя»);
/// only when no surname matches is it looked for among all the words of the
/// names. The database checks the other words per candidate, so the work
/// stays bounded however common a word is.
pub async fn search_by_name<'a>(
    source: impl Into<Source<'a>>,
    words: &[String],
    limit: usize,
) -> StoreResult<Vec<ClientHit>> {
    let mut source: Source<'a> = source.into();
    let words: Vec<&str> = words.iter().map(String::as_str).filter(|w| w.chars().count() >= 2).take(4).collect();
    let Some((driver, rest)) = words.split_first() else { return Ok(Vec::new()) };
    let driver_terms = matching_terms(source.reborrow(), driver).await?;
    let mut others = Vec::new();
    for word in rest {
        let terms = matching_terms(source.reborrow(), word).await?;
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        others.push(terms);
    }
    if driver_terms.is_empty() {
        return Ok(Vec::new());
    }
    // Surnames first; any word of the name only when no surname matches
    // (a first name typed alone, or «Имя Фамилия»).
    let mut rows = candidates(source.reborrow(), &driver_terms, true, &others).await?;
    if rows.is_empty() {
        rows = candidates(source.reborrow(), &driver_terms, false, &others).await?;
    }
    let edits: HashMap<&str, usize> = driver_terms.iter().map(|(e, t)| (t.as_str(), *e)).collect();
    let mut found: HashMap<ClientId, usize> = HashMap::new();
    for (id, term) in &rows {
        let e = edits.get(term.as_str()).copied().unwrap_or(usize::MAX);
        let slot = found.entry(ClientId::from_uuid(*id)).or_insert(e);
        *slot = (*slot).min(e);
    }
    let ids: Vec<ClientId> = found.keys().copied().collect();
    let named = names_of(source.reborrow(), &ids).await?;
    let mut scored: Vec<(usize, bool, String, ClientId, ClientKind)> = named
        .into_iter()
        .filter_map(|(id, name, kind)| {
            let folded = fold(&name);
            let name_words: Vec<&str> =
                folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
            let mut score = found[&id];
            for word in rest {
                score += domovoy_domain::client::name_match(word, &name_words)?;
            }
            // Fewer typos first; then names that start with the first word
            // typed (the surname), then by name.
            let leads = name_words.first().is_some_and(|w| w.starts_with(driver));
            Some((score, !leads, name, id, kind))
        })
        .collect();
    scored.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    scored.truncate(limit);
    details(source, scored.into_iter().map(|(_, _, name, id, kind)| (id, name, kind)).collect()).await
}

/// Clients with a phone number ending in these digits ("67-89", the part
/// people remember) or, when `start` is given, beginning with it (a number
/// being typed: "+7912345").
pub async fn search_by_phone<'a>(
    source: impl Into<Source<'a>>,
    digits: &str,
    start: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<ClientHit>> {
    let mut source: Source<'a> = source.into();
    let reversed = reversed_digits(digits);
    let mut ids: Vec<Uuid> = on_conn!(source.reborrow(), c => {
        let sql = prefix_sql_ordered(dialect(&*c), "SELECT client_id FROM client_phones", "reversed") + " LIMIT $3";
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(&reversed)
            .bind(prefix_end(&reversed))
            .bind(limit as i64)
            .fetch_all(&mut *c)
            .await?
    });
    // A client with two matching numbers comes once.
    let mut seen = HashSet::new();
    ids.retain(|id| seen.insert(*id));
    if let Some(start) = start {
        let more: Vec<Uuid> = on_conn!(source.reborrow(), c => {
            let sql = prefix_sql_ordered(dialect(&*c), "SELECT client_id FROM client_phones", "e164") + " LIMIT $3";
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(start)
                .bind(prefix_end(start))
                .bind(limit as i64)
                .fetch_all(&mut *c)
                .await?
        });
        for id in more {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let ids: Vec<ClientId> = ids.into_iter().map(ClientId::from_uuid).collect();
    let mut named = names_of(source.reborrow(), &ids).await?;
    named.sort_by(|a, b| a.1.cmp(&b.1));
    named.truncate(limit);
    details(source, named).await
}

#[derive(sea_query::Iden)]
enum ClientPhones {
    Table,
    ClientId,
    Position,
    E164,
    Extension,
}

/// Names and kinds of candidate clients, in one query (ids are capped).
async fn names_of(source: Source<'_>, ids: &[ClientId]) -> StoreResult<Vec<(ClientId, String, ClientKind)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = ids.iter().take(CANDIDATES).map(ClientId::as_uuid).collect();
    let mut select = Query::select();
    select
        .columns([Clients::Id, Clients::Name, Clients::Kind])
        .from(Clients::Table)
        .and_where(Expr::col(Clients::Id).is_in(ids));
    let rows: Vec<(Uuid, String, String)> = fetch_all_built(source, &select).await?;
    rows.into_iter()
        .map(|(id, name, kind)| Ok((ClientId::from_uuid(id), name, decode("clients.kind", &kind, str::parse)?)))
        .collect()
}

/// Phones and units of the clients chosen to show, in two queries.
async fn details(mut source: Source<'_>, chosen: Vec<(ClientId, String, ClientKind)>) -> StoreResult<Vec<ClientHit>> {
    if chosen.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = chosen.iter().map(|(id, ..)| id.as_uuid()).collect();
    let mut phones_query = Query::select();
    phones_query
        .columns([ClientPhones::ClientId, ClientPhones::E164, ClientPhones::Extension])
        .from(ClientPhones::Table)
        .and_where(Expr::col(ClientPhones::ClientId).is_in(ids.clone()))
        .order_by(ClientPhones::Position, sea_query::Order::Asc);
    let phones: Vec<(Uuid, String, Option<String>)> = fetch_all_built(source.reborrow(), &phones_query).await?;
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT l.client_id, u.building_id, u.kind, u.label, {} AS wing
         FROM client_units l JOIN units u ON u.id = l.unit_id JOIN sections s ON s.id = u.section_id
         WHERE l.client_id IN ({}) ORDER BY l.created_at",
        layout::wing_sql!(),
        placeholders.join(", ")
    );
    let units: Vec<(Uuid, Uuid, String, String, Option<String>)> = on_conn!(source, c => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in &ids {
            query = query.bind(*id);
        }
        query.fetch_all(&mut *c).await?
    });
    chosen
        .into_iter()
        .map(|(id, name, kind)| {
            let uuid = id.as_uuid();
            Ok(ClientHit {
                id,
                name,
                kind,
                phones: phones
                    .iter()
                    .filter(|(c, ..)| *c == uuid)
                    .map(|(_, p, e)| phone_from_stored(p, e.as_deref()))
                    .collect::<StoreResult<_>>()?,
                units: units
                    .iter()
                    .filter(|(c, ..)| *c == uuid)
                    .take(5)
                    .map(|(_, b, kind, label, wing)| {
                        let kind = decode("units.kind", kind, str::parse)?;
                        Ok((BuildingId::from_uuid(*b), layout::unit_title(kind, label, wing.as_deref())))
                    })
                    .collect::<StoreResult<_>>()?,
            })
        })
        .collect()
}

/// A building's units with one linked client each (owners and tenants
/// first) and that client's first phone: who to put on a ticket about the
/// unit (the demo and imports use it).
pub async fn unit_contacts<'a>(
    source: impl Into<Source<'a>>,
    building: BuildingId,
) -> StoreResult<HashMap<UnitId, (ClientId, String, Option<String>)>> {
    let rows: Vec<(Uuid, Uuid, String, Option<String>, String)> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT l.unit_id, k.id, k.name, p.e164, l.role
             FROM client_units l JOIN units u ON u.id = l.unit_id JOIN clients k ON k.id = l.client_id
             LEFT JOIN client_phones p ON p.client_id = k.id AND p.position = 0
             WHERE u.building_id = $1 ORDER BY l.role DESC",
        )
        .bind(building.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    // Roles sort owner < occupant < tenant: in descending order the tenant
    // (who lives there) comes first, then the occupant, then the owner.
    let mut out = HashMap::new();
    for (unit, client, name, phone, _role) in rows {
        out.entry(UnitId::from_uuid(unit)).or_insert((ClientId::from_uuid(client), name, phone));
    }
    Ok(out)
}
