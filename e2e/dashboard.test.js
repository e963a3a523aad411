// The walking skeleton as a user meets it: live temperatures, a light that
// switches, and a dashboard that rides out a hub crash without a reload.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, eventually, launchBrowser, temperatures } from './support.js';

const indicator = '[role="status"].connection';

function changedFrom(before) {
  return (now) => Object.entries(now).some(([id, text]) => before[id] !== undefined && before[id] !== text);
}

describe('dashboard against a live hub', () => {
  let hub;
  let browser;
  let page;
  const pageErrors = [];

  before(async () => {
    hub = await Hub.start(['--sim-speed', '120']);
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(hub.url);
    await page.waitForSelector(`${indicator}[data-state="connected"]`, { timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('shows the simulated house, room by room, with units', async () => {
    const devices = await hub.devices();
    for (const { device } of devices) {
      const card = page.locator(`article.card[data-device="${device.id}"]`);
      await card.waitFor();
      assert.match(await card.textContent(), new RegExp(device.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    }
    const temps = await eventually(() => temperatures(page), (t) => Object.keys(t).length >= 5, {
      what: 'temperatures of the five temperature sensors',
    });
    for (const [id, text] of Object.entries(temps)) {
      assert.match(text, /^-?\d+\.\d °[CF]$/, `temperature of ${id} reads "${text}"`);
    }
  });

  test('a temperature changes on screen within a few seconds', async () => {
    const first = await temperatures(page);
    await eventually(() => temperatures(page), changedFrom(first), {
      timeoutMs: 10_000,
      what: 'any temperature on screen to change',
    });
  });

  test('clicking a light toggles it and the hub confirms', async () => {
    const toggle = page.locator('article.card[data-device="porch-light"] button[role="switch"]');
    const wasOn = (await toggle.getAttribute('aria-checked')) === 'true';
    await toggle.click();
    await eventually(
      async () => ({
        checked: await toggle.getAttribute('aria-checked'),
        pending: await toggle.getAttribute('data-pending'),
      }),
      (s) => s.checked === String(!wasOn) && s.pending !== 'true',
      { what: 'the porch light switch to show the confirmed new state' },
    );
    const porch = (await hub.devices()).find((d) => d.device.id === 'porch-light');
    assert.equal(porch.state.on, !wasOn, 'the hub holds the state the dashboard shows');
    assert.equal(await page.locator('article.card[data-device="porch-light"] [role="alert"]').count(), 0);
  });

  test('a killed hub shows "reconnecting", then live data returns without a reload', async () => {
    await page.evaluate(() => { window.__sameDocument = true; });
    await hub.kill();
    await page.waitForSelector(`${indicator}[data-state="reconnecting"]`, { timeout: 10_000 });
    assert.match(await page.locator(indicator).textContent(), /Reconnecting/);

    await hub.spawn();
    await page.waitForSelector(`${indicator}[data-state="connected"]`, { timeout: 30_000 });
    const resumed = await temperatures(page);
    await eventually(() => temperatures(page), changedFrom(resumed), {
      timeoutMs: 10_000,
      what: 'live temperatures after the hub came back',
    });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
  });

  test('no uncaught errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
