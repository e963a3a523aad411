// History as a user meets it (issue 3): from a card to its device page, range
// buttons, wheel zoom, the tooltip under the pointer, and the CSV download of
// what is in view. The hub starts with two days of backfilled history.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, eventually, launchBrowser } from './support.js';

const DEVICE = 'living-room-thermometer';
const HOUR = 3_600_000;

/** The window the chart has settled on, read from its CSV link. */
async function settledRange(page) {
  const href = await page.locator('a.csv').getAttribute('href');
  const params = new URL(href, 'http://hub/').searchParams;
  const from = Date.parse(params.get('from'));
  const to = Date.parse(params.get('to'));
  return { from, to, span: to - from };
}

/**
 * Resolves once the hub has answered a `/api/history` request for `device`
 * whose window is `span` ms long (any span when `span` is left out), so a
 * test waits for the data it asked for rather than an earlier request.
 */
function historyAnswer(page, { device = DEVICE, span } = {}) {
  return page.waitForResponse(
    (response) => {
      const url = new URL(response.url());
      if (url.pathname !== '/api/history' || url.searchParams.get('device') !== device) return false;
      const window = Date.parse(url.searchParams.get('to')) - Date.parse(url.searchParams.get('from'));
      return span === undefined || window === span;
    },
    { timeout: 15_000 },
  );
}

