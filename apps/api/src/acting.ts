import type { PermissionKey } from '@gatehouse/permissions';
import type { App, MembershipGrant } from './context.ts';
import type { Em } from './db/orm.ts';
import { transaction } from './db/retry.ts';
import { AuthError } from './errors.ts';
import type { Actor } from './modules/audit/audit.service.ts';
import type { UserView } from './graphql/views.ts';
import type { ServiceAccountIdentity, ServiceAccountStandIn } from './modules/service-accounts/service-account.principal.ts';

/**
 * Who acts: a person, or a service account's stand-in (R23), whose id is null: no membership,
 * session or account row matches it, and nothing it writes names a user.
 */
export type ActingUser = UserView | ServiceAccountStandIn;

/**
 * What a service needs to know about whoever calls it: who acts (for R1 checks and the audit
 * trail, R13), what they may do, and the application they act in. Nothing of GraphQL: services
 * take an entity manager and an Acting, so they run the same from a resolver, the REST export, a
 * job or a test. The request context (context.ts) is one.
 */
export interface Acting {
  app: App;
  /** The person acting; for a service account, its stand-in (id null, never stored). */
  user: ActingUser | null;
  serviceAccount: ServiceAccountIdentity | null;
  /** The audit identity (R13). */
  actor: Actor;
  /** All of the acting user's memberships with roles, read fresh each request (R2). */
  memberships(): Promise<Map<string, MembershipGrant>>;
  /** After a write that may change the actor's own roles: memberships are read again when next asked. */
  forgetMemberships(): void;
  /** Every permission for platform admins, the roles' union in an active membership, else undefined (R1). */
  permissionsIn(orgId: string): Promise<ReadonlySet<string> | undefined>;
  /** Organizations where the actor holds a permission; 'all' for platform admins. */
  orgIdsWith(permission: PermissionKey): Promise<string[] | 'all'>;
  can(orgId: string, permission: PermissionKey): Promise<boolean>;
}

/**
 * A service's transaction on `em`, with retries on serialization failures. The actor's memberships
 * are read first, because PGlite has one connection: a query outside the open transaction would
 * wait for it forever.
 */
export async function inTransaction<T>(em: Em, acting: Acting, fn: (tx: Em) => Promise<T>): Promise<T> {
  await acting.memberships();
  return transaction(em, fn);
}

/**
 * The person acting, for what only a person does (their own account, sessions, tokens, ownership).
 * A service account is no person: refused (the GraphQL gate never lets one reach these, R23).
 */
export function personOf(acting: Pick<Acting, 'user'>): UserView {
  const user = acting.user;
  if (!user) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
  if (user.id === null) throw new AuthError('FORBIDDEN', 'A service account cannot do this: sign in as a person');
  return user;
}
