// Domovoy outages: the banner of outages in effect on every staff page of
// those who read tickets, receive calls or manage outages. It is drawn from
// /api/v1/outages?open=true when the page opens, again at once when an
// outage is opened or closed (the "calls" topic, through calls.js, for
// those who receive calls), and every minute for everyone else.

const root = document.getElementById("outage-banner");
const s = root?.dataset ?? {};
const kinds = root ? JSON.parse(s.kinds || "{}") : {};
const REFRESH = 60000;

/** `2026-12-10T18:00` as the banner says it: `10.12 18:00`. */
function wall(time) {
  const [date, clock] = String(time).split("T");
  const [, month, day] = date.split("-");
  return `${day}.${month} ${clock ?? ""}`.trim();
}

async function refresh() {
  let items;
  try {
    const response = await fetch("/api/v1/outages?open=true", { credentials: "same-origin" });
    if (!response.ok) {
      return;
    }
    items = await response.json();
  } catch {
    return; // Offline: the banner keeps what it showed.
  }
  root.replaceChildren();
  root.hidden = items.length === 0;
  if (items.length === 0) {
    return;
  }
  const label = document.createElement("b");
  label.textContent = `${s.label}: `;
  root.append(label);
  items.forEach((outage, i) => {
    if (i > 0) {
      root.append(" · ");
    }
    const link = document.createElement("a");
    link.href = `/outages/${outage.id}`;
    link.dataset.testid = "outage-banner-item";
    const places = outage.building_names.join(", ");
    link.textContent = `${kinds[outage.kind] ?? outage.kind} (${places}) ${s.until} ${wall(outage.ends_at)}`;
    root.append(link);
  });
}

if (root) {
  refresh();
  document.addEventListener("domovoy:outages", refresh);
  setInterval(refresh, REFRESH);
}
