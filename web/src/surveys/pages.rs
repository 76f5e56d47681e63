//! The surveys' pages: `/surveys` (managers: every survey; residents: those
//! open to them), `/surveys/new` (the builder: questions are added and
//! removed by the form's own buttons, no script needed), `/surveys/<id>`
//! (managers: the preview and publishing, then the live results and their
//! export; residents: the answer form, sized for a phone).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::{NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use uuid::Uuid;

use domovoy_app::AppError;
use domovoy_app::surveys::{
    self, AnswerInput, AnswerKey, Breakdown, Group, GroupResult, OpenSurvey, QuestionInput, ResponseInput, Results,
    ShowIfInput, SurveyInput,
};
use domovoy_domain::event::Topic;
use domovoy_domain::ids::{BuildingId, SurveyId};
use domovoy_domain::survey::{self, OnePer, Question, QuestionKind, RawAnswer, Summary, Survey, SurveyStatus};
use domovoy_store::surveys::StoredResponse;

use crate::auth::csrf::{FormPairs, NoFields};
use crate::auth::{CsrfForm, PageCaller};
use crate::error::PageError;
use crate::export::{Cell, ExportFormat, Sheet, Table, attachment, download, workbook_bytes};
use crate::i18n::Catalog;
use crate::mailings::pages::{AudienceForm, AudienceView, Choice};
use crate::pages::{Chrome, FormFailure, Section, fmt_time, html, html_with_status, see_other};
use crate::reports::chart::{self, Scale, Series};
use crate::state::AppState;

/// Free-text answers a results page lists per question (the export has all).
const SHOWN_TEXTS: usize = 50;
/// Frequent words shown per text question.
const SHOWN_WORDS: usize = 15;

struct Line {
    id: String,
    title: String,
    status: &'static str,
    status_code: &'static str,
    created: String,
    closes: String,
    responses: u64,
}

/// A resident's open survey in their list.
struct OpenLine {
    id: String,
    title: String,
    closes: String,
    answered: bool,
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct ListPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    resident: bool,
    lines: Vec<Line>,
    open: Vec<OpenLine>,
}

fn open_line(o: &OpenSurvey, zone: chrono_tz::Tz) -> OpenLine {
    OpenLine {
        id: o.survey.id.to_string(),
        title: o.survey.title.clone(),
        closes: o.survey.closes_at.map(|at| fmt_time(at, zone)).unwrap_or_default(),
        answered: o.answered,
    }
}

#[get("/surveys")]
pub async fn list_page(state: web::Data<AppState>, caller: PageCaller) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let chrome = Chrome::new(&caller, Section::Surveys, "/surveys");
    if caller.is_resident() {
        let open = surveys::open_for_me(&state, &caller).await?.iter().map(|o| open_line(o, zone)).collect();
        return html(&ListPage { t, chrome, resident: true, lines: Vec::new(), open });
    }
    let lines = surveys::list(&state, &caller)
        .await?
        .iter()
        .map(|v| Line {
            id: v.survey.id.to_string(),
            title: v.survey.title.clone(),
            status: (t.sv.status_label)(v.state),
            status_code: v.state.code(),
            created: fmt_time(v.survey.created_at, zone),
            closes: v.survey.closes_at.map(|at| fmt_time(at, zone)).unwrap_or_default(),
            responses: v.responses,
        })
        .collect();
    html(&ListPage { t, chrome, resident: false, lines, open: Vec::new() })
}

/// One question block of the builder.
#[derive(Debug, Clone, Default)]
struct QuestionForm {
    kind: String,
    text: String,
    /// One choice per line (a matrix's columns).
    options: String,
    /// A matrix's rows, one per line.
    rows: String,
    required: bool,
    /// The number (from 1) of the earlier question it depends on; empty:
    /// always asked.
    show_if: String,
    /// The answer there that makes it asked, as written: a choice, «Да»,
    /// «Нет», or a mark.
    show_if_value: String,
}

/// What the builder holds (also after a refused save or an added question).
#[derive(Debug, Default)]
struct Draft {
    /// The draft survey being changed; `None` for a new one.
    editing: Option<SurveyId>,
    title: String,
    intro: String,
    anonymous: bool,
    one_per: String,
    opens_at: String,
    closes_at: String,
    questions: Vec<QuestionForm>,
    audience: AudienceForm,
}

/// The most question blocks the form keeps (the use-case refuses more).
const MAX_FORM_QUESTIONS: usize = survey::MAX_QUESTIONS + 1;

