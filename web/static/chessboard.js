// The live chessboard (шахматка): overlays, live cells, unit cards,
// selection of ranges with export.
//
// Every cell carries its open tickets (id, SLA state, priority) in
// data-tickets. Ticket events on the building's topic carry the ticket's
// summary (with its unit), so a cell is recomputed from the event alone:
// only the changed cells change, nothing is reloaded. A layout change
// reloads the page; an occupancy change re-reads the overlays.

const board = document.getElementById("chessboard");
const ENDED = new Set(["done", "closed", "rejected", "cancelled"]);
const SEVERITY = { met: 0, none: 1, paused: 2, active: 3, warning: 4, breached: 5 };
const OVERLAYS = ["tickets", "kind", "ownership", "app"];

// ---- Cells ---------------------------------------------------------------

const cells = new Map(); // unit id -> button
const ticketUnit = new Map(); // ticket id -> unit id
for (const cell of board.querySelectorAll(".cell")) {
  cells.set(cell.dataset.unit, cell);
  for (const ticket of ticketsOf(cell)) {
    ticketUnit.set(ticket.id, cell.dataset.unit);
  }
}

function ticketsOf(cell) {
  try {
    return JSON.parse(cell.dataset.tickets || "[]");
  } catch {
    return [];
  }
}

/** Redraws a cell's ticket overlay from its data-tickets. */
function paint(cell) {
  const tickets = ticketsOf(cell);
  for (const name of [...cell.classList].filter((c) => c.startsWith("w-"))) {
    cell.classList.remove(name);
  }
  cell.classList.toggle("em", tickets.some((t) => t.priority === "emergency"));
  if (tickets.length) {
    const worst = tickets.reduce((a, t) => (SEVERITY[t.sla] > SEVERITY[a] ? t.sla : a), "met");
    cell.classList.add(`w-${worst === "met" ? "none" : worst}`);
  }
  cell.querySelector(".n").textContent = tickets.length ? String(tickets.length) : "";
  cell.classList.add("changed");
  setTimeout(() => cell.classList.remove("changed"), 1500);
}

function setTickets(cell, tickets) {
  cell.dataset.tickets = JSON.stringify(tickets);
  paint(cell);
}

/** A ticket was created or changed: move it to its unit's cell, or drop it. */
function applyTicket(summary) {
  const id = summary.id;
  const before = ticketUnit.get(id);
  const open = summary.unit_id && !ENDED.has(summary.status);
  if (before && (!open || before !== summary.unit_id)) {
    const cell = cells.get(before);
    if (cell) setTickets(cell, ticketsOf(cell).filter((t) => t.id !== id));
    ticketUnit.delete(id);
  }
  if (!open) return;
  const cell = cells.get(summary.unit_id);
  if (!cell) return; // Another building's unit, or a layout newer than this page.
  const entry = { id, sla: summary.sla_state, priority: summary.priority, number: summary.number };
  setTickets(cell, [...ticketsOf(cell).filter((t) => t.id !== id), entry]);
  ticketUnit.set(id, summary.unit_id);
}

function applySla(data) {
  const unit = ticketUnit.get(data.ticket_id);
  const cell = unit && cells.get(unit);
  if (!cell) return;
  setTickets(cell, ticketsOf(cell).map((t) => (t.id === data.ticket_id ? { ...t, sla: data.state } : t)));
}

/** Who lives where changed: re-read the overlays of the building. */
async function refreshOccupancy() {
  const response = await fetch(`/api/v1/buildings/${board.dataset.building}/chessboard`, { credentials: "same-origin" });
  if (!response.ok) return;
  const snapshot = await response.json();
  for (const section of snapshot.sections) {
    for (const floor of section.floors) {
      for (const unit of floor.units) {
        const cell = cells.get(unit.id);
        if (!cell) continue;
        cell.classList.remove(`o-${cell.dataset.ownership}`);
        cell.dataset.ownership = unit.ownership;
        cell.classList.add(`o-${unit.ownership}`);
        cell.classList.toggle("a-yes", unit.app_users > 0);
        cell.dataset.people = String(unit.people);
        cell.dataset.app = String(unit.app_users);
      }
    }
  }
}

