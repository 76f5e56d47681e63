// Outages (issue: mailings, item 7): a dispatcher registers a hot-water
// outage for the tower from the «Аварии» page; the banner appears at once
// on the client manager's screen (who receives calls); the resident of
// flat 45 reads the emergency notice on a phone; closing it takes the
// banner down and tells the resident it is over.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { openWindow, launchBrowser, russianContext, signIn, startDemo } from "../harness.js";

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

test("an outage registered by a dispatcher notifies, bans the screens and is closed", async () => {
  const dispatcher = await openWindow(browser, demo.url, "dispatcher", "/outages");
  const watcher = await openWindow(browser, demo.url, "client-manager", "/tickets");
  const problems = [];
  for (const { page } of [dispatcher, watcher]) {
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("dialog", (dialog) => dialog.accept());
  }
  try {
    const form = dispatcher.page.getByTestId("outage-form");
    assert.equal(await form.getByTestId("outage-kind").inputValue(), "hot_water", "hot water is the usual one");
    await form.getByLabel("ЖК «Северная звезда»").check();
    await form.getByTestId("outage-starts").fill("2026-12-10T09:00");
    await form.getByTestId("outage-ends").fill("2026-12-10T18:00");
    await form.getByTestId("outage-details").fill("Авария на вводе");
    await watcher.page.waitForTimeout(500); // The watcher follows the calls topic.
    await form.getByTestId("outage-register").click();
    await dispatcher.page.waitForURL(/\/outages\/[0-9a-f-]+/);
    assert.match(await dispatcher.page.locator("main").innerText(), /Авария зарегистрирована/);
    const units = Number(await dispatcher.page.getByTestId("outage-units").innerText());
    assert.ok(units > 900, `the tower's units: ${units}`);
    assert.match(await dispatcher.page.getByTestId("outage-notice").innerText(), /С 10\.12 09:00 до 10\.12 18:00.*Авария на вводе/s);

    // The banner, live on the other screen.
    const item = watcher.page.getByTestId("outage-banner-item");
    await item.waitFor({ timeout: 5000 });
    assert.match(await item.innerText(), /Горячая вода \(ЖК «Северная звезда»\) до 10\.12 18:00/);

    // The resident of flat 45 reads the notice on a phone.
    const phone = await russianContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const resident = await phone.newPage();
    await signIn(resident, demo.url, "+79001000001");
    await resident.waitForURL(`${demo.url}/`);
    assert.match(await resident.locator("main").innerText(), /Отключение горячей воды/);
    const overflow = await resident.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, "the resident's page fits the phone");

    // Closed: the banner goes, the resident is told.
    await dispatcher.page.getByTestId("outage-close-button").click();
    await dispatcher.page.waitForURL(`${demo.url}/outages?done=closed`);
    assert.match(await dispatcher.page.locator("main").innerText(), /Авария закрыта/);
    await item.waitFor({ state: "detached", timeout: 5000 });
    await resident.reload();
    assert.match(await resident.locator("main").innerText(), /Отключение горячей воды завершено/);
    await phone.close();
    assert.deepEqual(problems, []);
  } finally {
    await dispatcher.context.close();
    await watcher.context.close();
  }
});
