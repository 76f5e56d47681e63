//! SLA: working-time arithmetic and the clock of a ticket.
//!
//! A policy gives targets in minutes: time to first response and time to
//! resolution. Minutes count around the clock, or only in working hours of
//! working days by the Russian production calendar (holidays, moved working
//! days, pre-holiday days an hour shorter), always in the building's own
//! time zone. The resolution clock stops while the ticket waits for the
//! client. [`evaluate`] turns a ticket's timeline into due times and a
//! state; it is a pure function, so a policy changed mid-ticket is just a
//! new evaluation of the same timeline.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// How a production-calendar date differs from an ordinary week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A weekday off: a holiday or a moved day off.
    Holiday,
    /// A Saturday or Sunday worked (a moved working day).
    Workday,
    /// A working day one hour shorter (before a holiday).
    Short,
}

impl DayKind {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Workday => "workday",
            Self::Short => "short",
        }
    }
}

impl FromStr for DayKind {
    type Err = FieldError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match code {
            "holiday" => Ok(Self::Holiday),
            "workday" => Ok(Self::Workday),
            "short" => Ok(Self::Short),
            _ => Err(FieldError::Unknown),
        }
    }
}

/// One line of a production calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub note: String,
}

/// The Russian production calendar shipped with the product (2025–2027).
pub const RUSSIAN_CALENDAR: &str = include_str!("../data/ru-production-calendar.txt");

/// Reads the calendar text format: `YYYY-MM-DD kind note`, `#` comments.
/// A bad line is reported with its number.
pub fn parse_calendar(text: &str) -> Result<Vec<CalendarDay>, (usize, FieldError)> {
    let mut days = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, char::is_whitespace);
        let date = parts.next().unwrap_or_default();
        let kind = parts.next().unwrap_or_default();
        let note = parts.next().unwrap_or_default().trim().to_owned();
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| (index + 1, FieldError::InvalidFormat))?;
        let kind = kind.parse().map_err(|e| (index + 1, e))?;
        days.push(CalendarDay { date, kind, note });
    }
    Ok(days)
}

/// Which days are worked, and which are an hour shorter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductionCalendar {
    /// A date may be both a moved working day and a short day.
    days: BTreeMap<NaiveDate, (bool, bool, bool)>,
}

impl ProductionCalendar {
    pub fn new(days: &[CalendarDay]) -> Self {
        let mut map: BTreeMap<NaiveDate, (bool, bool, bool)> = BTreeMap::new();
        for day in days {
            let entry = map.entry(day.date).or_default();
            match day.kind {
                DayKind::Holiday => entry.0 = true,
                DayKind::Workday => entry.1 = true,
                DayKind::Short => entry.2 = true,
            }
        }
        Self { days: map }
    }

    /// The shipped Russian calendar.
    pub fn russian() -> Self {
        // The shipped file is checked by a test; a parse failure cannot
        // happen at run time, and would only lose the holidays.
        Self::new(&parse_calendar(RUSSIAN_CALENDAR).unwrap_or_default())
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        let (holiday, workday, _) = self.days.get(&date).copied().unwrap_or_default();
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        if weekend { workday } else { !holiday }
    }

    pub fn is_short_day(&self, date: NaiveDate) -> bool {
        self.days.get(&date).is_some_and(|d| d.2)
    }
}

/// When work happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Every minute counts (emergencies, the dispatch service).
    AroundTheClock,
    /// From `start` to `end` on working days; an hour less on short days.
    WorkingHours { start: NaiveTime, end: NaiveTime },
}

