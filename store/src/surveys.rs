//! Surveys, who has answered them, and the answers.
//!
//! Invariant: an anonymous survey's answers are stored with nothing that
//! leads to the person or unit who gave them. `survey_participants` holds
//! who has answered (the one-answer rule and the reminders); the response
//! row holds only its building; no key joins the two, and both are keyed
//! by values that say nothing of the order they were written in.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::client::LinkRole;
use domovoy_domain::ids::{BuildingId, ClientId, QuestionId, SectionId, SurveyId, UnitId, UserId};
use domovoy_domain::mailing::Audience;
use domovoy_domain::survey::{Answer, NewSurvey, Question, Survey, SurveyStatus};

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};
use crate::mailings::{audience_filter, audience_ids, in_audience, link_role};

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: Uuid,
    title: String,
    intro: String,
    questions: Json<Vec<Question>>,
    audience: Json<Audience>,
    anonymous: bool,
    one_per: String,
    status: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    opens_at: Option<DateTime<Utc>>,
    closes_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    previous_id: Option<Uuid>,
}

impl TryFrom<SurveyRow> for Survey {
    type Error = StoreError;

    fn try_from(row: SurveyRow) -> StoreResult<Self> {
        Ok(Self {
            id: SurveyId::from_uuid(row.id),
            title: row.title,
            intro: row.intro,
            questions: row.questions.0,
            audience: row.audience.0,
            anonymous: row.anonymous,
            one_per: decode("surveys.one_per", &row.one_per, str::parse)?,
            status: decode("surveys.status", &row.status, str::parse)?,
            created_by: row.created_by.map(UserId::from_uuid),
            created_at: row.created_at,
            published_at: row.published_at,
            opens_at: row.opens_at,
            closes_at: row.closes_at,
            closed_at: row.closed_at,
            previous_id: row.previous_id.map(SurveyId::from_uuid),
        })
    }
}

const COLUMNS: &str = "id, title, intro, questions, audience, anonymous, one_per, status, created_by, created_at,
                       published_at, opens_at, closes_at, closed_at, previous_id";

/// Writes a draft.
pub async fn insert(tx: &mut WriteTx, new: &NewSurvey, by: Option<UserId>) -> StoreResult<Survey> {
    let now = tx.now();
    let id = SurveyId::new();
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO surveys (id, title, intro, questions, audience, anonymous, one_per, status, created_by,
                                  created_at, closes_at, previous_id, opens_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id.as_uuid())
        .bind(&new.title)
        .bind(&new.intro)
        .bind(Json(&new.questions))
        .bind(Json(&new.audience))
        .bind(new.anonymous)
        .bind(new.one_per.code())
        .bind(SurveyStatus::Draft.code())
        .bind(by.map(|u| u.as_uuid()))
        .bind(now)
        .bind(new.closes_at)
        .bind(new.previous_id.map(|p| p.as_uuid()))
        .bind(new.opens_at)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(Survey {
        id,
        title: new.title.clone(),
        intro: new.intro.clone(),
        questions: new.questions.clone(),
        audience: new.audience.clone(),
        anonymous: new.anonymous,
        one_per: new.one_per,
        status: SurveyStatus::Draft,
        created_by: by,
        created_at: now,
        published_at: None,
        opens_at: new.opens_at,
        closes_at: new.closes_at,
        closed_at: None,
        previous_id: new.previous_id,
    })
}

pub async fn get<'a>(source: impl Into<Source<'a>>, id: SurveyId) -> StoreResult<Survey> {
    let sql = format!("SELECT {COLUMNS} FROM surveys WHERE id = $1");
    let row: Option<SurveyRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id.as_uuid()).fetch_optional(&mut *c).await?
    });
    row.ok_or(StoreError::NotFound)?.try_into()
}

/// The newest surveys first, at most `limit`.
pub async fn list<'a>(source: impl Into<Source<'a>>, limit: i64) -> StoreResult<Vec<Survey>> {
    let sql = format!("SELECT {COLUMNS} FROM surveys ORDER BY created_at DESC, id DESC LIMIT $1");
    let rows: Vec<SurveyRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).fetch_all(&mut *c).await?
    });
    rows.into_iter().map(Survey::try_from).collect()
}

/// Published surveys (open, or past their closing time), newest first.
pub async fn published<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<Survey>> {
    let sql = format!("SELECT {COLUMNS} FROM surveys WHERE status = $1 ORDER BY published_at DESC, id");
    let rows: Vec<SurveyRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(SurveyStatus::Published.code())
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(Survey::try_from).collect()
}