/// A time as a `datetime-local` field shows it, in `zone`.
fn local_field(at: Option<chrono::DateTime<Utc>>, zone: chrono_tz::Tz) -> String {
    at.map(|at| at.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
}

/// A `datetime-local` field's text as a moment in `zone` (empty: none); a
/// wrong one is `field`'s error.
fn moment(field: &'static str, raw: &str, zone: chrono_tz::Tz) -> Result<Option<chrono::DateTime<Utc>>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let wrong = || AppError::field(field, domovoy_domain::FieldError::InvalidFormat);
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").map_err(|_| wrong())?;
    let at = zone.from_local_datetime(&local).earliest().ok_or_else(wrong)?;
    Ok(Some(at.with_timezone(&Utc)))
}

impl Draft {
    /// The form's fields; question fields come in blocks, each starting
    /// with its `q_kind`. Answers the draft and the button pressed.
    fn from_pairs(pairs: FormPairs) -> (Self, String) {
        let mut draft = Self::default();
        let mut action = String::new();
        for (key, value) in pairs {
            if draft.audience.take(&key, &value) {
                continue;
            }
            match key.as_str() {
                "title" => draft.title = value,
                "intro" => draft.intro = value,
                "anonymous" => draft.anonymous = value == "1",
                "one_per" => draft.one_per = value,
                "opens_at" => draft.opens_at = value,
                "closes_at" => draft.closes_at = value,
                "action" => action = value,
                "q_kind" if draft.questions.len() < MAX_FORM_QUESTIONS => {
                    draft.questions.push(QuestionForm { kind: value, ..QuestionForm::default() });
                }
                field => {
                    // The rest of a question block fills the last question.
                    let Some(q) = draft.questions.last_mut() else { continue };
                    match field {
                        "q_text" => q.text = value,
                        "q_options" => q.options = value,
                        "q_rows" => q.rows = value,
                        "q_required" => q.required = value == "1",
                        "q_show_if" => q.show_if = value,
                        "q_show_if_value" => q.show_if_value = value,
                        _ => {}
                    }
                }
            }
        }
        (draft, action)
    }

    /// A stored draft as the builder holds it.
    fn of(survey: &Survey, zone: chrono_tz::Tz, t: &Catalog) -> Self {
        Self {
            editing: Some(survey.id),
            title: survey.title.clone(),
            intro: survey.intro.clone(),
            anonymous: survey.anonymous,
            one_per: survey.one_per.code().to_owned(),
            opens_at: local_field(survey.opens_at, zone),
            closes_at: local_field(survey.closes_at, zone),
            questions: survey
                .questions
                .iter()
                .map(|q| {
                    let condition = q.show_if.and_then(|c| {
                        let at = survey.questions.iter().position(|e| e.id == c.question)?;
                        Some(((at + 1).to_string(), value_label(&survey.questions[at], c.value, t)))
                    });
                    let (show_if, show_if_value) = condition.unwrap_or_default();
                    QuestionForm {
                        kind: q.kind.code().to_owned(),
                        text: q.text.clone(),
                        options: q.options.join("\n"),
                        rows: q.rows.join("\n"),
                        required: q.required,
                        show_if,
                        show_if_value,
                    }
                })
                .collect(),
            audience: AudienceForm::of(&survey.audience),
        }
    }

    /// The condition of a question as the use-case takes it: the earlier
    /// question's place and the number of the answer written (−1, refused
    /// there, when the words match none of its answers).
    fn show_if(&self, q: &QuestionForm, t: &Catalog) -> Option<ShowIfInput> {
        let number: usize = q.show_if.trim().parse().ok()?;
        let Some(target) = number.checked_sub(1).and_then(|i| self.questions.get(i)) else {
            return Some(ShowIfInput { question: usize::MAX, value: -1 });
        };
        let written = q.show_if_value.trim().to_lowercase();
        let value = match target.kind.parse::<QuestionKind>() {
            Ok(QuestionKind::Single | QuestionKind::Multiple) => target
                .options
                .lines()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .position(|o| o.to_lowercase() == written)
                .and_then(|i| i64::try_from(i).ok()),
            Ok(QuestionKind::YesNo) if written == t.sv.yes.to_lowercase() => Some(1),
            Ok(QuestionKind::YesNo) if written == t.sv.no.to_lowercase() => Some(0),
            Ok(QuestionKind::Scale | QuestionKind::Nps) => written.parse().ok(),
            _ => None,
        };
        Some(ShowIfInput { question: number - 1, value: value.unwrap_or(-1) })
    }

    fn input(&self, zone: chrono_tz::Tz, t: &Catalog) -> Result<SurveyInput, AppError> {
        Ok(SurveyInput {
            title: self.title.clone(),
            intro: self.intro.clone(),
            questions: self
                .questions
                .iter()
                .map(|q| QuestionInput {
                    kind: q.kind.clone(),
                    text: q.text.clone(),
                    options: q.options.lines().map(str::to_owned).collect(),
                    rows: q.rows.lines().map(str::to_owned).collect(),
                    required: q.required,
                    show_if: self.show_if(q, t),
                })
                .collect(),
            audience: self.audience.audience()?,
            anonymous: self.anonymous,
            one_per: Some(self.one_per.clone()),
            // The form's local times, in the company's zone.
            opens_at: moment("opens_at", &self.opens_at, zone)?,
            closes_at: moment("closes_at", &self.closes_at, zone)?,
        })
    }
}

/// A question block as the builder shows it.
struct QuestionBlock {
    index: usize,
    number: usize,
    kinds: Vec<Choice>,
    text: String,
    options: String,
    rows: String,
    required: bool,
    /// The error keys of its fields (`questions[2].options`).
    kind_field: String,
    text_field: String,
    options_field: String,
    rows_field: String,
    show_if_field: String,
    /// The earlier questions it may depend on: number, label, chosen.
    show_if_choices: Vec<Choice>,
    show_if_value: String,
}

#[derive(Template)]
#[template(path = "survey_new.html")]
struct BuilderPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    /// Where the form posts, and its heading.
    action: String,
    heading: &'static str,
    back: String,
    draft: Draft,
    one_per: Vec<Choice>,
    questions: Vec<QuestionBlock>,
    audience: AudienceView,
    errors: Vec<(String, String)>,
    message: Option<String>,
}

async fn builder(
    state: &AppState,
    caller: &PageCaller,
    draft: Draft,
    failure: FormFailure,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let choices = surveys::audience_choices(state, caller).await?;
    let one_per = OnePer::ALL
        .iter()
        .map(|o| Choice {
            value: o.code().to_owned(),
            label: (t.sv.one_per_label)(*o).to_owned(),
            on: draft.one_per == o.code(),
        })
        .collect();
    let questions = draft
        .questions
        .iter()
        .enumerate()
        .map(|(index, q)| QuestionBlock {
            index,
            number: index + 1,
            kinds: QuestionKind::ALL
                .iter()
                .map(|k| Choice {
                    value: k.code().to_owned(),
                    label: (t.sv.kind_label)(*k).to_owned(),
                    on: q.kind == k.code(),
                })
                .collect(),
            text: q.text.clone(),
            options: q.options.clone(),
            rows: q.rows.clone(),
            required: q.required,
            kind_field: format!("questions[{index}].kind"),
            text_field: format!("questions[{index}].text"),
            options_field: format!("questions[{index}].options"),
            rows_field: format!("questions[{index}].rows"),
            show_if_field: format!("questions[{index}].show_if"),
            show_if_choices: (1..=index)
                .map(|n| Choice {
                    value: n.to_string(),
                    label: (t.sv.show_if_question)(n),
                    on: q.show_if.trim() == n.to_string(),
                })
                .collect(),
            show_if_value: q.show_if_value.clone(),
        })
        .collect();
    let audience = draft.audience.view(t, &choices);
    let (action, heading, back) = match draft.editing {
        Some(id) => (format!("/surveys/{id}/edit"), t.sv.edit_survey, format!("/surveys/{id}")),
        None => ("/surveys".to_owned(), t.sv.new_survey, "/surveys".to_owned()),
    };
    let page = BuilderPage {
        t,
        chrome: Chrome::new(caller, Section::Surveys, &action),
        action,
        heading,
        back,
        draft,
        one_per,
        questions,
        audience,
        errors: failure.fields,
        message: failure.message,
    };
    html_with_status(&page, status)
}

fn blank_question() -> QuestionForm {
    QuestionForm { kind: QuestionKind::Single.code().to_owned(), required: true, ..QuestionForm::default() }
}

/// A new survey's builder: anonymous, an answer per resident, one blank
/// question.
fn fresh() -> Draft {
    Draft {
        anonymous: true,
        one_per: OnePer::Resident.code().to_owned(),
        questions: vec![blank_question()],
        ..Draft::default()
    }
}

