// L1, "the limit": the data work Gatehouse does for each benchmark workload, written by hand as raw
// SQL through `pg` (named prepared statements) behind `node:http`, on Gatehouse's own tables. It does
// the same security work as Gatehouse:
//   - verifies the same EdDSA access token with jose (algorithm, kid, iss, aud, typ, exp), and keeps
//     verified tokens until they expire like apps/api/src/auth/access-token.ts does;
//   - reads, on every request, that the user is ACTIVE and the session family live, and the caller's
//     memberships with their roles and permissions, in ONE statement (the principal statement);
//   - checks the permission with the same pure rules (@gatehouse/permissions);
//   - writes do their checks after locking the organization row, and write the audit event in the
//     same transaction (the audit_event trigger chains it).
// Answers have exactly the shape of Gatehouse's GraphQL `data` for the benchmark's documents (global
// IDs included), so the benchmark can compare the two answers field by field.
//
//   GET  /floor                                    { __typename } signed in: the security work alone
//   GET  /viewer                                   ViewerQuery of the SPA (apps/web/src/app/viewer.ts)
//   GET  /members?slug=&first=&search=             members page + totalCount (MemberFields)
//   POST /can              {organizationId, permissions}
//   POST /set-member-roles {membershipId, roleIds} (SetMemberRoles of the SPA, MemberFields)
//   POST /sign-in          {email, password}
//   GET  /audit/export?organization=<slug|id>&format=csv
//
// Environment: DATABASE_URL (PostgreSQL; L1 needs a server port, so it does not run on PGlite),
// JWT_PRIVATE_KEY or GATEHOUSE_DATA_DIR (its jwt-private-key.pem), JWT_ISSUER, JWT_AUDIENCE,
// ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_DAYS, GATEHOUSE_PRESET, PORT, HOST, PG_POOL_MAX (10,
// like Gatehouse). Run alone: DATABASE_URL=... JWT_PRIVATE_KEY=... node scripts/bench/l1-server.ts
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import {
  canonicalEmail,
  checkOwnerFloor,
  checkRoleChange,
  effectivePermissions,
  emailIssue,
  getPreset,
  isOwnerRole,
  ORG_OWN,
  PERMISSION_KEYS,
  textIssue,
} from '../../packages/permissions/src/index.ts';
import { PASSWORD_MAX, verifyAgainstDummy, verifyPassword } from '../../apps/api/src/auth/passwords.ts';
import { loadJose, pg, type PgPool, type PgPoolClient, type PgQueryConfig } from './deps.ts';
import { serveIpc, type Statement } from './ipc.ts';

const env = process.env;
const databaseUrl = env.DATABASE_URL?.trim();
if (!databaseUrl) {
  console.error('L1 needs DATABASE_URL (PostgreSQL): PGlite has no server port for a second process.');
  process.exit(78);
}
const port = Number(env.PORT ?? 4100);
const issuer = env.JWT_ISSUER ?? `http://localhost:${env.PORT ?? 4000}`;
const audience = env.JWT_AUDIENCE ?? 'gatehouse';
const accessTtl = Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 900);
const refreshTtlDays = Number(env.REFRESH_TOKEN_TTL_DAYS ?? 30);
const preset = getPreset(env.GATEHOUSE_PRESET ?? 'gatehouse');
const ALL = new Set(PERMISSION_KEYS);

// --- keys and tokens -------------------------------------------------------------------------------
const jose = await loadJose();
const pem = env.JWT_PRIVATE_KEY?.replace(/\\n/g, '\n') ?? fs.readFileSync(path.join(path.resolve(env.GATEHOUSE_DATA_DIR ?? '.data'), 'jwt-private-key.pem'), 'utf8');
const privateKey = await jose.importPKCS8(pem, 'EdDSA', { extractable: true });
const { d: _secret, ...publicJwk } = await jose.exportJWK(privateKey);
const kid = await jose.calculateJwkThumbprint(publicJwk);
const keySet = jose.createLocalJWKSet({ keys: [{ ...publicJwk, kid, alg: 'EdDSA', use: 'sig' }] });

