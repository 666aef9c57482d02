/**
 * R20 proven addresses, attacked: an address counts for matching (provisioning, invitations, lookups)
 * only once its holder proved it. Changing one's email needs the current password and a confirmation
 * from the new address, and the old address is told. Mail is read from the development outbox (the
 * test server has no SMTP_URL) through the `devOutbox` query, as a platform admin.
 *
 * The confirmation mutation is looked up in schema.graphql (confirmEmailChange or confirmEmail).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createOrg, createUser, gid, PASSWORD, roleGid, SIGN_IN, startTestServer, uniqueEmail, type TestServer } from '../harness.ts';
import { SCHEMA_PATH } from './fuzz-cases.ts';
import { internalErrors, mintSession, sql, VIEWER } from './support.ts';

let ts: TestServer;
let platformToken: string;

beforeAll(async () => {
  ts = await startTestServer();
  const admin = await createUser(ts.orm, { platformAdmin: true });
  platformToken = (await mintSession(ts, admin.id)).accessToken;
});
afterAll(async () => ts?.close());

const schemaText = () => fs.readFileSync(SCHEMA_PATH, 'utf8');
const confirmMutation = () => (/\bconfirmEmailChange\(/.test(schemaText()) ? 'confirmEmailChange' : 'confirmEmail');

async function outbox(to: string): Promise<{ subject: string; text: string }[]> {
  const res = await ts.gql(`query($to: String) { devOutbox(to: $to, first: 20) { edges { node { subject text to } } } }`, { to }, platformToken);
  return (res.data?.devOutbox?.edges ?? []).map((e: any) => e.node);
}

async function waitForMail(to: string, match: RegExp = /./, timeoutMs = 3000): Promise<{ subject: string; text: string } | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const found = (await outbox(to)).find((m) => match.test(`${m.subject}\n${m.text}`));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

/** The secret of a link in a mail: `#token=…` / `?token=…`, or the last path segment of /invite/… links. */
function tokenIn(text: string): string | undefined {
  const m = /[#?&]token=([A-Za-z0-9_%-]+)/.exec(text) ?? /\/invite\/([A-Za-z0-9_-]+)/.exec(text);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

const UPDATE_USER = `mutation($i: UpdateUserInput!) { updateUser(input: $i) { __typename ... on Error { message } } }`;
const REQUEST_CHANGE = `mutation($c: String!, $e: String!) { requestEmailChange(currentPassword: $c, newEmail: $e) { __typename ... on Error { message } } }`;
const PROVISION = `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) {
  __typename ... on Error { message } ... on ProvisionMembersPayload { results { email status temporaryPassword membership { user { id } } } } } }`;
const LOOKUP = `query($o: ID!, $e: String!) { lookupUser(organizationId: $o, email: $e) { exists firstName lastName alreadyMember } }`;
const INVITE = `mutation($o: ID!, $r: [ID!]!, $e: [String!]!) { inviteMembers(organizationId: $o, roleIds: $r, emails: $e) { __typename ... on Error { message } } }`;
const ACCEPT = `mutation($t: String!, $f: String, $l: String, $p: String) { acceptInvitation(token: $t, firstName: $f, lastName: $l, password: $p) {
  __typename ... on Error { message } ... on AcceptInvitationPayload { membership { id } } } }`;

async function team(name: string) {
  const org = await createOrg(ts, name);
  const owner = await addMember(ts, org.id, ['owner']);
  const admin = await addMember(ts, org.id, ['admin']);
  return {
    org,
    orgGid: gid('Organization', org.id),
    adminToken: (await mintSession(ts, admin.userId)).accessToken,
    ownerToken: (await mintSession(ts, owner.userId)).accessToken,
    viewerRole: await roleGid(ts, org.id, 'viewer'),
  };
}

async function membershipsOf(userId: string, orgId: string): Promise<number> {
  const rows = await sql<{ n: number }>(ts, `select count(*)::int as n from membership where user_id = ? and org_id = ?`, [userId, orgId]);
  return Number(rows[0]!.n);
}

async function emailOf(userId: string): Promise<string | undefined> {
  return (await sql<{ email: string }>(ts, `select email from "user" where id = ?`, [userId]))[0]?.email;
}

describe('R20 proven addresses under attack', () => {
  it('R20 updateUser does not change your own email to an address you have not proven', async () => {
    const x = await team('Self Change');
    const attacker = await addMember(ts, x.org.id, ['admin']);
    const token = (await mintSession(ts, attacker.userId)).accessToken;
    const victim = uniqueEmail('victim');
    const res = await ts.gql(UPDATE_USER, { i: { userId: attacker.gid.user, email: victim } }, token);
    expect(internalErrors(res)).toEqual([]);
    expect(await emailOf(attacker.userId)).toBe(attacker.email);
    const signInAsVictim = await ts.gql(SIGN_IN, { email: victim, password: PASSWORD });
    expect(signInAsVictim.data?.signIn?.__typename).not.toBe('AuthPayload');
  });

  it('R20 requestEmailChange needs the current password and a confirmation from the new address; the old address is told', async () => {
    const user = await createUser(ts.orm);
    const token = (await mintSession(ts, user.id)).accessToken;
    const target = uniqueEmail('new-address');

    const wrong = await ts.gql(REQUEST_CHANGE, { c: 'not-the-password-at-all', e: target }, token);
    expect(internalErrors(wrong)).toEqual([]);
    expect(wrong.data?.requestEmailChange?.__typename, JSON.stringify(wrong)).not.toBe('User');
    expect(await outbox(target)).toEqual([]);

    const ok = await ts.gql(REQUEST_CHANGE, { c: PASSWORD, e: target }, token);
    expect(ok.data?.requestEmailChange?.__typename, JSON.stringify(ok)).toBe('User');
    // Nothing changes before the link is followed.
    const pending = await ts.gql(`{ viewer { email emailVerified pendingEmail } }`, {}, token);
    expect(pending.data?.viewer, JSON.stringify(pending)).toMatchObject({ email: user.email, pendingEmail: target });
    expect(await emailOf(user.id)).toBe(user.email);

    const mail = await waitForMail(target);
    expect(mail, `no confirmation mail to ${target}`).toBeDefined();
    const secret = tokenIn(mail!.text);
    expect(secret, mail!.text).toBeDefined();
    expect(await waitForMail(user.email), `the old address ${user.email} was not told`).toBeDefined();

    const confirm = confirmMutation();
    const done = await ts.gql(`mutation($t: String!) { ${confirm}(token: $t) { __typename ... on User { email emailVerified pendingEmail } ... on Error { message } } }`, { t: secret });
    expect(done.data?.[confirm], JSON.stringify(done)).toMatchObject({ __typename: 'User', email: target, emailVerified: true, pendingEmail: null });
    expect(await emailOf(user.id)).toBe(target);
    // Single use.
    const again = await ts.gql(`mutation($t: String!) { ${confirm}(token: $t) { __typename } }`, { t: secret });
    expect(again.data?.[confirm]?.__typename).not.toBe('User');
  });

  it('R20 an org admin adding an address elsewhere never adds the account of someone who only claimed it', async () => {
    const x = await team('Claimer Org');
    const y = await team('Target Org');
    const attacker = await addMember(ts, x.org.id, ['admin']);
    const attackerToken = (await mintSession(ts, attacker.userId)).accessToken;
    const victim = uniqueEmail('ceo');
    // Every way the attacker can point their account at the victim's address without proving it.
    await ts.gql(UPDATE_USER, { i: { userId: attacker.gid.user, email: victim } }, attackerToken);
    await ts.gql(REQUEST_CHANGE, { c: PASSWORD, e: victim }, attackerToken);

    const lookup = await ts.gql(LOOKUP, { o: y.orgGid, e: victim }, y.adminToken);
    expect(internalErrors(lookup)).toEqual([]);
    expect(lookup.data?.lookupUser?.exists, JSON.stringify(lookup)).toBe(false);

    const added = await ts.gql(PROVISION, { o: y.orgGid, m: [{ email: victim, roleIds: [y.viewerRole] }] }, y.adminToken);
    expect(internalErrors(added)).toEqual([]);
    expect(await membershipsOf(attacker.userId, y.org.id), JSON.stringify(added)).toBe(0);
  });

  it('R20 an account an admin created (unproven) is never matched by provisioning or lookupUser in another org', async () => {
    const x = await team('Squatter Org');
    const y = await team('Real Employer');
    const victim = uniqueEmail('squatted');
    // Org X's admin creates an account for an address they do not own, and learns its temporary password.
    const created = await ts.gql(PROVISION, { o: x.orgGid, m: [{ email: victim, roleIds: [x.viewerRole], firstName: 'Evil', lastName: 'Twin' }] }, x.adminToken);
    const row = created.data?.provisionMembers?.results?.[0];
    expect(row?.status, JSON.stringify(created)).toBe('CREATED');
    const squatId = (await sql<{ id: string }>(ts, `select id from "user" where lower(email) = ?`, [victim]))[0]!.id;
    const seen = await ts.gql(`query($id: ID!) { node(id: $id) { ... on User { emailVerified } } }`, { id: gid('User', squatId) }, platformToken);
    expect(seen.data?.node?.emailVerified, JSON.stringify(seen)).toBe(false);

    const lookup = await ts.gql(LOOKUP, { o: y.orgGid, e: victim }, y.adminToken);
    expect(internalErrors(lookup)).toEqual([]);
    expect(lookup.data?.lookupUser, JSON.stringify(lookup)).toMatchObject({ exists: false, firstName: null, lastName: null });

    const added = await ts.gql(PROVISION, { o: y.orgGid, m: [{ email: victim, roleIds: [y.viewerRole] }] }, y.adminToken);
    expect(internalErrors(added)).toEqual([]);
    const status = added.data?.provisionMembers?.results?.[0]?.status;
    expect(status, JSON.stringify(added)).not.toBe('ADDED');
    expect(await membershipsOf(squatId, y.org.id), JSON.stringify(added)).toBe(0);
  });

  it('R20 a pending invitation cannot be accepted by another account, even one that claimed the address', async () => {
    const y = await team('Inviting Org');
    const invitee = uniqueEmail('invitee');
    const sent = await ts.gql(INVITE, { o: y.orgGid, r: [y.viewerRole], e: [invitee] }, y.adminToken);
    expect(sent.data?.inviteMembers?.__typename, JSON.stringify(sent)).toBe('InviteMembersPayload');
    const mail = await waitForMail(invitee);
    const secret = mail ? tokenIn(mail.text) : undefined;
    expect(secret, mail?.text).toBeDefined();

    // Someone else holding the link (forwarded, leaked) and signed in with their own account.
    const other = await createUser(ts.orm);
    const otherToken = (await mintSession(ts, other.id)).accessToken;
    const stolen = await ts.gql(ACCEPT, { t: secret }, otherToken);
    expect(internalErrors(stolen)).toEqual([]);
    expect(stolen.data?.acceptInvitation?.__typename, JSON.stringify(stolen)).not.toBe('AcceptInvitationPayload');
    expect(await membershipsOf(other.id, y.org.id)).toBe(0);

    // The same account after pointing itself at the invited address without proving it.
    await ts.gql(UPDATE_USER, { i: { userId: gid('User', other.id), email: invitee } }, otherToken);
    await ts.gql(REQUEST_CHANGE, { c: PASSWORD, e: invitee }, otherToken);
    const claimed = await ts.gql(ACCEPT, { t: secret }, otherToken);
    expect(internalErrors(claimed)).toEqual([]);
    expect(claimed.data?.acceptInvitation?.__typename, JSON.stringify(claimed)).not.toBe('AcceptInvitationPayload');
    expect(await membershipsOf(other.id, y.org.id)).toBe(0);

    // The invitation is intact: its real recipient accepts it.
    const real = await ts.gql(ACCEPT, { t: secret, f: 'Real', l: 'Invitee', p: 'a-long-and-unusual-passphrase-7' });
    expect(real.data?.acceptInvitation?.__typename, JSON.stringify(real)).toBe('AcceptInvitationPayload');
  });

  it('R20 when the holder of an address an admin squatted accepts an invitation, the squatter loses the account', async () => {
    const x = await team('Squatter Two');
    const y = await team('Employer Two');
    const victim = uniqueEmail('claimed');
    const created = await ts.gql(PROVISION, { o: x.orgGid, m: [{ email: victim, roleIds: [x.viewerRole] }] }, x.adminToken);
    const temporary = created.data?.provisionMembers?.results?.[0]?.temporaryPassword as string | undefined;
    expect(temporary, JSON.stringify(created)).toBeTruthy();
    // The squatter signs in with the temporary password and keeps a session.
    const squat = await ts.gql(SIGN_IN, { email: victim, password: temporary });
    expect(squat.data?.signIn?.__typename, JSON.stringify(squat)).toBe('AuthPayload');
    const squatToken = squat.data.signIn.accessToken as string;

    await ts.gql(INVITE, { o: y.orgGid, r: [y.viewerRole], e: [victim] }, y.adminToken);
    const mail = await waitForMail(victim);
    const secret = mail ? tokenIn(mail.text) : undefined;
    expect(secret).toBeDefined();
    const accepted = await ts.gql(ACCEPT, { t: secret, f: 'Rightful', l: 'Owner', p: 'rightful-owner-passphrase-42' });
    expect(internalErrors(accepted)).toEqual([]);
    expect(accepted.data?.acceptInvitation?.__typename, JSON.stringify(accepted)).toBe('AcceptInvitationPayload');

    // The squatter's session and temporary password no longer work.
    expect((await ts.gql(VIEWER, {}, squatToken)).data?.viewer ?? null).toBeNull();
    const again = await ts.gql(SIGN_IN, { email: victim, password: temporary });
    expect(again.data?.signIn?.__typename).not.toBe('AuthPayload');
  });
});