#[get("/surveys/new")]
pub async fn new_page(state: web::Data<AppState>, caller: PageCaller) -> Result<HttpResponse, PageError> {
    builder(&state, &caller, fresh(), FormFailure::default(), StatusCode::OK).await
}

/// The chessboard's «Опросить их»: the builder with the selected units as
/// the audience.
#[post("/surveys/new")]
pub async fn new_for_units(
    state: web::Data<AppState>,
    caller: PageCaller,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let (chosen, _) = Draft::from_pairs(pairs.0);
    let draft = Draft { audience: AudienceForm { units: chosen.audience.units, ..AudienceForm::default() }, ..fresh() };
    builder(&state, &caller, draft, FormFailure::default(), StatusCode::OK).await
}

/// Saves the builder, or adds / removes a question block and shows it again.
#[post("/surveys")]
pub async fn create_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    save(&state, &caller, Draft::from_pairs(pairs.0), None).await
}

/// A draft survey in the builder.
#[get("/surveys/{id}/edit")]
pub async fn edit_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let survey = surveys::get(&state, &caller, SurveyId::from_uuid(*id)).await?;
    if survey.status != SurveyStatus::Draft {
        return Ok(see_other(&format!("/surveys/{}", survey.id)));
    }
    let draft = Draft::of(&survey, state.config.display_time_zone, caller.t());
    builder(&state, &caller, draft, FormFailure::default(), StatusCode::OK).await
}

#[post("/surveys/{id}/edit")]
pub async fn update_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    save(&state, &caller, Draft::from_pairs(pairs.0), Some(SurveyId::from_uuid(*id))).await
}

/// The builder's buttons: add or remove a question block and show the form
/// again, or save the draft (new, or the one being changed).
async fn save(
    state: &AppState,
    caller: &PageCaller,
    (mut draft, action): (Draft, String),
    editing: Option<SurveyId>,
) -> Result<HttpResponse, PageError> {
    draft.editing = editing;
    if action == "add" {
        if draft.questions.len() < survey::MAX_QUESTIONS {
            draft.questions.push(blank_question());
        }
        return builder(state, caller, draft, FormFailure::default(), StatusCode::OK).await;
    }
    if let Some(index) = action.strip_prefix("remove:").and_then(|i| i.parse::<usize>().ok()) {
        if index < draft.questions.len() {
            draft.questions.remove(index);
            // The conditions on later questions move up with them; those on
            // the removed one go.
            for q in &mut draft.questions {
                let Ok(number) = q.show_if.trim().parse::<usize>() else { continue };
                if number == index + 1 {
                    q.show_if.clear();
                    q.show_if_value.clear();
                } else if number > index + 1 {
                    q.show_if = (number - 1).to_string();
                }
            }
        }
        return builder(state, caller, draft, FormFailure::default(), StatusCode::OK).await;
    }
    let result = match (draft.input(state.config.display_time_zone, caller.t()), editing) {
        (Ok(input), None) => surveys::create(state, caller, &input).await.map(|(s, _)| (s.id, "survey_created")),
        (Ok(input), Some(id)) => surveys::update(state, caller, id, &input).await.map(|(s, _)| (s.id, "survey_saved")),
        (Err(error), _) => Err(error),
    };
    match result {
        Ok((id, done)) => Ok(see_other(&format!("/surveys/{id}?done={done}"))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            builder(state, caller, draft, failure, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// A question as the answer form shows it.
struct FormQuestion {
    id: String,
    kind: &'static str,
    text: String,
    required: bool,
    /// Choices (index, words); the marks of a scale or NPS question; a
    /// matrix's columns.
    options: Vec<(i64, String)>,
    /// A matrix's rows (index, words).
    rows: Vec<(usize, String)>,
    low: &'static str,
    high: &'static str,
    /// Asked only when the question with this id was answered with this
    /// number (the form's script hides it otherwise; the server drops
    /// what a hidden question sends).
    show_if: Option<(String, i64)>,
    /// «Задаётся, если в вопросе 1 ответили «Нет».»
    condition: Option<String>,
}

fn form_questions(survey: &Survey, t: &Catalog) -> Vec<FormQuestion> {
    survey.questions.iter().map(|q| form_question(q, &survey.questions, t)).collect()
}

fn form_question(q: &Question, all: &[Question], t: &Catalog) -> FormQuestion {
    let options = match q.kind {
        QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Matrix => {
            q.options.iter().enumerate().map(|(i, o)| (i as i64, o.clone())).collect()
        }
        QuestionKind::YesNo => vec![(1, t.sv.yes.to_owned()), (0, t.sv.no.to_owned())],
        QuestionKind::Scale | QuestionKind::Nps => {
            let (low, high) = q.range();
            (low..=high).map(|n| (n, n.to_string())).collect()
        }
        QuestionKind::Text => Vec::new(),
    };
    let (low, high) = match q.kind {
        QuestionKind::Scale => (t.sv.scale_low, t.sv.scale_high),
        QuestionKind::Nps => (t.sv.nps_low, t.sv.nps_high),
        _ => ("", ""),
    };
    FormQuestion {
        id: q.id.to_string(),
        kind: q.kind.code(),
        text: q.text.clone(),
        required: q.required,
        options,
        rows: q.rows.iter().cloned().enumerate().collect(),
        low,
        high,
        show_if: q.show_if.map(|c| (c.question.to_string(), c.value)),
        condition: q.show_if.and_then(|c| {
            let at = all.iter().position(|e| e.id == c.question)?;
            Some((t.sv.shown_if)(&all[at].text, &value_label(&all[at], c.value, t)))
        }),
    }
}

/// The answer form (`survey_form.html`): the resident's, or the
/// manager's preview with nothing to send.
struct AnswerForm {
    /// Where the form posts: the signed-in page's, or a personal link's.
    action: String,
    questions: Vec<FormQuestion>,
    /// The form can be sent (a resident's open survey, not answered).
    answerable: bool,
    /// For a vote per unit: the units still to answer for (id, label).
    units: Vec<(String, String)>,
    /// A fresh key per form shown: a double submit stores one answer.
    key: String,
    errors: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "survey_answer.html")]
struct AnswerPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    title: String,
    intro: String,
    anonymous: bool,
    closes: Option<String>,
    answered: bool,
    /// It takes no answers any more.
    closed: bool,
    message: Option<String>,
    form: AnswerForm,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct ManagerPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    id: String,
    title: String,
    status: &'static str,
    status_code: &'static str,
    anonymous: bool,
    one_per: &'static str,
    created: String,
    /// The opening time, while it is ahead.
    opens: Option<String>,
    closes: Option<String>,
    intro: String,
    /// The draft's preview as residents see it.
    preview: Option<AnswerForm>,
    eligible: u64,
    results: Option<ResultsView>,
    /// The requester sends mailings too (the reminder is one).
    can_remind: bool,
}

#[derive(Template)]
#[template(path = "survey_results.html")]
struct ResultsView {
    t: &'static Catalog,
    id: String,
    live: bool,
    /// The survey topic's position when the page was read: the page
    /// follows `survey:<id>` from it (the block alone, refetched, has none).
    live_seq: Option<i64>,
    responses: u64,
    eligible: u64,
    rate: String,
    buildings: Vec<(String, u64, u64, String)>,
    /// The response rate per section or relation (the breakdown chosen, when
    /// it is not by building): name, may answer, answered, rate.
    group_rates: Vec<(String, u64, u64, String)>,
    /// «Сравнение с предыдущим запуском …» and the link to it.
    previous: Option<(String, String)>,
    /// The breakdowns that may be chosen: code, label, chosen.
    breakdowns: Vec<(&'static str, &'static str, bool)>,
    by: &'static str,
    by_label: &'static str,
    anonymous: bool,
    questions: Vec<QuestionView>,
    search: String,
}

/// One answer's line: its words, how many, their share, and the share
/// last time.
struct ResultRow {
    label: String,
    count: u64,
    share: String,
    before: Option<String>,
}

/// A table of shares: the columns after the name and «answered», and a
/// row per group (a breakdown's; its cells, none when hidden) or per row
/// of a matrix.
struct Grid {
    columns: Vec<String>,
    rows: Vec<(String, u64, Option<Vec<String>>)>,
}

struct QuestionView {
    number: usize,
    text: String,
    kind: &'static str,
    answered: String,
    chart: String,
    rows: Vec<ResultRow>,
    average: Option<String>,
    interval: Option<String>,
    nps: Option<(String, String)>,
    /// The average's and NPS's values last time, with the change.
    average_was: Option<String>,
    nps_was: Option<String>,
    cross: Option<Grid>,
    /// A matrix: per row, how many answered it, each column's share, the
    /// mean mark (and last run's).
    matrix: Option<Grid>,
    /// How a matrix's mean marks read.
    matrix_hint: Option<String>,
    texts: Vec<String>,
    texts_found: Option<String>,
    words: Vec<(String, u64)>,
}

fn decimal_of(t: &Catalog) -> char {
    if t.html_lang == "ru" { ',' } else { '.' }
}

fn number(value: f64, places: usize, t: &Catalog) -> String {
    format!("{value:.places$}").replace('.', &decimal_of(t).to_string())
}

fn share(part: u64, whole: u64, t: &Catalog) -> String {
    if whole == 0 { "—".to_owned() } else { format!("{}\u{a0}%", number(part as f64 * 100.0 / whole as f64, 1, t)) }
}

/// The words of one answered number of a question.
fn value_label(q: &Question, value: i64, t: &Catalog) -> String {
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            usize::try_from(value).ok().and_then(|i| q.options.get(i)).cloned().unwrap_or_else(|| value.to_string())
        }
        QuestionKind::YesNo => if value == 1 { t.sv.yes } else { t.sv.no }.to_owned(),
        QuestionKind::Matrix => {
            let (row, column) = survey::cell_of(value);
            let word = |list: &[String], i: usize| list.get(i).cloned().unwrap_or_default();
            format!("{} — {}", word(&q.rows, row), word(&q.options, column))
        }
        _ => value.to_string(),
    }
}

