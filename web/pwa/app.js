// Domovoy's staff app: the technician's queue on a phone, offline first.
//
// Everything the person sees comes from IndexedDB; every change goes to an
// outbox there first (numbered 1, 2, 3… with a made-up id each) and is shown
// at once as «ждёт отправки». `sync()` sends the outbox to
// POST /api/v1/sync when there is a network and takes back what changed;
// the server applies each change exactly once (ARCHITECTURE.md, «Staff app
// sync»), so sending again after a lost answer is safe. No build step:
// plain modules, DOM built with textContent (never HTML from data).

const DB_NAME = "domovoy-m";
const BATCH = 200;
const SYNC_EVERY_MS = 30_000;
// Photos: the longest side after compression on the phone, the JPEG
// quality, and the piece sent per request (a piece that breaks off in a
// basement is sent again from where the server says it stopped).
const PHOTO_SIDE = 1600;
const PHOTO_QUALITY = 0.8;
const PHOTO_PIECE = 256 * 1024;
const PHOTO_STAGE = { before: "До работ", after: "После работ" };
// Notifications kept on the phone (newest first).
const NOTIFICATIONS_KEPT = 100;
const TITLES = globalThis.PUSH_TITLES ?? {};

const STATUS = globalThis.TICKET_STATUS ?? {};
const HOLD = { waiting_parts: "ждём запчасти", waiting_client: "ждём жильца" };
const PRIORITY = { normal: "Обычная", high: "Высокая", emergency: "Авария" };
// What a technician may do next while offline, until the server says (the
// server's `moves` win as soon as it answers).
const OFFLINE_MOVES = {
  new: ["accepted"], assigned: ["accepted", "in_progress"], accepted: ["in_progress"], reopened: ["in_progress"],
  in_progress: ["on_hold", "done"], on_hold: ["in_progress"],
};
// Where «Выезжаю» is offered while offline (the ticket waits for a visit).
const SET_OFF_FROM = ["accepted", "assigned", "reopened", "on_hold"];

// ---- IndexedDB -----------------------------------------------------------------

let dbPromise;
function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 2);
    request.onupgradeneeded = (event) => {
      const d = request.result;
      if (event.oldVersion < 1) {
        d.createObjectStore("kv");
        d.createObjectStore("tickets", { keyPath: "id" });
        d.createObjectStore("comments", { keyPath: "id" }).createIndex("ticket", "ticket_id");
        d.createObjectStore("outbox", { keyPath: "seq" });
        d.createObjectStore("notices", { keyPath: "id" });
      }
      // Photos taken on this phone: the compressed JPEG until the server
      // has all of it, how much it has, and a small preview kept after.
      if (event.oldVersion < 2) d.createObjectStore("photos", { keyPath: "id" }).createIndex("ticket", "ticket_id");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return dbPromise;
}

/** Runs `work(stores)` in one transaction; resolves with its result after the commit. */
async function tx(names, mode, work) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(names, mode);
    const stores = Object.fromEntries(names.map((n) => [n, t.objectStore(n)]));
    let result;
    Promise.resolve(work(stores)).then((r) => { result = r; }, (e) => { t.abort(); reject(e); });
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error ?? new Error("transaction aborted"));
  });
}
const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
const kvGet = (key) => tx(["kv"], "readonly", (s) => req(s.kv.get(key)));
const kvSet = (key, value) => tx(["kv"], "readwrite", (s) => { s.kv.put(value, key); });
const all = (name) => tx([name], "readonly", (s) => req(s[name].getAll()));

// ---- The server ------------------------------------------------------------------

class Offline extends Error {}

