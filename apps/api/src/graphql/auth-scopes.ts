import { GraphQLError } from 'graphql';
import { isKnownPermission } from '@gatehouse/permissions';
import type { Context } from '../context.ts';

/** Scope loaders: each reads the request's memoized memberships and the pure permission rules. */
export function authScopes(ctx: Context) {
  const user = ctx.user;
  return {
    authenticated: user !== null,
    member: user !== null && !user.mustChangePassword,
    platformAdmin: user !== null && !user.mustChangePassword && user.isPlatformAdmin,
    orgPermission: async (scope: string) => {
      // A service account (R23) holds its roles' permissions in its own organization only.
      if (!user && !ctx.serviceAccount) return false;
      if (user?.mustChangePassword) return false;
      const i = scope.indexOf(':');
      const permission = scope.slice(i + 1);
      return isKnownPermission(permission) && ctx.can(scope.slice(0, i), permission);
    },
  };
}

/**
 * Scope of the public mutations that change something (acceptInvitation): anyone may call them
 * anonymously (the resolver checks the token), but a signed-in caller must be a full member, so a
 * pending forced password change refuses them like every other operation (R7).
 */
export function publicOrMember(_parent: unknown, _args: unknown, ctx: Context): true | { member: true } {
  return ctx.user ? { member: true } : true;
}

/** Missing sign-in, a pending forced password change, or missing permission: top-level errors with a code. */
export function unauthorizedError(_parent: unknown, ctx: Context): GraphQLError {
  if (!ctx.user && !ctx.serviceAccount) return new GraphQLError('Sign in to continue', { extensions: { code: 'UNAUTHENTICATED' } });
  if (ctx.user?.mustChangePassword) {
    return new GraphQLError('Change your temporary password to continue', {
      extensions: { code: 'PASSWORD_CHANGE_REQUIRED' },
    });
  }
  return new GraphQLError('You do not have permission to do this', { extensions: { code: 'FORBIDDEN' } });
}
