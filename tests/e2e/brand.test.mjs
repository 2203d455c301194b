// The desk's brand in Debian's Chromium: an admin sets it in the console (a colour too light to
// read is refused and shown why), and from then on the sign-in page, the portal and the console
// wear it: the name in the header and the browser tab, the accent in the light theme and its
// lighter shade in the dark one, the desk's phone, email and links under every page. axe's
// WCAG 2.1 AA checks pass with the brand in both themes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SHOTS, axeViolations, launchChromium, makeAdmin, signedInPage, startServer, until } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  await makeAdmin(server, 'ada@helpdesk.example', 'bellhop-demo');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A logo that only draws. */
const SVG_LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="#8a1538"/></svg>';

/** `#rrggbb` as the browser computes it. */
function rgb(hex) {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

test('an admin brands the desk; the sign-in page, the portal and the console wear it in both themes', async () => {
  const ada = await signedInPage(browser, server, 'ada@helpdesk.example', '/console#/settings', { viewport: { width: 1280, height: 900 } });
  const editor = ada.getByTestId('brand-editor');
  await editor.getByLabel('Name').fill('Acme IT');
  await editor.getByLabel('Use our own colour').check();
  await editor.getByLabel('Hex code').fill('#ffd700');
  await editor.getByRole('button', { name: 'Save the brand' }).click();
  await until(async () => /too light to read on white/.test(await editor.getByRole('alert').innerText().catch(() => '')), 10_000, 'the refusal');
  assert.equal((await (await fetch(`${server.url}/api/v1/brand`)).json()).name, 'Bellhop', 'nothing changed');

  // A logo that would run a script is refused, and says why; a drawing is kept and shown.
  const logo = editor.getByLabel('Upload a logo');
  await logo.setInputFiles({ name: 'bad.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(SVG_LOGO.replace('<circle', '<script>alert(1)</script><circle')) });
  await until(async () => /<script>/.test(await editor.getByRole('alert').innerText().catch(() => '')), 10_000, 'the logo refused');
  await logo.setInputFiles({ name: 'acme.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(SVG_LOGO) });
  await editor.getByTestId('logo-preview').waitFor();
  await editor.getByLabel('Hex code').fill('#8a1538');
  await editor.getByLabel('Phone').fill('+1 555 010 0100');
  await editor.getByLabel('Email').fill('help@acme.example');
  await editor.getByRole('button', { name: 'Add a link' }).click();
  await editor.getByLabel('Label').fill('Status');
  await editor.getByLabel('Address').fill('https://status.acme.example');
  await editor.getByRole('button', { name: 'Save the brand' }).click();
  await editor.getByText('The brand is saved.').waitFor();
  // Settings are kept by each instance for up to two seconds (db/settings.rs).
  let brand = null;
  await until(async () => (brand = await (await fetch(`${server.url}/api/v1/brand`)).json()).name === 'Acme IT', 5_000, 'the saved brand');
  assert.equal(brand.accent.light, '#8a1538');
  assert.match(brand.logo, /^\/api\/v1\/brand\/logo\/[0-9a-f]{64}$/);
  // The console wears it at once.
  await until(async () => (await ada.title()) === 'Acme IT console', 10_000, 'the console tab named');
  assert.match(await ada.locator('.topbar .brand').innerText(), /Acme IT/);
  await ada.screenshot({ path: join(SHOTS, 'console-brand.png') });
  await ada.context().close();

  for (const [colorScheme, accent, text] of [
    ['light', brand.accent.light, brand.accent.light_text],
    ['dark', brand.accent.dark, brand.accent.dark_text],
  ]) {
    // Signed out: the sign-in page is the desk's.
    const context = await browser.newContext({ colorScheme, bypassCSP: true, viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url);
    const signIn = page.getByRole('button', { name: 'Sign in', exact: true });
    await until(async () => (await page.title()) === 'Acme IT', 10_000, `the tab named (${colorScheme})`);
    assert.match(await page.locator('.topbar .brand').innerText(), /Acme IT/);
    // The desk's logo in place of Bellhop's mark, drawn.
    const shown = page.locator('.topbar img.desk-logo');
    assert.equal(await shown.getAttribute('src'), brand.logo);
    await until(() => shown.evaluate((img) => img.complete && img.naturalWidth > 0), 10_000, `the logo drawn (${colorScheme})`);
    const colours = await signIn.evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]);
    assert.deepEqual(colours, [rgb(accent), rgb(text)], `the accent (${colorScheme})`);
    const contact = page.getByTestId('desk-contact');
    assert.equal(await contact.getByRole('link', { name: '+1 555 010 0100' }).getAttribute('href'), 'tel:+15550100100');
    assert.equal(await contact.getByRole('link', { name: 'help@acme.example' }).getAttribute('href'), 'mailto:help@acme.example');
    const status = contact.getByRole('link', { name: 'Status' });
    assert.equal(await status.getAttribute('href'), 'https://status.acme.example/');
    assert.equal(await status.getAttribute('rel'), 'noopener noreferrer');
    assert.deepEqual(await axeViolations(page), [], `the sign-in page (${colorScheme})`);

    // Signed in, the portal wears it too.
    await page.getByLabel('Email').fill('bob@acme.example');
    await page.getByLabel('Password').fill('bellhop-demo');
    await signIn.click();
    await page.getByTestId('who').waitFor();
    await page.getByTestId('tickets').locator('li').first().waitFor();
    assert.deepEqual(await axeViolations(page), [], `the portal (${colorScheme})`);
    if (colorScheme === 'light') await page.screenshot({ path: join(SHOTS, 'portal-brand.png') });
    await context.close();
  }
});

test("an organisation's own brand, set on its page in the console, is what its people see once signed in", async () => {
  const ada = await signedInPage(browser, server, 'ada@helpdesk.example', '/console#/orgs', { viewport: { width: 1280, height: 900 } });
  await ada.getByRole('link', { name: 'Globex', exact: true }).click();
  const editor = ada.getByTestId('org-brand-editor');
  await editor.waitFor();
  await editor.getByLabel('Name').fill('Globex Support');
  await editor.getByLabel('Email').fill('help@globex.example');
  await editor.getByLabel('The desktop app’s tray icon').selectOption({ label: 'Hide the tray icon' });
  await editor.getByRole('button', { name: 'Save the brand' }).click();
  await editor.getByText('The brand is saved.').waitFor();
  await ada.context().close();

  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  await page.goto(server.url);
  // Before signing in nobody is known: the desk's brand.
  await until(async () => (await page.title()) === 'Acme IT', 10_000, "the desk's name before signing in");
  await page.getByLabel('Email').fill('carol@globex.example');
  await page.getByLabel('Password').fill('bellhop-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('who').waitFor();
  await until(async () => (await page.title()) === 'Globex Support', 10_000, "Globex's own name once carol signed in");
  assert.match(await page.locator('.topbar .brand').innerText(), /Globex Support/);
  const contact = page.getByTestId('desk-contact');
  // Its own address; the desk's phone and links where it sets none.
  assert.equal(await contact.getByRole('link', { name: 'help@globex.example' }).getAttribute('href'), 'mailto:help@globex.example');
  assert.equal(await contact.getByRole('link', { name: '+1 555 010 0100' }).getAttribute('href'), 'tel:+15550100100');
  assert.deepEqual(await axeViolations(page), [], "the portal in Globex's brand");
  await context.close();
});
