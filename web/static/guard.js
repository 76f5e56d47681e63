// The guard desk: search as you type, one key to mark, live lists.
//
// The page works without this script (a GET search, POST marks). With it:
// typing redraws the matches from the server (the same HTML), Enter on a
// search already shown marks the first valid match in, Shift+Enter marks
// the first visitor on site out, Esc clears. A blocklisted visitor needs a
// reason before the mark is sent. A camera scans QR codes where the
// browser has BarcodeDetector; a USB scanner simply types.

const form = document.querySelector("[data-desk]");
const input = document.querySelector("[data-desk-query]");
const results = document.querySelector("[data-desk-results]");
const lists = document.querySelector("[data-live-refresh='desk-lists']");

let shownFor = input ? input.value.trim() : "";
let pending = 0;
let controller = null;

function deskUrl(query) {
  const url = new URL(form.action, location.href);
  for (const [key, value] of new FormData(form)) url.searchParams.set(key, value);
  url.searchParams.set("q", query);
  return url;
}

async function search(query) {
  controller?.abort();
  controller = new AbortController();
  const url = deskUrl(query);
  try {
    const response = await fetch(url, { credentials: "same-origin", signal: controller.signal });
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = doc.querySelector("[data-desk-results]");
    if (fresh) results.replaceChildren(...fresh.childNodes);
    shownFor = query;
    history.replaceState(null, "", url);
  } catch {
    // Aborted by newer typing, or offline (the live banner says so).
  }
}

function askOverride(target) {
  if (!target.matches("[data-blocked]")) return true;
  const reason = prompt(target.dataset.overridePrompt || "");
  if (!reason || !reason.trim()) return false;
  target.querySelector("[name=override_reason]").value = reason.trim();
  return true;
}

if (form && input && results) {
  input.addEventListener("input", () => {
    clearTimeout(pending);
    const query = input.value.trim();
    pending = setTimeout(() => search(query), 200);
  });
  input.addEventListener("keydown", async (event) => {
    if (event.key === "Escape") {
      input.value = "";
      results.replaceChildren();
      shownFor = "";
      history.replaceState(null, "", deskUrl(""));
      return;
    }
    if (event.key !== "Enter") return;
    event.preventDefault();
    const query = input.value.trim();
    if (query !== shownFor) {
      clearTimeout(pending);
      await search(query);
      return;
    }
    const selector = event.shiftKey ? "form[data-depart]" : "form[data-arrive]";
    const target = results.querySelector(selector);
    if (target && askOverride(target)) target.submit();
  });
  results.addEventListener("submit", (event) => {
    if (event.target.matches("form[data-arrive]") && !askOverride(event.target)) event.preventDefault();
  });
  // A mark on another desk changes who is on site: redraw the matches too.
  lists?.addEventListener("live:event", () => {
    if (shownFor) search(shownFor);
  });
}

// The camera, where the browser can read QR codes itself.
const scan = document.querySelector("[data-desk-scan]");
if (scan && "BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia) {
  scan.hidden = false;
  scan.addEventListener("click", async () => {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    const video = document.createElement("video");
    video.className = "desk-camera";
    video.srcObject = stream;
    video.setAttribute("playsinline", "");
    scan.after(video);
    await video.play();
    const stop = () => {
      for (const track of stream.getTracks()) track.stop();
      video.remove();
    };
    const deadline = Date.now() + 30_000;
    const tick = async () => {
      if (Date.now() > deadline) return stop();
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length > 0) {
        stop();
        input.value = codes[0].rawValue;
        await search(input.value.trim());
        input.focus();
        return;
      }
      requestAnimationFrame(tick);
    };
    tick();
  });
}
