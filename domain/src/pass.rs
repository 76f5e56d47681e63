//! Passes (пропуска) and visits: who may come into a building, when, and
//! what the guard desk tells a guard about a visitor.
//!
//! Everything here is pure: the validity of a pass is decided from the
//! pass, the instant and the building's time zone; plates compare by a
//! normal form in which Cyrillic and Latin look-alike letters are one.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::contact::Phone;
use crate::text::fold;

code_enum! {
    /// What a pass is for.
    PassKind {
        /// A one-time guest.
        Guest = "guest",
        /// Family, a nanny, a cleaner: comes regularly.
        Permanent = "permanent",
        /// A car: plate, make, colour, parking space.
        Vehicle = "vehicle",
        /// A contractor's worker, often for a ticket.
        Contractor = "contractor",
        /// A courier or a taxi.
        Delivery = "delivery",
    }
}

code_enum! {
    /// Where a pass is in its life.
    PassStatus {
        /// Asked for (an on-the-spot visit), waiting for the host or a
        /// concierge to approve.
        Requested = "requested",
        /// May be used.
        Active = "active",
        /// The visitor is in the building now.
        OnSite = "on_site",
        /// Used up: a one-entry pass after its visit, or closed by hand.
        Closed = "closed",
        Cancelled = "cancelled",
        Expired = "expired",
        /// Refused by the host or a concierge.
        Denied = "denied",
    }
}

impl PassStatus {
    /// No way back from these.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Closed | Self::Cancelled | Self::Expired | Self::Denied)
    }
}

/// A vehicle's registration plate in its normal form: upper case, no
/// spaces or dashes, and the Cyrillic letters that look like Latin ones
/// (А В Е К М Н О Р С Т У Х) written as those Latin letters, so «а 123 вс 77»,
/// «A123BC77» and «А123ВС-77» are one plate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Plate(String);

/// Longest plate kept (foreign and trailer plates included).
const PLATE_MAX: usize = 12;

/// The Cyrillic letters used on Russian plates and their Latin twins.
const LOOK_ALIKES: [(char, char); 12] = [
    ('А', 'A'),
    ('В', 'B'),
    ('Е', 'E'),
    ('К', 'K'),
    ('М', 'M'),
    ('Н', 'H'),
    ('О', 'O'),
    ('Р', 'P'),
    ('С', 'C'),
    ('Т', 'T'),
    ('У', 'Y'),
    ('Х', 'X'),
];

impl Plate {
    /// Parses a plate as a guard or resident types it.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let normal = Self::normalise(raw);
        if normal.is_empty() {
            return Err(FieldError::Required);
        }
        if !normal.chars().all(char::is_alphanumeric) {
            return Err(FieldError::InvalidFormat);
        }
        let len = normal.chars().count();
        if len < 4 {
            return Err(FieldError::TooShort { min: 4 });
        }
        if len > PLATE_MAX {
            return Err(FieldError::TooLong { max: PLATE_MAX });
        }
        Ok(Self(normal))
    }

    /// The normal form of any text (a search query too): spaces, dashes and
    /// dots dropped, upper case, look-alikes in Latin. Other characters
    /// are kept, so a query is never silently widened.
    pub fn normalise(raw: &str) -> String {
        raw.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '–' | '—' | '.' | '_'))
            .flat_map(char::to_uppercase)
            .map(|c| if c == 'Ё' { 'Е' } else { c })
            .map(|c| LOOK_ALIKES.iter().find(|(cyr, _)| *cyr == c).map_or(c, |(_, lat)| *lat))
            .collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A Russian plate without its region (`A123BC77` → `A123BC`), which a
    /// guard often leaves out; other plates as they are.
    pub fn without_region(&self) -> &str {
        let b = self.0.as_bytes();
        let russian = b.len() >= 8
            && b.len() <= 9
            && b[0].is_ascii_uppercase()
            && b[1..4].iter().all(u8::is_ascii_digit)
            && b[4..6].iter().all(u8::is_ascii_uppercase)
            && b[6..].iter().all(u8::is_ascii_digit);
        if russian { &self.0[..6] } else { &self.0 }
    }

    /// Whether a typed query names this plate: the whole plate, or the
    /// plate without its region.
    pub fn matches(&self, query: &str) -> bool {
        let query = Self::normalise(query);
        !query.is_empty() && (query == self.0 || query == self.without_region())
    }

    /// For display: a Russian plate in Cyrillic with the region apart
    /// («А123ВС 77»), others as stored.
    pub fn display(&self) -> String {
        let base = self.without_region();
        if base.len() == self.0.len() {
            return self.0.clone();
        }
        let cyrillic: String =
            base.chars().map(|c| LOOK_ALIKES.iter().find(|(_, lat)| *lat == c).map_or(c, |(cyr, _)| *cyr)).collect();
        format!("{cyrillic} {}", &self.0[base.len()..])
    }
}

