// Signing in with a company account, in Debian's Chromium: the desk's first admin made on the
// command line connects Acme to a real OpenID Connect provider (the npm `oidc-provider`) in the
// console and switches password sign-in off; Acme's people then sign in through the provider, in
// the portal and, from the `bellhop` app, through the system browser and a loopback address.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { BIN, SHOTS, axeViolations, launchChromium, makeAdmin, startOidcProvider, startServer, tempDir, until } from './helpers.mjs';

let server;
let provider;
let browser;

before(async () => {
  server = await startServer();
  provider = await startOidcProvider(`${server.url}/api/v1/auth/company/callback`);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  provider?.stop();
  await server?.stop();
});

test('the admin connects Acme to its provider; alice and a newcomer sign in through it, an unverified address is turned away', async () => {
  await makeAdmin(server, 'ada@helpdesk.example', 'the admin passphrase');
  const console_ = await browser.newPage();
  await console_.goto(`${server.url}/console#/orgs`);
  await console_.getByLabel('Email').fill('ada@helpdesk.example');
  await console_.getByLabel('Password').fill('the admin passphrase');
  await console_.getByRole('button', { name: 'Sign in', exact: true }).click();
  await console_.getByRole('button', { name: 'Company sign-in for Acme' }).click();
  const form = console_.getByTestId('identity-provider');
  await form.getByText('Not connected').waitFor();
  await form.getByLabel('Identity provider').selectOption('oidc');
  await form.getByLabel('Issuer').fill(provider.issuer);
  await form.getByLabel('Client ID').fill('bellhop');
  await form.getByLabel('Client secret').fill('a client secret of the test provider');
  await form.getByLabel('Its people may also sign in with a password').uncheck();
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByRole('status').filter({ hasText: 'Company sign-in for Acme saved.' }).waitFor();
  assert.equal(await form.getByTestId('redirect-uri').innerText(), `${server.url}/api/v1/auth/company/callback`);
  await console_.screenshot({ path: join(SHOTS, 'console-company-sign-in.png'), fullPage: true });
  await console_.close();

  // Alice's password no longer opens the portal: she is shown the way in.
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.getByLabel('Email').fill('alice@acme.example');
  await page.getByLabel('Password').fill('bellhop-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Your organisation signs in with its company account.' }).waitFor();
  await page.getByRole('button', { name: 'Sign in with your company account' }).click();
  await page.getByTestId('who').waitFor();
  assert.equal(await page.getByTestId('who').innerText(), 'Alice Archer');
  assert.doesNotMatch(page.url(), /ticket=/, 'the ticket is gone from the address');
  await page.close();

  // Dana is new: the provider vouches for her, and she joins Acme. (Each person in a browser of
  // their own: the provider remembers who signed in to it, as a real one does.)
  const dana = await (await browser.newContext()).newPage();
  await dana.goto(server.url);
  await dana.getByLabel('Email').fill('dana@acme.example');
  await dana.getByRole('button', { name: 'Sign in with your company account' }).click();
  await dana.getByTestId('who').waitFor();
  assert.equal(await dana.getByTestId('who').innerText(), 'Dana Doe');
  await dana.getByRole('link', { name: 'New request' }).click();
  await dana.getByLabel('Title').fill('Signed in with my company account');
  await dana.getByLabel('What happened?').fill('It works.');
  await dana.getByRole('button', { name: 'Send' }).click();
  await dana.getByRole('heading', { name: /Signed in with my company account/ }).waitFor();
  await dana.close();

  // Erin's address is not verified by the provider: back at the sign-in page, told why.
  const erin = await (await browser.newContext({ bypassCSP: true })).newPage();
  await erin.goto(server.url);
  await erin.getByLabel('Email').fill('erin@acme.example');
  await erin.getByRole('button', { name: 'Sign in with your company account' }).click();
  await erin.getByRole('alert').filter({ hasText: 'does not confirm your email address' }).waitFor();
  assert.match(erin.url(), /#\/login\?company_error=unverified_email$/);
  assert.deepEqual(await axeViolations(erin), [], 'the sign-in page with a company sign-in error');

  // An address whose organisation has no company sign-in is told to use its password.
  await erin.getByLabel('Email').fill('carol@globex.example');
  await erin.getByRole('button', { name: 'Sign in with your company account' }).click();
  await erin.getByRole('alert').filter({ hasText: 'no company sign-in here' }).waitFor();
  await erin.close();
});

test('Acme’s page in the console: its domain, contacts, people, devices and company sign-in', async () => {
  const page = await browser.newPage({ bypassCSP: true });
  await page.goto(`${server.url}/console#/orgs`);
  await page.getByLabel('Email').fill('ada@helpdesk.example');
  await page.getByLabel('Password').fill('the admin passphrase');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('link', { name: 'Acme' }).click();
  await page.getByRole('heading', { name: 'Acme', exact: true }).waitFor();
  const facts = page.getByTestId('org-facts');
  assert.match(await facts.innerText(), /acme\.example/);
  assert.match(await page.getByTestId('org-idp').innerText(), /Another OpenID Connect provider · http:\/\/127\.0\.0\.1:\d+ · password sign-in off/);
  assert.match(await page.getByTestId('org-contacts').innerText(), /Alice Archer · alice@acme\.example/);
  // Its people, searched within it (Dana joined through the provider).
  await page.getByTestId('org-people').getByText('dana@acme.example').waitFor();
  await page.getByLabel('Name or email').fill('bob');
  await page.getByRole('button', { name: 'Search' }).click();
  await until(async () => (await page.getByTestId('org-people').locator('tbody tr').count()) === 1, 10_000, 'only bob');
  assert.match(await page.getByTestId('org-people').innerText(), /Bob Baker/);
  assert.deepEqual(await axeViolations(page), [], 'the organisation page');
  await page.screenshot({ path: join(SHOTS, 'console-org.png'), fullPage: true });
  await page.close();
});

test('bob confirms who uses his computer with his company account: the browser comes back to the app on loopback', async () => {
  const home = tempDir('company-cli');
  const env = { ...process.env, BELLHOP_HOME: home };
  execFileSync(BIN('bellhop'), ['enroll', '--server', server.url, '--key', 'acme-demo-key'], { encoding: 'utf8', env });
  // The app prints the address instead of opening a browser; the test's Chromium is the browser.
  const app = spawn(BIN('bellhop'), ['identity', 'company', '--email', 'bob@acme.example', '--no-browser'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  app.stdout.on('data', (d) => (out += d));
  app.stderr.on('data', (d) => (err += d));
  const exited = new Promise((done) => app.on('exit', done));
  let url = null;
  await until(() => (url = /^(http:\/\/\S+\/auth\?\S+)$/m.exec(err)?.[1] ?? null) !== null, 15_000, `the sign-in address:\n${err}`);
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await page.getByText('You are signed in to Bellhop. You can close this tab').waitFor();
  assert.equal(await exited, 0, `bellhop identity company: ${err}`);
  assert.match(out, /confirmed: this device now works for Bob Baker <bob@acme\.example>/);
  // The credential works: the app sees bob's requests.
  const status = JSON.parse(execFileSync(BIN('bellhop'), ['--json', 'status'], { encoding: 'utf8', env }));
  assert.equal(status.user?.email, 'bob@acme.example', JSON.stringify(status));
  await page.close();
});
