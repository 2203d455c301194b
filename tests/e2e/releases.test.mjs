// Releases in the console, in Debian's Chromium: a release added on the server with a file
// signed by Debian's minisign (as the Tauri bundler signs), two Linux computers of Acme (one
// reporting it runs the release); the admin sees its progress, widens it, pauses and resumes
// it, and the feed follows; the Devices page shows each computer's version. Technicians have no
// Releases page. An admin uploads a release with its signature in the console; one whose
// signature is not the app's key's is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, SHOTS, axeViolations, callApi, launchChromium, makeAdmin, signedInPage, startServer, tempDir, until } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  await makeAdmin(server, 'ada@helpdesk.example', 'bellhop-demo');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Signs `file` as the bundler does (`FILE.sig`: base64 of minisign's signature) with `key`. */
function sign(file, key) {
  execFileSync('minisign', ['-S', '-s', key, '-m', file, '-x', `${file}.minisig`], { stdio: 'ignore' });
  writeFileSync(`${file}.sig`, readFileSync(`${file}.minisig`).toString('base64'));
}

/** A minisign key pair in `dir` (`NAME` and `NAME.pub`); the public key as tauri.conf.json holds it. */
function keyPair(dir, name) {
  execFileSync('minisign', ['-G', '-W', '-p', join(dir, `${name}.pub`), '-s', join(dir, name)], { stdio: 'ignore' });
  return readFileSync(join(dir, `${name}.pub`)).toString('base64');
}

/** Enrols a Linux computer of Acme running `version`; its secret. */
async function linuxComputer(host, version) {
  const res = await fetch(`${server.url}/api/v1/devices/enroll`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      enrolment_key: 'acme-demo-key',
      device: { hostname: host, os: 'Debian', os_version: '12', serial: null, macs: [], os_user: 'bob', platform: 'linux', agent_version: version },
    }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).device_secret;
}

test('the admin pages say when nothing is there yet, and a first read that fails says why with Try again', async () => {
  const page = await signedInPage(browser, server, 'ada@helpdesk.example', '/console#/queue');
  const empty = page.getByTestId('empty-state');
  try {
    // No release yet: what that means for the computers, with the form to add one open.
    await page.goto(`${server.url}/console#/releases`);
    await until(async () => (await empty.count()) === 1 && /No release yet/.test(await empty.innerText()), 10_000, 'releases: none yet');
    assert.match(await empty.innerText(), /Every computer keeps the version it has/);
    // Approved software: none in the demo.
    await page.goto(`${server.url}/console#/software`);
    await until(async () => (await empty.count()) === 1 && /No software is approved yet/.test(await empty.innerText()), 10_000, 'software: none yet');

    // Each page's first read failing: what happened, in the reader's words, and Try again, never
    // "nothing here".
    const busy = { error: { code: 'unavailable', message: 'the database is busy' } };
    const said = 'The service desk cannot be reached right now.';
    for (const [hash, path, shown] of [
      ['#/releases', '/api/v1/releases', () => page.getByText('No release yet')],
      ['#/software', '/api/v1/software', () => page.getByRole('button', { name: 'Add an application' })],
      ['#/catalog', '/api/v1/catalog', () => page.getByRole('button', { name: 'Add a category' })],
      ['#/orgs', '/api/v1/orgs', () => page.getByRole('link', { name: 'Acme' })],
      ['#/kb', '/api/v1/kb/articles', () => page.getByTestId('kb')],
    ]) {
      let failing = true;
      const glob = `**${path}**`;
      await page.route(glob, (route) =>
        failing && route.request().method() === 'GET'
          ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify(busy) })
          : route.fallback(),
      );
      await page.goto(`${server.url}/console${hash}`);
      await page.reload();
      const alert = page.getByRole('alert').filter({ hasText: said });
      await alert.waitFor();
      assert.equal(await empty.count(), 0, `${hash}: a failed read is not "nothing here"`);
      failing = false;
      await alert.getByRole('button', { name: 'Try again' }).click();
      await shown().first().waitFor();
      assert.equal(await alert.count(), 0, `${hash}: the failure is gone once read`);
      await page.unroute(glob);
    }

    // The knowledge base searched for words no article has: said, with the words.
    await page.getByLabel('Search articles').fill('zzyzx quorble');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await until(async () => (await empty.count()) === 1 && /No article matches/.test(await empty.innerText()), 10_000, 'articles: no match');
    assert.match(await empty.innerText(), /“zzyzx quorble”/);
    assert.equal(await page.getByTestId('kb').count(), 0);
    await page.goto(`${server.url}/console#/orgs`);

    // An organisation: its page fails and recovers the same way; its people, searched for
    // nobody, say so with what was searched.
    await page.getByRole('link', { name: 'Acme' }).first().click();
    await page.getByRole('heading', { name: 'Acme', exact: true }).waitFor();
    await page.getByTestId('org-people').getByText('bob@acme.example').waitFor();
    await page.getByLabel('Name or email').fill('nobody-by-this-name');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await until(async () => (await empty.count()) === 1 && /Nobody found/.test(await empty.innerText()), 10_000, 'the people: no match');
    assert.match(await empty.innerText(), /“nobody-by-this-name”/);
    assert.equal(await page.getByTestId('org-people').count(), 0);
    const orgUrl = page.url();
    let failing = true;
    await page.route('**/api/v1/orgs/*', (route) =>
      failing && route.request().method() === 'GET'
        ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify(busy) })
        : route.fallback(),
    );
    await page.goto(orgUrl);
    await page.reload();
    const alert = page.getByRole('alert').filter({ hasText: said });
    await alert.waitFor();
    failing = false;
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Acme', exact: true }).waitFor();
    await page.getByTestId('org-people').getByText('bob@acme.example').waitFor();
  } finally {
    await page.context().close();
  }
});

