//! Telephone calls: their life (ringing, answered, ended), how it ends,
//! and the caller's number as a PBX sends it.
//!
//! A PBX reports a call in pieces that may arrive out of order or twice (a
//! bridge retries a POST; a hang-up overtakes the ringing on another
//! connection). [`CallTimes`] folds the pieces in any order into one state:
//! each fact is kept once (the first ringing, the first answer, the first
//! end), so a repeated piece changes nothing and the call is counted once.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::contact::Phone;

code_enum! {
    /// Which way a call goes.
    CallDirection {
        /// A resident (or anyone) calls the company.
        In = "in",
        /// Someone of the company calls out.
        Out = "out",
    }
}

code_enum! {
    /// Where a call is now.
    CallState {
        Ringing = "ringing",
        Answered = "answered",
        Ended = "ended",
    }
}

code_enum! {
    /// How a call ended.
    CallResult {
        /// Somebody talked.
        Answered = "answered",
        /// It rang and nobody answered (the caller gave up, the queue
        /// timed out, or it went elsewhere).
        Missed = "missed",
        /// The line was busy.
        Busy = "busy",
        /// Refused by us (a blocked number).
        Rejected = "rejected",
        /// The network could not connect it.
        Failed = "failed",
    }
}

code_enum! {
    /// Why a call ended, in Zammad's words (its generic CTI `cause`).
    HangupCause {
        NormalClearing = "normalClearing",
        Busy = "busy",
        Cancel = "cancel",
        NoAnswer = "noAnswer",
        Congestion = "congestion",
        NotFound = "notFound",
        Forwarded = "forwarded",
    }
}

/// A missed inbound call must be called back within this long (ПП РФ
/// №416: an unanswered call is returned within 10 minutes).
pub const CALLBACK_WITHIN: Duration = Duration::minutes(10);
/// ПП РФ №416: a call is answered within 5 minutes.
pub const ANSWER_WITHIN: Duration = Duration::minutes(5);

/// The facts of one call, folded from the PBX's events in any order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallTimes {
    /// When it started ringing (or, before the ringing arrived, the first
    /// thing we heard of it).
    pub started_at: DateTime<Utc>,
    /// Whether the ringing itself was seen (a hang-up may come first).
    pub rang: bool,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub cause: Option<HangupCause>,
    /// Refused at the ringing (a blocked number).
    pub rejected: bool,
}

impl CallTimes {
    /// A call first heard of at `at` by its ringing.
    pub fn ringing(at: DateTime<Utc>) -> Self {
        Self { started_at: at, rang: true, answered_at: None, ended_at: None, cause: None, rejected: false }
    }

    /// A call first heard of by a later piece (answer or hang-up).
    pub fn unseen(at: DateTime<Utc>) -> Self {
        Self { rang: false, ..Self::ringing(at) }
    }

    pub fn state(&self) -> CallState {
        if self.ended_at.is_some() {
            CallState::Ended
        } else if self.answered_at.is_some() {
            CallState::Answered
        } else {
            CallState::Ringing
        }
    }

    /// How it ended; `None` while it goes on.
    pub fn result(&self) -> Option<CallResult> {
        self.ended_at?;
        Some(if self.rejected {
            CallResult::Rejected
        } else if self.answered_at.is_some() {
            CallResult::Answered
        } else {
            match self.cause {
                Some(HangupCause::Busy) => CallResult::Busy,
                Some(HangupCause::Congestion | HangupCause::NotFound) => CallResult::Failed,
                _ => CallResult::Missed,
            }
        })
    }

    /// The ringing arrived (perhaps after other pieces): the start moves to
    /// it. Returns whether anything changed.
    pub fn on_ringing(&mut self, at: DateTime<Utc>) -> bool {
        if self.rang {
            return false;
        }
        self.rang = true;
        self.started_at = self.started_at.min(at);
        true
    }

    /// Someone answered. A second answer, or an answer after the end that
    /// is later than the end, changes nothing.
    pub fn on_answer(&mut self, at: DateTime<Utc>) -> bool {
        if self.answered_at.is_some() || self.rejected {
            return false;
        }
        let at = at.max(self.started_at);
        // An answer earlier than the end was overtaken by the hang-up: the
        // call was answered after all. One later than the end cannot be.
        if self.ended_at.is_some_and(|ended| at > ended) {
            return false;
        }
        self.answered_at = Some(at);
        true
    }

