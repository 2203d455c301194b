// First render of the portal in the desktop window (issue #6): the release app is started
// through tauri-driver N times; each time the window's page reports when its first frame with
// the app in it was drawn (`performance.mark('bellhop:first-render')` in ui/src/main.ts),
// measured from the page's navigation start.
//   node scripts/bench.d/render.mjs APP SERVER_URL RUNS   (under Xvfb, with a session D-Bus)
import { spawn, spawnSync } from 'node:child_process';
import { freePort, until } from '../../tests/e2e/helpers.mjs';
import { remote } from '../../tests/e2e/node_modules/webdriverio/build/index.js';

const [app, serverUrl, runs = '10'] = process.argv.slice(2);

const port = await freePort();
const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(await freePort())], { stdio: 'ignore' });
await until(async () => fetch(`http://127.0.0.1:${port}/status`).then(() => true, () => false), 15_000, 'tauri-driver');
const times = [];
/** Per start: when the page's HTML had arrived, its script began, and it had its language. */
const phases = { html: [], script: [], language: [] };
try {
  for (let i = 0; i < Number(runs); i += 1) {
    const browser = await remote({
      hostname: '127.0.0.1',
      port,
      logLevel: 'error',
      capabilities: {
        browserName: 'wry',
        'wdio:enforceWebDriverClassic': true,
        'tauri:options': { application: app, args: ['--server', serverUrl] },
      },
    });
    await browser.waitUntil(async () => browser.execute(() => performance.getEntriesByName('bellhop:first-render').length > 0), {
      timeout: 20_000,
    });
    const marks = await browser.execute(() => ({
      render: performance.getEntriesByName('bellhop:first-render')[0].startTime,
      script: performance.getEntriesByName('bellhop:script')[0]?.startTime ?? NaN,
      language: performance.getEntriesByName('bellhop:language')[0]?.startTime ?? NaN,
      html: performance.getEntriesByType('navigation')[0]?.responseEnd ?? NaN,
    }));
    times.push(marks.render);
    phases.script.push(marks.script);
    phases.language.push(marks.language);
    phases.html.push(marks.html);
    await browser.deleteSession();
    // The app stays in the tray once its window is gone: end it, so the next start is a first one.
    spawnSync('pkill', ['-f', `${app} --server ${serverUrl}`]);
    await new Promise((r) => setTimeout(r, 500));
  }
} finally {
  driver.kill();
}
const middle = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(0);
console.log(
  `medians: page received ${middle(phases.html)} ms, script running ${middle(phases.script)} ms, ` +
    `language known ${middle(phases.language)} ms`,
);
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const p95 = times[Math.min(times.length - 1, Math.round(0.95 * (times.length - 1)))];
console.log(
  `first render in the desktop window over ${times.length} starts: median ${median.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, ` +
    `min ${times[0].toFixed(0)} ms, max ${times.at(-1).toFixed(0)} ms (from the page's navigation start)`,
);
