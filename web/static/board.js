// The dispatcher's board: live refresh, keyboard, kanban drag and drop.
//
// The server renders the board; when an event arrives on one of the
// buildings it shows (a new ticket, a move, an SLA state change), the page
// fetches itself again and swaps the board in, keeping the selection. The
// deadline texts ("через 20 мин") are refreshed the same way every minute.
//
// A ticket that arrives while the board is open is marked until it is
// looked at; an emergency row is always marked. While the tab is in the
// background its title counts the arrivals («(3) Заявки — Домовой»), and
// with «Звук при новой заявке» on (kept in this browser) a short tone
// sounds, twice for an emergency.
//
// Keys (outside text fields): n — new ticket, f — the board's filter
// (/ is the header search everywhere), j / k — next / previous ticket,
// Enter or o — open it, a — assign it, s — change its status.
// Kanban: drag a card to another column; only allowed moves are offered.

const board = document.querySelector("[data-board]");
const REFRESH_DELAY = 250;
const CLOCK_REFRESH = 60_000;

function csrf() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

function inEditable(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

let refreshTimer = 0;
let dragging = false;
let refreshWanted = false;

// ---- Arrivals ---------------------------------------------------------------

/** Tickets already shown at least once on this page load. */
const seen = new Set();
/** Arrived and not yet looked at. */
const arrived = new Set();
/** Arrivals while the tab was in the background. */
let unseenInBackground = 0;
const baseTitle = document.title;
const SOUND_KEY = "domovoy.board.sound";

function ticketsOnBoard() {
  return board ? [...board.querySelectorAll("[data-ticket]")] : [];
}

function markArrivals(initial) {
  let fresh = 0;
  let emergency = false;
  for (const element of ticketsOnBoard()) {
    const id = element.dataset.ticket;
    if (!seen.has(id)) {
      seen.add(id);
      if (!initial) {
        arrived.add(id);
        fresh += 1;
        emergency ||= element.classList.contains("prio-emergency");
      }
    }
    element.classList.toggle("arrived", arrived.has(id));
  }
  if (fresh > 0) {
    announce(fresh, emergency);
  }
}

function announce(count, emergency) {
  if (document.visibilityState !== "visible") {
    unseenInBackground += count;
    document.title = `(${unseenInBackground}) ${baseTitle}`;
  }
  if (localStorage.getItem(SOUND_KEY) === "on") {
    beep(emergency ? 2 : 1);
  }
}

/** A short tone (no sound file to fetch): `times` beeps. */
function beep(times) {
  try {
    const audio = new AudioContext();
    for (let i = 0; i < times; i += 1) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.15;
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + i * 0.35);
      tone.stop(audio.currentTime + i * 0.35 + 0.2);
    }
    setTimeout(() => audio.close(), 1000 + times * 350);
  } catch {
    // No audio on this machine: the highlight and the title still say it.
  }
}

function lookedAt(element) {
  if (element?.dataset.ticket && arrived.delete(element.dataset.ticket)) {
    element.classList.remove("arrived");
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    unseenInBackground = 0;
    document.title = baseTitle;
  }
});

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, REFRESH_DELAY);
}

async function refresh() {
  if (dragging) {
    refreshWanted = true;
    return;
  }
  let response;
  try {
    response = await fetch(location.href, { credentials: "same-origin" });
  } catch {
    return; // Offline: the live banner says so; the next event retries.
  }
  if (!response.ok) {
    return;
  }
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = doc.querySelector("[data-board]");
  if (!fresh) {
    return;
  }
  if (dragging) {
    // A drag began while the page was fetched: swap after the drop.
    refreshWanted = true;
    return;
  }
  const selected = current()?.dataset.ticket;
  board.replaceChildren(...fresh.childNodes);
  const counters = doc.querySelector("nav.counters");
  if (counters) {
    document.querySelector("nav.counters")?.replaceWith(counters);
  }
  if (selected) {
    select(board.querySelector(`[data-ticket="${CSS.escape(selected)}"]`), false);
  }
  markArrivals(false);
  board.dispatchEvent(new CustomEvent("board:refreshed"));
}

function follow() {
  const api = globalThis.DomovoyLive;
  if (!api || !board.dataset.topics) {
    return;
  }
  for (const pair of board.dataset.topics.split(" ").filter(Boolean)) {
    const cut = pair.lastIndexOf("=");
    const topic = pair.slice(0, cut);
    const since = Number(pair.slice(cut + 1));
    api.live().subscribe(topic, {
      since,
      onEvent: (message) => {
        if (String(message.kind).startsWith("ticket.")) {
          scheduleRefresh();
        }
      },
      // History gone (a long disconnection): the current state is enough.
      onResync: scheduleRefresh,
    });
  }
}

// ---- Selection and keys -------------------------------------------------

function items() {
  // The table on wide screens, the cards on phones: whichever is shown.
  return [...board.querySelectorAll("[data-ticket]")].filter((e) => e.offsetParent !== null);
}

function current() {
  return board.querySelector("[data-ticket].selected");
}

