//! Files attached to tickets.
//!
//! The kind of a file is read from its first bytes, never trusted from the
//! client's `Content-Type`. A file is streamed to a temporary name under
//! `<data_dir>/files/tmp`, synced, and renamed to its final place before the
//! row naming it is committed; when the commit fails the file is removed,
//! so nothing half-written stays. Photos get a JPEG thumbnail (320 px).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::error::bounded_text;
use domovoy_domain::event::{AttachmentNotice, Event};
use domovoy_domain::ids::{AttachmentId, TicketId, UserId};
use domovoy_domain::permission::Permission;
use domovoy_domain::ticket::{HistoryChange, PhotoStage, Ticket};
use domovoy_store::WriteTx;
use domovoy_store::tickets::{self, Attachment, PhotoUpload};

use crate::App;
use crate::Requester;
use crate::tickets::{get, may_attach};
use crate::{AppError, AppResult};

/// Longest side of a thumbnail, in pixels.
const THUMBNAIL_SIZE: u32 = 320;
/// Photos larger than this many pixels are stored without a thumbnail
/// (decoding them would take too much memory).
const MAX_DECODE_PIXELS: u64 = 50_000_000;

/// A kind of file tickets accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Heic,
    Mp4,
    Pdf,
    /// Word or Excel (OOXML, a zip container).
    OfficeXml,
    /// Word or Excel 97–2003.
    OfficeLegacy,
    Text,
}

impl FileKind {
    /// The `Content-Type` it is served with.
    pub fn content_type(self, name: &str) -> &'static str {
        let lower = name.to_lowercase();
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Heic => "image/heic",
            Self::Mp4 => "video/mp4",
            Self::Pdf => "application/pdf",
            Self::OfficeXml if lower.ends_with(".xlsx") => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            Self::OfficeXml => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::OfficeLegacy if lower.ends_with(".xls") => "application/vnd.ms-excel",
            Self::OfficeLegacy => "application/msword",
            Self::Text => "text/plain; charset=utf-8",
        }
    }

    /// Whether a thumbnail can be made.
    fn decodable(self) -> bool {
        matches!(self, Self::Jpeg | Self::Png | Self::Webp)
    }

    /// Whether the staff app may send it as a photo.
    fn is_photo(self) -> bool {
        matches!(self, Self::Jpeg | Self::Png | Self::Webp | Self::Heic)
    }

    /// The file name's extension for a photo.
    fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Heic => "heic",
            _ => "jpg",
        }
    }

    pub fn is_image(content_type: &str) -> bool {
        content_type.starts_with("image/")
    }
}

/// Recognises a file by its first bytes (and, for containers shared by
/// several formats, its extension).
pub fn sniff(head: &[u8], name: &str) -> Option<FileKind> {
    let lower = name.to_lowercase();
    let ext = |list: &[&str]| list.iter().any(|e| lower.ends_with(e));
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some(FileKind::Webp)
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        match &head[8..12] {
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc" => Some(FileKind::Heic),
            b"isom" | b"iso2" | b"mp41" | b"mp42" | b"avc1" | b"M4V " | b"qt  " | b"3gp4" | b"3gp5" => {
                Some(FileKind::Mp4)
            }
            _ => None,
        }
    } else if head.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if head.starts_with(b"PK\x03\x04") && ext(&[".docx", ".xlsx"]) {
        Some(FileKind::OfficeXml)
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) && ext(&[".doc", ".xls"]) {
        Some(FileKind::OfficeLegacy)
    } else if ext(&[".txt"]) && !head.contains(&0) && std::str::from_utf8(valid_prefix(head)).is_ok() {
        Some(FileKind::Text)
    } else {
        None
    }
}

/// `head` without a UTF-8 sequence cut off at its end.
fn valid_prefix(head: &[u8]) -> &[u8] {
    match std::str::from_utf8(head) {
        Ok(_) => head,
        Err(e) if e.error_len().is_none() => &head[..e.valid_up_to()],
        Err(_) => head,
    }
}

/// A file name as shown and offered on download: the last path component,
/// without control characters, 1 to 200 characters.
pub fn clean_file_name(raw: &str) -> Result<String, FieldError> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control() && *c != '"').collect();
    let cleaned = cleaned.trim().to_owned();
    match cleaned.chars().count() {
        0 => Err(FieldError::Required),
        n if n > 200 => Err(FieldError::TooLong { max: 200 }),
        _ => Ok(cleaned),
    }
}