impl TryFrom<String> for Plate {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Plate> for String {
    fn from(plate: Plate) -> Self {
        plate.0
    }
}

impl fmt::Display for Plate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// The short code a visitor tells the guard: six digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pin(String);

impl Pin {
    pub const LEN: usize = 6;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != Self::LEN || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self(digits))
    }

    /// A PIN from a random number (the caller draws it).
    pub fn from_number(n: u32) -> Self {
        Self(format!("{:06}", n % 1_000_000))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Pin {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Pin> for String {
    fn from(pin: Pin) -> Self {
        pin.0
    }
}

/// Days of the week and hours of a day on which a regular visitor may come,
/// in the building's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklySchedule {
    /// Bit 0 is Monday, bit 6 Sunday.
    pub days: u8,
    pub from: NaiveTime,
    /// Exclusive. Earlier than `from`: the window runs past midnight into
    /// the next day (a night shift).
    pub until: NaiveTime,
}

impl WeeklySchedule {
    pub fn new(days: &[Weekday], from: NaiveTime, until: NaiveTime) -> Result<Self, FieldError> {
        if days.is_empty() || from == until {
            return Err(FieldError::Required);
        }
        let days = days.iter().fold(0u8, |bits, d| bits | (1 << d.num_days_from_monday()));
        Ok(Self { days, from, until })
    }

    fn has(self, day: Weekday) -> bool {
        self.days & (1 << day.num_days_from_monday()) != 0
    }

    /// Whether the local wall time is inside a window. A window past
    /// midnight belongs to the day it starts on.
    pub fn admits(self, local: chrono::NaiveDateTime) -> bool {
        let (day, time) = (local.weekday(), local.time());
        if self.from < self.until {
            self.has(day) && time >= self.from && time < self.until
        } else {
            (self.has(day) && time >= self.from) || (self.has(day.pred()) && time < self.until)
        }
    }

    /// The days as codes (`mon`…`sun`), for storage and the API.
    pub fn day_codes(self) -> Vec<&'static str> {
        const CODES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        (0..7).filter(|i| self.days & (1 << i) != 0).map(|i| CODES[i as usize]).collect()
    }

    /// Parses `mon,wed,fri`.
    pub fn parse_days(raw: &str) -> Result<Vec<Weekday>, FieldError> {
        raw.split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| d.parse::<Weekday>().map_err(|_| FieldError::InvalidFormat))
            .collect()
    }
}

/// When a pass may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Validity {
    /// One entry between `from` and `until` (a guest, a delivery).
    Once { from: DateTime<Utc>, until: DateTime<Utc> },
    /// Any number of entries in the period.
    Period { from: DateTime<Utc>, until: DateTime<Utc> },
    /// Until cancelled.
    Permanent { from: DateTime<Utc> },
    /// On a weekly schedule, within an optional period.
    Weekly { from: DateTime<Utc>, until: Option<DateTime<Utc>>, schedule: WeeklySchedule },
}

