//! Строки планировок, шахматки, клиентов и поиска на русском.

use domovoy_domain::client::{Channel, ClientKind, LinkRole, Occupancy};
use domovoy_domain::import::ProblemCode;
use domovoy_domain::layout::{SectionKind, UnitKind};

use super::places::PlaceCatalog;

pub static RU_PLACES: PlaceCatalog = PlaceCatalog {
    in_use: |names| {
        format!("Эти помещения нельзя удалить: к ним привязаны заявки или жильцы — {names}. Перенесите их и повторите")
    },

    section_kind_label,
    unit_kind_label,
    link_role_label,
    channel_label,
    client_kind_label,
    occupancy_label,
    section_title: |kind, name| match kind {
        SectionKind::Entrance => format!("Подъезд {name}"),
        SectionKind::Wing => format!("Корпус {name}"),
        SectionKind::Parking => name.to_owned(),
    },
    floor_title: |n| format!("{n} этаж"),

    nav_clients: "Клиенты",
    search_label: "Поиск",
    search_placeholder: "Телефон, ФИО, «кв 45», адрес, номер заявки",
    search_clients: "Клиенты",
    search_units: "Помещения",
    search_tickets: "Заявки",
    search_buildings: "Объекты",
    search_nothing: "Ничего не найдено",
    search_hint: "↑↓ — выбор, Enter — открыть, Esc — закрыть",
    shortcut_search: "Поиск по клиентам, помещениям и заявкам",

    chessboard: "Шахматка",
    chessboard_title: |name| format!("Шахматка — {name}"),
    chessboard_empty: "У объекта ещё нет планировки. Создайте её на странице планировки.",
    chessboard_units: |n| format!("Помещений: {n}"),
    overlay: "Показать",
    overlay_tickets: "Заявки",
    overlay_kind: "Тип помещения",
    overlay_ownership: "Собственность",
    overlay_app: "Жители в приложении",
    legend_no_tickets: "нет открытых заявок",
    legend_emergency: "аварийная",
    legend_app: "есть жители в приложении",
    selection_hint: "Выделяйте мышью или Shift+щелчком; щелчок по этажу или подъезду выделяет их целиком",
    selected_count: |n| format!("Выбрано помещений: {n}"),
    selection_clear: "Снять выделение",
    export_csv: "Скачать CSV",
    export_xlsx: "Скачать XLSX",

    unit_card: "Помещение",
    unit_area: "Площадь, м²",
    unit_floor: "Этаж",
    unit_section: "Подъезд",
    unit_people: "Жильцы и собственники",
    unit_no_people: "Никто не привязан",
    unit_tickets: "Заявки",
    unit_no_tickets: "Заявок нет",
    open_unit: "Открыть карточку помещения",

    layout_title: |name| format!("Планировка — {name}"),
    layout_link: "Планировка",
    layout_generate: "Сгенерировать планировку",
    layout_generate_hint: "Для типового дома: подъезды, этажи и квартиры по порядку. Нумерация продолжается из подъезда в подъезд.",
    layout_sections: "Подъездов (корпусов)",
    layout_section_kind: "Это",
    layout_first_floor: "С этажа",
    layout_last_floor: "По этаж",
    layout_units_per_floor: "Помещений на этаже",
    layout_unit_kind: "Тип помещений",
    layout_first_number: "Первый номер",
    layout_ground_floor: "Этаж ниже — нежилые помещения",
    layout_ground_none: "нет",
    layout_ground_units: "Нежилых помещений в подъезде",
    layout_parking_levels: "Уровней паркинга",
    layout_parking_spaces: "Машино-мест на уровне",
    layout_editor: "Редактор планировки",
    layout_editor_hint: "Для нестандартных домов. Раздел начинается строкой «[Подъезд 1]», «[Корпус А]» или «[Паркинг]»; строка этажа — «номер: помещения через пробел». Тип после двоеточия (кв, офис, пом, кл, мм), площадь после «=»: «12:офис=54.5». Помещения, к которым привязаны заявки или жильцы, удалить нельзя.",
    layout_save: "Сохранить планировку",
    layout_condo: "Обмен с Condo",
    layout_condo_hint: "Файл Property.map (JSON) из платформы Condo: загрузка заменит планировку, выгрузка сохранит текущую.",
    layout_condo_import: "Загрузить Property.map",
    layout_condo_export: "Выгрузить Property.map",
    layout_replaced: |created, updated, removed| {
        format!("Планировка сохранена: новых помещений {created}, изменено {updated}, удалено {removed}")
    },
    layout_text_error: |line, text| format!("Строка {line}: {text}"),
    layout_replace_warning: "Сохранение заменит планировку целиком",

    clients_title: "Клиенты",
    client_new: "Новый клиент",
    client_edit: "Изменить",
    client_save: "Сохранить",
    client_kind: "Тип",
    client_last_name: "Фамилия",
    client_first_name: "Имя",
    client_middle_name: "Отчество",
    client_company_name: "Название организации",
    client_inn: "ИНН",
    client_phones: "Телефоны",
    client_phones_hint: "По одному в строке, в любом виде: 8 (912) 345-67-89",
    client_emails: "E-mail",
    client_notes: "Заметки",
    client_tags: "Метки",
    client_tags_hint: "Через запятую",
    client_external_id: "Код в биллинге",
    client_contacts: "Контакты",
    client_contacts_hidden: "Контакты скрыты: у вас нет права на персональные данные",
    client_units: "Помещения",
    client_no_units: "Не привязан к помещениям",
    client_units_edit: "Помещения клиента",
    client_units_hint: "Строка — помещение: «кв 45 собственник 1/2», «офис 12 арендатор 2026-01-01..2026-12-31», «кв 7 проживающий»",
    client_share: "Доля",
    client_period: "Период",
    client_account: "Лицевой счёт",
    client_consents: "Согласия на рассылки",
    client_consent_given: |date| format!("дано {date}"),
    client_consent_none: "не дано",
    client_tickets_open: "Открытые заявки",
    client_tickets_past: "Прошлые заявки",
    client_no_tickets: "Заявок нет",
    client_timeline: "История",
    client_timeline_created: "Карточка создана",
    client_new_ticket: "Новая заявка",
    client_app_account: "Пользуется приложением",
    client_saved: "Карточка сохранена",
    client_created: "Клиент создан",
    client_version_conflict: "Карточку только что изменил кто-то другой. Обновите страницу и повторите",

    import_problem,
    import_where: |row, column| match (row, column.is_empty()) {
        (0, _) => "Файл".to_owned(),
        (row, true) => format!("Строка {row}"),
        (row, false) => format!("Строка {row}, «{column}»"),
    },
    import_title: "Импорт из биллинга",
    import_hint: "CSV (UTF-8 или Windows-1251, разделитель «;» или «,») или XLSX. Столбцы узнаются по обычным заголовкам: ФИО или Фамилия/Имя/Отчество, Телефон, E-mail, Подъезд, Этаж, Квартира / Кв. / Помещение, Площадь, Лицевой счёт, Доля, Собственник / Арендатор / Проживающий. Сначала проверка — ничего не записывается; затем применение целиком или никак. Повторный импорт обновляет, а не дублирует.",
    import_kind_clients: "Клиенты, собственность и лицевые счета",
    import_kind_units: "Помещения объекта",
    import_file: "Файл",
    import_mapping: "Свои заголовки",
    import_mapping_hint: "Если заголовки необычные: по строке «Заголовок = столбец», столбцы: full_name, last_name, first_name, middle_name, company, inn, phone, email, section, floor, unit, unit_kind, area, account, share, role, client_id, ignore",
    import_check: "Проверить",
    import_apply: "Применить",
    import_uploading: "Загружаю файл…",
    import_checking: "Проверяю строки…",
    import_ok: "Ошибок нет. Можно применять.",
    import_problems: |n| format!("Найдено ошибок: {n}. Ничего не записано — исправьте файл и проверьте снова."),
    import_result: |rows, created, updated, unchanged| {
        format!("Строк: {rows}. Будет создано: {created}, обновлено: {updated}, без изменений: {unchanged}")
    },
    import_applied: "Импорт выполнен",
    import_done: |rows, created, updated, unchanged| {
        format!("Строк: {rows}. Создано: {created}, обновлено: {updated}, без изменений: {unchanged}")
    },
    import_file_info: |format, encoding, delimiter| {
        format!("Формат {format}, кодировка {encoding}, разделитель «{delimiter}»")
    },
    import_col_where: "Где",
    import_col_problem: "Ошибка",
    import_col_value: "Значение",
};

