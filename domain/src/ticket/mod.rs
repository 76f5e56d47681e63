//! Tickets (обращения / заявки): numbers, sources, priorities and the
//! workflow every layer obeys.
//!
//! The workflow is decided here, not in the UI: `new → accepted → assigned →
//! in progress ⇄ on hold → done → closed`, with `reopened` after done or
//! closed, and `rejected` / `cancelled` (with a reason) as ends. Which
//! permission a move needs comes from [`Transition::permission`]; whether the
//! person holds it there comes from the policy.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, bounded_text};
use crate::permission::Permission;

mod history;
mod summary;
mod workflow;

pub use history::{FromTo, HistoryChange, HistoryEntry};
pub use summary::{SummaryNames, TicketSummary};
pub use workflow::{Applied, Command, Intake, LowRating, Pause};

/// A ticket's human number: year and a number within it, `2026-000123`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber {
    pub year: i32,
    pub seq: i64,
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:06}", self.year, self.seq)
    }
}

impl Serialize for TicketNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for TicketNumber {
    type Err = FieldError;

    /// Reads `2026-000123`, `2026-123` or `2026/123`.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let (year, seq) = raw.trim().split_once(['-', '/']).ok_or(FieldError::InvalidFormat)?;
        let year: i32 = year.parse().map_err(|_| FieldError::InvalidFormat)?;
        let seq: i64 = seq.parse().map_err(|_| FieldError::InvalidFormat)?;
        if !(2000..=2999).contains(&year) || seq < 1 {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self { year, seq })
    }
}

code_enum! {
    /// Where a ticket came from.
    TicketSource {
        Phone = "phone",
        ResidentApp = "resident_app",
        WebCabinet = "web_cabinet",
        Email = "email",
        WalkIn = "walk_in",
        Staff = "staff",
    }
}

code_enum! {
    /// How urgent a ticket is.
    Priority {
        Normal = "normal",
        High = "high",
        /// An accident: water, electricity, gas, a stuck lift with people.
        Emergency = "emergency",
    }
}

code_enum! {
    /// Where a ticket is in its workflow.
    TicketStatus {
        New = "new",
        Accepted = "accepted",
        Assigned = "assigned",
        InProgress = "in_progress",
        OnHold = "on_hold",
        Done = "done",
        Closed = "closed",
        Reopened = "reopened",
        Rejected = "rejected",
        Cancelled = "cancelled",
    }
}

code_enum! {
    /// Why a ticket waits.
    HoldReason {
        /// The resident must answer or let the technician in: the SLA
        /// clock stops.
        WaitingClient = "waiting_client",
        /// Parts or a contractor are awaited: the clock runs on.
        WaitingParts = "waiting_parts",
    }
}

code_enum! {
    /// What a photo from the staff app shows: the place before the work,
    /// the work done, or the resident's signature confirming it.
    PhotoStage {
        Before = "before",
        After = "after",
        Signature = "signature",
    }
}

impl TicketSource {
    /// Whether a resident may file through this source themselves: from
    /// their app, their cabinet or by mail, never "by phone" or "walk-in"
    /// (those are staff writing down what a resident said).
    pub const fn open_to_residents(self) -> bool {
        matches!(self, Self::ResidentApp | Self::WebCabinet | Self::Email)
    }
}

impl TicketStatus {
    /// Rejected and cancelled tickets go nowhere.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Rejected | Self::Cancelled)
    }

    /// Still to be worked on (the board's default view).
    pub const fn is_open(self) -> bool {
        !matches!(self, Self::Done | Self::Closed | Self::Rejected | Self::Cancelled)
    }

    /// Someone on the company's side has reacted (ends the response clock).
    pub const fn is_responded(self) -> bool {
        !matches!(self, Self::New)
    }

    /// The columns of the board, in workflow order.
    pub const BOARD: &'static [TicketStatus] =
        &[Self::New, Self::Reopened, Self::Accepted, Self::Assigned, Self::InProgress, Self::OnHold, Self::Done];
}

