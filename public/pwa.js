// Registers the service worker and runs what lives outside the wasm app
// (plain JS costs the dashboard's wasm budget nothing): the store of the
// last-known snapshot, the offline banner, "Install" when the browser offers
// it, and "New version available — Reload" when a new build's worker is
// waiting. See docs/pwa.md.
(() => {
  const update = document.getElementById('pwa-update');
  const install = document.getElementById('pwa-install');
  const offline = document.getElementById('pwa-offline');
  const since = offline.querySelector('time');

  // The hub's last snapshot frame, kept for offline reloads as the text it
  // arrived in, in a cache of its own (the worker deletes only other builds'
  // shells). Read at once, so it is usually there before the wasm asks for it;
  // "hearth-kept" tells the wasm when it comes later (src/last_known.rs),
  // which is why this script runs first. Plain-HTTP pages have no Cache API,
  // and no worker either, so nothing could open offline there anyway.
  let kept = null;
  const box = () => self.caches?.open('hearth-kept');
  (async () => {
    let text = null;
    try {
      text = (await (await (await box())?.match('/snapshot'))?.text()) ?? null;
      // Earlier versions kept it in localStorage: moved over once, unless a
      // fresh snapshot has been saved meanwhile.
      const old = localStorage.getItem('hearth.last_snapshot');
      if (old !== null) {
        if (text === null && kept === null) {
          text = old;
          await (await box())?.put('/snapshot', new Response(old));
        }
        localStorage.removeItem('hearth.last_snapshot');
      }
    } catch (error) {
      console.warn('Hearth cannot keep its last-known state:', error);
    }
    kept ??= text;
    dispatchEvent(new Event('hearth-kept'));
  })();
  window.hearthLastKnown = {
    kept: () => kept,
    save(text) {
      kept = text;
      box()
        ?.then((cache) => cache.put('/snapshot', new Response(text)))
        .catch((error) => console.warn('Hearth cannot keep its last-known state:', error));
    },
  };

  // While the hub is out of reach (the app's indicator says reconnecting or
  // offline) every page shows last-known values: those of the kept snapshot,
  // refreshed each minute while connected. The banner says so, and from when.
  let shown = null;
  let keptAt = null;
  function showStale() {
    const down = document.querySelector(
      '.connection[data-state="reconnecting"], .connection[data-state="offline"]',
    );
    const text = down && kept;
    if (text && text !== shown) {
      shown = text;
      try {
        keptAt = new Date(JSON.parse(text).at);
      } catch {
        keptAt = null;
      }
    }
    offline.hidden = !(text && keptAt);
    if (!offline.hidden && since.dateTime !== keptAt.toISOString()) {
      since.dateTime = keptAt.toISOString();
      since.textContent = keptAt.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    }
  }
  new MutationObserver(showStale).observe(document.body, {
    subtree: true,
    childList: true,
    attributeFilter: ['data-state'],
  });

  let offer = null;
  addEventListener('beforeinstallprompt', (event) => {
    // Keep the browser's own mini-bar away; the button asks instead.
    event.preventDefault();
    offer = event;
    install.hidden = false;
  });
  install.addEventListener('click', async () => {
    if (!offer) return;
    install.hidden = true;
    offer.prompt();
    await offer.userChoice;
    offer = null;
  });
  addEventListener('appinstalled', () => {
    install.hidden = true;
    offer = null;
  });

  if (!('serviceWorker' in navigator)) return;
  const sw = navigator.serviceWorker;
  let waiting = null;
  let reloading = false;

  function offerUpdate(worker) {
    waiting = worker;
    update.hidden = false;
  }
  update.querySelector('button').addEventListener('click', () => {
    if (!waiting) return;
    reloading = true;
    waiting.postMessage({ type: 'skip-waiting' });
  });
  // The first worker also takes control (clients.claim) without a reload;
  // only a takeover the user asked for reloads the page.
  sw.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
  });

  sw.register('/sw.js', { scope: '/' }).then((registration) => {
    // A worker already waiting from an earlier visit, or one that finishes
    // installing while this page is open; with no controller yet it is the
    // first install, not an update.
    function watch(worker) {
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed' && sw.controller) offerUpdate(worker);
      });
    }
    if (registration.waiting && sw.controller) offerUpdate(registration.waiting);
    // The browser's own check on navigation may have found it before this ran.
    watch(registration.installing);
    registration.addEventListener('updatefound', () => watch(registration.installing));
  }, (error) => console.warn('Hearth works without offline support here:', error));
})();
