//! Teams of technicians and the rules that assign new tickets.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::ids::{BuildingId, ClassifierId, TeamId, UserId};

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult};
use crate::users::expect_one;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    /// An outside company's team (подрядчик): its members get a contractor
    /// pass to the building of a ticket they are assigned.
    pub company: Option<String>,
    /// Member ids and names, by name.
    pub members: Vec<(UserId, String)>,
}

pub async fn list<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<Team>> {
    type Rows = (Vec<(Uuid, String, Option<String>)>, Vec<(Uuid, Uuid, String)>);
    let (teams, members): Rows = on_conn!(source, c => {
        let teams = sqlx::query_as("SELECT id, name, company FROM teams ORDER BY name").fetch_all(&mut *c).await?;
        let members = sqlx::query_as(
            "SELECT m.team_id, u.id, u.display_name FROM team_members m JOIN users u ON u.id = m.user_id
             ORDER BY u.display_name",
        )
        .fetch_all(&mut *c)
        .await?;
        (teams, members)
    });
    Ok(teams
        .into_iter()
        .map(|(id, name, company)| Team {
            id: TeamId::from_uuid(id),
            name,
            company,
            members: members
                .iter()
                .filter(|(team, _, _)| *team == id)
                .map(|(_, user, name)| (UserId::from_uuid(*user), name.clone()))
                .collect(),
        })
        .collect())
}

/// The company of the outside team `user` works in, if any (the first by
/// name when several).
pub async fn contractor_company<'a>(source: impl Into<Source<'a>>, user: UserId) -> StoreResult<Option<String>> {
    Ok(on_conn!(source, c => {
        sqlx::query_scalar(
            "SELECT t.company FROM team_members m JOIN teams t ON t.id = m.team_id
             WHERE m.user_id = $1 AND t.company IS NOT NULL ORDER BY t.name LIMIT 1",
        )
        .bind(user.as_uuid())
        .fetch_optional(&mut *c)
        .await?
    }))
}

/// A new team; `company` makes it an outside company's (trimmed, empty is
/// none).
pub async fn create(tx: &mut WriteTx, name: &str, company: Option<&str>, members: &[UserId]) -> StoreResult<TeamId> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::invalid("name", FieldError::Required));
    }
    let exists: Option<Uuid> = on_conn!(&mut *tx, c => {
        sqlx::query_scalar("SELECT id FROM teams WHERE name = $1").bind(name).fetch_optional(&mut *c).await?
    });
    if exists.is_some() {
        return Err(StoreError::invalid("name", FieldError::Taken));
    }
    let id = TeamId::new();
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query("INSERT INTO teams (id, name, company, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.as_uuid())
            .bind(name)
            .bind(company.map(str::trim).filter(|c| !c.is_empty()))
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    set_members(tx, id, members).await?;
    Ok(id)
}

pub async fn set_members(tx: &mut WriteTx, team: TeamId, members: &[UserId]) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query("DELETE FROM team_members WHERE team_id = $1").bind(team.as_uuid()).execute(&mut *c).await?.rows_affected();
        for user in members {
            sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
                .bind(team.as_uuid())
                .bind(user.as_uuid())
                .execute(&mut *c)
                .await?
                .rows_affected();
        }
    });
    Ok(())
}

/// Who an assignment rule hands tickets to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Assignee {
    User(UserId),
    Team(TeamId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentRule {
    pub id: Uuid,
    pub building_id: Option<BuildingId>,
    pub category_id: Option<ClassifierId>,
    pub assignee: Assignee,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: Uuid,
    building_id: Option<Uuid>,
    category_id: Option<Uuid>,
    user_id: Option<Uuid>,
    team_id: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl TryFrom<&RuleRow> for AssignmentRule {
    type Error = StoreError;

    fn try_from(row: &RuleRow) -> StoreResult<Self> {
        let assignee = match (row.user_id, row.team_id) {
            (Some(user), None) => Assignee::User(UserId::from_uuid(user)),
            (None, Some(team)) => Assignee::Team(TeamId::from_uuid(team)),
            _ => return Err(StoreError::Corrupt(format!("assignment rule {} has no single assignee", row.id))),
        };
        Ok(Self {
            id: row.id,
            building_id: row.building_id.map(BuildingId::from_uuid),
            category_id: row.category_id.map(ClassifierId::from_uuid),
            assignee,
            created_at: row.created_at,
        })
    }
}

pub async fn rules<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<AssignmentRule>> {
    let rows: Vec<RuleRow> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT id, building_id, category_id, user_id, team_id, created_at FROM assignment_rules ORDER BY created_at",
        )
        .fetch_all(&mut *c)
        .await?
    });
    rows.iter().map(AssignmentRule::try_from).collect()
}