test('an admin follows, widens, pauses and resumes a release; the feed follows', async () => {
  // The release, signed as the bundler signs: base64 of minisign's signature file.
  const dir = tempDir('release');
  const file = join(dir, 'Bellhop_0.2.0_amd64.AppImage');
  writeFileSync(file, 'the AppImage of Bellhop 0.2.0'.repeat(500));
  execFileSync('minisign', ['-G', '-W', '-p', join(dir, 'key.pub'), '-s', join(dir, 'key')], { stdio: 'ignore' });
  execFileSync('minisign', ['-S', '-s', join(dir, 'key'), '-m', file, '-x', join(dir, 'app.minisig')], { stdio: 'ignore' });
  writeFileSync(`${file}.sig`, readFileSync(join(dir, 'app.minisig')).toString('base64'));
  const publicKey = readFileSync(join(dir, 'key.pub')).toString('base64');
  execFileSync(
    BIN('bellhop-server'),
    ['--data-dir', server.dataDir, 'release', 'add', '--version', '0.2.0', '--notes', 'Faster screenshots', '--percent', '0', '--public-key', publicKey, '--artifact', `linux-x86_64=${file}`],
    { env: { ...process.env, RUST_LOG: 'warn' } },
  );
  const first = await linuxComputer('ACME-LNX-1', '0.1.0');
  await linuxComputer('ACME-LNX-2', '0.2.0');
  const feed = async (secret) => (await callApi(server, secret, 'GET', '/device/update/linux/x86_64/0.1.0')).status;
  assert.equal(await feed(first), 204, 'offered to 0% of computers: nobody');

  const page = await signedInPage(browser, server, 'ada@helpdesk.example', '/console#/releases', { bypassCSP: true });
  const release = page.getByTestId('release');
  await release.getByRole('heading', { name: /0\.2\.0/ }).waitFor();
  assert.match(await release.getByTestId('release-progress').innerText(), /0 of 2 computers offered · 1 on it · 0 failed/);
  assert.match(await release.innerText(), /Faster screenshots/);
  assert.match(await release.innerText(), /linux-x86_64/);
  assert.deepEqual(await axeViolations(page), [], 'the Releases page');

  // Widened to every computer: both are offered it, and the feed offers it.
  await release.getByLabel('Share of computers').fill('100');
  await release.getByRole('button', { name: 'Save share' }).click();
  await page.getByRole('status').filter({ hasText: 'Release 0.2.0 changed.' }).waitFor();
  assert.match(await release.getByTestId('release-progress').innerText(), /2 of 2 computers offered/);
  assert.equal(await feed(first), 200);

  // Paused: nobody is offered it; resumed: offered again.
  await release.getByRole('button', { name: 'Pause' }).click();
  await release.getByTestId('paused-reason').filter({ hasText: 'paused by Ada Admin' }).waitFor();
  assert.equal(await release.getByTestId('release-status').innerText(), 'Paused');
  assert.equal(await feed(first), 204);
  await page.screenshot({ path: join(SHOTS, 'console-releases.png'), fullPage: true });
  await release.getByRole('button', { name: 'Resume' }).click();
  await release.getByTestId('release-status').filter({ hasText: 'Rolling out' }).waitFor();
  assert.equal(await feed(first), 200);

  // The Devices page shows each computer's version.
  await page.goto(`${server.url}/console#/devices`);
  const row = page.getByRole('row').filter({ hasText: 'ACME-LNX-2' });
  assert.equal((await row.getByTestId('app-version').innerText()).trim(), '0.2.0');

  // A technician has no Releases page.
  const tech = await signedInPage(browser, server, 'tech@helpdesk.example', '/console#/releases');
  assert.equal(await tech.getByRole('link', { name: 'Releases' }).count(), 0);
  assert.equal(await tech.getByTestId('release').count(), 0);
});