/// Rewrites a draft; answers false when it is not a draft any more.
pub async fn update_draft(tx: &mut WriteTx, id: SurveyId, new: &NewSurvey) -> StoreResult<bool> {
    let changed = on_conn!(tx, c => {
        sqlx::query(
            "UPDATE surveys SET title = $2, intro = $3, questions = $4, audience = $5, anonymous = $6, one_per = $7,
                                closes_at = $8, opens_at = $10
             WHERE id = $1 AND status = $9",
        )
        .bind(id.as_uuid())
        .bind(&new.title)
        .bind(&new.intro)
        .bind(Json(&new.questions))
        .bind(Json(&new.audience))
        .bind(new.anonymous)
        .bind(new.one_per.code())
        .bind(new.closes_at)
        .bind(SurveyStatus::Draft.code())
        .bind(new.opens_at)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(changed == 1)
}

/// Moves a survey from `from` to `to`, stamping the time; answers false
/// when it was not at `from` any more.
pub async fn set_status(tx: &mut WriteTx, id: SurveyId, from: SurveyStatus, to: SurveyStatus) -> StoreResult<bool> {
    let now = tx.now();
    let column = match to {
        SurveyStatus::Published => "published_at",
        SurveyStatus::Closed => "closed_at",
        SurveyStatus::Draft | SurveyStatus::Scheduled => "created_at",
    };
    let sql = format!("UPDATE surveys SET status = $2, {column} = $3 WHERE id = $1 AND status = $4");
    let moved = on_conn!(tx, c => {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id.as_uuid())
            .bind(to.code())
            .bind(now)
            .bind(from.code())
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(moved == 1)
}

/// Records that the survey's residents were told it opened; answers false
/// when that was done already (by another node, or an earlier run).
pub async fn mark_announced(tx: &mut WriteTx, id: SurveyId) -> StoreResult<bool> {
    let now = tx.now();
    let marked = on_conn!(tx, c => {
        sqlx::query("UPDATE surveys SET announced_at = $2 WHERE id = $1 AND announced_at IS NULL")
            .bind(id.as_uuid())
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(marked == 1)
}

/// Published surveys open by `now` whose residents were not told yet
/// (published ahead of their opening time), oldest opening first.
pub async fn due_announcements<'a>(source: impl Into<Source<'a>>, now: DateTime<Utc>) -> StoreResult<Vec<SurveyId>> {
    let ids: Vec<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar(
            "SELECT id FROM surveys
             WHERE status = $1 AND announced_at IS NULL AND (opens_at IS NULL OR opens_at <= $2)
             ORDER BY opens_at, id",
        )
        .bind(SurveyStatus::Published.code())
        .bind(now)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(ids.into_iter().map(SurveyId::from_uuid).collect())
}

/// One person's link to one unit of an audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eligible {
    pub client_id: ClientId,
    pub unit_id: UnitId,
    pub building_id: BuildingId,
    pub section_id: SectionId,
    pub role: LinkRole,
}

/// Everyone linked to the audience's units as its roles on `today` (a
/// tenant within their lease), one row per person and unit, in building
/// and unit order; only `client`'s links when given.
pub async fn eligible<'a>(
    source: impl Into<Source<'a>>,
    audience: &Audience,
    today: NaiveDate,
    client: Option<ClientId>,
) -> StoreResult<Vec<Eligible>> {
    let Some(filter) = audience_filter(audience) else {
        return Ok(Vec::new());
    };
    let ids = audience_ids(audience);
    let only = match client {
        Some(_) => format!("AND l.client_id = ${}", ids.len() + 1),
        None => String::new(),
    };
    let sql = format!(
        "SELECT l.client_id, l.unit_id, u.building_id, u.section_id, l.role, l.valid_from, l.valid_to
         FROM client_units l JOIN units u ON u.id = l.unit_id
         WHERE {filter} {only}
         ORDER BY u.building_id, u.label, l.client_id"
    );
    type Row = (Uuid, Uuid, Uuid, Uuid, String, Option<NaiveDate>, Option<NaiveDate>);
    let rows: Vec<Row> = on_conn!(source, c => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in &ids {
            query = query.bind(*id);
        }
        if let Some(client) = client {
            query = query.bind(client.as_uuid());
        }
        query.fetch_all(&mut *c).await?
    });
    let mut out = Vec::with_capacity(rows.len());
    for (client_id, unit_id, building_id, section_id, role, from, to) in rows {
        let role = link_role(&role)?;
        if in_audience(audience, role, from, to, today) {
            out.push(Eligible {
                client_id: ClientId::from_uuid(client_id),
                unit_id: UnitId::from_uuid(unit_id),
                building_id: BuildingId::from_uuid(building_id),
                section_id: SectionId::from_uuid(section_id),
                role,
            });
        }
    }
    Ok(out)
}

/// Which of `respondents` (people or units) have answered the survey.
pub async fn answered<'a>(
    source: impl Into<Source<'a>>,
    survey: SurveyId,
    respondents: &[Uuid],
) -> StoreResult<Vec<Uuid>> {
    if respondents.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT respondent FROM survey_participants WHERE survey_id = $1 AND respondent IN ({})",
        crate::mailings::numbered(2, respondents.len())
    );
    Ok(on_conn!(source, c => {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(survey.as_uuid());
        for id in respondents {
            query = query.bind(*id);
        }
        query.fetch_all(&mut *c).await?
    }))
}

