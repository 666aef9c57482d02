/**
 * R22 body size: an oversized request is refused before it is parsed or reaches a resolver (413 for
 * the body, or a typed refusal for a too-long field), fast, without a 5xx, and the server is fine after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { createUser, signIn, startTestServer, type TestServer } from '../harness.ts';
import { describeResponse, measureSteadyLoop, post, responseProblems, WorkerClient, type RawResponse } from './support.ts';

const FIVE_MB = 5 * 1024 * 1024;
const FAST_MS = 1000;
const LOOP_MS = 50;

let ts: TestServer;
let adminToken: string;
// Requests go out from a worker thread: only the server's work is measured on this event loop.
let client: WorkerClient;
beforeAll(async () => {
  ts = await startTestServer();
  client = new WorkerClient();
  const admin = await createUser(ts.orm, { platformAdmin: true });
  adminToken = (await signIn(ts, admin.email)).accessToken;
});
afterAll(async () => {
  await client?.close();
  await ts?.close();
});

/** A refusal must be readable: a connection reset while the client is still sending is no answer. */
async function timed(fn: () => Promise<RawResponse>) {
  const { result, maxBlockMs } = await measureSteadyLoop(() => {
    const started = performance.now();
    return fn().catch((error: Error): RawResponse => ({ status: 0, headers: new Headers(), text: error.message, json: undefined, ms: performance.now() - started }));
  }, LOOP_MS);
  return { res: result, loopMs: maxBlockMs };
}

/** Refused: 413, another 4xx, a GraphQL error, or a typed error member (ValidationError …). */
function refusal(res: RawResponse, field?: string): boolean {
  if (res.status >= 400 && res.status < 500) return true;
  if (Array.isArray(res.json?.errors) && res.json.errors.length) return true;
  const value = field ? res.json?.data?.[field] : undefined;
  return Boolean(value && typeof value === 'object' && /Error$/.test(value.__typename ?? ''));
}

function problemsOf(what: string, shot: { res: RawResponse; loopMs: number }, field?: string): string[] {
  if (shot.res.status === 0) return [`${what}: no HTTP answer, the connection was cut while the body was being sent (${shot.res.text.slice(0, 120)})`];
  const out = responseProblems(shot.res, { maxBody: 16 * 1024 }).map((p) => `${what}: ${p}`);
  if (!refusal(shot.res, field)) out.push(`${what}: not refused (${describeResponse(shot.res)})`);
  if (shot.res.ms >= FAST_MS) out.push(`${what}: took ${shot.res.ms.toFixed(0)} ms (limit ${FAST_MS} ms)`);
  if (shot.loopMs >= LOOP_MS) out.push(`${what}: blocked the event loop ${shot.loopMs.toFixed(0)} ms (limit ${LOOP_MS} ms)`);
  return out;
}

async function serverIsFine() {
  expect((await fetch(`${ts.url}/healthz`)).status).toBe(200);
  const res = await ts.gql(`{ viewer { id } }`, {}, adminToken);
  expect(res.data?.viewer?.id).toBeTruthy();
}

describe('R22 request body size', () => {
  it('R22 a 5 MB JSON body answers 413, fast, and the server is fine after', async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { padding: 'p'.repeat(FIVE_MB) } });
    const bytes = Buffer.from(body);
    const shot = await timed(() => client.post(ts, bytes));
    const problems = problemsOf('5 MB JSON body', shot);
    expect(problems).toEqual([]);
    expect(shot.res.status).toBe(413);
    await serverIsFine();
  }, 60_000);

  it('R22 a 5 MB body streamed without content-length answers 413 too', async () => {
    const chunk = Buffer.from('p'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Buffer.from('{"query":"{ __typename }","variables":{"padding":"'));
      },
      pull(controller) {
        if (sent >= FIVE_MB) {
          controller.enqueue(Buffer.from('"}}'));
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const started = performance.now();
    let status = 0;
    let text = '';
    try {
      const res = await fetch(`${ts.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
        signal: AbortSignal.timeout(30_000),
      } as RequestInit);
      status = res.status;
      text = await res.text();
    } catch (error) {
      // The server may cut the connection after answering 413 while the client is still sending.
      text = String((error as Error).cause ?? error);
    }
    const ms = performance.now() - started;
    expect({ status, tookUnder2s: ms < 2000 }, `answer: ${text.slice(0, 200)}`).toEqual({ status: 413, tookUnder2s: true });
    await serverIsFine();
  }, 60_000);

  it('R22 a 5 MB email in signIn is refused fast, never 500, and hashes nothing', async () => {
    const query = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename ... on ValidationError { issues { path } } } }`;
    const body = Buffer.from(JSON.stringify({ query, variables: { e: `${'a'.repeat(FIVE_MB)}@example.test`, p: 'not-the-password-1' } }));
    const shot = await timed(() => client.post(ts, body));
    expect(problemsOf('signIn with a 5 MB email', shot, 'signIn')).toEqual([]);
    // Nothing keyed by the 5 MB address was written.
    const longest = await emOf(ts.orm).execute<{ n: number | null }[]>(`select max(length(key))::int as n from login_throttle`);
    expect(Number(longest[0]?.n ?? 0)).toBeLessThan(300);
    await serverIsFine();
  }, 60_000);

  it('R22 a 5 MB slug, search or email variable is refused fast, never 500', async () => {
    const big = 's'.repeat(FIVE_MB);
    const attempts: [string, string, Record<string, unknown>, string][] = [
      ['organization(slug) with a 5 MB slug', `query($s: String!) { organization(slug: $s) { id } }`, { s: big }, 'organization'],
      ['users(search) with a 5 MB search', `query($s: String) { users(first: 5, search: $s) { edges { cursor } } }`, { s: big }, 'users'],
      ['organizations(search) with a 5 MB search', `query($s: String) { organizations(first: 5, search: $s) { edges { cursor } } }`, { s: big }, 'organizations'],
      [
        'createOrganization with a 5 MB slug',
        `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename } }`,
        { i: { name: 'Big slug', slug: big } },
        'createOrganization',
      ],
    ];
    const problems: string[] = [];
    for (const [what, query, variables, field] of attempts) {
      // The body is built before the measurement starts: only the server's work is measured.
      const body = Buffer.from(JSON.stringify({ query, variables }));
      const shot = await timed(() => client.post(ts, body, { token: adminToken }));
      problems.push(...problemsOf(what, shot, field));
    }
    expect(problems).toEqual([]);
    const stored = await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from organization where length(slug) > 1000`);
    expect(Number(stored[0]!.n)).toBe(0);
    await serverIsFine();
  }, 120_000);

  it('R22 many small requests with large bodies in parallel do not take the server down', async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { padding: 'p'.repeat(FIVE_MB) } });
    const results = await Promise.all(Array.from({ length: 8 }, () => post(ts, body).catch((e: Error) => ({ status: 0, text: e.message }) as RawResponse)));
    for (const r of results) expect(r.status, r.text?.slice(0, 100)).toBeLessThan(500);
    await serverIsFine();
  }, 60_000);
});
