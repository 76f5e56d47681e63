// Domovoy calls: the caller's card pops up on every staff page of those
// who receive calls, live from the "calls" topic; the board lists missed
// calls to call back.
//
// A ringing call shows the number, the matched clients with their units
// and open tickets (read with the viewer's permissions), and one action to
// open the quick ticket form prefilled with the caller, the unit and the
// call. Answering and ending update the card; another dispatcher's answer
// shows it taken. Alt+Z opens the form for the newest card.

const root = document.getElementById("call-popups");
const s = root?.dataset ?? {};
const results = root ? JSON.parse(s.results || "{}") : {};
// Times as the pages show them: in the company's zone, not the browser's.
const timeZone = s.timeZone || undefined;
const cards = new Map();
// Outage kinds' words and "until", from the banner (base.html).
const outageBanner = document.getElementById("outage-banner")?.dataset ?? {};
const outageKinds = JSON.parse(outageBanner.kinds || "{}");
const outageUntil = outageBanner.until ?? "";
// A finished call's card stays this long unless it needs a callback.
const ENDED_LINGER = 60000;

function csrf() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === "class") {
      node.className = value;
    } else if (key.startsWith("data-") || key.startsWith("aria-") || key === "href" || key === "type" || key === "title") {
      node.setAttribute(key, value);
    } else {
      node[key] = value;
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

/** `2026-12-10T18:00` (a wall-clock time): `10.12 18:00`. */
function wall(time) {
  const [date, clock] = String(time).split("T");
  const [, month, day] = date.split("-");
  return `${day}.${month} ${clock ?? ""}`.trim();
}

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit", timeZone }) : "";
}

function forMe(data) {
  return !data.user_ids || data.user_ids.length === 0 || data.user_ids.includes(s.selfId);
}

/** The quick ticket form for this call (and one of its callers). */
function ticketHref(call, caller) {
  const params = new URLSearchParams({ source: "phone", call_id: call.id });
  if (caller) {
    params.set("client_id", caller.id);
    const unit = caller.units?.[0];
    if (unit) {
      params.set("unit_id", unit.id);
      params.set("building_id", unit.building_id);
    }
  }
  const phone = call.direction === "out" ? call.to : call.from;
  if (phone) {
    params.set("contact_phone", phone);
  }
  return `/tickets/new?${params}`;
}

function statusLine(call) {
  if (call.state === "ringing") {
    return call.direction === "out" ? s.outgoing : s.incoming;
  }
  if (call.state === "answered") {
    return `${s.answeredBy}: ${call.operator ?? "—"}`;
  }
  if (call.result === "missed" || call.result === "busy") {
    return call.callback_done_at ? `${results[call.result]} · ${s.callbackDone}` : s.missed;
  }
  return `${s.ended}: ${results[call.result] ?? ""}${call.operator ? ` · ${call.operator}` : ""}`;
}

