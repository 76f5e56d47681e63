//! The SMS channel: sends queued [`Sms`] texts through an HTTP gateway.
//!
//! Two gateways: SMS.ru (`gateway = "smsru"`: its `sms/send` method with
//! an `api_id`, answers read per number), and any gateway that takes one
//! HTTP request per text (`gateway = "http"`: the request's fields are
//! written in the settings, with `{phone}`, `{digits}`, `{text}` and `{key}`
//! filled in and encoded as a form or as JSON, so no text can break out of
//! its field).
//!
//! A gateway that refuses a text for good (a wrong or barred number) makes
//! it fail with the gateway's reason; anything else that goes wrong (the
//! gateway down, out of money, a wrong key the administrator can still put
//! right) is tried again later. Neither gateway dedupes: a text is sent
//! again only when a sender died between the gateway's acceptance and the
//! outbox's mark (the lease's window), as for every outbox channel.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;

use domovoy_store::outbox::{OutboxMessage, Report};
use domovoy_store::sms::{SMS_CHANNEL, Sms};

use super::answer::Answer;
use super::{Channel, SendError, Sent};

/// One text may take this long; well inside the outbox lease.
const SMS_TIMEOUT: Duration = Duration::from_secs(15);

/// The most of a gateway's answer that is read.
const ANSWER_LIMIT: usize = 16 * 1024;

/// SMS.ru's sending method.
pub const SMSRU_URL: &str = "https://sms.ru/sms/send";

/// `[sms]`: which gateway texts go through.
#[derive(Clone, Deserialize)]
#[serde(tag = "gateway", rename_all = "lowercase")]
pub enum SmsConfig {
    Smsru(SmsRuConfig),
    Http(HttpGatewayConfig),
}

/// `gateway = "smsru"`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsRuConfig {
    /// The key from SMS.ru's «API» page.
    pub api_id: String,
    /// A sender name SMS.ru has approved; the account's default when unset.
    #[serde(default)]
    pub from: Option<String>,
    /// The method's address ([`SMSRU_URL`] unless a test points elsewhere).
    #[serde(default)]
    pub url: Option<String>,
    /// The secret word in the address SMS.ru posts its delivery reports to
    /// (`<public_url>/hooks/smsru/<report_secret>`, entered in SMS.ru's
    /// «API → Callback»); no reports are taken without it. At least
    /// [`MIN_REPORT_SECRET`] characters.
    #[serde(default)]
    pub report_secret: Option<String>,
}

/// The shortest `report_secret` accepted.
pub const MIN_REPORT_SECRET: usize = 16;

impl SmsConfig {
    /// The secret of the delivery reports' address, when the gateway
    /// reports and it is set.
    pub fn report_secret(&self) -> Option<&str> {
        match self {
            Self::Smsru(c) => c.report_secret.as_deref(),
            Self::Http(_) => None,
        }
    }
}

/// How a generic gateway's request body is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`.
    #[default]
    Form,
    /// A JSON object of strings.
    Json,
}

/// `gateway = "http"`: one POST per text.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpGatewayConfig {
    pub url: String,
    #[serde(default)]
    pub format: BodyFormat,
    /// The body's fields; in each value `{phone}` (`+79123456789`),
    /// `{digits}` (`79123456789`), `{text}` and `{key}` (stable per text:
    /// a gateway that dedupes can use it) are filled in.
    pub fields: BTreeMap<String, String>,
    /// Headers sent as written (`Authorization`, say).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Words a 2xx answer must contain to mean "accepted" (a gateway that
    /// answers 200 with an error inside); any 2xx when unset.
    #[serde(default)]
    pub accepted_when: Option<String>,
}

