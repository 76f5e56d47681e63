//! The home page: what this person does here.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use domovoy_domain::account::AccountKind;
use domovoy_domain::device::PushKind;
use domovoy_domain::event::Topic;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::GrantScope;
use domovoy_domain::ticket::TicketStatus;
use domovoy_store::devices::Notification;

use crate::auth::PageCaller;
use crate::error::PageError;
use crate::i18n::Catalog;
use crate::pages::{Chrome, NavItem, Section, html, nav};
use crate::state::AppState;
use domovoy_app::{buildings, users};

/// A role held and where.
#[derive(Debug)]
struct RoleLine {
    name: String,
    scope: String,
}

#[derive(Debug)]
struct BuildingLine {
    id: String,
    name: String,
    address: String,
    time_zone: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    resident: bool,
    /// A resident's open requests (newest first) and the position of their
    /// live topic the list was read at.
    open_requests: Vec<RequestLine>,
    /// A resident's latest notifications (their request's moves, their
    /// guest's arrival).
    notices: Vec<NoticeLine>,
    /// A resident's notices from mailings (outages, works, news).
    announcements: Vec<AnnouncementLine>,
    /// Open surveys the resident has not answered yet.
    surveys_waiting: usize,
    live_seq: i64,
    can_create: bool,
    roles: Vec<RoleLine>,
    sections: Vec<NavItem>,
    show_buildings: bool,
    buildings: Vec<BuildingLine>,
}

/// One of a resident's notifications on their start page.
struct NoticeLine {
    title: &'static str,
    /// The ticket's number with its new status, or the guest's name.
    line: String,
    at: String,
    /// Where it leads: the ticket (its rating form, for a rating request).
    href: Option<String>,
}

/// A notice from a mailing, as the resident reads it.
struct AnnouncementLine {
    /// Its mailing's files: id and name.
    files: Vec<(String, String)>,
    kind: &'static str,
    kind_code: &'static str,
    subject: String,
    /// The text formatted (`domain::markup`): an escaped HTML fragment.
    html: String,
    at: String,
}

/// A resident's latest notifications shown on the start page.
const NOTICES_SHOWN: i64 = 5;

fn notice_line(n: &Notification, t: &Catalog, zone: chrono_tz::Tz) -> NoticeLine {
    let line = match n.kind {
        PushKind::VisitorArrived
        | PushKind::SurveyPublished
        | PushKind::SurveyReminder
        | PushKind::OutageNotice
        | PushKind::Mailing => n.detail.clone().unwrap_or_default(),
        PushKind::TicketStatusChanged => {
            let status = n.detail.as_deref().and_then(|d| d.parse::<TicketStatus>().ok());
            match status {
                Some(status) => format!("№ {} — {}", n.number, t.tk.status(&status)),
                None => format!("№ {}", n.number),
            }
        }
        _ => format!("№ {}", n.number),
    };
    NoticeLine {
        title: (t.push_kind_title)(n.kind),
        line,
        at: crate::pages::fmt_time(n.created_at, zone),
        href: match (n.kind, n.ticket_id) {
            (PushKind::SurveyPublished | PushKind::SurveyReminder, _) => Some("/surveys".to_owned()),
            (PushKind::RatingRequested, Some(id)) => Some(format!("/tickets/{id}#rate")),
            (_, Some(id)) => Some(format!("/tickets/{id}")),
            (_, None) => None,
        },
    }
}

/// One of a resident's open requests on their start page.
#[derive(Debug)]
struct RequestLine {
    id: String,
    number: String,
    description: String,
    status: &'static str,
    status_label: &'static str,
    /// «Исполнитель в пути с …», or empty.
    en_route: String,
    created: String,
}

/// The home page: the person's roles and where they apply, the sections
/// they may use, and the buildings in their area.
#[get("/")]
pub async fn home(state: web::Data<AppState>, caller: PageCaller, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let assignments = users::assignments_of(&state, &caller, caller.user().id).await?;
    let roles = assignments
        .iter()
        .map(|a| RoleLine {
            name: a.role_name.clone(),
            scope: match a.scope {
                GrantScope::AllBuildings => t.scope_all.to_owned(),
                GrantScope::Own => t.scope_own.to_owned(),
                GrantScope::Building(_) => t.scope_in(a.building_name.as_deref().unwrap_or("?")),
            },
        })
        .collect();
    let show_buildings = caller.principal().reach(Permission::BuildingsRead).reaches_buildings();
    let buildings = if show_buildings {
        buildings::list(&state, &caller)
            .await?
            .into_iter()
            .map(|b| BuildingLine {
                id: b.id.to_string(),
                name: b.name.to_string(),
                address: b.address.to_string(),
                time_zone: b.time_zone.name(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let sections = nav(&caller, Section::Home).into_iter().filter(|item| item.href != "/").collect();
    let resident = caller.user().kind == AccountKind::Resident;
    let (open_requests, live_seq) = if resident {
        // The position first: a change committed meanwhile is replayed.
        let seq = domovoy_app::live::position(&state, Topic::User(caller.user().id)).await?;
        let query = domovoy_store::tickets::TicketQuery {
            open_only: true,
            sort: domovoy_store::tickets::TicketSort::Newest,
            limit: 20,
            ..Default::default()
        };
        let (page, _) = domovoy_app::tickets::list(&state, &caller, query).await?;
        let zone = state.config.display_time_zone;
        let lines = page
            .items
            .iter()
            .map(|ticket| RequestLine {
                id: ticket.id.to_string(),
                number: ticket.number.to_string(),
                description: ticket.description.as_str().chars().take(140).collect(),
                status: ticket.status().code(),
                status_label: t.tk.status(&ticket.status()),
                en_route: crate::tickets::pages::en_route(ticket, t, zone),
                created: crate::pages::fmt_time(ticket.created_at, zone),
            })
            .collect();
        (lines, seq)
    } else {
        (Vec::new(), 0)
    };
    let notices = if resident {
        let zone = state.config.display_time_zone;
        let latest = domovoy_mobile_bridge::notifications::latest(&state, &caller, NOTICES_SHOWN).await?;
        latest.iter().map(|n| notice_line(n, t, zone)).collect()
    } else {
        Vec::new()
    };
    let announcements = if resident {
        let zone = state.config.display_time_zone;
        domovoy_app::mailings::my_notices(&state, &caller)
            .await?
            .into_iter()
            .take(10)
            .map(|n| AnnouncementLine {
                kind: (t.ml.kind_label)(n.kind),
                kind_code: n.kind.code(),
                subject: n.subject,
                html: domovoy_domain::markup::to_html(&n.text),
                at: crate::pages::fmt_time(n.created_at, zone),
                files: n.files.iter().map(|f| (f.id.to_string(), f.file_name.clone())).collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let surveys_waiting = if resident {
        domovoy_app::surveys::open_for_me(&state, &caller).await?.iter().filter(|o| !o.answered).count()
    } else {
        0
    };
    let can_create = !caller.principal().reach(Permission::TicketsCreate).is_nothing();
    let page = HomePage {
        t,
        chrome: Chrome::new(&caller, Section::Home, req.path()),
        resident,
        open_requests,
        notices,
        announcements,
        surveys_waiting,
        live_seq,
        can_create,
        roles,
        sections,
        show_buildings,
        buildings,
    };
    html(&page)
}
