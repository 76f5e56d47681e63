// The billing import page: send the file for a check (nothing is written),
// show every problem by row and column, then apply when the check is clean.
// Upload progress shows for big files; the server answers when done.

const form = document.querySelector("[data-import]");
const status = form.querySelector("[data-import-status]");
const progress = form.querySelector("[data-import-progress]");
const apply = form.querySelector('[data-import-run="apply"]');
const report = document.querySelector("[data-import-report]");

function send(dryRun) {
  const file = form.elements.file.files[0];
  if (!file) {
    form.elements.file.reportValidity();
    return;
  }
  const kind = form.querySelector('input[name="kind"]:checked')?.value ?? "clients";
  const params = new URLSearchParams({
    building_id: form.dataset.building,
    dry_run: String(dryRun),
    mapping: form.elements.mapping.value.split("\n").map((l) => l.trim()).filter(Boolean).join(","),
  });
  const request = new XMLHttpRequest();
  request.open("POST", `/api/v1/import/${kind}?${params}`);
  request.setRequestHeader("Content-Type", "application/octet-stream");
  request.setRequestHeader("X-CSRF-Token", document.querySelector('meta[name="csrf-token"]').content);
  request.responseType = "json";
  progress.hidden = false;
  progress.value = 0;
  status.textContent = form.dataset.uploading;
  apply.disabled = true;
  request.upload.onprogress = (event) => {
    if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
  };
  request.upload.onload = () => {
    progress.removeAttribute("value"); // Indeterminate while the server checks.
    status.textContent = form.dataset.checking;
  };
  request.onloadend = () => {
    progress.hidden = true;
    const body = request.response;
    if (!body || request.status >= 400) {
      status.textContent = body?.error?.message ?? `HTTP ${request.status}`;
      return;
    }
    show(body, dryRun);
  };
  request.send(file);
}

function show(body, dryRun) {
  report.hidden = false;
  report.querySelector("[data-import-summary]").textContent = body.summary;
  const rows = body.problems.map((p) => {
    const tr = document.createElement("tr");
    for (const text of [p.where, p.message, p.value]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  });
  report.querySelector("[data-import-problems]").replaceChildren(...rows);
  status.textContent = body.problems.length ? "" : (body.applied ? body.summary : form.dataset.ok);
  apply.disabled = !(dryRun && body.problems.length === 0);
}

form.querySelector('[data-import-run="check"]').addEventListener("click", () => send(true));
apply.addEventListener("click", () => send(false));
form.elements.file.addEventListener("change", () => { apply.disabled = true; });
