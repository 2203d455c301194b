// The browser portal, served by a real bellhop-server, driven in Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { SHOTS, axeViolations, launchChromium, login, mailTo, startServer, until } from './helpers.mjs';

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

async function signIn(page, email) {
  await page.goto(server.url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('bellhop-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('who').waitFor();
}

test('alice sees her organisation’s requests and none of Globex’s', async () => {
  const page = await browser.newPage();
  await signIn(page, 'alice@acme.example');
  const rows = page.getByTestId('tickets').locator('li');
  // "My requests" first: only hers.
  await rows.first().waitFor();
  assert.doesNotMatch(await page.getByTestId('tickets').innerText(), /Bob Baker/);
  // She is Acme's primary contact: the organisation's tab has everyone's.
  await page.getByRole('button', { name: "My organisation's requests" }).click();
  await page.getByRole('heading', { name: "My organisation's requests" }).waitFor();
  await until(async () => (await rows.count()) === 8, 5_000, "Acme's eight requests");
  const text = await page.getByTestId('tickets').innerText();
  assert.match(text, /Bob Baker/);
  assert.doesNotMatch(text, /Carol Cole|Cannot log in to the ERP/);
  await page.screenshot({ path: join(SHOTS, 'portal-tickets.png') });
  await page.close();
});

test('a wrong password says so and keeps the form', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.getByLabel('Email').fill('bob@acme.example');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  assert.equal(await page.getByLabel('Email').inputValue(), 'bob@acme.example');
  await page.close();
});

test('bob creates a request and replies; markup in it is shown as text, never run', async () => {
  const page = await browser.newPage();
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  await signIn(page, 'bob@acme.example');
  await page.getByRole('link', { name: 'New request' }).click();
  const payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
  await page.getByLabel('Title').fill('Docking station dead');
  await page.getByLabel('What happened?').fill(`No power since Friday. ${payload}`);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('heading', { name: /Docking station dead/ }).waitFor();
  await page.getByLabel('Add to conversation').fill(`Still broken ${payload}`);
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.getByTestId('conversation').getByText('Still broken', { exact: false }).waitFor();
  assert.ok((await page.locator('article').innerText()).includes('<script>alert(2)</script>'));
  assert.equal(await page.locator('article img').count(), 0);
  assert.deepEqual(dialogs, []);
  await page.screenshot({ path: join(SHOTS, 'portal-ticket.png') });
  await page.close();
});

test('bob reopens a request the service desk resolved', async () => {
  const bob = await login(server.url, 'bob@acme.example');
  const tech = await login(server.url, 'tech@helpdesk.example');
  const created = await fetch(`${server.url}/api/v1/tickets`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${bob}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: crypto.randomUUID(), title: 'Monitor flickers again', description: '' }),
  });
  const ticket = await created.json();
  const resolved = await fetch(`${server.url}/api/v1/tickets/${ticket.id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${tech}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ status: 'resolved' }),
  });
  assert.ok(resolved.ok, `resolved by the desk (${resolved.status})`);

  const page = await browser.newPage();
  await signIn(page, 'bob@acme.example');
  await page.goto(`${server.url}/#/tickets/${ticket.id}`);
  await page.getByTestId('status').filter({ hasText: 'Resolved' }).waitFor();
  await page.getByRole('button', { name: 'Reopen' }).click();
  await page.getByTestId('status').filter({ hasText: 'Open' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Reopen' }).count(), 0);
  await page.close();
});

test("bob's home says what waits for him: what awaits his reply opens the list of exactly those", async () => {
  const bob = await login(server.url, 'bob@acme.example');
  const tech = await login(server.url, 'tech@helpdesk.example');
  const asked = async (token, method, path, body) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status}`);
    return res.json();
  };
  // The desk answers one of bob's requests: it awaits his reply.
  const ticket = await asked(bob, 'POST', '/tickets', { id: crypto.randomUUID(), title: 'VPN drops at noon', description: '' });
  await asked(tech, 'POST', `/tickets/${ticket.id}/comments`, { id: crypto.randomUUID(), body: 'Does it happen on the office Wi-Fi too?', visibility: 'public' });
  const counts = await asked(bob, 'GET', '/tickets/counts');
  assert.ok(counts.awaiting_reply >= 1 && counts.open >= 1, JSON.stringify(counts));

  const page = await browser.newPage({ bypassCSP: true });
  await signIn(page, 'bob@acme.example');
  const home = page.getByTestId('home');
  await home.getByRole('heading', { name: 'Hello, Bob' }).waitFor();
  const awaiting = home.getByTestId('home-awaiting');
  assert.equal(await awaiting.innerText(), `${counts.awaiting_reply} awaiting your reply`);
  assert.match(await home.getByTestId('home-open').innerText(), new RegExp(`^${counts.open} open requests?$`));
  assert.deepEqual(await axeViolations(page), [], 'the home page');

  await awaiting.click();
  await until(async () => (await page.locator('select[name="status"]').inputValue()) === 'awaiting_reply', 10_000, 'the list filtered');
  const items = page.getByTestId('tickets').locator('li');
  await until(async () => (await items.count()) === counts.awaiting_reply, 10_000, 'exactly those awaiting his reply');
  assert.match(await page.getByTestId('tickets').innerText(), /VPN drops at noon/);
  await page.screenshot({ path: join(SHOTS, 'portal-home.png') });
  await page.close();
});

test('the portal fits a 360 px wide phone screen', async () => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await signIn(page, 'alice@acme.example');
  await page.getByTestId('tickets').locator('li').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await page.close();
});

/** The reset link in the newest password email to `email`, from the server's .eml outbox. */
function resetLinkFor(email) {
  const links = mailTo(server.dataDir, email)
    .map((t) => /(http:\/\/\S+#\/reset-password\?token=bhr_[A-Za-z0-9_-]+)/.exec(t)?.[1])
    .filter(Boolean);
  return links.at(-1) ?? null;
}

test('carol forgets her password, follows the emailed link and signs in with a new one', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Email').fill('carol@globex.example');
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await page.getByTestId('forgot-sent').waitFor();

  let link = null;
  await until(() => (link = resetLinkFor('carol@globex.example')) !== null, 10_000, 'the reset email');
  assert.ok(link.startsWith(server.url), `the link points at this portal: ${link}`);
  await page.goto(link);
  await page.getByLabel(/New password/).fill('correct horse battery');
  await page.getByLabel('The same again').fill('correct horse battery');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await page.getByTestId('reset-done').waitFor();

  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.getByLabel('Email').fill('carol@globex.example');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('who').waitFor();
  assert.equal(await page.getByTestId('who').innerText(), 'Carol Cole');
  await page.close();
});

test('dana signs up with her Acme address, chooses a password from the welcome email and opens her first request', async () => {
  // axe is injected into the page: the test lets its script past the portal's CSP.
  const page = await browser.newPage({ bypassCSP: true });
  await page.goto(server.url);
  await page.getByRole('link', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Sign up for the service desk' }).waitFor();
  assert.deepEqual(await axeViolations(page), [], 'the sign-up form');
  await page.getByLabel('Your name').fill('Dana Doe');
  await page.getByLabel('Email').fill('dana@acme.example');
  await page.getByRole('button', { name: 'Sign up' }).click();
  const sent = await page.getByTestId('signup-sent').innerText();
  assert.match(sent, /If dana@acme\.example may sign up/);

  let link = null;
  await until(() => (link = resetLinkFor('dana@acme.example')) !== null, 10_000, 'the welcome email');
  assert.ok(link.startsWith(server.url), `the link points at this portal: ${link}`);
  await page.goto(link);
  await page.getByLabel(/New password/).fill('dana picks a good one');
  await page.getByLabel('The same again').fill('dana picks a good one');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await page.getByTestId('reset-done').waitFor();
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.getByLabel('Email').fill('dana@acme.example');
  await page.getByLabel('Password').fill('dana picks a good one');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  assert.equal(await page.getByTestId('who').innerText(), 'Dana Doe');

  // Her list is empty: it says what it is for and leads to her first request.
  const empty = page.getByTestId('empty-state');
  assert.match(await empty.innerText(), /No requests yet/);
  assert.deepEqual(await axeViolations(page), [], 'the empty list');
  await page.getByLabel('Search').fill('printer');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await until(async () => /No requests match this search/.test(await empty.innerText()), 10_000, 'the empty search');
  await page.getByLabel('Search').fill('');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await until(async () => /No requests yet/.test(await empty.innerText()), 10_000, 'the empty list again');
  await empty.getByRole('link', { name: 'Ask the service desk' }).click();
  await page.getByLabel('Title').fill('My monitor flickers');
  await page.getByLabel('What happened?').fill('Since this morning.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('heading', { name: /My monitor flickers/ }).waitFor();

  // The same form for an address with an account: the same words, and a letter to its owner.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign up' }).click();
  await page.getByLabel('Your name').fill('Someone');
  await page.getByLabel('Email').fill('bob@acme.example');
  await page.getByRole('button', { name: 'Sign up' }).click();
  assert.match(await page.getByTestId('signup-sent').innerText(), /If bob@acme\.example may sign up/);
  await until(
    () => mailTo(server.dataDir, 'bob@acme.example').some((m) => m.includes('You already have a Bellhop account')),
    10_000,
    'the letter to bob',
  );
  await page.close();
});

test('alice switches the portal to Italian and back; her choice follows her to another browser', async () => {
  const page = await browser.newPage();
  await signIn(page, 'alice@acme.example');
  await page.locator('select[name="language"]').selectOption('it');
  await page.getByRole('heading', { name: 'Le mie richieste' }).waitFor();
  await page.getByRole('link', { name: 'Nuova richiesta' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'it');
  // Statuses are words in Italian too, and dates follow the language.
  await page.getByTestId('tickets').locator('li').first().waitFor();
  assert.match(await page.getByTestId('tickets').innerText(), /Aperto|Risolto|Chiuso|In attesa/);
  await page.screenshot({ path: join(SHOTS, 'portal-italian.png') });

  // Kept by the server: a fresh browser (nothing stored) signs her in in Italian.
  await until(async () => {
    const token = await login(server.url, 'alice@acme.example');
    const me = await (await fetch(`${server.url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
    return me.language === 'it';
  }, 5_000, "alice's language on the server");
  const other = await browser.newPage();
  await signIn(other, 'alice@acme.example');
  await other.getByRole('heading', { name: 'Le mie richieste' }).waitFor();

  // And back, without a reload: everything is English again.
  await other.locator('select[name="language"]').selectOption('en');
  await other.getByRole('heading', { name: 'My requests' }).waitFor();
  await other.getByRole('link', { name: 'New request' }).waitFor();
  assert.equal(await other.getByText('Le mie richieste').count(), 0);
  await page.close();
  await other.close();
});

