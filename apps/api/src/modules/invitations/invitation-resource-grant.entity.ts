import { defineEntity, p } from '@mikro-orm/core';
import { Invitation } from './invitation.entity.ts';
import { Resource } from '../resources/resource.entity.ts';
import { Organization } from '../organizations/organization.entity.ts';

/**
 * A resource role an invitation grants on acceptance (docs/resources.md). The organization is repeated
 * so foreign keys keep the invitation and the resource in the same organization.
 */
export const InvitationResourceGrantSchema = defineEntity({
  name: 'InvitationResourceGrant',
  tableName: 'invitation_resource_grant',
  properties: {
    invitation: () => p.manyToOne(Invitation).primary().fieldName('invitation_id'),
    resource: () => p.manyToOne(Resource).primary().fieldName('resource_id'),
    organization: () => p.manyToOne(Organization).fieldName('org_id'),
    roleKey: p.string(),
  },
});

export class InvitationResourceGrant extends InvitationResourceGrantSchema.class {}
InvitationResourceGrantSchema.setClass(InvitationResourceGrant);
