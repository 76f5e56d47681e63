//! Where stored files' bytes live: under the files directory, by id
//! (`<root>/<first two hex digits>/<id>`). Attachments of tickets and of
//! mailings, and the e-mail sender that reads a mailing's files, use this
//! one layout.

use std::path::{Path, PathBuf};

use uuid::Uuid;

/// The path of the file `id` under `root`.
pub fn file_path(root: &Path, id: Uuid) -> PathBuf {
    let simple = id.simple().to_string();
    root.join(&simple[..2]).join(simple)
}
