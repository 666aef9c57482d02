import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { PersonalAccessTokenRef } from '../types/personal-access-token.ts';
import { LimitExceededError, NotFoundError, PolicyError, ValidationError, found } from '../../errors.ts';
import { PersonalAccessToken } from '../../modules/tokens/personal-access-token.entity.ts';
import { createPersonalAccessToken, revokePersonalAccessToken } from '../../modules/tokens/token.service.ts';
import { ownTokens } from '../../modules/tokens/token.queries.ts';
import { isUuid } from '../../ids.ts';
import type { Context } from '../../context.ts';

const CreatedPersonalAccessToken = builder
  .objectRef<{ token: PersonalAccessToken; secret: string }>('CreatedPersonalAccessToken')
  .implement({
    description: 'The new token and its secret. The secret is shown only here, once; store it now.',
    isTypeOf: (v) => typeof v === 'object' && v !== null && 'secret' in v,
    fields: (t) => ({
      token: t.field({ type: PersonalAccessTokenRef, resolve: (v) => v.token }),
      secret: t.exposeString('secret', { description: 'Send as `Authorization: Bearer <secret>`.' }),
    }),
  });

const CreatePersonalAccessTokenInput = builder.inputType('CreatePersonalAccessTokenInput', {
  fields: (t) => ({
    organizationId: t.globalID({ required: true, for: [OrganizationRef] }),
    name: t.string({ required: true }),
    permissions: t.stringList({ required: true, description: 'Exact catalog keys you hold in this organization; never org:own.' }),
    expiresInDays: t.int({ description: 'Days until it expires (1 to 366); omit for no expiry.' }),
  }),
});

async function freshToken(ctx: Context, id: string): Promise<PersonalAccessToken> {
  ctx.afterWrite();
  return found(await ctx.em.findOne(PersonalAccessToken, { id }), 'PersonalAccessToken');
}

builder.mutationField('createPersonalAccessToken', (t) =>
  t.field({
    type: CreatedPersonalAccessToken,
    description: 'R23: a token for one organization with a subset of your own permissions there (tokens:create). Needs a signed-in session.',
    errors: { types: [ValidationError, LimitExceededError, NotFoundError, PolicyError] },
    authScopes: (_r, { input }) => ({ orgPermission: `${input.organizationId.id}:tokens:create` }),
    args: { input: t.arg({ type: CreatePersonalAccessTokenInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const { id, secret } = await createPersonalAccessToken(ctx.em, ctx, {
        orgId: input.organizationId.id,
        name: input.name,
        permissions: input.permissions,
        expiresInDays: input.expiresInDays ?? null,
      });
      return { token: await freshToken(ctx, id), secret };
    },
  }),
);

builder.mutationField('revokePersonalAccessToken', (t) =>
  t.field({
    type: PersonalAccessTokenRef,
    description: 'Revokes a token: its owner, or a members:update holder of its organization. Takes effect on the next request.',
    errors: { types: [NotFoundError] },
    authScopes: { member: true },
    args: { tokenId: t.arg.globalID({ required: true, for: [PersonalAccessTokenRef] }) },
    resolve: async (_r, args, ctx) => freshToken(ctx, await revokePersonalAccessToken(ctx.em, ctx, args.tokenId.id)),
  }),
);

builder.queryField('personalAccessTokens', (t) =>
  t.field({
    type: [PersonalAccessTokenRef],
    description: 'Your own personal access tokens (revoked and expired ones included), newest first.',
    authScopes: { member: true },
    args: { organizationId: t.arg.globalID({ for: [OrganizationRef] }) },
    resolve: (_r, args, ctx) => {
      const orgId = args.organizationId?.id;
      if (orgId !== undefined && !isUuid(orgId)) return [];
      return ownTokens(ctx.em, ctx, orgId);
    },
  }),
);
