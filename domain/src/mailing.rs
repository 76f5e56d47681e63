//! Mailings (рассылки): a text to residents of some buildings, sections or
//! units, sent through the channels they can be reached by and agreed to.
//!
//! A mailing names its audience (which units, which kind of link to them)
//! and an order of channels. Each recipient gets the in-app notice when it
//! is asked for, and the first outward channel (push, SMS, e-mail) in the
//! mailing's order that reaches them: they have the contact and, unless the
//! mailing is an emergency notice, agreed to that channel. What is decided
//! per recipient is [`route`], a pure function the store's facts feed.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeZone as _, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::client::{Channel, LinkRole};
use crate::error::{FieldError, bounded_text};
use crate::ids::{BuildingId, MailingId, MailingTemplateId, SectionId, SegmentId, UnitId, UserId};
use crate::layout::UnitKind;

/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// The longest body, in characters (an SMS-sized notice is far shorter;
/// a newsletter fits).
pub const MAX_BODY: usize = 20_000;
/// The most units, sections or buildings named in one audience.
pub const MAX_AUDIENCE_IDS: usize = 10_000;

code_enum! {
    /// What a mailing is about; an emergency notice reaches people who did
    /// not agree to mailings and is sent in quiet hours.
    MailingKind {
        /// Новости.
        News = "news",
        /// Плановые работы.
        Works = "works",
        /// Аварийное оповещение.
        Emergency = "emergency",
        /// Напоминание об оплате.
        Billing = "billing",
    }
}

code_enum! {
    /// A channel a mailing goes out by.
    MailingChannel {
        /// Push to the resident app.
        Push = "push",
        Sms = "sms",
        Email = "email",
        /// The notice list of the resident's cabinet.
        InApp = "in_app",
    }
}

code_enum! {
    /// Where a mailing is.
    MailingStatus {
        /// Being written; the audience is counted, nothing is sent.
        Draft = "draft",
        /// Waiting for its time (read in each building's zone); nothing is
        /// sent until then, and it can go back to a draft.
        Scheduled = "scheduled",
        /// Sent: every recipient's delivery is queued or recorded.
        Sent = "sent",
    }
}

code_enum! {
    /// Why a recipient gets nothing on a channel.
    Exclusion {
        /// No address for the channel (no e-mail, no phone, no app).
        NoContact = "no_contact",
        /// The address is there, the consent to the channel is not.
        NoConsent = "no_consent",
    }
}

code_enum! {
    /// Where one recipient's delivery on one channel is.
    DeliveryStatus {
        /// Waiting in the outbox (or being retried).
        Queued = "queued",
        /// Handed to the channel's server.
        Sent = "sent",
        /// In the recipient's hands (the in-app notice is, once written).
        Delivered = "delivered",
        /// Given up on, with the reason.
        Failed = "failed",
        /// Not sent: no channel reaches the recipient (see the reason).
        Skipped = "skipped",
    }
}

impl MailingChannel {
    /// The consent this channel needs, if any (the cabinet needs none: the
    /// resident opens it).
    pub fn consent(self) -> Option<Channel> {
        match self {
            Self::Push => Some(Channel::Push),
            Self::Sms => Some(Channel::Sms),
            Self::Email => Some(Channel::Email),
            Self::InApp => None,
        }
    }
}

/// Who a mailing (or survey) is for: the units of these buildings, sections
/// and units (together), narrowed to these unit kinds and floors when given,
/// and among the people linked to them those linked as these roles (all
/// roles when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    #[serde(default)]
    pub building_ids: Vec<BuildingId>,
    #[serde(default)]
    pub section_ids: Vec<SectionId>,
    #[serde(default)]
    pub unit_ids: Vec<UnitId>,
    #[serde(default)]
    pub link_roles: Vec<LinkRole>,
    /// Only units of these kinds (flats, offices, parking…); all when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_kinds: Vec<UnitKind>,
    /// Only units on these floors (by number, both ends included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floors: Option<FloorRange>,
}

/// Floors from one number to another, both included (−5 … 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloorRange {
    pub from: i32,
    pub to: i32,
}

/// The lowest and highest floor number an audience may name.
pub const FLOOR_NUMBERS: std::ops::RangeInclusive<i32> = -5..=200;

