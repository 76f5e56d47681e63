//! Русский каталог строк: основной язык продукта.

use domovoy_domain::FieldError;
use domovoy_domain::account::{AccountKind, Locale};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::building::BuildingKind;
use domovoy_domain::permission::{Permission, PermissionGroup};

use super::Catalog;

pub static RU: Catalog = Catalog {
    locale: Locale::Ru,
    html_lang: "ru",
    app_name: "Домовой",
    app_tagline: "CRM управляющей компании",
    skip_to_content: "Перейти к содержимому",
    switch_language: "English",
    switch_language_to: Locale::En,

    nav_home: "Главная",
    nav_buildings: "Объекты",
    nav_users: "Пользователи",
    nav_roles: "Роли",
    nav_assignments: "Назначения",
    nav_audit: "Журнал аудита",
    nav_account: "Профиль",
    nav_api: "API",
    sign_out: "Выйти",
    main_menu: "Главное меню",

    save: "Сохранить",
    cancel: "Отмена",
    create: "Создать",
    delete: "Удалить",
    edit: "Изменить",
    search: "Найти",
    apply_filter: "Показать",
    reset_filter: "Сбросить",
    next_page: "Следующая страница →",
    first_page: "← В начало",
    nothing_found: "Ничего не найдено",
    yes: "да",
    no: "нет",
    never: "никогда",
    optional: "необязательно",
    saved: "Изменения сохранены",
    confirm_action: "Подтвердите действие",
    export_csv: "Скачать CSV",
    export_xlsx: "Скачать XLSX",
    all: "Все",
    details: "Подробнее",

    login_title: "Вход в систему",
    login_field: "Логин или телефон",
    login_hint: "Сотрудники входят по логину, жители — по номеру телефона.",
    password_field: "Пароль",
    login_submit: "Войти",
    login_invalid: "Неверный логин или пароль.",
    login_disabled: "Учётная запись отключена. Обратитесь к администратору.",
    login_locked: |until| {
        format!(
            "Слишком много неудачных попыток. Вход заблокирован до {until}; администратор может снять блокировку раньше."
        )
    },
    login_rate_limited: |seconds| format!("Слишком много попыток входа с этого адреса. Повторите через {seconds} с."),
    form_expired: "Форма устарела. Обновите страницу и отправьте её ещё раз.",
    signed_out: "Вы вышли из системы.",

    home_greeting: |name| format!("Здравствуйте, {name}!"),
    home_roles: "Ваши роли",
    home_no_roles: "Вам пока не назначено ни одной роли. Обратитесь к администратору.",
    home_sections: "Разделы",
    home_buildings: "Объекты в вашей зоне ответственности",
    home_no_buildings: "Нет доступных объектов.",
    home_resident_intro: "Здесь будут ваши заявки, пропуска и опросы. Проверьте, что контакты в профиле указаны верно.",
    scope_all: "все объекты",
    scope_own: "свои помещения и заявки",
    scope_building: |name| format!("объект «{name}»"),

    account_title: "Профиль",
    profile_section: "Личные данные",
    display_name_field: "Имя",
    email_field: "E-mail",
    phone_field: "Телефон",
    locale_field: "Язык интерфейса",
    password_section: "Смена пароля",
    current_password_field: "Текущий пароль",
    new_password_field: "Новый пароль",
    repeat_password_field: "Повторите новый пароль",
    change_password: "Изменить пароль",
    passwords_differ: "Пароли не совпадают",
    wrong_current_password: "Неверный текущий пароль",
    password_changed: "Пароль изменён. Остальные сеансы завершены.",
    password_rule: |min| format!("Не короче {min} символов; удобно использовать фразу из нескольких слов."),
    tokens_section: "Сеансы и токены доступа",
    token_kind_col: "Тип",
    token_name_col: "Название",
    created_col: "Создан",
    last_used_col: "Последнее использование",
    expires_col: "Истекает",
    ip_col: "IP-адрес",
    revoke: "Отозвать",
    current_session: "текущий сеанс",
    new_api_token: "Новый API-токен",
    token_name_field: "Название (например, «Интеграция с АТС»)",
    create_token: "Создать токен",
    token_created: "Токен создан. Скопируйте его сейчас — больше он показан не будет:",
    token_kind_session: "Браузер",
    token_kind_api: "API",
    token_kind_device: "Устройство",

    users_title: "Пользователи",
    users_search_placeholder: "Имя, логин, телефон или e-mail",
    kind_filter_staff: "Сотрудники",
    kind_filter_residents: "Жители",
    show_disabled: "Показывать отключённых",
    login_col: "Логин",
    name_col: "Имя",
    kind_col: "Тип",
    last_sign_in_col: "Последний вход",
    state_col: "Состояние",
    state_active: "Активен",
    state_disabled: "Отключён",
    state_locked: |until| format!("Заблокирован до {until}"),
    new_user: "Новый пользователь",
    staff_login_field: "Логин сотрудника",
    staff_login_hint: "Латинские буквы, цифры, точка, дефис и подчёркивание; начинается с буквы.",
    resident_phone_field: "Телефон жителя (он же логин)",
    initial_password_field: "Начальный пароль",
    initial_password_hint: "Оставьте пустым — пароль будет сгенерирован.",
    user_created: |password| {
        format!("Пользователь создан. Начальный пароль: {password} — передайте его пользователю лично.")
    },
    user_title: "Пользователь",
    disable_user: "Отключить",
    enable_user: "Включить",
    unlock_user: "Снять блокировку",
    reset_password: "Сбросить пароль",
    password_reset_done: |password| {
        format!("Новый пароль: {password} — передайте его пользователю. Все его сеансы завершены.")
    },
    user_disabled_notice: "Учётная запись отключена, все её сеансы завершены.",
    user_enabled_notice: "Учётная запись включена.",
    user_unlocked_notice: "Блокировка снята.",
    user_roles_section: "Роли и зона ответственности",
    role_col: "Роль",
    scope_col: "Где действует",
    grant_role: "Назначить роль",
    revoke_role: "Снять",
    scope_field: "Где действует",
    role_granted: "Роль назначена.",
    role_revoked: "Роль снята.",
    last_admin_refused: "Нельзя: в системе не останется ни одного активного администратора с правом управлять пользователями и ролями.",
    self_disable_refused: "Нельзя отключить собственную учётную запись.",

    roles_title: "Роли и права",
    roles_intro: "Роль — набор прав из каталога. Отметьте права в столбце роли и сохраните. Роль назначается пользователю на отдельный объект или на все объекты сразу.",
    permission_col: "Право",
    save_matrix: "Сохранить права",
    new_role: "Новая роль",
    role_name_field: "Название",
    role_description_field: "Описание",
    role_kind_field: "Для кого",
    delete_role: "Удалить роль",
    role_template: |template| format!("на основе шаблона «{template}»"),
    role_in_use: "Роль назначена пользователям — сначала снимите её.",
    roles_saved: "Права ролей сохранены.",
    role_created: "Роль создана.",
    role_deleted: "Роль удалена.",

    assignments_title: "Назначения по объектам",
    assignments_intro: "Кто и в какой роли работает на объекте. Роли на все объекты показаны на каждом объекте.",
    building_field: "Объект",
    user_field: "Сотрудник (логин)",
    role_field: "Роль",
    assign: "Назначить",
    this_building: "этот объект",
    choose: "— выберите —",

    audit_title: "Журнал аудита",
    action_field: "Действие",
    actor_field: "Кто (логин)",
    from_field: "С",
    until_field: "По",
    time_col: "Время",
    actor_col: "Кто",
    action_col: "Действие",
    entity_col: "Что",
    summary_col: "Описание",
    before_label: "Было",
    after_label: "Стало",
    system_actor: "система",

    buildings_title: "Объекты",
    building_name_field: "Название",
    address_field: "Адрес",
    building_kind_field: "Тип объекта",
    time_zone_field: "Часовой пояс",
    new_building: "Новый объект",
    building_created: "Объект создан.",
    building_title: "Объект",
    building_people: "Кто работает на объекте",

    error_not_found_title: "Страница не найдена",
    error_not_found: "Такой страницы или записи нет. Возможно, её удалили или ссылка устарела.",
    error_forbidden_title: "Недостаточно прав",
    error_forbidden: "У вас нет прав на это действие. Если они нужны для работы, обратитесь к администратору.",
    error_internal_title: "Внутренняя ошибка",
    error_internal: "Что-то пошло не так. Мы записали ошибку; если она повторяется, сообщите администратору код запроса.",
    error_unavailable: "Сервис временно недоступен. Повторите попытку через минуту.",
    error_request_id: |id| format!("Код запроса: {id}"),
    back_home: "На главную",
    invalid_json: "Тело запроса — не корректный JSON нужного вида.",
    invalid_input: "Проверьте поля формы.",
    conflict: "Данные изменились одновременно с вашим запросом. Обновите страницу и повторите.",
    unauthenticated: "Требуется вход в систему.",
    csrf_failed: "Запрос отклонён: нет действительного CSRF-токена. Обновите страницу.",
    field_error,

    live_offline: "Нет связи с сервером — данные могут быть устаревшими",
    live_reconnecting: "Переподключение…",
    live_resync: "Данные обновлены",
    shortcuts_title: "Горячие клавиши",
    shortcuts_hint: "Нажмите ? чтобы увидеть горячие клавиши",
    shortcut_go_home: "Главная",
    shortcut_go_account: "Профиль",
    shortcut_go_users: "Пользователи",
    shortcut_go_roles: "Роли",
    shortcut_go_audit: "Журнал аудита",
    shortcut_go_buildings: "Объекты",
    shortcut_focus_search: "Поиск или фильтр на странице",
    shortcut_help: "Эта подсказка",
    shortcut_close: "Закрыть окно",

    presence_title: "Сейчас на странице",
    presence_editing: "редактирует",
    presence_nobody: "Больше никого",
    nav_integrations: "Интеграции",
    integrations_title: "Интеграции: вебхуки",
    integrations_intro: "Вебхук отправляет выбранные события в другую систему (1С, АТС, приложение для жителей) POST-запросом с JSON. Подпись X-Domovoy-Signature — HMAC-SHA256 тела по секрету; X-Domovoy-Delivery — идентификатор доставки для защиты от повторов.",
    webhook_name_field: "Название",
    webhook_url_field: "Адрес (URL)",
    webhook_events_field: "События",
    webhook_all_events: "все события",
    new_webhook: "Новый вебхук",
    webhook_created: "Вебхук создан. Секрет для проверки подписи — сохраните его сейчас, больше он показан не будет:",
    webhook_deleted: "Вебхук удалён.",
    deliveries_title: "Последние отправки",
    delivery_state_sent: "отправлено",
    delivery_state_waiting: "ожидает",
    delivery_state_failed: "не доставлено",
    attempts_col: "Попыток",
    error_col: "Ошибка",
    shortcut_go_integrations: "Интеграции",
    permission_label,
    entity_label,
    permission_group_label,
    audit_action_label,
    building_kind_label,
    account_kind_label,
    locale_label,
};