async function api(path, body, token) {
  let response;
  try {
    response = await fetch(path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Offline();
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: a proxy's page */ }
  return { status: response.status, json };
}

// ---- State -------------------------------------------------------------------------

const state = {
  syncing: false, again: false, online: navigator.onLine, lastSync: null, error: null, route: "queue", ticket: null,
  // What the person is typing, kept across re-renders (a sync re-renders
  // the view while they type): field name → text.
  drafts: {},
};

/** A text area whose text survives re-renders until it is sent. */
function draft(name, attrs) {
  const key = `${state.ticket}:${name}`;
  const area = el("textarea", { name, maxlength: "4000", ...attrs });
  area.value = state.drafts[key] ?? "";
  area.addEventListener("input", () => { state.drafts[key] = area.value; });
  area.clear = () => { delete state.drafts[key]; area.value = ""; };
  return area;
}

async function session() {
  return { token: await kvGet("token"), device: await kvGet("device"), me: await kvGet("me") };
}

/** Puts a change into the outbox with the next number, in one transaction. */
async function enqueue(change, local) {
  const id = crypto.randomUUID();
  await tx(["kv", "outbox", "tickets", "comments", "photos"], "readwrite", async (s) => {
    const seq = (await req(s.kv.get("next_seq"))) ?? 1;
    s.kv.put(seq + 1, "next_seq");
    s.outbox.put({ ...change, seq, id, queued_at: new Date().toISOString() });
    await local(s, id);
  });
  render();
  sync();
}

// ---- Sync -----------------------------------------------------------------------------

export async function sync() {
  if (state.syncing) { state.again = true; return; }
  const { token, device } = await session();
  if (!token || !device) return;
  state.syncing = true;
  try {
    const readUpTo = await kvGet("read_pending");
    if (readUpTo) {
      await api("/api/v1/notifications/read", { up_to: readUpTo }, token);
      await tx(["kv"], "readwrite", (s) => { s.kv.delete("read_pending"); });
    }
    do {
      state.again = false;
      await syncOnce(token, device);
    } while (state.again);
    await uploadPhotos(token);
    await refreshDesk(token);
    state.error = null;
    state.online = true;
    state.lastSync = new Date();
  } catch (e) {
    if (e instanceof Offline) state.online = false;
    else state.error = e.message;
  } finally {
    state.syncing = false;
    render();
    // A change queued after the last round began (a tick during the
    // photos' upload or the desk's refresh) goes now, not at the next timer.
    if (state.again && state.online) sync();
  }
}

async function syncOnce(token, device) {
  const outbox = (await all("outbox")).sort((a, b) => a.seq - b.seq).slice(0, BATCH);
  const mutations = outbox.map(({ queued_at, ...m }) => m);
  const cursor = (await kvGet("cursor")) ?? null;
  const { status, json } = await api("/api/v1/sync", { device_id: device, cursor, mutations }, token);
  if (status === 401 || status === 404) {
    // Signed out elsewhere or the device was removed: sign in again; the
    // outbox is kept and sent from the new device.
    await tx(["kv"], "readwrite", (s) => { for (const key of ["token", "device", "cursor", "push"]) s.kv.delete(key); });
    await renumber(1);
    return;
  }
  if (status === 409 && json?.error?.code === "sync_gap") {
    await renumber(json.error.expected_seq);
    state.again = true;
    return;
  }
  if (status !== 200) throw new Error(json?.error?.message ?? `Ошибка сервера (${status})`);
  await tx(["kv", "outbox", "tickets", "comments", "notices", "photos"], "readwrite", (s) => {
    for (const result of json.results) {
      s.outbox.delete(result.seq);
      const sent = outbox.find((m) => m.seq === result.seq);
      if (sent?.kind === "ticket.comment") s.comments.delete(sent.id);
      const refused = result.status === "conflict" || result.status === "rejected"
        || (result.status === "duplicate" && (result.was === "conflict" || result.was === "rejected"));
      if (refused && sent) {
        // A refused photo stays on the phone's notice until read, then goes.
        if (sent.kind === "ticket.photo") s.photos.delete(sent.photo_id);
        s.notices.put({
          id: sent.id, ticket_id: sent.ticket_id, kind: sent.kind, to: sent.to ?? null, text: sent.text ?? null,
          message: result.error?.message ?? "Изменение не применено", current: result.current ?? null,
        });
      }
    }
    const changes = json.changes;
    if (changes.full) { s.tickets.clear(); s.comments.clear(); s.kv.delete("desk_buildings_at"); }
    const queue = new Map(changes.queue.map((id, i) => [id, i]));
    for (const t of changes.tickets) s.tickets.put({ ...t, order: queue.get(t.id) ?? 9999 });
    for (const c of changes.comments) s.comments.put(c);
    if (changes.categories) s.kv.put(changes.categories, "categories");
    s.kv.put(json.cursor, "cursor");
    s.kv.put(changes.queue, "queue");
    s.kv.put(changes.unread ?? 0, "unread");
    if (changes.notifications?.length) {
      const kept = s.kv.get("notifications");
      kept.onsuccess = () => {
        const byId = new Map((kept.result ?? []).map((n) => [n.id, n]));
        for (const n of changes.notifications) byId.set(n.id, n);
        const list = [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, NOTIFICATIONS_KEPT);
        s.kv.put(list, "notifications");
      };
    }
  });
  // Tickets that left the queue, and the order of the rest.
  const queue = (await kvGet("queue")) ?? [];
  await tx(["tickets", "outbox", "photos"], "readwrite", async (s) => {
    const photos = await req(s.photos.getAll());
    const waiting = new Set([
      ...(await req(s.outbox.getAll())).map((m) => m.ticket_id),
      ...photos.filter((p) => p.state !== "done").map((p) => p.ticket_id),
    ]);
    for (const t of await req(s.tickets.getAll())) {
      const order = queue.indexOf(t.id);
      if (order < 0 && !waiting.has(t.id)) {
        s.tickets.delete(t.id);
        for (const p of photos) if (p.ticket_id === t.id) s.photos.delete(p.id);
      } else if (t.order !== order) s.tickets.put({ ...t, order: order < 0 ? 9999 : order });
    }
  });
  if ((await all("outbox")).length > 0 && outbox.length === BATCH) state.again = true;
}

/** Numbers the outbox again from `first` (a new device, or changes the server never got). */
async function renumber(first) {
  await tx(["kv", "outbox"], "readwrite", async (s) => {
    const pending = (await req(s.outbox.getAll())).sort((a, b) => a.seq - b.seq);
    s.outbox.clear();
    pending.forEach((m, i) => s.outbox.put({ ...m, seq: first + i }));
    s.kv.put(first + pending.length, "next_seq");
  });
}

// ---- Photos ------------------------------------------------------------------------------

/** Makes a camera's photo small enough for a basement's network: at most
 *  PHOTO_SIDE px on the long side, JPEG; and a preview for the list. */
async function compress(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const draw = (side, quality) => {
    const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  };
  const blob = await new Promise((resolve, reject) => {
    draw(PHOTO_SIDE).toBlob((b) => (b ? resolve(b) : reject(new Error("no JPEG"))), "image/jpeg", PHOTO_QUALITY);
  });
  const preview = draw(240).toDataURL("image/jpeg", 0.7);
  bitmap.close?.();
  return { blob, preview };
}

/** Takes a photo into the outbox: its announcement is a numbered change
 *  like the rest; its bytes go up after the change is applied. */
async function addPhoto(ticket, stage, file) {
  let photo;
  try {
    photo = await compress(file);
  } catch {
    state.error = "Не удалось прочитать фото. Попробуйте снять ещё раз.";
    render();
    return;
  }
  const photoId = crypto.randomUUID();
  await enqueue({ kind: "ticket.photo", ticket_id: ticket.id, photo_id: photoId, stage, size: photo.blob.size }, (s) => {
    s.photos.put({
      id: photoId, ticket_id: ticket.id, stage, blob: photo.blob, size: photo.blob.size, sent: 0,
      preview: photo.preview, state: "queued", taken_at: new Date().toISOString(),
    });
  });
}

/** Sends the bytes of every photo whose announcement the server applied,
 *  piece by piece, resuming where the server says it stopped. */
async function uploadPhotos(token) {
  const announced = new Set((await all("outbox")).filter((m) => m.kind === "ticket.photo").map((m) => m.photo_id));
  for (const photo of await all("photos")) {
    if (photo.state === "done" || announced.has(photo.id)) continue;
    await uploadPhoto(token, photo);
    render();
  }
}

async function uploadPhoto(token, photo) {
  let sent = photo.sent ?? 0;
  const save = (changes) => tx(["photos"], "readwrite", async (s) => {
    const current = await req(s.photos.get(photo.id));
    if (current) s.photos.put({ ...current, ...changes });
  });
  const drop = (message) => tx(["photos", "notices"], "readwrite", (s) => {
    s.photos.delete(photo.id);
    s.notices.put({ id: photo.id, ticket_id: photo.ticket_id, kind: "ticket.photo", message, current: null });
  });
  for (let round = 0; round < 1000; round += 1) {
    let response;
    try {
      response = await fetch(`/api/v1/photos/${photo.id}?offset=${sent}`, {
        method: "PUT",
        headers: { "Content-Type": "application/octet-stream", Authorization: `Bearer ${token}` },
        body: photo.blob.slice(sent, sent + PHOTO_PIECE),
      });
    } catch {
      throw new Offline();
    }
    const json = await response.json().catch(() => null);
    if (response.status === 200) {
      // The server has it: keep the preview, free the phone's space.
      await save({ state: "done", blob: null, sent: photo.size, server_id: json?.attachment?.id ?? photo.id });
      return;
    }
    if (response.status === 202) {
      sent = json.received;
      await save({ state: "sending", sent });
      continue;
    }
    if (response.status === 409 && json?.error?.code === "upload_offset") {
      sent = json.error.received;
      await save({ sent });
      continue;
    }
    if (response.status === 409 || response.status >= 500 || response.status === 429) return; // later
    if (response.status === 401) return; // signed out: the next sync asks to sign in
    await drop(json?.error?.message ?? `Фото не сохранено (${response.status})`);
    return;
  }
}

/** A photo already on the server: its preview, fetched with the token. */
function serverPreview(photo, token) {
  const img = el("img", { alt: PHOTO_STAGE[photo.stage] ?? "Фото", width: "96", height: "96" });
  fetch(`/api/v1/attachments/${photo.id}?thumbnail=1`, { headers: { Authorization: `Bearer ${token}` } })
    .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
    .then((blob) => { img.src = URL.createObjectURL(blob); img.onload = () => URL.revokeObjectURL(img.src); })
    .catch(() => { img.replaceWith(el("span", { class: "photo-missing" }, "фото")); });
  return img;
}

async function photosView(ticket) {
  const { token } = await session();
  const mine = (await tx(["photos"], "readonly", (s) => req(s.photos.index("ticket").getAll(ticket.id))))
    .sort((a, b) => String(a.taken_at).localeCompare(String(b.taken_at)));
  const local = new Set(mine.map((p) => p.id));
  const stages = ["before", "after"].map((stage) => {
    const here = mine.filter((p) => p.stage === stage).map((p) => el("figure", { class: "photo", testid: "m-photo", "data-state": p.state },
      el("img", { src: p.preview, alt: PHOTO_STAGE[stage], width: "96", height: "96" }),
      el("figcaption", {}, p.state === "done" ? "отправлено"
        : p.sent > 0 ? `отправлено ${Math.floor((100 * p.sent) / p.size)} %` : "ждёт отправки")));
    const there = (ticket.photos ?? []).filter((p) => p.stage === stage && !local.has(p.id) && p.has_thumbnail)
      .map((p) => el("figure", { class: "photo", testid: "m-photo", "data-state": "server" }, serverPreview(p, token)));
    const input = el("input", {
      type: "file", accept: "image/*", capture: "environment", hidden: true, testid: `m-photo-input-${stage}`,
      onchange: (event) => { const file = event.target.files?.[0]; if (file) addPhoto(ticket, stage, file); },
    });
    const take = ticket.can_attach !== false
      ? el("label", { class: "button photo-take", testid: `m-photo-${stage}` }, `Снять: ${PHOTO_STAGE[stage].toLowerCase()}`, input)
      : null;
    return el("div", { class: "photo-stage" },
      el("h3", {}, PHOTO_STAGE[stage]),
      here.length || there.length ? el("div", { class: "photos" }, here, there) : el("p", { class: "muted" }, "Фото нет."),
      take);
  });
  return [el("h2", {}, "Фото"), ...stages];
}

// ---- The guard's post: today's passes, checked also offline ------------------------------

const PASS_KIND = { guest: "Гость", permanent: "Постоянный", vehicle: "Автомобиль", contractor: "Подрядчик", delivery: "Доставка" };
const PASS_STATUS = { requested: "ждёт подтверждения", active: "действует", on_site: "на территории" };
// Russian plates' letters and their Latin twins: a plate matches however typed.
const LOOK_ALIKE = { А: "A", В: "B", Е: "E", К: "K", М: "M", Н: "H", О: "O", Р: "P", С: "C", Т: "T", У: "Y", Х: "X", Ё: "E" };
const plateKey = (text) => [...String(text ?? "").toUpperCase().replace(/[\s.\-_‐–—]/g, "")].map((c) => LOOK_ALIKE[c] ?? c).join("");

/** How long the post's buildings (read from the person's grants) are
 *  trusted before they are read again; a full sync reads them at once. */
const DESK_GRANTS_TTL_MS = 15 * 60 * 1000;

/** The buildings whose passes this person checks (from their grants), and
 *  their names; kept for offline starts, and re-read only when stale (not
 *  on every sync: a technician's phone syncs often and checks no passes). */
async function deskBuildings(token) {
  const kept = await kvGet("desk_buildings");
  const at = await kvGet("desk_buildings_at");
  if (kept && at && Date.now() - at < DESK_GRANTS_TTL_MS) return kept;
  const me = await api("/api/v1/me", undefined, token);
  if (me.status !== 200) return kept ?? [];
  const scopes = me.json.grants.filter((g) => g.permissions.includes("passes.check")).map((g) => g.scope);
  let buildings = [];
  if (scopes.length) {
    const list = await api("/api/v1/buildings", undefined, token);
    if (list.status !== 200) return kept ?? [];
    buildings = (list.json.items ?? list.json)
      .filter((b) => scopes.includes("all") || scopes.includes(b.id))
      .map((b) => ({ id: b.id, name: b.name }));
  }
  await kvSet("desk_buildings", buildings);
  await kvSet("desk_buildings_at", Date.now());
  return buildings;
}

/** Fetches the post's passes and blocklist for offline checks. */
async function refreshDesk(token) {
  const buildings = await deskBuildings(token);
  if (!buildings.length) return;
  const chosen = (await kvGet("desk_building")) ?? buildings[0].id;
  const building = buildings.find((b) => b.id === chosen) ?? buildings[0];
  const [passes, blocked] = await Promise.all([
    api(`/api/v1/passes?building_id=${building.id}`, undefined, token),
    api(`/api/v1/blocklist?building_id=${building.id}`, undefined, token),
  ]);
  if (passes.status !== 200) return;
  await kvSet(`desk:${building.id}`, {
    passes: passes.json, blocklist: blocked.status === 200 ? (blocked.json.items ?? blocked.json) : [], fetched_at: new Date().toISOString(),
  });
  await kvSet("desk_building", building.id);
}

/** Whether a pass lets its visitor in now, as far as the phone can tell
 *  (weekly hours are shown for the guard to judge). */
function admits(pass, now = new Date()) {
  if (pass.status === "on_site") return { ok: false, why: "Уже на территории" };
  if (pass.status !== "active") return { ok: false, why: "Пропуск ещё не подтверждён жильцом" };
  if (new Date(pass.valid_from) > now) return { ok: false, why: `Действует с ${timeFormat.format(new Date(pass.valid_from))}` };
  if (pass.valid_until && new Date(pass.valid_until) < now) return { ok: false, why: "Срок пропуска истёк" };
  return { ok: true, why: pass.days ? `По расписанию: ${pass.hours}` : null };
}

function deskMatches(pass, query) {
  const q = query.trim();
  if (q.length < 2) return true;
  if (/^\d{6}$/.test(q)) return pass.pin === q;
  if (/^\d{4}$/.test(q)) return pass.phone_tail === q;
  const words = pass.visitor_name.toLowerCase().split(/\s+/);
  const asName = q.toLowerCase().split(/\s+/).every((part) => words.some((w) => w.startsWith(part)));
  const plate = pass.plate && plateKey(pass.plate).startsWith(plateKey(q));
  return asName || Boolean(plate);
}

function blockedFor(pass, blocklist) {
  const name = pass.visitor_name.toLowerCase();
  const plate = pass.plate ? plateKey(pass.plate) : null;
  return blocklist.find((b) => [b.name, ...(b.aliases ?? [])].some((n) => n.toLowerCase() === name)
    || (plate && (b.plates ?? []).some((p) => plateKey(p) === plate)));
}

async function deskView() {
  const buildings = (await kvGet("desk_buildings")) ?? [];
  const chosen = (await kvGet("desk_building")) ?? buildings[0]?.id;
  const cached = chosen ? await kvGet(`desk:${chosen}`) : null;
  const hasTickets = (await all("tickets")).length > 0;
  // Read after the last await: what the guard typed while this view was
  // being built must survive the re-render.
  const query = state.drafts.desk ?? "";
  const search = el("input", {
    type: "search", name: "desk", testid: "m-desk-search", placeholder: "Фамилия, номер машины, ПИН или 4 цифры телефона",
    autocomplete: "off", autocapitalize: "none", enterkeyhint: "search", value: query,
    oninput: (e) => { state.drafts.desk = e.target.value; drawList(); },
  });
  const list = el("div", { testid: "m-desk-list" });
  const drawList = () => {
    const q = state.drafts.desk ?? "";
    const found = (cached?.passes ?? []).filter((p) => deskMatches(p, q)).slice(0, 50);
    list.replaceChildren(...(found.length ? found.map((p) => passCard(p, cached.blocklist ?? [])) : [el("p", { class: "muted" }, cached ? "Никого не найдено." : "Список появится, когда телефон будет в сети.")]));
  };
  drawList();
  const picker = buildings.length > 1 ? el("label", {}, "Объект", el("select", {
    onchange: async (e) => { await kvSet("desk_building", e.target.value); render(); sync(); },
  }, buildings.map((b) => el("option", { value: b.id, selected: b.id === chosen }, b.name)))) : null;
  return el("section", { testid: "m-desk" },
    el("h1", {}, "Пост охраны"),
    el("p", { class: "muted" }, [buildings.find((b) => b.id === chosen)?.name,
      cached ? `список на ${clock.format(new Date(cached.fetched_at))}` : null].filter(Boolean).join(" · ")),
    picker,
    el("label", {}, "Поиск", search),
    state.online ? null : el("div", { class: "banner", testid: "m-desk-offline" }, el("p", {}, "Нет сети: проверять пропуска можно по сохранённому списку, отметить приход — когда сеть вернётся.")),
    state.deskMessage ? el("div", { class: `banner ${state.deskMessage.ok ? "good" : "bad"}`, testid: "m-desk-message", role: "status" }, el("p", {}, state.deskMessage.text)) : null,
    list,
    hasTickets ? el("button", { type: "button", class: "wide", onclick: () => { state.route = "queue"; render(); } }, "Мои заявки") : null,
    el("button", { type: "button", class: "wide", onclick: () => sync(), testid: "m-desk-refresh" }, "Обновить список"),
    el("button", { type: "button", class: "wide", onclick: signOut }, "Выйти на этом телефоне"));
}

function passCard(pass, blocklist) {
  const verdict = admits(pass);
  const blocked = blockedFor(pass, blocklist);
  const mark = (reason) => async () => {
    const { token } = await session();
    let answer;
    try {
      answer = await api(`/api/v1/passes/${pass.id}/arrival`, reason ? { override_reason: reason } : {}, token);
    } catch {
      state.deskMessage = { ok: false, text: "Нет сети: приход не отмечен. Запишите в журнал и отметьте, когда сеть вернётся." };
      render();
      return;
    }
    state.deskMessage = answer.status === 201
      ? { ok: true, text: `Приход отмечен: ${pass.visitor_name}` }
      : { ok: false, text: answer.json?.error?.message ?? `Не удалось отметить (${answer.status})` };
    await refreshDesk(token).catch(() => {});
    render();
  };
  const reason = blocked ? el("input", { name: "override", placeholder: "Причина, по которой пропускаете", testid: "m-desk-override" }) : null;
  return el("div", { class: `card pass ${verdict.ok && !blocked ? "ok" : "no"}`, testid: "m-pass" },
    el("span", { class: "top" }, el("span", {}, PASS_KIND[pass.kind] ?? pass.kind), el("span", {}, PASS_STATUS[pass.status] ?? pass.status)),
    el("span", { class: "what" }, pass.visitor_name),
    el("span", { class: "where" }, [pass.unit_label, pass.host_name ? `к ${pass.host_name}` : null, pass.plate, pass.company].filter(Boolean).join(" · ")),
    blocked ? el("p", { class: "error", testid: "m-pass-blocked" }, `В стоп-листе: ${blocked.reason || "без причины"}`) : null,
    verdict.why ? el("p", { class: verdict.ok ? "muted" : "error" }, verdict.why) : null,
    verdict.ok ? (blocked
      ? el("div", {}, reason, el("button", { type: "button", class: "wide", onclick: () => mark(reason.value.trim())() }, "Пропустить под свою ответственность"))
      : el("button", { type: "button", class: "primary wide", testid: "m-pass-arrive", disabled: !state.online, onclick: mark(null) }, "Отметить приход")) : null);
}

// ---- Notifications -------------------------------------------------------------------------

/** Everything pushed to the person, newest first; opening it reads them. */
async function notificationsView() {
  const list = (await kvGet("notifications")) ?? [];
  const held = new Set((await all("tickets")).map((t) => t.id));
  const newest = list[0];
  if (newest && list.some((n) => !n.read)) markRead(newest.id);
  const items = list.map((n) => el(held.has(n.ticket_id) ? "button" : "div", {
    type: held.has(n.ticket_id) ? "button" : null,
    class: n.read ? "card notice" : "card notice unread", testid: "m-notification",
    onclick: held.has(n.ticket_id) ? () => { state.route = "ticket"; state.ticket = n.ticket_id; render(); } : null,
  },
  el("span", { class: "top" }, el("span", {}, timeFormat.format(new Date(n.created_at))), el("span", {}, globalThis.pushLine?.(n) ?? "")),
  el("span", { class: "what" }, TITLES[n.kind] ?? "Уведомление")));
  return el("section", { testid: "m-notifications-view" },
    el("h1", {}, "Уведомления"),
    items.length ? items : el("p", { class: "muted" }, "Уведомлений пока нет. Здесь появится всё, что приходит на телефон: новые заявки, отмены, сроки."));
}

/** Marks the list read up to `upTo` here at once, and on the server when
 *  there is a network (the next sync brings the server's count back). */
async function markRead(upTo) {
  await tx(["kv"], "readwrite", async (s) => {
    const list = (await req(s.kv.get("notifications"))) ?? [];
    s.kv.put(list.map((n) => (n.id <= upTo ? { ...n, read: true } : n)), "notifications");
    s.kv.put(0, "unread");
  });
  const { token } = await session();
  try {
    await api("/api/v1/notifications/read", { up_to: upTo }, token);
    await tx(["kv"], "readwrite", (s) => { s.kv.delete("read_pending"); });
  } catch {
    await kvSet("read_pending", upTo); // told at the next sync
  }
}

// ---- Checklist and the resident's signature -----------------------------------------------

/** What keeps the ticket from done here on the phone: unticked items and a
 *  signature not taken (the server checks the same when done arrives). */
function missingForDone(ticket) {
  const list = ticket.checklist ?? { items: [], signature_required: false, signed: false };
  return {
    items: list.items.filter((i) => !i.checked).length,
    signature: list.signature_required && !list.signed,
  };
}

function checklistView(ticket, open) {
  const list = ticket.checklist;
  if (!list || (!list.items.length && !list.signature_required)) return [];
  const toggle = (item, checked) => enqueue({ kind: "ticket.check", ticket_id: ticket.id, item, checked }, async (s) => {
    const current = await req(s.tickets.get(ticket.id));
    const items = current.checklist.items.map((i) => (i.item === item ? { ...i, checked } : i));
    s.tickets.put({ ...current, checklist: { ...current.checklist, items }, pending: true });
  });
  const rows = list.items.map((i) => el("label", { class: "check-item", testid: "m-check" },
    el("input", { type: "checkbox", checked: i.checked, disabled: !open, onchange: (e) => toggle(i.item, e.target.checked) }),
    el("span", {}, i.item)));
  return [el("h2", {}, "Чек-лист"), el("div", { class: "checklist", testid: "m-checklist" }, rows),
    list.signature_required ? signatureView(ticket, open) : null];
}

// The pad survives re-renders (a sync redraws the view while the resident
// signs): the view being built holds an empty slot, and the same canvas moves
// into it only when the new view replaces the old one (see `render`). Built
// into the new view directly, the canvas would leave the screen while the
// rest of that view is still being put together, under the resident's finger.
let pad = null;

function placePad(view) {
  const slot = view.querySelector("[data-pad-slot]");
  if (slot && pad) slot.replaceWith(pad.canvas);
}

function signatureView(ticket, open) {
  if (ticket.checklist.signed) {
    return el("p", { class: "signed", testid: "m-signed" }, "✓ Подпись жильца получена");
  }
  if (!open) return el("p", { class: "muted" }, "Подпись жильца не получена.");
  if (pad?.ticket !== ticket.id) pad = makePad(ticket.id);
  const mine = pad;
  const name = draft("signer", { testid: "m-signer", rows: "1", maxlength: "120", autocomplete: "off" });
  const error = el("p", { class: "error", role: "alert" });
  return el("div", { class: "signature", testid: "m-signature" },
    el("h3", {}, "Подпись жильца"),
    el("p", { class: "muted" }, "Попросите жильца проверить работу и расписаться пальцем в рамке."),
    el("label", {}, "Фамилия и инициалы жильца", name),
    el("div", { "data-pad-slot": true }),
    el("div", { class: "actions" },
      el("button", { type: "button", onclick: () => mine.clear() }, "Стереть"),
      el("button", {
        type: "button", class: "primary", testid: "m-sign-save",
        onclick: async () => {
          const signer = name.value.trim();
          if (!signer) { error.textContent = "Укажите, кто расписался."; return; }
          if (!mine.drawn) { error.textContent = "Подписи нет: жилец расписывается в рамке."; return; }
          const blob = await new Promise((resolve) => mine.canvas.toBlob(resolve, "image/png"));
          const preview = mine.canvas.toDataURL("image/png");
          name.clear();
          pad = null;
          const photoId = crypto.randomUUID();
          await enqueue({ kind: "ticket.photo", ticket_id: ticket.id, photo_id: photoId, stage: "signature", caption: signer, size: blob.size }, async (s) => {
            s.photos.put({ id: photoId, ticket_id: ticket.id, stage: "signature", caption: signer, blob, size: blob.size, sent: 0, preview, state: "queued", taken_at: new Date().toISOString() });
            const current = await req(s.tickets.get(ticket.id));
            s.tickets.put({ ...current, checklist: { ...current.checklist, signed: true }, pending: true });
          });
        },
      }, "Сохранить подпись")),
    error);
}

function makePad(ticketId) {
  const canvas = el("canvas", { width: "600", height: "240", class: "sign-pad", testid: "m-sign-pad", "aria-label": "Поле для подписи" });
  const g = canvas.getContext("2d");
  const blank = () => { g.fillStyle = "#fff"; g.fillRect(0, 0, canvas.width, canvas.height); };
  blank();
  g.lineWidth = 4; g.lineCap = "round"; g.lineJoin = "round"; g.strokeStyle = "#10204a";
  const state = { ticket: ticketId, canvas, drawn: false, clear: () => { blank(); state.drawn = false; } };
  let drawing = false;
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture?.(e.pointerId);
    const [x, y] = at(e);
    g.beginPath(); g.moveTo(x, y);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = at(e);
    g.lineTo(x, y); g.stroke();
    state.drawn = true;
  });
  const stop = () => { drawing = false; };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  return state;
}

