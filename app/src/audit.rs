//! Reading the audit log.

use chrono::{Days, NaiveDate, TimeZone as _, Utc};

use domovoy_domain::FieldError;
use domovoy_domain::account::Login;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::permission::Permission;
use domovoy_store::audit::{self, AuditEntry, AuditPage, AuditQuery, AuditScope};
use domovoy_store::users;

use crate::App;
use crate::AppError;
use crate::Requester;
use crate::common::{optional, present};

/// Most entries one export holds; narrow the filter for more.
pub const EXPORT_LIMIT: usize = 100_000;

/// The audit filter as typed into the page or the query string.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditFilter {
    /// Action code, e.g. `user.created`.
    pub action: Option<String>,
    /// The actor's login.
    pub actor: Option<String>,
    /// Entity kind: `user`, `role`, `assignment`, `building`, `token`.
    pub entity_kind: Option<String>,
    pub entity_id: Option<String>,
    pub building_id: Option<String>,
    /// First day, `YYYY-MM-DD`, in the head office's time zone.
    pub from: Option<String>,
    /// Last day (inclusive), `YYYY-MM-DD`.
    pub until: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Entries per page, 1–500 (default 50).
    pub limit: Option<u32>,
}

impl AuditFilter {
    /// The filter without paging, for links and exports.
    pub fn without_cursor(&self) -> Self {
        Self { cursor: None, ..self.clone() }
    }
}

/// Builds the store query: the filter narrowed to what the requester may read.
async fn query(app: &App, requester: &Requester, filter: &AuditFilter) -> Result<AuditQuery, AppError> {
    let reach = requester.reach(Permission::AuditRead)?;
    let scope = match reach.building_filter() {
        None => AuditScope::Everything,
        Some(buildings) => AuditScope::Buildings(buildings.iter().copied().collect()),
    };
    let tz = app.config.display_time_zone;
    let day = |raw: &str| NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| FieldError::InvalidFormat);
    let mut errors = FieldErrors::new();
    let action = optional(&mut errors, "action", filter.action.as_deref(), str::parse::<AuditAction>);
    let building = optional(&mut errors, "building_id", filter.building_id.as_deref(), |v| {
        v.parse().map_err(|_| FieldError::InvalidFormat)
    });
    let from = optional(&mut errors, "from", filter.from.as_deref(), day);
    let until = optional(&mut errors, "until", filter.until.as_deref(), day);
    let before =
        optional(&mut errors, "cursor", filter.cursor.as_deref(), |v| v.parse().map_err(|_| FieldError::InvalidFormat));
    let actor_login = optional(&mut errors, "actor", filter.actor.as_deref(), Login::from_sign_in);
    errors.into_result()?;
    let actor = match actor_login {
        Some(login) => match users::find_by_login(&app.db, &login).await? {
            Some(user) => Some(user.id),
            // An unknown login matches nothing rather than everything.
            None => return Err(AppError::field("actor", FieldError::Unknown)),
        },
        None => None,
    };
    let start_of = |date: NaiveDate| tz.from_local_datetime(&date.and_time(chrono::NaiveTime::MIN)).earliest();
    Ok(AuditQuery {
        scope,
        actor,
        action,
        entity_kind: present(filter.entity_kind.as_deref()).map(str::to_owned),
        entity_id: present(filter.entity_id.as_deref()).map(str::to_owned),
        building,
        from: from.and_then(start_of).map(|t| t.with_timezone(&Utc)),
        until: until.and_then(|d| d.checked_add_days(Days::new(1))).and_then(start_of).map(|t| t.with_timezone(&Utc)),
        before,
        limit: filter.limit.unwrap_or(50).clamp(1, 500),
    })
}

/// One page of entries the requester may read.
pub async fn page(app: &App, requester: &Requester, filter: &AuditFilter) -> Result<AuditPage, AppError> {
    let query = query(app, requester, filter).await?;
    Ok(audit::list(&app.db, &query).await?)
}

/// Every matching entry, newest first, up to [`EXPORT_LIMIT`].
pub async fn export(app: &App, requester: &Requester, filter: &AuditFilter) -> Result<Vec<AuditEntry>, AppError> {
    let mut query = query(app, requester, &filter.without_cursor()).await?;
    query.limit = 1000;
    let mut entries = Vec::new();
    loop {
        let page = audit::list(&app.db, &query).await?;
        entries.extend(page.entries);
        match page.next_cursor {
            Some(cursor) if entries.len() < EXPORT_LIMIT => query.before = Some(cursor),
            _ => break,
        }
    }
    entries.truncate(EXPORT_LIMIT);
    Ok(entries)
}

/// The names of what `entries` are about, by entity id: «Иванов Иван
/// (ivanov)», «ЖК «Северная звезда»», «№ 2026-000123». Ids that no longer
/// resolve (deleted since) are left out; the page then shows the kind only.
/// At most one lookup per distinct id of a page.
pub async fn entity_names(
    app: &App,
    requester: &Requester,
    entries: &[AuditEntry],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    requester.reach(Permission::AuditRead)?;
    use domovoy_domain::ids::{BuildingId, ClientId, RoleId, TicketId, UserId};
    use domovoy_store::{buildings, clients, roles, teams, tickets};
    let mut names = std::collections::HashMap::new();
    let mut teams_list = None;
    for entry in entries {
        let Some(raw) = entry.entity_id.as_deref() else { continue };
        if names.contains_key(raw) {
            continue;
        }
        let Ok(uuid) = raw.parse::<uuid::Uuid>() else { continue };
        let name = match entry.entity_kind.as_str() {
            "user" => users::get(&app.db, UserId::from_uuid(uuid))
                .await
                .ok()
                .map(|u| format!("{} ({})", u.display_name, u.login)),
            "client" => clients::get(&app.db, ClientId::from_uuid(uuid)).await.ok().map(|c| c.card.name),
            "building" => buildings::get(&app.db, BuildingId::from_uuid(uuid)).await.ok().map(|b| b.name.to_string()),
            "ticket" => tickets::get(&app.db, TicketId::from_uuid(uuid)).await.ok().map(|t| format!("№ {}", t.number)),
            "role" => roles::get(&app.db, RoleId::from_uuid(uuid)).await.ok().map(|r| r.name.to_string()),
            "team" => {
                if teams_list.is_none() {
                    teams_list = Some(teams::list(&app.db).await?);
                }
                teams_list
                    .as_ref()
                    .and_then(|list| list.iter().find(|t| t.id.as_uuid() == uuid))
                    .map(|t| t.name.clone())
            }
            _ => None,
        };
        if let Some(name) = name {
            names.insert(raw.to_owned(), name);
        }
    }
    Ok(names)
}