impl Audience {
    /// The audience with duplicates removed, or why it cannot be one.
    pub fn validate(mut self) -> Result<Self, FieldError> {
        for ids in [self.building_ids.len(), self.section_ids.len(), self.unit_ids.len()] {
            if ids > MAX_AUDIENCE_IDS {
                return Err(FieldError::TooLong { max: MAX_AUDIENCE_IDS });
            }
        }
        self.building_ids.sort_unstable();
        self.building_ids.dedup();
        self.section_ids.sort_unstable();
        self.section_ids.dedup();
        self.unit_ids.sort_unstable();
        self.unit_ids.dedup();
        self.link_roles.sort_unstable();
        self.link_roles.dedup();
        self.unit_kinds.sort_unstable();
        self.unit_kinds.dedup();
        if let Some(floors) = self.floors {
            let known = FLOOR_NUMBERS.contains(&floors.from) && FLOOR_NUMBERS.contains(&floors.to);
            if !known || floors.from > floors.to {
                return Err(FieldError::InvalidFormat);
            }
        }
        if self.building_ids.is_empty() && self.section_ids.is_empty() && self.unit_ids.is_empty() {
            return Err(FieldError::Required);
        }
        Ok(self)
    }

    /// Whether a link as `role` is in the audience.
    pub fn takes(&self, role: LinkRole) -> bool {
        self.link_roles.is_empty() || self.link_roles.contains(&role)
    }
}

/// A mailing as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mailing {
    pub id: MailingId,
    pub title: String,
    /// The text, a `minijinja` template over the recipient's variables.
    pub body: String,
    pub kind: MailingKind,
    /// The channels in the order they are tried (the cabinet aside).
    pub channels: Vec<MailingChannel>,
    pub audience: Audience,
    pub status: MailingStatus,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The wall-clock time it leaves at, in each recipient's building's
    /// zone, while it is scheduled.
    pub scheduled_for: Option<NaiveDateTime>,
    /// Whose permissions send it then.
    pub scheduled_by: Option<UserId>,
}

/// The format of [`Mailing::scheduled_for`] as stored and typed
/// (`2026-12-10T10:00`, what a `datetime-local` field sends).
pub const SCHEDULE_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// A mailing to be written, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMailing {
    pub title: String,
    pub body: String,
    pub kind: MailingKind,
    pub channels: Vec<MailingChannel>,
    pub audience: Audience,
}

impl NewMailing {
    /// Checks the parts; answers the first wrong field with its error.
    pub fn new(
        title: &str,
        body: &str,
        kind: MailingKind,
        channels: Vec<MailingChannel>,
        audience: Audience,
    ) -> Result<Self, (&'static str, FieldError)> {
        let (title, body, channels) = checked_text(title, body, channels)?;
        let audience = audience.validate().map_err(|e| ("audience", e))?;
        Ok(Self { title, body, kind, channels, audience })
    }
}

/// A mailing's title, body and channels, checked (a mailing's and a
/// template's alike): the channels once each, in their order.
fn checked_text(
    title: &str,
    body: &str,
    channels: Vec<MailingChannel>,
) -> Result<(String, String, Vec<MailingChannel>), (&'static str, FieldError)> {
    let title = bounded_text(title, 1, MAX_TITLE).map_err(|e| ("title", e))?;
    let body = bounded_text(body, 1, MAX_BODY).map_err(|e| ("body", e))?;
    let mut seen = Vec::with_capacity(channels.len());
    for channel in channels {
        if !seen.contains(&channel) {
            seen.push(channel);
        }
    }
    if seen.is_empty() {
        return Err(("channels", FieldError::Required));
    }
    Ok((title, body, seen))
}

/// The longest template name, in characters.
pub const MAX_TEMPLATE_NAME: usize = 100;

/// A saved mailing text (its title, body, kind and channels) that new
/// mailings start from; the audience is chosen each time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailingTemplate {
    pub id: MailingTemplateId,
    pub name: String,
    pub title: String,
    pub body: String,
    pub kind: MailingKind,
    pub channels: Vec<MailingChannel>,
    pub created_at: DateTime<Utc>,
}

/// A template to be saved, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTemplate {
    pub name: String,
    pub title: String,
    pub body: String,
    pub kind: MailingKind,
    pub channels: Vec<MailingChannel>,
}

impl NewTemplate {
    /// Checks the parts; answers the first wrong field with its error.
    pub fn new(
        name: &str,
        title: &str,
        body: &str,
        kind: MailingKind,
        channels: Vec<MailingChannel>,
    ) -> Result<Self, (&'static str, FieldError)> {
        let name = bounded_text(name, 1, MAX_TEMPLATE_NAME).map_err(|e| ("name", e))?;
        let (title, body, channels) = checked_text(title, body, channels)?;
        Ok(Self { name, title, body, kind, channels })
    }
}

