// Domovoy live updates: one WebSocket per page, shared by every live part.
//
// A live element declares its topic and the sequence number it was
// rendered at:  <div data-live-topic="building:…" data-live-seq="41">.
// The connection subscribes with that number, so nothing committed after
// the page was rendered is missed; on reconnect it resumes from the last
// number seen. When the server says the history is gone ("resync"), the
// page reloads its snapshot. A banner shows when the connection is down.

const BACKOFF_MIN = 500;
const BACKOFF_MAX = 15000;
// The banner appears only for disconnections longer than this, so a quick
// reconnect (a server restart) does not flash.
const OFFLINE_GRACE = 2000;
// Presence is re-announced this often: it survives a server restart and
// an idle building actor stopping.
const PRESENCE_RENEW = 30000;
// Close code: the account's access changed; reconnect at once.
const CLOSE_ACCESS_CHANGED = 4000;

function wsUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

export class LiveConnection {
  constructor({ url = wsUrl(), status = document.getElementById("live-status") } = {}) {
    this.url = url;
    this.status = status;
    this.topics = new Map();
    this.backoff = BACKOFF_MIN;
    this.failures = 0;
    this.socket = null;
    this.offlineTimer = 0;
    this.connect();
    setInterval(() => this.renewPresence(), PRESENCE_RENEW);
    document.addEventListener("visibilitychange", () => this.renewPresence());
  }

  /**
   * Follows a topic. Handlers: onEvent(message), onPresence(viewers),
   * onResync() (default: reload the page), onError(message).
   */
  subscribe(topic, { since = null, presence = null, ...handlers } = {}) {
    this.topics.set(topic, { last: since, presence, handlers });
    this.sendSubscribe(topic);
  }

  /** Changes this page's presence on a topic ("viewing", "editing"). */
  setPresence(topic, state) {
    const entry = this.topics.get(topic);
    if (entry && entry.presence !== state) {
      entry.presence = state;
      if (entry.live) {
        this.send({ type: "presence", topic, state });
      }
    }
  }

  unsubscribe(topic) {
    this.topics.delete(topic);
    this.send({ type: "unsubscribe", topic });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  sendSubscribe(topic) {
    const state = this.topics.get(topic);
    if (state) {
      this.send({ type: "subscribe", topic, since: state.last });
    }
  }

  renewPresence() {
    const state = document.visibilityState === "hidden" ? "away" : null;
    for (const [topic, entry] of this.topics) {
      if (entry.presence && entry.live) {
        this.send({ type: "presence", topic, state: state ?? entry.presence });
      }
    }
  }

  connect() {
    this.setStatus("reconnecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.backoff = BACKOFF_MIN;
      this.failures = 0;
      this.setStatus("online");
      for (const topic of this.topics.keys()) {
        this.sendSubscribe(topic);
      }
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", (event) => this.closed(event));
  }

  closed(event) {
    for (const entry of this.topics.values()) {
      entry.live = false;
    }
    this.failures += 1;
    let delay = event.code === CLOSE_ACCESS_CHANGED ? 0 : this.backoff;
    this.backoff = Math.min(BACKOFF_MAX, this.backoff * 2);
    delay = delay * (0.8 + Math.random() * 0.4);
    this.setStatus("offline");
    if (this.failures >= 3) {
      // Several failures in a row: maybe the session ended.
      fetch("/api/v1/me", { credentials: "same-origin" }).then((response) => {
        if (response.status === 401) {
          location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
        }
      }, () => {});
    }
    setTimeout(() => this.connect(), delay);
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const entry = this.topics.get(message.topic);
    switch (message.type) {
      case "subscribed":
        if (entry) {
          entry.last = message.seq;
          entry.live = true;
          if (entry.presence && document.visibilityState !== "hidden") {
            this.send({ type: "presence", topic: message.topic, state: entry.presence });
          }
        }
        break;
      case "event":
        if (!entry || (entry.last !== null && message.seq <= entry.last)) {
          return;
        }
        entry.last = message.seq;
        entry.handlers.onEvent?.(message);
        break;
      case "resync":
        if (entry) {
          this.flash("resync");
          (entry.handlers.onResync ?? (() => location.reload()))();
        }
        break;
      case "presence":
        entry?.handlers.onPresence?.(message.viewers);
        break;
      case "error":
        console.warn("live:", message.code, message.message, message.topic ?? "");
        entry?.handlers.onError?.(message);
        break;
      default:
        break;
    }
  }

  setStatus(state) {
    if (!this.status) {
      return;
    }
    clearTimeout(this.offlineTimer);
    if (state === "online") {
      this.status.hidden = true;
      this.status.dataset.state = "online";
      return;
    }
    this.offlineTimer = setTimeout(() => {
      this.status.textContent = this.status.dataset[state === "offline" ? "offline" : "reconnecting"];
      this.status.dataset.state = state;
      this.status.classList.remove("ok");
      this.status.hidden = false;
    }, OFFLINE_GRACE);
  }

  flash(kind) {
    if (this.status && kind === "resync") {
      this.status.textContent = this.status.dataset.resync;
      this.status.classList.add("ok");
      this.status.hidden = false;
    }
  }
}

/** Puts an event's fields into the element's [data-field] children. */
function applyFields(root, data) {
  for (const cell of root.querySelectorAll("[data-field]")) {
    const name = cell.dataset.field;
    if (!(name in data)) {
      continue;
    }
    let value = data[name];
    if (cell.dataset.labels) {
      value = JSON.parse(cell.dataset.labels)[value] ?? value;
    }
    if (cell.textContent !== String(value)) {
      cell.textContent = value;
      cell.classList.remove("flash");
      void cell.offsetWidth; // restart the highlight
      cell.classList.add("flash");
    }
  }
}

function showPresence(root, viewers) {
  const box = root.querySelector("[data-presence]");
  const list = box?.querySelector("[data-presence-list]");
  if (!box || !list) {
    return;
  }
  const others = viewers.filter((v) => v.user_id !== box.dataset.selfId);
  list.textContent = others.length === 0
    ? box.dataset.nobody
    : others.map((v) => (v.state === "editing" ? `${v.name} (${box.dataset.editing})` : v.name)).join(", ");
}

let shared = null;

/** The page's one connection. */
export function live() {
  shared ??= new LiveConnection();
  return shared;
}

// Page scripts loaded as separate modules reach the one connection here
// (a module imported under another URL would open a second socket).
globalThis.DomovoyLive = { live };

// Every [data-live-topic] element: its [data-field] children follow the
// events, its [data-presence] shows who else is here, and a "live:event"
// DOM event lets page scripts react (a ticket page redraws itself).
for (const root of document.querySelectorAll("[data-live-topic]")) {
  const since = root.dataset.liveSeq === undefined ? null : Number(root.dataset.liveSeq);
  live().subscribe(root.dataset.liveTopic, {
    since,
    presence: root.dataset.livePresence ?? null,
    onEvent: (message) => {
      applyFields(root, message.data ?? {});
      root.dispatchEvent(new CustomEvent("live:event", { detail: message }));
    },
    onPresence: (viewers) => showPresence(root, viewers),
  });
}
