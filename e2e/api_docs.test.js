// The API docs page as a developer finds it: a link on the dashboard to a page
// that lists every route of the hub's OpenAPI document, served by the hub
// itself (no outside scripts, so it works offline).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Hub, launchBrowser } from './support.js';

let hub;
let browser;

before(async () => {
  hub = await Hub.start(['--no-simulator']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hub?.stop();
});

test('the dashboard links to a page listing every route of the OpenAPI document', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(hub.url);
  await page.click('a[href="/api/docs"]');
  await page.waitForSelector('#routes tr');
  const document = await (await hub.fetch('api/openapi.json')).json();
  const operations = Object.values(document.paths).flatMap((item) =>
    ['get', 'post', 'put', 'delete', 'patch'].filter((method) => item[method]),
  );
  const rows = await page.$$eval('#routes tr', (trs) =>
    trs.map((tr) => `${tr.cells[0].textContent} ${tr.cells[1].textContent}`),
  );
  assert.equal(rows.length, operations.length);
  for (const route of ['post /api/ingest', 'get /api/devices/ws', 'get /api/openapi.json']) {
    assert.ok(rows.includes(route), `${route} in ${rows.join(', ')}`);
  }
  assert.deepEqual(errors, []);
});
