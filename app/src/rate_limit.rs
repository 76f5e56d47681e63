//! Sign-in attempts per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use domovoy_domain::account::SignInThrottle;

/// Limits sign-in attempts per address: a burst of `per_minute`, refilled
/// evenly over a minute. Slows password guessing across many accounts,
/// which the per-login throttle alone does not.
pub struct SignInLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl std::fmt::Debug for SignInLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInLimiter").field("tracked", &self.limiter.len()).finish()
    }
}

impl SignInLimiter {
    pub fn new(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self { limiter: RateLimiter::keyed(Quota::per_minute(per_minute)) }
    }

    /// Takes one attempt for `ip`, or says how long to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.limiter.check_key(&ip).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets addresses whose quota has refilled; called periodically so
    /// the table does not grow with every address ever seen.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Wrong passwords per login, from one address and from all addresses
/// together, and the waits they impose ([`SignInThrottle`], and its
/// [`SignInThrottle::account_wide`] for the account). Kept in memory on each
/// node: a restart forgets the waits (guessing is then still limited per
/// address by [`SignInLimiter`]).
pub struct LoginThrottle {
    per_address: SignInThrottle,
    per_account: SignInThrottle,
    /// Failures and the wait of each key. Locked only to read or change
    /// entries (never across an await); pruned by housekeeping.
    entries: Mutex<HashMap<ThrottleKey, ThrottleEntry>>,
}

/// A login tried from one address, or from any.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ThrottleKey {
    Address(String, Option<IpAddr>),
    Account(String),
}

#[derive(Debug, Clone, Copy)]
struct ThrottleEntry {
    failures: u32,
    /// No attempt is checked before this.
    wait_until: Instant,
    last: Instant,
}

/// Entries tracked at most; beyond it the oldest half is forgotten (the
/// per-address limit still holds). Bounds memory under a flood of logins.
const THROTTLE_ENTRIES: usize = 100_000;

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("per_address", &self.per_address)
            .field("per_account", &self.per_account)
            .finish_non_exhaustive()
    }
}

impl LoginThrottle {
    pub fn new(policy: SignInThrottle) -> Self {
        Self { per_address: policy, per_account: policy.account_wide(), entries: Mutex::new(HashMap::new()) }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<ThrottleKey, ThrottleEntry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn keys(login: &str, ip: Option<IpAddr>) -> [(ThrottleKey, bool); 2] {
        [(ThrottleKey::Address(login.to_owned(), ip), true), (ThrottleKey::Account(login.to_owned()), false)]
    }

    /// Whether `login` may be tried from `ip` now, or how long to wait.
    pub fn check(&self, login: &str, ip: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let entries = self.entries();
        let wait = Self::keys(login, ip)
            .iter()
            .filter_map(|(key, _)| entries.get(key))
            .map(|entry| entry.wait_until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// A wrong password (or an unknown login: the same, so the answer
    /// tells nothing about which logins exist).
    pub fn failed(&self, login: &str, ip: Option<IpAddr>) {
        let now = Instant::now();
        let mut entries = self.entries();
        if entries.len() >= THROTTLE_ENTRIES {
            let mut ages: Vec<Instant> = entries.values().map(|e| e.last).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 2];
            entries.retain(|_, e| e.last > cutoff);
        }
        for (key, per_address) in Self::keys(login, ip) {
            let policy = if per_address { self.per_address } else { self.per_account };
            let entry = entries.entry(key).or_insert(ThrottleEntry { failures: 0, wait_until: now, last: now });
            entry.failures = entry.failures.saturating_add(1);
            entry.last = now;
            if let Some(wait) = policy.wait_after(entry.failures).and_then(|w| w.to_std().ok()) {
                entry.wait_until = now + wait;
            }
        }
    }

    /// The right password: the slate is clean for this login.
    pub fn succeeded(&self, login: &str) {
        self.forget(login);
    }

    /// Forgets every wait on `login` (from any address): a successful
    /// sign-in, or an administrator lifting the waits.
    pub fn forget(&self, login: &str) {
        self.entries().retain(|key, _| match key {
            ThrottleKey::Address(l, _) | ThrottleKey::Account(l) => l != login,
        });
    }

    /// Forgets entries whose last failure is older than the longest wait
    /// (housekeeping).
    pub fn forget_idle(&self) {
        let keep = self.per_address.max_wait.to_std().unwrap_or_default() * 2;
        self.entries().retain(|_, e| e.last.elapsed() < keep);
    }
}

/// Searches over personal data per account: a burst of
/// [`SEARCHES_PER_MINUTE`], refilled evenly over a minute. Typing into the
/// search box (debounced) stays far below it; walking a phone number out
/// digit by digit, hundreds of queries, does not.
pub struct SearchLimiter {
    limiter: DefaultKeyedRateLimiter<domovoy_domain::ids::UserId>,
}

/// Personal-data searches one account may make per minute.
pub const SEARCHES_PER_MINUTE: u32 = 60;

impl std::fmt::Debug for SearchLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchLimiter").field("tracked", &self.limiter.len()).finish()
    }
}

