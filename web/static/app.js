// Domovoy: small progressive enhancements; every page works without them.
// - confirm before destructive form posts (data-confirm)
// - submit a form when a select changes (data-autosubmit)
// - keyboard shortcuts: "?" help, "/" search, "g <key>" go to a section

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
  } else if (event.key === "/") {
    const search = document.querySelector("[data-search]") ?? document.querySelector("[data-global-search]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  }
});