/// A change in points, signed: «+0,30», «−1,5».
fn change(now: f64, before: f64, places: usize, t: &Catalog) -> String {
    let delta = now - before;
    let sign = if delta > 0.0 {
        "+"
    } else if delta < 0.0 {
        "\u{2212}"
    } else {
        "±"
    };
    format!("{sign}{}", number(delta.abs(), places, t))
}

/// The breakdown's columns for a question, and one group's cells: the
/// average (and NPS) of marks, the share of each answer otherwise.
fn cross_columns(q: &Question, t: &Catalog) -> Vec<String> {
    match q.kind {
        // A matrix: each row's mean mark.
        QuestionKind::Matrix => q.rows.clone(),
        QuestionKind::Scale => vec![t.sv.average.to_owned()],
        QuestionKind::Nps => vec![t.sv.average.to_owned(), t.sv.nps.to_owned()],
        _ => {
            let (low, high) = q.range();
            (low..=high).map(|v| value_label(q, v, t)).collect()
        }
    }
}

fn cross_cells(q: &Question, s: &Summary, t: &Catalog) -> Vec<String> {
    let dash = || "—".to_owned();
    match q.kind {
        QuestionKind::Matrix => {
            (0..q.rows.len()).map(|row| row_mean(q, s, row).map_or_else(dash, |m| number(m, 2, t))).collect()
        }
        QuestionKind::Scale => vec![s.average.map_or_else(dash, |a| number(a, 2, t))],
        QuestionKind::Nps => {
            vec![s.average.map_or_else(dash, |a| number(a, 2, t)), s.nps.map_or_else(dash, |n| number(n.score, 1, t))]
        }
        _ => s.counts.values().map(|n| share(*n, s.answered, t)).collect(),
    }
}

/// A matrix row's mean mark, its columns counted from 1 (none when nobody
/// answered the row).
fn row_mean(q: &Question, s: &Summary, row: usize) -> Option<f64> {
    let (mut answered, mut sum) = (0u64, 0u64);
    for column in 0..q.options.len() {
        let n = s.counts.get(&survey::cell(row, column)).copied().unwrap_or(0);
        answered += n;
        sum += n * (column as u64 + 1);
    }
    (answered > 0).then(|| sum as f64 / answered as f64)
}

/// A matrix's table: each row's answers, as shares of those who answered
/// that row, its mean mark, and the mean mark of the previous run.
fn matrix_view(q: &Question, s: &Summary, before: Option<&Summary>, t: &Catalog) -> Grid {
    let dash = || "—".to_owned();
    let rows = q
        .rows
        .iter()
        .enumerate()
        .map(|(row, words)| {
            let counts: Vec<u64> = (0..q.options.len())
                .map(|column| s.counts.get(&survey::cell(row, column)).copied().unwrap_or(0))
                .collect();
            let answered: u64 = counts.iter().sum();
            let mut cells: Vec<String> = counts.iter().map(|n| share(*n, answered, t)).collect();
            cells.push(row_mean(q, s, row).map_or_else(dash, |m| number(m, 2, t)));
            if let Some(before) = before {
                cells.push(row_mean(q, before, row).map_or_else(dash, |m| number(m, 2, t)));
            }
            (words.clone(), answered, Some(cells))
        })
        .collect();
    let mut columns = q.options.clone();
    columns.push(t.sv.col_row_mean.to_owned());
    if before.is_some() {
        columns.push(t.sv.col_previous.to_owned());
    }
    Grid { columns, rows }
}

