//! The staff app's files under `/m/`: the shell, its script and styles, the
//! manifest, icons and the service worker, embedded in the binary.
//!
//! They are served `no-cache` (revalidated by ETag): the service worker
//! keeps them for offline use, and its own text carries the version of the
//! whole app, so a Domovoy upgrade reaches the phones at their next start.

use std::sync::OnceLock;

use actix_web::http::header::{self, CacheControl, CacheDirective, EntityTag};
use actix_web::{HttpRequest, HttpResponse, get, web};
use rust_embed::Embed;
use sha2::{Digest, Sha256};

#[derive(Embed)]
#[folder = "pwa/"]
struct Pwa;

/// A hash over every file of the app: changes whenever any file does.
fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut names: Vec<_> = Pwa::iter().collect();
        names.sort();
        let mut hasher = Sha256::new();
        for name in names {
            if let Some(file) = Pwa::get(&name) {
                hasher.update(name.as_bytes());
                hasher.update(file.metadata.sha256_hash());
            }
        }
        hasher.finalize()[..6].iter().map(|b| format!("{b:02x}")).collect()
    })
}

/// `/m` without the slash: the app's scope starts at `/m/`.
#[get("/m")]
pub async fn app_root() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/m/")).finish()
}

/// The app's files; `/m/` and any unknown path under it give the shell
/// (the app routes inside itself).
#[get("/m/{path:.*}")]
pub async fn app_file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let name = match path.as_str() {
        "" | "index.html" => "index.html",
        other => other,
    };
    let Some(file) = Pwa::get(name) else { return HttpResponse::NotFound().finish() };
    let body: Vec<u8> = if name == "sw.js" {
        String::from_utf8_lossy(&file.data).replace("__VERSION__", version()).into_bytes()
    } else {
        file.data.into_owned()
    };
    let tag = EntityTag::new_strong(version().to_owned());
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_matches('"') == tag.tag());
    let cache = CacheControl(vec![CacheDirective::NoCache]);
    if fresh {
        return HttpResponse::NotModified().insert_header(header::ETag(tag)).insert_header(cache).finish();
    }
    let content_type = match name.rsplit('.').next() {
        Some("webmanifest") => "application/manifest+json",
        Some("js") => "text/javascript; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        _ => file.metadata.mimetype(),
    };
    let mut response = HttpResponse::Ok();
    response.content_type(content_type).insert_header(header::ETag(tag)).insert_header(cache);
    if name == "sw.js" {
        response.insert_header(("Service-Worker-Allowed", "/m/"));
    }
    response.body(body)
}