/// A move of a ticket from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: TicketStatus,
    pub to: TicketStatus,
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("a ticket cannot go from {from} to {to}")]
    NotAllowed { from: TicketStatus, to: TicketStatus },
    #[error("rejecting or cancelling needs a reason")]
    ReasonRequired,
    #[error("putting on hold needs a hold reason")]
    HoldReasonRequired,
    #[error("an assigned ticket needs an assignee")]
    AssigneeRequired,
    #[error("the ticket is already {0}")]
    Unchanged(TicketStatus),
    /// Only a done or closed ticket may be rated, and only once.
    #[error("the ticket cannot be rated now")]
    NotRateable,
    /// Only an assigned ticket that waits for its assignee's visit (not in
    /// progress, not finished) can be set off to.
    #[error("nobody can set off to a ticket that is {0}")]
    CannotSetOff(TicketStatus),
}

impl WorkflowError {
    /// The stable code in API errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAllowed { .. } => "transition_not_allowed",
            Self::ReasonRequired => "reason_required",
            Self::HoldReasonRequired => "hold_reason_required",
            Self::AssigneeRequired => "assignee_required",
            Self::Unchanged(_) => "status_unchanged",
            Self::NotRateable => "not_rateable",
            Self::CannotSetOff(_) => "cannot_set_off",
        }
    }
}

impl Transition {
    /// Whether the workflow allows this move at all.
    pub fn is_allowed(self) -> bool {
        use TicketStatus::*;
        matches!(
            (self.from, self.to),
            (New, Accepted | Assigned | InProgress | Rejected | Cancelled)
                | (Accepted, Assigned | InProgress | OnHold | Rejected | Cancelled)
                | (Assigned, Accepted | InProgress | OnHold | Cancelled)
                | (InProgress, OnHold | Done | Assigned)
                | (OnHold, InProgress | Assigned | Cancelled)
                | (Done, Closed | Reopened)
                | (Closed, Reopened)
                | (Reopened, Accepted | Assigned | InProgress | Rejected | Cancelled)
        )
    }

    /// The permission the move needs: ending a ticket (closing, rejecting,
    /// cancelling) is a separate right from moving it along.
    pub fn permission(self) -> Permission {
        match self.to {
            TicketStatus::Closed | TicketStatus::Rejected | TicketStatus::Cancelled => Permission::TicketsClose,
            TicketStatus::Assigned => Permission::TicketsAssign,
            _ => Permission::TicketsTransition,
        }
    }
}

/// What a transition request carries besides the target status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionInput {
    pub reason: Option<String>,
    pub hold_reason: Option<HoldReason>,
    /// Whether the ticket has (or gets, with this move) an assignee.
    pub has_assignee: bool,
}

/// Checks a move against the workflow and its requirements.
pub fn check_transition(
    from: TicketStatus,
    to: TicketStatus,
    input: &TransitionInput,
) -> Result<Transition, WorkflowError> {
    if from == to {
        return Err(WorkflowError::Unchanged(from));
    }
    let transition = Transition { from, to };
    if !transition.is_allowed() {
        return Err(WorkflowError::NotAllowed { from, to });
    }
    match to {
        TicketStatus::Rejected | TicketStatus::Cancelled
            if input.reason.as_deref().is_none_or(|r| r.trim().is_empty()) =>
        {
            Err(WorkflowError::ReasonRequired)
        }
        TicketStatus::OnHold if input.hold_reason.is_none() => Err(WorkflowError::HoldReasonRequired),
        TicketStatus::Assigned | TicketStatus::InProgress if !input.has_assignee => {
            Err(WorkflowError::AssigneeRequired)
        }
        _ => Ok(transition),
    }
}

/// A resident may cancel their own ticket until work on it has started.
pub fn resident_may_cancel(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::New | TicketStatus::Accepted | TicketStatus::Reopened)
}

/// A ticket's description: 3 to 4000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Description(String);

impl Description {
    pub const MIN: usize = 3;
    pub const MAX: usize = 4000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, Self::MIN, Self::MAX).map(Self)
    }

    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A comment: 1 to 4000 characters.
pub fn parse_comment(raw: &str) -> Result<String, FieldError> {
    bounded_text(raw, 1, 4000)
}

/// A reason for rejecting, cancelling or holding: 1 to 500 characters.
pub fn parse_reason(raw: &str) -> Result<String, FieldError> {
    bounded_text(raw, 1, 500)
}

/// A contact name for an unknown caller: 1 to 120 characters.
pub fn parse_contact_name(raw: &str) -> Result<String, FieldError> {
    bounded_text(raw, 1, 120)
}

