// The dashboard as an installed app: Chromium finds it installable, it offers
// an Install button, it opens without the hub (at any path) and shows the
// last-known values kept in the Cache API, its API cache stays bounded, and a
// second build's worker waits until the user takes the "New version
// available" prompt. Each run serves its own copy of dist/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, DIST, Hub, eventually, launchBrowser, signIn, temperatures } from './support.js';

const indicator = '[role="status"].connection';
const down = `${indicator}[data-state="offline"], ${indicator}[data-state="reconnecting"]`;
const BUILD_LINE = /const BUILD = '([0-9a-f]+)';/;
const API_ENTRIES_LINE = /const API_ENTRIES = (\d+);/;
const SW_TEMPLATE = new URL('../public/sw.js', import.meta.url).pathname;
const PRECACHE = new URL('../tools/pwa/precache.mjs', import.meta.url).pathname;
const SECOND_BUILD_MARK = '<meta name="hearth-e2e" content="second build">';
const porchSwitch = 'article.card[data-device="porch-light"] button[role="switch"]';

/** The snapshot text pwa.js keeps in the Cache API, or null. */
function keptSnapshot(page) {
  return page.evaluate(async () => (await (await caches.open('hearth-kept')).match('/snapshot'))?.text() ?? null);
}

/**
 * A second build of the dashboard in a new folder: `dist` copied with its
 * index.html really changed, and trunk's post_build step (the precache hook,
 * over the worker template, as trunk stages it) run again, so the worker gets
 * a new shell list and build id. A whole trunk build would take minutes here.
 */
function buildAgain(dist) {
  const next = mkdtempSync(join(tmpdir(), 'hearth-pwa-dist2-'));
  cpSync(dist, next, { recursive: true });
  const index = join(next, 'index.html');
  writeFileSync(index, readFileSync(index, 'utf8').replace('</head>', `${SECOND_BUILD_MARK}</head>`));
  cpSync(SW_TEMPLATE, join(next, 'sw.js'));
  execFileSync('node', [PRECACHE], { env: { ...process.env, TRUNK_STAGING_DIR: next }, stdio: 'pipe' });
  return next;
}

describe('last-known state kept by an earlier version', () => {
  let hub;
  let browser;

  before(async () => {
    hub = await Hub.start(['--sim-speed', '120']);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('a snapshot in localStorage moves to the Cache API once and is shown', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // A real snapshot frame, stored where the previous version kept it.
    await page.goto(new URL('favicon.svg', hub.url).href);
    const frame = await page.evaluate(
      (url) =>
        new Promise((resolve, reject) => {
          const socket = new WebSocket(url);
          socket.onmessage = (event) => {
            if (JSON.parse(event.data).type !== 'snapshot') return;
            socket.close();
            resolve(event.data);
          };
          socket.onerror = () => reject(new Error(`no WebSocket at ${url}`));
        }),
      new URL('api/ws', hub.url).href.replace(/^http/, 'ws'),
    );
    await page.evaluate((text) => localStorage.setItem('hearth.last_snapshot', text), frame);

    // The hub serves the page but the dashboard cannot reach its WebSocket,
    // so every card on screen comes from the kept snapshot.
    await context.routeWebSocket(/\/api\/ws$/, (socket) => socket.close());
    await page.goto(hub.url);
    await page.waitForSelector(down, { timeout: 15_000 });
    const shown = await eventually(
      () => page.$$eval('article.card[data-device]', (cards) => cards.map((card) => card.dataset.device).sort()),
      (ids) => ids.length > 0,
      { what: 'cards from the kept snapshot' },
    );
    assert.deepEqual(shown, JSON.parse(frame).devices.map((entry) => entry.device.id).sort());
    await page.locator('#pwa-offline').waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await page.evaluate(() => localStorage.getItem('hearth.last_snapshot')), null, 'moved out');
    assert.ok((await keptSnapshot(page)) === frame, 'moved into the Cache API');
    await context.close();
  });
});

