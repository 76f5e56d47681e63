//! Strings of outages (their pages, the banner, the pop-up's line and the
//! notices' default words), reached as `t.ou`: each declared once, Russian
//! beside English.

use domovoy_domain::outage::OutageKind;

catalog! {
    /// The OutageCatalog strings of one language.
    pub struct OutageCatalog { ru: RU_OUTAGES, en: EN_OUTAGES }

    kind_label: fn(OutageKind) -> &'static str = (ou_ru::kind_label, ou_en::kind_label),
    /// What is cut off, as in «отключение …» (genitive).
    kind_cut: fn(OutageKind) -> &'static str = (ou_ru::kind_cut, ou_en::kind_cut),

    nav_outages: &'static str = ("Аварии", "Outages"),
    title: &'static str = ("Аварии и отключения", "Outages"),
    intro: &'static str = ("Зарегистрируйте отключение воды, тепла или света по домам или подъездам: жителям затронутых помещений сразу уйдёт аварийное оповещение (SMS, e-mail, личный кабинет и push — без учёта согласий на рассылки), у диспетчеров появится баннер, в карточке звонка из этих помещений — предупреждение, а их заявки привяжутся к аварии. Закрытие аварии оповестит тех же людей.", "Register a water, heat or power cut-off by building or section: the residents of the units affected get an emergency notice at once (SMS, e-mail, the cabinet and push, mailing consents aside), dispatchers see a banner, calls from those units show a warning on their pop-up, and their tickets are linked to the outage. Closing it tells the same people."),
    open_now: &'static str = ("Действуют сейчас", "In effect now"),
    none_open: &'static str = ("Сейчас аварий нет.", "No outages now."),
    closed_recent: &'static str = ("Закрытые", "Closed"),
    none_closed: &'static str = ("Закрытых аварий нет.", "No closed outages."),
    col_kind: &'static str = ("Что отключено", "What is cut off"),
    col_where: &'static str = ("Где", "Where"),
    col_when: &'static str = ("Когда (ориентировочно)", "When (expected)"),
    col_opened: &'static str = ("Зарегистрирована", "Registered"),
    col_closed: &'static str = ("Закрыта", "Closed"),
    /// "From … to …".
    period: fn(&str, &str) -> String = (|from, to| format!("с {from} до {to}"), |from, to| format!("from {from} to {to}")),

    register: &'static str = ("Зарегистрировать аварию", "Register an outage"),
    field_kind: &'static str = ("Что отключено", "What is cut off"),
    field_where: &'static str = ("Дома и подъезды", "Buildings and sections"),
    where_hint: &'static str = ("Отметьте дом целиком или только подъезды: затронуты все помещения в них.", "Mark a whole building or only some sections: every unit in them is affected."),
    field_starts: &'static str = ("Начало", "Starts"),
    field_ends: &'static str = ("Ожидаемое окончание", "Expected end"),
    times_hint: &'static str = ("Время по часам дома.", "On the building's clock."),
    field_details: &'static str = ("Подробности (войдут в оповещение)", "Details (go into the notice)"),
    details_placeholder: &'static str = ("Например: авария на магистрали, работает аварийная бригада", "E.g.: a burst main, the emergency crew is on it"),
    details_label: &'static str = ("Подробности", "Details"),
    field_notice_title: &'static str = ("Заголовок оповещения", "The notice's title"),
    field_notice_body: &'static str = ("Текст оповещения", "The notice's text"),
    notice_hint: &'static str = ("Оставьте пустым — текст составится сам из вида, времени и подробностей. В SMS уходит только текст, не длиннее 376 знаков.", "Leave empty to have it written from the kind, the times and the details. A text (SMS) carries the body alone, at most 376 characters."),
    register_button: &'static str = ("Зарегистрировать и оповестить", "Register and notify"),
    register_confirm: &'static str = ("Зарегистрировать аварию и сразу отправить оповещение жителям?", "Register the outage and send the residents its notice now?"),
    registered: &'static str = ("Авария зарегистрирована, жителям отправлено оповещение.", "Outage registered; the residents were sent its notice."),

    detail_title: fn(&str) -> String = (|kind| format!("Авария: {kind}"), |kind| format!("Outage: {kind}")),
    state_open: &'static str = ("Действует", "In effect"),
    state_closed: &'static str = ("Закрыта", "Closed"),
    units: &'static str = ("Затронуто помещений", "Units affected"),
    notice: &'static str = ("Оповещение", "Notice"),
    closing_notice: &'static str = ("Оповещение о завершении", "Closing notice"),
    open_mailing: &'static str = ("Отчёт о доставке", "Delivery report"),
    tickets: &'static str = ("Привязанные заявки", "Linked tickets"),
    tickets_none: &'static str = ("Заявок из затронутых помещений пока нет.", "No tickets from the units affected yet."),
    tickets_hint: &'static str = ("Открытые заявки этих помещений привязаны при регистрации, новые — при создании, пока авария действует.", "Open tickets of these units were linked when it was registered; new ones are linked when filed while it is in effect."),
    close: &'static str = ("Закрыть аварию", "Close the outage"),
    close_hint: &'static str = ("Тем же жителям уйдёт оповещение о завершении. Оставьте текст пустым — он составится сам.", "The same residents get a closing notice. Leave the text empty to have it written."),
    close_button: &'static str = ("Закрыть и оповестить", "Close and notify"),
    close_confirm: &'static str = ("Закрыть аварию и оповестить жителей о завершении?", "Close the outage and tell the residents it is over?"),
    closed_done: &'static str = ("Авария закрыта, жителям отправлено оповещение о завершении.", "Outage closed; the residents were told it is over."),
    already_closed: &'static str = ("Авария уже закрыта.", "The outage is closed already."),

    banner_label: &'static str = ("Действующие аварии", "Outages in effect"),
    /// The banner's and the pop-up's line: "Горячая вода · Дом 1 · до 10.12 18:00".
    until: &'static str = ("до", "until"),
    popup_outage: &'static str = ("Авария в доме звонящего", "An outage where the caller lives"),
    ticket_outage: &'static str = ("Связана с аварией", "Linked to an outage"),

    /// The opening notice's title.
    notice_title: fn(OutageKind) -> String = (
        |kind| match kind {
            OutageKind::Other => "Аварийные работы в доме".to_owned(),
            kind => format!("Отключение {}", ou_ru::kind_cut(kind)),
        },
        |kind| match kind {
            OutageKind::Other => "Emergency works in the building".to_owned(),
            kind => format!("{} cut off", ou_en::kind_label(kind)),
        },
    ),
    /// The opening notice's text: the kind, from, to, the details.
    notice_body: fn(OutageKind, &str, &str, &str) -> String = (
        |kind, from, to, details| {
            let what = match kind {
                OutageKind::Other => "ведутся аварийные работы".to_owned(),
                kind => format!("отключение {}", ou_ru::kind_cut(kind)),
            };
            let details = if details.is_empty() { String::new() } else { format!(" {details}.") };
            format!("Уважаемые жители! С {from} до {to} (ориентировочно) — {what}.{details} Приносим извинения за неудобства. Управляющая компания.")
        },
        |kind, from, to, details| {
            let what = match kind {
                OutageKind::Other => "emergency works are under way".to_owned(),
                kind => format!("the {} is cut off", ou_en::kind_cut(kind)),
            };
            let details = if details.is_empty() { String::new() } else { format!(" {details}.") };
            format!("Dear residents! From {from} to {to} (expected): {what}.{details} We apologise for the inconvenience. The management company.")
        },
    ),
    closing_title: fn(OutageKind) -> String = (
        |kind| match kind {
            OutageKind::Other => "Аварийные работы завершены".to_owned(),
            kind => format!("Отключение {} завершено", ou_ru::kind_cut(kind)),
        },
        |kind| match kind {
            OutageKind::Other => "Emergency works are over".to_owned(),
            kind => format!("{} is back", ou_en::kind_label(kind)),
        },
    ),
    closing_body: fn(OutageKind) -> String = (
        |kind| match kind {
            OutageKind::Other => "Уважаемые жители! Аварийные работы завершены. Спасибо за терпение. Управляющая компания.".to_owned(),
            kind => format!("Уважаемые жители! Отключение {} завершено, всё работает в обычном режиме. Спасибо за терпение. Управляющая компания.", ou_ru::kind_cut(kind)),
        },
        |kind| match kind {
            OutageKind::Other => "Dear residents! The emergency works are over. Thank you for your patience. The management company.".to_owned(),
            kind => format!("Dear residents! The {} is back to normal. Thank you for your patience. The management company.", ou_en::kind_cut(kind)),
        },
    ),
}

labels! {
    ru: ou_ru, en: ou_en;
    fn kind_label(kind: OutageKind) -> &'static str = match kind {
        OutageKind::ColdWater => ("Холодная вода", "Cold water"),
        OutageKind::HotWater => ("Горячая вода", "Hot water"),
        OutageKind::Heating => ("Отопление", "Heating"),
        OutageKind::Electricity => ("Электричество", "Electricity"),
        OutageKind::Gas => ("Газ", "Gas"),
        OutageKind::Sewerage => ("Канализация", "Sewerage"),
        OutageKind::Elevator => ("Лифт", "Elevator"),
        OutageKind::Other => ("Другое", "Other"),
    }
    fn kind_cut(kind: OutageKind) -> &'static str = match kind {
        OutageKind::ColdWater => ("холодной воды", "cold water"),
        OutageKind::HotWater => ("горячей воды", "hot water"),
        OutageKind::Heating => ("отопления", "heating"),
        OutageKind::Electricity => ("электроэнергии", "electricity"),
        OutageKind::Gas => ("газа", "gas"),
        OutageKind::Sewerage => ("канализации", "sewerage"),
        OutageKind::Elevator => ("лифта", "elevator"),
        OutageKind::Other => ("коммунальных услуг", "services"),
    }
}
