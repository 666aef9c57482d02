import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personOf } from '../../src/acting.ts';
import { emOf } from '../../src/db/orm.ts';
import { AuthError } from '../../src/errors.ts';
import { lockOrganization, permissionsAfterLock } from '../../src/modules/memberships/membership.locks.ts';
import { serviceAccountStandIn } from '../../src/modules/service-accounts/service-account.principal.ts';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type TestServer } from '../harness.ts';

/**
 * R23 a service account acts like a member within its roles: the organization's operations (members,
 * invitations, roles, settings, the audit log) × a service account with the permission (admin role,
 * by API key and by client-credentials token), without it (viewer role), and of a foreign
 * organization. Account, platform-admin and credential-management operations stay refused for every
 * service account. The expected table is written out, not derived from the rules.
 */

type Actor = 'saAdminKey' | 'saAdminToken' | 'saViewer' | 'saForeign';
const ACTORS: Actor[] = ['saAdminKey', 'saAdminToken', 'saViewer', 'saForeign'];
const WITH_PERMISSION: Actor[] = ['saAdminKey', 'saAdminToken'];
const ANY_OWN: Actor[] = ['saAdminKey', 'saAdminToken', 'saViewer'];
const NOBODY: Actor[] = [];

interface Fixture {
  orgId: string;
  target: { userId: string; membershipId: string };
  customRoleId: string;
}

type Outcome = 'allowed' | 'denied';

let ts: TestServer;
let orgId: string;
let foreignOrgId: string;
let ownerSession: string;
const bearers = {} as Record<Actor, string>;
const accountIds = {} as Record<'admin' | 'viewer', string>;

const CREATE_ACCOUNT = `mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { __typename ... on ServiceAccount { id clientId } ... on Error { message } } }`;
const CREATE_KEY = `mutation($input: CreateServiceAccountKeyInput!) { createServiceAccountKey(input: $input) { __typename ... on CreatedServiceAccountKey { secret } } }`;

async function serviceAccount(session: string, org: string, roleKey: string): Promise<{ id: string; clientId: string; secret: string }> {
  const created = await ts.gql(CREATE_ACCOUNT, { input: { organizationId: gid('Organization', org), name: `svc-${crypto.randomUUID().slice(0, 8)}`, roleIds: [await roleGid(ts, org, roleKey)] } }, session);
  const account = created.data?.createServiceAccount;
  if (account?.__typename !== 'ServiceAccount') throw new Error(JSON.stringify(created));
  const key = (await ts.gql(CREATE_KEY, { input: { serviceAccountId: account.id, name: 'k' } }, session)).data.createServiceAccountKey;
  return { id: account.id, clientId: account.clientId, secret: key.secret };
}

async function clientCredentialsToken(clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${ts.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }) });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(JSON.stringify(body));
  return body.access_token;
}

/** A mutation is allowed when it returns its payload type, denied on FORBIDDEN or NotFoundError. */
function mutation(field: string, doc: string, successType: string, vars: (f: Fixture) => Promise<Record<string, unknown>> | Record<string, unknown>) {
  return async (bearer: string, f: Fixture): Promise<Outcome> => {
    const res = await ts.gql(doc, await vars(f), bearer);
    const payload = res.data?.[field];
    if (payload?.__typename === successType) return 'allowed';
    const code = res.errors?.[0]?.extensions?.code;
    if (code === 'FORBIDDEN' || payload?.__typename === 'NotFoundError') return 'denied';
    throw new Error(`${field}: unexpected answer ${JSON.stringify(res)}`);
  };
}

function query(doc: string, vars: (f: Fixture) => Record<string, unknown>, answered: (data: any) => unknown) {
  return async (bearer: string, f: Fixture): Promise<Outcome> => {
    const res = await ts.gql(doc, vars(f), bearer);
    if (res.data && answered(res.data)) return 'allowed';
    if (res.errors?.[0]?.extensions?.code === 'FORBIDDEN' || (res.data && !answered(res.data))) return 'denied';
    throw new Error(`unexpected answer ${JSON.stringify(res)}`);
  };
}

