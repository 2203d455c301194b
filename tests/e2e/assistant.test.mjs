// The assistant in Debian's Chromium: bob asks how to connect to the VPN and gets the article,
// asks for a restart and confirms it with the code texted to him, then asks for a person and the
// desk finds a ticket with the whole conversation in the console. With tickets only through the
// assistant, New request leads to it and the API refuses bob's own ticket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { SHOTS, axeViolations, callApi, launchChromium, login, signedInPage, startServer, textsTo, until } from './helpers.mjs';

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

const PHONE = '+393125550303';

async function ok(res, what) {
  assert.ok(res.ok, `${what}: ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? null : res.json();
}

/** Bob's own computer (enrolled, given to him by the desk) and his confirmed phone. */
async function bobReady(tech, bob) {
  const enrolled = await ok(
    await fetch(`${server.url}/api/v1/devices/enroll`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        enrolment_key: 'acme-demo-key',
        device: { hostname: 'BOB-ASSIST', os: 'Windows', os_version: '11 23H2', serial: 'SN-ASSIST', macs: ['AA:BB:CC:00:33:44'], os_user: 'bob' },
      }),
    }),
    'enrol',
  );
  const me = await ok(await callApi(server, bob, 'GET', '/me'), 'me');
  await ok(await callApi(server, tech, 'PUT', `/devices/${enrolled.device_id}/assignee`, { user_id: me.id }), 'assign');
  await ok(await callApi(server, bob, 'PUT', '/me/second-factor', { phone: PHONE }), 'phone');
  const code = /\b(\d{6})\b/.exec(textsTo(server.dataDir, PHONE).at(-1) ?? '')?.[1];
  const confirmed = await ok(await callApi(server, bob, 'POST', '/me/second-factor/confirm', { code }), 'confirm');
  assert.ok(confirmed.verified);
}

/** Asks a question and waits for the whole answer; resolves with the answer's element. */
async function ask(page, question) {
  const answers = page.getByTestId('answer');
  const before = await answers.count();
  await page.getByLabel('Your question').fill(question);
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  await until(async () => (await answers.count()) > before, 10_000, `the answer to “${question}”`);
  return answers.last();
}

test('bob gets the VPN article, restarts his computer with his code, and hands over to a person', async () => {
  const tech = await login(server.url, 'tech@helpdesk.example');
  const bobToken = await login(server.url, 'bob@acme.example');
  await bobReady(tech, bobToken);
  // Axe is injected as a script: the portal's CSP would refuse it.
  const page = await signedInPage(browser, server, 'bob@acme.example', '/#/tickets', { bypassCSP: true });
  try {
    await page.getByRole('link', { name: 'Assistant', exact: true }).click();
    await page.getByRole('heading', { name: 'Ask the assistant' }).waitFor();

    const vpn = await ask(page, 'How do I connect to the VPN?');
    await vpn.getByText('Start the VPN client, choose Office', { exact: false }).waitFor();
    const cited = vpn.getByTestId('cited').first();
    assert.equal(await cited.innerText(), 'Connect to the VPN');
    // The conversation stays in this tab across a reload.
    await page.reload();
    await page.getByTestId('answer').first().getByText('Start the VPN client', { exact: false }).waitFor();
    await page.getByTestId('cited').first().click();
    await page.locator('#article-title').getByText('Connect to the VPN').waitFor();
    await page.goBack();

    const restart = await ask(page, 'Please restart my computer, it is frozen');
    await restart.getByText('I can restart BOB-ASSIST for you.', { exact: false }).waitFor();
    // The offer alone does nothing.
    assert.deepEqual(await ok(await callApi(server, bobToken, 'GET', '/actions'), 'actions'), []);
    await restart.getByRole('button', { name: 'Restart · BOB-ASSIST' }).click();
    const confirm = page.getByTestId('action-confirm');
    await confirm.getByText('Restart BOB-ASSIST?', { exact: false }).waitFor();
    const texts = textsTo(server.dataDir, PHONE).length;
    await confirm.getByRole('button', { name: 'Send the code' }).click();
    await page.getByTestId('action-code').waitFor();
    await until(() => textsTo(server.dataDir, PHONE).length > texts, 10_000, 'the action’s text');
    const code = /\b(\d{6})\b/.exec(textsTo(server.dataDir, PHONE).at(-1) ?? '')?.[1] ?? '';
    await page.getByLabel('Code from the SMS').fill(code);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('action-progress').and(page.locator('[data-state="verified"]')).waitFor();
    const actions = await ok(await callApi(server, bobToken, 'GET', '/actions'), 'actions');
    assert.deepEqual(
      actions.map((a) => [a.kind, a.device_name, a.state]),
      [['restart', 'BOB-ASSIST', 'verified']],
    );

    await ask(page, 'It is still broken, I need to talk to a person');
    await page.getByTestId('hand-over-offer').click();
    const done = page.getByTestId('handed-over');
    await done.waitFor();
    const number = /#(\d+)/.exec(await done.innerText())?.[1];
    assert.ok(number, await done.innerText());
    await page.screenshot({ path: join(SHOTS, 'portal-assistant.png'), fullPage: true });

    // Axe, light and dark, and at phone width.
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      assert.deepEqual(await axeViolations(page), [], `assistant, ${scheme}`);
    }
    await page.setViewportSize({ width: 360, height: 740 });
    assert.deepEqual(await axeViolations(page), [], 'assistant at 360 px');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the assistant is ${overflow}px wider than the phone`);

    // The desk finds the ticket in the console, with the whole conversation and the restart.
    const desk = await signedInPage(browser, server, 'tech@helpdesk.example', '/console#/');
    try {
      await desk.getByText('How do I connect to the VPN?').first().click();
      const body = desk.locator('main');
      await body.getByText('Please restart my computer, it is frozen').waitFor();
      await body.getByText('It is still broken, I need to talk to a person').waitFor();
      await body.getByText('Restart on BOB-ASSIST: verified', { exact: false }).waitFor();
      await body.getByText('Article: Connect to the VPN <http', { exact: false }).first().waitFor();
      const tickets = await ok(await callApi(server, tech, 'GET', '/tickets?q=VPN'), 'tickets');
      const handed = tickets.items.find((t) => String(t.number) === number);
      assert.equal(handed?.source, 'assistant');
    } finally {
      await desk.close();
    }
  } finally {
    await page.close();
  }
});

