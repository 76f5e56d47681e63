// Domovoy: small progressive enhancements; every page works without them.
// - confirm before destructive form posts (data-confirm)
// - submit a form when a select changes (data-autosubmit)
// - print the page from a button (data-print)
// - keyboard shortcuts: "?" help, "/" the header search (everywhere),
//   "f" the page's own filter, "n" a new ticket where the page offers one
//   (the board, a client's or a unit's card), "g <key>" go to a section
// - upload the files chosen in an <input type=file data-upload="URL">
//   (each POSTed raw to URL?name=…); pages with `data-upload-reload`
//   reload after it, others (a ticket's page) call DomovoyUpload themselves
// - a text's formatting bar (data-format-for="<textarea id>"): bold wraps
//   the selection in ** (also Ctrl+B in the text, whatever the keyboard
//   layout: Ctrl+И on a Russian one), list starts the
//   selected lines with "- "

document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) window.print();
});

function inEditable(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  // A form sent again after the connection check was confirmed already.
  if (question && form.dataset.checked !== "1" && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// ---- Without a connection nothing is lost ----------------------------------
// A page form is sent only once the server answers: otherwise the page says
// plainly that nothing was sent, keeps what was typed and offers a retry
// (instead of the browser's error page). What is typed into a text area is
// kept in this browser until it is sent, so a reload or Back loses nothing.

const liveStatus = () => document.getElementById("live-status")?.dataset ?? {};

async function serverAnswers() {
  try {
    const response = await fetch("/healthz", { cache: "no-store", signal: AbortSignal.timeout(4000) });
    return response.ok;
  } catch {
    return false;
  }
}

function draftKey(form, field) {
  return `draft:${location.pathname}:${form.getAttribute("action") ?? ""}:${field.name}`;
}

function forgetDrafts(form) {
  for (const area of form.querySelectorAll("textarea[name]")) {
    localStorage.removeItem(draftKey(form, area));
  }
}

function notSent(form, retry) {
  let box = form.querySelector("[data-not-sent]");
  if (!box) {
    box = document.createElement("div");
    box.className = "alert";
    box.setAttribute("role", "alert");
    box.dataset.notSent = "";
    box.dataset.testid = "not-sent";
    form.append(box);
  }
  const again = document.createElement("button");
  again.type = "button";
  again.textContent = liveStatus().retry ?? "↻";
  again.addEventListener("click", () => {
    box.remove();
    retry();
  });
  box.replaceChildren(`${liveStatus().notSent ?? ""} `, again);
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
    return;
  }
  if (form.dataset.checked === "1" || form.matches("[data-intake]")) {
    return; // Checked just now, or a form that sends itself.
  }
  event.preventDefault();
  const submitter = event.submitter;
  if (await serverAnswers()) {
    forgetDrafts(form);
    form.dataset.checked = "1";
    form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    delete form.dataset.checked;
  } else {
    notSent(form, () => form.requestSubmit(submitter && submitter.form === form ? submitter : undefined));
  }
});

for (const form of document.querySelectorAll('form[method="post"]:not([data-intake])')) {
  for (const area of form.querySelectorAll("textarea[name]")) {
    const key = draftKey(form, area);
    const kept = localStorage.getItem(key);
    if (kept && !area.value) {
      area.value = kept;
      const note = document.createElement("span");
      note.className = "hint";
      note.textContent = liveStatus().draftRestored ?? "";
      area.after(note);
    }
    area.addEventListener("input", () => {
      if (area.value) {
        localStorage.setItem(key, area.value);
      } else {
        localStorage.removeItem(key);
      }
    });
  }
}

// A file picked for a [data-file-to-text] form is read into its textarea,
// so the server gets plain text (no multipart) and the person sees it.
document.addEventListener("change", async (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.matches("[data-file-source]") || !input.files?.length) {
    return;
  }
  const area = input.form?.querySelector("textarea");
  if (area) {
    area.value = await input.files[0].text();
  }
});

document.addEventListener("change", (event) => {
  const select = event.target;
  if (select.matches && select.matches("[data-autosubmit]") && select.form) {
    select.form.requestSubmit();
  }
});

