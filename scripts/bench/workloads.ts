// The benchmark's workloads: for each, the request Gatehouse gets (a GraphQL document of the SPA or of
// an integrator), the request L1 gets (scripts/bench/l1-server.ts), and the check every answer must
// pass on both sides (a wrong answer counts as an error). Expected answers come from the database
// before the servers start (fixtures()), by plain SQL that is independent of both servers.
import { effectivePermissions, getPreset, PERMISSION_KEYS } from '../../packages/permissions/src/index.ts';
import { BENCH_PASSWORD, BIG_SLUG, CALLER_INDEX, emailOf, orgId, SIGNIN_FIRST_INDEX, SMALL_SLUG, smallRank, userId, type DatasetSpec, type Sql } from './seed.ts';

/** 'replica': Gatehouse with DATABASE_REPLICA_URLS set (bench --replica); it gets Gatehouse's requests. */
export type Side = 'gatehouse' | 'l1' | 'replica';

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Bearer token of the caller, added by the runner. */
  auth: boolean;
}

export interface Workload {
  key: string;
  title: string;
  /** Closed-loop HTTP workload (the audit export and the SPA size are measured apart). */
  request(side: Side, client: number, call: number): RequestSpec;
  /** Undefined when the answer (`data` of the response) is right, else what is wrong. */
  check(data: any, client: number, call: number): string | undefined;
  /** After an answer passed its check (setMemberRoles moves its target to the other role set). */
  done?(client: number, call: number): void;
  /** Fields left out of the Gatehouse-vs-L1 comparison of one answer (opaque or per-call values). */
  ignore?: string[];
}

export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

// --- documents (the SPA's own, apps/web/src/**/queries.ts and app/viewer.ts) -------------------------
const MEMBER_FIELDS = `fragment MemberFields on Membership {
  id status createdAt
  organization { id }
  user { id email firstName lastName displayName authProvider status createdAt }
  roles { id key name permissions }
}`;

export const DOCS = {
  floor: `query Floor { __typename }`,
  viewer: `query Viewer {
  viewer {
    id email firstName lastName displayName authProvider status isPlatformAdmin mustChangePassword createdAt lastLoginAt
    memberships {
      id status
      roles { id key name }
      organization { id slug name status viewerPermissions }
    }
  }
}`,
  members: `query Members($slug: String!, $first: Int!, $after: String, $search: String) {
  organization(slug: $slug) {
    id
    members(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...MemberFields } }
    }
  }
}
${MEMBER_FIELDS}`,
  can: `query Can($organizationId: ID!, $permissions: [String!]!) {
  can(organizationId: $organizationId, permissions: $permissions) { permission allowed }
}`,
  setMemberRoles: `mutation SetMemberRoles($membershipId: ID!, $roleIds: [ID!]!) {
  setMemberRoles(membershipId: $membershipId, roleIds: $roleIds) {
    __typename
    ... on Membership { ...MemberFields }
    ... on Error { message }
    ... on GrantCeilingError { roleKeys ownerOnly }
  }
}
${MEMBER_FIELDS}`,
  signIn: `mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) {
    __typename
    ... on AuthPayload { accessToken refreshToken user { id email mustChangePassword } }
    ... on Error { message }
  }
}`,
};

const graphql = (query: string, variables: Record<string, unknown>): RequestSpec => ({
  method: 'POST',
  path: '/graphql',
  body: JSON.stringify({ query, variables }),
  auth: true,
});

// --- fixtures: expected answers --------------------------------------------------------------------
export interface PageExpectation { total: number; ids: string[]; hasNextPage: boolean }
export interface Fixtures {
  callerEmail: string;
  callerId: string;
  bigOrgId: string;
  smallOrgId: string;
  viewer: { memberships: number; bigPermissions: number };
  pages: { big: PageExpectation; small: PageExpectation; search: PageExpectation };
  search: string;
  can: { organizationId: string; single: { permission: string; allowed: boolean }; batch: { permission: string; allowed: boolean }[] };
  /** Two role sets of "big" that setMemberRoles alternates between (every call changes something). */
  roleSets: { ids: string[]; keys: string[] }[];
  /** Memberships of "big" that setMemberRoles edits: one per client, plus one for the answer comparison. */
  targets: string[];
  signInEmails: string[];
  auditEvents: number;
}

