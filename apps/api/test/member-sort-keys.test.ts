/**
 * Issue 14: the members list sorted by name or email reads membership's own sort keys
 * (sort_name, sort_email; migration 20261124054000_membership_sort_keys), which the database copies
 * from the user on every insert of a membership and every change of a user's name or email. These
 * tests hold the keys to the user's columns through the real paths (a rename, a confirmed email
 * change, provisioning, plain SQL), check that the order and the cursors are exactly those of the
 * user's columns, and that a page is an index range read without a scan of "user" (EXPLAIN ANALYZE
 * of the very statement listMembers runs; on PostgreSQL and on PGlite, which plans the same way).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { rows } from '../src/db/sql.ts';
import { memberPageStatement, type MemberOrder } from '../src/modules/memberships/membership.queries.ts';
import { addMember, createOrg, createUser, gid, PASSWORD, signIn, startTestServer, uniqueEmail, type TestServer } from './harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

const MEMBERS = `query($s: String!, $f: MemberSortField!, $d: SortDirection!, $n: Int, $a: String) { organization(slug: $s) {
  members(first: $n, after: $a, orderBy: { field: $f, direction: $d }) { pageInfo { hasNextPage endCursor } edges { node { id user { id email } } } } } }`;
const UPDATE_USER = `mutation($i: UpdateUserInput!) { updateUser(input: $i) { __typename ... on User { firstName lastName } ... on Error { message } } }`;
const REQUEST = `mutation($p: String!, $e: String!) { requestEmailChange(currentPassword: $p, newEmail: $e) { __typename ... on Error { message } } }`;
const CONFIRM = `mutation($t: String!) { confirmEmail(token: $t) { __typename ... on User { email } ... on Error { message } } }`;

/** Every page of a members list, walked through its cursors: the membership ids in order. */
async function walk(slug: string, field: 'NAME' | 'EMAIL', direction: 'ASC' | 'DESC', token: string, pageSize = 3): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res: { data?: any; errors?: unknown } = await ts.gql(MEMBERS, { s: slug, f: field, d: direction, n: pageSize, a: after }, token);
    expect(res.errors).toBeUndefined();
    const members: any = res.data.organization.members;
    ids.push(...members.edges.map((e: any) => e.node.id));
    if (!members.pageInfo.hasNextPage) return ids;
    after = members.pageInfo.endCursor;
  }
  throw new Error('more than 100 pages');
}

/** The order the list had before the sort keys existed: by the user's own columns, then membership id. */
async function orderByUserColumns(orgId: string, field: 'NAME' | 'EMAIL', direction: 'ASC' | 'DESC'): Promise<string[]> {
  const key = field === 'NAME' ? `lower(u.first_name || ' ' || u.last_name || ' ' || u.email)` : 'u.email';
  const found = await rows<{ id: string }>(
    emOf(ts.orm),
    `select m.id from membership m join "user" u on u.id = m.user_id where m.org_id = $1 order by ${key} ${direction}, m.id ${direction}`,
    [orgId],
  );
  return found.map((r) => gid('Membership', r.id));
}

/** Memberships whose keys differ from their user's columns (there must be none). */
async function staleKeys(): Promise<number> {
  const found = await rows<{ n: number }>(
    emOf(ts.orm),
    `select count(*)::int as n from membership m join "user" u on u.id = m.user_id
      where m.sort_name <> lower(u.first_name || ' ' || u.last_name || ' ' || u.email) or m.sort_email <> u.email`,
  );
  return Number(found[0]!.n);
}

async function lastToken(to: string): Promise<string> {
  const found = await rows<{ text_body: string }>(emOf(ts.orm), `select text_body from mail_outbox where to_address = $1 order by created_at desc limit 1`, [to]);
  const token = /#token=([\w-]+)/.exec(found[0]?.text_body ?? '')?.[1];
  if (!token) throw new Error(`no link mailed to ${to}`);
  return token;
}

