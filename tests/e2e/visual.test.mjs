// The main views as people see them, in Debian's Chromium, with the demo desk wearing a brand of
// its own (a logo and a colour): every view in both themes, at a desk's width and a phone's,
// passes axe's WCAG 2.1 AA checks; and two of the four (wide and light, phone and dark) are
// compared with the references committed in visual/, within a tolerance, so a layout that breaks
// fails here. The references are the README's screenshots too.
//
// After a change that means to alter a view, take the references again and look at each one
// before committing it:
//   BELLHOP_UPDATE_REFERENCES=1 npm test -- visual.test.mjs
// A view that differs too much leaves what it looked like and a picture of the difference in
// artifacts/visual/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { ROOT, SHOTS, axeViolations, callApi, launchChromium, login, makeAdmin, startServer, until } from './helpers.mjs';

const REFERENCES = join(ROOT, 'tests/e2e/visual');
const DIFFS = join(SHOTS, 'visual');
const UPDATE = Boolean(process.env.BELLHOP_UPDATE_REFERENCES);
/** Share of a view's pixels that may differ from its reference (anti-aliasing aside). */
const TOLERANCE = 0.002;

const LAYOUTS = [
  { name: 'wide', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
];
/** Which of the four ways of seeing a view are compared with a reference. */
const COMPARED = new Set(['wide-light', 'phone-dark']);

let server;
let browser;
/** What the views need to name: ticket and article ids, by their demo titles. */
const ids = {};

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  await makeAdmin(server, 'ada@helpdesk.example', 'bellhop-demo');
  const ada = await login(server.url, 'ada@helpdesk.example');

  // The demo desk's own brand: the views are seen as a desk that set one would show them.
  const logo = await fetch(`${server.url}/api/v1/brand/logos`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ada}`, 'Content-Type': 'application/octet-stream' },
    body: readFileSync(join(REFERENCES, 'demo-logo.svg')),
  });
  assert.equal(logo.status, 201, await logo.clone().text());
  const saved = await callApi(server, ada, 'PUT', '/brand/settings', {
    name: 'Example IT',
    accent: '#0f766e',
    phone: '+1 555 010 0199',
    email: 'it@helpdesk.example',
    links: [{ label: 'Service status', url: 'https://status.helpdesk.example' }],
    logo: (await logo.json()).sha256,
  });
  assert.equal(saved.status, 200, await saved.text());
  // Settings are kept by each instance for up to two seconds (db/settings.rs).
  await until(async () => (await (await fetch(`${server.url}/api/v1/brand`)).json()).name === 'Example IT', 5_000, 'the demo brand');

  const tess = await login(server.url, 'tech@helpdesk.example');
  const tickets = await (await callApi(server, tess, 'GET', `/tickets?q=${encodeURIComponent('Outlook keeps asking')}`)).json();
  ids.ticket = tickets.items.find((t) => t.title === 'Outlook keeps asking for my password').id;
  const articles = await (await callApi(server, tess, 'GET', '/kb/articles')).json();
  ids.article = articles.find((a) => a.title === 'Connect to the VPN').id;
  const orgs = await (await callApi(server, tess, 'GET', '/orgs')).json();
  ids.org = orgs.find((o) => o.name === 'Acme').id;
  const users = await (await callApi(server, tess, 'GET', '/users?q=bob')).json();
  ids.bob = users.find((u) => u.email === 'bob@acme.example').id;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * The main views: who looks (nobody, bob the customer, Tess the technician), where, and what
 * shows once the view has what it needs.
 */
const VIEWS = [
  { name: 'sign-in', who: null, path: () => '/', ready: (p) => p.getByLabel('Password') },
  { name: 'portal-home', who: 'bob@acme.example', path: () => '/#/', ready: (p) => p.getByTestId('tickets').locator('li').first() },
  { name: 'portal-requests', who: 'bob@acme.example', path: () => '/#/tickets', ready: (p) => p.getByTestId('tickets').locator('li').first() },
  { name: 'portal-request', who: 'bob@acme.example', path: () => `/#/tickets/${ids.ticket}`, ready: (p) => p.getByRole('heading', { name: 'Outlook keeps asking for my password' }) },
  { name: 'portal-new-request', who: 'bob@acme.example', path: () => '/#/new', ready: (p) => p.getByLabel('Title') },
  { name: 'portal-catalog', who: 'bob@acme.example', path: () => '/#/catalog', ready: (p) => p.getByRole('heading', { level: 1 }) },
  { name: 'portal-knowledge-base', who: 'bob@acme.example', path: () => '/#/kb', ready: (p) => p.getByRole('link', { name: 'Connect to the VPN' }) },
  { name: 'portal-article', who: 'bob@acme.example', path: () => `/#/kb/${ids.article}`, ready: (p) => p.getByRole('heading', { name: 'Connect to the VPN' }) },
  { name: 'portal-security', who: 'bob@acme.example', path: () => '/#/security', ready: (p) => p.getByTestId('view-consent') },
  { name: 'console-queue', who: 'tech@helpdesk.example', path: () => '/console#/queue', ready: (p) => p.getByRole('link', { name: 'Outlook keeps asking for my password' }) },
  { name: 'console-ticket', who: 'tech@helpdesk.example', path: () => `/console#/tickets/${ids.ticket}`, ready: (p) => p.getByRole('heading', { name: /Outlook keeps asking for my password/ }) },
  { name: 'console-orgs', who: 'tech@helpdesk.example', path: () => '/console#/orgs', ready: (p) => p.getByRole('link', { name: 'Acme', exact: true }) },
  { name: 'console-org', who: 'tech@helpdesk.example', path: () => `/console#/orgs/${ids.org}`, ready: (p) => p.getByRole('heading', { name: 'Acme', exact: true }) },
  { name: 'console-user', who: 'tech@helpdesk.example', path: () => `/console#/users/${ids.bob}`, ready: (p) => p.getByRole('heading', { name: 'Bob Baker' }) },
  // The demo has no computers yet: the empty state says what to do.
  { name: 'console-devices', who: 'tech@helpdesk.example', path: () => '/console#/devices', ready: (p) => p.getByText('No computers have enrolled yet') },
  { name: 'console-chats', who: 'tech@helpdesk.example', path: () => '/console#/chats', ready: (p) => p.getByTestId('duty-state') },
  { name: 'console-knowledge-base', who: 'tech@helpdesk.example', path: () => '/console#/kb', ready: (p) => p.getByRole('link', { name: 'Connect to the VPN' }) },
  { name: 'console-catalog', who: 'tech@helpdesk.example', path: () => '/console#/catalog', ready: (p) => p.getByRole('heading', { level: 1 }) },
  { name: 'console-search', who: 'tech@helpdesk.example', path: () => '/console#/search?q=baker', ready: (p) => p.getByRole('link', { name: 'Bob Baker' }) },
  // A search that finds nothing says so, and what to try.
  { name: 'console-search-none', who: 'tech@helpdesk.example', path: () => '/console#/search?q=zzyzx', ready: (p) => p.getByText('Nothing matches “zzyzx”.') },
  // The admin's brand set in before() is in the log. Not compared: the log holds the ids this
  // server made (the catalog's organisations); checked for axe and for its width.
  { name: 'console-audit', who: 'tech@helpdesk.example', path: () => '/console#/audit', ready: (p) => p.getByTestId('audit').getByText('Ada Admin').first(), compare: false },
  { name: 'console-settings', who: 'tech@helpdesk.example', path: () => '/console#/settings', ready: (p) => p.getByRole('heading', { level: 1 }) },
];

