import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signIn, startTestServer, type TestServer } from './harness.ts';
import { ConfigError, loadConfig } from '../src/config.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

describe('operations', () => {
  it('/healthz and /readyz answer', async () => {
    expect(await (await fetch(`${ts.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${ts.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('every response carries a request id', async () => {
    const res = await fetch(`${ts.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect((await fetch(`${ts.url}/healthz`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('R18 CSRF prevention refuses a form-encoded (simple) request', async () => {
    const res = await fetch(`${ts.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7B__typename%7D',
    });
    expect(res.status).toBe(403);
  });

  it('R18 depth, alias and cost limits refuse abusive documents', async () => {
    const deep = `{ viewer { memberships { organization { viewerPermissions } user { memberships { organization { id } user { memberships { user { memberships { user { memberships { user { id } } } } } } } } } } } }`;
    const deepRes = await ts.gql(deep);
    expect(deepRes.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const costly = `{ organizations(first: 100) { edges { node { members(first: 100) { edges { node { id roles { id name } } } } } } } }`;
    const costlyRes = await ts.gql(costly);
    expect(costlyRes.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(costlyRes.errors?.[0]?.message).toMatch(/complexity of \d+ exceeds/);
    const aliases = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
    const aliasRes = await ts.gql(aliases);
    expect(aliasRes.errors?.[0]?.message).toMatch(/aliases/);
  });

  it('R18 unexpected errors are masked: no stack trace reaches the client', async () => {
    const res = await ts.gql(`{ viewer { id } nonexistentField }`);
    expect(JSON.stringify(res)).not.toMatch(/at .*\.ts:\d+/);
    expect(res.errors?.[0]?.message).toMatch(/Cannot query field/);
  });

  it('introspection is on in development and off in production by default', async () => {
    expect((await ts.gql(`{ __schema { queryType { name } } }`)).data.__schema.queryType.name).toBe('Query');
    const prod = await startTestServer({ NODE_ENV: 'production' });
    try {
      const res = await prod.gql(`{ __schema { queryType { name } } }`);
      expect(res.errors?.[0]?.message).toMatch(/introspection has been disabled/i);
      expect(res.data).toBeUndefined();
      const page = await fetch(`${prod.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('GraphiQL');
    } finally {
      await prod.close();
    }
  });

  it('the SPA (or a placeholder page) is served from the same port', async () => {
    const res = await fetch(`${ts.url}/some/client/route`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});

describe('audit export authentication', () => {
  it('R13 export needs a bearer token and an audit:read holder; unknown orgs answer 404', async () => {
    expect((await fetch(`${ts.url}/audit/export?organization=x`)).status).toBe(401);
    const user = await createUser(ts.orm);
    const { accessToken } = await signIn(ts, user.email);
    const res = await fetch(`${ts.url}/audit/export?organization=does-not-exist`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(404);
  });
});

describe('configuration', () => {
  it('names every bad value in one clear message', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', GATEHOUSE_PRESET: 'nope', GRAPHIQL: 'maybe', INVITATION_TTL_DAYS: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'GATEHOUSE_PRESET', 'GRAPHIQL', 'INVITATION_TTL_DAYS']) expect(problems).toContain(name);
  });

  it('has working defaults', () => {
    const config = loadConfig({}, '/tmp/x');
    expect(config).toMatchObject({ port: 4000, preset: 'gatehouse', databaseUrl: undefined, dataDir: '/tmp/x/.data', graphiql: true });
    expect(config.jwt.accessTokenTtlSeconds).toBe(900);
  });
});