fn field_error(field: &str, error: &FieldError) -> String {
    match (field, error) {
        ("login", FieldError::InvalidFormat) => {
            "Латинские буквы, цифры, точка, дефис и подчёркивание; начинается с буквы".to_owned()
        }
        ("login", FieldError::Taken) => "Этот логин уже занят".to_owned(),
        ("phone" | "login_phone", FieldError::InvalidFormat) => {
            "Неверный номер телефона; например, +7 912 345-67-89".to_owned()
        }
        ("email", FieldError::InvalidFormat) => "Неверный адрес e-mail".to_owned(),
        ("time_zone", FieldError::Unknown) => "Неизвестный часовой пояс".to_owned(),
        ("name", FieldError::Taken) => "Такое название уже есть".to_owned(),
        ("password" | "new_password", FieldError::NotAllowed) => "Пароль не должен совпадать с логином".to_owned(),
        ("role", FieldError::Taken) => "Эта роль уже назначена здесь".to_owned(),
        ("role", FieldError::NotAllowed) => "Эта роль не подходит для такой учётной записи".to_owned(),
        ("scope", FieldError::NotAllowed) => "Такая область не подходит для этой учётной записи".to_owned(),
        ("building_id", FieldError::Unknown) => "Объект не найден".to_owned(),
        (_, FieldError::Required) => "Обязательное поле".to_owned(),
        (_, FieldError::TooShort { min }) => format!("Не короче {min} символов"),
        (_, FieldError::TooLong { max }) => format!("Не длиннее {max} символов"),
        (_, FieldError::InvalidFormat) => "Неверный формат".to_owned(),
        (_, FieldError::Unknown) => "Неизвестное значение".to_owned(),
        (_, FieldError::Taken) => "Уже занято".to_owned(),
        (_, FieldError::NotAllowed) => "Недопустимое значение".to_owned(),
    }
}

