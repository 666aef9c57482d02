/**
 * R22 query cost: abusive documents are refused in milliseconds, before they cost anything, and never
 * block the event loop. All sent anonymously.
 *
 * Exponential documents (a fragment chain where each fragment spreads the previous twice, fields
 * repeated thousands of times) are sent at growing sizes and the escalation stops at the first size
 * that takes too long: the server runs in this process, so a document that blocks it for hours would
 * block the suite too. The assertion is on the largest size all the same: a stop is a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.ts';
import { describeResponse, measureSteadyLoop, responseProblems, WorkerClient, type RawResponse } from './support.ts';

const FAST_MS = 500;
const LOOP_MS = 50;

let ts: TestServer;
let client: WorkerClient;
beforeAll(async () => {
  ts = await startTestServer();
  client = new WorkerClient();
});
afterAll(async () => {
  await client?.close();
  await ts?.close();
});

interface Shot {
  res: RawResponse;
  ms: number;
  loopMs: number;
}

async function shoot(query: string, variables?: Record<string, unknown> | string): Promise<Shot> {
  // A nonce comment defeats yoga's per-document parse/validate cache between runs. Variables may come
  // as JSON text already (JSON.stringify itself overflows the stack on very deep values).
  // Each attempt gets its own nonce, so a repeat (see measureSteadyLoop) is not answered from the cache.
  const vars = variables === undefined ? '' : `,"variables":${typeof variables === 'string' ? variables : JSON.stringify(variables)}`;
  const body = () => Buffer.from(`{"query":${JSON.stringify(`# ${crypto.randomUUID()}\n${query}`)}${vars}}`);
  const { result, maxBlockMs } = await measureSteadyLoop(() => client.post(ts, body(), { timeoutMs: 60_000 }), LOOP_MS);
  return { res: result, ms: result.ms, loopMs: maxBlockMs };
}

function refused(res: RawResponse): boolean {
  return (res.status >= 400 && res.status < 500) || (Array.isArray(res.json?.errors) && res.json.errors.length > 0);
}

/** What must hold for an abusive document: refused, fast, no 5xx, loop not blocked. */
function abuseProblems(shot: Shot, what: string): string[] {
  const problems = responseProblems(shot.res).map((p) => `${what}: ${p}`);
  if (!refused(shot.res)) problems.push(`${what}: was executed, not refused (${describeResponse(shot.res)})`);
  if (shot.ms >= FAST_MS) problems.push(`${what}: took ${shot.ms.toFixed(0)} ms (limit ${FAST_MS} ms)`);
  if (shot.loopMs >= LOOP_MS) problems.push(`${what}: blocked the event loop ${shot.loopMs.toFixed(0)} ms (limit ${LOOP_MS} ms)`);
  return problems;
}

/**
 * Sends build(size) for each size in turn; stops at the first size whose answer is slow. Sizes below
 * `refuseFrom` may be answered (small documents are legitimate) but must be fast.
 */
async function escalate(sizes: number[], refuseFrom: number, build: (size: number) => string, label: (size: number) => string): Promise<string[]> {
  const problems: string[] = [];
  for (const size of sizes) {
    const shot = await shoot(build(size));
    const what = label(size);
    const found = size >= refuseFrom ? abuseProblems(shot, what) : [
      ...responseProblems(shot.res).map((p) => `${what}: ${p}`),
      ...(shot.ms >= FAST_MS ? [`${what}: took ${shot.ms.toFixed(0)} ms (limit ${FAST_MS} ms)`] : []),
      ...(shot.loopMs >= LOOP_MS ? [`${what}: blocked the event loop ${shot.loopMs.toFixed(0)} ms (limit ${LOOP_MS} ms)`] : []),
    ];
    problems.push(...found);
    if (shot.ms >= FAST_MS) {
      problems.push(`stopped escalating at ${what}: larger sizes (up to ${label(sizes.at(-1)!)}) were not sent, since each step costs more`);
      break;
    }
  }
  return problems;
}

export function fragmentChain(levels: number): string {
  const defs = ['fragment F0 on Query { __typename }'];
  for (let i = 1; i <= levels; i++) defs.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
  return `query Chain { ...F${levels} }\n${defs.join('\n')}`;
}

