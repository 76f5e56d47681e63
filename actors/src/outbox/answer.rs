//! Reading a receiver's HTTP answer without trusting it: the body only as
//! far as it matters, `Retry-After` bounded.

use std::time::Duration;

/// What a receiver answered, read within limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Retry-After` as given (read it with [`parse_retry_after`]).
    pub retry_after: Option<String>,
    /// The body's first `limit` bytes, as text (invalid UTF-8 replaced).
    pub body: String,
}

impl Answer {
    /// Reads `response`: a receiver (or what pretends to be one) cannot
    /// make the server hold more than `limit` bytes of its body.
    pub async fn read(mut response: reqwest::Response, limit: usize) -> Self {
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut body = Vec::new();
        while body.len() < limit {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk[..chunk.len().min(limit - body.len())]),
                _ => break,
            }
        }
        Self { status, retry_after, body: String::from_utf8_lossy(&body).into_owned() }
    }

    /// The body's start, for an error message.
    pub fn snippet(&self) -> String {
        self.body.chars().take(200).collect()
    }
}

/// `Retry-After` in seconds, at most a day (the HTTP-date form is read as
/// a minute).
pub fn parse_retry_after(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(raw.parse::<u64>().map_or(Duration::from_secs(60), |secs| Duration::from_secs(secs.min(86_400))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_bounded() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("99999999"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after(" "), None);
    }
}