impl Schedule {
    /// Office hours, 9:00 to 18:00.
    pub fn office() -> Self {
        Self::WorkingHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

/// Working time in one place: a schedule, a production calendar, a zone.
#[derive(Debug, Clone)]
pub struct WorkClock {
    pub schedule: Schedule,
    pub calendar: Arc<ProductionCalendar>,
    pub zone: Tz,
}

/// Days scanned at most when looking for working time; a calendar with no
/// working days must not loop forever.
const MAX_DAYS: i64 = 3700;

impl WorkClock {
    /// The working interval of a local date, in UTC, if the date is worked.
    fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let Schedule::WorkingHours { start, end } = self.schedule else { return None };
        if !self.calendar.is_working_day(date) {
            return None;
        }
        let end = if self.calendar.is_short_day(date) { end - Duration::hours(1) } else { end };
        let from = self.zone.from_local_datetime(&date.and_time(start)).earliest()?;
        let to = self.zone.from_local_datetime(&date.and_time(end)).earliest()?;
        (from < to).then(|| (from.with_timezone(&Utc), to.with_timezone(&Utc)))
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// Working seconds in `[from, to)`.
    pub fn working_seconds(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        if self.schedule == Schedule::AroundTheClock {
            return (to - from).num_seconds();
        }
        let mut total = 0;
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        while date <= last {
            if let Some((start, end)) = self.window(date) {
                let (a, b) = (start.max(from), end.min(to));
                if b > a {
                    total += (b - a).num_seconds();
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }

    /// The moment `seconds` of working time after `from` have passed.
    pub fn add_working_seconds(&self, from: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        if self.schedule == Schedule::AroundTheClock {
            return Some(from + Duration::seconds(seconds));
        }
        let mut left = seconds;
        let mut date = self.local_date(from);
        for _ in 0..MAX_DAYS {
            if let Some((start, end)) = self.window(date) {
                let begin = start.max(from);
                if end > begin {
                    let available = (end - begin).num_seconds();
                    if left <= available {
                        return Some(begin + Duration::seconds(left));
                    }
                    left -= available;
                }
            }
            date = date.succ_opt()?;
        }
        None
    }
}

/// An SLA policy's targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTargets {
    /// Minutes to the first response (accepted, assigned, …).
    pub response_minutes: Option<i64>,
    /// Minutes to done.
    pub resolution_minutes: Option<i64>,
    /// Percent of a target after which the ticket is in warning.
    pub warn_percent: u8,
}

/// What happened to a ticket, as the SLA clock needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlaTimeline {
    pub created: DateTime<Utc>,
    pub responded: Option<DateTime<Utc>>,
    /// Done (or rejected / cancelled: the clock stops there).
    pub resolved: Option<DateTime<Utc>>,
    /// Intervals of waiting for the client, in order; the last may be open.
    pub pauses: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

/// Where a ticket stands against its SLA, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// No policy applies.
    None,
    /// Finished within the targets.
    Met,
    /// Waiting for the client: the clock stands.
    Paused,
    Active,
    /// Most of a target used up.
    Warning,
    /// A target missed.
    Breached,
}

impl SlaState {
    /// How alarming the state is, for "the worst of these tickets":
    /// breached > warning > active > paused > none > met.
    pub const fn severity(self) -> u8 {
        match self {
            Self::Met => 0,
            Self::None => 1,
            Self::Paused => 2,
            Self::Active => 3,
            Self::Warning => 4,
            Self::Breached => 5,
        }
    }

    pub const ALL: &'static [SlaState] =
        &[Self::None, Self::Met, Self::Paused, Self::Active, Self::Warning, Self::Breached];

    /// The state of a target judged again against the same deadlines: the
    /// verdict given before stands when the new one would step back (the
    /// clock was set back, after an NTP correction or a restored snapshot),
    /// so a warning or a breach already announced is neither taken back nor
    /// announced a second time when the real time comes. Everything else
    /// (met, paused, a later verdict) is the new state.
    pub const fn judged_again(self, before: SlaState) -> SlaState {
        // Time takes a running target from active to warning to breached;
        // against the same deadlines only a clock set back goes the other way.
        match (before, self) {
            (Self::Warning, Self::Active) | (Self::Breached, Self::Active | Self::Warning) => before,
            _ => self,
        }
    }

    pub const fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Met => "met",
            Self::Paused => "paused",
            Self::Active => "active",
            Self::Warning => "warning",
            Self::Breached => "breached",
        }
    }
}

impl FromStr for SlaState {
    type Err = FieldError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|s| s.code() == code).ok_or(FieldError::Unknown)
    }
}