// ---- Live: the queue's topic wakes a sync ----------------------------------------------

let socket;
async function follow() {
  const { token, me } = await session();
  if (!token || !me || (socket && socket.readyState <= 1)) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket.onopen = () => socket.send(JSON.stringify({ type: "subscribe", topic: `queue:${me.id}`, since: null }));
  let timer;
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.type === "event" || data.type === "resync") { clearTimeout(timer); timer = setTimeout(sync, 300); }
  };
  socket.onclose = () => { socket = null; setTimeout(follow, 5_000); };
}

// ---- Views ------------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "testid") node.dataset.testid = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const timeFormat = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const clock = new Intl.DateTimeFormat("ru-RU", { hour: "2-digit", minute: "2-digit" });

function changesWord(n) {
  const tens = n % 100, ones = n % 10;
  if (tens >= 11 && tens <= 14) return "изменений";
  if (ones === 1) return "изменение";
  if (ones >= 2 && ones <= 4) return "изменения";
  return "изменений";
}

async function renderNet(outbox) {
  const net = document.getElementById("net");
  // A photo whose announcement went is still waiting until its bytes do.
  const announced = new Set(outbox.filter((m) => m.kind === "ticket.photo").map((m) => m.photo_id));
  const photos = (await all("photos")).filter((p) => p.state !== "done" && !announced.has(p.id)).length;
  const waiting = outbox.length + photos;
  let text;
  if (!state.online) text = waiting ? `Нет сети · ${waiting} ${changesWord(waiting)} ждут отправки` : "Нет сети";
  else if (state.syncing) text = "Синхронизация…";
  else if (waiting) text = `${waiting} ${changesWord(waiting)} ждут отправки`;
  else if (state.lastSync) text = `Обновлено в ${clock.format(state.lastSync)}`;
  else text = "";
  net.textContent = text;
  net.dataset.waiting = String(waiting);
}