    /// The call ended. Only the first end counts.
    pub fn on_hangup(&mut self, at: DateTime<Utc>, cause: Option<HangupCause>) -> bool {
        if self.ended_at.is_some() {
            return false;
        }
        let at = at.max(self.started_at);
        self.ended_at = Some(at);
        self.cause = cause;
        // An answer reported as later than the end cannot be.
        if self.answered_at.is_some_and(|answered| answered > at) {
            self.answered_at = Some(at);
        }
        true
    }

    /// Refused at the ringing: ended at once.
    pub fn reject(&mut self, at: DateTime<Utc>) {
        self.rejected = true;
        self.answered_at = None;
        self.ended_at = Some(at.max(self.started_at));
    }

    /// From the ringing to the answer (or to the end, unanswered).
    pub fn waiting(&self) -> Option<Duration> {
        let until = self.answered_at.or(self.ended_at)?;
        Some(until - self.started_at)
    }

    /// From the answer to the end.
    pub fn talking(&self) -> Option<Duration> {
        Some(self.ended_at? - self.answered_at?)
    }

    /// Whether an inbound call with these facts needs calling back.
    pub fn needs_callback(&self, direction: CallDirection) -> bool {
        direction == CallDirection::In && matches!(self.result(), Some(CallResult::Missed | CallResult::Busy))
    }
}

/// Longest caller id or dialled number we keep as sent.
pub const NUMBER_MAX: usize = 64;

/// The caller's number as a PBX sends it, read as a phone when it is one:
/// `+7…`, `8…`, `7…`, ten digits, or any of them behind a one-digit trunk
/// prefix (`9`, `0`) or a `tel:`/`sip:` scheme. `anonymous`, empty,
/// internal extensions and garbage are `None`.
pub fn caller_phone(raw: &str) -> Option<Phone> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > NUMBER_MAX {
        return None;
    }
    let raw = raw.strip_prefix("tel:").or_else(|| raw.strip_prefix("sip:")).unwrap_or(raw);
    let raw = raw.split('@').next().unwrap_or(raw);
    if let Ok(phone) = Phone::parse(raw) {
        return Some(phone);
    }
    let plus = raw.starts_with('+');
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if plus || digits.len() < 11 {
        return None;
    }
    // A trunk prefix before a full national number: 9 8912…, 0 8912….
    let rest = digits.strip_prefix(['9', '0'])?;
    (rest.len() == 11).then(|| Phone::parse(rest).ok()).flatten()
}

/// A PBX's own id of a call: printable, bounded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PbxCallId(String);

