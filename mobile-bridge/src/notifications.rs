//! A person's in-app notification list: everything pushed to them (work
//! given or taken away, cancelled, reopened, a deadline near), kept whether
//! or not a phone received it, read or not.

use serde::Serialize;
use uuid::Uuid;

use domovoy_app::{App, AppResult, Requester};
use domovoy_store::devices::{self, Notification};

/// The most notifications a list answers.
pub const MAX_LIST: i64 = 200;

/// The person's notifications, newest first, with how many are unread.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationList {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub items: Vec<Notification>,
    pub unread: i64,
}

/// The requester's own notifications, `limit` at most (1–200).
pub async fn list(app: &App, requester: &Requester, limit: i64) -> AppResult<NotificationList> {
    let items = latest(app, requester, limit).await?;
    let unread = devices::unread(&app.db, requester.account()?.id).await?;
    Ok(NotificationList { items, unread })
}

/// The requester's latest notifications, `limit` at most (1–200), without
/// counting the unread ones (a page that shows a few needs no count).
pub async fn latest(app: &App, requester: &Requester, limit: i64) -> AppResult<Vec<Notification>> {
    let user = requester.account()?.id;
    Ok(devices::notifications(&app.db, user, None, limit.clamp(1, MAX_LIST)).await?)
}

/// Marks the requester's notifications up to `up_to` as read (later ones
/// stay unread); answers how many are still unread.
pub async fn mark_read(app: &App, requester: &Requester, up_to: Uuid) -> AppResult<i64> {
    let user = requester.account()?.id;
    app.write(move |tx| Box::pin(async move { Ok(devices::mark_read(tx, user, up_to).await?) })).await?;
    Ok(devices::unread(&app.db, user).await?)
}
