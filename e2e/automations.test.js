// Rules as the open dashboard meets them: a rule's notify action shows up as a
// notification without a reload, in a live region a screen reader announces,
// and can be dismissed; changes made to rules over REST reach every open
// browser as `rule_changed` and `rule_removed` frames on the WebSocket.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, eventually, launchBrowser } from './support.js';

const KETTLE = {
  id: 'kettle',
  name: 'Kettle reminder',
  triggers: [{ type: 'time', at: '07:00' }],
  actions: [{ type: 'notify', message: 'Put the kettle on', level: 'warning' }],
};

describe('rules pushed to the dashboard', () => {
  let hub;
  let browser;
  let page;
  const pageErrors = [];
  const api = async (method, path, body) => {
    const response = await hub.fetch(path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return response.status === 204 ? null : response.json();
  };

  before(async () => {
    hub = await Hub.start();
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(hub.url);
    await page.waitForSelector('[role="status"].connection[data-state="connected"]', { timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('a notify action appears without a reload, announced, and can be dismissed', async () => {
    // The live region is in the page before anything is announced in it.
    const region = page.locator('section.notifications[role="status"][aria-live="polite"]');
    await region.waitFor({ state: 'attached' });
    assert.equal(await region.locator('.notification').count(), 0);

    await api('POST', 'api/rules', KETTLE);
    const trace = await api('POST', 'api/rules/kettle/run');
    assert.equal(trace.outcomes[0].result.result, 'notified');

    const note = region.locator('.notification', { hasText: 'Put the kettle on' });
    await note.waitFor({ timeout: 10_000 });
    assert.match(await note.textContent(), /Kettle reminder/);
    assert.equal(await note.getAttribute('data-level'), 'warning');
    assert.match(await note.locator('.notification-age').textContent(), /^(just now|\d+ s ago)$/);

    await note.getByRole('button', { name: 'Dismiss' }).click();
    await note.waitFor({ state: 'detached' });
    await api('DELETE', 'api/rules/kettle');
    assert.deepEqual(pageErrors, []);
  });

  test('rule changes made over REST are pushed to an open WebSocket', async () => {
    const raw = await browser.newPage();
    await raw.goto(new URL('api/health', hub.url).href);
    const wsUrl = hub.url.replace(/^http/, 'ws') + 'api/ws';
    await raw.evaluate((url) => new Promise((resolve, reject) => {
      window.frames_ = [];
      const socket = new WebSocket(url);
      socket.onmessage = (event) => window.frames_.push(JSON.parse(event.data));
      socket.onopen = resolve;
      socket.onerror = reject;
    }), wsUrl);
    const pushed = () => raw.evaluate(() => window.frames_
      .filter((frame) => frame.type.startsWith('rule_'))
      .map((frame) => frame.type === 'rule_removed'
        ? ['rule_removed', frame.id]
        : [frame.type, frame.id, frame.rule.rule.name, frame.rule.rule.enabled]));

    await api('POST', 'api/rules', KETTLE);
    await api('PUT', 'api/rules/kettle', { ...KETTLE, name: 'Tea time' });
    await api('POST', 'api/rules/kettle/disable');
    await api('DELETE', 'api/rules/kettle');
    const want = [
      ['rule_changed', 'kettle', 'Kettle reminder', true],
      ['rule_changed', 'kettle', 'Tea time', true],
      ['rule_changed', 'kettle', 'Tea time', false],
      ['rule_removed', 'kettle'],
    ];
    const got = await eventually(pushed, (frames) => frames.length >= want.length, {
      what: 'the four rule frames',
    });
    assert.deepEqual(got, want);
    await raw.close();
  });
});
