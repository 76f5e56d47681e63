//! `/api/v1/classifier`, `/api/v1/sla/…`, `/api/v1/calendar`,
//! `/api/v1/teams`, `/api/v1/assignment-rules`, `/api/v1/saved-filters`:
//! what tickets are routed and timed by.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_domain::ids::{ClassifierId, SlaPolicyId, TeamId};
use domovoy_domain::sla::{CalendarDay, Schedule, SlaTemplate};
use domovoy_store::classifier::ClassifierItem;
use domovoy_store::saved_filters::SavedFilter;
use domovoy_store::sla::SlaPolicy;
use domovoy_store::teams::{Assignee, AssignmentRule, Team};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use domovoy_app::completion::{self, CategoryRequirements};
use domovoy_app::ticket_settings::{self as settings, ItemInput, ItemUpdate, PolicyInput, RuleInput};

#[derive(Debug, Serialize, ToSchema)]
pub struct ClassifierItemDto {
    pub id: Uuid,
    /// `place`, `category` or `problem`.
    pub kind: &'static str,
    /// A problem's category.
    pub parent_id: Option<Uuid>,
    pub code: String,
    pub name: String,
    pub sort_order: i64,
    pub active: bool,
}

impl From<&ClassifierItem> for ClassifierItemDto {
    fn from(i: &ClassifierItem) -> Self {
        Self {
            id: i.id.as_uuid(),
            kind: i.kind.code(),
            parent_id: i.parent_id.map(|p| p.as_uuid()),
            code: i.code.clone(),
            name: i.name.clone(),
            sort_order: i.sort_order,
            active: i.active,
        }
    }
}

/// The classifier: places, categories and their problems.
#[utoipa::path(tag = "ticket-settings", responses((status = 200, body = Vec<ClassifierItemDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/classifier")]
pub async fn list_classifier(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<ClassifierItemDto>>, ApiError> {
    Ok(web::Json(settings::classifier(&state, &caller).await?.iter().map(ClassifierItemDto::from).collect()))
}

/// Adds a classifier item.
#[utoipa::path(tag = "ticket-settings", request_body = ItemInput, responses((status = 201, body = ClassifierItemDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/classifier")]
pub async fn create_classifier_item(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ItemInput>,
) -> Result<HttpResponse, ApiError> {
    let item = settings::create_item(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(ClassifierItemDto::from(&item)))
}

/// Renames, reorders, retires or restores an item.
#[utoipa::path(tag = "ticket-settings", params(("id" = Uuid, Path)), request_body = ItemUpdate, responses((status = 200, body = ClassifierItemDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[patch("/api/v1/classifier/{id}")]
pub async fn update_classifier_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ItemUpdate>,
) -> Result<web::Json<ClassifierItemDto>, ApiError> {
    let item = settings::update_item(&state, &caller, ClassifierId::from_uuid(*id), &body).await?;
    Ok(web::Json(ClassifierItemDto::from(&item)))
}

/// Every active category with what it asks before its tickets may be
/// done: a checklist and the resident's signature.
#[utoipa::path(tag = "ticket-settings", responses((status = 200, body = Vec<CategoryRequirements>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/checklists")]
pub async fn list_checklists(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<CategoryRequirements>>, ApiError> {
    Ok(web::Json(completion::list(&state, &caller).await?))
}

/// What a category asks before done.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChecklistInput {
    /// The checklist's items in order (each 1–200 characters, 30 at most;
    /// an item may hold several lines, one item each). Empty: no checklist.
    #[serde(default)]
    pub items: Vec<String>,
    /// Whether the resident signs on the technician's phone.
    #[serde(default)]
    pub signature: bool,
}

