// Who may create organizations (R15 and Spaces' "Create new organizations"), set by configuration:
//   platform-admins  only platform admins (the default);
//   signed-in        any signed-in account;
//   permission       holders of a named permission (default organizations:create) through a role in
//                    any active organization (Spaces: its Admins).
// A platform admin may always create one and name its owner; anyone else becomes the top role of
// what they create. Credentials (tokens, service accounts) act in one organization only, so they
// never create organizations unless their holder is a platform admin.

import type { Context } from '../../context.ts';
import { AuthError, ValidationError } from '../../errors.ts';
import type { Config } from '../../config.ts';
import { credentialOf } from '../tokens/credential.ts';
import { createOrganization } from './organization.service.ts';
import type { Organization } from './organization.entity.ts';

export type OrganizationCreationPolicy = Config['organizationCreation']['policy'];

/** Whether the signed-in user may create an organization under the configured policy. */
export async function mayCreateOrganization(ctx: Context): Promise<boolean> {
  const user = ctx.user;
  if (!user || user.mustChangePassword) return false;
  if (user.isPlatformAdmin) return true;
  if (credentialOf(user)) return false;
  const { policy, permission } = ctx.app.config.organizationCreation;
  if (policy === 'signed-in') return true;
  if (policy === 'permission') return [...(await ctx.memberships()).values()].some((g) => g.active && g.permissions.has(permission));
  return false;
}

/** Creates an organization under the policy; the creator (unless a platform admin naming another owner) gets the top role. */
export async function createOrganizationAsViewer(ctx: Context, input: { name: string; slug?: string | null; ownerUserId?: string | null }): Promise<Organization> {
  const user = ctx.user;
  if (!user) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
  if (!(await mayCreateOrganization(ctx))) {
    const { policy, permission } = ctx.app.config.organizationCreation;
    throw new AuthError('FORBIDDEN', policy === 'permission' ? `Creating organizations needs ${permission} in one of your organizations` : 'Only platform admins create organizations here');
  }
  if (!user.isPlatformAdmin && input.ownerUserId && input.ownerUserId !== user.id) {
    throw ValidationError.field(['input', 'ownerUserId'], 'You become the owner of the organization you create; only platform admins name another owner');
  }
  const ownerUserId = user.isPlatformAdmin ? (input.ownerUserId ?? null) : user.id;
  return createOrganization(ctx.em, ctx.actor, ctx.app.preset, { ...input, ownerUserId }, { creationPolicy: user.isPlatformAdmin ? 'platform-admin' : ctx.app.config.organizationCreation.policy });
}
