// The service catalog in Debian's Chromium: bob finds an item and asks for it, Alice (Acme's
// primary contact) approves it before the desk sees it, the desk orders and limits items in the
// console, drafts keep their item, and the views pass axe at phone width in both themes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { axeViolations, launchChromium, login, SHOTS, signedInPage, startServer, until } from './helpers.mjs';

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

async function api(token, method, path, body) {
  return fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

/** A fresh browser (its own storage) signed in as `email` at `path`. */
function signedIn(email, path, options = {}) {
  return signedInPage(browser, server, email, path, options);
}

const itemNames = (page) => page.locator('.catalog-name').allInnerTexts();

/** Waits for the catalog's items to be on the page (they are read after the page appears). */
async function catalogShown(page, heading = 'Ask the service desk') {
  await page.getByRole('heading', { name: heading }).waitFor();
  await page.locator('.catalog-name').first().waitFor();
}

test('bob asks for a laptop from the catalog; Alice approves it before the desk sees it', async () => {
  const bob = await signedIn('bob@acme.example', '/#/tickets');
  const alice = await signedIn('alice@acme.example', '/#/tickets');
  try {
    await bob.getByRole('link', { name: 'Catalog', exact: true }).click();
    await catalogShown(bob);
    // Grouped by category; Globex's SAP item is not Acme's to see.
    assert.deepEqual(await bob.locator('.catalog-category h2').allInnerTexts(), [
      'Accounts and access',
      'Devices and equipment',
      'Software, network and rooms',
    ]);
    assert.equal((await itemNames(bob)).length, 11);
    assert.ok(!(await itemNames(bob)).includes('Access to SAP'));

    // Searched, ignoring case.
    await bob.getByTestId('catalog-search').fill('NEW laptop');
    await until(async () => (await itemNames(bob)).length === 1, 5_000, 'the search');
    assert.deepEqual(await itemNames(bob), ['A new laptop']);
    await bob.getByRole('link', { name: /A new laptop/ }).click();
    await bob.getByRole('heading', { name: 'A new laptop' }).waitFor();
    await bob.getByTestId('needs-approval').waitFor();
    // Its own form: the room is asked (and required), the general ticket's fields are not.
    assert.equal(await bob.getByLabel('Asset tag').count(), 0);
    await bob.getByLabel('Room or desk').fill('B-204');
    await bob.getByLabel('What happened?').fill('My laptop is five years old.');
    await bob.getByRole('button', { name: 'Send' }).click();
    await bob.getByTestId('approval').getByText('waits for a primary contact', { exact: false }).waitFor();
    const id = new URL(bob.url()).hash.split('/').pop();

    // The desk does not see it yet.
    const tess = await login(server.url, 'tech@helpdesk.example');
    assert.equal((await api(tess, 'GET', `/tickets/${id}`)).status, 404);

    // Alice finds it among her organisation's requests, marked, and approves it.
    await alice.goto(`${server.url}/#/tickets`);
    await alice.getByRole('button', { name: "My organisation's requests" }).click();
    await alice.getByTestId('awaiting-approval').first().waitFor();
    await alice.goto(`${server.url}/#/tickets/${id}`);
    await alice.getByRole('button', { name: 'Approve' }).click();
    await alice.getByTestId('approval').getByText('Approved by Alice Archer.').waitFor();
    await alice.screenshot({ path: join(SHOTS, 'catalog-approved.png') });

    // Now the desk sees it, with its item and who approved it.
    const seen = await api(tess, 'GET', `/tickets/${id}`);
    assert.equal(seen.status, 200);
    const ticket = await seen.json();
    assert.equal(ticket.catalog_item, 'new-laptop');
    assert.equal(ticket.custom_fields.location, 'B-204');
    assert.equal(ticket.title, 'A new laptop', 'left untitled, it is called by its item');

    // Bob sees the approval too.
    await bob.reload();
    await bob.getByTestId('approval').getByText('Approved by Alice Archer.').waitFor();
  } finally {
    await bob.context().close();
    await alice.context().close();
  }
});

test('the catalog remembers tiles or a list, reads in the person’s language, and keeps an unfinished request as a draft', async () => {
  const bob = await signedIn('bob@acme.example', '/#/catalog');
  try {
    await catalogShown(bob);
    assert.equal(await bob.locator('ul.tiles').count(), 3, 'tiles at first');
    await bob.getByRole('button', { name: 'List' }).click();
    assert.equal(await bob.locator('ul.rows').count(), 3);
    await bob.reload();
    await catalogShown(bob);
    assert.equal(await bob.locator('ul.rows').count(), 3, 'the choice is remembered');
    assert.equal(await bob.getByRole('button', { name: 'List' }).getAttribute('aria-pressed'), 'true');

    // Half a request: kept as it is typed, listed under Drafts by its item's name.
    await bob.getByRole('link', { name: /Set up a new colleague/ }).click();
    await bob.getByLabel("Person's name").fill('Dana Dale');
    await bob.getByText('Their first day.', { exact: true }).waitFor();
    await bob.getByRole('navigation').getByRole('link', { name: 'My requests' }).click();
    const drafts = bob.getByTestId('drafts');
    await drafts.getByText('Set up a new colleague').waitFor();
    await drafts.getByRole('link', { name: 'Edit' }).click();
    await bob.getByRole('heading', { name: 'Set up a new colleague' }).waitFor();
    assert.equal(await bob.getByLabel("Person's name").inputValue(), 'Dana Dale');
    // The first day is required: the browser asks for it before anything is sent.
    await bob.getByRole('button', { name: 'Send' }).click();
    assert.equal(await bob.getByLabel('Needed by').evaluate((el) => el.validity.valueMissing), true);
    await bob.getByLabel('Needed by').fill('2027-01-04');
    await bob.getByRole('button', { name: 'Send' }).click();
    await bob.getByTestId('approval').waitFor();
    await bob.getByRole('navigation').getByRole('link', { name: 'My requests' }).click();
    await bob.getByTestId('tickets').waitFor();
    assert.equal(await bob.getByTestId('drafts').count(), 0, 'the sent draft is gone');

    // In Italian, the desk's own translations.
    await bob.locator('select[name="language"]').selectOption('it');
    await bob.goto(`${server.url}/#/catalog`);
    await catalogShown(bob, "Chiedi all'assistenza");
    assert.ok((await itemNames(bob)).includes('Configurare un nuovo collega'));
    await bob.locator('select[name="language"]').selectOption('en');
  } finally {
    await bob.context().close();
  }
});

test('the desk orders an item within its category and limits one to Globex, in the console', async () => {
  const tess = await signedIn('tech@helpdesk.example', '/console#/catalog');
  const bob = await signedIn('bob@acme.example', '/#/catalog');
  const carol = await signedIn('carol@globex.example', '/#/catalog');
  try {
    await tess.getByRole('heading', { name: 'Catalog' }).waitFor();
    // "A monitor or accessories" moves above "A new laptop".
    await tess.getByRole('button', { name: 'Move A monitor or accessories up' }).click();
    // The shared mailbox becomes Globex's alone.
    await tess.getByRole('button', { name: 'Edit A shared mailbox' }).click();
    await tess.getByRole('checkbox', { name: 'Globex' }).check();
    await tess.getByRole('button', { name: 'Save the catalog' }).click();
    await tess.getByText('Catalog saved.').waitFor();
    await tess.screenshot({ path: join(SHOTS, 'console-catalog.png'), fullPage: true });

    await bob.reload();
    await catalogShown(bob);
    const acme = await itemNames(bob);
    assert.ok(acme.indexOf('A monitor or accessories') < acme.indexOf('A new laptop'), acme.join(', '));
    assert.ok(!acme.includes('A shared mailbox'));
    await carol.reload();
    await catalogShown(carol);
    assert.ok((await itemNames(carol)).includes('A shared mailbox'));

    // A mistake is named and nothing is lost: an item key the server refuses.
    await tess.getByRole('button', { name: 'Edit A monitor or accessories' }).click();
    const key = tess.locator('input[name="item-1-0-key"]');
    await key.fill('monitor');
    await tess.getByRole('button', { name: 'Edit A new laptop' }).click();
    await tess.locator('input[name="item-1-1-key"]').fill('monitor');
    await tess.getByRole('button', { name: 'Save the catalog' }).click();
    await tess.getByRole('alert').getByText('item monitor is listed twice').waitFor();
  } finally {
    await tess.context().close();
    await bob.context().close();
    await carol.context().close();
  }
});

test('the catalog views pass axe’s WCAG 2.1 AA checks, light and dark, and at phone width', async () => {
  for (const colorScheme of ['light', 'dark']) {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 360, height: 740 },
    ]) {
      const bob = await signedIn('bob@acme.example', '/#/catalog', { colorScheme, viewport, bypassCSP: true });
      try {
        await catalogShown(bob);
        const what = `(${colorScheme}, ${viewport.width} px)`;
        assert.deepEqual(await axeViolations(bob), [], `the catalog ${what}`);
        if (viewport.width < 400) {
          // Nothing wider than the phone.
          const wide = await bob.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(wide <= 360, `the catalog is ${wide} px wide at 360`);
          await bob.screenshot({ path: join(SHOTS, `catalog-phone-${colorScheme}.png`), fullPage: true });
        }
        await bob.getByRole('button', { name: 'List' }).click();
        assert.deepEqual(await axeViolations(bob), [], `the catalog as a list ${what}`);
        await bob.getByRole('link', { name: /Set up a new colleague/ }).click();
        await bob.getByRole('heading', { name: 'Set up a new colleague' }).waitFor();
        assert.deepEqual(await axeViolations(bob), [], `an item's form ${what}`);
      } finally {
        await bob.context().close();
      }
    }
    const tess = await signedIn('tech@helpdesk.example', '/console#/catalog', { colorScheme, bypassCSP: true });
    try {
      await tess.getByRole('button', { name: 'Edit Set up a new colleague' }).click();
      assert.deepEqual(await axeViolations(tess), [], `the console's catalog (${colorScheme})`);
    } finally {
      await tess.context().close();
    }
  }
});