/** The deadline as the server's SLA clock sees it: «до 9 дек., 15:00»,
 *  soon, missed, or standing while the resident is awaited. */
function due(ticket, label = true) {
  const at = ticket.resolution_due ?? ticket.response_due;
  if (!at) return null;
  const when = timeFormat.format(new Date(at));
  switch (ticket.sla_state) {
    // A missed response deadline breaches a ticket whose own is still ahead.
    case "breached": return el("span", { class: "due late" }, new Date(at) > new Date() ? `Срок нарушен · решить до ${when}` : "Срок нарушен");
    case "paused": return el("span", { class: "due" }, "Срок стоит: ждём жильца");
    case "warning": return el("span", { class: "due soon" }, `Скоро срок: до ${when}`);
    case "met": return null;
    default: return el("span", { class: "due" }, label ? `Срок: до ${when}` : `до ${when}`);
  }
}

function statusText(ticket) {
  const hold = ticket.status === "on_hold" && ticket.hold_reason ? ` (${HOLD[ticket.hold_reason] ?? ticket.hold_reason})` : "";
  const way = ticket.en_route_at ? ` · в пути с ${timeFormat.format(new Date(ticket.en_route_at))}` : "";
  return (STATUS[ticket.status] ?? ticket.status) + hold + way;
}