const PAGE = 50;
export const SEARCH = 'user12';
const SORT = `lower(u.first_name || ' ' || u.last_name || ' ' || u.email)`;

/**
 * Reads the expected answers and puts the setMemberRoles targets in role set 1 (so the first call,
 * which asks for set 0, changes something). Runs before the servers start (PGlite has one client).
 */
export async function fixtures(sql: Sql, spec: DatasetSpec, clients: number): Promise<Fixtures> {
  const big = orgId(1);
  const small = orgId(smallRank(spec));
  const caller = userId(CALLER_INDEX);
  const one = async (text: string, values: unknown[] = []) => (await sql.query(text, values)).rows[0];
  const page = async (org: string, search?: string): Promise<PageExpectation> => {
    const filter = search ? `and ${SORT} like $2` : '';
    const values = search ? [org, `%${search}%`] : [org];
    const ids = (await sql.query(`select m.id from membership m join "user" u on u.id = m.user_id where m.org_id = $1 ${filter} order by ${SORT}, m.id limit ${PAGE + 1}`, values)).rows.map((r) => r.id as string);
    const total = Number((await one(`select count(*)::int as n from membership m join "user" u on u.id = m.user_id where m.org_id = $1 ${filter}`, values)).n);
    return { total, ids: ids.slice(0, PAGE), hasNextPage: ids.length > PAGE };
  };
  const rolesOf = async (org: string) =>
    (await sql.query(
      `select r.permissions from membership m join organization o on o.id = m.org_id join membership_role mr on mr.membership_id = m.id
         join role r on r.id = mr.role_id where m.org_id = $1 and m.user_id = $2 and m.status = 'ACTIVE' and o.status = 'ACTIVE'`,
      [org, caller],
    )).rows as { permissions: string[] }[];
  const smallPerms = effectivePermissions(await rolesOf(small));
  const bigPerms = effectivePermissions(await rolesOf(big));
  const batch = Array.from({ length: 100 }, (_, i) => PERMISSION_KEYS[i % PERMISSION_KEYS.length]!);

  const preset = getPreset('gatehouse');
  const position = new Map(preset.roles.map((r, i) => [r.key, i]));
  const roleIds = new Map(((await sql.query(`select id, key from role where org_id = $1`, [big])).rows as { id: string; key: string }[]).map((r) => [r.key, r.id]));
  const roleSets = [['developer'], ['viewer', 'manager']].map((keys) => ({
    ids: keys.map((k) => roleIds.get(k)!),
    keys: [...keys].sort((a, b) => position.get(a)! - position.get(b)!),
  }));
  const targets = (await sql.query(
    `select m.id from membership m
      where m.org_id = $1 and m.status = 'ACTIVE' and m.user_id <> $2
        and not exists (select 1 from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = m.id and r.key = 'owner')
      order by m.created_at desc, m.id limit $3`,
    [big, caller, clients + 1],
  )).rows.map((r) => r.id as string);
  await sql.query(`delete from membership_role where membership_id = any($1::uuid[])`, [targets]);
  await sql.query(`insert into membership_role (membership_id, role_id) select t, r from unnest($1::uuid[]) t cross join unnest($2::uuid[]) r`, [targets, roleSets[1]!.ids]);

  const memberships = Number((await one(`select count(*)::int as n from membership where user_id = $1`, [caller])).n);
  return {
    callerEmail: emailOf(CALLER_INDEX),
    callerId: caller,
    bigOrgId: big,
    smallOrgId: small,
    viewer: { memberships, bigPermissions: bigPerms.size },
    pages: { big: await page(big), small: await page(small), search: await page(big, SEARCH) },
    search: SEARCH,
    can: {
      organizationId: gid('Organization', small),
      single: { permission: 'deployments:create', allowed: smallPerms.has('deployments:create') },
      batch: batch.map((permission) => ({ permission, allowed: smallPerms.has(permission) })),
    },
    roleSets,
    targets,
    signInEmails: Array.from({ length: Math.max(clients, 1) }, (_, c) => emailOf(SIGNIN_FIRST_INDEX + c)),
    auditEvents: Number((await one(`select count(*)::int as n from audit_event where org_id = $1`, [big])).n),
  };
}

