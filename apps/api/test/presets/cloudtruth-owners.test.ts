import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, signIn, startTestServer, uniqueEmail, type TestServer } from '../harness.ts';
import { canMap, INVITE, PRESET, SET_ROLES, team } from './helpers.ts';

/**
 * Seed 003 (CloudTruth): "If the currently logged-in user is the only Owner, the account CANNOT be
 * downgraded. If it must be re-assigned to a lower role, another user must be assigned the Owner role."
 * and "Enter as many users as needed via a comma-delimited list".
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'cloudtruth' });
});
afterAll(async () => ts?.close());

const newTeam = () => team(ts, 'Truth', 'owner', ['admin', 'contributor']);

describe('cloudtruth preset (seed 003): owner policies and long invitation lists', () => {
  it('the preset says so: owners may lower their own roles, invitations take 100 in one list', async () => {
    const res = await ts.gql(`{ preset { policy { invitationLimit bulkLimit ownerSelfDowngrade } } }`);
    expect(res.data.preset.policy).toEqual({ invitationLimit: 100, bulkLimit: 10, ownerSelfDowngrade: true });
    expect((await ts.gql(PRESET)).data.preset.key).toBe('cloudtruth');
  });

  it('R4 R5 an owner downgrades themselves while another owner remains; the only owner is told to make another Owner first', async () => {
    const t = await newTeam();
    const alone = await ts.gql(SET_ROLES, { m: t.members.owner!.gid.membership, r: [t.roleIds.admin] }, t.tokens.owner);
    expect(alone.data.setMemberRoles).toMatchObject({ __typename: 'LastOwnerError', message: "This is the organization's only Owner: another user must be made Owner first." });
    expect(await canMap(ts, t.tokens.owner!, t.orgId, ['org:own'])).toEqual({ 'org:own': true });

    const second = await addMember(ts, t.orgId, ['owner']);
    const self = await ts.gql(SET_ROLES, { m: t.members.owner!.gid.membership, r: [t.roleIds.admin] }, t.tokens.owner);
    expect(self.data.setMemberRoles).toMatchObject({ __typename: 'Membership', roles: [{ key: 'admin' }] });
    expect(await canMap(ts, t.tokens.owner!, t.orgId, ['org:own', 'members:update'])).toEqual({ 'org:own': false, 'members:update': true });
    // Now `second` is the only owner; the same request from them is refused the same way.
    const secondToken = (await signIn(ts, second.email)).accessToken;
    const last = await ts.gql(SET_ROLES, { m: second.gid.membership, r: [t.roleIds.contributor] }, secondToken);
    expect(last.data.setMemberRoles.__typename).toBe('LastOwnerError');
  });

  it('R4 the exception is for owners lowering themselves only: an admin still cannot change their own role', async () => {
    const t = await newTeam();
    const res = await ts.gql(SET_ROLES, { m: t.members.admin!.gid.membership, r: [t.roleIds.contributor] }, t.tokens.admin);
    expect(res.data.setMemberRoles.__typename).toBe('SelfRoleChangeError');
  });

  it('R8 100 addresses in one comma-separated list are invited at once; 101 are refused with the limit', async () => {
    const t = await newTeam();
    const hundred = Array.from({ length: 100 }, () => uniqueEmail('ct')).join(', ');
    const ok = await ts.gql(INVITE, { o: t.orgGid, e: [hundred], r: [t.roleIds.contributor] }, t.tokens.admin);
    expect(ok.data.inviteMembers.__typename, JSON.stringify(ok).slice(0, 300)).toBe('InviteMembersPayload');
    expect(ok.data.inviteMembers.results).toHaveLength(100);
    const more = Array.from({ length: 101 }, () => uniqueEmail('ct')).join(',');
    const refused = await ts.gql(INVITE, { o: t.orgGid, e: [more], r: [t.roleIds.contributor] }, t.tokens.admin);
    expect(refused.data.inviteMembers).toMatchObject({ __typename: 'LimitExceededError', limit: 100 });
  });
});
