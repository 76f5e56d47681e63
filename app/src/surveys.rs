//! Surveys: write one, publish it to an audience (as mailings choose
//! theirs), let residents answer once each (or once per unit), close it,
//! and read the results while it runs.
//!
//! An answer is one transaction: the participant row (its primary key is
//! the one-answer rule, so 50 concurrent submits store one answer), the
//! response and its answers, and the idempotency key's reply. For an
//! anonymous survey the response keeps only its building; the idempotency
//! key's request hash is of the survey and unit, never of the answers, so
//! not even a hash of what someone answered sits beside their account.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::device::{PushKind, PushNotice};
use domovoy_domain::event::Event;
use domovoy_domain::ids::{BuildingId, ClientId, QuestionId, SectionId, SurveyId, UnitId};
use domovoy_domain::layout::SectionKind;
use domovoy_domain::mailing::{Audience, MailingChannel};
use domovoy_domain::permission::Permission;
use domovoy_domain::survey::{
    self as domain, NewSurvey, OnePer, Question, QuestionKind, RawAnswer, ShowIf, Summary, Survey, SurveyStatus,
};
use domovoy_store::audit::{self, Change};
use domovoy_store::clients;
use domovoy_store::idempotency::{self, Recorded};
use domovoy_store::surveys::{self as store, Eligible, NewResponse};
pub use domovoy_store::surveys::{Breakdown, Group};

use crate::App;
use crate::error::{AppError, AppResult, Rule};
use crate::mailings::{AudienceChoice, choices_for, covers, require_on_audience, today};
use crate::requester::Requester;
use crate::secret::stored_secret;

/// Free-text answers a results page shows at most per question.
pub const MAX_TEXTS: i64 = 10_000;

/// One question as written.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionInput {
    /// `single`, `multiple`, `scale`, `nps`, `text`, `yes_no`, `matrix`.
    pub kind: String,
    pub text: String,
    /// The choices of `single` and `multiple` questions, the columns of a
    /// `matrix`.
    #[serde(default)]
    pub options: Vec<String>,
    /// The rows (statements) of a `matrix`.
    #[serde(default)]
    pub rows: Vec<String>,
    #[serde(default)]
    pub required: bool,
    /// Ask it only when an earlier question was answered so.
    #[serde(default)]
    pub show_if: Option<ShowIfInput>,
}

/// A branching condition as written: the earlier question by its place in
/// the list (from 0) and the number its answer must include (a choice's
/// index, a mark, a score, 1 for yes, 0 for no).
#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShowIfInput {
    pub question: usize,
    pub value: i64,
}

/// A survey as written.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyInput {
    pub title: String,
    #[serde(default)]
    pub intro: String,
    pub questions: Vec<QuestionInput>,
    /// `building_ids`, `section_ids`, `unit_ids`, `link_roles`, as mailings.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub audience: Audience,
    #[serde(default)]
    pub anonymous: bool,
    /// `resident` (default) or `unit`.
    #[serde(default)]
    pub one_per: Option<String>,
    /// When it starts taking answers (its residents are told then); none:
    /// when published.
    #[serde(default)]
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
}

/// A survey with how many have answered.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyView {
    #[serde(flatten)]
    pub survey: Survey,
    /// Where it is now (a published survey past its closing time is closed).
    pub state: SurveyStatus,
    pub responses: u64,
}

/// An open survey as one resident sees it.
#[derive(Debug, Clone, Serialize)]
pub struct OpenSurvey {
    pub survey: Survey,
    /// It takes answers now (a resident may still open a closed one they
    /// were asked, and is told it is closed).
    pub open: bool,
    /// They (or all their units, for a vote per unit) have answered.
    pub answered: bool,
    /// For a vote per unit: their units in the audience not answered yet.
    pub units: Vec<UnitId>,
}

/// A response as it arrives.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseInput {
    pub answers: Vec<AnswerInput>,
    /// For a vote per unit: which of the resident's units answers (the
    /// first not answered yet when absent).
    pub unit_id: Option<Uuid>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerInput {
    pub question_id: Uuid,
    /// A choice's index (from 0), a list of them, a mark, a score, a
    /// text, or true / false.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub value: RawAnswer,
}

/// What answering did.
#[derive(Debug)]
pub enum Responded {
    /// Stored now; `body` is the reply (also kept for retries).
    Recorded { body: serde_json::Value },
    /// A retry with the same key: the first reply again.
    Replayed { status: u16, body: serde_json::Value },
}

/// One building's response rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildingRate {
    pub building_id: BuildingId,
    pub building_name: String,
    pub eligible: u64,
    pub responses: u64,
}

/// One question's results.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionResult {
    pub question: Question,
    pub summary: Summary,
    /// Free-text answers (text questions), in no particular order.
    pub texts: Vec<String>,
    /// The same question's figures in the previous run.
    pub previous: Option<Summary>,
}

