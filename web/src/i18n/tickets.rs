//! Strings of the ticket pages, API errors and labels, reached as `t.tk`:
//! each declared once, Russian beside English.

use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::sla::{DayKind, SlaState};
use domovoy_domain::ticket::{HoldReason, PhotoStage, Priority, TicketSource, TicketStatus, WorkflowError};

catalog! {
    /// The TicketCatalog strings of one language.
    pub struct TicketCatalog { ru: RU_TICKETS, en: EN_TICKETS }

    // API errors
    idempotency_reused: &'static str = (
        "Этот Idempotency-Key уже использован с другим содержимым запроса",
        "This Idempotency-Key was already used with a different request body",
    ),
    duplicate_request: &'static str = (
        "Заявка с таким же текстом уже подана за последние сутки — мы над ней работаем",
        "A request with the same text was filed within the last day — we are already on it",
    ),
    not_rateable: &'static str = (
        "Оценить можно только выполненную заявку, и только один раз",
        "Only finished work can be rated, and only once",
    ),
    /// Someone saved the ticket first; the argument is its current version.
    version_conflict: fn(i64) -> String = (
        |version| {
            format!("Заявку только что изменил кто-то другой (версия {version}). Обновите её и повторите действие")
        },
        |version| {
            format!("Someone else has just changed this ticket (version {version}). Reload it and try again")
        },
    ),
    workflow_error: fn(&WorkflowError) -> String = (tk_ru::workflow_error, tk_en::workflow_error),
    /// The largest size, in megabytes.
    attachment_too_large: fn(u64) -> String = (
        |mb| format!("Файл больше {mb} МБ"),
        |mb| format!("The file is larger than {mb} MB"),
    ),
    attachment_type: &'static str = (
        "Можно прикрепить фото (JPEG, PNG, WebP, HEIC), видео MP4, PDF, документы Word и Excel, текст",
        "Photos (JPEG, PNG, WebP, HEIC), MP4 video, PDF, Word and Excel documents and text can be attached",
    ),
    attachment_empty: &'static str = ("Файл пуст", "The file is empty"),

    // Labels of domain values
    status_label: fn(TicketStatus) -> &'static str = (tk_ru::status_label, tk_en::status_label),
    /// The button that moves a ticket to the status.
    transition_label: fn(TicketStatus) -> &'static str = (tk_ru::transition_label, tk_en::transition_label),
    priority_label: fn(Priority) -> &'static str = (tk_ru::priority_label, tk_en::priority_label),
    source_label: fn(TicketSource) -> &'static str = (tk_ru::source_label, tk_en::source_label),
    hold_reason_label: fn(HoldReason) -> &'static str = (tk_ru::hold_reason_label, tk_en::hold_reason_label),
    sla_state_label: fn(SlaState) -> &'static str = (tk_ru::sla_state_label, tk_en::sla_state_label),
    photo_stage_label: fn(PhotoStage) -> &'static str = (tk_ru::photo_stage_label, tk_en::photo_stage_label),
    classifier_kind_label: fn(ClassifierKind) -> &'static str = (
        tk_ru::classifier_kind_label,
        tk_en::classifier_kind_label,
    ),
    /// A weekday, short: "пн".
    weekday_label: fn(chrono::Weekday) -> &'static str = (tk_ru::weekday_label, tk_en::weekday_label),
    day_kind_label: fn(DayKind) -> &'static str = (tk_ru::day_kind_label, tk_en::day_kind_label),
    /// A rating's meaning, 1 to 5.
    rating_label: fn(u8) -> &'static str = (tk_ru::rating_label, tk_en::rating_label),
    /// A span of minutes in words: "2 ч 15 мин".
    duration: fn(i64) -> String = (tk_ru_fns::duration, tk_en_fns::duration),
    /// "Through X" (X from `duration`).
    due_in: fn(&str) -> String = (|span| format!("через {span}"), |span| format!("in {span}")),
    /// "Overdue by X".
    overdue_by: fn(&str) -> String = (
        |span| format!("просрочено на {span}"),
        |span| format!("overdue by {span}"),
    ),

    // Navigation and shortcuts
    nav_tickets: &'static str = ("Заявки", "Tickets"),
    nav_ticket_settings: &'static str = ("Справочники", "Reference data"),
    shortcut_new_ticket: &'static str = ("Новая заявка", "New ticket"),
    shortcut_next: &'static str = ("Следующая заявка в списке", "Next ticket in the list"),
    shortcut_prev: &'static str = ("Предыдущая заявка в списке", "Previous ticket in the list"),
    shortcut_open: &'static str = ("Открыть выбранную заявку", "Open the selected ticket"),
    shortcut_assign: &'static str = ("Назначить исполнителя", "Assign"),
    shortcut_status: &'static str = ("Сменить статус", "Change status"),

    // Board
    board_title: &'static str = ("Заявки", "Tickets"),
    my_tickets_title: &'static str = ("Мои заявки", "My requests"),
    new_ticket: &'static str = ("Новая заявка", "New ticket"),
    view_list: &'static str = ("Список", "List"),
    view_kanban: &'static str = ("Канбан", "Kanban"),
    filter_building: &'static str = ("Объект", "Building"),
    filter_status: &'static str = ("Статус", "Status"),
    filter_open: &'static str = ("Открытые", "Open"),
    filter_category: &'static str = ("Категория", "Category"),
    filter_priority: &'static str = ("Приоритет", "Priority"),
    filter_assignee: &'static str = ("Исполнитель", "Assignee"),
    filter_mine: &'static str = ("Мои", "Mine"),
    filter_unassigned: &'static str = ("Без исполнителя", "Unassigned"),
    filter_source: &'static str = ("Источник", "Source"),
    filter_sla: &'static str = ("SLA", "SLA"),
    filter_text: &'static str = ("Поиск", "Search"),
    filter_text_placeholder: &'static str = ("Номер, текст, телефон, квартира", "Number, text, phone, apartment"),
    filter_flagged: &'static str = ("Требуют внимания", "Need attention"),
    sort_label: &'static str = ("Порядок", "Order"),
    sort_urgency: &'static str = ("Сначала срочные", "Most urgent first"),
    sort_newest: &'static str = ("Сначала новые", "Newest first"),
    sort_oldest: &'static str = ("Сначала старые", "Oldest first"),
    saved_filters: &'static str = ("Сохранённые фильтры", "Saved filters"),
    save_filter: &'static str = ("Сохранить фильтр", "Save filter"),
    filter_name_field: &'static str = ("Название фильтра", "Filter name"),
    filter_saved: &'static str = ("Фильтр сохранён", "Filter saved"),
    filter_deleted: &'static str = ("Фильтр удалён", "Filter deleted"),
    col_number: &'static str = ("№", "No."),
    col_created: &'static str = ("Создана", "Created"),
    col_building: &'static str = ("Объект", "Building"),
    col_location: &'static str = ("Где", "Where"),
    col_description: &'static str = ("Суть", "Summary"),
    col_category: &'static str = ("Категория", "Category"),
    col_priority: &'static str = ("Приоритет", "Priority"),
    col_status: &'static str = ("Статус", "Status"),
    col_assignee: &'static str = ("Исполнитель", "Assignee"),
    col_due: &'static str = ("Срок", "Due"),
    unassigned: &'static str = ("не назначен", "unassigned"),
    /// "Found: N".
    total: fn(i64) -> String = (|n| format!("Найдено: {n}"), |n| format!("Found: {n}")),
    kanban_hint: &'static str = (
        "Перетащите карточку в другую колонку, чтобы сменить статус",
        "Drag a card to another column to change its status",
    ),
    move_failed: &'static str = ("Статус не изменён", "The status was not changed"),
    board_updated: &'static str = ("Список обновлён", "The list was updated"),

    // New ticket
    field_source: &'static str = ("Источник", "Source"),
    field_building: &'static str = ("Объект", "Building"),
    building_search_placeholder: &'static str = (
        "Начните вводить название или адрес",
        "Start typing a name or address",
    ),
    field_location: &'static str = ("Где именно", "Where exactly"),
    location_placeholder: &'static str = ("кв. 45, подъезд 2, 5 этаж", "apt. 45, entrance 2, 5th floor"),
    field_description: &'static str = ("Что случилось", "What happened"),
    description_placeholder: &'static str = (
        "Кратко и по делу: что, где, с какого времени",
        "Briefly: what, where, since when",
    ),
    field_category: &'static str = ("Категория", "Category"),
    field_place: &'static str = ("Место", "Place"),
    field_problem: &'static str = ("Проблема", "Problem"),
    problem_search: &'static str = ("Быстрый выбор", "Quick pick"),
    problem_search_placeholder: &'static str = (
        "Начните вводить: течь, лифт, свет…",
        "Start typing: leak, lift, light…",
    ),
    field_priority: &'static str = ("Приоритет", "Priority"),
    emergency_hint: &'static str = (
        "Авария — вода, электричество, газ, застрявший лифт с людьми: срок локализации 30 минут",
        "Emergency — water, electricity, gas, people stuck in a lift: 30 minutes to contain",
    ),
    field_contact_name: &'static str = ("Имя заявителя", "Caller's name"),
    field_contact_phone: &'static str = ("Телефон заявителя", "Caller's phone"),
    create_ticket: &'static str = ("Создать заявку", "Create ticket"),
    /// "Ticket N created".
    ticket_created: fn(&str) -> String = (
        |number| format!("Заявка № {number} создана"),
        |number| format!("Ticket No. {number} created"),
    ),
    ticket_created_notice: &'static str = ("Заявка создана", "Ticket created"),
    /// The chosen client was dropped because the typed caller differs.
    party_dropped: &'static str = (
        "Клиент снят: введённые имя или телефон не из его карточки. Если звонит он, выберите его снова.",
        "The client was removed: the name or phone typed is not on their card. If it is them, pick them again.",
    ),
    /// Shown before filing a ticket like a recent one of the same caller.
    possible_duplicate: &'static str = (
        "Возможно, дубликат. Нажмите «Создать заявку» ещё раз, чтобы всё равно создать:",
        "Possibly a duplicate. Press “Create ticket” again to file it anyway:",
    ),
    your_unit: &'static str = ("Помещение", "Your unit"),
    file_request: &'static str = ("Подать заявку", "File a request"),
    my_open_requests: &'static str = ("Открытые заявки", "Open requests"),
    no_open_requests: &'static str = ("Открытых заявок нет.", "No open requests."),
    all_my_requests: &'static str = ("Все мои заявки →", "All my requests →"),
    all_open: &'static str = ("Все открытые", "All open"),
    filters: &'static str = ("Фильтры", "Filters"),
    /// Before the expected time on a resident's request («Ожидаемый срок: через 2 ч»).
    expected: &'static str = ("Ожидаемый срок", "Expected"),
    send_request: &'static str = ("Отправить заявку", "Send the request"),
    photos_field: &'static str = ("Фото (необязательно)", "Photos (optional)"),
    photos_pick: &'static str = ("Добавить фото", "Add photos"),
    /// "Photos chosen: N" (the number is added by the page).
    photos_chosen: &'static str = ("Выбрано фото:", "Photos chosen:"),
    field_location_resident: &'static str = ("Где именно (необязательно)", "Where exactly (optional)"),
    location_placeholder_resident: &'static str = ("кухня, ванная, балкон, подъезд", "kitchen, bathroom, balcony, entrance"),
    photos_hint: &'static str = (
        "До 5 снимков. На телефоне они уменьшаются перед отправкой.",
        "Up to 5 pictures. On a phone they are made smaller before sending.",
    ),
    /// "Sending photo 1 of 3…" (the numbers are added by the page).
    photos_sending: &'static str = ("Отправляем фото", "Sending photo"),
    photos_failed: &'static str = (
        "Заявка отправлена, но фото не удалось приложить. Приложите их на странице заявки.",
        "The request was sent, but the photos could not be attached. Attach them on the request's page.",
    ),
    /// The board's switch: a short sound when a ticket arrives.
    /// The settings page for a manager of some buildings.
    settings_own_buildings: &'static str = (
        "Вы настраиваете нормативы SLA и правила назначения своих объектов. Справочник, производственный календарь и бригады общие для всех объектов: их меняет администратор.",
        "You set the SLA policies and assignment rules of your buildings. The classifier, the calendar and the teams are shared by all buildings: an administrator changes them.",
    ),
    inactive: &'static str = ("не используется", "not in use"),
    arrival_sound: &'static str = ("Звук при новой заявке", "Sound on a new ticket"),
    /// How long ago, in minutes.
    minutes_ago: &'static str = ("мин назад", "min ago"),
    open_in_building: &'static str = ("Открытые заявки по объекту", "Open tickets in this building"),
    not_chosen: &'static str = ("— не выбрано —", "— not chosen —"),
    resident_new_hint: &'static str = (
        "Опишите, что случилось и где. Диспетчер увидит заявку сразу; статус и ответы появятся здесь.",
        "Describe what happened and where. The dispatcher sees it at once; status and answers appear here.",
    ),

    // Ticket page
    /// "Ticket № N".
    ticket_heading: fn(&str) -> String = (
        |number| format!("Заявка № {number}"),
        |number| format!("Ticket No. {number}"),
    ),
    section_details: &'static str = ("Сведения", "Details"),
    section_timeline: &'static str = ("Ход работы", "Timeline"),
    section_actions: &'static str = ("Действия", "Actions"),
    section_contact: &'static str = ("Заявитель", "Requester"),
    section_sla: &'static str = ("Сроки", "Deadlines"),
    section_attachments: &'static str = ("Вложения", "Attachments"),
    section_classification: &'static str = ("Классификация", "Classification"),
    label_created: &'static str = ("Создана", "Created"),
    label_updated: &'static str = ("Изменена", "Changed"),
    label_team: &'static str = ("Бригада", "Team"),
    label_response_due: &'static str = ("Реакция до", "Respond by"),
    label_resolution_due: &'static str = ("Решение до", "Resolve by"),
    label_sla_used: &'static str = ("Рабочего времени прошло", "Working time used"),
    label_sla_policy: &'static str = ("Норматив", "Policy"),
    label_responded: &'static str = ("Первая реакция", "First response"),
    label_hold_reason: &'static str = ("Ожидание", "Waiting for"),
    label_end_reason: &'static str = ("Причина", "Reason"),
    label_rating: &'static str = ("Оценка жителя", "Resident's rating"),
    label_flagged: &'static str = ("Требует внимания руководителя", "Needs a manager's attention"),
    no_sla: &'static str = ("Норматив не задан", "No policy applies"),
    comment_field: &'static str = ("Комментарий", "Comment"),
    comment_public: &'static str = ("Виден жителю", "Visible to the resident"),
    comment_internal: &'static str = ("Внутренний", "Internal"),
    add_comment: &'static str = ("Добавить комментарий", "Add comment"),
    comment_added: &'static str = ("Комментарий добавлен", "Comment added"),
    internal_badge: &'static str = ("внутренний", "internal"),
    reason_field: &'static str = ("Причина", "Reason"),
    hold_reason_field: &'static str = ("Чего ждём", "Waiting for"),
    assignee_field: &'static str = ("Исполнитель", "Assignee"),
    assign_submit: &'static str = ("Назначить", "Assign"),
    assignee_filter_placeholder: &'static str = (
        "Начните вводить фамилию, Enter — назначить",
        "Start typing a surname, Enter assigns",
    ),
    assign_me: &'static str = ("Взять себе", "Take it"),
    nobody: &'static str = ("— никто —", "— nobody —"),
    assigned_notice: &'static str = ("Исполнитель назначен", "Assignee set"),
    status_changed: &'static str = ("Статус изменён", "Status changed"),
    reclassify: &'static str = ("Сохранить классификацию", "Save classification"),
    classified_notice: &'static str = ("Классификация сохранена", "Classification saved"),
    watch: &'static str = ("Следить", "Watch"),
    unwatch: &'static str = ("Не следить", "Stop watching"),
    watchers: &'static str = ("Следят", "Watching"),
    upload: &'static str = ("Прикрепить файл", "Attach a file"),
    /// Limits under the upload field; the argument is megabytes.
    upload_hint: fn(u64) -> String = (
        |mb| format!("До {mb} МБ: фото, видео, PDF, документы"),
        |mb| format!("Up to {mb} MB: photos, video, PDF, documents"),
    ),
    uploaded: &'static str = ("Файл прикреплён", "File attached"),
    checklist_incomplete: &'static str = (
        "Отметьте все пункты чек-листа, прежде чем завершить заявку",
        "Tick every item of the checklist before finishing the ticket",
    ),
    signature_missing: &'static str = (
        "Для этой категории нужна подпись жильца: возьмите её в приложении техника",
        "This category needs the resident's signature: take it in the staff app",
    ),
    ticket_finished: &'static str = ("Заявка уже завершена", "The ticket is already finished"),
    section_checklist: &'static str = ("Чек-лист", "Checklist"),
    checklist_signature: &'static str = ("Подпись жильца", "The resident's signature"),
    checklist_signed: &'static str = ("получена", "taken"),
    checklist_not_signed: &'static str = ("ещё не получена", "not taken yet"),
    no_attachments: &'static str = ("Вложений нет", "No attachments"),
    other_tickets_phone: &'static str = ("Другие заявки с этого телефона", "Other tickets from this phone"),
    no_other_tickets: &'static str = ("Других заявок нет", "No other tickets"),
    conflict_reload: &'static str = (
        "Заявку только что изменил кто-то другой. Показано её актуальное состояние — повторите действие.",
        "Someone else has just changed this ticket. It is shown as it is now — please repeat your action.",
    ),
    history_created: &'static str = ("создал(а) заявку", "created the ticket"),
    /// "from → to".
    history_status: fn(&str, &str) -> String = (|from, to| format!("{from} → {to}"), |from, to| format!("{from} → {to}")),
    /// "assigned: name".
    history_assigned: fn(&str) -> String = (
        |name| format!("назначен(а): {name}"),
        |name| format!("assigned: {name}"),
    ),
    history_unassigned: &'static str = ("исполнитель снят", "assignee removed"),
    history_set_off: &'static str = ("выехал(а) на заявку", "set off to the ticket"),
    /// "on the way since <time>" beside a ticket's status.
    en_route_since: fn(&str) -> String = (
        |at| format!("Исполнитель в пути с {at}"),
        |at| format!("On the way since {at}"),
    ),
    history_classified: &'static str = (
        "изменил(а) классификацию или приоритет",
        "changed classification or priority",
    ),
    /// "rated N of 5".
    history_rating: fn(u8) -> String = (
        |value| format!("оценка {value} из 5"),
        |value| format!("rated {value} of 5"),
    ),
    /// "SLA: state".
    history_sla: fn(&str) -> String = (|state| format!("SLA: {state}"), |state| format!("SLA: {state}")),
    /// "What happened: why" (a reason, a file name).
    history_with_reason: fn(&str, &str) -> String = (|text, reason| format!("{text}: {reason}"), |text, reason| format!("{text}: {reason}")),
    /// "What happened (what it waits for)".
    history_with_hold: fn(&str, &str) -> String = (|text, hold| format!("{text} ({hold})"), |text, hold| format!("{text} ({hold})")),
    /// "What happened: «words of the resident»".
    history_with_quote: fn(&str, &str) -> String = (
        |text, quote| format!("{text}: «{quote}»"),
        |text, quote| format!("{text}: “{quote}”"),
    ),
    size_megabytes: fn(f64) -> String = (|mb| format!("{mb:.1} МБ"), |mb| format!("{mb:.1} MB")),
    size_kilobytes: fn(i64) -> String = (|kb| format!("{kb} КБ"), |kb| format!("{kb} KB")),
    size_bytes: fn(i64) -> String = (|b| format!("{b} Б"), |b| format!("{b} B")),
    rate_title: &'static str = ("Оцените выполнение", "Rate the work"),
    rating_field: &'static str = ("Оценка", "Rating"),
    rating_comment_field: &'static str = ("Комментарий к оценке", "Comment on the rating"),
    rate_submit: &'static str = ("Оценить", "Rate"),
    rated_notice: &'static str = ("Спасибо за оценку!", "Thank you for your rating!"),

    // Settings: classifier, SLA, calendar, teams
    settings_title: &'static str = ("Справочники заявок", "Ticket reference data"),
    tab_classifier: &'static str = ("Классификатор", "Classifier"),
    tab_sla: &'static str = ("Нормативы SLA", "SLA policies"),
    tab_calendar: &'static str = ("Производственный календарь", "Production calendar"),
    tab_teams: &'static str = ("Бригады и назначение", "Teams and assignment"),
    tab_checklists: &'static str = ("Чек-листы", "Checklists"),
    checklists_intro: &'static str = (
        "Что техник отмечает на месте, прежде чем завершить заявку этой категории, и нужна ли подпись жильца. \
         Пункты — по одному в строке (не больше 30). Завершить заявку, пока не отмечены все пункты, нельзя.",
        "What the technician ticks on site before finishing a ticket of this category, and whether the resident signs. \
         One item a line (30 at most). A ticket cannot be finished until every item is ticked.",
    ),
    checklist_items_field: &'static str = ("Пункты чек-листа", "Checklist items"),
    checklist_signature_field: &'static str = ("Нужна подпись жильца", "The resident signs"),
    checklist_none: &'static str = ("нет", "none"),
    code_field: &'static str = ("Код", "Code"),
    parent_field: &'static str = ("Категория", "Category"),
    sort_field: &'static str = ("Порядок", "Order"),
    active_field: &'static str = ("Действует", "Active"),
    add_item: &'static str = ("Добавить", "Add"),
    item_created: &'static str = ("Пункт добавлен", "Item added"),
    any_building: &'static str = ("Любой объект", "Any building"),
    any_category: &'static str = ("Любая категория", "Any category"),
    any_priority: &'static str = ("Любой приоритет", "Any priority"),
    policy_name_field: &'static str = ("Название", "Name"),
    response_minutes_field: &'static str = ("Реакция, мин", "Response, min"),
    resolution_minutes_field: &'static str = ("Решение, мин", "Resolution, min"),
    warn_percent_field: &'static str = ("Предупреждать при, %", "Warn at, %"),
    schedule_field: &'static str = ("Время", "Time"),
    schedule_around_the_clock: &'static str = ("Круглосуточно", "Around the clock"),
    schedule_working_hours: &'static str = ("Рабочие часы по календарю", "Working hours by the calendar"),
    work_start_field: &'static str = ("С", "From"),
    work_end_field: &'static str = ("До", "To"),
    add_policy: &'static str = ("Добавить норматив", "Add policy"),
    policy_created: &'static str = ("Норматив добавлен", "Policy added"),
    policy_deleted: &'static str = ("Норматив удалён", "Policy deleted"),
    sla_intro: &'static str = (
        "Для заявки действует самый точный норматив: объект, категория и приоритет важнее общих правил. Время считается в часовом поясе объекта.",
        "A ticket gets the most specific policy: building, category and priority beat general rules. Time runs in the building's time zone.",
    ),
    templates_title: &'static str = ("Шаблоны по нормативным актам", "Templates from regulations"),
    basis_col: &'static str = ("Основание", "Basis"),
    adopt: &'static str = ("Применить", "Adopt"),
    template_adopted: &'static str = ("Норматив из шаблона добавлен", "Policy added from the template"),
    adopted: &'static str = ("применён", "adopted"),
    calendar_intro: &'static str = (
        "Праздники, перенесённые рабочие дни и сокращённые дни. Субботы и воскресенья выходные по умолчанию. Календарь на 2025–2027 годы поставляется с программой.",
        "Holidays, moved working days and short days. Saturdays and Sundays are days off by default. The 2025–2027 calendar ships with the product.",
    ),
    day_col: &'static str = ("Дата", "Date"),
    note_col: &'static str = ("Примечание", "Note"),
    year_field: &'static str = ("Год", "Year"),
    add_day: &'static str = ("Добавить день", "Add day"),
    import_calendar: &'static str = ("Загрузить календарь", "Import calendar"),
    calendar_file_field: &'static str = ("Файл календаря", "Calendar file"),
    calendar_format_hint: &'static str = (
        "Текстовый файл: в каждой строке «ГГГГ-ММ-ДД вид примечание», вид — holiday (выходной), workday (рабочий) или short (сокращённый); строки с # пропускаются.",
        "A text file: one \"YYYY-MM-DD kind note\" per line, kind is holiday, workday or short; lines starting with # are skipped.",
    ),
    /// "Days added: N".
    calendar_imported: fn(u64) -> String = (|n| format!("Добавлено дней: {n}"), |n| format!("Days added: {n}")),
    /// A calendar file's error; the arguments are the line and the message.
    calendar_line_error: fn(usize, &str) -> String = (
        |line, message| format!("Строка {line}: {message}"),
        |line, message| format!("Line {line}: {message}"),
    ),
    day_removed: &'static str = ("День удалён из календаря", "Day removed from the calendar"),
    teams_intro: &'static str = (
        "Бригада получает заявки по очереди: каждая новая — тому, кто дольше всех ждёт.",
        "A team gets tickets in turn: each new one goes to whoever has waited longest.",
    ),
    team_name_field: &'static str = ("Название бригады", "Team name"),
    team_company_field: &'static str = ("Подрядная организация", "Contractor company"),
    team_company_hint: &'static str = ("Пусто — свои сотрудники. Подрядчику, которому назначили заявку, система сама выпишет пропуск в дом заявки.", "Empty for own staff. A contractor assigned a ticket gets a pass to its building from the system."),
    team_company_shown: &'static str = ("Подрядчик", "Contractor"),
    members_field: &'static str = ("Состав", "Members"),
    add_team: &'static str = ("Создать бригаду", "Create team"),
    team_created: &'static str = ("Бригада создана", "Team created"),
    members_saved: &'static str = ("Состав сохранён", "Members saved"),
    rules_title: &'static str = ("Правила назначения", "Assignment rules"),
    rules_intro: &'static str = (
        "Новая заявка назначается по самому точному правилу: объект и категория важнее, чем только одно из них. Диспетчер всегда может переназначить.",
        "A new ticket is assigned by the most specific rule: building and category beat either alone. Dispatchers can always reassign.",
    ),
    rule_assignee_field: &'static str = ("Кому", "To"),
    /// "Team «X» in turn".
    rule_team: fn(&str) -> String = (
        |name| format!("бригаде «{name}» по очереди"),
        |name| format!("team “{name}” in turn"),
    ),
    /// "Employee X".
    rule_user: fn(&str) -> String = (|name| format!("сотруднику {name}"), |name| format!("employee {name}")),
    add_rule: &'static str = ("Добавить правило", "Add rule"),
    rule_added: &'static str = ("Правило добавлено", "Rule added"),
    rule_deleted: &'static str = ("Правило удалено", "Rule deleted"),

}

