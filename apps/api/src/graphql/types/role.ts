import { builder } from '../builder.ts';
import { isView, type RoleView } from '../views.ts';
import { Role } from '../../modules/roles/role.entity.ts';
import { OrganizationRef } from './organization.ts';
import { visibleRoles } from '../../modules/visibility.ts';

/** Visible to org:read holders of its org (R1, modules/visibility.ts); its organization is part of it. */
export const RoleRef = builder.loadableNodeRef<RoleView, string>('Role', {
  id: { resolve: (role) => role.id },
  load: (ids: string[], ctx) => visibleRoles(ctx, ids),
  sort: (role) => role.id,
});

RoleRef.implement({
  isTypeOf: (value) => value instanceof Role || isView(value, 'Role'),
  fields: (t) => ({
    key: t.exposeString('key'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    permissions: t.stringList({ resolve: (r) => [...r.permissions] }),
    builtin: t.exposeBoolean('builtin', { description: 'Built-in roles come from the preset and cannot be edited.' }),
    organization: t.field({ type: OrganizationRef, resolve: (r, _a, ctx) => ctx.loaders.organization.load(r.organization.id).then((o) => o!) }),
    memberCount: t.int({ resolve: (r, _a, ctx) => ctx.loaders.memberCountOfRole.load(r.id) }),
  }),
});
