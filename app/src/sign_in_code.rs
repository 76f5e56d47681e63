//! Residents sign in with a one-time code sent by SMS.
//!
//! A code is six digits, lives [`CODE_LIFETIME`], and opens one session
//! (a second use finds it gone). A number gets a new code at most every
//! [`RESEND_AFTER`] and [`CODES_PER_HOUR`] in an hour; an address may ask
//! for `auth.codes_per_minute` a minute (3: texts cost money), and
//! sign-in tries count against the address's sign-in limit. [`MAX_WRONG`]
//! wrong tries of a code lock the number for [`LOCK`]: no code is sent to
//! it and none is taken until then.
//!
//! Nothing tells which numbers have an account: a number without one (or
//! a disabled account's) is counted and limited alike and answered the
//! same, only no text leaves. Only a code's SHA-256 (with its number) is
//! stored.

use chrono::{DateTime, Duration, Utc};
use rand::Rng as _;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::account::Login;
use domovoy_domain::contact::Phone;
use domovoy_store::sign_in_codes::{self as store, CodeRow};
use domovoy_store::sms::{self, Sms};
use domovoy_store::tokens::TokenKind;
use domovoy_store::users;

use crate::auth::{SignedIn, open_session};
use crate::secret::stored_secret;
use crate::{App, AppError, AppResult, Limit, Origin, Rule};

/// How long a code may be used.
pub const CODE_LIFETIME: Duration = Duration::minutes(5);
/// A number gets a new code no sooner than this after the last.
pub const RESEND_AFTER: Duration = Duration::seconds(60);
/// Codes a number gets in an hour.
pub const CODES_PER_HOUR: i64 = 5;
/// Wrong tries of a code before the number is locked.
pub const MAX_WRONG: i64 = 5;
/// How long wrong tries lock a number.
pub const LOCK: Duration = Duration::minutes(15);
/// A number's row is forgotten this long after its last code (its window
/// and lock are over by then).
pub const FORGET_AFTER: Duration = Duration::days(1);

const CODE_DIGITS: usize = 6;

/// A code was sent (or, for a number without an account, would have been).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSent {
    pub phone: Phone,
    pub expires_in: Duration,
    /// When another code may be asked for.
    pub resend_after: Duration,
}

/// What a number's row allows now.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Send(CodeRow),
    Wait(Duration),
}

/// Whether `row` may get a new code at `now`, and the row that records it
/// (the code's hash still to be set).
fn decide(mut row: CodeRow, now: DateTime<Utc>) -> Decision {
    if let Some(until) = row.locked_until.filter(|until| *until > now) {
        return Decision::Wait(until - now);
    }
    if let Some(sent) = row.sent_at.filter(|sent| *sent + RESEND_AFTER > now) {
        return Decision::Wait(sent + RESEND_AFTER - now);
    }
    if row.window_started_at + Duration::hours(1) <= now {
        row.window_started_at = now;
        row.sent_in_window = 0;
    }
    if row.sent_in_window >= CODES_PER_HOUR {
        return Decision::Wait(row.window_started_at + Duration::hours(1) - now);
    }
    row.sent_in_window += 1;
    row.sent_at = Some(now);
    row.expires_at = Some(now + CODE_LIFETIME);
    row.wrong = 0;
    row.locked_until = None;
    Decision::Send(row)
}

fn code_hash(phone: &Phone, code: &str) -> String {
    stored_secret(&format!("{}:{code}", phone.e164()))
}

fn too_many(wait: Duration) -> AppError {
    AppError::TooManyRequests { limit: Limit::SignIn, retry_after: wait.to_std().unwrap_or_default() }
}

/// Sends a sign-in code to `phone` (as typed) when it is a resident's
/// account; `words` makes the text from the code (the door's catalog, in
/// the asker's language).
pub async fn send_code(
    app: &App,
    phone: &str,
    words: &(dyn Fn(&str) -> String + Sync),
    origin: &Origin,
) -> AppResult<CodeSent> {
    if !app.config.sms_enabled() {
        return Err(AppError::Rule(Rule::ChannelUnavailable));
    }
    if let Some(ip) = origin.ip
        && let Err(wait) = app.code_limiter.check(ip)
    {
        app.metrics.sign_ins.with(&["rate_limited"]).inc();
        return Err(AppError::TooManyRequests { limit: Limit::SignIn, retry_after: wait });
    }
    let phone = Phone::parse(phone).map_err(|e| AppError::field("phone", e))?;
    let account = users::credentials(&app.db, &Login::resident(&phone)).await?;
    let reachable = account.is_some_and(|found| !found.user.is_disabled());
    let code = format!("{:0width$}", rand::rng().random_range(0..1_000_000u32), width = CODE_DIGITS);
    let hash = code_hash(&phone, &code);
    let text = Sms { to: phone.e164().to_owned(), text: words(&code) };
    let number = phone.e164().to_owned();
    let decided = app
        .write(move |tx| {
            Box::pin(async move {
                let now = tx.now();
                let row = store::hold(tx, &number, now).await?;
                let decision = decide(row, now);
                if let Decision::Send(row) = &decision {
                    let row = CodeRow { code_hash: Some(hash), ..row.clone() };
                    store::put(tx, &row).await?;
                    if reachable {
                        let key = format!("sign-in:{}", Uuid::now_v7());
                        sms::enqueue_many(tx, [(key.as_str(), &text, None)]).await?;
                    }
                }
                Ok(decision)
            })
        })
        .await?;
    match decided {
        Decision::Wait(wait) => Err(too_many(wait)),
        Decision::Send(_) => Ok(CodeSent { phone, expires_in: CODE_LIFETIME, resend_after: RESEND_AFTER }),
    }
}

