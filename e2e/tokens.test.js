// A token bound to devices, made on the tokens page: the admin ticks a device
// the hub has and types one that has not connected yet, the list says which,
// and the token then sends readings for those alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, launchBrowser } from './support.js';

/** `POST /api/ingest` of `readings` (and declared `devices`) with `token`. */
async function ingest(hub, token, body) {
  const response = await fetch(new URL('api/ingest', hub.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe('tokens bound to devices', () => {
  let hub;
  let browser;

  before(async () => {
    hub = await Hub.start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('a token bound on the page speaks for its devices and is refused for another', async () => {
    const page = await browser.newPage();
    await page.goto(new URL('tokens', hub.url).href);
    await page.fill('#token-name', 'shed-sensor');
    await page.check('.token-devices input[name="device"][value="kitchen-thermometer"]');
    await page.fill('.token-devices input[name="devices"]', 'shed-thermometer');
    await page.click('.token-form button[type="submit"]');
    const secret = (await page.locator('.token-secret-value').textContent()).trim();
    const row = page.locator('table.token-list tbody tr', { hasText: 'shed-sensor' });
    await row.waitFor();
    assert.match(await row.textContent(), /Devices: kitchen-thermometer, shed-thermometer/);

    const faked = await ingest(hub, secret, {
      readings: [{ device: 'living-room-thermometer', metric: 'temperature', value: 35 }],
    });
    assert.equal(faked.status, 403, faked.text);
    assert.match(faked.text, /may not speak for living-room-thermometer/);

    const own = await ingest(hub, secret, {
      devices: [
        {
          id: 'shed-thermometer',
          name: 'Shed',
          room: 'Shed',
          kind: 'thermometer',
          capabilities: [{ type: 'temperature' }],
        },
      ],
      readings: [{ device: 'shed-thermometer', metric: 'temperature', value: 7.5 }],
    });
    assert.equal(own.status, 200, own.text);
    assert.equal(JSON.parse(own.text).accepted, 1);

    await page.close();
  });
});