describe('installable PWA', () => {
  let hub;
  let dist;
  let secondDist;
  let profile;
  let context;
  let page;
  const pageErrors = [];

  before(async () => {
    dist = mkdtempSync(join(tmpdir(), 'hearth-pwa-dist-'));
    cpSync(DIST, dist, { recursive: true });
    hub = await Hub.start(['--sim-speed', '120'], { dist });
    // Installability needs a real profile: an incognito context reports `in-incognito`.
    profile = mkdtempSync(join(tmpdir(), 'hearth-pwa-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    await signIn(context);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(hub.url);
    await page.waitForSelector(`${indicator}[data-state="connected"]`, { timeout: 20_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
  });

  after(async () => {
    await context?.close();
    await hub?.dispose();
    for (const dir of [dist, secondDist, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Chromium reports no installability errors', async () => {
    const cdp = await context.newCDPSession(page);
    // The check runs asynchronously after the worker takes control.
    const errors = await eventually(
      async () => (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors,
      (errors) => errors.length === 0,
      { timeoutMs: 5_000, intervalMs: 250, what: 'an installable page' },
    );
    assert.deepEqual(errors, []);
    const manifest = await (await fetch(new URL('manifest.webmanifest', hub.url))).json();
    assert.equal(manifest.display, 'standalone');
  });

  test('the worker precaches this build\'s shell', async () => {
    const worker = readFileSync(join(dist, 'sw.js'), 'utf8');
    const build = worker.match(BUILD_LINE)?.[1];
    assert.ok(build, 'sw.js carries a build id');
    const cached = await page.evaluate(async (name) => {
      const cache = await caches.open(name);
      return (await cache.keys()).map((request) => new URL(request.url).pathname);
    }, `hearth-shell-${build}`);
    assert.ok(cached.includes('/index.html'), `index.html in ${cached}`);
    assert.ok(cached.some((path) => /_bg\.wasm$/.test(path)), `the wasm in ${cached}`);
    assert.ok(cached.includes('/manifest.webmanifest'), `the manifest in ${cached}`);
  });

  test('the Install button asks the browser\'s prompt and goes once installed', async () => {
    // Whether headless Chromium offers installation itself varies (this one
    // does, once the page is installable), and its prompt cannot be answered
    // here: the test offers it with a prompt() it can observe.
    const offer = () =>
      page.evaluate(() => {
        const event = new Event('beforeinstallprompt', { cancelable: true });
        event.prompt = () => {
          window.hearthPrompts = (window.hearthPrompts ?? 0) + 1;
        };
        event.userChoice = Promise.resolve({ outcome: 'accepted', platform: 'web' });
        dispatchEvent(event);
        return event.defaultPrevented;
      });
    const install = page.getByRole('button', { name: 'Install Hearth' });
    assert.equal(await offer(), true, 'the browser\'s own mini-bar is held back');
    await install.waitFor({ state: 'visible', timeout: 5_000 });
    await install.click();
    assert.equal(await page.evaluate(() => window.hearthPrompts), 1, 'the click opens the browser\'s prompt');
    await install.waitFor({ state: 'hidden', timeout: 5_000 });

    await offer();
    await install.waitFor({ state: 'visible', timeout: 5_000 });
    await page.evaluate(() => dispatchEvent(new Event('appinstalled')));
    await install.waitFor({ state: 'hidden', timeout: 5_000 });
    assert.equal(await page.evaluate(() => window.hearthPrompts), 1);
  });

  test('the API cache keeps only the newest answers', async () => {
    const limit = Number(readFileSync(join(dist, 'sw.js'), 'utf8').match(API_ENTRIES_LINE)?.[1]);
    assert.ok(limit > 0, 'sw.js states its API_ENTRIES');
    const paths = Array.from({ length: limit + 10 }, (_, i) => `/api/health?e2e=${i}`);
    // A CSV export just before the last answer, so it would be among the
    // newest: it can be tens of MB and must never be kept.
    const csv = '/api/export.csv?device=outdoor-thermometer&metric=temperature&from=2020-01-01T00:00:00Z';
    await page.evaluate(async (paths) => {
      for (const path of paths) await (await fetch(path)).text();
    }, [...paths.slice(0, -1), csv, paths.at(-1)]);
    const kept = await eventually(
      () =>
        page.evaluate(async () =>
          (await (await caches.open('hearth-api')).keys()).map((request) => {
            const url = new URL(request.url);
            return url.pathname + url.search;
          }),
        ),
      (keys) => keys.length <= limit && keys.includes(paths.at(-1)),
      { what: `at most ${limit} API answers, the newest among them` },
    );
    assert.equal(kept.length, limit);
    assert.ok(!kept.includes(paths[0]), 'the oldest answer is gone');
    assert.ok(!kept.some((key) => key.startsWith('/api/export.csv')), 'no CSV export is kept');
  });

  test('without the hub it opens from the cache with last-known values, then resumes live', async () => {
    await eventually(() => keptSnapshot(page), Boolean, { what: 'a snapshot kept for offline use' });
    const live = await eventually(() => temperatures(page), (t) => Object.keys(t).length >= 5, {
      what: 'five live temperatures',
    });
    const banner = page.locator('#pwa-offline');
    assert.equal(await banner.isVisible(), false, 'no offline banner while connected');

    // Both: setOffline alone does not reliably close an open WebSocket.
    await context.setOffline(true);
    await hub.kill();
    await page.reload();
    // Offline or reconnecting, depending on whether the page saw the browser
    // go offline before the hub's refusal: either way the hub is out of reach.
    await page.waitForSelector(down, { timeout: 15_000 });
    const stale = await eventually(() => temperatures(page), (t) => Object.keys(t).length >= 5, {
      what: 'last-known temperatures after an offline reload',
    });
    assert.deepEqual(Object.keys(stale).sort(), Object.keys(live).sort());
    for (const [id, text] of Object.entries(stale)) {
      assert.match(text, /^-?\d+\.\d °[CF]$/, `last-known temperature of ${id} reads "${text}"`);
    }
    await banner.waitFor({ state: 'visible', timeout: 5_000 });
    assert.match(
      await banner.textContent(),
      /Offline — showing last-known values from \d\d:\d\d\. Controls are off until the hub is back\./,
    );
    assert.equal(await page.getAttribute('main.home', 'data-stale'), 'true');
    assert.ok(await page.locator(porchSwitch).isDisabled(), 'the porch light switch is disabled offline');
    const lastSeen = await page.$eval('.last-seen:not(:empty)', (el) => getComputedStyle(el, '::before').content);
    assert.equal(lastSeen, '"Last known · "');
    assert.match(await page.textContent('.last-seen:not(:empty)'), /^Seen (just now|\d+ (s|min|h|d) ago)$/, 'each card says how old');

    // A deep link (the app routes on the client) opens offline too: the
    // worker answers every in-scope navigation with the cached shell.
    const deep = await page.goto(new URL('devices/porch-light', hub.url).href);
    assert.ok(deep.fromServiceWorker(), 'the worker answered the deep link');
    await page.waitForSelector(down, { timeout: 15_000 });
    assert.equal(new URL(page.url()).pathname, '/devices/porch-light');
    await banner.waitFor({ state: 'visible', timeout: 5_000 });
    await page.goto(hub.url);
    await page.waitForSelector(down, { timeout: 15_000 });
    await banner.waitFor({ state: 'visible', timeout: 5_000 });

    // Back: the running page reconnects by itself, no reload.
    await page.evaluate(() => { window.hearthBeforeOnline = true; });
    await hub.spawn();
    await context.setOffline(false);
    await page.waitForSelector(`${indicator}[data-state="connected"]`, { timeout: 20_000 });
    await banner.waitFor({ state: 'hidden', timeout: 5_000 });
    assert.ok(await page.locator(porchSwitch).isEnabled(), 'the switch works again');
    assert.equal(await page.getAttribute('main.home', 'data-stale'), null);
    const resumed = await temperatures(page);
    await eventually(() => temperatures(page), (now) => Object.entries(now).some(([id, text]) => resumed[id] !== text), {
      timeoutMs: 10_000,
      what: 'live temperatures to change again',
    });
    assert.equal(await page.evaluate(() => window.hearthBeforeOnline), true, 'no reload on the way back');
  });

  test('a second build waits for the user, and Reload switches to it', async () => {
    const oldBuild = readFileSync(join(dist, 'sw.js'), 'utf8').match(BUILD_LINE)[1];
    secondDist = buildAgain(dist);
    const newBuild = readFileSync(join(secondDist, 'sw.js'), 'utf8').match(BUILD_LINE)?.[1];
    assert.ok(newBuild && newBuild !== oldBuild, `a new build id: ${oldBuild} → ${newBuild}`);

    const prompt = page.locator('#pwa-update');
    assert.equal(await prompt.isVisible(), false, 'no prompt before a new build exists');
    // The hub now serves the second build, as after an upgrade.
    await hub.kill();
    hub.dist = secondDist;
    await hub.spawn();
    // The browser looks for a new worker when the page is opened again.
    await page.reload();
    await prompt.waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(await prompt.textContent(), /New version available/);
    // The new worker waits: the old build's cache still serves this page.
    const waiting = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return { waiting: registration.waiting !== null, keys: await caches.keys() };
    });
    assert.ok(waiting.waiting, 'the new worker is waiting');
    assert.ok(waiting.keys.includes(`hearth-shell-${oldBuild}`), `old cache kept: ${waiting.keys}`);

    await page.evaluate(() => { window.hearthBeforeReload = true; });
    const reloaded = page.waitForEvent('load', { timeout: 15_000 });
    await page.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    assert.equal(await page.evaluate(() => window.hearthBeforeReload), undefined, 'the page reloaded');
    await page.waitForSelector(`${indicator}[data-state="connected"]`, { timeout: 20_000 });
    const keys = await eventually(
      () => page.evaluate(() => caches.keys()),
      (keys) => keys.includes(`hearth-shell-${newBuild}`) && !keys.includes(`hearth-shell-${oldBuild}`),
      { what: 'the second build\'s cache to replace the first\'s' },
    );
    assert.ok(keys.includes(`hearth-shell-${newBuild}`));
    const cachedIndex = await page.evaluate(async (name) => {
      const response = await (await caches.open(name)).match('/index.html');
      return response.text();
    }, `hearth-shell-${newBuild}`);
    assert.ok(cachedIndex.includes(SECOND_BUILD_MARK), 'the second build\'s index.html is the one kept offline');
    assert.ok(
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).waiting === null),
      'nothing left waiting',
    );
    assert.equal(await prompt.isVisible(), false, 'no prompt under the new worker');
    assert.deepEqual(pageErrors, []);
  });
});
