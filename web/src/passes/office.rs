//! The concierge's and manager's side of the desk (`/guard/passes`): the
//! building's passes, a pass issued on a resident's behalf (its PIN, link
//! and QR code shown once to hand over), and the building's blocklist.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_app::AppError;
use domovoy_app::passes::{self, BlockInput, PassInput};
use domovoy_domain::building::Building;
use domovoy_domain::ids::{BlockEntryId, BuildingId, PassId};
use domovoy_domain::pass::PassKind;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;

use super::pages::{MatchLine, desk_buildings, local_time_to_rfc3339, match_line};
use crate::auth::csrf::NoFields;
use crate::auth::{CsrfForm, PageCaller};
use crate::error::PageError;
use crate::i18n::Catalog;
use crate::pages::{Chrome, FormFailure, Section, fmt_time, html_with_status, see_other};
use crate::state::AppState;

/// A blocklist entry as the page lists it.
struct BlockLine {
    id: String,
    name: String,
    aliases: String,
    phones: String,
    plates: String,
    reason: String,
    /// Company-wide (not this building's own).
    everywhere: bool,
    added: String,
}

/// The pass just issued, to hand over once.
struct IssuedLine {
    visitor: String,
    pin: String,
    link: String,
    qr: Option<String>,
}

#[derive(Template)]
#[template(path = "guard_passes.html")]
struct OfficePage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    buildings: Vec<(String, String, bool)>,
    building_id: String,
    may_issue: bool,
    may_block: bool,
    passes: Vec<MatchLine>,
    blocklist: Vec<BlockLine>,
    kinds: Vec<(&'static str, &'static str)>,
    form: PassInput,
    block_form: BlockInput,
    /// Field errors of the form that was sent (`pass` or `block`).
    errors: Vec<(String, String)>,
    failed: &'static str,
    issued: Option<IssuedLine>,
}

#[derive(Debug, Deserialize)]
pub struct OfficeQuery {
    pub building: Option<String>,
    pub done: Option<String>,
}

/// What the page was asked to show besides the lists.
#[derive(Default)]
struct Outcome {
    form: Option<PassInput>,
    block_form: Option<BlockInput>,
    errors: Vec<(String, String)>,
    failed: &'static str,
    issued: Option<IssuedLine>,
    notice: Option<String>,
}

/// A refusal as the form shows it, `(field, message)` with `""` for the
/// whole form ([`FormFailure`] sorts it); anything else is an error page.
fn form_errors(error: AppError, t: &Catalog) -> Result<Vec<(String, String)>, PageError> {
    let failure = FormFailure::from_error(error, t)?;
    Ok(failure.message.map(|m| (String::new(), m)).into_iter().chain(failure.fields).collect())
}

async fn render(
    state: &AppState,
    caller: &PageCaller,
    path: &str,
    building: &Building,
    desk: &[Building],
    outcome: Outcome,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = building.time_zone.tz();
    let place = Target::building(building.id);
    let may_issue = caller.can(Permission::PassesIssue, &place);
    let may_block = caller.can(Permission::BuildingsManage, &place);
    let passes = passes::expected(state, caller, building.id).await?;
    let blocklist = passes::blocklist(state, caller, building.id).await?;
    let page = OfficePage {
        t,
        chrome: Chrome::new(caller, Section::Guard, path).with_notice(outcome.notice),
        buildings: desk.iter().map(|b| (b.id.to_string(), b.name.to_string(), b.id == building.id)).collect(),
        building_id: building.id.to_string(),
        may_issue,
        may_block,
        passes: passes.iter().map(|c| match_line(c, t, zone)).collect(),
        blocklist: blocklist
            .iter()
            .map(|b| BlockLine {
                id: b.id.to_string(),
                name: b.name.clone(),
                aliases: b.aliases.join(", "),
                phones: b.phones.join(", "),
                plates: b.plates.join(", "),
                reason: b.reason.clone(),
                everywhere: b.building_id.is_none(),
                added: fmt_time(b.created_at, zone),
            })
            .collect(),
        kinds: PassKind::ALL.iter().map(|k| (k.code(), (t.ps.kind_label)(*k))).collect(),
        form: outcome
            .form
            .unwrap_or_else(|| PassInput { kind: Some(PassKind::Guest.code().to_owned()), ..PassInput::default() }),
        block_form: outcome.block_form.unwrap_or_default(),
        errors: outcome.errors,
        failed: outcome.failed,
        issued: outcome.issued,
    };
    html_with_status(&page, status)
}

