import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { PersonalAccessTokenRef } from '../types/personal-access-token.ts';
import { LimitExceededError, NotFoundError, PolicyError, ValidationError } from '../../errors.ts';
import type { PersonalAccessToken } from '../../modules/tokens/personal-access-token.entity.ts';
import { createPersonalAccessToken, revokePersonalAccessToken } from '../../modules/tokens/token.service.ts';
import { ownTokens } from '../../modules/tokens/token.queries.ts';
import { isUuid } from '../../ids.ts';

const CreatedPersonalAccessToken = builder
  .objectRef<{ token: PersonalAccessToken; secret: string }>('CreatedPersonalAccessToken')
  .implement({
    description: 'The new token and its secret. The secret is shown only here, once; store it now.',
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


builder.mutationField('createPersonalAccessToken', (t) =>
  t.field({
    type: CreatedPersonalAccessToken,
    description: 'R23: a token for one organization with a subset of your own permissions there (tokens:create). Needs a signed-in session.',
    errors: { types: [ValidationError, LimitExceededError, NotFoundError, PolicyError] },
    authScopes: (_r, { input }) => ({ orgPermission: `${input.organizationId.id}:tokens:create` }),
    args: { input: t.arg({ type: CreatePersonalAccessTokenInput, required: true }) },
    // The token as the unit of work wrote it: no re-read.
    resolve: (_r, { input }, ctx) =>
      createPersonalAccessToken(ctx.em, ctx, {
        orgId: input.organizationId.id,
        name: input.name,
        permissions: input.permissions,
        expiresInDays: input.expiresInDays ?? null,
      }),
  }),
);

builder.mutationField('revokePersonalAccessToken', (t) =>
  t.field({
    type: PersonalAccessTokenRef,
    description: 'Revokes a token: its owner, or a members:update holder of its organization. Takes effect on the next request.',
    errors: { types: [NotFoundError] },
    authScopes: { member: true },
    args: { tokenId: t.arg.globalID({ required: true, for: [PersonalAccessTokenRef] }) },
    resolve: (_r, args, ctx) => revokePersonalAccessToken(ctx.em, ctx, args.tokenId.id),
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
