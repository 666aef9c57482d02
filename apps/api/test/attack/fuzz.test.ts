/**
 * R18 / R22 schema-driven fuzzer. Every Query and Mutation field of apps/api/schema.graphql (read
 * when the suite runs) gets hostile values in every argument and input field, one at a time, sent
 * anonymously, as a platform admin and (a third of the cases) as an org admin, over real HTTP.
 *
 * For every answer: no 5xx, no INTERNAL_SERVER_ERROR, no stack trace or file path, a bounded body
 * that does not echo the hostile value; a refused request stores nothing (row counts of user,
 * organization, membership, invitation, role and audit_event unchanged); the event loop is never
 * blocked for 50 ms or more (measured in-process per value class; a block over the limit is sent again
 * alone three times and counts only if every repeat blocks too, so a one-off GC pause does not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { addMember, createOrg, createUser, gid, PASSWORD, signIn, startTestServer, type TestServer } from '../harness.ts';
import { errorTypeNames, generateCases, literalCases, loadSchema, type Fixtures, type FuzzCase } from './fuzz-cases.ts';
import {
  buildBody,
  countDiff,
  describeResponse,
  LoopMonitor,
  mintSession,
  post,
  responseProblems,
  tableCounts,
  type Counts,
  type RawResponse,
} from './support.ts';

const LOOP_LIMIT_MS = 50;

let ts: TestServer;
let fx: Fixtures;
let cases: FuzzCase[];
let errorTypes: Set<string>;
let generatorProblems: string[] = [];
let admin: { token: string; userId: string; email: string };
let member: { token: string; userId: string; email: string };
let counts: Counts;
let requestsSent = 0;
let casesRun = 0;
let worstLoop = { ms: 0, cls: '' };
let worstWall = { ms: 0, cls: '' };
let worstBetween = { ms: 0, cls: '' };
const BETWEEN = '(between requests: row counts and checks)';
const slowest = { ms: 0, what: '' };
const loopByClass: Record<string, number> = {};

beforeAll(async () => {
  ts = await startTestServer();
  const schema = loadSchema();
  errorTypes = errorTypeNames(schema);

  // Principals: a platform admin, and the admin of the org most plausible values point at.
  const adminUser = await createUser(ts.orm, { platformAdmin: true });
  const org = await createOrg(ts, 'Fuzz Org');
  const memberUser = await addMember(ts, org.id, ['admin']);
  await addMember(ts, org.id, ['owner']);
  const victim = await addMember(ts, org.id, ['viewer']);
  const scratch = await createOrg(ts, 'Fuzz Scratch');
  await addMember(ts, scratch.id, ['owner']);
  const other = await createOrg(ts, 'Fuzz Other');
  await addMember(ts, other.id, ['owner']);
  const adminSession = await signIn(ts, adminUser.email, PASSWORD);
  admin = { token: adminSession.accessToken, userId: adminSession.userId, email: adminUser.email };
  member = { token: (await signIn(ts, memberUser.email)).accessToken, userId: memberUser.userId, email: memberUser.email };

  const orgGid = gid('Organization', org.id);
  const viewerRole = (await emOf(ts.orm).execute<{ id: string }[]>(`select id from role where org_id = ? and key = 'viewer'`, [org.id]))[0]!.id;
  const role = await ts.gql(
    `mutation($i: CreateRoleInput!) { createRole(input: $i) { __typename ... on Role { id } } }`,
    { i: { organizationId: orgGid, name: 'Fuzz custom role', permissions: ['members:read'] } },
    admin.token,
  );
  const invite = await ts.gql(
    `mutation($o: ID!, $r: [ID!]!) { inviteMembers(organizationId: $o, roleIds: $r, emails: ["fuzz.invitee@example.test"]) { __typename ... on InviteMembersPayload { results { invitation { id } } } } }`,
    { o: orgGid, r: [gid('Role', viewerRole)] },
    admin.token,
  );

  // Cursors from real lists, to be sent to other lists and other sort orders.
  const cursors: Record<string, string> = {};
  const grab = async (name: string, query: string, pick: (d: any) => string | null | undefined) => {
    const res = await ts.gql(query, { slug: org.slug }, admin.token);
    const c = res.data ? pick(res.data) : undefined;
    if (c) cursors[name] = c;
  };
  await grab('users', `{ users(first: 1) { pageInfo { endCursor } } }`, (d) => d.users.pageInfo.endCursor);
  await grab('organizations', `{ organizations(first: 1) { pageInfo { endCursor } } }`, (d) => d.organizations.pageInfo.endCursor);
  await grab('members-by-name', `query($slug: String!) { organization(slug: $slug) { members(first: 1, orderBy: { field: NAME, direction: DESC }) { pageInfo { endCursor } } } }`, (d) => d.organization?.members?.pageInfo.endCursor);
  await grab('members-by-email', `query($slug: String!) { organization(slug: $slug) { members(first: 1, orderBy: { field: EMAIL }) { pageInfo { endCursor } } } }`, (d) => d.organization?.members?.pageInfo.endCursor);
  await grab('audit-log', `query($slug: String!) { organization(slug: $slug) { auditLog(first: 1) { pageInfo { endCursor } } } }`, (d) => d.organization?.auditLog?.pageInfo.endCursor);
  await grab('invitations', `query($slug: String!) { organization(slug: $slug) { invitations(first: 1) { pageInfo { endCursor } } } }`, (d) => d.organization?.invitations?.pageInfo.endCursor);
  await grab('dev-outbox', `{ devOutbox(first: 1) { pageInfo { endCursor } } }`, (d) => d.devOutbox.pageInfo.endCursor);

  fx = {
    orgGid,
    orgSlug: org.slug,
    scratchOrgGid: gid('Organization', scratch.id),
    scratchOrgSlug: scratch.slug,
    otherOrgGid: gid('Organization', other.id),
    victimUserGid: victim.gid.user,
    victimMembershipGid: victim.gid.membership,
    viewerRoleGid: gid('Role', viewerRole),
    customRoleGid: role.data?.createRole?.id ?? gid('Role', crypto.randomUUID()),
    invitationGid: invite.data?.inviteMembers?.results?.[0]?.invitation?.id ?? gid('Invitation', crypto.randomUUID()),
    cursors,
  };
  const generated = generateCases(schema, fx);
  cases = [...generated.cases, ...literalCases(schema, fx)];
  generatorProblems = generated.invalidDocuments;
  counts = await tableCounts(ts);
}, 180_000);

afterAll(async () => ts?.close());

/** True when the root field answered with an error (top-level error, null, or a typed error member). */
function refused(res: RawResponse, c: FuzzCase): boolean {
  if (res.status >= 400 || !res.json) return true;
  const value = res.json.data?.[c.rootField];
  if (value && typeof value === 'object' && !errorTypes.has(value.__typename)) return false;
  if (value && typeof value === 'object') return true;
  return Boolean(res.json.errors?.length) || value == null;
}