impl Validity {
    /// Checks the period's order.
    pub fn checked(self) -> Result<Self, FieldError> {
        let ordered = match self {
            Self::Once { from, until } | Self::Period { from, until } => from < until,
            Self::Weekly { from, until: Some(until), .. } => from < until,
            Self::Permanent { .. } | Self::Weekly { until: None, .. } => true,
        };
        if ordered { Ok(self) } else { Err(FieldError::InvalidFormat) }
    }

    pub const fn code(self) -> &'static str {
        match self {
            Self::Once { .. } => "once",
            Self::Period { .. } => "period",
            Self::Permanent { .. } => "permanent",
            Self::Weekly { .. } => "weekly",
        }
    }

    pub const fn from(self) -> DateTime<Utc> {
        match self {
            Self::Once { from, .. }
            | Self::Period { from, .. }
            | Self::Permanent { from }
            | Self::Weekly { from, .. } => from,
        }
    }

    /// The end of the pass's life, when it has one.
    pub const fn until(self) -> Option<DateTime<Utc>> {
        match self {
            Self::Once { until, .. } | Self::Period { until, .. } => Some(until),
            Self::Weekly { until, .. } => until,
            Self::Permanent { .. } => None,
        }
    }

    pub const fn single_entry(self) -> bool {
        matches!(self, Self::Once { .. })
    }
}

/// Why a pass does not let its visitor in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Waiting for the host's or a concierge's approval.
    NotApproved,
    NotYetValid,
    Expired,
    /// Outside the days or hours of its schedule.
    OutsideSchedule,
    Cancelled,
    Denied,
    /// A one-entry pass already used.
    Used,
}

impl Refusal {
    pub const fn code(self) -> &'static str {
        match self {
            Self::NotApproved => "not_approved",
            Self::NotYetValid => "not_yet_valid",
            Self::Expired => "expired",
            Self::OutsideSchedule => "outside_schedule",
            Self::Cancelled => "cancelled",
            Self::Denied => "denied",
            Self::Used => "used",
        }
    }
}

/// Decides whether a pass in `status` with `validity` lets its visitor in
/// at `now`, in the building's time zone `zone`. A visitor already on site
/// is let out whatever the time: that is not decided here.
pub fn admits(status: PassStatus, validity: Validity, now: DateTime<Utc>, zone: Tz) -> Result<(), Refusal> {
    match status {
        PassStatus::Requested => return Err(Refusal::NotApproved),
        PassStatus::Cancelled => return Err(Refusal::Cancelled),
        PassStatus::Denied => return Err(Refusal::Denied),
        PassStatus::Closed => return Err(Refusal::Used),
        PassStatus::Expired => return Err(Refusal::Expired),
        PassStatus::Active | PassStatus::OnSite => {}
    }
    if now < validity.from() {
        return Err(Refusal::NotYetValid);
    }
    if validity.until().is_some_and(|until| now >= until) {
        return Err(Refusal::Expired);
    }
    if let Validity::Weekly { schedule, .. } = validity
        && !schedule.admits(now.with_timezone(&zone).naive_local())
    {
        return Err(Refusal::OutsideSchedule);
    }
    Ok(())
}

/// Whether a visitor on site has stayed past their pass.
pub fn overstayed(validity: Validity, now: DateTime<Utc>) -> bool {
    validity.until().is_some_and(|until| now >= until)
}

/// What the visits report needs of one visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitFacts {
    pub kind: PassKind,
    pub arrived_at: DateTime<Utc>,
    pub departed_at: Option<DateTime<Utc>>,
    /// The end of the pass, when it has one.
    pub valid_until: Option<DateTime<Utc>>,
}

impl VisitFacts {
    /// How long the visitor stayed, once they left.
    pub fn stay(&self) -> Option<chrono::Duration> {
        self.departed_at.map(|left| (left - self.arrived_at).max(chrono::Duration::zero()))
    }

    /// On site after the pass expired: still there at `now`, or left late.
    pub fn overstayed(&self, now: DateTime<Utc>) -> bool {
        self.valid_until.is_some_and(|until| self.departed_at.unwrap_or(now) > until)
    }
}

