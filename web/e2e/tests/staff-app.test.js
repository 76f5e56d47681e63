// The staff app (issue 17): the demo technician signs in on a phone, the
// network goes, the app opens again from its service worker with the
// queue, four changes (a photo among them) wait in the outbox, the network comes back and the
// server holds all three once and in order, while the dispatcher's board in
// another window shows the ticket move live.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { launchBrowser, openWindow, phoneSignIn, startDemo } from "../harness.js";

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

async function call(path, token, body, method = body === undefined ? "GET" : "POST") {
  const response = await fetch(`${demo.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

async function token(login) {
  const response = await fetch(`${demo.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ login, password: "demo" }),
  });
  return (await response.json()).token;
}

test("the technician works offline on a phone and every change reaches the server once, in order", async () => {
  const dispatcher = await token("dispatcher");
  const admin = await token("admin");
  const buildings = (await call("/api/v1/buildings", dispatcher)).json;
  const tower = buildings.find((b) => b.name.includes("Северная звезда")).id;
  const users = (await call("/api/v1/users?limit=200", admin)).json;
  const technician = (users.items ?? users).find((u) => u.login === "technician").id;
  const text = `Течёт кран на кухне ${Date.now()}`;
  const created = await call("/api/v1/tickets", dispatcher, { building_id: tower, description: text, source: "phone" });
  assert.equal(created.status, 201);
  const id = created.json.id;
  const assigned = await call(`/api/v1/tickets/${id}/assignee`, dispatcher, { assignee_id: technician }, "PUT");
  assert.equal(assigned.status, 200);

  // The dispatcher's board, on the office PC.
  const board = await openWindow(browser, demo.url, "dispatcher", "/tickets");
  const row = board.page.locator(`tr[data-ticket="${id}"]`);
  await row.waitFor();

  // The phone: sign in once, the queue arrives.
  const { context: phone, page, problems } = await phoneSignIn(browser, demo.url, "technician", { width: 390, height: 844 });
  const card = page.getByTestId("m-ticket").filter({ hasText: text });
  await card.waitFor();
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.screenshot({ path: "/tmp/staff-app-queue.png", fullPage: true });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), "the queue fits the phone");

  // What was pushed stays in «Уведомления»: the new ticket, by its number.
  await page.getByTestId("m-unread").waitFor();
  await page.getByTestId("m-notifications").click();
  await page.getByTestId("m-notification").filter({ hasText: created.json.number }).filter({ hasText: "Новая заявка для вас" }).waitFor();
  await page.screenshot({ path: "/tmp/staff-app-notifications.png", fullPage: true });
  await page.locator("#back").click();
  await card.waitFor();
  assert.equal(await page.getByTestId("m-unread").count(), 0, "read once seen");

  // «Выезжаю»: the dispatcher's board shows that someone is on the way.
  await card.click();
  await page.getByTestId("m-set-off").click();
  await page.getByTestId("m-status").filter({ hasText: "в пути с" }).waitFor();
  await row.filter({ hasText: "Исполнитель в пути с" }).waitFor({ timeout: 10_000 });
  assert.ok((await call(`/api/v1/tickets/${id}`, dispatcher)).json.en_route_at, "the server knows since when");
  assert.equal(await page.getByTestId("m-set-off").count(), 0, "offered once");
  await page.screenshot({ path: "/tmp/staff-app-en-route.png", fullPage: true });
  await page.locator("#back").click();
  await card.waitFor();

  // A camera's photo: 2000 × 1500, drawn by the browser, as a JPEG file.
  const photo = Buffer.from(await page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = 2000; canvas.height = 1500;
    const g = canvas.getContext("2d");
    g.fillStyle = "#5d7fa3"; g.fillRect(0, 0, 2000, 1500);
    g.fillStyle = "#e8d7b0"; g.fillRect(300, 400, 1200, 700);
    return canvas.toDataURL("image/jpeg", 0.95).split(",")[1];
  }), "base64");

  // The basement: no network. The app opens again with the queue.
  await phone.setOffline(true);
  await page.reload();
  await card.waitFor();
  await card.click();
  await page.getByTestId("m-move-in_progress").click();
  await page.getByTestId("m-status").filter({ hasText: "В работе" }).waitFor();
  await page.getByTestId("m-photo-input-before").setInputFiles({ name: "IMG_0001.jpg", mimeType: "image/jpeg", buffer: photo });
  await page.getByTestId("m-photo").filter({ hasText: "ждёт отправки" }).waitFor();
  await page.getByTestId("m-comment-text").fill("Перекрыл воду, меняю картридж");
  await page.getByTestId("m-comment-send").click();
  await page.getByTestId("m-comment").filter({ hasText: "меняю картридж" }).waitFor();
  await page.getByTestId("m-hold-parts").click();
  await page.getByTestId("net-status").filter({ hasText: "Нет сети · 4 изменения ждут отправки" }).waitFor();
  await page.getByTestId("m-status").filter({ hasText: "Ожидание (ждём запчасти)" }).waitFor();
  assert.match(await page.getByTestId("m-comment").last().textContent(), /ждёт отправки/);
  await page.screenshot({ path: "/tmp/staff-app-offline.png", fullPage: true });
  // Nothing reached the server yet.
  assert.equal((await call(`/api/v1/tickets/${id}`, dispatcher)).json.status, "assigned");

  // Back in signal: the outbox goes by itself.
  await phone.setOffline(false);
  await page.getByTestId("net-status").filter({ hasText: "Обновлено" }).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId("net-status").getAttribute("data-waiting"), "0");

  const ticket = (await call(`/api/v1/tickets/${id}`, dispatcher)).json;
  assert.equal(ticket.status, "on_hold");
  assert.equal(ticket.hold_reason, "waiting_parts");
  const timeline = (await call(`/api/v1/tickets/${id}/timeline`, dispatcher)).json;
  const comments = timeline.comments.filter((c) => c.body === "Перекрыл воду, меняю картридж");
  assert.equal(comments.length, 1, "the comment is stored once");
  const moves = timeline.history.filter((h) => h.kind === "status").map((h) => h.to ?? h.data?.to);
  assert.deepEqual(moves.slice(-2), ["in_progress", "on_hold"], JSON.stringify(timeline.history));
  // The photo: once, as «до работ», made smaller on the phone (1600 px).
  await page.getByTestId("m-photo").filter({ hasText: "отправлено" }).waitFor({ timeout: 15_000 });
  const files = (await call(`/api/v1/tickets/${id}/timeline`, dispatcher)).json.attachments;
  assert.equal(files.length, 1, JSON.stringify(files));
  assert.equal(files[0].stage, "before");
  assert.ok(files[0].size_bytes < photo.length, `compressed: ${files[0].size_bytes} of ${photo.length} bytes`);

  // The dispatcher saw it without reloading.
  await row.filter({ hasText: "Ожидание" }).waitFor({ timeout: 10_000 });
  await page.screenshot({ path: "/tmp/staff-app-synced.png", fullPage: true });
  assert.deepEqual(problems, []);
  await phone.close();
  await board.context.close();
});

