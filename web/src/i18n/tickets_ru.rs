//! Строки заявок на русском.

use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::sla::{DayKind, SlaState};
use domovoy_domain::ticket::{HoldReason, Priority, TicketSource, TicketStatus, WorkflowError};

use super::tickets::TicketCatalog;

pub static RU_TICKETS: TicketCatalog = TicketCatalog {
    idempotency_reused: "Этот Idempotency-Key уже использован с другим содержимым запроса",
    duplicate_request: "Заявка с таким же текстом уже подана за последние сутки — мы над ней работаем",
    not_rateable: "Оценить можно только выполненную заявку, и только один раз",
    version_conflict: |version| {
        format!("Заявку только что изменил кто-то другой (версия {version}). Обновите её и повторите действие")
    },
    workflow_error,
    attachment_too_large: |mb| format!("Файл больше {mb} МБ"),
    attachment_type: "Можно прикрепить фото (JPEG, PNG, WebP, HEIC), видео MP4, PDF, документы Word и Excel, текст",
    attachment_empty: "Файл пуст",

    status_label,
    transition_label,
    priority_label,
    source_label,
    hold_reason_label,
    sla_state_label,
    classifier_kind_label,
    day_kind_label,
    rating_label,
    duration,
    due_in: |span| format!("через {span}"),
    overdue_by: |span| format!("просрочено на {span}"),

    nav_tickets: "Заявки",
    nav_ticket_settings: "Справочники",
    shortcut_new_ticket: "Новая заявка",
    shortcut_next: "Следующая заявка в списке",
    shortcut_prev: "Предыдущая заявка в списке",
    shortcut_open: "Открыть выбранную заявку",
    shortcut_assign: "Назначить исполнителя",
    shortcut_status: "Сменить статус",

    board_title: "Заявки",
    my_tickets_title: "Мои заявки",
    new_ticket: "Новая заявка",
    view_list: "Список",
    view_kanban: "Канбан",
    filter_building: "Объект",
    filter_status: "Статус",
    filter_open: "Открытые",
    filter_category: "Категория",
    filter_priority: "Приоритет",
    filter_assignee: "Исполнитель",
    filter_mine: "Мои",
    filter_unassigned: "Без исполнителя",
    filter_source: "Источник",
    filter_sla: "SLA",
    filter_text: "Поиск",
    filter_text_placeholder: "Номер, текст, телефон, квартира",
    filter_flagged: "Требуют внимания",
    sort_label: "Порядок",
    sort_urgency: "Сначала срочные",
    sort_newest: "Сначала новые",
    sort_oldest: "Сначала старые",
    saved_filters: "Сохранённые фильтры",
    save_filter: "Сохранить фильтр",
    filter_name_field: "Название фильтра",
    filter_saved: "Фильтр сохранён",
    filter_deleted: "Фильтр удалён",
    col_number: "№",
    col_created: "Создана",
    col_building: "Объект",
    col_location: "Где",
    col_description: "Суть",
    col_category: "Категория",
    col_priority: "Приоритет",
    col_status: "Статус",
    col_assignee: "Исполнитель",
    col_due: "Срок",
    unassigned: "не назначен",
    total: |n| format!("Найдено: {n}"),
    kanban_hint: "Перетащите карточку в другую колонку, чтобы сменить статус",
    move_failed: "Статус не изменён",
    board_updated: "Список обновлён",

    field_source: "Источник",
    field_building: "Объект",
    building_search_placeholder: "Начните вводить название или адрес",
    field_location: "Где именно",
    location_placeholder: "кв. 45, подъезд 2, 5 этаж",
    field_description: "Что случилось",
    description_placeholder: "Кратко и по делу: что, где, с какого времени",
    field_category: "Категория",
    field_place: "Место",
    field_problem: "Проблема",
    problem_search: "Быстрый выбор",
    problem_search_placeholder: "Начните вводить: течь, лифт, свет…",
    field_priority: "Приоритет",
    emergency_hint: "Авария — вода, электричество, газ, застрявший лифт с людьми: срок локализации 30 минут",
    field_contact_name: "Имя заявителя",
    field_contact_phone: "Телефон заявителя",
    create_ticket: "Создать заявку",
    ticket_created: |number| format!("Заявка № {number} создана"),
    ticket_created_notice: "Заявка создана",
    open_in_building: "Открытые заявки по объекту",
    not_chosen: "— не выбрано —",
    resident_new_hint: "Опишите, что случилось и где. Диспетчер увидит заявку сразу; статус и ответы появятся здесь.",

    ticket_heading: |number| format!("Заявка № {number}"),
    section_details: "Сведения",
    section_timeline: "Ход работы",
    section_actions: "Действия",
    section_contact: "Заявитель",
    section_sla: "Сроки",
    section_attachments: "Вложения",
    section_classification: "Классификация",
    label_created: "Создана",
    label_updated: "Изменена",
    label_team: "Бригада",
    label_response_due: "Реакция до",
    label_resolution_due: "Решение до",
    label_sla_used: "Рабочего времени прошло",
    label_sla_policy: "Норматив",
    label_responded: "Первая реакция",
    label_hold_reason: "Ожидание",
    label_end_reason: "Причина",
    label_rating: "Оценка жителя",
    label_flagged: "Требует внимания руководителя",
    no_sla: "Норматив не задан",
    comment_field: "Комментарий",
    comment_public: "Виден жителю",
    comment_internal: "Внутренний",
    add_comment: "Добавить комментарий",
    comment_added: "Комментарий добавлен",
    internal_badge: "внутренний",
    reason_field: "Причина",
    hold_reason_field: "Чего ждём",
    assignee_field: "Исполнитель",
    assign_submit: "Назначить",
    assign_me: "Взять себе",
    nobody: "— никто —",
    assigned_notice: "Исполнитель назначен",
    status_changed: "Статус изменён",
    reclassify: "Сохранить классификацию",
    classified_notice: "Классификация сохранена",
    watch: "Следить",
    unwatch: "Не следить",
    watchers: "Следят",
    upload: "Прикрепить файл",
    upload_hint: |mb| format!("До {mb} МБ: фото, видео, PDF, документы"),
    uploaded: "Файл прикреплён",
    no_attachments: "Вложений нет",
    other_tickets_phone: "Другие заявки с этого телефона",
    no_other_tickets: "Других заявок нет",
    conflict_reload: "Заявку только что изменил кто-то другой. Показано её актуальное состояние — повторите действие.",
    history_created: "создал(а) заявку",
    history_status: |from, to| format!("{from} → {to}"),
    history_assigned: |name| format!("назначен(а): {name}"),
    history_unassigned: "исполнитель снят",
    history_classified: "изменил(а) классификацию или приоритет",
    history_rating: |value| format!("оценка {value} из 5"),
    history_sla: |state| format!("SLA: {state}"),
    rate_title: "Оцените выполнение",
    rating_field: "Оценка",
    rating_comment_field: "Комментарий к оценке",
    rate_submit: "Оценить",
    rated_notice: "Спасибо за оценку!",

    settings_title: "Справочники заявок",
    tab_classifier: "Классификатор",
    tab_sla: "Нормативы SLA",
    tab_calendar: "Производственный календарь",
    tab_teams: "Бригады и назначение",
    code_field: "Код",
    parent_field: "Категория",
    sort_field: "Порядок",
    active_field: "Действует",
    add_item: "Добавить",
    item_created: "Пункт добавлен",
    any_building: "Любой объект",
    any_category: "Любая категория",
    any_priority: "Любой приоритет",
    policy_name_field: "Название",
    response_minutes_field: "Реакция, мин",
    resolution_minutes_field: "Решение, мин",
    warn_percent_field: "Предупреждать при, %",
    schedule_field: "Время",
    schedule_around_the_clock: "Круглосуточно",
    schedule_working_hours: "Рабочие часы по календарю",
    work_start_field: "С",
    work_end_field: "До",
    add_policy: "Добавить норматив",
    policy_created: "Норматив добавлен",
    policy_deleted: "Норматив удалён",
    sla_intro: "Для заявки действует самый точный норматив: объект, категория и приоритет важнее общих правил. Время считается в часовом поясе объекта.",
    templates_title: "Шаблоны по нормативным актам",
    basis_col: "Основание",
    adopt: "Применить",
    template_adopted: "Норматив из шаблона добавлен",
    adopted: "применён",
    calendar_intro: "Праздники, перенесённые рабочие дни и сокращённые дни. Субботы и воскресенья выходные по умолчанию. Календарь на 2025–2027 годы поставляется с программой.",
    day_col: "Дата",
    note_col: "Примечание",
    year_field: "Год",
    add_day: "Добавить день",
    import_calendar: "Загрузить календарь",
    calendar_file_field: "Файл календаря",
    calendar_format_hint: "Текстовый файл: в каждой строке «ГГГГ-ММ-ДД вид примечание», вид — holiday (выходной), workday (рабочий) или short (сокращённый); строки с # пропускаются.",
    calendar_imported: |n| format!("Добавлено дней: {n}"),
    calendar_line_error: |line, message| format!("Строка {line}: {message}"),
    day_removed: "День удалён из календаря",
    teams_intro: "Бригада получает заявки по очереди: каждая новая — тому, кто дольше всех ждёт.",
    team_name_field: "Название бригады",
    members_field: "Состав",
    add_team: "Создать бригаду",
    team_created: "Бригада создана",
    members_saved: "Состав сохранён",
    rules_title: "Правила назначения",
    rules_intro: "Новая заявка назначается по самому точному правилу: объект и категория важнее, чем только одно из них. Диспетчер всегда может переназначить.",
    rule_assignee_field: "Кому",
    rule_team: |name| format!("бригаде «{name}» по очереди"),
    rule_user: |name| format!("сотруднику {name}"),
    add_rule: "Добавить правило",
    rule_added: "Правило добавлено",
    rule_deleted: "Правило удалено",
};

