import type { Logger } from 'pino';
import { effectivePermissions, getPreset, PERMISSION_CATALOG, type Preset, type PermissionKey } from '@gatehouse/permissions';
import type { Config } from './config.ts';
import type { Em, Orm } from './db/orm.ts';
import type { SigningKeys } from './auth/keys.ts';
import { alreadyVerified, verifyAccessToken } from './auth/access-token.ts';
import type { Actor } from './modules/audit/audit.service.ts';
import type { Mailer } from './modules/mail/mailer.ts';
import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import type { Acting } from './acting.ts';
import { credentialLabel, restrictToCredential, type PersonalAccessTokenCredential } from './modules/tokens/credential.ts';
import { hasCredentialPrefix } from './auth/api-key.ts';
import { authenticateCredential } from './modules/tokens/token.auth.ts';
import { looksLikeServiceToken } from './auth/client-credentials.ts';
import { authenticateServiceToken } from './modules/service-accounts/oauth-token.ts';
import { isServicePrincipal, serviceAccountLabel, serviceAccountOrgIdsWith, serviceAccountPermissionsIn, serviceAccountStandIn, type ServiceAccountIdentity, type ServicePrincipal } from './modules/service-accounts/service-account.principal.ts';
import { jsonColumn, row, rows, statement } from './db/sql.ts';
import { membershipViewJson, organizationViewJson, roleViewJson, userViewColumns, UserView } from './graphql/views.ts';

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
  user: UserView;
  sessionId: string;
  /** The user's memberships with roles, read in the same statement as the user (R2: every request). */
  grants?: Map<string, MembershipGrant>;
  /** The same memberships as rows, for the viewer's own membership fields (mapped only when asked). */
  grantRows?: GrantRow[];
  /** Set for a personal access token: one organization, a permission subset (R23, modules/tokens). */
  credential?: PersonalAccessTokenCredential;
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
/** The GraphQL request's context: the caller (Acting) plus what only the request layer uses. */
export interface Context extends Acting {
  em: Em;
  meta: RequestMeta;
  principal: Principal | null;
  /** Adds a Set-Cookie header to the response (refresh cookie). */
  setCookie(cookie: string): void;
  /** After a write whose cascades the unit of work did not see: forget cached entities, the Pothos loaders' caches and memberships. */
  afterWrite(): void;
}

export function createContext(
  app: App,
  em: Em,
  meta: RequestMeta,
  authenticated: Principal | ServicePrincipal | null,
  setCookie: (cookie: string) => void = () => {},
): Context {
  const serviceAccount = isServicePrincipal(authenticated) ? authenticated.serviceAccount : null;
  const principal = isServicePrincipal(authenticated) ? null : authenticated;
  // A service account acts through a stand-in user object, so the organization's operations run for it
  // as for a member (R23); its permissions come from its roles, never from memberships.
  const user = serviceAccount ? serviceAccountStandIn(serviceAccount) : (principal?.user ?? null);
  let memo: Promise<Map<string, MembershipGrant>> | undefined = principal?.grants ? Promise.resolve(principal.grants) : undefined;
  const memberships = () => {
    memo ??= user?.id && !serviceAccount ? loadGrants(em, user.id) : Promise.resolve(new Map<string, MembershipGrant>());
    return memo;
  };
  const permissionsIn = async (orgId: string) => restrictToCredential(principal?.credential, orgId, await ownPermissionsIn(orgId));
  const ownPermissionsIn = async (orgId: string) => {
    if (serviceAccount) return serviceAccountPermissionsIn(serviceAccount, orgId);
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
    serviceAccount,
    actor: {
      userId: serviceAccount ? null : (user?.id ?? null),
      label: serviceAccount ? serviceAccountLabel(serviceAccount) : principal?.credential ? credentialLabel(principal.credential, user!.email) : (user?.email ?? 'anonymous'),
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
    },
    setCookie,
    memberships,
    forgetMemberships() {
      memo = undefined;
      // The principal's rows no longer describe the viewer's memberships (graphql/own-memberships.ts).
      if (principal) principal.grantRows = undefined;
    },
    afterWrite() {
      this.forgetMemberships();
      em.clear();
      clearAllDataLoaders(this);
    },
    permissionsIn,
    orgIdsWith: async (permission) => {
      if (serviceAccount) return serviceAccountOrgIdsWith(serviceAccount, permission);
      if (!user) return [];
      if (user.isPlatformAdmin) return 'all';
      return [...(await memberships()).values()]
        .filter((g) => g.active && (restrictToCredential(principal?.credential, g.orgId, g.permissions)?.has(permission) ?? false))
        .map((g) => g.orgId);
    },
    can: async (orgId, permission) => (await permissionsIn(orgId))?.has(permission) ?? false,
  };
}

