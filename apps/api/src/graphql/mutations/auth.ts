import { builder } from '../builder.ts';
import type { Context } from '../../context.ts';
import { personOf } from '../../acting.ts';
import { UserRef } from '../types/user.ts';
import {
  InvalidCredentialsError,
  InvalidRefreshTokenError,
  TooManyAttemptsError,
  ValidationError,
} from '../../errors.ts';
import * as sessions from '../../auth/session.service.ts';
import { clearedRefreshCookie, REFRESH_COOKIE, refreshCookie } from '../../auth/refresh-token.ts';

export const Delivery = builder.enumType('RefreshTokenDelivery', {
  description: 'COOKIE: an httpOnly SameSite=Strict cookie (browsers). RESPONSE: in the payload (services).',
  values: ['COOKIE', 'RESPONSE'] as const,
});

export interface AuthPayloadShape extends sessions.IssuedTokens {
  delivered: 'COOKIE' | 'RESPONSE';
}

export const AuthPayload = builder.objectRef<AuthPayloadShape>('AuthPayload').implement({
  fields: (t) => ({
    accessToken: t.exposeString('accessToken', { description: 'EdDSA-signed JWT; verify against /.well-known/jwks.json.' }),
    accessTokenExpiresAt: t.field({ type: 'DateTime', resolve: (p) => p.accessTokenExpiresAt }),
    refreshToken: t.string({
      nullable: true,
      description: 'Opaque and single-use; null when delivered as a cookie.',
      resolve: (p) => (p.delivered === 'RESPONSE' ? p.refreshToken : null),
    }),
    refreshTokenExpiresAt: t.field({ type: 'DateTime', resolve: (p) => p.refreshTokenExpiresAt }),
    user: t.field({ type: UserRef, resolve: (p) => p.user }),
  }),
});

const OkPayload = builder.objectRef<{ ok: true }>('OkPayload').implement({
  fields: (t) => ({ ok: t.exposeBoolean('ok') }),
});

export function deliver(ctx: Context, tokens: sessions.IssuedTokens, delivered: 'COOKIE' | 'RESPONSE'): AuthPayloadShape {
  if (delivered === 'COOKIE') {
    const maxAge = Math.floor((tokens.refreshTokenExpiresAt.getTime() - Date.now()) / 1000);
    ctx.setCookie(refreshCookie(tokens.refreshToken, maxAge, ctx.app.config.publicUrl.startsWith('https:')));
  }
  return { ...tokens, delivered };
}

builder.mutationField('signIn', (t) =>
  t.field({
    type: AuthPayload,
    errors: { types: [ValidationError, InvalidCredentialsError, TooManyAttemptsError] },
    args: {
      // Checked by signIn after the attempt is counted (R16): refused input still counts.
      email: t.arg.string({ required: true, extensions: { textGate: 'service' } }),
      password: t.arg.string({ required: true, extensions: { textGate: 'service' } }),
      refreshTokenDelivery: t.arg({ type: Delivery, defaultValue: 'RESPONSE' }),
    },
    resolve: async (_root, args, ctx) =>
      deliver(
        ctx,
        await sessions.signIn(ctx.app, ctx.em, ctx.actor, args.email, args.password),
        args.refreshTokenDelivery ?? 'RESPONSE',
      ),
  }),
);

builder.mutationField('refreshSession', (t) =>
  t.field({
    type: AuthPayload,
    description: 'Rotates the refresh token (from the argument, else the cookie). Reusing an old one ends the whole session.',
    errors: { types: [InvalidRefreshTokenError] },
    args: { refreshToken: t.arg.string({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const fromCookie = !args.refreshToken;
      const token = args.refreshToken ?? ctx.meta.cookies[REFRESH_COOKIE];
      if (!token) throw new InvalidRefreshTokenError();
      try {
        const tokens = await sessions.refreshSession(ctx.app, ctx.em, ctx.actor, token);
        return deliver(ctx, tokens, fromCookie ? 'COOKIE' : 'RESPONSE');
      } catch (error) {
        if (fromCookie) ctx.setCookie(clearedRefreshCookie(ctx.app.config.publicUrl.startsWith('https:')));
        throw error;
      }
    },
  }),
);

builder.mutationField('signOut', (t) =>
  t.field({
    type: OkPayload,
    authScopes: { authenticated: true },
    description: 'Ends this session (its refresh token family); its access tokens stop working at once.',
    resolve: async (_root, _args, ctx) => {
      await sessions.signOut(ctx.em, ctx.actor, ctx.principal!.user.id, ctx.principal!.sessionId);
      ctx.setCookie(clearedRefreshCookie(ctx.app.config.publicUrl.startsWith('https:')));
      return { ok: true as const };
    },
  }),
);

builder.mutationField('signOutEverywhere', (t) =>
  t.field({
    type: OkPayload,
    // Ends the caller's own session too: during a forced password change only signOut is offered (R7).
    authScopes: { member: true },
    description: 'Ends every session of the signed-in user on every device.',
    resolve: async (_root, _args, ctx) => {
      await sessions.signOutEverywhere(ctx.em, ctx.actor, personOf(ctx).id);
      ctx.setCookie(clearedRefreshCookie(ctx.app.config.publicUrl.startsWith('https:')));
      return { ok: true as const };
    },
  }),
);

builder.mutationField('changePassword', (t) =>
  t.field({
    type: AuthPayload,
    authScopes: { authenticated: true },
    description: 'Sets a new password, ends every other session and returns fresh tokens. Allowed during a forced change.',
    errors: { types: [ValidationError] },
    args: {
      currentPassword: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
      refreshTokenDelivery: t.arg({ type: Delivery, defaultValue: 'RESPONSE' }),
    },
    resolve: async (_root, args, ctx) =>
      deliver(
        ctx,
        await sessions.changePassword(ctx.app, ctx.em, ctx.actor, personOf(ctx).id, args.currentPassword, args.newPassword),
        args.refreshTokenDelivery ?? 'RESPONSE',
      ),
  }),
);
