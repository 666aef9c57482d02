import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type TestServer } from './harness.ts';

/**
 * Every operation × every built-in role of the default preset × own org / foreign org / non-member /
 * platform admin, against the expected table below (written out, not derived from the rules).
 */
type Actor = 'owner' | 'admin' | 'manager' | 'developer' | 'viewer' | 'foreignOwner' | 'nonMember' | 'platformAdmin';
const ACTORS: Actor[] = ['owner', 'admin', 'manager', 'developer', 'viewer', 'foreignOwner', 'nonMember', 'platformAdmin'];

interface Fixture {
  orgId: string;
  /** A fresh viewer member of the org, made per case so destructive operations do not interfere. */
  target: { userId: string; membershipId: string; email: string };
  customRoleId: string;
}

interface Operation {
  name: string;
  allowed: Actor[];
  run(ts: TestServer, token: string, f: Fixture): Promise<'allowed' | 'denied'>;
}

const OWNER_ADMIN: Actor[] = ['owner', 'admin', 'platformAdmin'];
const ALL_MEMBERS: Actor[] = ['owner', 'admin', 'manager', 'developer', 'viewer', 'platformAdmin'];

/** A mutation is allowed when it returns its payload type, denied on FORBIDDEN or NotFoundError. */
function mutation(field: string, doc: string, successType: string, vars: (f: Fixture, ts: TestServer) => Promise<Record<string, unknown>> | Record<string, unknown>) {
  return async (ts: TestServer, token: string, f: Fixture) => {
    const res = await ts.gql(doc, await vars(f, ts), token);
    const payload = res.data?.[field];
    if (payload?.__typename === successType) return 'allowed' as const;
    const code = res.errors?.[0]?.extensions?.code;
    if (code === 'FORBIDDEN' || payload?.__typename === 'NotFoundError') return 'denied' as const;
    throw new Error(`${field}: unexpected answer ${JSON.stringify(res)}`);
  };
}