test("a gas leak: the technician ticks the checklist, the resident signs on the phone, then it is done", async () => {
  const dispatcher = await token("dispatcher");
  const admin = await token("admin");
  const buildings = (await call("/api/v1/buildings", dispatcher)).json;
  const tower = buildings.find((b) => b.name.includes("Северная звезда")).id;
  const users = (await call("/api/v1/users?limit=200", admin)).json;
  const technician = (users.items ?? users).find((u) => u.login === "technician").id;
  const text = `Запах газа в подъезде ${Date.now()}`;
  const created = await call("/api/v1/tickets", dispatcher, { building_id: tower, description: text, source: "phone", category: "gas" });
  assert.equal(created.status, 201);
  const id = created.json.id;
  assert.equal((await call(`/api/v1/tickets/${id}/assignee`, dispatcher, { assignee_id: technician }, "PUT")).status, 200);

  const { context: phone, page, problems } = await phoneSignIn(browser, demo.url, "technician", { width: 360, height: 780 });
  await page.getByTestId("m-ticket").filter({ hasText: text }).click();
  await page.getByTestId("m-move-in_progress").click();
  await page.getByTestId("m-status").filter({ hasText: "В работе" }).waitFor();

  // Done waits for the three items and the signature.
  assert.equal(await page.getByTestId("m-check").count(), 3);
  assert.ok(await page.getByTestId("m-done").isDisabled(), "done is held back");
  assert.match(await page.getByTestId("m-done-blocked").textContent(), /осталось: 3.*подпись жильца/);
  for (let i = 0; i < 3; i += 1) await page.getByTestId("m-check").nth(i).click();
  await page.getByTestId("m-done-blocked").filter({ hasText: /^Возьмите подпись жильца/ }).waitFor();

  // The resident signs with a finger.
  // (The ticks go first: a sync redraws the view.)
  await page.waitForFunction(() => document.getElementById("net").dataset.waiting === "0", null, { timeout: 15_000 });
  await page.getByTestId("m-signer").fill("Фёдорова А. М.");
  await page.getByTestId("m-sign-pad").scrollIntoViewIfNeeded();
  const pad = await page.getByTestId("m-sign-pad").boundingBox();
  await page.mouse.move(pad.x + 20, pad.y + pad.height * 0.7);
  await page.mouse.down();
  for (let step = 1; step <= 20; step += 1) {
    await page.mouse.move(pad.x + 20 + step * (pad.width - 40) / 20, pad.y + pad.height * (0.7 - 0.4 * Math.sin(step / 3)));
  }
  await page.mouse.up();
  await page.screenshot({ path: "/tmp/staff-app-signature.png", fullPage: true });
  await page.getByTestId("m-sign-save").click();
  await page.getByTestId("m-signed").waitFor();
  assert.ok(!(await page.getByTestId("m-done").isDisabled()), "done is offered once signed");
  await page.getByTestId("m-done-note").fill("Подтянул соединение у плиты, утечки нет");
  await page.getByTestId("m-done").click();
  // Done, the ticket leaves the queue once the server has it.
  await page.getByTestId("m-queue").waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => document.getElementById("net").dataset.waiting === "0", null, { timeout: 15_000 });
  await page.getByTestId("m-ticket").filter({ hasText: text }).waitFor({ state: "detached", timeout: 15_000 });
  await page.screenshot({ path: "/tmp/staff-app-after-done.png", fullPage: true });

  const ticket = (await call(`/api/v1/tickets/${id}`, dispatcher)).json;
  assert.equal(ticket.status, "done");
  const files = (await call(`/api/v1/tickets/${id}/timeline`, dispatcher)).json.attachments;
  const signature = files.find((f) => f.stage === "signature");
  assert.ok(signature, JSON.stringify(files));
  assert.equal(signature.caption, "Фёдорова А. М.");
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), "fits a 360 px phone");
  assert.deepEqual(problems, []);
  await phone.close();
});

