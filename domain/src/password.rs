//! Passwords: the policy for new ones and argon2id hashing.
//!
//! Hashing is pure computation (no I/O) but slow on purpose: callers in
//! async code run it on a blocking thread.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::FieldError;

/// A password a person chose, checked against the policy.
///
/// Debug never shows the text.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

impl NewPassword {
    /// Shortest password accepted: long passphrases beat complexity rules.
    pub const MIN: usize = 10;
    /// Longest password accepted, which bounds hashing work per request.
    pub const MAX: usize = 256;

    /// Checks length and that the password is not the login itself.
    pub fn parse(raw: &str, login: &str) -> Result<Self, FieldError> {
        let len = raw.chars().count();
        if len == 0 {
            return Err(FieldError::Required);
        }
        if len < Self::MIN {
            return Err(FieldError::TooShort { min: Self::MIN });
        }
        if len > Self::MAX {
            return Err(FieldError::TooLong { max: Self::MAX });
        }
        if raw.trim().eq_ignore_ascii_case(login.trim()) {
            return Err(FieldError::NotAllowed);
        }
        Ok(Self(raw.to_owned()))
    }

    /// A password that skips the policy. Only the demo uses it: its logins
    /// share the documented password `demo`.
    pub fn demo(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The argon2id parameters: OWASP's recommended m=19 MiB, t=2, p=1.
fn hasher() -> Argon2<'static> {
    // These are constant, valid parameters: `Params::new` only fails for
    // values outside argon2's ranges.
    #[allow(clippy::expect_used)]
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a new password into a PHC string (`$argon2id$v=19$…`).
pub fn hash_password(password: &NewPassword) -> String {
    let salt = SaltString::generate(&mut OsRng);
    match hasher().hash_password(password.0.as_bytes(), &salt) {
        Ok(hash) => hash.to_string(),
        // Hashing only fails for out-of-range inputs, which the policy
        // bounds; a failure here is a bug, not a user error.
        Err(error) => unreachable!("argon2 hashing failed: {error}"),
    }
}

/// Checks `candidate` against a stored PHC string. A malformed stored hash
/// verifies nothing.
pub fn verify_password(candidate: &str, stored_hash: &str) -> bool {
    if candidate.len() > NewPassword::MAX * 4 {
        return false;
    }
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => hasher().verify_password(candidate.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the login does not
/// exist, so that a missing account takes as long as a wrong password.
pub fn dummy_hash() -> String {
    hash_password(&NewPassword::demo("no-such-account-placeholder"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let password = NewPassword::parse("correct horse battery", "ivanov").unwrap();
        let hash = hash_password(&password);
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("", &hash));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let password = NewPassword::parse("correct horse battery", "x").unwrap();
        assert_ne!(hash_password(&password), hash_password(&password));
    }

    #[test]
    fn a_malformed_stored_hash_verifies_nothing() {
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn the_policy_refuses_short_and_login_equal_passwords() {
        assert_eq!(NewPassword::parse("short", "x"), Err(FieldError::TooShort { min: 10 }));
        assert_eq!(NewPassword::parse("", "x"), Err(FieldError::Required));
        assert_eq!(NewPassword::parse("dispatcher", "dispatcher"), Err(FieldError::NotAllowed));
        assert!(NewPassword::parse("пароль-на-русском", "x").is_ok());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let password = NewPassword::parse("super secret words", "x").unwrap();
        assert!(!format!("{password:?}").contains("secret"));
    }
}