fn permission_label(permission: Permission) -> &'static str {
    match permission {
        Permission::TicketsRead => "Просмотр заявок",
        Permission::TicketsCreate => "Создание заявок",
        Permission::TicketsAssign => "Назначение исполнителей",
        Permission::TicketsTransition => "Смена статуса заявок",
        Permission::TicketsClose => "Закрытие, отклонение и отмена заявок",
        Permission::ClientsRead => "Просмотр карточек клиентов",
        Permission::ClientsEdit => "Редактирование клиентов",
        Permission::ClientsContactsRead => "Персональные данные: телефоны и e-mail",
        Permission::BuildingsRead => "Просмотр объектов",
        Permission::BuildingsManage => "Управление объектами и планировкой",
        Permission::ChessboardRead => "Шахматка объекта",
        Permission::PassesIssue => "Выпуск пропусков",
        Permission::PassesCheck => "Проверка пропусков",
        Permission::PassesMark => "Отметка прихода и ухода",
        Permission::CallsReceive => "Приём звонков",
        Permission::SurveysManage => "Опросы",
        Permission::MailingsSend => "Рассылки",
        Permission::ReportsRead => "Просмотр отчётов",
        Permission::ReportsExport => "Выгрузка отчётов и списков",
        Permission::AdminUsers => "Управление пользователями",
        Permission::AdminRoles => "Управление ролями",
        Permission::AdminIntegrations => "Интеграции: АТС, приложение, push",
        Permission::AuditRead => "Журнал аудита",
    }
}