/// The respondent's answer to write: who answers (a person or a unit, the
/// one-answer key), the building it counts in, and, for a named survey
/// only, the person and unit kept with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResponse {
    /// A random id (version 4): it orders the rows by nothing that happened.
    pub id: Uuid,
    pub respondent: Uuid,
    pub client_id: ClientId,
    pub building_id: BuildingId,
    /// `None` for an anonymous survey: nothing of the person is stored.
    pub named: Option<(UnitId, LinkRole)>,
    pub answers: Vec<(QuestionId, Answer)>,
}

/// Records an answer: the participant (once) and the response with its
/// answers, in the caller's transaction. Answers false, writing nothing,
/// when the respondent has answered before.
pub async fn record(tx: &mut WriteTx, survey: SurveyId, response: &NewResponse) -> StoreResult<bool> {
    let first = on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO survey_participants (survey_id, respondent, client_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(survey.as_uuid())
        .bind(response.respondent)
        .bind(response.client_id.as_uuid())
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    if first != 1 {
        return Ok(false);
    }
    let id = response.id;
    let (client, unit, relation, at) = match response.named {
        Some((unit, role)) => {
            (Some(response.client_id.as_uuid()), Some(unit.as_uuid()), Some(role.code()), Some(tx.now()))
        }
        None => (None, None, None, None),
    };
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO survey_responses (id, survey_id, building_id, client_id, unit_id, relation, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(survey.as_uuid())
        .bind(response.building_id.as_uuid())
        .bind(client)
        .bind(unit)
        .bind(relation)
        .bind(at)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    let rows: Vec<(QuestionId, i64, Option<&str>)> = response
        .answers
        .iter()
        .flat_map(|(question, answer)| match answer {
            Answer::Numbers(numbers) => numbers.iter().map(|n| (*question, *n, None)).collect::<Vec<_>>(),
            Answer::Text(text) => vec![(*question, 0, Some(text.as_str()))],
        })
        .collect();
    if rows.is_empty() {
        return Ok(true);
    }
    let values = (0..rows.len())
        .map(|r| format!("({})", crate::mailings::numbered(1 + r * 5, 5)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO survey_answers (response_id, survey_id, question_id, number, text) VALUES {values}");
    on_conn!(&mut *tx, c => {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for (question, number, text) in &rows {
            query = query.bind(id).bind(survey.as_uuid()).bind(question.as_uuid()).bind(*number).bind(*text);
        }
        query.execute(&mut *c).await?.rows_affected()
    });
    Ok(true)
}

/// How many responses each of `surveys` has (one grouped query; a survey
/// without any is absent).
pub async fn response_counts<'a>(
    source: impl Into<Source<'a>>,
    surveys: &[SurveyId],
) -> StoreResult<HashMap<SurveyId, u64>> {
    if surveys.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT survey_id, COUNT(*) FROM survey_responses WHERE survey_id IN ({}) GROUP BY survey_id",
        crate::mailings::numbered(1, surveys.len())
    );
    let rows: Vec<(Uuid, i64)> = on_conn!(source, c => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in surveys {
            query = query.bind(id.as_uuid());
        }
        query.fetch_all(&mut *c).await?
    });
    Ok(rows.into_iter().map(|(id, n)| (SurveyId::from_uuid(id), u64::try_from(n).unwrap_or(0))).collect())
}

/// What a survey's answers count: per question, how many responses
/// answered it and how many gave each number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub responses: u64,
    pub answered: HashMap<QuestionId, u64>,
    pub counts: HashMap<QuestionId, BTreeMap<i64, u64>>,
    /// Responses by the building they count in.
    pub by_building: HashMap<BuildingId, u64>,
}