const OPERATIONS: Operation[] = [
  {
    name: 'setMemberRoles',
    allowed: OWNER_ADMIN,
    run: mutation('setMemberRoles', `mutation($a: ID!, $c: [ID!]!) { setMemberRoles(membershipId: $a, roleIds: $c) { __typename ... on Error { message } } }`, 'Membership', async (f, ts) => ({ a: gid('Membership', f.target.membershipId), c: [await roleGid(ts, f.orgId, 'developer')] })),
  },
  {
    name: 'setMembershipStatus',
    allowed: OWNER_ADMIN,
    run: mutation('setMembershipStatus', `mutation($a: ID!) { setMembershipStatus(membershipId: $a, status: DISABLED) { __typename } }`, 'Membership', (f) => ({ a: gid('Membership', f.target.membershipId) })),
  },
  {
    name: 'removeMember',
    allowed: OWNER_ADMIN,
    run: mutation('removeMember', `mutation($a: ID!) { removeMember(membershipId: $a) { __typename } }`, 'RemovedMemberPayload', (f) => ({ a: gid('Membership', f.target.membershipId) })),
  },
  {
    name: 'resetMemberPassword',
    allowed: OWNER_ADMIN,
    run: mutation('resetMemberPassword', `mutation($a: ID!) { resetMemberPassword(membershipId: $a) { __typename } }`, 'TemporaryPasswordPayload', (f) => ({ a: gid('Membership', f.target.membershipId) })),
  },
  {
    name: 'provisionMembers',
    allowed: OWNER_ADMIN,
    run: mutation('provisionMembers', `mutation($a: ID!, $c: [ID!]!, $s: String!) { provisionMembers(organizationId: $a, members: [{ email: $s, roleIds: $c }]) { __typename } }`, 'ProvisionMembersPayload', async (f, ts) => ({
      a: gid('Organization', f.orgId),
      c: [await roleGid(ts, f.orgId, 'viewer')],
      s: `new-${crypto.randomUUID().slice(0, 8)}@example.test`,
    })),
  },
  {
    name: 'updateUser',
    allowed: OWNER_ADMIN,
    run: mutation('updateUser', `mutation($a: ID!) { updateUser(input: { userId: $a, firstName: "Renamed" }) { __typename } }`, 'User', (f) => ({ a: gid('User', f.target.userId) })),
  },
  {
    name: 'deleteUser',
    allowed: OWNER_ADMIN,
    run: mutation('deleteUser', `mutation($a: ID!, $i: ID) { deleteUser(userId: $a, organizationId: $i) { __typename } }`, 'DeletedPayload', (f) => ({ a: gid('User', f.target.userId), i: gid('Organization', f.orgId) })),
  },
  {
    name: 'updateOrganization',
    allowed: OWNER_ADMIN,
    run: mutation('updateOrganization', `mutation($a: ID!) { updateOrganization(input: { organizationId: $a, name: "Renamed Org" }) { __typename } }`, 'Organization', (f) => ({ a: gid('Organization', f.orgId) })),
  },
  {
    name: 'createRole',
    allowed: OWNER_ADMIN,
    run: mutation('createRole', `mutation($a: ID!, $s: String!) { createRole(input: { organizationId: $a, name: $s, permissions: ["projects:read"] }) { __typename } }`, 'Role', (f) => ({ a: gid('Organization', f.orgId), s: `Role ${crypto.randomUUID().slice(0, 8)}` })),
  },
  {
    name: 'updateRole',
    allowed: OWNER_ADMIN,
    run: mutation('updateRole', `mutation($a: ID!) { updateRole(input: { roleId: $a, description: "changed" }) { __typename } }`, 'Role', (f) => ({ a: gid('Role', f.customRoleId) })),
  },
  {
    name: 'lookupUser (query)',
    allowed: OWNER_ADMIN,
    run: async (ts, token, f) => {
      const res = await ts.gql(`query($a: ID!) { lookupUser(organizationId: $a, email: "x@example.test") { exists } }`, { a: gid('Organization', f.orgId) }, token);
      if (res.data?.lookupUser) return 'allowed';
      if (res.errors?.[0]?.extensions?.code === 'FORBIDDEN') return 'denied';
      throw new Error(JSON.stringify(res));
    },
  },
  {
    name: 'organization.members (query)',
    allowed: ALL_MEMBERS,
    run: async (ts, token, f) => {
      const res = await ts.gql(`query($a: ID!) { node(id: $a) { ... on Organization { members(first: 5) { totalCount } } } }`, { a: gid('Organization', f.orgId) }, token);
      return res.data?.node?.members ? 'allowed' : 'denied';
    },
  },
  {
    name: 'organization.auditLog (query)',
    allowed: OWNER_ADMIN,
    run: async (ts, token, f) => {
      const res = await ts.gql(`query($a: ID!) { node(id: $a) { ... on Organization { auditLog(first: 5) { totalCount } } } }`, { a: gid('Organization', f.orgId) }, token);
      return res.data?.node?.auditLog ? 'allowed' : 'denied';
    },
  },
  {
    name: 'node(organization) (query)',
    allowed: ALL_MEMBERS,
    run: async (ts, token, f) => {
      const res = await ts.gql(`query($a: ID!) { node(id: $a) { id } }`, { a: gid('Organization', f.orgId) }, token);
      return res.data?.node ? 'allowed' : 'denied';
    },
  },
  {
    name: 'setOrganizationStatus',
    allowed: ['platformAdmin'],
    run: mutation('setOrganizationStatus', `mutation($a: ID!) { setOrganizationStatus(organizationId: $a, status: ACTIVE) { __typename } }`, 'Organization', (f) => ({ a: gid('Organization', f.orgId) })),
  },
  {
    name: 'setUserStatus',
    allowed: ['platformAdmin'],
    run: mutation('setUserStatus', `mutation($a: ID!) { setUserStatus(userId: $a, status: DISABLED) { __typename } }`, 'User', (f) => ({ a: gid('User', f.target.userId) })),
  },
  {
    name: 'createOrganization',
    allowed: ['platformAdmin'],
    run: mutation('createOrganization', `mutation($s: String!) { createOrganization(input: { name: $s }) { __typename } }`, 'Organization', () => ({ s: `Org ${crypto.randomUUID().slice(0, 8)}` })),
  },
  {
    name: 'deleteRole',
    allowed: OWNER_ADMIN,
    run: mutation('deleteRole', `mutation($a: ID!) { deleteRole(roleId: $a, force: true) { __typename } }`, 'DeletedPayload', (f) => ({ a: gid('Role', f.customRoleId) })),
  },
  {
    name: 'deleteOrganization',
    allowed: ['owner', 'platformAdmin'],
    run: async (ts, token, f) => {
      const slug = (await emOf(ts.orm).execute<{ slug: string }[]>(`select slug from organization where id = ?`, [f.orgId]))[0]!.slug;
      return mutation('deleteOrganization', `mutation($a: ID!, $s: String!) { deleteOrganization(organizationId: $a, confirmSlug: $s) { __typename } }`, 'DeletedPayload', () => ({ a: gid('Organization', f.orgId), s: slug }))(ts, token, f);
    },
  },
];

