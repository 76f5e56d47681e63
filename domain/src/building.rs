//! Buildings (объекты): what the company manages.
//!
//! Each building keeps its own IANA time zone: SLA clocks, business hours and
//! reports are computed in the building's local time, and the company's
//! buildings span several Russian zones.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, bounded_text};
use crate::ids::BuildingId;

/// What a building is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildingKind {
    /// Жилой дом / ЖК.
    Residential,
    /// Бизнес-центр.
    BusinessCentre,
    /// Многофункциональный комплекс.
    Mixed,
}

impl BuildingKind {
    pub const ALL: &'static [BuildingKind] = &[Self::Residential, Self::BusinessCentre, Self::Mixed];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Residential => "residential",
            Self::BusinessCentre => "business_centre",
            Self::Mixed => "mixed",
        }
    }
}

impl FromStr for BuildingKind {
    type Err = FieldError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|k| k.code() == code.trim()).ok_or(FieldError::Unknown)
    }
}

/// A building's name, 1 to 200 characters (`ЖК «Северная звезда», корп. 1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BuildingName(String);

impl BuildingName {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, 1, Self::MAX).map(Self)
    }

    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BuildingName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A postal address, 1 to 300 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Address(String);

impl Address {
    pub const MAX: usize = 300;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, 1, Self::MAX).map(Self)
    }

    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IANA time zone name known to the bundled tz database
/// (`Europe/Moscow`, `Asia/Yekaterinburg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(FieldError::Required);
        }
        name.parse::<Tz>().map(Self).map_err(|_| FieldError::Unknown)
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The time zones of Russia, offered first in building forms.
pub const RUSSIAN_TIME_ZONES: &[&str] = &[
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
];

/// A building as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Building {
    pub id: BuildingId,
    pub name: BuildingName,
    pub address: Address,
    pub kind: BuildingKind,
    pub time_zone: TimeZone,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What is needed to create or update a building.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildingDraft {
    pub name: BuildingName,
    pub address: Address,
    pub kind: BuildingKind,
    pub time_zone: TimeZone,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_russian_zone_is_known_to_the_tz_database() {
        for name in RUSSIAN_TIME_ZONES {
            assert_eq!(TimeZone::parse(name).unwrap().name(), *name);
        }
    }

    #[test]
    fn unknown_zones_and_empty_names_are_refused() {
        assert_eq!(TimeZone::parse("Europe/Atlantis"), Err(FieldError::Unknown));
        assert_eq!(TimeZone::parse(" "), Err(FieldError::Required));
        assert_eq!(BuildingName::parse(""), Err(FieldError::Required));
        assert_eq!(Address::parse(&"д".repeat(301)), Err(FieldError::TooLong { max: 300 }));
    }

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for kind in BuildingKind::ALL {
            assert_eq!(kind.code().parse::<BuildingKind>(), Ok(*kind));
        }
    }
}