/// Counts a survey's answers (three grouped queries on indexed columns).
pub async fn tally<'a>(source: impl Into<Source<'a>>, survey: SurveyId) -> StoreResult<Tally> {
    let mut source: Source<'a> = source.into();
    let counts: Vec<(Uuid, i64, i64)> = on_conn!(source.reborrow(), c => {
        sqlx::query_as(
            "SELECT question_id, number, COUNT(*) FROM survey_answers WHERE survey_id = $1 GROUP BY question_id, number",
        )
        .bind(survey.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    let answered: Vec<(Uuid, i64)> = on_conn!(source.reborrow(), c => {
        sqlx::query_as(
            "SELECT question_id, COUNT(DISTINCT response_id) FROM survey_answers WHERE survey_id = $1
             GROUP BY question_id",
        )
        .bind(survey.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    let buildings: Vec<(Option<Uuid>, i64)> = on_conn!(source.reborrow(), c => {
        sqlx::query_as("SELECT building_id, COUNT(*) FROM survey_responses WHERE survey_id = $1 GROUP BY building_id")
            .bind(survey.as_uuid())
            .fetch_all(&mut *c)
            .await?
    });
    let mut tally = Tally::default();
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    for (question, number, n) in counts {
        tally.counts.entry(QuestionId::from_uuid(question)).or_default().insert(number, count(n));
    }
    for (question, n) in answered {
        tally.answered.insert(QuestionId::from_uuid(question), count(n));
    }
    for (building, n) in buildings {
        tally.responses += count(n);
        if let Some(building) = building {
            tally.by_building.insert(BuildingId::from_uuid(building), count(n));
        }
    }
    Ok(tally)
}

/// One stored response with its answers, as the raw export lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub building_id: Option<BuildingId>,
    /// Per question, the numbers given and the text (if a text question).
    pub answers: HashMap<QuestionId, (Vec<i64>, Option<String>)>,
}

/// Every response of a survey with its answers, in the order of their
/// random ids (no order at all).
pub async fn responses<'a>(source: impl Into<Source<'a>>, survey: SurveyId) -> StoreResult<Vec<StoredResponse>> {
    type Row = (Uuid, Option<Uuid>, Uuid, i64, Option<String>);
    let rows: Vec<Row> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT r.id, r.building_id, a.question_id, a.number, a.text
             FROM survey_responses r JOIN survey_answers a ON a.response_id = r.id
             WHERE r.survey_id = $1 ORDER BY r.id, a.question_id, a.number",
        )
        .bind(survey.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    let mut out: Vec<StoredResponse> = Vec::new();
    let mut current = None;
    for (response, building, question, number, text) in rows {
        if current != Some(response) {
            current = Some(response);
            out.push(StoredResponse { building_id: building.map(BuildingId::from_uuid), answers: HashMap::new() });
        }
        if let Some(last) = out.last_mut() {
            let entry = last.answers.entry(QuestionId::from_uuid(question)).or_default();
            match text {
                Some(text) => entry.1 = Some(text),
                None => entry.0.push(number),
            }
        }
    }
    Ok(out)
}

/// Free-text answers to a question, at most `limit`, in the order of the
/// responses' random ids (which is no order at all: not the order they
/// came in). Searching is the caller's: SQLite's `LOWER` folds ASCII only.
pub async fn texts<'a>(
    source: impl Into<Source<'a>>,
    survey: SurveyId,
    question: QuestionId,
    limit: i64,
) -> StoreResult<Vec<String>> {
    Ok(on_conn!(source, c => {
        sqlx::query_scalar(
            "SELECT text FROM survey_answers
             WHERE survey_id = $1 AND question_id = $2 AND text IS NOT NULL
             ORDER BY response_id LIMIT $3",
        )
        .bind(survey.as_uuid())
        .bind(question.as_uuid())
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    }))
}

/// What responses are grouped by in a cross-tabulation. Sections and
/// relations are kept for named surveys only; an anonymous survey's
/// responses have a building and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Building,
    Section,
    /// Owner, tenant or occupant.
    Relation,
}

/// One group of a cross-tabulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    Building(BuildingId),
    Section(SectionId),
    Relation(LinkRole),
    /// Not known: an anonymous response, or its building or unit deleted.
    Unknown,
}

/// A survey's answers counted per group: the tally of each.
pub type CrossTally = BTreeMap<Group, Tally>;

/// Counts a survey's answers per group (three grouped queries). Each
/// group's `by_building` is left empty.
pub async fn cross_tally<'a>(
    source: impl Into<Source<'a>>,
    survey: SurveyId,
    by: Breakdown,
) -> StoreResult<CrossTally> {
    let mut source: Source<'a> = source.into();
    // Two group columns, so that both backends decode one shape: an id
    // (building or section) and a text (the relation); the one not grouped
    // by is a constant.
    let (id, text, join) = match by {
        Breakdown::Building => ("r.building_id", "''", ""),
        Breakdown::Section => ("u.section_id", "''", "LEFT JOIN units u ON u.id = r.unit_id"),
        Breakdown::Relation => ("r.survey_id", "r.relation", ""),
    };
    let group = |id: Option<Uuid>, text: Option<String>| -> StoreResult<Group> {
        Ok(match (by, id, text) {
            (Breakdown::Building, Some(id), _) => Group::Building(BuildingId::from_uuid(id)),
            (Breakdown::Section, Some(id), _) => Group::Section(SectionId::from_uuid(id)),
            (Breakdown::Relation, _, Some(code)) => Group::Relation(link_role(&code)?),
            _ => Group::Unknown,
        })
    };
    let counts_sql = format!(
        "SELECT {id}, {text}, a.question_id, a.number, COUNT(*)
         FROM survey_responses r JOIN survey_answers a ON a.response_id = r.id {join}
         WHERE r.survey_id = $1 GROUP BY 1, 2, 3, 4"
    );
    let answered_sql = format!(
        "SELECT {id}, {text}, a.question_id, COUNT(DISTINCT a.response_id)
         FROM survey_responses r JOIN survey_answers a ON a.response_id = r.id {join}
         WHERE r.survey_id = $1 GROUP BY 1, 2, 3"
    );
    let responses_sql =
        format!("SELECT {id}, {text}, COUNT(*) FROM survey_responses r {join} WHERE r.survey_id = $1 GROUP BY 1, 2");
    type CountRow = (Option<Uuid>, Option<String>, Uuid, i64, i64);
    type AnsweredRow = (Option<Uuid>, Option<String>, Uuid, i64);
    type ResponsesRow = (Option<Uuid>, Option<String>, i64);
    let counts: Vec<CountRow> = on_conn!(source.reborrow(), c => {
        sqlx::query_as(sqlx::AssertSqlSafe(counts_sql.as_str())).bind(survey.as_uuid()).fetch_all(&mut *c).await?
    });
    let answered: Vec<AnsweredRow> = on_conn!(source.reborrow(), c => {
        sqlx::query_as(sqlx::AssertSqlSafe(answered_sql.as_str())).bind(survey.as_uuid()).fetch_all(&mut *c).await?
    });
    let responses: Vec<ResponsesRow> = on_conn!(source.reborrow(), c => {
        sqlx::query_as(sqlx::AssertSqlSafe(responses_sql.as_str())).bind(survey.as_uuid()).fetch_all(&mut *c).await?
    });
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut out = CrossTally::new();
    for (id, text, n) in responses {
        out.entry(group(id, text)?).or_default().responses += count(n);
    }
    for (id, text, question, n) in answered {
        let tally = out.entry(group(id, text)?).or_default();
        *tally.answered.entry(QuestionId::from_uuid(question)).or_default() += count(n);
    }
    for (id, text, question, number, n) in counts {
        let tally = out.entry(group(id, text)?).or_default();
        *tally.counts.entry(QuestionId::from_uuid(question)).or_default().entry(number).or_default() += count(n);
    }
    Ok(out)
}

