//! Reports: their names, what a row is grouped by, what a figure counts,
//! the period they cover, and the statistics they show (shares, medians,
//! percentiles, averages), as pure functions over plain values.
//!
//! A figure is a [`Measure`]: a test a ticket passes or not. The same test
//! counts the figure and, for its drill-down, lists the tickets behind it,
//! so the list always has as many tickets as the figure says.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::FieldError;

code_enum! {
    /// The reports.
    ReportName {
        /// First response and resolution against the SLA.
        Sla = "sla",
        /// Open tickets by status and age; opened against closed per day.
        Backlog = "backlog",
        /// Tickets per technician and team; reopens, first-time fixes.
        Workload = "workload",
        /// Residents' ratings.
        Quality = "quality",
        /// Where tickets come from.
        Sources = "sources",
        /// Calls by ПП РФ №416: answered within 5 minutes, called back
        /// within 10, missed; by operator and hour.
        Calls = "calls",
        /// Visitors let in by the guard desk: per day, average stay,
        /// overstays.
        Visits = "visits",
    }
}

code_enum! {
    /// What a report's rows are grouped by.
    GroupBy {
        Building = "building",
        Category = "category",
        Priority = "priority",
        Source = "source",
        Team = "team",
        Assignee = "assignee",
        Status = "status",
        Day = "day",
        Week = "week",
        Month = "month",
        /// The hour of the day (0–23, local).
        Hour = "hour",
        /// Who took a call (the calls report; for tickets, the assignee).
        Operator = "operator",
    }
}

impl GroupBy {
    /// Whether the groups are periods of time (shown oldest first).
    pub fn is_time(self) -> bool {
        matches!(self, Self::Day | Self::Week | Self::Month)
    }
}

code_enum! {
    /// What a figure counts: a test a ticket passes or not.
    Measure {
        /// Every ticket filed in the period.
        Tickets = "tickets",
        ResponseMet = "response_met",
        ResponseBreached = "response_breached",
        ResolutionMet = "resolution_met",
        ResolutionBreached = "resolution_breached",
        /// Done (or closed) now.
        Resolved = "resolved",
        /// Still open now.
        Open = "open",
        /// Reopened at least once.
        Reopened = "reopened",
        /// Done and never reopened.
        FirstTimeFix = "first_time_fix",
        /// Rated by the resident.
        Rated = "rated",
        /// Rated 3 or lower.
        LowRating = "low_rating",
        Rating1 = "rating_1",
        Rating2 = "rating_2",
        Rating3 = "rating_3",
        Rating4 = "rating_4",
        Rating5 = "rating_5",
        /// Resolved within the period (by the day it was resolved).
        Closed = "closed",
        /// Open now, filed less than a day ago.
        AgeDay = "age_day",
        /// Open now, filed 1 to 3 days ago.
        AgeThreeDays = "age_three_days",
        /// Open now, filed 3 to 7 days ago.
        AgeWeek = "age_week",
        /// Open now, filed 7 to 30 days ago.
        AgeMonth = "age_month",
        /// Open now, filed over 30 days ago.
        AgeOlder = "age_older",
    }
}

/// Which tickets a measure looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    /// Filed in the period (the rule for every report figure).
    Created,
    /// Resolved in the period (the backlog's "closed per day").
    Resolved,
    /// Open now, whatever the period.
    Open,
}

impl Measure {
    pub fn window(self) -> WindowKind {
        match self {
            Self::Closed => WindowKind::Resolved,
            Self::AgeDay | Self::AgeThreeDays | Self::AgeWeek | Self::AgeMonth | Self::AgeOlder => WindowKind::Open,
            _ => WindowKind::Created,
        }
    }

    /// The age bucket measures, youngest first.
    pub const AGES: [Measure; 5] = [Self::AgeDay, Self::AgeThreeDays, Self::AgeWeek, Self::AgeMonth, Self::AgeOlder];

    /// The rating measures, best first.
    pub const RATINGS: [Measure; 5] = [Self::Rating5, Self::Rating4, Self::Rating3, Self::Rating2, Self::Rating1];

    /// The age bucket an open ticket filed at `created` falls in at `now`.
    pub fn age_bucket(created: DateTime<Utc>, now: DateTime<Utc>) -> Measure {
        let hours = (now - created).num_hours();
        match hours {
            h if h < 24 => Self::AgeDay,
            h if h < 72 => Self::AgeThreeDays,
            h if h < 24 * 7 => Self::AgeWeek,
            h if h < 24 * 30 => Self::AgeMonth,
            _ => Self::AgeOlder,
        }
    }