/// The run a survey was copied from, in short.
#[derive(Debug, Clone, Serialize)]
pub struct PreviousRun {
    pub survey_id: SurveyId,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
    pub responses: u64,
    /// Counted now, as this run's.
    pub eligible: u64,
}

/// What a survey's answers add up to, now.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub survey: Survey,
    pub state: SurveyStatus,
    pub responses: u64,
    /// People (or units, for a vote per unit) who may answer, counted now.
    pub eligible: u64,
    pub buildings: Vec<BuildingRate>,
    pub questions: Vec<QuestionResult>,
    pub previous: Option<PreviousRun>,
}

fn require_manager(requester: &Requester) -> AppResult<()> {
    if requester.principal().can_somewhere(Permission::SurveysManage) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// The buildings (and their sections) the requester may survey.
pub async fn audience_choices(app: &App, requester: &Requester) -> AppResult<Vec<AudienceChoice>> {
    require_manager(requester)?;
    choices_for(app, requester, Permission::SurveysManage).await
}

/// The questions as written, checked; an error names the question by its
/// place: `questions[2].options`.
fn parse_questions(input: &[QuestionInput]) -> AppResult<Vec<Question>> {
    let mut problems = Vec::new();
    let mut questions = Vec::with_capacity(input.len());
    for (i, q) in input.iter().enumerate() {
        let kind: QuestionKind = match q.kind.parse() {
            Ok(kind) => kind,
            Err(e) => {
                problems.push((format!("questions[{i}].kind"), e));
                continue;
            }
        };
        let mut question = match Question::new(kind, &q.text, &q.options, &q.rows, q.required) {
            Ok(question) => question,
            Err((field, e)) => {
                problems.push((format!("questions[{i}].{field}"), e));
                continue;
            }
        };
        if let Some(condition) = q.show_if {
            // Only on an earlier question (written well, or it is marked).
            let earlier = questions.get(condition.question).filter(|_| condition.question < i);
            match earlier.map(|e: &Question| ShowIf::on(e, condition.value)) {
                Some(Ok(show_if)) => question.show_if = Some(show_if),
                Some(Err(e)) => problems.push((format!("questions[{i}].show_if"), e)),
                None => problems.push((format!("questions[{i}].show_if"), FieldError::Unknown)),
            }
        }
        questions.push(question);
    }
    if problems.is_empty() { Ok(questions) } else { Err(AppError::Problems(problems)) }
}

/// Who may answer: one respondent key (a person, or a unit) with the link
/// it answers by; a person counts in the building of their first link.
fn respondents(one_per: OnePer, eligible: &[Eligible]) -> Vec<(Uuid, Eligible)> {
    let mut seen = HashSet::new();
    eligible
        .iter()
        .filter_map(|e| {
            let key = match one_per {
                OnePer::Resident => e.client_id.as_uuid(),
                OnePer::Unit => e.unit_id.as_uuid(),
            };
            seen.insert(key).then_some((key, *e))
        })
        .collect()
}

/// Writes a draft (audited) once the requester may survey every building
/// of its audience.
async fn insert_draft(app: &App, requester: &Requester, new: NewSurvey) -> AppResult<Survey> {
    let buildings = require_on_audience(app, requester, Permission::SurveysManage, &new.audience).await?;
    let (actor, by) = (requester.actor(), requester.user_id());
    app.write(move |tx| {
        Box::pin(async move {
            let survey = store::insert(tx, &new, by).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::SurveyCreated, survey.id)
                    .summary(survey.title.clone())
                    .building(buildings.first().copied().filter(|_| buildings.len() == 1)),
            )
            .await?;
            Ok(survey)
        })
    })
    .await
}

/// A survey as written, checked.
fn parse_input(input: &SurveyInput) -> AppResult<NewSurvey> {
    let questions = parse_questions(&input.questions)?;
    let one_per = match input.one_per.as_deref() {
        None | Some("") => OnePer::Resident,
        Some(code) => code.parse().map_err(|e| AppError::field("one_per", e))?,
    };
    if input.closes_at.is_some_and(|at| at <= Utc::now()) {
        return Err(AppError::field("closes_at", FieldError::NotAllowed));
    }
    NewSurvey::new(
        &input.title,
        &input.intro,
        questions,
        input.audience.clone(),
        input.anonymous,
        one_per,
        input.closes_at,
    )
    .and_then(|new| new.opening(input.opens_at))
    .map_err(|(field, e)| AppError::field(field, e))
}

/// How many may answer `survey` now.
async fn eligible_count(app: &App, survey: &Survey) -> AppResult<u64> {
    let eligible = store::eligible(&app.db, &survey.audience, today(app), None).await?;
    Ok(respondents(survey.one_per, &eligible).len() as u64)
}