fn workflow_error(error: &WorkflowError) -> String {
    match error {
        WorkflowError::NotAllowed { from, to } => {
            format!("Из статуса «{}» нельзя перейти в «{}»", status_label(*from), status_label(*to))
        }
        WorkflowError::ReasonRequired => "Укажите причину отклонения или отмены".to_owned(),
        WorkflowError::HoldReasonRequired => "Укажите, чего ждём: ответа жителя или запчастей".to_owned(),
        WorkflowError::AssigneeRequired => "Сначала назначьте исполнителя".to_owned(),
        WorkflowError::Unchanged(status) => format!("Заявка уже в статусе «{}»", status_label(*status)),
    }
}

fn status_label(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::New => "Новая",
        TicketStatus::Accepted => "Принята",
        TicketStatus::Assigned => "Назначена",
        TicketStatus::InProgress => "В работе",
        TicketStatus::OnHold => "Ожидание",
        TicketStatus::Done => "Выполнена",
        TicketStatus::Closed => "Закрыта",
        TicketStatus::Reopened => "Возобновлена",
        TicketStatus::Rejected => "Отклонена",
        TicketStatus::Cancelled => "Отменена",
    }
}

fn transition_label(to: TicketStatus) -> &'static str {
    match to {
        TicketStatus::New => "Вернуть в новые",
        TicketStatus::Accepted => "Принять",
        TicketStatus::Assigned => "Вернуть в очередь исполнителя",
        TicketStatus::InProgress => "В работу",
        TicketStatus::OnHold => "Отложить",
        TicketStatus::Done => "Выполнено",
        TicketStatus::Closed => "Закрыть",
        TicketStatus::Reopened => "Вернуть в работу",
        TicketStatus::Rejected => "Отклонить",
        TicketStatus::Cancelled => "Отменить заявку",
    }
}

