/**
 * R21 revocation wins: sign-out everywhere, password change, disable and delete end every session,
 * including one being refreshed at that very moment. Each round starts a session, then fires
 * refreshSession(refreshToken) and the revoking operation at the same time; afterwards no token of
 * that round may work (access tokens: `viewer` is null; refresh tokens: InvalidRefreshTokenError),
 * and no request may answer INTERNAL_SERVER_ERROR (a deadlock between the two transactions).
 *
 * On PostgreSQL the two requests really overlap (200 rounds, several users at once); PGlite has one
 * connection and serializes them, so fewer rounds run there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, gid, PASSWORD, startTestServer, type GqlResult, type TestServer } from '../harness.ts';
import { internalErrors, mintSession, REFRESH, rounds, runInBatches, sql, VIEWER } from './support.ts';

let ts: TestServer;
let adminToken: string;

beforeAll(async () => {
  ts = await startTestServer();
  const admin = await createUser(ts.orm, { platformAdmin: true });
  adminToken = (await mintSession(ts, admin.id)).accessToken;
});
afterAll(async () => ts?.close());

const PARALLEL = 4;
const SIGN_OUT_EVERYWHERE = `mutation { signOutEverywhere { ok } }`;
const CHANGE_PASSWORD = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) {
  __typename ... on AuthPayload { accessToken refreshToken } ... on ValidationError { issues { path message } } } }`;
const SET_STATUS = `mutation($u: ID!, $s: UserStatus!) { setUserStatus(userId: $u, status: $s) { __typename ... on Error { message } } }`;
const DELETE_USER = `mutation($u: ID!) { deleteUser(userId: $u) { __typename ... on Error { message } } }`;

interface Round {
  problems: string[];
}

const wait = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

type Revoke = (user: { id: string; email: string }, session: { accessToken: string; refreshToken: string }) => Promise<GqlResult>;

/**
 * How long the revocation takes alone (median of 3). The refresh is then started at a random moment
 * between just before the revocation and its end, so that over the rounds it lands in every part of
 * the revoking transaction (changePassword spends most of its time hashing before the transaction).
 */
async function calibrate(revoke: Revoke): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const user = await createUser(ts.orm);
    const session = await mintSession(ts, user.id);
    const started = performance.now();
    await revoke({ id: user.id, email: user.email }, session);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[1]!;
}

/**
 * One round: a fresh session, refresh raced against `revoke`, then every token of the round checked.
 * `afterRace` runs before the checks (e.g. re-enable the account, to prove its sessions stayed ended).
 */
async function raceRound(
  round: number,
  revoke: Revoke,
  opts: { revokeMs: number; afterRace?: (userId: string) => Promise<void>; exempt?: (res: GqlResult) => string[] },
): Promise<Round> {
  const user = await createUser(ts.orm);
  const session = await mintSession(ts, user.id);
  // Positive: the refresh starts that many ms after the revocation; negative: before it.
  const offset = Math.random() * (opts.revokeMs + 3) - 3;
  const [refreshed, revoked] = await Promise.all([
    wait(offset).then(() => ts.gql(REFRESH, { t: session.refreshToken })),
    wait(-offset).then(() => revoke({ id: user.id, email: user.email }, session)),
  ]);
  const problems: string[] = [];
  for (const [what, res] of [['refreshSession', refreshed], ['revocation', revoked]] as const) {
    for (const m of internalErrors(res)) problems.push(`round ${round}: ${what} answered INTERNAL_SERVER_ERROR: ${m}`);
  }
  const revokeError = revoked.errors?.[0];
  if (revokeError && revokeError.extensions?.code !== 'INTERNAL_SERVER_ERROR') problems.push(`round ${round}: revocation refused: ${revokeError.message}`);
  if (opts.afterRace) await opts.afterRace(user.id);

  const exempt = new Set(opts.exempt?.(revoked) ?? []);
  const access = [session.accessToken];
  const refresh = [session.refreshToken];
  const payload = (refreshed.data as any)?.refreshSession;
  if (payload?.__typename === 'AuthPayload') {
    access.unshift(payload.accessToken);
    refresh.unshift(payload.refreshToken); // newest first: replaying the old one first would revoke the family and hide a leak
  }
  for (const token of access.filter((t) => !exempt.has(t))) {
    const res = await ts.gql(VIEWER, {}, token);
    for (const m of internalErrors(res)) problems.push(`round ${round}: viewer answered INTERNAL_SERVER_ERROR: ${m}`);
    if (res.data?.viewer) problems.push(`round ${round}: an access token ${token === session.accessToken ? 'issued before' : 'issued by the refresh during'} the revocation still works`);
  }
  for (const token of refresh.filter((t) => !exempt.has(t))) {
    const res = await ts.gql(REFRESH, { t: token });
    for (const m of internalErrors(res)) problems.push(`round ${round}: refreshSession answered INTERNAL_SERVER_ERROR: ${m}`);
    const typename = (res.data as any)?.refreshSession?.__typename;
    if (typename === 'AuthPayload') problems.push(`round ${round}: a refresh token ${token === session.refreshToken ? 'issued before' : 'issued by the refresh during'} the revocation still refreshes`);
  }
  // Whatever answered, the database holds no live session for the user but the exempt one.
  const live = await sql<{ n: number }>(ts, `select count(*)::int as n from session where user_id = ? and revoked_at is null and rotated_at is null`, [user.id]);
  const allowed = exempt.size > 0 ? 1 : 0;
  if (Number(live[0]?.n ?? 0) > allowed) problems.push(`round ${round}: ${live[0]!.n} live session row(s) remain after the revocation`);
  return { problems };
}