/// Writes a draft; answers it with how many may answer now.
pub async fn create(app: &App, requester: &Requester, input: &SurveyInput) -> AppResult<(Survey, u64)> {
    require_manager(requester)?;
    let new = parse_input(input)?;
    let survey = insert_draft(app, requester, new).await?;
    let count = eligible_count(app, &survey).await?;
    Ok((survey, count))
}

/// Rewrites a draft (questions get new ids); a published survey's are
/// frozen → `survey_not_open`. The requester may survey the buildings of
/// the old audience and of the new.
pub async fn update(app: &App, requester: &Requester, id: SurveyId, input: &SurveyInput) -> AppResult<(Survey, u64)> {
    require_manager(requester)?;
    let old = store::get(&app.db, id).await?;
    require_on_audience(app, requester, Permission::SurveysManage, &old.audience).await?;
    if old.status != SurveyStatus::Draft {
        return Err(AppError::Rule(Rule::SurveyNotOpen));
    }
    let new = parse_input(input)?;
    require_on_audience(app, requester, Permission::SurveysManage, &new.audience).await?;
    let actor = requester.actor();
    let summary = new.title.clone();
    app.write(move |tx| {
        Box::pin(async move {
            if !store::update_draft(tx, id, &new).await? {
                return Err(AppError::Rule(Rule::SurveyNotOpen));
            }
            audit::record(tx, Change::new(&actor, AuditAction::SurveyUpdated, id).summary(summary)).await?;
            Ok(())
        })
    })
    .await?;
    let survey = store::get(&app.db, id).await?;
    let count = eligible_count(app, &survey).await?;
    Ok((survey, count))
}

/// The newest surveys with their response counts.
pub async fn list(app: &App, requester: &Requester) -> AppResult<Vec<SurveyView>> {
    require_manager(requester)?;
    let now = Utc::now();
    let mut surveys = Vec::new();
    for survey in store::list(&app.db, 100).await? {
        if covers(app, requester, Permission::SurveysManage, &survey.audience).await? {
            surveys.push(survey);
        }
    }
    let ids: Vec<SurveyId> = surveys.iter().map(|s| s.id).collect();
    let counts = store::response_counts(&app.db, &ids).await?;
    Ok(surveys
        .into_iter()
        .map(|survey| SurveyView {
            state: survey.status_at(now),
            responses: counts.get(&survey.id).copied().unwrap_or(0),
            survey,
        })
        .collect())
}

