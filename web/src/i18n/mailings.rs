//! Strings of mailings, the unsubscribe page and the residents' notices,
//! reached as `t.ml`: each declared once, Russian beside English.

use domovoy_domain::client::LinkRole;
use domovoy_domain::mailing::{DeliveryStatus, Exclusion, MailingChannel, MailingKind, MailingStatus};

catalog! {
    /// The MailingCatalog strings of one language.
    pub struct MailingCatalog { ru: RU_MAILINGS, en: EN_MAILINGS }

    kind_label: fn(MailingKind) -> &'static str = (ml_ru::kind_label, ml_en::kind_label),
    channel_label: fn(MailingChannel) -> &'static str = (ml_ru::channel_label, ml_en::channel_label),
    status_label: fn(MailingStatus) -> &'static str = (ml_ru::status_label, ml_en::status_label),
    delivery_label: fn(DeliveryStatus) -> &'static str = (ml_ru::delivery_label, ml_en::delivery_label),
    exclusion_label: fn(Exclusion) -> &'static str = (ml_ru::exclusion_label, ml_en::exclusion_label),
    role_label: fn(LinkRole) -> &'static str = (ml_ru::role_label, ml_en::role_label),

    nav_mailings: &'static str = ("Рассылки", "Mailings"),
    title: &'static str = ("Рассылки", "Mailings"),
    intro: &'static str = ("Сообщения жителям: push-уведомлением в приложение, по SMS, e-mail и в личный кабинет. Получатели выбираются по объектам и подъездам; каналы пробуются по порядку (push, SMS, e-mail): кому не дойдёт первый, тому уйдёт следующий; кто не давал согласия ни на один, получит только объявление в кабинете (аварийные оповещения доходят до всех, у кого есть адрес).", "Messages to residents, by push to the app, text (SMS), e-mail and in the cabinet. Recipients are chosen by building and section; channels are tried in order (push, SMS, e-mail): whom the first does not reach gets the next; those who agreed to none get only the cabinet notice (emergency notices reach everyone with an address)."),
    new_mailing: &'static str = ("Новая рассылка", "New mailing"),
    none_yet: &'static str = ("Рассылок пока нет.", "No mailings yet."),
    col_title: &'static str = ("Заголовок", "Title"),
    col_kind: &'static str = ("Вид", "Kind"),
    col_status: &'static str = ("Состояние", "Status"),
    col_created: &'static str = ("Создана", "Created"),
    col_progress: &'static str = ("Доставка", "Delivery"),

    field_title: &'static str = ("Заголовок (тема письма)", "Title (the letter's subject)"),
    field_body: &'static str = ("Текст", "Text"),
    field_kind: &'static str = ("Вид", "Kind"),
    field_channels: &'static str = ("Каналы", "Channels"),
    channels_hint: &'static str = ("Объявление в кабинете видят все получатели. Из push, SMS и e-mail каждому уходит одно сообщение: первый по порядку канал, для которого у человека есть приложение с уведомлениями, номер или адрес и согласие. В SMS уходит только текст (без заголовка), не длиннее 376 знаков.", "The cabinet notice reaches every recipient. Of push, SMS and e-mail each gets one message: the first channel in order they have the app with notifications, a number or an address and consent for. A text (SMS) carries the body alone (no title), at most 376 characters."),
    field_buildings: &'static str = ("Объекты", "Buildings"),
    field_sections: &'static str = ("Подъезды и корпуса", "Sections"),
    sections_hint: &'static str = ("Отмеченные подъезды добавляются к объектам, отмеченным целиком.", "Sections marked are added to the buildings marked (whole)."),
    field_units: &'static str = ("Выбранные помещения", "Units chosen"),
    field_roles: &'static str = ("Кому из связанных с помещением", "Who among those linked to the unit"),
    roles_hint: &'static str = ("Ничего не отмечено — всем: собственникам, арендаторам и проживающим.", "None marked: everyone (owners, tenants, occupants)."),
    field_unit_kinds: &'static str = ("Какие помещения", "Which units"),
    unit_kinds_hint: &'static str = ("Ничего не отмечено — все: квартиры, офисы, кладовые, машино-места.", "None marked: all of them (flats, offices, storage, parking)."),
    field_floors: &'static str = ("Этажи", "Floors"),
    floor_from: &'static str = ("с", "from"),
    floor_to: &'static str = ("по", "to"),
    floors_hint: &'static str = ("Пусто — все этажи; одно число — только этот этаж.", "Empty: every floor; one number: that floor only."),
    /// Why SMS.ru could not deliver a text, by its status code.
    smsru_undelivered: fn(i64) -> String = (
        |code| {
            let why = match code {
                104 => "истёк срок жизни сообщения (телефон был недоступен)",
                105 => "удалено оператором",
                106 => "сбой в телефоне",
                107 => "неизвестная причина",
                108 => "отклонено оператором",
                150 => "нет маршрута на этот номер",
                _ => "причина не сообщена",
            };
            format!("SMS.ru: не доставлено — {why} (код {code})")
        },
        |code| {
            let why = match code {
                104 => "its lifetime ran out (the phone was unreachable)",
                105 => "deleted by the operator",
                106 => "a phone failure",
                107 => "an unknown reason",
                108 => "refused by the operator",
                150 => "no route to this number",
                _ => "no reason given",
            };
            format!("SMS.ru: not delivered — {why} (code {code})")
        },
    ),
    format_toolbar: &'static str = ("Оформление текста", "Text formatting"),
    format_bold: &'static str = ("Ж", "B"),
    format_bold_title: &'static str = ("Жирный (Ctrl+B): **текст**", "Bold (Ctrl+B): **text**"),
    format_list: &'static str = ("• Список", "• List"),
    format_list_title: &'static str = ("Список: строки, начинающиеся с «- »", "List: lines starting with “- ”"),
    format_hint: &'static str = ("Оформление: **жирный**, строка с «- » — пункт списка, пустая строка — новый абзац, адреса https://… становятся ссылками. В SMS и push уходит без оформления.", "Formatting: **bold**, a line starting with “- ” is a list item, a blank line starts a paragraph, https://… addresses become links. SMS and push get it plain."),
    variables_hint: &'static str = ("В заголовке и тексте можно подставить: {{ name }} — имя получателя, {{ unit }} — помещение, {{ building }} — объект, {{ address }} — адрес объекта, {{ date }} — дата отправки.", "Title and text may use: {{ name }} (the recipient), {{ unit }}, {{ building }}, {{ address }}, {{ date }} (the day it is sent)."),
    body_placeholder: &'static str = ("Уважаемый(ая) {{ name }}!\n\n…", "Dear {{ name }},\n\n…"),
    save_draft: &'static str = ("Сохранить и посмотреть получателей", "Save and see the recipients"),
    cancel: &'static str = ("Отмена", "Cancel"),

    audience: &'static str = ("Получатели", "Recipients"),
    audience_size: &'static str = ("Всего получателей", "Recipients in all"),
    reached_by: &'static str = ("Получат", "Will get it by"),
    in_app_count: &'static str = ("Объявление в кабинете", "Cabinet notice"),
    excluded: &'static str = ("Не получат ни по одному каналу", "Reached by no channel"),
    preview_title: &'static str = ("Как прочтут первые получатели", "How the first recipients will read it"),
    preview_only_cabinet: &'static str = ("только кабинет", "cabinet only"),
    preview_channels_title: &'static str = ("Как выглядит в каждом канале", "How it looks on each channel"),
    /// "To Ivanov I. I., as sent": whose text the channel previews show.
    preview_channels_intro: fn(&str) -> String = (
        |name| format!("Текст для получателя «{name}» — так, как он уйдёт (ссылка отписки показана условно)."),
        |name| format!("The text for «{name}», as it goes out (the unsubscribe link is a placeholder)."),
    ),
    /// "123 of 536 characters".
    sms_chars: fn(usize, usize) -> String = (
        |n, max| format!("{n} знаков из {max}"),
        |n, max| format!("{n} of {max} characters"),
    ),
    send: &'static str = ("Отправить", "Send"),
    send_confirm: &'static str = ("Отправить рассылку? Отменить отправку будет нельзя.", "Send the mailing? It cannot be called back."),
    templates: &'static str = ("Шаблоны", "Templates"),
    templates_none: &'static str = ("Шаблонов пока нет: сохраните текст рассылки как шаблон в редакторе.", "No templates yet: save a mailing's text as a template in the editor."),
    template_use: &'static str = ("Написать по шаблону", "Write from it"),
    template_delete: &'static str = ("Удалить", "Delete"),
    template_delete_confirm: &'static str = ("Удалить шаблон? Рассылки, написанные по нему, останутся.", "Delete the template? Mailings written from it stay."),
    template_pick: &'static str = ("Начать с шаблона", "Start from a template"),
    template_apply: &'static str = ("Подставить", "Use"),
    template_name: &'static str = ("Название шаблона", "Template name"),
    template_save: &'static str = ("Сохранить как шаблон", "Save as a template"),
    template_save_hint: &'static str = ("Сохраняются вид, каналы, заголовок и текст; получателей выбирают каждый раз.", "The kind, channels, title and text are saved; recipients are chosen each time."),
    template_saved: &'static str = ("Шаблон сохранён: редактор открыт с ним.", "Template saved: the editor is open with it."),
    template_deleted: &'static str = ("Шаблон удалён.", "Template deleted."),
    segments: &'static str = ("Сегменты получателей", "Audience segments"),
    segments_none: &'static str = ("Сегментов пока нет: сохраните выбор получателей в редакторе рассылки.", "No segments yet: save a choice of recipients in the mailing editor."),
    segment_use: &'static str = ("Написать им", "Write to them"),
    segment_delete_confirm: &'static str = ("Удалить сегмент? Рассылки, отправленные ему, останутся.", "Delete the segment? Mailings sent to it stay."),
    segment_pick: &'static str = ("Получатели из сегмента", "Recipients from a segment"),
    segment_name: &'static str = ("Название сегмента", "Segment name"),
    segment_save: &'static str = ("Сохранить получателей как сегмент", "Save the recipients as a segment"),
    segment_save_hint: &'static str = ("Сохраняется выбор (объекты, подъезды, помещения, кому, этажи); люди определяются заново при каждой отправке.", "The choice is saved (buildings, sections, units, relations, floors); the people are found anew at each sending."),
    segment_saved: &'static str = ("Сегмент сохранён: получатели выбраны по нему.", "Segment saved: the recipients are chosen by it."),
    segment_deleted: &'static str = ("Сегмент удалён.", "Segment deleted."),
    schedule_at: &'static str = ("Или отправить", "Or send at"),
    schedule: &'static str = ("Запланировать", "Schedule"),
    schedule_hint: &'static str = ("Время — по часам каждого дома: жители в Екатеринбурге получат рассылку в 10:00 по Екатеринбургу, в Москве — в 10:00 по Москве. Получатели определяются в момент отправки.", "The time is read on each building's clock: residents in Yekaterinburg get it at 10:00 there, in Moscow at 10:00 Moscow time. Recipients are found when it is sent."),
    schedule_invalid: &'static str = ("Укажите дату и время отправки в будущем, не позже чем через год.", "Give a date and time in the future, at most a year ahead."),
    /// «Отправится 10.12.2026 10:00 по времени каждого дома».
    scheduled_for: fn(&str) -> String = (
        |at| format!("Отправится {at} по времени каждого дома. До этого её можно отменить и изменить."),
        |at| format!("Leaves at {at} on each building's clock. Until then it can be called off and changed."),
    ),
    unschedule: &'static str = ("Отменить отправку", "Call off"),
    mailing_scheduled: &'static str = ("Рассылка запланирована.", "The mailing is scheduled."),
    mailing_unscheduled: &'static str = ("Отправка отменена: рассылка снова черновик.", "Called off: the mailing is a draft again."),
    sent_at: &'static str = ("Отправлена", "Sent"),
    progress: &'static str = ("Ход доставки", "Delivery progress"),
    progress_hint: &'static str = ("Обновляется сам, пока письма уходят.", "Updates itself while letters go out."),
    deliveries: &'static str = ("Доставки", "Deliveries"),
    no_deliveries: &'static str = ("Доставок нет: рассылка ещё не отправлена.", "No deliveries: the mailing was not sent yet."),
    col_recipient: &'static str = ("Получатель", "Recipient"),
    col_channel: &'static str = ("Канал", "Channel"),
    col_address: &'static str = ("Адрес", "Address"),
    col_reason: &'static str = ("Причина", "Reason"),
    col_attempts: &'static str = ("Попыток", "Attempts"),
    col_sent: &'static str = ("Отправлено", "Sent"),
    unsubscribed_mark: &'static str = ("отписался", "unsubscribed"),
    download_csv: &'static str = ("Скачать CSV", "Download CSV"),
    more_deliveries: &'static str = ("Показаны первые доставки; все — в файле CSV.", "The first deliveries are shown; all are in the CSV file."),
    mailing_created: &'static str = ("Рассылка сохранена. Проверьте получателей и текст, затем отправьте.", "Mailing saved. Check the recipients and the text, then send."),
    mailing_sent: &'static str = ("Рассылка отправлена: письма поставлены в очередь.", "Mailing sent: the letters are queued."),
    channel_unavailable: &'static str = ("Этот канал на сервере не настроен: SMS уходят, когда администратор задал SMS-шлюз (раздел [sms] настроек сервера), push-уведомлений жителям пока нет. Выберите другой канал.", "This channel is not set up on the server: texts go out once the administrator sets an SMS gateway (the server's [sms] settings); there is no push to residents yet. Choose another channel."),
    already_sent: &'static str = ("Рассылка уже отправлена: повторно её не отправить. Создайте новую.", "The mailing was sent already; it cannot be sent again. Create a new one."),

    /// The unsubscribe line of a message, with its link: a sentence under
    /// a letter, a short line in a text (SMS).
    footer: fn(MailingChannel, &str) -> String = (
        |channel, url| match channel {
            MailingChannel::Sms => format!("Отписаться: {url}"),
            _ => format!("Вы получили это письмо как житель дома, который обслуживает наша управляющая компания. Отказаться от рассылок по e-mail: {url}"),
        },
        |channel, url| match channel {
            MailingChannel::Sms => format!("Unsubscribe: {url}"),
            _ => format!("You receive this letter as a resident of a building our company manages. To stop e-mail mailings: {url}"),
        },
    ),

    unsubscribe_title: &'static str = ("Отписка от рассылок", "Unsubscribe"),
    unsubscribe_question: fn(&str, &str) -> String = (
        |channel, title| format!("Больше не присылать вам рассылки ({channel})? Ссылка пришла в сообщении «{title}». Аварийные оповещения будут приходить по-прежнему."),
        |channel, title| format!("Stop sending you mailings ({channel})? The link came in «{title}». Emergency notices will still arrive."),
    ),
    unsubscribe_button: &'static str = ("Отписаться", "Unsubscribe"),
    unsubscribe_done: fn(&str) -> String = (
        |channel| format!("Готово: рассылки ({channel}) вам больше не придут. Передумаете — сообщите в управляющую компанию."),
        |channel| format!("Done: no more mailings ({channel}). Changed your mind? Tell the management company."),
    ),
    unsubscribe_unknown: &'static str = ("Ссылка для отписки не найдена или устарела.", "The unsubscribe link is unknown or outdated."),

    files: &'static str = ("Вложения", "Attachments"),
    files_none: &'static str = ("Вложений нет.", "No attachments."),
    files_hint: &'static str = ("Файлы уходят в каждом письме (до 5 файлов, вместе не больше 10 МБ: фото, PDF, Word, Excel, текст) и видны в личном кабинете; в SMS не передаются.", "Files go with every letter (up to 5, 10 MB together: photos, PDF, Word, Excel, text) and show in the cabinet; texts (SMS) do not carry them."),
    file_add: &'static str = ("Прикрепить файл", "Attach a file"),
    file_remove: &'static str = ("Убрать", "Remove"),
    file_remove_confirm: &'static str = ("Убрать файл из рассылки?", "Remove the file from the mailing?"),
    file_removed: &'static str = ("Файл убран из рассылки.", "The file was removed from the mailing."),
    size_kb: fn(i64) -> String = (|kb| format!("{kb} КБ"), |kb| format!("{kb} KB")),
    size_mb: fn(String) -> String = (|mb| format!("{mb} МБ"), |mb| format!("{mb} MB")),
    notices_title: &'static str = ("Объявления управляющей компании", "Notices from the management company"),
    notices_none: &'static str = ("Объявлений пока нет.", "No notices yet."),
    client_mailings: &'static str = ("Рассылки", "Mailings"),
    client_mailings_none: &'static str = ("Рассылок клиент не получал.", "The client received no mailings."),
}

