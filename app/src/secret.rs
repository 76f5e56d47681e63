//! Random secrets and their stored form.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// Bytes of randomness in a token: 256 bits, beyond guessing.
const SECRET_BYTES: usize = 32;

/// A fresh random secret, URL-safe (tokens, CSRF tokens).
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores of a secret.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A secret's hash as a text column keeps it (hex): links sent by mail
/// (unsubscribe, survey) are looked up by it, so a copy of the database
/// opens none of them.
pub fn stored_secret(secret: &str) -> String {
    hash_secret(secret).iter().map(|b| format!("{b:02x}")).collect()
}

/// A readable password for a new account or a reset: four groups of
/// letters and digits without look-alikes (0/O, 1/l/I), about 80 bits.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let groups: Vec<String> = (0..4)
        .map(|_| {
            (0..4)
                .map(|_| {
                    let index = (rng.next_u32() as usize) % ALPHABET.len();
                    char::from(ALPHABET[index])
                })
                .collect()
        })
        .collect();
    groups.join("-")
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_url_safe() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(hash_secret(&a).len(), 32);
        assert_eq!(hash_secret(&a), hash_secret(&a.clone()));
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        let password = new_password();
        assert_eq!(password.len(), 19);
        assert!(domovoy_domain::password::NewPassword::parse(&password, "user").is_ok());
    }

    #[test]
    fn secret_comparison_needs_equal_strings() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
