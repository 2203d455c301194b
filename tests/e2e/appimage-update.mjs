// The desktop app updating itself, for real: the AppImage of this version (N) runs, enrolled from
// a managed /etc/bellhop/agent.toml; the server offers, one after the other, an update with a bad
// signature, one for another platform, one that does not start, and N+1 (the same source built
// with a higher version). The app refuses the first two and tells the server; it installs the
// third, sees it not start, puts N back and tells the server; it installs N+1, restarts, and the
// server's device list shows N+1. A draft typed in N is still there in N+1.
//
// Run by the package stage of scripts/test (tests/package/check-appimage-update.sh), which builds
// the two AppImages and names them in BELLHOP_APPIMAGE and BELLHOP_APPIMAGE_NEXT. Not one of the
// end-to-end stage's files (its name does not end in .test.mjs): that stage has no release build.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { remote } from 'webdriverio';
import { BIN, confirmIdentityInApp, freePort, startServer, tempDir, until } from './helpers.mjs';

const CURRENT = process.env.BELLHOP_APPIMAGE;
const NEXT = process.env.BELLHOP_APPIMAGE_NEXT;
const NEXT_VERSION = process.env.BELLHOP_APPIMAGE_NEXT_VERSION ?? '0.2.0';
const MANAGED = '/etc/bellhop/agent.toml';

const home = tempDir('appimage-home');
const work = tempDir('appimage-work');
const installed = join(home, 'Applications', 'Bellhop.AppImage');
const appEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), BELLHOP_HOME: join(home, 'agent') };
// Only the managed file, as a fleet deploys it; a check every two seconds instead of six hours.
for (const name of ['BELLHOP_MANAGED_CONFIG', 'BELLHOP_SERVER_URL', 'BELLHOP_ENROLMENT_KEY']) delete appEnv[name];
Object.assign(appEnv, { BELLHOP_AUTOSTART: '0', BELLHOP_UPDATE_CHECK_SECS: '2' });

let server;
let token;
let app;