function follow() {
  const api = globalThis.DomovoyLive;
  if (!api) {
    setTimeout(follow, 50); // live.js is a module too; wait for it.
    return;
  }
  api.live().subscribe(board.dataset.topic, {
    since: Number(board.dataset.since),
    onEvent: (message) => {
      if (message.kind === "ticket.created" || message.kind === "ticket.updated") {
        applyTicket(message.data);
      } else if (message.kind === "ticket.sla") {
        applySla(message.data);
      } else if (message.kind === "building.layout_changed") {
        location.reload();
      } else if (message.kind === "building.occupancy_changed") {
        refreshOccupancy();
      }
    },
    onResync: () => location.reload(),
  });
}
follow();

// ---- Overlays ------------------------------------------------------------

function showOverlay(name) {
  for (const overlay of OVERLAYS) {
    board.classList.toggle(`overlay-${overlay}`, overlay === name);
  }
  for (const legend of document.querySelectorAll("[data-legend]")) {
    legend.hidden = legend.dataset.legend !== name;
  }
  const radio = document.querySelector(`input[name="overlay"][value="${name}"]`);
  if (radio) radio.checked = true;
}

document.addEventListener("change", (event) => {
  if (event.target.name === "overlay") showOverlay(event.target.value);
});

// ---- Selection -----------------------------------------------------------

const selection = new Set();
const panel = document.getElementById("selection");
let anchor = null;
let dragging = false;
let dragStart = null;

function position(cell) {
  const row = cell.closest("tr");
  const section = cell.closest(".chess-section");
  return {
    section,
    row: [...section.querySelectorAll("tr")].indexOf(row),
    column: [...row.querySelectorAll(".cell")].indexOf(cell),
  };
}

/** The cells of the rectangle between two cells (one section), or the
 * run between them in reading order (across sections). */
function between(a, b) {
  const pa = position(a);
  const pb = position(b);
  if (pa.section === pb.section) {
    const rows = [...pa.section.querySelectorAll("tr")].slice(Math.min(pa.row, pb.row), Math.max(pa.row, pb.row) + 1);
    const [from, to] = [Math.min(pa.column, pb.column), Math.max(pa.column, pb.column)];
    return rows.flatMap((row) => [...row.querySelectorAll(".cell")].slice(from, to + 1));
  }
  const all = [...board.querySelectorAll(".cell")];
  const [i, j] = [all.indexOf(a), all.indexOf(b)].sort((x, y) => x - y);
  return all.slice(i, j + 1);
}

function select(list, on = true) {
  for (const cell of list) {
    if (on) selection.add(cell.dataset.unit);
    else selection.delete(cell.dataset.unit);
    cell.classList.toggle("selected", on);
    cell.setAttribute("aria-pressed", String(on));
  }
  showSelection();
}

function clearSelection() {
  select([...board.querySelectorAll(".cell.selected")], false);
  anchor = null;
}

function showSelection() {
  panel.hidden = selection.size === 0;
  const count = panel.querySelector("[data-selection-count]");
  count.textContent = count.dataset.template.replace(/\d+/, String(selection.size));
  panel.querySelector("[data-selection-ids]").value = [...selection].join(",");
  const list = panel.querySelector("[data-selection-list]");
  const rows = [];
  for (const cell of board.querySelectorAll(".cell.selected")) {
    const row = document.createElement("tr");
    for (const text of [
      cell.dataset.section, cell.dataset.floor, cell.dataset.label, cell.dataset.kindLabel,
      cell.dataset.area, cell.dataset.ownershipLabel, String(ticketsOf(cell).length),
    ]) {
      const td = document.createElement("td");
      td.textContent = text ?? "";
      row.append(td);
    }
    rows.push(row);
  }
  list.replaceChildren(...rows);
}

panel?.querySelector("[data-selection-clear]")?.addEventListener("click", clearSelection);

board.addEventListener("mousedown", (event) => {
  const cell = event.target.closest(".cell");
  if (!cell || event.button !== 0 || event.shiftKey || event.ctrlKey || event.metaKey) return;
  dragging = true;
  dragStart = cell;
});

board.addEventListener("mouseover", (event) => {
  const cell = event.target.closest(".cell");
  if (!dragging || !cell || cell === dragStart) return;
  board.classList.add("dragging");
  clearSelection();
  select(between(dragStart, cell));
});

document.addEventListener("mouseup", () => {
  if (board.classList.contains("dragging")) {
    anchor = dragStart;
    // The click that ends a drag must not open a card.
    setTimeout(() => board.classList.remove("dragging"), 0);
  }
  dragging = false;
});

