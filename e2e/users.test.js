// The Users page as an admin uses it: add someone limited to the kitchen with
// a password the page makes, watch them see only the kitchen, open every room
// to them (their open page follows without a reload), and remove them (their
// page goes to the login form). The admin's own row cannot be removed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, eventually, launchBrowser, signInOnPage, signedOutPage } from './support.js';

const connected = '[role="status"].connection[data-state="connected"]';
const porchLight = 'article.card[data-device="porch-light"]';

/** Collects CSP violations (the page may set no inline style), before any of its own scripts run. */
const RECORD_VIOLATIONS = () => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
  });
};

/** The ids of the device cards on a page, sorted. */
async function cards(page) {
  const ids = await page.$$eval('article.card[data-device]', (all) => all.map((card) => card.dataset.device));
  return ids.sort();
}

describe('the Users page', () => {
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

  test('an admin adds, opens up and removes an account limited to one room', async () => {
    const admin = await browser.newPage();
    await admin.addInitScript(RECORD_VIOLATIONS);
    await admin.goto(hub.url);
    await admin.waitForSelector(connected, { timeout: 20_000 });
    await admin.click('.account-bar a[href="/users"]');
    assert.equal(new URL(admin.url()).pathname, '/users');

    const own = admin.locator('li.user[data-user="admin"]');
    await own.waitFor();
    assert.match(await own.locator('.user-you').textContent(), /you/);
    assert.equal(await own.locator('button').count(), 0, 'no Remove, Edit or Reset on your own row');

    await admin.fill('#user-new-name', 'kim');
    await admin.selectOption('#user-new-role', 'member');
    // The rooms come from the live device list.
    await admin.check('.user-form input[name="room"][value="Kitchen"]');
    assert.equal(await admin.isChecked('.user-form input[name="every-room"]'), false);
    await admin.click('.user-form button[type="submit"]');
    const secret = admin.locator('.token-secret');
    await secret.waitFor();
    assert.match(await secret.textContent(), /Give this password to kim; it is not shown again/);
    const password = (await secret.locator('.token-secret-value').textContent()).trim();
    assert.match(password, /^[a-km-zA-HJ-NP-Z2-9]{20}$/, 'twenty characters without look-alikes');

    const kimRow = admin.locator('li.user[data-user="kim"]');
    await kimRow.waitFor();
    assert.equal((await kimRow.locator('.user-role').textContent()).trim(), 'member');
    assert.equal((await kimRow.locator('.user-rooms-text').textContent()).trim(), 'Kitchen');

    const kim = await signedOutPage(browser);
    await kim.goto(new URL('login', hub.url).href);
    await signInOnPage(kim, 'kim', password);
    await kim.waitForSelector(connected, { timeout: 20_000 });
    await kim.waitForSelector('article.card[data-device="kitchen-thermometer"]', { timeout: 20_000 });
    const devices = (await hub.devices()).map(({ device }) => device);
    const kitchen = devices.filter((device) => device.room === 'Kitchen').map((device) => device.id).sort();
    assert.ok(kitchen.length > 0 && kitchen.length < devices.length, 'the kitchen holds some devices, not all');
    await eventually(() => cards(kim), (ids) => ids.join() === kitchen.join(), { what: 'only the kitchen devices' });
    assert.equal(await kim.locator(porchLight).count(), 0);

    await kimRow.locator('button', { hasText: 'Edit' }).click();
    await kimRow.locator('input[name="every-room"]').check();
    await kimRow.locator('button', { hasText: 'Save' }).click();
    await eventually(() => kimRow.locator('.user-rooms-text').textContent(), (text) => text.trim() === 'Every room', {
      what: "kim's row to say every room",
    });
    const listed = await hub.getJson('api/users');
    assert.equal(listed.find((user) => user.username === 'kim').rooms, null);

    // The hub closes kim's socket as her access changes; the app reconnects
    // and its fresh snapshot holds every room.
    await kim.waitForSelector(porchLight, { timeout: 20_000 });
    await eventually(() => cards(kim), (ids) => ids.length === devices.length, { what: 'every device on kim’s page' });

    await kimRow.locator('button.danger', { hasText: 'Remove' }).click();
    const question = kimRow.locator('.rule-confirm');
    assert.match(await question.textContent(), /Remove kim\?/);
    await question.locator('button.danger').click();
    await kimRow.waitFor({ state: 'detached' });
    assert.equal(await admin.locator('li.user[data-user="admin"]').count(), 1);

    await kim.waitForSelector('form.login-form', { timeout: 20_000 });
    assert.equal(new URL(kim.url()).pathname, '/login');
    assert.deepEqual(await admin.evaluate(() => window.__cspViolations), [], 'no CSP violations on /users');
    await kim.close();
    await admin.close();
  });

  test("a hub refusal shows beside the form, and a reset password is shown once", async () => {
    const admin = await browser.newPage();
    await admin.goto(new URL('users', hub.url).href);
    await admin.waitForSelector('li.user[data-user="admin"]');

    await admin.fill('#user-new-name', 'admin');
    await admin.click('.user-form button[type="submit"]');
    const error = admin.locator('.user-form .login-error');
    await eventually(() => error.textContent(), (text) => /already a user admin/i.test(text), {
      what: 'the hub’s refusal of a taken name',
    });

    await hub.addUser('lee', 'lee-secret-pass', 'viewer');
    await admin.reload();
    const row = admin.locator('li.user[data-user="lee"]');
    await row.locator('.user-buttons button', { hasText: 'Reset password' }).click();
    const ask = row.locator('.rule-confirm');
    assert.match(await ask.textContent(), /Reset lee's password\?/);
    assert.equal(await row.locator('.token-secret').count(), 0, 'nothing is reset before the answer');
    await ask.locator('button.danger').click();
    const secret = row.locator('.token-secret-value');
    await secret.waitFor();
    const password = (await secret.textContent()).trim();
    const signIn = await fetch(new URL('api/auth/login', hub.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lee', password }),
    });
    assert.equal(signIn.status, 200, 'lee signs in with the new password');
    await admin.reload();
    await row.waitFor();
    assert.equal(await admin.locator('.token-secret').count(), 0, 'the password is shown only once');
    await admin.close();
  });
});
