//! The general interface strings (navigation, accounts, users and roles,
//! audit, buildings, errors): each declared once, Russian beside English.

use domovoy_actors::session::SessionError;
use domovoy_domain::FieldError;
use domovoy_domain::account::{AccountKind, Locale};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::building::BuildingKind;
use domovoy_domain::device::PushKind;
use domovoy_domain::permission::{Permission, PermissionGroup};

use super::calls::{CallCatalog, EN_CALLS, RU_CALLS};
use super::mailings::{EN_MAILINGS, MailingCatalog, RU_MAILINGS};
use super::outages::{EN_OUTAGES, OutageCatalog, RU_OUTAGES};
use super::passes::{EN_PASSES, PassCatalog, RU_PASSES};
use super::places::{EN_PLACES, PlaceCatalog, RU_PLACES};
use super::reports::{EN_REPORTS, RU_REPORTS, ReportCatalog};
use super::surveys::{EN_SURVEYS, RU_SURVEYS, SurveyCatalog};
use super::tickets::{EN_TICKETS, RU_TICKETS, TicketCatalog};

catalog! {
    /// All interface strings of one language.
    pub struct Catalog { ru: RU, en: EN }

    locale: Locale = (Locale::Ru, Locale::En),
    /// Ticket pages, labels and errors.
    tk: &'static TicketCatalog = (&RU_TICKETS, &EN_TICKETS),
    /// Layouts, the chessboard, clients and search.
    pl: &'static PlaceCatalog = (&RU_PLACES, &EN_PLACES),
    /// Passes, visits, the guard desk.
    ps: &'static PassCatalog = (&RU_PASSES, &EN_PASSES),
    cl: &'static CallCatalog = (&RU_CALLS, &EN_CALLS),
    /// Reports.
    rp: &'static ReportCatalog = (&RU_REPORTS, &EN_REPORTS),
    /// Mailings, unsubscribing, residents' notices.
    ml: &'static MailingCatalog = (&RU_MAILINGS, &EN_MAILINGS),
    ou: &'static OutageCatalog = (&RU_OUTAGES, &EN_OUTAGES),
    /// Surveys: the builder, the answer form, the results.
    sv: &'static SurveyCatalog = (&RU_SURVEYS, &EN_SURVEYS),
    /// `<html lang>` value.
    html_lang: &'static str = ("ru", "en"),
    app_name: &'static str = ("Домовой", "Domovoy"),
    app_tagline: &'static str = ("CRM управляющей компании", "Property-management CRM"),
    skip_to_content: &'static str = ("Перейти к содержимому", "Skip to content"),
    switch_language: &'static str = ("English", "Русский"),
    switch_language_to: Locale = (Locale::En, Locale::Ru),

    // Navigation
    nav_home: &'static str = ("Главная", "Home"),
    nav_buildings: &'static str = ("Объекты", "Buildings"),
    nav_users: &'static str = ("Пользователи", "Users"),
    nav_roles: &'static str = ("Роли", "Roles"),
    nav_assignments: &'static str = ("Назначения", "Assignments"),
    nav_audit: &'static str = ("Журнал аудита", "Audit log"),
    nav_account: &'static str = ("Профиль", "Profile"),
    nav_api: &'static str = ("API", "API"),
    sign_out: &'static str = ("Выйти", "Sign out"),
    main_menu: &'static str = ("Главное меню", "Main menu"),

    // Common words
    save: &'static str = ("Сохранить", "Save"),
    cancel: &'static str = ("Отмена", "Cancel"),
    create: &'static str = ("Создать", "Create"),
    delete: &'static str = ("Удалить", "Delete"),
    edit: &'static str = ("Изменить", "Edit"),
    search: &'static str = ("Найти", "Search"),
    apply_filter: &'static str = ("Показать", "Show"),
    reset_filter: &'static str = ("Сбросить", "Reset"),
    next_page: &'static str = ("Следующая страница →", "Next page →"),
    first_page: &'static str = ("← В начало", "← First page"),
    nothing_found: &'static str = ("Ничего не найдено", "Nothing found"),
    yes: &'static str = ("да", "yes"),
    no: &'static str = ("нет", "no"),
    never: &'static str = ("никогда", "never"),
    optional: &'static str = ("необязательно", "optional"),
    saved: &'static str = ("Изменения сохранены", "Changes saved"),
    confirm_action: &'static str = ("Подтвердите действие", "Please confirm"),
    export_csv: &'static str = ("Скачать CSV", "Download CSV"),
    export_xlsx: &'static str = ("Скачать XLSX", "Download XLSX"),
    all: &'static str = ("Все", "All"),
    details: &'static str = ("Подробнее", "Details"),

    // Sign-in
    login_title: &'static str = ("Вход в систему", "Sign in"),
    login_field: &'static str = ("Логин или телефон", "Login or phone"),
    login_hint: &'static str = (
        "Сотрудники входят по логину, жители — по номеру телефона.",
        "Staff sign in with their login, residents with their phone number.",
    ),
    password_field: &'static str = ("Пароль", "Password"),
    login_submit: &'static str = ("Войти", "Sign in"),
    login_invalid: &'static str = ("Неверный логин или пароль.", "Wrong login or password."),
    code_login_link: &'static str = ("Войти по коду из SMS", "Sign in with a code by SMS"),
    code_login_title: &'static str = ("Вход по коду из SMS", "Sign in with a code by SMS"),
    code_login_intro: &'static str = (
        "Для жителей: пришлём на ваш номер SMS с кодом из шести цифр. Номер должен быть тем, что указан в управляющей компании.",
        "For residents: we text a six-digit code to your number. Use the number the management company has for you.",
    ),
    code_phone_field: &'static str = ("Номер телефона", "Phone number"),
    code_send: &'static str = ("Получить код", "Get a code"),
    code_invalid_phone: &'static str = ("Это не номер телефона: введите его так, как в квитанции или в договоре, например +7 916 123-45-67.", "This is not a phone number: type it as on your bill, e.g. +7 916 123-45-67."),
    code_field: &'static str = ("Код из SMS", "Code from the text"),
    /// «Код отправлен на +7 916 123-45-67…».
    code_sent: fn(&str) -> String = (
        |phone| format!("Если номер {phone} зарегистрирован, на него отправлен код. Он действует 5 минут."),
        |phone| format!("If {phone} is registered, a code was sent to it. It is valid for 5 minutes."),
    ),
    code_resend: &'static str = ("Отправить код ещё раз", "Send the code again"),
    code_resend_hint: &'static str = ("Новый код — не чаще раза в минуту и не больше пяти в час.", "A new code at most once a minute and five an hour."),
    code_other_number: &'static str = ("Другой номер", "Another number"),
    code_wrong: &'static str = ("Код неверен или устарел. После пяти неверных кодов вход по номеру закрывается на 15 минут.", "The code is wrong or expired. After five wrong codes the number is locked for 15 minutes."),
    code_password_link: &'static str = ("Войти по паролю", "Sign in with a password"),
    /// The text of a sign-in code.
    code_text: fn(&str) -> String = (
        |code| format!("Домовой: код для входа {code}. Никому его не сообщайте."),
        |code| format!("Domovoy: your sign-in code is {code}. Do not share it."),
    ),
    login_disabled: &'static str = (
        "Учётная запись отключена. Обратитесь к администратору.",
        "This account is disabled. Please contact the administrator.",
    ),
    /// Too many attempts from this address; the argument is seconds to wait.
    /// Too many sign-in attempts; the argument is the wait («5 с», «3 мин»).
    login_rate_limited: fn(&str) -> String = (
        |wait| format!("Слишком много попыток входа. Повторите через {wait}."),
        |wait| format!("Too many sign-in attempts. Try again in {wait}."),
    ),
    /// Too many searches over personal data; the argument is the wait.
    search_rate_limited: fn(&str) -> String = (
        |wait| format!("Слишком много поисковых запросов. Повторите через {wait}."),
        |wait| format!("Too many searches. Try again in {wait}."),
    ),
    /// A resident's daily limit of requests; the argument is the wait.
    requests_rate_limited: fn(&str) -> String = (
        |wait| format!("Слишком много заявок за сутки. Новую можно подать через {wait} или по телефону диспетчерской."),
        |wait| format!("Too many requests today. You can file a new one in {wait}, or call the dispatch office."),
    ),
    /// A wait in seconds (under two minutes).
    wait_seconds: fn(u64) -> String = (|n| format!("{n} с"), |n| format!("{n} s")),
    /// A wait in minutes.
    wait_minutes: fn(u64) -> String = (|n| format!("{n} мин"), |n| format!("{n} min")),
    form_expired: &'static str = (
        "Форма устарела. Обновите страницу и отправьте её ещё раз.",
        "The form has expired. Reload the page and submit it again.",
    ),
    signed_out: &'static str = ("Вы вышли из системы.", "You have signed out."),

    // Home
    /// Greeting with the user's name.
    home_greeting: fn(&str) -> String = (
        |name| format!("Здравствуйте, {name}!"),
        |name| format!("Hello, {name}!"),
    ),
    home_roles: &'static str = ("Ваши роли", "Your roles"),
    home_no_roles: &'static str = (
        "Вам пока не назначено ни одной роли. Обратитесь к администратору.",
        "You have no roles yet. Please contact the administrator.",
    ),
    home_sections: &'static str = ("Разделы", "Sections"),
    home_buildings: &'static str = ("Объекты в вашей зоне ответственности", "Buildings in your area"),
    home_no_buildings: &'static str = ("Нет доступных объектов.", "No buildings available."),
    home_resident_intro: &'static str = (
        "Проверьте, что телефон и e-mail в профиле указаны верно: по ним с вами свяжутся.",
        "Please check that the phone and e-mail in your profile are correct: that is how you will be contacted.",
    ),
    home_notifications: &'static str = ("Уведомления", "Notifications"),
    home_no_notifications: &'static str = (
        "Здесь появится, когда ваша заявка сменит статус и когда придёт ваш гость.",
        "You will see here when your request changes its status and when your guest arrives.",
    ),
    /// What a notification says, by its kind (the PWA's `kinds.js` says
    /// the same on phones).
    push_kind_title: fn(PushKind) -> &'static str = (
        |kind| match kind {
            PushKind::TicketAssigned => "Новая заявка для вас",
            PushKind::TicketUnassigned => "Заявку передали другому",
            PushKind::TicketCancelled => "Заявка отменена",
            PushKind::TicketReopened => "Заявку вернули в работу",
            PushKind::SlaWarning => "Скоро срок по заявке",
            PushKind::TicketStatusChanged => "Ваша заявка: новый статус",
            PushKind::VisitorArrived => "Ваш гость пришёл",
            PushKind::RatingRequested => "Заявка выполнена — оцените работу",
            PushKind::SurveyPublished => "Новый опрос: ответьте, пожалуйста",
            PushKind::SurveyReminder => "Напоминание: опрос ждёт вашего ответа",
            PushKind::OutageNotice => "Отключение в вашем доме",
            PushKind::Mailing => "Сообщение управляющей компании",
        },
        |kind| match kind {
            PushKind::TicketAssigned => "A new ticket for you",
            PushKind::TicketUnassigned => "A ticket went to someone else",
            PushKind::TicketCancelled => "A ticket was cancelled",
            PushKind::TicketReopened => "A ticket is back in work",
            PushKind::SlaWarning => "A ticket's deadline is near",
            PushKind::TicketStatusChanged => "Your request has a new status",
            PushKind::VisitorArrived => "Your guest has arrived",
            PushKind::RatingRequested => "Your request is done: rate the work",
            PushKind::SurveyPublished => "A new survey: please answer",
            PushKind::SurveyReminder => "Reminder: a survey awaits your answer",
            PushKind::OutageNotice => "An outage where you live",
            PushKind::Mailing => "A message from the management company",
        },
    ),
    scope_all: &'static str = ("все объекты", "all buildings"),
    scope_own: &'static str = ("свои помещения и заявки", "own units and requests"),
    /// "In building «X»".
    scope_building: fn(&str) -> String = (|name| format!("объект «{name}»"), |name| format!("building “{name}”")),

    // Account
    account_title: &'static str = ("Профиль", "Profile"),
    profile_section: &'static str = ("Личные данные", "Personal details"),
    display_name_field: &'static str = ("Имя", "Name"),
    email_field: &'static str = ("E-mail", "E-mail"),
    phone_field: &'static str = ("Телефон", "Phone"),
    locale_field: &'static str = ("Язык интерфейса", "Interface language"),
    password_section: &'static str = ("Смена пароля", "Change password"),
    current_password_field: &'static str = ("Текущий пароль", "Current password"),
    new_password_field: &'static str = ("Новый пароль", "New password"),
    repeat_password_field: &'static str = ("Повторите новый пароль", "Repeat the new password"),
    change_password: &'static str = ("Изменить пароль", "Change password"),
    passwords_differ: &'static str = ("Пароли не совпадают", "The passwords differ"),
    wrong_current_password: &'static str = ("Неверный текущий пароль", "Wrong current password"),
    password_changed: &'static str = (
        "Пароль изменён. Остальные сеансы завершены.",
        "Password changed. Your other sessions were signed out.",
    ),
    /// Rule shown under a new-password field; the argument is the minimum length.
    password_rule: fn(usize) -> String = (
        |min| format!("Не короче {min} символов; удобно использовать фразу из нескольких слов."),
        |min| format!("At least {min} characters; a phrase of several words works well."),
    ),
    tokens_section: &'static str = ("Сеансы и токены доступа", "Sessions and access tokens"),
    token_kind_col: &'static str = ("Тип", "Kind"),
    token_name_col: &'static str = ("Название", "Name"),
    created_col: &'static str = ("Создан", "Created"),
    last_used_col: &'static str = ("Последнее использование", "Last used"),
    expires_col: &'static str = ("Истекает", "Expires"),
    ip_col: &'static str = ("IP-адрес", "IP address"),
    revoke: &'static str = ("Отозвать", "Revoke"),
    current_session: &'static str = ("текущий сеанс", "this session"),
    new_api_token: &'static str = ("Новый API-токен", "New API token"),
    token_name_field: &'static str = (
        "Название (например, «Интеграция с АТС»)",
        "Name (for example, “PBX integration”)",
    ),
    create_token: &'static str = ("Создать токен", "Create token"),
    token_created: &'static str = (
        "Токен создан. Скопируйте его сейчас — больше он показан не будет:",
        "Token created. Copy it now — it will not be shown again:",
    ),
    token_kind_session: &'static str = ("Браузер", "Browser"),
    token_kind_api: &'static str = ("API", "API"),
    token_kind_device: &'static str = ("Устройство", "Device"),

    // Users
    users_title: &'static str = ("Пользователи", "Users"),
    users_search_placeholder: &'static str = ("Имя, логин, телефон или e-mail", "Name, login, phone or e-mail"),
    kind_filter_staff: &'static str = ("Сотрудники", "Staff"),
    kind_filter_residents: &'static str = ("Жители", "Residents"),
    show_disabled: &'static str = ("Показывать отключённых", "Show disabled"),
    login_col: &'static str = ("Логин", "Login"),
    name_col: &'static str = ("Имя", "Name"),
    kind_col: &'static str = ("Тип", "Kind"),
    last_sign_in_col: &'static str = ("Последний вход", "Last sign-in"),
    state_col: &'static str = ("Состояние", "State"),
    state_active: &'static str = ("Активен", "Active"),
    state_disabled: &'static str = ("Отключён", "Disabled"),
    /// Active, with this many wrong passwords in a row since the last sign-in.
    state_failed_sign_ins: fn(u32) -> String = (
        |count| format!("Активен; неудачных попыток входа подряд: {count}"),
        |count| format!("Active; wrong passwords in a row: {count}"),
    ),
    new_user: &'static str = ("Новый пользователь", "New user"),
    staff_login_field: &'static str = ("Логин сотрудника", "Staff login"),
    staff_login_hint: &'static str = (
        "Латинские буквы, цифры, точка, дефис и подчёркивание; начинается с буквы.",
        "Latin letters, digits, dot, hyphen and underscore; starts with a letter.",
    ),
    resident_phone_field: &'static str = ("Телефон жителя (он же логин)", "Resident's phone (also the login)"),
    initial_password_field: &'static str = ("Начальный пароль", "Initial password"),
    initial_password_hint: &'static str = (
        "Оставьте пустым — пароль будет сгенерирован.",
        "Leave empty to generate one.",
    ),
    /// The account was created; the argument is its initial password.
    user_created: fn(&str) -> String = (
        |password| {
            format!("Пользователь создан. Начальный пароль: {password} — передайте его пользователю лично.")
        },
        |password| format!("User created. Initial password: {password} — hand it to the user in person."),
    ),
    user_title: &'static str = ("Пользователь", "User"),
    disable_user: &'static str = ("Отключить", "Disable"),
    enable_user: &'static str = ("Включить", "Enable"),
    unlock_user: &'static str = ("Снять задержки входа", "Lift the sign-in waits"),
    reset_password: &'static str = ("Сбросить пароль", "Reset password"),
    /// A new password was set; the argument is the password.
    password_reset_done: fn(&str) -> String = (
        |password| {
            format!("Новый пароль: {password} — передайте его пользователю. Все его сеансы завершены.")
        },
        |password| {
            format!("New password: {password} — hand it to the user. All their sessions were ended.")
        },
    ),
    user_disabled_notice: &'static str = (
        "Учётная запись отключена, все её сеансы завершены.",
        "The account is disabled and all its sessions ended.",
    ),
    user_enabled_notice: &'static str = ("Учётная запись включена.", "The account is enabled."),
    user_unlocked_notice: &'static str = ("Задержки входа сняты.", "The sign-in waits were lifted."),
    user_roles_section: &'static str = ("Роли и зона ответственности", "Roles and area"),
    role_col: &'static str = ("Роль", "Role"),
    scope_col: &'static str = ("Где действует", "Applies to"),
    grant_role: &'static str = ("Назначить роль", "Grant role"),
    revoke_role: &'static str = ("Снять", "Revoke"),
    scope_field: &'static str = ("Где действует", "Applies to"),
    role_granted: &'static str = ("Роль назначена.", "Role granted."),
    role_revoked: &'static str = ("Роль снята.", "Role revoked."),
    last_admin_refused: &'static str = (
        "Нельзя: в системе не останется ни одного активного администратора с правом управлять пользователями и ролями.",
        "Refused: no active administrator able to manage users and roles would remain.",
    ),
    self_disable_refused: &'static str = (
        "Нельзя отключить собственную учётную запись.",
        "You cannot disable your own account.",
    ),

    // Roles
    roles_title: &'static str = ("Роли и права", "Roles and permissions"),
    roles_intro: &'static str = (
        "Роль — набор прав из каталога. Отметьте права в столбце роли и сохраните. Роль назначается пользователю на отдельный объект или на все объекты сразу.",
        "A role is a set of permissions from the catalog. Tick permissions in a role's column and save. A role is granted to a user for one building or for all buildings.",
    ),
    permission_col: &'static str = ("Право", "Permission"),
    save_matrix: &'static str = ("Сохранить права", "Save permissions"),
    new_role: &'static str = ("Новая роль", "New role"),
    role_name_field: &'static str = ("Название", "Name"),
    role_description_field: &'static str = ("Описание", "Description"),
    role_kind_field: &'static str = ("Для кого", "For"),
    delete_role: &'static str = ("Удалить роль", "Delete role"),
    /// "Template: X".
    role_template: fn(&str) -> String = (
        |template| format!("на основе шаблона «{template}»"),
        |template| format!("based on the “{template}” template"),
    ),
    role_in_use: &'static str = (
        "Роль назначена пользователям — сначала снимите её.",
        "The role is granted to users — revoke it first.",
    ),
    roles_saved: &'static str = ("Права ролей сохранены.", "Role permissions saved."),
    role_created: &'static str = ("Роль создана.", "Role created."),
    role_deleted: &'static str = ("Роль удалена.", "Role deleted."),

    // Assignments
    assignments_title: &'static str = ("Назначения по объектам", "Assignments by building"),
    assignments_intro: &'static str = (
        "Кто и в какой роли работает на объекте. Роли на все объекты показаны на каждом объекте.",
        "Who works in which role at a building. All-buildings roles are shown at every building.",
    ),
    building_field: &'static str = ("Объект", "Building"),
    user_field: &'static str = ("Сотрудник (логин)", "Staff member (login)"),
    role_field: &'static str = ("Роль", "Role"),
    assign: &'static str = ("Назначить", "Assign"),
    this_building: &'static str = ("этот объект", "this building"),
    choose: &'static str = ("— выберите —", "— choose —"),

    // Audit
    audit_title: &'static str = ("Журнал аудита", "Audit log"),
    action_field: &'static str = ("Действие", "Action"),
    actor_field: &'static str = ("Кто (логин)", "Who (login)"),
    from_field: &'static str = ("С", "From"),
    until_field: &'static str = ("По", "Until"),
    time_col: &'static str = ("Время", "Time"),
    actor_col: &'static str = ("Кто", "Who"),
    action_col: &'static str = ("Действие", "Action"),
    entity_col: &'static str = ("Что", "What"),
    summary_col: &'static str = ("Описание", "Description"),
    before_label: &'static str = ("Было", "Before"),
    after_label: &'static str = ("Стало", "After"),
    system_actor: &'static str = ("система", "system"),

    // Buildings
    buildings_title: &'static str = ("Объекты", "Buildings"),
    building_name_field: &'static str = ("Название", "Name"),
    address_field: &'static str = ("Адрес", "Address"),
    building_kind_field: &'static str = ("Тип объекта", "Kind"),
    time_zone_field: &'static str = ("Часовой пояс", "Time zone"),
    new_building: &'static str = ("Новый объект", "New building"),
    building_created: &'static str = ("Объект создан.", "Building created."),
    building_title: &'static str = ("Объект", "Building"),
    building_people: &'static str = ("Кто работает на объекте", "Who works here"),

    // Errors
    error_not_found_title: &'static str = ("Страница не найдена", "Page not found"),
    error_not_found: &'static str = (
        "Такой страницы или записи нет. Возможно, её удалили или ссылка устарела.",
        "There is no such page or record. It may have been deleted, or the link is out of date.",
    ),
    error_forbidden_title: &'static str = ("Недостаточно прав", "Not allowed"),
    error_forbidden: &'static str = (
        "У вас нет прав на это действие. Если они нужны для работы, обратитесь к администратору.",
        "You are not allowed to do this. If you need it for your work, please contact the administrator.",
    ),
    error_internal_title: &'static str = ("Внутренняя ошибка", "Internal error"),
    error_internal: &'static str = (
        "Что-то пошло не так. Мы записали ошибку; если она повторяется, сообщите администратору код запроса.",
        "Something went wrong. The error was logged; if it repeats, give the administrator the request id.",
    ),
    error_unavailable: &'static str = (
        "Сервис временно недоступен. Повторите попытку через минуту.",
        "The service is temporarily unavailable. Please try again in a minute.",
    ),
    /// "Request id: X" under a server error.
    error_request_id: fn(&str) -> String = (|id| format!("Код запроса: {id}"), |id| format!("Request id: {id}")),
    back_home: &'static str = ("На главную", "Home"),
    invalid_json: &'static str = (
        "Тело запроса — не корректный JSON нужного вида.",
        "The request body is not valid JSON of the expected shape.",
    ),
    invalid_input: &'static str = ("Проверьте поля формы.", "Please check the form fields."),
    conflict: &'static str = (
        "Данные изменились одновременно с вашим запросом. Обновите страницу и повторите.",
        "The data changed at the same time as your request. Reload and try again.",
    ),
    no_push_address: &'static str = (
        "На этом телефоне уведомления не включены: включите их в приложении",
        "Notifications are not switched on for this device: switch them on in the app",
    ),
    /// A device's offline changes arrived with some missing before them.
    sync_gap: fn(i64) -> String = (
        |n| format!("Часть изменений с телефона не дошла: отправьте их заново, начиная с №{n}."),
        |n| format!("Some changes from the phone did not arrive: send them again from No. {n}."),
    ),
    /// A piece of a resumable upload that does not follow the received bytes.
    upload_offset: fn(u64) -> String = (
        |n| format!("Часть фото пришла не по порядку: продолжите отправку с байта {n}."),
        |n| format!("A piece of the photo came out of order: resume sending from byte {n}."),
    ),
    unauthenticated: &'static str = ("Требуется вход в систему.", "Please sign in."),
    csrf_failed: &'static str = (
        "Запрос отклонён: нет действительного CSRF-токена. Обновите страницу.",
        "Request refused: no valid CSRF token. Reload the page.",
    ),
    /// Messages for fields, by field name and error.
    field_error: fn(&str, &FieldError) -> String = (main_ru::field_error, main_en::field_error),

    // Live updates and keyboard
    live_offline: &'static str = (
        "Нет связи с сервером — данные могут быть устаревшими",
        "No connection to the server — data may be out of date",
    ),
    live_reconnecting: &'static str = ("Переподключение…", "Reconnecting…"),
    /// A form or file that did not leave the browser.
    not_sent: &'static str = (
        "Нет связи с сервером: ничего не отправлено. Введённое сохранено — повторите, когда связь появится.",
        "No connection to the server: nothing was sent. What you typed is kept — try again when the connection is back.",
    ),
    retry: &'static str = ("Повторить", "Try again"),
    /// A draft brought back into a form.
    draft_restored: &'static str = ("Восстановлен неотправленный текст.", "Unsent text restored."),
    live_resync: &'static str = ("Данные обновлены", "Data refreshed"),
    shortcuts_title: &'static str = ("Горячие клавиши", "Keyboard shortcuts"),
    shortcuts_hint: &'static str = (
        "Нажмите ? чтобы увидеть горячие клавиши",
        "Press ? to see keyboard shortcuts",
    ),
    shortcut_go_home: &'static str = ("Главная", "Home"),
    shortcut_go_account: &'static str = ("Профиль", "Profile"),
    shortcut_go_users: &'static str = ("Пользователи", "Users"),
    shortcut_go_roles: &'static str = ("Роли", "Roles"),
    shortcut_go_audit: &'static str = ("Журнал аудита", "Audit log"),
    shortcut_go_buildings: &'static str = ("Объекты", "Buildings"),
    shortcut_focus_search: &'static str = ("Поиск или фильтр на странице", "Search or filter on the page"),
    shortcut_focus_filter: &'static str = (
        "Фильтр на странице (на доске — поиск по заявкам)",
        "The page's filter (on the board: search in tickets)",
    ),
    shortcut_help: &'static str = ("Эта подсказка", "This help"),
    shortcut_close: &'static str = ("Закрыть окно", "Close the dialog"),

    // Live pages, integrations
    presence_title: &'static str = ("Сейчас на странице", "On this page now"),
    presence_editing: &'static str = ("редактирует", "editing"),
    presence_nobody: &'static str = ("Больше никого", "Nobody else"),
    nav_integrations: &'static str = ("Интеграции", "Integrations"),
    integrations_title: &'static str = ("Интеграции: вебхуки", "Integrations: webhooks"),
    integrations_intro: &'static str = (
        "Вебхук отправляет выбранные события в другую систему (1С, АТС, приложение для жителей) POST-запросом с JSON. Подпись X-Domovoy-Signature — HMAC-SHA256 тела по секрету; X-Domovoy-Delivery — идентификатор доставки для защиты от повторов.",
        "A webhook sends chosen events to another system (accounting, PBX, the resident app) as a JSON POST. X-Domovoy-Signature is the HMAC-SHA256 of the body under the secret; X-Domovoy-Delivery identifies the delivery, to ignore repeats.",
    ),
    webhook_name_field: &'static str = ("Название", "Name"),
    webhook_url_field: &'static str = ("Адрес (URL)", "URL"),
    webhook_events_field: &'static str = ("События", "Events"),
    webhook_all_events: &'static str = ("все события", "all events"),
    new_webhook: &'static str = ("Новый вебхук", "New webhook"),
    webhook_created: &'static str = (
        "Вебхук создан. Секрет для проверки подписи — сохраните его сейчас, больше он показан не будет:",
        "Webhook created. The signing secret — save it now, it will not be shown again:",
    ),
    webhook_deleted: &'static str = ("Вебхук удалён.", "Webhook deleted."),
    deliveries_title: &'static str = ("Последние отправки", "Recent deliveries"),
    channel_col: &'static str = ("Канал", "Channel"),
    /// The key receivers dedupe on (a webhook's `X-Domovoy-Delivery`).
    delivery_key_col: &'static str = ("Ключ доставки", "Delivery key"),
    /// An outbox channel in words.
    delivery_channel: fn(&str) -> &'static str = (
        |c| match c { "webhook" => "Вебхук", "push" => "Push", "email" => "E-mail", _ => "—" },
        |c| match c { "webhook" => "Webhook", "push" => "Push", "email" => "E-mail", _ => "—" },
    ),
    delivery_state_sent: &'static str = ("отправлено", "sent"),
    delivery_state_waiting: &'static str = ("ожидает", "waiting"),
    delivery_state_failed: &'static str = ("не доставлено", "failed"),
    attempts_col: &'static str = ("Попыток", "Attempts"),
    error_col: &'static str = ("Ошибка", "Error"),
    shortcut_go_integrations: &'static str = ("Интеграции", "Integrations"),
    push_title: &'static str = ("Уведомления на телефоны", "Notifications to phones"),
    push_intro: &'static str = (
        "Приложение техника (/m/) получает уведомления о назначенных, снятых и отменённых заявках и о близком сроке. Телефон появляется здесь, когда человек входит в приложение; уведомления включаются в самом приложении.",
        "The technician's app (/m/) is told of tickets assigned, taken away or cancelled and of deadlines near. A phone appears here when its person signs in to the app; notifications are switched on in the app itself.",
    ),
    push_provider_col: &'static str = ("Служба", "Service"),
    push_state_col: &'static str = ("Состояние", "State"),
    push_provider_label: fn(&str) -> &'static str = (
        |code| match code {
            "webpush" => "Web Push (браузер, приложение /m/)",
            "apns" => "APNs (iPhone, нативное приложение)",
            "fcm" => "FCM (Android, нативное приложение)",
            _ => "только синхронизация",
        },
        |code| match code {
            "webpush" => "Web Push (browser, the /m/ app)",
            "apns" => "APNs (iPhone, native app)",
            "fcm" => "FCM (Android, native app)",
            _ => "sync only",
        },
    ),
    push_configured: &'static str = ("настроена", "configured"),
    push_not_configured: &'static str = ("не настроена", "not configured"),
    push_last_success: &'static str = ("Последняя доставка", "Last delivered"),
    push_last_error: &'static str = ("Последняя ошибка", "Last error"),
    push_waiting: &'static str = ("Ждут отправки", "Waiting"),
    push_never: &'static str = ("ещё не было", "none yet"),
    mail_title: &'static str = ("Почта (SMTP)", "E-mail (SMTP)"),
    mail_intro: &'static str = (
        "Письма уходят через очередь отправки с повторами. Сервер и отправитель задаются в разделе [mail] настроек (см. README, «Configuration»); пароль здесь не показывается.",
        "Letters leave through the outbox with retries. The server and the sender are set in the [mail] settings (README, «Configuration»); the password is never shown here.",
    ),
    mail_server: &'static str = ("Сервер", "Server"),
    mail_from: &'static str = ("Отправитель", "Sender"),
    /// «Отправить пробное письмо на admin@uk.example».
    mail_test: fn(&str) -> String = (|to| format!("Отправить пробное письмо на {to}"), |to| format!("Send a test letter to {to}")),
    mail_test_subject: &'static str = ("Домовой: пробное письмо", "Domovoy: a test letter"),
    mail_test_text: &'static str = (
        "Это пробное письмо из раздела «Интеграции». Раз оно пришло, отчёты по почте тоже дойдут.\n",
        "This is a test letter from «Integrations». As it arrived, scheduled reports will arrive too.\n",
    ),
    mail_test_sent: &'static str = ("Пробное письмо поставлено в очередь: через минуту проверьте почту и строку «Последняя доставка».", "The test letter is queued: check your mailbox and «Last delivered» in a minute."),
    sms_title: &'static str = ("SMS", "Text messages (SMS)"),
    sms_intro: &'static str = (
        "SMS уходят через очередь отправки с повторами: через SMS.ru или любой HTTP-шлюз. Шлюз и его ключ задаются в разделе [sms] настроек (см. README, «SMS»); ключ здесь не показывается.",
        "Texts leave through the outbox with retries, through SMS.ru or any HTTP gateway. The gateway and its key are set in the [sms] settings (README, «SMS»); the key is never shown here.",
    ),
    sms_gateway: &'static str = ("Шлюз", "Gateway"),
    sms_reports: &'static str = ("Отчёты о доставке", "Delivery reports"),
    sms_reports_hint: &'static str = ("Укажите этот адрес в личном кабинете SMS.ru: «API → Callback». Тогда рассылки покажут «Доставлено» или причину недоставки. Адрес содержит секрет — не публикуйте его.", "Enter this address in your SMS.ru account: «API → Callback». Mailings then show «Delivered» or why a text was not. The address holds a secret: do not publish it."),
    sms_reports_off: &'static str = ("не настроены: задайте report_secret в [sms] (для SMS.ru), и SMS-рассылки будут показывать «Доставлено»", "off: set report_secret in [sms] (for SMS.ru), and SMS mailings will show «Delivered»"),
    sms_not_configured: &'static str = ("SMS-шлюз не задан: рассылки по SMS недоступны.", "No SMS gateway is set: mailings by text are unavailable."),
    /// «Отправить пробное SMS на +7 916 123-45-67».
    sms_test: fn(&str) -> String = (|to| format!("Отправить пробное SMS на {to}"), |to| format!("Send a test text to {to}")),
    sms_test_text: &'static str = ("Домовой: пробное SMS из раздела «Интеграции». Шлюз работает.", "Domovoy: a test text from «Integrations». The gateway works."),
    sms_test_sent: &'static str = ("Пробное SMS поставлено в очередь: через минуту проверьте телефон и строку «Последняя доставка».", "The test text is queued: check your phone and «Last delivered» in a minute."),
    sms_no_phone: &'static str = ("В вашем профиле нет телефона: пробное SMS отправить некуда.", "Your profile has no phone: there is nowhere to send a test text."),
    push_devices_title: &'static str = ("Устройства", "Devices"),
    push_device_person: &'static str = ("Сотрудник", "Person"),
    push_device_kind: &'static str = ("Уведомления через", "Notified through"),
    push_device_version: &'static str = ("Версия", "Version"),
    push_device_seen: &'static str = ("Последний раз в сети", "Last seen"),
    push_device_off: &'static str = ("не включены", "off"),
    push_test: &'static str = ("Отправить проверку", "Send a test"),
    push_test_sent: &'static str = (
        "Проверочное уведомление поставлено в очередь: оно придёт на телефон через несколько секунд.",
        "The test notification is queued: it reaches the phone in a few seconds.",
    ),

    // Labels of domain values
    permission_label: fn(Permission) -> &'static str = (main_ru::permission_label, main_en::permission_label),
    /// The kind of entity an audit entry is about (`user`, `role`, …).
    entity_label: fn(&str) -> &'static str = (main_ru::entity_label, main_en::entity_label),
    permission_group_label: fn(PermissionGroup) -> &'static str = (
        main_ru::permission_group_label,
        main_en::permission_group_label,
    ),
    audit_action_label: fn(AuditAction) -> &'static str = (
        main_ru::audit_action_label,
        main_en::audit_action_label,
    ),
    building_kind_label: fn(BuildingKind) -> &'static str = (
        main_ru::building_kind_label,
        main_en::building_kind_label,
    ),
    account_kind_label: fn(AccountKind) -> &'static str = (
        main_ru::account_kind_label,
        main_en::account_kind_label,
    ),
    locale_label: fn(Locale) -> &'static str = (main_ru::locale_label, main_en::locale_label),


    // Door-level errors and live updates
    error_invalid_title: &'static str = ("Запрос не выполнен", "Request not completed"),
    /// A request body over the limit; the argument is the limit in KiB.
    body_too_large: fn(usize) -> String = (
        |kib| format!("Слишком большой запрос: допускается не больше {kib} КБ"),
        |kib| format!("The request is too large: at most {kib} KiB is accepted"),
    ),
    /// Why a live connection refused a client's message.
    session_error_label: fn(SessionError) -> &'static str = (main_ru::session_error_label, main_en::session_error_label),
    /// Who the product itself is in histories and logs, by its label
    /// (`auto_close`, `sla`, `cli`, …).
    system_actor_label: fn(&str) -> &'static str = (main_ru::system_actor_label, main_en::system_actor_label),
}