let ts: TestServer;
const tokens = {} as Record<Actor, string>;
let foreignOrgId: string;

beforeAll(async () => {
  ts = await startTestServer();
  const admin = await createUser(ts.orm, { platformAdmin: true });
  const outsider = await createUser(ts.orm);
  const foreignOwner = await createUser(ts.orm);
  foreignOrgId = (await createOrg(ts, 'Foreign', foreignOwner.id)).id;
  tokens.platformAdmin = (await signIn(ts, admin.email)).accessToken;
  tokens.nonMember = (await signIn(ts, outsider.email)).accessToken;
  tokens.foreignOwner = (await signIn(ts, foreignOwner.email)).accessToken;
});
afterAll(async () => ts?.close());

/** A fresh org per operation, with one member per role; the actor acts on a fresh viewer in it. */
async function orgWithRoleHolders() {
  const owner = await createUser(ts.orm);
  const org = await createOrg(ts, 'Matrix', owner.id);
  const members: Partial<Record<Actor, string>> = { owner: owner.email };
  for (const role of ['admin', 'manager', 'developer', 'viewer'] as const) members[role] = (await addMember(ts, org.id, [role])).email;
  const roleTokens: Partial<Record<Actor, string>> = {};
  for (const [actor, email] of Object.entries(members)) roleTokens[actor as Actor] = (await signIn(ts, email!)).accessToken;
  return { orgId: org.id, roleTokens };
}

async function freshFixture(orgId: string): Promise<Fixture> {
  const target = await addMember(ts, orgId, ['viewer']);
  const customRoleId = crypto.randomUUID();
  await emOf(ts.orm).execute(
    `insert into role (id, org_id, key, name, permissions, builtin) values (?, ?, ?, ?, '{projects:read}', false)`,
    [customRoleId, orgId, `custom-${customRoleId.slice(0, 8)}`, `Custom ${customRoleId.slice(0, 8)}`],
  );
  return { orgId, target, customRoleId };
}

describe('authorization matrix (R1, R3, R15): operation × role × own / foreign org / non-member / platform admin', () => {
  for (const op of OPERATIONS) {
    it(`${op.name}`, async () => {
      const { orgId, roleTokens } = await orgWithRoleHolders();
      const outcomes: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const actor of ACTORS) {
        // Destructive org-level operations get an org of their own per actor.
        const org = op.name === 'deleteOrganization' ? await orgWithRoleHolders() : { orgId, roleTokens };
        const token = roleTokens[actor as keyof typeof roleTokens] ? org.roleTokens[actor]! : tokens[actor];
        outcomes[actor] = await op.run(ts, token, await freshFixture(org.orgId));
        expected[actor] = op.allowed.includes(actor) ? 'allowed' : 'denied';
      }
      expect(outcomes).toEqual(expected);
    });
  }

  it('R1 the foreign owner is denied in our org but allowed in their own', async () => {
    const fixture = await freshFixture(foreignOrgId);
    const op = OPERATIONS.find((o) => o.name === 'setMemberRoles')!;
    expect(await op.run(ts, tokens.foreignOwner, fixture)).toBe('allowed');
  });
});
