// Shared by the end-to-end tests: real binaries from the cargo target dir, on random ports.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The same default as scripts/lib.sh, so a bare `node --test` finds what the scripts built.
export const TARGET = resolve(process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/bellhop/target'));
export const BIN = (name) => join(TARGET, 'debug', name);
// Screenshots go to tests/e2e/artifacts/; with BELLHOP_DOCS_SHOTS=1 they refresh the README's desktop
// pictures in docs/ (its portal and console pictures are visual.test.mjs's references).
export const SHOTS = process.env.BELLHOP_DOCS_SHOTS ? join(ROOT, 'docs') : join(ROOT, 'tests/e2e/artifacts');
mkdirSync(SHOTS, { recursive: true });

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `bellhop-${prefix}-`));
}

/** A free loopback port (for programs that cannot report the port they bound). */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** Waits until `predicate` is true or `ms` pass. */
export async function until(predicate, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts `bellhop-server --demo` on a random port (or `listen`, to come back on the same address
 * with the same `dataDir`); resolves once it listens.
 */
export function startServer({ ui = true, dataDir = tempDir('server'), listen = '127.0.0.1:0', env = {} } = {}) {
  const args = ['--demo', '--data-dir', dataDir, '--listen', listen];
  if (ui) args.push('--ui-dir', join(ROOT, 'ui/dist'));
  const child = spawn(BIN('bellhop-server'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: 'warn', ...env },
  });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`bellhop-server did not start:\n${log}`)), 30_000);
    child.on('exit', (code) => fail(new Error(`bellhop-server exited with ${code}:\n${log}`)));
    child.stdout.on('data', (d) => {
      log += d;
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        ok({
          url: m[1],
          dataDir,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

/** Signs in through the API and returns a bearer token. */
export async function login(url, email) {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'bellhop-demo' }),
  });
  if (!res.ok) throw new Error(`login ${email}: ${res.status}`);
  return (await res.json()).token;
}

/** The newest identity confirmation token the server mailed to `email` after the first
 * `skip` messages to them, or `null`. */
export function confirmationToken(dataDir, email, skip = 0) {
  return (
    mailTo(dataDir, email)
      .slice(skip)
      .map((t) => /^Your confirmation token is (\S+)$/m.exec(t)?.[1])
      .filter(Boolean)
      .at(-1) ?? null
  );
}

/** In the desktop app (a WebDriver session): Personal settings confirms who the person is with
 * the token the server mails; returns the identity it then shows. */
export async function confirmIdentityInApp(browser, dataDir, { firstName, lastName, email }) {
  await (await browser.$('a[href="#/settings"]')).click();
  await (await browser.$('input[name="first_name"]')).setValue(firstName);
  await (await browser.$('input[name="last_name"]')).setValue(lastName);
  await (await browser.$('input[name="email"]')).setValue(email);
  const before = mailTo(dataDir, email).length;
  await (await browser.$('button=Send token')).click();
  const tokenInput = await browser.$('input[name="token"]');
  await tokenInput.waitForDisplayed({ timeout: 10_000 });
  let token = null;
  await until(() => (token = confirmationToken(dataDir, email, before)) !== null, 10_000, 'the confirmation email');
  await tokenInput.setValue(token);
  await (await browser.$('button=Save')).click();
  const identity = await browser.$('[data-testid="identity"]');
  await identity.waitForDisplayed({ timeout: 10_000 });
  return identity;
}

/**
 * The messages the server wrote to its `.eml` outbox for `email`, oldest first, with
 * quoted-printable's soft line breaks and "=3D" undone.
 */
export function mailTo(dataDir, email) {
  const dir = join(dataDir, 'outbox');
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ path: join(dir, name), at: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => a.at - b.at)
    .map((f) => readFileSync(f.path, 'utf8'))
    .filter((t) => t.split(/\r?\n/).some((l) => l.startsWith('To: ') && l.includes(email)))
    .map((t) => t.replace(/=\r?\n/g, '').replace(/=3D/g, '='));
}

/** Debian's Chromium, headless, quiet (no first-run, sync or update traffic). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** axe-core's WCAG 2.1 A and AA violations on the page as it is now, as readable lines. */
export async function axeViolations(page) {
  await page.addScriptTag({ path: join(ROOT, 'tests/e2e/node_modules/axe-core/axe.min.js') });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
}

/** The text messages the server wrote (no SMS gateway configured) to `phone`, oldest first. */
export function textsTo(dataDir, phone) {
  const dir = join(dataDir, 'sms');
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.txt'));
  } catch {
    return [];
  }
  return names
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .filter((t) => t.startsWith(`To: ${phone}\n`))
    .map((t) => t.split('\n\n').slice(1).join('\n\n').trim());
}

/** Calls the server's API as `token`; resolves with the response. */
export function callApi(server, token, method, path, body) {
  return fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

/** A fresh browser context (its own storage) signed in to the portal as `email`, at `path`. */
export async function signedInPage(browser, server, email, path, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(`${server.url}${path}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('bellhop-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

/**
 * Starts the test OpenID Connect provider (oidc-provider.mjs, the npm `oidc-provider`) for a
 * client whose redirect address is `redirectUri`; resolves with its issuer and a stop function.
 */
export function startOidcProvider(redirectUri, { tamper } = {}) {
  const child = spawn(process.execPath, [join(ROOT, 'tests/e2e/oidc-provider.mjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      OIDC_CLIENT_ID: 'bellhop',
      OIDC_CLIENT_SECRET: 'a client secret of the test provider',
      OIDC_REDIRECT_URI: redirectUri,
      ...(tamper ? { OIDC_TAMPER: tamper } : {}),
    },
  });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the OpenID provider did not start:\n${log}`)), 30_000);
    child.on('exit', (code) => fail(new Error(`the OpenID provider exited with ${code}:\n${log}`)));
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ issuer: m[1], stop: () => child.kill('SIGTERM') });
      }
    });
  });
}

/**
 * Makes `email` the desk's admin with `bellhop-server admin add` on the server's data directory,
 * chooses `password` through the printed link; resolves when they can sign in.
 */
export async function makeAdmin(server, email, password) {
  const out = await new Promise((ok, fail) => {
    const child = spawn(BIN('bellhop-server'), ['--data-dir', server.dataDir, '--public-url', server.url, 'admin', 'add', '--email', email, '--name', 'Ada Admin'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RUST_LOG: 'warn' },
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('exit', (code) => (code === 0 ? ok(text) : fail(new Error(`admin add exited with ${code}: ${text}`))));
  });
  const token = /#\/reset-password\?token=(\S+)/.exec(out)?.[1];
  if (!token) throw new Error(`no link in: ${out}`);
  const res = await fetch(`${server.url}/api/v1/auth/reset-password`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token, password }),
  });
  if (res.status !== 204) throw new Error(`choosing the admin's password: ${res.status}`);
}