/** Runs a command as root (sudo when not root already). */
function asRoot(command, args, input) {
  const [cmd, argv] = process.getuid() === 0 ? [command, args] : ['sudo', ['-n', command, ...args]];
  return execFileSync(cmd, argv, { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'] });
}

const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Signs `file` as the Tauri bundler does (`FILE.sig`: base64 of minisign's signature). */
function sign(file, key, version) {
  const minisig = join(work, 'minisig');
  execFileSync('minisign', ['-S', '-s', key, '-m', file, '-x', minisig, '-t', `file:${file.split('/').pop()}\tversion:${version}`], { stdio: 'ignore' });
  writeFileSync(`${file}.sig`, readFileSync(minisig).toString('base64'));
}

/** Releases `file` as `version` for Linux x86_64 to every device (the server checks only that
 * the signature is one: it is not given the key, so it cannot refuse the bad ones for us). */
function release(version, file) {
  execFileSync(BIN('bellhop-server'), ['--data-dir', server.dataDir, 'release', 'add', '--version', version, '--artifact', `linux-x86_64=${file}`], {
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** The server's count of devices that reported `version` failed. */
function failedCount(version) {
  const out = execFileSync(BIN('bellhop-server'), ['--data-dir', server.dataDir, 'release', 'list'], { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } });
  const line = out.split('\n').find((l) => l.startsWith(`${version}\t`));
  return Number(/(\d+) failed/.exec(line ?? '')?.[1] ?? 0);
}

/** This device as the server lists it. */
async function device() {
  const res = await fetch(`${server.url}/api/v1/devices`, { headers: { Authorization: `Bearer ${token}` } });
  return (await res.json()).find((d) => d.org_name === 'Acme' && d.facts.hostname === hostname());
}

/** A WebDriver session on the installed AppImage (tauri-driver and WebKitWebDriver start it). */
async function session() {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], { stdio: ['ignore', 'inherit', 'inherit'], env: appEnv });
  await until(async () => fetch(`http://127.0.0.1:${port}/status`).then(() => true, () => false), 15_000, 'tauri-driver');
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'error',
    capabilities: { browserName: 'wry', 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: installed, args: [] } },
  });
  return {
    browser,
    end: async () => {
      await Promise.race([browser.deleteSession().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
      driver.kill();
    },
  };
}

/** The `bellhop` CLI on the app's own store and settings. */
const bellhop = (...args) => execFileSync(BIN('bellhop'), args, { env: appEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const drafts = () => JSON.parse(bellhop('--json', 'drafts'));

before(async () => {
  assert.ok(process.env.DISPLAY, 'needs an X display (run through scripts/test)');
  assert.ok(CURRENT && NEXT, 'BELLHOP_APPIMAGE and BELLHOP_APPIMAGE_NEXT name the two AppImages');
  try {
    readFileSync(MANAGED);
    assert.fail(`${MANAGED} exists already: not overwriting it`);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  server = await startServer({ ui: false });
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'tech@helpdesk.example', password: 'bellhop-demo' }),
  });
  token = (await login.json()).token;
  // The desk's updater key, and another one.
  for (const name of ['key', 'other']) {
    execFileSync('minisign', ['-G', '-W', '-p', join(work, `${name}.pub`), '-s', join(work, name)], { stdio: 'ignore' });
  }
  asRoot('mkdir', ['-p', '/etc/bellhop']);
  asRoot('tee', [MANAGED], [
    `server_url = "${server.url}"`,
    'enrolment_key = "acme-demo-key"',
    `update_public_key = "${readFileSync(join(work, 'key.pub')).toString('base64')}"`,
    '',
  ].join('\n'));
  mkdirSync(join(home, 'Applications'), { recursive: true });
  copyFileSync(CURRENT, installed);
  chmodSync(installed, 0o755);
});

after(async () => {
  if (app?.pid) {
    try {
      process.kill(-app.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  try {
    asRoot('rm', ['-f', MANAGED]);
    asRoot('rmdir', ['/etc/bellhop']);
  } catch {
    // Not there, or not empty: left as found.
  }
  await server?.stop();
});

test('the AppImage of N enrols itself from /etc/bellhop/agent.toml, and keeps a draft typed in it', async () => {
  const { browser, end } = await session();
  try {
    const status = await browser.$('[data-testid="device"]');
    await status.waitForDisplayed({ timeout: 30_000 });
    await browser.waitUntil(async () => (await status.getText()) === 'Active', { timeout: 30_000, timeoutMsg: 'not enrolled from the managed file' });
    // Bob confirms who he is, as a new ticket asks first.
    await confirmIdentityInApp(browser, server.dataDir, { firstName: 'Bob', lastName: 'Baker', email: 'bob@acme.example' });
    await (await browser.$('a[href="#/new"]')).click();
    const title = await browser.$('input[name="title"]');
    await title.waitForDisplayed({ timeout: 10_000 });
    await title.setValue('Typed before the update');
    await (await browser.$('textarea[name="description"]')).setValue('Every word of it');
    await (await browser.$('button=Save as draft')).click();
    await until(() => drafts().some((d) => d.title === 'Typed before the update'), 10_000, 'the draft in the store');
  } finally {
    await end();
  }
  await until(async () => (await device())?.facts.agent_version === '0.1.0', 20_000, 'the server lists the device on N (0.1.0)');
});

test('bad signature and wrong platform are refused, a version that does not start is put back, N+1 installs', async () => {
  // Started as at sign-in (no window): nobody is in the middle of anything, so updates install.
  const log = openSync(join(work, 'app.log'), 'a');
  app = spawn(installed, ['--background'], { env: appEnv, detached: true, stdio: ['ignore', log, log] });
  const running = () => {
    try {
      process.kill(-app.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const original = sha(installed);

  // Signed with a key that is not the desk's.
  const forged = join(work, 'Bellhop_0.1.1_amd64.AppImage');
  copyFileSync(NEXT, forged);
  sign(forged, join(work, 'other'), '0.1.1');
  release('0.1.1', forged);
  await until(() => failedCount('0.1.1') === 1, 60_000, 'the bad signature reported');
  assert.equal(sha(installed), original, 'N is untouched');
  assert.ok(running(), 'N keeps running');

  // Signed by the desk, but a Windows program.
  const windows = join(work, 'Bellhop_0.1.2_x64-setup.exe');
  execFileSync('x86_64-w64-mingw32-gcc', ['-x', 'c', '-', '-o', windows], { input: 'int main(void) { return 0; }\n' });
  sign(windows, join(work, 'key'), '0.1.2');
  release('0.1.2', windows);
  await until(() => failedCount('0.1.2') === 1, 60_000, 'the wrong platform reported');
  assert.equal(sha(installed), original, 'N is untouched');
  assert.ok(running(), 'N keeps running');

  // Signed, for this machine, and broken: it ends at once. The watchdog puts N back and starts
  // it, and N tells the server.
  const script = join(work, 'broken');
  writeFileSync(script, '#!/bin/sh\necho "this build is broken" >&2\nexit 3\n');
  chmodSync(script, 0o755);
  const broken = join(work, 'Bellhop_0.1.5_amd64.AppImage');
  execFileSync(join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/bellhop/target'), 'debug/bellhop-make-appimage'), [script, join(import.meta.dirname, '../../icons/128x128.png'), broken], { stdio: 'ignore' });
  sign(broken, join(work, 'key'), '0.1.5');
  release('0.1.5', broken);
  await until(() => failedCount('0.1.5') === 1, 120_000, 'the version that did not start reported (by N, put back)');
  assert.equal(sha(installed), original, 'N is back in place');
  assert.ok(running(), 'N runs again');

  // N+1, signed by the desk.
  const next = join(work, `Bellhop_${NEXT_VERSION}_amd64.AppImage`);
  copyFileSync(NEXT, next);
  sign(next, join(work, 'key'), NEXT_VERSION);
  release(NEXT_VERSION, next);
  await until(async () => (await device())?.facts.agent_version === NEXT_VERSION, 120_000, `the server lists the device on N+1 (${NEXT_VERSION})`);
  assert.equal(sha(installed), sha(NEXT), 'the AppImage is N+1');
  assert.ok(running(), 'N+1 runs');
  assert.equal(failedCount(NEXT_VERSION), 0);
  process.kill(-app.pid, 'SIGTERM');
  await until(() => !running(), 15_000, 'the app closed');
});

test('the draft typed in N is there in N+1', async () => {
  assert.ok(drafts().some((d) => d.title === 'Typed before the update' && d.description === 'Every word of it'), 'in the store');
  const { browser, end } = await session();
  try {
    await (await browser.$('a[href="#/tickets"]')).click();
    const draft = await browser.$('//ul[@data-testid="drafts"]/li[contains(., "Typed before the update")]');
    await draft.waitForDisplayed({ timeout: 20_000 });
  } finally {
    await end();
  }
});
