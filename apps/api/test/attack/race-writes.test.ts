/**
 * R22 (with R5, R8, R12, R13) race-safe writes: the same write sent twice at the same moment gives
 * exactly one change, a typed answer for the other, never INTERNAL_SERVER_ERROR (a unique violation or
 * deadlock leaking out), and exactly one audit event per change.
 *
 * 50 rounds on PostgreSQL, where the two requests run on two connections; 10 on PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, auditCount, createOrg, createUser, gid, roleGid, startTestServer, uniqueEmail, type GqlResult, type TestServer } from '../harness.ts';
import { internalErrors, mintSession, rounds, sql } from './support.ts';

const ROUNDS = rounds(50, 10);

let ts: TestServer;
let platformToken: string;

beforeAll(async () => {
  ts = await startTestServer();
  const admin = await createUser(ts.orm, { platformAdmin: true });
  platformToken = (await mintSession(ts, admin.id)).accessToken;
});
afterAll(async () => ts?.close());

async function team(name: string) {
  const org = await createOrg(ts, name);
  const owner = await addMember(ts, org.id, ['owner']);
  const admin = await addMember(ts, org.id, ['admin']);
  return {
    org,
    orgGid: gid('Organization', org.id),
    owner,
    ownerToken: (await mintSession(ts, owner.userId)).accessToken,
    adminToken: (await mintSession(ts, admin.userId)).accessToken,
    role: (key: string) => roleGid(ts, org.id, key),
  };
}

const isTypedError = (typename: string | undefined) => Boolean(typename && /Error$/.test(typename));
const typenameOf = (res: GqlResult, field: string): string | undefined => (res.data as any)?.[field]?.__typename;

/** Common checks of one round: no 500s, every answer typed (a payload or a typed error member). */
function roundProblems(round: number, field: string, answers: GqlResult[]): string[] {
  const problems: string[] = [];
  answers.forEach((res, i) => {
    for (const m of internalErrors(res)) problems.push(`round ${round}: request ${i + 1} answered INTERNAL_SERVER_ERROR: ${m}`);
    if (!typenameOf(res, field) && !internalErrors(res).length) problems.push(`round ${round}: request ${i + 1} has no typed answer: ${JSON.stringify(res).slice(0, 200)}`);
  });
  return problems;
}

async function auditEventsFor(targetId: string): Promise<number> {
  const rows = await sql<{ n: number }>(ts, `select count(*)::int as n from audit_event where target_id = ?`, [targetId]);
  return Number(rows[0]!.n);
}

