// Domovoy: small progressive enhancements; every page works without them.
// - confirm before destructive form posts (data-confirm)
// - submit a form when a select changes (data-autosubmit)
// - keyboard shortcuts: "?" help, "/" the header search (everywhere),
//   "f" the page's own filter, "n" a new ticket where the page offers one
//   (the board, a client's or a unit's card), "g <key>" go to a section

function inEditable(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

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