/** A membership as the principal statement reads it: the grant, and the whole rows for the viewer's fields. */
export interface GrantRow {
  membership_id: string;
  org_id: string;
  slug: string;
  name: string;
  active: boolean;
  roles: ({ id: string; key: string; name: string; permissions: string[] } & Record<string, unknown>)[] | null;
  membership_row: Record<string, unknown>;
  org_row: Record<string, unknown>;
}

/** One row per membership of the user, with its organization and roles (JSON built by PostgreSQL). */
const GRANTS_OF_USER = `
  select m.id as membership_id, o.id as org_id, o.slug, o.name,
         (m.status = 'ACTIVE' and o.status = 'ACTIVE') as active,
         ${membershipViewJson('m')} as membership_row, ${organizationViewJson('o')} as org_row,
         coalesce((select json_agg(${roleViewJson('r')} order by r.position, r.name)
                     from membership_role mr join role r on r.id = mr.role_id
                    where mr.membership_id = m.id), '[]') as roles
    from membership m
    join organization o on o.id = m.org_id
   where m.user_id = u.id`;

const grantsOfUser = statement(
  'grants_of_user',
  `select g.* from "user" u cross join lateral (${GRANTS_OF_USER}) g where u.id = $1 order by g.name`,
);

/**
 * The principal in one statement: the active user, whether the token's session family is live, and
 * every membership with its roles. Roles are read on every request, never cached (R2).
 */
const principalOf = statement(
  'principal_of',
  `select ${userViewColumns('u')},
          exists (select 1 from session s where s.family_id = $1 and s.user_id = u.id
                     and s.revoked_at is null and s.expires_at > now()) as session_live,
          (select coalesce(json_agg(g order by g.name), '[]') from (${GRANTS_OF_USER}) g) as grants
     from "user" u where u.id = $2 and u.status = 'ACTIVE'`,
);

function toGrants(list: GrantRow[]): Map<string, MembershipGrant> {
  const grants = new Map<string, MembershipGrant>();
  for (const row of list) {
    const roles = jsonColumn<GrantRow['roles']>(row.roles) ?? [];
    let permissions: ReadonlySet<string> | undefined;
    grants.set(row.org_id, {
      membershipId: row.membership_id,
      orgId: row.org_id,
      orgSlug: row.slug,
      orgName: row.name,
      active: row.active,
      roles,
      // Expanded when first asked: a request usually concerns one of the user's organizations.
      get permissions() {
        return (permissions ??= effectivePermissions(roles));
      },
    });
  }
  return grants;
}

async function loadGrants(em: Em, userId: string): Promise<Map<string, MembershipGrant>> {
  return toGrants(await rows<GrantRow>(em, grantsOfUser, [userId]));
}

/**
 * Verifies the bearer token, then reads its user, session liveness and memberships in one
 * statement. A disabled user, a revoked or expired session family answers as unauthenticated
 * (R2, R10, R17).
 */
export async function authenticate(app: App, em: Em, authorization: string | null, ip?: string): Promise<Principal | ServicePrincipal | null> {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) return null;
  if (hasCredentialPrefix(match[1])) return authenticateCredential(em, match[1], ip);
  // A token seen before skips the service-token sniffing (a JWT decode) as well as the signature.
  const known = alreadyVerified(app.keys, match[1]);
  if (!known && looksLikeServiceToken(match[1])) return authenticateServiceToken(app, em, match[1]);
  const claims = known ?? (await verifyAccessToken(app.keys, tokenSettings(app.config), match[1]));
  if (!claims) return null;
  const found = await row<{ session_live: boolean; grants: GrantRow[] | string } & Record<string, unknown>>(em, principalOf, [claims.sessionId, claims.userId]);
  if (!found?.session_live) return null;
  const { session_live: _live, grants, ...userRow } = found;
  const list = jsonColumn<GrantRow[]>(grants);
  return { user: new UserView(userRow), sessionId: claims.sessionId, grants: toGrants(list), grantRows: list };
}

export function tokenSettings(config: Config) {
  return { issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: config.jwt.accessTokenTtlSeconds };
}

export function presetOf(config: Config): Preset {
  return getPreset(config.preset);
}
