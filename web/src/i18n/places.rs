//! Strings of buildings' layouts, the chessboard, clients and search,
//! reached as `t.pl`: each declared once, Russian beside English.

use domovoy_domain::client::{Channel, ClientKind, LinkRole, Occupancy};
use domovoy_domain::import::ProblemCode;
use domovoy_domain::layout::{SectionKind, UnitKind};

catalog! {
    /// The PlaceCatalog strings of one language.
    pub struct PlaceCatalog { ru: RU_PLACES, en: EN_PLACES }

    /// The units that block a change, listed.
    in_use: fn(&str) -> String = (
        |names| {
            format!("Эти помещения нельзя удалить: к ним привязаны заявки или жильцы — {names}. Перенесите их и повторите")
        },
        |names| {
            format!("These units cannot be removed: tickets or residents refer to them — {names}. Move them first")
        },
    ),

    section_kind_label: fn(SectionKind) -> &'static str = (pl_ru::section_kind_label, pl_en::section_kind_label),
    unit_kind_label: fn(UnitKind) -> &'static str = (pl_ru::unit_kind_label, pl_en::unit_kind_label),
    link_role_label: fn(LinkRole) -> &'static str = (pl_ru::link_role_label, pl_en::link_role_label),
    channel_label: fn(Channel) -> &'static str = (pl_ru::channel_label, pl_en::channel_label),
    client_kind_label: fn(ClientKind) -> &'static str = (pl_ru::client_kind_label, pl_en::client_kind_label),
    occupancy_label: fn(Occupancy) -> &'static str = (pl_ru::occupancy_label, pl_en::occupancy_label),
    /// "Подъезд 1", "Корпус А", "Паркинг".
    write_to_selection: &'static str = ("Написать им", "Write to them"),
    survey_selection: &'static str = ("Опросить их", "Survey them"),
    section_title: fn(SectionKind, &str) -> String = (
        |kind, name| match kind {
            SectionKind::Entrance => format!("Подъезд {name}"),
            SectionKind::Wing => format!("Корпус {name}"),
            SectionKind::Parking => name.to_owned(),
        },
        |kind, name| match kind {
            SectionKind::Entrance => format!("Entrance {name}"),
            SectionKind::Wing => format!("Wing {name}"),
            SectionKind::Parking => name.to_owned(),
        },
    ),
    floor_title: fn(i32) -> String = (|n| format!("{n} этаж"), |n| format!("Floor {n}")),

    nav_clients: &'static str = ("Клиенты", "Clients"),
    search_label: &'static str = ("Поиск", "Search"),
    search_placeholder: &'static str = (
        "Телефон, ФИО, «кв 45», адрес, номер заявки",
        "Phone, name, “apt 45”, address, ticket number",
    ),
    search_clients: &'static str = ("Клиенты", "Clients"),
    search_units: &'static str = ("Помещения", "Units"),
    search_tickets: &'static str = ("Заявки", "Tickets"),
    search_buildings: &'static str = ("Объекты", "Buildings"),
    search_nothing: &'static str = ("Ничего не найдено", "Nothing found"),
    search_hint: &'static str = (
        "↑↓ — выбор, Enter — открыть, Esc — закрыть",
        "↑↓ select, Enter open, Esc close",
    ),
    shortcut_search: &'static str = (
        "Поиск по клиентам, помещениям и заявкам",
        "Search clients, units and tickets",
    ),

    chessboard: &'static str = ("Шахматка", "Chessboard"),
    chessboard_title: fn(&str) -> String = (
        |name| format!("Шахматка — {name}"),
        |name| format!("Chessboard — {name}"),
    ),
    chessboard_empty: &'static str = (
        "У объекта ещё нет планировки. Создайте её на странице планировки.",
        "This building has no layout yet. Create one on the layout page.",
    ),
    chessboard_units: fn(usize) -> String = (|n| format!("Помещений: {n}"), |n| format!("Units: {n}")),
    overlay: &'static str = ("Показать", "Show"),
    overlay_tickets: &'static str = ("Заявки", "Tickets"),
    overlay_kind: &'static str = ("Тип помещения", "Unit kind"),
    overlay_ownership: &'static str = ("Собственность", "Ownership"),
    overlay_app: &'static str = ("Жители в приложении", "Residents in the app"),
    legend_no_tickets: &'static str = ("нет открытых заявок", "no open tickets"),
    legend_emergency: &'static str = ("аварийная", "emergency"),
    legend_app: &'static str = ("есть жители в приложении", "residents use the app"),
    selection_hint: &'static str = (
        "Выделяйте мышью или Shift+щелчком; щелчок по этажу или подъезду выделяет их целиком",
        "Select by dragging or Shift+click; click a floor or section header to select it whole",
    ),
    selected_count: fn(usize) -> String = (
        |n| format!("Выбрано помещений: {n}"),
        |n| format!("Units selected: {n}"),
    ),
    selection_clear: &'static str = ("Снять выделение", "Clear selection"),
    export_csv: &'static str = ("Скачать CSV", "Download CSV"),
    export_xlsx: &'static str = ("Скачать XLSX", "Download XLSX"),

    unit_card: &'static str = ("Помещение", "Unit"),
    unit_area: &'static str = ("Площадь, м²", "Area, m²"),
    unit_floor: &'static str = ("Этаж", "Floor"),
    unit_section: &'static str = ("Подъезд", "Section"),
    /// Before a section name in a short line («кв. 45 · подъезд 1 · этаж 6»).
    unit_section_short: &'static str = ("подъезд", "section"),
    unit_floor_short: &'static str = ("этаж", "floor"),
    unit_people: &'static str = ("Жильцы и собственники", "Residents and owners"),
    unit_no_people: &'static str = ("Никто не привязан", "Nobody linked"),
    unit_tickets: &'static str = ("Заявки", "Tickets"),
    unit_no_tickets: &'static str = ("Заявок нет", "No tickets"),
    open_unit: &'static str = ("Открыть карточку помещения", "Open the unit card"),

    layout_title: fn(&str) -> String = (|name| format!("Планировка — {name}"), |name| format!("Layout — {name}")),
    layout_link: &'static str = ("Планировка", "Layout"),
    layout_generate: &'static str = ("Сгенерировать планировку", "Generate a layout"),
    layout_generate_hint: &'static str = (
        "Для типового дома: подъезды, этажи и квартиры по порядку. Нумерация продолжается из подъезда в подъезд.",
        "For a regular building: sections, floors and units in order. Numbering continues from section to section.",
    ),
    layout_sections: &'static str = ("Подъездов (корпусов)", "Sections"),
    layout_section_kind: &'static str = ("Это", "Kind"),
    layout_first_floor: &'static str = ("С этажа", "From floor"),
    layout_last_floor: &'static str = ("По этаж", "To floor"),
    layout_units_per_floor: &'static str = ("Помещений на этаже", "Units per floor"),
    layout_unit_kind: &'static str = ("Тип помещений", "Unit kind"),
    layout_first_number: &'static str = ("Первый номер", "First number"),
    layout_ground_floor: &'static str = (
        "Этаж ниже — нежилые помещения",
        "The floor below holds non-residential units",
    ),
    layout_ground_none: &'static str = ("нет", "no"),
    layout_ground_units: &'static str = ("Нежилых помещений в подъезде", "Non-residential units per section"),
    layout_parking_levels: &'static str = ("Уровней паркинга", "Parking levels"),
    layout_parking_spaces: &'static str = ("Машино-мест на уровне", "Spaces per level"),
    layout_editor: &'static str = ("Редактор планировки", "Layout editor"),
    layout_editor_hint: &'static str = (
        "Для нестандартных домов. Раздел начинается строкой «[Подъезд 1]», «[Корпус А]» или «[Паркинг]»; строка этажа — «номер: помещения через пробел». Тип после двоеточия (кв, офис, пом, кл, мм), площадь после «=»: «12:офис=54.5». Помещения, к которым привязаны заявки или жильцы, удалить нельзя.",
        "For irregular buildings. A section starts with “[Подъезд 1]”, “[Корпус А]” or “[Паркинг]”; a floor line is “number: units separated by spaces”. Kind after a colon (кв, офис, пом, кл, мм), area after “=”: “12:офис=54.5”. Units with tickets or residents cannot be removed.",
    ),
    layout_save: &'static str = ("Сохранить планировку", "Save the layout"),
    layout_condo: &'static str = ("Обмен с Condo", "Exchange with Condo"),
    layout_condo_hint: &'static str = (
        "Файл Property.map (JSON) из платформы Condo: загрузка заменит планировку, выгрузка сохранит текущую.",
        "A Property.map (JSON) file from the Condo platform: uploading replaces the layout, downloading saves the current one.",
    ),
    layout_condo_import: &'static str = ("Загрузить Property.map", "Upload Property.map"),
    layout_condo_export: &'static str = ("Выгрузить Property.map", "Download Property.map"),
    layout_replaced: fn(usize, usize, usize) -> String = (
        |created, updated, removed| {
            format!("Планировка сохранена: новых помещений {created}, изменено {updated}, удалено {removed}")
        },
        |created, updated, removed| {
            format!("Layout saved: {created} new units, {updated} changed, {removed} removed")
        },
    ),
    layout_text_error: fn(usize, &str) -> String = (
        |line, text| format!("Строка {line}: {text}"),
        |line, text| format!("Line {line}: {text}"),
    ),
    layout_replace_warning: &'static str = (
        "Сохранение заменит планировку целиком",
        "Saving replaces the whole layout",
    ),

    clients_title: &'static str = ("Клиенты", "Clients"),
    client_new: &'static str = ("Новый клиент", "New client"),
    client_edit: &'static str = ("Изменить", "Edit"),
    client_save: &'static str = ("Сохранить", "Save"),
    client_kind: &'static str = ("Тип", "Kind"),
    client_last_name: &'static str = ("Фамилия", "Last name"),
    client_first_name: &'static str = ("Имя", "First name"),
    client_middle_name: &'static str = ("Отчество", "Patronymic"),
    client_company_name: &'static str = ("Название организации", "Company name"),
    client_inn: &'static str = ("ИНН", "INN"),
    client_phones: &'static str = ("Телефоны", "Phones"),
    client_phones_hint: &'static str = (
        "По одному в строке, в любом виде: 8 (912) 345-67-89",
        "One per line, in any form: 8 (912) 345-67-89",
    ),
    client_emails: &'static str = ("E-mail", "E-mail"),
    client_notes: &'static str = ("Заметки", "Notes"),
    client_tags: &'static str = ("Метки", "Tags"),
    client_tags_hint: &'static str = ("Через запятую", "Comma-separated"),
    client_external_id: &'static str = ("Код в биллинге", "Billing code"),
    client_contacts: &'static str = ("Контакты", "Contacts"),
    client_contacts_hidden: &'static str = (
        "Контакты скрыты: у вас нет права на персональные данные",
        "Contacts hidden: you lack the personal data permission",
    ),
    client_units: &'static str = ("Помещения", "Units"),
    client_no_units: &'static str = ("Не привязан к помещениям", "Not linked to any unit"),
    client_units_edit: &'static str = ("Помещения клиента", "Client's units"),
    client_units_hint: &'static str = (
        "Строка — помещение: «кв 45 собственник 1/2», «офис 12 арендатор 2026-01-01..2026-12-31», «кв 7 проживающий»",
        "One unit per line: “кв 45 собственник 1/2”, “офис 12 арендатор 2026-01-01..2026-12-31”, “кв 7 проживающий”",
    ),
    client_share: &'static str = ("Доля", "Share"),
    client_period: &'static str = ("Период", "Period"),
    client_account: &'static str = ("Лицевой счёт", "Account"),
    client_consents: &'static str = ("Согласия на рассылки", "Consents to mailings"),
    client_consent_given: fn(&str) -> String = (|date| format!("дано {date}"), |date| format!("given {date}")),
    client_consent_none: &'static str = ("не дано", "not given"),
    client_tickets_open: &'static str = ("Открытые заявки", "Open tickets"),
    client_tickets_past: &'static str = ("Прошлые заявки", "Past tickets"),
    client_no_tickets: &'static str = ("Заявок нет", "No tickets"),
    client_timeline: &'static str = ("История", "History"),
    /// A ticket in a client's timeline: "number · its first words".
    client_timeline_ticket: fn(&str, &str) -> String = (|number, text| format!("{number} · {text}"), |number, text| format!("{number} · {text}")),
    /// A change to the card: "what · who".
    client_timeline_change: fn(&str, &str) -> String = (|action, login| format!("{action} · {login}"), |action, login| format!("{action} · {login}")),
    client_timeline_created: &'static str = ("Карточка создана", "Card created"),
    client_new_ticket: &'static str = ("Новая заявка", "New ticket"),
    client_app_account: &'static str = ("Пользуется приложением", "Uses the app"),
    client_saved: &'static str = ("Карточка сохранена", "Card saved"),
    client_created: &'static str = ("Клиент создан", "Client created"),
    client_version_conflict: &'static str = (
        "Карточку только что изменил кто-то другой. Обновите страницу и повторите",
        "Someone else just changed this card. Reload the page and try again",
    ),

    import_problem: fn(ProblemCode) -> &'static str = (pl_ru::import_problem, pl_en::import_problem),
    /// "Строка 3, «Телефон»" / "Файл".
    import_where: fn(usize, &str) -> String = (
        |row, column| match (row, column.is_empty()) {
            (0, _) => "Файл".to_owned(),
            (row, true) => format!("Строка {row}"),
            (row, false) => format!("Строка {row}, «{column}»"),
        },
        |row, column| match (row, column.is_empty()) {
            (0, _) => "File".to_owned(),
            (row, true) => format!("Row {row}"),
            (row, false) => format!("Row {row}, “{column}”"),
        },
    ),
    import_title: &'static str = ("Импорт из биллинга", "Import from billing"),
    import_hint: &'static str = (
        "CSV (UTF-8 или Windows-1251, разделитель «;» или «,») или XLSX. Столбцы узнаются по обычным заголовкам: ФИО или Фамилия/Имя/Отчество, Телефон, E-mail, Подъезд, Этаж, Квартира / Кв. / Помещение, Площадь, Лицевой счёт, Доля, Собственник / Арендатор / Проживающий. Сначала проверка — ничего не записывается; затем применение целиком или никак. Повторный импорт обновляет, а не дублирует.",
        "CSV (UTF-8 or Windows-1251, “;” or “,”) or XLSX. Usual Russian headings are recognised. A check writes nothing; applying writes everything or nothing. Importing again updates instead of duplicating.",
    ),
    import_kind_clients: &'static str = (
        "Клиенты, собственность и лицевые счета",
        "Clients, ownership and accounts",
    ),
    import_kind_units: &'static str = ("Помещения объекта", "Units of the building"),
    import_file: &'static str = ("Файл", "File"),
    import_mapping: &'static str = ("Свои заголовки", "Own headings"),
    import_mapping_hint: &'static str = (
        "Если заголовки необычные: по строке «Заголовок = столбец», столбцы: full_name, last_name, first_name, middle_name, company, inn, phone, email, section, floor, unit, unit_kind, area, account, share, role, client_id, ignore",
        "For unusual headings, one “Heading = column” per line; columns: full_name, last_name, first_name, middle_name, company, inn, phone, email, section, floor, unit, unit_kind, area, account, share, role, client_id, ignore",
    ),
    import_check: &'static str = ("Проверить", "Check"),
    import_apply: &'static str = ("Применить", "Apply"),
    import_uploading: &'static str = ("Загружаю файл…", "Uploading…"),
    import_checking: &'static str = ("Проверяю строки…", "Checking rows…"),
    import_ok: &'static str = ("Ошибок нет. Можно применять.", "No problems. Ready to apply."),
    import_problems: fn(usize) -> String = (
        |n| format!("Найдено ошибок: {n}. Ничего не записано — исправьте файл и проверьте снова."),
        |n| format!("{n} problems found. Nothing was written: fix the file and check again."),
    ),
    import_result: fn(usize, usize, usize, usize) -> String = (
        |rows, created, updated, unchanged| {
            format!("Строк: {rows}. Будет создано: {created}, обновлено: {updated}, без изменений: {unchanged}")
        },
        |rows, created, updated, unchanged| {
            format!("Rows: {rows}. To create: {created}, to update: {updated}, unchanged: {unchanged}")
        },
    ),
    import_applied: &'static str = ("Импорт выполнен", "Import applied"),
    import_done: fn(usize, usize, usize, usize) -> String = (
        |rows, created, updated, unchanged| {
            format!("Строк: {rows}. Создано: {created}, обновлено: {updated}, без изменений: {unchanged}")
        },
        |rows, created, updated, unchanged| {
            format!("Rows: {rows}. Created: {created}, updated: {updated}, unchanged: {unchanged}")
        },
    ),
    import_file_info: fn(&str, &str, &str) -> String = (
        |format, encoding, delimiter| {
            format!("Формат {format}, кодировка {encoding}, разделитель «{delimiter}»")
        },
        |format, encoding, delimiter| {
            format!("Format {format}, encoding {encoding}, delimiter “{delimiter}”")
        },
    ),
    import_col_where: &'static str = ("Где", "Where"),
    import_col_problem: &'static str = ("Ошибка", "Problem"),
    import_col_value: &'static str = ("Значение", "Value"),

}

