// The desk's approved software in Debian's Chromium: an admin adds an application to the list in
// the console, a package id with a shell's words is refused with the reason, the saved list
// reaches bob (without the private sources), and a technician is not offered the page.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { axeViolations, callApi, launchChromium, login, signedInPage, startServer } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  // The demo has no admin (only an admin makes one): Carol becomes the desk's admin here.
  execFileSync('sqlite3', [
    join(server.dataDir, 'bellhop.sqlite3'),
    "UPDATE users SET role = 'admin', org_id = NULL WHERE email = 'carol@globex.example'",
  ]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an admin approves an application in the console; a shell in a package id is refused; bob reads the list', async () => {
  const page = await signedInPage(browser, server, 'carol@globex.example', '/console#/software', { bypassCSP: true });
  try {
    await page.getByRole('heading', { name: 'Software' }).waitFor();
    await page.getByText('No software is approved yet.').waitFor();
    await page.getByRole('button', { name: 'Add an application' }).click();
    const item = page.getByTestId('software-item');
    await item.getByLabel('Name', { exact: true }).fill('GNU Hello');
    await item.getByLabel('Key').fill('hello');
    await item.getByLabel('apt (Linux)').fill('hello; rm -rf /');
    await page.getByRole('button', { name: 'Save software' }).click();
    const refused = page.getByRole('alert');
    await refused.waitFor();
    assert.match(await refused.textContent(), /apt: "hello; rm -rf \/" is not a package id/);

    await item.getByLabel('apt (Linux)').fill('hello');
    await item.getByLabel('winget (Windows)').fill('GNU.Hello');
    await page.getByLabel('apt repository URL').fill('https://apt.example.com/debian');
    await page.getByLabel('Suite').fill('stable');
    await page.getByLabel('Components').fill('main');
    await page
      .getByLabel('Repository signing key (ASCII-armoured)')
      .fill('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZexample\n-----END PGP PUBLIC KEY BLOCK-----');
    await page.getByRole('button', { name: 'Save software' }).click();
    await page.getByRole('status').getByText('Saved: the portal offers it at once.').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'the software page');
  } finally {
    await page.close();
  }

  const bob = await login(server.url, 'bob@acme.example');
  const res = await callApi(server, bob, 'GET', '/software');
  assert.equal(res.status, 200);
  const offered = await res.json();
  assert.deepEqual(
    offered.items.map((i) => [i.key, i.packages]),
    [['hello', [{ manager: 'winget', id: 'GNU.Hello' }, { manager: 'apt', id: 'hello' }]]],
  );
  assert.equal(offered.sources.apt, null, 'the sources are the desk’s');

  // A technician is not offered the page (only admins approve software).
  const tess = await signedInPage(browser, server, 'tech@helpdesk.example', '/console#/catalog');
  try {
    assert.equal(await tess.getByRole('link', { name: 'Software' }).count(), 0);
  } finally {
    await tess.close();
  }
});