/// A group's name as the breakdown table shows it.
fn group_name(g: &GroupResult, t: &Catalog) -> String {
    match (g.group, &g.section) {
        (Group::Building(_), _) => g.building_name.clone(),
        (Group::Section(_), Some((kind, name))) => {
            format!("{} · {}", g.building_name, (t.pl.section_title)(*kind, name))
        }
        (Group::Relation(role), _) => (t.ml.role_label)(role).to_owned(),
        _ => t.sv.unknown_group.to_owned(),
    }
}

fn results_view(r: &Results, groups: &[GroupResult], by: Breakdown, t: &'static Catalog, search: &str) -> ResultsView {
    let questions = r
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let s = &q.summary;
            let before = q.previous.as_ref();
            let rows: Vec<ResultRow> = s
                .counts
                .iter()
                .map(|(v, n)| ResultRow {
                    label: value_label(&q.question, *v, t),
                    count: *n,
                    share: share(*n, s.answered, t),
                    before: before.map(|p| share(p.counts.get(v).copied().unwrap_or(0), p.answered, t)),
                })
                .collect();
            let matrix = (q.question.kind == QuestionKind::Matrix).then(|| matrix_view(&q.question, s, before, t));
            let matrix_hint = match (&matrix, q.question.options.first(), q.question.options.last()) {
                (Some(_), Some(first), Some(last)) => {
                    Some((t.sv.matrix_mean_hint)(first, last, q.question.options.len()))
                }
                _ => None,
            };
            let chart = if rows.is_empty() {
                String::new()
            } else if q.question.kind == QuestionKind::Matrix {
                // A group of bars per row, a bar per column.
                let series = (0..q.question.options.len())
                    .map(|column| Series {
                        name: q.question.options[column].clone(),
                        values: (0..q.question.rows.len())
                            .map(|row| s.counts.get(&survey::cell(row, column)).copied().unwrap_or(0) as f64)
                            .collect(),
                    })
                    .collect::<Vec<_>>();
                chart::bars(&q.question.text, &q.question.rows, &series, Scale::Count, decimal_of(t))
            } else {
                let categories: Vec<String> = rows.iter().map(|row| row.label.clone()).collect();
                let values = rows.iter().map(|row| row.count as f64).collect();
                chart::bars(
                    &q.question.text,
                    &categories,
                    &[Series { name: t.sv.col_count.to_owned(), values }],
                    Scale::Count,
                    decimal_of(t),
                )
            };
            // One building would only repeat the question's own figures; a
            // breakdown chosen by hand shows even one group.
            let shown = groups.len() > 1 || (by != Breakdown::Building && !groups.is_empty());
            let tabulated = q.question.kind != QuestionKind::Text;
            let cross = (tabulated && shown).then(|| Grid {
                columns: cross_columns(&q.question, t),
                rows: groups
                    .iter()
                    .map(|g| {
                        let summary = g.summaries.as_ref().and_then(|all| all.get(i));
                        (
                            group_name(g, t),
                            summary.map_or(g.responses, |s| s.answered),
                            summary.map(|s| cross_cells(&q.question, s, t)),
                        )
                    })
                    .collect(),
            });
            let found = surveys::search_texts(&q.texts, search);
            QuestionView {
                number: i + 1,
                text: q.question.text.clone(),
                kind: (t.sv.kind_label)(q.question.kind),
                answered: (t.sv.answered_n)(s.answered),
                chart,
                rows,
                average: s.average.map(|a| number(a, 2, t)),
                interval: s.interval.map(|(low, high)| format!("{} – {}", number(low, 2, t), number(high, 2, t))),
                nps: s.nps.map(|n| (number(n.score, 1, t), (t.sv.nps_parts)(n.promoters, n.passives, n.detractors))),
                average_was: s
                    .average
                    .zip(before.and_then(|p| p.average))
                    .map(|(now, was)| (t.sv.was)(&number(was, 2, t), &change(now, was, 2, t))),
                nps_was: s
                    .nps
                    .zip(before.and_then(|p| p.nps))
                    .map(|(now, was)| (t.sv.was)(&number(was.score, 1, t), &change(now.score, was.score, 1, t))),
                cross,
                matrix,
                matrix_hint,
                texts_found: (!search.trim().is_empty())
                    .then(|| (t.sv.texts_found)(found.len().min(SHOWN_TEXTS), found.len())),
                texts: found.into_iter().take(SHOWN_TEXTS).cloned().collect(),
                words: surveys::word_frequencies(&q.texts, SHOWN_WORDS),
            }
        })
        .collect();
    let anonymous = r.survey.anonymous;
    ResultsView {
        t,
        id: r.survey.id.to_string(),
        live: r.state == SurveyStatus::Published,
        live_seq: None,
        responses: r.responses,
        eligible: r.eligible,
        rate: share(r.responses, r.eligible, t),
        buildings: r
            .buildings
            .iter()
            .map(|b| (b.building_name.clone(), b.eligible, b.responses, share(b.responses, b.eligible, t)))
            .collect(),
        group_rates: if by == Breakdown::Building {
            Vec::new()
        } else {
            groups
                .iter()
                .filter_map(|g| {
                    let eligible = g.eligible?;
                    Some((group_name(g, t), eligible, g.responses, share(g.responses, eligible, t)))
                })
                .collect()
        },
        previous: r.previous.as_ref().map(|p| {
            (
                (t.sv.previous_run)(&p.title, p.responses, &share(p.responses, p.eligible, t)),
                format!("/surveys/{}", p.survey_id),
            )
        }),
        breakdowns: if anonymous && groups.len() < 2 {
            // Nothing to choose, nothing to show.
            Vec::new()
        } else {
            [Breakdown::Building, Breakdown::Section, Breakdown::Relation]
                .into_iter()
                .filter(|b| !anonymous || *b == Breakdown::Building)
                .map(|b| (breakdown_code(b), (t.sv.breakdown_label)(b), b == by))
                .collect()
        },
        by: breakdown_code(by),
        by_label: (t.sv.breakdown_label)(by),
        anonymous,
        questions,
        search: search.to_owned(),
    }
}

fn breakdown_code(by: Breakdown) -> &'static str {
    match by {
        Breakdown::Building => "building",
        Breakdown::Section => "section",
        Breakdown::Relation => "relation",
    }
}

