// What a notification says, by its kind (the server sends only the kind
// and ids). One list for the service worker (importScripts) and the app's
// «Уведомления» (a classic script before the app's module).
self.PUSH_TITLES = {
  "ticket.assigned": "Новая заявка для вас",
  "ticket.unassigned": "Заявку передали другому",
  "ticket.cancelled": "Заявка отменена",
  "ticket.reopened": "Заявку вернули в работу",
  "ticket.sla_warning": "Скоро срок по заявке",
  test: "Уведомления работают",
};
