//! Static assets (CSS, JavaScript, icons), embedded in the binary.
//!
//! URLs carry a content hash (`/static/app.css?v=1a2b3c4d`), so browsers
//! may cache them for a year and still fetch a new version after an upgrade.

use actix_web::http::header::{self, CacheControl, CacheDirective, EntityTag};
use actix_web::{HttpRequest, HttpResponse, get, web};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "static/"]
struct Static;

/// The versioned URL of an embedded asset.
pub fn url(name: &str) -> String {
    match Static::get(name) {
        Some(file) => format!("/static/{name}?v={}", short_hash(&file.metadata.sha256_hash())),
        None => format!("/static/{name}"),
    }
}

fn short_hash(hash: &[u8; 32]) -> String {
    hash[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// Serves an embedded asset with its content type and caching headers.
#[get("/static/{path:.*}")]
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some(file) = Static::get(&path) else { return HttpResponse::NotFound().finish() };
    let tag = EntityTag::new_strong(short_hash(&file.metadata.sha256_hash()));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_matches('"') == tag.tag());
    let versioned = req.query_string().starts_with("v=");
    let cache = if versioned {
        CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(31_536_000),
            CacheDirective::Extension("immutable".into(), None),
        ])
    } else {
        CacheControl(vec![CacheDirective::NoCache])
    };
    if fresh {
        return HttpResponse::NotModified().insert_header(header::ETag(tag)).insert_header(cache).finish();
    }
    HttpResponse::Ok()
        .content_type(file.metadata.mimetype())
        .insert_header(header::ETag(tag))
        .insert_header(cache)
        .body(file.data.into_owned())
}

/// The site icon, also at the address browsers ask for on their own.
#[get("/favicon.ico")]
pub async fn favicon() -> HttpResponse {
    let Some(file) = Static::get("favicon.svg") else { return HttpResponse::NotFound().finish() };
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(86_400)]))
        .body(file.data.into_owned())
}
