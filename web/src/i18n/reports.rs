//! Strings of the reports, reached as `t.rp`: each declared once, Russian
//! beside English.

use domovoy_domain::report::{Cadence, GroupBy, Measure, ReportName};

catalog! {
    /// The ReportCatalog strings of one language.
    pub struct ReportCatalog { ru: RU_REPORTS, en: EN_REPORTS }

    name_label: fn(ReportName) -> &'static str = (rp_ru::name_label, rp_en::name_label),
    about: fn(ReportName) -> &'static str = (rp_ru::about, rp_en::about),
    group_label: fn(GroupBy) -> &'static str = (rp_ru::group_label, rp_en::group_label),
    measure_label: fn(Measure) -> &'static str = (rp_ru::measure_label, rp_en::measure_label),
    column_label: fn(&str) -> &'static str = (rp_ru::column_label, rp_en::column_label),
    table_label: fn(&str) -> &'static str = (rp_ru::table_label, rp_en::table_label),

    nav_reports: &'static str = ("Отчёты", "Reports"),
    cadence_label: fn(Cadence) -> &'static str = (
        |c| match c { Cadence::Weekly => "Каждую неделю (по понедельникам, за прошлую неделю)", Cadence::Monthly => "Каждый месяц (1-го числа, за прошлый месяц)" },
        |c| match c { Cadence::Weekly => "Weekly (on Mondays, the week before)", Cadence::Monthly => "Monthly (on the 1st, the month before)" },
    ),
    /// Why the last due letter of a subscription was not sent, by error code
    /// (10 MB: `domovoy_store::mail::MAX_LETTER_BYTES`).
    subscription_problem: fn(&str) -> &'static str = (
        |code| match code {
            "forbidden" => "Письмо не отправлено: у вас больше нет права выгружать этот отчёт по этим объектам.",
            "no_email" => "Письмо не отправлено: в профиле не указан e-mail.",
            "account_disabled" => "Письмо не отправлено: учётная запись отключена.",
            "mail_not_configured" => "Письмо не отправлено: почта на сервере не настроена (раздел [mail] настроек).",
            "file_too_large" => "Письмо не отправлено: файл отчёта больше 10 МБ. Сузьте фильтры.",
            "validation_failed" | "not_found" => "Письмо не отправлено: фильтры отчёта больше не подходят (объект или бригада удалены). Подпишитесь заново.",
            _ => "Письмо не отправлено: отчёт не удалось сформировать. Администратор видит причину в журнале.",
        },
        |code| match code {
            "forbidden" => "Not sent: you may no longer download this report for these buildings.",
            "no_email" => "Not sent: your profile has no e-mail.",
            "account_disabled" => "Not sent: the account is disabled.",
            "mail_not_configured" => "Not sent: e-mail is not set up on this server (the [mail] settings).",
            "file_too_large" => "Not sent: the report's file is over 10 MB. Narrow the filters.",
            "validation_failed" | "not_found" => "Not sent: the report's filters no longer apply (a building or team was removed). Subscribe again.",
            _ => "Not sent: the report could not be made. The administrator sees why in the log.",
        },
    ),
    /// «Отчёт «SLA» за 30.11.2026 — 06.12.2026».
    letter_subject: fn(&str, &str) -> String = (
        |name, period| format!("Отчёт «{name}» за {period}"),
        |name, period| format!("Report «{name}» for {period}"),
    ),
    /// The letter's text: the person, the report, the period, the figures.
    letter_text: fn(&str, &str, &str, &str) -> String = (
        |person, name, period, figures| format!("Здравствуйте, {person}!\n\nОтчёт «{name}» за {period} — во вложении (Excel, лист на каждую таблицу).\n\n{figures}\n\nВы получаете это письмо, потому что подписались на отчёт в Домовом. Отписаться: «Отчёты» → «Мои рассылки отчётов» → «Отписаться».\n"),
        |person, name, period, figures| format!("Hello, {person}!\n\nThe report «{name}» for {period} is attached (Excel, a sheet per table).\n\n{figures}\n\nYou receive this letter because you subscribed to the report in Domovoy. To stop: Reports → My report letters → Unsubscribe.\n"),
    ),
    no_email: &'static str = ("Чтобы получать отчёты на почту, укажите e-mail в профиле.", "To get reports by e-mail, add an e-mail address to your profile."),
    mail_not_configured: &'static str = ("Почта на сервере не настроена: отчёты по e-mail станут доступны, когда администратор заполнит раздел [mail] настроек.", "E-mail is not set up on this server: the administrator fills in the [mail] settings first."),
    no_filters: &'static str = ("Без фильтров", "No filters"),
    subscribe_title: &'static str = ("Присылать на почту", "Send by e-mail"),
    subscribe_about: &'static str = ("С текущими фильтрами, файлом Excel, в 07:00.", "With the filters shown, as an Excel file, at 07:00."),
    subscribe: &'static str = ("Подписаться", "Subscribe"),
    subscriptions_title: &'static str = ("Мои рассылки отчётов", "My report letters"),
    subscriptions_none: &'static str = ("Подписок нет. Откройте отчёт, выберите фильтры и нажмите «Подписаться».", "No subscriptions. Open a report, choose the filters and press «Subscribe»."),
    next_letter: &'static str = ("Следующее письмо", "Next letter"),
    last_letter: &'static str = ("Последнее — за", "Last — for"),
    unsubscribe: &'static str = ("Отписаться", "Unsubscribe"),
    subscribed_done: &'static str = ("Подписка оформлена: первое письмо придёт в указанный день в 07:00.", "Subscribed: the first letter comes on the day shown at 07:00."),
    unsubscribed_done: &'static str = ("Подписка отменена.", "Unsubscribed."),
    summary_title: &'static str = ("Отчёт управляющего", "Manager's summary"),
    summary_about: &'static str = ("Одна страница по объекту за период: главные цифры и графики, для печати", "One page per building and period: the key figures and charts, for print"),
    title: &'static str = ("Отчёты", "Reports"),
    intro: &'static str = (
        "Заявка считается в том периоде, когда её подали (по времени её объекта), обе даты включительно. Каждая цифра открывает список заявок за ней.",
        "A ticket counts in the period it was filed in (its building's time), both dates included. Every figure opens the list of tickets behind it.",
    ),
    call_log: &'static str = ("Журнал звонков", "Call log"),
    group_label_operator: &'static str = ("Оператор", "Operator"),
    /// «09:00–10:00».
    hour_span: fn(u32) -> String = (|h| format!("{h:02}:00–\u{2060}{:02}:00", (h + 1) % 24), |h| format!("{h:02}:00–\u{2060}{:02}:00", (h + 1) % 24)),
    visit_log: &'static str = ("Журнал посещений", "Visit log"),
    period_from: &'static str = ("С", "From"),
    period_to: &'static str = ("По", "To"),
    building: &'static str = ("Объект", "Building"),
    category: &'static str = ("Категория", "Category"),
    priority: &'static str = ("Приоритет", "Priority"),
    source: &'static str = ("Источник", "Source"),
    team: &'static str = ("Бригада", "Team"),
    group_by: &'static str = ("Строки", "Rows by"),
    any: &'static str = ("Все", "All"),
    show: &'static str = ("Показать", "Show"),
    print: &'static str = ("Печать", "Print"),
    download: &'static str = ("Скачать", "Download"),
    last_7: &'static str = ("7 дней", "7 days"),
    last_30: &'static str = ("30 дней", "30 days"),
    this_month: &'static str = ("Этот месяц", "This month"),
    last_month: &'static str = ("Прошлый месяц", "Last month"),
    nothing: &'static str = ("За этот период заявок нет.", "No tickets in this period."),
    nothing_calls: &'static str = ("За этот период звонков нет.", "No calls in this period."),
    nothing_visits: &'static str = ("За этот период посещений нет.", "No visits in this period."),
    truncated: &'static str = ("Заявок больше миллиона: отчёт посчитан по первому миллиону. Сузьте период или фильтры.", "Over a million tickets: the report counts the first million. Narrow the period or the filters."),
    nobody: &'static str = ("Не указано", "Not set"),
    total: &'static str = ("Итого", "Total"),
    generated: &'static str = ("Сформирован", "Generated"),
    period: &'static str = ("Период", "Period"),
    minutes_note: &'static str = (
        "Время — в рабочих минутах политики SLA заявки (её график, производственный календарь, часовой пояс объекта); у заявок без политики — в обычных минутах.",
        "Times are working minutes of the ticket's SLA policy (its schedule, the production calendar, the building's zone); plain minutes for tickets without a policy.",
    ),
    chart_title: fn(ReportName) -> &'static str = (rp_ru::chart_title, rp_en::chart_title),
    drill_title: &'static str = ("Заявки за цифрой", "Tickets behind the figure"),
    drill_count: fn(usize) -> String = (|n| format!("Всего заявок: {n}"), |n| format!("Tickets: {n}")),
    drill_cut: fn(usize) -> String = (|n| format!("Показаны первые {n}; полный список — в выгрузке."), |n| format!("The first {n} are shown; the download has them all.")),
    list_cut: fn(usize, usize) -> String = (
        |shown, all| format!("Показаны первые {shown} из {all}; все — в выгрузке Excel и по ссылкам на цифрах выше."),
        |shown, all| format!("The first {shown} of {all} are shown; all are in the Excel download and behind the figures above."),
    ),
    drill_back: &'static str = ("← К отчёту", "← Back to the report"),
    col_number: &'static str = ("Номер", "Number"),
    col_created: &'static str = ("Подана", "Filed"),
    col_resolved: &'static str = ("Выполнена", "Resolved"),
    col_status: &'static str = ("Статус", "Status"),
    col_assignee: &'static str = ("Исполнитель", "Assignee"),
    col_rating: &'static str = ("Оценка", "Rating"),
    /// «12,5 %».
    percent: fn(f64) -> String = (|v| format!("{}\u{a0}%", decimal(v * 100.0, ',')), |v| format!("{}%", decimal(v * 100.0, '.'))),
    /// «4,3».
    average: fn(f64) -> String = (|v| decimal(v, ','), |v| decimal(v, '.')),
    /// «2 ч 05 мин», «3 д 4 ч», «45 мин».
    duration: fn(f64) -> String = (|m| span(m, ["мин", "ч", "д"]), |m| span(m, ["min", "h", "d"])),
    /// «Неделя с 30.11».
    week_of: fn(&str) -> String = (|d| format!("Неделя с {d}"), |d| format!("Week of {d}")),
    /// Month names in the nominative, January first.
    months: [&'static str; 12] = (
        ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"],
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    ),
}

