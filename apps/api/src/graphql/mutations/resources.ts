import { countedConnection } from '../counted-connection.ts';
import { resourceGid, resourceIdOf } from '../resource-id.ts';
import { onlyUuids } from '../../ids.ts';
import { canManageResourceMembers, findResourceRole, type RoleDefinition } from '@gatehouse/permissions';
import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { MembershipRef } from '../types/membership.ts';
import { UserRef } from '../types/user.ts';
import { GrantCeilingError, NotFoundError, ResourceRoleCapError, SelfRoleChangeError, ValidationError } from '../../errors.ts';
import * as resources from '../../modules/resources/resource.service.ts';
import type { ResourceGrantRow, ResourceMemberRow, ResourceRow } from '../../modules/resources/resource.service.ts';
import { pageArgs, toPage } from '../pagination.ts';
import { ResourceRoleRef, ResourceTypeRef } from '../queries/permissions.ts';
import type { Context } from '../../context.ts';

const ResourceGrantRef = builder.objectRef<ResourceGrantRow>('ResourceGrant').implement({
  description: 'A role on one resource given to a member (adds to their org roles, never takes away).',
  fields: (t) => ({
    membership: t.field({
      type: MembershipRef,
      nullable: true,
      description: 'The grantee; null unless you may see them (members:read, or it is you), R1.',
      resolve: (g) => g.membership_id,
    }),
    roleKey: t.string({ resolve: (g) => g.role_key }),
  }),
});

const ResourceMemberRef = builder.objectRef<ResourceMemberRow>('ResourceMember').implement({
  description: 'A member of the org holding a role on one resource (R19).',
  fields: (t) => ({
    membership: t.field({
      type: MembershipRef,
      nullable: true,
      description: 'Null unless you may see this member (members:read, or it is you), R1.',
      resolve: (g) => g.membership_id,
    }),
    roleKey: t.string({ resolve: (g) => g.role_key }),
    role: t.field({
      type: ResourceRoleRef,
      nullable: true,
      description: 'The role as the preset defines it; null for a role the preset no longer has.',
      resolve: (g, _a, ctx) => roleOf(ctx, g.resource_id, g.role_key),
    }),
    grantedAt: t.field({ type: 'DateTime', resolve: (g) => new Date(g.created_at) }),
  }),
});

const foundResources = new WeakMap<object, Map<string, Promise<ResourceRow | undefined>>>();
/** A member row's role: every row of a members page names the same resource, read once per request. */
async function roleOf(ctx: Context, resourceId: string, roleKey: string): Promise<RoleDefinition | null> {
  const resource = await memo(foundResources, ctx, resourceId, () => resources.findResource(ctx.em, resourceId));
  const def = resource && resources.resourceType(ctx.app.preset, resource.type);
  return (def && findResourceRole(def, roleKey)) ?? null;
}

/** Per request: a memo of promises by key. */
function memo<T>(store: WeakMap<object, Map<string, Promise<T>>>, ctx: Context, key: string, load: () => Promise<T>): Promise<T> {
  let byKey = store.get(ctx);
  if (!byKey) store.set(ctx, (byKey = new Map()));
  let p = byKey.get(key);
  if (!p) byKey.set(key, (p = load()));
  return p;
}

const standings = new WeakMap<object, Map<string, Promise<resources.OrgStanding>>>();
/** The viewer's standing in an org, read once per request and org (a list of resources shares it). */
function standingOfViewer(ctx: Context, orgId: string): Promise<resources.OrgStanding> {
  return memo(standings, ctx, orgId, () => resources.standingIn(ctx.em, orgId, ctx.user!));
}

const viewerPerms = new WeakMap<object, Map<string, Promise<ReadonlySet<string>>>>();
/** What the signed-in user holds on a resource, read once per resource and request. */
function permsOfViewer(ctx: Context, r: ResourceRow): Promise<ReadonlySet<string>> {
  if (!ctx.user) return Promise.resolve(new Set<string>());
  return memo(viewerPerms, ctx, r.id, async () => resources.permissionsOn(ctx.em, await standingOfViewer(ctx, r.org_id), r, ctx.app.preset, ctx.user!));
}

/** A node: answers (by id, `node`, `resource`) only to who may read it (R1, `readableResource`). */
export const ResourceRef = builder.loadableNodeRef<ResourceRow, string>('Resource', {
  id: { resolve: (r) => r.id },
  load: async (ids: string[], ctx) =>
    (await Promise.all(onlyUuids(ids).map((id) => resources.readableResource(ctx.em, ctx, id)))).flatMap((found) => (found ? [found.resource] : [])),
  sort: (r) => r.id,
});

