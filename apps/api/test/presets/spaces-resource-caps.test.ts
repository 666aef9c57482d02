import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { addMember, signIn, startTestServer, type TestServer, rawId } from '../harness.ts';
import { RESOURCE_DOCS } from '../resources-matrix.ts';
import { SET_ROLES, team, type Team } from './helpers.ts';

/**
 * Seed 004 (Spaces): "Only admins ... assign privileges", "Operator: access spaces that have been
 * assigned to them". The case: an Editor who created a space gave an Operator space_editor and
 * the Operator could start, deploy and destroy it. R19: the Operator's org role caps what any grant gives.
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'spaces' });
});
afterAll(async () => ts?.close());

const CAN = `query($o: ID!, $p: [String!]!, $r: ID) { can(organizationId: $o, permissions: $p, resourceId: $r) { permission allowed } }`;
const OPERATE = ['spaces:read', 'spaces:start', 'spaces:deploy', 'spaces:destroy', 'spaces:delete'];

async function held(t: Team, token: string, resourceId: string): Promise<string[]> {
  const res = await ts.gql(CAN, { o: t.orgGid, p: OPERATE, r: resourceId }, token);
  return (res.data.can as { permission: string; allowed: boolean }[]).filter((c) => c.allowed).map((c) => c.permission);
}

async function space(t: Team, token: string, name: string): Promise<string> {
  const res = await ts.gql(RESOURCE_DOCS.CREATE, { o: t.orgGid, t: 'space', n: name }, token);
  expect(res.data?.createResource?.__typename, JSON.stringify(res)).toBe('Resource');
  return res.data.createResource.id;
}

describe('spaces preset (seed 004): space roles capped by the org role (R19)', () => {
  it('R3 R19 an Operator given space_editor is refused whoever grants it: the Editor who created the space, or an Admin', async () => {
    const t = await team(ts, 'Caps', 'admin', ['editor', 'operator']);
    const s = await space(t, t.tokens.editor!, 'Sandbox');
    for (const granter of ['editor', 'admin']) {
      const res = await ts.gql(RESOURCE_DOCS.GRANT, { r: s, m: t.members.operator!.gid.membership, k: 'space_editor' }, t.tokens[granter]);
      expect(res.data.grantResourceRole, granter).toEqual({
        __typename: 'ResourceRoleCapError',
        message: 'Their organization role allows at most space_operator on a space.',
        roleKey: 'space_editor',
        allowedRoleKeys: ['space_operator'],
      });
    }
    expect(await held(t, t.tokens.operator!, s)).toEqual([]);
    // The role the cap allows goes through: the Operator accesses the space, and does nothing else there.
    const ok = await ts.gql(RESOURCE_DOCS.GRANT, { r: s, m: t.members.operator!.gid.membership, k: 'space_operator' }, t.tokens.editor);
    expect(ok.data.grantResourceRole.__typename).toBe('Resource');
    expect(await held(t, t.tokens.operator!, s)).toEqual(['spaces:read']);
  });

  it('R2 R19 the cap applies on every request: an Editor assigned space_editor, then made Operator, keeps Operator privileges only', async () => {
    const t = await team(ts, 'Demote', 'admin', ['editor', 'operator']);
    const s = await space(t, t.tokens.admin!, 'Prod');
    const editor2 = await addMember(ts, t.orgId, ['editor']);
    const token = (await signIn(ts, editor2.email)).accessToken;
    expect((await ts.gql(RESOURCE_DOCS.GRANT, { r: s, m: editor2.gid.membership, k: 'space_editor' }, t.tokens.admin)).data.grantResourceRole.__typename).toBe('Resource');
    expect(await held(t, token, s)).toEqual(OPERATE);
    const demote = await ts.gql(SET_ROLES, { m: editor2.gid.membership, r: [t.roleIds.operator] }, t.tokens.admin);
    expect(demote.data.setMemberRoles.__typename).toBe('Membership');
    expect(await held(t, token, s)).toEqual(['spaces:read']);
    // What the Operator is told about themselves on that space says the same.
    const read = await ts.gql(RESOURCE_DOCS.READ, { r: s }, token);
    expect(read.data.resource.viewerPermissions.filter((p: string) => p.startsWith('spaces:'))).toEqual(['spaces:read']);
    // The grant stays (nothing silently deleted) and an Admin can bring it down to what it gives.
    const row = await emOf(ts.orm).execute<{ role_key: string }[]>(`select role_key from resource_grant where resource_id = ?`, [rawId(s)]);
    expect(row.map((r) => r.role_key)).toEqual(['space_editor']);
    expect((await ts.gql(RESOURCE_DOCS.GRANT, { r: s, m: editor2.gid.membership, k: 'space_operator' }, t.tokens.admin)).data.grantResourceRole.__typename).toBe('Resource');
  });

  it('R4 nobody changes their own space role, not even an Admin; an assigned Editor assigns nobody', async () => {
    const t = await team(ts, 'Self', 'admin', ['editor', 'operator']);
    const s = await space(t, t.tokens.editor!, 'Mine');
    const self = await ts.gql(RESOURCE_DOCS.GRANT, { r: s, m: t.members.admin!.gid.membership, k: 'space_owner' }, t.tokens.admin);
    expect(self.data.grantResourceRole.__typename).toBe('SelfRoleChangeError');
    const editor2 = await addMember(ts, t.orgId, ['editor']);
    const token2 = (await signIn(ts, editor2.email)).accessToken;
    expect((await ts.gql(RESOURCE_DOCS.GRANT, { r: s, m: editor2.gid.membership, k: 'space_editor' }, t.tokens.editor)).data.grantResourceRole.__typename).toBe('Resource');
    const byAssigned = await ts.gql(RESOURCE_DOCS.GRANT, { r: s, m: t.members.operator!.gid.membership, k: 'space_operator' }, token2);
    expect(byAssigned.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('discoverable: Preset.resourceTypes names the space roles, their permissions and who may receive them', async () => {
    const res = await ts.gql(`{ preset { policy { invitationLimit ownerSelfDowngrade } resourceTypes { key name pluralName permissionPrefix creatorRoleKey creatorOrgRoleKeys managerOrgRoleKeys readAllOrgRoleKeys
      orgRoleCaps { orgRoleKey permissions } roles { key name description permissions grantableToOrgRoleKeys } } } }`);
    const [type] = res.data.preset.resourceTypes;
    expect(type).toMatchObject({
      key: 'space', name: 'Space', pluralName: 'Spaces', permissionPrefix: 'spaces', creatorRoleKey: 'space_owner',
      creatorOrgRoleKeys: ['admin', 'editor'], managerOrgRoleKeys: ['admin'], readAllOrgRoleKeys: ['admin'],
    });
    expect(type.orgRoleCaps).toContainEqual({ orgRoleKey: 'operator', permissions: ['spaces:read'] });
    expect(type.roles.map((r: { key: string; grantableToOrgRoleKeys: string[] }) => [r.key, r.grantableToOrgRoleKeys])).toEqual([
      ['space_owner', ['admin', 'editor']], ['space_editor', ['admin', 'editor']], ['space_operator', ['admin', 'editor', 'operator']],
    ]);
    expect(type.roles[0].name).toBe('Space owner');
    expect(res.data.preset.policy).toEqual({ invitationLimit: 10, ownerSelfDowngrade: false });
  });

  it('the permission catalog says which permissions this preset uses (the custom-role editor shows those)', async () => {
    const res = await ts.gql(`{ permissionCatalog { resource permissions { key description usedByPreset } } }`);
    const used = (res.data.permissionCatalog as { permissions: { key: string; usedByPreset: boolean; description: string }[] }[])
      .flatMap((g) => g.permissions).filter((p) => p.usedByPreset).map((p) => p.key);
    expect(used).toContain('spaces:whitelist_manage');
    expect(used).not.toContain('projects:read');
  });
});
