// Chat with the service desk, in Debian's Chromium with two browsers at once: bob in the
// portal, Tess in the console. The server's idle time is short (3 s) so that a chat idles out
// within the test.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { axeViolations, launchChromium, login, SHOTS, signedInPage, startServer } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ env: { BELLHOP_CHAT_IDLE_SECS: '3' } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function api(token, method, path, body) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** A fresh browser (its own storage) signed in as `email` at `path`. */
function signedIn(email, path, options = {}) {
  return signedInPage(browser, server, email, path, options);
}

async function goOffDuty() {
  const tess = await login(server.url, 'tech@helpdesk.example');
  await api(tess, 'PUT', '/duty', { on_duty: false });
}

test('a chat started while nobody is on duty offers a ticket instead', async () => {
  await goOffDuty();
  const bob = await signedIn('bob@acme.example', '/#/chat');
  try {
    await bob.getByRole('link', { name: 'Chat', exact: true }).click();
    await bob.getByTestId('chat-desk').getByText('Chat is unavailable right now', { exact: false }).waitFor();
    await bob.getByRole('link', { name: 'Open a ticket instead' }).click();
    await bob.getByRole('heading', { name: 'New ticket' }).waitFor();
  } finally {
    await bob.context().close();
  }
});

test('bob asks for help; Tess goes on duty, takes the chat and answers; bob sends a screenshot; the chat becomes an incident', async () => {
  const tess = await signedIn('tech@helpdesk.example', '/console#/chats');
  const bob = await signedIn('bob@acme.example', '/#/chat');
  try {
    // Tess goes on duty: bob's page says so without a reload.
    await bob.getByTestId('chat-desk').getByText('Chat is unavailable right now', { exact: false }).waitFor();
    await tess.getByRole('button', { name: 'Go on duty' }).click();
    await tess.getByTestId('duty-state').getByText('You are on duty', { exact: false }).waitFor();
    await bob.getByTestId('chat-desk').getByText('We are available', { exact: false }).waitFor();

    await bob.getByLabel('How can we help?').fill('My second monitor stays black after lunch');
    await bob.getByRole('button', { name: 'Start the chat' }).click();
    await bob.getByTestId('chat-status').getByText('Waiting for a technician').waitFor();

    // The queue: who, which organisation; Tess takes it.
    const queued = tess.getByTestId('chat-queue').locator('li', { hasText: 'Bob Baker' });
    await queued.getByText('Acme').waitFor();
    await queued.getByRole('button', { name: 'Take' }).click();
    await bob.getByTestId('chat-status').getByText('Connected to Tess Tech').waitFor();
    await tess.getByTestId('chat-log').getByText('My second monitor stays black after lunch').waitFor();

    // Tess types: bob sees it; her answer arrives live.
    await tess.getByLabel('Your message').pressSequentially('Which dock');
    await bob.getByTestId('chat-typing').getByText('Tess Tech is typing').waitFor();
    await tess.getByLabel('Your message').fill('Which docking station do you use?');
    await tess.getByLabel('Your message').press('Enter');
    await bob.getByTestId('chat-log').getByText('Which docking station do you use?').waitFor();

    // Bob answers with a screenshot of his screen.
    await bob.getByLabel('Your message').fill('The grey one, here is my screen');
    await bob.getByLabel('Attach files').setInputFiles({
      name: 'screen.png',
      mimeType: 'image/png',
      buffer: await bob.screenshot(),
    });
    await bob.getByRole('button', { name: 'Send' }).click();
    await tess.getByTestId('chat-log').getByText('The grey one, here is my screen').waitFor();
    await tess.getByTestId('chat-log').getByRole('img', { name: 'screen.png' }).waitFor();
    await bob.screenshot({ path: join(SHOTS, 'portal-chat.png') });
    await tess.screenshot({ path: join(SHOTS, 'console-chat.png') });

    // Not solvable in a chat: Tess turns it into an incident; bob sees its number as a link.
    await tess.getByRole('button', { name: 'Turn into an incident' }).click();
    const link = bob.getByTestId('chat-incident').getByRole('link', { name: /Ticket #\d+/ });
    await link.waitFor();
    await bob.getByTestId('chat-status').getByText('The chat has ended').waitFor();
    await link.click();
    await bob.getByRole('heading', { name: 'My second monitor stays black after lunch' }).waitFor();
    await bob.getByText('Bob Baker: The grey one, here is my screen [file: screen.png]', { exact: false }).waitFor();
    await bob.getByTestId('opened-for').getByText('Opened for you by Tess Tech').waitFor();
  } finally {
    await bob.context().close();
    await tess.context().close();
  }
});

test('a chat nobody writes in is warned twice, then ends; its transcript stays', async () => {
  const tess = await signedIn('tech@helpdesk.example', '/console#/chats');
  const bob = await signedIn('bob@acme.example', '/#/chat');
  try {
    const duty = tess.getByRole('button', { name: /Go (on|off) duty/ });
    if ((await duty.innerText()) === 'Go on duty') await duty.click();
    await tess.getByTestId('duty-state').getByText('You are on duty', { exact: false }).waitFor();
    await bob.getByLabel('How can we help?').fill('Is the wiki down?');
    await bob.getByRole('button', { name: 'Start the chat' }).click();
    await tess.getByTestId('chat-queue').locator('li', { hasText: 'Bob Baker' }).getByRole('button', { name: 'Take' }).click();
    await bob.getByTestId('chat-status').getByText('Connected to Tess Tech').waitFor();

    // Nobody writes: two warnings, then the end (3 s each on this server).
    const log = bob.getByTestId('chat-log');
    await log.getByText('(warning 1 of 2)', { exact: false }).waitFor({ timeout: 15_000 });
    await log.getByText('(warning 2 of 2)', { exact: false }).waitFor({ timeout: 15_000 });
    await log.getByText('The chat ended because nobody wrote.').waitFor({ timeout: 15_000 });
    await bob.getByTestId('chat-status').getByText('The chat has ended').waitFor();
    assert.equal(await bob.getByLabel('Your message').count(), 0, 'nobody writes in an ended chat');

    // The transcript stays: among earlier chats, and whole after a reload.
    await bob.reload();
    await bob.getByTestId('chat-history').locator('a').first().click();
    await bob.getByTestId('chat-log').getByText('Is the wiki down?').waitFor();
    await bob.getByTestId('chat-log').getByText('The chat ended because nobody wrote.').waitFor();
  } finally {
    await bob.context().close();
    await tess.context().close();
  }
});

test('the chat views pass axe’s WCAG 2.1 AA checks, light and dark, and at phone width', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const tess = await signedIn('tech@helpdesk.example', '/console#/chats', { colorScheme, bypassCSP: true });
    const bob = await signedIn('bob@acme.example', '/#/chat', {
      colorScheme,
      bypassCSP: true,
      viewport: { width: 360, height: 740 },
    });
    try {
      const duty = tess.getByRole('button', { name: /Go (on|off) duty/ });
      if ((await duty.innerText()) === 'Go on duty') await duty.click();
      await bob.getByTestId('chat-desk').getByText('We are available', { exact: false }).waitFor();
      assert.deepEqual(await axeViolations(bob), [], `the chat's start (${colorScheme})`);
      await bob.getByLabel('How can we help?').fill('Checking the colours');
      await bob.getByRole('button', { name: 'Start the chat' }).click();
      await tess.getByTestId('chat-queue').locator('li', { hasText: 'Bob Baker' }).getByRole('button', { name: 'Take' }).click();
      await bob.getByTestId('chat-status').getByText('Connected to Tess Tech').waitFor();
      await tess.getByLabel('Your message').fill('Hello Bob');
      await tess.getByLabel('Your message').press('Enter');
      await bob.getByTestId('chat-log').getByText('Hello Bob').waitFor();
      assert.deepEqual(await axeViolations(bob), [], `a chat, phone width (${colorScheme})`);
      assert.deepEqual(await axeViolations(tess), [], `the console's chats (${colorScheme})`);
      const width = await bob.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `the chat fits a phone (${width} px)`);
      await bob.getByRole('button', { name: 'End the chat' }).click();
      await tess.getByTestId('console-chat-status').getByText('Ended').waitFor();
    } finally {
      await bob.context().close();
      await tess.context().close();
    }
  }
});

test('the desk switches chat off for Globex in Portal settings: carol loses it, bob keeps it', async () => {
  const tess = await signedIn('tech@helpdesk.example', '/console#/settings');
  try {
    const chat = tess.locator('fieldset', { hasText: 'Chat with the desk' }).first();
    await chat.getByLabel('Who sees it').selectOption({ label: 'Off only for these organisations and people' });
    await chat.getByRole('checkbox', { name: 'Globex' }).check();
    await tess.getByRole('button', { name: 'Save settings' }).click();
    await tess.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  } finally {
    await tess.context().close();
  }
  const carol = await signedIn('carol@globex.example', '/');
  const bob = await signedIn('bob@acme.example', '/');
  try {
    await carol.getByRole('link', { name: 'My requests' }).waitFor();
    assert.equal(await carol.getByRole('link', { name: 'Chat', exact: true }).count(), 0);
    await bob.getByRole('link', { name: 'Chat', exact: true }).waitFor();
  } finally {
    await carol.context().close();
    await bob.context().close();
  }
});