/// Where an attachment's bytes live.
pub use domovoy_store::files::file_path;

pub fn thumbnail_path(root: &Path, id: Uuid) -> PathBuf {
    let mut path = file_path(root, id);
    path.set_extension("thumb.jpg");
    path
}

/// Removes a file on drop unless kept: a failed upload leaves nothing.
pub(crate) struct Cleanup(pub Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Attaches the streamed file to a ticket.
pub async fn upload<S, E>(
    app: &App,
    requester: &Requester,
    ticket_id: TicketId,
    file_name: &str,
    body: S,
) -> Result<Attachment, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let ticket = get(app, requester, ticket_id).await?;
    if !may_attach(requester, &ticket) {
        return Err(AppError::Forbidden);
    }
    let received = receive(app, file_name, body, app.config.max_attachment_bytes).await?;
    keep(app, ticket_id, received, None, (requester.user_id(), requester.display_name())).await
}

/// Streams a file to a temporary name under the files directory: at most
/// `max` bytes, not empty, of a kind accepted (by its first bytes and
/// name). On any failure the partial file is removed.
pub(crate) async fn receive<S, E>(app: &App, file_name: &str, mut body: S, max: u64) -> AppResult<Received>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let file_name = clean_file_name(file_name).map_err(|e| AppError::field("file_name", e))?;
    let root = app.config.files_dir.clone();
    let id = Uuid::now_v7();
    let tmp_dir = root.join("tmp");
    tokio::fs::create_dir_all(&tmp_dir).await.map_err(AppError::unexpected)?;
    let tmp = tmp_dir.join(format!("{}.part", id.simple()));
    let mut cleanup = Cleanup(vec![tmp.clone()]);

    let mut file = tokio::fs::File::create(&tmp).await.map_err(AppError::unexpected)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut head: Vec<u8> = Vec::with_capacity(64);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| {
            tracing::debug!(%error, "upload interrupted");
            AppError::Rule(crate::Rule::UploadInterrupted)
        })?;
        size += chunk.len() as u64;
        if size > max {
            return Err(too_large(max));
        }
        if head.len() < 64 {
            head.extend_from_slice(&chunk[..chunk.len().min(64 - head.len())]);
        }
        hasher.update(&chunk);
        tokio::io::AsyncWriteExt::write_all(&mut file, &chunk).await.map_err(AppError::unexpected)?;
    }
    if size == 0 {
        return Err(AppError::Rule(crate::Rule::FileEmpty));
    }
    let kind = sniff(&head, &file_name).ok_or(AppError::UnsupportedFile)?;
    file.sync_all().await.map_err(AppError::unexpected)?;
    drop(file);
    cleanup.0.clear();
    Ok(Received { id, tmp, file_name, kind, size, sha256: hex(&hasher.finalize()) })
}

fn too_large(max: u64) -> AppError {
    AppError::FileTooLarge { max_mb: max.div_ceil(1024 * 1024) }
}

/// A file whose bytes are all on disk, under a temporary name.
pub(crate) struct Received {
    pub id: Uuid,
    pub tmp: PathBuf,
    pub file_name: String,
    pub kind: FileKind,
    pub size: u64,
    pub sha256: String,
}

impl Received {
    /// Moves the file to its place ([`file_path`]); answers the path.
    pub(crate) async fn place(&self, root: &Path) -> AppResult<PathBuf> {
        let path = file_path(root, self.id);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(AppError::unexpected)?;
        }
        tokio::fs::rename(&self.tmp, &path).await.map_err(AppError::unexpected)?;
        Ok(path)
    }
}

