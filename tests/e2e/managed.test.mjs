// The real desktop app under Xvfb (tauri-driver and WebKitWebDriver), deployed as a fleet tool
// deploys it: no flags, only a managed settings file naming the server, Acme's enrolment key, the
// language, the shortcut and low memory. It enrols itself, speaks Italian, and its Settings show
// the managed choices locked while start-at-login stays the person's.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { remote } from 'webdriverio';
import { BIN, SHOTS, freePort, startServer, tempDir, until } from './helpers.mjs';

let server;
let driver;
let browser;
const home = tempDir('managed-home');
const managed = join(tempDir('managed'), 'agent.toml');

before(async () => {
  assert.ok(process.env.DISPLAY, 'the desktop tests need an X display (run them through scripts/test)');
  server = await startServer({ ui: false });
  writeFileSync(
    managed,
    [
      `server_url = "${server.url}"`,
      'enrolment_key = "acme-demo-key"',
      'language = "it"',
      'hotkey = "Ctrl+Shift+F9"',
      'low_memory = true',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const nativePort = await freePort();
  driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      BELLHOP_HOME: join(home, 'agent'),
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      BELLHOP_AUTOSTART: '0',
      BELLHOP_MANAGED_CONFIG: managed,
      BELLHOP_SERVER_URL: '',
      BELLHOP_LOW_MEMORY: '',
    },
  });
  await until(async () => fetch(`http://127.0.0.1:${port}/status`).then(() => true, () => false), 15_000, 'tauri-driver');
  browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'error',
    capabilities: {
      browserName: 'wry',
      'wdio:enforceWebDriverClassic': true,
      // No --server, no --key: only what the organisation manages.
      'tauri:options': { application: BIN('bellhop-desktop'), args: [] },
    },
  });
});

after(async () => {
  await Promise.race([browser?.deleteSession().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
  try {
    execFileSync('pkill', ['-f', `^${BIN('bellhop-desktop')}$`]);
  } catch {
    // Already gone.
  }
  driver?.kill();
  await server?.stop();
});

test('the app enrols itself from managed settings and shows them locked in Settings', async () => {
  const device = await browser.$('[data-testid="device"]');
  await device.waitForDisplayed({ timeout: 20_000 });
  assert.equal(await (await browser.$('[data-testid="server-url"]')).getText(), server.url);
  // Italian, as the organisation chose: "Attivo" is the Italian for an active device.
  await browser.waitUntil(async () => (await device.getText()) === 'Attivo', {
    timeout: 20_000,
    timeoutMsg: 'the app did not enrol itself from the managed settings, in Italian',
  });

  await (await browser.$('a[href="#/preferences"]')).click();
  const hotkey = await browser.$('input[name="hotkey"]');
  await hotkey.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => (await hotkey.getValue()) === 'Ctrl+Shift+F9', { timeout: 10_000 });
  await (await browser.$('[data-testid="locked-hotkey"]')).waitForDisplayed({ timeout: 10_000 });
  assert.equal(await hotkey.isEnabled(), false, 'the shortcut cannot be changed');
  const language = await browser.$('select[name="language"]');
  assert.equal(await language.isEnabled(), false, 'the language cannot be changed');
  assert.equal(await language.getValue(), 'it');
  assert.match(await (await browser.$('[data-testid="locked-language"]')).getText(), /organizzazione/);
  const low = await browser.$('input[name="low_memory"]');
  assert.equal(await low.isSelected(), true, 'low memory, as managed');
  assert.equal(await low.isEnabled(), false);
  // What the organisation left alone stays the person's.
  const autostart = await browser.$('input[name="autostart"]');
  await autostart.waitForEnabled({ timeout: 10_000 });
  await browser.saveScreenshot(join(SHOTS, 'desktop-managed-settings.png'));

  // The server lists the device with the app's version.
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'tech@helpdesk.example', password: 'bellhop-demo' }),
  });
  const { token } = await res.json();
  await until(
    async () => {
      const devices = await (await fetch(`${server.url}/api/v1/devices`, { headers: { Authorization: `Bearer ${token}` } })).json();
      return devices.some((d) => d.facts.agent_version === '0.1.0' && d.org_name === 'Acme');
    },
    20_000,
    'the device reported its version',
  );
});
