//! Surveys (опросы): questions to the residents of some buildings,
//! sections or units, one answer per person (or per unit, for a vote of
//! the building), and the statistics of what they answered.
//!
//! A survey is written as a draft, published (its questions are frozen
//! then) and closed by hand or at its closing time. An answer is checked
//! against its question here ([`Question::check`]); what the answers add
//! up to is computed here too ([`summarize`]), from counts the store
//! keeps, so the figures are the same on both backends.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, bounded_text};
use crate::ids::{QuestionId, SurveyId, UserId};
use crate::mailing::Audience;

/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// The longest introduction, in characters.
pub const MAX_INTRO: usize = 5_000;
/// The longest question, in characters.
pub const MAX_QUESTION: usize = 500;
/// The longest choice, in characters.
pub const MAX_OPTION: usize = 200;
/// The most questions in a survey (a long form is not answered).
pub const MAX_QUESTIONS: usize = 50;
/// The most choices of one question.
pub const MAX_OPTIONS: usize = 20;
/// The longest free-text answer, in characters.
pub const MAX_TEXT_ANSWER: usize = 2_000;
/// The most rows (statements) of a matrix question.
pub const MAX_ROWS: usize = 20;

/// A matrix's answer for one row is stored as one number: the row times
/// this plus the column (so the store counts cells as it counts choices).
const CELL: i64 = 100;

/// The stored number of a matrix's cell.
pub fn cell(row: usize, column: usize) -> i64 {
    row as i64 * CELL + column as i64
}

/// The row and column of a matrix's stored number.
pub fn cell_of(number: i64) -> (usize, usize) {
    (usize::try_from(number / CELL).unwrap_or(0), usize::try_from(number % CELL).unwrap_or(0))
}

code_enum! {
    /// What a question asks for.
    QuestionKind {
        /// One of the choices.
        Single = "single",
        /// Any of the choices (at least one when required).
        Multiple = "multiple",
        /// A mark from 1 to 5.
        Scale = "scale",
        /// «Порекомендуете ли вы нас?», 0 to 10 (Net Promoter Score).
        Nps = "nps",
        /// Free text.
        Text = "text",
        /// Да / нет.
        YesNo = "yes_no",
        /// Several statements (rows), each answered with one of the same
        /// choices (columns): «Оцените: уборку, лифты, двор» × «плохо …
        /// отлично».
        Matrix = "matrix",
    }
}

code_enum! {
    /// Who answers once.
    OnePer {
        /// Every person in the audience.
        Resident = "resident",
        /// Every unit in the audience, whoever of its people answers first
        /// (a vote of the building).
        Unit = "unit",
    }
}

code_enum! {
    /// Where a survey is.
    SurveyStatus {
        /// Being written; residents do not see it.
        Draft = "draft",
        /// Open for answers (until its closing time, if it has one).
        Published = "published",
        /// Closed by hand; its answers are final.
        Closed = "closed",
        /// Published, waiting for its opening time (never stored: what
        /// [`Survey::status_at`] says of a published survey before it).
        Scheduled = "scheduled",
    }
}

/// One question as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: QuestionId,
    pub kind: QuestionKind,
    pub text: String,
    /// The choices of `single` and `multiple` questions, the columns of a
    /// `matrix`; empty otherwise.
    #[serde(default)]
    pub options: Vec<String>,
    /// The rows (statements) of a `matrix`; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<String>,
    pub required: bool,
    /// Asked only when an earlier question was answered so (branching).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
}

/// The condition of a branching question: an earlier question's answer
/// includes `value` (a choice's index, a mark, a score, 1 for yes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowIf {
    pub question: QuestionId,
    pub value: i64,
}

impl ShowIf {
    /// A condition on `earlier`'s answer being `value`: refused on a free
    /// text question, or with a value it cannot be answered.
    pub fn on(earlier: &Question, value: i64) -> Result<Self, FieldError> {
        let (low, high) = earlier.range();
        let answerable = !matches!(earlier.kind, QuestionKind::Text | QuestionKind::Matrix);
        if !answerable || !(low..=high).contains(&value) {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self { question: earlier.id, value })
    }
}

/// One answer to one question, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Choice indexes (one for `single`, any for `multiple`), a mark, a
    /// score, or 1 / 0 for yes / no.
    Numbers(Vec<i64>),
    Text(String),
}

