import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';
import { Membership } from '../memberships/membership.entity.ts';
import { User } from '../users/user.entity.ts';

/** A project or space of an organization (the preset's resource types; docs/resources.md). */
export const ResourceSchema = defineEntity({
  name: 'Resource',
  tableName: 'resource',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).fieldName('org_id'),
    type: p.string(),
    name: p.string(),
    createdBy: () => p.manyToOne(User).nullable().fieldName('created_by_id'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Resource extends ResourceSchema.class {}
ResourceSchema.setClass(Resource);

/**
 * A member's role on one resource (R3 ceilings and preset caps in packages/permissions). The
 * organization is repeated so foreign keys keep a grant inside its organization.
 */
export const ResourceGrantSchema = defineEntity({
  name: 'ResourceGrant',
  tableName: 'resource_grant',
  properties: {
    resource: () => p.manyToOne(Resource).primary().fieldName('resource_id'),
    membership: () => p.manyToOne(Membership).primary().fieldName('membership_id'),
    organization: () => p.manyToOne(Organization).fieldName('org_id'),
    roleKey: p.string(),
    grantedById: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class ResourceGrant extends ResourceGrantSchema.class {}
ResourceGrantSchema.setClass(ResourceGrant);