/// One survey, for those who manage surveys in all its buildings.
pub async fn get(app: &App, requester: &Requester, id: SurveyId) -> AppResult<Survey> {
    require_manager(requester)?;
    let survey = store::get(&app.db, id).await?;
    if covers(app, requester, Permission::SurveysManage, &survey.audience).await? {
        Ok(survey)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Moves a survey (the requester manages surveys in all its buildings);
/// `announce`, when given, is told with the move and the survey is marked
/// announced (a published survey's residents).
async fn change_status(
    app: &App,
    requester: &Requester,
    survey: Survey,
    (from, to): (SurveyStatus, SurveyStatus),
    action: AuditAction,
    announce: Option<Vec<PushNotice>>,
) -> AppResult<Survey> {
    let id = survey.id;
    // A survey waiting for its opening time is published (closing it calls it off).
    let state = match survey.status_at(Utc::now()) {
        SurveyStatus::Scheduled => SurveyStatus::Published,
        state => state,
    };
    if state != from {
        return Err(AppError::Rule(Rule::SurveyNotOpen));
    }
    let actor = requester.actor();
    let title = survey.title.clone();
    app.write(move |tx| {
        Box::pin(async move {
            if !store::set_status(tx, id, from, to).await? {
                return Err(AppError::Rule(Rule::SurveyNotOpen));
            }
            audit::record(tx, Change::new(&actor, action, id).summary(title)).await?;
            if let Some(notices) = announce {
                store::mark_announced(tx, id).await?;
                for notice in notices {
                    tx.notify(notice);
                }
            }
            Ok(())
        })
    })
    .await?;
    Ok(store::get(&app.db, id).await?)
}

/// A survey its requester may change the state of.
async fn managed(app: &App, requester: &Requester, id: SurveyId) -> AppResult<Survey> {
    require_manager(requester)?;
    let survey = store::get(&app.db, id).await?;
    require_on_audience(app, requester, Permission::SurveysManage, &survey.audience).await?;
    Ok(survey)
}

/// Opens a draft to its audience; its questions are frozen from now on.
/// Those of its residents with an account are told («Новый опрос», on
/// their phones and in the cabinet's list), in the same transaction; for a
/// survey with a later opening time, when it opens ([`announce_due`]).
pub async fn publish(app: &App, requester: &Requester, id: SurveyId) -> AppResult<Survey> {
    let survey = managed(app, requester, id).await?;
    let now = Utc::now();
    if survey.closes_at.is_some_and(|at| at <= now) {
        return Err(AppError::field("closes_at", FieldError::NotAllowed));
    }
    let announce = match survey.opens_at {
        Some(at) if at > now => None,
        _ => Some(opening_notices(app, &survey).await?),
    };
    let moves = (SurveyStatus::Draft, SurveyStatus::Published);
    change_status(app, requester, survey, moves, AuditAction::SurveyPublished, announce).await
}

/// «Новый опрос» for every resident of the survey's audience with an account.
async fn opening_notices(app: &App, survey: &Survey) -> AppResult<Vec<PushNotice>> {
    let eligible = store::eligible(&app.db, &survey.audience, today(app), None).await?;
    let mut people: Vec<ClientId> = eligible.iter().map(|e| e.client_id).collect();
    people.sort_unstable();
    people.dedup();
    announcements(app, &people, PushKind::SurveyPublished, &survey.title).await
}

/// Tells the residents of every survey published ahead of its opening
/// time that has opened by now; each survey once, also when several nodes
/// run this at the same moment (the first to mark it tells). Answers how
/// many surveys were announced.
pub async fn announce_due(app: &App) -> AppResult<usize> {
    let mut told = 0;
    for id in store::due_announcements(&app.db, Utc::now()).await? {
        let survey = store::get(&app.db, id).await?;
        let notices = opening_notices(app, &survey).await?;
        let marked = app
            .write(move |tx| {
                Box::pin(async move {
                    if !store::mark_announced(tx, id).await? {
                        return Ok(false);
                    }
                    for notice in notices {
                        tx.notify(notice);
                    }
                    Ok(true)
                })
            })
            .await?;
        told += usize::from(marked);
    }
    Ok(told)
}

/// A new draft with the same title, introduction, questions (new ids)
/// and audience: the next run of a survey whose questions are frozen.
pub async fn copy(app: &App, requester: &Requester, id: SurveyId) -> AppResult<Survey> {
    let source = get(app, requester, id).await?;
    let ids: HashMap<QuestionId, QuestionId> = source.questions.iter().map(|q| (q.id, QuestionId::new())).collect();
    let questions = source
        .questions
        .iter()
        .map(|q| Question {
            id: ids[&q.id],
            show_if: q.show_if.and_then(|c| Some(ShowIf { question: *ids.get(&c.question)?, ..c })),
            ..q.clone()
        })
        .collect();
    let mut new = NewSurvey::new(
        &source.title,
        &source.intro,
        questions,
        source.audience.clone(),
        source.anonymous,
        source.one_per,
        None,
    )
    .map_err(|(field, e)| AppError::field(field, e))?;
    new.previous_id = Some(source.id);
    insert_draft(app, requester, new).await
}

/// The words of a reminder, from the door's catalog: a title and a text
/// (a mailing template: `{{ name }}` and the others of
/// [`crate::mailings::VARIABLES`]) made from the survey's title (as a
/// [`crate::mailings::literal`]) and the link to it.
pub struct ReminderWords<'a> {
    pub title: &'a (dyn Fn(&str) -> String + Sync),
    pub body: &'a (dyn Fn(&str, &str) -> String + Sync),
    /// The unsubscribe line of a letter or text, from its link.
    pub footer: crate::mailings::Footer<'a>,
}

impl std::fmt::Debug for ReminderWords<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReminderWords").finish_non_exhaustive()
    }
}

