// The browser-test harness: starts the real `domovoy` binary with a fresh
// demo on a free port, and a headless Chromium to drive it.
//
// DOMOVOY_BIN picks the binary (default: the debug build that `cargo test`
// leaves in $CARGO_TARGET_DIR/debug, or target/debug). CHROMIUM picks the
// browser (default Debian's).

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "..", "..");
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, "target");
const binary = process.env.DOMOVOY_BIN ?? join(targetDir, "debug", "domovoy");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function waitReady(url, child, output) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`domovoy exited with ${child.exitCode}:\n${output.join("")}`);
    }
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`domovoy did not become ready:\n${output.join("")}`);
}

function launch(args, output, env = {}) {
  const child = spawn(binary, args, {
    // Every test signs in from 127.0.0.1; the per-address limit has its own
    // test in the Rust suite.
    env: { ...process.env, RUST_LOG: "warn,domovoy=info", DOMOVOY_AUTH__SIGN_IN_PER_MINUTE: "10000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk) => output.push(chunk.toString()));
  child.stderr.on("data", (chunk) => output.push(chunk.toString()));
  return child;
}

/**
 * Stops the server as systemd would: SIGTERM, then SIGKILL when it has not
 * exited within `graceMs` (its own graceful shutdown gives requests in
 * flight 30 s). A server that had to be killed fails the test with its
 * output, so a stop that hangs is a failure with a log, never a stalled run.
 */
async function terminate(child, output, graceMs = 45_000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  let timer;
  const stopped = await Promise.race([
    exited.then(() => true),
    new Promise((r) => {
      timer = setTimeout(() => r(false), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (!stopped) {
    child.kill("SIGKILL");
    await exited;
    throw new Error(`domovoy did not stop within ${graceMs / 1000} s of SIGTERM:\n${output.join("").slice(-20_000)}`);
  }
}

/**
 * Starts `domovoy demo` on a free port. Returns { url, stop, restart }:
 * `restart()` stops the process (SIGTERM) and serves the same data on the
 * same port again (`domovoy serve`), as an upgrade or a crash-restart would.
 * `env` adds settings (`DOMOVOY_MAIL__SMTP_URL`, …) to both runs.
 */
export async function startDemo({ env = {} } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "domovoy-e2e-"));
  const output = [];
  const url = `http://127.0.0.1:${port}`;
  let child = launch(["demo", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir], output, env);
  await waitReady(url, child, output);
  return {
    url,
    output,
    async restart(pause = 0) {
      await terminate(child, output);
      await new Promise((r) => setTimeout(r, pause));
      child = launch(["serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir], output, env);
      await waitReady(url, child, output);
    },
    async stop() {
      try {
        await terminate(child, output);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A headless Chromium (the machine's own; nothing is downloaded). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: browserPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `close` until it settles, 5 s a try, three tries. Chromium can
 * acknowledge a close that races a navigation's commit and never close the
 * page (microsoft/playwright#42366): asked again, it does; if it still has
 * not, the browser's own close at the end of the file takes it down.
 */
async function closeBounded(close, what) {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const settled = await Promise.race([close().then(() => true, () => true), sleep(5_000).then(() => false)]);
    if (settled) {
      return;
    }
  }
  console.warn(`${what} did not close after three tries; left to the browser's close`);
}

/** A browser context as on the company's office PCs: Russian locale (`options` add to it). */
export async function russianContext(browser, options = {}) {
  const context = await browser.newContext({ locale: "ru-RU", ...options });
  const close = context.close.bind(context);
  context.close = () => closeBounded(close, "a browser context");
  return context;
}

/** Signs a page in through the form. */
export async function signIn(page, url, login, password = "demo") {
  await page.goto(`${url}/login`);
  await page.getByLabel("Логин или телефон").fill(login);
  await page.getByLabel("Пароль").fill(password);
  await page.getByRole("button", { name: "Войти" }).click();
}

/**
 * The staff app on a phone of `viewport` size: a Russian touch context,
 * `login` signed in at `/m/`. Uncaught page errors collect in `problems`.
 */
export async function phoneSignIn(browser, url, login, viewport) {
  const context = await russianContext(browser, { viewport, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${url}/m/`);
  await page.getByLabel("Логин").fill(login);
  await page.getByLabel("Пароль").fill("demo");
  await page.getByTestId("m-sign-in").click();
  return { context, page, problems };
}

/**
 * A window of its own: a Russian context (`options` add to it), `login`
 * signed in through the form, then `path` opened. `viewport: null` keeps
 * Playwright's default size (1280×720).
 */
export async function openWindow(browser, url, login, path, { viewport = { width: 1440, height: 900 }, ...options } = {}) {
  const context = await russianContext(browser, options);
  const page = await context.newPage();
  if (viewport) {
    await page.setViewportSize(viewport);
  }
  await signIn(page, url, login);
  await page.waitForURL(`${url}/`);
  await page.goto(`${url}${path}`);
  return { context, page };
}
