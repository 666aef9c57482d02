import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { startServer, type Server } from '../src/server.ts';
import { directAnswers, regularResponseType } from '../src/graphql/direct.ts';
import { createOrg, createUser, signIn, startTestServer, TEST_SIGNING_KEY, type TestServer } from './harness.ts';

// The direct path (graphql/direct.ts) must answer exactly as yoga's adapter does. Two servers share
// one database: one with the direct path, one without (GRAPHQL_DIRECT=false). Every request of the
// corpus goes to both; status, media type, CORS headers and body must be the same, and the direct
// server must have answered the plain ones itself.

const APP_ORIGIN = 'https://app.example.com';
const ENV = { CORS_ORIGINS: APP_ORIGIN, GRAPHIQL: 'false' };

let direct: TestServer;
let viaYoga: Server;
let token: string;
let orgId: string;

beforeAll(async () => {
  direct = await startTestServer(ENV);
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', GATEHOUSE_DATA_DIR: direct.config.dataDir, JWT_PRIVATE_KEY: TEST_SIGNING_KEY, GRAPHQL_DIRECT: 'false', ...ENV });
  viaYoga = await startServer(config, { log: pino({ level: 'silent' }), orm: direct.orm });
  const owner = await createUser(direct.orm);
  orgId = (await createOrg(direct, 'Direct', owner.id)).id;
  token = (await signIn(direct, owner.email)).accessToken;
}, 60_000);

afterAll(async () => {
  await viaYoga?.close();
  await direct?.close();
});

interface Case {
  name: string;
  body: string;
  headers?: Record<string, string>;
  /** Whether the direct path answers it (else it hands it to yoga). */
  direct: boolean;
  signedIn?: boolean;
}

const json = (value: unknown) => JSON.stringify(value);
const CASES: Case[] = [
  { name: 'a query, signed in', body: json({ query: '{ viewer { id email memberships { id organization { slug viewerPermissions } } } }' }), direct: true, signedIn: true },
  { name: 'a query, anonymous', body: json({ query: '{ viewer { id } }' }), direct: true },
  { name: 'variables and an operation name', body: json({ query: 'query A { viewer { id } } query B($id: ID!) { node(id: $id) { id } }', operationName: 'B', variables: { id: 'nope' } }), direct: true, signedIn: true },
  { name: 'two operations, no name', body: json({ query: 'query A { viewer { id } } query B { viewer { email } }' }), direct: true, signedIn: true },
  { name: 'a syntax error', body: json({ query: '{ viewer { id ' }), direct: true },
  { name: 'an unknown field (no suggestion)', body: json({ query: '{ viewr { id } }' }), direct: true },
  { name: 'a variable of the wrong type', body: json({ query: 'query ($first: Int!) { organizations(first: $first) { totalCount } }', variables: { first: 'ten' } }), direct: true, signedIn: true },
  { name: 'an oversize variable (limits, before parsing)', body: json({ query: 'query ($s: String!) { organization(slug: $s) { id } }', variables: { s: 'x'.repeat(20_000) } }), direct: true, signedIn: true },
  { name: 'too many aliases', body: json({ query: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: __typename`).join(' ')} }` }), direct: true },
  { name: 'introspection while disabled', body: json({ query: '{ __schema { types { name } } }' }), direct: true },
  { name: 'a mutation answering a typed error', body: json({ query: 'mutation ($id: ID!) { setMemberRoles(membershipId: $id, roleIds: []) { __typename ... on Error { message } } }', variables: { id: 'TWVtYmVyc2hpcDpub3BlCg==' } }), direct: true, signedIn: true },
  { name: 'a wrong password', body: json({ query: 'mutation { signIn(email: "nobody@example.test", password: "wrong-password-1") { __typename ... on Error { message } } }' }), direct: true },
  { name: 'a forged token', body: json({ query: '{ viewer { id } }' }), headers: { authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.e30.AAAA' }, direct: true },
  { name: 'null variables and extensions', body: json({ query: '{ __typename }', variables: null, operationName: null, extensions: null }), direct: true },
  { name: 'charset in the media type', body: json({ query: '{ __typename }' }), headers: { 'content-type': 'application/json; charset=utf-8' }, direct: true },
  { name: 'Accept: graphql-response+json, with an error', body: json({ query: '{ viewr }' }), headers: { accept: 'application/graphql-response+json' }, direct: true },
  { name: 'Accept: both, graphql-response+json first', body: json({ query: '{ __typename }' }), headers: { accept: 'application/graphql-response+json, application/json' }, direct: true },
  { name: 'an allowed origin', body: json({ query: '{ __typename }' }), headers: { origin: APP_ORIGIN }, direct: true },
  { name: 'a foreign origin', body: json({ query: '{ __typename }' }), headers: { origin: 'https://evil.example.com' }, direct: true },
  { name: 'invalid JSON', body: '{"query": ', direct: false },
  { name: 'a batch (array)', body: json([{ query: '{ __typename }' }]), direct: false },
  { name: 'an unexpected parameter', body: json({ query: '{ __typename }', foo: 1 }), direct: false },
  { name: 'a query that is not a string', body: json({ query: 42 }), direct: false },
  { name: 'variables that are a list', body: json({ query: '{ __typename }', variables: [1] }), direct: false },
  { name: 'no query', body: json({ variables: {} }), direct: false },
  { name: 'Accept: an event stream only', body: json({ query: '{ __typename }' }), headers: { accept: 'text/event-stream' }, direct: false },
  { name: 'Accept: something yoga does not serve', body: json({ query: '{ __typename }' }), headers: { accept: 'text/html' }, direct: false },
  { name: 'a subscription over a plain POST', body: json({ query: `subscription { accessChanged(organizationId: "x") { __typename } }` }), direct: false, signedIn: true },
  { name: 'a form body (CSRF prevention)', body: 'query=%7B__typename%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' }, direct: false },
];

const COMPARED_HEADERS = ['content-type', 'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers', 'vary', 'allow', 'cache-control'];

async function answer(url: string, c: Case) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(c.signedIn ? { authorization: `Bearer ${token}` } : {}), ...c.headers },
    body: c.body,
  });
  const headers = Object.fromEntries(COMPARED_HEADERS.map((h) => [h, res.headers.get(h)]));
  return { status: res.status, headers, body: await res.text() };
}

describe('the direct GraphQL path answers as yoga does', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.direct ? 'direct' : 'handed to yoga'}, the same answer`, async () => {
      const before = directAnswers.count;
      const mine = await answer(direct.url, c);
      expect(directAnswers.count - before).toBe(c.direct ? 1 : 0);
      const theirs = await answer(viaYoga.url, c);
      expect(directAnswers.count - before).toBe(c.direct ? 1 : 0);
      expect(mine).toEqual(theirs);
      expect(mine.status).toBeLessThan(500);
    });
  }

  it('the organization the signed-in case reads is really there (the corpus is not all errors)', async () => {
    const mine = await answer(direct.url, CASES[0]!);
    expect(mine.status).toBe(200);
    expect(JSON.parse(mine.body).data.viewer.memberships).toHaveLength(1);
    expect(orgId).toBeTruthy();
  });
});

describe('regularResponseType reads Accept as yoga does', () => {
  it.each([
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['application/json, application/graphql-response+json', 'application/json'],
    ['application/graphql-response+json, application/json', 'application/graphql-response+json'],
    ['application/*', 'application/json'],
    ['application/json; charset=latin1', undefined],
    ['text/event-stream', undefined],
    ['multipart/mixed', undefined],
  ])('%s → %s', (accept, expected) => {
    expect(regularResponseType(accept)).toBe(expected);
  });
});
