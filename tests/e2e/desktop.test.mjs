// The real desktop app under Xvfb, driven through tauri-driver and WebKitWebDriver.
// Needs DISPLAY and a session D-Bus (scripts/test provides both).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { remote } from 'webdriverio';
import { BIN, SHOTS, freePort, startServer, tempDir, until } from './helpers.mjs';

let server;
let driver;
let browser;

before(async () => {
  assert.ok(process.env.DISPLAY, 'the desktop tests need an X display (run them through scripts/test)');
  server = await startServer({ ui: false });
  const port = await freePort();
  const nativePort = await freePort();
  driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // The app inherits this environment: its own store and config under a fresh BELLHOP_HOME.
    env: { ...process.env, BELLHOP_HOME: tempDir('agent') },
  });
  await until(async () => fetch(`http://127.0.0.1:${port}/status`).then(() => true, () => false), 15_000, 'tauri-driver');
  browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'error',
    capabilities: {
      browserName: 'wry',
      // WebKitWebDriver speaks classic WebDriver only; without this webdriverio asks for BiDi.
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application: BIN('bellhop-desktop'), args: ['--server', server.url] },
    },
  });
});

after(async () => {
  await browser?.deleteSession().catch(() => undefined);
  driver?.kill();
  await server?.stop();
});

test('the app window shows it is online with the server it was given', async () => {
  const link = await browser.$('[data-testid="connectivity"]');
  await link.waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => (await link.getText()) === 'Online', { timeout: 10_000 });
  assert.equal(await (await browser.$('[data-testid="server-url"]')).getText(), server.url);
  assert.equal(await browser.getTitle(), 'Bellhop');
  await browser.saveScreenshot(join(SHOTS, 'desktop-status.png'));
});

test('a ticket typed in the app is durably queued in the outbox', async () => {
  await (await browser.$('a[href="#/new"]')).click();
  const title = await browser.$('input[name="title"]');
  await title.waitForDisplayed();
  await title.setValue('Screen flickers');
  await (await browser.$('textarea[name="description"]')).setValue('Since the update this morning.');
  await (await browser.$('button[type="submit"]')).click();
  const item = await browser.$('ul.list li');
  await item.waitForDisplayed({ timeout: 10_000 });
  assert.match(await item.getText(), /Screen flickers\s+Queued/);
  assert.equal(await (await browser.$('[data-testid="queued"]')).getText(), '1');
});
