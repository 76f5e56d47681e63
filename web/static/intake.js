// Quick ticket creation for a dispatcher on the phone: one screen, no
// reloads. The form works without this script (a normal post); with it:
// - the building list narrows as you type, the problem picker fills the
//   category, and the category narrows the problems;
// - choosing a building lists its open tickets, typing a phone lists that
//   caller's earlier tickets (duplicates are seen before they are filed);
// - Ctrl+Enter or the button files the ticket through the API with the
//   form's Idempotency-Key, so a retry after a lost answer files nothing
//   twice; on success the form starts clean for the next call at once;
// - a chosen client is dropped (and the dispatcher told) as soon as the
//   typed name or phone is not theirs: a ticket never goes to the previous
//   caller;
// - Enter in a field never files the ticket (it picks in the quick pick);
//   only Ctrl+Enter or the button does; a ticket like one the same caller
//   filed in the last half hour asks for a second press first.

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

// ---- The caller: a chosen client must stay the one on the phone -----------

/** The phone as 11 digits starting with 7, or the digits typed so far. */
function phoneDigits(text) {
  let digits = String(text ?? "").replace(/\D/g, "");
  if (digits.length === 11 && digits.startsWith("8")) {
    digits = `7${digits.slice(1)}`;
  } else if (digits.length === 10 && digits.startsWith("9")) {
    digits = `7${digits}`;
  }
  return digits;
}

function folded(text) {
  return String(text ?? "").toLowerCase().replaceAll("ё", "е").replace(/\s+/g, " ").trim();
}

/** The client chosen for this call: { id, name, phones: [digits] }. */
let client = null;

async function rememberClient(id) {
  client = null;
  if (!id) {
    return;
  }
  try {
    const response = await fetch(`/api/v1/clients/${encodeURIComponent(id)}`, { credentials: "same-origin" });
    if (response.ok && field("client_id").value === id) {
      const card = await response.json();
      client = { id, name: card.name, phones: (card.phones ?? []).map((p) => phoneDigits(p.e164 ?? p.display)) };
    }
  } catch {
    // Offline: the mismatch check waits for the next choice.
  }
}

/** Whether what is typed could still be the chosen client. */
function stillTheClient() {
  if (!client) {
    return true;
  }
  const phone = phoneDigits(field("contact_phone")?.value);
  const phoneFits = phone.length < 11 || client.phones.length === 0 || client.phones.includes(phone);
  const name = folded(field("contact_name")?.value);
  const known = folded(client.name);
  // A name typed from scratch must be a part of the client's name (a
  // surname, a first name) or contain it.
  const nameFits = !name || known.includes(name) || name.includes(known) ||
    name.split(" ").every((word) => known.split(" ").some((k) => k.startsWith(word)));
  return phoneFits && nameFits;
}

/** Forgets the chosen client and unit (the search box, the hint too). */
function clearParty(message = "") {
  client = null;
  for (const name of ["client_id", "unit_id"]) {
    if (field(name)) {
      field(name).value = "";
    }
  }
  const search = form.querySelector("[data-party-search]");
  if (search) {
    search.value = "";
  }
  const chosen = form.querySelector("[data-party-chosen]");
  if (chosen) {
    chosen.textContent = message;
    chosen.classList.toggle("warn", Boolean(message));
  }
}

function checkParty() {
  if (client && !stillTheClient()) {
    const location = field("location");
    // The flat came with the client: it goes with them.
    if (location && location.dataset.fromParty === "true") {
      location.value = "";
    }
    clearParty(form.dataset.partyDropped);
  }
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
  const building = field("building_id")?.value;
  if (!list || !building) {
    return;
  }
  listInto(list, await tickets(`building_id=${encodeURIComponent(building)}&status=open&sort=newest&limit=5`));
}

async function showPhone() {
  const list = document.querySelector("[data-phone-list]");
  const digits = phoneDigits(field("contact_phone")?.value);
  if (!list) {
    return;
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
    if (["csrf_token", "idempotency_key"].includes(name) || value instanceof File || String(value).trim() === "") {
      continue;
    }
    if (name === "unit_choice") {
      // A resident's unit: `building:unit`.
      const [building, unit] = String(value).split(":");
      data.building_id = building;
      data.unit_id = unit;
      continue;
    }
    data[name] = String(value);
  }
  return data;
}

// ---- A resident's photos ------------------------------------------------------

const MAX_PHOTOS = 5;
const PHOTO_SIDE = 1600;

/** The photo made smaller (JPEG, longest side 1600 px); as is if the browser cannot. */
async function shrink(file) {
  if (!file.type.startsWith("image/") || file.type === "image/gif") {
    return { blob: file, name: file.name };
  }
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((done) => canvas.toBlob(done, "image/jpeg", 0.82));
    if (!blob || blob.size >= file.size) {
      return { blob: file, name: file.name };
    }
    return { blob, name: file.name.replace(/\.[^.]*$/, "") + ".jpg" };
  } catch {
    return { blob: file, name: file.name };
  }
}

