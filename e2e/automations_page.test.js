// The automations page as a user meets it: reach it from the header, add
// "Lights on at dusk" from its template, see when it fires next (the hub's
// dusk + 15 min once the offset is set), switch it off and on from the
// keyboard, run it by hand, copy and delete a rule with a confirmation, list
// its next week's firings (computed in the browser, equal to the hub's), and
// see a rule someone else changes or deletes follow without a reload.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, eventually, launchBrowser } from './support.js';

// The hub's default site is London; the browser shows times in its own zone.
const ZONE = 'Europe/London';
const MINUTE = 60_000;

/** `Thu 26 Nov 2026 14:05` in `ZONE`, as the page writes an instant. */
function pageTime(ms) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: ZONE, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date(ms)).map(({ type, value }) => [type, value]),
  );
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year} ${parts.hour}:${parts.minute}`;
}

describe('automations page against a live hub', () => {
  let hub;
  let browser;
  let page;
  const pageErrors = [];
  const api = async (path, init) => {
    const response = await hub.fetch(path, init);
    assert.ok(response.ok, `${init?.method ?? 'GET'} ${path}: ${response.status}`);
    return response.status === 204 ? null : response.json();
  };
  const rules = () => api('api/rules');
  const row = (name) => page.locator('li.rule', { has: page.locator('.rule-name', { hasText: new RegExp(`^${name}$`) }) });

  before(async () => {
    hub = await Hub.start();
    browser = await launchBrowser();
    const context = await browser.newContext({ timezoneId: ZONE });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(hub.url);
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('the header links to the automations page, which starts empty', async () => {
    await page.getByRole('link', { name: 'Automations' }).click();
    await page.getByRole('heading', { name: 'Automations' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/automations');
    await page.getByText('No rules yet').waitFor();
  });

  test('a template adds its rules, each in plain words', async () => {
    await page.getByRole('button', { name: 'Add “Lights on at dusk”' }).click();
    await row('Lights on at dusk').waitFor();
    await row('Lights off at 23:00').waitFor();
    assert.equal(
      (await row('Lights on at dusk').locator('.rule-summary').textContent()).trim(),
      'At dusk, if between 12:00 and 23:00: turn the porch light on, then turn the living room light on',
    );
    assert.equal(
      (await row('Lights off at 23:00').locator('.rule-summary').textContent()).trim(),
      'At 23:00: turn the porch light off, then turn the living room light off',
    );
    assert.equal((await rules()).length, 2);
  });

  test('with +15 min, the next firing is the hub’s dusk + 15 min', async () => {
    const status = (await rules()).find((s) => s.rule.name === 'Lights on at dusk');
    const { id, ...document } = status.rule;
    document.triggers[0].offset = { minutes: 15 };
    await api(`api/rules/${id}`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(document),
    });
    await page.reload();
    const dusk = row('Lights on at dusk');
    await dusk.waitFor();
    assert.match(await dusk.locator('.rule-summary').textContent(), /^At dusk \+15 min, if/);

    // Today's dusk + 15 min, or tomorrow's once today's has passed.
    const today = await api('api/sun');
    let due = Date.parse(today.civil_dusk) + 15 * MINUTE;
    if (due <= Date.now()) {
      const tomorrow = new Date(Date.parse(`${today.date}T12:00:00Z`) + 24 * 60 * MINUTE).toISOString().slice(0, 10);
      due = Date.parse((await api(`api/sun?date=${tomorrow}`)).civil_dusk) + 15 * MINUTE;
    }
    const preview = await api(`api/rules/${id}/preview?days=7`);
    assert.equal(Date.parse(preview[0].at), due, 'the hub previews dusk + 15 min');
    assert.equal((await dusk.locator('.rule-next').textContent()).trim(), pageTime(due));
    assert.equal((await dusk.locator('.rule-last').textContent()).trim(), 'never');
  });

  test('the switch disables and enables a rule from the keyboard', async () => {
    const dusk = row('Lights on at dusk');
    const toggle = dusk.getByRole('switch');
    assert.equal(await toggle.isChecked(), true);
    await toggle.focus();
    await page.keyboard.press('Space');
    await eventually(() => dusk.locator('.rule-next').textContent(), (t) => t === 'off while disabled', {
      what: 'the rule to show it is disabled',
    });
    assert.equal(await toggle.isChecked(), false);
    assert.equal((await rules()).find((s) => s.rule.name === 'Lights on at dusk').rule.enabled, false);
    assert.ok(await toggle.evaluate((el) => el === document.activeElement), 'the switch keeps the focus');
    await page.keyboard.press('Space');
    await eventually(() => toggle.isChecked(), (on) => on, { what: 'the rule to be enabled again' });
    assert.equal((await rules()).find((s) => s.rule.name === 'Lights on at dusk').rule.enabled, true);
  });

  test('Run now carries out the actions whatever the conditions', async () => {
    const lightOn = async () => (await hub.devices()).find((d) => d.device.id === 'porch-light').state.on;
    if (await lightOn()) {
      await row('Lights off at 23:00').getByRole('button', { name: 'Run now' }).click();
      await eventually(lightOn, (on) => on === false, { what: 'the porch light to go off' });
    }
    await row('Lights on at dusk').getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('status').filter({ hasText: '“Lights on at dusk” ran.' }).waitFor();
    await eventually(lightOn, (on) => on === true, { what: 'the porch light to come on' });
  });

  test('a copy is added disabled, and deleting asks first', async () => {
    await row('Lights off at 23:00').getByRole('button', { name: 'Duplicate' }).click();
    const copy = row('Lights off at 23:00 \\(copy\\)');
    await copy.waitFor();
    assert.equal(await copy.getByRole('switch').isChecked(), false);
    assert.equal((await rules()).length, 3);

    await copy.getByRole('button', { name: 'Delete' }).click();
    const keep = copy.getByRole('button', { name: 'Keep' });
    await keep.waitFor();
    assert.ok(await keep.evaluate((el) => el === document.activeElement), 'the safe answer has the focus');
    await page.keyboard.press('Escape');
    await keep.waitFor({ state: 'detached' });
    assert.equal((await rules()).length, 3, 'Escape keeps the rule');

    await copy.getByRole('button', { name: 'Delete' }).click();
    await copy.getByRole('group', { name: 'Confirm deletion' }).getByRole('button', { name: 'Delete' }).click();
    await copy.waitFor({ state: 'detached' });
    assert.deepEqual((await rules()).map((s) => s.rule.name).sort(), ['Lights off at 23:00', 'Lights on at dusk']);
  });

  test('a rule edited as text shows each problem at its path, then saves', async () => {
    const dusk = row('Lights on at dusk');
    await dusk.getByRole('button', { name: 'Edit as text' }).click();
    const text = dusk.getByRole('textbox', { name: /Rule document/ });
    await text.waitFor();
    assert.ok(await text.evaluate((el) => el === document.activeElement), 'the text takes the focus');
    const document = JSON.parse(await text.inputValue());
    assert.deepEqual(document.triggers[0], { type: 'sun', event: 'dusk', twilight: 'civil', offset: { minutes: 15 } });

    document.actions[0].device = 'attic-light';
    document.triggers[0].offset = { minutes: 20 };
    await text.fill(JSON.stringify(document, null, 2));
    await dusk.getByRole('button', { name: 'Save' }).click();
    const problem = dusk.locator('.rule-problems li');
    await problem.first().waitFor();
    assert.deepEqual(await problem.allTextContents(), ['actions[0].device: there is no device attic-light']);
    await page.getByRole('alert').filter({ hasText: 'Could not save the rule' }).waitFor();

    document.actions[0].device = 'porch-light';
    await text.fill(JSON.stringify(document, null, 2));
    await dusk.getByRole('button', { name: 'Save' }).click();
    await text.waitFor({ state: 'detached' });
    // The list is read again after the save; the editor closes before that.
    await dusk.locator('.rule-summary').filter({ hasText: /^At dusk \+20 min, if/ }).waitFor();
    const stored = (await rules()).find((s) => s.rule.name === 'Lights on at dusk').rule;
    assert.deepEqual(stored.triggers[0].offset, { minutes: 20 });
  });

  test('Next 7 days, computed in the browser, lists the hub’s predicted firings', async () => {
    const dusk = row('Lights on at dusk');
    const { id } = (await rules()).find((s) => s.rule.name === 'Lights on at dusk').rule;
    const open = dusk.getByRole('button', { name: 'Next 7 days' });
    await open.click();
    assert.equal(await open.getAttribute('aria-expanded'), 'true');
    const items = dusk.getByRole('group', { name: 'Next 7 days' }).locator('li');
    await items.first().waitFor();
    const preview = await api(`api/rules/${id}/preview?days=7`);
    assert.ok(preview.length >= 6, `a dusk a day: ${preview.length}`);
    assert.deepEqual(await items.allTextContents(), preview.map((p) => pageTime(Date.parse(p.at))));
    await open.click();
    await items.first().waitFor({ state: 'detached' });
  });

  test('a new rule written as text is added', async () => {
    await page.getByRole('button', { name: 'New rule as text' }).click();
    const text = page.getByRole('textbox', { name: /Rule document/ });
    assert.equal(JSON.parse(await text.inputValue()).name, 'New rule');
    await page.locator('main > form').getByRole('button', { name: 'Save' }).click();
    await row('New rule').waitFor();
    assert.equal(
      (await row('New rule').locator('.rule-summary').textContent()).trim(),
      'At 07:00: notify “Good morning”',
    );
    await text.waitFor({ state: 'detached' });
  });

  test('a rule changed or deleted elsewhere follows on the page without a reload', async () => {
    // Lost if the page reloads.
    await page.evaluate(() => { window.stillTheSamePage = true; });
    const status = (await rules()).find((s) => s.rule.name === 'Lights off at 23:00');
    const { id, ...document } = status.rule;
    assert.equal(await row('Lights off at 23:00').getByRole('switch').isChecked(), true);
    document.name = 'Lights off at 23:30';
    document.enabled = false;
    document.triggers[0].at = '23:30';
    await api(`api/rules/${id}`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(document),
    });
    const renamed = row('Lights off at 23:30');
    await renamed.waitFor();
    await row('Lights off at 23:00').waitFor({ state: 'detached' });
    assert.equal(await renamed.getByRole('switch').isChecked(), false);
    assert.equal((await renamed.locator('.rule-next').textContent()).trim(), 'off while disabled');
    assert.match(await renamed.locator('.rule-summary').textContent(), /^At 23:30: /);

    await api(`api/rules/${id}/enable`, { method: 'POST' });
    await eventually(() => renamed.getByRole('switch').isChecked(), (on) => on, {
      what: 'the rule enabled elsewhere to show as enabled',
    });

    await api(`api/rules/${id}`, { method: 'DELETE' });
    await renamed.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => window.stillTheSamePage), true, 'the page was not reloaded');
  });

  test('no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
