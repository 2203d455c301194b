// The real desktop app under Xvfb, driven through tauri-driver and WebKitWebDriver.
// Needs DISPLAY and a session D-Bus (scripts/test provides both).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { remote } from 'webdriverio';
import { PNG } from 'pngjs';
import { BIN, SHOTS, callApi, confirmIdentityInApp, freePort, login, makeAdmin, startServer, tempDir, textsTo, until } from './helpers.mjs';

let server;
let driver;
let browser;
/** The app's BELLHOP_HOME: the `bellhop` CLI pointed at it sees the app's store. */
const agentHome = tempDir('agent');
/** The app's home: its login item (~/.config/autostart) and window places land here, not in the
 * real home of whoever runs the tests. */
const appHome = tempDir('home');
const configHome = join(appHome, '.config');
const loginItem = join(configHome, 'autostart', 'Bellhop.desktop');
/** The URL the app was started with (the server keeps its address across restarts). */
let serverUrl;
/** A stand-in for the desktop's browser launcher: it notes the links the app hands it. */
const fakeBin = tempDir('bin');
const opened = join(fakeBin, 'opened.txt');
/** The WebKit settings the app adds for itself, as the launcher saw them (it should not: they are
 * the app's; WebKitWebDriver's own variables are the test harness's and pass through). */
const openedEnv = join(fakeBin, 'opened-env.txt');
writeFileSync(
  join(fakeBin, 'xdg-open'),
  `#!/bin/sh\nenv | grep -E '^(JSC_useJIT|GDK_GL|WEBKIT_DISABLE_DMABUF_RENDERER|WEBKIT_WEB_RENDER_DEVICE_FILE|BELLHOP_ADDED_ENV)=' >> '${openedEnv}'\necho "$@" >> '${opened}'\n`,
  { mode: 0o755 },
);
/** The app's environment: its own store, config and home, and the stand-in browser launcher. */
const appEnv = { ...process.env, BELLHOP_HOME: agentHome, HOME: appHome, XDG_CONFIG_HOME: configHome, PATH: `${fakeBin}:${process.env.PATH}` };

before(async () => {
  assert.ok(process.env.DISPLAY, 'the desktop tests need an X display (run them through scripts/test)');
  server = await startServer({ ui: false });
  serverUrl = server.url;
  const port = await freePort();
  const nativePort = await freePort();
  driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // The app inherits this environment: its own store and config under a fresh BELLHOP_HOME.
    env: appEnv,
  });
  await until(async () => fetch(`http://127.0.0.1:${port}/status`).then(() => true, () => false), 15_000, 'tauri-driver');
  browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'error',
    capabilities: {
      browserName: 'wry',
      // WebKitWebDriver speaks classic WebDriver only; without this webdriverio asks for BiDi.
      'wdio:enforceWebDriverClassic': true,
      // Installed as an MDM would: the server URL and Acme's enrolment key.
      'tauri:options': { application: BIN('bellhop-desktop'), args: ['--server', server.url, '--key', 'acme-demo-key'] },
    },
  });
});

