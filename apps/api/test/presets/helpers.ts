import { expect } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { addMember, createOrg, createUser, gid, signIn, type Member, type TestServer } from '../harness.ts';

/** Shared documents and fixtures for the per-preset scenario tests (one file per seed). */

export const CAN = `query($o: ID!, $p: [String!]!) { can(organizationId: $o, permissions: $p) { permission allowed } }`;
export const EXPLAIN = `query($o: ID!, $u: ID!, $p: String!) { explainPermission(organizationId: $o, userId: $u, permission: $p) { allowed membershipActive known grantedBy { key } } }`;
export const VIEWER = `{ viewer { id email mustChangePassword memberships { id status organization { id name } roles { key } } } }`;
export const PRESET = `{ preset { key policy { ownerModel invitations provisioning multipleRolesPerMembership customRoleLimit bulkLimit ownershipTransfer leaveRequiresPermission } roles { key } } }`;
export const ORG_ROLES = `query($o: ID!) { node(id: $o) { ... on Organization { roles { id key builtin } } } }`;
export const MEMBERS = `query($o: ID!) { node(id: $o) { ... on Organization { members(first: 50) { totalCount edges { node { id status user { email } roles { key } } } } } } }`;

const E = '... on Error { message }';
const LIMIT = '... on LimitExceededError { limit }';
const CEIL = '... on GrantCeilingError { ownerOnly roleKeys }';
const VALID = '... on ValidationError { issues { path message } }';
const ERR = `${E} ${LIMIT} ${CEIL} ${VALID}`;

export const PROVISION = `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) {
  __typename ${ERR}
  ... on ProvisionMembersPayload { results { email status temporaryPassword membership { id status roles { key } user { id } } } }
} }`;
export const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename ${E} ${CEIL} ${VALID} ... on Membership { id roles { key } } } }`;
export const SET_STATUS = `mutation($m: ID!, $s: MembershipStatus!) { setMembershipStatus(membershipId: $m, status: $s) { __typename ${E} ${CEIL} ... on Membership { id status } } }`;
export const REMOVE = `mutation($m: ID!) { removeMember(membershipId: $m) { __typename ${E} ${CEIL} ... on RemovedMemberPayload { membershipId user { id email } } } }`;
export const LEAVE = `mutation($o: ID!) { leaveOrganization(organizationId: $o) { __typename ${E} ... on LeftOrganizationPayload { organizationId } } }`;
export const INVITE = `mutation($o: ID!, $e: [String!]!, $r: [ID!]!) { inviteMembers(organizationId: $o, emails: $e, roleIds: $r) {
  __typename ${ERR}
  ... on InviteMembersPayload { results { email status invitation { id status roles { key } } } }
} }`;
export const RESET_PASSWORD = `mutation($m: ID!) { resetMemberPassword(membershipId: $m) { __typename ${E} ... on TemporaryPasswordPayload { temporaryPassword user { id mustChangePassword } } } }`;
export const CHANGE_PASSWORD = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { __typename ${VALID} ... on AuthPayload { accessToken user { mustChangePassword } } } }`;
export const CREATE_ROLE = `mutation($o: ID!, $n: String!, $p: [String!]!) { createRole(input: { organizationId: $o, name: $n, permissions: $p }) { __typename ${ERR} ... on Role { id key builtin permissions } } }`;
export const DELETE_USER = `mutation($u: ID!, $o: ID) { deleteUser(userId: $u, organizationId: $o) { __typename ${E} ... on DeletedPayload { deletedId } } }`;
export const SET_ORG_STATUS = `mutation($o: ID!, $s: OrganizationStatus!) { setOrganizationStatus(organizationId: $o, status: $s) { __typename ${E} ... on Organization { id status } } }`;
export const CREATE_ORG = `mutation($n: String!, $u: ID) { createOrganization(input: { name: $n, ownerUserId: $u }) { __typename ${E} ${VALID} ... on Organization { id slug status } } }`;
export const GRANT_ACCESS = `mutation($o: ID!, $u: ID!, $r: [ID!]!) { grantOrganizationAccess(organizationId: $o, userId: $u, roleIds: $r) { __typename ${E} ${CEIL} ${VALID} ... on Membership { id roles { key } } } }`;
export const DELETE_ORG = `mutation($o: ID!, $s: String!) { deleteOrganization(organizationId: $o, confirmSlug: $s) { __typename ${E} ${VALID} ... on DeletedPayload { deletedId } } }`;
export const UPDATE_ORG = `mutation($o: ID!, $n: String!) { updateOrganization(input: { organizationId: $o, name: $n }) { __typename ${E} ${VALID} ... on Organization { id name } } }`;

export const NEW_PASSWORD = 'a-brand-new-passphrase-42';

export const orgGid = (id: string) => gid('Organization', id);

export function code(res: { errors?: { extensions?: { code?: string } }[] }): string | undefined {
  return res.errors?.[0]?.extensions?.code;
}

