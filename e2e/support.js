// Shared helpers for the end-to-end tests: start and kill a real hub process,
// and launch Debian's Chromium through playwright-core.
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

/** `extraArgs` adds Chromium switches (the Bluetooth test enables Web Bluetooth). */
export function launchBrowser({ extraArgs = [] } = {}) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
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
    return hub;
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
        if (out.includes('Hearth hub listening on http://')) {
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

  /** `GET path` (relative to the hub, e.g. `api/history?…`), parsed. */
  async getJson(path) {
    const response = await fetch(new URL(path, this.url));
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
