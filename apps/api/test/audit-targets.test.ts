import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type TestServer } from './harness.ts';

/**
 * An audit event names its target by global id (issue 10: every object ID in the schema is a global
 * id): `AuditEvent.targetId` answers one, `auditLog(targetId:)` and the export's `target` take one.
 * The rows keep the raw `target_id` the hash chain covers.
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`;
const RESET_PASSWORD = `mutation($m: ID!) { resetMemberPassword(membershipId: $m) { __typename } }`;
const LOG = `query($s: String!, $t: ID) { organization(slug: $s) { auditLog(targetId: $t, first: 20) {
  totalCount edges { node { action targetType targetId targetLabel } } } } }`;

async function team() {
  const owner = await createUser(ts.orm);
  const org = await createOrg(ts, 'Targets', owner.id);
  const viewer = await addMember(ts, org.id, ['viewer']);
  const developer = await addMember(ts, org.id, ['developer']);
  const token = (await signIn(ts, owner.email)).accessToken;
  // One event about each membership, one about the viewer's account.
  expect((await ts.gql(SET_ROLES, { m: viewer.gid.membership, r: [await roleGid(ts, org.id, 'developer')] }, token)).data.setMemberRoles.__typename).toBe('Membership');
  expect((await ts.gql(SET_ROLES, { m: developer.gid.membership, r: [await roleGid(ts, org.id, 'viewer')] }, token)).data.setMemberRoles.__typename).toBe('Membership');
  expect((await ts.gql(RESET_PASSWORD, { m: viewer.gid.membership }, token)).data.resetMemberPassword.__typename).not.toMatch(/Error$/);
  return { org, viewer, developer, token };
}

const exportOf = (slug: string, token: string, query: string) =>
  fetch(`${ts.url}/audit/export?organization=${slug}&format=ndjson&${query}`, { headers: { authorization: `Bearer ${token}` } });

describe('audit event targets are global ids (R13, issue 10)', () => {
  it("R13 AuditEvent.targetId is the target's global id, and node(id:) answers it", async () => {
    const t = await team();
    const events = (await ts.gql(LOG, { s: t.org.slug }, t.token)).data.organization.auditLog.edges.map((e: any) => e.node);
    expect(events).toEqual(
      expect.arrayContaining([
        { action: 'membership.roles_changed', targetType: 'Membership', targetId: t.viewer.gid.membership, targetLabel: t.viewer.email },
        { action: 'membership.roles_changed', targetType: 'Membership', targetId: t.developer.gid.membership, targetLabel: t.developer.email },
        { action: 'user.password_reset', targetType: 'User', targetId: t.viewer.gid.user, targetLabel: t.viewer.email },
      ]),
    );
    const node = await ts.gql(`query($id: ID!) { node(id: $id) { __typename id } }`, { id: t.viewer.gid.membership }, t.token);
    expect(node.data.node).toEqual({ __typename: 'Membership', id: t.viewer.gid.membership });
  });

  it('R13 auditLog(targetId:) filters by the global id: the type counts, not only the raw id', async () => {
    const t = await team();
    const about = async (targetId: string) => (await ts.gql(LOG, { s: t.org.slug, t: targetId }, t.token)).data.organization.auditLog;
    const membership = await about(t.viewer.gid.membership);
    expect(membership.edges.map((e: any) => [e.node.action, e.node.targetId])).toEqual([['membership.roles_changed', t.viewer.gid.membership]]);
    expect(membership.totalCount).toBe(1);
    const account = await about(t.viewer.gid.user);
    expect(account.edges.map((e: any) => [e.node.action, e.node.targetId])).toEqual([['user.password_reset', t.viewer.gid.user]]);
    // The membership's raw id under another target type names nothing.
    expect((await about(gid('User', t.viewer.membershipId))).totalCount).toBe(0);
  });

  it('R18 R22 auditLog(targetId:) answers a raw id, another type\'s id or garbage with a typed BAD_USER_INPUT naming the argument', async () => {
    const t = await team();
    for (const bad of [t.viewer.membershipId, gid('AuditEvent', '1'), gid('OwnershipTransfer', crypto.randomUUID()), 'not-base64!', '', gid('Membership', ''), gid('Membership', 'not-a-uuid'), gid('User', '\u0000')]) {
      const res = await ts.gql(LOG, { s: t.org.slug, t: bad }, t.token);
      expect(res.data?.organization?.auditLog ?? null, bad).toBeNull();
      expect(res.errors?.map((e) => e.extensions), bad).toEqual([{ code: 'BAD_USER_INPUT', field: 'targetId' }]);
      expect(res.errors?.[0]?.message).toMatch(/^targetId: Must be a global id of a User, /);
    }
  });

  it('R1 a target of another organization filters to nothing, like an unknown one', async () => {
    const t = await team();
    const other = await team();
    const foreign = await ts.gql(LOG, { s: t.org.slug, t: other.viewer.gid.membership }, t.token);
    const unknown = await ts.gql(LOG, { s: t.org.slug, t: gid('Membership', crypto.randomUUID()) }, t.token);
    expect(foreign).toEqual(unknown);
    expect(foreign.data.organization.auditLog.totalCount).toBe(0);
  });

  it('R13 the export takes the same global id as `target`; its rows keep the raw target_id; anything else is a 400 naming target', async () => {
    const t = await team();
    const res = await exportOf(t.org.slug, t.token, `target=${encodeURIComponent(t.viewer.gid.membership)}`);
    expect(res.status).toBe(200);
    const rows = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { action: string; target_type: string; target_id: string });
    expect(rows.map((r) => [r.action, r.target_type, r.target_id])).toEqual([['membership.roles_changed', 'Membership', t.viewer.membershipId]]);
    for (const bad of [t.viewer.membershipId, gid('AuditEvent', '1'), 'not-base64!']) {
      const refused = await exportOf(t.org.slug, t.token, `target=${encodeURIComponent(bad)}`);
      expect(refused.status, bad).toBe(400);
      expect((await refused.json()).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^target must be a global id of a User, /) });
    }
  });
});