/// Where exactly, in words: "кв. 45", "подъезд 2, 5 этаж". 1 to 200 characters.
pub fn parse_location(raw: &str) -> Result<String, FieldError> {
    bounded_text(raw, 1, 200)
}

/// A resident's rating of finished work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Rating(u8);

impl Rating {
    /// The best rating, 5.
    pub const TOP: Rating = Rating(5);

    pub fn parse(value: i64) -> Result<Self, FieldError> {
        u8::try_from(value).ok().filter(|v| (1..=5).contains(v)).map(Self).ok_or(FieldError::InvalidFormat)
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// 1 and 2 are complaints: the ticket is reopened or flagged.
    pub fn is_low(self) -> bool {
        self.0 <= 2
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn numbers_print_with_six_digits_and_parse_loosely() {
        let number = TicketNumber { year: 2026, seq: 123 };
        assert_eq!(number.to_string(), "2026-000123");
        assert_eq!("2026-000123".parse::<TicketNumber>(), Ok(number));
        assert_eq!("2026/123".parse::<TicketNumber>(), Ok(number));
        assert!("26-1".parse::<TicketNumber>().is_err());
        assert!("2026-0".parse::<TicketNumber>().is_err());
        assert!("заявка".parse::<TicketNumber>().is_err());
    }

    #[test]
    fn ending_a_ticket_needs_a_reason_and_holding_needs_a_hold_reason() {
        let none = TransitionInput { has_assignee: true, ..TransitionInput::default() };
        assert_eq!(
            check_transition(TicketStatus::New, TicketStatus::Rejected, &none),
            Err(WorkflowError::ReasonRequired)
        );
        let reason = TransitionInput { reason: Some("дубль".into()), ..none };
        assert!(check_transition(TicketStatus::New, TicketStatus::Rejected, &reason).is_ok());
        assert_eq!(
            check_transition(TicketStatus::InProgress, TicketStatus::OnHold, &none),
            Err(WorkflowError::HoldReasonRequired)
        );
        assert_eq!(
            check_transition(TicketStatus::New, TicketStatus::Assigned, &TransitionInput::default()),
            Err(WorkflowError::AssigneeRequired)
        );
    }

    #[test]
    fn ended_tickets_go_nowhere_and_done_ones_only_close_or_reopen() {
        for to in TicketStatus::ALL {
            assert!(!Transition { from: TicketStatus::Rejected, to: *to }.is_allowed());
            assert!(!Transition { from: TicketStatus::Cancelled, to: *to }.is_allowed());
        }
        let from_done: Vec<_> = TicketStatus::ALL
            .iter()
            .filter(|to| Transition { from: TicketStatus::Done, to: **to }.is_allowed())
            .collect();
        assert_eq!(from_done, vec![&TicketStatus::Closed, &TicketStatus::Reopened]);
    }

    #[test]
    fn closing_and_cancelling_need_the_close_permission() {
        let t = |from, to| Transition { from, to }.permission();
        assert_eq!(t(TicketStatus::Done, TicketStatus::Closed), Permission::TicketsClose);
        assert_eq!(t(TicketStatus::New, TicketStatus::Cancelled), Permission::TicketsClose);
        assert_eq!(t(TicketStatus::Assigned, TicketStatus::InProgress), Permission::TicketsTransition);
        assert_eq!(t(TicketStatus::New, TicketStatus::Assigned), Permission::TicketsAssign);
    }

    /// A ticket's state as the workflow sees it.
    #[derive(Debug, Clone)]
    struct State {
        status: TicketStatus,
        hold: Option<HoldReason>,
        reason: Option<String>,
        assignee: bool,
    }

    fn apply(state: &State, to: TicketStatus, input: &TransitionInput) -> Option<State> {
        let has_assignee = state.assignee || input.has_assignee;
        let input = TransitionInput { has_assignee, ..input.clone() };
        check_transition(state.status, to, &input).ok()?;
        Some(State {
            status: to,
            hold: if to == TicketStatus::OnHold { input.hold_reason } else { None },
            reason: if matches!(to, TicketStatus::Rejected | TicketStatus::Cancelled) {
                input.reason
            } else {
                state.reason.clone()
            },
            assignee: has_assignee,
        })
    }

    proptest! {
        /// Whatever allowed moves happen, in any order, the ticket never
        /// reaches an invalid state: held tickets have a hold reason, ended
        /// ones a reason, tickets in work an assignee, and nothing leaves
        /// an end state.
        #[test]
        fn no_sequence_of_allowed_moves_reaches_an_invalid_state(
            moves in proptest::collection::vec(
                (proptest::sample::select(TicketStatus::ALL.to_vec()),
                 proptest::option::of(proptest::sample::select(HoldReason::ALL.to_vec())),
                 proptest::option::of("[а-я]{0,5}"),
                 any::<bool>()),
                0..40),
        ) {
            let mut state = State { status: TicketStatus::New, hold: None, reason: None, assignee: false };
            for (to, hold_reason, reason, assign) in moves {
                let input = TransitionInput { reason, hold_reason, has_assignee: assign };
                let before = state.status;
                if let Some(next) = apply(&state, to, &input) {
                    prop_assert!(!before.is_terminal(), "left an end state {before}");
                    state = next;
                }
                prop_assert_eq!(state.status == TicketStatus::OnHold, state.hold.is_some());
                if state.status.is_terminal() {
                    prop_assert!(state.reason.as_deref().is_some_and(|r| !r.trim().is_empty()));
                }
                if matches!(state.status, TicketStatus::Assigned | TicketStatus::InProgress) {
                    prop_assert!(state.assignee);
                }
            }
        }
    }
}

/// Where a ticket stands against its SLA, as stored with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketSla {
    pub policy_id: Option<crate::ids::SlaPolicyId>,
    pub state: crate::sla::SlaState,
    pub response_due: Option<chrono::DateTime<chrono::Utc>>,
    pub resolution_due: Option<chrono::DateTime<chrono::Utc>>,
    /// When the state next changes by itself (timers arm on it).
    pub next_change: Option<chrono::DateTime<chrono::Utc>>,
    pub used_minutes: i64,
}

impl TicketSla {
    pub fn none() -> Self {
        Self {
            policy_id: None,
            state: crate::sla::SlaState::None,
            response_due: None,
            resolution_due: None,
            next_change: None,
            used_minutes: 0,
        }
    }
}

/// A ticket.
///
/// Its workflow state (status, hold and end reasons, assignee, the moments
/// it was answered, resolved and closed, the resident's rating) is private:
/// it changes only through [`Ticket::apply`], which enforces the workflow,
/// or is restored from storage with [`Ticket::from_parts`]. Descriptive
/// fields (where, what, how urgent) are plain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    pub id: crate::ids::TicketId,
    pub number: TicketNumber,
    pub source: TicketSource,
    pub building_id: crate::ids::BuildingId,
    pub unit_id: Option<crate::ids::UnitId>,
    pub client_id: Option<crate::ids::ClientId>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<crate::contact::Phone>,
    /// Where exactly, in words (an apartment, an entrance, a floor).
    pub location: Option<String>,
    pub place_id: Option<crate::ids::ClassifierId>,
    pub category_id: Option<crate::ids::ClassifierId>,
    pub problem_id: Option<crate::ids::ClassifierId>,
    pub priority: Priority,
    pub description: Description,
    pub team_id: Option<crate::ids::TeamId>,
    pub created_by: Option<crate::ids::UserId>,
    /// Bumped by every save; a save naming an older version is refused.
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Derived from the timeline and the policy; set after every change.
    pub sla: TicketSla,
    status: TicketStatus,
    hold_reason: Option<HoldReason>,
    /// Why it was rejected or cancelled.
    end_reason: Option<String>,
    assignee_id: Option<crate::ids::UserId>,
    /// When the assignee set off to the ticket («в пути»); cleared when the
    /// ticket moves on or changes hands.
    en_route_at: Option<chrono::DateTime<chrono::Utc>>,
    responded_at: Option<chrono::DateTime<chrono::Utc>>,
    resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    closed_at: Option<chrono::DateTime<chrono::Utc>>,
    rating: Option<Rating>,
    rating_comment: Option<String>,
    rated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Marked for attention (a low rating, a complaint).
    flagged: bool,
}

