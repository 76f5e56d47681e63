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
    pub locked_until: Option<DateTime<Utc>>,
    pub failed_logins: u32,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    /// Whether sign-in is refused at `now` because of repeated failures.
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// How repeated wrong passwords lock an account for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Consecutive failures that lock the account.
    pub threshold: u32,
    /// How long the lock lasts.
    pub duration: Duration,
}

impl Default for LockoutPolicy {
    /// Five wrong passwords in a row lock the account for 15 minutes: enough
    /// to stop guessing, short enough that a dispatcher who mistyped on a
    /// night shift is back at work before a colleague can reach the admin.
    fn default() -> Self {
        Self { threshold: 5, duration: Duration::minutes(15) }
    }
}

/// What a failed sign-in does to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedSignIn {
    pub failed_logins: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl LockoutPolicy {
    /// The account state after one more wrong password at `now`.
    pub fn after_failure(self, previous_failures: u32, now: DateTime<Utc>) -> FailedSignIn {
        let failed_logins = previous_failures.saturating_add(1);
        let locked_until = (failed_logins >= self.threshold).then(|| now + self.duration);
        // The counter restarts once a lock is imposed, so after it expires
        // the user again gets `threshold` attempts.
        let failed_logins = if locked_until.is_some() { 0 } else { failed_logins };
        FailedSignIn { failed_logins, locked_until }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_fifth_failure_locks_and_resets_the_counter() {
        let policy = LockoutPolicy::default();
        let now = Utc::now();
        let mut failures = 0;
        for _ in 0..4 {
            let after = policy.after_failure(failures, now);
            assert_eq!(after.locked_until, None);
            failures = after.failed_logins;
        }
        assert_eq!(failures, 4);
        let after = policy.after_failure(failures, now);
        assert_eq!(after.locked_until, Some(now + Duration::minutes(15)));
        assert_eq!(after.failed_logins, 0);
    }

    #[test]
    fn a_lock_expires() {
        let now = Utc::now();
        let user = User {
            id: UserId::new(),
            login: Login::staff("guard").unwrap(),
            display_name: DisplayName::parse("Охранник").unwrap(),
            kind: AccountKind::Staff,
            email: None,
            phone: None,
            locale: Locale::Ru,
            disabled_at: None,
            locked_until: Some(now + Duration::minutes(1)),
            failed_logins: 0,
            created_at: now,
            password_changed_at: now,
            last_sign_in_at: None,
        };
        assert!(user.is_locked(now));
        assert!(!user.is_locked(now + Duration::minutes(2)));
    }
}
