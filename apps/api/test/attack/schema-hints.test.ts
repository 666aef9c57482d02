/**
 * Side doors with introspection off (NODE_ENV=production defaults): the schema must not be readable
 * through error messages either. graphql-js answers a misspelled field, argument, type, enum value or
 * input field with "Did you mean …?", which lets anyone rebuild the schema by guessing; none of those
 * hints may reach a client. Introspection itself is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.ts';
import { post, responseProblems } from './support.ts';

let prod: TestServer;
beforeAll(async () => {
  prod = await startTestServer({ NODE_ENV: 'production' });
});
afterAll(async () => prod?.close());

const PROBES: [string, string, Record<string, unknown>?][] = [
  ['misspelled root field', '{ viewr { id } }'],
  ['misspelled nested field', '{ viewer { emial } }'],
  ['misspelled argument', '{ organization(slg: "acme") { id } }'],
  ['misspelled type condition', '{ node(id: "x") { ... on Usr { id } } }'],
  ['misspelled enum literal', 'mutation { setUserStatus(userId: "x", status: DISABLD) { __typename } }'],
  ['misspelled input field literal', 'mutation { createOrganization(input: { nme: "x" }) { __typename } }'],
  ['misspelled variable type', 'query($s: Strng) { __typename }'],
  ['misspelled input field in variables', 'mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename } }', { i: { nme: 'x' } }],
  ['misspelled enum value in variables', 'mutation($s: UserStatus!) { setUserStatus(userId: "x", status: $s) { __typename } }', { s: 'DISABLD' }],
  ['misspelled mutation', 'mutation { sigIn(email: "a@b.c", password: "x") { __typename } }'],
  ['misspelled directive', '{ viewer @skp(if: true) { id } }'],
];

describe('side doors with introspection off', () => {
  it('a misspelled field, argument, type, enum value or input field answers without "Did you mean"', async () => {
    const problems: string[] = [];
    for (const [what, query, variables] of PROBES) {
      const res = await post(prod, JSON.stringify({ query, variables }));
      problems.push(...responseProblems(res).map((p) => `${what}: ${p}`));
      if (!res.json?.errors?.length) problems.push(`${what}: no error at all (${res.text.slice(0, 120)})`);
      if (/did you mean/i.test(res.text)) problems.push(`${what}: ${res.json?.errors?.map((e: { message: string }) => e.message).join(' | ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('introspection (__schema, __type) is refused', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "User") { fields { name } } }', '{ viewer { __type(name: "User") { name } } }']) {
      const res = await post(prod, JSON.stringify({ query }));
      expect(res.json?.data?.__schema ?? res.json?.data?.__type ?? null, query).toBeNull();
      expect(res.json?.errors?.length ?? 0, query).toBeGreaterThan(0);
      expect(/"name":"(User|Query|Mutation)"/.test(res.text), query).toBe(false);
    }
  });
});
