// The dashboard as an installed app: Chromium finds it installable, it opens
// without the hub and shows the last-known values, and a new build's worker
// waits until the user takes the "New version available" prompt. Each run
// serves its own copy of dist/, since the update test edits it.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, DIST, Hub, eventually } from './support.js';

const indicator = '[role="status"].connection';
const BUILD_LINE = /const BUILD = '([0-9a-f]+)';/;
const porchSwitch = 'article.card[data-device="porch-light"] button[role="switch"]';

/** Every temperature on screen, keyed by device id. */
function temperatures(page) {
  return page.$$eval('article.card[data-device]', (cards) =>
    Object.fromEntries(
      cards
        .map((card) => [card.dataset.device, card.querySelector('[data-metric="temperature"]')?.textContent?.trim()])
        .filter(([, text]) => text),
    ),
  );
}

describe('installable PWA', () => {
  let hub;
  let dist;
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
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(hub.url);
    await page.waitForSelector(`${indicator}[data-state="connected"]`, { timeout: 20_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
  });

  after(async () => {
    await context?.close();
    await hub?.dispose();
    for (const dir of [dist, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
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

  test('without the hub it opens from the cache with last-known values, then resumes live', async () => {
    await eventually(
      () => page.evaluate(() => localStorage.getItem('hearth.last_snapshot') !== null),
      Boolean,
      { what: 'a snapshot kept for offline use' },
    );
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
    await page.waitForSelector(
      `${indicator}[data-state="offline"], ${indicator}[data-state="reconnecting"]`,
      { timeout: 15_000 },
    );
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

  test('a new build waits for the user, and Reload switches to it', async () => {
    const workerPath = join(dist, 'sw.js');
    const worker = readFileSync(workerPath, 'utf8');
    const oldBuild = worker.match(BUILD_LINE)[1];
    const newBuild = [...oldBuild].reverse().join('') === oldBuild ? `${oldBuild}0` : [...oldBuild].reverse().join('');
    writeFileSync(workerPath, worker.replace(BUILD_LINE, `const BUILD = '${newBuild}';`));

    const prompt = page.locator('#pwa-update');
    assert.equal(await prompt.isVisible(), false, 'no prompt before a new build exists');
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await prompt.waitFor({ state: 'visible', timeout: 15_000 });
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
      { what: 'the new build\'s cache to replace the old one' },
    );
    assert.ok(keys.includes(`hearth-shell-${newBuild}`));
    assert.equal(await prompt.isVisible(), false, 'no prompt under the new worker');
    assert.deepEqual(pageErrors, []);
  });
});