/// `value` with one decimal (none when whole), `separator` between.
fn decimal(value: f64, separator: char) -> String {
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text).to_owned();
    text.replace('.', &separator.to_string())
}

/// Minutes as days, hours and minutes, the two largest parts.
fn span(minutes: f64, units: [&str; 3]) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let total = minutes.round() as i64;
    let (days, hours, mins) = (total / 1440, total % 1440 / 60, total % 60);
    let [m, h, d] = units;
    if days > 0 {
        format!("{days} {d} {hours} {h}")
    } else if hours > 0 {
        format!("{hours} {h} {mins:02} {m}")
    } else {
        format!("{mins} {m}")
    }
}

labels! {
    ru: rp_ru, en: rp_en;
    fn name_label(name: ReportName) -> &'static str = match name {
        ReportName::Sla => ("Соблюдение SLA", "SLA"),
        ReportName::Backlog => ("Очередь и возраст заявок", "Backlog and ageing"),
        ReportName::Workload => ("Загрузка исполнителей", "Workload"),
        ReportName::Quality => ("Оценки жителей", "Residents' ratings"),
        ReportName::Sources => ("Источники заявок", "Sources"),
        ReportName::Calls => ("Звонки (ПП РФ №416)", "Calls (RF Government Decree 416)"),
        ReportName::Visits => ("Посещения", "Visits"),
    }
    fn about(name: ReportName) -> &'static str = match name {
        ReportName::Sla => ("Первый ответ и выполнение в срок: доли, медиана и 90-й процентиль, список нарушений", "First response and resolution on time: shares, median and 90th percentile, the breaches"),
        ReportName::Backlog => ("Открытые заявки по статусу и возрасту; подано и закрыто по дням", "Open tickets by status and age; opened and closed per day"),
        ReportName::Workload => ("Заявки по исполнителям и бригадам, возвраты, выполнение с первого раза", "Tickets per technician and team, reopens, first-time fixes"),
        ReportName::Quality => ("Средняя оценка, распределение, низкие оценки с комментариями", "Average rating, distribution, low ratings with comments"),
        ReportName::Sources => ("Телефон, приложение, кабинет, e-mail, лично: доли и динамика", "Phone, app, cabinet, e-mail, walk-in: shares and trend"),
        ReportName::Calls => ("Ответ за 5 минут, перезвон за 10, пропущенные: по операторам и часам", "Answered within 5 minutes, called back within 10, missed: by operator and hour"),
        ReportName::Visits => ("Посетители по дням и объектам, среднее время на территории, задержавшиеся после срока пропуска", "Visitors per day and building, average stay, those who stayed past their pass"),
    }
    fn chart_title(name: ReportName) -> &'static str = match name {
        ReportName::Sla => ("Доля в срок: первый ответ и выполнение", "On time: first response and resolution"),
        ReportName::Backlog => ("Подано и закрыто", "Opened and closed"),
        ReportName::Workload => ("Заявки и выполненные", "Tickets and resolved"),
        ReportName::Quality => ("Распределение оценок", "Ratings"),
        ReportName::Sources => ("Доли источников", "Sources"),
        ReportName::Calls => ("Ответ за 5 минут и перезвон за 10", "Answered within 5 minutes, called back within 10"),
        ReportName::Visits => ("Посещения и задержавшиеся", "Visits and overstays"),
    }
    fn group_label(by: GroupBy) -> &'static str = match by {
        GroupBy::Building => ("Объект", "Building"),
        GroupBy::Category => ("Категория", "Category"),
        GroupBy::Priority => ("Приоритет", "Priority"),
        GroupBy::Source => ("Источник", "Source"),
        GroupBy::Team => ("Бригада", "Team"),
        GroupBy::Assignee => ("Исполнитель", "Assignee"),
        GroupBy::Status => ("Статус", "Status"),
        GroupBy::Day => ("День", "Day"),
        GroupBy::Week => ("Неделя", "Week"),
        GroupBy::Month => ("Месяц", "Month"),
        GroupBy::Hour => ("Час", "Hour"),
        GroupBy::Operator => ("Оператор", "Operator"),
    }
    fn measure_label(measure: Measure) -> &'static str = match measure {
        Measure::Tickets => ("Заявок", "Tickets"),
        Measure::ResponseMet => ("Ответ в срок", "Response on time"),
        Measure::ResponseBreached => ("Ответ с нарушением", "Response late"),
        Measure::ResolutionMet => ("Выполнено в срок", "Resolved on time"),
        Measure::ResolutionBreached => ("Выполнение с нарушением", "Resolution late"),
        Measure::Resolved => ("Выполнено", "Resolved"),
        Measure::Open => ("Открыто", "Open"),
        Measure::Reopened => ("Возвращались", "Reopened"),
        Measure::FirstTimeFix => ("С первого раза", "First-time fix"),
        Measure::Rated => ("Оценено", "Rated"),
        Measure::LowRating => ("Низкие (1–3)", "Low (1–3)"),
        Measure::Rating1 => ("★1", "★1"),
        Measure::Rating2 => ("★2", "★2"),
        Measure::Rating3 => ("★3", "★3"),
        Measure::Rating4 => ("★4", "★4"),
        Measure::Rating5 => ("★5", "★5"),
        Measure::Closed => ("Закрыто", "Closed"),
        Measure::AgeDay => ("До суток", "Under a day"),
        Measure::AgeThreeDays => ("1–3 дня", "1–3 days"),
        Measure::AgeWeek => ("3–7 дней", "3–7 days"),
        Measure::AgeMonth => ("7–30 дней", "7–30 days"),
        Measure::AgeOlder => ("Больше 30 дней", "Over 30 days"),
    }
    fn column_label(key: &str) -> &'static str = match key {
        "response_share" => ("Ответ: доля в срок", "Response: on time"),
        "response_median" => ("Ответ: медиана", "Response: median"),
        "response_p90" => ("Ответ: 90-й процентиль", "Response: 90th percentile"),
        "resolution_share" => ("Выполнение: доля в срок", "Resolution: on time"),
        "resolution_median" => ("Выполнение: медиана", "Resolution: median"),
        "resolution_p90" => ("Выполнение: 90-й процентиль", "Resolution: 90th percentile"),
        "reopen_share" => ("Доля возвратов", "Reopen rate"),
        "first_time_fix_share" => ("Доля с первого раза", "First-time fix rate"),
        "average" => ("Средняя оценка", "Average"),
        "share" => ("Доля", "Share"),
        "balance" => ("Разница", "Net"),
        "opened" => ("Подано", "Opened"),
        "closed" => ("Закрыто", "Closed"),
        "open" => ("Открыто сейчас", "Open now"),
        "ticket" => ("Заявка", "Ticket"),
        "building" => ("Объект", "Building"),
        "category" => ("Категория", "Category"),
        "clock" => ("Что нарушено", "Which clock"),
        "due" => ("Срок", "Due"),
        "done_at" => ("Сделано", "Done at"),
        "late" => ("Просрочка", "Late by"),
        "status" => ("Статус", "Status"),
        "assignee" => ("Исполнитель", "Assignee"),
        "rating" => ("Оценка", "Rating"),
        "comment" => ("Комментарий", "Comment"),
        "inbound" => ("Входящих", "Inbound"),
        "answered" => ("Отвечено", "Answered"),
        "answered_in_time" => ("Ответ за 5 минут", "Answered within 5 min"),
        "answered_share" => ("Доля ответа за 5 минут", "Answered within 5 min, share"),
        "missed" => ("Пропущено", "Missed"),
        "called_back_in_time" => ("Перезвон за 10 минут", "Called back within 10 min"),
        "callback_share" => ("Доля перезвона за 10 минут", "Called back within 10 min, share"),
        "callbacks_open" => ("Ждут перезвона", "Awaiting a callback"),
        "visits" => ("Посещений", "Visits"),
        "on_site" => ("Сейчас на территории", "On site now"),
        "average_stay" => ("Среднее время на территории", "Average stay"),
        "overstays" => ("Задержались после срока", "Stayed past the pass"),
        "overstay_share" => ("Доля задержавшихся", "Overstays, share"),
        _ => ("", ""),
    }
    fn table_label(key: &str) -> &'static str = match key {
        "breaches" => ("Нарушения сроков", "Breaches"),
        "flow" => ("Подано и закрыто", "Opened and closed"),
        "ageing" => ("Открытые заявки по возрасту", "Open tickets by age"),
        "low" => ("Низкие оценки", "Low ratings"),
        "trend" => ("Динамика по источникам", "Sources over time"),
        "hours" => ("По часам", "By hour"),
        "kinds" => ("По видам пропусков", "By kind of pass"),
        _ => ("Сводка", "Summary"),
    }
}