export interface Team {
  orgId: string;
  orgGid: string;
  slug: string;
  /** One member per role key (the top role holder is the org's creator). */
  members: Record<string, Member>;
  tokens: Record<string, string>;
  roleIds: Record<string, string>;
}

export async function membershipOf(ts: TestServer, orgId: string, userId: string, email: string): Promise<Member> {
  const rows = await emOf(ts.orm).execute<{ id: string }[]>(`select id from membership where org_id = ? and user_id = ?`, [orgId, userId]);
  return { userId, email, membershipId: rows[0]!.id, gid: { user: gid('User', userId), membership: gid('Membership', rows[0]!.id) } };
}

/** Role key → global id, read through the API (Organization.roles). */
export async function roleIdsOf(ts: TestServer, token: string, orgId: string): Promise<Record<string, string>> {
  const res = await ts.gql(ORG_ROLES, { o: orgGid(orgId) }, token);
  const roles = res.data?.node?.roles as { id: string; key: string }[] | undefined;
  if (!roles) throw new Error(`cannot read roles: ${JSON.stringify(res)}`);
  return Object.fromEntries(roles.map((r) => [r.key, r.id]));
}

/**
 * An org created with `topRole` held by its creator (createOrg gives the preset's top role), plus one
 * signed-in member per other role key.
 */
export async function team(ts: TestServer, name: string, topRole: string, otherRoles: string[]): Promise<Team> {
  const top = await createUser(ts.orm);
  const org = await createOrg(ts, name, top.id);
  const members: Record<string, Member> = { [topRole]: await membershipOf(ts, org.id, top.id, top.email) };
  for (const key of otherRoles) members[key] = await addMember(ts, org.id, [key]);
  const tokens: Record<string, string> = {};
  for (const [key, m] of Object.entries(members)) tokens[key] = (await signIn(ts, m.email)).accessToken;
  const roleIds = await roleIdsOf(ts, tokens[topRole]!, org.id);
  return { orgId: org.id, orgGid: orgGid(org.id), slug: org.slug, members, tokens, roleIds };
}

export async function canMap(ts: TestServer, token: string, orgId: string, permissions: string[]): Promise<Record<string, boolean>> {
  const res = await ts.gql(CAN, { o: orgGid(orgId), p: permissions }, token);
  if (!res.data?.can) throw new Error(`can() failed: ${JSON.stringify(res)}`);
  return Object.fromEntries((res.data.can as { permission: string; allowed: boolean }[]).map((c) => [c.permission, c.allowed]));
}

/**
 * Checks a seed permission table: each row is a permission and the roles that must hold it; every
 * other role in `roles` must not. Asked through can() as each role holder.
 */
export async function expectTable(ts: TestServer, t: Team, roles: string[], table: Record<string, string[]>): Promise<void> {
  const perms = Object.keys(table);
  const actual: Record<string, string[]> = {};
  const expected: Record<string, string[]> = {};
  for (const p of perms) {
    actual[p] = [];
    expected[p] = roles.filter((r) => table[p]!.includes(r));
  }
  for (const role of roles) {
    const answers = await canMap(ts, t.tokens[role]!, t.orgId, perms);
    for (const p of perms) if (answers[p]) actual[p]!.push(role);
  }
  expect(actual).toEqual(expected);
}

export function typename(res: { data?: any; errors?: unknown }, field: string): string {
  const v = res.data?.[field]?.__typename;
  if (!v) throw new Error(`${field}: ${JSON.stringify(res)}`);
  return v;
}

export const ACCEPT = `mutation($t: String!, $f: String, $l: String, $p: String) { acceptInvitation(token: $t, firstName: $f, lastName: $l, password: $p) {
  __typename ... on Error { message } ... on ValidationError { issues { path message } }
  ... on AcceptInvitationPayload { membership { id roles { key } user { email } } organization { id } auth { accessToken } }
} }`;
const OUTBOX = `query($to: String!) { devOutbox(first: 5, to: $to) { edges { node { text } } } }`;
const LINK = /\/invitations\/accept#token=([A-Za-z0-9_-]+)/;

/** The newest invitation token mailed to `email`, read from the development outbox as a platform admin. */
export async function invitationToken(ts: TestServer, platformAdminToken: string, email: string): Promise<string> {
  const res = await ts.gql(OUTBOX, { to: email }, platformAdminToken);
  const text = res.data?.devOutbox?.edges?.[0]?.node?.text as string | undefined;
  const match = text ? LINK.exec(text) : null;
  if (!match) throw new Error(`no invitation mail to ${email}: ${JSON.stringify(res)}`);
  return match[1]!;
}

export async function platformAdmin(ts: TestServer): Promise<{ userId: string; token: string }> {
  const u = await createUser(ts.orm, { platformAdmin: true });
  return { userId: u.id, token: (await signIn(ts, u.email)).accessToken };
}