/// Moves a received file to its place, makes its thumbnail and commits
/// the attachment (with the history entry and the event); for a photo, the
/// announcement it fulfils goes in the same transaction. On any failure
/// the files are removed and nothing is stored.
async fn keep(
    app: &App,
    ticket_id: TicketId,
    received: Received,
    photo: Option<(PhotoStage, Option<String>)>,
    (user, name): (Option<UserId>, String),
) -> Result<Attachment, AppError> {
    let root = app.config.files_dir.clone();
    let id = received.id;
    let mut cleanup = Cleanup(vec![received.tmp.clone()]);
    let final_path = received.place(&root).await?;
    cleanup.0 = vec![final_path.clone()];

    let has_thumbnail = if received.kind.decodable() {
        let (source, target) = (final_path.clone(), thumbnail_path(&root, id));
        let made = tokio::task::spawn_blocking(move || make_thumbnail(&source, &target))
            .await
            .map_err(AppError::unexpected)?;
        match made {
            Ok(()) => {
                cleanup.0.push(thumbnail_path(&root, id));
                true
            }
            Err(error) => {
                tracing::info!(%error, attachment = %id, "no thumbnail for an attached image");
                false
            }
        }
    } else {
        false
    };

    let attachment = Attachment {
        id,
        ticket_id: ticket_id.as_uuid(),
        content_type: received.kind.content_type(&received.file_name).to_owned(),
        file_name: received.file_name,
        size_bytes: i64::try_from(received.size).unwrap_or(i64::MAX),
        sha256: received.sha256,
        has_thumbnail,
        stage: photo.as_ref().map(|(stage, _)| *stage),
        caption: photo.and_then(|(_, caption)| caption),
        uploaded_by: user,
        created_at: domovoy_store::stored_now(),
    };
    let row = attachment.clone();
    app.write(move |tx| {
        Box::pin(async move {
            if row.stage.is_some() && !tickets::remove_photo_upload(tx, row.id).await? {
                // Given up by housekeeping, or finished by a request that
                // raced this one: nothing to keep.
                return Err(AppError::NotFound);
            }
            tickets::add_attachment(tx, &row).await?;
            let change = HistoryChange::Attachment {
                attachment_id: row.id,
                file_name: row.file_name.clone(),
                size_bytes: row.size_bytes,
                stage: row.stage,
            };
            tickets::add_history(tx, ticket_id, (user, &name), &change).await?;
            tx.emit(&Event::TicketAttached(AttachmentNotice {
                ticket_id,
                attachment_id: row.id,
                file_name: row.file_name.clone(),
            }));
            Ok(())
        })
    })
    .await?;
    cleanup.0.clear();
    Ok(attachment)
}

// ---- Photos from the staff app --------------------------------------------------------

/// Photos whose bytes are being received on this node: one request at a
/// time per photo, so that two retries cannot interleave their pieces.
#[derive(Debug, Default)]
pub struct PhotosInFlight(std::sync::Mutex<HashSet<Uuid>>);

/// Holds a photo's place in [`PhotosInFlight`] until dropped.
struct InFlight<'a>(&'a PhotosInFlight, Uuid);

impl PhotosInFlight {
    fn enter(&self, id: Uuid) -> Option<InFlight<'_>> {
        let mut held = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.insert(id).then_some(InFlight(self, id))
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.1);
    }
}

/// What the phone announces before it sends a photo's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoAnnouncement {
    /// The id the phone made; the attachment keeps it.
    pub id: Uuid,
    pub stage: PhotoStage,
    /// A signature: the signer's name as they gave it (required for one).
    pub caption: Option<String>,
    /// The size of the compressed photo, in bytes.
    pub size: u64,
}

/// Announces a photo of a ticket inside the transaction of the offline
/// change that carries it (`ticket.photo`): whoever may attach files to the
/// ticket may, and the bytes are then expected from them alone.
pub async fn announce_photo_in(
    tx: &mut WriteTx,
    requester: &Requester,
    max_bytes: u64,
    ticket_id: TicketId,
    photo: &PhotoAnnouncement,
) -> AppResult<Ticket> {
    let ticket = tickets::get(&mut *tx, ticket_id).await?;
    requester.require(Permission::TicketsRead, &ticket.target())?;
    if !may_attach(requester, &ticket) {
        return Err(AppError::Forbidden);
    }
    if photo.size == 0 {
        return Err(AppError::Rule(crate::Rule::FileEmpty));
    }
    if photo.size > max_bytes {
        return Err(too_large(max_bytes));
    }
    let caption = match (photo.stage, photo.caption.as_deref().map(str::trim).filter(|c| !c.is_empty())) {
        (PhotoStage::Signature, None) => return Err(AppError::field("caption", FieldError::Required)),
        (_, None) => None,
        (_, Some(text)) => Some(bounded_text(text, 1, 120).map_err(|e| AppError::field("caption", e))?),
    };
    let user = requester.user_id().ok_or(AppError::Forbidden)?;
    let upload = PhotoUpload {
        id: photo.id,
        ticket_id,
        user_id: user,
        stage: photo.stage,
        caption,
        size_bytes: i64::try_from(photo.size).unwrap_or(i64::MAX),
        created_at: tx.now(),
    };
    tickets::announce_photo(tx, &upload).await?;
    Ok(ticket)
}

