// Accounts as people meet them: the login page (a wrong password says so, the
// right one reaches the dashboard), signing out (in every tab), a viewer who
// may look but not switch, the admin's audit log, and the one-time setup link.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Hub, eventually, freePort, launchBrowser, signInOnPage, signedOutPage } from './support.js';

const connected = '[role="status"].connection[data-state="connected"]';
const porchSwitch = 'article.card[data-device="porch-light"] button[role="switch"]';

describe('accounts in the browser', () => {
  let hub;
  let browser;

  before(async () => {
    hub = await Hub.start(['--sim-speed', '60']);
    browser = await launchBrowser();
    await hub.addUser('dana', 'dana-secret-pass', 'member');
    await hub.addUser('vic', 'vic-secret-pass', 'viewer');
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('a new user signs in on the login page, and signs out back to it', async () => {
    const page = await signedOutPage(browser);
    await page.goto(hub.url);
    await page.waitForSelector('form.login-form');
    assert.equal(new URL(page.url()).pathname, '/login');

    await signInOnPage(page, 'dana', 'not-the-password');
    await page.waitForSelector('.login-error:not(:empty)');
    assert.match(await page.textContent('.login-error'), /wrong username or password/i);

    await signInOnPage(page, 'dana', 'dana-secret-pass');
    await page.waitForSelector(connected, { timeout: 20_000 });
    assert.equal(new URL(page.url()).pathname, '/');
    assert.match(await page.textContent('.account-bar .user-badge'), /dana \(member\)/);
    // Only admins are offered the audit log.
    assert.equal(await page.locator('.account-bar a[href="/audit"]').count(), 0);

    await page.click('.account-bar .sign-out');
    await page.waitForSelector('form.login-form');
    assert.equal(new URL(page.url()).pathname, '/login');
    const me = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
    assert.equal(me, 401, 'the session is over on the hub too');
    await page.close();
  });

  test('signing out in one tab signs the other tab out too', async () => {
    const first = await signedOutPage(browser);
    await first.goto(new URL('login', hub.url).href);
    await signInOnPage(first, 'dana', 'dana-secret-pass');
    await first.waitForSelector(connected, { timeout: 20_000 });
    // A second tab of the same browser shares the session cookie.
    const second = await first.context().newPage();
    await second.goto(hub.url);
    await second.waitForSelector(connected, { timeout: 20_000 });

    await first.click('.account-bar .sign-out');
    await first.waitForSelector('form.login-form');
    // The hub closes the second tab's live connection as the session ends;
    // reconnecting finds nobody signed in.
    await second.waitForSelector('form.login-form', { timeout: 20_000 });
    assert.equal(new URL(second.url()).pathname, '/login');
    await first.close();
  });

  test("a viewer sees the devices but the switches are disabled, and says why", async () => {
    const page = await signedOutPage(browser);
    await page.goto(new URL('login', hub.url).href);
    await signInOnPage(page, 'vic', 'vic-secret-pass');
    await page.waitForSelector(porchSwitch, { timeout: 20_000 });
    assert.equal(await page.isDisabled(porchSwitch), true);
    assert.match(
      await page.textContent('article.card[data-device="porch-light"] .view-only'),
      /view only/i,
    );
    assert.match(await page.textContent('.account-bar .user-badge'), /vic \(viewer\)/);
    await page.close();
  });

  test('an admin finds a command they sent in the audit log', async () => {
    const page = await browser.newPage();
    await page.goto(hub.url);
    await page.waitForSelector(connected, { timeout: 20_000 });
    const toggle = page.locator(porchSwitch);
    const wasOn = (await toggle.getAttribute('aria-checked')) === 'true';
    await toggle.click();
    await eventually(() => toggle.getAttribute('aria-checked'), (now) => now === String(!wasOn), {
      what: 'the porch light to switch',
    });
    await page.click('.account-bar a[href="/audit"]');
    await page.waitForSelector('table.audit-log');
    assert.equal(new URL(page.url()).pathname, '/audit');
    const rows = await page.locator('table.audit-log tbody tr').allTextContents();
    assert.ok(
      rows.some((row) => row.includes('porch-light')),
      `an entry for the porch light among:\n${rows.join('\n')}`,
    );
    await page.close();
  });

  test('an admin makes an API token and sees its secret once', async () => {
    const page = await browser.newPage();
    await page.goto(hub.url);
    await page.click('.account-bar a[href="/tokens"]');
    await page.fill('#token-name', 'shed-sensor');
    await page.click('.token-form button[type="submit"]');
    const secret = (await page.locator('.token-secret-value').textContent()).trim();
    assert.ok(secret.length >= 20, `a secret long enough to guess at: ${secret}`);
    const row = page.locator('table.token-list tbody tr', { hasText: 'shed-sensor' });
    await row.waitFor();
    assert.match(await row.textContent(), /ingest/);
    assert.doesNotMatch(await page.locator('table.token-list').textContent(), new RegExp(secret));
    await page.reload();
    await row.waitFor();
    assert.equal(await page.locator('.token-secret').count(), 0, 'the secret is shown only once');
    await page.close();
  });
});

test('the one-time setup link signs the first admin in, once', async () => {
  const hub = new Hub({ port: await freePort(), dataDir: mkdtempSync(join(tmpdir(), 'hearth-e2e-')) });
  await hub.spawn();
  const browser = await launchBrowser();
  try {
    assert.ok(hub.setupCode, `the hub printed a setup link:\n${hub.log}`);
    const link = new URL(`login?setup=${hub.setupCode}`, hub.url).href;
    const page = await signedOutPage(browser);
    await page.goto(link);
    await page.waitForSelector('.account-bar .user-badge', { timeout: 20_000 });
    assert.equal(new URL(page.url()).pathname, '/');
    assert.match(await page.textContent('.account-bar .user-badge'), /\(admin\)/);

    const again = await signedOutPage(browser);
    await again.goto(link);
    await again.waitForSelector('.login-error:not(:empty)');
    assert.equal(new URL(again.url()).pathname, '/login');
  } finally {
    await browser.close();
    await hub.dispose();
  }
});

test('after too many wrong passwords the login page says how long to wait', async () => {
  // A hub of its own: the hub slows sign-ins from this address down too.
  const hub = await Hub.start();
  const browser = await launchBrowser();
  try {
    const page = await signedOutPage(browser);
    await page.goto(new URL('login', hub.url).href);
    const error = page.locator('.login-error');
    const waitText = /Too many attempts\. Try again in \d+ seconds?\./;
    await eventually(async () => {
      await signInOnPage(page, 'admin', 'wrong-password');
      await page.waitForSelector('.login-form button[type="submit"]:not([disabled])');
      return error.textContent();
    }, (text) => waitText.test(text), { what: 'the rate-limit message', intervalMs: 0 });
  } finally {
    await browser.close();
    await hub.dispose();
  }
});

test('a session that ends elsewhere leads back to the login page, saying so', async () => {
  // A hub of its own, since the test restarts it.
  const hub = await Hub.start();
  const browser = await launchBrowser();
  try {
    await hub.addUser('erin', 'erin-secret-pass', 'member');
    const page = await signedOutPage(browser);
    await page.goto(new URL('login', hub.url).href);
    await signInOnPage(page, 'erin', 'erin-secret-pass');
    await page.waitForSelector(connected, { timeout: 20_000 });

    // The session ends on the hub (as it would by expiring) while the page
    // still shows the dashboard; the page learns of it when its live
    // connection drops and cannot come back.
    await page.evaluate(() => fetch('/api/auth/logout', { method: 'POST' }));
    await hub.kill();
    await hub.spawn();
    await page.waitForSelector('.login-notice', { timeout: 30_000 });
    assert.match(await page.textContent('.login-notice'), /session expired/i);
    assert.equal(new URL(page.url()).pathname, '/login');
  } finally {
    await browser.close();
    await hub.dispose();
  }
});
