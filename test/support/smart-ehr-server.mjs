// A test EHR for the SMART App Launch journey: oidc-provider as the EHR's authorization server and
// a minimal FHIR R4 endpoint under /fhir, on one ephemeral port. Run as a child process by
// test/support/smart-ehr.ts (oidc-provider is an ES module, which Jest's CommonJS runtime cannot load).
// Settings come as JSON in SMART_EHR: { clientId, redirectUri, audience, rolesClaim, users, patients }.
// Both launches of SMART App Launch 2.x: the EHR launch (a `launch` the EHR created names patient
// and user) and the standalone launch (scope `launch/patient`, no `launch`: the user signs in here
// and picks the patient on this server's own pages, as in a real EHR's patient picker).
// Prints one JSON line { issuer, fhirBase } once listening.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { errors, Provider } from 'oidc-provider';

const settings = JSON.parse(process.env.SMART_EHR ?? '{}');
const PATIENT_SCOPE = 'patient/Patient.rs';
const STANDALONE_PATIENT_SCOPE = 'launch/patient';

/** Launch contexts the EHR created (launch id → { patient, user }), and the patient each grant was given. */
const launches = new Map();
const grantPatients = new Map();

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const fhirBase = `${issuer}/fhir`;
// The registry's API is the resource server: its tokens are JWTs with its audience.
const resource = `${settings.audience.startsWith('urn:') ? '' : 'urn:'}${settings.audience}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: settings.clientId,
      token_endpoint_auth_method: 'none',
      redirect_uris: [settings.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'ehr-1', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'fhirUser', 'profile', 'launch'],
  claims: { openid: ['sub'], fhirUser: ['fhirUser'], profile: ['name'] },
  // SMART: `launch` must name a context this EHR created; `aud` must be the FHIR server it serves.
  extraParams: {
    launch(_ctx, value) {
      if (value !== undefined && !launches.has(value)) throw new errors.InvalidRequest('unknown launch context');
    },
    aud(_ctx, value) {
      if (value !== fhirBase) throw new errors.InvalidRequest(`aud must be ${fhirBase}`);
    },
  },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => {
        if (indicator !== resource) throw new errors.InvalidTarget();
        return {
          scope: `launch ${STANDALONE_PATIENT_SCOPE} ${PATIENT_SCOPE}`,
          audience: settings.audience,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, name: settings.users[id].name, fhirUser: `${fhirBase}/Practitioner/${id}` }),
  }),
  // The registry reads its roles from this claim (OIDC_ROLES_CLAIM / OIDC_ROLE_MAP).
  extraTokenClaims: (_ctx, token) =>
    token.kind === 'AccessToken' ? { [settings.rolesClaim]: settings.users[token.accountId].roles, name: settings.users[token.accountId].name } : undefined,
  // Every launch goes through consent, where its patient is bound to a new grant (a grant reused
  // from an earlier launch would carry that launch's patient).
  loadExistingGrant: (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId;
    return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: (ctx, out) => {
    ctx.type = 'text/plain';
    ctx.body = `${out.error}: ${out.error_description}`;
  },
});

// SMART App Launch 2.x §2.0.8: the token response carries the launch context (`patient`).
provider.use(async (ctx, next) => {
  await next();
  if (ctx.oidc?.route === 'token' && ctx.status === 200 && ctx.body?.access_token) {
    const patient = grantPatients.get(ctx.oidc.entities.Grant?.jti);
    if (patient) ctx.body = { ...ctx.body, patient, need_patient_banner: true };
  }
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function page(res, title, field, choices) {
  const buttons = choices.map(([value, label]) => `<li><button type="submit" name="${field}" value="${escape(value)}">${escape(label)}</button></li>`).join('');
  res
    .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    .end(
      `<!doctype html><html lang="en"><head><title>${title}</title></head><body><main><h1>${title}</h1><form method="post"><ul>${buttons}</ul></form></main></body></html>`,
    );
}
async function formField(req, name) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body).get(name);
}
const patientName = (p) => [...(p.name?.[0]?.given ?? []), p.name?.[0]?.family].filter(Boolean).join(' ');

/**
 * EHR launch: the user who launched is already signed in to the EHR, so login and consent pass
 * without a form. Standalone launch: a sign-in page (choose the user) and, when the app asked for
 * `launch/patient`, a patient picker; the patient picked is the one the token answer names.
 */
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const launch = launches.get(details.params.launch);
  if (details.prompt.name === 'login') {
    if (launch) return provider.interactionFinished(req, res, { login: { accountId: launch.user } }, { mergeWithLastSubmission: false });
    if (req.method !== 'POST')
      return page(
        res,
        'Sign in to the EHR',
        'user',
        Object.entries(settings.users).map(([id, u]) => [id, u.name]),
      );
    const user = await formField(req, 'user');
    if (!settings.users[user])
      return page(
        res,
        'Sign in to the EHR',
        'user',
        Object.entries(settings.users).map(([id, u]) => [id, u.name]),
      );
    return provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
  }
  let patient = launch?.patient;
  if (
    !launch &&
    String(details.params.scope ?? '')
      .split(' ')
      .includes(STANDALONE_PATIENT_SCOPE)
  ) {
    const picked = req.method === 'POST' ? await formField(req, 'patient') : null;
    if (!settings.patients.some((p) => p.id === picked))
      return page(
        res,
        'Choose a patient',
        'patient',
        settings.patients.map((p) => [p.id, patientName(p)]),
      );
    patient = picked;
  }
  const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  if (patient) grantPatients.set(grantId, patient);
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization, Accept', 'Access-Control-Allow-Methods': 'GET' };
function send(res, status, body, type = 'application/fhir+json') {
  res.writeHead(status, { ...cors, 'Content-Type': type }).end(JSON.stringify(body));
}
const outcome = (code, text) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: text }] });

/** The FHIR R4 endpoint: SMART configuration, CapabilityStatement, and Patient reads with a valid token. */
async function fhir(req, res, path) {
  if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
  if (path === '/.well-known/smart-configuration') {
    return send(
      res,
      200,
      {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        grant_types_supported: ['authorization_code'],
        scopes_supported: ['openid', 'fhirUser', 'launch', STANDALONE_PATIENT_SCOPE, PATIENT_SCOPE],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        capabilities: [
          'launch-ehr',
          'launch-standalone',
          'client-public',
          'context-ehr-patient',
          'context-standalone-patient',
          'sso-openid-connect',
          'permission-patient',
          'permission-v2',
        ],
      },
      'application/json',
    );
  }
  if (path === '/metadata') {
    return send(res, 200, {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: '2026-12-07',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['json'],
      rest: [{ mode: 'server', resource: [{ type: 'Patient', interaction: [{ code: 'read' }] }] }],
    });
  }
  const match = /^\/Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(path);
  if (!match || req.method !== 'GET') return send(res, 404, outcome('not-found', path));
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  try {
    const { payload } = await jwtVerify(bearer ?? '', jwks, { issuer, audience: settings.audience });
    if (
      !String(payload.scope ?? '')
        .split(' ')
        .includes(PATIENT_SCOPE)
    )
      return send(res, 403, outcome('forbidden', 'scope'));
  } catch {
    return send(res, 401, outcome('login', 'a valid access token of this EHR is required'));
  }
  const patient = settings.patients.find((p) => p.id === match[1]);
  return patient ? send(res, 200, patient) : send(res, 404, outcome('not-found', 'Patient'));
}

const handle = provider.callback();
server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  const fail = (err) => res.headersSent || res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(err));
  if (url.pathname.startsWith('/interaction/')) return void interaction(req, res).catch(fail);
  if (url.pathname === '/fhir' || url.pathname.startsWith('/fhir/')) return void fhir(req, res, url.pathname.slice('/fhir'.length)).catch(fail);
  // The EHR opens a launch context for a patient and its signed-in user (what the chart does before it launches the app).
  if (url.pathname === '/ehr/launch' && req.method === 'POST') {
    const launch = randomBytes(16).toString('base64url');
    launches.set(launch, { patient: url.searchParams.get('patient'), user: url.searchParams.get('user') });
    return void res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ launch }));
  }
  handle(req, res);
});

process.stdout.write(`${JSON.stringify({ issuer, fhirBase })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
