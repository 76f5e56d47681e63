//! The JSON shapes of the audit log.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_store::audit::AuditEntry;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_login: String,
    pub action: &'static str,
    pub entity_kind: String,
    pub entity_id: Option<String>,
    pub building_id: Option<Uuid>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl From<&AuditEntry> for AuditEntryDto {
    fn from(e: &AuditEntry) -> Self {
        Self {
            id: e.id.as_uuid(),
            at: e.at,
            actor_id: e.actor_id.map(|u| u.as_uuid()),
            actor_login: e.actor_login.clone(),
            action: e.action.code(),
            entity_kind: e.entity_kind.clone(),
            entity_id: e.entity_id.clone(),
            building_id: e.building_id.map(|b| b.as_uuid()),
            summary: e.summary.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
            ip: e.ip.clone(),
            request_id: e.request_id.clone(),
        }
    }
}
