//! The staff app's devices: where a person's pushes go, and the changes a
//! device made offline, numbered so that each is applied exactly once.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::event::Event;
use crate::ids::{TicketId, UserId};
use crate::sla::SlaState;
use crate::ticket::TicketStatus;

code_enum! {
    /// How a device receives pushes.
    Platform {
        /// A browser (the PWA): a Web Push subscription.
        Webpush = "webpush",
        /// A native iOS wrapper: an APNs device token.
        Apns = "apns",
        /// A native Android wrapper: an FCM registration token.
        Fcm = "fcm",
        /// Sync only, no pushes.
        None = "none",
    }
}

/// Where a device's pushes go, checked: a Web Push subscription (an
/// endpoint and its two keys) or a native token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushAddress {
    WebPush(WebPushSubscription),
    /// An APNs or FCM token.
    Token(String),
    None,
}

/// A browser's push subscription as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebPushSubscription {
    pub endpoint: String,
    /// The browser's P-256 public key, base64url (65 bytes).
    pub p256dh: String,
    /// The authentication secret, base64url (16 bytes).
    pub auth: String,
}

/// The longest endpoint or token accepted (browsers' endpoints are a few
/// hundred characters; FCM tokens under 200).
pub const MAX_ADDRESS: usize = 2048;

impl WebPushSubscription {
    /// Checks a subscription; plain `http://` endpoints only when
    /// `allow_http` (tests and the demo).
    pub fn parse(
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        allow_http: bool,
    ) -> Result<Self, Vec<(&'static str, FieldError)>> {
        let mut errors = Vec::new();
        let endpoint = endpoint.trim();
        if endpoint.is_empty() {
            errors.push(("subscription.endpoint", FieldError::Required));
        } else if endpoint.len() > MAX_ADDRESS {
            errors.push(("subscription.endpoint", FieldError::TooLong { max: MAX_ADDRESS }));
        } else if !valid_endpoint(endpoint, allow_http) {
            errors.push(("subscription.endpoint", FieldError::InvalidFormat));
        }
        // 65 bytes are 87 base64url characters (88 padded); 16 bytes 22 (24).
        if let Err(e) = base64url_of(p256dh, 65) {
            errors.push(("subscription.keys.p256dh", e));
        }
        if let Err(e) = base64url_of(auth, 16) {
            errors.push(("subscription.keys.auth", e));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self { endpoint: endpoint.to_owned(), p256dh: p256dh.to_owned(), auth: auth.to_owned() })
    }
}

fn valid_endpoint(endpoint: &str, allow_http: bool) -> bool {
    let rest = match endpoint.strip_prefix("https://") {
        Some(rest) => rest,
        None if allow_http => match endpoint.strip_prefix("http://") {
            Some(rest) => rest,
            None => return false,
        },
        None => return false,
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !host.contains('@') && endpoint.chars().all(|c| c.is_ascii_graphic())
}

/// Whether `raw` is base64url (padded or not) of exactly `bytes` bytes.
fn base64url_of(raw: &str, bytes: usize) -> Result<(), FieldError> {
    let raw = raw.trim_end_matches('=');
    if raw.is_empty() {
        return Err(FieldError::Required);
    }
    let alphabet = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !raw.chars().all(alphabet) || raw.len() != (bytes * 4).div_ceil(3) {
        return Err(FieldError::InvalidFormat);
    }
    Ok(())
}

/// Checks a native push token (APNs: hex; FCM: printable, no spaces).
pub fn parse_token(platform: Platform, raw: &str) -> Result<String, FieldError> {
    let token = raw.trim();
    if token.is_empty() {
        return Err(FieldError::Required);
    }
    if token.len() > MAX_ADDRESS {
        return Err(FieldError::TooLong { max: MAX_ADDRESS });
    }
    let fits = match platform {
        Platform::Apns => token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()),
        _ => token.chars().all(|c| c.is_ascii_graphic()),
    };
    if !fits {
        return Err(FieldError::InvalidFormat);
    }
    Ok(token.to_owned())
}

