/**
 * R18 / R22 text gate: NUL, other control characters, bidirectional overrides and isolates, and
 * unpaired surrogates in names, emails, slugs, role names, descriptions and search terms are refused
 * with a ValidationError (typed union member) naming the field, or, where the field has no typed
 * result (queries), a BAD_USER_INPUT error naming it. Nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createOrg, createUser, gid, roleGid, startTestServer, uniqueEmail, type TestServer } from '../harness.ts';
import { countDiff, gqlRaw, mintSession, RawJson, responseProblems, sql, tableCounts, type RawResponse } from './support.ts';

let ts: TestServer;
let platformToken: string;
let adminToken: string;
let selfToken: string;
let selfGid: string;
let selfId: string;
let orgId: string;
let orgGid: string;
let orgSlug: string;
let viewerRole: string;
let customRoleGid: string;
let customRoleId: string;

beforeAll(async () => {
  // Each request comes from its own address, so the sign-in throttle's per-IP budget never interferes.
  ts = await startTestServer({ TRUST_PROXY: 'true' });
  const platform = await createUser(ts.orm, { platformAdmin: true });
  platformToken = (await mintSession(ts, platform.id)).accessToken;
  const org = await createOrg(ts, 'Text Gate');
  orgId = org.id;
  orgGid = gid('Organization', org.id);
  orgSlug = org.slug;
  await addMember(ts, org.id, ['owner']);
  const admin = await addMember(ts, org.id, ['admin']);
  adminToken = (await mintSession(ts, admin.userId)).accessToken;
  const self = await addMember(ts, org.id, ['viewer']);
  selfToken = (await mintSession(ts, self.userId)).accessToken;
  selfGid = self.gid.user;
  selfId = self.userId;
  viewerRole = await roleGid(ts, org.id, 'viewer');
  const role = await ts.gql(`mutation($i: CreateRoleInput!) { createRole(input: $i) { ... on Role { id } } }`, { i: { organizationId: orgGid, name: 'Gate role', permissions: ['members:read'] } }, adminToken);
  customRoleGid = role.data?.createRole?.id;
  customRoleId = Buffer.from(customRoleGid, 'base64').toString().split(':')[1]!;
});
afterAll(async () => ts?.close());

/** A hostile character class, spliced into an otherwise valid value. */
interface Poison {
  cls: string;
  /** Returns the variable value: a JS string, or raw JSON text for unpaired surrogates. */
  into(before: string, after: string): unknown;
}

const POISONS: Poison[] = [
  { cls: 'NUL', into: (a, b) => `${a}\u0000${b}` },
  { cls: 'C0 control (BEL)', into: (a, b) => `${a}\u0007${b}` },
  { cls: 'escape sequence', into: (a, b) => `${a}\u001b[2J${b}` },
  { cls: 'DEL', into: (a, b) => `${a}\u007f${b}` },
  { cls: 'C1 control (CSI)', into: (a, b) => `${a}\u009b${b}` },
  { cls: 'bidi override (U+202E)', into: (a, b) => `${a}\u202e${b}` },
  { cls: 'bidi isolate (U+2066)', into: (a, b) => `${a}\u2066${b}\u2069` },
  { cls: 'lone high surrogate', into: (a, b) => new RawJson(`${JSON.stringify(a).slice(0, -1)}\\ud800${JSON.stringify(b).slice(1)}`) },
  { cls: 'lone low surrogate', into: (a, b) => new RawJson(`${JSON.stringify(a).slice(0, -1)}\\udc00${JSON.stringify(b).slice(1)}`) },
];

interface Target {
  /** e.g. createOrganization input.name */
  name: string;
  /** The field the answer must name (last path segment). */
  field: string;
  /** The root field of the answer. */
  result: string;
  /** Only BAD_USER_INPUT can answer (queries, no typed result). */
  query?: boolean;
  build(poison: Poison): Promise<{ query: string; variables: Record<string, unknown>; token?: string }>;
  /** Rows that must not change (updates). */
  snapshot?: () => Promise<unknown>;
}

const MUTATION_TAIL = `{ __typename ... on ValidationError { issues { path message } } ... on Error { message } }`;
const email = (p: Poison) => p.into(`gate.${Math.random().toString(36).slice(2, 8)}`, '@example.test');
const userRow = () => sql(ts, `select email, first_name, last_name from "user" where id = ?`, [selfId]);
const orgRow = () => sql(ts, `select name, slug from organization where id = ?`, [orgId]);
const roleRow = () => sql(ts, `select name, description from role where id = ?`, [customRoleId]);