/// The clock of one ticket at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaStatus {
    pub state: SlaState,
    pub response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    /// Working minutes the resolution clock has used (pauses excluded).
    pub used_minutes: i64,
    /// The next moment the state changes by itself (a warning or a breach),
    /// for timers.
    pub next_change: Option<DateTime<Utc>>,
}

/// The moment `target` seconds of working time are used, counting from
/// `start` and skipping `pauses`; `None` while paused before reaching it.
fn deadline(
    clock: &WorkClock,
    start: DateTime<Utc>,
    target: i64,
    pauses: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
) -> Option<DateTime<Utc>> {
    let mut left = target;
    let mut segment_start = start;
    for (pause_start, pause_end) in pauses {
        if *pause_start <= segment_start {
            match pause_end {
                Some(end) => segment_start = segment_start.max(*end),
                None => return None,
            }
            continue;
        }
        let available = clock.working_seconds(segment_start, *pause_start);
        if left <= available {
            return clock.add_working_seconds(segment_start, left);
        }
        left -= available;
        match pause_end {
            Some(end) => segment_start = *end,
            None => return None,
        }
    }
    clock.add_working_seconds(segment_start, left)
}

/// Working seconds in `[start, end)` outside the pauses.
fn used_seconds(
    clock: &WorkClock,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    pauses: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
) -> i64 {
    let total = clock.working_seconds(start, end);
    let paused: i64 = pauses
        .iter()
        .map(|(from, to)| {
            let (a, b) = ((*from).max(start), to.unwrap_or(end).min(end));
            clock.working_seconds(a, b)
        })
        .sum();
    (total - paused).max(0)
}

/// Evaluates a ticket's SLA at `now`.
pub fn evaluate(
    targets: Option<&SlaTargets>,
    clock: &WorkClock,
    timeline: &SlaTimeline,
    now: DateTime<Utc>,
) -> SlaStatus {
    let Some(targets) = targets.filter(|t| t.response_minutes.is_some() || t.resolution_minutes.is_some()) else {
        return SlaStatus {
            state: SlaState::None,
            response_due: None,
            resolution_due: None,
            used_minutes: 0,
            next_change: None,
        };
    };
    let warn = i64::from(targets.warn_percent.min(100));
    let mut states = Vec::new();
    let mut changes = Vec::new();

    let response_due = targets.response_minutes.and_then(|m| clock.add_working_seconds(timeline.created, m * 60));
    if let Some(minutes) = targets.response_minutes {
        let warn_at = clock.add_working_seconds(timeline.created, minutes * 60 * warn / 100);
        let reference = timeline.responded.or(timeline.resolved);
        states.push(match (reference, response_due) {
            (Some(at), Some(due)) => {
                if at <= due {
                    SlaState::Met
                } else {
                    SlaState::Breached
                }
            }
            (Some(_), None) => SlaState::Met,
            (None, Some(due)) if now >= due => SlaState::Breached,
            (None, _) if warn_at.is_some_and(|w| now >= w) => SlaState::Warning,
            (None, _) => {
                changes.extend(warn_at.filter(|w| *w > now));
                changes.extend(response_due.filter(|d| *d > now));
                SlaState::Active
            }
        });
        if reference.is_none() && states.last() == Some(&SlaState::Warning) {
            changes.extend(response_due.filter(|d| *d > now));
        }
    }

    let end = timeline.resolved.unwrap_or(now).max(timeline.created);
    let used = used_seconds(clock, timeline.created, end, &timeline.pauses);
    let mut resolution_due = None;
    if let Some(minutes) = targets.resolution_minutes {
        let target = minutes * 60;
        resolution_due = deadline(clock, timeline.created, target, &timeline.pauses);
        let warn_at = deadline(clock, timeline.created, target * warn / 100, &timeline.pauses);
        let paused_now = timeline.resolved.is_none() && timeline.pauses.last().is_some_and(|(_, end)| end.is_none());
        states.push(if timeline.resolved.is_some() {
            if used <= target { SlaState::Met } else { SlaState::Breached }
        } else if used >= target {
            SlaState::Breached
        } else if paused_now {
            SlaState::Paused
        } else if used >= target * warn / 100 {
            changes.extend(resolution_due.filter(|d| *d > now));
            SlaState::Warning
        } else {
            changes.extend(warn_at.filter(|w| *w > now));
            changes.extend(resolution_due.filter(|d| *d > now));
            SlaState::Active
        });
    }

    // The ticket's state is its worst clock; a met response does not hide
    // an open resolution clock.
    let state = states.iter().copied().filter(|s| *s != SlaState::Met).max().unwrap_or(SlaState::Met);
    SlaStatus { state, response_due, resolution_due, used_minutes: used / 60, next_change: changes.into_iter().min() }
}

