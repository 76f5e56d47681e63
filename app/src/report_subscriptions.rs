//! Scheduled reports: a person subscribes to a report with its filters,
//! weekly or monthly, and gets it by e-mail with the workbook attached.
//!
//! A subscription is due at [`SEND_AT`] (the company's zone) on a Monday or
//! on the first of a month; the job ([`send_due`]) counts the report for the
//! whole week or month before, as its owner, with the owner's grants of
//! that moment (a manager who lost a building no longer gets it counted),
//! and queues the letter on the outbox in the same transaction that moves
//! the subscription to its next date: one letter per period, also with
//! several nodes. What the letter says and the workbook it carries are the
//! door's (its words are in the door's catalogs): [`ReportLetters`].

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::account::User;
use domovoy_domain::contact::Email;
use domovoy_domain::permission::Permission;
use domovoy_domain::report::{Cadence, Period, ReportName};
use domovoy_store::StoreError;
use domovoy_store::mail::{self, Letter};
use domovoy_store::report_subscriptions::{self as store, RunOutcome, Subscription};

use crate::App;
use crate::error::{AppError, AppResult, Rule};
use crate::reports::{self, Report, ReportFilter};
use crate::requester::Requester;

/// The hour a due letter is queued, in the company's zone.
pub const SEND_AT: NaiveTime = NaiveTime::from_hms_opt(7, 0, 0).expect("a valid time");

/// Subscriptions handled per run of the job; the rest wait for the next.
const BATCH: i64 = 50;

/// Writes the letter that carries a report (subject, text, the workbook).
/// Implemented by the door whose catalogs word it.
pub trait ReportLetters: Send + Sync + std::fmt::Debug {
    /// The letter to `to` carrying `report`, in `user`'s language.
    fn letter(&self, report: &Report, user: &User, to: &Email) -> Result<Letter, String>;
}

/// What a person asks for.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSubscription {
    /// `sla`, `backlog`, `workload`, `quality`, `sources` or `calls`.
    pub report: String,
    /// `weekly` (on Mondays, the week before) or `monthly` (on the first,
    /// the month before).
    pub cadence: String,
    /// The report's filters; a period given here is ignored (each letter
    /// covers its own week or month).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub filters: ReportFilter,
}

/// When a letter of `cadence` is next due after `now`: today's sending
/// hour when today is a sending day and that hour is still ahead (a
/// subscription made on a Monday night gets that morning's letter), else
/// the next sending day's.
pub fn next_run(app: &App, cadence: Cadence, now: DateTime<Utc>) -> DateTime<Utc> {
    let zone = app.config.display_time_zone;
    let today = now.with_timezone(&zone).date_naive();
    let first = local_at(app, cadence.first_day_from(today));
    if first > now { first } else { local_at(app, cadence.next_day(today)) }
}

fn local_at(app: &App, day: NaiveDate) -> DateTime<Utc> {
    reports::local_instant(app.config.display_time_zone, day, SEND_AT)
}

/// The filters as stored: the query string of the report page (the
/// period already taken out).
fn stored_filters(kept: &ReportFilter) -> AppResult<String> {
    serde_urlencoded::to_string(kept).map_err(AppError::unexpected)
}

/// A subscription's filters for the period of one letter.
fn filters_for(subscription: &Subscription, period: Period) -> AppResult<ReportFilter> {
    let kept: ReportFilter = serde_urlencoded::from_str(&subscription.filters)
        .map_err(|e| AppError::Unexpected(format!("subscription {} filters: {e}", subscription.id).into()))?;
    Ok(ReportFilter { from: Some(period.from.to_string()), to: Some(period.to.to_string()), ..kept })
}

/// Subscribes the requester: the report must be one they may download
/// (`reports.export`), with filters that are valid for them, and letters
/// need their e-mail address and the server's mail settings.
pub async fn subscribe(app: &App, requester: &Requester, new: &NewSubscription) -> AppResult<Subscription> {
    let user = requester.account()?.clone();
    let name = new.report.parse::<ReportName>().map_err(|e| AppError::field("report", e))?;
    let cadence = new.cadence.parse::<Cadence>().map_err(|e| AppError::field("cadence", e))?;
    if !reports::may_export(requester) {
        return Err(AppError::Forbidden);
    }
    if user.email.is_none() {
        return Err(AppError::Rule(Rule::NoEmail));
    }
    if !app.config.mail_enabled() {
        return Err(AppError::Rule(Rule::MailNotConfigured));
    }
    // The filters are checked as the report would check them (fields,
    // buildings in reach), without counting anything.
    let kept = ReportFilter { from: None, to: None, ..new.filters.clone() };
    reports::check_filter(app, requester, name, &kept, Permission::ReportsExport)?;
    let filters = stored_filters(&kept)?;
    let next = next_run(app, cadence, Utc::now());
    let id = user.id;
    let done = app
        .db
        .write(move |tx| Box::pin(async move { store::insert(tx, id, name, &filters, cadence, next).await }))
        .await?;
    Ok(done.value)
}

