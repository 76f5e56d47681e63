// Surveys (issue: surveys): the client-service office builds a survey for
// the tower on a desktop and publishes it; a resident on a phone finds the
// banner on the cabinet's start page and answers with the thumb; the
// office's results page, left open, shows the answer without a reload;
// the workbook downloads.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";

import { launchBrowser, openWindow, russianContext, signIn, startDemo } from "../harness.js";

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

test("the office publishes a survey, a resident answers on a phone, the results follow live", async () => {
  const { context, page } = await openWindow(browser, demo.url, "service", "/surveys");
  page.on("dialog", (dialog) => dialog.accept());
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  try {
    // The demo's running survey is listed with its responses.
    const demoRow = page.getByTestId("surveys-table").locator("tr", { hasText: "Качество обслуживания — 2026" });
    assert.match(await demoRow.textContent(), /Идёт\s*\d+/);
    await page.getByTestId("new-survey").click();
    const form = page.getByTestId("survey-form");
    await form.waitFor();
    const title = `Уборка подъездов ${Date.now()}`;
    await page.getByTestId("survey-title").fill(title);
    const first = page.getByTestId("survey-question").nth(0);
    await first.getByTestId("q-kind").selectOption("scale");
    await first.getByTestId("q-text").fill("Оцените чистоту в подъезде");
    // A second question, added by the form's own button (the page comes back with both).
    await page.getByTestId("survey-add-question").click();
    const second = page.getByTestId("survey-question").nth(1);
    await second.waitFor();
    assert.equal(await page.getByTestId("survey-title").inputValue(), title, "the draft survives adding a question");
    await second.getByTestId("q-kind").selectOption("single");
    await second.getByTestId("q-text").fill("Когда удобнее убирать?");
    await second.getByTestId("q-options").fill("Утром\nДнём\nВечером");
    // A third, asked only of those who answer «Вечером» (branching).
    await page.getByTestId("survey-add-question").click();
    const third = page.getByTestId("survey-question").nth(2);
    await third.waitFor();
    await third.getByTestId("q-kind").selectOption("text");
    await third.getByTestId("q-text").fill("Почему вечером?");
    await third.getByTestId("q-show-if").selectOption("2");
    await third.getByTestId("q-show-if-value").fill("вечером");
    await page.getByTestId("survey-audience").getByLabel("ЖК «Северная звезда»").check();
    if (process.env.E2E_SCREENSHOTS) {
      await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/survey-builder.png`, fullPage: true });
    }
    await page.getByTestId("survey-save").click();
    await page.waitForURL(/\/surveys\/[0-9a-f-]+\?done=survey_created/);
    assert.ok(Number(await page.getByTestId("survey-eligible").textContent()) >= 2, "the tower's residents may answer");
    assert.match(await page.locator(".survey-preview").textContent(), /Оцените чистоту в подъезде[\s\S]*Утром/);
    assert.match(await page.locator(".survey-preview").textContent(), /Задаётся, если на вопрос «Когда удобнее убирать\?» ответили «Вечером»/);
    // A draft can still be changed: one more choice.
    await page.getByTestId("survey-edit").click();
    await page.getByTestId("survey-question").nth(1).getByTestId("q-options").fill("Утром\nДнём\nВечером\nНочью");
    await page.getByTestId("survey-save").click();
    await page.waitForURL(/done=survey_saved/);
    assert.match(await page.locator(".survey-preview").textContent(), /Ночью/);
    await page.getByTestId("survey-publish").click();
    await page.waitForURL(/done=survey_published/);
    assert.match(await page.getByTestId("survey-status").textContent(), /Идёт/);
    assert.equal(await page.getByTestId("survey-responses").textContent(), "0");
    const surveyUrl = page.url().replace(/\?.*$/, "");

    // The resident, on a phone.
    const phone = await russianContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const resident = await phone.newPage();
      await signIn(resident, demo.url, "+79001000001");
      await resident.waitForURL(`${demo.url}/`);
      const banner = resident.getByTestId("home-survey-banner");
      await banner.waitFor();
      await banner.getByRole("link", { name: "Ответить" }).click();
      await resident.getByRole("link", { name: title }).click();
      const answer = resident.getByTestId("survey-answer-form");
      await answer.waitFor();
      if (process.env.E2E_SCREENSHOTS) {
        await resident.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/survey-answer-phone.png`, fullPage: true });
      }
      const overflow = await resident.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px)`);
      const why = answer.getByTestId("survey-q").nth(2);
      assert.ok(await why.isHidden(), "the follow-up waits for its answer");
      await answer.locator(".mark", { hasText: "5" }).first().tap();
      await answer.getByLabel("Утром").tap();
      assert.ok(await why.isHidden());
      await answer.getByLabel("Вечером").tap();
      await why.waitFor();
      await why.locator("textarea").fill("Днём дома никого");
      await resident.getByTestId("survey-submit").tap();
      await resident.waitForURL(/done=answered/);
      assert.match(await resident.locator("main").textContent(), /Спасибо! Ваши ответы получены\./);
    } finally {
      await phone.close();
    }

    // The office's page, never reloaded, shows the answer (its live connection says an answer came).
    await page.waitForFunction(
      () => document.querySelector("[data-testid=survey-responses]")?.textContent === "1",
      null,
      { timeout: 10_000 },
    );
    assert.equal(page.url().replace(/\?.*$/, ""), surveyUrl);
    const results = page.getByTestId("survey-question-result");
    assert.match(await results.nth(0).textContent(), /Среднее:\s*5,00/);
    assert.match(await results.nth(1).textContent(), /Вечером\s*1\s*100,0/);
    assert.match(await results.nth(2).textContent(), /Днём дома никого/);
    if (process.env.E2E_SCREENSHOTS) {
      await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/survey-results.png`, fullPage: true });
    }
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("survey-xlsx").click()]);
    const bytes = await readFile(await download.path());
    assert.equal(bytes.subarray(0, 2).toString(), "PK", "an XLSX (zip) file");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