/// Every field of a ticket, for storage to restore one
/// ([`Ticket::from_parts`]) without re-checking what was checked when it
/// was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketParts {
    pub id: crate::ids::TicketId,
    pub number: TicketNumber,
    pub source: TicketSource,
    pub building_id: crate::ids::BuildingId,
    pub unit_id: Option<crate::ids::UnitId>,
    pub client_id: Option<crate::ids::ClientId>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<crate::contact::Phone>,
    pub location: Option<String>,
    pub place_id: Option<crate::ids::ClassifierId>,
    pub category_id: Option<crate::ids::ClassifierId>,
    pub problem_id: Option<crate::ids::ClassifierId>,
    pub priority: Priority,
    pub description: Description,
    pub team_id: Option<crate::ids::TeamId>,
    pub created_by: Option<crate::ids::UserId>,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub sla: TicketSla,
    pub status: TicketStatus,
    pub hold_reason: Option<HoldReason>,
    pub end_reason: Option<String>,
    pub assignee_id: Option<crate::ids::UserId>,
    pub en_route_at: Option<chrono::DateTime<chrono::Utc>>,
    pub responded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub rating: Option<Rating>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub flagged: bool,
}

impl Ticket {
    /// What the policy checks a ticket against: its building, and the
    /// resident who created it.
    pub fn target(&self) -> crate::policy::Target {
        let target = crate::policy::Target::building(self.building_id);
        match self.created_by {
            Some(owner) => target.owned_by(owner),
            None => target,
        }
    }

