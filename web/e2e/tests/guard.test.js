// The guard desk (issue: guard desk and passes): a pass the resident
// ordered on a phone is found by its plate typed in Latin letters, the
// arrival is one key, another desk of the building sees the visitor on site
// without reloading, and the resident's page says the guest came.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { launchBrowser, openWindow, russianContext, startDemo } from "../harness.js";

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

async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

test("a resident's car pass is found by a Latin plate, marked in with Enter, and every desk and the host see it live", async () => {
  // The resident orders a pass on a phone.
  const resident = await window("+79001000001", "/passes", { width: 390, height: 844 });
  const form = resident.page.getByTestId("new-pass-form");
  await form.getByTestId("pass-kind").selectOption("vehicle");
  await form.getByTestId("pass-visitor").fill("Петрова Анна Викторовна");
  await form.getByTestId("pass-plate").fill("в 512 ор 197");
  await form.getByTestId("pass-submit").click();
  await resident.page.getByTestId("pass-link").waitFor();
  const mine = resident.page.getByTestId("my-pass").filter({ hasText: "Петрова Анна" });
  assert.match(await mine.getByTestId("my-pass-status").textContent(), /Действует/);
  assert.ok(await fitsWidth(resident.page), "the cabinet's passes fit a phone");

  // The guard's desk and a second desk of the same building (the manager's).
  const guard = await window("guard", "/guard");
  const tower = await guard.page.locator("[data-desk] input[name=building]").inputValue();
  const other = await window("manager", `/guard?building=${tower}`);

  const search = guard.page.getByTestId("desk-search");
  await search.fill("B512OP");
  const match = guard.page.getByTestId("desk-match").filter({ hasText: "Петрова Анна" });
  await match.waitFor();
  assert.match(await match.getByTestId("desk-plate").textContent(), /В512ОР 197/);
  assert.match(await match.getByTestId("desk-verdict").textContent(), /Действует/);
  assert.match(await match.textContent(), /кв\. 45/);
  assert.doesNotMatch(await match.textContent(), /\+7|900 100/, "no host phone on the desk");

  // Enter marks the first match in.
  await search.press("Enter");
  await guard.page.waitForURL(/done=arrived/);
  const onSite = guard.page.getByTestId("on-site-visit").filter({ hasText: "Петрова Анна" });
  await onSite.waitFor();

  // The other desk shows the visitor on site without a reload.
  await other.page.getByTestId("on-site-visit").filter({ hasText: "Петрова Анна" }).waitFor({ timeout: 10_000 });
  // The car is on the parking list of both desks.
  await other.page.getByTestId("parking-vehicle").filter({ hasText: "В512ОР 197" }).waitFor({ timeout: 10_000 });
  assert.equal(await guard.page.getByTestId("parking-vehicle").filter({ hasText: "В512ОР 197" }).count(), 1);

  // A second mark from the other desk is one visit, said plainly.
  const response = await other.page.evaluate(async (id) => {
    const csrf = document.querySelector("input[name=csrf_token]").value;
    const r = await fetch(`/api/v1/passes/${id}/arrival`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: "{}",
      credentials: "same-origin",
    });
    return { status: r.status, body: await r.json() };
  }, await match.getAttribute("data-pass"));
  assert.equal(response.status, 409);
  assert.equal(response.body.error.code, "already_on_site");
  assert.ok(response.body.visit.id);

  // The host's page says the guest came, without a reload.
  await mine.getByTestId("my-pass-status").filter({ hasText: "На территории" }).waitFor({ timeout: 10_000 });
  await resident.page
    .getByTestId("my-guest")
    .filter({ hasText: "Ваш гость пришёл" })
    .filter({ hasText: "Петрова Анна" })
    .waitFor({ timeout: 10_000 });

  // Shift+Enter marks the departure.
  await guard.page.getByTestId("desk-search").press("Shift+Enter");
  await guard.page.waitForURL(/done=departed/);
  assert.equal(await guard.page.getByTestId("on-site-visit").filter({ hasText: "Петрова Анна" }).count(), 0);

  for (const w of [resident, guard, other]) await w.context.close();
});

test("the desk warns of an expired pass and of the blocklist, and fits a tablet", async () => {
  const guard = await window("guard", "/guard", { width: 800, height: 1280 });
  const search = guard.page.getByTestId("desk-search");
  await search.fill("Орлов");
  const expired = guard.page.getByTestId("desk-match").filter({ hasText: "Орлов" });
  await expired.waitFor();
  assert.match(await expired.getByTestId("desk-verdict").textContent(), /Не действует/);
  assert.equal(await expired.getByTestId("mark-arrival").count(), 0, "no arrival button on an expired pass");

  await search.fill("м666мм");
  const blocked = guard.page.getByTestId("desk-match").filter({ hasText: "Громов" });
  await blocked.waitFor();
  assert.match(await blocked.getByTestId("desk-blocked").textContent(), /стоп-листе/);
  // Letting them in asks for a reason; without one nothing is sent.
  guard.page.once("dialog", (dialog) => dialog.dismiss());
  await blocked.getByTestId("mark-arrival").click();
  await guard.page.waitForTimeout(300);
  assert.doesNotMatch(guard.page.url(), /done=arrived/);
  assert.ok(await fitsWidth(guard.page), "the desk fits a tablet");
  await guard.context.close();
});

