// Mail that bounces, in Debian's Chromium: the server sends through a real SMTP server on
// loopback (tests/smtp/server.py, aiosmtpd) that refuses a new person's mailbox the first time.
// The technician sees the bounce and the suppression on the person's page, mails them again,
// and the welcome email goes through.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, SHOTS, axeViolations, callApi, freePort, launchChromium, login, startServer, until } from './helpers.mjs';

let smtp;
let delivered = '';
let server;
let browser;

before(async () => {
  const port = await freePort();
  smtp = spawn('/usr/bin/python3', [join(ROOT, 'tests/smtp/server.py'), '--port', String(port), '--refuse-once', 'gone@acme.example'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  smtp.stdout.on('data', (d) => (delivered += d));
  await until(() => delivered.includes('listening'), 15_000, 'the SMTP server');
  server = await startServer({ env: { BELLHOP_SMTP_URL: `smtp://127.0.0.1:${port}` } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  smtp?.kill();
});

test('a bounced welcome email shows on the person’s page; the desk mails them again and it arrives', async () => {
  const tech = await login(server.url, 'tech@helpdesk.example');
  const orgs = await (await callApi(server, tech, 'GET', '/orgs')).json();
  const acme = orgs.find((o) => o.name === 'Acme');
  const res = await callApi(server, tech, 'POST', '/users', {
    name: 'Gone Away',
    email: 'gone@acme.example',
    role: 'end_user',
    org_id: acme.id,
    portal_access: true,
  });
  assert.equal(res.status, 201);
  const gone = await res.json();

  const page = await browser.newPage({ bypassCSP: true });
  await page.goto(`${server.url}/console#/users/${gone.id}`);
  await page.getByLabel('Email').fill('tech@helpdesk.example');
  await page.getByLabel('Password').fill('bellhop-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('last-email').waitFor();
  // The mail worker sends in the background: look again until the bounce is in.
  await until(
    async () => {
      if (/bounced/.test(await page.getByTestId('last-email').innerText())) return true;
      await page.reload();
      await page.getByTestId('last-email').waitFor();
      return false;
    },
    15_000,
    'the bounce on the person’s page',
  );
  assert.match(await page.getByTestId('last-email').innerText(), /User unknown/);
  assert.match(await page.getByTestId('suppressed').innerText(), /suppressed since .*User unknown/);
  assert.deepEqual(await axeViolations(page), [], 'the person’s page with a bounce');
  await page.screenshot({ path: join(SHOTS, 'console-bounce.png'), fullPage: true });

  await page.getByRole('button', { name: 'Mail again and resend the last email' }).click();
  await page.getByText('gone@acme.example is mailed again').waitFor();
  await until(() => /DELIVERED gone@acme\.example \| Welcome/.test(delivered), 15_000, `the welcome email delivered:\n${delivered}`);
  await page.reload();
  await until(async () => /: sent/.test(await page.getByTestId('last-email').innerText()), 10_000, 'the last email sent');
  assert.equal(await page.getByTestId('suppressed').count(), 0);
  await page.close();
});