/// Reminds those who have not answered a running survey: a mailing to its
/// audience (in the cabinet, and by e-mail when the server sends mail, to
/// those who agreed), sent at once and leaving out everyone who has
/// answered (for a vote per unit: the people of units that have). A
/// letter carries its reader's personal link, which opens the form
/// without signing in ([`by_link`]); those with an account are also told
/// on their phones (`survey.reminder`). Needs `mailings.send` too;
/// answers the mailing, followed like any other.
pub async fn remind(
    app: &App,
    requester: &Requester,
    id: SurveyId,
    words: &ReminderWords<'_>,
) -> AppResult<(domovoy_domain::ids::MailingId, crate::mailings::AudienceSize)> {
    let survey = get(app, requester, id).await?;
    if !survey.is_open(Utc::now()) {
        return Err(AppError::Rule(Rule::SurveyNotOpen));
    }
    let title = crate::mailings::literal(&survey.title);
    // E-mail first, a text for those without it (texts cost money), and
    // the cabinet; as far as the server sends them.
    let channels =
        crate::mailings::available(app, &[MailingChannel::Email, MailingChannel::Sms, MailingChannel::InApp])
            .into_iter()
            .map(|channel| channel.code().to_owned())
            .collect();
    let input = crate::mailings::MailingInput {
        title: (words.title)(&title),
        // Each reader's own link (see `mailings::Extras::survey`).
        body: (words.body)(&title, "{{ link }}"),
        kind: domovoy_domain::mailing::MailingKind::News.code().to_owned(),
        channels,
        audience: survey.audience.clone(),
    };
    let eligible = store::eligible(&app.db, &survey.audience, today(app), None).await?;
    let all = respondents(survey.one_per, &eligible);
    let keys: Vec<Uuid> = all.iter().map(|(key, _)| *key).collect();
    let done: HashSet<Uuid> = store::answered(&app.db, id, &keys).await?.into_iter().collect();
    // Someone is left out when every respondent they stand for has answered.
    let mut waiting: HashSet<ClientId> = HashSet::new();
    for (key, link) in &all {
        if !done.contains(key) {
            waiting.insert(link.client_id);
        }
    }
    let exclude: HashSet<ClientId> =
        eligible.iter().map(|e| e.client_id).filter(|client| !waiting.contains(client)).collect();
    let mut waiting: Vec<ClientId> = waiting.into_iter().collect();
    waiting.sort_unstable();
    let notify = announcements(app, &waiting, PushKind::SurveyReminder, &survey.title).await?;
    let (mailing, _) =
        crate::mailings::create_with(app, requester, &input, &["link"], Permission::MailingsSend).await?;
    let extras =
        crate::mailings::Extras { exclude, survey: Some(id), notify, discard_on_failure: true, ..Default::default() };
    let (size, ()) =
        crate::mailings::send_with(app, requester, mailing.id, words.footer, extras, crate::mailings::nothing_more)
            .await?;
    Ok((mailing.id, size))
}

/// `kind` about the survey titled `title`, for those of `people` with an
/// account.
async fn announcements(app: &App, people: &[ClientId], kind: PushKind, title: &str) -> AppResult<Vec<PushNotice>> {
    Ok(clients::users_of(&app.db, people)
        .await?
        .into_iter()
        .map(|user| PushNotice { user, kind, ticket_id: None, number: String::new(), detail: Some(title.to_owned()) })
        .collect())
}

/// Stops taking answers now.
pub async fn close(app: &App, requester: &Requester, id: SurveyId) -> AppResult<Survey> {
    let survey = managed(app, requester, id).await?;
    let moves = (SurveyStatus::Published, SurveyStatus::Closed);
    change_status(app, requester, survey, moves, AuditAction::SurveyClosed, None).await
}

/// The resident's client card, or nothing to answer.
async fn me(app: &App, requester: &Requester) -> AppResult<Option<ClientId>> {
    let user = requester.account()?;
    Ok(clients::find_by_user(&app.db, user.id).await?)
}

/// What `survey` is to the resident `client`: `None` when they are not in
/// its audience (or it is a draft).
async fn as_resident(app: &App, survey: Survey, client: ClientId) -> AppResult<Option<OpenSurvey>> {
    // Not theirs yet: a draft, or a survey waiting for its opening time.
    if matches!(survey.status_at(Utc::now()), SurveyStatus::Draft | SurveyStatus::Scheduled) {
        return Ok(None);
    }
    let mine =
        respondents(survey.one_per, &store::eligible(&app.db, &survey.audience, today(app), Some(client)).await?);
    if mine.is_empty() {
        return Ok(None);
    }
    let keys: Vec<Uuid> = mine.iter().map(|(key, _)| *key).collect();
    let done: HashSet<Uuid> = store::answered(&app.db, survey.id, &keys).await?.into_iter().collect();
    let units: Vec<UnitId> = match survey.one_per {
        OnePer::Unit => mine.iter().filter(|(key, _)| !done.contains(key)).map(|(_, e)| e.unit_id).collect(),
        OnePer::Resident => Vec::new(),
    };
    Ok(Some(OpenSurvey {
        open: survey.is_open(Utc::now()),
        answered: keys.iter().all(|k| done.contains(k)),
        survey,
        units,
    }))
}

/// The surveys open now that the signed-in resident may answer.
pub async fn open_for_me(app: &App, requester: &Requester) -> AppResult<Vec<OpenSurvey>> {
    let Some(client) = me(app, requester).await? else {
        return Ok(Vec::new());
    };
    let now = Utc::now();
    let mut out = Vec::new();
    for survey in store::published(&app.db).await? {
        if survey.is_open(now)
            && let Some(open) = as_resident(app, survey, client).await?
        {
            out.push(open);
        }
    }
    Ok(out)
}

/// One survey the signed-in resident was asked, open or closed since (not
/// found when it is not theirs).
pub async fn open_one(app: &App, requester: &Requester, id: SurveyId) -> AppResult<OpenSurvey> {
    let client = me(app, requester).await?.ok_or(AppError::NotFound)?;
    let survey = store::get(&app.db, id).await?;
    as_resident(app, survey, client).await?.ok_or(AppError::NotFound)
}

