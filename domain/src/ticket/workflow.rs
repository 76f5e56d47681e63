//! Every change of a ticket's workflow state, in one place.
//!
//! [`Ticket::apply`] takes what someone asks ([`Command`]) and the moment,
//! and answers what changes ([`Applied`]: the ticket after, its history
//! entry, what happens to the SLA pause) or why not ([`WorkflowError`]).
//! Who may ask is the policy's question, answered before; what the SLA
//! then says needs the policy and calendar and is set by the caller
//! ([`Applied::set_sla`]). Storage only saves what comes out.

use chrono::{DateTime, Utc};

use super::{
    Description, HistoryChange, HoldReason, Priority, Rating, Ticket, TicketNumber, TicketSla, TicketSource,
    TicketStatus, TransitionInput, WorkflowError, check_transition,
};
use crate::contact::Phone;
use crate::ids::{BuildingId, ClassifierId, ClientId, TeamId, TicketId, UnitId, UserId};
use crate::ticket::FromTo;

/// What happens to a finished ticket rated low (1 or 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowRating {
    /// Back to work: the ticket is reopened.
    Reopen,
    /// Marked for a manager's attention; it closes as usual.
    Flag,
}

/// What someone asks of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Move through the workflow; a reason to reject or cancel, a hold
    /// reason to hold.
    Move { to: TicketStatus, reason: Option<String>, hold_reason: Option<HoldReason> },
    /// Give the ticket to someone, or take it from them.
    Assign { to: Option<UserId> },
    /// Change how urgent it is and what it is about; `None` leaves a field
    /// as it is, `Some(None)` clears a classifier item.
    Classify {
        priority: Option<Priority>,
        category: Option<Option<ClassifierId>>,
        place: Option<Option<ClassifierId>>,
        problem: Option<Option<ClassifierId>>,
    },
    /// The resident rates finished work.
    Rate { rating: Rating, comment: Option<String>, on_low: LowRating },
    /// Someone on the company's side answered the resident (a public
    /// comment): the response clock stops if it still ran.
    Respond,
    /// The assignee sets off to the ticket («в пути»): the resident and the
    /// dispatcher see that someone is coming. The next move (starting the
    /// work, most often) or a new assignee ends it.
    SetOff,
}

/// What becomes of the waiting-for-the-client pause (it stops the SLA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pause {
    Unchanged,
    Start,
    End,
}

/// What a command changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The ticket after the change (its version is the one it was read at;
    /// storage bumps it when saving).
    pub ticket: Ticket,
    /// The history entry, `None` when the command changed nothing a person
    /// would look for (an answer that stopped the response clock).
    pub history: Option<HistoryChange>,
    pub pause: Pause,
    /// Who held the ticket before, when the assignee changed (their queue
    /// hears of it too).
    pub previous_assignee: Option<UserId>,
}

impl Applied {
    /// Whether the command left the ticket as it was.
    pub fn is_noop(&self, before: &Ticket) -> bool {
        self.ticket == *before
    }

    /// Sets the SLA evaluated for the changed ticket; a classification's
    /// history entry records where the SLA went.
    pub fn set_sla(&mut self, sla: TicketSla) {
        if let Some(HistoryChange::Classified { sla_state, .. }) = &mut self.history {
            sla_state.to = sla.state;
        }
        self.ticket.sla = sla;
    }
}

/// A new ticket, as intake has checked it.
#[derive(Debug, Clone)]
pub struct Intake {
    pub source: TicketSource,
    pub building_id: BuildingId,
    pub unit_id: Option<UnitId>,
    pub client_id: Option<ClientId>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<Phone>,
    pub location: Option<String>,
    pub place_id: Option<ClassifierId>,
    pub category_id: Option<ClassifierId>,
    pub problem_id: Option<ClassifierId>,
    pub priority: Priority,
    pub description: Description,
    /// Who the assignment rule gave it to, and their team.
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub created_by: Option<UserId>,
}