board.addEventListener("click", (event) => {
  const header = event.target.closest("[data-select-floor], [data-select-section]");
  if (header) {
    const scope = header.hasAttribute("data-select-floor") ? header.closest("tr") : header.closest(".chess-section");
    const list = [...scope.querySelectorAll(".cell")];
    select(list, !list.every((c) => c.classList.contains("selected")));
    return;
  }
  const cell = event.target.closest(".cell");
  if (!cell || board.classList.contains("dragging")) return;
  if (event.shiftKey && anchor) {
    select(between(anchor, cell));
  } else if (event.shiftKey || event.ctrlKey || event.metaKey) {
    select([cell], !cell.classList.contains("selected"));
    anchor = cell;
  } else {
    anchor = cell;
    openUnit(cell.dataset.unit);
  }
});

// ---- Keys ----------------------------------------------------------------

function inEditable(target) {
  return target instanceof HTMLElement && ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || inEditable(event.target)) return;
  const index = ["1", "2", "3", "4"].indexOf(event.key);
  if (index >= 0) {
    showOverlay(OVERLAYS[index]);
    return;
  }
  const cell = document.activeElement?.closest?.(".cell");
  if (!cell) return;
  const { section, row, column } = position(cell);
  const rows = [...section.querySelectorAll("tr")];
  let next = null;
  if (event.key === "ArrowRight") next = cell.nextElementSibling;
  if (event.key === "ArrowLeft") next = cell.previousElementSibling;
  if (event.key === "ArrowUp" || event.key === "ArrowDown") {
    const target = rows[row + (event.key === "ArrowUp" ? -1 : 1)];
    const list = target ? [...target.querySelectorAll(".cell")] : [];
    next = list[Math.min(column, list.length - 1)] ?? null;
  }
  if (next?.classList.contains("cell")) {
    event.preventDefault();
    next.focus();
    if (event.shiftKey) select([cell, next]);
  }
});

// ---- Unit card -----------------------------------------------------------

const dialog = document.getElementById("unit-card");

function element(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

async function openUnit(id) {
  const response = await fetch(`/api/v1/units/${id}`, { credentials: "same-origin" });
  if (!response.ok) return;
  const unit = await response.json();
  const d = dialog.dataset;
  dialog.querySelector("#unit-card-title").textContent =
    `${unit.title} · ${d.section} ${unit.section} · ${d.floor} ${unit.floor}`;
  const body = dialog.querySelector("[data-unit-body]");
  const parts = [];
  if (unit.area) parts.push(element("p", `${d.area}: ${unit.area}`));
  parts.push(element("h3", d.people));
  if (unit.people.length) {
    const list = element("ul", undefined, { class: "plain" });
    for (const p of unit.people) {
      const li = element("li");
      li.append(element("a", p.name, { href: `/clients/${p.client_id}` }));
      li.append(` — ${p.role_label}${p.share ? " " + p.share : ""}${p.has_account ? " · " + d.app : ""}`);
      list.append(li);
    }
    parts.push(list);
  } else {
    parts.push(element("p", d.noPeople, { class: "muted" }));
  }
  parts.push(element("h3", d.tickets));
  if (unit.tickets.length) {
    const list = element("ul", undefined, { class: "plain" });
    for (const t of unit.tickets.slice(0, 10)) {
      const li = element("li");
      li.append(element("a", t.number, { href: `/tickets/${t.id}` }), ` ${t.description}`);
      list.append(li);
    }
    parts.push(list);
  } else {
    parts.push(element("p", d.noTickets, { class: "muted" }));
  }
  const actions = element("p", undefined, { class: "row" });
  actions.append(element("a", d.open, { href: `/units/${unit.id}`, class: "button" }));
  actions.append(element("a", d.newTicket, {
    href: `/tickets/new?building_id=${unit.building_id}&unit_id=${unit.id}`, class: "button primary",
  }));
  parts.push(actions);
  body.replaceChildren(...parts);
  if (!dialog.open) dialog.showModal();
}

if (board.dataset.openUnit) {
  const cell = cells.get(board.dataset.openUnit);
  cell?.scrollIntoView({ block: "center" });
  cell?.focus();
  openUnit(board.dataset.openUnit);
}