/// Where a photo's upload stands after a piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoProgress {
    /// More bytes are expected, from this offset.
    Partial { received: u64, size: u64 },
    /// The photo is whole and attached (also when it was before: a piece
    /// sent again after a lost answer).
    Complete(Attachment),
}

/// Where the pieces of an announced photo gather.
fn partial_path(root: &Path, id: Uuid) -> PathBuf {
    root.join("tmp").join(format!("{}.photo", id.simple()))
}

/// Receives a piece of an announced photo starting at byte `offset`. A
/// piece that does not start where the received bytes end is refused with
/// the offset to resume from; the last piece makes the attachment.
pub async fn receive_photo<S, E>(
    app: &App,
    requester: &Requester,
    id: Uuid,
    offset: u64,
    mut body: S,
) -> AppResult<PhotoProgress>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let me = requester.user_id().ok_or(AppError::Forbidden)?;
    // One request at a time per photo; the announcement is read after the
    // turn comes, so a request that waited sees what the one before did.
    let _turn = app.photos_in_flight.enter(id).ok_or(AppError::Conflict)?;
    let Some(photo) = tickets::photo_upload(&app.db, id).await? else {
        return match tickets::attachment(&app.db, AttachmentId::from_uuid(id)).await {
            Ok(done) if done.uploaded_by == Some(me) => Ok(PhotoProgress::Complete(done)),
            Ok(_) => Err(AppError::Forbidden),
            Err(domovoy_store::StoreError::NotFound) => Err(AppError::NotFound),
            Err(other) => Err(other.into()),
        };
    };
    if photo.user_id != me {
        return Err(AppError::Forbidden);
    }
    let size = u64::try_from(photo.size_bytes).unwrap_or(0);
    let root = app.config.files_dir.clone();
    tokio::fs::create_dir_all(root.join("tmp")).await.map_err(AppError::unexpected)?;
    let partial = partial_path(&root, id);
    let mut file =
        tokio::fs::OpenOptions::new().create(true).append(true).open(&partial).await.map_err(AppError::unexpected)?;
    let mut received = file.metadata().await.map_err(AppError::unexpected)?.len();
    if offset != received {
        return Err(AppError::UploadOffset { received });
    }
    let mut failed = None;
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                // What arrived stays: the phone resumes from there.
                tracing::debug!(%error, photo = %id, received, "photo piece interrupted");
                failed = Some(AppError::Rule(crate::Rule::UploadInterrupted));
                break;
            }
        };
        if received + chunk.len() as u64 > size {
            failed = Some(AppError::field(
                "offset",
                FieldError::TooLong { max: usize::try_from(size).unwrap_or(usize::MAX) },
            ));
            break;
        }
        tokio::io::AsyncWriteExt::write_all(&mut file, &chunk).await.map_err(AppError::unexpected)?;
        received += chunk.len() as u64;
    }
    file.sync_data().await.map_err(AppError::unexpected)?;
    drop(file);
    if let Some(error) = failed {
        return Err(error);
    }
    if received < size {
        return Ok(PhotoProgress::Partial { received, size });
    }
    let whole = tokio::fs::read(&partial).await.map_err(AppError::unexpected)?;
    let kind = sniff(&whole[..whole.len().min(64)], "photo.jpg").filter(|k| k.is_photo());
    let Some(kind) = kind else {
        // Not a photo: what arrived is dropped so that nothing is kept.
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(AppError::UnsupportedFile);
    };
    let file_name =
        format!("{}-{}.{}", photo_name(photo.stage), photo.created_at.format("%Y%m%d-%H%M%S"), kind.extension());
    let sha256 = hex(&Sha256::digest(&whole));
    let received = Received { id, tmp: partial, file_name, kind, size, sha256 };
    let kept = Some((photo.stage, photo.caption.clone()));
    match keep(app, photo.ticket_id, received, kept, (Some(me), requester.display_name())).await {
        Ok(attachment) => Ok(PhotoProgress::Complete(attachment)),
        // Another request finished it first.
        Err(AppError::NotFound) => match tickets::attachment(&app.db, AttachmentId::from_uuid(id)).await {
            Ok(done) => Ok(PhotoProgress::Complete(done)),
            Err(_) => Err(AppError::NotFound),
        },
        Err(other) => Err(other),
    }
}