/// Stores personal links to `survey`: each person's secret in its stored
/// form (its SHA-256, hex). A secret already there stays as it was.
pub async fn insert_links(tx: &mut WriteTx, survey: SurveyId, links: &[(ClientId, String)]) -> StoreResult<()> {
    const WIDTH: usize = 4;
    const BATCH: usize = 400;
    let now = tx.now();
    for chunk in links.chunks(BATCH) {
        let values = (0..chunk.len())
            .map(|r| format!("({})", crate::mailings::numbered(1 + r * WIDTH, WIDTH)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO survey_links (token_hash, survey_id, client_id, created_at) VALUES {values}
             ON CONFLICT DO NOTHING"
        );
        on_conn!(&mut *tx, c => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (client, hash) in chunk {
                query = query.bind(hash).bind(survey.as_uuid()).bind(client.as_uuid()).bind(now);
            }
            query.execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(())
}

/// The survey and person a personal link stands for, by the secret's
/// stored form.
pub async fn link_holder<'a>(source: impl Into<Source<'a>>, token_hash: &str) -> StoreResult<(SurveyId, ClientId)> {
    let row: Option<(Uuid, Uuid)> = on_conn!(source, c => {
        sqlx::query_as("SELECT survey_id, client_id FROM survey_links WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *c)
            .await?
    });
    let (survey, client) = row.ok_or(StoreError::NotFound)?;
    Ok((SurveyId::from_uuid(survey), ClientId::from_uuid(client)))
}
