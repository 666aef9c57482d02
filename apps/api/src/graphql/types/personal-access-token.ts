import { builder } from '../builder.ts';
import { PersonalAccessToken } from '../../modules/tokens/personal-access-token.entity.ts';
import { visibleTokens } from '../../modules/tokens/token.queries.ts';
import { OrganizationRef } from './organization.ts';
import { UserRef } from './user.ts';

/** Visible to its owner and to members:update holders of its organization (R1, modules/tokens/token.queries.ts). */
export const PersonalAccessTokenRef = builder.loadableNodeRef<PersonalAccessToken, string>('PersonalAccessToken', {
  id: { resolve: (t) => t.id },
  load: (ids: string[], ctx) => visibleTokens(ctx.em, ctx, ids),
  sort: (t) => t.id,
});

PersonalAccessTokenRef.implement({
  description: 'A personal access token (R23): acts for its owner in one organization with at most its permissions. The secret is shown once, at creation.',
  isTypeOf: (value) => value instanceof PersonalAccessToken,
  fields: (t) => ({
    name: t.exposeString('name'),
    hint: t.exposeString('hint', { description: 'The last four characters of the secret.' }),
    permissions: t.stringList({ description: 'The subset chosen at creation. What it may do is this ∩ its owner’s current permissions (R2).', resolve: (p) => [...p.permissions] }),
    organization: t.field({ type: OrganizationRef, nullable: true, resolve: (p) => p.orgId }),
    owner: t.field({ type: UserRef, nullable: true, resolve: (p) => p.userId }),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.createdAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.expiresAt ?? null }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, description: 'Recorded at most once a minute.', resolve: (p) => p.lastUsedAt ?? null }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.revokedAt ?? null }),
    active: t.boolean({ resolve: (p) => !p.revokedAt && (!p.expiresAt || p.expiresAt > new Date()) }),
  }),
});