test('bob sends a picture with a request and a file with a reply; a file in an internal note stays with the desk', async () => {
  const page = await browser.newPage();
  await signIn(page, 'bob@acme.example');
  // A 40×30 orange picture.
  const picture = new PNG({ width: 40, height: 30 });
  for (let i = 0; i < picture.data.length; i += 4) picture.data.set([255, 140, 0, 255], i);
  await page.getByRole('link', { name: 'New request' }).click();
  await page.getByLabel('Title').fill('Error dialog on start');
  await page.locator('input[name="files"]').setInputFiles({ name: 'dialog.png', mimeType: 'image/png', buffer: PNG.sync.write(picture) });
  await page.getByTestId('chosen-files').filter({ hasText: 'dialog.png' }).waitFor();
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('heading', { name: /Error dialog on start/ }).waitFor();
  const shown = page.getByTestId('files').getByRole('img', { name: 'dialog.png' });
  await shown.waitFor();
  assert.deepEqual(await shown.evaluate((img) => [img.naturalWidth, img.naturalHeight]), [40, 30]);

  // A reply with a text file: listed under the reply, and it downloads byte for byte.
  await page.getByLabel('Add to conversation').fill('The log is attached.');
  await page.locator('form input[name="files"]').setInputFiles({ name: 'start.log', mimeType: 'text/plain', buffer: Buffer.from('line 1\nline 2\n') });
  await page.getByRole('button', { name: 'Send reply' }).click();
  const download = page.getByTestId('conversation').getByRole('button', { name: /Download start\.log/ });
  await download.waitFor();
  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  assert.equal(file.suggestedFilename(), 'start.log');
  const path = await file.path();
  assert.equal(readFileSync(path, 'utf8'), 'line 1\nline 2\n');
  await page.screenshot({ path: join(SHOTS, 'portal-files.png') });

  // The technician's internal note brings a file bob never sees.
  const id = new URL(page.url()).hash.split('/').pop();
  const tech = await login(server.url, 'tech@helpdesk.example');
  const secret = Buffer.from('admin password list');
  const sha = (await import('node:crypto')).createHash('sha256').update(secret).digest('hex');
  const put = await fetch(`${server.url}/api/v1/attachments/${sha}`, { method: 'PUT', headers: { Authorization: `Bearer ${tech}` }, body: secret });
  assert.ok(put.ok, `upload ${put.status}`);
  const note = await fetch(`${server.url}/api/v1/tickets/${id}/comments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${tech}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: crypto.randomUUID(), body: 'Desk only', visibility: 'internal', attachments: [{ sha256: sha, file_name: 'secrets.txt' }] }),
  });
  assert.ok(note.ok, `note ${note.status}`);
  await page.reload();
  await page.getByRole('heading', { name: /Error dialog on start/ }).waitFor();
  await page.getByTestId('conversation').getByRole('button', { name: /Download start\.log/ }).waitFor();
  const text = await page.locator('article').innerText();
  assert.doesNotMatch(text, /secrets\.txt|Desk only/);
  await page.close();
});

test('bob copies alice on a request; someone outside Acme cannot be copied; alice finds it under CC', async () => {
  const page = await browser.newPage();
  await signIn(page, 'bob@acme.example');
  // Bob is no primary contact: no organisation tab for him.
  await page.getByRole('button', { name: "Requests I'm CC'd on" }).waitFor();
  assert.equal(await page.getByRole('button', { name: "My organisation's requests" }).count(), 0);
  await page.getByRole('link', { name: 'New request' }).click();
  await page.getByLabel('Title').fill('Projector in room 3 flickers');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('heading', { name: /Projector in room 3/ }).waitFor();
  const cc = page.getByTestId('cc');
  await cc.getByText('Nobody is copied.').waitFor();
  await cc.getByLabel('Copy someone by email').fill('carol@globex.example');
  await cc.getByRole('button', { name: 'Add' }).click();
  await cc.getByRole('alert').filter({ hasText: "No one in the request's organisation" }).waitFor();
  await cc.getByLabel('Copy someone by email').fill('alice@acme.example');
  await cc.getByRole('button', { name: 'Add' }).click();
  await cc.getByText('Alice Archer', { exact: true }).waitFor();
  await cc.getByRole('button', { name: 'Remove Alice Archer' }).waitFor();
  await page.close();

  const hers = await browser.newPage();
  await signIn(hers, 'alice@acme.example');
  await hers.getByRole('button', { name: "Requests I'm CC'd on" }).click();
  await hers.getByRole('heading', { name: "Requests I'm CC'd on" }).waitFor();
  await hers.getByTestId('tickets').getByText('Projector in room 3 flickers').waitFor();
  await hers.close();
});

test('what bob types is kept in this browser as he types: after a reload it is a draft he finishes and sends once', async () => {
  const page = await browser.newPage();
  await signIn(page, 'bob@acme.example');
  await page.getByRole('link', { name: 'New request' }).click();
  await page.getByLabel('Title').fill('Badge reader refuses my card');
  await page.getByLabel('What happened?').fill('Since this morning at the side door');
  await page.getByLabel('Type').selectOption({ label: 'Incident' });
  // The tab is closed or crashes; the next visit finds the words.
  await page.reload();
  await page.getByRole('link', { name: 'My requests' }).click();
  const draft = page.getByTestId('drafts').locator('li', { hasText: 'Badge reader refuses my card' });
  await draft.waitFor();
  await draft.getByRole('link', { name: 'Edit' }).click();
  assert.equal(await page.getByLabel('What happened?').inputValue(), 'Since this morning at the side door');
  assert.equal(await page.getByLabel('Type').inputValue(), 'incident');
  await page.getByLabel('What happened?').fill('Since this morning at the side door and the lift.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('heading', { name: /Badge reader refuses my card/ }).waitFor();
  await page.getByRole('link', { name: 'My requests', exact: true }).click();
  await page.getByTestId('tickets').locator('li').first().waitFor();
  assert.equal(await page.getByTestId('drafts').count(), 0, 'sent: no draft left');
  const token = await login(server.url, 'bob@acme.example');
  const found = await (await fetch(`${server.url}/api/v1/tickets?q=Badge%20reader`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.equal(found.items.length, 1);
  assert.equal(found.items[0].description, 'Since this morning at the side door and the lift.');
  assert.equal(found.items[0].ticket_type, 'incident');
  await page.close();
});

test('every main view passes axe’s WCAG 2.1 AA checks, in the light and the dark theme and on a phone', async () => {
  for (const [colorScheme, viewport] of [
    ['light', { width: 1280, height: 800 }],
    ['dark', { width: 1280, height: 800 }],
    ['light', { width: 360, height: 740 }],
  ]) {
    // axe is injected as a script: our own CSP would (rightly) refuse it.
    const context = await browser.newContext({ colorScheme, viewport, bypassCSP: true });
    const page = await context.newPage();
    const check = async (what) => {
      const found = await axeViolations(page);
      assert.deepEqual(found, [], `${what} (${colorScheme}, ${viewport.width} px)`);
    };
    await page.goto(server.url);
    await page.getByLabel('Email').waitFor();
    await check('sign-in');
    await page.getByLabel('Email').fill('alice@acme.example');
    await page.getByLabel('Password').fill('bellhop-demo');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('tickets').locator('li').first().waitFor();
    await check('my requests');
    await page.getByTestId('tickets').locator('li a').first().click();
    await page.getByTestId('conversation').waitFor();
    await check('a request');
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Title').waitFor();
    await check('new request');
    await page.getByRole('link', { name: 'Knowledge base' }).click();
    await page.getByTestId('articles').locator('li').first().waitFor();
    await check('knowledge base');
    await page.getByTestId('articles').locator('li a').first().click();
    await page.getByTestId('article').waitFor();
    await check('an article');
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByTestId('phone-state').waitFor();
    await check('security');
    await context.close();
  }
});