labels! {
    ru: pl_ru, en: pl_en;
    fn import_problem(code: ProblemCode) -> &'static str = match code {
        ProblemCode::NoNameColumn => ("нет столбца с именем клиента (ФИО, Фамилия или Организация)", "no column names the client (ФИО, Фамилия or Организация)"),
        ProblemCode::TooLarge => (
            "файл после распаковки больше, чем принимает импорт (192 МБ): он повреждён или это не выгрузка из биллинга",
            "the file unpacks to more than an import accepts (192 MB): it is damaged or not a billing export",
        ),
        ProblemCode::TooWide => (
            "слишком много столбцов или строк: импорт читает до 256 столбцов и 1 048 576 строк",
            "too many columns or rows: an import reads up to 256 columns and 1,048,576 rows",
        ),
        ProblemCode::NoUnitColumn => ("нет столбца с номером помещения (Квартира, Кв., Помещение)", "no column names the unit (Квартира, Кв., Помещение)"),
        ProblemCode::DuplicateColumn => ("этот смысл уже у другого столбца", "another column already means this"),
        ProblemCode::UnknownHeading => ("такого заголовка в файле нет", "the file has no such heading"),
        ProblemCode::Required => ("пусто, а значение обязательно", "empty, but required"),
        ProblemCode::BadPhone => ("неверный номер телефона", "not a phone number"),
        ProblemCode::BadEmail => ("неверный адрес e-mail", "not an e-mail address"),
        ProblemCode::BadShare => ("неверная доля (пишите 1/2, 1, 50%)", "not a share (write 1/2, 1, 50%)"),
        ProblemCode::BadArea => ("неверная площадь", "not an area"),
        ProblemCode::BadFloor => ("неверный этаж", "not a floor"),
        ProblemCode::BadRole => ("неизвестно: собственник, арендатор или проживающий", "not owner, tenant or occupant"),
        ProblemCode::BadUnitKind => ("неизвестный тип помещения", "unknown unit kind"),
        ProblemCode::BadUnit => ("неверный номер помещения", "not a unit number"),
        ProblemCode::BadInn => ("ИНН — 10 или 12 цифр", "an INN has 10 or 12 digits"),
        ProblemCode::TooLong => ("слишком длинное значение", "too long"),
        ProblemCode::UnknownUnit => ("такого помещения нет в планировке объекта", "no such unit in the building's layout"),
        ProblemCode::DuplicateRow => ("повтор строки (см. номер первой)", "a repeated row (see the first one's number)"),
        ProblemCode::Unreadable => ("файл не читается как CSV или XLSX", "not a readable CSV or XLSX file"),
        ProblemCode::Empty => ("в файле нет строк с данными", "no data rows"),
    }
    fn section_kind_label(kind: SectionKind) -> &'static str = match kind {
        SectionKind::Entrance => ("Подъезд", "Entrance"),
        SectionKind::Wing => ("Корпус", "Wing"),
        SectionKind::Parking => ("Паркинг", "Parking"),
    }
    fn unit_kind_label(kind: UnitKind) -> &'static str = match kind {
        UnitKind::Apartment => ("Квартира", "Apartment"),
        UnitKind::Office => ("Офис", "Office"),
        UnitKind::Retail => ("Нежилое (магазин)", "Retail"),
        UnitKind::Storage => ("Кладовая", "Storage"),
        UnitKind::Parking => ("Машино-место", "Parking space"),
    }
    fn link_role_label(role: LinkRole) -> &'static str = match role {
        LinkRole::Owner => ("Собственник", "Owner"),
        LinkRole::Tenant => ("Арендатор", "Tenant"),
        LinkRole::Occupant => ("Проживающий", "Occupant"),
    }
    fn channel_label(channel: Channel) -> &'static str = match channel {
        Channel::Push => ("Push-уведомления", "Push notifications"),
        Channel::Email => ("E-mail", "E-mail"),
        Channel::Sms => ("SMS", "SMS"),
    }
    fn client_kind_label(kind: ClientKind) -> &'static str = match kind {
        ClientKind::Person => ("Физическое лицо", "Person"),
        ClientKind::Company => ("Организация", "Company"),
    }
    fn occupancy_label(occupancy: Occupancy) -> &'static str = match occupancy {
        Occupancy::OwnerOccupied => ("Живут собственники", "Owner-occupied"),
        Occupancy::Rented => ("Сдаётся", "Rented"),
        Occupancy::Vacant => ("Нет данных о жильцах", "No residents recorded"),
    }
}