/// The workbook: the summary (typed numbers and shares) and the raw
/// answers, a row per response (a column per question; its building, and
/// nothing of the person).
fn workbook(r: &Results, raw: &(Vec<StoredResponse>, HashMap<BuildingId, String>), t: &Catalog) -> Vec<Sheet> {
    let mut summary = Vec::new();
    for q in &r.questions {
        let s = &q.summary;
        let text = || Cell::Text(q.question.text.clone());
        let fraction = |n: u64, of: u64| if of == 0 { Cell::Empty } else { Cell::Percent(n as f64 / of as f64) };
        for (value, n) in &s.counts {
            let mut row = vec![
                text(),
                Cell::Text(value_label(&q.question, *value, t)),
                Cell::Integer(i64::try_from(*n).unwrap_or(i64::MAX)),
                fraction(*n, s.answered),
            ];
            if r.previous.is_some() {
                row.push(
                    q.previous
                        .as_ref()
                        .map_or(Cell::Empty, |p| fraction(p.counts.get(value).copied().unwrap_or(0), p.answered)),
                );
            }
            summary.push(row);
        }
        let before = q.previous.as_ref();
        let figures = [
            (t.sv.average, s.average, before.and_then(|p| p.average)),
            (t.sv.nps, s.nps.map(|n| n.score), before.and_then(|p| p.nps.map(|n| n.score))),
        ];
        for (label, now, was) in figures {
            let Some(now) = now else { continue };
            let mut row = vec![text(), Cell::Text(label.to_owned()), Cell::Decimal(now), Cell::Empty];
            if r.previous.is_some() {
                row.push(was.map_or(Cell::Empty, Cell::Decimal));
            }
            summary.push(row);
        }
    }
    let (responses, names) = raw;
    let mut headers = vec![t.sv.col_building.to_owned()];
    headers.extend(r.questions.iter().map(|q| q.question.text.clone()));
    let rows = responses
        .iter()
        .map(|response| {
            let mut row =
                vec![Cell::Text(response.building_id.and_then(|b| names.get(&b)).cloned().unwrap_or_default())];
            for q in &r.questions {
                let cell = match (response.answers.get(&q.question.id), q.question.kind) {
                    (None, _) => Cell::Empty,
                    (Some((_, Some(text))), _) => Cell::Text(text.clone()),
                    (Some((numbers, None)), QuestionKind::Scale | QuestionKind::Nps) => {
                        numbers.first().map_or(Cell::Empty, |n| Cell::Integer(*n))
                    }
                    (Some((numbers, None)), _) => Cell::Text(
                        numbers.iter().map(|n| value_label(&q.question, *n, t)).collect::<Vec<_>>().join("; "),
                    ),
                };
                row.push(cell);
            }
            row
        })
        .collect();
    vec![
        Sheet {
            name: t.sv.sheet_summary.to_owned(),
            headers: [t.sv.col_question, t.sv.col_answer, t.sv.col_count, t.sv.col_share]
                .into_iter()
                .chain(r.previous.is_some().then_some(t.sv.col_previous))
                .map(str::to_owned)
                .collect(),
            rows: summary,
        },
        Sheet { name: t.sv.sheet_answers.to_owned(), headers, rows },
    ]
}

/// The results as a table: a row per question and answer, then the texts.
fn results_table(r: &Results, t: &Catalog) -> Table {
    let mut rows = Vec::new();
    for q in &r.questions {
        let s = &q.summary;
        for (value, n) in &s.counts {
            rows.push(vec![
                q.question.text.clone(),
                value_label(&q.question, *value, t),
                n.to_string(),
                share(*n, s.answered, t),
            ]);
        }
        if let Some(average) = s.average {
            rows.push(vec![q.question.text.clone(), t.sv.average.to_owned(), number(average, 2, t), String::new()]);
        }
        if let Some(nps) = s.nps {
            rows.push(vec![q.question.text.clone(), t.sv.nps.to_owned(), number(nps.score, 1, t), String::new()]);
        }
        for text in &q.texts {
            rows.push(vec![q.question.text.clone(), text.clone(), String::new(), String::new()]);
        }
    }
    Table {
        headers: [t.sv.col_question, t.sv.col_answer, t.sv.col_count, t.sv.col_share]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
        rows,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    pub done: Option<String>,
    /// `csv` or `xlsx`: the results as a file.
    pub format: Option<String>,
    /// `results`: only the results block (the page's live refresh).
    pub part: Option<String>,
    /// Search in the free-text answers.
    pub q: Option<String>,
    /// The breakdown: `building` (default), `section`, `relation`.
    pub by: Option<String>,
}

fn notice(t: &Catalog, done: Option<&str>) -> Option<String> {
    match done? {
        "survey_created" => Some(t.sv.survey_created.to_owned()),
        "survey_published" => Some(t.sv.survey_published.to_owned()),
        "survey_closed" => Some(t.sv.survey_closed.to_owned()),
        "survey_copied" => Some(t.sv.survey_copied.to_owned()),
        "survey_saved" => Some(t.sv.survey_saved.to_owned()),
        "answered" => Some(t.sv.thanks.to_owned()),
        _ => None,
    }
}

fn make_form(t: &Catalog, survey: &Survey, open: Option<&OpenSurvey>, errors: Vec<(String, String)>) -> AnswerForm {
    AnswerForm {
        action: format!("/surveys/{}/answer", survey.id),
        questions: form_questions(survey, t),
        answerable: open.is_some_and(|o| o.open && !o.answered),
        units: Vec::new(),
        key: domovoy_app::secret::new_secret(),
        errors,
    }
}

/// The unit labels of a resident's units still to vote for.
async fn unit_choices(state: &AppState, open: &OpenSurvey) -> Result<Vec<(String, String)>, PageError> {
    let mut out = Vec::with_capacity(open.units.len());
    for unit in &open.units {
        let unit = domovoy_store::layout::unit(&state.db, *unit).await.map_err(AppError::from)?;
        out.push((unit.id.to_string(), unit.label.to_string()));
    }
    Ok(out)
}

async fn resident_page(
    state: &AppState,
    caller: &PageCaller,
    id: SurveyId,
    failure: FormFailure,
    done: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let open = surveys::open_one(state, caller, id).await?;
    let chrome = Chrome::new(caller, Section::Surveys, &format!("/surveys/{id}")).with_notice(notice(t, done));
    let mut form = make_form(t, &open.survey, Some(&open), failure.fields);
    if open.survey.one_per == OnePer::Unit {
        form.units = unit_choices(state, &open).await?;
    }
    let page = AnswerPage {
        t,
        chrome,
        title: open.survey.title.clone(),
        intro: open.survey.intro.clone(),
        anonymous: open.survey.anonymous,
        closes: open.survey.closes_at.map(|at| fmt_time(at, state.config.display_time_zone)),
        answered: open.answered,
        closed: !open.open,
        message: failure.message,
        form,
    };
    html_with_status(&page, status)
}

#[get("/surveys/{id}")]
pub async fn detail_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let id = SurveyId::from_uuid(*id);
    if caller.is_resident() {
        return resident_page(&state, &caller, id, FormFailure::default(), query.done.as_deref(), StatusCode::OK).await;
    }
    let search = query.q.clone().unwrap_or_default();
    if let Some(format) = query.format.as_deref() {
        let format = ExportFormat::parse(Some(format))?;
        let results = surveys::results(&state, &caller, id).await?;
        if format == ExportFormat::Xlsx {
            let raw = surveys::responses(&state, &caller, id).await?;
            let body = workbook_bytes(&workbook(&results, &raw, t))?;
            return Ok(attachment(body, format, &format!("survey-{id}")));
        }
        return Ok(download(&results_table(&results, t), format, &format!("survey-{id}"), t.sv.sheet_summary)?);
    }
    if query.part.as_deref() == Some("results") {
        let results = surveys::results(&state, &caller, id).await?;
        let (by, groups) = breakdown_of(&state, &caller, &results, query.by.as_deref()).await?;
        return html(&results_view(&results, &groups, by, t, &search));
    }
    let survey = surveys::get(&state, &caller, id).await?;
    let chrome =
        Chrome::new(&caller, Section::Surveys, &format!("/surveys/{id}")).with_notice(notice(t, query.done.as_deref()));
    let draft = survey.status == SurveyStatus::Draft;
    // Read before the results: an answer in between is replayed, not lost.
    let seq = domovoy_app::live::position(&state, Topic::Survey(id)).await?;
    let results = surveys::results(&state, &caller, id).await?;
    let preview = draft.then(|| make_form(t, &survey, None, Vec::new()));
    let state_now = survey.status_at(Utc::now());
    let page = ManagerPage {
        t,
        chrome,
        id: id.to_string(),
        title: survey.title.clone(),
        status: (t.sv.status_label)(state_now),
        status_code: state_now.code(),
        anonymous: survey.anonymous,
        one_per: (t.sv.one_per_label)(survey.one_per),
        created: fmt_time(survey.created_at, zone),
        opens: survey.opens_at.filter(|at| *at > Utc::now()).map(|at| fmt_time(at, zone)),
        closes: survey.closes_at.map(|at| fmt_time(at, zone)),
        intro: survey.intro.clone(),
        preview,
        eligible: results.eligible,
        results: if draft {
            None
        } else {
            let (by, groups) = breakdown_of(&state, &caller, &results, query.by.as_deref()).await?;
            let mut view = results_view(&results, &groups, by, t, &search);
            view.live_seq = Some(seq);
            Some(view)
        },
        can_remind: caller.principal().can_somewhere(domovoy_domain::permission::Permission::MailingsSend),
    };
    html(&page)
}