test("the visits report counts the demo's visits per day and kind and downloads as CSV", async () => {
  const guard = await window("guard", "/guard");
  await guard.page.getByTestId("desk-report").click();
  const table = guard.page.getByTestId("report-days");
  await table.waitFor();
  const text = await table.textContent();
  assert.match(text, /Подрядчик/);
  assert.match(text, /Доставка/);
  const csv = await guard.page.evaluate(async (href) => {
    const r = await fetch(href, { credentials: "same-origin" });
    return { type: r.headers.get("content-type"), body: await r.text() };
  }, await guard.page.getByTestId("report-csv").getAttribute("href"));
  assert.match(csv.type, /text\/csv/);
  assert.match(csv.body, /День/);
  assert.match(csv.body, /Подрядчик/);
  assert.ok(await fitsWidth(guard.page));
  await guard.context.close();
});

test("a visitor without a pass: the desk asks the host, the host lets them in from the phone, the desk marks the arrival", async () => {
  const resident = await window("+79001000001", "/passes", { width: 390, height: 844 });
  const guard = await window("guard", "/guard");
  const search = guard.page.getByTestId("desk-search");
  await search.fill("Зайцев Кирилл");
  await guard.page.getByText("Никого не нашли").waitFor();
  const walkIn = guard.page.getByTestId("walk-in");
  assert.equal(await walkIn.getAttribute("open"), "", "the form opens when nobody is found");
  await walkIn.getByTestId("walk-in-unit").fill("45");
  await walkIn.getByTestId("walk-in-send").click();
  await guard.page.waitForURL(/done=visit_requested/);
  const waiting = guard.page.getByTestId("desk-match").filter({ hasText: "Зайцев Кирилл" });
  assert.match(await waiting.getByTestId("desk-verdict").textContent(), /не одобрен/);
  assert.equal(await waiting.getByTestId("mark-arrival").count(), 0, "a guard cannot let them in alone");

  // The host sees the request live and lets the visitor in.
  const request = resident.page.getByTestId("my-pass").filter({ hasText: "Зайцев Кирилл" });
  await request.getByTestId("approve-visit").click({ timeout: 10_000 });
  await resident.page.waitForURL(/done=approved/);

  // The desk's matches redraw live: now the arrival can be marked.
  await waiting.getByTestId("mark-arrival").waitFor({ timeout: 10_000 });
  await waiting.getByTestId("mark-arrival").click();
  await guard.page.waitForURL(/done=arrived/);
  await guard.page.getByTestId("on-site-visit").filter({ hasText: "Зайцев Кирилл" }).waitFor();
  for (const w of [resident, guard]) await w.context.close();
});

test("a concierge issues a pass for flat 45 and hands over its QR code; the guest's link shows it on a phone; the desk finds it by PIN", async () => {
  const office = await window("admin", "/guard/passes", { width: 1024, height: 768 });
  const building = office.page.locator("select[name=building]");
  const tower = await building.locator("option", { hasText: "Северная звезда" }).getAttribute("value");
  if ((await building.inputValue()) !== tower) {
    await Promise.all([office.page.waitForURL(/building=/), building.selectOption(tower)]);
  }
  const form = office.page.getByTestId("office-issue-form");
  if (!(await form.isVisible())) await office.page.getByTestId("office-issue").locator("summary").click();
  await form.getByTestId("office-unit").fill("45");
  await form.getByTestId("office-kind").selectOption("delivery");
  await form.getByTestId("office-visitor").fill("Курьер Быстров");
  await form.getByTestId("office-submit").click();
  const handed = office.page.getByTestId("office-issued");
  await handed.waitFor();
  assert.ok(await handed.getByTestId("office-qr").locator("svg").isVisible(), "the QR code is shown");
  const pin = (await handed.getByTestId("office-pin").textContent()).trim();
  assert.match(pin, /^\d{6}$/);
  const link = await handed.locator("a[href*='/p/']").getAttribute("href");
  assert.equal(await office.page.getByTestId("office-pass").filter({ hasText: "Курьер Быстров" }).count(), 1);

  // The guest opens the forwarded link on a phone, signed out.
  const guestContext = await russianContext(browser);
  const guest = await guestContext.newPage();
  await guest.setViewportSize({ width: 360, height: 740 });
  await guest.goto(link);
  await guest.getByTestId("shared-qr").waitFor();
  assert.match(await guest.getByTestId("shared-pin").textContent(), new RegExp(pin));
  const qrBox = await guest.getByTestId("shared-qr").locator("svg").boundingBox();
  assert.ok(qrBox.width >= 200 && qrBox.width <= 360, `the code is big enough to scan and fits: ${qrBox.width}`);
  assert.ok(await fitsWidth(guest), "the guest's pass fits a phone");

  // The guard finds it by the PIN.
  const guard = await window("guard", "/guard");
  const search = guard.page.getByTestId("desk-search");
  await search.fill(pin);
  await search.press("Enter");
  await guard.page.getByTestId("desk-match").filter({ hasText: "Курьер Быстров" }).waitFor();

  for (const c of [office.context, guestContext, guard.context]) await c.close();
});