fn permission_group_label(group: PermissionGroup) -> &'static str {
    match group {
        PermissionGroup::Tickets => "Заявки",
        PermissionGroup::Clients => "Клиенты",
        PermissionGroup::Buildings => "Объекты",
        PermissionGroup::Passes => "Пропуска",
        PermissionGroup::Calls => "Звонки",
        PermissionGroup::Communication => "Опросы и рассылки",
        PermissionGroup::Reports => "Отчёты",
        PermissionGroup::Administration => "Администрирование",
    }
}

fn audit_action_label(action: AuditAction) -> &'static str {
    match action {
        AuditAction::UserCreated => "Создан пользователь",
        AuditAction::UserUpdated => "Изменён пользователь",
        AuditAction::UserDisabled => "Пользователь отключён",
        AuditAction::UserEnabled => "Пользователь включён",
        AuditAction::UserUnlocked => "Снята блокировка входа",
        AuditAction::PasswordChanged => "Пароль изменён",
        AuditAction::PasswordReset => "Пароль сброшен администратором",
        AuditAction::RoleCreated => "Создана роль",
        AuditAction::RoleUpdated => "Изменена роль",
        AuditAction::RoleDeleted => "Удалена роль",
        AuditAction::RoleGranted => "Назначена роль",
        AuditAction::RoleRevoked => "Снята роль",
        AuditAction::BuildingCreated => "Создан объект",
        AuditAction::BuildingUpdated => "Изменён объект",
        AuditAction::WebhookCreated => "Создан вебхук",
        AuditAction::WebhookDeleted => "Удалён вебхук",
        AuditAction::TokenCreated => "Создан токен доступа",
        AuditAction::TokenRevoked => "Отозван токен доступа",
        AuditAction::SignedIn => "Вход в систему",
        AuditAction::SignInFailed => "Неудачная попытка входа",
        AuditAction::AccountLocked => "Вход заблокирован после неудачных попыток",
        AuditAction::SignedOut => "Выход из системы",
    }
}

fn building_kind_label(kind: BuildingKind) -> &'static str {
    match kind {
        BuildingKind::Residential => "Жилой комплекс",
        BuildingKind::BusinessCentre => "Бизнес-центр",
        BuildingKind::Mixed => "Многофункциональный комплекс",
    }
}

fn account_kind_label(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Staff => "Сотрудник",
        AccountKind::Resident => "Житель",
    }
}

fn locale_label(locale: Locale) -> &'static str {
    match locale {
        Locale::Ru => "Русский",
        Locale::En => "English",
    }
}

fn entity_label(kind: &str) -> &'static str {
    match kind {
        "user" => "Пользователь",
        "role" => "Роль",
        "assignment" => "Назначение роли",
        "building" => "Объект",
        "token" => "Токен доступа",
        "webhook" => "Вебхук",
        _ => "",
    }
}