    /// The rating measure of a rating 1–5.
    pub fn of_rating(rating: u8) -> Option<Measure> {
        match rating {
            1 => Some(Self::Rating1),
            2 => Some(Self::Rating2),
            3 => Some(Self::Rating3),
            4 => Some(Self::Rating4),
            5 => Some(Self::Rating5),
            _ => None,
        }
    }
}

/// The longest period a report covers.
pub const MAX_PERIOD_DAYS: u64 = 366;

/// A report's period: whole days in the buildings' own zones, both ends
/// included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `from`..=`to`; `to` before `from`, or longer than
    /// [`MAX_PERIOD_DAYS`], is refused (the field says which).
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, (&'static str, FieldError)> {
        if to < from {
            return Err(("to", FieldError::NotAllowed));
        }
        if from.checked_add_days(Days::new(MAX_PERIOD_DAYS)).is_some_and(|limit| to >= limit) {
            return Err(("to", FieldError::NotAllowed));
        }
        Ok(Self { from, to })
    }

    /// The 30 days up to and including `today`.
    pub fn last_30_days(today: NaiveDate) -> Self {
        Self { from: today.checked_sub_days(Days::new(29)).unwrap_or(today), to: today }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// Every day of the period, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }

    /// The number of days, both ends counted.
    pub fn len_days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

code_enum! {
    /// How often a subscribed report is sent by e-mail.
    Cadence {
        /// Every Monday, for the week before (Monday to Sunday).
        Weekly = "weekly",
        /// On the first of every month, for the month before.
        Monthly = "monthly",
    }
}

impl Cadence {
    /// The first day on which a letter is due after `today`: the next
    /// Monday, or the next month's first day.
    pub fn next_day(self, today: NaiveDate) -> NaiveDate {
        match self {
            Self::Weekly => {
                let ahead = 7 - u64::from(today.weekday().num_days_from_monday());
                today.checked_add_days(Days::new(ahead)).unwrap_or(today)
            }
            Self::Monthly => {
                let first = today.with_day(1).unwrap_or(today);
                first.checked_add_months(chrono::Months::new(1)).unwrap_or(first)
            }
        }
    }

    /// The first day on which a letter is due from `today` on: `today`
    /// itself when it is a Monday (or a first), else [`Cadence::next_day`].
    pub fn first_day_from(self, today: NaiveDate) -> NaiveDate {
        today.pred_opt().map_or(today, |yesterday| self.next_day(yesterday))
    }

    /// The whole week or month that ended before `day` (the letter sent on
    /// `day` covers it).
    pub fn period_before(self, day: NaiveDate) -> Period {
        let by = match self {
            Self::Weekly => GroupBy::Week,
            Self::Monthly => GroupBy::Month,
        };
        let to = period_start(by, day).pred_opt().unwrap_or(day);
        Period { from: period_start(by, to), to }
    }
}

/// The key of a day's week (its Monday) or month (its first day).
pub fn period_start(by: GroupBy, day: NaiveDate) -> NaiveDate {
    match by {
        GroupBy::Week => {
            day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday()))).unwrap_or(day)
        }
        GroupBy::Month => day.with_day(1).unwrap_or(day),
        _ => day,
    }
}

/// The `p`-th percentile (0–1) of sorted values, interpolated between the
/// two nearest ranks (PostgreSQL's `percentile_cont`); `None` for none.
pub fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let p = p.clamp(0.0, 1.0);
    #[allow(clippy::cast_precision_loss)]
    let rank = p * last as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    #[allow(clippy::cast_precision_loss)]
    let (a, b) = (sorted[low] as f64, sorted[high.min(last)] as f64);
    Some(a + (b - a) * (rank - rank.floor()))
}

