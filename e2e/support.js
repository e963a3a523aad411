// Shared helpers for the end-to-end tests: start and kill a real hub process,
// launch Debian's Chromium through playwright-core, and sign in on the login
// page as someone else.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const HUB_BIN = process.env.HEARTH_HUB_BIN ?? new URL('../target/debug/hearth-hub', import.meta.url).pathname;
export const DIST = process.env.HEARTH_DIST ?? new URL('../dist', import.meta.url).pathname;

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-quic', '--no-first-run',
];

/** Session cookies of the hubs started so far, by hub URL: every browser context gets them. */
const sessions = new Map();

/**
 * Chromium, signed in: every context it makes (and every page, each in a
 * context of its own) carries the admin session of each hub started before.
 * `extraArgs` adds Chromium switches (the Bluetooth test enables Web Bluetooth).
 */
export async function launchBrowser({ extraArgs = [] } = {}) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await signIn(context);
    return context;
  };
  browser.newPage = async (options) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.once('close', () => context.close().catch(() => {}));
    return page;
  };
  return browser;
}

/** A page in a context of its own with nobody signed in. */
export async function signedOutPage(browser) {
  const context = await browser.newContext();
  await context.clearCookies();
  const page = await context.newPage();
  page.once('close', () => context.close().catch(() => {}));
  return page;
}

/** Fills in and sends the login form the page shows. */
export async function signInOnPage(page, username, password) {
  await page.fill('#login-username', username);
  await page.fill('#login-password', password);
  await page.click('.login-form button[type="submit"]');
}

/** Puts every started hub's session cookie into a Playwright browser context. */
export async function signIn(context) {
  const cookies = [...sessions].map(([url, value]) => ({
    name: 'hearth_session', value, url, httpOnly: true, sameSite: 'Strict',
  }));
  if (cookies.length > 0) await context.addCookies(cookies);
}

/** A port that was free a moment ago, so a restarted hub can reuse it. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A hub process serving the built dashboard with a fast simulator, on a fixed
 * port and data dir so a test can kill it and start it again.
 */
export class Hub {
  constructor({ port, dataDir, extraArgs = [], dist = DIST }) {
    this.port = port;
    this.dataDir = dataDir;
    this.extraArgs = extraArgs;
    this.dist = dist;
    this.url = `http://127.0.0.1:${port}/`;
    this.process = null;
    this.log = '';
    /** The admin's session cookie, from the setup code the first run prints. */
    this.session = null;
  }

  /** `dist` serves another copy of the built dashboard (the PWA tests edit theirs). */
  static async start(extraArgs = [], { dist = DIST } = {}) {
    const hub = new Hub({
      port: await freePort(),
      dataDir: mkdtempSync(join(tmpdir(), 'hearth-e2e-')),
      extraArgs,
      dist,
    });
    await hub.spawn();
    await hub.signIn();
    return hub;
  }

  /** Signs in as the first admin with the one-time setup code (once per data dir). */
  async signIn() {
    const code = this.setupCode;
    if (!code) throw new Error(`the hub printed no setup link:\n${this.log}`);
    const response = await fetch(new URL('api/auth/setup', this.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    if (!response.ok) throw new Error(`POST /api/auth/setup: ${response.status} ${await response.text()}`);
    const cookie = response.headers.get('set-cookie') ?? '';
    this.session = /hearth_session=([^;]+)/.exec(cookie)?.[1];
    if (!this.session) throw new Error(`no session cookie in ${cookie}`);
    sessions.set(this.url, this.session);
  }

  /** `fetch` relative to the hub (`api/devices`), signed in as its admin. */
  fetch(path, init = {}) {
    const headers = new Headers(init.headers);
    if (this.session) headers.set('cookie', `hearth_session=${this.session}`);
    return fetch(new URL(path, this.url), { ...init, headers });
  }

  /** Starts the process and resolves once it prints its listening line. */
  spawn() {
    const args = [
      '--listen', `127.0.0.1:${this.port}`,
      '--dist', this.dist,
      '--data-dir', this.dataDir,
      '--sim-interval-ms', '250',
      ...this.extraArgs,
    ];
    const child = spawn(HUB_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    child.stderr.on('data', (chunk) => { this.log += chunk; });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hub did not start within 20 s:\n${this.log}`)), 20_000);
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        // A fresh data dir's first run prints the setup link right after
        // the listening line, in the same write.
        const setup = /login\?setup=([0-9a-f]+)/.exec(out);
        if (setup) this.setupCode = setup[1];
        if (/Hearth hub listening on https?:\/\//.test(out) && (setup || this.session)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`hub exited early (${code ?? signal}):\n${this.log}`));
      });
    });
  }

  /** Kills the hub the hard way, as a crash or a power cut would. */
  async kill() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Asks the hub to stop and returns its exit code. */
  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode;
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }

  async devices() {
    return this.getJson('api/devices');
  }

  /** Adds an account (`role`: admin, member or viewer) as the admin would. */
  async addUser(username, password, role) {
    const response = await this.fetch('api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password, role }),
    });
    if (response.status !== 201) throw new Error(`POST /api/users: ${response.status} ${await response.text()}`);
  }

  /** `GET path` (relative to the hub, e.g. `api/history?…`), parsed. */
  async getJson(path) {
    const response = await this.fetch(path);
    if (!response.ok) throw new Error(`GET /${path}: ${response.status}`);
    return response.json();
  }

  async dispose() {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Polls `read` until `accept` holds for its value, or fails after `timeoutMs`. */
export async function eventually(read, accept, { timeoutMs = 15_000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Every temperature on screen, keyed by device id. */
export function temperatures(page) {
  return page.$$eval('article.card[data-device]', (cards) =>
    Object.fromEntries(
      cards
        .map((card) => [card.dataset.device, card.querySelector('[data-metric="temperature"]')?.textContent?.trim()])
        .filter(([, text]) => text),
    ),
  );
}