    /// Restores a stored ticket (storage, and the demo's history, which
    /// writes states the workflow produced).
    pub fn from_parts(p: TicketParts) -> Ticket {
        Ticket {
            id: p.id,
            number: p.number,
            source: p.source,
            building_id: p.building_id,
            unit_id: p.unit_id,
            client_id: p.client_id,
            contact_name: p.contact_name,
            contact_phone: p.contact_phone,
            location: p.location,
            place_id: p.place_id,
            category_id: p.category_id,
            problem_id: p.problem_id,
            priority: p.priority,
            description: p.description,
            team_id: p.team_id,
            created_by: p.created_by,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
            sla: p.sla,
            status: p.status,
            hold_reason: p.hold_reason,
            end_reason: p.end_reason,
            assignee_id: p.assignee_id,
            en_route_at: p.en_route_at,
            responded_at: p.responded_at,
            resolved_at: p.resolved_at,
            closed_at: p.closed_at,
            rating: p.rating,
            rating_comment: p.rating_comment,
            rated_at: p.rated_at,
            flagged: p.flagged,
        }
    }

    /// Every field, for storage and for tests that build states directly.
    pub fn into_parts(self) -> TicketParts {
        TicketParts {
            id: self.id,
            number: self.number,
            source: self.source,
            building_id: self.building_id,
            unit_id: self.unit_id,
            client_id: self.client_id,
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
            location: self.location,
            place_id: self.place_id,
            category_id: self.category_id,
            problem_id: self.problem_id,
            priority: self.priority,
            description: self.description,
            team_id: self.team_id,
            created_by: self.created_by,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            sla: self.sla,
            status: self.status,
            hold_reason: self.hold_reason,
            end_reason: self.end_reason,
            assignee_id: self.assignee_id,
            en_route_at: self.en_route_at,
            responded_at: self.responded_at,
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
            rating: self.rating,
            rating_comment: self.rating_comment,
            rated_at: self.rated_at,
            flagged: self.flagged,
        }
    }

    pub fn status(&self) -> TicketStatus {
        self.status
    }

    pub fn hold_reason(&self) -> Option<HoldReason> {
        self.hold_reason
    }

    /// Why it was rejected or cancelled.
    pub fn end_reason(&self) -> Option<&str> {
        self.end_reason.as_deref()
    }

    pub fn assignee_id(&self) -> Option<crate::ids::UserId> {
        self.assignee_id
    }

    /// When the assignee set off to the ticket, while they are on their
    /// way (cleared by the next move or a new assignee).
    pub fn en_route_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.en_route_at
    }

    /// When someone on the company's side first reacted.
    pub fn responded_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.responded_at
    }

    /// When the work was done (cleared by a reopen).
    pub fn resolved_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.resolved_at
    }

    /// When it was closed, rejected or cancelled.
    pub fn closed_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.closed_at
    }

    pub fn rating(&self) -> Option<Rating> {
        self.rating
    }

    pub fn rating_comment(&self) -> Option<&str> {
        self.rating_comment.as_deref()
    }

    pub fn rated_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.rated_at
    }

    /// Marked for a manager's attention (a low rating kept closed).
    pub fn flagged(&self) -> bool {
        self.flagged
    }
}