/// The idempotency key of an answer, hashed over the survey and unit only.
#[derive(Debug, Clone)]
pub struct AnswerKey(pub String);

/// Stores the signed-in resident's answer, once: another answer by them
/// (or for the same unit) → `already_answered`; after closing →
/// `survey_not_open`. With a key, a retry gets the first reply.
pub async fn respond(
    app: &App,
    requester: &Requester,
    id: SurveyId,
    input: &ResponseInput,
    key: Option<AnswerKey>,
) -> AppResult<Responded> {
    let user = requester.account()?.id;
    // Only people with a client card answer surveys.
    let client = me(app, requester).await?.ok_or(AppError::Forbidden)?;
    answer_as(app, client, id, input, key.map(|key| (user, key))).await
}

/// The survey a personal link opens, as its holder sees it (not found for
/// an unknown secret, or when they are no longer in its audience).
pub async fn by_link(app: &App, token: &str) -> AppResult<OpenSurvey> {
    let (survey, client) = store::link_holder(&app.db, &stored_secret(token)).await?;
    as_resident(app, store::get(&app.db, survey).await?, client).await?.ok_or(AppError::NotFound)
}

/// Stores the answer of a personal link's holder, as [`respond`] does for
/// a signed-in resident: the link is single-use because its holder (or
/// unit) answers once; a second answer → `already_answered`.
pub async fn respond_by_link(app: &App, token: &str, input: &ResponseInput) -> AppResult<Responded> {
    let (survey, client) = store::link_holder(&app.db, &stored_secret(token)).await?;
    answer_as(app, client, survey, input, None).await
}

/// Stores `client`'s answer to survey `id`, once; with a key (and the
/// account it belongs to), a retry gets the first reply.
async fn answer_as(
    app: &App,
    client: ClientId,
    id: SurveyId,
    input: &ResponseInput,
    key: Option<(domovoy_domain::ids::UserId, AnswerKey)>,
) -> AppResult<Responded> {
    let survey = store::get(&app.db, id).await?;
    if survey.status == SurveyStatus::Draft {
        return Err(AppError::NotFound);
    }
    let mine =
        respondents(survey.one_per, &store::eligible(&app.db, &survey.audience, today(app), Some(client)).await?);
    if mine.is_empty() {
        return Err(AppError::NotFound);
    }
    if !survey.is_open(Utc::now()) {
        return Err(AppError::Rule(Rule::SurveyNotOpen));
    }
    let raw: Vec<(QuestionId, RawAnswer)> =
        input.answers.iter().map(|a| (QuestionId::from_uuid(a.question_id), a.value.clone())).collect();
    let answers = survey.check(&raw).map_err(|(question, e)| AppError::Problems(vec![(question, e)]))?;
    // Which respondent answers: the person, or the unit asked for (the
    // first of theirs not answered yet when none is named).
    let chosen = match (survey.one_per, input.unit_id) {
        (OnePer::Unit, Some(unit)) => *mine
            .iter()
            .find(|(_, e)| e.unit_id.as_uuid() == unit)
            .ok_or(AppError::field("unit_id", FieldError::Unknown))?,
        (OnePer::Unit, None) => {
            let keys: Vec<Uuid> = mine.iter().map(|(k, _)| *k).collect();
            let done: HashSet<Uuid> = store::answered(&app.db, id, &keys).await?.into_iter().collect();
            *mine.iter().find(|(k, _)| !done.contains(k)).unwrap_or(&mine[0])
        }
        (OnePer::Resident, _) => mine[0],
    };
    let (respondent, link) = chosen;
    let response = NewResponse {
        id: random_id(),
        respondent,
        client_id: client,
        building_id: link.building_id,
        named: (!survey.anonymous).then_some((link.unit_id, link.role)),
        answers,
    };
    let body = serde_json::json!({ "survey_id": id, "status": "recorded" });
    let key = key.map(|(user, k)| (user, k.0, Sha256::digest(format!("survey:{id}:{respondent}")).to_vec()));
    app.write(move |tx| {
        Box::pin(async move {
            if let Some((user, key, hash)) = &key {
                match idempotency::begin(tx, *user, key, hash).await? {
                    Recorded::First => {}
                    Recorded::Answer { status, body } => return Ok(Responded::Replayed { status, body }),
                    Recorded::Mismatch => return Err(AppError::Rule(Rule::IdempotencyKeyReused)),
                }
            }
            if !store::record(tx, id, &response).await? {
                return Err(AppError::Rule(Rule::AlreadyAnswered));
            }
            // The results pages following it refresh (who answered is not said).
            tx.emit(&Event::SurveyAnswered { survey_id: id });
            if let Some((user, key, _)) = &key {
                idempotency::finish(tx, *user, key, 201, &body);
            }
            Ok(Responded::Recorded { body })
        })
    })
    .await
}