labels! {
    ru: tk_ru, en: tk_en;
    fn weekday_label(day: chrono::Weekday) -> &'static str = match day {
        chrono::Weekday::Mon => ("пн", "Mon"),
        chrono::Weekday::Tue => ("вт", "Tue"),
        chrono::Weekday::Wed => ("ср", "Wed"),
        chrono::Weekday::Thu => ("чт", "Thu"),
        chrono::Weekday::Fri => ("пт", "Fri"),
        chrono::Weekday::Sat => ("сб", "Sat"),
        chrono::Weekday::Sun => ("вс", "Sun"),
    }
    fn workflow_error(error: &WorkflowError) -> String = match error {
        WorkflowError::NotAllowed { from, to } => ({
            format!("Из статуса «{}» нельзя перейти в «{}»", status_label(*from), status_label(*to))
        }, {
            format!("A ticket cannot go from “{}” to “{}”", status_label(*from), status_label(*to))
        }),
        WorkflowError::ReasonRequired => ("Укажите причину отклонения или отмены".to_owned(), "Give a reason for rejecting or cancelling".to_owned()),
        WorkflowError::HoldReasonRequired => ("Укажите, чего ждём: ответа жителя или запчастей".to_owned(), "Say what the ticket waits for: the resident or parts".to_owned()),
        WorkflowError::AssigneeRequired => ("Сначала назначьте исполнителя".to_owned(), "Assign someone first".to_owned()),
        WorkflowError::Unchanged(status) => (format!("Заявка уже в статусе «{}»", status_label(*status)), format!("The ticket is already “{}”", status_label(*status))),
        WorkflowError::NotRateable => (
            "Оценить можно только выполненную заявку, и только один раз".to_owned(),
            "Only finished work can be rated, and only once".to_owned(),
        ),
        WorkflowError::CannotSetOff(status) => (
            format!("Выехать можно только к заявке, которая ждёт исполнителя, а эта — «{}»", status_label(*status)),
            format!("One sets off only to a ticket that waits for its assignee; this one is “{}”", status_label(*status)),
        ),
    }
    fn status_label(status: TicketStatus) -> &'static str = match status {
        TicketStatus::New => ("Новая", "New"),
        TicketStatus::Accepted => ("Принята", "Accepted"),
        TicketStatus::Assigned => ("Назначена", "Assigned"),
        TicketStatus::InProgress => ("В работе", "In progress"),
        TicketStatus::OnHold => ("Ожидание", "On hold"),
        TicketStatus::Done => ("Выполнена", "Done"),
        TicketStatus::Closed => ("Закрыта", "Closed"),
        TicketStatus::Reopened => ("Возобновлена", "Reopened"),
        TicketStatus::Rejected => ("Отклонена", "Rejected"),
        TicketStatus::Cancelled => ("Отменена", "Cancelled"),
    }
    fn transition_label(to: TicketStatus) -> &'static str = match to {
        TicketStatus::New => ("Вернуть в новые", "Back to new"),
        TicketStatus::Accepted => ("Принять", "Accept"),
        TicketStatus::Assigned => ("Вернуть в очередь исполнителя", "Back to the assignee's queue"),
        TicketStatus::InProgress => ("В работу", "Start work"),
        TicketStatus::OnHold => ("Отложить", "Put on hold"),
        TicketStatus::Done => ("Выполнено", "Done"),
        TicketStatus::Closed => ("Закрыть", "Close"),
        TicketStatus::Reopened => ("Вернуть в работу", "Reopen"),
        TicketStatus::Rejected => ("Отклонить", "Reject"),
        TicketStatus::Cancelled => ("Отменить заявку", "Cancel ticket"),
    }
    fn priority_label(priority: Priority) -> &'static str = match priority {
        Priority::Normal => ("Обычная", "Normal"),
        Priority::High => ("Высокая", "High"),
        Priority::Emergency => ("Авария", "Emergency"),
    }
    fn source_label(source: TicketSource) -> &'static str = match source {
        TicketSource::Phone => ("Телефон", "Phone"),
        TicketSource::ResidentApp => ("Приложение жителя", "Resident app"),
        TicketSource::WebCabinet => ("Личный кабинет", "Web cabinet"),
        TicketSource::Email => ("Электронная почта", "E-mail"),
        TicketSource::WalkIn => ("Личный визит", "Walk-in"),
        TicketSource::Staff => ("Сотрудник", "Staff"),
    }
    fn hold_reason_label(reason: HoldReason) -> &'static str = match reason {
        HoldReason::WaitingClient => ("Ответа или доступа от жителя (срок не идёт)", "The resident's answer or access (the clock stops)"),
        HoldReason::WaitingParts => ("Запчастей или подрядчика", "Parts or a contractor"),
    }
    fn photo_stage_label(stage: PhotoStage) -> &'static str = match stage {
        PhotoStage::Before => ("Фото до работ", "Photo before the work"),
        PhotoStage::After => ("Фото после работ", "Photo after the work"),
        PhotoStage::Signature => ("Подпись жильца", "The resident's signature"),
    }
    fn sla_state_label(state: SlaState) -> &'static str = match state {
        SlaState::None => ("Без норматива", "No policy"),
        SlaState::Met => ("В срок", "Met"),
        SlaState::Paused => ("Срок остановлен", "Paused"),
        SlaState::Active => ("Идёт", "Running"),
        SlaState::Warning => ("Срок подходит", "Due soon"),
        SlaState::Breached => ("Просрочена", "Breached"),
    }
    fn classifier_kind_label(kind: ClassifierKind) -> &'static str = match kind {
        ClassifierKind::Place => ("Места", "Places"),
        ClassifierKind::Category => ("Категории", "Categories"),
        ClassifierKind::Problem => ("Проблемы", "Problems"),
    }
    fn day_kind_label(kind: DayKind) -> &'static str = match kind {
        DayKind::Holiday => ("Выходной", "Day off"),
        DayKind::Workday => ("Рабочий", "Working day"),
        DayKind::Short => ("Сокращённый", "Short day"),
    }
    fn rating_label(value: u8) -> &'static str = match value {
        1 => ("1 — очень плохо", "1 — very bad"),
        2 => ("2 — плохо", "2 — bad"),
        3 => ("3 — удовлетворительно", "3 — fair"),
        4 => ("4 — хорошо", "4 — good"),
        _ => ("5 — отлично", "5 — excellent"),
    }
}

