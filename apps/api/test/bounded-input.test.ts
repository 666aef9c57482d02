import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalEmail, emailIssue, textIssue } from '@gatehouse/permissions';
import { addMember, auditCount, createOrg, gid, signIn, startTestServer, type TestServer } from './harness.ts';

/** R18, R22: one gate for text, bounded documents, checked cursors and scalars. */
let ts: TestServer;
let orgId: string;
let admin: string;
beforeAll(async () => {
  ts = await startTestServer();
  const org = await createOrg(ts, 'Bounded');
  orgId = org.id;
  const owner = await addMember(ts, org.id, ['owner']);
  for (let i = 0; i < 3; i++) await addMember(ts, org.id, ['viewer']);
  admin = (await signIn(ts, owner.email)).accessToken;
});
afterAll(() => ts.close());

describe('the text gate (R18)', () => {
  it.each([
    ['NUL', 'Ann\u0000'],
    ['C1 control', 'Ann\u0085'],
    ['bidi override', 'Ann\u202Egnp.exe'],
    ['bidi isolate', '\u2066Ann'],
    ['line break in a name', 'Ann\nBob'],
    ['over 100 characters', 'a'.repeat(101)],
  ])('R18 a role name with %s is a ValidationError naming the field; nothing stored', async (_case, name) => {
    const before = await auditCount(ts, orgId);
    const res = await ts.gql(
      `mutation($o: ID!, $n: String!) { createRole(input: { organizationId: $o, name: $n, permissions: ["members:read"] }) { __typename ... on ValidationError { issues { path message } } } }`,
      { o: gid('Organization', orgId), n: name },
      admin,
    );
    expect(res.data.createRole.__typename).toBe('ValidationError');
    expect(res.data.createRole.issues[0].path).toEqual(['input', 'name']);
    expect(await auditCount(ts, orgId)).toBe(before);
  });

  it('R18 an unpaired surrogate (raw JSON) is refused, not stored and not a 500', async () => {
    const body = `{"query":"mutation($o: ID!, $n: String!) { createRole(input: { organizationId: $o, name: $n, permissions: [] }) { __typename } }","variables":{"o":"${gid('Organization', orgId)}","n":"A\\ud800B"}}`;
    const res = await fetch(`${ts.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body });
    expect(res.status).toBe(200);
    expect((await res.json()).data.createRole.__typename).toBe('ValidationError');
  });

  it('R18 names are normalized (NFC, trimmed, inner spaces collapsed)', async () => {
    const res = await ts.gql(
      `mutation($o: ID!, $n: String!) { createRole(input: { organizationId: $o, name: $n, permissions: ["members:read"] }) { __typename ... on Role { name } } }`,
      { o: gid('Organization', orgId), n: '  Cafe\u0301   Crew ' },
      admin,
    );
    expect(res.data.createRole).toEqual({ __typename: 'Role', name: 'Caf\u00e9 Crew' });
  });

  it('R18 a field without ValidationError in its result answers BAD_USER_INPUT naming the argument', async () => {
    const res = await ts.gql(`query($s: String!) { organization(slug: $s) { id } }`, { s: 'x\u0000' }, admin);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/^Invalid input: slug:/);
  });

  it('R18 the email rule shared with the SPA: IDN domains in punycode, no controls, 254 characters', () => {
    expect(canonicalEmail(' Ann@Bücher.Example ')).toBe('ann@xn--bcher-kva.example');
    expect(canonicalEmail('ann@xn--bcher-kva.example')).toBe('ann@xn--bcher-kva.example');
    for (const bad of ['ann', 'ann@', '@x.org', 'a b@x.org', 'ann@x', 'ann@-x.org', 'ann\u202E@x.org', `${'a'.repeat(65)}@x.org`, `a@${'b'.repeat(250)}.org`]) {
      expect(emailIssue(bad), bad).toBeDefined();
    }
    expect(textIssue('ok\ttext', { maxLength: 10, multiline: true })).toBeUndefined();
    expect(textIssue('ok\ttext', { maxLength: 10 })).toBe('Must be a single line');
  });
});

describe('bounded documents (R22)', () => {
  it('R22 a fragment chain that doubles at every level is refused in milliseconds, anonymously', async () => {
    const fragments = ['fragment F0 on Query { viewer { id } }', ...Array.from({ length: 40 }, (_, i) => `fragment F${i + 1} on Query { ...F${i} ...F${i} }`)];
    const started = performance.now();
    const res = await ts.gql(`${fragments.join('\n')}\n{ ...F40 }`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('R22 a variable page size counts at its real value', async () => {
    const query = `query($n: Int) { organizations(first: 100) { edges { node { members(first: $n) { edges { node { id roles { id permissions } } } } } } } }`;
    const platform = await ts.gql(query, { n: 100 }, admin);
    expect(platform.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const small = await ts.gql(query, { n: 2 }, admin);
    expect(small.errors?.[0]?.extensions?.code).not.toBe('QUERY_TOO_COMPLEX');
    // The same document with the large value again: the verdict is not cached per document.
    expect((await ts.gql(query, { n: 100 }, admin)).errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('R22 a passing verdict is reused only for the same page sizes and list lengths', async () => {
    const query = `query($ids: [ID!]!, $n: Int) { nodes(ids: $ids) { ... on Organization { members(first: $n) { edges { node { roles { id permissions } } } } } } }`;
    const one = [gid('Organization', crypto.randomUUID())];
    const many = Array.from({ length: 100 }, () => gid('Organization', crypto.randomUUID()));
    expect((await ts.gql(query, { ids: one, n: 100 }, admin)).errors?.[0]?.extensions?.code).not.toBe('QUERY_TOO_COMPLEX');
    // Other ids of the same count reuse the verdict; a longer list or a larger page is costed anew.
    expect((await ts.gql(query, { ids: [gid('Organization', crypto.randomUUID())], n: 100 }, admin)).errors?.[0]?.extensions?.code).not.toBe('QUERY_TOO_COMPLEX');
    expect((await ts.gql(query, { ids: many, n: 100 }, admin)).errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect((await ts.gql(query, { ids: many, n: 1 }, admin)).errors?.[0]?.extensions?.code).not.toBe('QUERY_TOO_COMPLEX');
    expect((await ts.gql(query, { ids: many, n: 100 }, admin)).errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('R22 a document over the token limit is refused before it is parsed whole', async () => {
    const res = await ts.gql(`{ ${'__typename '.repeat(6000)} }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(res.errors?.[0]?.message).toMatch(/more than 5000 tokens/);
  });

  it('R22 a list argument holds at most 100 items', async () => {
    const res = await ts.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: Array.from({ length: 101 }, (_, i) => gid('User', String(i))) }, admin);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('cursors and scalars (R18)', () => {
  const MEMBERS = `query($slug: String!, $after: String, $order: MemberOrder) { organization(slug: $slug) { members(first: 2, after: $after, orderBy: $order) { pageInfo { endCursor } edges { node { id } } } } }`;
  let slug: string;
  beforeAll(async () => {
    slug = (await ts.gql(`query($id: ID!) { node(id: $id) { ... on Organization { slug } } }`, { id: gid('Organization', orgId) }, admin)).data.node.slug;
  });

  it('R18 a cursor of this list pages on; forged or foreign cursors are BAD_USER_INPUT on `after`', async () => {
    const first = (await ts.gql(MEMBERS, { slug }, admin)).data.organization.members;
    const next = await ts.gql(MEMBERS, { slug, after: first.pageInfo.endCursor }, admin);
    expect(next.errors).toBeUndefined();
    const forged = [
      'garbage!',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from(JSON.stringify([`members:${orgId}:NAME:ASC`, { $gt: 1 }, 'not-a-uuid'])).toString('base64url'),
      Buffer.from(JSON.stringify([`members:${orgId}:NAME:ASC`, 'a\u0000', crypto.randomUUID()])).toString('base64url'),
    ];
    for (const after of forged) {
      const res = await ts.gql(MEMBERS, { slug, after }, admin);
      expect(res.errors?.[0]?.extensions?.code, after).toBe('BAD_USER_INPUT');
    }
    // The same cursor for another order of the same list.
    const other = await ts.gql(MEMBERS, { slug, after: first.pageInfo.endCursor, order: { field: 'CREATED_AT', direction: 'DESC' } }, admin);
    expect(other.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('R18 a garbage DateTime, literal or variable, is a validation error, never a 500', async () => {
    const literal = await ts.gql(`query($slug: String!) { organization(slug: $slug) { auditLog(from: "2020-13-45") { totalCount } } }`, { slug }, admin);
    expect(literal.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const variable = await ts.gql(`query($slug: String!, $d: DateTime) { organization(slug: $slug) { auditLog(from: $d) { totalCount } } }`, { slug, d: 1e20 }, admin);
    expect(variable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
