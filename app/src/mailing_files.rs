//! Files attached to a mailing: every letter carries them (the e-mail
//! sender reads them from the files directory when it sends, so a
//! 10,000-letter mailing queues no copies), and the cabinet's notice links
//! them. Attached and removed only while the mailing is a draft; what was
//! sent stays as it was sent.

use bytes::Bytes;
use futures_util::Stream;
use std::path::PathBuf;
use uuid::Uuid;

use domovoy_domain::ids::MailingId;
use domovoy_domain::mailing::MailingStatus;
use domovoy_store::clients;
use domovoy_store::mailings::{self as store, MailingFile};

use crate::App;
use crate::attachments::{Cleanup, file_path, receive};
use crate::error::{AppError, AppResult, Rule};
use crate::mailings::readable;
use crate::requester::Requester;

/// Files one mailing may carry.
pub const MAX_FILES: usize = 5;

/// All of a mailing's files together, in bytes: a letter must stay well
/// within what mail servers take (commonly 20–25 MB, base64 adding a
/// third).
pub const MAX_TOTAL_BYTES: u64 = 10 * 1024 * 1024;

/// Attaches the streamed file to a draft.
pub async fn attach<S, E>(
    app: &App,
    requester: &Requester,
    id: MailingId,
    file_name: &str,
    body: S,
) -> AppResult<MailingFile>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mailing = readable(app, requester, id).await?;
    if mailing.status != MailingStatus::Draft {
        return Err(AppError::Rule(Rule::MailingAlreadySent));
    }
    let present = store::files(&app.db, id).await?;
    if present.len() >= MAX_FILES {
        return Err(AppError::field("file", domovoy_domain::FieldError::TooLong { max: MAX_FILES }));
    }
    let used: u64 = present.iter().map(|f| u64::try_from(f.size_bytes).unwrap_or(0)).sum();
    let room = MAX_TOTAL_BYTES.saturating_sub(used);
    let received = match receive(app, file_name, body, room.min(app.config.max_attachment_bytes)).await {
        Err(AppError::FileTooLarge { .. }) => {
            return Err(AppError::FileTooLarge { max_mb: MAX_TOTAL_BYTES.div_ceil(1024 * 1024) });
        }
        other => other?,
    };
    let mut cleanup = Cleanup(vec![received.tmp.clone()]);
    let path = received.place(&app.config.files_dir).await?;
    cleanup.0 = vec![path];
    let file = MailingFile {
        id: received.id,
        mailing_id: id.as_uuid(),
        content_type: received.kind.content_type(&received.file_name).to_owned(),
        file_name: received.file_name,
        size_bytes: i64::try_from(received.size).unwrap_or(i64::MAX),
        sha256: received.sha256,
        created_at: domovoy_store::stored_now(),
    };
    let row = file.clone();
    let added = app.write(move |tx| Box::pin(async move { Ok(store::insert_file(tx, &row).await?) })).await?;
    if !added {
        // Sent or scheduled while the file was on its way.
        return Err(AppError::Rule(Rule::MailingAlreadySent));
    }
    cleanup.0.clear();
    Ok(file)
}

/// Removes a file from a draft.
pub async fn detach(app: &App, requester: &Requester, id: MailingId, file: Uuid) -> AppResult<()> {
    let mailing = readable(app, requester, id).await?;
    if mailing.status != MailingStatus::Draft {
        return Err(AppError::Rule(Rule::MailingAlreadySent));
    }
    let removed = app.write(move |tx| Box::pin(async move { Ok(store::delete_file(tx, id, file).await?) })).await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    let path = file_path(&app.config.files_dir, file);
    if let Err(error) = tokio::fs::remove_file(&path).await {
        tracing::warn!(%error, path = %path.display(), "a removed mailing file stays on disk");
    }
    Ok(())
}

/// A mailing's files, for those who read the mailing.
pub async fn list(app: &App, requester: &Requester, id: MailingId) -> AppResult<Vec<MailingFile>> {
    readable(app, requester, id).await?;
    Ok(store::files(&app.db, id).await?)
}

/// A file and where its bytes are: for those who read the mailing, and for
/// a resident who received it in the cabinet (others: not found).
pub async fn open(app: &App, requester: &Requester, file: Uuid) -> AppResult<(MailingFile, PathBuf)> {
    let found = store::file(&app.db, file).await?;
    let mailing = MailingId::from_uuid(found.mailing_id);
    let allowed = if requester.is_resident() {
        match clients::find_by_user(&app.db, requester.account()?.id).await? {
            Some(client) => store::received(&app.db, mailing, client).await?,
            None => false,
        }
    } else {
        readable(app, requester, mailing).await.is_ok()
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    let path = file_path(&app.config.files_dir, found.id);
    Ok((found, path))
}
