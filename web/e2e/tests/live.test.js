// Two browser windows on the demo: a change made in one appears in the
// other without a reload, and each sees the other on the page.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { launchBrowser, russianContext, signIn, startDemo } from "../harness.js";

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

async function openTower(login) {
  const context = await russianContext(browser);
  const page = await context.newPage();
  await signIn(page, demo.url, login);
  await page.waitForURL(`${demo.url}/`);
  await page.getByRole("link", { name: "ЖК «Северная звезда»" }).first().click();
  await page.waitForURL(/\/buildings\/[0-9a-f-]+$/);
  return { context, page };
}

test("a building renamed in one window is renamed in the other without reload", async () => {
  const watcher = await openTower("manager");
  const editor = await openTower("admin");
  const watcherUrl = watcher.page.url();

  // Each sees the other on the page.
  const presence = watcher.page.locator("[data-presence-list]");
  await assert.doesNotReject(presence.filter({ hasText: "Кузнецова Анна Сергеевна" }).waitFor({ timeout: 10_000 }));
  await assert.doesNotReject(
    editor.page.locator("[data-presence-list]").filter({ hasText: "Волков Дмитрий Андреевич" }).waitFor({ timeout: 10_000 }),
  );

  // The administrator renames the building through the form.
  await editor.page.getByLabel("Название").fill("ЖК «Северная звезда», корпус 1");
  await editor.page.getByRole("button", { name: "Сохранить" }).click();
  await editor.page.waitForURL(/done=saved/);

  // The manager's window shows the new name, on the same page load.
  const heading = watcher.page.locator('[data-field="name"]');
  await assert.doesNotReject(heading.filter({ hasText: "корпус 1" }).waitFor({ timeout: 10_000 }));
  assert.equal(watcher.page.url(), watcherUrl, "no navigation happened");
  const navigations = await watcher.page.evaluate(() => performance.getEntriesByType("navigation").length);
  assert.equal(navigations, 1, "no reload happened");

  // The editor leaves: the watcher no longer sees her.
  await editor.context.close();
  await assert.doesNotReject(presence.filter({ hasText: "Больше никого" }).waitFor({ timeout: 10_000 }));
  await watcher.context.close();
});

test("a server restart shows the offline banner, then the page catches up by itself", async () => {
  const viewer = await openTower("dispatcher");
  const status = viewer.page.locator("#live-status");
  await viewer.page.waitForFunction(() => document.getElementById("live-status")?.dataset.state === "online");

  // The server goes away for a few seconds: the page says so.
  const restarted = demo.restart(4000);
  await assert.doesNotReject(status.filter({ hasText: "Нет связи с сервером" }).waitFor({ timeout: 10_000 }));
  await restarted;

  // Back: the banner goes, and a change made now arrives live.
  await viewer.page.waitForFunction(() => document.getElementById("live-status")?.dataset.state === "online", null, {
    timeout: 20_000,
  });
  assert.equal(await status.isHidden(), true);
  const editor = await openTower("admin");
  await editor.page.getByLabel("Адрес").fill("г. Москва, Полярная ул., д. 31, стр. 2");
  await editor.page.getByRole("button", { name: "Сохранить" }).click();
  await editor.page.waitForURL(/done=saved/);
  await assert.doesNotReject(
    viewer.page.locator('[data-field="address"]').filter({ hasText: "стр. 2" }).waitFor({ timeout: 10_000 }),
  );
  await editor.context.close();
  await viewer.context.close();
});
