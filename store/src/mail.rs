//! E-mail letters, queued on the outbox's `email` channel in the
//! transaction of what causes them; the e-mail sender (`domovoy-actors`)
//! reads the same type back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::WriteTx;
use crate::error::{StoreError, StoreResult};

/// The outbox channel of e-mail.
pub const EMAIL_CHANNEL: &str = "email";

/// The largest letter queued, attachments (base64) included: a bigger one
/// is refused before it is written (SMTP servers commonly stop at 10–25 MB).
pub const MAX_LETTER_BYTES: usize = 10 * 1024 * 1024;

/// One letter to one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// The same words as an HTML fragment (a formatted mailing's), sent as
    /// the letter's alternative to `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<LetterFile>,
    /// The link that withdraws consent to these letters (RFC 8058: the
    /// `List-Unsubscribe` header, and a one-click POST to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<String>,
}

/// A file attached to a letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterFile {
    pub name: String,
    pub content_type: String,
    /// The bytes, base64 (standard alphabet, padded); empty for a stored
    /// file.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub base64: String,
    /// A stored file (`files::file_path` under the files directory), read
    /// when the letter is sent: a mailing's file is not copied into every
    /// queued letter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<uuid::Uuid>,
}

impl Letter {
    /// Whether the letter is within [`MAX_LETTER_BYTES`].
    pub fn fits(&self) -> bool {
        self.size() <= MAX_LETTER_BYTES
    }

    fn size(&self) -> usize {
        self.to.len()
            + self.subject.len()
            + self.text.len()
            + self.unsubscribe.as_ref().map_or(0, String::len)
            + self.attachments.iter().map(|f| f.name.len() + f.content_type.len() + f.base64.len()).sum::<usize>()
    }
}

/// Queues `letter` unless one with `dedup_key` was queued before; answers
/// whether it was added. The key is also the letter's `Message-ID`, so a
/// letter sent twice (a sender killed between sending and marking) is one
/// letter to the receiving server.
pub async fn enqueue(tx: &mut WriteTx, dedup_key: &str, letter: &Letter) -> StoreResult<bool> {
    Ok(enqueue_many(tx, [(dedup_key, letter, None)]).await? == 1)
}

/// Queues many letters in few statements (a mailing's), each leaving at
/// once or not before its time; each is checked against
/// [`MAX_LETTER_BYTES`] first, and a key queued before keeps its letter.
/// Answers how many were added.
pub async fn enqueue_many<'a>(
    tx: &mut WriteTx,
    letters: impl IntoIterator<Item = (&'a str, &'a Letter, Option<DateTime<Utc>>)>,
) -> StoreResult<u64> {
    let mut messages = Vec::new();
    for (key, letter, not_before) in letters {
        if !letter.fits() {
            return Err(StoreError::invalid(
                "attachments",
                domovoy_domain::FieldError::TooLong { max: MAX_LETTER_BYTES },
            ));
        }
        let payload = serde_json::to_value(letter).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        messages.push((key.to_owned(), payload, not_before));
    }
    crate::outbox::enqueue_many(tx, EMAIL_CHANNEL, &messages).await
}
