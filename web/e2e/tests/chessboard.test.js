// The live chessboard: a ticket filed for a unit changes that unit's cell
// on a chessboard open in another window, without a reload; the header
// search finds a client by a typo and the quick form picks them with their
// flat; the client card hides contacts from the guard.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
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

function window(login, path) {
  return openWindow(browser, demo.url, login, path, { viewport: { width: 1600, height: 1000 } });
}

async function buildingId(page, name) {
  return page.evaluate(async (wanted) => {
    const list = await (await fetch("/api/v1/buildings")).json();
    return list.find((b) => b.name === wanted).id;
  }, name);
}

async function reloads(page) {
  return page.evaluate(() => performance.getEntriesByType("navigation").length);
}

test("a ticket for a unit changes its cell on an open chessboard in another window", async () => {
  const manager = await window("manager", "/");
  const tower = await buildingId(manager.page, "ЖК «Северная звезда»");
  await manager.page.goto(`${demo.url}/buildings/${tower}/chessboard`);
  const board = manager.page.getByTestId("chessboard");
  await board.waitFor();
  assert.ok((await board.locator(".cell").count()) > 1000, "the tower has about a thousand units");
  if (process.env.E2E_SCREENSHOTS) {
    await manager.page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/chessboard.png`, fullPage: false });
  }

  // Pick a flat with no open tickets, and file an emergency for it.
  const flat = board.locator('.cell[data-tickets="[]"][data-kind-label="Квартира"]').nth(40);
  const label = await flat.getAttribute("data-label");
  const unitId = await flat.getAttribute("data-unit");
  assert.equal(await flat.locator(".n").textContent(), "");

  const desk = await window("dispatcher", `/tickets/new?building_id=${tower}&unit_id=${unitId}`);
  const form = desk.page.getByTestId("new-ticket-form");
  assert.equal(await form.getByLabel("Где именно").inputValue(), `кв. ${label}`, "the unit fills the place");
  await form.getByLabel("Что случилось").fill(`Прорыв трубы в кв. ${label}, проверка шахматки ${Date.now()}`);
  await form.getByLabel("Авария").check();
  await form.getByTestId("create-ticket").click();
  await desk.page.getByTestId("created-link").waitFor({ timeout: 10_000 });

  const cell = board.locator(`.cell[data-unit="${unitId}"]`);
  await assert.doesNotReject(cell.locator(".n", { hasText: "1" }).waitFor({ timeout: 10_000 }));
  assert.match(await cell.getAttribute("class"), /\bem\b/, "an emergency is marked");
  assert.equal(await reloads(manager.page), 1, "the chessboard did not reload");

  // Click: the unit card shows the ticket.
  await cell.click();
  const card = manager.page.getByTestId("unit-card");
  await assert.doesNotReject(card.getByText("проверка шахматки", { exact: false }).waitFor({ timeout: 10_000 }));
  await manager.page.keyboard.press("Escape");

  // A floor selected by its header: the list and the export button appear.
  await board.locator("[data-select-floor]").first().click();
  const selection = manager.page.getByTestId("selection");
  await selection.waitFor();
  assert.match(await selection.textContent(), /Выбрано помещений: 10/);
  const download = manager.page.waitForEvent("download");
  await selection.getByRole("button", { name: "Скачать CSV" }).click();
  const file = await download;
  const path = await file.path();
  const csv = await readFile(path, "utf8");
  assert.equal(csv.trim().split("\n").length, 11, "a header and ten units");

  // Overlays switch by key.
  await manager.page.keyboard.press("3");
  assert.match(await board.getAttribute("class"), /overlay-ownership/);

  await manager.context.close();
  await desk.context.close();
});

test("search finds a client by a typo and the quick form takes their flat", async () => {
  const desk = await window("dispatcher", "/tickets/new");
  const party = desk.page.getByTestId("party-search");
  // Фёдорова Алёна (a demo resident) typed without ё and with a typo.
  await party.fill("федорова алена");
  const option = desk.page.locator("[data-party-pop] [role=option]").filter({ hasText: "Фёдорова Алёна" });
  await option.first().waitFor({ timeout: 10_000 });
  await option.first().dispatchEvent("mousedown");
  const form = desk.page.getByTestId("new-ticket-form");
  await assert.doesNotReject(
    desk.page.waitForFunction(() => document.querySelector('[name="unit_id"]').value !== "", null, { timeout: 10_000 }),
  );
  assert.equal(await form.getByLabel("Где именно").inputValue(), "кв. 118");
  assert.match(await form.getByLabel("Имя заявителя").inputValue(), /Фёдорова/);

  // The header box: "/" focuses it, a typo still finds the flat's owner.
  await desk.page.goto(`${demo.url}/`);
  await desk.page.keyboard.press("/");
  await desk.page.keyboard.type("Федорова Ална");
  const found = desk.page.locator("[data-search-pop] [role=option]").filter({ hasText: "Фёдорова" });
  await assert.doesNotReject(found.first().waitFor({ timeout: 10_000 }));
  await desk.page.keyboard.press("Enter");
  await desk.page.waitForURL(/\/clients\/[0-9a-f-]+$/);
  await assert.doesNotReject(desk.page.getByTestId("client-contacts").waitFor());
  const clientPath = new URL(desk.page.url()).pathname;
  await desk.context.close();

  // The guard sees the card without phones.
  const guard = await window("guard", clientPath);
  await assert.doesNotReject(guard.page.getByTestId("contacts-hidden").waitFor());
  assert.equal(await guard.page.getByTestId("client-contacts").count(), 0);
  await guard.context.close();
});