/// Sets a category's checklist and signature requirement.
#[utoipa::path(tag = "ticket-settings", params(("id" = Uuid, Path, description = "The category")), request_body = ChecklistInput, responses((status = 200, body = CategoryRequirements), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[put("/api/v1/checklists/{id}")]
pub async fn set_checklist(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ChecklistInput>,
) -> Result<web::Json<CategoryRequirements>, ApiError> {
    let set = completion::set(&state, &caller, ClassifierId::from_uuid(*id), &body.items, body.signature).await?;
    Ok(web::Json(set))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPolicyDto {
    pub id: Uuid,
    pub name: String,
    pub building_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub priority: Option<&'static str>,
    pub response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub warn_percent: u8,
    pub around_the_clock: bool,
    /// `HH:MM` when working hours apply.
    pub work_start: Option<String>,
    pub work_end: Option<String>,
    /// The template it was adopted from.
    pub template: Option<String>,
}

impl From<&SlaPolicy> for SlaPolicyDto {
    fn from(p: &SlaPolicy) -> Self {
        let (around, start, end) = match p.schedule {
            Schedule::AroundTheClock => (true, None, None),
            Schedule::WorkingHours { start, end } => {
                (false, Some(start.format("%H:%M").to_string()), Some(end.format("%H:%M").to_string()))
            }
        };
        Self {
            id: p.id.as_uuid(),
            name: p.name.clone(),
            building_id: p.building_id.map(|b| b.as_uuid()),
            category_id: p.category_id.map(|c| c.as_uuid()),
            priority: p.priority.map(|pr| pr.code()),
            response_minutes: p.targets.response_minutes,
            resolution_minutes: p.targets.resolution_minutes,
            warn_percent: p.targets.warn_percent,
            around_the_clock: around,
            work_start: start,
            work_end: end,
            template: p.template.clone(),
        }
    }
}

#[utoipa::path(tag = "ticket-settings", responses((status = 200, body = Vec<SlaPolicyDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/sla/policies")]
pub async fn list_policies(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<SlaPolicyDto>>, ApiError> {
    Ok(web::Json(settings::policies(&state, &caller).await?.iter().map(SlaPolicyDto::from).collect()))
}

/// Adds an SLA policy. New tickets get it at once; open tickets when they
/// are reclassified.
#[utoipa::path(tag = "ticket-settings", request_body = PolicyInput, responses((status = 201, body = SlaPolicyDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/sla/policies")]
pub async fn create_policy(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<PolicyInput>,
) -> Result<HttpResponse, ApiError> {
    let policy = settings::create_policy(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(SlaPolicyDto::from(&policy)))
}

#[utoipa::path(tag = "ticket-settings", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/v1/sla/policies/{id}")]
pub async fn delete_policy(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    settings::delete_policy(&state, &caller, SlaPolicyId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaTemplateDto {
    pub code: &'static str,
    pub name: &'static str,
    /// The legal source (ПП РФ № 416, № 170).
    pub basis: &'static str,
    pub response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub around_the_clock: bool,
    pub category: &'static str,
    pub priority: &'static str,
}

impl From<&SlaTemplate> for SlaTemplateDto {
    fn from(t: &SlaTemplate) -> Self {
        Self {
            code: t.code,
            name: t.name,
            basis: t.basis,
            response_minutes: t.response_minutes,
            resolution_minutes: t.resolution_minutes,
            around_the_clock: t.around_the_clock,
            category: t.category,
            priority: t.priority.code(),
        }
    }
}

/// Regulated deadlines shipped with the product.
#[utoipa::path(tag = "ticket-settings", responses((status = 200, body = Vec<SlaTemplateDto>)), security(("bearer" = [])))]
#[get("/api/v1/sla/templates")]
pub async fn list_templates(_caller: Caller) -> web::Json<Vec<SlaTemplateDto>> {
    web::Json(settings::templates().iter().map(SlaTemplateDto::from).collect())
}

/// Adds a policy from a template.
#[utoipa::path(tag = "ticket-settings", params(("code" = String, Path)), responses((status = 201, body = SlaPolicyDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "Already adopted")), security(("bearer" = [])))]
#[post("/api/v1/sla/templates/{code}/adopt")]
pub async fn adopt_template(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let policy = settings::adopt_template(&state, &caller, &code).await?;
    Ok(HttpResponse::Created().json(SlaPolicyDto::from(&policy)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDayDto {
    pub date: NaiveDate,
    /// `holiday`, `workday` (a moved working day) or `short`.
    pub kind: &'static str,
    pub note: String,
}

impl From<&CalendarDay> for CalendarDayDto {
    fn from(d: &CalendarDay) -> Self {
        Self { date: d.date, kind: d.kind.code(), note: d.note.clone() }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// The production calendar's exceptions (weekends are implied).
#[utoipa::path(tag = "ticket-settings", params(YearQuery), responses((status = 200, body = Vec<CalendarDayDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/calendar")]
pub async fn get_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<YearQuery>,
) -> Result<web::Json<Vec<CalendarDayDto>>, ApiError> {
    Ok(web::Json(settings::calendar(&state, &caller, query.year).await?.iter().map(CalendarDayDto::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedDto {
    /// Days that were not there before.
    pub added: u64,
}

/// Adds a year (or corrections): a text body, one `YYYY-MM-DD kind note`
/// per line. The whole file is checked first; a bad line changes nothing.
#[utoipa::path(tag = "ticket-settings", request_body(content = String, content_type = "text/plain"), responses((status = 200, body = ImportedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/calendar")]
pub async fn import_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    body: String,
) -> Result<web::Json<ImportedDto>, ApiError> {
    Ok(web::Json(ImportedDto { added: settings::import_calendar(&state, &caller, &body).await? }))
}

/// Removes a date's entries.
#[utoipa::path(tag = "ticket-settings", params(("date" = String, Path, description = "YYYY-MM-DD")), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/v1/calendar/{date}")]
pub async fn delete_calendar_day(
    state: web::Data<AppState>,
    caller: Caller,
    date: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| ApiError::not_found())?;
    settings::remove_day(&state, &caller, date).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamDto {
    pub id: Uuid,
    pub name: String,
    /// Set for an outside company's team.
    pub company: Option<String>,
    pub members: Vec<crate::tickets::api::WatcherDto>,
}

impl From<&Team> for TeamDto {
    fn from(t: &Team) -> Self {
        Self {
            id: t.id.as_uuid(),
            name: t.name.clone(),
            company: t.company.clone(),
            members: t
                .members
                .iter()
                .map(|(id, name)| crate::tickets::api::WatcherDto { id: id.as_uuid(), name: name.clone() })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamRequest {
    pub name: String,
    /// An outside company's name: its members get contractor passes to
    /// the buildings of the tickets they are assigned.
    #[serde(default)]
    pub company: Option<String>,
    /// User ids.
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MembersRequest {
    pub members: Vec<String>,
}

#[utoipa::path(tag = "ticket-settings", responses((status = 200, body = Vec<TeamDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/teams")]
pub async fn list_teams(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Vec<TeamDto>>, ApiError> {
    Ok(web::Json(settings::teams(&state, &caller).await?.iter().map(TeamDto::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDto {
    pub id: Uuid,
}

/// Creates a team of technicians (who then get tickets in turn).
#[utoipa::path(tag = "ticket-settings", request_body = TeamRequest, responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<TeamRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = settings::create_team(&state, &caller, &body.name, body.company.as_deref(), &body.members).await?;
    Ok(HttpResponse::Created().json(CreatedDto { id: id.as_uuid() }))
}

/// Replaces a team's members.
#[utoipa::path(tag = "ticket-settings", params(("id" = Uuid, Path)), request_body = MembersRequest, responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[put("/api/v1/teams/{id}/members")]
pub async fn set_team_members(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<MembersRequest>,
) -> Result<HttpResponse, ApiError> {
    settings::set_members(&state, &caller, TeamId::from_uuid(*id), &body.members).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleDto {
    pub id: Uuid,
    pub building_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
}

impl From<&AssignmentRule> for RuleDto {
    fn from(r: &AssignmentRule) -> Self {
        let (user, team) = match r.assignee {
            Assignee::User(u) => (Some(u.as_uuid()), None),
            Assignee::Team(t) => (None, Some(t.as_uuid())),
        };
        Self {
            id: r.id,
            building_id: r.building_id.map(|b| b.as_uuid()),
            category_id: r.category_id.map(|c| c.as_uuid()),
            user_id: user,
            team_id: team,
        }
    }
}

#[utoipa::path(tag = "ticket-settings", responses((status = 200, body = Vec<RuleDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/assignment-rules")]
pub async fn list_rules(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Vec<RuleDto>>, ApiError> {
    Ok(web::Json(settings::rules(&state, &caller).await?.iter().map(RuleDto::from).collect()))
}

/// Adds an assignment rule: building × category → a technician or a team.
#[utoipa::path(tag = "ticket-settings", request_body = RuleInput, responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/assignment-rules")]
pub async fn create_rule(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<RuleInput>,
) -> Result<HttpResponse, ApiError> {
    let id = settings::add_rule(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(CreatedDto { id }))
}

#[utoipa::path(tag = "ticket-settings", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/v1/assignment-rules/{id}")]
pub async fn delete_rule(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    settings::delete_rule(&state, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedFilterDto {
    pub id: Uuid,
    pub name: String,
    /// The board's query string (`status=open&assignee=me`).
    pub query: String,
}

impl From<&SavedFilter> for SavedFilterDto {
    fn from(f: &SavedFilter) -> Self {
        Self { id: f.id, name: f.name.clone(), query: f.query.clone() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SavedFilterRequest {
    pub name: String,
    pub query: String,
}

/// The caller's saved board filters.
#[utoipa::path(tag = "ticket-settings", responses((status = 200, body = Vec<SavedFilterDto>)), security(("bearer" = [])))]
#[get("/api/v1/saved-filters")]
pub async fn list_saved_filters(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<SavedFilterDto>>, ApiError> {
    Ok(web::Json(settings::saved_filters(&state, &caller).await?.iter().map(SavedFilterDto::from).collect()))
}

/// Saves a filter under a name (the same name replaces it).
#[utoipa::path(tag = "ticket-settings", request_body = SavedFilterRequest, responses((status = 201, body = SavedFilterDto), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/saved-filters")]
pub async fn create_saved_filter(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<SavedFilterRequest>,
) -> Result<HttpResponse, ApiError> {
    let filter = settings::save_filter(&state, &caller, &body.name, &body.query).await?;
    Ok(HttpResponse::Created().json(SavedFilterDto::from(&filter)))
}

#[utoipa::path(tag = "ticket-settings", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/v1/saved-filters/{id}")]
pub async fn delete_saved_filter(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    settings::delete_filter(&state, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