/// `part` of `whole` as a fraction 0–1; `None` when `whole` is 0.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The mean of the values; `None` for none.
pub fn mean(values: &[i64]) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (!values.is_empty()).then(|| values.iter().sum::<i64>() as f64 / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn percentiles_interpolate_like_postgres() {
        // percentile_cont(0.5) over 1,2,3,4 is 2.5; 0.9 is 3.7.
        assert_eq!(percentile(&[1, 2, 3, 4], 0.5), Some(2.5));
        assert!((percentile(&[1, 2, 3, 4], 0.9).unwrap() - 3.7).abs() < 1e-9);
        assert_eq!(percentile(&[7], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[10, 20, 30], 0.5), Some(20.0));
        assert_eq!(percentile(&[10, 20, 30], 1.0), Some(30.0));
    }

    #[test]
    fn shares_and_means() {
        assert_eq!(share(1, 4), Some(0.25));
        assert_eq!(share(0, 0), None);
        assert_eq!(mean(&[5, 4, 3]), Some(4.0));
        assert_eq!(mean(&[]), None);
    }

    #[test]
    fn periods_are_whole_days_both_ends_included() {
        let p = Period::new(day("2026-12-01"), day("2026-12-03")).unwrap();
        assert_eq!(p.len_days(), 3);
        assert_eq!(p.days().count(), 3);
        assert!(p.contains(day("2026-12-03")) && !p.contains(day("2026-12-04")));
        assert_eq!(Period::new(day("2026-12-03"), day("2026-12-01")), Err(("to", FieldError::NotAllowed)));
        assert!(Period::new(day("2026-01-01"), day("2026-12-31")).is_ok());
        // 366 days at most, both ends counted.
        assert_eq!(Period::new(day("2025-01-01"), day("2026-01-01")).map(|p| p.len_days()), Ok(366));
        assert_eq!(Period::new(day("2025-01-01"), day("2026-01-02")), Err(("to", FieldError::NotAllowed)));
        assert_eq!(Period::last_30_days(day("2026-12-30")).from, day("2026-12-01"));
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // 6 December 2026 is a Sunday.
        assert_eq!(period_start(GroupBy::Week, day("2026-12-06")), day("2026-11-30"));
        assert_eq!(period_start(GroupBy::Week, day("2026-11-30")), day("2026-11-30"));
        assert_eq!(period_start(GroupBy::Month, day("2026-12-06")), day("2026-12-01"));
        assert_eq!(period_start(GroupBy::Day, day("2026-12-06")), day("2026-12-06"));
    }

    #[test]
    fn open_tickets_fall_in_age_buckets() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
        let ago = |hours| now - chrono::Duration::hours(hours);
        assert_eq!(Measure::age_bucket(ago(23), now), Measure::AgeDay);
        assert_eq!(Measure::age_bucket(ago(24), now), Measure::AgeThreeDays);
        assert_eq!(Measure::age_bucket(ago(71), now), Measure::AgeThreeDays);
        assert_eq!(Measure::age_bucket(ago(72), now), Measure::AgeWeek);
        assert_eq!(Measure::age_bucket(ago(24 * 7), now), Measure::AgeMonth);
        assert_eq!(Measure::age_bucket(ago(24 * 30), now), Measure::AgeOlder);
        assert_eq!(Measure::Closed.window(), WindowKind::Resolved);
        assert_eq!(Measure::AgeWeek.window(), WindowKind::Open);
        assert_eq!(Measure::ResponseMet.window(), WindowKind::Created);
    }

    #[test]
    fn a_weekly_letter_goes_on_monday_for_the_week_before() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // Sunday 6 December 2026 → Monday 7; Monday 7 → Monday 14.
        assert_eq!(Cadence::Weekly.next_day(day(2026, 12, 6)), day(2026, 12, 7));
        assert_eq!(Cadence::Weekly.next_day(day(2026, 12, 7)), day(2026, 12, 14));
        assert_eq!(Cadence::Weekly.first_day_from(day(2026, 12, 7)), day(2026, 12, 7));
        assert_eq!(Cadence::Weekly.first_day_from(day(2026, 12, 6)), day(2026, 12, 7));
        assert_eq!(Cadence::Monthly.first_day_from(day(2027, 1, 1)), day(2027, 1, 1));
        assert_eq!(Cadence::Monthly.first_day_from(day(2026, 12, 6)), day(2027, 1, 1));
        let week = Cadence::Weekly.period_before(day(2026, 12, 7));
        assert_eq!((week.from, week.to), (day(2026, 11, 30), day(2026, 12, 6)));
        // Sent late, on a Wednesday, it still covers the week before.
        assert_eq!(Cadence::Weekly.period_before(day(2026, 12, 9)), week);
    }

    #[test]
    fn a_monthly_letter_goes_on_the_first_for_the_month_before() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(Cadence::Monthly.next_day(day(2026, 12, 6)), day(2027, 1, 1));
        assert_eq!(Cadence::Monthly.next_day(day(2027, 1, 31)), day(2027, 2, 1));
        let month = Cadence::Monthly.period_before(day(2027, 3, 1));
        assert_eq!((month.from, month.to), (day(2027, 2, 1), day(2027, 2, 28)));
        let december = Cadence::Monthly.period_before(day(2027, 1, 1));
        assert_eq!((december.from, december.to), (day(2026, 12, 1), day(2026, 12, 31)));
    }
}
