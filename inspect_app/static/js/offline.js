// The installable app, on every page of a logged-in user: registers the service worker, keeps the
// copies of pages for offline use ("Prepare for offline", and each page of a visit opened online),
// and shows on "My visits" how many changes wait on this tablet.
import * as store from "./store.js";
import { createSync } from "./sync.js";

const PAGES = "inspect-pages";
const SHELL = "inspect-shell";
const user = Number(document.body.dataset.user || 0);

async function keep(cacheName, url, offlineCopy) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: offlineCopy ? { "X-Offline-Copy": "1" } : {},
    redirect: "error",
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  await (await caches.open(cacheName)).put(url, response);
}

// Keep the shell, the visit list and every visit under way; drop copies no longer listed.
async function offlineManifest() {
  const response = await fetch("/offline/manifest.json", { credentials: "same-origin", redirect: "error" });
  if (!response.ok) throw new Error(`offline manifest: HTTP ${response.status}`);
  return response.json();
}

export async function prepare(progress = () => {}, known = null) {
  const manifest = known || (await offlineManifest());
  const urls = [...manifest.shell.map((u) => [SHELL, u, false]), ...manifest.pages.map((u) => [PAGES, u, true])];
  let done = 0;
  for (const [cacheName, url, offlineCopy] of urls) {
    await keep(cacheName, url, offlineCopy);
    done += 1;
    progress(done, urls.length);
  }
  const pages = await caches.open(PAGES);
  for (const request of await pages.keys()) {
    if (!manifest.pages.includes(new URL(request.url).pathname)) await pages.delete(request);
  }
  localStorage.setItem("inspect-prepared", JSON.stringify({ user, at: new Date().toISOString(), version: manifest.version }));
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  return manifest;
}

async function refreshOpenPage() {
  // A visit page opened online replaces its kept copy, so that the copy never falls behind.
  const form = document.getElementById("visit-form");
  const path = window.location.pathname;
  const kept = await (await caches.open(PAGES)).match(path);
  if ((form && !("sandbox" in form.dataset)) || kept) await keep(PAGES, path, true);
}

async function showPending() {
  for (const card of document.querySelectorAll("[data-visit-card]")) {
    const { total } = await store.pending(user, card.dataset.visitCard);
    const badge = card.querySelector("[data-pending]");
    if (badge) {
      badge.hidden = total === 0;
      badge.textContent = badge.dataset.template.replace("%(n)s", String(total));
    }
  }
}

function wirePrepareButton() {
  const button = document.querySelector("[data-prepare-offline]");
  if (!button) return;
  const state = document.querySelector("[data-prepare-state]");
  const last = JSON.parse(localStorage.getItem("inspect-prepared") || "null");
  if (last && last.user === user && state) state.textContent = button.dataset.msgLast.replace("%(time)s", new Date(last.at).toLocaleString());
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await prepare((done, total) => {
        state.textContent = button.dataset.msgProgress.replace("%(done)s", done).replace("%(total)s", total);
      });
      state.textContent = button.dataset.msgDone;
      state.classList.add("ok");
    } catch (err) {
      state.textContent = button.dataset.msgFailed;
      state.classList.add("bad");
    }
    button.disabled = false;
  });
}

// On "My visits", online, a tablet prepared before keeps its copies current (new visits, new releases).
async function refreshPrepared() {
  const last = JSON.parse(localStorage.getItem("inspect-prepared") || "null");
  if (!last || last.user !== user || !document.querySelector("[data-prepare-offline]")) return;
  const manifest = await offlineManifest();
  const pages = await caches.open(PAGES);
  const missing = (await Promise.all(manifest.pages.map((u) => pages.match(u)))).some((hit) => !hit);
  if (manifest.version !== last.version || missing) await prepare(() => {}, manifest);
}

// Changes waiting on the tablet are sent from any page, not only from their visit's page (which
// also asks for the password when the session has ended; here a 401 just waits for it).
async function syncWaitingChanges() {
  if (document.getElementById("visit-form")) return;
  const { total } = await store.pending(user);
  if (!total) return;
  createSync({ user, onChange: () => showPending().catch(() => {}) }).flush();
}

if ("serviceWorker" in navigator && user) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  if (navigator.onLine && "caches" in window) {
    navigator.serviceWorker.ready.then(refreshOpenPage).then(refreshPrepared).catch(() => {});
  }
  wirePrepareButton();
  showPending().catch(() => {});
  syncWaitingChanges().catch(() => {});
}
