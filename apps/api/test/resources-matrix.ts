import { expect } from 'vitest';
import { addMember, createOrg, createUser, gid, signIn, type Member, type TestServer } from './harness.ts';

/**
 * Authorization matrix for resources (R1, R3, R4, R19): every resource operation × every org role ×
 * the resource's relation to the actor (a resource role held on it / none / another organization),
 * through HTTP. Each cell runs on fresh resources, so destructive operations do not disturb others.
 */

export type Outcome = 'ok' | 'FORBIDDEN' | 'NOT_FOUND';
export type Relation = 'granted' | 'unrelated' | 'foreign';
export type Operation = 'read' | 'list' | 'members' | 'grant' | 'revoke' | 'delete';
export const OPERATIONS: Operation[] = ['read', 'list', 'members', 'grant', 'revoke', 'delete'];
export const RELATIONS: Relation[] = ['granted', 'unrelated', 'foreign'];

export const RESOURCE_DOCS = {
  CREATE: `mutation($o: ID!, $t: String!, $n: String!) { createResource(organizationId: $o, type: $t, name: $n) { __typename ... on Resource { id } ... on Error { message } } }`,
  GRANT: `mutation($r: ID!, $m: ID!, $k: String!) { grantResourceRole(resourceId: $r, membershipId: $m, roleKey: $k) { __typename ... on Resource { id } ... on Error { message } ... on ResourceRoleCapError { roleKey allowedRoleKeys } ... on GrantCeilingError { roleKeys } } }`,
  REVOKE: `mutation($r: ID!, $m: ID!) { revokeResourceRole(resourceId: $r, membershipId: $m) { __typename ... on Resource { id } ... on Error { message } } }`,
  DELETE: `mutation($r: ID!) { deleteResource(resourceId: $r) { __typename ... on DeletedResourcePayload { resourceId } ... on Error { message } } }`,
  READ: `query($r: ID!) { resource(id: $r) { id name viewerPermissions viewerCanManageMembers } }`,
  MEMBERS: `query($r: ID!) { resource(id: $r) { members(first: 10) { totalCount edges { node { roleKey role { name } membership { id } } } } } }`,
  LIST: `query($o: ID!, $t: String) { node(id: $o) { ... on Organization { resources(type: $t) { id } } } }`,
};

export interface MatrixPreset {
  type: string;
  /** Org role keys acting, each signed in as one member. */
  actors: string[];
  /** The org's top role (creates the org) and a second member who makes grants (R4: not to themselves). */
  topRole: string;
  granterRole: string;
  /** Resource role given to the actor for the "granted" relation. */
  grantedRoleFor: (actorRole: string) => string;
  /** Org role and resource role of the member the actor grants to (grant) or removes (revoke). */
  victimRole: string;
  victimResourceRole: string;
}

export interface Org {
  orgId: string;
  orgGid: string;
  top: Member;
  topToken: string;
  granter: Member;
  granterToken: string;
  actors: Record<string, { member: Member; token: string }>;
}

export async function setupOrg(ts: TestServer, p: MatrixPreset, name: string): Promise<Org> {
  const topUser = await createUser(ts.orm);
  const org = await createOrg(ts, name, topUser.id);
  const top = await addMemberOf(ts, org.id, topUser.id, topUser.email);
  const granter = await addMember(ts, org.id, [p.granterRole]);
  const actors: Org['actors'] = {};
  for (const role of p.actors) {
    const member = await addMember(ts, org.id, [role]);
    actors[role] = { member, token: (await signIn(ts, member.email)).accessToken };
  }
  return {
    orgId: org.id,
    orgGid: gid('Organization', org.id),
    top,
    topToken: (await signIn(ts, topUser.email)).accessToken,
    granter,
    granterToken: (await signIn(ts, granter.email)).accessToken,
    actors,
  };
}

async function addMemberOf(ts: TestServer, orgId: string, userId: string, email: string): Promise<Member> {
  const { emOf } = await import('../src/db/orm.ts');
  const rows = await emOf(ts.orm).execute<{ id: string }[]>(`select id from membership where org_id = ? and user_id = ?`, [orgId, userId]);
  return { userId, email, membershipId: rows[0]!.id, gid: { user: gid('User', userId), membership: gid('Membership', rows[0]!.id) } };
}