describe('R22 query cost', () => {
  it('R22 a fragment chain spreading the previous fragment twice (30 levels, ~1 KB) is refused in milliseconds', async () => {
    expect(fragmentChain(30).length).toBeLessThan(1500);
    const problems = await escalate([6, 10, 14, 18, 22, 26, 30], 30, fragmentChain, (n) => `fragment chain of ${n} levels (2^${n} expansions)`);
    expect(problems).toEqual([]);
  }, 300_000);

  it('R22 a fragment chain through object fields (viewer → memberships, 30 levels) is refused in milliseconds', async () => {
    const build = (levels: number) => {
      const defs = ['fragment G0 on User { id }'];
      for (let i = 1; i <= levels; i++) defs.push(`fragment G${i} on User { ...G${i - 1} memberships { user { ...G${i - 1} } } }`);
      return `query { viewer { ...G${levels} } }\n${defs.join('\n')}`;
    };
    const problems = await escalate([4, 8, 12, 16, 20, 24, 30], 8, build, (n) => `nested fragment chain of ${n} levels`);
    expect(problems).toEqual([]);
  }, 300_000);

  it('R22 deep nesting (60 levels of real fields, 5,000 levels of braces) is refused fast', async () => {
    let deep = 'id';
    for (let i = 0; i < 20; i++) deep = `memberships { organization { viewerMembership { user { ${deep} } } } }`;
    const problems = abuseProblems(await shoot(`{ viewer { ${deep} } }`), 'real fields nested 80 deep');
    const braces = `{ ${'a { '.repeat(5000)}b${' }'.repeat(5000)} }`;
    problems.push(...abuseProblems(await shoot(braces), 'selection sets nested 5,000 deep'));
    const lists = `query($v: [[[[String]]]]) { __typename }`;
    const shot = await shoot(lists, `{"v":${'['.repeat(5000)}"x"${']'.repeat(5000)}}`);
    problems.push(...responseProblems(shot.res).map((p) => `variable nested 5,000 lists deep: ${p}`));
    if (shot.ms >= FAST_MS) problems.push(`variable nested 5,000 lists deep: took ${shot.ms.toFixed(0)} ms`);
    expect(problems).toEqual([]);
  }, 120_000);

  it('R22 1,000 aliases are refused fast', async () => {
    const cheap = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const costly = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: preset { roles { permissions } }`).join(' ')} }`;
    const problems = [...abuseProblems(await shoot(cheap), '1,000 aliases of __typename'), ...abuseProblems(await shoot(costly), '1,000 aliases of preset.roles')];
    expect(problems).toEqual([]);
  }, 120_000);

  it('R22 10,000 directives are refused fast, with a bounded answer', async () => {
    const query = `{ __typename ${'@include(if: true) '.repeat(10_000)}}`;
    const unknown = `{ __typename ${'@a '.repeat(10_000)}}`;
    const problems = [...abuseProblems(await shoot(query), '10,000 @include directives on one field'), ...abuseProblems(await shoot(unknown), '10,000 unknown directives')];
    expect(problems).toEqual([]);
  }, 120_000);

  it('R22 a 200 KB document of tokens is refused fast', async () => {
    const names = `{ __typename ${'a '.repeat(100_000)}}`;
    const punctuation = `{ __typename ${'! '.repeat(100_000)}}`;
    const problems = [...abuseProblems(await shoot(names), '200 KB of name tokens'), ...abuseProblems(await shoot(punctuation), '200 KB of punctuation tokens')];
    // The same field thousands of times: field merging is quadratic in graphql-js unless bounded first.
    problems.push(...(await escalate([1000, 5000, 20_000], 5000, (n) => `{ ${'__typename '.repeat(n)}}`, (n) => `__typename repeated ${n} times (${Math.round((n * 11) / 1024)} KB)`)));
    problems.push(...(await escalate([1000, 5000, 20_000], 5000, (n) => `{ viewer { ${'email '.repeat(n)}} }`, (n) => `viewer.email repeated ${n} times`)));
    expect(problems).toEqual([]);
  }, 300_000);

  it('R22 after the abusive documents the server answers normally', async () => {
    expect((await fetch(`${ts.url}/healthz`)).status).toBe(200);
    const res = await ts.gql(`{ preset { key } }`);
    expect(res.data?.preset?.key).toBe('gatehouse');
  });
});
