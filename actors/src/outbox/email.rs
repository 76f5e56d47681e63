//! The e-mail channel: sends queued [`Letter`]s over SMTP.
//!
//! `mail.smtp_url` says how: `smtp://host:port` speaks plain SMTP (a local
//! relay, a test server), `smtp://…?tls=required` upgrades with STARTTLS,
//! `smtps://host` is TLS from the first byte; a user and password in the URL
//! sign in. Each letter's `Message-ID` is derived from its outbox key, so
//! a letter sent again after a sender died between sending and marking is
//! the same letter to the receiving server (and to the reader's client).

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use futures_util::future::BoxFuture;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use domovoy_store::mail::{EMAIL_CHANNEL, Letter};
use domovoy_store::outbox::OutboxMessage;

use super::{Channel, SendError, Sent};

/// One letter may take this long (connect, greet, send); well inside the
/// outbox lease.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the e-mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailSettingsError {
    #[error("mail.smtp_url: {0}")]
    Url(String),
    #[error("mail.from is not an e-mail address («Name <box@example.ru>» or «box@example.ru»): {0}")]
    From(String),
}

/// Sends e-mail messages.
pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where stored attachments are read from (a mailing's files).
    files: Option<PathBuf>,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP password.
        f.debug_struct("EmailChannel").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl EmailChannel {
    /// A sender for `smtp_url` writing from `from`; nothing connects until
    /// the first letter.
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, MailSettingsError> {
        let from: Mailbox =
            from.parse().map_err(|e: lettre::address::AddressError| MailSettingsError::From(e.to_string()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| MailSettingsError::Url(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Self { transport, from, files: None })
    }

    /// Reads letters' stored attachments from `dir` (the files directory).
    #[must_use]
    pub fn with_files(mut self, dir: PathBuf) -> Self {
        self.files = Some(dir);
        self
    }

    /// Fills in the bytes of the letter's stored files. A file gone from
    /// the disk fails the letter for good (it will not come back).
    async fn load(&self, letter: &mut Letter) -> Result<(), SendError> {
        for file in &mut letter.attachments {
            let Some(id) = file.stored else { continue };
            let Some(dir) = &self.files else {
                return Err(SendError::Permanent(format!("no files directory to read {:?} from", file.name)));
            };
            let path = domovoy_store::files::file_path(dir, id);
            let bytes = tokio::fs::read(&path).await.map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    SendError::Permanent(format!("the attachment {:?} is missing from {}", file.name, path.display()))
                }
                _ => SendError::Retry(format!("the attachment {:?} cannot be read: {e}", file.name)),
            })?;
            file.base64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        }
        Ok(())
    }

    /// The letter as a MIME message; `Err` for a letter that can never be
    /// sent (a bad address, a broken attachment).
    fn message(&self, key: &str, letter: &Letter) -> Result<Message, SendError> {
        let to: Mailbox = letter
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("the address {:?} is not valid: {e}", letter.to)))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .message_id(Some(message_id(key, &self.from)));
        let builder = match &letter.unsubscribe {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => builder
                .header(ListUnsubscribe(format!("<{url}>")))
                .header(ListUnsubscribePost("List-Unsubscribe=One-Click".to_owned())),
            Some(url) => {
                return Err(SendError::Permanent(format!("the unsubscribe link {url:?} is not a web address")));
            }
            None => builder,
        };
        let text = SinglePart::plain(letter.text.clone());
        // A formatted letter's words go twice: plain and HTML, the reader's
        // program shows one.
        let words = letter.html.as_ref().map(|html| {
            let page = format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{html}</body></html>");
            MultiPart::alternative().singlepart(text.clone()).singlepart(SinglePart::html(page))
        });
        let built = if letter.attachments.is_empty() {
            match words {
                Some(words) => builder.multipart(words),
                None => builder.singlepart(text),
            }
        } else {
            let mut parts = match words {
                Some(words) => MultiPart::mixed().multipart(words),
                None => MultiPart::mixed().singlepart(text),
            };
            for file in &letter.attachments {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&file.base64)
                    .map_err(|e| SendError::Permanent(format!("the attachment {:?} is not base64: {e}", file.name)))?;
                let kind = ContentType::parse(&file.content_type).map_err(|e| {
                    SendError::Permanent(format!("the attachment {:?} has no valid type: {e}", file.name))
                })?;
                parts = parts.singlepart(Attachment::new(file.name.clone()).body(bytes, kind));
            }
            builder.multipart(parts)
        };
        built.map_err(|e| SendError::Permanent(format!("the letter cannot be built: {e}")))
    }

    async fn deliver(&self, message: &OutboxMessage) -> Result<(), SendError> {
        let mut letter: Letter = serde_json::from_value(message.payload.clone())
            .map_err(|e| SendError::Permanent(format!("the queued letter does not decode: {e}")))?;
        self.load(&mut letter).await?;
        let mime = self.message(&message.dedup_key, &letter)?;
        match self.transport.send(mime).await {
            Ok(_) => Ok(()),
            // 5xx: this server will never take this letter (no such
            // mailbox, refused content, a wrong password).
            Err(error) if error.is_permanent() => Err(SendError::Permanent(error.to_string())),
            // 4xx, a refused or broken connection, a timeout: later.
            Err(error) => Err(SendError::Retry(error.to_string())),
        }
    }
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): mail
/// clients unsubscribe with one POST, without opening a page.
#[derive(Debug, Clone)]
struct ListUnsubscribePost(String);