/// One line of the visits report: a day (in the building's zone) and a
/// kind of pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VisitDay {
    pub date: chrono::NaiveDate,
    pub kind: PassKind,
    pub visits: usize,
    /// Over the visits that ended.
    pub average_stay: Option<chrono::Duration>,
    /// On site after the pass expired (still there, or left late).
    pub overstays: usize,
}

/// Visits per day and kind, with the average stay and the overstays; the
/// newest day first.
pub fn summarise(visits: &[VisitFacts], zone: Tz, now: DateTime<Utc>) -> Vec<VisitDay> {
    let mut days: std::collections::BTreeMap<(chrono::NaiveDate, PassKind), (usize, i64, i64, usize)> =
        std::collections::BTreeMap::new();
    for v in visits {
        let date = v.arrived_at.with_timezone(&zone).date_naive();
        let entry = days.entry((date, v.kind)).or_default();
        entry.0 += 1;
        if let Some(stay) = v.stay() {
            entry.1 += stay.num_seconds();
            entry.2 += 1;
        }
        if v.overstayed(now) {
            entry.3 += 1;
        }
    }
    days.into_iter()
        .rev()
        .map(|((date, kind), (visits, seconds, ended, overstays))| VisitDay {
            date,
            kind,
            visits,
            average_stay: (ended > 0).then(|| chrono::Duration::seconds(seconds / ended)),
            overstays,
        })
        .collect()
}

/// A blocklist entry: a person or a car not to be let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEntry {
    /// The name and its aliases, folded ([`fold`]).
    pub names: Vec<String>,
    pub phones: Vec<Phone>,
    pub plates: Vec<Plate>,
}

/// What a visitor is known by, to match against the blocklist.
#[derive(Debug, Clone, Copy, Default)]
pub struct Visitor<'a> {
    pub name: Option<&'a str>,
    pub phone: Option<&'a Phone>,
    pub plate: Option<&'a Plate>,
}

impl BlockEntry {
    /// Builds an entry; names and aliases are folded, blanks dropped.
    pub fn new(names: &[&str], phones: Vec<Phone>, plates: Vec<Plate>) -> Self {
        let names = names.iter().map(|n| fold(n)).filter(|n| !n.is_empty()).collect();
        Self { names, phones, plates }
    }