function select(element, scroll = true) {
  for (const other of board.querySelectorAll("[data-ticket].selected")) {
    other.classList.remove("selected");
    other.removeAttribute("aria-selected");
  }
  if (!element) {
    return;
  }
  element.classList.add("selected");
  element.setAttribute("aria-selected", "true");
  lookedAt(element);
  if (scroll) {
    element.scrollIntoView({ block: "nearest" });
  }
}

function step(delta) {
  const all = items();
  if (all.length === 0) {
    return;
  }
  const index = all.indexOf(current());
  const next = index < 0 ? (delta > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + delta));
  select(all[next]);
}

function open(hash = "") {
  const element = current();
  if (element) {
    location.assign(element.dataset.href + hash);
  }
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || inEditable(event.target)) {
    return;
  }
  if (document.querySelector("dialog[open]")) {
    return;
  }
  const actions = {
    j: () => step(1),
    k: () => step(-1),
    ArrowDown: () => step(1),
    ArrowUp: () => step(-1),
    o: () => open(),
    Enter: () => open(),
    a: () => open("#assign"),
    s: () => open("#status"),
  };
  const action = actions[event.key];
  if (action && (event.key !== "Enter" || current())) {
    event.preventDefault();
    action();
  }
});

board.addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-ticket], li[data-ticket]");
  if (row && !event.target.closest("a, button")) {
    select(row, false);
    if (event.detail === 2) {
      location.assign(row.dataset.href);
    }
  }
});

// ---- Kanban -------------------------------------------------------------

/** Says why a move failed; kept outside the board, which refreshes. */
function message(text) {
  let box = document.querySelector("[data-board-error]");
  if (!box) {
    box = document.createElement("p");
    box.className = "alert";
    box.setAttribute("role", "alert");
    box.dataset.boardError = "";
    board.before(box);
  }
  box.textContent = text;
  box.hidden = false;
  setTimeout(() => { box.hidden = true; }, 8000);
}

function askHoldReason() {
  const dialog = board.querySelector("#hold-dialog");
  if (!dialog) {
    return Promise.resolve(null);
  }
  return new Promise((done) => {
    dialog.addEventListener("close", () => done(dialog.returnValue || null), { once: true });
    dialog.showModal();
  });
}

async function move(card, to) {
  const body = { to, version: Number(card.dataset.version) };
  if (to === "on_hold") {
    body.hold_reason = await askHoldReason();
    if (!body.hold_reason) {
      return;
    }
  }
  const origin = card.parentElement;
  const target = board.querySelector(`[data-column="${CSS.escape(to)}"] ol`);
  target?.prepend(card);
  let failure = null;
  try {
    const response = await fetch(`/api/v1/tickets/${card.dataset.ticket}/transitions`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const error = await response.json().catch(() => null);
      failure = error?.error?.message ?? String(response.status);
    }
  } catch {
    failure = document.getElementById("live-status")?.dataset.notSent ?? "offline";
  }
  if (failure) {
    origin.prepend(card);
    message(`${board.dataset.moveFailed}: ${failure}`);
  }
  scheduleRefresh();
}

board.addEventListener("dragstart", (event) => {
  const card = event.target.closest?.(".ticket-card");
  if (!card) {
    return;
  }
  dragging = true;
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", card.dataset.ticket);
  const moves = (card.dataset.moves ?? "").split(" ");
  for (const column of board.querySelectorAll("[data-column]")) {
    column.classList.toggle("drop-ok", moves.includes(column.dataset.column));
  }
  select(card, false);
});

board.addEventListener("dragend", () => {
  dragging = false;
  for (const column of board.querySelectorAll("[data-column]")) {
    column.classList.remove("drop-ok", "drop-over");
  }
  if (refreshWanted) {
    refreshWanted = false;
    scheduleRefresh();
  }
});

board.addEventListener("dragover", (event) => {
  const column = event.target.closest?.("[data-column]");
  if (column?.classList.contains("drop-ok")) {
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-over");
  }
});

board.addEventListener("dragleave", (event) => {
  const column = event.target.closest?.("[data-column]");
  if (column && !column.contains(event.relatedTarget)) {
    column.classList.remove("drop-over");
  }
});

board.addEventListener("drop", (event) => {
  const column = event.target.closest?.("[data-column]");
  if (!column?.classList.contains("drop-ok")) {
    return;
  }
  event.preventDefault();
  const id = event.dataTransfer.getData("text/plain");
  const card = board.querySelector(`.ticket-card[data-ticket="${CSS.escape(id)}"]`);
  if (card && card.closest("[data-column]") !== column) {
    move(card, column.dataset.column);
  }
});

if (board) {
  markArrivals(true);
  const sound = document.querySelector("[data-arrival-sound]");
  if (sound) {
    sound.checked = localStorage.getItem(SOUND_KEY) === "on";
    sound.addEventListener("change", () => {
      localStorage.setItem(SOUND_KEY, sound.checked ? "on" : "off");
      if (sound.checked) {
        beep(1);
      }
    });
  }
  follow();
  setInterval(() => {
    if (document.visibilityState === "visible") {
      scheduleRefresh();
    }
  }, CLOCK_REFRESH);
}