ResourceRef.implement({
  description: 'An org-scoped resource of a preset resource type (OEC project, Spaces space).',
  fields: (t) => ({
    type: t.exposeString('type'),
    resourceType: t.field({
      type: ResourceTypeRef,
      nullable: true,
      description: 'The preset definition of this type: its roles and who may create, manage and be granted them.',
      resolve: (r, _a, ctx) => resources.resourceType(ctx.app.preset, r.type) ?? null,
    }),
    name: t.exposeString('name'),
    organization: t.field({ type: OrganizationRef, nullable: true, resolve: (r) => r.org_id }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Null when that account is gone or is no one you can see (R1).',
      resolve: (r) => r.created_by_id ?? null,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => new Date(r.created_at) }),
    grants: t.field({ type: [ResourceGrantRef], deprecationReason: 'Use members (a connection).', resolve: (r, _a, ctx) => resources.grantsOf(ctx.em, r.id) }),
    viewerPermissions: t.stringList({
      description: 'What you hold on this resource: org roles and your (capped) resource roles add up (R19).',
      resolve: async (r, _a, ctx) => [...(await permsOfViewer(ctx, r))].sort(),
    }),
    viewerCanManageMembers: t.boolean({
      description: 'Whether you may add, change and remove its members (org members:update, or `<prefix>:assign` on it).',
      resolve: async (r, _a, ctx) => {
        const def = resources.resourceType(ctx.app.preset, r.type);
        if (!def || !ctx.user) return false;
        const standing = await standingOfViewer(ctx, r.org_id);
        return canManageResourceMembers(def, standing.orgPerms, await permsOfViewer(ctx, r));
      },
    }),
    members: t.connection(
      {
        type: ResourceMemberRef,
        description: 'Members holding a role on this resource, by email (keyset-paginated with first/after).',
        resolve: async (r, args, ctx) => {
          const page = pageArgs(args, { list: `resource-members:${r.id}`, sort: 'text', id: 'uuid' });
          const rows = await resources.listResourceMembers(ctx.em, r.id, page.first, page.after);
          return { ...toPage(rows, page, (g) => [g.sort_key, g.membership_id]), totalCount: () => resources.countResourceMembers(ctx.em, r.id) };
        },
      },
      countedConnection('ResourceMemberConnection'),
    ),
  }),
});

/**
 * Listed rows carry the viewer's grant (one statement for the page): what the viewer holds on each is
 * computed from it and remembered, so `viewerPermissions` and `viewerCanManageMembers` on a page of
 * resources send no statement per resource.
 */
function primeViewerPerms(ctx: Context, standing: resources.OrgStanding, listed: resources.VisibleResourceRow[]): void {
  if (!ctx.user) return;
  for (const r of listed) {
    const perms = resources.permissionsOnListed(standing, r, ctx.app.preset, ctx.user);
    void memo(viewerPerms, ctx, r.id, () => Promise.resolve(perms));
  }
}

const RESOURCE_LIST_DESCRIPTION =
  'Resources of the org you may read: every resource of a type whose `<prefix>:read` your org role holds, ' +
  'else only those you created or were granted (R1, R19: restricted members see exactly theirs).';

builder.objectFields(OrganizationRef, (t) => ({
  resources: t.field({
    type: [ResourceRef],
    description: RESOURCE_LIST_DESCRIPTION,
    deprecationReason: 'Use resourcesConnection (keyset-paginated).',
    authScopes: (org) => ({ orgPermission: `${org.id}:org:read` }),
    unauthorizedResolver: () => [],
    args: { type: t.arg.string() },
    resolve: async (org, args, ctx) => {
      const standing = await standingOfViewer(ctx, org.id);
      const listed = await resources.visibleResources(ctx.em, standing, ctx.app.preset, args.type);
      primeViewerPerms(ctx, standing, listed);
      return listed;
    },
  }),
  resourcesConnection: t.connection(
    {
      type: ResourceRef,
      description: `${RESOURCE_LIST_DESCRIPTION} Ordered by type, name and id; one statement per page, your permissions on each included.`,
      authScopes: (org) => ({ orgPermission: `${org.id}:org:read` }),
      // Not a reader of the org: an empty page, like the plain list (Pothos types this hook by the node).
      unauthorizedResolver: (() => ({ edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: () => Promise.resolve(0) })) as never,
      args: { type: t.arg.string({ description: 'Only this resource type (a key of preset.resourceTypes).' }) },
      resolve: async (org, args, ctx) => {
        const page = pageArgs(args, { list: `resources:${org.id}:${args.type ?? '*'}`, sort: 'text', id: 'uuid' });
        const standing = await standingOfViewer(ctx, org.id);
        const listed = await resources.visibleResourcePage(ctx.em, standing, ctx.app.preset, { type: args.type, first: page.first, after: page.after });
        primeViewerPerms(ctx, standing, listed);
        return {
          ...toPage(listed, page, (r) => [r.sort_key, r.id]),
          totalCount: () => resources.countVisibleResources(ctx.em, standing, ctx.app.preset, args.type),
        };
      },
    },
    countedConnection('ResourceConnection'),
  ),
}));

