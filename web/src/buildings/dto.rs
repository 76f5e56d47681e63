//! The JSON shapes of buildings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_domain::building::Building;

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingDto {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    /// `residential`, `business_centre` or `mixed`.
    pub kind: &'static str,
    /// IANA name, e.g. `Europe/Moscow`.
    pub time_zone: &'static str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Building> for BuildingDto {
    fn from(b: &Building) -> Self {
        Self {
            id: b.id.as_uuid(),
            name: b.name.to_string(),
            address: b.address.to_string(),
            kind: b.kind.code(),
            time_zone: b.time_zone.name(),
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BuildingRequest {
    pub name: String,
    pub address: String,
    /// `residential` (default), `business_centre` or `mixed`.
    pub kind: Option<String>,
    /// IANA name, e.g. `Europe/Moscow`.
    pub time_zone: String,
}
