//! Closing done tickets nobody confirmed.
//!
//! A resident confirms finished work by closing or rating it; when nobody
//! does within `tickets.auto_close_days`, the ticket closes by itself. The
//! job works through every due ticket, oldest first, in batches, so a
//! backlog after downtime is cleared in one run and old tickets never wait
//! behind recent ones. Each close is the ordinary workflow move, made by
//! the system requester `auto_close`, so history, audit, SLA and events are
//! exactly those of a person's close; a ticket someone reopened meanwhile
//! is left alone.

use chrono::{Duration, Utc};

use domovoy_domain::ticket::TicketStatus;
use domovoy_store::tickets as store;

use crate::tickets::{TransitionRequest, transition};
use crate::{App, AppError, AppResult, Channel, Requester};

/// Tickets read per batch.
const BATCH: i64 = 200;

/// Closes tickets done more than `after` ago; returns how many it closed.
pub async fn run(app: &App, after: Duration) -> AppResult<usize> {
    let system = Requester::system("auto_close", Channel::Job);
    let cutoff = Utc::now() - after;
    let mut closed = 0;
    loop {
        let due = store::done_before(&app.db, cutoff, BATCH).await?;
        let batch_len = due.len();
        let mut progressed = false;
        for id in due {
            let request =
                TransitionRequest { to: TicketStatus::Closed.code().to_owned(), ..TransitionRequest::default() };
            match transition(app, &system, id, &request).await {
                Ok(_) => {
                    closed += 1;
                    progressed = true;
                }
                // Someone moved it first (reopened, closed): nothing to do.
                Err(AppError::Workflow(_) | AppError::VersionConflict { .. } | AppError::NotFound) => {
                    progressed = true;
                }
                Err(error) => {
                    tracing::warn!(%error, ticket = %id, "auto-close failed");
                }
            }
        }
        // A batch shorter than asked was the last; a batch where nothing
        // could be closed would come back the same, so stop there too.
        if batch_len < usize::try_from(BATCH).unwrap_or(usize::MAX) || !progressed {
            return Ok(closed);
        }
    }
}