const OPERATIONS: { name: string; allowed: Actor[]; run: (bearer: string, f: Fixture) => Promise<Outcome> }[] = [
  {
    name: 'organization.members (query)',
    allowed: ANY_OWN,
    run: query(`query($a: ID!) { node(id: $a) { ... on Organization { members(first: 5) { totalCount edges { node { user { email } } } } } } }`, (f) => ({ a: gid('Organization', f.orgId) }), (d) => d.node?.members?.edges?.[0]?.node?.user?.email),
  },
  {
    name: 'organization(id) (query)',
    allowed: ANY_OWN,
    run: query(`query($a: ID!) { node(id: $a) { id } }`, (f) => ({ a: gid('Organization', f.orgId) }), (d) => d.node?.id),
  },
  {
    name: 'can members:read (query)',
    allowed: ANY_OWN,
    run: query(`query($a: ID!) { can(organizationId: $a, permissions: ["members:read"]) { allowed } }`, (f) => ({ a: gid('Organization', f.orgId) }), (d) => d.can?.[0]?.allowed),
  },
  {
    name: 'organization.auditLog (query)',
    allowed: WITH_PERMISSION,
    run: query(`query($a: ID!) { node(id: $a) { ... on Organization { auditLog(first: 5) { totalCount } } } }`, (f) => ({ a: gid('Organization', f.orgId) }), (d) => d.node?.auditLog),
  },
  {
    name: 'lookupUser (query)',
    allowed: WITH_PERMISSION,
    run: query(`query($a: ID!) { lookupUser(organizationId: $a, email: "x@example.test") { exists } }`, (f) => ({ a: gid('Organization', f.orgId) }), (d) => d.lookupUser),
  },
  {
    name: 'inviteMembers',
    allowed: WITH_PERMISSION,
    run: mutation('inviteMembers', `mutation($a: ID!, $r: [ID!]!, $e: String!) { inviteMembers(organizationId: $a, emails: [$e], roleIds: $r) { __typename ... on Error { message } } }`, 'InviteMembersPayload', async (f) => ({
      a: gid('Organization', f.orgId),
      r: [await roleGid(ts, f.orgId, 'viewer')],
      e: `invited-${crypto.randomUUID().slice(0, 8)}@example.test`,
    })),
  },
  {
    name: 'provisionMembers',
    allowed: WITH_PERMISSION,
    run: mutation('provisionMembers', `mutation($a: ID!, $c: [ID!]!, $s: String!) { provisionMembers(organizationId: $a, members: [{ email: $s, roleIds: $c }]) { __typename ... on Error { message } } }`, 'ProvisionMembersPayload', async (f) => ({
      a: gid('Organization', f.orgId),
      c: [await roleGid(ts, f.orgId, 'viewer')],
      s: `provisioned-${crypto.randomUUID().slice(0, 8)}@example.test`,
    })),
  },
  {
    name: 'setMemberRoles',
    allowed: WITH_PERMISSION,
    run: mutation('setMemberRoles', `mutation($a: ID!, $c: [ID!]!) { setMemberRoles(membershipId: $a, roleIds: $c) { __typename ... on Error { message } } }`, 'Membership', async (f) => ({ a: gid('Membership', f.target.membershipId), c: [await roleGid(ts, f.orgId, 'developer')] })),
  },
  {
    name: 'setMembershipStatus',
    allowed: WITH_PERMISSION,
    run: mutation('setMembershipStatus', `mutation($a: ID!) { setMembershipStatus(membershipId: $a, status: DISABLED) { __typename ... on Error { message } } }`, 'Membership', (f) => ({ a: gid('Membership', f.target.membershipId) })),
  },
  {
    name: 'removeMember',
    allowed: WITH_PERMISSION,
    run: mutation('removeMember', `mutation($a: ID!) { removeMember(membershipId: $a) { __typename ... on Error { message } } }`, 'RemovedMemberPayload', (f) => ({ a: gid('Membership', f.target.membershipId) })),
  },
  {
    name: 'updateOrganization',
    allowed: WITH_PERMISSION,
    run: mutation('updateOrganization', `mutation($a: ID!) { updateOrganization(input: { organizationId: $a, name: "Renamed by a service" }) { __typename ... on Error { message } } }`, 'Organization', (f) => ({ a: gid('Organization', f.orgId) })),
  },
  {
    name: 'createRole',
    allowed: WITH_PERMISSION,
    run: mutation('createRole', `mutation($a: ID!, $s: String!) { createRole(input: { organizationId: $a, name: $s, permissions: ["projects:read"] }) { __typename ... on Error { message } } }`, 'Role', (f) => ({ a: gid('Organization', f.orgId), s: `Role ${crypto.randomUUID().slice(0, 8)}` })),
  },
  {
    name: 'updateRole',
    allowed: WITH_PERMISSION,
    run: mutation('updateRole', `mutation($a: ID!) { updateRole(input: { roleId: $a, description: "changed" }) { __typename ... on Error { message } } }`, 'Role', (f) => ({ a: gid('Role', f.customRoleId) })),
  },
  {
    name: 'deleteRole',
    allowed: WITH_PERMISSION,
    run: mutation('deleteRole', `mutation($a: ID!) { deleteRole(roleId: $a, force: true) { __typename ... on Error { message } } }`, 'DeletedPayload', (f) => ({ a: gid('Role', f.customRoleId) })),
  },
  // Never for a service account, whatever its roles: a person's account, platform administration, credentials.
  {
    name: 'resetMemberPassword',
    allowed: NOBODY,
    run: mutation('resetMemberPassword', `mutation($a: ID!) { resetMemberPassword(membershipId: $a) { __typename } }`, 'TemporaryPasswordPayload', (f) => ({ a: gid('Membership', f.target.membershipId) })),
  },
  {
    name: 'changePassword',
    allowed: NOBODY,
    run: mutation('changePassword', `mutation { changePassword(currentPassword: "x", newPassword: "correct-horse-battery-10") { __typename } }`, 'AuthPayload', () => ({})),
  },
  {
    name: 'signOutEverywhere',
    allowed: NOBODY,
    run: mutation('signOutEverywhere', `mutation { signOutEverywhere { __typename } }`, 'SignOutPayload', () => ({})),
  },
  {
    name: 'viewer (query)',
    allowed: NOBODY,
    run: query(`{ viewer { id } }`, () => ({}), (d) => d.viewer),
  },
  {
    name: 'users (query, platform admin)',
    allowed: NOBODY,
    run: query(`{ users(first: 1) { edges { node { id } } } }`, () => ({}), (d) => d.users),
  },
  {
    name: 'createOrganization',
    allowed: NOBODY,
    run: mutation('createOrganization', `mutation($s: String!) { createOrganization(input: { name: $s }) { __typename } }`, 'Organization', () => ({ s: `Org ${crypto.randomUUID().slice(0, 8)}` })),
  },
  {
    name: 'setOrganizationStatus',
    allowed: NOBODY,
    run: mutation('setOrganizationStatus', `mutation($a: ID!) { setOrganizationStatus(organizationId: $a, status: ACTIVE) { __typename } }`, 'Organization', (f) => ({ a: gid('Organization', f.orgId) })),
  },
  {
    name: 'createServiceAccount',
    allowed: NOBODY,
    run: mutation('createServiceAccount', CREATE_ACCOUNT, 'ServiceAccount', async (f) => ({ input: { organizationId: gid('Organization', f.orgId), name: `m-${crypto.randomUUID().slice(0, 8)}`, roleIds: [await roleGid(ts, f.orgId, 'viewer')] } })),
  },
  {
    name: 'createPersonalAccessToken',
    allowed: NOBODY,
    run: mutation('createPersonalAccessToken', `mutation($o: ID!) { createPersonalAccessToken(input: { organizationId: $o, name: "t", permissions: ["projects:read"] }) { __typename } }`, 'CreatedPersonalAccessToken', (f) => ({ o: gid('Organization', f.orgId) })),
  },
  {
    name: 'createWebhookEndpoint',
    allowed: NOBODY,
    run: mutation('createWebhookEndpoint', `mutation($o: ID!) { createWebhookEndpoint(input: { organizationId: $o, url: "https://hooks.example.com/x", eventTypes: ["*"] }) { __typename } }`, 'WebhookSecretPayload', (f) => ({ o: gid('Organization', f.orgId) })),
  },
];

