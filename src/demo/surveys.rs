//! The surveys' demo: a running, anonymous survey of the tower's residents
//! about the service, answered by about half of them (not by the demo's
//! own resident accounts, so a visitor signed in as one can answer) and
//! compared with last year's run, and a draft of a vote about a barrier in
//! the yard.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use domovoy_domain::ids::{BuildingId, ClientId, UserId};
use domovoy_domain::mailing::Audience;
use domovoy_domain::survey::{self, Answer, NewSurvey, OnePer, Question, QuestionKind, ShowIf, Survey, SurveyStatus};
use domovoy_store::surveys::{self, Eligible, NewResponse};
use domovoy_store::{Db, StoreError, WriteTx, stored_now};

fn question(kind: QuestionKind, text: &str, options: &[&str], required: bool) -> anyhow::Result<Question> {
    Question::new(kind, text, &owned(options), &[], required)
        .map_err(|(field, e)| anyhow::anyhow!("demo question {field}: {e}"))
}

/// What the demo's respondents write, picked at random.
const COMMENTS: [&str; 8] = [
    "Спасибо диспетчерам, отвечают быстро.",
    "Лифт во втором подъезде часто стоит.",
    "Во дворе темно вечером, нужно освещение.",
    "Уборка стала лучше, спасибо!",
    "Долго ждали сантехника в выходные.",
    "Хотелось бы больше парковочных мест.",
    "Мусор вывозят нерегулярно.",
    "Всё устраивает.",
];

/// The questions of the yearly service survey (a new set of ids each
/// call): the 2025 run and the 2026 one ask the same.
fn service_questions() -> anyhow::Result<Vec<Question>> {
    let called =
        question(QuestionKind::YesNo, "Обращались ли вы в аварийно-диспетчерскую службу в этом году?", &[], true)?;
    let mut rating = question(QuestionKind::Scale, "Оцените работу аварийно-диспетчерской службы", &[], true)?;
    rating.show_if = Some(ShowIf::on(&called, 1).map_err(|e| anyhow::anyhow!("demo condition: {e}"))?);
    Ok(vec![
        question(
            QuestionKind::Single,
            "Как часто убирают ваш подъезд?",
            &["Каждый день", "Несколько раз в неделю", "Раз в неделю и реже"],
            true,
        )?,
        question(
            QuestionKind::Multiple,
            "Что стоит улучшить в первую очередь?",
            &["Уборку", "Лифты", "Двор и освещение", "Работу диспетчеров"],
            false,
        )?,
        called,
        rating,
        question(
            QuestionKind::Nps,
            "Насколько вероятно, что вы порекомендуете нашу управляющую компанию соседям?",
            &[],
            true,
        )?,
        question(QuestionKind::Text, "Что ещё нам стоит знать?", &[], false)?,
        Question::new(
            QuestionKind::Matrix,
            "Оцените, как содержится дом",
            &owned(&["Плохо", "Удовлетворительно", "Хорошо", "Отлично"]),
            &owned(&["Уборка подъездов", "Лифты", "Двор и детская площадка", "Освещение"]),
            false,
        )
        .map_err(|(field, e)| anyhow::anyhow!("demo matrix {field}: {e}"))?,
    ])
}