function render(entry) {
  const { call, card } = entry;
  const number = (call.direction === "out" ? call.to : call.from) || s.hiddenNumber;
  const callers = card?.callers ?? call.clients.map((c) => ({ ...c, units: [], open_tickets: [] }));
  const box = el("section", {
    class: `call-card state-${call.state}${call.result ? ` result-${call.result}` : ""}`,
    "data-call-id": call.id,
    "data-testid": "call-card",
    "aria-label": `${statusLine(call)} ${number}`,
  });
  box.append(
    el("header", {},
      el("span", { class: "call-status", "data-testid": "call-status" }, statusLine(call)),
      el("button", { type: "button", class: "link", "data-dismiss": "", title: s.dismiss, "aria-label": s.dismiss }, "×")),
    el("p", { class: "call-number", "data-testid": "call-number" }, number, " ",
      el("small", { class: "muted" }, time(call.started_at))),
  );
  if (callers.length === 0) {
    box.append(el("p", { class: "muted" }, s.unknown));
  } else if (callers.length > 1) {
    box.append(el("p", { class: "muted" }, s.several));
  }
  for (const caller of callers) {
    const person = el("div", { class: "call-caller", "data-testid": "call-caller" },
      el("p", {}, el("b", {}, caller.name), " ",
        el("a", { href: `/clients/${caller.id}` }, s.openClient)));
    if (caller.units.length > 0) {
      person.append(el("p", { class: "call-units" }, `${s.units}: `,
        caller.units.map((u) => `${u.title}, ${u.building_name}`).join("; ")));
    }
    for (const outage of caller.outages ?? []) {
      person.append(el("p", { class: "call-outage", role: "alert", "data-testid": "call-outage" },
        el("b", {}, `${s.outage}: `),
        el("a", { href: `/outages/${outage.id}` }, `${outageKinds[outage.kind] ?? outage.kind} ${outageUntil} ${wall(outage.ends_at)}`),
        outage.details ? ` — ${outage.details}` : ""));
    }
    if (card) {
      if (caller.open_tickets.length === 0) {
        person.append(el("p", { class: "muted" }, s.noOpenTickets));
      } else {
        person.append(el("p", { class: "call-subtitle" }, s.openTickets),
          el("ul", { class: "call-tickets" }, caller.open_tickets.map((t) =>
            el("li", { class: `sla-${t.sla?.state ?? "none"}` },
              el("a", { href: `/tickets/${t.id}` }, `№ ${t.number}`), " ", t.description.slice(0, 80)))));
      }
    }
    person.append(el("a", { class: "button primary", href: ticketHref(call, caller), "data-testid": "call-create-ticket" }, s.create));
    box.append(person);
  }
  if (callers.length === 0) {
    const phone = call.direction === "out" ? call.to : call.from;
    box.append(el("div", { class: "row" },
      el("a", { class: "button primary", href: ticketHref(call, null), "data-testid": "call-create-ticket" }, s.create),
      "createsClients" in s
        ? el("a", { class: "button", href: `/clients/new?phone=${encodeURIComponent(phone ?? "")}` }, s.newClient)
        : null));
  }
  if (call.ticket_ids.length > 0) {
    box.append(el("p", { class: "call-linked", "data-testid": "call-linked" }, `${s.linked}: `,
      call.ticket_ids.map((id, i) => [i > 0 ? ", " : "", el("a", { href: `/tickets/${id}` }, "→")])));
  }
  if (card?.recent?.length) {
    box.append(el("p", { class: "call-subtitle" }, s.recent),
      el("ul", { class: "call-recent" }, card.recent.map((c) =>
        el("li", {}, `${new Date(c.started_at).toLocaleString("ru-RU", { dateStyle: "short", timeStyle: "short", timeZone })} — ${results[c.result] ?? c.state}`))));
  }
  box.append(el("p", { class: "hint" }, s.hint));
  box.querySelector("[data-dismiss]").addEventListener("click", () => remove(call.id));
  if (entry.node) {
    entry.node.replaceWith(box);
  } else {
    root.prepend(box);
  }
  entry.node = box;
}

function remove(id) {
  const entry = cards.get(id);
  entry?.node?.remove();
  clearTimeout(entry?.timer);
  cards.delete(id);
}

async function loadCard(entry) {
  try {
    const response = await fetch(`/api/v1/calls/${entry.call.id}/card`, { credentials: "same-origin" });
    if (response.ok) {
      entry.card = await response.json();
      render(entry);
    }
  } catch {
    // The card without details is still useful; the next event retries.
  }
}

function show(call) {
  let entry = cards.get(call.id);
  const known = Boolean(entry);
  if (!entry) {
    if (call.state === "ended" && !(call.result === "missed" || call.result === "busy")) {
      return; // An answered call that already ended is not news.
    }
    entry = { call };
    cards.set(call.id, entry);
  }
  entry.call = { ...entry.call, ...call };
  render(entry);
  if (!known || call.clients.length !== (entry.card?.callers.length ?? -1)) {
    loadCard(entry);
  }
  clearTimeout(entry.timer);
  const needsCallback = (call.result === "missed" || call.result === "busy") && !call.callback_done_at && call.callback_open !== false;
  if (call.state === "ended" && !needsCallback) {
    entry.timer = setTimeout(() => remove(call.id), ENDED_LINGER);
  }
}

