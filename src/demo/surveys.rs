//! The surveys' demo: a running, anonymous survey of the tower's residents
//! about the service, answered by about half of them (not by the demo's
//! own resident accounts, so a visitor signed in as one can answer), and a
//! draft of a vote about a barrier in the yard.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use domovoy_domain::ids::{BuildingId, ClientId, UserId};
use domovoy_domain::mailing::Audience;
use domovoy_domain::survey::{Answer, NewSurvey, OnePer, Question, QuestionKind, SurveyStatus};
use domovoy_store::surveys::{self, NewResponse};
use domovoy_store::{Db, StoreError, stored_now};

fn question(kind: QuestionKind, text: &str, options: &[&str], required: bool) -> anyhow::Result<Question> {
    let options: Vec<String> = options.iter().map(|o| (*o).to_owned()).collect();
    Question::new(kind, text, &options, required).map_err(|(field, e)| anyhow::anyhow!("demo question {field}: {e}"))
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

/// Writes the demo's surveys to the tower, by `author`; `skip` are the
/// demo's resident accounts (they answer by hand).
pub async fn seed_surveys(db: &Db, tower: BuildingId, author: UserId, skip: &[UserId]) -> anyhow::Result<()> {
    let audience = Audience { building_ids: vec![tower], ..Audience::default() };
    let running = NewSurvey::new(
        "Качество обслуживания — 2026",
        "Ответьте, пожалуйста, на несколько вопросов: это займёт пару минут и поможет нам работать лучше.",
        vec![
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
            question(QuestionKind::Scale, "Оцените работу аварийно-диспетчерской службы", &[], true)?,
            question(
                QuestionKind::Nps,
                "Насколько вероятно, что вы порекомендуете нашу управляющую компанию соседям?",
                &[],
                true,
            )?,
            question(QuestionKind::Text, "Что ещё нам стоит знать?", &[], false)?,
        ],
        audience.clone(),
        true,
        OnePer::Resident,
        None,
    )
    .map_err(|(field, e)| anyhow::anyhow!("demo survey {field}: {e}"))?;
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
    let mut seen = HashSet::new();
    let mut rng = StdRng::seed_from_u64(2026);
    let mut responses = Vec::new();
    for link in eligible {
        if own.contains(&link.client_id) || !seen.insert(link.client_id) || !rng.random_bool(0.45) {
            continue;
        }
        let score: i64 = *[10, 10, 9, 9, 9, 8, 8, 7, 6, 5, 3].get(rng.random_range(0..11)).unwrap_or(&8);
        let mut answers = vec![
            (0, Answer::Numbers(vec![rng.random_range(0..3)])),
            (1, Answer::Numbers(if rng.random_bool(0.5) { vec![1, 2] } else { vec![rng.random_range(0..4)] })),
            (2, Answer::Numbers(vec![rng.random_range(3..=5)])),
            (3, Answer::Numbers(vec![score])),
        ];
        if rng.random_bool(0.3) {
            answers.push((4, Answer::Text(COMMENTS[rng.random_range(0..COMMENTS.len())].to_owned())));
        }
        let id = {
            let mut bytes = [0u8; 16];
            rng.fill(&mut bytes);
            uuid::Builder::from_random_bytes(bytes).into_uuid()
        };
        responses.push((id, link, answers));
    }
    db.write(move |tx| {
        Box::pin(async move {
            let survey = surveys::insert(tx, &running, Some(author)).await?;
            surveys::set_status(tx, survey.id, SurveyStatus::Draft, SurveyStatus::Published).await?;
            for (id, link, answers) in responses {
                let answers = answers.into_iter().map(|(i, a): (usize, Answer)| (survey.questions[i].id, a)).collect();
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
            surveys::insert(tx, &vote, Some(author)).await?;
            Ok::<_, StoreError>(())
        })
    })
    .await?;
    Ok(())
}