/** A browser context as `who` in one layout and theme, signed in once. */
async function contextFor(who, layout, colorScheme) {
  const { viewport, isMobile = false, hasTouch = false } = layout;
  const context = await browser.newContext({ viewport, isMobile, hasTouch, colorScheme, locale: 'en-US', timezoneId: 'UTC', reducedMotion: 'reduce', bypassCSP: true });
  const page = await context.newPage();
  if (who) {
    await page.goto(`${server.url}${who.startsWith('tech@') ? '/console' : '/'}`);
    await page.getByLabel('Email').fill(who);
    await page.getByLabel('Password').fill('bellhop-demo');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('who').waitFor();
  }
  return page;
}

/** Opens `view` and waits until it shows what it is for, nothing is loading, and every picture
 * and font has arrived; nothing is hovered or focused; then writes every date as one fixed date, so the day a view is seen does
 * not change how it looks. */
async function open(page, view) {
  await page.goto(`${server.url}${view.path()}`);
  // Nothing hovered (the pointer stays where the sign-in click left it) and nothing focused.
  await page.mouse.move(0, 0);
  await view.ready(page).first().waitFor();
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await until(() => page.evaluate(async () => {
    await document.fonts.ready;
    return document.querySelectorAll('[data-testid="loading"], [aria-busy="true"]').length === 0
      && [...document.images].every((img) => img.complete);
  }), 10_000, `${view.name} loaded`);
  await page.evaluate(() => {
    const date = /\b[A-Z][a-z]{2} \d{1,2}, \d{4}(, \d{1,2}:\d{2}\s?[AP]M)?/g;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const fixed = node.data.replace(date, (_, time) => (time ? 'Dec 1, 2026, 9:00 AM' : 'Dec 1, 2026'));
      if (fixed !== node.data) node.data = fixed;
    }
  });
}

