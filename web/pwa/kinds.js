// What a notification says, by its kind (the server sends only the kind
// and ids). One list for the service worker (importScripts) and the app's
// «Уведомления» (a classic script before the app's module).
self.PUSH_TITLES = {
  "ticket.assigned": "Новая заявка для вас",
  "ticket.unassigned": "Заявку передали другому",
  "ticket.cancelled": "Заявка отменена",
  "ticket.reopened": "Заявку вернули в работу",
  "ticket.sla_warning": "Скоро срок по заявке",
  "ticket.status_changed": "Ваша заявка: новый статус",
  "visit.arrived": "Ваш гость пришёл",
  "ticket.rate_request": "Заявка выполнена — оцените работу",
  "survey.published": "Новый опрос: ответьте, пожалуйста",
  "survey.reminder": "Напоминание: опрос ждёт вашего ответа",
  "outage.notice": "Отключение в вашем доме",
  "mailing": "Сообщение управляющей компании",
  test: "Уведомления работают",
};

// A ticket's status in words (the app's cards and the notifications).
self.TICKET_STATUS = {
  new: "Новая", accepted: "Принята", assigned: "Назначена", in_progress: "В работе", on_hold: "Ожидание",
  done: "Выполнена", closed: "Закрыта", reopened: "Возобновлена", rejected: "Отклонена", cancelled: "Отменена",
};

// The line under a notification's title: the ticket's number, with its new
// status for the resident's own request; the guest's name for an arrival;
// a mailing's subject and the start of its words.
self.pushLine = (data) => {
  if (data.kind === "mailing") return [data.detail, data.text].filter(Boolean).join(": ");
  if (data.kind === "visit.arrived" || data.kind.startsWith("survey.") || data.kind === "outage.notice") {
    return data.detail ?? "";
  }
  const number = data.number ? `№ ${data.number}` : "";
  const status = data.kind === "ticket.status_changed" ? self.TICKET_STATUS[data.detail] : null;
  return status ? `${number}: ${status.toLowerCase()}` : number;
};