/// A version-4 id from the thread's random generator.
fn random_id() -> Uuid {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The results now: response rate overall and by building, every
/// question's figures, and those of the run it was copied from (when the
/// requester may read that one).
pub async fn results(app: &App, requester: &Requester, id: SurveyId) -> AppResult<Results> {
    let survey = get(app, requester, id).await?;
    let names = building_names(app).await?;
    let previous = match survey.previous_id {
        Some(previous) => match get(app, requester, previous).await {
            // Its figures only: the texts are read on its own page.
            Ok(previous) => Some(results_of(app, previous, &names, None, false).await?),
            Err(AppError::Forbidden | AppError::NotFound) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    results_of(app, survey, &names, previous, true).await
}

async fn building_names(app: &App) -> AppResult<HashMap<BuildingId, String>> {
    Ok(domovoy_store::buildings::list(&app.db).await?.into_iter().map(|b| (b.id, b.name.to_string())).collect())
}

/// A question of the previous run that is this one: the same kind and text.
fn same_question<'a>(previous: &'a Results, question: &Question) -> Option<&'a QuestionResult> {
    previous.questions.iter().find(|p| p.question.kind == question.kind && p.question.text == question.text)
}

async fn results_of(
    app: &App,
    survey: Survey,
    names: &HashMap<BuildingId, String>,
    previous: Option<Results>,
    with_texts: bool,
) -> AppResult<Results> {
    let id = survey.id;
    let tally = store::tally(&app.db, id).await?;
    let eligible = respondents(survey.one_per, &store::eligible(&app.db, &survey.audience, today(app), None).await?);
    let mut per_building: BTreeMap<BuildingId, u64> = BTreeMap::new();
    for (_, link) in &eligible {
        *per_building.entry(link.building_id).or_default() += 1;
    }
    for building in tally.by_building.keys() {
        per_building.entry(*building).or_default();
    }
    let mut buildings: Vec<BuildingRate> = per_building
        .into_iter()
        .map(|(building, eligible)| BuildingRate {
            building_id: building,
            building_name: names.get(&building).cloned().unwrap_or_default(),
            eligible,
            responses: tally.by_building.get(&building).copied().unwrap_or(0),
        })
        .collect();
    buildings.sort_by(|a, b| a.building_name.cmp(&b.building_name));
    let mut questions = Vec::with_capacity(survey.questions.len());
    for question in &survey.questions {
        let counts = tally.counts.get(&question.id).cloned().unwrap_or_default();
        let answered = tally.answered.get(&question.id).copied().unwrap_or(0);
        let texts = if with_texts && question.kind == QuestionKind::Text {
            store::texts(&app.db, id, question.id, MAX_TEXTS).await?
        } else {
            Vec::new()
        };
        questions.push(QuestionResult {
            question: question.clone(),
            summary: domain::summarize(question, answered, &counts),
            texts,
            previous: previous.as_ref().and_then(|p| same_question(p, question)).map(|p| p.summary.clone()),
        });
    }
    Ok(Results {
        state: survey.status_at(Utc::now()),
        previous: previous.map(|p| PreviousRun {
            survey_id: p.survey.id,
            title: p.survey.title,
            published_at: p.survey.published_at,
            responses: p.responses,
            eligible: p.eligible,
        }),
        survey,
        responses: tally.responses,
        eligible: eligible.len() as u64,
        buildings,
        questions,
    })
}

/// Fewer responses than this in a group of an anonymous survey, and the
/// group's figures are not shown: with two or three, a neighbour could
/// tell who answered what.
pub const MIN_ANONYMOUS_GROUP: u64 = 5;

/// One group of a cross-tabulation.
#[derive(Debug, Clone, Serialize)]
pub struct GroupResult {
    #[serde(skip)]
    pub group: Group,
    /// The building's name (the group's, or its section's).
    pub building_name: String,
    /// A section's kind and name.
    pub section: Option<(SectionKind, String)>,
    /// Who may answer in the group (people, or units for a vote per unit),
    /// counted as their answers would be; none for answers of no known group.
    pub eligible: Option<u64>,
    pub responses: u64,
    /// Each question's figures in the group, in the survey's order; none
    /// when the group is too small to show in an anonymous survey.
    pub summaries: Option<Vec<Summary>>,
}

/// The results per building, section (named surveys) or relation
/// (owner / tenant / occupant; named surveys): the groups in the order of
/// their names, unknown last.
pub async fn cross(app: &App, requester: &Requester, id: SurveyId, by: Breakdown) -> AppResult<Vec<GroupResult>> {
    let survey = get(app, requester, id).await?;
    if survey.anonymous && by != Breakdown::Building {
        // Nothing but the building is kept with an anonymous answer.
        return Err(AppError::field("by", FieldError::NotAllowed));
    }
    let names = building_names(app).await?;
    let sections: HashMap<SectionId, (BuildingId, SectionKind, String)> = domovoy_store::mailings::sections(&app.db)
        .await?
        .into_iter()
        .map(|(building, id, kind, name)| (id, (building, kind, name)))
        .collect();
    // Who may answer, by the group their answer would count in (the link
    // an answer is recorded with: a person's first, as `respond` takes it).
    let mut eligible: HashMap<Group, u64> = HashMap::new();
    for (_, link) in respondents(survey.one_per, &store::eligible(&app.db, &survey.audience, today(app), None).await?) {
        let group = match by {
            Breakdown::Building => Group::Building(link.building_id),
            Breakdown::Section => Group::Section(link.section_id),
            Breakdown::Relation => Group::Relation(link.role),
        };
        *eligible.entry(group).or_default() += 1;
    }
    let mut tallies = store::cross_tally(&app.db, id, by).await?;
    // A group nobody in has answered yet shows too (its rate is 0 %).
    for group in eligible.keys() {
        tallies.entry(*group).or_default();
    }
    let mut groups: Vec<GroupResult> = tallies
        .into_iter()
        .map(|(group, tally)| {
            let (building, section) = match group {
                Group::Building(b) => (Some(b), None),
                Group::Section(s) => match sections.get(&s) {
                    Some((b, kind, name)) => (Some(*b), Some((*kind, name.clone()))),
                    None => (None, None),
                },
                Group::Relation(_) | Group::Unknown => (None, None),
            };
            let shown = !survey.anonymous || tally.responses >= MIN_ANONYMOUS_GROUP;
            GroupResult {
                group,
                building_name: building.and_then(|b| names.get(&b)).cloned().unwrap_or_default(),
                section,
                eligible: (group != Group::Unknown).then(|| eligible.get(&group).copied().unwrap_or(0)),
                responses: tally.responses,
                summaries: shown.then(|| {
                    survey
                        .questions
                        .iter()
                        .map(|q| {
                            let counts = tally.counts.get(&q.id).cloned().unwrap_or_default();
                            domain::summarize(q, tally.answered.get(&q.id).copied().unwrap_or(0), &counts)
                        })
                        .collect()
                }),
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        (a.group == Group::Unknown, &a.building_name, a.section.as_ref().map(|s| &s.1), a.group).cmp(&(
            b.group == Group::Unknown,
            &b.building_name,
            b.section.as_ref().map(|s| &s.1),
            b.group,
        ))
    });
    Ok(groups)
}

/// Every response with its answers, for the raw export, and the names of
/// the buildings they count in.
pub async fn responses(
    app: &App,
    requester: &Requester,
    id: SurveyId,
) -> AppResult<(Vec<domovoy_store::surveys::StoredResponse>, HashMap<BuildingId, String>)> {
    get(app, requester, id).await?;
    Ok((store::responses(&app.db, id).await?, building_names(app).await?))
}

/// The most frequent words of some texts (three letters or more, any
/// case), at most `limit`, most frequent first.
pub fn word_frequencies(texts: &[String], limit: usize) -> Vec<(String, u64)> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for text in texts {
        for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3) {
            *counts.entry(word.to_lowercase()).or_default() += 1;
        }
    }
    let mut words: Vec<(String, u64)> = counts.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    words.truncate(limit);
    words
}

