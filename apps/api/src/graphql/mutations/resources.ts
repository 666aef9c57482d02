import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { MembershipRef } from '../types/membership.ts';
import { UserRef } from '../types/user.ts';
import { GrantCeilingError, NotFoundError, SelfRoleChangeError, ValidationError, found } from '../../errors.ts';
import * as resources from '../../modules/resources/resource.service.ts';
import type { ResourceGrantRow, ResourceRow } from '../../modules/resources/resource.service.ts';
import { sight } from '../../modules/visibility.ts';

const ResourceGrantRef = builder.objectRef<ResourceGrantRow>('ResourceGrant').implement({
  description: 'A role on one resource given to a member (adds to their org roles, never takes away).',
  fields: (t) => ({
    membership: t.field({
      type: MembershipRef,
      nullable: true,
      description: 'The grantee; null unless you may see them (members:read, or it is you), R1.',
      resolve: (g, _a, ctx) => sight(ctx).membership.load(g.membership_id),
    }),
    roleKey: t.string({ resolve: (g) => g.role_key }),
  }),
});

export const ResourceRef = builder.objectRef<ResourceRow>('Resource').implement({
  description: 'An org-scoped resource of a preset resource type (OEC project, Spaces space).',
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'org_id' in v && 'type' in v && 'created_by_id' in v,
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type'),
    name: t.exposeString('name'),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Null when that account is gone or is no one you can see (R1).',
      resolve: (r, _a, ctx) => (r.created_by_id ? sight(ctx).user.load(r.created_by_id) : null),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => new Date(r.created_at) }),
    grants: t.field({ type: [ResourceGrantRef], resolve: (r, _a, ctx) => resources.grantsOf(ctx.em, r.id) }),
  }),
});

builder.objectFields(OrganizationRef, (t) => ({
  resources: t.field({
    type: [ResourceRef],
    description: 'Resources of the org that the signed-in user may read: all with the org `<type>s:read`, else those they created or were granted.',
    authScopes: (org) => ({ orgPermission: `${org.id}:org:read` }),
    unauthorizedResolver: () => [],
    args: { type: t.arg.string() },
    resolve: async (org, args, ctx) => {
      const rows = args.type
        ? await ctx.em.execute<ResourceRow[]>(`select * from resource where org_id = ? and type = ? order by type, name, id`, [org.id, args.type])
        : await ctx.em.execute<ResourceRow[]>(`select * from resource where org_id = ? order by type, name, id`, [org.id]);
      const orgPerms = (await ctx.permissionsIn(org.id)) ?? new Set<string>();
      const visible: ResourceRow[] = [];
      for (const row of rows) {
        const read = `${resources.permissionPrefix(row.type)}:read`;
        if (orgPerms.has(read) || (await resources.resourcePermissions(ctx.em, org.id, ctx.user!.id, row.id, ctx.app.preset)).has(read)) visible.push(row);
      }
      return visible;
    },
  }),
}));

async function resourceById(ctx: { em: import('../../db/orm.ts').Em }, id: string) {
  return found(await resources.findResource(ctx.em, id), 'Resource');
}

builder.mutationField('createResource', (t) =>
  t.field({
    type: ResourceRef,
    description: 'Creates a resource of a preset resource type; needs `<type>s:create`. The creator holds the type creator role on it.',
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:org:read` }),
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      type: t.arg.string({ required: true }),
      name: t.arg.string({ required: true }),
    },
    resolve: async (_r, args, ctx) => {
      const id = await resources.createResource(ctx, args.organizationId.id, args.type, args.name);
      ctx.afterWrite();
      return resourceById(ctx, id);
    },
  }),
);

builder.mutationField('grantResourceRole', (t) =>
  t.field({
    type: ResourceRef,
    description: 'Gives a member a role on one resource (replacing their previous role on it). Needs members:update or `<type>s:assign`; R3 applies.',
    errors: { types: [ValidationError, NotFoundError, GrantCeilingError, SelfRoleChangeError] },
    authScopes: { member: true },
    args: {
      resourceId: t.arg.id({ required: true }),
      membershipId: t.arg.globalID({ required: true, for: [MembershipRef] }),
      roleKey: t.arg.string({ required: true }),
    },
    resolve: async (_r, args, ctx) => {
      const id = await resources.grantResourceRole(ctx, String(args.resourceId), args.membershipId.id, args.roleKey);
      ctx.afterWrite();
      return resourceById(ctx, id);
    },
  }),
);

builder.mutationField('revokeResourceRole', (t) =>
  t.field({
    type: ResourceRef,
    description: "Takes a member's role on one resource away.",
    errors: { types: [NotFoundError, GrantCeilingError, SelfRoleChangeError] },
    authScopes: { member: true },
    args: {
      resourceId: t.arg.id({ required: true }),
      membershipId: t.arg.globalID({ required: true, for: [MembershipRef] }),
    },
    resolve: async (_r, args, ctx) => {
      const id = await resources.revokeResourceRole(ctx, String(args.resourceId), args.membershipId.id);
      ctx.afterWrite();
      return resourceById(ctx, id);
    },
  }),
);