/// The file name a photo gets: what it shows (the page labels it in the
/// reader's language).
fn photo_name(stage: PhotoStage) -> &'static str {
    match stage {
        PhotoStage::Before => "before",
        PhotoStage::After => "after",
        PhotoStage::Signature => "signature",
    }
}

/// Forgets photos announced more than `keep` ago whose bytes never came,
/// with the pieces that did. Returns how many.
pub async fn forget_stale_photos(app: &App, keep: chrono::Duration) -> AppResult<usize> {
    let stale = tickets::stale_photo_uploads(&app.db, chrono::Utc::now() - keep, 500).await?;
    let mut forgotten = 0;
    for id in stale {
        let removed =
            app.db.write(move |tx| Box::pin(async move { tickets::remove_photo_upload(tx, id).await })).await?;
        if removed.value {
            let _ = tokio::fs::remove_file(partial_path(&app.config.files_dir, id)).await;
            forgotten += 1;
        }
    }
    Ok(forgotten)
}

/// Decodes a photo and writes its JPEG thumbnail.
fn make_thumbnail(source: &Path, target: &Path) -> Result<(), image::ImageError> {
    let mut reader = image::ImageReader::open(source)?.with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_PIXELS * 4);
    reader.limits(limits);
    let (width, height) = reader.into_dimensions()?;
    if u64::from(width) * u64::from(height) > MAX_DECODE_PIXELS {
        return Err(image::ImageError::Limits(image::error::LimitError::from_kind(
            image::error::LimitErrorKind::DimensionError,
        )));
    }
    let mut reader = image::ImageReader::open(source)?.with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_PIXELS * 4);
    reader.limits(limits);
    let picture = reader.decode()?;
    let thumbnail = picture.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE).into_rgb8();
    let mut out = std::io::BufWriter::new(std::fs::File::create(target)?);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&thumbnail)?;
    std::io::Write::flush(&mut out)?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An attachment the requester may download, with its path on disk.
pub async fn open(
    app: &App,
    requester: &Requester,
    id: Uuid,
    thumbnail: bool,
) -> Result<(Attachment, PathBuf), AppError> {
    let attachment = tickets::attachment(&app.db, AttachmentId::from_uuid(id)).await?;
    get(app, requester, TicketId::from_uuid(attachment.ticket_id)).await?;
    let root = &app.config.files_dir;
    let path = match thumbnail {
        true if attachment.has_thumbnail => thumbnail_path(root, id),
        true => return Err(AppError::NotFound),
        false => file_path(root, id),
    };
    Ok((attachment, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_content_not_by_name() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], "photo.png"), Some(FileKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", "x"), Some(FileKind::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ", "x"), Some(FileKind::Webp));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0", "IMG_1.HEIC"), Some(FileKind::Heic));
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0", "video.mp4"), Some(FileKind::Mp4));
        assert_eq!(sniff(b"%PDF-1.7\n", "act.pdf"), Some(FileKind::Pdf));
        assert_eq!(sniff(b"PK\x03\x04....", "smeta.xlsx"), Some(FileKind::OfficeXml));
        assert_eq!(sniff(b"PK\x03\x04....", "archive.zip"), None);
        assert_eq!(sniff("Протечка в кв. 45".as_bytes(), "note.txt"), Some(FileKind::Text));
        assert_eq!(sniff(b"MZ\x90\0", "setup.exe"), None);
        assert_eq!(sniff(b"MZ\x90\0", "photo.jpg"), None);
        assert_eq!(sniff(b"<html><script>", "page.txt"), Some(FileKind::Text));
        assert_eq!(FileKind::Text.content_type("page.txt"), "text/plain; charset=utf-8");
    }

    #[test]
    fn a_text_cut_inside_a_letter_is_still_text() {
        let text = "Протечка".as_bytes();
        assert_eq!(sniff(&text[..5], "a.txt"), Some(FileKind::Text));
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("C:\\Users\\Иван\\фото 1.jpg").unwrap(), "фото 1.jpg");
        assert_eq!(clean_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_file_name("a\u{0}b\"c.pdf").unwrap(), "abc.pdf");
        assert_eq!(clean_file_name("  /  "), Err(FieldError::Required));
        assert_eq!(clean_file_name(&"я".repeat(201)), Err(FieldError::TooLong { max: 200 }));
    }
}