/// The breakdown asked for and its groups: by building when none, a
/// wrong one, or one an anonymous survey does not keep.
async fn breakdown_of(
    state: &AppState,
    caller: &PageCaller,
    results: &Results,
    by: Option<&str>,
) -> Result<(Breakdown, Vec<GroupResult>), PageError> {
    let by = match crate::surveys::api::breakdown(by) {
        Ok(by) if !results.survey.anonymous => by,
        _ => Breakdown::Building,
    };
    // By building with answers from one building at most: the table would
    // only repeat the question's own figures, so it is not counted.
    let answered_in = results.buildings.iter().filter(|b| b.responses > 0).count();
    if by == Breakdown::Building && answered_in < 2 {
        return Ok((by, Vec::new()));
    }
    Ok((by, surveys::cross(state, caller, results.survey.id, by).await?))
}

/// Where a survey's button leads: back to its page with `done`, or the
/// refusal (409: the survey moved meanwhile).
fn after_button<T>(
    caller: &PageCaller,
    id: SurveyId,
    result: Result<T, AppError>,
    done: &str,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(_) => Ok(see_other(&format!("/surveys/{id}?done={done}"))),
        Err(error) => {
            crate::pages::refusal(caller, Section::Surveys, format!("/surveys/{id}"), error, StatusCode::CONFLICT)
        }
    }
}

#[post("/surveys/{id}/publish")]
pub async fn publish_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let id = SurveyId::from_uuid(*id);
    after_button(&caller, id, surveys::publish(&state, &caller, id).await, "survey_published")
}

#[post("/surveys/{id}/close")]
pub async fn close_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let id = SurveyId::from_uuid(*id);
    after_button(&caller, id, surveys::close(&state, &caller, id).await, "survey_closed")
}

/// «Напомнить не ответившим»: the reminder goes out as a mailing, whose
/// page then follows its delivery.
#[post("/surveys/{id}/remind")]
pub async fn remind_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let id = SurveyId::from_uuid(*id);
    let words = crate::surveys::api::reminder_words(caller.t());
    match surveys::remind(&state, &caller, id, &words).await {
        Ok((mailing, _)) => Ok(see_other(&format!("/mailings/{mailing}?done=mailing_sent"))),
        Err(error) => {
            crate::pages::refusal(&caller, Section::Surveys, format!("/surveys/{id}"), error, StatusCode::CONFLICT)
        }
    }
}

/// «Новый запуск»: a draft copy, opened for editing its audience and time.
#[post("/surveys/{id}/copy")]
pub async fn copy_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let copy = surveys::copy(&state, &caller, SurveyId::from_uuid(*id)).await?;
    Ok(see_other(&format!("/surveys/{}?done=survey_copied", copy.id)))
}

#[derive(Template)]
#[template(path = "survey_print.html")]
struct PrintPage<'a> {
    t: &'a Catalog,
    css: String,
    title: String,
    intro: String,
    anonymous: bool,
    closes: Option<String>,
    link: String,
    qr: Option<String>,
    questions: Vec<FormQuestion>,
}

/// The notice-board sheet: the survey, its link as a QR code, and the
/// questions in paper form.
#[get("/surveys/{id}/print")]
pub async fn print_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let survey = surveys::get(&state, &caller, SurveyId::from_uuid(*id)).await?;
    let link = crate::pages::absolute_url(&req, &format!("/surveys/{}", survey.id));
    let page = PrintPage {
        t,
        css: crate::assets::url("app.css"),
        title: survey.title.clone(),
        intro: survey.intro.clone(),
        anonymous: survey.anonymous,
        closes: survey.closes_at.map(|at| fmt_time(at, state.config.display_time_zone)),
        qr: crate::qr::svg(&link),
        link,
        questions: form_questions(&survey, t),
    };
    html(&page)
}