after(async () => {
  // Bounded: with the window closed (the Esc test) the session has nothing left to delete.
  await Promise.race([browser?.deleteSession().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
  // The app lives on in the tray once its window is closed, and WebDriver no longer owns it: end
  // it here (it holds this process's output open, so the runner would wait for it forever).
  try {
    execFileSync('pkill', ['-f', `${BIN('bellhop-desktop')} --server ${serverUrl}`]);
  } catch {
    // Already gone.
  }
  driver?.kill();
  await server?.stop();
});

test('the app enrols itself and shows it is online with the server it was given', async () => {
  const link = await browser.$('[data-testid="connectivity"]');
  await link.waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => (await link.getText()) === 'Online', { timeout: 10_000 });
  assert.equal(await (await browser.$('[data-testid="server-url"]')).getText(), server.url);
  assert.equal(await browser.getTitle(), 'Bellhop');
  const device = await browser.$('[data-testid="device"]');
  await browser.waitUntil(async () => (await device.getText()) === 'Active', {
    timeout: 20_000,
    timeoutMsg: 'the app did not enrol itself with the configured key',
  });
});

test('a new ticket asks for the identity first; Personal settings confirms it with the emailed token', async () => {
  await (await browser.$('a[href="#/new"]')).click();
  const gate = await browser.$('#identity-first');
  await gate.waitForDisplayed({ timeout: 10_000 });

  const identity = await confirmIdentityInApp(browser, server.dataDir, { firstName: 'Bob', lastName: 'Baker', email: 'bob@acme.example' });
  assert.match(await identity.getText(), /Bob Baker/);
  await windowShot('desktop-settings.png');
});

test('a ticket typed in the app reaches the server exactly once', async () => {
  await (await browser.$('a[href="#/new"]')).click();
  const title = await browser.$('input[name="title"]');
  await title.waitForDisplayed({ timeout: 10_000 });
  await title.setValue('Screen flickers');
  await (await browser.$('textarea[name="description"]')).setValue('Since the update this morning.');
  await (await browser.$('button[type="submit"]')).click();
  const item = await browser.$('[data-testid="outbox"] li');
  await item.waitForDisplayed({ timeout: 10_000 });
  assert.match(await item.getText(), /Screen flickers/);
  await browser.waitUntil(async () => /Synced/.test(await item.getText()), {
    timeout: 20_000,
    timeoutMsg: 'the ticket was not synced',
  });
  await windowShot('desktop-status.png');

  const token = await login(server.url, 'bob@acme.example');
  const res = await fetch(`${server.url}/api/v1/tickets?q=flickers`, { headers: { Authorization: `Bearer ${token}` } });
  const page = await res.json();
  assert.equal(page.items.filter((t) => t.title === 'Screen flickers').length, 1);
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

/** Whether WebDriver's current window is the quick-ticket window (its own page, quick.html). */
async function isQuick() {
  return (await browser.execute(() => location.pathname)).endsWith('/quick.html');
}

/** Switches WebDriver to the quick-ticket window (`quick`) or the portal window (`main`). */
async function toWindow(which) {
  await browser.waitUntil(
    async () => {
      for (const handle of await browser.getWindowHandles()) {
        await browser.switchToWindow(handle);
        if ((await isQuick()) === (which === 'quick')) return true;
      }
      return false;
    },
    { timeout: 10_000, timeoutMsg: `no ${which} window` },
  );
}

/**
 * Saves the on-screen window titled `title` as SHOTS/`name`, read back from the X server: what the
 * user sees. (WebKitWebDriver's own screenshot never answered for some pages at rest once the web
 * view hands its frames over in shared memory, as the app has it do on Linux.) The picture must
 * be drawn: a window left blank or one flat colour fails.
 */
async function windowShot(name, title = 'Bellhop') {
  const id = execFileSync('xdotool', ['search', '--onlyvisible', '--name', `^${title}$`], { encoding: 'utf8' }).trim().split('\n')[0];
  execFileSync('xdotool', ['windowraise', id]);
  const file = join(SHOTS, name);
  // Raised, the window repaints what was covered: read it back until it is drawn.
  let shot = { width: 0, height: 0, colours: 0 };
  const capture = () => {
    execFileSync('import', ['-window', id, `png:${file}`]);
    const { width, height, data } = PNG.sync.read(readFileSync(file));
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) colours.add(data.readUInt32BE(i));
    shot = { width, height, colours: colours.size };
    return colours.size >= 32;
  };
  await until(capture, 10_000, `${name} drawn (last: ${JSON.stringify(shot)})`).catch(() => undefined);
  assert.ok(shot.width >= 400 && shot.height >= 300, `${name}: a ${shot.width}x${shot.height} window`);
  assert.ok(shot.colours >= 32, `${name}: only ${shot.colours} colours, the window is not drawn`);
}

/**
 * Asks the app for a sync pass and waits until one has run: the app tells its windows
 * (`bellhop://changed`) after every pass.
 */
async function syncPass() {
  await browser.execute(() => {
    window.__passes = 0;
    const internals = window.__TAURI_INTERNALS__;
    const handler = internals.transformCallback(() => {
      window.__passes += 1;
    });
    return internals.invoke('plugin:event|listen', { event: 'bellhop://changed', target: { kind: 'Any' }, handler });
  });
  await browser.execute(() => window.__TAURI_INTERNALS__.invoke('sync_now'));
  await until(async () => (await browser.execute(() => window.__passes)) > 0, 20_000, 'a sync pass');
}

/** Whether an X window with exactly this title is on screen. */
function xWindow(title) {
  try {
    execFileSync('xdotool', ['search', '--onlyvisible', '--name', `^${title}$`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether the quick-ticket window exists (shown or hidden); WebDriver is left on `back`. */
async function quickExists(back = 'main') {
  let found = false;
  for (const handle of await browser.getWindowHandles()) {
    await browser.switchToWindow(handle);
    if (await isQuick()) found = true;
  }
  await toWindow(back);
  return found;
}

/** Shows the portal window's outbox (the quick-ticket window hides once it has sent). */
async function outboxItem(title) {
  await toWindow('main');
  await browser.execute(() => (location.hash = '#/outbox'));
  const item = await browser.$(`//ul[@data-testid="outbox"]/li[contains(., "${title}")]`);
  await item.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => /Synced/.test(await item.getText()), {
    timeout: 30_000,
    timeoutMsg: `${title} was not synced`,
  });
}

test('Ctrl+F12 captures the screen first, and the ticket arrives with that screenshot', async () => {
  // The quick-ticket window is kept ready, hidden, from the start.
  assert.ok((await quickExists()) && !xWindow('New ticket'), 'a hidden quick-ticket window waits');
  execFileSync('xdotool', ['key', 'ctrl+F12']);
  await until(() => xWindow('New ticket'), 5_000, 'the "New ticket" window on screen');
  await toWindow('quick');
  const shot = await browser.$('[data-testid="screenshot"]');
  await shot.waitForDisplayed({ timeout: 15_000 });
  const title = await browser.$('input[name="title"]');
  await title.setValue('Hotkey ticket');
  await (await browser.$('textarea[name="description"]')).setValue('Look at my screen.');
  // The form fits its window: the screenshot's preview whole, and Send in view without
  // scrolling (it stays at the window's foot).
  const fits = await browser.execute(() => {
    const send = document.querySelector('button[type="submit"]')?.getBoundingClientRect();
    const preview = document.querySelector('[data-testid="screenshot"]')?.getBoundingClientRect();
    return {
      send: Boolean(send && send.top >= 0 && send.bottom <= window.innerHeight),
      preview: Boolean(preview && preview.right <= window.innerWidth && preview.height > 0),
    };
  });
  assert.deepEqual(fits, { send: true, preview: true });
  await windowShot('desktop-quick-ticket.png', 'New ticket');
  await (await browser.$('button[type="submit"]')).click();
  // Sent: the window hides (kept ready for the next press), and the portal lists the ticket.
  await until(() => !xWindow('New ticket'), 5_000, 'the quick-ticket window hidden after sending');
  assert.ok(await quickExists('quick'), 'hidden, not destroyed');
  await outboxItem('Hotkey ticket');

  const token = await login(server.url, 'bob@acme.example');
  const auth = { headers: { Authorization: `Bearer ${token}` } };
  const page = await (await fetch(`${server.url}/api/v1/tickets?q=Hotkey`, auth)).json();
  assert.equal(page.items.length, 1);
  const ticket = page.items[0];
  assert.equal(ticket.source, 'hotkey');
  const files = await (await fetch(`${server.url}/api/v1/tickets/${ticket.id}/attachments`, auth)).json();
  assert.equal(files.length, 1);
  assert.equal(files[0].media_type, 'image/png');
  const png = new Uint8Array(await (await fetch(`${server.url}/api/v1/tickets/${ticket.id}/attachments/${files[0].sha256}`, auth)).arrayBuffer());
  const screen = /dimensions:\s+(\d+)x(\d+)/.exec(execFileSync('xdpyinfo', { encoding: 'utf8' }));
  assert.ok(screen, 'xdpyinfo reports the screen size');
  assert.deepEqual(pngSize(png), [Number(screen[1]), Number(screen[2])]);
});

test('areas the user drags across on the screenshot arrive blacked out', async () => {
  execFileSync('xdotool', ['key', 'ctrl+F12']);
  await toWindow('quick');
  const shot = await browser.$('[data-testid="screenshot"]');
  await shot.waitForDisplayed({ timeout: 15_000 });
  // Drag across the top-left of the preview, where the app's own window is in the picture
  // (scrolled into view first: the desk's fields come before it in the form).
  const scale = await dragAcrossTopLeft(shot);
  const count = await browser.$('[data-testid="hidden-count"]');
  await count.waitForDisplayed({ timeout: 5_000 });
  assert.match(await count.getText(), /1 area is hidden/);
  // The keyboard way: a new area in the middle, moved ten steps left into the app's window.
  await (await browser.$('button=Hide an area')).click();
  // The new area takes the focus on the next frame; the arrows are for it, as a user sees.
  await browser.waitUntil(async () => browser.execute(() => document.activeElement?.classList.contains('newest') ?? false), {
    timeout: 5_000,
    timeoutMsg: 'the new area did not take the keyboard',
  });
  for (let i = 0; i < 10; i += 1) await browser.keys('ArrowLeft');
  await browser.waitUntil(async () => /2 areas are hidden/.test(await count.getText()), {
    timeout: 5_000,
    timeoutMsg: 'the keyboard area was not added',
  });

  // A fresh form for a fresh press: nothing of the last ticket is left in it.
  assert.equal(await (await browser.$('input[name="title"]')).getValue(), '');
  await (await browser.$('input[name="title"]')).setValue('Redacted ticket');
  await (await browser.$('button[type="submit"]')).click();
  await outboxItem('Redacted ticket');

  const token = await login(server.url, 'bob@acme.example');
  const auth = { headers: { Authorization: `Bearer ${token}` } };
  const page = await (await fetch(`${server.url}/api/v1/tickets?q=Redacted`, auth)).json();
  const ticket = page.items[0];
  const files = await (await fetch(`${server.url}/api/v1/tickets/${ticket.id}/attachments`, auth)).json();
  const bytes = Buffer.from(
    await (await fetch(`${server.url}/api/v1/tickets/${ticket.id}/attachments/${files[0].sha256}`, auth)).arrayBuffer(),
  );
  const png = PNG.sync.read(bytes);
  const pixel = pixelsOf(png);
  assertDraggedAreaBlack(png, scale);
  // The keyboard's area (middle of the screen, moved left by ten steps of 1/50 of its width).
  const step = Math.round(png.width / 50);
  const keyboardArea = { x: Math.round((png.width - png.width / 4) / 2) - 10 * step, y: Math.round((png.height - png.height / 4) / 2) };
  assert.deepEqual(pixel(keyboardArea.x + 20, keyboardArea.y + 20), [0, 0, 0], 'inside the area placed with the keyboard');
  // ...while the app's light window right of it is still in the picture.
  const beside = pixel(Math.floor(120 / scale) + 20, Math.ceil(20 / scale));
  assert.ok(beside.some((c) => c > 100), `the area beside it is untouched: ${beside}`);
});

/** Drags across the top-left of a screenshot preview (from 10,10 to 110,80 of it, scrolled into
 * view first); the preview's scale, preview pixels per screenshot pixel. */
async function dragAcrossTopLeft(shot) {
  await browser.waitUntil(async () => (await browser.execute((el) => el.naturalWidth, shot)) > 0, {
    timeout: 10_000,
    timeoutMsg: 'the preview did not load',
  });
  await shot.scrollIntoView({ block: 'start' });
  const at = await browser.execute((el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left, y: r.top };
  }, shot);
  const from = { x: Math.round(at.x) + 10, y: Math.round(at.y) + 10 };
  const to = { x: Math.round(at.x) + 110, y: Math.round(at.y) + 80 };
  await browser
    .action('pointer', { parameters: { pointerType: 'mouse' } })
    .move({ origin: 'viewport', ...from })
    .down()
    .move({ origin: 'viewport', ...to, duration: 200 })
    .up()
    .perform();
  return browser.execute((el) => el.clientWidth / el.naturalWidth, shot);
}

/** A decoded PNG's pixel at x,y as [r, g, b]. */
function pixelsOf(png) {
  return (x, y) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
}

/** Every pixel well inside the area `dragAcrossTopLeft` hid is black. */
function assertDraggedAreaBlack(png, scale) {
  const pixel = pixelsOf(png);
  const inside = { x0: Math.ceil(12 / scale), y0: Math.ceil(12 / scale), x1: Math.floor(108 / scale), y1: Math.floor(78 / scale) };
  for (let y = inside.y0; y < inside.y1; y += 7) {
    for (let x = inside.x0; x < inside.x1; x += 7) {
      assert.deepEqual(pixel(x, y), [0, 0, 0], `pixel ${x},${y} inside the hidden area`);
    }
  }
}

/** A public reply from the demo technician, through the server's API. */
async function technicianReplies(ticketId, body) {
  const tech = await login(server.url, 'tech@helpdesk.example');
  const res = await fetch(`${server.url}/api/v1/tickets/${ticketId}/comments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${tech}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: crypto.randomUUID(), body }),
  });
  assert.ok(res.ok, `the reply was accepted (${res.status})`);
}

/** dunst's notification history as [{ summary, body }]. */
function notificationHistory() {
  const history = JSON.parse(execFileSync('dunstctl', ['history'], { encoding: 'utf8' }));
  return history.data.flat().map((n) => ({ summary: n.summary.data, body: n.body.data }));
}

test('Ctrl+F12 offers the assistant: the words go to it, the screenshot (hidden part black) goes with the hand-over', async () => {
  execFileSync('xdotool', ['key', 'ctrl+F12']);
  await toWindow('quick');
  const shot = await browser.$('[data-testid="screenshot"]');
  await shot.waitForDisplayed({ timeout: 15_000 });
  await (await browser.$('input[name="title"]')).setValue('How do I connect to the VPN?');
  const scale = await dragAcrossTopLeft(shot);
  await (await browser.$('[data-testid="ask-assistant"]')).click();
  await until(() => !xWindow('New ticket'), 5_000, 'the quick-ticket window hidden');

  // The portal window shows the assistant with the picture and the words, waiting to be asked.
  await toWindow('main');
  await (await browser.$('[data-testid="assistant-screenshot"]')).waitForDisplayed({ timeout: 10_000 });
  const question = await browser.$('textarea[name="question"]');
  await browser.waitUntil(async () => (await question.getValue()) === 'How do I connect to the VPN?', {
    timeout: 5_000,
    timeoutMsg: 'the words typed did not reach the assistant',
  });
  // Until asked, the words are a draft (the quick form kept them as they were typed).
  const drafts = () =>
    JSON.parse(execFileSync(BIN('bellhop'), ['--json', 'drafts'], { env: { ...process.env, BELLHOP_HOME: agentHome }, encoding: 'utf8' }));
  assert.ok(drafts().some((d) => d.title === 'How do I connect to the VPN?'), 'kept as a draft until asked');
  await (await browser.$('button=Ask')).click();
  const cited = await browser.$('//a[@data-testid="cited"][contains(., "Connect to the VPN")]');
  await cited.waitForDisplayed({ timeout: 15_000 });
  await until(() => !drafts().some((d) => d.title === 'How do I connect to the VPN?'), 5_000, 'the draft gone once asked');

  await (await browser.$('[data-testid="hand-over"]')).click();
  const handed = await browser.$('[data-testid="handed-over"]');
  await handed.waitForDisplayed({ timeout: 15_000 });
  const number = /#(\d+)/.exec(await handed.getText())?.[1];
  assert.ok(number, 'the ticket number is shown');

  const token = await login(server.url, 'bob@acme.example');
  const auth = { headers: { Authorization: `Bearer ${token}` } };
  const page = await (await fetch(`${server.url}/api/v1/tickets?q=VPN`, auth)).json();
  const ticket = page.items.find((t) => String(t.number) === number);
  assert.equal(ticket?.source, 'assistant');
  assert.match(ticket.description, /Assistant: Here is what the knowledge base says:/);
  const files = await (await fetch(`${server.url}/api/v1/tickets/${ticket.id}/attachments`, auth)).json();
  assert.equal(files.length, 1, 'the screenshot went with the hand-over');
  const bytes = Buffer.from(await (await fetch(`${server.url}/api/v1/tickets/${ticket.id}/attachments/${files[0].sha256}`, auth)).arrayBuffer());
  assertDraggedAreaBlack(PNG.sync.read(bytes), scale);
});

test('with tickets only through the assistant, Ctrl+F12 leads to the assistant with the screenshot', async () => {
  const tech = await login(server.url, 'tech@helpdesk.example');
  const headers = { Authorization: `Bearer ${tech}`, 'Content-Type': 'application/json' };
  const settings = await (await fetch(`${server.url}/api/v1/portal-settings`, { headers })).json();
  const put = (body) => fetch(`${server.url}/api/v1/portal-settings`, { method: 'PUT', headers, body: JSON.stringify(body) });
  assert.ok((await put({ ...settings, tickets_through_assistant: true })).ok);
  try {
    await toWindow('main');
    await syncPass();
    await browser.execute(() => (location.hash = '#/tickets'));
    execFileSync('xdotool', ['key', 'ctrl+F12']);
    await browser.waitUntil(async () => (await browser.execute(() => location.hash)) === '#/assistant', {
      timeout: 10_000,
      timeoutMsg: 'the shortcut did not lead to the assistant',
    });
    await (await browser.$('[data-testid="through-assistant"]')).waitForDisplayed({ timeout: 5_000 });
    await (await browser.$('[data-testid="assistant-screenshot"]')).waitForDisplayed({ timeout: 10_000 });
    assert.ok(!xWindow('New ticket'), 'no ticket form: the desk asks for the assistant first');
    // New ticket in the window leads there too.
    await browser.execute(() => (location.hash = '#/tickets'));
    await (await browser.$('a=New ticket')).click();
    await browser.waitUntil(async () => (await browser.execute(() => location.hash)) === '#/assistant', {
      timeout: 5_000,
      timeoutMsg: 'New ticket did not lead to the assistant',
    });
    await (await (await browser.$('[data-testid="assistant-screenshot"]')).$('button=Remove screenshot')).click();
    await browser.waitUntil(async () => !(await (await browser.$('[data-testid="assistant-screenshot"]')).isExisting()), {
      timeout: 5_000,
      timeoutMsg: 'the screenshot was not removed',
    });
  } finally {
    assert.ok((await put(settings)).ok);
    await syncPass();
  }
});

test("a technician's reply becomes a desktop notification that opens the ticket with the reply", async () => {
  // D-Bus starts dunst on first use; start clean.
  execFileSync('dunstctl', ['close-all']);
  const bob = await login(server.url, 'bob@acme.example');
  const page = await (await fetch(`${server.url}/api/v1/tickets?q=flickers`, { headers: { Authorization: `Bearer ${bob}` } })).json();
  const ticket = page.items[0];
  await technicianReplies(ticket.id, 'Please update the graphics driver.');

  await until(
    () => Number(execFileSync('dunstctl', ['count', 'displayed'], { encoding: 'utf8' }).trim()) > 0,
    15_000,
    'a desktop notification',
  );
  // Click it: the default action opens the ticket in the portal window.
  execFileSync('dunstctl', ['action', '0']);
  const conversation = await browser.$('[data-testid="conversation"]');
  await conversation.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => /graphics driver/.test(await conversation.getText()), {
    timeout: 10_000,
    timeoutMsg: 'the ticket page does not show the reply',
  });
  assert.match(await (await browser.$('#ticket-title')).getText(), /Screen flickers/);
  await windowShot('desktop-ticket.png');

  execFileSync('dunstctl', ['close-all']);
  const shown = notificationHistory().find((n) => n.summary.includes('Screen flickers'));
  assert.ok(shown, 'the notification names the ticket');
  // The reply, then the status the reply moved the ticket to (one notification for the burst).
  assert.equal(shown.body, 'Tess Tech: Please update the graphics driver.\nStatus: Awaiting your reply');
});

test('a reply carries a picture from the window to the server, and back as a preview', async () => {
  // Still on the "Screen flickers" page the notification opened.
  const conversation = await browser.$('[data-testid="conversation"]');
  await conversation.waitForDisplayed({ timeout: 10_000 });
  const picture = new PNG({ width: 48, height: 20 });
  picture.data.fill(200);
  const bytes = PNG.sync.write(picture);
  const file = join(tempDir('files'), 'driver update.png');
  writeFileSync(file, bytes);
  await (await browser.$('textarea[name="reply"]')).setValue('Here is the error after the update.');
  // WebDriver hands the local file to the page's file input.
  await (await browser.$('form input[name="files"]')).setValue(file);
  await (await browser.$('[data-testid="chosen-files"]')).waitForDisplayed({ timeout: 5_000 });
  await (await browser.$('button=Send reply')).click();

  const bob = await login(server.url, 'bob@acme.example');
  const page = await (await fetch(`${server.url}/api/v1/tickets?q=flickers`, { headers: { Authorization: `Bearer ${bob}` } })).json();
  const ticket = page.items[0];
  let files = [];
  await until(
    async () => {
      files = await (await fetch(`${server.url}/api/v1/tickets/${ticket.id}/attachments`, { headers: { Authorization: `Bearer ${bob}` } })).json();
      return files.some((f) => f.file_name === 'driver update.png');
    },
    20_000,
    "the reply's file on the server",
  );
  const sent = files.find((f) => f.file_name === 'driver update.png');
  assert.equal(sent.media_type, 'image/png');
  const served = await fetch(`${server.url}/api/v1/tickets/${ticket.id}/attachments/${sent.sha256}`, { headers: { Authorization: `Bearer ${bob}` } });
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), bytes, 'byte for byte');

  // Once synced back, the window previews it from the agent (the page cannot reach the server).
  const shown = await browser.$('[data-testid="conversation"] img[alt="driver update.png"]');
  await shown.waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => (await browser.execute((img) => img.naturalWidth, shown)) === 48, {
    timeout: 10_000,
    timeoutMsg: 'the preview did not load',
  });
});

/** Calls the server's API as `token`; the parsed answer. */
async function asUser(token, method, path, body) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res.json();
}

// After the picture test: the countdown brings the window back to its home page.
test('a restart bob asks for from the portal counts down in the app, where the person at it cancels it', async () => {
  execFileSync('dunstctl', ['close-all']);
  const bob = await login(server.url, 'bob@acme.example');
  const codeTo = (phone) => /\b(\d{6})\b/.exec(textsTo(server.dataDir, phone).at(-1) ?? '')?.[1];
  await asUser(bob, 'PUT', '/me/second-factor', { phone: '+39 312 555 0303' });
  await asUser(bob, 'POST', '/me/second-factor/confirm', { code: codeTo('+393125550303') });
  // This app's computer is bob's: he confirmed his identity on it first.
  const [computer] = await asUser(bob, 'GET', '/me/devices');
  const asked = await asUser(bob, 'POST', '/actions', { id: crypto.randomUUID(), device_id: computer.id, kind: 'restart' });
  await asUser(bob, 'POST', `/actions/${asked.id}/verify`, { code: codeTo('+393125550303') });

  const countdown = await browser.$('[data-testid="countdown"]');
  await countdown.waitForDisplayed({ timeout: 15_000 });
  assert.match(await countdown.getText(), /Bob Baker asked to restart this computer/);
  assert.match(await countdown.getText(), /Restarting in \d+ s/);
  await until(() => notificationHistory().length + Number(execFileSync('dunstctl', ['count', 'displayed'], { encoding: 'utf8' }).trim()) > 0, 10_000, 'the warning notification');
  await windowShot('desktop-countdown.png');
  await (await countdown.$('button')).click();

  let ended = null;
  await until(async () => {
    ended = await asUser(bob, 'GET', `/actions/${asked.id}`);
    return ended.state !== 'delivered' && ended.state !== 'verified';
  }, 10_000, 'the server hears of the cancel');
  assert.equal(ended.state, 'cancelled');
  assert.match(ended.detail ?? '', /^cancelled at the computer by /);
  await countdown.waitForDisplayed({ reverse: true, timeout: 5_000 });
  execFileSync('dunstctl', ['close-all']);
});

test("the window's own Self-service page restarts this computer with the texted code; the app counts down and the person cancels it", async () => {
  execFileSync('dunstctl', ['close-all']);
  // Bob's phone was confirmed by the test before. The page is offered once the agent has
  // pulled the portal settings.
  const link = await browser.$('a[href="#/self-service"]');
  await link.waitForDisplayed({ timeout: 15_000 });
  await link.click();
  const computer = await browser.$('[data-testid="my-device"]');
  await computer.waitForDisplayed({ timeout: 15_000 });
  await (await computer.$('button=Restart')).click();
  const confirm = await browser.$('[data-testid="action-confirm"]');
  await confirm.waitForDisplayed({ timeout: 5_000 });
  assert.match(await confirm.getText(), /\+393125550303/);
  const sent = textsTo(server.dataDir, '+393125550303').length;
  await (await confirm.$('button=Send the code')).click();
  const prompt = await browser.$('[data-testid="action-code"]');
  await prompt.waitForDisplayed({ timeout: 10_000 });
  await until(() => textsTo(server.dataDir, '+393125550303').length > sent, 10_000, 'the action’s text');
  const code = /\b(\d{6})\b/.exec(textsTo(server.dataDir, '+393125550303').at(-1) ?? '')?.[1] ?? '';
  await (await prompt.$('input[name="code"]')).setValue(code);
  await (await prompt.$('button=Confirm')).click();

  // The same app's agent picks it up and counts down; the page follows it live.
  const countdown = await browser.$('[data-testid="countdown"]');
  await countdown.waitForDisplayed({ timeout: 15_000 });
  assert.match(await countdown.getText(), /Bob Baker asked to restart this computer/);
  await windowShot('desktop-self-service.png');
  await (await countdown.$('button')).click();
  await browser.waitUntil(
    async () => (await (await browser.$('[data-testid="action-progress"]')).getAttribute('data-state')) === 'cancelled',
    { timeout: 15_000, timeoutMsg: 'the page shows the restart cancelled' },
  );
  await countdown.waitForDisplayed({ reverse: true, timeout: 5_000 });
  execFileSync('dunstctl', ['close-all']);
});

/** Calls the server's API as `token`; the parsed JSON answer (null when empty). */
async function asTech(token, method, path, body) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

test('bob chats from the window and takes his screen in one click, hides a part and sends it; in front, an answer raises no notification; with the window closed, it is one that opens the chat', async () => {
  execFileSync('dunstctl', ['close-all']);
  const tess = await login(server.url, 'tech@helpdesk.example');
  await asTech(tess, 'PUT', '/duty', { on_duty: true });
  await toWindow('main');
  const link = await browser.$('a[href="#/chat"]');
  await link.waitForDisplayed({ timeout: 15_000 });
  await link.click();
  const desk = await browser.$('[data-testid="chat-desk"]');
  await desk.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => /We are available/.test(await desk.getText()), { timeout: 10_000 });
  await (await browser.$('textarea[name="chat-first"]')).setValue('The printer on floor 2 jams');
  await (await browser.$('button=Start the chat')).click();
  const status = await browser.$('[data-testid="chat-status"]');
  await status.waitForDisplayed({ timeout: 10_000 });

  // The desk takes it (the chat says it came from this computer) and answers: live in the window.
  let chat;
  await until(async () => {
    const waiting = await asTech(tess, 'GET', '/chats?status=waiting');
    chat = waiting.find((c) => c.user_name === 'Bob Baker');
    return Boolean(chat);
  }, 10_000, 'the chat in the queue');
  assert.ok(chat.device_name, 'the chat names the computer it came from');
  await asTech(tess, 'POST', `/chats/${chat.id}/take`);
  await asTech(tess, 'POST', `/chats/${chat.id}/messages`, { id: crypto.randomUUID(), body: 'Which tray?' });
  const log = await browser.$('[data-testid="chat-log"]');
  await browser.waitUntil(async () => /Which tray\?/.test(await log.getText()), { timeout: 10_000, timeoutMsg: 'the answer in the window' });
  await browser.waitUntil(async () => /Connected to Tess Tech/.test(await status.getText()), { timeout: 10_000 });

  // One click: the window steps aside and the screen is taken; bob sees it, hides a part of
  // it, and only then sends it into the chat.
  await (await browser.$('button=Send a screenshot of my screen')).click();
  const preview = await browser.$('[data-testid="chat-shot"] [data-testid="screenshot"]');
  await preview.waitForDisplayed({ timeout: 15_000 });
  const scale = await dragAcrossTopLeft(preview);
  await (await browser.$('[data-testid="chat-shot"] [data-testid="hidden-count"]')).waitForDisplayed({ timeout: 5_000 });
  assert.equal((await asTech(tess, 'GET', `/chats/${chat.id}/messages`)).filter((m) => m.files.length > 0).length, 0, 'nothing sent before Send');
  await (await browser.$('button=Send the screenshot')).click();
  let sent = null;
  await until(async () => {
    const messages = await asTech(tess, 'GET', `/chats/${chat.id}/messages`);
    sent = messages.flatMap((m) => m.files).find((f) => f.file_name === 'screenshot.png' && f.media_type === 'image/png');
    return Boolean(sent);
  }, 15_000, 'the screenshot in the chat');
  const got = await fetch(`${server.url}/api/v1/chats/${chat.id}/files/${sent.sha256}`, { headers: { Authorization: `Bearer ${tess}` } });
  assertDraggedAreaBlack(PNG.sync.read(Buffer.from(await got.arrayBuffer())), scale);
  await (await browser.$('[data-testid="chat-shot"]')).waitForDisplayed({ reverse: true, timeout: 5_000 });
  await windowShot('desktop-chat.png');

  // In front of bob, the desk's answer is in the window and nothing else: no notification now,
  // and none later for what he has seen.
  const id = execFileSync('xdotool', ['search', '--onlyvisible', '--name', '^Bellhop$'], { encoding: 'utf8' }).trim().split('\n')[0];
  execFileSync('xdotool', ['windowfocus', '--sync', id]);
  await browser.waitUntil(async () => browser.execute(() => document.hasFocus()), { timeout: 5_000, timeoutMsg: 'the window has the focus' });
  execFileSync('dunstctl', ['close-all']);
  await asTech(tess, 'POST', `/chats/${chat.id}/messages`, { id: crypto.randomUUID(), body: 'Is the cable in?' });
  await browser.waitUntil(async () => /Is the cable in\?/.test(await log.getText()), { timeout: 10_000, timeoutMsg: 'the answer in the window' });

  // The window closed: the desk's next answer is a notification, and it opens the chat.
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'close-window.py'), id]);
  await until(() => !xWindow('Bellhop'), 10_000, 'the window closed');
  execFileSync('dunstctl', ['close-all']);
  await asTech(tess, 'POST', `/chats/${chat.id}/messages`, { id: crypto.randomUUID(), body: 'Please try tray 2' });
  await until(
    () => Number(execFileSync('dunstctl', ['count', 'displayed'], { encoding: 'utf8' }).trim()) > 0,
    15_000,
    'the notification of the answer',
  );
  execFileSync('dunstctl', ['action', '0']);
  await until(() => xWindow('Bellhop'), 10_000, 'the window opened by the notification');
  await toWindow('main');
  const reopened = await browser.$('[data-testid="chat-log"]');
  await reopened.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => /Please try tray 2/.test(await reopened.getText()), { timeout: 10_000 });
  execFileSync('dunstctl', ['close-all']);
  const shown = notificationHistory().find((n) => n.body === 'Please try tray 2');
  assert.ok(shown, 'the notification says the answer');
  assert.ok(!notificationHistory().some((n) => n.body === 'Is the cable in?'), 'no notification of what bob saw in the window');
  assert.equal(shown.summary, 'Tess Tech wrote in your chat');
  await asTech(tess, 'POST', `/chats/${chat.id}/end`);
  await asTech(tess, 'PUT', '/duty', { on_duty: false });
});

test('the knowledge base is read from the copy the agent keeps on the device', async () => {
  await (await browser.$('a[href="#/kb"]')).click();
  const list = await browser.$('[data-testid="articles"]');
  await list.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => (await list.$$('li')).length === 10, { timeout: 10_000, timeoutMsg: 'ten articles' });
  await (await browser.$('input[name="q"]')).setValue('vpn conn');
  await (await browser.$('button=Search')).click();
  await browser.waitUntil(async () => (await list.$$('li')).length === 1, { timeout: 5_000, timeoutMsg: 'one match' });
  await (await list.$('a')).click();
  const article = await browser.$('[data-testid="article"]');
  await article.waitForDisplayed({ timeout: 5_000 });
  assert.match(await (await browser.$('#article-title')).getText(), /Connect to the VPN/);
  await windowShot('desktop-kb.png');
  // The window never leaves the app's pages: a web link in an article goes to the user's
  // browser, a local file is refused.
  const own = await browser.execute(() => location.href);
  for (const href of ['https://example.com/guide', 'file:///etc/hostname']) {
    await browser.execute((target) => {
      const a = document.createElement('a');
      a.href = target;
      a.textContent = 'outside';
      document.querySelector('[data-testid="article"]').append(a);
      a.click();
    }, href);
  }
  // The stand-in browser writes the address, then a newline: wait for the whole line.
  await until(() => existsSync(opened) && readFileSync(opened, 'utf8').endsWith('\n'), 10_000, 'the link handed to the browser');
  assert.equal(readFileSync(opened, 'utf8'), 'https://example.com/guide\n');
  assert.equal(await browser.execute(() => location.href), own, 'still on our page');
  // The browser gets the user's environment, not the WebKit settings the app runs its own pages
  // with (src-tauri/src/webkit_env.rs)...
  assert.equal(readFileSync(openedEnv, 'utf8'), '', 'no WebKit setting handed to the browser');
  // ...which the app's web processes do have: no JIT, frames in shared memory, the first GPU
  // render node named (none here: software rendering).
  const renderNode = (existsSync('/dev/dri') ? readdirSync('/dev/dri') : [])
    .filter((n) => /^renderD\d+$/.test(n))
    .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)))
    .map((n) => `/dev/dri/${n}`)[0] ?? '/dev/null';
  const expected = ['GDK_GL=disable', 'JSC_useJIT=0', 'WEBKIT_DISABLE_DMABUF_RENDERER=1', `WEBKIT_WEB_RENDER_DEVICE_FILE=${renderNode}`];
  const named = /^(JSC_useJIT|GDK_GL|WEBKIT_DISABLE_DMABUF_RENDERER|WEBKIT_WEB_RENDER_DEVICE_FILE)=/;
  const web = appProcesses('WebKitWebProces');
  assert.ok(web.length > 0, 'the app has a web process');
  for (const { env } of web) assert.deepEqual(env.filter((v) => named.test(v)).sort(), expected);
  // With them, the app's own process never loads an OpenGL driver (Mesa and its LLVM: about 20 MB
  // of idle memory); only the web process renders.
  const [app] = appProcesses('bellhop-deskto');
  assert.ok(app, 'the app process');
  const drivers = readFileSync(`/proc/${app.pid}/maps`, 'utf8')
    .split('\n')
    .filter((l) => /\/dri\/|libLLVM|libGLX_mesa|libEGL_mesa/.test(l));
  assert.deepEqual(drivers, [], 'no OpenGL driver in the app process');
});

/** The app's processes whose name starts with `comm` (found by the app's BELLHOP_HOME), with
 * their environments. */
function appProcesses(comm) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith(comm)) continue;
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (env.includes(`BELLHOP_HOME=${agentHome}`)) found.push({ pid, env });
    } catch {
      // Gone in between.
    }
  }
  return found;
}

/** Makes the desk's "Who is affected" field required or not, through the API. */
async function requireAffected(required) {
  const tech = await login(server.url, 'tech@helpdesk.example');
  const url = `${server.url}/api/v1/ticket-fields`;
  const auth = { Authorization: `Bearer ${tech}` };
  const fields = await (await fetch(url, { headers: auth })).json();
  fields.custom.find((f) => f.key === 'affected').required = required;
  const res = await fetch(url, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(fields) });
  assert.ok(res.ok, `ticket fields saved (${res.status})`);
}

/** The app's tray item as a StatusNotifierItem on the session bus (libayatana-appindicator): the
 * connection that serves it, found by asking each of the bus's connections. */
const TRAY_PATH = '/org/ayatana/NotificationItem/tray_icon_tray_app_bellhop';
function gdbus(...args) {
  return execFileSync('gdbus', ['call', '--session', '--timeout', '5', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
/** The connection found to serve the tray item (the app keeps it while it runs). */
let trayDest = null;
/** The app's connections are asked (the bus itself says whose each is): one of them serves the
 * tray item, another may be busy and answer nothing (probed with a short timeout). */
function trayConnection() {
  const status = (name, timeout) =>
    execFileSync('gdbus', ['call', '--session', '--timeout', timeout, '--dest', name, '--object-path', TRAY_PATH, '--method', 'org.freedesktop.DBus.Properties.Get', 'org.kde.StatusNotifierItem', 'Status'], { stdio: 'ignore' });
  if (trayDest) {
    try {
      status(trayDest, '5');
      return trayDest;
    } catch {
      trayDest = null;
    }
  }
  const bus = ['--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method'];
  const names = gdbus(...bus, 'org.freedesktop.DBus.ListNames');
  for (const name of names.match(/:\d+\.\d+/g) ?? []) {
    try {
      const pid = /uint32 (\d+)/.exec(gdbus(...bus, 'org.freedesktop.DBus.GetConnectionUnixProcessID', name))?.[1];
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'bellhop-desktop') continue;
      status(name, '1');
      trayDest = name;
      return name;
    } catch {
      // Gone, or not the tray's connection.
    }
  }
  throw new Error('no connection of the app on the session bus serves the tray item');
}
/** The tray menu's entries (dbusmenu ids and labels) and whether the icon shows (Active). */
function tray() {
  const dest = trayConnection();
  const layout = gdbus('--dest', dest, '--object-path', `${TRAY_PATH}/Menu`, '--method', 'com.canonical.dbusmenu.GetLayout', '--', '0', '-1', "['label']");
  const items = [...layout.matchAll(/\((\d+), \{'label': <'((?:[^'\\]|\\.)*)'>/g)].map((m) => ({ id: Number(m[1]), label: m[2] }));
  const status = gdbus('--dest', dest, '--object-path', TRAY_PATH, '--method', 'org.freedesktop.DBus.Properties.Get', 'org.kde.StatusNotifierItem', 'Status');
  return { dest, items, shown: status.includes("'Active'") };
}

test("the desk's brand for bob's organisation reaches the app: the window's name, colour and contacts, the tray's menu calls the desk, and the icon hides", async () => {
  // Bellhop's own brand before: no way to reach a desk in the menu, the icon shows.
  const before = tray();
  assert.ok(before.shown, 'the tray icon shows');
  assert.ok(before.items.some((i) => i.label === 'Quit Bellhop'), JSON.stringify(before.items));
  assert.ok(!before.items.some((i) => i.label.startsWith('Call the service desk')));

  await makeAdmin(server, 'ada@helpdesk.example', 'bellhop-demo');
  const ada = await login(server.url, 'ada@helpdesk.example');
  const orgs = await (await callApi(server, ada, 'GET', '/orgs')).json();
  const acme = orgs.find((o) => /Acme/.test(o.name));
  const uploaded = await fetch(`${server.url}/api/v1/brand/logos`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ada}`, 'Content-Type': 'application/octet-stream' },
    body: '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#8a1538"/></svg>',
  });
  assert.equal(uploaded.status, 201);
  const { sha256: logo } = await uploaded.json();
  const set = await callApi(server, ada, 'PUT', `/orgs/${acme.id}/brand`, {
    logo,
    name: 'Acme Help',
    accent: '#8a1538',
    phone: '+1 (555) 010-0100',
    email: 'help@acme.example',
    links: [{ label: 'Status page', url: 'https://status.acme.example' }],
    hide_tray_icon: true,
  });
  assert.equal(set.status, 200, await set.text());
  const worn = await wearsTheBrand().then(() => null, (e) => e);
  // Back to the desk's brand (the tests after this one find the window by Bellhop's name).
  const cleared = await callApi(server, ada, 'PUT', `/orgs/${acme.id}/brand`, {});
  assert.equal(cleared.status, 200);
  await browser.execute(() => window.__TAURI_INTERNALS__.invoke('sync_now'));
  if (worn) throw worn;
  await until(() => tray().shown, 20_000, 'the tray icon back');
  const top = await browser.$('header.topbar strong');
  await browser.waitUntil(async () => (await top.getText()) === 'Bellhop', { timeout: 20_000, timeoutMsg: "Bellhop's name again" });
  await until(async () => (await browser.getTitle()) === 'Bellhop', 10_000, "the window's title again");
});

/** Whether a window of that exact title shows on the X display. */
function xWindowNamed(name) {
  try {
    execFileSync('xdotool', ['search', '--onlyvisible', '--name', `^${name}$`]);
    return true;
  } catch {
    return false;
  }
}

async function wearsTheBrand() {
  await browser.execute(() => window.__TAURI_INTERNALS__.invoke('sync_now'));
  // The window: the name on top and in its title, the accent, the desk's contacts under the page.
  await browser.execute(() => (location.hash = '#/'));
  const top = await browser.$('header.topbar strong');
  await browser.waitUntil(async () => (await top.getText()) === 'Acme Help', { timeout: 20_000, timeoutMsg: "the desk's name in the window" });
  const accent = await browser.execute(() => getComputedStyle(document.documentElement).getPropertyValue('--brand-light').trim());
  assert.equal(accent, '#8a1538');
  // The logo is the copy the agent keeps (it shows offline too), drawn in place of Bellhop's mark.
  const shown = await browser.$('header.topbar img.desk-logo');
  await shown.waitForExist({ timeout: 10_000 });
  assert.match(await shown.getAttribute('src'), /^data:image\/svg\+xml;base64,/);
  await browser.waitUntil(async () => browser.execute(() => document.querySelector('img.desk-logo')?.naturalWidth > 0), { timeout: 10_000, timeoutMsg: 'the logo drawn' });
  const contact = await browser.$('[data-testid="desk-contact"]');
  assert.match(await contact.getText(), /\+1 \(555\) 010-0100[\s\S]*help@acme\.example[\s\S]*Status page/);
  await until(async () => (await browser.getTitle()) === 'Acme Help', 10_000, "the page's title");
  await until(() => xWindowNamed('Acme Help'), 10_000, "the window's own title (as the taskbar shows it)");
  await windowShot('desktop-brand.png', 'Acme Help');

  // The tray: the menu reaches the desk, the icon is hidden (the hotkey and the Start menu entry
  // stay), and "Call the service desk" hands the number to the phone app.
  await until(() => !tray().shown, 10_000, 'the tray icon hidden');
  const { dest, items } = tray();
  const labels = items.map((i) => i.label);
  assert.ok(labels.includes('Call the service desk: +1 (555) 010-0100'), JSON.stringify(labels));
  assert.ok(labels.includes('Write to the service desk'), JSON.stringify(labels));
  assert.ok(labels.includes('Status page'), JSON.stringify(labels));
  assert.ok(labels.includes('Quit Acme Help'), JSON.stringify(labels));
  const call = items.find((i) => i.label.startsWith('Call the service desk'));
  const had = existsSync(opened) ? readFileSync(opened, 'utf8') : '';
  gdbus('--dest', dest, '--object-path', `${TRAY_PATH}/Menu`, '--method', 'com.canonical.dbusmenu.Event', String(call.id), 'clicked', '<0>', '0');
  await until(() => existsSync(opened) && readFileSync(opened, 'utf8').slice(had.length).includes('tel:+15550100100'), 10_000, 'the number handed on');

  // The agent keeps the brand: the CLI reads it from the same store, as the app does offline.
  const kept = JSON.parse(execFileSync(BIN('bellhop'), ['brand', '--json'], { env: appEnv, encoding: 'utf8' }));
  assert.equal(kept.name, 'Acme Help');
  assert.equal(kept.tray_icon, false);
}

test('a ticket the server refuses comes back as a draft with its screenshot, is fixed and arrives once', async () => {
  // A sync pass now, so the app's next routine pass is a minute away: until then it still
  // believes the field is optional, as an app that synced just before the desk's change would.
  await syncPass();
  await requireAffected(true);
  try {
    execFileSync('xdotool', ['key', 'ctrl+F12']);
    await until(() => xWindow('New ticket'), 5_000, 'the "New ticket" window on screen');
    await toWindow('quick');
    await (await browser.$('[data-testid="screenshot"]')).waitForDisplayed({ timeout: 15_000 });
    await (await browser.$('input[name="title"]')).setValue('Dock does not charge');
    await (await browser.$('button[type="submit"]')).click();
    await until(() => !xWindow('New ticket'), 5_000, 'the quick-ticket window hidden after sending');

    await toWindow('main');
    await browser.execute(() => (location.hash = '#/outbox'));
    const item = await browser.$('//ul[@data-testid="outbox"]/li[contains(., "Dock does not charge")]');
    await item.waitForDisplayed({ timeout: 10_000 });
    await browser.waitUntil(async () => /Who is affected/.test(await item.getText()), {
      timeout: 20_000,
      timeoutMsg: 'the refusal and its reason',
    });
    await windowShot('desktop-refused.png');
    await (await item.$('button=Edit and resend')).click();

    // The form holds the words and keeps the screenshot; the field is now asked for.
    const title = await browser.$('input[name="title"]');
    await title.waitForDisplayed({ timeout: 10_000 });
    await browser.waitUntil(async () => (await title.getValue()) === 'Dock does not charge', { timeout: 10_000, timeoutMsg: 'the draft in the form' });
    assert.match(await (await browser.$('[data-testid="kept-files"]')).getText(), /screenshot/);
    const affected = await browser.$('select[name="affected"]');
    await affected.waitForDisplayed({ timeout: 10_000 });
    await affected.selectByVisibleText('Only me');
    await (await browser.$('button[type="submit"]')).click();
    await outboxItem('Dock does not charge');
  } finally {
    await requireAffected(false);
    // The app hears of it with its next pass: have that now, for the tests after this one.
    await browser.execute(() => window.__TAURI_INTERNALS__.invoke('sync_now'));
    await browser.waitUntil(
      async () => {
        const portal = await browser.execute(() => window.__TAURI_INTERNALS__.invoke('get_portal'));
        return portal?.ticket_fields?.custom?.find((f) => f.key === 'affected')?.required === false;
      },
      { timeout: 10_000, timeoutMsg: 'the app still requires the field' },
    );
  }

  const bob = await login(server.url, 'bob@acme.example');
  const auth = { headers: { Authorization: `Bearer ${bob}` } };
  const page = await (await fetch(`${server.url}/api/v1/tickets?q=${encodeURIComponent('Dock does not charge')}`, auth)).json();
  assert.equal(page.items.length, 1, 'arrived exactly once');
  assert.equal(page.items[0].custom_fields.affected, 'Only me');
  const files = await (await fetch(`${server.url}/api/v1/tickets/${page.items[0].id}/attachments`, auth)).json();
  assert.equal(files.length, 1, 'with the screenshot taken at the press');
  assert.equal(files[0].media_type, 'image/png');
  const outbox = await browser.$$('//ul[@data-testid="outbox"]/li[contains(., "Dock does not charge")]');
  assert.equal(outbox.length, 1, 'the refused item left the outbox');
});

test('Bellhop starts at login unless the user switches it off in Settings', async () => {
  // On by default: the first start wrote the login item, which starts it in the tray.
  assert.match(readFileSync(loginItem, 'utf8'), /^Exec=.*bellhop-desktop.* --background/m);
  await (await browser.$('a[href="#/preferences"]')).click();
  const box = await browser.$('input[name="autostart"]');
  await box.waitForEnabled({ timeout: 10_000 });
  assert.equal(await box.isSelected(), true);
  await box.click();
  await until(() => !existsSync(loginItem), 5_000, 'the login item removed');
  const choice = () =>
    execFileSync('sqlite3', [join(agentHome, 'data', 'agent.sqlite3'), "SELECT value FROM meta WHERE key = 'autostart'"], { encoding: 'utf8' }).trim();
  assert.equal(choice(), 'off', 'the choice is kept, so the next start does not undo it');
  await box.click();
  await until(() => existsSync(loginItem), 5_000, 'the login item back');
  assert.equal(choice(), 'on');
});

test('low memory: the new-ticket window is made on the press and destroyed after; back to kept ready', async () => {
  await toWindow('main');
  await (await browser.$('a[href="#/preferences"]')).click();
  const box = await browser.$('input[name="low_memory"]');
  await box.waitForEnabled({ timeout: 10_000 });
  assert.equal(await box.isSelected(), false, 'kept ready by default');
  await box.click();
  await until(async () => !(await quickExists()), 5_000, 'the hidden window let go');

  execFileSync('xdotool', ['key', 'ctrl+F12']);
  await until(() => xWindow('New ticket'), 10_000, 'the window made on the press');
  await toWindow('quick');
  await (await browser.$('[data-testid="screenshot"]')).waitForDisplayed({ timeout: 15_000 });
  // The window goes with the key press: WebDriver may lose it before the key's release.
  await browser.keys('Escape').catch(() => undefined);
  await until(() => !xWindow('New ticket'), 5_000, 'the window gone');
  assert.equal(await quickExists(), false, 'destroyed, not hidden');

  await toWindow('main');
  const again = await browser.$('input[name="low_memory"]');
  await again.waitForEnabled({ timeout: 10_000 });
  await again.click();
  await until(async () => (await quickExists()) && !xWindow('New ticket'), 10_000, 'a hidden window kept ready again');
});

test('the new-ticket shortcut can be changed; one another program holds is refused and the old one kept', async () => {
  // Another program holds Ctrl+F10.
  const grabber = spawn('/usr/bin/python3', [join(import.meta.dirname, 'grab-key.py'), 'F10'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve, reject) => {
      grabber.stdout.once('data', resolve);
      grabber.once('exit', (code) => reject(new Error(`grab-key.py ended (${code})`)));
    });
    await (await browser.$('a[href="#/preferences"]')).click();
    const field = await browser.$('input[name="hotkey"]');
    await field.waitForDisplayed({ timeout: 10_000 });
    assert.equal(await field.getValue(), 'Ctrl+F12');
    await field.click();
    await browser.keys(['Control', 'F10']);
    await browser.keys(['Control']);
    assert.equal(await field.getValue(), 'Ctrl+F10');
    await (await browser.$('button=Save shortcut')).click();
    const refused = await browser.$('//form[.//input[@name="hotkey"]]//p[@role="alert"]');
    await refused.waitForDisplayed({ timeout: 10_000 });
    assert.match(await refused.getText(), /Ctrl\+F10 is taken by another program/);
  } finally {
    grabber.kill();
  }
  // The old shortcut still works.
  execFileSync('xdotool', ['key', 'ctrl+F12']);
  await until(() => xWindow('New ticket'), 10_000, 'the quick-ticket window from the old shortcut');
  await toWindow('quick');
  await browser.keys('Escape');
  await until(() => !xWindow('New ticket'), 5_000, 'the quick-ticket window hidden again');
  await toWindow('main');

  // A free one takes over at once, and is kept for the next start.
  await (await browser.$('a[href="#/preferences"]')).click();
  const field = await browser.$('input[name="hotkey"]');
  await field.waitForDisplayed({ timeout: 10_000 });
  await field.click();
  await browser.keys(['Control', 'Shift', 'F9']);
  await browser.keys(['Control', 'Shift']);
  assert.equal(await field.getValue(), 'Ctrl+Shift+F9');
  await (await browser.$('button=Save shortcut')).click();
  await (await browser.$('p=Ctrl+Shift+F9 now opens a new ticket from anywhere.')).waitForDisplayed({ timeout: 10_000 });
  execFileSync('xdotool', ['key', 'ctrl+shift+F9']);
  await until(() => xWindow('New ticket'), 10_000, 'the quick-ticket window from the new shortcut');
  await toWindow('quick');
  await (await browser.$('[data-testid="screenshot"]')).waitForDisplayed({ timeout: 15_000 });
  await browser.keys('Escape');
  await until(() => !xWindow('New ticket'), 5_000, 'the quick-ticket window hidden again');
  await toWindow('main');
  const meta = execFileSync('sqlite3', [join(agentHome, 'data', 'agent.sqlite3'), "SELECT value FROM meta WHERE key = 'hotkey'"], { encoding: 'utf8' });
  assert.equal(meta.trim(), 'Ctrl+Shift+F9');

  // Back to the default for the tests that follow.
  await (await browser.$('a[href="#/preferences"]')).click();
  const again = await browser.$('input[name="hotkey"]');
  await again.waitForDisplayed({ timeout: 10_000 });
  await again.click();
  await browser.keys(['Control', 'F12']);
  await browser.keys(['Control']);
  await (await browser.$('button=Save shortcut')).click();
  await (await browser.$('p=Ctrl+F12 now opens a new ticket from anywhere.')).waitForDisplayed({ timeout: 10_000 });
});

