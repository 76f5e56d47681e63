//! Webhooks: an integration receives selected events over HTTP.

use std::fmt;

use serde::Serialize;

use crate::error::{FieldError, bounded_text};
use crate::event::EventKind;

/// A webhook's name, 1 to 100 characters (`Бухгалтерия 1С`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct WebhookName(String);

impl WebhookName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, 1, 100).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a webhook posts: an absolute `http` or `https` URL with a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub const MAX: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let url = raw.trim();
        if url.is_empty() {
            return Err(FieldError::Required);
        }
        if url.len() > Self::MAX {
            return Err(FieldError::TooLong { max: Self::MAX });
        }
        let rest =
            url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or(FieldError::InvalidFormat)?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() || url.chars().any(char::is_whitespace) {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which events a webhook receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    All,
    Kinds(Vec<EventKind>),
}

impl EventFilter {
    /// Reads a list of kind codes; `*` means all.
    pub fn parse(codes: &[String]) -> Result<Self, FieldError> {
        if codes.iter().any(|c| c == "*") {
            return Ok(Self::All);
        }
        if codes.is_empty() {
            return Err(FieldError::Required);
        }
        codes.iter().map(|c| c.parse::<EventKind>()).collect::<Result<Vec<_>, _>>().map(Self::Kinds)
    }

    /// The stored form: kind codes, or `["*"]`.
    pub fn codes(&self) -> Vec<String> {
        match self {
            Self::All => vec!["*".to_owned()],
            Self::Kinds(kinds) => kinds.iter().map(|k| k.code().to_owned()).collect(),
        }
    }

    /// Whether an event of this kind (by code) is delivered.
    pub fn matches(&self, code: &str) -> bool {
        match self {
            Self::All => true,
            Self::Kinds(kinds) => kinds.iter().any(|k| k.code() == code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_are_http_with_a_host() {
        assert!(WebhookUrl::parse("https://1c.uk.local/hooks/domovoy").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/x").is_ok());
        for bad in ["", "ftp://x", "https://", "https:///path", "http://a b/"] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn filters_parse_codes_and_match_kinds() {
        let filter = EventFilter::parse(&["building.updated".to_owned()]).unwrap();
        assert!(filter.matches("building.updated"));
        assert!(!filter.matches("building.created"));
        assert!(EventFilter::parse(&["*".to_owned()]).unwrap().matches("anything"));
        assert_eq!(EventFilter::parse(&["ticket.flew".to_owned()]), Err(FieldError::Unknown));
        assert_eq!(EventFilter::parse(&[]), Err(FieldError::Required));
    }
}
