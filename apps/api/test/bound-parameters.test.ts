/**
 * Issue 10: no SQL text with values written into it. Every statement the ORM sends (find, flush,
 * query builder, em.execute) carries its values as bound parameters, like db/sql.ts' own statements.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeStatements } from '../src/db/orm.ts';
import { bindParameters } from '../src/db/bound-parameters.ts';
import { addMember, createOrg, createUser, PASSWORD, roleGid, signIn, startTestServer, uniqueEmail, type TestServer } from './harness.ts';

const platform = { formatDate: (d: Date) => d.toISOString() };

describe('bindParameters: the ORM placeholders become $n', () => {
  it('scalars, dates, JSON and arrays expanded in place as the ORM writes them', () => {
    const when = new Date('2026-01-02T03:04:05.000Z');
    const bound = bindParameters('select * from t where a = ? and b in (?) and c > ? and d = ?', ['x', [1, 2, 3], when, { k: 'v' }], platform);
    expect(bound).toEqual({ text: 'select * from t where a = $1 and b in ($2, $3, $4) and c > $5 and d = $6', values: ['x', 1, 2, 3, '2026-01-02T03:04:05.000Z', '{"k":"v"}'] });
  });

  it('question marks inside literals and quoted identifiers are not placeholders', () => {
    expect(bindParameters(`select '?' as "a?", ? as b`, [1], platform)).toEqual({ text: `select '?' as "a?", $1 as b`, values: [1] });
  });

  it('what it cannot translate with certainty stays the ORM\'s: ??, \\?, a count that does not match, an empty list', () => {
    expect(bindParameters('select ?? from t', ['a'], platform)).toBeUndefined();
    expect(bindParameters('select 1 where a \\? b', [], platform)).toBeUndefined();
    expect(bindParameters('select ?, ?', [1], platform)).toBeUndefined();
    expect(bindParameters('select ?', [1, 2], platform)).toBeUndefined();
    expect(bindParameters('select 1 where a in (?)', [[]], platform)).toBeUndefined();
  });

  it('a NUL byte or a quote in a value never reaches the SQL text', () => {
    const bound = bindParameters('select ? as v', ["o'brien\u0000"], platform);
    expect(bound?.text).toBe('select $1 as v');
    expect(bound?.values).toEqual(["o'brien\u0000"]);
  });
});

describe('every statement of real requests carries its values as parameters', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts?.close());

  it('sign-in, role change, custom role and invitation: no value appears in any statement text', async () => {
    const org = await createOrg(ts, 'Bound Org');
    const ownerEmail = uniqueEmail('bound-owner');
    const owner = await createUser(ts.orm, { email: ownerEmail });
    await addMember(ts, org.id, ['owner'], { userId: owner.id });
    const member = await addMember(ts, org.id, ['viewer']);
    const inviteEmail = uniqueEmail('bound-invitee');
    const roleName = 'Bound Auditor 7f3';

    const texts: string[] = [];
    const stop = observeStatements((sql) => texts.push(sql));
    try {
      const { accessToken } = await signIn(ts, ownerEmail, PASSWORD);
      const changed = await ts.gql(
        `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`,
        { m: member.gid.membership, r: [await roleGid(ts, org.id, 'developer')] },
        accessToken,
      );
      expect(changed.data.setMemberRoles.__typename).toBe('Membership');
      const created = await ts.gql(
        `mutation($i: CreateRoleInput!) { createRole(input: $i) { __typename } }`,
        { i: { organizationId: Buffer.from(`Organization:${org.id}`).toString('base64'), name: roleName, permissions: ['members:read'] } },
        accessToken,
      );
      expect(created.data.createRole.__typename).toBe('Role');
      const invited = await ts.gql(
        `mutation($o: ID!, $e: [String!]!, $r: [ID!]!) { inviteMembers(organizationId: $o, emails: $e, roleIds: $r) { __typename } }`,
        { o: Buffer.from(`Organization:${org.id}`).toString('base64'), e: [inviteEmail], r: [await roleGid(ts, org.id, 'viewer')] },
        accessToken,
      );
      expect(invited.errors).toBeUndefined();
    } finally {
      stop();
    }
    expect(texts.length).toBeGreaterThan(10);
    for (const value of [ownerEmail, inviteEmail, roleName, owner.id, org.id, member.userId]) {
      expect(texts.filter((text) => text.includes(value)), value).toEqual([]);
    }
  });
});