async function freshFixture(): Promise<Fixture> {
  const target = await addMember(ts, orgId, ['viewer']);
  // Custom roles are capped per organization: each case gets its own, unassigned, and the last one goes.
  await emOf(ts.orm).execute(`delete from role where org_id = ? and not builtin`, [orgId]);
  const customRoleId = crypto.randomUUID();
  await emOf(ts.orm).execute(`insert into role (id, org_id, key, name, permissions, builtin) values (?, ?, ?, ?, '{projects:read}', false)`, [
    customRoleId,
    orgId,
    `custom-${customRoleId.slice(0, 8)}`,
    `Custom ${customRoleId.slice(0, 8)}`,
  ]);
  return { orgId, target, customRoleId };
}

beforeAll(async () => {
  ts = await startTestServer();
  const owner = await createUser(ts.orm);
  orgId = (await createOrg(ts, 'Acting services', owner.id)).id;
  ownerSession = (await signIn(ts, owner.email)).accessToken;
  const foreignOwner = await createUser(ts.orm);
  foreignOrgId = (await createOrg(ts, 'Foreign services', foreignOwner.id)).id;
  const admin = await serviceAccount(ownerSession, orgId, 'admin');
  const viewer = await serviceAccount(ownerSession, orgId, 'viewer');
  const foreign = await serviceAccount((await signIn(ts, foreignOwner.email)).accessToken, foreignOrgId, 'admin');
  accountIds.admin = admin.id;
  accountIds.viewer = viewer.id;
  bearers.saAdminKey = admin.secret;
  bearers.saAdminToken = await clientCredentialsToken(admin.clientId, admin.secret);
  bearers.saViewer = viewer.secret;
  bearers.saForeign = foreign.secret;
});
afterAll(async () => ts?.close());