interface Principal {
  name: string;
  token?: string;
}

async function principalsFor(c: FuzzCase): Promise<Principal[]> {
  const list: Principal[] = [{ name: 'anonymous' }];
  if (c.endsSession) {
    // signOut / signOutEverywhere end the caller's sessions: throwaway accounts, never the principals.
    const a = await createUser(ts.orm, { platformAdmin: true });
    const m = await createUser(ts.orm);
    list.push({ name: 'platform admin (throwaway)', token: (await mintSession(ts, a.id)).accessToken });
    list.push({ name: 'member (throwaway)', token: (await mintSession(ts, m.id)).accessToken });
    counts = await tableCounts(ts);
    return list;
  }
  list.push({ name: 'platform admin', token: admin.token });
  if (c.asMember) list.push({ name: 'org admin', token: member.token });
  return list;
}

const REPEATS = 3;
const transientBlocks: string[] = [];

/** Sends one request REPEATS times alone; the worst loop block of each, in ms. */
async function repeatedBlocks(body: Buffer, token: string | undefined): Promise<number[]> {
  const blocks: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const monitor = new LoopMonitor();
    monitor.label = 'repeat';
    monitor.start();
    await post(ts, body, { token, timeoutMs: 20_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    blocks.push(monitor.stop().busyMs);
  }
  return blocks;
}

/** Runs every case of the classes matching `prefix`; returns the problems found, one line each. */
async function runGroup(prefix: (cls: string) => boolean): Promise<string[]> {
  const mine = cases.filter((c) => prefix(c.cls));
  expect(mine.length).toBeGreaterThan(0);
  const problems = new Map<string, Set<string>>();
  const byClass = new Map<string, FuzzCase[]>();
  for (const c of mine) byClass.set(c.cls, [...(byClass.get(c.cls) ?? []), c]);
  for (const [cls, list] of byClass) {
    const monitor = new LoopMonitor();
    const sentByLabel = new Map<string, { body: Buffer; token?: string }>();
    monitor.start();
    for (const c of list) {
      casesRun += 1;
      const body = buildBody({ query: c.query, variables: c.variables });
      for (const p of await principalsFor(c)) {
        requestsSent += 1;
        monitor.label = `${c.field}(${c.target}) as ${p.name}`;
        sentByLabel.set(monitor.label, { body, token: p.token });
        let res: RawResponse;
        try {
          res = await post(ts, body, { token: p.token, timeoutMs: 20_000 });
        } catch (error) {
          add(problems, `${c.field}(${c.target}) [${cls}] → request failed: ${(error as Error).message}`, p.name);
          continue;
        }
        // From here on the work is the suite's own (checking the answer, counting rows).
        monitor.label = BETWEEN;
        if (res.ms > slowest.ms) Object.assign(slowest, { ms: res.ms, what: `${c.field}(${c.target}) [${cls}]` });
        const found = responseProblems(res, { hostile: c.hostileText });
        const serverErrors: any[] = res.json?.errors ?? [];
        const drift = serverErrors.find((e) => /Cannot query field|Unknown argument|Unknown type/.test(String(e?.message)));
        if (drift) found.push(`the server refuses a document valid against schema.graphql (stale schema?): ${drift.message}`);
        const after = await tableCounts(ts);
        const diff = countDiff(counts, after);
        if (diff.length && refused(res, c)) found.push(`refused, yet rows changed: ${diff.join(', ')}`);
        counts = after;
        for (const f of found) add(problems, `${c.field}(${c.target}) [${cls}] → ${f} — ${describeResponse(res)}`, p.name);
      }
    }
    await new Promise((r) => setTimeout(r, 20));
    const loop = monitor.stop();
    // Blocks that began while a hostile request was in flight; the suite's own bookkeeping between
    // requests (row counts, response checks) is reported in the log but not held against the server.
    const during = monitor.stalls.filter((s) => s.label !== BETWEEN).sort((a, b) => b.busyMs - a.busyMs);
    const busy = during[0]?.busyMs ?? 0;
    if (process.env.FUZZ_DEBUG) console.log(cls, JSON.stringify(during.slice(0, 3)));
    loopByClass[cls] = busy;
    if (busy > worstLoop.ms) worstLoop = { ms: busy, cls };
    if (loop.wallMs > worstWall.ms) worstWall = { ms: loop.wallMs, cls };
    if (loop.busyMs > worstBetween.ms && loop.worst[0]?.label === BETWEEN) worstBetween = { ms: loop.busyMs, cls };
    // A hostile value that blocks the loop does so every time it is sent; a one-off pause (a major
    // GC, the embedded database's own work, a loaded CI machine) does not. So each block over the
    // limit is sent again alone, and counts against the server only when every repeat blocks too.
    const confirmed: string[] = [];
    for (const stall of during.filter((s) => s.busyMs >= LOOP_LIMIT_MS).slice(0, 5)) {
      const sent = sentByLabel.get(stall.label);
      const repeats = sent ? await repeatedBlocks(sent.body, sent.token) : [stall.busyMs];
      const least = Math.min(...repeats);
      if (least >= LOOP_LIMIT_MS) confirmed.push(`${stall.label} ${stall.busyMs.toFixed(0)} ms busy, again ${repeats.map((ms) => ms.toFixed(0)).join(' / ')} ms`);
      else transientBlocks.push(`${cls} ${stall.label} ${stall.busyMs.toFixed(0)} ms once, ${least.toFixed(0)} ms when repeated`);
    }
    counts = await tableCounts(ts);
    if (confirmed.length) {
      add(problems, `[${cls}] event loop blocked ${busy.toFixed(1)} ms (limit ${LOOP_LIMIT_MS} ms) by: ${confirmed.slice(0, 3).join('; ')}`, 'all');
    }
  }
  return [...problems].map(([line, who]) => `${line} (as ${[...who].join(', ')})`);
}

function add(map: Map<string, Set<string>>, line: string, who: string) {
  if (!map.has(line)) map.set(line, new Set());
  map.get(line)!.add(who);
}

const GROUPS: [string, (cls: string) => boolean][] = [
  ['string values (controls, NUL, bidi, lone surrogates, invalid UTF-8, 300 KB / 100 KB, SQL, HTML)', (c) => c.startsWith('string:')],
  ['wrong JSON types (number, object, list, boolean for scalars; 1e400)', (c) => c.startsWith('type:')],
  ['forged global IDs', (c) => c.startsWith('id:')],
  ['forged and foreign cursors', (c) => c.startsWith('cursor:')],
  ['hostile Int values (first: -1, 2147483648, 1e9, fractions)', (c) => c.startsWith('int:')],
  ['hostile enum values', (c) => c.startsWith('enum:')],
  ['garbage DateTime values', (c) => c.startsWith('datetime:')],
  ['hostile lists (10,000 items, nesting, null items)', (c) => c.startsWith('list:')],
  ['hostile input objects (empty, unknown fields, __proto__)', (c) => c.startsWith('object:') || c.startsWith('json:')],
  ['null for required arguments', (c) => c === 'null-for-required'],
  ['hostile literals written into the document', (c) => c.startsWith('literal:')],
  ['operations without arguments', (c) => c === 'no-arguments'],
];

describe('R22 schema-driven fuzzer', () => {
  it('R22 the generator builds a valid document for every field of schema.graphql', () => {
    expect(generatorProblems).toEqual([]);
    expect(cases.length).toBeGreaterThan(1000);
  });

  for (const [name, match] of GROUPS) {
    it(`R22 ${name}: never 5xx, INTERNAL_SERVER_ERROR, stack traces or echoes; refused requests store nothing; event loop < ${LOOP_LIMIT_MS} ms`, async () => {
      const problems = await runGroup(match);
      expect(problems).toEqual([]);
    }, 300_000);
  }

  it('R22 after the fuzz the server is healthy, sessions still work and no prototype was polluted', async () => {
    const health = await fetch(`${ts.url}/healthz`);
    expect(health.status).toBe(200);
    const viewer = await post(ts, JSON.stringify({ query: '{ viewer { id email } }' }), { token: admin.token });
    expect(viewer.json?.data?.viewer?.email).toBe(admin.email);
    const asMember = await post(ts, JSON.stringify({ query: '{ viewer { id email } }' }), { token: member.token });
    expect(asMember.json?.data?.viewer?.email).toBe(member.email);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const classes = Object.entries(loopByClass).sort((a, b) => b[1] - a[1]).slice(0, 5);
    console.log(
      `[attack/fuzz] ${casesRun} hostile cases, ${requestsSent} requests; worst event-loop block ${worstLoop.ms.toFixed(1)} ms busy (${worstLoop.cls}), ` +
        `${worstWall.ms.toFixed(1)} ms wall-clock by monitorEventLoopDelay (${worstWall.cls}); ` +
        `worst block between requests (test bookkeeping) ${worstBetween.ms.toFixed(1)} ms; ` +
        `slowest request ${slowest.ms.toFixed(0)} ms (${slowest.what}); top loop blocks: ${classes.map(([c, ms]) => `${c} ${ms.toFixed(1)} ms`).join(', ')}; ` +
        `blocks over ${LOOP_LIMIT_MS} ms that did not repeat: ${transientBlocks.length ? transientBlocks.join('; ') : 'none'}`,
    );
    expect(requestsSent).toBeGreaterThan(casesRun);
  }, 60_000);
});