test('an admin uploads a release with its signature in the console; a forged one is refused', async () => {
  const dir = tempDir('upload');
  const publicKey = keyPair(dir, 'key');
  keyPair(dir, 'other');
  const file = join(dir, 'Bellhop_0.3.0_amd64.AppImage');
  const bytes = 'the AppImage of Bellhop 0.3.0'.repeat(2000);
  writeFileSync(file, bytes);
  const forgedDir = tempDir('forged');
  const forged = join(forgedDir, 'Bellhop_0.3.0_amd64.AppImage');
  writeFileSync(forged, bytes);
  sign(file, join(dir, 'key'));
  sign(forged, join(dir, 'other'));
  const computer = await linuxComputer('ACME-LNX-3', '0.1.0');

  const page = await signedInPage(browser, server, 'ada@helpdesk.example', '/console#/releases', { bypassCSP: true });
  const form = page.getByTestId('new-release');
  await form.locator('summary').click();
  await form.getByLabel('Version').fill('0.3.0');
  await form.getByLabel('Acme', { exact: true }).check();
  await form.getByLabel("What's new").fill('Chat from the tray');
  await form.getByLabel("The app's updater public key (optional)").fill(publicKey);
  const files = form.locator('input[name="files"]');

  // Signed with a key that is not the app's: refused, nothing added.
  await files.setInputFiles([forged, `${forged}.sig`]);
  assert.equal(await form.getByLabel(/Platform of Bellhop_0\.3\.0_amd64\.AppImage/).inputValue(), 'linux-x86_64');
  await form.getByText('Signature found').waitFor();
  await form.getByRole('button', { name: 'Add release' }).click();
  await form.getByRole('alert').filter({ hasText: 'does not sign this file' }).waitFor();
  assert.equal(await page.getByTestId('release').filter({ hasText: '0.3.0' }).count(), 0);

  // A bundle without its signature cannot be sent.
  await files.setInputFiles([file]);
  await form.getByText('No signature: pick Bellhop_0.3.0_amd64.AppImage.sig too.').waitFor();
  assert.ok(await form.getByRole('button', { name: 'Add release' }).isDisabled());

  // Signed by the app's key: added, listed, offered, downloaded whole.
  await files.setInputFiles([file, `${file}.sig`]);
  await form.getByRole('button', { name: 'Add release' }).click();
  await page.getByRole('status').filter({ hasText: 'Release 0.3.0 added.' }).waitFor();
  const release = page.getByTestId('release').filter({ has: page.getByRole('heading', { name: /0\.3\.0/ }) });
  await release.waitFor();
  assert.match(await release.innerText(), /Chat from the tray/);
  assert.match(await release.innerText(), /Organisations:\s*1/);
  const res = await callApi(server, computer, 'GET', '/device/update/linux/x86_64/0.1.0');
  assert.equal(res.status, 200);
  const offer = await res.json();
  assert.equal(offer.version, '0.3.0');
  assert.equal(offer.signature, readFileSync(`${file}.sig`, 'utf8'));
  const download = await fetch(offer.url, { headers: { Authorization: `Bearer ${computer}` } });
  assert.equal(await download.text(), bytes);

  // The key is remembered in this browser.
  await page.reload();
  await page.getByTestId('new-release').locator('summary').click();
  assert.equal(await page.getByTestId('new-release').getByLabel("The app's updater public key (optional)").inputValue(), publicKey);
});