/// An answer as it arrives: a number, a list of numbers, a string or a
/// yes / no.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawAnswer {
    Bool(bool),
    Number(i64),
    Numbers(Vec<i64>),
    Text(String),
}

/// Choices or rows as written: blank ones dropped, each checked, no
/// repeats, `min..=max` of them.
fn lines(written: &[String], min: usize, max: usize) -> Result<Vec<String>, FieldError> {
    let mut clean = Vec::with_capacity(written.len());
    for line in written.iter().filter(|o| !o.trim().is_empty()) {
        let line = bounded_text(line, 1, MAX_OPTION)?;
        if clean.contains(&line) {
            return Err(FieldError::Taken);
        }
        clean.push(line);
    }
    if clean.len() < min {
        return Err(FieldError::TooShort { min });
    }
    if clean.len() > max {
        return Err(FieldError::TooLong { max });
    }
    Ok(clean)
}

impl Question {
    /// A question as written, or the first thing wrong with it (the field:
    /// `text`, `options` or `rows`). Blank lines of choices and rows are
    /// dropped.
    pub fn new(
        kind: QuestionKind,
        text: &str,
        options: &[String],
        rows: &[String],
        required: bool,
    ) -> Result<Self, (&'static str, FieldError)> {
        let text = bounded_text(text, 1, MAX_QUESTION).map_err(|e| ("text", e))?;
        let options = match kind {
            QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Matrix => {
                lines(options, 2, MAX_OPTIONS).map_err(|e| ("options", e))?
            }
            _ if options.iter().any(|o| !o.trim().is_empty()) => return Err(("options", FieldError::NotAllowed)),
            _ => Vec::new(),
        };
        let rows = match kind {
            QuestionKind::Matrix => lines(rows, 1, MAX_ROWS).map_err(|e| ("rows", e))?,
            _ if rows.iter().any(|r| !r.trim().is_empty()) => return Err(("rows", FieldError::NotAllowed)),
            _ => Vec::new(),
        };
        Ok(Self { id: QuestionId::new(), kind, text, options, rows, required, show_if: None })
    }

    /// The lowest and highest number an answer may be (a matrix: its
    /// column in each row).
    pub fn range(&self) -> (i64, i64) {
        match self.kind {
            QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Matrix => (0, self.options.len() as i64 - 1),
            QuestionKind::Scale => (1, 5),
            QuestionKind::Nps => (0, 10),
            QuestionKind::YesNo => (0, 1),
            QuestionKind::Text => (0, 0),
        }
    }

    /// Checks an answer to this question: `None` when it was left out
    /// (refused when the question is required).
    pub fn check(&self, raw: Option<&RawAnswer>) -> Result<Option<Answer>, FieldError> {
        let empty = match raw {
            None => true,
            Some(RawAnswer::Text(text)) => text.trim().is_empty(),
            Some(RawAnswer::Numbers(list)) => list.is_empty(),
            Some(_) => false,
        };
        if empty {
            return if self.required { Err(FieldError::Required) } else { Ok(None) };
        }
        let (low, high) = self.range();
        let in_range = |n: i64| if (low..=high).contains(&n) { Ok(n) } else { Err(FieldError::InvalidFormat) };
        let answer = match (self.kind, raw) {
            (QuestionKind::Text, Some(RawAnswer::Text(text))) => Answer::Text(bounded_text(text, 1, MAX_TEXT_ANSWER)?),
            (QuestionKind::YesNo, Some(RawAnswer::Bool(yes))) => Answer::Numbers(vec![i64::from(*yes)]),
            (QuestionKind::Matrix, Some(RawAnswer::Numbers(list))) => {
                // A column per row, −1 for a row left out.
                if list.len() != self.rows.len() {
                    return Err(FieldError::InvalidFormat);
                }
                let mut cells = Vec::with_capacity(list.len());
                for (row, column) in list.iter().enumerate() {
                    match *column {
                        -1 if self.required => return Err(FieldError::Required),
                        -1 => {}
                        column => cells.push(cell(row, usize::try_from(in_range(column)?).unwrap_or(0))),
                    }
                }
                if cells.is_empty() {
                    return Ok(None);
                }
                Answer::Numbers(cells)
            }
            (QuestionKind::Multiple, Some(RawAnswer::Numbers(list))) => {
                let mut list = list.iter().map(|n| in_range(*n)).collect::<Result<Vec<_>, _>>()?;
                list.sort_unstable();
                list.dedup();
                Answer::Numbers(list)
            }
            (QuestionKind::Multiple | QuestionKind::Text | QuestionKind::YesNo | QuestionKind::Matrix, _) => {
                return Err(FieldError::InvalidFormat);
            }
            (_, Some(RawAnswer::Number(n))) => Answer::Numbers(vec![in_range(*n)?]),
            _ => return Err(FieldError::InvalidFormat),
        };
        Ok(Some(answer))
    }
}