test("a guard on the move checks passes on a phone, also with no network, and marks an arrival", async () => {
  const resident = await token("+79001000001");
  const guard = await token("guard");
  const visitor = `Гостев${Date.now() % 100000} Павел Игоревич`;
  const issued = await call("/api/v1/passes", resident, { kind: "guest", visitor_name: visitor });
  assert.equal(issued.status, 201, JSON.stringify(issued.json));
  const surname = visitor.split(" ")[0];

  const { context: phone, page, problems } = await phoneSignIn(browser, demo.url, "guard", { width: 360, height: 740 });
  // A guard has no ticket queue: the app opens on the post.
  await page.getByTestId("m-desk").waitFor();
  await page.getByTestId("m-pass").first().waitFor();
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  // The basement of the car park: the list is on the phone.
  await phone.setOffline(true);
  await page.reload();
  await page.getByTestId("m-desk").waitFor();
  // The view is drawn again while the guard types (here the phone says once
  // more that it is offline; a refresh of the list does the same): the new
  // search field keeps the text, the focus and the caret, so typing goes on.
  const typed = surname.slice(0, 6).toLowerCase();
  await page.getByTestId("m-desk-search").fill(typed.slice(0, 3));
  await page.getByTestId("m-desk-search").evaluate((field) => { field.dataset.before = "yes"; });
  await page.evaluate(() => dispatchEvent(new Event("offline")));
  await page.waitForFunction(() => !document.querySelector('[data-testid="m-desk-search"]').dataset.before);
  await page.keyboard.type(typed.slice(3));
  const card = page.getByTestId("m-pass").filter({ hasText: visitor });
  await card.waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="m-pass"]').length === 1, null, { timeout: 5_000 })
    .catch(() => {});
  assert.equal(await page.getByTestId("m-desk-search").inputValue(), typed, "the search keeps what was typed");
  assert.equal(await page.getByTestId("m-pass").count(), 1, "only the one visitor");
  await page.getByTestId("m-desk-offline").waitFor();
  assert.ok(await card.getByTestId("m-pass-arrive").isDisabled(), "no marks without a network");
  await page.screenshot({ path: "/tmp/staff-app-desk-offline.png", fullPage: true });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), "fits a 360 px phone");

  // Back in signal: the arrival is marked on the server.
  await phone.setOffline(false);
  await page.waitForFunction(() => !document.querySelector('[data-testid="m-desk-offline"]'), null, { timeout: 15_000 });
  await page.getByTestId("m-pass").filter({ hasText: visitor }).getByTestId("m-pass-arrive").click();
  await page.getByTestId("m-desk-message").filter({ hasText: "Приход отмечен" }).waitFor();
  const visits = (await call(`/api/v1/visits?building_id=${issued.json.building_id}&on_site=true`, guard)).json;
  assert.ok(visits.items.some((v) => v.visitor_name === visitor), JSON.stringify(visits.items.map((v) => v.visitor_name)));
  await page.getByTestId("m-pass").filter({ hasText: visitor }).filter({ hasText: "на территории" }).waitFor();
  assert.deepEqual(problems, []);
  await phone.close();
});
