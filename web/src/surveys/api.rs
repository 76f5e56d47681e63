//! `/api/v1/surveys`: build and publish (managers), answer (residents),
//! results.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_app::surveys::{
    self, AnswerKey, Breakdown, Group, OpenSurvey, Responded, ResponseInput, Results, SurveyInput, SurveyView,
};
use domovoy_domain::ids::SurveyId;
use domovoy_domain::survey::{Question, Summary, Survey};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::tickets::api::{idempotency_header, replayed};

/// One question.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionDto {
    pub id: Uuid,
    /// `single`, `multiple`, `scale`, `nps`, `text`, `yes_no`, `matrix`.
    pub kind: &'static str,
    pub text: String,
    /// Choices of `single` and `multiple`, columns of a `matrix`; answers
    /// name them by index from 0.
    pub options: Vec<String>,
    /// A `matrix`'s rows: its answer is a list with a column per row (−1
    /// for a row left out).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<String>,
    pub required: bool,
    /// Asked only when the earlier question `question` (its id) was
    /// answered with `value` among the numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIfDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShowIfDto {
    pub question: Uuid,
    pub value: i64,
}

impl From<&Question> for QuestionDto {
    fn from(q: &Question) -> Self {
        Self {
            id: q.id.as_uuid(),
            kind: q.kind.code(),
            text: q.text.clone(),
            options: q.options.clone(),
            rows: q.rows.clone(),
            required: q.required,
            show_if: q.show_if.map(|c| ShowIfDto { question: c.question.as_uuid(), value: c.value }),
        }
    }
}

/// A survey.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyDto {
    pub id: Uuid,
    pub title: String,
    pub intro: String,
    pub questions: Vec<QuestionDto>,
    #[schema(value_type = Object)]
    pub audience: domovoy_domain::mailing::Audience,
    pub anonymous: bool,
    /// `resident` or `unit`.
    pub one_per: &'static str,
    /// `draft`, `scheduled`, `published`, `closed` (a published survey
    /// before its opening time is `scheduled`, past its closing time
    /// `closed`).
    pub status: &'static str,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// The run it was copied from (managers; its results are compared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_id: Option<Uuid>,
    /// Responses so far (managers' lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responses: Option<u64>,
    /// Whether the signed-in resident has answered (residents' lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
    /// For a vote per unit: the resident's units that have not answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_ids: Option<Vec<Uuid>>,
}

impl SurveyDto {
    fn new(s: &Survey) -> Self {
        Self {
            id: s.id.as_uuid(),
            title: s.title.clone(),
            intro: s.intro.clone(),
            questions: s.questions.iter().map(QuestionDto::from).collect(),
            audience: s.audience.clone(),
            anonymous: s.anonymous,
            one_per: s.one_per.code(),
            status: s.status_at(Utc::now()).code(),
            created_at: s.created_at,
            published_at: s.published_at,
            opens_at: s.opens_at,
            closes_at: s.closes_at,
            previous_id: s.previous_id.map(|p| p.as_uuid()),
            responses: None,
            answered: None,
            unit_ids: None,
        }
    }
}

impl From<&SurveyView> for SurveyDto {
    fn from(v: &SurveyView) -> Self {
        Self { responses: Some(v.responses), ..Self::new(&v.survey) }
    }
}