/// A survey as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Survey {
    pub id: SurveyId,
    pub title: String,
    pub intro: String,
    pub questions: Vec<Question>,
    pub audience: Audience,
    /// No answer is stored with the person or unit that gave it.
    pub anonymous: bool,
    pub one_per: OnePer,
    pub status: SurveyStatus,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// When a published survey starts taking answers (and its residents
    /// are told); none: when published.
    pub opens_at: Option<DateTime<Utc>>,
    /// When it stops taking answers by itself.
    pub closes_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The run it was copied from: its results are shown beside these.
    pub previous_id: Option<SurveyId>,
}

impl Survey {
    /// Whether it takes answers at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.status == SurveyStatus::Published
            && self.opens_at.is_none_or(|at| at <= now)
            && self.closes_at.is_none_or(|at| now < at)
    }

    /// Where it is at `now`: a published survey before its opening time is
    /// scheduled, past its closing time closed.
    pub fn status_at(&self, now: DateTime<Utc>) -> SurveyStatus {
        match self.status {
            SurveyStatus::Published if self.opens_at.is_some_and(|at| now < at) => SurveyStatus::Scheduled,
            SurveyStatus::Published if !self.is_open(now) => SurveyStatus::Closed,
            status => status,
        }
    }

    /// Checks a whole response: every question's answer (unknown questions
    /// refused), in the survey's order. A branching question whose
    /// condition the answers do not meet was not asked: its answer, if
    /// any, is dropped and it is not required. An error names the question.
    pub fn check(
        &self,
        answers: &[(QuestionId, RawAnswer)],
    ) -> Result<Vec<(QuestionId, Answer)>, (String, FieldError)> {
        if let Some((unknown, _)) = answers.iter().find(|(id, _)| !self.questions.iter().any(|q| q.id == *id)) {
            return Err((unknown.to_string(), FieldError::Unknown));
        }
        let mut out: Vec<(QuestionId, Answer)> = Vec::new();
        for question in &self.questions {
            if let Some(condition) = question.show_if {
                let met = out.iter().any(|(id, answer)| {
                    *id == condition.question
                        && matches!(answer, Answer::Numbers(numbers) if numbers.contains(&condition.value))
                });
                if !met {
                    continue;
                }
            }
            let raw = answers.iter().find(|(id, _)| *id == question.id).map(|(_, raw)| raw);
            if let Some(answer) = question.check(raw).map_err(|e| (question.id.to_string(), e))? {
                out.push((question.id, answer));
            }
        }
        Ok(out)
    }
}

/// A survey to be written, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSurvey {
    pub title: String,
    pub intro: String,
    pub questions: Vec<Question>,
    pub audience: Audience,
    pub anonymous: bool,
    pub one_per: OnePer,
    /// Set by [`NewSurvey::opening`].
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// The run it is a copy of (none when written anew).
    pub previous_id: Option<SurveyId>,
}

