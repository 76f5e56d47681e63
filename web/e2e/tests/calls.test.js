// Telephony (issue: telephony): a call the PBX reports through the Zammad
// CTI webhook pops up on the dispatcher's board with the caller's card;
// one click opens the quick form prefilled with the caller, the unit and
// the call; saving links the call, and another dispatcher's pop-up shows
// the ticket taken. A missed call becomes a callback task on the board.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { launchBrowser, openWindow, startDemo } from "../harness.js";

let demo;
let browser;
let webhook;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
  // The demo prints its PBX webhook, as an administrator would copy it.
  const banner = demo.output.join("");
  webhook = banner.match(/\/api\/v1\/cti\/[A-Za-z0-9_-]+/)?.[0];
  assert.ok(webhook, "the demo prints its PBX webhook");
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

function window(login, path, viewport = undefined, options = {}) {
  return openWindow(browser, demo.url, login, path, { viewport, ...options });
}

async function pbx(fields) {
  const body = fields instanceof URLSearchParams ? fields : new URLSearchParams(fields);
  const response = await fetch(`${demo.url}${webhook}`, { method: "POST", body });
  assert.equal(response.status, 200);
  return response.json();
}

test("a ringing call pops up with the caller's card, one click files a linked ticket, the other dispatcher sees it taken", async () => {
  const first = await window("dispatcher", "/tickets");
  // The client manager's PC is set to Vladivostok: times still read as
  // the company's (the demo's display zone is Moscow).
  const second = await window("client-manager", "/buildings", undefined, { timezoneId: "Asia/Vladivostok" });
  const third = await window("admin", "/");
  // The pages follow the calls topic before the phone rings.
  await first.page.waitForTimeout(1000);

  // The PBX rings extension 101 (mapped to the dispatcher) and the client
  // manager by login; the administrator is not rung.
  const ring = new URLSearchParams({ event: "newCall", from: "89001000002", to: "4951234567", direction: "in", callId: "e2e-1" });
  ring.append("user[]", "101");
  ring.append("user[]", "client-manager");
  const moscow = (at) => at.toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Moscow" });
  const rungAt = moscow(new Date());
  await pbx(ring);
  const card = first.page.getByTestId("call-card").filter({ hasText: "89001000002" });
  await card.waitFor({ timeout: 5000 });
  assert.match(await card.getByTestId("call-status").textContent(), /Входящий звонок/);
  await card.getByText("Фёдорова Алёна Михайловна").waitFor();
  await card.getByText(/кв\. 118/).waitFor();
  const otherCard = second.page.getByTestId("call-card").filter({ hasText: "89001000002" });
  await otherCard.waitFor({ timeout: 5000 });
  const shown = (await otherCard.locator("small.muted").first().textContent()).trim();
  assert.ok([rungAt, moscow(new Date())].includes(shown), `the card says ${shown}, Moscow time is ${rungAt}`);
  await third.page.waitForTimeout(500);
  assert.equal(await third.page.getByTestId("call-card").count(), 0, "not routed to the administrator");

  // The caller is answered, then the ticket is one click away.
  await pbx({ event: "answer", callId: "e2e-1", direction: "in", from: "89001000002", user: "101", answeringNumber: "101" });
  await card.getByText(/Ответил\(а\): Смирнова Ольга Викторовна/).waitFor({ timeout: 5000 });
  // The other dispatcher sees it taken.
  await otherCard.getByText(/Ответил\(а\): Смирнова Ольга Викторовна/).waitFor({ timeout: 5000 });
  await card.getByTestId("call-create-ticket").first().click();
  await first.page.waitForURL(/\/tickets\/new\?/);
  const form = first.page.getByTestId("new-ticket-form");
  assert.match(await first.page.getByTestId("party-chosen").textContent(), /Фёдорова Алёна Михайловна/);
  assert.match(await first.page.getByTestId("ticket-from-call").textContent(), /89001000002/);
  assert.equal(await form.locator("select[name=source]").inputValue(), "phone");
  await form.locator("textarea[name=description]").fill("Не греет батарея в спальне");
  await form.locator("button[type=submit]").first().click();
  await first.page.getByText(/Заявка .* создана|создана/).first().waitFor({ timeout: 10000 });
  // The other dispatcher's card now says a ticket was taken from the call.
  await otherCard.getByTestId("call-linked").waitFor({ timeout: 5000 });

  // The call log has the ticket against the call.
  const log = await window("client-manager", "/calls");
  const row = log.page.locator("[data-testid=call-log] tr").filter({ hasText: "89001000002" }).first();
  await row.getByRole("link", { name: /№ / }).waitFor({ timeout: 5000 });
  await log.context.close();
  await first.context.close();
  await second.context.close();
  await third.context.close();
});

test("a call nobody answers becomes a callback task on the board, closed with one button", async () => {
  const board = await window("dispatcher", "/tickets");
  await board.page.waitForTimeout(500);
  await pbx({ event: "newCall", from: "+74955550101", to: "100", direction: "in", callId: "e2e-2" });
  const card = board.page.getByTestId("call-card").filter({ hasText: "+74955550101" });
  await card.waitFor({ timeout: 5000 });
  assert.match(await card.textContent(), /Неизвестный номер/);
  await pbx({ event: "hangup", callId: "e2e-2", cause: "cancel", direction: "in" });
  await card.getByText(/Пропущенный звонок — перезвоните/).waitFor({ timeout: 5000 });
  const task = board.page.getByTestId("callback").filter({ hasText: "+74955550101" });
  await task.waitFor({ timeout: 5000 });
  board.page.once("dialog", (dialog) => dialog.accept("дозвонились, придёт сантехник"));
  await task.getByTestId("callback-done").click();
  await task.waitFor({ state: "detached", timeout: 5000 });
  await board.context.close();
});