let pendingG = false;
let pendingTimer = 0;

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || inEditable(event.target)) {
    return;
  }
  const dialog = document.getElementById("shortcuts");
  if (pendingG) {
    pendingG = false;
    clearTimeout(pendingTimer);
    const link = document.querySelector(`[data-shortcut="g ${CSS.escape(event.key)}"]`);
    if (link) {
      event.preventDefault();
      link.click();
    }
    return;
  }
  if (event.key === "g") {
    pendingG = true;
    // A second key must follow soon; otherwise "g" is forgotten.
    pendingTimer = setTimeout(() => { pendingG = false; }, 1500);
  } else if (event.key === "?" && dialog && !dialog.open) {
    event.preventDefault();
    dialog.showModal();
  } else if (event.key === "/" || event.key === "f") {
    // "/" is always the header search; "f" the page's filter (the header
    // search where a page has none).
    const header = document.querySelector("[data-global-search]");
    const own = document.querySelector("[data-search]");
    const search = event.key === "/" ? header ?? own : own ?? header;
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  } else if (event.key === "n") {
    const link = document.querySelector('[data-shortcut="n"]');
    if (link) {
      event.preventDefault();
      link.click();
    }
  }
});

// A [data-live-refresh] section redraws itself from the server when an
// event arrives on its live topic (the resident's open requests).
for (const root of document.querySelectorAll("[data-live-refresh]")) {
  let timer = 0;
  root.addEventListener("live:event", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        const response = await fetch(location.href, { credentials: "same-origin" });
        if (!response.ok) return;
        const doc = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = doc.querySelector(`[data-live-refresh="${CSS.escape(root.dataset.liveRefresh)}"]`);
        if (fresh) root.replaceChildren(...fresh.childNodes);
      } catch {
        // Offline: the live banner says so; the next event retries.
      }
    }, 250);
  });
}

/**
 * Sends each file chosen in `input` to its `data-upload` URL; a refusal is
 * written into `error` (the server's words, or "not sent" when offline).
 */
async function uploadFiles(input, error) {
  error.hidden = true;
  for (const file of input.files) {
    const url = `${input.dataset.upload}?name=${encodeURIComponent(file.name)}`;
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/octet-stream",
          "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]')?.content ?? "",
        },
        body: file,
      });
      if (!response.ok) {
        const answer = await response.json().catch(() => null);
        error.textContent = `${file.name}: ${answer?.error?.message ?? response.status}`;
        error.hidden = false;
      }
    } catch {
      error.textContent = `${file.name}: ${document.getElementById("live-status")?.dataset.notSent ?? ""}`;
      error.hidden = false;
    }
  }
  input.value = "";
}

globalThis.DomovoyUpload = uploadFiles;

document.addEventListener("change", async (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-upload-reload")) return;
  const error = document.querySelector("[data-upload-error]");
  await uploadFiles(input, error);
  if (error.hidden) window.location.reload();
});

// ---- A text's formatting bar (domain::markup) ------------------------------

function formatText(area, how) {
  const { selectionStart: from, selectionEnd: to, value } = area;
  let text;
  let start = from;
  let end = to;
  if (how === "bold") {
    text = `**${value.slice(from, to)}**`;
  } else {
    // Whole lines: from the start of the first selected line.
    start = value.lastIndexOf("\n", from - 1) + 1;
    text = value.slice(start, to).split("\n").map((line) => (line.startsWith("- ") ? line : `- ${line}`)).join("\n");
  }
  area.focus();
  area.setRangeText(text, start, end, "end");
  if (how === "bold" && from === to) area.setSelectionRange(from + 2, from + 2);
  area.dispatchEvent(new Event("input", { bubbles: true }));
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-format]") : null;
  const bar = button?.closest("[data-format-for]");
  const area = bar && document.getElementById(bar.dataset.formatFor);
  if (area instanceof HTMLTextAreaElement) formatText(area, button.dataset.format);
});

document.addEventListener("keydown", (event) => {
  const area = event.target;
  if (!(area instanceof HTMLTextAreaElement) || !(event.ctrlKey || event.metaKey) || event.code !== "KeyB") return;
  if (!document.querySelector(`[data-format-for="${area.id}"]`)) return;
  event.preventDefault();
  formatText(area, "bold");
});