impl NewSurvey {
    /// Checks the parts; answers the first wrong field with its error.
    pub fn new(
        title: &str,
        intro: &str,
        questions: Vec<Question>,
        audience: Audience,
        anonymous: bool,
        one_per: OnePer,
        closes_at: Option<DateTime<Utc>>,
    ) -> Result<Self, (&'static str, FieldError)> {
        let title = bounded_text(title, 1, MAX_TITLE).map_err(|e| ("title", e))?;
        let intro = bounded_text(intro, 0, MAX_INTRO).map_err(|e| ("intro", e))?;
        if questions.is_empty() {
            return Err(("questions", FieldError::Required));
        }
        if questions.len() > MAX_QUESTIONS {
            return Err(("questions", FieldError::TooLong { max: MAX_QUESTIONS }));
        }
        for (i, question) in questions.iter().enumerate() {
            if let Some(condition) = question.show_if {
                // Only on an earlier question, so a form is answered top down.
                let earlier = questions[..i].iter().find(|q| q.id == condition.question);
                if earlier.is_none_or(|q| ShowIf::on(q, condition.value).is_err()) {
                    return Err(("questions", FieldError::InvalidFormat));
                }
            }
        }
        let audience = audience.validate().map_err(|e| ("audience", e))?;
        Ok(Self { title, intro, questions, audience, anonymous, one_per, opens_at: None, closes_at, previous_id: None })
    }

    /// Opens it at `opens_at` rather than when published; an opening not
    /// before its closing → `opens_at` not allowed.
    pub fn opening(self, opens_at: Option<DateTime<Utc>>) -> Result<Self, (&'static str, FieldError)> {
        if let (Some(opens), Some(closes)) = (opens_at, self.closes_at)
            && opens >= closes
        {
            return Err(("opens_at", FieldError::NotAllowed));
        }
        Ok(Self { opens_at, ..self })
    }
}

/// Net Promoter Score of 0–10 marks: promoters gave 9–10, detractors 0–6.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Nps {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    /// Share of promoters minus share of detractors, in points from −100
    /// to 100.
    pub score: f64,
}

/// What one question's answers add up to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Responses that answered it.
    pub answered: u64,
    /// How many gave each number (choice index, mark, score, 1 = yes, a
    /// matrix's [`cell`]); every possible number is there, 0 when nobody
    /// gave it.
    pub counts: BTreeMap<i64, u64>,
    /// The mean mark of `scale` and `nps` questions.
    pub average: Option<f64>,
    /// Its 95 % confidence interval (Student's t; two answers at least).
    pub interval: Option<(f64, f64)>,
    pub nps: Option<Nps>,
}

/// The two-sided 95 % quantile of Student's t with `df` degrees of freedom
/// (table values; 1.96 beyond 120).
fn t_quantile(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[(df - 1) as usize],
        31..=40 => 2.021,
        41..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}

