// A rule's replay as a user follows it onto the history chart (issue 5): the
// hub starts with two days of backfilled history, a rule on the living room's
// temperature is replayed over those days, and "Show on …’s chart" opens the
// device page on the same two days with every replayed firing marked on the
// canvas and listed in words; the marks survive a reload, and a mangled mark
// in the address is ignored with a console warning.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, eventually, launchBrowser } from './support.js';

const DEVICE = 'living-room-thermometer';
const DAY = 86_400_000;

describe('replayed firings marked on the history chart', () => {
  let hub;
  let browser;
  let page;
  const pageErrors = [];
  const warnings = [];
  const canvas = () => page.locator('.chart canvas');
  const marked = () => page.getByRole('region', { name: 'Marked on the chart' });
  const chartNumber = async (name) => Number(await canvas().getAttribute(`data-${name}`));

  before(async () => {
    hub = await Hub.start(['--backfill', '2']);
    // The backfilled temperature settles and wanders about its median, so a
    // threshold there (re-armed 0.1 ° below it) is crossed upwards now and then.
    const from = new Date(Date.now() - 2 * DAY).toISOString();
    const { line } = await hub.getJson(`api/history?device=${DEVICE}&metric=temperature&from=${from}`);
    const values = line.map((p) => p.v).sort((a, b) => a - b);
    const threshold = values[values.length >> 1];
    const response = await hub.fetch('api/rules', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'living-room-warm',
        name: 'Living room warm',
        enabled: false,
        triggers: [{ type: 'numeric', device: DEVICE, metric: 'temperature', crossing: 'above', threshold, hysteresis: 0.1 }],
        actions: [{ type: 'notify', message: 'The living room is warm' }],
      }),
    });
    assert.ok(response.ok, `POST api/rules: ${response.status} ${await response.text()}`);

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    await page.goto(new URL('automations', hub.url).href);
    await page.waitForSelector('[role="status"].connection[data-state="connected"]', { timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('the replay’s link opens the trigger device’s chart on the replayed days, marked', async () => {
    const row = page.locator('li.rule', { has: page.locator('.rule-name', { hasText: /^Living room warm$/ }) });
    await row.getByRole('button', { name: 'Replay', exact: true }).click();
    const replay = row.getByRole('group', { name: 'Replay' });
    await replay.getByLabel('Replay over the last (days)').fill('2');
    await replay.getByLabel('Replay over the last (days)').press('Tab');
    const asked = Date.now();
    await replay.getByRole('button', { name: 'Replay', exact: true }).click();
    const items = replay.locator('ol.replayed li');
    await items.first().waitFor({ timeout: 15_000 });
    const replayed = await items.evaluateAll((list) =>
      list.map((li) => ({ at: Date.parse(li.dataset.at), text: li.textContent })),
    );
    assert.ok(replayed.length >= 2, `the rule fires more than once: ${JSON.stringify(replayed)}`);

    const link = replay.getByRole('link', { name: /^Show on .+’s chart$/ });
    assert.equal(await link.count(), 1, 'one link, to the trigger’s device');
    await link.click();
    await page.waitForURL((url) => url.pathname === `/devices/${DEVICE}`);

    // Every firing is drawn: the canvas counts the marks it drew.
    await eventually(() => chartNumber('marks'), (n) => n === replayed.length, { what: 'marks drawn' });
    // The view is the replayed two days (it slides with the clock from then on).
    // Both ends are read at once: read one at a time, a slide of the live
    // tail between the two reads showed up as a wider view.
    const [from, to] = await canvas().evaluate((c) => [Number(c.dataset.from), Number(c.dataset.to)]);
    assert.equal(to - from, 2 * DAY, 'the chart shows the replayed days');
    assert.ok(Math.abs(from - (asked - 2 * DAY)) < 60_000, `the view starts where the replay did: ${from} vs ${asked}`);

    // Screen readers get the same moments, in the same words as the replay list.
    await marked().getByText(`${replayed.length} replayed firings`).waitFor();
    const listed = await marked().locator('li').evaluateAll((list) =>
      list.map((li) => ({ at: Number(li.dataset.at), text: li.textContent })),
    );
    assert.deepEqual(listed.map((m) => m.at), replayed.map((m) => m.at));
    for (const [i, mark] of listed.entries()) {
      assert.ok(replayed[i].text.startsWith(`${mark.text}:`), `${mark.text} vs ${replayed[i].text}`);
    }

    // The address carries it all, so a reload (or a shared link) shows the same.
    await page.reload();
    await eventually(() => chartNumber('marks'), (n) => n === replayed.length, { what: 'marks after a reload' });
    assert.equal(await marked().locator('li').count(), replayed.length);
    assert.deepEqual(pageErrors, []);
  });

  test('a mangled mark in the address is ignored with a warning; the rest still show', async () => {
    const at = Date.now() - 3_600_000;
    warnings.length = 0;
    await page.goto(new URL(`devices/${DEVICE}?marks=soon,${at}`, hub.url).href);
    await eventually(() => chartNumber('marks').catch(() => NaN), (n) => n === 1, { what: 'the one good mark' });
    assert.equal(await marked().locator('li').count(), 1);
    await marked().getByText('1 replayed firing', { exact: true }).waitFor();
    assert.ok(warnings.some((w) => w.includes('“soon”')), `a warning names the bad mark: ${JSON.stringify(warnings)}`);
    assert.deepEqual(pageErrors, []);
  });
});
