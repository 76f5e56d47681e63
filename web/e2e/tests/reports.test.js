// Reports (issue: reports): a property manager opens the SLA report from
// the menu, changes the period, drills into the late responses (the list
// holds as many tickets as the figure says), and downloads the workbook.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";

import { launchBrowser, openWindow, startDemo } from "../harness.js";

let demo;
let browser;

before(async () => {
  // Mail set up (nothing is due while the test runs, so nothing is sent):
  // the subscribe form needs it.
  demo = await startDemo({ env: { DOMOVOY_MAIL__SMTP_URL: "smtp://127.0.0.1:9", DOMOVOY_MAIL__FROM: "Домовой <noreply@uk.example>" } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test("a manager reads the SLA report, changes the period, drills into breaches and downloads the workbook", async () => {
  const { context, page } = await openWindow(browser, demo.url, "manager", "/");
  try {
    await page.getByRole("link", { name: "Отчёты" }).first().click();
    await page.getByRole("link", { name: "Соблюдение SLA" }).click();
    await page.getByTestId("report-figures").waitFor();
    assert.match(await page.locator("h1").textContent(), /Соблюдение SLA/);
    assert.equal(await page.locator("[data-testid=report-chart] svg").count(), 1, "a chart drawn on the server");

    // The last 7 days, typed into the form (the building's dates).
    const day = (d) => d.toISOString().slice(0, 10);
    const to = new Date();
    const from = new Date(to.getTime() - 6 * 86_400_000);
    await page.locator("input[name=from]").fill(day(from));
    await page.locator("input[name=to]").fill(day(to));
    await page.getByRole("button", { name: "Показать" }).click();
    await page.waitForURL(/from=/);
    const period = await page.getByTestId("report-period").textContent();
    const ru = (d) => d.toISOString().slice(0, 10).split("-").reverse().join(".");
    assert.equal(period, `${ru(from)} — ${ru(to)}`);

    // The late responses: the figure, then its tickets.
    const figure = page.locator("[data-figure=response_breached] dd");
    const count = Number((await figure.textContent()).trim());
    assert.ok(Number.isInteger(count), "a count");
    await figure.locator("a").click();
    await page.getByTestId("drill-count").waitFor();
    assert.match(await page.getByTestId("drill-what").textContent(), /Ответ с нарушением/);
    assert.equal(await page.getByTestId("drill-count").textContent(), `Всего заявок: ${count}`);
    assert.equal(await page.locator("[data-testid=drill-tickets] tbody tr").count(), Math.min(count, 1000));

    // Back to the report, and its workbook.
    await page.getByRole("link", { name: "← К отчёту" }).click();
    await page.getByTestId("report-figures").waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("report-xlsx").click()]);
    assert.match(download.suggestedFilename(), /^sla-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const bytes = await readFile(await download.path());
    assert.equal(bytes.subarray(0, 2).toString(), "PK", "an XLSX (zip) file");
  } finally {
    await context.close();
  }
});

test("a manager subscribes to a report by e-mail with its filters and unsubscribes", async () => {
  const { context, page } = await openWindow(browser, demo.url, "manager", "/reports/quality?group=category");
  try {
    await page.getByTestId("report-subscribe").locator("summary").click();
    await page.locator("select[name=cadence]").selectOption("monthly");
    await page.getByTestId("report-subscribe-button").click();
    await page.waitForURL(/\/reports\?done=report_subscribed/);
    assert.match(await page.locator(".notice").textContent(), /Подписка оформлена/);
    const item = page.getByTestId("report-subscription");
    assert.equal(await item.count(), 1);
    assert.match(await item.textContent(), /Оценки жителей[\s\S]*Каждый месяц[\s\S]*Следующее письмо: 01\./);
    // Its link opens the report with the kept filters.
    assert.match(await item.locator("a").getAttribute("href"), /^\/reports\/quality\?group=category$/);
    await page.screenshot({ path: "/tmp/report-subscriptions.png", fullPage: true });

    await item.getByTestId("report-unsubscribe").click();
    await page.waitForURL(/done=report_unsubscribed/);
    assert.equal(await page.getByTestId("report-subscription").count(), 0);
    assert.match(await page.getByTestId("report-subscriptions").textContent(), /Подписок нет/);
  } finally {
    await context.close();
  }
});
