import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { createOrg, createUser, gid, roleGid, signIn, startTestServer, addMember, type TestServer } from './harness.ts';

/**
 * R5 under parallel requests: the last two owners demote, remove and leave at the same moment,
 * repeatedly. Services lock the org row, so the org always keeps an active owner. Meaningful on
 * PostgreSQL (several connections); on PGlite the requests are serialized by its single connection.
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

async function activeOwners(orgId: string): Promise<number> {
  const rows = await emOf(ts.orm).execute<{ n: number }[]>(
    `select count(distinct m.id)::int as n from membership m join membership_role mr on mr.membership_id = m.id
       join role r on r.id = mr.role_id join "user" u on u.id = m.user_id
      where m.org_id = ? and m.status = 'ACTIVE' and u.status = 'ACTIVE' and r.key = 'owner'`,
    [orgId],
  );
  return Number(rows[0]!.n);
}

describe('owner floor under concurrency (R5)', () => {
  it('R5 simultaneous demote / remove / leave / disable between the last two owners always leave an owner', async () => {
    for (let round = 0; round < 12; round++) {
      const a = await createUser(ts.orm);
      const org = await createOrg(ts, `Race ${round}`, a.id);
      const aMembership = (await emOf(ts.orm).execute<{ id: string }[]>(`select id from membership where user_id = ?`, [a.id]))[0]!.id;
      const b = await addMember(ts, org.id, ['owner']);
      const ta = (await signIn(ts, a.email)).accessToken;
      const tb = (await signIn(ts, b.email)).accessToken;
      const viewer = [await roleGid(ts, org.id, 'viewer')];
      const orgGid = gid('Organization', org.id);
      const ops = [
        () => ts.gql(`mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`, { m: b.gid.membership, r: viewer }, ta),
        () => ts.gql(`mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`, { m: gid('Membership', aMembership), r: viewer }, tb),
        () => ts.gql(`mutation($m: ID!) { removeMember(membershipId: $m) { __typename } }`, { m: b.gid.membership }, ta),
        () => ts.gql(`mutation($m: ID!) { removeMember(membershipId: $m) { __typename } }`, { m: gid('Membership', aMembership) }, tb),
        () => ts.gql(`mutation($o: ID!) { leaveOrganization(organizationId: $o) { __typename } }`, { o: orgGid }, ta),
        () => ts.gql(`mutation($o: ID!) { leaveOrganization(organizationId: $o) { __typename } }`, { o: orgGid }, tb),
        () => ts.gql(`mutation($m: ID!) { setMembershipStatus(membershipId: $m, status: DISABLED) { __typename } }`, { m: b.gid.membership }, ta),
        () => ts.gql(`mutation($m: ID!) { setMembershipStatus(membershipId: $m, status: DISABLED) { __typename } }`, { m: gid('Membership', aMembership) }, tb),
      ];
      // A different pair of racing operations each round, plus everything at once every few rounds.
      const chosen = round % 4 === 3 ? ops : [ops[round % ops.length]!, ops[(round * 3 + 1) % ops.length]!];
      const results = await Promise.all(chosen.map((op) => op()));
      for (const res of results) expect(res.errors?.find((e: { extensions?: { code?: string } }) => e.extensions?.code === 'INTERNAL_SERVER_ERROR')).toBeUndefined();
      expect(await activeOwners(org.id)).toBeGreaterThanOrEqual(1);
    }
  });
});