/** How `shot` differs from the reference `name`: null when within the tolerance, otherwise why
 * (and the shot and the difference are left in artifacts/visual/). Without a reference, or when
 * asked to, the shot becomes the reference. */
function compare(name, shot) {
  const file = join(REFERENCES, `${name}.png`);
  if (UPDATE || !existsSync(file)) {
    writeFileSync(file, shot);
    return UPDATE ? null : `${name}: no reference yet; one was written to ${file}: look at it, then commit it`;
  }
  const want = PNG.sync.read(readFileSync(file));
  const got = PNG.sync.read(shot);
  mkdirSync(DIFFS, { recursive: true });
  if (want.width !== got.width || want.height !== got.height) {
    writeFileSync(join(DIFFS, `${name}.png`), shot);
    return `${name}: ${got.width}×${got.height}, the reference is ${want.width}×${want.height}`;
  }
  const diff = new PNG({ width: want.width, height: want.height });
  const differing = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: 0.1 });
  const share = differing / (want.width * want.height);
  if (share <= TOLERANCE) return null;
  writeFileSync(join(DIFFS, `${name}.png`), shot);
  writeFileSync(join(DIFFS, `${name}.diff.png`), PNG.sync.write(diff));
  return `${name}: ${(share * 100).toFixed(2)}% of the pixels differ (at most ${TOLERANCE * 100}%)`;
}

for (const layout of LAYOUTS) {
  for (const colorScheme of ['light', 'dark']) {
    const way = `${layout.name}-${colorScheme}`;
    test(`the main views, ${layout.name} and ${colorScheme}: axe clean${COMPARED.has(way) ? ', and as their references show them' : ''}`, async () => {
      const problems = [];
      for (const who of [...new Set(VIEWS.map((v) => v.who))]) {
        const page = await contextFor(who, layout, colorScheme);
        for (const view of VIEWS.filter((v) => v.who === who)) {
          await open(page, view);
          const violations = await axeViolations(page);
          if (violations.length) problems.push(`${view.name} (${way}): ${violations.join('\n  ')}`);
          // Nothing is wider than the window: a page never scrolls sideways.
          const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
          if (width[0] > width[1]) problems.push(`${view.name} (${way}): ${width[0]} px wide in a ${width[1]} px window`);
          if (COMPARED.has(way) && view.compare !== false) {
            // A phone's first screen, as its owner sees it (the bottom bar stays put); the whole
            // page at a desk's width.
            const shot = await page.screenshot({ fullPage: layout.name === 'wide', animations: 'disabled', caret: 'hide' });
            const difference = compare(`${view.name}.${way}`, shot);
            if (difference) problems.push(difference);
          }
        }
        await page.context().close();
      }
      assert.deepEqual(problems, []);
    });
  }
}
