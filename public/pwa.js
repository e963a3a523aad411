// Registers the service worker and runs the two prompts that live outside the
// wasm app (plain JS costs the dashboard's wasm budget nothing): "Install"
// when the browser offers it, and "New version available — Reload" when a new
// build's worker is waiting. See docs/pwa.md.
(() => {
  const update = document.getElementById('pwa-update');
  const install = document.getElementById('pwa-install');

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
