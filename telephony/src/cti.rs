//! Zammad's generic CTI events, exactly as its PBX bridges send them.
//!
//! A bridge POSTs one event per request, form-encoded (the usual) or JSON:
//!
//! | field | meaning |
//! |---|---|
//! | `event` | `newCall`, `answer` or `hangup` |
//! | `callId` | the PBX's id of the call (required) |
//! | `direction` | `in` or `out` (default `in`) |
//! | `from`, `to` | the numbers, as the PBX has them |
//! | `user[]` / `user` | who it rings at (one or many), or who answered |
//! | `queue` | the queue it came through |
//! | `answeringNumber` | the extension that answered |
//! | `cause` | why it ended (`normalClearing`, `busy`, `cancel`, `noAnswer`, `congestion`, `notFound`, `forwarded`) |
//!
//! Zammad answers `newCall` with `{}`, or `{"action":"reject","reason":"busy"}`
//! for a blocked number; [`answer`] gives the same.

use chrono::{DateTime, Utc};
use serde_json::Value;

use domovoy_app::calls::{CallSignal, SignalKind, Verdict};
use domovoy_domain::call::{CallDirection, HangupCause, PbxCallId};

/// Why an event was refused (the door answers 400 and stores nothing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CtiError {
    #[error("the body is neither form-encoded nor a JSON object")]
    Body,
    #[error("`{0}` is missing")]
    Missing(&'static str),
    #[error("`{field}` is not valid: {value:?}")]
    Invalid { field: &'static str, value: String },
}

impl CtiError {
    fn invalid(field: &'static str, value: &str) -> Self {
        Self::Invalid { field, value: value.chars().take(40).collect() }
    }
}

/// Most fields one event may carry (a bridge sends about ten).
const FIELDS_MAX: usize = 100;

/// Reads one event. `json` when the request said `application/json`;
/// otherwise the body is form-encoded. `now` is when it arrived (Zammad's
/// events carry no time of their own).
pub fn parse(body: &[u8], json: bool, now: DateTime<Utc>) -> Result<CallSignal, CtiError> {
    let pairs = if json { json_pairs(body)? } else { form_pairs(body)? };
    if pairs.len() > FIELDS_MAX {
        return Err(CtiError::Body);
    }
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    let event = one("event").ok_or(CtiError::Missing("event"))?;
    let call_id = one("callId").ok_or(CtiError::Missing("callId"))?;
    let call_id = PbxCallId::parse(call_id).map_err(|_| CtiError::invalid("callId", call_id))?;
    let kind = match event {
        "newCall" => SignalKind::Ringing,
        "answer" => SignalKind::Answered,
        "hangup" => {
            // A cause this version does not know still ends the call; how
            // it ended is then told by whether it was answered.
            SignalKind::Ended(one("cause").and_then(|c| c.parse::<HangupCause>().ok()))
        }
        other => return Err(CtiError::invalid("event", other)),
    };
    let direction = match one("direction") {
        None | Some("in") => CallDirection::In,
        Some("out") => CallDirection::Out,
        Some(other) => return Err(CtiError::invalid("direction", other)),
    };
    let users: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "user[]" || k == "user")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    let signal = CallSignal {
        kind,
        call_id,
        direction,
        from: one("from").unwrap_or_default().to_owned(),
        to: one("to").unwrap_or_default().to_owned(),
        queue: one("queue").map(str::to_owned),
        users,
        answering: one("answeringNumber").map(str::to_owned),
        recording_url: None,
        at: now,
    };
    signal.validate().map_err(|errors| {
        let field = errors.iter().next().map_or("event", |(field, _)| field);
        CtiError::Invalid { field, value: String::new() }
    })?;
    Ok(signal)
}

fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, CtiError> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).map_err(|_| CtiError::Body)
}

/// A JSON object's fields as pairs; `user` may be a string or an array.
fn json_pairs(body: &[u8]) -> Result<Vec<(String, String)>, CtiError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err(CtiError::Body);
    };
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut pairs = Vec::with_capacity(map.len());
    for (key, value) in &map {
        match value {
            Value::Array(items) if key == "user" || key == "user[]" => {
                for item in items {
                    pairs.push((key.clone(), scalar(item).ok_or(CtiError::Body)?));
                }
            }
            Value::Null => {}
            other => pairs.push((key.clone(), scalar(other).ok_or(CtiError::Body)?)),
        }
    }
    Ok(pairs)
}

