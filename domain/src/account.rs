//! Accounts: staff and residents, their logins, names and sign-in rules.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::{Email, Phone};
use crate::error::{FieldError, bounded_text};
use crate::ids::UserId;

/// Who an account belongs to; decides which roles it may hold and how it
/// signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// An employee of the company; signs in with a login.
    Staff,
    /// An owner, tenant or occupant; signs in with a phone number and sees
    /// only their own units, tickets and passes.
    Resident,
}

impl AccountKind {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Resident => "resident",
        }
    }
}

impl FromStr for AccountKind {
    type Err = FieldError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match code {
            "staff" => Ok(Self::Staff),
            "resident" => Ok(Self::Resident),
            _ => Err(FieldError::Unknown),
        }
    }
}

/// A sign-in name. Staff logins are lowercase Latin letters, digits, `.`,
/// `-` and `_`, starting with a letter (`ivanov`, `client-manager`);
/// residents sign in with their phone number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Login(String);

impl Login {
    pub const MIN: usize = 2;
    pub const MAX: usize = 64;

    /// A staff login as an administrator types it (case is folded).
    pub fn staff(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(FieldError::Required);
        }
        if value.len() < Self::MIN {
            return Err(FieldError::TooShort { min: Self::MIN });
        }
        if value.len() > Self::MAX {
            return Err(FieldError::TooLong { max: Self::MAX });
        }
        let mut chars = value.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if starts_with_letter && rest_ok { Ok(Self(value)) } else { Err(FieldError::InvalidFormat) }
    }

    /// A resident's login: their phone number.
    pub fn resident(phone: &Phone) -> Self {
        Self(phone.e164().to_owned())
    }

    /// Reads what a person typed into the sign-in form: a phone number in
    /// any usual form becomes its E.164 login, anything else a staff login.
    pub fn from_sign_in(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        let looks_like_phone = trimmed.starts_with('+') || trimmed.starts_with(|c: char| c.is_ascii_digit());
        if looks_like_phone { Phone::parse(trimmed).map(|phone| Self::resident(&phone)) } else { Self::staff(trimmed) }
    }

    /// A login read back from storage, where it was validated on the way in.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's name as shown in the UI: 1 to 120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, 1, Self::MAX).map(Self)
    }

    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The interface language of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Ru,
    En,
}

impl Locale {
    pub const ALL: &'static [Locale] = &[Locale::Ru, Locale::En];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::En => "en",
        }
    }
}

impl FromStr for Locale {
    type Err = FieldError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ru" => Ok(Self::Ru),
            "en" => Ok(Self::En),
            _ => Err(FieldError::Unknown),
        }
    }
}

/// An account as stored (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub login: Login,
    pub display_name: DisplayName,
    pub kind: AccountKind,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub locale: Locale,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Wrong passwords in a row since the last sign-in (shown to
    /// administrators; the waits themselves are the app's sign-in throttle).
    pub failed_logins: u32,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// How guessing passwords is slowed down, without ever locking the owner
/// out: wrong passwords for one login *from one address* are free up to
/// `free`, then each further attempt from there must wait twice as long as
/// the one before, up to `max_wait`. An attacker trying one login is
/// slowed to a handful of guesses an hour; the owner, signing in from their
/// own computer, is not affected, and nobody can keep them out by failing
/// on purpose. (A per-address limit across all logins comes on top.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInThrottle {
    /// Wrong passwords before waits begin.
    pub free: u32,
    /// The first wait.
    pub first_wait: Duration,
    /// The longest wait.
    pub max_wait: Duration,
}

impl Default for SignInThrottle {
    /// Five free tries (a dispatcher who mistypes on a night shift never
    /// meets a wait), then 2 s, 4 s, 8 s, … up to 15 minutes.
    fn default() -> Self {
        Self { free: 5, first_wait: Duration::seconds(2), max_wait: Duration::minutes(15) }
    }
}

