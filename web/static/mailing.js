// A sent mailing's page: while deliveries wait in the outbox, the progress
// bar and the counts follow them (every 2 s, bounded), then the page reloads
// once so the deliveries table shows the outcome.

const box = document.querySelector("[data-mailing-progress]");
const POLL_MS = 2000;
// Two hours of polling at most; a mailing still waiting then is shown as is.
const MAX_POLLS = 3600;

async function poll(left) {
  if (left <= 0) return;
  let mailing;
  try {
    const response = await fetch(box.dataset.mailingProgress, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    mailing = await response.json();
  } catch {
    setTimeout(() => poll(left - 1), POLL_MS * 2);
    return;
  }
  box.querySelector("[data-progress-bar]").value = mailing.done_percent;
  box.querySelector("[data-progress-percent]").textContent = String(mailing.done_percent);
  for (const [code, value] of Object.entries(mailing.counts)) {
    const cell = box.querySelector(`[data-count="${code}"]`);
    if (cell) cell.textContent = String(value);
  }
  if ((mailing.counts.queued ?? 0) > 0) {
    setTimeout(() => poll(left - 1), POLL_MS);
  } else {
    window.location.reload();
  }
}

if (box && box.hasAttribute("data-waiting")) setTimeout(() => poll(MAX_POLLS), POLL_MS);