/// Wording that is code rather than a table (plurals, compositions), in Russian.
mod tk_ru_fns {
    pub fn duration(minutes: i64) -> String {
        let minutes = minutes.max(0);
        let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
        match (days, hours, mins) {
            (0, 0, m) => format!("{m} мин"),
            (0, h, 0) => format!("{h} ч"),
            (0, h, m) => format!("{h} ч {m} мин"),
            (d, 0, _) => format!("{d} дн"),
            (d, h, _) => format!("{d} дн {h} ч"),
        }
    }
}

/// Wording that is code rather than a table (plurals, compositions), in English.
mod tk_en_fns {
    pub fn duration(minutes: i64) -> String {
        let minutes = minutes.max(0);
        let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
        match (days, hours, mins) {
            (0, 0, m) => format!("{m} min"),
            (0, h, 0) => format!("{h} h"),
            (0, h, m) => format!("{h} h {m} min"),
            (d, 0, _) => format!("{d} d"),
            (d, h, _) => format!("{d} d {h} h"),
        }
    }
}

impl TicketCatalog {
    pub fn status(&self, status: &TicketStatus) -> &'static str {
        (self.status_label)(*status)
    }

    pub fn priority(&self, priority: &Priority) -> &'static str {
        (self.priority_label)(*priority)
    }

    pub fn source(&self, source: &TicketSource) -> &'static str {
        (self.source_label)(*source)
    }

    pub fn hold_reason(&self, reason: &HoldReason) -> &'static str {
        (self.hold_reason_label)(*reason)
    }

    pub fn photo_stage(&self, stage: PhotoStage) -> &'static str {
        (self.photo_stage_label)(stage)
    }

    pub fn sla_state(&self, state: &SlaState) -> &'static str {
        (self.sla_state_label)(*state)
    }

    pub fn transition(&self, to: &TicketStatus) -> &'static str {
        (self.transition_label)(*to)
    }

    pub fn workflow(&self, error: &WorkflowError) -> String {
        (self.workflow_error)(error)
    }

    pub fn minutes(&self, minutes: &i64) -> String {
        (self.duration)(*minutes)
    }

    pub fn heading(&self, number: &str) -> String {
        (self.ticket_heading)(number)
    }

    pub fn found(&self, count: &i64) -> String {
        (self.total)(*count)
    }

    pub fn upload_limits(&self, megabytes: &u64) -> String {
        (self.upload_hint)(*megabytes)
    }
}