/// Sums up a question's answers from how many gave each number (`counts`,
/// from the store) and how many responses answered it (a `multiple`
/// answer gives several numbers).
pub fn summarize(question: &Question, answered: u64, counts: &BTreeMap<i64, u64>) -> Summary {
    let (low, high) = question.range();
    let full: BTreeMap<i64, u64> = match question.kind {
        QuestionKind::Text => BTreeMap::new(),
        // Every cell, row by row.
        QuestionKind::Matrix => (0..question.rows.len())
            .flat_map(|row| (0..question.options.len()).map(move |column| cell(row, column)))
            .map(|n| (n, counts.get(&n).copied().unwrap_or(0)))
            .collect(),
        _ => (low..=high).map(|n| (n, counts.get(&n).copied().unwrap_or(0))).collect(),
    };
    let marks = matches!(question.kind, QuestionKind::Scale | QuestionKind::Nps);
    let n: u64 = full.values().sum();
    let (mut average, mut interval, mut nps) = (None, None, None);
    if marks && n > 0 {
        let nf = n as f64;
        let mean = full.iter().map(|(v, c)| *v as f64 * *c as f64).sum::<f64>() / nf;
        average = Some(mean);
        if n >= 2 {
            let variance = full.iter().map(|(v, c)| (*v as f64 - mean).powi(2) * *c as f64).sum::<f64>() / (nf - 1.0);
            let half = t_quantile(n - 1) * (variance / nf).sqrt();
            interval = Some((mean - half, mean + half));
        }
        if question.kind == QuestionKind::Nps {
            let sum = |r: std::ops::RangeInclusive<i64>| full.range(r).map(|(_, c)| *c).sum::<u64>();
            let (promoters, passives, detractors) = (sum(9..=10), sum(7..=8), sum(0..=6));
            nps = Some(Nps {
                promoters,
                passives,
                detractors,
                score: (promoters as f64 - detractors as f64) * 100.0 / nf,
            });
        }
    }
    Summary { answered, counts: full, average, interval, nps }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: QuestionKind, options: &[&str], required: bool) -> Question {
        let options: Vec<String> = options.iter().map(|o| (*o).to_owned()).collect();
        Question::new(kind, "Вопрос", &options, &[], required).unwrap()
    }

    #[test]
    fn choices_are_needed_for_choice_questions_only() {
        assert_eq!(
            Question::new(QuestionKind::Single, "Q", &["Да".to_owned()], &[], true).unwrap_err(),
            ("options", FieldError::TooShort { min: 2 })
        );
        assert_eq!(
            Question::new(QuestionKind::Single, "Q", &["Да".to_owned(), " Да ".to_owned()], &[], true).unwrap_err(),
            ("options", FieldError::Taken)
        );
        assert_eq!(
            Question::new(QuestionKind::Scale, "Q", &["x".to_owned()], &[], true).unwrap_err(),
            ("options", FieldError::NotAllowed)
        );
        let blank_lines = ["А".to_owned(), String::new(), "Б".to_owned(), "  ".to_owned()];
        assert_eq!(Question::new(QuestionKind::Multiple, "Q", &blank_lines, &[], true).unwrap().options, ["А", "Б"]);
    }

    #[test]
    fn answers_are_checked_against_their_question() {
        let single = question(QuestionKind::Single, &["А", "Б", "В"], true);
        assert_eq!(single.check(Some(&RawAnswer::Number(2))), Ok(Some(Answer::Numbers(vec![2]))));
        assert_eq!(single.check(Some(&RawAnswer::Number(3))), Err(FieldError::InvalidFormat));
        assert_eq!(single.check(Some(&RawAnswer::Numbers(vec![0, 1]))), Err(FieldError::InvalidFormat));
        assert_eq!(single.check(None), Err(FieldError::Required));
        let multiple = question(QuestionKind::Multiple, &["А", "Б", "В"], false);
        assert_eq!(multiple.check(Some(&RawAnswer::Numbers(vec![2, 0, 2]))), Ok(Some(Answer::Numbers(vec![0, 2]))));
        assert_eq!(multiple.check(Some(&RawAnswer::Numbers(vec![]))), Ok(None));
        assert_eq!(multiple.check(Some(&RawAnswer::Numbers(vec![-1]))), Err(FieldError::InvalidFormat));
        let scale = question(QuestionKind::Scale, &[], true);
        assert_eq!(scale.check(Some(&RawAnswer::Number(0))), Err(FieldError::InvalidFormat));
        assert_eq!(scale.check(Some(&RawAnswer::Number(5))), Ok(Some(Answer::Numbers(vec![5]))));
        let nps = question(QuestionKind::Nps, &[], true);
        assert_eq!(nps.check(Some(&RawAnswer::Number(10))), Ok(Some(Answer::Numbers(vec![10]))));
        assert_eq!(nps.check(Some(&RawAnswer::Number(11))), Err(FieldError::InvalidFormat));
        let yes_no = question(QuestionKind::YesNo, &[], true);
        assert_eq!(yes_no.check(Some(&RawAnswer::Bool(false))), Ok(Some(Answer::Numbers(vec![0]))));
        assert_eq!(yes_no.check(Some(&RawAnswer::Number(1))), Err(FieldError::InvalidFormat));
        let text = question(QuestionKind::Text, &[], true);
        assert_eq!(text.check(Some(&RawAnswer::Text("  ".to_owned()))), Err(FieldError::Required));
        assert_eq!(text.check(Some(&RawAnswer::Text(" Тепло ".to_owned()))), Ok(Some(Answer::Text("Тепло".into()))));
        assert_eq!(text.check(Some(&RawAnswer::Text("x".repeat(2_001)))), Err(FieldError::TooLong { max: 2_000 }));
    }

    #[test]
    fn a_response_names_only_the_surveys_questions() {
        let survey =
            survey_of(vec![question(QuestionKind::Scale, &[], true), question(QuestionKind::Text, &[], false)]);
        let first = survey.questions[0].id;
        assert_eq!(survey.check(&[(first, RawAnswer::Number(4))]).unwrap(), [(first, Answer::Numbers(vec![4]))]);
        let stranger = QuestionId::new();
        assert_eq!(survey.check(&[(stranger, RawAnswer::Number(4))]).unwrap_err().1, FieldError::Unknown);
        assert_eq!(survey.check(&[]).unwrap_err(), (first.to_string(), FieldError::Required));
    }

    #[test]
    fn a_branching_question_is_asked_only_when_its_condition_is_met() {
        let heating = question(QuestionKind::YesNo, &[], true);
        let mut why = question(QuestionKind::Text, &[], true);
        why.show_if = Some(ShowIf::on(&heating, 0).unwrap());
        assert_eq!(ShowIf::on(&heating, 2), Err(FieldError::InvalidFormat));
        assert_eq!(ShowIf::on(&why, 0), Err(FieldError::InvalidFormat), "not on a free text");
        let survey = Survey { questions: vec![heating.clone(), why.clone()], ..survey_of(Vec::new()) };
        let (h, w) = (heating.id, why.id);
        let why_text = RawAnswer::Text("Холодно".to_owned());
        // «Нет»: the follow-up is asked, and it is required.
        assert_eq!(survey.check(&[(h, RawAnswer::Bool(false))]).unwrap_err(), (w.to_string(), FieldError::Required));
        assert_eq!(survey.check(&[(h, RawAnswer::Bool(false)), (w, why_text.clone())]).unwrap().len(), 2);
        // «Да»: it was not asked; an answer sent anyway is dropped.
        assert_eq!(
            survey.check(&[(h, RawAnswer::Bool(true)), (w, why_text)]).unwrap(),
            [(h, Answer::Numbers(vec![1]))]
        );
        // A condition on a later question is refused when written.
        let refused = NewSurvey::new("t", "", vec![why, heating], Audience::default(), true, OnePer::Resident, None);
        assert_eq!(refused.unwrap_err(), ("questions", FieldError::InvalidFormat));
    }

    fn survey_of(questions: Vec<Question>) -> Survey {
        Survey {
            id: SurveyId::new(),
            title: "t".to_owned(),
            intro: String::new(),
            questions,
            audience: Audience::default(),
            anonymous: true,
            one_per: OnePer::Resident,
            status: SurveyStatus::Published,
            created_by: None,
            created_at: Utc::now(),
            published_at: None,
            opens_at: None,
            closes_at: None,
            closed_at: None,
            previous_id: None,
        }
    }

    #[test]
    fn a_survey_past_its_closing_time_is_closed() {
        let now = Utc::now();
        let mut survey = Survey {
            one_per: OnePer::Unit,
            published_at: Some(now),
            closes_at: Some(now + chrono::Duration::hours(1)),
            ..survey_of(Vec::new())
        };
        assert!(survey.is_open(now));
        assert_eq!(survey.status_at(now + chrono::Duration::hours(1)), SurveyStatus::Closed);
        survey.status = SurveyStatus::Draft;
        assert!(!survey.is_open(now));
    }

    #[test]
    fn a_survey_opens_at_its_time() {
        let now = Utc::now();
        let hour = chrono::Duration::hours(1);
        let survey = Survey { opens_at: Some(now + hour), closes_at: Some(now + hour * 2), ..survey_of(Vec::new()) };
        assert!(!survey.is_open(now));
        assert_eq!(survey.status_at(now), SurveyStatus::Scheduled);
        assert!(survey.is_open(now + hour));
        assert_eq!(survey.status_at(now + hour), SurveyStatus::Published);
        assert_eq!(survey.status_at(now + hour * 2), SurveyStatus::Closed);
        // Opening must come before closing.
        let audience = Audience { building_ids: vec![crate::ids::BuildingId::new()], ..Audience::default() };
        let scale = vec![question(QuestionKind::Scale, &[], true)];
        let new = NewSurvey::new("t", "", scale, audience, true, OnePer::Resident, Some(now + hour)).unwrap();
        assert_eq!(new.clone().opening(Some(now + hour)).unwrap_err(), ("opens_at", FieldError::NotAllowed));
        assert_eq!(new.opening(Some(now)).unwrap().opens_at, Some(now));
    }

    #[test]
    fn nps_average_and_interval_match_hand_computed_values() {
        // 10 answers: 10,10,9 (3 promoters), 8,7 (2 passives), 6,5,3,0,0 (5 detractors).
        let nps = question(QuestionKind::Nps, &[], true);
        let counts = BTreeMap::from([(10, 2), (9, 1), (8, 1), (7, 1), (6, 1), (5, 1), (3, 1), (0, 2)]);
        let summary = summarize(&nps, 10, &counts);
        let score = summary.nps.unwrap();
        assert_eq!((score.promoters, score.passives, score.detractors), (3, 2, 5));
        assert!((score.score - -20.0).abs() < 1e-9);
        // Mean 58 / 10 = 5.8; sample variance 127.6 / 9; t(9) = 2.262.
        let mean = summary.average.unwrap();
        assert!((mean - 5.8).abs() < 1e-9);
        let half = 2.262 * (127.6f64 / 9.0 / 10.0).sqrt();
        let (low, high) = summary.interval.unwrap();
        assert!((low - (5.8 - half)).abs() < 1e-9 && (high - (5.8 + half)).abs() < 1e-9);
        assert_eq!(summary.counts.len(), 11, "every score from 0 to 10 is listed");
        assert_eq!(summary.counts[&4], 0);
    }

    #[test]
    fn one_answer_has_an_average_but_no_interval() {
        let scale = question(QuestionKind::Scale, &[], true);
        let summary = summarize(&scale, 1, &BTreeMap::from([(4, 1)]));
        assert_eq!(summary.average, Some(4.0));
        assert_eq!(summary.interval, None);
        assert_eq!(summary.nps, None);
        let empty = summarize(&scale, 0, &BTreeMap::new());
        assert_eq!((empty.average, empty.counts.values().sum::<u64>()), (None, 0));
    }

    #[test]
    fn a_matrix_takes_a_column_per_row_and_counts_cells() {
        let owned = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let columns = owned(&["Плохо", "Хорошо", "Отлично"]);
        let rows = owned(&["Уборка", "Лифты"]);
        assert_eq!(
            Question::new(QuestionKind::Matrix, "Оцените", &columns, &[], true).unwrap_err(),
            ("rows", FieldError::TooShort { min: 1 })
        );
        assert_eq!(
            Question::new(QuestionKind::Scale, "Оцените", &[], &rows, true).unwrap_err(),
            ("rows", FieldError::NotAllowed)
        );
        let matrix = Question::new(QuestionKind::Matrix, "Оцените", &columns, &rows, true).unwrap();
        assert_eq!(
            matrix.check(Some(&RawAnswer::Numbers(vec![2, 0]))),
            Ok(Some(Answer::Numbers(vec![cell(0, 2), cell(1, 0)])))
        );
        assert_eq!(matrix.check(Some(&RawAnswer::Numbers(vec![2]))), Err(FieldError::InvalidFormat), "a row missing");
        assert_eq!(matrix.check(Some(&RawAnswer::Numbers(vec![3, 0]))), Err(FieldError::InvalidFormat));
        assert_eq!(matrix.check(Some(&RawAnswer::Numbers(vec![-1, 0]))), Err(FieldError::Required));
        let optional = Question { required: false, ..matrix.clone() };
        assert_eq!(optional.check(Some(&RawAnswer::Numbers(vec![-1, 1]))), Ok(Some(Answer::Numbers(vec![cell(1, 1)]))));
        assert_eq!(optional.check(Some(&RawAnswer::Numbers(vec![-1, -1]))), Ok(None));
        assert_eq!(ShowIf::on(&matrix, 0), Err(FieldError::InvalidFormat), "no condition on a matrix");
        // Every cell is listed; (row, column) comes back from its number.
        let summary = summarize(&matrix, 2, &BTreeMap::from([(cell(0, 2), 2), (cell(1, 0), 1), (cell(1, 1), 1)]));
        assert_eq!(summary.counts.len(), 6);
        assert_eq!(summary.counts[&cell(0, 2)], 2);
        assert_eq!(summary.counts[&cell(0, 0)], 0);
        assert_eq!(cell_of(cell(1, 2)), (1, 2));
        assert_eq!(summary.average, None);
    }

    #[test]
    fn choice_counts_list_every_choice() {
        let single = question(QuestionKind::Single, &["А", "Б", "В"], true);
        let summary = summarize(&single, 3, &BTreeMap::from([(1, 3)]));
        assert_eq!(summary.counts, BTreeMap::from([(0, 0), (1, 3), (2, 0)]));
        assert_eq!(summary.average, None);
    }
}