// Renders overlap (a sync's and a tap's): only the latest one is shown, so
// a slower, older one never puts stale state back on the screen.
let renderSeq = 0;

async function render() {
  const mine = ++renderSeq;
  const { token } = await session();
  const outbox = (await all("outbox")).sort((a, b) => a.seq - b.seq);
  await renderNet(outbox);
  const view = document.getElementById("view");
  const back = document.getElementById("back");
  back.hidden = !(token && state.route !== "queue" && state.route !== "desk");
  if (!token) { const page = await signInView(); if (mine === renderSeq) view.replaceChildren(page); return; }
  const views = { ticket: ticketView, notifications: notificationsView, desk: deskView };
  const desk = ((await kvGet("desk_buildings")) ?? []).length > 0;
  const queueUsed = ((await all("tickets")).length > 0) || !desk || (await kvGet("queue"))?.length;
  if (state.route === "queue" && desk && !queueUsed) state.route = "desk";
  const page = await (views[state.route] ?? queueView)(outbox);
  if (mine !== renderSeq) return;
  // Which field has the focus is read here, with no await before the swap:
  // a field focused while the view was being built (the guard tapping the
  // search as the list refreshes) keeps the focus, so what is typed next
  // goes into the new field, not to the page.
  const active = document.activeElement;
  const focused = active?.dataset?.testid;
  view.replaceChildren(page);
  placePad(view);
  const next = focused ? view.querySelector(`[data-testid="${focused}"]`) : null;
  if (!next) return;
  next.focus();
  // The caret stays where it was in the field being replaced.
  if (typeof active.selectionStart === "number" && next.value === active.value && next.setSelectionRange) {
    next.setSelectionRange(active.selectionStart, active.selectionEnd);
  }
}

