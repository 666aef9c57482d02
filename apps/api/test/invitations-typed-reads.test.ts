/**
 * Issue 10: accepting an invitation through the typed statements. The paths the other invitation
 * tests do not reach (every role of the invitation deleted: the preset's default role) and the lock
 * order and modes of acceptance: organization, then invitation `for update`, then the account
 * `for no key update` (by address for a new person, by id for one signed in).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createOrg, createUser, signIn, startTestServer, uniqueEmail, type TestServer } from './harness.ts';
import { emOf, observeStatements } from '../src/db/orm.ts';
import { hashToken } from '../src/auth/refresh-token.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

const ACCEPT = `mutation Accept($token: String!, $firstName: String, $lastName: String, $password: String) {
  acceptInvitation(token: $token, firstName: $firstName, lastName: $lastName, password: $password) {
    __typename ... on AcceptInvitationPayload { membership { roles { key } user { email } } } ... on Error { message } } }`;

const PREVIEW = `query Preview($token: String!) { invitationPreview(token: $token) { email status organizationName inviterName accountExists roles { key } } }`;

/** A pending invitation written directly, with no roles (as if every one was deleted), and its token. */
async function rolelessInvitation(orgId: string, email: string, inviterId: string | null): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await emOf(ts.orm).execute(
    `insert into invitation (id, org_id, email, token_hash, status, expires_at, inviter_id) values (?, ?, ?, ?, 'PENDING', now() + interval '1 day', ?)`,
    [crypto.randomUUID(), orgId, email, hashToken(token), inviterId],
  );
  return token;
}

async function observed<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const stop = observeStatements((sql) => statements.push(sql));
  try {
    return { result: await fn(), statements };
  } finally {
    stop();
  }
}

const at = (statements: string[], pattern: RegExp) => statements.findIndex((s) => pattern.test(s));
const ORG_LOCK = /from "organization" .*for update$/;
const INVITATION_LOCK = /from "invitation" where "id" = \$1 for update$/;

describe('accepting through the typed statements (issue 10)', () => {
  it('R8 every role of the invitation deleted: a new person joins with the default role; locks org, invitation, account by address', async () => {
    const org = await createOrg(ts, 'Roleless');
    const owner = await addMember(ts, org.id, ['owner']);
    const email = uniqueEmail('roleless');
    const token = await rolelessInvitation(org.id, email, owner.userId);
    const preview = (await ts.gql(PREVIEW, { token })).data.invitationPreview;
    expect(preview).toMatchObject({ email, status: 'PENDING', organizationName: 'Roleless', inviterName: 'Test User', accountExists: false, roles: [] });

    const { result, statements } = await observed(() => ts.gql(ACCEPT, { token, firstName: 'Rolf', password: 'a-long-enough-passphrase' }));
    expect(result.data.acceptInvitation).toMatchObject({ __typename: 'AcceptInvitationPayload', membership: { roles: [{ key: ts.server.app.preset.defaultRoleKey }], user: { email } } });
    const locks = [at(statements, ORG_LOCK), at(statements, INVITATION_LOCK), at(statements, /from "user" where lower\("email"\) = \$1 for no key update$/)];
    expect(locks.every((i) => i >= 0)).toBe(true);
    expect([...locks].sort((a, b) => a - b)).toEqual(locks);
  });

  it('R8 a signed-in invitee: the account is locked by id, after the org and the invitation', async () => {
    const org = await createOrg(ts, 'Signed');
    const user = await createUser(ts.orm);
    const token = await rolelessInvitation(org.id, user.email, null);
    expect((await ts.gql(PREVIEW, { token })).data.invitationPreview).toMatchObject({ inviterName: null, accountExists: true });
    const { accessToken } = await signIn(ts, user.email);
    const { result, statements } = await observed(() => ts.gql(ACCEPT, { token }, accessToken));
    expect(result.data.acceptInvitation).toMatchObject({ __typename: 'AcceptInvitationPayload', membership: { roles: [{ key: ts.server.app.preset.defaultRoleKey }] } });
    const locks = [at(statements, ORG_LOCK), at(statements, INVITATION_LOCK), at(statements, /from "user" where "id" = \$1 for no key update$/)];
    expect(locks.every((i) => i >= 0)).toBe(true);
    expect([...locks].sort((a, b) => a - b)).toEqual(locks);
  });
});
