// Domovoy search as you type: the header box (jump to a client, unit,
// ticket or building) and the caller picker of the new-ticket form (fill in
// the client and the unit). Results come from /api/v1/search, grouped by
// kind; ↑/↓ move, Enter opens or picks, Esc closes. Without JavaScript the
// header box still submits to /search.

const DELAY = 150;

function debounce(fn, wait) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

/**
 * Attaches a result list to an input. `onPick(item, group)` handles a
 * chosen result; `groups` lists [key, title] in display order.
 */
export function attachSearch(input, pop, { groups, onPick, nothing }) {
  let items = [];
  let active = -1;
  let asked = "";

  function close() {
    pop.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
  }

  function highlight(index) {
    const options = pop.querySelectorAll("[role=option]");
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    options[index]?.scrollIntoView({ block: "nearest" });
  }

  function render(results) {
    pop.replaceChildren();
    items = [];
    for (const [key, title] of groups) {
      const list = results[key] ?? [];
      if (!list.length) continue;
      const heading = document.createElement("div");
      heading.className = "group";
      heading.textContent = title;
      pop.append(heading);
      for (const item of list) {
        const option = document.createElement("a");
        option.setAttribute("role", "option");
        option.href = item.url;
        option.dataset.index = String(items.length);
        const main = document.createElement("span");
        main.textContent = item.name ?? item.title ?? item.number;
        const more = document.createElement("span");
        more.className = "muted";
        more.textContent = " " + [
          (item.units ?? []).join(", "), item.building_name, item.description, item.address,
        ].filter(Boolean).join(" · ");
        option.append(main, more);
        pop.append(option);
        items.push({ item, key });
      }
    }
    if (!items.length) {
      const empty = document.createElement("div");
      empty.className = "muted empty";
      empty.textContent = nothing;
      pop.append(empty);
    }
    pop.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(items.length ? 0 : -1);
  }

  const run = debounce(async () => {
    const q = input.value.trim();
    if (q.length < 2) {
      close();
      return;
    }
    asked = q;
    try {
      const response = await fetch(`/api/v1/search?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
      if (!response.ok || asked !== q) return;
      render(await response.json());
    } catch {
      // Offline: the form still submits to the search page.
    }
  }, DELAY);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.addEventListener("input", run);
  input.addEventListener("keydown", (event) => {
    if (pop.hidden) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight(Math.min(items.length - 1, active + 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(Math.max(0, active - 1));
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      onPick(items[active].item, items[active].key);
      close();
    } else if (event.key === "Escape") {
      close();
    }
  });
  pop.addEventListener("mousedown", (event) => {
    const option = event.target.closest("[role=option]");
    if (!option) return;
    event.preventDefault();
    const { item, key } = items[Number(option.dataset.index)];
    onPick(item, key);
    close();
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

function groupsOf(input) {
  return [
    ["clients", input.dataset.clients],
    ["units", input.dataset.units],
    ["tickets", input.dataset.tickets],
    ["buildings", input.dataset.buildings],
  ];
}

const header = document.querySelector("[data-global-search]");
if (header) {
  attachSearch(header, header.parentElement.querySelector("[data-search-pop]"), {
    groups: groupsOf(header),
    nothing: header.dataset.nothing,
    onPick: (item) => { location.href = item.url; },
  });
}

// The new-ticket form: pick who calls or which unit it is about.
const party = document.querySelector("[data-party-search]");
if (party) {
  const form = party.closest("form");
  const field = (name) => form.querySelector(`[name="${name}"]`);
  const chosen = form.querySelector("[data-party-chosen]");
  const set = (name, value) => {
    const element = field(name);
    if (element && value !== undefined && value !== null) {
      element.value = value;
      element.dispatchEvent(new Event("change", { bubbles: true }));
    }
  };
  attachSearch(party, form.querySelector("[data-party-pop]"), {
    groups: [["clients", party.dataset.clients], ["units", party.dataset.units]],
    nothing: party.dataset.nothing,
    onPick: async (item, key) => {
      const fromParty = () => { if (field("location")) field("location").dataset.fromParty = "true"; };
      if (key === "units") {
        set("unit_id", item.id);
        set("building_id", item.building_id);
        set("location", item.title);
        fromParty();
        chosen.textContent = `${item.title}, ${item.building_name}`;
        return;
      }
      set("client_id", item.id);
      chosen.textContent = item.name;
      chosen.classList.remove("warn");
      // What the dispatcher types while the card loads is kept.
      const typed = new Set();
      const note = (event) => typed.add(event.target.name);
      form.addEventListener("input", note);
      let card = null;
      try {
        const response = await fetch(`/api/v1/clients/${item.id}`, { credentials: "same-origin" });
        card = response.ok ? await response.json() : null;
      } catch {
        card = null;
      } finally {
        form.removeEventListener("input", note);
      }
      // Dropped or replaced meanwhile: this card no longer applies.
      if (!card || field("client_id").value !== item.id) return;
      const fill = (name, value) => { if (!typed.has(name)) set(name, value); };
      fill("contact_name", card.name);
      // The previous caller's phone never stays beside a new client.
      fill("contact_phone", card.phones?.[0]?.display ?? "");
      const home = card.units?.[0];
      set("unit_id", home?.unit_id ?? "");
      if (home) {
        set("building_id", home.building_id);
        set("location", home.title);
        fromParty();
        chosen.textContent = `${card.name} — ${home.title}, ${home.building_name}`;
      }
    },
  });
}