function onEvent(message) {
  // An outage opened or closed: the banner (outages.js) redraws itself.
  if (message.kind?.startsWith("outage.")) {
    document.dispatchEvent(new CustomEvent("domovoy:outages"));
    return;
  }
  const call = message.data;
  if (!call || !call.id) {
    return;
  }
  if (cards.has(call.id) || (forMe(call) && call.direction === "in")) {
    show(call);
  }
  scheduleCallbacks();
}

// ---- Missed calls on the board -------------------------------------------------

const panel = document.querySelector("[data-callbacks]");
let callbacksTimer = 0;

function scheduleCallbacks() {
  if (panel) {
    clearTimeout(callbacksTimer);
    callbacksTimer = setTimeout(loadCallbacks, 300);
  }
}

async function loadCallbacks() {
  const response = await fetch("/api/v1/calls?callback=true&limit=50", { credentials: "same-origin" });
  if (!response.ok) {
    return;
  }
  const { items } = await response.json();
  const list = panel.querySelector("[data-callback-list]");
  list.replaceChildren(...items.map((call) => {
    const overdue = call.callback_due_at && new Date(call.callback_due_at) < new Date();
    const done = el("button", { type: "button", class: "small", "data-testid": "callback-done" }, s.callbackDone);
    done.addEventListener("click", async () => {
      const note = prompt(s.callbackPrompt, "");
      if (note === null) {
        return;
      }
      const reply = await fetch(`/api/v1/calls/${call.id}/callback`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify({ note }),
      });
      if (reply.ok || reply.status === 409) {
        loadCallbacks();
      }
    });
    return el("li", { class: overdue ? "overdue" : "", "data-testid": "callback" },
      el("b", {}, call.from || s.hiddenNumber), " ",
      call.clients.map((c) => c.name).join(", ") || s.unknown, " · ",
      `${s.callbackDue} ${time(call.callback_due_at)}`, overdue ? el("span", { class: "badge danger" }, s.overdue) : "", " ",
      el("a", { class: "button small", href: ticketHref(call, call.clients[0] ? { ...call.clients[0], units: [] } : null) }, s.create), " ",
      done);
  }));
  panel.querySelector("[data-callbacks-empty]").hidden = items.length > 0;
  panel.hidden = false;
}

// ---- Click-to-call ------------------------------------------------------------------

document.addEventListener("click", async (event) => {
  const button = event.target.closest?.("[data-dial]");
  if (!button) {
    return;
  }
  button.disabled = true;
  try {
    const response = await fetch("/api/v1/calls/originate", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ number: button.dataset.dial }),
    });
    const body = await response.json().catch(() => ({}));
    const note = el("span", { class: response.ok ? "hint" : "field-error", role: "status" },
      response.ok ? ` ${button.dataset.done}` : ` ${body.error?.message ?? ""}`);
    button.after(note);
    setTimeout(() => note.remove(), 8000);
  } finally {
    setTimeout(() => { button.disabled = false; }, 3000);
  }
});

// ---- Start ------------------------------------------------------------------------

if (root) {
  const follow = () => {
    const live = globalThis.DomovoyLive?.live();
    if (!live) {
      setTimeout(follow, 50); // live.js is a module too; wait for it.
      return;
    }
    live.subscribe("calls", { since: null, onEvent, onResync: () => { scheduleCallbacks(); } });
  };
  follow();
  // Calls ringing now (a page opened or reloaded during the ring).
  fetch("/api/v1/calls?state=ringing&limit=10", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : { items: [] }))
    .then(({ items }) => {
      const recent = Date.now() - 5 * 60000;
      for (const call of items) {
        if (new Date(call.started_at).getTime() > recent && forMe(call) && call.direction === "in") {
          show(call);
        }
      }
    }, () => {});
  scheduleCallbacks();
  setInterval(scheduleCallbacks, 60000); // overdue marks move with the clock
  document.addEventListener("keydown", (event) => {
    if (event.altKey && (event.key === "z" || event.key === "я" || event.code === "KeyZ")) {
      const newest = root.querySelector("[data-testid=call-create-ticket]");
      if (newest) {
        event.preventDefault();
        location.assign(newest.href);
      }
    }
  });
}
