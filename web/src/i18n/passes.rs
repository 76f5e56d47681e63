//! Strings of passes, visits, the guard desk and the blocklist, reached as
//! `t.ps`: each declared once, Russian beside English.

use domovoy_domain::pass::{PassKind, PassStatus, Refusal};

catalog! {
    /// The PassCatalog strings of one language.
    pub struct PassCatalog { ru: RU_PASSES, en: EN_PASSES }

    kind_label: fn(PassKind) -> &'static str = (ps_ru::kind_label, ps_en::kind_label),
    status_label: fn(PassStatus) -> &'static str = (ps_ru::status_label, ps_en::status_label),
    refusal_label: fn(Refusal) -> &'static str = (ps_ru::refusal_label, ps_en::refusal_label),

    nav_guard: &'static str = ("Пост охраны", "Guard desk"),
    nav_passes: &'static str = ("Пропуска", "Passes"),
    desk_title: &'static str = ("Пост охраны", "Guard desk"),
    desk_search: &'static str = ("Имя, номер машины, PIN, последние 4 цифры телефона или QR-код", "Name, plate, PIN, last 4 phone digits or a QR code"),
    desk_search_label: &'static str = ("Поиск посетителя", "Find a visitor"),
    desk_hint: &'static str = (
        "Enter — найти, ещё раз Enter — отметить приход первого найденного, Shift+Enter — уход, Esc — очистить. Сканер QR вводит код сам.",
        "Enter finds, Enter again marks the first match in, Shift+Enter marks out, Esc clears. A QR scanner types the code itself.",
    ),
    desk_scan: &'static str = ("Сканировать QR камерой", "Scan a QR code with the camera"),
    desk_building: &'static str = ("Объект", "Building"),
    desk_no_match: &'static str = ("Никого не нашли. Уточните имя или номер машины, или позвоните хозяину помещения.", "Nobody found. Check the name or the plate, or call the host."),
    desk_on_site: &'static str = ("Сейчас на территории", "On site now"),
    desk_today: &'static str = ("Журнал за сутки", "The last 24 hours"),
    desk_expected: &'static str = ("Ожидаются", "Expected"),
    desk_nobody: &'static str = ("Никого", "Nobody"),
    desk_live: &'static str = ("Обновляется сама: отметки других постов видны сразу", "Updates by itself: other desks' marks appear at once"),
    mark_arrival: &'static str = ("Пришёл", "Arrived"),
    mark_departure: &'static str = ("Ушёл", "Left"),
    valid: &'static str = ("Действует", "Valid"),
    not_valid: &'static str = ("Не действует", "Not valid"),
    overstay: &'static str = ("Пропуск истёк, посетитель ещё на территории", "Pass expired, the visitor is still on site"),
    blocked_warning: &'static str = ("В стоп-листе", "On the blocklist"),
    override_prompt: &'static str = ("Посетитель в стоп-листе. Чтобы пропустить, укажите причину (попадёт в журнал):", "The visitor is on the blocklist. To let them in, give a reason (it is audited):"),
    host: &'static str = ("К кому", "Host"),
    unit: &'static str = ("Помещение", "Unit"),
    visitor: &'static str = ("Посетитель", "Visitor"),
    plate: &'static str = ("Номер машины", "Plate"),
    vehicle: &'static str = ("Марка и цвет", "Make and colour"),
    parking_space: &'static str = ("Машино-место", "Parking space"),
    company: &'static str = ("Организация", "Company"),
    work: &'static str = ("Работы", "Work"),
    phone: &'static str = ("Телефон посетителя", "Visitor's phone"),
    kind: &'static str = ("Вид пропуска", "Kind"),
    status: &'static str = ("Статус", "Status"),
    valid_from: &'static str = ("Действует с", "Valid from"),
    valid_until: &'static str = ("Действует до", "Valid until"),
    validity_permanent: &'static str = ("бессрочно", "no end"),
    /// «действует до 05.12.2026 18:00».
    valid_until_at: fn(&str) -> String = (|at| format!("действует до {at}"), |at| format!("valid until {at}")),
    /// Monday first, for weekly schedules.
    weekdays: [&'static str; 7] = (["пн", "вт", "ср", "чт", "пт", "сб", "вс"], ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
    arrived_at: &'static str = ("Пришёл", "Arrived"),
    departed_at: &'static str = ("Ушёл", "Left"),
    marked_by: &'static str = ("Отметил", "Marked by"),
    pin: &'static str = ("PIN", "PIN"),
    issued: &'static str = ("Пропуск оформлен", "Pass issued"),
    arrived_done: &'static str = ("Приход отмечен", "Arrival marked"),
    departed_done: &'static str = ("Уход отмечен", "Departure marked"),
    cancelled_done: &'static str = ("Пропуск отменён", "Pass cancelled"),
    already_marked: &'static str = ("Уже отмечен другим постом", "Already marked by another desk"),

    walk_in_title: &'static str = ("Разовый визит без пропуска", "A visitor without a pass"),
    walk_in_hint: &'static str = ("Хозяину помещения придёт запрос; когда он разрешит, пропуск появится в поиске.", "The host gets a request; once they allow it, the pass shows in the search."),
    walk_in_unit: &'static str = ("Помещение (например, 45 или «корп. 2, кв. 7»)", "Unit (e.g. 45 or «корп. 2, кв. 7»)"),
    walk_in_send: &'static str = ("Запросить разрешение", "Ask the host"),
    visit_requested: &'static str = ("Запрос отправлен хозяину помещения", "The host has been asked"),
    approve: &'static str = ("Пустить", "Let in"),
    deny: &'static str = ("Отказать", "Refuse"),
    approved_done: &'static str = ("Посетителя можно пропустить", "The visitor may come in"),
    denied_done: &'static str = ("В посещении отказано", "The visit was refused"),
    request_waiting: &'static str = ("Вас ждут у входа: разрешите или откажите", "Someone is at the door: let them in or refuse"),

    // The resident's cabinet.
    my_passes: &'static str = ("Мои пропуска", "My passes"),
    home_passes_hint: &'static str = ("Закажите пропуск гостю, курьеру или машине; здесь же — запросы с поста охраны.", "Order a pass for a guest, a courier or a car; requests from the guard desk come here too."),
    new_pass: &'static str = ("Заказать пропуск", "Order a pass"),
    no_passes: &'static str = ("Пропусков пока нет", "No passes yet"),
    cancel: &'static str = ("Отменить", "Cancel"),
    cancel_confirm: &'static str = ("Отменить пропуск?", "Cancel the pass?"),
    share_link: &'static str = ("Ссылка для гостя (QR-код и PIN)", "Link for the guest (QR code and PIN)"),
    share_once: &'static str = ("Ссылка показывается один раз: отправьте её гостю сейчас.", "The link is shown once: send it to your guest now."),
    pass_page_title: &'static str = ("Пропуск", "Pass"),
    qr_hint: &'static str = ("На посту наведите сканер на код или откройте эту страницу на телефоне", "At the desk, hold the code to the scanner or open this page on a phone"),
    pass_page_show: &'static str = ("Покажите QR-код или назовите PIN на посту охраны", "Show the QR code or tell the PIN at the guard desk"),
    guest_arrived: &'static str = ("Ваш гость пришёл", "Your guest has arrived"),
    my_guests: &'static str = ("Ваши гости за сутки", "Your guests in the last day"),

    // Errors.
    blocklisted: &'static str = ("Посетитель в стоп-листе: пропустить можно только с указанием причины", "The visitor is on the blocklist: letting them in needs a reason"),
    already_on_site: &'static str = ("Посетитель уже на территории: приход отметили раньше", "The visitor is already on site: the arrival was marked before"),
    not_on_site: &'static str = ("Посетителя нет на территории: уход отмечать не нужно", "The visitor is not on site: there is no departure to mark"),
    pass_on_site: &'static str = ("Посетитель сейчас на территории: сначала отметьте уход", "The visitor is on site now: mark the departure first"),
    pass_finished: &'static str = ("Пропуск уже закрыт, отменён или истёк", "The pass is already closed, cancelled or expired"),
    no_host_phone: &'static str = ("В карточке хозяина нет телефона: позвонить ему из Домового нельзя", "The host's card has no phone: Domovoy cannot call them"),
    desk_dialer_unavailable: &'static str = ("Позвонить хозяину сейчас нельзя: нет связи с АТС. Попросите консьержа или диспетчера связаться с жильцом.", "The host cannot be called now: no connection to the PBX. Ask the concierge or a dispatcher to reach the resident."),
    desk_no_extension: &'static str = ("У поста нет добавочного номера: администратор назначает его на странице «Интеграции».", "This desk has no extension: an administrator sets it under Integrations."),

    // Calling the host from the desk.
    call_host: &'static str = ("Позвонить хозяину", "Call the host"),
    call_host_title: &'static str = ("Сначала зазвонит телефон поста, затем АТС наберёт хозяина; номер на экран не выводится", "The desk's phone rings first, then the PBX dials the host; the number is never shown"),
    host_called: &'static str = ("Звоним хозяину: возьмите трубку телефона поста", "Calling the host: pick up the desk's phone"),

    // The parking: vehicles on site.
    parking_title: &'static str = ("Машины на парковке", "Vehicles in the car park"),
    parking_none: &'static str = ("Машин гостей на территории нет", "No visitors' vehicles on site"),

    // The visits report.
    report_title: &'static str = ("Отчёт по визитам", "Visits report"),
    report_from: &'static str = ("С", "From"),
    report_to: &'static str = ("По (включительно)", "To (inclusive)"),
    report_show: &'static str = ("Показать", "Show"),
    report_day: &'static str = ("День", "Day"),
    report_visits: &'static str = ("Визитов", "Visits"),
    report_average_stay: &'static str = ("Средняя длительность", "Average stay"),
    report_overstays: &'static str = ("Задержались после окончания пропуска", "Stayed past the pass"),
    report_total: &'static str = ("Всего", "Total"),
    report_nothing: &'static str = ("За этот период визитов нет", "No visits in this period"),
    report_download_days: &'static str = ("Скачать по дням", "Download by day"),
    report_download_visits: &'static str = ("Скачать все визиты", "Download every visit"),
    report_truncated: &'static str = ("Визитов больше, чем помещается в один отчёт: сократите период", "More visits than one report holds: shorten the period"),
    /// «1 ч 25 мин».
    stay: fn(i64) -> String = (
        |minutes| if minutes >= 60 { format!("{} ч {} мин", minutes / 60, minutes % 60) } else { format!("{minutes} мин") },
        |minutes| if minutes >= 60 { format!("{} h {} min", minutes / 60, minutes % 60) } else { format!("{minutes} min") },
    ),

    // The blocklist.
    blocklist_title: &'static str = ("Стоп-лист", "Blocklist"),
    block_name: &'static str = ("Имя", "Name"),
    block_aliases: &'static str = ("Другие имена (через запятую)", "Aliases (comma-separated)"),
    block_phones: &'static str = ("Телефоны", "Phones"),
    block_plates: &'static str = ("Номера машин", "Plates"),
    block_reason: &'static str = ("Причина", "Reason"),
    block_add: &'static str = ("Добавить в стоп-лист", "Add to the blocklist"),
    block_remove: &'static str = ("Убрать", "Remove"),
    block_all_buildings: &'static str = ("Все объекты", "All buildings"),
    block_everywhere: &'static str = ("Во всех объектах компании", "In every building of the company"),
    block_empty: &'static str = ("Стоп-лист пуст", "The blocklist is empty"),
    block_remove_confirm: &'static str = ("Убрать запись из стоп-листа?", "Remove the entry from the blocklist?"),
    blocked_done: &'static str = ("Добавлено в стоп-лист", "Added to the blocklist"),
    unblocked_done: &'static str = ("Запись убрана из стоп-листа", "The entry was removed from the blocklist"),
    block_added_at: &'static str = ("Добавлено", "Added"),

    // The concierge's passes page.
    office_title: &'static str = ("Пропуска объекта", "The building's passes"),
    office_link: &'static str = ("Пропуска и стоп-лист", "Passes and blocklist"),
    office_current: &'static str = ("Действующие пропуска", "Current passes"),
    office_none: &'static str = ("Действующих пропусков нет", "No current passes"),
    office_issue: &'static str = ("Выписать пропуск за жителя", "Issue a pass on a resident's behalf"),
    office_unit: &'static str = ("Помещение (например, 45 или «корп. 2, кв. 7»); хозяином станет его житель", "Unit (e.g. 45 or «корп. 2, кв. 7»); its resident becomes the host"),
    office_handover: &'static str = ("Передайте посетителю PIN или ссылку с QR-кодом: ссылка показывается один раз.", "Give the visitor the PIN or the link with the QR code: the link is shown once."),
    office_print: &'static str = ("Распечатать", "Print"),
}