/// The answer form's fields: `a_<question id>` (repeated for several
/// choices), `unit_id`, `key`.
fn response_of(survey: &Survey, pairs: &FormPairs) -> (ResponseInput, Option<String>) {
    let mut answers = Vec::new();
    let (mut unit_id, mut key) = (None, None);
    let given = |name: &str| -> Vec<&str> {
        pairs.iter().filter(|(k, _)| k.as_str() == name).map(|(_, v)| v.as_str()).collect()
    };
    for question in &survey.questions {
        if question.kind == QuestionKind::Matrix {
            // `a_<id>_<row>`: the column chosen in each row, −1 for none.
            let columns: Vec<i64> = (0..question.rows.len())
                .map(|row| given(&format!("a_{}_{row}", question.id)).first().and_then(|v| v.trim().parse().ok()))
                .map(|column| column.unwrap_or(-1))
                .collect();
            if columns.iter().any(|c| *c >= 0) {
                answers.push(AnswerInput { question_id: question.id.as_uuid(), value: RawAnswer::Numbers(columns) });
            }
            continue;
        }
        let values = given(&format!("a_{}", question.id));
        if values.is_empty() {
            continue;
        }
        let numbers = || values.iter().filter_map(|v| v.trim().parse::<i64>().ok());
        let value = match question.kind {
            QuestionKind::Text => RawAnswer::Text(values.join("\n")),
            QuestionKind::Multiple => RawAnswer::Numbers(numbers().collect()),
            QuestionKind::YesNo => match values[0] {
                "1" => RawAnswer::Bool(true),
                "0" => RawAnswer::Bool(false),
                _ => RawAnswer::Text(values[0].to_owned()),
            },
            _ => numbers().next().map_or_else(|| RawAnswer::Text(values[0].to_owned()), RawAnswer::Number),
        };
        answers.push(AnswerInput { question_id: question.id.as_uuid(), value });
    }
    for (k, v) in pairs {
        match k.as_str() {
            "unit_id" => unit_id = v.parse::<Uuid>().ok(),
            "key" if !v.is_empty() => key = Some(v.clone()),
            _ => {}
        }
    }
    (ResponseInput { answers, unit_id }, key)
}

/// The resident's answers; refusals come back on the form, the question
/// marked.
#[post("/surveys/{id}/answer")]
pub async fn answer_form(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let id = SurveyId::from_uuid(*id);
    let open = surveys::open_one(&state, &caller, id).await?;
    let (input, key) = response_of(&open.survey, &pairs.0);
    match surveys::respond(&state, &caller, id, &input, key.map(AnswerKey)).await {
        Ok(_) => Ok(see_other(&format!("/surveys/{id}?done=answered"))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            resident_page(&state, &caller, id, failure, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// What the personal link's page needs of the page chrome: the form's
/// script (no session, so no CSRF token: the secret in the path is the
/// authority, as for an unsubscribe link).
struct LinkChrome {
    csrf: String,
    survey_js: String,
}

#[derive(Template)]
#[template(path = "survey_link.html")]
struct LinkPage<'a> {
    t: &'a Catalog,
    css: String,
    chrome: LinkChrome,
    title: String,
    intro: String,
    anonymous: bool,
    closes: Option<String>,
    /// Why there is no form (an unknown link, answered, closed), or the
    /// thanks after answering.
    state: Option<(&'static str, String)>,
    message: Option<String>,
    form: Option<AnswerForm>,
}

impl<'a> LinkPage<'a> {
    fn empty(t: &'a Catalog, title: String, state: (&'static str, String)) -> Self {
        Self {
            t,
            css: crate::assets::url("app.css"),
            chrome: LinkChrome { csrf: String::new(), survey_js: crate::assets::url("survey.js") },
            title,
            intro: String::new(),
            anonymous: false,
            closes: None,
            state: Some(state),
            message: None,
            form: None,
        }
    }
}

/// The page of a personal link: the form, or why there is none.
async fn link_page(
    state: &AppState,
    t: &'static Catalog,
    token: &str,
    failure: FormFailure,
    thanks: bool,
) -> Result<HttpResponse, PageError> {
    let open = match surveys::by_link(state, token).await {
        Ok(open) => open,
        Err(AppError::NotFound) => {
            let page =
                LinkPage::empty(t, t.sv.link_title.to_owned(), ("survey-link-unknown", t.sv.link_unknown.to_owned()));
            return html_with_status(&page, StatusCode::NOT_FOUND);
        }
        Err(other) => return Err(other.into()),
    };
    let mut page = LinkPage::empty(t, open.survey.title.clone(), ("", String::new()));
    page.state = if thanks {
        Some(("survey-thanks", t.sv.thanks.to_owned()))
    } else if open.answered {
        Some(("survey-answered", t.sv.already_answered.to_owned()))
    } else if !open.open {
        Some(("survey-closed", t.sv.not_open.to_owned()))
    } else {
        None
    };
    if page.state.is_none() {
        let mut form = make_form(t, &open.survey, Some(&open), failure.fields);
        form.action = domovoy_app::mailings::survey_link_path(token);
        if open.survey.one_per == OnePer::Unit {
            form.units = unit_choices(state, &open).await?;
        }
        page.intro = open.survey.intro.clone();
        page.anonymous = open.survey.anonymous;
        page.closes = open.survey.closes_at.map(|at| fmt_time(at, state.config.display_time_zone));
        page.message = failure.message;
        page.form = Some(form);
    }
    let status = if page.message.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    html_with_status(&page, status)
}

/// A personal link from a letter: the survey's form for its holder, no
/// sign-in. Opening it changes nothing (a mail scanner may open links).
#[get("/s/{token}")]
pub async fn link_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LinkQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = crate::auth::RequestContext::of(&req).t();
    let no_failure = FormFailure { fields: Vec::new(), message: None };
    link_page(&state, t, &token, no_failure, query.done.as_deref() == Some("answered")).await
}

#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    done: Option<String>,
}

/// A personal link's answers. A second send (a double tap, the back
/// button) finds the answer stored and says so.
#[post("/s/{token}")]
pub async fn link_answer(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = crate::auth::RequestContext::of(&req).t();
    let pairs = crate::auth::csrf::pairs_of(&body)?;
    let open = match surveys::by_link(&state, &token).await {
        Ok(open) => open,
        Err(AppError::NotFound) => {
            return link_page(&state, t, &token, FormFailure { fields: Vec::new(), message: None }, false).await;
        }
        Err(other) => return Err(other.into()),
    };
    let (input, _) = response_of(&open.survey, &pairs);
    match surveys::respond_by_link(&state, &token, &input).await {
        Ok(_) => Ok(see_other(&format!("{}?done=answered", domovoy_app::mailings::survey_link_path(&token)))),
        Err(error) => {
            let failure = FormFailure::from_error(error, t)?;
            link_page(&state, t, &token, failure, false).await
        }
    }
}
