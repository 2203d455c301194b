// The technician console at /console, served by a real bellhop-server, driven in Debian's
// Chromium — and checked against what alice sees in the portal.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BIN, SHOTS, axeViolations, confirmationToken, launchChromium, login, mailTo, startServer, tempDir, textsTo, until } from './helpers.mjs';

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

/** Calls the API as `token`; returns the parsed JSON (or null for an empty answer). */
async function api(token, method, path, body) {
  const headers = { Authorization: `Bearer ${token}` };
  let payload;
  if (Buffer.isBuffer(body)) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${server.url}/api/v1${path}`, { method, headers, body: payload });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

async function signIn(page, email, path = '/console') {
  await page.goto(`${server.url}${path}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('bellhop-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('who').waitFor();
}

async function enrol(host, mac) {
  const res = await fetch(`${server.url}/api/v1/devices/enroll`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      enrolment_key: 'globex-demo-key',
      device: { hostname: host, os: 'Windows', os_version: '11 23H2', serial: `SN-${host}`, macs: [mac], os_user: 'carol' },
    }),
  });
  assert.equal(res.status, 201);
  return res.json();
}

test('an end user who signs in to the console is sent to the portal', async () => {
  const page = await browser.newPage();
  await signIn(page, 'bob@acme.example');
  await page.getByRole('heading', { name: 'This console is for the service desk' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Queue' }).count(), 0);
  await page.close();
});

test('a technician activates a waiting Globex device and the device learns it', async () => {
  const device = await enrol('GLX-E2E-1', 'AA:BB:CC:00:11:22');
  const state = () => api(device.device_secret, 'GET', '/device');
  assert.equal((await state()).status, 'pending');

  const page = await browser.newPage();
  await signIn(page, 'tech@helpdesk.example');
  await page.getByRole('link', { name: 'Devices' }).click();
  await page.getByLabel('Organisation').selectOption({ label: 'Globex' });
  const row = page.getByTestId('devices').locator('tr', { hasText: 'GLX-E2E-1' });
  await row.getByText('Not activated yet').waitFor();
  await page.getByLabel('Select GLX-E2E-1').check();
  await page.getByRole('button', { name: 'Activate selected', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '1 device activated.' }).waitFor();
  await row.getByText('Active').waitFor();
  assert.equal((await state()).status, 'active');
  await page.screenshot({ path: join(SHOTS, 'console-devices.png') });

  // Nobody confirmed an identity on it yet; the desk gives it to Carol, who uses it.
  const usedBy = row.getByLabel('Who uses GLX-E2E-1');
  assert.equal(await usedBy.inputValue(), '');
  await usedBy.selectOption({ label: 'Carol Cole' });
  await page.getByRole('status').filter({ hasText: 'GLX-E2E-1 is now used by Carol Cole.' }).waitFor();
  const carol = await login(server.url, 'carol@globex.example');
  const hers = await api(carol, 'GET', '/me/devices');
  assert.deepEqual(hers.map((d) => d.facts.hostname), ['GLX-E2E-1']);

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByTestId('audit').getByText('activated 1 device').first().waitFor();
  await page.getByTestId('audit').getByText('GLX-E2E-1 assigned to Carol Cole').first().waitFor();
  await page.close();
});

test('the desk replies and adds a note on alice’s ticket; alice sees the reply and never the note', async () => {
  const alice = await login(server.url, 'alice@acme.example');
  const tech = await page_of(browser);
  await signIn(tech, 'tech@helpdesk.example');

  // The queue is live: a ticket alice opens now appears without reloading.
  await tech.getByLabel('Status').selectOption({ label: 'Open' });
  const queue = tech.getByTestId('queue');
  await queue.locator('tbody tr').first().waitFor();
  const shot = await tech.screenshot();
  const sha256 = createHash('sha256').update(shot).digest('hex');
  await api(alice, 'PUT', `/attachments/${sha256}`, shot);
  const ticket = await api(alice, 'POST', '/tickets', {
    id: randomUUID(),
    title: 'Docking station drops the second monitor',
    description: 'Every morning the right-hand screen stays black.',
    source: 'hotkey',
    attachments: [{ sha256, file_name: 'screen.png' }],
  });
  const row = queue.locator('tr', { hasText: 'Docking station drops the second monitor' });
  await row.waitFor({ timeout: 10_000 });
  assert.match(await row.innerText(), /Acme/);
  assert.match(await row.innerText(), /Unassigned/);
  await tech.screenshot({ path: join(SHOTS, 'console-queue.png') });

  await row.getByRole('link').click();
  await tech.getByRole('heading', { name: /Docking station drops/ }).waitFor();
  // The screenshot opens in the viewer at full size.
  await tech.getByRole('button', { name: 'View screen.png' }).click();
  const full = tech.locator('dialog.viewer img');
  await full.waitFor();
  assert.ok(await full.evaluate((img) => img.complete && img.naturalWidth > 0), 'the screenshot loads');
  await tech.locator('dialog.viewer').getByRole('button', { name: 'Close' }).click();

  await tech.getByLabel('Assignee').selectOption({ label: 'Tess Tech (me)' });
  await tech.getByRole('status').filter({ hasText: 'Assigned to Tess Tech.' }).waitFor();
  assert.equal((await api(alice, 'GET', `/tickets/${ticket.id}`)).assignee_name, 'Tess Tech');

  await tech.getByLabel('Reply or note').fill('Looks like the dock firmware: ask for the serial number.');
  await tech.getByRole('button', { name: 'Add internal note' }).click();
  await tech.getByTestId('conversation').getByText('Internal note').waitFor();
  await tech.getByLabel('Reply or note').fill('We are on it: please unplug the dock for ten seconds.');
  await tech.getByRole('button', { name: 'Send reply' }).click();
  await tech.getByTestId('conversation').getByText('please unplug the dock').waitFor();
  // A public reply moves the ticket to "awaiting customer".
  assert.equal(await tech.locator('select[name=status]').inputValue(), 'awaiting_reply');
  await tech.screenshot({ path: join(SHOTS, 'console-ticket.png'), fullPage: true });

  const portal = await page_of(browser);
  await signIn(portal, 'alice@acme.example', '/');
  await portal.goto(`${server.url}/#/tickets/${ticket.id}`);
  const conversation = portal.getByTestId('conversation');
  await conversation.getByText('please unplug the dock').waitFor();
  const seen = await portal.locator('article').innerText();
  assert.doesNotMatch(seen, /dock firmware|Internal note/);
  await portal.close();
  await tech.close();
});

/** The code in the newest verification email to `email`. */
function verificationCode(email) {
  const codes = mailTo(server.dataDir, email)
    .filter((t) => t.includes('Subject: Your Bellhop verification code'))
    .map((t) => /^Your code is (\S+)$/m.exec(t)?.[1])
    .filter(Boolean);
  return codes.at(-1) ?? null;
}

test('the help-desk search finds bob by phone number and a device by its MAC address', async () => {
  await enrol('GLX-E2E-2', 'DE:AD:BE:EF:00:42');
  const page = await browser.newPage();
  await signIn(page, 'tech@helpdesk.example');
  await page.getByRole('link', { name: 'Search' }).click();
  const box = page.getByLabel('People, organisations and devices');
  await box.fill('555 010-0142');
  await box.press('Enter');
  const people = page.getByTestId('found-users');
  await people.waitFor();
  assert.equal(await people.locator('li').count(), 1);
  assert.match(await people.innerText(), /Bob Baker/);

  // His page: the desk verifies the caller with a code emailed to him and read back.
  await people.getByRole('link', { name: 'Bob Baker' }).click();
  await page.getByRole('heading', { name: 'Bob Baker' }).waitFor();
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByRole('status').filter({ hasText: 'Code sent' }).waitFor();
  let code = null;
  await until(() => (code = verificationCode('bob@acme.example')) !== null, 10_000, 'the verification email');
  await page.getByLabel('Code the caller reads out').fill('0000-0000');
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByTestId('verified').filter({ hasText: 'Not verified' }).waitFor();
  await page.getByLabel('Code the caller reads out').fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByTestId('verified').filter({ hasText: 'Verified' }).waitFor();
  // The user's page names the last email, never the code in it.
  await page.getByTestId('last-email').filter({ hasText: 'verification code' }).waitFor();
  assert.doesNotMatch(await page.locator('article').innerText(), new RegExp(code.replace('-', '.?'), 'i'));
  await page.screenshot({ path: join(SHOTS, 'console-user.png'), fullPage: true });
  await page.getByRole('link', { name: '← Search' }).click();

  await box.fill('de-ad-be-ef-00-42');
  await box.press('Enter');
  const devices = page.getByTestId('found-devices');
  await devices.getByText('GLX-E2E-2', { exact: true }).waitFor();
  assert.equal(await devices.locator('li').count(), 1);
  assert.equal(await page.getByTestId('found-users').count(), 0);
  await page.screenshot({ path: join(SHOTS, 'console-search.png') });
  await page.close();
});

function page_of(b) {
  return b.newPage({ viewport: { width: 1280, height: 900 } });
}

test('the knowledge base switched off for bob only: his portal loses it, alice’s keeps it', async () => {
  const tech = await page_of(browser);
  await signIn(tech, 'tech@helpdesk.example');
  await tech.getByRole('link', { name: 'Portal settings' }).click();
  const kb = tech.locator('fieldset', { hasText: 'Knowledge base' });
  await kb.getByLabel('Who sees it').selectOption({ label: 'Off only for these organisations and people' });
  await kb.getByLabel('Add a person by email').fill('bob@acme.example');
  await kb.getByRole('button', { name: 'Add to Knowledge base' }).click();
  await kb.getByText('Bob Baker').waitFor();
  await tech.getByRole('button', { name: 'Save settings' }).click();
  await tech.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  await tech.screenshot({ path: join(SHOTS, 'console-settings.png'), fullPage: true });
  await tech.close();

  const bob = await page_of(browser);
  await signIn(bob, 'bob@acme.example', '/');
  await bob.getByRole('link', { name: 'My requests' }).waitFor();
  assert.equal(await bob.getByRole('link', { name: 'Knowledge base' }).count(), 0);
  await bob.goto(`${server.url}/#/kb`);
  await bob.getByRole('heading', { name: 'My requests' }).waitFor();
  assert.equal(await bob.getByTestId('articles').count(), 0);
  await bob.close();

  const alice = await page_of(browser);
  await signIn(alice, 'alice@acme.example', '/');
  await alice.getByRole('link', { name: 'Knowledge base' }).click();
  const articles = alice.getByTestId('articles').locator('li');
  await articles.first().waitFor();
  assert.equal(await articles.count(), 10);
  await articles.first().getByRole('link').click();
  await alice.getByTestId('article').locator('.article-body').waitFor();
  assert.ok((await alice.getByTestId('article').innerText()).length > 100, 'the article has a body');
  // A search that finds nothing says so, and what to try.
  await alice.getByRole('link', { name: 'Knowledge base', exact: true }).click();
  await alice.getByLabel('Search articles').fill('zeppelin moorings');
  await alice.getByRole('button', { name: 'Search', exact: true }).click();
  const none = alice.getByTestId('empty-state');
  await none.waitFor();
  assert.match(await none.innerText(), /No articles match this search\.[\s\S]*Try other words/);
  assert.equal(await articles.count(), 0);
  await alice.close();
});

test('the desk adds a required field; bob fills it in with a type; the desk’s own cost centre never reaches him', async () => {
  const token = await login(server.url, 'tech@helpdesk.example');
  const before = await api(token, 'GET', '/ticket-fields');
  try {
    const tech = await page_of(browser);
    await signIn(tech, 'tech@helpdesk.example');
    await tech.getByRole('link', { name: 'Ticket fields' }).click();
    await tech.getByRole('button', { name: 'Add a field' }).click();
    const room = tech.getByTestId('custom-field').last();
    await room.getByLabel('Label').fill('Room');
    await room.getByLabel('Key').fill('room');
    await room.getByLabel('Users must fill it in').check();
    await tech.getByRole('button', { name: 'Save fields' }).click();
    await tech.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await tech.screenshot({ path: join(SHOTS, 'console-fields.png'), fullPage: true });

    const bob = await page_of(browser);
    await signIn(bob, 'bob@acme.example', '/');
    await bob.getByRole('link', { name: 'New request' }).click();
    await bob.getByLabel('Title').fill('Projector shows no picture');
    await bob.getByLabel('Type').selectOption({ label: 'Question' });
    await bob.getByLabel('Asset tag').fill('PRJ-7');
    await bob.getByLabel('Who is affected').selectOption('My team');
    assert.equal(await bob.getByLabel('Cost centre').count(), 0, 'the desk’s own field is not offered');
    await bob.getByRole('button', { name: 'Send' }).click();
    // Room is required: the browser holds the form until it is filled in, nothing is lost.
    assert.equal(await bob.getByLabel('Title').inputValue(), 'Projector shows no picture');
    await bob.locator('input[name="room"]').fill('B-204');
    await bob.getByRole('button', { name: 'Send' }).click();
    await bob.getByRole('heading', { name: /Projector shows no picture/ }).waitFor();
    const facts = bob.getByTestId('ticket-fields');
    assert.equal(await facts.getByTestId('ticket-type').innerText(), 'Question');
    assert.match(await facts.innerText(), /PRJ-7[\s\S]*My team[\s\S]*B-204/);
    const ticketUrl = bob.url();

    // The desk sets the cost centre on the ticket page.
    const id = ticketUrl.split('/').pop();
    await tech.goto(`${server.url}/console#/tickets/${id}`);
    const fields = tech.getByTestId('fields');
    assert.equal(await fields.locator('input[name="room"]').inputValue(), 'B-204');
    await fields.getByLabel(/Cost centre/).selectOption('Sales');
    await fields.getByRole('button', { name: 'Save fields' }).click();
    await tech.getByRole('status').filter({ hasText: 'Fields saved' }).waitFor();
    const stored = await api(token, 'GET', `/tickets/${id}`);
    assert.deepEqual(stored.custom_fields, { affected: 'My team', asset_tag: 'PRJ-7', cost_centre: 'Sales', room: 'B-204' });
    await tech.close();

    await bob.reload();
    await bob.getByTestId('ticket-fields').waitFor();
    const text = await bob.locator('article').innerText();
    assert.ok(!text.includes('Cost centre') && !text.includes('Sales'), text);
    await bob.close();
  } finally {
    await api(token, 'PUT', '/ticket-fields', before);
  }
});

test('a technician writes an article for Globex only: carol reads it, alice never sees it', async () => {
  const tech = await page_of(browser);
  await signIn(tech, 'tech@helpdesk.example');
  await tech.getByRole('link', { name: 'Knowledge base' }).click();
  await tech.getByRole('link', { name: 'New article' }).click();
  await tech.getByLabel('Title').fill('Globex ERP: month-end close');
  await tech.getByLabel('Category').fill('ERP');
  await tech.getByLabel('Text (Markdown)').fill('# Month-end\n\nRun **Close period** before 18:00.<script>alert(1)</script>');
  await tech.getByLabel('Only these organisations').check();
  await tech.getByLabel('Globex').check();
  await tech.getByRole('button', { name: 'Save article' }).click();
  const preview = tech.getByTestId('preview');
  await preview.locator('strong', { hasText: 'Close period' }).waitFor();
  assert.equal(await preview.locator('script').count(), 0);
  await tech.close();

  const carol = await page_of(browser);
  await signIn(carol, 'carol@globex.example', '/');
  await carol.getByRole('link', { name: 'Knowledge base' }).click();
  await carol.getByRole('link', { name: 'Globex ERP: month-end close' }).click();
  await carol.getByTestId('article').getByText('before 18:00').waitFor();
  await carol.close();

  const alice = await page_of(browser);
  await signIn(alice, 'alice@acme.example', '/');
  await alice.getByRole('link', { name: 'Knowledge base' }).click();
  await alice.getByTestId('articles').locator('li').first().waitFor();
  assert.doesNotMatch(await alice.getByTestId('articles').innerText(), /month-end/);
  await alice.close();
});

test('a technician adds an organisation and a person, who chooses a password from the welcome email', async () => {
  const tech = await page_of(browser);
  await signIn(tech, 'tech@helpdesk.example');
  await tech.getByRole('link', { name: 'Organisations' }).click();
  await tech.getByRole('button', { name: 'New organisation' }).click();
  await tech.getByLabel('Name').fill('Initech');
  await tech.getByLabel('Email domains (comma-separated)').fill('initech.example');
  await tech.getByRole('button', { name: 'Save organisation' }).click();
  const key = tech.getByTestId('enrolment-key').locator('code.key');
  await key.waitFor();
  assert.match(await key.innerText(), /^bhe_/);
  await tech.getByTestId('orgs').getByText('initech.example').waitFor();

  await tech.getByRole('link', { name: 'New person' }).click();
  await tech.getByLabel('Name').fill('Dana Dyer');
  await tech.getByLabel('Email', { exact: true }).fill('dana@initech.example');
  await tech.locator('select[name=org]').selectOption({ label: 'Initech' });
  await tech.getByLabel(/May sign in to the web portal/).check();
  await tech.getByRole('button', { name: 'Create person' }).click();
  await tech.getByRole('heading', { name: 'Dana Dyer' }).waitFor();
  await tech.getByTestId('last-email').filter({ hasText: 'Welcome to the Bellhop service desk' }).waitFor();
  await tech.close();

  let link = null;
  await until(() => {
    link = mailTo(server.dataDir, 'dana@initech.example')
      .map((t) => /(http:\/\/\S+#\/reset-password\?token=bhr_[A-Za-z0-9_-]+)/.exec(t)?.[1])
      .filter(Boolean)
      .at(-1) ?? null;
    return link !== null;
  }, 10_000, 'the welcome email');
  const dana = await page_of(browser);
  await dana.goto(link);
  await dana.getByLabel(/New password/).fill('dana at initech');
  await dana.getByLabel('The same again').fill('dana at initech');
  await dana.getByRole('button', { name: 'Save the new password' }).click();
  await dana.getByTestId('reset-done').waitFor();
  await dana.getByRole('link', { name: 'Sign in', exact: true }).click();
  await dana.getByLabel('Email').fill('dana@initech.example');
  await dana.getByLabel('Password').fill('dana at initech');
  await dana.getByRole('button', { name: 'Sign in', exact: true }).click();
  assert.equal(await dana.getByTestId('who').innerText(), 'Dana Dyer');
  await dana.close();
});

/** The `bellhop` CLI in its own home, enrolled with Acme and confirmed as bob; returns how to
 * run it and its environment. */
async function bobsComputer() {
  const home = tempDir('cli');
  const env = { ...process.env, BELLHOP_HOME: home };
  const bellhop = (...args) => execFileSync(BIN('bellhop'), args, { encoding: 'utf8', env });
  bellhop('enroll', '--server', server.url, '--key', 'acme-demo-key');
  const before = mailTo(server.dataDir, 'bob@acme.example').length;
  bellhop('identity', 'send-token', '--first-name', 'Bob', '--last-name', 'Baker', '--email', 'bob@acme.example');
  let token = null;
  await until(() => (token = confirmationToken(server.dataDir, 'bob@acme.example', before)) !== null, 10_000, 'the confirmation email');
  bellhop('identity', 'confirm', '--email', 'bob@acme.example', token);
  return { bellhop, env };
}

test('a ticket sent with the bellhop CLI shows the technician the machine it came from', async () => {
  const { bellhop } = await bobsComputer();
  bellhop('ticket', 'new', '--title', 'Disk almost full', '--description', 'Cannot save files.');
  bellhop('sync');

  const tech = await page_of(browser);
  await signIn(tech, 'tech@helpdesk.example');
  await tech.getByLabel('Status').selectOption({ label: 'Any' });
  await tech.getByTestId('queue').getByRole('link', { name: /Disk almost full/ }).click();
  const info = tech.getByTestId('system-info');
  await info.waitFor();
  const text = await info.innerText();
  assert.match(text, /Memory\s+[\d.,]+\s*\w+ used of/);
  assert.match(text, /Up for/);
  assert.ok(text.includes(hostname()), `names this machine (${hostname()}): ${text}`);
  assert.doesNotMatch(text, /User\s+unknown/);
  await tech.getByText(`from ${hostname()}`, { exact: false }).waitFor();
  await tech.screenshot({ path: join(SHOTS, 'console-ticket-device.png'), fullPage: true });
  await tech.close();
});

test('alice confirms her phone by SMS in the portal; the desk removes the number and her second factor is reset', async () => {
  const portal = await browser.newPage();
  await signIn(portal, 'alice@acme.example', '/');
  await portal.getByRole('link', { name: 'Security' }).click();
  const state = portal.getByTestId('phone-state');
  await state.getByText('No phone is set up yet.').waitFor();
  await portal.getByLabel('Phone number, with + and the country code').fill('312 555 0101');
  await portal.getByRole('button', { name: 'Save and send code' }).click();
  await portal.getByRole('alert').getByText('Type the number in international form: + and the country code', { exact: false }).waitFor();
  await portal.getByLabel('Phone number, with + and the country code').fill('+39 312 555 0101');
  await portal.getByRole('button', { name: 'Save and send code' }).click();
  await portal.getByText('A code is on its way to +393125550101', { exact: false }).waitFor();
  const text = textsTo(server.dataDir, '+393125550101').at(-1) ?? '';
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  assert.ok(code, `a code in the text: ${text}`);
  await portal.getByLabel('Code from the SMS').fill(code === '000000' ? '111111' : '000000');
  await portal.getByRole('button', { name: 'Confirm' }).click();
  await portal.getByRole('alert').getByText('Wrong code. 4 tries left.').waitFor();
  await portal.getByLabel('Code from the SMS').fill(code);
  await portal.getByRole('button', { name: 'Confirm' }).click();
  await portal.getByRole('status').getByText('Your phone is confirmed.').waitFor();
  await state.getByText('Codes go to +393125550101.').waitFor();
  await portal.screenshot({ path: join(SHOTS, 'portal-security.png') });

  // The desk sees the factor on alice's page, and removing her number resets it.
  const tech = await browser.newPage();
  await signIn(tech, 'tech@helpdesk.example', '/console#/search?q=alice%40acme.example');
  await tech.getByTestId('found-users').getByRole('link').first().click();
  await tech.getByTestId('second-factor').getByText('SMS to +393125550101').waitFor();
  await tech.getByRole('button', { name: 'Edit', exact: true }).click();
  assert.equal(await tech.getByLabel('Phone', { exact: true }).inputValue(), '+393125550101');
  await tech.getByLabel('Phone', { exact: true }).fill('');
  await tech.getByRole('button', { name: 'Save person' }).click();
  await tech.getByRole('status').getByText('saved.', { exact: false }).waitFor();
  await tech.getByTestId('second-factor').getByText('not set up').waitFor();

  await portal.reload();
  await portal.getByTestId('phone-state').getByText('No phone is set up yet.').waitFor();
  await tech.close();
  await portal.close();
});

/** Asks the test display's screen locker (mate-screensaver, the freedesktop screensaver
 * interface under MATE's name) whether the screen is locked; null while it does not answer. */
function screenLocked() {
  try {
    const out = execFileSync('gdbus', ['call', '--session', '--dest', 'org.mate.ScreenSaver', '--object-path',
      '/org/mate/ScreenSaver', '--method', 'org.mate.ScreenSaver.GetActive'], { encoding: 'utf8', timeout: 5000 });
    return out.includes('true');
  } catch {
    return null;
  }
}

test('bob locks his computer from the browser portal with the texted code, and its screen locker locks it', async () => {
  const { env } = await bobsComputer();
  const locker = spawn('mate-screensaver', ['--no-daemon'], { stdio: 'ignore' });
  const watching = spawn(BIN('bellhop'), ['sync', '--watch'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  watching.stdout.on('data', (d) => (said += d));
  watching.stderr.on('data', (d) => (said += d));
  const portal = await browser.newPage();
  try {
    await until(() => screenLocked() === false, 15_000, 'the screen locker on the session bus');
    await signIn(portal, 'bob@acme.example', '/');
    // No phone yet: the page says what to do first.
    await portal.getByRole('link', { name: 'Self-service' }).click();
    await portal.getByTestId('needs-phone').waitFor();
    await portal.getByRole('link', { name: 'Set up my second factor' }).click();
    await portal.getByLabel('Phone number, with + and the country code').fill('+39 312 555 0202');
    await portal.getByRole('button', { name: 'Save and send code' }).click();
    await portal.getByText('A code is on its way to +393125550202', { exact: false }).waitFor();
    const first = /\b(\d{6})\b/.exec(textsTo(server.dataDir, '+393125550202').at(-1) ?? '')?.[1];
    await portal.getByLabel('Code from the SMS').fill(first ?? '');
    await portal.getByRole('button', { name: 'Confirm' }).click();
    await portal.getByRole('status').getByText('Your phone is confirmed.').waitFor();

    await portal.getByRole('link', { name: 'Self-service' }).click();
    // Newest first: an earlier test's enrolment of this machine is listed after it.
    const computer = portal.getByTestId('my-device').filter({ hasText: hostname() }).first();
    await computer.getByRole('button', { name: 'Lock' }).click();
    const confirm = portal.getByTestId('action-confirm');
    await confirm.getByText(`Lock ${hostname()}?`, { exact: false }).waitFor();
    await confirm.getByText('+393125550202', { exact: false }).waitFor();
    const texts = textsTo(server.dataDir, '+393125550202').length;
    await confirm.getByRole('button', { name: 'Send the code' }).click();
    await portal.getByTestId('action-code').waitFor();
    await until(() => textsTo(server.dataDir, '+393125550202').length > texts, 10_000, 'the action’s text');
    const text = textsTo(server.dataDir, '+393125550202').at(-1) ?? '';
    assert.ok(text.includes(`your code to lock ${hostname()} is`), text);
    const code = /\b(\d{6})\b/.exec(text)?.[1] ?? '';
    assert.equal(screenLocked(), false, 'nothing happens before the code');
    await portal.getByLabel('Code from the SMS').fill(code === '000000' ? '111111' : '000000');
    await portal.getByRole('button', { name: 'Confirm' }).click();
    await portal.getByRole('alert').getByText('Wrong code. 4 tries left.').waitFor();
    await portal.getByLabel('Code from the SMS').fill(code);
    await portal.getByRole('button', { name: 'Confirm' }).click();

    // Live: the computer picks it up, runs it and says so; the screen is locked.
    const progress = portal.getByTestId('action-progress');
    await progress
      .and(portal.locator('[data-state="succeeded"]'))
      .waitFor({ timeout: 20_000 })
      .catch(async (e) => {
        throw new Error(`${e.message}\nthe page says: ${await progress.innerText().catch(() => '?')}\nthe agent said: ${said}`);
      });
    assert.equal(screenLocked(), true, 'the screen locker says the screen is locked');
    await portal.getByTestId('action-history').getByText('done').waitFor();
    await portal.screenshot({ path: join(SHOTS, 'portal-self-service.png'), fullPage: true });

    // The desk sees every step in the audit log.
    const tech = await login(server.url, 'tech@helpdesk.example');
    const steps = (await api(tech, 'GET', '/audit?q=action')).items.map((e) => e.action);
    for (const step of ['action.request', 'action.code.wrong', 'action.verify', 'action.run', 'action.succeed']) {
      assert.ok(steps.includes(step), `${step} in ${steps}`);
    }
  } finally {
    await portal.close();
    watching.kill();
    // The locker's grab on the display goes with it: later tests need the keyboard. D-Bus may
    // have started a second one when the first question came before the first one was up.
    locker.kill();
    const lockers = () => {
      try {
        execFileSync('pgrep', ['-f', 'mate-screensaver']);
        return true;
      } catch {
        return false;
      }
    };
    try {
      execFileSync('pkill', ['-f', 'mate-screensaver']);
    } catch {
      // None left.
    }
    await until(() => !lockers(), 10_000, 'every screen locker gone');
  }
});

test('bob adds an authenticator app from its QR code, asks for a restart with its code, and the desk resets his factor', async () => {
  const portal = await browser.newPage();
  const tech = await browser.newPage();
  tech.on('dialog', (dialog) => dialog.accept());
  try {
    await signIn(portal, 'bob@acme.example', '/');
    await portal.getByRole('link', { name: 'Security' }).click();
    const section = portal.getByTestId('authenticator');
    await section.getByText('No authenticator app is set up.').waitFor();
    await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
    // The QR code is an image the browser drew, and the key is there to type by hand.
    const qr = section.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    await until(async () => (await qr.evaluate((img) => img.complete && img.naturalWidth)) >= 200, 5_000, 'the QR code drawn');
    await portal.screenshot({ path: join(SHOTS, 'portal-authenticator-setup.png'), fullPage: true });
    const key = (await section.getByTestId('authenticator-secret').innerText()).trim();
    // The person's phone: an authenticator app holding that key.
    const phoneApp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key), digits: 6, period: 30 });
    const setUpCode = phoneApp.generate();
    await section.getByLabel('Code from the app').fill(setUpCode);
    await section.getByRole('button', { name: 'Confirm' }).click();
    await portal.getByRole('status').getByText('Your authenticator app is set up.').waitFor();
    await section.getByText('An authenticator app confirms your actions', { exact: false }).waitFor();
    await until(() => mailTo(server.dataDir, 'bob@acme.example').some((m) => m.includes('Subject: Your Bellhop authenticator app was set up')), 10_000, 'the letter telling bob');

    // Two factors: Self-service asks which, the app by default; no text is sent for it.
    await portal.getByRole('link', { name: 'Self-service' }).click();
    const computer = portal.getByTestId('my-device').filter({ hasText: hostname() }).first();
    await computer.getByRole('button', { name: 'Restart' }).click();
    const confirm = portal.getByTestId('action-confirm');
    await confirm.getByTestId('factor-choice').getByLabel('a code from my authenticator app').waitFor();
    assert.equal(await confirm.getByLabel('a code from my authenticator app').isChecked(), true);
    const texts = textsTo(server.dataDir, '+393125550202').length;
    await confirm.getByRole('button', { name: 'Continue' }).click();
    const prompt = portal.getByTestId('action-code');
    await prompt.getByText('type the code your authenticator app shows now', { exact: false }).waitFor();
    // The code that set the app up was taken: the next one is asked for.
    await prompt.getByLabel('Code from the app').fill(setUpCode);
    await prompt.getByRole('button', { name: 'Confirm' }).click();
    await portal.getByRole('alert').getByText('Wrong code. 4 tries left.').waitFor();
    await prompt.getByLabel('Code from the app').fill(phoneApp.generate({ timestamp: Date.now() + 30_000 }));
    await prompt.getByRole('button', { name: 'Confirm' }).click();
    const progress = portal.getByTestId('action-progress');
    await progress.and(portal.locator('[data-state="verified"], [data-state="delivered"]')).waitFor();
    assert.equal(textsTo(server.dataDir, '+393125550202').length, texts, 'no text message for an app’s code');
    await portal.screenshot({ path: join(SHOTS, 'portal-authenticator-action.png'), fullPage: true });
    // Nothing is left to run at the next sync: bob cancels it.
    await progress.getByRole('button', { name: 'Cancel it' }).click();
    await portal.locator('[data-testid="action-progress"][data-state="cancelled"]').waitFor();

    // The desk resets both of bob's factors from his page; he is told, and his page says so.
    await signIn(tech, 'tech@helpdesk.example', '/console#/search?q=bob%40acme.example');
    await tech.getByTestId('found-users').getByRole('link').first().click();
    const factor = tech.getByTestId('second-factor');
    await factor.getByText('authenticator app, set up', { exact: false }).waitFor();
    await factor.getByRole('button', { name: 'Reset second factor' }).click();
    await tech.getByRole('status').getByText("Bob Baker's second factor was reset.").waitFor();
    await factor.getByText('not set up').waitFor();
    // His page lists his actions live, and gives computers of Acme to him or takes them back.
    await tech.getByTestId('device-actions').locator('tr[data-state="cancelled"]').first().waitFor();
    const his = tech.getByTestId('user-devices').locator('li').filter({ hasText: hostname() }).filter({ hasText: 'used by them' }).first();
    await his.getByRole('button', { name: 'Take back' }).click();
    await tech.getByRole('status').getByText(`Nobody uses ${hostname()} now.`).waitFor();
    const give = tech.getByLabel('Give Bob Baker a computer of Acme');
    const back = await give.locator('option', { hasText: hostname() }).first().getAttribute('value');
    await give.selectOption(back ?? '');
    await tech.getByRole('button', { name: 'Give', exact: true }).click();
    await tech.getByRole('status').getByText(`${hostname()} is now used by Bob Baker.`).waitFor();
    await tech.screenshot({ path: join(SHOTS, 'console-user-page.png'), fullPage: true });
    await until(() => mailTo(server.dataDir, 'bob@acme.example').some((m) => m.includes('Subject: Your service desk reset your Bellhop second factor')), 10_000, 'the letter telling bob of the reset');
    await portal.reload();
    await portal.getByTestId('needs-phone').waitFor();
  } finally {
    await portal.close();
    await tech.close();
  }
});

test('carol signs out everywhere from Security; the desk switches her off and on again from her page', async () => {
  const here = await browser.newPage();
  const there = await browser.newPage();
  await signIn(here, 'carol@globex.example', '/');
  await signIn(there, 'carol@globex.example', '/');
  here.on('dialog', (dialog) => dialog.accept());
  await here.getByRole('link', { name: 'Security' }).click();
  await here.getByTestId('sign-out-everywhere').click();
  await here.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  // The other browser's session ended too: its next page asks to sign in.
  await there.reload();
  await there.getByRole('button', { name: 'Sign in', exact: true }).waitFor();

  const tech = await browser.newPage();
  tech.on('dialog', (dialog) => dialog.accept());
  await signIn(tech, 'tech@helpdesk.example', '/console#/search?q=carol%40globex.example');
  await tech.getByTestId('found-users').getByRole('link').first().click();
  await tech.getByTestId('standing').getByText('Active').waitFor();
  await tech.getByRole('button', { name: 'Switch off' }).click();
  await tech.getByRole('status').getByText('Carol Cole is switched off.').waitFor();
  await tech.getByTestId('standing').getByText('Switched off', { exact: false }).waitFor();

  await here.getByLabel('Email').fill('carol@globex.example');
  await here.getByLabel('Password').fill('bellhop-demo');
  await here.getByRole('button', { name: 'Sign in', exact: true }).click();
  await here.getByRole('alert').getByText('Wrong email or password.').waitFor();

  await tech.getByRole('button', { name: 'Switch on again' }).click();
  await tech.getByTestId('standing').getByText('Active').waitFor();
  await signIn(here, 'carol@globex.example', '/');
  const audit = await api(await login(server.url, 'tech@helpdesk.example'), 'GET', '/audit?q=carol');
  assert.ok(
    ['user.disable', 'user.enable', 'user.sign_out'].every((a) => audit.items.some((e) => e.action === a)),
    JSON.stringify(audit.items.map((e) => e.action)),
  );
  for (const p of [here, there, tech]) await p.close();
});

test('a technician on the phone opens a ticket for alice from her page; alice finds it marked as opened for her', async () => {
  const tech = await browser.newPage();
  const portal = await browser.newPage();
  try {
    await signIn(tech, 'tech@helpdesk.example', '/console#/search?q=alice%40acme.example');
    await tech.getByTestId('found-users').getByRole('link').first().click();
    const form = tech.getByTestId('ticket-for');
    await form.getByLabel('Title').fill('Docking station not charging (phoned in)');
    await form.getByLabel('Description').fill('Alice called: the USB-C dock stopped charging her laptop.');
    await form.getByRole('button', { name: 'Open the ticket' }).click();
    // The console opens the new ticket: hers, opened by the technician.
    await tech.getByRole('heading', { name: 'Docking station not charging (phoned in)' }).waitFor();
    await tech.getByText('Alice Archer · Acme', { exact: false }).waitFor();
    await tech.getByText('opened for them by Tess Tech', { exact: false }).waitFor();

    await signIn(portal, 'alice@acme.example', '/');
    const row = portal.getByTestId('tickets').locator('li').filter({ hasText: 'Docking station not charging' });
    await row.getByTestId('opened-for').getByText('Opened for you by Tess Tech').waitFor();
    await row.getByRole('link').click();
    await portal.getByTestId('opened-for').getByText('Opened for you by Tess Tech').waitFor();

    // From anywhere in the console: New ticket, find the person, open it.
    await tech.getByRole('link', { name: 'New ticket' }).click();
    await tech.getByLabel('Name or email').fill('carol@globex');
    await tech.getByRole('button', { name: 'Find' }).click();
    await tech.getByTestId('ticket-for-person').getByText('For Carol', { exact: false }).waitFor();
    await tech.getByTestId('ticket-for').getByLabel('Title').fill('VPN token expired (chat)');
    await tech.getByRole('button', { name: 'Open the ticket' }).click();
    await tech.getByRole('heading', { name: 'VPN token expired (chat)' }).waitFor();
    await tech.getByText('opened for them by Tess Tech', { exact: false }).waitFor();
  } finally {
    await tech.close();
    await portal.close();
  }
});

test('the console’s views pass axe’s WCAG 2.1 AA checks, light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    // axe is injected as a script: our own CSP would (rightly) refuse it.
    const context = await browser.newContext({ colorScheme, bypassCSP: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, 'tech@helpdesk.example');
    const views = [
      ['queue', '#/queue', () => page.getByTestId('queue').locator('tbody tr').first().waitFor()],
      ['devices', '#/devices', () => page.getByRole('heading', { name: 'Devices' }).waitFor()],
      ['search', '#/search?q=acme', () => page.getByRole('heading', { name: /Organisations/ }).first().waitFor()],
      ['organisations', '#/orgs', () => page.getByRole('heading', { name: 'Organisations' }).waitFor()],
      ['knowledge base', '#/kb', () => page.getByRole('heading', { name: 'Knowledge base' }).waitFor()],
      ['audit log', '#/audit', () => page.getByRole('heading', { name: 'Audit log' }).waitFor()],
      ['portal settings', '#/settings', () => page.getByRole('button', { name: 'Save settings' }).waitFor()],
      ['ticket fields', '#/fields', () => page.getByRole('button', { name: 'Save fields' }).waitFor()],
    ];
    for (const [what, hash, ready] of views) {
      await page.goto(`${server.url}/console${hash}`);
      await ready();
      assert.deepEqual(await axeViolations(page), [], `${what} (${colorScheme})`);
    }
    await page.goto(`${server.url}/console#/queue`);
    await page.getByTestId('queue').locator('tbody tr a').first().click();
    await page.getByTestId('conversation').waitFor();
    assert.deepEqual(await axeViolations(page), [], `a ticket (${colorScheme})`);
    await context.close();
  }
});

test('a technician reads the console in German, kept by the server for the next browser, and back in English', async () => {
  const page = await browser.newPage();
  await signIn(page, 'tech@helpdesk.example');
  try {
    await page.locator('header select[name="language"]').selectOption('de');
    await page.getByRole('heading', { name: 'Warteschlange' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    const nav = await page.getByRole('navigation').innerText();
    for (const word of ['Geräte', 'Suche', 'Organisationen', 'Wissensdatenbank', 'Prüfprotokoll', 'Portaleinstellungen']) {
      assert.ok(nav.includes(word), `${word} in ${nav}`);
    }
    // The desk's status words, a ticket's page and the device facts are German too.
    await page.getByLabel('Status').selectOption({ label: 'Alle' });
    const options = await page.getByLabel('Status').locator('option').allInnerTexts();
    assert.deepEqual(options, ['Alle', 'Offen', 'Wartet auf Kunden', 'Gelöst', 'Geschlossen']);
    await page.getByTestId('queue').locator('tbody tr a').first().click();
    await page.getByRole('heading', { name: 'Unterhaltung' }).waitFor();
    await page.getByRole('button', { name: 'Antwort senden' }).waitFor();
    assert.match(await page.locator('.desk-ticket > p.muted').first().innerText(), /eröffnet am .* über /);
    await page.goto(`${server.url}/console#/settings`);
    await page.getByRole('button', { name: 'Einstellungen speichern' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-german.png'), fullPage: true });

    // Kept by the server: a fresh browser context (nothing stored) signs him in in German.
    await until(async () => {
      const token = await login(server.url, 'tech@helpdesk.example');
      const me = await (await fetch(`${server.url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
      return me.language === 'de';
    }, 5_000, "the technician's language on the server");
    const context = await browser.newContext();
    const other = await context.newPage();
    await signIn(other, 'tech@helpdesk.example');
    await other.getByRole('heading', { name: 'Warteschlange' }).waitFor();

    // And back, without a reload.
    await other.locator('header select[name="language"]').selectOption('en');
    await other.getByRole('heading', { name: 'Queue' }).waitFor();
    await other.getByRole('link', { name: 'Devices' }).waitFor();
    assert.equal(await other.getByText('Warteschlange').count(), 0);
    await context.close();
  } finally {
    const token = await login(server.url, 'tech@helpdesk.example');
    await api(token, 'PUT', '/me', { language: 'en' });
    await page.close();
  }
});

test('the sidebar counts what needs the desk, follows new tickets live, and opens each count as a view of the queue', async () => {
  const tech = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(tech, 'tech@helpdesk.example');
  const techToken = await login(server.url, 'tech@helpdesk.example');
  const nav = tech.getByRole('navigation', { name: 'Console' });
  const link = (name) => nav.getByRole('link', { name });
  /** The number beside a place, as the sidebar shows it ('' when nothing counts). */
  const shown = async (name) => ((await link(name).locator('.count').count()) ? await link(name).locator('.count').innerText() : '');
  const expect = (n) => (n > 0 ? String(n) : '');

  let counts = await api(techToken, 'GET', '/tickets/counts');
  await until(async () => (await shown('Unassigned')) === expect(counts.unassigned), 10_000, 'the unassigned count');
  assert.equal(await shown('Queue'), expect(counts.open));
  assert.equal(await shown('Awaiting customer'), expect(counts.awaiting_reply));
  assert.equal(await shown('Urgent'), expect(counts.urgent));
  assert.ok(counts.urgent > 0, 'the demo has an urgent open ticket');

  // A ticket bob opens now is counted without a reload; taken by the technician, it is theirs.
  const bob = await login(server.url, 'bob@acme.example');
  const ticket = await api(bob, 'POST', '/tickets', { id: randomUUID(), title: 'Headset crackles in calls', description: 'Only in the afternoon.' });
  await until(async () => (await shown('Unassigned')) === expect(counts.unassigned + 1), 10_000, 'the new ticket counted');
  const me = await api(techToken, 'GET', '/me');
  await api(techToken, 'PUT', `/tickets/${ticket.id}/assignee`, { user_id: me.id });
  counts = await api(techToken, 'GET', '/tickets/counts');
  await until(async () => (await shown('Assigned to me')) === expect(counts.mine), 10_000, 'the ticket counted as mine');
  assert.ok(counts.mine >= 1);

  // A chat bob starts waits for the desk: counted beside Chats, live.
  const waiting = (await api(techToken, 'GET', '/chats?status=waiting')).length;
  await until(async () => (await shown('Chats')) === expect(waiting), 10_000, 'the waiting chats counted');
  await api(bob, 'POST', '/chats', { id: randomUUID() });
  await until(async () => (await shown('Chats')) === expect(waiting + 1), 10_000, 'the new waiting chat counted');

  // Each count opens the queue with the filters it counts.
  await link('Assigned to me').click();
  await tech.waitForURL(/#\/queue\/mine$/);
  await until(async () => (await link('Assigned to me').getAttribute('aria-current')) === 'page', 10_000, 'the view marked as the page');
  await until(async () => (await tech.getByLabel('Assignee').inputValue()) === 'me', 10_000, 'the view’s filters');
  assert.equal(await tech.getByLabel('Status').inputValue(), 'open');
  const rows = tech.getByTestId('queue').locator('tbody tr');
  await until(async () => (await rows.count()) === counts.mine, 10_000, 'the queue lists what the count says');
  assert.match(await rows.first().innerText(), /Headset crackles in calls/);
  // Urgent: the open tickets of urgent priority, whoever has them.
  await link('Urgent').click();
  await tech.waitForURL(/#\/queue\/urgent$/);
  await until(async () => (await tech.getByLabel('Priority').inputValue()) === 'urgent', 10_000, 'the urgent view');
  assert.equal(await tech.getByLabel('Assignee').inputValue(), '');
  await until(async () => (await rows.count()) === counts.urgent, 10_000, 'the urgent tickets listed');
  for (const row of await rows.all()) assert.match(await row.innerText(), /Urgent/);
  await link('Awaiting customer').click();
  await tech.waitForURL(/#\/queue\/awaiting$/);
  await until(async () => (await tech.getByLabel('Status').inputValue()) === 'awaiting_reply', 10_000, 'the awaiting view');
  assert.equal(await tech.getByLabel('Assignee').inputValue(), '');

  // A view with nothing in it says so, in its own words while its filters are its own.
  await tech.getByRole('searchbox').fill('no ticket says this');
  await tech.getByRole('button', { name: 'Search', exact: true }).click();
  const empty = tech.getByTestId('empty-state');
  await until(async () => (await empty.count()) === 1 && /No ticket matches these filters/.test(await empty.innerText()), 10_000, 'the empty queue');
  assert.equal(await tech.getByTestId('queue').count(), 0);

  // At phone width the same places sit in a bar along the bottom of the screen.
  await tech.setViewportSize({ width: 360, height: 740 });
  const box = await nav.boundingBox();
  assert.ok(box && box.y + box.height >= 739 && box.y > 600, `the bar is at the bottom: ${JSON.stringify(box)}`);
  await tech.close();
});