labels! {
    ru: ps_ru, en: ps_en;
    fn kind_label(kind: PassKind) -> &'static str = match kind {
        PassKind::Guest => ("Гость (разовый)", "Guest (one-time)"),
        PassKind::Permanent => ("Постоянный", "Permanent"),
        PassKind::Vehicle => ("Автомобиль", "Vehicle"),
        PassKind::Contractor => ("Подрядчик", "Contractor"),
        PassKind::Delivery => ("Доставка / такси", "Delivery / taxi"),
    }
    fn status_label(status: PassStatus) -> &'static str = match status {
        PassStatus::Requested => ("Ждёт одобрения", "Awaiting approval"),
        PassStatus::Active => ("Действует", "Active"),
        PassStatus::OnSite => ("На территории", "On site"),
        PassStatus::Closed => ("Использован", "Used"),
        PassStatus::Cancelled => ("Отменён", "Cancelled"),
        PassStatus::Expired => ("Истёк", "Expired"),
        PassStatus::Denied => ("Отклонён", "Denied"),
    }
    fn refusal_label(refusal: Refusal) -> &'static str = match refusal {
        Refusal::NotApproved => ("Пропуск ещё не одобрен хозяином", "The host has not approved the pass yet"),
        Refusal::NotYetValid => ("Пропуск ещё не начал действовать", "The pass is not valid yet"),
        Refusal::Expired => ("Срок пропуска истёк", "The pass has expired"),
        Refusal::OutsideSchedule => ("Сейчас не время по расписанию пропуска", "Outside the pass's schedule"),
        Refusal::Cancelled => ("Пропуск отменён", "The pass was cancelled"),
        Refusal::Denied => ("В пропуске отказано", "The pass was denied"),
        Refusal::Used => ("Разовый пропуск уже использован", "The one-time pass was already used"),
    }
}
