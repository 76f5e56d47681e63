// Every demo role signs in through the form and sees its own home page and
// menu, in Russian; a wrong password shows a Russian error.

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

// Login, the role shown on the home page, menu entries that must and must
// not be there.
const roles = [
  ["admin", "Администратор", ["Объекты", "Пользователи", "Роли", "Назначения", "Журнал аудита"], []],
  ["dispatcher", "Диспетчер", ["Объекты"], ["Пользователи", "Журнал аудита"]],
  ["manager", "Управляющий объекта", ["Объекты"], ["Пользователи", "Роли"]],
  ["client-manager", "Менеджер по работе с клиентами", ["Объекты"], ["Роли"]],
  ["technician", "Техник", ["Объекты"], ["Пользователи"]],
  ["guard", "Охрана", ["Объекты"], ["Пользователи", "Журнал аудита"]],
  ["concierge", "Консьерж", ["Объекты"], ["Роли"]],
  ["service", "Отдел клиентского сервиса", ["Объекты"], ["Назначения"]],
  ["+7 900 100-00-01", "Клиент (собственник, арендатор, жилец)", [], ["Объекты", "Пользователи"]],
];

for (const [login, role, shown, hidden] of roles) {
  test(`${login} signs in and sees the home page of a ${role}`, async () => {
    const context = await russianContext(browser);
    const page = await context.newPage();
    await signIn(page, demo.url, login);
    await page.waitForURL(`${demo.url}/`);
    await assert.doesNotReject(page.getByRole("heading", { name: /^Здравствуйте, .+!$/ }).waitFor());
    if (login.startsWith("+7")) {
      // A resident's start is their cabinet: file a request, see open ones.
      assert.equal(await page.getByTestId("file-request").count(), 1);
      assert.equal(await page.getByTestId("home-roles").count(), 0);
    } else {
      const roleList = await page.getByTestId("home-roles").innerText();
      assert.match(roleList, new RegExp(role.replace(/[()]/g, "\\$&")));
    }
    const menu = page.getByRole("navigation", { name: "Главное меню" });
    for (const entry of ["Главная", "Профиль", ...shown]) {
      assert.equal(await menu.getByRole("link", { name: entry, exact: true }).count(), 1, `${login}: ${entry}`);
    }
    for (const entry of hidden) {
      assert.equal(await menu.getByRole("link", { name: entry, exact: true }).count(), 0, `${login}: no ${entry}`);
    }
    assert.equal(await page.locator("html").getAttribute("lang"), "ru");
    await context.close();
  });
}

test("a wrong password shows a Russian error and keeps the login", async () => {
  const context = await russianContext(browser);
  const page = await context.newPage();
  await signIn(page, demo.url, "dispatcher", "неверный");
  const error = page.getByTestId("login-error");
  assert.equal(await error.innerText(), "Неверный логин или пароль.");
  assert.equal(await page.getByLabel("Логин или телефон").inputValue(), "dispatcher");
  await context.close();
});

test("keyboard shortcuts open the help and move between sections", async () => {
  const context = await russianContext(browser);
  const page = await context.newPage();
  await signIn(page, demo.url, "admin");
  await page.waitForURL(`${demo.url}/`);
  await page.keyboard.press("?");
  await assert.doesNotReject(page.getByRole("heading", { name: "Горячие клавиши" }).waitFor());
  await page.keyboard.press("Escape");
  await page.keyboard.press("g");
  await page.keyboard.press("u");
  await page.waitForURL(`${demo.url}/admin/users`);
  await page.keyboard.press("/");
  const focused = await page.evaluate(() => document.activeElement?.getAttribute("name"));
  assert.equal(focused, "q");
  await context.close();
});
