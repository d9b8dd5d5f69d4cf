// guomen's service worker: keeps the app's own files and the field pages, nothing from outside.
// Writes never pass through here: the page queues them in IndexedDB and sends them to /api/sync.
const VERSION = {{ version|safe }};
const PRECACHE = {{ precache|safe }};
const PAGES = {{ pages|safe }};
const STATIC = {{ static_prefix|safe }};
const MANIFEST = {{ manifest|safe }};
const CACHE = "guomen-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  // An update replaces the cached files; the queue lives in IndexedDB and is never touched here.
  // The field pages seen under the old version move over, so the page still opens offline.
  event.waitUntil((async () => {
    const fresh = await caches.open(CACHE);
    const old = (await caches.keys()).filter((k) => k.startsWith("guomen-") && k !== CACHE);
    for (const name of old) {
      const cache = await caches.open(name);
      for (const p of PAGES) {
        const hit = await cache.match(p);
        if (hit && !(await fresh.match(p))) await fresh.put(p, hit);
      }
      await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function samePage(url) {
  return PAGES.includes(url.pathname);
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC)) {
    event.respondWith(
      caches.match(req).then((hit) => hit || fetch(req).then((res) => {
        if (res.ok) caches.open(CACHE).then((c) => c.put(req, res.clone()));
        return res;
      }))
    );
    return;
  }
  if ((req.mode === "navigate" && samePage(url)) || url.pathname === MANIFEST) {
    // Network first: a fresh page when online, the last one seen when not.
    event.respondWith(
      fetch(req).then((res) => {
        if (res.ok && !res.redirected) {
          const copy = res.clone();
          caches.open(CACHE).then((c) => c.put(url.pathname, copy));
        }
        return res;
      }).catch(() => caches.match(url.pathname).then((hit) => hit || Response.error()))
    );
  }
});

self.addEventListener("message", (event) => {
  if (event.data === "forget-pages") {
    // Sign-out: the cached field pages hold the user's name; drop them.
    event.waitUntil(caches.open(CACHE).then((c) => Promise.all(PAGES.map((p) => c.delete(p)))));
  }
});
