// A real OpenID Connect provider for the tests: the npm package `oidc-provider` (a certified
// implementation) on a random loopback port, with a few people of its own. The API tests and the
// browser tests start it; it prints `listening <issuer>` on its first line of output.
//
// Environment:
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET  the one client it knows (Bellhop's server)
//   OIDC_REDIRECT_URI                   where that client may be sent back to
//   OIDC_TAMPER                         to play a provider gone wrong: after the provider has
//     answered the token request, one claim of its ID token is changed and the token signed
//     again with the provider's own key (`iss`, `aud`, `nonce`, `exp`), or signed with a key the
//     provider never published (`sig`).
//
// Signing in: Bellhop passes the address the person typed as `login_hint`, and this provider
// signs that person in at once (its people have no passwords). Without a hint, it asks for the
// address on a small form.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import Provider from 'oidc-provider';

// Its people. `tid` is the Microsoft Entra tenant claim, `hd` Google's hosted domain.
const PEOPLE = {
  'alice@acme.example': { name: 'Alice Anders', email_verified: true, tid: 'acme-tenant', hd: 'acme.example' },
  'bob@acme.example': { name: 'Bob Baker', email_verified: true, tid: 'acme-tenant', hd: 'acme.example' },
  'dana@acme.example': { name: 'Dana Doe', email_verified: true, tid: 'acme-tenant', hd: 'acme.example' },
  'erin@acme.example': { name: 'Erin Unverified', email_verified: false, tid: 'acme-tenant', hd: 'acme.example' },
  'mallory@acme.example': { name: 'Mallory Other', email_verified: true, tid: 'other-tenant', hd: 'other.example' },
  // Signs in as an Acme account, but the provider vouches for another organisation's address.
  'carol@acme.example': { name: 'Carol Cole', email: 'carol@globex.example', email_verified: true, tid: 'acme-tenant', hd: 'acme.example' },
};
// Subjects are stable and opaque, as a real provider's are.
const subject = (email) => `sub-${Buffer.from(email).toString('hex')}`;
const emailOf = (sub) => Object.keys(PEOPLE).find((e) => subject(e) === sub);

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
const { privateKey: strangerKey } = await generateKeyPair('RS256');

const listener = createServer();
await new Promise((ok) => listener.listen(0, '127.0.0.1', ok));
const issuer = `http://127.0.0.1:${listener.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID ?? 'bellhop',
      client_secret: process.env.OIDC_CLIENT_SECRET ?? 'bellhop-secret',
      redirect_uris: [process.env.OIDC_REDIRECT_URI ?? 'http://127.0.0.1/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: ['a test provider cookie key'] },
  pkce: { required: () => true },
  // The claims go into the ID token, where Bellhop reads them, not only to userinfo.
  conformIdTokenClaims: false,
  claims: { openid: ['sub', 'tid', 'hd'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const email = emailOf(sub);
    if (!email) return undefined;
    const person = PEOPLE[email];
    return { accountId: sub, claims: async () => ({ sub, email, ...person }) };
  },
});
// Plain HTTP on loopback: the provider runs behind no proxy.
provider.proxy = false;

// A provider gone wrong, when asked to be.
const tamper = process.env.OIDC_TAMPER;
if (tamper) {
  provider.use(async (ctx, next) => {
    await next();
    const token = ctx.path === '/token' && ctx.body && ctx.body.id_token;
    if (!token) return;
    const claims = decodeJwt(token);
    const header = decodeProtectedHeader(token);
    let key = privateKey;
    if (tamper === 'iss') claims.iss = 'http://127.0.0.1:1/another-issuer';
    else if (tamper === 'aud') claims.aud = 'another-client';
    else if (tamper === 'nonce') claims.nonce = 'a nonce of another sign-in';
    else if (tamper === 'exp') claims.exp = claims.iat - 60;
    else if (tamper === 'sig') key = strangerKey;
    else throw new Error(`unknown OIDC_TAMPER ${tamper}`);
    ctx.body = { ...ctx.body, id_token: await new SignJWT(claims).setProtectedHeader(header).sign(key) };
  });
}

const page = (uid, note = '') => `<!doctype html><meta charset="utf-8"><title>Test provider</title>
<form method="post" action="/interaction/${uid}"><p>${note}</p>
<label>Email <input name="email" type="email" autofocus></label><button>Sign in</button></form>`;

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    let email = typeof params.login_hint === 'string' ? params.login_hint.toLowerCase() : '';
    if (req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      email = (new URLSearchParams(body).get('email') ?? '').toLowerCase();
    }
    if (!PEOPLE[email]) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(page(uid, email ? 'Nobody here has that address.' : ''));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: subject(email) } }, { mergeWithLastSubmission: false });
    return;
  }
  // Consent: the client is the organisation's own, so it is granted what it asked for.
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const handle = provider.callback();
listener.on('request', (req, res) => {
  const match = /^\/interaction\/([\w-]+)$/.exec(req.url.split('?')[0]);
  if (!match) return handle(req, res);
  interaction(req, res, match[1]).catch((e) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(e));
  });
});
console.log(`listening ${issuer}`);