async function signInView() {
  const error = el("p", { class: "error", role: "alert", testid: "m-sign-in-error" });
  const login = el("input", { name: "login", autocomplete: "username", required: true, autocapitalize: "none" });
  const password = el("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = el("button", { type: "submit", class: "primary wide", testid: "m-sign-in" }, "Войти");
  const waiting = (await all("outbox")).length;
  const form = el("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      submit.disabled = true;
      error.textContent = "";
      try {
        await signIn(login.value, password.value);
        state.route = "queue";
        await render();
        await sync();
        follow();
      } catch (e) {
        error.textContent = e instanceof Offline ? "Нет сети: войти можно, когда телефон в сети." : e.message;
      } finally {
        submit.disabled = false;
      }
    },
  },
  el("h1", {}, "Вход в приложение техника"),
  waiting ? el("div", { class: "banner" }, el("p", {}, `На телефоне ${waiting} ${changesWord(waiting)} ждут отправки: они уйдут после входа.`)) : null,
  el("label", {}, "Логин", login),
  el("label", {}, "Пароль", password),
  error,
  submit,
  el("p", { class: "muted" }, "Вход нужен один раз на этом телефоне. Отключить телефон можно в профиле на сайте."));
  return form;
}

async function signIn(login, password) {
  const device_name = `Приложение техника · ${navigator.userAgent.match(/Android|iPhone|iPad|Windows|Mac OS X|Linux/)?.[0] ?? "телефон"}`;
  const { status, json } = await api("/api/v1/auth/login", { login, password, kind: "device", device_name });
  if (status !== 200) throw new Error(json?.error?.message ?? "Не удалось войти");
  const token = json.token;
  const registered = await api("/api/v1/devices", { platform: "none", app_version: "1" }, token);
  if (registered.status !== 201) throw new Error(registered.json?.error?.message ?? "Не удалось подключить телефон");
  const me = { id: json.user.id, name: json.user.display_name ?? json.user.name ?? login };
  // A new device numbers its changes from 1: the outbox keeps its order.
  await tx(["kv"], "readwrite", (s) => {
    s.kv.put(token, "token");
    s.kv.put(registered.json.id, "device");
    s.kv.put(me, "me");
    s.kv.delete("cursor");
    s.kv.delete("push");
  });
  await renumber(1);
}

