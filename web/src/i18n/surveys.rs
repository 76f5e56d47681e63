//! Strings of surveys: the builder, the residents' answer form and the
//! results, reached as `t.sv`: each declared once, Russian beside English.

use domovoy_app::surveys::Breakdown;
use domovoy_domain::survey::{OnePer, QuestionKind, SurveyStatus};

catalog! {
    /// The SurveyCatalog strings of one language.
    pub struct SurveyCatalog { ru: RU_SURVEYS, en: EN_SURVEYS }

    kind_label: fn(QuestionKind) -> &'static str = (sv_ru::kind_label, sv_en::kind_label),
    status_label: fn(SurveyStatus) -> &'static str = (sv_ru::status_label, sv_en::status_label),
    one_per_label: fn(OnePer) -> &'static str = (sv_ru::one_per_label, sv_en::one_per_label),

    nav_surveys: &'static str = ("Опросы", "Surveys"),
    title: &'static str = ("Опросы", "Surveys"),
    intro: &'static str = ("Опросы жителей: вопросы, кому они адресованы, ответы в личном кабинете и результаты в реальном времени.", "Resident surveys: the questions, who they are for, answers in the cabinet and live results."),
    new_survey: &'static str = ("Новый опрос", "New survey"),
    edit_survey: &'static str = ("Изменение черновика опроса", "Changing the survey draft"),
    edit: &'static str = ("Изменить", "Change"),
    survey_saved: &'static str = ("Черновик сохранён.", "Draft saved."),
    none_yet: &'static str = ("Опросов пока нет.", "No surveys yet."),
    col_title: &'static str = ("Опрос", "Survey"),
    col_status: &'static str = ("Состояние", "Status"),
    col_created: &'static str = ("Создан", "Created"),
    col_closes: &'static str = ("Закрывается", "Closes"),
    col_responses: &'static str = ("Ответов", "Responses"),

    field_title: &'static str = ("Название опроса", "Survey title"),
    field_intro: &'static str = ("Вступление", "Introduction"),
    intro_placeholder: &'static str = ("Несколько слов о том, зачем опрос и что изменится по его итогам.", "A few words on why you ask and what will change."),
    field_anonymous: &'static str = ("Анонимный опрос", "Anonymous survey"),
    anonymous_hint: &'static str = ("Ответы хранятся без связи с жителем и помещением: видно только, кто уже ответил.", "Answers are stored with no link to the resident or unit: only who has answered is known."),
    field_one_per: &'static str = ("Сколько ответов", "Answers allowed"),
    field_opens_at: &'static str = ("Начать приём ответов", "Start taking answers at"),
    opens_hint: &'static str = ("Пусто — сразу после публикации. Жители узнают об опросе, когда он начнётся.", "Empty: when published. Residents are told when it starts."),
    /// A scheduled survey's line on its page: «Начнётся 10.12.2026 09:00».
    opens_on: fn(&str) -> String = (|at| format!("Начнётся {at}."), |at| format!("Starts {at}.")),
    field_closes_at: &'static str = ("Закрыть приём ответов", "Stop taking answers at"),
    closes_hint: &'static str = ("Пусто — опрос открыт, пока его не завершат вручную.", "Empty: open until closed by hand."),
    questions: &'static str = ("Вопросы", "Questions"),
    question_n: fn(usize) -> String = (|n| format!("Вопрос {n}"), |n| format!("Question {n}")),
    field_kind: &'static str = ("Тип ответа", "Answer type"),
    field_question: &'static str = ("Текст вопроса", "Question"),
    field_options: &'static str = ("Варианты ответа, по одному в строке", "Choices, one per line"),
    options_hint: &'static str = ("Для вопросов с выбором; у таблицы это столбцы (например: плохо, нормально, хорошо).", "For choice questions; a matrix's columns (e.g. poor, fair, good)."),
    field_rows: &'static str = ("Строки таблицы, по одной в строке", "Matrix rows, one per line"),
    rows_hint: &'static str = ("Что оценивается: уборка, лифты, двор… Каждую строку житель отмечает одним из вариантов.", "What is rated: cleaning, lifts, yard… Each row gets one of the choices."),
    field_required: &'static str = ("Обязательный", "Required"),
    add_question: &'static str = ("Добавить вопрос", "Add a question"),
    remove_question: &'static str = ("Удалить вопрос", "Remove the question"),
    save_draft: &'static str = ("Сохранить черновик", "Save the draft"),
    cancel: &'static str = ("Отмена", "Cancel"),
    audience: &'static str = ("Кого опрашиваем", "Who is asked"),
    eligible: &'static str = ("Могут ответить", "May answer"),
    eligible_units: &'static str = ("помещений", "units"),
    eligible_people: &'static str = ("жителей", "residents"),

    survey_created: &'static str = ("Черновик сохранён. Проверьте, как опрос увидят жители, и опубликуйте.", "Draft saved. Check how residents will see it, then publish."),
    survey_published: &'static str = ("Опрос опубликован: жители видят его в личном кабинете.", "Survey published: residents see it in the cabinet."),
    survey_closed: &'static str = ("Опрос завершён: ответы больше не принимаются.", "Survey closed: no more answers are taken."),
    survey_copied: &'static str = ("Создан черновик нового запуска с теми же вопросами. Проверьте и опубликуйте.", "A draft of the next run with the same questions. Check it and publish."),
    copy: &'static str = ("Новый запуск с теми же вопросами", "Next run with the same questions"),
    print: &'static str = ("Версия для печати с QR-кодом", "Printable sheet with a QR code"),
    print_scan: &'static str = ("Наведите камеру телефона на код, войдите в личный кабинет и ответьте на вопросы.", "Point your phone's camera at the code, sign in to the cabinet and answer."),
    print_paper: &'static str = ("Или заполните этот лист и передайте его в управляющую компанию.", "Or fill in this sheet and hand it to the management company."),
    remind: &'static str = ("Напомнить не ответившим", "Remind those who have not answered"),
    remind_confirm: &'static str = ("Отправить напоминание всем, кто ещё не ответил? Оно придёт в личный кабинет и на телефон, а тем, кто согласен на рассылку, — по e-mail с личной ссылкой: по ней можно ответить без входа.", "Send a reminder to everyone who has not answered? It goes to the cabinet and their phones, and by e-mail to those who agreed, with a personal link that opens the survey without signing in."),
    /// The page of a personal link that opens nothing.
    link_title: &'static str = ("Опрос", "Survey"),
    link_from: &'static str = ("опрос вашей управляющей компании", "a survey by your management company"),
    link_unknown: &'static str = ("Ссылка не действует: её адрес неполон, или вас больше нет среди тех, кого спрашивает опрос. Откройте опрос в личном кабинете или спросите в управляющей компании.", "This link does not work: its address is incomplete, or the survey no longer asks you. Open the survey in the cabinet or ask the management company."),
    /// A reminder's title; the survey's title comes as a template literal.
    reminder_title: fn(&str) -> String = (|title| format!("Напоминание: опрос «{title}»"), |title| format!("Reminder: the survey «{title}»")),
    /// A reminder's text (a mailing template: `{{ name }}`), with the link
    /// (`{{ link }}`: each reader's own).
    reminder_body: fn(&str, &str) -> String = (
        |title, link| format!("{{{{ name }}}}, управляющая компания просит вас ответить на вопросы опроса «{title}». Это займёт пару минут: {link}\n\nЕсли вы уже ответили, спасибо! Напоминание могло разминуться с вашим ответом."),
        |title, link| format!("{{{{ name }}}}, the management company asks you to answer the survey «{title}». It takes a couple of minutes: {link}\n\nIf you have answered already, thank you: this reminder may have crossed your answer."),
    ),
    publish: &'static str = ("Опубликовать", "Publish"),
    publish_confirm: &'static str = ("Опубликовать опрос? После публикации вопросы изменить нельзя.", "Publish the survey? Its questions cannot be changed afterwards."),
    close: &'static str = ("Завершить опрос", "Close the survey"),
    close_confirm: &'static str = ("Завершить опрос? Ответы больше не будут приниматься.", "Close the survey? No more answers will be taken."),
    preview_title: &'static str = ("Так опрос увидят жители", "How residents will see it"),
    draft_note: &'static str = ("Черновик: жители его не видят.", "Draft: residents do not see it."),

    results: &'static str = ("Результаты", "Results"),
    live_hint: &'static str = ("Обновляются сами, пока опрос идёт.", "Update themselves while the survey runs."),
    responses: &'static str = ("Ответили", "Responded"),
    response_rate: &'static str = ("Доля ответивших", "Response rate"),
    by_building: &'static str = ("По объектам", "By building"),
    col_building: &'static str = ("Объект", "Building"),
    col_eligible: &'static str = ("Могут ответить", "May answer"),
    col_answer: &'static str = ("Ответ", "Answer"),
    col_count: &'static str = ("Ответов", "Answers"),
    col_share: &'static str = ("Доля", "Share"),
    answered_n: fn(u64) -> String = (|n| format!("Ответили на вопрос: {n}"), |n| format!("Answered: {n}")),
    average: &'static str = ("Среднее", "Average"),
    interval: &'static str = ("95 % доверительный интервал", "95 % confidence interval"),
    nps: &'static str = ("Индекс NPS", "NPS"),
    nps_parts: fn(u64, u64, u64) -> String = (
        |p, n, d| format!("сторонники: {p}, нейтральные: {n}, критики: {d}"),
        |p, n, d| format!("promoters: {p}, passives: {n}, detractors: {d}"),
    ),
    texts_search: &'static str = ("Найти в ответах", "Search the answers"),
    texts_found: fn(usize, usize) -> String = (|f, a| format!("Показано {f} из {a}"), |f, a| format!("{f} of {a} shown")),
    frequent_words: &'static str = ("Частые слова", "Frequent words"),
    no_texts: &'static str = ("Текстовых ответов нет.", "No text answers."),
    yes: &'static str = ("Да", "Yes"),
    no: &'static str = ("Нет", "No"),
    export_xlsx: &'static str = ("Скачать XLSX", "Download XLSX"),
    export_csv: &'static str = ("Скачать CSV", "Download CSV"),
    sheet_summary: &'static str = ("Итоги опроса", "Survey summary"),
    sheet_answers: &'static str = ("Ответы", "Answers"),
    col_question: &'static str = ("Вопрос", "Question"),

    open_surveys: &'static str = ("Опросы", "Surveys"),
    home_hint: &'static str = ("Ваше мнение о работе управляющей компании и голосования по дому.", "Your opinion of the company's work, and votes of the building."),
    open_banner: fn(usize) -> String = (
        |n| format!("Управляющая компания просит вас ответить на вопросы: открытых опросов — {n}."),
        |n| format!("The management company asks for your opinion: {n} open survey(s)."),
    ),
    answer_now: &'static str = ("Ответить", "Answer"),
    answered_mark: &'static str = ("Вы уже ответили", "You have answered"),
    no_open: &'static str = ("Сейчас открытых опросов нет. Спасибо, что заглянули!", "No open surveys now. Thank you for looking!"),
    anonymous_note: &'static str = ("Опрос анонимный: ваши ответы сохраняются без имени и номера квартиры.", "The survey is anonymous: your answers are kept with no name or flat number."),
    named_note: &'static str = ("Опрос не анонимный: управляющая компания увидит, кто как ответил.", "The survey is not anonymous: the company will see who answered what."),
    required_mark: &'static str = ("обязательный вопрос", "required"),
    answer_for_unit: &'static str = ("Отвечаю за помещение", "Answering for the unit"),
    choose_one: &'static str = ("Выберите", "Choose"),
    scale_low: &'static str = ("плохо", "poor"),
    scale_high: &'static str = ("отлично", "excellent"),
    nps_low: &'static str = ("точно нет", "not at all"),
    nps_high: &'static str = ("обязательно", "certainly"),
    text_placeholder: &'static str = ("Ваш ответ", "Your answer"),
    submit: &'static str = ("Отправить ответы", "Send the answers"),
    thanks: &'static str = ("Спасибо! Ваши ответы получены.", "Thank you! Your answers are in."),
    closes_on: fn(&str) -> String = (|at| format!("Ответы принимаются до {at}."), |at| format!("Answers are taken until {at}.")),
    already_answered: &'static str = ("Вы уже ответили на этот опрос. Спасибо!", "You have answered this survey already. Thank you!"),
    not_open: &'static str = ("Опрос не принимает ответы: он завершён или ещё не опубликован.", "The survey does not take answers: it is closed or not published yet."),

    field_show_if: &'static str = ("Задавать вопрос", "Ask it"),
    show_always: &'static str = ("всегда", "always"),
    show_if_question: fn(usize) -> String = (|n| format!("только если в вопросе {n} ответили…"), |n| format!("only if question {n} was answered…")),
    field_show_if_value: &'static str = ("…так", "…so"),
    show_if_hint: &'static str = ("Вариант ответа, как он написан в том вопросе, «Да» или «Нет», или оценка числом.", "A choice as written in that question, «Yes» or «No», or a mark as a number."),
    shown_if: fn(&str, &str) -> String = (|q, value| format!("Задаётся, если на вопрос «{q}» ответили «{value}»."), |q, value| format!("Asked if «{q}» was answered «{value}».")),

    previous_run: fn(&str, u64, &str) -> String = (
        |title, n, rate| format!("Сравнение с предыдущим запуском «{title}»: ответов {n}, отклик {rate}."),
        |title, n, rate| format!("Compared with the previous run «{title}»: {n} responses, response rate {rate}."),
    ),
    col_previous: &'static str = ("В прошлый раз", "Last time"),
    col_row: &'static str = ("Что оценивали", "Rated"),
    col_row_mean: &'static str = ("Средний балл", "Mean mark"),
    /// Under a matrix: how its mean marks read (the first and last column, their count).
    matrix_mean_hint: fn(&str, &str, usize) -> String = (
        |first, last, n| format!("Средний балл строки — от 1 («{first}») до {n} («{last}»); в разрезе ответов — средний балл каждой строки."),
        |first, last, n| format!("A row's mean mark runs from 1 («{first}») to {n} («{last}»); the breakdown shows each row's mean mark."),
    ),
    was: fn(&str, &str) -> String = (|before, change| format!("в прошлый раз {before} ({change})"), |before, change| format!("last time {before} ({change})")),
    breakdown: &'static str = ("Разрез ответов", "Answers broken down"),
    breakdown_label: fn(Breakdown) -> &'static str = (sv_ru::breakdown_label, sv_en::breakdown_label),
    breakdown_anonymous: &'static str = ("Опрос анонимный: ответы разбиваются только по домам, и дом, где ответили меньше 5 человек, не показывается, чтобы соседи не узнали, кто что ответил.", "An anonymous survey: answers are broken down by building only, and a building with fewer than 5 responses is not shown, so that neighbours cannot tell who answered what."),
    hidden_group: &'static str = ("меньше 5 ответов — не показываем", "fewer than 5 responses — not shown"),
    col_group: &'static str = ("Группа", "Group"),
    unknown_group: &'static str = ("Не указано", "Not known"),
    print_results: &'static str = ("Печать отчёта", "Print the report"),
}