/// A saved audience (сегмент): a name for a choice of buildings, sections,
/// units, relations, unit kinds and floors that mailings go to again
/// (its people are found anew each time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub id: SegmentId,
    pub name: String,
    pub audience: Audience,
    pub created_at: DateTime<Utc>,
}

/// A segment to be saved, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSegment {
    pub name: String,
    pub audience: Audience,
}

impl NewSegment {
    /// Checks the name (as a template's) and the audience.
    pub fn new(name: &str, audience: Audience) -> Result<Self, (&'static str, FieldError)> {
        let name = bounded_text(name, 1, MAX_TEMPLATE_NAME).map_err(|e| ("name", e))?;
        let audience = audience.validate().map_err(|e| ("audience", e))?;
        Ok(Self { name, audience })
    }
}

/// What the store knows of one recipient for one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// An address to send to (an e-mail, a phone, an app on a device).
    pub contact: bool,
    /// The recipient agreed to the channel.
    pub consent: bool,
}

/// Where one recipient's mailing goes: the in-app notice (when asked for)
/// and the first outward channel that reaches them; or, when none does,
/// why (a missing contact wins over a missing consent only when no channel
/// had the contact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub in_app: bool,
    pub outward: Result<MailingChannel, Exclusion>,
}

/// Routes one recipient: `reach` answers for each outward channel of the
/// mailing. An emergency notice needs no consent; nothing goes where there
/// is no contact.
pub fn route(kind: MailingKind, channels: &[MailingChannel], reach: impl Fn(MailingChannel) -> Reach) -> Route {
    let in_app = channels.contains(&MailingChannel::InApp);
    let mut why = Exclusion::NoContact;
    for &channel in channels.iter().filter(|c| **c != MailingChannel::InApp) {
        let Reach { contact, consent } = reach(channel);
        if !contact {
            continue;
        }
        if consent || kind == MailingKind::Emergency {
            return Route { in_app, outward: Ok(channel) };
        }
        why = Exclusion::NoConsent;
    }
    Route { in_app, outward: Err(why) }
}

impl Route {
    /// Whether anything reaches the recipient.
    pub fn reaches(&self) -> bool {
        self.in_app || self.outward.is_ok()
    }
}

/// The hours of the night when no mailing but an emergency notice leaves
/// (in each recipient's building's zone): from `from` to `to`, across
/// midnight when `from` is later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: NaiveTime,
    pub to: NaiveTime,
}

impl QuietHours {
    /// Reads `21:00-09:00`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let (from, to) = raw.trim().split_once('-').ok_or(FieldError::InvalidFormat)?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| FieldError::InvalidFormat);
        let (from, to) = (time(from)?, time(to)?);
        if from == to {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self { from, to })
    }

    /// Whether `time` (local) is within the quiet hours.
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.from < self.to { self.from <= time && time < self.to } else { time >= self.from || time < self.to }
    }

    /// When a message asked to leave at `now` may leave in `zone`: `now`,
    /// or the end of the quiet hours it falls in.
    pub fn release(&self, now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let local = now.with_timezone(&zone);
        if !self.contains(local.time()) {
            return now;
        }
        let day = if self.from > self.to && local.time() >= self.from {
            local.date_naive() + chrono::Duration::days(1)
        } else {
            local.date_naive()
        };
        instant_in(day.and_time(self.to), zone).unwrap_or(now)
    }
}