describe('member sort keys follow the user (issue 14)', () => {
  it('R20 the members list by name and by email follows a rename and a confirmed email change, in every organization of the user', async () => {
    const owner = await createUser(ts.orm, { firstName: 'Olga', lastName: 'Owner' });
    const one = await createOrg(ts, 'Sort One', owner.id);
    const two = await createOrg(ts, 'Sort Two', owner.id);
    const mover = await createUser(ts.orm, { firstName: 'Zora', lastName: 'Zimmer', email: uniqueEmail('aa') });
    for (const org of [one, two]) {
      await addMember(ts, org.id, ['viewer'], { userId: mover.id });
      for (const name of ['Anna', 'Bert', 'Cleo']) await addMember(ts, org.id, ['viewer'], { userId: (await createUser(ts.orm, { firstName: name, lastName: 'Member' })).id });
    }
    const ownerToken = (await signIn(ts, owner.email)).accessToken;
    const moverToken = (await signIn(ts, mover.email)).accessToken;
    const firstByName = async (slug: string) => (await ts.gql(MEMBERS, { s: slug, f: 'NAME', d: 'ASC', n: 1 }, ownerToken)).data.organization.members.edges[0].node.user.id;
    const firstByEmailDesc = async (slug: string) => (await ts.gql(MEMBERS, { s: slug, f: 'EMAIL', d: 'DESC', n: 1 }, ownerToken)).data.organization.members.edges[0].node.user;
    for (const org of [one, two]) {
      expect(await firstByName(org.slug)).not.toBe(gid('User', mover.id));
      expect((await firstByEmailDesc(org.slug)).id).not.toBe(gid('User', mover.id));
    }

    // A rename through the API (the user renames themself).
    const renamed = (await ts.gql(UPDATE_USER, { i: { userId: gid('User', mover.id), firstName: 'Aaron', lastName: 'Aardvark' } }, moverToken)).data.updateUser;
    expect(renamed).toEqual({ __typename: 'User', firstName: 'Aaron', lastName: 'Aardvark' });
    for (const org of [one, two]) {
      expect(await firstByName(org.slug)).toBe(gid('User', mover.id));
      expect(await walk(org.slug, 'NAME', 'ASC', ownerToken)).toEqual(await orderByUserColumns(org.id, 'NAME', 'ASC'));
    }

    // An email change takes effect when the new address confirms it (R20); only then do the keys move.
    const next = `zzzz-${Math.random().toString(36).slice(2, 8)}@example.test`;
    expect((await ts.gql(REQUEST, { p: PASSWORD, e: next }, moverToken)).data.requestEmailChange.__typename).toBe('User');
    expect(await staleKeys()).toBe(0);
    expect((await ts.gql(CONFIRM, { t: await lastToken(next) })).data.confirmEmail).toEqual({ __typename: 'User', email: next });
    for (const org of [one, two]) {
      expect(await walk(org.slug, 'EMAIL', 'DESC', ownerToken)).toEqual(await orderByUserColumns(org.id, 'EMAIL', 'DESC'));
      expect(await firstByEmailDesc(org.slug)).toEqual({ id: gid('User', mover.id), email: next });
    }
    expect(await staleKeys()).toBe(0);
  });

  it('R7 memberships added by provisioning or by plain SQL get their keys from the database, and a key written by hand is replaced', async () => {
    const owner = await createUser(ts.orm);
    const org = await createOrg(ts, 'Sort Provision', owner.id);
    const ownerToken = (await signIn(ts, owner.email)).accessToken;
    const viewerRole = (await rows<{ id: string }>(emOf(ts.orm), `select id from role where org_id = $1 and key = 'viewer'`, [org.id]))[0]!.id;
    const provisioned = await ts.gql(
      `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) { __typename } }`,
      { o: gid('Organization', org.id), m: [{ email: uniqueEmail('prov'), firstName: 'Provi', lastName: 'Sioned', roleIds: [gid('Role', viewerRole)] }] },
      ownerToken,
    );
    expect(provisioned.data.provisionMembers.__typename).toBe('ProvisionMembersPayload');
    const m = await addMember(ts, org.id, ['viewer']);
    // Someone writes a key by hand: the trigger puts the user's back.
    await rows(emOf(ts.orm), `update membership set sort_name = 'aaa forged', sort_email = 'aaa@forged' where id = $1`, [m.membershipId]);
    // Plain SQL renames (an import, a console): the keys follow too.
    await rows(emOf(ts.orm), `update "user" set first_name = 'Émile', last_name = 'ÄRGER' where id = $1`, [m.userId]);
    expect(await staleKeys()).toBe(0);
    for (const field of ['NAME', 'EMAIL'] as const) {
      for (const direction of ['ASC', 'DESC'] as const) {
        expect(await walk(org.slug, field, direction, ownerToken, 2)).toEqual(await orderByUserColumns(org.id, field, direction));
      }
    }
  });

  it('R22 keyset pages by name and email, both directions, are exactly the order of the user\'s columns (ties, case, accents, spaces)', async () => {
    const owner = await createUser(ts.orm, { firstName: 'Owner', lastName: 'Of Sorts' });
    const org = await createOrg(ts, 'Sort Order', owner.id);
    const names: [string, string][] = [['anna', 'Smith'], ['Anna', 'smith'], ['ANNA', 'SMITH'], ['Émile', 'Zola'], ['Emile', 'Zola'], ['', ''], ['Bo', ''], ['', 'Bo'], ['van der', 'Berg'], ['Zoë', 'Ångström'], ['_under', 'score'], ['50%', 'percent']];
    for (const [firstName, lastName] of names) await addMember(ts, org.id, ['viewer'], { userId: (await createUser(ts.orm, { firstName, lastName })).id });
    const token = (await signIn(ts, owner.email)).accessToken;
    for (const field of ['NAME', 'EMAIL'] as const) {
      for (const direction of ['ASC', 'DESC'] as const) {
        const expected = await orderByUserColumns(org.id, field, direction);
        expect(expected).toHaveLength(names.length + 1);
        expect(await walk(org.slug, field, direction, token, 4)).toEqual(expected);
      }
    }
  });
});