impl Ticket {
    /// A ticket filed now: new, or assigned when a rule named someone. The
    /// number's sequence is taken when it is stored.
    pub fn file(intake: Intake, year: i32, now: DateTime<Utc>) -> (Ticket, HistoryChange) {
        let status = if intake.assignee_id.is_some() { TicketStatus::Assigned } else { TicketStatus::New };
        let ticket = Ticket {
            id: TicketId::new(),
            number: TicketNumber { year, seq: 0 },
            source: intake.source,
            building_id: intake.building_id,
            unit_id: intake.unit_id,
            client_id: intake.client_id,
            contact_name: intake.contact_name,
            contact_phone: intake.contact_phone,
            location: intake.location,
            place_id: intake.place_id,
            category_id: intake.category_id,
            problem_id: intake.problem_id,
            priority: intake.priority,
            description: intake.description,
            team_id: intake.team_id,
            created_by: intake.created_by,
            version: 1,
            created_at: now,
            updated_at: now,
            sla: TicketSla::none(),
            status,
            hold_reason: None,
            end_reason: None,
            assignee_id: intake.assignee_id,
            en_route_at: None,
            responded_at: None,
            resolved_at: None,
            closed_at: None,
            rating: None,
            rating_comment: None,
            rated_at: None,
            flagged: false,
        };
        let history = HistoryChange::Created { status, assignee_id: ticket.assignee_id, source: ticket.source };
        (ticket, history)
    }

    /// Whether the ticket waits for its assignee to come: accepted,
    /// assigned, reopened or on hold, neither in progress nor finished.
    pub fn awaits_visit(&self) -> bool {
        matches!(
            self.status,
            TicketStatus::Accepted | TicketStatus::Assigned | TicketStatus::Reopened | TicketStatus::OnHold
        )
    }

    /// Whether [`Command::SetOff`] would change something now.
    pub fn may_set_off(&self) -> bool {
        self.awaits_visit() && self.assignee_id.is_some() && self.en_route_at.is_none()
    }