/// The building's passes, the form to issue one on a resident's behalf and
/// the blocklist.
#[get("/guard/passes")]
pub async fn office(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<OfficeQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (desk, building) = desk_buildings(&state, &caller, query.building.as_deref()).await?;
    let outcome = Outcome { notice: crate::pages::notice(caller.t(), query.done.as_deref()), ..Outcome::default() };
    render(&state, &caller, req.path(), &building, &desk, outcome, StatusCode::OK).await
}

fn back_to_office(building: impl std::fmt::Display, done: &str) -> HttpResponse {
    see_other(&format!("/guard/passes?building={building}&done={done}"))
}

/// Issues a pass on a resident's behalf; the page then shows its PIN, link
/// and QR code once, to print or forward.
#[post("/guard/passes")]
pub async fn office_issue(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<PassInput>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let (desk, building) = desk_buildings(&state, &caller, form.0.building_id.as_deref()).await?;
    let mut input = form.0;
    input.building_id = Some(building.id.to_string());
    let zone = building.time_zone.tz();
    for value in [&mut input.valid_from, &mut input.valid_until] {
        if let Some(at) = value.as_deref().and_then(|local| local_time_to_rfc3339(local, zone)) {
            *value = Some(at);
        }
    }
    let (outcome, status) = match passes::issue(&state, &caller, &input).await {
        Ok(issued) => {
            let link = crate::pages::absolute_url(&req, &format!("/p/{}", issued.link_secret));
            let line = IssuedLine {
                visitor: issued.pass.visitor_name.clone(),
                pin: issued.pass.pin.as_str().to_owned(),
                qr: crate::qr::svg(&link),
                link,
            };
            (
                Outcome { issued: Some(line), notice: Some(t.ps.issued.to_owned()), ..Outcome::default() },
                StatusCode::CREATED,
            )
        }
        Err(error) => {
            let errors = form_errors(error, t)?;
            (
                Outcome { errors, failed: "pass", form: Some(input), ..Outcome::default() },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    render(&state, &caller, req.path(), &building, &desk, outcome, status).await
}

/// Cancels a pass of the building (not while its visitor is on site).
#[post("/guard/passes/{id}/cancel")]
pub async fn office_cancel(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let pass = passes::cancel(&state, &caller, PassId::from_uuid(*id)).await?;
    Ok(back_to_office(pass.building_id, "pass_cancelled"))
}

/// The blocklist form: the entry, and whether it holds in every building.
#[derive(Debug, Deserialize)]
pub struct BlockForm {
    #[serde(flatten)]
    pub entry: BlockInput,
    /// The box «во всех объектах».
    pub everywhere: Option<String>,
}

/// Adds a blocklist entry for the building (or, ticked, for every one).
#[post("/guard/blocklist")]
pub async fn office_block(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<BlockForm>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let BlockForm { entry: mut input, everywhere } = form.0;
    let (desk, building) = desk_buildings(&state, &caller, input.building_id.as_deref()).await?;
    input.building_id = everywhere.is_none().then(|| building.id.to_string());
    match passes::block(&state, &caller, &input).await {
        Ok(_) => Ok(back_to_office(building.id, "blocked")),
        Err(error) => {
            let errors = form_errors(error, t)?;
            let outcome = Outcome { errors, failed: "block", block_form: Some(input), ..Outcome::default() };
            render(&state, &caller, req.path(), &building, &desk, outcome, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct UnblockForm {
    /// The page to return to.
    pub building: BuildingId,
}

/// Removes a blocklist entry.
#[post("/guard/blocklist/{id}/remove")]
pub async fn office_unblock(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<UnblockForm>,
) -> Result<HttpResponse, PageError> {
    passes::unblock(&state, &caller, BlockEntryId::from_uuid(*id)).await?;
    Ok(back_to_office(form.0.building, "unblocked"))
}
