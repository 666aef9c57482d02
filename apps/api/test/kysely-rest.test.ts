/**
 * Issue 10 ("one data layer"), the remaining pages: the platform admin's organization and account
 * lists and the development outbox are keyset pages built with the typed builder (db/kysely.ts).
 * They page by their order without gaps or repeats, filter as before, and send their values as
 * bound parameters of named statements, never in the text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf, observeStatements } from '../src/db/orm.ts';
import { exec, preparedNameOf } from '../src/db/sql.ts';
import { createOrg, createUser, signIn, startTestServer, type TestServer } from './harness.ts';

let ts: TestServer;
let admin: string;
const tag = `kyr${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  ts = await startTestServer();
  const user = await createUser(ts.orm, { platformAdmin: true });
  admin = (await signIn(ts, user.email)).accessToken;
});
afterAll(async () => ts?.close());

type Connection = { edges: { cursor: string; node: Record<string, string> }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

/** Every page of a connection, `first` at a time; also the statement texts sent meanwhile. */
async function allPages(field: string, query: string, variables: Record<string, unknown>): Promise<{ pages: Connection[]; texts: string[] }> {
  const pages: Connection[] = [];
  const texts: string[] = [];
  const stop = observeStatements((sql) => texts.push(sql));
  try {
    let after: string | null = null;
    do {
      const res = await ts.gql(query, { ...variables, after }, admin);
      expect(res.errors).toBeUndefined();
      const page = res.data[field] as Connection;
      pages.push(page);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after !== null && pages.length < 10);
  } finally {
    stop();
  }
  return { pages, texts };
}

/** The page statements (found by a part of their text): named (prepared once per connection), no value of the test in their text. */
function expectBound(texts: string[], marker: string): void {
  const reads = texts.filter((t) => t.includes(marker));
  expect(reads.length).toBeGreaterThan(0);
  for (const text of reads) {
    expect(text).not.toContain(tag);
    expect(preparedNameOf(text)).toBeDefined();
  }
}

describe('typed keyset pages: admin lists and the outbox (issue 10)', () => {
  it('R15 organizations page by lower(name), id; a search matches the name or the slug', async () => {
    for (const name of ['Charlie', 'alpha', 'Bravo']) await createOrg(ts, `${name} ${tag}`);
    const query = `query($s: String, $after: String) { organizations(first: 2, search: $s, after: $after) { edges { cursor node { name slug } } pageInfo { hasNextPage endCursor } } }`;
    const { pages, texts } = await allPages('organizations', query, { s: tag.toUpperCase() });
    expect(pages.map((p) => p.edges.map((e) => e.node.name))).toEqual([[`alpha ${tag}`, `Bravo ${tag}`], [`Charlie ${tag}`]]);
    expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([true, false]);
    expectBound(texts, 'order by lower("name"), "id"');
    // The slug alone matches too (the name does not contain it).
    const slug = pages[0]!.edges[0]!.node.slug;
    const bySlug = await ts.gql(`query($s: String) { organizations(first: 5, search: $s) { edges { node { slug } } } }`, { s: slug }, admin);
    expect(bySlug.data.organizations.edges.map((e: { node: { slug: string } }) => e.node.slug)).toEqual([slug]);
  });

  it('R15 accounts page by email, id; a search matches first name, last name and email', async () => {
    await createUser(ts.orm, { email: `c-${tag}@example.test` });
    await createUser(ts.orm, { email: `a-${tag}@example.test` });
    await createUser(ts.orm, { email: 'b-plain@example.test', firstName: `Named${tag}` });
    const query = `query($s: String, $after: String) { users(first: 2, search: $s, after: $after) { edges { cursor node { email } } pageInfo { hasNextPage endCursor } } }`;
    const { pages, texts } = await allPages('users', query, { s: tag });
    expect(pages.map((p) => p.edges.map((e) => e.node.email))).toEqual([[`a-${tag}@example.test`, 'b-plain@example.test'], [`c-${tag}@example.test`]]);
    expectBound(texts, 'from "user" where');
  });

  it('R8 the development outbox pages newest first by (created_at, id), filtered by address', async () => {
    const to = `outbox-${tag}@example.test`;
    const em = emOf(ts.orm);
    // Two mails in the same microsecond: the id breaks the tie, and a page boundary between them loses neither.
    const at = ['2026-01-01T00:00:00.000001Z', '2026-01-02T00:00:00.000001Z', '2026-01-02T00:00:00.000001Z', '2026-01-03T00:00:00Z'];
    const ids = at.map(() => crypto.randomUUID());
    for (const [i, created] of at.entries()) {
      await exec(em, `insert into mail_outbox (id, to_address, subject, text_body, html_body, created_at) values ($1, $2, $3, '', '', $4)`, [ids[i], i === 0 ? to.toUpperCase() : to, `m${i}`, created]);
    }
    await exec(em, `insert into mail_outbox (id, to_address, subject, text_body, html_body) values ($1, 'someone-else@example.test', 'other', '', '')`, [crypto.randomUUID()]);
    const query = `query($to: String, $after: String) { devOutbox(first: 2, to: $to, after: $after) { edges { cursor node { subject } } pageInfo { hasNextPage endCursor } } }`;
    const { pages, texts } = await allPages('devOutbox', query, { to: ` ${to.toUpperCase()} ` });
    const tied = ids[1]! > ids[2]! ? ['m1', 'm2'] : ['m2', 'm1'];
    expect(pages.map((p) => p.edges.map((e) => e.node.subject))).toEqual([['m3', tied[0]], [tied[1], 'm0']]);
    expectBound(texts, 'from "mail_outbox"');
  });
});