// Keys and passwords stay out of logs: the settings print as the gateway
// and its host, the fields by name only.
impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::fmt::Debug for SmsRuConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsRuConfig").field("from", &self.from).field("url", &self.url).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for HttpGatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpGatewayConfig")
            .field("url", &host_of(&self.url))
            .field("format", &self.format)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl SmsConfig {
    /// What an administrator is shown: the gateway and where it is, no keys.
    pub fn describe(&self) -> String {
        match self {
            Self::Smsru(c) => format!("SMS.ru ({})", host_of(c.url.as_deref().unwrap_or(SMSRU_URL))),
            Self::Http(c) => format!("HTTP ({})", host_of(&c.url)),
        }
    }
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default()
}

/// Why the SMS settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SmsSettingsError {
    #[error("sms: {0}")]
    Invalid(String),
    #[error("sms: cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Sends text messages.
pub struct SmsChannel {
    config: SmsConfig,
    url: reqwest::Url,
    http: reqwest::Client,
}

impl std::fmt::Debug for SmsChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsChannel").field("gateway", &self.config.describe()).finish_non_exhaustive()
    }
}

impl SmsChannel {
    /// A sender through the configured gateway; the settings are checked
    /// here, nothing connects until the first text.
    pub fn new(config: SmsConfig) -> Result<Self, SmsSettingsError> {
        let url = checked_url(&config)?;
        let http = reqwest::Client::builder()
            .timeout(SMS_TIMEOUT)
            .user_agent(concat!("Domovoy/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { config, url, http })
    }
}

/// The gateway's address, once the settings are found usable.
fn checked_url(config: &SmsConfig) -> Result<reqwest::Url, SmsSettingsError> {
    let url = match config {
        SmsConfig::Smsru(c) => {
            if c.api_id.trim().is_empty() {
                return Err(SmsSettingsError::Invalid("api_id is empty".to_owned()));
            }
            let readable = |secret: &str| {
                secret.len() >= MIN_REPORT_SECRET
                    && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            };
            if c.report_secret.as_deref().is_some_and(|secret| !readable(secret)) {
                return Err(SmsSettingsError::Invalid(format!(
                    "report_secret must be at least {MIN_REPORT_SECRET} letters, digits, '-' or '_'"
                )));
            }
            c.url.as_deref().unwrap_or(SMSRU_URL)
        }
        SmsConfig::Http(c) => {
            if !c.fields.values().any(|v| v.contains("{text}")) {
                return Err(SmsSettingsError::Invalid("no field of fields holds {text}".to_owned()));
            }
            if !c.fields.values().any(|v| v.contains("{phone}") || v.contains("{digits}")) {
                return Err(SmsSettingsError::Invalid("no field of fields holds {phone} or {digits}".to_owned()));
            }
            for (name, value) in &c.headers {
                let valid = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
                    && reqwest::header::HeaderValue::from_str(value).is_ok();
                if !valid {
                    return Err(SmsSettingsError::Invalid(format!("the header {name:?} is not a valid header")));
                }
            }
            &c.url
        }
    };
    match reqwest::Url::parse(url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        _ => Err(SmsSettingsError::Invalid(format!("url must be an http(s) address, not {url:?}"))),
    }
}

impl SmsChannel {
    async fn deliver(&self, message: &OutboxMessage) -> Result<Sent, SendError> {
        let sms: Sms = serde_json::from_value(message.payload.clone())
            .map_err(|e| SendError::Permanent(format!("the queued text does not decode: {e}")))?;
        let digits = sms.to.strip_prefix('+').unwrap_or(&sms.to);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SendError::Permanent(format!("{:?} is not a phone number", sms.to)));
        }
        let request = self.http.post(self.url.clone());
        let request = match &self.config {
            SmsConfig::Smsru(c) => {
                let mut form = vec![("api_id", c.api_id.as_str()), ("to", digits), ("msg", &sms.text), ("json", "1")];
                if let Some(from) = &c.from {
                    form.push(("from", from));
                }
                request.form(&form)
            }
            SmsConfig::Http(c) => {
                let vars =
                    [("phone", sms.to.as_str()), ("digits", digits), ("text", &sms.text), ("key", &message.dedup_key)];
                let fields: BTreeMap<&str, String> =
                    c.fields.iter().map(|(name, value)| (name.as_str(), fill(value, &vars))).collect();
                let request = c.headers.iter().fold(request, |r, (name, value)| r.header(name, value));
                match c.format {
                    BodyFormat::Form => request.form(&fields),
                    BodyFormat::Json => request.json(&fields),
                }
            }
        };
        let response = request.send().await.map_err(|e| SendError::Retry(e.to_string()))?;
        let answer = Answer::read(response, ANSWER_LIMIT).await;
        match &self.config {
            SmsConfig::Smsru(_) => smsru_outcome(&answer, digits),
            SmsConfig::Http(c) => http_outcome(&answer, c.accepted_when.as_deref()).map(|()| Sent::default()),
        }
    }
}

