// The rule form as a user meets it, against a real hub: add "Lights on at
// dusk" from its template, give it a +15 min offset in the form, and see the
// browser's own 7-day preview land on the hub's dusk + 15 min each day (and
// equal the hub's preview endpoint); then build "AC when hot" in the form
// from a blank rule, let the fast-clocked simulator's temperature cross the
// threshold, and see the rule fire, the AC come on and the firing's trace.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, eventually, launchBrowser } from './support.js';

const ZONE = 'Europe/London';
const MINUTE = 60_000;

/** The local date of `ms` in `ZONE`, `2026-11-26`. */
function londonDate(ms) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date(ms));
}

describe('the rule form against a live hub', () => {
  let hub;
  let browser;
  let page;
  const pageErrors = [];
  const rules = () => hub.getJson('api/rules');
  const row = (name) => page.locator('li.rule', { has: page.locator('.rule-name', { hasText: new RegExp(`^${name}$`) }) });
  const instants = (list) => list.locator('li').evaluateAll((items) => items.map((li) => Date.parse(li.dataset.at)));

  before(async () => {
    // A simulated day in under three real minutes, so temperatures move.
    hub = await Hub.start(['--sim-speed', '600']);
    browser = await launchBrowser();
    const context = await browser.newContext({ timezoneId: ZONE });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(hub.url);
    await page.waitForSelector('[role="status"].connection[data-state="connected"]', { timeout: 20_000 });
    await page.getByRole('link', { name: 'Automations' }).click();
    await page.getByRole('heading', { name: 'Automations' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('a +15 min offset set in the form previews at the hub’s dusk + 15 min', async () => {
    await page.getByRole('button', { name: 'Add “Lights on at dusk”' }).click();
    const dusk = row('Lights on at dusk');
    await dusk.waitFor();
    await dusk.getByRole('button', { name: 'Edit', exact: true }).click();
    const form = dusk.locator('form.rule-form');
    const trigger = form.getByRole('group', { name: 'Trigger 1' });
    assert.equal(await trigger.getByLabel('Kind').inputValue(), 'sun');
    const offset = trigger.getByLabel('Offset in minutes (negative: before)');
    await offset.fill('15');
    await offset.press('Tab');

    // The preview in the form is computed in the browser from the edited
    // document, before anything is saved.
    const preview = form.getByRole('group', { name: 'Preview: next 7 days' });
    const expected = async (ms) => {
      const day = await hub.getJson(`api/sun?date=${londonDate(ms - 15 * MINUTE)}`);
      return Date.parse(day.civil_dusk) + 15 * MINUTE;
    };
    const shown = await eventually(() => instants(preview), (list) => list.length >= 6, { what: 'a week of dusks' });
    for (const at of shown) {
      assert.equal(at, await expected(at), `firing at ${new Date(at).toISOString()}`);
    }
    assert.equal(await form.locator('.field-problems li').count(), 0);

    await form.getByRole('button', { name: 'Save' }).click();
    await dusk.locator('.rule-summary').filter({ hasText: /^At dusk \+15 min, if/ }).waitFor();
    const { id, triggers } = (await rules()).find((s) => s.rule.name === 'Lights on at dusk').rule;
    assert.deepEqual(triggers[0].offset, { minutes: 15 });

    // The row's Next 7 days is the browser's too, and equals the hub's.
    await dusk.getByRole('button', { name: 'Next 7 days' }).click();
    const week = dusk.getByRole('group', { name: 'Next 7 days' });
    const browserWeek = await eventually(() => instants(week), (list) => list.length >= 6, { what: 'the row’s week' });
    const hubWeek = (await hub.getJson(`api/rules/${id}/preview?days=7`)).map((p) => Date.parse(p.at));
    assert.deepEqual(browserWeek, hubWeek);
    // One mark a firing on the week's track, left to right.
    const lefts = await week.locator('.timeline-mark').evaluateAll((marks) => marks.map((m) => parseFloat(m.getAttribute('x1'))));
    assert.equal(lefts.length, hubWeek.length);
    assert.ok(lefts.every((x, i) => i === 0 || x > lefts[i - 1]), `marks in order: ${lefts}`);
    assert.deepEqual(pageErrors, []);
  });

  test('a field the hub’s devices cannot satisfy is marked where it is', async () => {
    await page.locator('main > button', { hasText: /^New rule$/ }).click();
    const form = page.locator('main > form.rule-form');
    const action = form.getByRole('group', { name: 'Action 1' });
    await action.getByLabel('Kind').selectOption('command');
    await action.getByLabel('Device').selectOption('living-room-thermometer');
    const command = action.getByLabel('Command', { exact: true });
    assert.equal(await command.getAttribute('aria-invalid'), 'true');
    const problem = action.locator(`#${await command.getAttribute('aria-describedby')} li`);
    assert.match(await problem.textContent(), /cannot be switched on or off/);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
  });

  test('“AC when hot” built in the form fires, turns the AC on and leaves a trace', async () => {
    const devices = await hub.devices();
    const thermometer = devices.find((d) => d.device.id === 'living-room-thermometer');
    const ac = devices.find((d) => d.device.id === 'living-room-ac');
    assert.equal(ac.state.on, false, 'the AC starts off');
    const now = thermometer.readings.find((r) => r.metric === 'temperature').value;

    await page.locator('main > button', { hasText: /^New rule$/ }).click();
    const form = page.locator('main > form.rule-form');
    const name = form.getByLabel('Name');
    await name.fill('AC when hot');
    await name.press('Tab');

    // Rises above a little over the present temperature; the simulated
    // weather may be cooling instead, so the second trigger catches the
    // temperature leaving that band the other way.
    const band = [['above', now + 0.2], ['below', now - 0.2]];
    for (const [i, [crossing, threshold]] of band.entries()) {
      if (i > 0) await form.getByRole('button', { name: 'Add a trigger' }).click();
      const trigger = form.getByRole('group', { name: `Trigger ${i + 1}` });
      await trigger.getByLabel('Kind').selectOption('numeric');
      await trigger.getByLabel('Device').selectOption('living-room-thermometer');
      await trigger.getByLabel('Metric').selectOption('temperature');
      await trigger.getByLabel('When it').selectOption(crossing);
      const field = trigger.getByLabel(/^Threshold/);
      await field.fill(threshold.toFixed(2));
      await field.press('Tab');
    }
    const action = form.getByRole('group', { name: 'Action 1' });
    await action.getByLabel('Kind').selectOption('command');
    await action.getByLabel('Device').selectOption('living-room-ac');
    await action.getByLabel('Command', { exact: true }).selectOption('turn_on');

    // Switching to the text view and back keeps what the form built.
    await form.getByRole('button', { name: 'Text', exact: true }).click();
    const document = JSON.parse(await form.getByRole('textbox', { name: /Rule document/ }).inputValue());
    assert.equal(document.triggers[0].type, 'numeric');
    assert.deepEqual(document.actions, [{ type: 'command', device: 'living-room-ac', command: { action: 'turn_on' } }]);
    await form.getByRole('button', { name: 'Form', exact: true }).click();
    assert.equal(await form.getByRole('group', { name: 'Trigger 2' }).getByLabel('When it').inputValue(), 'below');
    assert.equal(await form.locator('.field-problems li').count(), 0);

    await form.getByRole('button', { name: 'Save' }).click();
    const rule = row('AC when hot');
    await rule.waitFor();
    await rule.locator('.rule-last').filter({ hasNotText: 'never' }).waitFor({ timeout: 120_000 });

    await rule.getByRole('button', { name: 'Traces' }).click();
    const fired = rule.getByRole('group', { name: 'Traces' }).locator('li.trace[data-decision="fired"]');
    await fired.first().waitFor({ timeout: 15_000 });
    assert.match(await fired.first().textContent(), /Fired by trigger [12]: .*Action 1: done/s);

    await page.getByRole('link', { name: '← All devices' }).click();
    const power = page.getByRole('switch', { name: `${ac.device.name} power` });
    await eventually(() => power.isChecked(), (on) => on, { what: 'the AC on in the UI' });
    assert.deepEqual(pageErrors, []);
  });
});
