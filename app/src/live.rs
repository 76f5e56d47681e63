//! Positions of live topics, for pages that render a snapshot and then
//! follow its changes.
//!
//! A page reads the topic's position *before* its data and renders it with
//! the snapshot (`data-live-seq`): whatever commits in between is replayed
//! to it on subscribing, so nothing is missed (a change seen twice is
//! harmless, pages apply updates idempotently).

use std::collections::HashMap;

use domovoy_domain::event::Topic;
use domovoy_store::events;

use crate::{App, AppResult};

/// The last sequence number of `topic` (0: nothing happened yet).
pub async fn position(app: &App, topic: Topic) -> AppResult<i64> {
    Ok(events::last_seq(&app.db, topic).await?)
}

/// The positions of several topics in one read.
pub async fn positions(app: &App, topics: &[Topic]) -> AppResult<HashMap<Topic, i64>> {
    Ok(events::last_seqs(&app.db, topics).await?)
}
