/**
 * Documents sent again and again run compiled (graphql/jit.ts) from their third execution on. The
 * answers must not change when that happens: data, typed error members, masked and coded errors,
 * R1 nulls, variable errors. Each document is sent six times and every answer has the bytes of the
 * first, interpreted one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOperationAST, parse } from 'graphql';
import { compileDocument, expandedFields } from '../src/graphql/jit.ts';
import { schema } from '../src/graphql/schema.ts';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type TestServer } from './harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

const MEMBERS = `query CompiledMembers($slug: String!, $first: Int!) { organization(slug: $slug) { id viewerPermissions
  members(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id status createdAt user { id email displayName } roles { key permissions } } } } } }`;
const SET_ROLES = `mutation CompiledSetRoles($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) {
  __typename ... on Membership { roles { key } } ... on Error { message } ... on GrantCeilingError { roleKeys ownerOnly } } }`;
const NODE = `query CompiledNode($id: ID!) { node(id: $id) { id ... on Organization { slug } } }`;
const CAN = `query CompiledCan($o: ID!, $p: [String!]!) { can(organizationId: $o, permissions: $p) { permission allowed } }`;

/** The answer's bytes, six times: the compiled runs must serialize exactly as the interpreted ones. */
async function sixTimes(query: string, variables: Record<string, unknown>, token?: string): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${ts.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    answers.push(await res.text());
  }
  return answers;
}

describe('compiled execution gives the answers of the interpreter', () => {
  it('R1 R3 R22 a members page, a refused grant, a foreign node, a check and a variable error answer the same on every run', async () => {
    const owner = await createUser(ts.orm);
    const org = await createOrg(ts, 'Compiled', owner.id);
    const foreign = await createOrg(ts, 'Elsewhere');
    const admin = await addMember(ts, org.id, ['admin']);
    const viewer = await addMember(ts, org.id, ['viewer']);
    // Text that serializers escape differently if they can: quotes, backslashes, controls, U+2028, a lone surrogate, astral characters.
    const oddly = await createUser(ts.orm, { firstName: 'Zoë "Q" \\ \t\u0001 \u2028 😀', lastName: 'half \ud800 end </script>' });
    await addMember(ts, org.id, ['viewer'], { userId: oddly.id });
    const adminToken = (await signIn(ts, admin.email)).accessToken;
    const ownerRole = await roleGid(ts, org.id, 'owner');

    const cases: [string, Record<string, unknown>, string | undefined][] = [
      [MEMBERS, { slug: org.slug, first: 2 }, adminToken],
      [MEMBERS, { slug: foreign.slug, first: 2 }, adminToken],
      [MEMBERS, { slug: org.slug, first: 'two' }, adminToken],
      [MEMBERS, { slug: org.slug, first: 500 }, adminToken],
      [MEMBERS, { slug: org.slug, first: 10 }, adminToken],
      [MEMBERS, { slug: org.slug, first: 2 }, undefined],
      [SET_ROLES, { m: gid('Membership', viewer.membershipId), r: [ownerRole] }, adminToken],
      [NODE, { id: gid('Organization', foreign.id) }, adminToken],
      [NODE, { id: 'not a global id' }, adminToken],
      [CAN, { o: gid('Organization', org.id), p: ['members:read', 'org:own', 'nothing:here'] }, adminToken],
    ];
    for (const [query, variables, token] of cases) {
      const [first, ...rest] = await sixTimes(query, variables, token);
      const parsed = JSON.parse(first!);
      expect(parsed.data ?? parsed.errors).toBeTruthy();
      for (const answer of rest) expect(answer, JSON.stringify(variables)).toBe(first);
    }
    const page = (await ts.gql(MEMBERS, { slug: org.slug, first: 2 }, adminToken)).data.organization.members;
    expect(page.totalCount).toBe(4);
    expect(page.edges).toHaveLength(2);
    const refused = (await ts.gql(SET_ROLES, { m: gid('Membership', viewer.membershipId), r: [ownerRole] }, adminToken)).data.setMemberRoles;
    expect(refused).toMatchObject({ __typename: 'GrantCeilingError', roleKeys: ['owner'] });
  });
});

describe('what is compiled (R22)', () => {
  it('documents with custom scalars compile too (graphql-jit builds its own serializers for built-in scalars only)', () => {
    for (const query of [MEMBERS, SET_ROLES, NODE, CAN]) expect(compileDocument(schema, parse(query)), query.slice(0, 40)).toBeDefined();
    expect(compileDocument(schema, parse(CAN))?.stringify).not.toBe(JSON.stringify);
  });


  const fieldsOf = (text: string) => {
    const document = parse(text);
    return expandedFields(document, getOperationAST(document)!.selectionSet);
  };

  it('R22 fragments are counted expanded, in time linear in the document: a chain of 40 doubling levels is counted at once, not walked', () => {
    expect(fieldsOf('{ viewer { id email memberships { id roles { key } } } }')).toBe(7);
    expect(fieldsOf('query { viewer { ...A ...A } } fragment A on User { id email }')).toBe(5);
    const chain = ['fragment F0 on User { id }', ...Array.from({ length: 40 }, (_, i) => `fragment F${i + 1} on User { ...F${i} memberships { user { ...F${i} } } }`)];
    const started = performance.now();
    const count = fieldsOf(`query { viewer { ...F40 } }\n${chain.join('\n')}`);
    expect(performance.now() - started).toBeLessThan(50);
    expect(count).toBeGreaterThan(2 ** 40);
    expect(fieldsOf('query { viewer { ...A } } fragment A on User { ...B } fragment B on User { ...A }')).toBe(Infinity);
  });
});
