// Quick ticket creation for a dispatcher on the phone: one screen, no
// reloads. The form works without this script (a normal post); with it:
// - the building list narrows as you type, the problem picker fills the
//   category, and the category narrows the problems;
// - choosing a building lists its open tickets, typing a phone lists that
//   caller's earlier tickets (duplicates are seen before they are filed);
// - Ctrl+Enter or the button files the ticket through the API with the
//   form's Idempotency-Key, so a retry after a lost answer files nothing
//   twice; on success the form is ready for the next call at once.

const form = document.querySelector("[data-intake]");

function csrf() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

function field(name) {
  return form.elements.namedItem(name);
}

function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// ---- Pickers --------------------------------------------------------------

function filterBuildings(text) {
  const select = field("building_id");
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  let first = null;
  for (const option of select.options) {
    if (!option.value) {
      continue;
    }
    const match = words.every((w) => option.textContent.toLowerCase().includes(w));
    option.hidden = !match;
    if (match && !first) {
      first = option;
    }
  }
  // Typing picks the first match unless a visible building is chosen.
  if (first && words.length > 0 && (!select.value || select.selectedOptions[0]?.hidden)) {
    select.value = first.value;
    select.dispatchEvent(new Event("change"));
  }
}

function narrowProblems() {
  const category = field("category")?.value;
  const problems = field("problem");
  if (!problems) {
    return;
  }
  for (const option of problems.options) {
    option.hidden = Boolean(option.value && category && option.dataset.parent !== category);
  }
  if (problems.selectedOptions[0]?.hidden) {
    problems.value = "";
  }
}

function pickProblem(label) {
  const option = [...document.querySelectorAll("#problem-options option")].find((o) => o.value === label);
  if (!option) {
    return;
  }
  field("category").value = option.dataset.parent;
  narrowProblems();
  field("problem").value = option.dataset.id;
}

// ---- Context: open tickets of the building, the caller's history ----------

function listInto(list, items) {
  list.replaceChildren();
  if (items.length === 0) {
    const empty = document.createElement("li");
    empty.className = "muted";
    empty.textContent = "—";
    list.append(empty);
  }
  for (const ticket of items) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/tickets/${ticket.id}`;
    link.target = "_blank";
    link.textContent = `№ ${ticket.number}`;
    const text = document.createElement("span");
    text.className = "small";
    text.textContent = ` ${ticket.location ? ticket.location + " — " : ""}${ticket.description}`;
    item.append(link, text);
    list.append(item);
  }
}

async function tickets(query) {
  try {
    const response = await fetch(`/api/v1/tickets?${query}`, { credentials: "same-origin" });
    return response.ok ? (await response.json()).items : [];
  } catch {
    return [];
  }
}

async function showOpen() {
  const list = document.querySelector("[data-open-list]");
  const building = field("building_id").value;
  if (!list || !building) {
    return;
  }
  listInto(list, await tickets(`building_id=${encodeURIComponent(building)}&status=open&sort=newest&limit=5`));
}

async function showPhone() {
  const list = document.querySelector("[data-phone-list]");
  let digits = (field("contact_phone")?.value ?? "").replace(/\D/g, "");
  if (!list) {
    return;
  }
  if (digits.length === 11 && digits.startsWith("8")) {
    digits = `7${digits.slice(1)}`;
  }
  if (digits.length < 7) {
    listInto(list, []);
    return;
  }
  listInto(list, await tickets(`q=${encodeURIComponent(digits)}&sort=newest&limit=5`));
}

// ---- Submitting ------------------------------------------------------------

function clearErrors() {
  for (const old of form.querySelectorAll(".field-error[data-js]")) {
    old.remove();
  }
  form.querySelector("[data-form-error]").hidden = true;
}

function showErrors(error) {
  const box = form.querySelector("[data-form-error]");
  box.textContent = error?.message ?? "";
  box.hidden = !error?.message;
  for (const [name, text] of Object.entries(error?.fields ?? {})) {
    const input = field(name);
    const label = input?.closest?.("label") ?? input?.[0]?.closest?.("fieldset");
    if (label) {
      const span = document.createElement("span");
      span.className = "field-error";
      span.setAttribute("role", "alert");
      span.dataset.js = "";
      span.textContent = text;
      label.append(span);
    }
  }
}

function body() {
  const data = {};
  for (const [name, value] of new FormData(form)) {
    if (["csrf_token", "idempotency_key"].includes(name) || String(value).trim() === "") {
      continue;
    }
    data[name] = String(value);
  }
  return data;
}

function ready(created) {
  const notice = document.querySelector("[data-created]");
  notice.replaceChildren();
  const link = document.createElement("a");
  link.href = `/tickets/${created.id}`;
  link.textContent = `№ ${created.number}`;
  link.dataset.testid = "created-link";
  notice.append(`${form.dataset.createdText}: `, link);
  notice.hidden = false;
  for (const name of ["description", "location", "contact_name", "contact_phone", "category", "problem", "place"]) {
    const input = field(name);
    if (input) {
      input.value = "";
    }
  }
  const normal = form.querySelector('input[name="priority"][value="normal"]');
  if (normal) {
    normal.checked = true;
  }
  const search = form.querySelector("[data-problem-search]");
  if (search) {
    search.value = "";
  }
  narrowProblems();
  form.querySelector("[data-idempotency]").value = crypto.randomUUID();
  field("description").focus();
  showOpen();
  showPhone();
}

let sending = false;

async function submit(event) {
  event.preventDefault();
  if (sending) {
    return;
  }
  sending = true;
  clearErrors();
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const response = await fetch("/api/v1/tickets", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRF-Token": csrf(),
        "Idempotency-Key": `form:${form.querySelector("[data-idempotency]").value}`,
      },
      body: JSON.stringify(body()),
    });
    const answer = await response.json().catch(() => null);
    if (response.ok) {
      ready(answer);
    } else {
      showErrors(answer?.error);
    }
  } catch {
    // No answer: the key stays, so pressing again is safe.
    showErrors({ message: document.getElementById("live-status")?.dataset.offline });
  } finally {
    sending = false;
    button.disabled = false;
  }
}

if (form) {
  form.addEventListener("submit", submit);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      form.requestSubmit();
    }
  });
  document.querySelector("[data-filter-select]")?.addEventListener("input", (event) => filterBuildings(event.target.value));
  field("building_id").addEventListener("change", showOpen);
  field("category")?.addEventListener("change", narrowProblems);
  form.querySelector("[data-problem-search]")?.addEventListener("change", (event) => pickProblem(event.target.value));
  form.querySelector("[data-problem-search]")?.addEventListener("input", (event) => pickProblem(event.target.value));
  field("contact_phone")?.addEventListener("input", debounce(showPhone, 300));
  narrowProblems();
  showOpen();
  field("description").focus();
}