fn import_problem(code: ProblemCode) -> &'static str {
    match code {
        ProblemCode::NoNameColumn => "нет столбца с именем клиента (ФИО, Фамилия или Организация)",
        ProblemCode::NoUnitColumn => "нет столбца с номером помещения (Квартира, Кв., Помещение)",
        ProblemCode::DuplicateColumn => "этот смысл уже у другого столбца",
        ProblemCode::UnknownHeading => "такого заголовка в файле нет",
        ProblemCode::Required => "пусто, а значение обязательно",
        ProblemCode::BadPhone => "неверный номер телефона",
        ProblemCode::BadEmail => "неверный адрес e-mail",
        ProblemCode::BadShare => "неверная доля (пишите 1/2, 1, 50%)",
        ProblemCode::BadArea => "неверная площадь",
        ProblemCode::BadFloor => "неверный этаж",
        ProblemCode::BadRole => "неизвестно: собственник, арендатор или проживающий",
        ProblemCode::BadUnitKind => "неизвестный тип помещения",
        ProblemCode::BadUnit => "неверный номер помещения",
        ProblemCode::BadInn => "ИНН — 10 или 12 цифр",
        ProblemCode::TooLong => "слишком длинное значение",
        ProblemCode::UnknownUnit => "такого помещения нет в планировке объекта",
        ProblemCode::DuplicateRow => "повтор строки (см. номер первой)",
        ProblemCode::Unreadable => "файл не читается как CSV или XLSX",
        ProblemCode::Empty => "в файле нет строк с данными",
    }
}

fn section_kind_label(kind: SectionKind) -> &'static str {
    match kind {
        SectionKind::Entrance => "Подъезд",
        SectionKind::Wing => "Корпус",
        SectionKind::Parking => "Паркинг",
    }
}

fn unit_kind_label(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Apartment => "Квартира",
        UnitKind::Office => "Офис",
        UnitKind::Retail => "Нежилое (магазин)",
        UnitKind::Storage => "Кладовая",
        UnitKind::Parking => "Машино-место",
    }
}

fn link_role_label(role: LinkRole) -> &'static str {
    match role {
        LinkRole::Owner => "Собственник",
        LinkRole::Tenant => "Арендатор",
        LinkRole::Occupant => "Проживающий",
    }
}

fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Push => "Push-уведомления",
        Channel::Email => "E-mail",
        Channel::Sms => "SMS",
    }
}

fn client_kind_label(kind: ClientKind) -> &'static str {
    match kind {
        ClientKind::Person => "Физическое лицо",
        ClientKind::Company => "Организация",
    }
}

fn occupancy_label(occupancy: Occupancy) -> &'static str {
    match occupancy {
        Occupancy::OwnerOccupied => "Живут собственники",
        Occupancy::Rented => "Сдаётся",
        Occupancy::Vacant => "Нет данных о жильцах",
    }
}
