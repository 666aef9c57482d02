import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, PASSWORD, SIGN_IN, signIn, startTestServer, uniqueEmail, type TestServer } from './harness.ts';
import { emOf } from '../src/db/orm.ts';
import { User } from '../src/modules/users/user.entity.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

const VIEWER = `{ viewer { id email } }`;
const REFRESH = `mutation R($t: String) { refreshSession(refreshToken: $t) {
  __typename ... on AuthPayload { accessToken refreshToken } ... on Error { message } } }`;

describe('sign-in (R16)', () => {
  it('R16 signs in with the right password and the token identifies the user', async () => {
    const user = await createUser(ts.orm);
    const { accessToken } = await signIn(ts, user.email);
    const res = await ts.gql(VIEWER, {}, accessToken);
    expect(res.data.viewer.email).toBe(user.email);
  });

  it('R16 email is case-insensitive', async () => {
    const user = await createUser(ts.orm, { email: uniqueEmail('Mixed') });
    const { accessToken } = await signIn(ts, user.email.toUpperCase());
    expect((await ts.gql(VIEWER, {}, accessToken)).data.viewer.email).toBe(user.email);
  });

  it('R16 unknown email and wrong password get the identical answer', async () => {
    const user = await createUser(ts.orm);
    const wrong = await ts.gql(SIGN_IN, { email: user.email, password: 'not-the-password-1' });
    const unknown = await ts.gql(SIGN_IN, { email: uniqueEmail('nobody'), password: 'not-the-password-1' });
    expect(wrong.data.signIn).toEqual({ __typename: 'InvalidCredentialsError', message: 'Email or password is incorrect' });
    expect(unknown).toEqual(wrong);
  });

  it('R16 a disabled user cannot sign in and gets the same answer', async () => {
    const user = await createUser(ts.orm);
    const em = emOf(ts.orm);
    await em.nativeUpdate(User, { id: user.id }, { status: 'DISABLED' });
    const res = await ts.gql(SIGN_IN, { email: user.email, password: PASSWORD });
    expect(res.data.signIn.__typename).toBe('InvalidCredentialsError');
  });

  it('R18 empty email and password name their fields', async () => {
    const res = await ts.gql(SIGN_IN, { email: ' ', password: '' });
    expect(res.data.signIn.__typename).toBe('ValidationError');
    expect(res.data.signIn.issues.map((i: { path: string[] }) => i.path.join('.'))).toEqual(['email', 'password']);
  });

  it('R16 throttles an account after repeated failures with a growing delay', async () => {
    const user = await createUser(ts.orm);
    const answers: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await ts.gql(SIGN_IN, { email: user.email, password: `wrong-password-${i}` });
      answers.push(res.data.signIn.__typename);
    }
    expect(answers.slice(0, 5)).toEqual(Array(5).fill('InvalidCredentialsError'));
    expect(answers[6]).toBe('TooManyAttemptsError');
    // Even the right password is refused while locked.
    const locked = await ts.gql(SIGN_IN, { email: user.email, password: PASSWORD });
    expect(locked.data.signIn.__typename).toBe('TooManyAttemptsError');
    expect(locked.data.signIn.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('R16 throttles an unknown email exactly like a known one', async () => {
    const email = uniqueEmail('ghost');
    let last = '';
    for (let i = 0; i < 7; i++) last = (await ts.gql(SIGN_IN, { email, password: `wrong-password-${i}` })).data.signIn.__typename;
    expect(last).toBe('TooManyAttemptsError');
  });

  it('R16 throttles per IP across many accounts', async () => {
    const local = await startTestServer();
    try {
      let last = '';
      for (let i = 0; i < 22; i++) {
        last = (await local.gql(SIGN_IN, { email: uniqueEmail('spray'), password: 'wrong-password-x' })).data.signIn.__typename;
      }
      expect(last).toBe('TooManyAttemptsError');
    } finally {
      await local.close();
    }
  });
});

describe('refresh tokens (R17)', () => {
  it('R17 rotates the refresh token on every use', async () => {
    const user = await createUser(ts.orm);
    const first = await signIn(ts, user.email);
    const res = await ts.gql(REFRESH, { t: first.refreshToken });
    expect(res.data.refreshSession.__typename).toBe('AuthPayload');
    expect(res.data.refreshSession.refreshToken).not.toBe(first.refreshToken);
    const again = await ts.gql(VIEWER, {}, res.data.refreshSession.accessToken);
    expect(again.data.viewer.email).toBe(user.email);
  });

  it('R17 reusing a rotated refresh token revokes the whole family', async () => {
    const user = await createUser(ts.orm);
    const first = await signIn(ts, user.email);
    const second = (await ts.gql(REFRESH, { t: first.refreshToken })).data.refreshSession;
    const replay = await ts.gql(REFRESH, { t: first.refreshToken });
    expect(replay.data.refreshSession.__typename).toBe('InvalidRefreshTokenError');
    // The legitimate newer token is dead too, and so are the family's access tokens.
    expect((await ts.gql(REFRESH, { t: second.refreshToken })).data.refreshSession.__typename).toBe('InvalidRefreshTokenError');
    expect((await ts.gql(VIEWER, {}, second.accessToken)).data.viewer).toBeNull();
  });

  it('R17 an unknown refresh token is refused', async () => {
    const res = await ts.gql(REFRESH, { t: 'bogus' });
    expect(res.data.refreshSession.__typename).toBe('InvalidRefreshTokenError');
  });

  it('R17 sign-out ends this session only', async () => {
    const user = await createUser(ts.orm);
    const a = await signIn(ts, user.email);
    const b = await signIn(ts, user.email);
    const out = await ts.gql(`mutation { signOut { ok } }`, {}, a.accessToken);
    expect(out.data.signOut.ok).toBe(true);
    expect((await ts.gql(VIEWER, {}, a.accessToken)).data.viewer).toBeNull();
    expect((await ts.gql(REFRESH, { t: a.refreshToken })).data.refreshSession.__typename).toBe('InvalidRefreshTokenError');
    expect((await ts.gql(VIEWER, {}, b.accessToken)).data.viewer.email).toBe(user.email);
  });

  it('R17 sign-out everywhere ends every session of the user', async () => {
    const user = await createUser(ts.orm);
    const a = await signIn(ts, user.email);
    const b = await signIn(ts, user.email);
    await ts.gql(`mutation { signOutEverywhere { ok } }`, {}, a.accessToken);
    for (const s of [a, b]) {
      expect((await ts.gql(VIEWER, {}, s.accessToken)).data.viewer).toBeNull();
      expect((await ts.gql(REFRESH, { t: s.refreshToken })).data.refreshSession.__typename).toBe('InvalidRefreshTokenError');
    }
  });

  it('R17 the browser gets the refresh token as an httpOnly SameSite=Strict cookie and refreshes with it', async () => {
    const user = await createUser(ts.orm);
    const res = await fetch(`${ts.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p, refreshTokenDelivery: COOKIE) { ... on AuthPayload { refreshToken } } }`,
        variables: { e: user.email, p: PASSWORD },
      }),
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^gh_refresh=[\w-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect((await res.json()).data.signIn.refreshToken).toBeNull();
    const refreshed = await fetch(`${ts.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookie.split(';')[0]! },
      body: JSON.stringify({ query: `mutation { refreshSession { __typename ... on AuthPayload { accessToken refreshToken } } }` }),
    });
    const body = await refreshed.json();
    expect(body.data.refreshSession.__typename).toBe('AuthPayload');
    expect(body.data.refreshSession.refreshToken).toBeNull();
    expect(refreshed.headers.get('set-cookie')).not.toBe(cookie);
  });
});

describe('passwords (R16, R7)', () => {
  const CHANGE = `mutation C($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) {
    __typename ... on AuthPayload { accessToken user { mustChangePassword } } ... on ValidationError { issues { path message } } } }`;

  it('R7 a user with a temporary password may only change it, sign out and read viewer', async () => {
    const user = await createUser(ts.orm, { mustChangePassword: true });
    const { accessToken } = await signIn(ts, user.email);
    const viewer = await ts.gql(`{ viewer { email mustChangePassword } }`, {}, accessToken);
    expect(viewer.data.viewer).toEqual({ email: user.email, mustChangePassword: true });
    const blocked = await ts.gql(`mutation { signOutEverywhere { ok } }`, {}, accessToken);
    expect(blocked.errors?.[0]?.extensions?.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const changed = await ts.gql(CHANGE, { c: PASSWORD, n: 'a-brand-new-passphrase' }, accessToken);
    expect(changed.data.changePassword.__typename).toBe('AuthPayload');
    expect(changed.data.changePassword.user.mustChangePassword).toBe(false);
    const allowed = await ts.gql(`mutation { signOutEverywhere { ok } }`, {}, changed.data.changePassword.accessToken);
    expect(allowed.data.signOutEverywhere.ok).toBe(true);
  });

  it('R17 changing the password ends the other sessions', async () => {
    const user = await createUser(ts.orm);
    const other = await signIn(ts, user.email);
    const me = await signIn(ts, user.email);
    const changed = await ts.gql(CHANGE, { c: PASSWORD, n: 'another-fine-passphrase' }, me.accessToken);
    expect(changed.data.changePassword.__typename).toBe('AuthPayload');
    expect((await ts.gql(VIEWER, {}, other.accessToken)).data.viewer).toBeNull();
    expect((await ts.gql(VIEWER, {}, changed.data.changePassword.accessToken)).data.viewer.email).toBe(user.email);
    expect((await ts.gql(SIGN_IN, { email: user.email, password: 'another-fine-passphrase' })).data.signIn.__typename).toBe('AuthPayload');
  });

  it.each([
    ['short', 'Use at least 12 characters'],
    ['x'.repeat(257), 'Use at most 256 characters'],
    ['password1234', 'This password is too common; choose another'],
    ['aaaaaaaaaaaaaaaa', 'This password is too common; choose another'],
  ])('R16 refuses the new password %#', async (newPassword, message) => {
    const user = await createUser(ts.orm);
    const { accessToken } = await signIn(ts, user.email);
    const res = await ts.gql(CHANGE, { c: PASSWORD, n: newPassword }, accessToken);
    expect(res.data.changePassword).toEqual({ __typename: 'ValidationError', issues: [{ path: ['newPassword'], message }] });
    expect((await ts.gql(SIGN_IN, { email: user.email, password: PASSWORD })).data.signIn.__typename).toBe('AuthPayload');
  });

  it('R18 a wrong current password names currentPassword and stores nothing', async () => {
    const user = await createUser(ts.orm);
    const { accessToken } = await signIn(ts, user.email);
    const res = await ts.gql(CHANGE, { c: 'wrong-current-pass', n: 'a-brand-new-passphrase' }, accessToken);
    expect(res.data.changePassword.issues[0].path).toEqual(['currentPassword']);
    expect((await ts.gql(SIGN_IN, { email: user.email, password: PASSWORD })).data.signIn.__typename).toBe('AuthPayload');
  });

  it('R16 stores passwords with argon2id at 19 MiB, t=2, p=1', async () => {
    const user = await createUser(ts.orm);
    const row = await emOf(ts.orm).execute<{ password_hash: string }[]>(`select password_hash from "user" where id = ?`, [user.id]);
    expect(row[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});

describe('immediate effect (R2, R10)', () => {
  it('R10 a disabled user\'s access token is refused on the next request', async () => {
    const user = await createUser(ts.orm);
    const { accessToken } = await signIn(ts, user.email);
    expect((await ts.gql(VIEWER, {}, accessToken)).data.viewer.email).toBe(user.email);
    await emOf(ts.orm).nativeUpdate(User, { id: user.id }, { status: 'DISABLED' });
    expect((await ts.gql(VIEWER, {}, accessToken)).data.viewer).toBeNull();
    const res = await ts.gql(`mutation { signOutEverywhere { ok } }`, {}, accessToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
