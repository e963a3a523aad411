// The Content-Security-Policy as a browser applies it: every page of the
// dashboard, and the API page, run with nothing blocked (a violation means
// the policy and the app disagree, and some feature silently broke).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, launchBrowser } from './support.js';

/** Collects violations in the page, before any of its own scripts run. */
const RECORD_VIOLATIONS = () => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`);
  });
};

describe('content security policy', () => {
  let hub;
  let browser;

  before(async () => {
    hub = await Hub.start(['--sim-speed', '60']);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  test('the dashboard is served with a policy that allows wasm and nothing inline but its loader', async () => {
    const response = await hub.fetch('', { headers: { accept: 'text/html' } });
    const policy = response.headers.get('content-security-policy');
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]+=*'/);
    assert.doesNotMatch(policy, /unsafe-inline/);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });

  for (const [path, ready] of [
    ['', '[role="status"].connection[data-state="connected"]'],
    ['devices/living-room-thermometer', 'canvas'],
    ['automations', 'main'],
    ['audit', 'table.audit-log, .audit-error, .empty'],
    ['tokens', 'form.token-form'],
    ['users', 'ul.user-list li.user'],
    ['api/docs', 'body'],
  ]) {
    test(`/${path} runs without a single CSP violation`, async () => {
      const page = await browser.newPage();
      const console = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) console.push(message.text());
      });
      await page.addInitScript(RECORD_VIOLATIONS);
      await page.goto(new URL(path, hub.url).href);
      await page.waitForSelector(ready, { timeout: 20_000 });
      const violations = await page.evaluate(() => window.__cspViolations);
      assert.deepEqual([...violations, ...console], [], `violations on /${path}`);
      await page.close();
    });
  }
});