builder.queryField('resource', (t) =>
  t.field({
    type: ResourceRef,
    nullable: true,
    authScopes: { member: true },
    description: 'One resource by id; null when it does not exist or you may not read it (R1: the same answer).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, args, ctx) => (await resources.readableResource(ctx.em, ctx, resourceIdOf(args.id)))?.resource ?? null,
  }),
);


builder.mutationField('createResource', (t) =>
  t.field({
    type: ResourceRef,
    description: 'Creates a resource of a preset resource type; needs `<prefix>:create`. The creator holds the type creator role on it.',
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:org:read` }),
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      type: t.arg.string({ required: true }),
      name: t.arg.string({ required: true }),
    },
    resolve: async (_r, args, ctx) => {
      // The row as the unit of work wrote it: no re-read.
      return resources.createResource(ctx.em, ctx, args.organizationId.id, args.type, args.name);
    },
  }),
);

const DeletedResourceRef = builder.objectRef<{ resourceId: string; organizationId: string }>('DeletedResourcePayload').implement({
  fields: (t) => ({ resourceId: t.id({ resolve: (p) => resourceGid(p.resourceId) }), organization: t.field({ type: OrganizationRef, nullable: true, resolve: (p) => p.organizationId }) }),
});

builder.mutationField('deleteResource', (t) =>
  t.field({
    type: DeletedResourceRef,
    description: 'Deletes a resource and every grant on it; needs `<prefix>:delete` on it (org role or resource role).',
    errors: { types: [NotFoundError] },
    authScopes: { member: true },
    args: { resourceId: t.arg.id({ required: true }) },
    resolve: async (_r, args, ctx) => {
      const row = await resources.deleteResource(ctx.em, ctx, resourceIdOf(args.resourceId));
      return { resourceId: row.id, organizationId: row.org_id };
    },
  }),
);

builder.mutationField('renameResource', (t) =>
  t.field({
    type: ResourceRef,
    description:
      'Renames a resource (1 to 100 characters; names need not be unique). Needs the type\'s rename permission on it ' +
      '(OEC: `projects:update`; Spaces: `spaces:assign`, so a space\'s owner and Admins). Audited as resource.renamed.',
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: { member: true },
    args: { resourceId: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: async (_r, args, ctx) => {
      return resources.renameResource(ctx.em, ctx, resourceIdOf(args.resourceId), args.name);
    },
  }),
);

builder.mutationField('grantResourceRole', (t) =>
  t.field({
    type: ResourceRef,
    description:
      'Adds a member of the org to a resource with a role, or changes their role there. Needs members:update or `<prefix>:assign` on the resource; ' +
      'R3 (the role within what you hold there), R4 (not yourself) and R19 (within what their org role may hold there) apply.',
    errors: { types: [ValidationError, NotFoundError, GrantCeilingError, SelfRoleChangeError, ResourceRoleCapError] },
    authScopes: { member: true },
    args: {
      resourceId: t.arg.id({ required: true }),
      membershipId: t.arg.globalID({ required: true, for: [MembershipRef] }),
      roleKey: t.arg.string({ required: true }),
    },
    resolve: async (_r, args, ctx) => {
      // The resource as read under the lock; its members and grants are read when asked, after the commit.
      return resources.grantResourceRole(ctx.em, ctx, resourceIdOf(args.resourceId), args.membershipId.id, args.roleKey);
    },
  }),
);

builder.mutationField('revokeResourceRole', (t) =>
  t.field({
    type: ResourceRef,
    description: "Removes a member from a resource (takes their role there away); R3 and R4 apply.",
    errors: { types: [NotFoundError, GrantCeilingError, SelfRoleChangeError] },
    authScopes: { member: true },
    args: {
      resourceId: t.arg.id({ required: true }),
      membershipId: t.arg.globalID({ required: true, for: [MembershipRef] }),
    },
    resolve: async (_r, args, ctx) => {
      return resources.revokeResourceRole(ctx.em, ctx, resourceIdOf(args.resourceId), args.membershipId.id);
    },
  }),
);
