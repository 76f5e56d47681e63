// The front line as its people work (issue: the dispatcher's quick form
// files the right caller, the resident's cabinet and the technician's
// pages fit a phone, emergencies cannot be missed).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { launchBrowser, openWindow, startDemo } from "../harness.js";

let demo;
let browser;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

function window(login, path, viewport = undefined) {
  return openWindow(browser, demo.url, login, path, { viewport });
}

/** An API call from the page, as its scripts make them. */
async function api(page, path) {
  return page.evaluate(async (p) => (await fetch(p, { credentials: "same-origin" })).json(), path);
}

/** Picks the first client the caller search finds for `text`. */
async function pickClient(form, text) {
  const search = form.getByTestId("party-search");
  await search.fill(text);
  const option = form.locator("[data-party-pop] [role=option]").first();
  await option.waitFor({ timeout: 10_000 });
  await search.press("Enter");
  // The card fills the caller's name in, as the dispatcher sees.
  await form.getByTestId("party-chosen").filter({ hasText: "кв." }).waitFor({ timeout: 10_000 });
  await form.page().waitForFunction(() => document.querySelector('[name="contact_name"]').value !== "");
}

/** The ticket the form reports created (a newer one than `previous`). */
async function createdTicket(page, previous = null) {
  const link = previous
    ? page.getByTestId("created-link").filter({ hasNotText: `№ ${previous.number}` })
    : page.getByTestId("created-link");
  await link.waitFor({ timeout: 10_000 });
  const id = (await link.getAttribute("href")).split("/").pop();
  return api(page, `/api/v1/tickets/${id}`);
}

test("after a save the quick form starts clean, and a client who is not the caller is dropped", async () => {
  const desk = await window("dispatcher", "/tickets/new");
  const form = desk.page.getByTestId("new-ticket-form");
  await pickClient(form, "Фёдорова");
  await form.getByLabel("Что случилось").fill(`Не закрывается окно ${Date.now()}`);
  await form.getByTestId("create-ticket").click();
  const first = await createdTicket(desk.page);
  assert.ok(first.client_id, "the first ticket is Фёдорова's");

  // Nothing of the first caller stays for the next.
  for (const name of ["client_id", "unit_id", "contact_name", "contact_phone", "location", "building_id"]) {
    assert.equal(await form.locator(`[name="${name}"]`).inputValue(), "", `${name} is cleared`);
  }
  assert.equal((await form.getByTestId("party-chosen").textContent()).trim(), "");

  // Chosen again, then another caller's phone typed: the client goes, and says so.
  await pickClient(form, "Фёдорова");
  assert.notEqual(await form.locator('[name="client_id"]').inputValue(), "");
  await form.getByLabel("Имя заявителя").fill("Сидоров Пётр");
  await form.getByLabel("Телефон заявителя").fill("+7 911 555-01-02");
  await form.getByTestId("party-chosen").filter({ hasText: "Клиент снят" }).waitFor({ timeout: 5_000 });
  assert.equal(await form.locator('[name="client_id"]').inputValue(), "");
  await form.getByPlaceholder("Начните вводить название или адрес").fill("Северная");
  await form.getByLabel("Что случилось").fill(`Шумят соседи ${Date.now()}`);
  await form.getByTestId("create-ticket").click();
  const second = await createdTicket(desk.page, first);
  assert.equal(second.client_id, null, `the second caller's ticket is not filed under Фёдорова: ${JSON.stringify(second)}`);
  assert.equal(second.contact_name, "Сидоров Пётр");
  await desk.context.close();
});