async function runRace(name: string, count: number, revoke: Revoke, opts: Omit<Parameters<typeof raceRound>[2], 'revokeMs'> = {}) {
  const revokeMs = await calibrate(revoke);
  const results = await runInBatches(count, PARALLEL, (i) => raceRound(i, revoke, { ...opts, revokeMs }));
  const problems = results.flatMap((r) => r.problems);
  console.log(`[attack/revocation] ${name}: ${count} rounds (revocation alone ~${revokeMs.toFixed(0)} ms), ${problems.length} problems`);
  return problems;
}

describe('R21 revocation cannot be outrun by a refresh', () => {
  it(`R21 signOutEverywhere racing refreshSession ends every session (${rounds(200, 20)} rounds)`, async () => {
    const problems = await runRace('signOutEverywhere', rounds(200, 20), (_user, s) => ts.gql(SIGN_OUT_EVERYWHERE, {}, s.accessToken));
    expect(problems).toEqual([]);
  }, 240_000);

  it(`R21 changePassword racing refreshSession ends every other session (${rounds(200, 20)} rounds)`, async () => {
    let n = 0;
    const problems = await runRace(
      'changePassword',
      rounds(200, 20),
      (_user, s) => ts.gql(CHANGE_PASSWORD, { c: PASSWORD, n: `fresh-passphrase-${++n}-${crypto.randomUUID().slice(0, 8)}` }, s.accessToken),
      {
        // changePassword starts the caller's new session: its own tokens are the only ones allowed to live.
        exempt: (res) => {
          const p = (res.data as any)?.changePassword;
          return p?.__typename === 'AuthPayload' ? [p.accessToken, p.refreshToken] : [];
        },
      },
    );
    expect(problems).toEqual([]);
  }, 240_000);

  it(`R21 disabling the user racing refreshSession ends every session, also after re-enabling (${rounds(100, 20)} rounds)`, async () => {
    const problems = await runRace('setUserStatus DISABLED', rounds(100, 20), (user) => ts.gql(SET_STATUS, { u: gid('User', user.id), s: 'DISABLED' }, adminToken), {
      afterRace: async (userId) => {
        const res = await ts.gql(SET_STATUS, { u: gid('User', userId), s: 'ACTIVE' }, adminToken);
        expect(res.data?.setUserStatus?.__typename, JSON.stringify(res)).toBe('User');
      },
    });
    expect(problems).toEqual([]);
  }, 240_000);

  it(`R21 deleteUser racing refreshSession leaves no session and no 500 (${rounds(100, 20)} rounds)`, async () => {
    const problems = await runRace('deleteUser', rounds(100, 20), (user) => ts.gql(DELETE_USER, { u: gid('User', user.id) }, adminToken));
    expect(problems).toEqual([]);
  }, 240_000);
});
