// Hearth's service worker: keeps the app shell of one build in a cache named
// for that build, so the dashboard opens without a network, and lets the page
// decide when a new build takes over (docs/pwa.md).
//
// This file is a template: at build time tools/pwa/precache.mjs replaces the
// two placeholders below with the build id and the list of shell files.
const BUILD = '__HEARTH_BUILD__';
const SHELL = ['__HEARTH_SHELL__'];

const SHELL_CACHE = `hearth-shell-${BUILD}`;
// API answers are kept across builds: their format is the hub's, not the shell's.
const API_CACHE = 'hearth-api';
// The newest answers kept, so the cache cannot grow with every history query;
// the dashboard's own requests fit many times over.
const API_ENTRIES = 50;

self.addEventListener('install', (event) => {
  // Through the HTTP cache: the hashed files the page just loaded are not
  // downloaded twice, and the unhashed ones are served `no-cache`, so they
  // are revalidated rather than taken stale.
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
  // No skipWaiting here: a new build waits until the page's "Reload" asks for it.
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith('hearth-shell-') && name !== SHELL_CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // A CSV export can be a year of readings (tens of MB): it streams from the
  // hub and is never worth keeping.
  if (url.pathname === '/api/export.csv') return;
  if (url.pathname.startsWith('/api/')) {
    event.respondWith(networkFirst(event));
  } else if (request.mode === 'navigate') {
    // The page itself, at any path in scope (the app routes on the client):
    // the newest index.html when the hub answers, this build's copy when it
    // does not.
    event.respondWith(
      fetch(request).catch(() => caches.match('/index.html', { cacheName: SHELL_CACHE })),
    );
  } else {
    // Shell files are named for their content (or ship with this build), so
    // a cached copy is always right.
    event.respondWith(caches.match(request).then((hit) => hit ?? fetch(request)));
  }
});

/** The hub's answer, remembered; the last remembered one when the hub is out of reach. */
async function networkFirst(event) {
  const request = event.request;
  const cache = await caches.open(API_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) event.waitUntil(remember(cache, request, response.clone()));
    return response;
  } catch (error) {
    const hit = await cache.match(request);
    if (hit) return hit;
    throw error;
  }
}

/** Keeps an answer and drops the oldest beyond API_ENTRIES (keys() lists them oldest first). */
async function remember(cache, request, response) {
  await cache.put(request, response);
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, -API_ENTRIES).map((key) => cache.delete(key)));
}
