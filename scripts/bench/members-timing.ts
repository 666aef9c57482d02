// One client, no load: how long Gatehouse's own members-page statement (listMembers in
// apps/api/src/modules/memberships/membership.queries.ts) takes on a seeded database, for each order,
// with and without the total, a search, and a keyset page deep in the list. Each case runs `--runs`
// times (the first is cold-ish, the rest warm); milliseconds of the whole call (statement and
// rendering). Prints a table and, with --explain, the plan of each case's statement.
//
// CLI: DATABASE_URL=postgres://.../<seeded database> node scripts/bench/members-timing.ts [--runs 4] [--explain]
//      e.g. after `node scripts/bench/large.ts --name gatehouse_bench_large`.
import { parseArgs } from 'node:util';
import { openDatabase, emOf } from '../../apps/api/src/db/orm.ts';
import { rows } from '../../apps/api/src/db/sql.ts';
import { listMembers, memberPageStatement, type MemberFilter, type MemberOrder } from '../../apps/api/src/modules/memberships/membership.queries.ts';
import type { Cursor, PageRequest } from '../../apps/api/src/graphql/pagination.ts';
import { BIG_SLUG } from './seed.ts';
import { OrganizationView } from '../../apps/api/src/graphql/views.ts';
import { SEARCH } from './workloads.ts';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '4' }, explain: { type: 'boolean', default: false } } });
const url = process.env.DATABASE_URL?.trim();
if (!url) {
  console.error('set DATABASE_URL to a seeded PostgreSQL database');
  process.exit(2);
}
const runs = Math.max(1, Number(flags.runs));
const orm = await openDatabase({ databaseUrl: url, pgliteDir: '', migrate: false });
try {
  const em = emOf(orm);
  const orgRow = (await rows<{ id: string }>(em, 'select * from organization where slug = $1', [BIG_SLUG]))[0]!;
  const org = orgRow.id;
  const members = (await rows<{ n: number }>(em, 'select count(*)::int as n from membership where org_id = $1', [org]))[0]!.n;
  const spec = { list: 'timing', sort: 'text', id: 'uuid' } as const;
  /** The cursor of the member at `offset` in that order (what a client holds after offset / 50 pages). */
  const cursorAt = async (column: string, offset: number): Promise<Cursor> => {
    const found = (await rows<{ k: string; id: string }>(em, `select ${column} as k, id from membership where org_id = $1 order by ${column}, id offset $2 limit 1`, [org, offset]))[0]!;
    return [found.k, found.id];
  };
  const half = Math.floor(members / 2);
  const cases: { title: string; order: MemberOrder; filter: MemberFilter; total: boolean; after?: Cursor }[] = [
    { title: 'page of 50 + total, sorted by name', order: { field: 'NAME', direction: 'ASC' }, filter: {}, total: true },
    { title: 'page of 50, no total, sorted by name', order: { field: 'NAME', direction: 'ASC' }, filter: {}, total: false },
    { title: 'page of 50, no total, by name descending', order: { field: 'NAME', direction: 'DESC' }, filter: {}, total: false },
    { title: `page of 50, no total, by name, after member ${half.toLocaleString('en')}`, order: { field: 'NAME', direction: 'ASC' }, filter: {}, total: false, after: await cursorAt('sort_name', half) },
    { title: 'page of 50 + total, sorted by email', order: { field: 'EMAIL', direction: 'ASC' }, filter: {}, total: true },
    { title: 'page of 50, no total, sorted by email', order: { field: 'EMAIL', direction: 'ASC' }, filter: {}, total: false },
    { title: 'page of 50 + total, sorted by createdAt desc', order: { field: 'CREATED_AT', direction: 'DESC' }, filter: {}, total: true },
    { title: `search "${SEARCH}" + total, by name`, order: { field: 'NAME', direction: 'ASC' }, filter: { search: SEARCH }, total: true },
    { title: 'active members only, page of 50, no total, by name', order: { field: 'NAME', direction: 'ASC' }, filter: { status: 'ACTIVE' }, total: false },
  ];
  // The statement as it was before the sort keys moved to membership (issue 14), for a comparison in
  // the same run: the page sorted through the join with "user".
  const before = (key: string, total: boolean) => `with page as (
       select m.id, m.org_id, m.user_id, m.status, m.added_by_id, m.created_at, ${key} as sort_key
         from membership m join "user" u on u.id = m.user_id
        where m.org_id = $1
        order by ${key} ASC, m.id ASC
        limit $2::int)
     select page.*, to_jsonb(u) as user_row,
            coalesce((select json_agg(to_jsonb(r) order by r.position, r.name)
                        from membership_role mr join role r on r.id = mr.role_id
                       where mr.membership_id = page.id), '[]') as role_rows${total ? ', (select count(*)::int from membership m where m.org_id = $1) as total' : ''}
       from page join "user" u on u.id = page.user_id
      order by page.sort_key ASC, page.id ASC`;
  const NAME_BEFORE = `lower(u.first_name || ' ' || u.last_name || ' ' || u.email)`;
  const oldCases = [
    { title: 'before: page of 50 + total, sorted by name (join with "user", then sort)', text: before(NAME_BEFORE, true) },
    { title: 'before: page of 50, no total, sorted by name', text: before(NAME_BEFORE, false) },
    { title: 'before: page of 50, no total, sorted by email', text: before('u.email', false) },
  ];
  console.log(`members of the ${members.toLocaleString('en')}-member organization "${BIG_SLUG}", one client, ${runs} runs each (ms)`);
  const table: string[] = [];
  for (const c of cases) {
    const page: PageRequest = { first: 50, after: c.after, spec };
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const found = await listMembers(emOf(orm), new OrganizationView(orgRow), c.filter, c.order, page, c.total);
      times.push(Math.round(performance.now() - t));
      if (found.edges.length !== 50) throw new Error(`${c.title}: ${found.edges.length} members on the page`);
    }
    table.push(`| ${c.title} | ${times.join(', ')} |`);
    console.log(`  ${c.title}: ${times.join(', ')}`);
    if (flags.explain) {
      const { statement, values } = memberPageStatement(org, c.filter, c.order, page, c.total);
      const plan = (await rows<Record<string, string>>(em, `explain (analyze, buffers) ${statement.text}`, values)).map((r) => Object.values(r)[0]).join('\n');
      console.log(`\n--- ${c.title}\n${plan}\n`);
    }
  }
  for (const c of oldCases) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const found = await rows(emOf(orm), c.text, [org, 51]);
      times.push(Math.round(performance.now() - t));
      if (found.length !== 51) throw new Error(`${c.title}: ${found.length} rows`);
    }
    table.push(`| ${c.title} | ${times.join(', ')} |`);
    console.log(`  ${c.title}: ${times.join(', ')}`);
    if (flags.explain) {
      const plan = (await rows<Record<string, string>>(em, `explain (analyze, buffers) ${c.text}`, [org, 51])).map((r) => Object.values(r)[0]).join('\n');
      console.log(`\n--- ${c.title}\n${plan}\n`);
    }
  }
  console.log(`\n| members of the ${members.toLocaleString('en')}-member organization, one client | ms |\n|---|---|\n${table.join('\n')}`);
} finally {
  await orm.close();
}