async function invitationToken(): Promise<string> {
  const address = uniqueEmail('gate-invitee');
  await ts.gql(`mutation($o: ID!, $r: [ID!]!, $e: [String!]!) { inviteMembers(organizationId: $o, roleIds: $r, emails: $e) { __typename } }`, { o: orgGid, r: [viewerRole], e: [address] }, adminToken);
  const mail = await ts.gql(`query($to: String) { devOutbox(to: $to, first: 1) { edges { node { text } } } }`, { to: address }, platformToken);
  const text: string = mail.data?.devOutbox?.edges?.[0]?.node?.text ?? '';
  const m = /[#?&]token=([A-Za-z0-9_%-]+)/.exec(text) ?? /\/invite\/([A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error(`no invitation link in ${text}`);
  return decodeURIComponent(m[1]!);
}

const TARGETS: Target[] = [
  {
    name: 'createOrganization input.name',
    field: 'name',
    result: 'createOrganization',
    build: async (p) => ({ query: `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) ${MUTATION_TAIL} }`, variables: { i: { name: p.into('Evil', 'Corp') } }, token: platformToken }),
  },
  {
    name: 'createOrganization input.slug',
    field: 'slug',
    result: 'createOrganization',
    build: async (p) => ({ query: `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) ${MUTATION_TAIL} }`, variables: { i: { name: 'Fine Name', slug: p.into('evil', 'corp') } }, token: platformToken }),
  },
  {
    name: 'updateOrganization input.name',
    field: 'name',
    result: 'updateOrganization',
    snapshot: orgRow,
    build: async (p) => ({ query: `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) ${MUTATION_TAIL} }`, variables: { i: { organizationId: orgGid, name: p.into('Renamed', 'Org') } }, token: adminToken }),
  },
  {
    name: 'updateOrganization input.slug',
    field: 'slug',
    result: 'updateOrganization',
    snapshot: orgRow,
    build: async (p) => ({ query: `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) ${MUTATION_TAIL} }`, variables: { i: { organizationId: orgGid, slug: p.into('renamed', 'org') } }, token: adminToken }),
  },
  ...(['firstName', 'lastName', 'email'] as const).map(
    (f): Target => ({
      name: `updateUser input.${f} (own account)`,
      field: f,
      result: 'updateUser',
      snapshot: userRow,
      build: async (p) => ({
        query: `mutation($i: UpdateUserInput!) { updateUser(input: $i) ${MUTATION_TAIL} }`,
        variables: { i: { userId: selfGid, [f]: f === 'email' ? email(p) : p.into('Mal', 'lory') } },
        token: selfToken,
      }),
    }),
  ),
  ...(['email', 'firstName', 'lastName'] as const).map(
    (f): Target => ({
      name: `provisionMembers members.0.${f}`,
      field: f,
      result: 'provisionMembers',
      build: async (p) => ({
        query: `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) ${MUTATION_TAIL} }`,
        variables: { o: orgGid, m: [{ email: f === 'email' ? email(p) : uniqueEmail('gate'), roleIds: [viewerRole], ...(f === 'email' ? {} : { [f]: p.into('New', 'Person') }) }] },
        token: adminToken,
      }),
    }),
  ),
  {
    name: 'inviteMembers emails.0',
    field: 'emails',
    result: 'inviteMembers',
    build: async (p) => ({ query: `mutation($o: ID!, $r: [ID!]!, $e: [String!]!) { inviteMembers(organizationId: $o, roleIds: $r, emails: $e) ${MUTATION_TAIL} }`, variables: { o: orgGid, r: [viewerRole], e: [email(p)] }, token: adminToken }),
  },
  ...(['name', 'description'] as const).map(
    (f): Target => ({
      name: `createRole input.${f}`,
      field: f,
      result: 'createRole',
      build: async (p) => ({
        query: `mutation($i: CreateRoleInput!) { createRole(input: $i) ${MUTATION_TAIL} }`,
        variables: { i: { organizationId: orgGid, permissions: ['members:read'], name: f === 'name' ? p.into('Evil', 'Role') : `Role ${Math.random().toString(36).slice(2, 7)}`, ...(f === 'description' ? { description: p.into('Does', 'things') } : {}) } },
        token: adminToken,
      }),
    }),
  ),
  ...(['name', 'description'] as const).map(
    (f): Target => ({
      name: `updateRole input.${f}`,
      field: f,
      result: 'updateRole',
      snapshot: roleRow,
      build: async (p) => ({ query: `mutation($i: UpdateRoleInput!) { updateRole(input: $i) ${MUTATION_TAIL} }`, variables: { i: { roleId: customRoleGid, [f]: p.into('Evil', 'Role') } }, token: adminToken }),
    }),
  ),
  {
    name: 'signIn email',
    field: 'email',
    result: 'signIn',
    build: async (p) => ({ query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) ${MUTATION_TAIL} }`, variables: { e: email(p), p: 'not-the-password-1' } }),
  },
  ...(['firstName', 'lastName'] as const).map(
    (f): Target => ({
      name: `acceptInvitation ${f} (new account)`,
      field: f,
      result: 'acceptInvitation',
      build: async (p) => ({
        query: `mutation($t: String!, $f: String, $l: String, $p: String) { acceptInvitation(token: $t, firstName: $f, lastName: $l, password: $p) ${MUTATION_TAIL} }`,
        variables: { t: await invitationToken(), f: f === 'firstName' ? p.into('New', 'Comer') : 'New', l: f === 'lastName' ? p.into('Co', 'mer') : 'Comer', p: 'gate-keeper-passphrase-77' },
      }),
    }),
  ),
  {
    name: 'requestEmailChange newEmail',
    field: 'newEmail',
    result: 'requestEmailChange',
    snapshot: userRow,
    build: async (p) => ({ query: `mutation($c: String!, $e: String!) { requestEmailChange(currentPassword: $c, newEmail: $e) ${MUTATION_TAIL} }`, variables: { c: 'correct-horse-battery-9', e: email(p) }, token: selfToken }),
  },
  {
    name: 'users(search)',
    field: 'search',
    result: 'users',
    query: true,
    build: async (p) => ({ query: `query($s: String) { users(first: 5, search: $s) { edges { cursor } } }`, variables: { s: p.into('ad', 'min') }, token: platformToken }),
  },
  {
    name: 'organizations(search)',
    field: 'search',
    result: 'organizations',
    query: true,
    build: async (p) => ({ query: `query($s: String) { organizations(first: 5, search: $s) { edges { cursor } } }`, variables: { s: p.into('ac', 'me') }, token: platformToken }),
  },
  {
    name: 'organization.members(search)',
    field: 'search',
    result: 'organization',
    query: true,
    build: async (p) => ({ query: `query($slug: String!, $s: String) { organization(slug: $slug) { members(first: 5, search: $s) { edges { cursor } } } }`, variables: { slug: orgSlug, s: p.into('te', 'st') }, token: adminToken }),
  },
  {
    name: 'lookupUser(email)',
    field: 'email',
    result: 'lookupUser',
    query: true,
    build: async (p) => ({ query: `query($o: ID!, $e: String!) { lookupUser(organizationId: $o, email: $e) { exists } }`, variables: { o: orgGid, e: email(p) }, token: adminToken }),
  },
];

/** The answer refuses the input and names the field. */
function namesField(res: RawResponse, t: Target): string | undefined {
  const value = res.json?.data?.[t.result];
  if (!t.query && value?.__typename === 'ValidationError') {
    const paths: string[][] = value.issues?.map((i: { path: string[] }) => i.path) ?? [];
    if (paths.some((p) => p.includes(t.field))) return undefined;
    return `ValidationError without an issue for "${t.field}": ${JSON.stringify(value.issues)}`;
  }
  const errors: any[] = res.json?.errors ?? [];
  const bad = errors.find((e) => e?.extensions?.code === 'BAD_USER_INPUT');
  if (bad) {
    const named =
      bad.extensions?.field === t.field ||
      (Array.isArray(bad.extensions?.issues) && bad.extensions.issues.some((i: { path?: string[] }) => i.path?.includes(t.field))) ||
      new RegExp(`\\b${t.field}\\b`).test(String(bad.message));
    return named ? undefined : `BAD_USER_INPUT that does not name "${t.field}": ${bad.message}`;
  }
  const what = value?.__typename ?? (errors[0] ? `${errors[0].extensions?.code}: ${errors[0].message}` : JSON.stringify(res.json?.data));
  return `not refused as bad input (answered ${String(what).slice(0, 160)})`;
}

describe('R18 / R22 text gate', () => {
  for (const t of TARGETS) {
    it(`R18 ${t.name}: control, bidi and unpaired-surrogate characters are refused naming "${t.field}", nothing stored`, async () => {
      const problems: string[] = [];
      for (const p of POISONS) {
        const { query, variables, token } = await t.build(p);
        const before = await tableCounts(ts);
        const snap = t.snapshot ? JSON.stringify(await t.snapshot()) : undefined;
        const res = await gqlRaw(ts, query, variables, token, { 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250) + 1}` });
        problems.push(...responseProblems(res).map((x) => `${p.cls}: ${x}`));
        const refusal = namesField(res, t);
        if (refusal) problems.push(`${p.cls}: ${refusal}`);
        const after = await tableCounts(ts);
        // The invitation made to get a token is not the request under test.
        const diff = countDiff(before, after);
        if (diff.length) problems.push(`${p.cls}: rows changed: ${diff.join(', ')}`);
        if (snap !== undefined && JSON.stringify(await t.snapshot!()) !== snap) problems.push(`${p.cls}: the stored row changed: ${JSON.stringify(await t.snapshot!())}`);
      }
      expect(problems).toEqual([]);
    }, 120_000);
  }
});
