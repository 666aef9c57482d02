import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';

export const RoleSchema = defineEntity({
  name: 'Role',
  tableName: 'role',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).fieldName('org_id'),
    key: p.string(),
    name: p.string(),
    description: p.string().default(''),
    permissions: p.array().columnType('text[]'),
    /** Built-in roles come from the active preset and are re-synced at start. */
    builtin: p.boolean().default(false),
    position: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Role extends RoleSchema.class {}
RoleSchema.setClass(Role);