fn priority_label(priority: Priority) -> &'static str {
    match priority {
        Priority::Normal => "Обычная",
        Priority::High => "Высокая",
        Priority::Emergency => "Авария",
    }
}

fn source_label(source: TicketSource) -> &'static str {
    match source {
        TicketSource::Phone => "Телефон",
        TicketSource::ResidentApp => "Приложение жителя",
        TicketSource::WebCabinet => "Личный кабинет",
        TicketSource::Email => "Электронная почта",
        TicketSource::WalkIn => "Личный визит",
        TicketSource::Staff => "Сотрудник",
    }
}

fn hold_reason_label(reason: HoldReason) -> &'static str {
    match reason {
        HoldReason::WaitingClient => "Ответа или доступа от жителя (срок не идёт)",
        HoldReason::WaitingParts => "Запчастей или подрядчика",
    }
}

fn sla_state_label(state: SlaState) -> &'static str {
    match state {
        SlaState::None => "Без норматива",
        SlaState::Met => "В срок",
        SlaState::Paused => "Срок остановлен",
        SlaState::Active => "Идёт",
        SlaState::Warning => "Срок подходит",
        SlaState::Breached => "Просрочена",
    }
}

fn classifier_kind_label(kind: ClassifierKind) -> &'static str {
    match kind {
        ClassifierKind::Place => "Места",
        ClassifierKind::Category => "Категории",
        ClassifierKind::Problem => "Проблемы",
    }
}

fn day_kind_label(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Holiday => "Выходной",
        DayKind::Workday => "Рабочий",
        DayKind::Short => "Сокращённый",
    }
}

fn rating_label(value: u8) -> &'static str {
    match value {
        1 => "1 — очень плохо",
        2 => "2 — плохо",
        3 => "3 — удовлетворительно",
        4 => "4 — хорошо",
        _ => "5 — отлично",
    }
}

fn duration(minutes: i64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0 мин");
        assert_eq!(duration(45), "45 мин");
        assert_eq!(duration(120), "2 ч");
        assert_eq!(duration(135), "2 ч 15 мин");
        assert_eq!(duration(1440 * 2 + 180 + 5), "2 дн 3 ч");
        assert_eq!(duration(-5), "0 мин");
    }
}
