import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { addMember, createOrg, createUser, PASSWORD, roleGid, signIn, startTestServer, uniqueEmail, type TestServer } from './harness.ts';

/** R20: an email counts only once its holder proved it; changing one's email needs the password and a link from the new address. */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(() => ts.close());

const REQUEST = `mutation R($p: String!, $e: String!) { requestEmailChange(currentPassword: $p, newEmail: $e) {
  __typename ... on User { email emailVerified pendingEmail } ... on ValidationError { issues { path message } } ... on Error { message } } }`;
const CONFIRM = `mutation C($t: String!) { confirmEmail(token: $t) { __typename ... on User { email emailVerified pendingEmail } ... on Error { message } } }`;
const VIEWER = `{ viewer { email emailVerified pendingEmail } }`;
const PROVISION = `mutation P($org: ID!, $email: String!, $roles: [ID!]!) { provisionMembers(organizationId: $org, members: [{ email: $email, roleIds: $roles }]) {
  __typename ... on ValidationError { issues { path message } } ... on ProvisionMembersPayload { results { status } } } }`;

/** The newest mail to an address in the development outbox, and the token after `#token=` in its link. */
async function lastMail(to: string): Promise<{ subject: string; text: string; token: string | null }> {
  const rows = await emOf(ts.orm).execute<{ subject: string; text_body: string }[]>(
    `select subject, text_body from mail_outbox where to_address = ? order by created_at desc limit 1`,
    [to],
  );
  const row = rows[0];
  if (!row) throw new Error(`no mail to ${to}`);
  return { subject: row.subject, text: row.text_body, token: /#token=([\w-]+)/.exec(row.text_body)?.[1] ?? null };
}

async function emailOf(userId: string): Promise<string> {
  return (await emOf(ts.orm).execute<{ email: string }[]>(`select email from "user" where id = ?`, [userId]))[0]!.email;
}

describe('changing one\'s email (R20)', () => {
  it('R20 needs the current password, mails a link to the new address, tells the old one, and changes nothing until followed', async () => {
    const user = await createUser(ts.orm);
    const { accessToken } = await signIn(ts, user.email);
    const next = uniqueEmail('next');

    const wrong = (await ts.gql(REQUEST, { p: 'not-my-password-at-all', e: next }, accessToken)).data.requestEmailChange;
    expect(wrong.__typename).toBe('ValidationError');
    expect(wrong.issues[0].path).toEqual(['currentPassword']);

    const asked = (await ts.gql(REQUEST, { p: PASSWORD, e: next.toUpperCase() }, accessToken)).data.requestEmailChange;
    expect(asked).toEqual({ __typename: 'User', email: user.email, emailVerified: true, pendingEmail: next });
    expect(await emailOf(user.id)).toBe(user.email);
    expect((await lastMail(user.email)).subject).toBe('Your email address is about to change');
    const link = await lastMail(next);
    expect(link.token).toBeTruthy();
    // The old address still signs in until the new one confirms.
    await signIn(ts, user.email);

    const confirmed = (await ts.gql(CONFIRM, { t: link.token })).data.confirmEmail;
    expect(confirmed).toEqual({ __typename: 'User', email: next, emailVerified: true, pendingEmail: null });
    expect((await lastMail(user.email)).subject).toBe('Your email address was changed');
    await signIn(ts, next);
    // Single use.
    expect((await ts.gql(CONFIRM, { t: link.token })).data.confirmEmail.__typename).toBe('InvalidEmailTokenError');
  });

  it('R20 updateUser cannot change one\'s own email; an administrator\'s change waits for the new address', async () => {
    const org = await createOrg(ts, 'Proof');
    const owner = await addMember(ts, org.id, ['owner']);
    const member = await addMember(ts, org.id, ['viewer']);
    const self = (await signIn(ts, member.email)).accessToken;
    const UPDATE = `mutation U($id: ID!, $e: String) { updateUser(input: { userId: $id, email: $e }) { __typename ... on User { email pendingEmail } ... on ValidationError { issues { path } } } }`;
    expect((await ts.gql(UPDATE, { id: member.gid.user, e: uniqueEmail() }, self)).data.updateUser).toEqual({ __typename: 'ValidationError', issues: [{ path: ['input', 'email'] }] });
    const target = uniqueEmail('admin-set');
    const byAdmin = (await ts.gql(UPDATE, { id: member.gid.user, e: target }, (await signIn(ts, owner.email)).accessToken)).data.updateUser;
    expect(byAdmin.__typename).toBe('User');
    expect(byAdmin.email).toBe(member.email);
    expect(await emailOf(member.userId)).toBe(member.email);
    expect((await lastMail(target)).token).toBeTruthy();
  });

  it('R20 the hijack: an address set without proof is never matched when another organization adds it', async () => {
    // An admin of org A creates an account for a colleague-to-be at org B (A knows its temporary password).
    const orgA = await createOrg(ts, 'Squatter');
    const orgB = await createOrg(ts, 'Victim Co');
    const adminA = await addMember(ts, orgA.id, ['owner']);
    const adminB = await addMember(ts, orgB.id, ['owner']);
    const address = uniqueEmail('future-colleague');
    const squatted = await createUser(ts.orm, { email: address, emailVerified: false });
    await addMember(ts, orgA.id, ['viewer'], { userId: squatted.id });
    expect(adminA.userId).not.toBe(adminB.userId);

    // Org B's admin adds that address: refused, naming the field; nothing stored.
    const tokenB = (await signIn(ts, adminB.email)).accessToken;
    const res = (await ts.gql(PROVISION, { org: Buffer.from(`Organization:${orgB.id}`).toString('base64'), email: address, roles: [await roleGid(ts, orgB.id, 'admin')] }, tokenB)).data.provisionMembers;
    expect(res.__typename).toBe('ValidationError');
    expect(res.issues[0].path).toEqual(['members', '0', 'email']);
    const members = await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from membership where org_id = ? and user_id = ?`, [orgB.id, squatted.id]);
    expect(members[0]!.n).toBe(0);
  });

  it('R20 a proven account can verify; an unproven one asks for a link to its own address', async () => {
    const user = await createUser(ts.orm, { emailVerified: false });
    const { accessToken } = await signIn(ts, user.email);
    expect((await ts.gql(VIEWER, {}, accessToken)).data.viewer.emailVerified).toBe(false);
    await ts.gql(`mutation { requestEmailVerification { email } }`, {}, accessToken);
    const { token } = await lastMail(user.email);
    expect((await ts.gql(CONFIRM, { t: token })).data.confirmEmail.emailVerified).toBe(true);
  });

  it('R20 a second request replaces the first link; bad and hostile tokens answer one typed error', async () => {
    const user = await createUser(ts.orm);
    const { accessToken } = await signIn(ts, user.email);
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    await ts.gql(REQUEST, { p: PASSWORD, e: first }, accessToken);
    const oldLink = (await lastMail(first)).token;
    await ts.gql(REQUEST, { p: PASSWORD, e: second }, accessToken);
    expect((await ts.gql(CONFIRM, { t: oldLink })).data.confirmEmail.__typename).toBe('InvalidEmailTokenError');
    for (const t of ['', 'x', 'a'.repeat(256)]) {
      expect((await ts.gql(CONFIRM, { t })).data.confirmEmail.__typename).toBe('InvalidEmailTokenError');
    }
    expect((await ts.gql(CONFIRM, { t: 'a\u0000b' })).data.confirmEmail.__typename).toBe('ValidationError');
    expect((await ts.gql(CONFIRM, { t: 'a'.repeat(257) })).data.confirmEmail.__typename).toBe('ValidationError');
    expect(await emailOf(user.id)).toBe(user.email);
  });
});
