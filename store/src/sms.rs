//! Text messages (SMS), queued on the outbox's `sms` channel in the
//! transaction of what causes them; the SMS sender (`domovoy-actors`) reads
//! the same type back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::WriteTx;
use crate::error::{StoreError, StoreResult};

/// The outbox channel of text messages.
pub const SMS_CHANNEL: &str = "sms";

/// The longest text queued, in characters: eight concatenated parts of
/// Cyrillic text (8 × 67), the most gateways take in one message.
pub const MAX_SMS_CHARS: usize = 536;

/// One text to one phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sms {
    /// The number in E.164 form (`+79123456789`).
    pub to: String,
    pub text: String,
}

impl Sms {
    /// Whether the text is within [`MAX_SMS_CHARS`].
    pub fn fits(&self) -> bool {
        self.text.chars().count() <= MAX_SMS_CHARS
    }
}

/// Queues many texts in few statements (a mailing's), each leaving at once
/// or not before its time; each is checked against [`MAX_SMS_CHARS`]
/// first, and a key queued before keeps its text. Answers how many were
/// added.
pub async fn enqueue_many<'a>(
    tx: &mut WriteTx,
    texts: impl IntoIterator<Item = (&'a str, &'a Sms, Option<DateTime<Utc>>)>,
) -> StoreResult<u64> {
    let mut messages = Vec::new();
    for (key, sms, not_before) in texts {
        if !sms.fits() {
            return Err(StoreError::invalid("body", domovoy_domain::FieldError::TooLong { max: MAX_SMS_CHARS }));
        }
        let payload = serde_json::to_value(sms).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        messages.push((key.to_owned(), payload, not_before));
    }
    crate::outbox::enqueue_many(tx, SMS_CHANNEL, &messages).await
}