interface Claims { userId: string; sessionId: string }
const verified = new Map<string, { claims: Claims; expiresAt: number }>();
async function verifyToken(token: string): Promise<Claims | undefined> {
  if (token.length > 4096) return undefined;
  const hit = verified.get(token);
  if (hit) {
    if (hit.expiresAt > Date.now()) return hit.claims;
    verified.delete(token);
  }
  try {
    const { payload } = await jose.jwtVerify(token, keySet, { algorithms: ['EdDSA'], issuer, audience, typ: 'at+jwt', requiredClaims: ['sub', 'exp', 'iat'] });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return undefined;
    const claims = { userId: payload.sub, sessionId: payload.sid };
    if (verified.size >= 10_000) verified.delete(verified.keys().next().value!);
    verified.set(token, { claims, expiresAt: payload.exp * 1000 });
    return claims;
  } catch {
    return undefined;
  }
}

// --- database --------------------------------------------------------------------------------------
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(env.PG_POOL_MAX ?? 10) });
pool.on('error', () => {});
const counter: { statements: number; capture: Statement[] | undefined } = { statements: 0, capture: undefined };
/** Timestamps as PostgreSQL prints them (what Gatehouse's driver returns for raw rows), for the export. */
const RAW_TIMES = { getTypeParser: (oid: number, format?: string) => ([1082, 1114, 1184, 1186].includes(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text')) };

type Db = PgPool | PgPoolClient;
async function run<R = any>(db: Db, name: string, text: string, values: unknown[], options: { types?: typeof RAW_TIMES; rowMode?: 'array' } = {}): Promise<R[]> {
  counter.statements += 1;
  if (counter.capture && counter.capture.length < 1000) counter.capture.push({ text, values });
  const result = await db.query({ name, text, values, ...options } as PgQueryConfig);
  return result.rows as R[];
}

const SQL = {
  principal: `
    select u.id, u.email, u.first_name, u.last_name, u.auth_provider, u.status, u.is_platform_admin, u.must_change_password,
           u.created_at, u.last_login_at,
           coalesce((
             select json_agg(json_build_object(
                      'membershipId', m.id, 'status', m.status, 'orgId', o.id, 'slug', o.slug, 'name', o.name, 'orgStatus', o.status,
                      'roles', coalesce((
                        select json_agg(json_build_object('id', r.id, 'key', r.key, 'name', r.name, 'permissions', r.permissions) order by r.position, r.name)
                          from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = m.id), '[]'::json))
                    order by m.created_at, m.id)
               from membership m join organization o on o.id = m.org_id where m.user_id = u.id), '[]'::json) as memberships
      from "user" u
     where u.id = $1 and u.status = 'ACTIVE'
       and exists (select 1 from session s where s.family_id = $2 and s.user_id = u.id and s.revoked_at is null and s.expires_at > now())`,
  orgBySlug: `select id, slug, name, status from organization where slug = $1`,
  membersPage: `
    select p.*, coalesce((
             select json_agg(json_build_object('id', r.id, 'key', r.key, 'name', r.name, 'permissions', r.permissions) order by r.position, r.name)
               from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = p.id), '[]'::json) as roles
      from (select pm.id, pm.status, pm.created_at, u.id as user_id, u.email, u.first_name, u.last_name, u.auth_provider,
                   u.status as user_status, u.created_at as user_created_at, pm.sort_key
              from (select m.id, m.user_id, m.status, m.created_at, m.sort_name as sort_key
                      from membership m where m.org_id = $1
                     order by m.sort_name, m.id limit $2) pm
              join "user" u on u.id = pm.user_id) p
     order by p.sort_key, p.id`,
  membersSearch: `
    select p.*, coalesce((
             select json_agg(json_build_object('id', r.id, 'key', r.key, 'name', r.name, 'permissions', r.permissions) order by r.position, r.name)
               from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = p.id), '[]'::json) as roles
      from (select m.id, m.status, m.created_at, u.id as user_id, u.email, u.first_name, u.last_name, u.auth_provider,
                   u.status as user_status, u.created_at as user_created_at,
                   m.sort_name as sort_key
              from membership m join "user" u on u.id = m.user_id
             where m.org_id = $1 and lower(u.first_name || ' ' || u.last_name || ' ' || u.email) like $3
             order by m.sort_name, m.id
             limit $2) p
     order by p.sort_key, p.id`,
  membersCount: `select count(*)::int as n from membership m where m.org_id = $1`,
  membersCountSearch: `select count(*)::int as n from membership m join "user" u on u.id = m.user_id
                        where m.org_id = $1 and lower(u.first_name || ' ' || u.last_name || ' ' || u.email) like $2`,
  lockOrgOfMembership: `select o.id from organization o where o.id = (select m.org_id from membership m where m.id = $1) for update of o`,
  membershipUnderLock: `
    select m.id, m.org_id, m.user_id, m.status, m.created_at, u.email, u.first_name, u.last_name, u.auth_provider,
           u.status as user_status, u.created_at as user_created_at,
           coalesce((select json_agg(json_build_object('id', r.id, 'key', r.key, 'name', r.name, 'permissions', r.permissions, 'builtin', r.builtin) order by r.position, r.name)
                       from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = m.id), '[]'::json) as roles,
           coalesce((select array_agg(distinct p) from membership am
                       join organization ao on ao.id = am.org_id
                       join membership_role amr on amr.membership_id = am.id
                       join role ar on ar.id = amr.role_id
                       cross join lateral unnest(ar.permissions) p
                      where am.org_id = m.org_id and am.user_id = $2 and am.status = 'ACTIVE' and ao.status = 'ACTIVE'), '{}') as actor_permissions
      from membership m join "user" u on u.id = m.user_id where m.id = $1`,
  rolesInOrg: `select id, key, name, permissions, builtin, position from role where org_id = $1 and id = any($2::uuid[])`,
  activeOwners: `
    select m.id, r.permissions from membership m
      join "user" u on u.id = m.user_id
      join membership_role mr on mr.membership_id = m.id
      join role r on r.id = mr.role_id
     where m.org_id = $1 and m.status = 'ACTIVE' and u.status = 'ACTIVE'
       and ('org:own' = any(r.permissions) or 'org:*' = any(r.permissions) or '*' = any(r.permissions))`,
  deleteRoles: `delete from membership_role where membership_id = $1`,
  insertRoles: `insert into membership_role (membership_id, role_id) select $1, unnest($2::uuid[])`,
  insertAudit: `
    insert into audit_event (org_id, actor_user_id, actor_label, action, target_type, target_id, target_label, before, after, ip, user_agent, request_id, created_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())`,
  throttle: `
    insert into login_throttle as t (key, failures, last_failure_at, locked_until, last_attempt_allowed)
    values ($1, 1, now(), null, true)
    on conflict (key) do update set
      failures = case when t.last_failure_at < now() - interval '1 day' then 1 else t.failures + 1 end,
      last_failure_at = now(),
      last_attempt_allowed = (t.locked_until is null or t.locked_until <= now()),
      locked_until = case
        when t.locked_until > now() then t.locked_until
        when t.last_failure_at >= now() - interval '1 day' and t.failures + 1 >= $2
          then now() + make_interval(secs => least($3, power(2, t.failures + 1 - $2)))
        else null end
    returning last_attempt_allowed as allowed, ceil(extract(epoch from locked_until - now()))::int as wait`,
  userByEmail: `select id, email, password_hash, status, must_change_password from "user" where email = $1`,
  userForShare: `select id, email, password_hash, status, must_change_password from "user" where id = $1 for share`,
  touchLogin: `update "user" set last_login_at = $2 where id = $1`,
  insertSession: `
    insert into session (id, user_id, family_id, token_hash, expires_at, user_agent, ip, created_at)
    values ($1, $2, $3, $4, $5, $6, $7, now())`,
  clearAccountThrottle: `delete from login_throttle where key = $1`,
  creditIpThrottle: `
    update login_throttle set failures = greatest(failures - 1, 0),
           locked_until = case when failures - 1 < $1 then null else locked_until end
     where key = $2`,
  auditBatch: `
    select e.id, e.created_at, e.org_id, e.actor_user_id, e.actor_label, e.action, e.target_type, e.target_id, e.target_label,
           e.before, e.after, e.ip, e.user_agent, e.request_id, e.seq::text as seq, encode(e.hash, 'hex') as hash
      from audit_event e where e.org_id = $1 and e.seq > $2 order by e.seq limit $3`,
} as const;

// --- the principal -------------------------------------------------------------------------------
interface RoleJson { id: string; key: string; name: string; permissions: string[] }
interface Grant {
  membershipId: string;
  status: string;
  orgId: string;
  slug: string;
  name: string;
  orgStatus: string;
  roles: RoleJson[];
  active: boolean;
  permissions: ReadonlySet<string>;
}
interface Principal {
  user: { id: string; email: string; first_name: string; last_name: string; auth_provider: string; status: string; is_platform_admin: boolean; must_change_password: boolean; created_at: Date; last_login_at: Date | null };
  sessionId: string;
  grants: Grant[];
  byOrg: Map<string, Grant>;
}

/** Token check, user and session liveness and the caller's memberships with roles: one statement. */
async function authenticate(req: http.IncomingMessage): Promise<Principal | null> {
  const match = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) return null;
  const claims = await verifyToken(match[1]);
  if (!claims) return null;
  const row = (await run(pool, 'principal', SQL.principal, [claims.userId, claims.sessionId]))[0];
  if (!row) return null;
  const grants: Grant[] = (row.memberships as Omit<Grant, 'active' | 'permissions'>[]).map((m) => ({
    ...m,
    active: m.status === 'ACTIVE' && m.orgStatus === 'ACTIVE',
    permissions: effectivePermissions(m.roles),
  }));
  const { memberships: _m, ...user } = row;
  return { user, sessionId: claims.sessionId, grants, byOrg: new Map(grants.map((g) => [g.orgId, g])) };
}

/** Gatehouse's permissionsIn: all for platform admins; an active membership's permissions; else none. */
function permissionsIn(p: Principal, orgId: string): ReadonlySet<string> | undefined {
  if (p.user.is_platform_admin) return ALL;
  const g = p.byOrg.get(orgId);
  return g?.active ? g.permissions : undefined;
}
const member = (p: Principal | null): p is Principal => p !== null && !p.user.must_change_password;

// --- shapes ----------------------------------------------------------------------------------------
const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
const fromGid = (value: unknown, type: string): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i > 0 && text.slice(0, i) === type ? text.slice(i + 1) : undefined;
};
const isUuid = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const displayName = (u: { first_name: string; last_name: string; email: string }) => `${u.first_name} ${u.last_name}`.trim() || u.email;
const likePattern = (search: string) => `%${search.trim().toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
const cursor = (list: string, sort: unknown, id: string) => Buffer.from(JSON.stringify([list, sort ?? null, id])).toString('base64url');

interface MemberRow {
  id: string; status: string; created_at: Date; user_id: string; email: string; first_name: string; last_name: string;
  auth_provider: string; user_status: string; user_created_at: Date; roles: RoleJson[];
}
function memberFields(m: MemberRow, orgId: string) {
  return {
    id: gid('Membership', m.id),
    status: m.status,
    createdAt: iso(m.created_at),
    organization: { id: gid('Organization', orgId) },
    user: {
      id: gid('User', m.user_id),
      email: m.email,
      firstName: m.first_name,
      lastName: m.last_name,
      displayName: displayName(m),
      authProvider: m.auth_provider,
      status: m.user_status,
      createdAt: iso(m.user_created_at),
    },
    roles: m.roles.map((r) => ({ id: gid('Role', r.id), key: r.key, name: r.name, permissions: r.permissions })),
  };
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
const unauthenticated = () => new HttpError(401, 'UNAUTHENTICATED', 'Sign in to continue');
const forbidden = () => new HttpError(403, 'FORBIDDEN', 'You do not have permission to do this');
const typed = (__typename: string, message: string, extra: Record<string, unknown> = {}) => ({ __typename, message, ...extra });

// --- workloads -------------------------------------------------------------------------------------
async function viewer(req: http.IncomingMessage) {
  const p = await authenticate(req);
  if (!p) return { data: { viewer: null } };
  const u = p.user;
  return {
    data: {
      viewer: {
        id: gid('User', u.id),
        email: u.email,
        firstName: u.first_name,
        lastName: u.last_name,
        displayName: displayName(u),
        authProvider: u.auth_provider,
        status: u.status,
        isPlatformAdmin: u.is_platform_admin,
        mustChangePassword: u.must_change_password,
        createdAt: iso(u.created_at),
        lastLoginAt: iso(u.last_login_at),
        memberships: p.grants.map((g) => ({
          id: gid('Membership', g.membershipId),
          status: g.status,
          roles: g.roles.map((r) => ({ id: gid('Role', r.id), key: r.key, name: r.name })),
          organization: {
            id: gid('Organization', g.orgId),
            slug: g.slug,
            name: g.name,
            status: g.orgStatus,
            viewerPermissions: [...(permissionsIn(p, g.orgId) ?? [])].sort(),
          },
        })),
      },
    },
  };
}

async function members(req: http.IncomingMessage, url: URL) {
  const p = await authenticate(req);
  if (!member(p)) throw p ? forbidden() : unauthenticated();
  const slug = url.searchParams.get('slug') ?? '';
  const first = Number(url.searchParams.get('first') ?? 25);
  if (!Number.isSafeInteger(first) || first < 0 || first > 100) throw new HttpError(400, 'BAD_USER_INPUT', 'first: Use 0 to 100');
  const search = url.searchParams.get('search')?.trim() || undefined;
  // organization(slug): visible with org:read (R1); members: null without members:read.
  const grant = p.grants.find((g) => g.slug === slug);
  let org: { id: string } | undefined = grant && { id: grant.orgId };
  if (p.user.is_platform_admin) org = (await run(pool, 'org_by_slug', SQL.orgBySlug, [slug]))[0];
  if (!org || !permissionsIn(p, org.id)?.has('org:read')) return { data: { organization: null } };
  if (!permissionsIn(p, org.id)!.has('members:read')) return { data: { organization: { id: gid('Organization', org.id), members: null } } };
  const orgId = org.id;
  const [rows, count] = await Promise.all([
    search
      ? run<MemberRow & { sort_key: string }>(pool, 'members_search', SQL.membersSearch, [orgId, first + 1, likePattern(search)])
      : run<MemberRow & { sort_key: string }>(pool, 'members_page', SQL.membersPage, [orgId, first + 1]),
    search
      ? run<{ n: number }>(pool, 'members_count_search', SQL.membersCountSearch, [orgId, likePattern(search)])
      : run<{ n: number }>(pool, 'members_count', SQL.membersCount, [orgId]),
  ]);
  const list = `members:${orgId}:NAME:ASC`;
  const edges = rows.slice(0, first).map((r) => ({ cursor: cursor(list, r.sort_key, r.id), node: memberFields(r, orgId) }));
  return {
    data: {
      organization: {
        id: gid('Organization', orgId),
        members: {
          totalCount: count[0]!.n,
          pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
          edges,
        },
      },
    },
  };
}

/** The security work every request does (token, user, session, memberships), then no data work. */
async function floor(req: http.IncomingMessage) {
  const p = await authenticate(req);
  if (!member(p)) throw p ? forbidden() : unauthenticated();
  return { data: { __typename: 'Query' } };
}

async function can(req: http.IncomingMessage, body: any) {
  const p = await authenticate(req);
  if (!member(p)) throw p ? forbidden() : unauthenticated();
  const permissions = body?.permissions;
  if (!Array.isArray(permissions) || !permissions.every((x) => typeof x === 'string')) throw new HttpError(400, 'BAD_USER_INPUT', 'permissions: a list of strings');
  if (permissions.length > 100) throw new HttpError(400, 'BAD_USER_INPUT', 'permissions: Ask at most 100 at once');
  const orgId = fromGid(body?.organizationId, 'Organization');
  if (orgId === undefined) throw new HttpError(400, 'BAD_USER_INPUT', 'organizationId: not an Organization ID');
  // Platform admins would need the organization to exist (one more statement); members answer from the principal.
  let perms = isUuid(orgId) ? permissionsIn(p, orgId) : undefined;
  if (perms && p.user.is_platform_admin && !p.byOrg.has(orgId)) {
    perms = (await run(pool, 'org_exists', `select id from organization where id = $1`, [orgId])).length ? perms : undefined;
  }
  return { data: { can: permissions.map((permission: string) => ({ permission, allowed: perms?.has(permission) ?? false })) } };
}

async function setMemberRoles(req: http.IncomingMessage, body: any) {
  const p = await authenticate(req);
  if (!member(p)) throw p ? forbidden() : unauthenticated();
  const membershipId = fromGid(body?.membershipId, 'Membership');
  const roleIds: string[] = Array.isArray(body?.roleIds) ? body.roleIds.map((r: unknown) => fromGid(r, 'Role') ?? '') : [];
  if (!membershipId || !isUuid(membershipId)) throw forbidden(); // the scope check of an unknown membership
  const meta = { ip: req.socket.remoteAddress ?? null, userAgent: req.headers['user-agent'] ?? null, requestId: typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : crypto.randomUUID() };
  const client = await pool.connect();
  let result: unknown;
  try {
    await run(client, 'begin', 'begin', []);
    try {
      result = await setMemberRolesTx(client, p, membershipId, roleIds, meta);
      await run(client, 'commit', 'commit', []);
    } catch (error) {
      await run(client, 'rollback', 'rollback', []).catch(() => {});
      throw error;
    }
  } finally {
    client.release();
  }
  return { data: { setMemberRoles: result } };
}

interface Meta { ip: string | null; userAgent: string | null; requestId: string }

async function setMemberRolesTx(tx: PgPoolClient, p: Principal, membershipId: string, roleIds: string[], meta: Meta) {
  const org = (await run<{ id: string }>(tx, 'lock_org_of_membership', SQL.lockOrgOfMembership, [membershipId]))[0];
  // Gatehouse's scope: members:update in the membership's organization, from the request's memberships.
  if (!org || !permissionsIn(p, org.id)?.has('members:update')) throw forbidden();
  const m = (await run<MemberRow & { org_id: string; actor_permissions: string[]; roles: (RoleJson & { builtin: boolean })[] }>(
    tx, 'membership_under_lock', SQL.membershipUnderLock, [membershipId, p.user.id]))[0];
  if (!m) return typed('NotFoundError', 'Membership not found');
  const actorPerms = p.user.is_platform_admin ? ALL : effectivePermissions([{ permissions: m.actor_permissions }]);
  if (!actorPerms.has('members:read')) return typed('NotFoundError', 'Membership not found');
  if (!actorPerms.has('members:update')) throw forbidden();
  const valid = roleIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const found = valid.length ? await run<RoleJson & { builtin: boolean; position: number }>(tx, 'roles_in_org', SQL.rolesInOrg, [m.org_id, valid]) : [];
  const byId = new Map(found.map((r) => [r.id, r]));
  const unknown = roleIds.flatMap((id, i) => (byId.has(id) ? [] : [i]));
  if (unknown.length) return typed('ValidationError', unknown.map((i) => `roleIds.${i}: Not a role of this organization`).join('; '));
  const next = [...new Set(roleIds)].map((id) => byId.get(id)!);
  const problems = checkRoleChange({ actorUserId: p.user.id, targetUserId: m.user_id, actorPerms, currentRoles: m.roles, nextRoles: next, policy: preset.policy });
  for (const problem of problems) {
    if (problem.code === 'SELF_ROLE_CHANGE') return typed('SelfRoleChangeError', 'You cannot change your own roles; ask another administrator');
    if (problem.code === 'SINGLE_OWNER') return typed('PolicyError', 'This organization has exactly one owner: ownership moves only by transfer');
    if (problem.code === 'GRANT_CEILING') return typed('GrantCeilingError', 'grant ceiling', { roleKeys: problem.roleKeys, ownerOnly: problem.missing.includes(ORG_OWN) });
    if (problem.code === 'NO_ROLES') return typed('ValidationError', 'roleIds: Choose at least one role');
    if (problem.code === 'TOO_MANY_ROLES') return typed('ValidationError', `roleIds: Choose exactly ${problem.max} role`);
  }
  if (m.roles.some(isOwnerRole)) {
    const owners = await run<{ id: string; permissions: string[] }>(tx, 'active_owners', SQL.activeOwners, [m.org_id]);
    const ids = [...new Set(owners.filter((o) => isOwnerRole(o)).map((o) => o.id))];
    if (!checkOwnerFloor({ activeOwnerMembershipIds: ids, affectedMembershipId: m.id, keepsOwn: next.some(isOwnerRole) }).ok) {
      return typed('LastOwnerError', 'The organization must keep at least one active owner');
    }
  }
  await run(tx, 'delete_roles', SQL.deleteRoles, [m.id]);
  await run(tx, 'insert_roles', SQL.insertRoles, [m.id, next.map((r) => r.id)]);
  await run(tx, 'insert_audit', SQL.insertAudit, [
    m.org_id, p.user.id, p.user.email, 'membership.roles_changed', 'Membership', m.id, m.email,
    JSON.stringify({ roles: m.roles.map((r) => r.key) }), JSON.stringify({ roles: next.map((r) => r.key) }),
    meta.ip, meta.userAgent, meta.requestId,
  ]);
  const sorted = [...next].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
  return { __typename: 'Membership', ...memberFields({ ...m, roles: sorted }, m.org_id) };
}

const THROTTLE = { account: { free: 5, maxSeconds: 900 }, ip: { free: 20, maxSeconds: 900 } };

async function signIn(req: http.IncomingMessage, body: any) {
  const email = typeof body?.email === 'string' ? body.email : '';
  const password = typeof body?.password === 'string' ? body.password : '';
  const ip = req.socket.remoteAddress;
  const keys = {
    account: `account:${createHash('sha256').update(email.trim().toLowerCase()).digest('base64url')}`,
    ip: `ip:${(ip ?? 'unknown').slice(0, 64)}`,
  };
  let wait = 0;
  for (const [key, policy] of [[keys.account, THROTTLE.account], [keys.ip, THROTTLE.ip]] as const) {
    const row = (await run<{ allowed: boolean; wait: number | null }>(pool, 'throttle', SQL.throttle, [key, policy.free, policy.maxSeconds]))[0];
    if (row && !row.allowed) wait = Math.max(wait, row.wait ?? 1);
  }
  if (wait > 0) return { data: { signIn: typed('TooManyAttemptsError', `Too many failed attempts; try again in ${wait} seconds`, { retryAfterSeconds: wait }) } };
  const issues: string[] = [];
  if (email.trim() === '') issues.push('email: Enter your email address');
  else if (emailIssue(email)) issues.push(`email: ${emailIssue(email)}`);
  if (password === '') issues.push('password: Enter your password');
  else {
    const problem = textIssue(password, { maxLength: PASSWORD_MAX });
    if (problem) issues.push(`password: ${problem}`);
  }
  if (issues.length) return { data: { signIn: typed('ValidationError', issues.join('; ')) } };
  const invalid = { data: { signIn: typed('InvalidCredentialsError', 'Email or password is incorrect') } };
  const user = (await run(pool, 'user_by_email', SQL.userByEmail, [canonicalEmail(email)!]))[0];
  const ok = user?.password_hash ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password);
  if (!user || !ok || user.status !== 'ACTIVE') return invalid;
  const familyId = crypto.randomUUID();
  const refreshToken = randomBytes(32).toString('base64url');
  const client = await pool.connect();
  let fresh: any;
  try {
    await run(client, 'begin', 'begin', []);
    try {
      // R21: the account locked (shared) and re-checked, as Gatehouse does.
      fresh = (await run(client, 'user_for_share', SQL.userForShare, [user.id]))[0];
      if (fresh && fresh.status === 'ACTIVE' && fresh.password_hash === user.password_hash) {
        await run(client, 'touch_login', SQL.touchLogin, [user.id, new Date()]);
        await run(client, 'insert_audit', SQL.insertAudit, [null, user.id, user.email, 'session.signed_in', 'User', user.id, user.email, null, null, ip ?? null, req.headers['user-agent'] ?? null, typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : crypto.randomUUID()]);
        await run(client, 'insert_session', SQL.insertSession, [
          crypto.randomUUID(), user.id, familyId, createHash('sha256').update(refreshToken).digest('base64url'),
          new Date(Date.now() + refreshTtlDays * 86_400_000), req.headers['user-agent'] ?? null, ip ?? null,
        ]);
      } else fresh = undefined;
      await run(client, 'commit', 'commit', []);
    } catch (error) {
      await run(client, 'rollback', 'rollback', []).catch(() => {});
      throw error;
    }
  } finally {
    client.release();
  }
  if (!fresh) return invalid;
  await run(pool, 'clear_account_throttle', SQL.clearAccountThrottle, [keys.account]);
  await run(pool, 'credit_ip_throttle', SQL.creditIpThrottle, [THROTTLE.ip.free, keys.ip]);
  const accessToken = await new jose.SignJWT({ sid: familyId })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
    .setSubject(user.id)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + accessTtl)
    .setJti(crypto.randomUUID())
    .sign(privateKey);
  return { data: { signIn: { __typename: 'AuthPayload', accessToken, refreshToken, user: { id: gid('User', user.id), email: user.email, mustChangePassword: user.must_change_password } } } };
}

// --- audit export (CSV, the same bytes as apps/api/src/modules/audit/audit.export.ts) ----------------
const EXPORT_BATCH = 1000;
const COLUMNS = ['id', 'created_at', 'org_id', 'actor_user_id', 'actor_label', 'action', 'target_type', 'target_id', 'target_label', 'before', 'after', 'ip', 'user_agent', 'request_id', 'seq', 'hash'] as const;

async function auditExport(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
  const p = await authenticate(req);
  if (!p) return problem(res, 401, 'UNAUTHENTICATED', 'Send a bearer access token');
  if (p.user.must_change_password) return problem(res, 403, 'PASSWORD_CHANGE_REQUIRED', 'Change your temporary password first');
  const format = url.searchParams.get('format') ?? 'csv';
  if (format !== 'csv') return problem(res, 400, 'BAD_REQUEST', 'L1 exports csv only');
  const ref = url.searchParams.get('organization') ?? '';
  const grant = p.grants.find((g) => (isUuid(ref) ? g.orgId === ref : g.slug === ref));
  let org: { id: string; slug: string } | undefined = grant && { id: grant.orgId, slug: grant.slug };
  if (p.user.is_platform_admin && !org) org = (await run(pool, isUuid(ref) ? 'org_by_id' : 'org_by_slug', isUuid(ref) ? `select id, slug from organization where id = $1` : SQL.orgBySlug, [ref]))[0];
  if (!org || !permissionsIn(p, org.id)?.has('audit:read')) return problem(res, 404, 'NOT_FOUND', 'Organization not found');
  res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="audit-${org.slug}.csv"`, 'cache-control': 'no-store' });
  if (!res.write(`${COLUMNS.join(',')}\n`)) await once(res, 'drain');
  // Rows as arrays in COLUMNS order (no object per row); seq is column 14.
  const fetchBatch = (after: string) => run<unknown[]>(pool, 'audit_batch', SQL.auditBatch, [org!.id, after, EXPORT_BATCH], { types: RAW_TIMES, rowMode: 'array' });
  let pending = fetchBatch('0');
  for (;;) {
    const rows = await pending;
    // The next batch is read while this one is written.
    if (rows.length === EXPORT_BATCH) pending = fetchBatch(String(rows[rows.length - 1]![14]));
    let chunk = '';
    for (const row of rows) chunk += csvLine(row);
    if (chunk && !res.write(chunk)) await once(res, 'drain');
    if (rows.length < EXPORT_BATCH) break;
  }
  res.end();
}

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && /^[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value ?? null;
}
function csvLine(row: unknown[]): string {
  let line = '';
  for (let i = 0; i < COLUMNS.length; i++) line += (i ? ',' : '') + csvCell(normalize(row[i]));
  return `${line}\n`;
}
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// --- HTTP ------------------------------------------------------------------------------------------
function problem(res: http.ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 262_144) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'Body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Body is not JSON');
  }
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let body: unknown;
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /floor': body = await floor(req); break;
      case 'GET /viewer': body = await viewer(req); break;
      case 'GET /members': body = await members(req, url); break;
      case 'POST /can': body = await can(req, await readJson(req)); break;
      case 'POST /set-member-roles': body = await setMemberRoles(req, await readJson(req)); break;
      case 'POST /sign-in': body = await signIn(req, await readJson(req)); break;
      case 'GET /audit/export': return void (await auditExport(req, res, url));
      case 'GET /healthz': body = { status: 'ok' }; break;
      default: return problem(res, 404, 'NOT_FOUND', 'No such endpoint');
    }
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  } catch (error) {
    if (error instanceof HttpError) {
      if (!res.headersSent) {
        const text = JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code } }] });
        res.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      } else res.destroy();
      return;
    }
    console.error('L1:', error);
    if (!res.headersSent) problem(res, 500, 'INTERNAL', 'Internal error');
    else res.destroy();
  }
});
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(port, env.HOST ?? '127.0.0.1', resolve));
const address = server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
const stop = () => {
  server.close();
  server.closeIdleConnections();
  void pool.end().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
serveIpc({ url }, counter);
if (!process.send) console.log(`L1 listening on ${url}`);