/// The requester's subscriptions.
pub async fn mine(app: &App, requester: &Requester) -> AppResult<Vec<Subscription>> {
    let user = requester.account()?;
    Ok(store::for_user(&app.db, user.id).await?)
}

/// Cancels one of the requester's subscriptions.
pub async fn cancel(app: &App, requester: &Requester, id: Uuid) -> AppResult<()> {
    let user = requester.account()?.id;
    app.db.write(move |tx| Box::pin(async move { store::delete(tx, user, id).await })).await?;
    Ok(())
}

/// Queues the letters due at `now`; answers how many were queued. Each
/// subscription is moved on whether or not its letter could be made (the
/// reason is kept on it, shown to its owner), so a broken one never blocks
/// the others or retries in a loop.
pub async fn send_due(app: &App, now: DateTime<Utc>) -> AppResult<usize> {
    let Some(letters) = app.report_letters().cloned() else {
        return Ok(0);
    };
    let due = store::due(&app.db, now, BATCH).await?;
    let mut queued = 0;
    for subscription in due {
        match send_one(app, &letters, &subscription, now).await {
            Ok(true) => queued += 1,
            Ok(false) => {}
            // The database is away: the rest wait for the next run.
            Err(error @ AppError::Unavailable(_)) => return Err(error),
            Err(error) => tracing::warn!(subscription = %subscription.id, %error, "a scheduled report failed"),
        }
    }
    Ok(queued)
}

async fn send_one(
    app: &App,
    letters: &Arc<dyn ReportLetters>,
    subscription: &Subscription,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let zone = app.config.display_time_zone;
    let today = now.with_timezone(&zone).date_naive();
    let period = subscription.cadence.period_before(today);
    let next = local_at(app, subscription.cadence.next_day(today));
    // Why there is no letter is kept as the error's stable code (the
    // owner's page words it); the whole error goes to the log.
    let outcome = match letter_for(app, letters, subscription, period).await {
        Ok(letter) => Ok(letter),
        Err(AppError::Unavailable(error)) => return Err(AppError::Unavailable(error)),
        Err(error) => {
            tracing::warn!(subscription = %subscription.id, %error, "a scheduled report cannot be sent");
            Err(error.code().to_owned())
        }
    };
    let (id, expected) = (subscription.id, subscription.next_run_at);
    let key = format!("report:{id}:{}", period.from);
    let label = format!("{}..{}", period.from, period.to);
    let done = app
        .db
        .write(move |tx| {
            Box::pin(async move {
                let result = match &outcome {
                    Ok(_) => RunOutcome::Sent { period: label },
                    Err(error) => RunOutcome::Skipped { error: error.clone() },
                };
                // Whoever moves the subscription on queues its letter.
                if !store::advance(tx, id, expected, next, &result).await? {
                    return Ok::<_, StoreError>(false);
                }
                match &outcome {
                    Ok(letter) => mail::enqueue(tx, &key, letter).await,
                    Err(_) => Ok(false),
                }
            })
        })
        .await?;
    Ok(done.value)
}

/// The letter of one period, or why there is none.
async fn letter_for(
    app: &App,
    letters: &Arc<dyn ReportLetters>,
    subscription: &Subscription,
    period: Period,
) -> AppResult<Letter> {
    if !app.config.mail_enabled() {
        return Err(AppError::Rule(Rule::MailNotConfigured));
    }
    let requester = crate::users::as_job(app, subscription.user_id).await?;
    let user = requester.account()?.clone();
    let Some(to) = user.email.clone() else {
        return Err(AppError::Rule(Rule::NoEmail));
    };
    let filter = filters_for(subscription, period)?;
    let report = reports::export(app, &requester, subscription.report, &filter).await?;
    let letter = letters.letter(&report, &user, &to).map_err(|e| AppError::Unexpected(e.into()))?;
    if !letter.fits() {
        let max_mb = u64::try_from(mail::MAX_LETTER_BYTES / (1024 * 1024)).unwrap_or(u64::MAX);
        return Err(AppError::FileTooLarge { max_mb });
    }
    Ok(letter)
}