/// The texts containing `search` (any case, Cyrillic included).
pub fn search_texts<'a>(texts: &'a [String], search: &str) -> Vec<&'a String> {
    let needle = search.trim().to_lowercase();
    texts.iter().filter(|t| needle.is_empty() || t.to_lowercase().contains(&needle)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domovoy_domain::client::LinkRole;

    #[test]
    fn word_frequencies_fold_case_and_skip_short_words() {
        let texts = vec!["Тепло в подъезде, ТЕПЛО!".to_owned(), "Лифт и тепло".to_owned()];
        assert_eq!(word_frequencies(&texts, 2), [("тепло".to_owned(), 3), ("лифт".to_owned(), 1)]);
        assert_eq!(search_texts(&texts, "лифт"), [&texts[1]]);
    }

    #[test]
    fn a_person_with_two_units_is_one_respondent_but_two_units_vote() {
        let (client, building, section) = (ClientId::new(), BuildingId::new(), SectionId::new());
        let link = |role| Eligible {
            client_id: client,
            unit_id: UnitId::new(),
            building_id: building,
            section_id: section,
            role,
        };
        let links = [link(LinkRole::Owner), link(LinkRole::Tenant)];
        assert_eq!(respondents(OnePer::Resident, &links).len(), 1);
        assert_eq!(respondents(OnePer::Unit, &links).len(), 2);
    }
}