/// When the wall-clock `time` comes in `zone` (the earliest reading of an
/// hour a clock change repeats; an hour later for one it skips).
pub fn instant_in(time: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    zone.from_local_datetime(&time)
        .earliest()
        .or_else(|| zone.from_local_datetime(&(time + chrono::Duration::hours(1))).earliest())
        .map(|at| at.with_timezone(&Utc))
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.from.format("%H:%M"), self.to.format("%H:%M"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_OUT: [MailingChannel; 3] = [MailingChannel::Push, MailingChannel::Sms, MailingChannel::Email];

    fn reach(contact: &[MailingChannel], consent: &[MailingChannel]) -> impl Fn(MailingChannel) -> Reach {
        let (contact, consent) = (contact.to_vec(), consent.to_vec());
        move |c| Reach { contact: contact.contains(&c), consent: consent.contains(&c) }
    }

    #[test]
    fn the_first_channel_with_contact_and_consent_wins() {
        let r = route(MailingKind::News, &ALL_OUT, reach(&ALL_OUT, &[MailingChannel::Sms, MailingChannel::Email]));
        assert_eq!(r.outward, Ok(MailingChannel::Sms));
        assert!(!r.in_app);
    }

    #[test]
    fn without_consent_nothing_goes_unless_it_is_an_emergency() {
        let no_consent = reach(&[MailingChannel::Email], &[]);
        assert_eq!(route(MailingKind::Works, &ALL_OUT, &no_consent).outward, Err(Exclusion::NoConsent));
        assert_eq!(route(MailingKind::Emergency, &ALL_OUT, &no_consent).outward, Ok(MailingChannel::Email));
    }

    #[test]
    fn an_emergency_never_goes_where_there_is_no_contact() {
        let nothing = reach(&[], &ALL_OUT);
        let r = route(MailingKind::Emergency, &ALL_OUT, nothing);
        assert_eq!(r.outward, Err(Exclusion::NoContact));
        assert!(!r.reaches());
    }

    #[test]
    fn the_cabinet_reaches_everyone_it_is_asked_for() {
        let r = route(MailingKind::News, &[MailingChannel::InApp, MailingChannel::Email], reach(&[], &[]));
        assert!(r.in_app && r.reaches());
        assert_eq!(r.outward, Err(Exclusion::NoContact));
    }

    #[test]
    fn a_mailing_needs_a_title_a_body_a_channel_and_an_audience() {
        let audience = Audience { unit_ids: vec![UnitId::new()], ..Audience::default() };
        let ok = NewMailing::new(
            " Отключение воды ",
            "Уважаемый {{ name }}",
            MailingKind::Works,
            vec![MailingChannel::Email, MailingChannel::Email],
            audience.clone(),
        )
        .expect("valid");
        assert_eq!(ok.title, "Отключение воды");
        assert_eq!(ok.channels, vec![MailingChannel::Email]);
        let no_channel = NewMailing::new("t", "b", MailingKind::News, vec![], audience.clone());
        assert_eq!(no_channel.map(|_| ()), Err(("channels", FieldError::Required)));
        let nobody = NewMailing::new("t", "b", MailingKind::News, vec![MailingChannel::Email], Audience::default());
        assert_eq!(nobody.map(|_| ()), Err(("audience", FieldError::Required)));
        let blank = NewMailing::new("  ", "b", MailingKind::News, vec![MailingChannel::Email], audience);
        assert_eq!(blank.map(|_| ()), Err(("title", FieldError::Required)));
    }

    #[test]
    fn quiet_hours_hold_messages_until_morning_in_the_buildings_zone() {
        let quiet = QuietHours::parse("21:00-09:00").unwrap();
        assert_eq!(quiet.to_string(), "21:00-09:00");
        let moscow: Tz = "Europe/Moscow".parse().unwrap();
        let yekaterinburg: Tz = "Asia/Yekaterinburg".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 19:00 UTC: 22:00 in Moscow (held until 09:00 Moscow, 06:00 UTC
        // next day), 00:00 in Yekaterinburg (until 09:00 there, 04:00 UTC).
        assert_eq!(quiet.release(at("2026-12-06T19:00:00Z"), moscow), at("2026-12-07T06:00:00Z"));
        assert_eq!(quiet.release(at("2026-12-06T19:00:00Z"), yekaterinburg), at("2026-12-07T04:00:00Z"));
        // Daytime goes at once; 05:00 Moscow waits until 09:00 that day.
        assert_eq!(quiet.release(at("2026-12-06T09:00:00Z"), moscow), at("2026-12-06T09:00:00Z"));
        assert_eq!(quiet.release(at("2026-12-06T02:00:00Z"), moscow), at("2026-12-06T06:00:00Z"));
        // Quiet hours within a day, and bad settings.
        let lunch = QuietHours::parse("13:00-14:00").unwrap();
        assert!(lunch.contains(NaiveTime::from_hms_opt(13, 30, 0).unwrap()));
        assert!(!lunch.contains(NaiveTime::from_hms_opt(14, 0, 0).unwrap()));
        for bad in ["21:00", "25:00-09:00", "09:00-09:00", "вечер-утро"] {
            assert!(QuietHours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_wall_clock_time_comes_first_in_the_eastern_zone() {
        let at = NaiveDateTime::parse_from_str("2026-12-10T10:00", SCHEDULE_FORMAT).unwrap();
        let moscow = instant_in(at, "Europe/Moscow".parse().unwrap()).unwrap();
        let yekaterinburg = instant_in(at, "Asia/Yekaterinburg".parse().unwrap()).unwrap();
        assert_eq!(moscow, "2026-12-10T07:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(moscow - yekaterinburg, chrono::Duration::hours(2));
    }
}
