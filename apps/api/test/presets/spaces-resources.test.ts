import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, signIn, startTestServer, type TestServer } from '../harness.ts';
import { team, type Team } from './helpers.ts';

/**
 * Seed 004 (Spaces), "Summary of User Privileges", the rows about spaces, checked row by row for
 * Admin / Editor / Operator against a space they created, a space they are assigned to, and a space
 * of their org they have nothing to do with. Expected values follow the table in presets.ts.
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'spaces' });
});
afterAll(async () => ts?.close());

const CREATE = `mutation($o: ID!, $t: String!, $n: String!) { createResource(organizationId: $o, type: $t, name: $n) { __typename ... on Resource { id } ... on Error { message } } }`;
const GRANT = `mutation($r: ID!, $m: ID!, $k: String!) { grantResourceRole(resourceId: $r, membershipId: $m, roleKey: $k) { __typename ... on Resource { id } ... on Error { message } } }`;
const CAN = `query($o: ID!, $p: [String!]!, $r: ID) { can(organizationId: $o, permissions: $p, resourceId: $r) { permission allowed } }`;

type Role = 'admin' | 'editor' | 'operator';
type Space = 'created' | 'assigned' | 'other';
const ROLES: Role[] = ['admin', 'editor', 'operator'];
/** The space role an assigned member gets (preset's defaultRoleByOrgRole; admin assigned as an editor). */
const ASSIGNED_AS: Record<Role, string> = { admin: 'space_editor', editor: 'space_editor', operator: 'space_operator' };

/**
 * presets.ts's table as data. For each row: per role, the spaces on which the permission holds
 * (created / assigned / other = a space of their org they have nothing to do with).
 * Operators cannot create spaces, so they have no "created" space to ask about.
 */
const ALL: Space[] = ['created', 'assigned', 'other'];
const OWN_OR_ASSIGNED: Space[] = ['created', 'assigned'];
const TABLE: { row: string; permission: string; spaces: Space[]; expected: Record<Role, Space[]> }[] = [
  { row: 'Access a deployed space they are assigned to', permission: 'spaces:read', spaces: ['assigned', 'other'], expected: { admin: ALL, editor: OWN_OR_ASSIGNED, operator: ['assigned'] } },
  { row: 'Start and stop a space they own or are assigned to', permission: 'spaces:start', spaces: OWN_OR_ASSIGNED, expected: { admin: ALL, editor: OWN_OR_ASSIGNED, operator: [] } },
  { row: 'Start any space within their organization', permission: 'spaces:start', spaces: ['other'], expected: { admin: ALL, editor: [], operator: [] } },
  { row: 'Deploy a space they own or are assigned to', permission: 'spaces:deploy', spaces: OWN_OR_ASSIGNED, expected: { admin: ALL, editor: OWN_OR_ASSIGNED, operator: [] } },
  { row: 'Deploy any space within their organization', permission: 'spaces:deploy', spaces: ['other'], expected: { admin: ALL, editor: [], operator: [] } },
  { row: 'Destroy a space they own or are assigned to', permission: 'spaces:destroy', spaces: OWN_OR_ASSIGNED, expected: { admin: ALL, editor: OWN_OR_ASSIGNED, operator: [] } },
  { row: 'Destroy any space within their organization', permission: 'spaces:destroy', spaces: ['other'], expected: { admin: ALL, editor: [], operator: [] } },
  { row: 'Delete a space they are assigned to', permission: 'spaces:delete', spaces: ['assigned'], expected: { admin: ALL, editor: OWN_OR_ASSIGNED, operator: [] } },
  { row: 'Assign users to a space they own', permission: 'spaces:assign', spaces: ['created'], expected: { admin: ALL, editor: ['created'], operator: [] } },
  { row: 'Assign users to any space within the organization', permission: 'spaces:assign', spaces: ['assigned', 'other'], expected: { admin: ALL, editor: ['created'], operator: [] } },
  { row: 'Invite other users to a space', permission: 'spaces:assign', spaces: ALL, expected: { admin: ALL, editor: ['created'], operator: [] } },
  { row: 'Whitelist themselves to any space they have access to', permission: 'spaces:whitelist', spaces: ALL, expected: { admin: ALL, editor: OWN_OR_ASSIGNED, operator: [] } },
  { row: 'Edit the whitelist on any space they have access to', permission: 'spaces:whitelist_manage', spaces: ALL, expected: { admin: ALL, editor: [], operator: [] } },
];
/** "Create a new space": not about a given space, asked without a resource. */
const CREATE_ROW = { row: 'Create a new space', permission: 'spaces:create', expected: { admin: true, editor: true, operator: false } as Record<Role, boolean> };

interface World {
  t: Team;
  spaces: Record<Role, Partial<Record<Space, string>>>;
}

async function createSpace(t: Team, token: string, name: string): Promise<string> {
  const res = await ts.gql(CREATE, { o: t.orgGid, t: 'space', n: name }, token);
  expect(res.data?.createResource?.__typename, JSON.stringify(res)).toBe('Resource');
  return res.data.createResource.id;
}

async function world(): Promise<World> {
  const t = await team(ts, 'Spaces', 'admin', ['editor', 'operator']);
  // A second editor, who creates the "assigned" and "other" spaces.
  const bystander = await addMember(ts, t.orgId, ['editor']);
  const by = (await signIn(ts, bystander.email)).accessToken;
  // A second admin makes the assignments (nobody changes their own roles, spaces included).
  const admin2 = (await signIn(ts, (await addMember(ts, t.orgId, ['admin'])).email)).accessToken;
  const spaces = {} as World['spaces'];
  for (const role of ROLES) {
    spaces[role] = {};
    if (role !== 'operator') spaces[role].created = await createSpace(t, t.tokens[role]!, `${role} created`);
    const assigned = await createSpace(t, by, `${role} assigned`);
    const g = await ts.gql(GRANT, { r: assigned, m: t.members[role]!.gid.membership, k: ASSIGNED_AS[role] }, admin2);
    expect(g.data?.grantResourceRole?.__typename, JSON.stringify(g)).toBe('Resource');
    spaces[role].assigned = assigned;
    spaces[role].other = await createSpace(t, by, `${role} other`);
  }
  return { t, spaces };
}

async function allowed(t: Team, token: string, permission: string, resourceId: string | null): Promise<boolean> {
  const res = await ts.gql(CAN, { o: t.orgGid, p: [permission], r: resourceId }, token);
  expect(res.errors, JSON.stringify(res)).toBeUndefined();
  return res.data.can[0].allowed;
}

describe('spaces preset (seed 004): Summary of User Privileges, per space', () => {
  it.each(TABLE)('$row ($permission)', async ({ permission, spaces, expected }) => {
    const w = await world();
    const actual: Record<string, Space[]> = {};
    const want: Record<string, Space[]> = {};
    for (const role of ROLES) {
      actual[role] = [];
      want[role] = [];
      for (const s of spaces) {
        const id = w.spaces[role][s];
        if (!id) continue; // operators create no space
        if (expected[role].includes(s)) want[role]!.push(s);
        if (await allowed(w.t, w.t.tokens[role]!, permission, id)) actual[role]!.push(s);
      }
    }
    expect(actual).toEqual(want);
  });

  it(`${CREATE_ROW.row} (${CREATE_ROW.permission})`, async () => {
    const w = await world();
    const actual: Record<string, boolean> = {};
    for (const role of ROLES) actual[role] = await allowed(w.t, w.t.tokens[role]!, CREATE_ROW.permission, null);
    expect(actual).toEqual(CREATE_ROW.expected);
  });
});
