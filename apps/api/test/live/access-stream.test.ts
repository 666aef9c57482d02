// R25 live access on one API process with a real HTTP server: the accessChanged subscription over
// server-sent events, fed by the audit writer's transactions (PGlite in process; PostgreSQL
// LISTEN/NOTIFY when DATABASE_URL is set). Cross-process delivery: cross-replica.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { transaction } from '../../src/db/retry.ts';
import { recordAudit } from '../../src/modules/audit/audit.service.ts';
import { liveOf } from '../../src/modules/live/live.service.ts';
import { LIVE_LIMITS } from '../../src/modules/live/live.hub.ts';
import { addMember, createOrg, createUser, gid, signIn, startTestServer, type Member, type TestServer } from '../harness.ts';
import { openAccessStream, type AccessStream } from './sse.ts';

const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`;
const REMOVE = `mutation($m: ID!) { removeMember(membershipId: $m) { __typename } }`;
const ORG_STATUS = `mutation($o: ID!, $s: OrganizationStatus!) { setOrganizationStatus(organizationId: $o, status: $s) { __typename } }`;
const USER_STATUS = `mutation($u: ID!, $s: UserStatus!) { setUserStatus(userId: $u, status: $s) { __typename } }`;

let ts: TestServer;
let orgId: string;
let ownerToken: string;
let platformToken: string;
let roles: Map<string, string>;
const streams: AccessStream[] = [];

async function member(keys: string[]): Promise<Member & { token: string }> {
  const m = await addMember(ts, orgId, keys);
  return { ...m, token: (await signIn(ts, m.email)).accessToken };
}
async function stream(token: string): Promise<AccessStream> {
  const s = await openAccessStream(ts.url, token);
  streams.push(s);
  return s;
}
/** The event's payload, after the stream has said it is open (the first heartbeat). */
async function change(s: AccessStream) {
  const event = await s.next(2000);
  expect(event.event).toBe('next');
  return event.data.data.accessChanged as { kind: string; organizationId: string | null };
}

beforeAll(async () => {
  ts = await startTestServer();
  const org = await createOrg(ts, 'Live Org');
  orgId = org.id;
  const owner = await addMember(ts, orgId, ['owner']);
  ownerToken = (await signIn(ts, owner.email)).accessToken;
  const admin = await createUser(ts.orm, { platformAdmin: true });
  platformToken = (await signIn(ts, admin.email)).accessToken;
  const slug = (await ts.gql(`{ viewer { memberships { organization { slug } } } }`, {}, ownerToken)).data.viewer.memberships[0].organization.slug;
  const listed = await ts.gql(`query($s: String!) { organization(slug: $s) { roles { id key } } }`, { s: slug }, ownerToken);
  roles = new Map(listed.data.organization.roles.map((r: { id: string; key: string }) => [r.key, r.id]));
});

afterAll(async () => {
  for (const s of streams) s.close();
  await ts?.close();
});

describe('R25 live access: accessChanged over server-sent events', () => {
  it('R25 a role change reaches the affected user within 2 s, and no other member', async () => {
    const target = await member(['developer']);
    const bystander = await member(['developer']);
    const mine = await stream(target.token);
    const theirs = await stream(bystander.token);
    expect(mine.status).toBe(200);
    expect(mine.contentType).toMatch(/^text\/event-stream/);
    const started = performance.now();
    const res = await ts.gql(SET_ROLES, { m: target.gid.membership, r: [roles.get('viewer')] }, ownerToken);
    expect(res.data.setMemberRoles.__typename).toBe('Membership');
    expect(await change(mine)).toEqual({ kind: 'ROLES', organizationId: gid('Organization', orgId) });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await theirs.quiet(500)).toBe(true);
  });

  it('R25 a removed member is told (the membership row is gone: found by the event)', async () => {
    const target = await member(['viewer']);
    const mine = await stream(target.token);
    const res = await ts.gql(REMOVE, { m: target.gid.membership }, ownerToken);
    expect(res.data.removeMember.__typename).toBe('RemovedMemberPayload');
    expect(await change(mine)).toEqual({ kind: 'MEMBERSHIP', organizationId: gid('Organization', orgId) });
  });

  it('R25 a rolled-back change sends nothing; the same change committed does', async () => {
    const target = await member(['viewer']);
    const mine = await stream(target.token);
    const entry = { orgId, action: 'membership.roles_changed' as const, target: { type: 'Membership', id: target.membershipId, label: target.email } };
    const actor = { userId: null, label: 'test' };
    await expect(
      transaction(emOf(ts.orm), async (tx) => {
        recordAudit(tx, actor, entry);
        await tx.flush();
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    expect(await mine.quiet(700)).toBe(true);
    await transaction(emOf(ts.orm), async (tx) => recordAudit(tx, actor, entry));
    expect((await change(mine)).kind).toBe('ROLES');
  });

  it('R25 disabling the organization reaches every member', async () => {
    const a = await member(['viewer']);
    const b = await member(['developer']);
    const [sa, sb] = [await stream(a.token), await stream(b.token)];
    const outsider = await createUser(ts.orm);
    const so = await stream((await signIn(ts, outsider.email)).accessToken);
    const res = await ts.gql(ORG_STATUS, { o: gid('Organization', orgId), s: 'DISABLED' }, platformToken);
    expect(res.data.setOrganizationStatus.__typename).toBe('Organization');
    try {
      expect(await change(sa)).toEqual({ kind: 'ORGANIZATION', organizationId: gid('Organization', orgId) });
      expect(await change(sb)).toEqual({ kind: 'ORGANIZATION', organizationId: gid('Organization', orgId) });
      expect(await so.quiet(300)).toBe(true);
    } finally {
      await ts.gql(ORG_STATUS, { o: gid('Organization', orgId), s: 'ACTIVE' }, platformToken);
    }
  });

  it('R25 R21 a disabled account is told, then its stream ends', async () => {
    const target = await member(['viewer']);
    const mine = await stream(target.token);
    const res = await ts.gql(USER_STATUS, { u: target.gid.user, s: 'DISABLED' }, platformToken);
    expect(res.data.setUserStatus.__typename).toBe('User');
    expect((await change(mine)).kind).toBe('ACCOUNT');
    expect((await mine.next(2000)).event).toBe('complete');
    await mine.ended;
  });

  it('R25 the subscription is authorized like any query: no token, no stream', async () => {
    const anonymous = await stream('');
    const event = await anonymous.next(2000);
    expect(event.data.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await anonymous.ended;
  });

  it('R18 a subscription asked for as plain JSON is refused with a typed answer, never a 500', async () => {
    const target = await member(['viewer']);
    const res = await fetch(`${ts.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${target.token}` },
      body: JSON.stringify({ query: 'subscription { accessChanged { kind } }' }),
    });
    expect(res.status).toBeLessThan(500);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(liveOf(ts.server.app)!.hub.streams().some((s) => s.userId === target.userId)).toBe(false);
  });

  it('R22 streams are bounded per user, send heartbeats, and close when the client leaves', async () => {
    const target = await member(['viewer']);
    const hub = liveOf(ts.server.app)!.hub;
    const before = hub.size;
    const own: AccessStream[] = [];
    for (let i = 0; i < LIVE_LIMITS.perUser; i++) own.push(await stream(target.token));
    const refused = await stream(target.token);
    expect((await refused.next(2000)).data.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(hub.size).toBe(before + LIVE_LIMITS.perUser);
    // NODE_ENV=test: yoga sends its keep-alive comment every 300 ms (12 s otherwise).
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(own[0]!.comments).toBeGreaterThanOrEqual(2);
    for (const s of own) s.close();
    const deadline = Date.now() + 2000;
    while (hub.size > before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(hub.size).toBe(before);
  });
});

describe('R22 live streams and shutdown', () => {
  it('R22 closing the server ends open streams at once instead of waiting for them', async () => {
    const other = await startTestServer();
    try {
      const org = await createOrg(other, 'Closing Org');
      const m = await addMember(other, org.id, ['viewer']);
      const s = await openAccessStream(other.url, (await signIn(other, m.email)).accessToken);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      await other.server.close();
      await s.ended;
      expect(performance.now() - started).toBeLessThan(2000);
      expect(s.events.at(-1)?.event).toBe('complete');
    } finally {
      await other.close().catch(() => {});
    }
  });
});
