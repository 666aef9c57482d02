import { builder } from '../builder.ts';
import { sortedPermissions } from '@gatehouse/permissions';
import { OrganizationView } from '../views.ts';
import { Organization, OrganizationStatus } from '../../modules/organizations/organization.entity.ts';
import { visibleOrganizations } from '../../modules/visibility.ts';

export const OrganizationStatusEnum = builder.enumType('OrganizationStatus', { values: OrganizationStatus });

/** Visible to its members (org:read) and platform admins; anything else answers as non-existent (R1). */
export const OrganizationRef = builder.loadableNodeRef<OrganizationView | Organization, string>('Organization', {
  id: { resolve: (org) => org.id },
  load: (ids: string[], ctx) => visibleOrganizations(ctx, ids),
  sort: (org) => org.id,
});

OrganizationRef.implement({
  isTypeOf: (value) => value instanceof Organization || value instanceof OrganizationView,
  fields: (t) => ({
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    status: t.field({ type: OrganizationStatusEnum, resolve: (o) => o.status }),
    createdAt: t.field({ type: 'DateTime', resolve: (o) => o.createdAt }),
    viewerPermissions: t.stringList({
      description: "The signed-in user's effective permissions here, for enabling controls in a UI.",
      resolve: async (org, _args, ctx) => {
        const perms = await ctx.permissionsIn(org.id);
        return perms ? [...sortedPermissions(perms)] : [];
      },
    }),
  }),
});
