// The desk looking at a customer's portal, read-only, with their consent, in Debian's Chromium:
// refused until alice allows it from her portal; then her portal as she sees it, where the
// server refuses every change; she sees who looked, and withdrawing ends the look.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SHOTS, axeViolations, launchChromium, signedInPage, startServer, until } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a technician views alice’s portal with her consent, read-only, and not without it', async () => {
  // The console, alice's page: she has not allowed it.
  const console_ = await signedInPage(browser, server, 'tech@helpdesk.example', '/console#/orgs');
  const alice = await signedInPage(browser, server, 'alice@acme.example', '/#/security', { bypassCSP: true });
  const users = await console_.evaluate(async () => {
    const res = await fetch('/api/v1/users?q=alice', { headers: { Authorization: `Bearer ${localStorage.getItem('bellhop.token')}` } });
    return res.json();
  });
  const aliceId = users.find((u) => u.email === 'alice@acme.example').id;
  await console_.goto(`${server.url}/console#/users/${aliceId}`);
  await console_.getByTestId('view-consent').filter({ hasText: 'have not let the desk look' }).waitFor();
  assert.equal(await console_.getByRole('button', { name: /View Alice Archer’s portal|View Alice Archer's portal/ }).count(), 0);

  // She allows it for an hour, from her portal's Security page.
  const consent = alice.getByTestId('view-consent');
  await consent.getByText('The service desk cannot look at your portal.').waitFor();
  assert.deepEqual(await axeViolations(alice), [], 'the Security page with the consent');
  await consent.getByLabel('For').selectOption('1');
  await consent.getByRole('button', { name: 'Allow' }).click();
  await consent.getByText(/may look at your portal until/).waitFor();

  // The technician opens her portal in a tab of its own.
  await console_.reload();
  const [look] = await Promise.all([
    console_.context().waitForEvent('page'),
    console_.getByRole('button', { name: "View Alice Archer's portal (read-only)" }).click(),
  ]);
  await look.getByTestId('viewing').waitFor();
  assert.match(await look.getByTestId('viewing').innerText(), /Alice Archer's portal as they see it, read-only \(Tess Tech\)/);
  assert.equal(await look.getByTestId('who').innerText(), 'Alice Archer');
  await look.getByTestId('tickets').locator('li').first().waitFor();
  await look.screenshot({ path: join(SHOTS, 'portal-view-as.png') });
  // The technician's own console session is untouched by the look (its own tab's storage).
  assert.equal(await console_.getByTestId('who').innerText(), 'Tess Tech');

  // A change is refused by the server, not just hidden.
  await look.getByRole('link', { name: 'New request' }).click();
  await look.getByLabel('Title').fill('Written by the desk in her name');
  await look.getByLabel('What happened?').fill('This must not be created.');
  await look.getByRole('button', { name: 'Send' }).click();
  await look.getByRole('alert').filter({ hasText: 'You may not do this.' }).waitFor();

  // Nothing was created in her name.
  await alice.goto(`${server.url}/#/tickets`);
  await alice.getByTestId('tickets').locator('li').first().waitFor();
  assert.doesNotMatch(await alice.getByTestId('tickets').innerText(), /Written by the desk/);

  // She sees who looked, and withdraws: the look ends.
  await alice.goto(`${server.url}/#/security`);
  await alice.getByTestId('views').getByText(/Tess Tech/).waitFor();
  await alice.getByTestId('view-consent').getByRole('button', { name: 'Withdraw now' }).click();
  await alice.getByText('The service desk cannot look at your portal.').waitFor();
  await look.reload();
  await until(async () => (await look.getByLabel('Password').count()) > 0, 10_000, 'the ended look asking for a sign-in');
  await Promise.all([look.close(), alice.close(), console_.close()]);
});
