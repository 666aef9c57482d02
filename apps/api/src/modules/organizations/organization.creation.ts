// Who may create organizations (R15 and Spaces' "Create new organizations"), set by configuration:
//   platform-admins  only platform admins (the default);
//   signed-in        any signed-in account;
//   permission       holders of a named permission (default organizations:create) through a role in
//                    any active organization (Spaces: its Admins).
// A platform admin may always create one and name its owner; anyone else becomes the top role of
// what they create. Credentials (tokens, service accounts) act in one organization only, so they
// never create organizations unless their holder is a platform admin.
//
// Per-account limit (ORGANIZATION_CREATION_LIMIT, default 10): who is not a platform admin may create
// an organization only while they own (hold the top role, org:own, in) fewer than that many. The
// count and the creation run in one transaction that first locks the creator's user row, so two
// concurrent creations by one account are serialized and cannot both take the last slot. A refusal
// is a LimitExceededError (nothing written, R13); a creation records `creationLimit { limit, owned }`
// (owned before it) in its organization.created event.

import { inTransaction, personOf, type Acting } from '../../acting.ts';
import { AuthError, LimitExceededError, ValidationError } from '../../errors.ts';
import type { Em } from '../../db/orm.ts';
import { ACTIVE, builder, rowOf, ShapeCache } from '../../db/kysely.ts';
import type { Config } from '../../config.ts';
import { credentialOf } from '../tokens/credential.ts';
import { createOrganization } from './organization.service.ts';
import { holdsOrgOwn } from '../memberships/membership.locks.ts';
import type { Organization } from './organization.entity.ts';

export type OrganizationCreationPolicy = Config['organizationCreation']['policy'];

/** The creator's account row, locked `for update` while it is active: serializes one account's creations. */
const lockActiveAccount = new ShapeCache((_: object, v: { userId: string }) =>
  builder.selectFrom('user').select('id').where('id', '=', v.userId).where('status', '=', ACTIVE).forUpdate(),
);

const ownedCount = new ShapeCache((_: object, v: { userId: string }) =>
  builder
    .selectFrom('membership as m')
    .innerJoin('membership_role as mr', 'mr.membership_id', 'm.id')
    .innerJoin('role as r', 'r.id', 'mr.role_id')
    .select((eb) => eb.cast<number>(eb.fn.count('m.org_id').distinct(), 'integer').as('n'))
    .where('m.user_id', '=', v.userId)
    .where(holdsOrgOwn),
);

/** Whether the signed-in user may create an organization under the configured policy. */
export async function mayCreateOrganization(acting: Acting): Promise<boolean> {
  const user = acting.user;
  if (!user || user.mustChangePassword) return false;
  if (user.isPlatformAdmin) return true;
  if (credentialOf(user)) return false;
  const { policy, permission } = acting.app.config.organizationCreation;
  if (policy === 'signed-in') return true;
  if (policy === 'permission') return [...(await acting.memberships()).values()].some((g) => g.active && g.permissions.has(permission));
  return false;
}

/** Creates an organization under the policy; the creator (unless a platform admin naming another owner) gets the top role. */
export async function createOrganizationAsViewer(em: Em, acting: Acting, input: { name: string; slug?: string | null; ownerUserId?: string | null }): Promise<Organization> {
  const user = personOf(acting); // the creator becomes the owner (or counts the organizations they own)
  if (!(await mayCreateOrganization(acting))) {
    const { policy, permission } = acting.app.config.organizationCreation;
    throw new AuthError('FORBIDDEN', policy === 'permission' ? `Creating organizations needs ${permission} in one of your organizations` : 'Only platform admins create organizations here');
  }
  if (!user.isPlatformAdmin && input.ownerUserId && input.ownerUserId !== user.id) {
    throw ValidationError.field(['input', 'ownerUserId'], 'You become the owner of the organization you create; only platform admins name another owner');
  }
  const ownerUserId = user.isPlatformAdmin ? (input.ownerUserId ?? null) : user.id;
  if (user.isPlatformAdmin) {
    return createOrganization(em, acting.actor, acting.app.preset, { ...input, ownerUserId }, { creationPolicy: 'platform-admin' });
  }
  const limit = acting.app.config.organizationCreationLimit;
  return inTransaction(em, acting, async (tx) => {
    // Serializes this account's creations: a concurrent one waits here, then counts what this one made.
    const locked = await rowOf(tx, lockActiveAccount.prepared({}, { userId: user.id }));
    if (!locked) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
    const owned = await ownedOrganizations(tx, user.id);
    if (owned >= limit) {
      throw new LimitExceededError(
        `You own ${owned} organization${owned === 1 ? '' : 's'}, the most one account may own here (${limit}): delete one or hand its ownership over before creating another`,
        limit,
      );
    }
    // Joins this transaction (a savepoint): the lock is held until the organization is committed.
    return createOrganization(tx, acting.actor, acting.app.preset, { ...input, ownerUserId }, {
      creationPolicy: acting.app.config.organizationCreation.policy,
      creationLimit: { limit, owned },
    });
  });
}

/**
 * Organizations in which the account holds the top role (a role with org:own, directly or through
 * `org:*` / `*`, as the owner floor counts them), whatever the organization's or the membership's
 * status: a disabled organization is still theirs.
 */
export async function ownedOrganizations(em: Em, userId: string): Promise<number> {
  const counted = await rowOf(em, ownedCount.prepared({}, { userId }));
  return counted?.n ?? 0;
}