describe('members page plans (issue 14)', () => {
  it('R22 the first page and a keyset page by name or email read the (org_id, key, id) index: no sort of the organization, no scan of "user"', async () => {
    const em = emOf(ts.orm);
    const owner = await createUser(ts.orm);
    const org = await createOrg(ts, 'Sort Plans', owner.id);
    // 30,000 accounts, 3,000 of them members, inserted by SQL (the insert trigger fills their keys):
    // enough that reading all accounts costs more than looking up a page's 51, as in production.
    const tag = Math.random().toString(36).slice(2, 8);
    await rows(em, `insert into "user" (id, email, first_name, last_name)
      select gen_random_uuid(), 'plan-' || $1 || '-' || i || '@example.test', 'First' || (i % 97), 'Last' || (i % 89) from generate_series(1, 30000) i`, [tag]);
    await rows(em, `insert into membership (id, org_id, user_id) select gen_random_uuid(), $1, id from "user" where email like $2 and split_part(email, '-', 3) like '%0@%'`, [org.id, `plan-${tag}-%`]);
    await rows(em, 'analyze membership');
    await rows(em, 'analyze "user"');
    expect(await staleKeys()).toBe(0);
    const spec = { list: 'x', sort: 'text', id: 'uuid' } as const;
    const cursorOf = async (order: MemberOrder) => {
      const key = order.field === 'NAME' ? 'sort_name' : 'sort_email';
      const found = await rows<{ k: string; id: string }>(em, `select ${key} as k, id from membership where org_id = $1 order by ${key} ${order.direction}, id ${order.direction} offset 50 limit 1`, [org.id]);
      return [found[0]!.k, found[0]!.id] as [string, string];
    };
    for (const field of ['NAME', 'EMAIL'] as const) {
      const index = field === 'NAME' ? 'membership_org_sort_name_idx' : 'membership_org_sort_email_idx';
      for (const direction of ['ASC', 'DESC'] as const) {
        const order = { field, direction };
        for (const after of [undefined, await cursorOf(order)]) {
          for (const withTotal of [false, true]) {
            const { statement, values } = memberPageStatement(org.id, {}, order, { first: 50, after, spec }, withTotal);
            const plan = (await rows<Record<string, string>>(em, `explain (analyze, costs off, timing off) ${statement.text}`, values)).map((r) => Object.values(r)[0]).join('\n');
            const label = `${field} ${direction} ${after ? 'after a cursor' : 'first page'}${withTotal ? ' + total' : ''}:\n${plan}`;
            expect(plan, label).toMatch(new RegExp(`Index (Only )?Scan (Backward )?using ${index} on membership`));
            expect(plan, label).not.toMatch(/Seq Scan on "?user"?/);
            // The page's members are found in index order: at most page + 1 rows leave that index
            // (the total, when asked, may count the same index: all 3,001 rows).
            const reads = [...plan.matchAll(new RegExp(`Scan (?:Backward )?using ${index} on membership \\w+ \\(actual rows=(\\d+)`, 'g'))].map((m) => Number(m[1]));
            expect(Math.min(...reads), label).toBeLessThanOrEqual(51);
          }
        }
      }
    }
  });
});