export async function createResource(ts: TestServer, org: Org, type: string, token: string, name: string): Promise<string> {
  const res = await ts.gql(RESOURCE_DOCS.CREATE, { o: org.orgGid, t: type, n: name }, token);
  expect(res.data?.createResource?.__typename, JSON.stringify(res)).toBe('Resource');
  return res.data.createResource.id;
}

export async function grantAs(ts: TestServer, token: string, resourceId: string, membershipGid: string, roleKey: string): Promise<void> {
  const res = await ts.gql(RESOURCE_DOCS.GRANT, { r: resourceId, m: membershipGid, k: roleKey }, token);
  expect(res.data?.grantResourceRole?.__typename, JSON.stringify(res)).toBe('Resource');
}

function outcomeOf(res: { data?: any; errors?: { extensions?: { code?: string } }[] }, field: string, okTypes: string[]): string {
  const code = res.errors?.[0]?.extensions?.code;
  if (code) return code;
  const t = res.data?.[field]?.__typename;
  if (okTypes.includes(t)) return 'ok';
  if (t === 'NotFoundError') return 'NOT_FOUND';
  return t ?? JSON.stringify(res);
}

/** Runs one cell: a fresh resource in the actor's org (or in `foreign`), set up for the relation. */
export async function runCell(ts: TestServer, p: MatrixPreset, home: Org, foreign: Org, actorRole: string, relation: Relation, op: Operation): Promise<string> {
  const org = relation === 'foreign' ? foreign : home;
  const actor = home.actors[actorRole]!;
  const resource = await createResource(ts, org, p.type, org.granterToken, `${actorRole} ${relation} ${op}`);
  if (relation === 'granted') await grantAs(ts, home.granterToken, resource, actor.member.gid.membership, p.grantedRoleFor(actorRole));
  const victim = await addMember(ts, org.orgId, [p.victimRole]);
  if (op === 'revoke') await grantAs(ts, org.granterToken, resource, victim.gid.membership, p.victimResourceRole);

  switch (op) {
    case 'read': {
      const res = await ts.gql(RESOURCE_DOCS.READ, { r: resource }, actor.token);
      return res.data?.resource?.id === resource ? 'ok' : res.data?.resource === null ? 'NOT_FOUND' : JSON.stringify(res);
    }
    case 'members': {
      const res = await ts.gql(RESOURCE_DOCS.MEMBERS, { r: resource }, actor.token);
      return typeof res.data?.resource?.members?.totalCount === 'number' ? 'ok' : res.data?.resource === null ? 'NOT_FOUND' : JSON.stringify(res);
    }
    case 'list': {
      const res = await ts.gql(RESOURCE_DOCS.LIST, { o: org.orgGid, t: p.type }, actor.token);
      const ids = (res.data?.node?.resources ?? []).map((r: { id: string }) => r.id);
      return ids.includes(resource) ? 'ok' : 'NOT_FOUND';
    }
    case 'grant':
      return outcomeOf(await ts.gql(RESOURCE_DOCS.GRANT, { r: resource, m: victim.gid.membership, k: p.victimResourceRole }, actor.token), 'grantResourceRole', ['Resource']);
    case 'revoke':
      return outcomeOf(await ts.gql(RESOURCE_DOCS.REVOKE, { r: resource, m: victim.gid.membership }, actor.token), 'revokeResourceRole', ['Resource']);
    case 'delete':
      return outcomeOf(await ts.gql(RESOURCE_DOCS.DELETE, { r: resource }, actor.token), 'deleteResource', ['DeletedResourcePayload']);
  }
}

/** The whole matrix for one preset, compared at once so a failure shows every differing cell. */
export async function expectMatrix(ts: TestServer, p: MatrixPreset, expected: Record<string, Record<Relation, Partial<Record<Operation, Outcome>>>>): Promise<void> {
  const home = await setupOrg(ts, p, 'Home');
  const foreign = await setupOrg(ts, p, 'Foreign');
  const actual: Record<string, Record<string, Record<string, string>>> = {};
  const want: typeof actual = {};
  for (const role of p.actors) {
    actual[role] = {};
    want[role] = {};
    for (const relation of RELATIONS) {
      actual[role][relation] = {};
      want[role][relation] = {};
      for (const op of OPERATIONS) {
        // R1: a resource of another organization answers as a non-existent one, whatever the role.
        want[role][relation][op] = relation === 'foreign' ? 'NOT_FOUND' : expected[role]![relation]![op]!;
        actual[role][relation][op] = await runCell(ts, p, home, foreign, role, relation, op);
      }
    }
  }
  expect(actual).toEqual(want);
}