/// `template` with each `{name}` of `vars` replaced, in one pass (a text
/// holding `{key}` stays as written).
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let hit = vars.iter().find(|(name, _)| {
            tail.strip_prefix('{').and_then(|t| t.strip_prefix(name)).is_some_and(|t| t.starts_with('}'))
        });
        match hit {
            Some((name, value)) => {
                out.push_str(value);
                rest = &tail[name.len() + 2..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A generic gateway's answer: 2xx (with `accepted_when` in it, when set)
/// is sent; 408, 429 and 5xx are tried again (after `Retry-After`); any
/// other answer is a refusal.
fn http_outcome(answer: &Answer, accepted_when: Option<&str>) -> Result<(), SendError> {
    let error = format!("the gateway answered {} {}", answer.status, answer.snippet());
    match answer.status {
        200..=299 if accepted_when.is_none_or(|words| answer.body.contains(words)) => Ok(()),
        200..=299 => Err(SendError::Permanent(error)),
        408 | 429 | 500..=599 => retry(error, answer),
        _ => Err(SendError::Permanent(error)),
    }
}

fn retry(error: String, answer: &Answer) -> Result<(), SendError> {
    match answer.retry_after.as_deref().and_then(super::answer::parse_retry_after) {
        Some(after) => Err(SendError::RetryAfter { error, after }),
        None => Err(SendError::Retry(error)),
    }
}

/// SMS.ru's answer (`json=1`).
#[derive(Debug, Deserialize)]
struct SmsRuAnswer {
    status: String,
    #[serde(default)]
    status_code: i64,
    #[serde(default)]
    status_text: Option<String>,
    #[serde(default)]
    sms: BTreeMap<String, SmsRuNumber>,
}

#[derive(Debug, Deserialize)]
struct SmsRuNumber {
    status: String,
    #[serde(default)]
    status_code: i64,
    #[serde(default)]
    status_text: Option<String>,
    /// The text's id at SMS.ru: its delivery report names it.
    #[serde(default)]
    sms_id: Option<String>,
}

/// SMS.ru's codes that refuse this text to this number for good: a wrong
/// or barred number, no text, a text too long or not UTF-8. Every other
/// refusal (no money, a daily limit, a wrong key, the service busy) may
/// pass once someone acts or time passes.
const SMSRU_REFUSALS: &[i64] = &[202, 203, 205, 207, 209, 212, 213];

/// Sent, with SMS.ru's id of the text (its receipt); or why not.
fn smsru_outcome(answer: &Answer, digits: &str) -> Result<Sent, SendError> {
    if !(200..=299).contains(&answer.status) {
        return http_outcome(answer, None).map(|()| Sent::default());
    }
    let parsed: SmsRuAnswer = serde_json::from_str(&answer.body)
        .map_err(|_| SendError::Retry(format!("SMS.ru answered what is not its JSON: {}", answer.snippet())))?;
    let refused = |code: i64, text: Option<&str>| {
        let error = format!("SMS.ru: {code} {}", text.unwrap_or_default());
        if SMSRU_REFUSALS.contains(&code) { Err(SendError::Permanent(error)) } else { Err(SendError::Retry(error)) }
    };
    if parsed.status != "OK" {
        return refused(parsed.status_code, parsed.status_text.as_deref());
    }
    match parsed.sms.get(digits) {
        Some(one) if one.status == "OK" => Ok(Sent { receipt: one.sms_id.clone().filter(|id| !id.is_empty()) }),
        Some(one) => refused(one.status_code, one.status_text.as_deref()),
        // Accepted, but not said for this number: sending again could send
        // twice, so the reason is kept instead.
        None => Err(SendError::Permanent(format!("SMS.ru said nothing of {digits}: {}", answer.snippet()))),
    }
}

impl Channel for SmsChannel {
    fn name(&self) -> &'static str {
        SMS_CHANNEL
    }

    fn send<'a>(&'a self, message: &'a OutboxMessage) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(self.deliver(message))
    }
}

/// The most entries one delivery report of SMS.ru is read for.
pub const MAX_REPORT_ENTRIES: usize = 1000;

/// What SMS.ru's callback reports (`data[]` entries, each
/// `sms_status\n<sms_id>\n<status code>…`): the texts it names with what
/// became of them. Entries of other kinds, texts still on their way (100,
/// 101, 102) and lines that do not read are passed over; at most
/// [`MAX_REPORT_ENTRIES`] are read.
pub fn smsru_reports<'a>(entries: impl IntoIterator<Item = &'a str>) -> Vec<(String, Report)> {
    entries
        .into_iter()
        .take(MAX_REPORT_ENTRIES)
        .filter_map(|entry| {
            let mut lines = entry.lines().map(str::trim);
            if lines.next()? != "sms_status" {
                return None;
            }
            let id = lines.next().filter(|id| !id.is_empty() && id.len() <= 64)?;
            let code: i64 = lines.next()?.parse().ok()?;
            let report = match code {
                // Delivered; read (a Viber message).
                103 | 110 => Report::Delivered,
                104..=108 | 150 => Report::Undelivered(format!("{SMSRU_UNDELIVERED}{code}")),
                _ => return None,
            };
            Some((id.to_owned(), report))
        })
        .collect()
}

