// Surveys. The builder shows the choices box only for choice questions
// (and a matrix, whose columns they are), the rows box only for a matrix.
// The answer form asks a branching question only when the earlier answer
// it depends on is given (hidden, its inputs are disabled and not sent).
// A running survey's results: the block is fetched again every 5 s while
// the page is visible (bounded), so new answers show without a reload.

for (const question of document.querySelectorAll(".survey-question")) {
  const kind = question.querySelector("select[name=q_kind]");
  const options = question.querySelector("[data-choice-options]");
  const rows = question.querySelector("[data-matrix-rows]");
  const show = () => {
    options.hidden = !["single", "multiple", "matrix"].includes(kind.value);
    rows.hidden = kind.value !== "matrix";
  };
  kind.addEventListener("change", show);
  show();
}

for (const form of document.querySelectorAll(".survey-answer")) {
  const branching = [...form.querySelectorAll("[data-show-if]")];
  const update = () => {
    // In the page's order: a question hidden in turn hides those on it.
    for (const question of branching) {
      const given = [...form.querySelectorAll(`[name="${question.dataset.showIf}"]`)]
        .some((input) => !input.disabled && input.checked && input.value === question.dataset.showIfValue);
      question.hidden = !given;
      for (const input of question.querySelectorAll("input, textarea, select")) input.disabled = !given;
    }
  };
  if (branching.length) {
    form.addEventListener("change", update);
    update();
  }
}

// A running survey's results follow its live topic (live.js subscribes the
// block and says "live:event" for each answer): the block is fetched again,
// at most once a second, and only while the page is visible.
const box = document.querySelector("[data-live-results]");
const GAP_MS = 1000;
// An answer came since the block was last fetched.
let stale = false;
let busy = false;

async function refresh() {
  if (busy || document.visibilityState !== "visible") return;
  busy = true;
  stale = false;
  let fetched = false;
  try {
    const response = await fetch(box.dataset.surveyResults, { headers: { Accept: "text/html" } });
    if (response.ok) {
      const holder = document.createElement("div");
      holder.innerHTML = await response.text();
      const fresh = holder.querySelector("[data-survey-results]");
      // Keep the search box the person is typing in.
      if (fresh && !box.contains(document.activeElement)) box.replaceChildren(...fresh.childNodes);
      fetched = true;
    }
  } catch {
    // Not reachable now: the next answer, or coming back to the page, tries again.
  }
  if (!fetched) stale = true;
  await new Promise((r) => setTimeout(r, GAP_MS));
  busy = false;
  // Answers that came during the fetch; a failed fetch waits for the next one.
  if (stale && fetched) refresh();
}

if (box) {
  box.addEventListener("live:event", () => {
    stale = true;
    refresh();
  });
  document.addEventListener("visibilitychange", () => {
    if (stale) refresh();
  });
}
