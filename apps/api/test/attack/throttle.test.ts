/**
 * R16 throttling under attack: parallel guesses are throttled exactly like sequential ones, garbage
 * emails still count, nothing answers 500, and throttle keys stay bounded however long the email.
 *
 * The server trusts X-Forwarded-For here (TRUST_PROXY=true), so each test guesses from its own IP and
 * the per-IP budget of one test does not leak into the next.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, SIGN_IN, startTestServer, uniqueEmail, type TestServer } from '../harness.ts';
import { internalErrors, sql } from './support.ts';

/** The free budget per account, read from the source of truth (apps/api/src/auth/throttle.ts). */
function freeBudget(): { account: number; ip: number } {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/auth/throttle.ts');
  const text = fs.readFileSync(file, 'utf8');
  const account = Number(/account:\s*\{\s*free:\s*(\d+)/.exec(text)?.[1] ?? 5);
  const ip = Number(/ip:\s*\{\s*free:\s*(\d+)/.exec(text)?.[1] ?? 20);
  return { account, ip };
}

let ts: TestServer;
let ipCounter = 0;
const freshIp = () => `198.51.100.${++ipCounter}`;

beforeAll(async () => {
  ts = await startTestServer({ TRUST_PROXY: 'true' });
});
afterAll(async () => ts?.close());

async function attempt(email: string, password: string, ip: string) {
  const res = await ts.gql(SIGN_IN, { email, password }, undefined, { 'x-forwarded-for': ip });
  return { typename: (res.data?.signIn?.__typename as string | undefined) ?? `errors: ${res.errors?.map((e) => e.extensions?.code ?? e.message).join(', ')}`, internal: internalErrors(res) };
}

function tally(list: { typename: string }[]) {
  const out: Record<string, number> = {};
  for (const a of list) out[a.typename] = (out[a.typename] ?? 0) + 1;
  return out;
}

describe('R16 sign-in throttling under attack', () => {
  const budget = freeBudget();

  it(`R16 30 sequential wrong passwords for one account: at most ${budget.account} are checked, the rest TooManyAttemptsError`, async () => {
    const user = await createUser(ts.orm);
    const ip = freshIp();
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await attempt(user.email, `wrong-password-${i}`, ip));
    expect(answers.flatMap((a) => a.internal)).toEqual([]);
    const counts = tally(answers);
    expect(counts['InvalidCredentialsError'] ?? 0, JSON.stringify(counts)).toBeLessThanOrEqual(budget.account);
    expect((counts['InvalidCredentialsError'] ?? 0) + (counts['TooManyAttemptsError'] ?? 0), JSON.stringify(counts)).toBe(30);
  }, 120_000);

  it(`R16 30 parallel wrong passwords for one account are throttled exactly like 30 sequential ones (at most ${budget.account} checked)`, async () => {
    const user = await createUser(ts.orm);
    const ip = freshIp();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(user.email, `wrong-password-${i}`, ip)));
    expect(answers.flatMap((a) => a.internal)).toEqual([]);
    const counts = tally(answers);
    expect(counts['InvalidCredentialsError'] ?? 0, `parallel answers: ${JSON.stringify(counts)}`).toBeLessThanOrEqual(budget.account);
    expect((counts['InvalidCredentialsError'] ?? 0) + (counts['TooManyAttemptsError'] ?? 0), JSON.stringify(counts)).toBe(30);
  }, 120_000);

  it('R16 30 parallel wrong passwords spread over 30 IPs are still throttled per account', async () => {
    const user = await createUser(ts.orm);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(user.email, `wrong-password-${i}`, freshIp())));
    expect(answers.flatMap((a) => a.internal)).toEqual([]);
    const counts = tally(answers);
    expect(counts['InvalidCredentialsError'] ?? 0, `parallel answers: ${JSON.stringify(counts)}`).toBeLessThanOrEqual(budget.account);
  }, 120_000);

  it('R16 an over-long (5,000 characters) or malformed email never answers 500 and still counts toward the throttle', async () => {
    const ip = freshIp();
    const garbage = [
      `${'a'.repeat(4990)}@example.test`,
      'not-an-email',
      '@@',
      'a@b',
      ' \t ',
      `victim@example.test${'\u0000'.repeat(3)}`,
      `${'b'.repeat(5000)}`,
    ];
    const answers = [];
    for (let i = 0; i < budget.ip + 5; i++) answers.push(await attempt(garbage[i % garbage.length]!, 'wrong-password-x', ip));
    expect(answers.flatMap((a) => a.internal)).toEqual([]);
    for (const a of answers) expect(['InvalidCredentialsError', 'TooManyAttemptsError', 'ValidationError']).toContain(a.typename);
    // The IP's budget is spent: a real account guessed from the same IP is throttled now.
    const user = await createUser(ts.orm);
    const after = await attempt(user.email, 'wrong-password-y', ip);
    expect(after.typename, `answers before: ${JSON.stringify(tally(answers))}`).toBe('TooManyAttemptsError');
  }, 120_000);

  it('R16 the same over-long email guessed from many IPs is throttled as one account', async () => {
    const email = `${'c'.repeat(4990)}@example.test`;
    const answers = [];
    for (let i = 0; i < budget.account + 3; i++) answers.push(await attempt(email, `wrong-password-${i}`, freshIp()));
    expect(answers.flatMap((a) => a.internal)).toEqual([]);
    // Either refused as invalid input every time (nothing to guess), or throttled like any account.
    const typenames = answers.map((a) => a.typename);
    const allInvalidInput = typenames.every((t) => t === 'ValidationError');
    expect(allInvalidInput || typenames.at(-1) === 'TooManyAttemptsError', JSON.stringify(tally(answers))).toBe(true);
  }, 120_000);

  it('R16 throttle keys are bounded: no key in login_throttle is longer than 128 characters', async () => {
    // Guesses with long addresses (the tests above sent some; send a valid 254-character one too).
    const local = 'd'.repeat(64);
    const longValid = `${local}@${'e'.repeat(63)}.${'f'.repeat(63)}.${'g'.repeat(50)}.test`.slice(0, 254);
    await attempt(longValid, 'wrong-password-z', freshIp());
    await attempt(uniqueEmail('short'), 'wrong-password-z', freshIp());
    const rows = await sql<{ key: string }>(ts, `select key from login_throttle order by length(key) desc limit 3`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.key.length), `longest keys: ${rows.map((r) => `${r.key.slice(0, 40)}… (${r.key.length})`).join(', ')}`).toSatisfy((lengths: number[]) => lengths.every((n) => n <= 128));
  }, 60_000);
});
