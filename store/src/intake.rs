//! What a new ticket is filed against, read in one statement: its
//! building's time zone, the assignment rule and the SLA policy that apply.
//! Intake runs on every resident request; three reads in one round trip.

use std::sync::LazyLock;

use uuid::Uuid;

use domovoy_domain::building::TimeZone;
use domovoy_domain::ids::{BuildingId, ClassifierId, TeamId, UserId};
use domovoy_domain::ticket::Priority;

use crate::db::WriteTx;
use crate::error::{StoreResult, decode};
use crate::sla::{MATCHING_POLICY, PolicyRow, SlaPolicy};
use crate::teams::{MATCHING_RULE, Rule};

/// A new ticket's building, assignee and SLA policy.
#[derive(Debug, Clone)]
pub struct IntakeContext {
    pub time_zone: TimeZone,
    /// Assignee and team by the rule that applies (`None`: no rule).
    pub assigned: Option<(Option<UserId>, Option<TeamId>)>,
    pub policy: Option<SlaPolicy>,
}

/// The building with the rule and the policy joined (either may be absent).
#[derive(sqlx::FromRow)]
struct ContextRow {
    time_zone: String,
    rule_id: Option<Uuid>,
    rule_user_id: Option<Uuid>,
    rule_team_id: Option<Uuid>,
    rule_rotation: Option<i64>,
    policy_id: Option<Uuid>,
    policy_name: Option<String>,
    policy_building_id: Option<Uuid>,
    policy_category_id: Option<Uuid>,
    policy_priority: Option<String>,
    policy_response_minutes: Option<i64>,
    policy_resolution_minutes: Option<i64>,
    policy_around_the_clock: Option<bool>,
    policy_work_start: Option<String>,
    policy_work_end: Option<String>,
    policy_warn_percent: Option<i64>,
    policy_template: Option<String>,
}

impl ContextRow {
    /// The rule's part of the row, if a rule applies.
    fn rule(&self) -> Option<Rule> {
        Some(Rule {
            id: self.rule_id?,
            user: self.rule_user_id,
            team: self.rule_team_id,
            rotation: self.rule_rotation?,
        })
    }

    /// The policy's part of the row, if a policy applies.
    fn into_policy(self) -> Option<PolicyRow> {
        Some(PolicyRow {
            id: self.policy_id?,
            name: self.policy_name?,
            building_id: self.policy_building_id,
            category_id: self.policy_category_id,
            priority: self.policy_priority,
            response_minutes: self.policy_response_minutes,
            resolution_minutes: self.policy_resolution_minutes,
            around_the_clock: self.policy_around_the_clock?,
            work_start: self.policy_work_start?,
            work_end: self.policy_work_end?,
            warn_percent: self.policy_warn_percent?,
            template: self.policy_template,
        })
    }
}

/// Reads what a new ticket in `building` of `category` and `priority` is
/// filed against; `None` when there is no such building. A team rule moves
/// the team's turn on (see [`crate::teams::pick`]).
pub async fn context(
    tx: &mut WriteTx,
    building: BuildingId,
    category: Option<ClassifierId>,
    priority: Priority,
) -> StoreResult<Option<IntakeContext>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT b.time_zone,
                    r.id AS rule_id, r.user_id AS rule_user_id, r.team_id AS rule_team_id,
                    r.rotation AS rule_rotation,
                    p.id AS policy_id, p.name AS policy_name, p.building_id AS policy_building_id,
                    p.category_id AS policy_category_id, p.priority AS policy_priority,
                    p.response_minutes AS policy_response_minutes,
                    p.resolution_minutes AS policy_resolution_minutes,
                    p.around_the_clock AS policy_around_the_clock, p.work_start AS policy_work_start,
                    p.work_end AS policy_work_end, p.warn_percent AS policy_warn_percent,
                    p.template AS policy_template
             FROM buildings b
             LEFT JOIN assignment_rules r ON r.id = ({MATCHING_RULE})
             LEFT JOIN sla_policies p ON p.id = ({MATCHING_POLICY})
             WHERE b.id = $1"
        )
    });
    let row: Option<ContextRow> = on_conn!(&mut *tx, c => {
        // Static text: the columns and the two matching rules.
        sqlx::query_as(sqlx::AssertSqlSafe(SQL.as_str()))
            .bind(building.as_uuid())
            .bind(category.map(|c| c.as_uuid()))
            .bind(priority.code())
            .fetch_optional(&mut *c)
            .await?
    });
    let Some(row) = row else { return Ok(None) };
    let time_zone = decode("buildings.time_zone", &row.time_zone, TimeZone::parse)?;
    let rule = row.rule();
    let policy = row.into_policy().map(SlaPolicy::try_from).transpose()?;
    let assigned = match rule {
        Some(rule) => crate::teams::apply(tx, &rule).await?,
        None => None,
    };
    Ok(Some(IntakeContext { time_zone, assigned, policy }))
}