    /// Whether the visitor is this entry: the same name or alias (case,
    /// ё and spacing aside), phone, or plate (look-alike letters aside).
    pub fn matches(&self, visitor: Visitor<'_>) -> bool {
        let name = visitor.name.map(fold).filter(|n| !n.is_empty());
        name.is_some_and(|n| self.names.contains(&n))
            || visitor.phone.is_some_and(|p| self.phones.contains(p))
            || visitor.plate.is_some_and(|p| self.plates.contains(p))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn look_alike_plates_are_one_plate() {
        let cyrillic = Plate::parse("а 123 вс 77").unwrap();
        let latin = Plate::parse("A123BC-77").unwrap();
        assert_eq!(cyrillic, latin);
        assert_eq!(cyrillic.as_str(), "A123BC77");
        assert_eq!(cyrillic.display(), "А123ВС 77");
        for (cyr, lat) in LOOK_ALIKES {
            assert_eq!(Plate::normalise(&cyr.to_string()), lat.to_string());
            assert_eq!(Plate::normalise(&cyr.to_lowercase().to_string()), lat.to_string());
        }
    }

    #[test]
    fn the_region_is_optional_in_a_search() {
        let plate = Plate::parse("Х777ТТ799").unwrap();
        assert_eq!(plate.without_region(), "X777TT");
        assert!(plate.matches("x777tt"));
        assert!(plate.matches("Х 777 ТТ 799"));
        assert!(!plate.matches("X777TT77"), "a wrong region is another car");
        assert!(!plate.matches("777"));
        assert!(!plate.matches(""));
        let foreign = Plate::parse("WAW 12345").unwrap();
        assert_eq!(foreign.without_region(), "WAW12345");
    }

    #[test]
    fn plates_refuse_what_no_plate_is() {
        assert_eq!(Plate::parse("  "), Err(FieldError::Required));
        assert_eq!(Plate::parse("A1"), Err(FieldError::TooShort { min: 4 }));
        assert_eq!(Plate::parse("A123BC77<script>"), Err(FieldError::InvalidFormat));
        assert_eq!(Plate::parse("A123456789012345"), Err(FieldError::TooLong { max: PLATE_MAX }));
    }

    #[test]
    fn pins_are_six_digits() {
        assert_eq!(Pin::parse("042 917").unwrap().as_str(), "042917");
        assert!(Pin::parse("12345").is_err());
        assert!(Pin::parse("12345a").is_err());
        assert_eq!(Pin::from_number(42).as_str(), "000042");
    }

    #[test]
    fn a_one_time_pass_admits_within_its_window_only() {
        let v = Validity::Once { from: utc(2026, 12, 4, 9, 0), until: utc(2026, 12, 4, 21, 0) };
        let zone = chrono_tz::Europe::Moscow;
        assert_eq!(admits(PassStatus::Active, v, utc(2026, 12, 4, 8, 59), zone), Err(Refusal::NotYetValid));
        assert_eq!(admits(PassStatus::Active, v, utc(2026, 12, 4, 9, 0), zone), Ok(()));
        assert_eq!(admits(PassStatus::Active, v, utc(2026, 12, 4, 21, 0), zone), Err(Refusal::Expired));
        assert_eq!(admits(PassStatus::Closed, v, utc(2026, 12, 4, 10, 0), zone), Err(Refusal::Used));
        assert_eq!(admits(PassStatus::Requested, v, utc(2026, 12, 4, 10, 0), zone), Err(Refusal::NotApproved));
        assert_eq!(admits(PassStatus::Cancelled, v, utc(2026, 12, 4, 10, 0), zone), Err(Refusal::Cancelled));
    }

    #[test]
    fn a_schedule_is_read_in_the_buildings_zone() {
        // A cleaner on Mondays and Thursdays, 9:00–13:00 local time.
        let schedule = WeeklySchedule::new(&[Weekday::Mon, Weekday::Thu], t(9, 0), t(13, 0)).unwrap();
        let v = Validity::Weekly { from: utc(2026, 1, 1, 0, 0), until: None, schedule };
        // Monday 7 December 2026, 09:30 in Moscow is 06:30 UTC.
        let moscow = chrono_tz::Europe::Moscow;
        assert_eq!(admits(PassStatus::Active, v, utc(2026, 12, 7, 6, 30), moscow), Ok(()));
        assert_eq!(admits(PassStatus::Active, v, utc(2026, 12, 7, 10, 30), moscow), Err(Refusal::OutsideSchedule));
        // The same instant in Vladivostok is 16:30: outside.
        let vladivostok = chrono_tz::Asia::Vladivostok;
        assert_eq!(admits(PassStatus::Active, v, utc(2026, 12, 7, 6, 30), vladivostok), Err(Refusal::OutsideSchedule));
        // Tuesday: no.
        assert_eq!(admits(PassStatus::Active, v, utc(2026, 12, 8, 7, 0), moscow), Err(Refusal::OutsideSchedule));
        assert_eq!(schedule.day_codes(), ["mon", "thu"]);
    }

    #[test]
    fn a_night_window_belongs_to_the_day_it_starts() {
        // Fridays 22:00 to 06:00.
        let schedule = WeeklySchedule::new(&[Weekday::Fri], t(22, 0), t(6, 0)).unwrap();
        let local = |d, h| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap().and_hms_opt(h, 0, 0).unwrap();
        assert!(schedule.admits(local(4, 23)), "Friday night");
        assert!(schedule.admits(local(5, 5)), "Saturday early morning");
        assert!(!schedule.admits(local(5, 23)), "Saturday night is not Friday's");
        assert!(!schedule.admits(local(4, 5)), "Friday early morning is Thursday's window");
    }

    #[test]
    fn a_visitor_on_site_past_the_end_has_overstayed() {
        let v = Validity::Period { from: utc(2026, 12, 1, 0, 0), until: utc(2026, 12, 4, 12, 0) };
        assert!(!overstayed(v, utc(2026, 12, 4, 11, 59)));
        assert!(overstayed(v, utc(2026, 12, 4, 12, 0)));
        assert!(!overstayed(Validity::Permanent { from: utc(2026, 1, 1, 0, 0) }, utc(2030, 1, 1, 0, 0)));
        assert_eq!(
            admits(PassStatus::OnSite, v, utc(2026, 12, 4, 13, 0), chrono_tz::Europe::Moscow),
            Err(Refusal::Expired),
            "expiry while on site: the pass no longer admits (leaving is still marked)"
        );
    }

    #[test]
    fn periods_must_run_forwards() {
        let from = utc(2026, 12, 4, 12, 0);
        assert!(Validity::Period { from, until: from }.checked().is_err());
        assert!(Validity::Once { from, until: from + chrono::Duration::hours(1) }.checked().is_ok());
    }

    #[test]
    fn the_blocklist_matches_aliases_phones_and_look_alike_plates() {
        let entry = BlockEntry::new(
            &["Петров Семён", "Сёма Бухой"],
            vec![Phone::parse("+7 916 000-11-22").unwrap()],
            vec![Plate::parse("О001ОО77").unwrap()],
        );
        assert!(entry.matches(Visitor { name: Some("  петров   семен "), ..Visitor::default() }));
        assert!(entry.matches(Visitor { name: Some("СЁМА БУХОЙ"), ..Visitor::default() }));
        let phone = Phone::parse("89160001122").unwrap();
        assert!(entry.matches(Visitor { phone: Some(&phone), ..Visitor::default() }));
        let latin = Plate::parse("o001oo77").unwrap();
        assert!(entry.matches(Visitor { plate: Some(&latin), ..Visitor::default() }));
        assert!(!entry.matches(Visitor { name: Some("Петров"), ..Visitor::default() }), "a part is not a match");
        assert!(!entry.matches(Visitor::default()));
    }

    #[test]
    fn the_report_counts_days_in_the_buildings_zone_with_stays_and_overstays() {
        let moscow = chrono_tz::Europe::Moscow;
        let facts = |arrived, departed, until| VisitFacts {
            kind: PassKind::Guest,
            arrived_at: arrived,
            departed_at: departed,
            valid_until: until,
        };
        let visits = [
            // 4 December 23:30 in Moscow is 20:30 UTC: still the 4th.
            facts(utc(2026, 12, 4, 20, 30), Some(utc(2026, 12, 4, 21, 30)), Some(utc(2026, 12, 5, 0, 0))),
            // 5 December 00:30 in Moscow: the 5th; left after the pass ended.
            facts(utc(2026, 12, 4, 21, 30), Some(utc(2026, 12, 4, 23, 0)), Some(utc(2026, 12, 4, 22, 0))),
            // Still on site past the end.
            facts(utc(2026, 12, 4, 22, 0), None, Some(utc(2026, 12, 4, 23, 0))),
        ];
        let days = summarise(&visits, moscow, utc(2026, 12, 5, 1, 0));
        assert_eq!(days.len(), 2);
        assert_eq!((days[0].date.to_string(), days[0].visits, days[0].overstays), ("2026-12-05".into(), 2, 2));
        assert_eq!(days[0].average_stay, Some(chrono::Duration::minutes(90)), "only the visit that ended");
        assert_eq!((days[1].date.to_string(), days[1].visits, days[1].overstays), ("2026-12-04".into(), 1, 0));
        assert_eq!(days[1].average_stay, Some(chrono::Duration::hours(1)));
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent_and_ignores_spacing(s in "[АВЕКМНОРСТУХABEKMHOPCTYX0-9 -]{0,16}") {
            let once = Plate::normalise(&s);
            prop_assert_eq!(Plate::normalise(&once), once.as_str());
            let spaced: String = s.chars().flat_map(|c| [c, ' ']).collect();
            prop_assert_eq!(Plate::normalise(&spaced), once);
        }
    }
}