test('with tickets only through the assistant, New request leads to it and bob cannot open one directly', async () => {
  const tech = await login(server.url, 'tech@helpdesk.example');
  const settings = await ok(await callApi(server, tech, 'GET', '/portal-settings'), 'settings');
  // Tess switches it on in the console's Portal settings.
  const tess = await signedInPage(browser, server, 'tech@helpdesk.example', '/console#/settings');
  try {
    await tess.getByLabel('Users open tickets only through the assistant').check();
    await tess.getByLabel('Open a ticket for every assistant conversation').check();
    await tess.getByLabel('Model answers per person per day').fill('25');
    await tess.getByRole('button', { name: 'Save' }).click();
    await tess.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  } finally {
    await tess.close();
  }
  const saved = await ok(await callApi(server, tech, 'GET', '/portal-settings'), 'settings');
  assert.equal(saved.tickets_through_assistant, true);
  assert.equal(saved.assistant_ticket_per_conversation, true);
  assert.equal(saved.assistant_daily_model_calls, 25);
  const page = await signedInPage(browser, server, 'bob@acme.example', '/#/tickets');
  try {
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByTestId('through-assistant').waitFor();
    await page.getByRole('heading', { name: 'Ask the assistant' }).waitFor();
    // Typed straight into the address bar, the form is the assistant too.
    await page.goto(`${server.url}/#/new`);
    await page.getByTestId('through-assistant').waitFor();
    const bob = await login(server.url, 'bob@acme.example');
    const res = await callApi(server, bob, 'POST', '/tickets', { id: crypto.randomUUID(), title: 'Printer broken' });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, 'forbidden');
  } finally {
    await page.close();
    await ok(await callApi(server, tech, 'PUT', '/portal-settings', settings), 'switch off');
  }
});