    /// Applies `command` at `now`: the one place the workflow state changes.
    pub fn apply(&self, command: Command, now: DateTime<Utc>) -> Result<Applied, WorkflowError> {
        let mut next = self.clone();
        let applied = |next: Ticket, history: Option<HistoryChange>, pause: Pause| Applied {
            previous_assignee: (next.assignee_id != self.assignee_id).then_some(self.assignee_id).flatten(),
            ticket: next,
            history,
            pause,
        };
        match command {
            Command::Move { to, reason, hold_reason } => {
                let input =
                    TransitionInput { reason: reason.clone(), hold_reason, has_assignee: self.assignee_id.is_some() };
                check_transition(self.status, to, &input)?;
                let mut pause = Pause::Unchanged;
                if self.status == TicketStatus::OnHold && self.hold_reason == Some(HoldReason::WaitingClient) {
                    pause = Pause::End;
                }
                next.status = to;
                next.updated_at = now;
                next.en_route_at = None;
                if next.responded_at.is_none() && to != TicketStatus::New {
                    next.responded_at = Some(now);
                }
                next.hold_reason = None;
                match to {
                    TicketStatus::OnHold => {
                        next.hold_reason = hold_reason;
                        if hold_reason == Some(HoldReason::WaitingClient) {
                            pause = Pause::Start;
                        }
                    }
                    TicketStatus::Done => next.resolved_at = Some(now),
                    TicketStatus::Closed => next.closed_at = Some(now),
                    TicketStatus::Reopened => {
                        next.resolved_at = None;
                        next.closed_at = None;
                    }
                    TicketStatus::Rejected | TicketStatus::Cancelled => {
                        next.end_reason = reason.clone();
                        next.closed_at = Some(now);
                    }
                    _ => {}
                }
                let history = HistoryChange::Status { from: self.status, to, reason, hold_reason };
                Ok(applied(next, Some(history), pause))
            }
            Command::Assign { to } => {
                if !self.status.is_open() {
                    return Err(WorkflowError::NotAllowed { from: self.status, to: TicketStatus::Assigned });
                }
                match (to, self.status) {
                    (Some(_), TicketStatus::New | TicketStatus::Accepted | TicketStatus::Reopened) => {
                        next.status = TicketStatus::Assigned;
                    }
                    (None, TicketStatus::Assigned) => next.status = TicketStatus::Accepted,
                    (None, TicketStatus::InProgress) => return Err(WorkflowError::AssigneeRequired),
                    _ => {}
                }
                if to != self.assignee_id {
                    next.en_route_at = None;
                }
                next.assignee_id = to;
                next.updated_at = now;
                next.responded_at = next.responded_at.or(Some(now));
                let history = HistoryChange::Assigned { from: self.assignee_id, to, status: next.status };
                Ok(applied(next, Some(history), Pause::Unchanged))
            }
            Command::Classify { priority, category, place, problem } => {
                if let Some(priority) = priority {
                    next.priority = priority;
                }
                if let Some(category) = category {
                    next.category_id = category;
                }
                if let Some(place) = place {
                    next.place_id = place;
                }
                if let Some(problem) = problem {
                    next.problem_id = problem;
                }
                if next == *self {
                    return Ok(applied(next, None, Pause::Unchanged));
                }
                next.updated_at = now;
                let history = HistoryChange::Classified {
                    priority: FromTo::new(self.priority, next.priority),
                    category_id: FromTo::new(self.category_id, next.category_id),
                    problem_id: FromTo::new(self.problem_id, next.problem_id),
                    sla_state: FromTo::new(self.sla.state, self.sla.state),
                };
                Ok(applied(next, Some(history), Pause::Unchanged))
            }
            Command::Rate { rating, comment, on_low } => {
                if !matches!(self.status, TicketStatus::Done | TicketStatus::Closed) || self.rating.is_some() {
                    return Err(WorkflowError::NotRateable);
                }
                next.rating = Some(rating);
                next.rating_comment = comment.clone();
                next.rated_at = Some(now);
                next.updated_at = now;
                if rating.is_low() && on_low == LowRating::Reopen {
                    // Done → reopened and closed → reopened are both moves
                    // the workflow allows.
                    next.status = TicketStatus::Reopened;
                    next.resolved_at = None;
                    next.closed_at = None;
                } else {
                    next.flagged = rating.is_low();
                    if next.status == TicketStatus::Done {
                        next.status = TicketStatus::Closed;
                        next.closed_at = Some(now);
                    }
                }
                let history = HistoryChange::Rating { rating: rating.value(), comment, status: next.status };
                Ok(applied(next, Some(history), Pause::Unchanged))
            }
            Command::Respond => {
                if next.responded_at.is_none() {
                    next.responded_at = Some(now);
                    next.updated_at = now;
                }
                Ok(applied(next, None, Pause::Unchanged))
            }
            Command::SetOff => {
                if !self.awaits_visit() {
                    return Err(WorkflowError::CannotSetOff(self.status));
                }
                if self.assignee_id.is_none() {
                    return Err(WorkflowError::AssigneeRequired);
                }
                if self.en_route_at.is_some() {
                    // Already on the way: a second tap (or a replayed
                    // offline change) changes nothing.
                    return Ok(applied(next, None, Pause::Unchanged));
                }
                next.en_route_at = Some(now);
                next.updated_at = now;
                next.responded_at = next.responded_at.or(Some(now));
                Ok(applied(next, Some(HistoryChange::SetOff), Pause::Unchanged))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn filed(assignee: Option<UserId>) -> Ticket {
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
        Ticket::file(intake, 2026, Utc::now()).0
    }

    fn moved(to: TicketStatus) -> Command {
        Command::Move { to, reason: None, hold_reason: None }
    }

    #[test]
    fn the_assignee_sets_off_once_and_the_next_move_ends_the_way() {
        let now = Utc::now();
        let unassigned = filed(None);
        assert_eq!(unassigned.apply(Command::SetOff, now), Err(WorkflowError::CannotSetOff(TicketStatus::New)));
        let accepted = unassigned.apply(moved(TicketStatus::Accepted), now).unwrap().ticket;
        assert_eq!(accepted.apply(Command::SetOff, now), Err(WorkflowError::AssigneeRequired));
        let who = UserId::new();
        let ticket = filed(Some(who));
        let set_off = ticket.apply(Command::SetOff, now).unwrap();
        assert_eq!(set_off.ticket.en_route_at(), Some(now));
        assert_eq!(set_off.history, Some(HistoryChange::SetOff));
        assert_eq!(set_off.ticket.status(), TicketStatus::Assigned);
        // A second tap, or the offline copy of the first, changes nothing.
        let again = set_off.ticket.apply(Command::SetOff, now + chrono::Duration::minutes(1)).unwrap();
        assert!(again.is_noop(&set_off.ticket));
        let started = set_off.ticket.apply(moved(TicketStatus::InProgress), now).unwrap();
        assert_eq!(started.ticket.en_route_at(), None);
        assert_eq!(
            started.ticket.apply(Command::SetOff, now),
            Err(WorkflowError::CannotSetOff(TicketStatus::InProgress))
        );
        // Someone else takes the ticket: the first one's way is over.
        let handed = set_off.ticket.apply(Command::Assign { to: Some(UserId::new()) }, now).unwrap();
        assert_eq!(handed.ticket.en_route_at(), None);
        let kept = set_off.ticket.apply(Command::Assign { to: Some(who) }, now).unwrap();
        assert_eq!(kept.ticket.en_route_at(), Some(now));
    }

    #[test]
    fn a_ticket_filed_with_an_assignee_starts_assigned() {
        assert_eq!(filed(None).status(), TicketStatus::New);
        assert_eq!(filed(Some(UserId::new())).status(), TicketStatus::Assigned);
    }

    #[test]
    fn work_needs_an_assignee_and_assigning_moves_a_new_ticket() {
        let now = Utc::now();
        let ticket = filed(None);
        assert_eq!(ticket.apply(moved(TicketStatus::InProgress), now), Err(WorkflowError::AssigneeRequired));
        let who = UserId::new();
        let assigned = ticket.apply(Command::Assign { to: Some(who) }, now).unwrap();
        assert_eq!(assigned.ticket.status(), TicketStatus::Assigned);
        assert_eq!(assigned.ticket.responded_at(), Some(now));
        assert_eq!(
            assigned.history,
            Some(HistoryChange::Assigned { from: None, to: Some(who), status: TicketStatus::Assigned })
        );
        let started = assigned.ticket.apply(moved(TicketStatus::InProgress), now).unwrap();
        assert_eq!(started.ticket.apply(Command::Assign { to: None }, now), Err(WorkflowError::AssigneeRequired));
    }

    #[test]
    fn holding_for_the_client_pauses_and_resuming_ends_the_pause() {
        let now = Utc::now();
        let ticket = filed(Some(UserId::new())).apply(moved(TicketStatus::InProgress), now).unwrap().ticket;
        let hold =
            Command::Move { to: TicketStatus::OnHold, reason: None, hold_reason: Some(HoldReason::WaitingClient) };
        let held = ticket.apply(hold, now).unwrap();
        assert_eq!(held.pause, Pause::Start);
        let resumed = held.ticket.apply(moved(TicketStatus::InProgress), now).unwrap();
        assert_eq!(resumed.pause, Pause::End);
        assert_eq!(resumed.ticket.hold_reason(), None);
    }

    #[test]
    fn a_low_rating_reopens_through_the_workflow_or_flags() {
        let now = Utc::now();
        let done = filed(Some(UserId::new()))
            .apply(moved(TicketStatus::InProgress), now)
            .and_then(|a| a.ticket.apply(moved(TicketStatus::Done), now))
            .unwrap()
            .ticket;
        let low = Rating::parse(1).unwrap();
        let reopened =
            done.apply(Command::Rate { rating: low, comment: None, on_low: LowRating::Reopen }, now).unwrap();
        assert_eq!(reopened.ticket.status(), TicketStatus::Reopened);
        assert_eq!(reopened.ticket.resolved_at(), None);
        let flagged = done.apply(Command::Rate { rating: low, comment: None, on_low: LowRating::Flag }, now).unwrap();
        assert_eq!(flagged.ticket.status(), TicketStatus::Closed);
        assert!(flagged.ticket.flagged());
        assert_eq!(
            flagged.ticket.apply(Command::Rate { rating: low, comment: None, on_low: LowRating::Flag }, now),
            Err(WorkflowError::NotRateable)
        );
        assert_eq!(
            filed(None).apply(Command::Rate { rating: low, comment: None, on_low: LowRating::Flag }, now),
            Err(WorkflowError::NotRateable)
        );
    }

    #[test]
    fn ended_tickets_cannot_be_assigned() {
        let now = Utc::now();
        let cancelled = filed(None)
            .apply(Command::Move { to: TicketStatus::Cancelled, reason: Some("дубль".into()), hold_reason: None }, now)
            .unwrap()
            .ticket;
        assert_eq!(cancelled.end_reason(), Some("дубль"));
        assert!(matches!(
            cancelled.apply(Command::Assign { to: Some(UserId::new()) }, now),
            Err(WorkflowError::NotAllowed { .. })
        ));
    }

    fn command() -> impl Strategy<Value = Command> {
        let status = proptest::sample::select(TicketStatus::ALL.to_vec());
        let hold = proptest::option::of(proptest::sample::select(HoldReason::ALL.to_vec()));
        let reason = proptest::option::of("[а-я]{0,4}");
        prop_oneof![
            (status, reason, hold).prop_map(|(to, reason, hold_reason)| Command::Move { to, reason, hold_reason }),
            any::<bool>().prop_map(|some| Command::Assign { to: some.then(UserId::new) }),
            (1i64..=5, any::<bool>()).prop_map(|(r, reopen)| Command::Rate {
                rating: Rating::parse(r).unwrap(),
                comment: None,
                on_low: if reopen { LowRating::Reopen } else { LowRating::Flag },
            }),
            Just(Command::Respond),
        ]
    }

    proptest! {
        /// Whatever commands come, in any order, the ticket never reaches
        /// an invalid state: held tickets have a hold reason, work in
        /// progress an assignee, nothing leaves an end state, done tickets
        /// know when they were resolved, and the history entry says where
        /// the ticket went.
        #[test]
        fn no_sequence_of_commands_reaches_an_invalid_state(commands in proptest::collection::vec(command(), 0..40)) {
            let now = Utc::now();
            let mut ticket = filed(None);
            for command in commands {
                let before = ticket.status();
                if let Ok(applied) = ticket.apply(command, now) {
                    let after = applied.ticket.status();
                    prop_assert!(!before.is_terminal() || after == before, "left an end state {before}");
                    // Every status change is a move the workflow graph allows.
                    prop_assert!(after == before || super::super::Transition { from: before, to: after }.is_allowed(), "{before} -> {after}");
                    if let Some(HistoryChange::Status { to, .. } | HistoryChange::Assigned { status: to, .. }) = &applied.history {
                        prop_assert_eq!(*to, applied.ticket.status());
                    }
                    ticket = applied.ticket;
                }
                let status = ticket.status();
                prop_assert_eq!(status == TicketStatus::OnHold, ticket.hold_reason().is_some());
                if matches!(status, TicketStatus::Assigned | TicketStatus::InProgress) {
                    prop_assert!(ticket.assignee_id().is_some());
                }
                if status == TicketStatus::Done {
                    prop_assert!(ticket.resolved_at().is_some());
                }
                if status.is_terminal() {
                    prop_assert!(ticket.end_reason().is_some_and(|r| !r.trim().is_empty()));
                }
            }
        }
    }
}