impl From<&OpenSurvey> for SurveyDto {
    fn from(o: &OpenSurvey) -> Self {
        // A resident sees the survey, not whom else it asks.
        let mut dto = Self::new(&o.survey);
        dto.audience = domovoy_domain::mailing::Audience::default();
        dto.previous_id = None;
        dto.answered = Some(o.answered);
        dto.unit_ids = Some(o.units.iter().map(|u| u.as_uuid()).collect());
        dto
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `true`: only surveys taking answers now.
    pub open: Option<bool>,
}

/// Surveys: for a resident, those open to them now (with `answered`); for
/// a manager, the newest (with `responses`; `open=true` keeps the running).
#[utoipa::path(tag = "surveys", params(ListQuery), responses((status = 200, body = Vec<SurveyDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/surveys")]
pub async fn list_surveys(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Vec<SurveyDto>>, ApiError> {
    if caller.is_resident() {
        let open = surveys::open_for_me(&state, &caller).await?;
        return Ok(web::Json(open.iter().map(SurveyDto::from).collect()));
    }
    let all = surveys::list(&state, &caller).await?;
    let running =
        |v: &&SurveyView| !query.open.unwrap_or(false) || v.state == domovoy_domain::survey::SurveyStatus::Published;
    Ok(web::Json(all.iter().filter(running).map(SurveyDto::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSurveyDto {
    #[serde(flatten)]
    pub survey: SurveyDto,
    /// People (or units, for a vote per unit) who may answer, counted now.
    pub eligible: u64,
}

/// Writes a draft. A question that does not check answers 422 with its
/// place (`questions[1].options`).
#[utoipa::path(
    tag = "surveys",
    request_body = SurveyInput,
    responses((status = 201, body = CreatedSurveyDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/surveys")]
pub async fn create_survey(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<SurveyInput>,
) -> Result<HttpResponse, ApiError> {
    let (survey, eligible) = surveys::create(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(CreatedSurveyDto { survey: SurveyDto::new(&survey), eligible }))
}

/// Rewrites a draft (the whole survey, as on creation; questions get new
/// ids). A published survey's questions are frozen → 409 `survey_not_open`.
#[utoipa::path(
    tag = "surveys",
    params(("id" = Uuid, Path)),
    request_body = SurveyInput,
    responses((status = 200, body = CreatedSurveyDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/api/v1/surveys/{id}")]
pub async fn update_survey(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<SurveyInput>,
) -> Result<web::Json<CreatedSurveyDto>, ApiError> {
    let (survey, eligible) = surveys::update(&state, &caller, SurveyId::from_uuid(*id), &body).await?;
    Ok(web::Json(CreatedSurveyDto { survey: SurveyDto::new(&survey), eligible }))
}

/// One survey: a manager sees any; a resident, one open to them.
#[utoipa::path(tag = "surveys", params(("id" = Uuid, Path)), responses((status = 200, body = SurveyDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/surveys/{id}")]
pub async fn get_survey(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SurveyDto>, ApiError> {
    let id = SurveyId::from_uuid(*id);
    if caller.is_resident() {
        return Ok(web::Json(SurveyDto::from(&surveys::open_one(&state, &caller, id).await?)));
    }
    Ok(web::Json(SurveyDto::new(&surveys::get(&state, &caller, id).await?)))
}

/// Opens a draft to its audience; its questions are frozen. Not a draft →
/// 409 `survey_not_open`.
#[utoipa::path(tag = "surveys", params(("id" = Uuid, Path)), responses((status = 200, body = SurveyDto), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/surveys/{id}/publish")]
pub async fn publish_survey(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SurveyDto>, ApiError> {
    Ok(web::Json(SurveyDto::new(&surveys::publish(&state, &caller, SurveyId::from_uuid(*id)).await?)))
}

/// A new draft with the same questions (new ids) and audience: the next
/// run of a survey (201).
#[utoipa::path(tag = "surveys", params(("id" = Uuid, Path)), responses((status = 201, body = SurveyDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/surveys/{id}/copy")]
pub async fn copy_survey(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let copy = surveys::copy(&state, &caller, SurveyId::from_uuid(*id)).await?;
    Ok(HttpResponse::Created().json(SurveyDto::new(&copy)))
}

/// Reminds everyone who has not answered a running survey: a mailing (in
/// the cabinet, and by e-mail when configured) sent at once; follow it at
/// `GET /api/v1/mailings/<mailing_id>`. Needs `mailings.send` too.
#[utoipa::path(tag = "surveys", params(("id" = Uuid, Path)), responses((status = 202, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/surveys/{id}/remind")]
pub async fn remind_survey(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (mailing, size) =
        surveys::remind(&state, &caller, SurveyId::from_uuid(*id), &reminder_words(caller.t())).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "mailing_id": mailing,
        "audience": crate::mailings::api::AudienceDto::from(&size),
    })))
}

/// A reminder's words from the caller's catalog.
pub fn reminder_words(t: &'static crate::i18n::Catalog) -> surveys::ReminderWords<'static> {
    surveys::ReminderWords { title: &t.sv.reminder_title, body: &t.sv.reminder_body, footer: &t.ml.footer }
}

/// Stops taking answers. Not running → 409 `survey_not_open`.
#[utoipa::path(tag = "surveys", params(("id" = Uuid, Path)), responses((status = 200, body = SurveyDto), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/surveys/{id}/close")]
pub async fn close_survey(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SurveyDto>, ApiError> {
    Ok(web::Json(SurveyDto::new(&surveys::close(&state, &caller, SurveyId::from_uuid(*id)).await?)))
}

/// Answers a survey, once. Send an `Idempotency-Key`: a retry gets the
/// first reply (201). Another answer by the same person (or for the same
/// unit) → 409 `already_answered`; a closed survey → 409
/// `survey_not_open`; a wrong answer → 422 naming the question's id.
#[utoipa::path(
    tag = "surveys",
    params(("id" = Uuid, Path)),
    request_body = ResponseInput,
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/surveys/{id}/responses")]
pub async fn answer_survey(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<ResponseInput>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_header(&req)?.map(AnswerKey);
    match surveys::respond(&state, &caller, SurveyId::from_uuid(*id), &body, key).await? {
        Responded::Recorded { body } => Ok(HttpResponse::Created().json(body)),
        Responded::Replayed { status, body } => Ok(replayed(status, body)),
    }
}

/// The survey a personal link (from a reminder's letter: `…/s/<token>`)
/// opens, as its holder sees it; no sign-in, the secret is the key.
/// Unknown secret → 404.
#[utoipa::path(tag = "surveys", params(("token" = String, Path)), responses((status = 200, body = SurveyDto), (status = 404, body = ErrorBody)))]
#[get("/api/v1/survey-links/{token}")]
pub async fn link_survey(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<web::Json<SurveyDto>, ApiError> {
    Ok(web::Json(SurveyDto::from(&surveys::by_link(&state, &token).await?)))
}

/// Answers through a personal link, once per holder (or unit): a second
/// answer → 409 `already_answered`; a closed survey → 409
/// `survey_not_open`; a wrong answer → 422 naming the question's id.
#[utoipa::path(
    tag = "surveys",
    params(("token" = String, Path)),
    request_body = ResponseInput,
    responses((status = 201, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/api/v1/survey-links/{token}/responses")]
pub async fn answer_link(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<ResponseInput>,
) -> Result<HttpResponse, ApiError> {
    match surveys::respond_by_link(&state, &token, &body).await? {
        Responded::Recorded { body } | Responded::Replayed { body, .. } => Ok(HttpResponse::Created().json(body)),
    }
}

/// What one question's answers add up to.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryDto {
    /// Responses that answered it.
    pub answered: u64,
    /// How many gave each value: the choice index, mark or score (`"1"`
    /// for yes, `"0"` for no; a matrix's row × 100 + column).
    pub counts: BTreeMap<String, u64>,
    pub average: Option<f64>,
    /// The 95 % confidence interval of the average: `[low, high]`.
    pub interval: Option<[f64; 2]>,
    /// −100 … 100, for NPS questions.
    pub nps: Option<f64>,
}

impl From<&Summary> for SummaryDto {
    fn from(s: &Summary) -> Self {
        Self {
            answered: s.answered,
            counts: s.counts.iter().map(|(v, n)| (v.to_string(), *n)).collect(),
            average: s.average,
            interval: s.interval.map(|(low, high)| [low, high]),
            nps: s.nps.map(|n| n.score),
        }
    }
}

/// One question's results: the question, and what its answers add up to.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionResultDto {
    #[serde(flatten)]
    pub question: QuestionDto,
    #[serde(flatten)]
    pub summary: SummaryDto,
    /// Free-text answers, in no particular order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<String>,
    /// The same question (same kind and text) in the previous run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<SummaryDto>,
}

/// The run this one was copied from.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviousRunDto {
    pub id: Uuid,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
    pub responses: u64,
    /// Counted now.
    pub eligible: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingRateDto {
    pub building_id: Uuid,
    pub building_name: String,
    pub eligible: u64,
    pub responses: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsDto {
    pub id: Uuid,
    pub status: &'static str,
    pub responses: u64,
    pub eligible: u64,
    pub buildings: Vec<BuildingRateDto>,
    pub questions: Vec<QuestionResultDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousRunDto>,
}

impl From<&Results> for ResultsDto {
    fn from(r: &Results) -> Self {
        Self {
            id: r.survey.id.as_uuid(),
            status: r.state.code(),
            responses: r.responses,
            eligible: r.eligible,
            buildings: r
                .buildings
                .iter()
                .map(|b| BuildingRateDto {
                    building_id: b.building_id.as_uuid(),
                    building_name: b.building_name.clone(),
                    eligible: b.eligible,
                    responses: b.responses,
                })
                .collect(),
            questions: r
                .questions
                .iter()
                .map(|q| QuestionResultDto {
                    question: QuestionDto::from(&q.question),
                    summary: SummaryDto::from(&q.summary),
                    texts: q.texts.clone(),
                    previous: q.previous.as_ref().map(SummaryDto::from),
                })
                .collect(),
            previous: r.previous.as_ref().map(|p| PreviousRunDto {
                id: p.survey_id.as_uuid(),
                title: p.title.clone(),
                published_at: p.published_at,
                responses: p.responses,
                eligible: p.eligible,
            }),
        }
    }
}

/// What the answers add up to now (while it runs, too).
#[utoipa::path(tag = "surveys", params(("id" = Uuid, Path)), responses((status = 200, body = ResultsDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/surveys/{id}/results")]
pub async fn survey_results(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ResultsDto>, ApiError> {
    Ok(web::Json(ResultsDto::from(&surveys::results(&state, &caller, SurveyId::from_uuid(*id)).await?)))
}

/// How answers are broken down: `building` (any survey), `section` or
/// `relation` (owner / tenant / occupant; named surveys only).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CrossQuery {
    pub by: Option<String>,
}

/// The breakdown asked for (`building` when none): a wrong one is a field
/// error.
pub fn breakdown(by: Option<&str>) -> Result<Breakdown, domovoy_app::AppError> {
    match by.unwrap_or("building") {
        "building" | "" => Ok(Breakdown::Building),
        "section" => Ok(Breakdown::Section),
        "relation" => Ok(Breakdown::Relation),
        _ => Err(domovoy_app::AppError::field("by", domovoy_domain::FieldError::InvalidFormat)),
    }
}

/// One group of a breakdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDto {
    /// The building's id (`by=building`), the section's (`section`) or the
    /// relation's code (`relation`: `owner`, `tenant`, `occupant`); null
    /// when not known.
    pub key: Option<String>,
    pub building_name: String,
    pub section_name: Option<String>,
    /// Who may answer in the group (people, or units for a vote per unit);
    /// null for answers of no known group.
    pub eligible: Option<u64>,
    pub responses: u64,
    /// Per question, in the survey's order; absent when the group of an
    /// anonymous survey has fewer than 5 responses (it could tell who
    /// answered what).
    pub questions: Option<Vec<SummaryDto>>,
}

/// The answers per building, section or relation.
#[utoipa::path(tag = "surveys", params(("id" = Uuid, Path), CrossQuery), responses((status = 200, body = [GroupDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/surveys/{id}/breakdown")]
pub async fn survey_breakdown(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<CrossQuery>,
) -> Result<web::Json<Vec<GroupDto>>, ApiError> {
    let by = breakdown(query.by.as_deref())?;
    let groups = surveys::cross(&state, &caller, SurveyId::from_uuid(*id), by).await?;
    Ok(web::Json(
        groups
            .iter()
            .map(|g| GroupDto {
                key: match g.group {
                    Group::Building(b) => Some(b.to_string()),
                    Group::Section(s) => Some(s.to_string()),
                    Group::Relation(r) => Some(r.code().to_owned()),
                    Group::Unknown => None,
                },
                building_name: g.building_name.clone(),
                section_name: g.section.as_ref().map(|(_, name)| name.clone()),
                eligible: g.eligible,
                responses: g.responses,
                questions: g.summaries.as_ref().map(|s| s.iter().map(SummaryDto::from).collect()),
            })
            .collect(),
    ))
}
