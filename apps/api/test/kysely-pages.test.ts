/**
 * Issue 10 ("one data layer"): the keyset pages and counts are built with the typed Kysely builder
 * over the types MikroORM infers from the entities (db/kysely.ts), and still run as named statements
 * with bound values through the ORM's client, its transaction and its exception translation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverException } from '@mikro-orm/core';
import { emOf } from '../src/db/orm.ts';
import { preparedNameOf, rows } from '../src/db/sql.ts';
import { builder, kyselyOf, prepared, ShapeCache, type DB } from '../src/db/kysely.ts';
import { listMembers, memberPageStatement, type MemberOrder } from '../src/modules/memberships/membership.queries.ts';
import { OrganizationView } from '../src/graphql/views.ts';
import { addMember, createOrg, createUser, onPostgres, type TestServer, startTestServer } from './harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

// Compile-time checks (tsc runs over the tests): the table and column names and types come from the
// defineEntity schemas: a relation's fieldName (org_id), snake_cased properties (first_name), the pivot table.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typed: [
  Same<keyof DB['membership'], 'id' | 'org_id' | 'user_id' | 'status' | 'added_by_id' | 'created_at' | 'sort_name' | 'sort_email'>,
  Same<DB['user']['email_verified_at'], Date | null>,
  Same<DB['membership']['org_id'], string>,
  Same<keyof DB['membership_role'], 'membership_id' | 'role_id'>,
  Same<DB['audit_event']['target_id'], string | null>,
] = [true, true, true, true, true];

const spec = { list: 'x', sort: 'text', id: 'uuid' } as const;
const byName: MemberOrder = { field: 'NAME', direction: 'ASC' };

describe('typed keyset pages (issue 10)', () => {
  it('R22 the database type is inferred from the entities and compiles to their tables and columns', () => {
    expect(typed).toEqual([true, true, true, true, true]);
    const { sql } = builder.selectFrom('user as u').innerJoin('membership as m', 'm.user_id', 'u.id').select(['u.first_name', 'm.org_id']).compile();
    expect(sql).toBe('select "u"."first_name", "m"."org_id" from "user" as "u" inner join "membership" as "m" on "m"."user_id" = "u"."id"');
  });

  it('R22 a members page is one named statement per shape: the same text whatever its values, which travel as parameters', () => {
    const [orgA, orgB] = [crypto.randomUUID(), crypto.randomUUID()];
    const a = memberPageStatement(orgA, { search: 'zebra-search' }, byName, { first: 10, after: ['anna', crypto.randomUUID()], spec }, true);
    const b = memberPageStatement(orgB, { search: 'other' }, byName, { first: 50, after: ['zed', crypto.randomUUID()], spec }, true);
    expect(b.statement).toEqual(a.statement);
    expect(preparedNameOf(a.statement.text)).toBe(`gh_${a.statement.name}`);
    expect(a.statement.text).not.toContain(orgA);
    expect(a.statement.text).not.toContain('zebra');
    expect(a.values).toContain(orgA);
    expect(a.values).toContain('%zebra-search%');
    // Another shape (no total, no cursor) is another statement.
    expect(memberPageStatement(orgA, {}, byName, { first: 10, after: undefined, spec }).statement.name).not.toBe(a.statement.name);
  });

  it('R22 a cached shape binds each call\'s values in the order a fresh build would', () => {
    const build = (shape: { status: boolean }, v: { org: string; status: string; limit: number }) =>
      builder
        .selectFrom('membership')
        .select('id')
        .where('org_id', '=', v.org)
        .$if(shape.status, (qb) => qb.where('status', '=', v.status as 'ACTIVE'))
        .limit(v.limit);
    const cache = new ShapeCache(build);
    for (const values of [{ org: 'o1', status: 'ACTIVE', limit: 3 }, { org: 'o2', status: 'DISABLED', limit: 7 }]) {
      for (const status of [true, false]) {
        const fresh = prepared(build({ status }, values));
        const cached = cache.prepared({ status }, values);
        expect(cached.statement).toEqual(fresh.statement);
        expect(cached.values).toEqual(fresh.values);
      }
    }
    // A value written into the statement instead of a slot would be frozen into the cache: refused.
    const frozen = new ShapeCache((_: object, v: { org: string }) => builder.selectFrom('membership').select('id').where('org_id', '=', v.org).where('status', '=', 'ACTIVE'));
    expect(() => frozen.prepared({}, { org: 'o1' })).toThrow(/not a slot/);
  });

  it('R22 a page runs inside the ORM\'s transaction (it sees that transaction\'s writes) and its errors are the ORM\'s exceptions', async () => {
    const owner = await createUser(ts.orm);
    const org = await createOrg(ts, 'Kysely Pages', owner.id);
    const member = await addMember(ts, org.id, ['member']);
    const view = new OrganizationView({ id: org.id, slug: org.slug, name: org.name, status: org.status, created_at: org.createdAt });
    const tag = `quetzal${Math.random().toString(36).slice(2, 8)}`;
    const rollback = new Error('rollback');
    await expect(
      emOf(ts.orm).transactional(async (em) => {
        await rows(em, `update "user" set first_name = $1 where id = $2`, [tag, member.userId]);
        const page = await listMembers(em, view, { search: tag }, byName, { first: 10, after: undefined, spec }, true);
        expect(page.edges.map((e) => e.node.user.id)).toEqual([member.userId]);
        expect(page.total).toBe(1);
        // The typed client of an EntityManager is the transaction's too.
        const mine = await kyselyOf(em).selectFrom('user').select('first_name').where('id', '=', member.userId).executeTakeFirst();
        expect(mine?.first_name).toBe(tag);
        if (onPostgres) {
          // Same connection as the page (the transaction's): the page's statement is prepared there by name.
          const { statement } = memberPageStatement(org.id, { search: tag }, byName, { first: 10, after: undefined, spec }, true);
          const names = await rows<{ name: string }>(em, `select name from pg_prepared_statements`);
          expect(names.map((n) => n.name)).toContain(`gh_${statement.name}`);
        }
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    // Outside it, the rename is gone.
    const after = await listMembers(emOf(ts.orm), view, { search: tag }, byName, { first: 10, after: undefined, spec }, true);
    expect(after.edges).toEqual([]);
    expect(after.total).toBe(0);
    // A cursor that slipped past the checks fails in PostgreSQL and comes back as a MikroORM exception.
    await expect(listMembers(emOf(ts.orm), view, {}, byName, { first: 10, after: ['a', 'not-a-uuid'], spec })).rejects.toBeInstanceOf(DriverException);
  });

  it('R22 the search is the trigram index\'s own expression: the plan can read user_search_trgm_idx', async () => {
    const em = emOf(ts.orm);
    const { statement, values } = memberPageStatement(crypto.randomUUID(), { search: 'needle' }, byName, { first: 10, after: undefined, spec }, true);
    const plan = await em.transactional(async (tx) => {
      // An empty organization would be read from membership's side; forbid the other ways to "user"
      // (scans, per-row lookups): the trigram index is then read if and only if the expressions match.
      for (const setting of ['enable_seqscan', 'enable_indexscan', 'enable_nestloop']) await rows(tx, `set local ${setting} = off`);
      return (await rows<Record<string, string>>(tx, `explain (costs off) ${statement.text}`, values)).map((r) => Object.values(r)[0]).join('\n');
    });
    expect(plan).toMatch(/Bitmap Index Scan on user_search_trgm_idx/);
  });
});
