// The service catalog's first render in the desktop window (issue #23): the release app is
// started once through tauri-driver, signed in, with the catalog kept on the device; then, N
// times, the window goes to another page and back to the catalog, and the time from asking for
// the page to the first frame with its items drawn (`bellhop:catalog-rendered` in
// ui/src/views/Catalog.svelte) is read. The first opening (code and data cold) is reported
// apart from the rest.
//   node scripts/bench.d/catalog.mjs APP SERVER_URL RUNS   (under Xvfb, with a session D-Bus)
import { spawn, spawnSync } from 'node:child_process';
import { freePort, until } from '../../tests/e2e/helpers.mjs';
import { remote } from '../../tests/e2e/node_modules/webdriverio/build/index.js';

const [app, serverUrl, runs = '20'] = process.argv.slice(2);

const port = await freePort();
const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(await freePort())], { stdio: 'ignore' });
await until(async () => fetch(`http://127.0.0.1:${port}/status`).then(() => true, () => false), 15_000, 'tauri-driver');
const times = [];
let browser;
try {
  browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'error',
    capabilities: {
      browserName: 'wry',
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application: app, args: ['--server', serverUrl] },
    },
  });
  // The agent's first sync brings the catalog.
  await browser.waitUntil(async () => browser.execute(() => window.__TAURI_INTERNALS__.invoke('get_catalog').then((c) => c !== null)), {
    timeout: 30_000,
    timeoutMsg: 'the catalog never reached the device',
  });
  for (let i = 0; i <= Number(runs); i += 1) {
    await browser.execute(() => {
      location.hash = '#/outbox';
    });
    await browser.waitUntil(async () => browser.execute(() => document.querySelector('[data-testid="outbox"], main h1') !== null), {
      timeout: 10_000,
    });
    const ms = await browser.executeAsync((done) => {
      performance.clearMarks('bellhop:catalog-rendered');
      const asked = performance.now();
      location.hash = '#/catalog';
      const check = () => {
        const mark = performance.getEntriesByName('bellhop:catalog-rendered')[0];
        if (mark) done(mark.startTime - asked);
        else setTimeout(check, 1);
      };
      check();
    });
    times.push(ms);
  }
} finally {
  await browser?.deleteSession().catch(() => undefined);
  spawnSync('pkill', ['-f', `${app} --server ${serverUrl}`]);
  driver.kill();
}
const [first, ...rest] = times;
rest.sort((a, b) => a - b);
const median = rest[Math.floor(rest.length / 2)];
const p95 = rest[Math.min(rest.length - 1, Math.round(0.95 * (rest.length - 1)))];
console.log(
  `catalog first render in the desktop window: first opening ${first.toFixed(0)} ms; then over ${rest.length} openings ` +
    `median ${median.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${rest.at(-1).toFixed(0)} ms (from asking for the page)`,
);