describe('history chart against a hub with backfilled history', () => {
  let hub;
  let browser;
  let page;
  const pageErrors = [];

  before(async () => {
    hub = await Hub.start(['--backfill', '2']);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(hub.url);
    await page.waitForSelector('[role="status"].connection[data-state="connected"]', { timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('a card has a sparkline and its name opens the device page; back returns', async () => {
    const card = page.locator(`article.card[data-device="${DEVICE}"]`);
    await card.locator('svg.sparkline path[d^="M"]').waitFor({ timeout: 15_000 });
    await card.locator('h3 a').click();
    await page.waitForURL(`**/devices/${DEVICE}`);
    assert.equal((await page.locator('h1.device-title').textContent()).trim(), 'Living room thermometer');
    await page.goBack();
    await page.waitForURL(hub.url);
    const answered = historyAnswer(page, { span: 24 * HOUR });
    await card.locator('h3 a').click();
    await page.waitForURL(`**/devices/${DEVICE}`);
    await answered;
    await eventually(
      () => page.locator('.chart-summary').textContent(),
      (text) => /min -?\d+\.\d °C, max -?\d+\.\d °C, mean -?\d+\.\d °C/.test(text),
      { what: 'the summary of the last day' },
    );
  });

  test('range buttons fetch and show their range', async () => {
    for (const [label, span] of [['1h', HOUR], ['7d', 7 * 24 * HOUR], ['24h', 24 * HOUR]]) {
      const answered = historyAnswer(page, { span });
      await page.getByRole('button', { name: label, exact: true }).click();
      assert.equal((await answered).status(), 200, `${label} asks the hub for its span`);
      await eventually(
        () => page.getByRole('button', { name: label, exact: true }).getAttribute('aria-pressed'),
        (pressed) => pressed === 'true',
        { what: `${label} to show as pressed` },
      );
      assert.equal((await settledRange(page)).span, span);
    }
  });

  test('the wheel zooms in around the pointer', async () => {
    const before = await settledRange(page);
    const canvas = page.locator('.chart canvas');
    const box = await canvas.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    const after = await eventually(() => settledRange(page), (r) => r.span < before.span, {
      what: 'the view to narrow',
    });
    assert.ok(after.from > before.from && after.to < before.to, 'zoomed in on the middle');
    assert.equal(await page.getByRole('button', { name: '24h', exact: true }).getAttribute('aria-pressed'), 'false');
  });

  test('shift+drag zooms into the span selected, and a two-finger pinch zooms', async () => {
    const answered = historyAnswer(page, { span: 24 * HOUR });
    await page.getByRole('button', { name: '24h', exact: true }).click();
    await answered;
    const day = await settledRange(page);
    const box = await page.locator('.chart canvas').boundingBox();
    const y = box.y + box.height / 2;
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const selected = await eventually(() => settledRange(page), (r) => r.span < day.span / 2, {
      what: 'the view to become the selected span',
    });
    assert.ok(selected.from > day.from && selected.to < day.to, 'inside the day');

    // Two pointers moving apart to twice their distance halve the span.
    await page.locator('.chart canvas').evaluate((canvas) => {
      const rect = canvas.getBoundingClientRect();
      const at = (fraction) => rect.left + rect.width * fraction;
      const y = rect.top + rect.height / 2;
      const send = (type, pointerId, fraction) => canvas.dispatchEvent(new PointerEvent(type, {
        pointerId, pointerType: 'touch', isPrimary: pointerId === 1, clientX: at(fraction), clientY: y, bubbles: true,
      }));
      send('pointerdown', 1, 0.45);
      send('pointerdown', 2, 0.55);
      send('pointermove', 1, 0.40);
      send('pointermove', 2, 0.60);
      send('pointerup', 1, 0.40);
      send('pointerup', 2, 0.60);
    });
    const pinched = await eventually(() => settledRange(page), (r) => r.span < selected.span * 0.6, {
      what: 'the pinch to zoom in',
    });
    assert.ok(pinched.span > selected.span * 0.4, `about half the span: ${pinched.span} of ${selected.span}`);
  });

  test('hovering the chart shows the time and value under the pointer', async () => {
    const answered = historyAnswer(page, { span: 24 * HOUR });
    await page.getByRole('button', { name: '24h', exact: true }).click();
    await answered;
    const canvas = page.locator('.chart canvas');
    const box = await canvas.boundingBox();
    const tooltip = page.locator('.chart-tooltip');
    const text = await eventually(
      async () => {
        await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
        await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
        return (await tooltip.count()) ? tooltip.textContent() : '';
      },
      (t) => /Living room thermometer: -?\d+\.\d °C/.test(t) && /min .* max /.test(t),
      { what: 'a tooltip with a temperature and the bucket\'s min and max' },
    );
    assert.match(text, /^\w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2}/, 'it starts with the time');
    assert.match(text, /min -?\d+\.\d °C · max -?\d+\.\d °C/, 'a day of minute rollups shows min and max');
    await page.mouse.move(0, 0);
    await tooltip.waitFor({ state: 'detached' });
  });

  test('Download CSV gives the rows of the range in view', async () => {
    const href = await page.locator('a.csv').getAttribute('href');
    const response = await hub.fetch(href);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/csv/);
    const lines = (await response.text()).trim().split('\n');
    assert.match(lines[0], /^time,device,metric,/);
    assert.ok(lines.length > 100, `a day of history has many rows, got ${lines.length}`);
    assert.match(lines[1], new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[^,]+,${DEVICE},temperature,`));
  });

  test('while the view ends now, live readings slide it along; panned back, it stays', async () => {
    const answered = historyAnswer(page, { span: HOUR });
    await page.getByRole('button', { name: '1h', exact: true }).click();
    await answered;
    const canvas = page.locator('.chart canvas');
    const drawnTo = async () => Number(await canvas.getAttribute('data-to'));
    const first = await drawnTo();
    await eventually(drawnTo, (to) => to > first + 1_000, { what: 'the drawn window to follow the clock' });
    await canvas.focus();
    await page.keyboard.press('ArrowLeft');
    const held = await eventually(drawnTo, (to) => to < first, { what: 'the pan' });
    // Two more readings of this sensor reach the hub (and so the page).
    const readingAt = async () =>
      (await hub.devices()).find((d) => d.device.id === DEVICE)?.readings?.find((r) => r.metric === 'temperature')?.at;
    const seen = [await readingAt()];
    await eventually(readingAt, (at) => {
      if (at !== seen.at(-1)) seen.push(at);
      return seen.length >= 3;
    }, { what: 'two new readings' });
    assert.equal(await drawnTo(), held, 'a view in the past does not move');
  });

  test('arrow keys pan the focused chart and the summary follows °F', async () => {
    const before = await settledRange(page);
    await page.locator('.chart canvas').focus();
    await page.keyboard.press('ArrowLeft');
    const after = await eventually(() => settledRange(page), (r) => r.to < before.to, { what: 'the view to pan back' });
    assert.equal(after.span, before.span, 'panning keeps the span');
    await page.getByRole('button', { name: '°F', exact: true }).click();
    await eventually(
      () => page.locator('.chart-summary').textContent(),
      (text) => /min -?\d+\.\d °F, max -?\d+\.\d °F, mean -?\d+\.\d °F/.test(text),
      { what: 'the summary in °F' },
    );
    await page.getByRole('button', { name: '°C', exact: true }).click();
  });

  test('a second series can be shown from the legend', async () => {
    const answered = historyAnswer(page, { device: 'outdoor-thermometer' });
    await page.getByRole('checkbox', { name: 'Outdoor thermometer' }).check();
    assert.equal((await answered).status(), 200, 'the outdoor series is fetched');
    await eventually(
      () => page.locator('.chart-summary').textContent(),
      (text) => /Outdoor thermometer: min -?\d+\.\d °C/.test(text),
      { what: 'the outdoor series in the summary' },
    );
  });

  test('on a high-density screen the canvas has a pixel per device pixel, also after a resize', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 800 }, deviceScaleFactor: 2 });
    const dense = await context.newPage();
    await dense.goto(new URL(`devices/${DEVICE}`, hub.url).href);
    const sizes = () => dense.locator('.chart canvas').evaluate((c) => [c.width, c.height, c.clientWidth, c.clientHeight]);
    const crisp = ([w, h, cw, ch]) => cw > 0 && w === 2 * cw && h === 2 * ch;
    await eventually(sizes, crisp, { what: 'a 2× backing store' });
    await dense.setViewportSize({ width: 700, height: 800 });
    const [, , narrower] = await eventually(sizes, (s) => crisp(s) && s[2] < 700, { what: 'a 2× backing store after the resize' });
    assert.ok(narrower < 700);
    await context.close();
  });

  test('the chart follows its box when the page around it changes, without a window resize', async () => {
    const canvas = page.locator('.chart canvas');
    const sizes = () => canvas.evaluate((c) => [c.width, c.clientWidth]);
    const [before, shown] = await sizes();
    assert.equal(before, shown, 'a pixel per CSS pixel at density 1');
    await page.locator('.chart-area').evaluate((area) => { area.style.width = '420px'; });
    const [narrow] = await eventually(sizes, ([w, cw]) => cw === 420 && w === 420, {
      what: 'the canvas redrawn at its new width',
    });
    assert.equal(narrow, 420);
    await page.locator('.chart-area').evaluate((area) => { area.style.width = ''; });
    await eventually(sizes, ([w, cw]) => w === cw && cw === shown, { what: 'the canvas back at full width' });
  });

  test('no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