impl Default for SearchLimiter {
    fn default() -> Self {
        let per_minute = NonZeroU32::new(SEARCHES_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        Self { limiter: RateLimiter::keyed(Quota::per_minute(per_minute)) }
    }
}

impl SearchLimiter {
    /// Takes one search for `user`, or says how long to wait.
    pub fn check(&self, user: domovoy_domain::ids::UserId) -> Result<(), Duration> {
        self.limiter.check_key(&user).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets accounts whose quota has refilled (housekeeping).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_slows_down_from_one_address_but_not_for_its_owner_elsewhere() {
        let throttle = LoginThrottle::new(SignInThrottle { free: 2, ..SignInThrottle::default() });
        let attacker: Option<IpAddr> = Some("10.0.0.66".parse().unwrap());
        let owner: Option<IpAddr> = Some("10.0.0.7".parse().unwrap());
        for _ in 0..2 {
            assert!(throttle.check("admin", attacker).is_ok());
            throttle.failed("admin", attacker);
        }
        assert!(throttle.check("admin", attacker).is_ok(), "the free tries are free");
        throttle.failed("admin", attacker);
        let wait = throttle.check("admin", attacker).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(2), "{wait:?}");
        assert!(throttle.check("admin", owner).is_ok(), "the owner elsewhere is not kept out");
        // Unknown logins are throttled exactly alike.
        for _ in 0..3 {
            throttle.failed("nobody", attacker);
        }
        assert!(throttle.check("nobody", attacker).is_err());
        throttle.succeeded("admin");
        assert!(throttle.check("admin", attacker).is_ok());
    }

    #[test]
    fn guessing_spread_over_addresses_slows_the_account_but_only_for_a_minute() {
        let throttle = LoginThrottle::new(SignInThrottle { free: 2, ..SignInThrottle::default() });
        // Eight addresses, one wrong password each: none is slowed alone...
        for i in 0..8u8 {
            let ip = Some(IpAddr::from([10, 0, 1, i]));
            assert!(throttle.check("admin", ip).is_ok());
            throttle.failed("admin", ip);
        }
        // ...but the ninth from anywhere waits, and never more than a minute.
        throttle.failed("admin", Some(IpAddr::from([10, 0, 1, 9])));
        let wait = throttle.check("admin", Some(IpAddr::from([10, 0, 2, 1]))).unwrap_err();
        assert!(wait <= Duration::from_secs(60), "{wait:?}");
        for _ in 0..40 {
            throttle.failed("admin", Some(IpAddr::from([10, 0, 1, 9])));
        }
        let owner = throttle.check("admin", Some(IpAddr::from([10, 0, 2, 1]))).unwrap_err();
        assert!(owner <= Duration::from_secs(60), "the owner elsewhere waits a minute at most: {owner:?}");
        throttle.forget("admin");
        assert!(throttle.check("admin", Some(IpAddr::from([10, 0, 2, 1]))).is_ok());
    }

    #[test]
    fn the_burst_is_allowed_then_refused_per_address() {
        let limiter = SignInLimiter::new(3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
        }
        let wait = limiter.check(a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20), "{wait:?}");
        assert!(limiter.check(b).is_ok());
    }
}