test("Enter in the quick pick picks, never files; a repeat call is flagged before saving", async () => {
  const desk = await window("dispatcher", "/tickets/new");
  const form = desk.page.getByTestId("new-ticket-form");
  await form.getByPlaceholder("Начните вводить название или адрес").fill("Гранит");
  const text = `Течёт кран на кухне офиса ${Date.now()}`;
  await form.getByLabel("Что случилось").fill(text);
  await form.getByLabel("Быстрый выбор").fill("Сантехника и водоснабжение › Течь, протечка");
  await form.getByLabel("Быстрый выбор").press("Enter");
  await desk.page.waitForTimeout(700);
  assert.equal(await desk.page.getByTestId("created-link").count(), 0, "Enter did not file the ticket");
  assert.notEqual(await form.locator('[name="category"]').inputValue(), "", "Enter picked the category");
  await form.getByLabel("Телефон заявителя").fill("+7 916 321-54-76");
  await form.getByLabel("Телефон заявителя").press("Enter");
  await desk.page.waitForTimeout(500);
  assert.equal(await desk.page.getByTestId("created-link").count(), 0, "nor from the phone field");
  await form.locator("textarea").press("Control+Enter");
  const first = await createdTicket(desk.page);

  // The same caller again a minute later: asked first, filed on the second press.
  await form.getByPlaceholder("Начните вводить название или адрес").fill("Гранит");
  await form.getByLabel("Что случилось").fill("Течёт кран на кухне, опять");
  await form.getByLabel("Телефон заявителя").fill("8 916 321 54 76");
  await form.getByTestId("create-ticket").click();
  const warning = form.getByTestId("duplicate-warning");
  await warning.waitFor({ timeout: 10_000 });
  assert.match(await warning.textContent(), new RegExp(`Возможно, дубликат.*№ ${first.number}`));
  assert.equal(await form.getByLabel("Что случилось").inputValue(), "Течёт кран на кухне, опять", "nothing filed yet");
  await form.getByTestId("create-ticket").click();
  const second = await createdTicket(desk.page, first);
  assert.notEqual(second.number, first.number);
  await desk.context.close();
});

test("a phone prefilled from the client card lists that caller's other tickets at once", async () => {
  const desk = await window("dispatcher", "/tickets/new");
  const form = desk.page.getByTestId("new-ticket-form");
  await form.getByPlaceholder("Начните вводить название или адрес").fill("Северная");
  await form.getByLabel("Что случилось").fill(`Не работает звонок ${Date.now()}`);
  await form.getByLabel("Телефон заявителя").fill("+7 900 100-00-03");
  await form.getByTestId("create-ticket").click();
  const earlier = await createdTicket(desk.page);

  const found = await api(desk.page, "/api/v1/search?q=%2B79001000003");
  const client = found.clients[0];
  assert.ok(client, "the demo resident is a client");
  await desk.page.goto(`${demo.url}/tickets/new?client_id=${client.id}`);
  const list = desk.page.locator("[data-phone-list]");
  await assert.doesNotReject(list.filter({ hasText: `№ ${earlier.number}` }).waitFor({ timeout: 10_000 }));
  await desk.context.close();
});

/** Files a ticket through the API from a signed-in page. */
async function file(page, ticket) {
  return page.evaluate(async (body) => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const response = await fetch("/api/v1/tickets", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    return response.json();
  }, ticket);
}

