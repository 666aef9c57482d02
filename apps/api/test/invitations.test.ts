import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  auditCount,
  createOrg,
  createUser,
  gid,
  onPostgres,
  roleGid,
  signIn,
  startTestServer,
  uniqueEmail,
  type TestServer,
} from './harness.ts';
import { emOf } from '../src/db/orm.ts';
import { hashToken } from '../src/auth/refresh-token.ts';

// ---------------------------------------------------------------- a real SMTP server, in-process

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

const inbox: ReceivedMail[] = [];
let smtp: SMTPServer;
let smtpPort: number;

async function startSmtp(): Promise<void> {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
}

async function waitForMail(to: string, after = 0): Promise<ReceivedMail> {
  for (let i = 0; i < 100; i++) {
    const found = inbox.slice(after).find((m) => m.to.includes(to.toLowerCase()));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail to ${to}`);
}

/** The decoded MIME parts of a received message (enough for nodemailer's output). */
function mimeParts(raw: string): { type: string; body: string }[] {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  const sections = boundary ? raw.split(`--${boundary}`).slice(1, -1) : [raw];
  return sections.flatMap((section) => {
    const nested = /boundary="?([^";\r\n]+)"?/i.exec(section.split(/\r?\n\r?\n/)[0] ?? '');
    if (nested) return mimeParts(section);
    const split = section.search(/\r?\n\r?\n/);
    const headers = section.slice(0, split);
    let body = section.slice(split).replace(/^\r?\n\r?\n/, '');
    const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
    if (encoding === 'quoted-printable') {
      body = Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
        'latin1',
      ).toString('utf8');
    } else if (encoding === 'base64') {
      body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    }
    return [{ type: /content-type:\s*([\w/.-]+)/i.exec(headers)?.[1]?.toLowerCase() ?? 'text/plain', body }];
  });
}

const LINK = /(https?:\/\/[^\s"<>]+)\/invitations\/accept#token=([A-Za-z0-9_-]+)/;

function tokenFrom(text: string): string {
  const match = LINK.exec(text);
  if (!match) throw new Error(`no invitation link in ${text}`);
  return match[2]!;
}

// ---------------------------------------------------------------- servers and fixtures

const PUBLIC_URL = 'http://gatehouse.test';
let ts: TestServer;

beforeAll(async () => {
  await startSmtp();
  ts = await startTestServer({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, PUBLIC_URL, MAIL_FROM: 'Gatehouse <invites@gatehouse.test>' });
});
afterAll(async () => {
  await ts?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

interface Team {
  orgId: string;
  orgGid: string;
  owner: { email: string; token: string; userId: string };
  admin: { email: string; token: string; userId: string };
  role: (key: string) => Promise<string>;
}

async function team(server: TestServer = ts, name = 'Acme'): Promise<Team> {
  const org = await createOrg(server, name);
  const owner = await addMember(server, org.id, ['owner']);
  const admin = await addMember(server, org.id, ['admin']);
  return {
    orgId: org.id,
    orgGid: gid('Organization', org.id),
    owner: { email: owner.email, userId: owner.userId, token: (await signIn(server, owner.email)).accessToken },
    admin: { email: admin.email, userId: admin.userId, token: (await signIn(server, admin.email)).accessToken },
    role: (key) => roleGid(server, org.id, key),
  };
}

const INVITE = `mutation Invite($org: ID!, $emails: [String!]!, $roles: [ID!]!, $dry: Boolean) {
  inviteMembers(organizationId: $org, emails: $emails, roleIds: $roles, dryRun: $dry) {
    __typename
    ... on InviteMembersPayload { dryRun results { email status message emailSent invitation { id email status sendCount roles { key } } } }
    ... on Error { message }
    ... on ValidationError { issues { path message } }
    ... on GrantCeilingError { roleKeys ownerOnly }
    ... on LimitExceededError { limit }
  }
}`;

const ACCEPT = `mutation Accept($token: String!, $firstName: String, $lastName: String, $password: String) {
  acceptInvitation(token: $token, firstName: $firstName, lastName: $lastName, password: $password) {
    __typename
    ... on AcceptInvitationPayload {
      membership { id roles { key } user { email firstName } }
      organization { id name }
      auth { accessToken refreshToken user { email } }
    }
    ... on Error { message }
    ... on ValidationError { issues { path message } }
    ... on SignInRequiredError { email }
  }
}`;

const PREVIEW = `query Preview($token: String!) {
  invitationPreview(token: $token) { email status expiresAt organizationName inviterName accountExists roles { key name } }
}`;

const RESEND = `mutation Resend($id: ID!) { resendInvitation(invitationId: $id) {
  __typename ... on ResendInvitationPayload { emailSent invitation { id status sendCount } }
  ... on Error { message } ... on RateLimitedError { retryAfterSeconds } } }`;

const REVOKE = `mutation Revoke($id: ID!) { revokeInvitation(invitationId: $id) {
  __typename ... on Invitation { id status } ... on Error { message } ... on GrantCeilingError { ownerOnly } } }`;

const LIST = `query List($slug: String!, $status: [InvitationStatus!]) { organization(slug: $slug) {
  invitations(status: $status) { totalCount edges { node { id email status sendCount expiresAt invitedBy { email } roles { key } } } } } }`;

async function slugOf(server: TestServer, orgId: string): Promise<string> {
  return (await emOf(server.orm).execute<{ slug: string }[]>(`select slug from organization where id = ?`, [orgId]))[0]!.slug;
}

async function invite(t: Team, emails: string | string[], roleKeys: string[] = ['developer'], token = t.admin.token, server = ts) {
  const roles = await Promise.all(roleKeys.map((k) => roleGid(server, t.orgId, k)));
  const res = await server.gql(INVITE, { org: t.orgGid, emails, roles }, token);
  return res.data?.inviteMembers;
}

/** Invites one address over SMTP and returns the token read from the received mail. */
async function inviteAndReadToken(t: Team, email: string, roleKeys: string[] = ['developer'], token = t.admin.token) {
  const before = inbox.length;
  const payload = await invite(t, email, roleKeys, token);
  expect(payload.__typename).toBe('InviteMembersPayload');
  expect(payload.results[0].status).toBe('INVITED');
  const mail = await waitForMail(email, before);
  const text = mimeParts(mail.raw).find((p) => p.type === 'text/plain')!.body;
  return { token: tokenFrom(text), invitationId: payload.results[0].invitation.id as string, mail };
}

async function count(sql: string, params: unknown[], server = ts): Promise<number> {
  return Number((await emOf(server.orm).execute<{ n: number }[]>(sql, params))[0]!.n);
}

const membershipCount = (orgId: string, email: string, server = ts) =>
  count(`select count(*)::int as n from membership m join "user" u on u.id = m.user_id where m.org_id = ? and u.email = ?`, [orgId, email], server);

// ---------------------------------------------------------------- tests

describe('inviting (R8)', () => {
  it('R8 invites a comma/space/newline separated list; each mail arrives over SMTP with text, HTML and the accept link', async () => {
    const t = await team();
    const [a, b, c] = [uniqueEmail('a'), uniqueEmail('b'), uniqueEmail('c')];
    const before = inbox.length;
    const payload = await invite(t, `${a}, ${b.toUpperCase()}\n${c} ${a}`);
    expect(payload.__typename).toBe('InviteMembersPayload');
    expect(payload.results.map((r: { email: string; status: string }) => [r.email, r.status])).toEqual([
      [a, 'INVITED'],
      [b, 'INVITED'],
      [c, 'INVITED'],
    ]);
    expect(payload.results.every((r: { emailSent: boolean }) => r.emailSent)).toBe(true);
    expect(payload.results[0].invitation).toMatchObject({ email: a, status: 'PENDING', sendCount: 1, roles: [{ key: 'developer' }] });
    for (const address of [a, b, c]) {
      const mail = await waitForMail(address, before);
      expect(mail.from).toBe('invites@gatehouse.test');
      const parts = mimeParts(mail.raw);
      const text = parts.find((p) => p.type === 'text/plain')!.body;
      const html = parts.find((p) => p.type === 'text/html')!.body;
      expect(text).toContain('Acme');
      expect(text).toMatch(new RegExp(`${PUBLIC_URL}/invitations/accept#token=[A-Za-z0-9_-]{43}`));
      expect(html).toContain(`href="${PUBLIC_URL}/invitations/accept#token=${tokenFrom(text)}"`);
      // The token is 256 random bits and is stored only as its hash.
      const rows = await emOf(ts.orm).execute<{ token_hash: string }[]>(`select token_hash from invitation where email = ?`, [address]);
      expect(rows[0]!.token_hash).toBe(hashToken(tokenFrom(text)));
      expect(rows[0]!.token_hash).not.toContain(tokenFrom(text));
      // Never in an API response.
      expect(JSON.stringify(payload)).not.toContain(tokenFrom(text));
    }
  });

  it('R8 a new person previews the invitation, creates an account from the mailed link and is signed in', async () => {
    const t = await team();
    const email = uniqueEmail('newbie');
    const { token } = await inviteAndReadToken(t, email, ['developer']);
    const preview = (await ts.gql(PREVIEW, { token })).data.invitationPreview;
    expect(preview).toMatchObject({ email, status: 'PENDING', organizationName: 'Acme', inviterName: 'Test User', accountExists: false, roles: [{ key: 'developer', name: 'Developer' }] });
    const res = await ts.gql(ACCEPT, { token, firstName: 'Nova', lastName: 'Newcomer', password: 'a-long-enough-passphrase' });
    const accepted = res.data.acceptInvitation;
    expect(accepted.__typename).toBe('AcceptInvitationPayload');
    expect(accepted.membership.roles).toEqual([{ key: 'developer' }]);
    expect(accepted.membership.user).toEqual({ email, firstName: 'Nova' });
    expect(accepted.organization.name).toBe('Acme');
    expect(accepted.auth.user.email).toBe(email);
    const viewer = await ts.gql(`{ viewer { email memberships { organization { name } roles { key } } } }`, {}, accepted.auth.accessToken);
    expect(viewer.data.viewer.memberships).toEqual([{ organization: { name: 'Acme' }, roles: [{ key: 'developer' }] }]);
    // The new password works for signing in.
    expect((await signIn(ts, email, 'a-long-enough-passphrase')).accessToken).toBeTruthy();
    expect((await ts.gql(PREVIEW, { token })).data.invitationPreview.status).toBe('ACCEPTED');
  });

  it('R18 a new account with a weak password or no first name is refused naming the fields; nothing stored', async () => {
    const t = await team();
    const email = uniqueEmail('weak');
    const { token } = await inviteAndReadToken(t, email);
    const audits = await auditCount(ts, t.orgId);
    const res = await ts.gql(ACCEPT, { token, firstName: ' ', password: 'password1234' });
    expect(res.data.acceptInvitation.__typename).toBe('ValidationError');
    expect(res.data.acceptInvitation.issues.map((i: { path: string[] }) => i.path.join('.'))).toEqual(['firstName', 'password']);
    expect(await count(`select count(*)::int as n from "user" where email = ?`, [email])).toBe(0);
    expect(await auditCount(ts, t.orgId)).toBe(audits);
    expect((await ts.gql(PREVIEW, { token })).data.invitationPreview.status).toBe('PENDING');
  });

  it('R8 an existing account must sign in first; signed in with the invited email it joins with the invited roles', async () => {
    const t = await team();
    const existing = await createUser(ts.orm);
    const { token } = await inviteAndReadToken(t, existing.email, ['viewer']);
    expect((await ts.gql(PREVIEW, { token })).data.invitationPreview.accountExists).toBe(true);
    const anonymous = await ts.gql(ACCEPT, { token, firstName: 'X', password: 'a-long-enough-passphrase' });
    expect(anonymous.data.acceptInvitation).toMatchObject({ __typename: 'SignInRequiredError', email: existing.email });
    expect(await membershipCount(t.orgId, existing.email)).toBe(0);
    const { accessToken } = await signIn(ts, existing.email);
    const res = await ts.gql(ACCEPT, { token }, accessToken);
    expect(res.data.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
    expect(res.data.acceptInvitation.auth).toBeNull();
    expect(res.data.acceptInvitation.membership.roles).toEqual([{ key: 'viewer' }]);
    expect(await membershipCount(t.orgId, existing.email)).toBe(1);
  });

  it('R8 a token is single use: replaying it after acceptance is refused', async () => {
    const t = await team();
    const user = await createUser(ts.orm);
    const { token } = await inviteAndReadToken(t, user.email);
    const { accessToken } = await signIn(ts, user.email);
    expect((await ts.gql(ACCEPT, { token }, accessToken)).data.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
    const audits = await auditCount(ts, t.orgId);
    const replay = await ts.gql(ACCEPT, { token }, accessToken);
    expect(replay.data.acceptInvitation.__typename).toBe('InvitationAlreadyAcceptedError');
    const anonymousReplay = await ts.gql(ACCEPT, { token, firstName: 'Eve', password: 'a-long-enough-passphrase' });
    expect(anonymousReplay.data.acceptInvitation.__typename).toBe('InvitationAlreadyAcceptedError');
    expect(await membershipCount(t.orgId, user.email)).toBe(1);
    expect(await auditCount(ts, t.orgId)).toBe(audits);
  });

  it('R8 an expired invitation is refused, listed as EXPIRED, and a new invitation to the address replaces it', async () => {
    const t = await team();
    const email = uniqueEmail('late');
    const { token, invitationId } = await inviteAndReadToken(t, email);
    await emOf(ts.orm).execute(`update invitation set expires_at = now() - interval '1 hour' where email = ?`, [email]);
    const res = await ts.gql(ACCEPT, { token, firstName: 'Late', password: 'a-long-enough-passphrase' });
    expect(res.data.acceptInvitation.__typename).toBe('InvitationExpiredError');
    expect((await ts.gql(PREVIEW, { token })).data.invitationPreview.status).toBe('EXPIRED');
    const slug = await slugOf(ts, t.orgId);
    const expired = (await ts.gql(LIST, { slug, status: ['EXPIRED'] }, t.admin.token)).data.organization.invitations;
    expect(expired.edges.map((e: { node: { id: string; status: string } }) => [e.node.id, e.node.status])).toEqual([[invitationId, 'EXPIRED']]);
    expect((await ts.gql(LIST, { slug, status: ['PENDING'] }, t.admin.token)).data.organization.invitations.totalCount).toBe(0);
    // Inviting again is allowed: the expired one gives way (one pending per org and email).
    const again = await inviteAndReadToken(t, email);
    expect(again.invitationId).not.toBe(invitationId);
    expect((await ts.gql(ACCEPT, { token: again.token, firstName: 'Late', password: 'a-long-enough-passphrase' })).data.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
    expect((await ts.gql(ACCEPT, { token, firstName: 'Late', password: 'a-long-enough-passphrase' })).data.acceptInvitation.__typename).toBe('InvitationExpiredError');
  });

  it('R8 a revoked token answers exactly like an unknown one; revoking writes one audit event (R13)', async () => {
    const t = await team();
    const email = uniqueEmail('revoked');
    const { token, invitationId } = await inviteAndReadToken(t, email);
    const audits = await auditCount(ts, t.orgId);
    const revoked = await ts.gql(REVOKE, { id: invitationId }, t.admin.token);
    expect(revoked.data.revokeInvitation).toEqual({ __typename: 'Invitation', id: invitationId, status: 'REVOKED' });
    expect(await auditCount(ts, t.orgId)).toBe(audits + 1);
    const input = { firstName: 'R', password: 'a-long-enough-passphrase' };
    const withRevoked = await ts.gql(ACCEPT, { token, ...input });
    const withUnknown = await ts.gql(ACCEPT, { token: 'x'.repeat(43), ...input });
    expect(withRevoked.data.acceptInvitation.__typename).toBe('InvalidInvitationError');
    expect(withRevoked).toEqual(withUnknown);
    expect((await ts.gql(PREVIEW, { token })).data.invitationPreview).toBeNull();
    expect((await ts.gql(PREVIEW, { token: 'x'.repeat(43) })).data.invitationPreview).toBeNull();
    expect(await count(`select count(*)::int as n from "user" where email = ?`, [email])).toBe(0);
  });

  it('R8 signed in as someone else: the token is refused with InvitationEmailMismatchError and stays usable', async () => {
    const t = await team();
    const invited = uniqueEmail('invited');
    const { token } = await inviteAndReadToken(t, invited);
    const other = await createUser(ts.orm);
    const { accessToken } = await signIn(ts, other.email);
    const res = await ts.gql(ACCEPT, { token }, accessToken);
    expect(res.data.acceptInvitation.__typename).toBe('InvitationEmailMismatchError');
    expect(await membershipCount(t.orgId, other.email)).toBe(0);
    expect((await ts.gql(PREVIEW, { token })).data.invitationPreview.status).toBe('PENDING');
  });

  it('R8 two simultaneous accepts of one token create exactly one account and one membership', async () => {
    const t = await team();
    const email = uniqueEmail('race');
    const { token } = await inviteAndReadToken(t, email);
    const attempts = await Promise.all(
      Array.from({ length: 4 }, () => ts.gql(ACCEPT, { token, firstName: 'Race', password: 'a-long-enough-passphrase' })),
    );
    const kinds = attempts.map((r) => r.data.acceptInvitation.__typename).sort();
    expect(kinds).toEqual(['AcceptInvitationPayload', 'InvitationAlreadyAcceptedError', 'InvitationAlreadyAcceptedError', 'InvitationAlreadyAcceptedError']);
    expect(await count(`select count(*)::int as n from "user" where email = ?`, [email])).toBe(1);
    expect(await membershipCount(t.orgId, email)).toBe(1);
    expect(await count(`select count(*)::int as n from audit_event where org_id = ? and action = 'invitation.accepted'`, [t.orgId])).toBe(1);
  });

  it(`R8 two simultaneous accepts by the signed-in invitee give exactly one membership${onPostgres ? ' (PostgreSQL)' : ''}`, async () => {
    const t = await team();
    const user = await createUser(ts.orm);
    const { token } = await inviteAndReadToken(t, user.email);
    const { accessToken } = await signIn(ts, user.email);
    const attempts = await Promise.all(Array.from({ length: 4 }, () => ts.gql(ACCEPT, { token }, accessToken)));
    expect(attempts.filter((r) => r.data.acceptInvitation.__typename === 'AcceptInvitationPayload')).toHaveLength(1);
    expect(attempts.filter((r) => r.data.acceptInvitation.__typename === 'InvitationAlreadyAcceptedError')).toHaveLength(3);
    expect(await membershipCount(t.orgId, user.email)).toBe(1);
  });
});

describe('grant ceiling and input (R3, R18)', () => {
  it('R3 an admin cannot invite an owner (GrantCeilingError) and nothing is stored; an owner can', async () => {
    const t = await team();
    const email = uniqueEmail('wannabe');
    const audits = await auditCount(ts, t.orgId);
    const mails = inbox.length;
    const refused = await invite(t, email, ['owner'], t.admin.token);
    expect(refused).toMatchObject({ __typename: 'GrantCeilingError', roleKeys: ['owner'], ownerOnly: true });
    expect(await count(`select count(*)::int as n from invitation where org_id = ?`, [t.orgId])).toBe(0);
    expect(await auditCount(ts, t.orgId)).toBe(audits);
    // The admin can invite an admin (cloudtruth: admins invite admins, not owners).
    expect((await invite(t, uniqueEmail('peer'), ['admin'], t.admin.token)).results[0].status).toBe('INVITED');
    const byOwner = await inviteAndReadToken(t, email, ['owner'], t.owner.token);
    // And the admin may neither resend nor revoke the owner invitation.
    await emOf(ts.orm).execute(`update invitation set last_sent_at = now() - interval '2 minutes' where id = ?`, [Buffer.from(byOwner.invitationId, 'base64').toString().split(':')[1]]);
    expect((await ts.gql(RESEND, { id: byOwner.invitationId }, t.admin.token)).data.resendInvitation.__typename).toBe('GrantCeilingError');
    expect((await ts.gql(REVOKE, { id: byOwner.invitationId }, t.admin.token)).data.revokeInvitation).toMatchObject({ __typename: 'GrantCeilingError', ownerOnly: true });
    expect(inbox.length).toBe(mails + 2);
  });

  it('R18 a bad address and an unknown role give a ValidationError naming the field; nothing is stored or sent', async () => {
    const t = await team();
    const audits = await auditCount(ts, t.orgId);
    const mails = inbox.length;
    const developer = await t.role('developer');
    const badAddress = await ts.gql(INVITE, { org: t.orgGid, emails: [uniqueEmail('ok'), 'not-an-address, also@bad'], roles: [developer] }, t.admin.token);
    expect(badAddress.data.inviteMembers.__typename).toBe('ValidationError');
    expect(badAddress.data.inviteMembers.issues).toEqual([
      { path: ['emails', '1'], message: 'not-an-address: Not a valid email address' },
      { path: ['emails', '1'], message: 'also@bad: Not a valid email address' },
    ]);
    const unknownRole = await ts.gql(INVITE, { org: t.orgGid, emails: [uniqueEmail('ok')], roles: [developer, gid('Role', crypto.randomUUID())] }, t.admin.token);
    expect(unknownRole.data.inviteMembers).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['roleIds', '1'] }] });
    const noRoles = await ts.gql(INVITE, { org: t.orgGid, emails: [uniqueEmail('ok')], roles: [] }, t.admin.token);
    expect(noRoles.data.inviteMembers).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['roleIds'] }] });
    const empty = await ts.gql(INVITE, { org: t.orgGid, emails: [' , '], roles: [developer] }, t.admin.token);
    expect(empty.data.inviteMembers).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['emails'] }] });
    expect(await count(`select count(*)::int as n from invitation where org_id = ?`, [t.orgId])).toBe(0);
    expect(await auditCount(ts, t.orgId)).toBe(audits);
    expect(inbox.length).toBe(mails);
  });

  it('R8 a dry run answers per address for a review list and stores nothing', async () => {
    const t = await team();
    const member = await addMember(ts, t.orgId, ['viewer']);
    const pending = uniqueEmail('pending');
    await inviteAndReadToken(t, pending);
    const fresh = uniqueEmail('fresh');
    const before = await count(`select count(*)::int as n from invitation where org_id = ?`, [t.orgId]);
    const res = await ts.gql(INVITE, { org: t.orgGid, emails: [`${fresh}, bogus, ${member.email}, ${pending}`], roles: [await t.role('viewer')], dry: true }, t.admin.token);
    expect(res.data.inviteMembers.dryRun).toBe(true);
    expect(res.data.inviteMembers.results.map((r: { email: string; status: string }) => [r.email, r.status])).toEqual([
      [fresh, 'INVITED'],
      ['bogus', 'INVALID_ADDRESS'],
      [member.email, 'ALREADY_MEMBER'],
      [pending, 'ALREADY_INVITED'],
    ]);
    expect(await count(`select count(*)::int as n from invitation where org_id = ?`, [t.orgId])).toBe(before);
  });

  it('R8 more valid addresses than the bulk limit give LimitExceededError', async () => {
    const t = await team();
    const res = await invite(t, Array.from({ length: 11 }, () => uniqueEmail('bulk')));
    expect(res).toMatchObject({ __typename: 'LimitExceededError', limit: 10 });
    expect(await count(`select count(*)::int as n from invitation where org_id = ?`, [t.orgId])).toBe(0);
  });

  it('R8 invitations need members:invite: a developer is refused with FORBIDDEN', async () => {
    const t = await team();
    const dev = await addMember(ts, t.orgId, ['developer']);
    const res = await ts.gql(INVITE, { org: t.orgGid, emails: [uniqueEmail('x')], roles: [await t.role('viewer')] }, (await signIn(ts, dev.email)).accessToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('pending invitations: one per address, resend, revoke, list (R8, R13, R1)', () => {
  it('R8 one pending invitation per org and email: a second invite reports ALREADY_INVITED, and the database refuses a duplicate', async () => {
    const t = await team();
    const email = uniqueEmail('once');
    const first = await inviteAndReadToken(t, email);
    const again = await invite(t, email.toUpperCase());
    expect(again.results).toMatchObject([{ email, status: 'ALREADY_INVITED', emailSent: false, invitation: { id: first.invitationId } }]);
    const member = await addMember(ts, t.orgId, ['viewer']);
    expect((await invite(t, member.email)).results[0].status).toBe('ALREADY_MEMBER');
    expect(await count(`select count(*)::int as n from invitation where org_id = ? and lower(email) = ?`, [t.orgId, email])).toBe(1);
    // The partial unique index itself.
    await expect(
      emOf(ts.orm).execute(
        `insert into invitation (id, org_id, email, token_hash, expires_at) values (?, ?, ?, ?, now() + interval '1 day')`,
        [crypto.randomUUID(), t.orgId, email.toUpperCase(), 'another-hash'],
      ),
    ).rejects.toThrow(/invitation_org_email_pending_uq|unique/i);
    // Other statuses do not count: a revoked invitation allows a new one.
    await ts.gql(REVOKE, { id: first.invitationId }, t.admin.token);
    expect((await invite(t, email)).results[0].status).toBe('INVITED');
  });

  it('R8 resend mails a new token, kills the old one, and is rate-limited (once a minute, 5 a day)', async () => {
    const t = await team();
    const email = uniqueEmail('resend');
    const first = await inviteAndReadToken(t, email);
    const rawId = Buffer.from(first.invitationId, 'base64').toString().split(':')[1]!;
    const tooSoon = (await ts.gql(RESEND, { id: first.invitationId }, t.admin.token)).data.resendInvitation;
    expect(tooSoon.__typename).toBe('RateLimitedError');
    expect(tooSoon.retryAfterSeconds).toBeGreaterThan(0);
    expect(tooSoon.retryAfterSeconds).toBeLessThanOrEqual(60);

    await emOf(ts.orm).execute(`update invitation set last_sent_at = now() - interval '2 minutes' where id = ?`, [rawId]);
    const audits = await auditCount(ts, t.orgId);
    const before = inbox.length;
    const resent = (await ts.gql(RESEND, { id: first.invitationId }, t.admin.token)).data.resendInvitation;
    expect(resent).toEqual({ __typename: 'ResendInvitationPayload', emailSent: true, invitation: { id: first.invitationId, status: 'PENDING', sendCount: 2 } });
    expect(await auditCount(ts, t.orgId)).toBe(audits + 1);
    const mail = await waitForMail(email, before);
    const newToken = tokenFrom(mimeParts(mail.raw).find((p) => p.type === 'text/plain')!.body);
    expect(newToken).not.toBe(first.token);

    const input = { firstName: 'Re', password: 'a-long-enough-passphrase' };
    const old = await ts.gql(ACCEPT, { token: first.token, ...input });
    expect(old.data.acceptInvitation.__typename).toBe('InvalidInvitationError');
    expect((await ts.gql(PREVIEW, { token: first.token })).data.invitationPreview).toBeNull();

    // Daily limit: 5 sends in the current 24-hour window.
    await emOf(ts.orm).execute(`update invitation set last_sent_at = now() - interval '2 minutes', send_window_count = 5 where id = ?`, [rawId]);
    const daily = (await ts.gql(RESEND, { id: first.invitationId }, t.admin.token)).data.resendInvitation;
    expect(daily.__typename).toBe('RateLimitedError');
    expect(daily.retryAfterSeconds).toBeGreaterThan(3600);

    expect((await ts.gql(ACCEPT, { token: newToken, ...input })).data.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
  });

  it('R8 Organization.invitations lists pending invitations with roles, inviter, expiry and send count', async () => {
    const t = await team();
    const [a, b] = [uniqueEmail('list-a'), uniqueEmail('list-b')];
    await invite(t, [a, b], ['developer', 'viewer']);
    const slug = await slugOf(ts, t.orgId);
    const list = (await ts.gql(LIST, { slug, status: ['PENDING'] }, t.admin.token)).data.organization.invitations;
    expect(list.totalCount).toBe(2);
    const nodes = list.edges.map((e: { node: unknown }) => e.node);
    expect(nodes.map((n: { email: string }) => n.email).sort()).toEqual([a, b].sort());
    for (const node of nodes) {
      expect(node).toMatchObject({ status: 'PENDING', sendCount: 1, invitedBy: { email: t.admin.email }, roles: [{ key: 'developer' }, { key: 'viewer' }] });
      const days = (new Date(node.expiresAt).getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6.9);
      expect(days).toBeLessThanOrEqual(7);
    }
    // A viewer holds members:read and sees them too.
    const viewer = await addMember(ts, t.orgId, ['viewer']);
    const asViewer = await ts.gql(LIST, { slug, status: null }, (await signIn(ts, viewer.email)).accessToken);
    expect(asViewer.data.organization.invitations.totalCount).toBe(2);
  });

  it('R8 Organization.invitations(search:) finds invitations by part of the address, literally, with the matching totalCount; a search over the bound is refused', async () => {
    const t = await team();
    const [alice, bob, percent] = [uniqueEmail('search-alice'), uniqueEmail('search-bob'), uniqueEmail('search-100%off')];
    await invite(t, [alice, bob, percent]);
    const slug = await slugOf(ts, t.orgId);
    const SEARCH = `query S($slug: String!, $search: String) { organization(slug: $slug) { invitations(search: $search, first: 10) { totalCount edges { node { email } } } } }`;
    const found = async (search: string | null) => (await ts.gql(SEARCH, { slug, search }, t.admin.token)).data.organization.invitations;
    const byName = await found('SEARCH-ALICE');
    expect(byName.edges.map((e: { node: { email: string } }) => e.node.email)).toEqual([alice]);
    expect(byName.totalCount).toBe(1);
    // % and _ are matched as themselves, not as wildcards.
    expect((await found('100%off')).edges.map((e: { node: { email: string } }) => e.node.email)).toEqual([percent]);
    expect((await found('%')).totalCount).toBe(1);
    expect((await found('search-')).totalCount).toBe(3);
    expect((await found(null)).totalCount).toBe(3);
    const tooLong = await ts.gql(SEARCH, { slug, search: 'x'.repeat(5000) }, t.admin.token);
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('R1 invitations of another organization are invisible and cannot be revoked or resent', async () => {
    const a = await team(ts, 'Alpha');
    const b = await team(ts, 'Beta');
    const { invitationId } = await inviteAndReadToken(a, uniqueEmail('alpha'));
    const foreign = await ts.gql(REVOKE, { id: invitationId }, b.owner.token);
    const missing = await ts.gql(REVOKE, { id: gid('Invitation', crypto.randomUUID()) }, b.owner.token);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(foreign).toEqual(missing);
    const resend = await ts.gql(RESEND, { id: invitationId }, b.owner.token);
    expect(resend.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await ts.gql(`query N($id: ID!) { node(id: $id) { id } }`, { id: invitationId }, b.owner.token)).data.node).toBeNull();
    expect((await ts.gql(`query N($id: ID!) { node(id: $id) { id } }`, { id: invitationId }, a.admin.token)).data.node).toEqual({ id: invitationId });
    const slugA = await slugOf(ts, a.orgId);
    expect((await ts.gql(LIST, { slug: slugA }, b.owner.token)).data.organization).toBeNull();
    expect((await ts.gql(`query { invitationPreview(token: "") { email } }`)).data.invitationPreview).toBeNull();
  });

  it('R13 invite, resend, revoke and accept each write exactly one audit event in the transaction, never the token; failures write none', async () => {
    const t = await team();
    const email = uniqueEmail('audit');
    const start = await auditCount(ts, t.orgId);
    const { token, invitationId } = await inviteAndReadToken(t, email);
    expect(await auditCount(ts, t.orgId)).toBe(start + 1);
    await invite(t, email); // ALREADY_INVITED: no change, no event
    expect(await auditCount(ts, t.orgId)).toBe(start + 1);
    const rawId = Buffer.from(invitationId, 'base64').toString().split(':')[1]!;
    await ts.gql(RESEND, { id: invitationId }, t.admin.token); // rate-limited: no event
    expect(await auditCount(ts, t.orgId)).toBe(start + 1);
    await emOf(ts.orm).execute(`update invitation set last_sent_at = now() - interval '2 minutes' where id = ?`, [rawId]);
    const before = inbox.length;
    await ts.gql(RESEND, { id: invitationId }, t.admin.token);
    const mail = await waitForMail(email, before);
    const resentToken = tokenFrom(mimeParts(mail.raw).find((p) => p.type === 'text/plain')!.body);
    expect(await auditCount(ts, t.orgId)).toBe(start + 2);
    await ts.gql(ACCEPT, { token: resentToken, firstName: 'Audit', password: 'short' }); // invalid password: no event
    expect(await auditCount(ts, t.orgId)).toBe(start + 2);
    await ts.gql(ACCEPT, { token: resentToken, firstName: 'Audit', password: 'a-long-enough-passphrase' });
    expect(await auditCount(ts, t.orgId)).toBe(start + 3);
    const other = await inviteAndReadToken(t, uniqueEmail('audit2'));
    await ts.gql(REVOKE, { id: other.invitationId }, t.admin.token);
    await ts.gql(REVOKE, { id: other.invitationId }, t.admin.token); // already revoked: no change, no event
    const events = await emOf(ts.orm).execute<{ action: string; actor_label: string; before: unknown; after: unknown }[]>(
      `select action, actor_label, before, after from audit_event where org_id = ? and action like 'invitation%' order by id`,
      [t.orgId],
    );
    expect(events.map((e) => e.action)).toEqual(['invitations.sent', 'invitation.resent', 'invitation.accepted', 'invitations.sent', 'invitation.revoked']);
    expect(events[2]!.actor_label).toBe(email);
    const dump = JSON.stringify(events);
    for (const secret of [token, resentToken, other.token, hashToken(token), hashToken(resentToken)]) expect(dump).not.toContain(secret);
  });
});

describe('without SMTP (R8 development outbox)', () => {
  it('R8 mail goes to the dev outbox, readable by platform admins only, and its link works', async () => {
    const dev = await startTestServer({ PUBLIC_URL });
    try {
      expect(dev.server.app.mailer.mode).toBe('outbox');
      const t = await team(dev, 'Devco');
      const email = uniqueEmail('outbox');
      const mails = inbox.length;
      const res = await invite(t, email, ['viewer'], t.admin.token, dev);
      expect(res.results[0]).toMatchObject({ status: 'INVITED', emailSent: true });
      expect(inbox.length).toBe(mails); // nothing went to the SMTP server
      const OUTBOX = `query O($to: String) { devOutbox(to: $to, first: 5) { edges { node { to subject text html } } } }`;
      const admin = await createUser(dev.orm, { platformAdmin: true });
      const adminToken = (await signIn(dev, admin.email)).accessToken;
      const outbox = (await dev.gql(OUTBOX, { to: email }, adminToken)).data.devOutbox.edges;
      expect(outbox).toHaveLength(1);
      expect(outbox[0].node.subject).toBe('Join Devco on Gatehouse');
      expect(outbox[0].node.html).toContain('/invitations/accept#token=');
      const token = tokenFrom(outbox[0].node.text);
      // Not for organization admins.
      expect((await dev.gql(OUTBOX, { to: email }, t.owner.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const accepted = await dev.gql(ACCEPT, { token, firstName: 'Out', lastName: 'Box', password: 'a-long-enough-passphrase' });
      expect(accepted.data.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
      expect(await membershipCount(t.orgId, email, dev)).toBe(1);
    } finally {
      await dev.close();
    }
  });

  it('R8 a preset without invitations refuses them with PolicyError', async () => {
    const reoclo = await startTestServer({ GATEHOUSE_PRESET: 'reoclo' });
    try {
      const org = await createOrg(reoclo, 'Reo');
      const admin = await addMember(reoclo, org.id, ['admin']);
      const res = await reoclo.gql(
        INVITE,
        { org: gid('Organization', org.id), emails: [uniqueEmail('reo')], roles: [await roleGid(reoclo, org.id, 'viewer')] },
        (await signIn(reoclo, admin.email)).accessToken,
      );
      expect(res.data.inviteMembers.__typename).toBe('PolicyError');
      expect(await count(`select count(*)::int as n from invitation`, [], reoclo)).toBe(0);
    } finally {
      await reoclo.close();
    }
  });
});
