// Chart cold-render benchmark (issue 3): loads the dashboard's bench page
// (/bench/chart?points=N, src/pages/bench_chart.rs) in headless Chromium, each
// run in a fresh browser context, and prints the median and p95 of what the
// page measured with performance.now(). Not part of `npm test`; run with
// `npm --prefix e2e run bench:chart` after a release build with the bench page
// in it, `trunk build --release --features bench --dist dist-bench` (users'
// builds leave the page out; see docs/PERFORMANCE.md). HEARTH_DIST names
// another build folder.
// After each cold render it also pans five times with the arrow key and times
// those warm redraws. MOUNTS=before-data,with-data picks when the chart is
// mounted (src/pages/bench_chart.rs).
import { existsSync } from 'node:fs';
import { Hub, launchBrowser } from '../support.js';

const DIST = process.env.HEARTH_DIST ?? new URL('../../dist-bench', import.meta.url).pathname;
if (!existsSync(DIST)) {
  console.error(`no dashboard build in ${DIST}: run \`trunk build --release --features bench --dist dist-bench\` first`);
  process.exit(1);
}

const RUNS = Number(process.env.RUNS ?? 9);
const SIZES = (process.env.POINTS ?? '166650,1000000').split(',').map(Number);
const DENSITY = Number(process.env.DPR ?? 1);
// before-data: the chart is on screen, empty, when the data arrive (as on the
// device page); with-data: it is mounted with them (mounting timed too).
const MOUNTS = (process.env.MOUNTS ?? 'before-data,with-data').split(',');

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function describe(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${quantile(sorted, 0.5).toFixed(1)} ms, p95 ${quantile(sorted, 0.95).toFixed(1)} ms`
    + ` (min ${sorted[0].toFixed(1)}, max ${sorted.at(-1).toFixed(1)})`;
}

const hub = await Hub.start(['--no-simulator'], { dist: DIST });
const browser = await launchBrowser();
try {
  console.log(`${RUNS} runs per size, viewport 1280×800 at devicePixelRatio ${DENSITY}, ${browser.version()}`);
  for (const mount of MOUNTS) for (const points of SIZES) {
    const figures = { render: [], draw: [], load: [], panFrame: [], panDraw: [] };
    for (let run = 0; run < RUNS; run += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: DENSITY });
      const page = await context.newPage();
      await page.goto(new URL(`bench/chart?points=${points}&mount=${mount}`, hub.url).href);
      const result = page.locator('#bench-result[data-render-ms][data-draw-ms]');
      try {
        await result.waitFor({ timeout: 60_000 });
      } catch (error) {
        // A build without the `bench` feature shows its home page here.
        if (await page.locator('main.bench').count() === 0) {
          throw new Error(`${DIST} has no bench page: build it with \`trunk build --release --features bench\``);
        }
        throw error;
      }
      figures.render.push(Number(await result.getAttribute('data-render-ms')));
      figures.draw.push(Number(await result.getAttribute('data-draw-ms')));
      figures.load.push(Number(await result.getAttribute('data-load-ms')));
      // Warm: a keyboard pan redraws the same points with the code compiled
      // and the canvas set up; timed from the key to the next frame.
      const warm = await page.evaluate(async () => {
        const canvas = document.querySelector('.chart canvas');
        const laps = [];
        for (let i = 0; i < 5; i += 1) {
          const started = performance.now();
          canvas.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }));
          await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
          laps.push([performance.now() - started, Number(canvas.dataset.drawMs)]);
        }
        return laps;
      });
      for (const [frame, draw] of warm) {
        figures.panFrame.push(frame);
        figures.panDraw.push(draw);
      }
      await context.close();
    }
    console.log(`${points.toLocaleString('en')} points, chart mounted ${mount}`);
    console.log(`  data → first complete frame: ${describe(figures.render)}`);
    console.log(`  of which the draw call:      ${describe(figures.draw)}`);
    console.log(`  navigation → that frame:     ${describe(figures.load)}`);
    console.log(`  warm pan, key → next frame:  ${describe(figures.panFrame)}`);
    console.log(`  of which the draw call:      ${describe(figures.panDraw)}`);
  }
} finally {
  await browser.close();
  await hub.dispose();
}
