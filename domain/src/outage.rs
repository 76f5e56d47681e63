//! Outages (аварии и отключения): water, heat or power cut off in some
//! buildings or sections for a while. Registering one selects the units it
//! affects, sends those units' residents an emergency notice, shows a
//! banner to dispatchers and on the pop-up of calls from those units, and
//! links those units' tickets to it; closing it tells the same people.
//!
//! Its expected start and end are wall-clock times read on each affected
//! building's clock (as a scheduled mailing's time is).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, bounded_text};
use crate::ids::{BuildingId, MailingId, OutageId, SectionId, UserId};
use crate::mailing::Audience;

/// The longest description, in characters (it goes into the notice).
pub const MAX_DETAILS: usize = 1_000;

/// The longest an outage may be expected to last.
pub const MAX_DURATION: chrono::Duration = chrono::Duration::days(60);

/// The form of its times (`2026-12-10T10:00`, as an HTML `datetime-local`).
pub const TIME_FORMAT: &str = crate::mailing::SCHEDULE_FORMAT;

code_enum! {
    /// What is cut off.
    OutageKind {
        /// Холодная вода.
        ColdWater = "cold_water",
        /// Горячая вода.
        HotWater = "hot_water",
        /// Отопление.
        Heating = "heating",
        /// Электричество.
        Electricity = "electricity",
        /// Газ.
        Gas = "gas",
        /// Канализация.
        Sewerage = "sewerage",
        /// Лифт.
        Elevator = "elevator",
        /// Другое.
        Other = "other",
    }
}

/// An outage as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outage {
    pub id: OutageId,
    pub kind: OutageKind,
    /// What happened and what is being done (may be empty).
    pub details: String,
    /// The buildings and sections it affects (every resident of their
    /// units).
    pub audience: Audience,
    /// Every building it touches (named, or holding a section named).
    pub building_ids: Vec<BuildingId>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub opened_by: Option<UserId>,
    pub opened_at: DateTime<Utc>,
    /// The emergency notice sent when it was registered.
    pub notice_id: Option<MailingId>,
    pub closed_by: Option<UserId>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The notice sent when it was closed.
    pub closing_notice_id: Option<MailingId>,
}

impl Outage {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// An outage to be registered, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutage {
    pub kind: OutageKind,
    pub details: String,
    pub audience: Audience,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

impl NewOutage {
    /// Checks every part; answers all wrong fields at once.
    pub fn new(
        kind: &str,
        details: &str,
        building_ids: Vec<BuildingId>,
        section_ids: Vec<SectionId>,
        starts_at: &str,
        ends_at: &str,
    ) -> Result<Self, Vec<(&'static str, FieldError)>> {
        let mut errors = Vec::new();
        let kind = kind.parse::<OutageKind>().map_err(|e| errors.push(("kind", e))).ok();
        let details = match details.trim() {
            "" => Some(String::new()),
            text => bounded_text(text, 1, MAX_DETAILS).map_err(|e| errors.push(("details", e))).ok(),
        };
        if building_ids.is_empty() && section_ids.is_empty() {
            errors.push(("audience", FieldError::Required));
        } else if building_ids.len() + section_ids.len() > crate::mailing::MAX_AUDIENCE_IDS {
            errors.push(("audience", FieldError::TooLong { max: crate::mailing::MAX_AUDIENCE_IDS }));
        }
        let starts = time("starts_at", starts_at).map_err(|e| errors.push(e)).ok();
        let ends = time("ends_at", ends_at).map_err(|e| errors.push(e)).ok();
        if let (Some(starts), Some(ends)) = (starts, ends) {
            // An end before the start, or a cut-off of months, is a typo.
            if ends <= starts || ends - starts > MAX_DURATION {
                errors.push(("ends_at", FieldError::NotAllowed));
            }
        }
        match (kind, details, starts, ends) {
            (Some(kind), Some(details), Some(starts_at), Some(ends_at)) if errors.is_empty() => Ok(Self {
                kind,
                details,
                audience: Audience { building_ids, section_ids, ..Audience::default() },
                starts_at,
                ends_at,
            }),
            _ => Err(errors),
        }
    }
}

fn time(field: &'static str, text: &str) -> Result<NaiveDateTime, (&'static str, FieldError)> {
    match text.trim() {
        "" => Err((field, FieldError::Required)),
        text => NaiveDateTime::parse_from_str(text, TIME_FORMAT).map_err(|_| (field, FieldError::InvalidFormat)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn building() -> Vec<BuildingId> {
        vec![BuildingId::new()]
    }

    #[test]
    fn a_whole_outage_is_accepted() {
        let new = NewOutage::new(
            "hot_water",
            "  Замена задвижки  ",
            building(),
            vec![],
            "2026-12-10T09:00",
            "2026-12-10T18:00",
        )
        .unwrap();
        assert_eq!(new.kind, OutageKind::HotWater);
        assert_eq!(new.details, "Замена задвижки");
        assert!(new.audience.link_roles.is_empty(), "every resident of the units");
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let errors = NewOutage::new("flood", &"x".repeat(MAX_DETAILS + 1), vec![], vec![], "", "tomorrow").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["kind", "details", "audience", "starts_at", "ends_at"]);
    }

    #[test]
    fn the_end_comes_after_the_start_and_within_two_months() {
        for (starts, ends) in [("2026-12-10T09:00", "2026-12-10T09:00"), ("2026-12-10T09:00", "2027-03-10T09:00")] {
            let errors = NewOutage::new("gas", "", building(), vec![], starts, ends).unwrap_err();
            assert_eq!(errors, [("ends_at", FieldError::NotAllowed)]);
        }
    }
}