describe(`R22 race-safe writes (${ROUNDS} rounds each)`, () => {
  it('R22 provisionMembers of the same new email from two orgs at once: one account, one CREATED, a typed answer for the other, one audit event per change', async () => {
    const a = await team('Race Prov A');
    const b = await team('Race Prov B');
    const roles = [await a.role('viewer'), await b.role('viewer')];
    const q = `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) {
      __typename ... on Error { message } ... on ProvisionMembersPayload { results { status } } } }`;
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const email = uniqueEmail('race-prov');
      const before = [await auditCount(ts, a.org.id), await auditCount(ts, b.org.id)];
      const answers = await Promise.all([
        ts.gql(q, { o: a.orgGid, m: [{ email, roleIds: [roles[0]] }] }, a.adminToken),
        ts.gql(q, { o: b.orgGid, m: [{ email, roleIds: [roles[1]] }] }, b.adminToken),
      ]);
      problems.push(...roundProblems(round, 'provisionMembers', answers));
      const statuses = answers.map((r) => (r.data as any)?.provisionMembers?.results?.[0]?.status as string | undefined);
      const accounts = Number((await sql<{ n: number }>(ts, `select count(*)::int as n from "user" where lower(email) = ?`, [email]))[0]!.n);
      if (accounts !== 1) problems.push(`round ${round}: ${accounts} accounts hold ${email}`);
      if (statuses.filter((s) => s === 'CREATED').length !== 1) problems.push(`round ${round}: statuses ${JSON.stringify(statuses)} (typenames ${answers.map((r) => typenameOf(r, 'provisionMembers'))}), expected exactly one CREATED`);
      // R20: the other org must not be handed the unproven account just created.
      if (statuses.includes('ADDED')) problems.push(`round ${round}: the second org was given the unproven account (ADDED)`);
      const changes = statuses.filter((s) => s === 'CREATED' || s === 'ADDED').length;
      const events = (await auditCount(ts, a.org.id)) - before[0]! + (await auditCount(ts, b.org.id)) - before[1]!;
      if (events !== changes) problems.push(`round ${round}: ${events} audit events for ${changes} changes`);
    }
    expect(problems).toEqual([]);
  }, 240_000);

  it('R22 inviteMembers of the same email twice at once: one pending invitation, one INVITED, one audit event', async () => {
    const t = await team('Race Invite');
    const viewer = await t.role('viewer');
    const q = `mutation($o: ID!, $r: [ID!]!, $e: [String!]!) { inviteMembers(organizationId: $o, roleIds: $r, emails: $e) {
      __typename ... on Error { message } ... on InviteMembersPayload { results { status } } } }`;
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const email = uniqueEmail('race-invite');
      const before = await auditCount(ts, t.org.id);
      const answers = await Promise.all([ts.gql(q, { o: t.orgGid, r: [viewer], e: [email] }, t.adminToken), ts.gql(q, { o: t.orgGid, r: [viewer], e: [email] }, t.ownerToken)]);
      problems.push(...roundProblems(round, 'inviteMembers', answers));
      const statuses = answers.map((r) => (r.data as any)?.inviteMembers?.results?.[0]?.status as string | undefined);
      const invited = statuses.filter((s) => s === 'INVITED').length;
      if (invited !== 1) problems.push(`round ${round}: statuses ${JSON.stringify(statuses)} (typenames ${answers.map((r) => typenameOf(r, 'inviteMembers'))}), expected exactly one INVITED`);
      for (const [i, s] of statuses.entries()) {
        if (s !== 'INVITED' && s !== 'ALREADY_INVITED' && !isTypedError(typenameOf(answers[i]!, 'inviteMembers'))) problems.push(`round ${round}: request ${i + 1} answered ${s ?? typenameOf(answers[i]!, 'inviteMembers')}`);
      }
      const pending = Number((await sql<{ n: number }>(ts, `select count(*)::int as n from invitation where org_id = ? and lower(email) = ? and status = 'PENDING'`, [t.org.id, email]))[0]!.n);
      if (pending !== 1) problems.push(`round ${round}: ${pending} pending invitations for ${email}`);
      const events = (await auditCount(ts, t.org.id)) - before;
      if (events !== invited) problems.push(`round ${round}: ${events} audit events for ${invited} invitations`);
    }
    expect(problems).toEqual([]);
  }, 240_000);

  it('R22 setMemberRoles twice at once: serializable (no lost update), one audit event per success, the final roles those of the last event', async () => {
    const t = await team('Race Roles');
    const target = await addMember(ts, t.org.id, ['viewer']);
    const sets = [[await t.role('developer')], [await t.role('manager')], [await t.role('viewer')]];
    const q = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename ... on Error { message } } }`;
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = await auditEventsFor(target.membershipId);
      const x = round % 3;
      const y = (round + 1) % 3;
      const answers = await Promise.all([
        ts.gql(q, { m: target.gid.membership, r: sets[x] }, t.adminToken),
        ts.gql(q, { m: target.gid.membership, r: sets[y] }, t.ownerToken),
      ]);
      problems.push(...roundProblems(round, 'setMemberRoles', answers));
      const successes = answers.filter((r) => typenameOf(r, 'setMemberRoles') === 'Membership').length;
      if (successes === 0) problems.push(`round ${round}: neither change succeeded: ${answers.map((r) => typenameOf(r, 'setMemberRoles') ?? JSON.stringify(r.errors))}`);
      const events = await sql<{ before: any; after: any }>(
        ts,
        `select before, after from audit_event where target_id = ? and action = 'membership.roles_changed' order by created_at, id`,
        [target.membershipId],
      );
      const parse = (v: any) => (typeof v === 'string' ? JSON.parse(v) : v);
      if (events.length - before !== successes) problems.push(`round ${round}: ${events.length - before} audit events for ${successes} successful changes`);
      const mine = events.slice(before).map((e) => ({ before: parse(e.before)?.roles, after: parse(e.after)?.roles }));
      for (let i = 1; i < mine.length; i++) {
        if (JSON.stringify(mine[i]!.before) !== JSON.stringify(mine[i - 1]!.after)) problems.push(`round ${round}: lost update: event ${i} saw roles ${JSON.stringify(mine[i]!.before)} but the previous change had set ${JSON.stringify(mine[i - 1]!.after)}`);
      }
      const final = (await sql<{ key: string }>(ts, `select r.key from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = ? order by r.key`, [target.membershipId])).map((r) => r.key);
      const last = mine.at(-1)?.after;
      if (last && JSON.stringify([...last].sort()) !== JSON.stringify(final)) problems.push(`round ${round}: stored roles ${JSON.stringify(final)} differ from the last audit event's ${JSON.stringify(last)}`);
    }
    expect(problems).toEqual([]);
  }, 240_000);

  it('R22 removeMember twice at once: one removal, a NotFoundError for the other, one audit event', async () => {
    const t = await team('Race Remove');
    const q = `mutation($m: ID!) { removeMember(membershipId: $m) { __typename ... on Error { message } } }`;
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const target = await addMember(ts, t.org.id, ['viewer']);
      const answers = await Promise.all([ts.gql(q, { m: target.gid.membership }, t.adminToken), ts.gql(q, { m: target.gid.membership }, t.ownerToken)]);
      problems.push(...roundProblems(round, 'removeMember', answers));
      const typenames = answers.map((r) => typenameOf(r, 'removeMember'));
      if (typenames.filter((n) => n === 'RemovedMemberPayload').length !== 1 || !typenames.some(isTypedError)) problems.push(`round ${round}: answers ${JSON.stringify(typenames.map((n, i) => n ?? answers[i]!.errors?.[0]?.extensions?.code))}, expected one RemovedMemberPayload and a typed error (NotFoundError) for the other`);
      const events = await auditEventsFor(target.membershipId);
      if (events !== 1) problems.push(`round ${round}: ${events} audit events for one removal`);
    }
    expect(problems).toEqual([]);
  }, 240_000);

  it('R22 createRole with the same name twice at once: one role, a typed error for the other, one audit event', async () => {
    const t = await team('Race Role Create');
    const q = `mutation($i: CreateRoleInput!) { createRole(input: $i) { __typename ... on Role { id } ... on Error { message } } }`;
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const name = `Race role ${round}`;
      const before = await auditCount(ts, t.org.id);
      const input = { organizationId: t.orgGid, name, permissions: ['members:read'] };
      const answers = await Promise.all([ts.gql(q, { i: input }, t.adminToken), ts.gql(q, { i: { ...input, name: name.toUpperCase() } }, t.ownerToken)]);
      problems.push(...roundProblems(round, 'createRole', answers));
      const typenames = answers.map((r) => typenameOf(r, 'createRole'));
      if (typenames.filter((n) => n === 'Role').length !== 1 || !typenames.some(isTypedError)) problems.push(`round ${round}: answers ${JSON.stringify(typenames)}, expected one Role and one typed error`);
      const stored = await sql<{ id: string }>(ts, `select id from role where org_id = ? and lower(name) = lower(?)`, [t.org.id, name]);
      if (stored.length !== 1) problems.push(`round ${round}: ${stored.length} roles named ${name}`);
      const events = (await auditCount(ts, t.org.id)) - before;
      if (events !== stored.length) problems.push(`round ${round}: ${events} audit events for ${stored.length} role(s)`);
      // Stay under the custom-role limit for the next round.
      for (const r of stored) await sql(ts, `delete from role where id = ?`, [r.id]);
    }
    expect(problems).toEqual([]);
  }, 240_000);

  it('R22 acceptInvitation twice at once (signed in, and creating the account): one membership, a typed error for the other, one audit event', async () => {
    const t = await team('Race Accept');
    const viewer = await t.role('viewer');
    const invite = `mutation($o: ID!, $r: [ID!]!, $e: [String!]!) { inviteMembers(organizationId: $o, roleIds: $r, emails: $e) { __typename } }`;
    const accept = `mutation($t: String!, $f: String, $l: String, $p: String) { acceptInvitation(token: $t, firstName: $f, lastName: $l, password: $p) { __typename ... on Error { message } } }`;
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const withAccount = round % 2 === 0;
      const email = uniqueEmail('race-accept');
      const invitee = withAccount ? await createUser(ts.orm, { email }) : undefined;
      const token = invitee ? (await mintSession(ts, invitee.id)).accessToken : undefined;
      await ts.gql(invite, { o: t.orgGid, r: [viewer], e: [email] }, t.adminToken);
      const mail = await ts.gql(`query($to: String) { devOutbox(to: $to, first: 1) { edges { node { text } } } }`, { to: email }, platformToken);
      const text: string = mail.data?.devOutbox?.edges?.[0]?.node?.text ?? '';
      const secret = /[#?&]token=([A-Za-z0-9_%-]+)/.exec(text)?.[1] ?? /\/invite\/([A-Za-z0-9_-]+)/.exec(text)?.[1];
      if (!secret) {
        problems.push(`round ${round}: no invitation mail for ${email}`);
        continue;
      }
      const before = await auditCount(ts, t.org.id);
      const vars = withAccount ? { t: decodeURIComponent(secret) } : { t: decodeURIComponent(secret), f: 'Race', l: 'Twice', p: 'race-twice-passphrase-81' };
      const answers = await Promise.all([ts.gql(accept, vars, token), ts.gql(accept, vars, token)]);
      problems.push(...roundProblems(round, 'acceptInvitation', answers));
      const typenames = answers.map((r) => typenameOf(r, 'acceptInvitation'));
      if (typenames.filter((n) => n === 'AcceptInvitationPayload').length !== 1 || !typenames.some(isTypedError)) problems.push(`round ${round} (${withAccount ? 'signed in' : 'new account'}): answers ${JSON.stringify(typenames)}, expected one AcceptInvitationPayload and one typed error`);
      const members = Number((await sql<{ n: number }>(ts, `select count(*)::int as n from membership m join "user" u on u.id = m.user_id where m.org_id = ? and lower(u.email) = ?`, [t.org.id, email]))[0]!.n);
      if (members !== 1) problems.push(`round ${round}: ${members} memberships for ${email}`);
      const events = (await auditCount(ts, t.org.id)) - before;
      if (events !== 1) problems.push(`round ${round}: ${events} audit events in the org for one acceptance`);
    }
    expect(problems).toEqual([]);
  }, 240_000);

  it('R22 deleteUser twice at once: one deletion, a NotFoundError for the other, one audit event', async () => {
    const q = `mutation($u: ID!) { deleteUser(userId: $u) { __typename ... on Error { message } } }`;
    const problems: string[] = [];
    const other = await createUser(ts.orm, { platformAdmin: true });
    const otherToken = (await mintSession(ts, other.id)).accessToken;
    for (let round = 0; round < ROUNDS; round++) {
      const victim = await createUser(ts.orm);
      const answers = await Promise.all([ts.gql(q, { u: gid('User', victim.id) }, platformToken), ts.gql(q, { u: gid('User', victim.id) }, otherToken)]);
      problems.push(...roundProblems(round, 'deleteUser', answers));
      const typenames = answers.map((r) => typenameOf(r, 'deleteUser'));
      if (typenames.filter((n) => n === 'DeletedPayload').length !== 1 || !typenames.some(isTypedError)) problems.push(`round ${round}: answers ${JSON.stringify(typenames.map((n, i) => n ?? answers[i]!.errors?.[0]?.extensions?.code))}, expected one DeletedPayload and a typed error (NotFoundError) for the other`);
      const events = Number((await sql<{ n: number }>(ts, `select count(*)::int as n from audit_event where target_id = ? and action = 'user.deleted'`, [victim.id]))[0]!.n);
      if (events !== 1) problems.push(`round ${round}: ${events} user.deleted audit events`);
    }
    expect(problems).toEqual([]);
  }, 240_000);

  it('R22 grantOrganizationAccess twice at once: one membership, a ConflictError for the other, one audit event', async () => {
    const t = await team('Race Grant');
    const viewer = await t.role('viewer');
    const q = `mutation($u: ID!, $o: ID!, $r: [ID!]!) { grantOrganizationAccess(userId: $u, organizationId: $o, roleIds: $r) { __typename ... on Error { message } } }`;
    const other = await createUser(ts.orm, { platformAdmin: true });
    const otherToken = (await mintSession(ts, other.id)).accessToken;
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const user = await createUser(ts.orm);
      const before = await auditCount(ts, t.org.id);
      const vars = { u: gid('User', user.id), o: t.orgGid, r: [viewer] };
      const answers = await Promise.all([ts.gql(q, vars, platformToken), ts.gql(q, vars, otherToken)]);
      problems.push(...roundProblems(round, 'grantOrganizationAccess', answers));
      const typenames = answers.map((r) => typenameOf(r, 'grantOrganizationAccess'));
      if (typenames.filter((n) => n === 'Membership').length !== 1 || !typenames.some(isTypedError)) problems.push(`round ${round}: answers ${JSON.stringify(typenames)}, expected one Membership and one typed error`);
      const events = (await auditCount(ts, t.org.id)) - before;
      if (events !== 1) problems.push(`round ${round}: ${events} audit events for one grant`);
    }
    expect(problems).toEqual([]);
  }, 240_000);
});