pub async fn add_rule(
    tx: &mut WriteTx,
    building: Option<BuildingId>,
    category: Option<ClassifierId>,
    assignee: Assignee,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    let now = tx.now();
    let (user, team) = match assignee {
        Assignee::User(u) => (Some(u.as_uuid()), None),
        Assignee::Team(t) => (None, Some(t.as_uuid())),
    };
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO assignment_rules (id, building_id, category_id, user_id, team_id, rotation, created_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6)",
        )
        .bind(id)
        .bind(building.map(|b| b.as_uuid()))
        .bind(category.map(|c| c.as_uuid()))
        .bind(user)
        .bind(team)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(id)
}

pub async fn delete_rule(tx: &mut WriteTx, id: Uuid) -> StoreResult<()> {
    let done = on_conn!(tx, c => {
        sqlx::query("DELETE FROM assignment_rules WHERE id = $1").bind(id).execute(&mut *c).await?.rows_affected()
    });
    expect_one(done)
}

/// The id of the rule for a new ticket, `$1` its building, `$2` its
/// category: the most specific (building and category, then category, then
/// building), the oldest of equals.
pub(crate) const MATCHING_RULE: &str = "SELECT id FROM assignment_rules
     WHERE (building_id = $1 OR building_id IS NULL) AND (category_id = $2 OR category_id IS NULL)
     ORDER BY CASE WHEN category_id IS NULL THEN 1 ELSE 0 END,
              CASE WHEN building_id IS NULL THEN 1 ELSE 0 END,
              created_at
     LIMIT 1";

/// Who a new ticket goes to: the rule of [`MATCHING_RULE`]; a team's next
/// member in turn (only enabled accounts). `None` when no rule applies.
pub async fn pick(
    tx: &mut WriteTx,
    building: BuildingId,
    category: Option<ClassifierId>,
) -> StoreResult<Option<(Option<UserId>, Option<TeamId>)>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT user_id, team_id, rotation, id FROM assignment_rules WHERE id = ({MATCHING_RULE})")
    });
    let rule: Option<(Option<Uuid>, Option<Uuid>, i64, Uuid)> = on_conn!(&mut *tx, c => {
        // Static text: the columns and the matching rule.
        sqlx::query_as(sqlx::AssertSqlSafe(SQL.as_str()))
            .bind(building.as_uuid())
            .bind(category.map(|c| c.as_uuid()))
            .fetch_optional(&mut *c)
            .await?
    });
    let Some((user, team, rotation, id)) = rule else { return Ok(None) };
    apply(tx, &Rule { id, user, team, rotation }).await
}

/// The parts of a rule that pick an assignee.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    pub id: Uuid,
    pub user: Option<Uuid>,
    pub team: Option<Uuid>,
    pub rotation: i64,
}

/// Who `rule` gives a new ticket to; a team's turn moves on by one.
pub(crate) async fn apply(tx: &mut WriteTx, rule: &Rule) -> StoreResult<Option<(Option<UserId>, Option<TeamId>)>> {
    if let Some(user) = rule.user {
        return Ok(Some((Some(UserId::from_uuid(user)), None)));
    }
    let Some(team) = rule.team else { return Ok(None) };
    let members: Vec<Uuid> = on_conn!(&mut *tx, c => {
        sqlx::query_scalar(
            "SELECT u.id FROM team_members m JOIN users u ON u.id = m.user_id
             WHERE m.team_id = $1 AND u.disabled_at IS NULL ORDER BY u.id",
        )
        .bind(team)
        .fetch_all(&mut *c)
        .await?
    });
    let team_id = Some(TeamId::from_uuid(team));
    if members.is_empty() {
        return Ok(Some((None, team_id)));
    }
    let index = usize::try_from(rule.rotation).unwrap_or(0) % members.len();
    on_conn!(tx, c => {
        sqlx::query("UPDATE assignment_rules SET rotation = rotation + 1 WHERE id = $1")
            .bind(rule.id)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(Some((Some(UserId::from_uuid(members[index])), team_id)))
}