describe('authorization matrix: organization operations × service account with / without the permission × own / foreign organization (R1, R3, R23)', () => {
  for (const op of OPERATIONS) {
    it(`R23 ${op.name}`, async () => {
      const outcomes: Record<string, Outcome> = {};
      const expected: Record<string, Outcome> = {};
      for (const actor of ACTORS) {
        outcomes[actor] = await op.run(bearers[actor], await freshFixture());
        expected[actor] = op.allowed.includes(actor) ? 'allowed' : 'denied';
      }
      expect(outcomes).toEqual(expected);
    });
  }
});

describe('a service account acting on its organization (R3, R13, R2)', () => {
  const SET_ROLES = `mutation($a: ID!, $c: [ID!]!) { setMemberRoles(membershipId: $a, roleIds: $c) { __typename ... on Error { message } } }`;

  it('R13 R23 the audit event names the service account as the actor, and no person; an invitation it sends names no inviter', async () => {
    const f = await freshFixture();
    const res = await ts.gql(SET_ROLES, { a: gid('Membership', f.target.membershipId), c: [await roleGid(ts, orgId, 'developer')] }, bearers.saAdminKey);
    expect(res.data.setMemberRoles.__typename).toBe('Membership');
    const [event] = await emOf(ts.orm).execute<{ actor_user_id: string | null; actor_label: string }[]>(
      `select actor_user_id, actor_label from audit_event where org_id = ? and action = 'membership.roles_changed' and target_id = ? order by id desc limit 1`,
      [orgId, f.target.membershipId],
    );
    expect(event!.actor_user_id).toBeNull();
    expect(event!.actor_label).toBe(`service account "${(await nameOf(accountIds.admin))}" (${rawId(accountIds.admin)})`);
    const email = `from-service-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const invited = await ts.gql(`mutation($a: ID!, $r: [ID!]!, $e: String!) { inviteMembers(organizationId: $a, emails: [$e], roleIds: $r) { __typename } }`, { a: gid('Organization', orgId), r: [await roleGid(ts, orgId, 'viewer')], e: email }, bearers.saAdminToken);
    expect(invited.data.inviteMembers.__typename).toBe('InviteMembersPayload');
    const [invitation] = await emOf(ts.orm).execute<{ inviter_id: string | null }[]>(`select inviter_id from invitation where org_id = ? and email = ?`, [orgId, email]);
    expect(invitation!.inviter_id).toBeNull();
    const [inviteEvent] = await emOf(ts.orm).execute<{ actor_label: string }[]>(`select actor_label from audit_event where org_id = ? and action like 'invitation%' order by id desc limit 1`, [orgId]);
    expect(inviteEvent!.actor_label).toMatch(/^service account "/);
  });

  it('R3 the grant ceiling applies: an admin service account cannot give a role holding org:own, nor invite with one', async () => {
    const f = await freshFixture();
    const owner = await roleGid(ts, orgId, 'owner');
    const res = await ts.gql(SET_ROLES, { a: gid('Membership', f.target.membershipId), c: [owner] }, bearers.saAdminKey);
    expect(res.data.setMemberRoles.__typename).toBe('GrantCeilingError');
    const invited = await ts.gql(`mutation($a: ID!, $r: [ID!]!) { inviteMembers(organizationId: $a, emails: ["ceiling@example.test"], roleIds: $r) { __typename } }`, { a: gid('Organization', orgId), r: [owner] }, bearers.saAdminKey);
    expect(invited.data.inviteMembers.__typename).toBe('GrantCeilingError');
  });

  it('R2 demoting the service account takes the permission away on its very next request (key and access token alike)', async () => {
    const demoted = await serviceAccount(ownerSession, orgId, 'admin');
    const token = await clientCredentialsToken(demoted.clientId, demoted.secret);
    const f = await freshFixture();
    const before = await ts.gql(SET_ROLES, { a: gid('Membership', f.target.membershipId), c: [await roleGid(ts, orgId, 'developer')] }, token);
    expect(before.data.setMemberRoles.__typename).toBe('Membership');
    const change = await ts.gql(`mutation($s: ID!, $r: [ID!]!) { setServiceAccountRoles(serviceAccountId: $s, roleIds: $r) { __typename } }`, { s: demoted.id, r: [await roleGid(ts, orgId, 'viewer')] }, ownerSession);
    expect(change.data.setServiceAccountRoles.__typename).toBe('ServiceAccount');
    for (const bearer of [demoted.secret, token]) {
      const after = await ts.gql(SET_ROLES, { a: gid('Membership', f.target.membershipId), c: [await roleGid(ts, orgId, 'viewer')] }, bearer);
      expect(after.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});

describe('rule checks read a service account’s roles after the lock (R2)', () => {
  it('R2 permissionsAfterLock answers the roles committed now, not those the request authenticated with; nothing in another organization', async () => {
    const account = await serviceAccount(ownerSession, orgId, 'admin');
    // What the request read when it authenticated: the admin role's permissions.
    const standIn = serviceAccountStandIn({ id: rawId(account.id), orgId, name: 'stale', keyId: null, permissions: new Set(['members:read', 'members:update']) });
    const change = await ts.gql(`mutation($s: ID!, $r: [ID!]!) { setServiceAccountRoles(serviceAccountId: $s, roleIds: $r) { __typename } }`, { s: account.id, r: [await roleGid(ts, orgId, 'viewer')] }, ownerSession);
    expect(change.data.setServiceAccountRoles.__typename).toBe('ServiceAccount');
    const now = await emOf(ts.orm).transactional(async (tx) => {
      await lockOrganization(tx, orgId);
      return permissionsAfterLock(tx, orgId, standIn);
    });
    expect(now.has('members:read')).toBe(true);
    expect(now.has('members:update')).toBe(false);
    const elsewhere = await emOf(ts.orm).transactional((tx) => permissionsAfterLock(tx, foreignOrgId, standIn));
    expect([...elsewhere]).toEqual([]);
    expect(standIn.isPlatformAdmin).toBe(false);
    expect(standIn.id).toBeNull();
  });
});

describe('a service account’s stand-in is no person (R23)', () => {
  it('R23 its id is null in its type too, and what needs a person refuses it', () => {
    const standIn = serviceAccountStandIn({ id: crypto.randomUUID(), orgId, name: 'svc', keyId: null, permissions: new Set(['members:read']) });
    // @ts-expect-error the typecheck (tsc over the tests) proves a stand-in's id cannot pass for a user id
    const userId: string = standIn.id;
    expect(userId).toBeNull();
    let refused: unknown;
    try {
      personOf({ user: standIn });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
  });
});

const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;
async function nameOf(accountGid: string): Promise<string> {
  return (await emOf(ts.orm).execute<{ name: string }[]>(`select name from service_account where id = ?`, [rawId(accountGid)]))[0]!.name;
}