/// The JSON body Zammad answers with.
pub fn answer(kind: SignalKind, verdict: Verdict) -> Value {
    match (kind, verdict) {
        (SignalKind::Ringing, Verdict::Reject) => serde_json::json!({ "action": "reject", "reason": "busy" }),
        _ => serde_json::json!({}),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn a_form_encoded_new_call_with_several_users() {
        let body = b"event=newCall&from=89123456789&to=4951234567&direction=in&callId=17.42&user%5B%5D=alice&user%5B%5D=101&queue=support";
        let signal = parse(body, false, now()).unwrap();
        assert_eq!(signal.kind, SignalKind::Ringing);
        assert_eq!(signal.call_id.as_str(), "17.42");
        assert_eq!(signal.direction, CallDirection::In);
        assert_eq!(signal.from, "89123456789");
        assert_eq!(signal.users, ["alice", "101"]);
        assert_eq!(signal.queue.as_deref(), Some("support"));
    }

    #[test]
    fn json_events_with_one_user_or_many() {
        let one = br#"{"event":"answer","callId":"x1","direction":"in","from":"+79123456789","to":"100","user":"bob","answeringNumber":"101"}"#;
        let signal = parse(one, true, now()).unwrap();
        assert_eq!(signal.kind, SignalKind::Answered);
        assert_eq!(signal.users, ["bob"]);
        assert_eq!(signal.answering.as_deref(), Some("101"));
        let many = br#"{"event":"hangup","callId":"x1","cause":"busy","user":["a","b"]}"#;
        let signal = parse(many, true, now()).unwrap();
        assert_eq!(signal.kind, SignalKind::Ended(Some(HangupCause::Busy)));
        assert_eq!(signal.users, ["a", "b"]);
    }

    #[test]
    fn every_cause_is_read() {
        for cause in HangupCause::ALL {
            let body = format!("event=hangup&callId=1&cause={}", cause.code());
            assert_eq!(parse(body.as_bytes(), false, now()).unwrap().kind, SignalKind::Ended(Some(*cause)));
        }
        // A cause from a newer bridge still ends the call.
        assert_eq!(
            parse(b"event=hangup&callId=1&cause=answeredElsewhere", false, now()).unwrap().kind,
            SignalKind::Ended(None)
        );
    }

    #[test]
    fn malformed_events_are_refused() {
        assert_eq!(parse(b"from=1&callId=2", false, now()), Err(CtiError::Missing("event")));
        assert_eq!(parse(b"event=newCall", false, now()), Err(CtiError::Missing("callId")));
        assert!(matches!(parse(b"event=ring&callId=1", false, now()), Err(CtiError::Invalid { field: "event", .. })));
        assert!(matches!(
            parse(b"event=newCall&callId=1&direction=sideways", false, now()),
            Err(CtiError::Invalid { field: "direction", .. })
        ));
        assert_eq!(parse(b"[1,2]", true, now()), Err(CtiError::Body));
        assert_eq!(parse(b"{not json", true, now()), Err(CtiError::Body));
        assert_eq!(parse(br#"{"event":{"a":1},"callId":"1"}"#, true, now()), Err(CtiError::Body));
        let long = format!("event=newCall&callId=1&from={}", "9".repeat(500));
        assert!(matches!(parse(long.as_bytes(), false, now()), Err(CtiError::Invalid { field: "from", .. })));
    }

    #[test]
    fn new_calls_of_blocked_numbers_are_answered_as_zammad_does() {
        assert_eq!(
            answer(SignalKind::Ringing, Verdict::Reject),
            serde_json::json!({"action":"reject","reason":"busy"})
        );
        assert_eq!(answer(SignalKind::Ringing, Verdict::Accept), serde_json::json!({}));
        assert_eq!(answer(SignalKind::Answered, Verdict::Reject), serde_json::json!({}));
    }

    proptest! {
        /// Any bytes at all: an answer, never a panic.
        #[test]
        fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), json in any::<bool>()) {
            let _ = parse(&body, json, now());
        }

        /// Form bodies built from the real field names in any mix.
        #[test]
        fn arbitrary_forms_never_panic(
            fields in proptest::collection::vec(
                (proptest::sample::select(vec!["event", "callId", "from", "to", "direction", "user[]", "queue", "cause", "answeringNumber"]), ".{0,80}"),
                0..12,
            )
        ) {
            let body = serde_urlencoded::to_string(&fields).unwrap_or_default();
            let _ = parse(body.as_bytes(), false, now());
        }
    }
}