fn owned(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// One respondent's answers to [`service_questions`] (by place); `better`
/// shifts the marks up (the 2026 run after a year of work).
fn service_answers(rng: &mut StdRng, better: bool) -> Vec<(usize, Answer)> {
    let scores: &[i64] =
        if better { &[10, 10, 9, 9, 9, 8, 8, 7, 6, 5, 3] } else { &[10, 9, 9, 8, 8, 7, 6, 6, 5, 3, 2] };
    let score = scores[rng.random_range(0..scores.len())];
    let lowest_mark = if better { 3 } else { 2 };
    let mut answers = vec![
        (0, Answer::Numbers(vec![rng.random_range(0..3)])),
        (1, Answer::Numbers(if rng.random_bool(0.5) { vec![1, 2] } else { vec![rng.random_range(0..4)] })),
    ];
    if rng.random_bool(0.7) {
        answers.push((2, Answer::Numbers(vec![1])));
        answers.push((3, Answer::Numbers(vec![rng.random_range(lowest_mark..=5)])));
    } else {
        answers.push((2, Answer::Numbers(vec![0])));
    }
    answers.push((4, Answer::Numbers(vec![score])));
    if rng.random_bool(0.3) {
        answers.push((5, Answer::Text(COMMENTS[rng.random_range(0..COMMENTS.len())].to_owned())));
    }
    if rng.random_bool(0.8) {
        let low = usize::from(better);
        answers.push((6, Answer::Numbers((0..4).map(|row| survey::cell(row, rng.random_range(low..4))).collect())));
    }
    answers
}

/// Who answered a run and what: a random response id, the link, answers.
type DemoResponses = Vec<(uuid::Uuid, Eligible, Vec<(usize, Answer)>)>;

fn demo_responses(
    eligible: &[Eligible],
    own: &HashSet<ClientId>,
    seed: u64,
    share: f64,
    better: bool,
) -> DemoResponses {
    let mut seen = HashSet::new();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut responses = Vec::new();
    for link in eligible {
        if own.contains(&link.client_id) || !seen.insert(link.client_id) || !rng.random_bool(share) {
            continue;
        }
        let answers = service_answers(&mut rng, better);
        let id = {
            let mut bytes = [0u8; 16];
            rng.fill(&mut bytes);
            uuid::Builder::from_random_bytes(bytes).into_uuid()
        };
        responses.push((id, *link, answers));
    }
    responses
}

/// Records a run's answers (anonymous: nothing of the person kept).
async fn record_all(tx: &mut WriteTx, survey: &Survey, responses: DemoResponses) -> Result<(), StoreError> {
    for (id, link, answers) in responses {
        let answers = answers.into_iter().map(|(i, a)| (survey.questions[i].id, a)).collect();
        let response = NewResponse {
            id,
            respondent: link.client_id.as_uuid(),
            client_id: link.client_id,
            building_id: link.building_id,
            named: None,
            answers,
        };
        surveys::record(tx, survey.id, &response).await?;
    }
    Ok(())
}

/// Writes the demo's surveys to the tower, by `author`; `skip` are the
/// demo's resident accounts (they answer by hand): last year's service
/// survey, closed; this year's, running and compared with it; a draft vote.
pub async fn seed_surveys(db: &Db, tower: BuildingId, author: UserId, skip: &[UserId]) -> anyhow::Result<()> {
    let audience = Audience { building_ids: vec![tower], ..Audience::default() };
    let intro = "Ответьте, пожалуйста, на несколько вопросов: это займёт пару минут и поможет нам работать лучше.";
    let service = |title: &str| {
        NewSurvey::new(title, intro, service_questions()?, audience.clone(), true, OnePer::Resident, None)
            .map_err(|(field, e)| anyhow::anyhow!("demo survey {field}: {e}"))
    };
    let last_year = service("Качество обслуживания — 2025")?;
    let mut running = service("Качество обслуживания — 2026")?;
    let vote = NewSurvey::new(
        "Голосование: шлагбаум на въезде во двор",
        "Один голос от помещения. Итоги обсудим на общем собрании собственников.",
        vec![question(QuestionKind::YesNo, "Устанавливаем шлагбаум?", &[], true)?],
        Audience { link_roles: vec![domovoy_domain::client::LinkRole::Owner], ..audience.clone() },
        false,
        OnePer::Unit,
        None,
    )
    .map_err(|(field, e)| anyhow::anyhow!("demo vote {field}: {e}"))?;

    let mut own: HashSet<ClientId> = HashSet::new();
    for user in skip {
        own.extend(domovoy_store::clients::find_by_user(db, *user).await?);
    }
    let eligible = surveys::eligible(db, &audience, stored_now().date_naive(), None).await?;
    let before = demo_responses(&eligible, &own, 2025, 0.38, false);
    let now = demo_responses(&eligible, &own, 2026, 0.45, true);
    db.write(move |tx| {
        Box::pin(async move {
            let previous = surveys::insert(tx, &last_year, Some(author)).await?;
            surveys::set_status(tx, previous.id, SurveyStatus::Draft, SurveyStatus::Published).await?;
            record_all(tx, &previous, before).await?;
            surveys::set_status(tx, previous.id, SurveyStatus::Published, SurveyStatus::Closed).await?;
            running.previous_id = Some(previous.id);
            let survey = surveys::insert(tx, &running, Some(author)).await?;
            surveys::set_status(tx, survey.id, SurveyStatus::Draft, SurveyStatus::Published).await?;
            // Running for weeks: its residents were told when it opened.
            surveys::mark_announced(tx, survey.id).await?;
            record_all(tx, &survey, now).await?;
            surveys::insert(tx, &vote, Some(author)).await?;
            Ok::<_, StoreError>(())
        })
    })
    .await?;
    Ok(())
}
