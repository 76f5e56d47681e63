// Resident sign-in by a code sent by SMS (issue: mailings, item 8), on a
// phone: the demo texts through a generic HTTP gateway this test runs on
// loopback; the resident asks for a code, a wrong one is refused in
// Russian, the code of the text opens the cabinet.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { freePort, launchBrowser, russianContext, startDemo } from "../harness.js";

let demo;
let browser;
let gateway;
// What the gateway was asked to send: { phone, text }.
const texts = [];

before(async () => {
  const port = await freePort();
  gateway = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      // A gateway reads a bounded body.
      if (body.length < 64 * 1024) body += chunk;
    });
    req.on("end", () => {
      try {
        texts.push(JSON.parse(body));
      } catch {
        texts.push({ phone: "", text: body });
      }
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ACCEPTED");
    });
  });
  await new Promise((resolve) => gateway.listen(port, "127.0.0.1", resolve));
  demo = await startDemo({
    env: {
      DOMOVOY_SMS__GATEWAY: "http",
      DOMOVOY_SMS__URL: `http://127.0.0.1:${port}/send`,
      DOMOVOY_SMS__FORMAT: "json",
      DOMOVOY_SMS__FIELDS__PHONE: "{digits}",
      DOMOVOY_SMS__FIELDS__TEXT: "{text}",
      DOMOVOY_SMS__ACCEPTED_WHEN: "ACCEPTED",
      DOMOVOY_OUTBOX__POLL_INTERVAL_MS: "100",
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  gateway?.close();
});

/** The code of the last text to `digits`, waiting for it (10 s at most). */
async function codeFor(digits) {
  for (let i = 0; i < 100; i += 1) {
    const text = texts.filter((t) => t.phone === digits).at(-1);
    const code = text?.text.match(/\b(\d{6})\b/)?.[1];
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code reached ${digits}: ${JSON.stringify(texts)}`);
}

test("a resident signs in on a phone with the code of a text", async () => {
  const context = await russianContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  try {
    await page.goto(`${demo.url}/login`);
    await page.getByTestId("code-login-link").click();
    await page.getByLabel("Номер телефона").fill("8 900 100-00-01");
    await page.getByTestId("code-send").click();
    await assert.doesNotReject(page.getByTestId("login-notice").waitFor());
    assert.match(await page.getByTestId("login-notice").innerText(), /Если номер \+7 900 100-00-01 зарегистрирован/);
    const code = await codeFor("79001000001");
    assert.match(texts.at(-1).text, /^Домовой: код для входа \d{6}\. Никому его не сообщайте\.$/);

    // A wrong code: refused in Russian, the form stays for another try.
    const wrong = code === "000000" ? "111111" : "000000";
    await page.getByLabel("Код из SMS").fill(wrong);
    await page.getByTestId("code-submit").click();
    assert.match(await page.getByTestId("login-error").innerText(), /Код неверен или устарел/);
    if (process.env.E2E_SCREENSHOTS) {
      await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/sms-code-phone.png`, fullPage: true });
    }

    await page.getByLabel("Код из SMS").fill(code);
    await page.getByTestId("code-submit").click();
    await page.waitForURL(`${demo.url}/`);
    assert.match(await page.locator("body").innerText(), /Иванов/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the cabinet fits a phone (${overflow} px too wide)`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
