/**
 * `npm run bench:web`: the web view's served size and the time from `npm start`
 * to the first paint of its page in Chromium (Debian's, or CHROMIUM_PATH).
 *
 * Sizes are what the API sends: the brotli and gzip copies of index.html and
 * every asset. The time runs from spawning `npm start` (a fresh process, the
 * web build already up to date) to Chromium's first-contentful-paint of
 * http://…/, and is split into "listening" and "page painted".
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import { WEB_DIST } from '../src/http/web-app.js';

const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 5);

function servedSizes(): { files: number; identity: number; gzip: number; br: number } {
  const sizes = { files: 0, identity: 0, gzip: 0, br: 0 };
  for (const entry of readdirSync(WEB_DIST, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(?:html|js|css)$/.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    sizes.files += 1;
    sizes.identity += statSync(file).size;
    sizes.gzip += statSync(`${file}.gz`).size;
    sizes.br += statSync(`${file}.br`).size;
  }
  return sizes;
}

async function startToPaint(browser: import('playwright-core').Browser): Promise<{ listening: number; painted: number }> {
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    env: { ...process.env, PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        const web = /"webView":"([^"]+)"/.exec(line)?.[1];
        if (web) resolve(web);
      });
    });
    const listening = performance.now() - started;
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: 'load' });
    const paint = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          new PerformanceObserver((list) => {
            const entry = list.getEntriesByName('first-contentful-paint')[0];
            if (entry) resolve(performance.timeOrigin + entry.startTime);
          }).observe({ type: 'paint', buffered: true });
        }),
    );
    await page.close();
    // The page's clock and ours share the wall clock: convert its paint time to ours.
    const painted = paint - performance.timeOrigin - started;
    return { listening, painted };
  } finally {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  }
}

const sizes = servedSizes();
console.log(
  `served web view: ${sizes.files} files, ${(sizes.identity / 1024).toFixed(1)} KiB as built, ${(sizes.gzip / 1024).toFixed(1)} KiB gzip, ${(sizes.br / 1024).toFixed(1)} KiB brotli`,
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'],
});
const runs: { listening: number; painted: number }[] = [];
for (let run = 0; run < RUNS; run += 1) runs.push(await startToPaint(browser));
await browser.close();
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
console.log(
  `npm start → listening: median ${median(runs.map((r) => r.listening)).toFixed(0)} ms; → first contentful paint of /: median ${median(runs.map((r) => r.painted)).toFixed(0)} ms (${RUNS} runs, load ${(await import('node:os')).loadavg()[0]?.toFixed(2)})`,
);