code_enum! {
    /// What became of one offline change.
    MutationStatus {
        /// Applied now.
        Applied = "applied",
        /// Sent before and answered then; the answer is repeated, nothing
        /// changes.
        Duplicate = "duplicate",
        /// The thing changed meanwhile so that the change no longer fits
        /// (the ticket was reassigned, cancelled, already moved on); the
        /// answer carries the server's current state.
        Conflict = "conflict",
        /// Not acceptable whatever the state (no right, a malformed change).
        Rejected = "rejected",
    }
}

/// Where a batch of numbered changes stands against what was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqCheck {
    /// Applied before: answer as then.
    Seen,
    /// The next one: apply it.
    Next,
    /// Changes before it are missing: the device must send from `expected`.
    Gap { expected: i64 },
}

/// Places change number `seq` against the last applied number `applied`.
pub const fn check_seq(applied: i64, seq: i64) -> SeqCheck {
    if seq <= applied {
        SeqCheck::Seen
    } else if seq == applied + 1 {
        SeqCheck::Next
    } else {
        SeqCheck::Gap { expected: applied + 1 }
    }
}

code_enum! {
    /// What a push tells a person (its payload's `kind`).
    PushKind {
        /// A ticket was given to me.
        TicketAssigned = "ticket.assigned",
        /// A ticket I held was given to someone else or to nobody.
        TicketUnassigned = "ticket.unassigned",
        /// A ticket I hold was cancelled or rejected.
        TicketCancelled = "ticket.cancelled",
        /// A ticket I hold came back to work (the resident was not satisfied).
        TicketReopened = "ticket.reopened",
        /// The deadline of a ticket I hold is near.
        SlaWarning = "ticket.sla_warning",
        /// A request I filed (a resident) moved on: taken into work, done,
        /// put on hold, cancelled… (`detail` is the new status's code).
        TicketStatusChanged = "ticket.status_changed",
        /// A guest I invited (a resident) was let in (`detail` is the
        /// guest's name; no ticket).
        VisitorArrived = "visit.arrived",
        /// A request I filed (a resident) is done: rate it. Said instead
        /// of `ticket.status_changed` once per ticket, and not more often
        /// than [`RATING_REQUEST_EVERY`] per person.
        RatingRequested = "ticket.rate_request",
        /// A survey I may answer (a resident) was published (`detail` is
        /// its title; no ticket).
        SurveyPublished = "survey.published",
        /// A survey I was asked and have not answered is still running:
        /// a reminder (`detail` is its title; no ticket).
        SurveyReminder = "survey.reminder",
        /// An outage where I live (a resident) was registered or is over
        /// (`detail` is the notice's title; no ticket).
        OutageNotice = "outage.notice",
        /// A mailing sent to me by push (a resident): `detail` is its
        /// subject, `text` the start of its words; no ticket. Sent per
        /// person, not per device (see `store::devices::enqueue_person`).
        Mailing = "mailing",
    }
}

/// A resident is asked to rate done work at most this often; between two
/// requests their done tickets say only their new status (the ticket's
/// page still offers the rating).
pub const RATING_REQUEST_EVERY: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// One push to one person's devices, decided from an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushNotice {
    pub user: UserId,
    pub kind: PushKind,
    pub ticket_id: Option<TicketId>,
    /// The ticket's number as it was said (empty without a ticket).
    pub number: String,
    /// What else the kind says (see [`PushKind`]).
    pub detail: Option<String>,
}