labels! {
    ru: ml_ru, en: ml_en;
    fn kind_label(kind: MailingKind) -> &'static str = match kind {
        MailingKind::News => ("Новости", "News"),
        MailingKind::Works => ("Плановые работы", "Planned works"),
        MailingKind::Emergency => ("Аварийное оповещение", "Emergency notice"),
        MailingKind::Billing => ("Напоминание об оплате", "Billing reminder"),
    }
    fn channel_label(channel: MailingChannel) -> &'static str = match channel {
        MailingChannel::Push => ("Push в приложение", "Push to the app"),
        MailingChannel::Sms => ("SMS", "SMS"),
        MailingChannel::Email => ("E-mail", "E-mail"),
        MailingChannel::InApp => ("Личный кабинет", "Cabinet"),
    }
    fn status_label(status: MailingStatus) -> &'static str = match status {
        MailingStatus::Draft => ("Черновик", "Draft"),
        MailingStatus::Scheduled => ("Запланирована", "Scheduled"),
        MailingStatus::Sent => ("Отправлена", "Sent"),
    }
    fn delivery_label(status: DeliveryStatus) -> &'static str = match status {
        DeliveryStatus::Queued => ("В очереди", "Queued"),
        DeliveryStatus::Sent => ("Отправлено", "Sent"),
        DeliveryStatus::Delivered => ("Доставлено", "Delivered"),
        DeliveryStatus::Failed => ("Не доставлено", "Failed"),
        DeliveryStatus::Skipped => ("Пропущено", "Skipped"),
    }
    fn exclusion_label(why: Exclusion) -> &'static str = match why {
        Exclusion::NoContact => ("нет адреса для выбранных каналов", "no address for the channels chosen"),
        Exclusion::NoConsent => ("нет согласия на рассылку", "no consent to mailings"),
    }
    fn role_label(role: LinkRole) -> &'static str = match role {
        LinkRole::Owner => ("Собственники", "Owners"),
        LinkRole::Tenant => ("Арендаторы", "Tenants"),
        LinkRole::Occupant => ("Проживающие", "Occupants"),
    }
}
