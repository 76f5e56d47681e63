// Mailings (issue: mailings): the client-service office selects a floor on
// the tower's chessboard, writes to them, checks the recipients and the
// text, sends; the progress reaches 100 % while a real SMTP server
// (aiosmtpd) takes the letters; a resident on a phone sees the notice on
// the cabinet's start page.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { freePort, launchBrowser, openWindow, russianContext, signIn, startDemo } from "../harness.js";

let demo;
let browser;
let smtp;
// aiosmtpd writes what it receives into this Maildir.
const mailDir = mkdtempSync(join(tmpdir(), "domovoy-e2e-mail-"));

before(async () => {
  const port = await freePort();
  const args = ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "aiosmtpd.handlers.Mailbox", join(mailDir, "box")];
  smtp = spawn("python3", args, { stdio: "ignore" });
  demo = await startDemo({
    // Letters leave at once whatever the hour the test runs at.
    env: { DOMOVOY_MAIL__SMTP_URL: `smtp://127.0.0.1:${port}`, DOMOVOY_MAIL__FROM: "Домовой <noreply@uk.example>", DOMOVOY_MAILINGS__QUIET_HOURS: "off" },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  smtp?.kill();
  rmSync(mailDir, { recursive: true, force: true });
});

/** The plain-text parts of the letters received so far (lettre: base64). */
function letterTexts() {
  const dir = join(mailDir, "box", "new");
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.map((name) => {
    const letter = readFileSync(join(dir, name), "utf8").replaceAll("\r\n", "\n");
    const start = letter.indexOf("Content-Type: text/plain");
    const rest = letter.slice(start);
    const body = rest.slice(rest.indexOf("\n\n") + 2).split("\n").filter((l) => !l.startsWith("--"));
    const lines = [];
    for (const line of body) {
      if (line.trim() === "") break;
      lines.push(line.trim());
    }
    return Buffer.from(lines.join(""), "base64").toString("utf8");
  });
}

test("the office writes to a floor chosen on the chessboard and a resident reads it in the cabinet", async () => {
  const { context, page } = await openWindow(browser, demo.url, "service", "/");
  page.on("dialog", (dialog) => dialog.accept());
  try {
    const tower = await page.evaluate(async () => {
      const list = await (await fetch("/api/v1/buildings")).json();
      return list.find((b) => b.name === "ЖК «Северная звезда»").id;
    });
    await page.goto(`${demo.url}/buildings/${tower}/chessboard`);
    const board = page.getByTestId("chessboard");
    await board.waitFor();
    // The floor of flat 45, where the demo resident Иванов lives.
    const floor = board.locator("tr", { has: page.locator('.cell[data-label="45"]') }).first();
    await floor.locator("[data-select-floor]").click();
    const selection = page.getByTestId("selection");
    await selection.waitFor();
    await selection.getByTestId("write-to-selection").click();

    // The editor holds the floor's units; a news item by e-mail and in the cabinet.
    const form = page.getByTestId("mailing-form");
    await form.waitFor();
    assert.match(await form.textContent(), /Выбранные помещения: \d+/);
    const title = `Замена лифтового оборудования ${Date.now()}`;
    await page.getByTestId("mailing-kind").selectOption("works");
    await page.getByTestId("mailing-title").fill(title);
    const body = page.getByTestId("mailing-body");
    await body.fill("Здравствуйте, {{ name }}! Лифт в подъезде не будет работать 12.12 с 9:00 до 17:00.");
    // Formatting from the keyboard and the bar: Ctrl+B, then a list item.
    await body.press("End");
    await body.press("Enter");
    await body.press("Control+KeyB");
    await body.pressSequentially("Важно:");
    await body.press("End");
    await body.pressSequentially(" работает лифт соседнего подъезда.");
    await body.press("Enter");
    await page.locator("[data-format-for=mailing-body] [data-format=list]").click();
    await body.pressSequentially("ключи у консьержа");
    assert.equal(
      await body.inputValue(),
      "Здравствуйте, {{ name }}! Лифт в подъезде не будет работать 12.12 с 9:00 до 17:00.\n" +
        "**Важно:** работает лифт соседнего подъезда.\n- ключи у консьержа",
    );
    await page.getByTestId("mailing-save").click();
    await page.waitForURL(/\/mailings\/[0-9a-f-]+\?done=mailing_created/);

    // Whom it reaches, and how the first of them read it.
    const size = Number(await page.getByTestId("audience-size").textContent());
    assert.ok(size >= 1, "the floor has residents");
    assert.match(await page.getByTestId("mailing-preview").first().textContent(), /Здравствуйте, .+! Лифт в подъезде/);
    assert.equal(await page.getByTestId("mailing-preview").first().locator("strong").textContent(), "Важно:");
    if (process.env.E2E_SCREENSHOTS) {
      await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/mailing-draft.png`, fullPage: true });
    }

    // A file attached on the draft's page (the page reloads with it listed).
    const pdf = Buffer.from("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "latin1");
    await page.getByTestId("mailing-file-input").setInputFiles({ name: "График работ.pdf", mimeType: "application/pdf", buffer: pdf });
    await page.getByTestId("mailing-file").filter({ hasText: "График работ.pdf" }).waitFor({ timeout: 10_000 });

    // Sent: the progress follows the outbox to 100 %.
    await page.getByTestId("mailing-send").click();
    await page.waitForURL(/done=mailing_sent/);
    // The page updates itself (and reloads once when nothing waits).
    const percent = page.locator("[data-progress-percent]");
    let shown = "";
    for (let i = 0; i < 60 && shown !== "100"; i += 1) {
      shown = await percent.textContent({ timeout: 5_000 }).catch(() => "");
      if (shown !== "100") await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(shown, "100", "every delivery left the outbox");
    assert.match(await page.getByTestId("mailing-status").textContent(), /Отправлена/);
    assert.ok((await page.locator("[data-testid=deliveries-table] tbody tr").count()) >= size);
    if (process.env.E2E_SCREENSHOTS) {
      await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/mailing-sent.png`, fullPage: true });
    }

    // The resident, on a phone, finds it on the cabinet's start page.
    const phone = await russianContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const resident = await phone.newPage();
      await signIn(resident, demo.url, "+79001000001");
      await resident.waitForURL(`${demo.url}/`);
      const notice = resident.getByTestId("home-announcement").filter({ hasText: title });
      await notice.waitFor();
      assert.match(await notice.textContent(), /Плановые работы[\s\S]*Здравствуйте, Иванов Иван Иванович!/);
      assert.equal(await notice.locator("li").textContent(), "ключи у консьержа");
      const file = notice.getByTestId("notice-file");
      assert.match(await file.textContent(), /График работ\.pdf/);
      const download = await resident.request.get(`${demo.url}${await file.getAttribute("href")}`);
      assert.equal(download.status(), 200, "the resident opens the notice's file");
    } finally {
      await phone.close();
    }
  } finally {
    await context.close();
  }
});