/// How an undelivered text's reason starts (then SMS.ru's code): the door
/// words it from the code.
pub const SMSRU_UNDELIVERED: &str = "smsru:";

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer { status, retry_after: None, body: body.to_owned() }
    }

    #[test]
    fn placeholders_are_filled_once_and_texts_stay_as_written() {
        let vars = [("phone", "+79161234567"), ("text", "Код {key} {phone}"), ("key", "k1")];
        assert_eq!(fill("{phone}", &vars), "+79161234567");
        assert_eq!(fill("{text}", &vars), "Код {key} {phone}");
        assert_eq!(fill("id={key}&x={unknown}{", &vars), "id=k1&x={unknown}{");
        assert_eq!(fill("{{text}}", &vars), "{Код {key} {phone}}");
    }

    #[test]
    fn smsru_answers_are_read_per_number() {
        let ok = r#"{"status":"OK","status_code":100,"sms":{"79161234567":{"status":"OK","status_code":100,"sms_id":"1"}},"balance":10}"#;
        let sent = Sent { receipt: Some("1".to_owned()) };
        assert_eq!(smsru_outcome(&answer(200, ok), "79161234567"), Ok(sent), "sent, with SMS.ru's id");
        let barred = r#"{"status":"OK","status_code":100,"sms":{"79161234567":{"status":"ERROR","status_code":207,"status_text":"Нельзя"}}}"#;
        assert!(
            matches!(smsru_outcome(&answer(200, barred), "79161234567"), Err(SendError::Permanent(e)) if e.contains("207"))
        );
        let broke = r#"{"status":"ERROR","status_code":201,"status_text":"Не хватает средств"}"#;
        assert!(matches!(smsru_outcome(&answer(200, broke), "79161234567"), Err(SendError::Retry(_))));
        assert!(matches!(smsru_outcome(&answer(200, ok), "79990000000"), Err(SendError::Permanent(_))));
        assert!(matches!(smsru_outcome(&answer(502, "<html>"), "79161234567"), Err(SendError::Retry(_))));
        assert!(matches!(smsru_outcome(&answer(200, "<html>"), "79161234567"), Err(SendError::Retry(_))));
    }

    #[test]
    fn a_generic_gateways_answer_is_read_by_status_and_words() {
        assert_eq!(http_outcome(&answer(202, ""), None), Ok(()));
        assert_eq!(http_outcome(&answer(200, "result=OK"), Some("OK")), Ok(()));
        assert!(matches!(http_outcome(&answer(200, "result=ERR"), Some("OK")), Err(SendError::Permanent(_))));
        assert!(matches!(http_outcome(&answer(400, "bad phone"), None), Err(SendError::Permanent(_))));
        assert!(matches!(http_outcome(&answer(503, ""), None), Err(SendError::Retry(_))));
        let slow = Answer { status: 429, retry_after: Some("30".to_owned()), body: String::new() };
        assert!(
            matches!(http_outcome(&slow, None), Err(SendError::RetryAfter { after, .. }) if after == Duration::from_secs(30))
        );
    }

    #[test]
    fn settings_are_checked_before_anything_is_sent() {
        let http = |fields: &[(&str, &str)], url: &str| {
            checked_url(&SmsConfig::Http(HttpGatewayConfig {
                url: url.to_owned(),
                format: BodyFormat::Json,
                fields: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
                headers: BTreeMap::new(),
                accepted_when: None,
            }))
        };
        assert!(http(&[("to", "{digits}"), ("msg", "{text}")], "http://127.0.0.1:9/send").is_ok());
        assert!(http(&[("to", "{digits}")], "http://127.0.0.1:9/send").is_err(), "no text");
        assert!(http(&[("msg", "{text}")], "http://127.0.0.1:9/send").is_err(), "no phone");
        assert!(http(&[("to", "{digits}"), ("msg", "{text}")], "ftp://gw").is_err());
        let reporting = |api_id: &str, secret: Option<&str>| {
            SmsConfig::Smsru(SmsRuConfig {
                api_id: api_id.to_owned(),
                from: None,
                url: None,
                report_secret: secret.map(str::to_owned),
            })
        };
        let smsru = |api_id: &str| reporting(api_id, None);
        assert!(checked_url(&smsru("ABCD-1234")).is_ok());
        assert!(checked_url(&smsru(" ")).is_err());
        assert!(checked_url(&reporting("ABCD-1234", Some("w7Kq-2vN9_xPz4LmR8tY"))).is_ok());
        assert!(checked_url(&reporting("ABCD-1234", Some("short"))).is_err(), "too short to be a secret");
        assert!(checked_url(&reporting("ABCD-1234", Some("has a space in it!!"))).is_err(), "not for an address");
        let described = format!("{:?}", reporting("SECRET-KEY", Some("HIDDEN-WORD-1234567")));
        assert!(described.contains("sms.ru") && !described.contains("SECRET"), "{described}");
        assert!(!described.contains("HIDDEN"), "{described}");
    }

    #[test]
    fn smsru_reports_read_delivered_and_undelivered_and_pass_over_the_rest() {
        let entries = [
            "sms_status\n000000-1\n103\n1733560000",
            "sms_status\n000000-2\n104\n1733560000",
            "sms_status\n000000-3\n102",
            "callback_test\n1",
            "sms_status\n\n103",
            "sms_status\n000000-4\nабв",
            "sms_status\r\n000000-5\r\n150\r\n",
        ];
        assert_eq!(
            smsru_reports(entries),
            vec![
                ("000000-1".to_owned(), Report::Delivered),
                ("000000-2".to_owned(), Report::Undelivered("smsru:104".to_owned())),
                ("000000-5".to_owned(), Report::Undelivered("smsru:150".to_owned())),
            ]
        );
        let many = vec!["sms_status\n1\n103"; MAX_REPORT_ENTRIES + 5];
        assert_eq!(smsru_reports(many).len(), MAX_REPORT_ENTRIES);
    }
}
