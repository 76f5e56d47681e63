// The staff app's service worker: keeps the app's own files so it opens
// with no network. Data lives in IndexedDB (app.js), never in this cache;
// the API is always asked over the network. The server writes the app's
// version below, so an upgrade installs fresh files and drops the old ones.

const VERSION = "__VERSION__";
const CACHE = `domovoy-m-${VERSION}`;
const SHELL = ["/m/", "/m/app.js", "/m/kinds.js", "/m/app.css", "/m/manifest.webmanifest", "/m/icon-192.png", "/m/icon-512.png"];

importScripts("/m/kinds.js");

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("domovoy-m-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || !url.pathname.startsWith("/m/")) return;
  // The app's files: from the cache at once (they change only with the
  // version), from the network when not cached yet.
  const key = event.request.mode === "navigate" ? "/m/" : url.pathname;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => (await cache.match(key)) ?? fetch(event.request)),
  );
});

// What a push says, by its kind (kinds.js).
const TITLES = self.PUSH_TITLES;

// A push (Web Push) wakes the app: open windows sync at once, and the
// person sees a notification.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { /* not JSON */ }
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window" });
    windows.forEach((w) => w.postMessage("sync"));
    const title = TITLES[data.kind] ?? "Домовой";
    const body = self.pushLine(data);
    await self.registration.showNotification(title, { body, tag: data.ticket_id ?? "domovoy", icon: "/m/icon-192.png", data });
  })());
});

// A resident's notice (a mailing, an outage) opens the cabinet's start
// page, where it is in full; anything else the staff app.
const RESIDENT_KINDS = ["mailing", "outage.notice"];

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const kind = event.notification.data?.kind;
  event.waitUntil(self.clients.openWindow(RESIDENT_KINDS.includes(kind) ? "/" : "/m/"));
});
