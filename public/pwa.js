// Registers the service worker and runs what lives outside the wasm app
// (plain JS costs the dashboard's wasm budget nothing): the offline banner,
// "Install" when the browser offers it, and "New version available — Reload"
// when a new build's worker is waiting. See docs/pwa.md.
(() => {
  const update = document.getElementById('pwa-update');
  const install = document.getElementById('pwa-install');
  const offline = document.getElementById('pwa-offline');
  const since = offline.querySelector('time');

  // While the hub is out of reach (the app's indicator says reconnecting or
  // offline) the cards show last-known values: those of the snapshot the app
  // keeps in localStorage (src/last_known.rs), refreshed each minute while
  // connected. The banner says so, and from when.
  let kept = null;
  let keptAt = null;
  function showStale() {
    const down = document.querySelector(
      '.connection[data-state="reconnecting"], .connection[data-state="offline"]',
    );
    const text = down && document.querySelector('article.card') && localStorage.getItem('hearth.last_snapshot');
    if (text && text !== kept) {
      kept = text;
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
    if (registration.waiting && sw.controller) offerUpdate(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed' && sw.controller) offerUpdate(worker);
      });
    });
  }, (error) => console.warn('Hearth works without offline support here:', error));
})();
