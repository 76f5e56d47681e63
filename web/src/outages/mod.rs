//! Outages: `/api/v1/outages` and the pages `/outages`, `/outages/<id>`.
//! The notices' default words are written here, from the caller's
//! catalog, when a request leaves them out.

pub mod api;
pub mod pages;

use domovoy_app::outages::NoticeInput;
use domovoy_domain::outage::{OutageKind, TIME_FORMAT};

use crate::i18n::Catalog;

/// A wall-clock time as a notice says it: `10.12 09:00`.
fn said(time: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(time.trim(), TIME_FORMAT)
        .map_or_else(|_| time.trim().to_owned(), |t| t.format("%d.%m %H:%M").to_string())
}

/// The opening notice: as written, or (both left empty) in the catalog's
/// words from the kind, the times and the details.
pub fn opening_notice(
    t: &Catalog,
    written: Option<NoticeInput>,
    kind: &str,
    starts_at: &str,
    ends_at: &str,
    details: &str,
) -> NoticeInput {
    let kind = kind.parse().unwrap_or(OutageKind::Other);
    let title = (t.ou.notice_title)(kind);
    let body = (t.ou.notice_body)(kind, &said(starts_at), &said(ends_at), details.trim().trim_end_matches('.'));
    fill(written, title, body)
}

/// The closing notice: as written, or in the catalog's words.
pub fn closing_notice(t: &Catalog, written: Option<NoticeInput>, kind: OutageKind) -> NoticeInput {
    fill(written, (t.ou.closing_title)(kind), (t.ou.closing_body)(kind))
}

/// Each part left empty takes the default.
fn fill(written: Option<NoticeInput>, title: String, body: String) -> NoticeInput {
    let written = written.unwrap_or(NoticeInput { title: String::new(), body: String::new() });
    NoticeInput {
        title: if written.title.trim().is_empty() { title } else { written.title },
        body: if written.body.trim().is_empty() { body } else { written.body },
    }
}

/// An outage in one line: what is cut off, from when to when (`Горячая
/// вода · с 10.12 09:00 до 10.12 18:00`).
pub fn summary(t: &Catalog, outage: &domovoy_domain::outage::Outage) -> String {
    let at = |time: chrono::NaiveDateTime| time.format("%d.%m %H:%M").to_string();
    format!("{} · {}", (t.ou.kind_label)(outage.kind), (t.ou.period)(&at(outage.starts_at), &at(outage.ends_at)))
}
