// The service worker (served from /sw.js so that it controls every page).
//
// - Pages: network first (4 s), falling back to the copy kept by "Prepare for offline" or by the
//   last online visit (copies are fetched with X-Offline-Copy and carry no CSRF token), else to
//   the offline page. A redirect to the login page, when a copy exists, serves the copy: the page
//   then asks for the password itself and keeps its queue.
// - The app shell (static files): served from the cache and refreshed in the background.
// - Thumbnails of synced photos: kept once fetched (a photo never changes under its address).
// - /api/*: never touched; the page's sync code handles being offline.
const PAGES = "inspect-pages";
const SHELL = "inspect-shell";
const MEDIA = "inspect-media";
const KNOWN = [PAGES, SHELL, MEDIA];
const TIMEOUT = 4000;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (!KNOWN.includes(name)) await caches.delete(name);
    await self.clients.claim();
  })());
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, (err) => { clearTimeout(timer); reject(err); });
  });
}

async function cachedPage(request) {
  const cache = await caches.open(PAGES);
  const url = new URL(request.url);
  url.hash = "";
  return cache.match(url.href, { ignoreSearch: false }) || cache.match(url.pathname);
}

async function page(request) {
  try {
    const response = await withTimeout(fetch(request), TIMEOUT);
    if (response.type === "opaqueredirect" || response.redirected) {
      const copy = await cachedPage(request);
      if (copy && (response.type === "opaqueredirect" || new URL(response.url).pathname.startsWith("/auth/login"))) {
        return copy;
      }
    }
    return response;
  } catch (err) {
    const copy = await cachedPage(request);
    if (copy) return copy;
    const fallback = await (await caches.open(SHELL)).match("/offline/");
    return fallback || Response.error();
  }
}

async function shell(request, event) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request, { ignoreSearch: true });
  const refresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (hit) {
    event.waitUntil(refresh.catch(() => {}));
    return hit;
  }
  return refresh;
}

async function media(request) {
  const cache = await caches.open(MEDIA);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(shell(request, event));
  } else if (/^\/media\/\d+$/.test(url.pathname)) {
    event.respondWith(media(request));
  }
});

// Background Sync (Chromium): when the connection returns, wake the open visit pages to sync.
self.addEventListener("sync", (event) => {
  if (event.tag !== "inspect-outbox") return;
  event.waitUntil((async () => {
    for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage({ type: "sync" });
  })());
});
