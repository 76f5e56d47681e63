//! Files attached to tickets.
//!
//! The kind of a file is read from its first bytes, never trusted from the
//! client's `Content-Type`. A file is streamed to a temporary name under
//! `<data_dir>/files/tmp`, synced, and renamed to its final place before the
//! row naming it is committed; when the commit fails the file is removed,
//! so nothing half-written stays. Photos get a JPEG thumbnail (320 px).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::event::{AttachmentNotice, Event};
use domovoy_domain::ids::{AttachmentId, TicketId};
use domovoy_domain::ticket::HistoryChange;
use domovoy_store::tickets::{self, Attachment};

use crate::App;
use crate::AppError;
use crate::Requester;
use crate::tickets::{get, may_attach};

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
pub fn file_path(root: &Path, id: Uuid) -> PathBuf {
    let simple = id.simple().to_string();
    root.join(&simple[..2]).join(simple)
}

pub fn thumbnail_path(root: &Path, id: Uuid) -> PathBuf {
    let mut path = file_path(root, id);
    path.set_extension("thumb.jpg");
    path
}

/// Removes a file on drop unless kept: a failed upload leaves nothing.
struct Cleanup(Vec<PathBuf>);

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
    mut body: S,
) -> Result<Attachment, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let ticket = get(app, requester, ticket_id).await?;
    if !may_attach(requester, &ticket) {
        return Err(AppError::Forbidden);
    }
    let file_name = clean_file_name(file_name).map_err(|e| AppError::field("file_name", e))?;
    let root = app.config.files_dir.clone();
    let max = app.config.max_attachment_bytes;
    let max_mb = max.div_ceil(1024 * 1024);
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
            return Err(AppError::FileTooLarge { max_mb });
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

    let final_path = file_path(&root, id);
    if let Some(dir) = final_path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(AppError::unexpected)?;
    }
    tokio::fs::rename(&tmp, &final_path).await.map_err(AppError::unexpected)?;
    cleanup.0 = vec![final_path.clone()];

    let has_thumbnail = if kind.decodable() {
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
        content_type: kind.content_type(&file_name).to_owned(),
        file_name,
        size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
        sha256: hex(&hasher.finalize()),
        has_thumbnail,
        created_at: domovoy_store::stored_now(),
    };
    let (row, user, name) = (attachment.clone(), requester.user_id(), requester.display_name());
    app.write(move |tx| {
        Box::pin(async move {
            tickets::add_attachment(tx, &row, user).await?;
            let change = HistoryChange::Attachment {
                attachment_id: row.id,
                file_name: row.file_name.clone(),
                size_bytes: row.size_bytes,
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
