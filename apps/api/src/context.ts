import type { Logger } from 'pino';
import { effectivePermissions, getPreset, PERMISSION_CATALOG, type Preset } from '@gatehouse/permissions';
import type { Config } from './config.ts';
import type { Em, Orm } from './db/orm.ts';
import type { SigningKeys } from './auth/keys.ts';
import { verifyAccessToken } from './auth/access-token.ts';
import { User } from './modules/users/user.entity.ts';
import type { Actor } from './modules/audit/audit.service.ts';
import type { Mailer } from './modules/mail/mailer.ts';
import { createLoaders, type Loaders } from './graphql/loaders.ts';
import { transaction } from './db/retry.ts';

/** Long-lived parts shared by every request. */
export interface App {
  config: Config;
  orm: Orm;
  keys: SigningKeys;
  preset: Preset;
  log: Logger;
  /** SMTP when SMTP_URL is set, else the development outbox (R8 invitation mail). */
  mailer: Mailer;
}

export interface MembershipGrant {
  membershipId: string;
  orgId: string;
  orgSlug: string;
  orgName: string;
  /** Membership and organization both active. */
  active: boolean;
  roles: { id: string; key: string; name: string; permissions: string[] }[];
  permissions: ReadonlySet<string>;
}

export interface Principal {
  user: User;
  sessionId: string;
}

export interface RequestMeta {
  requestId: string;
  ip: string | undefined;
  userAgent: string | undefined;
  cookies: Record<string, string>;
}

const ALL_PERMISSIONS: ReadonlySet<string> = new Set(PERMISSION_CATALOG.map((p) => p.key));

/**
 * Built once per request: verified principal, forked EntityManager, memoized memberships, loaders.
 * A plain object of own properties, because Yoga merges the context into its own object.
 */
export interface Context {
  app: App;
  em: Em;
  meta: RequestMeta;
  principal: Principal | null;
  user: User | null;
  actor: Actor;
  loaders: Loaders;
  /** Adds a Set-Cookie header to the response (refresh cookie). */
  setCookie(cookie: string): void;
  /** All of the principal's memberships with roles, in one query, read fresh each request (R2). */
  memberships(): Promise<Map<string, MembershipGrant>>;
  /** After a write: forget cached entities, loaders and memberships so the response shows the new state. */
  afterWrite(): void;
  /**
   * The actor's permissions in an organization: every permission for platform admins, the union of
   * the roles of an active membership in an active org for members, undefined otherwise (R1).
   */
  permissionsIn(orgId: string): Promise<ReadonlySet<string> | undefined>;
  /** Organizations where the actor holds a permission; 'all' for platform admins. */
  orgIdsWith(permission: string): Promise<string[] | 'all'>;
  can(orgId: string, permission: string): Promise<boolean>;
  /**
   * Runs a service's transaction. The memberships memo is loaded first, because PGlite has one
   * connection: a query outside the open transaction would wait for it forever.
   */
  transaction<T>(fn: (tx: Em) => Promise<T>): Promise<T>;
}

export function createContext(
  app: App,
  em: Em,
  meta: RequestMeta,
  principal: Principal | null,
  setCookie: (cookie: string) => void = () => {},
): Context {
  const user = principal?.user ?? null;
  let memo: Promise<Map<string, MembershipGrant>> | undefined;
  const memberships = () => {
    memo ??= user ? loadGrants(em, user.id) : Promise.resolve(new Map<string, MembershipGrant>());
    return memo;
  };
  const permissionsIn = async (orgId: string) => {
    if (!user) return undefined;
    if (user.isPlatformAdmin) return ALL_PERMISSIONS;
    const grant = (await memberships()).get(orgId);
    return grant?.active ? grant.permissions : undefined;
  };
  return {
    app,
    em,
    meta,
    principal,
    user,
    actor: {
      userId: user?.id ?? null,
      label: user?.email ?? 'anonymous',
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
    },
    loaders: createLoaders(em),
    setCookie,
    memberships,
    afterWrite() {
      memo = undefined;
      em.clear();
      this.loaders = createLoaders(em);
    },
    permissionsIn,
    orgIdsWith: async (permission) => {
      if (!user) return [];
      if (user.isPlatformAdmin) return 'all';
      return [...(await memberships()).values()]
        .filter((g) => g.active && g.permissions.has(permission))
        .map((g) => g.orgId);
    },
    can: async (orgId, permission) => (await permissionsIn(orgId))?.has(permission) ?? false,
    transaction: async (fn) => {
      await memberships();
      return transaction(em, fn);
    },
  };
}

interface GrantRow {
  membership_id: string;
  org_id: string;
  slug: string;
  name: string;
  active: boolean;
  roles: { id: string; key: string; name: string; permissions: string[] }[] | null;
}

async function loadGrants(em: Em, userId: string): Promise<Map<string, MembershipGrant>> {
  const rows = await em.execute<GrantRow[]>(
    `select m.id as membership_id, o.id as org_id, o.slug, o.name,
            (m.status = 'ACTIVE' and o.status = 'ACTIVE') as active,
            coalesce(json_agg(json_build_object('id', r.id, 'key', r.key, 'name', r.name, 'permissions', r.permissions)
                     order by r.position) filter (where r.id is not null), '[]') as roles
       from membership m
       join organization o on o.id = m.org_id
       left join membership_role mr on mr.membership_id = m.id
       left join role r on r.id = mr.role_id
      where m.user_id = ?
      group by m.id, o.id
      order by o.name`,
    [userId],
  );
  const grants = new Map<string, MembershipGrant>();
  for (const row of rows) {
    const roles = typeof row.roles === 'string' ? JSON.parse(row.roles) : (row.roles ?? []);
    grants.set(row.org_id, {
      membershipId: row.membership_id,
      orgId: row.org_id,
      orgSlug: row.slug,
      orgName: row.name,
      active: row.active,
      roles,
      permissions: effectivePermissions(roles),
    });
  }
  return grants;
}

/**
 * Verifies the bearer token and loads its user and session liveness in one query. A disabled user,
 * a revoked or expired session family answers as unauthenticated (R2, R10, R17).
 */
export async function authenticate(app: App, em: Em, authorization: string | null): Promise<Principal | null> {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) return null;
  const claims = await verifyAccessToken(app.keys, tokenSettings(app.config), match[1]);
  if (!claims) return null;
  const rows = await em.execute<({ session_live: boolean } & Record<string, unknown>)[]>(
    `select u.*, exists (select 1 from session s where s.family_id = ? and s.user_id = u.id
                           and s.revoked_at is null and s.expires_at > now()) as session_live
       from "user" u where u.id = ? and u.status = 'ACTIVE'`,
    [claims.sessionId, claims.userId],
  );
  const row = rows[0];
  if (!row?.session_live) return null;
  const { session_live: _live, ...userRow } = row;
  return { user: em.map(User, userRow), sessionId: claims.sessionId };
}

export function tokenSettings(config: Config) {
  return { issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: config.jwt.accessTokenTtlSeconds };
}

export function presetOf(config: Config): Preset {
  return getPreset(config.preset);
}