test("a survey's reminder brings a personal link that opens the form on a phone without signing in", async () => {
  const { context, page } = await openWindow(browser, demo.url, "service", "/surveys");
  page.on("dialog", (dialog) => dialog.accept());
  try {
    await page.getByTestId("surveys-table").getByRole("link", { name: "Качество обслуживания — 2026" }).click();
    const responses = Number(await page.getByTestId("survey-responses").textContent());
    const surveyUrl = page.url().replace(/\?.*$/, "");
    await page.getByTestId("survey-remind").click();
    await page.waitForURL(/\/mailings\/[0-9a-f-]+\?done=mailing_sent/);
    let link;
    for (let i = 0; i < 100 && !link; i += 1) {
      link = letterTexts().map((text) => text.match(/http:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]+/)?.[0]).find(Boolean);
      if (!link) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(link, "a reminder letter with a personal link arrived");

    // A resident, on a phone, never signed in.
    const phone = await russianContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const resident = await phone.newPage();
      const problems = [];
      resident.on("pageerror", (e) => problems.push(e.message));
      await resident.goto(link);
      const answer = resident.getByTestId("survey-answer-form");
      await answer.waitFor();
      assert.equal(await resident.locator("h1").textContent(), "Качество обслуживания — 2026");
      if (process.env.E2E_SCREENSHOTS) {
        await resident.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/survey-link-phone.png`, fullPage: true });
      }
      const overflow = await resident.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px)`);
      const question = (n) => answer.getByTestId("survey-q").nth(n);
      await question(0).getByLabel("Каждый день").tap();
      await question(2).getByLabel("Нет").tap();
      assert.ok(await question(3).isHidden(), "the dispatchers' mark is asked only of those who called");
      await question(4).locator(".mark", { hasText: "9" }).tap();
      await question(5).locator("textarea").fill("Спасибо за новые лавочки");
      await resident.getByTestId("survey-submit").tap();
      await resident.waitForURL(/done=answered/);
      assert.match(await resident.getByTestId("survey-thanks").textContent(), /Спасибо! Ваши ответы получены\./);
      // The link is spent: opened again, it says so and offers no form.
      await resident.goto(link);
      await resident.getByTestId("survey-answered").waitFor();
      assert.equal(await resident.getByTestId("survey-answer-form").count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await phone.close();
    }

    // The office counts the answer.
    await page.goto(surveyUrl);
    assert.equal(Number(await page.getByTestId("survey-responses").textContent()), responses + 1);
  } finally {
    await context.close();
  }
});