async function queueView(outbox) {
  const tickets = (await all("tickets")).sort((a, b) => (a.order ?? 9999) - (b.order ?? 9999));
  const notices = await all("notices");
  const waitingOn = new Set([
    ...outbox.map((m) => m.ticket_id),
    ...(await all("photos")).filter((p) => p.state !== "done").map((p) => p.ticket_id),
  ]);
  const list = el("div", { testid: "m-queue" });
  for (const t of tickets) {
    const priority = t.priority !== "normal" ? el("span", { class: `badge ${t.priority}` }, PRIORITY[t.priority] ?? t.priority) : null;
    list.append(el("button", {
      type: "button", class: "card", testid: "m-ticket", "data-id": t.id,
      onclick: () => { state.route = "ticket"; state.ticket = t.id; render(); window.scrollTo(0, 0); },
    },
    el("span", { class: "top" }, el("span", {}, `№ ${t.number}`), el("span", { testid: "m-ticket-status" }, statusText(t))),
    el("span", { class: "what" }, t.category ? `${t.category}: ` : "", t.description),
    el("span", { class: "where" }, [t.address, t.location].filter(Boolean).join(", ")),
    el("span", { class: "top" }, due(t) ?? el("span"), priority ?? (waitingOn.has(t.id) ? el("span", { class: "badge pending" }, "ждёт отправки") : el("span")))));
  }
  const unread = (await kvGet("unread")) ?? 0;
  return el("section", {},
    el("div", { class: "heading" },
      el("h1", {}, "Мои заявки"),
      el("button", {
        type: "button", class: "bell", testid: "m-notifications", "aria-label": `Уведомления, непрочитанных: ${unread}`,
        onclick: () => { state.route = "notifications"; render(); window.scrollTo(0, 0); },
      }, "Уведомления", unread ? el("span", { class: "count", testid: "m-unread" }, String(unread)) : null)),
    ((await kvGet("desk_buildings")) ?? []).length
      ? el("button", { type: "button", class: "wide", testid: "m-to-desk", onclick: () => { state.route = "desk"; render(); } }, "Пост охраны: проверка пропусков")
      : null,
    notices.length ? el("div", { class: "banner bad", testid: "m-notices" }, el("p", {}, `Не применено изменений: ${notices.length}. Откройте заявку, чтобы увидеть причину.`)) : null,
    state.error ? el("div", { class: "banner bad" }, el("p", {}, state.error)) : null,
    state.notice ? el("div", { class: "banner good", testid: "m-notice-ok" }, el("p", {}, state.notice)) : null,
    await pushOffer(),
    tickets.length ? list : el("p", { class: "muted", testid: "m-empty" }, state.lastSync ? "Назначенных заявок нет." : "Список появится после первой синхронизации."),
    el("button", { type: "button", class: "wide", onclick: () => sync(), testid: "m-refresh" }, "Обновить"),
    el("button", { type: "button", class: "wide", onclick: signOut }, "Выйти на этом телефоне"));
}

// ---- Notifications (Web Push) ----------------------------------------------------

const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromBase64url = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/** «Включить уведомления» while this phone gets no pushes and could;
 *  «Проверить уведомления» once it does. */
async function pushOffer() {
  if (!("PushManager" in window) || !("Notification" in window) || Notification.permission === "denied") return null;
  if ((await kvGet("push")) === "on" && Notification.permission === "granted") {
    return el("button", { type: "button", class: "wide", testid: "m-push-test", onclick: testPush }, "Проверить уведомления");
  }
  return el("button", { type: "button", class: "wide", testid: "m-push-on", onclick: enablePush }, "Включить уведомления о новых заявках");
}

async function testPush() {
  const { token, device } = await session();
  try {
    const response = await fetch(`/api/v1/devices/${device}/test`, { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    if (response.status !== 202) throw new Error((await response.json().catch(() => null))?.error?.message ?? "Не удалось отправить проверку.");
    state.error = null;
    state.notice = "Проверка отправлена: уведомление придёт через несколько секунд.";
    setTimeout(() => { state.notice = null; render(); }, 10_000);
  } catch (e) {
    state.error = e instanceof TypeError ? "Нет сети: проверить уведомления можно, когда телефон в сети." : e.message;
  }
  render();
}

async function enablePush() {
  const { token, device } = await session();
  try {
    if ((await Notification.requestPermission()) !== "granted") throw new Error("Уведомления запрещены в настройках браузера.");
    const key = await api("/api/v1/push/vapid-public-key", undefined, token);
    if (key.status !== 200) throw new Error("Сервер не отправляет уведомления.");
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64url(key.json.public_key) });
    const keys = { p256dh: base64url(subscription.getKey("p256dh")), auth: base64url(subscription.getKey("auth")) };
    const response = await fetch(`/api/v1/devices/${device}/push`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ platform: "webpush", subscription: { endpoint: subscription.endpoint, keys } }),
    });
    if (!response.ok) throw new Error((await response.json().catch(() => null))?.error?.message ?? "Не удалось включить уведомления.");
    await kvSet("push", "on");
    state.error = null;
  } catch (e) {
    state.error = e instanceof Offline ? "Нет сети: уведомления можно включить, когда телефон в сети." : e.message;
  }
  render();
}