impl SignInThrottle {
    /// The gentler throttle on one account from all addresses together:
    /// four times the free tries, then 1 s doubling up to a minute. It slows
    /// guessing spread over many addresses; the owner, at most a minute
    /// away from a try, is never locked out.
    pub fn account_wide(self) -> Self {
        Self {
            free: self.free.saturating_mul(4),
            first_wait: Duration::seconds(1),
            max_wait: Duration::minutes(1).min(self.max_wait),
        }
    }

    /// How long to wait after `failures` wrong passwords in a row (from one
    /// address for one login); `None` while they are free.
    pub fn wait_after(self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.free)?;
        if over == 0 {
            return None;
        }
        let doublings = (over - 1).min(30);
        let wait = self.first_wait.checked_mul(1 << doublings).unwrap_or(self.max_wait);
        Some(wait.min(self.max_wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_begin_after_the_free_tries_and_double_up_to_the_longest() {
        let throttle = SignInThrottle::default();
        assert_eq!(throttle.wait_after(0), None);
        assert_eq!(throttle.wait_after(5), None);
        assert_eq!(throttle.wait_after(6), Some(Duration::seconds(2)));
        assert_eq!(throttle.wait_after(7), Some(Duration::seconds(4)));
        assert_eq!(throttle.wait_after(10), Some(Duration::seconds(32)));
        assert_eq!(throttle.wait_after(20), Some(Duration::minutes(15)));
        assert_eq!(throttle.wait_after(u32::MAX), Some(Duration::minutes(15)));
    }

    #[test]
    fn staff_logins_are_folded_to_lowercase_and_checked() {
        assert_eq!(Login::staff(" Ivanov ").unwrap().as_str(), "ivanov");
        assert_eq!(Login::staff("client-manager").unwrap().as_str(), "client-manager");
        assert_eq!(Login::staff("a.b_c-1").unwrap().as_str(), "a.b_c-1");
        assert_eq!(Login::staff(""), Err(FieldError::Required));
        assert_eq!(Login::staff("a"), Err(FieldError::TooShort { min: 2 }));
        assert_eq!(Login::staff("1abc"), Err(FieldError::InvalidFormat));
        assert_eq!(Login::staff("иванов"), Err(FieldError::InvalidFormat));
        assert_eq!(Login::staff("iva nov"), Err(FieldError::InvalidFormat));
    }

    #[test]
    fn a_phone_typed_at_sign_in_becomes_the_resident_login() {
        assert_eq!(Login::from_sign_in("8 (912) 345-67-89").unwrap().as_str(), "+79123456789");
        assert_eq!(Login::from_sign_in("+7 912 345 67 89").unwrap().as_str(), "+79123456789");
        assert_eq!(Login::from_sign_in("Dispatcher").unwrap().as_str(), "dispatcher");
        assert!(Login::from_sign_in("8 912").is_err());
    }
}

/// A stored session name as people read it: sessions made before names
/// were shortened carry the whole `User-Agent` header.
pub fn readable_session_name(stored: &str) -> String {
    if stored.starts_with("Mozilla/") { device_name(stored) } else { stored.to_owned() }
}

/// A short, readable name for the browser and system a `User-Agent` header
/// describes («Chrome · Windows», «Safari · iPhone»): what a session is
/// called in token lists and the audit log, instead of the raw header.
pub fn device_name(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("YaBrowser/") {
        "Яндекс Браузер"
    } else if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") || ua.contains("CriOS/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.trim().is_empty() {
        return String::new();
    } else {
        // A program (curl, the staff app): its own first word.
        return ua.split(['/', ' ']).next().unwrap_or_default().chars().take(40).collect();
    };
    let system = if ua.contains("iPhone") {
        "iPhone"
    } else if ua.contains("iPad") {
        "iPad"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        return browser.to_owned();
    };
    format!("{browser} · {system}")
}

#[cfg(test)]
mod device_tests {
    use super::device_name;

    #[test]
    fn user_agents_become_browser_and_system() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(device_name(chrome), "Chrome · Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(device_name(iphone), "Safari · iPhone");
        let yandex = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 YaBrowser/24.1 Mobile Safari/537.36";
        assert_eq!(device_name(yandex), "Яндекс Браузер · Android");
        assert_eq!(device_name("curl/8.5.0"), "curl");
        assert_eq!(device_name(""), "");
    }
}