labels! {
    ru: sv_ru, en: sv_en;
    fn kind_label(kind: QuestionKind) -> &'static str = match kind {
        QuestionKind::Single => ("Один вариант", "One choice"),
        QuestionKind::Multiple => ("Несколько вариантов", "Several choices"),
        QuestionKind::Scale => ("Оценка от 1 до 5", "A mark from 1 to 5"),
        QuestionKind::Nps => ("Готовность рекомендовать (0–10)", "Would recommend (0–10)"),
        QuestionKind::Text => ("Свободный ответ", "Free text"),
        QuestionKind::YesNo => ("Да или нет", "Yes or no"),
        QuestionKind::Matrix => ("Таблица: несколько строк с одними вариантами", "Matrix: several rows, the same choices"),
    }
    fn status_label(status: SurveyStatus) -> &'static str = match status {
        SurveyStatus::Draft => ("Черновик", "Draft"),
        SurveyStatus::Published => ("Идёт", "Running"),
        SurveyStatus::Closed => ("Завершён", "Closed"),
        SurveyStatus::Scheduled => ("Запланирован", "Scheduled"),
    }
    fn breakdown_label(by: Breakdown) -> &'static str = match by {
        Breakdown::Building => ("По домам", "By building"),
        Breakdown::Section => ("По подъездам и корпусам", "By section"),
        Breakdown::Relation => ("Собственники и арендаторы", "Owners and tenants"),
    }
    fn one_per_label(one_per: OnePer) -> &'static str = match one_per {
        OnePer::Resident => ("Один ответ от каждого жителя", "One answer per resident"),
        OnePer::Unit => ("Один ответ от помещения (голосование)", "One answer per unit (a vote)"),
    }
}