macro_rules! text_header {
    ($type:ident, $name:literal) => {
        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }

            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self(s.to_owned()))
            }

            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(ListUnsubscribe, "List-Unsubscribe");
text_header!(ListUnsubscribePost, "List-Unsubscribe-Post");

/// `<hash of the key@the sender's domain>`: stable for one outbox message.
fn message_id(key: &str, from: &Mailbox) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("<{hex}@{}>", from.email.domain())
}

impl Channel for EmailChannel {
    fn name(&self) -> &'static str {
        EMAIL_CHANNEL
    }

    fn send<'a>(&'a self, message: &'a OutboxMessage) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(async move { self.deliver(message).await.map(|()| Sent::default()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_before_anything_is_sent() {
        assert!(EmailChannel::new("smtp://127.0.0.1:2525", "Домовой <noreply@uk.example>").is_ok());
        assert!(matches!(EmailChannel::new("smtp://127.0.0.1:2525", "nobody"), Err(MailSettingsError::From(_))));
        assert!(matches!(EmailChannel::new("http://127.0.0.1", "a@b.ru"), Err(MailSettingsError::Url(_))));
    }

    #[test]
    fn a_letter_keeps_its_message_id_across_attempts() {
        let from: Mailbox = "noreply@uk.example".parse().unwrap();
        assert_eq!(message_id("report:1:2026-11-30", &from), message_id("report:1:2026-11-30", &from));
        assert_ne!(message_id("report:1:2026-11-30", &from), message_id("report:1:2026-12-07", &from));
        assert!(message_id("k", &from).ends_with("@uk.example>"));
    }

    #[test]
    fn a_bad_address_or_attachment_is_refused_for_good() {
        let channel = EmailChannel::new("smtp://127.0.0.1:2525", "noreply@uk.example").unwrap();
        let letter = |to: &str, base64: &str| Letter {
            to: to.to_owned(),
            subject: "Отчёт".to_owned(),
            text: "Во вложении".to_owned(),
            html: None,
            attachments: vec![domovoy_store::mail::LetterFile {
                name: "sla.xlsx".to_owned(),
                content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                base64: base64.to_owned(),
                stored: None,
            }],
            unsubscribe: None,
        };
        assert!(channel.message("k", &letter("manager@uk.example", "UEsDBA==")).is_ok());
        assert!(matches!(channel.message("k", &letter("manager at uk", "UEsDBA==")), Err(SendError::Permanent(_))));
        assert!(matches!(channel.message("k", &letter("manager@uk.example", "%%%")), Err(SendError::Permanent(_))));
    }
}