/// What `event` tells whom on their phones. Only what a person must know
/// away from a screen: work given or taken away, cancelled, reopened, a
/// deadline near; for a resident, their request's new status and their
/// guest's arrival. Nobody is told of their own move (a moved ticket its
/// holder still holds is none of these; a resident confirming their own
/// request's work hears nothing).
pub fn push_notices(event: &Event) -> Vec<PushNotice> {
    let notice = |user, kind, ticket_id, number: &str| PushNotice {
        user,
        kind,
        ticket_id: Some(ticket_id),
        number: number.to_owned(),
        detail: None,
    };
    match event {
        Event::TicketCreated(s, _) => {
            s.assignee_id.map(|u| notice(u, PushKind::TicketAssigned, s.id, &s.number)).into_iter().collect()
        }
        Event::TicketUpdated(s, audience) => {
            let mut out = Vec::new();
            let ended = matches!(s.status, TicketStatus::Cancelled | TicketStatus::Rejected);
            if let Some(previous) = audience.previous_assignee.filter(|p| Some(*p) != s.assignee_id) {
                let kind = if ended { PushKind::TicketCancelled } else { PushKind::TicketUnassigned };
                out.push(notice(previous, kind, s.id, &s.number));
            }
            if let Some(holder) = s.assignee_id {
                let kind = if audience.newly_assigned {
                    Some(PushKind::TicketAssigned)
                } else {
                    match s.status {
                        _ if ended => Some(PushKind::TicketCancelled),
                        TicketStatus::Reopened => Some(PushKind::TicketReopened),
                        _ => None,
                    }
                };
                out.extend(kind.map(|kind| notice(holder, kind, s.id, &s.number)));
            }
            if let Some(resident) = audience.resident.filter(|r| audience.status_changed && audience.actor != Some(*r))
            {
                out.push(PushNotice {
                    detail: Some(s.status.code().to_owned()),
                    ..notice(resident, PushKind::TicketStatusChanged, s.id, &s.number)
                });
            }
            out
        }
        Event::VisitArrived(v) => v
            .host_user
            .map(|host| PushNotice {
                user: host,
                kind: PushKind::VisitorArrived,
                ticket_id: None,
                number: String::new(),
                detail: Some(v.visitor_name.clone()),
            })
            .into_iter()
            .collect(),
        Event::TicketSla(n) if n.state == SlaState::Warning => {
            n.assignee.map(|u| notice(u, PushKind::SlaWarning, n.ticket_id, &n.number)).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Audience, SlaNotice};
    use crate::ids::BuildingId;
    use crate::ticket::{Command, Description, Intake, Priority, SummaryNames, Ticket, TicketSource, TicketSummary};

    fn ticket(assignee: Option<UserId>) -> Ticket {
        let intake = Intake {
            source: TicketSource::Phone,
            building_id: BuildingId::new(),
            unit_id: None,
            client_id: None,
            contact_name: None,
            contact_phone: None,
            location: None,
            place_id: None,
            category_id: None,
            problem_id: None,
            priority: Priority::Normal,
            description: Description::parse("Течёт кран на кухне").unwrap(),
            assignee_id: assignee,
            team_id: None,
            created_by: None,
        };
        Ticket::file(intake, 2026, chrono::Utc::now()).0
    }

    fn updated(t: &Ticket, previous_assignee: Option<UserId>, newly_assigned: bool) -> Event {
        let audience = Audience { previous_assignee, newly_assigned, ..Audience::default() };
        Event::TicketUpdated(TicketSummary::of(t, SummaryNames::default()), audience)
    }

    fn kinds(event: &Event) -> Vec<(UserId, PushKind)> {
        push_notices(event).into_iter().map(|n| (n.user, n.kind)).collect()
    }

    #[test]
    fn work_given_taken_away_or_cancelled_reaches_the_phones_concerned() {
        let (petrov, ivanov) = (UserId::new(), UserId::new());
        let filed = ticket(Some(petrov));
        let created = Event::TicketCreated(TicketSummary::of(&filed, SummaryNames::default()), Audience::default());
        assert_eq!(kinds(&created), [(petrov, PushKind::TicketAssigned)]);
        assert!(
            kinds(&Event::TicketCreated(
                TicketSummary::of(&ticket(None), SummaryNames::default()),
                Audience::default()
            ))
            .is_empty()
        );

        // Given to Ivanov: Ivanov is told, Petrov learns it left him.
        let now = chrono::Utc::now();
        let moved = filed.apply(Command::Assign { to: Some(ivanov) }, now).unwrap().ticket;
        assert_eq!(
            kinds(&updated(&moved, Some(petrov), true)),
            [(petrov, PushKind::TicketUnassigned), (ivanov, PushKind::TicketAssigned)]
        );
        // The holder's own move tells nobody.
        let started = moved
            .apply(Command::Move { to: TicketStatus::InProgress, reason: None, hold_reason: None }, now)
            .unwrap()
            .ticket;
        assert!(kinds(&updated(&started, None, false)).is_empty());
        // Cancelled while held: the holder is told.
        let reason = Some(crate::ticket::parse_reason("Дубль").unwrap());
        let cancelled =
            moved.apply(Command::Move { to: TicketStatus::Cancelled, reason, hold_reason: None }, now).unwrap().ticket;
        assert_eq!(kinds(&updated(&cancelled, None, false)), [(ivanov, PushKind::TicketCancelled)]);
    }

    #[test]
    fn a_deadline_near_tells_the_holder_and_nothing_else_does() {
        let holder = UserId::new();
        let sla = |state, assignee| {
            Event::TicketSla(SlaNotice {
                ticket_id: TicketId::new(),
                number: "2026-000001".to_owned(),
                state,
                building_id: None,
                assignee,
            })
        };
        assert_eq!(kinds(&sla(SlaState::Warning, Some(holder))), [(holder, PushKind::SlaWarning)]);
        assert!(kinds(&sla(SlaState::Breached, Some(holder))).is_empty());
        assert!(kinds(&sla(SlaState::Warning, None)).is_empty());
        assert!(kinds(&Event::AccessChanged { user_id: holder }).is_empty());
    }

    #[test]
    fn a_resident_hears_of_their_requests_moves_and_their_guests_but_not_of_their_own_moves() {
        let (resident, technician) = (UserId::new(), UserId::new());
        let now = chrono::Utc::now();
        let filed = ticket(Some(technician));
        let started = filed
            .apply(Command::Move { to: TicketStatus::InProgress, reason: None, hold_reason: None }, now)
            .unwrap()
            .ticket;
        let change = |t: &Ticket, status_changed, actor| {
            let audience = Audience { resident: Some(resident), status_changed, actor, ..Audience::default() };
            Event::TicketUpdated(TicketSummary::of(t, SummaryNames::default()), audience)
        };
        let told = push_notices(&change(&started, true, Some(technician)));
        assert_eq!(told.len(), 1);
        assert_eq!((told[0].user, told[0].kind), (resident, PushKind::TicketStatusChanged));
        assert_eq!(told[0].detail.as_deref(), Some("in_progress"));
        assert_eq!(told[0].ticket_id, Some(started.id));
        // A comment or a new holder is not a new status; the resident's
        // own move (confirming the work) tells them nothing.
        assert!(kinds(&change(&started, false, Some(technician))).is_empty());
        assert!(kinds(&change(&started, true, Some(resident))).is_empty());
        // A timer's move (no person) is told.
        assert_eq!(kinds(&change(&started, true, None)), [(resident, PushKind::TicketStatusChanged)]);

        let arrival = |host_user| {
            Event::VisitArrived(crate::event::VisitNotice {
                id: crate::ids::VisitId::new(),
                pass_id: crate::ids::PassId::new(),
                building_id: BuildingId::new(),
                unit_id: None,
                unit_label: Some("кв. 45".to_owned()),
                kind: "guest".to_owned(),
                visitor_name: "Сидоров Пётр".to_owned(),
                plate: None,
                arrived_at: now,
                departed_at: None,
                marked_by: "Охрана".to_owned(),
                host_user,
            })
        };
        let told = push_notices(&arrival(Some(resident)));
        assert_eq!(told.len(), 1);
        assert_eq!((told[0].user, told[0].kind, told[0].ticket_id), (resident, PushKind::VisitorArrived, None));
        assert_eq!(told[0].detail.as_deref(), Some("Сидоров Пётр"));
        assert!(push_notices(&arrival(None)).is_empty(), "a pass the office issued has no one to tell");
    }

    const P256DH: &str = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
    const AUTH: &str = "tBHItJI5svbpez7KI4CCXg";

    #[test]
    fn a_browser_subscription_is_read_with_its_keys() {
        let s = WebPushSubscription::parse("https://fcm.googleapis.com/fcm/send/abc", P256DH, AUTH, false).unwrap();
        assert_eq!(s.endpoint, "https://fcm.googleapis.com/fcm/send/abc");
        assert!(
            WebPushSubscription::parse("https://push.example/x", &format!("{P256DH}="), &format!("{AUTH}=="), false)
                .is_ok()
        );
    }

    #[test]
    fn plain_http_endpoints_only_where_allowed() {
        let refused = WebPushSubscription::parse("http://127.0.0.1:9/push", P256DH, AUTH, false).unwrap_err();
        assert_eq!(refused, vec![("subscription.endpoint", FieldError::InvalidFormat)]);
        assert!(WebPushSubscription::parse("http://127.0.0.1:9/push", P256DH, AUTH, true).is_ok());
        for bad in ["ftp://x/y", "https://", "https://user@host/x", "https://host/a b", "javascript:alert(1)"] {
            assert!(WebPushSubscription::parse(bad, P256DH, AUTH, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_of_the_wrong_size_are_named() {
        let errors = WebPushSubscription::parse("https://push.example/x", &P256DH[1..], "", false).unwrap_err();
        assert_eq!(
            errors,
            vec![
                ("subscription.keys.p256dh", FieldError::InvalidFormat),
                ("subscription.keys.auth", FieldError::Required)
            ]
        );
        let not_base64 = WebPushSubscription::parse("https://push.example/x", P256DH, "tBHItJI5svbpez7KI4CC+g", false);
        assert_eq!(not_base64.unwrap_err(), vec![("subscription.keys.auth", FieldError::InvalidFormat)]);
    }

    #[test]
    fn native_tokens_are_checked_per_platform() {
        let apns = "a".repeat(64);
        assert_eq!(parse_token(Platform::Apns, &apns), Ok(apns.clone()));
        assert_eq!(parse_token(Platform::Apns, "not-hex-token"), Err(FieldError::InvalidFormat));
        assert_eq!(parse_token(Platform::Fcm, "dXk:APA91b-token_1"), Ok("dXk:APA91b-token_1".to_owned()));
        assert_eq!(parse_token(Platform::Fcm, "two words"), Err(FieldError::InvalidFormat));
        assert_eq!(parse_token(Platform::Fcm, " "), Err(FieldError::Required));
        assert_eq!(
            parse_token(Platform::Fcm, &"x".repeat(MAX_ADDRESS + 1)),
            Err(FieldError::TooLong { max: MAX_ADDRESS })
        );
    }

    #[test]
    fn changes_are_placed_against_the_last_applied() {
        assert_eq!(check_seq(0, 1), SeqCheck::Next);
        assert_eq!(check_seq(5, 3), SeqCheck::Seen);
        assert_eq!(check_seq(5, 5), SeqCheck::Seen);
        assert_eq!(check_seq(5, 6), SeqCheck::Next);
        assert_eq!(check_seq(5, 9), SeqCheck::Gap { expected: 6 });
        assert_eq!(check_seq(0, 0), SeqCheck::Seen);
    }

    #[test]
    fn platforms_and_statuses_read_back() {
        for p in [Platform::Webpush, Platform::Apns, Platform::Fcm, Platform::None] {
            assert_eq!(p.code().parse::<Platform>(), Ok(p));
        }
        assert_eq!("".parse::<Platform>(), Err(FieldError::Unknown));
        for s in
            [MutationStatus::Applied, MutationStatus::Duplicate, MutationStatus::Conflict, MutationStatus::Rejected]
        {
            assert_eq!(s.code().parse::<MutationStatus>(), Ok(s));
        }
    }
}