/** Attaches the chosen photos to ticket `id`; false if any failed. */
async function sendPhotos(id) {
  const input = form.querySelector("[data-photos]");
  const files = [...(input?.files ?? [])].slice(0, MAX_PHOTOS);
  const progress = form.querySelector("[data-photo-progress]");
  let ok = true;
  for (const [index, file] of files.entries()) {
    progress.hidden = false;
    progress.textContent = `${progress.dataset.sendingText} ${index + 1} / ${files.length}…`;
    const { blob, name } = await shrink(file);
    try {
      const response = await fetch(`/api/v1/tickets/${id}/attachments?name=${encodeURIComponent(name)}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf(), "Content-Type": "application/octet-stream" },
        body: blob,
      });
      ok &&= response.ok;
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    progress.textContent = progress.dataset.failedText;
  }
  return ok;
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
  // The next call starts from a clean form: nothing of this caller stays.
  for (const name of ["description", "location", "contact_name", "contact_phone", "category", "problem", "place", "building_id"]) {
    const input = field(name);
    if (input) {
      input.value = "";
    }
  }
  clearParty();
  const buildingFilter = form.querySelector("[data-filter-select]");
  if (buildingFilter) {
    buildingFilter.value = "";
    filterBuildings("");
  }
  hideDuplicate();
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

// ---- A second ticket for the same trouble ------------------------------------

const DUPLICATE_WINDOW_MS = 30 * 60 * 1000;
/** The form's content the dispatcher confirmed despite a warning. */
let confirmed = "";

function hideDuplicate() {
  const box = form.querySelector("[data-duplicate-warning]");
  box.hidden = true;
  box.replaceChildren();
  confirmed = "";
}

/** Recent tickets of this caller (by client, else by phone) in this building. */
async function recentLikeThis(data) {
  const digits = phoneDigits(data.contact_phone);
  const by = data.client_id ? `q=${encodeURIComponent(digits || data.contact_name || "")}` : `q=${encodeURIComponent(digits)}`;
  if (!data.client_id && digits.length < 11) {
    return [];
  }
  const since = Date.now() - DUPLICATE_WINDOW_MS;
  const items = await tickets(`${by}&sort=newest&limit=10`);
  return items.filter((t) =>
    Date.parse(t.created_at) >= since &&
    (!data.building_id || t.building_id === data.building_id) &&
    (!data.client_id || !t.client_id || t.client_id === data.client_id));
}

/** Shows the warning; true when the dispatcher must look first. */
async function warnedAboutDuplicate(data) {
  const signature = JSON.stringify(data);
  if (confirmed === signature) {
    return false;
  }
  const recent = await recentLikeThis(data);
  if (recent.length === 0) {
    return false;
  }
  const box = form.querySelector("[data-duplicate-warning]");
  box.replaceChildren(`${form.dataset.duplicate} `);
  for (const ticket of recent.slice(0, 3)) {
    const link = document.createElement("a");
    link.href = `/tickets/${ticket.id}`;
    link.target = "_blank";
    const minutes = Math.max(0, Math.round((Date.now() - Date.parse(ticket.created_at)) / 60000));
    link.textContent = `№ ${ticket.number}`;
    box.append(link, ` (${minutes} ${form.dataset.minutesAgo}) — ${ticket.description} `);
  }
  box.hidden = false;
  confirmed = signature;
  return true;
}

let sending = false;

async function submit(event) {
  event.preventDefault();
  if (sending) {
    return;
  }
  sending = true;
  clearErrors();
  checkParty();
  if (await warnedAboutDuplicate(body())) {
    sending = false;
    return;
  }
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
    if (response.ok && form.hasAttribute("data-resident")) {
      // The resident goes on to the request's page, where its status and
      // the answers appear.
      const photos = await sendPhotos(answer.id);
      location.assign(`/tickets/${answer.id}${photos ? "" : "?done=photos_failed"}`);
      return;
    } else if (response.ok) {
      ready(answer);
    } else {
      showErrors(answer?.error);
    }
  } catch {
    // No answer: the key stays, so pressing again is safe.
    showErrors({ message: document.getElementById("live-status")?.dataset.notSent });
  } finally {
    sending = false;
    button.disabled = false;
  }
}

if (form) {
  form.addEventListener("submit", submit);
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") {
      return;
    }
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.target instanceof HTMLInputElement) {
      // Enter in a field picks (the quick pick, the search lists) or does
      // nothing: a half-filled ticket is never filed by it.
      event.preventDefault();
      if (event.target.matches("[data-problem-search]")) {
        pickProblem(event.target.value);
      }
    }
  });
  form.addEventListener("input", (event) => {
    if (event.target.name !== "location") {
      hideDuplicate();
    }
  });
  field("location")?.addEventListener("input", (event) => { event.target.dataset.fromParty = "false"; });
  field("contact_phone")?.addEventListener("change", checkParty);
  field("contact_name")?.addEventListener("change", checkParty);
  field("contact_phone")?.addEventListener("input", debounce(checkParty, 400));
  field("contact_name")?.addEventListener("input", debounce(checkParty, 600));
  // A client chosen in the search (or prefilled from their card).
  field("client_id")?.addEventListener("change", (event) => rememberClient(event.target.value));
  rememberClient(field("client_id")?.value);
  document.querySelector("[data-filter-select]")?.addEventListener("input", (event) => filterBuildings(event.target.value));
  field("building_id")?.addEventListener?.("change", showOpen);
  field("category")?.addEventListener("change", narrowProblems);
  form.querySelector("[data-problem-search]")?.addEventListener("change", (event) => pickProblem(event.target.value));
  form.querySelector("[data-problem-search]")?.addEventListener("input", (event) => pickProblem(event.target.value));
  field("contact_phone")?.addEventListener("input", debounce(showPhone, 300));
  // Filled by the caller picker or prefilled from a card, not typed.
  field("contact_phone")?.addEventListener("change", showPhone);
  form.querySelector("[data-photos]")?.addEventListener("change", (event) => {
    const hint = form.querySelector("[data-photos-chosen]");
    const count = Math.min(event.target.files.length, MAX_PHOTOS);
    if (count > 0) {
      hint.textContent = `${hint.dataset.chosenText} ${count}`;
    }
  });
  narrowProblems();
  showOpen();
  showPhone();
  field("description").focus();
}
