/** Renaming a resource: the type's rename permission on it (Spaces: `spaces:assign`), audited, input gated. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { addMember, auditCount, createOrg, createUser, gid, rawId, signIn, startTestServer, type TestServer } from './harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'spaces' });
});
afterAll(async () => ts?.close());

const CREATE = `mutation($o: ID!, $n: String!) { createResource(organizationId: $o, type: "space", name: $n) { __typename ... on Resource { id } } }`;
const GRANT = `mutation($r: ID!, $m: ID!, $k: String!) { grantResourceRole(resourceId: $r, membershipId: $m, roleKey: $k) { __typename } }`;
const RENAME = `mutation($r: ID!, $n: String!) { renameResource(resourceId: $r, name: $n) {
  __typename ... on Resource { id name } ... on ValidationError { issues { path message } } ... on Error { message } } }`;

async function setup() {
  const admin = await createUser(ts.orm);
  const org = await createOrg(ts, 'Rename Lab', admin.id);
  const editor = await addMember(ts, org.id, ['editor']);
  const editor2 = await addMember(ts, org.id, ['editor']);
  const operator = await addMember(ts, org.id, ['operator']);
  const token = async (email: string) => (await signIn(ts, email)).accessToken;
  const tokens = { admin: await token(admin.email), editor: await token(editor.email), editor2: await token(editor2.email), operator: await token(operator.email) };
  const created = await ts.gql(CREATE, { o: gid('Organization', org.id), n: 'Alpha' }, tokens.editor);
  const space = created.data.createResource.id as string;
  expect((await ts.gql(GRANT, { r: space, m: operator.gid.membership, k: 'space_operator' }, tokens.admin)).data.grantResourceRole.__typename).toBe('Resource');
  return { org, space, tokens };
}

describe('renameResource', () => {
  it('R19 the editor who created a space renames it; one audit event with before and after', async () => {
    const t = await setup();
    const before = await auditCount(ts, t.org.id);
    const res = await ts.gql(RENAME, { r: t.space, n: '  Beta  ' }, t.tokens.editor);
    expect(res.data.renameResource).toMatchObject({ __typename: 'Resource', name: 'Beta' });
    expect(await auditCount(ts, t.org.id)).toBe(before + 1);
    const [event] = await emOf(ts.orm).execute<{ action: string; before: unknown; after: unknown }[]>(
      `select action, before, after from audit_event where org_id = ? and action = 'resource.renamed'`,
      [t.org.id],
    );
    expect(event).toMatchObject({ action: 'resource.renamed' });
    expect(JSON.stringify(event!.before)).toContain('Alpha');
    expect(JSON.stringify(event!.after)).toContain('Beta');
    // The same name again changes nothing and writes nothing.
    expect((await ts.gql(RENAME, { r: t.space, n: 'Beta' }, t.tokens.editor)).data.renameResource.name).toBe('Beta');
    expect(await auditCount(ts, t.org.id)).toBe(before + 1);
    // Admins rename any space.
    expect((await ts.gql(RENAME, { r: t.space, n: 'Gamma' }, t.tokens.admin)).data.renameResource.name).toBe('Gamma');
  });

  it('R3 R1 an assigned operator may not rename (FORBIDDEN); an editor who cannot see the space learns nothing (NotFoundError)', async () => {
    const t = await setup();
    const before = await auditCount(ts, t.org.id);
    expect((await ts.gql(RENAME, { r: t.space, n: 'Nope' }, t.tokens.operator)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await ts.gql(RENAME, { r: t.space, n: 'Nope' }, t.tokens.editor2)).data.renameResource.__typename).toBe('NotFoundError');
    expect((await ts.gql(RENAME, { r: crypto.randomUUID(), n: 'Nope' }, t.tokens.admin)).data.renameResource.__typename).toBe('NotFoundError');
    expect((await ts.gql(RENAME, { r: 'not-a-uuid', n: 'Nope' }, t.tokens.admin)).data.renameResource.__typename).toBe('NotFoundError');
    expect(await auditCount(ts, t.org.id)).toBe(before);
  });

  it('R18 R22 names are bounded: empty and over-long names are a ValidationError naming `name`, nothing stored', async () => {
    const t = await setup();
    for (const n of ['   ', 'x'.repeat(101)]) {
      const res = await ts.gql(RENAME, { r: t.space, n }, t.tokens.editor);
      const issues = res.data?.renameResource?.issues ?? (res.errors?.[0]?.extensions as { issues?: unknown } | undefined)?.issues;
      expect(JSON.stringify(res)).toMatch(/name/);
      expect(res.data?.renameResource?.__typename ?? res.errors?.[0]?.extensions?.code).toMatch(/ValidationError|BAD_USER_INPUT/);
      expect(issues === undefined || JSON.stringify(issues).includes('name')).toBe(true);
    }
    const huge = await ts.gql(RENAME, { r: t.space, n: 'x'.repeat(100_000) }, t.tokens.editor);
    expect(huge.data?.renameResource?.__typename ?? huge.errors?.[0]?.extensions?.code).toMatch(/ValidationError|BAD_USER_INPUT/);
    const [row] = await emOf(ts.orm).execute<{ name: string }[]>(`select name from resource where id = ?`, [rawId(t.space)]);
    expect(row!.name).toBe('Alpha');
  });
});