/** WCAG contrast ratio of two `rgb(…)` colours. */
function contrast(a, b) {
  const luminance = (rgb) => {
    const [r, g, bl] = rgb.match(/\d+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test("emergencies stand out, and arrivals are marked and counted in a background tab's title", async () => {
  const board = await window("manager", "/tickets");
  const desk = await window("dispatcher", "/tickets/new");
  const buildings = await api(desk.page, "/api/v1/buildings");
  const tower = buildings.find((b) => b.name.includes("Северная звезда")).id;

  // The board is in a background tab.
  const title = await board.page.title();
  await board.page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  const text = `Прорвало трубу в подвале ${Date.now()}`;
  const created = await file(desk.page, { building_id: tower, description: text, priority: "emergency", source: "phone" });
  const row = board.page.locator(`tr[data-ticket="${created.id}"]`);
  await row.waitFor({ timeout: 10_000 });
  assert.match(await row.getAttribute("class"), /arrived/, "the new row is marked");
  assert.match(await row.getAttribute("class"), /prio-emergency/, "and marked as an emergency");
  await board.page.waitForFunction((t) => document.title === `(1) ${t}`, title, { timeout: 5_000 });

  // Back to the tab: the count goes; looking at the row unmarks it.
  await board.page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  assert.equal(await board.page.title(), title);
  await row.click({ position: { x: 200, y: 5 } });
  assert.doesNotMatch(await row.getAttribute("class"), /arrived/);

  // The «Авария» badge is readable: at least 4.5:1.
  const badge = row.locator(".badge.priority-emergency");
  const [fg, bg] = await badge.evaluate((b) => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]);
  assert.ok(contrast(fg, bg) >= 4.5, `contrast ${contrast(fg, bg).toFixed(2)} (${fg} on ${bg})`);
  await board.context.close();
  await desk.context.close();
});

test("the status chips count what they would show, whatever the filter", async () => {
  const board = await window("admin", "/tickets?status=open");
  const chip = board.page.locator("nav.counters a").filter({ hasText: "Закрыта" });
  const count = Number(await chip.locator("b").textContent());
  assert.ok(count > 0, "closed tickets are counted under the Open filter too");
  await chip.click();
  await board.page.waitForURL(/status=closed/);
  assert.match(await board.page.getByTestId("board").locator("[data-total]").textContent(), new RegExp(String(count)));
  await board.context.close();
});

test("shortcuts do what the help says: / searches, f filters, n files, a assigns", async () => {
  const board = await window("dispatcher", "/tickets");
  await board.page.locator("body").click({ position: { x: 5, y: 5 } });
  await board.page.keyboard.press("/");
  assert.equal(await board.page.evaluate(() => document.activeElement.hasAttribute("data-global-search")), true);
  await board.page.keyboard.press("Escape");
  await board.page.locator("body").click({ position: { x: 5, y: 5 } });
  await board.page.keyboard.press("f");
  assert.equal(await board.page.evaluate(() => document.activeElement.hasAttribute("data-search")), true);

  // n on a client's card opens the form for them.
  const found = await api(board.page, "/api/v1/search?q=%D0%A4%D1%91%D0%B4%D0%BE%D1%80%D0%BE%D0%B2%D0%B0");
  await board.page.goto(`${demo.url}/clients/${found.clients[0].id}`);
  await board.page.locator("body").click({ position: { x: 5, y: 5 } });
  await board.page.keyboard.press("n");
  await board.page.waitForURL(/\/tickets\/new\?.*client_id=/);

  // a on a ticket: the cursor in the assignee box, typing picks.
  const buildings = await api(board.page, "/api/v1/buildings");
  const created = await file(board.page, { building_id: buildings[0].id, description: "Не горит лампа у лифта", source: "phone" });
  await board.page.goto(`${demo.url}/tickets/${created.id}`);
  await board.page.locator("body").click({ position: { x: 5, y: 5 } });
  await board.page.keyboard.press("a");
  assert.equal(await board.page.evaluate(() => document.activeElement.dataset.testid), "assignee-filter");
  await board.page.keyboard.type("Козлов");
  assert.match(await board.page.locator("[data-assign] option:checked").textContent(), /Козлов/);
  await board.page.keyboard.press("Enter");
  await board.page.waitForURL(/done=/);
  const ticket = await api(board.page, `/api/v1/tickets/${created.id}`);
  assert.ok(ticket.assignee_id, "assigned from the keyboard");

  // Comments: internal unless the resident is chosen.
  assert.equal(await board.page.getByTestId("comment-internal").isChecked(), true);
  assert.equal(await board.page.getByTestId("comment-public").isChecked(), false);
  await board.context.close();
});

test("the site icon is served", async () => {
  const response = await fetch(`${demo.url}/favicon.ico`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /image\/svg/);
});

/** Whether the page scrolls sideways. */
async function overflows(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

const PHONE = { width: 360, height: 780 };

test("a resident files for their own flat from a phone, with a photo, and lands on the request", async () => {
  for (const width of [360, 390]) {
    const resident = await window("+79001000001", "/tickets/new", { width, height: 800 });
    const form = resident.page.getByTestId("new-ticket-form");
    assert.equal(await overflows(resident.page), false, `the form fits ${width} px`);
    await resident.context.close();
  }
  const resident = await window("+79001000001", "/tickets/new", PHONE);
  const form = resident.page.getByTestId("new-ticket-form");
  // One flat: no choosing, no building list of three cities.
  assert.match(await form.getByTestId("own-unit").textContent(), /кв\. 45, ЖК «Северная звезда»/);
  assert.equal(await form.locator('select[name="building_id"]').count(), 0);
  await form.getByLabel("Что случилось").fill(`Не работает розетка на кухне ${Date.now()}`);
  // A photo (a small PNG made on the page) goes with the request.
  const png = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "base64",
  );
  await form.getByTestId("photos").setInputFiles({ name: "rozetka.png", mimeType: "image/png", buffer: png });
  await form.getByTestId("create-ticket").click();
  await resident.page.waitForURL(/\/tickets\/[0-9a-f-]+$/, { timeout: 15_000 });
  const id = new URL(resident.page.url()).pathname.split("/").pop();
  const ticket = await api(resident.page, `/api/v1/tickets/${id}`);
  assert.ok(ticket.unit_id, "filed for the flat");
  assert.equal(ticket.contact_phone, "+79001000001", "with the profile's phone");
  const timeline = await api(resident.page, `/api/v1/tickets/${id}/timeline`);
  assert.equal(timeline.attachments?.length ?? (await resident.page.locator("ul.files li").count()), 1, "with the photo");

  // The request's page: status, who does it, when — no staff internals.
  assert.equal(await overflows(resident.page), false);
  const text = await resident.page.getByTestId("ticket-page").textContent();
  for (const internal of ["Норматив", "Рабочего времени прошло", "Сейчас на странице", "Следят", "Следить", "Источник"]) {
    assert.ok(!text.includes(internal), `a resident does not see «${internal}»`);
  }
  assert.equal(await resident.page.locator("[data-presence]").count(), 0);

  // «Мои заявки» fits the phone, status in sight.
  await resident.page.goto(`${demo.url}/tickets`);
  assert.equal(await overflows(resident.page), false, "«Мои заявки» fits 360 px");
  const first = resident.page.getByTestId("ticket-cards").locator("li").first();
  assert.ok(await first.locator(".status").isVisible(), "the status is on screen");

  // Home: the cabinet's start, not a role name.
  await resident.page.goto(`${demo.url}/`);
  assert.equal(await overflows(resident.page), false);
  assert.ok(await resident.page.getByTestId("file-request").isVisible());
  assert.equal(await resident.page.getByTestId("home-roles").count(), 0, "no raw role list");
  await resident.page.getByTestId("home-requests").filter({ hasText: ticket.number }).waitFor();
  await resident.context.close();
});

test("a technician's phone opens on their own work, in cards, with big buttons on top", async () => {
  const tech = await window("technician", "/tickets", { width: 390, height: 844 });
  assert.equal(await overflows(tech.page), false);
  assert.match(tech.page.url(), /\/tickets$/);
  assert.equal(await tech.page.getByTestId("queue-switch").locator('[aria-current="page"]').textContent(), "Мои");
  const cards = tech.page.getByTestId("ticket-cards").locator("li[data-ticket]");
  const count = await cards.count();
  assert.ok(count > 0, "the technician has work");
  const me = await api(tech.page, "/api/v1/me");
  const list = await api(tech.page, "/api/v1/tickets?assignee=me&status=open&limit=100");
  assert.equal(count, list.items.length, "the list is theirs");
  const firstCard = await cards.first().boundingBox();
  assert.ok(firstCard.y < 844, "the first ticket is on the first screen");

  await cards.first().locator("a").first().click();
  await tech.page.waitForURL(/\/tickets\/[0-9a-f-]+$/);
  assert.equal(await overflows(tech.page), false, "the ticket page fits 390 px");
  await tech.page.setViewportSize({ width: 360, height: 780 });
  assert.equal(await overflows(tech.page), false, "and 360 px");
  const button = tech.page.locator("[data-transition] button").first();
  const box = await button.boundingBox();
  assert.ok(box.height >= 44, `status buttons are at least 44 px tall (${box.height})`);
  assert.ok(box.y < 844, "and on the first screen");
  assert.ok(me.user.login === "technician");
  await tech.context.close();
});

test("units are named so they can be told apart, and people are found by surname and flat", async () => {
  const desk = await window("dispatcher", "/tickets");
  const units = await api(desk.page, "/api/v1/search?q=%D0%BA%D0%B2%207");
  const titles = units.units.map((u) => `${u.title} ${u.building_name}`);
  assert.equal(new Set(titles).size, titles.length, `every «кв 7» is distinct: ${titles.join(" | ")}`);
  assert.ok(titles.some((t) => /корп\. \d, кв\. 7/.test(t)), "houses of the quarter say their корпус");
  const found = await api(desk.page, "/api/v1/search?q=%D0%B8%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2%2045");
  assert.ok(found.clients.some((c) => c.name.startsWith("Иванов Иван") && c.units.some((u) => /кв\. 45, ЖК/.test(u))),
    `«иванов 45» finds the owner of flat 45 with the building: ${JSON.stringify(found.clients)}`);
  await desk.context.close();
});

test("people read names, not ids or codes", async () => {
  const admin = await window("admin", "/admin/audit");
  const cells = await admin.page.getByTestId("audit-table").locator("tbody tr td:nth-child(4)").allTextContents();
  for (const cell of cells) {
    assert.doesNotMatch(cell, /[0-9a-f]{8}…|client |user /, `«Что» names the thing: ${cell}`);
  }
  const text = await admin.page.getByTestId("audit-table").textContent();
  assert.doesNotMatch(text, /Mozilla\/5\.0/, "no raw user agents");
  // The unit card of the chessboard: roles in Russian, section and floor labelled.
  const buildings = await api(admin.page, "/api/v1/buildings");
  const tower = buildings.find((b) => b.name.includes("Северная звезда"));
  await admin.page.goto(`${demo.url}/buildings/${tower.id}/chessboard`);
  await admin.page.locator('.cell[data-label="45"]').first().click();
  const card = admin.page.getByTestId("unit-card");
  await card.waitFor();
  await card.locator("#unit-card-title").filter({ hasText: "подъезд" }).waitFor();
  assert.match(await card.locator("#unit-card-title").textContent(), /кв\. 45 · подъезд \S+ · этаж \d+/);
  assert.doesNotMatch(await card.textContent(), /\bowner\b|\btenant\b|\boccupant\b/);
  await admin.context.close();
});

test("what the manager's role says it does, it does: his buildings' SLA norms", async () => {
  const manager = await window("manager", "/admin/tickets?tab=sla");
  assert.equal(await manager.page.title().then((t) => t.includes("403")), false);
  await manager.page.getByTestId("settings-scope").waitFor();
  const form = manager.page.locator('form[action="/admin/tickets/policies"]');
  const options = await form.locator('select[name="building_id"] option').allTextContents();
  assert.ok(options.length > 0 && !options.some((o) => /Гранит/.test(o)), `only his buildings: ${options}`);
  await form.locator('input[name="name"]').fill("Башня: аварии за 20 минут");
  await form.locator('select[name="priority"]').selectOption("emergency");
  await form.locator('input[name="response_minutes"]').fill("20");
  await form.locator('input[name="resolution_minutes"]').fill("120");
  await form.locator('button[type="submit"]').click();
  await manager.page.getByTestId("policies").filter({ hasText: "Башня: аварии за 20 минут" }).waitFor();
  await manager.context.close();
});

test("offline, a comment is not lost: nothing sent, said plainly, sent on retry; a reload keeps the draft", async () => {
  const tech = await window("technician", "/tickets", { width: 390, height: 844 });
  const mine = await api(tech.page, "/api/v1/tickets?assignee=me&status=open&limit=1");
  const id = mine.items[0].id;
  await tech.page.goto(`${demo.url}/tickets/${id}`);
  const comment = tech.page.locator("[data-comment]");
  const text = `Нужен ключ от подвала ${Date.now()}`;
  await comment.fill(text);

  // A reload (or Back) before sending keeps the text.
  await tech.page.reload();
  assert.equal(await comment.inputValue(), text, "the draft came back");

  await tech.context.setOffline(true);
  await tech.page.getByRole("button", { name: "Добавить комментарий" }).click();
  const notice = tech.page.getByTestId("not-sent");
  await notice.waitFor({ timeout: 10_000 });
  assert.match(await notice.textContent(), /ничего не отправлено/);
  assert.equal(await comment.inputValue(), text, "the text is still there");
  assert.match(tech.page.url(), new RegExp(`/tickets/${id}$`), "no browser error page");

  await tech.context.setOffline(false);
  await notice.getByRole("button", { name: "Повторить" }).click();
  await tech.page.waitForURL(/done=comment_added/);
  await tech.page.getByTestId("timeline").filter({ hasText: text }).waitFor();
  assert.equal(await comment.inputValue(), "", "sent drafts are forgotten");
  await tech.context.close();
});

test("the demo's year fits its buildings: a resident files a few requests a month, no lifts in low houses", async () => {
  const resident = await window("+79001000001", "/tickets", { width: 390, height: 844 });
  const mine = await api(resident.page, "/api/v1/tickets?status=all&limit=1");
  const filed = Object.values(mine.counts).reduce((a, b) => a + b, 0);
  assert.ok(filed >= 5 && filed <= 60, `a resident filed ${filed} requests in a year`);
  await resident.context.close();

  const admin = await window("admin", "/tickets");
  const buildings = await api(admin.page, "/api/v1/buildings");
  const byName = (prefix) => buildings.find((b) => b.name.startsWith(prefix)).id;
  const quarter = byName("Квартал");
  const lifts = await api(admin.page, `/api/v1/tickets?status=all&building_id=${quarter}&q=${encodeURIComponent("лифт")}`);
  assert.deepEqual(lifts.items.map((t) => t.description), [], "three-storey houses have no lifts");
  const office = byName("БЦ");
  const flats = await api(admin.page, `/api/v1/tickets?status=all&building_id=${office}&q=${encodeURIComponent("квартир")}`);
  assert.deepEqual(flats.items.map((t) => t.description), [], "offices are not flats");
  await admin.context.close();
});