labels! {
    ru: main_ru, en: main_en;
    fn session_error_label(error: SessionError) -> &'static str = match error {
        SessionError::BadMessage => ("Непонятное сообщение: ожидается JSON с полем type", "Unreadable message: JSON with a type field is expected"),
        SessionError::Binary => ("Двоичные сообщения не поддерживаются", "Binary messages are not supported"),
        SessionError::BadTopic => ("Неизвестная тема подписки", "Unknown topic"),
        SessionError::TooManyTopics => ("Слишком много подписок в одном соединении", "Too many subscriptions on one connection"),
        SessionError::Forbidden => ("Нет прав на эту подписку", "You may not follow this topic"),
        SessionError::Unavailable => ("Подписка временно недоступна, повторите", "The subscription is unavailable for now, try again"),
        SessionError::NotSubscribed => ("Сначала подпишитесь на тему", "Subscribe to the topic first"),
    }
    fn system_actor_label(label: &str) -> &'static str = match label {
        "auto_close" => ("Автозакрытие", "Auto-close"),
        "sla" => ("Контроль сроков", "SLA clock"),
        "cli" => ("Администратор (командная строка)", "Administrator (command line)"),
        "demo" => ("Демонстрация", "Demo"),
        _ => ("Система", "System"),
    }
    fn field_error(field: &str, error: &FieldError) -> String = match (field, error) {
        ("login", FieldError::InvalidFormat) => ({
            "Латинские буквы, цифры, точка, дефис и подчёркивание; начинается с буквы".to_owned()
        }, {
            "Latin letters, digits, dot, hyphen and underscore; starts with a letter".to_owned()
        }),
        ("login", FieldError::Taken) => ("Этот логин уже занят".to_owned(), "This login is taken".to_owned()),
        ("phone" | "login_phone", FieldError::InvalidFormat) => ({
            "Неверный номер телефона; например, +7 912 345-67-89".to_owned()
        }, {
            "Not a valid phone number; for example, +7 912 345-67-89".to_owned()
        }),
        ("email", FieldError::InvalidFormat) => ("Неверный адрес e-mail".to_owned(), "Not a valid e-mail address".to_owned()),
        ("time_zone", FieldError::Unknown) => ("Неизвестный часовой пояс".to_owned(), "Unknown time zone".to_owned()),
        ("name", FieldError::Taken) => ("Такое название уже есть".to_owned(), "This name is taken".to_owned()),
        ("password" | "new_password", FieldError::NotAllowed) => ("Пароль не должен совпадать с логином".to_owned(), "The password must differ from the login".to_owned()),
        ("role", FieldError::Taken) => ("Эта роль уже назначена здесь".to_owned(), "This role is already granted here".to_owned()),
        ("role", FieldError::NotAllowed) => ("Эта роль не подходит для такой учётной записи".to_owned(), "This role does not fit this kind of account".to_owned()),
        ("scope", FieldError::NotAllowed) => ("Такая область не подходит для этой учётной записи".to_owned(), "This scope does not fit this kind of account".to_owned()),
        ("to", FieldError::NotAllowed) => ("Конец периода — не раньше начала и не дальше 366 дней от него".to_owned(), "The period ends on or after its start, within 366 days".to_owned()),
        ("building_id", FieldError::Unknown) => ("Объект не найден".to_owned(), "Building not found".to_owned()),
        (_, FieldError::Required) => ("Обязательное поле".to_owned(), "Required".to_owned()),
        (_, FieldError::TooShort { min }) => (format!("Не короче {min} символов"), format!("At least {min} characters")),
        (_, FieldError::TooLong { max }) => (format!("Не длиннее {max} символов"), format!("At most {max} characters")),
        (_, FieldError::InvalidFormat) => ("Неверный формат".to_owned(), "Invalid format".to_owned()),
        (_, FieldError::Unknown) => ("Неизвестное значение".to_owned(), "Unknown value".to_owned()),
        (_, FieldError::Taken) => ("Уже занято".to_owned(), "Already taken".to_owned()),
        (_, FieldError::NotAllowed) => ("Недопустимое значение".to_owned(), "Not allowed".to_owned()),
        (_, FieldError::Unprintable) => (
            "Текст содержит управляющие или недопустимые символы".to_owned(),
            "The text contains control or invalid characters".to_owned(),
        ),
    }
    fn permission_label(permission: Permission) -> &'static str = match permission {
        Permission::TicketsRead => ("Просмотр заявок", "See tickets"),
        Permission::TicketsCreate => ("Создание заявок", "Create tickets"),
        Permission::TicketsAssign => ("Назначение исполнителей", "Assign tickets"),
        Permission::TicketsTransition => ("Смена статуса заявок", "Change ticket status"),
        Permission::TicketsClose => ("Закрытие, отклонение и отмена заявок", "Close, reject and cancel tickets"),
        Permission::TicketsSettings => ("Справочники заявок: классификатор, SLA, календарь, бригады", "Ticket reference data: classifier, SLA, calendar, teams"),
        Permission::ClientsRead => ("Просмотр карточек клиентов", "See client cards"),
        Permission::ClientsEdit => ("Редактирование клиентов", "Edit clients"),
        Permission::ClientsContactsRead => ("Персональные данные: телефоны и e-mail", "Personal data: phones and e-mails"),
        Permission::BuildingsRead => ("Просмотр объектов", "See buildings"),
        Permission::BuildingsManage => ("Управление объектами и планировкой", "Manage buildings and layout"),
        Permission::ChessboardRead => ("Шахматка объекта", "Building chessboard"),
        Permission::PassesIssue => ("Выпуск пропусков", "Issue passes"),
        Permission::PassesCheck => ("Проверка пропусков", "Check passes"),
        Permission::PassesMark => ("Отметка прихода и ухода", "Mark arrival and departure"),
        Permission::CallsReceive => ("Приём звонков", "Receive calls"),
        Permission::SurveysManage => ("Опросы", "Surveys"),
        Permission::MailingsSend => ("Рассылки", "Mailings"),
        Permission::OutagesManage => ("Аварии: регистрация и оповещение жителей", "Outages: register them and notify residents"),
        Permission::ReportsRead => ("Просмотр отчётов", "See reports"),
        Permission::ReportsExport => ("Выгрузка отчётов и списков", "Export reports and lists"),
        Permission::AdminUsers => ("Управление пользователями", "Manage users"),
        Permission::AdminRoles => ("Управление ролями", "Manage roles"),
        Permission::AdminIntegrations => ("Интеграции: АТС, приложение, push", "Integrations: PBX, app, push"),
        Permission::AuditRead => ("Журнал аудита", "Audit log"),
    }
    fn permission_group_label(group: PermissionGroup) -> &'static str = match group {
        PermissionGroup::Tickets => ("Заявки", "Tickets"),
        PermissionGroup::Clients => ("Клиенты", "Clients"),
        PermissionGroup::Buildings => ("Объекты", "Buildings"),
        PermissionGroup::Passes => ("Пропуска", "Passes"),
        PermissionGroup::Calls => ("Звонки", "Calls"),
        PermissionGroup::Communication => ("Опросы и рассылки", "Surveys and mailings"),
        PermissionGroup::Reports => ("Отчёты", "Reports"),
        PermissionGroup::Administration => ("Администрирование", "Administration"),
    }
    fn audit_action_label(action: AuditAction) -> &'static str = match action {
        AuditAction::UserCreated => ("Создан пользователь", "User created"),
        AuditAction::UserUpdated => ("Изменён пользователь", "User changed"),
        AuditAction::UserDisabled => ("Пользователь отключён", "User disabled"),
        AuditAction::UserEnabled => ("Пользователь включён", "User enabled"),
        AuditAction::UserUnlocked => ("Сняты задержки входа", "Sign-in waits lifted"),
        AuditAction::PasswordChanged => ("Пароль изменён", "Password changed"),
        AuditAction::PasswordReset => ("Пароль сброшен администратором", "Password reset by an administrator"),
        AuditAction::RoleCreated => ("Создана роль", "Role created"),
        AuditAction::RoleUpdated => ("Изменена роль", "Role changed"),
        AuditAction::RoleDeleted => ("Удалена роль", "Role deleted"),
        AuditAction::RoleGranted => ("Назначена роль", "Role granted"),
        AuditAction::RoleRevoked => ("Снята роль", "Role revoked"),
        AuditAction::BuildingCreated => ("Создан объект", "Building created"),
        AuditAction::BuildingUpdated => ("Изменён объект", "Building changed"),
        AuditAction::LayoutReplaced => ("Изменена планировка объекта", "Building layout changed"),
        AuditAction::ClientCreated => ("Создан клиент", "Client created"),
        AuditAction::ClientUpdated => ("Изменена карточка клиента", "Client card changed"),
        AuditAction::ClientUnitsChanged => ("Изменены помещения клиента", "Client units changed"),
        AuditAction::ClientConsentChanged => ("Изменено согласие клиента", "Client consent changed"),
        AuditAction::ClientContactsViewed => ("Просмотрены контакты клиента", "Client contacts viewed"),
        AuditAction::ClientsSearched => ("Поиск по клиентам", "Clients searched"),
        AuditAction::ImportApplied => ("Выполнен импорт из биллинга", "Billing import applied"),
        AuditAction::TicketStatusChanged => ("Изменён статус заявки", "Ticket status changed"),
        AuditAction::TicketAssigned => ("Назначен исполнитель заявки", "Ticket assigned"),
        AuditAction::TicketClassified => ("Изменены приоритет или классификация заявки", "Ticket priority or classification changed"),
        AuditAction::TicketRated => ("Житель оценил заявку", "Ticket rated by the resident"),
        AuditAction::ClassifierItemCreated => ("Добавлен пункт классификатора", "Classifier item added"),
        AuditAction::ClassifierItemUpdated => ("Изменён пункт классификатора", "Classifier item changed"),
        AuditAction::CategoryRequirementsSet => ("Изменён чек-лист категории", "Category checklist changed"),
        AuditAction::SlaPolicyCreated => ("Добавлен норматив SLA", "SLA policy added"),
        AuditAction::SlaPolicyDeleted => ("Удалён норматив SLA", "SLA policy deleted"),
        AuditAction::CalendarChanged => ("Изменён производственный календарь", "Production calendar changed"),
        AuditAction::TeamCreated => ("Создана бригада", "Team created"),
        AuditAction::TeamUpdated => ("Изменён состав бригады", "Team members changed"),
        AuditAction::RuleCreated => ("Добавлено правило назначения", "Assignment rule added"),
        AuditAction::RuleDeleted => ("Удалено правило назначения", "Assignment rule deleted"),
        AuditAction::WebhookCreated => ("Создан вебхук", "Webhook created"),
        AuditAction::WebhookDeleted => ("Удалён вебхук", "Webhook deleted"),
        AuditAction::TokenCreated => ("Создан токен доступа", "Access token created"),
        AuditAction::TokenRevoked => ("Отозван токен доступа", "Access token revoked"),
        AuditAction::SignedIn => ("Вход в систему", "Signed in"),
        AuditAction::SignInFailed => ("Неудачная попытка входа", "Failed sign-in"),
        AuditAction::AccountLocked => ("Вход заблокирован после неудачных попыток", "Sign-in locked after failures"),
        AuditAction::SignedOut => ("Выход из системы", "Signed out"),
        AuditAction::PassIssued => ("Выдан пропуск", "Pass issued"),
        AuditAction::PbxIntegrationCreated => ("Подключена АТС", "PBX integration created"),
        AuditAction::PbxIntegrationRevoked => ("Отключена АТС", "PBX integration revoked"),
        AuditAction::CallRouteSet => ("Изменена маршрутизация звонков", "Call routing set"),
        AuditAction::CallRouteDeleted => ("Удалён маршрут звонков", "Call route deleted"),
        AuditAction::NumberBlocked => ("Номер заблокирован", "Number blocked"),
        AuditAction::NumberUnblocked => ("Номер разблокирован", "Number unblocked"),
        AuditAction::CallbackDone => ("Перезвонили по пропущенному", "Missed call called back"),
        AuditAction::DeviceRegistered => ("Подключено устройство приложения", "App device registered"),
        AuditAction::DeviceRemoved => ("Отключено устройство приложения", "App device removed"),
        AuditAction::MailingCreated => ("Создана рассылка", "Mailing created"),
        AuditAction::MailingSent => ("Отправлена рассылка", "Mailing sent"),
        AuditAction::MailingScheduled => ("Рассылка запланирована", "Mailing scheduled"),
        AuditAction::MailingUnscheduled => ("Отменена запланированная рассылка", "Scheduled mailing called off"),
        AuditAction::OutageOpened => ("Зарегистрирована авария", "Outage registered"),
        AuditAction::OutageClosed => ("Авария закрыта", "Outage closed"),
        AuditAction::SurveyCreated => ("Создан опрос", "Survey created"),
        AuditAction::SurveyUpdated => ("Изменён черновик опроса", "Survey draft changed"),
        AuditAction::SurveyPublished => ("Опубликован опрос", "Survey published"),
        AuditAction::SurveyClosed => ("Завершён опрос", "Survey closed"),
        AuditAction::PassApproved => ("Пропуск одобрен", "Pass approved"),
        AuditAction::PassDenied => ("В пропуске отказано", "Pass denied"),
        AuditAction::PassCancelled => ("Пропуск отменён", "Pass cancelled"),
        AuditAction::PassesChecked => ("Проверка пропусков на посту", "Passes checked at the desk"),
        AuditAction::VisitArrived => ("Отмечен приход посетителя", "Visitor arrival marked"),
        AuditAction::VisitDeparted => ("Отмечен уход посетителя", "Visitor departure marked"),
        AuditAction::HostCalled => ("Пост позвонил хозяину пропуска", "The desk called the pass's host"),
        AuditAction::BlocklistAdded => ("Добавлено в стоп-лист", "Added to the blocklist"),
        AuditAction::BlocklistRemoved => ("Удалено из стоп-листа", "Removed from the blocklist"),
        AuditAction::BlocklistOverridden => ("Пропуск по стоп-листу под ответственность", "Blocklisted visitor let in with a reason"),
    }
    fn building_kind_label(kind: BuildingKind) -> &'static str = match kind {
        BuildingKind::Residential => ("Жилой комплекс", "Residential complex"),
        BuildingKind::BusinessCentre => ("Бизнес-центр", "Business centre"),
        BuildingKind::Mixed => ("Многофункциональный комплекс", "Mixed-use complex"),
    }
    fn account_kind_label(kind: AccountKind) -> &'static str = match kind {
        AccountKind::Staff => ("Сотрудник", "Staff"),
        AccountKind::Resident => ("Житель", "Resident"),
    }
    fn locale_label(locale: Locale) -> &'static str = match locale {
        Locale::Ru => ("Русский", "Русский"),
        Locale::En => ("English", "English"),
    }
    fn entity_label(kind: &str) -> &'static str = match kind {
        "user" => ("Пользователь", "User"),
        "role" => ("Роль", "Role"),
        "assignment" => ("Назначение роли", "Role assignment"),
        "building" => ("Объект", "Building"),
        "token" => ("Токен доступа", "Access token"),
        "webhook" => ("Вебхук", "Webhook"),
        "classifier" => ("Классификатор", "Classifier"),
        "sla_policy" => ("Норматив SLA", "SLA policy"),
        "calendar" => ("Производственный календарь", "Production calendar"),
        "team" => ("Бригада", "Team"),
        "assignment_rule" => ("Правило назначения", "Assignment rule"),
        "ticket" => ("Заявка", "Ticket"),
        "client" => ("Клиент", "Client"),
        "import" => ("Импорт", "Import"),
        _ => ("", ""),
    }
}