/// A policy template from Russian regulations an administrator can adopt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaTemplate {
    pub code: &'static str,
    pub name: &'static str,
    /// The legal source.
    pub basis: &'static str,
    pub response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub around_the_clock: bool,
    /// The classifier category it fits, by code.
    pub category: &'static str,
    pub priority: crate::ticket::Priority,
}

/// Deadlines of the emergency-dispatch service and repairs (ПП РФ № 416,
/// п. 13; ПП РФ № 170, прил. 2) and of answers to residents (ПП РФ № 416, п. 34).
pub const SLA_TEMPLATES: &[SlaTemplate] = &[
    SlaTemplate {
        code: "pp416_emergency_localisation",
        name: "Авария водоснабжения, водоотведения, отопления, электроснабжения: локализация за 30 минут",
        basis: "ПП РФ № 416, п. 13",
        response_minutes: Some(30),
        resolution_minutes: Some(3 * 24 * 60),
        around_the_clock: true,
        category: "plumbing",
        priority: crate::ticket::Priority::Emergency,
    },
    SlaTemplate {
        code: "pp416_emergency_heating",
        name: "Авария отопления: локализация за 30 минут",
        basis: "ПП РФ № 416, п. 13",
        response_minutes: Some(30),
        resolution_minutes: Some(3 * 24 * 60),
        around_the_clock: true,
        category: "heating",
        priority: crate::ticket::Priority::Emergency,
    },
    SlaTemplate {
        code: "pp416_emergency_electric",
        name: "Авария электроснабжения: локализация за 30 минут",
        basis: "ПП РФ № 416, п. 13",
        response_minutes: Some(30),
        resolution_minutes: Some(3 * 24 * 60),
        around_the_clock: true,
        category: "electric",
        priority: crate::ticket::Priority::Emergency,
    },
    SlaTemplate {
        code: "pp416_sewer_blockage",
        name: "Засор водоотведения: устранение за 2 часа",
        basis: "ПП РФ № 416, п. 13",
        response_minutes: Some(30),
        resolution_minutes: Some(2 * 60),
        around_the_clock: true,
        category: "sewer",
        priority: crate::ticket::Priority::High,
    },
    SlaTemplate {
        code: "pp416_refuse_chute",
        name: "Засор мусоропровода: устранение за 2 часа",
        basis: "ПП РФ № 416, п. 13",
        response_minutes: Some(30),
        resolution_minutes: Some(2 * 60),
        around_the_clock: true,
        category: "cleaning",
        priority: crate::ticket::Priority::High,
    },
    SlaTemplate {
        code: "pp170_lift",
        name: "Неисправность лифта: устранение за сутки",
        basis: "ПП РФ № 170, прил. 2",
        response_minutes: Some(60),
        resolution_minutes: Some(24 * 60),
        around_the_clock: true,
        category: "lift",
        priority: crate::ticket::Priority::High,
    },
    SlaTemplate {
        code: "pp170_roof_leak",
        name: "Протечка кровли: устранение за сутки",
        basis: "ПП РФ № 170, прил. 2",
        response_minutes: Some(60),
        resolution_minutes: Some(24 * 60),
        around_the_clock: true,
        category: "roof",
        priority: crate::ticket::Priority::High,
    },
    SlaTemplate {
        code: "pp416_answer",
        name: "Ответ на обращение жителя: 10 рабочих дней",
        basis: "ПП РФ № 416, п. 34",
        response_minutes: Some(8 * 60),
        resolution_minutes: Some(10 * 9 * 60),
        around_the_clock: false,
        category: "other",
        priority: crate::ticket::Priority::Normal,
    },
];

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn office(zone: Tz) -> WorkClock {
        WorkClock { schedule: Schedule::office(), calendar: Arc::new(ProductionCalendar::russian()), zone }
    }

    fn around(zone: Tz) -> WorkClock {
        WorkClock { schedule: Schedule::AroundTheClock, calendar: Arc::new(ProductionCalendar::russian()), zone }
    }

    #[test]
    fn a_verdict_judged_again_at_an_earlier_time_stands_and_any_other_change_is_taken() {
        use SlaState::*;
        // The clock set back: the warning or breach given before stands.
        assert_eq!(Active.judged_again(Warning), Warning);
        assert_eq!(Active.judged_again(Breached), Breached);
        assert_eq!(Warning.judged_again(Breached), Breached);
        // Time going on, or facts changing (answered, done, on hold).
        assert_eq!(Warning.judged_again(Active), Warning);
        assert_eq!(Breached.judged_again(Warning), Breached);
        assert_eq!(Met.judged_again(Breached), Met);
        assert_eq!(Paused.judged_again(Warning), Paused);
        assert_eq!(Active.judged_again(Paused), Active);
        for &state in SlaState::ALL {
            assert_eq!(state.judged_again(state), state);
            assert_eq!(state.judged_again(None), state);
        }
    }

    #[test]
    fn the_shipped_calendar_parses_and_knows_2025_to_2027() {
        let days = parse_calendar(RUSSIAN_CALENDAR).unwrap();
        let years: std::collections::BTreeSet<i32> = days.iter().map(|d| d.date.year()).collect();
        assert_eq!(years.into_iter().collect::<Vec<_>>(), vec![2025, 2026, 2027]);
        let calendar = ProductionCalendar::russian();
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(!calendar.is_working_day(date("2026-01-09")), "moved day off");
        assert!(calendar.is_working_day(date("2025-11-01")), "a working Saturday");
        assert!(calendar.is_short_day(date("2025-11-01")));
        assert!(!calendar.is_working_day(date("2026-03-09")), "Monday after 8 March on a Sunday");
        assert!(calendar.is_working_day(date("2026-03-10")));
        assert!(!calendar.is_working_day(date("2026-11-28")), "an ordinary Saturday");
        assert_eq!(parse_calendar("2026-13-01 holiday x"), Err((1, FieldError::InvalidFormat)));
        assert_eq!(parse_calendar("# c\n2026-01-01 vacation x"), Err((2, FieldError::Unknown)));
    }

    #[test]
    fn working_hours_skip_nights_weekends_and_holidays_in_the_local_zone() {
        let moscow = office(chrono_tz::Europe::Moscow);
        // Friday 2026-11-27 17:00 MSK + 2 working hours: one on Friday,
        // one on Monday from 9:00 — Monday 10:00 MSK.
        let from = utc("2026-11-27T14:00:00Z");
        assert_eq!(moscow.add_working_seconds(from, 2 * 3600), Some(utc("2026-11-30T07:00:00Z")));
        assert_eq!(moscow.working_seconds(from, utc("2026-11-30T07:00:00Z")), 2 * 3600);
        // Over the New Year holidays of 2026 (1–11 January).
        let eve = utc("2025-12-30T14:00:00Z"); // 17:00 MSK on a working Tuesday
        assert_eq!(moscow.add_working_seconds(eve, 2 * 3600), Some(utc("2026-01-12T07:00:00Z")));
        // 10:00 UTC is 17:00 in Novosibirsk (UTC+7): the hour fits into
        // Friday there, while in Moscow (13:00) it is mid-day.
        let novosibirsk = office(chrono_tz::Asia::Novosibirsk);
        assert_eq!(
            novosibirsk.add_working_seconds(utc("2026-11-27T10:00:00Z"), 3600),
            Some(utc("2026-11-27T11:00:00Z"))
        );
        assert_eq!(
            novosibirsk.add_working_seconds(utc("2026-11-27T10:00:00Z"), 2 * 3600),
            Some(utc("2026-11-30T03:00:00Z"))
        );
    }

    #[test]
    fn a_short_pre_holiday_day_ends_an_hour_earlier() {
        let moscow = office(chrono_tz::Europe::Moscow);
        // 2026-11-03 is short: work ends at 17:00 MSK.
        let from = utc("2026-11-03T13:00:00Z"); // 16:00 MSK
        assert_eq!(moscow.working_seconds(from, utc("2026-11-03T16:00:00Z")), 3600);
        // 4 November is a holiday: the next working hour is on the 5th.
        assert_eq!(moscow.add_working_seconds(from, 2 * 3600), Some(utc("2026-11-05T07:00:00Z")));
    }

    #[test]
    fn around_the_clock_counts_every_minute() {
        let clock = around(chrono_tz::Europe::Moscow);
        let from = utc("2026-01-01T00:00:00Z");
        assert_eq!(clock.add_working_seconds(from, 30 * 60), Some(utc("2026-01-01T00:30:00Z")));
        assert_eq!(clock.working_seconds(from, utc("2026-01-02T00:00:00Z")), 86_400);
    }

    fn targets(response: i64, resolution: i64) -> SlaTargets {
        SlaTargets { response_minutes: Some(response), resolution_minutes: Some(resolution), warn_percent: 75 }
    }

    #[test]
    fn an_emergency_is_breached_after_thirty_minutes_without_response() {
        let clock = around(chrono_tz::Europe::Moscow);
        let created = utc("2026-11-26T02:00:00Z");
        let timeline = SlaTimeline { created, ..SlaTimeline::default() };
        let t = targets(30, 180);
        let at = |m: i64| created + Duration::minutes(m);
        assert_eq!(evaluate(Some(&t), &clock, &timeline, at(10)).state, SlaState::Active);
        let warning = evaluate(Some(&t), &clock, &timeline, at(23));
        assert_eq!(warning.state, SlaState::Warning);
        assert_eq!(warning.next_change, Some(at(30)));
        assert_eq!(evaluate(Some(&t), &clock, &timeline, at(31)).state, SlaState::Breached);
        let answered = SlaTimeline { responded: Some(at(20)), ..timeline };
        let status = evaluate(Some(&t), &clock, &answered, at(40));
        assert_eq!(status.state, SlaState::Active, "response met, resolution running");
        assert_eq!(status.resolution_due, Some(at(180)));
        assert_eq!(status.next_change, Some(at(135)));
    }

    #[test]
    fn waiting_for_the_client_stops_the_resolution_clock() {
        let clock = around(chrono_tz::Europe::Moscow);
        let created = utc("2026-11-26T06:00:00Z");
        let at = |m: i64| created + Duration::minutes(m);
        let t = targets(30, 120);
        let paused =
            SlaTimeline { created, responded: Some(at(5)), pauses: vec![(at(60), None)], ..SlaTimeline::default() };
        let status = evaluate(Some(&t), &clock, &paused, at(300));
        assert_eq!(status.state, SlaState::Paused);
        assert_eq!(status.used_minutes, 60);
        assert_eq!(status.resolution_due, None);
        let resumed = SlaTimeline { pauses: vec![(at(60), Some(at(400)))], ..paused };
        let status = evaluate(Some(&t), &clock, &resumed, at(420));
        assert_eq!(status.used_minutes, 80);
        assert_eq!(status.resolution_due, Some(at(460)), "due moves by the pause");
        let done = SlaTimeline { resolved: Some(at(450)), ..resumed };
        assert_eq!(evaluate(Some(&t), &clock, &done, at(500)).state, SlaState::Met);
    }

    #[test]
    fn a_policy_changed_mid_ticket_is_applied_to_the_whole_timeline() {
        let clock = around(chrono_tz::Europe::Moscow);
        let created = utc("2026-11-26T06:00:00Z");
        let timeline =
            SlaTimeline { created, responded: Some(created + Duration::minutes(10)), ..SlaTimeline::default() };
        let now = created + Duration::minutes(100);
        // Raised from normal (8 h) to emergency (90 min): already breached.
        assert_eq!(evaluate(Some(&targets(60, 480)), &clock, &timeline, now).state, SlaState::Active);
        assert_eq!(evaluate(Some(&targets(30, 90)), &clock, &timeline, now).state, SlaState::Breached);
        assert_eq!(evaluate(None, &clock, &timeline, now).state, SlaState::None);
    }

    #[test]
    fn working_hour_targets_run_only_during_office_hours() {
        let clock = office(chrono_tz::Europe::Moscow);
        // Created Friday 17:30 MSK; 8 working hours → Monday 16:30 MSK.
        let created = utc("2026-11-27T14:30:00Z");
        let timeline = SlaTimeline { created, responded: Some(created), ..SlaTimeline::default() };
        let status = evaluate(Some(&targets(60, 8 * 60)), &clock, &timeline, utc("2026-11-28T12:00:00Z"));
        assert_eq!(status.resolution_due, Some(utc("2026-11-30T13:30:00Z")));
        assert_eq!(status.used_minutes, 30);
        assert_eq!(status.state, SlaState::Active);
    }

    #[test]
    fn the_templates_name_known_categories_and_sensible_targets() {
        for template in SLA_TEMPLATES {
            assert!(template.resolution_minutes.unwrap_or(0) > 0, "{}", template.code);
            assert!(template.response_minutes.unwrap_or(0) <= template.resolution_minutes.unwrap_or(0));
        }
    }

    proptest! {
        /// Adding working time and measuring it back agree, in any zone,
        /// around holidays and weekends.
        #[test]
        fn adding_and_measuring_working_time_agree(
            start in 0i64..(3 * 365 * 24 * 3600),
            seconds in 0i64..(30 * 9 * 3600),
            zone in proptest::sample::select(vec![chrono_tz::Europe::Moscow, chrono_tz::Asia::Yekaterinburg, chrono_tz::Asia::Vladivostok, chrono_tz::Europe::Kaliningrad]),
        ) {
            let clock = office(zone);
            let from = utc("2025-01-01T00:00:00Z") + Duration::seconds(start);
            let due = clock.add_working_seconds(from, seconds).unwrap();
            prop_assert!(due >= from);
            prop_assert_eq!(clock.working_seconds(from, due), seconds);
        }

        /// A pause never makes a ticket due earlier.
        #[test]
        fn pauses_only_push_the_deadline_later(
            pause_start in 1i64..600, pause_len in 0i64..600, target in 1i64..900,
        ) {
            let clock = around(chrono_tz::Europe::Moscow);
            let created = utc("2026-11-26T06:00:00Z");
            let t = SlaTargets { response_minutes: None, resolution_minutes: Some(target), warn_percent: 75 };
            let plain = SlaTimeline { created, ..SlaTimeline::default() };
            let start = created + Duration::minutes(pause_start);
            let paused = SlaTimeline { created, pauses: vec![(start, Some(start + Duration::minutes(pause_len)))], ..SlaTimeline::default() };
            let now = created + Duration::minutes(2000);
            let a = evaluate(Some(&t), &clock, &plain, now).resolution_due.unwrap();
            let b = evaluate(Some(&t), &clock, &paused, now).resolution_due.unwrap();
            prop_assert!(b >= a);
        }
    }
}
