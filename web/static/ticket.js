// A ticket's page: redraws itself when the ticket changes elsewhere (unless
// you are typing: then it says so and waits), tells others you are writing
// a comment, uploads files, and narrows problems by category.
//
// Keys (outside text fields): a — assignee, s — status actions,
// c — comment, u — attach a file.

const page = document.querySelector("[data-ticket-page]");
const topic = page?.dataset.liveTopic;

function inEditable(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** Whether the user has started something the redraw would throw away. */
function busy() {
  if (inEditable(document.activeElement) && page.contains(document.activeElement)) {
    return true;
  }
  return [...page.querySelectorAll("textarea, input[name=reason]")].some((field) => field.value.trim() !== "");
}

let stale = false;

function announceStale() {
  if (stale) {
    return;
  }
  stale = true;
  const box = document.createElement("p");
  box.className = "notice";
  box.setAttribute("role", "status");
  box.dataset.stale = "";
  box.textContent = `${page.dataset.changed} `;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "↻";
  button.addEventListener("click", () => location.reload());
  box.append(button);
  page.prepend(box);
}

async function redraw() {
  if (busy()) {
    announceStale();
    return;
  }
  let response;
  try {
    response = await fetch(location.pathname, { credentials: "same-origin" });
  } catch {
    return;
  }
  if (!response.ok) {
    return;
  }
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const selector of [".ticket-head", ".ticket-layout"]) {
    const fresh = doc.querySelector(selector);
    if (fresh) {
      page.querySelector(selector)?.replaceWith(fresh);
    }
  }
  const version = doc.querySelector("[data-ticket-page]")?.dataset.version;
  if (version) {
    page.dataset.version = version;
  }
  bind();
}

function narrowProblems(form) {
  const category = form.querySelector("[data-category]");
  const problems = form.querySelector("[data-problem]");
  if (!category || !problems) {
    return;
  }
  for (const option of problems.options) {
    option.hidden = Boolean(option.value && category.value && option.dataset.parent !== category.value);
  }
}

async function upload(input) {
  await globalThis.DomovoyUpload(input, page.querySelector("[data-upload-error]"));
  redraw();
}

/** Wires the parts a redraw replaces. */
function bind() {
  for (const form of page.querySelectorAll("form")) {
    form.querySelector("[data-category]")?.addEventListener("change", () => narrowProblems(form));
    narrowProblems(form);
  }
  page.querySelector("[data-upload]")?.addEventListener("change", (event) => upload(event.target));
  // The assignee picker: typing narrows the list and selects the first
  // match; Enter in the box assigns (the form submits).
  const filter = page.querySelector("[data-assign-filter]");
  const picker = page.querySelector("[data-assign]");
  filter?.addEventListener("input", () => {
    const words = filter.value.toLowerCase().replaceAll("ё", "е").split(/\s+/).filter(Boolean);
    let first = null;
    for (const option of picker.options) {
      const text = option.textContent.toLowerCase().replaceAll("ё", "е");
      const match = !option.value || words.every((w) => text.includes(w));
      option.hidden = !match;
      if (match && option.value && !first) {
        first = option;
      }
    }
    if (first && words.length > 0) {
      picker.value = first.value;
    }
  });
  const comment = page.querySelector("[data-comment]");
  comment?.addEventListener("focus", () => globalThis.DomovoyLive?.live().setPresence(topic, "editing"));
  comment?.addEventListener("blur", () => {
    if (!comment.value.trim()) {
      globalThis.DomovoyLive?.live().setPresence(topic, "viewing");
    }
  });
}

if (page) {
  bind();
  const focus = { "#assign": "[data-assign-filter]", "#status": "[data-transition] button" }[location.hash];
  if (focus) {
    page.querySelector(focus)?.focus();
  }
  page.addEventListener("live:event", (event) => {
    if (String(event.detail.kind).startsWith("ticket.")) {
      redraw();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || inEditable(event.target) || document.querySelector("dialog[open]")) {
      return;
    }
    const targets = {
      a: "[data-assign-filter]",
      s: "[data-transition] button",
      c: "[data-comment]",
      u: "[data-upload]",
    };
    const element = targets[event.key] && page.querySelector(targets[event.key]);
    if (element) {
      event.preventDefault();
      element.focus();
      element.scrollIntoView({ block: "center" });
    }
  });
}