impl PbxCallId {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FieldError::Required);
        }
        if raw.len() > Self::MAX {
            return Err(FieldError::TooLong { max: Self::MAX });
        }
        if raw.chars().any(char::is_control) {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PbxCallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn an_answered_call_goes_ringing_answered_ended() {
        let mut call = CallTimes::ringing(at(0));
        assert_eq!(call.state(), CallState::Ringing);
        assert!(call.on_answer(at(7)));
        assert_eq!(call.state(), CallState::Answered);
        assert!(call.on_hangup(at(67), Some(HangupCause::NormalClearing)));
        assert_eq!(call.state(), CallState::Ended);
        assert_eq!(call.result(), Some(CallResult::Answered));
        assert_eq!(call.waiting(), Some(Duration::seconds(7)));
        assert_eq!(call.talking(), Some(Duration::seconds(60)));
        assert!(!call.needs_callback(CallDirection::In));
    }

    #[test]
    fn causes_decide_the_result_of_an_unanswered_call() {
        let cases = [
            (HangupCause::Cancel, CallResult::Missed),
            (HangupCause::NoAnswer, CallResult::Missed),
            (HangupCause::Forwarded, CallResult::Missed),
            (HangupCause::NormalClearing, CallResult::Missed),
            (HangupCause::Busy, CallResult::Busy),
            (HangupCause::Congestion, CallResult::Failed),
            (HangupCause::NotFound, CallResult::Failed),
        ];
        for (cause, result) in cases {
            let mut call = CallTimes::ringing(at(0));
            call.on_hangup(at(20), Some(cause));
            assert_eq!(call.result(), Some(result), "{cause}");
        }
        let mut missed = CallTimes::ringing(at(0));
        missed.on_hangup(at(30), Some(HangupCause::Cancel));
        assert!(missed.needs_callback(CallDirection::In));
        assert!(!missed.needs_callback(CallDirection::Out));
    }

    #[test]
    fn a_hang_up_before_the_ringing_still_ends_one_call() {
        let mut call = CallTimes::unseen(at(30));
        assert!(call.on_hangup(at(30), Some(HangupCause::Cancel)));
        assert!(call.on_ringing(at(0)));
        assert_eq!(call.started_at, at(0));
        assert_eq!(call.state(), CallState::Ended);
        assert_eq!(call.result(), Some(CallResult::Missed));
        // Repeats change nothing.
        assert!(!call.on_ringing(at(1)));
        assert!(!call.on_hangup(at(40), Some(HangupCause::NormalClearing)));
        assert_eq!(call.ended_at, Some(at(30)));
    }

    #[test]
    fn an_answer_overtaken_by_its_hang_up_still_counts() {
        let mut call = CallTimes::ringing(at(0));
        call.on_hangup(at(90), Some(HangupCause::NormalClearing));
        assert!(call.on_answer(at(10)));
        assert_eq!(call.result(), Some(CallResult::Answered));
        // An "answer" after the end is not believed.
        let mut late = CallTimes::ringing(at(0));
        late.on_hangup(at(20), Some(HangupCause::Cancel));
        assert!(!late.on_answer(at(25)));
        assert_eq!(late.result(), Some(CallResult::Missed));
    }

    #[test]
    fn a_rejected_call_is_rejected_whatever_follows() {
        let mut call = CallTimes::ringing(at(0));
        call.reject(at(0));
        assert!(!call.on_answer(at(3)));
        assert!(!call.on_hangup(at(4), Some(HangupCause::NormalClearing)));
        assert_eq!(call.result(), Some(CallResult::Rejected));
        assert!(!call.needs_callback(CallDirection::In));
    }

    #[test]
    fn caller_ids_are_read_in_every_form_a_pbx_sends() {
        for raw in [
            "+79123456789",
            "79123456789",
            "89123456789",
            "9123456789",
            "989123456789",
            "089123456789",
            "tel:+79123456789",
            "sip:89123456789@pbx.local",
            " 8 (912) 345-67-89 ",
        ] {
            assert_eq!(caller_phone(raw).map(|p| p.e164().to_owned()).as_deref(), Some("+79123456789"), "{raw}");
        }
        for raw in ["", "anonymous", "101", "Unknown", "+", "99999999999999999999999999"] {
            assert_eq!(caller_phone(raw), None, "{raw}");
        }
    }

    #[test]
    fn pbx_call_ids_are_bounded_and_printable() {
        assert!(PbxCallId::parse("1700000000.42").is_ok());
        assert_eq!(PbxCallId::parse(" "), Err(FieldError::Required));
        assert!(PbxCallId::parse(&"x".repeat(201)).is_err());
        assert_eq!(PbxCallId::parse("a\nb"), Err(FieldError::InvalidFormat));
    }

    fn piece() -> impl Strategy<Value = (u8, i64, Option<HangupCause>)> {
        (0u8..3, 0i64..300, proptest::option::of(proptest::sample::select(HangupCause::ALL.to_vec())))
    }

    proptest! {
        /// Whatever the order, repeats included, the same pieces fold into
        /// the same call.
        #[test]
        fn order_and_repeats_do_not_change_the_outcome(
            pieces in proptest::collection::vec(piece(), 1..8),
            seed in any::<u64>(),
        ) {
            let fold = |pieces: &[(u8, i64, Option<HangupCause>)]| {
                let mut call: Option<CallTimes> = None;
                for &(kind, second, cause) in pieces {
                    let t = at(second);
                    let c = call.get_or_insert_with(|| if kind == 0 { CallTimes::ringing(t) } else { CallTimes::unseen(t) });
                    match kind {
                        0 => { c.on_ringing(t); }
                        1 => { c.on_answer(t); }
                        _ => { c.on_hangup(t, cause); }
                    }
                }
                call.map(|c| (c.state(), c.result().is_some(), c.ended_at.is_some()))
            };
            let mut shuffled = pieces.clone();
            let mut doubled = pieces.clone();
            doubled.extend(pieces.iter().copied());
            // A deterministic shuffle from the seed.
            let len = shuffled.len();
            for i in (1..len).rev() {
                let j = (seed.wrapping_mul(i as u64 + 7) % (i as u64 + 1)) as usize;
                shuffled.swap(i, j);
            }
            let (a, b, c) = (fold(&pieces), fold(&shuffled), fold(&doubled));
            prop_assert_eq!(a.map(|x| x.0), b.map(|x| x.0));
            prop_assert_eq!(a, c);
        }
    }
}