/// A sign-in with a code.
#[derive(Debug)]
pub struct CodeSignIn<'a> {
    pub phone: &'a str,
    pub code: &'a str,
    pub kind: TokenKind,
    pub token_name: String,
    pub origin: &'a Origin,
}

/// What a try of a code came to, recorded whatever it was.
enum Tried {
    Taken,
    Wrong,
    Locked(Duration),
}

/// Opens a session with a code sent by [`send_code`]. A wrong, used or
/// expired code (and a number never sent one) is
/// [`AppError::InvalidCredentials`]; the [`MAX_WRONG`]th wrong try locks
/// the number.
pub async fn sign_in(app: &App, request: CodeSignIn<'_>) -> AppResult<SignedIn> {
    if let Some(ip) = request.origin.ip
        && let Err(wait) = app.sign_in_limiter.check(ip)
    {
        app.metrics.sign_ins.with(&["rate_limited"]).inc();
        return Err(AppError::TooManyRequests { limit: Limit::SignIn, retry_after: wait });
    }
    let phone = Phone::parse(request.phone).map_err(|e| AppError::field("phone", e))?;
    let code: String = request.code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != CODE_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::field("code", FieldError::InvalidFormat));
    }
    let hash = code_hash(&phone, &code);
    let number = phone.e164().to_owned();
    let tried = app
        .write(move |tx| {
            Box::pin(async move {
                let now = tx.now();
                let row = store::hold(tx, &number, now).await?;
                if let Some(until) = row.locked_until.filter(|until| *until > now) {
                    return Ok(Tried::Locked(until - now));
                }
                if store::take(tx, &number, &hash, now).await? {
                    return Ok(Tried::Taken);
                }
                if store::count_wrong(tx, &number).await? >= MAX_WRONG {
                    store::lock(tx, &number, now + LOCK).await?;
                }
                Ok(Tried::Wrong)
            })
        })
        .await?;
    match tried {
        Tried::Locked(wait) => {
            app.metrics.sign_ins.with(&["throttled"]).inc();
            Err(too_many(wait))
        }
        Tried::Wrong => {
            app.metrics.sign_ins.with(&["failed"]).inc();
            Err(AppError::InvalidCredentials)
        }
        Tried::Taken => {
            let user = users::credentials(&app.db, &Login::resident(&phone))
                .await?
                .map(|found| found.user)
                .ok_or(AppError::InvalidCredentials)?;
            if user.is_disabled() {
                app.metrics.sign_ins.with(&["disabled"]).inc();
                return Err(AppError::AccountDisabled);
            }
            let signed_in = open_session(app, user, request.kind, request.token_name, request.origin).await?;
            app.metrics.sign_ins.with(&["ok"]).inc();
            Ok(signed_in)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(now: DateTime<Utc>) -> CodeRow {
        CodeRow {
            phone: "+79161234567".to_owned(),
            code_hash: None,
            expires_at: None,
            wrong: 0,
            sent_at: None,
            window_started_at: now,
            sent_in_window: 0,
            locked_until: None,
        }
    }

    fn sent(decision: Decision) -> CodeRow {
        match decision {
            Decision::Send(row) => row,
            Decision::Wait(wait) => panic!("refused for {wait}"),
        }
    }

    #[test]
    fn a_number_gets_a_code_a_minute_and_five_an_hour() {
        let start = Utc::now();
        let mut row = sent(decide(fresh(start), start));
        assert_eq!((row.sent_in_window, row.expires_at), (1, Some(start + CODE_LIFETIME)));
        assert_eq!(decide(row.clone(), start + Duration::seconds(30)), Decision::Wait(Duration::seconds(30)));
        for minute in 1..CODES_PER_HOUR {
            row = sent(decide(row, start + Duration::minutes(minute)));
        }
        assert_eq!(row.sent_in_window, CODES_PER_HOUR);
        let later = start + Duration::minutes(10);
        assert_eq!(decide(row.clone(), later), Decision::Wait(Duration::minutes(50)), "the hour's five are spent");
        let next_hour = sent(decide(row, start + Duration::minutes(61)));
        assert_eq!(next_hour.sent_in_window, 1, "a new window");
    }

    #[test]
    fn a_locked_number_gets_nothing_until_the_lock_ends() {
        let now = Utc::now();
        let row = CodeRow { locked_until: Some(now + Duration::minutes(7)), ..fresh(now - Duration::hours(2)) };
        assert_eq!(decide(row.clone(), now), Decision::Wait(Duration::minutes(7)));
        let after = sent(decide(row, now + Duration::minutes(8)));
        assert_eq!((after.locked_until, after.wrong), (None, 0));
    }

    #[test]
    fn codes_are_hashed_with_their_number() {
        let a = Phone::parse("+79161234567").unwrap();
        let b = Phone::parse("+79161234568").unwrap();
        assert_ne!(code_hash(&a, "123456"), code_hash(&b, "123456"));
        assert_eq!(code_hash(&a, "123456"), code_hash(&a, "123456"));
    }
}