test('a ticket sent while the server is down waits as queued, then arrives exactly once', async () => {
  const { dataDir } = server;
  const listen = new URL(server.url).host;
  await server.stop();

  await (await browser.$('a[href="#/new"]')).click();
  const title = await browser.$('input[name="title"]');
  await title.waitForDisplayed({ timeout: 10_000 });
  await title.setValue('Written offline');
  await (await browser.$('button[type="submit"]')).click();
  const item = await browser.$('//ul[@data-testid="outbox"]/li[contains(., "Written offline")]');
  await item.waitForDisplayed({ timeout: 10_000 });
  // The app tried to send it, and could not: the item is still waiting, with the reason.
  await until(
    async () => {
      const outbox = await browser.execute(() => window.__TAURI_INTERNALS__.invoke('list_outbox'));
      return outbox.some((i) => i.op.op.ticket?.title === 'Written offline' && i.attempts > 0);
    },
    20_000,
    'a failed attempt to send the offline ticket',
  );
  assert.match(await item.getText(), /Queued|Sending/);
  assert.doesNotMatch(await item.getText(), /Synced/);

  server = await startServer({ ui: false, dataDir, listen });
  await (await browser.$('button=Sync now')).click();
  await browser.waitUntil(async () => /Synced/.test(await item.getText()), {
    timeout: 30_000,
    timeoutMsg: 'the offline ticket was not synced after the server came back',
  });
  const token = await login(server.url, 'bob@acme.example');
  const page = await (await fetch(`${server.url}/api/v1/tickets?q=offline`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.equal(page.items.filter((t) => t.title === 'Written offline').length, 1);
});

test('a catalog request filled in while the server is down waits, then arrives once as a ticket of its item', async () => {
  const { dataDir } = server;
  const listen = new URL(server.url).host;
  // The catalog the agent kept at its last sync is what the window offers offline.
  await browser.waitUntil(async () => browser.execute(() => window.__TAURI_INTERNALS__.invoke('get_catalog').then((c) => c !== null)), {
    timeout: 30_000,
    timeoutMsg: 'the catalog never reached the device',
  });
  await server.stop();

  await (await browser.$('a[href="#/catalog"]')).click();
  const monitor = await browser.$('a[data-key="monitor"]');
  await monitor.waitForDisplayed({ timeout: 10_000 });
  await monitor.click();
  const location = await browser.$('input[name="location"]');
  await location.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await (await browser.$('input[name="asset_tag"]')).isExisting(), false, "the item's own form");
  await location.setValue('Desk 7');
  await (await browser.$('input[name="quantity"]')).setValue('2');
  await (await browser.$('button[type="submit"]')).click();
  // Left untitled, it is called by its item; it waits in the outbox like any ticket.
  const item = await browser.$('//ul[@data-testid="outbox"]/li[contains(., "A monitor or accessories")]');
  await item.waitForDisplayed({ timeout: 10_000 });
  await until(
    async () => {
      const outbox = await browser.execute(() => window.__TAURI_INTERNALS__.invoke('list_outbox'));
      return outbox.some((i) => i.op.op.ticket?.catalog_item === 'monitor' && i.attempts > 0);
    },
    20_000,
    'a failed attempt to send the offline request',
  );
  assert.doesNotMatch(await item.getText(), /Synced/);

  server = await startServer({ ui: false, dataDir, listen });
  await (await browser.$('button=Sync now')).click();
  await browser.waitUntil(async () => /Synced/.test(await item.getText()), {
    timeout: 30_000,
    timeoutMsg: 'the offline request was not synced after the server came back',
  });
  const token = await login(server.url, 'bob@acme.example');
  const page = await (await fetch(`${server.url}/api/v1/tickets?limit=200`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const asked = page.items.filter((t) => t.catalog_item === 'monitor');
  assert.equal(asked.length, 1, 'it arrived once');
  assert.equal(asked[0].title, 'A monitor or accessories');
  assert.deepEqual(asked[0].custom_fields, { location: 'Desk 7', quantity: 2 });
});

test('a draft is kept, listed under My tickets, and sent from there exactly once', async () => {
  await (await browser.$('a[href="#/new"]')).click();
  const title = await browser.$('input[name="title"]');
  await title.waitForDisplayed({ timeout: 10_000 });
  await title.setValue('Draft about the docking station');
  await (await browser.$('button=Save as draft')).click();
  await (await browser.$('a[href="#/tickets"]')).click();
  const draft = await browser.$('//ul[@data-testid="drafts"]/li[contains(., "docking station")]');
  await draft.waitForDisplayed({ timeout: 10_000 });
  await (await draft.$('button=Send')).click();
  await draft.waitForDisplayed({ reverse: true, timeout: 10_000 });

  const token = await login(server.url, 'bob@acme.example');
  await until(async () => {
    const page = await (await fetch(`${server.url}/api/v1/tickets?q=docking`, { headers: { Authorization: `Bearer ${token}` } })).json();
    return page.items.length === 1;
  }, 20_000, 'the sent draft on the server');
});

test('the language menu switches the window at once; the server and the notifications follow', async () => {
  await (await browser.$('a[href="#/preferences"]')).click();
  const picker = await browser.$('select[name="language"]');
  await picker.waitForDisplayed({ timeout: 10_000 });
  await picker.selectByAttribute('value', 'it');
  // The place's name (its count of tickets awaiting a reply sits beside it).
  const myTickets = await browser.$('a[href="#/tickets"] .label');
  await browser.waitUntil(async () => (await myTickets.getText()) === 'I miei ticket', {
    timeout: 5_000,
    timeoutMsg: 'the window did not switch to Italian',
  });
  assert.equal(await (await browser.$('html')).getAttribute('lang'), 'it');
  // The quick-ticket window is renamed too (shown on the next press).
  execFileSync('xdotool', ['key', 'ctrl+F12']);
  await until(() => xWindow('Nuovo ticket'), 5_000, 'the quick-ticket window titled in Italian');
  await toWindow('quick');
  await browser.keys('Escape');
  await until(() => !xWindow('Nuovo ticket'), 5_000, 'the quick-ticket window hidden again');
  await toWindow('main');

  // The agent tells the server on its next sync (the change asks for one at once).
  const bob = await login(server.url, 'bob@acme.example');
  const me = async () => (await fetch(`${server.url}/api/v1/me`, { headers: { Authorization: `Bearer ${bob}` } })).json();
  await until(async () => (await me()).language === 'it', 20_000, "bob's language on the server");

  // A technician's reply now arrives as an Italian notification.
  execFileSync('dunstctl', ['close-all']);
  const page = await (await fetch(`${server.url}/api/v1/tickets?q=offline`, { headers: { Authorization: `Bearer ${bob}` } })).json();
  const ticket = page.items.find((t) => t.title === 'Written offline');
  await technicianReplies(ticket.id, 'Riavvia il computer.');
  await until(
    () => notificationHistory().some((n) => n.summary.includes('Written offline')),
    20_000,
    'the notification about the reply',
  );
  const shown = notificationHistory().find((n) => n.summary.includes('Written offline'));
  assert.equal(shown.body, 'Tess Tech: Riavvia il computer.\nStato: In attesa di una tua risposta');
  execFileSync('dunstctl', ['close-all']);

  // And back.
  await (await browser.$('a[href="#/preferences"]')).click();
  await (await browser.$('select[name="language"]')).selectByAttribute('value', 'en');
  await browser.waitUntil(async () => (await myTickets.getText()) === 'My tickets', {
    timeout: 5_000,
    timeoutMsg: 'the window did not switch back to English',
  });
  await until(async () => (await me()).language === 'en', 20_000, "bob's language back on the server");
});

test('a draft is opened again in the form, edited, and sent once with the new words, type and fields', async () => {
  await (await browser.$('a[href="#/new"]')).click();
  const title = await browser.$('input[name="title"]');
  await title.waitForDisplayed({ timeout: 10_000 });
  await title.setValue('Half-written about the VPN');
  await (await browser.$('textarea[name="description"]')).setValue('It drops every');
  // The desk's types and the custom fields users fill in, from the last sync; not its own.
  await (await browser.$('select[name="ticket_type"]')).selectByVisibleText('Service request');
  await (await browser.$('input[name="asset_tag"]')).setValue('LT-42');
  assert.equal(await (await browser.$$('[name="cost_centre"]')).length, 0);
  await (await browser.$('button=Save as draft')).click();
  await (await browser.$('a[href="#/tickets"]')).click();
  const draft = await browser.$('//ul[@data-testid="drafts"]/li[contains(., "Half-written about the VPN")]');
  await draft.waitForDisplayed({ timeout: 10_000 });
  await (await draft.$('a=Edit')).click();

  // The form holds the draft's words; finishing them and sending makes one ticket of them.
  const again = await browser.$('input[name="title"]');
  await browser.waitUntil(async () => (await again.getValue()) === 'Half-written about the VPN', {
    timeout: 10_000,
    timeoutMsg: 'the draft did not open in the form',
  });
  const description = await browser.$('textarea[name="description"]');
  assert.equal(await description.getValue(), 'It drops every');
  assert.equal(await (await browser.$('select[name="ticket_type"]')).getValue(), 'service_request');
  assert.equal(await (await browser.$('input[name="asset_tag"]')).getValue(), 'LT-42');
  await (await browser.$('select[name="affected"]')).selectByVisibleText('Everyone');
  await again.setValue('VPN drops every hour');
  await description.setValue('It drops every hour, on the hour.');
  await (await browser.$('button[type="submit"]')).click();
  await (await browser.$('//ul[@data-testid="outbox"]/li[contains(., "VPN drops every hour")]')).waitForDisplayed({ timeout: 10_000 });

  const token = await login(server.url, 'bob@acme.example');
  await until(async () => {
    const page = await (await fetch(`${server.url}/api/v1/tickets?q=VPN%20drops%20every%20hour`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const mine = page.items.filter((t) => t.title === 'VPN drops every hour');
    return (
      mine.length === 1 &&
      mine[0].description === 'It drops every hour, on the hour.' &&
      mine[0].ticket_type === 'service_request' &&
      JSON.stringify(mine[0].custom_fields) === JSON.stringify({ affected: 'Everyone', asset_tag: 'LT-42' })
    );
  }, 20_000, 'the edited draft on the server, with its type and fields');
  const half = await (await fetch(`${server.url}/api/v1/tickets?q=Half-written`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.equal(half.items.length, 0, 'the old words were never sent');
  await (await browser.$('a[href="#/tickets"]')).click();
  await (await browser.$('[data-testid="my-tickets"]')).waitForExist({ timeout: 10_000 });
  await until(
    async () => (await browser.$$('//ul[@data-testid="drafts"]/li[contains(., "VPN")]')).length === 0,
    10_000,
    'the draft gone from the list',
  );
});

test('Esc closes the new-ticket window and keeps what was typed as a draft', async () => {
  await (await browser.$('a[href="#/new"]')).click();
  const title = await browser.$('input[name="title"]');
  await title.waitForDisplayed({ timeout: 10_000 });
  await title.setValue('Typed, then Esc');
  try {
    await browser.keys('Escape');
  } catch (e) {
    // The key press closes the window, which can be gone before WebDriver lets the key go.
    if (!/no such window/.test(String(e))) throw e;
  }
  // The window is gone; the app lives on in the tray. The CLI reads the same store.
  await until(() => {
    const out = execFileSync(BIN('bellhop'), ['--json', 'drafts'], { env: { ...process.env, BELLHOP_HOME: agentHome }, encoding: 'utf8' });
    return JSON.parse(out).some((d) => d.title === 'Typed, then Esc');
  }, 10_000, 'the draft in the store');
});

test('the window comes back where and as large as the user left it', async () => {
  const again = (...args) =>
    spawn(BIN('bellhop-desktop'), ['--server', serverUrl, ...args], {
      stdio: 'ignore',
      env: appEnv,
    });
  /** The window's size and place ({} when it is gone meanwhile). */
  const geometry = (id) => {
    try {
      const out = execFileSync('xdotool', ['getwindowgeometry', '--shell', id], { encoding: 'utf8' });
      return Object.fromEntries(out.trim().split('\n').map((l) => l.split('=')).map(([k, v]) => [k, Number(v)]));
    } catch {
      return {};
    }
  };
  /** The visible portal window's X id, or '' (xdotool exits 1 when nothing matches). */
  const visible = () => {
    try {
      return execFileSync('xdotool', ['search', '--onlyvisible', '--name', '^Bellhop$'], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
    } catch {
      return '';
    }
  };
  const mainWindow = async () => {
    let id = '';
    await until(() => (id = visible()) !== '', 15_000, 'the portal window');
    return id;
  };
  // A second launch opens the (closed) window in the running app.
  again();
  const first = await mainWindow();
  execFileSync('xdotool', ['windowsize', first, '700', '540']);
  execFileSync('xdotool', ['windowmove', first, '230', '170']);
  await until(() => geometry(first).WIDTH === 700 && geometry(first).X === 230, 5_000, 'the window resized and moved');
  // The window manager's close button (WM_DELETE_WINDOW).
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'close-window.py'), first]);
  // Closed, not hidden: the next one is a new window that must find its old place by itself.
  await until(() => visible() === '', 10_000, 'the window closed');

  again();
  await mainWindow();
  // The window may be mapped more than once while it takes its old size: ask afresh each time.
  await until(() => {
    const id = visible();
    if (!id) return false;
    const { WIDTH, HEIGHT, X, Y } = geometry(id);
    return WIDTH === 700 && HEIGHT === 540 && X === 230 && Y === 170;
  }, 5_000, 'the window at its old size and place');
});

test('words typed in the new-ticket window survive the app being killed: they are a draft', async () => {
  execFileSync('xdotool', ['key', 'ctrl+F12']);
  await until(() => xWindow('New ticket'), 10_000, 'the quick-ticket window');
  await toWindow('quick');
  await (await browser.$('input[name="title"]')).setValue('Typed just before the crash');
  await (await browser.$('textarea[name="description"]')).setValue('Every word of it');
  // The form keeps what is typed after a short pause: wait until it is in the store.
  const storedDrafts = () =>
    JSON.parse(execFileSync(BIN('bellhop'), ['--json', 'drafts'], { env: { ...process.env, BELLHOP_HOME: agentHome }, encoding: 'utf8' }));
  await until(
    () => storedDrafts().some((d) => d.title === 'Typed just before the crash' && d.description === 'Every word of it'),
    10_000,
    'the typed words kept as a draft',
  );
  execFileSync('pkill', ['-KILL', '-f', `${BIN('bellhop-desktop')} --server ${serverUrl}`]);
  const drafts = JSON.parse(
    execFileSync(BIN('bellhop'), ['--json', 'drafts'], { env: { ...process.env, BELLHOP_HOME: agentHome }, encoding: 'utf8' }),
  );
  const kept = drafts.find((d) => d.title === 'Typed just before the crash');
  assert.ok(kept, 'the draft is in the store');
  assert.equal(kept.description, 'Every word of it');
});