// --- checks ----------------------------------------------------------------------------------------
const idOf = (globalId: unknown) => {
  const text = typeof globalId === 'string' ? Buffer.from(globalId, 'base64').toString('utf8') : '';
  return text.slice(text.indexOf(':') + 1);
};

function checkPage(data: any, expected: PageExpectation): string | undefined {
  const members = data?.organization?.members;
  if (!members) return `no members connection: ${JSON.stringify(data).slice(0, 200)}`;
  if (members.totalCount !== expected.total) return `totalCount ${members.totalCount}, expected ${expected.total}`;
  if (members.pageInfo?.hasNextPage !== expected.hasNextPage) return `hasNextPage ${members.pageInfo?.hasNextPage}`;
  const edges = members.edges ?? [];
  if (edges.length !== expected.ids.length) return `${edges.length} edges, expected ${expected.ids.length}`;
  for (let i = 0; i < edges.length; i++) {
    const node = edges[i].node;
    if (idOf(node?.id) !== expected.ids[i]) return `edge ${i} is ${idOf(node?.id)}, expected ${expected.ids[i]}`;
    if (!node.user?.email || !Array.isArray(node.roles) || node.roles.length === 0) return `edge ${i} lacks its user or roles`;
  }
  return undefined;
}

// --- the workloads ---------------------------------------------------------------------------------
export function workloads(f: Fixtures): Workload[] {
  const membersRequest = (slug: string, search?: string) => (side: Side): RequestSpec =>
    side !== 'l1'
      ? graphql(DOCS.members, { slug, first: PAGE, ...(search ? { search } : {}) })
      : { method: 'GET', path: `/members?slug=${slug}&first=${PAGE}${search ? `&search=${encodeURIComponent(search)}` : ''}`, auth: true };
  const canRequest = (permissions: string[]) => (side: Side): RequestSpec =>
    side !== 'l1'
      ? graphql(DOCS.can, { organizationId: f.can.organizationId, permissions })
      : { method: 'POST', path: '/can', body: JSON.stringify({ organizationId: f.can.organizationId, permissions }), auth: true };
  const checkCan = (expected: { permission: string; allowed: boolean }[]) => (data: any) => {
    const answers = data?.can;
    if (!Array.isArray(answers) || answers.length !== expected.length) return `can: ${JSON.stringify(data).slice(0, 200)}`;
    for (let i = 0; i < expected.length; i++) {
      if (answers[i].permission !== expected[i]!.permission || answers[i].allowed !== expected[i]!.allowed) return `can[${i}] = ${JSON.stringify(answers[i])}, expected ${JSON.stringify(expected[i])}`;
    }
    return undefined;
  };
  // setMemberRoles: client c edits target c, alternating between the two role sets.
  const current = f.targets.map(() => 1);
  const setRoles = (target: number) => {
    const set = f.roleSets[1 - current[target]!]!;
    return { membershipId: gid('Membership', f.targets[target]!), roleIds: set.ids.map((id) => gid('Role', id)), keys: set.keys };
  };

  return [
    {
      // What every request costs before any data work: HTTP, the token, the principal statement (R2)
      // and, on Gatehouse, the GraphQL layer. No workload can go faster than this on either side.
      key: 'floor',
      title: 'the floor: `{ __typename }` signed in',
      request: (side) => (side !== 'l1' ? graphql(DOCS.floor, {}) : { method: 'GET', path: '/floor', auth: true }),
      check: (data) => (data?.__typename === 'Query' ? undefined : `floor: ${JSON.stringify(data).slice(0, 200)}`),
    },
    {
      key: 'viewer',
      title: 'viewer with memberships',
      request: (side) => (side !== 'l1' ? graphql(DOCS.viewer, {}) : { method: 'GET', path: '/viewer', auth: true }),
      check: (data) => {
        const v = data?.viewer;
        if (!v || v.email !== f.callerEmail) return `viewer: ${JSON.stringify(data).slice(0, 200)}`;
        if (v.memberships?.length !== f.viewer.memberships) return `${v.memberships?.length} memberships, expected ${f.viewer.memberships}`;
        const big = v.memberships.find((m: any) => m.organization?.slug === BIG_SLUG);
        if (big?.organization?.viewerPermissions?.length !== f.viewer.bigPermissions) return `viewerPermissions in big: ${big?.organization?.viewerPermissions?.length}, expected ${f.viewer.bigPermissions}`;
        return undefined;
      },
    },
    {
      key: 'members-big',
      title: `members page of 50 + total, ${f.pages.big.total.toLocaleString('en')}-member org`,
      request: membersRequest(BIG_SLUG),
      check: (data) => checkPage(data, f.pages.big),
      ignore: ['cursor', 'endCursor'],
    },
    {
      key: 'members-small',
      title: `members page of 50 + total, ${f.pages.small.total}-member org`,
      request: membersRequest(SMALL_SLUG),
      check: (data) => checkPage(data, f.pages.small),
      ignore: ['cursor', 'endCursor'],
    },
    {
      key: 'can',
      title: 'one permission check (can)',
      request: canRequest([f.can.single.permission]),
      check: checkCan([f.can.single]),
    },
    {
      key: 'can-100',
      title: 'a batch of 100 permission checks',
      request: canRequest(f.can.batch.map((c) => c.permission)),
      check: checkCan(f.can.batch),
    },
    {
      key: 'set-member-roles',
      title: 'setMemberRoles (transaction + audit row)',
      request: (side, client) => {
        const { membershipId, roleIds } = setRoles(client);
        return side !== 'l1'
          ? graphql(DOCS.setMemberRoles, { membershipId, roleIds })
          : { method: 'POST', path: '/set-member-roles', body: JSON.stringify({ membershipId, roleIds }), auth: true };
      },
      check: (data, client) => {
        const r = data?.setMemberRoles;
        if (r?.__typename !== 'Membership') return `setMemberRoles: ${JSON.stringify(r ?? data).slice(0, 200)}`;
        const want = setRoles(client);
        if (idOf(r.id) !== f.targets[client]) return `answered membership ${idOf(r.id)}`;
        const keys = (r.roles ?? []).map((x: any) => x.key).join(',');
        if (keys !== want.keys.join(',')) return `roles ${keys}, expected ${want.keys.join(',')}`;
        return undefined;
      },
      done: (client) => {
        current[client] = 1 - current[client]!;
      },
    },
    {
      key: 'search',
      title: `member search "${f.search}", ${f.pages.big.total.toLocaleString('en')}-member org`,
      request: membersRequest(BIG_SLUG, f.search),
      check: (data) => checkPage(data, f.pages.search),
      ignore: ['cursor', 'endCursor'],
    },
    {
      key: 'sign-in',
      title: 'sign-in (argon2id)',
      request: (side, client) => {
        const variables = { email: f.signInEmails[client % f.signInEmails.length]!, password: BENCH_PASSWORD };
        return side !== 'l1'
          ? { ...graphql(DOCS.signIn, variables), auth: false }
          : { method: 'POST', path: '/sign-in', body: JSON.stringify(variables), auth: false };
      },
      check: (data, client) => {
        const r = data?.signIn;
        if (r?.__typename !== 'AuthPayload') return `signIn: ${JSON.stringify(r ?? data).slice(0, 200)}`;
        if (r.user?.email !== f.signInEmails[client % f.signInEmails.length]) return `signed in as ${r.user?.email}`;
        if (typeof r.accessToken !== 'string' || r.accessToken.split('.').length !== 3 || typeof r.refreshToken !== 'string') return 'no tokens';
        return undefined;
      },
      ignore: ['accessToken', 'refreshToken'],
    },
  ];
}

/** Every workload key, in the order they run (the export runs before setMemberRoles writes to "big"). */
export const WORKLOAD_KEYS = ['viewer', 'members-big', 'members-small', 'can', 'can-100', 'floor', 'search', 'export', 'set-member-roles', 'sign-in', 'spa', 'integrators'];