async function signOut() {
  const waiting = (await all("outbox")).length;
  if (waiting && !confirm(`${waiting} ${changesWord(waiting)} ещё не отправлены. Выйти всё равно? Они останутся на телефоне.`)) return;
  const { token, device } = await session();
  if (token && device) {
    try {
      await fetch(`/api/v1/devices/${device}`, { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
      await fetch("/api/v1/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    } catch { /* offline: the token stays revocable from the account page */ }
  }
  await tx(["kv", "tickets", "comments", "notices", "photos"], "readwrite", async (s) => {
    for (const key of ["token", "device", "me", "cursor", "queue", "push", "notifications", "unread", "desk_buildings", "desk_buildings_at", "desk_building"]) s.kv.delete(key);
    for (const key of await req(s.kv.getAllKeys())) if (String(key).startsWith("desk:")) s.kv.delete(key);
    s.tickets.clear(); s.comments.clear(); s.notices.clear();
    // Photos not yet sent stay with the outbox; the rest go.
    for (const p of await req(s.photos.getAll())) if (p.state === "done") s.photos.delete(p.id);
  });
  socket?.close();
  render();
}

function moveButtons(ticket, pending) {
  const moves = pending ? (OFFLINE_MOVES[ticket.status] ?? []) : (ticket.moves ?? []);
  const buttons = [];
  const move = (to, extra = {}) => () => enqueue({ kind: "ticket.transition", ticket_id: ticket.id, to, ...extra }, async (s) => {
    const current = await req(s.tickets.get(ticket.id));
    s.tickets.put({ ...current, status: to, hold_reason: extra.hold_reason ?? null, en_route_at: null, pending: true });
  });
  // «Выезжаю»: the resident and the dispatcher see that someone is coming.
  const setOff = pending ? (SET_OFF_FROM.includes(ticket.status) && !ticket.en_route_at) : ticket.can_set_off;
  if (setOff) {
    buttons.push(el("button", {
      type: "button", class: "wide", testid: "m-set-off",
      onclick: () => enqueue({ kind: "ticket.set_off", ticket_id: ticket.id }, async (s) => {
        const current = await req(s.tickets.get(ticket.id));
        s.tickets.put({ ...current, en_route_at: new Date().toISOString(), can_set_off: false, pending: true });
      }),
    }, "Выезжаю"));
  }
  for (const to of moves) {
    if (to === "accepted") buttons.push(el("button", { type: "button", class: "primary wide", onclick: move("accepted"), testid: "m-move-accepted" }, "Принять"));
    if (to === "in_progress") buttons.push(el("button", { type: "button", class: "primary wide", onclick: move("in_progress"), testid: "m-move-in_progress" }, ticket.status === "on_hold" ? "Продолжить работу" : "Начать работу"));
    if (to === "on_hold") {
      buttons.push(el("button", { type: "button", onclick: move("on_hold", { hold_reason: "waiting_parts" }), testid: "m-hold-parts" }, "Жду запчасти"));
      buttons.push(el("button", { type: "button", onclick: move("on_hold", { hold_reason: "waiting_client" }), testid: "m-hold-client" }, "Жду жильца"));
    }
  }
  return buttons;
}

async function ticketView(outbox) {
  const ticket = await tx(["tickets"], "readonly", (s) => req(s.tickets.get(state.ticket)));
  if (!ticket) { state.route = "queue"; return queueView(outbox); }
  const comments = (await tx(["comments"], "readonly", (s) => req(s.comments.index("ticket").getAll(ticket.id))))
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  const notices = (await all("notices")).filter((n) => n.ticket_id === ticket.id);
  const mine = outbox.filter((m) => m.ticket_id === ticket.id);
  const pending = mine.some((m) => m.kind === "ticket.transition" || m.kind === "ticket.set_off");

  const text = draft("text", { testid: "m-comment-text" });
  const note = draft("note", { testid: "m-done-note" });
  const comment = el("form", {
    testid: "m-comment-form",
    onsubmit: (event) => {
      event.preventDefault();
      const body = text.value.trim();
      if (!body) return;
      text.clear();
      enqueue({ kind: "ticket.comment", ticket_id: ticket.id, text: body }, (s, id) => {
        s.comments.put({ id, ticket_id: ticket.id, body, author_name: "Я", created_at: new Date().toISOString(), pending: true });
      });
    },
  }, el("label", {}, "Комментарий", text), el("button", { type: "submit", class: "wide", testid: "m-comment-send" }, "Добавить комментарий"));
  const moves = pending ? (OFFLINE_MOVES[ticket.status] ?? []) : (ticket.moves ?? []);
  const missing = missingForDone(ticket);
  const blocked = missing.items > 0 || missing.signature;
  const done = moves.includes("done") ? el("form", {
    testid: "m-done-form",
    onsubmit: async (event) => {
      event.preventDefault();
      const body = note.value.trim();
      note.clear();
      if (body) {
        await enqueue({ kind: "ticket.comment", ticket_id: ticket.id, text: body }, (s, id) => {
          s.comments.put({ id, ticket_id: ticket.id, body, author_name: "Я", created_at: new Date().toISOString(), pending: true });
        });
      }
      await enqueue({ kind: "ticket.transition", ticket_id: ticket.id, to: "done" }, async (s) => {
        const current = await req(s.tickets.get(ticket.id));
        s.tickets.put({ ...current, status: "done", hold_reason: null, en_route_at: null, pending: true });
      });
    },
  }, el("label", {}, "Что сделано", note),
  blocked ? el("p", { class: "hint", testid: "m-done-blocked" }, [
    missing.items ? `Отметьте пункты чек-листа (осталось: ${missing.items})` : null,
    missing.signature ? (missing.items ? "возьмите подпись жильца" : "Возьмите подпись жильца") : null,
  ].filter(Boolean).join("; ") + ".") : null,
  el("button", { type: "submit", class: "primary wide", testid: "m-done", disabled: blocked }, "Работа выполнена")) : null;

  const phone = ticket.contact_phone ? el("a", { class: "button", href: `tel:${ticket.contact_phone}` }, `Позвонить: ${ticket.contact_phone}`) : null;
  const map = ticket.address ? el("a", { class: "button", href: `https://yandex.ru/maps/?text=${encodeURIComponent(ticket.address)}`, target: "_blank", rel: "noopener" }, "На карте") : null;
  return el("article", { testid: "m-ticket-view" },
    el("h1", {}, `№ ${ticket.number}`),
    ...notices.map((n) => el("div", { class: "banner bad", testid: "m-notice" },
      el("p", {}, el("strong", {}, "Не применено: "), n.message),
      n.current ? el("p", {}, `Сейчас заявка: ${statusText(n.current)}.`) : null,
      n.text ? el("p", {}, `Ваш текст: «${n.text}»`) : null,
      n.kind === "ticket.photo" ? el("p", {}, "Фото не прикреплено к заявке: при необходимости снимите его заново.") : null,
      el("button", { type: "button", onclick: async () => { await tx(["notices"], "readwrite", (s) => { s.notices.delete(n.id); }); render(); } }, "Понятно"))),
    mine.length ? el("div", { class: "banner", testid: "m-pending" }, el("p", {}, `${mine.length} ${changesWord(mine.length)} по этой заявке ждут отправки.`)) : null,
    el("dl", { class: "facts" },
      el("dt", {}, "Статус"), el("dd", { testid: "m-status" }, statusText(ticket)),
      el("dt", {}, "Срочность"), el("dd", {}, PRIORITY[ticket.priority] ?? ticket.priority),
      ticket.category ? [el("dt", {}, "Категория"), el("dd", {}, [ticket.category, ticket.problem].filter(Boolean).join(" · "))] : null,
      el("dt", {}, "Адрес"), el("dd", {}, [ticket.building_name, ticket.address].filter(Boolean).join(", ")),
      ticket.location ? [el("dt", {}, "Где"), el("dd", {}, ticket.location)] : null,
      ticket.contact_name ? [el("dt", {}, "Жилец"), el("dd", {}, ticket.contact_name)] : null,
      due(ticket) ? [el("dt", {}, "Срок"), el("dd", {}, due(ticket, false))] : null),
    el("p", { class: "what" }, ticket.description),
    el("div", { class: "links" }, phone, map),
    el("div", { class: "actions" }, moveButtons(ticket, pending)),
    checklistView(ticket, ticket.status !== "done" && ticket.status !== "closed" && ticket.can_attach !== false),
    done,
    await photosView(ticket),
    el("h2", {}, "Комментарии"),
    comments.length ? comments.map((c) => el("div", { class: c.pending ? "comment pending" : "comment", testid: "m-comment" },
      el("span", { class: "who" }, `${c.author_name} · ${timeFormat.format(new Date(c.created_at))}${c.pending ? " · ждёт отправки" : ""}${c.public === false ? " · внутренний" : ""}`),
      el("p", {}, c.body))) : el("p", { class: "muted" }, "Комментариев пока нет."),
    comment);
}

// ---- Start --------------------------------------------------------------------------------------

async function start() {
  document.getElementById("back").addEventListener("click", () => { state.route = "queue"; render(); });
  addEventListener("online", () => { state.online = true; sync(); follow(); });
  addEventListener("offline", () => { state.online = false; render(); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).catch(() => { /* works without, online only */ });
    navigator.serviceWorker.addEventListener("message", (event) => { if (event.data === "sync") sync(); });
  }
  await render();
  sync();
  follow();
  setInterval(sync, SYNC_EVERY_MS);
}

start();
